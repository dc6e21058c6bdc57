//! Cell parsers as polars expressions, for the lazy readers: a timestamp column to report-zone
//! day numbers, an amount column to exact millionths. A cell that cannot be read becomes null
//! (the reader then names it with [`super::values`]' own message). The common shapes
//! (`2026-11-03 10:00:00 +0100`, `1234.50`) take a fast path that gives exactly what the
//! general parsers give; everything else goes through them.

use super::values::{
    DecimalStyle, MICROS, ValueError, non_negative, parse_count, parse_date, parse_decimal, parse_stamp, to_micros,
};
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use polars::prelude::*;

/// `expr` (text) parsed cell by cell into a column of `T`: `make` gives a parser per batch
/// (which may keep a cache); a null cell stays null.
fn parse_cells<T, F>(expr: Expr, make: impl Fn() -> F + Send + Sync + 'static) -> Expr
where
    T: PolarsNumericType,
    F: FnMut(&str) -> Option<T::Native>,
{
    expr.map(
        move |c: Column| {
            let mut parse = make();
            let out: ChunkedArray<T> = c.str()?.iter().map(|v| v.and_then(&mut parse)).collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), T::get_static_dtype())),
    )
}

/// `expr` (text) with `f` applied to every cell (an empty cell for a null one), as text.
pub fn map_text(expr: Expr, f: impl Fn(&str) -> String + Send + Sync + 'static) -> Expr {
    expr.map(
        move |c: Column| {
            let out: StringChunked = c.str()?.iter().map(|v| Some(f(v.unwrap_or("")))).collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    )
}

/// `expr` (text): whether each cell is empty or only whitespace (a null one is), without
/// copying the cells.
pub fn blank_expr(expr: Expr) -> Expr {
    expr.map(
        |c: Column| {
            let out: BooleanChunked = c.str()?.iter().map(|v| Some(v.is_none_or(|v| v.trim().is_empty()))).collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
    )
}

/// `expr` (text) as the day number (days since 1970-01-01) of each stamp in `tz`.
pub fn day_expr(expr: Expr, tz: Tz) -> Expr {
    parse_cells::<Int32Type, _>(expr, move || {
        let mut days = DayCache::new(tz);
        move |s: &str| days.day(s)
    })
}

/// `expr` (text: a date, as [`parse_date`] reads it) as day numbers; null when unreadable.
pub fn date_day_expr(expr: Expr) -> Expr {
    parse_cells::<Int32Type, _>(expr, || {
        |s: &str| {
            let s = s.trim();
            fast_date(s).or_else(|| parse_date(s).ok()).map(crate::period::day_number)
        }
    })
}

/// `expr` (text) as whole counts ([`parse_count`]); null when empty or unreadable.
pub fn count_expr(expr: Expr, style: DecimalStyle) -> Expr {
    parse_cells::<Int64Type, _>(expr, move || move |s: &str| count(s, style))
}

/// One count cell as [`parse_count`] reads it; plain digits take a fast path.
fn count(raw: &str, style: DecimalStyle) -> Option<i64> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit()) {
        let n = s.bytes().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
        return (n < super::values::MAX_COUNT).then_some(n);
    }
    parse_count(s, style).ok()
}

/// `YYYY-MM-DD` exactly.
fn fast_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |acc, d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    };
    NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)
}

/// `expr` (text) as the instant of each stamp in seconds since 1970 UTC (a time without offset
/// read in `tz`, a bare date as its first moment); null when empty or unreadable.
pub fn seconds_expr(expr: Expr, tz: Tz) -> Expr {
    parse_cells::<Int64Type, _>(expr, move || move |s: &str| seconds(s, tz))
}

fn seconds(raw: &str, tz: Tz) -> Option<i64> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    fast_instant(s).or_else(|| parse_stamp(s).ok().and_then(|stamp| super::orders::stamp_seconds(stamp, tz)))
}

/// `expr` (a Shopify `Note Attributes` cell) as the UTM campaign (`field` 0) or landing path
/// (`field` 1) its lines show, normalised; empty when none.
pub fn link_expr(expr: Expr, field: usize) -> Expr {
    map_text(expr, move |v| {
        let link = super::links::note_attributes(v.trim());
        if field == 0 { link.utm_campaign } else { link.landing_path }
    })
}

/// `expr` (a landing or referring URL column) as the UTM campaign (`field` 0) or landing
/// path (`field` 1) the URL shows, normalised; empty when none.
pub fn url_link_expr(expr: Expr, field: usize) -> Expr {
    map_text(expr, move |v| {
        let link = super::links::OrderLink::from_url(v.trim());
        if field == 0 { link.utm_campaign } else { link.landing_path }
    })
}

/// `expr` (text, shop money) as exact millionths; null when empty, not a number, negative, or
/// too large (as [`money_micros`]).
pub fn micros_expr(expr: Expr, style: DecimalStyle) -> Expr {
    parse_cells::<Int64Type, _>(expr, move || move |s: &str| money_micros(s, style).ok())
}

/// One shop-money cell in millionths: a number ([`parse_decimal`]), not negative, that fits;
/// the error is the cell's reason.
pub fn money_micros(raw: &str, style: DecimalStyle) -> Result<i64, ValueError> {
    if let Some(m) = fast_micros(raw.trim(), style).filter(|m| *m >= 0) {
        return Ok(m);
    }
    let amount = parse_decimal(raw, style).and_then(non_negative)?;
    to_micros(amount)
}

/// One amount cell in millionths, as [`parse_decimal`] then [`to_micros`] read it.
pub fn micros(raw: &str, style: DecimalStyle) -> Option<i64> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    fast_micros(s, style).or_else(|| parse_decimal(s, style).ok().and_then(|d| to_micros(d).ok()))
}

/// `-?\d{1,15}(\.\d{1,6})?` in a point file (or without a separator in any file).
fn fast_micros(s: &str, style: DecimalStyle) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.as_bytes()),
        None => (false, s.as_bytes()),
    };
    let (int, frac) = match digits.iter().position(|b| *b == b'.') {
        Some(p) if style == DecimalStyle::Point => (&digits[..p], &digits[p + 1..]),
        Some(_) => return None,
        None => (digits, &[][..]),
    };
    let plain = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
    let frac_ok = frac.len() <= 6 && (frac.is_empty() != digits.contains(&b'.'));
    if int.is_empty() || int.len() > 15 || !frac_ok || !plain(int) || !plain(frac) {
        return None;
    }
    let mut value: i64 = 0;
    for d in int {
        value = value * 10 + i64::from(d - b'0');
    }
    let mut fraction: i64 = 0;
    for i in 0..6 {
        fraction = fraction * 10 + frac.get(i).map_or(0, |d| i64::from(d - b'0'));
    }
    let micros = value * MICROS + fraction;
    Some(if negative { -micros } else { micros })
}

/// Day numbers of stamps in one zone; instants are looked up per UTC quarter hour, at which
/// every zone offset in use since 1970 changes.
struct DayCache {
    tz: Tz,
    buckets: PlHashMap<i64, i32>,
    /// The last bucket looked up and its day (exports list orders in time order).
    last: Option<(i64, i32)>,
}

impl DayCache {
    fn new(tz: Tz) -> Self {
        Self { tz, buckets: PlHashMap::default(), last: None }
    }

    fn day(&mut self, raw: &str) -> Option<i32> {
        let s = raw.trim();
        if let Some(date) = fast_date(s) {
            return Some(crate::period::day_number(date));
        }
        match fast_instant(s) {
            Some(secs) if secs >= 0 => {
                let bucket = secs.div_euclid(900);
                if let Some((last, day)) = self.last
                    && last == bucket
                {
                    return Some(day);
                }
                let tz = self.tz;
                let day = *self.buckets.entry(bucket).or_insert_with(|| {
                    let at = chrono::Utc.timestamp_opt(bucket * 900, 0).single().unwrap_or_default();
                    crate::period::day_number(at.with_timezone(&tz).date_naive())
                });
                self.last = Some((bucket, day));
                Some(day)
            }
            _ => parse_stamp(s).ok().map(|stamp| crate::period::day_number(stamp.day_in(self.tz))),
        }
    }
}

/// Seconds since the epoch of `YYYY-MM-DD HH:MM:SS ±HHMM` or `YYYY-MM-DDTHH:MM:SS±HH:MM` (an
/// offset within ±14:00), or of `YYYY-MM-DDTHH:MM:SSZ`.
fn fast_instant(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let utc = b.len() == 20 && b[10] == b'T' && b[19] == b'Z';
    let shopify = b.len() == 25 && b[10] == b' ' && b[19] == b' ';
    let rfc = b.len() == 25 && b[10] == b'T' && b[22] == b':';
    if !(utc || shopify || rfc) || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |acc, d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let (h, m, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let (sign, oh, om) = if utc {
        (1, 0, 0)
    } else {
        // Where the offset's sign, hours and minutes are.
        let (at, hours, minutes) = if shopify { (20, 21, 23) } else { (19, 20, 23) };
        let sign = match b[at] {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        (sign, num(hours, hours + 2)?, num(minutes, minutes + 2)?)
    };
    if h > 23 || m > 59 || sec > 59 || om > 59 || oh * 60 + om > 14 * 60 {
        return None;
    }
    let local = i64::from(crate::period::day_number(date)) * 86_400 + i64::from(h * 3600 + m * 60 + sec);
    Some(local - sign * i64::from(oh * 3600 + om * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_paths_agree_with_the_general_parsers() {
        for raw in ["1234.50", "-9.56", "0", "12", "0.000001", "163056", "1.234", "12,5", "1.234,50", " 7.5 "] {
            for style in [DecimalStyle::Point, DecimalStyle::Comma] {
                let general = parse_decimal(raw, style).ok().and_then(|d| to_micros(d).ok());
                assert_eq!(micros(raw, style), general, "{raw} {style:?}");
            }
        }
        let cph: Tz = "Europe/Copenhagen".parse().unwrap();
        let mut days = DayCache::new(cph);
        for raw in [
            "2026-11-02 23:30:00 +0000",
            "2026-10-25 00:59:59 +0200",
            "2026-10-24 22:30:00 +0000",
            "2026-03-29 01:59:00 +0100",
            "2026-10-25T00:59:59+02:00",
            "2026-10-24T23:30:00-01:30",
            "2026-03-29T01:59:00+01:00",
        ] {
            let general = parse_stamp(raw).map(|s| crate::period::day_number(s.day_in(cph))).ok();
            assert!(fast_instant(raw).is_some(), "{raw}");
            assert_eq!(days.day(raw), general, "{raw}");
        }
        assert_eq!(fast_instant("2026-11-02 23:30:00 +2500"), None);
        assert_eq!(fast_instant("2026-11-02T23:30:00+25:00"), None);
        assert_eq!(fast_instant("2026-11-02T23:30:00 01:00"), None);
        assert_eq!(fast_instant("2026-10-25T00:59:59+02:00"), fast_instant("2026-10-25 00:59:59 +0200"));
        for raw in ["2026-10-25T00:59:59+02:00", "2026-10-24T23:30:00-01:30", "2026-11-02 23:30:00 -0000"] {
            let general = parse_stamp(raw).ok().and_then(|stamp| crate::source::orders::stamp_seconds(stamp, cph));
            assert_eq!(fast_instant(raw), general, "{raw}");
        }
        for raw in ["2026-10-25T00:59:59Z", "2026-10-24T22:30:00Z", "2026-10-25", "2026-02-30", "2026-13-01T00:00:00Z"] {
            let general = parse_stamp(raw).map(|s| crate::period::day_number(s.day_in(cph))).ok();
            assert_eq!(days.day(raw), general, "{raw}");
        }
        for raw in ["0", "12", "9999999999", "10000000000", "1.234", "1,234", "-3", "", " 7 "] {
            for style in [DecimalStyle::Point, DecimalStyle::Comma] {
                assert_eq!(count(raw, style), parse_count(raw.trim(), style).ok(), "{raw} {style:?}");
            }
        }
    }
}
