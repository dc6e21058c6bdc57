//! TikTok Display API v2 with the creator's own access token: `user/info` for
//! `follower_count`, and `video/list` (POST, `cursor` in milliseconds, `has_more`) for the
//! videos' counts. `error` is in every answer; `code == "ok"` means success.

use super::http::{Api, Call, CallError, Verdict, by_status, retry_after};
use super::{Account, AccountPull, PostRow};
use chrono::{DateTime, Utc};
use reqwest::Url;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub fn classify(status: u16, headers: &HeaderMap, body: Option<&Value>) -> Verdict {
    let code = body.and_then(|b| b.pointer("/error/code")).and_then(Value::as_str).unwrap_or("");
    let message = body.and_then(|b| b.pointer("/error/message")).and_then(Value::as_str).unwrap_or("");
    let what = format!("{code}: {message}");
    match code {
        "ok" if (200..300).contains(&status) => Verdict::Ok { pause: None },
        "rate_limit_exceeded" => Verdict::Retry { after: retry_after(headers), throttled: true, reason: what },
        "access_token_invalid" => {
            Verdict::Account(format!("the access token has expired or was revoked ({what}); ask the creator to reconnect"))
        }
        "scope_not_authorized" | "scope_permission_missed" => {
            Verdict::Account(format!("the token lacks a scope (user.info.stats, video.list) ({what})"))
        }
        "internal_error" => Verdict::Retry { after: retry_after(headers), throttled: false, reason: what },
        "" => by_status(status, headers, "TikTok"),
        _ if status >= 500 => Verdict::Retry { after: retry_after(headers), throttled: false, reason: what },
        _ => Verdict::Account(what),
    }
}

fn count(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
}

pub async fn pull(api: &Api, base: &Url, account: &Account, since: DateTime<Utc>) -> Result<AccountPull, CallError> {
    let Some(token) = &account.token else {
        return Err(CallError::Account(format!(
            "tiktok {}: no access token (the Display API reads a creator's own account: give the roster's `tiktok_token`)",
            account.handle
        )));
    };
    let bearer = format!("Bearer {}", secrecy::ExposeSecret::expose_secret(token));
    let join = |path: &str| base.join(path).map_err(|e| CallError::Account(format!("bad TikTok URL: {e}")));
    let mut url = join("v2/user/info/")?;
    url.query_pairs_mut().append_pair("fields", "open_id,username,display_name,follower_count");
    let body = api.send(&Call::get(url).header("authorization", bearer.clone())).await?;
    let followers = count(body.pointer("/data/user/follower_count"));
    let mut out = AccountPull { followers, posts: Vec::new(), notes: Vec::new() };
    if followers.is_none() {
        out.notes.push(format!("tiktok {}: no follower_count (is the user.info.stats scope granted?)", account.handle));
    }

    let mut url = join("v2/video/list/")?;
    url.query_pairs_mut().append_pair("fields", "id,create_time,like_count,comment_count,share_count,view_count");
    let mut cursor: Option<i64> = None;
    loop {
        let mut request = json!({ "max_count": 20 });
        if let Some(c) = cursor {
            request["cursor"] = json!(c);
        }
        let page = api.send(&Call::post(url.clone(), request).header("authorization", bearer.clone())).await?;
        let mut reached_older = false;
        for v in page.pointer("/data/videos").and_then(Value::as_array).into_iter().flatten() {
            let (Some(id), Some(secs)) = (v.get("id").and_then(Value::as_str), count(v.get("create_time"))) else { continue };
            let Some(posted_at) = DateTime::from_timestamp(secs, 0) else { continue };
            if posted_at < since {
                reached_older = true;
                break;
            }
            out.posts.push(PostRow {
                platform: crate::source::Platform::Tiktok,
                handle: account.handle.clone(),
                post_id: id.to_string(),
                posted_at,
                metrics: [
                    count(v.get("like_count")),
                    count(v.get("comment_count")),
                    count(v.get("share_count")),
                    None,
                    None,
                    None,
                    count(v.get("view_count")),
                ],
            });
        }
        let more = page.pointer("/data/has_more").and_then(Value::as_bool).unwrap_or(false);
        let next = count(page.pointer("/data/cursor"));
        if reached_older || !more || next.is_none() || next == cursor {
            break;
        }
        cursor = next;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_ok_is_success_and_codes_are_read() {
        let h = HeaderMap::new();
        let ok = json!({"data": {}, "error": {"code": "ok", "message": "", "log_id": "1"}});
        assert_eq!(classify(200, &h, Some(&ok)), Verdict::Ok { pause: None });
        let limited = json!({"error": {"code": "rate_limit_exceeded", "message": "slow down"}});
        assert!(matches!(classify(429, &h, Some(&limited)), Verdict::Retry { throttled: true, .. }));
        let expired = json!({"error": {"code": "access_token_invalid", "message": "expired"}});
        assert!(matches!(classify(401, &h, Some(&expired)), Verdict::Account(_)));
    }
}
