//! Social stats from export files: posts with their metrics, and follower snapshots.
//!
//! Read with polars' lazy engine ([`super::lazy_file`]): projection to the columns below, each
//! cell parsed by an expression (platform, normalised handle and id, the day in the report
//! zone, whole counts), rows with a cell that cannot be read marked `bad` and reported with
//! file, line, column and value, as the cell parsers word it.

use super::cache::{Cache, Entry};
use super::cells::{count_expr, date_day_expr, day_expr, map_text};
use super::identity::Identity;
use super::lazy_file::{Collected, collect};
use super::values::{DecimalStyle, ValueError, parse_count, parse_date, parse_stamp};
use super::{InputFile, Platform, Rejects, SourceError, normalize_handle, normalize_id};
use chrono_tz::Tz;
use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The post metrics, in canonical column order.
pub const METRICS: [&str; 7] = ["likes", "comments", "shares", "saves", "reach", "impressions", "views"];

/// The columns of one stats file, by header name: the required ones, then the optional counts.
struct Columns {
    required: Vec<String>,
    counts: Vec<Option<String>>,
}

impl Columns {
    fn resolve(
        path: &Path,
        find: &dyn Fn(&[&str]) -> Option<String>,
        required: &[&str],
        counts: &[&str],
    ) -> Result<Self, SourceError> {
        let require = |name: &str| {
            find(&[name]).ok_or_else(|| SourceError::MissingColumn { path: path.to_path_buf(), column: name.to_string() })
        };
        let required = required.iter().map(|n| require(n)).collect::<Result<_, _>>()?;
        Ok(Self { required, counts: counts.iter().map(|n| find(&[n])).collect() })
    }

    fn wanted(&self) -> Vec<String> {
        let mut all: Vec<String> = self.required.iter().chain(self.counts.iter().flatten()).cloned().collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// `platform` (canonical, null when not one of ours), `handle` normalised.
fn account_exprs(platform: &str, handle: &str) -> [Expr; 2] {
    let platform = col(platform).map(
        |c: Column| {
            let out: StringChunked = c.str()?.iter().map(|v| v.and_then(Platform::parse).map(Platform::as_str)).collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    );
    [platform.alias("platform"), map_text(col(handle), normalize_handle).alias("handle")]
}

/// Which accounts' rows a reader keeps: the roster's (the figures use no other), by platform.
pub struct Owned {
    handles: [Series; 3],
    /// SHA-256 of the accounts: what a parse cache entry of a stats file depends on.
    fingerprint: String,
}

impl Owned {
    pub fn of(roster: &super::Roster) -> Self {
        let mut accounts: Vec<String> = roster.accounts().map(|(p, h, _)| format!("{}\t{h}\n", p.as_str())).collect();
        accounts.sort_unstable();
        let fingerprint = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(accounts.concat().as_bytes()));
        let handles = Platform::ALL.map(|p| {
            let list: Vec<&str> = roster.accounts().filter(|(q, ..)| *q == p).map(|(_, h, _)| h).collect();
            Series::new(p.as_str().into(), list)
        });
        Self { handles, fingerprint }
    }

    /// `platform` and `handle` (parsed) are a roster account.
    fn expr(&self) -> Expr {
        let mut owned = lit(false);
        for (p, handles) in Platform::ALL.iter().zip(&self.handles) {
            let mine = col("platform").eq(lit(p.as_str())).and(col("handle").is_in(lit(handles.clone()).implode(false), false));
            owned = owned.or(mine);
        }
        owned.fill_null(lit(false))
    }
}

/// What a stats reader returns: the roster accounts' rows, the files as summary.json lists
/// them, the accounts in the files that no roster influencer owns, and the earliest day of any
/// readable row (owned or not).
pub struct StatsRead {
    pub frame: DataFrame,
    pub files: Vec<InputFile>,
    pub unowned: Vec<(Platform, String)>,
    pub earliest: Option<i32>,
}

/// The raw text of `name`, kept only on bad rows (to name the value in the error).
fn when_bad(name: &str, alias: String) -> Expr {
    when(col("bad")).then(col(name)).otherwise(lit(NULL).cast(DataType::String)).alias(alias)
}

/// Parsed count columns (null when empty), and `bad` for a non-empty cell that is not a count:
/// an expression over the parsed columns and the raw cells (`raw_count_{m}`, `m` the count's
/// place in `c.counts`), so each cell is parsed once.
fn counts(c: &Columns, canonical: &[&str], style: DecimalStyle) -> (Vec<Expr>, Expr) {
    let mut parsed = Vec::new();
    let mut bad = lit(false);
    for (m, (name, column)) in canonical.iter().zip(&c.counts).enumerate() {
        match column {
            Some(column) => {
                let blank = super::cells::blank_expr(col(format!("raw_count_{m}")));
                parsed.push(count_expr(col(column.as_str()), style).alias(*name));
                bad = bad.or(blank.not().and(col(*name).is_null()));
            }
            None => parsed.push(lit(NULL).cast(DataType::Int64).alias(*name)),
        }
    }
    (parsed, bad)
}

/// One file's rows (and bad rows) as parsed by `query`, the bad ones reported; only the rows
/// of `owned` accounts are kept, the others give the unowned accounts and the earliest day.
fn read_file(
    path: &Path,
    rejects: &mut Rejects,
    owned: &Owned,
    required: &[&str],
    count_names: &[&str],
    query: impl Fn(LazyFrame, &Columns, DecimalStyle) -> LazyFrame,
    explain: impl Fn(&DataFrame, usize, &Columns, DecimalStyle) -> PolarsResult<(String, String, ValueError)>,
) -> Result<(DataFrame, Collected<Columns>, Seen), SourceError> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let queries = |lf: LazyFrame, c: &Columns, style: DecimalStyle| {
        let rows = query(lf, c, style).with_column(owned.expr().alias("owned"));
        vec![rows.with_column(keep_noting(&seen).alias("keep")).filter(col("keep"))]
    };
    let read: Collected<Columns> =
        collect(path, rejects, |find| Columns::resolve(path, find, required, count_names), Columns::wanted, queries)?;
    let frame_err = |source| SourceError::Csv { path: path.to_path_buf(), source };
    let frame = read.frames.first().cloned().unwrap_or_default();
    let bad = frame.clone().lazy().filter(col("bad")).collect().map_err(frame_err)?;
    if bad.height() > 0 {
        let rows: Vec<usize> =
            bad.column("row").and_then(|r| r.u32().cloned()).map_err(frame_err)?.iter().flatten().map(|r| r as usize).collect();
        let lines = read.lines.of(&rows);
        for (i, line) in lines.into_iter().enumerate() {
            let (column, value, reason) = explain(&bad, i, &read.columns, read.decimal).map_err(frame_err)?;
            rejects.handle(SourceError::Cell { path: path.to_path_buf(), line, column, value, reason })?;
        }
    }
    let good = frame.lazy().filter(col("bad").not()).collect().map_err(frame_err)?;
    let seen = std::mem::take(&mut *lock(&seen));
    Ok((good, read, seen))
}

/// What the readable rows of a file show beyond the kept ones: the accounts no roster
/// influencer owns, and the earliest day.
#[derive(Debug, Default)]
struct Seen {
    unowned: std::collections::BTreeSet<(Platform, String)>,
    earliest: Option<i32>,
}

fn lock(seen: &Mutex<Seen>) -> std::sync::MutexGuard<'_, Seen> {
    seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `bad` or `owned`: the rows to keep, while every readable row is noted in `seen`. One opaque
/// function, so the optimiser cannot filter the rows before they are noted.
fn keep_noting(seen: &Arc<Mutex<Seen>>) -> Expr {
    let seen = Arc::clone(seen);
    let note = move |columns: &mut [Column]| -> PolarsResult<Column> {
        let (bad, owned) = (columns[0].bool()?, columns[1].bool()?);
        let (platform, handle, day) = (columns[2].str()?, columns[3].str()?, columns[4].i32()?);
        let mut s = lock(&seen);
        let mut keep = Vec::with_capacity(bad.len());
        for (((bad, owned), (platform, handle)), day) in
            bad.iter().zip(owned.iter()).zip(platform.iter().zip(handle.iter())).zip(day.iter())
        {
            let (bad, owned) = (bad.unwrap_or(false), owned.unwrap_or(false));
            keep.push(bad || owned);
            if bad {
                continue;
            }
            if let Some(day) = day {
                s.earliest = Some(s.earliest.map_or(day, |e| e.min(day)));
            }
            if !owned && let (Some(p), Some(h)) = (platform.and_then(Platform::parse), handle) {
                s.unowned.insert((p, h.to_string()));
            }
        }
        Ok(BooleanChunked::from_slice("keep".into(), &keep).into_column())
    };
    let args = [col("owned"), col("platform"), col("handle"), col("day")];
    col("bad").map_many(note, &args, |_, _| Ok(Field::new("keep".into(), DataType::Boolean)))
}

/// Adds one file's unowned accounts and earliest day to `out`.
fn add_extras(out: &mut StatsRead, seen: Seen) {
    out.unowned.extend(seen.unowned);
    if let Some(day) = seen.earliest {
        out.earliest = Some(out.earliest.map_or(day, |e| e.min(day)));
    }
}

/// The error of row `i` of `bad` when its platform is not one of ours.
fn platform_error(bad: &DataFrame, i: usize, c: &Columns) -> PolarsResult<Option<(String, String, ValueError)>> {
    let raw = cell(bad, "raw_platform", i)?;
    Ok(Platform::parse(&raw)
        .is_none()
        .then(|| (c.required[0].clone(), raw, ValueError("is not one of instagram, tiktok, youtube"))))
}

/// Text of column `name` at row `i` of `df` ("" when null).
fn cell(df: &DataFrame, name: &str, i: usize) -> PolarsResult<String> {
    Ok(df.column(name)?.str()?.get(i).unwrap_or("").to_string())
}

/// The first unreadable cell among the raw counts of row `i` of `bad`.
fn bad_count(bad: &DataFrame, i: usize, c: &Columns, style: DecimalStyle) -> PolarsResult<Option<(String, String, ValueError)>> {
    for (m, column) in c.counts.iter().enumerate() {
        let Some(column) = column else { continue };
        let raw = cell(bad, &format!("raw_count_{m}"), i)?;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        if let Err(reason) = parse_count(raw, style) {
            return Ok(Some((column.clone(), raw.to_string(), reason)));
        }
    }
    Ok(None)
}

/// Reads post files; `posted_at` is assigned to its day in `tz`.
pub fn read_posts(
    paths: &[PathBuf],
    base: &Path,
    tz: Tz,
    owned: &Owned,
    rejects: &mut Rejects,
    cache: Option<&Cache>,
) -> Result<StatsRead, SourceError> {
    const REQUIRED: [&str; 4] = ["platform", "handle", "post_id", "posted_at"];
    let query = move |lf: LazyFrame, c: &Columns, style: DecimalStyle| {
        let [platform, handle, id, at] = [0, 1, 2, 3].map(|i| c.required[i].as_str());
        let (parsed, bad_counts) = counts(c, &METRICS, style);
        let mut cells = vec![col("row")];
        cells.extend(account_exprs(platform, handle));
        cells.push(map_text(col(id), normalize_id).alias("post_id"));
        cells.push(day_expr(col(at), tz).alias("day"));
        cells.extend(parsed);
        cells.push(col(platform).alias("raw_platform"));
        cells.push(col(at).alias("raw_at"));
        cells.extend(
            c.counts.iter().enumerate().filter_map(|(m, n)| n.as_ref().map(|n| col(n.as_str()).alias(format!("raw_count_{m}")))),
        );
        let bad = col("platform").is_null().or(col("day").is_null()).or(col("post_id").eq(lit(""))).or(col("bad_counts"));
        let mut out = vec![col("row"), col("platform"), col("handle"), col("post_id"), col("day")];
        out.extend(METRICS.map(col));
        out.push(col("bad"));
        out.push(when_bad("raw_platform", "raw_platform".into()));
        out.push(when_bad("raw_at", "raw_at".into()));
        out.extend(
            c.counts
                .iter()
                .enumerate()
                .filter(|(_, n)| n.is_some())
                .map(|(m, _)| when_bad(&format!("raw_count_{m}"), format!("raw_count_{m}"))),
        );
        lf.select(cells).with_column(bad_counts.alias("bad_counts")).with_column(bad.alias("bad")).select(out)
    };
    let explain = |bad: &DataFrame, i: usize, c: &Columns, style: DecimalStyle| {
        if let Some(error) = platform_error(bad, i, c)? {
            return Ok(error);
        }
        let raw_at = cell(bad, "raw_at", i)?;
        if let Err(reason) = parse_stamp(&raw_at) {
            return Ok((c.required[3].clone(), raw_at, reason));
        }
        if cell(bad, "post_id", i)?.is_empty() {
            return Ok((c.required[2].clone(), String::new(), ValueError("is empty")));
        }
        Ok(bad_count(bad, i, c, style)?.unwrap_or((c.required[0].clone(), String::new(), ValueError("cannot be read"))))
    };
    let mut columns = vec![col("platform"), col("handle"), col("post_id"), col("day")];
    columns.extend(METRICS.map(col));
    let reader = Reader { name: "posts", extra: format!("{} {}", tz.name(), owned.fingerprint), cache };
    read_all(paths, base, rejects, owned, &REQUIRED, &METRICS, query, explain, &columns, post_schema(), &reader)
}

/// Reads follower snapshot files.
pub fn read_followers(
    paths: &[PathBuf],
    base: &Path,
    owned: &Owned,
    rejects: &mut Rejects,
    cache: Option<&Cache>,
) -> Result<StatsRead, SourceError> {
    const REQUIRED: [&str; 4] = ["platform", "handle", "date", "followers"];
    let query = |lf: LazyFrame, c: &Columns, style: DecimalStyle| {
        let [platform, handle, date] = [0, 1, 2].map(|i| c.required[i].as_str());
        let (parsed, bad_count) = counts(c, &["followers"], style);
        let mut cells = vec![col("row")];
        cells.extend(account_exprs(platform, handle));
        cells.push(date_day_expr(col(date)).alias("day"));
        cells.extend(parsed);
        cells.push(col(platform).alias("raw_platform"));
        cells.push(col(date).alias("raw_date"));
        cells.extend(c.counts.iter().flatten().map(|n| col(n.as_str()).alias("raw_count_0")));
        let bad = col("platform").is_null().or(col("day").is_null()).or(col("followers").is_null()).or(col("bad_counts"));
        lf.select(cells).with_column(bad_count.alias("bad_counts")).with_column(bad.alias("bad")).select([
            col("row"),
            col("platform"),
            col("handle"),
            col("day"),
            col("followers"),
            col("bad"),
            when_bad("raw_platform", "raw_platform".into()),
            when_bad("raw_date", "raw_date".into()),
            when_bad("raw_count_0", "raw_count_0".into()),
        ])
    };
    let explain = |bad: &DataFrame, i: usize, c: &Columns, style: DecimalStyle| {
        if let Some(error) = platform_error(bad, i, c)? {
            return Ok(error);
        }
        let raw_date = cell(bad, "raw_date", i)?;
        if let Err(reason) = parse_date(&raw_date) {
            return Ok((c.required[2].clone(), raw_date, reason));
        }
        let raw = cell(bad, "raw_count_0", i)?;
        let reason = parse_count(&raw, style).err().unwrap_or(ValueError("cannot be read"));
        Ok((c.counts[0].clone().unwrap_or_else(|| "followers".into()), raw.trim().to_string(), reason))
    };
    let columns = [col("platform"), col("handle"), col("day"), col("followers")];
    let reader = Reader { name: "followers", extra: owned.fingerprint.clone(), cache };
    read_all(paths, base, rejects, owned, &REQUIRED, &["followers"], query, explain, &columns, follower_schema(), &reader)
}

/// Every file of `paths` through [`read_file`], their kept rows (`columns`) one after the other.
#[allow(clippy::too_many_arguments)]
fn read_all(
    paths: &[PathBuf],
    base: &Path,
    rejects: &mut Rejects,
    owned: &Owned,
    required: &[&str],
    count_names: &[&str],
    query: impl Fn(LazyFrame, &Columns, DecimalStyle) -> LazyFrame + Copy,
    explain: impl Fn(&DataFrame, usize, &Columns, DecimalStyle) -> PolarsResult<(String, String, ValueError)> + Copy,
    columns: &[Expr],
    schema: Schema,
    reader: &Reader<'_>,
) -> Result<StatsRead, SourceError> {
    let mut out = StatsRead { frame: DataFrame::empty(), files: Vec::new(), unowned: Vec::new(), earliest: None };
    let mut frames = Vec::new();
    let names: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
    for path in paths {
        let identity = reader.cache.and_then(|_| Identity::of(path));
        let key = identity.and_then(|identity| Cache::key(path, identity, reader.name, &reader.extra));
        let shown = path.strip_prefix(base).unwrap_or(path).display().to_string();
        if let (Some(cache), Some(key)) = (reader.cache, key.as_ref())
            && let Some((frame, entry)) = cache.get(key, &names)
        {
            let unowned = entry.unowned.iter().filter_map(|(p, h)| Platform::parse(p).map(|p| (p, h.clone())));
            add_extras(&mut out, Seen { unowned: unowned.collect(), earliest: entry.earliest });
            frames.push(frame.lazy());
            out.files.push(InputFile { path: shown, sha256: entry.sha256, rows: entry.rows, identity });
            continue;
        }
        let before = rejects.list.len();
        let (frame, read, seen) = read_file(path, rejects, owned, required, count_names, query, explain)?;
        let frame_err = |source| SourceError::Csv { path: path.to_path_buf(), source };
        let kept = frame.lazy().select(columns).collect().map_err(frame_err)?;
        // Kept only when the file read is the one the key was made from (not replaced meanwhile).
        if let (Some(cache), Some(key)) = (reader.cache, key)
            && rejects.list.len() == before
            && read.identity == identity
        {
            let unowned = seen.unowned.iter().map(|(p, h)| (p.as_str().to_string(), h.clone())).collect();
            let entry = Entry {
                key: key.clone(),
                sha256: read.sha256.clone(),
                rows: read.rows,
                earliest: seen.earliest,
                recorded: None,
                height: kept.height(),
                unowned,
            };
            cache.put(&key, &kept, &entry);
        }
        add_extras(&mut out, seen);
        frames.push(kept.lazy());
        out.files.push(read.input_file(base));
    }
    out.frame = stack(frames, schema)?;
    Ok(out)
}

/// Which stats reader reads (its parse cache name), what else its rows depend on (the zone,
/// the roster's accounts), and the parse cache, when on.
struct Reader<'a> {
    name: &'static str,
    extra: String,
    cache: Option<&'a Cache>,
}

/// The files' frames one after the other (an empty frame of `schema` for none).
fn stack(frames: Vec<LazyFrame>, schema: Schema) -> Result<DataFrame, SourceError> {
    let frame_err = |source| SourceError::Csv { path: PathBuf::new(), source };
    if frames.is_empty() {
        return Ok(DataFrame::empty_with_schema(&schema));
    }
    concat(frames, UnionArgs::default()).and_then(|lf| lf.collect()).map_err(frame_err)
}

fn post_schema() -> Schema {
    let mut fields = vec![
        Field::new("platform".into(), DataType::String),
        Field::new("handle".into(), DataType::String),
        Field::new("post_id".into(), DataType::String),
        Field::new("day".into(), DataType::Int32),
    ];
    fields.extend(METRICS.map(|m| Field::new(m.into(), DataType::Int64)));
    Schema::from_iter(fields)
}

fn follower_schema() -> Schema {
    Schema::from_iter([
        Field::new("platform".into(), DataType::String),
        Field::new("handle".into(), DataType::String),
        Field::new("day".into(), DataType::Int32),
        Field::new("followers".into(), DataType::Int64),
    ])
}
