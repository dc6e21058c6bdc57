//! Cost rows: fees, product and other costs per influencer and day.

use super::csv_file::{CsvText, text_column};
use super::values::{parse_date, parse_decimal, to_micros};
use super::{Rejects, Roster, SourceError, cell_error, row_error};
use polars::prelude::*;
use std::collections::HashSet;

/// The kinds the roster template uses; any other word is kept as written (the amount counts
/// as cost whatever its kind).
pub const KINDS: [&str; 3] = ["fee", "product", "other"];

#[derive(Default)]
struct Columns {
    ids: Vec<String>,
    days: Vec<i32>,
    amounts: Vec<i64>,
    kinds: Vec<String>,
}

/// Reads cost files into the canonical costs frame; every `influencer_id` must be in the roster.
/// Cost rows of influencers missing from the roster are not counted; they are returned as
/// messages for the data-quality section.
pub fn read(
    files: &[CsvText],
    roster: &Roster,
    rejects: &mut Rejects,
) -> Result<(DataFrame, Vec<usize>, Vec<String>), SourceError> {
    let known: HashSet<&str> = roster.influencers.iter().map(|i| i.id.as_str()).collect();
    let mut unassigned = Vec::new();
    let mut out = Columns::default();
    let mut rows = Vec::new();
    for file in files {
        let id_col = file.require_column(&["influencer_id"])?.to_string();
        let date_col = file.require_column(&["date"])?.to_string();
        let amount_col = file.require_column(&["amount"])?.to_string();
        let kind_col = file.find_column(&["kind"]).map(str::to_string);
        let mut wanted = vec![id_col.as_str(), date_col.as_str(), amount_col.as_str()];
        wanted.extend(kind_col.as_deref());
        let df = file.read_columns(&wanted, rejects)?;
        let ids = text_column(&df, &id_col, &file.path)?;
        let dates = text_column(&df, &date_col, &file.path)?;
        let amounts = text_column(&df, &amount_col, &file.path)?;
        let kinds = kind_col.as_ref().map(|k| text_column(&df, k, &file.path)).transpose()?;
        rows.push(file.rows);
        for i in 0..df.height() {
            let id = super::normalize_id(ids.get(i).unwrap_or(""));
            let id = id.as_str();
            if id.is_empty() {
                rejects.handle(cell_error(file, i, &id_col, "", super::ValueError("is empty")))?;
                continue;
            }
            if !known.contains(id) {
                // Read but not counted: usually a roster omission, so it is listed, not fatal.
                unassigned.push(
                    row_error(file, i, format!("cost row for `influencer_id` {id:?}, who is not in the roster")).to_string(),
                );
                continue;
            }
            let raw_date = dates.get(i).unwrap_or("");
            let day = match parse_date(raw_date) {
                Ok(d) => crate::period::day_number(d),
                Err(reason) => {
                    rejects.handle(cell_error(file, i, &date_col, raw_date, reason))?;
                    continue;
                }
            };
            let raw_amount = amounts.get(i).unwrap_or("");
            let amount = match parse_decimal(raw_amount, file.decimal) {
                Ok(a) => match to_micros(a) {
                    Ok(m) => m,
                    Err(reason) => {
                        rejects.handle(cell_error(file, i, &amount_col, raw_amount, reason))?;
                        continue;
                    }
                },
                Err(reason) => {
                    rejects.handle(cell_error(file, i, &amount_col, raw_amount, reason))?;
                    continue;
                }
            };
            let raw_kind = kinds.and_then(|k| k.get(i)).unwrap_or("").trim().to_lowercase();
            let kind = if raw_kind.is_empty() { "other".to_string() } else { raw_kind };
            if !KINDS.contains(&kind.as_str()) {
                tracing::debug!(file = %file.path.display(), kind, "cost row of an unusual kind");
            }
            out.ids.push(id.to_string());
            out.days.push(day);
            out.amounts.push(amount);
            out.kinds.push(kind);
        }
    }
    let df = df!(
        "influencer_id" => out.ids,
        "day" => out.days,
        "amount_micros" => out.amounts,
        "kind" => out.kinds,
    )
    .map_err(|source| SourceError::Csv { path: Default::default(), source })?;
    Ok((df, rows, unassigned))
}

/// The nearest f64 to an exact decimal (the decimal's own text, parsed by the standard library).
pub fn decimal_to_f64(d: rust_decimal::Decimal) -> f64 {
    d.to_string().parse().unwrap_or(f64::NAN)
}
