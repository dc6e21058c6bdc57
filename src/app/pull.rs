//! `tierwise pull`, and the pull a run makes first: API data fetched, kept as snapshots, and
//! read back as of the period being reported.

use super::{Failure, load_config};
use crate::cli::ConfigArgs;
use crate::config::{Config, ReportConfig};
use crate::period::Period;
use crate::snapshot::{PullLog, Store};
use crate::source::{self, ApiSnapshot, Rejects, Snapshots};
use anyhow::Context;
use chrono::{DateTime, Utc};

pub fn store(config: &Config, report: &ReportConfig) -> Store {
    Store::new(&config.state_dir, &report.name)
}

/// Pulls every platform `report` configures and keeps the result, failed accounts listed. Fails
/// (after keeping what did come back) when more than `max_failed_share` of accounts failed.
pub fn pull_now(config: &Config, report: &ReportConfig) -> anyhow::Result<PullLog> {
    let _downloads = source::remote::DownloadScope::begin();
    let mut rejects = Rejects::new(report.inputs.skip_bad_rows);
    let roster_path = source::remote::local(&report.inputs.roster, report.inputs.url_auth.as_ref())?;
    let (roster, _, _) = source::roster::read(&roster_path, &mut rejects).context("reading the roster")?;
    let since = crate::faults::now() - chrono::Duration::days(i64::from(report.pull.lookback_days));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the HTTP runtime")?;
    let started = std::time::Instant::now();
    let pulled = runtime.block_on(crate::pull::pull(report, &roster, since))?;
    let log = store(config, report).write(&pulled, report.timezone).context("keeping the pull's snapshot")?;
    tracing::info!(
        report = %report.name,
        accounts = log.accounts,
        failed = log.failures.len(),
        followers = log.followers,
        posts = log.posts,
        ms = started.elapsed().as_millis() as u64,
        "pulled from the APIs"
    );
    pulled.check_failures(report.pull.max_failed_share)?;
    Ok(log)
}

/// The snapshots `report` reads for `period` (its API data as of the period's pull time).
pub fn snapshots(config: &Config, report: &ReportConfig, period: &Period, now: DateTime<Utc>) -> anyhow::Result<Snapshots> {
    let store = store(config, report);
    let as_of = store.as_of(period, report.timezone, report.pull.settle_days, now)?;
    let followers = store.followers()?;
    let (posts, _) = store.posts(as_of.at, report.timezone)?;
    let orders = store.orders(as_of.at)?;
    let last = store.last_pull(as_of.at)?;
    if last.is_none() {
        tracing::warn!(report = %report.name, as_of = %as_of.at, "no API pull was kept by then; the API accounts have no data");
    }
    Ok(Snapshots {
        followers,
        posts,
        orders,
        api: ApiSnapshot {
            as_of: as_of.at,
            last_pull: last.as_ref().map(|l| l.pulled_at),
            accounts_not_pulled: last.map(|l| l.failures).unwrap_or_default(),
        },
    })
}

/// Before a run of `period`: pulls when the period's figures may still change (its settle
/// window is open and no earlier run pinned it). Past periods are never pulled for.
pub fn pull_for_period(config: &Config, report: &ReportConfig, period: &Period) -> anyhow::Result<()> {
    if !report.pull.has_apis() {
        return Ok(());
    }
    let as_of = store(config, report).as_of(period, report.timezone, report.pull.settle_days, crate::faults::now())?;
    if as_of.open && !as_of.pinned {
        pull_now(config, report).context("pulling from the APIs")?;
    } else {
        tracing::info!(as_of = %as_of.at, pinned = as_of.pinned, "the period is settled: reading its snapshots, not the APIs");
    }
    Ok(())
}

/// `tierwise pull`: every report with API sources (or the one named), nothing reported.
pub fn pull(args: &ConfigArgs) -> Result<(), Failure> {
    let config = load_config(&args.config)?;
    let reports: Vec<&ReportConfig> = match &args.report {
        Some(name) => vec![config.report(Some(name)).map_err(|e| Failure::Usage(e.into()))?],
        None => config.reports.iter().filter(|r| r.pull.has_apis()).collect(),
    };
    if reports.is_empty() {
        return Err(Failure::Usage(anyhow::anyhow!("no report has a [report.pull.<platform>] section; nothing to pull")));
    }
    let mut failed = Vec::new();
    for report in reports {
        let _lock = super::lock_report(&config, &report.name)?;
        match pull_now(&config, report) {
            Ok(log) => {
                println!(
                    "report `{}`: {} accounts, {} follower counts, {} posts kept in {}",
                    report.name,
                    log.accounts,
                    log.followers,
                    log.posts,
                    store(&config, report).dir.display()
                );
                for f in &log.failures {
                    println!("  not pulled: {f}");
                }
            }
            Err(e) => {
                eprintln!("error: report `{}`: {e:#}", report.name);
                failed.push(report.name.clone());
            }
        }
    }
    if failed.is_empty() { Ok(()) } else { Err(Failure::Run(anyhow::anyhow!("the pull failed for {}", failed.join(", ")))) }
}
