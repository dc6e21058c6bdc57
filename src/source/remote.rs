//! Input files given as URLs (`https://…`, or `http://` to this machine): downloaded once per
//! run with the configured auth header into a private folder (mode 0700) that is removed when
//! the run ends, and read like any local file. A redirect to another origin is refused (the
//! header would follow it). Errors and logs show the URL redacted: no user, password or query.

use super::SourceError;
use crate::config::EnvRef;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Whether an input pattern is a URL rather than a path or glob.
pub fn is_url(pattern: &str) -> bool {
    pattern.starts_with("https://") || pattern.starts_with("http://")
}

/// The header sent with every download: name and a `${VAR}` holding its whole value.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlAuth {
    pub header: String,
    pub value: EnvRef,
}

/// `url` fit to show: user and password replaced by `***`, the query (signatures, tokens)
/// replaced by `?…`.
pub fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let had_query = u.query().is_some_and(|q| !q.is_empty());
            if !u.username().is_empty() || u.password().is_some() {
                let _ = u.set_username("***");
                let _ = u.set_password(None);
            }
            u.set_query(None);
            u.set_fragment(None);
            let mut shown = u.to_string();
            if had_query {
                shown.push_str("?…");
            }
            shown
        }
        Err(_) => {
            // Not a URL: drop whatever could be a user:password@ or a query.
            let head = url.split(['?', '#']).next().unwrap_or("");
            match (head.find("://"), head.rfind('@')) {
                (Some(s), Some(at)) if at > s => format!("{}***{}", &head[..s + 3], &head[at..]),
                _ => head.to_string(),
            }
        }
    }
}

/// A redirect policy that follows at most 10 redirects within the origin of the first URL and
/// refuses any to another origin (scheme, host or port), so no credential header follows it.
pub fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(reqwest::Url::origin);
        if attempt.previous().len() > 10 {
            attempt.error("too many redirects")
        } else if first.is_some_and(|o| o != attempt.url().origin()) {
            let to = redact(attempt.url().as_str());
            attempt
                .error(format!("refused a redirect to another origin ({to}): credentials are sent to the configured origin only"))
        } else {
            attempt.follow()
        }
    })
}

/// The run's private download folder and how many runs use it.
static DOWNLOADS: Mutex<(usize, Option<tempfile::TempDir>)> = Mutex::new((0, None));

/// Held for a run: downloads go into a private folder (0700) that is deleted, with every
/// file in it, when the last scope ends.
pub struct DownloadScope(());

impl DownloadScope {
    pub fn begin() -> Self {
        if let Ok(mut d) = DOWNLOADS.lock() {
            d.0 += 1;
        }
        Self(())
    }
}

impl Drop for DownloadScope {
    fn drop(&mut self) {
        if let Ok(mut d) = DOWNLOADS.lock() {
            d.0 = d.0.saturating_sub(1);
            if d.0 == 0
                && let Some(dir) = d.1.take()
            {
                let path = dir.path().to_path_buf();
                if let Err(e) = dir.close() {
                    tracing::warn!(dir = %path.display(), error = %e, "could not remove the download folder");
                }
            }
        }
    }
}

/// The current download folder, created (mode 0700) on first use.
fn download_dir() -> std::io::Result<PathBuf> {
    let mut d = DOWNLOADS.lock().map_err(|_| std::io::Error::other("download folder lock poisoned"))?;
    if let Some(dir) = &d.1 {
        return Ok(dir.path().to_path_buf());
    }
    let dir = tempfile::Builder::new().prefix("tierwise-run-").tempdir()?;
    #[cfg(unix)]
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    let path = dir.path().to_path_buf();
    d.1 = Some(dir);
    Ok(path)
}

/// `path` itself, or the downloaded copy when it is a URL.
pub fn local(path: &std::path::Path, auth: Option<&UrlAuth>) -> Result<PathBuf, SourceError> {
    match path.to_str().filter(|p| is_url(p)) {
        Some(url) => fetch(url, auth),
        None => Ok(path.to_path_buf()),
    }
}

/// Downloads `url` into the run's download folder; returns the local file.
pub fn fetch(url: &str, auth: Option<&UrlAuth>) -> Result<PathBuf, SourceError> {
    let shown = redact(url);
    let fail = |message: String| SourceError::Download { url: shown.clone(), message };
    let parsed = reqwest::Url::parse(url).map_err(|e| fail(e.to_string()))?;
    if parsed.scheme() != "https" && !crate::config::is_loopback(&parsed) {
        return Err(fail("only https URLs are read (plain http only from this machine)".into()));
    }
    let header = match auth {
        Some(a) => Some((a.header.clone(), a.value.resolve().map_err(|e| fail(e.to_string()))?)),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| fail(e.to_string()))?;
    let bytes = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(300))
            .user_agent(concat!("tierwise/", env!("CARGO_PKG_VERSION")))
            .redirect(same_origin_redirects())
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let mut request = client.get(parsed.clone());
        if let Some((name, value)) = &header {
            request = request.header(name.as_str(), secrecy::ExposeSecret::expose_secret(value));
        }
        let response = request.send().await.map_err(|e| fail(format!("no answer ({})", chain(&e.without_url()))))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!("the server answered HTTP {}", status.as_u16())));
        }
        response.bytes().await.map_err(|e| fail(format!("the download broke off ({})", e.without_url())))
    })?;
    let name = parsed.path_segments().and_then(|mut s| s.next_back()).filter(|n| !n.is_empty()).unwrap_or("download.csv");
    let digest = Sha256::digest(url.as_bytes());
    let tag: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let dir = download_dir().map_err(|e| fail(format!("cannot create the download folder ({e})")))?;
    let path = dir.join(format!("{tag}-{name}"));
    let tmp = path.with_extension(format!("part{}", std::process::id()));
    std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, &path)).map_err(|e| fail(e.to_string()))?;
    tracing::info!(url = %shown, bytes = bytes.len(), "input downloaded");
    Ok(path)
}

/// An error with its causes, `: `-joined (reqwest keeps the redirect refusal in a source).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_users_passwords_and_queries() {
        assert_eq!(redact("https://bob:s3cret@shop.example/orders.csv"), "https://***@shop.example/orders.csv");
        assert_eq!(redact("https://shop.example/o.csv?sig=abc&token=t"), "https://shop.example/o.csv?…");
        assert_eq!(redact("https://shop.example/o.csv"), "https://shop.example/o.csv");
        assert_eq!(redact("https://u:p@[bad"), "https://***@[bad");
        for shown in [redact("https://bob:s3cret@x.example/a?k=s3cret"), redact("http://bob:s3cret@%zz/?s3cret")] {
            assert!(!shown.contains("s3cret"), "{shown}");
        }
    }

    #[test]
    fn the_download_folder_is_private_and_removed_with_its_scope() {
        let scope = DownloadScope::begin();
        let dir = download_dir().unwrap();
        std::fs::write(dir.join("x.csv"), "a").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        }
        drop(scope);
        // Other tests in this process may hold a scope; the folder goes when the last ends.
        if DOWNLOADS.lock().unwrap().0 == 0 {
            assert!(!dir.exists());
        }
    }
}
