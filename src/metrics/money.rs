//! Orders → counted orders (de-duplicated across exports, cancelled/voided/expired dropped),
//! coupon attribution (first matching code wins; conflicts and unmatched codes counted),
//! net revenue and cost.

use super::MetricsError;
use super::figures::{CodeUse, UnmatchedCode};
use crate::source::values::MICROS;
use crate::source::{Inputs, Roster, csv_file::CsvText};
use polars::prelude::*;

/// The period's counted orders: one copy per order id (cancelled beats not cancelled, then the
/// larger refund, then the later file and row), minus voided, expired and cancelled orders.
pub fn counted_orders(orders: LazyFrame, from: i32, to: i32) -> LazyFrame {
    let key_first = SortMultipleOptions::default().with_order_descending_multi([false, true, true, true, true]);
    orders
        .sort_by_exprs([col("order_key"), col("cancelled"), col("refunds_micros"), col("file"), col("row")], key_first)
        .unique_stable_generic(Some(vec![col("order_key")]), UniqueKeepStrategy::First)
        .filter(col("cancelled").not().and(col("status").neq(lit("voided"))).and(col("status").neq(lit("expired"))))
        .filter(col("day").gt_eq(lit(from)).and(col("day").lt_eq(lit(to))))
}

pub struct Attribution {
    /// file, row, influencer_id, code: the winning code of each attributed order.
    pub winners: DataFrame,
    pub conflicts: usize,
    pub unmatched: Vec<UnmatchedCode>,
}

/// Matches each counted order's codes against the roster's.
pub fn attribute(orders: LazyFrame, codes: LazyFrame, roster: &Roster) -> PolarsResult<Attribution> {
    let (mut code_list, mut owners) = (Vec::new(), Vec::new());
    for (code, id) in roster.codes() {
        code_list.push(code.to_string());
        owners.push(id.to_string());
    }
    let roster_codes = df!("code" => code_list, "influencer_id" => owners)?.lazy();
    let keys = [col("file"), col("row")];
    let order_codes = codes
        .join(orders.select(keys.clone()), keys.clone(), keys.clone(), JoinArgs::new(JoinType::Inner))
        .join(roster_codes, [col("code")], [col("code")], JoinArgs::new(JoinType::Left))
        .collect()?;
    let by_pos = |c: &str| col(c).sort_by([col("pos")], SortMultipleOptions::default()).first();
    let matched = order_codes
        .clone()
        .lazy()
        .filter(col("influencer_id").is_not_null())
        .group_by(keys.clone())
        .agg([by_pos("influencer_id"), by_pos("code"), col("influencer_id").n_unique().alias("claimants")])
        .collect()?;
    let conflicts = matched.column("claimants")?.cast(&DataType::Int64)?.i64()?.iter().filter(|n| n.unwrap_or(0) > 1).count();
    let unmatched_df = order_codes
        .lazy()
        .filter(col("influencer_id").is_null())
        .unique_stable_generic(Some(vec![col("file"), col("row"), col("code")]), UniqueKeepStrategy::First)
        .group_by([col("code")])
        .agg([len().cast(DataType::Int64).alias("orders")])
        .sort_by_exprs([col("orders"), col("code")], SortMultipleOptions::default().with_order_descending_multi([true, false]))
        .collect()?;
    let unmatched = unmatched_df
        .column("code")?
        .str()?
        .iter()
        .zip(unmatched_df.column("orders")?.i64()?.iter())
        .map(|(c, n)| UnmatchedCode { code: c.unwrap_or("").to_string(), orders: n.unwrap_or(0) as usize })
        .collect();
    Ok(Attribution { winners: matched.drop("claimants")?, conflicts, unmatched })
}

/// Attributed orders with `influencer_id` and `revenue_micros` (f64, millionths of the report
/// currency; whole unless the order was partly refunded):
/// subtotal × (total − refunds) ÷ total, kept within [0, subtotal] (total 0: the subtotal).
pub fn with_money(orders: LazyFrame, winners: LazyFrame) -> LazyFrame {
    let keys = [col("file"), col("row")];
    let float = |c: &str| col(c).cast(DataType::Float64);
    let subtotal = float("subtotal_micros");
    let kept = float("total_micros") - float("refunds_micros");
    let net =
        when(col("total_micros").eq(lit(0i64))).then(subtotal.clone()).otherwise(subtotal.clone() * kept / float("total_micros"));
    let capped = when(net.clone().gt(subtotal.clone())).then(subtotal).otherwise(net);
    let clamped = when(capped.clone().lt(lit(0.0))).then(lit(0.0)).otherwise(capped);
    orders
        .join(winners.select([col("file"), col("row"), col("influencer_id")]), keys.clone(), keys, JoinArgs::new(JoinType::Inner))
        .with_columns([clamped.alias("revenue_micros"), col("refunds_micros").gt(lit(0i64)).alias("returned")])
}

/// Fails when an attributed order's currency has no configured rate.
pub fn check_fx(attributed: LazyFrame, inputs: &Inputs, report_currency: &str) -> Result<(), MetricsError> {
    let missing = attributed
        .filter(col("fx_missing"))
        .select([col("file"), col("row"), col("name"), col("currency")])
        .limit(1)
        .collect()?;
    if missing.height() == 0 {
        return Ok(());
    }
    let file = missing.column("file")?.u32()?.get(0).unwrap_or(0) as usize;
    let row = missing.column("row")?.u32()?.get(0).unwrap_or(0) as usize;
    let path = inputs.order_files.get(file).cloned().unwrap_or_default();
    let line = CsvText::load(&path).map(|f| f.line_of_row(row)).unwrap_or(row + 2);
    Err(MetricsError::MissingFxRate {
        path,
        line,
        order: missing.column("name")?.str()?.get(0).unwrap_or("").to_string(),
        currency: missing.column("currency")?.str()?.get(0).unwrap_or("").to_string(),
        report_currency: report_currency.to_string(),
    })
}

/// Orders, revenue, discounts, refunds and returned orders per influencer.
pub fn per_influencer(attributed: LazyFrame) -> LazyFrame {
    attributed.group_by([col("influencer_id")]).agg([
        len().cast(DataType::Int64).alias("orders"),
        col("revenue_micros").sum(),
        col("discounts_micros").sum(),
        col("refunds_micros").sum(),
        col("returned").sum().cast(DataType::Int64).alias("returned"),
    ])
}

/// Cost rows dated in the period, summed per influencer as `cost_rows_micros`, and the fees
/// among them as `fee_micros`.
pub fn cost_rows(costs: LazyFrame, from: i32, to: i32) -> LazyFrame {
    let in_period = col("day").gt_eq(lit(from)).and(col("day").lt_eq(lit(to)));
    costs.filter(in_period).group_by([col("influencer_id")]).agg([
        col("amount_micros").sum().alias("cost_rows_micros"),
        col("amount_micros").filter(col("kind").eq(lit("fee"))).sum().alias("fee_micros"),
    ])
}

/// Orders and revenue per winning code.
pub fn code_use(attributed: LazyFrame, winners: LazyFrame) -> PolarsResult<Vec<CodeUse>> {
    let keys = [col("file"), col("row")];
    let df = attributed
        .join(winners.select([col("file"), col("row"), col("code")]), keys.clone(), keys, JoinArgs::new(JoinType::Inner))
        .group_by([col("influencer_id"), col("code")])
        .agg([len().cast(DataType::Int64).alias("orders"), col("revenue_micros").sum()])
        .sort_by_exprs(
            [col("revenue_micros"), col("code")],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .collect()?;
    let ids = df.column("influencer_id")?.str()?;
    let codes = df.column("code")?.str()?;
    let orders = df.column("orders")?.i64()?;
    let revenue = df.column("revenue_micros")?.f64()?;
    Ok((0..df.height())
        .map(|i| CodeUse {
            influencer_id: ids.get(i).unwrap_or("").to_string(),
            code: codes.get(i).unwrap_or("").to_string(),
            orders: orders.get(i).unwrap_or(0),
            revenue: revenue.get(i).unwrap_or(0.0) / MICROS as f64,
        })
        .collect())
}
