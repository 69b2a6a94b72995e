//! Executing a given plan in a simulated world (`failsim execute`): applied, the plan's
//! failed primary is down from the start and the executor runs the plan's actions with
//! seeded durations, under the usual control plane and checks; as a dry run, the
//! timeline is computed from the plan's estimates and no world changes.

use super::single::build_world;
use crate::check::Checker;
use crate::control::audit_pack;
use crate::control::auditor::{AuditKind, Auditor};
use crate::control::manual::Executing;
use crate::control::plan::Plan;
use crate::control::standard::Standard;
use crate::control::verifier::Confidence;
use crate::engine::sim;
use crate::engine::{Seed, Sim, SimTime};
use crate::faults::{Injector, Placement};
use crate::model::{Cluster, Policy, Status};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The seed's `execute` response, with the timestamped log.
#[derive(Clone, Debug, Serialize)]
pub struct ExecutionReport {
    pub execution_id: String,
    pub plan_id: String,
    pub dry_run: bool,
    pub success: bool,
    pub actions_executed: u32,
    pub actions_failed: u32,
    pub total_duration_ms: f64,
    pub audit_id: String,
    pub confidence: Confidence,
    pub log: Vec<LogLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<crate::control::verifier::VerificationReport>,
}

/// One line of the execution log.
#[derive(Clone, Debug, Serialize)]
pub struct LogLine {
    pub at_ms: f64,
    pub kind: AuditKind,
    pub detail: String,
}

/// Executes `plan` on `cluster` under `policy`.
pub fn execute(cluster: &Cluster, policy: &Policy, plan: &Plan, dry_run: bool, seed: Seed) -> ExecutionReport {
    let auditor = if dry_run { dry_run_log(plan) } else { Auditor::default() };
    if dry_run {
        let audit_id = audit_pack::seal(&auditor, &cluster.cluster_id, "execute", seed).audit_id;
        return ExecutionReport {
            execution_id: execution_id(plan, dry_run, seed),
            plan_id: plan.plan_id.clone(),
            dry_run,
            success: plan.failover_target_id.is_some(),
            actions_executed: 0,
            actions_failed: 0,
            total_duration_ms: plan.estimated_total_ms as f64,
            audit_id,
            confidence: Confidence::from_findings(usize::from(plan.failover_target_id.is_none()), 1),
            log: log_lines(&auditor),
            verification: None,
        };
    }
    let mut failed_cluster = cluster.clone();
    if let Some(i) = cluster.node_index(&plan.primary_node_id) {
        failed_cluster.nodes[i].status = Status::Failed;
    }
    let placement = Placement::of(&failed_cluster);
    let world = build_world(&failed_cluster, &placement, 100.0, seed);
    let end = SimTime::from_s(policy.max_failover_time_s * 2.0 + 60.0);
    let mut sim: Sim<_> = Sim::new(world, end, false);
    let mut injector = Injector::arm(&[], placement, seed);
    let mut checker = Checker::new(&failed_cluster, policy, 100.0, Some(SimTime::ZERO));
    let mut control = Executing::new(Standard::new(&failed_cluster, policy, 100.0, None), plan.clone());
    sim::run(&mut sim, &mut control, &mut injector, &mut checker, super::single::EVENT_BUDGET);
    let inner = control.inner;
    let actions = inner.auditor.entries.iter().filter(|e| e.kind == AuditKind::Action);
    let executed = actions.clone().filter(|e| e.detail.ends_with(": done")).count() as u32;
    let failed = inner
        .auditor
        .entries
        .iter()
        .filter(|e| e.kind == AuditKind::Action && !e.detail.ends_with(": done") && !e.detail.contains("wait for"))
        .count() as u32;
    let finished = inner.last_failover.as_ref().map(|_| inner.last_failover_end.unwrap_or(sim.now()));
    let success = inner.last_verification.as_ref().is_some_and(|v| v.passed);
    let audit_id = audit_pack::seal(&inner.auditor, &cluster.cluster_id, "execute", seed).audit_id;
    let confidence = inner.last_verification.as_ref().map_or(Confidence::from_findings(4, 0), |v| v.confidence.clone());
    ExecutionReport {
        execution_id: execution_id(plan, dry_run, seed),
        plan_id: plan.plan_id.clone(),
        dry_run,
        success,
        actions_executed: executed,
        actions_failed: failed,
        total_duration_ms: finished.unwrap_or(sim.now()).as_ms(),
        audit_id,
        confidence,
        log: log_lines(&inner.auditor),
        verification: inner.last_verification.clone(),
    }
}

/// The plan's timeline from its estimates, as audit entries.
fn dry_run_log(plan: &Plan) -> Auditor {
    let mut auditor = Auditor::default();
    let mut at = SimTime::ZERO;
    match &plan.failover_target_id {
        Some(target) => {
            let detail = format!("dry run: failover {} -> {target} (plan {})", plan.primary_node_id, plan.plan_id);
            auditor.record(at, AuditKind::Decision, detail);
        }
        None => {
            let reason = plan.no_target_reason.as_deref().unwrap_or("no target");
            auditor.record(at, AuditKind::Decision, format!("dry run: no failover: {reason}"));
        }
    }
    for action in &plan.actions {
        let node = action.node_id.as_deref().unwrap_or("-");
        auditor.record(
            at,
            AuditKind::Action,
            format!("would {} {node} (estimated {} ms)", action.action.as_str(), action.estimated_ms),
        );
        at = at + SimTime::from_ms(action.estimated_ms as f64);
    }
    auditor.record(at, AuditKind::Decision, "dry run: no world changed".to_string());
    auditor
}

fn log_lines(auditor: &Auditor) -> Vec<LogLine> {
    auditor
        .entries
        .iter()
        .map(|e| LogLine { at_ms: SimTime(e.at_ns).as_ms(), kind: e.kind, detail: e.detail.clone() })
        .collect()
}

fn execution_id(plan: &Plan, dry_run: bool, seed: Seed) -> String {
    let digest = Sha256::digest(format!("{}\n{dry_run}\n{}", plan.plan_id, seed.0).as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("exec-{hex}")
}
