//! The fault kinds a scenario can inject, as written in scenario files.
//!
//! Each kind is a mapping tagged by `kind`; numeric parameters are a value or a
//! `[min, max]` range sampled per seed. Times are seconds from the start of the run.
//! This is only the description: `faults/` turns each kind into timed events.

use super::problems::Problems;
use super::selector::Selector;
use super::value_range::{number, ValueRange};
use serde::{Deserialize, Serialize, Serializer};

/// One fault of a scenario.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    PrimaryLoss(PrimaryLoss),
    NodeCrash(NodeCrash),
    RegionLoss(RegionLoss),
    RegionIsolation(RegionIsolation),
    Partition(Partition),
    PacketLoss(PacketLoss),
    LatencySpike(LatencySpike),
    Flapping(Flapping),
    ClockSkew(ClockSkew),
    ReplicationLag(ReplicationLag),
    ActionFailure(ActionFailure),
    MonitorCrash(MonitorCrash),
}

/// Written as files write it: a mapping tagged by `kind`, with the variant's fields.
impl Serialize for Fault {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Tagged<'a, T> {
            kind: &'static str,
            #[serde(flatten)]
            fields: &'a T,
        }
        let kind = self.kind();
        match self {
            Fault::PrimaryLoss(fields) => Tagged { kind, fields }.serialize(serializer),
            Fault::NodeCrash(fields) => Tagged { kind, fields }.serialize(serializer),
            Fault::RegionLoss(fields) => Tagged { kind, fields }.serialize(serializer),
            Fault::RegionIsolation(fields) => Tagged { kind, fields }.serialize(serializer),
            Fault::Partition(fields) => Tagged { kind, fields }.serialize(serializer),
            Fault::PacketLoss(fields) => Tagged { kind, fields }.serialize(serializer),
            Fault::LatencySpike(fields) => Tagged { kind, fields }.serialize(serializer),
            Fault::Flapping(fields) => Tagged { kind, fields }.serialize(serializer),
            Fault::ClockSkew(fields) => Tagged { kind, fields }.serialize(serializer),
            Fault::ReplicationLag(fields) => Tagged { kind, fields }.serialize(serializer),
            Fault::ActionFailure(fields) => Tagged { kind, fields }.serialize(serializer),
            Fault::MonitorCrash(fields) => Tagged { kind, fields }.serialize(serializer),
        }
    }
}

/// The primary crashes, and optionally restarts (as a former primary).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrimaryLoss {
    pub at_s: ValueRange,
    #[serde(default)]
    pub restart_after_s: Option<ValueRange>,
}

/// `count` nodes chosen by `target` crash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeCrash {
    pub at_s: ValueRange,
    pub target: Selector,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub restart_after_s: Option<ValueRange>,
}

fn one() -> u32 {
    1
}

/// Every node of a region crashes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionLoss {
    pub at_s: ValueRange,
    /// `region:NAME` or `region_of:primary`.
    pub region: Selector,
    #[serde(default)]
    pub restart_after_s: Option<ValueRange>,
}

/// A region is cut from the rest of the world; inside it, nodes still reach each other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionIsolation {
    pub at_s: ValueRange,
    /// Until the end of the run when left out.
    #[serde(default)]
    pub duration_s: Option<ValueRange>,
    pub region: Selector,
}

/// Nodes are split into groups that cannot reach each other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partition {
    pub at_s: ValueRange,
    #[serde(default)]
    pub duration_s: Option<ValueRange>,
    /// Explicit groups; left out, the nodes are split in two at random (per seed).
    #[serde(default)]
    pub groups: Vec<Vec<Selector>>,
    #[serde(default)]
    pub direction: Direction,
}

/// Which way a partition blocks traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Neither side reaches the other.
    #[default]
    Symmetric,
    /// The first group's messages to the others are lost; replies still arrive.
    OneWay,
}

/// Messages are lost with a probability, on links touching `target` (all when left out).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketLoss {
    pub at_s: ValueRange,
    #[serde(default)]
    pub duration_s: Option<ValueRange>,
    pub probability: ValueRange,
    #[serde(default)]
    pub target: Option<Selector>,
}

/// Messages on links touching `target` (all when left out) take longer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencySpike {
    pub at_s: ValueRange,
    #[serde(default)]
    pub duration_s: Option<ValueRange>,
    pub extra_ms: ValueRange,
    #[serde(default = "zero_range")]
    pub jitter_ms: ValueRange,
    #[serde(default)]
    pub target: Option<Selector>,
}

fn zero_range() -> ValueRange {
    ValueRange::fixed(0.0)
}

/// A node crashes and restarts, `cycles` times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flapping {
    pub at_s: ValueRange,
    pub target: Selector,
    pub down_s: ValueRange,
    pub up_s: ValueRange,
    pub cycles: u32,
}

/// A node's clock runs at `rate` times real time (1.1: ten percent fast).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSkew {
    pub at_s: ValueRange,
    pub target: Selector,
    pub rate: ValueRange,
}

/// Log shipping to `target` (all standbys when left out) is delayed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicationLag {
    pub at_s: ValueRange,
    #[serde(default)]
    pub duration_s: Option<ValueRange>,
    pub extra_ms: ValueRange,
    #[serde(default)]
    pub target: Option<Selector>,
}

/// An executor action fails with a probability (per attempt) while the fault is active.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionFailure {
    pub action: ActionKind,
    pub probability: ValueRange,
    #[serde(default = "zero_range")]
    pub at_s: ValueRange,
    #[serde(default)]
    pub duration_s: Option<ValueRange>,
}

/// The control plane crashes, and optionally restarts with no memory of its counters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorCrash {
    pub at_s: ValueRange,
    #[serde(default)]
    pub restart_after_s: Option<ValueRange>,
}

/// The executor's actions, in the order a plan runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    AwaitApproval,
    Fence,
    Demote,
    Promote,
    DnsFlip,
    Notify,
    Verify,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::AwaitApproval => "await_approval",
            ActionKind::Fence => "fence",
            ActionKind::Demote => "demote",
            ActionKind::Promote => "promote",
            ActionKind::DnsFlip => "dns_flip",
            ActionKind::Notify => "notify",
            ActionKind::Verify => "verify",
        }
    }
}

impl Fault {
    /// Every kind's name as written in files, as [`Fault::kind`] gives them.
    pub const KINDS: [&'static str; 12] = [
        "primary_loss",
        "node_crash",
        "region_loss",
        "region_isolation",
        "partition",
        "packet_loss",
        "latency_spike",
        "flapping",
        "clock_skew",
        "replication_lag",
        "action_failure",
        "monitor_crash",
    ];

    /// The kind's name as written in files.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::PrimaryLoss(_) => "primary_loss",
            Fault::NodeCrash(_) => "node_crash",
            Fault::RegionLoss(_) => "region_loss",
            Fault::RegionIsolation(_) => "region_isolation",
            Fault::Partition(_) => "partition",
            Fault::PacketLoss(_) => "packet_loss",
            Fault::LatencySpike(_) => "latency_spike",
            Fault::Flapping(_) => "flapping",
            Fault::ClockSkew(_) => "clock_skew",
            Fault::ReplicationLag(_) => "replication_lag",
            Fault::ActionFailure(_) => "action_failure",
            Fault::MonitorCrash(_) => "monitor_crash",
        }
    }

    /// The window start and optional length, in seconds.
    pub fn window(&self) -> (ValueRange, Option<ValueRange>) {
        match self {
            Fault::PrimaryLoss(f) => (f.at_s, None),
            Fault::NodeCrash(f) => (f.at_s, None),
            Fault::RegionLoss(f) => (f.at_s, None),
            Fault::RegionIsolation(f) => (f.at_s, f.duration_s),
            Fault::Partition(f) => (f.at_s, f.duration_s),
            Fault::PacketLoss(f) => (f.at_s, f.duration_s),
            Fault::LatencySpike(f) => (f.at_s, f.duration_s),
            Fault::Flapping(f) => {
                let cycles = f64::from(f.cycles);
                (
                    f.at_s,
                    Some(ValueRange::between(
                        (f.down_s.min + f.up_s.min) * cycles,
                        (f.down_s.max + f.up_s.max) * cycles,
                    )),
                )
            }
            Fault::ClockSkew(f) => (f.at_s, None),
            Fault::ReplicationLag(f) => (f.at_s, f.duration_s),
            Fault::ActionFailure(f) => (f.at_s, f.duration_s),
            Fault::MonitorCrash(f) => (f.at_s, None),
        }
    }

    /// How long after crashing the crashed nodes (or monitor) restart, if they do.
    pub fn restart_after_s(&self) -> Option<ValueRange> {
        match self {
            Fault::PrimaryLoss(f) => f.restart_after_s,
            Fault::NodeCrash(f) => f.restart_after_s,
            Fault::RegionLoss(f) => f.restart_after_s,
            Fault::MonitorCrash(f) => f.restart_after_s,
            _ => None,
        }
    }

    /// Every selector this fault names, with its field path below the fault.
    pub fn selectors(&self) -> Vec<(String, &Selector)> {
        fn one<'a>(field: &str, s: &'a Selector) -> Vec<(String, &'a Selector)> {
            vec![(field.to_string(), s)]
        }
        fn maybe<'a>(field: &str, s: &'a Option<Selector>) -> Vec<(String, &'a Selector)> {
            s.iter().map(|s| (field.to_string(), s)).collect()
        }
        match self {
            Fault::NodeCrash(f) => one("target", &f.target),
            Fault::RegionLoss(f) => one("region", &f.region),
            Fault::RegionIsolation(f) => one("region", &f.region),
            Fault::Flapping(f) => one("target", &f.target),
            Fault::ClockSkew(f) => one("target", &f.target),
            Fault::PacketLoss(f) => maybe("target", &f.target),
            Fault::LatencySpike(f) => maybe("target", &f.target),
            Fault::ReplicationLag(f) => maybe("target", &f.target),
            Fault::Partition(f) => f
                .groups
                .iter()
                .enumerate()
                .flat_map(|(g, group)| group.iter().enumerate().map(move |(i, s)| (format!("groups[{g}][{i}]"), s)))
                .collect(),
            Fault::PrimaryLoss(_) | Fault::ActionFailure(_) | Fault::MonitorCrash(_) => Vec::new(),
        }
    }

    /// Checks the fault's own parameters; `path` is the fault's path (`faults[3]`).
    pub fn validate(&self, path: &str, duration_s: f64, problems: &mut Problems) {
        let field = |name: &str| format!("{path}.{name}");
        let (at_s, length_s) = self.window();
        problems.check_range(&field("at_s"), at_s);
        if let Some(length_s) = length_s {
            problems.check_range(&field("duration_s"), length_s);
        }
        if at_s.problem(false).is_none() && at_s.max >= duration_s && duration_s.is_finite() {
            problems.error(
                field("at_s"),
                format!("the fault starts at {at_s} s, outside the scenario's {} s", number(duration_s)),
            );
        } else if let Some(length_s) = length_s.filter(|l| l.problem(false).is_none()) {
            let end_s = at_s.max + length_s.max;
            if end_s > duration_s {
                let name = if matches!(self, Fault::Flapping(_)) { "cycles" } else { "duration_s" };
                problems.error(
                    field(name),
                    format!(
                        "the fault's window ends at up to {} s, past the scenario's {} s",
                        number(end_s),
                        number(duration_s)
                    ),
                );
            }
        }
        if let Some(restart_after_s) = self.restart_after_s() {
            problems.check_range(&field("restart_after_s"), restart_after_s);
        }
        match self {
            Fault::NodeCrash(f) if f.count == 0 => problems.error(field("count"), "expected at least 1 node"),
            Fault::RegionLoss(f) if !matches!(f.region, Selector::Region(_) | Selector::RegionOfPrimary) => {
                problems.error(field("region"), "expected region:NAME or region_of:primary")
            }
            Fault::RegionIsolation(f) if !matches!(f.region, Selector::Region(_) | Selector::RegionOfPrimary) => {
                problems.error(field("region"), "expected region:NAME or region_of:primary")
            }
            Fault::Partition(f) if f.groups.len() == 1 => {
                problems.error(field("groups"), "expected at least two groups (or none, for a random split)")
            }
            Fault::PacketLoss(f) => problems.check_probability_range(&field("probability"), f.probability),
            Fault::ActionFailure(f) => problems.check_probability_range(&field("probability"), f.probability),
            Fault::LatencySpike(f) => {
                problems.check_range(&field("extra_ms"), f.extra_ms);
                problems.check_range(&field("jitter_ms"), f.jitter_ms);
            }
            Fault::ReplicationLag(f) => problems.check_range(&field("extra_ms"), f.extra_ms),
            Fault::Flapping(f) => {
                problems.check_range(&field("down_s"), f.down_s);
                problems.check_range(&field("up_s"), f.up_s);
                if f.cycles == 0 {
                    problems.error(field("cycles"), "expected at least 1 cycle");
                }
            }
            Fault::ClockSkew(f) if f.rate.problem(false).is_some() || f.rate.min <= 0.0 || f.rate.max > 10.0 => {
                problems
                    .error(field("rate"), format!("expected a clock rate above 0 and at most 10, found {}", f.rate));
            }
            _ => {}
        }
    }
}
