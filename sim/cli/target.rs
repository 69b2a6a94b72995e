//! Resolving what a simulation command runs: the scenario, the topologies and policy
//! it names (or the command line overrides), and how to name them again in a replay
//! command that works from the same directory.

use failsim::control::standard::Mutant;
use failsim::engine::Seed;

use failsim::model::{library, load, resolve, Cluster, Kind, Loaded, Policy, Scenario, SEED_COUNT_MAX};

/// The command-line arguments naming one scenario run: scenario, topology, policy and
/// control-plane variant (shared by `simulate` and `replay`).
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Scenario: a file path, builtin:NAME, or a built-in name.
    #[arg(long, value_name = "SCENARIO")]
    pub scenario: String,
    /// Topology to run on (default: the scenario's first).
    #[arg(long, value_name = "CLUSTER")]
    pub cluster: Option<String>,
    /// Policy (default: the scenario's, else builtin:seed-auto).
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<String>,
    /// Run a deliberately broken control plane.
    #[arg(long, value_parser = parse_mutant)]
    pub mutant: Option<Mutant>,
}

impl RunArgs {
    /// Loads what the arguments name.
    pub fn resolve(&self) -> anyhow::Result<Target> {
        let clusters: Vec<String> = self.cluster.iter().cloned().collect();
        resolve(&self.scenario, &clusters, self.policy.as_deref())
    }
}

/// A scenario with everything it runs against, and the references to replay it.
pub struct Target {
    pub scenario: Loaded<Scenario>,
    pub scenario_ref: String,
    /// Each topology with the reference that names it on a command line.
    pub clusters: Vec<(Loaded<Cluster>, String)>,
    pub policy: Loaded<Policy>,
    pub policy_ref: Option<String>,
}

/// The scenarios given on the command line, or `default` when none is, each resolved
/// with the `--cluster` and `--policy` overrides.
pub fn resolve_all(
    scenarios: &[String],
    default: impl FnOnce() -> Vec<String>,
    cluster_refs: &[String],
    policy_ref: Option<&str>,
) -> anyhow::Result<Vec<Target>> {
    let references = if scenarios.is_empty() { default() } else { scenarios.to_vec() };
    references.iter().map(|r| resolve(r, cluster_refs, policy_ref)).collect()
}

/// Every built-in scenario, by reference: the default suite.
pub fn builtin_suite() -> Vec<String> {
    library::names(Kind::Scenario).iter().map(|n| format!("builtin:{n}")).collect()
}

/// Loads a scenario and resolves its topologies and policy; `--cluster` and
/// `--policy` override the scenario's own.
pub fn resolve(scenario_ref: &str, cluster_refs: &[String], policy_ref: Option<&str>) -> anyhow::Result<Target> {
    let scenario = load::scenario(scenario_ref)?;
    super::output::warn_all(&scenario.warnings);
    let clusters = if cluster_refs.is_empty() {
        let loaded = resolve::scenario_topologies(&scenario)?;
        let refs = resolve::cluster_references(&scenario);
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

/// The one-line command that replays a run exactly.
pub fn replay_command(target: &Target, cluster_ref: &str, mutant: Option<Mutant>, seed: Seed) -> String {
    failsim::run::replay::command(&target.scenario_ref, cluster_ref, target.policy_ref.as_deref(), mutant, seed)
}

/// Parses a mutant name as written on the command line.
/// `--seeds N`: from 1 to `SEED_COUNT_MAX`, like a scenario's own `seeds`.
pub fn parse_seeds(text: &str) -> Result<u64, String> {
    let max = u64::from(SEED_COUNT_MAX);
    match text.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {max}")),
    }
}

pub fn parse_mutant(text: &str) -> Result<Mutant, String> {
    Mutant::ALL.into_iter().find(|m| m.as_str() == text).ok_or_else(|| {
        let names: Vec<&str> = Mutant::ALL.iter().map(|m| m.as_str()).collect();
        format!("expected one of: {}", names.join(", "))
    })
}
