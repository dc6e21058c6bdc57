//! A report's lock, held for a whole run so runs of one report never overlap: a lock file in
//! the state folder with the SQLite ledger, or the report's run claim in the shared ledger
//! (`run/<report>`, renewed while held) with PostgreSQL.

use super::Failure;
use crate::config::Config;
use crate::deliver::Ledger;
use crate::deliver::claims::ClaimGuard;
use anyhow::anyhow;

/// Held for a whole run; released when dropped.
pub enum ReportLock {
    File(#[allow(dead_code)] std::fs::File),
    Claim(#[allow(dead_code)] ClaimGuard),
}

/// Takes `report`'s lock, or says who holds it (exit 3).
pub fn lock_report(config: &Config, report: &str) -> Result<ReportLock, Failure> {
    if config.state_url.is_some() {
        let ledger = Ledger::connect(config).map_err(|e| Failure::Run(e.into()))?;
        let name = format!("run/{report}");
        if ledger.claim(&name).map_err(|e| Failure::Run(e.into()))? {
            return Ok(ReportLock::Claim(ClaimGuard::hold(config, vec![name])));
        }
        let who = ledger.claim_of(&name).ok().flatten().map(|c| format!("{} since {}", c.holder, c.since)).unwrap_or_default();
        return Err(Failure::Busy(anyhow!(
            "another run of report `{report}` is in progress (claim `{name}` held by {who}); nothing was done"
        )));
    }
    let dir = &config.state_dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Run(anyhow::Error::from(e).context(format!("creating `{}`", dir.display()))))?;
    let path = dir.join(format!("{report}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Failure::Run(anyhow::Error::from(e).context(format!("opening `{}`", path.display()))))?;
    match file.try_lock() {
        Ok(()) => Ok(ReportLock::File(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(Failure::Busy(anyhow!(
            "another run of report `{report}` is in progress (lock `{}`); nothing was done",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(Failure::Run(anyhow::Error::from(e).context(format!("locking `{}`", path.display()))))
        }
    }
}
