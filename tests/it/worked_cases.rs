//! The founding documents' worked ROI cases, run through the real binary on Shopify exports.

use crate::support::*;
use std::fmt::Write;

const HEADER_79: &str = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References";

/// A one-influencer shop: `orders` paid orders of `each` with code CASE, and one fee of `invest`.
fn case(invest: &str, orders: usize, each: &str) -> (tempfile::TempDir, Rows) {
    shop(invest, orders, each, 1, |_, _| true)
}

/// [`case`] with `lines` line-item rows per order; `filled(line, column)` says whether the row
/// of line `line` (0 = the first) has `column`'s cell (Shopify fills order-level cells on the
/// first row only; some third-party exports repeat them on every row).
fn shop(
    invest: &str,
    orders: usize,
    each: &str,
    lines: usize,
    filled: impl Fn(usize, &str) -> bool,
) -> (tempfile::TempDir, Rows) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("roster.csv"), "influencer_id,name,instagram,coupon_codes\ncase,Case,case.insta,CASE\n").unwrap();
    std::fs::write(p.join("costs.csv"), format!("influencer_id,date,amount,kind\ncase,2026-11-02,{invest},fee\n")).unwrap();
    let columns: Vec<&str> = HEADER_79.split(',').collect();
    let mut csv = format!("{HEADER_79}\n");
    for n in 0..orders {
        for line in 0..lines {
            let cells: Vec<String> = columns
                .iter()
                .map(|c| match *c {
                    "Name" => format!("#{}", 1001 + n),
                    "Created at" => "2026-11-03 12:00:00 +0100".into(),
                    "Lineitem quantity" => "1".into(),
                    "Lineitem price" => each.to_string(),
                    _ if !filled(line, c) => String::new(),
                    "Financial Status" => "paid".into(),
                    "Currency" => "DKK".into(),
                    "Subtotal" | "Total" => each.to_string(),
                    "Shipping" | "Discount Amount" | "Refunded Amount" => "0.00".into(),
                    "Discount Code" => "case".into(),
                    "Id" => (5_000_000 + n).to_string(),
                    _ => String::new(),
                })
                .collect();
            writeln!(csv, "{}", cells.join(",")).unwrap();
        }
    }
    std::fs::write(p.join("orders_export_1.csv"), csv).unwrap();
    let config = "[[report]]\nname = \"case\"\nperiod = \"2026-W45\"\n[report.inputs]\nroster = \"roster.csv\"\ncosts = \"costs.csv\"\norders = [\"orders_export_*.csv\"]\n";
    std::fs::write(p.join("tierwise.toml"), config).unwrap();
    let out = run_report(&p.join("tierwise.toml"), &[]);
    let rows = read_csv(&out.path().join("influencers.csv"));
    (out, rows)
}

#[test]
fn line_items_of_one_order_count_once_whether_or_not_they_repeat_the_order_cells() {
    // Shopify's own export: order cells on the first row only.
    let (_d, rows) = shop("1000", 3, "200.00", 3, |line, _| line == 0);
    let r = row(&rows, "influencer_id", "case");
    assert_num(r, "orders", Some(3.0));
    assert_num(r, "revenue", Some(600.0));
    // An export that repeats them on every line item: consecutive rows of one Name are still
    // one order, never three.
    let (_d, rows) = shop("1000", 3, "200.00", 3, |_, _| true);
    let r = row(&rows, "influencer_id", "case");
    assert_num(r, "orders", Some(3.0));
    assert_num(r, "revenue", Some(600.0));
}

#[test]
fn invest_10000_earn_40000_is_roi_300() {
    let (_d, rows) = case("10000", 1, "40000.00");
    let r = row(&rows, "influencer_id", "case");
    assert_num(r, "revenue", Some(40_000.0));
    assert_num(r, "roi_pct", Some(300.0));
    assert_num(r, "roas", Some(4.0));
}

#[test]
fn invest_7500_and_450_orders_at_120_is_revenue_54000_roi_620() {
    let (_d, rows) = case("7500", 450, "120.00");
    let r = row(&rows, "influencer_id", "case");
    assert_num(r, "orders", Some(450.0));
    assert_num(r, "revenue", Some(54_000.0));
    assert_num(r, "roi_pct", Some(620.0));
    assert_num(r, "aov", Some(120.0));
    assert_num(r, "cpa", Some(7500.0 / 450.0));
}

#[test]
fn invest_5000_earning_4_5_per_unit_is_roas_4_5_roi_350() {
    let (_d, rows) = case("5000", 3, "7500.00");
    let r = row(&rows, "influencer_id", "case");
    assert_num(r, "revenue", Some(22_500.0));
    assert_num(r, "roas", Some(4.5));
    assert_num(r, "roi_pct", Some(350.0));
}
