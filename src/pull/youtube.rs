//! YouTube Data API v3: `channels.list` (statistics as strings, the uploads playlist), the
//! uploads playlist page by page (`nextPageToken`), and `videos.list` in batches of 50.
//! `quotaExceeded` stops YouTube for the rest of the run: retrying before midnight Pacific
//! time only spends more quota.

use super::http::{Api, Call, CallError, Verdict, by_status, retry_after};
use super::{Account, AccountPull, PostRow};
use chrono::{DateTime, Utc};
use reqwest::Url;
use reqwest::header::HeaderMap;
use serde_json::Value;

fn reasons(body: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(err) = body.and_then(|b| b.get("error")) {
        for e in err.get("errors").and_then(Value::as_array).into_iter().flatten() {
            out.extend(e.get("reason").and_then(Value::as_str).map(str::to_string));
        }
        for d in err.get("details").and_then(Value::as_array).into_iter().flatten() {
            out.extend(d.get("reason").and_then(Value::as_str).map(str::to_string));
        }
        out.extend(err.get("status").and_then(Value::as_str).map(str::to_string));
    }
    out
}

pub fn classify(status: u16, headers: &HeaderMap, body: Option<&Value>) -> Verdict {
    let reasons = reasons(body);
    let has = |r: &[&str]| reasons.iter().any(|x| r.contains(&x.as_str()));
    let message = body.and_then(|b| b.pointer("/error/message")).and_then(Value::as_str).unwrap_or("").to_string();
    if has(&["quotaExceeded", "dailyLimitExceeded", "QUOTA_EXCEEDED"]) {
        return Verdict::StopPlatform(
            "YouTube's daily quota is used up (quotaExceeded); it resets at midnight Pacific time, so YouTube was not pulled \
             further in this run"
                .to_string(),
        );
    }
    if has(&["rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"]) || status == 429 {
        return Verdict::Retry {
            after: retry_after(headers),
            throttled: true,
            reason: format!("rate limited ({})", reasons.join(", ")),
        };
    }
    if has(&["authError", "keyInvalid", "keyExpired", "UNAUTHENTICATED"]) || status == 401 {
        return Verdict::Account(format!("the API key or token was refused: {message}"));
    }
    match by_status(status, headers, "YouTube") {
        Verdict::Account(m) if !message.is_empty() => Verdict::Account(format!("{m}: {message}")),
        other => other,
    }
}

fn count(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_str().and_then(|s| s.parse().ok()).or_else(|| v.as_i64()))
}

fn authed(call: Call, account: &Account) -> Call {
    match &account.token {
        Some(t) => {
            let secret = secrecy::ExposeSecret::expose_secret(t).to_string();
            // An API key goes in X-Goog-Api-Key; an OAuth token (ya29.…) as a bearer token.
            if secret.starts_with("ya29.") {
                call.header("authorization", format!("Bearer {secret}"))
            } else {
                call.header("x-goog-api-key", secret)
            }
        }
        None => call,
    }
}

pub async fn pull(api: &Api, base: &Url, account: &Account, since: DateTime<Utc>) -> Result<AccountPull, CallError> {
    let join = |path: &str| base.join(path).map_err(|e| CallError::Account(format!("bad YouTube URL: {e}")));
    let mut url = join("channels")?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("part", "statistics,contentDetails");
        if account.id.starts_with("UC") && account.id.len() == 24 {
            q.append_pair("id", &account.id);
        } else {
            q.append_pair("forHandle", &format!("@{}", account.id.trim_start_matches('@')));
        }
    }
    let body = api.send(&authed(Call::get(url), account)).await?;
    let Some(channel) = body.pointer("/items/0") else {
        return Err(CallError::Account(format!("youtube {}: no such channel", account.handle)));
    };
    let hidden = channel.pointer("/statistics/hiddenSubscriberCount").and_then(Value::as_bool) == Some(true);
    let followers = if hidden { None } else { count(channel.pointer("/statistics/subscriberCount")) };
    let mut out = AccountPull { followers, posts: Vec::new(), notes: Vec::new() };
    if hidden {
        out.notes.push(format!("youtube {}: the channel hides its subscriber count", account.handle));
    }
    let Some(uploads) = channel.pointer("/contentDetails/relatedPlaylists/uploads").and_then(Value::as_str) else {
        return Ok(out);
    };

    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    'pages: loop {
        let mut url = join("playlistItems")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("part", "contentDetails").append_pair("playlistId", uploads).append_pair("maxResults", "50");
            if let Some(t) = &token {
                q.append_pair("pageToken", t);
            }
        }
        let page = api.send(&authed(Call::get(url), account)).await?;
        for item in page.get("items").and_then(Value::as_array).into_iter().flatten() {
            let id = item.pointer("/contentDetails/videoId").and_then(Value::as_str);
            let at = item.pointer("/contentDetails/videoPublishedAt").and_then(Value::as_str);
            let at = at.and_then(|a| DateTime::parse_from_rfc3339(a).ok()).map(|t| t.with_timezone(&Utc));
            match (id, at) {
                (Some(_), Some(at)) if at < since => break 'pages,
                (Some(id), _) => ids.push(id.to_string()),
                _ => {}
            }
        }
        match page.get("nextPageToken").and_then(Value::as_str) {
            Some(t) if Some(t) != token.as_deref() => token = Some(t.to_string()),
            _ => break,
        }
    }

    for batch in ids.chunks(50) {
        let mut url = join("videos")?;
        url.query_pairs_mut().append_pair("part", "statistics,snippet").append_pair("id", &batch.join(","));
        let body = api.send(&authed(Call::get(url), account)).await?;
        for v in body.get("items").and_then(Value::as_array).into_iter().flatten() {
            let Some(id) = v.get("id").and_then(Value::as_str) else { continue };
            let published = v.pointer("/snippet/publishedAt").and_then(Value::as_str);
            let Some(posted_at) = published.and_then(|p| DateTime::parse_from_rfc3339(p).ok()).map(|t| t.with_timezone(&Utc))
            else {
                continue;
            };
            if posted_at < since {
                continue;
            }
            let stat = |name: &str| count(v.pointer(&format!("/statistics/{name}")));
            out.posts.push(PostRow {
                platform: crate::source::Platform::Youtube,
                handle: account.handle.clone(),
                post_id: id.to_string(),
                posted_at,
                metrics: [stat("likeCount"), stat("commentCount"), None, None, None, None, stat("viewCount")],
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quota_stops_the_platform_and_rate_limits_retry() {
        let h = HeaderMap::new();
        let quota = json!({"error": {"code": 403, "message": "quota", "errors": [{"domain": "youtube.quota", "reason": "quotaExceeded"}]}});
        assert!(matches!(classify(403, &h, Some(&quota)), Verdict::StopPlatform(_)));
        let rate = json!({"error": {"code": 403, "errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded"}]}});
        assert!(matches!(classify(403, &h, Some(&rate)), Verdict::Retry { throttled: true, .. }));
        assert_eq!(classify(200, &h, Some(&json!({}))), Verdict::Ok { pause: None });
    }
}
