//! A sweep's charts, as SVG strings: each metric against each parameter (one line per
//! combination of the other parameters' values), and the trade-off of failover p95
//! against false failovers per run with the Pareto front drawn through it. Points where
//! a run broke a safety invariant are ringed (or crossed) in red in every chart.
//!
//! Drawn with the report's chart helpers ([`crate::report::charts`]); the same SVG goes
//! into `sweep.html` and into the `sweep-*.svg` files beside it. Pure: no files.

use super::{PointResult, Sweep};
use crate::report::charts::{self as base, color, headroom, note, svg, text, tick, Area, Drawn, AXIS, INK, RED};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Picks one figure of a point's result, in the unit its chart shows.
pub type Figure = fn(&PointResult) -> Option<f64>;

/// The metrics drawn against each parameter: title, unit, figure.
pub const METRICS: [(&str, &str, Figure); 6] = [
    ("detection p50", "seconds", |r| r.detection_ms_p50.map(|ms| ms / 1000.0)),
    ("failover p95 (RTO)", "seconds", |r| r.failover_ms_p95.map(|ms| ms / 1000.0)),
    ("unavailable p95", "seconds", |r| r.unavailable_ms_p95.map(|ms| ms / 1000.0)),
    ("false failovers per run", "per run", |r| Some(r.false_failover_rate)),
    ("lost writes (most in a run)", "writes", |r| Some(r.lost_writes.max as f64)),
    ("runs with safety violations", "runs", |r| Some(r.runs_with_safety_violations as f64)),
];

const WIDTH: u32 = 1140;
const PANEL_HEIGHT: u32 = 260;
const LEGEND_ROW: u32 = 20;
/// Series named in a legend at most.
const LEGEND_SERIES_MAX: usize = 16;

/// Every chart of a sweep as a file: `(file name, SVG document or why it is missing)`;
/// per (scenario, topology), the trade-off, then one chart per parameter.
pub fn files(sweep: &Sweep) -> Vec<(String, Result<String, String>)> {
    // Inline SVG needs no namespace (and the page leaves it out); a file does.
    let standalone = |drawn: Result<String, String>| {
        drawn.map(|svg| svg.replacen("<svg ", "<svg xmlns=\"http://www.w3.org/2000/svg\" ", 1))
    };
    let mut files = Vec::new();
    for subject in 0..sweep.subjects().len() {
        files.push((tradeoff_file(sweep, subject), standalone(tradeoff(sweep, subject))));
        for param in 0..sweep.params.len() {
            files.push((param_file(sweep, param, subject), standalone(against_param(sweep, param, subject))));
        }
    }
    files
}

/// The file name of a (scenario, topology)'s trade-off chart: `sweep-tradeoff.svg`,
/// with the subject's index only when there are several.
pub fn tradeoff_file(sweep: &Sweep, subject: usize) -> String {
    format!("sweep-tradeoff{}.svg", suffix(sweep, subject))
}

/// The file name of the metrics against one parameter: `sweep-policy.heartbeat.interval_ms.svg`.
pub fn param_file(sweep: &Sweep, param: usize, subject: usize) -> String {
    let path = &sweep.params[param].path;
    let name: String =
        path.chars().map(|c| if c.is_ascii_alphanumeric() || "_.-".contains(c) { c } else { '_' }).collect();
    format!("sweep-{name}{}.svg", suffix(sweep, subject))
}

fn suffix(sweep: &Sweep, subject: usize) -> String {
    if sweep.subjects().len() > 1 {
        format!("-{subject}")
    } else {
        String::new()
    }
}

/// What a legend entry's swatch looks like.
#[derive(Clone, Copy)]
enum Swatch {
    Line(usize),
    Front,
    Dominated,
    UnsafeRing,
    UnsafeCross,
}

/// A legend's rows: each entry takes its label's width, wrapping at the chart's width.
fn legend_layout(entries: &[(String, Swatch)]) -> Vec<(i32, i32)> {
    let (mut x, mut row) = (10, 1);
    entries
        .iter()
        .map(|(label, _)| {
            let width = 30 + label.chars().count() as i32 * 7;
            if x + width > WIDTH as i32 - 10 && x > 10 {
                (x, row) = (10, row + 1);
            }
            let at = (x, row);
            x += width + 14;
            at
        })
        .collect()
}

fn legend_height(entries: &[(String, Swatch)]) -> u32 {
    let rows = legend_layout(entries).iter().map(|(_, row)| *row).max().unwrap_or(0);
    (rows as u32 + 1) * LEGEND_ROW + 6
}

/// A title line, then the entries below it.
fn legend(area: &Area<'_>, title: &str, entries: &[(String, Swatch)]) -> Drawn {
    let style = text(13).pos(Pos::new(HPos::Left, VPos::Center));
    area.draw(&Text::new(title.to_string(), (10, LEGEND_ROW as i32 / 2 + 2), text(14).pos(style.pos)))?;
    for ((label, swatch), (x, row)) in entries.iter().zip(legend_layout(entries)) {
        let y = row * LEGEND_ROW as i32 + LEGEND_ROW as i32 / 2 + 2;
        let c = (x + 9, y);
        match *swatch {
            Swatch::Line(k) => {
                area.draw(&PathElement::new(vec![(x, y), (x + 18, y)], color(k).stroke_width(2)))?;
                area.draw(&Circle::new(c, 3, color(k).filled()))?;
            }
            Swatch::Front => {
                area.draw(&PathElement::new(vec![(x, y), (x + 18, y)], color(0).stroke_width(2)))?;
                area.draw(&Circle::new(c, 5, color(0).filled()))?;
            }
            Swatch::Dominated => area.draw(&Circle::new(c, 5, AXIS.stroke_width(2)))?,
            Swatch::UnsafeRing => area.draw(&Circle::new(c, 7, RED.stroke_width(2)))?,
            Swatch::UnsafeCross => area.draw(&Cross::new(c, 6, RED.stroke_width(3)))?,
        }
        area.draw(&Text::new(label.clone(), (x + 24, y), style.clone()))?;
    }
    Ok(())
}

/// The points grouped by the other parameters' values (in order of first appearance),
/// each group with its label and its points' indices.
fn series(sweep: &Sweep, param: usize) -> Vec<(String, Vec<usize>)> {
    let names = sweep.param_names();
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, point) in sweep.points.iter().enumerate() {
        let others: Vec<String> =
            (0..names.len()).filter(|&k| k != param).map(|k| format!("{}={}", names[k], point.values[k])).collect();
        let label = if others.is_empty() { "every point".to_string() } else { others.join(", ") };
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, members)) => members.push(i),
            None => groups.push((label, vec![i])),
        }
    }
    groups
}

/// A value axis around `values`, with a margin, never empty.
fn span(values: impl Iterator<Item = f64> + Clone) -> std::ops::Range<f64> {
    let low = values.clone().fold(f64::INFINITY, f64::min);
    let high = values.fold(f64::NEG_INFINITY, f64::max);
    if !low.is_finite() {
        return 0.0..1.0;
    }
    let margin = if high > low { (high - low) * 0.06 } else { low.abs().max(1.0) * 0.1 };
    low - margin..high + margin
}

/// Six panels, one per metric of [`METRICS`], against parameter `param`, for the
/// `subject`-th (scenario, topology).
///
/// # Errors
/// A drawing error from plotters, as text; the page shows it in the chart's place.
pub fn against_param(sweep: &Sweep, param: usize, subject: usize) -> Result<String, String> {
    let groups = series(sweep, param);
    let name = &sweep.param_names()[param];
    let result = |i: usize| &sweep.points[i].results[subject];
    let x = |i: usize| sweep.points[i].values[param].as_f64().unwrap_or(0.0);
    let mut entries: Vec<(String, Swatch)> = groups
        .iter()
        .enumerate()
        .take(LEGEND_SERIES_MAX)
        .map(|(k, (label, _))| (label.clone(), Swatch::Line(k)))
        .collect();
    if groups.len() > LEGEND_SERIES_MAX {
        // Colours repeat past the palette anyway; a longer legend would only crowd the chart.
        entries
            .push((format!("and {} more series", groups.len() - LEGEND_SERIES_MAX), Swatch::Line(LEGEND_SERIES_MAX)));
    }
    if sweep.points.iter().any(|p| p.results[subject].safety_violations > 0) {
        entries.push(("unsafe: a run broke a safety invariant".to_string(), Swatch::UnsafeRing));
    }
    let top = legend_height(&entries);
    let (scenario, topology) = sweep.subjects()[subject];
    let title = format!("{scenario} on {topology}: each metric against {}", sweep.params[param].path);
    svg((WIDTH, top + 2 * PANEL_HEIGHT), |root| {
        let (head, body) = root.split_vertically(top);
        legend(&head, &title, &entries)?;
        let x_range = span((0..sweep.points.len()).map(x));
        for (panel, (caption, unit, figure)) in body.split_evenly((2, 3)).iter().zip(METRICS) {
            let y_max = (0..sweep.points.len()).filter_map(|i| figure(result(i))).fold(0.0, f64::max);
            let mut chart = ChartBuilder::on(panel)
                .caption(caption, text(14))
                .margin(8)
                .margin_right(16)
                .x_label_area_size(34)
                .y_label_area_size(50)
                .build_cartesian_2d(x_range.clone(), 0.0..headroom(y_max))?;
            chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(base::GRID)
                .axis_style(AXIS)
                .label_style(text(11))
                .x_labels(6)
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .x_desc(name.as_str())
                .y_desc(unit)
                .draw()?;
            if (0..sweep.points.len()).all(|i| figure(result(i)).is_none()) {
                note(panel, "no run measured this")?;
            }
            for (k, (_, members)) in groups.iter().enumerate() {
                let mut line: Vec<(f64, f64, bool)> = members
                    .iter()
                    .filter_map(|&i| Some((x(i), figure(result(i))?, result(i).safety_violations > 0)))
                    .collect();
                line.sort_by(|a, b| a.0.total_cmp(&b.0));
                chart.draw_series(LineSeries::new(line.iter().map(|p| (p.0, p.1)), color(k).stroke_width(2)))?;
                chart.draw_series(line.iter().map(|p| Circle::new((p.0, p.1), 3, color(k).filled())))?;
                let unsafe_points = line.iter().filter(|p| p.2);
                chart.draw_series(unsafe_points.map(|p| Circle::new((p.0, p.1), 7, RED.stroke_width(2))))?;
            }
        }
        Ok(())
    })
}

/// Failover p95 (x) against false failovers per run (y) for the `subject`-th (scenario,
/// topology): each point labelled with its values, the Pareto front filled and joined,
/// dominated points hollow, unsafe points crossed in red. Points where no run failed
/// over have no x and are counted in a note instead.
///
/// # Errors
/// A drawing error from plotters, as text; the page shows it in the chart's place.
pub fn tradeoff(sweep: &Sweep, subject: usize) -> Result<String, String> {
    let plotted: Vec<(f64, f64, &PointResult, String)> = sweep
        .points
        .iter()
        .filter_map(|p| {
            let r = &p.results[subject];
            let values: Vec<String> = p.values.iter().map(ToString::to_string).collect();
            Some((r.failover_ms_p95? / 1000.0, r.false_failover_rate, r, values.join(", ")))
        })
        .collect();
    let missing = sweep.points.len() - plotted.len();
    let mut entries = vec![
        ("Pareto front: nothing is better on both axes".to_string(), Swatch::Front),
        ("dominated".to_string(), Swatch::Dominated),
    ];
    if plotted.iter().any(|p| p.2.safety_violations > 0) {
        entries.push(("unsafe: a run broke a safety invariant (never on the front)".to_string(), Swatch::UnsafeCross));
    }
    let top = legend_height(&entries);
    let (scenario, topology) = sweep.subjects()[subject];
    let title = format!(
        "{scenario} on {topology}: failover p95 against false failovers, lower is better on both (labels: {})",
        sweep.param_names().join(", ")
    );
    svg((WIDTH, top + 480), |root| {
        let (head, body) = root.split_vertically(top);
        legend(&head, &title, &entries)?;
        let y_max = plotted.iter().map(|p| p.1).fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .margin_right(60)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(span(plotted.iter().map(|p| p.0)), 0.0..headroom(y_max))?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(base::GRID)
            .axis_style(AXIS)
            .label_style(text(12))
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .x_desc("failover p95 (seconds)")
            .y_desc("false failovers per run")
            .draw()?;
        if plotted.is_empty() {
            note(&body, "no point measured a failover")?;
        } else if missing > 0 {
            let at = (body.dim_in_pixel().0 as i32 - 70, 12);
            let style = text(12).color(&INK).pos(Pos::new(HPos::Right, VPos::Top));
            body.draw(&Text::new(format!("not drawn: {missing} points where no run failed over"), at, style))?;
        }
        let mut front: Vec<(f64, f64)> = plotted.iter().filter(|p| p.2.pareto).map(|p| (p.0, p.1)).collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        chart.draw_series(LineSeries::new(front.iter().copied(), color(0).stroke_width(2)))?;
        for (x, y, result, _) in &plotted {
            if result.safety_violations > 0 {
                chart.draw_series([Cross::new((*x, *y), 6, RED.stroke_width(3))])?;
            } else if result.pareto {
                chart.draw_series([Circle::new((*x, *y), 5, color(0).filled())])?;
            } else {
                chart.draw_series([Circle::new((*x, *y), 5, AXIS.stroke_width(2))])?;
            }
        }
        let label = text(11).pos(Pos::new(HPos::Left, VPos::Bottom));
        chart.draw_series(
            plotted.iter().map(|(x, y, _, values)| {
                EmptyElement::at((*x, *y)) + Text::new(values.clone(), (7, -5), label.clone())
            }),
        )?;
        Ok(())
    })
}
