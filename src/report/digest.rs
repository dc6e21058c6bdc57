//! The email is a digest: whatever the roster's size it carries a bounded number of rows (the
//! best and weakest influencers by ROI, the most used codes, the unmatched codes that matter)
//! and data quality as counts, each cut to a bounded length, so its HTML part stays under
//! Gmail's clip limit. The complete tables are in report.html and the attachments.

use super::RunData;
use super::context::{CodeView, RowView};
use super::format::Fmt;
use super::i18n::Labels;
use serde::Serialize;

/// Codes with the most orders listed in the email.
pub const CODES: usize = 10;
/// Unmatched codes listed in the email.
pub const UNMATCHED: usize = 5;
/// Data-quality examples (rejected rows, unowned accounts) named in the email.
const EXAMPLES: usize = 3;
/// Longest text taken from the inputs (a name, a code, a rejected row) shown in the email.
const TEXT: usize = 80;

#[derive(Debug, Clone, Serialize, Default)]
pub struct DigestView {
    /// The best influencers by ROI (every influencer when the roster is small), best first.
    pub top: Vec<RowView>,
    /// The weakest influencers with an ROI, best first (empty when `top` holds everyone).
    pub bottom: Vec<RowView>,
    pub top_title: String,
    pub bottom_title: String,
    /// How many more influencers there are and where they are.
    pub rows_line: String,
    pub codes: Vec<CodeView>,
    pub codes_line: String,
    pub unmatched: Vec<CodeView>,
    pub unmatched_line: String,
    /// Data quality, one short line per problem found.
    pub quality: Vec<String>,
    /// How many recommendations report.html has beyond the actions.
    pub advice_line: String,
}

/// `text` cut to `TEXT` characters with an ellipsis.
pub fn cut(text: &str) -> String {
    if text.chars().count() <= TEXT {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(TEXT - 1).collect::<String>())
    }
}

fn cut_row(r: &RowView) -> RowView {
    RowView { name: cut(&r.name), tier: cut(&r.tier), ..r.clone() }
}

fn cut_code(c: &CodeView) -> CodeView {
    CodeView { code: cut(&c.code), influencer: cut(&c.influencer), ..c.clone() }
}

/// What the email shows of a context's full lists.
pub struct Full<'a> {
    /// By ROI, best first; those without an ROI last.
    pub influencers: &'a [RowView],
    /// How many of `influencers` have an ROI (they come first).
    pub with_roi: usize,
    /// By orders, most first.
    pub codes: &'a [CodeView],
    pub unmatched: &'a [CodeView],
    pub recommendations: usize,
    pub actions: usize,
}

pub fn build(data: &RunData<'_>, full: &Full<'_>, labels: &Labels, fmt: &Fmt) -> DigestView {
    let n = data.report.digest_rows;
    let count = full.influencers.len();
    let (top, bottom) = if count <= 2 * n {
        (full.influencers.to_vec(), Vec::new())
    } else {
        let from = full.with_roi.saturating_sub(n).max(n);
        (full.influencers[..n].to_vec(), full.influencers[from..full.with_roi.max(from)].to_vec())
    };
    let shown = top.len() + bottom.len();
    let rows_line = if shown == count {
        labels.fill("digest_all", &[("count", &fmt.count(count as i64))])
    } else {
        labels.fill("digest_more", &[("more", &fmt.count((count - shown) as i64)), ("count", &fmt.count(count as i64))])
    };
    let more = |total: usize, shown: usize, key: &str| {
        if total > shown { labels.fill(key, &[("more", &fmt.count((total - shown) as i64))]) } else { String::new() }
    };
    let q = &data.current.quality;
    let mut quality = Vec::new();
    let mut line = |key: &str, n: usize, examples: &[String]| {
        if n > 0 {
            let mut text = format!("{}: {}", labels.get(key), fmt.count(n as i64));
            let named: Vec<String> = examples.iter().take(EXAMPLES).map(|e| cut(e)).collect();
            if !named.is_empty() {
                text.push_str(&format!(" ({}{})", named.join("; "), if examples.len() > EXAMPLES { "; …" } else { "" }));
            }
            quality.push(text);
        }
    };
    line("q_rejected", q.rows_rejected, &data.rejected);
    line("q_conflicts", q.attribution_conflicts, &[]);
    line("q_unmatched", q.unmatched_codes.len(), &[]);
    line("q_titles", q.discounts_without_code.len(), &[]);
    let leaks: Vec<String> = q.leaked_codes.iter().map(|l| l.code.clone()).collect();
    line("q_leaks", leaks.len(), &leaks);
    line("q_audience", q.follower_jumps.len() + q.low_engagement.len(), &[]);
    line("q_without_followers", q.posts_without_followers, &[]);
    line("q_unowned", data.unowned.len(), &data.unowned);
    line("q_unassigned", data.unassigned_costs.len(), &[]);
    let not_pulled = data.api.as_ref().map_or(0, |a| a.accounts_not_pulled.len());
    line("q_not_pulled", not_pulled, &[]);
    line("q_uncertain", data.uncertain.len(), &[]);
    let missing: Vec<String> =
        q.metrics_missing.iter().filter(|(_, n)| **n > 0).map(|(m, n)| format!("{m} {}", fmt.count(*n as i64))).collect();
    if !missing.is_empty() {
        quality.push(format!("{}: {}", labels.get("q_missing"), missing.join(", ")));
    }
    if quality.is_empty() {
        quality.push(labels.get("digest_quality_ok"));
    }
    DigestView {
        top_title: labels.fill(
            if bottom.is_empty() { "influencers_by_roi_all" } else { "digest_top" },
            &[("n", &fmt.count(top.len() as i64))],
        ),
        bottom_title: labels.fill("digest_bottom", &[("n", &fmt.count(bottom.len() as i64))]),
        top: top.iter().map(cut_row).collect(),
        bottom: bottom.iter().map(cut_row).collect(),
        rows_line,
        codes: full.codes.iter().take(CODES).map(cut_code).collect(),
        codes_line: more(full.codes.len(), CODES, "digest_codes_more"),
        unmatched: full.unmatched.iter().take(UNMATCHED).map(cut_code).collect(),
        unmatched_line: more(full.unmatched.len(), UNMATCHED, "digest_unmatched_more"),
        quality,
        advice_line: if full.recommendations > full.actions {
            labels.fill("digest_advice_more", &[("count", &fmt.count(full.recommendations as i64))])
        } else {
            String::new()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut() {
        assert_eq!(cut("Anna"), "Anna");
        let long = "x".repeat(500);
        assert_eq!(cut(&long).chars().count(), TEXT);
        assert!(cut(&long).ends_with('…'));
    }
}
