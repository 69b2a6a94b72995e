//! The failover policy (`policy.yaml`): when and where to fail over, and the
//! extensions failsim adds (heartbeat, fencing, target selection, anti-flapping,
//! action durations, recovery targets), each with a documented default.

use super::problems::Problems;
use super::value_range::{number, ValueRange};
use serde::{Deserialize, Serialize};

/// Shortest heartbeat interval: a heartbeat round is a burst of messages, and far
/// shorter intervals only spend a run's event budget (a millisecond costs 0.3 s of CPU
/// for a 300 s run of three nodes).
pub const HEARTBEAT_INTERVAL_MS_MIN: f64 = 1.0;

/// How failovers are decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub policy_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub strategy: Strategy,
    /// Bound on one failover, from its decision to its verification.
    #[serde(default = "default_max_failover_time_s")]
    pub max_failover_time_s: f64,
    /// Refuse to promote without a quorum of healthy voters.
    #[serde(default = "default_true")]
    pub require_quorum: bool,
    /// Preferred regions, best first; unlisted regions rank after all listed ones.
    #[serde(default)]
    pub region_priority: Vec<String>,
    /// Preferred sites, best first; unlisted sites rank after all listed ones.
    #[serde(default)]
    pub site_priority: Vec<String>,
    /// Healthy nodes that must remain (the target included) for a failover to go ahead.
    #[serde(default = "default_min_healthy_nodes")]
    pub min_healthy_nodes: u32,
    #[serde(default)]
    pub heartbeat: Heartbeat,
    #[serde(default)]
    pub fencing: Fencing,
    #[serde(default)]
    pub selection: Selection,
    /// A standby whose replication lag exceeds this is never promoted.
    #[serde(default = "default_max_lag_ms")]
    pub max_lag_ms: f64,
    /// Least time between two failovers.
    #[serde(default = "default_cooldown_s")]
    pub cooldown_s: f64,
    #[serde(default = "default_max_failovers_per_hour")]
    pub max_failovers_per_hour: u32,
    /// Under the manual strategy, how long an operator takes to approve.
    #[serde(default = "default_approval_delay_s")]
    pub approval_delay_s: f64,
    #[serde(default)]
    pub actions: Actions,
    /// Recovery time objective: fault to first write accepted by the new primary.
    #[serde(default = "default_rto_target_s")]
    pub rto_target_s: f64,
    /// Recovery point objective: the data-loss window tolerated under async replication.
    #[serde(default = "default_rpo_target_s")]
    pub rpo_target_s: f64,
}

fn default_true() -> bool {
    true
}
fn default_max_failover_time_s() -> f64 {
    60.0
}
fn default_min_healthy_nodes() -> u32 {
    1
}
fn default_max_lag_ms() -> f64 {
    5_000.0
}
fn default_cooldown_s() -> f64 {
    300.0
}
fn default_max_failovers_per_hour() -> u32 {
    3
}
fn default_approval_delay_s() -> f64 {
    300.0
}
fn default_rto_target_s() -> f64 {
    120.0
}
fn default_rpo_target_s() -> f64 {
    5.0
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Fail over as soon as the primary is declared failed.
    #[default]
    Automatic,
    /// Wait `approval_delay_s` for an operator first.
    Manual,
    /// Fail over only while a quorum holds, whatever `require_quorum` says.
    QuorumBased,
}

/// The heartbeat monitor's settings (seed 001's `heartbeat_config`, in milliseconds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Heartbeat {
    pub interval_ms: f64,
    /// How long the monitor waits for one reply before counting a miss.
    pub timeout_ms: f64,
    /// Consecutive misses that mark a node failed.
    pub failure_threshold: u32,
    /// Consecutive replies that mark a failed node healthy again.
    pub recovery_threshold: u32,
    /// Each interval is randomized by up to +/- this percentage.
    pub jitter_percent: f64,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat {
            interval_ms: 5000.0,
            timeout_ms: 2000.0,
            failure_threshold: 3,
            recovery_threshold: 2,
            jitter_percent: 10.0,
        }
    }
}

/// How an old primary is kept from accepting writes once it is replaced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Fencing {
    /// Write lease the monitor grants the primary with each heartbeat reply.
    pub lease_ms: f64,
    /// Extra wait after the old primary's last lease expires, for clock drift.
    pub margin_ms: f64,
    /// Power the old primary off out of band instead of waiting for its lease.
    pub stonith: bool,
}

impl Default for Fencing {
    fn default() -> Self {
        Fencing { lease_ms: 10_000.0, margin_ms: 1000.0, stonith: false }
    }
}

/// How the planner ranks eligible targets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Region priority, site priority, node priority, capacity, node id (seed 001).
    #[default]
    Ordered,
    /// Health x 0.4 + Capacity x 0.3 + Latency x 0.2 + Freshness x 0.1 (seed 003).
    Weighted,
}

/// Duration of each failover action (sampled per run) and how failures are retried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Actions {
    pub fence_ms: ValueRange,
    pub demote_ms: ValueRange,
    /// For a hot standby; warm and cold standbys take longer (see `Redundancy`).
    pub promote_ms: ValueRange,
    pub dns_flip_ms: ValueRange,
    pub notify_ms: ValueRange,
    pub verify_ms: ValueRange,
    /// Retries of a failed action before the executor re-plans or rolls back.
    pub retries: u32,
    /// Wait before the first retry; doubles with each further retry.
    pub backoff_ms: f64,
}

impl Default for Actions {
    fn default() -> Self {
        Actions {
            fence_ms: ValueRange::between(4000.0, 6000.0),
            demote_ms: ValueRange::between(4000.0, 6000.0),
            promote_ms: ValueRange::between(8000.0, 12_000.0),
            dns_flip_ms: ValueRange::between(10_000.0, 20_000.0),
            notify_ms: ValueRange::between(4000.0, 6000.0),
            verify_ms: ValueRange::between(4000.0, 6000.0),
            retries: 2,
            backoff_ms: 1000.0,
        }
    }
}

impl Policy {
    /// Whether a failover needs a quorum of healthy voters.
    pub fn needs_quorum(&self) -> bool {
        self.require_quorum || self.strategy == Strategy::QuorumBased
    }

    /// Checks every rule that a policy must satisfy on its own.
    pub fn validate(&self, problems: &mut Problems) {
        if self.policy_id.trim().is_empty() {
            problems.error("policy_id", "expected a non-empty id");
        }
        problems.check_positive("max_failover_time_s", self.max_failover_time_s);
        for (field, list) in [("region_priority", &self.region_priority), ("site_priority", &self.site_priority)] {
            let mut seen = std::collections::BTreeSet::new();
            for (i, name) in list.iter().enumerate() {
                if !seen.insert(name) {
                    problems.error(format!("{field}[{i}]"), format!("`{name}` is listed twice"));
                }
            }
        }
        let hb = &self.heartbeat;
        problems.check_positive("heartbeat.interval_ms", hb.interval_ms);
        if hb.interval_ms > 0.0 && hb.interval_ms < HEARTBEAT_INTERVAL_MS_MIN {
            // At 1 µs one 300 s run took 3.8 s and 113 MB; under a nanosecond the interval
            // is 0 in virtual time, rounds at one instant until the budget: 6 s, 830 MB.
            let found = number(hb.interval_ms);
            let message = format!("expected at least {HEARTBEAT_INTERVAL_MS_MIN} ms, found {found}");
            problems.error("heartbeat.interval_ms", message);
        }
        problems.check_positive("heartbeat.timeout_ms", hb.timeout_ms);
        if hb.failure_threshold == 0 {
            problems.error("heartbeat.failure_threshold", "expected at least 1 miss, found 0");
        }
        if hb.recovery_threshold == 0 {
            problems.error("heartbeat.recovery_threshold", "expected at least 1 reply, found 0");
        }
        if !(0.0..=50.0).contains(&hb.jitter_percent) {
            problems
                .error("heartbeat.jitter_percent", format!("expected 0 to 50, found {}", number(hb.jitter_percent)));
        }
        if hb.timeout_ms.is_finite() && hb.interval_ms.is_finite() && hb.timeout_ms > hb.interval_ms {
            problems.warning("heartbeat.timeout_ms", "a timeout longer than the interval lets heartbeats overlap");
        }
        problems.check_duration("fencing.lease_ms", self.fencing.lease_ms);
        problems.check_duration("fencing.margin_ms", self.fencing.margin_ms);
        problems.check_duration("max_lag_ms", self.max_lag_ms);
        if self.max_lag_ms.is_finite() && self.rpo_target_s.is_finite() && self.max_lag_ms > self.rpo_target_s * 1000.0
        {
            problems.warning(
                "max_lag_ms",
                format!(
                    "a standby up to {} ms behind may be promoted, losing more than rpo_target_s ({} s) of writes",
                    self.max_lag_ms, self.rpo_target_s
                ),
            );
        }
        problems.check_duration("cooldown_s", self.cooldown_s);
        problems.check_duration("approval_delay_s", self.approval_delay_s);
        problems.check_positive("rto_target_s", self.rto_target_s);
        problems.check_duration("rpo_target_s", self.rpo_target_s);
        let actions = &self.actions;
        for (field, range) in [
            ("actions.fence_ms", actions.fence_ms),
            ("actions.demote_ms", actions.demote_ms),
            ("actions.promote_ms", actions.promote_ms),
            ("actions.dns_flip_ms", actions.dns_flip_ms),
            ("actions.notify_ms", actions.notify_ms),
            ("actions.verify_ms", actions.verify_ms),
        ] {
            problems.check_range(field, range);
        }
        problems.check_duration("actions.backoff_ms", actions.backoff_ms);
        if actions.retries > 10 {
            problems.error("actions.retries", format!("expected 0 to 10, found {}", actions.retries));
        }
    }
}
