//! Plain-language recommendations from the gaps between the period's figures and the report's
//! benchmarks. Every recommendation names the figures it rests on and where the benchmark is
//! from.

use super::format::Fmt;
use super::i18n::Labels;
use crate::benchmarks::Benchmarks;
use crate::metrics::{FigureRow, Figures};
use serde::Serialize;

/// One recommendation: what to look at, and the figures behind it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Advice {
    pub subject: String,
    pub text: String,
    /// The money at stake, formatted (empty when the recommendation is not about money).
    pub at_stake: String,
}

/// The period's recommendations: all of them for report.html, and the few with the most money
/// at stake for the top of the email.
#[derive(Debug, Clone, Default)]
pub struct Recommendations {
    pub all: Vec<Advice>,
    /// At most `ACTIONS`, most money at stake first.
    pub actions: Vec<Advice>,
}

/// How many actions the email leads with.
pub const ACTIONS: usize = 5;

/// How far from a benchmark a figure must be before it is called out.
const FAR: f64 = 2.0;

/// Recommendations of one kind shown in full; the others are named in one line.
const SHOWN_PER_KIND: usize = 3;

/// How many of the others are named.
const NAMED: usize = 5;

/// A candidate recommendation and the money at stake, for ranking. Its text is written only
/// when it is shown: of thousands of influencers most candidates are only counted or named.
#[derive(Clone)]
struct Ranked<'a> {
    weight: f64,
    /// `weight` is money (not, say, a count of orders).
    money: bool,
    subject: String,
    text: Text<'a>,
}

/// A candidate's text and money at stake: written, or to be written.
#[derive(Clone)]
enum Text<'a> {
    Written { text: String, at_stake: String },
    Later(std::rc::Rc<dyn Fn() -> (String, String) + 'a>),
}

impl<'a> Ranked<'a> {
    fn written(weight: f64, money: bool, advice: Advice) -> Self {
        Ranked { weight, money, subject: advice.subject, text: Text::Written { text: advice.text, at_stake: advice.at_stake } }
    }

    fn advice(&self) -> Advice {
        let (text, at_stake) = match &self.text {
            Text::Written { text, at_stake } => (text.clone(), at_stake.clone()),
            Text::Later(write) => write(),
        };
        Advice { subject: self.subject.clone(), text, at_stake }
    }
}

fn by_weight(found: &mut [Ranked<'_>]) {
    found.sort_by(|a, b| b.weight.partial_cmp(&a.weight).unwrap_or(std::cmp::Ordering::Equal));
}

/// The weightiest `SHOWN_PER_KIND` of one kind, then one line naming the others.
fn top(mut found: Vec<Ranked<'_>>, labels: &Labels) -> Vec<Advice> {
    by_weight(&mut found);
    let rest: Vec<String> = found.iter().skip(SHOWN_PER_KIND).map(|r| r.subject.clone()).collect();
    let mut out: Vec<Advice> = found.iter().take(SHOWN_PER_KIND).map(Ranked::advice).collect();
    if !out.is_empty() && !rest.is_empty() {
        let mut names = rest.iter().take(NAMED).cloned().collect::<Vec<_>>().join(", ");
        if rest.len() > NAMED {
            names.push_str(&format!(" (+{})", rest.len() - NAMED));
        }
        out.push(Advice {
            subject: labels.fill("adv_more_subject", &[("count", &rest.len().to_string())]),
            text: labels.fill("adv_more", &[("names", &names)]),
            at_stake: String::new(),
        });
    }
    out
}

struct Writer<'a> {
    labels: &'a Labels,
    fmt: &'a Fmt,
    benchmarks: &'a Benchmarks,
}

/// Recommendations for the period, most pressing first, and the actions with the most money
/// at stake.
pub fn recommend(figures: &Figures, benchmarks: &Benchmarks, labels: &Labels, fmt: &Fmt) -> Recommendations {
    let w = Writer { labels, fmt, benchmarks };
    let people = &figures.influencers;
    let low: std::collections::HashSet<&str> = figures.quality.low_engagement.iter().map(|l| l.influencer_id.as_str()).collect();
    let flagged = |r: &&FigureRow| !low.contains(r.influencer_id.as_str());
    let kinds: Vec<Vec<Ranked>> = vec![
        people.iter().filter_map(|r| w.silent(r)).collect(),
        people.iter().filter_map(|r| w.return_gap(r)).collect(),
        people.iter().filter_map(|r| w.fee_gap(r)).collect(),
        // An influencer flagged by the audience signal is advised there, with its threshold.
        people.iter().filter(flagged).filter_map(|r| w.engagement_gap(r, || r.display_name().to_string())).collect(),
        figures
            .quality
            .unmatched_codes
            .iter()
            .map(|code| {
                let advice = Advice {
                    subject: labels.fill("code_subject", &[("code", &code.code)]),
                    text: labels.fill("adv_code", &[("orders", &fmt.count(code.orders as i64))]),
                    at_stake: String::new(),
                };
                Ranked::written(code.orders as f64, false, advice)
            })
            .collect(),
    ];
    let tier_gaps: Vec<Ranked> =
        figures.tiers.iter().filter_map(|t| w.engagement_gap(t, || labels.fill("tier_subject", &[("tier", &t.tier)]))).collect();
    // The signals, per kind: a leaked code's weight is the revenue through it (money at stake);
    // the audience signals' weights are not money.
    let signal_kinds: Vec<Vec<Ranked>> = super::signals::advice(figures, labels, fmt)
        .into_iter()
        .enumerate()
        .map(|(k, kind)| kind.into_iter().map(|(weight, advice)| Ranked::written(weight, k == 0, advice)).collect())
        .collect();
    let mut singles: Vec<Ranked> = Vec::new();
    if figures.quality.attribution_conflicts > 0 {
        let advice = Advice {
            subject: labels.get("adv_shared_subject"),
            text: labels.fill("adv_shared", &[("count", &fmt.count(figures.quality.attribution_conflicts as i64))]),
            at_stake: String::new(),
        };
        singles.push(Ranked::written(0.0, false, advice));
    }
    let best = people
        .iter()
        .filter(|r| r.roi_pct.is_some_and(|v| v > 0.0))
        .max_by(|a, b| a.roi_pct.partial_cmp(&b.roi_pct).unwrap_or(std::cmp::Ordering::Equal));
    if let Some(best) = best {
        // What keeping them is worth: the period's profit from them.
        let profit = best.revenue - best.cost;
        let advice = Advice {
            subject: best.display_name().to_string(),
            text: labels.fill(
                "adv_best",
                &[
                    ("roi", &fmt.pct_value(best.roi_pct)),
                    ("revenue", &fmt.money(best.revenue)),
                    ("orders", &fmt.count(best.orders)),
                ],
            ),
            at_stake: fmt.money(profit),
        };
        singles.push(Ranked::written(profit, true, advice));
    }
    let mut candidates: Vec<Ranked> = kinds
        .iter()
        .chain(&signal_kinds)
        .flatten()
        .chain(&tier_gaps)
        .chain(&singles)
        .filter(|r| r.money && r.weight > 0.0)
        .cloned()
        .collect();
    by_weight(&mut candidates);
    let mut actions: Vec<Advice> = candidates.iter().take(ACTIONS).map(Ranked::advice).collect();
    // Fewer than three about money: the others that need doing (unknown codes, shared orders).
    for r in kinds.iter().flatten().chain(&singles).filter(|r| !r.money) {
        if actions.len() >= 3 {
            break;
        }
        actions.push(r.advice());
    }
    let mut all: Vec<Advice> = Vec::new();
    let mut kinds = kinds.into_iter();
    for kind in kinds.by_ref().take(4) {
        all.extend(top(kind, labels));
    }
    all.extend(tier_gaps.iter().map(Ranked::advice));
    for kind in kinds {
        all.extend(top(kind, labels));
    }
    for kind in signal_kinds {
        all.extend(top(kind, labels));
    }
    all.extend(singles.iter().map(Ranked::advice));
    Recommendations { all, actions }
}

impl<'a> Writer<'a> {
    /// A money candidate whose text `write` writes when it is shown.
    fn ranked(&self, weight: f64, subject: String, write: impl Fn() -> String + 'a) -> Ranked<'a> {
        let fmt = self.fmt;
        let text = move || (write(), if weight > 0.0 { fmt.money(weight) } else { String::new() });
        Ranked { weight, money: true, subject, text: Text::Later(std::rc::Rc::new(text)) }
    }

    /// Paid this period, but no posts. Weight: what was paid.
    fn silent(&self, r: &'a FigureRow) -> Option<Ranked<'a>> {
        if !(r.cost_rows > 0.0 && r.posts == 0) {
            return None;
        }
        let (labels, fmt) = (self.labels, self.fmt);
        let text = move || labels.fill("adv_silent", &[("paid", &fmt.money(r.cost_rows)), ("orders", &fmt.count(r.orders))]);
        Some(self.ranked(r.cost_rows, r.display_name().into(), text))
    }

    /// Engagement rate under half the tier's expected low end. Weight: the cost.
    fn engagement_gap(&self, r: &'a FigureRow, subject: impl FnOnce() -> String) -> Option<Ranked<'a>> {
        let rate = r.engagement_rate?;
        let bench = self.benchmarks.engagement_for(&r.tier)?;
        if rate >= bench.low / FAR {
            return None;
        }
        let (labels, fmt) = (self.labels, self.fmt);
        let text = move || {
            labels.fill(
                "adv_er",
                &[
                    ("rate", &fmt.percent(Some(rate), 1)),
                    ("tier", &r.tier),
                    ("low", &fmt.percent(Some(bench.low), 0)),
                    ("high", &fmt.percent(Some(bench.high), 0)),
                    ("source", &source_name(&bench.source, labels)),
                ],
            )
        };
        Some(self.ranked(r.cost, subject(), text))
    }

    /// Return per unit spent under half of what accounts of this size bring. Weight: the money
    /// lost (cost − revenue).
    fn return_gap(&self, r: &'a FigureRow) -> Option<Ranked<'a>> {
        let roas = r.roas?;
        let (bench, _) = self.benchmarks.return_for(r.followers?)?;
        if r.cost <= 0.0 || roas >= bench.roas / FAR {
            return None;
        }
        let (labels, fmt) = (self.labels, self.fmt);
        let text = move || {
            labels.fill(
                "adv_roi",
                &[
                    ("roas", &fmt.ratio(Some(roas))),
                    ("roi", &fmt.pct_value(r.roi_pct)),
                    ("expected", &fmt.number(bench.roas, 0)),
                    ("followers", &fmt.opt_count(r.followers)),
                    ("source", &source_name(&bench.source, labels)),
                ],
            )
        };
        Some(self.ranked(r.cost - r.revenue, r.display_name().into(), text))
    }

    /// Fee per post far above the rule of thumb for the follower count. Weight: the fees paid
    /// above the rule.
    fn fee_gap(&self, r: &'a FigureRow) -> Option<Ranked<'a>> {
        let rule = self.benchmarks.fee.as_ref()?;
        let followers = r.followers.filter(|f| *f > 0)?;
        if r.posts == 0 || r.fees <= 0.0 {
            return None;
        }
        let per_post = r.fees / r.posts as f64;
        let fair = rule.amount * followers as f64 / rule.per_followers as f64;
        let times = per_post / fair;
        if times <= FAR {
            return None;
        }
        let (labels, fmt) = (self.labels, self.fmt);
        let text = move || {
            labels.fill(
                "adv_fee",
                &[
                    ("fee", &fmt.money(per_post)),
                    ("times", &fmt.number(times, 1)),
                    ("rule", &fmt.money(fair)),
                    ("followers", &fmt.count(followers)),
                    ("source", &source_name(&rule.source, labels)),
                ],
            )
        };
        Some(self.ranked(r.fees - fair * r.posts as f64, r.display_name().into(), text))
    }
}

/// A benchmark's source in the reader's language: the founding documents by their translated
/// names, a configured source as written.
pub fn source_name(source: &str, labels: &Labels) -> String {
    let key = match source {
        crate::benchmarks::SEED_DA_2025 => "src_da_2025",
        crate::benchmarks::SEED_AWIN => "src_awin",
        crate::benchmarks::SEED_PRICE => "src_price",
        _ => return source.to_string(),
    };
    labels.get(key)
}

/// The benchmark table as lines for the report.
pub fn benchmark_lines(benchmarks: &Benchmarks, labels: &Labels, fmt: &Fmt) -> Vec<String> {
    let mut lines: Vec<String> = benchmarks
        .engagement
        .iter()
        .map(|b| {
            labels.fill(
                "bench_er",
                &[
                    ("tier", &b.tier),
                    ("low", &fmt.percent(Some(b.low), 0)),
                    ("high", &fmt.percent(Some(b.high), 0)),
                    ("source", &source_name(&b.source, labels)),
                ],
            )
        })
        .collect();
    for (i, b) in benchmarks.returns.iter().enumerate() {
        let min = fmt.count(b.min_followers);
        let size = match benchmarks.returns.get(i + 1) {
            Some(next) => labels.fill("bench_size_range", &[("min", &min), ("max", &fmt.count(next.min_followers - 1))]),
            None => labels.fill("bench_size_open", &[("min", &min)]),
        };
        lines.push(labels.fill(
            "bench_roas",
            &[("size", &size), ("roas", &fmt.number(b.roas, 0)), ("source", &source_name(&b.source, labels))],
        ));
    }
    if let Some(fee) = &benchmarks.fee {
        lines.push(labels.fill(
            "bench_fee",
            &[
                ("amount", &fmt.money(fee.amount)),
                ("per", &fmt.count(fee.per_followers)),
                ("source", &source_name(&fee.source, labels)),
            ],
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::format::Locale;

    /// An influencer of 50,000 followers who returned `revenue` on `cost` (far under 6:1).
    fn weak(id: &str, cost: f64, revenue: f64) -> FigureRow {
        FigureRow {
            influencer_id: id.into(),
            name: id.into(),
            tier: "meso".into(),
            followers: Some(50_000),
            posts: 1,
            cost,
            revenue,
            roas: Some(revenue / cost),
            roi_pct: Some((revenue - cost) / cost * 100.0),
            ..Default::default()
        }
    }

    #[test]
    fn actions_are_the_five_with_the_most_money_at_stake() {
        let labels = Labels::load(Locale::En, None).unwrap();
        let fmt = Fmt { locale: Locale::En, currency: "DKK".into() };
        let stakes = [300.0, 9_000.0, 100.0, 5_000.0, 700.0, 2_000.0, 40.0];
        let people: Vec<FigureRow> = stakes.iter().enumerate().map(|(i, s)| weak(&format!("p{i}"), s + 10.0, 10.0)).collect();
        let figures = Figures { influencers: people, ..Default::default() };
        let recs = recommend(&figures, &Benchmarks::founding(None), &labels, &fmt);
        let subjects: Vec<&str> = recs.actions.iter().map(|a| a.subject.as_str()).collect();
        assert_eq!(subjects, ["p1", "p3", "p5", "p4", "p0"], "most money at stake first, at most five");
        assert_eq!(recs.actions[0].at_stake, "DKK 9,000.00");
        // report.html keeps the per-kind list: three shown, the others named in one line
        assert_eq!(recs.all.len(), 4);
        assert_eq!(recs.all[3].subject, "4 more");
        assert!(recs.all[3].text.starts_with("p4, p0, p2, p6"), "{:?}", recs.all[3]);
    }
}
