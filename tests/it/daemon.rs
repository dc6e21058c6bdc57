//! The daemon: a seconds-cron fires in a test, a period is emailed once however often it
//! fires, SIGTERM stops it cleanly, and a restart catches up the fires missed while stopped.

use crate::support::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn config(dir: &Path) -> std::path::PathBuf {
    let outbox = format!("transport = \"file\"\noutbox = \"{}/outbox\"", dir.display());
    gotchas_config(dir, "schedule = \"*/2 * * * * *\"", "to = [\"m@example.com\"]\nfrom = \"r@example.com\"", &outbox)
}

fn start(cfg: &Path, log: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(["daemon", "--config", cfg.to_str().unwrap()])
        .stderr(Stdio::from(std::fs::File::create(log).unwrap()))
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn terminate(mut child: Child) -> std::process::ExitStatus {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the daemon did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_seconds_cron_fires_emails_once_stops_on_sigterm_and_catches_up() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let outbox = dir.path().join("outbox");
    let emails = || std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
    let log = dir.path().join("daemon.log");
    let daemon = start(&cfg, &log);
    wait_for("the first email", || emails() == 1);
    let runs = || std::fs::read_to_string(&log).unwrap_or_default().matches("scheduled run done").count();
    wait_for("two more fires", || runs() >= 3);
    let status = terminate(daemon);
    assert!(status.success(), "{status:?}: {}", std::fs::read_to_string(&log).unwrap());
    assert_eq!(emails(), 1, "one email per period however often the schedule fires");

    // stopped over at least one scheduled instant: the restart runs the missed fire once
    std::thread::sleep(Duration::from_secs(3));
    let log2 = dir.path().join("daemon2.log");
    let daemon = start(&cfg, &log2);
    wait_for("the catch-up", || {
        std::fs::read_to_string(&log2).unwrap_or_default().contains("catching up a run missed while stopped")
    });
    let status = terminate(daemon);
    assert!(status.success());
    let text = std::fs::read_to_string(&log2).unwrap();
    assert_eq!(text.matches("catching up").count(), 1, "missed fires of one period run once: {text}");
    assert_eq!(emails(), 1, "and the period is still emailed once");
}

#[test]
fn a_panicked_scheduled_run_is_logged_recorded_as_failed_and_told_to_the_owner() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let text = std::fs::read_to_string(&cfg).unwrap().replace("[email]\n", "[email]\nowner = \"ops@example.com\"\n");
    std::fs::write(&cfg, text).unwrap();
    let log = dir.path().join("daemon.log");
    let daemon = Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(["daemon", "--config", cfg.to_str().unwrap()])
        .env("TIERWISE_PANIC_AT", "run")
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let failed = || std::fs::read_to_string(&log).unwrap_or_default().matches("scheduled run failed").count();
    wait_for("two failed fires", || failed() >= 2);
    let status = terminate(daemon);
    assert!(status.success(), "the daemon goes on and stops cleanly: {}", std::fs::read_to_string(&log).unwrap());
    assert!(std::fs::read_to_string(&log).unwrap().contains("the run panicked: injected panic at run"));
    let status = tierwise(&["status", "--config", cfg.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("failed") && text.contains("the run panicked"), "{text}");
    assert!(!text.contains("running"), "no run is left running: {text}");
    let notices: Vec<String> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(!notices.is_empty() && notices.iter().all(|n| n.contains("To: ops@example.com")), "only owner notices: {notices:?}");
    assert!(notices[0].contains("Subject: tierwise: scheduled run of report gotchas 2026-W43 failed"), "{}", notices[0]);
}
