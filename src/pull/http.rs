//! One platform's HTTP client: every request waits for the platform's rate limit and a
//! concurrency permit, and is retried on 5xx, timeouts and throttling with capped exponential
//! backoff and jitter, honouring Retry-After. What a response means (success, throttled, bad
//! token, quota gone) is the platform's [`Classify`] function's call.
//!
//! Tokens travel in headers only; logs name the endpoint's path, never its query. A redirect
//! to another origin is refused, and a pagination link is followed only within the origin
//! the platform is configured at ([`same_origin`]), so credentials never leave it.

use super::limiter::{Limiter, RateLimit};
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How a platform reads one response.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Usable; `pause` holds the platform's later requests back (usage near its limit).
    Ok { pause: Option<Duration> },
    /// Transient; `throttled` pauses the whole platform for `after` (or the backoff).
    Retry { after: Option<Duration>, throttled: bool, reason: String },
    /// The platform will not answer again in this run (YouTube's daily quota).
    StopPlatform(String),
    /// This account cannot be read (expired token, missing permission, unknown id).
    Account(String),
    /// This item has no data (Instagram media posted before the business conversion).
    Skip(String),
}

pub type Classify = fn(status: u16, headers: &HeaderMap, body: Option<&Value>) -> Verdict;

/// `next` when it is on `base`'s origin (scheme, host and port); else an account error: a
/// pagination link (`paging.next`, `Link: rel="next"`) elsewhere would get our credentials.
pub fn same_origin(next: reqwest::Url, base: &reqwest::Url, api: &str) -> Result<reqwest::Url, CallError> {
    if next.origin() == base.origin() {
        Ok(next)
    } else {
        Err(CallError::Account(format!(
            "{api}: the next page is on another origin ({}), not followed: credentials go to {} only",
            crate::source::remote::redact(next.as_str()),
            base.origin().ascii_serialization()
        )))
    }
}

/// Why a call gave no data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    #[error("{0}")]
    Account(String),
    #[error("{0}")]
    Stopped(String),
    #[error("{0}")]
    Skip(String),
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub limit: RateLimit,
    pub concurrency: usize,
    pub timeout: Duration,
    /// Attempts per request, the first included.
    pub attempts: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// The longest Retry-After or pause we wait for; a longer one fails the account.
    pub max_wait: Duration,
}

pub struct Api {
    pub name: &'static str,
    client: reqwest::Client,
    limiter: Limiter,
    permits: Semaphore,
    settings: Settings,
    classify: Classify,
    stopped: Mutex<Option<String>>,
    requests: AtomicU64,
    retries: AtomicU64,
}

/// A request to send (again, on retry): method, URL, headers, JSON body.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: reqwest::Method,
    pub url: reqwest::Url,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Value>,
}

impl Call {
    pub fn get(url: reqwest::Url) -> Self {
        Self { method: reqwest::Method::GET, url, headers: Vec::new(), body: None }
    }

    pub fn post(url: reqwest::Url, body: Value) -> Self {
        Self { method: reqwest::Method::POST, url, headers: Vec::new(), body: Some(body) }
    }

    pub fn header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }
}

impl Api {
    pub fn new(name: &'static str, settings: Settings, classify: Classify) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("tierwise/", env!("CARGO_PKG_VERSION")))
            .redirect(crate::source::remote::same_origin_redirects())
            .build()?;
        Ok(Self {
            name,
            client,
            limiter: Limiter::new(settings.limit),
            permits: Semaphore::new(settings.concurrency.max(1)),
            settings,
            classify,
            stopped: Mutex::new(None),
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        })
    }

    /// Requests sent (retries included) and retries.
    pub fn counts(&self) -> (u64, u64) {
        (self.requests.load(Ordering::Relaxed), self.retries.load(Ordering::Relaxed))
    }

    /// Why the platform stopped answering for this run, if it did.
    pub fn stopped(&self) -> Option<String> {
        self.stopped.lock().map(|s| s.clone()).unwrap_or(None)
    }

    /// Sends `call` until it succeeds, is refused for good, or runs out of attempts.
    pub async fn send(&self, call: &Call) -> Result<Value, CallError> {
        self.send_with_headers(call).await.map(|(body, _)| body)
    }

    /// [`Api::send`], with the response headers (pagination links, totals).
    pub async fn send_with_headers(&self, call: &Call) -> Result<(Value, HeaderMap), CallError> {
        let what = format!("{} {}", self.name, call.url.path());
        let mut attempt = 0u32;
        loop {
            if let Some(reason) = self.stopped() {
                return Err(CallError::Stopped(reason));
            }
            attempt += 1;
            let (verdict, body, headers) = self.once(call).await;
            let (after, throttled, reason) = match verdict {
                Verdict::Ok { pause } => {
                    if let Some(p) = pause {
                        tracing::warn!(api = self.name, pause_s = p.as_secs(), "usage near the platform's limit; pausing");
                        self.limiter.pause(p.min(self.settings.max_wait)).await;
                    }
                    return body
                        .map(|b| (b, headers))
                        .ok_or_else(|| CallError::Account(format!("{what}: the response is not JSON")));
                }
                Verdict::StopPlatform(reason) => {
                    tracing::error!(api = self.name, %reason, "platform stopped for this run");
                    if let Ok(mut s) = self.stopped.lock() {
                        s.get_or_insert(reason.clone());
                    }
                    return Err(CallError::Stopped(reason));
                }
                Verdict::Account(reason) => return Err(CallError::Account(format!("{what}: {reason}"))),
                Verdict::Skip(reason) => return Err(CallError::Skip(reason)),
                Verdict::Retry { after, throttled, reason } => (after, throttled, reason),
            };
            if attempt >= self.settings.attempts {
                return Err(CallError::Account(format!("{what}: {reason} (gave up after {attempt} attempts)")));
            }
            let wait = match after {
                Some(a) if a > self.settings.max_wait => {
                    return Err(CallError::Account(format!(
                        "{what}: {reason}; the platform asks to wait {} s, longer than the {} s allowed",
                        a.as_secs(),
                        self.settings.max_wait.as_secs()
                    )));
                }
                Some(a) => a,
                None => self.backoff(attempt),
            };
            self.retries.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(api = self.name, endpoint = call.url.path(), %reason, attempt, wait_ms = wait.as_millis() as u64, "retrying");
            if throttled {
                self.limiter.pause(wait).await;
            } else {
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// Full-jitter exponential backoff: a random wait in [½, 1] × min(cap, base × 2^(n−1)).
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.settings.backoff_base.saturating_mul(1u32 << (attempt - 1).min(16));
        let ceiling = exp.min(self.settings.backoff_cap);
        ceiling.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    async fn once(&self, call: &Call) -> (Verdict, Option<Value>, HeaderMap) {
        let _permit = self.permits.acquire().await;
        self.limiter.acquire().await;
        if let Some(reason) = self.stopped() {
            return (Verdict::StopPlatform(reason), None, HeaderMap::new()); // stopped while this call waited its turn
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut req = self.client.request(call.method.clone(), call.url.clone());
        for (name, value) in &call.headers {
            req = req.header(*name, value);
        }
        if let Some(body) = &call.body {
            req = req.json(body);
        }
        let response = match req.send().await {
            Ok(r) => r,
            Err(e) => return (transport_verdict(&e, self.settings.timeout), None, HeaderMap::new()),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return (transport_verdict(&e, self.settings.timeout), None, headers),
        };
        let body: Option<Value> = serde_json::from_slice(&bytes).ok();
        let verdict = (self.classify)(status, &headers, body.as_ref());
        if matches!(verdict, Verdict::Ok { .. }) && body.is_none() {
            let err = serde_json::from_slice::<Value>(&bytes).err().map(|e| e.to_string()).unwrap_or_default();
            return (Verdict::Account(format!("malformed JSON in the response ({err})")), None, headers);
        }
        (verdict, body, headers)
    }
}

fn transport_verdict(e: &reqwest::Error, timeout: Duration) -> Verdict {
    let reason = if e.is_timeout() {
        format!("no answer within {} s", timeout.as_secs_f64())
    } else if e.is_connect() {
        "cannot connect".to_string()
    } else {
        let cause = std::error::Error::source(e).map_or_else(|| "no detail".to_string(), ToString::to_string);
        format!("the connection failed ({cause})")
    };
    Verdict::Retry { after: None, throttled: false, reason }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    let secs = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds().max(0) as u64;
    Some(Duration::from_millis(secs))
}

/// The usual reading of an HTTP status that the platform's body did not explain.
pub fn by_status(status: u16, headers: &HeaderMap, what: &str) -> Verdict {
    match status {
        200..=299 => Verdict::Ok { pause: None },
        429 => Verdict::Retry { after: retry_after(headers), throttled: true, reason: format!("HTTP 429 ({what})") },
        500..=599 | 408 => {
            Verdict::Retry { after: retry_after(headers), throttled: false, reason: format!("HTTP {status} ({what})") }
        }
        401 => Verdict::Account(format!("HTTP 401: the token was refused ({what})")),
        _ => Verdict::Account(format!("HTTP {status} ({what})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_retry_after_in_seconds() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
