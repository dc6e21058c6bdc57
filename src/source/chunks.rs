//! A UTF-8 CSV on disk read once, in chunks of whole records, by plain reads: one thread reads,
//! hashes, checks the structure and the UTF-8 of each block and cuts the text after the last
//! complete record once a chunk is full; the caller's queries run on each chunk (its header
//! line in front, its rows numbered as in the file) on polars' streaming engine while the next
//! chunk is read. Nothing is memory-mapped, so memory is bounded by a few chunks and what the
//! queries keep, not by the size of the file.

use super::SourceError;
use super::csv_check::Scanner;
use super::scan::{DiskCsv, FileCheck};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::sync::mpsc::{SyncSender, sync_channel};

/// About how many bytes of records a chunk holds (a record is never cut).
pub const CHUNK_BYTES: usize = 32 << 20;

/// [`CHUNK_BYTES`], or `TIERWISE_CHUNK_BYTES` when set: lets a test cut a small file into many
/// chunks (and so between the line items of an order).
fn chunk_bytes() -> usize {
    std::env::var("TIERWISE_CHUNK_BYTES").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(CHUNK_BYTES)
}

/// The header record followed by whole records, and the file row of its first record.
struct Chunk {
    bytes: Vec<u8>,
    first_row: usize,
}

/// Runs `run` on every chunk of `file` (a lazy frame of `columns` as text, and `row`, each
/// row's index in the file) and stacks each of its results over the chunks, in file order,
/// one chunk per frame. `state` is passed from chunk to chunk (what a query must know of the
/// chunk before). Returns the results and what the check found.
pub fn collect<S>(
    file: &DiskCsv,
    columns: &[&str],
    state: &mut S,
    mut run: impl FnMut(LazyFrame, &mut S) -> PolarsResult<Vec<DataFrame>>,
) -> Result<(PolarsResult<Vec<DataFrame>>, FileCheck), SourceError> {
    std::thread::scope(|s| {
        let (tx, rx) = sync_channel::<Chunk>(1);
        let reader = s.spawn(move || read_chunks(file, chunk_bytes(), tx));
        let mut stacked: PolarsResult<Vec<DataFrame>> = Ok(Vec::new());
        for chunk in rx.iter() {
            // After a failure the rest is still read: the check reports every malformed record.
            let Ok(frames) = stacked.as_mut() else { continue };
            let result = chunk_frame(file, chunk, columns).and_then(|lf| run(lf, state));
            match result {
                Ok(next) => stack(frames, next),
                Err(e) => stacked = Err(e),
            }
        }
        let check = reader.join().map_err(|_| SourceError::Row {
            path: file.path.clone(),
            line: 1,
            message: "the check pass failed".to_string(),
        })??;
        let frames = stacked.map(|frames| {
            frames
                .into_iter()
                .map(|mut f| {
                    f.rechunk_mut_par();
                    f
                })
                .collect()
        });
        Ok((frames, check))
    })
}

fn stack(frames: &mut Vec<DataFrame>, next: Vec<DataFrame>) {
    if frames.is_empty() {
        *frames = next;
        return;
    }
    for (acc, frame) in frames.iter_mut().zip(next) {
        acc.vstack_mut_owned_unchecked(frame);
    }
}

/// One chunk as a lazy frame of `columns` (text) and `row`.
fn chunk_frame(file: &DiskCsv, chunk: Chunk, columns: &[&str]) -> PolarsResult<LazyFrame> {
    let names: Vec<Expr> = std::iter::once(col("row")).chain(columns.iter().map(|c| col(*c))).collect();
    let separator = file.separator;
    let buffer = polars_buffer::Buffer::from_vec(chunk.bytes);
    let lf = LazyCsvReader::new_with_sources(ScanSources::Buffers(Arc::from([buffer])))
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_row_index(Some(RowIndex { name: "row".into(), offset: chunk.first_row as IdxSize }))
        .map_parse_options(|o| o.with_separator(separator).with_truncate_ragged_lines(true))
        .finish()?;
    Ok(lf.select(names))
}

/// Reads `file` once: hashes it, checks it record by record and for UTF-8, and sends its
/// records in chunks of about `chunk_bytes`. Stops early only when nobody receives.
fn read_chunks(file: &DiskCsv, chunk_bytes: usize, tx: SyncSender<Chunk>) -> Result<FileCheck, SourceError> {
    let io = |source| SourceError::Io { path: file.path.clone(), source };
    let mut input = std::fs::File::open(&file.path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut scanner = Scanner::new(file.separator, false);
    let mut buf = vec![0u8; chunk_bytes.min(1 << 20)];
    let mut carry: Vec<u8> = Vec::new();
    let mut not_utf8 = false;
    let mut first = true;
    // `pending` holds the header record, then the records not yet sent; `sent` is where (in the
    // bytes after the BOM) the first of those starts, `rows_sent` the data rows before it.
    let mut pending: Vec<u8> = Vec::with_capacity(chunk_bytes + buf.len());
    let mut header_len: Option<usize> = None;
    let (mut sent, mut rows_sent) = (0u64, 0usize);
    loop {
        let n = input.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        let block = &buf[..n];
        hasher.update(block);
        let body = if first { &block[file.skip.min(n)..] } else { block };
        first = false;
        scanner.feed(body);
        // UTF-8 across block edges: an incomplete sequence at the end waits for the next.
        let joined;
        let text: &[u8] = if carry.is_empty() {
            body
        } else {
            joined = [carry.as_slice(), body].concat();
            &joined
        };
        match std::str::from_utf8(text) {
            Ok(_) => carry.clear(),
            Err(e) if e.error_len().is_none() => carry = text[e.valid_up_to()..].to_vec(),
            Err(_) => not_utf8 = true,
        }
        pending.extend_from_slice(body);
        if header_len.is_none() {
            header_len = scanner.header_end().map(|end| end as usize);
            sent = header_len.unwrap_or(0) as u64;
        }
        let Some(header) = header_len else { continue };
        if pending.len() - header >= chunk_bytes {
            let (end, rows) = scanner.record_end();
            let cut = header + (end - sent) as usize;
            if cut > header {
                let rest = pending.split_off(cut);
                let mut next = Vec::with_capacity(chunk_bytes + buf.len());
                next.extend_from_slice(&pending[..header]);
                next.extend_from_slice(&rest);
                let bytes = std::mem::replace(&mut pending, next);
                if tx.send(Chunk { bytes, first_row: rows_sent }).is_err() {
                    break;
                }
                (sent, rows_sent) = (end, rows);
            }
        }
    }
    scanner.finish();
    not_utf8 |= !carry.is_empty();
    // The last chunk: whatever is left (all of a file without a complete header record).
    let _ = tx.send(Chunk { bytes: pending, first_row: rows_sent });
    Ok(FileCheck { sha256: format!("{:x}", hasher.finalize()), rows: scanner.rows(), issues: scanner.issues, not_utf8 })
}
