//! `sweep.md`: the sweep for a reader of Markdown. What was swept, then per (scenario,
//! topology) the trade-off chart, one table row per grid point and the charts against
//! each parameter (the `sweep-*.svg` files beside it), then every unsafe point with its
//! first violation and the command that replays it.

use super::charts;
use super::table::{mark, seconds};
use super::Sweep;
use crate::report::markdown::escape;
use std::fmt::Write;

/// Renders the summary.
pub fn render(sweep: &Sweep) -> String {
    let mut out = String::new();
    let t = &sweep.totals;
    let verdict = match t.unsafe_points {
        0 => "every point safe".to_string(),
        n => format!("{n} unsafe points"),
    };
    let _ = writeln!(out, "# failsim sweep: {verdict}\n");
    let _ = writeln!(
        out,
        "{} runs over {} grid points and {} cells (master seed {}): {} safety violations.\n",
        t.runs, t.points, t.cells, sweep.master_seed, t.safety_violations
    );
    for param in &sweep.params {
        let values: Vec<String> = param.values.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "- `{}`: {}", escape(&param.path), values.join(", "));
    }
    let names = sweep.param_names();
    for (subject, (scenario, topology)) in sweep.subjects().into_iter().enumerate() {
        let _ = writeln!(out, "\n## {} on {}\n", escape(scenario), escape(topology));
        let _ = writeln!(out, "![failover p95 against false failovers]({})\n", charts::tradeoff_file(sweep, subject));
        for name in &names {
            let _ = write!(out, "| {} ", escape(name));
        }
        let _ = writeln!(
            out,
            "| runs | detection p50 s | detection p95 s | failover p50 s | failover p95 s | failover p99 s \
             | unavailable p95 s | false failovers per run | lost writes (max) | runs with safety violations | |"
        );
        let _ = writeln!(out, "{}|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|", "|---:".repeat(names.len()));
        for point in &sweep.points {
            for value in &point.values {
                let _ = write!(out, "| {value} ");
            }
            let r = &point.results[subject];
            let flag = match mark(r) {
                "UNSAFE" => "**UNSAFE**",
                other => other,
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {:.2} | {} | {} | {flag} |",
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
        let _ = writeln!(out);
        for (param, p) in sweep.params.iter().enumerate() {
            let file = charts::param_file(sweep, param, subject);
            let _ = writeln!(out, "![each metric against {}]({file})\n", escape(&p.path));
        }
    }
    unsafe_points(&mut out, sweep);
    if let Some(timing) = &sweep.timing {
        let _ =
            writeln!(out, "\n{:.0} runs/s on {} threads ({:.1} s).", timing.runs_per_s, timing.threads, timing.wall_s);
    }
    out
}

/// Each unsafe (point, scenario, topology): what broke, and the first violation's replay.
fn unsafe_points(out: &mut String, sweep: &Sweep) {
    if sweep.totals.unsafe_points == 0 {
        return;
    }
    let _ = writeln!(out, "## Unsafe points\n");
    for point in sweep.points.iter().filter(|p| !p.safe) {
        for r in point.results.iter().filter(|r| r.safety_violations > 0) {
            let broken: Vec<String> = r
                .violations
                .iter()
                .filter(|v| v.safety)
                .map(|v| format!("`{}` x{}", v.invariant, v.violations))
                .collect();
            let _ = writeln!(
                out,
                "- {} ({} on {}): {} of {} runs broke {} (models in `{}/`)",
                escape(&sweep.label(point)),
                escape(&r.scenario),
                escape(&r.cluster_id),
                r.runs_with_safety_violations,
                r.runs,
                broken.join(", "),
                point.models
            );
            if let Some(example) = &r.first_violation {
                let _ = writeln!(
                    out,
                    "  first: `{}` at {:.3} ms (run {}): {}",
                    example.invariant,
                    example.at_ms,
                    example.run_index,
                    escape(&example.detail)
                );
                let _ = writeln!(out, "  ```\n  {}\n  ```", example.replay);
            }
        }
    }
}
