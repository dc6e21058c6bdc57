//! The canonical orders and order_codes frames, built from any order source (Shopify or
//! WooCommerce CSV, a mapped generic CSV, the shops' APIs): amounts are given exactly in the
//! order's currency and converted here into millionths of the report currency.

use super::links::OrderLink;
use super::values::{Stamp, ValueError, convert, parse_stamp, to_micros};
use chrono_tz::Tz;
use polars::prelude::*;
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
