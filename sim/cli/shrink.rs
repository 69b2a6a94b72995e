//! `failsim shrink`: one failing run reduced to a minimal fault schedule that still
//! breaks the same invariant (`run::shrink`), written as a scenario file that replays
//! it from any directory, with the sizes before and after.

use super::output;
use super::target::{self, Target};
use super::Outcome;
use anyhow::Context;
use failsim::check::Invariant;
use failsim::engine::Seed;
use failsim::model::{load, Cluster, Expect, InputError, Loaded, Policy, Scenario, Source, Sources};
use failsim::run::shrink::{self, ShrinkError, ShrinkRequest, Shrunk, Size};
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Examples:
  failsim shrink --scenario region_isolation_long_lease --cluster builtin:three-region-5 \\
                 --mutant no_lease_wait --seed 1163300468106254320
  failsim shrink --scenario random_failures --cluster builtin:seed-example \\
                 --mutant promote_lagging --seed 3339760140964574152 --invariant eligible_target \\
                 --out eligible.yaml

The arguments are those of the replay command printed next to a violation (less
--trace). The run's faults are first fixed to what they drew (times, parameters, and
the nodes that random selectors picked); then, while the same invariant still breaks,
faults are dropped, the run is cut short, windows shortened, faults moved earlier and
values rounded, each candidate one run with the same seed. The scenario written names
its topology and policy (built-ins by name, others inline), so the replay command
printed works from any directory.

Exit code 0 when the scenario written reproduces the violation; 1 when the run's
concrete schedule no longer breaks the invariant (nothing written); 2 on bad input,
including a run that breaks no invariant.";

/// Shrink a failing run to a minimal fault schedule that breaks the same invariant.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    #[command(flatten)]
    target: target::RunArgs,
    /// The failing run's seed, as printed.
    #[arg(long)]
    seed: u64,
    /// The invariant to keep broken (default: that of the run's first violation).
    #[arg(long, value_name = "NAME", value_parser = parse_invariant)]
    invariant: Option<Invariant>,
    /// Where to write the shrunk scenario (default: reports/shrink/SCENARIO-SEED.yaml).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The most candidate runs to spend.
    #[arg(long, value_name = "N", default_value_t = shrink::RUNS_MAX_DEFAULT)]
    max_runs: u32,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let target = args.target.resolve()?;
    let (cluster, cluster_ref) = &target.clusters[0];
    let scenario = &target.scenario.value;
    let seed = Seed(args.seed);
    let out = args.out.clone().unwrap_or_else(|| default_out(scenario, seed));
    output::ensure_file_target("--out", &out)?;
    let request = ShrinkRequest {
        scenario,
        cluster: &cluster.value,
        policy: &target.policy.value,
        mutant: args.target.mutant,
        seed,
        invariant: args.invariant,
        runs_max: args.max_runs,
    };
    let from = target::replay_command(&target, cluster_ref, args.target.mutant, seed);
    let shrunk = match shrink::shrink(&request) {
        Ok(shrunk) => shrunk,
        Err(error @ ShrinkError::NotReproduced { .. }) => {
            eprintln!("error: {error} (run: {from})");
            return Ok(Outcome::Finding);
        }
        Err(error) => anyhow::bail!("{error} (run: {from})"),
    };

    let cluster_ref = builtin_ref(cluster, load::topology).unwrap_or_default();
    let replay =
        failsim::run::replay::command(&out.display().to_string(), &cluster_ref, None, args.target.mutant, seed);
    let document = document(&shrunk, cluster, &target, seed)?;
    let header = header(&shrunk, &from, &replay);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create the directory", dir.display()))?;
    }
    output::write_atomically(&out, (header + &failsim::model::syntax::to_yaml(&document)).as_bytes())?;

    print(&shrunk, &from, &out, &replay);
    Ok(Outcome::Success)
}

/// The sizes before and after, the violation kept, and how to replay it.
fn print(shrunk: &Shrunk, from: &str, out: &Path, replay: &str) {
    let v = &shrunk.original;
    println!("shrinking the run of: {from}");
    println!("keeping {}: first broken at {:.3} ms: {}", shrunk.invariant.as_str(), v.at_ms, v.detail);
    println!("{:<10}{:>7}{:>12}{:>13}{:>9}", "", "faults", "duration_s", "trace lines", "events");
    let identical =
        if shrunk.concrete_identical { "  replays the run exactly" } else { "  a different run, same invariant" };
    for (name, size, note) in
        [("original", &shrunk.before, ""), ("concrete", &shrunk.concrete, identical), ("shrunk", &shrunk.after, "")]
    {
        println!("{name:<10}{}{note}", row(size));
    }
    let budget = if shrunk.budget_spent { " (the budget ran out before a fixpoint)" } else { "" };
    println!("{} candidate runs{budget}", shrunk.runs);
    let v = &shrunk.violation;
    println!("{} at {:.3} ms: {}", v.invariant.as_str(), v.at_ms, v.detail);
    println!("wrote {}", out.display());
    println!("replay: {replay}");
}

fn row(size: &Size) -> String {
    format!("{:>7}{:>12}{:>13}{:>9}", size.faults, size.duration_s, size.trace_lines, size.events)
}

/// `reports/shrink/SCENARIO-SEED.yaml`, with the scenario's name made safe for a path.
fn default_out(scenario: &Scenario, seed: Seed) -> PathBuf {
    let name: String =
        scenario.name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    Path::new("reports/shrink").join(format!("{name}-{}.yaml", seed.0))
}

/// `builtin:NAME` when the value is that built-in, which any directory can name. The
/// origin alone does not tell: a topology or policy inline in a built-in scenario has
/// the scenario's origin.
fn builtin_ref<T: PartialEq>(loaded: &Loaded<T>, load: Loader<T>) -> Option<String> {
    let origin = &loaded.origin;
    let builtin = origin.starts_with("builtin:") && load(origin).is_ok_and(|b| b.value == loaded.value);
    builtin.then(|| origin.clone())
}

type Loader<T> = fn(&str) -> Result<Loaded<T>, InputError>;

/// A built-in by name, anything else inline.
fn source<T: Clone + PartialEq>(loaded: &Loaded<T>, load: Loader<T>) -> Source<T> {
    builtin_ref(loaded, load).map_or_else(|| Source::Inline(Box::new(loaded.value.clone())), Source::Named)
}

/// The shrunk scenario as a document: its topology and policy named or inline, no
/// expectations beyond the default (no violation), so `failsim run` on it fails too.
fn document(
    shrunk: &Shrunk,
    cluster: &Loaded<Cluster>,
    target: &Target,
    seed: Seed,
) -> anyhow::Result<serde_json::Value> {
    let original: &Scenario = &target.scenario.value;
    let policy: &Loaded<Policy> = &target.policy;
    let scenario = Scenario {
        name: format!("{}-shrunk", original.name),
        description: format!(
            "{} shrunk from {} on {}, seed {}",
            shrunk.invariant.as_str(),
            original.name,
            cluster.value.cluster_id,
            seed.0
        ),
        cluster: Sources(vec![source(cluster, load::topology)]),
        policy: Some(source(policy, load::policy)),
        expect: Expect::default(),
        ..shrunk.scenario.clone()
    };
    let mut document = serde_json::to_value(&scenario).context("cannot serialize the shrunk scenario")?;
    // A fault's optional fields serialize as null when absent; a file leaves them out.
    if let Some(faults) = document.get_mut("faults").and_then(serde_json::Value::as_array_mut) {
        for fault in faults.iter_mut().filter_map(serde_json::Value::as_object_mut) {
            fault.retain(|_, value| !value.is_null());
        }
    }
    Ok(document)
}

fn header(shrunk: &Shrunk, from: &str, replay: &str) -> String {
    let size = |s: &Size| {
        let faults = if s.faults == 1 { "fault" } else { "faults" };
        format!("{} {faults}, {} s, {} trace lines", s.faults, s.duration_s, s.trace_lines)
    };
    format!(
        "# failsim shrink: a minimal schedule that breaks {}, from the run of\n\
         #   {from}\n\
         # before: {}; after: {} ({} candidate runs)\n\
         # replay: {replay}\n",
        shrunk.invariant.as_str(),
        size(&shrunk.before),
        size(&shrunk.after),
        shrunk.runs
    )
}

/// Parses an invariant name as written in reports.
fn parse_invariant(text: &str) -> Result<Invariant, String> {
    Invariant::ALL.into_iter().find(|i| i.as_str() == text).ok_or_else(|| {
        let names: Vec<&str> = Invariant::ALL.iter().map(|i| i.as_str()).collect();
        format!("expected one of: {}", names.join(", "))
    })
}
