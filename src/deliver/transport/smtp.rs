//! One SMTP delivery, step by step, so that a failure can be placed: everything up to and
//! including the `DATA` command happens before the server has the message (a failure there
//! sent nothing), while a failure once the message's data went out — a reset, EOF, TLS close,
//! timeout or a reply that is not a 4xx/5xx refusal — leaves the outcome unknown.

use super::super::DeliverError;
use crate::config::{EmailTransport, Security};
use lettre::address::Envelope;
use lettre::transport::smtp::Error;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use secrecy::ExposeSecret;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a delivery did not complete.
pub enum Failed {
    /// The server never had the message (or refused it with 4xx/5xx): nothing was delivered.
    NotTaken(Error),
    /// The message's data was handed over and no refusal came back: it may have been delivered.
    Unknown(Error),
}

/// Where and how to connect.
pub struct Target {
    host: String,
    port: u16,
    /// TLS parameters and whether TLS starts with the first byte (else STARTTLS).
    tls: Option<(TlsParameters, bool)>,
    credentials: Option<Credentials>,
}

impl Target {
    pub fn new(transport: &EmailTransport) -> Result<Self, DeliverError> {
        let EmailTransport::Smtp { host, port, security, username, password, ca_file } = transport else {
            unreachable!("Target::new is only called for SMTP")
        };
        let smtp_err = |source| DeliverError::Smtp { host: host.clone(), port: *port, source };
        let tls = match security {
            Security::None => None,
            tls => {
                let mut params = TlsParameters::builder(host.clone());
                if let Some(ca) = ca_file {
                    let pem = std::fs::read(ca).map_err(|source| DeliverError::CaFile { path: ca.clone(), source })?;
                    params = params.add_root_certificate(Certificate::from_pem(&pem).map_err(smtp_err)?);
                }
                Some((params.build_rustls().map_err(smtp_err)?, *tls == Security::Tls))
            }
        };
        let credentials = match (username, password) {
            (Some(user), Some(pass)) => {
                let (user, pass) = (user.resolve()?, pass.resolve()?);
                Some(Credentials::new(user.expose_secret().to_string(), pass.expose_secret().to_string()))
            }
            _ => None,
        };
        Ok(Self { host: host.clone(), port: *port, tls, credentials })
    }

    /// One attempt: connect, (STARTTLS,) log in, MAIL, RCPT, DATA, the message, QUIT.
    pub async fn send(&self, envelope: &Envelope, email: &[u8]) -> Result<(), Failed> {
        let mut conn = self.open(envelope, email).await.map_err(Failed::NotTaken)?;
        match conn.message(email).await {
            Ok(_) => {
                let _ = conn.quit().await;
                Ok(())
            }
            // The server answered with a refusal: it did not take the message.
            Err(e) if e.is_transient() || e.is_permanent() => {
                conn.abort().await;
                Err(Failed::NotTaken(e))
            }
            Err(e) => Err(Failed::Unknown(e)),
        }
    }

    /// Everything before the message's data: a failure here means the server does not have it.
    async fn open(&self, envelope: &Envelope, email: &[u8]) -> Result<AsyncSmtpConnection, Error> {
        let hello = ClientId::default();
        let implicit = self.tls.as_ref().filter(|(_, implicit)| *implicit).map(|(p, _)| p.clone());
        let mut conn =
            AsyncSmtpConnection::connect_tokio1((self.host.as_str(), self.port), Some(TIMEOUT), &hello, implicit, None).await?;
        if let Some((params, false)) = &self.tls {
            conn.starttls(params.clone(), &hello).await?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await?;
        }
        let mut options = Vec::new();
        let non_ascii = envelope.from().into_iter().chain(envelope.to()).any(|a| !a.to_string().is_ascii());
        if non_ascii {
            options.push(MailParameter::SmtpUtfEight);
        }
        if !email.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        conn.command(Mail::new(envelope.from().cloned(), options)).await?;
        for to in envelope.to() {
            conn.command(Rcpt::new(to.clone(), vec![])).await?;
        }
        conn.command(Data).await?;
        Ok(conn)
    }
}
