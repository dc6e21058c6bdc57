//! Social stats from export files: posts with their metrics, and follower snapshots.

use super::csv_file::{CsvText, text_column};
use super::values::{ValueError, parse_count, parse_date, parse_stamp};
use super::{Platform, Rejects, SourceError, cell_error, normalize_handle};
use chrono_tz::Tz;
use polars::prelude::*;

/// The post metrics, in canonical column order.
pub const METRICS: [&str; 7] = ["likes", "comments", "shares", "saves", "reach", "impressions", "views"];

fn platform_cell(file: &CsvText, row: usize, column: &str, raw: &str) -> Result<Platform, SourceError> {
    Platform::parse(raw).ok_or_else(|| cell_error(file, row, column, raw, ValueError("is not one of instagram, tiktok, youtube")))
}

fn frame_error(source: PolarsError) -> SourceError {
    SourceError::Csv { path: Default::default(), source }
}

/// Reads post files; `posted_at` is assigned to its day in `tz`.
pub fn read_posts(files: &[CsvText], tz: Tz, rejects: &mut Rejects) -> Result<(DataFrame, Vec<usize>), SourceError> {
    let mut platforms = Vec::new();
    let mut handles = Vec::new();
    let mut post_ids = Vec::new();
    let mut days = Vec::new();
    let mut metrics: Vec<Vec<Option<i64>>> = vec![Vec::new(); METRICS.len()];
    let mut rows = Vec::new();
    for file in files {
        let platform_col = file.require_column(&["platform"])?.to_string();
        let handle_col = file.require_column(&["handle"])?.to_string();
        let id_col = file.require_column(&["post_id"])?.to_string();
        let at_col = file.require_column(&["posted_at"])?.to_string();
        let metric_cols: Vec<Option<String>> = METRICS.iter().map(|m| file.find_column(&[m]).map(str::to_string)).collect();
        let mut wanted = vec![platform_col.as_str(), handle_col.as_str(), id_col.as_str(), at_col.as_str()];
        wanted.extend(metric_cols.iter().flatten().map(String::as_str));
        let df = file.read_columns(&wanted, rejects)?;
        let get = |name: &str| text_column(&df, name, &file.path);
        let (p, h, id, at) = (get(&platform_col)?, get(&handle_col)?, get(&id_col)?, get(&at_col)?);
        let metric_data: Vec<_> = metric_cols.iter().map(|c| c.as_deref().map(get).transpose()).collect::<Result<_, _>>()?;
        rows.push(file.rows);
        'rows: for i in 0..df.height() {
            let raw_platform = p.get(i).unwrap_or("");
            let platform = match platform_cell(file, i, &platform_col, raw_platform) {
                Ok(pl) => pl,
                Err(e) => {
                    rejects.handle(e)?;
                    continue;
                }
            };
            let raw_at = at.get(i).unwrap_or("");
            let day = match parse_stamp(raw_at) {
                Ok(s) => crate::period::day_number(s.day_in(tz)),
                Err(reason) => {
                    rejects.handle(cell_error(file, i, &at_col, raw_at, reason))?;
                    continue;
                }
            };
            let post_id = super::normalize_id(id.get(i).unwrap_or(""));
            if post_id.is_empty() {
                rejects.handle(cell_error(file, i, &id_col, "", ValueError("is empty")))?;
                continue;
            }
            let mut values = [None; METRICS.len()];
            for (m, column) in metric_data.iter().enumerate() {
                let raw = column.and_then(|c| c.get(i)).unwrap_or("").trim();
                if raw.is_empty() {
                    continue;
                }
                match parse_count(raw, file.decimal) {
                    Ok(v) => values[m] = Some(v),
                    Err(reason) => {
                        let name = metric_cols[m].as_deref().unwrap_or(METRICS[m]);
                        rejects.handle(cell_error(file, i, name, raw, reason))?;
                        continue 'rows;
                    }
                }
            }
            platforms.push(platform.as_str());
            handles.push(normalize_handle(h.get(i).unwrap_or("")));
            post_ids.push(post_id.to_string());
            days.push(day);
            for (m, v) in values.into_iter().enumerate() {
                metrics[m].push(v);
            }
        }
    }
    let mut columns = vec![
        Column::new("platform".into(), platforms),
        Column::new("handle".into(), handles),
        Column::new("post_id".into(), post_ids),
        Column::new("day".into(), days),
    ];
    for (name, values) in METRICS.iter().zip(metrics) {
        columns.push(Column::new((*name).into(), values));
    }
    let df = DataFrame::new_infer_height(columns).map_err(frame_error)?;
    Ok((df, rows))
}

/// Reads follower snapshot files.
pub fn read_followers(files: &[CsvText], rejects: &mut Rejects) -> Result<(DataFrame, Vec<usize>), SourceError> {
    let mut platforms = Vec::new();
    let mut handles = Vec::new();
    let mut days = Vec::new();
    let mut counts = Vec::new();
    let mut rows = Vec::new();
    for file in files {
        let platform_col = file.require_column(&["platform"])?.to_string();
        let handle_col = file.require_column(&["handle"])?.to_string();
        let date_col = file.require_column(&["date"])?.to_string();
        let count_col = file.require_column(&["followers"])?.to_string();
        let df = file.read_columns(&[&platform_col, &handle_col, &date_col, &count_col], rejects)?;
        let get = |name: &str| text_column(&df, name, &file.path);
        let (p, h, d, c) = (get(&platform_col)?, get(&handle_col)?, get(&date_col)?, get(&count_col)?);
        rows.push(file.rows);
        for i in 0..df.height() {
            let raw_platform = p.get(i).unwrap_or("");
            let platform = match platform_cell(file, i, &platform_col, raw_platform) {
                Ok(pl) => pl,
                Err(e) => {
                    rejects.handle(e)?;
                    continue;
                }
            };
            let raw_date = d.get(i).unwrap_or("");
            let day = match parse_date(raw_date) {
                Ok(day) => crate::period::day_number(day),
                Err(reason) => {
                    rejects.handle(cell_error(file, i, &date_col, raw_date, reason))?;
                    continue;
                }
            };
            let raw_count = c.get(i).unwrap_or("");
            let count = match parse_count(raw_count, file.decimal) {
                Ok(v) => v,
                Err(reason) => {
                    rejects.handle(cell_error(file, i, &count_col, raw_count, reason))?;
                    continue;
                }
            };
            platforms.push(platform.as_str());
            handles.push(normalize_handle(h.get(i).unwrap_or("")));
            days.push(day);
            counts.push(count);
        }
    }
    let df = df!("platform" => platforms, "handle" => handles, "day" => days, "followers" => counts).map_err(frame_error)?;
    Ok((df, rows))
}
