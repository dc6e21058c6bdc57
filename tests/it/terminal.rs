//! What a run prints: a short summary on stdout (not with `--quiet`), and with
//! `RUST_LOG=debug` tierwise's own debug lines without the HTML parser's trace.

use crate::support::*;
use std::process::Command;

#[test]
fn a_run_prints_its_figures_and_every_data_quality_count() {
    let out = tempfile::tempdir().unwrap();
    let config = fixture("cases/gotchas/tierwise.toml");
    let run = tierwise(&["run", "--config", config.to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--no-email"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let text = String::from_utf8_lossy(&run.stdout);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap()).unwrap();
    let q = &summary["data_quality"];
    let conflicts = q["attribution_conflicts"].as_u64().unwrap();
    let unmatched = q["unmatched_codes"].as_array().unwrap().len();
    for line in [
        "gotchas 2026-W43 (2026-10-19 – 2026-10-25, Europe/Copenhagen)".to_string(),
        format!("{conflicts} attribution conflicts"),
        format!("{unmatched} unmatched codes on "),
        format!("{} rows rejected", q["rows_rejected"]),
        "0 accounts not pulled".to_string(),
        "0 uncertain deliveries".to_string(),
        "ROI ".to_string(),
        "revenue DKK ".to_string(),
    ] {
        assert!(text.contains(&line), "{line:?} in the summary:\n{text}");
    }
    assert!(conflicts > 0 && unmatched > 0, "the case has problems to show");
    let quiet =
        tierwise(&["run", "--config", config.to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--no-email", "-q"]);
    assert!(quiet.status.success() && quiet.stdout.is_empty(), "--quiet prints no summary");
}

#[test]
fn rust_log_debug_shows_tierwise_lines_not_the_html_parsers() {
    let out = tempfile::tempdir().unwrap();
    let config = fixture("cases/gotchas/tierwise.toml");
    let run = Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(["run", "--config", config.to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--no-email", "-q"])
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    assert!(run.status.success());
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(log.contains("report rendered (bytes)"), "tierwise's own debug line:\n{log}");
    let lines = log.lines().count();
    assert!(lines < 200, "{lines} log lines: other crates' debug output is on");
}
