//! PULL from the platforms' APIs: every roster account of a platform the report configures
//! under `[report.pull.<platform>]`, concurrently within the platform's rate limit. One
//! failing account does not stop the others; it is listed, and the pull fails only when more
//! than `max_failed_share` of the accounts failed. What was pulled is kept as a snapshot
//! (see [`crate::snapshot`]) before anything else happens with it.

pub mod http;
pub mod instagram;
pub mod limiter;
pub mod shops;
pub mod tiktok;
pub mod youtube;

use crate::config::{PlatformApi, ReportConfig};
use crate::source::{Platform, Roster};
use chrono::{DateTime, Utc};
use http::{Api, CallError};
use secrecy::SecretString;
use std::sync::Arc;

/// One roster account to pull.
#[derive(Debug, Clone)]
pub struct Account {
    pub platform: Platform,
    /// The normalised handle the roster owns (the snapshot's `handle`).
    pub handle: String,
    /// The platform's id for the account as written in the roster (channel id, IG user id).
    pub id: String,
    pub token: Option<SecretString>,
}

/// One post's metrics as pulled: likes, comments, shares, saves, reach, impressions, views.
#[derive(Debug, Clone, PartialEq)]
pub struct PostRow {
    pub platform: Platform,
    pub handle: String,
    pub post_id: String,
    pub posted_at: DateTime<Utc>,
    pub metrics: [Option<i64>; 7],
}

#[derive(Debug, Default)]
pub struct AccountPull {
    pub followers: Option<i64>,
    pub posts: Vec<PostRow>,
    /// Things worth knowing that did not fail the account (media without insights).
    pub notes: Vec<String>,
}

/// Everything one pull brought back.
#[derive(Debug, Default)]
pub struct Pulled {
    pub pulled_at: DateTime<Utc>,
    pub accounts: usize,
    pub followers: Vec<(Platform, String, i64)>,
    pub posts: Vec<PostRow>,
    /// "instagram anna: the access token has expired …", one per failed account.
    pub failures: Vec<String>,
    pub notes: Vec<String>,
    /// Requests sent and retried, per platform.
    pub requests: Vec<(Platform, u64, u64)>,
    /// Whether shop APIs were pulled (then `orders` is their complete copy of the window).
    pub shops_pulled: bool,
    pub orders: Vec<shops::ApiOrder>,
    /// A shop whose orders could not be pulled fails the pull: figures without its orders would
    /// look like a week without sales.
    pub shop_failures: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{failed} of {accounts} accounts could not be pulled (more than the allowed {:.0} %):\n  {}", share * 100.0, list.join("\n  "))]
    TooManyFailed { failed: usize, accounts: usize, share: f64, list: Vec<String> },
    #[error("orders could not be pulled:\n  {}", list.join("\n  "))]
    Shop { list: Vec<String> },
    #[error("cannot set up the {platform} client")]
    Client {
        platform: &'static str,
        #[source]
        source: reqwest::Error,
    },
}

/// The accounts of `platform` in the roster, with their tokens (the roster's `<platform>_token`
/// column, else the platform's `token`); a token whose variable is unset fails that account.
pub fn accounts(roster: &Roster, api: &PlatformApi) -> (Vec<Account>, Vec<String>) {
    let slot = Platform::ALL.iter().position(|p| *p == api.platform).unwrap_or(0);
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for inf in &roster.influencers {
        let (Some(handle), Some(id)) = (&inf.handles[slot], &inf.account_ids[slot]) else { continue };
        let reference = inf.tokens[slot].as_ref().or(api.token.as_ref());
        let token = match reference.map(|r| r.resolve()) {
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                failures.push(format!("{} {handle}: {e}", api.platform.as_str()));
                continue;
            }
            None => None,
        };
        out.push(Account { platform: api.platform, handle: handle.clone(), id: id.clone(), token });
    }
    (out, failures)
}

/// Pulls every configured platform of `report` (`since`: the oldest post wanted).
pub async fn pull(report: &ReportConfig, roster: &Roster, since: DateTime<Utc>) -> Result<Pulled, PullError> {
    pull_accounts(report, roster, since, usize::MAX).await
}

/// `check`: tries each configured API with its first account (and each shop's first page).
pub async fn probe(report: &ReportConfig, roster: &Roster) -> Result<Pulled, PullError> {
    pull_accounts(report, roster, crate::faults::now(), 1).await
}

async fn pull_accounts(
    report: &ReportConfig,
    roster: &Roster,
    since: DateTime<Utc>,
    per_platform: usize,
) -> Result<Pulled, PullError> {
    let mut pulled = Pulled { pulled_at: crate::faults::now(), ..Default::default() };
    let mut platforms = Vec::new();
    for cfg in &report.pull.platforms {
        // A token variable that is not set is a failure a probe reports too: it costs no request.
        let (mut accounts, failures) = accounts(roster, cfg);
        accounts.truncate(per_platform);
        pulled.accounts += accounts.len() + failures.len();
        pulled.failures.extend(failures);
        let (name, classify): (&'static str, http::Classify) = match cfg.platform {
            Platform::Instagram => ("Instagram", instagram::classify),
            Platform::Tiktok => ("TikTok", tiktok::classify),
            Platform::Youtube => ("YouTube", youtube::classify),
        };
        let api =
            Api::new(name, cfg.settings.clone(), classify).map_err(|source| PullError::Client { platform: name, source })?;
        platforms.push((cfg, Arc::new(api), accounts));
    }
    let mut tasks = tokio::task::JoinSet::new();
    // Which account each task pulls: a task that panics is still that account's failure.
    let mut labels = std::collections::HashMap::new();
    for (cfg, api, accounts) in &platforms {
        let base = Arc::new(cfg.base_url.clone());
        for account in accounts.iter().cloned() {
            let (api, base) = (api.clone(), base.clone());
            let label = format!("{} {}", account.platform.as_str(), account.handle);
            let task = tasks.spawn(async move {
                crate::faults::panic_at(&format!("pull-account:{}", account.handle));
                let result = match account.platform {
                    Platform::Instagram => instagram::pull(&api, &base, &account, since).await,
                    Platform::Tiktok => tiktok::pull(&api, &base, &account, since).await,
                    Platform::Youtube => youtube::pull(&api, &base, &account, since).await,
                };
                (account, result)
            });
            labels.insert(task.id(), label);
        }
    }
    for shop in &report.pull.shops {
        pulled.shops_pulled = true;
        match pull_shop(shop, since).await {
            Ok(orders) => pulled.orders.extend(orders),
            Err(reason) => {
                tracing::error!(shop = shop.kind.name(), %reason, "orders not pulled");
                pulled.shop_failures.push(format!("{} orders: {reason}", shop.kind.name()));
            }
        }
    }
    while let Some(joined) = tasks.join_next().await {
        let (account, result) = match joined {
            Ok(done) => done,
            Err(e) => {
                let label = labels.get(&e.id()).cloned().unwrap_or_else(|| "an account".to_string());
                let reason = if e.is_panic() { "its pull panicked (a bug)" } else { "its pull was cancelled" };
                tracing::error!(account = %label, error = %e, "account not pulled");
                pulled.failures.push(format!("{label}: {reason}"));
                continue;
            }
        };
        let label = format!("{} {}", account.platform.as_str(), account.handle);
        match result {
            Ok(got) => {
                if let Some(f) = got.followers {
                    pulled.followers.push((account.platform, account.handle.clone(), f));
                }
                pulled.posts.extend(got.posts);
                pulled.notes.extend(got.notes);
            }
            Err(CallError::Account(reason) | CallError::Stopped(reason) | CallError::Skip(reason)) => {
                tracing::warn!(account = %label, %reason, "account not pulled");
                pulled.failures.push(format!("{label}: {reason}"));
            }
        }
    }
    for (cfg, api, _) in &platforms {
        let (requests, retries) = api.counts();
        pulled.requests.push((cfg.platform, requests, retries));
    }
    // Stable order: the snapshot and the report list them the same way on every run.
    pulled.followers.sort();
    pulled
        .posts
        .sort_by(|a, b| (a.platform, &a.handle, a.posted_at, &a.post_id).cmp(&(b.platform, &b.handle, b.posted_at, &b.post_id)));
    pulled.failures.sort();
    Ok(pulled)
}

async fn pull_shop(shop: &crate::config::ShopApi, since: DateTime<Utc>) -> Result<Vec<shops::ApiOrder>, String> {
    let resolve = |r: &crate::config::EnvRef| r.resolve().map_err(|e| e.to_string());
    let key = resolve(&shop.key)?;
    let auth = match (&shop.kind, &shop.secret) {
        (shops::ShopKind::WooCommerce, Some(secret)) => {
            use base64::Engine;
            let pair = format!(
                "{}:{}",
                secrecy::ExposeSecret::expose_secret(&key),
                secrecy::ExposeSecret::expose_secret(&resolve(secret)?)
            );
            ("authorization", format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)))
        }
        _ => ("x-shopify-access-token", secrecy::ExposeSecret::expose_secret(&key).to_string()),
    };
    let api = Api::new(shop.kind.name(), shop.settings.clone(), shops::classify).map_err(|e| e.to_string())?;
    shops::pull_orders(&api, shop.kind, &shop.base_url, &auth, since).await.map_err(|e| e.to_string())
}

impl Pulled {
    /// Fails when a shop's orders could not be pulled, or more than `share` (0–1) of the
    /// accounts could not.
    pub fn check_failures(&self, share: f64) -> Result<(), PullError> {
        if !self.shop_failures.is_empty() {
            return Err(PullError::Shop { list: self.shop_failures.clone() });
        }
        if self.accounts > 0 && self.failures.len() as f64 > share * self.accounts as f64 {
            return Err(PullError::TooManyFailed {
                failed: self.failures.len(),
                accounts: self.accounts,
                share,
                list: self.failures.clone(),
            });
        }
        Ok(())
    }
}
