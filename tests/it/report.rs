//! Rendered report bodies, as snapshots, and the HTML's email-safety basics.

use crate::support::*;

/// Masks what depends on the checkout: the export files' modification times.
fn stable(text: &str) -> String {
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

fn rendered() -> (String, String) {
    let out = run_report(&fixture("cases/gotchas/tierwise.toml"), &[]);
    let read = |n: &str| std::fs::read_to_string(out.path().join(n)).unwrap();
    (stable(&read("report.md")), stable(&read("report.html")))
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!(rendered().0);
}

#[test]
fn html_report() {
    insta::assert_snapshot!(rendered().1);
}

#[test]
fn html_is_email_safe_and_escapes_input() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("cases/gotchas")).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let roster = std::fs::read_to_string(dir.path().join("roster.csv")).unwrap();
    std::fs::write(dir.path().join("roster.csv"), roster.replace("Bo Berg", "<script>alert(1)</script> | *Bo*")).unwrap();
    let out = run_report(&dir.path().join("tierwise.toml"), &[]);
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(!html.contains("<script"), "input must be escaped");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;") || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    for banned in ["<svg", "<link", "<iframe", "src=\"http", "url("] {
        assert!(!html.contains(banned), "{banned} in email HTML");
    }
    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.contains(r"\<script\>alert(1)\</script\> \| \*Bo\*"), "markdown must escape table syntax");
}
