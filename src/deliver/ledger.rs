//! The run ledger (SQLite in the state folder): every run of a report and every email it
//! delivered, so each period is emailed exactly once across crashes, restarts and overlaps.
//!
//! A delivery is written `pending` before anything is sent, turns `sending` just before the
//! transport is handed the message, and `sent` once the server accepted it. After a crash:
//! `pending` never reached the server and is sent again; `sending` may or may not have been
//! delivered, so it is not resent without `--force`, and `status` and the next report show it.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    report TEXT NOT NULL,
    period TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,          -- running | ok | failed | uncertain
    inputs TEXT NOT NULL DEFAULT '',
    outputs TEXT NOT NULL DEFAULT '',
    error TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    report TEXT NOT NULL,
    period TEXT NOT NULL,
    kind TEXT NOT NULL,            -- report | statement:<influencer_id>
    recipients TEXT NOT NULL,
    message_id TEXT NOT NULL,
    state TEXT NOT NULL,           -- pending | sending | sent | failed
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_key ON deliveries (report, period, kind);
CREATE TABLE IF NOT EXISTS fires (
    report TEXT NOT NULL,
    fire_at TEXT NOT NULL,         -- the scheduled instant (UTC), handled once
    period TEXT NOT NULL,
    PRIMARY KEY (report, fire_at)
);
";

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot open the ledger `{}`", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create the state folder `{}`", path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the ledger failed")]
    Sql(#[from] rusqlite::Error),
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Sending,
    Sent,
    Failed,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Sending => "sending",
            State::Sent => "sent",
            State::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "sending" => State::Sending,
            "sent" => State::Sent,
            "failed" => State::Failed,
            _ => State::Pending,
        }
    }
}

/// One row of `deliveries`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub report: String,
    pub period: String,
    pub kind: String,
    pub recipients: String,
    pub message_id: String,
    pub state: State,
    pub updated_at: String,
    pub error: Option<String>,
}

impl Delivery {
    /// The addresses it went to, as keyed by [`super::address_key`].
    pub fn addresses(&self) -> Vec<String> {
        self.recipients.split(", ").filter(|a| !a.is_empty()).map(super::address_key).collect()
    }
}

/// One row of `runs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: i64,
    pub report: String,
    pub period: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub error: Option<String>,
}

pub struct Ledger {
    conn: Connection,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Ledger {
    /// Opens (creating if needed) `state_dir/ledger.sqlite`.
    pub fn open(state_dir: &Path) -> Result<Self, LedgerError> {
        std::fs::create_dir_all(state_dir).map_err(|source| LedgerError::Folder { path: state_dir.to_path_buf(), source })?;
        let path = state_dir.join("ledger.sqlite");
        let conn = Connection::open(&path).map_err(|source| LedgerError::Open { path: path.clone(), source })?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|source| LedgerError::Open { path: path.clone(), source })?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .and_then(|()| conn.execute_batch(SCHEMA))
            .map_err(|source| LedgerError::Open { path, source })?;
        Ok(Self { conn })
    }

    /// Every delivery of `kind` for a report period, oldest first.
    pub fn deliveries(&self, report: &str, period: &str, kind: &str) -> Result<Vec<Delivery>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, report, period, kind, recipients, message_id, state, updated_at, error FROM deliveries
             WHERE report = ?1 AND period = ?2 AND kind = ?3 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![report, period, kind], delivery)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The newest delivery of `kind` for a report period.
    pub fn latest(&self, report: &str, period: &str, kind: &str) -> Result<Option<Delivery>, LedgerError> {
        Ok(self.deliveries(report, period, kind)?.pop())
    }

    /// Records a delivery about to be attempted (`pending`), or re-arms a pending/failed one.
    pub fn begin(
        &self,
        report: &str,
        period: &str,
        kind: &str,
        recipients: &str,
        message_id: &str,
        reuse: Option<i64>,
    ) -> Result<i64, LedgerError> {
        let at = now();
        if let Some(id) = reuse {
            self.conn.execute(
                "UPDATE deliveries SET state = 'pending', message_id = ?2, recipients = ?3, updated_at = ?4, error = NULL WHERE id = ?1",
                params![id, message_id, recipients, at],
            )?;
            return Ok(id);
        }
        self.conn.execute(
            "INSERT INTO deliveries (report, period, kind, recipients, message_id, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)",
            params![report, period, kind, recipients, message_id, at],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Moves a delivery to `state` (with an error message for `failed`).
    pub fn mark(&self, id: i64, state: State, error: Option<&str>) -> Result<(), LedgerError> {
        self.conn.execute(
            "UPDATE deliveries SET state = ?2, updated_at = ?3, error = ?4 WHERE id = ?1",
            params![id, state.as_str(), now(), error],
        )?;
        Ok(())
    }

    /// Deliveries whose outcome is unknown (a crash or a lost connection while sending) and
    /// that no later delivery to the same addresses settled, oldest first.
    pub fn unknown(&self, report: Option<&str>) -> Result<Vec<Delivery>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, report, period, kind, recipients, message_id, state, updated_at, error FROM deliveries
             WHERE state IN ('sending', 'sent') AND (?1 IS NULL OR report = ?1) ORDER BY id",
        )?;
        let rows = stmt.query_map(params![report], delivery)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .iter()
            .filter(|d| d.state == State::Sending)
            .filter(|d| {
                let settled = |e: &&Delivery| {
                    e.id > d.id
                        && e.state == State::Sent
                        && (&e.report, &e.period, &e.kind) == (&d.report, &d.period, &d.kind)
                        && d.addresses().iter().all(|a| e.addresses().contains(a))
                };
                !rows.iter().any(|e| settled(&e))
            })
            .cloned()
            .collect())
    }

    /// The newest deliveries, newest first.
    pub fn recent_deliveries(&self, limit: usize) -> Result<Vec<Delivery>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, report, period, kind, recipients, message_id, state, updated_at, error FROM deliveries ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], delivery)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Records the start of a run.
    pub fn run_started(&self, report: &str, period: &str, inputs: &str) -> Result<i64, LedgerError> {
        self.conn.execute(
            "INSERT INTO runs (report, period, started_at, status, inputs) VALUES (?1, ?2, ?3, 'running', ?4)",
            params![report, period, now(), inputs],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records how a run ended, with its inputs' fingerprints and its files (JSON).
    /// `status` is `ok`, `failed` or `uncertain` (a delivery's outcome is unknown).
    pub fn run_finished(
        &self,
        id: i64,
        status: &str,
        inputs: &str,
        outputs: &str,
        error: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "UPDATE runs SET finished_at = ?2, status = ?3, inputs = ?4, outputs = ?5, error = ?6 WHERE id = ?1",
            params![id, now(), status, inputs, outputs, error],
        )?;
        Ok(())
    }

    /// The newest runs, newest first.
    pub fn recent_runs(&self, limit: usize) -> Result<Vec<Run>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, report, period, started_at, finished_at, status, error FROM runs ORDER BY id DESC LIMIT ?1")?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                Ok(Run {
                    id: r.get(0)?,
                    report: r.get(1)?,
                    period: r.get(2)?,
                    started_at: r.get(3)?,
                    finished_at: r.get(4)?,
                    status: r.get(5)?,
                    error: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Records that the scheduled fire at `at` was handled (run, whatever its outcome).
    pub fn record_fire(&self, report: &str, at: DateTime<Utc>, period: &str) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO fires (report, fire_at, period) VALUES (?1, ?2, ?3)",
            params![report, at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), period],
        )?;
        Ok(())
    }

    /// The last scheduled fire handled for `report` (catch-up starts after it).
    pub fn last_fire(&self, report: &str) -> Result<Option<DateTime<Utc>>, LedgerError> {
        let at: Option<String> = self
            .conn
            .query_row("SELECT MAX(fire_at) FROM fires WHERE report = ?1", params![report], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(at.and_then(|s| DateTime::parse_from_rfc3339(&s).ok()).map(|t| t.with_timezone(&Utc)))
    }
}

fn delivery(r: &rusqlite::Row<'_>) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: r.get(0)?,
        report: r.get(1)?,
        period: r.get(2)?,
        kind: r.get(3)?,
        recipients: r.get(4)?,
        message_id: r.get(5)?,
        state: State::parse(&r.get::<_, String>(6)?),
        updated_at: r.get(7)?,
        error: r.get(8)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_moves_from_pending_to_sent_and_unknown_ones_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(dir.path()).unwrap();
        assert_eq!(ledger.latest("r", "2026-W44", "report").unwrap(), None);
        let id = ledger.begin("r", "2026-W44", "report", "a@example.com", "<m1@x>", None).unwrap();
        assert_eq!(ledger.latest("r", "2026-W44", "report").unwrap().unwrap().state, State::Pending);
        ledger.mark(id, State::Sending, None).unwrap();
        assert_eq!(ledger.unknown(None).unwrap().len(), 1);
        ledger.mark(id, State::Sent, None).unwrap();
        assert!(ledger.unknown(Some("r")).unwrap().is_empty());
        let reopened = Ledger::open(dir.path()).unwrap();
        assert_eq!(reopened.latest("r", "2026-W44", "report").unwrap().unwrap().state, State::Sent);
        let run = reopened.run_started("r", "2026-W44", "[]").unwrap();
        reopened.run_finished(run, "ok", "[]", "[]", None).unwrap();
        let fire: DateTime<Utc> = "2026-11-02T06:00:00Z".parse().unwrap();
        reopened.record_fire("r", fire, "2026-W44").unwrap();
        reopened.record_fire("r", fire, "2026-W44").unwrap();
        assert_eq!(reopened.last_fire("r").unwrap(), Some(fire));
        assert_eq!(reopened.recent_runs(5).unwrap()[0].status, "ok");
    }
}
