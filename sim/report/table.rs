//! The terminal table `failsim run` prints: one line per (scenario, topology) cell.

use super::model::{Distribution, Report};
use std::fmt::Write;

fn triple(d: &Distribution) -> String {
    let s = |v: Option<f64>| v.map_or("-".to_string(), |ms| format!("{:.1}", ms / 1000.0));
    format!("{}/{}/{}", s(d.p50), s(d.p95), s(d.p99))
}

/// Renders the table, with a closing verdict line.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<34} {:<22} {:>6} {:>5} {:<17} {:<17} {:<17} {:>6} {:>5} {:<6}",
        "scenario",
        "topology",
        "runs",
        "viol",
        "detect p50/95/99",
        "failover p50/95/99",
        "unavail p50/95/99",
        "lost",
        "false",
        "result"
    );
    for cell in &report.cells {
        let safety: u64 = cell.violations.iter().filter(|v| v.safety).map(|v| v.violations).sum();
        let _ = writeln!(
            out,
            "{:<34} {:<22} {:>6} {:>5} {:<17} {:<17} {:<17} {:>6} {:>5} {:<6}",
            cell.scenario,
            cell.cluster_id,
            cell.runs,
            safety,
            triple(&cell.detection_ms),
            triple(&cell.failover_ms),
            triple(&cell.unavailable_ms),
            cell.lost_writes.max,
            cell.false_failovers,
            if cell.passed { "pass" } else { "FAIL" }
        );
        for failure in &cell.failures {
            let _ = writeln!(out, "    {failure}");
        }
    }
    let t = &report.totals;
    let verdict = if report.passed { "PASS" } else { "FAIL" };
    let _ = writeln!(
        out,
        "{verdict}: {} runs, {} cells, {} failing, {} safety violations",
        t.runs, t.cells, t.failing_cells, t.safety_violations
    );
    if let Some(incomplete) = &report.incomplete {
        let _ = writeln!(out, "{}", incomplete.sentence());
    }
    if let Some(timing) = &report.timing {
        let _ = writeln!(
            out,
            "{:.1} s on {} threads: {:.0} runs/s, {:.2e} events/s, {:.0} simulated s per wall s",
            timing.wall_s, timing.threads, timing.runs_per_s, timing.events_per_s, timing.simulated_s_per_wall_s
        );
    }
    out
}
