//! `failsim simulate`: seeded runs of one scenario on one topology, each with its
//! metrics, promotions, final cluster state and violations (with replay commands).

use super::output::{self, DataFormat};
use super::target::{self, Target};
use super::Outcome;
use failsim::control::standard::Mutant;
use failsim::engine::{derive_seed, Seed};
use failsim::run::{self as runner, RunOutcome, RunRequest};
use serde_json::json;
use std::fmt::Write;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  failsim simulate --scenario primary_failure --cluster builtin:seed-example --seeds 20
  failsim simulate --scenario scenarios/region_isolation.yaml --seed 1234 --trace run.jsonl
  failsim simulate --scenario primary_failure --mutant no_lease_wait --format json

--seeds N runs the seeds derived from (--master-seed, scenario, topology, index) for
index 0..N; --seed N runs exactly the run whose seed is N (as printed, and as taken
by `failsim replay`). Without either, the scenario's own seed count is used. Exit
code 1 when any run breaks an invariant.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SimulateFormat {
    Text,
    Json,
}

/// Run seeded failover simulations of one scenario.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    #[command(flatten)]
    target: target::RunArgs,
    /// Run exactly this seed.
    #[arg(long, conflicts_with = "seeds")]
    seed: Option<u64>,
    /// Run this many derived seeds.
    #[arg(long)]
    seeds: Option<u32>,
    /// The master seed the run seeds derive from.
    #[arg(long, default_value_t = 0)]
    master_seed: u64,
    #[arg(long, value_enum, default_value = "text")]
    format: SimulateFormat,
    /// Write the event trace of the (single) run as JSON Lines.
    #[arg(long, value_name = "FILE", requires = "seed")]
    trace: Option<PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    if let Some(path) = &args.trace {
        output::ensure_file_target("--trace", path)?;
    }
    let target = args.target.resolve()?;
    let (cluster, cluster_ref) = &target.clusters[0];
    let scenario = &target.scenario.value;
    let seeds: Vec<Seed> = match (args.seed, args.seeds) {
        (Some(seed), _) => vec![Seed(seed)],
        (None, count) => (0..u64::from(count.unwrap_or(scenario.seeds)))
            .map(|i| derive_seed(args.master_seed, &scenario.name, &cluster.value.cluster_id, i))
            .collect(),
    };
    let policy = &target.policy.value;
    let outcomes: Vec<RunOutcome> = seeds
        .iter()
        .map(|&seed| {
            let request = RunRequest {
                scenario,
                cluster: &cluster.value,
                policy,
                seed,
                mutant: args.target.mutant,
                trace: args.trace.is_some(),
            };
            runner::run(&request)
        })
        .collect();
    if let (Some(path), Some(outcome)) = (&args.trace, outcomes.first()) {
        write_trace(path, outcome)?;
    }
    let text = match args.format {
        SimulateFormat::Json => {
            output::render(&to_json(&target, cluster_ref, args.target.mutant, &outcomes), DataFormat::Json)?
        }
        SimulateFormat::Text => to_text(&target, cluster_ref, args.target.mutant, &outcomes)?,
    };
    output::emit(&text, None)?;
    let broken = outcomes.iter().any(|o| !o.violations.is_empty());
    Ok(if broken { Outcome::Finding } else { Outcome::Success })
}

/// Writes a run's trace as JSON Lines, atomically.
pub fn write_trace(path: &std::path::Path, outcome: &RunOutcome) -> anyhow::Result<()> {
    let mut text = String::new();
    for record in outcome.trace.iter().flatten() {
        text.push_str(&serde_json::to_string(record)?);
        text.push('\n');
    }
    output::write_atomically(path, text.as_bytes())
}

fn to_json(target: &Target, cluster_ref: &str, mutant: Option<Mutant>, outcomes: &[RunOutcome]) -> serde_json::Value {
    let cluster = &target.clusters[0].0.value;
    let runs: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|o| {
            let replay = target::replay_command(target, cluster_ref, mutant, o.seed);
            let violations: Vec<serde_json::Value> = o
                .violations
                .iter()
                .map(|v| json!({"invariant": v.invariant, "at_ms": v.at_ms, "detail": v.detail, "replay": replay}))
                .collect();
            json!({
                "seed": o.seed.0,
                "metrics": o.metrics,
                "promoted": o.metrics.failovers_promoted,
                "final_state": o.final_state,
                "violations": violations,
            })
        })
        .collect();
    json!({
        "scenario": target.scenario.value.name,
        "cluster_id": cluster.cluster_id,
        "policy_id": target.policy.value.policy_id,
        "runs": runs,
    })
}

fn to_text(
    target: &Target,
    cluster_ref: &str,
    mutant: Option<Mutant>,
    outcomes: &[RunOutcome],
) -> anyhow::Result<String> {
    let mut text = String::new();
    let cluster = &target.clusters[0].0.value;
    writeln!(
        text,
        "scenario {} on {} under {}",
        target.scenario.value.name, cluster.cluster_id, target.policy.value.policy_id
    )?;
    let seconds = |ms: Option<f64>| ms.map_or("-".to_string(), |ms| format!("{:.1}s", ms / 1000.0));
    for o in outcomes {
        let m = &o.metrics;
        let promoted = if m.failovers_promoted.is_empty() { "-".to_string() } else { m.failovers_promoted.join(",") };
        writeln!(
            text,
            "seed {:<20} promoted {:<10} detection {:>7} failover {:>7} unavailable {:>7.1}s lost {:>5} final {:<9} violations {}",
            o.seed.0,
            promoted,
            seconds(m.detection_ms),
            seconds(m.failover_ms),
            m.unavailable_ms / 1000.0,
            m.lost_writes,
            o.final_state.as_str(),
            o.violations.len()
        )?;
        for v in &o.violations {
            writeln!(text, "  {} at {:.3} ms: {}", v.invariant.as_str(), v.at_ms, v.detail)?;
            writeln!(text, "    replay: {}", target::replay_command(target, cluster_ref, mutant, o.seed))?;
        }
    }
    let broken = outcomes.iter().filter(|o| !o.violations.is_empty()).count();
    writeln!(text, "{} runs, {broken} with violations", outcomes.len())?;
    Ok(text)
}
