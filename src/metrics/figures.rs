//! The computed figures as plain rows: the boundary between COMPUTE and RENDER.

use crate::source::Roster;
use crate::source::values::MICROS;
use crate::tiers::TierScheme;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of influencers.csv or tiers.csv (ratios are fractions; `roi_pct` is a percentage).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FigureRow {
    /// Influencer id; empty on tier and total rows.
    pub influencer_id: String,
    pub name: String,
    pub tier: String,
    pub influencers: i64,
    pub followers: Option<i64>,
    pub posts: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub saves: i64,
    pub engagements: i64,
    pub engagement_rate: Option<f64>,
    pub engagement_rate_reach: Option<f64>,
    pub reach: i64,
    pub impressions: i64,
    pub views: i64,
    pub orders: i64,
    pub revenue: f64,
    pub discounts: f64,
    pub refunds: f64,
    pub cost: f64,
    pub roi_pct: Option<f64>,
    pub roas: Option<f64>,
    pub cpa: Option<f64>,
    pub cpm: Option<f64>,
    pub cpe: Option<f64>,
    pub aov: Option<f64>,
    pub return_rate: Option<f64>,
    pub median_engagement_rate: Option<f64>,
    /// Orders and revenue attributed by a roster code and by a link (spec §3).
    pub orders_by_code: i64,
    pub orders_by_link: i64,
    pub revenue_by_code: f64,
    pub revenue_by_link: f64,
    /// Paid costs (cost rows) in the period, without commission: for "paid but silent".
    #[serde(skip)]
    pub cost_rows: f64,
    /// The part of `cost_rows` of kind `fee`: for the fee-per-post rule of thumb.
    #[serde(skip)]
    pub fees: f64,
}

impl FigureRow {
    /// The name to show people: the roster's name, else the influencer id.
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() { &self.influencer_id } else { &self.name }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UnmatchedCode {
    pub code: String,
    pub orders: usize,
}

/// A discount title (`Custom discount`) in the code cells: a discount without a code.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiscountTitle {
    pub title: String,
    pub orders: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CodeUse {
    pub influencer_id: String,
    pub code: String,
    pub orders: i64,
    pub revenue: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Quality {
    pub rows_rejected: usize,
    pub attribution_conflicts: usize,
    pub unmatched_codes: Vec<UnmatchedCode>,
    /// Discount titles in the code cells (matched no roster code), most used first.
    pub discounts_without_code: Vec<DiscountTitle>,
    pub posts_without_followers: usize,
    pub unowned_accounts: usize,
    pub cost_rows_not_in_roster: usize,
    pub metrics_missing: BTreeMap<String, usize>,
    /// Heuristic signals (see `metrics::signals`): leaked codes and audience quality.
    pub leaked_codes: Vec<super::LeakSignal>,
    pub follower_jumps: Vec<super::FollowerJump>,
    pub low_engagement: Vec<super::LowEngagement>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Roster order.
    pub influencers: Vec<FigureRow>,
    /// Lowest tier first.
    pub tiers: Vec<FigureRow>,
    pub total: FigureRow,
    pub codes: Vec<CodeUse>,
    pub quality: Quality,
    /// The period's posts of roster accounts, for creator statements.
    pub posts: Vec<PostLine>,
}

/// One post in the period, as a creator statement lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PostLine {
    pub influencer_id: String,
    pub platform: String,
    pub post_id: String,
    pub day: chrono::NaiveDate,
    pub engagements: i64,
    pub reach: Option<i64>,
    pub views: Option<i64>,
}

/// influencer_id, name, ord (roster order), tier_override.
pub fn roster_frame(roster: &Roster) -> PolarsResult<LazyFrame> {
    let inf = &roster.influencers;
    Ok(df!(
        "influencer_id" => inf.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        "name" => inf.iter().map(|i| i.name.clone()).collect::<Vec<_>>(),
        "ord" => (0..inf.len() as i64).collect::<Vec<_>>(),
        "tier_override" => inf.iter().map(|i| i.tier.clone()).collect::<Vec<_>>(),
    )?
    .lazy())
}

impl Figures {
    pub fn from_frames(influencers: &DataFrame, tiers: &DataFrame, total: &DataFrame, scheme: &TierScheme) -> PolarsResult<Self> {
        let mut tier_rows = rows(tiers)?;
        tier_rows.sort_by_key(|r| scheme.rank(&r.tier));
        let mut total_rows = rows(total)?;
        let mut total = total_rows.pop().unwrap_or_default();
        total.tier = "total".to_string();
        Ok(Self { influencers: rows(influencers)?, tiers: tier_rows, total, ..Self::default() })
    }
}

fn rows(df: &DataFrame) -> PolarsResult<Vec<FigureRow>> {
    let text = |name: &str| -> PolarsResult<Vec<String>> {
        match df.column(name) {
            Ok(c) => Ok(c.str()?.iter().map(|v| v.unwrap_or("").to_string()).collect()),
            Err(_) => Ok(vec![String::new(); df.height()]),
        }
    };
    let int = |name: &str| -> PolarsResult<Vec<Option<i64>>> {
        match df.column(name) {
            Ok(c) => Ok(c.cast(&DataType::Int64)?.i64()?.iter().collect()),
            Err(_) => Ok(vec![None; df.height()]),
        }
    };
    let float = |name: &str| -> PolarsResult<Vec<Option<f64>>> {
        match df.column(name) {
            Ok(c) => Ok(c.cast(&DataType::Float64)?.f64()?.iter().collect()),
            Err(_) => Ok(vec![None; df.height()]),
        }
    };
    let (ids, names, tiers) = (text("influencer_id")?, text("name")?, text("tier")?);
    let ints: BTreeMap<&str, Vec<Option<i64>>> = [
        "influencers",
        "followers",
        "posts",
        "likes",
        "comments",
        "shares",
        "saves",
        "engagements",
        "reach",
        "impressions",
        "views",
        "orders",
        "orders_by_link",
        "fee_micros",
    ]
    .into_iter()
    .map(|n| int(n).map(|v| (n, v)))
    .collect::<PolarsResult<_>>()?;
    let floats: BTreeMap<&str, Vec<Option<f64>>> = [
        "engagement_rate",
        "engagement_rate_reach",
        "revenue",
        "discounts_micros",
        "refunds_micros",
        "cost",
        "roi_pct",
        "roas",
        "cpa",
        "cpm",
        "cpe",
        "aov",
        "return_rate",
        "median_engagement_rate",
        "cost_rows_micros",
        "revenue_by_code",
        "revenue_by_link",
    ]
    .into_iter()
    .map(|n| float(n).map(|v| (n, v)))
    .collect::<PolarsResult<_>>()?;
    let i = |n: &str, r: usize| ints[n][r];
    let f = |n: &str, r: usize| floats[n][r];
    // One correctly rounded division: the nearest f64 to the exact amount.
    let units = |n: &str, r: usize| f(n, r).map_or(0.0, |m| m / MICROS as f64);
    Ok((0..df.height())
        .map(|r| FigureRow {
            influencer_id: ids[r].clone(),
            name: names[r].clone(),
            tier: tiers[r].clone(),
            influencers: i("influencers", r).unwrap_or(1),
            followers: i("followers", r),
            posts: i("posts", r).unwrap_or(0),
            likes: i("likes", r).unwrap_or(0),
            comments: i("comments", r).unwrap_or(0),
            shares: i("shares", r).unwrap_or(0),
            saves: i("saves", r).unwrap_or(0),
            engagements: i("engagements", r).unwrap_or(0),
            engagement_rate: f("engagement_rate", r),
            engagement_rate_reach: f("engagement_rate_reach", r),
            reach: i("reach", r).unwrap_or(0),
            impressions: i("impressions", r).unwrap_or(0),
            views: i("views", r).unwrap_or(0),
            orders: i("orders", r).unwrap_or(0),
            revenue: units("revenue", r),
            discounts: units("discounts_micros", r),
            refunds: units("refunds_micros", r),
            cost: units("cost", r),
            roi_pct: f("roi_pct", r),
            roas: f("roas", r),
            cpa: f("cpa", r),
            cpm: f("cpm", r),
            cpe: f("cpe", r),
            aov: f("aov", r),
            return_rate: f("return_rate", r),
            median_engagement_rate: f("median_engagement_rate", r),
            orders_by_code: i("orders", r).unwrap_or(0) - i("orders_by_link", r).unwrap_or(0),
            orders_by_link: i("orders_by_link", r).unwrap_or(0),
            revenue_by_code: units("revenue_by_code", r),
            revenue_by_link: units("revenue_by_link", r),
            cost_rows: units("cost_rows_micros", r),
            fees: i("fee_micros", r).map_or(0.0, |m| m as f64 / MICROS as f64),
        })
        .collect())
}
