//! The API clients against wiremock servers on loopback serving the documented payloads from
//! fixtures/http/: pagination, throttling with Retry-After, quota exhaustion, expired tokens,
//! malformed JSON, a server slower than the timeout; and the snapshot round trip through the
//! binary (pull on two days, then past periods re-reported from what was known then).

use crate::support::fixture;
use std::path::{Path, PathBuf};
use tierwise::config::ReportConfig;
use tierwise::pull::{self, Pulled};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A fixture payload with `{{BASE}}` set to the server's address.
fn payload(server: &MockServer, name: &str) -> String {
    let text = std::fs::read_to_string(fixture(&format!("http/{name}"))).unwrap();
    text.replace("{{BASE}}", &format!("{}/", server.uri()))
}

fn json(server: &MockServer, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(payload(server, name), "application/json")
}

fn error(server: &MockServer, status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(payload(server, name), "application/json")
}

// Tokens are `${CARGO_PKG_NAME}`: a variable cargo sets for every test process ("tierwise"),
// since the tests may not change their own environment (set_var is unsafe with threads).
const ROSTER_HEADER: &str =
    "influencer_id,name,instagram,tiktok,youtube,coupon_codes,instagram_token,tiktok_token,youtube_token\n";

/// A config whose `[report.pull]` sections are `pull`, with `roster_rows` under the header.
fn config(dir: &Path, roster_rows: &str, pull: &str) -> PathBuf {
    std::fs::write(dir.join("roster.csv"), format!("{ROSTER_HEADER}{roster_rows}")).unwrap();
    let text = format!(
        "state_dir = \"state\"\n[[report]]\nname = \"api\"\nperiod = \"2026-W45\"\nout_dir = \"out\"\n\
         [report.inputs]\nroster = \"roster.csv\"\n[report.pull]\nlookback_days = 400\n{pull}\n"
    );
    let path = dir.join("tierwise.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn load(path: &Path) -> ReportConfig {
    tierwise::config::load(path).unwrap().reports.remove(0)
}

async fn pull_with(path: &Path, since: &str) -> Pulled {
    let report = load(path);
    let mut rejects = tierwise::source::Rejects::new(false);
    let (roster, _, _) = tierwise::source::roster::read(&report.inputs.roster, &mut rejects).unwrap();
    let since = chrono::DateTime::parse_from_rfc3339(since).unwrap().with_timezone(&chrono::Utc);
    pull::pull(&report, &roster, since).await.unwrap()
}

fn fast(extra: &str) -> String {
    format!("rate_limit = \"1000/s\"\nbackoff_ms = 10\nbackoff_cap_secs = 1\n{extra}")
}

#[tokio::test]
async fn instagram_follows_three_pages_and_reads_metrics_per_media_type() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = MockServer::start().await;
    let ig = "17841400000000001";
    Mock::given(method("GET"))
        .and(path(format!("/{ig}")))
        .respond_with(json(&server, "instagram/account.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/{ig}/media")))
        .and(query_param("after", "QVFIUmFfdGVzdDI="))
        .respond_with(json(&server, "instagram/media_page3.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/{ig}/media")))
        .and(query_param("after", "QVFIUmFfdGVzdDE="))
        .respond_with(json(&server, "instagram/media_page2.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/{ig}/media")))
        .and(query_param("limit", "50"))
        .respond_with(json(&server, "instagram/media_page1.json"))
        .with_priority(10)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/18000000000000003/insights"))
        .and(query_param("metric", "views,reach,saved,shares,likes,comments,total_interactions"))
        .respond_with(json(&server, "instagram/insights_reels.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/18000000000000002/insights"))
        .and(query_param("metric", "views,reach,saved,shares,total_interactions"))
        .respond_with(json(&server, "instagram/insights_carousel.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/18000000000000001/insights"))
        .respond_with(error(&server, 400, "instagram/error_before_business.json"))
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let section =
        format!("[report.pull.instagram]\nbase_url = \"{}\"\ntoken = \"${{CARGO_PKG_NAME}}\"\n{}", server.uri(), fast(""));
    let cfg = config(dir.path(), &format!("anna,Anna,@{ig},,,ANNA10,,,\n"), &section);
    let pulled = pull_with(&cfg, "2026-10-01T00:00:00Z").await;

    assert!(pulled.failures.is_empty(), "{:?}", pulled.failures);
    assert_eq!(pulled.followers, vec![(tierwise::source::Platform::Instagram, ig.to_string(), 12_400)]);
    let ids: Vec<&str> = pulled.posts.iter().map(|p| p.post_id.as_str()).collect();
    // The 2025 post is older than `since`; paging stopped there.
    assert_eq!(ids, ["18000000000000001", "18000000000000002", "18000000000000003"]);
    let reel = &pulled.posts[2];
    // likes, comments, shares, saves, reach, impressions (retired), views
    assert_eq!(reel.metrics, [Some(125), Some(9), Some(11), Some(7), Some(2006), None, Some(5400)]);
    assert_eq!(reel.posted_at.to_rfc3339(), "2026-11-04T19:20:02+00:00");
    let album = &pulled.posts[1];
    assert_eq!(album.metrics, [Some(80), Some(4), Some(1), Some(3), Some(900), None, None], "views not reported stays empty");
    let before_business = &pulled.posts[0];
    assert_eq!(before_business.metrics, [Some(50), Some(2), None, None, None, None, None]);
    assert!(pulled.notes.iter().any(|n| n.contains("2108006")), "{:?}", pulled.notes);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 7, "account, three media pages, three insights");
    for r in &requests {
        assert!(!r.url.as_str().contains("access_token"), "a token in a URL: {}", r.url);
        assert_eq!(r.headers.get("authorization").unwrap(), "Bearer tierwise");
    }
}

#[tokio::test]
async fn one_expired_token_fails_only_its_account() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = MockServer::start().await;
    Mock::given(path("/17841400000000002")).respond_with(json(&server, "instagram/account_wrapped.json")).mount(&server).await;
    Mock::given(path("/17841400000000002/media"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"data": []}"#, "application/json"))
        .mount(&server)
        .await;
    Mock::given(path("/17841400000000001"))
        .respond_with(error(&server, 400, "instagram/error_expired.json"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let section = format!("[report.pull.instagram]\nbase_url = \"{}\"\n{}", server.uri(), fast(""));
    let cfg = config(dir.path(), "anna,Anna,17841400000000001,,,,,,\nbo,Bo,17841400000000002,,,,,,\n", &section);
    let pulled = pull_with(&cfg, "2026-10-01T00:00:00Z").await;
    assert_eq!(pulled.followers.len(), 1);
    assert_eq!(pulled.followers[0].2, 950, "the data-wrapped account node");
    assert_eq!(pulled.failures.len(), 1);
    assert!(pulled.failures[0].starts_with("instagram 17841400000000001: "), "{}", pulled.failures[0]);
    assert!(pulled.failures[0].contains("expired or was revoked"), "{}", pulled.failures[0]);
    assert!(pulled.check_failures(0.5).is_ok());
    let err = pulled.check_failures(0.25).unwrap_err().to_string();
    assert!(err.contains("1 of 2 accounts"), "{err}");
}

#[tokio::test]
async fn tiktok_waits_out_a_429_and_follows_the_cursor() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/user/info/"))
        .respond_with(error(&server, 429, "tiktok/error_rate_limit.json").insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/user/info/"))
        .and(header("authorization", "Bearer tierwise"))
        .respond_with(json(&server, "tiktok/user_info.json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/video/list/"))
        .and(body_partial_json(serde_json::json!({"cursor": 1762214400000i64})))
        .respond_with(json(&server, "tiktok/video_list_page2.json"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/video/list/"))
        .respond_with(json(&server, "tiktok/video_list_page1.json"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    // Backoff alone would be 10 ms: the 1 s wait can only come from Retry-After.
    let section = format!("[report.pull.tiktok]\nbase_url = \"{}\"\n{}", server.uri(), fast("max_wait_secs = 5"));
    let cfg = config(dir.path(), "carl,Carl,,@Carl.Cooks,,,,${CARGO_PKG_NAME},\n", &section);
    let pulled = pull_with(&cfg, "2025-01-01T00:00:00Z").await;
    assert!(pulled.failures.is_empty(), "{:?}", pulled.failures);
    assert_eq!(pulled.followers, vec![(tierwise::source::Platform::Tiktok, "carl.cooks".to_string(), 48_200)]);
    assert_eq!(pulled.posts.len(), 3);
    let newest = pulled.posts.iter().find(|p| p.post_id == "7300000000000000002").unwrap();
    assert_eq!(newest.metrics, [Some(3100), Some(120), Some(45), None, None, None, Some(88_000)]);
    assert_eq!(newest.posted_at.to_rfc3339(), "2025-11-05T00:00:00+00:00", "create_time is in seconds");
    assert_eq!(pulled.requests, vec![(tierwise::source::Platform::Tiktok, 4, 1)], "one retry after the 429");
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_fails_the_account_with_the_reason() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = MockServer::start().await;
    Mock::given(path("/v2/user/info/"))
        .respond_with(error(&server, 429, "tiktok/error_rate_limit.json").insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let section = format!(
        "[report.pull.tiktok]\nbase_url = \"{}\"\ntoken = \"${{CARGO_PKG_NAME}}\"\n{}",
        server.uri(),
        fast("max_wait_secs = 60")
    );
    let cfg = config(dir.path(), "carl,Carl,,carl.cooks,,,,,\n", &section);
    let pulled = pull_with(&cfg, "2025-01-01T00:00:00Z").await;
    assert_eq!(pulled.failures.len(), 1);
    assert!(pulled.failures[0].contains("asks to wait 3600 s"), "{}", pulled.failures[0]);
}

#[tokio::test]
async fn an_invalid_tiktok_token_and_a_missing_one_are_clear_account_errors() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = MockServer::start().await;
    Mock::given(path("/v2/user/info/")).respond_with(error(&server, 401, "tiktok/error_token.json")).mount(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let section = format!("[report.pull.tiktok]\nbase_url = \"{}\"\n{}", server.uri(), fast(""));
    let cfg = config(dir.path(), "carl,Carl,,carl.cooks,,,,${CARGO_PKG_NAME},\ndora,Dora,,dora,,,,,\n", &section);
    let pulled = pull_with(&cfg, "2025-01-01T00:00:00Z").await;
    assert_eq!(pulled.failures.len(), 2, "{:?}", pulled.failures);
    assert!(pulled.failures[0].contains("carl.cooks") && pulled.failures[0].contains("expired or was revoked"));
    assert!(pulled.failures[1].contains("dora") && pulled.failures[1].contains("no access token"));
    assert!(!pulled.failures.iter().any(|f| f.contains("Bearer")), "the token is never shown");
}

#[tokio::test]
async fn youtube_pages_uploads_batches_videos_and_reads_string_counts() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = MockServer::start().await;
    Mock::given(path("/channels"))
        .and(query_param("id", "UCdAnaDiy0000000000000xA"))
        .and(header("x-goog-api-key", "tierwise"))
        .respond_with(json(&server, "youtube/channel.json"))
        .mount(&server)
        .await;
    Mock::given(path("/playlistItems"))
        .and(query_param("pageToken", "CAUQAA"))
        .respond_with(json(&server, "youtube/playlist_page2.json"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/playlistItems"))
        .and(query_param("playlistId", "UUdAnaDiy0000000000000xA"))
        .respond_with(json(&server, "youtube/playlist_page1.json"))
        .mount(&server)
        .await;
    Mock::given(path("/videos"))
        .and(query_param("id", "vidThree000,vidTwo00000"))
        .respond_with(json(&server, "youtube/videos.json"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let section =
        format!("[report.pull.youtube]\nbase_url = \"{}\"\ntoken = \"${{CARGO_PKG_NAME}}\"\n{}", server.uri(), fast(""));
    let cfg = config(dir.path(), "dana,Dana,,,UCdAnaDiy0000000000000xA,,,,\n", &section);
    let pulled = pull_with(&cfg, "2026-01-01T00:00:00Z").await;
    assert!(pulled.failures.is_empty(), "{:?}", pulled.failures);
    assert_eq!(pulled.followers[0].2, 713_000);
    assert_eq!(pulled.followers[0].1, "ucdanadiy0000000000000xa", "labelled with the roster's normalised handle");
    assert_eq!(pulled.posts.len(), 2);
    assert_eq!(pulled.posts[1].metrics, [Some(2200), Some(310), None, None, None, None, Some(40_100)]);
    assert_eq!(pulled.posts[0].metrics, [None, None, None, None, None, None, Some(12_000)], "hidden likes are not 0");
}

#[tokio::test]
async fn youtube_quota_exhausted_stops_youtube_for_the_run() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = MockServer::start().await;
    Mock::given(path("/channels")).respond_with(error(&server, 403, "youtube/error_quota.json")).mount(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let section = format!("[report.pull.youtube]\nbase_url = \"{}\"\nconcurrency = 1\n{}", server.uri(), fast(""));
    let cfg = config(dir.path(), "dana,Dana,,,@dana,,,,\neve,Eve,,,@eve,,,,\nfia,Fia,,,@fia,,,,\n", &section);
    let pulled = pull_with(&cfg, "2026-01-01T00:00:00Z").await;
    assert_eq!(pulled.failures.len(), 3);
    assert!(pulled.failures.iter().all(|f| f.contains("quota is used up")), "{:?}", pulled.failures);
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "no request after the quota error, and no retry");
    assert!(pulled.check_failures(0.25).is_err());
}

#[tokio::test]
async fn malformed_json_and_a_slow_server_fail_their_accounts_only() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = MockServer::start().await;
    Mock::given(path("/channels"))
        .and(query_param("forHandle", "@broken"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"items": [{"id": "#, "application/json"))
        .mount(&server)
        .await;
    Mock::given(path("/channels"))
        .and(query_param("forHandle", "@slow"))
        .respond_with(json(&server, "youtube/channel_unknown.json").set_delay(std::time::Duration::from_secs(3)))
        .mount(&server)
        .await;
    Mock::given(path("/channels"))
        .and(query_param("forHandle", "@gone"))
        .respond_with(json(&server, "youtube/channel_unknown.json"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let section = format!("[report.pull.youtube]\nbase_url = \"{}\"\ntimeout_secs = 1\nattempts = 2\n{}", server.uri(), fast(""));
    let cfg = config(dir.path(), "a,A,,,@broken,,,,\nb,B,,,@slow,,,,\nc,C,,,@gone,,,,\n", &section);
    let pulled = pull_with(&cfg, "2026-01-01T00:00:00Z").await;
    assert_eq!(pulled.failures.len(), 3, "{:?}", pulled.failures);
    assert!(pulled.failures[0].contains("broken") && pulled.failures[0].contains("malformed JSON"), "{}", pulled.failures[0]);
    assert!(pulled.failures[1].contains("gone") && pulled.failures[1].contains("no such channel"), "{}", pulled.failures[1]);
    assert!(pulled.failures[2].contains("slow") && pulled.failures[2].contains("no answer within 1 s"), "{}", pulled.failures[2]);
    assert!(pulled.failures[2].contains("gave up after 2 attempts"), "{}", pulled.failures[2]);
}

/// Serves one Instagram account with `followers` and one post with `likes`.
async fn serve_account(server: &MockServer, followers: i64, likes: i64) {
    serve_post(server, followers, likes, "2026-10-28T10:00:00+0000").await;
}

/// Serves one Instagram account with `followers` and one post at `at` with `likes`.
async fn serve_post(server: &MockServer, followers: i64, likes: i64, at: &str) {
    server.reset().await;
    let ig = "17841400000000001";
    let account = serde_json::json!({"id": ig, "followers_count": followers, "media_count": 1});
    Mock::given(path(format!("/{ig}"))).respond_with(ResponseTemplate::new(200).set_body_json(account)).mount(server).await;
    let media = serde_json::json!({"data": [{"id": "m1", "media_type": "IMAGE", "media_product_type": "FEED", "timestamp": at}]});
    Mock::given(path(format!("/{ig}/media"))).respond_with(ResponseTemplate::new(200).set_body_json(media)).mount(server).await;
    let insights = serde_json::json!({"data": [
        {"name": "likes", "period": "lifetime", "values": [{"value": likes}]},
        {"name": "comments", "period": "lifetime", "values": [{"value": 1}]},
        {"name": "reach", "period": "lifetime", "values": [{"value": 1000}]}
    ]});
    Mock::given(path("/m1/insights")).respond_with(ResponseTemplate::new(200).set_body_json(insights)).mount(server).await;
}

fn row(out: &Path) -> std::collections::HashMap<String, String> {
    let rows = crate::support::read_csv(&out.join("influencers.csv"));
    rows.into_iter().next().unwrap()
}

/// `tierwise pull` with the clock at `now`.
fn pull_at(cfg: &Path, now: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(["pull", "--config", cfg.to_str().unwrap()])
        .env("TIERWISE_NOW", now)
        .output()
        .unwrap()
}

fn run_at(cfg: &Path, now: &str, args: &[&str]) -> std::process::Output {
    let mut full = vec!["run", "--config", cfg.to_str().unwrap()];
    full.extend_from_slice(args);
    std::process::Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(&full)
        .env("TIERWISE_NOW", now)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_past_period_is_reported_from_its_snapshots_not_the_live_api() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let section = format!("[report.pull.instagram]\nbase_url = \"{}\"\n{}", server.uri(), fast(""));
    let cfg = config(dir.path(), "anna,Anna,17841400000000001,,,,,,\n", &section);
    // Sunday evening of week 44 (Copenhagen): 900 followers (nano), 10 likes so far.
    serve_account(&server, 900, 10).await;
    let first = pull_at(&cfg, "2026-11-01T20:00:00Z");
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    // Two weeks later the account has grown to 25,000 (meso) and the post has 50 likes.
    serve_account(&server, 25_000, 50).await;
    let second = pull_at(&cfg, "2026-11-15T20:00:00Z");
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let parquet = std::fs::read_dir(dir.path().join("state/snapshots/api/followers")).unwrap().count();
    assert_eq!(parquet, 2, "one follower snapshot per day");

    // The live API now says something else again; a past period must not see it.
    serve_account(&server, 1_000_000, 999).await;
    let week44 = tempfile::tempdir().unwrap();
    let out =
        run_at(&cfg, "2027-11-01T09:00:00Z", &["--period", "2026-W44", "--no-email", "--out", week44.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = row(week44.path());
    assert_eq!((r["followers"].as_str(), r["tier"].as_str(), r["likes"].as_str()), ("900", "nano", "10"));
    let week46 = tempfile::tempdir().unwrap();
    let out =
        run_at(&cfg, "2027-11-01T09:00:00Z", &["--period", "2026-W46", "--no-email", "--out", week46.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = row(week46.path());
    assert_eq!((r["followers"].as_str(), r["tier"].as_str()), ("25000", "meso"));
    assert_eq!(r["posts"], "0", "the post was published in week 44");
    assert!(server.received_requests().await.unwrap().is_empty(), "no run called the live API");

    // A recorded run while week 46's window is open pulls first, and does not freeze the week:
    // a later run in the window pulls again and reads the newer figures.
    let pins = || std::fs::read_to_string(dir.path().join("state/snapshots/api/as_of.json")).unwrap_or_default();
    serve_post(&server, 30_000, 60, "2026-11-12T10:00:00+0000").await;
    let out = run_at(&cfg, "2026-11-16T07:00:00Z", &["--period", "2026-W46", "--no-email"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "account, media, insights");
    assert!(!pins().contains("2026-W46"), "a period whose window is open is never pinned: {}", pins());
    let summary = std::fs::read_to_string(dir.path().join("out/2026-W46/summary.json")).unwrap();
    assert!(summary.contains("\"accounts_not_pulled\": []"), "{summary}");
    assert_eq!(row(&dir.path().join("out/2026-W46"))["likes"], "60");
    serve_post(&server, 31_000, 70, "2026-11-12T10:00:00+0000").await;
    let out = run_at(&cfg, "2026-11-16T20:00:00Z", &["--period", "2026-W46", "--no-email"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(row(&dir.path().join("out/2026-W46"))["likes"], "70", "the later pull is read");
    // Once the window has closed, a run reads the snapshots (no request) and pins the week.
    serve_post(&server, 99_000, 99, "2026-11-12T10:00:00+0000").await;
    let out = run_at(&cfg, "2026-11-18T07:00:00Z", &["--period", "2026-W46", "--no-email"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(server.received_requests().await.unwrap().is_empty(), "a settled period is not pulled for");
    assert_eq!(row(&dir.path().join("out/2026-W46"))["likes"], "70");
    assert!(pins().contains("2026-W46"), "a settled period is pinned: {}", pins());
}

/// A config with shop APIs only, the roster of the WooCommerce case.
fn shop_config(dir: &Path, section: &str) -> PathBuf {
    std::fs::copy(fixture("cases/woocommerce/roster.csv"), dir.join("roster.csv")).unwrap();
    let text = format!(
        "state_dir = \"state\"\n[[report]]\nname = \"shop\"\nperiod = \"2026-W45\"\nout_dir = \"out\"\n\
         [report.inputs]\nroster = \"roster.csv\"\n[report.fx]\nEUR = 7.46\n[report.pull]\nlookback_days = 30\n{section}\n"
    );
    let path = dir.join("tierwise.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn pull_and_report(cfg: &Path) -> crate::support::Rows {
    let pulled = pull_at(cfg, "2026-11-08T20:00:00Z");
    assert!(pulled.status.success(), "{}", String::from_utf8_lossy(&pulled.stderr));
    let out = tempfile::tempdir().unwrap();
    let run = run_at(cfg, "2026-11-20T09:00:00Z", &["--no-email", "--out", out.path().to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    crate::support::read_csv(&out.path().join("influencers.csv"))
}

#[tokio::test]
async fn woocommerce_orders_over_three_pages_are_reported_exactly() {
    let server = MockServer::start().await;
    for page in 1..=3 {
        Mock::given(method("GET"))
            .and(path("/wp-json/wc/v3/orders"))
            .and(query_param("page", page.to_string()))
            .and(query_param("dates_are_gmt", "true"))
            // Basic base64("tierwise:tierwise"): key and secret both come from ${CARGO_PKG_NAME}.
            .and(header("authorization", "Basic dGllcndpc2U6dGllcndpc2U="))
            .respond_with(json(&server, &format!("woocommerce/orders_page{page}.json")).insert_header("x-wp-totalpages", "3"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let dir = tempfile::tempdir().unwrap();
    let section = format!(
        "[report.pull.woocommerce]\nurl = \"{}\"\nkey = \"${{CARGO_PKG_NAME}}\"\nsecret = \"${{CARGO_PKG_NAME}}\"\n{}",
        server.uri(),
        fast("")
    );
    let inf = pull_and_report(&shop_config(dir.path(), &section));
    // #727: Σ line totals 400 after discounts (not 561.25 with shipping and tax); #728 400,
    // refunded 100 of 500 → 320; #729 cancelled.
    let anna = crate::support::row(&inf, "influencer_id", "anna");
    crate::support::assert_num(anna, "orders", Some(1.0));
    crate::support::assert_num(anna, "revenue", Some(400.0));
    crate::support::assert_num(anna, "discounts", Some(100.0));
    let bo = crate::support::row(&inf, "influencer_id", "bo");
    crate::support::assert_num(bo, "revenue", Some(320.0));
    crate::support::assert_num(bo, "refunds", Some(100.0));
}

#[tokio::test]
async fn shopify_orders_follow_the_link_header() {
    let server = MockServer::start().await;
    let next = format!("<{}/orders.json?limit=250&page_info=p2>; rel=\"next\"", server.uri());
    Mock::given(path("/orders.json"))
        .and(query_param("page_info", "p2"))
        .and(header("x-shopify-access-token", "tierwise"))
        .respond_with(json(&server, "shopify/orders_page2.json"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/orders.json"))
        .and(query_param("status", "any"))
        .respond_with(json(&server, "shopify/orders_page1.json").insert_header("link", next.as_str()))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let section =
        format!("[report.pull.shopify]\nbase_url = \"{}\"\ntoken = \"${{CARGO_PKG_NAME}}\"\n{}", server.uri(), fast(""));
    let inf = pull_and_report(&shop_config(dir.path(), &section));
    // #1001 450; #1003 voided and cancelled. #1002 EUR 100 refunded 25 of 125 (the failed
    // refund transaction does not count) → 80 EUR × 7.46 = 596.8.
    let anna = crate::support::row(&inf, "influencer_id", "anna");
    crate::support::assert_num(anna, "orders", Some(1.0));
    crate::support::assert_num(anna, "revenue", Some(450.0));
    let bo = crate::support::row(&inf, "influencer_id", "bo");
    crate::support::assert_num(bo, "revenue", Some(596.8));
    crate::support::assert_num(bo, "refunds", Some(186.5));
}

#[tokio::test]
async fn check_tries_each_api_and_names_a_refused_account() {
    let server = MockServer::start().await;
    Mock::given(path("/17841400000000001"))
        .respond_with(error(&server, 400, "instagram/error_expired.json"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let section = format!("[report.pull.instagram]\nbase_url = \"{}\"\n{}", server.uri(), fast(""));
    let cfg = config(dir.path(), "anna,Anna,17841400000000001,,,,,,\nbo,Bo,17841400000000002,,,,,,\n", &section);
    let out = crate::support::tierwise(&["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("instagram 17841400000000001") && err.contains("expired"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "one account tried; nothing else sent");
    assert!(!dir.path().join("state/snapshots").exists(), "check keeps nothing");
}

#[tokio::test]
async fn inputs_can_be_urls_fetched_with_an_auth_header() {
    let server = MockServer::start().await;
    let csv = |name: &str| std::fs::read_to_string(fixture(&format!("cases/woocommerce/{name}"))).unwrap();
    Mock::given(path("/exports/roster.csv"))
        .and(header("x-export-key", "tierwise"))
        .respond_with(ResponseTemplate::new(200).set_body_string(csv("roster.csv")))
        .mount(&server)
        .await;
    Mock::given(path("/exports/orders.csv"))
        .and(header("x-export-key", "tierwise"))
        .respond_with(ResponseTemplate::new(200).set_body_string(csv("orders_analytics.csv")))
        .mount(&server)
        .await;
    Mock::given(path("/exports/gone.csv")).respond_with(ResponseTemplate::new(404)).mount(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let write = |orders: &str| {
        let text = format!(
            "[[report]]\nname = \"url\"\nperiod = \"2026-W45\"\n[report.inputs]\nroster = \"{0}/exports/roster.csv\"\n\
             orders = [\"{0}/exports/{orders}\"]\norders_format = \"woocommerce\"\nurl_header = \"X-Export-Key\"\n\
             url_auth = \"${{CARGO_PKG_NAME}}\"\n",
            server.uri()
        );
        std::fs::write(dir.path().join("tierwise.toml"), text).unwrap();
        dir.path().join("tierwise.toml")
    };
    let out = crate::support::run_report(&write("orders.csv"), &[]);
    let inf = crate::support::read_csv(&out.path().join("influencers.csv"));
    // The Analytics export alone: #2001 450 + #2002 300.
    crate::support::assert_num(crate::support::row(&inf, "influencer_id", "anna"), "revenue", Some(750.0));

    let failed = crate::support::tierwise(&[
        "run",
        "--config",
        write("gone.csv").to_str().unwrap(),
        "--no-email",
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(failed.status.code(), Some(1));
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("/exports/gone.csv") && err.contains("HTTP 404"), "{err}");
    assert!(!err.contains("tierwise\n") && !err.contains("x-export-key: tierwise"), "{err}");
}

#[tokio::test]
async fn failed_accounts_are_listed_and_too_many_fail_the_run_before_any_email() {
    let server = MockServer::start().await;
    Mock::given(path("/17841400000000001"))
        .respond_with(error(&server, 400, "instagram/error_expired.json"))
        .mount(&server)
        .await;
    Mock::given(path("/17841400000000002")).respond_with(json(&server, "instagram/account_wrapped.json")).mount(&server).await;
    Mock::given(path("/17841400000000002/media"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"data": []}"#, "application/json"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let roster = "anna,Anna,17841400000000001,,,,,,\nbo,Bo,17841400000000002,,,,,,\n";
    let write = |share: &str| {
        let section =
            format!("max_failed_share = {share}\n[report.pull.instagram]\nbase_url = \"{}\"\n{}", server.uri(), fast(""));
        let cfg = config(dir.path(), roster, &section);
        let text = std::fs::read_to_string(&cfg).unwrap()
            + "[report.email]\nto = [\"m@example.com\"]\nfrom = \"t <t@example.com>\"\n[email]\ntransport = \"file\"\noutbox = \"outbox\"\n";
        std::fs::write(&cfg, text).unwrap();
        cfg
    };
    // Half the accounts failed, more than a quarter: the run fails and emails nothing.
    let cfg = write("0.25");
    let out = run_at(&cfg, "2026-11-09T07:00:00Z", &["--period", "2026-W45"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 of 2 accounts could not be pulled"));
    assert!(!dir.path().join("outbox").exists() || std::fs::read_dir(dir.path().join("outbox")).unwrap().count() == 0);
    assert!(dir.path().join("state/snapshots/api/pulls").exists(), "what came back is kept");
    // Allowed up to half: the report goes out and names the account that was not pulled.
    let cfg = write("0.5");
    let out = run_at(&cfg, "2026-11-09T08:00:00Z", &["--period", "2026-W45"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_dir(dir.path().join("outbox")).unwrap().count(), 1);
    let md = std::fs::read_to_string(dir.path().join("out/2026-W45/report.md")).unwrap();
    assert!(md.contains("Accounts not pulled from the APIs: 1"), "{md}");
    assert!(md.contains("instagram 17841400000000001") && md.contains("expired"), "{md}");
}

#[tokio::test]
async fn the_daemon_pulls_on_the_pull_schedule() {
    let server = MockServer::start().await;
    serve_account(&server, 1200, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let section = format!("schedule = \"*/1 * * * * *\"\n[report.pull.instagram]\nbase_url = \"{}\"\n{}", server.uri(), fast(""));
    let cfg = config(dir.path(), "anna,Anna,17841400000000001,,,,,,\n", &section);
    let log = dir.path().join("daemon.log");
    let mut daemon = std::process::Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(["daemon", "--config", cfg.to_str().unwrap()])
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let pulls = || std::fs::read_dir(dir.path().join("state/snapshots/api/pulls")).map(|d| d.count()).unwrap_or(0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while pulls() < 2 {
        assert!(std::time::Instant::now() < deadline, "{}", std::fs::read_to_string(&log).unwrap());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    std::process::Command::new("kill").args(["-TERM", &daemon.id().to_string()]).status().unwrap();
    assert!(daemon.wait().unwrap().success());
    assert!(std::fs::read_to_string(&log).unwrap().contains("scheduled pull done"));
    assert!(!dir.path().join("out").exists(), "a pull reports nothing");
}

#[tokio::test]
async fn an_account_whose_pull_panics_is_a_failed_account() {
    let server = MockServer::start().await;
    serve_account(&server, 1200, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let section = format!("max_failed_share = 0.5\n[report.pull.instagram]\nbase_url = \"{}\"\n{}", server.uri(), fast(""));
    let cfg = config(dir.path(), "anna,Anna,17841400000000001,,,,,,\nbo,Bo,17841400000000002,,,,,,\n", &section);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(["pull", "--config", cfg.to_str().unwrap()])
        .env("TIERWISE_PANIC_AT", "pull-account:17841400000000002")
        .env("TIERWISE_NOW", "2026-11-09T07:00:00Z")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("2 accounts"), "the panicked account is counted: {stdout}");
    assert!(stdout.contains("not pulled: instagram 17841400000000002: its pull panicked"), "{stdout}");
}

#[tokio::test]
async fn pulled_posts_alone_set_where_the_campaign_to_date_starts() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let section = format!("[report.pull.instagram]\nbase_url = \"{}\"\n{}", server.uri(), fast(""));
    let cfg = config(dir.path(), "anna,Anna,17841400000000001,,,,,,\n", &section);
    // No file holds a post, an order or a cost: the only day anything happened is the pulled
    // post's (handed over to be prepared before the orders are read).
    serve_post(&server, 900, 10, "2026-10-28T10:00:00+0000").await;
    let pulled = pull_at(&cfg, "2026-11-01T20:00:00Z");
    assert!(pulled.status.success(), "{}", String::from_utf8_lossy(&pulled.stderr));
    let week46 = tempfile::tempdir().unwrap();
    let out =
        run_at(&cfg, "2027-11-01T09:00:00Z", &["--period", "2026-W46", "--no-email", "--out", week46.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let md = std::fs::read_to_string(week46.path().join("report.md")).unwrap();
    let line = md.lines().find(|l| l.contains("Campaign to date")).unwrap_or_default();
    assert!(line.starts_with("Campaign to date (28 October 2026 – 15 November 2026): "), "{md}");
    assert!(line.ends_with("Engagements 11"), "{line}");
}
