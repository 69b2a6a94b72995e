//! The command line as users meet it: `plan`, `status`, `list` and `validate` on the
//! seed's files and the built-ins, their exit codes (0 success, 1 a finding, 2 bad input
//! or usage), one-line errors, output paths refused before any work, and the `--help`
//! texts against golden files.
//!
//! Golden files live in `tests/golden/help/`; run with `FAILSIM_UPDATE_GOLDEN=1` to
//! rewrite them, then review the diff.

use crate::support::{failsim, parts, repo_path, root, scratch_dir};
use failsim::model::library::{self, Kind};
use failsim::model::syntax::{from_node, parse_yaml, to_yaml};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SEED_CLUSTER: &str = "scenarios/topologies/seed-example.yaml";
const SEED_POLICY: &str = "scenarios/policies/seed-auto.yaml";

/// The env var that turns the golden comparisons into rewrites.
const UPDATE_GOLDEN: &str = "FAILSIM_UPDATE_GOLDEN";

/// `failsim plan` on the seed's files with `extra` arguments.
fn seed_plan(extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["plan", "--cluster", SEED_CLUSTER, "--policy", SEED_POLICY];
    args.extend_from_slice(extra);
    parts(&failsim(&args))
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn assert_one_error_line(stderr: &str) {
    assert_eq!(stderr.lines().count(), 1, "expected one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn plan_on_the_seed_topology_picks_node_2_and_explains_node_3() {
    let (code, stdout, stderr) = seed_plan(&["--failed", "node-1", "--format", "json"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let plan = json(&stdout);
    assert_eq!(plan["failover_target_id"], "node-2");
    assert_eq!(plan["cluster_id"], "prod-cluster");
    assert_eq!(plan["policy_id"], "auto-failover-policy");
    assert_eq!(plan["primary_node_id"], "node-1");
    assert!(plan["plan_id"].as_str().is_some_and(|id| !id.is_empty()));
    let actions = plan["actions"].as_array().expect("actions is a list");
    assert_eq!(plan["action_count"], actions.len());
    let total_ms: u64 = actions.iter().map(|a| a["estimated_ms"].as_u64().unwrap()).sum();
    assert_eq!(plan["estimated_total_ms"], total_ms);
    let rejected = plan["rejected"].as_array().expect("rejected is a list");
    let node_3 = rejected.iter().find(|r| r["node_id"] == "node-3").expect("node-3 is listed as rejected");
    let reason = node_3["reason"].as_str().expect("a reason");
    assert!(reason.contains("region_priority"), "reason: {reason}");
    assert!(plan.get("no_target_reason").is_none(), "{plan}");
}

#[test]
fn plan_as_yaml_parses_back_to_the_same_plan_as_json() {
    let (code, json_text, _) = seed_plan(&["--failed", "node-1", "--format", "json"]);
    assert_eq!(code, 0);
    let (code, yaml_text, stderr) = seed_plan(&["--failed", "node-1", "--format", "yaml"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let tree = parse_yaml(&yaml_text).expect("the YAML plan parses");
    let from_yaml: Value = from_node(&tree).expect("the YAML plan decodes");
    let from_json = json(&json_text);
    assert_eq!(from_yaml, from_json);
    assert_eq!(to_yaml(&from_json), yaml_text, "JSON -> YAML is byte for byte");
}

#[test]
fn plan_without_failed_takes_the_primary_as_failed() {
    let (code, implicit, _) = seed_plan(&[]);
    assert_eq!(code, 0);
    let (_, explicit, _) = seed_plan(&["--failed", "node-1"]);
    assert_eq!(implicit, explicit);
}

#[test]
fn plan_output_writes_the_file_and_nothing_on_stdout() {
    let dir = scratch_dir("plan-output");
    let file = dir.join("plan.json");
    let file_text = file.to_string_lossy().into_owned();
    let (code, stdout, stderr) = seed_plan(&["--failed", "node-1", "--output", &file_text]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(stdout, "");
    let written = std::fs::read_to_string(&file).expect("the plan file exists");
    let (_, printed, _) = seed_plan(&["--failed", "node-1"]);
    assert_eq!(written, printed, "the file holds what stdout would have");
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn plan_output_naming_a_directory_exits_2_with_one_line() {
    let dir = scratch_dir("plan-output-dir");
    let dir_text = dir.to_string_lossy().into_owned();
    let (code, stdout, stderr) = seed_plan(&["--output", &dir_text]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert_one_error_line(&stderr);
    assert!(stderr.contains("is a directory"), "{stderr}");
}

#[test]
fn plan_with_every_node_failed_exits_1_with_a_null_target_and_the_reason() {
    let failed = ["--failed", "node-1", "--failed", "node-2", "--failed", "node-3"];
    let (code, stdout, stderr) = seed_plan(&failed);
    assert_eq!(code, 1, "stderr: {stderr}");
    let plan = json(&stdout);
    assert_eq!(plan["failover_target_id"], Value::Null);
    assert_eq!(plan["action_count"], 0);
    let reason = plan["no_target_reason"].as_str().expect("a reason");
    assert!(reason.contains("no quorum"), "reason: {reason}");
    assert!(stderr.contains("no failover target"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn plan_with_only_witnesses_left_exits_1_and_names_no_eligible_target() {
    // Quorum holds (three healthy witnesses of five voters), yet nothing can be promoted.
    let dir = scratch_dir("witnesses");
    let cluster = dir.join("witnesses.yaml");
    std::fs::write(
        &cluster,
        "cluster_id: witnesses\nregions: [r1]\nnodes:\n\
         \x20 - {node_id: node-1, role: primary, region: r1, site: a}\n\
         \x20 - {node_id: node-2, role: secondary, region: r1, site: b}\n\
         \x20 - {node_id: w-1, role: witness, region: r1, site: c}\n\
         \x20 - {node_id: w-2, role: witness, region: r1, site: d}\n\
         \x20 - {node_id: w-3, role: witness, region: r1, site: e}\n",
    )
    .unwrap();
    let cluster_text = cluster.to_string_lossy().into_owned();
    let (code, stdout, stderr) = parts(&failsim(&[
        "plan",
        "--cluster",
        &cluster_text,
        "--policy",
        "builtin:seed-auto",
        "--failed",
        "node-1",
        "--failed",
        "node-2",
    ]));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 1, "stderr: {stderr}");
    let plan = json(&stdout);
    assert_eq!(plan["failover_target_id"], Value::Null);
    let reason = plan["no_target_reason"].as_str().expect("a reason");
    assert!(reason.contains("no eligible target"), "reason: {reason}");
    let witness_reasons: Vec<&str> = plan["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["node_id"].as_str().is_some_and(|id| id.starts_with("w-")))
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(witness_reasons.len(), 3);
    assert!(witness_reasons.iter().all(|r| r.contains("witness")));
}

#[test]
fn plan_with_an_unknown_failed_node_exits_2_and_lists_the_nodes() {
    let (code, stdout, stderr) = seed_plan(&["--failed", "node-9"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert_one_error_line(&stderr);
    assert!(stderr.contains("node-9"), "{stderr}");
    assert!(stderr.contains("node-1, node-2, node-3"), "{stderr}");
}

#[test]
fn an_unknown_builtin_exits_2_and_lists_the_builtins() {
    for (args, kind) in [
        (["plan", "--cluster", "builtin:no-such", "--policy", "seed-auto"], Kind::Topology),
        (["plan", "--cluster", "seed-example", "--policy", "builtin:no-such"], Kind::Policy),
    ] {
        let (code, stdout, stderr) = parts(&failsim(&args));
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(stdout, "");
        assert_one_error_line(&stderr);
        for name in library::names(kind) {
            assert!(stderr.contains(name), "{name} missing from: {stderr}");
        }
    }
}

#[test]
fn status_of_the_seed_with_node_1_failed_is_degraded_with_quorum() {
    let status = ["status", "--cluster", SEED_CLUSTER, "--failed", "node-1"];
    let (code, text, stderr) = parts(&failsim(&status));
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(text.contains("state    DEGRADED"), "{text}");
    assert!(text.contains("2 of 3 voters healthy, quorum size 2: held"), "{text}");

    let (code, stdout, _) = parts(&failsim(&[&status[..], &["--format", "json"]].concat()));
    assert_eq!(code, 0);
    let status = json(&stdout);
    assert_eq!(status["cluster_id"], "prod-cluster");
    assert_eq!(status["total_nodes"], 3);
    assert_eq!(status["healthy_nodes"], 2);
    assert_eq!(status["quorum_size"], 2);
    assert_eq!(status["has_quorum"], true);
    assert_eq!(status["primary_node_id"], "node-1");
    assert_eq!(status["state"], "degraded");
}

#[test]
fn status_of_three_region_5_with_three_nodes_failed_is_critical_and_exits_1() {
    let status = [
        "status",
        "--cluster",
        "builtin:three-region-5",
        "--failed",
        "node-1",
        "--failed",
        "node-2",
        "--failed",
        "node-3",
    ];
    let (code, text, _) = parts(&failsim(&status));
    assert_eq!(code, 1);
    assert!(text.contains("state    CRITICAL"), "{text}");
    assert!(text.contains("LOST (read-only)"), "{text}");

    let (code, stdout, _) = parts(&failsim(&[&status[..], &["--format", "json"]].concat()));
    assert_eq!(code, 1);
    let status = json(&stdout);
    assert_eq!(status["state"], "critical");
    assert_eq!(status["has_quorum"], false);
    assert_eq!(status["healthy_nodes"], 2);
    assert_eq!(status["quorum_size"], 3);
}

#[test]
fn status_of_an_untouched_builtin_is_healthy() {
    let (code, text, _) = parts(&failsim(&["status", "--cluster", "three-region-7"]));
    assert_eq!(code, 0);
    assert!(text.contains("state    HEALTHY"), "{text}");
}

#[test]
fn list_shows_every_builtin_on_a_line_of_its_own() {
    let (code, stdout, stderr) = parts(&failsim(&["list"]));
    assert_eq!(code, 0, "stderr: {stderr}");
    let mut expected = 0;
    for kind in [Kind::Topology, Kind::Policy, Kind::Scenario] {
        for name in library::names(kind) {
            expected += 1;
            let entry = format!("builtin:{name} ");
            let lines = stdout.lines().filter(|l| l.trim_start().starts_with(&entry));
            assert_eq!(lines.count(), 1, "{entry} in:\n{stdout}");
        }
    }
    let entries = stdout.lines().filter(|l| l.contains("builtin:")).count();
    assert_eq!(entries, expected, "no line for anything but a built-in:\n{stdout}");
}

/// Every file under `dir`, recursively, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn validate_accepts_every_file_of_the_builtin_library() {
    let files: Vec<String> = files_under(&repo_path("scenarios"))
        .iter()
        .map(|p| p.strip_prefix(root()).unwrap().to_string_lossy().into_owned())
        .collect();
    let builtin_count =
        [Kind::Topology, Kind::Policy, Kind::Scenario].iter().map(|k| library::names(*k).len()).sum::<usize>();
    assert!(files.len() >= builtin_count, "{files:?}");
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let (code, stdout, stderr) = parts(&failsim(&args));
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    for file in &files {
        assert!(stdout.contains(&format!("ok    {file}  ")), "{file} not ok:\n{stdout}");
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["plan", "--cluster", "seed-example", "--policy", "seed-auto", "--bogus"][..],
        &["plan", "--cluster", "seed-example"],
        &["status"],
        &["validate"],
        &["frobnicate"],
        &["plan", "--cluster", "seed-example", "--policy", "seed-auto", "--format", "xml"],
        &[],
    ] {
        let (code, stdout, stderr) = parts(&failsim(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}");
        assert!(stderr.contains("--help"), "{args:?} points to --help: {stderr}");
    }
}

/// `failsim ARGS --help` at a fixed width, so the text does not depend on the terminal.
fn help(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_failsim"))
        .args(args)
        .arg("--help")
        .env("COLUMNS", "100")
        .current_dir(root())
        .output()
        .expect("the failsim binary runs");
    let (code, stdout, stderr) = parts(&output);
    assert_eq!(code, 0, "{args:?} --help: {stderr}");
    stdout
}

#[test]
fn help_texts_match_their_golden_files() {
    let update = std::env::var_os(UPDATE_GOLDEN).is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, args) in [
        ("failsim", &[][..]),
        ("plan", &["plan"][..]),
        ("status", &["status"]),
        ("validate", &["validate"]),
        ("list", &["list"]),
        ("compare", &["compare"]),
        ("sweep", &["sweep"]),
        ("shrink", &["shrink"][..]),
        ("hunt", &["hunt"][..]),
        ("run", &["run"][..]),
        ("merge", &["merge"][..]),
    ] {
        let text = help(args);
        assert!(text.contains("Examples:"), "{name} --help teaches by example:\n{text}");
        let golden = repo_path(&format!("tests/golden/help/{name}.txt"));
        if update {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &text).unwrap();
        } else if std::fs::read_to_string(&golden).ok().as_deref() != Some(text.as_str()) {
            stale.push(golden.display().to_string());
        }
    }
    assert!(stale.is_empty(), "help text differs from {stale:?}; rerun with {UPDATE_GOLDEN}=1 and review the diff");
}

#[test]
fn seed_counts_outside_the_limit_are_refused_before_anything_runs() {
    for command in ["run", "compare", "sweep"] {
        for seeds in ["0", "10000001", "many"] {
            let mut args = vec![command, "--seeds", seeds];
            if command == "compare" {
                args.extend(["--cluster", "seed-example", "--cluster", "three-region-5"]);
            }
            if command == "sweep" {
                args.extend(["--param", "policy.heartbeat.interval_ms=1000"]);
            }
            let (code, stdout, stderr) = parts(&failsim(&args));
            assert_eq!(code, 2, "{command} --seeds {seeds}: {stderr}");
            assert!(stderr.contains("--seeds") && stderr.contains("10000000"), "{command} --seeds {seeds}: {stderr}");
            assert!(stdout.is_empty(), "{command} --seeds {seeds} ran: {stdout}");
        }
    }
}

/// Runs `failsim` and asserts that it refused with exactly `message`, before any work:
/// exit code 2, one line on stderr, nothing on stdout.
fn assert_refused(args: &[&str], message: &str) {
    let (code, stdout, stderr) = parts(&failsim(args));
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert_one_error_line(&stderr);
    assert_eq!(stderr.trim_end(), format!("error: {message}"), "{args:?}");
    assert_eq!(stdout, "", "{args:?} did some work");
}

/// Every command that writes into an output directory, with the arguments it needs
/// besides `--out`.
const DIRECTORY_COMMANDS: [&[&str]; 6] = [
    &["run"],
    &["merge", "reports/none"],
    &["compare", "--cluster", "seed-example", "--cluster", "three-region-5"],
    &["sweep", "--param", "policy.heartbeat.interval_ms=1000"],
    &["hunt"],
    &["gate"],
];

#[test]
fn an_output_directory_that_is_a_file_is_refused_before_any_work() {
    let dir = scratch_dir("out-is-a-file");
    let file = dir.join("results");
    std::fs::write(&file, "keep me\n").unwrap();
    let file_text = file.to_string_lossy().into_owned();
    for command in DIRECTORY_COMMANDS {
        let args = [command, &["--out", file_text.as_str()]].concat();
        assert_refused(&args, &format!("--out {file_text}: is a file, expected a directory"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me\n", "{args:?} changed the file");
    }
    // A directory cannot be made under a file either.
    let under = file.join("reports");
    let under_text = under.to_string_lossy().into_owned();
    for command in &DIRECTORY_COMMANDS {
        let args = [*command, &["--out", under_text.as_str()]].concat();
        assert_refused(&args, &format!("--out {under_text}: {file_text} is a file, expected a directory"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me\n", "{args:?} changed the file");
    }
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(entries.len(), 1, "nothing was written beside the file");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_output_file_that_is_a_directory_is_refused_before_any_work() {
    let dir = scratch_dir("file-is-a-directory");
    let target = dir.join("existing");
    std::fs::create_dir(&target).unwrap();
    let target_text = target.to_string_lossy().into_owned();
    let existing = target_text.as_str();
    let trace = dir.join("trace.jsonl").to_string_lossy().into_owned();
    let out = dir.join("gate").to_string_lossy().into_owned();
    let run: &[&str] = &["--scenario", "primary_failure", "--cluster", "builtin:seed-example", "--seed", "1"];
    for (args, flag) in [
        ([&["shrink"], run, &["--out", existing]].concat(), "--out"),
        ([&["replay"], run, &["--trace", existing]].concat(), "--trace"),
        ([&["replay"], run, &["--trace", &trace, "--audit", existing]].concat(), "--audit"),
        ([&["simulate"], run, &["--trace", existing]].concat(), "--trace"),
        (vec!["plan", "--cluster", "seed-example", "--policy", "seed-auto", "--output", existing], "--output"),
        (vec!["gate", "--update-baseline", "--baseline", existing, "--out", &out], "--baseline"),
    ] {
        assert_refused(&args, &format!("{flag} {target_text}: is a directory, expected a file path"));
        let inside: Vec<_> = std::fs::read_dir(&target).unwrap().collect();
        assert!(inside.is_empty(), "{args:?} wrote into the directory");
        let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(entries.len(), 1, "{args:?} wrote something beside it");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
