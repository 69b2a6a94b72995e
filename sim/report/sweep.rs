//! The sweep model: what `failsim sweep` found at each point of a grid over numeric
//! settings, per (scenario, topology), in the figures a capacity planner reads, with
//! the Pareto front of failover p95 against false failovers marked.
//!
//! Built from the matrix's [`Report`] (one cell per point x scenario x topology, point
//! by point), so every figure is the one `report.json` carries: no second aggregation.
//! `sweep.json` is this model serialized (schema [`SCHEMA`]); [`table`], [`markdown`],
//! [`html`] and [`charts`] render it. Pure: a function of the report and the grid.

pub mod charts;
pub mod html;
pub mod markdown;
pub mod table;

use super::model::{CellReport, ExampleReport, FinalStates, InvariantCount, LostWrites, Report, Timing};
use serde::{Deserialize, Serialize};
use serde_json::Number;

/// The schema identifier written in every `sweep.json`; bumped on incompatible changes.
pub const SCHEMA: &str = "failsim.sweep/1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    pub schema: String,
    pub master_seed: u64,
    /// The swept fields, in command-line order.
    pub params: Vec<SweepParam>,
    pub totals: SweepTotals,
    /// Every combination of the params' values, the first param outermost.
    pub points: Vec<Point>,
    /// Wall-clock figures: the only part that differs between identical sweeps; left
    /// out with `--no-timing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
}

/// One swept field: its path (`policy.heartbeat.interval_ms`) and values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepParam {
    pub path: String,
    pub values: Vec<Number>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepTotals {
    pub points: u64,
    pub cells: u64,
    pub runs: u64,
    /// Points at which some run broke a safety invariant.
    pub unsafe_points: u64,
    pub safety_violations: u64,
}

/// One grid point: its values and what each (scenario, topology) showed there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub index: u64,
    /// One value per param, in the params' order.
    pub values: Vec<Number>,
    /// The directory, relative to the sweep's, holding this point's scenario, topology
    /// and policy files: what its replay commands name.
    pub models: String,
    /// No run at this point broke a safety invariant.
    pub safe: bool,
    pub results: Vec<PointResult>,
}

/// One (scenario, topology) at one grid point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    pub scenario: String,
    pub cluster_id: String,
    pub policy_id: String,
    /// The cell's index in `report.json`'s `cells`, for every figure not repeated here.
    pub report_cell: u64,
    pub runs: u64,
    /// Whether the scenario's `expect` thresholds held.
    pub passed: bool,
    pub detection_ms_p50: Option<f64>,
    pub detection_ms_p95: Option<f64>,
    pub failover_ms_p50: Option<f64>,
    pub failover_ms_p95: Option<f64>,
    pub failover_ms_p99: Option<f64>,
    pub unavailable_ms_p95: Option<f64>,
    pub failovers: u64,
    pub false_failovers: u64,
    /// False failovers per run.
    pub false_failover_rate: f64,
    pub lost_writes: LostWrites,
    pub safety_violations: u64,
    pub runs_with_safety_violations: u64,
    /// The invariants broken at least once (service-level ones included), with counts.
    pub violations: Vec<InvariantCount>,
    pub final_states: FinalStates,
    /// Not dominated by another safe point of the same (scenario, topology) in
    /// (failover p95, false failovers per run), lower being better in both; see
    /// [`mark_pareto`].
    pub pareto: bool,
    /// The lowest-indexed safety violation, with the command that replays it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_violation: Option<ExampleReport>,
}

/// The directory of point `index`'s model files, relative to the sweep's directory.
pub fn point_dir(index: usize) -> String {
    format!("points/{index}")
}

impl Sweep {
    /// Builds the sweep from its grid (`points`: each point's values) and the report of
    /// its matrix, whose cells run point by point, each point's cells in the same
    /// (scenario, topology) order.
    ///
    /// # Panics
    /// The cells do not divide evenly among the points: a bug in the caller.
    pub fn build(params: Vec<SweepParam>, points: Vec<Vec<Number>>, report: &Report) -> Sweep {
        let per_point = report.cells.len() / points.len().max(1);
        assert_eq!(per_point * points.len(), report.cells.len(), "one cell per point x scenario x topology");
        let mut points: Vec<Point> = points
            .into_iter()
            .enumerate()
            .map(|(index, values)| {
                let first = index * per_point;
                let cells = &report.cells[first..first + per_point];
                let results: Vec<PointResult> =
                    cells.iter().enumerate().map(|(j, cell)| PointResult::of(cell, first + j)).collect();
                Point {
                    index: index as u64,
                    values,
                    models: point_dir(index),
                    safe: results.iter().all(|r| r.safety_violations == 0),
                    results,
                }
            })
            .collect();
        for subject in 0..per_point {
            mark_pareto(&mut points, subject);
        }
        let totals = SweepTotals {
            points: points.len() as u64,
            cells: report.totals.cells,
            runs: report.totals.runs,
            unsafe_points: points.iter().filter(|p| !p.safe).count() as u64,
            safety_violations: report.totals.safety_violations,
        };
        Sweep { schema: SCHEMA.to_string(), master_seed: report.master_seed, params, totals, points, timing: None }
    }

    /// The (scenario, topology) pairs every point has, in order.
    pub fn subjects(&self) -> Vec<(&str, &str)> {
        self.points
            .first()
            .map_or_else(Vec::new, |p| p.results.iter().map(|r| (r.scenario.as_str(), r.cluster_id.as_str())).collect())
    }

    /// Short names for the params: each path's last field (`interval_ms`), longer where
    /// that would be ambiguous or is a list index.
    pub fn param_names(&self) -> Vec<String> {
        let segments: Vec<Vec<&str>> = self.params.iter().map(|p| p.path.split('.').collect()).collect();
        let name = |parts: &[&str], keep: usize| parts[parts.len().saturating_sub(keep)..].join(".");
        let mut keep: Vec<usize> = segments
            .iter()
            .map(|parts| if parts.last().is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit())) { 2 } else { 1 })
            .collect();
        // Grow every ambiguous name at once: growing one alone could leave the other
        // short and still unclear ("rate" beside "x.rate").
        loop {
            let names: Vec<String> = segments.iter().zip(&keep).map(|(parts, k)| name(parts, *k)).collect();
            let ambiguous: Vec<usize> = (0..names.len())
                .filter(|&i| keep[i] < segments[i].len() && (0..names.len()).any(|j| j != i && names[i] == names[j]))
                .collect();
            if ambiguous.is_empty() {
                break;
            }
            for i in ambiguous {
                keep[i] += 1;
            }
        }
        segments.iter().zip(keep).map(|(parts, k)| name(parts, k)).collect()
    }

    /// A point's values with the params' short names: `interval_ms=500, failure_threshold=2`.
    pub fn label(&self, point: &Point) -> String {
        let names = self.param_names();
        let pairs: Vec<String> = names.iter().zip(&point.values).map(|(n, v)| format!("{n}={v}")).collect();
        pairs.join(", ")
    }
}

impl PointResult {
    fn of(cell: &CellReport, index: usize) -> PointResult {
        let safety_violations = cell.violations.iter().filter(|v| v.safety).map(|v| v.violations).sum();
        let first_violation = cell
            .examples
            .iter()
            .filter(|e| cell.violations.iter().any(|v| v.safety && v.invariant == e.invariant))
            .min_by_key(|e| e.run_index)
            .cloned();
        PointResult {
            scenario: cell.scenario.clone(),
            cluster_id: cell.cluster_id.clone(),
            policy_id: cell.policy_id.clone(),
            report_cell: index as u64,
            runs: cell.runs,
            passed: cell.passed,
            detection_ms_p50: cell.detection_ms.p50,
            detection_ms_p95: cell.detection_ms.p95,
            failover_ms_p50: cell.failover_ms.p50,
            failover_ms_p95: cell.failover_ms.p95,
            failover_ms_p99: cell.failover_ms.p99,
            unavailable_ms_p95: cell.unavailable_ms.p95,
            failovers: cell.failovers,
            false_failovers: cell.false_failovers,
            false_failover_rate: if cell.runs == 0 { 0.0 } else { cell.false_failovers as f64 / cell.runs as f64 },
            lost_writes: cell.lost_writes.clone(),
            safety_violations,
            runs_with_safety_violations: cell.runs_with_safety_violations,
            violations: cell.violations.iter().filter(|v| v.violations > 0).cloned().collect(),
            final_states: cell.final_states.clone(),
            pareto: false,
            first_violation,
        }
    }
}

/// Marks the Pareto front of one (scenario, topology), the `subject`-th result of every
/// point: the safe points that no other safe point beats on both failover p95 and false
/// failovers per run (at least as good on both, better on one). An unsafe point is
/// never on the front and beats nothing: split-brain is not a trade-off. A point where
/// no run failed over has no failover p95; it counts as slower than any that did (the
/// service never came back), so it is on the front only when no point failed over.
pub fn mark_pareto(points: &mut [Point], subject: usize) {
    let scores: Vec<Option<(f64, f64)>> = points
        .iter()
        .map(|p| {
            let r = &p.results[subject];
            (r.safety_violations == 0).then(|| (r.failover_ms_p95.unwrap_or(f64::INFINITY), r.false_failover_rate))
        })
        .collect();
    let beats = |a: (f64, f64), b: (f64, f64)| a.0 <= b.0 && a.1 <= b.1 && (a.0 < b.0 || a.1 < b.1);
    for (i, point) in points.iter_mut().enumerate() {
        point.results[subject].pareto =
            scores[i].is_some_and(|mine| !scores.iter().flatten().any(|&other| beats(other, mine)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(index: u64, failover_ms_p95: Option<f64>, false_failover_rate: f64, safety_violations: u64) -> Point {
        let result = PointResult {
            scenario: "s".into(),
            cluster_id: "c".into(),
            policy_id: "p".into(),
            report_cell: index,
            runs: 10,
            passed: true,
            detection_ms_p50: None,
            detection_ms_p95: None,
            failover_ms_p50: None,
            failover_ms_p95,
            failover_ms_p99: None,
            unavailable_ms_p95: None,
            failovers: 0,
            false_failovers: 0,
            false_failover_rate,
            lost_writes: LostWrites { total: 0, max: 0, runs_with_loss: 0 },
            safety_violations,
            runs_with_safety_violations: safety_violations.min(1),
            violations: Vec::new(),
            final_states: FinalStates { healthy: 10, degraded: 0, critical: 0 },
            pareto: false,
            first_violation: None,
        };
        Point {
            index,
            values: Vec::new(),
            models: point_dir(index as usize),
            safe: safety_violations == 0,
            results: vec![result],
        }
    }

    fn front(points: &mut [Point]) -> Vec<u64> {
        mark_pareto(points, 0);
        points.iter().filter(|p| p.results[0].pareto).map(|p| p.index).collect()
    }

    #[test]
    fn the_front_keeps_what_nothing_beats_on_both_axes() {
        let mut points = [
            point(0, Some(10.0), 3.0, 0),
            point(1, Some(20.0), 1.0, 0),
            point(2, Some(20.0), 2.0, 0), // beaten by 1
            point(3, Some(30.0), 0.0, 0),
            point(4, Some(10.0), 3.0, 0), // ties 0: both stay
            point(5, Some(5.0), 0.0, 2),  // unsafe: off the front, beats nothing
            point(6, None, 0.0, 0),       // never failed over: beaten by 3
        ];
        assert_eq!(front(&mut points), [0, 1, 3, 4]);
    }

    #[test]
    fn without_any_failover_the_fewest_false_failovers_win() {
        let mut points = [point(0, None, 1.0, 0), point(1, None, 0.5, 0), point(2, None, 0.5, 0)];
        assert_eq!(front(&mut points), [1, 2]);
    }

    #[test]
    fn short_names_grow_until_they_differ() {
        let sweep = Sweep {
            schema: SCHEMA.into(),
            master_seed: 0,
            params: ["policy.heartbeat.interval_ms", "scenario.faults.0.at_s.1", "a.x.rate", "b.y.rate"]
                .map(|path| SweepParam { path: path.into(), values: Vec::new() })
                .to_vec(),
            totals: SweepTotals { points: 0, cells: 0, runs: 0, unsafe_points: 0, safety_violations: 0 },
            points: Vec::new(),
            timing: None,
        };
        assert_eq!(sweep.param_names(), ["interval_ms", "at_s.1", "x.rate", "y.rate"]);
    }
}
