//! Expands input globs into files in natural name order (`orders_2` before `orders_10`).

use super::SourceError;
use std::path::{Path, PathBuf};

/// The files matching `patterns` (relative to `base`), each once, in natural order; then any
/// URLs, downloaded, in the order given.
pub fn expand(patterns: &[String], base: &Path) -> Result<Vec<PathBuf>, SourceError> {
    expand_with(patterns, base, None)
}

pub fn expand_with(patterns: &[String], base: &Path, auth: Option<&super::remote::UrlAuth>) -> Result<Vec<PathBuf>, SourceError> {
    let mut out = Vec::new();
    let mut downloaded = Vec::new();
    for pattern in patterns {
        if super::remote::is_url(pattern) {
            downloaded.push(super::remote::fetch(pattern, auth)?);
            continue;
        }
        let full = base.join(pattern);
        let text = full.to_string_lossy().into_owned();
        let matches = glob::glob(&text).map_err(|source| SourceError::Pattern { pattern: pattern.clone(), source })?;
        let mut found: Vec<PathBuf> = matches.filter_map(Result::ok).filter(|p| p.is_file()).collect();
        if found.is_empty() {
            return Err(SourceError::NoFiles { pattern: text });
        }
        out.append(&mut found);
    }
    out.sort_by(|a, b| natord::compare(&a.to_string_lossy(), &b.to_string_lossy()));
    out.dedup();
    out.extend(downloaded);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_and_no_match_error() {
        let dir = tempfile::tempdir().unwrap();
        for n in ["orders_10.csv", "orders_2.csv", "orders_1.csv"] {
            std::fs::write(dir.path().join(n), "x").unwrap();
        }
        let files = expand(&["orders_*.csv".into()], dir.path()).unwrap();
        let names: Vec<_> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["orders_1.csv", "orders_2.csv", "orders_10.csv"]);
        assert!(matches!(expand(&["none*.csv".into()], dir.path()), Err(SourceError::NoFiles { .. })));
    }
}
