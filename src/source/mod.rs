//! PULL: reads the report's input files into canonical polars frames.
//!
//! Canonical frames (column: dtype), the contract with `metrics/`:
//! - posts: `platform` str, `handle` str (normalised), `post_id` str, `day` i32 (days since
//!   1970-01-01 in the report zone), `likes` `comments` `shares` `saves` `reach`
//!   `impressions` `views` i64 (null = not reported)
//! - followers: `platform` str, `handle` str, `day` i32, `followers` i64
//! - costs: `influencer_id` str, `day` i32, `amount_micros` i64, `kind` str
//! - orders: `order_key` str, `name` str, `file` u32 (natural-order rank), `row` u32,
//!   `day` i32, `cancelled` bool, `status` str (lower-case), `currency` str, `fx_missing`
//!   bool, `subtotal_micros` `total_micros` `discounts_micros` `refunds_micros` i64 (exact,
//!   in millionths of the report currency; 0 where `fx_missing`), `utm_campaign`
//!   `landing_path` str (normalised by `links`; empty when unknown), `recorded_at` i64
//!   (nullable: the latest instant any of the order's timestamps records, seconds since 1970)
//! - order_codes: `file` u32, `row` u32 (the order's), `pos` u32 (place in its code cell),
//!   `code` str (normalised by `codes::normalize`; distinct within an order), `title` bool
//!   (a discount title in a Shopify export's code cell: `codes::is_title`)
//!
//! Rows within a frame keep file order, files in natural name order, so "last occurrence"
//! means the same thing everywhere.

pub mod cache;
pub mod cells;
pub mod chunks;
pub mod codes;
pub mod costs;
pub mod csv_check;
pub mod csv_file;
pub mod encoding;
pub mod fields;
pub mod files;
pub mod identity;
pub mod inputs;
pub mod lazy_file;
pub mod links;
pub mod mapped;
pub mod orders;
pub mod remote;
pub mod roster;
pub mod scan;
pub mod shopify;
pub mod social;
pub mod values;

use polars::prelude::DataFrame;
use std::path::{Path, PathBuf};

pub use roster::{Influencer, Platform, Roster};
pub use values::ValueError;

/// Everything one report reads, parsed and checked.
#[derive(Debug)]
pub struct Inputs {
    pub roster: Roster,
    /// Empty (without columns) when [`inputs::load`] handed them over to be prepared.
    pub posts: DataFrame,
    pub followers: DataFrame,
    pub costs: DataFrame,
    pub orders: DataFrame,
    pub order_codes: DataFrame,
    /// Order files in rank order, to name them in later errors.
    pub order_files: Vec<PathBuf>,
    pub files: Vec<InputFile>,
    pub rejected: Vec<String>,
    /// Cost rows whose influencer is not in the roster (not counted).
    pub unassigned_costs: Vec<String>,
    pub unowned_accounts: Vec<(Platform, String)>,
    /// Set when the report pulls from APIs: which snapshots were read.
    pub api: Option<ApiSnapshot>,
    /// The earliest day of any readable order in the files, including orders the reader did
    /// not keep (see `shopify::kept_orders`).
    pub earliest_order_day: Option<i32>,
    /// The earliest day of any readable post in the files, including posts of accounts no
    /// roster influencer owns (not kept), and of any pulled post.
    pub earliest_post_day: Option<i32>,
    /// Per order file (rank), the latest instant any of its orders records, including orders
    /// the reader did not keep.
    pub order_recorded: std::collections::BTreeMap<usize, i64>,
}

/// The snapshots of pulled API data one run reads, as of one pull time.
#[derive(Debug, Clone)]
pub struct Snapshots {
    /// Canonical followers and posts frames.
    pub followers: DataFrame,
    pub posts: DataFrame,
    /// Orders of each shop pull, oldest pull first (a later pull wins a tie between copies).
    pub orders: Vec<Vec<crate::pull::shops::ApiOrder>>,
    pub api: ApiSnapshot,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiSnapshot {
    /// Post metrics are those of the last pull at or before this time.
    pub as_of: chrono::DateTime<chrono::Utc>,
    /// When that pull was made (none: nothing was pulled by then).
    pub last_pull: Option<chrono::DateTime<chrono::Utc>>,
    /// Accounts that pull could not read, with the reason.
    pub accounts_not_pulled: Vec<String>,
}

/// One file read, for the summary's `inputs` list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputFile {
    pub path: String,
    pub sha256: String,
    pub rows: usize,
    /// What the file was on disk while it was read (none when it changed meanwhile or is not
    /// a plain file): its kept copy is checked against this instead of hashed again.
    #[serde(skip)]
    pub identity: Option<identity::Identity>,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot parse CSV `{}`", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: polars::error::PolarsError,
    },
    #[error("`{}` is empty: expected a header row", path.display())]
    Empty { path: PathBuf },
    #[error("`{}` has no `{column}` column", path.display())]
    MissingColumn { path: PathBuf, column: String },
    #[error("`{}` line {line}: `{column}` {reason}: {value:?}", path.display())]
    Cell { path: PathBuf, line: usize, column: String, value: String, reason: ValueError },
    #[error("`{}` line {line}: {message}", path.display())]
    Row { path: PathBuf, line: usize, message: String },
    #[error("input pattern `{pattern}` is not a valid glob")]
    Pattern {
        pattern: String,
        #[source]
        source: glob::PatternError,
    },
    #[error("cannot download `{url}`: {message}")]
    Download { url: String, message: String },
    #[error("input pattern `{pattern}` matches no file")]
    NoFiles { pattern: String },
}

/// Whether a bad row stops the run (the default) or is skipped and counted.
#[derive(Debug)]
pub struct Rejects {
    skip: bool,
    pub list: Vec<String>,
}

impl Rejects {
    pub fn new(skip: bool) -> Self {
        Self { skip, list: Vec::new() }
    }

    /// Records `err` when skipping is allowed, else returns it.
    pub fn handle(&mut self, err: SourceError) -> Result<(), SourceError> {
        if self.skip {
            tracing::warn!(error = %err, "row skipped");
            self.list.push(err.to_string());
            Ok(())
        } else {
            Err(err)
        }
    }
}

/// A handle as compared: without invisible characters, trimmed, without a leading `@`,
/// lower-case.
pub fn normalize_handle(raw: &str) -> String {
    visible(raw).trim().trim_start_matches('@').trim().to_lowercase()
}

/// An id as compared (`influencer_id`, `post_id`): without invisible characters, trimmed.
pub fn normalize_id(raw: &str) -> String {
    visible(raw).trim().to_string()
}

/// Characters that do not show but make two equal-looking strings differ: U+FEFF (a BOM
/// pasted into a cell), zero-width space, non-joiner and joiner, word joiner, soft hyphen.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{00ad}')
}

/// `raw` without [`is_invisible`] characters.
pub fn visible(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains(is_invisible) { raw.chars().filter(|c| !is_invisible(*c)).collect::<String>().into() } else { raw.into() }
}

/// A coupon code as compared: invisible characters removed, trimmed, upper-case.
pub fn normalize_code(raw: &str) -> String {
    codes::normalize(raw)
}

/// Builds a cell error for data row `row` of `file`.
pub fn cell_error(file: &csv_file::CsvText, row: usize, column: &str, value: &str, reason: ValueError) -> SourceError {
    SourceError::Cell {
        path: file.path.clone(),
        line: file.line_of_row(row),
        column: column.to_string(),
        value: value.to_string(),
        reason,
    }
}

/// Builds a row error for data row `row` of `file`.
pub fn row_error(file: &csv_file::CsvText, row: usize, message: String) -> SourceError {
    SourceError::Row { path: file.path.clone(), line: file.line_of_row(row), message }
}

pub(crate) fn input_file(file: &csv_file::CsvText, rows: usize, base: &Path) -> InputFile {
    let path = file.path.strip_prefix(base).unwrap_or(&file.path);
    InputFile { path: path.display().to_string(), sha256: file.sha256.clone(), rows, identity: file.identity }
}
