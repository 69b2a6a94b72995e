//! The executor: runs a failover plan's actions in virtual time.
//!
//! Commands to nodes (demote, promote, verify) travel over the simulated network and
//! the node takes a sampled time to carry them out; local actions (approval, fence, DNS
//! flip, notify) take a sampled time at the executor. A failed attempt is retried
//! after a backoff that doubles; a promotion that keeps failing re-plans to the next
//! target, in a fresh term; the whole failover is abandoned past `max_failover_time_s`,
//! unless its target already took the role (then it runs to its end, DNS flip
//! included, and the verifier fails it for the time it took).
//!
//! Before promoting, unless the old primary was fenced (STONITH) or confirmed its
//! demotion, the executor waits until the old primary's last lease has surely expired:
//! the monitor's last grant plus `lease_ms` plus `margin_ms`. After a re-plan away from
//! a target whose promotion went unanswered (it may have taken the role, its reply
//! lost), it also waits out the lease that target may hold.
//!
//! Before every promote command (first attempt, retry, or after a re-plan) it looks
//! again at the monitor's view: a target declared failed since the plan was made is
//! re-planned away from at once, and without a quorum of voters healthy and heard from
//! in time (the old primary aside: it does not vote for its own replacement) it waits,
//! until the quorum is heard again or the failover's deadline passes, rather than
//! promote. The promotion itself takes effect only with a quorum confirmed at that
//! moment (`promotion`).
//!
//! `verify` is a command to the new primary: the node confirms only if it is up and
//! still primary in the failover's term, and the verifier fails the failover when no
//! confirmation comes before the step's timeout (fresh evidence, not the monitor's
//! seconds-old heartbeat view).

use super::auditor::AuditKind;
use super::plan::Plan;
use super::promotion::QuorumRound;
use super::standard::{Mutant, Standard, Timer};
use super::verifier::Confirmation;
use crate::engine::{Fact, NodeId, Payload, Sim, SimTime};
use crate::model::{ActionKind, Role};

/// Where the current step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// A command is out, or a local action is under way; its timer ends it.
    Running,
    /// Waiting for the old primary's lease to expire before promoting.
    LeaseWait,
    /// Waiting for a quorum of voters heard from in time before promoting.
    QuorumWait,
    /// Waiting to retry after a failed attempt.
    Backoff,
}

/// One failover in progress.
#[derive(Clone, Debug)]
pub struct Failover {
    /// The token of the current attempt; replies and timers with another are stale.
    pub token: u32,
    pub old: NodeId,
    pub target: NodeId,
    pub plan: Plan,
    pub steps: Vec<ActionKind>,
    pub step: usize,
    pub attempt: u32,
    pub phase: Phase,
    pub started: SimTime,
    pub deadline: SimTime,
    pub term: u32,
    /// The old primary is fenced or confirmed demoted: no lease wait is needed.
    pub old_fenced: bool,
    pub lease_waited: bool,
    pub dns_flipped: bool,
    pub excluded: Vec<NodeId>,
    /// When a promotion attempt last went unanswered: its target may have taken the
    /// role by then, with a lease of its own, so a re-plan away from it must wait that
    /// lease out too.
    pub unanswered_promotion: Option<SimTime>,
    /// When the monitor last granted the target the role (its lease runs from a moment
    /// before), whether or not the target got the answer.
    pub granted: Option<SimTime>,
    /// The voters' confirmation of the current promote attempt, while it runs.
    pub round: Option<QuorumRound>,
}

impl Failover {
    pub fn new(token: u32, old: NodeId, target: NodeId, plan: Plan, now: SimTime, max: SimTime) -> Failover {
        let steps = plan.actions.iter().map(|a| a.action).collect();
        Failover {
            token,
            old,
            target,
            plan,
            steps,
            step: 0,
            attempt: 0,
            phase: Phase::Running,
            started: now,
            deadline: now + max,
            term: 0,
            old_fenced: false,
            lease_waited: false,
            dns_flipped: false,
            excluded: Vec::new(),
            unanswered_promotion: None,
            granted: None,
            round: None,
        }
    }

    pub fn action(&self) -> ActionKind {
        self.steps[self.step]
    }

    /// Whether the promote step is behind it.
    pub fn promoted(&self) -> bool {
        self.steps[..self.step].contains(&ActionKind::Promote)
    }
}

impl Standard<'_> {
    /// Starts (or restarts, after a backoff or the lease wait) the current step.
    pub(crate) fn begin_step(&mut self, sim: &mut Sim<Timer>) {
        let now = sim.now();
        let token = self.token();
        let lease_wait_until = self.lease_wait_until();
        let reported = self.monitor.nodes.iter().map(|r| r.term).max().unwrap_or(0);
        let newest_term = self.monitor.term.max(self.monitor.issued_term).max(reported);
        let quorum_lost = !self.promotion_quorum_heard();
        let Some(f) = self.failover.as_mut() else { return };
        if f.term == 0 {
            f.term = newest_term + 1;
            self.monitor.issued_term = f.term;
        }
        // Past the deadline a failover is abandoned, but not once its target took the
        // role: clients would be left routed to the demoted old primary. It then runs
        // to its end (the verifier fails it for the time it took).
        if now > f.deadline && !f.promoted() {
            return self.finish(sim, false, "exceeded max_failover_time_s");
        }
        let was_waiting_for_quorum = f.phase == Phase::QuorumWait;
        f.token = token;
        f.phase = Phase::Running;
        f.round = None;
        let actions = &self.policy.actions;
        let (action, old, target, term) = (f.action(), f.old, f.target, f.term);
        let monitor = self.monitor_endpoint();
        match action {
            ActionKind::AwaitApproval => {
                sim.schedule(now + SimTime::from_s(self.policy.approval_delay_s), Timer::Step { token })
            }
            ActionKind::Demote if self.is(Mutant::SkipFence) => self.advance(sim),
            ActionKind::Fence if self.is(Mutant::SkipFence) => self.advance(sim),
            ActionKind::Demote => {
                sim.send(monitor, old.0, Payload::Command { action, term, token });
                sim.schedule(now + SimTime::from_ms(actions.demote_ms.max + 1000.0), Timer::Step { token });
            }
            ActionKind::Promote => {
                if let Some(until) = lease_wait_until.filter(|u| *u > now) {
                    let f = self.failover.as_mut().expect("checked");
                    f.phase = Phase::LeaseWait;
                    f.lease_waited = true;
                    self.auditor.record(
                        now,
                        AuditKind::Action,
                        format!("wait for the old primary's lease until {until}"),
                    );
                    return sim.schedule(until, Timer::Step { token });
                }
                if self.monitor.nodes[target.index()].failed {
                    // The target went silent after the plan was made (cut off with the
                    // old primary, or crashed): promoting it cannot succeed.
                    let detail = format!("{} is declared failed: no promotion of it", self.node_name(target));
                    self.auditor.record(now, AuditKind::Decision, detail);
                    return self.replan(sim);
                }
                if quorum_lost {
                    return self.wait_for_quorum(sim, was_waiting_for_quorum);
                }
                sim.send(monitor, target.0, Payload::Command { action, term, token });
                let factor = self.cluster.nodes[target.index()].redundancy.promote_factor();
                let timeout = SimTime::from_ms(actions.promote_ms.max * factor + 5000.0) + self.settings.timeout;
                sim.schedule(now + timeout, Timer::Step { token });
            }
            ActionKind::Verify => {
                sim.send(monitor, target.0, Payload::Command { action, term, token });
                sim.schedule(now + SimTime::from_ms(actions.verify_ms.max + 5000.0), Timer::Step { token });
            }
            ActionKind::Fence | ActionKind::DnsFlip | ActionKind::Notify => {
                let range = match action {
                    ActionKind::Fence => actions.fence_ms,
                    ActionKind::DnsFlip => actions.dns_flip_ms,
                    _ => actions.notify_ms,
                };
                let duration = SimTime::from_ms(range.at(sim.streams.actions.unit()));
                sim.schedule(now + duration, Timer::Step { token });
            }
        }
    }

    /// When promotion becomes safe, if the executor must wait for it: the old
    /// primary's last lease (unless it is fenced or confirmed demoted) and the lease an
    /// abandoned target may have taken with an unanswered promotion.
    fn lease_wait_until(&self) -> Option<SimTime> {
        let f = self.failover.as_ref()?;
        if f.lease_waited || self.is(Mutant::NoLeaseWait) || self.is(Mutant::SkipFence) {
            return None;
        }
        let old_primary = (!f.old_fenced).then_some(self.monitor.last_lease_grant);
        let from = old_primary.into_iter().chain(f.unanswered_promotion).max()?;
        Some(from + self.settings.lease + self.settings.lease_margin)
    }

    pub(super) fn on_step(&mut self, sim: &mut Sim<Timer>, token: u32) {
        let Some(f) = self.failover.as_ref() else { return };
        if f.token != token {
            return;
        }
        let (action, phase) = (f.action(), f.phase);
        if phase != Phase::Running {
            return self.begin_step(sim);
        }
        match action {
            ActionKind::AwaitApproval => self.advance(sim),
            // An old primary that does not answer is down or cut off: retrying cannot
            // reach it, and its lease wait (before promotion) keeps the failover safe.
            ActionKind::Demote => {
                self.audit_action(sim, "no reply in time; relying on the lease wait");
                self.advance(sim)
            }
            ActionKind::Promote => {
                let f = self.failover.as_mut().expect("checked");
                f.unanswered_promotion = Some(sim.now());
                self.attempt_failed(sim, "no reply in time")
            }
            ActionKind::Verify => {
                self.audit_action(sim, "no confirmation in time");
                self.conclude(sim, Confirmation::Missing)
            }
            ActionKind::Fence | ActionKind::DnsFlip | ActionKind::Notify => {
                let failure_rate = sim.world.action_failure[action as usize];
                if sim.streams.actions.chance(failure_rate) {
                    if action == ActionKind::DnsFlip && self.is(Mutant::IgnoreDnsFailure) {
                        self.audit_action(sim, "failed, treated as done");
                        return self.advance(sim);
                    }
                    return self.attempt_failed(sim, "failed");
                }
                self.local_action_done(sim, action);
            }
        }
    }

    fn local_action_done(&mut self, sim: &mut Sim<Timer>, action: ActionKind) {
        let f = self.failover.as_mut().expect("a failover is running");
        let (old, target) = (f.old, f.target);
        match action {
            ActionKind::Fence => {
                f.old_fenced = true;
                sim.world.crash(old);
            }
            ActionKind::DnsFlip => {
                f.dns_flipped = true;
                sim.world.flip_dns(target);
            }
            _ => {}
        }
        self.audit_action(sim, "done");
        self.advance(sim);
    }

    /// The verify step is over, confirmed by the new primary or not: the verifier's
    /// verdict ends the failover.
    fn conclude(&mut self, sim: &mut Sim<Timer>, confirmation: Confirmation) {
        let report = self.verify_failover(sim, confirmation);
        sim.world.record(Fact::Verified { passed: report.passed });
        self.auditor.record(sim.now(), AuditKind::Verification, report.summary());
        let passed = report.passed;
        self.last_verification = Some(report);
        self.finish(sim, passed, "verified")
    }

    pub(super) fn on_command_done(
        &mut self,
        sim: &mut Sim<Timer>,
        from: NodeId,
        action: ActionKind,
        token: u32,
        ok: bool,
    ) {
        if action == ActionKind::Demote && self.on_round_answer(sim, from, token) {
            return;
        }
        let Some(f) = self.failover.as_mut() else { return };
        if f.token != token || f.phase != Phase::Running || f.action() != action {
            return;
        }
        if !ok {
            return self.attempt_failed(sim, "failed");
        }
        if action == ActionKind::Demote && from == f.old {
            f.old_fenced = true;
        }
        self.audit_action(sim, "done");
        if action == ActionKind::Verify {
            return self.conclude(sim, Confirmation::Confirmed);
        }
        self.advance(sim);
    }

    fn audit_action(&mut self, sim: &Sim<Timer>, outcome: &str) {
        let Some(f) = self.failover.as_ref() else { return };
        let node = match f.action() {
            ActionKind::Demote | ActionKind::Fence => self.node_name(f.old).to_string(),
            ActionKind::AwaitApproval | ActionKind::Notify => "-".to_string(),
            _ => self.node_name(f.target).to_string(),
        };
        let detail = format!("{} {node} attempt {}: {outcome}", f.action().as_str(), f.attempt + 1);
        self.auditor.record(sim.now(), AuditKind::Action, detail);
    }

    fn attempt_failed(&mut self, sim: &mut Sim<Timer>, why: &str) {
        self.audit_action(sim, why);
        let action = self.failover.as_ref().expect("running").action();
        sim.world.record(Fact::ActionFailed { action });
        let retries = self.policy.actions.retries;
        let token = self.token();
        let f = self.failover.as_mut().expect("running");
        if f.attempt < retries {
            let backoff = SimTime(self.settings.backoff.0.saturating_mul(1 << f.attempt.min(16)));
            f.attempt += 1;
            f.token = token;
            f.phase = Phase::Backoff;
            return sim.schedule(sim.now() + backoff, Timer::Step { token });
        }
        match action {
            // The old primary is unreachable: rely on its lease running out.
            ActionKind::Demote | ActionKind::Fence | ActionKind::Notify => self.advance(sim),
            ActionKind::Promote => self.replan(sim),
            _ => self.finish(sim, false, "action failed after retries"),
        }
    }

    /// The target could not be promoted: plan again without it, in a fresh term (the
    /// abandoned target may hold the old one, if its promotion went unanswered rather
    /// than failed; the fresh term makes it step down when it hears of the new primary,
    /// and `lease_wait_until` waits its lease out).
    fn replan(&mut self, sim: &mut Sim<Timer>) {
        let f = self.failover.as_mut().expect("running");
        f.excluded.push(f.target);
        f.term += 1;
        self.monitor.issued_term = self.monitor.issued_term.max(f.term);
        if f.unanswered_promotion.is_some() {
            f.lease_waited = false;
        }
        let (old, excluded) = (f.old, f.excluded.clone());
        let plan = self.plan_from_view(old, &excluded);
        let next = plan.failover_target_id.as_deref().and_then(|t| self.cluster.node_index(t));
        match next {
            Some(target) => {
                let detail = format!(
                    "re-plan: {} -> {} (plan {})",
                    self.node_name(old),
                    self.node_name(NodeId(target as u32)),
                    plan.plan_id
                );
                self.auditor.record(sim.now(), AuditKind::Decision, detail);
                let f = self.failover.as_mut().expect("running");
                f.target = NodeId(target as u32);
                f.plan = plan;
                f.attempt = 0;
                self.begin_step(sim);
            }
            None => self.finish(sim, false, "no target left to promote"),
        }
    }

    /// The target's heartbeat says it holds the primary role in the failover's term:
    /// the promotion happened though its reply was lost, so the step is done.
    pub(super) fn on_promotion_seen(&mut self, sim: &mut Sim<Timer>, node: NodeId, term: u32) {
        let Some(f) = self.failover.as_ref() else { return };
        if f.target == node && f.term == term && f.action() == ActionKind::Promote {
            self.audit_action(sim, "done (seen in its heartbeat; the reply was lost)");
            self.advance(sim);
        }
    }

    fn advance(&mut self, sim: &mut Sim<Timer>) {
        let f = self.failover.as_mut().expect("running");
        f.step += 1;
        f.attempt = 0;
        if f.step == f.steps.len() {
            self.finish(sim, true, "completed");
        } else {
            self.begin_step(sim);
        }
    }

    fn finish(&mut self, sim: &mut Sim<Timer>, success: bool, why: &str) {
        let Some(f) = self.failover.take() else { return };
        let now = sim.now();
        sim.world.settle_into(f.target);
        // The executor looks at the target once more: it may hold the role though its
        // answer was lost on the way.
        let target = sim.world.node(f.target);
        let promoted = target.role == Role::Primary && target.term == f.term;
        if promoted {
            self.monitor.primary = Some(f.target);
            self.monitor.term = f.term;
            self.monitor.last_lease_grant = now;
        } else if let Some(granted) = f.granted {
            // The grant may still be on its way and make the target primary later: no
            // lease for anyone until the lease it carries has certainly run out.
            let until = granted + self.settings.lease + self.settings.lease_margin;
            self.monitor.leases_held_until = self.monitor.leases_held_until.max(until);
        }
        self.last_failover_end = Some(now);
        let outcome = if success { "succeeded" } else { "failed" };
        self.auditor.record(now, AuditKind::Decision, format!("failover {outcome}: {why}"));
        sim.world.record(Fact::FailoverFinished { success });
        self.last_failover = Some(f);
        self.evaluate(sim);
    }
}
