//! Orders → counted orders (de-duplicated across exports, cancelled/voided/expired dropped),
//! coupon attribution (first matching code wins; conflicts and unmatched codes counted),
//! net revenue, and cost. Everything that does not depend on the period is done once.

use super::MetricsError;
use super::figures::{CodeUse, DiscountTitle, UnmatchedCode};
use crate::source::Roster;
use crate::source::values::MICROS;
use polars::prelude::*;
use std::path::PathBuf;

/// The run's orders, attributed once; periods only filter them by day.
#[derive(Debug, Clone)]
pub struct OrderBook {
    /// Attributed counted orders, by day: file, row, name, currency, fx_missing, day,
    /// revenue_micros, revenue_rest, discounts_micros, refunds_micros, influencer_id, code (the
    /// winning one; null for link orders), claimants (influencers whose codes it carried),
    /// by_link, returned.
    pub attributed: DataFrame,
    /// Codes of counted orders that matched nobody: file, row, day, code, title.
    pub unmatched: DataFrame,
}

/// The `columns` of the counted rows of `orders`, in order id order: one copy per order id
/// (cancelled beats not cancelled, then the larger refund, then the later file and row), minus
/// voided, expired and cancelled orders. The copies are chosen on a narrow frame of the sort keys, and the chosen
/// rows are gathered from `orders` once (a sort of every column would copy them all).
fn counted_orders(orders: &DataFrame, columns: &[&str]) -> PolarsResult<DataFrame> {
    let key_first = SortMultipleOptions::default().with_order_descending_multi([false, true, true, true, true]);
    let counted = col("cancelled").not().and(col("status").neq(lit("voided"))).and(col("status").neq(lit("expired")));
    let keys = [col("order_key"), col("cancelled"), col("refunds_micros"), col("file"), col("row")];
    let mut narrow = keys.to_vec();
    narrow.push(counted.alias("counted"));
    let chosen = orders
        .clone()
        .lazy()
        .select(narrow)
        .with_row_index("index", None)
        .sort_by_exprs(keys, key_first)
        .unique_stable_generic(Some(vec![col("order_key")]), UniqueKeepStrategy::First)
        .filter(col("counted"))
        .select([col("index")])
        .collect()?;
    orders.select(columns.iter().copied())?.take(chosen.column("index")?.idx()?)
}

/// The columns of the attributed orders taken from the counted ones (see [`OrderBook`]).
const ATTRIBUTED_FROM_COUNTED: [&str; 10] = [
    "file",
    "row",
    "name",
    "currency",
    "fx_missing",
    "day",
    "revenue_micros",
    "revenue_rest",
    "discounts_micros",
    "refunds_micros",
];

/// Adds each order's net revenue as `revenue_micros` (i64, to the millionth) and
/// `revenue_rest` (f64, the part of a millionth that rounding left; see
/// [`super::exact::net_revenue`]).
fn with_revenue(mut orders: DataFrame) -> Result<DataFrame, MetricsError> {
    let subtotal = orders.column("subtotal_micros")?.i64()?.clone();
    let total = orders.column("total_micros")?.i64()?.clone();
    let refunds = orders.column("refunds_micros")?.i64()?.clone();
    let (mut revenue, mut rest) = (Vec::with_capacity(orders.height()), Vec::with_capacity(orders.height()));
    for ((s, t), r) in subtotal.iter().zip(total.iter()).zip(refunds.iter()) {
        let (s, t, r) = (s.unwrap_or(0), t.unwrap_or(0), r.unwrap_or(0));
        let (whole, left) = super::exact::net_revenue(s, t, r).ok_or(MetricsError::TooLarge("the orders' revenues"))?;
        revenue.push(whole);
        rest.push(left);
    }
    orders.with_column(Column::new("revenue_micros".into(), revenue))?;
    orders.with_column(Column::new("revenue_rest".into(), rest))?;
    Ok(orders)
}

/// An order frame's revenue in millionths as f64: the whole millionths plus their rests.
pub fn revenue_value(micros: &str, rest: &str) -> Expr {
    col(micros).cast(DataType::Float64) + col(rest)
}

/// Counts, de-duplicates and attributes every order once. Attribution runs on a narrow frame
/// of each counted order's keys and links; the attributed orders are then gathered from the
/// counted ones once, by day (the orders of one day in order id order).
pub fn prepare(orders: DataFrame, codes: LazyFrame, roster: &Roster) -> Result<OrderBook, MetricsError> {
    let (mut code_list, mut owners) = (Vec::new(), Vec::new());
    for (code, id) in roster.codes() {
        code_list.push(code.to_string());
        owners.push(id.to_string());
    }
    let roster_codes = df!("code" => code_list, "influencer_id" => owners)?.lazy();
    let needed = ["file", "row", "name", "day", "currency", "fx_missing", "utm_campaign", "landing_path"];
    let amounts = ["subtotal_micros", "total_micros", "discounts_micros", "refunds_micros"];
    let counted = with_revenue(counted_orders(&orders, &[needed.as_slice(), &amounts].concat())?)?;
    drop(orders);
    let links = [order_number(), col("day"), col("utm_campaign"), col("landing_path")];
    let narrow = counted.clone().lazy().select(links).with_row_index("index", None).collect()?;
    let order = || [col("order")];
    let order_codes = codes
        .with_column(order_number())
        .join(
            narrow.clone().lazy().select([col("order"), col("day"), col("index")]),
            order(),
            order(),
            JoinArgs::new(JoinType::Inner),
        )
        .join(roster_codes, [col("code")], [col("code")], JoinArgs::new(JoinType::Left))
        .collect()?;
    // Each order's roster codes in their order in the cell: the first one wins. One sort of all
    // of them by position (an order's codes have distinct positions; a group's rows keep the
    // frame's order), not one sort per order.
    let winners = order_codes
        .clone()
        .lazy()
        .filter(col("influencer_id").is_not_null())
        .sort_by_exprs([col("pos")], SortMultipleOptions::default())
        .group_by([col("index")])
        .agg([
            col("influencer_id").first(),
            col("code").first(),
            col("influencer_id").n_unique().cast(DataType::Int64).alias("claimants"),
        ]);
    let winners = spread(&winners.collect()?, narrow.height())?;
    let by_code = narrow.hstack(winners.columns())?.lazy();
    // By day, the orders of one day in their counted order: one sort on one whole number.
    let day_then_index = (col("day").cast(DataType::Int64) * lit(1i64 << 32) + col("index").cast(DataType::Int64)).alias("at");
    let attributions = super::attribution::with_links(by_code, roster)?
        .select([col("index"), col("day"), col("influencer_id"), col("code"), col("claimants"), col("by_link")])
        .sort_by_exprs([day_then_index], SortMultipleOptions::default().with_nulls_last(true).with_maintain_order(true))
        .collect()?;
    // Only the columns the periods read are gathered.
    let kept = counted.select(ATTRIBUTED_FROM_COUNTED)?;
    drop(counted);
    let mut attributed = kept.take(attributions.column("index")?.idx()?)?;
    drop(kept);
    for name in ["influencer_id", "code", "claimants", "by_link"] {
        attributed.with_column(attributions.column(name)?.clone())?;
    }
    let returned = attributed.column("refunds_micros")?.i64()?.gt(0).with_name("returned".into());
    attributed.with_column(returned.into_column())?;
    super::days::flag_sorted(&mut attributed)?;
    let unmatched = order_codes
        .lazy()
        .filter(col("influencer_id").is_null())
        .unique_stable_generic(Some(vec![col("order"), col("code")]), UniqueKeepStrategy::First)
        .select([col("file"), col("row"), col("day"), col("code"), col("title")]);
    let unmatched = super::days::sorted(unmatched).collect()?;
    Ok(OrderBook { attributed, unmatched })
}

/// One whole number per order: its file in the high 32 bits, its file row in the low ones (a
/// join or grouping on one column, not on two).
fn order_number() -> Expr {
    (col("file").cast(DataType::UInt64) * lit(1u64 << 32) + col("row").cast(DataType::UInt64)).alias("order")
}

/// `rows` (at most one per `index`, a row number of a frame of `height` rows) spread onto the
/// rows of that frame: row i of the result is `rows`' row whose index is i, or nulls. A gather
/// by row number, not a join.
fn spread(rows: &DataFrame, height: usize) -> PolarsResult<DataFrame> {
    let mut at: Vec<Option<IdxSize>> = vec![None; height];
    for (k, index) in rows.column("index")?.idx()?.iter().enumerate() {
        if let Some(slot) = index.and_then(|i| at.get_mut(i as usize)) {
            *slot = Some(k as IdxSize);
        }
    }
    rows.drop("index")?.take(&IdxCa::from_iter_options("at".into(), at.into_iter()))
}

fn in_period(frame: &DataFrame, from: i32, to: i32) -> LazyFrame {
    super::days::between(frame, from, to)
}

/// The period's attributed orders; fails when one's currency has no configured rate.
pub fn attributed_in(
    book: &OrderBook,
    from: i32,
    to: i32,
    order_files: &[PathBuf],
    currency: &str,
) -> Result<DataFrame, MetricsError> {
    let attributed = in_period(&book.attributed, from, to).collect()?;
    let missing = attributed
        .clone()
        .lazy()
        .filter(col("fx_missing"))
        .select([col("file"), col("row"), col("name"), col("currency")])
        // The first such order in the files, whatever order the attributed orders are in.
        .sort(["file", "row"], SortMultipleOptions::default())
        .limit(1)
        .collect()?;
    if missing.height() == 0 {
        return Ok(attributed);
    }
    let file = missing.column("file")?.u32()?.get(0).unwrap_or(0) as usize;
    let row = missing.column("row")?.u32()?.get(0).unwrap_or(0) as usize;
    let path = order_files.get(file).cloned().unwrap_or_default();
    let line = crate::source::scan::line_of_row(&path, row);
    Err(MetricsError::MissingFxRate {
        path,
        line,
        order: missing.column("name")?.str()?.get(0).unwrap_or("").to_string(),
        currency: missing.column("currency")?.str()?.get(0).unwrap_or("").to_string(),
        report_currency: currency.to_string(),
    })
}

/// Orders with codes of more than one influencer among `attributed`.
pub fn conflicts(attributed: &DataFrame) -> PolarsResult<usize> {
    Ok(attributed.column("claimants")?.i64()?.iter().filter(|n| n.unwrap_or(0) > 1).count())
}

/// Codes that matched nobody in the period's counted orders, and apart from them the discount
/// titles of Shopify code cells (see [`crate::source::codes::is_title`]), each most used
/// first; counted per order.
pub fn unmatched_in(book: &OrderBook, from: i32, to: i32) -> PolarsResult<(Vec<UnmatchedCode>, Vec<DiscountTitle>)> {
    let df = in_period(&book.unmatched, from, to)
        .group_by([col("code"), col("title")])
        .agg([len().cast(DataType::Int64).alias("orders")])
        .sort_by_exprs([col("orders"), col("code")], SortMultipleOptions::default().with_order_descending_multi([true, false]))
        .collect()?;
    let codes = df.column("code")?.str()?;
    let orders = df.column("orders")?.i64()?;
    let is_title = df.column("title")?.bool()?;
    let (mut unmatched, mut titles) = (Vec::new(), Vec::new());
    for ((c, n), title) in codes.iter().zip(orders.iter()).zip(is_title.iter()) {
        let (code, orders) = (c.unwrap_or("").to_string(), n.unwrap_or(0) as usize);
        if title.unwrap_or(false) {
            titles.push(DiscountTitle { title: code, orders });
        } else {
            unmatched.push(UnmatchedCode { code, orders });
        }
    }
    Ok((unmatched, titles))
}

/// Orders, revenue, discounts, refunds and returned orders per influencer.
pub fn per_influencer(attributed: LazyFrame) -> LazyFrame {
    attributed.group_by([col("influencer_id")]).agg([
        len().cast(DataType::Int64).alias("orders"),
        col("revenue_micros").sum(),
        col("discounts_micros").sum(),
        col("refunds_micros").sum(),
        col("returned").sum().cast(DataType::Int64).alias("returned"),
        col("by_link").sum().cast(DataType::Int64).alias("orders_by_link"),
        col("revenue_rest").sum(),
        col("revenue_micros").filter(col("by_link")).sum().alias("revenue_by_link_micros"),
        col("revenue_rest").filter(col("by_link")).sum().alias("revenue_by_link_rest"),
        col("revenue_micros").filter(col("by_link").not()).sum().alias("revenue_by_code_micros"),
        col("revenue_rest").filter(col("by_link").not()).sum().alias("revenue_by_code_rest"),
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
pub fn code_use(attributed: LazyFrame) -> PolarsResult<Vec<CodeUse>> {
    let df = attributed
        .filter(col("code").is_not_null())
        .group_by([col("influencer_id"), col("code")])
        .agg([
            len().cast(DataType::Int64).alias("orders"),
            revenue_value("revenue_micros", "revenue_rest").sum().alias("revenue"),
        ])
        .sort_by_exprs([col("revenue"), col("code")], SortMultipleOptions::default().with_order_descending_multi([true, false]))
        .collect()?;
    let ids = df.column("influencer_id")?.str()?;
    let codes = df.column("code")?.str()?;
    let orders = df.column("orders")?.i64()?;
    let revenue = df.column("revenue")?.f64()?;
    Ok((0..df.height())
        .map(|i| CodeUse {
            influencer_id: ids.get(i).unwrap_or("").to_string(),
            code: codes.get(i).unwrap_or("").to_string(),
            orders: orders.get(i).unwrap_or(0),
            revenue: revenue.get(i).unwrap_or(0.0) / MICROS as f64,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::links::OrderLink;
    use crate::source::orders::{Currency, OrderRecord, OrderSink};
    use rust_decimal::Decimal;

    fn order(key: &str, day: i32, codes: &[&str], campaign: &str) -> OrderRecord {
        OrderRecord {
            key: key.to_string(),
            name: format!("#{key}"),
            day,
            cancelled: false,
            status: "paid".to_string(),
            currency: String::new(),
            subtotal: Decimal::new(10_000, 2),
            total: Decimal::new(12_500, 2),
            discounts: Decimal::ZERO,
            refunds: Decimal::ZERO,
            codes: codes.iter().map(|c| c.to_string()).collect(),
            titles_possible: false,
            link: OrderLink { utm_campaign: campaign.to_string(), landing_path: String::new() },
            recorded_at: None,
        }
    }

    #[test]
    fn orders_are_counted_once_attributed_and_kept_by_day_then_order_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.csv");
        let roster = "influencer_id,name,instagram,coupon_codes,utm_campaigns\n\
                      anna,Anna,@anna,ANNA10,anna-summer\n\
                      bo,Bo,@bo,BO20,\n";
        std::fs::write(&path, roster).unwrap();
        let (roster, ..) = crate::source::roster::read(&path, &mut crate::source::Rejects::new(false)).unwrap();
        let fx = std::collections::BTreeMap::new();
        let currency = Currency { code: "DKK", fx: &fx };
        let mut sink = OrderSink::default();
        let cancelled = OrderRecord { cancelled: true, ..order("K3", 11, &["ANNA10"], "") };
        let voided = OrderRecord { status: "voided".to_string(), ..order("K6", 10, &["BO20"], "") };
        // File 0 in file order: the order ids of one day are not in id order.
        let file0 = [
            order("K5", 10, &["ANNA10", "BO20"], ""),
            order("K2", 10, &["ANNA10"], ""),
            order("K3", 11, &["ANNA10"], ""),
            order("K4", 9, &[], "anna-summer"),
            order("K1", 10, &["BO20"], ""),
            voided,
            order("K7", 10, &["UNKNOWN"], ""),
        ];
        for (row, o) in file0.into_iter().enumerate() {
            sink.push(0, row as u32, o, &currency).unwrap();
        }
        // File 1 has K3 again, cancelled since: the cancelled copy wins and K3 is not counted.
        sink.push(1, 0, cancelled, &currency).unwrap();
        let (orders, codes) = sink.finish().unwrap();
        let book = prepare(orders, codes.lazy(), &roster).unwrap();

        let a = &book.attributed;
        let text = |c: &str| a.column(c).unwrap().str().unwrap().iter().map(|v| v.unwrap_or("-").to_string()).collect::<Vec<_>>();
        assert_eq!(text("name"), ["#K4", "#K1", "#K2", "#K5"], "by day, then by order id within a day");
        assert_eq!(text("influencer_id"), ["anna", "bo", "anna", "anna"]);
        assert_eq!(text("code"), ["-", "BO20", "ANNA10", "ANNA10"], "the first roster code of K5 wins");
        let claimants: Vec<_> = a.column("claimants").unwrap().i64().unwrap().iter().flatten().collect();
        assert_eq!(claimants, [1, 1, 1, 2]);
        let by_link: Vec<_> = a.column("by_link").unwrap().bool().unwrap().iter().flatten().collect();
        assert_eq!(by_link, [true, false, false, false]);
        let days = a.column("day").unwrap().i32().unwrap();
        assert_eq!(days.is_sorted_flag(), polars::series::IsSorted::Ascending, "periods slice it");
        let revenue: Vec<_> = a.column("revenue_micros").unwrap().i64().unwrap().iter().flatten().collect();
        assert_eq!(revenue, [100_000_000; 4]);
        let unmatched: Vec<_> =
            book.unmatched.column("code").unwrap().str().unwrap().iter().flatten().map(str::to_string).collect();
        assert_eq!(unmatched, ["UNKNOWN"]);
    }
}
