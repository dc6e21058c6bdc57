//! Report periods: whole days `[from, to]` in the report's zone, how `last-week`, `2026-W46`,
//! `2026-11` resolve, their labels, and the previous period (calendar month, ISO week, or
//! equal length).

use chrono::{Datelike, Days, Duration, IsoWeek, NaiveDate, Weekday};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("period {0:?} is not last-week, last-month, YYYY-Www or YYYY-MM")]
    Unknown(String),
    #[error("period ends ({to}) before it starts ({from})")]
    Backwards { from: NaiveDate, to: NaiveDate },
}

/// Days since 1970-01-01: how the canonical frames store a calendar day.
pub fn day_number(day: NaiveDate) -> i32 {
    (day - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
}

/// The calendar day of a [`day_number`].
pub fn from_day_number(n: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() + Duration::days(i64::from(n))
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, PeriodError> {
        if to < from {
            return Err(PeriodError::Backwards { from, to });
        }
        Ok(Self { from, to })
    }

    /// Resolves a named period relative to `today` (a date in the report's zone).
    pub fn parse(spec: &str, today: NaiveDate) -> Result<Self, PeriodError> {
        let unknown = || PeriodError::Unknown(spec.to_string());
        match spec.trim() {
            "last-week" => {
                let monday = today.week(Weekday::Mon).first_day() - Days::new(7);
                Ok(Self::iso_week(monday.iso_week()))
            }
            "last-month" => {
                let first = today.with_day(1).ok_or_else(unknown)?;
                let prev_last = first.pred_opt().ok_or_else(unknown)?;
                Self::month(prev_last.year(), prev_last.month()).ok_or_else(unknown)
            }
            other => {
                if let Some((year, week)) = other.split_once("-W").or_else(|| other.split_once("-w")) {
                    let year: i32 = year.parse().map_err(|_| unknown())?;
                    let week: u32 = week.parse().map_err(|_| unknown())?;
                    let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(unknown)?;
                    return Ok(Self::iso_week(monday.iso_week()));
                }
                let (year, month) = other.split_once('-').ok_or_else(unknown)?;
                if month.len() != 2 {
                    return Err(unknown());
                }
                Self::month(year.parse().map_err(|_| unknown())?, month.parse().map_err(|_| unknown())?).ok_or_else(unknown)
            }
        }
    }

    fn iso_week(week: IsoWeek) -> Self {
        let from = NaiveDate::from_isoywd_opt(week.year(), week.week(), Weekday::Mon).unwrap_or_default();
        Self { from, to: from + Days::new(6) }
    }

    fn month(year: i32, month: u32) -> Option<Self> {
        let from = NaiveDate::from_ymd_opt(year, month, 1)?;
        let next =
            if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1)? } else { NaiveDate::from_ymd_opt(year, month + 1, 1)? };
        Some(Self { from, to: next.pred_opt()? })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period before this one (spec §3): of a calendar month the calendar month before
    /// (February before March, whatever their lengths), of an ISO week the week before, of any
    /// other range the same number of days just before it.
    pub fn previous(&self) -> Self {
        if self.is_month()
            && let Some(before) = self.from.pred_opt().and_then(|last| Self::month(last.year(), last.month()))
        {
            return before;
        }
        let len = Duration::days(self.days());
        Self { from: self.from - len, to: self.to - len }
    }

    /// Whether this is exactly one calendar month.
    pub fn is_month(&self) -> bool {
        self.from.day() == 1 && Self::month(self.from.year(), self.from.month()).as_ref() == Some(self)
    }

    /// `2026-W46` for an ISO week, `2026-11` for a calendar month, else `from_to`.
    pub fn label(&self) -> String {
        if self.from.weekday() == Weekday::Mon && self.days() == 7 {
            let w = self.from.iso_week();
            return format!("{}-W{:02}", w.year(), w.week());
        }
        if self.is_month() {
            return format!("{}-{:02}", self.from.year(), self.from.month());
        }
        format!("{}_{}", self.from, self.to)
    }

    /// Day numbers (see [`day_number`]) of the first and last day.
    pub fn day_range(&self) -> (i32, i32) {
        (day_number(self.from), day_number(self.to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn last_week_is_the_previous_iso_week() {
        let p = Period::parse("last-week", d("2026-11-22")).unwrap();
        assert_eq!((p.from, p.to), (d("2026-11-09"), d("2026-11-15")));
        let p = Period::parse("last-week", d("2026-11-23")).unwrap();
        assert_eq!((p.from, p.to, p.label()), (d("2026-11-16"), d("2026-11-22"), "2026-W47".into()));
        let p = Period::parse("last-week", d("2027-01-04")).unwrap();
        assert_eq!(p.label(), "2026-W53");
    }

    #[test]
    fn named_weeks_and_months() {
        let p = Period::parse("2026-W46", d("2000-01-01")).unwrap();
        assert_eq!((p.from, p.to), (d("2026-11-09"), d("2026-11-15")));
        let p = Period::parse("2026-02", d("2000-01-01")).unwrap();
        assert_eq!((p.from, p.to, p.label()), (d("2026-02-01"), d("2026-02-28"), "2026-02".into()));
        let p = Period::parse("last-month", d("2026-01-15")).unwrap();
        assert_eq!(p.label(), "2025-12");
        assert!(Period::parse("2026-W60", d("2026-01-01")).is_err());
        assert!(Period::parse("soon", d("2026-01-01")).is_err());
    }

    #[test]
    fn previous_period_has_equal_length() {
        let p = Period::new(d("2026-11-03"), d("2026-11-16")).unwrap();
        assert_eq!(p.label(), "2026-11-03_2026-11-16");
        let prev = p.previous();
        assert_eq!((prev.from, prev.to), (d("2026-10-20"), d("2026-11-02")));
        assert!(Period::new(d("2026-11-03"), d("2026-11-02")).is_err());
        // 28 days that are not February: still equal length
        let p = Period::new(d("2026-03-04"), d("2026-03-31")).unwrap();
        assert_eq!(p.previous(), Period::new(d("2026-02-04"), d("2026-03-03")).unwrap());
    }

    #[test]
    fn previous_of_a_month_is_the_calendar_month_before() {
        let prev = |s: &str| Period::parse(s, d("2000-01-01")).unwrap().previous().label();
        assert_eq!(prev("2026-03"), "2026-02"); // 31 days after 28
        assert_eq!(prev("2026-02"), "2026-01");
        assert_eq!(prev("2026-05"), "2026-04"); // 31 days after 30
        assert_eq!(prev("2026-01"), "2025-12");
        assert_eq!(prev("2024-03"), "2024-02");
        let feb = Period::parse("2024-03", d("2000-01-01")).unwrap().previous();
        assert_eq!((feb.from, feb.to), (d("2024-02-01"), d("2024-02-29")));
        // trend points walk back month by month
        let mut p = Period::parse("2026-03", d("2000-01-01")).unwrap();
        let mut labels = Vec::new();
        for _ in 0..4 {
            p = p.previous();
            labels.push(p.label());
        }
        assert_eq!(labels, ["2026-02", "2026-01", "2025-12", "2025-11"]);
        // an ISO week: the week before
        let w = Period::parse("2026-W01", d("2000-01-01")).unwrap().previous();
        assert_eq!(w.label(), "2025-W52");
    }
}
