//! One input CSV as it sits on disk: decoded to UTF-8 (BOM or Windows-1252), its delimiter and
//! decimal style sniffed, read by polars as text columns, and able to say which physical line
//! a record starts on so errors can name it.

use super::SourceError;
use super::values::DecimalStyle;
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
    pub header: Vec<String>,
    /// The line each record starts on (record 0 is the header), built on first need.
    record_lines: OnceLock<Vec<u32>>,
}

impl CsvText {
    /// Reads and decodes `path`: UTF-8 with or without BOM, else Windows-1252.
    pub fn load(path: &Path) -> Result<Self, SourceError> {
        let raw = std::fs::read(path).map_err(|source| SourceError::Io { path: path.to_path_buf(), source })?;
        let sha256 = format!("{:x}", Sha256::digest(&raw));
        let text = decode(raw);
        let separator = sniff_separator(&text);
        let decimal = if separator == b';' { DecimalStyle::Comma } else { DecimalStyle::Point };
        let header = parse_header(&text, separator);
        if header.iter().all(|h| h.trim().is_empty()) {
            return Err(SourceError::Empty { path: path.to_path_buf() });
        }
        Ok(Self { path: path.to_path_buf(), text, separator, decimal, sha256, header, record_lines: OnceLock::new() })
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

    /// Reads the named columns (exact header names) as nullable text.
    pub fn read_columns(&self, columns: &[&str]) -> Result<DataFrame, SourceError> {
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

    /// The 1-based line on which data row `row` (0-based, after the header) starts, counting
    /// newlines inside quoted fields. The first call indexes the file once; later calls (many
    /// skipped rows) only look up.
    pub fn line_of_row(&self, row: usize) -> usize {
        let starts = self.record_lines.get_or_init(|| {
            let mut starts = vec![1u32];
            let mut line = 1u32;
            let mut in_quotes = false;
            for &b in &self.text {
                match b {
                    b'"' => in_quotes = !in_quotes,
                    b'\n' => {
                        line += 1;
                        if !in_quotes {
                            starts.push(line);
                        }
                    }
                    _ => {}
                }
            }
            starts
        });
        starts.get(row + 1).or(starts.last()).map_or(row + 2, |l| *l as usize)
    }
}

fn decode(raw: Vec<u8>) -> Vec<u8> {
    let body = raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&raw);
    if std::str::from_utf8(body).is_ok() {
        if body.len() == raw.len() {
            return raw;
        }
        return body.to_vec();
    }
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(body);
    text.into_owned().into_bytes()
}

/// The delimiter of the header line: whichever of `,` `;` `\t` occurs most outside quotes.
fn sniff_separator(text: &[u8]) -> u8 {
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

fn parse_header(text: &[u8], separator: u8) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut in_quotes = false;
    let mut bytes = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        match b {
            b'"' if in_quotes && text.get(i + 1) == Some(&b'"') => {
                bytes.push(b'"');
                i += 1;
            }
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            _ if b == separator && !in_quotes => {
                *fields.last_mut().unwrap_or(&mut String::new()) = String::from_utf8_lossy(&bytes).into_owned();
                bytes.clear();
                fields.push(String::new());
            }
            _ => bytes.push(b),
        }
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
        let df = t.read_columns(&["name"]).unwrap();
        assert_eq!(df.column("name").unwrap().str().unwrap().get(0), Some("Søren"));
    }

    #[test]
    fn finds_lines_past_quoted_newlines() {
        let t = text(b"a,b\n1,\"x\ny\"\n2,z\n3,w\n");
        assert_eq!(t.line_of_row(0), 2);
        assert_eq!(t.line_of_row(1), 4);
        assert_eq!(t.line_of_row(2), 5);
        let df = t.read_columns(&["a", "b"]).unwrap();
        assert_eq!(df.height(), 3);
    }

    #[test]
    fn matches_headers_by_name_in_any_case() {
        let t = text(b"Name,Canceled at\n#1,\n");
        assert_eq!(t.find_column(&["Cancelled at", "canceled at"]), Some("Canceled at"));
        assert!(t.require_column(&["Total"]).is_err());
    }

    #[test]
    fn crlf_short_rows_and_quoted_empties() {
        let t = text(b"Name,Total,Notes\r\n#1,\"\",\"a \"\"quoted\"\"\r\nline\"\r\n#2,5.00\r\n#3,7.00,x\r\n");
        assert_eq!(t.header, ["Name", "Total", "Notes"]);
        let df = t.read_columns(&["Name", "Total", "Notes"]).unwrap();
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
}
