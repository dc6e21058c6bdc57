//! Every period one report shows, from one prepared frame: the period, the one before it, the
//! trend points before those and the campaign to date. Periods already computed (a `rerun`'s
//! previous week is the week before's period) are taken from the memo, not computed again.

use super::{Detail, FigureRow, Figures, MetricsError, Prepared, Setup, compute};
use crate::period::Period;
use chrono::NaiveDate;
use std::collections::HashMap;

/// What a report shows about one period.
#[derive(Debug, Clone)]
pub struct Series {
    pub current: Figures,
    pub previous: Figures,
    /// Oldest first, ending with the period itself.
    pub trend: Vec<(Period, FigureRow)>,
    pub campaign: Option<(Period, FigureRow)>,
}

/// Computes periods of one prepared frame, each once.
pub struct Memo<'a> {
    prepared: &'a Prepared,
    setup: &'a Setup<'a>,
    done: HashMap<(NaiveDate, NaiveDate, Detail), Figures>,
}

impl<'a> Memo<'a> {
    pub fn new(prepared: &'a Prepared, setup: &'a Setup<'a>) -> Self {
        Self { prepared, setup, done: HashMap::new() }
    }

    /// The figures of `period` in `detail`, computed on first need (the rows of a period
    /// computed in full are taken from it).
    pub fn figures(&mut self, period: Period, detail: Detail) -> Result<Figures, MetricsError> {
        for known in [Detail::Full, detail] {
            if let Some(f) = self.done.get(&(period.from, period.to, known)) {
                return Ok(f.clone());
            }
        }
        let figures = compute(self.prepared, self.setup, period, detail)?;
        self.done.insert((period.from, period.to, detail), figures.clone());
        Ok(figures)
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
        let current = self.figures(period, Detail::Full)?;
        let previous_period = period.previous();
        let previous = self.figures(previous_period, Detail::Full)?;
        let mut trend = vec![(period, current.total.clone()), (previous_period, previous.total.clone())];
        let mut earlier = previous_period;
        for _ in 2..trend_periods {
            earlier = earlier.previous();
            match self.extra(earlier, "a trend point") {
                Some(total) => trend.push((earlier, total)),
                None => break,
            }
        }
        trend.reverse();
        let campaign = match campaign_start.filter(|s| *s <= period.to).map(|s| Period::new(s, period.to)) {
            Some(Ok(span)) => self.extra(span, "the campaign to date").map(|total| (span, total)),
            _ => None,
        };
        Ok(Series { current, previous, trend, campaign })
    }

    fn extra(&mut self, span: Period, what: &str) -> Option<FigureRow> {
        match self.figures(span, Detail::Rows) {
            Ok(figures) => Some(figures.total),
            Err(e) => {
                tracing::warn!(period = %span.label(), error = %format!("{e:#}"), "{what} left out");
                None
            }
        }
    }
}
