//! `[report.pull]` and `[report.pull.instagram|tiktok|youtube]`.
//!
//! ```toml
//! [report.pull]
//! lookback_days = 90          # posts published this many days back are pulled
//! max_failed_share = 0.25     # more failed accounts than this fails the run
//! settle_days = 1             # a period's post metrics: the last pull within 1 day after it
//!
//! [report.pull.instagram]
//! login = "facebook"          # graph.facebook.com; "instagram" = graph.instagram.com
//! token = "${IG_TOKEN}"       # or per account: the roster's instagram_token column
//! rate_limit = "200/min"
//! ```

use super::fields::{Fields, Problems};
use super::load::env_ref;
use super::{PlatformApi, PullConfig, ShopApi};
use crate::pull::http::Settings;
use crate::pull::limiter::RateLimit;
use crate::pull::shops::ShopKind;
use crate::source::Platform;
use std::time::Duration;

pub fn parse(mut f: Fields<'_, '_>, tz: Option<chrono_tz::Tz>, p: &mut Problems) -> PullConfig {
    let mut out = PullConfig::default();
    if let (Some(s), Some(tz)) = (f.string("schedule", p), tz) {
        out.schedule = crate::schedule::Schedule::parse(s.get_ref(), tz).map_err(|e| p.at(s.span(), e.to_string())).ok();
    }
    if let Some(n) = f.integer("lookback_days", p) {
        match u32::try_from(*n.get_ref()) {
            Ok(d) if (1..=3650).contains(&d) => out.lookback_days = d,
            _ => p.at(n.span(), "`lookback_days` must be between 1 and 3650"),
        }
    }
    if let Some(n) = f.integer("settle_days", p) {
        match u32::try_from(*n.get_ref()) {
            Ok(d) if d <= 60 => out.settle_days = d,
            _ => p.at(n.span(), "`settle_days` must be between 0 and 60"),
        }
    }
    if let Some(share) = f.float("max_failed_share", p) {
        if (0.0..=1.0).contains(&share) {
            out.max_failed_share = share;
        } else {
            p.at(f.span.clone(), "`max_failed_share` must be between 0 and 1 (0.25 = a quarter of the accounts)");
        }
    }
    for platform in Platform::ALL {
        if let Some(t) = f.table(platform.as_str(), p) {
            out.platforms.extend(platform_api(platform, t, p));
        }
    }
    for kind in [ShopKind::WooCommerce, ShopKind::Shopify] {
        if let Some(t) = f.table(&kind.name().to_lowercase(), p) {
            out.shops.extend(shop_api(kind, t, p));
        }
    }
    f.finish(p);
    out
}

fn platform_api(platform: Platform, mut f: Fields<'_, '_>, p: &mut Problems) -> Option<PlatformApi> {
    let (default_base, default_limit) = match platform {
        Platform::Instagram => {
            let host = match f.string("login", p) {
                Some(l) if l.get_ref() == "instagram" => "graph.instagram.com",
                Some(l) if l.get_ref() == "facebook" => "graph.facebook.com",
                Some(l) => {
                    p.at(l.span(), format!("`{}.login` {:?} must be \"facebook\" or \"instagram\"", f.path, l.get_ref()));
                    "graph.facebook.com"
                }
                None => "graph.facebook.com",
            };
            let version = f.string("api_version", p).map(|v| v.into_inner()).unwrap_or_else(|| "v23.0".into());
            (format!("https://{host}/{version}/"), "200/min")
        }
        Platform::Tiktok => ("https://open.tiktokapis.com/".to_string(), "600/min"),
        Platform::Youtube => ("https://www.googleapis.com/youtube/v3/".to_string(), "300/min"),
    };
    let base_url = base_url(&mut f, "base_url", &default_base, p);
    let token = env_ref(&mut f, "token", p);
    let settings = settings(&mut f, default_limit, p);
    f.finish(p);
    Some(PlatformApi { platform, base_url: base_url?, token, settings: settings? })
}

/// `[report.pull.woocommerce]` (`url`, `key`, `secret`) or `[report.pull.shopify]` (`shop` or
/// `base_url`, `token`, `api_version`).
fn shop_api(kind: ShopKind, mut f: Fields<'_, '_>, p: &mut Problems) -> Option<ShopApi> {
    let (base, key, secret) = match kind {
        ShopKind::WooCommerce => {
            let base = f.required("url", p).and_then(|u| {
                let url = parse_base(u.get_ref());
                if url.is_none() {
                    p.at(u.span(), format!("`{}.url` must be an https URL (plain http only to a loopback address)", f.path));
                }
                url
            });
            let key = f.has("key").then(|| env_ref(&mut f, "key", p)).flatten();
            let secret = f.has("secret").then(|| env_ref(&mut f, "secret", p)).flatten();
            if key.is_none() || secret.is_none() {
                p.at(f.span.clone(), format!("`{}` needs `key` and `secret` (\"${{WC_KEY}}\", \"${{WC_SECRET}}\")", f.path));
            }
            (base, key, secret)
        }
        ShopKind::Shopify => {
            let version = f.string("api_version", p).map(|v| v.into_inner()).unwrap_or_else(|| "2025-07".into());
            let default = f.string("shop", p).map(|s| format!("https://{}/admin/api/{version}/", s.get_ref().trim()));
            let base = match (f.has("base_url"), default) {
                (true, _) => base_url(&mut f, "base_url", "", p),
                (false, Some(d)) => reqwest::Url::parse(&d).ok(),
                (false, None) => {
                    p.at(f.span.clone(), format!("`{}` needs `shop` (\"acme.myshopify.com\")", f.path));
                    None
                }
            };
            let token = f.has("token").then(|| env_ref(&mut f, "token", p)).flatten();
            if token.is_none() {
                p.at(f.span.clone(), format!("`{}` needs `token` (\"${{SHOPIFY_TOKEN}}\")", f.path));
            }
            (base, token, None)
        }
    };
    let settings = settings(&mut f, "2/s", p);
    f.finish(p);
    Some(ShopApi { kind, base_url: base?, key: key?, secret, settings: settings? })
}

fn base_url(f: &mut Fields<'_, '_>, key: &str, default: &str, p: &mut Problems) -> Option<reqwest::Url> {
    match f.string(key, p) {
        Some(u) => {
            let url = parse_base(u.get_ref());
            if url.is_none() {
                p.at(u.span(), format!("`{}.{key}` must be an https URL (plain http only to a loopback address)", f.path));
            }
            url
        }
        None => reqwest::Url::parse(default).ok(),
    }
}

/// `text` as a base URL ending in `/`; https, or http to loopback only.
fn parse_base(text: &str) -> Option<reqwest::Url> {
    let mut text = text.trim().to_string();
    if !text.ends_with('/') {
        text.push('/');
    }
    reqwest::Url::parse(&text).ok().filter(|url| url.scheme() == "https" || is_loopback(url))
}

fn settings(f: &mut Fields<'_, '_>, default_limit: &str, p: &mut Problems) -> Option<Settings> {
    let limit = match f.string("rate_limit", p) {
        Some(l) => RateLimit::parse(l.get_ref()).or_else(|| {
            p.at(
                l.span(),
                format!("`{}.rate_limit` {:?} must look like \"600/min\", \"10/s\" or \"200/h\"", f.path, l.get_ref()),
            );
            None
        }),
        None => RateLimit::parse(default_limit),
    };
    let mut whole =
        |f: &mut Fields<'_, '_>, key: &str, default: u64, range: std::ops::RangeInclusive<u64>| match f.integer(key, p) {
            Some(n) => match u64::try_from(*n.get_ref()) {
                Ok(v) if range.contains(&v) => v,
                _ => {
                    p.at(n.span(), format!("`{}.{key}` must be between {} and {}", f.path, range.start(), range.end()));
                    default
                }
            },
            None => default,
        };
    let concurrency = whole(f, "concurrency", 8, 1..=256) as usize;
    let timeout = Duration::from_secs(whole(f, "timeout_secs", 30, 1..=600));
    let attempts = whole(f, "attempts", 5, 1..=20) as u32;
    let backoff_base = Duration::from_millis(whole(f, "backoff_ms", 500, 1..=60_000));
    let backoff_cap = Duration::from_secs(whole(f, "backoff_cap_secs", 60, 1..=3600));
    let max_wait = Duration::from_secs(whole(f, "max_wait_secs", 900, 1..=86_400));
    Some(Settings { limit: limit?, concurrency, timeout, attempts, backoff_base, backoff_cap, max_wait })
}

/// Plain http is allowed only to this machine (test servers, a local proxy).
pub fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(h) => h.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}
