//! Creator statements: one email per influencer with an address in the roster, showing their
//! own posts, orders, revenue and the commission owed for the period.

use super::RunData;
use super::context::{CodeView, RowView, row_view};
use super::format::Fmt;
use super::i18n::Labels;
use super::render::{RenderError, inline_css, render_one};
use crate::metrics::{FigureRow, PostLine};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Serialize)]
struct StatementContext {
    lang: String,
    t: HashMap<String, String>,
    title: String,
    intro: String,
    figures: RowView,
    commission: Option<String>,
    commission_rule: String,
    posts: Vec<PostView>,
    codes: Vec<CodeView>,
}

#[derive(Debug, Serialize)]
struct PostView {
    day: String,
    platform: String,
    post_id: String,
    engagements: String,
    reach: String,
}

/// One rendered statement.
#[derive(Debug, Clone)]
pub struct Statement {
    pub influencer_id: String,
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Statements for every influencer with an email address in the roster.
pub fn render_statements(
    data: &RunData<'_>,
    tera: &tera::Tera,
    labels: &Labels,
    fmt: &Fmt,
) -> Result<Vec<Statement>, RenderError> {
    let period_name = labels.period_name(&data.period);
    let mut out = Vec::new();
    let rows: HashMap<&str, &FigureRow> = data.current.influencers.iter().map(|r| (r.influencer_id.as_str(), r)).collect();
    let mut posts: HashMap<&str, Vec<&PostLine>> = HashMap::new();
    for post in &data.current.posts {
        posts.entry(post.influencer_id.as_str()).or_default().push(post);
    }
    for inf in data.roster.iter() {
        let Some(to) = &inf.email else { continue };
        let Some(row) = rows.get(inf.id.as_str()).copied() else { continue };
        let name = row.display_name().to_string();
        let pct = rust_decimal::prelude::ToPrimitive::to_f64(&inf.commission_pct).unwrap_or(0.0);
        let commission = (!inf.commission_pct.is_zero()).then(|| fmt.money(row.revenue * pct / 100.0));
        let ctx = StatementContext {
            lang: labels.locale.code().to_string(),
            t: labels.map.clone(),
            title: labels.fill("statement_title", &[("period", &period_name), ("brand", &data.report.name)]),
            intro: labels.fill("statement_intro", &[("name", &name), ("period", &period_name)]),
            figures: row_view(row, fmt),
            commission,
            commission_rule: format!("{} % × {}", fmt.number(pct, 1), fmt.money(row.revenue)),
            posts: posts
                .get(inf.id.as_str())
                .into_iter()
                .flatten()
                .map(|p| PostView {
                    day: labels.date(p.day),
                    platform: p.platform.clone(),
                    post_id: p.post_id.clone(),
                    engagements: fmt.count(p.engagements),
                    reach: fmt.opt_count(p.reach),
                })
                .collect(),
            codes: data
                .current
                .codes
                .iter()
                .filter(|c| c.influencer_id == inf.id)
                .map(|c| CodeView {
                    code: c.code.clone(),
                    influencer: name.clone(),
                    orders: fmt.count(c.orders),
                    revenue: fmt.money(c.revenue),
                })
                .collect(),
        };
        out.push(Statement {
            influencer_id: inf.id.clone(),
            to: to.clone(),
            subject: ctx.title.clone(),
            html: inline_css(&render_one(tera, "statement.html", &ctx)?)?,
            text: render_one(tera, "statement.txt", &ctx)?,
        });
    }
    Ok(out)
}
