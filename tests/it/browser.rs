//! report.html in headless Chromium at phone-mail width (640 px) and desktop width (1280 px):
//! screenshots are saved under target/ for people to look at, and any horizontal overflow fails.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's Chromium, installed on first use where this machine lets us (as CI does).
fn chromium() -> PathBuf {
    let found = || ["chromium", "chromium-browser"].iter().find_map(|b| which(b));
    if let Some(path) = found() {
        return path;
    }
    let _ = Command::new("apt-get").arg("update").arg("-qq").status();
    let _ = Command::new("apt-get").args(["install", "-y", "-qq", "chromium"]).env("DEBIAN_FRONTEND", "noninteractive").status();
    found().expect("headless Chromium is needed: apt-get install chromium")
}

fn which(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(bin)).find(|p| p.is_file()))
}

fn run_chromium(browser: &Path, width: u32, args: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},7000"))
        .args(args)
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Checks a page at 640 and 1280 px: a screenshot under target/, no horizontal overflow, and
/// all `images` loaded.
fn check_page(browser: &Path, dir: &Path, page: &str, shot_name: &str, images: u32) {
    let html = std::fs::read_to_string(dir.join(page)).unwrap();
    // An instrumented copy: the page itself carries no script.
    let probe = html.replace(
        "</body>",
        "<script>window.addEventListener('load', () => { document.title = 'scroll=' + document.documentElement.scrollWidth + ' inner=' + window.innerWidth + ' images=' + Array.from(document.images).filter(i => i.naturalWidth > 0).length; });</script></body>",
    );
    std::fs::write(dir.join("probe.html"), probe).unwrap();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for width in [640u32, 1280] {
        let shot = shots.join(format!("{shot_name}-{width}.png"));
        run_chromium(
            browser,
            width,
            &[format!("--screenshot={}", shot.display()), format!("file://{}", dir.join(page).display())],
        );
        assert!(std::fs::metadata(&shot).map(|m| m.len() > 10_000).unwrap_or(false), "screenshot {} written", shot.display());
        let dom = run_chromium(browser, width, &["--dump-dom".into(), format!("file://{}", dir.join("probe.html").display())]);
        let title = dom.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or("").to_string();
        let number = |key: &str| -> u32 {
            title
                .split(' ')
                .find_map(|kv| kv.strip_prefix(key))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {key} in {title:?}"))
        };
        assert!(number("scroll=") <= number("inner="), "horizontal overflow of {page} at {width} px: {title}");
        assert_eq!(number("images="), images, "every chart shows in {page} at {width} px");
    }
}

#[test]
fn report_fits_640_and_1280_pixels_without_horizontal_overflow() {
    let browser = chromium();
    let out = run_report(&root().join("config/tierwise.toml"), &["--period", "2026-W44"]);
    check_page(&browser, out.path(), "report.html", "report", 3);
}

/// The demo email opened as a person would: its HTML part, with the inline images it refers to
/// by Content-ID resolved, in Danish.
#[test]
fn the_demo_email_shows_charts_tables_and_advice_in_danish() {
    use mail_parser::MimeHeaders;
    let browser = chromium();
    let dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read(run_demo_into(dir.path())).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let mut html = msg.body_html(0).unwrap().into_owned();
    let page = dir.path().join("email");
    std::fs::create_dir_all(&page).unwrap();
    for part in msg.attachments() {
        if let Some(cid) = part.content_id() {
            let file = format!("{}.png", cid.replace('@', "_"));
            std::fs::write(page.join(&file), part.contents()).unwrap();
            html = html.replace(&format!("cid:{cid}"), &file);
        }
    }
    for needle in ["Niveauer", "Benchmarks og anbefalinger", "kr.", "Omsætning"] {
        assert!(html.contains(needle), "{needle} in the email");
    }
    std::fs::write(page.join("email.html"), html).unwrap();
    check_page(&browser, &page, "email.html", "demo-email", 3);
}
