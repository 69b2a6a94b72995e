//! The report model: what a matrix run found, per (scenario, topology) cell, with
//! latency distributions, violation counts and examples with replay commands, and
//! each scenario's expectations judged. `report.json` is this model serialized; its
//! fields are documented in docs/REPORTS.md.

use crate::check::Invariant;
use crate::control::standard::Mutant;
use crate::engine::Seed;
use crate::run::aggregate::Aggregate;
use crate::run::matrix::Cell;
use crate::run::replay;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// The schema identifier written in every report; bumped on incompatible changes.
pub const SCHEMA: &str = "failsim.report/1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub master_seed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutant: Option<String>,
    /// Whether every cell met its scenario's expectations.
    pub passed: bool,
    pub totals: Totals,
    pub cells: Vec<CellReport>,
    /// Present when the report covers only part of its matrix: a shard, or a run that
    /// was interrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<Incomplete>,
    /// Wall-clock figures: the only part that differs between identical runs; left
    /// out with `--no-timing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    /// One run re-run with its trace, for the HTML timeline; absent when not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleRun>,
    /// For each distinct signature (the first [`FINDINGS_MAX`] in cell order), its
    /// fastest-failing run re-run with its trace; empty when not recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

/// What part of its matrix a report covers, and how to complete it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incomplete {
    /// Why, e.g. "interrupted (SIGINT)" or "shard 2/3".
    pub reason: String,
    pub runs_done: u64,
    /// Runs in the whole matrix.
    pub runs_total: u64,
    /// The command that completes it, e.g. `failsim run --resume reports/latest`.
    pub next: String,
}

impl Incomplete {
    /// One line for a report's head: what it covers, and what completes it.
    pub fn sentence(&self) -> String {
        format!(
            "Incomplete ({}): {} of {} runs. To complete: {}",
            self.reason, self.runs_done, self.runs_total, self.next
        )
    }
}

/// One run of the matrix, traced: what happened when, and when the faults acted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleRun {
    pub scenario: String,
    pub cluster_id: String,
    pub run_index: u64,
    pub seed: u64,
    /// The scenario's duration: the timeline's extent.
    pub duration_ms: f64,
    /// Why this run was chosen, e.g. "first failing run" or "run 0 of the first cell".
    pub reason: String,
    pub replay: String,
    /// Notable events in time order (not every message: crashes, declarations,
    /// promotions, DNS flips, first writes, failovers, violations).
    pub events: Vec<TimelineEvent>,
    /// When each fault acted, as a window (a point fault has `end_ms == start_ms`).
    pub faults: Vec<FaultWindow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub at_ms: f64,
    /// A short class that groups events into lanes, e.g. "crash", "promote", "violation".
    pub kind: String,
    /// One line on what happened, e.g. "n2 promoted in term 3".
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultWindow {
    pub start_ms: f64,
    pub end_ms: f64,
    /// The fault's kind as in the scenario, e.g. "region_isolation".
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub cells: u64,
    pub failing_cells: u64,
    pub runs: u64,
    pub runs_with_safety_violations: u64,
    pub safety_violations: u64,
    pub events: u64,
}

/// The harness's own speed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub threads: u64,
    pub wall_s: f64,
    pub runs_per_s: f64,
    pub events_per_s: f64,
    pub simulated_s_per_wall_s: f64,
}

/// One (scenario, topology) cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellReport {
    pub scenario: String,
    pub description: String,
    pub cluster_id: String,
    pub policy_id: String,
    pub runs: u64,
    pub passed: bool,
    /// Each expectation not met, in a sentence.
    pub failures: Vec<String>,
    pub detection_ms: Distribution,
    pub failover_ms: Distribution,
    pub unavailable_ms: Distribution,
    pub lost_writes: LostWrites,
    pub failovers: u64,
    pub false_failovers: u64,
    /// The most false failovers in any one run (what `expect.max_false_failovers` bounds).
    pub false_failovers_max: u64,
    pub actions_failed: u64,
    pub events: u64,
    pub violations: Vec<InvariantCount>,
    /// Runs with at least one safety violation, whichever invariant.
    pub runs_with_safety_violations: u64,
    pub final_states: FinalStates,
    /// Faults of the scenario that never acted in any run (a scenario that tests nothing).
    pub inert_faults: Vec<String>,
    pub examples: Vec<ExampleReport>,
    /// Violations deduplicated by signature, sorted by signature.
    pub signatures: Vec<SignatureReport>,
    /// The lowest-indexed run that missed the expected promotions or final state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_miss: Option<MissReport>,
}

/// A run that missed the scenario's expectations, with the command that replays it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MissReport {
    pub run_index: u64,
    pub seed: u64,
    pub what: String,
    pub replay: String,
}

/// Percentiles of a virtual-time metric over the runs it applies to (null when none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    pub count: u64,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    /// `(quantile, ms)` at each of [`QUANTILES`], in order: the points of a CDF (the
    /// quantile 0 is the minimum, 1 the maximum). Empty when `count` is 0.
    pub quantiles: Vec<(f64, f64)>,
}

/// The quantiles every [`Distribution`] lists, for CDF charts.
pub const QUANTILES: [f64; 13] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0];

impl Distribution {
    /// From a histogram of microseconds, in milliseconds (to the microsecond).
    pub fn of(histogram: &Histogram<u64>) -> Distribution {
        let count = histogram.len();
        let ms = |us: u64| us as f64 / 1000.0;
        if count == 0 {
            return Distribution {
                count,
                p50: None,
                p95: None,
                p99: None,
                max: None,
                mean: None,
                quantiles: Vec::new(),
            };
        }
        let last = QUANTILES.len() - 1;
        let quantiles = QUANTILES
            .iter()
            .enumerate()
            .map(|(i, &q)| {
                let us = match i {
                    0 => histogram.min(),
                    _ if i == last => histogram.max(),
                    _ => histogram.value_at_quantile(q),
                };
                (q, ms(us))
            })
            .collect();
        Distribution {
            count,
            p50: Some(ms(histogram.value_at_quantile(0.50))),
            p95: Some(ms(histogram.value_at_quantile(0.95))),
            p99: Some(ms(histogram.value_at_quantile(0.99))),
            max: Some(ms(histogram.max())),
            mean: Some((histogram.mean() * 1000.0).round() / 1_000_000.0),
            quantiles,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LostWrites {
    pub total: u64,
    pub max: u64,
    pub runs_with_loss: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvariantCount {
    pub invariant: String,
    pub safety: bool,
    pub violations: u64,
    pub runs: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinalStates {
    pub healthy: u64,
    pub degraded: u64,
    pub critical: u64,
}

/// Signatures (see `run::signature`) whose fastest run is re-run for the report, at
/// most: each costs one traced run.
pub const FINDINGS_MAX: usize = 12;

/// A signature seen in a cell: how many runs show it, and the run that shows it
/// soonest in virtual time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignatureReport {
    /// `invariant [fault kinds]`.
    pub signature: String,
    pub invariant: String,
    pub faults: Vec<String>,
    pub runs: u64,
    pub run_index: u64,
    pub seed: u64,
    /// When the fastest run first broke the invariant.
    pub at_ms: f64,
    pub replay: String,
}

/// A signature's fastest run, re-run with its trace: the timeline, and the events of
/// the moments before its violation that witness it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub signature: String,
    pub runs: u64,
    pub run: SampleRun,
    pub at_ms: f64,
    /// The timeline's events from [`WITNESS_WINDOW_MS`] before the violation to it.
    pub witness: Vec<TimelineEvent>,
}

/// How far before a violation its witnessing events are taken from.
pub const WITNESS_WINDOW_MS: f64 = 30_000.0;

/// An example violation, with the command that replays its run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExampleReport {
    pub invariant: String,
    pub run_index: u64,
    pub seed: u64,
    pub at_ms: f64,
    pub detail: String,
    pub replay: String,
}

impl Report {
    /// Builds the report of a matrix from its cells and their aggregates.
    pub fn build(cells: &[Cell<'_>], aggregates: &[Aggregate], master_seed: u64, mutant: Option<Mutant>) -> Report {
        let cells: Vec<CellReport> =
            cells.iter().zip(aggregates).map(|(cell, aggregate)| CellReport::build(cell, aggregate, mutant)).collect();
        let totals = Totals {
            cells: cells.len() as u64,
            failing_cells: cells.iter().filter(|c| !c.passed).count() as u64,
            runs: aggregates.iter().map(|a| a.runs).sum(),
            runs_with_safety_violations: aggregates.iter().map(|a| a.runs_unsafe).sum(),
            safety_violations: aggregates.iter().map(Aggregate::safety_violations).sum(),
            events: aggregates.iter().map(|a| a.events).sum(),
        };
        Report {
            schema: SCHEMA.to_string(),
            master_seed,
            mutant: mutant.map(|m| m.as_str().to_string()),
            passed: totals.failing_cells == 0,
            totals,
            cells,
            incomplete: None,
            timing: None,
            sample: None,
            findings: Vec::new(),
        }
    }
}

impl CellReport {
    fn build(cell: &Cell<'_>, a: &Aggregate, mutant: Option<Mutant>) -> CellReport {
        let scenario = cell.scenario;
        let failures = judge(cell, a);
        let violations = Invariant::ALL
            .iter()
            .map(|i| InvariantCount {
                invariant: i.as_str().to_string(),
                safety: i.is_safety(),
                violations: a.violations[*i as usize],
                runs: a.runs_violating[*i as usize],
            })
            .collect();
        let examples = a
            .examples
            .iter()
            .map(|e| ExampleReport {
                invariant: e.invariant.as_str().to_string(),
                run_index: e.run_index,
                seed: e.seed,
                at_ms: e.at_ms,
                detail: e.detail.clone(),
                replay: replay::command(
                    &cell.scenario_ref,
                    &cell.cluster_ref,
                    cell.policy_ref.as_deref(),
                    mutant,
                    Seed(e.seed),
                ),
            })
            .collect();
        let replay = |seed: u64| {
            replay::command(&cell.scenario_ref, &cell.cluster_ref, cell.policy_ref.as_deref(), mutant, Seed(seed))
        };
        let signatures = a
            .signatures
            .iter()
            .map(|s| SignatureReport {
                signature: s.signature.to_string(),
                invariant: s.signature.invariant.to_string(),
                faults: s.signature.faults.iter().map(|f| f.to_string()).collect(),
                runs: s.runs,
                run_index: s.run_index,
                seed: s.seed,
                at_ms: s.at_ms,
                replay: replay(s.seed),
            })
            .collect();
        let inert_faults = scenario
            .faults
            .iter()
            .zip(&a.faults_fired)
            .enumerate()
            .filter(|(_, (_, fired))| **fired == 0 && a.runs > 0)
            .map(|(i, (fault, _))| format!("faults[{i}] ({})", fault.kind()))
            .collect();
        CellReport {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            cluster_id: cell.cluster.cluster_id.clone(),
            policy_id: cell.policy.policy_id.clone(),
            runs: a.runs,
            passed: failures.is_empty(),
            failures,
            detection_ms: Distribution::of(&a.detection_us),
            failover_ms: Distribution::of(&a.failover_us),
            unavailable_ms: Distribution::of(&a.unavailable_us),
            lost_writes: LostWrites {
                total: a.lost_writes_total,
                max: a.lost_writes_max,
                runs_with_loss: a.runs_with_loss,
            },
            failovers: a.failovers,
            false_failovers: a.false_failovers,
            false_failovers_max: a.false_failovers_max,
            runs_with_safety_violations: a.runs_unsafe,
            actions_failed: a.actions_failed,
            events: a.events,
            violations,
            final_states: FinalStates {
                healthy: a.final_states[0],
                degraded: a.final_states[1],
                critical: a.final_states[2],
            },
            inert_faults,
            examples,
            signatures,
            first_miss: a.first_miss.as_ref().map(|m| MissReport {
                run_index: m.run_index,
                seed: m.seed,
                what: m.what.clone(),
                replay: replay::command(
                    &cell.scenario_ref,
                    &cell.cluster_ref,
                    cell.policy_ref.as_deref(),
                    mutant,
                    Seed(m.seed),
                ),
            }),
        }
    }
}

/// The scenario's expectations not met by this cell, each in a sentence.
fn judge(cell: &Cell<'_>, a: &Aggregate) -> Vec<String> {
    let expect = &cell.scenario.expect;
    let mut failures = Vec::new();
    let safety = a.safety_violations();
    if safety > u64::from(expect.max_violations) {
        failures.push(format!("{safety} safety violations, expected at most {}", expect.max_violations));
    }
    let stuck = a.runs_violating[Invariant::Stuck as usize];
    if stuck > 0 {
        failures.push(format!("{stuck} runs got stuck (spent their event budget)"));
    }
    if let (Some(n), true) = (expect.promotions, a.promotion_mismatches > 0) {
        failures
            .push(format!("{} of {} runs did not end with exactly {n} promotion(s)", a.promotion_mismatches, a.runs));
    }
    if let (Some(state), true) = (expect.final_state, a.final_state_mismatches > 0) {
        failures.push(format!("{} of {} runs did not end {}", a.final_state_mismatches, a.runs, state.as_str()));
    }
    for (name, limit_s, histogram) in
        [("detection", expect.detection_p95_s, &a.detection_us), ("failover", expect.failover_p95_s, &a.failover_us)]
    {
        if let (Some(limit_s), Some(p95)) = (limit_s, Distribution::of(histogram).p95) {
            if p95 > limit_s * 1000.0 {
                failures.push(format!("{name} p95 {:.1} s, expected at most {limit_s} s", p95 / 1000.0));
            }
        }
    }
    if let Some(limit) = expect.max_lost_writes.filter(|l| a.lost_writes_max > *l) {
        failures.push(format!("a run lost {} acknowledged writes, expected at most {limit}", a.lost_writes_max));
    }
    if let Some(limit) = expect.max_false_failovers.filter(|l| a.false_failovers_max > u64::from(*l)) {
        failures.push(format!("a run had {} false failovers, expected at most {limit}", a.false_failovers_max));
    }
    failures
}
