//! Benchmarks of the simulation itself: one whole `primary_failure` run on the 5-node,
//! 3-region topology over 300 s of virtual time with the default policy (the issue's
//! per-run target), reported both per run and as events per second through the loop.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use failsim::engine::derive_seed;
use failsim::model::{load, resolve};
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

criterion_group!(benches, primary_failure_run);
criterion_main!(benches);
