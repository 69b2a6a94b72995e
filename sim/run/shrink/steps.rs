//! The reduction steps of the shrinker, each a search over candidate schedules where a
//! candidate is kept as soon as its run still breaks the invariant:
//!
//! 1. drop faults: ddmin over the fault list (subsets, then complements, at finer and
//!    finer granularity), after trying no fault at all;
//! 2. cut the run's duration: the shortest whole number of seconds that still fails
//!    (binary search; most violations need the run only until just after them);
//! 3. shorten windows: drop a restart, then shorten each `duration_s`,
//!    `restart_after_s`, flap span and cycle count to the smallest whole value;
//! 4. move faults earlier: the whole schedule at once (keeping the faults' spacing),
//!    then each fault alone, to the earliest whole second;
//! 5. simplify: fewer nodes for `count`, then round parameters and times to coarser
//!    grains (whole seconds, a tenth, a millisecond; a probability to 1, 0.5, ...).
//!
//! Every step only moves numbers down or to a coarser grain, so rounds reach a
//! fixpoint; the run budget bounds them anyway. Binary searches assume a failure stays
//! for larger values; where it does not, the result is still a failing schedule, only
//! perhaps not the smallest.

use super::knobs::{self, Knob};
use super::{broken, run_request, valid, Schedule, ShrinkRequest};
use crate::check::Invariant;
use crate::model::{Fault, Scenario};
use crate::run::single::run;
use std::ops::Range;

/// Grains for times in seconds: whole, a tenth, a millisecond (as powers of ten).
const SECONDS_GRAINS: [i32; 3] = [0, -1, -3];
/// Grains for delays in milliseconds: a second down to a millisecond.
const MILLIS_GRAINS: [i32; 4] = [3, 2, 1, 0];
/// Grains for probabilities and clock rates.
const RATIO_GRAINS: [i32; 3] = [0, -1, -2];

/// One shrink in progress: the best schedule so far and the runs spent.
pub(super) struct Search<'a> {
    request: ShrinkRequest<'a>,
    invariant: Invariant,
    /// The scenario candidates are made from (its faults and duration replaced).
    template: Scenario,
    pub(super) current: Schedule,
    pub(super) runs: u32,
}

impl<'a> Search<'a> {
    pub(super) fn new(request: &ShrinkRequest<'a>, invariant: Invariant, mut template: Scenario) -> Search<'a> {
        let current = Schedule { faults: std::mem::take(&mut template.faults), duration_s: template.duration_s };
        Search { request: *request, invariant, template, current, runs: 0 }
    }

    pub(super) fn budget_spent(&self) -> bool {
        self.runs >= self.request.runs_max
    }

    /// The scenario of a schedule.
    pub(super) fn scenario(&self, schedule: &Schedule) -> Scenario {
        let mut scenario = self.template.clone();
        scenario.faults.clone_from(&schedule.faults);
        scenario.duration_s = schedule.duration_s;
        scenario
    }

    /// One round of every step, in order.
    pub(super) fn round(&mut self) {
        self.drop_faults();
        self.cut_duration();
        self.shorten_windows();
        self.move_earlier();
        self.simplify();
    }

    /// Runs `candidate` and keeps it when the invariant still breaks. A candidate equal
    /// to the current schedule, one validation refuses, or one past the budget is not run.
    fn accept(&mut self, candidate: Schedule) -> bool {
        if candidate == self.current || self.budget_spent() {
            return false;
        }
        let scenario = self.scenario(&candidate);
        if !valid(&scenario) {
            return false;
        }
        self.runs += 1;
        let fails = broken(&run(&run_request(&self.request, &scenario, false)), self.invariant) > 0;
        if fails {
            self.current = candidate;
        }
        fails
    }

    /// Keeps the smallest value in `lo..=hi` whose schedule (`make` from the current
    /// one) fails: `lo` first, then a binary search above it.
    fn lowest(&mut self, lo: u64, hi: Option<u64>, make: impl Fn(&Schedule, u64) -> Schedule) {
        let Some(mut hi) = hi.filter(|&hi| hi >= lo) else { return };
        if self.accept(make(&self.current, lo)) {
            return;
        }
        let mut lo = lo + 1;
        while lo <= hi {
            let mid = lo + (hi - lo) / 2;
            if self.accept(make(&self.current, mid)) {
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
    }

    fn drop_faults(&mut self) {
        if self.current.faults.is_empty() || self.accept(with_faults(&self.current, Vec::new())) {
            return;
        }
        let mut n = 2;
        while self.current.faults.len() >= 2 {
            let faults = self.current.faults.clone();
            let parts = chunks(faults.len(), n);
            let subsets = parts.iter().map(|part| faults[part.clone()].to_vec());
            if self.accept_any(subsets.collect()) {
                n = 2;
                continue;
            }
            // With two parts, each complement is the other part, already tried.
            let complements = parts.iter().map(|part| {
                faults.iter().enumerate().filter(|(i, _)| !part.contains(i)).map(|(_, f)| f.clone()).collect()
            });
            if n > 2 && self.accept_any(complements.collect()) {
                n = (n - 1).max(2);
                continue;
            }
            if n >= faults.len() {
                return;
            }
            n = (2 * n).min(faults.len());
        }
    }

    /// Tries each fault list in turn; true at the first one kept.
    fn accept_any(&mut self, candidates: Vec<Vec<Fault>>) -> bool {
        candidates.into_iter().any(|faults| self.accept(with_faults(&self.current, faults)))
    }

    fn cut_duration(&mut self) {
        let shortest = self.current.faults.iter().map(shortest_duration_s).max().unwrap_or(1).max(1);
        self.lowest(shortest, whole_below(self.current.duration_s), |s, d| Schedule {
            faults: s.faults.clone(),
            duration_s: d as f64,
        });
    }

    fn shorten_windows(&mut self) {
        for i in 0..self.current.faults.len() {
            if let Some(fault) = knobs::without_restart(&self.current.faults[i]) {
                self.accept(with_fault(&self.current, i, fault));
            }
            for knob in [Knob::RestartAfter, Knob::Length, Knob::Down, Knob::Up] {
                if let Some(value) = knobs::value(&self.current.faults[i], knob) {
                    self.lowest(0, whole_below(value), |s, v| with_knob(s, i, knob, v as f64));
                }
            }
            if let Fault::Flapping(f) = &self.current.faults[i] {
                self.lowest(1, Some(u64::from(f.cycles) - 1), |s, v| with_count(s, i, v));
            }
        }
    }

    fn move_earlier(&mut self) {
        let first = earliest_s(&self.current);
        if first.is_finite() {
            self.lowest(0, whole_below(first), |s, v| {
                let first = earliest_s(s);
                let faults = s
                    .faults
                    .iter()
                    .map(|f| knobs::with(f, Knob::At, v as f64 + (knobs::value(f, Knob::At).unwrap_or(first) - first)))
                    .collect();
                with_faults(s, faults)
            });
        }
        for i in 0..self.current.faults.len() {
            if let Some(at) = knobs::value(&self.current.faults[i], Knob::At) {
                self.lowest(0, whole_below(at), |s, v| with_knob(s, i, Knob::At, v as f64));
            }
        }
    }

    fn simplify(&mut self) {
        for i in 0..self.current.faults.len() {
            if let Fault::NodeCrash(f) = &self.current.faults[i] {
                self.lowest(1, Some(u64::from(f.count) - 1), |s, v| with_count(s, i, v));
            }
            for knob in Knob::PARAMETERS {
                let grains: &[i32] =
                    if matches!(knob, Knob::Extra | Knob::Jitter) { &MILLIS_GRAINS } else { &RATIO_GRAINS };
                self.coarser(i, knob, grains);
            }
            for knob in Knob::TIMES {
                self.coarser(i, knob, &SECONDS_GRAINS);
            }
        }
        let duration_s = self.current.duration_s;
        for &grain in &SECONDS_GRAINS[..coarsest(duration_s, &SECONDS_GRAINS)] {
            let faults = self.current.faults.clone();
            if self.accept(Schedule { faults, duration_s: rounded(duration_s, grain) }) {
                break;
            }
        }
    }

    /// Rounds a knob to the coarsest grain (of `grains`, coarsest first) that still fails.
    fn coarser(&mut self, i: usize, knob: Knob, grains: &[i32]) {
        let Some(value) = knobs::value(&self.current.faults[i], knob) else { return };
        for &grain in &grains[..coarsest(value, grains)] {
            if self.accept(with_knob(&self.current, i, knob, rounded(value, grain))) {
                return;
            }
        }
    }
}

/// `n` contiguous, nearly equal parts of `0..len`.
fn chunks(len: usize, n: usize) -> Vec<Range<usize>> {
    (0..n).map(|k| k * len / n..(k + 1) * len / n).filter(|r| !r.is_empty()).collect()
}

/// The shortest whole duration that still holds the fault: past its start, and at
/// least to the end of its window.
fn shortest_duration_s(fault: &Fault) -> u64 {
    let (at_s, length_s) = fault.window();
    let end_s = at_s.max + length_s.map_or(0.0, |l| l.max);
    (at_s.max.floor() + 1.0).max(end_s.ceil()) as u64
}

/// The largest whole number strictly below `value`, if any.
fn whole_below(value: f64) -> Option<u64> {
    (value > 0.0).then(|| (value.ceil() - 1.0) as u64)
}

fn earliest_s(schedule: &Schedule) -> f64 {
    schedule.faults.iter().filter_map(|f| knobs::value(f, Knob::At)).fold(f64::INFINITY, f64::min)
}

/// `value` to the nearest multiple of 10^`grain`, computed so that the result is the
/// double nearest that decimal (a tenth is `k / 10.0`, not `k * 0.1`).
fn rounded(value: f64, grain: i32) -> f64 {
    if grain >= 0 {
        let unit = 10f64.powi(grain);
        (value / unit).round() * unit
    } else {
        let per = 10f64.powi(-grain);
        (value * per).round() / per
    }
}

/// How many of `grains` (coarsest first) are coarser than `value` already is.
fn coarsest(value: f64, grains: &[i32]) -> usize {
    grains.iter().position(|&g| rounded(value, g) == value).unwrap_or(grains.len())
}

fn with_faults(schedule: &Schedule, faults: Vec<Fault>) -> Schedule {
    Schedule { faults, duration_s: schedule.duration_s }
}

fn with_fault(schedule: &Schedule, i: usize, fault: Fault) -> Schedule {
    let mut faults = schedule.faults.clone();
    faults[i] = fault;
    with_faults(schedule, faults)
}

fn with_knob(schedule: &Schedule, i: usize, knob: Knob, value: f64) -> Schedule {
    with_fault(schedule, i, knobs::with(&schedule.faults[i], knob, value))
}

fn with_count(schedule: &Schedule, i: usize, count: u64) -> Schedule {
    let count = u32::try_from(count).expect("a count below the fault's own u32 count");
    with_fault(schedule, i, knobs::with_count(&schedule.faults[i], count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_list_in_order() {
        assert_eq!(chunks(5, 2), vec![0..2, 2..5]);
        assert_eq!(chunks(3, 3), vec![0..1, 1..2, 2..3]);
        assert_eq!(chunks(2, 4), vec![0..1, 1..2]);
    }

    #[test]
    fn rounding_gives_the_nearest_decimal_and_grains_already_met_are_skipped() {
        assert_eq!(rounded(46.04, -1), 46.0);
        assert_eq!(rounded(4.56, -1), 4.6);
        assert_eq!(rounded(1234.5, 3), 1000.0);
        assert_eq!(coarsest(46.0, &SECONDS_GRAINS), 0);
        assert_eq!(coarsest(4.6, &SECONDS_GRAINS), 1);
        assert_eq!(coarsest(46.123_456_789, &SECONDS_GRAINS), 3);
    }

    #[test]
    fn whole_below_is_strictly_below() {
        assert_eq!(whole_below(115.3), Some(115));
        assert_eq!(whole_below(115.0), Some(114));
        assert_eq!(whole_below(0.5), Some(0));
        assert_eq!(whole_below(0.0), None);
    }
}
