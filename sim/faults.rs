//! The fault library: each kind (one module per kind) samples its parameters from its
//! own random stream when the run is armed, then changes the world at its times.
//!
//! Kinds use only the world's primitives (crash, restart, block links, link effects,
//! clock rates, shipping delays, action failure rates), so a new kind is a new module
//! here and a line in [`Armed`], never a change to the engine.
//!
//! Every fault draws from its own stream `(seed, Faults, key)`, where the key is the
//! first four bytes (little-endian) of SHA-256 over `failsim-fault-v1`, the fault's
//! kind, its parameters as compact JSON, and how many identical faults come before it
//! in the scenario (in decimal), each followed by a zero byte. The key depends on the
//! fault itself, not on its position, so removing any fault (as a shrinker does)
//! leaves the others' sampled times, parameters and selector draws unchanged.

mod action_failure;
mod clock_skew;
mod flapping;
mod latency_spike;
mod node_crash;
mod packet_loss;
mod partition;
mod placement;
mod region;
mod replication_lag;
mod monitor_crash;
mod schedule;

pub use placement::Placement;
pub use schedule::concrete;

use crate::engine::random::{Concern, RunKey, Stream};
use crate::engine::{FaultInjector, FaultStep, NodeId, Seed, Sim, SimTime};
use crate::model::{Fault, ValueRange};
use sha2::{Digest, Sha256};
use std::fmt::Debug;

/// One fault, armed for one run: its parameters sampled, its state while it runs.
#[derive(Clone, Debug)]
pub enum Armed {
    NodeCrash(node_crash::NodeCrash),
    RegionLoss(region::RegionLoss),
    RegionIsolation(region::RegionIsolation),
    Partition(partition::Partition),
    PacketLoss(packet_loss::PacketLoss),
    LatencySpike(latency_spike::LatencySpike),
    Flapping(flapping::Flapping),
    ClockSkew(clock_skew::ClockSkew),
    ReplicationLag(replication_lag::ReplicationLag),
    ActionFailure(action_failure::ActionFailure),
    MonitorCrash(monitor_crash::MonitorCrash),
}

/// The faults of one run.
#[derive(Clone, Debug)]
pub struct Injector {
    pub armed: Vec<Armed>,
    placement: Placement,
    streams: Vec<Stream>,
    /// Which faults have fired at least once (for "inert" reporting).
    pub fired: Vec<bool>,
}

impl Injector {
    /// Arms every fault of a scenario for the run of `seed`.
    pub fn arm(faults: &[Fault], placement: Placement, seed: Seed) -> Injector {
        let key = RunKey::of(seed);
        let mut streams: Vec<Stream> = faults
            .iter()
            .enumerate()
            .map(|(i, fault)| {
                let content = content(fault);
                let twins_before = faults[..i].iter().filter(|f| content_of_same_kind(f, fault, &content)).count();
                Stream::keyed(&key, Concern::Faults, stream_key(fault.kind(), &content, twins_before))
            })
            .collect();
        let armed = faults.iter().zip(&mut streams).map(|(fault, stream)| arm_one(fault, stream)).collect();
        Injector { armed, placement, fired: vec![false; faults.len()], streams }
    }

    /// When every fault has stopped acting (the last window end or restart), if they
    /// all do; `None` when some fault lasts to the end of the run.
    pub fn heal_time(&self) -> Option<SimTime> {
        self.armed.iter().map(Armed::healed).try_fold(SimTime::ZERO, |latest, healed| Some(latest.max(healed?)))
    }

    /// When the earliest fault starts, if any.
    pub fn first_start(&self) -> Option<SimTime> {
        self.armed.iter().map(Armed::start).min()
    }
}

/// A fault's parameters as compact JSON: what its random stream is keyed by.
fn content(fault: &Fault) -> String {
    let json = match fault {
        Fault::PrimaryLoss(f) => serde_json::to_string(f),
        Fault::NodeCrash(f) => serde_json::to_string(f),
        Fault::RegionLoss(f) => serde_json::to_string(f),
        Fault::RegionIsolation(f) => serde_json::to_string(f),
        Fault::Partition(f) => serde_json::to_string(f),
        Fault::PacketLoss(f) => serde_json::to_string(f),
        Fault::LatencySpike(f) => serde_json::to_string(f),
        Fault::Flapping(f) => serde_json::to_string(f),
        Fault::ClockSkew(f) => serde_json::to_string(f),
        Fault::ReplicationLag(f) => serde_json::to_string(f),
        Fault::ActionFailure(f) => serde_json::to_string(f),
        Fault::MonitorCrash(f) => serde_json::to_string(f),
    };
    json.expect("fault parameters serialize")
}

fn content_of_same_kind(other: &Fault, fault: &Fault, content_of_fault: &str) -> bool {
    other.kind() == fault.kind() && content(other) == content_of_fault
}

/// The sub-stream of a fault (see the module doc).
fn stream_key(kind: &str, content: &str, twins_before: usize) -> u32 {
    let mut hasher = Sha256::new();
    for part in ["failsim-fault-v1", kind, content, &twins_before.to_string()] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    u32::from_le_bytes(digest[..4].try_into().expect("four bytes"))
}

fn arm_one(fault: &Fault, stream: &mut Stream) -> Armed {
    match fault {
        Fault::PrimaryLoss(f) => Armed::NodeCrash(node_crash::NodeCrash::primary_loss(f, stream)),
        Fault::NodeCrash(f) => Armed::NodeCrash(node_crash::NodeCrash::arm(f, stream)),
        Fault::RegionLoss(f) => Armed::RegionLoss(region::RegionLoss::arm(f, stream)),
        Fault::RegionIsolation(f) => Armed::RegionIsolation(region::RegionIsolation::arm(f, stream)),
        Fault::Partition(f) => Armed::Partition(partition::Partition::arm(f, stream)),
        Fault::PacketLoss(f) => Armed::PacketLoss(packet_loss::PacketLoss::arm(f, stream)),
        Fault::LatencySpike(f) => Armed::LatencySpike(latency_spike::LatencySpike::arm(f, stream)),
        Fault::Flapping(f) => Armed::Flapping(flapping::Flapping::arm(f, stream)),
        Fault::ClockSkew(f) => Armed::ClockSkew(clock_skew::ClockSkew::arm(f, stream)),
        Fault::ReplicationLag(f) => Armed::ReplicationLag(replication_lag::ReplicationLag::arm(f, stream)),
        Fault::ActionFailure(f) => Armed::ActionFailure(action_failure::ActionFailure::arm(f, stream)),
        Fault::MonitorCrash(f) => Armed::MonitorCrash(monitor_crash::MonitorCrash::arm(f, stream)),
    }
}

impl Armed {
    /// When the fault stops acting (a restart or a window's end), if it does.
    pub fn end(&self) -> Option<SimTime> {
        match self {
            Armed::NodeCrash(f) => f.restart_after.map(|r| f.at + r),
            Armed::RegionLoss(f) => f.restart_after.map(|r| f.at + r),
            Armed::MonitorCrash(f) => f.restart_after.map(|r| f.at + r),
            Armed::Flapping(f) => Some(f.at + SimTime((f.down.0 + f.up.0) * u64::from(f.cycles))),
            Armed::ClockSkew(_) => None,
            Armed::RegionIsolation(f) => f.window.end(),
            Armed::Partition(f) => f.window.end(),
            Armed::PacketLoss(f) => f.window.end(),
            Armed::LatencySpike(f) => f.window.end(),
            Armed::ReplicationLag(f) => f.window.end(),
            Armed::ActionFailure(f) => f.window.end(),
        }
    }

    /// When the fault stops changing the world: its end, or for a crash that never
    /// restarts (and a clock skew), the moment it acted; `None` while it lasts.
    pub fn healed(&self) -> Option<SimTime> {
        match self {
            Armed::NodeCrash(_) | Armed::RegionLoss(_) | Armed::ClockSkew(_) => {
                Some(self.end().unwrap_or(self.start()))
            }
            _ => self.end(),
        }
    }

    /// When the fault first acts.
    pub fn start(&self) -> SimTime {
        match self {
            Armed::NodeCrash(f) => f.at,
            Armed::RegionLoss(f) => f.at,
            Armed::RegionIsolation(f) => f.window.start,
            Armed::Partition(f) => f.window.start,
            Armed::PacketLoss(f) => f.window.start,
            Armed::LatencySpike(f) => f.window.start,
            Armed::Flapping(f) => f.at,
            Armed::ClockSkew(f) => f.at,
            Armed::ReplicationLag(f) => f.window.start,
            Armed::ActionFailure(f) => f.window.start,
            Armed::MonitorCrash(f) => f.at,
        }
    }
}

impl<T: Copy + Debug> FaultInjector<T> for Injector {
    fn start(&mut self, sim: &mut Sim<T>) {
        for (i, armed) in self.armed.iter().enumerate() {
            sim.schedule_fault(armed.start(), FaultStep { fault: i as u16, step: 0 });
        }
    }

    fn fire(&mut self, sim: &mut Sim<T>, step: FaultStep) {
        let index = step.fault as usize;
        self.fired[index] = true;
        let ctx = Context { placement: &self.placement, stream: &mut self.streams[index], step, owner: index as u32 };
        sim.note("fault", None, || format!("{:?} step {}", self.armed[index], step.step));
        match &mut self.armed[index] {
            Armed::NodeCrash(f) => f.fire(sim, ctx),
            Armed::RegionLoss(f) => f.fire(sim, ctx),
            Armed::RegionIsolation(f) => f.fire(sim, ctx),
            Armed::Partition(f) => f.fire(sim, ctx),
            Armed::PacketLoss(f) => f.fire(sim, ctx),
            Armed::LatencySpike(f) => f.fire(sim, ctx),
            Armed::Flapping(f) => f.fire(sim, ctx),
            Armed::ClockSkew(f) => f.fire(sim, ctx),
            Armed::ReplicationLag(f) => f.fire(sim, ctx),
            Armed::ActionFailure(f) => f.fire(sim, ctx),
            Armed::MonitorCrash(f) => f.fire(sim, ctx),
        }
    }
}

/// What a firing fault may use besides the world.
pub struct Context<'a> {
    pub placement: &'a Placement,
    pub stream: &'a mut Stream,
    pub step: FaultStep,
    /// The fault's index, which owns its link effects.
    pub owner: u32,
}

impl Context<'_> {
    /// Schedules this fault's `step` at `at`.
    pub fn next<T: Copy + Debug>(&self, sim: &mut Sim<T>, at: SimTime, step: u16) {
        sim.schedule_fault(at, FaultStep { fault: self.step.fault, step });
    }
}

/// A sampled time window: from `start`, for `length` (to the end of the run if none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: SimTime,
    pub length: Option<SimTime>,
}

impl Window {
    pub fn sample(at_s: ValueRange, duration_s: Option<ValueRange>, stream: &mut Stream) -> Window {
        let start = seconds(at_s, stream);
        let length = duration_s.map(|d| seconds(d, stream));
        Window { start, length }
    }

    pub fn end(&self) -> Option<SimTime> {
        self.length.map(|l| self.start + l)
    }
}

/// Samples a range of seconds.
pub fn seconds(range: ValueRange, stream: &mut Stream) -> SimTime {
    SimTime::from_s(range.at(stream.unit()))
}

/// Samples a range of milliseconds.
pub fn millis(range: ValueRange, stream: &mut Stream) -> SimTime {
    SimTime::from_ms(range.at(stream.unit()))
}

/// Samples a plain number.
pub fn number(range: ValueRange, stream: &mut Stream) -> f64 {
    range.at(stream.unit())
}

/// Nodes as a list of ids.
pub type Nodes = Vec<NodeId>;
