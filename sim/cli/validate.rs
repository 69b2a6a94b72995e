//! `failsim validate`: checks topology, policy and scenario files, telling what kind
//! each is from its top-level keys.

use super::output;
use super::Outcome;
use failsim::model::{load, resolve, Cluster, InputError, Kind, Policy, Scenario};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  failsim validate scenarios/topologies/*.yaml scenarios/policies/*.yaml
  failsim validate my-scenario.yaml

A file with cluster_id is a topology, with policy_id a policy, with name and
duration_s or faults a scenario. A scenario is checked together with the
topologies and policy it names. Each valid file gets an `ok` line on stdout; each
error is one line on stderr naming the file, line, column and field:

  error: my-cluster.yaml:14:5: nodes[1].region: unknown region `eu-west-9` (regions: ...)

Exit codes: 0 every file is valid; 2 any file is invalid, or bad usage.";

/// Check topology, policy and scenario files.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Files to check (YAML or JSON).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let mut invalid = Vec::new();
    for file in &args.files {
        match check(file) {
            Ok(summary) => println!("ok    {}  {summary}", file.display()),
            Err(error) if args.files.len() == 1 => return Err(error.into()),
            Err(error) => {
                eprintln!("error: {error}");
                invalid.push(error.origin);
            }
        }
    }
    match invalid.first() {
        Some(first) => Err(anyhow::anyhow!("{} of {} files invalid (first: {first})", invalid.len(), args.files.len())),
        None => Ok(Outcome::Success),
    }
}

fn check(file: &std::path::Path) -> Result<String, InputError> {
    let text = load::read_file(file)?;
    let tree = load::parse(&text)?;
    let kind = load::kind_of(&tree).ok_or_else(|| {
        let message = "cannot tell the kind: expected cluster_id (topology), policy_id (policy), or name (scenario)";
        InputError::new(&text.origin, Some(tree.at), "", message)
    })?;
    match kind {
        Kind::Topology => {
            let cluster = load::decode::<Cluster>(&text)?;
            output::warn_all(&cluster.warnings);
            let c = &cluster.value;
            Ok(format!(
                "topology {}: {} nodes in {} region(s), quorum {}",
                c.cluster_id,
                c.nodes.len(),
                c.regions.len(),
                c.quorum_size()
            ))
        }
        Kind::Policy => {
            let policy = load::decode::<Policy>(&text)?;
            output::warn_all(&policy.warnings);
            let strategy = serde_json::to_value(policy.value.strategy).unwrap_or_default();
            Ok(format!("policy {}: {} strategy", policy.value.policy_id, strategy.as_str().unwrap_or_default()))
        }
        Kind::Scenario => {
            let scenario = load::decode::<Scenario>(&text)?;
            output::warn_all(&scenario.warnings);
            let clusters = resolve::scenario_topologies(&scenario)?;
            let policy = resolve::scenario_policy(&scenario)?;
            output::warn_all(&policy.warnings);
            for cluster in &clusters {
                output::warn_all(&cluster.warnings);
                let crossref = resolve::policy_against_topology(&policy.value, &cluster.value);
                output::warn_all(&load::finish(policy.clone(), &crossref)?.warnings);
            }
            let names: Vec<&str> = clusters.iter().map(|c| c.value.cluster_id.as_str()).collect();
            Ok(format!(
                "scenario {}: {} faults over {} s, on {} under {}",
                scenario.value.name,
                scenario.value.faults.len(),
                scenario.value.duration_s,
                names.join(", "),
                policy.value.policy_id
            ))
        }
    }
}
