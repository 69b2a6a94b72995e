//! `failsim plan`: the failover plan for a topology and policy, as JSON or YAML.

use super::output::{self, DataFormat};
use super::Outcome;
use failsim::control::planner::{self, PlanRequest};
use failsim::model::{load, resolve, InputError};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  failsim plan --cluster scenarios/topologies/seed-example.yaml \\
               --policy scenarios/policies/seed-auto.yaml --failed node-1
  failsim plan --cluster builtin:three-region-7 --policy builtin:quorum-based \\
               --failed node-1 --failed node-2 --format yaml --output plan.yaml

The plan carries the seed's fields (plan_id, cluster_id, policy_id,
primary_node_id, failover_target_id, estimated_total_ms, action_count), the
ordered actions (fence or demote the old primary, promote, dns_flip, notify,
verify) with estimated durations from the policy, and under `rejected` every node
not chosen with the reason. The same inputs always give the same plan_id.

Exit codes: 0 a target was chosen; 1 no node can be promoted (failover_target_id
is null and no_target_reason says why); 2 bad input or usage.";

/// Compute the failover plan: which standby to promote, and how.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Topology: a cluster.yaml/.json path, builtin:NAME, or a built-in name.
    #[arg(long, value_name = "CLUSTER")]
    cluster: String,
    /// Policy: a policy.yaml/.json path, builtin:NAME, or a built-in name.
    #[arg(long, value_name = "POLICY")]
    policy: String,
    /// A node to treat as failed (repeatable). Without any, the current primary is
    /// taken as failed.
    #[arg(long = "failed", value_name = "NODE")]
    failed: Vec<String>,
    /// Output format: json or yaml (the same fields; each converts to the other).
    #[arg(long, value_enum, default_value = "json")]
    format: DataFormat,
    /// Write the plan to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let cluster = load::topology(&args.cluster)?;
    let policy = load::policy(&args.policy)?;
    let primary = cluster.value.primary().map(|n| n.node_id.clone()).unwrap_or_default();
    let failed = failed_indices(&cluster, &args.failed, &primary)?;
    if let Some(path) = &args.output {
        output::ensure_file_target("--output", path)?;
    }
    // Warnings only once the command is sure to go ahead: a refusal says one thing.
    let crossref = resolve::policy_against_topology(&policy.value, &cluster.value);
    output::warn_all(&cluster.warnings);
    output::warn_all(&policy.warnings);
    output::warn_all(&load::finish(policy.clone(), &crossref)?.warnings);

    let failed_primary = cluster.value.node_index(&primary).expect("validation ensures a primary");
    let views = PlanRequest::declared_views(&cluster.value, &failed);
    let request = PlanRequest { cluster: &cluster.value, policy: &policy.value, views: &views, failed_primary };
    let plan = planner::plan(&request);
    output::emit(&output::render(&plan, args.format)?, args.output.as_deref())?;
    match &plan.no_target_reason {
        Some(reason) => {
            eprintln!("no failover target: {reason}");
            Ok(Outcome::Finding)
        }
        None => Ok(Outcome::Success),
    }
}

/// Indices of the `--failed` nodes (the primary when none are given).
pub fn failed_indices(
    cluster: &load::Loaded<failsim::model::Cluster>,
    failed: &[String],
    primary: &str,
) -> Result<Vec<usize>, InputError> {
    let names: Vec<&str> = if failed.is_empty() { vec![primary] } else { failed.iter().map(String::as_str).collect() };
    names
        .into_iter()
        .map(|id| {
            cluster.value.node_index(id).ok_or_else(|| {
                let ids: Vec<&str> = cluster.value.nodes.iter().map(|n| n.node_id.as_str()).collect();
                let message = format!("--failed {id}: no such node (nodes: {})", ids.join(", "));
                InputError::new(&cluster.origin, None, "nodes", message)
            })
        })
        .collect()
}
