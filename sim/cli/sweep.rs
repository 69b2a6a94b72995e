//! `failsim sweep`: a grid over numeric fields of the topologies, policy or scenarios.
//! Every value is set and validated before anything runs; then every grid point runs
//! the same scenarios, topologies and seeds as one matrix, and the sweep is written as
//! sweep.json, sweep.md, sweep.html, the `sweep-*.svg` charts and report.json, each
//! atomically. Each point's own scenario, topology and policy files go under
//! `points/N/`, and the replay commands in every output name them, so a replay runs
//! the swept values.

use super::output;
use super::target::{self, Target};
use super::Outcome;
use failsim::model::params::{self, Applied, Document, Param};
use failsim::model::{Cluster, Policy, Scenario};
use failsim::report::sweep::{self, charts, Sweep, SweepParam};
use failsim::report::Report;
use failsim::run::matrix::{Cell, Options};
use serde_json::{Number, Value};
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Examples:
  failsim sweep --scenario docs/capacity/lossy-network.yaml \\
                --param policy.heartbeat.interval_ms=500,1000,2000,4000 \\
                --param policy.heartbeat.failure_threshold=1,2,3,5
  failsim sweep --scenario region_isolation_long_lease \\
                --param policy.fencing.lease_ms=10000,40000,80000
  failsim sweep --scenario packet_loss --param scenario.faults.0.probability=0.1,0.2,0.3
  failsim sweep --cluster three-region-5 --param cluster.network.cross_region_ms=40,80,160

PATH starts with cluster., policy. or scenario. and names a numeric field by its
dotted name; a number indexes a list (scenario.faults.0.probability), and a
[min, max] range may be set to one value. Every value is validated as an input file
is, before anything runs. The grid is every combination of the values (at most 1000
points), the first --param outermost. Each point runs every scenario on each of its
topologies with the same seeds as every other point, so points differ only by their
settings; with --no-timing, sweep.json is byte-identical across thread counts.

Writes into --out: sweep.json, sweep.md, sweep.html, sweep-*.svg, report.json (every
cell, with replay commands) and points/N/ (the scenario, topology and policy files of
point N, which its replay commands name). Exit code 0, also when a point is unsafe
(the table and reports mark it UNSAFE); 2 on bad input.";

/// The scenario a sweep runs when none is given: the seed's primary failure.
const DEFAULT_SCENARIO: &str = "builtin:primary_failure";

/// Sweep numeric settings over a grid and chart the trade-offs.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// A numeric field and its values (repeatable): PATH=V1,V2,...
    #[arg(long = "param", value_name = "PATH=V1,V2,...", required = true)]
    params: Vec<String>,
    /// Scenario (repeatable): a file path, builtin:NAME or a built-in name. Default: builtin:primary_failure.
    #[arg(long = "scenario", value_name = "SCENARIO")]
    scenarios: Vec<String>,
    /// Topology (repeatable) to run every scenario on, instead of each scenario's own.
    #[arg(long = "cluster", value_name = "CLUSTER")]
    clusters: Vec<String>,
    /// Policy for every scenario, instead of each scenario's own.
    #[arg(long, value_name = "POLICY")]
    policy: Option<String>,
    /// Runs per (point, scenario, topology), instead of each scenario's `seeds`.
    #[arg(long, value_parser = target::parse_seeds)]
    seeds: Option<u64>,
    #[arg(long, default_value_t = 0)]
    master_seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Where to write the sweep.
    #[arg(long, value_name = "DIR", default_value = "reports/sweep")]
    out: PathBuf,
    /// Leave the wall-clock `timing` key out, so outputs compare byte for byte.
    #[arg(long)]
    no_timing: bool,
}

/// One scenario at one grid point: its documents with the point's values set, and the
/// files that hold them.
struct PointTarget {
    scenario: Scenario,
    clusters: Vec<Cluster>,
    policy: Policy,
    scenario_file: PathBuf,
    cluster_files: Vec<PathBuf>,
    policy_file: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    output::ensure_directory_target("--out", &args.out)?;
    let params = params::parse_all(&args.params)?;
    let grid = params::grid(&params)?;
    let default = || vec![DEFAULT_SCENARIO.to_string()];
    let targets = target::resolve_all(&args.scenarios, default, &args.clusters, args.policy.as_deref())?;
    // Each value alone first, so that a refusal names the one value at fault; the
    // warnings worth printing are those of the grid points themselves.
    for param in &params {
        for value in &param.values {
            set_all(&targets, &[(param, value)], Path::new(""), &mut Warnings::default())?;
        }
    }
    let mut warnings = Warnings::default();
    let mut points = Vec::with_capacity(grid.len());
    for (index, point) in grid.iter().enumerate() {
        let settings: Vec<(&Param, &Number)> = params.iter().zip(point).map(|(p, &i)| (p, &p.values[i])).collect();
        let dir = args.out.join(sweep::point_dir(index));
        points.push(set_all(&targets, &settings, &dir, &mut warnings)?);
    }
    for warning in &warnings.0 {
        eprintln!("warning: at some of the {} grid points: {warning}", grid.len());
    }
    for (index, (point, values)) in points.iter().zip(&grid).enumerate() {
        let settings: Vec<String> = params.iter().zip(values).map(|(p, &i)| p.assignment(&p.values[i])).collect();
        write_point(index, &settings.join(", "), point)?;
    }

    let cells = cells(&points, args.seeds);
    let options = Options { master_seed: args.master_seed, ..Options::default() };
    let (report, _) = super::run::execute(&cells, options, args.threads, !args.no_timing)?;
    let swept = params.iter().map(|p| SweepParam { path: p.path.clone(), values: p.values.clone() }).collect();
    let values = grid.iter().map(|point| params.iter().zip(point).map(|(p, &i)| p.values[i].clone()).collect());
    let mut sweep = Sweep::build(swept, values.collect(), &report);
    sweep.timing = report.timing.clone();
    write_sweep(&sweep, &report, &args.out)?;
    print!("{}", sweep::table::render(&sweep));
    println!("sweep written to {}", args.out.display());
    Ok(Outcome::Success)
}

/// Each target's scenario, topologies and policy with `settings` applied, and where
/// their files go under `dir`.
///
/// # Errors
/// A value the documents refuse, naming the parameter, its value and, when there are
/// several, the document.
fn set_all(
    targets: &[Target],
    settings: &[(&Param, &Number)],
    dir: &Path,
    warnings: &mut Warnings,
) -> anyhow::Result<Vec<PointTarget>> {
    let mut point = Vec::with_capacity(targets.len());
    for (k, target) in targets.iter().enumerate() {
        let scenario = &target.scenario.value;
        let which =
            |kind: &str, name: &str| if targets.len() > 1 { format!(" ({kind} {name})") } else { String::new() };
        let scenario_value = set(scenario, settings, Document::Scenario, warnings)
            .map_err(|e| anyhow::anyhow!("{e}{}", which("scenario", &scenario.name)))?;
        let policy = &target.policy.value;
        let policy_value = set(policy, settings, Document::Policy, warnings)
            .map_err(|e| anyhow::anyhow!("{e}{}", which("policy of scenario", &scenario.name)))?;
        let several = target.clusters.len() > 1 || targets.len() > 1;
        let clusters = target
            .clusters
            .iter()
            .map(|(cluster, _)| {
                let id = &cluster.value.cluster_id;
                set(&cluster.value, settings, Document::Cluster, warnings).map_err(|e| {
                    anyhow::anyhow!("{e}{}", if several { format!(" (topology {id})") } else { String::new() })
                })
            })
            .collect::<anyhow::Result<Vec<Cluster>>>()?;
        point.push(PointTarget {
            scenario_file: dir.join(format!("scenario-{k}.yaml")),
            cluster_files: (0..clusters.len()).map(|j| dir.join(format!("cluster-{k}-{j}.yaml"))).collect(),
            policy_file: dir.join(format!("policy-{k}.yaml")),
            scenario: scenario_value,
            clusters,
            policy: policy_value,
        });
    }
    Ok(point)
}

/// `document` with the settings of its kind applied (a copy when there are none).
fn set<T>(
    document: &T,
    settings: &[(&Param, &Number)],
    kind: Document,
    warnings: &mut Warnings,
) -> Result<T, params::ParamError>
where
    T: Clone + serde::Serialize + serde::de::DeserializeOwned + failsim::model::load::Validate,
{
    let mine: Vec<(&Param, &Number)> = settings.iter().filter(|(p, _)| p.document == kind).copied().collect();
    if mine.is_empty() {
        return Ok(document.clone());
    }
    let Applied { value, warnings: found } = params::apply(document, &mine)?;
    for problem in found {
        warnings.add(format!("{}: {}", problem.path, problem.message));
    }
    Ok(value)
}

/// Validation warnings of the swept documents, each once, in the order found.
#[derive(Default)]
struct Warnings(Vec<String>);

impl Warnings {
    fn add(&mut self, warning: String) {
        if !self.0.contains(&warning) {
            self.0.push(warning);
        }
    }
}

/// One cell per (point, scenario, topology), point by point, as `Sweep::build` reads them.
fn cells(points: &[Vec<PointTarget>], seeds: Option<u64>) -> Vec<Cell<'_>> {
    let mut cells = Vec::new();
    for target in points.iter().flatten() {
        for (cluster, file) in target.clusters.iter().zip(&target.cluster_files) {
            cells.push(Cell {
                scenario: &target.scenario,
                scenario_ref: target.scenario_file.display().to_string(),
                cluster,
                cluster_ref: file.display().to_string(),
                policy: &target.policy,
                policy_ref: Some(target.policy_file.display().to_string()),
                first_run: 0,
                runs: seeds.unwrap_or(u64::from(target.scenario.seeds)),
            });
        }
    }
    cells
}

/// Writes a point's documents as YAML. The scenario names its topologies and policy by
/// these files' names (relative to it), so it also runs alone: `failsim run --scenario
/// points/N/scenario-0.yaml`.
fn write_point(index: usize, settings: &str, point: &[PointTarget]) -> anyhow::Result<()> {
    let header = format!("# failsim sweep, grid point {index}: {settings}\n");
    let name =
        |path: &Path| Value::String(path.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned()));
    for target in point {
        if let Some(dir) = target.scenario_file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", dir.display()))?;
        }
        let mut scenario = serde_json::to_value(&target.scenario)?;
        if let Value::Object(map) = &mut scenario {
            map.insert("cluster".to_string(), Value::Array(target.cluster_files.iter().map(|f| name(f)).collect()));
            map.insert("policy".to_string(), name(&target.policy_file));
        }
        let yaml = |value: &Value| header.clone() + &failsim::model::syntax::to_yaml(value);
        output::write_atomically(&target.scenario_file, yaml(&scenario).as_bytes())?;
        for (cluster, file) in target.clusters.iter().zip(&target.cluster_files) {
            output::write_atomically(file, yaml(&serde_json::to_value(cluster)?).as_bytes())?;
        }
        output::write_atomically(&target.policy_file, yaml(&serde_json::to_value(&target.policy)?).as_bytes())?;
    }
    Ok(())
}

/// Writes the sweep's outputs and the full report into `out`, each atomically.
fn write_sweep(sweep: &Sweep, report: &Report, out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", out.display()))?;
    output::write_atomically(&out.join("sweep.json"), (serde_json::to_string_pretty(sweep)? + "\n").as_bytes())?;
    output::write_atomically(&out.join("sweep.md"), sweep::markdown::render(sweep).as_bytes())?;
    output::write_atomically(&out.join("sweep.html"), sweep::html::render(sweep).as_bytes())?;
    for (name, drawn) in charts::files(sweep) {
        match drawn {
            Ok(svg) => output::write_atomically(&out.join(&name), svg.as_bytes())?,
            Err(error) => eprintln!("warning: {name} not drawn: {error}"),
        }
    }
    output::write_atomically(&out.join("report.json"), (serde_json::to_string_pretty(report)? + "\n").as_bytes())?;
    Ok(())
}
