//! The email is a digest at any roster size (spec §4): its HTML part, CSS inlined, stays under
//! Gmail's clip limit with the actions before the tables; the whole message stays under 10 MB
//! with the complete report.html and the CSVs attached (zipped when large); report.html names
//! every influencer and stays under 3 MB.

use crate::support::*;
use mail_parser::{MessageParser, MimeHeaders};

const GMAIL_CLIP: usize = 100_000;

/// Text as tera writes it into HTML.
fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2F;")
}

/// Checks the email and report.html of a generated shop with `n` influencers; returns the
/// email's HTML part.
fn check(n: usize) -> String {
    let run = generated_run(n);
    let raw = std::fs::read(&run.eml).unwrap();
    assert!(raw.len() <= 10_000_000, "the .eml is {} bytes at {n} influencers", raw.len());
    let msg = MessageParser::default().parse(&raw).unwrap();
    let html = msg.body_html(0).unwrap().into_owned();
    assert!(html.len() <= GMAIL_CLIP, "the email's HTML part is {} bytes at {n} influencers", html.len());
    let actions = html.find("Actions this period").expect("the actions heading");
    let tiers = html.find(">Tiers<").expect("the tiers heading");
    assert!(actions < tiers, "the actions come before the tier table");
    assert!(html.contains("At stake: DKK "), "each action with the money at stake");
    assert!(html.contains("report.html (attached)"), "the digest says where the rest is");
    let report = std::fs::read_to_string(run.out.join("report.html")).unwrap();
    assert!(report.len() <= 3_000_000, "report.html is {} bytes at {n} influencers", report.len());
    let rows = read_csv(&run.out.join("influencers.csv"));
    assert_eq!(rows.len(), n);
    for r in &rows {
        assert!(report.contains(&format!("<tr><td>{}<td>", html_escaped(&r["name"]))), "{} in report.html", r["name"]);
    }
    let md = std::fs::read_to_string(run.out.join("report.md")).unwrap();
    assert!(md.lines().filter(|l| l.starts_with("| ") && l.ends_with(" |")).count() >= n, "report.md is complete");
    let names: Vec<String> = msg.attachments().filter_map(|a| a.attachment_name().map(str::to_string)).collect();
    if names == ["report.zip"] {
        let zip = msg.attachments().find(|a| a.attachment_name() == Some("report.zip")).unwrap();
        let path = run.out.join("attached.zip");
        std::fs::write(&path, zip.contents()).unwrap();
        let listing = std::process::Command::new("python3")
            .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(' '.join(i.filename + '=' + str(i.file_size) for i in z.infolist()))"])
            .arg(&path)
            .output()
            .expect("python3 runs");
        let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
        let csv_len = std::fs::metadata(run.out.join("influencers.csv")).unwrap().len();
        assert!(listing.contains("report.html=") && listing.contains(&format!("influencers.csv={csv_len}")), "{listing}");
    } else {
        assert_eq!(names, ["report.html", "influencers.csv", "tiers.csv"]);
    }
    html
}

#[test]
fn the_digest_of_40_influencers_fits_gmail() {
    let html = check(40);
    assert!(html.contains("20 more of the 40 influencers are in report.html"), "says how many more and where");
}

#[test]
fn the_digest_of_400_influencers_fits_gmail() {
    let html = check(400);
    assert!(html.contains("Best 10 influencers by ROI") && html.contains("Weakest 10 influencers by ROI"));
    assert!(html.contains("380 more of the 400 influencers are in report.html"), "says how many more and where");
}

#[test]
fn the_digest_of_10000_influencers_fits_gmail_and_the_message_10_mb() {
    let html = check(10_000);
    assert!(html.contains("9,980 more of the 10,000 influencers are in report.html"));
    let run = generated_run(10_000);
    let raw = std::fs::read(&run.eml).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    let names: Vec<&str> = msg.attachments().filter_map(|a| a.attachment_name()).collect();
    assert_eq!(names, ["report.zip"], "large attachments go into one zip");
}

/// Without JavaScript report.html shows every influencer sorted by ROI and hides the controls.
#[test]
fn report_html_without_script_is_sorted_by_roi() {
    let run = generated_run(400);
    let report = std::fs::read_to_string(run.out.join("report.html")).unwrap();
    assert!(report.contains("<p class=\"controls\" id=\"people-controls\" hidden>"));
    let rows = read_csv(&run.out.join("influencers.csv"));
    let mut expected: Vec<(f64, &str)> =
        rows.iter().filter_map(|r| r["roi_pct"].parse::<f64>().ok().map(|v| (v, r["name"].as_str()))).collect();
    expected.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    let best = html_escaped(expected[0].1);
    let worst = html_escaped(expected.last().unwrap().1);
    let body = &report[report.find("<tbody>").unwrap()..];
    assert!(body.find(&format!("<tr><td>{best}<td>")).unwrap() < body.find(&format!("<tr><td>{worst}<td>")).unwrap());
}

/// `digest_rows` sets how many of the best and weakest the email lists.
#[test]
fn digest_rows_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = std::fs::read_to_string(root().join("config/tierwise.toml")).unwrap();
    let cfg = cfg
        .replace("../fixtures/", &format!("{}/", fixture("").display()))
        .replace("../out/", &format!("{}/", dir.path().display()))
        .replace("locale = \"da\"", "locale = \"en\"\ndigest_rows = 5");
    std::fs::write(dir.path().join("tierwise.toml"), cfg).unwrap();
    let out = tierwise(&["run", "--config", dir.path().join("tierwise.toml").to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "--quiet prints nothing");
    let eml = std::fs::read_dir(dir.path().join("outbox")).unwrap().next().unwrap().unwrap().path();
    let raw = std::fs::read(eml).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    let html = msg.body_html(0).unwrap();
    assert!(html.contains("Best 5 influencers by ROI") && html.contains("Weakest 5 influencers by ROI"));
    assert!(html.contains("30 more of the 40 influencers"));
}
