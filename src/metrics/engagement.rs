//! Posts and follower snapshots → per-influencer engagement, reach and follower counts.

use super::figures::Quality;
use crate::source::{Platform, Roster, social::METRICS};
use polars::prelude::*;

/// (platform, handle, influencer_id) for every roster account.
pub fn accounts_frame(roster: &Roster) -> PolarsResult<LazyFrame> {
    let (mut platforms, mut handles, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    for (platform, handle, id) in roster.accounts() {
        platforms.push(Platform::as_str(platform));
        handles.push(handle.to_string());
        ids.push(id.to_string());
    }
    Ok(df!("platform" => platforms, "handle" => handles, "influencer_id" => ids)?.lazy())
}

/// The roster accounts' follower snapshots (no figure uses another account's), numbered by
/// `account` (the account's row in `accounts`), with repeated rows of one account and day
/// removed (the last row wins), in account and day order: every period then finds an
/// account's latest snapshot without sorting again. The sort is stable and on one whole number
/// (account × 2³² + the day counted from `i32::MIN`), so the last of an account's rows of one day is the one before the
/// next (account, day): repeats are dropped by comparing each row with the next, not hashed.
pub fn prepare_followers(followers: LazyFrame, accounts: LazyFrame) -> PolarsResult<DataFrame> {
    let day = (col("day").cast(DataType::Int64) - lit(i64::from(i32::MIN))).cast(DataType::UInt64);
    let key = (col("account").cast(DataType::UInt64) * lit(1u64 << 32)) + day;
    let next_differs = col("key").neq(col("key").shift(lit(-1))).fill_null(lit(true));
    of_roster_accounts(followers, accounts)
        .with_column(key.alias("key"))
        .sort(["key"], SortMultipleOptions::default().with_maintain_order(true))
        .filter(next_differs)
        .select([col("account"), col("platform"), col("handle"), col("day"), col("followers")])
        .collect()
}

/// The rows of `frame` whose (platform, handle) is a roster account, in file order, with the
/// account's columns and its number: `account`, its row in `accounts`.
///
/// Joined on the handle alone, then the platforms compared: a join on one text column hashes
/// it directly, one on two encodes both into a row key first.
fn of_roster_accounts(frame: LazyFrame, accounts: LazyFrame) -> LazyFrame {
    let mut in_file_order = JoinArgs::new(JoinType::Inner);
    in_file_order.maintain_order = MaintainOrderJoin::Left;
    let accounts = accounts.with_row_index("account", None).rename(["platform"], ["account_platform"], true);
    frame
        .join(accounts, [col("handle")], [col("handle")], in_file_order)
        .filter(col("platform").eq(col("account_platform")))
        .drop(by_name(["account_platform"], true, false))
}

/// Each account's followers for a period ending on day `to`: its latest snapshot at or before
/// `to`, as `account` and `followers`, in account order. `followers` is as
/// [`prepare_followers`] orders it (by account, then day), so an account's latest snapshot is
/// its last row before the next account's: a comparison with the next row, not a group-by.
pub fn account_followers(followers: LazyFrame, to: i32) -> LazyFrame {
    let last_of_account = col("account").neq(col("account").shift(lit(-1))).fill_null(lit(true));
    followers
        .select([col("account"), col("day"), col("followers")])
        .filter(col("day").lt_eq(lit(to)))
        .filter(last_of_account)
        .select([col("account"), col("followers")])
}

/// An influencer's followers: those of their largest account (`account` numbers the rows of
/// `accounts`, as in [`prepare_followers`]).
pub fn influencer_followers(accounts: LazyFrame, account_followers: LazyFrame) -> LazyFrame {
    accounts
        .with_row_index("account", None)
        .join(account_followers, [col("account")], [col("account")], JoinArgs::new(JoinType::Inner))
        .group_by([col("influencer_id")])
        .agg([col("followers").max()])
}

/// Posts of roster accounts, by day, with their `account` (numbered as in
/// [`prepare_followers`]), `influencer_id` and `engagements`; repeated rows of one post: the
/// last wins. Posts are matched to accounts before de-duplication, so the de-duplication is
/// on the account number and the post id, not on three text columns of every post in the
/// file. The rows are chosen and ordered on a narrow frame of those keys, then gathered from
/// `posts` once.
pub fn prepare_posts(posts: DataFrame, accounts: LazyFrame) -> PolarsResult<DataFrame> {
    let engagements = ["likes", "comments", "shares", "saves"]
        .into_iter()
        .map(|m| col(m).fill_null(lit(0i64)))
        .reduce(|a, b| a + b)
        .unwrap_or(lit(0i64));
    let keys = posts.clone().lazy().select([col("platform"), col("handle"), col("post_id"), col("day")]);
    let owned = of_roster_accounts(keys.with_row_index("index", None), accounts).collect()?;
    // Where no post id repeats (each file one platform's posts, say), no row repeats a post.
    let distinct = owned.clone().lazy().select([col("post_id").n_unique()]).collect()?;
    let repeats = distinct.column("post_id")?.cast(&DataType::UInt64)?.u64()?.get(0) != Some(owned.height() as u64);
    let mut owned = owned.lazy();
    if repeats {
        owned = owned.unique_stable_generic(Some(vec![col("account"), col("post_id")]), UniqueKeepStrategy::Last);
    }
    let chosen = owned.select([col("index"), col("day"), col("account"), col("influencer_id")]);
    let chosen = super::days::sorted(chosen).collect()?;
    let mut prepared = posts.take(chosen.column("index")?.idx()?)?;
    drop(posts);
    for name in ["account", "influencer_id"] {
        prepared.with_column(chosen.column(name)?.clone())?;
    }
    let mut prepared = prepared.lazy().with_column(engagements.alias("engagements")).collect()?;
    super::days::flag_sorted(&mut prepared)?;
    Ok(prepared)
}

/// The sums of `posts` per account: `rows`, `posts` (rows with a post id), the metrics,
/// `engagements`, `reach_num` (engagements over posts reporting reach; its denominator is
/// `reach`) and `cpm_base` (impressions, else views, else 0, post by post), with the
/// account's `influencer_id`. Every column is a sum of whole numbers, so the sums of two
/// day ranges add up to those of both ([`add_account_sums`]).
pub fn per_account(posts: LazyFrame) -> LazyFrame {
    let mut aggs = vec![
        col("influencer_id").first(),
        len().cast(DataType::Int64).alias("rows"),
        col("post_id").count().cast(DataType::Int64).alias("posts"),
    ];
    aggs.extend(METRICS.iter().map(|m| col(*m).sum().cast(DataType::Int64)));
    aggs.extend([
        col("engagements").sum().cast(DataType::Int64),
        col("engagements").filter(col("reach").is_not_null()).sum().cast(DataType::Int64).alias("reach_num"),
        coalesce(&[col("impressions"), col("views"), lit(0i64)]).sum().cast(DataType::Int64).alias("cpm_base"),
    ]);
    posts.group_by([col("account")]).agg(aggs)
}

/// The columns of [`per_account`] that are summed.
fn summed() -> impl Iterator<Item = &'static str> {
    ["rows", "posts"].into_iter().chain(METRICS).chain(["engagements", "reach_num", "cpm_base"])
}

/// The per-account sums of two disjoint day ranges ([`per_account`] of each): those of both.
pub fn add_account_sums(a: DataFrame, b: DataFrame) -> PolarsResult<DataFrame> {
    let mut aggs = vec![col("influencer_id").first()];
    aggs.extend(summed().map(|c| col(c).sum()));
    concat([a.lazy(), b.lazy()], UnionArgs::default())?.group_by([col("account")]).agg(aggs).collect()
}

/// Sums per influencer from the period's [`per_account`] sums and each account's followers for
/// the period ([`account_followers`]): those of [`per_account`], and `er_num`/`er_den`, the
/// engagements and the followers over posts whose account has a follower count (each post
/// counts its account's followers once).
pub fn per_influencer(per_account: LazyFrame, account_followers: LazyFrame) -> LazyFrame {
    let followers = col("account_followers");
    let mut aggs: Vec<Expr> = summed().filter(|c| *c != "rows").map(|c| col(c).sum()).collect();
    aggs.extend([
        when(followers.clone().is_not_null()).then(col("engagements")).otherwise(lit(0i64)).sum().alias("er_num"),
        (col("rows") * followers).sum().cast(DataType::Int64).alias("er_den"),
    ]);
    per_account
        .join(
            account_followers.select([col("account"), col("followers").alias("account_followers")]),
            [col("account")],
            [col("account")],
            JoinArgs::new(JoinType::Left),
        )
        .group_by([col("influencer_id")])
        .agg(aggs)
}

/// The period's posts, oldest first, for creator statements.
pub fn post_lines(posts: LazyFrame) -> PolarsResult<Vec<super::figures::PostLine>> {
    let df = posts
        .select([
            col("influencer_id"),
            col("platform"),
            col("post_id"),
            col("day"),
            col("engagements"),
            col("reach"),
            col("views"),
        ])
        .sort(["day", "post_id", "platform"], SortMultipleOptions::default().with_maintain_order(true))
        .collect()?;
    let text =
        |c: &str| -> PolarsResult<Vec<String>> { Ok(df.column(c)?.str()?.iter().map(|v| v.unwrap_or("").to_string()).collect()) };
    let (ids, platforms, post_ids) = (text("influencer_id")?, text("platform")?, text("post_id")?);
    let days = df.column("day")?.i32()?;
    let engagements = df.column("engagements")?.i64()?;
    let reach = df.column("reach")?.i64()?;
    let views = df.column("views")?.i64()?;
    Ok((0..df.height())
        .map(|i| super::figures::PostLine {
            influencer_id: ids[i].clone(),
            platform: platforms[i].clone(),
            post_id: post_ids[i].clone(),
            day: crate::period::from_day_number(days.get(i).unwrap_or(0)),
            engagements: engagements.get(i).unwrap_or(0),
            reach: reach.get(i),
            views: views.get(i),
        })
        .collect())
}

/// Data-quality counts over the period's `posts`: the metrics each leaves empty, and the posts
/// without a follower count (those of accounts without a snapshot for the period, counted from
/// the period's [`per_account`] sums and [`account_followers`]).
pub fn quality(posts: LazyFrame, per_account: &DataFrame, account_followers: LazyFrame) -> PolarsResult<Quality> {
    let exprs: Vec<Expr> = METRICS.iter().map(|m| col(*m).is_null().sum().cast(DataType::Int64)).collect();
    let df = posts.select(exprs).collect()?;
    let get = |name: &str| -> PolarsResult<usize> { Ok(df.column(name)?.i64()?.get(0).unwrap_or(0) as usize) };
    let without = per_account
        .clone()
        .lazy()
        .join(account_followers, [col("account")], [col("account")], JoinArgs::new(JoinType::Left))
        .filter(col("followers").is_null())
        .select([col("rows").sum()])
        .collect()?;
    let without = without.column("rows")?.i64()?.get(0).unwrap_or(0) as usize;
    let mut q = Quality { posts_without_followers: without, ..Quality::default() };
    for m in METRICS {
        q.metrics_missing.insert(m.to_string(), get(m)?);
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Snapshots come out in account and day order, one per account and day: of rows repeating
    /// one, the last in the files; rows of accounts nobody holds are left out.
    #[test]
    fn follower_snapshots_are_one_per_account_and_day_the_last_winning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.csv");
        std::fs::write(&path, "influencer_id,name,instagram,tiktok\nanna,Anna,@a,\nbo,Bo,,b\n").unwrap();
        let (roster, ..) = crate::source::roster::read(&path, &mut crate::source::Rejects::new(false)).unwrap();
        let followers = df!(
            "platform" => ["tiktok", "instagram", "instagram", "tiktok", "instagram", "instagram", "youtube"],
            "handle" => ["b", "a", "a", "b", "a", "x", "a"],
            "day" => [20_001i32, 20_002, 20_000, 20_001, 20_002, 20_000, 20_000],
            "followers" => [10i64, 20, 30, 40, 50, 60, 70],
        )
        .unwrap();
        let prepared = prepare_followers(followers.lazy(), accounts_frame(&roster).unwrap()).unwrap();
        let counts: Vec<i64> = prepared.column("followers").unwrap().i64().unwrap().iter().flatten().collect();
        assert_eq!(counts, [30, 50, 40], "a on day 20000, a's last row of day 20002, b's last row of day 20001");
        let days: Vec<i32> = prepared.column("day").unwrap().i32().unwrap().iter().flatten().collect();
        assert_eq!(days, [20_000, 20_002, 20_001]);
    }

    /// One handle on two platforms, each owned by another influencer: a post is its own
    /// platform's account's, and a post on a platform nobody holds that handle on is nobody's.
    #[test]
    fn posts_belong_to_the_account_of_their_platform_and_handle() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.csv");
        std::fs::write(&path, "influencer_id,name,instagram,tiktok\nanna,Anna,@same,\nbo,Bo,,same\n").unwrap();
        let (roster, ..) = crate::source::roster::read(&path, &mut crate::source::Rejects::new(false)).unwrap();
        let accounts = accounts_frame(&roster).unwrap();
        let mut posts = df!(
            "platform" => ["tiktok", "instagram", "youtube", "instagram"],
            "handle" => ["same", "same", "same", "other"],
            "post_id" => ["p1", "p2", "p3", "p4"],
            "day" => [20_001i32, 20_000, 20_000, 20_000],
        )
        .unwrap();
        for m in METRICS {
            posts.with_column(Column::new(m.into(), [1i64, 2, 3, 4])).unwrap();
        }
        let prepared = prepare_posts(posts, accounts).unwrap();
        let text = |c: &str| prepared.column(c).unwrap().str().unwrap().iter().flatten().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(text("post_id"), ["p2", "p1"], "by day; the youtube and unknown posts are nobody's");
        assert_eq!(text("influencer_id"), ["anna", "bo"]);
        assert_eq!(text("platform"), ["instagram", "tiktok"], "no column of the account frame is left behind");
        assert!(prepared.column("account_platform").is_err());
    }
}
