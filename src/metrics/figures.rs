//! The computed figures as plain rows: the boundary between COMPUTE and RENDER.

use crate::source::Roster;
use crate::source::values::MICROS;
use crate::tiers::TierScheme;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of influencers.csv or tiers.csv (ratios are fractions; `roi_pct` is a percentage).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FigureRow {
    /// Influencer id; empty on tier and total rows.
    pub influencer_id: String,
    pub name: String,
    pub tier: String,
    pub influencers: i64,
    pub followers: Option<i64>,
    pub posts: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub saves: i64,
    pub engagements: i64,
    pub engagement_rate: Option<f64>,
    pub engagement_rate_reach: Option<f64>,
    pub reach: i64,
    pub impressions: i64,
    pub views: i64,
    pub orders: i64,
    pub revenue: f64,
    pub discounts: f64,
    pub refunds: f64,
    pub cost: f64,
    pub roi_pct: Option<f64>,
    pub roas: Option<f64>,
    pub cpa: Option<f64>,
    pub cpm: Option<f64>,
    pub cpe: Option<f64>,
    pub aov: Option<f64>,
    pub return_rate: Option<f64>,
    pub median_engagement_rate: Option<f64>,
    /// Orders and revenue attributed by a roster code and by a link (spec §3).
    pub orders_by_code: i64,
    pub orders_by_link: i64,
    pub revenue_by_code: f64,
    pub revenue_by_link: f64,
    /// Paid costs (cost rows) in the period, without commission: for "paid but silent".
    #[serde(skip)]
    pub cost_rows: f64,
    /// The part of `cost_rows` of kind `fee`: for the fee-per-post rule of thumb.
    #[serde(skip)]
    pub fees: f64,
}

impl FigureRow {
    /// The name to show people: the roster's name, else the influencer id.
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() { &self.influencer_id } else { &self.name }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UnmatchedCode {
    pub code: String,
    pub orders: usize,
}

/// A discount title (`Custom discount`) in the code cells: a discount without a code.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiscountTitle {
    pub title: String,
    pub orders: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CodeUse {
    pub influencer_id: String,
    pub code: String,
    pub orders: i64,
    pub revenue: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Quality {
    pub rows_rejected: usize,
    pub attribution_conflicts: usize,
    pub unmatched_codes: Vec<UnmatchedCode>,
    /// Discount titles in the code cells (matched no roster code), most used first.
    pub discounts_without_code: Vec<DiscountTitle>,
    pub posts_without_followers: usize,
    pub unowned_accounts: usize,
    pub cost_rows_not_in_roster: usize,
    pub metrics_missing: BTreeMap<String, usize>,
    /// Heuristic signals (see `metrics::signals`): leaked codes and audience quality.
    pub leaked_codes: Vec<super::LeakSignal>,
    pub follower_jumps: Vec<super::FollowerJump>,
    pub low_engagement: Vec<super::LowEngagement>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Roster order.
    pub influencers: Vec<FigureRow>,
    /// Lowest tier first.
    pub tiers: Vec<FigureRow>,
    pub total: FigureRow,
    pub codes: Vec<CodeUse>,
    pub quality: Quality,
    /// The period's posts of roster accounts, for creator statements (empty when the report
    /// sends none).
    pub posts: Vec<PostLine>,
}

/// One post in the period, as a creator statement lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PostLine {
    pub influencer_id: String,
    pub platform: String,
    pub post_id: String,
    pub day: chrono::NaiveDate,
    pub engagements: i64,
    pub reach: Option<i64>,
    pub views: Option<i64>,
}

/// influencer_id, name, ord (roster order), tier_override.
pub fn roster_frame(roster: &Roster) -> PolarsResult<LazyFrame> {
    let inf = &roster.influencers;
    Ok(df!(
        "influencer_id" => inf.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        "name" => inf.iter().map(|i| i.name.clone()).collect::<Vec<_>>(),
        "ord" => (0..inf.len() as i64).collect::<Vec<_>>(),
        "tier_override" => inf.iter().map(|i| i.tier.clone()).collect::<Vec<_>>(),
    )?
    .lazy())
}

impl Figures {
    pub fn from_frames(influencers: &DataFrame, tiers: &DataFrame, total: &DataFrame, scheme: &TierScheme) -> PolarsResult<Self> {
        let mut tier_rows = rows(tiers)?;
        tier_rows.sort_by_key(|r| scheme.rank(&r.tier));
        let mut total_rows = rows(total)?;
        let mut total = total_rows.pop().unwrap_or_default();
        total.tier = "total".to_string();
        Ok(Self { influencers: rows(influencers)?, tiers: tier_rows, total, ..Self::default() })
    }
}

/// Sets one figure of a row from its column's value (null where the frame has no such column).
type Set<T> = fn(&mut FigureRow, Option<T>);

/// The whole-number columns of the influencer, tier and total frames, and where each goes.
const COUNTS: [(&str, Set<i64>); 14] = [
    ("influencers", |r, v| r.influencers = v.unwrap_or(1)),
    ("followers", |r, v| r.followers = v),
    ("posts", |r, v| r.posts = v.unwrap_or(0)),
    ("likes", |r, v| r.likes = v.unwrap_or(0)),
    ("comments", |r, v| r.comments = v.unwrap_or(0)),
    ("shares", |r, v| r.shares = v.unwrap_or(0)),
    ("saves", |r, v| r.saves = v.unwrap_or(0)),
    ("engagements", |r, v| r.engagements = v.unwrap_or(0)),
    ("reach", |r, v| r.reach = v.unwrap_or(0)),
    ("impressions", |r, v| r.impressions = v.unwrap_or(0)),
    ("views", |r, v| r.views = v.unwrap_or(0)),
    ("orders", |r, v| r.orders = v.unwrap_or(0)),
    ("orders_by_link", |r, v| r.orders_by_link = v.unwrap_or(0)),
    ("fee_micros", |r, v| r.fees = v.map_or(0.0, |m| m as f64 / MICROS as f64)),
];

/// The fractional columns (ratios, and amounts in millionths) and where each goes.
const FRACTIONS: [(&str, Set<f64>); 17] = [
    ("engagement_rate", |r, v| r.engagement_rate = v),
    ("engagement_rate_reach", |r, v| r.engagement_rate_reach = v),
    ("revenue", |r, v| r.revenue = units(v)),
    ("discounts_micros", |r, v| r.discounts = units(v)),
    ("refunds_micros", |r, v| r.refunds = units(v)),
    ("cost", |r, v| r.cost = units(v)),
    ("roi_pct", |r, v| r.roi_pct = v),
    ("roas", |r, v| r.roas = v),
    ("cpa", |r, v| r.cpa = v),
    ("cpm", |r, v| r.cpm = v),
    ("cpe", |r, v| r.cpe = v),
    ("aov", |r, v| r.aov = v),
    ("return_rate", |r, v| r.return_rate = v),
    ("median_engagement_rate", |r, v| r.median_engagement_rate = v),
    ("cost_rows_micros", |r, v| r.cost_rows = units(v)),
    ("revenue_by_code", |r, v| r.revenue_by_code = units(v)),
    ("revenue_by_link", |r, v| r.revenue_by_link = units(v)),
];

/// Millionths as units: one correctly rounded division, the nearest f64 to the exact amount.
fn units(micros: Option<f64>) -> f64 {
    micros.map_or(0.0, |m| m / MICROS as f64)
}

fn rows(df: &DataFrame) -> PolarsResult<Vec<FigureRow>> {
    let text = |name: &str| -> PolarsResult<Vec<String>> {
        match df.column(name) {
            Ok(c) => Ok(c.str()?.iter().map(|v| v.unwrap_or("").to_string()).collect()),
            Err(_) => Ok(vec![String::new(); df.height()]),
        }
    };
    let (ids, names, tiers) = (text("influencer_id")?, text("name")?, text("tier")?);
    let mut out: Vec<FigureRow> = ids
        .into_iter()
        .zip(names)
        .zip(tiers)
        .map(|((influencer_id, name), tier)| FigureRow { influencer_id, name, tier, ..FigureRow::default() })
        .collect();
    // Column by column: each is decoded once and its values set on every row.
    for (name, set) in COUNTS {
        match df.column(name) {
            Ok(c) => out.iter_mut().zip(c.cast(&DataType::Int64)?.i64()?.iter()).for_each(|(row, v)| set(row, v)),
            Err(_) => out.iter_mut().for_each(|row| set(row, None)),
        }
    }
    for (name, set) in FRACTIONS {
        match df.column(name) {
            Ok(c) => out.iter_mut().zip(c.cast(&DataType::Float64)?.f64()?.iter()).for_each(|(row, v)| set(row, v)),
            Err(_) => out.iter_mut().for_each(|row| set(row, None)),
        }
    }
    for row in &mut out {
        row.orders_by_code = row.orders - row.orders_by_link;
    }
    Ok(out)
}
