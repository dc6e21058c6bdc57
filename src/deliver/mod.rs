//! SEND: builds the report email and hands it to the configured transport — a file outbox
//! (default) or SMTP — once per report period unless forced.

pub mod claims;
pub mod db;
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
    #[error(
        "the SMTP server `{host}:{port}` was handed the message but did not confirm it; it may or may not have been delivered"
    )]
    SmtpUnknown {
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
    /// Whether the message may have reached the server although sending failed (anything
    /// but a refusal after its data was handed over): such a delivery is not resent
    /// automatically.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, DeliverError::SmtpUnknown { .. })
    }
}

/// The error with every cause after it (`a: b: c`), as logs and the ledger keep it.
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// What happened to an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Sent to `recipients` (all of the list, or those added since it was last sent).
    Sent { message_id: String, recipients: Vec<String> },
    /// Everyone on the list got this period's email before (last at `at`); nothing was sent.
    AlreadySent { at: String },
    /// An earlier attempt to some of the list may or may not have reached the server; not
    /// resent automatically.
    Unknown { since: String },
}

/// An address as the ledger keys it: the mailbox's address, lower-cased (`Mette <M@x.dk>` →
/// `m@x.dk`); text that is not a mailbox is kept trimmed and lower-cased.
pub fn address_key(mailbox: &str) -> String {
    match mailbox.parse::<lettre::message::Mailbox>() {
        Ok(m) => m.email.to_string().to_lowercase(),
        Err(_) => mailbox.trim().to_lowercase(),
    }
}

/// Sends a report period's email of `kind` to `list` (mailboxes as configured) once: each
/// address gets it at most once per period; addresses added to the list later get it once;
/// an attempt whose outcome is unknown is not repeated. `force` sends to the whole list again.
/// `build` makes the message for the given subset of `list`.
#[allow(clippy::too_many_arguments)]
pub fn deliver(
    ledger: &Ledger,
    report: &str,
    period: &str,
    kind: &str,
    list: &[String],
    build: &dyn Fn(&[String]) -> Result<lettre::Message, DeliverError>,
    transport: &EmailTransport,
    force: bool,
) -> Result<Outcome, DeliverError> {
    let earlier = ledger.deliveries(report, period, kind)?;
    let mut covered = std::collections::BTreeMap::new();
    for d in earlier.iter().filter(|d| matches!(d.state, ledger::State::Sent | ledger::State::Sending)) {
        for address in d.addresses() {
            covered.insert(address, d.clone());
        }
    }
    let targets: Vec<String> =
        if force { list.to_vec() } else { list.iter().filter(|m| !covered.contains_key(&address_key(m))).cloned().collect() };
    if targets.is_empty() {
        let mut seen: Vec<&ledger::Delivery> = list.iter().filter_map(|m| covered.get(&address_key(m))).collect();
        seen.sort_by(|a, b| a.updated_at.cmp(&b.updated_at));
        return Ok(match seen.iter().find(|d| d.state == ledger::State::Sending) {
            Some(d) => Outcome::Unknown { since: d.updated_at.clone() },
            None => Outcome::AlreadySent { at: seen.last().map(|d| d.updated_at.clone()).unwrap_or_default() },
        });
    }
    let email = build(&targets)?;
    let mut keys: Vec<String> = targets.iter().map(|m| address_key(m)).collect();
    keys.sort();
    keys.dedup();
    let recipients = keys.join(", ");
    // One process at a time per (report, period, kind, recipients), across daemons: a claim
    // in the ledger, then a fresh look at what was sent meanwhile.
    // (On one machine the report's lock file already serialises runs, and the OS releases it
    // when a run dies: no delivery claim, which a killed run would leave behind for a lease.)
    if !ledger.is_shared() {
        return send_claimed(ledger, (report, period, kind), &recipients, keys, email, transport, force);
    }
    let claim = format!("delivery/{report}/{period}/{kind}/{recipients}");
    if !ledger.claim(&claim)? {
        let who = ledger.claim_of(&claim)?.map(|c| format!("{} (being sent by {})", c.since, c.holder));
        return Ok(Outcome::Unknown { since: who.unwrap_or_default() });
    }
    let sent = send_claimed(ledger, (report, period, kind), &recipients, keys, email, transport, force);
    if let Err(e) = ledger.release(&claim) {
        tracing::warn!(claim, error = %describe(&e), "cannot release a delivery claim; it runs out after its lease");
    }
    sent
}

/// The rest of [`deliver`], holding the delivery's claim.
fn send_claimed(
    ledger: &Ledger,
    (report, period, kind): (&str, &str, &str),
    recipients: &str,
    keys: Vec<String>,
    email: lettre::Message,
    transport: &EmailTransport,
    force: bool,
) -> Result<Outcome, DeliverError> {
    let earlier = ledger.deliveries(report, period, kind)?;
    let same = earlier.iter().rev().find(|d| d.recipients == recipients);
    match same.map(|d| (d.state, d.updated_at.clone())) {
        Some((ledger::State::Sent, at)) if !force => return Ok(Outcome::AlreadySent { at }),
        Some((ledger::State::Sending, since)) if !force => return Ok(Outcome::Unknown { since }),
        _ => {}
    }
    // A row of the same list that never reached the server (pending, failed) is re-armed.
    let reuse = same.filter(|d| matches!(d.state, ledger::State::Pending | ledger::State::Failed)).map(|d| d.id);
    let message_id = email.headers().get_raw("Message-ID").unwrap_or_default().to_string();
    let id = ledger.begin(report, period, kind, recipients, &message_id, reuse)?;
    crate::faults::point("delivery-pending");
    ledger.mark(id, ledger::State::Sending, None)?;
    crate::faults::point("delivery-sending");
    match transport::send(transport, &email) {
        Ok(()) => {
            crate::faults::point("delivery-accepted");
            ledger.mark(id, ledger::State::Sent, None)?;
            Ok(Outcome::Sent { message_id, recipients: keys })
        }
        Err(e) if e.outcome_unknown() => {
            ledger.mark(id, ledger::State::Sending, Some(&describe(&e)))?;
            Err(e)
        }
        Err(e) => {
            ledger.mark(id, ledger::State::Failed, Some(&describe(&e)))?;
            Err(e)
        }
    }
}
