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
