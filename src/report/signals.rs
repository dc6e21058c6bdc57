//! The heuristic signals in words: leaked codes and audience quality, as recommendations
//! (with the figures and thresholds they rest on) and as data-quality lines.

use super::advice::Advice;
use super::format::Fmt;
use super::i18n::Labels;
use crate::metrics::{FigureRow, Figures};
use crate::metrics::{FollowerJump, LeakSignal, LowEngagement};

struct Words<'a> {
    labels: &'a Labels,
    fmt: &'a Fmt,
    /// Each influencer's name to show, by id.
    names: std::collections::HashMap<&'a str, &'a str>,
}

impl<'a> Words<'a> {
    fn new(labels: &'a Labels, fmt: &'a Fmt, people: &'a [FigureRow]) -> Self {
        Self { labels, fmt, names: people.iter().map(|r| (r.influencer_id.as_str(), r.display_name())).collect() }
    }

    fn name(&self, id: &str) -> String {
        self.names.get(id).copied().unwrap_or(id).to_string()
    }

    fn leak(&self, s: &LeakSignal) -> String {
        let mut parts = Vec::new();
        if s.quiet {
            parts.push(
                self.labels
                    .fill("sig_leak_quiet", &[("name", &self.name(&s.influencer_id)), ("days", &s.quiet_days.to_string())]),
            );
        }
        if s.surge {
            parts.push(self.labels.fill(
                "sig_leak_surge",
                &[
                    ("mean", &self.fmt.number(s.earlier_mean, 1)),
                    ("periods", &s.earlier_periods.to_string()),
                    ("factor", &self.fmt.number(s.surge_factor, 1)),
                ],
            ));
        }
        self.labels.fill(
            "sig_leak",
            &[
                ("orders", &self.fmt.count(s.orders)),
                ("revenue", &self.fmt.money(s.revenue)),
                ("code", &s.code),
                ("why", &parts.join("; ")),
            ],
        )
    }

    fn jump(&self, j: &FollowerJump) -> String {
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| self.labels.date(d)).unwrap_or_default();
        self.labels.fill(
            "sig_jump",
            &[
                ("platform", &j.platform),
                ("handle", &j.handle),
                ("before", &self.fmt.count(j.before)),
                ("after", &self.fmt.count(j.after)),
                ("share", &self.fmt.percent(Some(j.share), 0)),
                ("from", &date(j.from)),
                ("to", &date(j.to)),
            ],
        )
    }

    fn low(&self, l: &LowEngagement) -> String {
        self.labels.fill(
            "sig_low_er",
            &[
                ("rate", &self.fmt.percent(Some(l.engagement_rate), 2)),
                ("floor", &self.fmt.percent(Some(l.floor), 0)),
                ("tier", &l.tier),
                ("low", &self.fmt.percent(Some(l.benchmark_low), 0)),
            ],
        )
    }
}

/// Recommendations from the signals, one list per kind (leaked codes, follower jumps, low
/// engagement) with a weight to rank them by (revenue through the code; the size of the jump;
/// the gap under the floor); every text names its figures and thresholds and calls itself a
/// heuristic.
pub fn advice(figures: &Figures, labels: &Labels, fmt: &Fmt) -> [Vec<(f64, Advice)>; 3] {
    let w = Words::new(labels, fmt, &figures.influencers);
    let q = &figures.quality;
    let leaks = q
        .leaked_codes
        .iter()
        .map(|s| {
            let subject = labels.fill("code_subject", &[("code", &s.code)]);
            let text = labels.fill("adv_leak", &[("what", &w.leak(s))]);
            (s.revenue, Advice { subject, text, at_stake: fmt.money(s.revenue) })
        })
        .collect();
    let jumps = q
        .follower_jumps
        .iter()
        .map(|j| {
            let text = labels.fill("adv_audience", &[("what", &w.jump(j))]);
            (j.share.abs(), Advice { subject: w.name(&j.influencer_id), text, at_stake: String::new() })
        })
        .collect();
    let low = q
        .low_engagement
        .iter()
        .map(|l| {
            let text = labels.fill("adv_audience", &[("what", &w.low(l))]);
            (
                l.benchmark_low * l.floor - l.engagement_rate,
                Advice { subject: w.name(&l.influencer_id), text, at_stake: String::new() },
            )
        })
        .collect();
    [leaks, jumps, low]
}

/// At most this many lines of each signal in the data-quality section; summary.json has all.
const LINES: usize = 20;

fn capped(mut lines: Vec<String>, labels: &Labels) -> Vec<String> {
    if lines.len() > LINES {
        let more = lines.len() - LINES;
        lines.truncate(LINES);
        lines.push(labels.fill("sig_more", &[("count", &more.to_string())]));
    }
    lines
}

/// Data-quality lines: (leaked codes, audience signals), each "name: what", at most `LINES`
/// of each and then how many more.
pub fn quality_lines(figures: &Figures, labels: &Labels, fmt: &Fmt) -> (Vec<String>, Vec<String>) {
    let w = Words::new(labels, fmt, &figures.influencers);
    let q = &figures.quality;
    let leaks = q.leaked_codes.iter().map(|s| format!("{}: {}", w.name(&s.influencer_id), w.leak(s))).collect();
    let mut audience: Vec<String> =
        q.follower_jumps.iter().map(|j| format!("{}: {}", w.name(&j.influencer_id), w.jump(j))).collect();
    audience.extend(q.low_engagement.iter().map(|l| format!("{}: {}", w.name(&l.influencer_id), w.low(l))));
    (capped(leaks, labels), capped(audience, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_quality_lines_stop_at_twenty_and_say_how_many_more() {
        let labels = Labels::load(crate::report::format::Locale::En, None).unwrap();
        let lines: Vec<String> = (0..25).map(|i| format!("line {i}")).collect();
        let out = capped(lines, &labels);
        assert_eq!(out.len(), LINES + 1);
        assert_eq!(out[LINES - 1], "line 19");
        assert_eq!(out[LINES], "… and 5 more (all in summary.json)");
        assert_eq!(capped(vec!["a".into()], &labels), ["a"]);
    }
}
