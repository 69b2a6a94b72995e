//! A violation's signature: the invariant it broke and the kinds of the faults that
//! acted in its run. Two violations with one signature are taken to be one finding
//! (the same bug, reached by the same kind of trouble), so reports and `hunt` list each
//! signature once, with the run that shows it fastest.

use super::single::RunOutcome;
use crate::check::Invariant;
use crate::model::Scenario;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Signature {
    pub invariant: &'static str,
    /// The kinds of the faults that acted, sorted, each once.
    pub faults: Vec<&'static str>,
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.invariant, self.faults.join(", "))
    }
}

/// The kinds of `scenario`'s faults that acted in `outcome`'s run, sorted, each once.
pub fn fault_kinds_fired(outcome: &RunOutcome, scenario: &Scenario) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> =
        scenario.faults.iter().zip(&outcome.fired).filter(|(_, fired)| **fired).map(|(f, _)| f.kind()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

/// One signature per invariant the run broke, in `Invariant::ALL` order.
pub fn signatures(outcome: &RunOutcome, scenario: &Scenario) -> Vec<Signature> {
    let faults = fault_kinds_fired(outcome, scenario);
    Invariant::ALL
        .iter()
        .filter(|i| outcome.violation_counts[**i as usize] > 0)
        .map(|i| Signature { invariant: i.as_str(), faults: faults.clone() })
        .collect()
}
