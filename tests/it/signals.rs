//! The heuristic signals on fixtures/cases/signals (week 2026-W45), with hand-checked
//! thresholds: leaked codes (quiet influencer, surge over earlier weeks) and audience quality
//! (follower jump, engagement far under the tier's benchmark).

use crate::support::*;
use serde_json::{Value, json};

fn summary(out: &tempfile::TempDir) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap()).unwrap()
}

/// The signals case with `signals` as its `[report.signals]` table, run into a fresh folder.
fn with_signals(signals: &str) -> (tempfile::TempDir, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let case = fixture("cases/signals");
    let text = std::fs::read_to_string(case.join("tierwise.toml")).unwrap();
    let abs = |name: &str| case.join(name).display().to_string();
    let text = text
        .replace("\"roster.csv\"", &format!("{:?}", abs("roster.csv")))
        .replace("[\"posts.csv\"]", &format!("[{:?}]", abs("posts.csv")))
        .replace("[\"followers.csv\"]", &format!("[{:?}]", abs("followers.csv")))
        .replace("[\"orders_export_*.csv\"]", &format!("[{:?}]", abs("orders_export_*.csv")))
        .replace("../../../target/tmp/signals-state", "state");
    let cfg = dir.path().join("tierwise.toml");
    std::fs::write(&cfg, format!("{text}\n[report.signals]\n{signals}\n")).unwrap();
    let out = run_report(&cfg, &[]);
    (dir, out)
}

#[test]
fn quiet_and_surging_codes_are_flagged_with_their_figures() {
    let out = run_report(&fixture("cases/signals/tierwise.toml"), &[]);
    let q = &summary(&out)["data_quality"];
    // mia: 9 orders in W45; W41–W44 had 2 + 1 + 0 + 1 = 4, a mean of 1.0 per week, and 9 ≥ 3 × 1.0.
    // She posted on 11-04, so she is not quiet. leo: 4 orders (≥ 3), his last post 10-18 is 15
    // days before 11-02, outside the 14-day window; no earlier use, so no surge. noa: a post on
    // 10-19 (exactly 14 days before: inside), and 3 orders < 3 × 1.25.
    assert_eq!(
        q["leaked_codes"],
        json!([
            {"influencer_id": "mia", "code": "MIA15", "orders": 9, "revenue": 900.0, "quiet": false, "quiet_days": 14,
             "surge": true, "earlier_mean": 1.0, "earlier_periods": 4, "surge_factor": 3.0},
            {"influencer_id": "leo", "code": "LEO10", "orders": 4, "revenue": 400.0, "quiet": true, "quiet_days": 14,
             "surge": false, "earlier_mean": 0.0, "earlier_periods": 4, "surge_factor": 3.0}
        ])
    );
    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.contains("Leo posted nothing in the period nor in the 14 days before"), "{md}");
    assert!(
        md.contains(
            "9 orders (DKK 900.00) with MIA15: at least 3.0× its mean of 1.0 orders per period over the 4 periods before"
        ),
        "{md}"
    );
    assert!(md.contains("(a heuristic, not proof)"), "{md}");
}

#[test]
fn follower_jumps_and_low_engagement_are_audience_signals() {
    let out = run_report(&fixture("cases/signals/tierwise.toml"), &[]);
    let q = &summary(&out)["data_quality"];
    // leo.ig 10 000 → 13 000 in 4 days: +30 % ≥ 20 %. mia.ig +40 % but over 16 days (> 7);
    // noa.ig +18.75 % (< 20 %).
    assert_eq!(
        q["follower_jumps"],
        json!([{"influencer_id": "leo", "platform": "instagram", "handle": "leo.ig", "from": "2026-10-30",
                "to": "2026-11-03", "before": 10000, "after": 13000, "share": 0.3}])
    );
    // ida: 160 engagements ÷ 12 000 followers = 1.33 % < 25 % × 7 % (micro's low end) = 1.75 %.
    // mia (meso) 850 ÷ 70 000 = 1.21 % ≥ 25 % × 2 % = 0.5 %.
    assert_eq!(
        q["low_engagement"],
        json!([{"influencer_id": "ida", "tier": "micro", "engagement_rate": 160.0 / 12000.0, "benchmark_low": 0.07, "floor": 0.25}])
    );
    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.contains("instagram leo.ig went from 10,000 to 13,000 followers (30\u{a0}%)"), "{md}");
}

#[test]
fn thresholds_come_from_the_config() {
    // A 15-day window takes in leo's post of 10-18; mia's 9 orders are under 10 × 1.0; a 35 %
    // jump leaves leo's 30 % out; a 10 % floor (0.7 % for micro) is under ida's 1.33 %.
    let (_dir, out) = with_signals("leak_quiet_days = 15\nleak_surge = 10.0\nfollower_jump = 0.35\nengagement_floor = 0.1");
    let q = &summary(&out)["data_quality"];
    assert_eq!(q["leaked_codes"], json!([]));
    assert_eq!(q["follower_jumps"], json!([]));
    assert_eq!(q["low_engagement"], json!([]));
    // One earlier week (W44: mia 1, noa 1) and a 2× surge: mia 9 ≥ 2 and noa 3 ≥ 2 are
    // flagged; leo, no longer quiet and without earlier use, is not.
    let (_dir, out) = with_signals("leak_min_orders = 3\nleak_history = 1\nleak_surge = 2.0\nleak_quiet_days = 15");
    let codes: Vec<String> = summary(&out)["data_quality"]["leaked_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["MIA15", "NOA5"]);
}

#[test]
fn bad_thresholds_are_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("tierwise.toml");
    let text = std::fs::read_to_string(fixture("cases/signals/tierwise.toml")).unwrap();
    std::fs::write(&cfg, format!("{text}\n[report.signals]\nengagement_floor = 2.0\n")).unwrap();
    let out = tierwise(&["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("engagement_floor"));
}
