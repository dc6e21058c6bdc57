//! Thresholds of the two heuristic signals, editable per report in `[report.signals]`: a
//! coupon code whose use looks detached from its influencer (a leaked code), and an audience
//! that looks bought (follower jumps, engagement far under the tier's benchmark).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    /// A code is flagged only with at least this many orders in the period.
    pub leak_min_orders: i64,
    /// Quiet influencer: no post in the period nor in this many days before it.
    pub leak_quiet_days: i64,
    /// Surge: orders in the period at least this many times the code's mean per earlier period.
    pub leak_surge: f64,
    /// How many earlier periods (of the same kind) make that mean.
    pub leak_history: i64,
    /// Follower jump: a change of at least this share between two snapshots of one account...
    pub follower_jump: f64,
    /// ...taken at most this many days apart.
    pub follower_jump_days: i64,
    /// Engagement far below the tier: under this share of the benchmark's low end.
    pub engagement_floor: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            leak_min_orders: 3,
            leak_quiet_days: 14,
            leak_surge: 3.0,
            leak_history: 4,
            follower_jump: 0.2,
            follower_jump_days: 7,
            engagement_floor: 0.25,
        }
    }
}
