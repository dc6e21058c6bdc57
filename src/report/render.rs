//! Renders the context through tera: the built-in templates, or a user's folder of
//! replacements with the same names (`report.html.tera`, `email.html.tera`, `report.md.tera`,
//! `email.txt.tera`).

use super::context::ReportContext;
use std::path::{Path, PathBuf};
use tera::{Context, Kwargs, State, Tera};

/// Template names (as registered) and their built-in text.
const BUILT_IN: [(&str, &str); 6] = [
    ("report.html", include_str!("../../templates/report.html.tera")),
    ("email.html", include_str!("../../templates/email.html.tera")),
    ("report.md", include_str!("../../templates/report.md.tera")),
    ("email.txt", include_str!("../../templates/email.txt.tera")),
    ("statement.html", include_str!("../../templates/statement.html.tera")),
    ("statement.txt", include_str!("../../templates/statement.txt.tera")),
];

/// The rendered bodies of one report.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// report.html: the complete report, charts as `tiers.png` beside it.
    pub html: String,
    /// The email's HTML part, a digest with its CSS inlined: charts as `cid:` references to its
    /// inline parts.
    pub email_html: String,
    pub markdown: String,
    pub text: String,
    pub charts: Vec<super::charts::Chart>,
    /// The title in the report's language: the default email subject.
    pub title: String,
    /// Creator statements, when the report sends them.
    pub statements: Vec<super::statement::Statement>,
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
    #[error("cannot inline the report's CSS")]
    Css(#[source] css_inline::InlineError),
}

/// Escapes what Markdown would read as syntax in table cells and text (links, images, code,
/// emphasis, strike-through, HTML and entities such as `&#x202E;`).
fn escape_markdown(text: &str, _: Kwargs, _: &State) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '|' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '`' | '!' | '~' | '&') {
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

/// Renders one template with `ctx`.
pub fn render_one(tera: &Tera, name: &str, ctx: &impl serde::Serialize) -> Result<String, RenderError> {
    render_context(tera, name, &Context::from_serialize(ctx).map_err(RenderError::Context)?)
}

/// Renders one template with a context already serialised (one report renders three bodies
/// from one context: serialising thousands of rows is most of a render).
fn render_context(tera: &Tera, name: &str, context: &Context) -> Result<String, RenderError> {
    let text = tera.render(name, context).map_err(|source| RenderError::Render { name: name.to_string(), source })?;
    Ok(without_bidi(text))
}

/// Whether `c` is a bidirectional control (embeddings, overrides, isolates, marks) that could
/// make text read differently from what it is (a name shown reversed).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Whether `text` holds a bidirectional control ([`is_bidi_control`]). A report's body is
/// megabytes of text: its bytes are searched for the controls' UTF-8 lead bytes (E2 for
/// U+200E–U+2069, D8 for U+061C) and only the bytes after those are compared.
pub fn has_bidi_control(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(0xE2, 0xD8, bytes).any(|i| {
        matches!(
            (bytes[i], bytes.get(i + 1), bytes.get(i + 2)),
            (0xD8, Some(0x9C), _) | (0xE2, Some(0x80), Some(0x8E | 0x8F | 0xAA..=0xAE)) | (0xE2, Some(0x81), Some(0xA6..=0xA9))
        )
    })
}

/// `text` without bidirectional controls: every rendered body (HTML, Markdown, text) passes
/// through here, whatever the template. Without any, `text` itself comes back.
pub fn without_bidi(text: String) -> String {
    if has_bidi_control(&text) { text.chars().filter(|c| !is_bidi_control(*c)).collect() } else { text }
}

/// [`without_bidi`] of a borrowed `text`.
pub fn strip_bidi(text: &str) -> String {
    without_bidi(text.to_string())
}

/// Moves the `<style>` rules onto the elements (email clients drop `<style>`), keeping the
/// `@media` rules (dark mode, narrow screens) in a `<style>` block.
pub fn inline_css(html: &str) -> Result<String, RenderError> {
    css_inline::CSSInliner::options()
        .keep_at_rules(true)
        .load_remote_stylesheets(false)
        .build()
        .inline(html)
        .map_err(RenderError::Css)
}

/// Renders the report's bodies; `charts` were drawn for this context. report.html and report.md
/// (the long ones) are rendered on their own threads while the email's bodies are rendered here.
pub fn render(tera: &Tera, ctx: &ReportContext, charts: Vec<super::charts::Chart>) -> Result<Rendered, RenderError> {
    let context = Context::from_serialize(ctx).map_err(RenderError::Context)?;
    let (html, email_html, markdown, text) = std::thread::scope(|s| {
        // report.html is opened in a browser, which reads its <style>: inlining would repeat
        // the rules on each of thousands of cells.
        let html = s.spawn(|| render_context(tera, "report.html", &context));
        let markdown = s.spawn(|| render_context(tera, "report.md", &context));
        // The report's context with the email's chart views: its values are shared, not copied.
        let mut email = context.clone();
        email.insert("charts", &ctx.email_charts(&charts));
        let email_html = render_context(tera, "email.html", &email).and_then(|body| inline_css(&body));
        let text = render_context(tera, "email.txt", &context);
        let joined = |h: std::thread::ScopedJoinHandle<'_, Result<String, RenderError>>| {
            h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        (joined(html), email_html, joined(markdown), text)
    });
    Ok(Rendered {
        html: html?,
        email_html: email_html?,
        markdown: markdown?,
        text: text?,
        charts,
        title: ctx.title.clone(),
        statements: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte search finds exactly the characters `is_bidi_control` names, alone, between
    /// other text and next to the look-alikes that share their lead bytes (– → − and Arabic).
    #[test]
    fn the_byte_search_finds_exactly_the_bidi_controls() {
        for c in (0u32..0x3000).chain(0xFE00..0x10000).filter_map(char::from_u32) {
            for text in [c.to_string(), format!("a–{c}→b"), format!("{c}ﻼ")] {
                assert_eq!(has_bidi_control(&text), is_bidi_control(c), "U+{:04X} in {text:?}", c as u32);
            }
        }
        assert_eq!(without_bidi("1\u{202E}2\u{2066}3\u{061C}4 – 5".to_string()), "1234 – 5");
        assert_eq!(strip_bidi("Mie \u{200F}Hansen"), "Mie Hansen");
    }
}
