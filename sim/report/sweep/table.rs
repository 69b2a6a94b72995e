//! The terminal table `failsim sweep` prints: per (scenario, topology), one line per
//! grid point, marked `front` on the Pareto front and `UNSAFE` where a run broke a
//! safety invariant, then the totals.

use super::{PointResult, Sweep};
use std::fmt::Write;

/// Milliseconds as seconds to 0.1 s; a dash when no run measured it.
pub(crate) fn seconds(ms: Option<f64>) -> String {
    ms.map_or("-".to_string(), |ms| format!("{:.1}", ms / 1000.0))
}

/// How a point stands: on the front, unsafe, or neither.
pub(crate) fn mark(result: &PointResult) -> &'static str {
    if result.safety_violations > 0 {
        "UNSAFE"
    } else if result.pareto {
        "front"
    } else {
        ""
    }
}

/// Renders the table, with the totals below it.
pub fn render(sweep: &Sweep) -> String {
    let mut out = String::new();
    let names = sweep.param_names();
    let widths: Vec<usize> = names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            sweep.params[k].values.iter().map(|v| v.to_string().len()).chain([name.len()]).max().unwrap_or(0)
        })
        .collect();
    for (subject, (scenario, topology)) in sweep.subjects().into_iter().enumerate() {
        let _ = writeln!(out, "{scenario} on {topology}");
        for (name, width) in names.iter().zip(&widths) {
            let _ = write!(out, "{name:<width$} ");
        }
        let _ = writeln!(
            out,
            "{:>6} {:<13} {:<18} {:>11} {:>9} {:>6} {:>6}",
            "runs", "detect p50/95", "failover p50/95/99", "unavail p95", "false/run", "lost", "unsafe"
        );
        for point in &sweep.points {
            for (value, width) in point.values.iter().zip(&widths) {
                let _ = write!(out, "{:<width$} ", value.to_string());
            }
            let r = &point.results[subject];
            let detect = format!("{}/{}", seconds(r.detection_ms_p50), seconds(r.detection_ms_p95));
            let failover =
                format!("{}/{}/{}", seconds(r.failover_ms_p50), seconds(r.failover_ms_p95), seconds(r.failover_ms_p99));
            let line = format!(
                "{:>6} {:<13} {:<18} {:>11} {:>9.2} {:>6} {:>6} {}",
                r.runs,
                detect,
                failover,
                seconds(r.unavailable_ms_p95),
                r.false_failover_rate,
                r.lost_writes.max,
                r.runs_with_safety_violations,
                mark(r)
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let _ = writeln!(out);
    }
    let t = &sweep.totals;
    let _ = writeln!(
        out,
        "{} grid points, {} cells, {} runs: {} unsafe points ({} safety violations)",
        t.points, t.cells, t.runs, t.unsafe_points, t.safety_violations
    );
    let _ = writeln!(
        out,
        "seconds of virtual time; false/run: false failovers per run; lost: most acknowledged writes lost in a run; \
         unsafe: runs with a safety violation; front: the Pareto front of failover p95 and false/run"
    );
    if let Some(timing) = &sweep.timing {
        let _ = writeln!(
            out,
            "{:.1} s on {} threads: {:.0} runs/s, {:.2e} events/s",
            timing.wall_s, timing.threads, timing.runs_per_s, timing.events_per_s
        );
    }
    out
}
