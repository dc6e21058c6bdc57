//! `[report.signals]`: thresholds of the leaked-code and audience-quality heuristics.
//!
//! ```toml
//! [report.signals]
//! leak_min_orders = 3       # a code needs at least this many orders in the period
//! leak_quiet_days = 14      # no post in the period nor this many days before
//! leak_surge = 3.0          # orders ≥ this × the mean of the code's earlier periods
//! leak_history = 4          # earlier periods in that mean
//! follower_jump = 0.2       # |change| ≥ this share between two snapshots ...
//! follower_jump_days = 7    # ... at most this many days apart
//! engagement_floor = 0.25   # engagement rate under this × the tier benchmark's low end
//! ```

use super::fields::{Fields, Problems};
use crate::signals::Thresholds;

/// Sets `slot` from `key` when it is within `min..=max`; reports it otherwise.
fn int(f: &mut Fields<'_, '_>, key: &str, slot: &mut i64, (min, max): (i64, i64), p: &mut Problems) {
    if let Some(v) = f.integer(key, p) {
        let span = v.span();
        match v.into_inner() {
            n if (min..=max).contains(&n) => *slot = n,
            _ => p.at(span, format!("`{}.{key}` must be between {min} and {max}", f.path)),
        }
    }
}

fn float(f: &mut Fields<'_, '_>, key: &str, slot: &mut f64, (min, max): (f64, f64), p: &mut Problems) {
    if let Some(v) = f.float(key, p) {
        if v.is_finite() && (min..=max).contains(&v) {
            *slot = v;
        } else {
            p.at(f.span.clone(), format!("`{}.{key}` must be between {min} and {max}", f.path));
        }
    }
}

pub fn parse(mut f: Fields<'_, '_>, p: &mut Problems) -> Thresholds {
    let mut t = Thresholds::default();
    int(&mut f, "leak_min_orders", &mut t.leak_min_orders, (1, 1_000_000), p);
    int(&mut f, "leak_quiet_days", &mut t.leak_quiet_days, (0, 3650), p);
    int(&mut f, "leak_history", &mut t.leak_history, (0, 52), p);
    int(&mut f, "follower_jump_days", &mut t.follower_jump_days, (1, 3650), p);
    float(&mut f, "leak_surge", &mut t.leak_surge, (1.0, 1000.0), p);
    float(&mut f, "follower_jump", &mut t.follower_jump, (0.0, 100.0), p);
    float(&mut f, "engagement_floor", &mut t.engagement_floor, (0.0, 1.0), p);
    f.finish(p);
    t
}
