//! Orders from the shops' APIs, as an alternative to export files: WooCommerce REST v3
//! (`/wp-json/wc/v3/orders`, pages counted by `X-WP-TotalPages`, money as strings,
//! `date_created_gmt`, `coupon_lines`, negative `refunds[].total`) and the Shopify Admin API
//! (`orders.json`, pages linked by `Link: <…>; rel="next"`). Every order created since the
//! lookback start is fetched on each pull, so a pull is a complete copy of that window.

use super::http::{Api, Call, CallError, Verdict, by_status};
use crate::source::links::{self, OrderLink};
use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::Url;
use reqwest::header::HeaderMap;
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// One order as a shop API gave it, amounts exact in the order's currency.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiOrder {
    pub key: String,
    pub name: String,
    pub created: DateTime<Utc>,
    pub cancelled: bool,
    pub status: String,
    pub currency: String,
    pub subtotal: Decimal,
    pub total: Decimal,
    pub discounts: Decimal,
    pub refunds: Decimal,
    pub codes: Vec<String>,
    /// UTM campaign and landing path of the order's attribution data (normalised).
    pub link: crate::source::links::OrderLink,
    /// The latest time the order records (created, paid, completed, modified, cancelled).
    pub recorded: DateTime<Utc>,
}

impl ApiOrder {
    /// The order as every source gives it, its creation day taken in `tz`.
    pub fn record(&self, tz: chrono_tz::Tz) -> crate::source::orders::OrderRecord {
        crate::source::orders::OrderRecord {
            key: self.key.clone(),
            name: self.name.clone(),
            day: crate::period::day_number(self.created.with_timezone(&tz).date_naive()),
            cancelled: self.cancelled,
            status: self.status.clone(),
            currency: self.currency.clone(),
            subtotal: self.subtotal,
            total: self.total,
            discounts: self.discounts,
            refunds: self.refunds,
            codes: self.codes.clone(),
            titles_possible: false,
            link: self.link.clone(),
            recorded_at: Some(self.recorded.timestamp()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopKind {
    WooCommerce,
    Shopify,
}

impl ShopKind {
    pub fn name(self) -> &'static str {
        match self {
            ShopKind::WooCommerce => "WooCommerce",
            ShopKind::Shopify => "Shopify",
        }
    }
}

/// Both shops say what went wrong in the body; the HTTP status decides what to do.
pub fn classify(status: u16, headers: &HeaderMap, body: Option<&Value>) -> Verdict {
    let detail = body
        .and_then(|b| b.get("message").or_else(|| b.get("errors")))
        .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_string))
        .unwrap_or_default();
    match by_status(status, headers, "shop API") {
        Verdict::Account(m) if !detail.is_empty() => Verdict::Account(format!("{m}: {detail}")),
        other => other,
    }
}

/// An amount the API gives as a string or number; a shop never sends it negative except a
/// WooCommerce refund line (taken as its absolute value by the caller through [`refund`]).
fn money(v: Option<&Value>) -> Result<Decimal, String> {
    let amount = signed(v)?;
    crate::source::values::non_negative(amount).map_err(|e| format!("{amount} {e}"))
}

/// `a + b`, or an error naming the sum.
fn sum(a: Decimal, b: Decimal) -> Result<Decimal, String> {
    crate::source::values::add(a, b).map_err(|e| format!("the sum {e}"))
}

fn signed(v: Option<&Value>) -> Result<Decimal, String> {
    match v {
        None | Some(Value::Null) => Ok(Decimal::ZERO),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Decimal::ZERO),
        Some(Value::String(s)) => Decimal::from_str(s.trim()).map_err(|_| format!("{s:?} is not an amount")),
        Some(Value::Number(n)) => Decimal::from_str(&n.to_string()).map_err(|_| format!("{n} is not an amount")),
        Some(other) => Err(format!("{other} is not an amount")),
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The `code` of each entry of the order's `list` (`coupon_lines`, `discount_codes`).
fn codes(o: &Value, list: &str) -> Vec<String> {
    let entries = o.get(list).and_then(Value::as_array).into_iter().flatten();
    entries.map(|c| text(c.get("code"))).filter(|c| !c.is_empty()).collect()
}

/// WooCommerce order attribution (since 8.5) in `meta_data`: `_wc_order_attribution_utm_campaign`,
/// else the `utm_campaign` of `_wc_order_attribution_session_entry` (the landing URL), whose
/// path is the landing path.
fn woo_link(o: &Value) -> OrderLink {
    let meta = |key: &str| {
        o.get("meta_data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|m| m.get("key").and_then(Value::as_str) == Some(key))
            .map(|m| text(m.get("value")))
            .unwrap_or_default()
    };
    let tagged =
        OrderLink { utm_campaign: links::campaign(&meta("_wc_order_attribution_utm_campaign")), landing_path: String::new() };
    tagged.or(OrderLink::from_url(&meta("_wc_order_attribution_session_entry")))
}

/// Shopify's `landing_site` (the first page of the visit, a path with its query: campaign and
/// path), else the `utm_campaign` of `referring_site`.
fn shopify_link(o: &Value) -> OrderLink {
    let landing = OrderLink::from_url(&text(o.get("landing_site")));
    landing.or(OrderLink::from_url(&text(o.get("referring_site"))).campaign_only())
}

/// A WooCommerce REST v3 order: subtotal = Σ line_items.total (after discounts, before
/// shipping and taxes); refunds = −Σ refunds[].total.
pub fn woo_order(o: &Value) -> Result<ApiOrder, String> {
    let id = text(o.get("id"));
    let at = o.get("date_created_gmt").and_then(Value::as_str).ok_or_else(|| format!("order {id}: no date_created_gmt"))?;
    let created = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S")
        .map(|t| t.and_utc())
        .or_else(|_| DateTime::parse_from_rfc3339(at).map(|t| t.with_timezone(&Utc)))
        .map_err(|_| format!("order {id}: date_created_gmt {at:?} is not a date-time"))?;
    let mut subtotal = Decimal::ZERO;
    for item in o.get("line_items").and_then(Value::as_array).into_iter().flatten() {
        let line = money(item.get("total")).map_err(|e| format!("order {id}: line_items.total {e}"))?;
        subtotal = sum(subtotal, line).map_err(|e| format!("order {id}: line_items.total: {e}"))?;
    }
    let mut refunds = Decimal::ZERO;
    for r in o.get("refunds").and_then(Value::as_array).into_iter().flatten() {
        let refund = signed(r.get("total")).map_err(|e| format!("order {id}: refunds.total {e}"))?.abs();
        refunds = sum(refunds, refund).map_err(|e| format!("order {id}: refunds.total: {e}"))?;
    }
    let status = text(o.get("status")).to_lowercase();
    let number = text(o.get("number"));
    let gmt = |field: &str| {
        o.get(field)
            .and_then(Value::as_str)
            .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok())
            .map(|t| t.and_utc())
    };
    let recorded =
        ["date_paid_gmt", "date_completed_gmt", "date_modified_gmt"].into_iter().filter_map(gmt).fold(created, DateTime::max);
    Ok(ApiOrder {
        key: id.clone(),
        name: if number.is_empty() { format!("#{id}") } else { format!("#{number}") },
        created,
        cancelled: matches!(status.as_str(), "cancelled" | "failed" | "trash"),
        status,
        currency: text(o.get("currency")).to_uppercase(),
        subtotal,
        total: money(o.get("total")).map_err(|e| format!("order {id}: total {e}"))?,
        discounts: money(o.get("discount_total")).map_err(|e| format!("order {id}: discount_total {e}"))?,
        refunds,
        codes: codes(o, "coupon_lines"),
        link: woo_link(o),
        recorded,
    })
}

/// A Shopify Admin API order: `subtotal_price` is after discounts and before shipping, duties
/// and taxes; refunds = Σ successful `refund` transactions.
pub fn shopify_order(o: &Value) -> Result<ApiOrder, String> {
    let id = text(o.get("id"));
    let at = o.get("created_at").and_then(Value::as_str).ok_or_else(|| format!("order {id}: no created_at"))?;
    let created =
        DateTime::parse_from_rfc3339(at).map(|t| t.with_timezone(&Utc)).map_err(|_| format!("order {id}: created_at {at:?}"))?;
    let mut refunds = Decimal::ZERO;
    for r in o.get("refunds").and_then(Value::as_array).into_iter().flatten() {
        for t in r.get("transactions").and_then(Value::as_array).into_iter().flatten() {
            let kind = t.get("kind").and_then(Value::as_str);
            let ok = t.get("status").and_then(Value::as_str);
            if kind == Some("refund") && ok == Some("success") {
                let amount = money(t.get("amount")).map_err(|e| format!("order {id}: refund amount {e}"))?;
                refunds = sum(refunds, amount).map_err(|e| format!("order {id}: refund amount: {e}"))?;
            }
        }
    }
    let stamp = |field: &str| {
        o.get(field).and_then(Value::as_str).and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc))
    };
    let recorded =
        ["processed_at", "updated_at", "cancelled_at", "closed_at"].into_iter().filter_map(stamp).fold(created, DateTime::max);
    Ok(ApiOrder {
        key: id.clone(),
        name: text(o.get("name")),
        created,
        cancelled: o.get("cancelled_at").is_some_and(|c| !c.is_null()),
        status: text(o.get("financial_status")).to_lowercase(),
        currency: text(o.get("currency")).to_uppercase(),
        subtotal: money(o.get("subtotal_price")).map_err(|e| format!("order {id}: subtotal_price {e}"))?,
        total: money(o.get("total_price")).map_err(|e| format!("order {id}: total_price {e}"))?,
        discounts: money(o.get("total_discounts")).map_err(|e| format!("order {id}: total_discounts {e}"))?,
        refunds,
        codes: codes(o, "discount_codes"),
        link: shopify_link(o),
        recorded,
    })
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<Url> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find(|part| part.contains("rel=\"next\"")).and_then(|part| {
        let start = part.find('<')? + 1;
        let end = part.find('>')?;
        Url::parse(&part[start..end]).ok()
    })
}

/// Every order created since `since`. `auth` is the header (name, value) to send.
pub async fn pull_orders(
    api: &Api,
    kind: ShopKind,
    base: &Url,
    auth: &(&'static str, String),
    since: DateTime<Utc>,
) -> Result<Vec<ApiOrder>, CallError> {
    let bad = |e: String| CallError::Account(format!("{}: {e}", kind.name()));
    let mut out = Vec::new();
    match kind {
        ShopKind::WooCommerce => {
            let mut page = 1u32;
            loop {
                let mut url = base.join("wp-json/wc/v3/orders").map_err(|e| bad(e.to_string()))?;
                url.query_pairs_mut()
                    .append_pair("per_page", "100")
                    .append_pair("page", &page.to_string())
                    .append_pair("after", &since.format("%Y-%m-%dT%H:%M:%S").to_string())
                    .append_pair("dates_are_gmt", "true")
                    .append_pair("orderby", "date")
                    .append_pair("order", "asc");
                let (body, headers) = api.send_with_headers(&Call::get(url).header(auth.0, auth.1.clone())).await?;
                let orders = body.as_array().ok_or_else(|| bad("the orders page is not a list".into()))?;
                for o in orders {
                    out.push(woo_order(o).map_err(bad)?);
                }
                let pages = headers.get("x-wp-totalpages").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u32>().ok());
                let more = match pages {
                    Some(total) => page < total,
                    None => !orders.is_empty(),
                };
                if !more {
                    break;
                }
                page += 1;
            }
        }
        ShopKind::Shopify => {
            let mut url = base.join("orders.json").map_err(|e| bad(e.to_string()))?;
            url.query_pairs_mut()
                .append_pair("status", "any")
                .append_pair("limit", "250")
                .append_pair("created_at_min", &since.to_rfc3339());
            let mut next = Some(url);
            while let Some(url) = next.take() {
                let (body, headers) = api.send_with_headers(&Call::get(url).header(auth.0, auth.1.clone())).await?;
                let orders =
                    body.get("orders").and_then(Value::as_array).ok_or_else(|| bad("no `orders` in the answer".into()))?;
                for o in orders {
                    out.push(shopify_order(o).map_err(bad)?);
                }
                next = next_link(&headers).map(|n| super::http::same_origin(n, base, "Shopify")).transpose()?;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn woo_money_is_exact_and_refunds_turn_positive() {
        let o = json!({
            "id": 727, "number": "727", "status": "processing", "currency": "dkk",
            "date_created": "2026-11-03T16:28:02", "date_created_gmt": "2026-11-03T15:28:02",
            "discount_total": "10.00", "total": "29.35", "total_tax": "1.35", "shipping_total": "10.00",
            "line_items": [{"total": "8.00"}, {"total": "10.00"}],
            "coupon_lines": [{"id": 1, "code": "anna10", "discount": "10.00"}],
            "refunds": [{"id": 9, "reason": "", "total": "-5.10"}]
        });
        let order = woo_order(&o).unwrap();
        assert_eq!(order.subtotal, Decimal::from_str("18.00").unwrap());
        assert_eq!(order.refunds, Decimal::from_str("5.10").unwrap());
        assert_eq!(order.created.to_rfc3339(), "2026-11-03T15:28:02+00:00");
        assert_eq!(
            (order.name.as_str(), order.currency.as_str(), order.codes.clone()),
            ("#727", "DKK", vec!["anna10".to_string()])
        );
    }

    #[test]
    fn shopify_link_header_gives_the_next_page() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            "<https://a.myshopify.com/admin/api/2025-07/orders.json?page_info=p1>; rel=\"previous\", <https://a.myshopify.com/admin/api/2025-07/orders.json?page_info=p3>; rel=\"next\""
                .parse()
                .unwrap(),
        );
        assert_eq!(next_link(&h).unwrap().query(), Some("page_info=p3"));
    }
}
