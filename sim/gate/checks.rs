//! The five RG-8 checks, run in order; each returns its verdict, a one-line figure and
//! the details behind a failure (the violating seed and its replay command, the file
//! and line of a bad input, the cell whose p95 regressed).

use super::baseline::{self, Baseline, BaselineCell};
use super::config::GateConfig;
use crate::control::audit_pack::{self, AuditPack};
use crate::control::plan::Plan;
use crate::control::planner::{self, PlanRequest};
use crate::control::quorum;
use crate::control::standard::Mutant;
use crate::engine::derive_seed;
use crate::model::library::{self, Kind};
use crate::model::syntax::{from_node, parse_json, parse_yaml, to_yaml, Location};
use crate::model::{load, resolve, Cluster, ClusterState, InputError, Loaded, Policy, Scenario, Status};
use crate::report::model::Report;
use crate::run::matrix::{self, Cell, Options};
use crate::run::single::{self, RunRequest};
use serde::Serialize;
use std::sync::atomic::AtomicU64;

/// A monotonic clock reading in milliseconds, handed in by the caller (the CLI).
pub type Stopwatch<'a> = &'a mut dyn FnMut() -> f64;

/// One check's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckResult {
    pub id: &'static str,
    pub name: &'static str,
    pub passed: bool,
    /// One line: the figure behind the verdict.
    pub figure: String,
    /// What failed, one line each (empty when the check passed).
    pub details: Vec<String>,
}

/// The gate's outcome and what its artifacts are made of.
pub struct GateResult {
    pub checks: Vec<CheckResult>,
    /// RG-8.3's matrix report.
    pub report: Report,
    /// The seed topology's plan, for `sample_plan.yaml`.
    pub sample_plan: Plan,
    /// This run's figures, as a baseline (written by `--update-baseline`).
    pub baseline: Baseline,
    /// The wall-clock p95 of one simulated failover run, in ms.
    pub wall_ms_p95: f64,
}

impl GateResult {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}

fn check(id: &'static str, name: &'static str, figure: String, details: Vec<String>) -> CheckResult {
    CheckResult { id, name, passed: details.is_empty(), figure, details }
}

/// Runs the gate.
///
/// # Errors
/// A scenario named in the config that cannot be loaded, or an audit pack it names
/// that cannot be read or is not a pack (bad input, exit 2).
/// With `update_baseline`, RG-8.5 compares the run with its own figures (which become
/// the new baseline) instead of with `baseline`.
pub fn run(
    config: &GateConfig,
    baseline: Option<&Baseline>,
    update_baseline: bool,
    mutant: Option<Mutant>,
    stopwatch: Stopwatch<'_>,
) -> anyhow::Result<GateResult> {
    let packs = load_audit_packs(config)?;
    let presence = presence(config);
    let (integrity, sample_plan) = plan_integrity();
    let suite = load_suite(config)?;
    let cells = cells(&suite, config.seeds);
    let options = Options { master_seed: config.master_seed, mutant, ..Options::default() };
    let aggregates = matrix::run(&cells, options, &AtomicU64::new(0));
    let report = Report::build(&cells, &aggregates, config.master_seed, mutant);
    let validity = failover_validity(&report);
    let audit = audit_integrity(&cells, options, &packs);
    let now = Baseline {
        schema: baseline::SCHEMA.to_string(),
        seeds: config.seeds,
        master_seed: config.master_seed,
        cells: report
            .cells
            .iter()
            .map(|c| BaselineCell {
                scenario: c.scenario.clone(),
                cluster_id: c.cluster_id.clone(),
                detection_p95_ms: c.detection_ms.p95,
                failover_p95_ms: c.failover_ms.p95,
                unavailable_p95_ms: c.unavailable_ms.p95,
            })
            .collect(),
    };
    let wall_ms_p95 = wall_clock_p95(config, mutant, stopwatch)?;
    let against = if update_baseline { Some(&now) } else { baseline };
    let performance = performance(config, &report, &now, against, wall_ms_p95);
    Ok(GateResult {
        checks: vec![presence, integrity, validity, audit, performance],
        report,
        sample_plan,
        baseline: now,
        wall_ms_p95,
    })
}

/// RG-8.1: every built-in and extra input loads and validates, and every control-plane
/// component passes a self-test on a tiny fixed case.
fn presence(config: &GateConfig) -> CheckResult {
    let mut details = Vec::new();
    let mut counts = [0usize; 3];
    for (i, kind) in [Kind::Topology, Kind::Policy, Kind::Scenario].into_iter().enumerate() {
        for name in library::names(kind) {
            counts[i] += 1;
            let text = library::text(kind, name).expect("listed names exist");
            if let Err(error) = resolve::check_document(&text) {
                details.push(error.to_string());
            }
        }
    }
    for path in &config.extra_inputs {
        let checked = load::read_file(std::path::Path::new(path)).and_then(|text| resolve::check_document(&text));
        if let Err(error) = checked {
            details.push(error.to_string());
        }
    }
    let components = self_tests();
    let passed_components = components.iter().filter(|(_, problem)| problem.is_none()).count();
    details.extend(
        components.iter().filter_map(|(name, problem)| problem.as_ref().map(|p| format!("{name} self-test: {p}"))),
    );
    let figure = format!(
        "{} topologies, {} policies, {} scenarios and {} extra inputs checked; {passed_components}/{} components pass their self-tests",
        counts[0],
        counts[1],
        counts[2],
        config.extra_inputs.len(),
        components.len()
    );
    check("RG-8.1", "presence", figure, details)
}

fn builtin<T: serde::de::DeserializeOwned + load::Validate>(kind: Kind, name: &str) -> Option<Loaded<T>> {
    load::decode(&library::text(kind, name)?).ok()
}

/// Each component on a fixed case with a known answer: (component, problem if any).
fn self_tests() -> Vec<(&'static str, Option<String>)> {
    let cluster: Option<Loaded<Cluster>> = builtin(Kind::Topology, "seed-example");
    let policy: Option<Loaded<Policy>> = builtin(Kind::Policy, "seed-auto");
    let scenario: Option<Loaded<Scenario>> = builtin(Kind::Scenario, "primary_failure");
    let (Some(cluster), Some(policy), Some(scenario)) = (cluster, policy, scenario) else {
        let missing = Some("the seed topology, policy or primary_failure scenario does not load".to_string());
        return ["quorum", "planner", "monitor", "executor", "verifier", "auditor"]
            .map(|c| (c, missing.clone()))
            .to_vec();
    };
    let (c, p) = (&cluster.value, &policy.value);
    let mut health = vec![Status::Healthy; c.nodes.len()];
    health[0] = Status::Failed;
    let degraded = quorum::assess(c, &health).state == ClusterState::Degraded;
    health[1] = Status::Failed;
    let critical = quorum::assess(c, &health).state == ClusterState::Critical;
    let quorum_problem = (!(degraded && critical))
        .then(|| "seed-example with 1 and 2 nodes failed is not DEGRADED then CRITICAL".to_string());
    let views = PlanRequest::declared_views(c, &[0]);
    let plan = planner::plan(&PlanRequest { cluster: c, policy: p, views: &views, failed_primary: 0 });
    let planner_problem =
        (plan.target() != Some("node-2")).then(|| format!("picked {:?}, expected node-2", plan.target()));
    let seed = derive_seed(0, "primary_failure", &c.cluster_id, 0);
    let outcome =
        single::run(&RunRequest { scenario: &scenario.value, cluster: c, policy: p, seed, mutant: None, trace: false });
    let monitor = outcome.metrics.detection_ms.is_none().then(|| "the primary's loss was never detected".to_string());
    let executor = (outcome.metrics.failovers_promoted != ["node-2"])
        .then(|| format!("promoted {:?}, expected [node-2]", outcome.metrics.failovers_promoted));
    let verified = outcome.audit.entries.iter().any(|e| e.detail.starts_with("verification passed"));
    let verifier = (!verified).then(|| "no passing verification in the audit log".to_string());
    let pack = audit_pack::seal(&outcome.audit, &c.cluster_id, &scenario.value.name, seed);
    let auditor = audit_pack::verify(&pack).err().map(|e| format!("the audit pack does not verify: {e}"));
    vec![
        ("quorum", quorum_problem),
        ("planner", planner_problem),
        ("monitor", monitor),
        ("executor", executor),
        ("verifier", verifier),
        ("auditor", auditor),
    ]
}

/// RG-8.2: for every built-in topology x policy with its primary failed, the plan
/// round-trips YAML -> JSON -> YAML byte for byte and is identical when made again.
fn plan_integrity() -> (CheckResult, Plan) {
    let mut details = Vec::new();
    let mut checked = 0;
    let mut sample = None;
    for topology in library::names(Kind::Topology) {
        for policy in library::names(Kind::Policy) {
            let (Some(c), Some(p)) =
                (builtin::<Cluster>(Kind::Topology, topology), builtin::<Policy>(Kind::Policy, policy))
            else {
                details.push(format!("{topology} x {policy}: does not load (see RG-8.1)"));
                continue;
            };
            let Some(primary) = c.value.nodes.iter().position(|n| n.role == crate::model::Role::Primary) else {
                continue;
            };
            let views = PlanRequest::declared_views(&c.value, &[primary]);
            let request = PlanRequest { cluster: &c.value, policy: &p.value, views: &views, failed_primary: primary };
            let plan = planner::plan(&request);
            checked += 1;
            if let Err(problem) = round_trip(&plan) {
                details.push(format!("{topology} x {policy}: {problem}"));
            }
            if planner::plan(&request) != plan {
                details.push(format!("{topology} x {policy}: a second plan from the same inputs differs"));
            }
            if topology == "seed-example" && policy == "seed-auto" {
                sample = Some(plan);
            }
        }
    }
    let figure = format!("{checked} plans round-trip YAML -> JSON -> YAML and recompute identically");
    (check("RG-8.2", "plan integrity", figure, details), sample.expect("the seed pair is built in"))
}

fn round_trip(plan: &Plan) -> Result<(), String> {
    let value = serde_json::to_value(plan).map_err(|e| e.to_string())?;
    let yaml = to_yaml(&value);
    let from_yaml: serde_json::Value = from_node(&parse_yaml(&yaml).map_err(|e| e.message)?).map_err(|e| e.message)?;
    let json = serde_json::to_string(&from_yaml).map_err(|e| e.to_string())?;
    let from_json: serde_json::Value = from_node(&parse_json(&json).map_err(|e| e.message)?).map_err(|e| e.message)?;
    let again = to_yaml(&from_json);
    if again != yaml {
        return Err("YAML -> JSON -> YAML changed the bytes".to_string());
    }
    let back: Plan = serde_json::from_value(from_json).map_err(|e| e.to_string())?;
    if &back != plan {
        return Err("the round trip changed the plan".to_string());
    }
    Ok(())
}

/// The failover-validity suite: scenarios with their topologies and policy.
struct Suite {
    scenarios: Vec<SuiteScenario>,
}

/// One scenario of the suite, with the references that name it and its topologies on
/// a command line (for replay commands).
struct SuiteScenario {
    scenario: Loaded<Scenario>,
    reference: String,
    clusters: Vec<(Loaded<Cluster>, String)>,
    policy: Loaded<Policy>,
}

fn load_suite(config: &GateConfig) -> anyhow::Result<Suite> {
    let references: Vec<String> = if config.scenarios.is_empty() {
        library::names(Kind::Scenario).iter().map(|n| format!("builtin:{n}")).collect()
    } else {
        config.scenarios.clone()
    };
    let mut scenarios = Vec::new();
    for reference in references {
        let scenario = load::scenario(&reference)?;
        let clusters = resolve::scenario_topologies(&scenario)?;
        let refs = resolve::cluster_references(&scenario);
        let policy = resolve::scenario_policy(&scenario)?;
        scenarios.push(SuiteScenario {
            scenario,
            reference,
            clusters: clusters.into_iter().zip(refs).collect(),
            policy,
        });
    }
    Ok(Suite { scenarios })
}

fn cells(suite: &Suite, seeds: u64) -> Vec<Cell<'_>> {
    let mut cells = Vec::new();
    for SuiteScenario { scenario, reference, clusters, policy } in &suite.scenarios {
        for (cluster, cluster_ref) in clusters {
            cells.push(Cell {
                scenario: &scenario.value,
                scenario_ref: reference.clone(),
                cluster: &cluster.value,
                cluster_ref: cluster_ref.clone(),
                policy: &policy.value,
                policy_ref: None,
                first_run: 0,
                runs: seeds,
            });
        }
    }
    cells
}

/// RG-8.3: zero safety violations over the suite, and every scenario's expectations met.
fn failover_validity(report: &Report) -> CheckResult {
    let mut details = Vec::new();
    for cell in report.cells.iter().filter(|c| !c.passed) {
        for failure in &cell.failures {
            details.push(format!("{} on {}: {failure}", cell.scenario, cell.cluster_id));
        }
        if let Some(example) = cell.examples.first() {
            details.push(format!(
                "  {} at {:.3} ms (seed {}): {}; replay: {}",
                example.invariant, example.at_ms, example.seed, example.detail, example.replay
            ));
        } else if let Some(miss) = &cell.first_miss {
            details
                .push(format!("  run {} (seed {}): {}; replay: {}", miss.run_index, miss.seed, miss.what, miss.replay));
        }
    }
    let t = &report.totals;
    let figure = format!(
        "{} runs over {} cells: {} safety violations, {} cells missing their expectations",
        t.runs, t.cells, t.safety_violations, t.failing_cells
    );
    check("RG-8.3", "failover validity", figure, details)
}

/// The config's audit packs, read and parsed (not yet verified): (path, pack).
fn load_audit_packs(config: &GateConfig) -> Result<Vec<(String, AuditPack)>, InputError> {
    let mut packs = Vec::new();
    for path in &config.audit_packs {
        let text = load::read_file(std::path::Path::new(path))?;
        let pack = serde_json::from_str(&text.body).map_err(|e| {
            let at = (e.line() > 0).then(|| Location { line: e.line() as u32, column: e.column() as u32 });
            let message = e.to_string();
            // serde_json ends its message with the position the error already carries.
            let message = message.rsplit_once(" at line ").filter(|_| at.is_some()).map_or(&*message, |(m, _)| m);
            InputError::new(&text.origin, at, "", format!("not an audit pack: {message}"))
        })?;
        packs.push((path.clone(), pack));
    }
    Ok(packs)
}

/// RG-8.4: the audit pack of run 0 of every cell verifies (manifest and chain), and a
/// copy with one byte of one entry changed is rejected; every pack the config names
/// verifies too.
fn audit_integrity(cells: &[Cell<'_>], options: Options, packs: &[(String, AuditPack)]) -> CheckResult {
    let mut details = Vec::new();
    let mut verified = 0;
    let mut entries = 0;
    for cell in cells {
        let request = cell.request(cell.first_run, options, false);
        let seed = request.seed;
        let outcome = single::run(&request);
        let pack = audit_pack::seal(&outcome.audit, &cell.cluster.cluster_id, &cell.scenario.name, seed);
        let name = format!("{} on {} (seed {})", cell.scenario.name, cell.cluster.cluster_id, seed.0);
        match audit_pack::verify(&pack) {
            Ok(_) => verified += 1,
            Err(error) => details.push(format!("{name}: {error}")),
        }
        entries += pack.entries.len();
        if let Some(middle) = pack.entries.len().checked_sub(1).map(|last| last / 2) {
            let mut tampered = pack.clone();
            tampered.entries[middle].detail.push('!');
            if audit_pack::verify(&tampered).is_ok() {
                details.push(format!("{name}: a pack with entry {middle} changed still verifies"));
            }
        }
    }
    for (path, pack) in packs {
        match audit_pack::verify(pack) {
            Ok(_) => verified += 1,
            Err(error) => details.push(format!("{path}: {error}")),
        }
        entries += pack.entries.len();
    }
    let figure = format!(
        "{verified}/{} audit packs ({entries} entries) verify; every tampered copy is rejected",
        cells.len() + packs.len()
    );
    check("RG-8.4", "audit integrity", figure, details)
}

/// The wall-clock p95 of one simulated failover run (primary loss on the seed topology).
fn wall_clock_p95(config: &GateConfig, mutant: Option<Mutant>, stopwatch: Stopwatch<'_>) -> anyhow::Result<f64> {
    let scenario = load::scenario("builtin:primary_failure")?;
    let cluster = load::topology("builtin:seed-example")?;
    let policy = resolve::scenario_policy(&scenario)?;
    let mut times: Vec<f64> = (0..config.performance.wall_runs)
        .map(|i| {
            let seed = derive_seed(config.master_seed, "primary_failure", &cluster.value.cluster_id, i);
            let request = RunRequest {
                scenario: &scenario.value,
                cluster: &cluster.value,
                policy: &policy.value,
                seed,
                mutant,
                trace: false,
            };
            let start = stopwatch();
            std::hint::black_box(single::run(&request));
            stopwatch() - start
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let rank = ((0.95 * times.len() as f64).ceil() as usize).clamp(1, times.len());
    Ok(times[rank - 1])
}

/// RG-8.5: virtual-time p95s within the thresholds, no cell worse than the baseline by
/// more than the tolerance, and the wall-clock p95 of one failover under the limit.
fn performance(
    config: &GateConfig,
    report: &Report,
    now: &Baseline,
    baseline: Option<&Baseline>,
    wall_ms_p95: f64,
) -> CheckResult {
    let p = &config.performance;
    let mut details = Vec::new();
    let names = p.scenarios.clone().unwrap_or_else(|| vec!["primary_failure".to_string()]);
    if p.scenarios.is_some() {
        for name in names.iter().filter(|n| !report.cells.iter().any(|c| &c.scenario == *n)) {
            details
                .push(format!("performance.scenarios names `{name}`, which the failover-validity suite does not run"));
        }
    }
    for cell in report.cells.iter().filter(|c| names.contains(&c.scenario)) {
        for (name, value, limit_s) in [
            ("detection", cell.detection_ms.p95, p.detection_p95_s),
            ("failover", cell.failover_ms.p95, p.failover_p95_s),
            ("unavailable", cell.unavailable_ms.p95, p.unavailable_p95_s),
        ] {
            if let Some(ms) = value.filter(|ms| *ms > limit_s * 1000.0) {
                details.push(format!(
                    "{} on {}: {name} p95 {:.1} s, above the threshold {limit_s} s",
                    cell.scenario,
                    cell.cluster_id,
                    ms / 1000.0
                ));
            }
        }
    }
    let mut compared = 0;
    match baseline {
        None => {
            details.push("no baseline: run `failsim gate --update-baseline` and commit reports/baseline/".to_string())
        }
        Some(b) if b.seeds != now.seeds || b.master_seed != now.master_seed => details.push(format!(
            "the baseline was made with {} seeds and master seed {}, this run with {} and {}: update it",
            b.seeds, b.master_seed, now.seeds, now.master_seed
        )),
        Some(b) => {
            let factor = 1.0 + p.tolerance_percent / 100.0;
            for cell in &now.cells {
                let Some(old) = b.cell(&cell.scenario, &cell.cluster_id) else { continue };
                compared += 1;
                for (name, new, old) in [
                    ("detection", cell.detection_p95_ms, old.detection_p95_ms),
                    ("failover", cell.failover_p95_ms, old.failover_p95_ms),
                    ("unavailable", cell.unavailable_p95_ms, old.unavailable_p95_ms),
                ] {
                    if let (Some(new), Some(old)) = (new, old) {
                        if new > old * factor {
                            details.push(format!(
                                "{} on {}: {name} p95 {:.1} ms, worse than the baseline's {:.1} ms by more than {}%",
                                cell.scenario, cell.cluster_id, new, old, p.tolerance_percent
                            ));
                        }
                    }
                }
            }
        }
    }
    if wall_ms_p95 >= p.wall_ms_p95_max {
        details.push(format!(
            "wall-clock p95 {wall_ms_p95:.3} ms per simulated failover, not under {} ms",
            p.wall_ms_p95_max
        ));
    }
    let figure = format!(
        "p95 {wall_ms_p95:.3} ms per simulated failover ({:.4} of {} ms); {compared} cells within {}% of the baseline",
        wall_ms_p95 / p.wall_ms_p95_max,
        p.wall_ms_p95_max,
        p.tolerance_percent
    );
    check("RG-8.5", "performance", figure, details)
}
