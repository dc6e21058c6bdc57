//! Cell parsers for the inputs: exact decimals in either European or point notation, whole
//! counts, day-first or ISO dates, and timestamps with or without an offset.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Which character a file uses as its decimal separator by default. `;`-delimited files are
/// European (`1.234,50`); `,`-delimited ones use a decimal point (`1234.50`). A value that can
/// only be read one way (`1,234.50`, `12,5` in a point file) is read that way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalStyle {
    Point,
    Comma,
}

/// Why a cell could not be read; the caller adds file, line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub &'static str);

/// Parses an amount exactly from its decimal string.
pub fn parse_decimal(raw: &str, style: DecimalStyle) -> Result<Decimal, ValueError> {
    let cleaned: String =
        raw.trim().trim_start_matches('\'').chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
    if cleaned.is_empty() {
        return Err(ValueError("is empty"));
    }
    let (sign, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    if !digits.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') || !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(ValueError("is not a number"));
    }
    let normal = normalise_separators(digits, style)?;
    Decimal::from_str(&format!("{sign}{normal}")).map_err(|_| ValueError("is not a number"))
}

/// Rewrites `1.234,50` / `1,234.50` / `1234,5` into `1234.50`-style text.
fn normalise_separators(digits: &str, style: DecimalStyle) -> Result<String, ValueError> {
    let commas = digits.matches(',').count();
    let points = digits.matches('.').count();
    let (decimal, thousands) = match (commas, points) {
        (0, 0) => return Ok(digits.to_string()),
        (_, 0) if commas > 1 => (None, Some(',')),
        (0, _) if points > 1 => (None, Some('.')),
        (1, 0) | (0, 1) => {
            let sep = if commas == 1 { ',' } else { '.' };
            let is_default = (sep == ',') == (style == DecimalStyle::Comma);
            let after = digits.rsplit(sep).next().unwrap_or("");
            if !is_default && after.len() == 3 { (None, Some(sep)) } else { (Some(sep), None) }
        }
        _ => {
            let last_comma = digits.rfind(',').unwrap_or(0);
            let last_point = digits.rfind('.').unwrap_or(0);
            if last_comma > last_point {
                if commas > 1 {
                    return Err(ValueError("has more than one decimal separator"));
                }
                (Some(','), Some('.'))
            } else {
                if points > 1 {
                    return Err(ValueError("has more than one decimal separator"));
                }
                (Some('.'), Some(','))
            }
        }
    };
    let (int_part, frac_part) = match decimal {
        Some(sep) => {
            let (i, f) = digits.rsplit_once(sep).unwrap_or((digits, ""));
            (i, Some(f))
        }
        None => (digits, None),
    };
    let int_digits = match thousands {
        Some(sep) => {
            let groups: Vec<&str> = int_part.split(sep).collect();
            let well_formed = groups.len() > 1 && (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
            if !well_formed {
                return Err(ValueError("has misplaced thousands separators"));
            }
            groups.concat()
        }
        None => int_part.to_string(),
    };
    if int_digits.is_empty() || frac_part.is_some_and(|f| f.is_empty() || f.contains([',', '.'])) {
        return Err(ValueError("is not a number"));
    }
    Ok(match frac_part {
        Some(f) => format!("{int_digits}.{f}"),
        None => int_digits,
    })
}

/// Money is kept as whole millionths of a currency unit (exact for up to six decimals, which
/// covers every shop currency; a converted amount with more is rounded half to even).
pub const MICROS: i64 = 1_000_000;

/// An exact amount in millionths.
pub fn to_micros(amount: Decimal) -> Result<i64, ValueError> {
    let scaled = (amount * Decimal::from(MICROS)).round_dp(0);
    i64::try_from(scaled).map_err(|_| ValueError("is too large"))
}

/// Parses a whole, non-negative count such as likes or followers (`1.234` in a European file).
pub fn parse_count(raw: &str, style: DecimalStyle) -> Result<i64, ValueError> {
    let value = parse_decimal(raw, style)?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(ValueError("is negative"));
    }
    if value.fract() != Decimal::ZERO {
        return Err(ValueError("is not a whole number"));
    }
    i64::try_from(value.trunc()).map_err(|_| ValueError("is too large"))
}

/// Parses a calendar date: ISO `YYYY-MM-DD`, or day-first `DD-MM-YYYY`, `DD.MM.YYYY`,
/// `DD/MM/YYYY`. A trailing time (`2026-11-03 00:00:00`, `2026-11-03T00:00`) is ignored.
pub fn parse_date(raw: &str) -> Result<NaiveDate, ValueError> {
    let s = raw.trim();
    let day_part = s.split([' ', 'T']).next().unwrap_or(s);
    let parts: Vec<&str> = day_part.split(['-', '.', '/']).collect();
    let four_digit_year = parts.len() == 3 && (parts[0].len() == 4 || parts[2].len() == 4);
    if !four_digit_year {
        return Err(ValueError("is not a date (expected YYYY-MM-DD or DD-MM-YYYY)"));
    }
    const FORMATS: [&str; 4] = ["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"];
    FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(day_part, f).ok())
        .ok_or(ValueError("is not a date (expected YYYY-MM-DD or DD-MM-YYYY)"))
}

/// A point in time as written in an export, or a bare day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    Instant(DateTime<FixedOffset>),
    /// No offset given: a wall-clock time in the report's zone.
    Local(NaiveDateTime),
    Day(NaiveDate),
}

impl Stamp {
    /// The calendar day this stamp falls on in `tz`.
    pub fn day_in(self, tz: Tz) -> NaiveDate {
        match self {
            Stamp::Instant(t) => t.with_timezone(&tz).date_naive(),
            Stamp::Local(t) => t.date(),
            Stamp::Day(d) => d,
        }
    }
}

/// Parses RFC 3339 (`2026-11-03T10:00:00Z`, `+01:00`), Shopify's `2026-11-03 10:00:00 +0100`,
/// Instagram's `2026-11-03T10:00:00+0000`, a naive date-time, or a bare date.
pub fn parse_stamp(raw: &str) -> Result<Stamp, ValueError> {
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Stamp::Instant(t));
    }
    const WITH_OFFSET: [&str; 4] =
        ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%z"];
    if let Some(t) = WITH_OFFSET.iter().find_map(|f| DateTime::parse_from_str(s, f).ok()) {
        return Ok(Stamp::Instant(t));
    }
    const NAIVE: [&str; 4] = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"];
    if let Some(t) = NAIVE.iter().find_map(|f| NaiveDateTime::parse_from_str(s, f).ok()) {
        return Ok(Stamp::Local(t));
    }
    parse_date(s).map(Stamp::Day).map_err(|_| ValueError("is not a timestamp (expected RFC 3339 or YYYY-MM-DD HH:MM:SS +HHMM)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn reads_point_and_comma_notation() {
        use DecimalStyle::*;
        assert_eq!(parse_decimal("1234.50", Point), Ok(dec("1234.50")));
        assert_eq!(parse_decimal("1.234,50", Comma), Ok(dec("1234.50")));
        assert_eq!(parse_decimal("1,234.50", Comma), Ok(dec("1234.50")));
        assert_eq!(parse_decimal("12,5", Comma), Ok(dec("12.5")));
        assert_eq!(parse_decimal("12,5", Point), Ok(dec("12.5")));
        assert_eq!(parse_decimal("12.50", Comma), Ok(dec("12.50")));
        assert_eq!(parse_decimal("1.234", Comma), Ok(dec("1234")));
        assert_eq!(parse_decimal("1,234", Point), Ok(dec("1234")));
        assert_eq!(parse_decimal("1.234.567,8", Comma), Ok(dec("1234567.8")));
        assert_eq!(parse_decimal("-9.56", Point), Ok(dec("-9.56")));
        assert_eq!(parse_decimal("1 234,50", Comma), Ok(dec("1234.50")));
        assert_eq!(parse_decimal("163056", Point), Ok(dec("163056")));
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        use DecimalStyle::*;
        assert!(parse_decimal("12,3x", Point).is_err());
        assert!(parse_decimal("", Point).is_err());
        assert!(parse_decimal("1.2.3,4,5", Comma).is_err());
        assert!(parse_decimal("12,34,5", Point).is_err());
        assert!(parse_decimal("kr. 12", Point).is_err());
        assert!(parse_decimal(".5", Point).is_err());
        assert!(parse_decimal("5.", Point).is_err());
    }

    #[test]
    fn counts_are_whole_and_not_negative() {
        assert_eq!(parse_count("1.234", DecimalStyle::Comma), Ok(1234));
        assert_eq!(parse_count("12", DecimalStyle::Point), Ok(12));
        assert!(parse_count("12.5", DecimalStyle::Point).is_err());
        assert!(parse_count("-3", DecimalStyle::Point).is_err());
    }

    #[test]
    fn dates_iso_and_day_first() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        for s in ["2026-11-03", "03-11-2026", "03.11.2026", "03/11/2026", " 2026-11-03 00:00:00 "] {
            assert_eq!(parse_date(s), Ok(d), "{s}");
        }
        assert!(parse_date("2026-13-03").is_err());
        assert!(parse_date("11/03/26").is_err());
    }

    #[test]
    fn stamps_take_their_day_in_the_report_zone() {
        let cph: Tz = "Europe/Copenhagen".parse().unwrap();
        let day = |s| parse_stamp(s).unwrap().day_in(cph).to_string();
        assert_eq!(day("2026-11-02 23:30:00 +0000"), "2026-11-03");
        assert_eq!(day("2026-11-03T00:30:00+01:00"), "2026-11-03");
        assert_eq!(day("2026-10-24T22:30:00Z"), "2026-10-25");
        assert_eq!(day("2026-10-25T23:30:00+0000"), "2026-10-26");
        assert_eq!(day("2026-10-25 23:59:59"), "2026-10-25");
        assert_eq!(day("2026-10-25"), "2026-10-25");
        assert!(parse_stamp("yesterday").is_err());
    }

    proptest::proptest! {
        #[test]
        fn european_rendering_reads_back(cents in 0i64..1_000_000_000_000) {
            let value = Decimal::new(cents, 2);
            let int = (cents / 100).to_string();
            let mut grouped = String::new();
            for (i, c) in int.chars().enumerate() {
                if i > 0 && (int.len() - i) % 3 == 0 { grouped.push('.'); }
                grouped.push(c);
            }
            let text = format!("{grouped},{:02}", cents % 100);
            proptest::prop_assert_eq!(parse_decimal(&text, DecimalStyle::Comma), Ok(value));
            proptest::prop_assert_eq!(parse_decimal(&value.to_string(), DecimalStyle::Point), Ok(value));
        }
    }
}
