//! `failsim hunt`: runs seed after seed, of swarm scenarios or of given ones, until a
//! run breaks an invariant that counts as a finding or the seed budget is spent, and
//! prints the first catching seed, the runs it took, its signature and the command
//! that replays it, then every distinct signature of the batch that caught it.
//!
//! Writes `hunt.json` and, for the swarm, the scenario file of every run it names, so
//! each printed replay command works on its own.

use super::output;
use super::target::{self, Target};
use super::Outcome;
use failsim::control::standard::Mutant;
use failsim::model::{load, Policy};
use failsim::run::hunt::{self, Catch, Findings, Hunt, Source, Trial};
use failsim::run::matrix::Cell;
use failsim::run::replay;
use failsim::run::swarm::Swarm;
use serde_json::json;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Examples:
  failsim hunt --swarm --mutant no_lease_wait          drawn scenarios until one catches the bug
  failsim hunt --swarm --budget-seeds 10000            the correct control plane, 10,000 draws
  failsim hunt --mutant promote_witness                the built-in suite, seed after seed
  failsim hunt --scenario dns_flip_fails --mutant ignore_dns_failure --findings all

With --swarm, seed index i draws its own scenario (a built-in topology and policy, one
to three faults of distinct kinds with random parameters, a run length, a workload)
from the seed derive_seed(--master-seed, \"swarm\", \"\", i), and runs it with that
seed. Without it, seed index i is run i of every (scenario, topology), with the seeds
`failsim run` gives them. Runs go in batches of 64 in parallel, and the hunt stops
after the first batch with a finding: the first catching seed and the signatures
reported never depend on --threads.

A finding is a violation of a safety invariant (single_writer, durability,
quorum_promotion, eligible_target, verifier_agreement, audit_chain); with --findings
all, of rto, liveness and stuck too, and a run that misses its scenario's per-run
expectations (promotions, final state, lost writes, false failovers). Runs in which
a configured fault never acted are counted as inert. Exit code 1 when something is
caught, 0 when the budget runs out clean.";

/// Hunt for a seed that breaks an invariant, over swarm scenarios or given ones.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Run a deliberately broken control plane (default: the correct one).
    #[arg(long, value_parser = target::parse_mutant)]
    mutant: Option<Mutant>,
    /// Draw a scenario per seed instead of running given ones.
    #[arg(long, conflicts_with_all = ["scenarios", "clusters"])]
    swarm: bool,
    /// Scenario (repeatable): a file path, builtin:NAME or a built-in name. Default: every built-in.
    #[arg(long = "scenario", value_name = "SCENARIO")]
    scenarios: Vec<String>,
    /// Topology (repeatable) to run every scenario on, instead of each scenario's own.
    #[arg(long = "cluster", value_name = "CLUSTER")]
    clusters: Vec<String>,
    /// Policy for every run, instead of each scenario's own (or each drawn one's).
    #[arg(long, value_name = "POLICY")]
    policy: Option<String>,
    /// Seed indices to try, at most.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    budget_seeds: u64,
    #[arg(long, default_value_t = 0)]
    master_seed: u64,
    /// What counts as a finding.
    #[arg(long, value_enum, default_value_t = FindingsArg::Safety)]
    findings: FindingsArg,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Where to write hunt.json and the swarm scenarios that replay commands name.
    #[arg(long, value_name = "DIR", default_value = "reports/hunt")]
    out: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum FindingsArg {
    /// The six safety invariants.
    Safety,
    /// Every invariant, and the scenario's per-run expectations.
    All,
}

/// What the hunt runs, loaded: the swarm with its policy, or the given scenarios' cells.
enum Loaded {
    Swarm { swarm: Swarm, policy: Option<Box<Policy>>, policy_ref: Option<String> },
    Targets(Vec<Target>),
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    if args.budget_seeds == 0 {
        anyhow::bail!("--budget-seeds: expected at least 1 seed");
    }
    if args.threads == Some(0) {
        anyhow::bail!("--threads: expected at least 1 thread");
    }
    output::ensure_directory_target("--out", &args.out)?;
    let loaded = load_inputs(args)?;
    let cells = match &loaded {
        Loaded::Targets(targets) => super::run::cells(targets, None),
        Loaded::Swarm { .. } => Vec::new(),
    };
    let source = match &loaded {
        Loaded::Swarm { swarm, policy, .. } => Source::Swarm { swarm, policy: policy.as_deref() },
        Loaded::Targets(_) => Source::Cells(&cells),
    };
    let findings = match args.findings {
        FindingsArg::Safety => Findings::Safety,
        FindingsArg::All => Findings::All,
    };
    let options =
        Hunt { master_seed: args.master_seed, mutant: args.mutant, findings, budget_seeds: args.budget_seeds };
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let outcome = pool.install(|| hunt::hunt(&source, &options));

    let namer = Namer { source, loaded: &loaded, cells: &cells, args };
    println!("{}", headline(args, &source));
    std::fs::create_dir_all(&args.out).map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", args.out.display()))?;
    let mut report = json!({
        "schema": "failsim.hunt/1",
        "swarm": args.swarm,
        "mutant": args.mutant.map(Mutant::as_str),
        "findings": findings,
        "master_seed": args.master_seed,
        "budget_seeds": args.budget_seeds,
        "runs": outcome.runs,
        "runs_with_inert_faults": outcome.runs_with_inert_faults,
    });
    let Some(first) = &outcome.first else {
        println!(
            "no finding in {} seeds ({} runs); {} runs had a fault that never acted (inert)",
            args.budget_seeds, outcome.runs, outcome.runs_with_inert_faults
        );
        write_report(&args.out, &report)?;
        return Ok(Outcome::Success);
    };
    let (named, distinct) = print_catch(&namer, first, &outcome)?;
    report["first"] = json!({
        "runs_to_detection": first.run + 1,
        "scenario": named.scenario,
        "topology": named.topology,
        "inert_faults": named.inert,
        "replay": named.replay,
        "catch": first,
    });
    report["distinct"] = json!(distinct);
    write_report(&args.out, &report)?;
    println!("wrote {}", args.out.join("hunt.json").display());
    Ok(Outcome::Finding)
}

/// Prints the first catch and the distinct signatures of its batch, writing the swarm
/// scenarios their replay commands name; returns the first's names and the distinct
/// signatures as JSON.
fn print_catch(
    namer: &Namer<'_>,
    first: &Catch,
    outcome: &hunt::Outcome,
) -> anyhow::Result<(Named, Vec<serde_json::Value>)> {
    let named = namer.name(first)?;
    println!("caught at seed index {} (seed {}), after {} runs", first.seed_index, first.seed.0, first.run + 1);
    println!("  scenario {} on {}: faults {}", named.scenario, named.topology, named.faults.join(", "));
    if !named.inert.is_empty() {
        println!("  inert (configured, never acted): {}", named.inert.join(", "));
    }
    for signature in &first.signatures {
        println!("  signature: {signature}");
    }
    for violation in &first.violations {
        println!("  {} at {:.3} ms: {}", violation.invariant.as_str(), violation.at_ms, violation.detail);
    }
    for missed in &first.missed {
        println!("  expectations: {missed}");
    }
    println!("    replay: {}", named.replay);
    let batch_start = (outcome.runs - 1) / hunt::BATCH_RUNS * hunt::BATCH_RUNS;
    println!("distinct signatures in the catching batch (runs {} to {}), fastest seed:", batch_start + 1, outcome.runs);
    let mut distinct = Vec::new();
    for (signature, run) in &outcome.distinct {
        let trial = namer.source.trial(*run, namer.args.master_seed);
        let example = namer.name_trial(&trial)?;
        println!("  {signature}  seed index {} (seed {})", trial.seed_index, trial.seed.0);
        println!("    replay: {}", example.replay);
        distinct.push(json!({
            "signature": signature,
            "run": run,
            "seed_index": trial.seed_index,
            "seed": trial.seed,
            "replay": example.replay,
        }));
    }
    Ok((named, distinct))
}

fn load_inputs(args: &Args) -> anyhow::Result<Loaded> {
    if args.swarm {
        let policy = args.policy.as_deref().map(load::policy).transpose()?;
        if let Some(policy) = &policy {
            output::warn_all(&policy.warnings);
        }
        let policy_ref = args.policy.clone();
        return Ok(Loaded::Swarm { swarm: Swarm::new(), policy: policy.map(|p| Box::new(p.value)), policy_ref });
    }
    let targets = target::resolve_all(&args.scenarios, target::builtin_suite, &args.clusters, args.policy.as_deref())?;
    Ok(Loaded::Targets(targets))
}

fn headline(args: &Args, source: &Source<'_>) -> String {
    let what = match source {
        Source::Swarm { .. } => "swarm scenarios".to_string(),
        Source::Cells(cells) => format!("{} (scenario, topology) cells", cells.len()),
    };
    let plane = args.mutant.map_or("the correct control plane".to_string(), |m| format!("mutant {}", m.as_str()));
    let findings = match args.findings {
        FindingsArg::Safety => "safety invariants",
        FindingsArg::All => "every invariant",
    };
    format!(
        "hunt: {what}, {plane}, findings: {findings}, up to {} seeds from master seed {}",
        args.budget_seeds, args.master_seed
    )
}

/// How a catching run is named in the output: its scenario, topology, faults and the
/// command that replays it.
struct Named {
    scenario: String,
    topology: String,
    faults: Vec<String>,
    inert: Vec<String>,
    replay: String,
}

struct Namer<'a> {
    source: Source<'a>,
    loaded: &'a Loaded,
    cells: &'a [Cell<'a>],
    args: &'a Args,
}

impl Namer<'_> {
    fn name(&self, catch: &Catch) -> anyhow::Result<Named> {
        let mut named = self.name_trial(&self.source.trial(catch.run, self.args.master_seed))?;
        named.inert = catch.inert_faults.iter().map(|i| named.faults[*i].clone()).collect();
        Ok(named)
    }

    /// Names a trial (inert faults left empty); a swarm trial's scenario is written
    /// under --out first, so that its replay command can name the file.
    fn name_trial(&self, trial: &Trial<'_>) -> anyhow::Result<Named> {
        let scenario = &trial.scenario;
        let faults = scenario.faults.iter().enumerate().map(|(i, f)| format!("faults[{i}] {}", f.kind())).collect();
        let (scenario_ref, cluster_ref, policy_ref) = match self.loaded {
            Loaded::Swarm { policy_ref, .. } => {
                let file = self.args.out.join(format!("{}.yaml", scenario.name));
                write_swarm_scenario(&file, trial, self.args)?;
                let cluster_ref = format!("builtin:{}", trial.cluster.cluster_id);
                (file.display().to_string(), cluster_ref, policy_ref.clone())
            }
            Loaded::Targets(_) => {
                let cell = &self.cells[trial.cell];
                (cell.scenario_ref.clone(), cell.cluster_ref.clone(), cell.policy_ref.clone())
            }
        };
        let replay = replay::command(&scenario_ref, &cluster_ref, policy_ref.as_deref(), self.args.mutant, trial.seed);
        let (scenario, topology) = (scenario.name.clone(), trial.cluster.cluster_id.clone());
        Ok(Named { scenario, topology, faults, inert: Vec::new(), replay })
    }
}

fn write_swarm_scenario(file: &Path, trial: &Trial<'_>, args: &Args) -> anyhow::Result<()> {
    let header = format!(
        "# Drawn by `failsim hunt --swarm` for seed index {} under master seed {}: run it with --seed {}.\n",
        trial.seed_index, args.master_seed, trial.seed.0
    );
    let yaml = failsim::model::syntax::to_yaml(&serde_json::to_value(trial.scenario.as_ref())?);
    output::write_atomically(file, (header + &yaml).as_bytes())
}

fn write_report(out: &Path, report: &serde_json::Value) -> anyhow::Result<()> {
    output::write_atomically(&out.join("hunt.json"), (serde_json::to_string_pretty(report)? + "\n").as_bytes())
}
