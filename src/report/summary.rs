//! summary.json: period, currency, the total row, data quality and the inputs read.

use crate::metrics::{FigureRow, Quality};
use crate::period::Period;
use crate::source::InputFile;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    pub report: &'a str,
    pub period: PeriodJson,
    pub previous_period: PeriodJson,
    pub currency: &'a str,
    pub tier_scheme: &'a str,
    pub totals: TotalJson<'a>,
    pub previous_totals: TotalJson<'a>,
    pub tiers: Vec<TotalJson<'a>>,
    pub data_quality: &'a Quality,
    pub inputs: &'a [InputFile],
    /// Present when the report pulls from APIs: the pull time read as of, and failed accounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<&'a crate::source::ApiSnapshot>,
}

#[derive(Debug, Serialize)]
pub struct PeriodJson {
    pub from: String,
    pub to: String,
    pub timezone: String,
    pub label: String,
}

impl PeriodJson {
    pub fn new(p: &Period, timezone: &str) -> Self {
        Self { from: p.from.to_string(), to: p.to.to_string(), timezone: timezone.to_string(), label: p.label() }
    }
}

/// A tier or total row with the keys of tiers.csv.
#[derive(Debug, Serialize)]
pub struct TotalJson<'a> {
    pub tier: &'a str,
    pub influencers: i64,
    pub followers: i64,
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
    pub orders_by_code: i64,
    pub orders_by_link: i64,
    pub revenue_by_code: f64,
    pub revenue_by_link: f64,
}

impl<'a> From<&'a FigureRow> for TotalJson<'a> {
    fn from(r: &'a FigureRow) -> Self {
        Self {
            tier: &r.tier,
            influencers: r.influencers,
            followers: r.followers.unwrap_or(0),
            posts: r.posts,
            likes: r.likes,
            comments: r.comments,
            shares: r.shares,
            saves: r.saves,
            engagements: r.engagements,
            engagement_rate: r.engagement_rate,
            engagement_rate_reach: r.engagement_rate_reach,
            reach: r.reach,
            impressions: r.impressions,
            views: r.views,
            orders: r.orders,
            revenue: r.revenue,
            discounts: r.discounts,
            refunds: r.refunds,
            cost: r.cost,
            roi_pct: r.roi_pct,
            roas: r.roas,
            cpa: r.cpa,
            cpm: r.cpm,
            cpe: r.cpe,
            aov: r.aov,
            return_rate: r.return_rate,
            median_engagement_rate: r.median_engagement_rate,
            orders_by_code: r.orders_by_code,
            orders_by_link: r.orders_by_link,
            revenue_by_code: r.revenue_by_code,
            revenue_by_link: r.revenue_by_link,
        }
    }
}
