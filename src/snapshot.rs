//! KEEP: every pull stored as dated parquet under `state_dir/snapshots/<report>/`, so a past
//! period is re-reported from what was known then, never from the live API.
//!
//! - `followers/YYYY-MM-DD.parquet`: one count per account per day (the day of the pull in
//!   the report's zone; a second pull that day replaces the first's counts);
//! - `posts/<pulled at, UTC>.parquet`: every post's metrics per pull;
//! - `pulls/<pulled at, UTC>.json`: what each pull did (accounts, failures, requests);
//! - `as_of.json`: the pull time each period's first run used, so its reruns use it too;
//! - `files/<sha256>.<ext>`: a copy of every export file a run read.

use crate::period::{Period, day_number};
use crate::pull::shops::ApiOrder;
use crate::pull::{PostRow, Pulled};
use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod kept;

const STAMP: &str = "%Y%m%dT%H%M%S%.6fZ";
const METRICS: [&str; 7] = crate::source::social::METRICS;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("snapshot `{}`", path.display())]
    Frame {
        path: PathBuf,
        #[source]
        source: PolarsError,
    },
    #[error("snapshot `{}` is not valid: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// One report's snapshot folder.
#[derive(Debug, Clone)]
pub struct Store {
    pub dir: PathBuf,
}

/// What a pull left in the store, for logs and `tierwise pull`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct PullLog {
    pub pulled_at: DateTime<Utc>,
    pub accounts: usize,
    pub followers: usize,
    pub posts: usize,
    pub failures: Vec<String>,
    pub notes: Vec<String>,
    /// (platform, requests, retries)
    pub requests: Vec<(String, u64, u64)>,
}

impl Store {
    pub fn new(state_dir: &Path, report: &str) -> Self {
        Self { dir: state_dir.join("snapshots").join(report) }
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SnapshotError + '_ {
        move |source| SnapshotError::Io { path: path.to_path_buf(), source }
    }

    fn frame(path: &Path) -> impl FnOnce(PolarsError) -> SnapshotError + '_ {
        move |source| SnapshotError::Frame { path: path.to_path_buf(), source }
    }

    /// Keeps `pulled`: follower counts for the pull's day, post metrics for the pull, its log.
    pub fn write(&self, pulled: &Pulled, tz: Tz) -> Result<PullLog, SnapshotError> {
        let stamp = pulled.pulled_at.format(STAMP).to_string();
        let day = pulled.pulled_at.with_timezone(&tz).date_naive();

        let path = self.dir.join("followers").join(format!("{day}.parquet"));
        let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
        if path.exists() {
            let old = read_parquet(&path)?;
            let (p, h, f) =
                (str_col(&old, "platform", &path)?, str_col(&old, "handle", &path)?, i64_col(&old, "followers", &path)?);
            for i in 0..old.height() {
                if let (Some(p), Some(h), Some(f)) = (p.get(i), h.get(i), f.get(i)) {
                    counts.insert((p.to_string(), h.to_string()), f);
                }
            }
        }
        for (platform, handle, followers) in &pulled.followers {
            counts.insert((platform.as_str().to_string(), handle.clone()), *followers);
        }
        let (keys, values): (Vec<_>, Vec<_>) = counts.into_iter().unzip();
        let (platforms, handles): (Vec<_>, Vec<_>) = keys.into_iter().unzip();
        let mut df = df!("platform" => platforms, "handle" => handles, "followers" => values).map_err(Self::frame(&path))?;
        write_parquet(&mut df, &path)?;

        let path = self.dir.join("posts").join(format!("{stamp}.parquet"));
        let mut df = posts_frame(&pulled.posts).map_err(Self::frame(&path))?;
        write_parquet(&mut df, &path)?;

        if pulled.shops_pulled && pulled.shop_failures.is_empty() {
            let path = self.dir.join("orders").join(format!("{stamp}.parquet"));
            let mut df = orders_frame(&pulled.orders).map_err(Self::frame(&path))?;
            write_parquet(&mut df, &path)?;
        }

        let log = PullLog {
            pulled_at: pulled.pulled_at,
            accounts: pulled.accounts,
            followers: pulled.followers.len(),
            posts: pulled.posts.len(),
            failures: pulled.failures.clone(),
            notes: pulled.notes.clone(),
            requests: pulled.requests.iter().map(|(p, r, t)| (p.as_str().to_string(), *r, *t)).collect(),
        };
        let path = self.dir.join("pulls").join(format!("{stamp}.json"));
        let text = serde_json::to_string_pretty(&log).unwrap_or_default();
        write_atomic(&path, text.as_bytes())?;
        Ok(log)
    }

    /// Every follower count kept, as the canonical followers frame.
    pub fn followers(&self) -> Result<DataFrame, SnapshotError> {
        let mut platforms = Vec::new();
        let mut handles = Vec::new();
        let mut days = Vec::new();
        let mut counts = Vec::new();
        for (name, path) in self.listed("followers", "parquet")? {
            let day = name
                .parse::<chrono::NaiveDate>()
                .map_err(|_| SnapshotError::Invalid { path: path.clone(), message: "the file name is not a date".into() })?;
            let df = read_parquet(&path)?;
            let (p, h, f) = (str_col(&df, "platform", &path)?, str_col(&df, "handle", &path)?, i64_col(&df, "followers", &path)?);
            for i in 0..df.height() {
                if let (Some(p), Some(h), Some(f)) = (p.get(i), h.get(i), f.get(i)) {
                    platforms.push(p.to_string());
                    handles.push(h.to_string());
                    days.push(day_number(day));
                    counts.push(f);
                }
            }
        }
        df!("platform" => platforms, "handle" => handles, "day" => days, "followers" => counts).map_err(Self::frame(&self.dir))
    }

    /// Post metrics from every pull made at or before `as_of`, oldest pull first (so the
    /// canonical "last occurrence wins" keeps each post's latest metrics), as the canonical
    /// posts frame with days in `tz`; and the pull files read.
    pub fn posts(&self, as_of: DateTime<Utc>, tz: Tz) -> Result<(DataFrame, Vec<PathBuf>), SnapshotError> {
        let mut frames = Vec::new();
        let mut used = Vec::new();
        for (name, path) in self.listed("posts", "parquet")? {
            let Some(at) = parse_stamp(&name) else { continue };
            if at > as_of {
                continue;
            }
            let df = read_parquet(&path)?;
            let posted = i64_col(&df, "posted_at_us", &path)?;
            let days: Vec<Option<i32>> = posted
                .iter()
                .map(|us| us.and_then(DateTime::from_timestamp_micros).map(|t| day_number(t.with_timezone(&tz).date_naive())))
                .collect();
            let mut columns = vec![
                df.column("platform").map_err(Self::frame(&path))?.clone(),
                df.column("handle").map_err(Self::frame(&path))?.clone(),
                df.column("post_id").map_err(Self::frame(&path))?.clone(),
                Column::new("day".into(), days),
            ];
            for m in METRICS {
                columns.push(df.column(m).map_err(Self::frame(&path))?.cast(&DataType::Int64).map_err(Self::frame(&path))?);
            }
            frames.push(DataFrame::new_infer_height(columns).map_err(Self::frame(&path))?);
            used.push(path);
        }
        let mut out = posts_frame(&[]).map_err(Self::frame(&self.dir))?;
        out = canonical_posts(out)?;
        for f in frames {
            out.vstack_mut(&f).map_err(Self::frame(&self.dir))?;
        }
        Ok((out, used))
    }

    /// Orders of every shop pull made at or before `as_of`, one list per pull, oldest first.
    pub fn orders(&self, as_of: DateTime<Utc>) -> Result<Vec<Vec<ApiOrder>>, SnapshotError> {
        let mut out = Vec::new();
        for (name, path) in self.listed("orders", "parquet")? {
            if parse_stamp(&name).is_none_or(|at| at > as_of) {
                continue;
            }
            let df = read_parquet(&path)?;
            let text = |c: &str| str_col(&df, c, &path);
            let (keys, names, statuses, currencies, codes) =
                (text("key")?, text("name")?, text("status")?, text("currency")?, text("codes")?);
            let amounts = [text("subtotal")?, text("total")?, text("discounts")?, text("refunds")?];
            let created = i64_col(&df, "created_us", &path)?;
            // Columns added later: older snapshots lack them.
            let optional_text = |c: &str| df.column(c).ok().and_then(|c| c.str().ok());
            let (campaigns, paths) = (optional_text("utm_campaign"), optional_text("landing_path"));
            let recorded = df.column("recorded_us").ok().and_then(|c| c.i64().ok());
            let cancelled = df.column("cancelled").and_then(|c| c.bool()).map_err(Self::frame(&path))?;
            let invalid = |message: String| SnapshotError::Invalid { path: path.clone(), message };
            let mut orders = Vec::with_capacity(df.height());
            for i in 0..df.height() {
                let mut money = [rust_decimal::Decimal::ZERO; 4];
                for (m, column) in amounts.iter().enumerate() {
                    let raw = column.get(i).unwrap_or("0");
                    money[m] = raw.parse().map_err(|_| invalid(format!("row {i}: {raw:?} is not an amount")))?;
                }
                let at = created
                    .get(i)
                    .and_then(DateTime::from_timestamp_micros)
                    .ok_or_else(|| invalid(format!("row {i}: no time")))?;
                let [subtotal, total, discounts, refunds] = money;
                orders.push(ApiOrder {
                    key: keys.get(i).unwrap_or("").to_string(),
                    name: names.get(i).unwrap_or("").to_string(),
                    created: at,
                    cancelled: cancelled.get(i).unwrap_or(false),
                    status: statuses.get(i).unwrap_or("").to_string(),
                    currency: currencies.get(i).unwrap_or("").to_string(),
                    subtotal,
                    total,
                    discounts,
                    refunds,
                    codes: codes.get(i).unwrap_or("").split('\n').filter(|c| !c.is_empty()).map(str::to_string).collect(),
                    link: crate::source::links::OrderLink {
                        utm_campaign: campaigns.and_then(|c| c.get(i)).unwrap_or("").to_string(),
                        landing_path: paths.and_then(|c| c.get(i)).unwrap_or("").to_string(),
                    },
                    recorded: recorded.and_then(|c| c.get(i)).and_then(DateTime::from_timestamp_micros).unwrap_or(at),
                });
            }
            out.push(orders);
        }
        Ok(out)
    }

    /// The pull log of the last pull at or before `as_of`.
    pub fn last_pull(&self, as_of: DateTime<Utc>) -> Result<Option<PullLog>, SnapshotError> {
        let last = self.listed("pulls", "json")?.into_iter().rfind(|(n, _)| parse_stamp(n).is_some_and(|t| t <= as_of));
        let Some((_, path)) = last else { return Ok(None) };
        let text = std::fs::read_to_string(&path).map_err(Self::io(&path))?;
        serde_json::from_str(&text).map(Some).map_err(|e| SnapshotError::Invalid { path, message: e.to_string() })
    }

    /// Whether anything was ever pulled into this store.
    pub fn is_empty(&self) -> bool {
        !self.dir.join("pulls").exists()
    }

    /// `(name without extension, path)` of the folder's `ext` files, in name (= time) order.
    fn listed(&self, folder: &str, ext: &str) -> Result<Vec<(String, PathBuf)>, SnapshotError> {
        let dir = self.dir.join(folder);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(SnapshotError::Io { path: dir, source: e }),
        };
        let mut out = Vec::new();
        for entry in entries {
            let path = entry.map_err(Self::io(&dir))?.path();
            if path.extension().is_some_and(|e| e == ext)
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            {
                out.push((stem.to_string(), path));
            }
        }
        out.sort();
        Ok(out)
    }

    /// The pull time a period's figures are read as of: pinned by the period's first run, else
    /// the end of `settle_days` after the period, or now if that is later than now.
    pub fn as_of(&self, period: &Period, tz: Tz, settle_days: u32, now: DateTime<Utc>) -> Result<AsOf, SnapshotError> {
        let pins = self.pins()?;
        if let Some(at) = pins.get(&period.label()) {
            return Ok(AsOf { at: *at, pinned: true, open: false });
        }
        let cutoff_day = period.to + chrono::Days::new(u64::from(settle_days) + 1);
        let cutoff =
            cutoff_day.and_time(NaiveTime::MIN).and_local_timezone(tz).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or(now);
        Ok(AsOf { at: cutoff.min(now), pinned: false, open: now < cutoff })
    }

    fn pins(&self) -> Result<BTreeMap<String, DateTime<Utc>>, SnapshotError> {
        let path = self.dir.join("as_of.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| SnapshotError::Invalid { path, message: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(SnapshotError::Io { path, source: e }),
        }
    }

    /// Pins `period` to `at` unless it is pinned already.
    pub fn pin(&self, period: &Period, at: DateTime<Utc>) -> Result<(), SnapshotError> {
        let mut pins = self.pins()?;
        if pins.contains_key(&period.label()) {
            return Ok(());
        }
        pins.insert(period.label(), at);
        let path = self.dir.join("as_of.json");
        write_atomic(&path, serde_json::to_string_pretty(&pins).unwrap_or_default().as_bytes())
    }
}

/// When a period's post metrics are read as of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    pub at: DateTime<Utc>,
    /// Set by an earlier run of the same period.
    pub pinned: bool,
    /// The period's settle window is still open: a pull now belongs to it.
    pub open: bool,
}

fn parse_stamp(name: &str) -> Option<DateTime<Utc>> {
    chrono::NaiveDateTime::parse_from_str(name, STAMP).ok().map(|t| t.and_utc())
}

/// Orders with their amounts as exact decimal text.
fn orders_frame(orders: &[ApiOrder]) -> PolarsResult<DataFrame> {
    let text = |f: &dyn Fn(&ApiOrder) -> String| orders.iter().map(f).collect::<Vec<_>>();
    df!(
        "key" => text(&|o| o.key.clone()),
        "name" => text(&|o| o.name.clone()),
        "created_us" => orders.iter().map(|o| o.created.timestamp_micros()).collect::<Vec<_>>(),
        "cancelled" => orders.iter().map(|o| o.cancelled).collect::<Vec<_>>(),
        "status" => text(&|o| o.status.clone()),
        "currency" => text(&|o| o.currency.clone()),
        "subtotal" => text(&|o| o.subtotal.to_string()),
        "total" => text(&|o| o.total.to_string()),
        "discounts" => text(&|o| o.discounts.to_string()),
        "refunds" => text(&|o| o.refunds.to_string()),
        "codes" => text(&|o| o.codes.join("\n")),
        "utm_campaign" => text(&|o| o.link.utm_campaign.clone()),
        "landing_path" => text(&|o| o.link.landing_path.clone()),
        "recorded_us" => orders.iter().map(|o| o.recorded.timestamp_micros()).collect::<Vec<_>>(),
    )
}

fn posts_frame(posts: &[PostRow]) -> PolarsResult<DataFrame> {
    let text = |f: fn(&PostRow) -> &str| posts.iter().map(f).map(str::to_string).collect::<Vec<_>>();
    let mut columns = vec![
        Column::new("platform".into(), text(|p| p.platform.as_str())),
        Column::new("handle".into(), text(|p| &p.handle)),
        Column::new("post_id".into(), text(|p| &p.post_id)),
        Column::new("posted_at_us".into(), posts.iter().map(|p| p.posted_at.timestamp_micros()).collect::<Vec<_>>()),
    ];
    for (m, name) in METRICS.iter().enumerate() {
        columns.push(Column::new((*name).into(), posts.iter().map(|p| p.metrics[m]).collect::<Vec<Option<i64>>>()));
    }
    DataFrame::new_infer_height(columns)
}

/// The empty canonical posts frame (platform, handle, post_id, day, metrics).
fn canonical_posts(empty: DataFrame) -> Result<DataFrame, SnapshotError> {
    let mut columns = vec![
        empty.column("platform").cloned(),
        empty.column("handle").cloned(),
        empty.column("post_id").cloned(),
        Ok(Column::new("day".into(), Vec::<Option<i32>>::new())),
    ];
    for m in METRICS {
        columns.push(empty.column(m).cloned());
    }
    let columns: PolarsResult<Vec<Column>> = columns.into_iter().collect();
    columns.and_then(DataFrame::new_infer_height).map_err(|source| SnapshotError::Frame { path: PathBuf::new(), source })
}

fn read_parquet(path: &Path) -> Result<DataFrame, SnapshotError> {
    let file = std::fs::File::open(path).map_err(Store::io(path))?;
    ParquetReader::new(file).finish().map_err(Store::frame(path))
}

fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<(), SnapshotError> {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(df).map_err(Store::frame(path))?;
    write_atomic(path, &bytes)
}

/// Writes `bytes` to a temporary file beside `path` and renames it: a crash leaves the old
/// file or the new one, never half of one.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SnapshotError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(Store::io(dir))?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(Store::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(Store::io(path))
}

fn str_col<'a>(df: &'a DataFrame, name: &str, path: &Path) -> Result<&'a StringChunked, SnapshotError> {
    df.column(name).and_then(|c| c.str()).map_err(Store::frame(path))
}

fn i64_col<'a>(df: &'a DataFrame, name: &str, path: &Path) -> Result<&'a Int64Chunked, SnapshotError> {
    df.column(name).and_then(|c| c.i64()).map_err(Store::frame(path))
}
