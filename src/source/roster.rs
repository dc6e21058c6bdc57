//! The roster: who the influencers are, which accounts and coupon codes are theirs, and any
//! manual tier or commission.

use super::csv_file::{CsvText, text_column};
use super::values::parse_decimal;
use super::{Rejects, SourceError, cell_error, normalize_code, normalize_handle, row_error};
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Instagram,
    Tiktok,
    Youtube,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Instagram, Platform::Tiktok, Platform::Youtube];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Instagram => "instagram",
            Platform::Tiktok => "tiktok",
            Platform::Youtube => "youtube",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let lower = raw.trim().to_lowercase();
        Self::ALL.into_iter().find(|p| p.as_str() == lower)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Influencer {
    pub id: String,
    pub name: String,
    /// Normalised handle per platform, in [`Platform::ALL`] order.
    pub handles: [Option<String>; 3],
    /// The same accounts as written (trimmed, without `@`): the id an API is asked for
    /// (YouTube channel ids are case-sensitive).
    pub account_ids: [Option<String>; 3],
    /// `${VAR}` references to per-account API tokens (`<platform>_token` columns).
    pub tokens: [Option<crate::config::EnvRef>; 3],
    /// Normalised coupon codes.
    pub codes: Vec<String>,
    /// Link identifiers: UTM campaign values (`utm_campaigns`) and landing paths
    /// (`landing_paths`), normalised by [`super::links`].
    pub campaigns: Vec<String>,
    pub paths: Vec<String>,
    /// Manual tier (lower-case), overriding the follower count.
    pub tier: Option<String>,
    pub commission_pct: rust_decimal::Decimal,
    pub campaign: Option<String>,
    /// Where their statement goes, when statements are sent.
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub influencers: Vec<Influencer>,
}

impl Roster {
    /// (platform, handle, influencer id) for every account in the roster.
    pub fn accounts(&self) -> impl Iterator<Item = (Platform, &str, &str)> {
        self.influencers.iter().flat_map(|inf| {
            Platform::ALL
                .into_iter()
                .zip(inf.handles.iter())
                .filter_map(move |(p, h)| h.as_deref().map(|h| (p, h, inf.id.as_str())))
        })
    }

    /// (kind, identifier, influencer id) for every link identifier in the roster; kind is
    /// `utm_campaign` or `landing_path`.
    pub fn links(&self) -> impl Iterator<Item = (&'static str, &str, &str)> {
        self.influencers.iter().flat_map(|inf| {
            let campaigns = inf.campaigns.iter().map(move |c| ("utm_campaign", c.as_str(), inf.id.as_str()));
            campaigns.chain(inf.paths.iter().map(move |p| ("landing_path", p.as_str(), inf.id.as_str())))
        })
    }

    /// (code, influencer id) for every coupon code in the roster.
    pub fn codes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.influencers.iter().flat_map(|inf| inf.codes.iter().map(move |c| (c.as_str(), inf.id.as_str())))
    }
}

/// Reads the roster; ids, accounts and codes must each belong to one influencer.
pub fn read(path: &Path, rejects: &mut Rejects) -> Result<(Roster, CsvText, usize), SourceError> {
    let file = CsvText::load(path)?;
    let id_col = file.require_column(&["influencer_id"])?.to_string();
    let optional = |names: &[&str]| file.find_column(names).map(str::to_string);
    let name_col = optional(&["name"]);
    let handle_cols: Vec<Option<String>> = Platform::ALL.iter().map(|p| optional(&[p.as_str()])).collect();
    let token_cols: Vec<Option<String>> = Platform::ALL.iter().map(|p| optional(&[&format!("{}_token", p.as_str())])).collect();
    let codes_col = optional(&["coupon_codes", "coupon_code", "codes"]);
    let tier_col = optional(&["tier"]);
    let commission_col = optional(&["commission_pct"]);
    let campaign_col = optional(&["campaign"]);
    let email_col = optional(&["email"]);
    let campaigns_col = optional(&["utm_campaigns", "utm_campaign"]);
    let paths_col = optional(&["landing_paths", "landing_path", "landing_pages"]);

    let wanted: Vec<&str> = std::iter::once(id_col.as_str())
        .chain(
            [&name_col, &codes_col, &tier_col, &commission_col, &campaign_col, &email_col, &campaigns_col, &paths_col]
                .into_iter()
                .flatten()
                .map(String::as_str),
        )
        .chain(handle_cols.iter().flatten().map(String::as_str))
        .chain(token_cols.iter().flatten().map(String::as_str))
        .collect();
    let df = file.read_columns(&wanted, rejects)?;
    let col = |name: &Option<String>| name.as_ref().map(|n| text_column(&df, n, &file.path)).transpose();
    let ids = text_column(&df, &id_col, &file.path)?;
    let names = col(&name_col)?;
    let handles: Vec<_> = handle_cols.iter().map(col).collect::<Result<_, _>>()?;
    let tokens: Vec<_> = token_cols.iter().map(col).collect::<Result<_, _>>()?;
    let codes = col(&codes_col)?;
    let tiers = col(&tier_col)?;
    let commissions = col(&commission_col)?;
    let campaigns = col(&campaign_col)?;
    let emails = col(&email_col)?;
    let (link_campaigns, link_paths) = (col(&campaigns_col)?, col(&paths_col)?);

    let mut roster = Roster::default();
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut owners: HashMap<(Platform, String), String> = HashMap::new();
    let mut code_owners: HashMap<String, String> = HashMap::new();
    let mut link_owners: HashMap<(&str, String), String> = HashMap::new();
    for i in 0..df.height() {
        let id = super::normalize_id(ids.get(i).unwrap_or(""));
        if id.is_empty() {
            rejects.handle(cell_error(&file, i, &id_col, "", super::ValueError("is empty")))?;
            continue;
        }
        if let Some(first) = seen_ids.get(&id) {
            let msg = format!("`influencer_id` {id:?} already used on line {}", file.line_of_row(*first));
            rejects.handle(row_error(&file, i, msg))?;
            continue;
        }
        let commission_pct = match cell(commissions, i) {
            "" => rust_decimal::Decimal::ZERO,
            raw => match parse_decimal(raw.trim_end_matches('%'), file.decimal).and_then(super::values::percent) {
                Ok(d) => d,
                Err(reason) => {
                    rejects.handle(cell_error(&file, i, commission_col.as_deref().unwrap_or(""), raw, reason))?;
                    continue;
                }
            },
        };
        // A statement goes to this address: a bad one is an error now, before anything is sent
        // (never a skipped row, which would drop the influencer's figures).
        let email = cell(emails, i);
        if !email.is_empty() && (email.contains(['\r', '\n']) || email.parse::<lettre::message::Mailbox>().is_err()) {
            let column = email_col.as_deref().unwrap_or("email");
            return Err(cell_error(&file, i, column, email, super::ValueError("is not an email address")));
        }
        let mut inf = Influencer {
            id: id.clone(),
            name: cell(names, i).to_string(),
            handles: [None, None, None],
            account_ids: [None, None, None],
            tokens: [None, None, None],
            codes: Vec::new(),
            campaigns: Vec::new(),
            paths: Vec::new(),
            tier: Some(cell(tiers, i).to_lowercase()).filter(|t| !t.is_empty()),
            commission_pct,
            campaign: Some(cell(campaigns, i).to_string()).filter(|c| !c.is_empty()),
            email: Some(email.to_string()).filter(|e| !e.is_empty()),
        };
        let mut conflict = None;
        for (slot, platform) in Platform::ALL.into_iter().enumerate() {
            let raw_token = cell(tokens[slot], i);
            if !raw_token.is_empty() {
                match crate::config::EnvRef::parse(raw_token) {
                    Some(r) => inf.tokens[slot] = Some(r),
                    None => {
                        // Never echo the cell: it may be a pasted token.
                        let column = token_cols[slot].as_deref().unwrap_or("");
                        let msg = format!(
                            "`{column}` must name an environment variable like ${{ANNA_TIKTOK_TOKEN}}; tokens are not kept in the roster"
                        );
                        conflict = Some(msg);
                    }
                }
            }
            let handle = normalize_handle(cell(handles[slot], i));
            if handle.is_empty() {
                continue;
            }
            inf.account_ids[slot] = Some(cell(handles[slot], i).trim_start_matches('@').trim().to_string());
            if let Some(other) = owners.get(&(platform, handle.clone())) {
                conflict = Some(format!("{} account {handle:?} already belongs to {other:?}", platform.as_str()));
            }
            inf.handles[slot] = Some(handle);
        }
        for code in cell(codes, i).split([';', '|']).map(normalize_code).filter(|c| !c.is_empty()) {
            if let Some(other) = code_owners.get(&code).filter(|o| **o != id) {
                conflict = Some(format!("coupon code {code:?} already belongs to {other:?}"));
            }
            if !inf.codes.contains(&code) {
                inf.codes.push(code);
            }
        }
        let campaigns = list(link_campaigns, i).into_iter().map(|v| ("utm_campaign", super::links::campaign(v)));
        let paths = list(link_paths, i).into_iter().map(|v| ("landing_path", super::links::path(v)));
        for (kind, value) in campaigns.chain(paths) {
            if let Some(other) = link_owners.get(&(kind, value.clone())).filter(|o| **o != id) {
                conflict = Some(format!("{kind} {value:?} already belongs to {other:?}"));
            }
            let list = if kind == "utm_campaign" { &mut inf.campaigns } else { &mut inf.paths };
            if !value.is_empty() && !list.contains(&value) {
                list.push(value);
            }
        }
        if let Some(msg) = conflict {
            rejects.handle(row_error(&file, i, msg))?;
            continue;
        }
        for (platform, handle) in Platform::ALL.into_iter().zip(&inf.handles) {
            if let Some(h) = handle {
                owners.insert((platform, h.clone()), id.clone());
            }
        }
        for code in &inf.codes {
            code_owners.insert(code.clone(), id.clone());
        }
        for c in &inf.campaigns {
            link_owners.insert(("utm_campaign", c.clone()), id.clone());
        }
        for p in &inf.paths {
            link_owners.insert(("landing_path", p.clone()), id.clone());
        }
        seen_ids.insert(id, i);
        roster.influencers.push(inf);
    }
    let rows = file.rows;
    Ok((roster, file, rows))
}

/// The `;`- or `|`-separated non-empty values of a cell.
fn list(column: Option<&polars::prelude::StringChunked>, row: usize) -> Vec<&str> {
    cell(column, row).split([';', '|']).map(str::trim).filter(|v| !v.is_empty()).collect()
}

/// The trimmed text of an optional column's cell; `""` for a missing column or null.
fn cell(column: Option<&polars::prelude::StringChunked>, row: usize) -> &str {
    column.and_then(|c| c.get(row)).unwrap_or("").trim()
}
