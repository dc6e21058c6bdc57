//! Helpers shared by the integration tests: run the real binary, read its CSV outputs.

pub mod dropping_smtp;
pub mod postgres;
pub mod smtp;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// Runs `tierwise` with `args`; the child never inherits an SMTP password.
pub fn tierwise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tierwise")).args(args).env_remove("RUST_LOG").output().expect("tierwise starts")
}

/// Runs `tierwise run --no-email` for `config` into a fresh folder; panics with stderr on failure.
pub fn run_report(config: &Path, extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    let mut args = vec!["run", "--config", config.to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--no-email"];
    args.extend_from_slice(extra);
    let output = tierwise(&args);
    assert!(output.status.success(), "tierwise failed: {}", String::from_utf8_lossy(&output.stderr));
    out
}

/// A config for the gotchas case (fixtures/cases/gotchas, week 2026-W43) with its state and
/// outputs in `dir`: `report_extra` goes into the `[[report]]` table, `email` is the `[email]`
/// table's body; recipients `to`, `from` and `cc`/`subject` lines come from `report_email`.
pub fn gotchas_config(dir: &Path, report_extra: &str, report_email: &str, email: &str) -> PathBuf {
    let c = fixture("cases/gotchas");
    let d = dir.display();
    let c = c.display();
    let text = format!(
        "state_dir = \"{d}/state\"\n[[report]]\nname = \"gotchas\"\nperiod = \"2026-W43\"\nout_dir = \"{d}/out\"\n{report_extra}\n\
         [report.inputs]\nroster = \"{c}/roster.csv\"\ncosts = \"{c}/costs.csv\"\nposts = [\"{c}/posts.csv\"]\n\
         followers = [\"{c}/followers.csv\"]\norders = [\"{c}/orders_export_*.csv\"]\n[report.fx]\nEUR = 7.46\n\
         [report.email]\n{report_email}\n[email]\n{email}\n"
    );
    let path = dir.join("tierwise.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the demo config (config/tierwise.toml) with its outputs and outbox moved into `dir`;
/// returns the .eml it wrote. The report lands in `dir/nordlys-weekly/2026-W44/`.
pub fn run_demo_into(dir: &Path) -> PathBuf {
    let cfg = demo_config(dir);
    let run = tierwise(&["run", "--config", cfg.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    std::fs::read_dir(dir.join("outbox")).unwrap().next().unwrap().unwrap().path()
}

/// The demo config (config/tierwise.toml) written into `dir` as `tierwise.toml`, with its
/// state, outputs and outbox moved into `dir`; returns its path.
pub fn demo_config(dir: &Path) -> PathBuf {
    let cfg = std::fs::read_to_string(root().join("config/tierwise.toml")).unwrap();
    let cfg =
        cfg.replace("../fixtures/", &format!("{}/", fixture("").display())).replace("../out/", &format!("{}/", dir.display()));
    std::fs::write(dir.join("tierwise.toml"), cfg).unwrap();
    dir.join("tierwise.toml")
}

/// CSV rows keyed by column name.
pub type Rows = Vec<HashMap<String, String>>;

/// A CSV output as rows keyed by column name.
pub fn read_csv(path: &Path) -> Rows {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = split(lines.next().unwrap_or(""));
    lines.map(|l| header.iter().cloned().zip(split(l)).collect()).collect()
}

fn split(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out
}

/// The row whose `key` column equals `value`.
pub fn row<'a>(rows: &'a [HashMap<String, String>], key: &str, value: &str) -> &'a HashMap<String, String> {
    rows.iter().find(|r| r[key] == value).unwrap_or_else(|| panic!("no row with {key} = {value}"))
}

/// Asserts a numeric cell within 1e-12 relative (or both empty).
#[track_caller]
pub fn assert_num(row: &HashMap<String, String>, column: &str, expected: Option<f64>) {
    let cell = &row[column];
    match expected {
        None => assert_eq!(cell, "", "{column} should be empty"),
        Some(e) => {
            let got: f64 = cell.parse().unwrap_or_else(|_| panic!("{column} = {cell:?} is not a number"));
            let tol = 1e-12 * e.abs().max(1.0);
            assert!((got - e).abs() <= tol, "{column}: got {got}, expected {e}");
        }
    }
}

/// A generated shop (`tierwise generate`) with `influencers` run once per test process: the
/// report folder and the .eml its file outbox received. Shared by the tests of the digest's
/// size and of report.html at scale; the inputs are deleted after the run.
pub struct GeneratedRun {
    pub influencers: usize,
    /// report.html, report.md, the CSVs and charts.
    pub out: PathBuf,
    pub eml: PathBuf,
    _dir: tempfile::TempDir,
}

pub fn generated_run(influencers: usize) -> &'static GeneratedRun {
    static RUNS: std::sync::Mutex<Vec<&'static GeneratedRun>> = std::sync::Mutex::new(Vec::new());
    let mut runs = RUNS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(run) = runs.iter().find(|r| r.influencers == influencers) {
        return run;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let n = influencers.to_string();
    let orders = (influencers / 2).clamp(800, 4000).to_string();
    let generate =
        tierwise(&["generate", "--out", data.to_str().unwrap(), "--influencers", &n, "--orders", &orders, "--weeks", "3"]);
    assert!(generate.status.success(), "{}", String::from_utf8_lossy(&generate.stderr));
    let config = data.join("tierwise.toml");
    let out = dir.path().join("report");
    let run = tierwise(&["run", "--config", config.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let outbox = data.join("out/outbox");
    let eml = std::fs::read_dir(&outbox).unwrap().next().unwrap().unwrap().path();
    let kept = dir.path().join("report.eml");
    std::fs::rename(&eml, &kept).unwrap();
    std::fs::remove_dir_all(&data).unwrap();
    let run: &'static GeneratedRun = Box::leak(Box::new(GeneratedRun { influencers, out, eml: kept, _dir: dir }));
    runs.push(run);
    run
}
