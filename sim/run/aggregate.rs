//! Streaming aggregation of runs into one summary per (scenario, topology) cell.
//!
//! Everything here merges exactly and in any order: integer counters, hdrhistograms
//! (microseconds of virtual time, merged by adding counts), example violations kept
//! by lowest run index, and each signature's runs with the one that breaks it soonest
//! (ties to the lower run index). So the thread count, the order runs finish in, and the
//! number of shards cannot change a single byte of the result. Memory is flat in the
//! number of runs: a run folds in and is dropped.

mod persist;

use super::signature::{self, Signature};
use super::single::RunOutcome;
use crate::check::Invariant;
use crate::model::{ClusterState, Scenario};
use hdrhistogram::Histogram;
use persist::histogram_buckets;
use serde::{Deserialize, Serialize};

/// Significant figures the latency histograms keep (relative error 0.1%).
pub const HISTOGRAM_SIGFIGS: u8 = 3;
/// Example violations kept per (cell, invariant).
pub const EXAMPLES_PER_INVARIANT: usize = 3;

/// One kept example violation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub run_index: u64,
    pub seed: u64,
    pub invariant: Invariant,
    pub at_ms: f64,
    pub detail: String,
}

/// One signature's runs in a cell, and the run that breaks it soonest in virtual time
/// (the shortest reproduction; the lower run index on a tie).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignatureSeen {
    pub signature: Signature,
    pub runs: u64,
    pub run_index: u64,
    pub seed: u64,
    pub at_ms: f64,
}

impl SignatureSeen {
    fn sooner_than(&self, other: &SignatureSeen) -> bool {
        self.at_ms.total_cmp(&other.at_ms).then(self.run_index.cmp(&other.run_index)).is_lt()
    }
}

/// A run that missed the scenario's expected promotions or final state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Miss {
    pub run_index: u64,
    pub seed: u64,
    pub what: String,
}

/// The summary of one cell's runs. Serialized into progress files (shards, resumable
/// runs), and read back exactly (see [`persist`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregate {
    pub runs: u64,
    #[serde(with = "histogram_buckets")]
    pub detection_us: Histogram<u64>,
    #[serde(with = "histogram_buckets")]
    pub failover_us: Histogram<u64>,
    #[serde(with = "histogram_buckets")]
    pub unavailable_us: Histogram<u64>,
    pub lost_writes_total: u64,
    pub lost_writes_max: u64,
    pub runs_with_loss: u64,
    pub failovers: u64,
    pub false_failovers: u64,
    /// The most false failovers in any one run.
    pub false_failovers_max: u64,
    pub actions_failed: u64,
    pub events: u64,
    /// Per invariant (`Invariant::ALL` order): violations, and runs with at least one.
    pub violations: [u64; 9],
    pub runs_violating: [u64; 9],
    /// Runs with at least one safety violation, of any invariant.
    pub runs_unsafe: u64,
    /// Runs ending in each state: healthy, degraded, critical.
    pub final_states: [u64; 3],
    /// Runs whose promotion count differed from the expected one (when one is expected).
    pub promotion_mismatches: u64,
    /// Runs whose final state differed from the expected one (when one is expected).
    pub final_state_mismatches: u64,
    /// The lowest-indexed run that missed an expected promotion count or final state.
    pub first_miss: Option<Miss>,
    /// Per fault of the scenario, runs in which it acted.
    pub faults_fired: Vec<u64>,
    pub examples: Vec<Example>,
    /// Every signature seen, sorted by signature.
    pub signatures: Vec<SignatureSeen>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new(HISTOGRAM_SIGFIGS).expect("valid significant figures")
}

/// Records a value; the histograms resize themselves to any u64, so this cannot fail.
fn record(histogram: &mut Histogram<u64>, value: u64) {
    histogram.record(value).expect("auto-resizing histograms take any value");
}

fn micros(ms: f64) -> u64 {
    (ms * 1000.0).round().max(0.0) as u64
}

impl Aggregate {
    pub fn new(fault_count: usize) -> Aggregate {
        Aggregate {
            runs: 0,
            detection_us: histogram(),
            failover_us: histogram(),
            unavailable_us: histogram(),
            lost_writes_total: 0,
            lost_writes_max: 0,
            runs_with_loss: 0,
            failovers: 0,
            false_failovers: 0,
            false_failovers_max: 0,
            actions_failed: 0,
            events: 0,
            violations: [0; 9],
            runs_violating: [0; 9],
            runs_unsafe: 0,
            final_states: [0; 3],
            promotion_mismatches: 0,
            final_state_mismatches: 0,
            first_miss: None,
            faults_fired: vec![0; fault_count],
            examples: Vec::new(),
            signatures: Vec::new(),
        }
    }

    /// Folds one run in. `expected` is the scenario's (promotions, final state).
    pub fn add(&mut self, run_index: u64, outcome: &RunOutcome, expected: (Option<u32>, Option<ClusterState>)) {
        let m = &outcome.metrics;
        self.runs += 1;
        if let Some(ms) = m.detection_ms {
            record(&mut self.detection_us, micros(ms));
        }
        if let Some(ms) = m.failover_ms {
            record(&mut self.failover_us, micros(ms));
        }
        record(&mut self.unavailable_us, micros(m.unavailable_ms));
        self.lost_writes_total += m.lost_writes;
        self.lost_writes_max = self.lost_writes_max.max(m.lost_writes);
        self.runs_with_loss += u64::from(m.lost_writes > 0);
        self.failovers += u64::from(m.failovers);
        self.false_failovers += u64::from(m.false_failovers);
        self.false_failovers_max = self.false_failovers_max.max(u64::from(m.false_failovers));
        self.actions_failed += u64::from(m.actions_failed);
        self.events += m.events;
        for (i, count) in outcome.violation_counts.iter().enumerate() {
            self.violations[i] += u64::from(*count);
            self.runs_violating[i] += u64::from(*count > 0);
        }
        let unsafe_run = Invariant::ALL.iter().any(|i| i.is_safety() && outcome.violation_counts[*i as usize] > 0);
        self.runs_unsafe += u64::from(unsafe_run);
        self.final_states[outcome.final_state as usize] += 1;
        let promoted = m.failovers_promoted.len();
        let mut missed = Vec::new();
        if let Some(n) = expected.0.filter(|n| *n as usize != promoted) {
            self.promotion_mismatches += 1;
            missed.push(format!("{promoted} promotion(s), expected {n}"));
        }
        if let Some(state) = expected.1.filter(|s| *s != outcome.final_state) {
            self.final_state_mismatches += 1;
            missed.push(format!("ended {}, expected {}", outcome.final_state.as_str(), state.as_str()));
        }
        if !missed.is_empty() {
            let miss = Miss { run_index, seed: outcome.seed.0, what: missed.join("; ") };
            self.keep_miss(miss);
        }
        for (count, fired) in self.faults_fired.iter_mut().zip(&outcome.fired) {
            *count += u64::from(*fired);
        }
        for violation in &outcome.violations {
            self.keep_example(Example {
                run_index,
                seed: outcome.seed.0,
                invariant: violation.invariant,
                at_ms: violation.at_ms,
                detail: violation.detail.clone(),
            });
        }
    }

    fn keep_miss(&mut self, miss: Miss) {
        if self.first_miss.as_ref().is_none_or(|m| miss.run_index < m.run_index) {
            self.first_miss = Some(miss);
        }
    }

    /// Keeps the example if it is among the lowest-indexed few of its invariant.
    /// Folds in the signatures of `outcome`'s violations (see [`signature`]).
    pub fn add_signatures(&mut self, run_index: u64, outcome: &RunOutcome, scenario: &Scenario) {
        for signature in signature::signatures(outcome, scenario) {
            let at_ms = outcome
                .violations
                .iter()
                .filter(|v| v.invariant.as_str() == signature.invariant)
                .map(|v| v.at_ms)
                .fold(f64::INFINITY, f64::min);
            let seen = SignatureSeen { signature, runs: 1, run_index, seed: outcome.seed.0, at_ms };
            self.keep_signature(seen);
        }
    }

    fn keep_signature(&mut self, seen: SignatureSeen) {
        match self.signatures.binary_search_by(|s| s.signature.cmp(&seen.signature)) {
            Ok(i) => {
                let kept = &mut self.signatures[i];
                let runs = kept.runs + seen.runs;
                if seen.sooner_than(kept) {
                    *kept = seen;
                }
                kept.runs = runs;
            }
            Err(i) => self.signatures.insert(i, seen),
        }
    }

    fn keep_example(&mut self, example: Example) {
        let same: Vec<usize> =
            (0..self.examples.len()).filter(|&i| self.examples[i].invariant == example.invariant).collect();
        let key = |e: &Example| (e.run_index, (e.at_ms * 1000.0) as u64);
        if same.len() < EXAMPLES_PER_INVARIANT {
            self.examples.push(example);
        } else if let Some(&worst) = same.iter().max_by_key(|&&i| key(&self.examples[i])) {
            if key(&example) < key(&self.examples[worst]) {
                self.examples[worst] = example;
            }
        }
        self.examples.sort_by(|a, b| {
            (a.invariant, a.run_index).cmp(&(b.invariant, b.run_index)).then(a.at_ms.total_cmp(&b.at_ms))
        });
    }

    /// Merges another cell summary of the same cell into this one.
    pub fn merge(mut self, other: Aggregate) -> Aggregate {
        self.runs += other.runs;
        self.detection_us.add(&other.detection_us).expect("histograms of one configuration merge");
        self.failover_us.add(&other.failover_us).expect("histograms of one configuration merge");
        self.unavailable_us.add(&other.unavailable_us).expect("histograms of one configuration merge");
        self.lost_writes_total += other.lost_writes_total;
        self.lost_writes_max = self.lost_writes_max.max(other.lost_writes_max);
        self.runs_with_loss += other.runs_with_loss;
        self.failovers += other.failovers;
        self.false_failovers += other.false_failovers;
        self.false_failovers_max = self.false_failovers_max.max(other.false_failovers_max);
        self.actions_failed += other.actions_failed;
        self.events += other.events;
        for i in 0..9 {
            self.violations[i] += other.violations[i];
            self.runs_violating[i] += other.runs_violating[i];
        }
        self.runs_unsafe += other.runs_unsafe;
        for i in 0..3 {
            self.final_states[i] += other.final_states[i];
        }
        self.promotion_mismatches += other.promotion_mismatches;
        self.final_state_mismatches += other.final_state_mismatches;
        for (mine, theirs) in self.faults_fired.iter_mut().zip(other.faults_fired) {
            *mine += theirs;
        }
        for example in other.examples {
            self.keep_example(example);
        }
        for seen in other.signatures {
            self.keep_signature(seen);
        }
        if let Some(miss) = other.first_miss {
            self.keep_miss(miss);
        }
        self
    }

    /// Safety violations over all runs.
    pub fn safety_violations(&self) -> u64 {
        Invariant::ALL.iter().filter(|i| i.is_safety()).map(|i| self.violations[*i as usize]).sum()
    }
}
