//! The parse cache (`source::cache`): a second run on unchanged inputs reads what the first
//! kept of every order, post and follower file and gives the same report; an entry that is
//! damaged, or that the roster no longer matches, is rebuilt from the file, never trusted.

use crate::support::*;
use std::path::Path;

/// A copy of the gotchas case (its own roster and state folder) in a temp dir.
fn case() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("cases/gotchas")).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// influencers.csv, tiers.csv and summary.json (without its time) of a run, and its stderr.
fn run(dir: &Path) -> ((String, String, serde_json::Value), String) {
    let out = dir.join("result");
    let _ = std::fs::remove_dir_all(&out);
    let config = dir.join("tierwise.toml");
    let output = tierwise(&["run", "--config", config.to_str().unwrap(), "--out", out.to_str().unwrap(), "--no-email"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    let mut summary: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
    summary.as_object_mut().unwrap().remove("generated_at");
    ((read("influencers.csv"), read("tiers.csv"), summary), stderr)
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let cache = dir.join("state/parse-cache");
    let mut found: Vec<_> = std::fs::read_dir(cache).unwrap().map(|e| e.unwrap().path()).collect();
    found.retain(|p| p.extension().is_some_and(|e| e == "parquet"));
    found.sort();
    found
}

#[test]
fn a_second_run_reads_the_cache_and_gives_the_same_report() {
    let dir = case();
    let (first, _) = run(dir.path());
    // two order exports (each its orders and its split codes), the posts and the followers
    let kept = entries(dir.path());
    assert_eq!(kept.len(), 6, "{kept:?}");
    let stamps: Vec<_> = kept.iter().map(|p| std::fs::metadata(p).unwrap().modified().unwrap()).collect();
    let (second, _) = run(dir.path());
    assert_eq!(second, first);
    let again: Vec<_> = kept.iter().map(|p| std::fs::metadata(p).unwrap().modified().unwrap()).collect();
    assert_eq!(again, stamps, "the second run read the entries, it did not write them again");
    assert!(first.2["inputs"].as_array().unwrap().iter().all(|i| i["sha256"].as_str().unwrap().len() == 64));

    // Every entry damaged: each is detected and rebuilt from its file.
    for p in &kept {
        let bytes = std::fs::read(p).unwrap();
        std::fs::write(p, &bytes[..bytes.len() / 2]).unwrap();
    }
    let (rebuilt, stderr) = run(dir.path());
    assert_eq!(rebuilt, first);
    assert_eq!(stderr.matches("parse cache entry is damaged").count(), 6, "{stderr}");
}

#[test]
fn a_roster_change_is_not_answered_from_a_stale_entry() {
    let dir = case();
    let (before, _) = run(dir.path());
    let unowned = |s: &serde_json::Value| s["data_quality"]["unowned_accounts"].as_u64().unwrap();
    // carl's Instagram account leaves the roster: his posts and followers are no longer his.
    let roster = dir.path().join("roster.csv");
    let text = std::fs::read_to_string(&roster).unwrap().replace("carl,Carl,carl_insta,", "carl,Carl,,");
    std::fs::write(&roster, text).unwrap();
    let (after, _) = run(dir.path());
    let fresh_dir = case();
    std::fs::copy(&roster, fresh_dir.path().join("roster.csv")).unwrap();
    let (uncached, _) = run(fresh_dir.path());
    assert_eq!(after, uncached, "the warm run equals a cold run on the new roster");
    assert_eq!(unowned(&after.2), unowned(&before.2) + 1, "carl_insta is now an account no one owns");
}

/// An order export's orders are used from the cache only with its split codes: with the codes
/// entry gone, the file is read again (both entries are written anew) and the report is the
/// same.
#[test]
fn orders_without_their_split_codes_entry_are_read_again() {
    let dir = case();
    let (first, _) = run(dir.path());
    let cache = dir.path().join("state/parse-cache");
    let codes: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| std::fs::read_to_string(p).unwrap().contains("| split codes"))
        .collect();
    assert_eq!(codes.len(), 2, "one codes entry per order export");
    std::fs::remove_file(codes[0].with_extension("parquet")).unwrap();
    let stamps = |dir: &Path| -> std::collections::BTreeMap<_, _> {
        entries(dir).into_iter().map(|p| (p.clone(), std::fs::metadata(&p).unwrap().modified().unwrap())).collect()
    };
    let before = stamps(dir.path());
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (second, _) = run(dir.path());
    assert_eq!(second, first);
    let after = stamps(dir.path());
    let written: Vec<_> = after.iter().filter(|(p, t)| before.get(*p) != Some(*t)).map(|(p, _)| p).collect();
    assert!(written.contains(&&codes[0].with_extension("parquet")), "the codes entry is written again");
    assert_eq!(written.len(), 2, "and that export's orders entry, no other: {written:?}");
}
