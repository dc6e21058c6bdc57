//! The rendered bodies in every locale (snapshots), and every email-safety rule checked on the
//! email the demo config writes.

use crate::support::*;
use mail_parser::MimeHeaders;
use tierwise::period::Period;
use tierwise::{app, config, report};

/// Masks what depends on the checkout: the export files' modification times.
pub fn stable(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(" written ") {
        let (head, tail) = rest.split_at(i + " written ".len());
        out.push_str(head);
        out.push_str("[time]");
        rest = tail.find(" UTC").map_or("", |j| &tail[j..]);
    }
    out.push_str(rest);
    out
}

fn rendered(locale: &str) -> report::render::Rendered {
    let case = fixture("cases/gotchas");
    let text = std::fs::read_to_string(case.join("tierwise.toml"))
        .unwrap()
        .replace("period = \"2026-W43\"", &format!("period = \"2026-W43\"\nlocale = \"{locale}\""));
    let cfg = config::parse(&text, &case.join("tierwise.toml")).unwrap();
    let period = Period::parse("2026-W43", "2026-01-01".parse().unwrap()).unwrap();
    let data = app::compute(&cfg, &cfg.reports[0], period).unwrap();
    report::render_report(&data).unwrap()
}

#[test]
fn every_locale_renders_markdown_text_and_html() {
    for locale in ["en", "da", "sv", "nl"] {
        let r = rendered(locale);
        insta::assert_snapshot!(format!("{locale}_markdown"), stable(&r.markdown));
        insta::assert_snapshot!(format!("{locale}_text"), stable(&r.text));
        insta::assert_snapshot!(format!("{locale}_html"), stable(&r.email_html));
    }
}

#[test]
fn danish_numbers_and_dates() {
    let r = rendered("da");
    assert!(r.markdown.contains("3.341,40 kr."), "Danish money");
    assert!(r.markdown.contains("19. oktober 2026"), "Danish dates");
    assert!(r.markdown.contains("uge 43, 2026"), "Danish ISO week name");
    assert!(r.text.contains("OVERBLIK"), "Danish labels in the text part");
    let nl = rendered("nl");
    assert!(nl.markdown.contains("€") || nl.markdown.contains("3.341,40"), "Dutch number format");
}

/// Every rule of an email-safe HTML part, on the .eml the demo config writes.
#[test]
fn the_demo_email_is_email_safe() {
    let dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read(run_demo_into(dir.path())).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let html = msg.body_html(0).unwrap().into_owned();
    let lower = html.to_lowercase();
    for banned in ["<script", "<svg", "<link", "<iframe", "<object", "<form", "javascript:", "url(", "@import"] {
        assert!(!lower.contains(banned), "{banned} in the email HTML");
    }
    for attr in ["src=\"", "href=\""] {
        for (i, _) in lower.match_indices(attr) {
            let value = &lower[i + attr.len()..];
            assert!(
                value.starts_with("cid:") || value.starts_with("mailto:"),
                "external resource: {}",
                &value[..40.min(value.len())]
            );
        }
    }
    // ≤ 640 px: the page table is 640 wide and nothing declares more
    assert!(lower.contains("max-width: 640px") && lower.contains("width=\"640\""));
    for (i, _) in lower.match_indices("width=\"") {
        let n: String = lower[i + 7..].chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(px) = n.parse::<u32>() {
            assert!(px <= 640, "width {px} in the email");
        }
    }
    // CSS is inlined: the only <style> left holds @media rules (dark mode, narrow screens)
    let style = &lower[lower.find("<style>").unwrap()..lower.find("</style>").unwrap()];
    assert!(style.contains("@media (prefers-color-scheme: dark)") && !style.contains(".grid td {"), "{style}");
    assert!(lower.contains("style=\"") && lower.contains("color-scheme"));
    // images are inline parts by Content-ID, with alt text
    for (i, _) in lower.match_indices("<img") {
        let tag = &lower[i..i + lower[i..].find('>').unwrap()];
        assert!(tag.contains("src=\"cid:") && tag.contains("alt=\"") && !tag.contains("alt=\"\""), "{tag}");
    }
    let inline = msg.attachments().filter(|a| a.content_id().is_some()).count();
    assert_eq!(inline, 3);
    // the plain-text part carries the same headline figures
    let text = msg.body_text(0).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("nordlys-weekly/2026-W44/summary.json")).unwrap()).unwrap();
    let orders = summary["totals"]["orders"].as_i64().unwrap().to_string();
    for needle in ["Omsætning", "kr.", orders.as_str()] {
        assert!(text.contains(needle) && html.contains(needle), "{needle} in both parts");
    }
}
