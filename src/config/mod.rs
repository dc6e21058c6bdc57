//! The validated configuration: one TOML file, several reports sharing one email transport.
//! `load` lists every problem at once with its line and column.

mod benchmarks;
mod columns;
mod fields;
mod load;
mod pull;
mod signals;
mod state;

pub use pull::is_loopback;

use crate::tiers::TierScheme;
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use fields::record_keys;
pub use load::{load, parse};

#[derive(Debug, Clone)]
pub struct Config {
    /// The config file, and the folder relative paths are resolved against.
    pub path: PathBuf,
    pub base: PathBuf,
    pub reports: Vec<ReportConfig>,
    pub email: EmailTransport,
    /// Where the SQLite run ledger, the per-report locks, the snapshots and the parse cache live.
    pub state_dir: PathBuf,
    /// Whether parsed input files are kept in `state_dir/parse-cache` for the next run.
    pub parse_cache: bool,
    /// Who is told, in a short email, when a report could not be delivered.
    pub owner: Option<String>,
    /// Days a copy of an input file (customers' personal data) is kept in the state folder
    /// after the last run that read it (`keep_inputs_days`, default 90; 0 keeps none).
    pub keep_inputs_days: u32,
    /// The shared PostgreSQL ledger (`postgres://user@host:port/db`); `None`: SQLite in
    /// `state_dir`.
    pub state_url: Option<String>,
    /// The environment variable holding the PostgreSQL password.
    pub state_password: Option<EnvRef>,
    /// How long a claim (a run, a fire, a delivery) lives unless its holder renews it.
    pub claim_lease: std::time::Duration,
}

impl Config {
    /// The report named `name`, or the only/first one when no name is given.
    pub fn report(&self, name: Option<&str>) -> Result<&ReportConfig, ConfigError> {
        match name {
            Some(n) => self.reports.iter().find(|r| r.name == n).ok_or_else(|| ConfigError::NoSuchReport {
                name: n.to_string(),
                known: self.reports.iter().map(|r| r.name.clone()).collect::<Vec<_>>().join(", "),
            }),
            None => self.reports.first().ok_or(ConfigError::NoReports),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrdersFormat {
    Shopify,
    /// Analytics download or SkyVerge export (by headers), or `columns` when given.
    WooCommerce,
    /// Any CSV through `columns`.
    Generic,
}

#[derive(Debug, Clone)]
pub struct InputsConfig {
    pub roster: PathBuf,
    pub costs: Vec<String>,
    pub posts: Vec<String>,
    pub followers: Vec<String>,
    pub orders: Vec<String>,
    pub orders_format: OrdersFormat,
    /// `[report.inputs.columns]`: which order-export column holds what.
    pub columns: Option<crate::source::mapped::ColumnMap>,
    /// The header sent when an input is a URL.
    pub url_auth: Option<crate::source::remote::UrlAuth>,
    /// Skip and count unreadable rows instead of failing the run.
    pub skip_bad_rows: bool,
}

#[derive(Debug, Clone)]
pub struct ReportEmail {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub from: String,
    pub subject: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub name: String,
    pub timezone: Tz,
    pub currency: String,
    pub tiers: TierScheme,
    pub period: String,
    pub schedule: Option<crate::schedule::Schedule>,
    pub out_dir: PathBuf,
    pub discounts_are_cost: bool,
    pub inputs: InputsConfig,
    /// Units of `currency` per unit of the key currency, as exact decimal text.
    pub fx: BTreeMap<String, rust_decimal::Decimal>,
    pub email: Option<ReportEmail>,
    /// A folder whose templates replace the built-in ones of the same name.
    pub templates: Option<PathBuf>,
    /// Labels, numbers, money and dates in the reports.
    pub locale: crate::report::format::Locale,
    pub benchmarks: crate::benchmarks::Benchmarks,
    /// Thresholds of the leaked-code and audience-quality signals.
    pub signals: crate::signals::Thresholds,
    /// First day of the campaign-to-date totals (default: the earliest day in the inputs).
    pub campaign_start: Option<chrono::NaiveDate>,
    /// How many periods the trend chart shows (this one included).
    pub trend_periods: u32,
    /// How many of the best and of the weakest influencers by ROI the email digest lists.
    pub digest_rows: usize,
    /// One statement email per influencer with an address in the roster's `email` column.
    pub statements: bool,
    pub pull: PullConfig,
}

/// `[report.pull]`: the APIs a report pulls from, and how far back.
#[derive(Debug, Clone)]
pub struct PullConfig {
    pub platforms: Vec<PlatformApi>,
    /// Shop APIs whose orders are pulled (in addition to any order export files).
    pub shops: Vec<ShopApi>,
    /// Posts published this many days before the pull are fetched.
    pub lookback_days: u32,
    /// The pull (and so the run) fails when more than this share (0–1) of accounts failed.
    pub max_failed_share: f64,
    /// A period's post metrics are those of the last pull made before the end of this many
    /// days after the period (pinned by its first run).
    pub settle_days: u32,
    /// When the daemon pulls (cron in the report's zone), e.g. daily for follower snapshots.
    pub schedule: Option<crate::schedule::Schedule>,
}

impl Default for PullConfig {
    fn default() -> Self {
        Self {
            platforms: Vec::new(),
            shops: Vec::new(),
            lookback_days: 90,
            max_failed_share: 0.25,
            settle_days: 1,
            schedule: None,
        }
    }
}

impl PullConfig {
    pub fn has_apis(&self) -> bool {
        !self.platforms.is_empty() || !self.shops.is_empty()
    }
}

/// `[report.pull.woocommerce]` or `[report.pull.shopify]`: a shop's order API.
#[derive(Debug, Clone)]
pub struct ShopApi {
    pub kind: crate::pull::shops::ShopKind,
    /// Ends with `/`: the site (WooCommerce) or `…/admin/api/<version>/` (Shopify).
    pub base_url: reqwest::Url,
    /// WooCommerce: consumer key and secret (HTTP Basic); Shopify: the Admin API access token.
    pub key: EnvRef,
    pub secret: Option<EnvRef>,
    pub settings: crate::pull::http::Settings,
}

/// `[report.pull.<platform>]`: one platform's API.
#[derive(Debug, Clone)]
pub struct PlatformApi {
    pub platform: crate::source::Platform,
    /// Ends with `/`; paths are joined onto it.
    pub base_url: reqwest::Url,
    /// The platform-wide token (the roster's `<platform>_token` column overrides it per account).
    pub token: Option<EnvRef>,
    pub settings: crate::pull::http::Settings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    StartTls,
    Tls,
    None,
}

/// A secret given as `${NAME}`: only the variable's name is kept; it is read at send time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRef(pub String);

impl EnvRef {
    /// `${NAME}` → `NAME`; anything else (such as a pasted secret) is refused.
    pub fn parse(text: &str) -> Option<Self> {
        let name = text.trim().strip_prefix("${").and_then(|r| r.strip_suffix('}'))?;
        (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| EnvRef(name.to_string()))
    }

    pub fn resolve(&self) -> Result<secrecy::SecretString, ConfigError> {
        std::env::var(&self.0).map(secrecy::SecretString::from).map_err(|_| ConfigError::MissingEnv { name: self.0.clone() })
    }
}

#[derive(Debug, Clone)]
pub enum EmailTransport {
    File {
        outbox: PathBuf,
    },
    Smtp {
        host: String,
        port: u16,
        security: Security,
        username: Option<EnvRef>,
        password: Option<EnvRef>,
        /// A CA certificate (PEM) to trust besides the system's, for a server with a private CA.
        ca_file: Option<PathBuf>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config `{}` has {} problem(s):\n  {}", path.display(), problems.len(), problems.join("\n  "))]
    Invalid { path: PathBuf, problems: Vec<String> },
    #[error("no report named `{name}` in the config (reports: {known})")]
    NoSuchReport { name: String, known: String },
    #[error("the config has no [[report]]")]
    NoReports,
    #[error("environment variable `{name}` is not set")]
    MissingEnv { name: String },
}
