//! The report email: a plain-text and an HTML alternative (a digest), with report.html,
//! influencers.csv and tiers.csv attached (one report.zip when they are large). Header values come from the validated config and never carry CR or LF.

use super::DeliverError;
use crate::config::ReportEmail;
use crate::report::render::Rendered;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use std::path::Path;

fn mailbox(field: &'static str, value: &str) -> Result<Mailbox, DeliverError> {
    if value.contains(['\r', '\n']) {
        return Err(DeliverError::Header { field, value: value.to_string() });
    }
    value.parse().map_err(|_| DeliverError::Header { field, value: value.to_string() })
}

/// The subject: the configured one (with `{report}` and `{period}` filled in) or the report's
/// title in its language.
pub fn subject(cfg: &ReportEmail, report: &str, period_label: &str, title: &str) -> Result<String, DeliverError> {
    let text = match &cfg.subject {
        Some(s) => s.replace("{report}", report).replace("{period}", period_label),
        None => title.to_string(),
    };
    if text.contains(['\r', '\n']) {
        return Err(DeliverError::Header { field: "Subject", value: text });
    }
    Ok(text)
}

/// A short notice to the owner that a report run failed or was not (fully) delivered: `body`
/// says what was and was not sent.
pub fn owner_notice(from: &str, owner: &str, subject: &str, body: &str) -> Result<Message, DeliverError> {
    Message::builder()
        .from(mailbox("From", from)?)
        .to(mailbox("To", owner)?)
        .subject(subject.replace(['\r', '\n'], " "))
        .message_id(None)
        .singlepart(SinglePart::plain(body.to_string()))
        .map_err(DeliverError::Build)
}

/// A creator statement: HTML and plain text to one influencer.
pub fn statement(cfg: &ReportEmail, s: &crate::report::statement::Statement) -> Result<Message, DeliverError> {
    if s.subject.contains(['\r', '\n']) {
        return Err(DeliverError::Header { field: "Subject", value: s.subject.clone() });
    }
    let body =
        MultiPart::alternative().singlepart(SinglePart::plain(s.text.clone())).singlepart(SinglePart::html(s.html.clone()));
    Message::builder()
        .from(mailbox("From", &cfg.from)?)
        .to(mailbox("To", &s.to)?)
        .subject(s.subject.clone())
        .message_id(None)
        .multipart(body)
        .map_err(DeliverError::Build)
}

/// Everyone the report goes to: `to`, then `cc`.
pub fn report_list(cfg: &ReportEmail) -> Vec<String> {
    cfg.to.iter().chain(&cfg.cc).cloned().collect()
}

/// Builds the email to those of the report's `to` and `cc` that are in `only`; `dir` holds the
/// run's CSV files to attach (see `report::bundle`).
pub fn build(
    cfg: &ReportEmail,
    subject: &str,
    rendered: &Rendered,
    dir: &Path,
    only: &[String],
) -> Result<Message, DeliverError> {
    let mut builder = Message::builder().from(mailbox("From", &cfg.from)?).subject(subject).message_id(None);
    for to in cfg.to.iter().filter(|m| only.contains(m)) {
        builder = builder.to(mailbox("To", to)?);
    }
    for cc in cfg.cc.iter().filter(|m| only.contains(m)) {
        builder = builder.cc(mailbox("Cc", cc)?);
    }
    let mut related = MultiPart::related().singlepart(SinglePart::html(rendered.email_html.clone()));
    for chart in &rendered.charts {
        let png = ContentType::parse("image/png").unwrap_or(ContentType::TEXT_PLAIN);
        related = related.singlepart(Attachment::new_inline(chart.content_id()).body(chart.png.clone(), png));
    }
    let body = MultiPart::alternative().singlepart(SinglePart::plain(rendered.text.clone())).multipart(related);
    let mut mixed = MultiPart::mixed().multipart(body);
    let files = crate::report::bundle::attachments(rendered, dir)
        .map_err(|e| DeliverError::Attachment { path: e.path, source: e.source })?;
    for file in files {
        let kind = ContentType::parse(file.content_type).unwrap_or(ContentType::TEXT_PLAIN);
        mixed = mixed.singlepart(Attachment::new(file.name).body(file.body, kind));
    }
    builder.multipart(mixed).map_err(DeliverError::Build)
}
