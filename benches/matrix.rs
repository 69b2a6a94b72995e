//! The matrix runner's throughput at 1 and 2 threads: runs per second of the
//! `primary_failure` scenario on the 5-node topology, and from the two figures the
//! parallel efficiency (2-thread rate / (2 x 1-thread rate)) recorded in
//! docs/PERFORMANCE.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use failsim::model::{load, resolve};
use failsim::run::matrix::{self, Cell, Options};
use std::hint::black_box;
use std::sync::atomic::AtomicU64;

const RUNS: u64 = 2048;

fn matrix_throughput(c: &mut Criterion) {
    let scenario = load::scenario("builtin:primary_failure").expect("built-in scenario loads");
    let cluster = load::topology("builtin:three-region-5").expect("built-in topology loads");
    let policy = resolve::scenario_policy(&scenario).expect("default policy loads");
    let cell = Cell {
        scenario: &scenario.value,
        scenario_ref: "primary_failure".into(),
        cluster: &cluster.value,
        cluster_ref: "builtin:three-region-5".into(),
        policy: &policy.value,
        policy_ref: None,
        first_run: 0,
        runs: RUNS,
    };
    let mut group = c.benchmark_group("matrix");
    group.throughput(Throughput::Elements(RUNS));
    group.sample_size(10);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
        group.bench_with_input(BenchmarkId::new("primary_failure_x2048", threads), &threads, |b, _| {
            b.iter(|| {
                pool.install(|| {
                    black_box(matrix::run(std::slice::from_ref(&cell), Options::default(), &AtomicU64::new(0)))
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, matrix_throughput);
criterion_main!(benches);
