//! Benchmarks of the planner: one `planner::plan` on the built-in seven-node topology
//! with its primary failed, under the seed's ordered rules (`builtin:seed-auto`) and the
//! weighted score (`builtin:quorum-based`); and loading the seed-example topology from
//! text (parse, decode, validate), the cost paid before any plan.
//!
//! Inputs are loaded outside the timed loop. Figures are recorded in
//! docs/PERFORMANCE.md (the seed's planning target is under 50 ms; ours, under 10 µs).

use criterion::{criterion_group, criterion_main, Criterion};
use failsim::control::planner::{self, PlanRequest};
use failsim::model::library::{self, Kind};
use failsim::model::{load, Cluster, Role};
use std::hint::black_box;

const TOPOLOGY: &str = "three-region-7";

fn plan_seven_nodes(c: &mut Criterion) {
    let cluster = load::topology(&format!("builtin:{TOPOLOGY}")).expect("built-in topology loads").value;
    let primary = cluster.nodes.iter().position(|n| n.role == Role::Primary).expect("the topology has a primary");
    let views = PlanRequest::declared_views(&cluster, &[primary]);
    let mut group = c.benchmark_group("plan");
    for policy_name in ["seed-auto", "quorum-based"] {
        let policy = load::policy(&format!("builtin:{policy_name}")).expect("built-in policy loads").value;
        let request = PlanRequest { cluster: &cluster, policy: &policy, views: &views, failed_primary: primary };
        // A plan that found no target would time the short path: refuse to measure it.
        assert!(planner::plan(&request).target().is_some(), "{TOPOLOGY} under {policy_name} has no target");
        group.bench_function(format!("{TOPOLOGY}/{policy_name}"), |b| b.iter(|| planner::plan(black_box(&request))));
    }
    group.finish();
}

fn load_seed_example(c: &mut Criterion) {
    let text = library::text(Kind::Topology, "seed-example").expect("built-in topology exists");
    load::decode::<Cluster>(&text).expect("the seed example loads");
    c.bench_function("load/seed-example", |b| b.iter(|| load::decode::<Cluster>(black_box(&text))));
}

criterion_group!(benches, plan_seven_nodes, load_seed_example);
criterion_main!(benches);
