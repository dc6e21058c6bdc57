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
    // Only digits and one point are left: a number rust_decimal cannot hold is too large.
    Decimal::from_str(&format!("{sign}{normal}")).map_err(|_| ValueError("is too large"))
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

/// An exact amount in millionths (checked: an amount beyond ±9.2 × 10¹² units is an error).
pub fn to_micros(amount: Decimal) -> Result<i64, ValueError> {
    let scaled = amount.checked_mul(Decimal::from(MICROS)).ok_or(ValueError("is too large"))?.round_dp(0);
    i64::try_from(scaled).map_err(|_| ValueError("is too large"))
}

/// `amount` when it fits the millionths money is kept in (±9.2 × 10¹² units).
pub fn fits(amount: Decimal) -> Result<Decimal, ValueError> {
    to_micros(amount).map(|_| amount)
}

/// `amount` × `rate`, checked.
pub fn convert(amount: Decimal, rate: Decimal) -> Result<Decimal, ValueError> {
    amount.checked_mul(rate).ok_or(ValueError("is too large"))
}

/// `a` + `b` (or − when `sign` is negative), checked.
pub fn add(a: Decimal, b: Decimal) -> Result<Decimal, ValueError> {
    a.checked_add(b).ok_or(ValueError("is too large"))
}

/// Money a shop never writes negative (subtotal, total, refunded amount, a Shopify discount).
pub fn non_negative(amount: Decimal) -> Result<Decimal, ValueError> {
    if amount.is_sign_negative() && !amount.is_zero() { Err(ValueError("is negative")) } else { Ok(amount) }
}

/// A percentage such as `commission_pct`: 0 to 100 inclusive.
pub fn percent(value: Decimal) -> Result<Decimal, ValueError> {
    if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED { Err(ValueError("is outside 0–100")) } else { Ok(value) }
}

/// Counts (followers, likes, views, …) are below ten billion: nothing real is larger, and a
/// larger one is a shifted or corrupted cell.
pub const MAX_COUNT: i64 = 10_000_000_000;

/// Timestamps carry offsets within ±14:00 (the extremes real zones use).
pub const MAX_OFFSET_SECONDS: i32 = 14 * 3600;

/// Parses a whole, non-negative count such as likes or followers (`1.234` in a European file).
pub fn parse_count(raw: &str, style: DecimalStyle) -> Result<i64, ValueError> {
    let value = parse_decimal(raw, style)?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(ValueError("is negative"));
    }
    if value.fract() != Decimal::ZERO {
        return Err(ValueError("is not a whole number"));
    }
    match i64::try_from(value.trunc()) {
        Ok(n) if n < MAX_COUNT => Ok(n),
        _ => Err(ValueError("is 10 billion or more")),
    }
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
/// A day-first date with a time is read like its ISO form. A time with an offset outside
/// ±14:00 (`+25:00`), or a date followed by anything that is not a time, is an error, never a
/// bare date.
pub fn parse_stamp(raw: &str) -> Result<Stamp, ValueError> {
    const NOT_A_STAMP: ValueError = ValueError("is not a timestamp (expected RFC 3339 or YYYY-MM-DD HH:MM:SS +HHMM)");
    let s = raw.trim();
    let split = s.find([' ', 'T']).unwrap_or(s.len());
    let date = parse_date(&s[..split]).map_err(|_| NOT_A_STAMP)?;
    let rest = &s[split..];
    if rest.trim().is_empty() {
        return Ok(Stamp::Day(date));
    }
    let iso = format!("{}{rest}", date.format("%Y-%m-%d"));
    const WITH_OFFSET: [&str; 4] =
        ["%Y-%m-%d %H:%M:%S%.f %z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M %z"];
    let instant = DateTime::parse_from_rfc3339(&iso)
        .ok()
        .or_else(|| WITH_OFFSET.iter().find_map(|f| DateTime::parse_from_str(&iso, f).ok()));
    if let Some(t) = instant {
        return check_offset(t).map(Stamp::Instant);
    }
    const NAIVE: [&str; 4] = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"];
    if let Some(t) = NAIVE.iter().find_map(|f| NaiveDateTime::parse_from_str(&iso, f).ok()) {
        return Ok(Stamp::Local(t));
    }
    if has_offset_suffix(&iso) { Err(ValueError("has a UTC offset outside ±14:00")) } else { Err(NOT_A_STAMP) }
}

/// An instant whose offset is within ±14:00.
pub fn check_offset(t: DateTime<FixedOffset>) -> Result<DateTime<FixedOffset>, ValueError> {
    if t.offset().local_minus_utc().abs() > MAX_OFFSET_SECONDS {
        Err(ValueError("has a UTC offset outside ±14:00"))
    } else {
        Ok(t)
    }
}

/// Whether `s` ends in a time with a `±HH:MM` / `±HHMM` offset that chrono refused (hours 24
/// and more).
fn has_offset_suffix(s: &str) -> bool {
    let Some(pos) = s.rfind(['+', '-']) else { return false };
    let (head, tail) = (&s[..pos], &s[pos + 1..]);
    let digits: String = tail.chars().filter(|c| *c != ':').collect();
    head.contains(':') && digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit())
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
        assert_eq!(parse_count("9999999999", DecimalStyle::Point), Ok(9_999_999_999));
        assert_eq!(parse_count("10000000000", DecimalStyle::Point), Err(ValueError("is 10 billion or more")));
        assert_eq!(parse_count("123456789012345678901234567", DecimalStyle::Point), Err(ValueError("is 10 billion or more")));
    }

    #[test]
    fn amounts_of_any_length_never_panic() {
        let huge = parse_decimal("123456789012345678901234", DecimalStyle::Point).unwrap();
        assert_eq!(to_micros(huge), Err(ValueError("is too large")));
        assert_eq!(convert(huge, huge), Err(ValueError("is too large")));
        assert_eq!(add(Decimal::MAX, Decimal::ONE), Err(ValueError("is too large")));
        assert_eq!(to_micros(dec("9300000000000")), Err(ValueError("is too large")));
        assert_eq!(to_micros(dec("11271.29")), Ok(11_271_290_000));
        for raw in ["1234567890123456789012345678901234567890", "9".repeat(80).as_str(), "0.1234567890123456789012345678901"] {
            let read = parse_decimal(raw, DecimalStyle::Point).and_then(fits);
            assert!(read.is_ok() || read == Err(ValueError("is too large")), "{raw}: {read:?}");
        }
        assert_eq!(parse_decimal(&"9".repeat(40), DecimalStyle::Point), Err(ValueError("is too large")));
    }

    #[test]
    fn ranges_of_money_and_percentages() {
        assert_eq!(non_negative(dec("-0.01")), Err(ValueError("is negative")));
        assert_eq!(non_negative(dec("-0")), Ok(dec("-0")));
        assert_eq!(non_negative(dec("0.01")), Ok(dec("0.01")));
        assert_eq!(percent(dec("100")), Ok(dec("100")));
        assert_eq!(percent(dec("0")), Ok(dec("0")));
        assert_eq!(percent(dec("12.5")), Ok(dec("12.5")));
        assert_eq!(percent(dec("100.01")), Err(ValueError("is outside 0–100")));
        assert_eq!(percent(dec("-1")), Err(ValueError("is outside 0–100")));
    }

    #[test]
    fn offsets_beyond_fourteen_hours_are_errors_not_dates() {
        let outside = Err(ValueError("has a UTC offset outside ±14:00"));
        assert_eq!(parse_stamp("2026-11-03T10:00:00+25:00"), outside);
        assert_eq!(parse_stamp("2026-11-03 10:00:00 +2500"), outside);
        assert_eq!(parse_stamp("2026-11-03T10:00:00+14:30"), outside);
        assert_eq!(parse_stamp("2026-11-03T10:00:00-15:00"), outside);
        assert!(matches!(parse_stamp("2026-11-03T10:00:00+14:00"), Ok(Stamp::Instant(_))));
        assert!(matches!(parse_stamp("2026-11-03 10:00:00 -1200"), Ok(Stamp::Instant(_))));
        assert!(parse_stamp("2026-11-03 10:00:00 garbage").is_err());
        assert!(parse_stamp("2026-11-03 99:00").is_err());
        assert_eq!(parse_stamp("2026-11-03"), Ok(Stamp::Day(NaiveDate::from_ymd_opt(2026, 11, 3).unwrap())));
        assert_eq!(parse_stamp("03.11.2026"), Ok(Stamp::Day(NaiveDate::from_ymd_opt(2026, 11, 3).unwrap())));
        assert_eq!(parse_stamp("03.11.2026 10:00"), parse_stamp("2026-11-03 10:00"));
        assert_eq!(parse_stamp("03-11-2026 10:00:00 +0100"), parse_stamp("2026-11-03T10:00:00+01:00"));
        assert!(matches!(parse_stamp("2026-11-03T10:00:00.25"), Ok(Stamp::Local(_))));
        assert!(matches!(parse_stamp("2026-11-03 10:00:00.25 +0100"), Ok(Stamp::Instant(_))));
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
