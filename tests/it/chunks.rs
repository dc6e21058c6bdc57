//! The chunked reader (`source::chunks`): files read in chunks of a few dozen bytes — cut
//! between the line items of one order and inside quoted multi-line cells — give exactly the
//! figures, inputs (sha256, rows) and data quality of files read in one chunk, and so does a
//! second run that reads what the first kept in the parse cache.

use crate::support::*;

fn run(chunk_bytes: Option<&str>) -> (String, String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let outbox = format!("transport = \"file\"\noutbox = \"{}/outbox\"", dir.path().display());
    let cfg = gotchas_config(dir.path(), "", "to = [\"m@example.com\"]\nfrom = \"r@example.com\"", &outbox);
    let out = dir.path().join("report");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tierwise"));
    cmd.args(["run", "--config", cfg.to_str().unwrap(), "--out", out.to_str().unwrap(), "--no-email", "--quiet"]);
    cmd.env_remove("RUST_LOG").env_remove("TIERWISE_CHUNK_BYTES");
    if let Some(bytes) = chunk_bytes {
        cmd.env("TIERWISE_CHUNK_BYTES", bytes);
    }
    let mut once = || {
        let output = cmd.output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
        let mut summary: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
        summary.as_object_mut().unwrap().remove("generated_at");
        (read("influencers.csv"), read("tiers.csv"), summary)
    };
    let first = once();
    // The second run reads the parse cache the first one wrote (one row group per chunk).
    assert!(dir.path().join("state/parse-cache").is_dir(), "the first run kept a parse cache");
    assert_eq!(once(), first, "a run from the parse cache gives the same report ({chunk_bytes:?}-byte chunks)");
    first
}

#[test]
fn tiny_chunks_give_the_same_report_as_one_chunk() {
    let whole = run(None);
    assert!(whole.0.lines().count() > 2, "the case has influencer rows");
    let orders: u64 = whole.2["totals"]["orders"].as_u64().unwrap();
    assert!(orders > 0, "the case has attributed orders");
    for bytes in ["1", "64", "300"] {
        let chunked = run(Some(bytes));
        assert_eq!(chunked.0, whole.0, "influencers.csv with {bytes}-byte chunks");
        assert_eq!(chunked.1, whole.1, "tiers.csv with {bytes}-byte chunks");
        assert_eq!(chunked.2, whole.2, "summary.json with {bytes}-byte chunks");
    }
}
