//! The copies of the export files a run read, kept under `files/<sha256>.<ext>` of the
//! report's snapshot folder, and their retention.

use super::{SnapshotError, Store};
use crate::source::identity::Identity;
use std::path::Path;
use std::time::SystemTime;

impl Store {
    /// Keeps a copy of an export file a run read, named by its SHA-256; a copy already kept
    /// is marked as used now (its retention starts again). When the run knows what the file
    /// was while it read it (`identity`: size, modification time, inode), the kernel copies it
    /// (`std::io::copy` between files: `copy_file_range` on Linux) and the source's identity is
    /// compared with that before and after the copy, instead of the file being read and hashed
    /// a second time: a file whose size, modification time or inode changed since the run read
    /// it is not kept under the old name (the trust the parse cache places in the same
    /// identity; a rewrite that keeps all three is not noticed). Without an identity the file
    /// is copied in blocks and hashed on the way. A multi-GB export is never held in memory.
    /// The copy is a new file of this process (its own permissions, modified now). Returns
    /// whether a copy is kept.
    pub fn keep_file(&self, source: &Path, sha256: &str, identity: Option<Identity>) -> Result<bool, SnapshotError> {
        let ext = source.extension().and_then(|e| e.to_str()).unwrap_or("dat");
        let path = self.dir.join("files").join(format!("{sha256}.{ext}"));
        if path.exists() {
            let touch = std::fs::File::options().append(true).open(&path).and_then(|f| f.set_modified(SystemTime::now()));
            return touch.map(|()| true).map_err(Self::io(&path));
        }
        let dir = self.dir.join("files");
        std::fs::create_dir_all(&dir).map_err(Self::io(&dir))?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let copied = match identity {
            Some(read) => copy_unchanged(source, &tmp, read),
            None => copy_hashed(source, &tmp).map(|hash| hash == sha256),
        };
        match copied {
            Ok(true) => std::fs::rename(&tmp, &path).map(|()| true).map_err(Self::io(&path)),
            Ok(false) => {
                let _ = std::fs::remove_file(&tmp);
                tracing::warn!(file = %source.display(), "not kept: the file changed after the run read it");
                Ok(false)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Deletes kept input copies not used for `days` days before `now` (all of them for 0);
    /// returns how many went. They hold customers' personal data (`keep_inputs_days`).
    pub fn prune_files(&self, days: u32, now: SystemTime) -> Result<usize, SnapshotError> {
        let dir = self.dir.join("files");
        let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(0) };
        let cutoff = now.checked_sub(std::time::Duration::from_secs(u64::from(days) * 86_400)).unwrap_or(SystemTime::UNIX_EPOCH);
        let mut removed = 0;
        for entry in entries {
            let path = entry.map_err(Self::io(&dir))?.path();
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).map_err(Self::io(&path))?;
            if days == 0 || modified < cutoff {
                std::fs::remove_file(&path).map_err(Self::io(&path))?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// Copies `source` to `to` if it is the file `read` before and after the copy (then synced to
/// disk); returns whether it was.
fn copy_unchanged(source: &Path, to: &Path, read: Identity) -> Result<bool, SnapshotError> {
    if Identity::of(source) != Some(read) {
        return Ok(false);
    }
    let mut from = std::fs::File::open(source).map_err(Store::io(source))?;
    // A new file (not `std::fs::copy`, which would copy the export's permissions, and on some
    // systems its times, so a read-only export would make a copy that cannot be marked used).
    let mut copy = std::fs::File::create(to).map_err(Store::io(to))?;
    let copied = std::io::copy(&mut from, &mut copy).map_err(Store::io(to))?;
    if copied != read.len || Identity::of(source) != Some(read) {
        return Ok(false);
    }
    copy.sync_all().map_err(Store::io(to))?;
    Ok(true)
}

/// Copies `source` to `to` in 1 MiB blocks; returns the SHA-256 of what was copied. An error
/// names the file it happened on.
fn copy_hashed(source: &Path, to: &Path) -> Result<String, SnapshotError> {
    use sha2::{Digest, Sha256};
    use std::io::{Read, Write};
    let mut from = std::fs::File::open(source).map_err(Store::io(source))?;
    let file = std::fs::File::create(to).map_err(Store::io(to))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let (mut hasher, mut block) = (Sha256::new(), vec![0u8; 1 << 20]);
    loop {
        let n = from.read(&mut block).map_err(Store::io(source))?;
        if n == 0 {
            break;
        }
        hasher.update(&block[..n]);
        out.write_all(&block[..n]).map_err(Store::io(to))?;
    }
    let file = out.into_inner().map_err(|e| Store::io(to)(e.into_error()))?;
    file.sync_all().map_err(Store::io(to))?;
    Ok(format!("{:x}", hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use crate::snapshot::Store;
    use crate::source::identity::Identity;
    use sha2::{Digest, Sha256};

    #[test]
    fn an_export_is_kept_by_its_hash_and_a_changed_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path(), "weekly");
        let source = dir.path().join("orders_export_1.csv");
        // Larger than one copy block, so the copy loop runs more than once.
        let bytes: Vec<u8> = (0..(3 << 20) + 17).map(|i| (i % 251) as u8).collect();
        std::fs::write(&source, &bytes).unwrap();
        let sha = format!("{:x}", Sha256::digest(&bytes));
        assert!(store.keep_file(&source, &sha, None).unwrap());
        let kept = dir.path().join("snapshots/weekly/files").join(format!("{sha}.csv"));
        assert_eq!(std::fs::read(&kept).unwrap(), bytes);

        std::fs::write(&source, b"changed after the run read it").unwrap();
        let other = format!("{:x}", Sha256::digest(b"what the run read"));
        assert!(!store.keep_file(&source, &other, None).unwrap());
        let files: Vec<_> = std::fs::read_dir(kept.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(files, [kept.file_name().unwrap().to_owned()], "no copy under the old hash, no temp file left");
    }

    #[test]
    fn a_file_read_with_its_identity_is_kept_without_hashing_it_again_unless_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path(), "weekly");
        let source = dir.path().join("orders_export_1.csv");
        std::fs::write(&source, "Name,Total\n#1,10.00\n").unwrap();
        let read = Identity::of(&source);
        // The name is taken as the run gives it: the kept copy is not hashed again.
        let named = "0".repeat(64);
        assert!(store.keep_file(&source, &named, read).unwrap());
        let kept = dir.path().join("snapshots/weekly/files").join(format!("{named}.csv"));
        assert_eq!(std::fs::read(&kept).unwrap(), std::fs::read(&source).unwrap());

        std::fs::write(&source, "Name,Total\n#1,10.00\n#2,5.00\n").unwrap();
        let other = "1".repeat(64);
        assert!(!store.keep_file(&source, &other, read).unwrap(), "the file changed since the run read it");
        let files: Vec<_> = std::fs::read_dir(kept.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(files, [kept.file_name().unwrap().to_owned()], "no copy under the old hash, no temp file left");
    }

    #[test]
    fn the_copy_of_a_read_only_old_export_is_a_new_writable_file_modified_now() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path(), "weekly");
        let source = dir.path().join("orders_export_1.csv");
        std::fs::write(&source, "Name,Total\n#1,10.00\n").unwrap();
        let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        std::fs::File::options().append(true).open(&source).unwrap().set_modified(long_ago).unwrap();
        let mut read_only = std::fs::metadata(&source).unwrap().permissions();
        read_only.set_readonly(true);
        std::fs::set_permissions(&source, read_only).unwrap();
        let sha = "2".repeat(64);
        assert!(store.keep_file(&source, &sha, Identity::of(&source)).unwrap());
        let kept = dir.path().join("snapshots/weekly/files").join(format!("{sha}.csv"));
        let meta = std::fs::metadata(&kept).unwrap();
        assert!(!meta.permissions().readonly(), "a later run must be able to mark it used");
        let age = std::time::SystemTime::now().duration_since(meta.modified().unwrap()).unwrap_or_default();
        assert!(age.as_secs() < 3600, "retention counts from the run, not from the export's own time");
        assert!(store.keep_file(&source, &sha, Identity::of(&source)).unwrap(), "kept already: marked used");
    }
}
