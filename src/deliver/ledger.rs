//! The run ledger: every run of a report, every email it delivered, every scheduled fire, and
//! who holds which claim — so each period is emailed exactly once across crashes, restarts,
//! overlaps and several daemons. SQLite in the state folder by default; PostgreSQL (shared by
//! daemons on several machines) with `state_url`. Same schema and semantics on both.
//!
//! A delivery is written `pending` before anything is sent, turns `sending` just before the
//! transport is handed the message, and `sent` once the server accepted it. After a crash:
//! `pending` never reached the server and is sent again; `sending` may or may not have been
//! delivered, so it is not resent without `--force`, and `status` and the next report show it.

use super::db::{Db, DbError, Row};
use crate::config::Config;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot open the ledger `{}`", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: DbError,
    },
    #[error("cannot connect to the ledger `{url}` (`state_url`)")]
    Connect {
        url: String,
        #[source]
        source: DbError,
    },
    #[error("`state_url` {url:?} is not a PostgreSQL connection URL: {reason}")]
    Url { url: String, reason: String },
    #[error("cannot create the state folder `{}`", path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Secret(#[from] crate::config::ConfigError),
    #[error("the ledger failed")]
    Sql(#[from] DbError),
}

impl From<rusqlite::Error> for LedgerError {
    fn from(e: rusqlite::Error) -> Self {
        LedgerError::Sql(e.into())
    }
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
    pub(super) db: Db,
    /// Who this process is in claims (host, process id, a random tag).
    pub(super) holder: String,
    /// How long a claim lives unless renewed.
    pub(super) lease: Duration,
}

pub(super) fn now() -> String {
    stamp(Utc::now())
}

pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

const DELIVERY: &str = "SELECT id, report, period, kind, recipients, message_id, state, updated_at, error FROM deliveries";

impl Ledger {
    /// Opens (creating if needed) the SQLite ledger `state_dir/ledger.sqlite`.
    pub fn open(state_dir: &Path) -> Result<Self, LedgerError> {
        std::fs::create_dir_all(state_dir).map_err(|source| LedgerError::Folder { path: state_dir.to_path_buf(), source })?;
        let path = state_dir.join("ledger.sqlite");
        let open = || -> Result<Db, DbError> {
            let conn = rusqlite::Connection::open(&path)?;
            conn.busy_timeout(Duration::from_secs(10))?;
            conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
            let db = Db::Sqlite(conn);
            db.migrate()?;
            Ok(db)
        };
        let db = open().map_err(|source| LedgerError::Open { path: path.clone(), source })?;
        Ok(Self { db, holder: super::claims::holder_id().to_string(), lease: super::claims::DEFAULT_LEASE })
    }

    /// The config's ledger: PostgreSQL when `state_url` is set (its password from the
    /// environment), else SQLite in the state folder.
    pub fn connect(config: &Config) -> Result<Self, LedgerError> {
        let mut ledger = match &config.state_url {
            None => Self::open(&config.state_dir)?,
            Some(url) => {
                let mut pg: postgres::Config =
                    url.parse().map_err(|e: postgres::Error| LedgerError::Url { url: url.clone(), reason: e.to_string() })?;
                if let Some(password) = &config.state_password {
                    pg.password(secrecy::ExposeSecret::expose_secret(&password.resolve()?).as_bytes());
                }
                pg.connect_timeout(Duration::from_secs(10)).application_name("tierwise");
                let connect = || -> Result<Db, DbError> {
                    let db = Db::Postgres(std::cell::RefCell::new(pg.connect(postgres::NoTls)?));
                    db.migrate()?;
                    Ok(db)
                };
                let db = connect().map_err(|source| LedgerError::Connect { url: url.clone(), source })?;
                Self { db, holder: super::claims::holder_id().to_string(), lease: super::claims::DEFAULT_LEASE }
            }
        };
        ledger.lease = config.claim_lease;
        Ok(ledger)
    }

    pub fn is_shared(&self) -> bool {
        self.db.is_postgres()
    }

    /// Every delivery of `kind` for a report period, oldest first.
    pub fn deliveries(&self, report: &str, period: &str, kind: &str) -> Result<Vec<Delivery>, LedgerError> {
        let sql = format!("{DELIVERY} WHERE report = ?1 AND period = ?2 AND kind = ?3 ORDER BY id");
        Ok(self.db.query(&sql, &[report.into(), period.into(), kind.into()])?.iter().map(delivery).collect())
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
            self.db.execute(
                "UPDATE deliveries SET state = 'pending', message_id = ?2, recipients = ?3, updated_at = ?4, error = NULL WHERE id = ?1",
                &[id.into(), message_id.into(), recipients.into(), at.as_str().into()],
            )?;
            return Ok(id);
        }
        let rows = self.db.query(
            "INSERT INTO deliveries (report, period, kind, recipients, message_id, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6) RETURNING id",
            &[report.into(), period.into(), kind.into(), recipients.into(), message_id.into(), at.as_str().into()],
        )?;
        Ok(rows.first().map_or(0, |r| r.int(0)))
    }

    /// Moves a delivery to `state` (with an error message for `failed` or an unknown outcome).
    pub fn mark(&self, id: i64, state: State, error: Option<&str>) -> Result<(), LedgerError> {
        self.db.execute(
            "UPDATE deliveries SET state = ?2, updated_at = ?3, error = ?4 WHERE id = ?1",
            &[id.into(), state.as_str().into(), now().as_str().into(), error.into()],
        )?;
        Ok(())
    }

    /// Deliveries whose outcome is unknown (a crash or a lost connection while sending) and
    /// that no later delivery to the same addresses settled, oldest first.
    pub fn unknown(&self, report: Option<&str>) -> Result<Vec<Delivery>, LedgerError> {
        let sql =
            format!("{DELIVERY} WHERE state IN ('sending', 'sent') AND (CAST(?1 AS TEXT) IS NULL OR report = ?1) ORDER BY id");
        let rows: Vec<Delivery> = self.db.query(&sql, &[report.into()])?.iter().map(delivery).collect();
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
        let sql = format!("{DELIVERY} ORDER BY id DESC LIMIT ?1");
        Ok(self.db.query(&sql, &[(limit as i64).into()])?.iter().map(delivery).collect())
    }

    /// Records the start of a run.
    pub fn run_started(&self, report: &str, period: &str, inputs: &str) -> Result<i64, LedgerError> {
        let rows = self.db.query(
            "INSERT INTO runs (report, period, started_at, status, inputs) VALUES (?1, ?2, ?3, 'running', ?4) RETURNING id",
            &[report.into(), period.into(), now().as_str().into(), inputs.into()],
        )?;
        Ok(rows.first().map_or(0, |r| r.int(0)))
    }

    /// Records how a run ended (`ok`, `failed`, or `uncertain`: a delivery's outcome is
    /// unknown), with its inputs' fingerprints and its files (JSON).
    pub fn run_finished(
        &self,
        id: i64,
        status: &str,
        inputs: &str,
        outputs: &str,
        error: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.db.execute(
            "UPDATE runs SET finished_at = ?2, status = ?3, inputs = ?4, outputs = ?5, error = ?6 WHERE id = ?1",
            &[id.into(), now().as_str().into(), status.into(), inputs.into(), outputs.into(), error.into()],
        )?;
        Ok(())
    }

    /// The newest runs, newest first.
    pub fn recent_runs(&self, limit: usize) -> Result<Vec<Run>, LedgerError> {
        let rows = self.db.query(
            "SELECT id, report, period, started_at, finished_at, status, error FROM runs ORDER BY id DESC LIMIT ?1",
            &[(limit as i64).into()],
        )?;
        Ok(rows
            .iter()
            .map(|r| Run {
                id: r.int(0),
                report: r.text(1),
                period: r.text(2),
                started_at: r.text(3),
                finished_at: r.opt(4),
                status: r.text(5),
                error: r.opt(6),
            })
            .collect())
    }

    /// The period of the run of `report` in progress: the newest run marked running, begun
    /// since the report's run claim was taken (when there is one; a run that died stays marked).
    pub fn running_period(&self, report: &str) -> Result<Option<String>, LedgerError> {
        let since = self.claim_of(&format!("run/{report}"))?.map(|c| c.since).unwrap_or_default();
        let rows = self.db.query(
            "SELECT period FROM runs WHERE report = ?1 AND status = 'running' AND started_at >= ?2 ORDER BY id DESC LIMIT 1",
            &[report.into(), since.as_str().into()],
        )?;
        Ok(rows.first().map(|r| r.text(0)))
    }

    /// Records that the scheduled fire at `at` was handled (run, whatever its outcome).
    pub fn record_fire(&self, report: &str, at: DateTime<Utc>, period: &str) -> Result<(), LedgerError> {
        self.db.execute(
            "INSERT INTO fires (report, fire_at, period) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            &[report.into(), fire_stamp(at).as_str().into(), period.into()],
        )?;
        Ok(())
    }

    /// Whether the scheduled fire at `at` was handled already.
    pub fn fire_done(&self, report: &str, at: DateTime<Utc>) -> Result<bool, LedgerError> {
        let rows = self.db.query(
            "SELECT COUNT(*) FROM fires WHERE report = ?1 AND fire_at = ?2",
            &[report.into(), fire_stamp(at).as_str().into()],
        )?;
        Ok(rows.first().is_some_and(|r| r.int(0) > 0))
    }

    /// The last scheduled fire handled for `report` (catch-up starts after it).
    pub fn last_fire(&self, report: &str) -> Result<Option<DateTime<Utc>>, LedgerError> {
        let rows = self.db.query("SELECT MAX(fire_at) FROM fires WHERE report = ?1", &[report.into()])?;
        let at = rows.first().and_then(|r| r.opt(0));
        Ok(at.and_then(|s| DateTime::parse_from_rfc3339(&s).ok()).map(|t| t.with_timezone(&Utc)))
    }
}

pub fn fire_stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn delivery(r: &Row) -> Delivery {
    Delivery {
        id: r.int(0),
        report: r.text(1),
        period: r.text(2),
        kind: r.text(3),
        recipients: r.text(4),
        message_id: r.text(5),
        state: State::parse(&r.text(6)),
        updated_at: r.text(7),
        error: r.opt(8),
    }
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
        assert!(!reopened.fire_done("r", fire).unwrap());
        reopened.record_fire("r", fire, "2026-W44").unwrap();
        reopened.record_fire("r", fire, "2026-W44").unwrap();
        assert!(reopened.fire_done("r", fire).unwrap());
        assert_eq!(reopened.last_fire("r").unwrap(), Some(fire));
        assert_eq!(reopened.recent_runs(5).unwrap()[0].status, "ok");
    }

    #[test]
    fn a_ledger_of_an_earlier_version_is_adopted_and_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let conn = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
        conn.execute_batch(
            "CREATE TABLE deliveries (id INTEGER PRIMARY KEY, report TEXT NOT NULL, period TEXT NOT NULL, kind TEXT NOT NULL,
             recipients TEXT NOT NULL, message_id TEXT NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL,
             updated_at TEXT NOT NULL, error TEXT);
             INSERT INTO deliveries VALUES (1, 'r', '2026-W44', 'report', 'a@example.com', '<m>', 'sent', 't', 't', NULL);",
        )
        .unwrap();
        drop(conn);
        let ledger = Ledger::open(dir.path()).unwrap();
        assert_eq!(ledger.latest("r", "2026-W44", "report").unwrap().unwrap().state, State::Sent);
        assert!(ledger.claim("run/r").unwrap(), "the claims table was added");
        let versions = ledger.db.query("SELECT version FROM schema_version ORDER BY version", &[]).unwrap();
        assert_eq!(versions.iter().map(|r| r.int(0)).collect::<Vec<_>>(), [1, 2]);
    }
}
