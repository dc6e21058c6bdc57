//! The few lines `tierwise run` prints when it is done (unless `--quiet`): the period, the
//! headline figures and every data-quality problem with its count, so a person at the terminal
//! sees what the report says without opening it.

use super::RunData;
use super::format::{Fmt, Locale};

/// Codes named in the unmatched-codes line; the rest are counted.
const NAMED: usize = 5;

/// The summary of a run whose files are in `dir`.
pub fn summary(data: &RunData<'_>, dir: &std::path::Path) -> String {
    let fmt = Fmt { locale: Locale::En, currency: data.report.currency.clone() };
    let total = &data.current.total;
    let q = &data.current.quality;
    let mut out = format!(
        "{} {} ({} – {}, {})\n",
        data.report.name,
        data.period.label(),
        data.period.from,
        data.period.to,
        data.report.timezone.name()
    );
    out.push_str(&format!(
        "  revenue {}, cost {}, ROI {}; {} influencers, {} orders\n",
        fmt.money(total.revenue),
        fmt.money(total.cost),
        fmt.pct_value(total.roi_pct),
        fmt.count(data.current.influencers.len() as i64),
        fmt.count(total.orders)
    ));
    let unmatched_orders: usize = q.unmatched_codes.iter().map(|c| c.orders).sum();
    let mut names: Vec<String> = q.unmatched_codes.iter().take(NAMED).map(|c| super::digest::cut(&c.code)).collect();
    if q.unmatched_codes.len() > NAMED {
        names.push(format!("+{} more", q.unmatched_codes.len() - NAMED));
    }
    let not_pulled = data.api.as_ref().map_or(0, |a| a.accounts_not_pulled.len());
    let mut lines = vec![
        format!("{} attribution conflicts (orders with codes of two influencers)", q.attribution_conflicts),
        match names.is_empty() {
            true => "0 unmatched codes".to_string(),
            false => format!("{} unmatched codes on {unmatched_orders} orders: {}", q.unmatched_codes.len(), names.join(", ")),
        },
        format!("{} rows rejected", q.rows_rejected),
        format!("{not_pulled} accounts not pulled"),
        format!("{} uncertain deliveries", data.uncertain.len()),
    ];
    for (n, what) in [
        (q.posts_without_followers, "posts without a follower count"),
        (data.unowned.len(), "accounts in the stats that nobody in the roster owns"),
        (data.unassigned_costs.len(), "cost rows for influencers not in the roster"),
    ] {
        if n > 0 {
            lines.push(format!("{n} {what}"));
        }
    }
    out.push_str("  data quality:\n");
    for line in lines {
        out.push_str(&format!("    {line}\n"));
    }
    out.push_str(&format!("  report: {}\n", dir.join("report.html").display()));
    out
}
