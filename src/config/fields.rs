//! Reads typed values out of a spanned TOML table, collecting every problem (with line and
//! column) instead of stopping at the first, and reporting keys nobody asked for.

use std::collections::BTreeSet;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Every problem found in one config file.
#[derive(Debug, Default)]
pub struct Problems {
    source: String,
    found: Vec<(usize, usize, String)>,
}

impl Problems {
    pub fn new(source: &str) -> Self {
        Self { source: source.to_string(), found: Vec::new() }
    }

    /// Records `message` at the start of `span`.
    pub fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_col(&self.source, span.start);
        self.found.push((line, column, message.into()));
    }

    /// Records a problem that has no single place.
    pub fn plain(&mut self, message: impl Into<String>) {
        self.found.push((usize::MAX, 0, message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// The problems in file order, each starting with its line and column.
    pub fn into_list(mut self) -> Vec<String> {
        self.found.sort_by_key(|(line, column, _)| (*line, *column));
        self.found
            .into_iter()
            .map(|(line, column, m)| if line == usize::MAX { m } else { format!("line {line}, column {column}: {m}") })
            .collect()
    }
}

/// 1-based line and column of byte `offset`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

thread_local! {
    /// Keys asked for while [`record_keys`] runs on this thread, as `table.path.key`.
    static ASKED: std::cell::RefCell<Option<BTreeSet<String>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` and returns, with its result, every key the config reader asked for meanwhile
/// (present or not), as dotted paths without array indices (`report.inputs.roster`): the
/// complete list of keys for the tables that were present. A test holds config/example.toml
/// against it.
pub fn record_keys<T>(f: impl FnOnce() -> T) -> (T, BTreeSet<String>) {
    ASKED.with(|a| *a.borrow_mut() = Some(BTreeSet::new()));
    let out = f();
    let keys = ASKED.with(|a| a.borrow_mut().take()).unwrap_or_default();
    (out, keys)
}

fn note(path: &str, key: &str) {
    ASKED.with(|a| {
        if let Some(set) = a.borrow_mut().as_mut() {
            let mut table = String::with_capacity(path.len());
            let mut depth = 0;
            for c in path.chars() {
                match c {
                    '[' => depth += 1,
                    ']' => depth -= 1,
                    _ if depth == 0 => table.push(c),
                    _ => {}
                }
            }
            set.insert(if table.is_empty() { key.to_string() } else { format!("{table}.{key}") });
        }
    });
}

/// A table being read; `path` names it in messages (`report "acme".inputs`).
pub struct Fields<'a, 'i> {
    table: &'a DeTable<'i>,
    pub span: Range<usize>,
    pub path: String,
    used: BTreeSet<String>,
}

impl<'a, 'i> Fields<'a, 'i> {
    pub fn new(table: &'a DeTable<'i>, span: Range<usize>, path: impl Into<String>) -> Self {
        Self { table, span, path: path.into(), used: BTreeSet::new() }
    }

    fn key(&self, key: &str) -> String {
        if self.path.is_empty() { format!("`{key}`") } else { format!("`{}.{key}`", self.path) }
    }

    pub fn get(&mut self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        note(&self.path, key);
        self.used.insert(key.to_string());
        self.table.get(key)
    }

    pub fn has(&self, key: &str) -> bool {
        note(&self.path, key);
        self.table.get(key).is_some()
    }

    /// An optional string.
    pub fn string(&mut self, key: &str, p: &mut Problems) -> Option<Spanned<String>> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
            other => {
                p.at(v.span(), format!("{} must be a string, not {}", self.key(key), other.type_str()));
                None
            }
        }
    }

    /// A required string.
    pub fn required(&mut self, key: &str, p: &mut Problems) -> Option<Spanned<String>> {
        if !self.has(key) {
            p.at(self.span.clone(), format!("{} is missing", self.key(key)));
            self.used.insert(key.to_string());
            return None;
        }
        self.string(key, p)
    }

    pub fn boolean(&mut self, key: &str, p: &mut Problems) -> Option<bool> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                p.at(v.span(), format!("{} must be true or false, not {}", self.key(key), other.type_str()));
                None
            }
        }
    }

    pub fn integer(&mut self, key: &str, p: &mut Problems) -> Option<Spanned<i64>> {
        let v = self.get(key)?;
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            _ => None,
        };
        if parsed.is_none() {
            p.at(v.span(), format!("{} must be a whole number", self.key(key)));
        }
        parsed.map(|n| Spanned::new(v.span(), n))
    }

    /// A number, integer or float.
    pub fn float(&mut self, key: &str, p: &mut Problems) -> Option<f64> {
        let v = self.get(key)?;
        let parsed = Self::number_text(v).and_then(|t| t.replace('_', "").parse::<f64>().ok());
        if parsed.is_none() {
            p.at(v.span(), format!("{} must be a number", self.key(key)));
        }
        parsed
    }

    /// A number written as an integer or a float, kept as its decimal text.
    pub fn number_text(value: &Spanned<DeValue<'_>>) -> Option<String> {
        match value.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => Some(i.as_str().to_string()),
            DeValue::Float(f) => Some(f.as_str().to_string()),
            _ => None,
        }
    }

    /// A string or a list of strings (`posts = "a.csv"` or `posts = ["a*.csv", "b.csv"]`).
    pub fn strings(&mut self, key: &str, p: &mut Problems) -> Option<Vec<Spanned<String>>> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(vec![Spanned::new(v.span(), s.to_string())]),
            DeValue::Array(items) => {
                let mut out = Vec::new();
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::String(s) => out.push(Spanned::new(item.span(), s.to_string())),
                        other => p.at(item.span(), format!("{} must hold strings, not {}", self.key(key), other.type_str())),
                    }
                }
                Some(out)
            }
            other => {
                p.at(v.span(), format!("{} must be a string or a list of strings, not {}", self.key(key), other.type_str()));
                None
            }
        }
    }

    /// A sub-table.
    pub fn table(&mut self, key: &str, p: &mut Problems) -> Option<Fields<'a, 'i>> {
        let path = self.key(key).trim_matches('`').to_string();
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(Fields::new(t, v.span(), path)),
            other => {
                p.at(v.span(), format!("`{path}` must be a table, not {}", other.type_str()));
                None
            }
        }
    }

    /// An array of tables (`[[report]]`).
    pub fn tables(&mut self, key: &str, p: &mut Problems) -> Vec<(Range<usize>, &'a DeTable<'i>)> {
        let Some(v) = self.get(key) else {
            return Vec::new();
        };
        match v.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| match item.get_ref() {
                    DeValue::Table(t) => Some((item.span(), t)),
                    other => {
                        p.at(item.span(), format!("{} must hold tables, not {}", self.key(key), other.type_str()));
                        None
                    }
                })
                .collect(),
            other => {
                p.at(v.span(), format!("{} must be an array of tables ([[{key}]]), not {}", self.key(key), other.type_str()));
                Vec::new()
            }
        }
    }

    /// Every (key, value) of the table, for free-form tables such as `[report.fx]`.
    pub fn entries(&self) -> impl Iterator<Item = (&'a Spanned<std::borrow::Cow<'i, str>>, &'a Spanned<DeValue<'i>>)> {
        self.table.iter()
    }

    /// Reports keys that were never read.
    pub fn finish(self, p: &mut Problems) {
        for (key, value) in self.table.iter() {
            if !self.used.contains(key.get_ref().as_ref()) {
                let name = self.key(key.get_ref());
                p.at(key.span().start..value.span().end, format!("unknown key {name}"));
            }
        }
    }
}
