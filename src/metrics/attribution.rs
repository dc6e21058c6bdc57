//! Link attribution (spec §3): a counted order that carries no roster code goes to the
//! influencer whose roster link identifier its attribution data shows — its UTM campaign
//! first, else its landing path. A code beats a link.

use crate::source::Roster;
use polars::prelude::*;

/// The roster's identifiers of one `kind` (`utm_campaign` or `landing_path`) as a frame of
/// (`kind`, `alias`): the identifier and its influencer.
fn identifiers(roster: &Roster, kind: &str, alias: &str) -> PolarsResult<LazyFrame> {
    let (mut values, mut owners) = (Vec::new(), Vec::new());
    for (k, value, id) in roster.links() {
        if k == kind {
            values.push(value.to_string());
            owners.push(id.to_string());
        }
    }
    Ok(df!(kind => values, alias => owners)?.lazy())
}

/// `orders` (counted orders left-joined to their code winners: `influencer_id` and `code`
/// null when no roster code matched) with link winners filled in: `by_link` is true where
/// the influencer comes from a link; orders attributed neither way are dropped; `claimants`
/// is 1 for link orders.
pub fn with_links(orders: LazyFrame, roster: &Roster) -> PolarsResult<LazyFrame> {
    let left = || JoinArgs::new(JoinType::Left);
    let by_campaign = identifiers(roster, "utm_campaign", "by_campaign")?;
    let by_path = identifiers(roster, "landing_path", "by_path")?;
    let linked = when(col("by_campaign").is_not_null()).then(col("by_campaign")).otherwise(col("by_path"));
    Ok(orders
        .join(by_campaign, [col("utm_campaign")], [col("utm_campaign")], left())
        .join(by_path, [col("landing_path")], [col("landing_path")], left())
        .with_columns([
            col("influencer_id").is_null().and(linked.clone().is_not_null()).alias("by_link"),
            when(col("influencer_id").is_null()).then(linked).otherwise(col("influencer_id")).alias("influencer_id"),
            col("claimants").fill_null(lit(1i64)),
        ])
        .filter(col("influencer_id").is_not_null()))
}
