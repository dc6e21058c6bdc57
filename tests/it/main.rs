//! Integration tests: one binary (one link of polars), a module per area.

mod bad_input;
mod config;
mod email;
mod figures;
mod properties;
mod report;
mod support;
mod worked_cases;
