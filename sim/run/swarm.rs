//! Swarm scenarios: from a seed, one scenario drawn at random, with a topology and a
//! policy from the built-in library, one to three faults of distinct kinds with random parameters,
//! a run length and a client workload. `failsim hunt --swarm` runs one per seed, so a
//! bug that only some mix of faults reaches is found without anyone writing that mix.
//!
//! Valid by construction: every time lies inside the run, every window ends by its end,
//! every selector names a node, site or region the drawn topology has, and every
//! probability and rate is in its range (a property test loads each drawn scenario
//! back through the model's own checks). Values are whole numbers or hundredths, so
//! the scenario file `hunt` writes reads like one written by hand.
//!
//! Pure: draws come only from the seed's stream `(seed, Faults, SWARM_STREAM)`, never
//! from the OS. The run drawn for a seed also uses that seed, and its faults draw from
//! their own sub-streams of `Faults`, keyed by a hash of each fault's content, so the
//! draw does not shift them.

use crate::engine::random::{Concern, Stream};
use crate::engine::Seed;
use crate::model::{
    library, load, resolve, ActionFailure, ActionKind, ClockSkew, Cluster, Direction, Expect, Fault, Flapping,
    InputError, Kind, LatencySpike, Loaded, MonitorCrash, NodeCrash, PacketLoss, Partition, Policy, PrimaryLoss,
    RegionIsolation, RegionLoss, ReplicationLag, ReplicationMode, Scenario, Selector, Source, Sources, ValueRange,
    Workload,
};

/// The sub-stream of `Concern::Faults` a swarm scenario is drawn from ("SWRM"). Faults
/// key their own sub-streams by a 32-bit hash of their content; sharing one with this
/// id would only correlate two draws, never make a run wrong.
pub const SWARM_STREAM: u32 = 0x5357_524d;

/// Run lengths drawn from: 300 s leaves liveness unjudged after most faults (its bound
/// is about 400 s under seed-auto); 600 and 900 s judge it.
const DURATIONS_S: [f64; 3] = [300.0, 600.0, 900.0];
/// Client writes per second drawn from; 0 makes every lag zero, which takes away the
/// lag rule that otherwise hides a missing role rule (a witness holds no data).
const WRITES_PER_S: [f64; 4] = [0.0, 10.0, 100.0, 1000.0];
const ACTIONS: [ActionKind; 7] = [
    ActionKind::AwaitApproval,
    ActionKind::Fence,
    ActionKind::Demote,
    ActionKind::Promote,
    ActionKind::DnsFlip,
    ActionKind::Notify,
    ActionKind::Verify,
];
/// Most faults in one drawn scenario.
pub const FAULTS_MAX: u64 = 3;

/// The built-in topologies and policies, loaded once, to draw scenarios from.
pub struct Swarm {
    topologies: Vec<(&'static str, Cluster)>,
    policies: Vec<(&'static str, Policy)>,
}

/// One drawn scenario and the topology and policy it runs with.
#[derive(Clone, Debug)]
pub struct Draw<'a> {
    pub scenario: Scenario,
    pub cluster: &'a Cluster,
    pub policy: &'a Policy,
    /// `builtin:NAME`, as a replay command names the topology.
    pub cluster_ref: String,
}

impl Default for Swarm {
    fn default() -> Self {
        Swarm::new()
    }
}

impl Swarm {
    /// Loads every built-in topology and policy. They are compiled in and tested to
    /// load, so a failure here is a bug in the build, not in any input.
    pub fn new() -> Swarm {
        fn all<T>(kind: Kind, load: fn(&str) -> Result<Loaded<T>, InputError>) -> Vec<(&'static str, T)> {
            let loaded = |name: &str| load(&format!("builtin:{name}")).map(|l| l.value);
            let built_in = |name| loaded(name).unwrap_or_else(|e| panic!("built-in {name} does not load: {e}"));
            library::names(kind).into_iter().map(|name| (name, built_in(name))).collect()
        }
        Swarm { topologies: all(Kind::Topology, load::topology), policies: all(Kind::Policy, load::policy) }
    }

    /// The policies a drawn scenario on `cluster` may run under: those whose RPO target
    /// their lease can keep there (the resolver's rule). Under the others (seed-auto:
    /// a 5 s RPO, a 10 s lease) every isolation of the primary loses more writes than
    /// the RPO allows by configuration, a `durability` finding no control plane can
    /// avoid, which would drown the findings of control-plane bugs.
    fn policies_for(&self, cluster: &Cluster) -> Vec<&(&'static str, Policy)> {
        let keeps_rpo = |policy: &Policy| {
            resolve::policy_against_topology(policy, cluster).list.iter().all(|p| p.path != "rpo_target_s")
        };
        self.policies.iter().filter(|(_, policy)| keeps_rpo(policy)).collect()
    }

    /// The scenario of `seed`: the same seed always draws the same scenario.
    pub fn draw(&self, seed: Seed) -> Draw<'_> {
        let mut stream = Stream::new(seed, Concern::Faults, SWARM_STREAM);
        let (name, cluster) = &self.topologies[pick(&mut stream, self.topologies.len())];
        let policies = self.policies_for(cluster);
        let (policy_name, policy) = policies[pick(&mut stream, policies.len())];
        let duration_s = DURATIONS_S[pick(&mut stream, DURATIONS_S.len())];
        let writes_per_s = WRITES_PER_S[pick(&mut stream, WRITES_PER_S.len())];
        let count = stream.between(1, FAULTS_MAX) as usize;
        let mut kinds: Vec<DrawFault> = KINDS.to_vec();
        let mut faults = Vec::with_capacity(count);
        for _ in 0..count {
            let draw_fault = kinds.swap_remove(pick(&mut stream, kinds.len()));
            let delay_ms_max = shipping_delay_ms_max(cluster, policy);
            let mut drawer = Drawer { stream: &mut stream, cluster, duration_s, delay_ms_max };
            let at_s = drawer.at_s();
            faults.push(draw_fault(&mut drawer, at_s));
        }
        let kinds: Vec<&str> = faults.iter().map(Fault::kind).collect();
        let scenario = Scenario {
            name: format!("swarm-{}", seed.0),
            description: format!(
                "Drawn by the swarm from seed {}: {} on {name} under {policy_name}.",
                seed.0,
                kinds.join(", ")
            ),
            cluster: Sources(vec![Source::Named(format!("builtin:{name}"))]),
            policy: Some(Source::Named(format!("builtin:{policy_name}"))),
            duration_s,
            workload: Workload { writes_per_s },
            faults,
            seeds: 1,
            expect: Expect::default(),
        };
        Draw { scenario, cluster, policy, cluster_ref: format!("builtin:{name}") }
    }
}

/// The most a drawn fault may delay log shipping (`replication_lag`, and a
/// `latency_spike` with its jitter). A correct control plane may promote a standby that
/// far behind and still lose the old primary's writes until its lease ends; past the
/// RPO target that loss is a `durability` finding of the configuration (no built-in
/// policy's RPO covers its lease plus its `max_lag_ms`), not of the control plane. So
/// under async replication the delay stays within what the RPO leaves after the lease
/// (unless fencing by STONITH ends it), its margin and half a second of shipping.
fn shipping_delay_ms_max(cluster: &Cluster, policy: &Policy) -> f64 {
    let unbounded_ms = 60_000.0;
    if cluster.replication.mode == ReplicationMode::Sync {
        return unbounded_ms;
    }
    let fencing = &policy.fencing;
    let lease_ms = if fencing.stonith { 0.0 } else { fencing.lease_ms + fencing.margin_ms };
    (policy.rpo_target_s * 1000.0 - lease_ms - 500.0).clamp(100.0, unbounded_ms)
}

fn pick(stream: &mut Stream, len: usize) -> usize {
    stream.below(len as u64) as usize
}

/// Draws the parameters of one fault against one topology and run length.
struct Drawer<'a> {
    stream: &'a mut Stream,
    cluster: &'a Cluster,
    duration_s: f64,
    /// See [`shipping_delay_ms_max`].
    delay_ms_max: f64,
}

impl Drawer<'_> {
    /// A whole number of seconds in [lo, hi].
    fn whole(&mut self, lo: f64, hi: f64) -> f64 {
        self.stream.between(lo as u64, hi as u64) as f64
    }

    /// A value in [lo, hi], in hundredths.
    fn hundredths(&mut self, lo: f64, hi: f64) -> f64 {
        self.stream.between((lo * 100.0) as u64, (hi * 100.0) as u64) as f64 / 100.0
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.stream.below(n) == 0
    }

    /// A start in the first half of the run, after the first 5 s (leaders settle).
    fn at_s(&mut self) -> f64 {
        self.whole(5.0, self.duration_s / 2.0)
    }

    /// A window length that ends by the end of the run (starts are in its first half,
    /// and 180 s is at most half of the shortest run).
    fn length_s(&mut self, at_s: f64) -> f64 {
        self.whole(5.0, 180.0_f64.min(self.duration_s - at_s))
    }

    /// A window from `at_s`, or none (until the end of the run) one time in four.
    fn window(&mut self, at_s: f64) -> Option<ValueRange> {
        (!self.one_in(4)).then(|| ValueRange::fixed(self.length_s(at_s)))
    }

    /// A restart 10 s to 3 min after the crash, or none (down for good) one time in three.
    fn restart(&mut self) -> Option<ValueRange> {
        (!self.one_in(3)).then(|| ValueRange::fixed(self.whole(10.0, 180.0)))
    }

    /// A selector of nodes that the topology has.
    fn nodes(&mut self) -> Selector {
        let nodes = &self.cluster.nodes;
        let node = &nodes[pick(self.stream, nodes.len())];
        match self.stream.below(6) {
            0 => Selector::Primary,
            1 => Selector::AnySecondary,
            2 => Selector::Random(self.stream.between(1, nodes.len().min(2) as u64) as u32),
            3 => Selector::Site(node.site.clone()),
            4 => Selector::Region(node.region.clone()),
            _ => Selector::Node(node.node_id.clone()),
        }
    }

    /// Nodes, or every link (none) one time in three.
    fn maybe_nodes(&mut self) -> Option<Selector> {
        (!self.one_in(3)).then(|| self.nodes())
    }

    /// A region of the topology, or the primary's.
    fn region(&mut self) -> Selector {
        let regions = &self.cluster.regions;
        match pick(self.stream, regions.len() + 1) {
            0 => Selector::RegionOfPrimary,
            i => Selector::Region(regions[i - 1].clone()),
        }
    }

    /// No groups (a seeded split) half the time; else the nodes dealt into two
    /// non-empty groups, the monitor in one of them.
    fn groups(&mut self) -> Vec<Vec<Selector>> {
        let nodes = &self.cluster.nodes;
        if nodes.len() < 2 || self.one_in(2) {
            return Vec::new();
        }
        let mut groups = vec![Vec::new(), Vec::new()];
        let lone = pick(self.stream, nodes.len());
        for (i, node) in nodes.iter().enumerate() {
            // `lone` alone is sure to be in the second group, so neither is empty.
            let side = if i == lone {
                1
            } else if i == (lone + 1) % nodes.len() {
                0
            } else {
                pick(self.stream, 2)
            };
            groups[side].push(Selector::Node(node.node_id.clone()));
        }
        groups[pick(self.stream, 2)].push(Selector::Monitor);
        groups
    }
}

/// Draws one fault of a kind, starting at `at_s`.
type DrawFault = fn(&mut Drawer<'_>, f64) -> Fault;

/// One drawing function per fault kind, all twelve.
const KINDS: [DrawFault; 12] = [
    |d, at| Fault::PrimaryLoss(PrimaryLoss { at_s: ValueRange::fixed(at), restart_after_s: d.restart() }),
    |d, at| {
        let (target, count) = (d.nodes(), d.stream.between(1, 2) as u32);
        Fault::NodeCrash(NodeCrash { at_s: ValueRange::fixed(at), target, count, restart_after_s: d.restart() })
    },
    |d, at| {
        let region = d.region();
        Fault::RegionLoss(RegionLoss { at_s: ValueRange::fixed(at), region, restart_after_s: d.restart() })
    },
    |d, at| {
        let region = d.region();
        Fault::RegionIsolation(RegionIsolation { at_s: ValueRange::fixed(at), duration_s: d.window(at), region })
    },
    |d, at| {
        let groups = d.groups();
        let direction = if d.one_in(3) { Direction::OneWay } else { Direction::Symmetric };
        Fault::Partition(Partition { at_s: ValueRange::fixed(at), duration_s: d.window(at), groups, direction })
    },
    |d, at| {
        let probability = ValueRange::fixed(d.hundredths(0.05, 0.6));
        let target = d.maybe_nodes();
        Fault::PacketLoss(PacketLoss { at_s: ValueRange::fixed(at), duration_s: d.window(at), probability, target })
    },
    |d, at| {
        // With its jitter (at most half of it), within the shipping delay allowed.
        let extra = d.whole(50.0, 50.0_f64.max(5000.0_f64.min(d.delay_ms_max * 2.0 / 3.0)));
        let jitter_ms = ValueRange::fixed(d.whole(0.0, extra / 2.0));
        let target = d.maybe_nodes();
        let (at_s, duration_s, extra_ms) = (ValueRange::fixed(at), d.window(at), ValueRange::fixed(extra));
        Fault::LatencySpike(LatencySpike { at_s, duration_s, extra_ms, jitter_ms, target })
    },
    |d, at| {
        let target = d.nodes();
        let (down, up) = (d.whole(1.0, 20.0), d.whole(1.0, 30.0));
        // At least 150 s are left after a start in the first half, and a cycle is at
        // most 50 s, so three cycles always fit.
        let fit = ((d.duration_s - at) / (down + up)).floor().min(5.0);
        let cycles = d.stream.between(1, fit as u64) as u32;
        let (at_s, down_s, up_s) = (ValueRange::fixed(at), ValueRange::fixed(down), ValueRange::fixed(up));
        Fault::Flapping(Flapping { at_s, target, down_s, up_s, cycles })
    },
    |d, at| {
        let rate = ValueRange::fixed(d.hundredths(0.5, 2.0));
        Fault::ClockSkew(ClockSkew { at_s: ValueRange::fixed(at), target: d.nodes(), rate })
    },
    |d, at| {
        let extra_ms = ValueRange::fixed(d.whole(50.0, d.delay_ms_max));
        let target = d.maybe_nodes();
        let (at_s, duration_s) = (ValueRange::fixed(at), d.window(at));
        Fault::ReplicationLag(ReplicationLag { at_s, duration_s, extra_ms, target })
    },
    |d, at| {
        let action = ACTIONS[pick(d.stream, ACTIONS.len())];
        let probability = ValueRange::fixed(d.hundredths(0.2, 1.0));
        let (at_s, duration_s) = (ValueRange::fixed(at), d.window(at));
        Fault::ActionFailure(ActionFailure { action, probability, at_s, duration_s })
    },
    |d, at| Fault::MonitorCrash(MonitorCrash { at_s: ValueRange::fixed(at), restart_after_s: d.restart() }),
];
