//! `run` and `rerun`: one report period (or a range of them) read, computed, written and
//! emailed once, under the report's lock and recorded in the ledger.

use super::keep::{InputCopies, keep};
use super::lock::lock_report;
use super::send::DeliveryFailure;
use super::{Failure, load_config};
use crate::cli::RunArgs;
use crate::config::{Config, ReportConfig};
use crate::deliver::Ledger;
use crate::period::Period;
use crate::report::{self, RunData};
use crate::source::values::parse_date;
use anyhow::{Context, anyhow};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The period a run reports on: --from/--to, --period, or the report's default.
pub fn resolve_period(args: &RunArgs, report: &ReportConfig, now: chrono::DateTime<chrono::Utc>) -> Result<Period, Failure> {
    let usage = |e: anyhow::Error| Failure::Usage(e);
    if let (Some(from), Some(to)) = (&args.from, &args.to) {
        let day = |s: &str, flag: &str| parse_date(s).map_err(|e| usage(anyhow!("--{flag} {s:?} {e}")));
        return Period::new(day(from, "from")?, day(to, "to")?).map_err(|e| usage(e.into()));
    }
    let spec = args.period.as_deref().unwrap_or(&report.period);
    let today = now.with_timezone(&report.timezone).date_naive();
    Period::parse(spec, today).map_err(|e| usage(e.into()))
}

/// What a run produced.
#[derive(Debug)]
pub struct RunOutcome {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    /// A few lines for the terminal: the period, headline figures and data-quality counts.
    pub summary: String,
}

pub(super) fn open_ledger(config: &Config) -> Result<Ledger, Failure> {
    Ledger::connect(config).map_err(|e| Failure::Run(e.into()))
}

/// `tierwise run`: read, compute, write, and (unless --no-email) send.
pub fn run(args: &RunArgs) -> Result<RunOutcome, Failure> {
    let config = load_config(&args.config.config)?;
    let report = config.report(args.config.report.as_deref()).map_err(|e| Failure::Usage(e.into()))?;
    let now = crate::faults::now();
    let period = resolve_period(args, report, now)?;
    let today = now.with_timezone(&report.timezone).date_naive();
    let in_progress = check_started(&period, today, report)?;
    if let (true, Some(dir)) = (args.no_email, &args.out) {
        // Nothing shared is touched: no lock, no ledger; parallel runs are fine.
        return produce(&config, None, report, period, dir, None, None).map(|(outcome, _)| outcome).map_err(Failure::Run);
    }
    let _lock = lock_report(&config, &report.name)?;
    let ledger = open_ledger(&config)?;
    let dir = args.out.clone().unwrap_or_else(|| report.out_dir.join(period.label()));
    let mut email = (!args.no_email).then_some(args.force);
    if in_progress && email == Some(false) {
        tracing::warn!(period = %period.label(), "not emailed: the period has not ended (use --force to email it anyway)");
        email = None;
    }
    run_period(&config, &ledger, report, period, &dir, email).map_err(failure)
}

/// The failure of a run: a delivery problem keeps its own exit code.
pub fn failure(e: anyhow::Error) -> Failure {
    match e.downcast_ref::<DeliveryFailure>() {
        Some(DeliveryFailure::Uncertain(_)) => Failure::Uncertain(e),
        Some(DeliveryFailure::Partial(_)) => Failure::Partial(e),
        _ => Failure::Run(e),
    }
}

/// A period that starts after `today` (in the report's zone) is a usage error; one that has
/// started but not ended runs with a warning. Returns whether it is still in progress.
fn check_started(period: &Period, today: NaiveDate, report: &ReportConfig) -> Result<bool, Failure> {
    if period.from > today {
        return Err(Failure::Usage(anyhow!(
            "period {} ({} to {}) has not started: today is {today} in {}",
            period.label(),
            period.from,
            period.to,
            report.timezone
        )));
    }
    let in_progress = period.to >= today;
    if in_progress {
        tracing::warn!(
            period = %period.label(),
            %today,
            "the period is still in progress (it ends {}): its figures are partial", period.to
        );
    }
    Ok(in_progress)
}

/// One period: computed, written into `dir`, emailed when `email` is `Some(force)`, recorded in
/// the ledger. The caller holds the report's lock.
pub fn run_period(
    config: &Config,
    ledger: &Ledger,
    report: &ReportConfig,
    period: Period,
    dir: &Path,
    email: Option<bool>,
) -> anyhow::Result<RunOutcome> {
    run_period_with(config, ledger, report, period, dir, email, None)
}

/// A period of a rerun that read its inputs once for all its periods: its figures, computed
/// ahead (and its files rendered ahead when the rerun emails nothing), and the input copies the
/// rerun makes once, beside its periods.
pub(super) struct Ahead<'a> {
    pub(super) data: Computed<'a>,
    pub(super) copies: &'a InputCopies,
}

/// A period's figures, and its files when they were rendered ahead.
pub(super) type Computed<'a> = anyhow::Result<(RunData<'a>, Option<report::Draft>)>;

pub(super) fn run_period_with(
    config: &Config,
    ledger: &Ledger,
    report: &ReportConfig,
    period: Period,
    dir: &Path,
    email: Option<bool>,
    ahead: Option<Ahead<'_>>,
) -> anyhow::Result<RunOutcome> {
    let span = tracing::info_span!("run", report = %report.name, period = %period.label());
    let _guard = span.enter();
    let run_id = ledger.run_started(&report.name, &period.label(), "")?;
    // A panic (a bug) is a failed run, recorded as such, never a run left "running".
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::faults::panic_at("run");
        produce(config, Some(ledger), report, period, dir, email, ahead)
    }))
    .unwrap_or_else(|panic| Err(anyhow!("the run panicked: {}", crate::faults::panic_message(&*panic))));
    let (status, inputs, outputs, error) = match &result {
        Ok((outcome, inputs)) => ("ok", inputs.clone(), paths_json(&outcome.files), None),
        Err(e) if matches!(e.downcast_ref(), Some(DeliveryFailure::Uncertain(_))) => {
            ("uncertain", String::new(), String::new(), Some(format!("{e:#}")))
        }
        Err(e) => ("failed", String::new(), String::new(), Some(format!("{e:#}"))),
    };
    ledger.run_finished(run_id, status, &inputs, &outputs, error.as_deref())?;
    result.map(|(outcome, _)| outcome)
}

fn paths_json(files: &[PathBuf]) -> String {
    serde_json::to_string(&files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>()).unwrap_or_default()
}

/// Earlier emails of `report` whose delivery is uncertain, as each report lists them.
pub(super) fn uncertain_deliveries(ledger: &Ledger, report: &ReportConfig) -> anyhow::Result<Vec<String>> {
    Ok(ledger
        .unknown(Some(&report.name))?
        .into_iter()
        .map(|d| format!("{} {} → {} ({}, since {})", d.period, d.kind, d.recipients, d.message_id, d.updated_at))
        .collect())
}

/// Computes, renders, writes into `dir`, and sends when `email` is `Some(force)` (which needs
/// the `ledger`).
fn produce(
    config: &Config,
    ledger: Option<&Ledger>,
    report: &ReportConfig,
    period: Period,
    dir: &Path,
    email: Option<bool>,
    ahead: Option<Ahead<'_>>,
) -> anyhow::Result<(RunOutcome, String)> {
    // URL inputs are downloaded into a private folder that goes when the run ends.
    let _downloads = crate::source::remote::DownloadScope::begin();
    if ledger.is_some() {
        super::pull::pull_for_period(config, report, &period)?;
    }
    let (data, copies) = match ahead {
        Some(Ahead { data, copies }) => (data, Some(copies)),
        None => (super::compute::compute(config, report, period).map(|data| (data, None)), None),
    };
    let (mut data, drafted) = data?;
    let started = Instant::now();
    let draft = match drafted {
        Some(draft) => draft,
        None => {
            if let Some(ledger) = ledger {
                data.uncertain = uncertain_deliveries(ledger, report)?;
            }
            // Rendered before anything is written: a broken template leaves no half-written folder.
            report::draft(&data)?
        }
    };
    let inputs = serde_json::to_string(&data.inputs).unwrap_or_default();
    let summary = report::terminal::summary(&data, dir);
    let files = report::write_draft(&draft, dir).context("writing the report files")?;
    let ms = started.elapsed().as_millis() as u64;
    tracing::info!(dir = %dir.display(), influencers = data.current.influencers.len(), ms, "report written");
    if ledger.is_some() {
        keep(config, &data, copies)?;
    }
    if let (Some(force), Some(ledger)) = (email, ledger) {
        // Nothing is sent before the inputs it was computed from are kept.
        if let Some(copies) = copies {
            copies.wait().context("nothing was sent: the rerun's input copies were not kept")?;
        }
        super::send::send(config, ledger, report, &period, &draft.rendered, dir, force)?;
    }
    Ok((RunOutcome { dir: dir.to_path_buf(), files, summary }, inputs))
}
