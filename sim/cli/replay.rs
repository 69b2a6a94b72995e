//! `failsim replay`: re-runs one run exactly and writes its full event trace.

use super::output;
use super::simulate::write_trace;
use super::target;
use super::Outcome;
use failsim::engine::Seed;
use failsim::run::{self as runner, RunRequest};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example (as printed next to every violation):
  failsim replay --scenario primary_failure --cluster builtin:seed-example \\
                 --seed 12804762103156926453 --trace trace.jsonl

Each trace line is one event: {\"at_ns\", \"kind\", \"node\", \"detail\"}. The same
inputs and seed always give the same bytes. Exit code 1 when the run breaks an
invariant (as it did when the replay command was printed).";

/// Re-run one run exactly and write its event trace (JSON Lines).
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    #[command(flatten)]
    target: target::RunArgs,
    /// The run's seed, as printed.
    #[arg(long)]
    seed: u64,
    /// Where to write the trace.
    #[arg(long, value_name = "FILE")]
    trace: PathBuf,
    /// Also write the run's sealed audit pack (for `failsim audit show|verify`).
    #[arg(long, value_name = "FILE")]
    audit: Option<PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    output::ensure_file_target("--trace", &args.trace)?;
    if let Some(path) = &args.audit {
        output::ensure_file_target("--audit", path)?;
    }
    let target = args.target.resolve()?;
    let cluster = &target.clusters[0].0.value;
    let request = RunRequest {
        scenario: &target.scenario.value,
        cluster,
        policy: &target.policy.value,
        seed: Seed(args.seed),
        mutant: args.target.mutant,
        trace: true,
    };
    let outcome = runner::run(&request);
    write_trace(&args.trace, &outcome)?;
    if let Some(path) = &args.audit {
        let pack = failsim::control::audit_pack::seal(
            &outcome.audit,
            &cluster.cluster_id,
            &target.scenario.value.name,
            outcome.seed,
        );
        output::write_atomically(path, (serde_json::to_string_pretty(&pack)? + "\n").as_bytes())?;
        println!("wrote {} ({} audit entries, {})", path.display(), pack.entries.len(), pack.audit_id);
    }
    let events = outcome.trace.as_ref().map_or(0, Vec::len);
    println!("wrote {} ({events} trace lines, {} events)", args.trace.display(), outcome.metrics.events);
    for v in &outcome.violations {
        println!("{} at {:.3} ms: {}", v.invariant.as_str(), v.at_ms, v.detail);
    }
    Ok(if outcome.violations.is_empty() { Outcome::Success } else { Outcome::Finding })
}
