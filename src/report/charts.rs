//! The report's charts as PNG (email clients show no SVG): revenue and cost per tier with
//! ROI, engagement rate against followers with each tier's benchmark band, and the trend of
//! revenue, orders and engagements. Drawn with plotters and the bundled DejaVu Sans, so they
//! render the same on a bare machine.

use super::format::Fmt;
use super::i18n::Labels;
use crate::benchmarks::Benchmarks;
use crate::metrics::FigureRow;
use crate::tiers::TierScheme;
use image::ImageEncoder;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::Once;

const WIDTH: u32 = 600;
const FONT: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans.ttf");
const REVENUE: RGBColor = RGBColor(5, 150, 105);
const COST: RGBColor = RGBColor(156, 163, 175);
const INK: RGBColor = RGBColor(55, 65, 81);
const PALETTE: [RGBColor; 6] = [
    RGBColor(37, 99, 235),
    RGBColor(5, 150, 105),
    RGBColor(217, 119, 6),
    RGBColor(220, 38, 38),
    RGBColor(124, 58, 237),
    RGBColor(107, 114, 128),
];

/// One chart: `name.png` beside report.html, `cid:name@tierwise` in the email.
#[derive(Debug, Clone)]
pub struct Chart {
    pub name: &'static str,
    pub alt: String,
    pub png: Vec<u8>,
}

impl Chart {
    pub fn file_name(&self) -> String {
        format!("{}.png", self.name)
    }

    pub fn content_id(&self) -> String {
        format!("{}@tierwise", self.name)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot draw the `{chart}` chart: {message}")]
pub struct ChartError {
    chart: &'static str,
    message: String,
}

/// What the charts are drawn from.
pub struct ChartInput<'a> {
    pub tiers: &'a [FigureRow],
    pub influencers: &'a [FigureRow],
    pub scheme: &'a TierScheme,
    pub benchmarks: &'a Benchmarks,
    /// (period label, total row), oldest first.
    pub trend: &'a [(String, FigureRow)],
    pub labels: &'a Labels,
    pub fmt: &'a Fmt,
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// Draws every chart, each with alt text that states its key numbers.
pub fn render_all(input: &ChartInput<'_>) -> Result<Vec<Chart>, ChartError> {
    register_font();
    Ok(vec![
        draw("tiers", tiers_alt(input), 320, |area| tiers_chart(area, input))?,
        draw("engagement", engagement_alt(input), 360, |area| engagement_chart(area, input))?,
        draw("trend", trend_alt(input), 360, |area| trend_chart(area, input))?,
    ])
}

/// "Revenue and cost per tier, with ROI: micro: revenue 1.234,00 kr., cost …, ROI 12,5 %; …"
fn tiers_alt(input: &ChartInput<'_>) -> String {
    let (l, fmt) = (input.labels, input.fmt);
    let parts: Vec<String> = input
        .tiers
        .iter()
        .map(|t| {
            format!(
                "{}: {} {}, {} {}, {} {}",
                t.tier,
                l.get("revenue").to_lowercase(),
                fmt.money(t.revenue),
                l.get("cost").to_lowercase(),
                fmt.money(t.cost),
                l.get("roi"),
                fmt.pct_value(t.roi_pct)
            )
        })
        .collect();
    format!("{}: {}.", l.get("chart_tiers"), parts.join("; "))
}

/// The chart's title, how many influencers it shows and each tier's median engagement rate.
fn engagement_alt(input: &ChartInput<'_>) -> String {
    let (l, fmt) = (input.labels, input.fmt);
    let shown = input.influencers.iter().filter(|r| r.followers.is_some_and(|f| f > 0) && r.engagement_rate.is_some()).count();
    let medians: Vec<String> =
        input.tiers.iter().map(|t| format!("{} {}", t.tier, fmt.percent(t.median_engagement_rate, 2))).collect();
    format!(
        "{}: {} {}; {}: {}.",
        l.get("chart_engagement"),
        fmt.count(shown as i64),
        l.get("influencers").to_lowercase(),
        l.get("median_note"),
        medians.join(", ")
    )
}

/// Each series from the first period to this one.
fn trend_alt(input: &ChartInput<'_>) -> String {
    let (l, fmt) = (input.labels, input.fmt);
    let (Some(first), Some(last)) = (input.trend.first(), input.trend.last()) else { return l.get("chart_trend") };
    let span = |name: &str, a: String, b: String| format!("{} {a} ({}) → {b} ({})", l.get(name).to_lowercase(), first.0, last.0);
    format!(
        "{}: {}; {}; {}.",
        l.get("chart_trend"),
        span("revenue", fmt.money(first.1.revenue), fmt.money(last.1.revenue)),
        span("orders", fmt.count(first.1.orders), fmt.count(last.1.orders)),
        span("engagements", fmt.count(first.1.engagements), fmt.count(last.1.engagements)),
    )
}

/// A title and a row of colour keys above a chart's plot: returns the plot's area.
fn header<'b>(root: &Area<'b>, title: &str, keys: &[(String, RGBColor)]) -> Result<Area<'b>, Box<dyn std::error::Error>> {
    let (top, plot) = root.split_vertically(48);
    top.draw(&Text::new(title.to_string(), (10, 6), ("sans-serif", 16).into_font().color(&INK)))?;
    let mut x = 10;
    for (label, color) in keys {
        top.draw(&Rectangle::new([(x, 30), (x + 10, 40)], color.filled()))?;
        top.draw(&Text::new(label.clone(), (x + 14, 29), ("sans-serif", 14).into_font().color(&INK)))?;
        let width = top.estimate_text_size(label, &("sans-serif", 14).into_font().color(&INK)).map_or(60, |(w, _)| w as i32);
        x += 14 + width + 16;
    }
    Ok(plot)
}

type Area<'b> = DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>;
type Drawn = Result<(), Box<dyn std::error::Error>>;

fn draw(name: &'static str, alt: String, height: u32, f: impl FnOnce(&Area<'_>) -> Drawn) -> Result<Chart, ChartError> {
    let fail = |message: String| ChartError { chart: name, message };
    let mut buffer = vec![255u8; (WIDTH * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        f(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&buffer, WIDTH, height, image::ColorType::Rgb8)
        .map_err(|e| fail(e.to_string()))?;
    Ok(Chart { name, alt, png })
}

fn tiers_chart(root: &Area<'_>, input: &ChartInput<'_>) -> Drawn {
    let tiers = input.tiers;
    let n = tiers.len().max(1) as f64;
    let top = tiers.iter().map(|t| t.revenue.max(t.cost)).fold(0.0, f64::max).max(1.0) * 1.18;
    let fmt = input.fmt;
    let keys = [(input.labels.get("revenue"), REVENUE), (input.labels.get("cost"), COST)];
    let plot = header(root, &input.labels.get("chart_tiers"), &keys)?;
    // Texts are placed in the backend's pixels (`backend_coord`), so they are drawn on `root`.
    let mut chart = ChartBuilder::on(&plot)
        .margin(10)
        .margin_top(4)
        .x_label_area_size(26)
        .y_label_area_size(86)
        .build_cartesian_2d(0f64..n, 0f64..top)?;
    chart
        .configure_mesh()
        .max_light_lines(0)
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(5)
        .y_label_formatter(&|v| fmt.number(*v, 0))
        .label_style(("sans-serif", 14).into_font().color(&INK))
        .draw()?;
    for (i, t) in tiers.iter().enumerate() {
        let x = i as f64;
        chart.draw_series([
            Rectangle::new([(x + 0.12, 0.0), (x + 0.49, t.revenue)], REVENUE.filled()),
            Rectangle::new([(x + 0.51, 0.0), (x + 0.88, t.cost)], COST.filled()),
        ])?;
        let roi = format!("{} {}", input.labels.get("roi"), fmt.pct_value(t.roi_pct));
        let (px, py) = chart.backend_coord(&(x + 0.5, t.revenue.max(t.cost)));
        root.draw(&Text::new(
            roi,
            (px, py - 4),
            ("sans-serif", 14).into_font().color(&INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
        let (lx, ly) = chart.backend_coord(&(x + 0.5, 0.0));
        root.draw(&Text::new(
            t.tier.clone(),
            (lx, ly + 6),
            ("sans-serif", 15).into_font().color(&INK).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    Ok(())
}

fn engagement_chart(root: &Area<'_>, input: &ChartInput<'_>) -> Drawn {
    let points: Vec<(f64, f64, usize)> = input
        .influencers
        .iter()
        .filter_map(|r| {
            let tier = input.scheme.tiers.iter().position(|t| t.name == r.tier).unwrap_or(PALETTE.len() - 1);
            Some((r.followers? as f64, r.engagement_rate? * 100.0, tier.min(PALETTE.len() - 1)))
        })
        .filter(|(f, _, _)| *f > 0.0)
        .collect();
    let lo = points.iter().map(|p| p.0).fold(500.0, f64::min).max(10.0) / 1.5;
    let hi = points.iter().map(|p| p.0).fold(0.0, f64::max).max(200_000.0) * 1.5;
    let bench_top = input.benchmarks.engagement.iter().map(|b| b.high * 100.0).fold(0.0, f64::max);
    // The axis ends above the 99th percentile: one outlier must not flatten everyone else;
    // the few points above are drawn on the top edge.
    let mut rates: Vec<f64> = points.iter().map(|p| p.1).collect();
    rates.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let p99 = rates.get((rates.len() * 99 / 100).min(rates.len().saturating_sub(1))).copied().unwrap_or(0.0);
    let top = p99.max(bench_top).max(1.0) * 1.1;
    let fmt = input.fmt;
    let mut keys = Vec::new();
    for (i, tier) in input.scheme.tiers.iter().enumerate() {
        let color = PALETTE[i.min(PALETTE.len() - 1)];
        let band = input
            .benchmarks
            .engagement_for(&tier.name)
            .map(|b| format!(" {}–{}", fmt.number(b.low * 100.0, 0), fmt.percent(Some(b.high), 0)))
            .unwrap_or_default();
        keys.push((format!("{}{band}", tier.name), color));
    }
    let plot = header(root, &input.labels.get("chart_engagement"), &keys)?;
    let (note, plot) = plot.split_vertically(16);
    let key_note = format!("{}; {}", input.labels.get("chart_band"), input.labels.get("chart_points"));
    note.draw(&Text::new(key_note, (10, 0), ("sans-serif", 13).into_font().color(&INK)))?;
    let mut chart = ChartBuilder::on(&plot)
        .margin(10)
        .margin_top(4)
        .x_label_area_size(34)
        .y_label_area_size(52)
        .build_cartesian_2d((lo..hi).log_scale(), 0f64..top)?;
    chart
        .configure_mesh()
        .max_light_lines(0)
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| fmt.number(*v, 0))
        .y_label_formatter(&|v| format!("{}\u{a0}%", fmt.number(*v, 0)))
        .x_desc(input.labels.get("chart_followers"))
        .label_style(("sans-serif", 14).into_font().color(&INK))
        .draw()?;
    for (i, tier) in input.scheme.tiers.iter().enumerate() {
        let Some(bench) = input.benchmarks.engagement_for(&tier.name) else { continue };
        let from = (tier.min_followers as f64).max(lo);
        let to = input.scheme.tiers.get(i + 1).map_or(hi, |t| t.min_followers as f64).min(hi);
        if from >= to {
            continue;
        }
        let color = PALETTE[i.min(PALETTE.len() - 1)];
        let (low, high) = ((bench.low * 100.0).min(top), (bench.high * 100.0).min(top));
        chart.draw_series([Rectangle::new([(from, low), (to, high)], color.mix(0.16).filled())])?;
    }
    // Many points: smaller and translucent, so dense areas read as density, not a blot.
    let (radius, alpha) = match points.len() {
        0..=200 => (4, 1.0),
        201..=2_000 => (2, 0.6),
        _ => (1, 0.35),
    };
    chart.draw_series(points.iter().map(|(f, er, t)| Circle::new((*f, er.min(top)), radius, PALETTE[*t].mix(alpha).filled())))?;
    Ok(())
}

fn trend_chart(root: &Area<'_>, input: &ChartInput<'_>) -> Drawn {
    let labels = input.labels;
    let fmt = input.fmt;
    let panels = root.split_evenly((3, 1));
    type Value = fn(&FigureRow) -> f64;
    let series: [(String, Value, RGBColor); 3] = [
        (labels.get("revenue"), |r| r.revenue, REVENUE),
        (labels.get("orders"), |r| r.orders as f64, PALETTE[0]),
        (labels.get("engagements"), |r| r.engagements as f64, PALETTE[2]),
    ];
    let n = input.trend.len().max(2);
    for (k, (panel, (title, value, color))) in panels.iter().zip(series.iter()).enumerate() {
        let values: Vec<f64> = input.trend.iter().map(|(_, r)| value(r)).collect();
        let top = values.iter().copied().fold(0.0, f64::max).max(1.0) * 1.15;
        let mut chart = ChartBuilder::on(panel)
            .margin_left(10)
            .margin_right(28)
            .margin_top(if k == 0 { 8 } else { 2 })
            .x_label_area_size(if k == 2 { 22 } else { 4 })
            .y_label_area_size(74)
            .build_cartesian_2d(0f64..(n - 1) as f64, 0f64..top)?;
        let period_labels: Vec<String> = input.trend.iter().map(|(l, _)| l.clone()).collect();
        chart
            .configure_mesh()
            .max_light_lines(0)
            .disable_x_mesh()
            .x_labels(if k == 2 { n } else { 0 })
            .x_label_formatter(&|x| period_labels.get(x.round() as usize).cloned().unwrap_or_default())
            .y_labels(3)
            .y_label_formatter(&|v| fmt.number(*v, 0))
            .label_style(("sans-serif", 13).into_font().color(&INK))
            .draw()?;
        chart.draw_series(LineSeries::new(values.iter().enumerate().map(|(i, v)| (i as f64, *v)), color.stroke_width(2)))?;
        chart.draw_series(values.iter().enumerate().map(|(i, v)| Circle::new((i as f64, *v), 3, color.filled())))?;
        let (px, py) = chart.backend_coord(&(0.0, top));
        root.draw(&Text::new(title.clone(), (px + 6, py + 2), ("sans-serif", 15).into_font().color(color)))?;
    }
    Ok(())
}
