//! Unreadable input: an error naming file, line, column and value, exit 1, nothing written or
//! sent; or, with `on_bad_row = "skip"`, the row skipped and counted.

use crate::support::*;
use std::path::Path;

/// A copy of the gotchas case in a temp dir, with `edit` applied to one of its files.
fn case_with(file: &str, edit: impl Fn(String) -> String, extra_config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("cases/gotchas")).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let target = dir.path().join(file);
    let text = String::from_utf8_lossy(&std::fs::read(&target).unwrap()).into_owned();
    std::fs::write(&target, edit(text)).unwrap();
    let cfg = dir.path().join("tierwise.toml");
    let text = std::fs::read_to_string(&cfg).unwrap().replace("[report.inputs]", &format!("{extra_config}\n[report.inputs]"));
    std::fs::write(&cfg, text).unwrap();
    dir
}

fn run_in(dir: &Path) -> std::process::Output {
    tierwise(&["run", "--config", dir.join("tierwise.toml").to_str().unwrap(), "--out", dir.join("result").to_str().unwrap()])
}

#[test]
fn a_first_row_without_a_total_is_named_never_taken_for_a_line_item() {
    // Line items are the rows that repeat the order's Name, not the rows with an empty Total:
    // #1003's first row with its Total blanked is an unreadable order, not a continuation row.
    let dir = case_with("orders_export_1.csv", |t| t.replace("1000.00,39.00,207.80,1039.00", "1000.00,39.00,207.80,"), "");
    let out = run_in(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = std::fs::read_to_string(dir.path().join("orders_export_1.csv")).unwrap();
    let line = text.lines().position(|l| l.starts_with("#1003,")).unwrap() + 1;
    assert!(stderr.contains(&format!("orders_export_1.csv` line {line}: `Total` is empty")), "{stderr}");
}

#[test]
fn a_bad_amount_names_file_line_column_and_value() {
    // #1003 is on line 6 of the export: lines 2-3 are #1001 (whose Notes cell holds a newline
    // on line 2-3 of the file) … the reader counts physical lines, not records.
    let dir = case_with("orders_export_1.csv", |t| t.replace("1000.00,39.00,207.80,1039.00", "10O0.00,39.00,207.80,1039.00"), "");
    let out = run_in(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = std::fs::read_to_string(dir.path().join("orders_export_1.csv")).unwrap();
    let line = text.lines().position(|l| l.starts_with("#1003,")).unwrap() + 1;
    assert!(stderr.contains(&format!("orders_export_1.csv` line {line}: `Subtotal` is not a number: \"10O0.00\"")), "{stderr}");
    assert!(!dir.path().join("result").exists(), "nothing is written when a run fails");
    assert!(!dir.path().join("out/outbox").exists(), "nothing is sent when a run fails");
}

#[test]
fn a_bad_cost_in_a_european_file_is_named() {
    let dir = case_with("costs.csv", |t| t.replace("349,95", "349,9x"), "");
    let stderr = String::from_utf8_lossy(&run_in(dir.path()).stderr).into_owned();
    assert!(stderr.contains("costs.csv` line 3: `amount` is not a number: \"349,9x\""), "{stderr}");
}

#[test]
fn skipped_rows_are_counted_not_zeroed() {
    let dir = case_with(
        "posts.csv",
        |t| t.replace("tiktok,anna_tt,t1,2026-10-25T23:30:00+01:00,5000", "tiktok,anna_tt,t1,yesterday,5000"),
        "on_bad_row = \"skip\"",
    );
    let text = std::fs::read_to_string(dir.path().join("tierwise.toml")).unwrap();
    std::fs::write(
        dir.path().join("tierwise.toml"),
        text.replace("on_bad_row = \"skip\"\n[report.inputs]", "[report.inputs]\non_bad_row = \"skip\""),
    )
    .unwrap();
    let out = run_in(dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("result/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["data_quality"]["rows_rejected"], 1);
    let inf = read_csv(&dir.path().join("result/influencers.csv"));
    assert_num(row(&inf, "influencer_id", "anna"), "posts", Some(1.0));
    let md = std::fs::read_to_string(dir.path().join("result/report.md")).unwrap();
    // report.md escapes the line like every data string (issue 10, point 6).
    assert!(md.contains("posts.csv\\` line 4: \\`posted\\_at\\` is not a timestamp"), "{md}");
}

#[test]
fn an_attributed_order_in_a_currency_without_rate_is_an_error() {
    let dir = case_with("tierwise.toml", |t| t.replace("EUR = 7.46", ""), "");
    let stderr = String::from_utf8_lossy(&run_in(dir.path()).stderr).into_owned();
    assert!(stderr.contains("order #1012 is in EUR, and [report.fx] gives no rate into DKK"), "{stderr}");
    assert!(stderr.contains("orders_export_1.csv` line "), "{stderr}");
}

#[test]
fn a_missing_column_is_named() {
    let dir = case_with("followers.csv", |t| t.replacen("followers\n", "fans\n", 1), "");
    let stderr = String::from_utf8_lossy(&run_in(dir.path()).stderr).into_owned();
    assert!(stderr.contains("followers.csv` has no `followers` column"), "{stderr}");
}

#[test]
fn a_cost_row_for_someone_not_in_the_roster_is_listed_not_counted() {
    let dir = case_with("costs.csv", |t| t.replacen("\nanna;", "\nanne;", 1), "");
    let out = run_in(dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let inf = read_csv(&dir.path().join("result/influencers.csv"));
    assert_num(row(&inf, "influencer_id", "anna"), "cost", Some(349.95 + 157.0));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("result/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["data_quality"]["cost_rows_not_in_roster"], 1);
    let md = std::fs::read_to_string(dir.path().join("result/report.md")).unwrap();
    assert!(md.contains("costs.csv\\` line 2: cost row for \\`influencer\\_id\\` \"anne\""), "{md}");
}

#[test]
fn a_rate_missing_only_for_an_older_week_does_not_stop_this_weeks_figures() {
    // #1012 (EUR) is in W43; reporting W45 (previous: W44) needs no EUR rate: the trend and the
    // campaign to date leave it out with a warning, the week's figures are written.
    let dir = case_with("tierwise.toml", |t| t.replace("EUR = 7.46", ""), "");
    let cfg = dir.path().join("tierwise.toml");
    let out = tierwise(&[
        "run",
        "--config",
        cfg.to_str().unwrap(),
        "--period",
        "2026-W45",
        "--no-email",
        "--out",
        dir.path().join("w45").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("left out"));
    let inf = read_csv(&dir.path().join("w45/influencers.csv"));
    assert_num(row(&inf, "influencer_id", "anna"), "revenue", Some(0.0));
}
