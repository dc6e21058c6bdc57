//! `[report.benchmarks]`: the founding documents' expectations, replaced table by table.
//!
//! ```toml
//! [report.benchmarks]
//! engagement = [{ tier = "micro", low = 0.07, high = 0.20, source = "…" }]
//! returns = [{ min_followers = 0, roas = 18, source = "…" }]
//! fee = { amount = 690, per_followers = 10000, source = "…" }
//! ```

use super::fields::{Fields, Problems};
use crate::benchmarks::{Benchmarks, EngagementBenchmark, FeeRule, ReturnBenchmark};

pub fn parse(mut f: Fields<'_, '_>, usd_rate: Option<f64>, p: &mut Problems) -> Benchmarks {
    let mut out = Benchmarks::founding(usd_rate);
    let path = f.path.clone();
    if f.has("engagement") {
        out.engagement = f
            .tables("engagement", p)
            .into_iter()
            .enumerate()
            .filter_map(|(i, (span, t))| {
                let mut e = Fields::new(t, span, format!("{path}.engagement[{i}]"));
                let tier = e.required("tier", p).map(|s| s.into_inner().trim().to_lowercase());
                let low = e.float("low", p);
                let high = e.float("high", p);
                let source = e.string("source", p).map(|s| s.into_inner()).unwrap_or_default();
                if let (Some(l), Some(h)) = (low, high)
                    && !(0.0..=1.0).contains(&l) | !(l..=1.0).contains(&h)
                {
                    p.at(e.span.clone(), format!("`{}`: need 0 ≤ low ≤ high ≤ 1 (fractions: 0.07 is 7 %)", e.path));
                }
                e.finish(p);
                Some(EngagementBenchmark { tier: tier?, low: low?, high: high?, source })
            })
            .collect();
    }
    if f.has("returns") {
        let mut returns: Vec<ReturnBenchmark> = f
            .tables("returns", p)
            .into_iter()
            .enumerate()
            .filter_map(|(i, (span, t))| {
                let mut r = Fields::new(t, span, format!("{path}.returns[{i}]"));
                let min = r.integer("min_followers", p).map(|n| n.into_inner());
                let roas = r.float("roas", p);
                let source = r.string("source", p).map(|s| s.into_inner()).unwrap_or_default();
                r.finish(p);
                Some(ReturnBenchmark { min_followers: min?, roas: roas?, source })
            })
            .collect();
        returns.sort_by_key(|r| r.min_followers);
        out.returns = returns;
    }
    if let Some(mut fee) = f.table("fee", p) {
        let amount = fee.float("amount", p);
        let per = fee.integer("per_followers", p).map(|n| n.into_inner()).unwrap_or(10_000);
        let source = fee.string("source", p).map(|s| s.into_inner()).unwrap_or_default();
        fee.finish(p);
        out.fee = amount.map(|amount| FeeRule { amount, per_followers: per.max(1), source });
    }
    f.finish(p);
    out
}
