//! A UTF-8 CSV on disk read once, in chunks of whole records, by plain reads: one thread reads,
//! hashes, checks the structure of each block, notes where the wanted fields of every record
//! lie (the same walk: the text is parsed once) and cuts the text after the last complete
//! record once a chunk is full; while it reads on, each chunk is checked for UTF-8 whole and
//! the caller's lazy queries run on its wanted columns ([`super::fields`], its rows numbered
//! as in the file) on polars' in-memory engine (the chunk is in memory already). Nothing is
//! memory-mapped, so memory is bounded by a few chunks and what the queries keep, not by the
//! size of the file; a chunk's text and field spans go back to the reader as soon as its text
//! columns are built (they hold copies), not when its query ends.

use super::SourceError;
use super::csv_check::Scanner;
use super::fields::{Layout, text_columns};
use super::identity::Identity;
use super::scan::{DiskCsv, FileCheck};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};

/// About how many bytes of records a chunk holds (a record is never cut).
pub const CHUNK_BYTES: usize = 32 << 20;

/// [`CHUNK_BYTES`], or `TIERWISE_CHUNK_BYTES` when set: lets a test cut a small file into many
/// chunks (and so between the line items of an order).
fn chunk_bytes() -> usize {
    std::env::var("TIERWISE_CHUNK_BYTES").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(CHUNK_BYTES)
}

/// The header record followed by whole records, and where their wanted fields lie.
struct Chunk {
    bytes: Vec<u8>,
    /// The file row of its first record.
    first_row: usize,
    /// The file offset of its first record, and where that record starts in `bytes`.
    first_record: (u64, usize),
    /// The wanted fields of each record ([`Scanner::take_fields`]).
    fields: Vec<(u64, u64)>,
}

/// A used chunk's text and field spans, to be filled again.
type Spare = (Vec<u8>, Vec<(u64, u64)>);

/// Runs `run` on every chunk of `file` (a lazy frame of `columns` as text, and `row`, each
/// row's index in the file) and stacks each of its results over the chunks, in file order,
/// one chunk per frame (the results of every [`MERGE_EVERY`] chunks of the file are merged into
/// one polars chunk, aligned across their columns). `state` is passed from chunk to
/// chunk (what a query must know of the chunk before). Returns the results and what the
/// check found.
pub fn collect<S>(
    file: &DiskCsv,
    columns: &[&str],
    state: &mut S,
    run: impl FnMut(LazyFrame, &mut S) -> PolarsResult<Vec<DataFrame>>,
) -> Result<(PolarsResult<Vec<DataFrame>>, FileCheck), SourceError> {
    collect_in(file, columns, chunk_bytes(), state, run)
}

/// [`collect`] in chunks of about `chunk_bytes`.
fn collect_in<S>(
    file: &DiskCsv,
    columns: &[&str],
    chunk_bytes: usize,
    state: &mut S,
    mut run: impl FnMut(LazyFrame, &mut S) -> PolarsResult<Vec<DataFrame>>,
) -> Result<(PolarsResult<Vec<DataFrame>>, FileCheck), SourceError> {
    std::thread::scope(|s| {
        let (tx, rx) = sync_channel::<Chunk>(1);
        // A chunk's text and field spans, once its text columns are built, go back to the reader
        // to be filled again.
        let (spare_tx, spare_rx) = channel::<Spare>();
        let wanted = columns.iter().map(|c| file.header.iter().position(|h| h == c)).collect::<Option<Vec<_>>>();
        let Some(wanted) = wanted else {
            let column = columns.iter().find(|c| !file.header.iter().any(|h| h == *c)).unwrap_or(&"");
            return Err(SourceError::MissingColumn { path: file.path.clone(), column: column.to_string() });
        };
        let reader = std::thread::Builder::new()
            .name("csv-reader".into())
            .spawn_scoped(s, move || read_chunks(file, &wanted, chunk_bytes, tx, spare_rx))
            .map_err(|source| SourceError::Io { path: file.path.clone(), source })?;
        let mut stacked: PolarsResult<Stack> = Ok(Stack::default());
        let (mut waited, mut worked) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
        let mut columned = std::time::Duration::ZERO;
        let mut clock = std::time::Instant::now();
        let mut not_utf8 = false;
        for chunk in rx.iter() {
            waited += clock.elapsed();
            clock = std::time::Instant::now();
            let layout = Layout { fields: &chunk.fields, first_record: chunk.first_record, first_row: chunk.first_row };
            // Each chunk is checked for UTF-8 whole, once (then its fields are cut at ASCII
            // bytes); after a failure the rest is still read: the check reports every
            // malformed record, and a later chunk may show the file is not UTF-8 after all.
            let frame = match simdutf8::basic::from_utf8(&chunk.bytes) {
                Ok(text) if !not_utf8 && stacked.is_ok() => {
                    let t = std::time::Instant::now();
                    let frame = text_columns(text, &layout, columns);
                    columned += t.elapsed();
                    Some(frame)
                }
                Ok(_) => None,
                Err(_) => {
                    not_utf8 = true;
                    None
                }
            };
            // The text columns hold copies of the fields: the chunk's text and field spans go
            // back to the reader to be filled again while the query runs.
            let _ = spare_tx.send((chunk.bytes, chunk.fields));
            if let (Some(frame), Ok(frames)) = (frame, stacked.as_mut()) {
                let result = frame.and_then(|frame| run(frame.lazy(), state));
                if let Err(e) = result.and_then(|next| frames.push(next)) {
                    stacked = Err(e);
                }
            }
            worked += clock.elapsed();
            clock = std::time::Instant::now();
        }
        tracing::debug!(
            waited_ms = waited.as_millis() as u64,
            worked_ms = worked.as_millis() as u64,
            columns_ms = columned.as_millis() as u64,
            "chunks queried"
        );
        let mut check = reader.join().map_err(|_| SourceError::Row {
            path: file.path.clone(),
            line: 1,
            message: "the check pass failed".to_string(),
        })??;
        check.not_utf8 |= not_utf8;
        Ok((stacked.map(Stack::finish), check))
    })
}

/// How many chunks' results are merged into one polars chunk.
const MERGE_EVERY: usize = 8;

/// The results of the chunks read so far: those of the last few chunks as they came, the
/// earlier ones merged every [`MERGE_EVERY`] chunks. Each chunk's results are small arrays
/// allocated among the (larger, freed) memory of that chunk's query; left that way, thousands
/// of them keep much of that memory from being reused (at 5M orders the reader's peak memory
/// grew as chunks got smaller). Merged, their values are copied once into a few large arrays
/// (of text, the 16-byte views: longer texts stay in each chunk's compacted buffer).
#[derive(Default)]
struct Stack {
    merged: Vec<DataFrame>,
    recent: Vec<Vec<DataFrame>>,
}

impl Stack {
    fn push(&mut self, next: Vec<DataFrame>) -> PolarsResult<()> {
        self.recent.push(next.into_iter().map(compact).collect::<PolarsResult<Vec<_>>>()?);
        if self.recent.len() >= MERGE_EVERY {
            self.merge();
        }
        Ok(())
    }

    fn merge(&mut self) {
        let mut recent = std::mem::take(&mut self.recent).into_iter();
        let Some(mut frames) = recent.next() else { return };
        for next in recent {
            append(&mut frames, next);
        }
        frames.iter_mut().for_each(|f| _ = f.rechunk_mut());
        append(&mut self.merged, frames);
    }

    fn finish(mut self) -> Vec<DataFrame> {
        self.merge();
        self.merged
    }
}

/// `next` stacked under `frames` (query by query).
fn append(frames: &mut Vec<DataFrame>, next: Vec<DataFrame>) {
    if frames.is_empty() {
        *frames = next;
        return;
    }
    for (acc, frame) in frames.iter_mut().zip(next) {
        acc.vstack_mut_owned_unchecked(frame);
    }
}

/// `frame` with the strings of its text columns copied out: a text column the query filtered
/// still points into the text read for every row the chunk had, and would keep it all alive.
fn compact(frame: DataFrame) -> PolarsResult<DataFrame> {
    let columns = frame
        .columns()
        .iter()
        .map(|c| match c.dtype() {
            DataType::String => {
                let text = c.str()?;
                let arrays = text.downcast_iter().map(|a| a.clone().gc());
                Ok(StringChunked::from_chunk_iter(c.name().clone(), arrays).into_column())
            }
            _ => Ok(c.clone()),
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new_infer_height(columns)
}

/// How many bytes one read asks for.
const BLOCK: usize = 1 << 20;

/// Reads `file` once: hashes it, checks it record by record, notes where the
/// fields `wanted` (indices) of each record lie, and sends its records in chunks of about
/// `chunk_bytes`. The bytes are read straight into the chunk being filled (no copy); stops
/// early only when nobody receives.
fn read_chunks(
    file: &DiskCsv,
    wanted: &[usize],
    chunk_bytes: usize,
    tx: SyncSender<Chunk>,
    spare: Receiver<Spare>,
) -> Result<FileCheck, SourceError> {
    let io = |source| SourceError::Io { path: file.path.clone(), source };
    let mut input = std::fs::File::open(&file.path).map_err(io)?;
    let identity = input.metadata().ok().and_then(|m| Identity::from_metadata(&m));
    let mut hasher = Sha256::new();
    let mut scanner = Scanner::new(file.separator, false).capturing(wanted);
    let block = chunk_bytes.min(BLOCK);
    let mut first = true;
    let mut blocked = std::time::Duration::ZERO;
    // `pending` holds the header record, then the records not yet sent; `sent` is where (in the
    // bytes after the BOM) the first of those starts, `rows_sent` the data rows before it;
    let mut pending: Vec<u8> = Vec::with_capacity(chunk_bytes + 2 * block);
    let mut header_len: Option<usize> = None;
    let (mut sent, mut rows_sent) = (0u64, 0usize);
    loop {
        let start = pending.len();
        pending.reserve(block);
        let n = (&mut input).take(block as u64).read_to_end(&mut pending).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&pending[start..]);
        if first {
            pending.drain(..file.skip.min(n));
            first = false;
        }
        scanner.feed(&pending[start..]);
        if header_len.is_none() {
            header_len = scanner.header_end().map(|end| end as usize);
            sent = header_len.unwrap_or(0) as u64;
        }
        let Some(header) = header_len else { continue };
        if pending.len() - header >= chunk_bytes {
            let (end, rows) = scanner.record_end();
            let cut = header + (end - sent) as usize;
            if cut > header {
                let (mut next, spans) = spare.try_recv().unwrap_or_default();
                next.clear();
                next.reserve(chunk_bytes + 2 * block);
                next.extend_from_slice(&pending[..header]);
                next.extend_from_slice(&pending[cut..]);
                pending.truncate(cut);
                let bytes = std::mem::replace(&mut pending, next);
                let fields = scanner.take_fields(spans);
                let chunk = Chunk { bytes, first_row: rows_sent, first_record: (sent, header), fields };
                let clock = std::time::Instant::now();
                let delivered = tx.send(chunk);
                blocked += clock.elapsed();
                if delivered.is_err() {
                    break;
                }
                (sent, rows_sent) = (end, rows);
            }
        }
    }
    scanner.finish();
    tracing::debug!(blocked_ms = blocked.as_millis() as u64, "file read");
    // The last chunk: whatever is left (all of a file without a complete header record).
    let (fields, first_record) = (scanner.take_fields(Vec::new()), (sent, header_len.unwrap_or(0)));
    let _ = tx.send(Chunk { bytes: pending, first_row: rows_sent, first_record, fields });
    let (sha256, rows) = (format!("{:x}", hasher.finalize()), scanner.rows());
    let identity = Identity::unchanged_since(identity, &file.path);
    Ok(FileCheck { sha256, rows, issues: scanner.issues, not_utf8: false, identity })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn a_file_is_read_not_memory_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mapped-or-not.csv");
        let mut text = String::from("a,b\n");
        for i in 0..20_000 {
            text.push_str(&format!("{i},\"x{i}\"\n"));
        }
        std::fs::write(&path, text).unwrap();
        let disk = DiskCsv::open(&path).unwrap().expect("a UTF-8 file is read from disk");
        let mut chunks = 0;
        let (frames, check) = collect(&disk, &["b", "a"], &mut chunks, |lf, chunks| {
            // While the file is being read, no mapping of it is in this process's address space.
            let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
            assert!(!maps.contains("mapped-or-not.csv"), "the file is memory-mapped:\n{maps}");
            *chunks += 1;
            Ok(vec![lf.collect()?])
        })
        .unwrap();
        let frame = &frames.unwrap()[0];
        assert_eq!((chunks, check.rows, frame.height()), (1, 20_000, 20_000));
        let b = frame.column("b").unwrap().str().unwrap();
        assert_eq!((b.get(0), b.get(19_999)), (Some("x0"), Some("x19999")));
    }

    #[test]
    fn results_of_many_chunks_are_merged_in_file_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("many-chunks.csv");
        let mut text = String::from("a,b\n");
        for i in 0..20_000 {
            text.push_str(&format!("{i},long enough to be kept apart {i}\n"));
        }
        std::fs::write(&path, text).unwrap();
        let disk = DiskCsv::open(&path).unwrap().unwrap();
        let mut chunks = 0;
        let (frames, check) = collect_in(&disk, &["a", "b"], 16 << 10, &mut chunks, |lf, chunks| {
            *chunks += 1;
            // Every other row, so what is kept no longer points into the chunk's text.
            Ok(vec![lf.filter((col("row").cast(DataType::Int64) % lit(2i64)).eq(lit(0i64))).collect()?])
        })
        .unwrap();
        let frame = &frames.unwrap()[0];
        assert!(chunks > 3 * MERGE_EVERY, "only {chunks} chunks");
        assert_eq!((check.rows, frame.height()), (20_000, 10_000));
        // Merged: one polars chunk per MERGE_EVERY chunks of the file (the last maybe fewer).
        assert_eq!(frame.first_col_n_chunks(), chunks.div_ceil(MERGE_EVERY));
        let rows: Vec<u32> = frame.column("row").unwrap().idx().unwrap().into_no_null_iter().collect();
        assert_eq!(rows, (0..20_000).step_by(2).collect::<Vec<u32>>());
        let b = frame.column("b").unwrap().str().unwrap();
        assert_eq!(b.get(9_999), Some("long enough to be kept apart 19998"));
    }
}
