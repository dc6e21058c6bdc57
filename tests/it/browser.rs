//! report.html in headless Chromium at phone-mail width (640 px) and desktop width (1280 px):
//! screenshots are saved under target/ for people to look at, and any horizontal overflow fails.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's Chromium: found on the PATH, or installed once — the first test to need it
/// installs it while every other test (in this process: the `OnceLock`; in other test
/// processes on the machine: an exclusive lock file in the shared temp folder) waits, then
/// finds it. Where it cannot be installed (no apt-get, not root, no network) the browser tests
/// say why and skip, unless `TIERWISE_REQUIRE_BROWSER` is set (as `.ci/run` does).
fn chromium() -> Option<PathBuf> {
    static BROWSER: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    match BROWSER.get_or_init(find_or_install) {
        Ok(path) => Some(path.clone()),
        Err(why) if std::env::var_os("TIERWISE_REQUIRE_BROWSER").is_some() => panic!("headless Chromium is required: {why}"),
        Err(why) => {
            eprintln!("skipping a browser test: headless Chromium is not installed and cannot be installed here: {why}");
            None
        }
    }
}

fn found_chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|b| which(b))
}

fn find_or_install() -> Result<PathBuf, String> {
    if let Some(path) = found_chromium() {
        return Ok(path);
    }
    let lock_path = std::env::temp_dir().join("tierwise-chromium-install.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open `{}`: {e}", lock_path.display()))?;
    lock.lock().map_err(|e| format!("cannot lock `{}`: {e}", lock_path.display()))?;
    // Whoever held the lock before us may have installed it.
    if let Some(path) = found_chromium() {
        return Ok(path);
    }
    if which("apt-get").is_none() {
        return Err("there is no apt-get: install Chromium with your package manager".into());
    }
    let quiet = |cmd: &mut Command| cmd.env("DEBIAN_FRONTEND", "noninteractive").output().map_err(|e| e.to_string());
    let update = quiet(Command::new("apt-get").args(["update", "-qq"]))?;
    let install = quiet(Command::new("apt-get").args(["install", "-y", "-qq", "chromium"]))?;
    drop(lock);
    found_chromium().ok_or_else(|| {
        format!(
            "`apt-get install chromium` did not install it (it needs root and the network): {}{}",
            String::from_utf8_lossy(&update.stderr).trim(),
            String::from_utf8_lossy(&install.stderr).trim()
        )
    })
}

fn which(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(bin)).find(|p| p.is_file()))
}

fn run_chromium(browser: &Path, width: u32, args: &[String]) -> String {
    run_chromium_sized(browser, (width, 7000), args)
}

fn run_chromium_sized(browser: &Path, (width, height): (u32, u32), args: &[String]) -> String {
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
        .arg(format!("--window-size={width},{height}"))
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
    let Some(browser) = chromium() else { return };
    let out = run_report(&root().join("config/tierwise.toml"), &["--period", "2026-W44"]);
    check_page(&browser, out.path(), "report.html", "report", 3);
}

/// The demo email opened as a person would: its HTML part, with the inline images it refers to
/// by Content-ID resolved, in Danish.
#[test]
fn the_demo_email_shows_charts_tables_and_advice_in_danish() {
    use mail_parser::MimeHeaders;
    let Some(browser) = chromium() else { return };
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
    for needle in ["Niveauer", "Handlinger i perioden", "På spil", "kr.", "Omsætning"] {
        assert!(html.contains(needle), "{needle} in the email");
    }
    std::fs::write(page.join("email.html"), html).unwrap();
    check_page(&browser, &page, "email.html", "demo-email", 3);
}

/// Where the first of the period's actions ends in `page` at 640 px, in CSS pixels from the top.
fn first_action_bottom(browser: &Path, dir: &Path, page: &str) -> f64 {
    let html = std::fs::read_to_string(dir.join(page)).unwrap();
    let probe = html.replace(
        "</body>",
        "<script>window.addEventListener('load', () => { const li = document.querySelector('ol li'); document.title = 'bottom=' + (li ? li.getBoundingClientRect().bottom : -1); });</script></body>",
    );
    std::fs::write(dir.join("fold.html"), probe).unwrap();
    let dom = run_chromium(browser, 640, &["--dump-dom".into(), format!("file://{}", dir.join("fold.html").display())]);
    let title = dom.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or("");
    title.strip_prefix("bottom=").and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no position in {title:?}"))
}

/// The demo email at 640 × 800 (a phone's first screen): the actions are above the fold.
#[test]
fn the_demo_emails_actions_are_above_the_fold() {
    use mail_parser::MimeHeaders;
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read(run_demo_into(dir.path())).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let mut html = msg.body_html(0).unwrap().into_owned();
    for part in msg.attachments() {
        if let Some(cid) = part.content_id() {
            let file = format!("{}.png", cid.replace('@', "_"));
            std::fs::write(dir.path().join(&file), part.contents()).unwrap();
            html = html.replace(&format!("cid:{cid}"), &file);
        }
    }
    std::fs::write(dir.path().join("email.html"), html).unwrap();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("demo-email-fold-640x800.png");
    run_chromium_sized(
        &browser,
        (640, 800),
        &[format!("--screenshot={}", shot.display()), format!("file://{}", dir.path().join("email.html").display())],
    );
    assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000));
    let bottom = first_action_bottom(&browser, dir.path(), "email.html");
    assert!(bottom > 0.0 && bottom <= 800.0, "the first action ends at {bottom} px: below a phone's first screen");
}

/// report.html of 10,000 influencers at 640 and 1280 px: no horizontal overflow, every chart.
#[test]
fn report_of_10000_influencers_fits_640_and_1280_pixels() {
    let Some(browser) = chromium() else { return };
    let run = generated_run(10_000);
    check_page(&browser, &run.out, "report.html", "report-10000", 3);
}

/// Sorting and filtering report.html's influencer table in Chromium, on 10,000 influencers.
#[test]
fn report_of_10000_influencers_sorts_and_filters() {
    let Some(browser) = chromium() else { return };
    let run = generated_run(10_000);
    let rows = read_csv(&run.out.join("influencers.csv"));
    let micro = rows.iter().filter(|r| r["tier"] == "micro").count();
    let someone = rows[1234]["name"].clone();
    let html = std::fs::read_to_string(run.out.join("report.html")).unwrap();
    let script = format!(
        "<script>window.addEventListener('load', () => {{
          const t = document.getElementById('people');
          const shown = () => Array.from(t.tBodies[0].rows).filter(r => !r.hidden);
          const col = i => shown().map(r => r.cells[i].textContent);
          const click = i => t.querySelector('th[data-col=\"' + i + '\"] button').click();
          const out = {{ controls: !document.getElementById('people-controls').hidden, total: shown().length }};
          click(7); out.revenue_desc = col(7);
          click(7); out.revenue_asc = col(7);
          click(0); out.names_asc = col(0);
          click(0); out.names_desc = col(0);
          const tier = document.getElementById('people-tier');
          tier.value = 'micro'; tier.dispatchEvent(new Event('change'));
          out.micro = shown().length; out.micro_tiers = Array.from(new Set(col(1)));
          out.count = document.getElementById('people-count').textContent;
          tier.value = ''; tier.dispatchEvent(new Event('change'));
          const name = document.getElementById('people-name');
          name.value = {someone:?}.toUpperCase(); name.dispatchEvent(new Event('input'));
          out.by_name = col(0);
          document.getElementById('result').textContent = JSON.stringify(out);
        }});</script><pre id=\"result\"></pre></body>"
    );
    std::fs::write(run.out.join("sortprobe.html"), html.replace("</body>", &script)).unwrap();
    let dom =
        run_chromium(&browser, 1280, &["--dump-dom".into(), format!("file://{}", run.out.join("sortprobe.html").display())]);
    let json = dom.split("<pre id=\"result\">").nth(1).and_then(|t| t.split("</pre>").next()).unwrap_or("");
    let json = json.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", "\u{a0}").replace("&amp;", "&");
    let out: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json:.300}"));
    assert_eq!(out["controls"], true, "the script shows the controls");
    assert_eq!(out["total"], 10_000);
    let amounts = |key: &str| -> Vec<f64> {
        out[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().chars().filter(|c| c.is_ascii_digit() || *c == '.').collect::<String>().parse().unwrap())
            .collect()
    };
    let desc = amounts("revenue_desc");
    assert_eq!(desc.len(), 10_000);
    assert!(desc.windows(2).all(|w| w[0] >= w[1]), "revenue sorted high to low");
    let mut asc = amounts("revenue_asc");
    assert!(asc.windows(2).all(|w| w[0] <= w[1]), "a second click sorts low to high");
    asc.reverse();
    assert_eq!(asc, desc);
    let names =
        |key: &str| -> Vec<String> { out[key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect() };
    let (up, down) = (names("names_asc"), names("names_desc"));
    assert_eq!(up.first(), down.last(), "names sort both ways");
    assert_eq!(out["micro"], micro, "the tier filter shows the tier's influencers");
    assert_eq!(out["micro_tiers"], serde_json::json!(["micro"]));
    let grouped = if micro >= 1000 { format!("{},{:03}", micro / 1000, micro % 1000) } else { micro.to_string() };
    assert_eq!(out["count"], format!("Showing {grouped} of 10,000"));
    assert!(names("by_name").contains(&someone), "the name filter finds {someone} (any case)");
}
