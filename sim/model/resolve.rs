//! Resolution: a scenario's topology and policy references turned into loaded values,
//! and the checks that need two documents at once (a fault selector naming a node the
//! topology lacks; a policy preferring a region the topology does not have).

use super::error::InputError;
use super::library::Kind;
use super::load::{self, Loaded};
use super::problems::{name_list, Problems};
use super::syntax::{Node, Value};
use super::{Cluster, Policy, ReplicationMode, Scenario, Selector, Source};
use std::collections::BTreeSet;

/// The built-in policy a scenario runs under when it names none.
pub const DEFAULT_POLICY: &str = "seed-auto";
/// The built-in topology a scenario runs on when it names none.
pub const DEFAULT_TOPOLOGY: &str = "seed-example";

/// Loads the topologies a scenario names (the default one when it names none).
///
/// # Errors
/// A reference that names nothing, a topology that fails validation, or a fault
/// selector that names what the topology does not have.
pub fn scenario_topologies(scenario: &Loaded<Scenario>) -> Result<Vec<Loaded<Cluster>>, InputError> {
    let sources = &scenario.value.cluster.0;
    if sources.is_empty() {
        let cluster = load::topology(&format!("builtin:{DEFAULT_TOPOLOGY}"))?;
        check_selectors(scenario, "", &cluster.value)?;
        return Ok(vec![cluster]);
    }
    let mut clusters = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let path = scenario.value.cluster_path(i);
        let cluster = resolve_source(scenario, &path, Kind::Topology, source)?;
        check_selectors(scenario, &path, &cluster.value)?;
        clusters.push(cluster);
    }
    Ok(clusters)
}

/// Loads the policy a scenario names (the default one when it names none).
///
/// # Errors
/// A reference that names nothing, or a policy that fails validation.
pub fn scenario_policy(scenario: &Loaded<Scenario>) -> Result<Loaded<Policy>, InputError> {
    match &scenario.value.policy {
        None => load::policy(&format!("builtin:{DEFAULT_POLICY}")),
        Some(source) => resolve_source(scenario, "policy", Kind::Policy, source),
    }
}

fn resolve_source<T>(
    scenario: &Loaded<Scenario>,
    path: &str,
    kind: Kind,
    source: &Source<T>,
) -> Result<Loaded<T>, InputError>
where
    T: Clone + serde::de::DeserializeOwned + load::Validate,
{
    match source {
        Source::Named(name) => {
            // A built-in scenario names built-ins only: no file in the working directory
            // may stand in for them.
            let builtin;
            let name = if scenario.origin.starts_with("builtin:") && !name.starts_with("builtin:") {
                builtin = format!("builtin:{name}");
                &builtin
            } else {
                name
            };
            let text = load::find(kind, name, scenario.base_dir.as_deref())
                .map_err(|e| scenario.error_at(path, format!("`{name}`: {}", e.message)))?;
            load::decode(&text)
        }
        Source::Inline(value) => {
            let tree = locate_node(&scenario.tree, path).cloned();
            Ok(Loaded {
                value: (**value).clone(),
                tree: tree.unwrap_or_else(|| scenario.tree.clone()),
                origin: scenario.origin.clone(),
                base_dir: scenario.base_dir.clone(),
                warnings: Vec::new(),
            })
        }
    }
}

/// The node at a simple path (`cluster`, `cluster[2]`, `policy`) of a tree.
fn locate_node<'t>(tree: &'t Node, path: &str) -> Option<&'t Node> {
    let (key, index) = match path.split_once('[') {
        Some((key, rest)) => (key, rest.trim_end_matches(']').parse::<usize>().ok()),
        None => (path, None),
    };
    let node = &tree.get(key)?.value;
    match (index, &node.value) {
        (Some(i), Value::Sequence(items)) => items.get(i),
        (None, _) => Some(node),
        _ => None,
    }
}

/// Every fault selector must name a node, region or site of the topology.
fn check_selectors(scenario: &Loaded<Scenario>, cluster_path: &str, cluster: &Cluster) -> Result<(), InputError> {
    // Indexed once: a partition may list many selectors, a topology many regions.
    let names = Names {
        regions: cluster.regions.iter().map(String::as_str).collect(),
        sites: cluster.nodes.iter().map(|n| n.site.as_str()).collect(),
    };
    for (i, fault) in scenario.value.faults.iter().enumerate() {
        for (field, selector) in fault.selectors() {
            if let Some(problem) = selector_problem(selector, cluster, &names) {
                let on =
                    if cluster_path.is_empty() { String::new() } else { format!(" (topology {})", cluster.cluster_id) };
                return Err(scenario.error_at(&format!("faults[{i}].{field}"), format!("{problem}{on}")));
            }
        }
    }
    Ok(())
}

/// A topology's region and site names, for lookups.
struct Names<'c> {
    regions: BTreeSet<&'c str>,
    sites: BTreeSet<&'c str>,
}

fn selector_problem(selector: &Selector, cluster: &Cluster, names: &Names<'_>) -> Option<String> {
    match selector {
        Selector::Node(id) if cluster.node_index(id).is_none() => {
            let ids = name_list(cluster.nodes.iter().map(|n| n.node_id.as_str()));
            Some(format!("unknown node `{id}` (nodes: {ids})"))
        }
        Selector::Region(name) if !names.regions.contains(name.as_str()) => {
            Some(format!("unknown region `{name}` (regions: {})", cluster.region_list()))
        }
        Selector::Site(name) if !names.sites.contains(name.as_str()) => {
            let mut sites: Vec<&str> = cluster.nodes.iter().map(|n| n.site.as_str()).collect();
            sites.dedup();
            Some(format!("unknown site `{name}` (sites: {})", name_list(sites.into_iter())))
        }
        Selector::Random(k) if *k as usize > cluster.nodes.len() => {
            Some(format!("random({k}) asks for more than the {} nodes", cluster.nodes.len()))
        }
        _ => None,
    }
}

/// Warnings for a policy that prefers regions or sites the topology does not have:
/// harmless (policies are shared between topologies), but often a typo.
pub fn policy_against_topology(policy: &Policy, cluster: &Cluster) -> Problems {
    let mut problems = Problems::default();
    // Indexed: both lists may be long (each up to a document's value budget).
    let regions: BTreeSet<&str> = cluster.regions.iter().map(String::as_str).collect();
    let sites: BTreeSet<&str> = cluster.nodes.iter().map(|n| n.site.as_str()).collect();
    for (i, region) in policy.region_priority.iter().enumerate() {
        if !regions.contains(region.as_str()) {
            problems.warning(
                format!("region_priority[{i}]"),
                format!("topology {} has no region `{region}`", cluster.cluster_id),
            );
        }
    }
    for (i, site) in policy.site_priority.iter().enumerate() {
        if !sites.contains(site.as_str()) {
            problems.warning(
                format!("site_priority[{i}]"),
                format!("topology {} has no site `{site}`", cluster.cluster_id),
            );
        }
    }
    let lease_s = policy.fencing.lease_ms / 1000.0;
    if cluster.replication.mode == ReplicationMode::Async && !policy.fencing.stonith && lease_s > policy.rpo_target_s {
        problems.warning(
            "rpo_target_s",
            format!(
                "under async replication a primary cut off from the monitor acknowledges writes until its lease \
                 ends, so topology {} can lose up to fencing.lease_ms ({lease_s} s) of writes, more than rpo_target_s",
                cluster.cluster_id
            ),
        );
    }
    problems
}

/// What checking one document found: its kind, a one-line summary, and its warnings
/// (and those of the topologies and policy a scenario names), formatted.
#[derive(Clone, Debug)]
pub struct Checked {
    pub kind: super::Kind,
    pub summary: String,
    pub warnings: Vec<String>,
}

/// Checks one document of any kind, telling the kind from its top-level keys; a
/// scenario is checked together with the topologies and policy it names.
///
/// # Errors
/// The first syntax, type, validation or reference error, located.
pub fn check_document(text: &load::Text) -> Result<Checked, InputError> {
    use super::Kind;
    let tree = load::parse(text)?;
    let kind = load::kind_of(&tree).ok_or_else(|| {
        let message = "cannot tell the kind: expected cluster_id (topology), policy_id (policy), or name (scenario)";
        InputError::new(&text.origin, Some(tree.at), "", message)
    })?;
    let mut warnings = Vec::new();
    let summary = match kind {
        Kind::Topology => {
            let cluster = load::decode::<Cluster>(text)?;
            warnings.extend(cluster.warnings);
            let c = &cluster.value;
            let (nodes, regions, quorum) = (c.nodes.len(), c.regions.len(), c.quorum_size());
            format!("topology {}: {nodes} nodes in {regions} region(s), quorum {quorum}", c.cluster_id)
        }
        Kind::Policy => {
            let policy = load::decode::<Policy>(text)?;
            warnings.extend(policy.warnings);
            let strategy = serde_json::to_value(policy.value.strategy).unwrap_or_default();
            format!("policy {}: {} strategy", policy.value.policy_id, strategy.as_str().unwrap_or_default())
        }
        Kind::Scenario => {
            let scenario = load::decode::<Scenario>(text)?;
            warnings.extend(scenario.warnings.iter().cloned());
            let clusters = scenario_topologies(&scenario)?;
            let policy = scenario_policy(&scenario)?;
            warnings.extend(policy.warnings.iter().cloned());
            for cluster in &clusters {
                warnings.extend(cluster.warnings.iter().cloned());
                let crossref = policy_against_topology(&policy.value, &cluster.value);
                warnings.extend(load::finish(policy.clone(), &crossref)?.warnings);
            }
            let names: Vec<&str> = clusters.iter().map(|c| c.value.cluster_id.as_str()).collect();
            let s = &scenario.value;
            format!(
                "scenario {}: {} faults over {} s, on {} under {}",
                s.name,
                s.faults.len(),
                s.duration_s,
                names.join(", "),
                policy.value.policy_id
            )
        }
    };
    Ok(Checked { kind, summary, warnings })
}

/// How to name each of a scenario's topologies on a command line run from the working
/// directory (for replay commands): a file next to the scenario by its path, a
/// built-in as `builtin:NAME`, an inline topology as an empty string (leave `--cluster`
/// out). The default topology when the scenario names none.
pub fn cluster_references(scenario: &Loaded<Scenario>) -> Vec<String> {
    let sources = &scenario.value.cluster.0;
    if sources.is_empty() {
        return vec![format!("builtin:{DEFAULT_TOPOLOGY}")];
    }
    let from_library = scenario.origin.starts_with("builtin:");
    sources
        .iter()
        .map(|source| match source {
            Source::Named(name) if from_library || name.starts_with("builtin:") => {
                format!("builtin:{}", name.trim_start_matches("builtin:"))
            }
            Source::Named(name) => match &scenario.base_dir {
                Some(dir) if dir.join(name).exists() => dir.join(name).display().to_string(),
                _ if std::path::Path::new(name).exists() => name.clone(),
                _ => format!("builtin:{name}"),
            },
            Source::Inline(_) => String::new(),
        })
        .collect()
}
