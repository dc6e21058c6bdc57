//! Config validation: every problem at once with line and column, exit code 2; every shipped
//! config passes `check`.

use crate::support::*;

#[test]
fn every_shipped_config_passes_check() {
    for entry in std::fs::read_dir(root().join("config")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = tierwise(&["check", "--config", path.to_str().unwrap()]);
            assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
        }
    }
}

#[test]
fn all_problems_are_listed_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(
        &cfg,
        r#"[[report]]
name = "shop"
timezone = "Europe/Kopenhagen"
tier_scheme = "huge"
period = "next-week"
colour = "blue"

[report.inputs]
orders = ["orders.csv"]
orders_format = "magento"

[report.email]
to = ["not an address"]
from = "reports@example.com"

[email]
transport = "smtp"
host = "smtp.example.com"
password = "hunter2"
"#,
    )
    .unwrap();
    let out = tierwise(&["run", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let problems = stderr.lines().filter(|l| l.trim_start().starts_with("line ")).map(str::trim).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!(problems);
    assert!(!stderr.contains("hunter2"), "a secret was echoed: {stderr}");
}

#[test]
fn a_syntax_error_names_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("broken.toml");
    std::fs::write(&cfg, "[[report]]\nname = \"x\nperiod = 3\n").unwrap();
    let out = tierwise(&["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2, column"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn usage_errors_exit_2_and_unknown_reports_are_named() {
    let cfg = root().join("config/tierwise.toml");
    let out = tierwise(&["run", "--config", cfg.to_str().unwrap(), "--report", "nope", "--no-email"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no report named `nope`"));
    let out = tierwise(&["run", "--config", cfg.to_str().unwrap(), "--period", "2026-W99", "--no-email"]);
    assert_eq!(out.status.code(), Some(2));
    let out = tierwise(&["run", "--config", cfg.to_str().unwrap(), "--from", "2026-11-10", "--to", "2026-11-01", "--no-email"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_api_example_config_shows_valid_keys_only() {
    let config = tierwise::config::load(&crate::support::root().join("docs/api-example.toml")).unwrap();
    let shop = config.report(Some("webshop-weekly")).unwrap();
    assert_eq!(shop.pull.platforms.len(), 3);
    assert_eq!(shop.pull.shops.len(), 1);
    assert!(shop.inputs.columns.is_some() && shop.inputs.url_auth.is_some());
}
