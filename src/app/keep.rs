//! What a recorded run keeps: a copy of each input file it read (by fingerprint, for
//! `keep_inputs_days`) and, for a settled period, the pull time it was read as of, so reruns
//! read the same API data.

use crate::config::{Config, ReportConfig};
use crate::report::RunData;
use crate::source::InputFile;
use anyhow::{Context, anyhow};
use std::sync::OnceLock;

/// The input copies a rerun that read its inputs once makes once for all its periods, on a
/// thread of their own while the periods are computed and written (copying and syncing a
/// multi-GB export is disk time, not CPU). A period waits for them before it emails.
#[derive(Default)]
pub struct InputCopies {
    done: OnceLock<Result<(), String>>,
}

impl InputCopies {
    /// Makes the copies of `inputs` (and deletes those past their retention); what it ends
    /// with is what [`Self::wait`] returns.
    pub fn make(&self, config: &Config, report: &ReportConfig, inputs: &[InputFile]) {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| keep_files(config, report, inputs)))
            .unwrap_or_else(|panic| Err(anyhow!("keeping the input copies panicked: {}", crate::faults::panic_message(&*panic))))
            .map_err(|e| format!("{e:#}"));
        let _ = self.done.set(result);
    }

    /// Blocks until [`Self::make`] has ended; its error, if any.
    pub fn wait(&self) -> anyhow::Result<()> {
        self.done.wait().clone().map_err(|e| anyhow!(e))
    }
}

/// After a recorded run: its input files are kept (unless a rerun keeps them once for all its
/// periods: `copies`), and a settled period is pinned to the pull time it was read as of.
pub fn keep(config: &Config, data: &RunData<'_>, copies: Option<&InputCopies>) -> anyhow::Result<()> {
    if copies.is_none() {
        keep_files(config, data.report, &data.inputs)?;
    }
    // Only a settled period is pinned: while its window is open, later pulls still belong to it.
    if let Some(api) = &data.api {
        let store = super::pull::store(config, data.report);
        let as_of = store.as_of(&data.period, data.report.timezone, data.report.pull.settle_days, crate::faults::now())?;
        if !as_of.open {
            store.pin(&data.period, api.as_of).context("pinning the period's snapshot")?;
        }
    }
    Ok(())
}

/// Keeps a copy of each of `inputs` in the snapshot folder by fingerprint, then deletes the
/// copies no run has read for `keep_inputs_days` (all of them for 0).
fn keep_files(config: &Config, report: &ReportConfig, inputs: &[InputFile]) -> anyhow::Result<()> {
    let store = super::pull::store(config, report);
    if config.keep_inputs_days > 0 {
        for file in inputs {
            let path = config.base.join(&file.path);
            store.keep_file(&path, &file.sha256, file.identity).context("keeping a copy of an input file")?;
        }
    }
    let pruned = store.prune_files(config.keep_inputs_days, std::time::SystemTime::now()).context("pruning input copies")?;
    if pruned > 0 {
        tracing::info!(pruned, days = config.keep_inputs_days, "input copies past their retention deleted");
    }
    Ok(())
}
