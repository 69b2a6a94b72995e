//! The planner: picks the failover target and orders the actions.
//!
//! Eligible targets are healthy secondaries (never a witness, never the failed
//! primary, never a node the caller excludes) whose replication lag is within
//! `max_lag_ms`. `selection: ordered` ranks
//! them by seed 001's rules: region earlier in `region_priority` (unlisted regions after
//! all listed ones), then site earlier in `site_priority` (likewise), then higher
//! `priority`, higher `capacity`, and the smaller `node_id`. `selection: weighted` ranks
//! by seed 003's score (see [`weighted_score`]), compared in whole millionths, ties
//! broken by the ordered rules.
//!
//! Pure: no clock, no randomness; the same request always gives the same plan.

use super::plan::{Plan, PlannedAction, Rejection, RejectionKind};
use super::quorum;
use crate::model::{ActionKind, Cluster, Node, Policy, Role, Selection, Status, Strategy};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::cmp::Ordering;

/// What the planner knows of one node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeView {
    pub status: Status,
    /// Replication lag behind the failed primary, in milliseconds.
    pub lag_ms: f64,
}

/// Everything a plan is computed from.
#[derive(Clone, Copy, Debug)]
pub struct PlanRequest<'a> {
    pub cluster: &'a Cluster,
    pub policy: &'a Policy,
    /// Indexed like `cluster.nodes`.
    pub views: &'a [NodeView],
    /// Index of the primary being replaced.
    pub failed_primary: usize,
}

impl<'a> PlanRequest<'a> {
    /// Views from the topology's declared statuses, with `failed` nodes marked failed
    /// and no replication lag: what `failsim plan` knows without a simulation.
    pub fn declared_views(cluster: &Cluster, failed: &[usize]) -> Vec<NodeView> {
        let status = |i: usize, node: &Node| {
            if failed.contains(&i) {
                Status::Failed
            } else {
                node.status
            }
        };
        cluster.nodes.iter().enumerate().map(|(i, n)| NodeView { status: status(i, n), lag_ms: 0.0 }).collect()
    }
}

/// Computes the plan for a request.
pub fn plan(request: &PlanRequest<'_>) -> Plan {
    plan_excluding(request, &[])
}

/// A node that must not be the target, though it still counts as the voter its view
/// says it is (a healthy voter the monitor cannot hear right now, or one whose
/// promotion kept failing), and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exclusion {
    /// Index into `cluster.nodes`.
    pub node: usize,
    pub reason: &'static str,
}

/// Computes the plan for a request with `excluded` nodes never chosen as the target.
/// Exclusions change eligibility only: quorum and `min_healthy_nodes` still count
/// every node by its view.
pub fn plan_excluding(request: &PlanRequest<'_>, excluded: &[Exclusion]) -> Plan {
    let PlanRequest { cluster, policy, views, failed_primary } = *request;
    assert_eq!(views.len(), cluster.nodes.len(), "one view per node");
    let old = &cluster.nodes[failed_primary];
    let mut rejected = Vec::new();
    let mut eligible = Vec::new();
    for (i, node) in cluster.nodes.iter().enumerate() {
        let exclusion = || excluded.iter().find(|e| e.node == i).map(|e| e.reason.to_string());
        match ineligibility(i, node, views[i], request).or_else(exclusion) {
            Some(reason) => {
                rejected.push(Rejection { node_id: node.node_id.clone(), kind: RejectionKind::Ineligible, reason })
            }
            _ => eligible.push(i),
        }
    }
    let scores = scores(&eligible, request);
    let mut ranked: Vec<(usize, f64)> = eligible.iter().copied().zip(scores).collect();
    ranked.sort_by(|a, b| rank(a, b, request));

    let no_target_reason = refusal(request, ranked.is_empty());
    let target = if no_target_reason.is_some() { None } else { ranked.first().copied() };
    if let Some(best) = target {
        for other in &ranked[1..] {
            let reason = outranked_reason(other, &best, request);
            rejected.push(Rejection {
                node_id: cluster.nodes[other.0].node_id.clone(),
                kind: RejectionKind::Outranked,
                reason,
            });
        }
    } else {
        for other in &ranked {
            let reason = "eligible, but no failover can proceed".to_string();
            rejected.push(Rejection {
                node_id: cluster.nodes[other.0].node_id.clone(),
                kind: RejectionKind::Outranked,
                reason,
            });
        }
    }
    rejected.sort_by_key(|r| cluster.node_index(&r.node_id));

    let actions = target.map(|(t, _)| actions(request, t)).unwrap_or_default();
    Plan {
        plan_id: plan_id(request, excluded),
        cluster_id: cluster.cluster_id.clone(),
        policy_id: policy.policy_id.clone(),
        primary_node_id: old.node_id.clone(),
        failover_target_id: target.map(|(t, _)| cluster.nodes[t].node_id.clone()),
        estimated_total_ms: actions.iter().map(|a| a.estimated_ms).sum(),
        action_count: actions.len() as u32,
        actions,
        rejected,
        no_target_reason,
    }
}

/// Why a node can never be the target, or `None` when it is eligible.
fn ineligibility(index: usize, node: &Node, view: NodeView, request: &PlanRequest<'_>) -> Option<String> {
    let max_lag_ms = request.policy.max_lag_ms;
    if index == request.failed_primary {
        Some("the failed primary".to_string())
    } else if node.role == Role::Witness {
        Some("a witness holds no data".to_string())
    } else if node.role != Role::Secondary {
        Some(format!("role {:?} is not a standby", node.role).to_lowercase())
    } else if view.status != Status::Healthy {
        Some(format!("status {}: only healthy nodes are promoted", status_name(view.status)))
    } else if view.lag_ms > max_lag_ms {
        Some(format!("replication lag {} ms exceeds max_lag_ms {max_lag_ms}", view.lag_ms))
    } else {
        None
    }
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Healthy => "healthy",
        Status::Degraded => "degraded",
        Status::Failed => "failed",
        Status::Unknown => "unknown",
    }
}

/// Why no failover may proceed at all, if so.
fn refusal(request: &PlanRequest<'_>, no_candidates: bool) -> Option<String> {
    let PlanRequest { cluster, policy, views, .. } = *request;
    let healthy = views.iter().filter(|v| v.status == Status::Healthy).count() as u32;
    let quorum_size = cluster.quorum_size();
    if policy.needs_quorum() && !quorum::has_quorum(healthy, quorum_size) {
        Some(format!("no quorum: {healthy} of {} voters healthy, quorum is {quorum_size}", cluster.voter_count()))
    } else if healthy < policy.min_healthy_nodes {
        Some(format!("{healthy} healthy nodes, the policy needs min_healthy_nodes {}", policy.min_healthy_nodes))
    } else if no_candidates {
        Some("no eligible target: every other node is a witness, not healthy, or lagging".to_string())
    } else {
        None
    }
}

/// Position in a priority list; unlisted names rank after every listed one.
fn list_rank(list: &[String], name: &str) -> usize {
    list.iter().position(|n| n == name).unwrap_or(list.len())
}

/// Seed 001's order between two eligible nodes (`Less` = better).
fn ordered(a: &Node, b: &Node, policy: &Policy) -> Ordering {
    list_rank(&policy.region_priority, &a.region)
        .cmp(&list_rank(&policy.region_priority, &b.region))
        .then_with(|| list_rank(&policy.site_priority, &a.site).cmp(&list_rank(&policy.site_priority, &b.site)))
        .then_with(|| b.priority.cmp(&a.priority))
        .then_with(|| b.capacity.total_cmp(&a.capacity))
        .then_with(|| a.node_id.cmp(&b.node_id))
}

fn rank(a: &(usize, f64), b: &(usize, f64), request: &PlanRequest<'_>) -> Ordering {
    let nodes = &request.cluster.nodes;
    let by_rules = || ordered(&nodes[a.0], &nodes[b.0], request.policy);
    match request.policy.selection {
        Selection::Ordered => by_rules(),
        Selection::Weighted => score_key(b.1).cmp(&score_key(a.1)).then_with(by_rules),
    }
}

/// A weighted score in whole millionths, the unit in which candidates are compared.
///
/// Scores equal by the formula can differ in their last bits as `f64` sums (0.4 + 0.3
/// is 0.7, but 0.4 + 0.2 + 0.1 is 0.7000000000000001); compared raw, rounding would
/// decide such ties instead of the ordered rules.
fn score_key(score: f64) -> i64 {
    (score * 1e6).round() as i64
}

/// The four weighted terms of one candidate, each in [0, 1].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreTerms {
    pub health: f64,
    pub capacity: f64,
    pub latency: f64,
    pub freshness: f64,
}

/// Seed 003's score: Health x 0.4 + Capacity x 0.3 + Latency x 0.2 + Freshness x 0.1.
pub fn weighted_score(terms: ScoreTerms) -> f64 {
    terms.health * 0.4 + terms.capacity * 0.3 + terms.latency * 0.2 + terms.freshness * 0.1
}

/// The normalized terms for each eligible candidate (see docs/FORMATS.md, `selection`):
/// health 1 / 0.5 / 0.25 / 0 for healthy / degraded / unknown / failed; capacity over
/// the largest candidate capacity; latency 1 for the nearest link class to the failed
/// primary and 0 for the farthest among candidates (1 for all when they are equal);
/// freshness 1 - lag / max_lag_ms.
pub fn score_terms(eligible: &[usize], request: &PlanRequest<'_>) -> Vec<ScoreTerms> {
    let cluster = request.cluster;
    let old = &cluster.nodes[request.failed_primary];
    let latency_of = |i: usize| link_latency_ms(cluster, old, &cluster.nodes[i]);
    let capacity_max = eligible.iter().map(|&i| cluster.nodes[i].capacity).fold(0.0, f64::max);
    let latency_min = eligible.iter().map(|&i| latency_of(i)).fold(f64::INFINITY, f64::min);
    let latency_max = eligible.iter().map(|&i| latency_of(i)).fold(0.0, f64::max);
    eligible
        .iter()
        .map(|&i| {
            let view = request.views[i];
            let health = match view.status {
                Status::Healthy => 1.0,
                Status::Degraded => 0.5,
                Status::Unknown => 0.25,
                Status::Failed => 0.0,
            };
            let capacity = if capacity_max > 0.0 { cluster.nodes[i].capacity / capacity_max } else { 1.0 };
            let latency = if latency_max > latency_min {
                1.0 - (latency_of(i) - latency_min) / (latency_max - latency_min)
            } else {
                1.0
            };
            let max_lag_ms = request.policy.max_lag_ms;
            let freshness = if max_lag_ms > 0.0 { (1.0 - view.lag_ms / max_lag_ms).clamp(0.0, 1.0) } else { 1.0 };
            ScoreTerms { health, capacity, latency, freshness }
        })
        .collect()
}

fn scores(eligible: &[usize], request: &PlanRequest<'_>) -> Vec<f64> {
    score_terms(eligible, request).into_iter().map(weighted_score).collect()
}

/// The typical one-way latency between two nodes: the midpoint of their link class.
pub fn link_latency_ms(cluster: &Cluster, a: &Node, b: &Node) -> f64 {
    let network = &cluster.network;
    if a.region != b.region {
        network.cross_region_ms.mid()
    } else if a.site != b.site {
        network.same_region_ms.mid()
    } else {
        network.same_site_ms.mid()
    }
}

/// Why `other` ranks below `best`: the first rule on which they differ.
fn outranked_reason(other: &(usize, f64), best: &(usize, f64), request: &PlanRequest<'_>) -> String {
    let nodes = &request.cluster.nodes;
    let (a, b, policy) = (&nodes[other.0], &nodes[best.0], request.policy);
    let place = |list: &[String], name: &str| match list.iter().position(|n| n == name) {
        Some(i) => format!("#{}", i + 1),
        None => "unlisted".to_string(),
    };
    if policy.selection == Selection::Weighted && score_key(other.1) != score_key(best.1) {
        // Three decimals, or six where three would print the same figure twice.
        let decimals = if format!("{:.3}", other.1) == format!("{:.3}", best.1) { 6 } else { 3 };
        return format!("weighted score {:.*} is below {}'s {:.*}", decimals, other.1, b.node_id, decimals, best.1);
    }
    if list_rank(&policy.region_priority, &a.region) != list_rank(&policy.region_priority, &b.region) {
        format!(
            "region {} ({} in region_priority) ranks after {}'s region {} ({})",
            a.region,
            place(&policy.region_priority, &a.region),
            b.node_id,
            b.region,
            place(&policy.region_priority, &b.region)
        )
    } else if list_rank(&policy.site_priority, &a.site) != list_rank(&policy.site_priority, &b.site) {
        format!(
            "site {} ({} in site_priority) ranks after {}'s site {} ({})",
            a.site,
            place(&policy.site_priority, &a.site),
            b.node_id,
            b.site,
            place(&policy.site_priority, &b.site)
        )
    } else if a.priority != b.priority {
        format!("priority {} is below {}'s {}", a.priority, b.node_id, b.priority)
    } else if a.capacity != b.capacity {
        format!("capacity {} is below {}'s {}", a.capacity, b.node_id, b.capacity)
    } else {
        format!("ties with {} on every rule; node id {} sorts after {}", b.node_id, a.node_id, b.node_id)
    }
}

/// The ordered actions of a failover to `target`, with estimated durations.
fn actions(request: &PlanRequest<'_>, target: usize) -> Vec<PlannedAction> {
    let PlanRequest { cluster, policy, failed_primary, .. } = *request;
    let spec = &policy.actions;
    let old = cluster.nodes[failed_primary].node_id.clone();
    let new = cluster.nodes[target].node_id.clone();
    let promote_ms = spec.promote_ms.mid() * cluster.nodes[target].redundancy.promote_factor();
    let mut steps = Vec::new();
    if policy.strategy == Strategy::Manual {
        steps.push((ActionKind::AwaitApproval, None, policy.approval_delay_s * 1000.0));
    }
    if policy.fencing.stonith {
        steps.push((ActionKind::Fence, Some(old), spec.fence_ms.mid()));
    } else {
        steps.push((ActionKind::Demote, Some(old), spec.demote_ms.mid()));
    }
    steps.push((ActionKind::Promote, Some(new.clone()), promote_ms));
    steps.push((ActionKind::DnsFlip, Some(new.clone()), spec.dns_flip_ms.mid()));
    steps.push((ActionKind::Notify, None, spec.notify_ms.mid()));
    steps.push((ActionKind::Verify, Some(new), spec.verify_ms.mid()));
    steps
        .into_iter()
        .enumerate()
        .map(|(i, (action, node_id, ms))| PlannedAction {
            step: i as u32 + 1,
            action,
            node_id,
            estimated_ms: ms.round() as u64,
        })
        .collect()
}

/// `plan-` and the first 16 hex digits of the SHA-256 of the request's canonical JSON:
/// `{"cluster", "policy", "views": [[status, lag_ms], ...], "failed_primary"}`, plus
/// `"excluded": [node ids]` only when there are exclusions (so that plans without any
/// keep their ids). Streamed into the hash as it is written, without building a JSON
/// value or string first: that took most of the planner's time.
fn plan_id(request: &PlanRequest<'_>, excluded: &[Exclusion]) -> String {
    #[derive(Serialize)]
    struct Canonical<'a> {
        cluster: &'a Cluster,
        policy: &'a Policy,
        views: ViewPairs<'a>,
        failed_primary: &'a str,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        excluded: Vec<&'a str>,
    }
    let nodes = &request.cluster.nodes;
    let canonical = Canonical {
        cluster: request.cluster,
        policy: request.policy,
        views: ViewPairs(request.views),
        failed_primary: &nodes[request.failed_primary].node_id,
        excluded: excluded.iter().map(|e| nodes[e.node].node_id.as_str()).collect(),
    };
    let mut sink = HashSink(Sha256::new());
    serde_json::to_writer(&mut sink, &canonical).expect("plain structs always serialize");
    let digest = sink.0.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("plan-{hex}")
}

/// Views as `[status, lag_ms]` pairs in the canonical JSON.
struct ViewPairs<'a>(&'a [NodeView]);

impl Serialize for ViewPairs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|v| (status_name(v.status), v.lag_ms)))
    }
}

/// Feeds everything written to it into a SHA-256.
struct HashSink(Sha256);

impl std::io::Write for HashSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
