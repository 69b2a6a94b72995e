//! Resolving what a simulation command runs: the scenario, the topologies and policy
//! it names (or the command line overrides), and how to name them again in a replay
//! command that works from the same directory.

use failsim::control::standard::Mutant;
use failsim::engine::Seed;
use failsim::model::{load, resolve, Cluster, Loaded, Policy, Scenario, Source};
use std::path::Path;

/// A scenario with everything it runs against, and the references to replay it.
pub struct Target {
    pub scenario: Loaded<Scenario>,
    pub scenario_ref: String,
    /// Each topology with the reference that names it on a command line.
    pub clusters: Vec<(Loaded<Cluster>, String)>,
    pub policy: Loaded<Policy>,
    pub policy_ref: Option<String>,
}

/// Loads a scenario and resolves its topologies and policy; `--cluster` and
/// `--policy` override the scenario's own.
pub fn resolve(scenario_ref: &str, cluster_refs: &[String], policy_ref: Option<&str>) -> anyhow::Result<Target> {
    let scenario = load::scenario(scenario_ref)?;
    super::output::warn_all(&scenario.warnings);
    let clusters = if cluster_refs.is_empty() {
        let loaded = resolve::scenario_topologies(&scenario)?;
        let refs = scenario_cluster_refs(&scenario, loaded.len());
        loaded.into_iter().zip(refs).collect()
    } else {
        cluster_refs.iter().map(|r| Ok((load::topology(r)?, r.clone()))).collect::<anyhow::Result<Vec<_>>>()?
    };
    let policy = match policy_ref {
        Some(reference) => load::policy(reference)?,
        None => resolve::scenario_policy(&scenario)?,
    };
    for (cluster, _) in &clusters {
        super::output::warn_all(&cluster.warnings);
    }
    Ok(Target {
        scenario,
        scenario_ref: scenario_ref.to_string(),
        clusters,
        policy,
        policy_ref: policy_ref.map(str::to_string),
    })
}

/// Command-line references for the scenario's own topologies.
fn scenario_cluster_refs(scenario: &Loaded<Scenario>, count: usize) -> Vec<String> {
    let sources = &scenario.value.cluster.0;
    if sources.is_empty() {
        return vec![format!("builtin:{}", resolve::DEFAULT_TOPOLOGY); count];
    }
    sources
        .iter()
        .map(|source| match source {
            Source::Named(name) => match &scenario.base_dir {
                Some(dir) if dir.join(name).exists() => dir.join(name).display().to_string(),
                _ if Path::new(name).exists() => name.clone(),
                _ => format!("builtin:{}", name.trim_start_matches("builtin:")),
            },
            // An inline topology is named by leaving --cluster out.
            Source::Inline(_) => String::new(),
        })
        .collect()
}

/// The one-line command that replays a run exactly.
pub fn replay_command(target: &Target, cluster_ref: &str, mutant: Option<Mutant>, seed: Seed) -> String {
    let mut command = format!("failsim replay --scenario {}", quote(&target.scenario_ref));
    if !cluster_ref.is_empty() {
        command.push_str(&format!(" --cluster {}", quote(cluster_ref)));
    }
    if let Some(policy) = &target.policy_ref {
        command.push_str(&format!(" --policy {}", quote(policy)));
    }
    if let Some(mutant) = mutant {
        let name = serde_json::to_value(mutant).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        command.push_str(&format!(" --mutant {name}"));
    }
    command.push_str(&format!(" --seed {} --trace trace.jsonl", seed.0));
    command
}

fn quote(text: &str) -> String {
    if text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:".contains(&b)) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// Parses a mutant name as written on the command line.
pub fn parse_mutant(text: &str) -> Result<Mutant, String> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|_| {
        "expected one of: no_lease_wait, no_quorum_check, off_by_one_quorum, promote_lagging, promote_witness, \
         stale_primary_rejoin, skip_fence, verifier_always_passes, no_cooldown, ignore_dns_failure"
            .to_string()
    })
}
