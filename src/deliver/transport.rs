//! The two transports: `.eml` files in an outbox folder, or SMTP (STARTTLS, implicit TLS or
//! plain) with credentials read from the environment at send time.

use super::DeliverError;
use crate::config::{EmailTransport, Security};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Message, Tokio1Executor, Transport};
use secrecy::ExposeSecret;
use std::time::Duration;

mod smtp;

/// Retries after a transient (4xx) answer: up to `RETRIES`, waiting `FIRST_RETRY` doubling up
/// to `MAX_RETRY`, plus up to a quarter of it at random.
const RETRIES: u32 = 4;
const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(8);

/// Tries the SMTP server (connect, EHLO, TLS, login) without sending; `None` for the outbox.
pub fn test_connection(transport: &EmailTransport) -> Result<Option<bool>, DeliverError> {
    let EmailTransport::Smtp { host, port, .. } = transport else { return Ok(None) };
    let builder = smtp_builder(transport)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(DeliverError::Runtime)?;
    runtime
        .block_on(async { builder.build::<Tokio1Executor>().test_connection().await })
        .map(Some)
        .map_err(|source| DeliverError::Smtp { host: host.clone(), port: *port, source })
}

/// The SMTP transport builder for `transport` (which must be SMTP), credentials included.
fn smtp_builder(transport: &EmailTransport) -> Result<lettre::transport::smtp::AsyncSmtpTransportBuilder, DeliverError> {
    let EmailTransport::Smtp { host, port, security, username, password, ca_file } = transport else {
        unreachable!("smtp_builder is only called for SMTP")
    };
    let smtp_err = |source| DeliverError::Smtp { host: host.clone(), port: *port, source };
    let builder = match (security, ca_file) {
        (Security::None, _) => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str()),
        (Security::StartTls, None) => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(smtp_err)?,
        (Security::Tls, None) => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(smtp_err)?,
        (tls, Some(ca)) => {
            let pem = std::fs::read(ca).map_err(|source| DeliverError::CaFile { path: ca.clone(), source })?;
            let cert = Certificate::from_pem(&pem).map_err(smtp_err)?;
            let params = TlsParameters::builder(host.clone()).add_root_certificate(cert).build_rustls().map_err(smtp_err)?;
            let tls = if *tls == Security::StartTls { Tls::Required(params) } else { Tls::Wrapper(params) };
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str()).tls(tls)
        }
    };
    let mut builder = builder.port(*port).timeout(Some(Duration::from_secs(30)));
    if let (Some(user), Some(pass)) = (username, password) {
        let user = user.resolve()?;
        let pass = pass.resolve()?;
        builder = builder.credentials(Credentials::new(user.expose_secret().to_string(), pass.expose_secret().to_string()));
    }
    Ok(builder)
}

/// Sends `email`: written into the outbox, or handed to the SMTP server. A transient refusal
/// (4xx) before the server took the message is retried; anything that goes wrong after the
/// message's data was handed over without a 4xx/5xx refusal is [`DeliverError::SmtpUnknown`].
pub fn send(transport: &EmailTransport, email: &Message) -> Result<(), DeliverError> {
    match transport {
        EmailTransport::File { outbox } => {
            std::fs::create_dir_all(outbox).map_err(|source| DeliverError::Record { path: outbox.clone(), source })?;
            lettre::FileTransport::new(outbox)
                .send(email)
                .map(|_| ())
                .map_err(|source| DeliverError::Outbox { path: outbox.clone(), source })
        }
        EmailTransport::Smtp { host, port, .. } => {
            let target = smtp::Target::new(transport)?;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(DeliverError::Runtime)?;
            let bytes = email.formatted();
            let mut delay = FIRST_RETRY;
            for attempt in 0.. {
                match runtime.block_on(target.send(email.envelope(), &bytes)) {
                    Ok(()) => return Ok(()),
                    Err(smtp::Failed::Unknown(source)) => {
                        return Err(DeliverError::SmtpUnknown { host: host.clone(), port: *port, source });
                    }
                    // 4xx: the server did not take the message; trying again cannot duplicate it
                    Err(smtp::Failed::NotTaken(e)) if e.is_transient() && attempt < RETRIES => {
                        let wait = delay + Duration::from_millis(fastrand::u64(0..=delay.as_millis() as u64 / 4));
                        tracing::warn!(attempt = attempt + 1, error = %e, wait_ms = wait.as_millis() as u64, "SMTP server asked to try again later");
                        std::thread::sleep(wait);
                        delay = (delay * 2).min(MAX_RETRY);
                    }
                    Err(smtp::Failed::NotTaken(source)) => {
                        return Err(DeliverError::Smtp { host: host.clone(), port: *port, source });
                    }
                }
            }
            unreachable!("the retry loop returns")
        }
    }
}
