//! When a report's cron fires, computed in its own IANA zone for every occurrence (never a
//! fixed UTC offset, which drifts an hour across DST): the next fire after an instant, and the
//! fires missed between two instants (for catch-up after downtime).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};

#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    tz: Tz,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
#[error("schedule {text:?} is not a cron pattern (5 fields, or 6 with seconds): {reason}")]
pub struct ScheduleError {
    text: String,
    reason: String,
}

impl Schedule {
    /// Parses a 5-field cron (`0 7 * * MON`) or a 6-field one with seconds, in `tz`.
    pub fn parse(text: &str, tz: Tz) -> Result<Self, ScheduleError> {
        let parser = CronParser::builder().seconds(Seconds::Optional).build();
        let cron = parser.parse(text.trim()).map_err(|e| ScheduleError { text: text.to_string(), reason: e.to_string() })?;
        Ok(Self { cron, tz, text: text.trim().to_string() })
    }

    /// The first fire strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&self.tz);
        self.cron.find_next_occurrence(&local, false).ok().map(|t| t.with_timezone(&Utc))
    }

    /// Every fire in `(since, until]`, oldest first (at most `limit`).
    pub fn fires_between(&self, since: DateTime<Utc>, until: DateTime<Utc>, limit: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = since;
        while out.len() < limit {
            match self.next_after(cursor) {
                Some(t) if t <= until => {
                    out.push(t);
                    cursor = t;
                }
                _ => break,
            }
        }
        out
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn cph(text: &str) -> Schedule {
        Schedule::parse(text, chrono_tz::Europe::Copenhagen).unwrap()
    }

    #[test]
    fn weekly_monday_seven_follows_copenhagen_across_spring_forward() {
        let s = cph("0 7 * * MON");
        // 2026-03-23 is CET (+01:00), 2026-03-30 is CEST (+02:00): 07:00 local both times
        assert_eq!(s.next_after(utc("2026-03-20T00:00:00Z")), Some(utc("2026-03-23T06:00:00Z")));
        assert_eq!(s.next_after(utc("2026-03-23T06:00:00Z")), Some(utc("2026-03-30T05:00:00Z")));
        assert_eq!(s.next_after(utc("2026-03-30T05:00:00Z")), Some(utc("2026-04-06T05:00:00Z")));
    }

    #[test]
    fn weekly_monday_seven_follows_copenhagen_across_fall_back() {
        let s = cph("0 7 * * MON");
        assert_eq!(s.next_after(utc("2026-10-19T05:00:00Z")), Some(utc("2026-10-26T06:00:00Z")));
        assert_eq!(s.next_after(utc("2026-10-26T06:00:00Z")), Some(utc("2026-11-02T06:00:00Z")));
    }

    #[test]
    fn a_time_skipped_or_repeated_by_dst_fires_once() {
        let s = cph("30 2 * * *");
        // 2026-03-29: 02:00-03:00 does not exist; the job runs at 03:00 CEST (01:00 UTC)
        assert_eq!(s.next_after(utc("2026-03-28T23:00:00Z")), Some(utc("2026-03-29T01:00:00Z")));
        // 2026-10-25: 02:30 happens twice; the job runs once, at the first (CEST, 00:30 UTC)
        let fires = s.fires_between(utc("2026-10-24T12:00:00Z"), utc("2026-10-26T12:00:00Z"), 10);
        assert_eq!(fires, [utc("2026-10-25T00:30:00Z"), utc("2026-10-26T01:30:00Z")]);
    }

    #[test]
    fn a_zone_without_dst_keeps_its_offset() {
        let s = Schedule::parse("0 7 * * MON", "Asia/Tokyo".parse().unwrap()).unwrap();
        assert_eq!(s.next_after(utc("2026-03-25T00:00:00Z")), Some(utc("2026-03-29T22:00:00Z")));
        assert_eq!(s.next_after(utc("2026-10-21T00:00:00Z")), Some(utc("2026-10-25T22:00:00Z")));
    }

    #[test]
    fn seconds_are_optional_and_missed_fires_are_listed_oldest_first() {
        let s = cph("*/20 * * * * *");
        let fires = s.fires_between(utc("2026-11-02T08:00:00Z"), utc("2026-11-02T08:01:00Z"), 10);
        assert_eq!(fires.len(), 3);
        assert!(fires.windows(2).all(|w| w[0] < w[1]));
        assert!(Schedule::parse("every monday", chrono_tz::UTC).is_err());
        let weekly = cph("0 7 * * MON");
        let missed = weekly.fires_between(utc("2026-10-19T06:00:00Z"), utc("2026-11-03T00:00:00Z"), 10);
        assert_eq!(missed, [utc("2026-10-26T06:00:00Z"), utc("2026-11-02T06:00:00Z")]);
    }
}
