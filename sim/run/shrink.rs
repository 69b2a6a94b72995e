//! Shrinking a failing run to a minimal fault schedule that still breaks the same
//! invariant, for `failsim shrink`.
//!
//! The run is first made concrete (`faults::concrete`: every sampled time and
//! parameter fixed, drawn selectors fixed to what they picked), and the concrete
//! scenario is run to check that it still breaks the invariant. Then delta debugging
//! (`steps`) reduces it, one deterministic run with the same seed per candidate, a
//! candidate kept only when the invariant still breaks: drop faults, cut the run's
//! duration, shorten windows, move faults earlier, round parameters; again until a
//! round changes nothing or the run budget is spent.
//!
//! "The same violation" is the same invariant broken at least once, anywhere in the
//! run: details and times change as the schedule shrinks, and the signature (the kinds
//! of the faults that acted) changes by design when faults are dropped.
//!
//! Pure: the same request gives the same result; nothing here reads a clock or writes.

mod knobs;
mod steps;

use super::single::{run, run_armed, RunOutcome, RunRequest};
use crate::check::{Invariant, Violation};
use crate::control::standard::Mutant;
use crate::engine::Seed;
use crate::faults::{self, Placement};
use crate::model::{Cluster, Fault, Policy, Problems, Scenario};
use std::fmt;

/// Runs a shrink spends at most unless told otherwise (a run is well under a
/// millisecond, so this is a fraction of a second, and ample for built-in scenarios).
pub const RUNS_MAX_DEFAULT: u32 = 2000;

/// What to shrink: one run, and the invariant that must keep breaking.
#[derive(Clone, Copy, Debug)]
pub struct ShrinkRequest<'a> {
    pub scenario: &'a Scenario,
    pub cluster: &'a Cluster,
    pub policy: &'a Policy,
    pub mutant: Option<Mutant>,
    pub seed: Seed,
    /// The invariant to keep broken; `None`: that of the run's first violation.
    pub invariant: Option<Invariant>,
    /// The most candidate runs to spend.
    pub runs_max: u32,
}

/// How big a schedule and its run are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Size {
    pub faults: usize,
    pub duration_s: f64,
    /// Lines of the run's trace (what `failsim replay --trace` writes): the trace length.
    pub trace_lines: usize,
    pub events: u64,
}

/// A shrunk run.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub invariant: Invariant,
    /// The original run's first violation of the invariant.
    pub original: Violation,
    /// The request's scenario with the shrunk faults and duration.
    pub scenario: Scenario,
    /// The original run.
    pub before: Size,
    /// The concrete schedule's run, before any reduction.
    pub concrete: Size,
    /// Whether the concrete run showed the very same facts and violations as the original.
    pub concrete_identical: bool,
    pub after: Size,
    /// The shrunk run's first violation of the invariant.
    pub violation: Violation,
    /// Candidate runs spent (the original, concrete and final runs not counted).
    pub runs: u32,
    /// Whether the run budget ran out before a fixpoint.
    pub budget_spent: bool,
}

/// Why a run cannot be shrunk.
#[derive(Clone, Debug, PartialEq)]
pub enum ShrinkError {
    /// The run breaks no invariant: there is nothing to keep.
    NoViolation,
    /// The run does not break the invariant asked for (it breaks these).
    NotBroken { invariant: Invariant, broken: Vec<Invariant> },
    /// The concrete schedule no longer breaks the invariant (it would be a bug of the
    /// concrete schedule: the original run is reproducible, the concrete one should be too).
    NotReproduced { invariant: Invariant },
}

impl fmt::Display for ShrinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShrinkError::NoViolation => f.write_str("the run breaks no invariant: nothing to shrink"),
            ShrinkError::NotBroken { invariant, broken } => {
                let names: Vec<&str> = broken.iter().map(|i| i.as_str()).collect();
                write!(f, "the run does not break {} (it breaks: {})", invariant.as_str(), names.join(", "))
            }
            ShrinkError::NotReproduced { invariant } => write!(
                f,
                "the run's concrete schedule (sampled values fixed) no longer breaks {}: cannot shrink it",
                invariant.as_str()
            ),
        }
    }
}

impl std::error::Error for ShrinkError {}

/// Shrinks one failing run.
///
/// # Errors
/// The run breaks no invariant, or not the one asked for ([`ShrinkError`]); or its
/// concrete schedule does not break it.
pub fn shrink(request: &ShrinkRequest<'_>) -> Result<Shrunk, ShrinkError> {
    let (original, armed) = run_armed(&run_request(request, request.scenario, true));
    let invariant = chosen(request.invariant, &original)?;
    let first = original.violations.iter().find(|v| v.invariant == invariant).cloned();
    let first = first.expect("a broken invariant keeps its first violation");
    let mut concrete_scenario = request.scenario.clone();
    concrete_scenario.faults = faults::concrete(&request.scenario.faults, &armed, &Placement::of(request.cluster));
    let concrete = run(&run_request(request, &concrete_scenario, true));
    if broken(&concrete, invariant) == 0 {
        return Err(ShrinkError::NotReproduced { invariant });
    }
    let concrete_identical = concrete.facts == original.facts && concrete.violations == original.violations;

    let mut search = steps::Search::new(request, invariant, concrete_scenario.clone());
    loop {
        let before = search.current.clone();
        search.round();
        if search.current == before || search.budget_spent() {
            break;
        }
    }
    let scenario = search.scenario(&search.current);
    let shrunk = run(&run_request(request, &scenario, true));
    let violation = shrunk.violations.iter().find(|v| v.invariant == invariant).cloned();
    let violation = violation.expect("the shrunk schedule was kept because it breaks the invariant, and runs are pure");
    Ok(Shrunk {
        invariant,
        original: first,
        before: size(request.scenario, &original),
        concrete: size(&concrete_scenario, &concrete),
        concrete_identical,
        after: size(&scenario, &shrunk),
        scenario,
        violation,
        runs: search.runs,
        budget_spent: search.budget_spent(),
    })
}

fn run_request<'a>(request: &ShrinkRequest<'a>, scenario: &'a Scenario, trace: bool) -> RunRequest<'a> {
    RunRequest {
        scenario,
        cluster: request.cluster,
        policy: request.policy,
        seed: request.seed,
        mutant: request.mutant,
        trace,
    }
}

/// The invariant to keep broken: the one asked for, else the first violation's.
fn chosen(asked: Option<Invariant>, outcome: &RunOutcome) -> Result<Invariant, ShrinkError> {
    let first = outcome.violations.first().ok_or(ShrinkError::NoViolation)?;
    match asked {
        None => Ok(first.invariant),
        Some(invariant) if broken(outcome, invariant) > 0 => Ok(invariant),
        Some(invariant) => {
            let breaks = Invariant::ALL.into_iter().filter(|i| broken(outcome, *i) > 0).collect();
            Err(ShrinkError::NotBroken { invariant, broken: breaks })
        }
    }
}

/// How many times the run broke `invariant`.
fn broken(outcome: &RunOutcome, invariant: Invariant) -> u32 {
    outcome.violation_counts[invariant as usize]
}

fn size(scenario: &Scenario, outcome: &RunOutcome) -> Size {
    Size {
        faults: scenario.faults.len(),
        duration_s: scenario.duration_s,
        trace_lines: outcome.trace.as_ref().map_or(0, Vec::len),
        events: outcome.metrics.events,
    }
}

/// Whether a scenario with these faults and this duration passes validation.
fn valid(scenario: &Scenario) -> bool {
    let mut problems = Problems::default();
    scenario.validate(&mut problems);
    problems.first_error().is_none()
}

/// What the shrinker changes: the faults and the run's duration.
#[derive(Clone, Debug, PartialEq)]
struct Schedule {
    faults: Vec<Fault>,
    duration_s: f64,
}
