//! The input model: topologies, policies and scenarios, loaded from YAML or JSON,
//! validated, and resolved against the built-in library.
//!
//! First stage of the data flow. Reads input files (in `load` only) and nothing else:
//! no clock, no randomness.

mod error;
mod fault;
pub mod library;
pub mod load;
pub mod params;
mod policy;
mod problems;
pub mod resolve;
mod scenario;
mod selector;
pub mod syntax;
mod topology;
mod value_range;

pub use error::InputError;
pub use fault::{
    ActionFailure, ActionKind, ClockSkew, Direction, Fault, Flapping, LatencySpike, MonitorCrash, NodeCrash,
    PacketLoss, Partition, PrimaryLoss, RegionIsolation, RegionLoss, ReplicationLag,
};
pub use library::Kind;
pub use load::Loaded;
pub use policy::{Actions, Fencing, Heartbeat, Policy, Selection, Strategy};
pub use problems::{Problem, Problems, Severity};
pub use scenario::{ClusterState, Expect, Scenario, Source, Sources, Workload, SEED_COUNT_MAX};
pub use selector::Selector;
pub use topology::{
    Cluster, MonitorPlacement, Network, Node, Redundancy, Replication, ReplicationMode, Role, Status, PRIORITY_MAX,
};
pub use value_range::ValueRange;
