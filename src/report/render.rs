//! Renders the context through tera: the built-in templates, or a user's folder of
//! replacements with the same names (`report.html.tera`, `report.md.tera`, `email.txt.tera`).

use super::context::ReportContext;
use std::path::{Path, PathBuf};
use tera::{Context, Kwargs, State, Tera};

/// Template names (as registered) and their built-in text.
const BUILT_IN: [(&str, &str); 3] = [
    ("report.html", include_str!("../../templates/report.html.tera")),
    ("report.md", include_str!("../../templates/report.md.tera")),
    ("email.txt", include_str!("../../templates/email.txt.tera")),
];

/// The rendered bodies of one report.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub html: String,
    pub markdown: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template `{}` cannot be read", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("template `{name}` is invalid")]
    Parse {
        name: String,
        #[source]
        source: tera::Error,
    },
    #[error("template `{name}` failed to render")]
    Render {
        name: String,
        #[source]
        source: tera::Error,
    },
    #[error("labels `{name}` are invalid: {message}")]
    Labels { name: String, message: String },
    #[error("the report context cannot be serialised")]
    Context(#[source] tera::Error),
}

/// Escapes what Markdown would read as syntax in table cells and text.
fn escape_markdown(text: &str, _: Kwargs, _: &State) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '|' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '`') {
            out.push('\\');
        }
        if c == '\n' || c == '\r' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Loads the templates: a file `NAME.tera` in `overrides` replaces the built-in one.
pub fn templates(overrides: Option<&Path>) -> Result<Tera, RenderError> {
    let mut tera = Tera::new();
    tera.register_filter("md", escape_markdown);
    for (name, built_in) in BUILT_IN {
        let custom = overrides.map(|dir| dir.join(format!("{name}.tera"))).filter(|p| p.is_file());
        let text = match &custom {
            Some(path) => std::fs::read_to_string(path).map_err(|source| RenderError::Read { path: path.clone(), source })?,
            None => built_in.to_string(),
        };
        let shown = custom.map_or_else(|| format!("{name}.tera (built in)"), |p| p.display().to_string());
        tera.add_raw_template(name, &text).map_err(|source| RenderError::Parse { name: shown, source })?;
    }
    Ok(tera)
}

pub fn render(tera: &Tera, ctx: &ReportContext) -> Result<Rendered, RenderError> {
    let context = Context::from_serialize(ctx).map_err(RenderError::Context)?;
    let one = |name: &str| tera.render(name, &context).map_err(|source| RenderError::Render { name: name.to_string(), source });
    Ok(Rendered { html: one("report.html")?, markdown: one("report.md")?, text: one("email.txt")? })
}
