//! The concrete schedule of one run: the scenario's faults with every sampled value
//! fixed to what the run drew (ranges collapsed to a value, windows as drawn), so that
//! the schedule can be edited fault by fault, as the shrinker does, and still run as
//! the original did.
//!
//! Fixing a value changes the fault's content, and so its random stream (see the
//! module above): a selector that draws at random would then pick differently. So a
//! drawn selector (`any_secondary`, `random(k)`, a random partition split) is replaced
//! by the node ids (and `monitor`) it picked in the run. A set of several nodes that one
//! selector cannot name becomes one fault per node, for the kinds where that acts the
//! same (crashes, flapping, clock rates, shipping delays); a `packet_loss` or
//! `latency_spike` scope of several nodes keeps its selector, since two effects on one
//! link would combine. Selectors that read the world (`primary`, `region_of:primary`,
//! names) draw nothing and are kept: they resolve as before while the world runs as
//! before, and keep their meaning when the shrinker moves a fault.
//!
//! Pure: reads a finished run's armed faults; runs nothing.

use super::{Armed, Placement, Window};
use crate::engine::network::EndpointSet;
use crate::engine::{NodeId, SimTime};
use crate::model::{
    ActionFailure, ClockSkew, Fault, Flapping, LatencySpike, MonitorCrash, NodeCrash, PacketLoss, Partition,
    PrimaryLoss, RegionIsolation, RegionLoss, ReplicationLag, Selector, ValueRange,
};

/// The scenario's `faults` as the run of `armed` drew them (the injector's faults after
/// the run, in the same order), with drawn selectors fixed to what they picked.
pub fn concrete(faults: &[Fault], armed: &[Armed], placement: &Placement) -> Vec<Fault> {
    assert_eq!(faults.len(), armed.len(), "one armed fault per scenario fault");
    faults.iter().zip(armed).flat_map(|(fault, armed)| concrete_one(fault, armed, placement)).collect()
}

fn concrete_one(fault: &Fault, armed: &Armed, placement: &Placement) -> Vec<Fault> {
    let nodes = |hit: &[NodeId]| -> Vec<Selector> {
        hit.iter().map(|n| Selector::Node(placement.ids[n.index()].clone())).collect()
    };
    match (fault, armed) {
        (Fault::PrimaryLoss(_), Armed::NodeCrash(a)) => {
            vec![Fault::PrimaryLoss(PrimaryLoss { at_s: seconds(a.at), restart_after_s: a.restart_after.map(seconds) })]
        }
        (Fault::NodeCrash(f), Armed::NodeCrash(a)) => {
            let spec = NodeCrash {
                at_s: seconds(a.at),
                target: f.target.clone(),
                count: f.count,
                restart_after_s: a.restart_after.map(seconds),
            };
            per_node(spec, &f.target, nodes(&a.hit), |spec, node| NodeCrash { target: node, count: 1, ..spec })
                .into_iter()
                .map(Fault::NodeCrash)
                .collect()
        }
        (Fault::RegionLoss(f), Armed::RegionLoss(a)) => vec![Fault::RegionLoss(RegionLoss {
            at_s: seconds(a.at),
            region: f.region.clone(),
            restart_after_s: a.restart_after.map(seconds),
        })],
        (Fault::RegionIsolation(f), Armed::RegionIsolation(a)) => {
            let (at_s, duration_s) = window(a.window);
            vec![Fault::RegionIsolation(RegionIsolation { at_s, duration_s, region: f.region.clone() })]
        }
        (Fault::Partition(f), Armed::Partition(a)) => {
            let (at_s, duration_s) = window(a.window);
            let drew = f.groups.is_empty() || f.groups.iter().flatten().any(drawn);
            let groups = if drew && !a.sides.is_empty() {
                a.sides.iter().map(|side| endpoints(side, placement)).collect()
            } else {
                f.groups.clone()
            };
            vec![Fault::Partition(Partition { at_s, duration_s, groups, direction: f.direction })]
        }
        (Fault::PacketLoss(f), Armed::PacketLoss(a)) => {
            let (at_s, duration_s) = window(a.window);
            let target = scope_target(f.target.as_ref(), a.scope.as_ref(), placement);
            vec![Fault::PacketLoss(PacketLoss {
                at_s,
                duration_s,
                probability: ValueRange::fixed(a.probability),
                target,
            })]
        }
        (Fault::LatencySpike(f), Armed::LatencySpike(a)) => {
            let (at_s, duration_s) = window(a.window);
            vec![Fault::LatencySpike(LatencySpike {
                at_s,
                duration_s,
                extra_ms: millis(a.extra),
                jitter_ms: millis(a.jitter),
                target: scope_target(f.target.as_ref(), a.scope.as_ref(), placement),
            })]
        }
        (Fault::Flapping(f), Armed::Flapping(a)) => {
            let spec = Flapping {
                at_s: seconds(a.at),
                target: f.target.clone(),
                down_s: seconds(a.down),
                up_s: seconds(a.up),
                cycles: a.cycles,
            };
            per_node(spec, &f.target, nodes(&a.hit), |spec, target| Flapping { target, ..spec })
                .into_iter()
                .map(Fault::Flapping)
                .collect()
        }
        (Fault::ClockSkew(f), Armed::ClockSkew(a)) => {
            let spec = ClockSkew { at_s: seconds(a.at), target: f.target.clone(), rate: ValueRange::fixed(a.rate) };
            per_node(spec, &f.target, nodes(&a.hit), |spec, target| ClockSkew { target, ..spec })
                .into_iter()
                .map(Fault::ClockSkew)
                .collect()
        }
        (Fault::ReplicationLag(f), Armed::ReplicationLag(a)) => {
            let (at_s, duration_s) = window(a.window);
            let spec = ReplicationLag { at_s, duration_s, extra_ms: millis(a.extra), target: f.target.clone() };
            match &f.target {
                Some(target) => {
                    per_node(spec, target, nodes(&a.hit), |spec, node| ReplicationLag { target: Some(node), ..spec })
                }
                None => vec![spec],
            }
            .into_iter()
            .map(Fault::ReplicationLag)
            .collect()
        }
        (Fault::ActionFailure(f), Armed::ActionFailure(a)) => {
            let (at_s, duration_s) = window(a.window);
            vec![Fault::ActionFailure(ActionFailure {
                action: f.action,
                probability: ValueRange::fixed(a.probability),
                at_s,
                duration_s,
            })]
        }
        (Fault::MonitorCrash(_), Armed::MonitorCrash(a)) => vec![Fault::MonitorCrash(MonitorCrash {
            at_s: seconds(a.at),
            restart_after_s: a.restart_after.map(seconds),
        })],
        (fault, armed) => panic!("fault {} armed as {armed:?}: the injector arms each kind as itself", fault.kind()),
    }
}

/// Whether a selector draws from the fault's stream when it fires.
fn drawn(selector: &Selector) -> bool {
    matches!(selector, Selector::AnySecondary | Selector::Random(_))
}

/// `spec` once per node its drawn `target` picked (`with` names one node); `spec` as
/// it is when the selector draws nothing, or picked nothing (never fired, or an empty
/// pool, which draws nothing either).
fn per_node<T: Clone>(spec: T, target: &Selector, picked: Vec<Selector>, with: impl Fn(T, Selector) -> T) -> Vec<T> {
    if !drawn(target) || picked.is_empty() {
        return vec![spec];
    }
    picked.into_iter().map(|node| with(spec.clone(), node)).collect()
}

/// A link-effect target: the one endpoint a drawn selector picked, else as written.
fn scope_target(target: Option<&Selector>, scope: Option<&EndpointSet>, placement: &Placement) -> Option<Selector> {
    let target = target?;
    match scope.map(|s| endpoints(s, placement)) {
        Some(mut picked) if drawn(target) && picked.len() == 1 => picked.pop(),
        _ => Some(target.clone()),
    }
}

/// Endpoints as selectors: node ids, and `monitor` for the monitor.
fn endpoints(set: &EndpointSet, placement: &Placement) -> Vec<Selector> {
    set.iter()
        .map(|e| if e == placement.monitor() { Selector::Monitor } else { Selector::Node(placement.ids[e].clone()) })
        .collect()
}

fn window(window: Window) -> (ValueRange, Option<ValueRange>) {
    (seconds(window.start), window.length.map(seconds))
}

/// A sampled time as the fixed number of seconds that samples back to it exactly
/// (`SimTime::from_s` rounds to the nanosecond, and a nanosecond count below 2^53
/// survives the division and the multiplication).
fn seconds(time: SimTime) -> ValueRange {
    ValueRange::fixed(time.0 as f64 / 1e9)
}

fn millis(time: SimTime) -> ValueRange {
    ValueRange::fixed(time.as_ms())
}
