//! SEND: builds the report email and hands it to the configured transport — a file outbox
//! (default) or SMTP — once per report period unless forced.

pub mod ledger;
pub mod message;
pub mod transport;

use crate::config::EmailTransport;
pub use ledger::Ledger;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("email header `{field}` is invalid: {value:?}")]
    Header { field: &'static str, value: String },
    #[error("cannot build the email")]
    Build(#[source] lettre::error::Error),
    #[error("cannot read attachment `{}`", path.display())]
    Attachment {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the email into the outbox `{}`", path.display())]
    Outbox {
        path: PathBuf,
        #[source]
        source: lettre::transport::file::Error,
    },
    #[error("SMTP delivery to `{host}:{port}` failed")]
    Smtp {
        host: String,
        port: u16,
        #[source]
        source: lettre::transport::smtp::Error,
    },
    #[error(transparent)]
    Secret(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Ledger(#[from] ledger::LedgerError),
    #[error("cannot read the CA certificate `{}` (`email.ca_file`)", path.display())]
    CaFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create `{}`", path.display())]
    Record {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
}

impl DeliverError {
    /// Whether the message may have reached the server although sending failed (a timeout
    /// after the connection was open): such a delivery is not retried automatically.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, DeliverError::Smtp { source, .. } if source.is_timeout())
    }
}

/// What happened to an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        message_id: String,
        recipients: usize,
    },
    /// This period was sent before (at `at`); nothing was sent again.
    AlreadySent {
        at: String,
    },
    /// An earlier attempt may or may not have reached the server; not resent automatically.
    Unknown {
        since: String,
    },
}

/// Sends `email` for a report period once: what the ledger says was sent is not sent again
/// unless `force`; an attempt with an unknown outcome is not repeated either.
pub fn deliver(
    ledger: &Ledger,
    report: &str,
    period: &str,
    kind: &str,
    email: lettre::Message,
    transport: &EmailTransport,
    force: bool,
) -> Result<Outcome, DeliverError> {
    let reuse = match ledger.latest(report, period, kind)? {
        Some(d) if !force => match d.state {
            ledger::State::Sent => return Ok(Outcome::AlreadySent { at: d.updated_at }),
            ledger::State::Sending => return Ok(Outcome::Unknown { since: d.updated_at }),
            ledger::State::Pending | ledger::State::Failed => Some(d.id),
        },
        _ => None,
    };
    let to: Vec<String> = email.envelope().to().iter().map(ToString::to_string).collect();
    let message_id = email.headers().get_raw("Message-ID").unwrap_or_default().to_string();
    let id = ledger.begin(report, period, kind, &to.join(", "), &message_id, reuse)?;
    crate::faults::point("delivery-pending");
    ledger.mark(id, ledger::State::Sending, None)?;
    crate::faults::point("delivery-sending");
    match transport::send(transport, &email) {
        Ok(()) => {
            crate::faults::point("delivery-accepted");
            ledger.mark(id, ledger::State::Sent, None)?;
            Ok(Outcome::Sent { message_id, recipients: to.len() })
        }
        Err(e) if e.outcome_unknown() => Err(e),
        Err(e) => {
            ledger.mark(id, ledger::State::Failed, Some(&format!("{e:#}")))?;
            Err(e)
        }
    }
}
