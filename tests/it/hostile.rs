//! Hostile text (fixtures/cases/hostile): formula cells get a leading `'` in every CSV while
//! numbers stay numbers; report.md escapes every data string (rejected rows and unassigned
//! costs included); bidirectional controls reach no output.

use crate::support::*;

/// Whether every `](` in `md` is escaped (`\](`), so no data string became a link (the
/// template's own chart images aside).
fn links_escaped(md: &str) -> bool {
    md.lines().filter(|l| !l.starts_with("![")).all(|l| l.match_indices("](").all(|(i, _)| l[..i].ends_with('\\')))
}

#[test]
fn hostile_text_is_quoted_escaped_and_stripped_of_bidi_controls() {
    let out = run_report(&fixture("cases/hostile/tierwise.toml"), &[]);
    let inf = read_csv(&out.path().join("influencers.csv"));
    let ann = row(&inf, "influencer_id", "ann");
    assert_eq!(ann["name"], "'=HYPERLINK(\"http://evil.example\",\"open\")");
    let bo = row(&inf, "influencer_id", "'@bo");
    assert_eq!(bo["name"], "'+45 12 34 56 78");
    let cy = row(&inf, "influencer_id", "cy");
    assert_eq!(cy["tier"], "'-vip");
    assert_eq!(cy["roi_pct"], "-100", "numbers are never quoted");
    let tiers = read_csv(&out.path().join("tiers.csv"));
    assert!(tiers.iter().any(|r| r["tier"] == "'-vip"), "{tiers:?}");

    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.contains("evil.example"), "the hostile strings are shown");
    assert!(links_escaped(&md), "a data string became a Markdown link:\n{md}");
    assert!(md.contains("\\`ghost\\`"), "the unassigned cost line is escaped:\n{md}");
    assert!(md.contains("\\`x\\`"), "the rejected row line is escaped:\n{md}");
    assert!(!md.contains("<script>"), "raw HTML in report.md");

    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    // the one script is report.html's own (sorting and filtering its table)
    assert!(html.matches("<script").count() == 1 && html.contains("&lt;script&gt;"));
    for (name, text) in [("report.md", &md), ("report.html", &html)] {
        assert!(!text.contains(['\u{202e}', '\u{202c}']), "{name} holds a bidi control");
        assert!(text.contains("Eve txt.exe"), "{name} shows the name without its controls");
    }
    let csv = std::fs::read_to_string(out.path().join("influencers.csv")).unwrap();
    assert!(!csv.contains(['\u{202e}', '\u{202c}']), "influencers.csv holds a bidi control");
}
