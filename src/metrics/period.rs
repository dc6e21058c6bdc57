//! One period's figures from the prepared frames: the influencer, tier and total rows, and in
//! full detail the data quality, signals and codes. The post sums of a campaign to date are
//! kept, so the next one only adds its new days.

use super::figures::Figures;
use super::{MetricsError, Prepared, Setup, days, engagement, exact, money, rollup, signals};
use crate::period::Period;
use polars::prelude::*;

/// How much of a period's figures to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Detail {
    /// Every figure: rows, data quality, signals, codes and posts (the report's period and the
    /// one it is compared with).
    Full,
    /// The influencer, tier and total rows only (trend points, the campaign to date).
    Rows,
}

/// The per-account sums of the posts of the days `from..=to` ([`engagement::per_account`]): a
/// longer range that starts on the same day adds only its new days to them.
#[derive(Debug, Clone)]
pub struct PostSums {
    pub(super) from: i32,
    pub(super) to: i32,
    per_account: DataFrame,
}

/// The figures of one period, in `detail`, and its post sums. `earlier`, the post sums of a
/// range that starts on the period's first day and ends before its last (the campaign to the
/// week before), is extended by the days after it instead of summing every day again.
pub fn compute_after(
    prepared: &Prepared,
    setup: &Setup<'_>,
    period: Period,
    detail: Detail,
    earlier: Option<&PostSums>,
) -> Result<(Figures, PostSums), MetricsError> {
    let started = std::time::Instant::now();
    let figures = compute_figures(prepared, setup, period, detail, earlier);
    tracing::debug!(period = %period.label(), ?detail, ms = started.elapsed().as_millis() as u64, "period computed");
    figures
}

fn compute_figures(
    prepared: &Prepared,
    setup: &Setup<'_>,
    period: Period,
    detail: Detail,
    earlier: Option<&PostSums>,
) -> Result<(Figures, PostSums), MetricsError> {
    let (from, to) = period.day_range();
    let account_followers = engagement::account_followers(prepared.followers.clone().lazy(), to).collect()?.lazy();
    let sums = |from: i32| engagement::per_account(days::between(&prepared.posts, from, to)).collect();
    let per_account = match earlier.filter(|e| e.from == from && e.to < to) {
        Some(e) => engagement::add_account_sums(e.per_account.clone(), sums(e.to + 1)?)?,
        None => sums(from)?,
    };
    let engagement_by_influencer = engagement::per_influencer(per_account.clone().lazy(), account_followers.clone());
    let followers_by_influencer = engagement::influencer_followers(prepared.accounts.clone().lazy(), account_followers.clone());
    let post_sums = PostSums { from, to, per_account };

    let attributed = money::attributed_in(&prepared.orders, from, to, &prepared.order_files, setup.currency)?;
    let money_by_influencer = money::per_influencer(attributed.clone().lazy());
    let costs = money::cost_rows(prepared.costs.clone().lazy(), from, to);

    let id = || [col("influencer_id")];
    let left = || JoinArgs::new(JoinType::Left);
    let base = prepared
        .roster
        .clone()
        .lazy()
        .join(followers_by_influencer, id(), id(), left())
        .join(engagement_by_influencer, id(), id(), left())
        .join(money_by_influencer, id(), id(), left())
        .join(costs, id(), id(), left())
        .collect()?;
    let base = with_commission(base, &prepared.commission_pct)?.lazy();
    let influencers = rollup::influencer_rows(base, setup).collect()?;
    let tiers = rollup::tier_rows(influencers.clone().lazy(), setup).collect()?;
    let total = rollup::total_row(influencers.clone().lazy(), setup).collect()?;
    let mut figures = Figures::from_frames(&influencers, &tiers, &total, setup.tiers)?;
    if detail == Detail::Rows {
        return Ok((figures, post_sums));
    }

    let posts = days::between(&prepared.posts, from, to);
    let mut quality = engagement::quality(posts.clone(), &post_sums.per_account, account_followers)?;
    quality.attribution_conflicts = money::conflicts(&attributed)?;
    (quality.unmatched_codes, quality.discounts_without_code) = money::unmatched_in(&prepared.orders, from, to)?;
    quality.unowned_accounts = prepared.unowned_accounts;
    quality.rows_rejected = prepared.rows_rejected;
    quality.cost_rows_not_in_roster = prepared.cost_rows_not_in_roster;
    let owners = prepared.accounts.column("influencer_id")?.str()?.iter().flatten().map(str::to_string).collect();
    quality.leaked_codes = signals::leaks(&prepared.orders.attributed, &prepared.posts, &owners, period, setup.signals)?;
    quality.follower_jumps = signals::follower_jumps(&prepared.followers, &prepared.accounts, from, to, setup.signals)?;
    quality.low_engagement = signals::low_engagement(&figures.influencers, setup.benchmarks, setup.signals);
    figures.quality = quality;
    figures.codes = money::code_use(attributed.lazy())?;
    if setup.statements {
        figures.posts = engagement::post_lines(posts)?;
    }
    Ok((figures, post_sums))
}

/// Adds `commission_micros` (i64) and `commission_rest` (f64): `commission_pct` / 100 × the
/// influencer's revenue in the period, as [`exact::commission`] splits it.
fn with_commission(
    mut base: DataFrame,
    pct: &std::collections::HashMap<String, rust_decimal::Decimal>,
) -> Result<DataFrame, MetricsError> {
    let ids = base.column("influencer_id")?.str()?.clone();
    let revenue = base.column("revenue_micros")?.i64()?.clone();
    let revenue_rest = base.column("revenue_rest")?.f64()?.clone();
    let (mut out, mut rest) = (Vec::with_capacity(base.height()), Vec::with_capacity(base.height()));
    for i in 0..base.height() {
        let p = ids.get(i).and_then(|id| pct.get(id)).copied().unwrap_or_default();
        let r = (revenue.get(i).unwrap_or(0), revenue_rest.get(i).unwrap_or(0.0));
        let (whole, left) = exact::commission(r, p).ok_or(MetricsError::TooLarge("the commissions"))?;
        out.push(whole);
        rest.push(left);
    }
    base.with_column(Column::new("commission_micros".into(), out))?;
    base.with_column(Column::new("commission_rest".into(), rest))?;
    Ok(base)
}
