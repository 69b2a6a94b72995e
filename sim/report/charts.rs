//! The HTML report's charts: plotters drawing into SVG strings, inlined by
//! [`super::html`]. Latency CDFs, p50/p95/p99 grouped bars, violations by invariant,
//! and the timeline of a sample run.
//!
//! Pure: no files and no fonts. The SVG backend writes `<text>` elements and leaves the
//! font to the browser, and it escapes every text and attribute it writes, so names
//! from scenario files pass through as plain text; the control characters it lets
//! through are dropped ([`escape::is_forbidden`]). Colours are chosen by the caller
//! (one per topology, the same in every chart of a page).

use super::escape;
use super::model::{CellReport, Distribution, SampleRun};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::error::Error;

/// Series colours (Tableau 10 without its red, which marks violations); they repeat
/// from the ninth topology on.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xba, 0xb0, 0xac),
];

pub(crate) const RED: RGBColor = RGBColor(0xe1, 0x57, 0x59);
pub(crate) const INK: RGBColor = RGBColor(0x3d, 0x44, 0x4d);
pub(crate) const GRID: RGBColor = RGBColor(0xe6, 0xe9, 0xed);
pub(crate) const AXIS: RGBColor = RGBColor(0x9a, 0xa3, 0xad);
const FONT: &str = "sans-serif";

/// The colour of series `index`, as `#rrggbb`.
pub fn hex(index: usize) -> String {
    let RGBColor(r, g, b) = PALETTE[index % PALETTE.len()];
    format!("#{r:02x}{g:02x}{b:02x}")
}

pub(crate) fn color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

pub(crate) type Drawn = Result<(), Box<dyn Error>>;
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Picks one of a cell's distributions.
pub type Metric = fn(&CellReport) -> &Distribution;

/// The three latency metrics every chart shows, with their titles.
pub const METRICS: [(&str, Metric); 3] = [
    ("detection", |c| &c.detection_ms),
    ("failover (RTO)", |c| &c.failover_ms),
    ("unavailable", |c| &c.unavailable_ms),
];

/// Draws into a fresh SVG document of `size` pixels.
pub(crate) fn svg(size: (u32, u32), draw: impl FnOnce(&Area<'_>) -> Drawn) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(&root).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    // The backend escapes markup but passes control characters through, which would
    // make a standalone SVG file ill-formed XML; none of its own output has any.
    out.retain(|c| !escape::is_forbidden(c));
    // Inline SVG in HTML needs no namespace, and leaving it out keeps the page free of
    // any URL at all.
    Ok(out.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1))
}

pub(crate) fn text(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&INK)
}

/// An upper bound for an axis: a little above `max`, and never an empty range.
pub(crate) fn headroom(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.08
    } else {
        1.0
    }
}

/// An axis tick: no trailing zeros ("10", "2.5").
pub(crate) fn tick(v: &f64) -> String {
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A CDF's x range: the data's span with a margin, from 0 when the data starts near it.
fn cdf_range(low: f64, high: f64) -> std::ops::Range<f64> {
    if high <= 0.0 {
        return 0.0..1.0;
    }
    let span = (high - low).max(high * 0.05);
    let start = if low < span { 0.0 } else { low - span * 0.08 };
    start..high + span * 0.08
}

/// A message in the middle of an empty panel.
pub(crate) fn note(area: &Area<'_>, message: &str) -> Drawn {
    let (w, h) = area.dim_in_pixel();
    let style = text(13).color(&AXIS).pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(message.to_string(), (w as i32 / 2, h as i32 / 2), style))?;
    Ok(())
}

/// One panel per metric: the share of runs (y) done within a time (x), one line per
/// cell (topology), through the distribution's quantile points.
///
/// # Errors
/// A drawing error from plotters, as text; the page shows it in the chart's place.
pub fn latency_cdf(cells: &[(&CellReport, usize)]) -> Result<String, String> {
    svg((1140, 300), |root| {
        for (panel, (title, pick)) in root.split_evenly((1, 3)).iter().zip(METRICS) {
            let series: Vec<(&[(f64, f64)], usize)> = cells
                .iter()
                .map(|(cell, colour)| (pick(cell).quantiles.as_slice(), *colour))
                .filter(|(points, _)| !points.is_empty())
                .collect();
            let xs = || series.iter().flat_map(|(points, _)| points.iter().map(|p| p.1 / 1000.0));
            let (low, high) = (xs().fold(f64::INFINITY, f64::min), xs().fold(0.0, f64::max));
            let mut chart = ChartBuilder::on(panel)
                .caption(title, text(16))
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(46)
                .build_cartesian_2d(cdf_range(low.min(high), high), 0.0..1.02)?;
            chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(GRID)
                .axis_style(AXIS)
                .label_style(text(12))
                .x_label_formatter(&tick)
                .x_desc("seconds")
                .y_labels(6)
                .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
                .draw()?;
            if series.is_empty() {
                note(panel, "no run measured this")?;
            }
            for (points, colour) in series {
                let line = points.iter().map(|&(q, ms)| (ms / 1000.0, q));
                chart.draw_series(LineSeries::new(line.clone(), color(colour).stroke_width(2)))?;
                chart.draw_series(line.map(|p| Circle::new(p, 2, color(colour).filled())))?;
            }
        }
        Ok(())
    })
}

/// One panel per metric: groups p50, p95, p99, one bar per cell (topology) in each.
///
/// # Errors
/// A drawing error from plotters, as text; the page shows it in the chart's place.
pub fn percentile_bars(cells: &[(&CellReport, usize)]) -> Result<String, String> {
    const GROUPS: [&str; 3] = ["p50", "p95", "p99"];
    svg((1140, 280), |root| {
        for (panel, (title, pick)) in root.split_evenly((1, 3)).iter().zip(METRICS) {
            let values: Vec<[Option<f64>; 3]> = cells
                .iter()
                .map(|(cell, _)| {
                    let d = pick(cell);
                    [d.p50, d.p95, d.p99].map(|v| v.map(|ms| ms / 1000.0))
                })
                .collect();
            let y_max = values.iter().flatten().flatten().copied().fold(0.0, f64::max);
            let mut chart = ChartBuilder::on(panel)
                .caption(title, text(16))
                .margin(10)
                .x_label_area_size(28)
                .y_label_area_size(46)
                .build_cartesian_2d(-0.5..2.5, 0.0..headroom(y_max))?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .light_line_style(TRANSPARENT)
                .bold_line_style(GRID)
                .axis_style(AXIS)
                .label_style(text(12))
                .y_label_formatter(&tick)
                .y_desc("seconds")
                .draw()?;
            let label = text(13).pos(Pos::new(HPos::Center, VPos::Top));
            chart.draw_series(GROUPS.iter().enumerate().map(|(g, name)| {
                EmptyElement::at((g as f64, 0.0)) + Text::new(name.to_string(), (0, 6), label.clone())
            }))?;
            if values.iter().flatten().all(Option::is_none) {
                note(panel, "no run measured this")?;
            }
            let width = 0.8 / values.len().max(1) as f64;
            for (k, (row, (_, colour))) in values.iter().zip(cells).enumerate() {
                let bars = row.iter().enumerate().filter_map(|(g, v)| v.map(|v| (g, v))).map(|(g, v)| {
                    let left = g as f64 - 0.4 + k as f64 * width;
                    Rectangle::new([(left + width * 0.08, 0.0), (left + width * 0.92, v)], color(*colour).filled())
                });
                chart.draw_series(bars)?;
            }
        }
        Ok(())
    })
}

/// How [`invariant_bars`] places several series in one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Side by side, each bar labelled with its count (few series).
    Grouped,
    /// End to end, one bar per row labelled with the total (many series).
    Stacked,
}

/// Horizontal bars: one row per invariant (`rows`, top to bottom), one series per
/// topology (`(colour, count per row)`).
///
/// # Errors
/// A drawing error from plotters, as text; the page shows it in the chart's place.
pub fn invariant_bars(rows: &[&str], series: &[(usize, Vec<u64>)], layout: Layout) -> Result<String, String> {
    let lanes = if layout == Layout::Grouped { series.len().max(1) } else { 1 };
    let height = 50 + rows.len() as u32 * (12 * lanes as u32 + 12);
    svg((1140, height.max(110)), |root| {
        let totals: Vec<u64> = (0..rows.len()).map(|i| series.iter().filter_map(|(_, c)| c.get(i)).sum()).collect();
        let x_max = match layout {
            Layout::Grouped => series.iter().flat_map(|(_, counts)| counts.iter().copied()).max(),
            Layout::Stacked => totals.iter().copied().max(),
        };
        let n = rows.len() as f64;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_right(40)
            .x_label_area_size(30)
            .y_label_area_size(150)
            .build_cartesian_2d(0.0..headroom(x_max.unwrap_or(0) as f64).max(1.0), -0.5..(n - 0.5).max(0.5))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .label_style(text(12))
            .x_labels((x_max.unwrap_or(0) as usize + 1).clamp(2, 11))
            .x_label_formatter(&|v| if v.fract() == 0.0 { format!("{v:.0}") } else { String::new() })
            .x_desc("violations")
            .draw()?;
        let label = text(13).pos(Pos::new(HPos::Right, VPos::Center));
        chart.draw_series(rows.iter().enumerate().map(|(i, name)| {
            EmptyElement::at((0.0, n - 1.0 - i as f64)) + Text::new(name.to_string(), (-8, 0), label.clone())
        }))?;
        let thickness = 0.8 / lanes as f64;
        let count_style = text(12).pos(Pos::new(HPos::Left, VPos::Center));
        let mut ends = vec![0.0; rows.len()];
        for (k, (colour, counts)) in series.iter().enumerate() {
            let lane = if layout == Layout::Grouped { k } else { 0 };
            for (i, &count) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
                let top = n - 1.0 - i as f64 + 0.4 - lane as f64 * thickness;
                let (low, high) = (top - thickness * 0.88, top - thickness * 0.12);
                let start = if layout == Layout::Stacked { ends[i] } else { 0.0 };
                ends[i] = start + count as f64;
                chart.draw_series([Rectangle::new([(start, low), (ends[i], high)], color(*colour).filled())])?;
                if layout == Layout::Grouped {
                    let at = EmptyElement::at((ends[i], (low + high) / 2.0));
                    chart.draw_series([at + Text::new(count.to_string(), (4, 0), count_style.clone())])?;
                }
            }
        }
        if layout == Layout::Stacked {
            chart.draw_series(totals.iter().enumerate().map(|(i, total)| {
                EmptyElement::at((*total as f64, n - 1.0 - i as f64))
                    + Text::new(total.to_string(), (5, 0), count_style.clone())
            }))?;
        }
        Ok(())
    })
}

/// Lanes beyond this many event kinds fold into one "other" lane.
const LANES_MAX: usize = 12;
/// Events drawn at most: the runner is meant to keep only notable ones.
pub const TIMELINE_EVENTS_MAX: usize = 2000;

/// The sample run: fault windows shaded across the chart, events as dots on one lane
/// per kind (in order of first appearance), violations in red.
///
/// # Errors
/// A drawing error from plotters, as text; the page shows it in the chart's place.
pub fn timeline(sample: &SampleRun) -> Result<String, String> {
    let mut lanes: Vec<&str> = Vec::new();
    for event in &sample.events {
        if !lanes.contains(&event.kind.as_str()) && lanes.len() < LANES_MAX {
            lanes.push(&event.kind);
        }
    }
    let overflow = sample.events.iter().any(|e| !lanes.contains(&e.kind.as_str()));
    let lane_of = |kind: &str| lanes.iter().position(|l| *l == kind).unwrap_or(lanes.len());
    let count = lanes.len() + usize::from(overflow);
    let height = 110 + count.max(1) as u32 * 26;
    svg((1140, height), |root| {
        let end_s = sample
            .events
            .iter()
            .map(|e| e.at_ms)
            .chain(sample.faults.iter().map(|f| f.end_ms))
            .fold(sample.duration_ms, f64::max)
            / 1000.0;
        let n = count.max(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(36)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..end_s.max(0.001), -0.5..n + 0.3)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .label_style(text(12))
            .x_label_formatter(&tick)
            .x_desc("virtual time (seconds)")
            .draw()?;
        shade_faults(&mut chart, sample, end_s, n)?;
        let row = |lane: usize| n - 1.0 - lane as f64;
        let label = text(13).pos(Pos::new(HPos::Right, VPos::Center));
        let names = lanes.iter().copied().chain(overflow.then_some("other"));
        chart.draw_series(
            names
                .enumerate()
                .map(|(i, name)| EmptyElement::at((0.0, row(i))) + Text::new(name.to_string(), (-8, 0), label.clone())),
        )?;
        let dots = sample.events.iter().take(TIMELINE_EVENTS_MAX).map(|e| {
            let lane = lane_of(&e.kind);
            let colour = if e.kind.contains("violation") { RED } else { color(lane) };
            Circle::new((e.at_ms / 1000.0, row(lane)), 4, colour.filled())
        });
        chart.draw_series(dots)?;
        Ok(())
    })
}

type TimeChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Fault windows as translucent bands over every lane, each labelled with its kind
/// in the band above the lanes.
fn shade_faults(chart: &mut TimeChart<'_, '_>, sample: &SampleRun, end_s: f64, n: f64) -> Drawn {
    let mut kinds: Vec<&str> = Vec::new();
    for fault in &sample.faults {
        if !kinds.contains(&fault.kind.as_str()) {
            kinds.push(&fault.kind);
        }
    }
    let shades = [RED, PALETTE[1], PALETTE[3], PALETTE[5], PALETTE[6]];
    let narrowest = end_s * 0.003;
    let label = text(11).pos(Pos::new(HPos::Left, VPos::Top));
    for fault in &sample.faults {
        let k = kinds.iter().position(|k| *k == fault.kind).unwrap_or(0);
        let shade = shades[k % shades.len()];
        let start = fault.start_ms / 1000.0;
        let end = (fault.end_ms / 1000.0).max(start + narrowest);
        chart.draw_series([Rectangle::new([(start, -0.5), (end, n + 0.3)], shade.mix(0.16).filled())])?;
        chart.draw_series([Rectangle::new(
            [(start, -0.5), (start + narrowest * 0.5, n + 0.3)],
            shade.mix(0.7).filled(),
        )])?;
        let text =
            EmptyElement::at((start, n + 0.3)) + Text::new(fault.kind.clone(), (4, 3), label.clone().color(&shade));
        chart.draw_series([text])?;
    }
    Ok(())
}
