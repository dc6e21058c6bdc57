//! The per-period delivery record: `<label>.pending` is written before the email is handed to
//! the transport and renamed to `<label>.sent` once it was accepted. A pending record left by
//! a crash means the outcome is unknown, so the email is not resent without `--force`.

use super::DeliverError;
use std::path::PathBuf;

pub struct Ledger {
    dir: PathBuf,
    label: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum State {
    None,
    Pending,
    Sent,
}

impl Ledger {
    pub fn new(dir: PathBuf, label: &str) -> Self {
        Self { dir, label: label.to_string() }
    }

    pub fn sent_path(&self) -> PathBuf {
        self.dir.join(format!("{}.sent", self.label))
    }

    pub fn pending_path(&self) -> PathBuf {
        self.dir.join(format!("{}.pending", self.label))
    }

    pub fn state(&self) -> State {
        if self.sent_path().exists() {
            State::Sent
        } else if self.pending_path().exists() {
            State::Pending
        } else {
            State::None
        }
    }

    fn err(&self, source: std::io::Error) -> DeliverError {
        DeliverError::Record { path: self.dir.clone(), source }
    }

    pub fn begin(&self, message_id: &str) -> Result<(), DeliverError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| self.err(e))?;
        let body = format!("message_id={message_id}\nstarted={}\n", chrono::Utc::now().to_rfc3339());
        std::fs::write(self.pending_path(), body).map_err(|e| self.err(e))
    }

    pub fn finish(&self) -> Result<(), DeliverError> {
        let _ = std::fs::remove_file(self.sent_path());
        std::fs::rename(self.pending_path(), self.sent_path()).map_err(|e| self.err(e))
    }
}
