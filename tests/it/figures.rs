//! Hand-checked figures for fixtures/cases/gotchas: every Shopify gotcha of formats.md §1.3,
//! one ISO week across the DST change of 2026-10-25 in Europe/Copenhagen.

use crate::support::*;

fn gotchas() -> (tempfile::TempDir, Rows, Rows) {
    let out = run_report(&fixture("cases/gotchas/tierwise.toml"), &[]);
    let inf = read_csv(&out.path().join("influencers.csv"));
    let tiers = read_csv(&out.path().join("tiers.csv"));
    (out, inf, tiers)
}

#[test]
fn orders_are_attributed_deduplicated_and_netted_per_order() {
    let (_out, inf, _) = gotchas();
    // anna: #1001 450 (continuation row ignored), #1002 800 (conflict with BO15, first code wins),
    // #1009 200 (pending counts; 23:59 +0100 on the DST day is in the week; UNKNOWN5 skipped),
    // #1015 120 (partially_paid, only in the older 73-column export). #1016 cancelled in the
    // later export: the cancelled copy wins. #1010 is 2026-10-26, #1011 the week before.
    let anna = row(&inf, "influencer_id", "anna");
    assert_num(anna, "orders", Some(4.0));
    assert_num(anna, "revenue", Some(1570.0));
    assert_num(anna, "discounts", Some(233.33));
    assert_num(anna, "refunds", Some(0.0));
    // fees 2.500,00 + 349,95 (`;`, decimal comma, Windows-1252) + 10 % commission of 1570
    assert_num(anna, "cost", Some(3006.95));
    assert_num(anna, "roi_pct", Some((1570.0 - 3006.95) / 3006.95 * 100.0));
    // bo: #1003 refund grows to 415.60 in the second export → 1000 × (1 − 415.6/1039) = 600;
    // #1004 fully refunded counts with revenue 0; #1005 voided is out; #1008 free shipping 500.
    let bo = row(&inf, "influencer_id", "bo");
    assert_num(bo, "orders", Some(3.0));
    assert_num(bo, "revenue", Some(1100.0));
    assert_num(bo, "discounts", Some(169.0));
    assert_num(bo, "refunds", Some(754.6));
    assert_num(bo, "return_rate", Some(2.0 / 3.0));
    assert_num(bo, "cpa", Some(5000.0));
    // carl: paid 1.000,00, his only order was cancelled: ROI −100 %, ROAS 0, no CPA.
    let carl = row(&inf, "influencer_id", "carl");
    assert_num(carl, "orders", Some(0.0));
    assert_num(carl, "roi_pct", Some(-100.0));
    assert_num(carl, "roas", Some(0.0));
    assert_num(carl, "cpa", None);
    // dina: one EUR order at 7.46: 100 × (1 − 10/100) × 7.46; no cost, so no ROI.
    let dina = row(&inf, "influencer_id", "dina");
    assert_num(dina, "revenue", Some(90.0 * 7.46));
    assert_num(dina, "discounts", Some(20.0 * 7.46));
    assert_num(dina, "refunds", Some(10.0 * 7.46));
    assert_num(dina, "roi_pct", None);
    assert_num(dina, "cpa", Some(0.0));
}

#[test]
fn engagement_uses_each_posts_account_followers() {
    let (_out, inf, _) = gotchas();
    // p1 (repeated row: the last wins, 1200 likes) on instagram (16 500 on 10-20, the later of
    // two same-day rows), t1 on tiktok (30 000): ER = 6860 / (16 500 + 30 000).
    let anna = row(&inf, "influencer_id", "anna");
    assert_eq!(anna["followers"], "30000");
    assert_eq!(anna["tier"], "meso");
    assert_num(anna, "posts", Some(2.0));
    assert_num(anna, "engagements", Some(6860.0));
    assert_num(anna, "engagement_rate", Some(6860.0 / 46500.0));
    assert_num(anna, "engagement_rate_reach", Some(1360.0 / 20000.0));
    // CPM takes impressions (p1) else views (t1).
    assert_num(anna, "cpm", Some(3006.95 / 105000.0 * 1000.0));
    // y2 at 22:30Z on 10-18 is 00:30 on 10-19 in Copenhagen: in the week.
    let bo = row(&inf, "influencer_id", "bo");
    assert_num(bo, "posts", Some(2.0));
    assert_num(bo, "engagement_rate", Some(2670.0 / 240000.0));
    assert_num(bo, "engagement_rate_reach", None);
    // carl's only snapshot is after the week: no followers, tier unknown, ER undefined.
    let carl = row(&inf, "influencer_id", "carl");
    assert_eq!(carl["followers"], "");
    assert_eq!(carl["tier"], "unknown");
    assert_num(carl, "engagement_rate", None);
    assert_num(carl, "engagement_rate_reach", Some(56.0 / 800.0));
    // the roster's "Ambassador" override, lower-cased
    assert_eq!(row(&inf, "influencer_id", "dina")["tier"], "ambassador");
}

#[test]
fn tiers_are_ratios_of_sums_in_scheme_order() {
    let (_out, _, tiers) = gotchas();
    let order: Vec<&str> = tiers.iter().map(|r| r["tier"].as_str()).collect();
    assert_eq!(order, ["meso", "macro", "ambassador", "unknown", "total"]);
    let total = row(&tiers, "tier", "total");
    assert_num(total, "influencers", Some(4.0));
    assert_num(total, "followers", Some(150000.0));
    assert_num(total, "revenue", Some(3341.4));
    assert_num(total, "cost", Some(19006.95));
    assert_num(total, "roi_pct", Some((3341.4 - 19006.95) / 19006.95 * 100.0));
    assert_num(total, "engagement_rate", Some((6860.0 + 2670.0) / (46500.0 + 240000.0)));
    assert_num(total, "median_engagement_rate", Some((6860.0 / 46500.0 + 2670.0 / 240000.0) / 2.0));
    assert_num(total, "return_rate", Some(3.0 / 8.0));
}

#[test]
fn data_quality_is_counted() {
    let (out, _, _) = gotchas();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap()).unwrap();
    let dq = &summary["data_quality"];
    assert_eq!(dq["attribution_conflicts"], 1);
    assert_eq!(dq["posts_without_followers"], 1);
    assert_eq!(dq["unowned_accounts"], 1);
    assert_eq!(dq["metrics_missing"]["saves"], 3);
    let codes: Vec<&str> = dq["unmatched_codes"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["UNKNOWN5"]);
    // Discount titles are listed apart: discounts without a code, not codes to add.
    let titles: Vec<&str> =
        dq["discounts_without_code"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["CUSTOM DISCOUNT", "SELLER DISCOUNT"]);
    assert_eq!(summary["period"]["label"], "2026-W43");
    assert_eq!(summary["inputs"].as_array().unwrap().len(), 6);
}

#[test]
fn the_week_after_the_dst_change_takes_the_orders_after_midnight() {
    // W44 starts 2026-10-26 00:00 +0100: #1010 (00:00:10 +0100) is in it, #1009 (23:59 +0100
    // the day before) is not. The previous period of W44 is W43, whose totals must equal the
    // W43 run's own.
    let out = run_report(&fixture("cases/gotchas/tierwise.toml"), &["--period", "2026-W44"]);
    let inf = read_csv(&out.path().join("influencers.csv"));
    let anna = row(&inf, "influencer_id", "anna");
    assert_num(anna, "orders", Some(1.0));
    assert_num(anna, "revenue", Some(100.0));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["previous_period"]["label"], "2026-W43");
    assert_eq!(summary["previous_totals"]["revenue"], 3341.4);
    assert_eq!(summary["previous_totals"]["orders"], 8);
    // anna's instagram snapshot of 10-30 (17 000) now counts; tiktok stays 30 000
    assert_eq!(anna["followers"], "30000");
}
