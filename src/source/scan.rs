//! A UTF-8 CSV read straight from disk by polars' streaming engine, never held in memory whole,
//! with a check pass beside it that hashes the bytes, counts the rows, checks every record's
//! structure and that the file really is UTF-8. Files that are not UTF-8 (or start with
//! Excel's `sep=` line) are decoded in memory instead ([`super::csv_file::CsvText`]).

use super::SourceError;
use super::csv_check::{Issue, Scanner};
use super::csv_file::{check_header, parse_header, sniff_separator};
use super::values::DecimalStyle;
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A CSV file on disk whose head is UTF-8.
#[derive(Debug, Clone)]
pub struct DiskCsv {
    pub path: PathBuf,
    pub separator: u8,
    pub decimal: DecimalStyle,
    pub header: Vec<String>,
    /// Bytes before the header (a UTF-8 BOM).
    skip: usize,
}

/// What the check pass found.
#[derive(Debug, Clone)]
pub struct FileCheck {
    pub sha256: String,
    pub rows: usize,
    pub issues: Vec<Issue>,
    /// The file is not valid UTF-8 after all.
    pub not_utf8: bool,
}

impl DiskCsv {
    /// `path` when its first 64 KiB are UTF-8 with a header and no `sep=` line; else `None`
    /// (the caller decodes it in memory).
    pub fn open(path: &Path) -> Result<Option<Self>, SourceError> {
        let io = |source| SourceError::Io { path: path.to_path_buf(), source };
        let mut head = Vec::with_capacity(1 << 16);
        std::fs::File::open(path).map_err(io)?.take(1 << 16).read_to_end(&mut head).map_err(io)?;
        let skip = if head.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
        let body = &head[skip..];
        let valid = match std::str::from_utf8(body) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none() && head.len() == 1 << 16,
        };
        let utf16 = head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff");
        if !valid || utf16 || super::encoding::sep_line(body).is_some() || !body.contains(&b'\n') {
            return Ok(None);
        }
        let separator = sniff_separator(body);
        let header = parse_header(body, separator);
        if header.iter().all(|h| h.trim().is_empty()) {
            return Err(SourceError::Empty { path: path.to_path_buf() });
        }
        check_header(&header, path, 1)?;
        let decimal = if separator == b';' { DecimalStyle::Comma } else { DecimalStyle::Point };
        Ok(Some(Self { path: path.to_path_buf(), separator, decimal, header, skip }))
    }

    /// The header name matching one of `aliases` (trimmed, case-insensitive).
    pub fn find_column(&self, aliases: &[&str]) -> Option<&str> {
        self.header.iter().find(|h| aliases.iter().any(|a| h.trim().eq_ignore_ascii_case(a))).map(String::as_str)
    }

    /// The named columns as text, with each row's index in the file as `row`.
    pub fn lazy(&self, columns: &[&str]) -> Result<LazyFrame, SourceError> {
        let path = PlRefPath::new(self.path.to_string_lossy().as_ref());
        let names: Vec<Expr> = std::iter::once(col("row")).chain(columns.iter().map(|c| col(*c))).collect();
        let separator = self.separator;
        let lf = LazyCsvReader::new(path)
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_row_index(Some(RowIndex { name: "row".into(), offset: 0 }))
            .map_parse_options(|o| o.with_separator(separator).with_truncate_ragged_lines(true))
            .finish()
            .map_err(|source| SourceError::Csv { path: self.path.clone(), source })?;
        Ok(lf.select(names))
    }

    /// Reads the whole file once: its SHA-256, its rows, malformed records and UTF-8 validity.
    pub fn check(&self) -> Result<FileCheck, SourceError> {
        let io = |source| SourceError::Io { path: self.path.clone(), source };
        let mut file = std::fs::File::open(&self.path).map_err(io)?;
        let mut hasher = Sha256::new();
        let mut scanner = Scanner::new(self.separator, false);
        let mut buf = vec![0u8; 1 << 20];
        let mut carry: Vec<u8> = Vec::new();
        let mut not_utf8 = false;
        let mut first = true;
        loop {
            let n = file.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            hasher.update(chunk);
            let body = if first { &chunk[self.skip.min(n)..] } else { chunk };
            first = false;
            scanner.feed(body);
            // UTF-8 across chunk edges: an incomplete sequence at the end waits for the next.
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
        }
        scanner.finish();
        not_utf8 |= !carry.is_empty();
        Ok(FileCheck { sha256: format!("{:x}", hasher.finalize()), rows: scanner.rows(), issues: scanner.issues, not_utf8 })
    }

    /// The first lines of file rows `rows` (read again: only for rows that are reported).
    pub fn lines_of(&self, rows: &[usize]) -> Vec<usize> {
        super::csv_check::lines_of_rows(&self.path, self.separator, self.skip, 0, rows)
            .unwrap_or_else(|_| rows.iter().map(|r| r + 2).collect())
    }
}

/// Runs `query` on the streaming engine while the check pass reads the file on another thread.
pub fn collect_checked(
    file: &DiskCsv,
    queries: Vec<LazyFrame>,
) -> Result<(PolarsResult<Vec<DataFrame>>, FileCheck), SourceError> {
    std::thread::scope(|s| {
        let check = s.spawn(|| file.check());
        let plans = queries.into_iter().map(|q| q.logical_plan).collect();
        let frames = LazyFrame::collect_all_with_engine(plans, Engine::Streaming, OptFlags::default());
        let check = check.join().map_err(|_| SourceError::Row {
            path: file.path.clone(),
            line: 1,
            message: "the check pass failed".to_string(),
        })??;
        Ok((frames, check))
    })
}

/// The first line of row `row` of the order file at `path` (as its reader numbered rows).
pub fn line_of_row(path: &Path, row: usize) -> usize {
    match DiskCsv::open(path) {
        Ok(Some(disk)) => disk.lines_of(&[row])[0],
        _ => super::csv_file::CsvText::load(path).map(|f| f.line_of_row(row)).unwrap_or(row + 2),
    }
}
