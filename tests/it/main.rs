//! Integration tests: one binary (one link of polars), a module per area.

mod attribution;
mod bad_input;
mod browser;
mod config;
mod daemon;
mod email;
mod figures;
mod links;
mod locales;
mod operate;
mod properties;
mod pull;
mod report;
mod signals;
mod statements;
mod support;
mod woocommerce;
mod worked_cases;
