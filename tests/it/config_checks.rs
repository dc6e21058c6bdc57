//! Config and period checks: custom tiers that cannot work, plain SMTP with a password off
//! this machine, periods that have not started (exit 2) or not ended (run, say so, no email
//! unless --force); config/example.toml names every key the reader knows; `check` compiles
//! templates and wants the SMTP server to answer NOOP.

use crate::support::smtp::SmtpServer;
use crate::support::*;
use std::path::{Path, PathBuf};

fn exact_copy(dir: &Path, extra_report: &str, email: &str) -> PathBuf {
    for f in ["roster.csv", "costs.csv", "posts.csv", "followers.csv", "orders_export_1.csv"] {
        std::fs::copy(fixture(&format!("cases/exact/{f}")), dir.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(fixture("cases/exact/tierwise.toml"))
        .unwrap()
        .replace("out_dir = \"out\"\n", &format!("out_dir = \"out\"\n{extra_report}\n"))
        .replace(
            "[email]\ntransport = \"file\"\noutbox = \"out/outbox\"\n",
            &format!("[report.email]\nto = [\"m@example.com\"]\nfrom = \"t <t@example.com>\"\n[email]\n{email}\n"),
        );
    let path = dir.join("tierwise.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run_at(cfg: &Path, now: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(["run", "--config", cfg.to_str().unwrap()])
        .args(args)
        .env("TIERWISE_NOW", now)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

const FILE_OUTBOX: &str = "transport = \"file\"\noutbox = \"outbox\"";

#[test]
fn custom_tiers_with_a_duplicate_name_or_minimum_are_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let tiers =
        "[[report.tiers]]\nname = \"small\"\nmin_followers = 0\n[[report.tiers]]\nname = \"Small\"\nmin_followers = 5000\n";
    let cfg = exact_copy(dir.path(), tiers, FILE_OUTBOX);
    let out = run_at(&cfg, "2026-11-20T09:00:00Z", &["--no-email"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"small\" is used twice") && err.contains(".tiers[0]`") && err.contains(".tiers[1]`"), "{err}");

    let tiers = "[[report.tiers]]\nname = \"small\"\nmin_followers = 0\n[[report.tiers]]\nname = \"big\"\nmin_followers = 0\n";
    let cfg = exact_copy(dir.path(), tiers, FILE_OUTBOX);
    let out = run_at(&cfg, "2026-11-20T09:00:00Z", &["--no-email"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"small\"") && err.contains("\"big\"") && err.contains("same `min_followers` 0"), "{err}");
}

#[test]
fn a_password_over_plain_smtp_is_refused_unless_the_host_is_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = |host: &str| {
        format!("transport = \"smtp\"\nhost = \"{host}\"\nsecurity = \"none\"\nusername = \"${{U}}\"\npassword = \"${{P}}\"")
    };
    let cfg = exact_copy(dir.path(), "", &smtp("smtp.example.com"));
    let out = run_at(&cfg, "2026-11-20T09:00:00Z", &["--no-email"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`email.password`") && err.contains("clear text"), "{err}");
    for host in ["127.0.0.1", "localhost", "::1"] {
        let cfg = exact_copy(dir.path(), "", &smtp(host));
        assert!(tierwise::config::load(&cfg).is_ok(), "{host}");
    }
}

#[test]
fn a_period_that_has_not_started_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = exact_copy(dir.path(), "", FILE_OUTBOX);
    // Sunday 1 November 2026, 23:30 in Copenhagen: week 45 starts tomorrow.
    let out = run_at(&cfg, "2026-11-01T22:30:00Z", &["--period", "2026-W45"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has not started"));
    assert!(!dir.path().join("out").exists() && !dir.path().join("outbox").exists());
}

#[test]
fn a_period_in_progress_runs_but_is_not_emailed_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = exact_copy(dir.path(), "", FILE_OUTBOX);
    let mid_week = "2026-11-05T12:00:00Z";
    let out = run_at(&cfg, mid_week, &["--period", "2026-W45"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("still in progress") && err.contains("not emailed"), "{err}");
    assert!(dir.path().join("out/2026-W45/influencers.csv").exists());
    let sent = || std::fs::read_dir(dir.path().join("outbox")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(sent(), 0, "a period that has not ended is not emailed");
    let forced = run_at(&cfg, mid_week, &["--period", "2026-W45", "--force"]);
    assert!(forced.status.success(), "{}", String::from_utf8_lossy(&forced.stderr));
    assert_eq!(sent(), 1, "--force emails it");
    // Once the week is over it is emailed as usual (the forced copy was the first).
    let after = run_at(&cfg, "2026-11-09T07:00:00Z", &["--period", "2026-W45"]);
    assert!(after.status.success(), "{}", String::from_utf8_lossy(&after.stderr));
}

/// Key paths (`report.inputs.roster`) of a TOML table, arrays of tables without indices.
fn key_paths(table: &toml::Table, prefix: &str, out: &mut std::collections::BTreeSet<String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        out.insert(path.clone());
        match value {
            toml::Value::Table(t) => key_paths(t, &path, out),
            toml::Value::Array(items) => {
                for item in items {
                    if let toml::Value::Table(t) = item {
                        key_paths(t, &path, out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[test]
fn the_example_config_names_every_key() {
    // Sections that need tokens and network are in the example commented out as `# key = …`
    // lines: uncommented, the whole file is one valid config naming every key.
    let path = root().join("config/example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let keyish = |l: &str| {
        let l = l.trim_start();
        l.starts_with('[')
            || l.split_once(" = ").is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    };
    let full: String = text
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if keyish(rest) => rest.to_string(),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (parsed, asked) = tierwise::config::record_keys(|| tierwise::config::parse(&full, &path));
    if let Err(e) = parsed {
        panic!("the uncommented example is not a valid config: {e:#?}");
    }
    let mut named = std::collections::BTreeSet::new();
    key_paths(&full.parse::<toml::Table>().unwrap(), "", &mut named);
    // The request settings every [report.pull.*] table takes (rate_limit, attempts, …) are
    // named once, in [report.pull.instagram].
    let shared = |k: &str| {
        let sources = ["instagram", "tiktok", "youtube", "woocommerce", "shopify"];
        match k.strip_prefix("report.pull.").and_then(|rest| rest.split_once('.')) {
            Some((source, key)) if sources.contains(&source) => format!("report.pull.*.{key}"),
            _ => k.to_string(),
        }
    };
    let named: std::collections::BTreeSet<String> = named.iter().map(|k| shared(k)).collect();
    let asked: std::collections::BTreeSet<String> = asked.iter().map(|k| shared(k)).collect();
    let missing: Vec<&String> = asked.iter().filter(|k| !named.contains(*k)).collect();
    assert!(missing.is_empty(), "config/example.toml does not name: {missing:?}");
    assert!(asked.len() > 50, "the reader asked for only {} keys", asked.len());
}

#[test]
fn check_compiles_templates_and_wants_the_smtp_server_to_answer_noop() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(templates.join("report.md.tera"), "# {{ title }\n").unwrap();
    let cfg = exact_copy(dir.path(), "templates = \"templates\"", FILE_OUTBOX);
    let out = tierwise(&["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("report.md.tera"), "{}", String::from_utf8_lossy(&out.stderr));

    let server = SmtpServer::refusing_noop();
    let smtp = format!("transport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"", server.port);
    let cfg = exact_copy(dir.path(), "", &smtp);
    let out = tierwise(&["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did not answer NOOP"));
    assert!(server.received().is_empty(), "check sends nothing");
}

#[test]
fn rerun_leaves_out_periods_not_started_and_emails_none_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = exact_copy(dir.path(), "", FILE_OUTBOX);
    let rerun = |from: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tierwise"))
            .args(["rerun", "--config", cfg.to_str().unwrap(), "--from", from, "--to", "2026-11-30", "--email"])
            .env("TIERWISE_NOW", "2026-11-05T12:00:00Z")
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    let out = rerun("2026-10-26");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("out/2026-W44").exists() && dir.path().join("out/2026-W45").exists());
    assert!(!dir.path().join("out/2026-W46").exists(), "a week that has not started was reported");
    let sent = std::fs::read_dir(dir.path().join("outbox")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(sent, 1, "week 44 is emailed, week 45 (in progress) is not");
    assert_eq!(rerun("2026-12-01").status.code(), Some(2));
}
