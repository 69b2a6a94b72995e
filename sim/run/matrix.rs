//! The matrix: scenarios x topologies x seeds, run on rayon's thread pool and folded
//! into one [`Aggregate`] per cell as runs finish.
//!
//! A run's seed depends only on (master seed, scenario, topology, run index), and the
//! aggregation is exact and order-independent, so the result is the same whatever the
//! thread count, and whether the runs of a cell ran in one go, in shards, or before and
//! after an interruption ([`run_until`] runs any subset and says which runs finished).
//! The caller chooses the pool (`ThreadPool::install`).

use super::aggregate::Aggregate;
use super::replay;
use super::runset::RunSet;
use super::single::{self, RunRequest};
use crate::control::standard::Mutant;
use crate::engine::derive_seed;
use crate::model::{Cluster, Policy, Scenario};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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
    let todo: Vec<RunSet> = cells.iter().map(Cell::all_runs).collect();
    let never = AtomicBool::new(false);
    run_until(cells, &todo, options, done, &never).into_iter().map(|runs| runs.aggregate).collect()
}

/// What has run of one cell: which runs, and their aggregate.
#[derive(Clone, Debug)]
pub struct CellRuns {
    pub done: RunSet,
    pub aggregate: Aggregate,
}

impl CellRuns {
    /// Nothing run yet of a cell whose scenario has `fault_count` faults.
    pub fn none(fault_count: usize) -> CellRuns {
        CellRuns { done: RunSet::new(), aggregate: Aggregate::new(fault_count) }
    }

    /// Both sets of runs; they must be disjoint, or a run would count twice.
    pub fn merge(mut self, other: CellRuns) -> CellRuns {
        debug_assert!(!self.done.overlaps(&other.done), "merging runs that overlap");
        self.done.union(&other.done);
        CellRuns { done: self.done, aggregate: self.aggregate.merge(other.aggregate) }
    }
}

/// Runs `todo[i]` of each cell `i` until `stop` is set: once it is, no run starts, and
/// the runs under way finish. Returns, per cell, the runs that finished and their
/// aggregate; `done` counts them as they finish.
pub fn run_until(
    cells: &[Cell<'_>],
    todo: &[RunSet],
    options: Options,
    done: &AtomicU64,
    stop: &AtomicBool,
) -> Vec<CellRuns> {
    cells.par_iter().zip(todo).map(|(cell, todo)| run_cell(cell, todo, options, done, stop)).collect()
}

impl<'a> Cell<'a> {
    /// Every run of the cell.
    pub fn all_runs(&self) -> RunSet {
        RunSet::of(self.first_run..self.first_run + self.runs)
    }

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

/// Runs the runs `todo` of one cell in parallel, until `stop`, and folds them.
fn run_cell(cell: &Cell<'_>, todo: &RunSet, options: Options, done: &AtomicU64, stop: &AtomicBool) -> CellRuns {
    let faults = cell.scenario.faults.len();
    let expected = (cell.scenario.expect.promotions, cell.scenario.expect.final_state);
    let indices = |range: &std::ops::Range<u64>| {
        let index = |i: u64| usize::try_from(i).expect("a run index that fits in memory's address space");
        // Each split starts an aggregate (three histograms) that must be merged later;
        // a run is only tens of microseconds, so keep splits to a few dozen runs.
        (index(range.start)..index(range.end)).into_par_iter().with_min_len(32)
    };
    todo.ranges()
        .par_iter()
        .flat_map(indices)
        .fold(
            || CellRuns::none(faults),
            |mut runs, index| {
                if stop.load(Ordering::Relaxed) {
                    return runs;
                }
                let index = index as u64;
                let request = cell.request(index, options, false);
                let outcome = replay::naming_the_run_on_panic(
                    || single::run(&request),
                    || {
                        let (scenario, cluster, policy) =
                            (&cell.scenario_ref, &cell.cluster_ref, cell.policy_ref.as_deref());
                        replay::command(scenario, cluster, policy, options.mutant, request.seed)
                    },
                );
                runs.aggregate.add(index, &outcome, expected);
                runs.aggregate.add_signatures(index, &outcome, cell.scenario);
                runs.done.insert(index..index + 1);
                done.fetch_add(1, Ordering::Relaxed);
                runs
            },
        )
        .reduce(|| CellRuns::none(faults), CellRuns::merge)
}
