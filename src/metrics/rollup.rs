//! Per-influencer rows (tier, cost, ratios) and their roll-up into tier and total rows:
//! sums first, then ratios of the sums; the median engagement rate of the members.

use super::Setup;
use crate::tiers::UNKNOWN;
use polars::prelude::*;

const COUNTS: [&str; 15] = [
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
    "returned",
];
const MONEY: [&str; 5] = ["revenue", "discounts", "refunds", "cost_rows", "cost"];

/// `num / den`, null where `den` is 0.
fn ratio(num: Expr, den: Expr) -> Expr {
    when(den.clone().eq(lit(0)))
        .then(lit(NULL).cast(DataType::Float64))
        .otherwise(num.cast(DataType::Float64) / den.cast(DataType::Float64))
}

/// The ratio columns of spec §3, from the sum columns.
fn with_ratios(lf: LazyFrame) -> LazyFrame {
    lf.with_columns([
        ratio(col("er_num"), col("er_den")).alias("engagement_rate"),
        ratio(col("reach_num"), col("reach")).alias("engagement_rate_reach"),
        (ratio(col("revenue") - col("cost"), col("cost")) * lit(100.0)).alias("roi_pct"),
        ratio(col("revenue"), col("cost")).alias("roas"),
        ratio(col("cost"), col("orders")).alias("cpa"),
        (ratio(col("cost"), col("cpm_base")) * lit(1000.0)).alias("cpm"),
        ratio(col("cost"), col("engagements")).alias("cpe"),
        ratio(col("revenue"), col("orders")).alias("aov"),
        ratio(col("returned"), col("orders")).alias("return_rate"),
    ])
}

/// The tier from the roster override, else the follower count, else `unknown`.
fn tier(setup: &Setup<'_>) -> Expr {
    let mut by_followers = lit(UNKNOWN);
    for t in &setup.tiers.tiers {
        by_followers = when(col("followers").gt_eq(lit(t.min_followers)))
            .then(lit(t.name.as_str()))
            .otherwise(by_followers);
    }
    when(col("tier_override").is_not_null())
        .then(col("tier_override"))
        .when(col("followers").is_null())
        .then(lit(UNKNOWN))
        .otherwise(by_followers)
}

/// Fills the sums of silent influencers with 0 and adds tier, cost and ratios; roster order.
pub fn influencer_rows(base: LazyFrame, setup: &Setup<'_>) -> LazyFrame {
    let mut fills: Vec<Expr> = COUNTS
        .iter()
        .map(|c| col(*c).fill_null(lit(0i64)))
        .collect();
    fills.extend(
        ["revenue", "discounts", "refunds", "cost_rows"]
            .iter()
            .map(|c| col(*c).fill_null(lit(0.0))),
    );
    let mut cost = col("cost_rows") + col("commission_pct") / lit(100.0) * col("revenue");
    if setup.discounts_are_cost {
        cost = cost + col("discounts");
    }
    with_ratios(base.with_columns(fills).with_columns([
        cost.alias("cost"),
        tier(setup).alias("tier"),
        lit(1i64).alias("influencers"),
    ]))
    .sort(["ord"], SortMultipleOptions::default())
}

fn sums() -> Vec<Expr> {
    let mut aggs = vec![
        len().cast(DataType::Int64).alias("influencers"),
        col("followers").sum().cast(DataType::Int64),
    ];
    aggs.extend(COUNTS.iter().map(|c| col(*c).sum().cast(DataType::Int64)));
    aggs.extend(MONEY.iter().map(|c| col(*c).sum()));
    aggs.push(
        col("engagement_rate")
            .median()
            .alias("median_engagement_rate"),
    );
    aggs
}

/// One row per tier that has influencers.
pub fn tier_rows(influencers: LazyFrame) -> LazyFrame {
    with_ratios(influencers.group_by([col("tier")]).agg(sums()))
}

/// The total row over every influencer.
pub fn total_row(influencers: LazyFrame) -> LazyFrame {
    with_ratios(influencers.select(sums()))
}
