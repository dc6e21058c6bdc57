//! Creator statements and user templates.

use crate::support::*;

/// The gotchas case in a temp dir with `extra` added to its report, and roster emails.
fn case(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("cases/gotchas")).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let roster = String::from_utf8(std::fs::read(dir.path().join("roster.csv")).unwrap()).unwrap();
    let mut lines: Vec<String> = roster.lines().map(str::to_string).collect();
    lines[0].push_str(",email");
    lines[1].push_str(",anna@example.com");
    lines[2].push_str(",bo@example.com");
    lines[3].push(',');
    lines[4].push(',');
    std::fs::write(dir.path().join("roster.csv"), lines.join("\n") + "\n").unwrap();
    let cfg = std::fs::read_to_string(dir.path().join("tierwise.toml"))
        .unwrap()
        .replace("[report.inputs]", &format!("{extra}\n[report.inputs]"));
    std::fs::write(dir.path().join("tierwise.toml"), cfg).unwrap();
    dir
}

#[test]
fn each_influencer_with_an_address_gets_one_statement() {
    let dir = case("locale = \"da\"\n[report.statements]\nsend = true\n");
    let cfg = dir.path().join("tierwise.toml");
    for _ in 0..2 {
        let out = tierwise(&["run", "--config", cfg.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let outbox = dir.path().join("out/outbox");
    let mut mails: Vec<mail_parser::Message<'static>> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| mail_parser::MessageParser::default().parse(&std::fs::read(e.unwrap().path()).unwrap()).unwrap().into_owned())
        .collect();
    assert_eq!(mails.len(), 3, "the report and two statements, once each");
    mails.retain(|m| m.subject().is_some_and(|s| s.starts_with("Dine resultater")));
    let anna =
        mails.iter().find(|m| m.to().and_then(|t| t.first()).and_then(|a| a.address()) == Some("anna@example.com")).unwrap();
    let text = anna.body_text(0).unwrap();
    assert!(text.contains("Hej Anna Østergaard"), "{text}");
    assert!(text.contains("157,00 kr."), "10 % commission of 1.570,00 kr.: {text}");
    assert!(text.contains("ANNA10 (3)"), "{text}");
    assert!(!text.contains("Bo Berg"), "a statement shows only its own figures");
    assert!(!anna.body_html(0).unwrap().contains("<script"));
}

#[test]
fn a_users_template_replaces_the_built_in_and_a_broken_one_is_named() {
    let dir = case("templates = \"my-templates\"\n");
    let templates = dir.path().join("my-templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("report.md.tera"), "# {{ title }}\nOrders: {{ total.orders }}\n").unwrap();
    let out = run_report(&dir.path().join("tierwise.toml"), &[]);
    assert_eq!(
        std::fs::read_to_string(out.path().join("report.md")).unwrap(),
        "# Influencer report week 43, 2026 — gotchas\nOrders: 8\n"
    );

    std::fs::write(templates.join("report.md.tera"), "# {{ title }}\n\n{% for x in %}\n").unwrap();
    let cfg = dir.path().join("tierwise.toml");
    let failed =
        tierwise(&["run", "--config", cfg.to_str().unwrap(), "--no-email", "--out", dir.path().join("never").to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("my-templates/report.md.tera"), "{stderr}");
    assert!(stderr.contains(":3:") || stderr.contains("line 3") || stderr.contains("3 |"), "the line is named: {stderr}");
    assert!(!dir.path().join("never").exists(), "nothing is written when a template is broken");
}
