//! Delivery under failure: a connection lost after DATA (outcome unknown, exit 4, never
//! resent), recipients added to a period already sent, a bad roster address, a failing
//! statement among good ones (exit 5) and what the owner is told.

use crate::support::dropping_smtp::{After, DroppingSmtp};
use crate::support::smtp::SmtpServer;
use crate::support::*;
use mail_parser::MessageParser;
use std::path::{Path, PathBuf};

fn smtp(port: u16) -> String {
    format!("transport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"")
}

fn run(cfg: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "--config", cfg.to_str().unwrap()];
    args.extend_from_slice(extra);
    tierwise(&args)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_connection_lost_after_data_is_uncertain_exits_4_and_is_never_resent() {
    for after in [After::Close, After::Garbage] {
        let server = DroppingSmtp::start(after);
        let dir = tempfile::tempdir().unwrap();
        let cfg = gotchas_config(dir.path(), "", "to = [\"m@example.com\"]\nfrom = \"r@example.com\"", &smtp(server.port));
        let first = run(&cfg, &[]);
        assert_eq!(first.status.code(), Some(4), "{after:?}: {}", stderr(&first));
        assert!(stderr(&first).contains("may or may not have been delivered"), "{after:?}: {}", stderr(&first));
        assert_eq!(server.handed().len(), 1, "{after:?}: the server had the whole message");
        // the next run does not send it again, and still exits 4 so cron and systemd show it
        let second = run(&cfg, &[]);
        assert_eq!(second.status.code(), Some(4), "{after:?}: {}", stderr(&second));
        assert_eq!(server.handed().len(), 1, "{after:?}: never resent automatically");
        let status = tierwise(&["status", "--config", cfg.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&status.stdout);
        assert!(text.contains("UNCERTAIN") && text.contains("gotchas 2026-W43 report to m@example.com"), "{text}");
        assert!(text.contains("uncertain"), "the runs are recorded as uncertain: {text}");
        // --force sends it again, on purpose
        let _ = run(&cfg, &["--force"]);
        assert_eq!(server.handed().len(), 2, "{after:?}: --force resends");
    }
}

/// A rerun that emails nothing renders its periods ahead, side by side: each report still lists
/// the deliveries whose outcome is unknown, as a run of the period alone does.
#[test]
fn a_rerun_without_email_lists_the_uncertain_deliveries_in_every_report() {
    let server = DroppingSmtp::start(After::Close);
    let dir = tempfile::tempdir().unwrap();
    let cfg = gotchas_config(dir.path(), "", "to = [\"m@example.com\"]\nfrom = \"r@example.com\"", &smtp(server.port));
    assert_eq!(run(&cfg, &[]).status.code(), Some(4), "W43's delivery is left uncertain");
    let args = ["rerun", "--config", cfg.to_str().unwrap(), "--from", "2026-10-12", "--to", "2026-10-25", "--every", "week"];
    let rerun = tierwise(&args);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    for week in ["2026-W42", "2026-W43"] {
        let md = std::fs::read_to_string(dir.path().join("out").join(week).join("report.md")).unwrap();
        assert!(md.contains("2026-W43 report → m@example.com"), "{week}: {md}");
    }
    assert_eq!(server.handed().len(), 1, "the rerun sent nothing");
}

#[test]
fn a_server_that_is_down_sends_nothing_and_the_next_run_delivers() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let cfg = gotchas_config(dir.path(), "", "to = [\"m@example.com\"]\nfrom = \"r@example.com\"", &smtp(port));
    let out = run(&cfg, &[]);
    assert_eq!(out.status.code(), Some(1), "refused before anything was handed over: {}", stderr(&out));
    let server = SmtpServer::start();
    let text = std::fs::read_to_string(&cfg).unwrap().replace(&format!("port = {port}"), &format!("port = {}", server.port));
    std::fs::write(&cfg, text).unwrap();
    let out = run(&cfg, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.received().len(), 1);
}

/// (To, Cc) addresses of every .eml in `outbox`, sorted.
fn outbox(outbox: &Path) -> Vec<(Vec<String>, Vec<String>)> {
    let addresses = |a: Option<&mail_parser::Address<'_>>| -> Vec<String> {
        a.map(|a| a.iter().filter_map(|x| x.address().map(str::to_string)).collect()).unwrap_or_default()
    };
    let mut out: Vec<(Vec<String>, Vec<String>)> = std::fs::read_dir(outbox)
        .map(|d| d.map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect::<Vec<_>>())
        .unwrap_or_default()
        .iter()
        .map(|raw| {
            let m = MessageParser::default().parse(raw).unwrap();
            (addresses(m.to()), addresses(m.cc()))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn recipients_added_later_get_the_period_once_and_force_resends_to_all() {
    let dir = tempfile::tempdir().unwrap();
    let file = format!("transport = \"file\"\noutbox = \"{}/outbox\"", dir.path().display());
    let cfg = gotchas_config(dir.path(), "", "to = [\"a@example.com\"]\nfrom = \"r@example.com\"", &file);
    let boxed = dir.path().join("outbox");
    assert!(run(&cfg, &[]).status.success());
    assert!(run(&cfg, &[]).status.success());
    assert_eq!(outbox(&boxed).len(), 1);
    // B (in any case) and a cc are added: they get this period's report, A does not again
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("to = [\"a@example.com\"]", "to = [\"A@Example.com\", \"Bea <b@example.com>\"]\ncc = [\"c@example.com\"]");
    std::fs::write(&cfg, text).unwrap();
    for _ in 0..2 {
        let out = run(&cfg, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let sent = outbox(&boxed);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent.contains(&(vec!["b@example.com".to_string()], vec!["c@example.com".to_string()])), "{sent:?}");
    // --force: everyone on the list again
    assert!(run(&cfg, &["--force"]).status.success());
    let sent = outbox(&boxed);
    assert_eq!(sent.len(), 3);
    assert!(
        sent.contains(&(vec!["A@Example.com".to_string(), "b@example.com".to_string()], vec!["c@example.com".to_string()])),
        "{sent:?}"
    );
}

/// The gotchas case in `dir` with statements on, roster emails `emails` (one per roster row,
/// "" for none) and the given `[email]` table body and extra `[email]` lines.
fn statements_case(dir: &Path, emails: [&str; 4], email: &str) -> PathBuf {
    let c = fixture("cases/gotchas");
    let roster = String::from_utf8(std::fs::read(c.join("roster.csv")).unwrap()).unwrap();
    let mut lines: Vec<String> = roster.lines().map(str::to_string).collect();
    lines[0].push_str(",email");
    for (i, e) in emails.iter().enumerate() {
        lines[i + 1].push_str(&format!(",{e}"));
    }
    std::fs::write(dir.join("roster.csv"), lines.join("\n") + "\n").unwrap();
    let cfg = gotchas_config(
        dir,
        "[report.statements]\nsend = true",
        "to = [\"m@example.com\"]\nfrom = \"r@example.com\"",
        &format!("owner = \"ops@example.com\"\n{email}"),
    );
    let text = std::fs::read_to_string(&cfg).unwrap().replace(&format!("{}/roster.csv", c.display()), "roster.csv");
    std::fs::write(&cfg, text).unwrap();
    cfg
}

#[test]
fn a_bad_roster_address_is_an_error_naming_file_and_line_before_anything_is_sent() {
    let server = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cfg = statements_case(dir.path(), ["anna@example.com", "bo@@example", "", ""], &smtp(server.port));
    let out = run(&cfg, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("roster.csv") && err.contains("line 3") && err.contains("bo@@example"), "{err}");
    assert!(server.received().is_empty(), "nothing was sent");
}

#[test]
fn a_failing_email_never_stops_the_others_and_exit_code_and_owner_say_what_was_sent() {
    // the first two messages (the report, then anna's statement) are refused
    let server = SmtpServer::flaky(2, 550);
    let dir = tempfile::tempdir().unwrap();
    let cfg = statements_case(dir.path(), ["anna@example.com", "bo@example.com", "", ""], &smtp(server.port));
    let out = run(&cfg, &[]);
    assert_eq!(out.status.code(), Some(5), "some sent, some not: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("not sent:") && err.contains("statement of `anna`") && err.contains("Message rejected"), "{err}");
    let received: Vec<mail_parser::Message<'static>> =
        server.received().iter().map(|raw| MessageParser::default().parse(raw).unwrap().into_owned()).collect();
    assert_eq!(received.len(), 2, "bo's statement and the owner's notice");
    let notice = received.iter().find(|m| m.subject().is_some_and(|s| s.starts_with("tierwise:"))).unwrap();
    assert_eq!(notice.subject(), Some("tierwise: report gotchas 2026-W43 was not delivered"));
    let body = notice.body_text(0).unwrap();
    let not_sent = body.split("sent:\n").nth(1).unwrap_or("");
    assert!(
        body.starts_with("tierwise report `gotchas` for 2026-W43:\n\nnot sent:\n  report to m@example.com")
            && not_sent.contains("statement of `anna` to anna@example.com"),
        "{body}"
    );
    assert!(body.contains("\nsent:\n  statement of `bo` to bo@example.com"), "{body}");
    // the next run sends what was not sent, and only that
    let out = run(&cfg, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.received().len(), 4, "the report and anna's statement");
}
