//! Day ranges of the prepared frames: each is sorted by `day` once, so a period's rows are one
//! contiguous, zero-copy slice found by binary search, not a filter over every row.

use polars::prelude::*;

/// `frame` sorted by `day` (nulls last; rows of one day keep their order).
pub fn sorted(frame: LazyFrame) -> LazyFrame {
    frame.sort(["day"], SortMultipleOptions::default().with_nulls_last(true).with_maintain_order(true))
}

/// Flags the `day` column of `frame`, whose rows are already in [`sorted`]'s order, as
/// ascending (as that sort would), so [`between`] slices it.
pub fn flag_sorted(frame: &mut DataFrame) -> PolarsResult<()> {
    let mut days = frame.column("day")?.i32()?.clone();
    let known = days.len() - days.null_count();
    let ascending = days.iter().take(known).is_sorted_by(|a, b| a.is_some() && b.is_some() && a <= b);
    let nulls_last = days.iter().skip(known).all(|d| d.is_none());
    polars_ensure!(ascending && nulls_last, ComputeError: "the rows are not in day order");
    days.set_sorted_flag(polars::series::IsSorted::Ascending);
    frame.replace("day", days.into_column())?;
    Ok(())
}

/// The rows of `frame` with `from <= day <= to`. A frame that [`sorted`] made (its `day` column
/// flagged ascending) is sliced; any other is filtered.
pub fn between(frame: &DataFrame, from: i32, to: i32) -> LazyFrame {
    match slice(frame, from, to) {
        Some(rows) => rows.lazy(),
        None => frame.clone().lazy().filter(col("day").gt_eq(lit(from)).and(col("day").lt_eq(lit(to)))),
    }
}

fn slice(frame: &DataFrame, from: i32, to: i32) -> Option<DataFrame> {
    let days = frame.column("day").ok()?.i32().ok()?;
    if days.is_sorted_flag() != polars::series::IsSorted::Ascending {
        return None;
    }
    // Nulls are last: the days are the first `known` rows, in ascending order.
    let known = days.len() - days.null_count();
    let first_not_before = |day: i32| partition_point(known, |i| days.get(i).is_some_and(|d| d < day));
    let (start, end) = (first_not_before(from), first_not_before(to.checked_add(1)?));
    Some(frame.slice(start as i64, end.saturating_sub(start)))
}

/// The first index in `0..len` where `before` is false (`before` is true, then false).
fn partition_point(len: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) { lo = mid + 1 } else { hi = mid }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        let days = [Some(5), None, Some(3), Some(5), Some(9), Some(1), None, Some(5), Some(7)];
        df!("day" => days, "row" => (0..days.len() as u32).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn a_sorted_frame_is_sliced_to_the_same_rows_a_filter_keeps() {
        let unsorted = frame();
        let by_day = sorted(unsorted.clone().lazy()).collect().unwrap();
        assert!(slice(&by_day, 0, 10).is_some(), "the sort flags the day column");
        assert!(slice(&unsorted, 0, 10).is_none(), "an unsorted frame is filtered");
        for (from, to) in [(5, 5), (0, 100), (2, 6), (6, 6), (10, 20), (-5, 0), (4, 3), (1, 9)] {
            let sliced = between(&by_day, from, to).collect().unwrap();
            let filtered = between(&unsorted, from, to)
                .sort(["day"], SortMultipleOptions::default().with_maintain_order(true))
                .collect()
                .unwrap();
            assert_eq!(sliced, filtered, "days {from}..={to}");
        }
        let fives = between(&by_day, 5, 5).collect().unwrap();
        let rows: Vec<u32> = fives.column("row").unwrap().u32().unwrap().into_no_null_iter().collect();
        assert_eq!(rows, [0, 3, 7], "rows of one day keep their order");
    }

    #[test]
    fn rows_gathered_in_day_order_are_sliced_and_rows_out_of_order_are_refused() {
        let mut in_order = df!("day" => [Some(1), Some(3), Some(3), Some(8), None]).unwrap();
        assert!(slice(&in_order, 0, 10).is_none(), "no flag yet: filtered");
        flag_sorted(&mut in_order).unwrap();
        let rows = slice(&in_order, 3, 8).expect("flagged: sliced");
        assert_eq!(rows.column("day").unwrap().i32().unwrap().iter().collect::<Vec<_>>(), [Some(3), Some(3), Some(8)]);
        for days in [vec![Some(3), Some(1)], vec![None, Some(1)]] {
            let mut out_of_order = df!("day" => days).unwrap();
            assert!(flag_sorted(&mut out_of_order).is_err(), "a wrong flag would make slices miss rows");
        }
    }
}
