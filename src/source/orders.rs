//! The canonical orders and order_codes frames, built from any order source (Shopify or
//! WooCommerce CSV, a mapped generic CSV, the shops' APIs): amounts are given exactly in the
//! order's currency and converted here into millionths of the report currency.

use super::links::OrderLink;
use super::values::{Stamp, ValueError, convert, parse_stamp, to_micros};
use chrono_tz::Tz;
use polars::prelude::*;
use polars_arrow::array::{MutablePlString, Utf8ViewArray};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One order as a source read it, amounts in the order's currency.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRecord {
    /// The shop's order id (`Id`, else `Name`): the de-duplication key.
    pub key: String,
    /// The order's name or number as people know it (`#1001`).
    pub name: String,
    /// Day number (days since 1970-01-01) of its creation in the report zone.
    pub day: i32,
    pub cancelled: bool,
    /// Lower-case status (`paid`, `refunded`, `voided`, …).
    pub status: String,
    /// Upper-case currency code; empty means the report currency.
    pub currency: String,
    /// After discounts, before shipping, taxes and duties.
    pub subtotal: Decimal,
    pub total: Decimal,
    pub discounts: Decimal,
    /// Refunded so far (cumulative), positive.
    pub refunds: Decimal,
    /// Discount codes in the order's own order, as written.
    pub codes: Vec<String>,
    /// Whether its code cells may also hold discount titles (Shopify's export does; coupon
    /// lists of WooCommerce and the shop APIs hold codes only).
    pub titles_possible: bool,
    /// UTM campaign and landing path its attribution data shows (for link attribution).
    pub link: OrderLink,
    /// The latest instant any of its timestamps records (created, paid, fulfilled, cancelled,
    /// modified), in seconds since 1970 UTC: how recent the export's refunds are.
    pub recorded_at: Option<i64>,
}

/// The instant of `stamp` in seconds since 1970 UTC; a time without offset is read in `tz`, a
/// bare date as its first moment there.
pub fn stamp_seconds(stamp: Stamp, tz: Tz) -> Option<i64> {
    use chrono::TimeZone;
    let local = match stamp {
        Stamp::Instant(t) => return Some(t.timestamp()),
        Stamp::Local(t) => t,
        Stamp::Day(d) => d.and_hms_opt(0, 0, 0)?,
    };
    tz.from_local_datetime(&local).earliest().map(|t| t.timestamp())
}

/// The latest instant among the parseable `cells` (unparseable or empty cells are skipped).
pub fn latest_of<'a>(cells: impl IntoIterator<Item = &'a str>, tz: Tz) -> Option<i64> {
    cells.into_iter().filter_map(|c| parse_stamp(c).ok()).filter_map(|s| stamp_seconds(s, tz)).max()
}

/// The report currency and the rates into it.
pub struct Currency<'a> {
    pub code: &'a str,
    pub fx: &'a BTreeMap<String, Decimal>,
}

impl Currency<'_> {
    /// Report-currency units per unit of `currency`, if known.
    pub fn rate(&self, currency: &str) -> Option<Decimal> {
        if currency == self.code { Some(Decimal::ONE) } else { self.fx.get(currency).copied() }
    }
}

/// Collects orders into the canonical frames.
#[derive(Default)]
pub struct OrderSink {
    keys: Vec<String>,
    names: Vec<String>,
    files: Vec<u32>,
    rows: Vec<u32>,
    days: Vec<i32>,
    cancelled: Vec<bool>,
    statuses: Vec<String>,
    currencies: Vec<String>,
    fx_missing: Vec<bool>,
    money: [Vec<i64>; 4],
    campaigns: Vec<String>,
    paths: Vec<String>,
    recorded: Vec<Option<i64>>,
    code_files: Vec<u32>,
    code_rows: Vec<u32>,
    code_pos: Vec<u32>,
    code_titles: Vec<bool>,
    codes: Vec<String>,
}

impl OrderSink {
    /// Adds `order` (file `file`, row `row`); an order in a currency without a rate is kept
    /// with `fx_missing` set and zero amounts (an error later only if it is attributed).
    /// Fails only when an amount does not fit (more than ±9.2 × 10¹² units).
    pub fn push(&mut self, file: u32, row: u32, order: OrderRecord, currency: &Currency<'_>) -> Result<(), ValueError> {
        let code = if order.currency.is_empty() { currency.code.to_string() } else { order.currency.to_uppercase() };
        let rate = currency.rate(&code);
        let amounts = [order.subtotal, order.total, order.discounts, order.refunds];
        let mut micros = [0i64; 4];
        for (m, amount) in amounts.into_iter().enumerate() {
            micros[m] = to_micros(convert(amount, rate.unwrap_or(Decimal::ZERO))?)?;
        }
        self.keys.push(order.key);
        self.names.push(order.name);
        self.files.push(file);
        self.rows.push(row);
        self.days.push(order.day);
        self.cancelled.push(order.cancelled);
        self.statuses.push(order.status);
        self.fx_missing.push(rate.is_none());
        self.currencies.push(code);
        self.campaigns.push(order.link.utm_campaign);
        self.paths.push(order.link.landing_path);
        self.recorded.push(order.recorded_at);
        for (m, v) in micros.into_iter().enumerate() {
            self.money[m].push(v);
        }
        let mut codes: Vec<String> = Vec::new();
        for code in order.codes.iter().map(|c| super::codes::normalize(c)).filter(|c| !c.is_empty()) {
            if !codes.contains(&code) {
                codes.push(code); // a code repeated in one order counts once
            }
        }
        for (pos, c) in codes.into_iter().enumerate() {
            self.code_files.push(file);
            self.code_rows.push(row);
            self.code_pos.push(pos as u32);
            self.code_titles.push(order.titles_possible && super::codes::is_title(&c));
            self.codes.push(c);
        }
        Ok(())
    }

    /// The orders and order_codes frames.
    pub fn finish(self) -> PolarsResult<(DataFrame, DataFrame)> {
        let [subtotal, total, discounts, refunds] = self.money;
        let orders = df!(
            "order_key" => self.keys,
            "name" => self.names,
            "file" => self.files,
            "row" => self.rows,
            "day" => self.days,
            "cancelled" => self.cancelled,
            "status" => self.statuses,
            "currency" => self.currencies,
            "fx_missing" => self.fx_missing,
            "subtotal_micros" => subtotal,
            "total_micros" => total,
            "discounts_micros" => discounts,
            "refunds_micros" => refunds,
            "utm_campaign" => self.campaigns,
            "landing_path" => self.paths,
            "recorded_at" => self.recorded,
        )?;
        let codes = df!("file" => self.code_files, "row" => self.code_rows, "pos" => self.code_pos, "code" => self.codes, "title" => self.code_titles)?;
        Ok((orders, codes))
    }
}

/// Why a frame of orders could not be added.
#[derive(Debug)]
pub enum PushError {
    /// An amount of file row `row` no longer fits once converted into the report currency.
    Overflow {
        row: usize,
        value: String,
    },
    Polars(PolarsError),
}

impl From<PolarsError> for PushError {
    fn from(e: PolarsError) -> Self {
        PushError::Polars(e)
    }
}

impl PushError {
    /// The error naming the file (and for an overflow the order's `Total` cell and line).
    pub fn into_source(self, path: &std::path::Path, lines: &super::lazy_file::Lines) -> super::SourceError {
        let path = path.to_path_buf();
        match self {
            PushError::Overflow { row, value } => {
                let line = lines.of(&[row]).first().copied().unwrap_or(row + 2);
                super::SourceError::Cell { path, line, column: "Total".to_string(), value, reason: ValueError("is too large") }
            }
            PushError::Polars(source) => super::SourceError::Csv { path, source },
        }
    }
}

/// Collects frames of Shopify orders read by the lazy reader (columns `row` u32, `name`,
/// `order_key`, `day` i32, `cancelled` bool, `status`, `currency` (empty: the report's),
/// `subtotal` `total` `discounts` `refunds` i64 millionths in the order's currency,
/// `code_cell`, `utm_campaign`, `landing_path`, `recorded_at`) into the canonical frames,
/// converting amounts into the report currency; code cells are split by [`super::codes::split`]
/// and may hold discount titles.
#[derive(Default)]
pub struct FrameSink {
    orders: Vec<DataFrame>,
    codes: Vec<DataFrame>,
}

const AMOUNTS: [&str; 4] = ["subtotal", "total", "discounts", "refunds"];

impl FrameSink {
    /// Adds the `kept` orders of file `file` and their `codes` ([`split_codes`] of them).
    pub fn push_frame(&mut self, file: u32, kept: DataFrame, codes: DataFrame, currency: &Currency<'_>) -> Result<(), PushError> {
        // Most shops sell in the report's currency: their amounts are kept as they are.
        let orders = if kept.height() > 0 && at_par(&kept, currency)? {
            kept.clone().lazy().select(at_par_orders(file, currency.code)).collect()?
        } else {
            converted(file, &kept, currency)?
        };
        let mut codes = codes;
        codes.insert_column(0, Column::new("file".into(), vec![file; codes.height()]))?;
        self.codes.push(codes);
        self.orders.push(orders);
        Ok(())
    }

    /// The orders and order_codes frames.
    pub fn finish(self) -> PolarsResult<(DataFrame, DataFrame)> {
        let (orders, codes) = OrderSink::default().finish()?;
        let stack = |empty: DataFrame, parts: Vec<DataFrame>| -> PolarsResult<DataFrame> {
            let mut out = empty;
            for part in parts {
                out.vstack_mut(&part)?;
            }
            Ok(out)
        };
        Ok((stack(orders, self.orders)?, stack(codes, self.codes)?))
    }
}

/// The code cells of kept orders (their `row` and `code_cell` columns) split by
/// [`super::codes::split`]: one row per code, `row`, `pos` (its place in the cell), `code` and
/// `title` (whether it may be a discount title). A file's split codes are kept in the parse
/// cache beside its orders.
pub fn split_codes(kept: &DataFrame) -> PolarsResult<DataFrame> {
    let rows = kept.column("row")?.u32()?;
    let n = kept.height();
    let (mut code_rows, mut code_pos, mut titles) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut code_text = MutablePlString::with_capacity(n);
    let mut one = String::new();
    for (row, cell) in rows.into_no_null_iter().zip(kept.column("code_cell")?.str()?.iter()) {
        let cell = cell.unwrap_or("");
        let mut push = |pos: usize, code: &str| {
            code_rows.push(row);
            code_pos.push(pos as u32);
            titles.push(super::codes::is_title(code));
            code_text.push_value(code);
        };
        if super::codes::single_plain(cell, &mut one) {
            push(0, &one);
            continue;
        }
        for (pos, code) in super::codes::split(cell).into_iter().enumerate() {
            push(pos, &code);
        }
    }
    let m = code_rows.len();
    let code_text: Utf8ViewArray = code_text.freeze();
    DataFrame::new(
        m,
        vec![
            Column::new("row".into(), code_rows),
            Column::new("pos".into(), code_pos),
            StringChunked::with_chunk("code".into(), code_text).into_column(),
            Column::new("title".into(), titles),
        ],
    )
}

/// The columns of [`split_codes`] (and of their parse cache entry).
pub const SPLIT_CODES: [&str; 4] = ["row", "pos", "code", "title"];

/// Every currency of `kept` is the report's or has a rate of exactly 1: no amount changes.
fn at_par(kept: &DataFrame, currency: &Currency<'_>) -> PolarsResult<bool> {
    let distinct = kept.column("currency")?.unique()?;
    Ok(distinct.str()?.iter().map(|c| c.unwrap_or("")).all(|c| {
        let code = if c.is_empty() { currency.code } else { c };
        currency.rate(code) == Some(Decimal::ONE)
    }))
}

/// The canonical order columns of kept orders whose amounts need no conversion.
fn at_par_orders(file: u32, report_currency: &str) -> Vec<Expr> {
    let raw = col("currency").fill_null(lit(""));
    let mut columns = vec![
        col("order_key"),
        col("name"),
        lit(file).cast(DataType::UInt32).alias("file"),
        col("row"),
        col("day"),
        col("cancelled"),
        col("status"),
        when(raw.clone().eq(lit(""))).then(lit(report_currency.to_string())).otherwise(raw).alias("currency"),
        lit(false).alias("fx_missing"),
    ];
    columns.extend(AMOUNTS.map(|a| col(a).fill_null(lit(0i64)).alias(format!("{a}_micros"))));
    columns.extend([col("utm_campaign"), col("landing_path"), col("recorded_at")]);
    columns
}

/// The canonical order columns of kept orders, amounts converted into the report currency
/// (`fx_missing` where an order's currency has no rate).
fn converted(file: u32, kept: &DataFrame, currency: &Currency<'_>) -> Result<DataFrame, PushError> {
    let n = kept.height();
    let rows = kept.column("row")?.u32()?.clone();
    let raw_currency = kept.column("currency")?.str()?.clone();
    let mut codes: Vec<String> = Vec::with_capacity(n);
    let mut fx_missing = Vec::with_capacity(n);
    let mut amounts: Vec<Vec<i64>> = Vec::new();
    for name in AMOUNTS {
        amounts.push(kept.column(name)?.i64()?.into_no_null_iter().collect());
    }
    // By iterator: a file read in chunks has many polars chunks, where `get(i)` must look for
    // the chunk first.
    let file_rows: Vec<u32> = rows.iter().map(|r| r.unwrap_or(0)).collect();
    for (i, raw) in raw_currency.iter().enumerate() {
        let raw = raw.unwrap_or("");
        let code = if raw.is_empty() { currency.code.to_string() } else { raw.to_string() };
        let rate = currency.rate(&code);
        fx_missing.push(rate.is_none());
        if rate != Some(Decimal::ONE) {
            let rate = rate.unwrap_or(Decimal::ZERO);
            for values in amounts.iter_mut() {
                let converted =
                    Decimal::new(values[i], 6).checked_mul(rate).ok_or(ValueError("is too large")).and_then(to_micros);
                values[i] = converted.map_err(|_| {
                    let value = Decimal::new(values[i], 6).normalize().to_string();
                    PushError::Overflow { row: file_rows[i] as usize, value }
                })?;
            }
        }
        codes.push(code);
    }
    let [subtotal, total, discounts, refunds]: [Vec<i64>; 4] = amounts.try_into().unwrap_or_default();
    let orders = DataFrame::new_infer_height(vec![
        kept.column("order_key")?.clone(),
        kept.column("name")?.clone(),
        Column::new("file".into(), vec![file; n]),
        rows.clone().into_column(),
        kept.column("day")?.clone(),
        kept.column("cancelled")?.clone(),
        kept.column("status")?.clone(),
        Column::new("currency".into(), codes),
        Column::new("fx_missing".into(), fx_missing),
        Column::new("subtotal_micros".into(), subtotal),
        Column::new("total_micros".into(), total),
        Column::new("discounts_micros".into(), discounts),
        Column::new("refunds_micros".into(), refunds),
        kept.column("utm_campaign")?.clone(),
        kept.column("landing_path")?.clone(),
        kept.column("recorded_at")?.clone(),
    ])?;
    Ok(orders)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_at_par_get_the_columns_the_conversion_would_give() {
        let kept = df!(
            "row" => [0u32, 3], "name" => ["#1", "#2"], "order_key" => ["1", "2"], "day" => [20_000i32, 20_001],
            "cancelled" => [false, true], "status" => ["paid", "refunded"], "currency" => ["", "EUR"],
            "subtotal" => [1_000_000i64, 2_500_000], "total" => [1_250_000i64, 3_000_000],
            "discounts" => [0i64, 500_000], "refunds" => [0i64, 3_000_000], "code_cell" => ["ANNA10", ""],
            "utm_campaign" => ["", "x"], "landing_path" => ["", "/p"], "recorded_at" => [1i64, 2]
        )
        .unwrap();
        let fx = BTreeMap::from([("EUR".to_string(), Decimal::ONE)]);
        let currency = Currency { code: "DKK", fx: &fx };
        assert!(at_par(&kept, &currency).unwrap());
        let fast = kept.clone().lazy().select(at_par_orders(7, "DKK")).collect().unwrap();
        let slow = converted(7, &kept, &currency).map_err(|_| "conversion failed").unwrap();
        assert_eq!(fast.schema(), slow.schema(), "the same column names, order and types");
        assert_eq!(fast, slow);
        let fx = BTreeMap::from([("EUR".to_string(), Decimal::new(745, 2))]);
        assert!(!at_par(&kept, &Currency { code: "DKK", fx: &fx }).unwrap());
    }
}
