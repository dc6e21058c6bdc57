//! The two transports: `.eml` files in an outbox folder, or SMTP (STARTTLS, implicit TLS or
//! plain) with credentials read from the environment at send time.

use super::DeliverError;
use crate::config::{EmailTransport, Security};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, Transport};
use secrecy::ExposeSecret;
use std::time::Duration;

pub fn send(transport: &EmailTransport, email: &Message) -> Result<(), DeliverError> {
    match transport {
        EmailTransport::File { outbox } => {
            std::fs::create_dir_all(outbox).map_err(|source| DeliverError::Record { path: outbox.clone(), source })?;
            lettre::FileTransport::new(outbox)
                .send(email)
                .map(|_| ())
                .map_err(|source| DeliverError::Outbox { path: outbox.clone(), source })
        }
        EmailTransport::Smtp { host, port, security, username, password } => {
            let smtp_err = |source| DeliverError::Smtp { host: host.clone(), port: *port, source };
            let builder = match security {
                Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(smtp_err)?,
                Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(smtp_err)?,
                Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str()),
            };
            let mut builder = builder.port(*port).timeout(Some(Duration::from_secs(30)));
            if let (Some(user), Some(pass)) = (username, password) {
                let user = user.resolve()?;
                let pass = pass.resolve()?;
                builder =
                    builder.credentials(Credentials::new(user.expose_secret().to_string(), pass.expose_secret().to_string()));
            }
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(DeliverError::Runtime)?;
            runtime.block_on(async { builder.build().send(email.clone()).await }).map(|_| ()).map_err(smtp_err)
        }
    }
}
