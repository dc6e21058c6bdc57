//! The `tierwise` binary: parse the command line, set up logging, run, map errors to exit codes.

use clap::Parser;
use std::process::ExitCode;
use tierwise::app;
use tierwise::cli::Cli;

/// mimalloc reuses freed memory instead of returning it page by page: the readers allocate and
/// drop a chunk of text and its frames many times per file.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let spec = std::env::var("RUST_LOG").ok().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| cli.log.clone());
    let filter = tracing_subscriber::EnvFilter::try_new(tierwise::cli::log_filter(&spec))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_cron_scheduler=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    let _ = rustls::crypto::ring::default_provider().install_default();
    match app::main(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {:#}", failure.error());
            ExitCode::from(failure.exit_code())
        }
    }
}
