//! Where the run ledger lives: SQLite in `state_dir` (the default), or PostgreSQL shared by
//! several daemons — `state_url = "postgres://user@host:port/db"`, its password only from the
//! environment (`state_password = "${VAR}"`, else `PGPASSWORD`) — and how long a claim lives
//! unless its holder renews it (`claim_lease_secs`).

use super::EnvRef;
use super::fields::{Fields, Problems};
use std::time::Duration;

/// The ledger's keys.
#[derive(Debug, Clone)]
pub struct StateKeys {
    pub url: Option<String>,
    pub password: Option<EnvRef>,
    pub lease: Duration,
}

pub fn state(root: &mut Fields<'_, '_>, p: &mut Problems) -> StateKeys {
    let url = root.string("state_url", p).and_then(|u| {
        let text = u.get_ref().trim().to_string();
        let problem = if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
            Some("`state_url` must be a PostgreSQL URL like \"postgres://tierwise@db.internal:5432/tierwise\" (leave it out for SQLite in `state_dir`)".to_string())
        } else {
            match text.parse::<postgres::Config>() {
                // Never echo the URL here: it holds a password.
                Ok(c) if c.get_password().is_some() => Some(
                    "`state_url` must not contain a password; put it in the environment and name it in `state_password = \"${TIERWISE_DB_PASSWORD}\"`"
                        .to_string(),
                ),
                Ok(_) => None,
                Err(e) => Some(format!("`state_url` is not a PostgreSQL connection URL: {e}")),
            }
        };
        match problem {
            Some(message) => {
                p.at(u.span(), message);
                None
            }
            None => Some(text),
        }
    });
    let password = root.string("state_password", p).and_then(|s| match EnvRef::parse(s.get_ref()) {
        Some(r) => Some(r),
        None => {
            p.at(s.span(), "`state_password` must name an environment variable like \"${TIERWISE_DB_PASSWORD}\"; the password is never kept in the config");
            None
        }
    });
    let password =
        password.or_else(|| (url.is_some() && std::env::var_os("PGPASSWORD").is_some()).then(|| EnvRef("PGPASSWORD".into())));
    let mut lease = crate::deliver::claims::DEFAULT_LEASE;
    if let Some(n) = root.integer("claim_lease_secs", p) {
        match u64::try_from(*n.get_ref()) {
            Ok(s) if (2..=86_400).contains(&s) => lease = Duration::from_secs(s),
            _ => p.at(n.span(), "`claim_lease_secs` must be between 2 and 86400"),
        }
    }
    StateKeys { url, password, lease }
}
