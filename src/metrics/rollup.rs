//! Per-influencer rows (tier, cost, ratios) and their roll-up into tier and total rows:
//! sums first, then ratios of the sums; the median engagement rate of the members.

use super::Setup;
use crate::source::values::MICROS;
use crate::tiers::UNKNOWN;
use polars::prelude::*;

/// Whole-number sums (money among them, in millionths, so their sums are exact).
const COUNTS: [&str; 24] = [
    "posts",
    "likes",
    "comments",
    "shares",
    "saves",
    "engagements",
    "er_num",
    "er_den",
    "reach_num",
    "reach",
    "impressions",
    "views",
    "cpm_base",
    "orders",
    "orders_by_link",
    "returned",
    "discounts_micros",
    "refunds_micros",
    "cost_rows_micros",
    "fee_micros",
    "revenue_micros",
    "commission_micros",
    "revenue_by_code_micros",
    "revenue_by_link_micros",
];

/// What rounding to the millionth left of the money sums (f64, see `metrics::exact::Split`).
const RESTS: [&str; 4] = ["revenue_rest", "commission_rest", "revenue_by_code_rest", "revenue_by_link_rest"];

/// `num / den`, null where `den` is 0. Column by column: polars turns a division by a scalar
/// into a multiplication by its reciprocal, which is not exact.
fn ratio(num: Expr, den: Expr) -> Expr {
    when(den.clone().eq(lit(0)))
        .then(lit(NULL).cast(DataType::Float64))
        .otherwise(num.cast(DataType::Float64) / den.cast(DataType::Float64))
}

/// Cost, then the ratio columns of spec §3, from the sums (money in millionths). Revenue and
/// cost are taken whole (`revenue`, `cost`: the exact millionths plus their rests, f64), as are
/// revenue by code and by link.
fn with_ratios(lf: LazyFrame, discounts_are_cost: bool) -> LazyFrame {
    let float = |c: &str| col(c).cast(DataType::Float64);
    let mut cost = col("cost_rows_micros") + col("commission_micros");
    if discounts_are_cost {
        cost = cost + col("discounts_micros");
    }
    let whole = |micros: &str, rest: &str| float(micros) + col(rest);
    let per_unit = |c: &str| float(c) * lit(MICROS as f64);
    lf.with_column(cost.alias("cost_micros"))
        .with_columns([
            whole("revenue_micros", "revenue_rest").alias("revenue"),
            whole("cost_micros", "commission_rest").alias("cost"),
            whole("revenue_by_code_micros", "revenue_by_code_rest").alias("revenue_by_code"),
            whole("revenue_by_link_micros", "revenue_by_link_rest").alias("revenue_by_link"),
        ])
        .with_columns([
            ratio(col("er_num"), col("er_den")).alias("engagement_rate"),
            ratio(col("reach_num"), col("reach")).alias("engagement_rate_reach"),
            (ratio(col("revenue") - col("cost"), col("cost")) * lit(100.0)).alias("roi_pct"),
            ratio(col("revenue"), col("cost")).alias("roas"),
            ratio(col("cost"), per_unit("orders")).alias("cpa"),
            ratio(col("cost"), float("cpm_base") * lit(MICROS as f64 / 1000.0)).alias("cpm"),
            ratio(col("cost"), per_unit("engagements")).alias("cpe"),
            ratio(col("revenue"), per_unit("orders")).alias("aov"),
            ratio(col("returned"), col("orders")).alias("return_rate"),
        ])
}

/// The tier from the roster override, else the follower count, else `unknown`.
fn tier(setup: &Setup<'_>) -> Expr {
    let mut by_followers = lit(UNKNOWN);
    for t in &setup.tiers.tiers {
        by_followers = when(col("followers").gt_eq(lit(t.min_followers))).then(lit(t.name.as_str())).otherwise(by_followers);
    }
    when(col("tier_override").is_not_null())
        .then(col("tier_override"))
        .when(col("followers").is_null())
        .then(lit(UNKNOWN))
        .otherwise(by_followers)
}

/// Fills the sums of silent influencers with 0 and adds tier, commission, cost and ratios;
/// roster order.
pub fn influencer_rows(base: LazyFrame, setup: &Setup<'_>) -> LazyFrame {
    let mut fills: Vec<Expr> = COUNTS.iter().map(|c| col(*c).fill_null(lit(0i64))).collect();
    fills.extend(RESTS.iter().map(|c| col(*c).fill_null(lit(0.0))));
    let rows = base.with_columns(fills).with_columns([tier(setup).alias("tier"), lit(1i64).alias("influencers")]);
    with_ratios(rows, setup.discounts_are_cost).sort(["ord"], SortMultipleOptions::default())
}

fn sums() -> Vec<Expr> {
    let mut aggs = vec![len().cast(DataType::Int64).alias("influencers"), col("followers").sum().cast(DataType::Int64)];
    aggs.extend(COUNTS.iter().map(|c| col(*c).sum().cast(DataType::Int64)));
    aggs.extend(RESTS.iter().map(|c| col(*c).sum()));
    aggs.push(col("engagement_rate").median().alias("median_engagement_rate"));
    aggs
}

/// One row per tier that has influencers.
pub fn tier_rows(influencers: LazyFrame, setup: &Setup<'_>) -> LazyFrame {
    with_ratios(influencers.group_by([col("tier")]).agg(sums()), setup.discounts_are_cost)
}

/// The total row over every influencer.
pub fn total_row(influencers: LazyFrame, setup: &Setup<'_>) -> LazyFrame {
    with_ratios(influencers.select(sums()), setup.discounts_are_cost)
}
