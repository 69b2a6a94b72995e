//! Benchmarks of the simulation itself: one whole `primary_failure` run on the 5-node,
//! 3-region topology over 300 s of virtual time with the default policy (the issue's
//! per-run target), reported both per run and as events per second through the loop;
//! and the bare event loop, with a control plane that only bounces messages, as events
//! per second of the engine alone (queue, network draws, delivery, ledger).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use failsim::engine::network::{LinkClass, Network};
use failsim::engine::random::RunKey;
use failsim::engine::sim::{self, ControlPlane, FaultInjector, Observer};
use failsim::engine::{derive_seed, Fact, FaultStep, Message, NodeState, Payload, Seed, Sim, SimTime, World};
use failsim::model::{load, resolve};
use failsim::model::{ReplicationMode, Role};
use failsim::run::{self, RunRequest};
use std::hint::black_box;

fn primary_failure_run(c: &mut Criterion) {
    let scenario = load::scenario("builtin:primary_failure").expect("built-in scenario loads");
    let cluster = load::topology("builtin:three-region-5").expect("built-in topology loads");
    let policy = resolve::scenario_policy(&scenario).expect("default policy loads");
    let seeds: Vec<_> = (0..64).map(|i| derive_seed(0, "primary_failure", "three-region-5", i)).collect();
    let request = |i: usize| RunRequest {
        scenario: &scenario.value,
        cluster: &cluster.value,
        policy: &policy.value,
        seed: seeds[i % seeds.len()],
        mutant: None,
        trace: false,
    };
    let events = run::run(&request(0)).metrics.events;

    let mut group = c.benchmark_group("simulation");
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("primary_failure_run/three-region-5/300s", |b| {
        b.iter(|| {
            i += 1;
            black_box(run::run(&request(i)).metrics.events)
        })
    });
    group.throughput(Throughput::Elements(events));
    group.bench_function("event_loop/primary_failure_seed0", |b| {
        b.iter(|| black_box(run::run(&request(0)).metrics.events))
    });
    group.finish();
}

/// Every delivered message is answered by another to a neighbour: a steady stream of
/// `nodes` messages in flight, each costing one event.
struct Bounce {
    nodes: u32,
}

impl ControlPlane for Bounce {
    type Timer = ();

    fn start(&mut self, sim: &mut Sim<()>) {
        for node in 0..self.nodes {
            let payload = Payload::Heartbeat { seq: 0, term: 1, position: 0, claims_primary: false, sent_local: 0 };
            sim.send(node, (node + 1) % self.nodes, payload);
        }
    }

    fn on_message(&mut self, sim: &mut Sim<()>, message: Message) {
        let next = if message.to + 1 == self.nodes { 0 } else { message.to + 1 };
        sim.send(message.to, next, message.payload);
    }

    fn on_timer(&mut self, _: &mut Sim<()>, _: ()) {}

    fn on_lifecycle(&mut self, _: &mut Sim<()>, _: Fact) {}
}

struct Nothing;

impl FaultInjector<()> for Nothing {
    fn start(&mut self, _: &mut Sim<()>) {}
    fn fire(&mut self, _: &mut Sim<()>, _: FaultStep) {}
}

impl Observer<()> for Nothing {
    fn observe(&mut self, _: &Sim<()>, _: Fact) {}
}

fn bare_event_loop(c: &mut Criterion) {
    const NODES: u32 = 5;
    const EVENTS: u64 = 100_000;
    let world = || {
        let nodes = (0..NODES).map(|_| NodeState::new(Role::Secondary)).collect();
        let size = NODES as usize + 1;
        let ms = 1_000_000;
        let network = Network::new(size, vec![LinkClass::CrossRegion; size * size], [(ms, 2 * ms); 3], 0.0);
        let key = RunKey::of(Seed(0));
        World::new(nodes, network, ReplicationMode::Async, 1, 0.0, SimTime(100 * ms), key)
    };
    let mut group = c.benchmark_group("simulation");
    group.throughput(Throughput::Elements(EVENTS));
    group.bench_function("event_loop/bare_100k_events", |b| {
        b.iter(|| {
            let mut sim = Sim::new(world(), SimTime::MAX, false);
            let ending = sim::run(&mut sim, &mut Bounce { nodes: NODES }, &mut Nothing, &mut Nothing, EVENTS);
            black_box((ending, sim.events))
        })
    });
    group.finish();
}

criterion_group!(benches, primary_failure_run, bare_event_loop);
criterion_main!(benches);
