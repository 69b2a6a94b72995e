//! The scenario: a fault schedule over a run of virtual time, the topologies and
//! policy it runs against, the client workload, and what a passing run must show.

use super::fault::Fault;
use super::policy::Policy;
use super::problems::Problems;
use super::topology::Cluster;
use super::value_range::number;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// Longest run a scenario may ask for: 30 days of virtual time.
pub const DURATION_S_MAX: f64 = 30.0 * 24.0 * 3600.0;
/// Most faults in one scenario.
pub const FAULT_COUNT_MAX: usize = 256;
/// Most topologies one scenario may name: each is loaded (a name stands for a whole
/// file) and becomes a column of the matrix; the built-ins name at most six.
pub const CLUSTER_COUNT_MAX: usize = 64;
/// Most seeds one scenario may ask for by default.
pub const SEED_COUNT_MAX: u32 = 10_000_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The topologies to run on: names, paths or inline mappings (one or a list).
    #[serde(default)]
    pub cluster: Sources<Cluster>,
    /// The policy: a name, a path or an inline mapping; default the built-in `seed-auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Source<Policy>>,
    #[serde(default = "default_duration_s")]
    pub duration_s: f64,
    #[serde(default)]
    pub workload: Workload,
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Runs per topology when no seed count is given on the command line.
    #[serde(default = "default_seeds")]
    pub seeds: u32,
    #[serde(default)]
    pub expect: Expect,
}

fn default_duration_s() -> f64 {
    300.0
}
fn default_seeds() -> u32 {
    100
}

/// Client traffic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workload {
    pub writes_per_s: f64,
}

impl Default for Workload {
    fn default() -> Self {
        Workload { writes_per_s: 100.0 }
    }
}

/// Thresholds that make a scenario pass or fail, over all its runs on one topology.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Expect {
    /// Safety violations tolerated over all runs (default 0).
    pub max_violations: u32,
    /// Promotions every run must end with, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promotions: Option<u32>,
    /// The cluster state every run must end in, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_state: Option<ClusterState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection_p95_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failover_p95_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_lost_writes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The most false failovers any one run may have, when given.
    pub max_false_failovers: Option<u32>,
}

/// The seed's cluster state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterState {
    /// Every voter healthy.
    Healthy,
    /// Quorum holds, some voter is not healthy.
    Degraded,
    /// No quorum: read-only.
    Critical,
}

impl ClusterState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterState::Healthy => "HEALTHY",
            ClusterState::Degraded => "DEGRADED",
            ClusterState::Critical => "CRITICAL",
        }
    }
}

/// Where a topology or policy comes from: a name (a path relative to the scenario
/// file, or a built-in) or the value itself, inline.
#[derive(Clone, Debug, PartialEq)]
pub enum Source<T> {
    Named(String),
    Inline(Box<T>),
}

/// One source or a list of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Sources<T>(pub Vec<Source<T>>);

impl<T> Default for Sources<T> {
    fn default() -> Self {
        Sources(Vec::new())
    }
}

/// A name as a string, an inline value as its mapping: the forms a file writes.
impl<T: Serialize> Serialize for Source<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Source::Named(name) => serializer.serialize_str(name),
            Source::Inline(value) => value.serialize(serializer),
        }
    }
}

impl<T: Serialize> Serialize for Sources<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

struct SourceVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for SourceVisitor<T> {
    type Value = Source<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a name, a path or an inline mapping")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Source<T>, E> {
        Ok(Source::Named(name.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Source<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|v| Source::Inline(Box::new(v)))
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Source<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SourceVisitor(PhantomData))
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Sources<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SourcesVisitor<T>(PhantomData<T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for SourcesVisitor<T> {
            type Value = Sources<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a name, a path, an inline mapping, or a list of them")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Sources<T>, E> {
                SourceVisitor(PhantomData).visit_str(name).map(|s| Sources(vec![s]))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Sources<T>, A::Error> {
                SourceVisitor(PhantomData).visit_map(map).map(|s| Sources(vec![s]))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Sources<T>, A::Error> {
                let mut sources = Vec::new();
                while let Some(source) = seq.next_element()? {
                    sources.push(source);
                }
                Ok(Sources(sources))
            }
        }

        deserializer.deserialize_any(SourcesVisitor(PhantomData))
    }
}

impl Scenario {
    /// Checks every rule that a scenario must satisfy on its own (the topology-dependent
    /// ones, such as selectors naming real nodes, are checked when it is resolved).
    pub fn validate(&self, problems: &mut Problems) {
        if self.name.trim().is_empty() {
            problems.error("name", "expected a non-empty name");
        }
        problems.check_positive("duration_s", self.duration_s);
        if self.duration_s > DURATION_S_MAX {
            problems.error(
                "duration_s",
                format!("expected at most {DURATION_S_MAX} s (30 days), found {}", number(self.duration_s)),
            );
        }
        problems.check_duration("workload.writes_per_s", self.workload.writes_per_s);
        if self.seeds == 0 || self.seeds > SEED_COUNT_MAX {
            problems.error("seeds", format!("expected 1 to {SEED_COUNT_MAX}, found {}", self.seeds));
        }
        if self.cluster.0.len() > CLUSTER_COUNT_MAX {
            let found = self.cluster.0.len();
            problems.error("cluster", format!("expected at most {CLUSTER_COUNT_MAX} topologies, found {found}"));
        }
        if self.faults.len() > FAULT_COUNT_MAX {
            problems.error("faults", format!("expected at most {FAULT_COUNT_MAX} faults, found {}", self.faults.len()));
        }
        for (i, fault) in self.faults.iter().enumerate() {
            fault.validate(&format!("faults[{i}]"), self.duration_s, problems);
        }
        let expect = &self.expect;
        for (field, value) in
            [("expect.detection_p95_s", expect.detection_p95_s), ("expect.failover_p95_s", expect.failover_p95_s)]
        {
            if let Some(value) = value {
                problems.check_positive(field, value);
            }
        }
        for (i, source) in self.cluster.0.iter().enumerate() {
            if let Source::Inline(cluster) = source {
                let mut inner = Problems::default();
                cluster.validate(&mut inner);
                problems.nest(&self.cluster_path(i), inner);
            }
        }
        if let Some(Source::Inline(policy)) = &self.policy {
            let mut inner = Problems::default();
            policy.validate(&mut inner);
            problems.nest("policy", inner);
        }
    }

    /// The field path of the `index`-th cluster source.
    pub fn cluster_path(&self, index: usize) -> String {
        if self.cluster.0.len() == 1 {
            "cluster".to_string()
        } else {
            format!("cluster[{index}]")
        }
    }
}
