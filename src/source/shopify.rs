//! Shopify "Export orders" CSV, exactly as Shopify writes it: one row per line item with the
//! order-level columns on the first row only, codes joined by ` + ` in one cell, `±HHMM`
//! offsets, 73- or 79-column headers matched by name.
//!
//! Read with polars' lazy engine, streamed from disk (UTF-8 files) or from the decoded text:
//! projection to the columns below, continuation rows dropped (a row whose `Name` is the
//! previous order's), timestamps and amounts parsed, and only the orders the figures can use
//! kept ([`kept_orders`]); what is kept is bounded by those orders, not by the file.

use super::cache::{Cache, Entry};
use super::cells::{day_expr, link_expr, micros_expr, seconds_expr};
use super::csv_file::CsvText;
use super::identity::Identity;
use super::lazy_file::Lines;
use super::orders::{Currency, SPLIT_CODES, split_codes};
use super::scan::{DiskCsv, FileCheck};
use super::values::{DecimalStyle, ValueError, parse_stamp};
use super::{InputFile, Rejects, SourceError};
use chrono_tz::Tz;
use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Money columns read from an order's first row: (canonical name, header aliases, required).
const MONEY: [(&str, &[&str], bool); 4] = [
    ("subtotal", &["Subtotal"], true),
    ("total", &["Total"], true),
    ("discounts", &["Discount Amount"], false),
    ("refunds", &["Refunded Amount"], false),
];

/// The orders kept after reading: those whose discount-code cell is not empty or whose
/// `Note Attributes` show a UTM campaign or landing path (the only ones coupon or link
/// attribution can credit). Widen this one predicate to keep more (its columns are those of
/// [`first_rows`]).
pub fn kept_orders() -> Expr {
    col("code_cell").neq(lit("")).or(col("utm_campaign").neq(lit(""))).or(col("landing_path").neq(lit("")))
}

/// The Shopify order files of a report, read.
pub struct ShopifyOrders {
    pub orders: DataFrame,
    pub codes: DataFrame,
    pub files: Vec<InputFile>,
    /// The earliest day of any readable order (kept or not).
    pub earliest_day: Option<i32>,
    /// Per file (rank), the latest instant any readable order records (kept or not).
    pub recorded: std::collections::BTreeMap<usize, i64>,
}

/// Reads Shopify exports (already in natural order) into the orders and order_codes frames.
/// Amounts are converted into the report currency at the configured rates; an order in a
/// currency without a rate is kept with `fx_missing` set (an error only if it is attributed).
pub fn read(
    paths: &[PathBuf],
    base: &Path,
    tz: Tz,
    currency: &Currency<'_>,
    rejects: &mut Rejects,
    cache: Option<&Cache>,
) -> Result<ShopifyOrders, SourceError> {
    let mut out = super::orders::FrameSink::default();
    let mut files = Vec::new();
    let mut earliest: Option<i32> = None;
    let mut recorded = std::collections::BTreeMap::new();
    for (rank, path) in paths.iter().enumerate() {
        let started = std::time::Instant::now();
        let read = cached_read(path, tz, rejects, cache)?;
        tracing::debug!(path = %path.display(), kept = read.kept.height(), bytes = read.kept.estimated_size(), ms = started.elapsed().as_millis() as u64, "order file read");
        earliest = match (earliest, read.earliest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(at) = read.recorded {
            recorded.insert(rank, at);
        }
        let shown = path.strip_prefix(base).unwrap_or(path);
        let (sha256, rows, identity) = (read.sha256.clone(), read.rows, read.identity);
        files.push(InputFile { path: shown.display().to_string(), sha256, rows, identity });
        let started = std::time::Instant::now();
        out.push_frame(rank as u32, read.kept, read.codes, currency).map_err(|e| e.into_source(path, &read.lines))?;
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "order file's frames built");
    }
    let (orders, codes) = out.finish().map_err(|source| SourceError::Csv { path: base.to_path_buf(), source })?;
    Ok(ShopifyOrders { orders, codes, files, earliest_day: earliest, recorded })
}

/// [`read_file`] through the parse cache (when on): a clean file's kept orders and their split
/// codes are kept, as two entries (both must be sound to be used).
fn cached_read(path: &Path, tz: Tz, rejects: &mut Rejects, cache: Option<&Cache>) -> Result<FileRead, SourceError> {
    let identity = cache.and_then(|_| Identity::of(path));
    let key = identity.and_then(|identity| Cache::key(path, identity, "shopify", tz.name()));
    let (Some(cache), Some(key)) = (cache, key) else { return read_file(path, tz, rejects) };
    let codes_key = format!("{key} | split codes");
    // Both are looked up, so a damaged one is reported even when the other is missing.
    let (kept, codes) = (cache.get(&key, &KEPT), cache.get(&codes_key, &SPLIT_CODES));
    if let (Some((kept, entry)), Some((codes, _))) = (kept, codes) {
        let lines = Lines::Unread(path.to_path_buf());
        let (earliest, recorded) = (entry.earliest, entry.recorded);
        return Ok(FileRead { kept, codes, sha256: entry.sha256, identity, rows: entry.rows, earliest, recorded, lines });
    }
    let before = rejects.list.len();
    let read = read_file(path, tz, rejects)?;
    // Kept only when the file read is the one the key was made from (not replaced meanwhile).
    if rejects.list.len() == before && read.identity == identity {
        let entry = Entry {
            key: key.clone(),
            sha256: read.sha256.clone(),
            rows: read.rows,
            earliest: read.earliest,
            recorded: read.recorded,
            height: read.kept.height(),
            unowned: Vec::new(),
        };
        cache.put(&key, &read.kept, &entry);
        let codes = Entry { key: codes_key.clone(), height: read.codes.height(), ..entry };
        cache.put(&codes_key, &read.codes, &codes);
    }
    Ok(read)
}

/// One file's kept orders, before currency conversion, and their split codes.
struct FileRead {
    kept: DataFrame,
    codes: DataFrame,
    sha256: String,
    identity: Option<Identity>,
    rows: usize,
    earliest: Option<i32>,
    recorded: Option<i64>,
    lines: Lines,
}

/// The columns of one export, by header name.
struct Columns {
    name: String,
    created: String,
    code: String,
    money: [Option<String>; 4],
    id: Option<String>,
    status: Option<String>,
    currency: Option<String>,
    cancelled: Option<String>,
    paid: Option<String>,
    fulfilled: Option<String>,
    notes: Option<String>,
    /// Not in Shopify's own export; third-party order exports add the API's fields by name.
    landing: Option<String>,
    referring: Option<String>,
}

impl Columns {
    fn resolve(path: &Path, find: impl Fn(&[&str]) -> Option<String>) -> Result<Self, SourceError> {
        let require = |aliases: &[&str]| {
            find(aliases).ok_or_else(|| SourceError::MissingColumn { path: path.to_path_buf(), column: aliases[0].to_string() })
        };
        let mut money: [Option<String>; 4] = Default::default();
        for (m, (_, aliases, required)) in MONEY.iter().enumerate() {
            money[m] = if *required { Some(require(aliases)?) } else { find(aliases) };
        }
        Ok(Self {
            name: require(&["Name"])?,
            created: require(&["Created at"])?,
            code: require(&["Discount Code"])?,
            money,
            id: find(&["Id"]),
            status: find(&["Financial Status"]),
            currency: find(&["Currency"]),
            cancelled: find(&["Cancelled at", "Canceled at"]),
            paid: find(&["Paid at"]),
            fulfilled: find(&["Fulfilled at"]),
            notes: find(&["Note Attributes"]),
            landing: find(&["Landing Site", "Landing Page", "landing_site"]),
            referring: find(&["Referring Site", "referring_site"]),
        })
    }

    fn wanted(&self) -> Vec<&str> {
        let mut all = vec![self.name.as_str(), self.created.as_str(), self.code.as_str()];
        all.extend(self.money.iter().flatten().map(String::as_str));
        let extra = [
            &self.id,
            &self.status,
            &self.currency,
            &self.cancelled,
            &self.paid,
            &self.fulfilled,
            &self.notes,
            &self.landing,
            &self.referring,
        ];
        all.extend(extra.into_iter().flatten().map(String::as_str));
        all.sort_unstable();
        all.dedup();
        all
    }
}

fn read_file(path: &Path, tz: Tz, rejects: &mut Rejects) -> Result<FileRead, SourceError> {
    if let Some(disk) = DiskCsv::open(path)? {
        let columns = Columns::resolve(path, |a| disk.find_column(a).map(str::to_string))?;
        // Chunk by chunk; the last order name seen is passed on, so an order whose line items
        // straddle two chunks is still one order.
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (frames, check) = super::chunks::collect(&disk, &columns.wanted(), &mut (), |lf, _| {
            let before = lock(&seen).last.as_ref().map(|(_, name)| name.clone());
            let kept = queries(lf, &columns, tz, disk.decimal, before.as_deref(), &seen);
            Ok(vec![kept.collect_with_engine(Engine::InMemory)?.unwrap_single()])
        })?;
        if !check.not_utf8 {
            let seen = std::mem::take(&mut *lock(&seen));
            return finish_disk(disk, columns, frames, check, seen, rejects);
        }
        // Not UTF-8 after all: decoded in memory by the encoding rule instead.
    }
    let text = CsvText::load(path)?;
    let columns = Columns::resolve(path, |a| text.find_column(a).map(str::to_string))?;
    let frame = text.read_columns(&columns.wanted(), rejects)?;
    let frame =
        frame.with_row_index("row".into(), None).map_err(|source| SourceError::Csv { path: path.to_path_buf(), source })?;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let kept = queries(frame.lazy(), &columns, tz, text.decimal, None, &seen).collect();
    let kept = kept.map_err(|source| SourceError::Csv { path: path.to_path_buf(), source })?;
    let (sha256, identity, rows) = (text.sha256.clone(), text.identity, text.rows);
    let seen = std::mem::take(&mut *lock(&seen));
    finish(kept, seen, &columns, text.decimal, Lines::Memory(text), (sha256, identity, rows), rejects)
}

fn finish_disk(
    disk: DiskCsv,
    columns: Columns,
    frames: PolarsResult<Vec<DataFrame>>,
    check: FileCheck,
    seen: Seen,
    rejects: &mut Rejects,
) -> Result<FileRead, SourceError> {
    for issue in &check.issues {
        let message = issue.problem.to_string();
        rejects.handle(SourceError::Row { path: disk.path.clone(), line: issue.line, message })?;
    }
    let frames = frames.map_err(|source| SourceError::Csv { path: disk.path.clone(), source })?;
    let mut kept = frames.into_iter().next().unwrap_or_default();
    if !check.issues.is_empty() {
        // Skipping: the malformed rows are left out.
        let bad: Vec<u32> = check.issues.iter().map(|i| i.row as u32).collect();
        let bad = Series::new("bad".into(), bad);
        let good = kept.lazy().filter(col("row").is_in(lit(bad).implode(false), false).not()).collect();
        kept = good.map_err(|source| SourceError::Csv { path: disk.path.clone(), source })?;
    }
    let decimal = disk.decimal;
    finish(kept, seen, &columns, decimal, Lines::Disk(disk), (check.sha256, check.identity, check.rows), rejects)
}

/// What the first rows of a file show beyond the orders kept: the earliest day and the latest
/// recorded instant of the readable ones, and the last order name (with its row).
#[derive(Debug, Default)]
struct Seen {
    day: Option<i32>,
    recorded: Option<i64>,
    last: Option<(u32, String)>,
}

fn lock(seen: &Mutex<Seen>) -> std::sync::MutexGuard<'_, Seen> {
    seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `keep` (the rows to keep), passed through, while every first row is noted in `seen`. It is
/// one opaque function, so the optimiser cannot filter the rows before it has seen them.
fn keep_noting(keep: Expr, seen: &Arc<Mutex<Seen>>) -> Expr {
    let seen = Arc::clone(seen);
    let note = move |columns: &mut [Column]| -> PolarsResult<Column> {
        let keep = columns[0].bool()?.clone();
        let (bad, day, recorded) = (columns[1].bool()?, columns[2].i32()?, columns[3].i64()?);
        let (name, row) = (columns[4].str()?, columns[5].u32()?);
        let mut s = lock(&seen);
        // The last named row of these, copied once.
        let mut last: Option<(u32, &str)> = None;
        for (((bad, day), recorded), (name, row)) in
            bad.iter().zip(day.iter()).zip(recorded.iter()).zip(name.iter().zip(row.iter()))
        {
            if bad != Some(true) {
                s.day = day.map_or(s.day, |d| Some(s.day.map_or(d, |e| e.min(d))));
                s.recorded = recorded.map_or(s.recorded, |r| Some(s.recorded.map_or(r, |e| e.max(r))));
            }
            if let (Some(name), Some(row)) = (name.filter(|n| !n.is_empty()), row)
                && last.is_none_or(|(at, _)| at < row)
            {
                last = Some((row, name));
            }
        }
        if let Some((row, name)) = last
            && s.last.as_ref().is_none_or(|(at, _)| *at < row)
        {
            s.last = Some((row, name.to_string()));
        }
        Ok(keep.with_name("keep".into()).into_column())
    };
    let args = [col("bad"), col("day"), col("recorded_at"), col("name"), col("row")];
    keep.map_many(note, &args, |_, f| Ok(Field::new(f[0].name().clone(), DataType::Boolean)))
}

/// The kept orders (and rows with a bad cell), every first row noted in `seen`; `before` is
/// the last order name before these rows (in an earlier chunk).
fn queries(lf: LazyFrame, c: &Columns, tz: Tz, style: DecimalStyle, before: Option<&str>, seen: &Arc<Mutex<Seen>>) -> LazyFrame {
    let first = first_rows(lf, c, tz, style, before);
    let when_bad = |name: &str| when(col("bad")).then(col(name)).otherwise(lit(NULL).cast(DataType::String)).alias(name);
    let keep = keep_noting(kept_orders().or(col("bad")).fill_null(lit(false)), seen);
    first.with_column(keep.alias("keep")).filter(col("keep")).select([
        col("row"),
        col("name"),
        when(col("id").neq(lit(""))).then(col("id")).otherwise(col("name")).alias("order_key"),
        col("day"),
        col("cancelled_raw").neq(lit("")).alias("cancelled"),
        col("status").str().to_lowercase().alias("status"),
        col("currency").str().to_uppercase().alias("currency"),
        col("subtotal"),
        col("total"),
        col("discounts").fill_null(lit(0i64)),
        col("refunds").fill_null(lit(0i64)),
        col("code_cell"),
        col("utm_campaign"),
        col("landing_path"),
        col("recorded_at"),
        col("bad"),
        when_bad("created_raw"),
        when_bad("subtotal_raw"),
        when_bad("total_raw"),
        when_bad("discounts_raw"),
        when_bad("refunds_raw"),
    ])
}

/// The first row of each order, its cells trimmed and parsed; `bad` marks a row the reader
/// must report (an empty `Name`, or a cell that cannot be read). `before` is the order name
/// of the row before the first (none at the top of the file).
fn first_rows(lf: LazyFrame, c: &Columns, tz: Tz, style: DecimalStyle, before: Option<&str>) -> LazyFrame {
    let trimmed = |name: &str| col(name).str().strip_chars(lit(NULL)).fill_null(lit(""));
    let optional = |name: &Option<String>| name.as_deref().map_or(lit(""), trimmed);
    // Cells that are only parsed are taken as they stand: their parsers trim, and trimming
    // here would copy every one.
    let raw = |name: &str| col(name).fill_null(lit(""));
    let untrimmed = |name: &Option<String>| name.as_deref().map_or(lit(""), raw);
    let mut cells = vec![
        col("row"),
        col("name"),
        raw(&c.created).alias("created_raw"),
        trimmed(&c.code).alias("code_cell"),
        optional(&c.id).alias("id"),
        optional(&c.status).alias("status"),
        optional(&c.currency).alias("currency"),
        optional(&c.cancelled).alias("cancelled_raw"),
        untrimmed(&c.paid).alias("paid_raw"),
        untrimmed(&c.fulfilled).alias("fulfilled_raw"),
        untrimmed(&c.notes).alias("notes_raw"),
        untrimmed(&c.landing).alias("landing_raw"),
        untrimmed(&c.referring).alias("referring_raw"),
    ];
    for (m, (canonical, ..)) in MONEY.iter().enumerate() {
        cells.push(untrimmed(&c.money[m]).alias(format!("{canonical}_raw")));
    }
    let named = when(col("name").neq(lit(""))).then(col("name")).otherwise(lit(NULL).cast(DataType::String));
    // A row whose Name is the previous named row's is another line item of the same order.
    let before = before.map_or(lit(NULL).cast(DataType::String), lit);
    let previous = named.fill_null_with_strategy(FillNullStrategy::Forward(None)).shift_and_fill(lit(1), before);
    let stamps = ["created_raw", "paid_raw", "fulfilled_raw", "cancelled_raw"].map(|c| seconds_expr(col(c), tz));
    let mut parsed = vec![
        day_expr(col("created_raw"), tz).alias("day"),
        polars::lazy::dsl::max_horizontal(stamps).unwrap_or_else(|_| lit(NULL).cast(DataType::Int64)).alias("recorded_at"),
        links(c, 0).alias("utm_campaign"),
        links(c, 1).alias("landing_path"),
    ];
    for (canonical, ..) in MONEY {
        parsed.push(micros_expr(col(format!("{canonical}_raw")), style).alias(canonical));
    }
    let unreadable = |m: &str| super::cells::blank_expr(col(format!("{m}_raw"))).not().and(col(m).is_null());
    let bad = col("name")
        .eq(lit(""))
        .or(col("day").is_null())
        .or(col("subtotal").is_null())
        .or(col("total").is_null())
        .or(unreadable("discounts"))
        .or(unreadable("refunds"));
    // Only the names are read on every row; the other cells only on first rows.
    let first = col("name").eq(lit("")).or(col("previous").is_null()).or(col("previous").neq(col("name")));
    lf.with_column(trimmed(&c.name).alias("name"))
        .with_column(previous.alias("previous"))
        .filter(first)
        .select(cells)
        .with_columns(parsed)
        .with_column(bad.alias("bad"))
}

/// The UTM campaign (`field` 0) or landing path (1) an order's link cells show: a note's link
/// first, then the landing site, then (a campaign only) the referrer. Only the export's own
/// columns are parsed (an absent one would be parsed as an empty cell on every row).
fn links(c: &Columns, field: usize) -> Expr {
    let mut link = match c.notes {
        Some(_) => link_expr(col("notes_raw"), field),
        None => lit(""),
    };
    if c.landing.is_some() {
        link = link_or(link, "landing_raw", field);
    }
    if c.referring.is_some() && field == 0 {
        link = link_or(link, "referring_raw", field);
    }
    link
}

/// `first`, or where it is empty what the URL column `raw` shows (a note's link first, then the
/// landing site, then the referrer's campaign: a referrer's path is never a landing path).
fn link_or(first: Expr, raw: &str, field: usize) -> Expr {
    let other = super::cells::url_link_expr(col(raw), field);
    when(first.clone().eq(lit(""))).then(other).otherwise(first)
}

/// Reports the bad rows, then returns the good ones.
#[allow(clippy::too_many_arguments)]
fn finish(
    kept: DataFrame,
    seen: Seen,
    c: &Columns,
    style: DecimalStyle,
    lines: Lines,
    (sha256, identity, rows): (String, Option<Identity>, usize),
    rejects: &mut Rejects,
) -> Result<FileRead, SourceError> {
    let path = lines.path().to_path_buf();
    let frame_err = |source| SourceError::Csv { path: path.clone(), source };
    let (earliest_day, recorded) = (seen.day, seen.recorded);
    let bad = kept.clone().lazy().filter(col("bad")).collect().map_err(frame_err)?;
    if bad.height() > 0 {
        let errors = bad_cells(&bad, c, style).map_err(frame_err)?;
        let rows: Vec<usize> = errors.iter().map(|e| e.0).collect();
        for ((_, column, value, reason), line) in errors.into_iter().zip(lines.of(&rows)) {
            rejects.handle(SourceError::Cell { path: path.clone(), line, column, value, reason })?;
        }
    }
    // The query kept `kept_orders()` or bad rows: without bad rows every row is one to keep,
    // and the columns are taken as they are (no copy of the orders).
    let good = if bad.height() == 0 { kept.lazy() } else { kept.lazy().filter(col("bad").not().and(kept_orders())) };
    let good = good.select(KEPT.map(col)).collect().map_err(frame_err)?;
    let codes = split_codes(&good).map_err(frame_err)?;
    Ok(FileRead { kept: good, codes, sha256, identity, rows, earliest: earliest_day, recorded, lines })
}

/// The columns of a file's kept orders (and of its parse cache entry).
const KEPT: [&str; 15] = [
    "row",
    "name",
    "order_key",
    "day",
    "cancelled",
    "status",
    "currency",
    "subtotal",
    "total",
    "discounts",
    "refunds",
    "code_cell",
    "utm_campaign",
    "landing_path",
    "recorded_at",
];

/// (row, column, value, reason) of each bad row, in file order, as the cell parsers word it.
fn bad_cells(bad: &DataFrame, c: &Columns, style: DecimalStyle) -> PolarsResult<Vec<(usize, String, String, ValueError)>> {
    let text = |name: &str| bad.column(name).and_then(|s| s.str().cloned());
    let (rows, names, created) = (bad.column("row")?.u32()?.clone(), text("name")?, text("created_raw")?);
    let raws: Vec<StringChunked> = MONEY.iter().map(|(m, ..)| text(&format!("{m}_raw"))).collect::<PolarsResult<_>>()?;
    let mut out = Vec::new();
    for i in 0..bad.height() {
        let row = rows.get(i).unwrap_or(0) as usize;
        if names.get(i).unwrap_or("").is_empty() {
            out.push((row, c.name.clone(), String::new(), ValueError("is empty")));
            continue;
        }
        let created = created.get(i).unwrap_or("").trim();
        if let Err(reason) = parse_stamp(created) {
            out.push((row, c.created.clone(), created.to_string(), reason));
            continue;
        }
        for (m, (canonical, _, required)) in MONEY.iter().enumerate() {
            let raw = raws[m].get(i).unwrap_or("").trim();
            if raw.is_empty() && !required {
                continue;
            }
            if let Err(reason) = super::cells::money_micros(raw, style) {
                out.push((row, c.money[m].clone().unwrap_or_else(|| canonical.to_string()), raw.to_string(), reason));
                break;
            }
        }
    }
    Ok(out)
}
