//! A sliding-window request limiter: at most `max` request starts in any window of `window`,
//! the way the platforms count (TikTok: 600 per minute, sliding). The server sees arrivals a
//! little later than we see starts, so the window is kept 2 % wider than configured.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// `max` requests per `window`, parsed from `"600/min"`, `"10/s"` or `"200/h"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u32,
    pub window: Duration,
}

impl RateLimit {
    pub fn parse(text: &str) -> Option<Self> {
        let (count, unit) = text.trim().split_once('/')?;
        let max: u32 = count.trim().replace('_', "").parse().ok().filter(|n| *n > 0)?;
        let window = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            "day" => Duration::from_secs(86_400),
            _ => return None,
        };
        Some(Self { max, window })
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} per {:?}", self.max, self.window)
    }
}

#[derive(Debug)]
struct State {
    starts: VecDeque<Instant>,
    /// The platform asked us to wait (429, Retry-After, Meta usage at 100 %).
    paused_until: Option<Instant>,
}

#[derive(Debug)]
pub struct Limiter {
    limit: RateLimit,
    window: Duration,
    state: Mutex<State>,
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Self {
        let window = limit.window + limit.window / 50;
        Self { limit, window, state: Mutex::new(State { starts: VecDeque::new(), paused_until: None }) }
    }

    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Waits until one more request may start, and counts it as started.
    pub async fn acquire(&self) {
        loop {
            let wait_until = {
                let mut s = self.state.lock().await;
                let now = Instant::now();
                match s.paused_until {
                    Some(t) if t > now => Some(t),
                    _ => {
                        while s.starts.front().is_some_and(|t| *t + self.window <= now) {
                            s.starts.pop_front();
                        }
                        if s.starts.len() < self.limit.max as usize {
                            s.starts.push_back(now);
                            None
                        } else {
                            s.starts.front().map(|t| *t + self.window)
                        }
                    }
                }
            };
            match wait_until {
                None => return,
                Some(t) => tokio::time::sleep_until(t).await,
            }
        }
    }

    /// Holds every request of this platform back for `pause`.
    pub async fn pause(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut s = self.state.lock().await;
        if s.paused_until.is_none_or(|t| t < until) {
            s.paused_until = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_spellings() {
        assert_eq!(RateLimit::parse("600/min"), Some(RateLimit { max: 600, window: Duration::from_secs(60) }));
        assert_eq!(RateLimit::parse(" 10 / s"), Some(RateLimit { max: 10, window: Duration::from_secs(1) }));
        assert_eq!(RateLimit::parse("200/h").map(|l| l.window), Some(Duration::from_secs(3600)));
        assert_eq!(RateLimit::parse("0/min"), None);
        assert_eq!(RateLimit::parse("many/min"), None);
        assert_eq!(RateLimit::parse("10/week"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn never_starts_more_than_max_in_a_window() {
        let limiter = Limiter::new(RateLimit { max: 5, window: Duration::from_secs(1) });
        let begin = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..23 {
            limiter.acquire().await;
            starts.push(Instant::now() - begin);
        }
        for (i, s) in starts.iter().enumerate().skip(5) {
            assert!(
                *s >= starts[i - 5] + Duration::from_secs(1),
                "start {i} at {s:?} is inside the window of {:?}",
                starts[i - 5]
            );
        }
        // 23 starts at 5 per (1.02 s) window: the last batch begins after 4 windows.
        assert!(starts[22] >= Duration::from_millis(4080) && starts[22] < Duration::from_millis(4200), "{:?}", starts[22]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_request() {
        let limiter = Limiter::new(RateLimit { max: 100, window: Duration::from_secs(1) });
        let begin = Instant::now();
        limiter.pause(Duration::from_secs(7)).await;
        limiter.acquire().await;
        assert!(Instant::now() - begin >= Duration::from_secs(7));
    }
}
