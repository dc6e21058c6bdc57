//! Benchmarks from the founding documents and the plain-language recommendations drawn from
//! the gaps between them and the period's figures. Every recommendation names its figures.

use super::format::Fmt;
use crate::metrics::{FigureRow, Figures};
use serde::Serialize;

/// An expected engagement rate (by followers) for a tier.
#[derive(Debug, Clone, Serialize)]
pub struct EngagementBenchmark {
    pub tier: &'static str,
    pub low: f64,
    pub high: f64,
    pub source: &'static str,
}

/// An expected return (revenue per unit of cost) for accounts of a size.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnBenchmark {
    pub min_followers: i64,
    pub max_followers: Option<i64>,
    pub roas: f64,
    pub source: &'static str,
}

const SEED_DA_2025: &str = "Danish guide to micro-, meso- and macro-influencers (2025)";
const SEED_AWIN: &str = "Awin: Magic Numbers ROI by follower count (Swedish)";

pub fn engagement_benchmarks() -> Vec<EngagementBenchmark> {
    vec![
        EngagementBenchmark { tier: "micro", low: 0.07, high: 0.20, source: SEED_DA_2025 },
        EngagementBenchmark { tier: "meso", low: 0.02, high: 0.05, source: SEED_DA_2025 },
        EngagementBenchmark { tier: "macro", low: 0.01, high: 0.02, source: SEED_DA_2025 },
    ]
}

pub fn return_benchmarks() -> Vec<ReturnBenchmark> {
    vec![
        ReturnBenchmark { min_followers: 0, max_followers: Some(5_000), roas: 18.0, source: SEED_AWIN },
        ReturnBenchmark { min_followers: 5_000, max_followers: Some(160_000), roas: 6.0, source: SEED_AWIN },
        ReturnBenchmark { min_followers: 160_000, max_followers: None, roas: 5.0, source: SEED_AWIN },
    ]
}

fn expected_return(followers: i64) -> Option<ReturnBenchmark> {
    return_benchmarks().into_iter().find(|b| followers >= b.min_followers && b.max_followers.is_none_or(|m| followers < m))
}

/// One recommendation: what to look at, and the figures behind it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Advice {
    pub subject: String,
    pub text: String,
}

/// Recommendations for the period, most pressing first.
pub fn recommend(figures: &Figures, fmt: &Fmt) -> Vec<Advice> {
    let mut out = Vec::new();
    for r in &figures.influencers {
        if r.cost_rows > 0.0 && r.posts == 0 {
            out.push(Advice {
                subject: r.display_name().to_string(),
                text: format!(
                    "was paid {} this period but published no posts and brought {} orders. Ask for the agreed content or pause payment.",
                    fmt.money(r.cost_rows),
                    fmt.count(r.orders)
                ),
            });
        }
    }
    for r in &figures.influencers {
        if let Some(a) = engagement_gap(r, fmt) {
            out.push(a);
        }
        if let Some(a) = return_gap(r, fmt) {
            out.push(a);
        }
    }
    for t in &figures.tiers {
        if let Some(a) = engagement_gap(t, fmt) {
            out.push(Advice { subject: format!("Tier {}", t.tier), ..a });
        }
    }
    for code in &figures.quality.unmatched_codes {
        out.push(Advice {
            subject: format!("Code {}", code.code),
            text: format!(
                "was used on {} order(s) but belongs to nobody in the roster. If it is an influencer's code, add it to the roster so its orders count.",
                fmt.count(code.orders as i64)
            ),
        });
    }
    if figures.quality.attribution_conflicts > 0 {
        out.push(Advice {
            subject: "Shared orders".into(),
            text: format!(
                "{} order(s) carried codes of two influencers; each went to the first code in the order. Check whether codes are being shared.",
                figures.quality.attribution_conflicts
            ),
        });
    }
    if let Some(best) = figures
        .influencers
        .iter()
        .filter(|r| r.roi_pct.is_some_and(|v| v > 0.0))
        .max_by(|a, b| a.roi_pct.partial_cmp(&b.roi_pct).unwrap_or(std::cmp::Ordering::Equal))
    {
        out.push(Advice {
            subject: best.display_name().to_string(),
            text: format!(
                "gave the best return: ROI {} on {} of revenue from {} orders. A candidate for a longer agreement.",
                fmt.pct_value(best.roi_pct),
                fmt.money(best.revenue),
                fmt.count(best.orders)
            ),
        });
    }
    out
}

fn engagement_gap(r: &FigureRow, fmt: &Fmt) -> Option<Advice> {
    let rate = r.engagement_rate?;
    let bench = engagement_benchmarks().into_iter().find(|b| b.tier == r.tier)?;
    if rate >= bench.low / 2.0 {
        return None;
    }
    Some(Advice {
        subject: r.display_name().to_string(),
        text: format!(
            "engagement rate {} is far under the {} benchmark of {}–{} ({}). Check content fit and audience quality before renewing.",
            fmt.percent(Some(rate), 1),
            r.tier,
            fmt.percent(Some(bench.low), 0),
            fmt.percent(Some(bench.high), 0),
            bench.source
        ),
    })
}

fn return_gap(r: &FigureRow, fmt: &Fmt) -> Option<Advice> {
    let roas = r.roas?;
    let bench = expected_return(r.followers?)?;
    if r.cost <= 0.0 || roas >= bench.roas / 2.0 {
        return None;
    }
    Some(Advice {
        subject: r.display_name().to_string(),
        text: format!(
            "returned {} per unit spent (ROAS {}, ROI {}) against about {}:1 expected for accounts of {} followers ({}).",
            fmt.ratio(Some(roas)),
            fmt.ratio(Some(roas)),
            fmt.pct_value(r.roi_pct),
            bench.roas,
            fmt.count(r.followers.unwrap_or(0)),
            bench.source
        ),
    })
}
