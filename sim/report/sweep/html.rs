//! `sweep.html`: the sweep as one self-contained page, in the report page's style. The
//! totals, then per (scenario, topology) the trade-off chart, a table of every grid
//! point (the Pareto front and unsafe points marked) and each metric against each
//! parameter, then the unsafe points with the commands that replay them.
//!
//! Like `report.html`: no script, nothing loaded from anywhere (the same
//! Content-Security-Policy), every string from an input escaped. Pure.

use super::charts;
use super::table::{mark, seconds};
use super::Sweep;
use crate::report::escape::markup as escape;
use crate::report::html::{chart, STYLE};
use std::fmt::Write;

/// Rows of the table marked by how the point stands.
const SWEEP_STYLE: &str = "
tr.unsafe td { background: #fde4e4; color: var(--fail); }
tr.front td.mark { color: var(--pass); font-weight: 700; }
td.mark { white-space: nowrap; }
";

/// Renders the page.
pub fn render(sweep: &Sweep) -> String {
    let t = &sweep.totals;
    let verdict = match t.unsafe_points {
        0 => "every point safe".to_string(),
        n => format!("{n} unsafe points"),
    };
    let mut out = String::with_capacity(256 * 1024);
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>failsim sweep: {verdict}</title>");
    let _ = writeln!(out, "<style>\n{STYLE}{SWEEP_STYLE}</style>\n</head>\n<body>\n<main>");
    let class = if t.unsafe_points == 0 { "pass" } else { "fail" };
    let _ = writeln!(
        out,
        "<header class=\"top\"><h1>failsim sweep</h1><span class=\"verdict {class}\">{verdict}</span></header>"
    );
    let _ = write!(out, "<p class=\"meta\">master seed <code>{}</code>", sweep.master_seed);
    for param in &sweep.params {
        let values: Vec<String> = param.values.iter().map(ToString::to_string).collect();
        let _ = write!(out, " · <code>{}</code> = {}", escape(&param.path), values.join(", "));
    }
    out.push_str("</p>\n<div class=\"stats\">\n");
    for (value, name, alarm) in [
        (t.points, "grid points", false),
        (t.cells, "point × scenario × topology cells", false),
        (t.runs, "runs", false),
        (t.unsafe_points, "unsafe points", true),
        (t.safety_violations, "safety violations", true),
    ] {
        let class = if alarm && value > 0 { " bad" } else { "" };
        let _ = writeln!(out, "<div class=\"stat{class}\"><b>{value}</b><span>{name}</span></div>");
    }
    out.push_str("</div>\n");
    if let Some(timing) = &sweep.timing {
        let _ = writeln!(
            out,
            "<p class=\"timing\">{:.0} runs/s · {:.2} s wall time on {} threads</p>",
            timing.runs_per_s, timing.wall_s, timing.threads
        );
    }
    for subject in 0..sweep.subjects().len() {
        section(&mut out, sweep, subject);
    }
    unsafe_points(&mut out, sweep);
    let _ = writeln!(out, "<footer>sweep schema <code>{}</code></footer>", escape(&sweep.schema));
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// One (scenario, topology): the trade-off, the table, the charts per parameter.
fn section(out: &mut String, sweep: &Sweep, subject: usize) {
    let (scenario, topology) = sweep.subjects()[subject];
    let _ = writeln!(out, "<section id=\"subject-{subject}\">\n<h2>{} on {}</h2>", escape(scenario), escape(topology));
    out.push_str(
        "<p class=\"hint\">Lower is better on both axes: a point on the Pareto front is one no other safe point \
         beats on both failover p95 and false failovers per run. Unsafe points (a run broke a safety invariant) \
         are never on the front.</p>\n",
    );
    chart(out, "failover p95 against false failovers", charts::tradeoff(sweep, subject));
    out.push_str("<h3>Every grid point (seconds of virtual time)</h3>\n<div class=\"table-wrap\"><table class=\"cells\">\n<thead><tr>");
    for name in sweep.param_names() {
        let _ = write!(out, "<th>{}</th>", escape(&name));
    }
    out.push_str(
        "<th class=\"num\">runs</th><th class=\"num first\">detection<br>p50</th><th class=\"num\">p95</th>\
         <th class=\"num first\">failover<br>p50</th><th class=\"num\">p95</th><th class=\"num\">p99</th>\
         <th class=\"num first\">unavailable<br>p95</th><th class=\"num first\">false failovers<br>per run</th>\
         <th class=\"num\">lost writes<br>max</th><th class=\"num first\">runs with safety<br>violations</th>\
         <th></th></tr></thead>\n<tbody>\n",
    );
    for point in &sweep.points {
        let r = &point.results[subject];
        let flag = mark(r);
        let class = match flag {
            "UNSAFE" => " class=\"unsafe\"",
            "front" => " class=\"front\"",
            _ => "",
        };
        let _ = write!(out, "<tr{class}>");
        for value in &point.values {
            let _ = write!(out, "<td class=\"num\">{value}</td>");
        }
        let _ = writeln!(
            out,
            "<td class=\"num\">{}</td><td class=\"num first\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num first\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num first\">{}</td><td class=\"num first\">{:.2}</td><td class=\"num\">{}</td>\
             <td class=\"num first\">{}</td><td class=\"mark\">{flag}</td></tr>",
            r.runs,
            seconds(r.detection_ms_p50),
            seconds(r.detection_ms_p95),
            seconds(r.failover_ms_p50),
            seconds(r.failover_ms_p95),
            seconds(r.failover_ms_p99),
            seconds(r.unavailable_ms_p95),
            r.false_failover_rate,
            r.lost_writes.max,
            r.runs_with_safety_violations,
        );
    }
    out.push_str("</tbody></table></div>\n");
    for (param, p) in sweep.params.iter().enumerate() {
        let _ = writeln!(out, "<h3>Each metric against <code>{}</code></h3>", escape(&p.path));
        chart(out, "each metric against a parameter", charts::against_param(sweep, param, subject));
    }
    out.push_str("</section>\n");
}

/// Every unsafe (point, scenario, topology) with its first violation and replay.
fn unsafe_points(out: &mut String, sweep: &Sweep) {
    if sweep.totals.unsafe_points == 0 {
        return;
    }
    out.push_str("<section id=\"unsafe\">\n<h2>Unsafe points</h2>\n");
    out.push_str(
        "<p class=\"hint\">Each replay command names the point's own scenario, topology and policy files (in \
         its <code>points/N/</code> directory), so it runs the swept values.</p>\n",
    );
    out.push_str(
        "<div class=\"table-wrap\"><table class=\"examples\">\n<thead><tr><th>point</th><th>scenario on topology</th>\
         <th class=\"num\">unsafe runs</th><th>first violation, and how to replay it</th></tr></thead>\n<tbody>\n",
    );
    for point in sweep.points.iter().filter(|p| !p.safe) {
        for r in point.results.iter().filter(|r| r.safety_violations > 0) {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{} on {}</td><td class=\"num\">{} of {}</td><td>",
                escape(&sweep.label(point)),
                escape(&r.scenario),
                escape(&r.cluster_id),
                r.runs_with_safety_violations,
                r.runs
            );
            if let Some(example) = &r.first_violation {
                let _ = write!(
                    out,
                    "<code>{}</code> at {:.3} s: {}<code class=\"replay\">{}</code>",
                    escape(&example.invariant),
                    example.at_ms / 1000.0,
                    escape(&example.detail),
                    escape(&example.replay)
                );
            }
            out.push_str("</td></tr>\n");
        }
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}
