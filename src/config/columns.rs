//! `[report.inputs.columns]`: which column of a WooCommerce plugin or generic order export
//! holds what; each key takes a header or a list of alternatives.

use super::fields::{Fields, Problems};
use crate::source::mapped::ColumnMap;

/// `[report.inputs.columns]`: each key names the header (or a list of alternatives) holding it.
pub fn parse(mut f: Fields<'_, '_>, p: &mut Problems) -> Option<ColumnMap> {
    let mut list = |f: &mut Fields<'_, '_>, key: &str| -> Vec<String> {
        f.strings(key, p).unwrap_or_default().into_iter().map(|s| s.into_inner().trim().to_string()).collect()
    };
    let map = ColumnMap {
        order_id: list(&mut f, "order_id"),
        name: list(&mut f, "name"),
        created_at: list(&mut f, "created_at"),
        codes: list(&mut f, "codes"),
        subtotal: list(&mut f, "subtotal"),
        total: list(&mut f, "total"),
        deduct: list(&mut f, "deduct"),
        discounts: list(&mut f, "discounts"),
        refunds: list(&mut f, "refunds"),
        currency: list(&mut f, "currency"),
        status: list(&mut f, "status"),
        cancelled_at: list(&mut f, "cancelled_at"),
        utm_campaign: list(&mut f, "utm_campaign"),
        landing_page: list(&mut f, "landing_page"),
        negative_totals: false,
    };
    let mut missing = Vec::new();
    for (key, value) in [("order_id", &map.order_id), ("created_at", &map.created_at), ("codes", &map.codes)] {
        if value.is_empty() {
            missing.push(key);
        }
    }
    if map.total.is_empty() && map.subtotal.is_empty() {
        missing.push("total (or subtotal)");
    }
    if !missing.is_empty() {
        p.at(f.span.clone(), format!("`{}` needs {}", f.path, missing.join(", ")));
    }
    let ok = missing.is_empty();
    f.finish(p);
    ok.then_some(map)
}
