//! One input CSV as a lazy frame of its text columns (and each row's index as `row`), for the
//! readers that express their parsing as polars expressions: read from disk in chunks when it is
//! UTF-8 ([`DiskCsv`], with the check pass beside it), else decoded in memory by the encoding
//! rules ([`CsvText`]). Malformed records are reported (or, when skipping, left out); which
//! line a row starts on is computed only for the rows a reader reports.

use super::csv_file::CsvText;
use super::scan::DiskCsv;
use super::values::DecimalStyle;
use super::{InputFile, Rejects, SourceError};
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// What [`collect`] read of one file.
pub struct Collected<C> {
    /// The reader's resolved columns.
    pub columns: C,
    /// The query results, in the order the queries were given.
    pub frames: Vec<DataFrame>,
    pub lines: Lines,
    pub sha256: String,
    pub identity: Option<super::identity::Identity>,
    /// Data rows in the file.
    pub rows: usize,
    pub decimal: DecimalStyle,
}

impl<C> Collected<C> {
    pub fn path(&self) -> &Path {
        self.lines.path()
    }

    /// The file as summary.json lists it (relative to `base`).
    pub fn input_file(&self, base: &Path) -> InputFile {
        let path = self.path().strip_prefix(base).unwrap_or(self.path());
        InputFile { path: path.display().to_string(), sha256: self.sha256.clone(), rows: self.rows, identity: self.identity }
    }
}

/// Reads `path`: `resolve` finds the reader's columns by header name (an error names a missing
/// one), `wanted` lists the header names to read, and `queries` turn the lazy frame of those
/// text columns (with `row`) into the frames the reader keeps. A file on disk is read in
/// chunks ([`super::chunks`]): each result is stacked over the chunks, so an aggregate has one
/// row per chunk. Rows of malformed records are left out of every result that has a `row`
/// column.
pub fn collect<C>(
    path: &Path,
    rejects: &mut Rejects,
    resolve: impl Fn(&dyn Fn(&[&str]) -> Option<String>) -> Result<C, SourceError>,
    wanted: impl Fn(&C) -> Vec<String>,
    queries: impl Fn(LazyFrame, &C, DecimalStyle) -> Vec<LazyFrame>,
) -> Result<Collected<C>, SourceError> {
    let frame_err = |source| SourceError::Csv { path: path.to_path_buf(), source };
    if let Some(disk) = DiskCsv::open(path)? {
        let columns = resolve(&|a: &[&str]| disk.find_column(a).map(str::to_string))?;
        let names = wanted(&columns);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let (frames, check) = super::chunks::collect(&disk, &names, &mut (), |lf, _| {
            let plans = queries(lf, &columns, disk.decimal).into_iter().map(|q| q.logical_plan).collect();
            LazyFrame::collect_all_with_engine(plans, Engine::InMemory, OptFlags::default())
        })?;
        if !check.not_utf8 {
            for issue in &check.issues {
                let message = issue.problem.to_string();
                rejects.handle(SourceError::Row { path: disk.path.clone(), line: issue.line, message })?;
            }
            let bad: Vec<u32> = check.issues.iter().map(|i| i.row as u32).collect();
            let mut frames = without_rows(frames.map_err(frame_err)?, &bad).map_err(frame_err)?;
            // Column by column: only one column is ever held twice.
            frames.iter_mut().for_each(|f| _ = f.rechunk_mut());
            let decimal = disk.decimal;
            let (sha256, rows, identity) = (check.sha256, check.rows, check.identity);
            return Ok(Collected { columns, frames, lines: Lines::Disk(disk), sha256, identity, rows, decimal });
        }
        // Not UTF-8 after all: decoded in memory by the encoding rule instead.
    }
    let text = CsvText::load(path)?;
    let columns = resolve(&|a: &[&str]| text.find_column(a).map(str::to_string))?;
    let names = wanted(&columns);
    let frame = text.read_columns(&names.iter().map(String::as_str).collect::<Vec<_>>(), rejects)?;
    let frame = frame.with_row_index("row".into(), None).map_err(frame_err)?;
    let plans = queries(frame.lazy(), &columns, text.decimal).into_iter().map(|q| q.logical_plan).collect();
    let frames = LazyFrame::collect_all_with_engine(plans, Engine::InMemory, OptFlags::default()).map_err(frame_err)?;
    let (sha256, identity, rows, decimal) = (text.sha256.clone(), text.identity, text.rows, text.decimal);
    Ok(Collected { columns, frames, lines: Lines::Memory(text), sha256, identity, rows, decimal })
}

/// `frames` without the rows numbered `bad` (in those that have a `row` column).
fn without_rows(frames: Vec<DataFrame>, bad: &[u32]) -> PolarsResult<Vec<DataFrame>> {
    if bad.is_empty() {
        return Ok(frames);
    }
    let bad = Series::new("bad".into(), bad);
    frames
        .into_iter()
        .map(|f| match f.column("row") {
            Ok(_) => f.lazy().filter(col("row").is_in(lit(bad.clone()).implode(false), false).not()).collect(),
            Err(_) => Ok(f),
        })
        .collect()
}

/// How to name the line of a row of one file.
pub enum Lines {
    Disk(DiskCsv),
    Memory(CsvText),
    /// Read from the parse cache: the file is looked at only if a line is needed.
    Unread(PathBuf),
}

impl Lines {
    pub fn of(&self, rows: &[usize]) -> Vec<usize> {
        match self {
            Lines::Disk(d) => d.lines_of(rows),
            Lines::Memory(t) => rows.iter().map(|r| t.line_of_row(*r)).collect(),
            Lines::Unread(p) => rows.iter().map(|r| super::scan::line_of_row(p, *r)).collect(),
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Lines::Disk(d) => &d.path,
            Lines::Memory(t) => &t.path,
            Lines::Unread(p) => p,
        }
    }
}
