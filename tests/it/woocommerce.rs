//! Hand-checked figures for WooCommerce exports (fixtures/cases/woocommerce, week 2026-W45):
//! the Analytics download and a SkyVerge export in one report, and a plugin export read
//! through `[report.inputs.columns]`.

use crate::support::*;

fn run(config: &str) -> (tempfile::TempDir, Rows, serde_json::Value) {
    let out = run_report(&fixture(&format!("cases/woocommerce/{config}")), &[]);
    let inf = read_csv(&out.path().join("influencers.csv"));
    let summary = serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap()).unwrap();
    (out, inf, summary)
}

#[test]
fn analytics_and_skyverge_exports_are_read_by_their_headers() {
    let (_out, inf, summary) = run("tierwise.toml");
    // anna: Analytics #2001 450 and #2002 300 (anna10 before bo15: a conflict, first code wins);
    // SkyVerge #3001 561.25 − shipping 49 − fees 0 − tax 112.25 = 400 (discount 100), and
    // #3004 in EUR: 289 − 39 − 50 = 200 EUR × 7.46 = 1492 (discount 20 × 7.46 = 149.2).
    // #2005 is on Monday of the next week.
    let anna = row(&inf, "influencer_id", "anna");
    assert_num(anna, "orders", Some(4.0));
    assert_num(anna, "revenue", Some(2642.0));
    assert_num(anna, "discounts", Some(249.2));
    assert_num(anna, "refunds", Some(0.0));
    // bo: Analytics #2003 "Refunded" without an amount: refunded in full, revenue 0; #2004
    // cancelled is out. SkyVerge #3002 (BOSHIP + BO15, both his): 512.50 − 10 fee − 102.50 tax
    // = 400, refunded 102.50 of 512.50 → 400 × 0.8 = 320. #3003 failed is out.
    let bo = row(&inf, "influencer_id", "bo");
    assert_num(bo, "orders", Some(2.0));
    assert_num(bo, "revenue", Some(320.0));
    assert_num(bo, "refunds", Some(302.5));
    assert_num(bo, "discounts", Some(60.0));
    assert_num(bo, "return_rate", Some(1.0));
    let q = &summary["data_quality"];
    assert_eq!(q["attribution_conflicts"], 1);
    assert_eq!(q["unmatched_codes"], serde_json::json!([{"code": "SUMMER99", "orders": 1}]));
}

#[test]
fn a_plugin_export_is_read_through_a_column_map() {
    let (_out, inf, summary) = run("plugin.toml");
    // #4001 has a row per coupon (ANNA10, then BO15): one order, anna's, 1.000,00 after
    // discounts; #4002 `wc-refunded` with an empty refund cell: refunded in full.
    let anna = row(&inf, "influencer_id", "anna");
    assert_num(anna, "orders", Some(1.0));
    assert_num(anna, "revenue", Some(1000.0));
    let bo = row(&inf, "influencer_id", "bo");
    assert_num(bo, "orders", Some(1.0));
    assert_num(bo, "revenue", Some(0.0));
    assert_num(bo, "refunds", Some(500.0));
    assert_eq!(summary["data_quality"]["attribution_conflicts"], 1);
}

#[test]
fn a_woocommerce_file_of_unknown_shape_names_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("roster.csv"), "influencer_id,coupon_codes\nanna,ANNA10\n").unwrap();
    std::fs::write(dir.path().join("orders.csv"), "Ordre,Dato\n1,2026-11-03\n").unwrap();
    std::fs::write(
        dir.path().join("tierwise.toml"),
        "[[report]]\nname = \"w\"\n[report.inputs]\nroster = \"roster.csv\"\norders = [\"orders.csv\"]\norders_format = \"woocommerce\"\n",
    )
    .unwrap();
    let out = tierwise(&[
        "run",
        "--config",
        dir.path().join("tierwise.toml").to_str().unwrap(),
        "--no-email",
        "--out",
        dir.path().join("o").to_str().unwrap(),
        "--period",
        "2026-W45",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("orders.csv") && err.contains("Order #") && err.contains("[report.inputs.columns"), "{err}");
}

#[test]
fn a_bad_amount_in_a_mapped_export_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let case = fixture("cases/woocommerce");
    std::fs::copy(case.join("roster.csv"), dir.path().join("roster.csv")).unwrap();
    let orders = std::fs::read_to_string(case.join("orders_plugin.csv")).unwrap().replace("400,00;500,00", "400,00;5OO,00");
    std::fs::write(dir.path().join("orders_plugin.csv"), orders).unwrap();
    let cfg = std::fs::read_to_string(case.join("plugin.toml")).unwrap();
    std::fs::write(dir.path().join("plugin.toml"), cfg).unwrap();
    let out = tierwise(&[
        "run",
        "--config",
        dir.path().join("plugin.toml").to_str().unwrap(),
        "--no-email",
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("orders_plugin.csv` line 4: `Order Total Amount`") && err.contains("5OO,00"), "{err}");
}
