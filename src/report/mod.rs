//! RENDER: turns figures into the run's files — influencers.csv, tiers.csv, summary.json,
//! report.html and report.md — and the email's bodies.

pub mod csv;
pub mod summary;

use crate::metrics::Figures;
use crate::period::Period;
use crate::source::InputFile;
use std::path::{Path, PathBuf};

/// What one run computed, ready to be written and rendered.
#[derive(Debug)]
pub struct RunData<'a> {
    pub report: &'a crate::config::ReportConfig,
    pub period: Period,
    pub previous_period: Period,
    pub current: Figures,
    pub previous: Figures,
    pub inputs: Vec<InputFile>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot serialise the summary")]
    Json(#[from] serde_json::Error),
}

fn write(dir: &Path, name: &str, body: &[u8]) -> Result<PathBuf, ReportError> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, body)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
    Ok(path)
}

/// Writes the CSV and JSON files into `dir` (created if needed); returns their paths.
pub fn write_data_files(data: &RunData<'_>, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let tz = data.report.timezone.name();
    let summary = summary::Summary {
        report: &data.report.name,
        period: summary::PeriodJson::new(&data.period, tz),
        previous_period: summary::PeriodJson::new(&data.previous_period, tz),
        currency: &data.report.currency,
        tier_scheme: &data.report.tiers.name,
        totals: (&data.current.total).into(),
        previous_totals: (&data.previous.total).into(),
        tiers: data.current.tiers.iter().map(Into::into).collect(),
        data_quality: &data.current.quality,
        inputs: &data.inputs,
    };
    let mut json = serde_json::to_string_pretty(&summary)?;
    json.push('\n');
    Ok(vec![
        write(
            dir,
            "influencers.csv",
            csv::influencers_csv(&data.current.influencers).as_bytes(),
        )?,
        write(
            dir,
            "tiers.csv",
            csv::tiers_csv(&data.current.tiers, &data.current.total).as_bytes(),
        )?,
        write(dir, "summary.json", json.as_bytes())?,
    ])
}
