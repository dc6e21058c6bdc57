//! Which encoding an input file is in, and Excel's `sep=` line.
//!
//! The rule: a UTF-16 byte-order mark means UTF-16 (Excel's "Unicode text"); otherwise the file
//! is UTF-8 (a UTF-8 BOM is dropped) when it is valid UTF-8. A file that is not valid UTF-8 is
//! read as Windows-1252 (Excel in Denmark and Sweden) only when it has no UTF-8 multi-byte
//! character at all; one that mixes UTF-8 characters with bytes that are not UTF-8 is a damaged
//! UTF-8 file and stops with the line of the first bad byte, rather than turning every `ø` into
//! mojibake and every code with it into one that matches nothing.

use super::SourceError;
use std::path::Path;

/// A file's text as UTF-8, with what its first line said about the delimiter.
pub struct Decoded {
    pub text: Vec<u8>,
    /// The delimiter named by an Excel `sep=` first line (which is removed from `text`).
    pub separator: Option<u8>,
    /// Lines removed before the header (1 for a `sep=` line).
    pub line_offset: usize,
}

/// Decodes `raw` (the bytes of `path`) by the rule above.
pub fn decode(raw: Vec<u8>, path: &Path) -> Result<Decoded, SourceError> {
    let text = if let Some(body) = raw.strip_prefix(b"\xff\xfe") {
        encoding_rs::UTF_16LE.decode_without_bom_handling(body).0.into_owned().into_bytes()
    } else if let Some(body) = raw.strip_prefix(b"\xfe\xff") {
        encoding_rs::UTF_16BE.decode_without_bom_handling(body).0.into_owned().into_bytes()
    } else {
        let body = raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&raw);
        match first_bad_byte(body) {
            None if body.len() == raw.len() => raw,
            None => body.to_vec(),
            Some((offset, true)) => {
                let line = body[..offset].iter().filter(|b| **b == b'\n').count() + 1;
                let message =
                    format!("the file is UTF-8 but has a byte that is not (0x{:02X}); save it again as UTF-8", body[offset]);
                return Err(SourceError::Row { path: path.to_path_buf(), line, message });
            }
            Some((_, false)) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(body).0.into_owned().into_bytes(),
        }
    };
    Ok(strip_sep_line(text))
}

/// The offset of the first byte that is not UTF-8, and whether the text has UTF-8 multi-byte
/// characters as well; `None` when it is all UTF-8.
pub fn first_bad_byte(body: &[u8]) -> Option<(usize, bool)> {
    if std::str::from_utf8(body).is_ok() {
        return None;
    }
    let mut offset = 0;
    let mut first_bad = None;
    let mut multibyte = false;
    for chunk in body.utf8_chunks() {
        multibyte |= !chunk.valid().is_ascii();
        offset += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            first_bad.get_or_insert(offset);
            offset += chunk.invalid().len();
        }
    }
    first_bad.map(|o| (o, multibyte))
}

/// Removes an Excel `sep=X` first line, returning the delimiter it names.
fn strip_sep_line(text: Vec<u8>) -> Decoded {
    if let Some(sep) = sep_line(&text) {
        let end = text.iter().position(|b| *b == b'\n').map_or(text.len(), |p| p + 1);
        return Decoded { text: text[end..].to_vec(), separator: Some(sep), line_offset: 1 };
    }
    Decoded { text, separator: None, line_offset: 0 }
}

/// The delimiter of a `sep=X` first line (`"sep=;"` quoted too), if the text starts with one.
pub fn sep_line(text: &[u8]) -> Option<u8> {
    let end = text.iter().position(|b| *b == b'\n').unwrap_or(text.len());
    let line = std::str::from_utf8(&text[..end]).ok()?.trim_end_matches('\r').trim_matches('"');
    let rest = line.get(..4).filter(|p| p.eq_ignore_ascii_case("sep="))?;
    let sep = &line.as_bytes()[rest.len()..];
    (sep.len() == 1).then_some(sep[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(raw: &[u8]) -> Result<Decoded, SourceError> {
        decode(raw.to_vec(), Path::new("f.csv"))
    }

    #[test]
    fn utf16_with_bom_is_read() {
        let mut raw = vec![0xff, 0xfe];
        for u in "name\tamount\r\nSøren\t1,5\r\n".encode_utf16() {
            raw.extend(u.to_le_bytes());
        }
        assert_eq!(text(&raw).unwrap().text, "name\tamount\r\nSøren\t1,5\r\n".as_bytes());
    }

    #[test]
    fn windows_1252_only_without_utf8_characters() {
        assert_eq!(text(b"name\nS\xf8ren\n").unwrap().text, "name\nSøren\n".as_bytes());
        let err = text(b"name\nS\xc3\xb8ren\nM\xfcller\n").err().expect("a mixed file");
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn excel_sep_line_names_the_delimiter() {
        let d = text(b"sep=;\r\na;b\r\n1;2\r\n").unwrap();
        assert_eq!((d.separator, d.line_offset), (Some(b';'), 1));
        assert_eq!(d.text, b"a;b\r\n1;2\r\n");
        assert_eq!(text(b"\"sep=,\"\na,b\n").unwrap().separator, Some(b','));
        assert_eq!(text(b"separator,b\n").unwrap().separator, None);
    }
}
