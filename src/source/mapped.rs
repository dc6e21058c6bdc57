//! Order exports other than Shopify's, read through a column map: WooCommerce's Analytics
//! download and the SkyVerge "Customer/Order/Coupon Export" (both recognised by their headers),
//! and any other CSV (AlgolPlus and other plugin exports, a shop's own) through
//! `[report.inputs.columns]`. Consecutive rows with the same order id are one order (exports
//! with a row per item or per coupon): its amounts come from the first row, its codes from all.

use super::csv_file::{CsvText, text_column};
use super::orders::{Currency, OrderRecord, OrderSink};
use super::values::{ValueError, add, fits, non_negative, parse_decimal, parse_stamp};
use super::{Rejects, SourceError, cell_error};
use chrono_tz::Tz;
use polars::prelude::*;
use rust_decimal::Decimal;

/// Which column holds what. Each entry lists header aliases (matched case-insensitively).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnMap {
    pub order_id: Vec<String>,
    pub name: Vec<String>,
    pub created_at: Vec<String>,
    pub codes: Vec<String>,
    /// After discounts, before shipping and taxes; when absent: total − `deduct`.
    pub subtotal: Vec<String>,
    pub total: Vec<String>,
    /// Columns taken off the total to get the subtotal (shipping, fees, taxes).
    pub deduct: Vec<String>,
    pub discounts: Vec<String>,
    pub refunds: Vec<String>,
    pub currency: Vec<String>,
    pub status: Vec<String>,
    pub cancelled_at: Vec<String>,
    /// The order's UTM campaign (WooCommerce order attribution); default: [`UTM_CAMPAIGN`].
    pub utm_campaign: Vec<String>,
    /// The order's landing URL or path; default: [`LANDING_PAGE`].
    pub landing_page: Vec<String>,
    /// The export writes refunds as negative totals (WooCommerce Analytics' `Net Sales`), so a
    /// negative total is data, not an error.
    pub negative_totals: bool,
}

/// Headers that hold an order's UTM campaign when the map names none: WooCommerce's order
/// attribution meta key (as order-export plugins title meta columns) and plain names.
pub const UTM_CAMPAIGN: [&str; 4] =
    ["_wc_order_attribution_utm_campaign", "wc_order_attribution_utm_campaign", "utm_campaign", "UTM campaign"];

/// Headers that hold an order's landing URL when the map names none: WooCommerce's
/// `session_entry` (the first page of the session that ordered) and plain names.
pub const LANDING_PAGE: [&str; 6] = [
    "_wc_order_attribution_session_entry",
    "wc_order_attribution_session_entry",
    "session_entry",
    "landing_page",
    "Landing page",
    "landing_site",
];

/// Other timestamp columns of an order, read (when present) for "refunds as of".
const OTHER_TIMES: [&str; 16] = [
    "Paid at",
    "Fulfilled at",
    "Cancelled at",
    "date_paid",
    "date_paid_gmt",
    "date_completed",
    "date_completed_gmt",
    "date_modified",
    "date_modified_gmt",
    "paid_date",
    "completed_date",
    "modified_date",
    "Order Paid Date",
    "Order Completed Date",
    "Order Modified Date",
    "Order Date",
];

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

impl ColumnMap {
    /// WooCommerce › Analytics › Orders › Download: net sales per order, coupons joined by ", ".
    pub fn woo_analytics() -> Self {
        Self {
            order_id: names(&["Order #"]),
            created_at: names(&["Date"]),
            codes: names(&["Coupon(s)"]),
            subtotal: names(&["Net Sales", "N. Revenue"]),
            total: names(&["Net Sales", "N. Revenue"]),
            status: names(&["Status"]),
            negative_totals: true,
            ..Self::default()
        }
    }

    /// SkyVerge Customer/Order/Coupon Export, default and one-row-per-item formats.
    pub fn woo_skyverge() -> Self {
        Self {
            order_id: names(&["order_id", "order_number"]),
            name: names(&["order_number_formatted", "order_number"]),
            created_at: names(&["order_date", "date"]),
            codes: names(&["coupon_items"]),
            total: names(&["order_total"]),
            // tax_total is WooCommerce's get_total_tax(): cart (fees included) and shipping tax.
            deduct: names(&["shipping_total", "fee_total", "tax_total"]),
            discounts: names(&["discount_total"]),
            refunds: names(&["refunded_total"]),
            currency: names(&["order_currency"]),
            status: names(&["status"]),
            ..Self::default()
        }
    }

    /// The WooCommerce preset whose columns `file` has, if any.
    pub fn woo_for(file: &CsvText) -> Option<Self> {
        if file.find_column(&["Order #"]).is_some() && file.find_column(&["Net Sales", "N. Revenue"]).is_some() {
            Some(Self::woo_analytics())
        } else if file.find_column(&["order_id", "order_number"]).is_some() && file.find_column(&["order_total"]).is_some() {
            Some(Self::woo_skyverge())
        } else {
            None
        }
    }
}

/// Statuses of orders that did not happen (WooCommerce: cancelled, failed, trash).
const NOT_HAPPENED: [&str; 6] = ["cancelled", "canceled", "failed", "trash", "voided", "expired"];

struct Resolved {
    order_id: String,
    name: Option<String>,
    created_at: String,
    codes: Option<String>,
    subtotal: Option<String>,
    total: Option<String>,
    deduct: Vec<String>,
    discounts: Option<String>,
    refunds: Option<String>,
    currency: Option<String>,
    status: Option<String>,
    cancelled_at: Option<String>,
    utm_campaign: Option<String>,
    landing_page: Option<String>,
    times: Vec<String>,
}

fn resolve(file: &CsvText, map: &ColumnMap) -> Result<Resolved, SourceError> {
    fn aliases(list: &[String]) -> Vec<&str> {
        list.iter().map(String::as_str).collect()
    }
    let find = |list: &[String]| file.find_column(&aliases(list)).map(str::to_string);
    let need = |list: &[String], what: &str| {
        find(list).ok_or_else(|| SourceError::MissingColumn {
            path: file.path.clone(),
            column: if list.is_empty() { what.to_string() } else { list.join("` or `") },
        })
    };
    let total = find(&map.total);
    let subtotal = find(&map.subtotal);
    if total.is_none() && subtotal.is_none() {
        need(&[&map.subtotal[..], &map.total[..]].concat(), "subtotal")?;
    }
    Ok(Resolved {
        order_id: need(&map.order_id, "order_id")?,
        name: find(&map.name),
        created_at: need(&map.created_at, "created_at")?,
        codes: Some(need(&map.codes, "codes")?),
        subtotal,
        total,
        deduct: map.deduct.iter().filter_map(|d| file.find_column(&[d]).map(str::to_string)).collect(),
        discounts: find(&map.discounts),
        refunds: find(&map.refunds),
        currency: find(&map.currency),
        status: find(&map.status),
        cancelled_at: find(&map.cancelled_at),
        utm_campaign: if map.utm_campaign.is_empty() {
            file.find_column(&UTM_CAMPAIGN).map(str::to_string)
        } else {
            find(&map.utm_campaign)
        },
        landing_page: if map.landing_page.is_empty() {
            file.find_column(&LANDING_PAGE).map(str::to_string)
        } else {
            find(&map.landing_page)
        },
        times: OTHER_TIMES.iter().filter_map(|t| file.find_column(&[t]).map(str::to_string)).collect(),
    })
}

/// Reads mapped order exports (in natural order); `map` of `None` picks the WooCommerce preset
/// by the file's headers.
pub fn read(
    files: &[CsvText],
    map: Option<&ColumnMap>,
    tz: Tz,
    currency: &Currency<'_>,
    rejects: &mut Rejects,
    sink: &mut OrderSink,
    first_rank: u32,
) -> Result<Vec<usize>, SourceError> {
    let mut rows = Vec::new();
    for (rank, file) in files.iter().enumerate() {
        let map = match map {
            Some(m) => m.clone(),
            None => ColumnMap::woo_for(file).ok_or_else(|| SourceError::MissingColumn {
                path: file.path.clone(),
                column: "Order #` (WooCommerce Analytics) or `order_id` (SkyVerge export); for other exports give \
                         [report.inputs.columns"
                    .to_string(),
            })?,
        };
        rows.push(read_file(file, &map, first_rank + rank as u32, tz, currency, rejects, sink)?);
    }
    Ok(rows)
}

fn read_file(
    file: &CsvText,
    map: &ColumnMap,
    rank: u32,
    tz: Tz,
    currency: &Currency<'_>,
    rejects: &mut Rejects,
    sink: &mut OrderSink,
) -> Result<usize, SourceError> {
    let r = resolve(file, map)?;
    let negative_totals = map.negative_totals;
    let mut wanted: Vec<&str> = vec![&r.order_id, &r.created_at];
    for c in [&r.name, &r.codes, &r.subtotal, &r.total, &r.discounts, &r.refunds, &r.currency, &r.status, &r.cancelled_at] {
        wanted.extend(c.as_deref());
    }
    wanted.extend([&r.utm_campaign, &r.landing_page].into_iter().flatten().map(String::as_str));
    wanted.extend(r.deduct.iter().map(String::as_str));
    wanted.extend(r.times.iter().map(String::as_str));
    wanted.sort_unstable();
    wanted.dedup();
    let df = file.read_columns(&wanted, rejects)?;
    let col = |name: &Option<String>| name.as_deref().map(|n| text_column(&df, n, &file.path)).transpose();
    let ids = text_column(&df, &r.order_id, &file.path)?;
    let created = text_column(&df, &r.created_at, &file.path)?;
    let (names, codes, subtotals, totals) = (col(&r.name)?, col(&r.codes)?, col(&r.subtotal)?, col(&r.total)?);
    let (discounts, refunds, currencies, statuses, cancels) =
        (col(&r.discounts)?, col(&r.refunds)?, col(&r.currency)?, col(&r.status)?, col(&r.cancelled_at)?);
    let (campaigns, landings) = (col(&r.utm_campaign)?, col(&r.landing_page)?);
    let times: Vec<&StringChunked> = r.times.iter().map(|t| text_column(&df, t, &file.path)).collect::<Result<_, _>>()?;
    let deducts: Vec<(&str, &StringChunked)> =
        r.deduct.iter().map(|d| text_column(&df, d, &file.path).map(|c| (d.as_str(), c))).collect::<Result<_, _>>()?;

    let mut pending: Option<(u32, OrderRecord)> = None;
    let mut flush = |pending: &mut Option<(u32, OrderRecord)>, rejects: &mut Rejects| -> Result<(), SourceError> {
        if let Some((row, order)) = pending.take() {
            let total = order.total.to_string();
            if let Err(reason) = sink.push(rank, row, order, currency) {
                let column = r.total.as_deref().or(r.subtotal.as_deref()).unwrap_or("total");
                rejects.handle(cell_error(file, row as usize, column, &total, reason))?;
            }
        }
        Ok(())
    };
    for i in 0..df.height() {
        let id = cell(Some(ids), i);
        if id.is_empty() {
            rejects.handle(cell_error(file, i, &r.order_id, "", ValueError("is empty")))?;
            continue;
        }
        if let Some((_, order)) = pending.as_mut().filter(|(_, o)| o.key == id) {
            order.codes.extend(super::codes::split_list(cell(codes, i))); // another item or coupon row of the same order
            let more = super::orders::latest_of(times.iter().map(|t| cell(Some(*t), i)).chain([cell(Some(created), i)]), tz);
            order.recorded_at = order.recorded_at.max(more);
            continue;
        }
        flush(&mut pending, rejects)?;
        let raw_created = cell(Some(created), i);
        let day = match parse_stamp(raw_created) {
            Ok(stamp) => crate::period::day_number(stamp.day_in(tz)),
            Err(reason) => {
                rejects.handle(cell_error(file, i, &r.created_at, raw_created, reason))?;
                continue;
            }
        };
        // Every amount of the row, or the first cell that is not a number.
        // `signed`: WooCommerce writes refunds and discounts negative; totals never are.
        let amount = |column: &str, cells: Option<&StringChunked>, signed: bool| -> Result<Option<Decimal>, SourceError> {
            let raw = cell(cells, i);
            if raw.is_empty() {
                return Ok(None);
            }
            let parsed = parse_decimal(raw, file.decimal)
                .and_then(|d| match signed {
                    true => Ok(d.abs()),
                    false if negative_totals => Ok(d),
                    false => non_negative(d),
                })
                .and_then(fits);
            parsed.map(Some).map_err(|reason| cell_error(file, i, column, raw, reason))
        };
        let named = |c: &Option<String>| c.clone().unwrap_or_default();
        let parsed = (|| -> Result<_, SourceError> {
            let total = amount(&named(&r.total), totals, false)?;
            let subtotal = amount(&named(&r.subtotal), subtotals, false)?;
            let discount = amount(&named(&r.discounts), discounts, true)?.unwrap_or_default();
            let refund = amount(&named(&r.refunds), refunds, true)?.unwrap_or_default();
            let mut deducted = Decimal::ZERO;
            for (name, cells) in &deducts {
                let part = amount(name, Some(cells), true)?.unwrap_or_default();
                deducted = add(deducted, part).map_err(|reason| cell_error(file, i, name, cell(Some(cells), i), reason))?;
            }
            Ok((total, subtotal, discount, refund, deducted))
        })();
        let (total, subtotal, discount, refund, deducted) = match parsed {
            Ok(v) => v,
            Err(bad_cell) => {
                rejects.handle(bad_cell)?;
                continue;
            }
        };
        let (total, subtotal) = match (total, subtotal) {
            (Some(t), Some(s)) => (t, s),
            (Some(t), None) => (t, (t - deducted).max(Decimal::ZERO)),
            (None, Some(s)) => (s, s),
            (None, None) => {
                let column = r.total.as_deref().or(r.subtotal.as_deref()).unwrap_or("total");
                rejects.handle(cell_error(file, i, column, "", ValueError("is empty")))?;
                continue;
            }
        };
        let status = cell(statuses, i).to_lowercase();
        let status = status.strip_prefix("wc-").unwrap_or(&status).to_string();
        // A refunded order without a refund amount was refunded in full.
        let refund = if status == "refunded" && refund.is_zero() { total } else { refund.abs() };
        let name = cell(names, i);
        pending = Some((
            i as u32,
            OrderRecord {
                key: id.to_string(),
                name: if name.is_empty() { id.to_string() } else { name.to_string() },
                day,
                cancelled: !cell(cancels, i).is_empty() || NOT_HAPPENED.contains(&status.as_str()),
                status,
                currency: cell(currencies, i).to_string(),
                subtotal,
                total,
                discounts: discount.abs(),
                refunds: refund,
                codes: super::codes::split_list(cell(codes, i)),
                titles_possible: false,
                link: super::links::OrderLink {
                    utm_campaign: super::links::campaign(cell(campaigns, i)),
                    landing_path: String::new(),
                }
                .or(super::links::OrderLink::from_url(cell(landings, i))),
                recorded_at: super::orders::latest_of(times.iter().map(|t| cell(Some(*t), i)).chain([raw_created]), tz),
            },
        ));
    }
    flush(&mut pending, rejects)?;
    Ok(file.rows)
}

/// The trimmed text of an optional column's cell; `""` for a missing column or null.
fn cell(column: Option<&StringChunked>, row: usize) -> &str {
    column.and_then(|c| c.get(row)).unwrap_or("").trim()
}
