//! Escaping: names from the inputs cannot inject HTML or Markdown syntax.

use crate::support::*;

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
    assert_eq!(html.matches("<script").count(), 1, "input must be escaped: the one script is report.html's own");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;") || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    for banned in ["<svg", "<link", "<iframe", "src=\"http", "url("] {
        assert!(!html.contains(banned), "{banned} in report.html");
    }
    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.contains(r"\<script\>alert(1)\</script\> \| \*Bo\*"), "markdown must escape table syntax");
}
