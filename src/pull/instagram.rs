//! Instagram Graph API (Facebook Login on graph.facebook.com, or Instagram Login on
//! graph.instagram.com): the account's `followers_count`, its media list (cursor pages,
//! `paging.next` until absent, empty pages included), and each media's lifetime insights with
//! the metric names valid since 2025, chosen per media type. A metric the API leaves out is
//! "not reported", never 0.

use super::http::{Api, Call, CallError, Verdict, by_status, retry_after};
use super::{Account, AccountPull, PostRow};
use chrono::{DateTime, Utc};
use reqwest::Url;
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::time::Duration;

/// Metrics per media: (media_product_type or media_type, metrics requested).
fn metrics_for(product: &str, kind: &str) -> &'static str {
    match (product, kind) {
        ("STORY", _) => "views,reach,shares,total_interactions",
        (_, "CAROUSEL_ALBUM") => "views,reach,saved,shares,total_interactions",
        _ => "views,reach,saved,shares,likes,comments,total_interactions",
    }
}

/// Meta's error codes for throttling: 4 app, 17 user, 32 page, 613 custom, 341 app limit,
/// 80001–80014 business use case.
fn is_throttle(code: i64) -> bool {
    matches!(code, 4 | 17 | 32 | 341 | 613) || (80001..=80014).contains(&code)
}

/// The longest `estimated_time_to_regain_access` (minutes) and the highest usage percentage in
/// `X-App-Usage` / `X-Business-Use-Case-Usage`.
fn usage(headers: &HeaderMap) -> (u64, i64) {
    let parse = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|s| serde_json::from_str::<Value>(s).ok());
    let mut regain = 0u64;
    let mut pct = 0i64;
    let mut read = |v: &Value| {
        for key in ["call_count", "total_cputime", "total_time"] {
            pct = pct.max(v.get(key).and_then(Value::as_i64).unwrap_or(0));
        }
        regain = regain.max(v.get("estimated_time_to_regain_access").and_then(Value::as_u64).unwrap_or(0));
    };
    if let Some(app) = parse("x-app-usage") {
        read(&app);
    }
    if let Some(Value::Object(buc)) = parse("x-business-use-case-usage") {
        for entries in buc.values() {
            for e in entries.as_array().into_iter().flatten() {
                read(e);
            }
        }
    }
    (regain, pct)
}

/// Reads a Graph API response: branch on `error.code`, not on the HTTP status.
pub fn classify(status: u16, headers: &HeaderMap, body: Option<&Value>) -> Verdict {
    let (regain_min, pct) = usage(headers);
    let regain = (regain_min > 0).then(|| Duration::from_secs(regain_min * 60));
    let Some(err) = body.and_then(|b| b.get("error")) else {
        return match by_status(status, headers, "Instagram") {
            Verdict::Ok { .. } if pct >= 100 => Verdict::Ok { pause: Some(regain.unwrap_or(Duration::from_secs(60))) },
            other => other,
        };
    };
    let code = err.get("code").and_then(Value::as_i64).unwrap_or(0);
    let sub = err.get("error_subcode").and_then(Value::as_i64).unwrap_or(0);
    let message = err.get("message").and_then(Value::as_str).unwrap_or("").to_string();
    let what = format!("error {code}{}: {message}", if sub != 0 { format!("/{sub}") } else { String::new() });
    match code {
        c if is_throttle(c) => Verdict::Retry { after: regain.or(retry_after(headers)), throttled: true, reason: what },
        190 => Verdict::Account(format!("the access token has expired or was revoked ({what}); renew it")),
        10 | 200 if message.contains("permission") => Verdict::Account(format!("missing permission ({what})")),
        10 => Verdict::Skip(what),
        100 if sub == 2_108_006 => Verdict::Skip(what),
        1 | 2 => Verdict::Retry { after: retry_after(headers), throttled: false, reason: what },
        _ if err.get("is_transient").and_then(Value::as_bool) == Some(true) || status >= 500 => {
            Verdict::Retry { after: retry_after(headers), throttled: false, reason: what }
        }
        _ => Verdict::Account(what),
    }
}

fn authed(call: Call, account: &Account) -> Call {
    match &account.token {
        Some(t) => call.header("authorization", format!("Bearer {}", secrecy::ExposeSecret::expose_secret(t))),
        None => call,
    }
}

/// `paging.next` as given, minus any `access_token` (ours travels in a header).
fn next_page(body: &Value) -> Option<Url> {
    let raw = body.pointer("/paging/next")?.as_str()?;
    let mut url = Url::parse(raw).ok()?;
    let kept: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| k != "access_token").map(|(k, v)| (k.into(), v.into())).collect();
    url.query_pairs_mut().clear().extend_pairs(kept);
    Some(url)
}

/// `2019-04-05T07:56:32+0000` (no colon in the offset), or RFC 3339.
pub fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(raw))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn count(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
}

/// One insight's number: `values[0].value`, or `total_value.value`.
fn insight_value(item: &Value) -> Option<i64> {
    count(item.pointer("/values/0/value")).or_else(|| count(item.pointer("/total_value/value")))
}

pub async fn pull(api: &Api, base: &Url, account: &Account, since: DateTime<Utc>) -> Result<AccountPull, CallError> {
    let join = |path: &str| base.join(path).map_err(|e| CallError::Account(format!("bad Instagram URL: {e}")));
    let mut url = join(&account.id)?;
    url.query_pairs_mut().append_pair("fields", "id,username,followers_count,media_count");
    let body = api.send(&authed(Call::get(url), account)).await?;
    let node = body.pointer("/data/0").unwrap_or(&body);
    let followers = count(node.get("followers_count"));
    let mut out = AccountPull { followers, posts: Vec::new(), notes: Vec::new() };
    if followers.is_none() {
        out.notes.push(format!("instagram {}: no followers_count in the answer", account.handle));
    }

    let mut url = join(&format!("{}/media", account.id))?;
    url.query_pairs_mut()
        .append_pair("fields", "id,timestamp,media_type,media_product_type,like_count,comments_count")
        .append_pair("limit", "50");
    let mut media = Vec::new();
    let mut next = Some(url);
    'pages: while let Some(url) = next.take() {
        let page = api.send(&authed(Call::get(url), account)).await?;
        for item in page.get("data").and_then(Value::as_array).into_iter().flatten() {
            let Some(at) = item.get("timestamp").and_then(Value::as_str).and_then(parse_time) else { continue };
            if at < since {
                break 'pages; // newest first: everything after this is older
            }
            media.push((item.clone(), at));
        }
        next = next_page(&page).map(|n| super::http::same_origin(n, base, "instagram")).transpose()?;
    }

    for (item, posted_at) in media {
        let Some(id) = item.get("id").and_then(Value::as_str) else { continue };
        let kind = item.get("media_type").and_then(Value::as_str).unwrap_or("");
        let product = item.get("media_product_type").and_then(Value::as_str).unwrap_or("");
        let mut url = join(&format!("{id}/insights"))?;
        url.query_pairs_mut().append_pair("metric", metrics_for(product, kind)).append_pair("period", "lifetime");
        let insights = match api.send(&authed(Call::get(url), account)).await {
            Ok(body) => body,
            Err(CallError::Skip(reason)) => {
                out.notes.push(format!("instagram {} media {id}: no insights ({reason})", account.handle));
                Value::Null
            }
            Err(e) => return Err(e),
        };
        let mut metric = std::collections::HashMap::new();
        for i in insights.get("data").and_then(Value::as_array).into_iter().flatten() {
            if let (Some(name), Some(v)) = (i.get("name").and_then(Value::as_str), insight_value(i)) {
                metric.insert(name.to_string(), v);
            }
        }
        let get = |name: &str| metric.get(name).copied();
        out.posts.push(PostRow {
            platform: crate::source::Platform::Instagram,
            handle: account.handle.clone(),
            post_id: id.to_string(),
            posted_at,
            // likes, comments, shares, saves, reach, impressions (retired in 2025), views
            metrics: [
                get("likes").or_else(|| count(item.get("like_count"))),
                get("comments").or_else(|| count(item.get("comments_count"))),
                get("shares"),
                get("saved"),
                get("reach"),
                None,
                get("views"),
            ],
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_offset_without_a_colon() {
        let t = parse_time("2023-06-12T19:20:02+0000").unwrap();
        assert_eq!(t.to_rfc3339(), "2023-06-12T19:20:02+00:00");
    }

    #[test]
    fn throttle_codes_retry_and_pause_the_platform() {
        let h = HeaderMap::new();
        let body: Value = serde_json::json!({"error": {"code": 17, "message": "(#17) User request limit reached"}});
        assert!(matches!(classify(400, &h, Some(&body)), Verdict::Retry { throttled: true, .. }));
        let body: Value = serde_json::json!({"error": {"code": 190, "error_subcode": 463, "message": "Session has expired"}});
        assert!(matches!(classify(400, &h, Some(&body)), Verdict::Account(m) if m.contains("expired")));
        let body: Value = serde_json::json!({"error": {"code": 100, "error_subcode": 2108006, "message": "Invalid parameter"}});
        assert!(matches!(classify(400, &h, Some(&body)), Verdict::Skip(_)));
    }

    #[test]
    fn business_usage_at_its_limit_pauses_for_the_regain_time() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-business-use-case-usage",
            r#"{"1":[{"type":"instagram","call_count":100,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":7}]}"#
                .parse()
                .unwrap(),
        );
        assert_eq!(classify(200, &h, Some(&Value::Null)), Verdict::Ok { pause: Some(Duration::from_secs(420)) });
    }

    #[test]
    fn next_page_drops_the_token_from_the_url() {
        let body = serde_json::json!({"paging": {"next": "https://graph.facebook.com/v23.0/1/media?access_token=SECRET&limit=50&after=QVFI"}});
        let url = next_page(&body).unwrap();
        assert_eq!(url.as_str(), "https://graph.facebook.com/v23.0/1/media?limit=50&after=QVFI");
    }
}
