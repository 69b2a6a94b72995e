//! `failsim sweep`: grids over settings, monotone trade-offs, the unsafe point.
//!
//! The two scenarios are the ones docs/CAPACITY.md sweeps (under docs/capacity/), so
//! these tests hold the claims that document makes.

use crate::support::{failsim, parts, scratch_dir};
use failsim::report::sweep::{PointResult, Sweep};
use std::path::Path;

const LOSSY: &str = "docs/capacity/lossy-network.yaml";
const SLOW_CLOCK: &str = "docs/capacity/slow-clock-isolation.yaml";

/// Runs `failsim sweep ARGS --no-timing --out OUT` and reads back its sweep.json.
fn sweep(args: &[&str], out: &Path) -> Sweep {
    let mut all = vec!["sweep", "--no-timing", "--out", out.to_str().expect("a UTF-8 path")];
    all.extend(args);
    let (code, _, stderr) = parts(&failsim(&all));
    assert_eq!(code, 0, "{args:?} exits 0 (also when a point is unsafe): {stderr}");
    let text = std::fs::read_to_string(out.join("sweep.json")).expect("sweep.json is written");
    serde_json::from_str(&text).expect("sweep.json reads back as the sweep model")
}

/// Goal: the trade-off a planner sweeps for. On a lossy network, detecting a failure
/// sooner (a shorter heartbeat interval, fewer misses before declaring the primary
/// failed) means more false failovers. Method: the lossy-network scenario with its
/// loss raised to 30% (so every point has false failovers to count), 4 intervals x 4
/// thresholds, 200 seeds, the same seeds at every point. The aggregate is strictly
/// monotone with margins to spare: the closest neighbours are 2,558 against 2,222
/// false failovers (threshold 1, interval 500 -> 1000 ms), about five standard
/// deviations of a 200-run sum apart, so this is a property of the control plane, not
/// of these seeds. Every point is also safe: this sweep once found a split-brain here
/// (see `control_regressions::a_failover_that_ends_without_hearing_its_target_...`).
#[test]
fn faster_detection_costs_false_failovers_on_a_lossy_network() {
    let out = scratch_dir("sweep-tradeoff");
    let intervals = [500, 1000, 2000, 4000];
    let thresholds = [1, 2, 3, 5];
    let sweep = sweep(
        &[
            "--scenario",
            LOSSY,
            "--param",
            "policy.heartbeat.interval_ms=500,1000,2000,4000",
            "--param",
            "policy.heartbeat.failure_threshold=1,2,3,5",
            "--param",
            "scenario.faults.1.probability=0.3",
        ],
        &out,
    );
    assert_eq!(sweep.points.len(), 16);
    let at = |i: usize, t: usize| -> &PointResult {
        let point = &sweep.points[i * thresholds.len() + t];
        let values: Vec<f64> = point.values.iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(values, [f64::from(intervals[i]), f64::from(thresholds[t]), 0.3], "the first param is outermost");
        &point.results[0]
    };
    let detection = |r: &PointResult| r.detection_ms_p50.expect("every run detects the crash");
    for (i, interval) in intervals.iter().enumerate() {
        for t in 1..thresholds.len() {
            let (fewer, more) = (at(i, t - 1), at(i, t));
            let what = format!("interval {interval} ms, threshold {} -> {}", thresholds[t - 1], thresholds[t]);
            assert!(more.false_failovers < fewer.false_failovers, "{what}: false failovers fall");
            assert!(detection(more) > detection(fewer), "{what}: detection p50 rises");
        }
    }
    for (t, threshold) in thresholds.iter().enumerate() {
        for i in 1..intervals.len() {
            let (shorter, longer) = (at(i - 1, t), at(i, t));
            let what = format!("threshold {threshold}, interval {} -> {} ms", intervals[i - 1], intervals[i]);
            assert!(longer.false_failovers < shorter.false_failovers, "{what}: false failovers fall");
            assert!(detection(longer) > detection(shorter), "{what}: detection p50 rises");
        }
    }
    for point in &sweep.points {
        assert_eq!(point.results[0].runs_with_safety_violations, 0, "{:?} is safe", point.values);
    }
    let front: Vec<&PointResult> = sweep.points.iter().map(|p| &p.results[0]).filter(|r| r.pareto).collect();
    assert!(front.iter().any(|r| r.false_failover_rate < 0.5), "the front reaches the quiet settings");
}

/// Goal: the lease length past which a slow clock splits the brain. The old primary's
/// lease runs on its own clock, at rate 0.8: it lasts lease / 0.8 of real time from
/// the heartbeat that earned it (sim/engine/node.rs, `Clock`). The monitor waits until
/// its last grant + lease + margin before sending the promote command
/// (sim/control/executor.rs, `lease_wait_until`), and the new primary accepts writes
/// one promotion later: promote_ms (8 to 12 s for a hot standby under the default
/// policy) plus a few message trips. Two nodes accept writes (single_writer,
/// sim/check/invariants.rs) exactly when
///     lease x (1 / 0.8 - 1) = lease / 4  >  margin + promotion time,
/// so never while lease / 4 - margin < 8 s, and in some runs once it is above 8 s plus
/// the trips. Method: leases on both sides of that line for two margins, 100 seeds;
/// no grid value sits within 0.25 s of it. And nearly every run is unsafe once
/// lease / 4 - margin exceeds the slowest promotion (12 s).
#[test]
fn a_lease_longer_than_four_times_margin_plus_promotion_splits_the_brain_on_a_slow_clock() {
    let out = scratch_dir("sweep-lease");
    let sweep = sweep(
        &[
            "--scenario",
            SLOW_CLOCK,
            "--param",
            "policy.fencing.lease_ms=35000,40000,42000,50000,60000",
            "--param",
            "policy.fencing.margin_ms=1000,3000",
            "--seeds",
            "100",
        ],
        &out,
    );
    for point in &sweep.points {
        let [lease, margin] = [0, 1].map(|k| point.values[k].as_f64().unwrap());
        let slack_ms = lease * (1.0 / 0.8 - 1.0) - margin;
        let result = &point.results[0];
        assert_eq!(point.safe, slack_ms < 8000.0, "lease {lease} ms, margin {margin} ms: {result:?}");
        for broken in result.violations.iter().filter(|v| v.safety) {
            assert_eq!(broken.invariant, "single_writer", "lease {lease}, margin {margin}");
        }
        if slack_ms > 12_500.0 {
            assert!(result.runs_with_safety_violations >= 95, "lease {lease}, margin {margin}: {result:?}");
        }
        if !point.safe {
            let example = result.first_violation.as_ref().expect("an unsafe point names its first violation");
            assert!(example.replay.contains(&format!("points/{}/scenario-0.yaml", point.index)), "{}", example.replay);
        }
    }
    assert_eq!(sweep.totals.unsafe_points, 6, "35 s with either margin, and 40 and 42 s with a 3 s margin, are safe");
}

/// A replay command from a sweep runs the swept value: it names the point's own files,
/// and the run breaks the same invariant again. The point's scenario also stands alone.
#[test]
fn a_violation_found_by_a_sweep_replays_from_its_point_files() {
    let out = scratch_dir("sweep-replay");
    let sweep =
        sweep(&["--scenario", SLOW_CLOCK, "--param", "policy.fencing.lease_ms=20000,60000", "--seeds", "5"], &out);
    assert!(sweep.points[0].safe && !sweep.points[1].safe);
    let example = sweep.points[1].results[0].first_violation.clone().expect("60 s leases split the brain");
    let trace = out.join("trace.jsonl");
    let command = example.replay.replace("--trace trace.jsonl", &format!("--trace {}", trace.display()));
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words[..2], ["failsim", "replay"]);
    let (code, stdout, stderr) = parts(&failsim(&words[1..]));
    assert_eq!(code, 1, "the replay breaks an invariant again: {stdout}{stderr}");
    assert!(stdout.contains(&format!("single_writer at {:.3} ms", example.at_ms)), "{stdout}");
    let policy = std::fs::read_to_string(out.join("points/1/policy-0.yaml")).unwrap();
    assert!(policy.contains("lease_ms: 60000"), "{policy}");
    let scenario = out.join("points/1/scenario-0.yaml");
    let (code, stdout, stderr) = parts(&failsim(&["validate", scenario.to_str().unwrap()]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("on three-region-5 under slow-clock"), "it names its own topology and policy: {stdout}");
}

#[test]
fn one_and_two_threads_write_byte_identical_sweeps() {
    let out = scratch_dir("sweep-threads");
    let args = ["--scenario", SLOW_CLOCK, "--param", "policy.fencing.lease_ms=30000,60000", "--seeds", "40"];
    let files = ["sweep.json", "sweep.md", "sweep.html", "sweep-tradeoff.svg", "report.json"];
    let read = || files.map(|f| std::fs::read(out.join(f)).unwrap_or_else(|e| panic!("{f}: {e}")));
    sweep(&[&args[..], &["--threads", "1"]].concat(), &out);
    let one = read();
    sweep(&[&args[..], &["--threads", "2"]].concat(), &out);
    for (file, (a, b)) in files.iter().zip(one.iter().zip(read())) {
        assert!(*a == b, "{file} differs between 1 and 2 threads");
    }
    assert!(!String::from_utf8_lossy(&one[0]).contains("\"timing\""), "--no-timing leaves the timing key out");
}

#[test]
fn bad_params_exit_2_with_one_line_naming_the_parameter() {
    let dir = scratch_dir("sweep-bad");
    let out = dir.join("out");
    let wide: Vec<String> = (1..=40).map(|v| v.to_string()).collect();
    let (cooldowns, lags) =
        (format!("policy.cooldown_s={}", wide.join(",")), format!("policy.max_lag_ms={}", wide.join(",")));
    for (params, says) in [
        (vec!["policy.heartbeat.intervl_ms=500"], "--param policy.heartbeat.intervl_ms=500: policy.heartbeat has no field `intervl_ms` (did you mean `interval_ms`?"),
        (vec!["policy.strategy=1"], "--param policy.strategy=1: policy.strategy is text (`automatic`), not a number"),
        (vec!["policy.heartbeat.interval_ms=1000,0"], "--param policy.heartbeat.interval_ms=0: expected a finite number greater than 0, found 0"),
        (vec!["policy.heartbeat.failure_threshold=1.5"], "--param policy.heartbeat.failure_threshold=1.5: expected"),
        (vec!["scenario.faults.7.probability=0.1"], "--param scenario.faults.7.probability=0.1: scenario.faults has 2 entries"),
        (vec!["heartbeat.interval_ms=1"], "--param heartbeat.interval_ms=1: the path must start with cluster., policy. or scenario."),
        (vec!["policy.heartbeat.interval_ms=fast"], "--param policy.heartbeat.interval_ms=fast: `fast` is not a finite number"),
        (vec![&cooldowns, &lags], "the grid has 1600 points (40 x 40 values), more than the 1000"),
    ] {
        let mut args = vec!["sweep", "--scenario", LOSSY, "--out", out.to_str().unwrap()];
        for param in &params {
            args.extend(["--param", param]);
        }
        let (code, stdout, stderr) = parts(&failsim(&args));
        assert_eq!(code, 2, "{params:?}: {stderr}");
        assert_eq!(stdout, "", "{params:?}");
        assert_eq!(stderr.lines().count(), 1, "{params:?}: one line: {stderr}");
        assert!(stderr.starts_with(&format!("error: {says}")), "{params:?}: {stderr}");
        assert!(!out.exists(), "{params:?}: a refused sweep writes nothing");
    }
    let (code, _, stderr) = parts(&failsim(&["sweep", "--scenario", LOSSY]));
    assert_eq!(code, 2, "--param is required: {stderr}");
}
