//! Malformed CSV structure and encodings (issue 10, points 1 and 2): ragged, short, cut-off
//! and unterminated rows, duplicate headers, damaged UTF-8, UTF-16, Excel's `sep=` line and
//! invisible characters — each an error naming file and line, a counted reject under
//! `on_bad_row = "skip"`, or read as the user meant.

use crate::support::*;
use std::path::Path;

/// A copy of the gotchas case with `file` replaced by `bytes` and `report_extra` added to the
/// report's section.
fn case(file: &str, bytes: impl Fn(Vec<u8>) -> Vec<u8>, report_extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("cases/gotchas")).unwrap() {
        let p = entry.unwrap().path();
        if !p.is_file() {
            continue;
        }
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let target = dir.path().join(file);
    std::fs::write(&target, bytes(std::fs::read(&target).unwrap())).unwrap();
    let cfg = dir.path().join("tierwise.toml");
    let text = std::fs::read_to_string(&cfg).unwrap().replace("[report.inputs]", &format!("[report.inputs]\n{report_extra}"));
    std::fs::write(&cfg, text).unwrap();
    dir
}

fn text_edit(edit: impl Fn(&str) -> String) -> impl Fn(Vec<u8>) -> Vec<u8> {
    move |raw| edit(&String::from_utf8(raw).unwrap()).into_bytes()
}

fn run_in(dir: &Path) -> (Option<i32>, String) {
    let out = tierwise(&[
        "run",
        "--config",
        dir.join("tierwise.toml").to_str().unwrap(),
        "--out",
        dir.join("result").to_str().unwrap(),
    ]);
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn line_of(dir: &Path, file: &str, starts: &str) -> usize {
    let text = String::from_utf8_lossy(&std::fs::read(dir.join(file)).unwrap()).into_owned();
    text.lines().position(|l| l.starts_with(starts)).unwrap() + 1
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("result/summary.json")).unwrap()).unwrap()
}

#[test]
fn an_order_row_with_an_extra_field_is_named_by_line() {
    let dir = case("orders_export_1.csv", text_edit(|t| t.replacen("\n#1003,", "\n#1003,extra,", 1)), "");
    let (code, stderr) = run_in(dir.path());
    let line = line_of(dir.path(), "orders_export_1.csv", "#1003,");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(&format!("orders_export_1.csv` line {line}: the row has 80 fields, the header 79")), "{stderr}");
    assert!(!dir.path().join("result").exists());
}

#[test]
fn a_cut_off_export_is_an_error_not_fewer_orders() {
    let dir = case(
        "orders_export_1.csv",
        |raw| {
            let cut = raw.len() - 200;
            raw[..cut].to_vec()
        },
        "",
    );
    let (code, stderr) = run_in(dir.path());
    assert_eq!(code, Some(1), "{stderr}");
    let lines = String::from_utf8_lossy(&std::fs::read(dir.path().join("orders_export_1.csv")).unwrap()).lines().count();
    assert!(stderr.contains(&format!("orders_export_1.csv` line {lines}: the row has")), "{stderr}");
}

#[test]
fn a_short_cost_row_and_one_in_another_delimiter_are_counted_rejects_when_skipping() {
    let dir = case(
        "costs.csv",
        |raw| {
            let text = encoding_rs::WINDOWS_1252
                .decode(&raw)
                .0
                .replace("bo;2026-10-19;15.000;fee;Video", "bo,2026-10-19,15.000,fee,Video");
            encoding_rs::WINDOWS_1252.encode(&text).0.into_owned()
        },
        "on_bad_row = \"skip\"",
    );
    let (code, stderr) = run_in(dir.path());
    assert_eq!(code, Some(0), "{stderr}");
    let s = summary(dir.path());
    assert_eq!(s["data_quality"]["rows_rejected"], 1);
    let md = std::fs::read_to_string(dir.path().join("result/report.md")).unwrap();
    assert!(md.contains("line 4: the row has 1 fields, the header 5"), "{md}");
    let costs = s["inputs"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with("costs.csv")).unwrap();
    assert_eq!(costs["rows"], 6, "a rejected row is still a row of the file");
    let inf = read_csv(&dir.path().join("result/influencers.csv"));
    assert_num(row(&inf, "influencer_id", "bo"), "cost", Some(0.0));
}

#[test]
fn an_unterminated_quote_does_not_swallow_the_rest_of_the_file() {
    let dir = case("posts.csv", text_edit(|t| t.replacen("\ntiktok,", "\n\"tiktok,", 1)), "");
    let (code, stderr) = run_in(dir.path());
    let line = line_of(dir.path(), "posts.csv", "\"tiktok,");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(&format!("posts.csv` line {line}: a quote opened here is never closed")), "{stderr}");
}

#[test]
fn a_header_naming_a_column_twice_is_an_error() {
    let dir = case("followers.csv", text_edit(|t| t.replacen("followers", "date", 1)), "");
    let (code, stderr) = run_in(dir.path());
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("followers.csv` line 1: the header names the column `date` twice"), "{stderr}");
}

#[test]
fn a_utf8_file_with_a_bad_byte_is_named_not_read_as_windows_1252() {
    let dir = case(
        "roster.csv",
        |raw| {
            let text = String::from_utf8(raw).unwrap();
            let mut out = text.replacen("Bo Berg", "Bo B\u{0}rg", 1).into_bytes();
            let at = out.iter().position(|b| *b == 0).unwrap();
            out[at] = 0xe6; // a lone Windows-1252 `æ`
            out
        },
        "",
    );
    let (code, stderr) = run_in(dir.path());
    let line = line_of(dir.path(), "roster.csv", "bo,");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("roster.csv` line {line}: the file is UTF-8 but has a byte that is not (0xE6)")),
        "{stderr}"
    );
}

/// The figures of the unchanged case, to compare a re-encoded one with.
fn reference() -> Vec<std::collections::HashMap<String, String>> {
    let dir = case("posts.csv", |raw| raw, "");
    assert_eq!(run_in(dir.path()).0, Some(0));
    read_csv(&dir.path().join("result/influencers.csv"))
}

#[test]
fn utf16_excel_unicode_text_and_a_sep_line_read_like_the_original() {
    let expected = reference();
    let utf16 = case(
        "posts.csv",
        |raw| {
            let text = String::from_utf8(raw).unwrap().replace(',', "\t");
            let mut out = vec![0xff, 0xfe];
            out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            out
        },
        "",
    );
    let sep = case("followers.csv", text_edit(|t| format!("sep=;\r\n{}", t.replace(',', ";"))), "");
    for dir in [utf16, sep] {
        let (code, stderr) = run_in(dir.path());
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(read_csv(&dir.path().join("result/influencers.csv")), expected);
    }
}

#[test]
fn invisible_characters_in_codes_handles_and_ids_are_ignored() {
    let expected = reference();
    let dir = case(
        "roster.csv",
        text_edit(|t| {
            t.replace("ANNA10", "\u{feff}ANNA10\u{200b}").replace("anna_tt", "anna\u{200d}_tt").replace("\nbo,", "\nbo\u{2060},")
        }),
        "",
    );
    let (code, stderr) = run_in(dir.path());
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(read_csv(&dir.path().join("result/influencers.csv")), expected);
}

/// posts.csv with 2,000 posts of an account nobody owns appended (so the file is larger than
/// the head the reader looks at first), the last one's handle ending in `last` (raw bytes).
fn with_unowned_posts(raw: Vec<u8>, first: &str, last: &[u8]) -> Vec<u8> {
    let mut out = raw;
    out.extend_from_slice(format!("instagram,{first},u0,2026-10-20T10:00:00+02:00,1,1,1,1,1,1,\n").as_bytes());
    for i in 1..2000 {
        out.extend_from_slice(format!("instagram,nobody,u{i},2026-10-20T10:00:00+02:00,1,1,1,1,1,1,\n").as_bytes());
    }
    out.extend_from_slice(b"instagram,nobody");
    out.extend_from_slice(last);
    out.extend_from_slice(b",u2000,2026-10-20T10:00:00+02:00,1,1,1,1,1,1,\n");
    out
}

#[test]
fn a_large_file_that_is_windows_1252_only_past_its_head_reads_like_the_original() {
    let expected = reference();
    let dir = case("posts.csv", |raw| with_unowned_posts(raw, "nobody", b"\xf8"), "");
    assert!(std::fs::metadata(dir.path().join("posts.csv")).unwrap().len() > 1 << 16, "past the 64 KiB head");
    let (code, stderr) = run_in(dir.path());
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(read_csv(&dir.path().join("result/influencers.csv")), expected);
    let s = summary(dir.path());
    let posts = s["inputs"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with("posts.csv")).unwrap();
    let original = std::fs::read_to_string(fixture("cases/gotchas/posts.csv")).unwrap().lines().count() - 1;
    assert_eq!(posts["rows"], original + 2001);
    let md = std::fs::read_to_string(dir.path().join("result/report.md")).unwrap();
    assert!(md.contains("nobodyø"), "the last handle is read as Windows-1252: {md}");
}

#[test]
fn a_large_utf8_file_with_a_bad_byte_past_its_head_is_named() {
    let dir = case("posts.csv", |raw| with_unowned_posts(raw, "nøbody", b"\xe6"), "");
    let (code, stderr) = run_in(dir.path());
    let line = line_of(dir.path(), "posts.csv", "instagram,nobody\u{fffd},");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(&format!("posts.csv` line {line}: the file is UTF-8 but has a byte that is not (0xE6)")), "{stderr}");
}
