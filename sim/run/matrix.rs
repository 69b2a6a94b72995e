//! The matrix: scenarios x topologies x seeds, run on rayon's thread pool and folded
//! into one [`Aggregate`] per cell as runs finish.
//!
//! A run's seed depends only on (master seed, scenario, topology, run index), and the
//! aggregation is exact and order-independent, so the result is the same whatever the
//! thread count. The caller chooses the pool (`ThreadPool::install`).

use super::aggregate::Aggregate;
use super::single::{self, RunRequest};
use crate::control::standard::Mutant;
use crate::engine::derive_seed;
use crate::model::{Cluster, Policy, Scenario};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// One (scenario, topology) pair with its policy and run count, and the references
/// that name each on a command line (for replay commands).
#[derive(Clone, Debug)]
pub struct Cell<'a> {
    pub scenario: &'a Scenario,
    pub scenario_ref: String,
    pub cluster: &'a Cluster,
    pub cluster_ref: String,
    pub policy: &'a Policy,
    pub policy_ref: Option<String>,
    /// Runs: indices `first_run .. first_run + runs`.
    pub first_run: u64,
    pub runs: u64,
}

/// Options shared by every run of a matrix.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub master_seed: u64,
    pub mutant: Option<Mutant>,
    /// Common random numbers: run `i` of a scenario gets the same seed on every
    /// topology (its faults then strike at the same times everywhere), so differences
    /// between topologies come from the topologies, not from luck. `compare` uses it.
    pub common_seeds: bool,
}

/// The topology part of the seed derivation under [`Options::common_seeds`]: the
/// empty name, which no topology can have (validation refuses an empty `cluster_id`).
pub const COMMON_SEEDS_TOPOLOGY: &str = "";

/// Runs every cell; `done` counts finished runs (for a progress display).
pub fn run(cells: &[Cell<'_>], options: Options, done: &AtomicU64) -> Vec<Aggregate> {
    cells.par_iter().map(|cell| run_cell(cell, options, done)).collect()
}

impl<'a> Cell<'a> {
    /// The request for run `index` of this cell: its seed derived from (master seed,
    /// scenario, topology, index), as every caller that names a run by index must.
    pub fn request(&self, index: u64, options: Options, trace: bool) -> RunRequest<'a> {
        let topology = if options.common_seeds { COMMON_SEEDS_TOPOLOGY } else { self.cluster.cluster_id.as_str() };
        let seed = derive_seed(options.master_seed, &self.scenario.name, topology, index);
        RunRequest {
            scenario: self.scenario,
            cluster: self.cluster,
            policy: self.policy,
            seed,
            mutant: options.mutant,
            trace,
        }
    }
}

/// Runs one cell's seeds in parallel and folds them.
pub fn run_cell(cell: &Cell<'_>, options: Options, done: &AtomicU64) -> Aggregate {
    let faults = cell.scenario.faults.len();
    let expected = (cell.scenario.expect.promotions, cell.scenario.expect.final_state);
    let runs = usize::try_from(cell.runs).expect("a run count that fits in memory's address space");
    (0..runs)
        .into_par_iter()
        // Each split starts an aggregate (three histograms) that must be merged later;
        // a run is only tens of microseconds, so keep splits to a few dozen runs.
        .with_min_len(32)
        .fold(
            || Aggregate::new(faults),
            |mut aggregate, offset| {
                let index = cell.first_run + offset as u64;
                let outcome = single::run(&cell.request(index, options, false));
                aggregate.add(index, &outcome, expected);
                aggregate.add_signatures(index, &outcome, cell.scenario);
                done.fetch_add(1, Ordering::Relaxed);
                aggregate
            },
        )
        .reduce(|| Aggregate::new(faults), Aggregate::merge)
}
