//! Shopify "Export orders" CSV, exactly as Shopify writes it: one row per line item with the
//! order-level columns on the first row only, codes joined by ` + ` or `, ` in one cell, `±HHMM`
//! offsets, 73- or 79-column headers matched by name.

use super::csv_file::{CsvText, text_column};
use super::orders::{Currency, OrderRecord, OrderSink};
use super::values::{ValueError, fits, non_negative, parse_decimal, parse_stamp};
use super::{Rejects, SourceError, cell_error};
use chrono_tz::Tz;
use polars::prelude::*;
use rust_decimal::Decimal;

/// Money columns read from an order's first row: (canonical name, header aliases, required).
const MONEY: [(&str, &[&str], bool); 4] = [
    ("subtotal", &["Subtotal"], true),
    ("total", &["Total"], true),
    ("discounts", &["Discount Amount"], false),
    ("refunds", &["Refunded Amount"], false),
];

/// Reads Shopify exports (already in natural order) into the orders and order_codes frames.
/// Amounts are converted into the report currency at the configured rates; an order in a
/// currency without a rate is kept with `fx_missing` set (an error only if it is attributed).
pub fn read(
    files: &[CsvText],
    tz: Tz,
    currency: &Currency<'_>,
    rejects: &mut Rejects,
) -> Result<(DataFrame, DataFrame, Vec<usize>), SourceError> {
    let mut sink = OrderSink::default();
    let mut rows = Vec::new();
    for (rank, file) in files.iter().enumerate() {
        rows.push(read_file(file, rank as u32, tz, currency, rejects, &mut sink)?);
    }
    let (orders, codes) = sink.finish().map_err(|source| SourceError::Csv { path: Default::default(), source })?;
    Ok((orders, codes, rows))
}

fn read_file(
    file: &CsvText,
    rank: u32,
    tz: Tz,
    report_currency: &Currency<'_>,
    rejects: &mut Rejects,
    sink: &mut OrderSink,
) -> Result<usize, SourceError> {
    let name_col = file.require_column(&["Name"])?.to_string();
    let created_col = file.require_column(&["Created at"])?.to_string();
    let code_col = file.require_column(&["Discount Code"])?.to_string();
    let money_cols: Vec<Option<String>> = MONEY
        .iter()
        .map(|(_, aliases, required)| {
            if *required {
                file.require_column(aliases).map(|c| Some(c.to_string()))
            } else {
                Ok(file.find_column(aliases).map(str::to_string))
            }
        })
        .collect::<Result<_, _>>()?;
    let optional = |aliases: &[&str]| file.find_column(aliases).map(str::to_string);
    let id_col = optional(&["Id"]);
    let status_col = optional(&["Financial Status"]);
    let currency_col = optional(&["Currency"]);
    let cancelled_col = optional(&["Cancelled at", "Canceled at"]);
    let paid_col = optional(&["Paid at"]);
    let fulfilled_col = optional(&["Fulfilled at"]);
    let notes_col = optional(&["Note Attributes"]);
    // Not in Shopify's own export; third-party order exports add the API's fields by name.
    let landing_col = optional(&["Landing Site", "Landing Page", "landing_site"]);
    let referring_col = optional(&["Referring Site", "referring_site"]);

    let mut wanted = vec![name_col.as_str(), created_col.as_str(), code_col.as_str()];
    wanted.extend(money_cols.iter().flatten().map(String::as_str));
    let extra = [
        &id_col,
        &status_col,
        &currency_col,
        &cancelled_col,
        &paid_col,
        &fulfilled_col,
        &notes_col,
        &landing_col,
        &referring_col,
    ];
    wanted.extend(extra.into_iter().flatten().map(String::as_str));
    wanted.sort_unstable();
    wanted.dedup();
    let df = file.read_columns(&wanted)?;
    let text = |name: &str| text_column(&df, name, &file.path);
    let opt_text = |name: &Option<String>| name.as_deref().map(text).transpose();
    let names = text(&name_col)?;
    let created = text(&created_col)?;
    let code_cells = text(&code_col)?;
    let money: Vec<_> = money_cols.iter().map(opt_text).collect::<Result<_, _>>()?;
    let ids = opt_text(&id_col)?;
    let statuses = opt_text(&status_col)?;
    let currencies = opt_text(&currency_col)?;
    let cancels = opt_text(&cancelled_col)?;
    let paid = opt_text(&paid_col)?;
    let fulfilled = opt_text(&fulfilled_col)?;
    let notes = opt_text(&notes_col)?;
    let (landings, referrers) = (opt_text(&landing_col)?, opt_text(&referring_col)?);

    let mut previous: Option<&str> = None;
    'rows: for i in 0..df.height() {
        let name = names.get(i).unwrap_or("").trim();
        if name.is_empty() {
            rejects.handle(cell_error(file, i, &name_col, "", ValueError("is empty")))?;
            continue;
        }
        if previous == Some(name) {
            continue; // a continuation row: another line item of the same order
        }
        previous = Some(name);
        let raw_created = created.get(i).unwrap_or("");
        let day = match parse_stamp(raw_created) {
            Ok(stamp) => crate::period::day_number(stamp.day_in(tz)),
            Err(reason) => {
                rejects.handle(cell_error(file, i, &created_col, raw_created, reason))?;
                continue;
            }
        };
        let mut amounts = [Decimal::ZERO; 4];
        for (m, column) in money.iter().enumerate() {
            let raw = cell(*column, i);
            if raw.is_empty() && !MONEY[m].2 {
                continue; // no discount or refund column value: nothing was discounted or refunded
            }
            match parse_decimal(raw, file.decimal).and_then(non_negative).and_then(fits) {
                Ok(d) => amounts[m] = d,
                Err(reason) => {
                    let column = money_cols[m].as_deref().unwrap_or(MONEY[m].0);
                    rejects.handle(cell_error(file, i, column, raw, reason))?;
                    continue 'rows;
                }
            }
        }
        let id = cell(ids, i);
        let [subtotal, total, discounts, refunds] = amounts;
        let order = OrderRecord {
            key: if id.is_empty() { name.to_string() } else { id.to_string() },
            name: name.to_string(),
            day,
            cancelled: !cell(cancels, i).is_empty(),
            status: cell(statuses, i).to_lowercase(),
            currency: cell(currencies, i).to_string(),
            subtotal,
            total,
            discounts,
            refunds,
            codes: super::codes::split(code_cells.get(i).unwrap_or("")),
            titles_possible: true,
            link: super::links::note_attributes(cell(notes, i))
                .or(super::links::OrderLink::from_url(cell(landings, i)))
                .or(super::links::OrderLink::from_url(cell(referrers, i)).campaign_only()),
            recorded_at: super::orders::latest_of([raw_created, cell(paid, i), cell(fulfilled, i), cell(cancels, i)], tz),
        };
        if let Err(reason) = sink.push(rank, i as u32, order, report_currency) {
            let column = money_cols[1].as_deref().unwrap_or("Total");
            rejects.handle(cell_error(file, i, column, cell(money[1], i), reason))?;
        }
    }
    Ok(df.height())
}

/// The trimmed text of an optional column's cell; `""` for a missing column or null.
fn cell(column: Option<&polars::prelude::StringChunked>, row: usize) -> &str {
    column.and_then(|c| c.get(row)).unwrap_or("").trim()
}
