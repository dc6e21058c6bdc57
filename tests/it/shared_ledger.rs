//! Several daemons, each with its own state folder, sharing one PostgreSQL ledger (a real
//! server started by the test) and one outbox: a seconds cron fires in all of them, daemons are
//! SIGKILLed and restarted, and the period is still emailed exactly once; a daemon killed in
//! the middle of a run leaves claims that run out, and another daemon completes the period — or,
//! when it died while handing the email over, flags it as uncertain and never resends it.

use crate::support::postgres::{PASSWORD, PASSWORD_VAR, Postgres};
use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Daemon `name`'s config: its own state folder, the shared ledger and outbox, a 2 s cron.
fn config(dir: &Path, pg: &Postgres, name: &str) -> PathBuf {
    let own = dir.join(name);
    std::fs::create_dir_all(&own).unwrap();
    let outbox = format!("transport = \"file\"\noutbox = \"{}/outbox\"", dir.display());
    let cfg = gotchas_config(&own, "schedule = \"*/2 * * * * *\"", "to = [\"m@example.com\"]\nfrom = \"r@example.com\"", &outbox);
    let shared = format!("state_url = \"{}\"\nstate_password = \"${{{PASSWORD_VAR}}}\"\nclaim_lease_secs = 3\n", pg.url());
    std::fs::write(&cfg, shared + &std::fs::read_to_string(&cfg).unwrap()).unwrap();
    cfg
}

/// A daemon's process and where its log goes (appended across restarts).
struct Daemon {
    cfg: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Daemon {
    fn new(cfg: PathBuf) -> Self {
        let log = cfg.with_file_name("daemon.log");
        Self { cfg, log, child: None }
    }

    fn start(&mut self, pause_at: Option<&str>) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tierwise"));
        cmd.args(["daemon", "--config", self.cfg.to_str().unwrap()])
            .env(PASSWORD_VAR, PASSWORD)
            .env_remove("RUST_LOG")
            .stderr(Stdio::from(log))
            .stdout(Stdio::null());
        if let Some(point) = pause_at {
            cmd.env("TIERWISE_PAUSE_AT", point);
        }
        self.child = Some(cmd.spawn().unwrap());
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
            let status = child.wait().unwrap();
            assert!(status.success(), "{status:?}: {}", self.text());
        }
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn emails(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("outbox")).map(|d| d.count()).unwrap_or(0)
}

fn status(cfg: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(["status", "--config", cfg.to_str().unwrap(), "--limit", "500"])
        .env(PASSWORD_VAR, PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn three_daemons_on_one_postgres_ledger_email_the_period_once_through_kills_and_restarts() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let mut daemons: Vec<Daemon> = ["a", "b", "c"].iter().map(|n| Daemon::new(config(dir.path(), &pg, n))).collect();
    for d in &mut daemons {
        d.start(None);
    }
    // about 25 s of a 2 s cron; b and c are SIGKILLed and restarted, b twice
    let plan: [(u64, usize, bool); 6] =
        [(3, 1, false), (6, 1, true), (9, 2, false), (13, 2, true), (16, 1, false), (19, 1, true)];
    let started = Instant::now();
    for (at, which, restart) in plan {
        std::thread::sleep(Duration::from_secs(at).saturating_sub(started.elapsed()));
        if restart { daemons[which].start(None) } else { daemons[which].kill() }
    }
    std::thread::sleep(Duration::from_secs(25).saturating_sub(started.elapsed()));
    wait_for("at least five handled fires", || pg.ledger("SELECT COUNT(*) FROM fires").trim().parse::<u32>().unwrap_or(0) >= 5);
    for d in &mut daemons {
        d.stop();
    }

    assert_eq!(emails(dir.path()), 1, "exactly one email for the period");
    let text = status(&daemons[0].cfg);
    assert!(!text.contains("UNCERTAIN"), "{text}");
    assert_eq!(pg.ledger("SELECT COUNT(*) FROM deliveries WHERE state = 'sent'").trim(), "1");
    // runs of the report never overlapped, whichever daemon ran them
    let runs = pg.ledger("SELECT started_at || ' ' || finished_at FROM runs WHERE finished_at IS NOT NULL ORDER BY started_at");
    let spans: Vec<(&str, &str)> = runs.lines().filter_map(|l| l.split_once(' ')).collect();
    assert!(spans.len() >= 3, "{runs}");
    for pair in spans.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "two runs overlapped: {pair:?}");
    }
    let logs: String = daemons.iter().map(Daemon::text).collect();
    assert!(logs.contains("another daemon"), "fires were shared out: {logs}");
    assert!(!logs.contains(PASSWORD) && !text.contains(PASSWORD), "the ledger's password is never logged");
}

#[test]
fn a_daemon_killed_mid_run_leaves_claims_that_another_daemon_takes_over_after_the_lease() {
    // (where the first daemon dies, emails in the end, flagged as uncertain)
    for (point, sent, uncertain) in [("delivery-pending", 1, false), ("delivery-sending", 0, true)] {
        let pg = Postgres::start();
        let dir = tempfile::tempdir().unwrap();
        let mut first = Daemon::new(config(dir.path(), &pg, "first"));
        let mut second = Daemon::new(config(dir.path(), &pg, "second"));
        first.start(Some(point));
        wait_for("the first daemon to stop in the middle of its run", || first.text().contains(&format!("paused at {point}")));
        second.start(None);
        // while the first daemon lives, its claims are its own and `status` says so
        let text = status(&second.cfg);
        let holder = format!(":{}:", first.pid());
        let held = text.lines().filter(|l| l.contains(&holder)).collect::<Vec<_>>().join("\n");
        assert!(held.contains("run/gotchas") && held.contains("since"), "{point}: {text}");
        std::thread::sleep(Duration::from_secs(3));
        assert_eq!(emails(dir.path()), 0, "{point}: the second daemon waits while the first holds the run");
        first.kill();
        // after the lease, the second daemon completes the period
        wait_for("the second daemon to run the period", || {
            second.text().contains("scheduled run done") || second.text().contains("outcome")
        });
        std::thread::sleep(Duration::from_secs(3));
        second.stop();
        assert_eq!(emails(dir.path()), sent, "{point}");
        let text = status(&second.cfg);
        assert_eq!(text.contains("UNCERTAIN") && text.contains("2026-W43 report"), uncertain, "{point}: {text}");
        assert!(
            !text.lines().any(|l| l.contains(&holder) && l.contains("run/")),
            "{point}: the dead daemon's run claim was taken over"
        );
    }
}
