//! Labels per locale: `templates/i18n/<locale>.toml` (built in, or replaced from the report's
//! templates folder), English for any key a file leaves out; dates and period names as each
//! language writes them.

use super::format::Locale;
use super::render::RenderError;
use crate::period::Period;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

const BUILT_IN: [(Locale, &str); 4] = [
    (Locale::En, include_str!("../../templates/i18n/en.toml")),
    (Locale::Da, include_str!("../../templates/i18n/da.toml")),
    (Locale::Sv, include_str!("../../templates/i18n/sv.toml")),
    (Locale::Nl, include_str!("../../templates/i18n/nl.toml")),
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Formula {
    pub figure: String,
    pub formula: String,
}

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    labels: HashMap<String, String>,
    #[serde(default)]
    methodology: Vec<Formula>,
}

#[derive(Debug, Clone)]
pub struct Labels {
    pub locale: Locale,
    pub map: HashMap<String, String>,
    pub methodology: Vec<Formula>,
}

fn parse(text: &str, name: &str) -> Result<File, RenderError> {
    toml::from_str(text).map_err(|e| RenderError::Labels { name: name.to_string(), message: e.to_string() })
}

impl Labels {
    /// English, overlaid by the locale's built-in file, overlaid by `overrides/i18n/<code>.toml`.
    pub fn load(locale: Locale, overrides: Option<&Path>) -> Result<Self, RenderError> {
        let built_in = |l: Locale| BUILT_IN.iter().find(|(x, _)| *x == l).map_or("", |(_, t)| *t);
        let mut base = parse(built_in(Locale::En), "i18n/en.toml")?;
        let mut layers = vec![];
        if locale != Locale::En {
            layers.push(parse(built_in(locale), &format!("i18n/{}.toml", locale.code()))?);
        }
        if let Some(path) = overrides.map(|d| d.join("i18n").join(format!("{}.toml", locale.code()))).filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(&path).map_err(|source| RenderError::Read { path: path.clone(), source })?;
            layers.push(parse(&text, &path.display().to_string())?);
        }
        for layer in layers {
            base.labels.extend(layer.labels);
            if !layer.methodology.is_empty() {
                base.methodology = layer.methodology;
            }
        }
        Ok(Self { locale, map: base.labels, methodology: base.methodology })
    }

    /// The label for `key` (the key itself when no file has it).
    pub fn get(&self, key: &str) -> String {
        self.map.get(key).cloned().unwrap_or_else(|| key.to_string())
    }

    /// The label for `key` with each `{name}` replaced.
    pub fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.get(key);
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// `19 October 2026`, `19. oktober 2026`, `19 oktober 2026`.
    pub fn date(&self, d: NaiveDate) -> String {
        let months = self.get("month_names");
        let month = months.split(',').nth(d.month0() as usize).unwrap_or("").trim().to_string();
        match self.locale {
            Locale::Da => format!("{}. {month} {}", d.day(), d.year()),
            _ => format!("{} {month} {}", d.day(), d.year()),
        }
    }

    /// `week 44, 2026`, `uge 44, 2026`, `oktober 2026`, or the two dates.
    pub fn period_name(&self, p: &Period) -> String {
        let label = p.label();
        if let Some((year, week)) = label.split_once("-W") {
            return format!("{}, {year}", self.fill("week", &[("week", week.trim_start_matches('0'))]));
        }
        if label.len() == 7 {
            let months = self.get("month_names");
            let month = months.split(',').nth(p.from.month0() as usize).unwrap_or("").trim().to_string();
            return format!("{month} {}", p.from.year());
        }
        format!("{} – {}", self.date(p.from), self.date(p.to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_has_every_english_key() {
        let en = Labels::load(Locale::En, None).unwrap();
        for locale in [Locale::Da, Locale::Sv, Locale::Nl] {
            let text = BUILT_IN.iter().find(|(l, _)| *l == locale).unwrap().1;
            let file = parse(text, "x").unwrap();
            for key in en.map.keys() {
                assert!(file.labels.contains_key(key), "{} lacks {key}", locale.code());
            }
            assert_eq!(file.methodology.len(), en.methodology.len(), "{}", locale.code());
        }
    }

    #[test]
    fn dates_and_periods_in_each_language() {
        let da = Labels::load(Locale::Da, None).unwrap();
        let d: NaiveDate = "2026-10-26".parse().unwrap();
        assert_eq!(da.date(d), "26. oktober 2026");
        let week = Period::parse("2026-W44", d).unwrap();
        assert_eq!(da.period_name(&week), "uge 44, 2026");
        let sv = Labels::load(Locale::Sv, None).unwrap();
        assert_eq!(sv.period_name(&Period::parse("2026-11", d).unwrap()), "november 2026");
        assert_eq!(Labels::load(Locale::En, None).unwrap().fill("code_subject", &[("code", "X1")]), "Code X1");
    }
}
