//! The failover plan: the chosen target, the ordered actions with estimated durations,
//! every candidate not chosen with the reason, and a `plan_id` derived from the inputs.
//!
//! Serializes to the seed's plan fields (`plan_id`, `cluster_id`, `policy_id`,
//! `primary_node_id`, `failover_target_id`, `estimated_total_ms`, `action_count`).

use crate::model::ActionKind;
use serde::{Deserialize, Serialize};

/// A failover plan. With no eligible target, `failover_target_id` is null, there are
/// no actions, and `no_target_reason` says why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub plan_id: String,
    pub cluster_id: String,
    pub policy_id: String,
    pub primary_node_id: String,
    pub failover_target_id: Option<String>,
    pub estimated_total_ms: u64,
    pub action_count: u32,
    pub actions: Vec<PlannedAction>,
    pub rejected: Vec<Rejection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_target_reason: Option<String>,
}

/// One step of the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedAction {
    pub step: u32,
    pub action: ActionKind,
    /// The node the action acts on (none for approval and notification).
    pub node_id: Option<String>,
    pub estimated_ms: u64,
}

/// A candidate that was not chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    pub node_id: String,
    pub kind: RejectionKind,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionKind {
    /// Could never be the target (witness, not healthy, lagging, the failed primary).
    Ineligible,
    /// Eligible, but ranked below the target.
    Outranked,
}

impl Plan {
    /// The target, if the plan has one.
    pub fn target(&self) -> Option<&str> {
        self.failover_target_id.as_deref()
    }
}
