//! Hunting: runs seed after seed until one breaks an invariant that counts as a
//! finding, or the budget is spent, and reports the first catching run and every
//! distinct signature found alongside it.
//!
//! Runs go in fixed-size batches, each batch in parallel on the caller's rayon pool,
//! and the hunt stops after the first batch with a finding. Within a batch runs are
//! ordered by their position in the hunt, so the first catching run, and the batch
//! it is reported with, do not depend on the thread count.
//!
//! Pure: nothing here reads a clock or writes a file.

use super::matrix::{Cell, Options};
use super::signature::{fault_kinds_fired, signatures, Signature};
use super::single::{self, RunOutcome};
use super::swarm::Swarm;
use crate::check::{Invariant, Violation};
use crate::control::standard::Mutant;
use crate::engine::{derive_seed, Seed};
use crate::model::{Cluster, Policy, Scenario};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Runs per batch. Fixed, not derived from the thread count: the distinct signatures
/// reported are those of the catching batch, and must not change with it.
pub const BATCH_RUNS: u64 = 64;

/// The scenario-name part of a swarm seed's derivation: seed index `i` of a hunt under
/// master seed `m` is `derive_seed(m, "swarm", "", i)`.
pub const SWARM_SEED_NAME: &str = "swarm";

/// The signature's "invariant" for a run that missed its scenario's expectations.
pub const EXPECTATIONS: &str = "expectations";

/// Which invariants make a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Findings {
    /// The six safety invariants. The default: heavy random faults can keep a correct
    /// control plane from recovering in time (`rto`), which is no bug.
    Safety,
    /// Every invariant, `rto`, `liveness` and `stuck` included, and the scenario's
    /// expectations that hold run by run (promotions, final state, lost writes, false
    /// failovers), under the signature name [`EXPECTATIONS`].
    All,
}

impl Findings {
    pub fn counts(self, invariant: Invariant) -> bool {
        self == Findings::All || invariant.is_safety()
    }
}

/// Where a hunt's runs come from.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// One drawn scenario per seed index, under its drawn policy or the one given.
    Swarm { swarm: &'a Swarm, policy: Option<&'a Policy> },
    /// Every cell per seed index: run `i` of each cell, with the seed `failsim run`
    /// gives it, so hunt and run agree on what run `i` is.
    Cells(&'a [Cell<'a>]),
}

/// One run of a hunt, named.
pub struct Trial<'a> {
    /// Position in the hunt's order: `seed_index * runs_per_seed + cell`.
    pub run: u64,
    pub seed_index: u64,
    pub seed: Seed,
    pub scenario: Cow<'a, Scenario>,
    pub cluster: &'a Cluster,
    pub policy: &'a Policy,
    /// The cell's position (0 for the swarm).
    pub cell: usize,
}

impl<'a> Source<'a> {
    /// Runs per seed index: one for the swarm, one per cell otherwise.
    pub fn runs_per_seed(&self) -> u64 {
        match self {
            Source::Swarm { .. } => 1,
            Source::Cells(cells) => cells.len() as u64,
        }
    }

    /// Run number `run` of a hunt under `master_seed`.
    pub fn trial(&self, run: u64, master_seed: u64) -> Trial<'a> {
        match *self {
            Source::Swarm { swarm, policy } => {
                let seed = derive_seed(master_seed, SWARM_SEED_NAME, "", run);
                let draw = swarm.draw(seed);
                let (scenario, cluster) = (Cow::Owned(draw.scenario), draw.cluster);
                let policy = policy.unwrap_or(draw.policy);
                Trial { run, seed_index: run, seed, scenario, cluster, policy, cell: 0 }
            }
            Source::Cells(cells) => {
                let (seed_index, cell) = (run / cells.len() as u64, (run % cells.len() as u64) as usize);
                let options = Options { master_seed, ..Options::default() };
                let request = cells[cell].request(seed_index, options, false);
                let scenario = Cow::Borrowed(cells[cell].scenario);
                Trial {
                    run,
                    seed_index,
                    seed: request.seed,
                    scenario,
                    cluster: request.cluster,
                    policy: request.policy,
                    cell,
                }
            }
        }
    }
}

/// What to hunt for, and for how long.
#[derive(Clone, Copy, Debug)]
pub struct Hunt {
    pub master_seed: u64,
    pub mutant: Option<Mutant>,
    pub findings: Findings,
    /// Seed indices to try: `0 .. budget_seeds`.
    pub budget_seeds: u64,
}

/// A run with a finding.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Catch {
    pub run: u64,
    pub seed_index: u64,
    pub seed: Seed,
    pub cell: usize,
    /// One per invariant that counts, in `Invariant::ALL` order.
    pub signatures: Vec<Signature>,
    /// The kept violations of the invariants that count.
    pub violations: Vec<Violation>,
    /// The scenario's expectations this run missed (only under `Findings::All`).
    pub missed: Vec<String>,
    /// Positions of the scenario's faults that never acted in this run.
    pub inert_faults: Vec<usize>,
}

/// What a hunt found.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Outcome {
    /// Runs done: up to the end of the catching batch, or the whole budget.
    pub runs: u64,
    /// The lowest-numbered catching run; runs to detection is its `run + 1`.
    pub first: Option<Catch>,
    /// Every distinct signature of the catching batch, each with its lowest-numbered
    /// run, in the order they were first seen.
    pub distinct: Vec<(Signature, u64)>,
    /// Runs in which some configured fault never acted (over all runs done).
    pub runs_with_inert_faults: u64,
}

/// Hunts on the caller's rayon pool.
pub fn hunt(source: &Source<'_>, hunt: &Hunt) -> Outcome {
    let total = hunt.budget_seeds.saturating_mul(source.runs_per_seed());
    let mut runs_with_inert_faults = 0;
    let mut start = 0;
    while start < total {
        let end = total.min(start + BATCH_RUNS);
        let judged: Vec<(bool, Option<Catch>)> = (start..end)
            .into_par_iter()
            .map(|run| {
                let trial = source.trial(run, hunt.master_seed);
                let outcome = super::replay::naming_the_run_on_panic(
                    || single::run(&request(&trial, hunt.mutant)),
                    || {
                        let (scenario, cluster) = (&trial.scenario.name, &trial.cluster.cluster_id);
                        format!("the hunt's run {run}: {scenario} on {cluster} with seed {}", trial.seed.0)
                    },
                );
                let inert = outcome.fired.iter().any(|fired| !fired);
                (inert, catch(&trial, &outcome, hunt.findings))
            })
            .collect();
        runs_with_inert_faults += judged.iter().filter(|(inert, _)| *inert).count() as u64;
        let catches: Vec<Catch> = judged.into_iter().filter_map(|(_, catch)| catch).collect();
        if let Some(first) = catches.first() {
            let mut distinct: BTreeMap<&Signature, u64> = BTreeMap::new();
            let mut order = Vec::new();
            for catch in &catches {
                for signature in &catch.signatures {
                    distinct.entry(signature).or_insert_with(|| {
                        order.push((signature.clone(), catch.run));
                        catch.run
                    });
                }
            }
            return Outcome { runs: end, first: Some(first.clone()), distinct: order, runs_with_inert_faults };
        }
        start = end;
    }
    Outcome { runs: total, first: None, distinct: Vec::new(), runs_with_inert_faults }
}

/// The request of one trial.
pub fn request<'a>(trial: &'a Trial<'_>, mutant: Option<Mutant>) -> single::RunRequest<'a> {
    single::RunRequest {
        scenario: &trial.scenario,
        cluster: trial.cluster,
        policy: trial.policy,
        seed: trial.seed,
        mutant,
        trace: false,
    }
}

/// The trial's finding, if its run broke an invariant that counts.
fn catch(trial: &Trial<'_>, outcome: &RunOutcome, findings: Findings) -> Option<Catch> {
    let counted: Vec<Invariant> = Invariant::ALL
        .into_iter()
        .filter(|i| findings.counts(*i) && outcome.violation_counts[*i as usize] > 0)
        .collect();
    let missed = if findings == Findings::All { expectations_missed(&trial.scenario, outcome) } else { Vec::new() };
    if counted.is_empty() && missed.is_empty() {
        return None;
    }
    let mut signatures: Vec<Signature> = signatures(outcome, &trial.scenario)
        .into_iter()
        .filter(|s| counted.iter().any(|i| i.as_str() == s.invariant))
        .collect();
    if !missed.is_empty() {
        signatures.push(Signature { invariant: EXPECTATIONS, faults: fault_kinds_fired(outcome, &trial.scenario) });
    }
    Some(Catch {
        run: trial.run,
        seed_index: trial.seed_index,
        seed: trial.seed,
        cell: trial.cell,
        signatures,
        violations: outcome.violations.iter().filter(|v| counted.contains(&v.invariant)).cloned().collect(),
        missed,
        inert_faults: outcome.fired.iter().enumerate().filter(|(_, fired)| !**fired).map(|(i, _)| i).collect(),
    })
}

/// The scenario's expectations that one run can miss on its own, each in a phrase.
/// (The p95 thresholds and `max_violations` are judged over all of a cell's runs.)
fn expectations_missed(scenario: &Scenario, outcome: &RunOutcome) -> Vec<String> {
    let (expect, metrics) = (&scenario.expect, &outcome.metrics);
    let promoted = metrics.failovers_promoted.len();
    let mut missed = Vec::new();
    if let Some(n) = expect.promotions.filter(|n| *n as usize != promoted) {
        missed.push(format!("{promoted} promotion(s), expected {n}"));
    }
    if let Some(state) = expect.final_state.filter(|s| *s != outcome.final_state) {
        missed.push(format!("ended {}, expected {}", outcome.final_state.as_str(), state.as_str()));
    }
    if let Some(limit) = expect.max_lost_writes.filter(|l| metrics.lost_writes > *l) {
        missed.push(format!("lost {} acknowledged writes, expected at most {limit}", metrics.lost_writes));
    }
    if let Some(limit) = expect.max_false_failovers.filter(|l| metrics.false_failovers > *l) {
        missed.push(format!("{} false failovers, expected at most {limit}", metrics.false_failovers));
    }
    missed
}
