//! `report.html`: one self-contained page. The verdict and totals, an overview table,
//! the violations (chart, failed expectations, and every example with the command that
//! replays it), the timeline of a sample run when the report carries one, then one
//! section per scenario with its latency CDFs, p50/p95/p99 bars per topology and
//! violations by invariant, drawn by [`super::charts`] as inline SVG.
//!
//! Needs no network: no external stylesheet, script, font or image, and a
//! Content-Security-Policy that forbids loading any. There is no script at all. Every
//! string that comes from an input file (scenario names and descriptions, topology and
//! policy ids, details, replay commands) goes through [`escape`]; the SVG backend
//! escapes what it draws itself. Pure: a function of the report.

use super::charts::{self, Layout, METRICS};
use super::escape::markup as escape;
use super::model::{
    CellReport, Distribution, ExampleReport, Finding, InvariantCount, Report, SampleRun, TimelineEvent,
    WITNESS_WINDOW_MS,
};
use std::fmt::Write;

/// Timeline events listed in the sample run's table at most.
const TIMELINE_ROWS_MAX: usize = 1000;

/// Renders the HTML report.
pub fn render(report: &Report) -> String {
    render_with(report, "")
}

/// Renders the HTML report with `lead`, a section already rendered (and escaped) by
/// another view of the same report, such as `compare`'s, right after the header.
pub fn render_with(report: &Report, lead: &str) -> String {
    let topologies = topologies(report);
    let colour = |cell: &CellReport| topologies.iter().position(|t| *t == cell.cluster_id).unwrap_or(0);
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>failsim report: {}</title>", if report.passed { "PASS" } else { "FAIL" });
    let _ = writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>\n<main>");
    header(&mut out, report);
    out.push_str(lead);
    overview(&mut out, report, &topologies);
    violations(&mut out, report, &topologies);
    if !report.findings.is_empty() {
        findings(&mut out, &report.findings);
    }
    if let Some(sample) = &report.sample {
        sample_run(&mut out, sample);
    }
    for (index, cells) in scenarios(report).iter().enumerate() {
        let coloured: Vec<(&CellReport, usize)> = cells.iter().map(|c| (*c, colour(c))).collect();
        scenario(&mut out, index, &coloured);
    }
    let _ = writeln!(out, "<footer>report schema <code>{}</code></footer>", escape(&report.schema));
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// Topology ids in order of first appearance: each keeps one colour on the page.
fn topologies(report: &Report) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    for cell in &report.cells {
        if !ids.contains(&cell.cluster_id.as_str()) {
            ids.push(&cell.cluster_id);
        }
    }
    ids
}

/// Cells grouped by scenario name, in order of first appearance.
fn scenarios(report: &Report) -> Vec<Vec<&CellReport>> {
    let mut groups: Vec<Vec<&CellReport>> = Vec::new();
    for cell in &report.cells {
        match groups.iter_mut().find(|g| g[0].scenario == cell.scenario) {
            Some(group) => group.push(cell),
            None => groups.push(vec![cell]),
        }
    }
    groups
}

/// Milliseconds as seconds, to 10 ms (to 100 ms from 100 s); a dash when not measured.
fn seconds(ms: Option<f64>) -> String {
    match ms {
        None => "–".to_string(),
        Some(ms) if ms >= 100_000.0 => format!("{:.1}", ms / 1000.0),
        Some(ms) => format!("{:.2}", ms / 1000.0),
    }
}

/// An invariant's name as a chart row: service-level objectives marked as such.
fn row_label(count: &InvariantCount) -> String {
    if count.safety {
        count.invariant.clone()
    } else {
        format!("{} (SLO)", count.invariant)
    }
}

fn safety_violations(cell: &CellReport) -> u64 {
    cell.violations.iter().filter(|v| v.safety).map(|v| v.violations).sum()
}

fn verdict(passed: bool) -> &'static str {
    if passed {
        "<span class=\"badge pass\">pass</span>"
    } else {
        "<span class=\"badge fail\">FAIL</span>"
    }
}

/// An inline chart, or a note saying why it is missing.
pub(crate) fn chart(out: &mut String, title: &str, drawn: Result<String, String>) {
    let _ = writeln!(out, "<figure class=\"chart\" aria-label=\"{}\">", escape(title));
    match drawn {
        Ok(svg) => out.push_str(&svg),
        Err(error) => {
            let _ = write!(out, "<p class=\"warn\">chart not drawn: {}</p>", escape(&error));
        }
    }
    out.push_str("</figure>\n");
}

fn header(out: &mut String, report: &Report) {
    let (class, word) = if report.passed { ("pass", "PASS") } else { ("fail", "FAIL") };
    let _ = writeln!(
        out,
        "<header class=\"top\"><h1>failsim report</h1><span class=\"verdict {class}\">{word}</span></header>"
    );
    let _ = write!(out, "<p class=\"meta\">master seed <code>{}</code>", report.master_seed);
    if let Some(mutant) = &report.mutant {
        let _ = write!(out, " · control plane: mutant <code>{}</code>", escape(mutant));
    }
    out.push_str("</p>\n");
    if let Some(incomplete) = &report.incomplete {
        let _ = writeln!(out, "<p class=\"warn\">{}</p>", escape(&incomplete.sentence()));
    }
    out.push_str("<div class=\"stats\">\n");
    let t = &report.totals;
    let mut stat = |value: u64, name: &str, alarm: bool| {
        let class = if alarm && value > 0 { " bad" } else { "" };
        let _ = writeln!(out, "<div class=\"stat{class}\"><b>{}</b><span>{name}</span></div>", grouped(value));
    };
    stat(t.cells, "scenario × topology cells", false);
    stat(t.failing_cells, "failing cells", true);
    stat(t.runs, "runs", false);
    stat(t.safety_violations, "safety violations", true);
    stat(t.runs_with_safety_violations, "runs with safety violations", true);
    stat(t.events, "events simulated", false);
    out.push_str("</div>\n");
    if let Some(timing) = &report.timing {
        let _ = writeln!(
            out,
            "<p class=\"timing\">Harness speed: <b>{}</b> runs/s · <b>{}</b> events/s · <b>{}</b> simulated s per wall s · \
             {:.2} s wall time on {} threads</p>",
            grouped(timing.runs_per_s.round() as u64),
            grouped(timing.events_per_s.round() as u64),
            grouped(timing.simulated_s_per_wall_s.round() as u64),
            timing.wall_s,
            timing.threads
        );
    }
}

/// An integer with its thousands separated by narrow spaces: "16 362 491".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() * 2);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(digit);
    }
    out
}

/// A matrix of scenarios (rows) by topologies (columns): each cell's RTO p95 and its
/// safety violations, red when the cell missed its expectations.
fn overview(out: &mut String, report: &Report, topologies: &[&str]) {
    out.push_str("<section id=\"overview\">\n<h2>Overview</h2>\n");
    out.push_str("<p class=\"hint\">Each cell: failover p95 (the RTO) in seconds, and its safety violations if any; red when the scenario's expectations were not met on that topology.</p>\n");
    out.push_str("<div class=\"table-wrap\"><table class=\"matrix\">\n<thead><tr><th>scenario</th>");
    for topology in topologies {
        let _ = write!(out, "<th>{}</th>", escape(topology));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (index, cells) in scenarios(report).iter().enumerate() {
        let _ = write!(out, "<tr><th><a href=\"#scenario-{index}\">{}</a></th>", escape(&cells[0].scenario));
        for topology in topologies {
            let Some(cell) = cells.iter().find(|c| c.cluster_id == *topology) else {
                out.push_str("<td class=\"none\"></td>");
                continue;
            };
            let class = if cell.passed { "pass" } else { "fail" };
            match cell.failover_ms.p95 {
                Some(ms) => {
                    let _ = write!(out, "<td class=\"{class}\"><b>{}</b>", seconds(Some(ms)));
                }
                None => {
                    let _ = write!(out, "<td class=\"{class}\"><small>no failover</small>");
                }
            }
            match safety_violations(cell) {
                0 if cell.passed => {}
                0 => out.push_str("<small>failed</small>"),
                n => {
                    let _ = write!(out, "<small>{n} safety</small>");
                }
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

/// An HTML legend: one swatch per topology, in the charts' colours.
fn legend(out: &mut String, entries: &[(&str, usize)]) {
    out.push_str("<p class=\"legend\">");
    for (name, colour) in entries {
        let _ = write!(
            out,
            "<span><i class=\"swatch\" style=\"background:{}\"></i>{}</span>",
            charts::hex(*colour),
            escape(name)
        );
    }
    out.push_str("</p>\n");
}

fn violations(out: &mut String, report: &Report, topologies: &[&str]) {
    out.push_str("<section id=\"violations\">\n<h2>Violations</h2>\n");
    let invariants: Vec<&str> =
        report.cells.first().map_or_else(Vec::new, |c| c.violations.iter().map(|v| v.invariant.as_str()).collect());
    let labels: Vec<String> =
        report.cells.first().map_or_else(Vec::new, |c| c.violations.iter().map(row_label).collect());
    let series: Vec<(usize, Vec<u64>)> = topologies
        .iter()
        .enumerate()
        .map(|(colour, id)| {
            let counts = invariants
                .iter()
                .map(|inv| {
                    let cells = report.cells.iter().filter(|c| c.cluster_id == *id);
                    cells.flat_map(|c| &c.violations).filter(|v| v.invariant == *inv).map(|v| v.violations).sum()
                })
                .collect();
            (colour, counts)
        })
        .collect();
    out.push_str("<h3>By invariant, over every scenario</h3>\n");
    legend(out, &topologies.iter().enumerate().map(|(i, t)| (*t, i)).collect::<Vec<_>>());
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    chart(out, "violations by invariant", charts::invariant_bars(&labels, &series, Layout::Stacked));
    let failing: Vec<&CellReport> = report.cells.iter().filter(|c| !c.passed).collect();
    if failing.is_empty() {
        out.push_str("<p class=\"ok\">Every scenario met its expectations.</p>\n");
    } else {
        out.push_str("<h3>Failed expectations (each scenario's section lists examples with replay commands)</h3>\n<ul class=\"failures\">\n");
        let groups = scenarios(report);
        for cell in &failing {
            let index = groups.iter().position(|g| g[0].scenario == cell.scenario).unwrap_or(0);
            let _ = write!(
                out,
                "<li><a href=\"#scenario-{index}\"><b>{}</b></a> on <b>{}</b>: ",
                escape(&cell.scenario),
                escape(&cell.cluster_id)
            );
            let reasons: Vec<String> = cell.failures.iter().map(|f| escape(f)).collect();
            let _ = writeln!(out, "{}</li>", reasons.join("; "));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// Every example violation of a scenario, with the command that replays its run.
fn examples_table(out: &mut String, cells: &[(&CellReport, usize)]) {
    let examples: Vec<(&CellReport, &ExampleReport)> =
        cells.iter().flat_map(|(c, _)| c.examples.iter().map(move |e| (*c, e))).collect();
    if examples.is_empty() {
        return;
    }
    out.push_str("<h3>Violations, with the command that replays each</h3>\n<div class=\"table-wrap\"><table class=\"examples\">\n");
    out.push_str(
        "<thead><tr><th>topology</th><th>invariant</th><th class=\"num\">at s</th><th class=\"num\">run</th>\
         <th>what happened, and how to replay it</th></tr></thead>\n<tbody>\n",
    );
    for (cell, example) in examples {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{:.3}</td><td class=\"num\">{}</td>\
             <td>{}<code class=\"replay\">{}</code></td></tr>",
            escape(&cell.cluster_id),
            escape(&example.invariant),
            example.at_ms / 1000.0,
            example.run_index,
            escape(&example.detail),
            escape(&example.replay),
        );
    }
    out.push_str("</tbody></table></div>\n");
}

fn sample_run(out: &mut String, sample: &SampleRun) {
    out.push_str("<section id=\"sample\">\n<h2>A sample run</h2>\n");
    let _ = writeln!(
        out,
        "<p><b>{}</b> on <b>{}</b>, run {} (seed <code>{}</code>): {}. Shaded: when each fault acted.</p>",
        escape(&sample.scenario),
        escape(&sample.cluster_id),
        sample.run_index,
        sample.seed,
        escape(&sample.reason),
    );
    let _ = writeln!(out, "<code class=\"replay\">{}</code>", escape(&sample.replay));
    chart(out, "timeline of the sample run", charts::timeline(sample));
    let shown = sample.events.len().min(TIMELINE_ROWS_MAX);
    let open = if sample.events.len() <= 40 { " open" } else { "" };
    let first = if shown < sample.events.len() { format!(", the first {shown} listed") } else { String::new() };
    let _ = writeln!(out, "<details{open}><summary>{} events{first}</summary>", sample.events.len());
    events_table(out, &sample.events[..shown]);
    out.push_str("</details>\n</section>\n");
}

/// Timeline events as a table: when, the kind, what happened.
fn events_table(out: &mut String, events: &[TimelineEvent]) {
    out.push_str(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th class=\"num\">at s</th><th>kind</th><th>what happened</th></tr></thead>\n<tbody>\n",
    );
    for event in events {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{:.3}</td><td><code>{}</code></td><td>{}</td></tr>",
            event.at_ms / 1000.0,
            escape(&event.kind),
            escape(&event.label)
        );
    }
    out.push_str("</tbody></table></div>\n");
}

/// Violations deduplicated by signature: for each, its fastest-failing run, that run's
/// timeline, and the events of the moments before the violation that witness it.
fn findings(out: &mut String, findings: &[Finding]) {
    out.push_str("<section id=\"findings\">\n<h2>Findings by signature</h2>\n");
    out.push_str(
        "<p class=\"hint\">A signature is the invariant broken and the kinds of the faults that acted in the run; \
         runs with one signature are taken to be one finding. Each is shown by the run that breaks it soonest.</p>\n",
    );
    for finding in findings {
        let run = &finding.run;
        let _ = writeln!(
            out,
            "<h3><code>{}</code></h3>\n<p>{} run{} · fastest: <b>{}</b> on <b>{}</b>, run {} (seed <code>{}</code>), \
             at {:.3} s</p>",
            escape(&finding.signature),
            finding.runs,
            if finding.runs == 1 { "" } else { "s" },
            escape(&run.scenario),
            escape(&run.cluster_id),
            run.run_index,
            run.seed,
            finding.at_ms / 1000.0,
        );
        let _ = writeln!(out, "<code class=\"replay\">{}</code>", escape(&run.replay));
        chart(out, "timeline of the fastest run", charts::timeline(run));
        let _ = writeln!(
            out,
            "<details open><summary>what witnesses it: the {} events of the {:.0} s before</summary>",
            finding.witness.len(),
            WITNESS_WINDOW_MS / 1000.0
        );
        events_table(out, &finding.witness);
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

/// One scenario: its description, a table per topology, and its three charts.
fn scenario(out: &mut String, index: usize, cells: &[(&CellReport, usize)]) {
    let first = cells[0].0;
    let passed = cells.iter().all(|(c, _)| c.passed);
    let _ = writeln!(
        out,
        "<section id=\"scenario-{index}\" class=\"scenario\">\n<h2>{} {}</h2>",
        escape(&first.scenario),
        verdict(passed)
    );
    if !first.description.is_empty() {
        let _ = writeln!(out, "<p class=\"description\">{}</p>", escape(&first.description));
    }
    let mut policies: Vec<&str> = cells.iter().map(|(c, _)| c.policy_id.as_str()).collect();
    policies.dedup();
    let policies: Vec<String> = policies.iter().map(|p| format!("<code>{}</code>", escape(p))).collect();
    let _ = writeln!(out, "<p class=\"hint\">Policy {}.</p>", policies.join(", "));
    for (cell, _) in cells {
        if !cell.inert_faults.is_empty() {
            let faults: Vec<String> = cell.inert_faults.iter().map(|f| escape(f)).collect();
            let _ = writeln!(
                out,
                "<p class=\"warn\">On {}, these faults never acted in any run: {}.</p>",
                escape(&cell.cluster_id),
                faults.join(", ")
            );
        }
    }
    cell_table(out, cells);
    legend(out, &cells.iter().map(|(c, colour)| (c.cluster_id.as_str(), *colour)).collect::<Vec<_>>());
    out.push_str("<h3>Latency distribution (share of runs done within a time)</h3>\n");
    chart(out, "latency CDF", charts::latency_cdf(cells));
    out.push_str("<h3>p50, p95 and p99 per topology</h3>\n");
    chart(out, "percentiles per topology", charts::percentile_bars(cells));
    let broken: Vec<&InvariantCount> = first
        .violations
        .iter()
        .filter(|i| {
            cells.iter().any(|(c, _)| c.violations.iter().any(|v| v.invariant == i.invariant && v.violations > 0))
        })
        .collect();
    let rows: Vec<&str> = broken.iter().map(|i| i.invariant.as_str()).collect();
    out.push_str("<h3>Violations by invariant</h3>\n");
    if rows.is_empty() {
        out.push_str("<p class=\"ok\">No invariant broke in any run.</p>\n");
    } else {
        let series: Vec<(usize, Vec<u64>)> = cells
            .iter()
            .map(|(c, colour)| {
                let count =
                    |inv: &&str| c.violations.iter().filter(|v| v.invariant == *inv).map(|v| v.violations).sum();
                (*colour, rows.iter().map(count).collect())
            })
            .collect();
        let labels: Vec<String> = broken.iter().map(|i| row_label(i)).collect();
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        chart(out, "violations by invariant", charts::invariant_bars(&labels, &series, Layout::Grouped));
    }
    examples_table(out, cells);
    out.push_str("</section>\n");
}

fn distribution_cells(out: &mut String, d: &Distribution) {
    for (i, v) in [d.p50, d.p95, d.p99, d.max].into_iter().enumerate() {
        let _ = write!(out, "<td class=\"num{}\">{}</td>", if i == 0 { " first" } else { "" }, seconds(v));
    }
}

fn cell_table(out: &mut String, cells: &[(&CellReport, usize)]) {
    out.push_str("<div class=\"table-wrap\"><table class=\"cells\">\n<thead><tr><th rowspan=\"2\">topology</th><th rowspan=\"2\" class=\"num\">runs</th><th rowspan=\"2\">result</th>");
    for (title, _) in METRICS {
        let _ = write!(out, "<th colspan=\"4\" class=\"group\">{title}, s</th>");
    }
    out.push_str(
        "<th colspan=\"3\" class=\"group\">lost writes</th><th colspan=\"2\" class=\"group\">failovers</th>\
         <th rowspan=\"2\" class=\"num\">failed<br>actions</th><th rowspan=\"2\" class=\"num\">final<br>H/D/C</th></tr>\n<tr>",
    );
    for _ in METRICS {
        out.push_str("<th class=\"num first\">p50</th><th class=\"num\">p95</th><th class=\"num\">p99</th><th class=\"num\">max</th>");
    }
    out.push_str("<th class=\"num first\">total</th><th class=\"num\">max</th><th class=\"num\">runs</th><th class=\"num first\">all</th><th class=\"num\">false</th></tr></thead>\n<tbody>\n");
    for (cell, colour) in cells {
        let _ = write!(
            out,
            "<tr><td class=\"name\"><i class=\"swatch\" style=\"background:{}\"></i>{}</td><td class=\"num\">{}</td><td>{}</td>",
            charts::hex(*colour),
            escape(&cell.cluster_id),
            cell.runs,
            verdict(cell.passed)
        );
        for (_, pick) in METRICS {
            distribution_cells(out, pick(cell));
        }
        let (lost, states) = (&cell.lost_writes, &cell.final_states);
        let _ = writeln!(
            out,
            "<td class=\"num first\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num first\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}/{}/{}</td></tr>",
            lost.total, lost.max, lost.runs_with_loss, cell.failovers, cell.false_failovers, cell.actions_failed,
            states.healthy, states.degraded, states.critical
        );
    }
    out.push_str("</tbody></table></div>\n");
    for (cell, _) in cells.iter().filter(|(c, _)| !c.passed) {
        let _ = write!(out, "<p class=\"failed\">{} failed: ", escape(&cell.cluster_id));
        let reasons: Vec<String> = cell.failures.iter().map(|f| escape(f)).collect();
        let _ = writeln!(out, "{}.</p>", reasons.join("; "));
    }
}

/// The page's style sheet: system fonts, cards, compact tables, charts at full width.
pub(crate) const STYLE: &str = r#"
:root { --fg: #1f2328; --muted: #59636e; --line: #d8dee4; --bg: #f4f6f8; --card: #fff;
        --pass: #1a7f37; --fail: #cf222e; --warn-bg: #fff8c5; --warn-line: #d4a72c; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg);
       font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif; }
main { max-width: 1220px; margin: 0 auto; padding: 20px 24px 40px; }
header.top { display: flex; align-items: center; gap: 14px; }
h1 { font-size: 24px; margin: 0; }
h2 { font-size: 18px; margin: 0 0 8px; display: flex; align-items: center; gap: 10px; }
h3 { font-size: 14px; margin: 18px 0 6px; color: var(--muted); font-weight: 600; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
.meta { color: var(--muted); margin: 4px 0 0; }
.verdict { padding: 3px 14px; border-radius: 999px; font-weight: 700; color: #fff; letter-spacing: .05em; }
.verdict.pass { background: var(--pass); }
.verdict.fail { background: var(--fail); }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; margin: 16px 0; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.stat b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
.stat span { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .04em; }
.stat.bad b { color: var(--fail); }
.timing { color: var(--muted); margin: -4px 0 12px; }
.timing b { color: var(--fg); font-variant-numeric: tabular-nums; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin: 16px 0; }
.description { margin-top: 0; }
.hint { color: var(--muted); margin: 4px 0 8px; font-size: 13px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 4px 5px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; white-space: nowrap; }
th.group { text-align: center; }
th.first, td.first, th.group { border-left: 1px solid var(--line); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name, table.examples td:nth-child(-n+2) { white-space: nowrap; }
tbody tr:hover { background: #fafbfc; }
table.matrix td { text-align: center; white-space: nowrap; border-left: 2px solid var(--card); }
table.matrix thead th { white-space: normal; text-align: center; }
table.matrix tbody th { text-align: left; white-space: nowrap; background: none; }
table.matrix td.pass { background: #e6f6ea; }
table.matrix td.fail { background: #fde4e4; color: var(--fail); }
table.matrix td small { display: block; font-size: 11px; }
table.matrix td.none { background: var(--bg); }
code { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
code.replay { display: block; margin-top: 4px; padding: 4px 8px; white-space: pre-wrap; overflow-wrap: anywhere;
              background: var(--bg); border: 1px solid var(--line); border-radius: 4px; user-select: all; }
.badge { font-size: 11px; font-weight: 700; padding: 1px 8px; border-radius: 999px; text-transform: uppercase; }
.badge.pass { color: var(--pass); background: #dafbe1; }
.badge.fail { color: #fff; background: var(--fail); }
.ok { color: var(--pass); }
.failed { color: var(--fail); margin: 6px 0; }
.warn { background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 6px; padding: 6px 10px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 10px 0 0; font-size: 13px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
figure.chart { margin: 0; }
figure.chart svg { display: block; width: 100%; height: auto; }
details summary { cursor: pointer; color: var(--muted); margin-top: 8px; }
footer { color: var(--muted); font-size: 12px; text-align: center; }
table.compare td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
table.compare td.best { background: #e6f6ea; font-weight: 700; }
"#;
