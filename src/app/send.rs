//! Emailing a run: the report, then every creator statement, each once per period and address.
//! One failing email never stops the others; the run's error, its exit code and the owner's
//! notice then say exactly what was sent, what was not, and what may or may not have arrived.

use crate::config::{Config, ReportConfig, ReportEmail};
use crate::deliver::{self, Ledger, Outcome};
use crate::period::Period;
use crate::report::render::Rendered;
use std::path::Path;

/// Why a run's emails did not all go out; its exit code is [`DeliveryFailure::exit_code`].
#[derive(Debug, thiserror::Error)]
pub enum DeliveryFailure {
    /// Some email's outcome is unknown (it may have arrived): not resent automatically.
    #[error("{0}")]
    Uncertain(String),
    /// Some emails were sent and others were not.
    #[error("{0}")]
    Partial(String),
    /// No email was sent.
    #[error("{0}")]
    Failed(String),
}

impl DeliveryFailure {
    pub fn exit_code(&self) -> u8 {
        match self {
            DeliveryFailure::Failed(_) => 1,
            DeliveryFailure::Uncertain(_) => 4,
            DeliveryFailure::Partial(_) => 5,
        }
    }
}

/// What happened to each email of a run, one line per email.
#[derive(Debug, Default)]
struct Summary {
    sent: Vec<String>,
    already: Vec<String>,
    failed: Vec<String>,
    uncertain: Vec<String>,
    /// Whether the report itself (not a statement) was not delivered.
    report_missing: bool,
}

impl Summary {
    fn text(&self) -> String {
        let mut out = String::new();
        for (title, lines) in [
            ("not sent", &self.failed),
            ("outcome unknown (may or may not have arrived; not resent automatically)", &self.uncertain),
            ("sent", &self.sent),
            ("sent before, not sent again", &self.already),
        ] {
            if !lines.is_empty() {
                out.push_str(&format!("{title}:\n  {}\n", lines.join("\n  ")));
            }
        }
        out
    }
}

/// Emails the rendered report and any statements, each at most once per period and address
/// unless `force`.
pub fn send(
    config: &Config,
    ledger: &Ledger,
    report: &ReportConfig,
    period: &Period,
    rendered: &Rendered,
    dir: &Path,
    force: bool,
) -> anyhow::Result<()> {
    let Some(email_cfg) = &report.email else {
        tracing::info!("no [report.email] configured; nothing sent");
        return Ok(());
    };
    let label = period.label();
    let mut summary = Summary::default();
    let subject = deliver::message::subject(email_cfg, &report.name, &label, &rendered.title)?;
    let list = deliver::message::report_list(email_cfg);
    let build = |only: &[String]| deliver::message::build(email_cfg, &subject, rendered, dir, only);
    let outcome = deliver::deliver(ledger, &report.name, &label, "report", &list, &build, &config.email, force);
    let report_ok = record(&mut summary, "report", &list.join(", "), outcome);
    summary.report_missing = !report_ok;
    for statement in &rendered.statements {
        let kind = format!("statement:{}", statement.influencer_id);
        let build = |_: &[String]| deliver::message::statement(email_cfg, statement);
        let list = [statement.to.clone()];
        let outcome = deliver::deliver(ledger, &report.name, &label, &kind, &list, &build, &config.email, force);
        record(&mut summary, &format!("statement of `{}`", statement.influencer_id), &statement.to, outcome);
    }
    if summary.failed.is_empty() && summary.uncertain.is_empty() {
        return Ok(());
    }
    let text = summary.text();
    let subject = if summary.report_missing {
        format!("tierwise: report {} {label} was not delivered", report.name)
    } else {
        format!("tierwise: report {} {label}: some emails were not delivered", report.name)
    };
    notify_owner(config, Some(email_cfg), &subject, &format!("tierwise report `{}` for {label}:\n\n{text}", report.name));
    let text = format!("not every email of report `{}` {label} was delivered:\n{text}", report.name);
    Err(if !summary.uncertain.is_empty() {
        DeliveryFailure::Uncertain(text)
    } else if summary.sent.is_empty() && summary.already.is_empty() {
        DeliveryFailure::Failed(text)
    } else {
        DeliveryFailure::Partial(text)
    }
    .into())
}

/// Adds one email's outcome to `summary` and logs it; whether it is (or was) delivered.
fn record(summary: &mut Summary, what: &str, to: &str, outcome: Result<Outcome, deliver::DeliverError>) -> bool {
    match outcome {
        Ok(Outcome::Sent { message_id, recipients }) => {
            tracing::info!(what, %message_id, recipients = recipients.len(), "emailed");
            summary.sent.push(format!("{what} to {}", recipients.join(", ")));
            true
        }
        Ok(Outcome::AlreadySent { at }) => {
            tracing::info!(what, at, "this period was already emailed; not sent again (use --force to resend)");
            summary.already.push(format!("{what} to {to} (at {at})"));
            true
        }
        Ok(Outcome::Unknown { since }) => {
            tracing::warn!(
                what,
                since,
                "an earlier attempt for this period may or may not have been delivered; not resent (check the mailbox, then use --force)"
            );
            summary.uncertain.push(format!("{what} to {to} (attempted {since})"));
            false
        }
        Err(e) if e.outcome_unknown() => {
            let e = deliver::describe(&e);
            tracing::error!(what, error = %e, "the email's outcome is unknown; not resent automatically");
            summary.uncertain.push(format!("{what} to {to}: {e}"));
            false
        }
        Err(e) => {
            let e = deliver::describe(&e);
            tracing::error!(what, error = %e, "the email was not sent");
            summary.failed.push(format!("{what} to {to}: {e}"));
            false
        }
    }
}

/// Tells the owner (if configured) about a run; best effort, logged.
pub fn notify_owner(config: &Config, email_cfg: Option<&ReportEmail>, subject: &str, body: &str) {
    let Some(owner) = &config.owner else { return };
    let from = email_cfg.map_or(owner.as_str(), |e| e.from.as_str());
    let body = format!(
        "{body}\n\nThe report's files were written when the figures could be computed. `tierwise status` shows the ledger.\n"
    );
    let sent = deliver::message::owner_notice(from, owner, subject, &body)
        .and_then(|notice| deliver::transport::send(&config.email, &notice));
    match sent {
        Ok(()) => tracing::info!(owner, "owner told"),
        Err(e) => tracing::warn!(owner, error = %deliver::describe(&e), "could not tell the owner"),
    }
}
