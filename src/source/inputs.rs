//! Loads every input of one report into [`Inputs`].

use super::csv_file::CsvText;
use super::{
    InputFile, Inputs, Platform, Rejects, Snapshots, SourceError, costs, files, input_file, mapped, roster, shopify, social,
};
use crate::config::{OrdersFormat, ReportConfig};
use polars::prelude::*;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

fn load_all(patterns: &[String], base: &Path, auth: Option<&super::remote::UrlAuth>) -> Result<Vec<CsvText>, SourceError> {
    files::expand_with(patterns, base, auth)?.iter().map(|p| CsvText::load(p)).collect()
}

fn record(list: &mut Vec<InputFile>, files: &[CsvText], rows: &[usize], base: &Path) {
    list.extend(files.iter().zip(rows).map(|(f, r)| input_file(f, *r, base)));
}

/// What [`load`] hands over once the posts and follower snapshots are read, before it reads
/// the orders: the caller may prepare them (and drop them) before the orders are read. The
/// frames it is given are left empty (without columns) in [`Inputs`]; without a hook they stay
/// there.
pub type SocialHook<'a> = Box<dyn FnOnce(DataFrame, DataFrame, &super::Roster) -> Result<(), SourceError> + 'a>;

/// Reads the roster, costs, posts, followers and orders of `report`, plus the API snapshots
/// (appended after the files' rows, so a pulled value wins over an exported one). The posts
/// and followers are handed to `social` (when given) before the orders are read.
pub fn load(
    report: &ReportConfig,
    base: &Path,
    snapshots: Option<Snapshots>,
    cache: Option<&super::cache::Cache>,
    social: Option<SocialHook<'_>>,
) -> Result<Inputs, SourceError> {
    let cfg = &report.inputs;
    let mut rejects = Rejects::new(cfg.skip_bad_rows);
    let mut listed = Vec::new();

    let roster_path = super::remote::local(&cfg.roster, cfg.url_auth.as_ref())?;
    let (roster, roster_file, roster_rows) = roster::read(&roster_path, &mut rejects)?;
    listed.push(input_file(&roster_file, roster_rows, base));

    let cost_files = load_all(&cfg.costs, base, cfg.url_auth.as_ref())?;
    let (costs, rows, unassigned_costs) = costs::read(&cost_files, &roster, &mut rejects)?;
    record(&mut listed, &cost_files, &rows, base);

    // Only the roster's accounts are kept from the stats files; the others are listed.
    let owned = social::Owned::of(&roster);
    let post_paths = files::expand_with(&cfg.posts, base, cfg.url_auth.as_ref())?;
    let read_posts = social::read_posts(&post_paths, base, report.timezone, &owned, &mut rejects, cache)?;
    listed.extend(read_posts.files);
    let mut posts = read_posts.frame;

    let follower_paths = files::expand_with(&cfg.followers, base, cfg.url_auth.as_ref())?;
    let read_followers = social::read_followers(&follower_paths, base, &owned, &mut rejects, cache)?;
    listed.extend(read_followers.files);
    let mut followers = read_followers.frame;
    // The accounts no roster influencer owns: the stats readers list those of the files.
    let mut unowned_accounts = read_posts.unowned;
    unowned_accounts.extend(read_followers.unowned);
    let frame_err = |source| SourceError::Csv { path: base.to_path_buf(), source };
    let (api, order_pulls) = match snapshots {
        Some(snap) => {
            unowned_accounts.extend(unowned(&roster, &[&snap.posts, &snap.followers]).map_err(frame_err)?);
            posts.vstack_mut(&snap.posts).map_err(frame_err)?;
            followers.vstack_mut(&snap.followers).map_err(frame_err)?;
            (Some(snap.api), snap.orders)
        }
        None => (None, Vec::new()),
    };
    // The earliest day of any post, the pulled ones and the kept ones included.
    let earliest_post_day = [read_posts.earliest, min_day(&posts).map_err(frame_err)?].into_iter().flatten().min();
    if let Some(hook) = social {
        hook(std::mem::take(&mut posts), std::mem::take(&mut followers), &roster)?;
    }

    let currency = super::orders::Currency { code: &report.currency, fx: &report.fx };
    let mut order_recorded = std::collections::BTreeMap::new();
    let (mut orders, mut order_codes, order_paths, earliest_order_day) = match cfg.orders_format {
        OrdersFormat::Shopify => {
            let paths = files::expand_with(&cfg.orders, base, cfg.url_auth.as_ref())?;
            let read = shopify::read(&paths, base, report.timezone, &currency, &mut rejects, cache)?;
            listed.extend(read.files);
            order_recorded = read.recorded;
            (read.orders, read.codes, paths, read.earliest_day)
        }
        _ => {
            let order_files = load_all(&cfg.orders, base, cfg.url_auth.as_ref())?;
            let mut sink = super::orders::OrderSink::default();
            let rows = mapped::read(&order_files, cfg.columns.as_ref(), report.timezone, &currency, &mut rejects, &mut sink, 0)?;
            let (orders, codes) = sink.finish().map_err(|source| SourceError::Csv { path: base.to_path_buf(), source })?;
            record(&mut listed, &order_files, &rows, base);
            (orders, codes, order_files.into_iter().map(|f| f.path).collect(), None)
        }
    };
    if !order_pulls.is_empty() {
        // Each pull ranks after the files, later pulls later: the copy de-duplication prefers.
        let (api_orders, api_codes) = api_orders(&order_pulls, order_paths.len() as u32, report.timezone, &currency)?;
        orders.vstack_mut(&api_orders).map_err(frame_err)?;
        order_codes.vstack_mut(&api_codes).map_err(frame_err)?;
    }

    unowned_accounts.sort();
    unowned_accounts.dedup();
    Ok(Inputs {
        roster,
        posts,
        followers,
        costs,
        orders,
        order_codes,
        order_files: order_paths,
        earliest_order_day,
        earliest_post_day,
        order_recorded,
        files: listed,
        rejected: rejects.list,
        unassigned_costs,
        unowned_accounts,
        api,
    })
}

/// The earliest `day` of `frame` (none when it has no rows).
fn min_day(frame: &DataFrame) -> PolarsResult<Option<i32>> {
    match frame.height() {
        0 => Ok(None),
        _ => Ok(frame.column("day")?.i32()?.min()),
    }
}

/// The orders of shop API pulls as canonical frames, days in `tz`.
fn api_orders(
    pulls: &[Vec<crate::pull::shops::ApiOrder>],
    first_rank: u32,
    tz: chrono_tz::Tz,
    currency: &super::orders::Currency<'_>,
) -> Result<(DataFrame, DataFrame), SourceError> {
    let mut sink = super::orders::OrderSink::default();
    for (i, pull) in pulls.iter().enumerate() {
        for (row, o) in pull.iter().enumerate() {
            let record = o.record(tz);
            sink.push(first_rank + i as u32, row as u32, record, currency).map_err(|reason| SourceError::Row {
                path: std::path::PathBuf::from(format!("shop API pull {}", i + 1)),
                line: row + 1,
                message: format!("order {}: {reason}", o.name),
            })?;
        }
    }
    sink.finish().map_err(|source| SourceError::Csv { path: Default::default(), source })
}

/// Accounts in pulled stats that no roster influencer owns.
fn unowned(roster: &super::Roster, frames: &[&DataFrame]) -> PolarsResult<Vec<(Platform, String)>> {
    let owned: HashSet<(Platform, &str)> = roster.accounts().map(|(p, h, _)| (p, h)).collect();
    let mut out = BTreeSet::new();
    for df in frames {
        let platforms = df.column("platform")?.str()?;
        let handles = df.column("handle")?.str()?;
        for (p, h) in platforms.iter().zip(handles.iter()) {
            if let (Some(p), Some(h)) = (p.and_then(Platform::parse), h)
                && !owned.contains(&(p, h))
            {
                out.insert((p, h.to_string()));
            }
        }
    }
    Ok(out.into_iter().collect())
}
