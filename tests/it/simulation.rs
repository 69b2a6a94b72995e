//! The simulation end to end, as issue 3's acceptance states it: byte-identical traces
//! across processes, fault removal that leaves the other draws alone, primary loss,
//! region isolation (majority and minority sides, with and without the lease wait),
//! durability under sync and async replication, false failovers on a lossy network,
//! and failed promotions with their retries, re-plans and audit trail.
//!
//! Each claim runs over 200 derived seeds through the library (`run::run`); where the
//! issue says "separate processes" (traces, replay commands) it runs the binary.

use crate::support::{failsim, parts, scratch_dir};
use failsim::check::Invariant;
use failsim::control::audit_pack;
use failsim::control::auditor::AuditKind;
use failsim::control::planner::{self, Exclusion, PlanRequest};
use failsim::control::standard::Mutant;
use failsim::engine::sim::TraceRecord;
use failsim::engine::{derive_seed, Seed, SimTime};
use failsim::faults::{Injector, Placement};
use failsim::model::load::{self, Format, Text};
use failsim::model::{resolve, Cluster, ClusterState, Policy, ReplicationMode, Role, Scenario, ValueRange};
use failsim::run::{self, RunOutcome, RunRequest};
use rayon::prelude::*;
use serde_json::Value;

/// Seeds per claim.
const SEEDS: u64 = 200;

/// A scenario with the topology and policy it runs against.
struct Setup {
    scenario: Scenario,
    cluster: Cluster,
    policy: Policy,
}

/// Decodes an inline scenario (its policy resolved as `failsim` would) for a built-in
/// topology.
fn setup(scenario_yaml: &str, topology: &str) -> Setup {
    let text = Text {
        origin: "inline-scenario.yaml".to_string(),
        base_dir: None,
        body: scenario_yaml.to_string(),
        format: Format::Yaml,
    };
    let scenario = load::decode::<Scenario>(&text).unwrap_or_else(|e| panic!("the test scenario loads: {e}"));
    let policy = resolve::scenario_policy(&scenario).unwrap_or_else(|e| panic!("the policy loads: {e}")).value;
    let cluster = load::topology(topology).unwrap_or_else(|e| panic!("the topology loads: {e}")).value;
    Setup { scenario: scenario.value, cluster, policy }
}

impl Setup {
    fn seed(&self, index: u64) -> Seed {
        derive_seed(0, &self.scenario.name, &self.cluster.cluster_id, index)
    }

    fn run(&self, seed: Seed, mutant: Option<Mutant>, trace: bool) -> RunOutcome {
        let request =
            RunRequest { scenario: &self.scenario, cluster: &self.cluster, policy: &self.policy, seed, mutant, trace };
        run::run(&request)
    }

    /// The first [`SEEDS`] derived seeds, run in parallel (runs share nothing).
    fn runs(&self, mutant: Option<Mutant>, trace: bool) -> Vec<RunOutcome> {
        (0..SEEDS).into_par_iter().map(|i| self.run(self.seed(i), mutant, trace)).collect()
    }

    fn node_index(&self, node_id: &str) -> usize {
        self.cluster.node_index(node_id).unwrap_or_else(|| panic!("no node {node_id}"))
    }

    /// The target the planner's rules choose when `failed` nodes are down and the
    /// `excluded` ones may not be chosen (their promotion failed).
    fn planned_target(&self, failed: &[&str], excluded: &[&str]) -> String {
        let failed: Vec<usize> = failed.iter().map(|id| self.node_index(id)).collect();
        let excluded: Vec<Exclusion> =
            excluded.iter().map(|id| Exclusion { node: self.node_index(id), reason: "promotion failed" }).collect();
        let views = PlanRequest::declared_views(&self.cluster, &failed);
        let primary = self.cluster.nodes.iter().position(|n| n.role == Role::Primary).expect("a primary");
        let request =
            PlanRequest { cluster: &self.cluster, policy: &self.policy, views: &views, failed_primary: primary };
        planner::plan_excluding(&request, &excluded).failover_target_id.expect("the planner finds a target")
    }
}

/// A one-line account of a run, for assertion messages.
fn describe(outcome: &RunOutcome) -> String {
    let violations: Vec<String> = outcome
        .violations
        .iter()
        .map(|v| format!("{} at {:.3} ms: {}", v.invariant.as_str(), v.at_ms, v.detail))
        .collect();
    format!(
        "seed {}: promoted {:?}, failovers {}, detection {:?} ms, lost {}, final {:?}, violations {:?}",
        outcome.seed.0,
        outcome.metrics.failovers_promoted,
        outcome.metrics.failovers,
        outcome.metrics.detection_ms,
        outcome.metrics.lost_writes,
        outcome.final_state,
        violations
    )
}

fn safety_violations(outcome: &RunOutcome) -> u32 {
    safety_violations_but(outcome, &[])
}

/// Safety violations other than of the `allowed` invariants.
fn safety_violations_but(outcome: &RunOutcome, allowed: &[Invariant]) -> u32 {
    Invariant::ALL
        .iter()
        .filter(|i| i.is_safety() && !allowed.contains(i))
        .map(|&i| outcome.violation_counts[i as usize])
        .sum()
}

fn count(outcome: &RunOutcome, invariant: Invariant) -> u32 {
    outcome.violation_counts[invariant as usize]
}

/// One-way latency range of the link between a node and the monitor, in ms, by the
/// same link classes the world uses (region, then site; the monitor's site defaults
/// to one of its own).
fn monitor_link_ms(cluster: &Cluster, node_id: &str) -> ValueRange {
    let node = &cluster.nodes[cluster.node_index(node_id).expect("the node exists")];
    let monitor = cluster.monitor_placement();
    let monitor_site = monitor.site.unwrap_or_else(|| "monitor".to_string());
    if node.region != monitor.region {
        cluster.network.cross_region_ms
    } else if node.site != monitor_site {
        cluster.network.same_region_ms
    } else {
        cluster.network.same_site_ms
    }
}

/// The detection latency bounds (crash to the monitor declaring the node failed), in ms.
///
/// From `sim/control/monitor.rs`: the monitor's deadline for a node falls
/// `interval + timeout` after the last heartbeat it heard, and then every `interval`;
/// the `failure_threshold`-th (F) miss declares the node failed. With H the arrival of
/// the last heartbeat, detection happens at H + F·I + T. That heartbeat was sent at
/// s <= crash, less than one jittered interval I·(1 + j) before the crash (the agent
/// draws each gap in [I·(1 - j), I·(1 + j))), and took one link latency L in
/// [L_min, L_max] to arrive (messages already in flight still arrive; without packet
/// loss none is lost). So detection - crash = (s - crash) + L + F·I + T lies in
///   [F·I + T + L_min - I·(1 + j),  F·I + T + L_max].
fn detection_bounds_ms(policy: &Policy, link_ms: ValueRange) -> (f64, f64) {
    let hb = &policy.heartbeat;
    let (f, i, t, j) = (f64::from(hb.failure_threshold), hb.interval_ms, hb.timeout_ms, hb.jitter_percent / 100.0);
    (f * i + t + link_ms.min - i * (1.0 + j), f * i + t + link_ms.max)
}

/// Times are converted to whole nanoseconds once (`SimTime::from_ms`), so a figure
/// may sit this far past a bound computed in real numbers.
const ROUNDING_MS: f64 = 1e-6;

/// The traces' records strictly before `t`.
fn before(trace: &[TraceRecord], t: SimTime) -> &[TraceRecord] {
    let end = trace.iter().position(|r| r.at_ns >= t.0).unwrap_or(trace.len());
    &trace[..end]
}

/// The number after `key: ` in a trace record's detail (the engine's debug format).
fn field_u64(detail: &str, key: &str) -> Option<u64> {
    let start = detail.find(&format!("{key}: "))? + key.len() + 2;
    let digits: String = detail[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Real time at which `node`'s write lease ended for the last time, read from a trace
/// of a run whose clocks run at real time: the lease it starts with, and every lease
/// reply delivered to it (each runs `lease_ms` from the heartbeat's send time). An
/// upper bound: every reply is counted, even one the node had no use for.
fn last_lease_end_ns(trace: &[TraceRecord], node: u32, lease: SimTime) -> u64 {
    trace
        .iter()
        .filter(|r| r.kind == "deliver" && r.node == Some(node))
        .filter(|r| r.detail.contains("HeartbeatReply") && r.detail.contains("lease: true"))
        .filter_map(|r| field_u64(&r.detail, "sent_local"))
        .map(|sent| sent + lease.0)
        .fold(lease.0, u64::max)
}

/// When a node other than `old` was first promoted, from the trace.
fn first_promotion_ns(trace: &[TraceRecord], old: u32) -> Option<(u64, u32)> {
    trace.iter().filter(|r| r.kind == "fact" && r.detail.starts_with("Promoted")).find_map(|r| {
        let node: u32 = r.detail.split("NodeId(").nth(1)?.split(')').next()?.parse().ok()?;
        (node != old).then_some((r.at_ns, node))
    })
}

// ---------------------------------------------------------------------------------
// Determinism

const TWO_FAULTS: &str = "
name: determinism
duration_s: 300
faults:
  - kind: primary_loss
    at_s: [50, 70]
  - kind: latency_spike
    at_s: [190, 210]
    duration_s: 30
    extra_ms: [100, 400]
    jitter_ms: 50
";

#[test]
fn replays_in_separate_processes_write_byte_identical_traces_and_another_seed_does_not() {
    let dir = scratch_dir("replay-bytes");
    let scenario = dir.join("determinism.yaml");
    std::fs::write(&scenario, TWO_FAULTS).expect("the scenario is written");
    let seed = derive_seed(0, "determinism", "prod-cluster", 0).0;
    let replay = |seed: u64, trace: &str| {
        let trace = dir.join(trace);
        let output = failsim(&[
            "replay",
            "--scenario",
            scenario.to_str().expect("UTF-8 path"),
            "--cluster",
            "builtin:seed-example",
            "--seed",
            &seed.to_string(),
            "--trace",
            trace.to_str().expect("UTF-8 path"),
        ]);
        let (code, _, stderr) = parts(&output);
        assert!(code == 0 || code == 1, "replay exits 0 or 1, got {code}: {stderr}");
        std::fs::read(&trace).expect("the trace is written")
    };
    let first = replay(seed, "first.jsonl");
    let second = replay(seed, "second.jsonl");
    let other = replay(seed.wrapping_add(1), "other.jsonl");
    assert!(first.len() > 10_000, "a real trace: {} bytes", first.len());
    assert!(first == second, "two processes, one seed: the traces differ");
    assert!(first != other, "another seed gives the same trace");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The scenario with the given faults (YAML list items) of [`TWO_FAULTS`].
fn with_faults(faults: &[&str]) -> String {
    let mut text = "name: determinism\nduration_s: 300\nfaults:\n".to_string();
    for fault in faults {
        text.push_str(fault);
    }
    text
}

const PRIMARY_LOSS_AT_60: &str = "  - kind: primary_loss\n    at_s: [50, 70]\n";
const SPIKE_AT_200: &str =
    "  - kind: latency_spike\n    at_s: [190, 210]\n    duration_s: 30\n    extra_ms: [100, 400]\n    jitter_ms: 50\n";

/// Runs `full` and `reduced` (the same scenario less one fault) for every seed and
/// checks that they agree on every trace line before the removed fault acts, and on
/// the sampled start of the primary loss they share.
fn removal_changes_nothing_before_the_removed_fault(full: &[&str], reduced: &[&str], removed: usize) {
    let full = setup(&with_faults(full), "builtin:seed-example");
    let reduced = setup(&with_faults(reduced), "builtin:seed-example");
    let loss_in =
        |s: &Setup| s.scenario.faults.iter().position(|f| f.kind() == "primary_loss").expect("a primary loss");
    (0..SEEDS).into_par_iter().for_each(|i| {
        let seed = full.seed(i);
        let placement = Placement::of(&full.cluster);
        let armed_full = Injector::arm(&full.scenario.faults, placement.clone(), seed).armed;
        let armed_reduced = Injector::arm(&reduced.scenario.faults, placement, seed).armed;
        let removed_start = armed_full[removed].start();
        assert_eq!(
            armed_full[loss_in(&full)].start(),
            armed_reduced[loss_in(&reduced)].start(),
            "seed {}: the primary loss's sampled time moved when another fault was removed",
            seed.0
        );
        let a = full.run(seed, None, true).trace.expect("traced");
        let b = reduced.run(seed, None, true).trace.expect("traced");
        let (a, b) = (before(&a, removed_start), before(&b, removed_start));
        assert!(a.iter().any(|r| r.detail.starts_with("Promoted")), "seed {}: the failover precedes the spike", seed.0);
        if let Some(k) = (0..a.len().max(b.len())).find(|&k| a.get(k) != b.get(k)) {
            panic!(
                "seed {}: the traces part before {removed_start}, at line {k}: {:?} vs {:?}",
                seed.0,
                a.get(k),
                b.get(k)
            );
        }
    });
}

#[test]
fn removing_a_later_fault_leaves_every_earlier_event_and_draw_unchanged() {
    removal_changes_nothing_before_the_removed_fault(&[PRIMARY_LOSS_AT_60, SPIKE_AT_200], &[PRIMARY_LOSS_AT_60], 1);
}

/// Regression. Postmortem: each fault drew from the sub-stream of its *index* in the
/// scenario, so removing a fault listed before another (as a shrinker does) handed
/// the later fault a different stream: the primary loss here moved by tens of seconds
/// and every event after it changed, against the faults module's promise that
/// removing one fault leaves the others' times and parameters unchanged. Sub-streams
/// are now keyed by the fault's own content.
#[test]
fn removing_an_earlier_listed_fault_leaves_the_later_ones_draws_unchanged() {
    removal_changes_nothing_before_the_removed_fault(&[SPIKE_AT_200, PRIMARY_LOSS_AT_60], &[PRIMARY_LOSS_AT_60], 0);
}

// ---------------------------------------------------------------------------------
// Primary loss

const PRIMARY_LOSS: &str = "
name: primary_loss_seed
duration_s: 300
policy: seed-auto
faults:
  - kind: primary_loss
    at_s: [10, 60]
";

#[test]
fn primary_loss_promotes_exactly_once_to_the_planners_choice_without_a_safety_violation() {
    let setup = setup(PRIMARY_LOSS, "builtin:seed-example");
    let chosen = setup.planned_target(&["node-1"], &[]);
    assert_eq!(chosen, "node-2", "seed 001's rules: region-1 first, then site-b over site-c");
    for outcome in setup.runs(None, false) {
        assert_eq!(outcome.metrics.failovers_promoted, vec![chosen.clone()], "{}", describe(&outcome));
        assert_eq!(outcome.metrics.failovers, 1, "{}", describe(&outcome));
        assert_eq!(safety_violations(&outcome), 0, "{}", describe(&outcome));
    }
}

#[test]
fn primary_loss_detection_latency_stays_within_the_documented_bound() {
    let setup = setup(PRIMARY_LOSS, "builtin:seed-example");
    let (low, high) = detection_bounds_ms(&setup.policy, monitor_link_ms(&setup.cluster, "node-1"));
    let detections: Vec<f64> = setup
        .runs(None, false)
        .iter()
        .map(|o| o.metrics.detection_ms.unwrap_or_else(|| panic!("detected: {}", describe(o))))
        .collect();
    for (i, &ms) in detections.iter().enumerate() {
        assert!(
            ms >= low - ROUNDING_MS && ms <= high + ROUNDING_MS,
            "seed {}: detection {ms} ms outside [{low}, {high}]",
            setup.seed(i as u64).0
        );
    }
    let (min, max) = detections.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &d| (lo.min(d), hi.max(d)));
    eprintln!("detection over {SEEDS} seeds: {min:.3}..{max:.3} ms, bound [{low:.3}, {high:.3}] ms");
    // The bound is tight, not merely true: the seeds reach both ends of it.
    let span = high - low;
    assert!(min < low + span / 4.0 && max > high - span / 4.0, "observed {min}..{max} in [{low}, {high}]");
}

// ---------------------------------------------------------------------------------
// Region isolation

const ISOLATE_PRIMARY_REGION: &str = "
name: isolate_primary_region
duration_s: 300
policy: seed-auto
faults:
  - kind: region_isolation
    at_s: [10, 60]
    region: region_of:primary
";

#[test]
fn isolating_the_primarys_region_fails_over_on_the_majority_side_without_two_writers() {
    let setup = setup(ISOLATE_PRIMARY_REGION, "builtin:three-region-5");
    let isolated = &setup.cluster.nodes[0].region;
    let lease = SimTime::from_ms(setup.policy.fencing.lease_ms);
    for outcome in setup.runs(None, true) {
        let promoted = &outcome.metrics.failovers_promoted;
        assert_eq!(promoted.len(), 1, "{}", describe(&outcome));
        let new = &setup.cluster.nodes[setup.node_index(&promoted[0])];
        assert_ne!(&new.region, isolated, "promoted inside the isolated region: {}", describe(&outcome));
        assert_eq!(count(&outcome, Invariant::SingleWriter), 0, "{}", describe(&outcome));
        // Async replication: the writes the cut-off primary accepts until its lease
        // runs out are lost, and with the default lease (10 s) past `rpo_target_s`
        // (5 s) that is a durability finding about the policy (the async test bounds
        // it); every other safety invariant holds.
        assert_eq!(safety_violations_but(&outcome, &[Invariant::Durability]), 0, "{}", describe(&outcome));
        // From the trace, independently of the checker: the old primary's last lease
        // ran out before the new primary took the role.
        let trace = outcome.trace.as_ref().expect("traced");
        let (promoted_at, _) = first_promotion_ns(trace, 0).expect("a promotion in the trace");
        let old_lease_end = last_lease_end_ns(trace, 0, lease);
        assert!(
            old_lease_end <= promoted_at,
            "seed {}: node-1's lease ran to {old_lease_end} ns, past the promotion at {promoted_at} ns",
            outcome.seed.0
        );
    }
}

/// Regression. Postmortem: the monitor declares node-1 failed about one heartbeat
/// interval before node-2, its neighbour in the isolated region, and the planner took
/// "not declared failed" for healthy, so it picked node-2 (priority 90) in 107 of 200
/// runs. The promote command could not reach it; three attempts of 17 s each ran past
/// `max_failover_time_s`, the failover was abandoned, and the cluster was left with no
/// writable primary for the rest of the run. A standby that missed its last heartbeat
/// deadline now has status `unknown` in the plan (not a candidate, and not counted
/// towards the failover's quorum: see the next test), and a failover that found no
/// candidate is evaluated again when a silent voter is heard from.
#[test]
fn isolating_the_primarys_region_never_targets_the_silent_standby_beside_it() {
    let setup = setup(ISOLATE_PRIMARY_REGION, "builtin:three-region-5");
    let isolated = &setup.cluster.nodes[0].region;
    for outcome in setup.runs(None, false) {
        for attempt in promote_attempts(&outcome).iter().flatten() {
            let node = &setup.cluster.nodes[setup.node_index(&attempt.node)];
            assert_ne!(&node.region, isolated, "tried to promote {}: {}", attempt.node, describe(&outcome));
        }
        assert_eq!(count(&outcome, Invariant::Rto), 0, "{}", describe(&outcome));
        assert!(outcome.metrics.failover_ms.is_some(), "a new primary took writes: {}", describe(&outcome));
    }
}

const ISOLATE_MONITOR_REGION: &str = "
name: isolate_monitor_region
duration_s: 300
faults:
  - kind: region_isolation
    at_s: [10, 60]
    region: region:us-east-1
";

#[test]
fn isolating_a_minority_region_that_holds_the_monitor_never_promotes_and_ends_critical() {
    let setup = setup(ISOLATE_MONITOR_REGION, "builtin:active-passive-2region");
    assert_eq!(setup.cluster.monitor_placement().region, "us-east-1");
    for outcome in setup.runs(None, false) {
        assert!(outcome.metrics.failovers_promoted.is_empty(), "{}", describe(&outcome));
        assert_eq!(outcome.final_state, ClusterState::Critical, "{}", describe(&outcome));
        assert_eq!(count(&outcome, Invariant::SingleWriter), 0, "{}", describe(&outcome));
        assert_eq!(safety_violations(&outcome), 0, "{}", describe(&outcome));
    }
}

/// The monitor and node-3 cut off from node-1 (the primary) and node-2 for 90 s.
const MONITOR_WITH_ONE_STANDBY: &str = "
name: monitor_with_one_standby
duration_s: 300
faults:
  - kind: partition
    at_s: [10, 60]
    duration_s: 90
    groups: [[node-3, monitor], [node-1, node-2]]
";

/// Regression. Postmortem: with the monitor and node-3 on one side of a partition,
/// the monitor declared node-1 failed while node-2, as silent, had only missed one or
/// two deadlines, and counted node-2 as healthy: a quorum of 2. At first this hid
/// behind the silent-standby bug above (the planner chose node-2 itself, which could
/// not be reached); once silent standbys stopped being targets, node-3 was promoted
/// with no other voter connected (24 of 200 runs of the built-in `partition_random`).
/// Only voters that met their last deadline now count towards the quorum a failover
/// needs, and only they are targets.
#[test]
fn a_failover_counts_only_the_voters_it_still_hears_towards_its_quorum() {
    let setup = setup(MONITOR_WITH_ONE_STANDBY, "builtin:seed-example");
    for outcome in setup.runs(None, false) {
        // node-3 is the only standby the monitor can reach while the partition lasts.
        // (After the heal the monitor may still fail over from node-1 if it hears
        // node-2 recover before node-1: safe, since node-1 then answers its demotion.)
        assert!(!outcome.metrics.failovers_promoted.contains(&"node-3".to_string()), "{}", describe(&outcome));
        assert_eq!(count(&outcome, Invariant::QuorumPromotion), 0, "{}", describe(&outcome));
        assert_eq!(safety_violations(&outcome), 0, "{}", describe(&outcome));
    }
}

/// Region isolation of the primary's region under a lease that outlasts detection
/// plus promotion (60 s).
const ISOLATION_LONG_LEASE: &str = "
name: isolation_long_lease
duration_s: 300
policy:
  policy_id: long-lease
  max_failover_time_s: 300
  fencing: {lease_ms: 60000, margin_ms: 1000}
faults:
  - kind: region_isolation
    at_s: [10, 60]
    region: region_of:primary
";

/// The control for the mutant below. Under async replication a 60 s lease also means
/// up to 60 s of acknowledged writes lost and a new primary that far behind the cut-off
/// one (durability and eligible_target findings about such a policy); the claim here
/// is only that the lease wait keeps a single writer.
#[test]
fn a_long_lease_with_the_lease_wait_still_keeps_one_writer() {
    let setup = setup(ISOLATION_LONG_LEASE, "builtin:three-region-5");
    for outcome in setup.runs(None, false) {
        assert_eq!(outcome.metrics.failovers_promoted.len(), 1, "{}", describe(&outcome));
        assert_eq!(count(&outcome, Invariant::SingleWriter), 0, "{}", describe(&outcome));
    }
}

#[test]
fn without_the_lease_wait_split_brain_is_found_and_every_replay_command_reproduces_it() {
    let dir = scratch_dir("no-lease-wait");
    let scenario = dir.join("isolation_long_lease.yaml");
    std::fs::write(&scenario, ISOLATION_LONG_LEASE).expect("the scenario is written");
    let output = failsim(&[
        "simulate",
        "--scenario",
        scenario.to_str().expect("UTF-8 path"),
        "--cluster",
        "builtin:three-region-5",
        "--mutant",
        "no_lease_wait",
        "--seeds",
        &SEEDS.to_string(),
        "--format",
        "json",
    ]);
    let (code, stdout, stderr) = parts(&output);
    assert_eq!(code, 1, "violations make simulate exit 1: {stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("simulate writes JSON");
    let runs = report["runs"].as_array().expect("runs");
    assert_eq!(runs.len() as u64, SEEDS);
    let split: Vec<&Value> = runs
        .iter()
        .flat_map(|r| r["violations"].as_array().expect("violations"))
        .filter(|v| v["invariant"] == "single_writer")
        .collect();
    let runs_split = runs
        .iter()
        .filter(|r| r["violations"].as_array().is_some_and(|v| v.iter().any(|v| v["invariant"] == "single_writer")))
        .count();
    eprintln!("no_lease_wait: single_writer in {runs_split} of {SEEDS} runs");
    assert!(runs_split as u64 > SEEDS / 2, "the mutant is caught in most runs, found {runs_split}");
    for violation in split {
        let command = violation["replay"].as_str().expect("a replay command");
        assert!(!command.contains('\''), "a plain command line: {command}");
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(words[..2], ["failsim", "replay"], "{command}");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_failsim"))
            .args(&words[1..])
            .current_dir(&dir)
            .output()
            .expect("the replay runs");
        let (code, stdout, stderr) = parts(&output);
        assert_eq!(code, 1, "`{command}` finds the violation again: {stdout}{stderr}");
        let expected = format!(
            "single_writer at {:.3} ms: {}",
            violation["at_ms"].as_f64().expect("at_ms"),
            violation["detail"].as_str().expect("detail")
        );
        assert!(stdout.lines().any(|l| l == expected), "`{command}` printed:\n{stdout}\nexpected: {expected}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------
// Durability

#[test]
fn sync_replication_loses_no_acknowledged_write_on_primary_loss() {
    let setup = setup(PRIMARY_LOSS, "builtin:active-passive-2region");
    assert_eq!(setup.cluster.replication.mode, ReplicationMode::Sync);
    for outcome in setup.runs(None, false) {
        assert_eq!(outcome.metrics.failovers_promoted.len(), 1, "{}", describe(&outcome));
        assert_eq!(outcome.metrics.lost_writes, 0, "{}", describe(&outcome));
        assert_eq!(count(&outcome, Invariant::Durability), 0, "{}", describe(&outcome));
    }
}

/// The most acknowledged writes an async failover may lose: those accepted since the
/// last shipment that reached the standby (one shipping interval plus the slowest
/// link) and, when the old primary is cut off rather than down, those it accepts
/// until its lease runs out.
fn async_loss_bound(setup: &Setup) -> u64 {
    let network = &setup.cluster.network;
    let max_link_ms = network.same_site_ms.max.max(network.same_region_ms.max).max(network.cross_region_ms.max);
    let window_ms = setup.cluster.replication.ship_interval_ms + max_link_ms + setup.policy.fencing.lease_ms;
    (setup.scenario.workload.writes_per_s * window_ms / 1000.0).ceil() as u64
}

/// After a crash the standby still receives the shipments in flight, and a crashed
/// node accepts nothing: the loss is at most one shipping interval's writes.
fn crash_loss_bound(setup: &Setup) -> u64 {
    (setup.scenario.workload.writes_per_s * setup.cluster.replication.ship_interval_ms / 1000.0).ceil() as u64
}

#[test]
fn async_replication_loses_some_writes_but_never_more_than_the_bound() {
    for (scenario, topology) in
        [(PRIMARY_LOSS, "builtin:seed-example"), (ISOLATE_PRIMARY_REGION, "builtin:three-region-5")]
    {
        let setup = setup(scenario, topology);
        assert_eq!(setup.cluster.replication.mode, ReplicationMode::Async);
        let bound = async_loss_bound(&setup);
        let crash = setup.scenario.faults.iter().all(|f| f.kind() == "primary_loss");
        let bound = if crash { bound.min(crash_loss_bound(&setup)) } else { bound };
        let outcomes = setup.runs(None, false);
        for outcome in &outcomes {
            assert!(outcome.metrics.lost_writes <= bound, "bound {bound}: {}", describe(outcome));
        }
        let lossy = outcomes.iter().filter(|o| o.metrics.lost_writes > 0).count();
        let max = outcomes.iter().map(|o| o.metrics.lost_writes).max().unwrap_or(0);
        eprintln!("{}: lost writes in {lossy} of {SEEDS} runs, at most {max}, bound {bound}", setup.scenario.name);
        assert!(lossy > 0, "{}: async replication lost nothing in any run", setup.scenario.name);
    }
}

// ---------------------------------------------------------------------------------
// False failovers

/// A 15 s burst of 30% loss on the primary's links, sometime in its first minute.
///
/// A burst rather than a whole lossy run: over a long stretch the count with
/// threshold 1 saturates (each false failover spends tens of seconds in its actions and
/// then moves the primary off the lossy host), so it would measure the failover's
/// length rather than the detector. The burst holds about three heartbeats of the
/// primary: threshold 1 fails over when any of them is lost (1 - 0.7^3, about 66%),
/// threshold 3 only when all are (0.3^3, about 2.7%). Both policies run the same seeds,
/// so the two counts come from the same losses.
fn lossy_burst(failure_threshold: u32) -> String {
    format!(
        "
name: lossy_burst
duration_s: 200
policy:
  policy_id: lossy-threshold-{failure_threshold}
  heartbeat: {{failure_threshold: {failure_threshold}}}
faults:
  - kind: packet_loss
    at_s: [30, 60]
    duration_s: 15
    probability: 0.3
    target: primary
"
    )
}

#[test]
fn a_failure_threshold_of_three_cuts_false_failovers_on_a_lossy_network_tenfold() {
    let count = |threshold: u32| -> u32 {
        let setup = setup(&lossy_burst(threshold), "builtin:seed-example");
        let outcomes = setup.runs(None, false);
        for outcome in &outcomes {
            assert_eq!(safety_violations(outcome), 0, "threshold {threshold}: {}", describe(outcome));
        }
        outcomes.iter().map(|o| o.metrics.false_failovers).sum()
    };
    let (one, three) = (count(1), count(3));
    eprintln!("false failovers over {SEEDS} seeds: {one} with failure_threshold 1, {three} with 3");
    assert!(one > 0, "30% loss with failure_threshold 1 causes false failovers");
    assert!(three * 10 <= one, "{three} false failovers with threshold 3 vs {one} with threshold 1");
}

/// 30% loss on every link for the whole run, with anti-flapping off: false failovers
/// one after another, and commands and their replies lost on the way.
fn lossy_network(failure_threshold: u32) -> String {
    format!(
        "
name: lossy_network
duration_s: 300
policy:
  policy_id: lossy-threshold-{failure_threshold}
  cooldown_s: 0
  max_failovers_per_hour: 1000
  heartbeat: {{failure_threshold: {failure_threshold}}}
faults:
  - kind: packet_loss
    at_s: 0
    probability: 0.3
"
    )
}

/// Regression. Postmortem: on this lossy network node-2 took the primary role in
/// term 2 but its reply was lost; the executor, seeing no reply, retried and then
/// re-planned to node-3 *in the same term*, while the monitor, hearing node-2 claim
/// term 2, had adopted it and renewed its lease. node-3 was promoted with node-2's lease
/// still running (5 of 400 runs, e.g. seed 6083604249903948097 with threshold 3), and
/// then demoted by node-2's log shipping in the same term. Now the target's heartbeat
/// counts as proof of its promotion, a retried promotion is idempotent, a re-plan takes
/// a fresh term and first waits out the lease an unanswered target may hold, and during
/// a failover the monitor adopts only its current target.
#[test]
fn a_promotion_whose_reply_is_lost_never_leaves_two_writers() {
    for threshold in [1, 3] {
        let setup = setup(&lossy_network(threshold), "builtin:seed-example");
        for outcome in setup.runs(None, false) {
            assert_eq!(count(&outcome, Invariant::SingleWriter), 0, "threshold {threshold}: {}", describe(&outcome));
        }
    }
}

// ---------------------------------------------------------------------------------
// Failed promotions

fn flaky_promote(probability: f64) -> String {
    format!(
        "
name: flaky_promote
duration_s: 600
policy:
  policy_id: flaky-promote
  max_failover_time_s: 300
faults:
  - kind: primary_loss
    at_s: [10, 60]
  - kind: action_failure
    action: promote
    probability: {probability}
"
    )
}

/// One `promote` attempt as the auditor records it.
#[derive(Debug, PartialEq)]
struct Attempt {
    node: String,
    number: u32,
    ok: bool,
}

/// The promote attempts of each failover of a run, in order.
fn promote_attempts(outcome: &RunOutcome) -> Vec<Vec<Attempt>> {
    let mut failovers: Vec<Vec<Attempt>> = Vec::new();
    for entry in &outcome.audit.entries {
        if entry.kind == AuditKind::Decision && entry.detail.starts_with("failover ") && entry.detail.contains(" -> ") {
            failovers.push(Vec::new());
        } else if entry.kind == AuditKind::Action && entry.detail.starts_with("promote ") {
            let (head, result) = entry.detail.split_once(": ").expect("`promote NODE attempt N: RESULT`");
            let words: Vec<&str> = head.split_whitespace().collect();
            assert_eq!(words.len(), 4, "{}", entry.detail);
            let attempt = Attempt {
                node: words[1].to_string(),
                number: words[3].parse().expect("an attempt number"),
                ok: result.starts_with("done"),
            };
            failovers.last_mut().expect("attempts happen inside a failover").push(attempt);
        }
    }
    failovers
}

/// Checks one failover's attempts against the executor's rule (each target is tried
/// until it succeeds or `tries` attempts failed, then the next target in `order`) and
/// returns how many re-plans that took.
fn check_retry_then_replan(attempts: &[Attempt], order: &[String], tries: u32) -> usize {
    let (mut target, mut number) = (0, 1);
    for (k, attempt) in attempts.iter().enumerate() {
        assert!(target < order.len(), "an attempt after every target was tried: {attempts:?}");
        assert_eq!((attempt.node.as_str(), attempt.number), (order[target].as_str(), number), "{attempts:?}");
        if attempt.ok {
            assert_eq!(k + 1, attempts.len(), "attempts after a success: {attempts:?}");
            break;
        }
        number += 1;
        if number > tries {
            (target, number) = (target + 1, 1);
        }
    }
    target.min(order.len() - 1)
}

#[test]
fn a_failing_promotion_is_retried_then_replanned_and_the_audit_records_every_attempt() {
    let setup = setup(&flaky_promote(0.5), "builtin:seed-example");
    let tries = setup.policy.actions.retries + 1;
    let order = [setup.planned_target(&["node-1"], &[]), setup.planned_target(&["node-1"], &["node-2"])];
    assert_eq!(order, ["node-2", "node-3"]);
    let (mut replanned_and_promoted, mut retried_and_promoted) = (0, 0);
    for outcome in setup.runs(None, true) {
        let failovers = promote_attempts(&outcome);
        assert!(!failovers.is_empty(), "{}", describe(&outcome));
        let attempts: Vec<&Attempt> = failovers.iter().flatten().collect();
        // Every attempt the nodes saw is in the audit log, and every failure counted.
        let trace = outcome.trace.as_ref().expect("traced");
        let commands =
            trace.iter().filter(|r| r.kind == "deliver" && r.detail.contains("Command { action: Promote")).count();
        assert_eq!(attempts.len(), commands, "{}: {failovers:?}", describe(&outcome));
        let failed = attempts.iter().filter(|a| !a.ok).count() as u32;
        assert_eq!(outcome.metrics.actions_failed, failed, "{}", describe(&outcome));
        let replans: usize = failovers.iter().map(|f| check_retry_then_replan(f, &order, tries)).sum();
        let logged_replans = outcome.audit.entries.iter().filter(|e| e.detail.starts_with("re-plan:")).count();
        assert_eq!(logged_replans, replans, "{}: {failovers:?}", describe(&outcome));
        let done: Vec<String> = attempts.iter().filter(|a| a.ok).map(|a| a.node.clone()).collect();
        assert_eq!(outcome.metrics.failovers_promoted, done, "{}", describe(&outcome));
        assert_eq!(safety_violations(&outcome), 0, "{}", describe(&outcome));
        if let Some(first) = failovers[0].iter().find(|a| a.ok) {
            replanned_and_promoted += usize::from(first.node == order[1]);
            retried_and_promoted += usize::from(first.node == order[0] && first.number > 1);
        }
        // The sealed log verifies, and its manifest lists every action entry.
        let pack = audit_pack::seal(&outcome.audit, &setup.cluster.cluster_id, &setup.scenario.name, outcome.seed);
        let verified = audit_pack::verify(&pack).unwrap_or_else(|e| panic!("{}: {e}", describe(&outcome)));
        let actions = outcome.audit.entries.iter().filter(|e| e.kind == AuditKind::Action).count();
        assert_eq!(verified.action_count, actions);
    }
    eprintln!(
        "flaky promote: {retried_and_promoted} runs promoted node-2 after a retry, {replanned_and_promoted} re-planned to node-3"
    );
    assert!(retried_and_promoted > 0 && replanned_and_promoted > 0);
}

/// Regression. Postmortem: a re-plan marked the abandoned target *failed* in the
/// planner's view, so on a three-node cluster (quorum 2) the planner saw one healthy
/// voter and refused: the executor never re-planned to node-3 and the failover failed
/// after node-2's retries. A target whose promotion failed is still a healthy voter;
/// it is now excluded from the candidates only.
#[test]
fn a_promotion_that_always_fails_tries_every_eligible_target_then_gives_up() {
    let setup = setup(&flaky_promote(1.0), "builtin:seed-example");
    let tries = setup.policy.actions.retries + 1;
    for outcome in setup.runs(None, false) {
        let failovers = promote_attempts(&outcome);
        let expected: Vec<Attempt> = ["node-2", "node-3"]
            .iter()
            .flat_map(|node| (1..=tries).map(move |number| Attempt { node: node.to_string(), number, ok: false }))
            .collect();
        assert!(!failovers.is_empty(), "{}", describe(&outcome));
        for attempts in &failovers {
            assert_eq!(attempts, &expected, "{}", describe(&outcome));
        }
        assert!(outcome.metrics.failovers_promoted.is_empty(), "{}", describe(&outcome));
        let given_up = outcome.audit.entries.iter().filter(|e| e.detail.contains("no target left to promote")).count();
        assert_eq!(given_up, failovers.len(), "{}", describe(&outcome));
        let pack = audit_pack::seal(&outcome.audit, &setup.cluster.cluster_id, &setup.scenario.name, outcome.seed);
        assert!(audit_pack::verify(&pack).is_ok());
    }
}

/// A topology and policy whose heartbeats outrun the network: 256 nodes, a heartbeat
/// every millisecond, every link 100 s long.
fn flooding_scenario(dir: &std::path::Path) -> std::path::PathBuf {
    let nodes: String = (0..256)
        .map(|i| {
            let role = if i == 0 { "primary" } else { "secondary" };
            format!(
                "  - {{node_id: n{i}, hostname: h{i}, role: {role}, region: r{}, site: s{}, status: healthy, priority: {}, capacity: 100}}\n",
                i % 3,
                i % 6,
                if i == 0 { 100 } else { 50 }
            )
        })
        .collect();
    let slow = "[100000, 100000]";
    let topology = format!(
        "cluster_id: big\nname: big\nregions: [r0, r1, r2]\nnetwork:\n  same_site_ms: {slow}\n  same_region_ms: {slow}\n  cross_region_ms: {slow}\nnodes:\n{nodes}"
    );
    std::fs::write(dir.join("big.yaml"), topology).unwrap();
    let policy = std::fs::read_to_string(crate::support::repo_path("scenarios/policies/fast-detection.yaml")).unwrap();
    let policy = policy.replace("interval_ms: 1000", "interval_ms: 1").replace("timeout_ms: 500", "timeout_ms: 1");
    std::fs::write(dir.join("flood-policy.yaml"), policy).unwrap();
    let scenario = "name: flood\ncluster: big.yaml\npolicy: flood-policy.yaml\nduration_s: 300\n\
                    faults:\n  - kind: primary_loss\n    at_s: [10, 20]\n";
    std::fs::write(dir.join("flood.yaml"), scenario).unwrap();
    dir.join("flood.yaml")
}

/// Postmortem: the fuzzing of issue 8 found inputs within every limit whose one run
/// took 52 s and 1.1 GB before its event budget ended it: messages in flight piled up
/// in the queue faster than the slow network delivered them. A run now ends, judged
/// `stuck`, once more than `PENDING_MAX` events are pending, and is not judged for
/// liveness at an end it never reached.
#[test]
fn a_run_whose_messages_outrun_the_network_ends_stuck_with_bounded_pending_events() {
    let dir = scratch_dir("flood");
    let scenario = flooding_scenario(&dir);
    let (code, stdout, stderr) =
        parts(&failsim(&["simulate", "--scenario", scenario.to_str().unwrap(), "--seeds", "1"]));
    assert_eq!(code, 1, "{stderr}");
    let pending = format!("{} events were pending at once", failsim::engine::sim::PENDING_MAX + 1);
    assert!(stdout.contains(&pending), "{stdout}");
    assert!(!stdout.contains("liveness"), "a run cut short is not judged for liveness: {stdout}");
}
