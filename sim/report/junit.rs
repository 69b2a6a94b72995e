//! `junit.xml`: one test case per (scenario, topology) cell; a cell that misses its
//! expectations is a failure whose message lists what failed and how to replay it.

use super::escape::markup as escape;
use super::model::Report;
use std::fmt::Write;

/// Renders the JUnit XML document.
pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let failures = report.cells.iter().filter(|c| !c.passed).count();
    let _ = writeln!(
        out,
        "<testsuites name=\"failsim\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">",
        report.cells.len()
    );
    let mut scenarios: Vec<&str> = report.cells.iter().map(|c| c.scenario.as_str()).collect();
    scenarios.dedup();
    for scenario in scenarios {
        let cells: Vec<_> = report.cells.iter().filter(|c| c.scenario == scenario).collect();
        let failing = cells.iter().filter(|c| !c.passed).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failing}\" errors=\"0\">",
            escape(scenario),
            cells.len()
        );
        for cell in cells {
            let name = format!("{} on {}", cell.scenario, cell.cluster_id);
            let _ = write!(
                out,
                "    <testcase classname=\"failsim.{}\" name=\"{}\"",
                escape(&cell.scenario),
                escape(&name)
            );
            if cell.passed {
                let _ = writeln!(out, "/>");
                continue;
            }
            let _ = writeln!(out, ">");
            let mut body = String::new();
            for failure in &cell.failures {
                let _ = writeln!(body, "{failure}");
            }
            if let Some(miss) = &cell.first_miss {
                let _ = writeln!(body, "run {} (seed {}): {}", miss.run_index, miss.seed, miss.what);
                let _ = writeln!(body, "  replay: {}", miss.replay);
            }
            for example in &cell.examples {
                let _ = writeln!(
                    body,
                    "{} at {:.3} ms (seed {}): {}",
                    example.invariant, example.at_ms, example.seed, example.detail
                );
                let _ = writeln!(body, "  replay: {}", example.replay);
            }
            let message = cell.failures.first().cloned().unwrap_or_default();
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"expectation\">{}</failure>",
                escape(&message),
                escape(&body)
            );
            let _ = writeln!(out, "    </testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
    out
}
