//! Wires the stages for each command and decides exit codes (2: config/usage, 1: run failed).

use crate::cli::{CheckArgs, Command, RunArgs};
use crate::config::{self, Config, ReportConfig};
use crate::deliver::{self, Outcome};
use crate::metrics::{self, Setup};
use crate::period::Period;
use crate::report::{self, RunData};
use crate::source::{self, values::parse_date};
use anyhow::{Context, anyhow};
use std::path::PathBuf;
use std::time::Instant;

/// A failed command: bad config or usage (exit 2), or a run that failed (exit 1).
#[derive(Debug)]
pub enum Failure {
    Usage(anyhow::Error),
    Run(anyhow::Error),
}

pub fn main(command: Command) -> Result<(), Failure> {
    match command {
        Command::Run(args) => run(&args).map(|_| ()),
        Command::Check(args) => check(&args),
        Command::Generate(args) => crate::generate::generate(&args).map_err(Failure::Run),
    }
}

fn load_config(path: &std::path::Path) -> Result<Config, Failure> {
    config::load(path).map_err(|e| Failure::Usage(e.into()))
}

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
}

/// `tierwise run`: read, compute, write, and (unless --no-email) send.
pub fn run(args: &RunArgs) -> Result<RunOutcome, Failure> {
    let config = load_config(&args.config.config)?;
    let report = config.report(args.config.report.as_deref()).map_err(|e| Failure::Usage(e.into()))?;
    let period = resolve_period(args, report, chrono::Utc::now())?;
    let span = tracing::info_span!("run", report = %report.name, period = %period.label());
    let _guard = span.enter();
    let dir = args.out.clone().unwrap_or_else(|| report.out_dir.join(period.label()));
    let data = compute(&config, report, period).map_err(Failure::Run)?;
    let started = Instant::now();
    // Render first: a broken template must leave no half-written folder behind.
    let rendered = report::render_report(&data).map_err(|e| Failure::Run(e.into()))?;
    let mut files = report::write_data_files(&data, &dir).context("writing the report files").map_err(Failure::Run)?;
    files.extend(report::write_report_files(&rendered, &dir).map_err(|e| Failure::Run(e.into()))?);
    let ms = started.elapsed().as_millis() as u64;
    tracing::info!(dir = %dir.display(), influencers = data.current.influencers.len(), ms, "report written");
    if !args.no_email {
        send(&config, report, &period, &rendered, &dir, args.force).map_err(Failure::Run)?;
    }
    Ok(RunOutcome { dir, files })
}

/// Emails the rendered report, at most once per period unless `force`.
fn send(
    config: &Config,
    report: &ReportConfig,
    period: &Period,
    rendered: &report::render::Rendered,
    dir: &std::path::Path,
    force: bool,
) -> anyhow::Result<()> {
    let Some(email_cfg) = &report.email else {
        tracing::info!("no [report.email] configured; nothing sent");
        return Ok(());
    };
    let label = period.label();
    let subject = deliver::message::subject(email_cfg, &report.name, &label, &rendered.title)?;
    let email = deliver::message::build(email_cfg, &subject, rendered, dir)?;
    let outcome = deliver::deliver(report, &label, email, &config.email, force).context("sending the report")?;
    log_outcome("report", &outcome);
    for statement in &rendered.statements {
        let email = deliver::message::statement(email_cfg, statement)?;
        let record = format!("{label}.statement.{}", statement.influencer_id);
        let outcome = deliver::deliver(report, &record, email, &config.email, force)
            .with_context(|| format!("sending the statement of `{}`", statement.influencer_id))?;
        log_outcome(&format!("statement of {}", statement.influencer_id), &outcome);
    }
    Ok(())
}

fn log_outcome(what: &str, outcome: &Outcome) {
    match outcome {
        Outcome::Sent { message_id, recipients } => tracing::info!(what, %message_id, recipients, "emailed"),
        Outcome::AlreadySent { record } => {
            tracing::info!(what, record = %record.display(), "this period was already emailed; not sent again (use --force to resend)")
        }
        Outcome::Unknown { record } => tracing::warn!(
            what,
            record = %record.display(),
            "an earlier attempt for this period may or may not have been delivered; not resent (check the mailbox, then use --force)"
        ),
        Outcome::NoRecipients => tracing::warn!(what, "no recipients"),
    }
}

/// Reads the inputs and computes the period and the one before it.
pub fn compute<'a>(config: &Config, report: &'a ReportConfig, period: Period) -> anyhow::Result<RunData<'a>> {
    let started = Instant::now();
    let inputs = source::inputs::load(report, &config.base).context("reading the inputs")?;
    let rows: usize = inputs.files.iter().map(|f| f.rows).sum();
    tracing::info!(files = inputs.files.len(), rows, ms = started.elapsed().as_millis() as u64, "inputs read");
    let started = Instant::now();
    let setup = Setup { currency: &report.currency, tiers: &report.tiers, discounts_are_cost: report.discounts_are_cost };
    let prepared = metrics::prepare(&inputs).context("preparing the figures")?;
    let current = metrics::compute(&prepared, &setup, period).context("computing the period")?;
    let previous_period = period.previous();
    let previous = metrics::compute(&prepared, &setup, previous_period).context("computing the previous period")?;
    let mut trend = vec![(period, current.total.clone()), (previous_period, previous.total.clone())];
    let mut earlier = previous_period;
    for _ in 2..report.trend_periods {
        earlier = earlier.previous();
        let figures = metrics::compute(&prepared, &setup, earlier).context("computing the trend")?;
        trend.push((earlier, figures.total));
    }
    trend.reverse();
    let start = match report.campaign_start {
        Some(day) => Some(day),
        None => metrics::earliest_day(&inputs).context("finding the campaign's first day")?,
    };
    let campaign = match start.filter(|s| *s <= period.to).map(|s| Period::new(s, period.to)) {
        Some(Ok(span)) => {
            Some((span, metrics::compute(&prepared, &setup, span).context("computing the campaign to date")?.total))
        }
        _ => None,
    };
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        periods = trend.len(),
        "figures computed: the period, its trend and the campaign to date"
    );
    let unowned = inputs.unowned_accounts.iter().map(|(p, h)| format!("{}:{h}", p.as_str())).collect();
    let orders_as_of = export_times(&inputs.order_files);
    let campaigns: std::collections::BTreeSet<String> =
        inputs.roster.influencers.iter().filter_map(|i| i.campaign.clone()).collect();
    Ok(RunData {
        report,
        period,
        previous_period,
        current,
        previous,
        inputs: inputs.files,
        rejected: inputs.rejected,
        unassigned_costs: inputs.unassigned_costs,
        campaigns: campaigns.into_iter().collect(),
        unowned,
        orders_as_of,
        trend,
        campaign,
        roster: inputs.roster.influencers,
    })
}

/// "orders_export_1.csv written 2026-11-02 07:00 UTC; …": when each order export was written.
fn export_times(files: &[PathBuf]) -> String {
    let times: Vec<String> = files
        .iter()
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            match std::fs::metadata(p).and_then(|m| m.modified()) {
                Ok(t) => format!("{name} written {}", chrono::DateTime::<chrono::Utc>::from(t).format("%Y-%m-%d %H:%M UTC")),
                Err(_) => name,
            }
        })
        .collect();
    if times.is_empty() { "no order exports were read".to_string() } else { times.join("; ") }
}

/// `tierwise check`: the config, then every report's inputs; sends nothing.
fn check(args: &CheckArgs) -> Result<(), Failure> {
    let config = load_config(&args.config.config)?;
    let reports: Vec<&ReportConfig> = match &args.config.report {
        Some(name) => vec![config.report(Some(name)).map_err(|e| Failure::Usage(e.into()))?],
        None => config.reports.iter().collect(),
    };
    for report in reports {
        let inputs = source::inputs::load(report, &config.base)
            .with_context(|| format!("report `{}`", report.name))
            .map_err(Failure::Run)?;
        let rows: usize = inputs.files.iter().map(|f| f.rows).sum();
        let connection = match deliver::transport::test_connection(&config.email) {
            Ok(Some(true)) => "SMTP server answered",
            Ok(Some(false)) => "SMTP server did not accept the connection",
            Ok(None) => "file outbox",
            Err(e) => return Err(Failure::Run(anyhow::Error::from(e).context("trying the SMTP server"))),
        };
        println!(
            "report `{}`: config ok; {} influencers, {} files, {} rows read, {} rows rejected; email: {connection}",
            report.name,
            inputs.roster.influencers.len(),
            inputs.files.len(),
            rows,
            inputs.rejected.len()
        );
    }
    Ok(())
}
