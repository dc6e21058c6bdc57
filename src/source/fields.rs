//! The wanted fields of a chunk of CSV records as polars text columns, without parsing the
//! chunk again: the check pass has already found where each field lies
//! ([`super::csv_check::Scanner::capturing`]); only the wanted fields are copied, record by
//! record. Values follow polars' CSV reader: an empty unquoted field is null, a quoted one
//! (`""`) is the empty text, `""` inside quotes is one `"` (a lone one is dropped), and a
//! line's `\r` is not part of its last field. One difference: a quoted field that does not end
//! in a quote (`"ab"cd`) is read as it stands (`ab"cd`) where polars stops with an error.

use super::csv_check::ABSENT;
use polars::prelude::*;
use polars_arrow::array::{MutablePlString, Utf8ViewArray};

/// Where one chunk's records lie in its text.
pub struct Layout<'a> {
    /// The wanted fields of each record, as many (start, end) pairs per record as `names`,
    /// offsets in the file's bytes ([`ABSENT`] where a record is short).
    pub fields: &'a [(u64, u64)],
    /// The file offset of the chunk's first record, and where that record starts in the text
    /// (after the header record the text begins with).
    pub first_record: (u64, usize),
    /// The file row of the chunk's first record.
    pub first_row: usize,
}

/// A frame of `row` (each record's file row) and one text column per name in `names`.
pub fn text_columns(text: &str, layout: &Layout<'_>, names: &[&str]) -> PolarsResult<DataFrame> {
    let width = names.len().max(1);
    let height = layout.fields.len() / width;
    let (base, at) = layout.first_record;
    let mut builders: Vec<MutablePlString> = names.iter().map(|_| MutablePlString::with_capacity(height)).collect();
    let mut unescaped = String::new();
    // Record by record, so the text is walked once, in order.
    for record in layout.fields.chunks_exact(width) {
        for (builder, &span) in builders.iter_mut().zip(record) {
            if span == ABSENT {
                builder.push_null();
                continue;
            }
            let (start, end) = ((span.0 - base) as usize + at, (span.1 - base) as usize + at);
            let field = text.get(start..end).ok_or_else(|| polars_err!(ComputeError: "a field lies outside its chunk"))?;
            match value(field, &mut unescaped) {
                Some(v) => builder.push_value(v),
                None => builder.push_null(),
            }
        }
    }
    let rows = (0..height as IdxSize).map(|i| i + layout.first_row as IdxSize);
    let mut columns = vec![IdxCa::from_iter_values("row".into(), rows).into_column()];
    for (builder, name) in builders.into_iter().zip(names) {
        let array: Utf8ViewArray = builder.freeze();
        columns.push(StringChunked::with_chunk((*name).into(), array).into_column());
    }
    DataFrame::new(height, columns)
}

/// A field's value (None when empty and unquoted); `scratch` holds an unescaped one.
fn value<'a>(field: &'a str, scratch: &'a mut String) -> Option<&'a str> {
    let field = field.strip_suffix('\r').unwrap_or(field);
    let Some(quoted) = field.strip_prefix('"') else {
        return (!field.is_empty()).then_some(field);
    };
    // Quoted: without its quotes; inside, `""` is one `"` and a lone `"` is dropped (as
    // polars' reader does).
    let inner = quoted.strip_suffix('"').unwrap_or(quoted);
    if !inner.contains('"') {
        return Some(inner);
    }
    scratch.clear();
    let mut after_quote = false;
    for c in inner.chars() {
        if c == '"' && !after_quote {
            after_quote = true;
            continue;
        }
        after_quote = false;
        scratch.push(c);
    }
    Some(scratch.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::csv_check::Scanner;

    fn read(text: &[u8], wanted: &[usize], names: &[&str]) -> DataFrame {
        let mut scanner = Scanner::new(b',', false).capturing(wanted);
        scanner.feed(text);
        scanner.finish();
        let header = scanner.header_end().unwrap_or(0);
        let fields = scanner.take_fields(Vec::new());
        let layout = Layout { fields: &fields, first_record: (header, header as usize), first_row: 0 };
        text_columns(std::str::from_utf8(text).unwrap(), &layout, names).unwrap()
    }

    fn values(frame: &DataFrame, name: &str) -> Vec<Option<String>> {
        frame.column(name).unwrap().str().unwrap().iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn fields_are_read_as_polars_reads_them() {
        let text =
            b"a,b,c\r\n1,\"x,\"\"y\"\"\",long enough to be a view\r\n,\"\",\r\n\n3,\"two\nlines\"\r\n4,\"a \"lone\" quote\"";
        let frame = read(text, &[2, 0, 1], &["c", "a", "b"]);
        assert_eq!(frame.column("row").unwrap().idx().unwrap().to_vec(), [Some(0), Some(1), Some(2), Some(3)]);
        let some = |v: &str| Some(v.to_string());
        assert_eq!(values(&frame, "a"), [some("1"), None, some("3"), some("4")]);
        assert_eq!(values(&frame, "b"), [some("x,\"y\""), some(""), some("two\nlines"), some("a lone quote")]);
        assert_eq!(values(&frame, "c"), [some("long enough to be a view"), None, None, None]);
    }
}
