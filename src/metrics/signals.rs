//! Heuristic signals (thresholds in `[report.signals]`, see [`crate::signals::Thresholds`]):
//! leaked codes — a code with orders in the period while its influencer posted nothing in it
//! or in the days before (`quiet`), or used far more than in its own earlier periods
//! (`surge`); and audience quality — follower counts that jump between two close snapshots,
//! and engagement far under the tier's benchmark. They point at something to look at; they
//! prove nothing.

use super::figures::FigureRow;
use crate::benchmarks::Benchmarks;
use crate::period::Period;
use crate::signals::Thresholds;
use polars::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A code whose use looks detached from its influencer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LeakSignal {
    pub influencer_id: String,
    pub code: String,
    /// Orders attributed by this code in the period, and their revenue.
    pub orders: i64,
    pub revenue: f64,
    /// No post by the influencer in the period nor in `quiet_days` before it.
    pub quiet: bool,
    pub quiet_days: i64,
    /// Orders at least `surge_factor` × `earlier_mean` (mean orders per earlier period).
    pub surge: bool,
    pub earlier_mean: f64,
    pub earlier_periods: i64,
    pub surge_factor: f64,
}

/// Two snapshots of one account, at most `follower_jump_days` apart, whose counts differ by
/// at least the configured share; the later one in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FollowerJump {
    pub influencer_id: String,
    pub platform: String,
    pub handle: String,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    pub before: i64,
    pub after: i64,
    /// (after − before) ÷ before.
    pub share: f64,
}

/// An engagement rate under `floor` × the tier benchmark's low end.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LowEngagement {
    pub influencer_id: String,
    pub tier: String,
    pub engagement_rate: f64,
    pub benchmark_low: f64,
    pub floor: f64,
}

fn in_days(frame: &DataFrame, from: i32, to: i32) -> LazyFrame {
    super::days::between(frame, from, to)
}

/// Orders and revenue (millionths) per (influencer, code) of code-attributed orders in days.
fn code_orders(attributed: &DataFrame, from: i32, to: i32) -> PolarsResult<HashMap<(String, String), (i64, f64)>> {
    let df = in_days(attributed, from, to)
        .filter(col("code").is_not_null())
        .group_by([col("influencer_id"), col("code")])
        .agg([
            len().cast(DataType::Int64).alias("orders"),
            super::money::revenue_value("revenue_micros", "revenue_rest").sum().alias("revenue_micros"),
        ])
        .collect()?;
    let (ids, codes) = (df.column("influencer_id")?.str()?, df.column("code")?.str()?);
    let (orders, revenue) = (df.column("orders")?.i64()?, df.column("revenue_micros")?.f64()?);
    Ok((0..df.height())
        .map(|i| {
            let key = (ids.get(i).unwrap_or("").to_string(), codes.get(i).unwrap_or("").to_string());
            (key, (orders.get(i).unwrap_or(0), revenue.get(i).unwrap_or(0.0)))
        })
        .collect())
}

/// Leaked-code signals for `period`; `posts` are the owned posts (with `influencer_id`),
/// `owners` the influencers who have an account in the roster.
pub fn leaks(
    attributed: &DataFrame,
    posts: &DataFrame,
    owners: &HashSet<String>,
    period: Period,
    t: &Thresholds,
) -> PolarsResult<Vec<LeakSignal>> {
    let (from, to) = period.day_range();
    let current = code_orders(attributed, from, to)?;
    let mut p = period;
    let mut spans: Vec<(i32, i32)> = (0..t.leak_history.max(0))
        .map(|_| {
            p = p.previous();
            p.day_range()
        })
        .collect();
    // Earlier periods that follow one another without a gap (weeks, months, equal ranges)
    // are the days from the first one's start to the last one's end: counted in one pass.
    let adjacent = spans.windows(2).all(|w| w[1].1 + 1 == w[0].0);
    if let (true, Some(&(_, last)), Some(&(first, _))) = (adjacent, spans.first(), spans.last()) {
        spans = vec![(first, last)];
    }
    let mut earlier: HashMap<(String, String), i64> = HashMap::new();
    for (f, l) in spans {
        for (key, (n, _)) in code_orders(attributed, f, l)? {
            *earlier.entry(key).or_default() += n;
        }
    }
    // One row per account that posted (a hash of whole numbers, not of every post's id text).
    let window = in_days(posts, from - t.leak_quiet_days.clamp(0, 3650) as i32, to)
        .select([col("account"), col("influencer_id")])
        .unique_generic(Some(vec![col("account")]), UniqueKeepStrategy::Any)
        .collect()?;
    let posted: HashSet<&str> = window.column("influencer_id")?.str()?.iter().flatten().collect();
    let has_posts = posts.height() > 0;
    let mut out: Vec<LeakSignal> = current
        .into_iter()
        .filter(|(_, (n, _))| *n >= t.leak_min_orders)
        .filter_map(|((id, code), (n, revenue))| {
            let quiet = has_posts && owners.contains(&id) && !posted.contains(id.as_str());
            let periods = t.leak_history.max(0);
            let total_before = earlier.get(&(id.clone(), code.clone())).copied().unwrap_or(0);
            let mean = if periods > 0 { total_before as f64 / periods as f64 } else { 0.0 };
            let surge = mean > 0.0 && n as f64 >= t.leak_surge * mean;
            (quiet || surge).then(|| LeakSignal {
                influencer_id: id,
                code,
                orders: n,
                revenue: revenue / crate::source::values::MICROS as f64,
                quiet,
                quiet_days: t.leak_quiet_days,
                surge,
                earlier_mean: mean,
                earlier_periods: periods,
                surge_factor: t.leak_surge,
            })
        })
        .collect();
    out.sort_by(|a, b| b.orders.cmp(&a.orders).then_with(|| a.code.cmp(&b.code)));
    Ok(out)
}

/// Follower jumps whose later snapshot is in `from..=to`; `followers` are the de-duplicated
/// snapshots and must be in account and day order (as
/// [`super::engagement::prepare_followers`] leaves them: each is compared with the row before
/// it), `accounts` (platform, handle, influencer_id) the roster's.
pub fn follower_jumps(
    followers: &DataFrame,
    accounts: &DataFrame,
    from: i32,
    to: i32,
    t: &Thresholds,
) -> PolarsResult<Vec<FollowerJump>> {
    // A jump ends in the period and starts at most `follower_jump_days` before it: only those
    // days' snapshots are read (an account's earlier snapshot would be too far apart anyway).
    let days = t.follower_jump_days.clamp(0, i64::from(i32::MAX)) as i32;
    let since = from.saturating_sub(days);
    let before = |c: &str| col(c).shift(lit(1));
    // Each snapshot beside the account's one before it (the rows are in account and day order).
    let share = (col("followers") - before("followers")).cast(DataType::Float64) / before("followers").cast(DataType::Float64);
    let jump = col("account")
        .eq(before("account"))
        .and(col("day").gt_eq(lit(from)))
        .and(before("followers").gt(lit(0i64)))
        .and((col("day") - before("day")).lt_eq(lit(days)))
        .and(col("share").gt_eq(lit(t.follower_jump)).or(col("share").lt_eq(lit(-t.follower_jump))));
    let df = followers
        .clone()
        .lazy()
        .filter(col("day").gt_eq(lit(since)).and(col("day").lt_eq(lit(to))))
        .select([
            col("account"),
            col("platform"),
            col("handle"),
            before("day").alias("from"),
            col("day"),
            before("followers").alias("before"),
            col("followers"),
            share.alias("share"),
        ])
        .filter(jump)
        .collect()?;
    let owners = accounts.column("influencer_id")?.str()?;
    let (platforms, handles, account) =
        (df.column("platform")?.str()?, df.column("handle")?.str()?, df.column("account")?.idx()?);
    let (starts, ends) = (df.column("from")?.i32()?, df.column("day")?.i32()?);
    let (befores, afters, shares) = (df.column("before")?.i64()?, df.column("followers")?.i64()?, df.column("share")?.f64()?);
    let mut out: Vec<FollowerJump> = (0..df.height())
        .map(|i| FollowerJump {
            influencer_id: account.get(i).and_then(|a| owners.get(a as usize)).unwrap_or("").to_string(),
            platform: platforms.get(i).unwrap_or("").to_string(),
            handle: handles.get(i).unwrap_or("").to_string(),
            from: starts.get(i).map(crate::period::from_day_number),
            to: ends.get(i).map(crate::period::from_day_number),
            before: befores.get(i).unwrap_or(0),
            after: afters.get(i).unwrap_or(0),
            share: shares.get(i).unwrap_or(0.0),
        })
        .collect();
    out.sort_by(|a, b| {
        let larger = b.share.abs().partial_cmp(&a.share.abs()).unwrap_or(std::cmp::Ordering::Equal);
        larger.then_with(|| (&a.platform, &a.handle, a.to).cmp(&(&b.platform, &b.handle, b.to)))
    });
    Ok(out)
}

/// Influencers whose engagement rate is under `engagement_floor` × their tier's benchmark low.
pub fn low_engagement(rows: &[FigureRow], benchmarks: &Benchmarks, t: &Thresholds) -> Vec<LowEngagement> {
    let mut out: Vec<LowEngagement> = rows
        .iter()
        .filter_map(|r| {
            let rate = r.engagement_rate?;
            let bench = benchmarks.engagement_for(&r.tier)?;
            (rate < bench.low * t.engagement_floor).then(|| LowEngagement {
                influencer_id: r.influencer_id.clone(),
                tier: r.tier.clone(),
                engagement_rate: rate,
                benchmark_low: bench.low,
                floor: t.engagement_floor,
            })
        })
        .collect();
    out.sort_by(|a, b| a.engagement_rate.partial_cmp(&b.engagement_rate).unwrap_or(std::cmp::Ordering::Equal));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Snapshots in account and day order: a jump is between two snapshots of one account, up
    /// or down, at most `follower_jump_days` apart, ending in the period, from a count above 0.
    #[test]
    fn follower_jumps_are_within_one_account() {
        let followers = df!(
            "account" => [0u32, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4],
            "platform" => ["instagram"; 11],
            "handle" => ["a", "a", "a", "b", "b", "c", "c", "d", "d", "e", "e"],
            // a: +50 % ending before the period, then −40 % in it; b: +100 % from a's last
            // count is no jump (another account), +10 % is too small; c: +100 % over 8 days;
            // d: from 0; e: +25 % with the first snapshot before the period. Every snapshot is
            // on or after day 93, the first day read (the period's first day − 7).
            "day" => [94i32, 96, 101, 100, 104, 96, 104, 100, 102, 96, 102],
            "followers" => [1000i64, 1500, 900, 1800, 1980, 100, 200, 0, 500, 800, 1000],
        )
        .unwrap();
        let accounts = df!(
            "platform" => ["instagram"; 5],
            "handle" => ["a", "b", "c", "d", "e"],
            "influencer_id" => ["ann", "bo", "cy", "di", "ed"],
        )
        .unwrap();
        let jumps = follower_jumps(&followers, &accounts, 100, 106, &Thresholds::default()).unwrap();
        let found: Vec<(&str, i64, i64)> = jumps.iter().map(|j| (j.influencer_id.as_str(), j.before, j.after)).collect();
        assert_eq!(found, [("ann", 1500, 900), ("ed", 800, 1000)]);
        assert_eq!(jumps[0].share, -0.4);
        assert_eq!(jumps[1].share, 0.25);
        assert_eq!(jumps[1].from, Some(crate::period::from_day_number(96)));
        assert_eq!((jumps[0].platform.as_str(), jumps[0].handle.as_str()), ("instagram", "a"));
    }
}
