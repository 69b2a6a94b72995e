//! One run: builds the world from the topology, arms the scenario's faults for the
//! seed, runs the control plane under the checks, and judges what can only be judged
//! at the end (durability against the final primary, liveness, a stuck run).
//!
//! Pure: the outcome is a function of the request; nothing here reads a clock.

use crate::check::{Checker, Invariant, Metrics, Violation};
use crate::control::audit_pack;
use crate::control::auditor::Auditor;
use crate::control::standard::{Mutant, Standard};
use crate::engine::network::{LinkClass, Network};
use crate::engine::random::RunKey;
use crate::engine::sim::{self, TraceRecord};
use crate::engine::{Ending, Fact, NodeId, NodeState, Seed, Sim, SimTime, World};
use crate::faults::{Armed, Injector, Placement};
use crate::model::{Cluster, ClusterState, Policy, Scenario, Status, ValueRange};

/// Events one run may process before it is declared stuck.
pub const EVENT_BUDGET: u64 = 20_000_000;

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct RunRequest<'a> {
    pub scenario: &'a Scenario,
    pub cluster: &'a Cluster,
    pub policy: &'a Policy,
    pub seed: Seed,
    pub mutant: Option<Mutant>,
    /// Keep every event in the outcome's trace (slower; for replay).
    pub trace: bool,
}

/// What a run showed.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub seed: Seed,
    pub metrics: Metrics,
    pub violations: Vec<Violation>,
    /// Per invariant (in `Invariant::ALL` order), how many times it broke.
    pub violation_counts: [u32; 9],
    pub final_state: ClusterState,
    pub ending: Ending,
    pub trace: Option<Vec<TraceRecord>>,
    pub audit: Auditor,
    /// Per scenario fault, whether it acted at least once.
    pub fired: Vec<bool>,
    /// Every fact with its time (only when the trace was asked for).
    pub facts: Vec<(SimTime, Fact)>,
}

/// Runs one seed.
pub fn run(request: &RunRequest<'_>) -> RunOutcome {
    run_armed(request).0
}

/// Runs one seed, and also returns its faults as armed and fired: the times and
/// parameters they sampled and what their selectors picked (the shrinker's concrete
/// schedule, `faults::concrete`).
pub fn run_armed(request: &RunRequest<'_>) -> (RunOutcome, Vec<Armed>) {
    let RunRequest { scenario, cluster, policy, seed, mutant, trace } = *request;
    let placement = Placement::of(cluster);
    let rate = scenario.workload.writes_per_s;
    let world = build_world(cluster, &placement, rate, seed);
    let end = SimTime::from_s(scenario.duration_s);
    let mut sim = Sim::new(world, end, trace);
    let mut injector = Injector::arm(&scenario.faults, placement, seed);
    let mut checker = Checker::new(cluster, policy, rate, injector.first_start());
    checker.timeline = trace.then(Vec::new);
    let mut control = Standard::new(cluster, policy, rate, mutant);
    let ending = sim::run(&mut sim, &mut control, &mut injector, &mut checker, EVENT_BUDGET);

    match ending {
        Ending::Completed => {}
        Ending::Stuck { events } => checker.violate(
            Invariant::Stuck,
            sim.now(),
            format!("the run spent its budget of {events} events before its end"),
        ),
        Ending::Flooded { events, pending } => checker.violate(
            Invariant::Stuck,
            sim.now(),
            format!("{pending} events were pending at once after {events}, more than a run may hold"),
        ),
    }
    let final_node = final_authority(&sim.world);
    let lost = final_node.map_or(0, |n| checker.lost_writes(&sim, n));
    checker.metrics.lost_writes = lost;
    checker.metrics.data_loss_ms = if rate > 0.0 { lost as f64 * 1000.0 / rate } else { 0.0 };
    checker.metrics.unavailable_ms = sim.world.ledger.unavailable.as_ms();
    checker.metrics.events = sim.events;
    // A run cut short never reached the moment liveness is judged at.
    if matches!(ending, Ending::Completed) {
        check_liveness(&mut checker, &sim, &injector, &control);
    }
    let pack = audit_pack::seal(&control.auditor, &cluster.cluster_id, &scenario.name, seed);
    if let Err(error) = audit_pack::verify(&pack) {
        checker.violate(Invariant::AuditChain, sim.now(), format!("the run's audit pack does not verify: {error}"));
    }

    let violation_counts = Invariant::ALL.map(|i| checker.count(i));
    let outcome = RunOutcome {
        seed,
        metrics: checker.metrics,
        violations: checker.violations,
        violation_counts,
        final_state: control.cluster_state(sim.world.monitor_up),
        ending,
        trace: sim.trace.take(),
        audit: control.auditor,
        fired: injector.fired,
        facts: checker.timeline.take().unwrap_or_default(),
    };
    (outcome, injector.armed)
}

pub(crate) fn build_world(cluster: &Cluster, placement: &Placement, writes_per_s: f64, seed: Seed) -> World {
    let nodes = cluster
        .nodes
        .iter()
        .map(|spec| {
            let mut state = NodeState::new(spec.role);
            state.up = spec.status != Status::Failed;
            state
        })
        .collect();
    let size = placement.regions.len();
    let mut classes = Vec::with_capacity(size * size);
    for a in 0..size {
        for b in 0..size {
            classes.push(if placement.regions[a] != placement.regions[b] {
                LinkClass::CrossRegion
            } else if placement.sites[a] != placement.sites[b] {
                LinkClass::SameRegion
            } else {
                LinkClass::SameSite
            });
        }
    }
    let ns = |r: ValueRange| (SimTime::from_ms(r.min).0, SimTime::from_ms(r.max).0);
    let net = &cluster.network;
    let latency = [ns(net.same_site_ms), ns(net.same_region_ms), ns(net.cross_region_ms)];
    let network = Network::new(size, classes, latency, net.loss);
    let replication = &cluster.replication;
    let ship_interval = SimTime::from_ms(replication.ship_interval_ms);
    let key = RunKey::of(seed);
    World::new(nodes, network, replication.mode, replication.sync_standbys, writes_per_s, ship_interval, key)
}

/// The log that counts at the end: the primary's, else the most advanced one.
fn final_authority(world: &World) -> Option<NodeId> {
    world.primary().or_else(|| {
        (0..world.node_count())
            .max_by_key(|&i| (world.nodes[i].term, world.nodes[i].log.len(), std::cmp::Reverse(i)))
            .map(|i| NodeId(i as u32))
    })
}

/// How long after the faults heal a writable primary must be back: the slowest
/// detection, the lease wait, a whole failover, the cooldown, and two intervals.
pub fn liveness_bound(cluster: &Cluster, policy: &Policy) -> SimTime {
    let hb = &policy.heartbeat;
    let detection_ms =
        f64::from(hb.failure_threshold + 1) * hb.interval_ms + hb.timeout_ms + cluster.network.cross_region_ms.max;
    let total_ms = detection_ms
        + policy.fencing.lease_ms
        + policy.fencing.margin_ms
        + policy.max_failover_time_s * 1000.0
        + policy.cooldown_s * 1000.0
        + 2.0 * hb.interval_ms;
    SimTime::from_ms(total_ms)
}

fn check_liveness<T>(checker: &mut Checker<'_>, sim: &Sim<T>, injector: &Injector, control: &Standard<'_>) {
    let Some(healed) = injector.heal_time() else { return };
    let due = healed + liveness_bound(control.cluster, control.policy);
    let world = &sim.world;
    if sim.end < due || !world.monitor_up {
        return;
    }
    let monitor = world.node_count();
    let reachable =
        (0..world.node_count()).filter(|&i| world.nodes[i].up && world.network().connected(i, monitor)).count() as u32;
    let writable = world.dns.is_some_and(|d| world.node(d).writable(sim.end));
    if reachable >= control.cluster.quorum_size() && !writable {
        let detail = format!("faults healed at {healed} and a quorum is connected, but no writable primary by {due}");
        checker.violate(Invariant::Liveness, due, detail);
    }
}
