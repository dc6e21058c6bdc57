//! Values outside their range (spec §2) are errors naming file, line, column and value, exit
//! 1, nothing written: negative shop money, `commission_pct` outside 0–100, negative or
//! ten-billion follower counts, offsets beyond ±14:00, empty cost ids, and amounts too long
//! for any arithmetic (which must not panic).

use crate::support::*;
use std::path::Path;

/// A copy of fixtures/cases/exact in a temp dir with `edit` applied to `file`.
fn exact_with(file: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["tierwise.toml", "roster.csv", "costs.csv", "posts.csv", "followers.csv", "orders_export_1.csv"] {
        std::fs::copy(fixture(&format!("cases/exact/{f}")), dir.path().join(f)).unwrap();
    }
    let target = dir.path().join(file);
    let text = std::fs::read_to_string(&target).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changed nothing");
    std::fs::write(&target, edited).unwrap();
    dir
}

fn run_in(dir: &Path) -> std::process::Output {
    tierwise(&["run", "--config", dir.join("tierwise.toml").to_str().unwrap(), "--out", dir.join("result").to_str().unwrap()])
}

#[track_caller]
fn fails_naming(file: &str, edit: impl Fn(String) -> String, expected: &str) {
    let dir = exact_with(file, edit);
    let out = run_in(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(expected), "expected {expected:?} in: {stderr}");
    assert!(!dir.path().join("result").exists(), "nothing is written when a run fails");
}

#[test]
fn negative_shop_money_is_an_error() {
    fails_naming(
        "orders_export_1.csv",
        |t| t.replace("DKK,3791.32,3851.35", "DKK,-3791.32,3851.35"),
        "orders_export_1.csv` line 2: `Subtotal` is negative: \"-3791.32\"",
    );
    fails_naming(
        "orders_export_1.csv",
        |t| t.replace("12397.39,12464.38", "12397.39,-12464.38"),
        "orders_export_1.csv` line 4: `Total` is negative: \"-12464.38\"",
    );
    fails_naming(
        "orders_export_1.csv",
        |t| t.replace("ANN,10.00,50.00", "ANN,10.00,-50.00"),
        "orders_export_1.csv` line 3: `Refunded Amount` is negative: \"-50.00\"",
    );
}

#[test]
fn commission_outside_0_to_100_is_an_error() {
    fails_naming(
        "roster.csv",
        |t| t.replace(",ANN,,12.5", ",ANN,,112.5"),
        "roster.csv` line 2: `commission_pct` is outside 0–100: \"112.5\"",
    );
    fails_naming("roster.csv", |t| t.replace(",ANN,,12.5", ",ANN,,-1"), "`commission_pct` is outside 0–100: \"-1\"");
}

#[test]
fn follower_counts_must_be_whole_non_negative_and_below_ten_billion() {
    fails_naming(
        "followers.csv",
        |t| t.replace("ann_ig,2026-11-01,5000", "ann_ig,2026-11-01,-5000"),
        "followers.csv` line 2: `followers` is negative: \"-5000\"",
    );
    fails_naming(
        "followers.csv",
        |t| t.replace("ann_ig,2026-11-01,5000", "ann_ig,2026-11-01,10000000000"),
        "followers.csv` line 2: `followers` is 10 billion or more: \"10000000000\"",
    );
}

#[test]
fn an_offset_beyond_14_hours_is_an_error_not_a_date() {
    fails_naming(
        "posts.csv",
        |t| t.replace("2026-11-03T12:00:00+01:00", "2026-11-03T12:00:00+25:00"),
        "posts.csv` line 2: `posted_at` has a UTC offset outside ±14:00: \"2026-11-03T12:00:00+25:00\"",
    );
    fails_naming(
        "orders_export_1.csv",
        |t| t.replace("2026-11-05 10:00:00 +0100", "2026-11-05 10:00:00 +1500"),
        "orders_export_1.csv` line 4: `Created at` has a UTC offset outside ±14:00",
    );
}

#[test]
fn a_cost_row_without_influencer_id_is_an_error() {
    fails_naming(
        "costs.csv",
        |t| t.replace("bo,2026-11-05,500.00", ",2026-11-05,500.00"),
        "costs.csv` line 3: `influencer_id` is empty",
    );
}

#[test]
fn amounts_of_24_and_more_digits_are_errors_not_panics() {
    for huge in ["123456789012345678901234.00", "9999999999999999999999999999999999999999"] {
        fails_naming(
            "orders_export_1.csv",
            |t| t.replace("DKK,3791.32,", &format!("DKK,{huge},")),
            &format!("orders_export_1.csv` line 2: `Subtotal` is too large: \"{huge}\""),
        );
        fails_naming(
            "costs.csv",
            |t| t.replace("ann,2026-11-03,1000.00", &format!("ann,2026-11-03,{huge}")),
            &format!("costs.csv` line 2: `amount` is too large: \"{huge}\""),
        );
    }
    // Amounts that fit one by one but not summed: an error naming what overflowed, no panic.
    let dir = exact_with("costs.csv", |t| t + "ann,2026-11-04,4000000000000.00,fee,\nann,2026-11-04,4000000000000.00,fee,\n");
    let out = run_in(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("too large to add up"), "{}", String::from_utf8_lossy(&out.stderr));
}
