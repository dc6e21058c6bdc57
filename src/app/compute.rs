//! The figures of a run: the inputs read and prepared once, then every period the report
//! shows (the period, the previous one, trend points, campaign to date) computed from them.
//! A `rerun` keeps one [`Loaded`] and one memo for all its periods.

use crate::config::{Config, ReportConfig};
use crate::metrics::{self, Memo, Prepared, Setup};
use crate::period::Period;
use crate::report::RunData;
use crate::source::{self, Inputs};
use anyhow::Context;
use chrono::NaiveDate;
use std::path::PathBuf;
use std::time::Instant;

/// One report's inputs, read and prepared. The input frames themselves are dropped once
/// prepared (what the periods need is in `prepared`), so a run holds one copy of its data.
pub struct Loaded {
    pub inputs: Inputs,
    pub prepared: Prepared,
    pub campaign_start: Option<NaiveDate>,
    /// Per order source, the latest instant its orders record ([`metrics::latest_recorded`]).
    latest_recorded: Vec<(usize, i64)>,
}

/// What the computation needs from the report's config.
pub fn setup(report: &ReportConfig) -> Setup<'_> {
    Setup {
        currency: &report.currency,
        tiers: &report.tiers,
        discounts_are_cost: report.discounts_are_cost,
        benchmarks: &report.benchmarks,
        signals: &report.signals,
        statements: report.statements,
    }
}

/// Reads and prepares the inputs of `report` (the API snapshots as of `period`, when it pulls).
pub fn load(config: &Config, report: &ReportConfig, period: &Period) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let snapshots = match report.pull.has_apis() {
        true => Some(super::pull::snapshots(config, report, period, crate::faults::now()).context("reading the API snapshots")?),
        false => None,
    };
    let cache = config.parse_cache.then(|| source::cache::Cache::new(&config.state_dir));
    // The posts and followers are prepared before the orders are read, so their raw frames
    // are freed before the orders are in memory (the parse cache's writer may still hold a
    // copy until it has written it).
    let mut social = None;
    let hook: source::inputs::SocialHook<'_> = Box::new(|posts, followers, roster| {
        social = Some(metrics::prepare_social(posts, followers, roster));
        Ok(())
    });
    let inputs = source::inputs::load(report, &config.base, snapshots, cache.as_ref(), Some(hook));
    if let (Err(_), Some(Err(e))) = (&inputs, &social) {
        // The read's error is the one reported; this one is not lost.
        tracing::error!(error = %format!("{e:#}"), "preparing the posts and followers failed too");
    }
    let mut inputs = inputs.context("reading the inputs")?;
    let social = social.context("the posts and followers were not read")?.context("preparing the posts and followers")?;
    // The parse cache's writes end before the orders are prepared (the peak of a run's memory).
    drop(cache);
    let rows: usize = inputs.files.iter().map(|f| f.rows).sum();
    tracing::info!(files = inputs.files.len(), rows, ms = started.elapsed().as_millis() as u64, "inputs read");
    let campaign_start = match report.campaign_start {
        Some(day) => Some(day),
        None => metrics::earliest_day(&inputs).context("finding the campaign's first day")?,
    };
    let latest_recorded = metrics::latest_recorded(&inputs)?;
    let started = Instant::now();
    let prepared = metrics::prepare(&mut inputs, social).context("preparing the figures")?;
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "orders prepared: de-duplicated and attributed");
    for frame in [&mut inputs.posts, &mut inputs.followers, &mut inputs.orders, &mut inputs.order_codes, &mut inputs.costs] {
        *frame = frame.clear();
    }
    Ok(Loaded { inputs, prepared, campaign_start, latest_recorded })
}

/// Reads the inputs and computes everything the report on `period` shows.
pub fn compute<'a>(config: &Config, report: &'a ReportConfig, period: Period) -> anyhow::Result<RunData<'a>> {
    let loaded = load(config, report, &period)?;
    let setup = setup(report);
    let mut memo = Memo::new(&loaded.prepared, &setup);
    run_data(report, &loaded, &mut memo, period)
}

/// The period's figures from already loaded inputs.
pub fn run_data<'a>(
    report: &'a ReportConfig,
    loaded: &Loaded,
    memo: &mut Memo<'_>,
    period: Period,
) -> anyhow::Result<RunData<'a>> {
    let started = Instant::now();
    let series = memo.series(period, report.trend_periods as usize, loaded.campaign_start).context("computing the period")?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        periods = series.trend.len(),
        "figures computed: the period, its trend and the campaign to date"
    );
    let inputs = &loaded.inputs;
    let unowned = inputs.unowned_accounts.iter().map(|(p, h)| format!("{}:{h}", p.as_str())).collect();
    let campaigns: std::collections::BTreeSet<String> =
        inputs.roster.influencers.iter().filter_map(|i| i.campaign.clone()).collect();
    Ok(RunData {
        report,
        period,
        previous_period: period.previous(),
        current: series.current,
        previous: series.previous,
        inputs: inputs.files.clone(),
        rejected: inputs.rejected.clone(),
        unassigned_costs: inputs.unassigned_costs.clone(),
        api: inputs.api.clone(),
        campaigns: campaigns.into_iter().collect(),
        unowned,
        orders_as_of: refunds_as_of(&loaded.latest_recorded, &inputs.order_files, report.timezone),
        trend: series.trend,
        campaign: series.campaign,
        roster: inputs.roster.influencers.clone(),
        uncertain: Vec::new(),
    })
}

/// "orders_export_1.csv: 2026-11-08 20:00 CET; shop API pull 1: …": per order source, the
/// latest time any of its orders records (created, paid, fulfilled, cancelled, modified), in
/// the report zone. A CSV carries no export time and its file time is that of the download
/// or the copy, so the data's own latest time is what its refunds are known to be as of.
fn refunds_as_of(latest: &[(usize, i64)], files: &[PathBuf], tz: chrono_tz::Tz) -> String {
    let times: Vec<String> = latest
        .iter()
        .filter_map(|(rank, secs)| {
            let at = chrono::DateTime::from_timestamp(*secs, 0)?.with_timezone(&tz);
            let name = match files.get(*rank) {
                Some(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                None => format!("shop API pull {}", rank - files.len() + 1),
            };
            Some(format!("{name}: {}", at.format("%Y-%m-%d %H:%M %Z")))
        })
        .collect();
    if times.is_empty() { "no order was read".to_string() } else { times.join("; ") }
}
