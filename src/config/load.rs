//! Builds a [`Config`] from TOML text, checking every key and collecting every problem.

use super::fields::{Fields, Problems};
use super::*;
use crate::tiers::{BUILT_IN, Tier};
use std::path::Path;
use std::str::FromStr;
use toml::de::DeTable;

/// How long input copies are kept unless `keep_inputs_days` says otherwise.
pub const DEFAULT_KEEP_INPUTS_DAYS: u32 = 90;

/// Reads and validates the config file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io { path: path.to_path_buf(), source })?;
    parse(&text, path)
}

/// Validates config `text`; `path` is used for messages and as the base of relative paths.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let mut p = Problems::new(text);
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            match e.span() {
                Some(span) => p.at(span, e.message().to_string()),
                None => p.plain(e.message().to_string()),
            }
            return Err(ConfigError::Invalid { path: path.to_path_buf(), problems: p.into_list() });
        }
    };
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut root = Fields::new(doc.get_ref(), doc.span(), "");
    let reports: Vec<_> = root
        .tables("report", &mut p)
        .into_iter()
        .enumerate()
        .filter_map(|(i, (span, t))| report(t, span, i, &base, &mut p))
        .collect();
    if reports.is_empty() && !root.has("report") {
        p.at(0..0, "the config has no [[report]]");
    }
    let mut names = std::collections::HashSet::new();
    for r in &reports {
        if !names.insert(r.name.clone()) {
            p.plain(format!("two reports are named `{}`", r.name));
        }
    }
    let state_dir = base.join(root.string("state_dir", &mut p).map(Spanned::into_inner).unwrap_or_else(|| "state".into()));
    let keep_inputs_days = match root.integer("keep_inputs_days", &mut p) {
        None => DEFAULT_KEEP_INPUTS_DAYS,
        Some(n) => u32::try_from(*n.get_ref()).ok().filter(|d| *d <= 3650).unwrap_or_else(|| {
            p.at(n.span(), "`keep_inputs_days` must be 0 (keep no copies) to 3650");
            DEFAULT_KEEP_INPUTS_DAYS
        }),
    };
    let state = super::state::state(&mut root, &mut p);
    let parse_cache = root.boolean("parse_cache", &mut p).unwrap_or(true);
    let mut owner = None;
    let email = match root.table("email", &mut p) {
        Some(mut t) => {
            owner = t.string("owner", &mut p).and_then(|o| {
                let ok = !o.get_ref().contains(['\r', '\n']) && o.get_ref().parse::<lettre::message::Mailbox>().is_ok();
                if !ok {
                    p.at(o.span(), format!("`email.owner` {:?} is not an email address", o.get_ref()));
                }
                ok.then(|| o.into_inner())
            });
            transport(t, &base, &mut p)
        }
        None => Some(EmailTransport::File { outbox: base.join("out/outbox") }),
    };
    root.finish(&mut p);
    match (p.is_empty(), email) {
        (true, Some(email)) => Ok(Config {
            path: path.to_path_buf(),
            state_dir,
            parse_cache,
            base,
            reports,
            email,
            owner,
            keep_inputs_days,
            state_url: state.url,
            state_password: state.password,
            claim_lease: state.lease,
        }),
        _ => Err(ConfigError::Invalid { path: path.to_path_buf(), problems: p.into_list() }),
    }
}

fn report(
    table: &DeTable<'_>,
    span: std::ops::Range<usize>,
    index: usize,
    base: &Path,
    p: &mut Problems,
) -> Option<ReportConfig> {
    let mut f = Fields::new(table, span, format!("report[{index}]"));
    let name = f.required("name", p);
    if let Some(n) = &name {
        f.path = format!("report[{}]", n.get_ref());
        if n.get_ref().trim().is_empty() || n.get_ref().contains(['\r', '\n', '/', '\\']) {
            p.at(n.span(), "`name` must be non-empty, on one line, without slashes");
        }
    }
    let timezone = match f.string("timezone", p) {
        Some(tz) => Tz::from_str(tz.get_ref())
            .map_err(|_| p.at(tz.span(), format!("`timezone` {:?} is not an IANA time zone", tz.get_ref())))
            .ok(),
        None => Some(chrono_tz::Europe::Copenhagen),
    };
    let currency = f.string("currency", p).map(|c| c.into_inner().trim().to_uppercase()).unwrap_or_else(|| "DKK".into());
    let tiers = tier_scheme(&mut f, p);
    let period = match f.string("period", p) {
        Some(s) => {
            let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
            if crate::period::Period::parse(s.get_ref(), today).is_err() {
                p.at(s.span(), format!("`period` {:?} is not last-week, last-month, YYYY-Www or YYYY-MM", s.get_ref()));
            }
            s.into_inner()
        }
        None => "last-week".to_string(),
    };
    let schedule = match (f.string("schedule", p), timezone) {
        (Some(s), Some(tz)) => crate::schedule::Schedule::parse(s.get_ref(), tz).map_err(|e| p.at(s.span(), e.to_string())).ok(),
        _ => None,
    };
    let out_dir = base.join(f.string("out_dir", p).map(Spanned::into_inner).unwrap_or_else(|| "out".into()));
    let discounts_are_cost = f.boolean("discounts_are_cost", p).unwrap_or(false);
    let templates = f.string("templates", p).map(|t| base.join(t.get_ref()));
    let inputs = match f.table("inputs", p) {
        Some(t) => inputs(t, base, p),
        None => {
            p.at(f.span.clone(), format!("`{}.inputs` is missing", f.path));
            None
        }
    };
    let fx = f.table("fx", p).map(|t| fx(t, p)).unwrap_or_default();
    let locale = match f.string("locale", p) {
        Some(l) => crate::report::format::Locale::parse(l.get_ref()).unwrap_or_else(|| {
            p.at(l.span(), format!("`locale` {:?} must be en, da, sv or nl", l.get_ref()));
            crate::report::format::Locale::En
        }),
        None => crate::report::format::Locale::En,
    };
    let usd = fx.get("USD").map(|r| crate::source::costs::decimal_to_f64(*r)).or((currency == "USD").then_some(1.0));
    let benchmarks = match f.table("benchmarks", p) {
        Some(t) => super::benchmarks::parse(t, usd, p),
        None => crate::benchmarks::Benchmarks::founding(usd),
    };
    let campaign_start = f.string("campaign_start", p).and_then(|s| match crate::source::values::parse_date(s.get_ref()) {
        Ok(d) => Some(d),
        Err(e) => {
            p.at(s.span(), format!("`campaign_start` {:?} {e}", s.get_ref()));
            None
        }
    });
    let trend_periods = match f.integer("trend_periods", p) {
        Some(n) if (2..=24).contains(n.get_ref()) => *n.get_ref() as u32,
        Some(n) => {
            p.at(n.span(), "`trend_periods` must be between 2 and 24");
            8
        }
        None => 8,
    };
    let digest_rows = match f.integer("digest_rows", p) {
        Some(n) if (1..=50).contains(n.get_ref()) => *n.get_ref() as usize,
        Some(n) => {
            p.at(n.span(), "`digest_rows` must be between 1 and 50 (the email stays under 100 KB)");
            10
        }
        None => 10,
    };
    let statements = match f.table("statements", p) {
        Some(mut t) => {
            let send = t.boolean("send", p).unwrap_or(false);
            t.finish(p);
            send
        }
        None => false,
    };
    let email = f.table("email", p).and_then(|t| report_email(t, p));
    let signals = f.table("signals", p).map(|t| super::signals::parse(t, p)).unwrap_or_default();
    let pull = f.table("pull", p).map(|t| super::pull::parse(t, timezone, p)).unwrap_or_default();
    let path = f.path.clone();
    f.finish(p);
    let _ = path;
    Some(ReportConfig {
        name: name?.into_inner(),
        timezone: timezone?,
        currency,
        tiers: tiers?,
        period,
        schedule,
        out_dir,
        discounts_are_cost,
        inputs: inputs?,
        fx,
        email,
        templates,
        locale,
        benchmarks,
        signals,
        campaign_start,
        trend_periods,
        digest_rows,
        statements,
        pull,
    })
}

use toml::Spanned;

fn tier_scheme(f: &mut Fields<'_, '_>, p: &mut Problems) -> Option<TierScheme> {
    let custom = f.tables("tiers", p);
    if !custom.is_empty() {
        let mut tiers: Vec<Tier> = Vec::new();
        let mut seen: Vec<(String, i64, String)> = Vec::new();
        for (i, (span, t)) in custom.into_iter().enumerate() {
            let mut tf = Fields::new(t, span, format!("{}.tiers[{i}]", f.path));
            let name = tf.required("name", p).map(|n| n.into_inner().trim().to_lowercase());
            let min = tf.integer("min_followers", p);
            if !tf.has("min_followers") {
                p.at(tf.span.clone(), format!("`{}.min_followers` is missing", tf.path));
            }
            if let (Some(name), Some(min)) = (name, min) {
                let at = min.span();
                let min = min.into_inner();
                if name.is_empty() {
                    p.at(tf.span.clone(), format!("`{}.name` is empty", tf.path));
                } else if min < 0 {
                    p.at(at, format!("`{}.min_followers` is negative ({min})", tf.path));
                } else if let Some((other, _, path)) = seen.iter().find(|(n, _, _)| *n == name) {
                    p.at(tf.span.clone(), format!("tier name {other:?} is used twice: `{path}` and `{}`", tf.path));
                } else if let Some((other, _, path)) = seen.iter().find(|(_, m, _)| *m == min) {
                    p.at(
                        at,
                        format!("tiers {other:?} (`{path}`) and {name:?} (`{}`) have the same `min_followers` {min}", tf.path),
                    );
                } else {
                    seen.push((name.clone(), min, tf.path.clone()));
                    tiers.push(Tier { name, min_followers: min });
                }
            }
            tf.finish(p);
        }
        if f.has("tier_scheme") {
            let v = f.get("tier_scheme");
            if let Some(v) = v {
                p.at(v.span(), "give either `tier_scheme` or [[report.tiers]], not both");
            }
        }
        return Some(TierScheme::custom(tiers));
    }
    match f.string("tier_scheme", p) {
        Some(s) => TierScheme::built_in(s.get_ref().trim()).or_else(|| {
            p.at(
                s.span(),
                format!("`tier_scheme` {:?} is not one of {} (or give [[report.tiers]])", s.get_ref(), BUILT_IN.join(", ")),
            );
            None
        }),
        None => TierScheme::built_in("mikro-meso-makro"),
    }
}

fn inputs(mut f: Fields<'_, '_>, base: &Path, p: &mut Problems) -> Option<InputsConfig> {
    let list = |f: &mut Fields<'_, '_>, key: &str, p: &mut Problems| -> Vec<String> {
        f.strings(key, p).unwrap_or_default().into_iter().map(Spanned::into_inner).collect()
    };
    let roster = f.required("roster", p).map(|r| match crate::source::remote::is_url(r.get_ref()) {
        true => PathBuf::from(r.get_ref()),
        false => base.join(r.get_ref()),
    });
    let costs = list(&mut f, "costs", p);
    let posts = list(&mut f, "posts", p);
    let followers = list(&mut f, "followers", p);
    let orders = list(&mut f, "orders", p);
    let orders_format = match f.string("orders_format", p) {
        Some(s) => match s.get_ref().trim().to_lowercase().as_str() {
            "shopify" => Some(OrdersFormat::Shopify),
            "woocommerce" => Some(OrdersFormat::WooCommerce),
            "generic" => Some(OrdersFormat::Generic),
            _ => {
                p.at(s.span(), format!("`orders_format` {:?} must be \"shopify\", \"woocommerce\" or \"generic\"", s.get_ref()));
                None
            }
        },
        None => Some(OrdersFormat::Shopify),
    };
    let columns = f.table("columns", p).and_then(|t| super::columns::parse(t, p));
    if orders_format == Some(OrdersFormat::Shopify) && f.has("columns") {
        p.at(
            f.span.clone(),
            "[report.inputs.columns] is for `orders_format = \"woocommerce\"` or `\"generic\"`; Shopify exports are read by name",
        );
    }
    if orders_format == Some(OrdersFormat::Generic) && columns.is_none() && !f.has("columns") {
        p.at(f.span.clone(), "`orders_format = \"generic\"` needs [report.inputs.columns] (order_id, created_at, codes, total)");
    }
    let url_header = f.string("url_header", p).map(|h| h.into_inner());
    let url_auth = f
        .has("url_auth")
        .then(|| env_ref(&mut f, "url_auth", p))
        .flatten()
        .map(|value| crate::source::remote::UrlAuth { header: url_header.unwrap_or_else(|| "Authorization".into()), value });
    let skip_bad_rows = match f.string("on_bad_row", p) {
        Some(s) if s.get_ref() == "fail" => false,
        Some(s) if s.get_ref() == "skip" => true,
        Some(s) => {
            p.at(s.span(), format!("`on_bad_row` {:?} must be \"fail\" or \"skip\"", s.get_ref()));
            false
        }
        None => false,
    };
    f.finish(p);
    Some(InputsConfig {
        roster: roster?,
        costs,
        posts,
        followers,
        orders,
        orders_format: orders_format?,
        columns,
        url_auth,
        skip_bad_rows,
    })
}

fn fx(f: Fields<'_, '_>, p: &mut Problems) -> BTreeMap<String, rust_decimal::Decimal> {
    let mut out = BTreeMap::new();
    for (key, value) in f.entries() {
        let code = key.get_ref().trim().to_uppercase();
        match Fields::number_text(value).and_then(|t| rust_decimal::Decimal::from_str(&t).ok()) {
            Some(rate) if rate > rust_decimal::Decimal::ZERO => {
                out.insert(code, rate);
            }
            _ => p.at(value.span(), format!("fx rate for `{code}` must be a positive number")),
        }
    }
    out
}

fn report_email(mut f: Fields<'_, '_>, p: &mut Problems) -> Option<ReportEmail> {
    let addresses = |f: &mut Fields<'_, '_>, key: &str, p: &mut Problems| -> Vec<String> {
        let list = f.strings(key, p).unwrap_or_default();
        list.into_iter()
            .filter_map(|a| match a.get_ref().parse::<lettre::message::Mailbox>() {
                Ok(_) if !a.get_ref().contains(['\r', '\n']) => Some(a.into_inner()),
                _ => {
                    p.at(a.span(), format!("{:?} is not an email address", a.get_ref()));
                    None
                }
            })
            .collect()
    };
    let to = addresses(&mut f, "to", p);
    let cc = addresses(&mut f, "cc", p);
    if to.is_empty() && !f.has("to") {
        p.at(f.span.clone(), format!("`{}.to` is missing", f.path));
    }
    let from = f.required("from", p);
    if let Some(a) = &from
        && (a.get_ref().contains(['\r', '\n']) || a.get_ref().parse::<lettre::message::Mailbox>().is_err())
    {
        p.at(a.span(), format!("{:?} is not an email address", a.get_ref()));
    }
    let subject = f.string("subject", p);
    if let Some(s) = &subject
        && s.get_ref().contains(['\r', '\n'])
    {
        p.at(s.span(), "`subject` must be on one line");
    }
    f.finish(p);
    Some(ReportEmail { to, cc, from: from?.into_inner(), subject: subject.map(Spanned::into_inner) })
}

pub(super) fn env_ref(f: &mut Fields<'_, '_>, key: &str, p: &mut Problems) -> Option<EnvRef> {
    let s = f.string(key, p)?;
    let parsed = EnvRef::parse(s.get_ref());
    if parsed.is_none() {
        p.at(
            s.span(),
            format!(
                "`{}.{key}` must be an environment reference like \"${{{}}}\"; secrets are never written in the config",
                f.path,
                if f.path == "email" { "SMTP_PASSWORD" } else { "API_TOKEN" }
            ),
        );
    }
    parsed
}

/// `localhost` or a loopback address (`127.0.0.0/8`, `::1`).
fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn transport(mut f: Fields<'_, '_>, base: &Path, p: &mut Problems) -> Option<EmailTransport> {
    let kind = f.string("transport", p).map(Spanned::into_inner).unwrap_or_else(|| "file".into());
    let out = match kind.as_str() {
        "file" => {
            let outbox = f.string("outbox", p).map(Spanned::into_inner).unwrap_or_else(|| "out/outbox".into());
            Some(EmailTransport::File { outbox: base.join(outbox) })
        }
        "smtp" => {
            let host = f.required("host", p).map(Spanned::into_inner);
            let security = match f.string("security", p) {
                None => Some(Security::StartTls),
                Some(s) => match s.get_ref().as_str() {
                    "starttls" => Some(Security::StartTls),
                    "tls" => Some(Security::Tls),
                    "none" => Some(Security::None),
                    other => {
                        p.at(s.span(), format!("`email.security` {other:?} must be starttls, tls or none"));
                        None
                    }
                },
            };
            let default_port = match security {
                Some(Security::Tls) => 465,
                Some(Security::None) => 25,
                _ => 587,
            };
            let port = match f.integer("port", p) {
                Some(n) => u16::try_from(*n.get_ref()).map_err(|_| p.at(n.span(), "`email.port` must be 1-65535")).ok(),
                None => Some(default_port),
            };
            let username = env_ref(&mut f, "username", p);
            let password = env_ref(&mut f, "password", p);
            let ca_file = f.string("ca_file", p).map(|c| base.join(c.get_ref()));
            if let (Some(Security::None), Some(_), Some(h)) = (security, &password, &host)
                && !is_loopback(h)
            {
                let at = f.get("password").map_or(f.span.clone(), |v| v.span());
                p.at(
                    at,
                    format!(
                        "`email.password` with `security = \"none\"` would cross the network to {h:?} in clear text; use \
                         starttls or tls (plain SMTP with a password is allowed only to a loopback host)"
                    ),
                );
            }
            Some(EmailTransport::Smtp { host: host?, port: port?, security: security?, username, password, ca_file })
        }
        other => {
            p.at(f.span.clone(), format!("`email.transport` {other:?} must be file or smtp"));
            None
        }
    };
    // Keys of the other transport are accepted so one file can switch by changing `transport`.
    for key in ["outbox", "host", "port", "security", "username", "password", "ca_file"] {
        f.get(key);
    }
    f.finish(p);
    out
}
