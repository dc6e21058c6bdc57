//! Expectations from the founding documents, editable per report in `[report.benchmarks]`:
//! engagement rate per tier, return per unit spent by account size, and the fee rule of thumb.

use serde::Serialize;

/// An expected engagement rate (by followers) for a tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngagementBenchmark {
    pub tier: String,
    pub low: f64,
    pub high: f64,
    pub source: String,
}

/// An expected return (revenue per unit of cost) for accounts from `min_followers` up to the
/// next band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReturnBenchmark {
    pub min_followers: i64,
    pub roas: f64,
    pub source: String,
}

/// A fair fee per post: `amount` (report currency) per `per_followers` followers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeeRule {
    pub amount: f64,
    pub per_followers: i64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Benchmarks {
    pub engagement: Vec<EngagementBenchmark>,
    /// Ascending by `min_followers`.
    pub returns: Vec<ReturnBenchmark>,
    pub fee: Option<FeeRule>,
}

pub const SEED_DA_2025: &str = "Danish guide to micro-, meso- and macro-influencers, 2025";
pub const SEED_AWIN: &str = "Awin, Magic Numbers ROI by follower count";
pub const SEED_PRICE: &str = "Danish guide, 2025: about $100 per 10,000 followers per post";

impl Benchmarks {
    /// The founding documents' figures; the fee rule needs a USD rate (`usd_rate` report
    /// currency units per USD), else it is left out.
    pub fn founding(usd_rate: Option<f64>) -> Self {
        let er = |tier: &str, low, high| EngagementBenchmark { tier: tier.into(), low, high, source: SEED_DA_2025.into() };
        let ret = |min, roas| ReturnBenchmark { min_followers: min, roas, source: SEED_AWIN.into() };
        Self {
            engagement: vec![er("micro", 0.07, 0.20), er("meso", 0.02, 0.05), er("macro", 0.01, 0.02)],
            returns: vec![ret(0, 18.0), ret(5_000, 6.0), ret(160_000, 5.0)],
            fee: usd_rate.map(|r| FeeRule { amount: 100.0 * r, per_followers: 10_000, source: SEED_PRICE.into() }),
        }
    }

    pub fn engagement_for(&self, tier: &str) -> Option<&EngagementBenchmark> {
        self.engagement.iter().find(|b| b.tier == tier)
    }

    /// The return band holding `followers`, and where the next band starts.
    pub fn return_for(&self, followers: i64) -> Option<(&ReturnBenchmark, Option<i64>)> {
        let i = self.returns.iter().rposition(|b| followers >= b.min_followers)?;
        Some((&self.returns[i], self.returns.get(i + 1).map(|b| b.min_followers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_by_size() {
        let b = Benchmarks::founding(Some(6.9));
        assert_eq!(b.return_for(4_999).map(|(r, next)| (r.roas, next)), Some((18.0, Some(5_000))));
        assert_eq!(b.return_for(20_000).map(|(r, _)| r.roas), Some(6.0));
        assert_eq!(b.return_for(160_000).map(|(r, next)| (r.roas, next)), Some((5.0, None)));
        assert!((b.fee.unwrap().amount - 690.0).abs() < 1e-9);
        assert!(Benchmarks::founding(None).fee.is_none());
    }
}
