//! `status` (uncertain deliveries first, then who holds which claim since when, then recent
//! runs and deliveries from the ledger) and
//! `check` (config, templates, inputs and the SMTP connection answering NOOP; sends nothing).

use super::{Failure, load_config};
use crate::cli::{CheckArgs, StatusArgs};
use crate::config::ReportConfig;
use crate::deliver::{self, Ledger};
use crate::source;
use anyhow::Context;

/// `tierwise status`.
pub fn status(args: &StatusArgs) -> Result<(), Failure> {
    let config = load_config(&args.config.config)?;
    let ledger = Ledger::connect(&config).map_err(|e| Failure::Run(e.into()))?;
    let read = |e: deliver::ledger::LedgerError| Failure::Run(e.into());
    let unknown = ledger.unknown(args.config.report.as_deref()).map_err(read)?;
    if !unknown.is_empty() {
        println!("UNCERTAIN: these emails may or may not have been delivered (a run stopped while sending).");
        println!("Check the recipients' mailboxes; `tierwise run --period P --force` sends one again.");
        for d in &unknown {
            println!(
                "  {} {} {} to {} (message {}, since {})",
                d.report, d.period, d.kind, d.recipients, d.message_id, d.updated_at
            );
        }
        println!();
    }
    let claims = ledger.claims().map_err(read)?;
    if !claims.is_empty() {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        println!("CLAIMS: what each daemon or run holds (one that ran out is free for another to take):");
        for c in &claims {
            let state = if c.expires < now { "ran out" } else { "held" };
            println!("  {} {state} by {} since {} until {}", c.name, c.holder, c.since, c.expires);
        }
        println!();
    }
    println!("{:<5} {:<20} {:<24} {:<26} {:<9} error", "run", "report", "period", "started", "status");
    for r in ledger.recent_runs(args.limit).map_err(read)? {
        println!(
            "{:<5} {:<20} {:<24} {:<26} {:<9} {}",
            r.id,
            r.report,
            r.period,
            r.started_at,
            r.status,
            r.error.unwrap_or_default()
        );
    }
    println!();
    println!("{:<5} {:<20} {:<24} {:<22} {:<8} recipients", "email", "report", "period", "kind", "state");
    for d in ledger.recent_deliveries(args.limit).map_err(read)? {
        let state = format!("{:?}", d.state).to_lowercase();
        println!("{:<5} {:<20} {:<24} {:<22} {:<8} {}", d.id, d.report, d.period, d.kind, state, d.recipients);
    }
    Ok(())
}

/// `tierwise check`: the config, then every report's inputs; sends nothing.
pub fn check(args: &CheckArgs) -> Result<(), Failure> {
    let config = load_config(&args.config.config)?;
    let reports: Vec<&ReportConfig> = match &args.config.report {
        Some(name) => vec![config.report(Some(name)).map_err(|e| Failure::Usage(e.into()))?],
        None => config.reports.iter().collect(),
    };
    let _downloads = source::remote::DownloadScope::begin();
    for report in reports {
        crate::report::render::templates(report.templates.as_deref())
            .with_context(|| format!("report `{}`: compiling its templates", report.name))
            .map_err(Failure::Usage)?;
        let cache = config.parse_cache.then(|| source::cache::Cache::new(&config.state_dir));
        let inputs = source::inputs::load(report, &config.base, None, cache.as_ref(), None)
            .with_context(|| format!("report `{}`", report.name))
            .map_err(Failure::Run)?;
        let rows: usize = inputs.files.iter().map(|f| f.rows).sum();
        let connection = match deliver::transport::test_connection(&config.email) {
            Ok(Some(true)) => "SMTP server answered",
            Ok(Some(false)) => {
                let server = match &config.email {
                    crate::config::EmailTransport::Smtp { host, port, .. } => format!("{host}:{port}"),
                    crate::config::EmailTransport::File { .. } => String::new(),
                };
                return Err(Failure::Run(anyhow::anyhow!(
                    "the SMTP server `{server}` accepted the connection but did not answer NOOP; nothing would be sent"
                )));
            }
            Ok(None) => "file outbox",
            Err(e) => return Err(Failure::Run(anyhow::Error::from(e).context("trying the SMTP server"))),
        };
        if report.pull.has_apis() {
            check_apis(report, &inputs.roster)?;
        }
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

/// Tries every API the report pulls from with its first account; fails when one refuses.
fn check_apis(report: &ReportConfig, roster: &source::Roster) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Run(anyhow::Error::from(e).context("starting the HTTP runtime")))?;
    let probed = runtime.block_on(crate::pull::probe(report, roster)).map_err(|e| Failure::Run(e.into()))?;
    for (platform, requests, _) in &probed.requests {
        let failed = probed.failures.iter().any(|f| f.starts_with(platform.as_str()));
        let verdict = if failed { "refused" } else { "answered" };
        println!("report `{}`: {} API {verdict} ({requests} requests)", report.name, platform.as_str());
    }
    if probed.shops_pulled && probed.shop_failures.is_empty() {
        println!("report `{}`: shop API answered", report.name);
    }
    let problems: Vec<String> = probed.failures.iter().chain(&probed.shop_failures).cloned().collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::Run(anyhow::anyhow!("report `{}`: an API connection failed:\n  {}", report.name, problems.join("\n  "))))
    }
}
