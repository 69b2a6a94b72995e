//! `failsim execute`: runs a plan in a simulated world (or, with `--dry-run`, lays out
//! its timeline) and prints the execution log and the verifier's report.

use super::output::{self, DataFormat};
use super::Outcome;
use failsim::control::plan::Plan;
use failsim::engine::Seed;
use failsim::model::{load, syntax, InputError};
use failsim::run::execution;
use std::fmt::Write;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  failsim plan --cluster builtin:seed-example --policy builtin:seed-auto --output plan.json
  failsim execute --plan plan.json --cluster builtin:seed-example --dry-run
  failsim execute --plan plan.json --cluster builtin:seed-example --format json

Applied, the plan's failed primary is down from the start and the executor runs the
plan's actions with seeded durations in a simulated world; the verifier then checks
the result. The JSON carries the seed's execute fields (execution_id, plan_id,
success, actions_executed, actions_failed, total_duration_ms, audit_id, confidence).
Exit code 1 when the execution does not succeed.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExecuteFormat {
    Text,
    Json,
}

/// Execute a failover plan in a simulated world.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The plan, as written by `failsim plan` (JSON or YAML).
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// The topology the plan was made for.
    #[arg(long, value_name = "CLUSTER")]
    cluster: String,
    /// The policy (action durations, retries, bounds); default builtin:seed-auto.
    #[arg(long, value_name = "POLICY", default_value = "builtin:seed-auto")]
    policy: String,
    /// Lay out the timeline from the plan's estimates; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Seed of the simulated world's draws (action durations, latencies).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, value_enum, default_value = "text")]
    format: ExecuteFormat,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let cluster = load::topology(&args.cluster)?;
    let policy = load::policy(&args.policy)?;
    let text = load::read_file(&args.plan)?;
    let tree = load::parse(&text)?;
    let plan: Plan = syntax::from_node(&tree)
        .map_err(|e| InputError::new(&text.origin, e.at, e.path.as_deref().unwrap_or_default(), e.message))?;
    if plan.cluster_id != cluster.value.cluster_id {
        let message = format!("the plan is for cluster {}, not {}", plan.cluster_id, cluster.value.cluster_id);
        return Err(InputError::new(&text.origin, Some(tree.locate("cluster_id")), "cluster_id", message).into());
    }
    for (field, node) in
        [("primary_node_id", Some(&plan.primary_node_id)), ("failover_target_id", plan.failover_target_id.as_ref())]
    {
        if let Some(node) = node.filter(|n| cluster.value.node_index(n).is_none()) {
            let message = format!("no node `{node}` in cluster {}", cluster.value.cluster_id);
            return Err(InputError::new(&text.origin, Some(tree.locate(field)), field, message).into());
        }
    }
    let report = execution::execute(&cluster.value, &policy.value, &plan, args.dry_run, Seed(args.seed));
    let out = match args.format {
        ExecuteFormat::Json => output::render(&report, DataFormat::Json)?,
        ExecuteFormat::Text => {
            let mut out = String::new();
            for line in &report.log {
                let kind = serde_json::to_value(line.kind)?.as_str().unwrap_or_default().to_string();
                writeln!(out, "{:>12.3} ms  {kind:<12} {}", line.at_ms, line.detail)?;
            }
            let verdict = if report.success { "succeeded" } else { "did not succeed" };
            let mode = if report.dry_run { " (dry run)" } else { "" };
            writeln!(out, "execution {} of {}{mode} {verdict}: {} actions done, {} failed, {:.0} ms, audit {}, confidence {} ({})",
                report.execution_id, report.plan_id, report.actions_executed, report.actions_failed, report.total_duration_ms,
                report.audit_id, report.confidence.score, report.confidence.band)?;
            out
        }
    };
    output::emit(&out, None)?;
    Ok(if report.success { Outcome::Success } else { Outcome::Finding })
}
