//! Bench: pull 2,000 Instagram accounts from a loopback server that answers every request
//! 50 ms late and refuses (429) any request over its limit of LIMIT per second, counted over
//! a sliding one-second window of arrivals. Each account costs three requests (account, media
//! list, one media's insights). The bar: wall time within 1.2 × (requests ÷ limit), no request
//! over the limit, no account lost.
//!
//!   cargo bench --bench pull_2000            (ACCOUNTS=2000 LIMIT=200 by default)

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers like the Graph API after 50 ms, unless the request is over the limit.
struct LimitedGraph {
    limit: usize,
    arrivals: Mutex<VecDeque<Instant>>,
    over: AtomicUsize,
    served: AtomicUsize,
}

impl Respond for LimitedGraph {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let now = Instant::now();
        {
            let mut a = self.arrivals.lock().unwrap();
            while a.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
                a.pop_front();
            }
            a.push_back(now);
            if a.len() > self.limit {
                self.over.fetch_add(1, Ordering::Relaxed);
                let body = serde_json::json!({"error": {"code": 4, "message": "(#4) Application request limit reached"}});
                return ResponseTemplate::new(429).set_body_json(body).insert_header("retry-after", "1");
            }
        }
        self.served.fetch_add(1, Ordering::Relaxed);
        let path = request.url.path().trim_start_matches('/');
        let parts: Vec<&str> = path.split('/').collect();
        let body = match parts.as_slice() {
            [id] => serde_json::json!({"id": id, "followers_count": 1000 + id.len(), "media_count": 1}),
            [id, "media"] => serde_json::json!({"data": [{
                "id": format!("m{id}"), "media_type": "IMAGE", "media_product_type": "FEED",
                "like_count": 10, "comments_count": 1, "timestamp": "2026-11-20T10:00:00+0000"
            }]}),
            [_, "insights"] => serde_json::json!({"data": [
                {"name": "reach", "period": "lifetime", "values": [{"value": 500}]},
                {"name": "likes", "period": "lifetime", "values": [{"value": 10}]}
            ]}),
            _ => return ResponseTemplate::new(404),
        };
        ResponseTemplate::new(200).set_body_json(body).set_delay(Duration::from_millis(50))
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let accounts = env_number("ACCOUNTS", 2000);
    let limit = env_number("LIMIT", 200);
    let concurrency = env_number("CONCURRENCY", 32);
    let server = MockServer::start().await;
    let graph = std::sync::Arc::new(LimitedGraph {
        limit,
        arrivals: Mutex::new(VecDeque::new()),
        over: AtomicUsize::new(0),
        served: AtomicUsize::new(0),
    });
    struct Shared(std::sync::Arc<LimitedGraph>);
    impl Respond for Shared {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            self.0.respond(request)
        }
    }
    Mock::given(any()).respond_with(Shared(graph.clone())).mount(&server).await;

    let dir = tempfile::tempdir().unwrap();
    let mut roster = String::from("influencer_id,name,instagram\n");
    for i in 0..accounts {
        roster.push_str(&format!("inf{i},Influencer {i},{}\n", 17_841_400_000_000_000u64 + i as u64));
    }
    std::fs::write(dir.path().join("roster.csv"), roster).unwrap();
    let config = format!(
        "[[report]]\nname = \"bench\"\n[report.inputs]\nroster = \"roster.csv\"\n[report.pull]\nlookback_days = 30\n\
         [report.pull.instagram]\nbase_url = \"{}\"\nrate_limit = \"{limit}/s\"\nconcurrency = {concurrency}\n",
        server.uri()
    );
    std::fs::write(dir.path().join("tierwise.toml"), config).unwrap();
    let report = tierwise::config::load(&dir.path().join("tierwise.toml")).unwrap().reports.remove(0);
    let mut rejects = tierwise::source::Rejects::new(false);
    let (roster, _, _) = tierwise::source::roster::read(&report.inputs.roster, &mut rejects).unwrap();
    let since = chrono::Utc::now() - chrono::Duration::days(3650);

    let started = Instant::now();
    let pulled = tierwise::pull::pull(&report, &roster, since).await.unwrap();
    let wall = started.elapsed().as_secs_f64();

    let requests: u64 = pulled.requests.iter().map(|r| r.1).sum();
    let retries: u64 = pulled.requests.iter().map(|r| r.2).sum();
    let ideal = requests as f64 / limit as f64;
    let over = graph.over.load(Ordering::Relaxed);
    println!(
        "accounts        {accounts} ({} followers, {} posts, {} failed)",
        pulled.followers.len(),
        pulled.posts.len(),
        pulled.failures.len()
    );
    println!("requests        {requests} sent, {retries} retried, {} served", graph.served.load(Ordering::Relaxed));
    println!("limit           {limit}/s, 50 ms latency, concurrency {concurrency}");
    println!("wall            {wall:.2} s");
    println!("requests÷limit  {ideal:.2} s");
    println!("ratio           {:.3} (bar: ≤ 1.2)", wall / ideal);
    println!("over the limit  {over}");
    let ok = over == 0
        && pulled.failures.is_empty()
        && pulled.followers.len() == accounts
        && pulled.posts.len() == accounts
        && wall <= 1.2 * ideal;
    println!("{}", if ok { "PASS" } else { "FAIL" });
    if !ok {
        std::process::exit(1);
    }
}
