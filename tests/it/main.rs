//! Integration tests: one binary (one link of polars), a module per area.

mod attribution;
mod bad_input;
mod browser;
mod config;
mod config_checks;
mod credentials;
mod daemon;
mod delivery;
mod digest;
mod email;
mod exact;
mod figures;
mod hostile;
mod links;
mod locales;
mod operate;
mod properties;
mod pull;
mod ranges;
mod report;
mod signals;
mod statements;
mod support;
mod terminal;
mod woocommerce;
mod worked_cases;
