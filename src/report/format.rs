//! Display formatting: numbers, money, percentages and changes the way each locale reads them
//! (`1.234,50 kr.` in Danish, `€ 1.234,50` in Dutch, `1,234.50` in English).

use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    En,
    Da,
    Sv,
    Nl,
}

impl Locale {
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_lowercase().as_str() {
            "en" => Some(Self::En),
            "da" => Some(Self::Da),
            "sv" => Some(Self::Sv),
            "nl" => Some(Self::Nl),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Da => "da",
            Self::Sv => "sv",
            Self::Nl => "nl",
        }
    }

    fn separators(self) -> (char, &'static str) {
        match self {
            Self::En => ('.', ","),
            Self::Da | Self::Nl => (',', "."),
            Self::Sv => (',', "\u{a0}"),
        }
    }
}

/// Formats numbers for one locale and currency.
#[derive(Debug, Clone)]
pub struct Fmt {
    pub locale: Locale,
    pub currency: String,
}

/// The null placeholder of every report.
pub const DASH: &str = "–";

impl Fmt {
    /// `value` with `decimals` places and grouped thousands.
    pub fn number(&self, value: f64, decimals: usize) -> String {
        let mut out = String::new();
        self.push_number(&mut out, value, decimals);
        out
    }

    /// [`Self::number`] written onto `out`. Each figure of a report of thousands of rows is
    /// formatted here: the digits go through a reused buffer and the figure's text is built in
    /// place, not from a new string per step.
    fn push_number(&self, out: &mut String, value: f64, decimals: usize) {
        DIGITS.with_borrow_mut(|text| {
            text.clear();
            let _ = write!(text, "{:.*}", decimals, value.abs());
            let negative = value < 0.0 && text.bytes().any(|b| matches!(b, b'1'..=b'9'));
            self.push_grouped(out, text, negative);
        });
    }

    /// `digits` (`1234.50`) with the locale's decimal mark and thousands groups, and a minus
    /// sign, written onto `out`.
    fn push_grouped(&self, out: &mut String, digits: &str, negative: bool) {
        let (dec, group) = self.locale.separators();
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        out.reserve(digits.len() + int.len() / 3 * group.len() + 4);
        if negative {
            out.push('−');
        }
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push_str(group);
            }
            out.push(c);
        }
        if !frac.is_empty() {
            out.push(dec);
            out.push_str(frac);
        }
    }

    /// A whole number, formatted from its digits (not through a float).
    pub fn count(&self, value: i64) -> String {
        let mut out = String::new();
        DIGITS.with_borrow_mut(|text| {
            text.clear();
            let _ = write!(text, "{}", value.unsigned_abs());
            self.push_grouped(&mut out, text, value < 0);
        });
        out
    }

    pub fn opt_count(&self, value: Option<i64>) -> String {
        value.map_or_else(|| DASH.to_string(), |v| self.count(v))
    }

    /// A money amount with the currency as the locale writes it.
    pub fn money(&self, value: f64) -> String {
        let mut out = String::with_capacity(32);
        let amount = |out: &mut String| self.push_number(out, value, 2);
        match (self.locale, self.currency.as_str()) {
            (Locale::Da, "DKK") => {
                amount(&mut out);
                out.push_str(" kr.");
            }
            (Locale::Sv, "SEK") => {
                amount(&mut out);
                out.push_str(" kr");
            }
            (Locale::Nl, "EUR") => {
                out.push_str("€ ");
                amount(&mut out);
            }
            (Locale::En, "EUR") => {
                out.push('€');
                amount(&mut out);
            }
            (_, "EUR") => {
                amount(&mut out);
                out.push_str(" €");
            }
            (Locale::En, c) => {
                out.push_str(c);
                out.push(' ');
                amount(&mut out);
            }
            (_, c) => {
                amount(&mut out);
                out.push(' ');
                out.push_str(c);
            }
        }
        out
    }

    pub fn opt_money(&self, value: Option<f64>) -> String {
        value.map_or_else(|| DASH.to_string(), |v| self.money(v))
    }

    /// A fraction as a percentage (`0.072` → `7.2 %`).
    pub fn percent(&self, fraction: Option<f64>, decimals: usize) -> String {
        fraction.map_or_else(|| DASH.to_string(), |f| self.with_percent_sign(f * 100.0, decimals))
    }

    /// A value that is already a percentage (`roi_pct`).
    pub fn pct_value(&self, pct: Option<f64>) -> String {
        pct.map_or_else(|| DASH.to_string(), |p| self.with_percent_sign(p, 1))
    }

    fn with_percent_sign(&self, pct: f64, decimals: usize) -> String {
        let mut out = String::with_capacity(16);
        self.push_number(&mut out, pct, decimals);
        out.push_str("\u{a0}%");
        out
    }

    pub fn ratio(&self, value: Option<f64>) -> String {
        value.map_or_else(|| DASH.to_string(), |v| self.number(v, 2))
    }
}

thread_local! {
    /// The digits of the number being formatted ([`Fmt::push_number`], [`Fmt::count`]).
    static DIGITS: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Change of `now` against `before`: arrow, relative change, direction (null when `before` is 0).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    pub arrow: &'static str,
    pub text: String,
    /// "up", "down" or "flat".
    pub direction: &'static str,
}

pub fn change(fmt: &Fmt, now: Option<f64>, before: Option<f64>) -> Change {
    match (now, before) {
        (Some(n), Some(b)) if b != 0.0 => {
            let rel = (n - b) / b.abs();
            let (arrow, direction) = if rel > 0.0005 {
                ("▲", "up")
            } else if rel < -0.0005 {
                ("▼", "down")
            } else {
                ("■", "flat")
            };
            let sign = if rel > 0.0 { "+" } else { "" };
            Change { arrow, text: format!("{sign}{}", fmt.percent(Some(rel), 1)), direction }
        }
        (Some(n), Some(_)) if n != 0.0 => Change { arrow: "▲", text: "new".into(), direction: "up" },
        _ => Change { arrow: "", text: DASH.into(), direction: "flat" },
    }
}

/// Change of a rate in percentage points (`now` and `before` as percentages).
pub fn change_points(fmt: &Fmt, now: Option<f64>, before: Option<f64>) -> Change {
    match (now, before) {
        (Some(n), Some(b)) => {
            let d = n - b;
            let (arrow, direction) = if d > 0.05 {
                ("▲", "up")
            } else if d < -0.05 {
                ("▼", "down")
            } else {
                ("■", "flat")
            };
            let sign = if d > 0.0 { "+" } else { "" };
            Change { arrow, text: format!("{sign}{}\u{a0}pp", fmt.number(d, 1)), direction }
        }
        _ => Change { arrow: "", text: DASH.into(), direction: "flat" },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(l: Locale, c: &str) -> Fmt {
        Fmt { locale: l, currency: c.into() }
    }

    #[test]
    fn numbers_as_each_locale_writes_them() {
        assert_eq!(fmt(Locale::Da, "DKK").money(1234.5), "1.234,50 kr.");
        assert_eq!(fmt(Locale::En, "DKK").money(1234567.891), "DKK 1,234,567.89");
        assert_eq!(fmt(Locale::Nl, "EUR").money(1234.5), "€ 1.234,50");
        assert_eq!(fmt(Locale::Sv, "SEK").money(1234.5), "1\u{a0}234,50 kr");
        assert_eq!(fmt(Locale::En, "EUR").money(-1234.5), "€−1,234.50");
        assert_eq!(fmt(Locale::Da, "EUR").money(1234.5), "1.234,50 €");
        assert_eq!(fmt(Locale::Sv, "DKK").money(0.004), "0,00 DKK");
        assert_eq!(fmt(Locale::Da, "DKK").percent(Some(0.072), 1), "7,2\u{a0}%");
        assert_eq!(fmt(Locale::En, "DKK").number(-47.787, 1), "−47.8");
        assert_eq!(fmt(Locale::En, "DKK").number(-0.001, 1), "0.0");
        assert_eq!(fmt(Locale::En, "DKK").percent(None, 1), DASH);
        assert_eq!(fmt(Locale::Sv, "SEK").count(-1_234_567), "−1\u{a0}234\u{a0}567");
        assert_eq!(fmt(Locale::Da, "DKK").count(999), "999");
        // Counts are formatted from their digits: above 2^53 a float would round them.
        assert_eq!(fmt(Locale::En, "DKK").count(9_007_199_254_740_993), "9,007,199,254,740,993");
    }

    #[test]
    fn changes_have_arrows() {
        let f = fmt(Locale::En, "DKK");
        assert_eq!(change(&f, Some(150.0), Some(100.0)).text, "+50.0\u{a0}%");
        assert_eq!(change(&f, Some(50.0), Some(100.0)).arrow, "▼");
        assert_eq!(change(&f, Some(5.0), Some(0.0)).text, "new");
        assert_eq!(change(&f, None, Some(1.0)).text, DASH);
        assert_eq!(change_points(&f, Some(-82.4), Some(900.0)).text, "−982.4\u{a0}pp");
    }
}
