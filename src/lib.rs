//! tierwise: what each influencer and each follower tier brought back — engagement, reach,
//! coupon orders, cost and ROI — from social stats and shop exports, as weekly reports.
//!
//! Data flows one way: `config` → `source` (PULL) → `metrics` (COMPUTE) → `report` (RENDER)
//! → `deliver` (SEND). `app` wires the stages for the CLI.

pub mod app;
pub mod benchmarks;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod deliver;
pub mod faults;
pub mod generate;

pub mod metrics;
pub mod period;
pub mod pull;
pub mod report;
pub mod schedule;
pub mod signals;
pub mod snapshot;
pub mod source;
pub mod tiers;
