//! `tierwise daemon`: every report on its cron, in its own time zone. tokio-cron-scheduler runs
//! one-shot jobs at instants computed by [`Schedule`] for each occurrence (never its fixed-
//! offset `*_tz` jobs, which drift an hour across DST) and a job is re-armed after each fire.
//! Fires go through one loop, so runs never overlap; a failing run is logged and the daemon
//! goes on. At start-up, fires missed while it was down are run once, oldest first
//! (systemd `Persistent=`). A report's `[report.pull] schedule` fires its API pulls the same
//! way (not caught up). SIGTERM or SIGINT: no new runs; the running one finishes.
//!
//! Several daemons may share one PostgreSQL ledger: each arms every schedule, and each fire is
//! claimed in the ledger by exactly one of them (`fire/<report>/<at>`), the run under the
//! report's run claim. A daemon that dies leaves claims that run out after the lease; every
//! daemon sweeps for fire claims that ran out before their fire was handled and runs them.

use crate::app::{self, Failure};
use crate::config::Config;
use crate::deliver::Ledger;
use crate::deliver::claims::ClaimGuard;
use crate::period::Period;
use crate::schedule::Schedule;
use anyhow::Context;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_cron_scheduler::{Job, JobScheduler};

/// How long a stop waits for the running report.
const FINISH_TIMEOUT: Duration = Duration::from_secs(600);

/// A report's scheduled instant has come: its run, or (`pull`) its API pull. `retry`: a fire
/// whose claim ran out before it was handled (its daemon died), taken over from the ledger.
#[derive(Debug, Clone, Copy)]
struct Fire {
    report: usize,
    pull: bool,
    at: DateTime<Utc>,
    retry: bool,
}

/// Runs until SIGTERM or SIGINT.
pub async fn run(config: Config) -> Result<(), Failure> {
    let failure = |e: anyhow::Error| Failure::Run(e);
    let scheduled: Vec<(usize, Schedule)> =
        config.reports.iter().enumerate().filter_map(|(i, r)| r.schedule.clone().map(|s| (i, s))).collect();
    let pulls: Vec<(usize, Schedule)> =
        config.reports.iter().enumerate().filter_map(|(i, r)| r.pull.schedule.clone().map(|s| (i, s))).collect();
    if scheduled.is_empty() && pulls.is_empty() {
        return Err(Failure::Usage(anyhow::anyhow!("no [[report]] has a `schedule`; nothing to run")));
    }
    // Signals first: a stop during catch-up must finish the running report, not kill it.
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).context("SIGTERM").map_err(failure)?;
    blocking(&config, |_| Ok(())).await.map_err(failure)?;
    if catch_up(&config, &scheduled, &mut term).await == Flow::Stop {
        tracing::info!("daemon stopped");
        return Ok(());
    }

    let scheduler = JobScheduler::new().await.context("starting the scheduler").map_err(failure)?;
    scheduler.start().await.context("starting the scheduler").map_err(failure)?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Fire>();
    for (report, schedule) in &scheduled {
        arm(&scheduler, &tx, &config, (*report, false), schedule, Utc::now()).await.map_err(failure)?;
    }
    // Pulls missed while stopped are not caught up: the APIs only tell the present.
    for (report, schedule) in &pulls {
        arm(&scheduler, &tx, &config, (*report, true), schedule, Utc::now()).await.map_err(failure)?;
    }
    let mut sweep = tokio::time::interval(config.claim_lease.max(Duration::from_secs(1)));
    loop {
        tokio::select! {
            Some(fire) = rx.recv() => {
                if run_one(&config, fire, &mut term).await == Flow::Stop {
                    break;
                }
                if fire.retry {
                    continue;
                }
                let list = if fire.pull { &pulls } else { &scheduled };
                let (_, schedule) = list.iter().find(|(i, _)| *i == fire.report).expect("a fire comes from a scheduled report");
                arm(&scheduler, &tx, &config, (fire.report, fire.pull), schedule, fire.at.max(Utc::now())).await.map_err(failure)?;
            }
            _ = sweep.tick() => {
                for fire in stale_fires(&config, &scheduled).await {
                    let _ = tx.send(fire);
                }
            }
            _ = stop_signal(&mut term) => break,
        }
    }
    tracing::info!("daemon stopped");
    Ok(())
}

/// Runs `f` with a ledger connection on a blocking thread (the PostgreSQL client blocks).
async fn blocking<T: Send + 'static>(
    config: &Config,
    f: impl FnOnce(&Ledger) -> Result<T, crate::deliver::ledger::LedgerError> + Send + 'static,
) -> anyhow::Result<T> {
    let config = config.clone();
    let done = tokio::task::spawn_blocking(move || Ledger::connect(&config).and_then(|ledger| f(&ledger))).await;
    Ok(done.context("a ledger task failed")??)
}

/// Fires whose claim ran out before they were handled: their daemon died or was busy.
async fn stale_fires(config: &Config, scheduled: &[(usize, Schedule)]) -> Vec<Fire> {
    let stale = match blocking(config, |ledger| ledger.stale_claims("fire/")).await {
        Ok(stale) => stale,
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "cannot look for fires left by another daemon");
            return Vec::new();
        }
    };
    stale
        .iter()
        .filter_map(|c| {
            let (name, at) = c.name.strip_prefix("fire/")?.rsplit_once('/')?;
            let report = scheduled.iter().map(|(i, _)| *i).find(|i| config.reports[*i].name == name)?;
            let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
            tracing::info!(report = %name, fire = %at, holder = %c.holder, "taking over a fire whose claim ran out");
            Some(Fire { report, pull: false, at, retry: true })
        })
        .collect()
}

#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Go,
    Stop,
}

/// Runs one fire on a blocking thread; a stop signal meanwhile lets it finish (bounded) and
/// ends the daemon.
async fn run_one(config: &Config, fire: Fire, term: &mut tokio::signal::unix::Signal) -> Flow {
    let run = tokio::task::spawn_blocking({
        let config = config.clone();
        move || handle(&config, fire)
    });
    tokio::pin!(run);
    tokio::select! {
        _ = &mut run => Flow::Go,
        _ = stop_signal(term) => {
            tracing::info!("stopping: letting the running report finish");
            let _ = tokio::time::timeout(FINISH_TIMEOUT, run).await;
            Flow::Stop
        }
    }
}

async fn stop_signal(term: &mut tokio::signal::unix::Signal) {
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// Schedules the next fire of `report` after `after`.
async fn arm(
    scheduler: &JobScheduler,
    tx: &mpsc::UnboundedSender<Fire>,
    config: &Config,
    (report, pull): (usize, bool),
    schedule: &Schedule,
    after: DateTime<Utc>,
) -> anyhow::Result<()> {
    let name = &config.reports[report].name;
    let Some(at) = schedule.next_after(after) else {
        tracing::warn!(report = %name, schedule = %schedule.text, "the schedule never fires again");
        return Ok(());
    };
    let wait = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    let tx = tx.clone();
    let job = Job::new_one_shot_at_instant_async(std::time::Instant::now() + wait, move |_, _| {
        let tx = tx.clone();
        Box::pin(async move {
            let _ = tx.send(Fire { report, pull, at, retry: false });
        })
    })
    .context("creating a job")?;
    scheduler.add(job).await.context("adding a job")?;
    let what = if pull { "next pull scheduled" } else { "next run scheduled" };
    tracing::info!(report = %name, next = %at.with_timezone(&schedule.tz()), "{what}");
    Ok(())
}

/// The period a fire reports on: the report's `period` as of the fire's day in its zone.
fn period_of(config: &Config, fire: Fire) -> Result<Period, crate::period::PeriodError> {
    let report = &config.reports[fire.report];
    Period::parse(&report.period, fire.at.with_timezone(&report.timezone).date_naive())
}

/// One scheduled fire: failures (a panic included) are logged, recorded and told to the owner,
/// never fatal.
fn handle(config: &Config, fire: Fire) {
    let report = &config.reports[fire.report];
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match fire.pull {
        true => scheduled_pull(config, fire),
        false => scheduled_run(config, fire),
    }))
    .unwrap_or_else(|panic| {
        let e = anyhow::anyhow!("the scheduled run panicked: {}", crate::faults::panic_message(&*panic));
        if !fire.pull {
            record_panic(config, fire, &e);
        }
        Err(e)
    });
    let what = if fire.pull { "scheduled pull" } else { "scheduled run" };
    let Err(e) = result else { return };
    tracing::error!(report = %report.name, error = %format!("{e:#}"), "{what} failed; the daemon goes on");
    // A failed delivery has told the owner already, naming each email.
    if e.downcast_ref::<app::send::DeliveryFailure>().is_none() {
        let period = period_of(config, fire).map(|p| p.label()).unwrap_or_default();
        let subject = format!("tierwise: {what} of report {} {period} failed", report.name);
        let body = format!("The {what} of report `{}` at {} failed; no email was sent.\n\n{e:#}", report.name, fire.at);
        app::send::notify_owner(config, report.email.as_ref(), &subject, &body);
    }
}

fn scheduled_pull(config: &Config, fire: Fire) -> anyhow::Result<()> {
    let report = &config.reports[fire.report];
    let key = format!("{}#pull", report.name);
    let Some(_claim) = claim_fire(config, &key, fire.at)? else { return Ok(()) };
    let _lock = app::lock_report(config, &report.name).map_err(|f| anyhow::anyhow!("{:#}", f.error()))?;
    let log = app::pull::pull_now(config, report)?;
    Ledger::connect(config)?.record_fire(&key, fire.at, "")?;
    tracing::info!(report = %report.name, accounts = log.accounts, failed = log.failures.len(), "scheduled pull done");
    Ok(())
}

/// One scheduled run: locked, recorded, emailed once.
fn scheduled_run(config: &Config, fire: Fire) -> anyhow::Result<()> {
    let report = &config.reports[fire.report];
    let period = period_of(config, fire)?;
    let Some(claim) = claim_fire(config, &report.name, fire.at)? else { return Ok(()) };
    let _lock = match app::lock_report(config, &report.name) {
        Ok(lock) => lock,
        Err(Failure::Busy(e)) => {
            // Another process is running the report. If it runs this period, that run covers
            // this fire (should it die, its own fire is taken over); else this fire's claim is
            // left to run out, and a sweep (of this daemon or another) tries it again then.
            let ledger = Ledger::connect(config)?;
            if ledger.running_period(&report.name)?.as_deref() == Some(period.label().as_str()) {
                tracing::info!(report = %report.name, fire = %fire.at, "another daemon is running this period; this fire is covered");
                ledger.record_fire(&report.name, fire.at, &period.label())?;
            } else {
                claim.forget(&fire_claim(&report.name, fire.at));
                tracing::warn!(report = %report.name, fire = %fire.at, "{e:#}; the fire is tried again when its claim runs out");
            }
            return Ok(());
        }
        Err(f) => return Err(anyhow::anyhow!("{:#}", f.error())),
    };
    let ledger = Ledger::connect(config)?;
    let dir = report.out_dir.join(period.label());
    crate::faults::panic_at("scheduled-run");
    let result = app::run_period(config, &ledger, report, period, &dir, Some(false));
    ledger.record_fire(&report.name, fire.at, &period.label())?;
    result?;
    tracing::info!(report = %report.name, period = %period.label(), "scheduled run done");
    Ok(())
}

fn fire_claim(report: &str, at: DateTime<Utc>) -> String {
    format!("fire/{report}/{}", crate::deliver::ledger::fire_stamp(at))
}

/// Claims the fire of `key` at `at` for this daemon, held until the guard is dropped; `None`
/// when another daemon has it or it was handled already.
fn claim_fire(config: &Config, key: &str, at: DateTime<Utc>) -> anyhow::Result<Option<ClaimGuard>> {
    let ledger = Ledger::connect(config)?;
    let name = fire_claim(key, at);
    if !ledger.claim(&name)? {
        tracing::info!(report = %key, fire = %at, "another daemon took this fire");
        return Ok(None);
    }
    let guard = ClaimGuard::hold(config, vec![name]);
    if ledger.fire_done(key, at)? {
        return Ok(None);
    }
    Ok(Some(guard))
}

/// Records a run that panicked outside the run itself as a failed run in the ledger.
fn record_panic(config: &Config, fire: Fire, e: &anyhow::Error) {
    let report = &config.reports[fire.report];
    let period = period_of(config, fire).map(|p| p.label()).unwrap_or_default();
    let recorded = Ledger::connect(config).and_then(|ledger| {
        let id = ledger.run_started(&report.name, &period, "")?;
        ledger.run_finished(id, "failed", "", "", Some(&format!("{e:#}")))
    });
    if let Err(err) = recorded {
        tracing::warn!(error = %err, "cannot record the panicked run");
    }
}

/// Runs, once and oldest first, the periods of fires missed since the last handled one.
async fn catch_up(config: &Config, scheduled: &[(usize, Schedule)], term: &mut tokio::signal::unix::Signal) -> Flow {
    for (report, schedule) in scheduled {
        let name = &config.reports[*report].name;
        let key = name.clone();
        let Ok(Some(last)) = blocking(config, move |ledger| ledger.last_fire(&key)).await else { continue };
        let missed = schedule.fires_between(last, Utc::now(), 1000);
        let mut seen = BTreeSet::new();
        for at in missed {
            let fire = Fire { report: *report, pull: false, at, retry: false };
            let Ok(period) = period_of(config, fire) else { continue };
            if !seen.insert(period.label()) {
                let (key, label) = (name.clone(), period.label());
                if let Err(e) = blocking(config, move |ledger| ledger.record_fire(&key, at, &label)).await {
                    tracing::warn!(error = %format!("{e:#}"), "cannot record a caught-up fire");
                }
                continue;
            }
            tracing::info!(report = %name, missed = %at, period = %period.label(), "catching up a run missed while stopped");
            if run_one(config, fire, term).await == Flow::Stop {
                return Flow::Stop;
            }
        }
    }
    Flow::Go
}
