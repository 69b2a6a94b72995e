//! The seed's RG-8 artifacts, rendered from a gate result: `rg8_report.json`,
//! `CONTINUITY_SUMMARY.md`, the badge SVG and `junit.xml` (one test case per check).
//! Pure: the CLI writes them.

use super::checks::GateResult;
use crate::report::escape::markup;
use serde_json::json;
use std::fmt::Write;

/// `rg8_report.json`: the verdict, every check, and the suite's totals.
pub fn rg8_report(result: &GateResult) -> serde_json::Value {
    json!({
        "gate": "RG-8",
        "passed": result.passed(),
        "checks": result.checks,
        "suite": result.report.totals,
        "wall_ms_p95_per_failover": result.wall_ms_p95,
    })
}

/// `CONTINUITY_SUMMARY.md`: the checks as a table, failures with their details, and
/// the failover figures of the suite.
pub fn continuity_summary(result: &GateResult) -> String {
    let mut out = String::new();
    let verdict = if result.passed() { "PASS" } else { "FAIL" };
    let passed = result.checks.iter().filter(|c| c.passed).count();
    let _ = writeln!(out, "# RG-8 Continuity Gate: {verdict}\n");
    let _ = writeln!(out, "{passed}/{} checks passed.\n", result.checks.len());
    let _ = writeln!(out, "| Check | Name | Status | Figure |\n|---|---|---|---|");
    for check in &result.checks {
        let status = if check.passed { "PASS" } else { "**FAIL**" };
        let _ = writeln!(out, "| {} | {} | {status} | {} |", check.id, check.name, check.figure.replace('|', "\\|"));
    }
    for check in result.checks.iter().filter(|c| !c.passed) {
        let _ = writeln!(out, "\n## {} {}\n", check.id, check.name);
        for detail in &check.details {
            let _ = writeln!(out, "- {}", detail.trim().replace('|', "\\|"));
        }
    }
    let _ = writeln!(out, "\n## Failover figures (virtual time)\n");
    let _ = writeln!(out, "| scenario | topology | runs | failover p50 s | p95 s | p99 s | lost writes (max) |\n|---|---|---:|---:|---:|---:|---:|");
    for cell in &result.report.cells {
        let s = |v: Option<f64>| v.map_or("-".to_string(), |ms| format!("{:.1}", ms / 1000.0));
        let f = &cell.failover_ms;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell.scenario,
            cell.cluster_id,
            cell.runs,
            s(f.p50),
            s(f.p95),
            s(f.p99),
            cell.lost_writes.max
        );
    }
    out
}

/// A shields-style badge: `RG-8 | pass` in green or `RG-8 | fail` in red.
pub fn badge_svg(passed: bool) -> String {
    let (text, colour) = if passed { ("pass", "#2e7d32") } else { ("fail", "#c62828") };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"84\" height=\"20\" role=\"img\" aria-label=\"RG-8: {text}\">\
<title>RG-8: {text}</title><rect width=\"44\" height=\"20\" fill=\"#555\"/>\
<rect x=\"44\" width=\"40\" height=\"20\" fill=\"{colour}\"/>\
<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\">\
<text x=\"22\" y=\"14\">RG-8</text><text x=\"64\" y=\"14\">{text}</text></g></svg>\n"
    )
}

/// `junit.xml`: one test case per check.
pub fn junit(result: &GateResult) -> String {
    let failures = result.checks.iter().filter(|c| !c.passed).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"RG-8\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">",
        result.checks.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"RG-8\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">",
        result.checks.len()
    );
    for check in &result.checks {
        let name = markup(&format!("{} {}", check.id, check.name));
        if check.passed {
            let _ = writeln!(out, "    <testcase classname=\"failsim.gate\" name=\"{name}\"/>");
        } else {
            let body = markup(&check.details.join("\n"));
            let _ = writeln!(out, "    <testcase classname=\"failsim.gate\" name=\"{name}\">");
            let _ =
                writeln!(out, "      <failure message=\"{}\" type=\"check\">{body}</failure>", markup(&check.figure));
            let _ = writeln!(out, "    </testcase>");
        }
    }
    let _ = writeln!(out, "  </testsuite>\n</testsuites>");
    out
}
