//! What a file on disk is by its metadata (size, modification time, inode), taken around a
//! read: the parse cache is keyed by it, and a run's kept copy of an input is checked against
//! it instead of hashing the file a second time.

use std::path::Path;

/// A file's size, modification time (nanoseconds since 1970) and inode (0 off Unix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub len: u64,
    pub modified_ns: u128,
    pub inode: u64,
}

impl Identity {
    /// The identity of the file at `path` now; none when it cannot be looked at.
    pub fn of(path: &Path) -> Option<Self> {
        Self::from_metadata(&std::fs::metadata(path).ok()?)
    }

    pub fn from_metadata(meta: &std::fs::Metadata) -> Option<Self> {
        let modified_ns = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0u64;
        Some(Self { len: meta.len(), modified_ns, inode })
    }

    /// `before` (taken when a read began) when `path` is still that file now: the bytes read
    /// are the file's bytes. None when it changed, was replaced or cannot be looked at.
    pub fn unchanged_since(before: Option<Self>, path: &Path) -> Option<Self> {
        before.filter(|b| Self::of(path) == Some(*b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_or_replaced_file_is_not_the_file_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orders.csv");
        std::fs::write(&path, "a\n1\n").unwrap();
        let before = Identity::of(&path);
        assert!(before.is_some());
        assert_eq!(Identity::unchanged_since(before, &path), before);
        std::fs::write(&path, "a\n1\n2\n").unwrap();
        assert_eq!(Identity::unchanged_since(before, &path), None, "rewritten (another size)");
        let now = Identity::of(&path);
        let other = dir.path().join("other.csv");
        std::fs::write(&other, "a\n1\n2\n").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert_eq!(Identity::unchanged_since(now, &path), None, "replaced by another file (another inode)");
        assert_eq!(Identity::unchanged_since(now, &dir.path().join("gone.csv")), None);
    }
}
