//! The command line: `run` and `check` (and a hidden demo-data generator).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "tierwise", version, about = "Influencer and tier ROI reports from social stats and shop exports")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log filter (also RUST_LOG), e.g. `debug` or `tierwise=trace`.
    #[arg(long, global = true, default_value = "info")]
    pub log: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute one report for a period, write its files and email it.
    Run(RunArgs),
    /// Validate the config and read every input; sends nothing.
    Check(CheckArgs),
    /// Pull every report's API sources and keep them as snapshots; reports nothing.
    Pull(ConfigArgs),
    /// Report every week or month of a date range (backfill), with progress; no email unless --email.
    Rerun(RerunArgs),
    /// Recent runs and deliveries, and any email whose delivery is uncertain.
    Status(StatusArgs),
    /// Run every report on its `schedule`, in its time zone, until SIGTERM.
    Daemon(DaemonArgs),
    /// Write a synthetic shop (roster, stats, costs, Shopify exports) for demos and benchmarks.
    #[command(hide = true)]
    Generate(crate::generate::GenerateArgs),
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The config file.
    #[arg(long, default_value = "config/tierwise.toml")]
    pub config: PathBuf,
    /// Which `[[report]]` (by name); default: the first.
    #[arg(long)]
    pub report: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// last-week, last-month, YYYY-Www or YYYY-MM; default: the report's `period`.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub period: Option<String>,
    /// First day (YYYY-MM-DD), with --to.
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// Last day, inclusive (YYYY-MM-DD), with --from.
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Write the files into this folder instead of `out_dir/<period>/`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the files but send no email.
    #[arg(long)]
    pub no_email: bool,
    /// Send even if this period was already sent.
    #[arg(long)]
    pub force: bool,
    /// Print no summary (period, figures, data-quality counts) when done.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The log filter for a `RUST_LOG` or `--log` value: a bare level (`debug`) applies to
/// tierwise's own lines, while other crates stay at `info` at most (the HTML parser's trace is
/// one line per character); directives naming a target (`html5ever=trace`) are kept.
pub fn log_filter(spec: &str) -> String {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let mut global = "info".to_string();
    let mut own = None;
    let mut targeted = Vec::new();
    for d in spec.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        match LEVELS.iter().position(|l| l.eq_ignore_ascii_case(d)) {
            Some(i) => {
                own = Some(LEVELS[i]);
                global = LEVELS[i.min(3)].to_string();
            }
            None => targeted.push(d.to_string()),
        }
    }
    let mut out = vec![global, "tokio_cron_scheduler=warn".to_string()];
    if let Some(level) = own {
        out.push(format!("tierwise={level}"));
    }
    out.extend(targeted);
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::log_filter;

    #[test]
    fn a_bare_level_is_tierwise_own() {
        assert_eq!(log_filter("debug"), "info,tokio_cron_scheduler=warn,tierwise=debug");
        assert_eq!(log_filter("warn"), "warn,tokio_cron_scheduler=warn,tierwise=warn");
        assert_eq!(log_filter("info,html5ever=trace"), "info,tokio_cron_scheduler=warn,tierwise=info,html5ever=trace");
        assert_eq!(log_filter("tierwise=trace"), "info,tokio_cron_scheduler=warn,tierwise=trace");
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Every {
    Week,
    Month,
}

#[derive(Debug, Args)]
pub struct RerunArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// First day of the range (YYYY-MM-DD).
    #[arg(long)]
    pub from: String,
    /// Last day of the range, inclusive.
    #[arg(long)]
    pub to: String,
    /// One report per ISO week or per calendar month touching the range.
    #[arg(long, value_enum, default_value = "week")]
    pub every: Every,
    /// Email each period too (once per period, as `run` does).
    #[arg(long)]
    pub email: bool,
    /// With --email: send again periods that were already sent.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// The config file.
    #[arg(long, default_value = "config/tierwise.toml")]
    pub config: PathBuf,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// How many runs and deliveries to show.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
}
