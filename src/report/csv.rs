//! influencers.csv and tiers.csv: spec §4 columns, unrounded, floats that read back exactly,
//! empty cells for nulls.

use crate::metrics::FigureRow;

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

fn attribution(r: &FigureRow) -> [String; 4] {
    [int(Some(r.orders_by_code)), int(Some(r.orders_by_link)), float(Some(r.revenue_by_code)), float(Some(r.revenue_by_link))]
}

fn int(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// Shortest text that parses back to the same f64 (Rust's `Display`), empty for null.
pub fn float(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

/// A text cell as spreadsheets will not run it (spec §4): one beginning with `=`, `+`, `-`,
/// `@`, TAB or CR gets a leading `'`. Only for text: numbers are written as they are.
/// Bidirectional controls are removed as in the rendered reports.
pub fn text(cell: &str) -> String {
    let cell = super::render::strip_bidi(cell);
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_string() }
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) { format!("\"{}\"", field.replace('"', "\"\"")) } else { field.to_string() }
}

/// The values after `tier` shared by both files, in column order.
fn figures(r: &FigureRow) -> Vec<String> {
    vec![
        int(r.followers),
        int(Some(r.posts)),
        int(Some(r.likes)),
        int(Some(r.comments)),
        int(Some(r.shares)),
        int(Some(r.saves)),
        int(Some(r.engagements)),
        float(r.engagement_rate),
        float(r.engagement_rate_reach),
        int(Some(r.reach)),
        int(Some(r.impressions)),
        int(Some(r.views)),
        int(Some(r.orders)),
        float(Some(r.revenue)),
        float(Some(r.discounts)),
        float(Some(r.refunds)),
        float(Some(r.cost)),
        float(r.roi_pct),
        float(r.roas),
        float(r.cpa),
        float(r.cpm),
        float(r.cpe),
        float(r.aov),
        float(r.return_rate),
    ]
}

fn line(fields: impl IntoIterator<Item = String>) -> String {
    let mut s = fields.into_iter().map(|f| quote(&f)).collect::<Vec<_>>().join(",");
    s.push('\n');
    s
}

pub fn influencers_csv(rows: &[FigureRow]) -> String {
    let mut out = line(INFLUENCER_COLUMNS.iter().chain(&ATTRIBUTION_COLUMNS).map(|c| c.to_string()));
    for r in rows {
        let fields = [text(&r.influencer_id), text(&r.name), text(&r.tier)].into_iter().chain(figures(r));
        out.push_str(&line(fields.chain(attribution(r))));
    }
    out
}

/// tiers.csv: one row per tier, lowest first, then `total`.
pub fn tiers_csv(tiers: &[FigureRow], total: &FigureRow) -> String {
    let header =
        ["tier", "influencers"].into_iter().chain(INFLUENCER_COLUMNS[3..].iter().copied()).chain(["median_engagement_rate"]);
    let header = header.chain(ATTRIBUTION_COLUMNS);
    let mut out = line(header.map(str::to_string));
    for r in tiers.iter().chain([total]) {
        let fields =
            [text(&r.tier), r.influencers.to_string()].into_iter().chain(figures(r)).chain([float(r.median_engagement_rate)]);
        let fields = fields.chain(attribution(r));
        out.push_str(&line(fields));
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
