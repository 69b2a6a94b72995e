//! A matrix run's progress: which runs of each cell have finished, with their exact
//! aggregates. `failsim run` writes it beside its reports as `progress.json`; an
//! interrupted run resumes from it, and `failsim merge` joins the progress of shards.
//!
//! A progress names its matrix by the command line that built it ([`MatrixSpec`]) and
//! by a fingerprint of the inputs that command line resolved to, so a resume or merge
//! that would mix different scenarios, topologies or policies is refused rather than
//! giving a report no single run could have given.

use super::aggregate::Aggregate;
use super::matrix::{Cell, CellRuns};
use super::runset::RunSet;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::ops::Range;

/// The format identifier written in every progress file; bumped on incompatible changes.
pub const FORMAT: &str = "failsim.progress/1";

/// What the command line named: enough to resolve the same cells again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixSpec {
    /// Scenario references as given; empty for the built-in suite.
    pub scenarios: Vec<String>,
    /// `--cluster` references; empty for each scenario's own topologies.
    pub clusters: Vec<String>,
    pub policy: Option<String>,
    /// `--seeds`; none for each scenario's own count.
    pub seeds: Option<u64>,
    pub master_seed: u64,
    pub mutant: Option<String>,
}

/// The `index`-th of `count` disjoint slices of every cell's runs (1-based, as written
/// on a command line: `--shard 2/3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// The most shards a matrix splits into.
pub const SHARD_COUNT_MAX: u64 = 1_000_000;

impl Shard {
    /// Parses `K/N` with 1 <= K <= N <= [`SHARD_COUNT_MAX`].
    pub fn parse(text: &str) -> Result<Shard, String> {
        let expected = || format!("expected K/N with 1 <= K <= N <= {SHARD_COUNT_MAX}, e.g. 2/3");
        let (index, count) = text.split_once('/').ok_or_else(expected)?;
        let (index, count) = (index.trim().parse::<u64>(), count.trim().parse::<u64>());
        match (index, count) {
            (Ok(index), Ok(count)) if (1..=count).contains(&index) && count <= SHARD_COUNT_MAX => {
                Ok(Shard { index, count })
            }
            _ => Err(expected()),
        }
    }

    /// This shard's part of `runs`: a contiguous slice, the slices of all shards
    /// covering `runs` exactly once and differing in length by at most one run.
    pub fn slice(&self, runs: Range<u64>) -> Range<u64> {
        let len = u128::from(runs.end - runs.start);
        let at = |k: u64| runs.start + (len * u128::from(k) / u128::from(self.count)) as u64;
        at(self.index - 1)..at(self.index)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What has run of a matrix, or of one shard of it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    pub format: String,
    /// The failsim version that ran it: runs of different versions may differ, so they
    /// are never merged.
    pub failsim_version: String,
    pub matrix: MatrixSpec,
    /// See [`fingerprint`].
    pub fingerprint: String,
    /// The slice of the matrix this progress is for; none for the whole matrix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// Wall-clock seconds spent running so far, over every session (for the report's
    /// `timing`; never part of a result).
    pub wall_s: f64,
    /// Whether every run it is for had finished when it was written; false for a
    /// checkpoint or an interrupted run, which `failsim run --resume` continues.
    #[serde(default)]
    pub finished: bool,
    /// One per cell, in the matrix's order.
    pub cells: Vec<CellProgress>,
}

/// One cell's finished runs and their aggregate.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellProgress {
    pub scenario: String,
    pub cluster_id: String,
    pub done: RunSet,
    pub aggregate: Aggregate,
}

impl CellProgress {
    /// Adds runs disjoint from those already done.
    fn absorb(&mut self, done: RunSet, aggregate: Aggregate) {
        self.done.union(&done);
        let mine = std::mem::replace(&mut self.aggregate, Aggregate::new(0));
        self.aggregate = mine.merge(aggregate);
    }
}

/// Why progresses cannot be resumed or merged, in a sentence.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Mismatch(pub String);

/// A SHA-256 over every cell's resolved scenario, topology, policy, references and
/// runs: equal fingerprints mean the same matrix.
pub fn fingerprint(cells: &[Cell<'_>]) -> String {
    let mut hasher = Sha256::new();
    for cell in cells {
        let parts = (cell.scenario, cell.cluster, cell.policy, &cell.scenario_ref, &cell.cluster_ref);
        let json = serde_json::to_string(&(parts, &cell.policy_ref, cell.first_run, cell.runs))
            .expect("models serialize to JSON");
        hasher.update(json.len().to_le_bytes());
        hasher.update(json.as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Progress {
    /// A matrix (or a shard of it) with nothing run yet.
    pub fn start(matrix: MatrixSpec, shard: Option<Shard>, cells: &[Cell<'_>]) -> Progress {
        Progress {
            format: FORMAT.to_string(),
            failsim_version: env!("CARGO_PKG_VERSION").to_string(),
            matrix,
            fingerprint: fingerprint(cells),
            shard,
            wall_s: 0.0,
            finished: false,
            cells: cells
                .iter()
                .map(|cell| CellProgress {
                    scenario: cell.scenario.name.clone(),
                    cluster_id: cell.cluster.cluster_id.clone(),
                    done: RunSet::new(),
                    aggregate: Aggregate::new(cell.scenario.faults.len()),
                })
                .collect(),
        }
    }

    /// Checks that this progress was made on `cells`: the inputs it resolved to then
    /// are the inputs they resolve to now.
    pub fn check_cells(&self, cells: &[Cell<'_>]) -> Result<(), Mismatch> {
        if self.format != FORMAT {
            return Err(Mismatch(format!("format `{}`, expected `{FORMAT}`", self.format)));
        }
        let version = env!("CARGO_PKG_VERSION");
        if self.failsim_version != version {
            return Err(Mismatch(format!("it was made by failsim {}, this is {version}", self.failsim_version)));
        }
        let same_cells = self.cells.len() == cells.len()
            && self.cells.iter().zip(cells).all(|(p, c)| {
                p.scenario == c.scenario.name
                    && p.cluster_id == c.cluster.cluster_id
                    && p.aggregate.faults_fired.len() == c.scenario.faults.len()
            });
        if !same_cells || self.fingerprint != fingerprint(cells) {
            return Err(Mismatch(
                "its scenarios, topologies or policies have changed since it ran (the input fingerprint differs)"
                    .to_string(),
            ));
        }
        for (p, c) in self.cells.iter().zip(cells) {
            if p.aggregate.runs != p.done.len() || !p.done.minus(&c.all_runs()).is_empty() {
                return Err(Mismatch(format!(
                    "{} on {}: its runs and its aggregate disagree, or name runs the cell does not have \
                     (was the file edited?)",
                    p.scenario, p.cluster_id
                )));
            }
        }
        Ok(())
    }

    /// The runs this progress is for, per cell: all, or the shard's slice.
    pub fn owned(&self, cells: &[Cell<'_>]) -> Vec<RunSet> {
        cells
            .iter()
            .map(|cell| {
                let all = cell.first_run..cell.first_run + cell.runs;
                RunSet::of(self.shard.map_or(all.clone(), |shard| shard.slice(all)))
            })
            .collect()
    }

    /// The runs still to do, per cell.
    pub fn todo(&self, cells: &[Cell<'_>]) -> Vec<RunSet> {
        self.owned(cells).iter().zip(&self.cells).map(|(owned, cell)| owned.minus(&cell.done)).collect()
    }

    /// Folds in runs of `cells` that finished since, taking `wall_s` more seconds.
    pub fn add(&mut self, cells: &[Cell<'_>], runs: Vec<CellRuns>, wall_s: f64) {
        for (cell, runs) in self.cells.iter_mut().zip(runs) {
            cell.absorb(runs.done, runs.aggregate);
        }
        self.wall_s += wall_s;
        self.finished = self.todo(cells).iter().all(RunSet::is_empty);
    }

    /// Runs finished, over every cell.
    pub fn runs_done(&self) -> u64 {
        self.cells.iter().map(|c| c.done.len()).sum()
    }

    /// Whether every run of every cell has finished (a shard alone never has).
    pub fn is_complete(&self, cells: &[Cell<'_>]) -> bool {
        cells.iter().zip(&self.cells).all(|(cell, p)| p.done.len() == cell.runs)
    }

    /// Every cell's aggregate, in the matrix's order.
    pub fn into_aggregates(self) -> Vec<Aggregate> {
        self.cells.into_iter().map(|c| c.aggregate).collect()
    }

    /// Joins progresses of one matrix made apart (shards, typically), each with the
    /// name errors call it by: they must name the same matrix with the same inputs, and
    /// no run may have finished in two.
    pub fn merge(pieces: Vec<(String, Progress)>) -> Result<Progress, Mismatch> {
        let mut pieces = pieces.into_iter();
        let (first, mut merged) = pieces.next().ok_or_else(|| Mismatch("nothing to merge".to_string()))?;
        merged.shard = None;
        for (which, piece) in pieces {
            let same_version = piece.failsim_version == merged.failsim_version;
            if piece.format != merged.format
                || !same_version
                || piece.matrix != merged.matrix
                || piece.fingerprint != merged.fingerprint
            {
                return Err(Mismatch(format!(
                    "{which} holds another matrix than {first} (another command line, inputs or failsim version)"
                )));
            }
            if piece.cells.len() != merged.cells.len() {
                return Err(Mismatch(format!(
                    "{which} has {} cells, the first {}",
                    piece.cells.len(),
                    merged.cells.len()
                )));
            }
            for (mine, theirs) in merged.cells.iter_mut().zip(piece.cells) {
                if mine.aggregate.faults_fired.len() != theirs.aggregate.faults_fired.len() {
                    return Err(Mismatch(format!("{which} differs from {first} in {}'s faults", mine.scenario)));
                }
                if mine.done.overlaps(&theirs.done) {
                    let shared = mine.done.minus(&mine.done.minus(&theirs.done));
                    let at = shared.ranges().first().map_or(0, |r| r.start);
                    return Err(Mismatch(format!(
                        "{which} repeats {} runs of {} on {} (from run {at}) that an earlier directory holds: \
                         was a shard given twice?",
                        shared.len(),
                        mine.scenario,
                        mine.cluster_id
                    )));
                }
                mine.absorb(theirs.done, theirs.aggregate);
            }
            merged.wall_s += piece.wall_s;
        }
        Ok(merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_run_once_and_differ_by_at_most_one_run() {
        for runs in [0u64, 1, 2, 7, 100, 101] {
            for count in [1u64, 2, 3, 7, 150] {
                let mut covered = RunSet::new();
                let mut lengths = Vec::new();
                for index in 1..=count {
                    let slice = Shard { index, count }.slice(5..5 + runs);
                    assert!(!covered.overlaps(&RunSet::of(slice.clone())));
                    lengths.push(slice.end - slice.start);
                    covered.insert(slice);
                }
                assert_eq!(covered, RunSet::of(5..5 + runs), "{runs} runs in {count} shards");
                let (min, max) = (lengths.iter().min().unwrap(), lengths.iter().max().unwrap());
                assert!(max - min <= 1, "{runs} runs in {count} shards: lengths {lengths:?}");
            }
        }
    }

    #[test]
    fn shard_text_is_k_of_n() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(Shard::parse("2/3").unwrap().to_string(), "2/3");
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/3", "1/1000001"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
