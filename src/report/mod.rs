//! RENDER: turns figures into the run's files — influencers.csv, tiers.csv, summary.json,
//! report.html and report.md — and the email's bodies.

pub mod advice;
pub mod bundle;
pub mod charts;
pub mod context;
pub mod csv;
pub mod digest;
pub mod format;
pub mod i18n;
pub mod render;
pub mod signals;
pub mod statement;
pub mod summary;
pub mod terminal;

use crate::metrics::Figures;
use crate::period::Period;
use crate::source::InputFile;
use std::path::{Path, PathBuf};

/// What one run computed, ready to be written and rendered.
#[derive(Debug)]
pub struct RunData<'a> {
    pub report: &'a crate::config::ReportConfig,
    pub period: Period,
    pub previous_period: Period,
    pub current: std::sync::Arc<Figures>,
    pub previous: std::sync::Arc<Figures>,
    pub inputs: Vec<InputFile>,
    /// Rows skipped under `on_bad_row = "skip"`, with their file, line and reason.
    pub rejected: Vec<String>,
    /// Cost rows whose influencer is not in the roster, with file and line.
    pub unassigned_costs: Vec<String>,
    /// API snapshots read, when the report pulls from APIs.
    pub api: Option<crate::source::ApiSnapshot>,
    /// `platform:handle` of accounts in the stats that no roster influencer owns.
    pub unowned: Vec<String>,
    /// The roster's campaigns, for the report's scope line.
    pub campaigns: Vec<String>,
    /// When the order exports were written (their modification times), for "refunds as of".
    pub orders_as_of: String,
    /// Total rows of the last periods (each the previous of the next), oldest first, this one last.
    pub trend: Vec<(Period, crate::metrics::FigureRow)>,
    /// The campaign so far: from its start to this period's last day.
    pub campaign: Option<(Period, crate::metrics::FigureRow)>,
    /// The roster, for creator statements.
    pub roster: Vec<crate::source::Influencer>,
    /// Earlier emails of this report whose delivery is uncertain (from the ledger).
    pub uncertain: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot serialise the summary")]
    Json(#[from] serde_json::Error),
    #[error("cannot render the report")]
    Render(#[from] render::RenderError),
}

fn write(dir: &Path, name: &str, body: &[u8]) -> Result<PathBuf, ReportError> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, body)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|source| ReportError::Write { path: path.clone(), source })?;
    Ok(path)
}

/// A run's files, rendered and not written yet: the CSV and JSON files (name, body) and the
/// report's bodies and charts.
pub struct Draft {
    pub data_files: Vec<(&'static str, String)>,
    pub rendered: render::Rendered,
}

/// Renders every file of the run. Nothing is written: a broken template leaves no
/// half-written folder behind.
pub fn draft(data: &RunData<'_>) -> Result<Draft, ReportError> {
    Ok(Draft { rendered: render_report(data)?, data_files: data_files(data)? })
}

/// Writes `draft` into `dir` (created if needed): the CSV and JSON files, then the charts,
/// report.html and report.md; returns their paths.
pub fn write_draft(draft: &Draft, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write { path: dir.to_path_buf(), source })?;
    let mut files = Vec::new();
    for (name, body) in &draft.data_files {
        files.push(write(dir, name, body.as_bytes())?);
    }
    files.extend(write_report_files(&draft.rendered, dir)?);
    Ok(files)
}

/// influencers.csv, tiers.csv and summary.json.
fn data_files(data: &RunData<'_>) -> Result<Vec<(&'static str, String)>, ReportError> {
    let tz = data.report.timezone.name();
    let summary = summary::Summary {
        report: &data.report.name,
        period: summary::PeriodJson::new(&data.period, tz),
        previous_period: summary::PeriodJson::new(&data.previous_period, tz),
        currency: &data.report.currency,
        tier_scheme: &data.report.tiers.name,
        totals: (&data.current.total).into(),
        previous_totals: (&data.previous.total).into(),
        tiers: data.current.tiers.iter().map(Into::into).collect(),
        data_quality: &data.current.quality,
        inputs: &data.inputs,
        api: data.api.as_ref(),
    };
    let mut json = serde_json::to_string_pretty(&summary)?;
    json.push('\n');
    Ok(vec![
        ("influencers.csv", csv::influencers_csv(&data.current.influencers)),
        ("tiers.csv", csv::tiers_csv(&data.current.tiers, &data.current.total)),
        ("summary.json", json),
    ])
}

/// Renders the report (HTML for the file and the email, Markdown, plain text, charts) with the
/// report's templates, labels and locale.
pub fn render_report(data: &RunData<'_>) -> Result<render::Rendered, ReportError> {
    let report = data.report;
    let fmt = format::Fmt { locale: report.locale, currency: report.currency.clone() };
    let labels = i18n::Labels::load(report.locale, report.templates.as_deref())?;
    let trend: Vec<(String, crate::metrics::FigureRow)> = data.trend.iter().map(|(p, r)| (short_label(p), r.clone())).collect();
    // Charts are presentation: if one cannot be drawn the report goes out without charts.
    let charts = charts::render_all(&charts::ChartInput {
        tiers: &data.current.tiers,
        influencers: &data.current.influencers,
        scheme: &report.tiers,
        benchmarks: &report.benchmarks,
        trend: &trend,
        labels: &labels,
        fmt: &fmt,
    })
    .unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the report goes out without charts");
        Vec::new()
    });
    let ctx = context::build(data, &labels, &fmt, &charts);
    let tera = render::templates(report.templates.as_deref())?;
    let mut rendered = render::render(&tera, &ctx, charts)?;
    tracing::debug!(
        report_html = rendered.html.len(),
        email_html = rendered.email_html.len(),
        markdown = rendered.markdown.len(),
        "report rendered (bytes)"
    );
    if report.statements {
        rendered.statements = statement::render_statements(data, &tera, &labels, &fmt)?;
    }
    Ok(rendered)
}

/// `W44`, `2026-11` or `11-03` (the first day): short enough for a chart axis.
fn short_label(p: &Period) -> String {
    let label = p.label();
    match label.split_once("-W") {
        Some((_, week)) => format!("W{week}"),
        None if label.len() == 7 => label,
        None => p.from.format("%m-%d").to_string(),
    }
}

/// Writes report.html, report.md and the chart PNGs into `dir`.
fn write_report_files(rendered: &render::Rendered, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let mut files = Vec::new();
    for chart in &rendered.charts {
        files.push(write(dir, &chart.file_name(), &chart.png)?);
    }
    files.push(write(dir, "report.html", rendered.html.as_bytes())?);
    files.push(write(dir, "report.md", rendered.markdown.as_bytes())?);
    Ok(files)
}
