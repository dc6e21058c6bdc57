//! Exact money arithmetic in millionths of the report currency: net revenue of one order and
//! commission of one influencer, each with exactly one rounding (to the millionth, half to
//! even) and checked integer arithmetic, so no input can overflow or drift.

use super::MetricsError;
use polars::prelude::*;
use rust_decimal::Decimal;

/// The most a money column may add up to (in absolute millionths) over a whole run: a quarter
/// of i64, so that any sum of them (cost = cost rows + commission + discounts) fits.
pub const MAX_SUM: i128 = (i64::MAX / 4) as i128;

/// Fails when the absolute amounts of `column` add up beyond [`MAX_SUM`], so the i64 sums
/// polars computes later can never wrap.
pub fn check_sum(frame: &DataFrame, column: &str, what: &'static str) -> Result<(), MetricsError> {
    let Ok(values) = frame.column(column) else { return Ok(()) };
    let mut sum: i128 = 0;
    for v in values.i64()?.iter().flatten() {
        sum += i128::from(v).abs();
        if sum > MAX_SUM {
            return Err(MetricsError::TooLarge(what));
        }
    }
    Ok(())
}

/// `num / den` rounded to the nearest integer, ties to even; `None` for `den == 0`.
pub fn div_half_even(num: i128, den: i128) -> Option<i128> {
    if den == 0 {
        return None;
    }
    let (num, den) = if den < 0 { (num.checked_neg()?, den.checked_neg()?) } else { (num, den) };
    let q = num.div_euclid(den);
    let r = num.rem_euclid(den);
    let twice = r.checked_mul(2)?;
    Some(match twice.cmp(&den) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal if q % 2 == 0 => q,
        std::cmp::Ordering::Equal => q + 1,
    })
}

/// An amount in millionths as a whole part, rounded once to the millionth (half to even), and
/// the rest of a millionth it left (in [−0.5, 0.5]; 0 when the amount is a whole number of
/// millionths). The whole parts add up exactly; the rests carry what a rounding would lose, so
/// Σ whole + Σ rest is the exact sum to double precision (spec: nothing is rounded).
pub type Split = (i64, f64);

/// `num / den` as a [`Split`]; `None` when `den` is 0 or the whole part cannot fit.
fn split(num: i128, den: i128) -> Option<Split> {
    let whole = div_half_even(num, den)?;
    let left = num.checked_sub(whole.checked_mul(den)?)?;
    Some((i64::try_from(whole).ok()?, left as f64 / den as f64))
}

/// Net revenue of one order (spec §3): subtotal × (1 − refunds ÷ total), kept within
/// [0, subtotal]; an order with total 0 keeps its subtotal. In millionths, as a [`Split`]: no
/// digit of the exact quotient is dropped. `None` only if it cannot fit.
pub fn net_revenue(subtotal: i64, total: i64, refunds: i64) -> Option<Split> {
    let (s, t, r) = (i128::from(subtotal), i128::from(total), i128::from(refunds));
    if t == 0 {
        return Some((subtotal.max(0), 0.0));
    }
    let (num, den) = (s.checked_mul(t.checked_sub(r)?)?, t);
    let (num, den) = if den < 0 { (num.checked_neg()?, den.checked_neg()?) } else { (num, den) };
    let upper = s.max(0);
    if num <= 0 {
        return Some((0, 0.0));
    }
    if num >= upper.checked_mul(den)? {
        return Some((i64::try_from(upper).ok()?, 0.0));
    }
    split(num, den)
}

/// Commission of `revenue` (a [`Split`] in millionths) at `pct` percent: revenue × pct ÷ 100,
/// exact on the whole part, the rest carried. `None` only if it cannot fit.
pub fn commission(revenue: Split, pct: Decimal) -> Option<Split> {
    if pct.is_zero() || revenue == (0, 0.0) {
        return Some((0, 0.0));
    }
    let pct = pct.normalize();
    let scale = 10i128.checked_pow(pct.scale())?;
    let num = i128::from(revenue.0).checked_mul(pct.mantissa())?;
    let (whole, rest) = split(num, scale.checked_mul(100)?)?;
    let share = pct.mantissa() as f64 / scale as f64 / 100.0;
    Some((whole, rest + revenue.1 * share))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const M: i64 = 1_000_000;

    #[test]
    fn unrefunded_revenue_is_the_subtotal_to_the_micro() {
        // 11271.29 of 11371.29 (shipping 100), nothing refunded: the float formula gave
        // 11271.289999999997.
        assert_eq!(net_revenue(11_271_290_000, 11_371_290_000, 0), Some((11_271_290_000, 0.0)));
        assert_eq!(net_revenue(999_999_999_990_000, 999_999_999_990_001, 0), Some((999_999_999_990_000, 0.0)));
    }

    #[test]
    fn partly_refunded_revenue_is_rounded_once_half_to_even() {
        // 100 × (1 − 10/30) = 66.666666…6 → 66.666667 and −1/3 of a millionth
        let (whole, rest) = net_revenue(100 * M, 30 * M, 10 * M).unwrap();
        assert_eq!(whole, 66_666_667);
        assert!((rest + 1.0 / 3.0).abs() < 1e-15);
        // 0.000001 × (1 − 1/2) = 0.0000005 → a tie: to even (0), half a millionth left
        assert_eq!(net_revenue(1, 2, 1), Some((0, 0.5)));
        // 0.000003 × 1/2 = 0.0000015 → 0.000002 (even), −0.5 left
        assert_eq!(net_revenue(3, 2, 1), Some((2, -0.5)));
        // 80 × (1 − 25/125) = 64 exactly: nothing left
        assert_eq!(net_revenue(80 * M, 125 * M, 25 * M), Some((64 * M, 0.0)));
    }

    #[test]
    fn revenue_is_kept_within_zero_and_the_subtotal() {
        assert_eq!(net_revenue(50 * M, 60 * M, 70 * M), Some((0, 0.0)));
        assert_eq!(net_revenue(50 * M, 60 * M, 60 * M), Some((0, 0.0)));
        assert_eq!(net_revenue(50 * M, 0, 0), Some((50 * M, 0.0)));
        assert_eq!(net_revenue(50 * M, 0, 10 * M), Some((50 * M, 0.0)));
        // subtotal above total (a shop quirk): × 1 at most
        assert_eq!(net_revenue(50 * M, 40 * M, 0), Some((50 * M, 0.0)));
    }

    #[test]
    fn extreme_amounts_do_not_overflow() {
        assert_eq!(net_revenue(i64::MAX, i64::MAX, 0), Some((i64::MAX, 0.0)));
        assert_eq!(net_revenue(i64::MAX, i64::MAX, i64::MAX / 2 + 1).map(|r| r.0), Some(i64::MAX / 2));
        assert!(commission((i64::MAX, 0.0), Decimal::from(100)).is_some());
    }

    #[test]
    fn commission_is_one_rounding_of_the_exact_share() {
        let pct = |s| Decimal::from_str(s).unwrap();
        assert_eq!(commission((11_271_290_000, 0.0), pct("12.5")), Some((1_408_911_250, 0.0)));
        assert_eq!(commission((1, 0.0), pct("50")), Some((0, 0.5))); // 0.5 micro → even, 0.5 left
        assert_eq!(commission((3, 0.0), pct("50")), Some((2, -0.5))); // 1.5 micro → even
        assert_eq!(commission((100 * M, 0.0), pct("33.333333")), Some((33_333_333, 0.0)));
        assert_eq!(commission((100 * M, 0.0), pct("0")), Some((0, 0.0)));
        assert_eq!(commission((7 * M, 0.0), pct("10.00")), Some((700_000, 0.0)));
        // the revenue's rest is carried: 10 % of (1 − 1/3 of a millionth)
        let (whole, rest) = commission((1, -1.0 / 3.0), pct("10")).unwrap();
        assert_eq!(whole, 0);
        assert!((rest - (0.1 - 1.0 / 30.0)).abs() < 1e-15);
    }

    #[test]
    fn half_even_division() {
        assert_eq!(div_half_even(5, 2), Some(2));
        assert_eq!(div_half_even(7, 2), Some(4));
        assert_eq!(div_half_even(-5, 2), Some(-2));
        assert_eq!(div_half_even(-7, 2), Some(-4));
        assert_eq!(div_half_even(10, -4), Some(-2));
        assert_eq!(div_half_even(1, 0), None);
    }
}
