//! Integration tests: one binary (one link of polars), a module per area.

mod figures;
mod support;
