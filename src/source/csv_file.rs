//! One input CSV read into memory: decoded to UTF-8 by the rules in [`super::encoding`], its
//! delimiter and decimal style sniffed (or taken from Excel's `sep=` line), its structure
//! checked record by record, read by polars as text columns, and able to say which physical
//! line a row starts on so errors can name it. Large UTF-8 order exports are scanned from disk
//! instead (`super::scan`); this is for every other file.

use super::csv_check::{Issue, Scanner};
use super::identity::Identity;
use super::values::DecimalStyle;
use super::{Rejects, SourceError};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A decoded CSV file, ready to be read.
#[derive(Debug)]
pub struct CsvText {
    pub path: PathBuf,
    text: Vec<u8>,
    pub separator: u8,
    pub decimal: DecimalStyle,
    pub sha256: String,
    /// The file read, when it did not change while it was read.
    pub identity: Option<Identity>,
    pub header: Vec<String>,
    /// Data rows in the file (records after the header; blank lines are not rows).
    pub rows: usize,
    /// Malformed records (wrong field count, unclosed quote), reported when the file is read.
    pub issues: Vec<Issue>,
    /// Lines before the header that are not part of the table (Excel's `sep=` line).
    line_offset: usize,
    /// The first line of each data row.
    starts: Vec<u32>,
    /// When malformed rows were left out of the frame: the file row of each frame row.
    row_map: OnceLock<Vec<u32>>,
}

impl CsvText {
    /// Reads and decodes `path` (see [`super::encoding::decode`]) and checks its structure.
    pub fn load(path: &Path) -> Result<Self, SourceError> {
        let before = Identity::of(path);
        let raw = std::fs::read(path).map_err(|source| SourceError::Io { path: path.to_path_buf(), source })?;
        let identity = Identity::unchanged_since(before, path);
        let sha256 = format!("{:x}", Sha256::digest(&raw));
        let decoded = super::encoding::decode(raw, path)?;
        let text = decoded.text;
        let separator = decoded.separator.unwrap_or_else(|| sniff_separator(&text));
        let decimal = if separator == b';' { DecimalStyle::Comma } else { DecimalStyle::Point };
        let header = parse_header(&text, separator);
        if header.iter().all(|h| h.trim().is_empty()) {
            return Err(SourceError::Empty { path: path.to_path_buf() });
        }
        check_header(&header, path, decoded.line_offset + 1)?;
        let mut scanner = Scanner::new(separator, true);
        scanner.feed(&text);
        scanner.finish();
        let rows = scanner.rows();
        let starts = scanner.take_starts();
        let issues = std::mem::take(&mut scanner.issues);
        Ok(Self {
            path: path.to_path_buf(),
            text,
            separator,
            decimal,
            sha256,
            identity,
            header,
            rows,
            issues,
            line_offset: decoded.line_offset,
            starts,
            row_map: OnceLock::new(),
        })
    }

    /// The header name matching one of `aliases` (trimmed, case-insensitive).
    pub fn find_column(&self, aliases: &[&str]) -> Option<&str> {
        self.header.iter().find(|h| aliases.iter().any(|a| h.trim().eq_ignore_ascii_case(a))).map(String::as_str)
    }

    /// Like [`Self::find_column`], but a missing column is an error naming the file.
    pub fn require_column(&self, aliases: &[&str]) -> Result<&str, SourceError> {
        self.find_column(aliases)
            .ok_or_else(|| SourceError::MissingColumn { path: self.path.clone(), column: aliases[0].to_string() })
    }

    /// Reads the named columns (exact header names) as nullable text. Malformed rows are
    /// errors naming their line, or (when `rejects` skips) counted and left out of the frame.
    pub fn read_columns(&self, columns: &[&str], rejects: &mut Rejects) -> Result<DataFrame, SourceError> {
        for issue in &self.issues {
            let line = issue.line + self.line_offset;
            rejects.handle(SourceError::Row { path: self.path.clone(), line, message: issue.problem.to_string() })?;
        }
        let df = self.read_all(columns)?;
        if self.issues.is_empty() {
            return Ok(df);
        }
        if df.height() != self.rows {
            // polars split the malformed text differently: nothing can be trusted past it.
            let issue = &self.issues[0];
            let message = format!("{}; the rows after it cannot be told apart", issue.problem);
            return Err(SourceError::Row { path: self.path.clone(), line: issue.line + self.line_offset, message });
        }
        let bad: std::collections::HashSet<usize> = self.issues.iter().map(|i| i.row).collect();
        let keep: Vec<u32> = (0..self.rows).filter(|r| !bad.contains(r)).map(|r| r as u32).collect();
        let mask: BooleanChunked = (0..self.rows).map(|r| !bad.contains(&r)).collect();
        let kept = df.filter(&mask).map_err(|source| SourceError::Csv { path: self.path.clone(), source })?;
        let _ = self.row_map.set(keep);
        Ok(kept)
    }

    fn read_all(&self, columns: &[&str]) -> Result<DataFrame, SourceError> {
        let names: Arc<[PlSmallStr]> = columns.iter().map(|c| PlSmallStr::from_str(c)).collect();
        let separator = self.separator;
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_columns(Some(names))
            .map_parse_options(|o| o.with_separator(separator).with_truncate_ragged_lines(true))
            .into_reader_with_file_handle(Cursor::new(self.text.as_slice()))
            .finish()
            .map_err(|source| SourceError::Csv { path: self.path.clone(), source })
    }

    /// The 1-based line on which frame row `row` (0-based, after the header) starts, counting
    /// newlines inside quoted fields.
    pub fn line_of_row(&self, row: usize) -> usize {
        let file_row = self.row_map.get().and_then(|m| m.get(row)).map_or(row, |r| *r as usize);
        self.starts.get(file_row).map_or(file_row + 2, |l| *l as usize) + self.line_offset
    }
}

/// A header naming one column twice is an error: which of the two is meant cannot be known.
pub fn check_header(header: &[String], path: &Path, line: usize) -> Result<(), SourceError> {
    let mut seen = std::collections::HashSet::new();
    for name in header.iter().map(|h| h.trim().to_lowercase()).filter(|h| !h.is_empty()) {
        if !seen.insert(name.clone()) {
            let message = format!("the header names the column `{name}` twice");
            return Err(SourceError::Row { path: path.to_path_buf(), line, message });
        }
    }
    Ok(())
}

/// The delimiter of the header line: whichever of `,` `;` `\t` occurs most outside quotes.
pub fn sniff_separator(text: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for &b in text {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => break,
            b',' if !in_quotes => counts[0] += 1,
            b';' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

pub fn parse_header(text: &[u8], separator: u8) -> Vec<String> {
    let mut fields = vec![String::new()];
    // The check pass's rule (`csv_check`): a field is quoted only when it starts with `"`.
    let (mut in_quotes, mut quoted, mut at_start) = (false, false, true);
    let mut bytes = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        match b {
            b'"' if in_quotes && text.get(i + 1) == Some(&b'"') => {
                bytes.push(b'"');
                i += 1;
            }
            b'"' if at_start || quoted => {
                quoted = true;
                in_quotes = !in_quotes;
            }
            b'\n' | b'\r' if !in_quotes => break,
            _ if b == separator && !in_quotes => {
                *fields.last_mut().unwrap_or(&mut String::new()) = String::from_utf8_lossy(&bytes).into_owned();
                bytes.clear();
                fields.push(String::new());
                (quoted, at_start) = (false, true);
                i += 1;
                continue;
            }
            _ => bytes.push(b),
        }
        at_start = false;
        i += 1;
    }
    if let Some(last) = fields.last_mut() {
        *last = String::from_utf8_lossy(&bytes).into_owned();
    }
    fields
}

/// The text cells of one column, `""` for nulls.
pub fn text_column<'a>(df: &'a DataFrame, name: &str, path: &Path) -> Result<&'a StringChunked, SourceError> {
    df.column(name).and_then(|c| c.str()).map_err(|source| SourceError::Csv { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> CsvText {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.csv");
        std::fs::write(&p, bytes).unwrap();
        CsvText::load(&p).unwrap()
    }

    #[test]
    fn decodes_bom_and_windows_1252() {
        let t = text(b"\xef\xbb\xbfname;amount\nM\xc3\xbcller;1,5\n");
        assert_eq!(t.header, ["name", "amount"]);
        assert_eq!(t.separator, b';');
        assert_eq!(t.decimal, DecimalStyle::Comma);
        let t = text(b"name,amount\nS\xf8ren,1.5\n");
        let df = t.read_columns(&["name"], &mut Rejects::new(false)).unwrap();
        assert_eq!(df.column("name").unwrap().str().unwrap().get(0), Some("Søren"));
    }

    #[test]
    fn finds_lines_past_quoted_newlines() {
        let t = text(b"a,b\n1,\"x\ny\"\n2,z\n3,w\n");
        assert_eq!(t.line_of_row(0), 2);
        assert_eq!(t.line_of_row(1), 4);
        assert_eq!(t.line_of_row(2), 5);
        let df = t.read_columns(&["a", "b"], &mut Rejects::new(false)).unwrap();
        assert_eq!(df.height(), 3);
    }

    #[test]
    fn matches_headers_by_name_in_any_case() {
        let t = text(b"Name,Canceled at\n#1,\n");
        assert_eq!(t.find_column(&["Cancelled at", "canceled at"]), Some("Canceled at"));
        assert!(t.require_column(&["Total"]).is_err());
    }

    #[test]
    fn crlf_and_quoted_empties() {
        let t = text(b"Name,Total,Notes\r\n#1,\"\",\"a \"\"quoted\"\"\r\nline\"\r\n#2,5.00,\r\n#3,7.00,x\r\n");
        assert_eq!(t.header, ["Name", "Total", "Notes"]);
        let df = t.read_columns(&["Name", "Total", "Notes"], &mut Rejects::new(false)).unwrap();
        assert_eq!(df.height(), 3);
        let names = df.column("Name").unwrap().str().unwrap();
        let totals = df.column("Total").unwrap().str().unwrap();
        let notes = df.column("Notes").unwrap().str().unwrap();
        assert_eq!(names.get(2), Some("#3"));
        assert_eq!(totals.get(0).unwrap_or(""), "");
        assert_eq!(totals.get(1), Some("5.00"));
        assert_eq!(notes.get(0), Some("a \"quoted\"\r\nline"));
        assert_eq!(notes.get(1).unwrap_or(""), "");
        assert_eq!(t.line_of_row(2), 5);
    }

    #[test]
    fn a_short_row_is_an_error_or_a_counted_reject_and_later_lines_stay_right() {
        let t = text(b"Name,Total,Notes\n#1,\"a\nb\",x\n#2,5.00\n#3,7.00,x\n");
        let err = t.read_columns(&["Name"], &mut Rejects::new(false)).unwrap_err();
        assert!(err.to_string().contains("line 4: the row has 2 fields, the header 3"), "{err}");
        let mut skip = Rejects::new(true);
        let df = t.read_columns(&["Name"], &mut skip).unwrap();
        assert_eq!(skip.list.len(), 1);
        let names: Vec<_> = df.column("Name").unwrap().str().unwrap().iter().flatten().collect();
        assert_eq!(names, ["#1", "#3"]);
        assert_eq!(t.line_of_row(1), 5, "the row after the skipped one keeps its own line");
    }

    #[test]
    fn a_header_quote_inside_a_name_is_text_as_the_check_pass_reads_it() {
        assert_eq!(parse_header(b"Name,Size 5\",Weight 3\",Email\n", b','), ["Name", "Size 5\"", "Weight 3\"", "Email"]);
        assert_eq!(parse_header(b"\"A,\"\"B\"\"\",C\r\n", b','), ["A,\"B\"", "C"]);
    }
}
