//! Credentials stay with their origin: URL inputs and API clients refuse redirects to another
//! origin and pagination links elsewhere (a second wiremock server, another origin, must
//! receive nothing); credentials in URLs never appear in errors or the ledger; downloads go
//! into a private folder that is gone after the run.

use crate::support::{fixture, read_csv, row};
use std::path::{Path, PathBuf};
use wiremock::matchers::{header, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn tierwise_in(tmp: &Path, now: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(args)
        .env("TMPDIR", tmp)
        .env("TIERWISE_NOW", now)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

/// A config reading the WooCommerce case's roster and orders from `roster_url` / `orders_url`
/// with the `X-Export-Key` header set to `${CARGO_PKG_NAME}` ("tierwise").
fn url_config(dir: &Path, roster_url: &str, orders_url: &str) -> PathBuf {
    let text = format!(
        "state_dir = \"state\"\n[[report]]\nname = \"url\"\nperiod = \"2026-W45\"\nout_dir = \"out\"\n[report.inputs]\n\
         roster = \"{roster_url}\"\norders = [\"{orders_url}\"]\norders_format = \"woocommerce\"\n\
         url_header = \"X-Export-Key\"\nurl_auth = \"${{CARGO_PKG_NAME}}\"\n"
    );
    let path = dir.join("tierwise.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn case(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("cases/woocommerce/{name}"))).unwrap()
}

#[tokio::test]
async fn a_url_input_redirected_to_another_origin_sends_it_no_credential() {
    let origin = MockServer::start().await;
    let other = MockServer::start().await;
    Mock::given(path("/exports/roster.csv"))
        .respond_with(ResponseTemplate::new(200).set_body_string(case("roster.csv")))
        .mount(&origin)
        .await;
    Mock::given(path("/exports/orders.csv"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("{}/stolen.csv", other.uri()).as_str()))
        .mount(&origin)
        .await;
    Mock::given(path("/stolen.csv"))
        .respond_with(ResponseTemplate::new(200).set_body_string(case("orders_analytics.csv")))
        .mount(&other)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg =
        url_config(dir.path(), &format!("{}/exports/roster.csv", origin.uri()), &format!("{}/exports/orders.csv", origin.uri()));
    let out = tierwise_in(dir.path(), "2026-11-20T09:00:00Z", &["run", "--config", cfg.to_str().unwrap(), "--no-email"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another origin"), "{err}");
    assert!(other.received_requests().await.unwrap().is_empty(), "the other origin was contacted");
    // Within the origin a redirect is followed (with the header).
    let same = MockServer::start().await;
    Mock::given(path("/a.csv")).respond_with(ResponseTemplate::new(301).insert_header("location", "/b.csv")).mount(&same).await;
    Mock::given(path("/b.csv"))
        .and(header("x-export-key", "tierwise"))
        .respond_with(ResponseTemplate::new(200).set_body_string(case("orders_analytics.csv")))
        .mount(&same)
        .await;
    let cfg = url_config(dir.path(), &format!("{}/exports/roster.csv", origin.uri()), &format!("{}/a.csv", same.uri()));
    let out = tierwise_in(dir.path(), "2026-11-20T09:00:00Z", &["run", "--config", cfg.to_str().unwrap(), "--no-email"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let inf = read_csv(&dir.path().join("out/2026-W45/influencers.csv"));
    assert_eq!(row(&inf, "influencer_id", "anna")["revenue"], "750");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("tierwise-run-"))
        .collect();
    assert!(leftovers.is_empty(), "the run's download folder was left behind");
}

#[tokio::test]
async fn credentials_in_a_url_are_redacted_in_errors_and_the_ledger() {
    let server = MockServer::start().await;
    Mock::given(path("/roster.csv"))
        .respond_with(ResponseTemplate::new(200).set_body_string(case("roster.csv")))
        .mount(&server)
        .await;
    Mock::given(path("/gone.csv")).respond_with(ResponseTemplate::new(404)).mount(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let with_user = server.uri().replace("http://", "http://bob:pa55word@");
    let cfg = url_config(dir.path(), &format!("{}/roster.csv", server.uri()), &format!("{with_user}/gone.csv?sig=t0psecret"));
    let out = tierwise_in(dir.path(), "2026-11-20T09:00:00Z", &["run", "--config", cfg.to_str().unwrap(), "--no-email"]);
    assert_eq!(out.status.code(), Some(1));
    let status = tierwise_in(dir.path(), "2026-11-20T09:00:00Z", &["status", "--config", cfg.to_str().unwrap()]);
    for text in [String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&status.stdout)] {
        assert!(text.contains("gone.csv"), "{text}");
        assert!(!text.contains("pa55word") && !text.contains("t0psecret"), "a credential leaked: {text}");
    }
}

/// A shop config pulling Shopify orders from `base`.
fn shopify_config(dir: &Path, base: &str) -> PathBuf {
    std::fs::copy(fixture("cases/woocommerce/roster.csv"), dir.join("roster.csv")).unwrap();
    let text = format!(
        "state_dir = \"state\"\n[[report]]\nname = \"shop\"\nperiod = \"2026-W45\"\nout_dir = \"out\"\n\
         [report.inputs]\nroster = \"roster.csv\"\n[report.fx]\nEUR = 7.46\n[report.pull]\nlookback_days = 30\n\
         [report.pull.shopify]\nbase_url = \"{base}\"\ntoken = \"${{CARGO_PKG_NAME}}\"\nrate_limit = \"1000/s\"\n\
         backoff_ms = 10\nattempts = 1\n"
    );
    let path = dir.join("tierwise.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn a_pagination_link_to_another_origin_is_not_followed() {
    let origin = MockServer::start().await;
    let other = MockServer::start().await;
    let page1 = std::fs::read_to_string(fixture("http/shopify/orders_page1.json"))
        .unwrap()
        .replace("{{BASE}}", &format!("{}/", origin.uri()));
    let next = format!("<{}/orders.json?limit=250&page_info=p2>; rel=\"next\"", other.uri());
    Mock::given(path("/orders.json"))
        .and(query_param("status", "any"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(page1, "application/json").insert_header("link", next.as_str()))
        .mount(&origin)
        .await;
    Mock::given(path("/orders.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"orders": []}"#, "application/json"))
        .mount(&other)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = shopify_config(dir.path(), &origin.uri());
    let out = tierwise_in(dir.path(), "2026-11-08T20:00:00Z", &["pull", "--config", cfg.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another origin"), "{err}");
    assert!(other.received_requests().await.unwrap().is_empty(), "the other origin got our token");
}

#[tokio::test]
async fn an_api_redirect_to_another_origin_is_refused() {
    let origin = MockServer::start().await;
    let other = MockServer::start().await;
    Mock::given(path("/orders.json"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", format!("{}/orders.json", other.uri()).as_str()))
        .mount(&origin)
        .await;
    Mock::given(path("/orders.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"orders": []}"#, "application/json"))
        .mount(&other)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = shopify_config(dir.path(), &origin.uri());
    let out = tierwise_in(dir.path(), "2026-11-08T20:00:00Z", &["pull", "--config", cfg.to_str().unwrap()]);
    assert!(!out.status.success() || String::from_utf8_lossy(&out.stderr).contains("Shopify"), "{out:?}");
    assert!(other.received_requests().await.unwrap().is_empty(), "the token followed a redirect to another origin");
}
