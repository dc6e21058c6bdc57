//! COMPUTE: spec §3 as polars LazyFrames — engagement from posts and follower snapshots,
//! attributed orders and money, cost, per-influencer rows, tier and total rows (ratios of
//! sums), for one period.

mod attribution;
mod days;
mod engagement;
mod exact;
mod figures;
mod money;
mod period;
mod rollup;
mod series;
mod signals;

use crate::source::Inputs;
use crate::tiers::TierScheme;
use polars::prelude::*;
use std::path::PathBuf;

pub use figures::{CodeUse, DiscountTitle, FigureRow, Figures, PostLine, Quality, UnmatchedCode};
pub use period::{Detail, PostSums, compute_after};
pub use series::{Memo, Series};
pub use signals::{FollowerJump, LeakSignal, LowEngagement};

/// What the computation needs from the report's config (amounts arrive converted).
#[derive(Debug, Clone)]
pub struct Setup<'a> {
    pub currency: &'a str,
    pub tiers: &'a TierScheme,
    pub discounts_are_cost: bool,
    pub benchmarks: &'a crate::benchmarks::Benchmarks,
    pub signals: &'a crate::signals::Thresholds,
    /// Whether the report sends creator statements, the only place that lists every post of
    /// the period ([`Figures::posts`]; left empty otherwise).
    pub statements: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("computing the figures failed")]
    Polars(#[from] PolarsError),
    #[error("orders export `{}` line {line}: order {order} is in {currency}, and [report.fx] gives no rate into {report_currency}", path.display())]
    MissingFxRate { path: PathBuf, line: usize, order: String, currency: String, report_currency: String },
    #[error("{0} are too large to add up exactly (more than 2.3 × 10¹² units in all); is a column shifted?")]
    TooLarge(&'static str),
}

/// What every period of a run shares, computed once: de-duplicated and owned posts,
/// follower snapshots, attributed orders with their money, and the data-quality counts that do
/// not depend on the period.
#[derive(Debug, Clone)]
pub struct Prepared {
    accounts: DataFrame,
    posts: DataFrame,
    followers: DataFrame,
    orders: money::OrderBook,
    costs: DataFrame,
    roster: DataFrame,
    /// Each influencer's `commission_pct`, exactly as the roster gives it.
    commission_pct: std::collections::HashMap<String, rust_decimal::Decimal>,
    order_files: Vec<PathBuf>,
    unowned_accounts: usize,
    rows_rejected: usize,
    cost_rows_not_in_roster: usize,
}

/// The posts and follower snapshots prepared ([`prepare_social`]), apart from the orders.
#[derive(Debug)]
pub struct Social {
    accounts: DataFrame,
    posts: DataFrame,
    followers: DataFrame,
}

/// Prepares the posts and follower snapshots (the frames are dropped as soon as they are).
pub fn prepare_social(posts: DataFrame, followers: DataFrame, roster: &crate::source::Roster) -> Result<Social, MetricsError> {
    let accounts = engagement::accounts_frame(roster)?.collect()?;
    let posts = timed("posts", || engagement::prepare_posts(posts, accounts.clone().lazy()))?;
    let followers = timed("followers", || engagement::prepare_followers(followers.lazy(), accounts.clone().lazy()))?;
    Ok(Social { accounts, posts, followers })
}

/// Prepares `inputs` for [`compute_after`], their posts and followers prepared already
/// ([`prepare_social`], before the orders were read); their orders frames are taken (left
/// empty).
pub fn prepare(inputs: &mut Inputs, social: Social) -> Result<Prepared, MetricsError> {
    for column in ["subtotal_micros", "total_micros", "discounts_micros", "refunds_micros"] {
        exact::check_sum(&inputs.orders, column, "the orders' amounts")?;
    }
    exact::check_sum(&inputs.costs, "amount_micros", "the cost rows' amounts")?;
    // The orders frame is handed over to its query, so its memory goes as it is prepared.
    let (orders, codes) = (std::mem::take(&mut inputs.orders), std::mem::take(&mut inputs.order_codes));
    let orders = timed("orders", || money::prepare(orders, codes.lazy(), &inputs.roster))?;
    let Social { accounts, posts, followers } = social;
    Ok(Prepared {
        posts,
        followers,
        orders,
        accounts,
        costs: inputs.costs.clone(),
        roster: figures::roster_frame(&inputs.roster)?.collect()?,
        commission_pct: inputs.roster.influencers.iter().map(|i| (i.id.clone(), i.commission_pct)).collect(),
        order_files: inputs.order_files.clone(),
        unowned_accounts: inputs.unowned_accounts.len(),
        rows_rejected: inputs.rejected.len(),
        cost_rows_not_in_roster: inputs.unassigned_costs.len(),
    })
}

/// `prepare()`'s result, its time in the debug log.
fn timed<T>(what: &str, prepare: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let prepared = prepare();
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "{what} prepared");
    prepared
}

/// The earliest day of any post, order or cost row: where a campaign's totals start by default.
pub fn earliest_day(inputs: &Inputs) -> Result<Option<chrono::NaiveDate>, MetricsError> {
    let mut earliest: Option<i32> = match (inputs.earliest_order_day, inputs.earliest_post_day) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // The posts' days are in `earliest_post_day` (the posts are handed over to be prepared
    // before the orders are read).
    for frame in [&inputs.orders, &inputs.costs] {
        let min = frame.clone().lazy().select([col("day").min()]).collect()?;
        if let Some(day) = min.column("day")?.i32()?.get(0) {
            earliest = Some(earliest.map_or(day, |e| e.min(day)));
        }
    }
    Ok(earliest.map(crate::period::from_day_number))
}

/// Per order source (file rank: export files in natural order, then shop API pulls), the
/// latest instant any of its orders records (created, paid, fulfilled, cancelled, modified),
/// in seconds since 1970 UTC: what its cumulative refunds are as of. Sources without a
/// readable time are left out.
pub fn latest_recorded(inputs: &Inputs) -> Result<Vec<(usize, i64)>, MetricsError> {
    let df = inputs
        .orders
        .clone()
        .lazy()
        .group_by([col("file")])
        .agg([col("recorded_at").max()])
        .sort(["file"], SortMultipleOptions::default())
        .collect()?;
    let files = df.column("file")?.u32()?;
    let times = df.column("recorded_at")?.i64()?;
    // Readers that keep only some orders say what all of a file's orders record.
    let mut latest: std::collections::BTreeMap<usize, i64> = inputs.order_recorded.clone();
    for (file, at) in files.iter().zip(times.iter()).filter_map(|(f, t)| Some((f? as usize, t?))) {
        let entry = latest.entry(file).or_insert(at);
        *entry = (*entry).max(at);
    }
    Ok(latest.into_iter().collect())
}
