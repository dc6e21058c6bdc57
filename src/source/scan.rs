//! A UTF-8 CSV read from disk in chunks ([`super::chunks`]), never held in memory whole; the
//! same pass hashes the bytes, counts the rows, checks every record's structure and finds its
//! fields, and each chunk is checked for UTF-8. Files that are not UTF-8 (or start with
//! Excel's `sep=` line) are decoded in memory instead ([`super::csv_file::CsvText`]).

use super::SourceError;
use super::csv_check::Issue;
use super::csv_file::{check_header, parse_header, sniff_separator};
use super::values::DecimalStyle;
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
    pub(crate) skip: usize,
}

/// What the check pass found.
#[derive(Debug, Clone)]
pub struct FileCheck {
    pub sha256: String,
    pub rows: usize,
    pub issues: Vec<Issue>,
    /// The file is not valid UTF-8 after all.
    pub not_utf8: bool,
    /// The file read, when it was the same file from the first byte to the last.
    pub identity: Option<super::identity::Identity>,
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

    /// The first lines of file rows `rows` (read again: only for rows that are reported).
    pub fn lines_of(&self, rows: &[usize]) -> Vec<usize> {
        super::csv_check::lines_of_rows(&self.path, self.separator, self.skip, 0, rows)
            .unwrap_or_else(|_| rows.iter().map(|r| r + 2).collect())
    }
}

/// The first line of row `row` of the order file at `path` (as its reader numbered rows).
pub fn line_of_row(path: &Path, row: usize) -> usize {
    match DiskCsv::open(path) {
        Ok(Some(disk)) => disk.lines_of(&[row])[0],
        _ => super::csv_file::CsvText::load(path).map(|f| f.line_of_row(row)).unwrap_or(row + 2),
    }
}
