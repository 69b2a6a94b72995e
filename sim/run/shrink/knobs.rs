//! The numbers of a fault that the shrinker turns: its start, its length (a window's
//! `duration_s`, a crash's `restart_after_s`, a flap's spans and cycles), and its
//! parameters (probabilities, rates, delays, counts), read and written by name so that
//! each reduction step is written once for every kind.
//!
//! Every value here is a fixed value (a concrete schedule has no ranges): reading a
//! range gives its `min`, writing sets both ends.

use crate::model::{Fault, ValueRange};

/// A number of a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    /// `at_s`, every kind.
    At,
    /// A window's `duration_s`, when given.
    Length,
    /// `restart_after_s`, when given.
    RestartAfter,
    /// `flapping.down_s`.
    Down,
    /// `flapping.up_s`.
    Up,
    /// `probability` (`packet_loss`, `action_failure`).
    Probability,
    /// `clock_skew.rate`.
    Rate,
    /// `extra_ms` (`latency_spike`, `replication_lag`).
    Extra,
    /// `latency_spike.jitter_ms`.
    Jitter,
}

impl Knob {
    /// The knobs in seconds of virtual time, which the time steps shorten and round.
    pub const TIMES: [Knob; 5] = [Knob::At, Knob::Length, Knob::RestartAfter, Knob::Down, Knob::Up];
    /// The parameters, which the last step rounds.
    pub const PARAMETERS: [Knob; 4] = [Knob::Probability, Knob::Rate, Knob::Extra, Knob::Jitter];
}

/// The knob's value, when the fault has it.
pub fn value(fault: &Fault, knob: Knob) -> Option<f64> {
    range_mut(&mut fault.clone(), knob).map(|r| r.min)
}

/// The fault with the knob set to `value` (unchanged when it has no such knob).
pub fn with(fault: &Fault, knob: Knob, value: f64) -> Fault {
    let mut fault = fault.clone();
    if let Some(range) = range_mut(&mut fault, knob) {
        *range = ValueRange::fixed(value);
    }
    fault
}

/// The fault without its restart: what it crashed stays down (`None` when it has none).
pub fn without_restart(fault: &Fault) -> Option<Fault> {
    let mut fault = fault.clone();
    let restart = match &mut fault {
        Fault::PrimaryLoss(f) => &mut f.restart_after_s,
        Fault::NodeCrash(f) => &mut f.restart_after_s,
        Fault::RegionLoss(f) => &mut f.restart_after_s,
        Fault::MonitorCrash(f) => &mut f.restart_after_s,
        _ => return None,
    };
    restart.take()?;
    Some(fault)
}

/// The fault with its whole-number parameter (`flapping.cycles`, `node_crash.count`)
/// set to `count` (unchanged when it has none).
pub fn with_count(fault: &Fault, count: u32) -> Fault {
    let mut fault = fault.clone();
    match &mut fault {
        Fault::Flapping(f) => f.cycles = count,
        Fault::NodeCrash(f) => f.count = count,
        _ => {}
    }
    fault
}

fn range_mut(fault: &mut Fault, knob: Knob) -> Option<&mut ValueRange> {
    match knob {
        Knob::At => Some(at_mut(fault)),
        Knob::Length => length_mut(fault),
        Knob::RestartAfter => match fault {
            Fault::PrimaryLoss(f) => f.restart_after_s.as_mut(),
            Fault::NodeCrash(f) => f.restart_after_s.as_mut(),
            Fault::RegionLoss(f) => f.restart_after_s.as_mut(),
            Fault::MonitorCrash(f) => f.restart_after_s.as_mut(),
            _ => None,
        },
        Knob::Down | Knob::Up => match fault {
            Fault::Flapping(f) => Some(if knob == Knob::Down { &mut f.down_s } else { &mut f.up_s }),
            _ => None,
        },
        Knob::Probability => match fault {
            Fault::PacketLoss(f) => Some(&mut f.probability),
            Fault::ActionFailure(f) => Some(&mut f.probability),
            _ => None,
        },
        Knob::Rate => match fault {
            Fault::ClockSkew(f) => Some(&mut f.rate),
            _ => None,
        },
        Knob::Extra => match fault {
            Fault::LatencySpike(f) => Some(&mut f.extra_ms),
            Fault::ReplicationLag(f) => Some(&mut f.extra_ms),
            _ => None,
        },
        Knob::Jitter => match fault {
            Fault::LatencySpike(f) => Some(&mut f.jitter_ms),
            _ => None,
        },
    }
}

fn at_mut(fault: &mut Fault) -> &mut ValueRange {
    match fault {
        Fault::PrimaryLoss(f) => &mut f.at_s,
        Fault::NodeCrash(f) => &mut f.at_s,
        Fault::RegionLoss(f) => &mut f.at_s,
        Fault::RegionIsolation(f) => &mut f.at_s,
        Fault::Partition(f) => &mut f.at_s,
        Fault::PacketLoss(f) => &mut f.at_s,
        Fault::LatencySpike(f) => &mut f.at_s,
        Fault::Flapping(f) => &mut f.at_s,
        Fault::ClockSkew(f) => &mut f.at_s,
        Fault::ReplicationLag(f) => &mut f.at_s,
        Fault::ActionFailure(f) => &mut f.at_s,
        Fault::MonitorCrash(f) => &mut f.at_s,
    }
}

fn length_mut(fault: &mut Fault) -> Option<&mut ValueRange> {
    match fault {
        Fault::RegionIsolation(f) => f.duration_s.as_mut(),
        Fault::Partition(f) => f.duration_s.as_mut(),
        Fault::PacketLoss(f) => f.duration_s.as_mut(),
        Fault::LatencySpike(f) => f.duration_s.as_mut(),
        Fault::ReplicationLag(f) => f.duration_s.as_mut(),
        Fault::ActionFailure(f) => f.duration_s.as_mut(),
        _ => None,
    }
}
