//! The parse cache: what a reader made of one input file, kept as parquet in the state folder
//! so the next run, rerun or check on an unchanged file reads that instead of the CSV.
//!
//! An entry is keyed by the file's identity (canonical path, size, modification time, inode),
//! the reader and its version, and whatever else the frame depends on (the report's zone, the
//! roster's accounts for the stats files); the
//! file's SHA-256 and row count, taken while it was read the first time, are kept with it for
//! summary.json. An entry is used only when its recorded key is exactly the file's key now and
//! its parquet reads back with the recorded height; anything else (a changed file, a torn or
//! corrupt entry, another reader version) is rebuilt from the file. Files that had rejected
//! rows are not cached, so their rejects are reported on every run.
//!
//! Entries are written in the background, one after another, by one thread per cache, while
//! the run goes on ([`Cache::put`]); the cache waits for its writes when it is dropped
//! ([`Cache::wait`]), once a run's inputs are read. A write that fails or is cut short is never
//! read: it has a temporary name until it is whole.

use super::identity::Identity;
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

/// Bump when a reader's output changes: every older entry is then rebuilt.
pub const READER_VERSION: u32 = 3;

/// The cache folder of one state folder, and the thread writing entries to it (started by the
/// first entry put, ended by [`Cache::wait`]).
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    writer: Mutex<Option<(Sender<Job>, JoinHandle<()>)>>,
}

/// What is kept beside a cached frame.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub key: String,
    pub sha256: String,
    pub rows: usize,
    pub earliest: Option<i32>,
    pub recorded: Option<i64>,
    pub height: usize,
    /// (platform, handle) of the accounts in the file that the roster does not own (the stats
    /// readers keep only the roster's rows).
    #[serde(default)]
    pub unowned: Vec<(String, String)>,
}

impl Cache {
    pub fn new(state_dir: &Path) -> Self {
        Self { dir: state_dir.join("parse-cache"), writer: Mutex::new(None) }
    }

    /// The identity key of `path` for `reader` (with `extra`, e.g. the zone); none when the
    /// file cannot be looked at (it is then read and not cached).
    pub fn key(path: &Path, identity: Identity, reader: &str, extra: &str) -> Option<String> {
        let full = std::fs::canonicalize(path).ok()?;
        let Identity { len, modified_ns: mtime, inode } = identity;
        Some(format!(
            "{reader} v{READER_VERSION} tierwise {} {extra} | {} | {len} bytes | mtime {mtime} | inode {inode}",
            env!("CARGO_PKG_VERSION"),
            full.display(),
        ))
    }

    fn paths(&self, key: &str) -> (PathBuf, PathBuf) {
        let name = format!("{:x}", Sha256::digest(key.as_bytes()));
        (self.dir.join(format!("{}.parquet", &name[..32])), self.dir.join(format!("{}.json", &name[..32])))
    }

    /// The cached frame of `key`, if a sound entry with exactly `columns` exists.
    pub fn get(&self, key: &str, columns: &[&str]) -> Option<(DataFrame, Entry)> {
        let (frame_path, entry_path) = self.paths(key);
        let entry: Entry = serde_json::from_slice(&std::fs::read(&entry_path).ok()?).ok()?;
        if entry.key != key {
            return None;
        }
        let read = std::fs::File::open(&frame_path).map_err(PolarsError::from).and_then(|f| ParquetReader::new(f).finish());
        match read {
            Ok(df)
                if df.height() == entry.height
                    && df.get_column_names().iter().map(|c| c.as_str()).eq(columns.iter().copied()) =>
            {
                Some((df, entry))
            }
            Ok(_) | Err(_) => {
                tracing::warn!(entry = %frame_path.display(), "parse cache entry is damaged; reading the file again");
                None
            }
        }
    }

    /// Keeps `frame` under `key`, written by the cache's writer thread, one entry after
    /// another (the frame's columns are shared, not copied); a failure only loses the entry.
    pub fn put(&self, key: &str, frame: &DataFrame, entry: &Entry) {
        let (frame_path, entry_path) = self.paths(key);
        let job = Job { frame_path, entry_path, frame: frame.clone(), entry: entry.clone(), span: tracing::Span::current() };
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if writer.is_none() {
            let (tx, rx) = std::sync::mpsc::channel::<Job>();
            let dir = self.dir.clone();
            let spawned = std::thread::Builder::new().name("cache-writer".into()).spawn(move || {
                for mut job in rx {
                    let _span = job.span.enter();
                    if let Err(e) = write(&dir, &job.frame_path, &job.entry_path, &mut job.frame, &job.entry) {
                        tracing::warn!(error = %e, entry = %job.frame_path.display(), "could not keep a parse cache entry");
                    }
                }
            });
            match spawned {
                Ok(handle) => *writer = Some((tx, handle)),
                Err(e) => {
                    tracing::warn!(error = %e, "could not keep a parse cache entry");
                    return;
                }
            }
        }
        if let Some((tx, _)) = writer.as_ref() {
            // The writer ends only when its sender is dropped (in `wait`), so it receives.
            let _ = tx.send(job);
        }
    }

    /// Waits until every entry put so far is written (or has failed).
    pub fn wait(&self) {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some((tx, handle)) = writer {
            drop(tx);
            if handle.join().is_err() {
                tracing::warn!("the parse cache's writer failed; its entries are read from the files next time");
            }
        }
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        self.wait();
    }
}

/// One entry for the writer thread, with the span it was put in (its warnings name the run).
struct Job {
    frame_path: PathBuf,
    entry_path: PathBuf,
    frame: DataFrame,
    entry: Entry,
    span: tracing::Span,
}

/// Writes one entry: the frame (LZ4, no statistics: it is only ever read whole, and fast to
/// write), then the entry beside it, each under a temporary name renamed once complete.
fn write(dir: &Path, frame_path: &Path, entry_path: &Path, frame: &mut DataFrame, entry: &Entry) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    // One writer per cache, but another process may write the same entry meanwhile.
    let tmp = |path: &Path| path.with_extension(format!("tmp{}", std::process::id()));
    let frame_tmp = tmp(frame_path);
    let writer = ParquetWriter::new(std::fs::File::create(&frame_tmp)?)
        .with_compression(ParquetCompression::Lz4Raw)
        .with_statistics(StatisticsOptions::empty());
    if frame.should_rechunk() {
        writer.finish(frame)?;
    } else {
        // Chunks aligned across the columns (a file read chunk by chunk) are written as they
        // are, one row group each: no copy of the frame.
        let mut batched = writer.batched(frame.schema())?;
        batched.write_batch(frame)?;
        batched.finish()?;
    }
    std::fs::rename(&frame_tmp, frame_path)?;
    let entry_tmp = tmp(entry_path);
    std::fs::write(&entry_tmp, serde_json::to_vec(entry)?)?;
    std::fs::rename(&entry_tmp, entry_path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_or_damaged_entry_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("orders.csv");
        std::fs::write(&file, "a\n1\n").unwrap();
        let cache = Cache::new(dir.path());
        let key = Cache::key(&file, Identity::of(&file).unwrap(), "shopify", "Europe/Copenhagen").unwrap();
        let df = df!("a" => [1i64, 2]).unwrap();
        let entry = Entry {
            key: key.clone(),
            sha256: "x".into(),
            rows: 2,
            earliest: Some(3),
            recorded: None,
            height: 2,
            unowned: vec![],
        };
        cache.put(&key, &df, &entry);
        // Written in the background: complete once the cache that put it is dropped.
        drop(cache);
        let cache = Cache::new(dir.path());
        #[cfg(unix)]
        {
            // As readable as any file the user makes (the state folder may be shared).
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
            let (frame_path, entry_path) = cache.paths(&key);
            std::fs::File::create(dir.path().join("made")).unwrap();
            let made = mode(&dir.path().join("made"));
            assert_eq!((mode(&frame_path), mode(&entry_path)), (made, made));
        }
        assert_eq!(cache.get(&key, &["a"]).map(|(d, e)| (d.height(), e)), Some((2, entry.clone())));
        assert!(cache.get(&key, &["a", "b"]).is_none(), "a frame of another shape is not used");

        std::fs::write(&file, "a\n1\n2\n").unwrap();
        let changed = Cache::key(&file, Identity::of(&file).unwrap(), "shopify", "Europe/Copenhagen").unwrap();
        assert_ne!(changed, key);
        assert!(cache.get(&changed, &["a"]).is_none());

        // A frame read chunk by chunk (aligned chunks) is written one row group per chunk.
        let mut chunked = df!("a" => [1i64, 2]).unwrap();
        chunked.vstack_mut_owned_unchecked(df!("a" => [3i64]).unwrap());
        assert!(!chunked.should_rechunk() && chunked.first_col_n_chunks() == 2);
        let three = Entry { height: 3, ..entry.clone() };
        cache.put(&key, &chunked, &three);
        cache.wait();
        let (back, _) = cache.get(&key, &["a"]).expect("a chunked frame reads back");
        assert_eq!(back.column("a").unwrap().i64().unwrap().iter().collect::<Vec<_>>(), [Some(1), Some(2), Some(3)]);
        cache.put(&key, &df, &entry);
        cache.wait();

        let (frame_path, _) = cache.paths(&key);
        let bytes = std::fs::read(&frame_path).unwrap();
        std::fs::write(&frame_path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(cache.get(&key, &["a"]).is_none(), "a torn parquet file is not trusted");
    }
}
