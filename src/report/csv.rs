//! influencers.csv and tiers.csv: spec §4 columns, unrounded, floats that read back exactly,
//! empty cells for nulls.

use crate::metrics::FigureRow;
use std::fmt::Write as _;

/// influencers.csv columns, in order.
pub const INFLUENCER_COLUMNS: [&str; 27] = [
    "influencer_id",
    "name",
    "tier",
    "followers",
    "posts",
    "likes",
    "comments",
    "shares",
    "saves",
    "engagements",
    "engagement_rate",
    "engagement_rate_reach",
    "reach",
    "impressions",
    "views",
    "orders",
    "revenue",
    "discounts",
    "refunds",
    "cost",
    "roi_pct",
    "roas",
    "cpa",
    "cpm",
    "cpe",
    "aov",
    "return_rate",
];

/// Columns after the spec's, in both files: orders and revenue by coupon code and by link.
pub const ATTRIBUTION_COLUMNS: [&str; 4] = ["orders_by_code", "orders_by_link", "revenue_by_code", "revenue_by_link"];

fn attribution(line: &mut Line<'_>, r: &FigureRow) {
    line.int(Some(r.orders_by_code));
    line.int(Some(r.orders_by_link));
    line.float(Some(r.revenue_by_code));
    line.float(Some(r.revenue_by_link));
}

/// Shortest text that parses back to the same f64 (Rust's `Display`), empty for null.
pub fn float(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

/// Whether `cell` would run as a formula in a spreadsheet (spec §4): it begins with `=`, `+`,
/// `-`, `@`, TAB or CR.
fn formula_like(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A text cell as spreadsheets will not run it (spec §4): one beginning with `=`, `+`, `-`,
/// `@`, TAB or CR gets a leading `'`. Only for text: numbers are written as they are.
/// Bidirectional controls are removed as in the rendered reports.
pub fn text(cell: &str) -> String {
    let cell = super::render::strip_bidi(cell);
    if formula_like(&cell) { format!("'{cell}") } else { cell }
}

/// One CSV line written in place at the end of `out`: a comma before each cell but the first,
/// a cell with a comma, quote or line break quoted (its quotes doubled). Numbers never need
/// quoting: Rust writes them without commas or exponents.
struct Line<'a> {
    out: &'a mut String,
    cells: usize,
}

impl<'a> Line<'a> {
    fn new(out: &'a mut String) -> Self {
        Self { out, cells: 0 }
    }

    fn next_cell(&mut self) {
        if self.cells > 0 {
            self.out.push(',');
        }
        self.cells += 1;
    }

    /// `field` as it is (quoted when it needs to be).
    fn raw(&mut self, field: &str) {
        self.next_cell();
        if field.contains([',', '"', '\n', '\r']) {
            self.out.push('"');
            self.out.push_str(&field.replace('"', "\"\""));
            self.out.push('"');
        } else {
            self.out.push_str(field);
        }
    }

    /// A text cell: [`text`] of `cell`, copied only when it changes it.
    fn text(&mut self, cell: &str) {
        if formula_like(cell) || super::render::has_bidi_control(cell) {
            self.raw(&text(cell));
        } else {
            self.raw(cell);
        }
    }

    fn int(&mut self, v: Option<i64>) {
        self.next_cell();
        if let Some(n) = v {
            let _ = write!(self.out, "{n}");
        }
    }

    /// [`float`], written in place.
    fn float(&mut self, v: Option<f64>) {
        self.next_cell();
        if let Some(x) = v.filter(|x| x.is_finite()) {
            let _ = write!(self.out, "{x}");
        }
    }

    fn end(self) {
        self.out.push('\n');
    }
}

/// The values after `tier` shared by both files, in column order.
fn figures(line: &mut Line<'_>, r: &FigureRow) {
    line.int(r.followers);
    for n in [r.posts, r.likes, r.comments, r.shares, r.saves, r.engagements] {
        line.int(Some(n));
    }
    line.float(r.engagement_rate);
    line.float(r.engagement_rate_reach);
    for n in [r.reach, r.impressions, r.views, r.orders] {
        line.int(Some(n));
    }
    for x in [r.revenue, r.discounts, r.refunds, r.cost] {
        line.float(Some(x));
    }
    for x in [r.roi_pct, r.roas, r.cpa, r.cpm, r.cpe, r.aov, r.return_rate] {
        line.float(x);
    }
}

fn header<'c>(out: &mut String, columns: impl IntoIterator<Item = &'c str>) {
    let mut line = Line::new(out);
    columns.into_iter().for_each(|c| line.raw(c));
    line.end();
}

pub fn influencers_csv(rows: &[FigureRow]) -> String {
    let mut out = String::with_capacity(128 * (rows.len() + 1));
    header(&mut out, INFLUENCER_COLUMNS.iter().chain(&ATTRIBUTION_COLUMNS).copied());
    for r in rows {
        let mut line = Line::new(&mut out);
        for cell in [&r.influencer_id, &r.name, &r.tier] {
            line.text(cell);
        }
        figures(&mut line, r);
        attribution(&mut line, r);
        line.end();
    }
    out
}

/// tiers.csv: one row per tier, lowest first, then `total`.
pub fn tiers_csv(tiers: &[FigureRow], total: &FigureRow) -> String {
    let mut out = String::new();
    let columns = ["tier", "influencers"].into_iter().chain(INFLUENCER_COLUMNS[3..].iter().copied());
    header(&mut out, columns.chain(["median_engagement_rate"]).chain(ATTRIBUTION_COLUMNS));
    for r in tiers.iter().chain([total]) {
        let mut line = Line::new(&mut out);
        line.text(&r.tier);
        line.int(Some(r.influencers));
        figures(&mut line, r);
        line.float(r.median_engagement_rate);
        attribution(&mut line, r);
        line.end();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_back_and_nulls_are_empty() {
        for x in [0.1, 1.0 / 3.0, 123456.789, 1e-7, 2.5e15] {
            assert_eq!(float(Some(x)).parse::<f64>().unwrap(), x);
        }
        assert_eq!(float(None), "");
        assert_eq!(float(Some(300.0)), "300");
    }

    #[test]
    fn formula_text_gets_a_quote_and_numbers_do_not() {
        for bad in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(text(bad), format!("'{bad}"));
        }
        assert_eq!(text("Mie"), "Mie");
        assert_eq!(text("a=b"), "a=b");
        let row = FigureRow {
            influencer_id: "=1+1".into(),
            name: "@evil".into(),
            tier: "-vip".into(),
            roi_pct: Some(-100.0),
            cost: 5.0,
            ..Default::default()
        };
        let csv = influencers_csv(std::slice::from_ref(&row));
        let line = csv.lines().nth(1).unwrap();
        assert!(line.starts_with("'=1+1,'@evil,'-vip,"), "{line}");
        assert!(line.contains(",-100,"), "{line}");
        let tiers = tiers_csv(std::slice::from_ref(&row), &row);
        assert!(tiers.lines().nth(1).unwrap().starts_with("'-vip,"));
    }

    #[test]
    fn names_with_commas_are_quoted() {
        let row =
            FigureRow { influencer_id: "a".into(), name: "Hansen, \"Mie\"".into(), tier: "micro".into(), ..Default::default() };
        let csv = influencers_csv(&[row]);
        assert!(csv.lines().nth(1).unwrap().starts_with("a,\"Hansen, \"\"Mie\"\"\",micro,,0,"));
        assert_eq!(csv.lines().next().unwrap().split(',').count(), 31);
        assert!(
            csv.lines().next().unwrap().ends_with(",return_rate,orders_by_code,orders_by_link,revenue_by_code,revenue_by_link")
        );
    }
}
