//! The cluster topology (`cluster.yaml`): regions, nodes and their roles, and the
//! extensions failsim adds (network latency per link class, replication, monitor
//! placement), each with a documented default so the seed's files load unchanged.

use super::problems::{name_list, Problems};
use super::value_range::{number, ValueRange};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Highest `priority` a node may have.
pub const PRIORITY_MAX: u32 = 1000;
/// Most nodes a topology may have: a run keeps state per directed link (node count
/// squared), and no failover domain the seeds describe comes near it.
pub const NODE_COUNT_MAX: usize = 256;

/// A cluster: the nodes that replicate one service, and how they are connected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub cluster_id: String,
    #[serde(default)]
    pub name: String,
    /// Votes needed for quorum; default floor(voters / 2) + 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum_size: Option<u32>,
    pub regions: Vec<String>,
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub network: Network,
    #[serde(default)]
    pub replication: Replication,
    /// Where the control plane (monitor, planner, executor) runs; default: the first
    /// listed region, in a site of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<MonitorPlacement>,
}

/// One member of the cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub node_id: String,
    #[serde(default)]
    pub hostname: String,
    pub role: Role,
    pub region: String,
    pub site: String,
    #[serde(default)]
    pub status: Status,
    /// 0 to [`PRIORITY_MAX`]; higher is preferred as a failover target.
    #[serde(default)]
    pub priority: u32,
    /// Relative capacity, at least 0; higher is preferred.
    #[serde(default = "default_capacity")]
    pub capacity: f64,
    #[serde(default)]
    pub redundancy: Redundancy,
}

fn default_capacity() -> f64 {
    100.0
}

/// What a node does. Every role votes in quorum; only primaries and secondaries hold data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Primary,
    Secondary,
    Witness,
}

/// A node's health as the operator declares it (the simulation starts from this).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Healthy,
    Degraded,
    Failed,
    Unknown,
}

/// How ready a standby is: sets how long its promotion takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Redundancy {
    #[default]
    Hot,
    Warm,
    Cold,
}

impl Redundancy {
    /// How many times longer than the policy's `promote_ms` a promotion takes.
    pub fn promote_factor(self) -> f64 {
        match self {
            Redundancy::Hot => 1.0,
            Redundancy::Warm => 3.0,
            Redundancy::Cold => 10.0,
        }
    }
}

/// One-way message latency per link class, in milliseconds, and a base loss rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Network {
    pub same_site_ms: ValueRange,
    pub same_region_ms: ValueRange,
    pub cross_region_ms: ValueRange,
    /// Probability in [0, 1] that any message is lost.
    pub loss: f64,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            same_site_ms: ValueRange::between(0.2, 0.5),
            same_region_ms: ValueRange::between(1.0, 2.0),
            cross_region_ms: ValueRange::between(30.0, 80.0),
            loss: 0.0,
        }
    }
}

/// How the primary's log reaches the standbys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Replication {
    pub mode: ReplicationMode,
    /// Under `sync`, standbys that must hold a write before it is acknowledged.
    pub sync_standbys: u32,
    /// How often the primary ships its log to each standby.
    pub ship_interval_ms: f64,
}

impl Default for Replication {
    fn default() -> Self {
        Replication { mode: ReplicationMode::Async, sync_standbys: 1, ship_interval_ms: 100.0 }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicationMode {
    #[default]
    Async,
    Sync,
}

/// Where the control plane runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorPlacement {
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

impl Cluster {
    /// Nodes that vote in quorum: all of them (primary, secondaries and witnesses).
    pub fn voter_count(&self) -> u32 {
        u32::try_from(self.nodes.len()).unwrap_or(u32::MAX)
    }

    /// The effective quorum size: as configured, else floor(voters / 2) + 1.
    pub fn quorum_size(&self) -> u32 {
        self.quorum_size.unwrap_or(self.voter_count() / 2 + 1)
    }

    /// The configured primary, if there is exactly one... or the first one.
    pub fn primary(&self) -> Option<&Node> {
        self.nodes.iter().find(|n| n.role == Role::Primary)
    }

    /// Index of the node with this id.
    pub fn node_index(&self, node_id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.node_id == node_id)
    }

    /// Where the monitor runs: as configured, else the first region.
    pub fn monitor_placement(&self) -> MonitorPlacement {
        self.monitor.clone().unwrap_or_else(|| MonitorPlacement {
            region: self.regions.first().cloned().unwrap_or_default(),
            site: None,
        })
    }

    /// The regions for a message: all of them, or the first ones and how many there are.
    pub fn region_list(&self) -> String {
        name_list(self.regions.iter().map(String::as_str))
    }

    /// Checks every rule that a topology must satisfy on its own.
    pub fn validate(&self, problems: &mut Problems) {
        if self.cluster_id.trim().is_empty() {
            problems.error("cluster_id", "expected a non-empty id");
        }
        if self.regions.is_empty() {
            problems.error("regions", "expected at least one region");
        }
        let mut seen = BTreeSet::new();
        for (i, region) in self.regions.iter().enumerate() {
            if !seen.insert(region) {
                problems.error(format!("regions[{i}]"), format!("region `{region}` is listed twice"));
            }
        }
        if self.nodes.is_empty() {
            problems.error("nodes", "expected at least one node, found an empty cluster");
        }
        if self.nodes.len() > NODE_COUNT_MAX {
            let found = self.nodes.len();
            problems.error("nodes", format!("expected at most {NODE_COUNT_MAX} nodes, found {found}"));
        }
        self.validate_nodes(problems);
        self.validate_quorum(problems);
        self.validate_extensions(problems);
    }

    fn validate_nodes(&self, problems: &mut Problems) {
        // Indexes rather than scans: a file may list 100,000 regions or nodes (refused,
        // but validated first), and this must stay n log n.
        let regions: BTreeSet<&str> = self.regions.iter().map(String::as_str).collect();
        let mut first_of_id: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let at = |field: &str| format!("nodes[{i}].{field}");
            if node.node_id.trim().is_empty() {
                problems.error(at("node_id"), "expected a non-empty node id");
            }
            if let Some(first) = first_of_id.get(node.node_id.as_str()) {
                problems.error(at("node_id"), format!("duplicate node id `{}` (also nodes[{first}])", node.node_id));
            } else {
                first_of_id.insert(&node.node_id, i);
            }
            if !regions.contains(node.region.as_str()) {
                let known = self.region_list();
                problems.error(at("region"), format!("unknown region `{}` (regions: {known})", node.region));
            }
            if node.site.trim().is_empty() {
                problems.error(at("site"), "expected a non-empty site name");
            }
            if node.priority > PRIORITY_MAX {
                problems.error(at("priority"), format!("expected 0 to {PRIORITY_MAX}, found {}", node.priority));
            }
            if !node.capacity.is_finite() || node.capacity < 0.0 {
                problems.error(
                    at("capacity"),
                    format!("expected a finite number of at least 0, found {}", number(node.capacity)),
                );
            }
        }
        let primaries: Vec<usize> =
            self.nodes.iter().enumerate().filter(|(_, n)| n.role == Role::Primary).map(|(i, _)| i).collect();
        match primaries.as_slice() {
            [] if !self.nodes.is_empty() => {
                problems.error("nodes", "expected exactly one node with role primary, found none")
            }
            [_, second, ..] => problems.error(
                format!("nodes[{second}].role"),
                format!("expected exactly one primary, found {} (second: nodes[{second}])", primaries.len()),
            ),
            _ => {}
        }
    }

    fn validate_quorum(&self, problems: &mut Problems) {
        let voters = self.voter_count();
        match self.quorum_size {
            Some(0) => problems.error("quorum_size", "expected at least 1"),
            Some(size) if size > voters => problems.error(
                "quorum_size",
                format!("quorum_size {size} is larger than the {voters} voting members"),
            ),
            Some(size) if size <= voters / 2 => problems.warning(
                "quorum_size",
                format!("quorum_size {size} is not a majority of {voters} voters: two sides of a partition can both hold quorum"),
            ),
            _ => {}
        }
    }

    fn validate_extensions(&self, problems: &mut Problems) {
        let network = &self.network;
        for (field, range) in [
            ("network.same_site_ms", network.same_site_ms),
            ("network.same_region_ms", network.same_region_ms),
            ("network.cross_region_ms", network.cross_region_ms),
        ] {
            if let Some(problem) = range.problem(false) {
                problems.error(field, problem);
            }
        }
        problems.check_probability("network.loss", network.loss);
        problems.check_duration("replication.ship_interval_ms", self.replication.ship_interval_ms);
        if self.replication.ship_interval_ms == 0.0 {
            problems.error("replication.ship_interval_ms", "expected a positive interval, found 0");
        }
        let standbys = self.nodes.iter().filter(|n| n.role == Role::Secondary).count();
        if self.replication.mode == ReplicationMode::Sync
            && (self.replication.sync_standbys == 0 || self.replication.sync_standbys as usize > standbys)
        {
            problems.error(
                "replication.sync_standbys",
                format!("expected 1 to {standbys} (the secondaries), found {}", self.replication.sync_standbys),
            );
        }
        if let Some(monitor) = &self.monitor {
            if !self.regions.contains(&monitor.region) {
                problems.error(
                    "monitor.region",
                    format!("unknown region `{}` (regions: {})", monitor.region, self.region_list()),
                );
            }
        }
    }
}
