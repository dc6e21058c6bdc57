//! Input files given as URLs (`https://…`, or `http://` to this machine): downloaded once per
//! run with the configured auth header, kept in a temporary folder under a name derived from
//! the URL, and read like any local file. A failed download fails the run with the URL named
//! (never the header's value).

use super::SourceError;
use crate::config::EnvRef;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
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

/// `path` itself, or the downloaded copy when it is a URL.
pub fn local(path: &std::path::Path, auth: Option<&UrlAuth>) -> Result<PathBuf, SourceError> {
    match path.to_str().filter(|p| is_url(p)) {
        Some(url) => fetch(url, auth),
        None => Ok(path.to_path_buf()),
    }
}

/// Downloads `url` into the temporary folder; returns the local file.
pub fn fetch(url: &str, auth: Option<&UrlAuth>) -> Result<PathBuf, SourceError> {
    let fail = |message: String| SourceError::Download { url: url.to_string(), message };
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
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let mut request = client.get(parsed.clone());
        if let Some((name, value)) = &header {
            request = request.header(name.as_str(), secrecy::ExposeSecret::expose_secret(value));
        }
        let response = request.send().await.map_err(|e| fail(format!("no answer ({})", e.without_url())))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!("the server answered HTTP {}", status.as_u16())));
        }
        response.bytes().await.map_err(|e| fail(format!("the download broke off ({})", e.without_url())))
    })?;
    let name = parsed.path_segments().and_then(|mut s| s.next_back()).filter(|n| !n.is_empty()).unwrap_or("download.csv");
    let digest = Sha256::digest(url.as_bytes());
    let tag: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let dir = std::env::temp_dir().join("tierwise-downloads");
    std::fs::create_dir_all(&dir).map_err(|e| fail(e.to_string()))?;
    let path = dir.join(format!("{tag}-{name}"));
    let tmp = path.with_extension(format!("part{}", std::process::id()));
    std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, &path)).map_err(|e| fail(e.to_string()))?;
    tracing::info!(url = %parsed.as_str().split('?').next().unwrap_or(""), bytes = bytes.len(), "input downloaded");
    Ok(path)
}
