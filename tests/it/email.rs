//! The report email through a real SMTP server on loopback, and through the file outbox.

use crate::support::smtp::SmtpServer;
use crate::support::*;
use mail_parser::{MessageParser, MimeHeaders};

/// The gotchas case with two recipients, a cc and a subject, sent through `email` (an
/// `[email]` table).
fn config_with(dir: &std::path::Path, email: &str) -> std::path::PathBuf {
    let recipients = "to = [\"marketing@example.com\", \"Mette Holm <mette@example.com>\"]\ncc = [\"boss@example.com\"]\n\
                      from = \"tierwise <reports@example.com>\"\nsubject = \"Uge-rapport {period} ({report})\"";
    gotchas_config(dir, "", recipients, email.trim_start_matches("[email]\n"))
}

#[test]
fn smtp_server_receives_both_parts_and_attachments_once() {
    let server = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with(
        dir.path(),
        &format!("[email]\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"", server.port),
    );
    let check = tierwise(&["check", "--config", cfg.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&check.stdout).contains("SMTP server answered"), "{check:?}");
    assert!(server.received().is_empty(), "check sends nothing");
    let run = || tierwise(&["run", "--config", cfg.to_str().unwrap()]);
    let first = run();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let second = run();
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    assert!(String::from_utf8_lossy(&second.stderr).contains("already emailed"));

    let received = server.received();
    assert_eq!(received.len(), 1, "one email per period, however often run (maildir {})", server.maildir().display());
    let msg = MessageParser::default().parse(&received[0]).expect("parsable email");
    assert_eq!(msg.subject(), Some("Uge-rapport 2026-W43 (gotchas)"));
    let rcpt = msg.header_raw("X-RcptTo").unwrap_or_default();
    for who in ["marketing@example.com", "mette@example.com", "boss@example.com"] {
        assert!(rcpt.contains(who), "{who} not in envelope: {rcpt}");
    }
    let text = msg.body_text(0).expect("plain-text part");
    assert!(text.contains("HEADLINE") && text.contains("Revenue"), "{text}");
    let html = msg.body_html(0).expect("HTML part");
    assert!(html.contains("Anna Østergaard") && !html.contains("<script"));
    let inline: Vec<String> = msg
        .attachments()
        .filter(|a| a.content_type().is_some_and(|c| c.ctype() == "image" && c.subtype() == Some("png")))
        .filter_map(|a| a.content_id().map(str::to_string))
        .collect();
    assert_eq!(inline, ["tiers@tierwise", "engagement@tierwise", "trend@tierwise"]);
    for cid in &inline {
        assert!(html.contains(&format!("cid:{cid}")), "the HTML part shows {cid}");
    }
    let attachments: Vec<(String, String)> = msg
        .attachments()
        .filter(|a| a.attachment_name().is_some())
        .map(|a| (a.attachment_name().unwrap_or("").to_string(), String::from_utf8_lossy(a.contents()).into_owned()))
        .collect();
    let names: Vec<&str> = attachments.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["report.html", "influencers.csv", "tiers.csv"]);
    let written = std::fs::read_to_string(dir.path().join("out/2026-W43/influencers.csv")).unwrap();
    assert_eq!(attachments[1].1, written);
    assert!(attachments[0].1.contains("src=\"data:image/png;base64,"), "the attached report.html carries its charts");
}

#[test]
fn file_outbox_gets_one_eml_and_force_sends_again() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let cfg = config_with(dir.path(), &format!("[email]\ntransport = \"file\"\noutbox = \"{}\"", outbox.display()));
    let cfg = cfg.to_str().unwrap();
    for _ in 0..2 {
        assert!(tierwise(&["run", "--config", cfg]).status.success());
    }
    let count = || std::fs::read_dir(&outbox).unwrap().count();
    assert_eq!(count(), 1);
    assert!(tierwise(&["run", "--config", cfg, "--force"]).status.success());
    assert_eq!(count(), 2);
    assert!(tierwise(&["run", "--config", cfg, "--no-email", "--period", "2026-W44"]).status.success());
    assert_eq!(count(), 2);
}

/// A test CA and a leaf certificate for `localhost` (rustls refuses a CA used as the server's
/// own certificate), made with openssl.
fn certificates(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let sh = |script: &str| {
        let out = std::process::Command::new("sh").arg("-c").arg(script).current_dir(dir).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=tierwise test CA' 2>/dev/null");
    sh("openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj '/CN=localhost' 2>/dev/null");
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    sh(
        "openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 -extfile leaf.ext 2>/dev/null",
    );
    (dir.join("ca.pem"), dir.join("leaf.pem"), dir.join("leaf.key"))
}

#[test]
fn starttls_and_implicit_tls_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    for (security, implicit) in [("starttls", false), ("tls", true)] {
        let server = SmtpServer::tls(&cert, &key, implicit);
        let run_dir = tempfile::tempdir().unwrap();
        let email = format!(
            "[email]\ntransport = \"smtp\"\nhost = \"localhost\"\nport = {}\nsecurity = \"{security}\"\nca_file = \"{}\"",
            server.port,
            ca.display()
        );
        let cfg = config_with(run_dir.path(), &email);
        let out = tierwise(&["run", "--config", cfg.to_str().unwrap()]);
        assert!(out.status.success(), "{security}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(server.received().len(), 1, "{security}");
    }
    // without the CA, the server's certificate is not trusted and nothing is sent
    let server = SmtpServer::tls(&cert, &key, false);
    let run_dir = tempfile::tempdir().unwrap();
    let email = format!("[email]\ntransport = \"smtp\"\nhost = \"localhost\"\nport = {}\nsecurity = \"starttls\"", server.port);
    let cfg = config_with(run_dir.path(), &email);
    let out = tierwise(&["run", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(server.received().is_empty());
}
