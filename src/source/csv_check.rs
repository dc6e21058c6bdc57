//! The structure of a CSV's bytes, checked in one incremental pass: where each record starts,
//! how many fields it has against the header, and whether a quote is left open at the end.
//! Quotes follow polars' CSV rule, which the header parser and [`super::fields`] follow too (a
//! field is quoted only when it starts with `"`; inside it every `"` toggles). Asked to, the same pass notes where the wanted fields of every data
//! record lie ([`Scanner::capturing`]): the records read are then exactly the records checked.

use std::io::Read;
use std::path::Path;
use wide::u8x16;

/// What is wrong with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// More fields than the header names.
    TooMany { found: usize, expected: usize },
    /// Fewer fields than the header names (a cut-off row, or one in another delimiter).
    TooFew { found: usize, expected: usize },
    /// A quote opened on this line is never closed.
    Unterminated,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::TooMany { found, expected } => write!(f, "the row has {found} fields, the header {expected}"),
            Problem::TooFew { found, expected } => {
                write!(f, "the row has {found} fields, the header {expected} (cut off, or another delimiter?)")
            }
            Problem::Unterminated => write!(f, "a quote opened here is never closed (the rest of the file is one cell)"),
        }
    }
}

/// A malformed record: its data-row index (0 = first row after the header) and first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub row: usize,
    pub line: usize,
    pub problem: Problem,
}

/// Walks a CSV's bytes chunk by chunk (the first record is the header).
#[derive(Debug)]
pub struct Scanner {
    sep: u8,
    expected: Option<usize>,
    line: usize,
    record_line: usize,
    /// Records ended so far, the header included.
    records: usize,
    fields: usize,
    content: bool,
    at_field_start: bool,
    quoted_field: bool,
    in_quotes: bool,
    pub issues: Vec<Issue>,
    /// The first line of each data row, when asked for.
    starts: Option<Vec<u32>>,
    /// Bytes fed so far.
    offset: u64,
    /// Where the last record ended (the byte after its newline), and the data rows ended then.
    record_end: (u64, usize),
    /// Where the header record ended.
    header_end: Option<u64>,
    /// Where the field being walked started.
    field_start: u64,
    capture: Option<Capture>,
}

/// Two masks of `block`: bit `i` of the first is set where `block[i]` is `sep`, of the second
/// where it is a quote or a newline (16 bytes per comparison).
fn structural(block: &[u8; 64], sep: u8) -> (u64, u64) {
    let (sep, quote, newline) = (u8x16::splat(sep), u8x16::splat(b'"'), u8x16::splat(b'\n'));
    let (mut seps, mut others) = (0u64, 0u64);
    for (k, part) in block.chunks_exact(16).enumerate() {
        let bytes = u8x16::new(part.try_into().unwrap_or([0; 16]));
        seps |= u64::from(bytes.simd_eq(sep).to_bitmask() as u16) << (16 * k);
        let other = bytes.simd_eq(quote) | bytes.simd_eq(newline);
        others |= u64::from(other.to_bitmask() as u16) << (16 * k);
    }
    (seps, others)
}

/// Not a wanted field.
const UNWANTED: u32 = u32::MAX;
/// A wanted field the record does not have (it is cut short).
pub const ABSENT: (u64, u64) = (u64::MAX, u64::MAX);

/// Where the wanted fields of each data record lie.
#[derive(Debug)]
struct Capture {
    /// For each field index of a record, its place among the wanted ones (or [`UNWANTED`]).
    slot_of: Vec<u32>,
    /// For each field index, how many fields from it on are not wanted (fields past the last
    /// wanted one: none are).
    unwanted_run: Vec<u32>,
    /// The record being walked: (start, end) offsets of each wanted field, [`ABSENT`] until seen.
    current: Vec<(u64, u64)>,
    /// The wanted fields of every data record ended and not yet taken, record after record.
    ended: Vec<(u64, u64)>,
}

impl Scanner {
    /// A scanner for `sep`-separated text; `keep_lines` records each row's first line.
    pub fn new(sep: u8, keep_lines: bool) -> Self {
        Self {
            sep,
            expected: None,
            line: 1,
            record_line: 1,
            records: 0,
            fields: 1,
            content: false,
            at_field_start: true,
            quoted_field: false,
            in_quotes: false,
            issues: Vec::new(),
            starts: keep_lines.then(Vec::new),
            offset: 0,
            record_end: (0, 0),
            header_end: None,
            field_start: 0,
            capture: None,
        }
    }

    /// Also notes where fields `wanted` (indices into a record, in the order wanted) of each
    /// data record start and end, as offsets into the bytes fed: see [`Scanner::take_fields`].
    pub fn capturing(mut self, wanted: &[usize]) -> Self {
        let mut slot_of = vec![UNWANTED; wanted.iter().max().map_or(0, |m| m + 1)];
        for (slot, &field) in wanted.iter().enumerate() {
            slot_of[field] = slot as u32;
        }
        let mut unwanted_run = vec![0u32; slot_of.len()];
        for field in (0..slot_of.len()).rev() {
            let after = unwanted_run.get(field + 1).copied().unwrap_or(u32::MAX);
            unwanted_run[field] = if slot_of[field] == UNWANTED { after.saturating_add(1) } else { 0 };
        }
        self.capture = Some(Capture { slot_of, unwanted_run, current: vec![ABSENT; wanted.len()], ended: Vec::new() });
        self
    }

    /// The wanted fields of the data records ended since the last call, record after record
    /// (as many pairs per record as fields were wanted, [`ABSENT`] where a record is short);
    /// a field's bytes still carry their quotes and a line's `\r`. `spare` (emptied) holds
    /// the next ones, so its memory is reused.
    pub fn take_fields(&mut self, mut spare: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
        spare.clear();
        match &mut self.capture {
            Some(c) => std::mem::replace(&mut c.ended, spare),
            None => spare,
        }
    }

    /// Notes where the field being walked ends (when it is wanted).
    #[inline]
    fn end_field(&mut self, end: u64) {
        if let Some(c) = &mut self.capture
            && let Some(&slot) = c.slot_of.get(self.fields - 1)
            && slot != UNWANTED
        {
            c.current[slot as usize] = (self.field_start, end);
        }
    }

    /// Where (in the bytes fed) the last record that ended so far ended, just after its
    /// newline, and how many data rows had ended then.
    pub fn record_end(&self) -> (u64, usize) {
        self.record_end
    }

    /// Where the header record ended, once it has.
    pub fn header_end(&self) -> Option<u64> {
        self.header_end
    }

    /// Data rows ended so far.
    pub fn rows(&self) -> usize {
        self.records.saturating_sub(1)
    }

    /// Feeds the next bytes.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.walk(chunk);
        self.offset += chunk.len() as u64;
    }

    /// How many fields from the one being walked on are not wanted (all, when nothing is).
    #[inline]
    fn unwanted_ahead(&self) -> u32 {
        match &self.capture {
            Some(c) => c.unwanted_run.get(self.fields - 1).copied().unwrap_or(u32::MAX),
            None => u32::MAX,
        }
    }

    /// Walks `chunk` 64 bytes at a time: the separators, quotes and newlines of a block are
    /// found at once ([`structural`]) and handled in order; separators that end fields nobody
    /// wants, outside quotes, are only counted.
    fn walk(&mut self, chunk: &[u8]) {
        // Where the bytes not yet looked at begin (just after the last byte handled).
        let mut last = 0;
        for (k, block) in chunk.chunks(64).enumerate() {
            let base = k * 64;
            let (seps, others) = match <&[u8; 64]>::try_from(block) {
                Ok(full) => structural(full, self.sep),
                Err(_) => {
                    let mut padded = [0u8; 64];
                    padded[..block.len()].copy_from_slice(block);
                    structural(&padded, self.sep)
                }
            };
            let mut found = seps | others;
            while found != 0 {
                let lowest = found & found.wrapping_neg();
                if !self.in_quotes && seps & lowest != 0 {
                    let skip = self.unwanted_ahead();
                    if skip > 1 {
                        // The separators before the next quote or newline, as many as end
                        // unwanted fields: the state after them is the state after the last.
                        let stop = others & found;
                        let run = if stop == 0 { found } else { found & ((stop & stop.wrapping_neg()) - 1) };
                        let n = run.count_ones().min(skip);
                        if n > 1 {
                            let mut left = run;
                            for _ in 1..n {
                                left &= left - 1;
                            }
                            let j = base + left.trailing_zeros() as usize;
                            found &= !(left ^ (left - 1));
                            self.fields += n as usize;
                            self.field_start = self.offset + j as u64 + 1;
                            self.content = true;
                            self.at_field_start = true;
                            self.quoted_field = false;
                            last = j + 1;
                            continue;
                        }
                    }
                }
                let j = base + lowest.trailing_zeros() as usize;
                found &= found - 1;
                self.step(chunk, last, j);
                last = j + 1;
            }
        }
        if !self.in_quotes && last < chunk.len() {
            self.content |= !chunk[last..].iter().all(|&b| b == b'\r');
            self.at_field_start = false;
        }
    }

    /// Handles the separator, quote or newline at `chunk[j]`; the bytes from `last` on are
    /// plain text.
    #[inline]
    fn step(&mut self, chunk: &[u8], last: usize, j: usize) {
        let byte = chunk[j];
        if self.in_quotes {
            // Inside quotes only a quote (which closes them) or a newline (a line) counts.
            match byte {
                b'\n' => self.line += 1,
                b'"' => self.in_quotes = false,
                _ => {}
            }
            return;
        }
        if j > last {
            self.content = self.content || !chunk[last..j].iter().all(|&b| b == b'\r');
            self.at_field_start = false;
        }
        match byte {
            b'\n' => {
                self.end_field(self.offset + j as u64);
                self.end_record();
                self.field_start = self.offset + j as u64 + 1;
                self.line += 1;
                self.record_line = self.line;
                self.record_end = (self.offset + j as u64 + 1, self.rows());
                if self.header_end.is_none() && self.records > 0 {
                    self.header_end = Some(self.record_end.0);
                }
            }
            b'"' => {
                self.content = true;
                if self.at_field_start || self.quoted_field {
                    self.quoted_field = true;
                    self.in_quotes = true;
                }
                self.at_field_start = false;
            }
            _ => {
                self.end_field(self.offset + j as u64);
                self.field_start = self.offset + j as u64 + 1;
                self.content = true;
                self.fields += 1;
                self.at_field_start = true;
                self.quoted_field = false;
            }
        }
    }

    fn end_record(&mut self) {
        let blank = self.fields == 1 && !self.content;
        if !blank {
            match self.expected {
                None => self.expected = Some(self.fields),
                Some(expected) => {
                    let row = self.records - 1;
                    if let Some(starts) = &mut self.starts {
                        starts.push(self.record_line as u32);
                    }
                    let problem = match self.fields {
                        n if n > expected => Some(Problem::TooMany { found: n, expected }),
                        n if n < expected => Some(Problem::TooFew { found: n, expected }),
                        _ => None,
                    };
                    if let Some(problem) = problem {
                        self.issues.push(Issue { row, line: self.record_line, problem });
                    }
                    if let Some(c) = &mut self.capture {
                        c.ended.extend_from_slice(&c.current);
                    }
                }
            }
            self.records += 1;
        }
        if let Some(c) = &mut self.capture {
            c.current.fill(ABSENT);
        }
        self.fields = 1;
        self.content = false;
        self.at_field_start = true;
        self.quoted_field = false;
    }

    /// Ends the text: a last record without a newline counts; an open quote is an issue.
    pub fn finish(&mut self) {
        if self.in_quotes {
            let row = self.records.saturating_sub(1);
            if let Some(starts) = &mut self.starts {
                starts.push(self.record_line as u32);
            }
            self.issues.push(Issue { row, line: self.record_line, problem: Problem::Unterminated });
            self.records += 1;
            self.in_quotes = false;
        } else if self.content || self.fields > 1 {
            self.end_field(self.offset);
            self.end_record();
        }
    }

    /// The first line of each data row (when kept).
    pub fn take_starts(&mut self) -> Vec<u32> {
        self.starts.take().unwrap_or_default()
    }
}

/// The first lines of data rows `rows` (sorted) of the file at `path`, read again from disk
/// (the slow path: only for rows that are reported). `skip` bytes (a BOM, a `sep=` line) and
/// `line_offset` lines before the header are accounted for.
pub fn lines_of_rows(path: &Path, sep: u8, skip: usize, line_offset: usize, rows: &[usize]) -> std::io::Result<Vec<usize>> {
    let mut file = std::fs::File::open(path)?;
    let mut scanner = Scanner::new(sep, true);
    let mut buf = vec![0u8; 1 << 20];
    let mut skipped = 0;
    let last = rows.iter().copied().max().unwrap_or(0);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            scanner.finish();
            break;
        }
        let start = (skip - skipped.min(skip)).min(n);
        skipped += n;
        scanner.feed(&buf[start..n]);
        if scanner.starts.as_ref().is_some_and(|s| s.len() > last) {
            break;
        }
    }
    let starts = scanner.take_starts();
    Ok(rows.iter().map(|r| starts.get(*r).map_or(r + 2, |l| *l as usize) + line_offset).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &[u8], chunk: usize) -> Scanner {
        let mut s = Scanner::new(b',', true);
        for part in text.chunks(chunk) {
            s.feed(part);
        }
        s.finish();
        s
    }

    #[test]
    fn rows_and_lines_past_quoted_newlines_in_any_chunking() {
        for chunk in [1, 2, 3, 1000] {
            let mut s = scan(b"a,b\n1,\"x\ny\"\n2,z\n\n3,\"w\"\"\"\n", chunk);
            assert_eq!(s.rows(), 3, "chunk {chunk}");
            assert!(s.issues.is_empty(), "{:?}", s.issues);
            assert_eq!(s.take_starts(), [2, 4, 6]);
        }
    }

    #[test]
    fn ragged_short_cut_off_and_unterminated_rows_are_named() {
        let s = scan(b"a,b,c\r\n1,2,3\r\n1,2,3,4\r\n1;2;3\r\n5,6", 4);
        let found: Vec<_> = s.issues.iter().map(|i| (i.row, i.line, i.problem.clone())).collect();
        assert_eq!(
            found,
            [
                (1, 3, Problem::TooMany { found: 4, expected: 3 }),
                (2, 4, Problem::TooFew { found: 1, expected: 3 }),
                (3, 5, Problem::TooFew { found: 2, expected: 3 }),
            ]
        );
        let s = scan(b"a,b\n1,\"open\n2,3\n4,5\n", 3);
        assert_eq!(s.issues, [Issue { row: 0, line: 2, problem: Problem::Unterminated }]);
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_is_text() {
        let s = scan(b"a,b\n5\" screen,2\n3,4\n", 5);
        assert!(s.issues.is_empty());
        assert_eq!(s.rows(), 2);
    }

    /// The wanted spans, rows, lines and issues of a walk.
    type Walked = (Vec<(u64, u64)>, usize, Vec<u32>, Vec<Issue>);

    /// The fields, rows, lines and issues of `text` fed in `chunk`-byte pieces, capturing
    /// `wanted` (none: every separator takes the counting path).
    fn walked(text: &[u8], chunk: usize, wanted: Option<&[usize]>) -> Walked {
        let mut s = Scanner::new(b',', true);
        if let Some(wanted) = wanted {
            s = s.capturing(wanted);
        }
        for part in text.chunks(chunk) {
            s.feed(part);
        }
        s.finish();
        (s.take_fields(Vec::new()), s.rows(), s.take_starts(), s.issues.clone())
    }

    proptest::proptest! {
        /// Counting the separators of unwanted fields gives what walking each one gives:
        /// the same rows, lines and issues, and the same spans for the fields wanted.
        #[test]
        fn runs_of_unwanted_fields_are_counted_as_walked(
            text in proptest::collection::vec(proptest::sample::select(b"ab,,,\"\n\r ".to_vec()), 0..400),
            chunk in 1usize..130,
            every in 1usize..4,
            from in 0usize..3,
        ) {
            // Every field a record can have is wanted: no separator is only counted.
            let all: Vec<usize> = (0..=text.len()).collect();
            let some: Vec<usize> = all.iter().copied().filter(|f| *f >= from && f % every == 0).collect();
            let (all_fields, rows, starts, issues) = walked(&text, chunk, Some(&all));
            let (some_fields, ..) = walked(&text, chunk, Some(&some));
            let none = walked(&text, chunk, None);
            proptest::prop_assert_eq!((none.1, &none.2, &none.3), (rows, &starts, &issues));
            let picked: Vec<(u64, u64)> = all_fields.chunks(all.len()).flat_map(|r| some.iter().map(|&f| r[f])).collect();
            proptest::prop_assert_eq!(some_fields, picked);
        }
    }
}
