//! `summary.md`: short enough for a CI job summary. The verdict, one table row per
//! cell, and every failing cell with what failed and the command that replays it.

use super::model::{CellReport, Distribution, Report};
use std::fmt::Write;

fn seconds(d: &Distribution, pick: fn(&Distribution) -> Option<f64>) -> String {
    pick(d).map_or("-".to_string(), |ms| format!("{:.1}", ms / 1000.0))
}

fn cell_name(cell: &CellReport) -> String {
    format!("{} on {}", cell.scenario, cell.cluster_id)
}

/// Renders the summary.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let t = &report.totals;
    let verdict = if report.passed { "PASS" } else { "FAIL" };
    let _ = writeln!(out, "# failsim: {verdict}\n");
    let _ = writeln!(
        out,
        "{} runs over {} scenario x topology cells (master seed {}): {} failing, {} safety violations in {} runs.\n",
        t.runs, t.cells, report.master_seed, t.failing_cells, t.safety_violations, t.runs_with_safety_violations
    );
    if let Some(mutant) = &report.mutant {
        let _ = writeln!(out, "Control plane: mutant `{mutant}`.\n");
    }
    if let Some(incomplete) = &report.incomplete {
        let _ = writeln!(out, "**{}**\n", escape(&incomplete.sentence()));
    }
    let _ = writeln!(
        out,
        "| scenario | topology | runs | result | detection p95 s | failover p95 s | unavailable p95 s | lost writes (max) | false failovers | safety violations |"
    );
    let _ = writeln!(out, "|---|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for cell in &report.cells {
        let safety: u64 = cell.violations.iter().filter(|v| v.safety).map(|v| v.violations).sum();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            escape(&cell.scenario),
            escape(&cell.cluster_id),
            cell.runs,
            if cell.passed { "pass" } else { "**FAIL**" },
            seconds(&cell.detection_ms, |d| d.p95),
            seconds(&cell.failover_ms, |d| d.p95),
            seconds(&cell.unavailable_ms, |d| d.p95),
            cell.lost_writes.max,
            cell.false_failovers,
            safety
        );
    }
    let failing: Vec<&CellReport> = report.cells.iter().filter(|c| !c.passed).collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "\n## Failing\n");
        for cell in failing {
            let _ = writeln!(out, "### {}\n", escape(&cell_name(cell)));
            for failure in &cell.failures {
                let _ = writeln!(out, "- {}", escape(failure));
            }
            if let Some(miss) = &cell.first_miss {
                let _ = writeln!(out, "- run {} (seed {}): {}", miss.run_index, miss.seed, escape(&miss.what));
                let _ = writeln!(out, "  ```\n  {}\n  ```", miss.replay);
            }
            for example in &cell.examples {
                let _ = writeln!(
                    out,
                    "- `{}` at {:.3} ms (seed {}): {}",
                    example.invariant,
                    example.at_ms,
                    example.seed,
                    escape(&example.detail)
                );
                let _ = writeln!(out, "  ```\n  {}\n  ```", example.replay);
            }
            let _ = writeln!(out);
        }
    }
    if let Some(timing) = &report.timing {
        let _ = writeln!(
            out,
            "\n{:.0} runs/s, {:.0} events/s, {:.0} simulated s per wall s on {} threads ({:.1} s).",
            timing.runs_per_s, timing.events_per_s, timing.simulated_s_per_wall_s, timing.threads, timing.wall_s
        );
    }
    out
}

/// Keeps user text from breaking the table or the markup.
pub(crate) fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;").replace('\n', " ")
}
