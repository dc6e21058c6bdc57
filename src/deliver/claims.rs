//! Claims: which process holds what, since when, until when — a report's run (`run/<report>`,
//! PostgreSQL only: one machine uses the lock file), a scheduled fire (`fire/<report>/<at>`)
//! and a delivery (`delivery/<report>/<period>/<kind>/<recipients>`). A claim is one row under
//! a unique key, taken by one atomic upsert that only succeeds when the row is absent or its
//! lease has run out (PostgreSQL locks the row for the statement's transaction), renewed by
//! its holder while it works and deleted when done. No session-scoped lock is involved, so a
//! connection pooler in between changes nothing. A holder that dies leaves its claims to run
//! out; another daemon then takes them over.

use super::ledger::{Ledger, LedgerError, now, stamp};
use crate::config::Config;
use chrono::Utc;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How long a claim lives unless renewed (`claim_lease_secs`).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(120);

/// This process in claims: `<host>:<pid>:<random tag>`.
pub fn holder_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_string());
        format!("{host}:{}:{:04x}", std::process::id(), fastrand::u16(..))
    })
}

/// One row of `claims`.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub name: String,
    pub holder: String,
    pub since: String,
    pub expires: String,
}

impl Ledger {
    /// Takes the claim `name` for this process when nobody holds it or its lease ran out.
    pub fn claim(&self, name: &str) -> Result<bool, LedgerError> {
        let at = Utc::now();
        let until = stamp(at + self.lease);
        let changed = self.db.execute(
            "INSERT INTO claims (name, holder, since, expires) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, since = excluded.since, expires = excluded.expires
             WHERE claims.expires < excluded.since",
            &[name.into(), self.holder.as_str().into(), stamp(at).as_str().into(), until.as_str().into()],
        )?;
        Ok(changed == 1)
    }

    /// Extends this process's claim `name` by a lease; false when it is no longer ours.
    pub fn renew(&self, name: &str) -> Result<bool, LedgerError> {
        let until = stamp(Utc::now() + self.lease);
        let changed = self.db.execute(
            "UPDATE claims SET expires = ?3 WHERE name = ?1 AND holder = ?2",
            &[name.into(), self.holder.as_str().into(), until.as_str().into()],
        )?;
        Ok(changed == 1)
    }

    /// Gives up this process's claim `name`.
    pub fn release(&self, name: &str) -> Result<(), LedgerError> {
        self.db.execute("DELETE FROM claims WHERE name = ?1 AND holder = ?2", &[name.into(), self.holder.as_str().into()])?;
        Ok(())
    }

    /// Every claim (held or run out), oldest first.
    pub fn claims(&self) -> Result<Vec<Claim>, LedgerError> {
        self.claims_where("1 = 1", &[])
    }

    /// The claim `name`, if any.
    pub fn claim_of(&self, name: &str) -> Result<Option<Claim>, LedgerError> {
        Ok(self.claims_where("name = ?1", &[name.into()])?.pop())
    }

    /// Claims whose name starts with `prefix` and whose lease has run out.
    pub fn stale_claims(&self, prefix: &str) -> Result<Vec<Claim>, LedgerError> {
        let rows = self.claims_where("expires < ?1", &[now().as_str().into()])?;
        Ok(rows.into_iter().filter(|c| c.name.starts_with(prefix)).collect())
    }

    fn claims_where(&self, filter: &str, args: &[super::db::Value]) -> Result<Vec<Claim>, LedgerError> {
        let sql = format!("SELECT name, holder, since, expires FROM claims WHERE {filter} ORDER BY since, name");
        Ok(self
            .db
            .query(&sql, args)?
            .iter()
            .map(|r| Claim { name: r.text(0), holder: r.text(1), since: r.text(2), expires: r.text(3) })
            .collect())
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }
}

/// Claims this process took, renewed from a thread of their own (with their own connection)
/// every third of a lease, and released when the guard is dropped.
pub struct ClaimGuard {
    names: Arc<Mutex<Vec<String>>>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ClaimGuard {
    /// Keeps `names` (claimed by this process already) until dropped.
    pub fn hold(config: &Config, names: Vec<String>) -> Self {
        let names = Arc::new(Mutex::new(names));
        let (stop, stopped) = mpsc::channel::<()>();
        let config = config.clone();
        let held = names.clone();
        let thread = std::thread::spawn(move || {
            let every = config.claim_lease / 3;
            let ledger = Ledger::connect(&config);
            let renew_all = |release: bool| {
                let Ok(ledger) = &ledger else { return };
                for name in held.lock().map(|n| n.clone()).unwrap_or_default() {
                    let done = if release { ledger.release(&name).map(|()| true) } else { ledger.renew(&name) };
                    match done {
                        Ok(true) => {}
                        Ok(false) => tracing::error!(claim = %name, "a claim ran out and was taken over while held"),
                        Err(e) => tracing::warn!(claim = %name, error = %format!("{e:#}"), "cannot renew a claim"),
                    }
                }
            };
            if let Err(e) = &ledger {
                tracing::warn!(error = %format!("{e:#}"), "cannot connect to renew claims; they run out after their lease");
            }
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                renew_all(false);
            }
            renew_all(true);
        });
        Self { names, stop: Some(stop), thread: Some(thread) }
    }

    /// Stops renewing `name` and leaves it to run out (someone retries it after the lease).
    pub fn forget(&self, name: &str) {
        if let Ok(mut names) = self.names.lock() {
            names.retain(|n| n != name);
        }
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_is_taken_once_until_released_or_run_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Ledger::open(dir.path()).unwrap();
        let mut b = Ledger::open(dir.path()).unwrap();
        a.holder = "a".into();
        b.holder = "b".into();
        assert!(a.claim("run/r").unwrap());
        assert!(!b.claim("run/r").unwrap(), "held by a");
        assert!(a.renew("run/r").unwrap());
        assert!(!b.renew("run/r").unwrap(), "b does not hold it");
        b.release("run/r").unwrap();
        assert_eq!(a.claim_of("run/r").unwrap().unwrap().holder, "a", "b cannot release a's claim");
        a.release("run/r").unwrap();
        assert!(b.claim("run/r").unwrap());
        // a lease that ran out: the claim is free to take
        b.lease = Duration::ZERO;
        assert!(b.claim("fire/r/2026-11-02T06:00:00Z").unwrap());
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(a.stale_claims("fire/").unwrap().len(), 1);
        assert!(a.claim("fire/r/2026-11-02T06:00:00Z").unwrap());
        assert!(a.stale_claims("fire/").unwrap().is_empty());
    }
}
