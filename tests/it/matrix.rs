//! The matrix runner and its aggregation: results independent of the thread count, and
//! percentiles that agree with an exact computation over the raw samples.

use crate::support::{failsim, parts};
use failsim::engine::derive_seed;
use failsim::model::{load, resolve};
use failsim::report::model::Distribution;
use failsim::run::aggregate::{Aggregate, HISTOGRAM_SIGFIGS};
use failsim::run::matrix::{self, Cell, Options};
use failsim::run::{self as runner, RunRequest};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("failsim-matrix-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn one_and_two_threads_write_byte_identical_reports() {
    let (a, b) = (temp_dir("t1"), temp_dir("t2"));
    let common = ["run", "--scenario", "primary_failure", "--scenario", "flapping", "--seeds", "30", "--no-timing"];
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        let mut args = common.to_vec();
        args.extend(["--threads", threads, "--out", dir.to_str().unwrap()]);
        let (code, _, stderr) = parts(&failsim(&args));
        assert_eq!(code, 0, "{stderr}");
    }
    for file in ["report.json", "summary.md", "junit.xml", "report.html"] {
        let left = std::fs::read(a.join(file)).unwrap();
        let right = std::fs::read(b.join(file)).unwrap();
        assert!(left == right, "{file} differs between 1 and 2 threads");
    }
    let json = std::fs::read_to_string(a.join("report.json")).unwrap();
    assert!(!json.contains("\"timing\""), "--no-timing leaves the timing key out");
}

#[test]
fn percentiles_agree_with_an_exact_computation_within_histogram_precision() {
    let scenario = load::scenario("builtin:primary_failure").unwrap();
    let cluster = load::topology("builtin:three-region-5").unwrap();
    let policy = resolve::scenario_policy(&scenario).unwrap();
    let runs = 300;
    let cell = Cell {
        scenario: &scenario.value,
        scenario_ref: "primary_failure".into(),
        cluster: &cluster.value,
        cluster_ref: "builtin:three-region-5".into(),
        policy: &policy.value,
        policy_ref: None,
        first_run: 0,
        runs,
    };
    let aggregate = matrix::run(std::slice::from_ref(&cell), Options::default(), &AtomicU64::new(0)).remove(0);
    let mut failover_ms: Vec<f64> = (0..runs)
        .filter_map(|i| {
            let seed = derive_seed(0, "primary_failure", "three-region-5", i);
            let request = RunRequest {
                scenario: &scenario.value,
                cluster: &cluster.value,
                policy: &policy.value,
                seed,
                mutant: None,
                trace: false,
            };
            runner::run(&request).metrics.failover_ms
        })
        .collect();
    failover_ms.sort_by(f64::total_cmp);
    let distribution = Distribution::of(&aggregate.failover_us);
    assert_eq!(distribution.count, failover_ms.len() as u64);
    let tolerance = 10f64.powi(-i32::from(HISTOGRAM_SIGFIGS));
    for (quantile, reported) in
        [(0.5, distribution.p50), (0.95, distribution.p95), (0.99, distribution.p99), (1.0, distribution.max)]
    {
        // hdrhistogram's quantile: the smallest recorded value with at least q of the samples at or below it.
        let rank = ((quantile * failover_ms.len() as f64).ceil() as usize).clamp(1, failover_ms.len());
        let exact = failover_ms[rank - 1];
        let reported = reported.expect("samples exist");
        let error = (reported - exact).abs() / exact;
        assert!(error <= tolerance, "q{quantile}: reported {reported} ms, exact {exact} ms, relative error {error}");
    }
}

#[test]
fn aggregates_merge_to_the_same_summary_in_any_order() {
    let scenario = load::scenario("builtin:flapping").unwrap();
    let cluster = load::topology("builtin:three-region-5").unwrap();
    let policy = resolve::scenario_policy(&scenario).unwrap();
    let outcomes: Vec<_> = (0..20)
        .map(|i| {
            let seed = derive_seed(7, "flapping", "three-region-5", i);
            let request = RunRequest {
                scenario: &scenario.value,
                cluster: &cluster.value,
                policy: &policy.value,
                seed,
                mutant: None,
                trace: false,
            };
            runner::run(&request)
        })
        .collect();
    let fold = |order: &[usize]| {
        let mut parts: Vec<Aggregate> = Vec::new();
        for chunk in order.chunks(3) {
            let mut part = Aggregate::new(scenario.value.faults.len());
            for &i in chunk {
                part.add(i as u64, &outcomes[i], (None, None));
            }
            parts.push(part);
        }
        parts.into_iter().fold(Aggregate::new(scenario.value.faults.len()), Aggregate::merge)
    };
    let forward: Vec<usize> = (0..20).collect();
    let backward: Vec<usize> = (0..20).rev().collect();
    let (a, b) = (fold(&forward), fold(&backward));
    assert_eq!(Distribution::of(&a.failover_us), Distribution::of(&b.failover_us));
    assert_eq!((a.runs, a.events, a.violations, a.final_states), (b.runs, b.events, b.violations, b.final_states));
    assert_eq!(a.examples, b.examples);
}
