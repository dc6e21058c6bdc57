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

/// Draws every chart.
pub fn render_all(input: &ChartInput<'_>) -> Result<Vec<Chart>, ChartError> {
    register_font();
    Ok(vec![
        draw("tiers", input.labels.get("chart_tiers"), 300, |area| tiers_chart(area, input))?,
        draw("engagement", input.labels.get("chart_engagement"), 320, |area| engagement_chart(area, input))?,
        draw("trend", input.labels.get("chart_trend"), 360, |area| trend_chart(area, input))?,
    ])
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
    let mut chart = ChartBuilder::on(root)
        .margin(10)
        .x_label_area_size(26)
        .y_label_area_size(78)
        .caption(input.labels.get("chart_tiers"), ("sans-serif", 15).into_font().color(&INK))
        .build_cartesian_2d(0f64..n, 0f64..top)?;
    chart
        .configure_mesh()
        .max_light_lines(0)
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(5)
        .y_label_formatter(&|v| fmt.number(*v, 0))
        .label_style(("sans-serif", 11).into_font().color(&INK))
        .draw()?;
    for (i, t) in tiers.iter().enumerate() {
        let x = i as f64;
        chart.draw_series([
            Rectangle::new([(x + 0.12, 0.0), (x + 0.49, t.revenue)], REVENUE.filled()),
            Rectangle::new([(x + 0.51, 0.0), (x + 0.88, t.cost)], COST.filled()),
        ])?;
        let roi = format!("ROI {}", fmt.pct_value(t.roi_pct));
        let (px, py) = chart.backend_coord(&(x + 0.5, t.revenue.max(t.cost)));
        root.draw(&Text::new(
            roi,
            (px, py - 4),
            ("sans-serif", 11).into_font().color(&INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
        let (lx, ly) = chart.backend_coord(&(x + 0.5, 0.0));
        root.draw(&Text::new(
            t.tier.clone(),
            (lx, ly + 6),
            ("sans-serif", 12).into_font().color(&INK).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    let legend = [(input.labels.get("revenue"), REVENUE), (input.labels.get("cost"), COST)];
    for (k, (label, color)) in legend.iter().enumerate() {
        let x = WIDTH as i32 - 190 + k as i32 * 95;
        root.draw(&Rectangle::new([(x, 30), (x + 10, 40)], color.filled()))?;
        root.draw(&Text::new(label.clone(), (x + 14, 29), ("sans-serif", 11).into_font().color(&INK)))?;
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
    let top = points.iter().map(|p| p.1).fold(bench_top, f64::max).max(1.0) * 1.1;
    let fmt = input.fmt;
    let mut chart = ChartBuilder::on(root)
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(46)
        .caption(input.labels.get("chart_engagement"), ("sans-serif", 13).into_font().color(&INK))
        .build_cartesian_2d((lo..hi).log_scale(), 0f64..top)?;
    chart
        .configure_mesh()
        .max_light_lines(0)
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| fmt.number(*v, 0))
        .y_label_formatter(&|v| format!("{} %", fmt.number(*v, 0)))
        .x_desc(input.labels.get("chart_followers"))
        .label_style(("sans-serif", 11).into_font().color(&INK))
        .draw()?;
    for (i, tier) in input.scheme.tiers.iter().enumerate() {
        let Some(bench) = input.benchmarks.engagement_for(&tier.name) else { continue };
        let from = (tier.min_followers as f64).max(lo);
        let to = input.scheme.tiers.get(i + 1).map_or(hi, |t| t.min_followers as f64).min(hi);
        if from >= to {
            continue;
        }
        let color = PALETTE[i.min(PALETTE.len() - 1)];
        chart.draw_series([Rectangle::new([(from, bench.low * 100.0), (to, bench.high * 100.0)], color.mix(0.14).filled())])?;
        let (px, py) = chart.backend_coord(&(from, bench.high * 100.0));
        root.draw(&Text::new(tier.name.clone(), (px + 4, py + 2), ("sans-serif", 11).into_font().color(&color)))?;
    }
    chart.draw_series(points.iter().map(|(f, er, t)| Circle::new((*f, *er), 4, PALETTE[*t].filled())))?;
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
            .label_style(("sans-serif", 10).into_font().color(&INK))
            .draw()?;
        chart.draw_series(LineSeries::new(values.iter().enumerate().map(|(i, v)| (i as f64, *v)), color.stroke_width(2)))?;
        chart.draw_series(values.iter().enumerate().map(|(i, v)| Circle::new((i as f64, *v), 3, color.filled())))?;
        let (px, py) = chart.backend_coord(&(0.0, top));
        root.draw(&Text::new(title.clone(), (px + 6, py + 2), ("sans-serif", 12).into_font().color(color)))?;
    }
    Ok(())
}
