//! The RG-8 gate end to end (`failsim gate`, issue 5): it passes against the baseline it
//! wrote, and each check fails for its own cause while the other four pass: a control
//! plane that skips the lease wait and a policy whose lease outlasts the failover budget
//! (RG-8.3), a tampered audit pack (RG-8.4), a baseline with tighter p95s (RG-8.5), a
//! malformed input (RG-8.1); a malformed config is bad input (exit 2).
//!
//! Method: every test writes a small gate config (20 seeds, 20 timed runs) into its own
//! scratch directory, with the artifacts and the baseline there too, and reads the
//! verdicts from `rg8_report.json` and the reasons from what the gate prints. No test
//! depends on a p95's value (the control plane changes; RG-8.5 compares with a baseline
//! the test makes from the same binary), and none on the machine's speed: the configs
//! raise the wall-clock limit, since timing is never asserted in a test.

use crate::support::{failsim, parts, repo_path};
use failsim::control::audit_pack::{self, AuditPack};
use failsim::engine::derive_seed;
use failsim::model::{load, resolve};
use failsim::run::single::{self, RunRequest};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The gate's checks, in the order it runs and prints them.
const CHECKS: [&str; 5] = ["RG-8.1", "RG-8.2", "RG-8.3", "RG-8.4", "RG-8.5"];

/// The artifacts every gate run writes to `--out`.
const ARTIFACTS: [&str; 5] =
    ["rg8_report.json", "CONTINUITY_SUMMARY.md", "sample_plan.yaml", "rg8_badge.svg", "junit.xml"];

/// The fast suite most tests run: the seed's primary loss on its topologies.
const PRIMARY_FAILURE: &str = "scenarios: [builtin:primary_failure]\n";

/// Small seed counts keep the module fast; the raised wall-clock limit keeps it
/// independent of the build profile and of the machine's load.
const SMALL: &str = "seeds: 20\nperformance: {wall_runs: 20, wall_ms_p95_max: 60000}\n";

/// A scratch directory for one test's config, artifacts and baseline, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let unique = format!("failsim-gate-{name}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let dir = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&dir).expect("the temp directory is writable");
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).expect("the scratch directory is writable");
        text_of(&path)
    }

    fn out(&self) -> PathBuf {
        self.path("out")
    }

    /// `failsim gate --config CONFIG --out DIR --baseline FILE`, plus `extra`.
    fn gate(&self, config: &str, extra: &[&str]) -> (i32, String, String) {
        let config = self.write("gate.yaml", config);
        let (out, baseline) = (text_of(&self.out()), text_of(&self.path("baseline.json")));
        let mut args = vec!["gate", "--config", &config, "--out", &out, "--baseline", &baseline];
        args.extend_from_slice(extra);
        parts(&failsim(&args))
    }

    /// The ids of the checks `rg8_report.json` records as failed.
    fn failed_checks(&self) -> Vec<String> {
        let report = read_json(&self.out().join("rg8_report.json"));
        let checks = report["checks"].as_array().expect("rg8_report.json lists the checks");
        let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().expect("a check has an id")).collect();
        assert_eq!(ids, CHECKS, "every check runs, in order");
        checks.iter().filter(|c| c["passed"] != Value::Bool(true)).map(|c| c["id"].as_str().unwrap().into()).collect()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text_of(path: &Path) -> String {
    path.to_str().expect("temp paths are UTF-8 here").to_string()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What the gate printed for one check: its header, verdict line and details.
fn section<'a>(stdout: &'a str, id: &str) -> &'a str {
    let start = stdout.find(&format!("{id}: ")).unwrap_or_else(|| panic!("no {id} in:\n{stdout}"));
    let rest = &stdout[start..];
    &rest[..rest.find("\n\n").unwrap_or(rest.len())]
}

/// Asserts the gate failed (exit 1) on exactly `id`, and returns what it printed for it.
fn assert_fails_only<'a>(scratch: &Scratch, (code, stdout, stderr): &'a (i32, String, String), id: &str) -> &'a str {
    assert_eq!(*code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(scratch.failed_checks(), [id], "stdout:\n{stdout}");
    assert!(stdout.contains("RG-8 CONTINUITY GATE: FAIL\n4 of 5 checks passed"), "{stdout}");
    let printed = section(stdout, id);
    assert!(printed.contains("[FAIL]"), "{printed}");
    printed
}

/// A real audit pack: run 0 of the seed's primary loss, sealed as the gate seals them.
fn simulated_pack() -> AuditPack {
    let scenario = load::scenario("builtin:primary_failure").expect("a built-in");
    let cluster = load::topology("builtin:seed-example").expect("a built-in");
    let policy = resolve::scenario_policy(&scenario).expect("a built-in");
    let seed = derive_seed(0, &scenario.value.name, &cluster.value.cluster_id, 0);
    let request = RunRequest {
        scenario: &scenario.value,
        cluster: &cluster.value,
        policy: &policy.value,
        seed,
        mutant: None,
        trace: false,
    };
    let outcome = single::run(&request);
    audit_pack::seal(&outcome.audit, &cluster.value.cluster_id, &scenario.value.name, seed)
}

#[test]
fn gate_passes_against_the_baseline_it_wrote_and_writes_every_artifact() {
    let scratch = Scratch::new("pass");
    let config = format!("{PRIMARY_FAILURE}{SMALL}");
    let (code, stdout, stderr) = scratch.gate(&config, &["--update-baseline"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("baseline written to"), "{stdout}");
    let baseline = read_json(&scratch.path("baseline.json"));
    assert_eq!(baseline["schema"], "failsim.rg8-baseline/1");
    assert_eq!(baseline["seeds"], 20);

    let (code, stdout, stderr) = scratch.gate(&config, &[]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("  [PASS] ")).count(), 5, "{stdout}");
    for id in CHECKS {
        assert!(section(&stdout, id).contains("[PASS]"), "{stdout}");
    }
    assert!(stdout.contains("RG-8 CONTINUITY GATE: PASS\n5 of 5 checks passed"), "{stdout}");
    assert!(!stdout.contains("baseline written"), "only --update-baseline rewrites the baseline");
    for artifact in ARTIFACTS {
        assert!(scratch.out().join(artifact).is_file(), "{artifact} is missing");
    }
    assert!(scratch.failed_checks().is_empty());
    let out = |name: &str| std::fs::read_to_string(scratch.out().join(name)).unwrap();
    assert!(out("rg8_badge.svg").contains("RG-8: pass"));
    assert!(out("junit.xml").contains("tests=\"5\" failures=\"0\""), "{}", out("junit.xml"));
    assert!(out("CONTINUITY_SUMMARY.md").starts_with("# RG-8 Continuity Gate: PASS"));
    assert!(out("sample_plan.yaml").contains("node-2"), "the seed's plan promotes node-2");
}

#[test]
fn a_control_plane_that_skips_the_lease_wait_fails_failover_validity_with_a_replayable_seed() {
    let scratch = Scratch::new("mutant");
    let config = format!("scenarios: [builtin:region_isolation_long_lease]\n{SMALL}");
    // A baseline from the correct control plane first (a mutant run may not write one),
    // so RG-8.5 has its comparison and only the mutant's cause can fail the gate.
    let (code, stdout, stderr) = scratch.gate(&config, &["--update-baseline"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let result = scratch.gate(&config, &["--mutant", "no_lease_wait"]);
    let printed = assert_fails_only(&scratch, &result, "RG-8.3");
    assert!(printed.contains("region_isolation_long_lease on three-region-5: "), "{printed}");
    let example = printed.lines().find(|l| l.contains("single_writer at ")).expect("a single_writer example");
    assert!(example.contains("(seed "), "{example}");
    let replay = example.split("replay: ").nth(1).expect("the example carries its replay command");
    assert!(
        replay.starts_with(
            "failsim replay --scenario builtin:region_isolation_long_lease --cluster builtin:three-region-"
        ) && replay.contains(" --mutant no_lease_wait --seed "),
        "{replay}"
    );

    // The printed command reproduces the violation.
    let trace = text_of(&scratch.path("trace.jsonl"));
    let mut args: Vec<&str> = replay.split(' ').skip(1).collect();
    *args.last_mut().expect("the command ends with the trace path") = &trace;
    let (code, stdout, stderr) = parts(&failsim(&args));
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("single_writer at "), "{stdout}");
}

#[test]
fn a_lease_longer_than_the_failover_budget_fails_failover_validity_on_its_expectations() {
    // tests/gate/region_isolation_lease_600s.yaml: a correct control plane waits out a
    // 600 s lease, so it cannot promote within the policy's 60 s budget and the
    // scenario's `promotions: 1` is missed in every run. No invariant breaks: the gate
    // names the scenario, the missed expectation, and the first run that missed it
    // with its seed and replay command.
    let scratch = Scratch::new("long-lease");
    let scenario = text_of(&repo_path("tests/gate/region_isolation_lease_600s.yaml"));
    let config = format!("scenarios: [{scenario}]\n{SMALL}");
    let result = scratch.gate(&config, &["--update-baseline"]);
    let printed = assert_fails_only(&scratch, &result, "RG-8.3");
    assert!(printed.contains("0 safety violations, 1 cells missing their expectations"), "{printed}");
    let failure = printed
        .lines()
        .find(|l| l.contains("region_isolation_lease_600s on three-region-5: "))
        .unwrap_or_else(|| panic!("the failing cell is named:\n{printed}"));
    assert!(failure.contains("did not end with exactly 1 promotion(s)"), "{failure}");
    let miss = printed.lines().find(|l| l.contains("0 promotion(s), expected 1")).expect("the first missing run");
    assert!(miss.contains("(seed ") && miss.contains("replay: failsim replay --scenario "), "{miss}");
}

#[test]
fn a_baseline_with_halved_p95s_fails_performance() {
    let scratch = Scratch::new("baseline");
    let config = format!("{PRIMARY_FAILURE}{SMALL}");
    let (code, stdout, _) = scratch.gate(&config, &["--update-baseline"]);
    assert_eq!(code, 0, "{stdout}");
    let path = scratch.path("baseline.json");
    let mut baseline = read_json(&path);
    let mut halved = 0;
    for cell in baseline["cells"].as_array_mut().expect("the baseline has cells") {
        for field in ["detection_p95_ms", "failover_p95_ms", "unavailable_p95_ms"] {
            if let Some(ms) = cell[field].as_f64().filter(|ms| *ms > 0.0) {
                cell[field] = Value::from(ms / 2.0);
                halved += 1;
            }
        }
    }
    assert!(halved > 0, "primary_failure fails over, so it has p95s to halve");
    std::fs::write(&path, serde_json::to_string_pretty(&baseline).unwrap()).unwrap();

    let result = scratch.gate(&config, &[]);
    let printed = assert_fails_only(&scratch, &result, "RG-8.5");
    let regressions = printed.lines().filter(|l| l.contains("worse than the baseline's")).count();
    assert_eq!(regressions, halved, "every halved p95 is named:\n{printed}");
    assert!(printed.contains("primary_failure on prod-cluster: failover p95 "), "{printed}");
}

#[test]
fn a_baseline_of_another_seed_count_fails_performance() {
    let scratch = Scratch::new("baseline-seeds");
    let (code, stdout, _) = scratch.gate(&format!("{PRIMARY_FAILURE}{SMALL}"), &["--update-baseline"]);
    assert_eq!(code, 0, "{stdout}");
    let config = format!("{PRIMARY_FAILURE}seeds: 21\nperformance: {{wall_runs: 20, wall_ms_p95_max: 60000}}\n");
    let result = scratch.gate(&config, &[]);
    let printed = assert_fails_only(&scratch, &result, "RG-8.5");
    assert!(printed.contains("the baseline was made with 20 seeds and master seed 0, this run with 21"), "{printed}");
}

#[test]
fn a_tampered_audit_pack_fails_audit_integrity() {
    let scratch = Scratch::new("audit");
    let pack = simulated_pack();
    let promoted = pack.entries.iter().position(|e| e.detail.contains("node-2")).expect("the log names the target");
    let mut tampered = pack.clone();
    // A forger claims another node was the target; the hash chain no longer holds.
    tampered.entries[promoted].detail = tampered.entries[promoted].detail.replace("node-2", "node-3");
    let valid = scratch.write("valid.json", &serde_json::to_string_pretty(&pack).unwrap());
    let forged = scratch.write("tampered.json", &serde_json::to_string_pretty(&tampered).unwrap());
    // The packs are in the format `failsim audit verify` reads, and it agrees.
    assert_eq!(parts(&failsim(&["audit", "verify", &valid])).0, 0);
    assert_eq!(parts(&failsim(&["audit", "verify", &forged])).0, 1);

    let config = format!("{PRIMARY_FAILURE}audit_packs: [{valid}]\n{SMALL}");
    let (code, stdout, stderr) = scratch.gate(&config, &["--update-baseline"]);
    assert_eq!(code, 0, "an intact pack passes:\n{stdout}\n{stderr}");

    let config = format!("{PRIMARY_FAILURE}audit_packs: [{valid}, {forged}]\n{SMALL}");
    let result = scratch.gate(&config, &[]);
    let printed = assert_fails_only(&scratch, &result, "RG-8.4");
    let rejected: Vec<&str> = printed.lines().filter(|l| l.trim_start().starts_with(&forged)).collect();
    assert_eq!(rejected.len(), 1, "the tampered pack, and only it, is named:\n{printed}");
    assert!(!printed.contains(&format!("{valid}:")), "{printed}");
}

#[test]
fn an_audit_pack_that_is_not_a_pack_is_bad_input() {
    let scratch = Scratch::new("audit-bad");
    let topology = text_of(&repo_path("scenarios/topologies/seed-example.yaml"));
    let config = format!("{PRIMARY_FAILURE}audit_packs: [{topology}]\n{SMALL}");
    let (code, stdout, stderr) = scratch.gate(&config, &[]);
    assert_eq!(code, 2, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(&format!("error: {topology}:")) && stderr.contains("not an audit pack"), "{stderr}");
    assert!(!scratch.out().exists(), "bad input writes no artifacts");
}

#[test]
fn a_malformed_extra_input_fails_presence_naming_its_file_line_and_column() {
    let scratch = Scratch::new("malformed");
    // Relative to the gate's working directory, the repository root.
    let config = format!("{PRIMARY_FAILURE}extra_inputs: [tests/gate/topology_malformed.yaml]\n{SMALL}");
    let result = scratch.gate(&config, &["--update-baseline"]);
    let printed = assert_fails_only(&scratch, &result, "RG-8.1");
    assert!(printed.contains("and 1 extra inputs checked"), "{printed}");
    assert!(
        printed
            .contains("    tests/gate/topology_malformed.yaml:9:61: nodes[2].priority: expected 0 to 1000, found 4000"),
        "{printed}"
    );
}

#[test]
fn a_config_with_an_unknown_field_exits_2_with_one_line() {
    let scratch = Scratch::new("config");
    let (code, stdout, stderr) = scratch.gate(&format!("{SMALL}seed: 7\n"), &[]);
    assert_eq!(code, 2, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let config = text_of(&scratch.path("gate.yaml"));
    assert!(stderr.starts_with(&format!("error: {config}:3:1: seed: unknown field `seed`")), "{stderr}");
    assert!(!scratch.out().exists(), "bad input writes no artifacts");
}
