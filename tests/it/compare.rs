//! `failsim compare`: topologies side by side under common random numbers.

use super::support::{failsim, parts, scratch_dir};
use failsim::model::load;
use failsim::report::compare::annual_downtime_s;
use failsim::run::matrix::{Cell, Options};
use serde_json::Value;
use std::path::Path;

/// The primary's region cut off at 10 to 60 s and never healed.
const ISOLATED_FOR_GOOD: &str = "\
name: isolated_for_good
description: The primary's region is cut off and stays cut off.
duration_s: 300
faults:
  - kind: region_isolation
    at_s: [10, 60]
    region: region_of:primary
";

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("written")).expect("valid JSON")
}

/// The values of one row of one scenario, by topology id.
fn row(comparison: &Value, scenario: &str, metric: &str) -> Vec<(String, Option<f64>)> {
    let topologies: Vec<String> =
        comparison["topologies"].as_array().expect("topologies").iter().map(|t| t.as_str().unwrap().into()).collect();
    let block = comparison["scenarios"].as_array().unwrap().iter().find(|s| s["scenario"] == scenario).expect(scenario);
    let row = block["rows"].as_array().unwrap().iter().find(|r| r["metric"] == metric).expect(metric);
    topologies.into_iter().zip(row["values"].as_array().unwrap().iter().map(Value::as_f64)).collect()
}

fn value(pairs: &[(String, Option<f64>)], topology: &str) -> Option<f64> {
    pairs.iter().find(|(t, _)| t == topology).expect(topology).1
}

#[test]
fn three_regions_fail_over_where_two_regions_end_without_quorum() {
    let dir = scratch_dir("compare-isolation");
    let scenario = dir.join("isolated_for_good.yaml");
    std::fs::write(&scenario, ISOLATED_FOR_GOOD).unwrap();
    let out = dir.join("out");
    let output = failsim(&[
        "compare",
        "--cluster",
        "builtin:active-passive-2region",
        "--cluster",
        "builtin:three-region-5",
        "--scenario",
        scenario.to_str().unwrap(),
        "--seeds",
        "40",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (code, stdout, stderr) = parts(&output);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let comparison = read_json(&out.join("comparison.json"));
    // Five nodes over three regions: the majority, with the monitor and the witness,
    // fails over every time and keeps its quorum.
    let failover = row(&comparison, "isolated_for_good", "failover_p95_s");
    let no_quorum = row(&comparison, "isolated_for_good", "no_quorum_rate");
    assert!(value(&failover, "three-region-5").is_some(), "{failover:?}");
    assert_eq!(value(&no_quorum, "three-region-5"), Some(0.0));
    // Two regions with the monitor in the cut-off one: half the voters on each side,
    // no failover, and every run ends CRITICAL.
    assert_eq!(value(&failover, "active-passive-2region"), None, "{failover:?}");
    assert_eq!(value(&no_quorum, "active-passive-2region"), Some(1.0));
    let report = read_json(&out.join("report.json"));
    for cell in report["cells"].as_array().unwrap() {
        let (failovers, critical) = (cell["failovers"].as_u64().unwrap(), cell["final_states"]["critical"].as_u64());
        match cell["cluster_id"].as_str().unwrap() {
            "three-region-5" => assert!(failovers >= 40 && critical == Some(0), "{cell}"),
            _ => assert!(failovers == 0 && critical == Some(40), "{cell}"),
        }
    }
    // The lowest unavailability is the three-region layout's, and it is marked best.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Comparison</h2>") && html.contains("class=\"best\""));
}

#[test]
fn every_topology_gets_the_same_seeds() {
    let scenario = load::scenario("builtin:primary_failure").unwrap().value;
    let policy = load::policy("builtin:seed-auto").unwrap().value;
    let a = load::topology("builtin:seed-example").unwrap().value;
    let b = load::topology("builtin:three-region-7").unwrap().value;
    let cell = |cluster| Cell {
        scenario: &scenario,
        scenario_ref: "primary_failure".into(),
        cluster,
        cluster_ref: String::new(),
        policy: &policy,
        policy_ref: None,
        first_run: 0,
        runs: 10,
    };
    let common = Options { common_seeds: true, ..Options::default() };
    for i in 0..10 {
        assert_eq!(cell(&a).request(i, common, false).seed, cell(&b).request(i, common, false).seed);
        // Without common random numbers each topology has its own seeds (so `run`'s
        // replay commands stay as they were).
        assert_ne!(
            cell(&a).request(i, Options::default(), false).seed,
            cell(&b).request(i, Options::default(), false).seed
        );
    }
}

#[test]
fn the_expected_annual_downtime_is_the_hand_computed_one() {
    let out = scratch_dir("compare-downtime").join("out");
    let args = [
        "compare",
        "--cluster",
        "builtin:seed-example",
        "--cluster",
        "builtin:three-region-5",
        "--scenario",
        "builtin:primary_failure",
        "--scenario",
        "builtin:node_crash",
        "--seeds",
        "20",
        "--node-failures-per-year",
        "3",
        "--out",
        out.to_str().unwrap(),
    ];
    let (code, stdout, stderr) = parts(&failsim(&args));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let comparison = read_json(&out.join("comparison.json"));
    let report = read_json(&out.join("report.json"));
    let mean_s = |scenario: &str, topology: &str| {
        let cells = report["cells"].as_array().unwrap();
        let cell = cells.iter().find(|c| c["scenario"] == scenario && c["cluster_id"] == topology).unwrap();
        cell["unavailable_ms"]["mean"].as_f64().unwrap() / 1000.0
    };
    for (topology, nodes) in [("prod-cluster", 3u32), ("three-region-5", 5)] {
        let estimate = comparison["annual_downtime"].as_array().unwrap().iter().find(|d| d["cluster_id"] == topology);
        let estimate = estimate.expect(topology);
        // By hand: three failures per node per year; the primary's cost a failover each,
        // the other nodes' what a node_crash run costs.
        let (primary, other) = (mean_s("primary_failure", topology), mean_s("node_crash", topology));
        let by_hand = 3.0 * primary + 3.0 * f64::from(nodes - 1) * other;
        assert_eq!(estimate["nodes"].as_u64(), Some(u64::from(nodes)));
        assert_eq!(estimate["downtime_s_per_year"].as_f64(), Some(by_hand), "{estimate}");
        assert_eq!(annual_downtime_s(3.0, nodes, primary, other), by_hand);
        // A standby's loss costs nothing here, so the year costs three failovers.
        assert_eq!(other, 0.0);
        assert!(by_hand > 3.0 * 30.0 && by_hand < 3.0 * 60.0, "{by_hand}");
    }
}

#[test]
fn one_and_two_threads_write_byte_identical_comparisons() {
    let dir = scratch_dir("compare-threads");
    let written = |threads: &str| {
        let out = dir.join(threads);
        let args = ["compare", "--cluster", "seed-example", "--cluster", "three-region-7", "--seeds", "30"];
        let more = ["--no-timing", "--threads", threads, "--out", out.to_str().unwrap()];
        let (code, _, stderr) = parts(&failsim(&[&args[..], &more[..]].concat()));
        assert_eq!(code, 0, "{stderr}");
        ["comparison.json", "report.json"].map(|f| std::fs::read(out.join(f)).expect("written"))
    };
    assert_eq!(written("1"), written("2"));
}

#[test]
fn compare_refuses_a_single_topology_and_a_bad_rate() {
    let (code, _, stderr) = parts(&failsim(&["compare", "--cluster", "builtin:seed-example"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("at least two"), "{stderr}");
    let args = ["compare", "--cluster", "builtin:seed-example", "--cluster", "builtin:three-region-5"];
    let (code, _, stderr) = parts(&failsim(&[&args[..], &["--node-failures-per-year=-1"]].concat()));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--node-failures-per-year"), "{stderr}");
    let twice = ["compare", "--cluster", "builtin:seed-example", "--cluster", "seed-example"];
    let (code, _, stderr) = parts(&failsim(&twice));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("given twice") && stderr.lines().count() == 1, "{stderr}");
}
