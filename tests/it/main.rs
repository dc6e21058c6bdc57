//! Integration tests: one binary (one link of polars), a module per area.

mod email;
mod figures;
mod support;
