//! Every period one report shows, from one prepared frame: the period, the one before it, the
//! trend points before those and the campaign to date. Periods already computed (a `rerun`'s
//! previous week is the week before's period) are taken from the memo, not computed again, and
//! the campaign to date adds only its new days to the post sums of the campaign to the week
//! before.

use super::{Detail, FigureRow, Figures, MetricsError, PostSums, Prepared, Setup, compute_after};
use crate::period::Period;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;

/// What a report shows about one period.
#[derive(Debug, Clone)]
pub struct Series {
    pub current: Arc<Figures>,
    pub previous: Arc<Figures>,
    /// Oldest first, ending with the period itself.
    pub trend: Vec<(Period, FigureRow)>,
    pub campaign: Option<(Period, FigureRow)>,
}

/// Computes periods of one prepared frame, each once.
pub struct Memo<'a> {
    prepared: &'a Prepared,
    setup: &'a Setup<'a>,
    done: HashMap<(NaiveDate, NaiveDate, Detail), Arc<Figures>>,
    /// The post sums of the latest campaign to date computed: the next one extends them.
    campaign: Option<PostSums>,
    /// The campaign's first day (a day number), once a series has asked for it.
    campaign_from: Option<i32>,
}

impl<'a> Memo<'a> {
    pub fn new(prepared: &'a Prepared, setup: &'a Setup<'a>) -> Self {
        Self { prepared, setup, done: HashMap::new(), campaign: None, campaign_from: None }
    }

    /// The figures of `period` in `detail`, computed on first need (the rows of a period
    /// computed in full are taken from it).
    pub fn figures(&mut self, period: Period, detail: Detail) -> Result<Arc<Figures>, MetricsError> {
        for known in [Detail::Full, detail] {
            if let Some(f) = self.done.get(&(period.from, period.to, known)) {
                return Ok(Arc::clone(f));
            }
        }
        let (figures, sums) = compute_after(self.prepared, self.setup, period, detail, self.campaign.as_ref())?;
        let figures = Arc::new(figures);
        self.done.insert((period.from, period.to, detail), Arc::clone(&figures));
        self.keep_sums(sums);
        Ok(figures)
    }

    /// Keeps `sums` when they extend the campaign's: they start on the campaign's first day
    /// and end after the sums kept so far.
    fn keep_sums(&mut self, sums: PostSums) {
        let later = self.campaign.as_ref().is_none_or(|kept| kept.from != sums.from || kept.to < sums.to);
        if Some(sums.from) == self.campaign_from && later {
            self.campaign = Some(sums);
        }
    }

    /// The period, its previous period, `trend_periods` trend points and the campaign from
    /// `campaign_start`. The trend and the campaign are extras: a problem there (such as an
    /// order in a currency without a rate weeks ago) leaves them out with a warning instead of
    /// failing the period's figures.
    pub fn series(
        &mut self,
        period: Period,
        trend_periods: usize,
        campaign_start: Option<NaiveDate>,
    ) -> Result<Series, MetricsError> {
        let previous_period = period.previous();
        let mut earlier_periods = Vec::new();
        let mut earlier = previous_period;
        for _ in 2..trend_periods {
            earlier = earlier.previous();
            earlier_periods.push(earlier);
        }
        let campaign_span = match campaign_start.filter(|s| *s <= period.to).map(|s| Period::new(s, period.to)) {
            Some(Ok(span)) => Some(span),
            _ => None,
        };
        self.campaign_from = campaign_span.map(|span| span.day_range().0);
        let mut wanted = vec![(period, Detail::Full), (previous_period, Detail::Full)];
        wanted.extend(earlier_periods.iter().chain(&campaign_span).map(|p| (*p, Detail::Rows)));
        self.compute_missing(&wanted);

        let current = self.figures(period, Detail::Full)?;
        let previous = self.figures(previous_period, Detail::Full)?;
        let mut trend = vec![(period, current.total.clone()), (previous_period, previous.total.clone())];
        for earlier in earlier_periods {
            match self.extra(earlier, "a trend point") {
                Some(total) => trend.push((earlier, total)),
                None => break,
            }
        }
        trend.reverse();
        let campaign = campaign_span.and_then(|span| self.extra(span, "the campaign to date").map(|total| (span, total)));
        // Only this series' periods are kept: the next period of a rerun shows the same ones
        // (but the oldest), and a memo of every period of a long rerun would hold them all.
        self.done.retain(|(from, to, _), _| wanted.iter().any(|(p, _)| p.from == *from && p.to == *to));
        Ok(Series { current, previous, trend, campaign })
    }

    /// Computes the periods of `wanted` not in the memo yet, side by side on as many threads
    /// as there are cores (each is an independent query over the prepared frames). A period
    /// that fails is left out here: [`Self::figures`] computes it again and reports the error.
    fn compute_missing(&mut self, wanted: &[(Period, Detail)]) {
        let known = |p: &Period, d: Detail| [Detail::Full, d].iter().any(|k| self.done.contains_key(&(p.from, p.to, *k)));
        let full = |p: &Period| wanted.contains(&(*p, Detail::Full));
        // A period wanted in full and as rows (a campaign that is the period itself) once.
        let missing: Vec<(Period, Detail)> =
            wanted.iter().filter(|(p, d)| !known(p, *d) && (*d == Detail::Full || !full(p))).copied().collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(missing.len());
        if threads < 2 {
            return;
        }
        // The longest spans first, each taken by the next free thread: two long ones (a year
        // and its campaign) run side by side, not one after the other on one thread.
        let mut missing = missing;
        missing.sort_by_key(|(p, _)| std::cmp::Reverse(p.to - p.from));
        let next = std::sync::atomic::AtomicUsize::new(0);
        let (prepared, setup, earlier, missing, next) = (self.prepared, self.setup, self.campaign.as_ref(), &missing, &next);
        let span = &tracing::Span::current();
        let computed: Vec<((Period, Detail), (Figures, PostSums))> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(move || {
                        let _in_run = span.enter();
                        let mut mine = Vec::new();
                        while let Some(&(p, d)) = missing.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                            if let Ok(f) = compute_after(prepared, setup, p, d, earlier) {
                                mine.push(((p, d), f));
                            }
                        }
                        mine
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        });
        for ((p, d), (figures, sums)) in computed {
            self.done.insert((p.from, p.to, d), Arc::new(figures));
            self.keep_sums(sums);
        }
    }

    fn extra(&mut self, span: Period, what: &str) -> Option<FigureRow> {
        match self.figures(span, Detail::Rows) {
            Ok(figures) => Some(figures.total.clone()),
            Err(e) => {
                tracing::warn!(period = %span.label(), error = %format!("{e:#}"), "{what} left out");
                None
            }
        }
    }
}
