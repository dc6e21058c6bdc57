//! Wires the stages for each command and decides exit codes: 0 ok, 1 the run failed (no email
//! sent), 2 bad config or usage, 3 another run of the same report holds its lock, 4 an email's
//! outcome is unknown, 5 some emails were sent and others were not.

mod compute;
mod keep;
mod lock;
pub mod pull;
mod rerun;
mod run;
pub mod send;
mod status;

use crate::cli::Command;
use crate::config::{self, Config};

pub use compute::compute;
pub use lock::lock_report;
pub use rerun::periods_between;
pub use run::{RunOutcome, resolve_period, run, run_period};

/// A failed command.
#[derive(Debug)]
pub enum Failure {
    /// Bad config or usage: exit 2.
    Usage(anyhow::Error),
    /// The run failed; nothing was sent: exit 1.
    Run(anyhow::Error),
    /// Another run of the report is in progress: exit 3.
    Busy(anyhow::Error),
    /// An email's outcome is unknown (it may have arrived; not resent): exit 4.
    Uncertain(anyhow::Error),
    /// Some emails were sent, others were not: exit 5.
    Partial(anyhow::Error),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Run(_) => 1,
            Failure::Usage(_) => 2,
            Failure::Busy(_) => 3,
            Failure::Uncertain(_) => 4,
            Failure::Partial(_) => 5,
        }
    }

    pub fn error(&self) -> &anyhow::Error {
        match self {
            Failure::Usage(e) | Failure::Run(e) | Failure::Busy(e) | Failure::Uncertain(e) | Failure::Partial(e) => e,
        }
    }
}

pub fn main(command: Command) -> Result<(), Failure> {
    match command {
        Command::Run(args) => run(&args).map(|outcome| {
            if !args.quiet {
                print!("{}", outcome.summary);
            }
        }),
        Command::Rerun(args) => rerun::rerun(&args),
        Command::Check(args) => status::check(&args),
        Command::Pull(args) => pull::pull(&args),
        Command::Status(args) => status::status(&args),
        Command::Daemon(args) => {
            let config = load_config(&args.config)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| Failure::Run(anyhow::Error::from(e).context("starting the runtime")))?;
            runtime.block_on(crate::daemon::run(config))
        }
        Command::Generate(args) => crate::generate::generate(&args).map_err(Failure::Run),
    }
}

fn load_config(path: &std::path::Path) -> Result<Config, Failure> {
    config::load(path).map_err(|e| Failure::Usage(e.into()))
}
