//! `failsim compare`: several topologies through the same scenarios and the same seeds
//! (common random numbers), side by side: a table on the terminal, and
//! `comparison.json`, `comparison.md` and `report.html` (the comparison first, then the
//! usual report of every cell) plus `report.json`, each written atomically.

use super::output;
use super::run::{cells, execute};
use super::target;
use super::Outcome;
use failsim::report::compare::{self, Comparison};
use failsim::report::{html, markdown};
use failsim::run::matrix::Options;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  failsim compare --cluster builtin:active-passive-2region --cluster builtin:three-region-5
  failsim compare --cluster a.yaml --cluster b.yaml --scenario builtin:region_isolation --seeds 500
  failsim compare --cluster builtin:seed-example --cluster builtin:three-region-7 --node-failures-per-year 4

Run i of a scenario gets the same seed on every topology, so its faults strike at the
same moments everywhere: differences come from the topologies, not from luck. Lower is
better in every row; the best value of each row is marked. The expected annual
downtime is F x (mean unavailability per primary_failure run) + F x (nodes - 1) x (mean
unavailability per node_crash run), with F failures per node per year: it needs both
scenarios among those compared (the default set has them). Exit code 0 however the
topologies fare (a comparison is not a verdict); 2 on bad input.";

/// The scenarios compared when none is given: losing the primary, losing another node
/// (together they price the expected downtime), and losing the primary's region.
const DEFAULT_SCENARIOS: [&str; 3] = ["builtin:primary_failure", "builtin:node_crash", "builtin:region_isolation"];

/// Compare topologies side by side under the same scenarios and seeds.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Topology (repeat it: at least two): a file path, builtin:NAME or a built-in name.
    #[arg(long = "cluster", value_name = "CLUSTER", required = true)]
    clusters: Vec<String>,
    /// Policy for every run, instead of each scenario's own.
    #[arg(long, value_name = "POLICY")]
    policy: Option<String>,
    /// Scenario (repeatable). Default: primary_failure, node_crash and region_isolation.
    #[arg(long = "scenario", value_name = "SCENARIO")]
    scenarios: Vec<String>,
    /// Runs per (scenario, topology), the same seeds on every topology.
    #[arg(long, default_value_t = 100, value_parser = target::parse_seeds)]
    seeds: u64,
    /// Failures per node per year, for the expected annual downtime.
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    node_failures_per_year: f64,
    #[arg(long, default_value_t = 0)]
    master_seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Where to write the reports.
    #[arg(long, value_name = "DIR", default_value = "reports/compare")]
    out: PathBuf,
    /// Leave the wall-clock `timing` key out, so reports compare byte for byte.
    #[arg(long)]
    no_timing: bool,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    if args.clusters.len() < 2 {
        anyhow::bail!("--cluster: give at least two topologies to compare");
    }
    if !(args.node_failures_per_year.is_finite() && args.node_failures_per_year >= 0.0) {
        anyhow::bail!(
            "--node-failures-per-year {}: expected a finite number of at least 0",
            args.node_failures_per_year
        );
    }
    output::ensure_directory_target("--out", &args.out)?;
    let default = || DEFAULT_SCENARIOS.iter().map(|s| s.to_string()).collect();
    let targets = target::resolve_all(&args.scenarios, default, &args.clusters, args.policy.as_deref())?;
    let ids: Vec<&str> = targets[0].clusters.iter().map(|(c, _)| c.value.cluster_id.as_str()).collect();
    if let Some(twice) = ids.iter().enumerate().find_map(|(i, id)| ids[..i].contains(id).then_some(id)) {
        anyhow::bail!("--cluster: topology {twice} is given twice; its columns would be indistinguishable");
    }
    let cells = cells(&targets, Some(args.seeds));
    let options = Options { master_seed: args.master_seed, common_seeds: true, ..Options::default() };
    let (report, _) = execute(&cells, options, args.threads, !args.no_timing)?;
    let nodes: Vec<(String, u32)> = targets[0]
        .clusters
        .iter()
        .map(|(cluster, _)| (cluster.value.cluster_id.clone(), cluster.value.nodes.len() as u32))
        .collect();
    let comparison = Comparison::build(&report, args.seeds, args.node_failures_per_year, &nodes);

    print!("{}", compare::render_text(&comparison));
    std::fs::create_dir_all(&args.out).map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", args.out.display()))?;
    let write = |name: &str, text: String| output::write_atomically(&args.out.join(name), text.as_bytes());
    write("comparison.json", serde_json::to_string_pretty(&comparison)? + "\n")?;
    write("comparison.md", compare::render_markdown(&comparison) + "\n" + &markdown::render(&report))?;
    write("report.json", serde_json::to_string_pretty(&report)? + "\n")?;
    write("report.html", html::render_with(&report, &compare::render_html(&comparison)))?;
    println!("reports written to {}", args.out.display());
    Ok(Outcome::Success)
}
