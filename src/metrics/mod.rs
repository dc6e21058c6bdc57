//! COMPUTE: spec §3 as polars LazyFrames — engagement from posts and follower snapshots,
//! attributed orders and money, cost, per-influencer rows, tier and total rows (ratios of
//! sums), for one period.

mod engagement;
mod figures;
mod money;
mod rollup;

use crate::period::Period;
use crate::source::Inputs;
use crate::tiers::TierScheme;
use polars::prelude::*;
use std::path::PathBuf;

pub use figures::{CodeUse, FigureRow, Figures, Quality, UnmatchedCode};

/// What the computation needs from the report's config (amounts arrive converted).
#[derive(Debug, Clone)]
pub struct Setup<'a> {
    pub currency: &'a str,
    pub tiers: &'a TierScheme,
    pub discounts_are_cost: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("computing the figures failed")]
    Polars(#[from] PolarsError),
    #[error("orders export `{}` line {line}: order {order} is in {currency}, and [report.fx] gives no rate into {report_currency}", path.display())]
    MissingFxRate { path: PathBuf, line: usize, order: String, currency: String, report_currency: String },
}

/// Every figure of one period.
pub fn compute(inputs: &Inputs, setup: &Setup<'_>, period: Period) -> Result<Figures, MetricsError> {
    let (from, to) = period.day_range();
    let accounts = engagement::accounts_frame(&inputs.roster)?;
    let account_followers = engagement::account_followers(inputs.followers.clone().lazy(), to);
    let posts = engagement::period_posts(inputs.posts.clone().lazy(), accounts.clone(), account_followers.clone(), from, to);
    let engagement_by_influencer = engagement::per_influencer(posts.clone());
    let followers_by_influencer = engagement::influencer_followers(accounts, account_followers);

    let orders = money::counted_orders(inputs.orders.clone().lazy(), from, to);
    let attribution = money::attribute(orders.clone(), inputs.order_codes.clone().lazy(), &inputs.roster)?;
    let attributed = money::with_money(orders, attribution.winners.clone().lazy());
    money::check_fx(attributed.clone(), inputs, setup.currency)?;
    let money_by_influencer = money::per_influencer(attributed.clone());
    let costs = money::cost_rows(inputs.costs.clone().lazy(), from, to);

    let base = figures::roster_frame(&inputs.roster)?
        .join(followers_by_influencer, [col("influencer_id")], [col("influencer_id")], JoinArgs::new(JoinType::Left))
        .join(engagement_by_influencer, [col("influencer_id")], [col("influencer_id")], JoinArgs::new(JoinType::Left))
        .join(money_by_influencer, [col("influencer_id")], [col("influencer_id")], JoinArgs::new(JoinType::Left))
        .join(costs, [col("influencer_id")], [col("influencer_id")], JoinArgs::new(JoinType::Left));
    let influencers = rollup::influencer_rows(base, setup).collect()?;
    let tiers = rollup::tier_rows(influencers.clone().lazy(), setup).collect()?;
    let total = rollup::total_row(influencers.clone().lazy(), setup).collect()?;

    let post_lines = engagement::post_lines(posts.clone())?;
    let mut quality = engagement::quality(posts)?;
    quality.attribution_conflicts = attribution.conflicts;
    quality.unmatched_codes = attribution.unmatched;
    quality.unowned_accounts = inputs.unowned_accounts.len();
    quality.rows_rejected = inputs.rejected.len();
    quality.cost_rows_not_in_roster = inputs.unassigned_costs.len();
    let codes = money::code_use(attributed, attribution.winners.lazy())?;
    let mut figures = Figures::from_frames(&influencers, &tiers, &total, setup.tiers)?;
    figures.quality = quality;
    figures.codes = codes;
    figures.posts = post_lines;
    Ok(figures)
}

/// The earliest day of any post, order or cost row: where a campaign's totals start by default.
pub fn earliest_day(inputs: &Inputs) -> Result<Option<chrono::NaiveDate>, MetricsError> {
    let mut earliest: Option<i32> = None;
    for frame in [&inputs.posts, &inputs.orders, &inputs.costs] {
        let min = frame.clone().lazy().select([col("day").min()]).collect()?;
        if let Some(day) = min.column("day")?.i32()?.get(0) {
            earliest = Some(earliest.map_or(day, |e| e.min(day)));
        }
    }
    Ok(earliest.map(crate::period::from_day_number))
}
