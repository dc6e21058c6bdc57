//! SEND: builds the report email and hands it to the configured transport — a file outbox
//! (default) or SMTP — once per report period unless forced.

pub mod message;
pub mod sent;
pub mod transport;

use crate::config::{EmailTransport, ReportConfig};
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
    #[error("cannot record the delivery in `{}`", path.display())]
    Record {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
}

/// What happened to a report's email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        message_id: String,
        recipients: usize,
    },
    /// This period was sent before; nothing was sent again.
    AlreadySent {
        record: PathBuf,
    },
    /// A previous attempt may or may not have reached the server; not resent automatically.
    Unknown {
        record: PathBuf,
    },
    NoRecipients,
}

/// Sends `email` for `report`'s period `label` through `transport`, at most once unless `force`.
pub fn deliver(
    report: &ReportConfig,
    label: &str,
    email: lettre::Message,
    transport: &EmailTransport,
    force: bool,
) -> Result<Outcome, DeliverError> {
    let ledger = sent::Ledger::new(report.out_dir.join(".deliveries"), label);
    if !force {
        match ledger.state() {
            sent::State::Sent => {
                return Ok(Outcome::AlreadySent { record: ledger.sent_path() });
            }
            sent::State::Pending => {
                return Ok(Outcome::Unknown { record: ledger.pending_path() });
            }
            sent::State::None => {}
        }
    }
    let recipients = email.envelope().to().len();
    let message_id = email.headers().get_raw("Message-ID").unwrap_or_default().to_string();
    ledger.begin(&message_id)?;
    transport::send(transport, &email)?;
    ledger.finish()?;
    Ok(Outcome::Sent { message_id, recipients })
}
