//! The `ReportContext` every report template receives (documented in docs/templates.md):
//! labels in the report's language and figures already formatted, so templates stay simple
//! and tera's escaping covers every value taken from the inputs.

use super::RunData;
use super::advice::{self, Advice};
use super::charts::Chart;
use super::digest::{self, DigestView};
use super::format::{Change, Fmt, change, change_points};
use super::i18n::{Formula, Labels};
use crate::metrics::FigureRow;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct ReportContext {
    /// `en`, `da`, `sv` or `nl`.
    pub lang: String,
    /// Every label of the report's language, by key (see templates/i18n/en.toml).
    pub t: HashMap<String, String>,
    pub report: String,
    pub title: String,
    pub period_name: String,
    pub period_line: String,
    pub scope: String,
    pub scheme_line: String,
    pub headline: Vec<Kpi>,
    pub campaign: Option<CampaignView>,
    pub tiers: Vec<RowView>,
    pub total: RowView,
    /// Sorted by ROI, best first; no ROI last.
    pub influencers: Vec<RowView>,
    pub codes: Vec<CodeView>,
    pub charts: Vec<ChartView>,
    pub reach_note: String,
    pub median_line: String,
    pub benchmarks: Vec<String>,
    pub recommendations: Vec<Advice>,
    /// The 3–5 recommendations with the most money at stake: the top of the email.
    pub actions: Vec<Advice>,
    /// What the email shows of the full lists (see `digest.rs`).
    pub digest: DigestView,
    /// The report locale's decimal mark, for report.html's sorting script.
    pub decimal_mark: String,
    pub quality: QualityView,
    pub methodology: Vec<Formula>,
    pub inputs: Vec<InputView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Kpi {
    pub label: String,
    pub value: String,
    pub previous: String,
    pub change: Change,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignView {
    pub title: String,
    pub revenue: String,
    pub cost: String,
    pub roi: String,
    pub orders: String,
    pub engagements: String,
}

/// One table row, every figure formatted.
#[derive(Debug, Clone, Serialize)]
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
    /// "up", "down" or "flat": the sign of the ROI.
    pub roi_direction: &'static str,
    pub roas: String,
    pub cpa: String,
    pub cpm: String,
    pub cpe: String,
    pub aov: String,
    pub return_rate: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeView {
    pub code: String,
    pub influencer: String,
    pub orders: String,
    pub revenue: String,
}

/// A chart: `src` is `tiers.png` in report.html and `cid:tiers@tierwise` in the email.
#[derive(Debug, Clone, Serialize)]
pub struct ChartView {
    pub name: String,
    pub src: String,
    pub alt: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct QualityView {
    pub rows_rejected: usize,
    pub rejected: Vec<String>,
    pub attribution_conflicts: usize,
    pub unmatched_codes: Vec<CodeView>,
    /// Discount titles in the code cells (`Custom discount`): discounts without a code.
    pub discounts_without_code: Vec<CodeView>,
    /// Heuristic signals, in words: leaked codes, and audiences that look bought.
    pub leaked_codes: Vec<String>,
    pub audience: Vec<String>,
    pub posts_without_followers: usize,
    pub unowned_accounts: Vec<String>,
    pub unassigned_costs: Vec<String>,
    pub metrics_missing: Vec<(String, usize)>,
    pub refunds_as_of: String,
    /// Earlier emails of this report that may or may not have been delivered.
    pub uncertain: Vec<String>,
    /// "2026-11-23 06:00 UTC" when the report reads API snapshots; empty otherwise.
    pub api_as_of: String,
    /// Accounts the last pull could not read, with the reason.
    pub not_pulled: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputView {
    pub path: String,
    pub rows: String,
    pub sha256: String,
}

pub fn row_view(r: &FigureRow, fmt: &Fmt) -> RowView {
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

fn kpis(now: &FigureRow, before: &FigureRow, l: &Labels, fmt: &Fmt) -> Vec<Kpi> {
    let kpi = |key: &str, value: String, previous: String, change: Change| Kpi { label: l.get(key), value, previous, change };
    let money = |key: &str, n: f64, b: f64| kpi(key, fmt.money(n), fmt.money(b), change(fmt, Some(n), Some(b)));
    let count = |key: &str, n: i64, b: i64| kpi(key, fmt.count(n), fmt.count(b), change(fmt, Some(n as f64), Some(b as f64)));
    let pct = |f: Option<f64>| f.map(|v| v * 100.0);
    let mut out = vec![
        money("kpi_revenue", now.revenue, before.revenue),
        money("kpi_cost", now.cost, before.cost),
        kpi(
            "kpi_roi",
            fmt.pct_value(now.roi_pct),
            fmt.pct_value(before.roi_pct),
            change_points(fmt, now.roi_pct, before.roi_pct),
        ),
        count("kpi_orders", now.orders, before.orders),
        count("kpi_engagements", now.engagements, before.engagements),
        kpi(
            "kpi_er",
            fmt.percent(now.engagement_rate, 2),
            fmt.percent(before.engagement_rate, 2),
            change_points(fmt, pct(now.engagement_rate), pct(before.engagement_rate)),
        ),
        count("kpi_reach", now.reach, before.reach),
    ];
    for k in &mut out {
        if k.change.text == "new" {
            k.change.text = l.get("new");
        }
    }
    out
}

fn by_roi(rows: &[FigureRow]) -> Vec<&FigureRow> {
    let mut sorted: Vec<&FigureRow> = rows.iter().collect();
    sorted.sort_by(|a, b| match (a.roi_pct, b.roi_pct) {
        (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => b.revenue.partial_cmp(&a.revenue).unwrap_or(std::cmp::Ordering::Equal),
    });
    sorted
}

fn quality(data: &RunData<'_>, labels: &Labels, fmt: &Fmt) -> QualityView {
    let q = &data.current.quality;
    let (leaked_codes, audience) = super::signals::quality_lines(&data.current, labels, fmt);
    QualityView {
        leaked_codes,
        audience,
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
        discounts_without_code: q
            .discounts_without_code
            .iter()
            .map(|c| CodeView {
                code: c.title.clone(),
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
        uncertain: data.uncertain.clone(),
        api_as_of: data.api.as_ref().map_or(String::new(), |a| match a.last_pull {
            Some(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
            None => "–".to_string(),
        }),
        not_pulled: data.api.as_ref().map(|a| a.accounts_not_pulled.clone()).unwrap_or_default(),
    }
}

/// The context for `data` in `labels`' language; `charts` are referred to by file name.
pub fn build(data: &RunData<'_>, labels: &Labels, fmt: &Fmt, charts: &[Chart]) -> ReportContext {
    let report = data.report;
    let cur = &data.current;
    let names: HashMap<&str, &str> = cur.influencers.iter().map(|r| (r.influencer_id.as_str(), r.display_name())).collect();
    let tiers = &report.tiers.tiers;
    let bands: Vec<String> = tiers
        .iter()
        .enumerate()
        .map(|(i, t)| match tiers.get(i + 1) {
            Some(next) => format!("{}: {}–{}", t.name, fmt.count(t.min_followers), fmt.count(next.min_followers - 1)),
            None => format!("{}: {}+", t.name, fmt.count(t.min_followers)),
        })
        .collect();
    let period_name = labels.period_name(&data.period);
    let count = fmt.count(cur.influencers.len() as i64);
    let scope = match data.campaigns.as_slice() {
        [] => labels.fill("scope", &[("count", &count)]),
        c => labels.fill("scope_campaigns", &[("count", &count), ("campaigns", &c.join(", "))]),
    };
    let total = &cur.total;
    let recs = advice::recommend(cur, &report.benchmarks, labels, fmt);
    let sorted = by_roi(&cur.influencers);
    let with_roi = sorted.iter().filter(|r| r.roi_pct.is_some()).count();
    let influencers: Vec<RowView> = sorted.into_iter().map(|r| row_view(r, fmt)).collect();
    let mut code_rows: Vec<&crate::metrics::CodeUse> = cur.codes.iter().collect();
    code_rows
        .sort_by(|a, b| b.orders.cmp(&a.orders).then(b.revenue.partial_cmp(&a.revenue).unwrap_or(std::cmp::Ordering::Equal)));
    let codes: Vec<CodeView> = code_rows
        .into_iter()
        .map(|c| CodeView {
            code: c.code.clone(),
            influencer: names.get(c.influencer_id.as_str()).copied().unwrap_or(c.influencer_id.as_str()).to_string(),
            orders: fmt.count(c.orders),
            revenue: fmt.money(c.revenue),
        })
        .chain(cur.influencers.iter().filter(|r| r.orders_by_link > 0).map(|r| CodeView {
            code: labels.get("by_link"),
            influencer: r.display_name().to_string(),
            orders: fmt.count(r.orders_by_link),
            revenue: fmt.money(r.revenue_by_link),
        }))
        .collect();
    let quality = quality(data, labels, fmt);
    let digest = digest::build(
        data,
        &digest::Full {
            influencers: &influencers,
            with_roi,
            codes: &codes,
            unmatched: &quality.unmatched_codes,
            recommendations: recs.all.len(),
            actions: recs.actions.len(),
        },
        labels,
        fmt,
    );
    ReportContext {
        lang: labels.locale.code().to_string(),
        t: labels.map.clone(),
        report: report.name.clone(),
        title: labels.fill("title", &[("period", &period_name), ("report", &report.name)]),
        period_line: labels.fill(
            "period_line",
            &[
                ("from", &labels.date(data.period.from)),
                ("to", &labels.date(data.period.to)),
                ("timezone", report.timezone.name()),
                ("prev_from", &labels.date(data.previous_period.from)),
                ("prev_to", &labels.date(data.previous_period.to)),
            ],
        ),
        period_name,
        scope,
        scheme_line: labels
            .fill("scheme_line", &[("currency", &report.currency), ("scheme", &report.tiers.name), ("bands", &bands.join("; "))]),
        headline: kpis(total, &data.previous.total, labels, fmt),
        campaign: data.campaign.as_ref().map(|(span, row)| CampaignView {
            title: format!("{} ({} – {})", labels.get("campaign_to_date"), labels.date(span.from), labels.date(span.to)),
            revenue: fmt.money(row.revenue),
            cost: fmt.money(row.cost),
            roi: fmt.pct_value(row.roi_pct),
            orders: fmt.count(row.orders),
            engagements: fmt.count(row.engagements),
        }),
        tiers: cur.tiers.iter().map(|r| row_view(r, fmt)).collect(),
        total: row_view(total, fmt),
        influencers,
        codes,
        charts: charts.iter().map(|c| ChartView { name: c.name.to_string(), src: c.file_name(), alt: c.alt.clone() }).collect(),
        reach_note: labels.fill(
            "reach_note",
            &[
                ("reach", &fmt.count(total.reach)),
                ("impressions", &fmt.count(total.impressions)),
                ("views", &fmt.count(total.views)),
            ],
        ),
        median_line: cur
            .tiers
            .iter()
            .map(|t| format!("{} {}", t.tier, fmt.percent(t.median_engagement_rate, 2)))
            .collect::<Vec<_>>()
            .join(" · "),
        benchmarks: advice::benchmark_lines(&report.benchmarks, labels, fmt),
        recommendations: recs.all,
        actions: recs.actions,
        digest,
        decimal_mark: fmt.number(0.5, 1).chars().nth(1).map(String::from).unwrap_or_default(),
        quality,
        methodology: labels.methodology.clone(),
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

impl ReportContext {
    /// The chart views of the email's HTML part: the same charts, referred to by Content-ID.
    /// The email's context is the report's with these as `charts` (the rest is shared, not
    /// copied or serialised again).
    pub fn email_charts(&self, charts: &[Chart]) -> Vec<ChartView> {
        let mut views = self.charts.clone();
        for (view, chart) in views.iter_mut().zip(charts) {
            view.src = format!("cid:{}", chart.content_id());
        }
        views
    }
}
