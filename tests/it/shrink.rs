//! `failsim shrink`: issue 7's acceptance over the mutant findings of the built-in
//! suite (most shrink to at most two faults, the median trace is cut at least in half,
//! every shrunk scenario reproduces its violation in a separate process), the concrete
//! schedule replaying its run exactly, determinism, and the refusals.

use crate::support::{failsim, parts, scratch_dir};
use failsim::check::Invariant;
use failsim::control::standard::Mutant;
use failsim::engine::Seed;
use failsim::model::{library, load, resolve, Cluster, Kind, Loaded, Policy, Scenario};
use failsim::run::matrix::{self, Cell, Options};
use failsim::run::shrink::{self, ShrinkRequest, Shrunk};
use failsim::run::{self as runner, RunRequest};
use rayon::prelude::*;
use std::sync::atomic::AtomicU64;

/// A built-in scenario with its topologies (and the references naming them) and policy.
struct Target {
    scenario: Loaded<Scenario>,
    clusters: Vec<(Loaded<Cluster>, String)>,
    policy: Loaded<Policy>,
}

fn suite() -> Vec<Target> {
    library::names(Kind::Scenario)
        .iter()
        .map(|name| {
            let scenario = load::scenario(&format!("builtin:{name}")).unwrap();
            let clusters = resolve::scenario_topologies(&scenario).unwrap();
            let refs = resolve::cluster_references(&scenario);
            let policy = resolve::scenario_policy(&scenario).unwrap();
            Target { clusters: clusters.into_iter().zip(refs).collect(), scenario, policy }
        })
        .collect()
}

/// A violation a mutant makes the suite find: the run breaks `invariant` under the
/// mutant, and the same seed does not break it under the correct control plane.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    mutant: &'static str,
    target: usize,
    cluster: usize,
    seed: u64,
    invariant: &'static str,
}

impl Finding {
    fn mutant(&self) -> Mutant {
        Mutant::ALL.into_iter().find(|m| m.as_str() == self.mutant).unwrap()
    }

    fn invariant(&self) -> Invariant {
        Invariant::ALL.into_iter().find(|i| i.as_str() == self.invariant).unwrap()
    }

    fn request<'a>(&self, suite: &'a [Target]) -> ShrinkRequest<'a> {
        let target = &suite[self.target];
        ShrinkRequest {
            scenario: &target.scenario.value,
            cluster: &target.clusters[self.cluster].0.value,
            policy: &target.policy.value,
            mutant: Some(self.mutant()),
            seed: Seed(self.seed),
            invariant: Some(self.invariant()),
            runs_max: shrink::RUNS_MAX_DEFAULT,
        }
    }

    /// The arguments that name its run, as in its replay command.
    fn run_args(&self, suite: &[Target]) -> Vec<String> {
        let target = &suite[self.target];
        let seed = self.seed.to_string();
        [
            "--scenario",
            &format!("builtin:{}", target.scenario.value.name),
            "--cluster",
            &target.clusters[self.cluster].1,
            "--mutant",
            self.mutant,
            "--seed",
            &seed,
        ]
        .map(str::to_string)
        .to_vec()
    }
}

/// Every mutant finding of the built-in suite: each example violation the report of
/// `failsim run --mutant M` lists (up to three per invariant per cell), kept when the
/// correct control plane does not break that invariant on the same seed.
fn mutant_findings(suite: &[Target]) -> Vec<Finding> {
    let mut cells = Vec::new();
    for (t, target) in suite.iter().enumerate() {
        for (c, (cluster, cluster_ref)) in target.clusters.iter().enumerate() {
            let cell = Cell {
                scenario: &target.scenario.value,
                scenario_ref: target.scenario.origin.clone(),
                cluster: &cluster.value,
                cluster_ref: cluster_ref.clone(),
                policy: &target.policy.value,
                policy_ref: None,
                first_run: 0,
                runs: u64::from(target.scenario.value.seeds),
            };
            cells.push(((t, c), cell));
        }
    }
    let only_cells: Vec<Cell<'_>> = cells.iter().map(|(_, cell)| cell.clone()).collect();
    let mut findings = Vec::new();
    for mutant in Mutant::ALL {
        let options = Options { mutant: Some(mutant), ..Options::default() };
        let aggregates = matrix::run(&only_cells, options, &AtomicU64::new(0));
        for (((t, c), cell), aggregate) in cells.iter().zip(&aggregates) {
            for example in &aggregate.examples {
                let correct = RunRequest { mutant: None, ..cell.request(example.run_index, Options::default(), false) };
                if runner::run(&correct).violation_counts[example.invariant as usize] == 0 {
                    findings.push(Finding {
                        mutant: mutant.as_str(),
                        target: *t,
                        cluster: *c,
                        seed: example.seed,
                        invariant: example.invariant.as_str(),
                    });
                }
            }
        }
    }
    findings.sort();
    findings.dedup();
    findings
}

fn median(mut values: Vec<usize>) -> f64 {
    values.sort_unstable();
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0
    }
}

#[test]
fn mutant_findings_shrink_to_small_schedules_and_short_traces_that_reproduce_in_another_process() {
    let suite = suite();
    let findings = mutant_findings(&suite);
    let mutants: std::collections::BTreeSet<&str> = findings.iter().map(|f| f.mutant).collect();
    assert!(findings.len() >= 30 && mutants.len() >= 6, "{} findings of {mutants:?}", findings.len());

    let shrunk: Vec<Shrunk> = findings
        .par_iter()
        .map(|f| shrink::shrink(&f.request(&suite)).unwrap_or_else(|e| panic!("{f:?}: {e}")))
        .collect();
    let small = shrunk.iter().filter(|s| s.after.faults <= 2).count();
    let before = median(shrunk.iter().map(|s| s.before.trace_lines).collect());
    let after = median(shrunk.iter().map(|s| s.after.trace_lines).collect());
    // The figures docs/FINDINGS.md quotes (`cargo test --release --test it shrink -- --nocapture`).
    println!(
        "{} findings of {} mutants: {small} at <= 2 faults; median trace lines {before} -> {after}",
        findings.len(),
        mutants.len()
    );
    assert!(small * 5 >= shrunk.len() * 4, "only {small} of {} findings end at <= 2 faults", shrunk.len());
    assert!(after * 2.0 <= before, "median trace lines {before} -> {after}: not cut in half");

    let dir = scratch_dir("shrink-acceptance");
    findings.par_iter().zip(&shrunk).enumerate().for_each(|(i, (finding, shrunk))| {
        let file = dir.join(format!("{i}.yaml"));
        let mut args = vec!["shrink".to_string()];
        args.extend(finding.run_args(&suite));
        args.extend(["--invariant".into(), finding.invariant.into(), "--out".into(), file.display().to_string()]);
        let (code, stdout, stderr) = parts(&failsim(&args.iter().map(String::as_str).collect::<Vec<_>>()));
        assert_eq!(code, 0, "{finding:?}: {stderr}");
        let replay = stdout.lines().find_map(|l| l.strip_prefix("replay: failsim ")).expect("a replay line");
        let trace = dir.join(format!("{i}.jsonl")).display().to_string();
        let replay = replay.replace("trace.jsonl", &trace);
        let (code, stdout, stderr) = parts(&failsim(&replay.split(' ').collect::<Vec<_>>()));
        assert_eq!(code, 1, "{finding:?}: the shrunk scenario does not fail: {stdout}{stderr}");
        assert!(stdout.contains(&format!("\n{} at ", finding.invariant)), "{finding:?}: {stdout}");
        let lines = format!("({} trace lines, {} events)", shrunk.after.trace_lines, shrunk.after.events);
        assert!(stdout.contains(&lines), "{finding:?}: the replay is not the shrunk run {lines}: {stdout}");
    });
}

#[test]
fn concrete_schedules_of_random_selectors_replay_their_runs_exactly_and_shrink_deterministically() {
    let suite = suite();
    // Random selectors (`random(1)` three times) and a random partition split, fixed to
    // what they picked: the concrete run must show the very same facts and violations.
    for (scenario, cluster, mutant, seed) in [
        ("random_failures", "builtin:seed-example", Mutant::PromoteLagging, 3339760140964574152),
        ("random_failures", "builtin:three-region-5", Mutant::StalePrimaryRejoin, 3504899470121116881),
        ("partition_random", "builtin:three-region-5", Mutant::NoQuorumCheck, 3420147671821528053),
        ("region_isolation_long_lease", "builtin:three-region-5", Mutant::NoLeaseWait, 1163300468106254320),
    ] {
        let target = suite.iter().find(|t| t.scenario.value.name == scenario).unwrap();
        let cluster = target.clusters.iter().find(|(_, r)| r == cluster).unwrap();
        let request = ShrinkRequest {
            scenario: &target.scenario.value,
            cluster: &cluster.0.value,
            policy: &target.policy.value,
            mutant: Some(mutant),
            seed: Seed(seed),
            invariant: None,
            runs_max: shrink::RUNS_MAX_DEFAULT,
        };
        let shrunk = shrink::shrink(&request).unwrap();
        assert_eq!(shrunk.concrete.faults, shrunk.before.faults, "{scenario}: no fault picked several nodes");
        assert!(shrunk.concrete_identical, "{scenario} seed {seed}: the concrete run differs from the original");
        assert_eq!(shrunk.concrete.trace_lines, shrunk.before.trace_lines, "{scenario}");
        // The same request shrinks to the same schedule.
        assert_eq!(shrink::shrink(&request).unwrap().scenario, shrunk.scenario, "{scenario}: not deterministic");
    }
}

#[test]
fn a_run_without_the_violation_asked_for_is_refused_with_exit_code_2() {
    let base = ["shrink", "--scenario", "random_failures", "--cluster", "builtin:seed-example"];
    let dir = scratch_dir("shrink-refusals");
    let out = dir.join("never.yaml").display().to_string();
    let cases: [(&[&str], &str); 3] = [
        (&["--seed", "1"], "error: the run breaks no invariant: nothing to shrink (run: failsim replay"),
        (
            &["--mutant", "promote_lagging", "--seed", "3339760140964574152", "--invariant", "stuck"],
            "the run does not break stuck (it breaks: durability, eligible_target, rto)",
        ),
        (&["--seed", "1", "--invariant", "split_brain"], "expected one of: single_writer, durability"),
    ];
    for (args, message) in cases {
        let mut all = base.to_vec();
        all.extend(args);
        all.extend(["--out", &out]);
        let (code, stdout, stderr) = parts(&failsim(&all));
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    assert!(!dir.join("never.yaml").exists(), "nothing is written for a refused run");
}
