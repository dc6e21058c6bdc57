//! A synthetic Danish webshop for demos and benchmarks: a roster across every tier, daily
//! follower snapshots and posts on three platforms, costs, and Shopify exports with every
//! gotcha of the real format (continuation rows, ` + ` codes, non-code titles, DST offsets,
//! all statuses, cancellations, overlapping exports, 73- and 79-column headers).

mod people;
mod shop;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Folder to write into (created).
    #[arg(long)]
    pub out: PathBuf,
    /// How many orders to write.
    #[arg(long, default_value_t = 3200)]
    pub orders: usize,
    /// Instead of --orders: write orders until the exports hold this many rows.
    #[arg(long)]
    pub rows: Option<usize>,
    /// How many influencers.
    #[arg(long, default_value_t = 40)]
    pub influencers: usize,
    /// First day of the data (a Monday).
    #[arg(long, default_value = "2026-09-28")]
    pub start: NaiveDate,
    /// Number of weeks.
    #[arg(long, default_value_t = 8)]
    pub weeks: u32,
    #[arg(long, default_value_t = 46)]
    pub seed: u64,
}

/// Writes the data set described by `args`.
pub fn generate(args: &GenerateArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating `{}`", args.out.display()))?;
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let days = args.weeks as i64 * 7;
    let roster = people::roster(&mut rng, args.influencers);
    people::write_roster(&args.out.join("roster.csv"), &roster)?;
    people::write_followers(&args.out.join("followers.csv"), &mut rng, &roster, args.start, days)?;
    let posts = people::write_posts(&args.out.join("posts.csv"), &mut rng, &roster, args.start, days)?;
    people::write_costs(&args.out.join("costs.csv"), &mut rng, &roster, &posts, args.start, days)?;
    let target = match args.rows {
        Some(rows) => shop::Target::Rows(rows),
        None => shop::Target::Orders(args.orders),
    };
    let written = shop::write_exports(&args.out, &mut rng, &roster, &posts, args.start, days, target)?;
    write_config(&args.out, args.start + chrono::Days::new(7 * u64::from(args.weeks.saturating_sub(2))))?;
    tracing::info!(out = %args.out.display(), influencers = roster.len(), orders = written.orders, rows = written.rows, "data set written");
    Ok(())
}

/// A config that reports the ISO week of `week_day` on the generated files, offline.
fn write_config(dir: &Path, week_day: NaiveDate) -> anyhow::Result<()> {
    let week = week_day.iso_week();
    let text = format!(
        "# Written by `tierwise generate`: the generated shop, one week, email into the outbox.\n\
         [[report]]\nname = \"generated\"\nperiod = \"{}-W{:02}\"\nout_dir = \"out\"\n\n\
         [report.inputs]\nroster = \"roster.csv\"\ncosts = \"costs.csv\"\nposts = \"posts.csv\"\n\
         followers = \"followers.csv\"\norders = \"orders_export_*.csv\"\n\n\
         [report.fx]\nEUR = 7.46\n\n[report.email]\nto = [\"marketing@example.com\"]\nfrom = \"tierwise <reports@example.com>\"\n\n\
         [email]\ntransport = \"file\"\noutbox = \"out/outbox\"\n",
        week.year(),
        week.week()
    );
    std::fs::write(dir.join("tierwise.toml"), text).with_context(|| format!("writing `{}`", dir.display()))
}

/// Writes `lines` to `path` through a buffer.
pub(crate) fn write_lines(path: &Path, lines: impl IntoIterator<Item = String>) -> anyhow::Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("creating `{}`", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    for line in lines {
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}

/// One CSV field, quoted when needed.
pub(crate) fn field(value: &str, sep: char) -> String {
    if value.contains([sep, '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value.to_string() }
}
