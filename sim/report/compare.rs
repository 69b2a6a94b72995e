//! The comparison `failsim compare` prints and writes: for each scenario, the figures a
//! capacity planner weighs (failover time, unavailability, lost writes, false
//! failovers, safety violations, the chance of ending without quorum) with one column
//! per topology and the best value of each row marked; and the expected annual
//! downtime of each topology at a given per-node failure rate.
//!
//! Built from a [`Report`] whose runs used common random numbers (every topology saw
//! the same seeds, so the same fault times): a pure function of it, like every other
//! renderer, and rendered as text, Markdown, and a section of the HTML report.

use super::escape::markup as escape;
use super::markdown;
use super::model::{CellReport, Report};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

pub const SCHEMA: &str = "failsim.compare/1";

/// The scenario whose runs price the loss of the primary, and the one that prices the
/// loss of any other node, in the expected annual downtime.
pub const PRIMARY_LOSS_SCENARIO: &str = "primary_failure";
pub const OTHER_LOSS_SCENARIO: &str = "node_crash";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub schema: String,
    pub master_seed: u64,
    /// Runs per (scenario, topology); the same seeds on every topology.
    pub seeds: u64,
    pub node_failures_per_year: f64,
    /// Column order: the topologies' ids.
    pub topologies: Vec<String>,
    pub scenarios: Vec<ScenarioRows>,
    /// One per topology, in column order.
    pub annual_downtime: Vec<AnnualDowntime>,
}

/// One scenario's rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRows {
    pub scenario: String,
    pub rows: Vec<Row>,
}

/// One figure across the topologies; lower is better for every row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub metric: String,
    pub label: String,
    /// One per topology, in column order; null where it does not apply (no failover
    /// happened, so no failover time).
    pub values: Vec<Option<f64>>,
    /// Columns holding the lowest value (several on a tie; none when all are null).
    pub best: Vec<usize>,
}

/// Expected downtime per year at `node_failures_per_year` failures per node:
/// `F x U_primary + F x (nodes - 1) x U_other`, where `U_primary` is the mean time
/// without a writable node per run of `primary_failure` and `U_other` the same for
/// `node_crash` (a standby or witness lost). Null when a needed scenario was not run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnualDowntime {
    pub cluster_id: String,
    pub nodes: u32,
    pub primary_loss_s: Option<f64>,
    pub other_loss_s: Option<f64>,
    pub downtime_s_per_year: Option<f64>,
}

/// The expected annual downtime in seconds (see [`AnnualDowntime`]).
pub fn annual_downtime_s(failures_per_node_year: f64, nodes: u32, primary_loss_s: f64, other_loss_s: f64) -> f64 {
    failures_per_node_year * primary_loss_s + failures_per_node_year * f64::from(nodes.saturating_sub(1)) * other_loss_s
}

impl Comparison {
    /// The comparison of `report`'s cells; `nodes` gives each topology's node count.
    pub fn build(report: &Report, seeds: u64, node_failures_per_year: f64, nodes: &[(String, u32)]) -> Comparison {
        let mut topologies: Vec<String> = Vec::new();
        let mut scenarios: Vec<String> = Vec::new();
        for cell in &report.cells {
            if !topologies.contains(&cell.cluster_id) {
                topologies.push(cell.cluster_id.clone());
            }
            if !scenarios.contains(&cell.scenario) {
                scenarios.push(cell.scenario.clone());
            }
        }
        let cell = |scenario: &str, topology: &str| {
            report.cells.iter().find(|c| c.scenario == scenario && c.cluster_id == topology)
        };
        let rows = scenarios
            .iter()
            .map(|scenario| {
                let cells: Vec<Option<&CellReport>> = topologies.iter().map(|t| cell(scenario, t)).collect();
                ScenarioRows { scenario: scenario.clone(), rows: METRICS.iter().map(|m| m.row(&cells)).collect() }
            })
            .collect();
        let mean_unavailable_s =
            |scenario: &str, topology: &str| seconds(cell(scenario, topology).and_then(|c| c.unavailable_ms.mean));
        let annual_downtime = topologies
            .iter()
            .map(|topology| {
                let count = nodes.iter().find(|(id, _)| id == topology).map_or(0, |(_, n)| *n);
                let primary_loss_s = mean_unavailable_s(PRIMARY_LOSS_SCENARIO, topology);
                let other_loss_s = mean_unavailable_s(OTHER_LOSS_SCENARIO, topology);
                let downtime_s_per_year = primary_loss_s
                    .zip(other_loss_s)
                    .map(|(p, o)| annual_downtime_s(node_failures_per_year, count, p, o));
                AnnualDowntime {
                    cluster_id: topology.clone(),
                    nodes: count,
                    primary_loss_s,
                    other_loss_s,
                    downtime_s_per_year,
                }
            })
            .collect();
        Comparison {
            schema: SCHEMA.to_string(),
            master_seed: report.master_seed,
            seeds,
            node_failures_per_year,
            topologies,
            scenarios: rows,
            annual_downtime,
        }
    }
}

/// A row: its key, its label, and how to read it from a cell.
struct Metric {
    key: &'static str,
    label: &'static str,
    value: fn(&CellReport) -> Option<f64>,
}

/// Milliseconds of virtual time as seconds.
fn seconds(ms: Option<f64>) -> Option<f64> {
    ms.map(|ms| ms / 1000.0)
}

fn per_run(count: u64, cell: &CellReport) -> Option<f64> {
    (cell.runs > 0).then(|| count as f64 / cell.runs as f64)
}

const METRICS: [Metric; 10] = [
    Metric { key: "failover_p50_s", label: "failover (RTO) p50, s", value: |c| seconds(c.failover_ms.p50) },
    Metric { key: "failover_p95_s", label: "failover (RTO) p95, s", value: |c| seconds(c.failover_ms.p95) },
    Metric { key: "failover_p99_s", label: "failover (RTO) p99, s", value: |c| seconds(c.failover_ms.p99) },
    Metric { key: "unavailable_mean_s", label: "unavailable, mean s", value: |c| seconds(c.unavailable_ms.mean) },
    Metric { key: "unavailable_p95_s", label: "unavailable p95, s", value: |c| seconds(c.unavailable_ms.p95) },
    Metric { key: "lost_writes_mean", label: "lost writes per run", value: |c| per_run(c.lost_writes.total, c) },
    Metric { key: "lost_writes_max", label: "lost writes, most in a run", value: |c| Some(c.lost_writes.max as f64) },
    Metric {
        key: "false_failovers_per_run",
        label: "false failovers per run",
        value: |c| per_run(c.false_failovers, c),
    },
    Metric {
        key: "unsafe_run_rate",
        label: "runs with a safety violation",
        value: |c| per_run(c.runs_with_safety_violations, c),
    },
    Metric {
        key: "no_quorum_rate",
        label: "runs ending without quorum",
        value: |c| per_run(c.final_states.critical, c),
    },
];

impl Metric {
    fn row(&self, cells: &[Option<&CellReport>]) -> Row {
        let values: Vec<Option<f64>> = cells.iter().map(|c| c.and_then(self.value)).collect();
        let lowest = values.iter().flatten().copied().fold(f64::INFINITY, f64::min);
        let best = values.iter().enumerate().filter(|(_, v)| **v == Some(lowest)).map(|(i, _)| i).collect();
        Row { metric: self.key.to_string(), label: self.label.to_string(), values, best }
    }
}

/// A value as printed: rates as percentages, the rest to three significant places.
fn shown(metric: &str, value: Option<f64>) -> String {
    match value {
        None => "-".to_string(),
        Some(v) if metric.ends_with("_rate") => format!("{:.1}%", v * 100.0),
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn downtime_cell(d: &AnnualDowntime) -> String {
    d.downtime_s_per_year.map_or("-".to_string(), |s| format!("{:.1} min", s / 60.0))
}

/// The terminal table: one block per scenario, best values starred.
pub fn render_text(comparison: &Comparison) -> String {
    let mut out = String::new();
    let width = comparison.topologies.iter().map(String::len).max().unwrap_or(0).max(12);
    let header = |out: &mut String, title: &str| {
        let _ = write!(out, "{title:<32}");
        for topology in &comparison.topologies {
            let _ = write!(out, " {topology:>width$}");
        }
        out.push('\n');
    };
    for scenario in &comparison.scenarios {
        header(&mut out, &scenario.scenario);
        for row in &scenario.rows {
            let _ = write!(out, "  {:<30}", row.label);
            for (i, value) in row.values.iter().enumerate() {
                let mark = if row.best.contains(&i) && row.best.len() < row.values.len() { "*" } else { " " };
                let _ = write!(out, " {:>w$}{mark}", shown(&row.metric, *value), w = width - 1);
            }
            out.push('\n');
        }
        out.push('\n');
    }
    header(&mut out, "expected downtime per year");
    let _ = write!(out, "  {:<30}", format!("at {} failures per node", comparison.node_failures_per_year));
    for d in &comparison.annual_downtime {
        let _ = write!(out, " {:>width$}", downtime_cell(d));
    }
    out.push_str("\n(* best of the row; the same seeds on every topology)\n");
    out
}

/// The comparison in Markdown, best values in bold.
pub fn render_markdown(comparison: &Comparison) -> String {
    let mut out = String::from("# failsim compare\n\n");
    let _ = writeln!(
        out,
        "{} runs per scenario and topology, the same seeds on every topology (master seed {}). \
         Lower is better in every row; the best is in bold.\n",
        comparison.seeds, comparison.master_seed
    );
    let columns = comparison.topologies.iter().map(|t| format!(" {} |", markdown::escape(t))).collect::<String>();
    let rule = "---|".repeat(comparison.topologies.len());
    for scenario in &comparison.scenarios {
        let _ = writeln!(out, "## {}\n\n| |{columns}\n|---|{rule}", markdown::escape(&scenario.scenario));
        for row in &scenario.rows {
            let _ = write!(out, "| {} |", row.label);
            for (i, value) in row.values.iter().enumerate() {
                let text = shown(&row.metric, *value);
                let bold = row.best.contains(&i) && row.best.len() < row.values.len();
                let _ = write!(out, " {} |", if bold { format!("**{text}**") } else { text });
            }
            out.push('\n');
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "## Expected annual downtime\n\nAt {} failures per node per year: F x (mean unavailability per \
         `{PRIMARY_LOSS_SCENARIO}` run) + F x (nodes - 1) x (mean unavailability per `{OTHER_LOSS_SCENARIO}` run).\n",
        comparison.node_failures_per_year
    );
    let _ = writeln!(out, "| |{columns}\n|---|{rule}");
    let _ = write!(out, "| expected downtime per year |");
    for d in &comparison.annual_downtime {
        let _ = write!(out, " {} |", downtime_cell(d));
    }
    out.push('\n');
    out
}

/// The comparison as a section of the HTML report (the page's own styles).
pub fn render_html(comparison: &Comparison) -> String {
    let mut out = String::from("<section>\n<h2>Comparison</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"hint\">{} runs per scenario and topology, the same seeds on every topology (master seed {}): \
         the same faults at the same times. Lower is better in every row; the best is highlighted.</p>",
        comparison.seeds, comparison.master_seed
    );
    for scenario in &comparison.scenarios {
        let _ = writeln!(out, "<h3>{}</h3>\n<table class=\"compare\"><thead><tr><th></th>", escape(&scenario.scenario));
        for topology in &comparison.topologies {
            let _ = write!(out, "<th>{}</th>", escape(topology));
        }
        out.push_str("</tr></thead><tbody>\n");
        for row in &scenario.rows {
            let _ = write!(out, "<tr><td>{}</td>", escape(&row.label));
            for (i, value) in row.values.iter().enumerate() {
                let best = row.best.contains(&i) && row.best.len() < row.values.len();
                let class = if best { " class=\"best\"" } else { "" };
                let _ = write!(out, "<td{class}>{}</td>", escape(&shown(&row.metric, *value)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
    }
    let _ = writeln!(
        out,
        "<h3>Expected annual downtime</h3>\n<p class=\"hint\">At {} failures per node per year: F × (mean \
         unavailability per <code>{PRIMARY_LOSS_SCENARIO}</code> run) + F × (nodes − 1) × (mean unavailability per \
         <code>{OTHER_LOSS_SCENARIO}</code> run).</p>\n<table class=\"compare\"><thead><tr><th></th>",
        comparison.node_failures_per_year
    );
    for topology in &comparison.topologies {
        let _ = write!(out, "<th>{}</th>", escape(topology));
    }
    out.push_str("</tr></thead><tbody><tr><td>expected downtime per year</td>");
    for d in &comparison.annual_downtime {
        let _ = write!(out, "<td>{}</td>", escape(&downtime_cell(d)));
    }
    out.push_str("</tr></tbody></table>\n</section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annual_downtime_by_hand() {
        // Three nodes failing twice a year each: the primary's two failures cost 30 s
        // each, the other two nodes' four failures 0.5 s each.
        assert_eq!(annual_downtime_s(2.0, 3, 30.0, 0.5), 2.0 * 30.0 + 4.0 * 0.5);
        assert_eq!(annual_downtime_s(2.0, 3, 30.0, 0.5), 62.0);
        // One node: only the primary's failures count.
        assert_eq!(annual_downtime_s(4.0, 1, 10.0, 99.0), 40.0);
    }
}
