//! `rerun`: every week or month of a range, the inputs read once for all its periods when it
//! pulls from no API, each period written and recorded as a `run` of it.

use super::keep::InputCopies;
use super::lock::lock_report;
use super::run::{Ahead, Computed, open_ledger, run_period_with, uncertain_deliveries};
use super::send::DeliveryFailure;
use super::{Failure, load_config};
use crate::cli::{Every, RerunArgs};
use crate::config::{Config, ReportConfig};
use crate::metrics::Memo;
use crate::period::Period;
use crate::report;
use crate::source::values::parse_date;
use anyhow::anyhow;
use chrono::{Datelike, Days, Months, NaiveDate};

/// One period's figures on their way to the thread that writes them: ready, or still being
/// rendered on a thread of their own.
enum Pending<'scope, 'a> {
    Ready(Box<Computed<'a>>),
    Rendering(std::thread::ScopedJoinHandle<'scope, Computed<'a>>),
}

/// The periods of a rerun from inputs read once. The next period's figures are computed while
/// this one is written (and sent); when nothing is emailed (`uncertain`: the deliveries each
/// report lists), each period is also rendered on a thread of its own, side by side with the
/// next one's figures and the previous one's writing. The input copies are made once, beside
/// them; returns how that ended.
fn rerun_loaded<'a>(
    config: &Config,
    report: &'a ReportConfig,
    loaded: &'a super::compute::Loaded,
    periods: Vec<Period>,
    uncertain: Option<Vec<String>>,
    run_one: &mut dyn FnMut(Period, Option<Ahead<'_>>),
) -> anyhow::Result<()> {
    let setup = super::compute::setup(report);
    let copies = InputCopies::default();
    std::thread::scope(|s| {
        let (copies, setup) = (&copies, &setup);
        s.spawn(|| copies.make(config, report, &loaded.inputs.files));
        let (tx, rx) = std::sync::mpsc::sync_channel::<Pending<'_, 'a>>(1);
        let ahead = periods.clone();
        s.spawn(move || {
            let mut memo = Memo::new(&loaded.prepared, setup);
            for period in ahead {
                let span = tracing::info_span!("ahead", report = %report.name, period = %period.label());
                let data = span.in_scope(|| caught(|| super::compute::run_data(report, loaded, &mut memo, period)));
                let pending = match &uncertain {
                    None => Pending::Ready(Box::new(data.map(|data| (data, None)))),
                    Some(uncertain) => {
                        let uncertain = uncertain.clone();
                        Pending::Rendering(s.spawn(move || {
                            span.in_scope(|| {
                                let mut data = data?;
                                data.uncertain = uncertain;
                                let draft = caught(|| Ok(report::draft(&data)?))?;
                                Ok((data, Some(draft)))
                            })
                        }))
                    }
                };
                if tx.send(pending).is_err() {
                    break;
                }
            }
        });
        for period in periods {
            let data = match rx.recv() {
                Ok(Pending::Ready(data)) => *data,
                Ok(Pending::Rendering(rendering)) => rendering.join().unwrap_or_else(|panic| Err(panicked(&*panic))),
                Err(_) => Err(anyhow!("computing the figures stopped")),
            };
            run_one(period, Some(Ahead { data, copies }));
        }
        copies.wait()
    })
}

/// `work`'s result; a panic (a bug) becomes the period's error.
fn caught<T>(work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|panic| Err(panicked(&*panic)))
}

fn panicked(panic: &(dyn std::any::Any + Send)) -> anyhow::Error {
    anyhow!("the run panicked: {}", crate::faults::panic_message(panic))
}

/// The periods of `every` that touch `[from, to]`: ISO weeks Monday to Sunday, or months.
pub fn periods_between(from: NaiveDate, to: NaiveDate, every: Every) -> Vec<Period> {
    let mut out = Vec::new();
    let mut start = match every {
        Every::Week => from - Days::new(u64::from(from.weekday().num_days_from_monday())),
        Every::Month => from.with_day(1).unwrap_or(from),
    };
    while start <= to {
        let next = match every {
            Every::Week => start + Days::new(7),
            Every::Month => start + Months::new(1),
        };
        if let Some(end) = next.pred_opt() {
            out.push(Period { from: start, to: end });
        }
        start = next;
    }
    out
}

/// `tierwise rerun`: every week or month of a range, with a progress bar; email only with --email.
pub fn rerun(args: &RerunArgs) -> Result<(), Failure> {
    let config = load_config(&args.config.config)?;
    let report = config.report(args.config.report.as_deref()).map_err(|e| Failure::Usage(e.into()))?;
    let day = |s: &str, flag: &str| parse_date(s).map_err(|e| Failure::Usage(anyhow!("--{flag} {s:?} {e}")));
    let (from, to) = (day(&args.from, "from")?, day(&args.to, "to")?);
    Period::new(from, to).map_err(|e| Failure::Usage(e.into()))?;
    let today = crate::faults::now().with_timezone(&report.timezone).date_naive();
    if from > today {
        return Err(Failure::Usage(anyhow!("--from {from} has not come yet: today is {today} in {}", report.timezone)));
    }
    let mut periods = periods_between(from, to, args.every);
    let later = periods.iter().filter(|p| p.from > today).count();
    if later > 0 {
        tracing::warn!(periods = later, %today, "periods that have not started are left out");
        periods.retain(|p| p.from <= today);
    }
    let _lock = lock_report(&config, &report.name)?;
    let ledger = open_ledger(&config)?;
    let bar = indicatif::ProgressBar::new(periods.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed_precise}, {eta} left]")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // Without API pulls every period reads the same files: they are read once for all.
    let loaded = match (report.pull.has_apis(), periods.first()) {
        (false, Some(first)) => match super::compute::load(&config, report, first) {
            Ok(loaded) => Some(loaded),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "reading the inputs failed; each period tries again");
                None
            }
        },
        _ => None,
    };
    let (ledger, bar) = (&ledger, &bar);
    let mut failed = Vec::new();
    let mut worst = 1;
    let mut run_one = |period: Period, ahead: Option<Ahead<'_>>| {
        bar.set_message(period.label());
        let dir = report.out_dir.join(period.label());
        // A period still in progress is reported but emailed only with --force (as `run`).
        let email = args.email.then_some(args.force).filter(|force| *force || period.to < today);
        if let Err(e) = run_period_with(&config, ledger, report, period, &dir, email, ahead) {
            if let Some(f) = e.downcast_ref::<DeliveryFailure>() {
                worst = worst.max(f.exit_code());
            }
            bar.suspend(|| eprintln!("error: {} {}: {e:#}", report.name, period.label()));
            failed.push(period.label());
        }
        bar.inc(1);
    };
    let kept = match &loaded {
        Some(loaded) => {
            // Without email no delivery changes during the rerun: its uncertain ones are read once.
            let uncertain = if args.email { None } else { Some(uncertain_deliveries(ledger, report).map_err(Failure::Run)?) };
            rerun_loaded(&config, report, loaded, periods, uncertain, &mut run_one)
        }
        None => {
            periods.into_iter().for_each(|period| run_one(period, None));
            Ok(())
        }
    };
    bar.finish_with_message("done");
    let mut problems = Vec::new();
    if !failed.is_empty() {
        problems.push(format!("{} period(s) failed: {}", failed.len(), failed.join(", ")));
    }
    if let Err(e) = kept {
        problems.push(format!("the input copies were not kept: {e:#}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let e = anyhow!("{}", problems.join("; "));
        Err(match worst {
            4 => Failure::Uncertain(e),
            5 => Failure::Partial(e),
            _ => Failure::Run(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_and_months_touching_a_range() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let weeks = periods_between(d("2026-10-14"), d("2026-10-27"), Every::Week);
        let labels: Vec<String> = weeks.iter().map(Period::label).collect();
        assert_eq!(labels, ["2026-W42", "2026-W43", "2026-W44"]);
        let months = periods_between(d("2026-11-30"), d("2027-01-01"), Every::Month);
        let labels: Vec<String> = months.iter().map(Period::label).collect();
        assert_eq!(labels, ["2026-11", "2026-12", "2027-01"]);
    }
}
