//! The `ReportContext` every template receives: preformatted strings only, so templates stay
//! simple and tera's escaping covers every value taken from the inputs.

use super::RunData;
use super::advice::{self, Advice};
use super::format::{Change, Fmt, change, change_points};
use crate::metrics::FigureRow;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ReportContext {
    pub report: String,
    pub title: String,
    pub period_label: String,
    pub period_text: String,
    /// "40 influencers; campaigns: Efterår 2026".
    pub scope: String,
    pub previous_text: String,
    pub timezone: String,
    pub currency: String,
    pub tier_scheme: String,
    pub scheme_bands: Vec<String>,
    pub headline: Vec<Kpi>,
    pub tiers: Vec<RowView>,
    pub total: RowView,
    pub influencers: Vec<RowView>,
    pub codes: Vec<CodeView>,
    pub benchmarks: Vec<String>,
    pub recommendations: Vec<Advice>,
    pub quality: QualityView,
    pub methodology: Vec<Formula>,
    pub inputs: Vec<InputView>,
}

#[derive(Debug, Serialize)]
pub struct Kpi {
    pub label: String,
    pub value: String,
    pub previous: String,
    pub change: Change,
}

/// One table row, every figure formatted.
#[derive(Debug, Serialize)]
pub struct RowView {
    pub id: String,
    pub name: String,
    pub tier: String,
    pub influencers: String,
    pub followers: String,
    pub posts: String,
    pub engagements: String,
    pub engagement_rate: String,
    pub engagement_rate_reach: String,
    pub median_engagement_rate: String,
    pub reach: String,
    pub impressions: String,
    pub views: String,
    pub orders: String,
    pub revenue: String,
    pub discounts: String,
    pub refunds: String,
    pub cost: String,
    pub roi: String,
    pub roi_direction: &'static str,
    pub roas: String,
    pub cpa: String,
    pub cpm: String,
    pub cpe: String,
    pub aov: String,
    pub return_rate: String,
}

#[derive(Debug, Serialize)]
pub struct CodeView {
    pub code: String,
    pub influencer: String,
    pub orders: String,
    pub revenue: String,
}

#[derive(Debug, Serialize)]
pub struct QualityView {
    pub rows_rejected: usize,
    pub rejected: Vec<String>,
    pub attribution_conflicts: usize,
    pub unmatched_codes: Vec<CodeView>,
    pub posts_without_followers: usize,
    pub unowned_accounts: Vec<String>,
    pub unassigned_costs: Vec<String>,
    pub metrics_missing: Vec<(String, usize)>,
    pub refunds_as_of: String,
    pub clean: bool,
}

#[derive(Debug, Serialize)]
pub struct Formula {
    pub figure: &'static str,
    pub formula: &'static str,
}

#[derive(Debug, Serialize)]
pub struct InputView {
    pub path: String,
    pub rows: String,
    pub sha256: String,
}

fn view(r: &FigureRow, fmt: &Fmt) -> RowView {
    RowView {
        id: r.influencer_id.clone(),
        name: r.display_name().to_string(),
        tier: r.tier.clone(),
        influencers: fmt.count(r.influencers),
        followers: fmt.opt_count(r.followers),
        posts: fmt.count(r.posts),
        engagements: fmt.count(r.engagements),
        engagement_rate: fmt.percent(r.engagement_rate, 2),
        engagement_rate_reach: fmt.percent(r.engagement_rate_reach, 2),
        median_engagement_rate: fmt.percent(r.median_engagement_rate, 2),
        reach: fmt.count(r.reach),
        impressions: fmt.count(r.impressions),
        views: fmt.count(r.views),
        orders: fmt.count(r.orders),
        revenue: fmt.money(r.revenue),
        discounts: fmt.money(r.discounts),
        refunds: fmt.money(r.refunds),
        cost: fmt.money(r.cost),
        roi: fmt.pct_value(r.roi_pct),
        roi_direction: match r.roi_pct {
            Some(v) if v > 0.0 => "up",
            Some(v) if v < 0.0 => "down",
            _ => "flat",
        },
        roas: fmt.ratio(r.roas),
        cpa: fmt.opt_money(r.cpa),
        cpm: fmt.opt_money(r.cpm),
        cpe: fmt.opt_money(r.cpe),
        aov: fmt.opt_money(r.aov),
        return_rate: fmt.percent(r.return_rate, 1),
    }
}

fn kpis(now: &FigureRow, before: &FigureRow, fmt: &Fmt) -> Vec<Kpi> {
    let kpi =
        |label: &str, value: String, previous: String, change: Change| Kpi { label: label.to_string(), value, previous, change };
    let money = |label: &str, n: f64, b: f64| kpi(label, fmt.money(n), fmt.money(b), change(fmt, Some(n), Some(b)));
    let count = |label: &str, n: i64, b: i64| kpi(label, fmt.count(n), fmt.count(b), change(fmt, Some(n as f64), Some(b as f64)));
    let pct = |f: Option<f64>| f.map(|v| v * 100.0);
    vec![
        money("Revenue", now.revenue, before.revenue),
        money("Cost", now.cost, before.cost),
        kpi("ROI", fmt.pct_value(now.roi_pct), fmt.pct_value(before.roi_pct), change_points(fmt, now.roi_pct, before.roi_pct)),
        count("Orders", now.orders, before.orders),
        count("Engagements", now.engagements, before.engagements),
        kpi(
            "Engagement rate",
            fmt.percent(now.engagement_rate, 2),
            fmt.percent(before.engagement_rate, 2),
            change_points(fmt, pct(now.engagement_rate), pct(before.engagement_rate)),
        ),
        count("Reach", now.reach, before.reach),
    ]
}

/// How each figure is computed, in the words of the report (spec §3).
pub fn methodology() -> Vec<Formula> {
    vec![
        Formula {
            figure: "Period",
            formula: "Whole days from the first to the last day, inclusive, in the report's time zone; timestamps with an offset are converted to that zone before they are given a day. The previous period is the same number of days just before.",
        },
        Formula {
            figure: "Followers",
            formula: "Per account, the latest snapshot on or before the period's last day; an influencer's followers are those of their largest account. A tier's followers are the sum of its influencers'.",
        },
        Formula {
            figure: "Tier",
            formula: "The roster's tier if set; else the band [lower, next lower) of the tier scheme that holds the follower count; else unknown.",
        },
        Formula {
            figure: "Posts",
            formula: "Posts published in the period by the influencer's accounts; a post repeated in the exports is counted once (its last row).",
        },
        Formula {
            figure: "Engagements",
            formula: "Likes + comments + shares + saves of the period's posts; a metric the platform did not report counts as 0 and is listed under data quality.",
        },
        Formula {
            figure: "Engagement rate",
            formula: "Σ engagements ÷ Σ followers over the period's posts whose account has a follower count, where each post counts its account's followers. Tier and total rows divide the sums, never average the rates; the median is over the members' rates.",
        },
        Formula {
            figure: "Engagement rate (reach)",
            formula: "Σ engagements ÷ Σ reach over the period's posts that report reach.",
        },
        Formula {
            figure: "Reach, impressions, views",
            formula: "Sums over the period's posts. Reach is not de-duplicated across posts: one person reached by two posts counts twice.",
        },
        Formula {
            figure: "Orders",
            formula: "Orders created in the period (by the order's own offset, on the report zone's calendar) whose discount codes include one of the influencer's roster codes (trimmed, any case). Voided, expired and cancelled orders are left out; pending, authorised and partly paid ones count. An order with codes of two influencers goes to the first code. The same order in overlapping exports counts once: the copy that shows more history (cancelled, then larger refund, then the later file).",
        },
        Formula {
            figure: "Revenue",
            formula: "Per order: subtotal (after discounts, before shipping, taxes and duties) × (1 − refunded ÷ total), kept between 0 and the subtotal; converted at the configured rate when the order is in another currency.",
        },
        Formula {
            figure: "Discounts, refunds",
            formula: "The orders' discount amounts (including shipping discounts) and refunded amounts as exported; refunds are as of the export date.",
        },
        Formula {
            figure: "Cost",
            formula: "Cost rows dated in the period + commission % × revenue (+ discounts when the report counts them as cost).",
        },
        Formula { figure: "ROI", formula: "(revenue − cost) ÷ cost × 100 %." },
        Formula { figure: "ROAS", formula: "revenue ÷ cost." },
        Formula { figure: "CPA, AOV", formula: "cost ÷ orders; revenue ÷ orders." },
        Formula {
            figure: "CPM, CPE",
            formula: "cost ÷ impressions × 1000, where each post counts its impressions, else its views; cost ÷ engagements.",
        },
        Formula { figure: "Return rate", formula: "orders with a refunded amount above 0 ÷ orders." },
        Formula {
            figure: "Empty figures",
            formula: "A ratio whose denominator is 0 is shown as –; counts and sums over nothing are 0.",
        },
    ]
}

pub fn build(data: &RunData<'_>, fmt: &Fmt) -> ReportContext {
    let report = data.report;
    let cur = &data.current;
    let names: std::collections::HashMap<&str, &str> =
        cur.influencers.iter().map(|r| (r.influencer_id.as_str(), r.display_name())).collect();
    let mut by_roi: Vec<&FigureRow> = cur.influencers.iter().collect();
    by_roi.sort_by(|a, b| match (a.roi_pct, b.roi_pct) {
        (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => b.revenue.partial_cmp(&a.revenue).unwrap_or(std::cmp::Ordering::Equal),
    });
    let tiers = &report.tiers.tiers;
    let scheme_bands = tiers
        .iter()
        .enumerate()
        .map(|(i, t)| match tiers.get(i + 1) {
            Some(next) => format!("{}: {}–{}", t.name, fmt.count(t.min_followers), fmt.count(next.min_followers - 1)),
            None => format!("{}: {}+", t.name, fmt.count(t.min_followers)),
        })
        .collect();
    let mut benchmarks: Vec<String> = advice::engagement_benchmarks()
        .iter()
        .map(|b| {
            format!("{}: engagement rate {}–{} ({})", b.tier, fmt.percent(Some(b.low), 0), fmt.percent(Some(b.high), 0), b.source)
        })
        .collect();
    benchmarks.extend(advice::return_benchmarks().iter().map(|b| {
        let size = match b.max_followers {
            Some(m) => format!("{}–{} followers", fmt.count(b.min_followers), fmt.count(m - 1)),
            None => format!("{}+ followers", fmt.count(b.min_followers)),
        };
        format!("{size}: about {}:1 revenue per unit spent ({})", b.roas, b.source)
    }));
    let q = &cur.quality;
    let quality = QualityView {
        rows_rejected: q.rows_rejected,
        rejected: data.rejected.clone(),
        attribution_conflicts: q.attribution_conflicts,
        unmatched_codes: q
            .unmatched_codes
            .iter()
            .map(|c| CodeView {
                code: c.code.clone(),
                influencer: String::new(),
                orders: fmt.count(c.orders as i64),
                revenue: String::new(),
            })
            .collect(),
        posts_without_followers: q.posts_without_followers,
        unowned_accounts: data.unowned.clone(),
        unassigned_costs: data.unassigned_costs.clone(),
        metrics_missing: q.metrics_missing.iter().filter(|(_, n)| **n > 0).map(|(m, n)| (m.clone(), *n)).collect(),
        refunds_as_of: data.orders_as_of.clone(),
        clean: q.rows_rejected == 0
            && q.attribution_conflicts == 0
            && q.unmatched_codes.is_empty()
            && q.posts_without_followers == 0
            && q.unowned_accounts == 0
            && q.cost_rows_not_in_roster == 0
            && q.metrics_missing.values().all(|n| *n == 0),
    };
    ReportContext {
        report: report.name.clone(),
        title: format!("Influencer report {} — {}", data.period.label(), report.name),
        period_label: data.period.label(),
        period_text: format!("{} – {}", data.period.from, data.period.to),
        scope: match data.campaigns.as_slice() {
            [] => format!("{} influencers in the roster", cur.influencers.len()),
            c => format!("{} influencers in the roster; campaigns: {}", cur.influencers.len(), c.join(", ")),
        },
        previous_text: format!("{} – {}", data.previous_period.from, data.previous_period.to),
        timezone: report.timezone.name().to_string(),
        currency: report.currency.clone(),
        tier_scheme: report.tiers.name.clone(),
        scheme_bands,
        headline: kpis(&cur.total, &data.previous.total, fmt),
        tiers: cur.tiers.iter().map(|r| view(r, fmt)).collect(),
        total: view(&cur.total, fmt),
        influencers: by_roi.into_iter().map(|r| view(r, fmt)).collect(),
        codes: cur
            .codes
            .iter()
            .map(|c| CodeView {
                code: c.code.clone(),
                influencer: names.get(c.influencer_id.as_str()).unwrap_or(&c.influencer_id.as_str()).to_string(),
                orders: fmt.count(c.orders),
                revenue: fmt.money(c.revenue),
            })
            .collect(),
        benchmarks,
        recommendations: advice::recommend(cur, fmt),
        quality,
        methodology: methodology(),
        inputs: data
            .inputs
            .iter()
            .map(|f| InputView {
                path: f.path.clone(),
                rows: fmt.count(f.rows as i64),
                sha256: f.sha256[..12.min(f.sha256.len())].to_string(),
            })
            .collect(),
    }
}
