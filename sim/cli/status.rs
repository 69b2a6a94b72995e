//! `failsim status`: quorum and cluster state of a topology, as the seed's status
//! response (JSON) or a short text table.

use super::output::{self, DataFormat};
use super::plan::failed_indices;
use super::Outcome;
use failsim::control::quorum;
use failsim::model::{load, Status};
use std::fmt::Write;

const AFTER_HELP: &str = "\
Examples:
  failsim status --cluster builtin:seed-example
  failsim status --cluster scenarios/topologies/three-region-5.yaml \\
                 --failed node-1 --failed node-2 --format json

Every node votes (primary, secondaries and witnesses); quorum is quorum_size
healthy voters (default: a majority). HEALTHY: every voter healthy. DEGRADED:
quorum holds, some voter is not healthy. CRITICAL: no quorum, the cluster is
read-only.

Exit codes: 0 HEALTHY or DEGRADED; 1 CRITICAL; 2 bad input or usage.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
}

/// Show quorum and cluster state (HEALTHY, DEGRADED or CRITICAL).
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Topology: a cluster.yaml/.json path, builtin:NAME, or a built-in name.
    #[arg(long, value_name = "CLUSTER")]
    cluster: String,
    /// A node to treat as failed (repeatable); the others keep the status the
    /// topology declares.
    #[arg(long = "failed", value_name = "NODE")]
    failed: Vec<String>,
    /// Output format: a text table, or json (the seed's status fields plus `state`).
    #[arg(long, value_enum, default_value = "text")]
    format: StatusFormat,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let cluster = load::topology(&args.cluster)?;
    output::warn_all(&cluster.warnings);
    let failed = if args.failed.is_empty() { Vec::new() } else { failed_indices(&cluster, &args.failed, "")? };
    let health: Vec<Status> = cluster
        .value
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| if failed.contains(&i) { Status::Failed } else { n.status })
        .collect();
    let status = quorum::assess(&cluster.value, &health);
    let text = match args.format {
        StatusFormat::Json => output::render(&status, DataFormat::Json)?,
        StatusFormat::Text => {
            let mut text = String::new();
            let c = &cluster.value;
            let held = if status.has_quorum { "held" } else { "LOST (read-only)" };
            writeln!(text, "cluster  {} ({})", c.cluster_id, c.name)?;
            writeln!(text, "state    {}", status.state.as_str())?;
            writeln!(
                text,
                "quorum   {} of {} voters healthy, quorum size {}: {held}",
                status.healthy_nodes, status.total_nodes, status.quorum_size
            )?;
            for (node, health) in c.nodes.iter().zip(&health) {
                let role = format!("{:?}", node.role).to_lowercase();
                let health = format!("{health:?}").to_lowercase();
                writeln!(
                    text,
                    "  {:<12} {:<10} {:<24} {health}",
                    node.node_id,
                    role,
                    format!("{}/{}", node.region, node.site)
                )?;
            }
            text
        }
    };
    output::emit(&text, None)?;
    Ok(if status.has_quorum { Outcome::Success } else { Outcome::Finding })
}
