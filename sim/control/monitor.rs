//! The heartbeat monitor and the failover decision.
//!
//! The monitor counts each node's consecutive missed heartbeat deadlines: a deadline
//! falls `interval + timeout` after the last heartbeat heard, then every `interval`;
//! `failure_threshold` misses declare the node failed, `recovery_threshold` heartbeats
//! in a row declare it healthy again. One timer watches every node's deadline (it
//! fires at the earliest one and looks at every node that is due), so a heartbeat that
//! moves a deadline costs no event. It grants the primary its lease in heartbeat
//! replies while it holds a quorum in its own view (without one the cluster is
//! CRITICAL: read-only). When it declares the primary failed it decides whether a
//! failover may start (strategy, quorum, cooldown, hourly limit) and hands the plan
//! to the executor. A failover counts on, and promotes, only voters that met their last
//! deadline: a voter gone silent but not yet declared failed is likely cut off with the
//! primary. While a failover runs, only its target (in its term) may be adopted as the
//! new primary, and seeing it claim the role in a heartbeat confirms its promotion.
//!
//! A failed flag is evidence only while the node stays silent: a primary heard from
//! within its current deadline (restarted, not yet back to `recovery_threshold`
//! heartbeats) is never failed over from.
//!
//! The monitor keeps which node is primary, in which term, and the highest term it
//! handed out in a durable state store, as a real orchestrator does: they survive a
//! monitor crash (see [`Monitor::restarted`]); its counters and lease grants do not.

use super::auditor::AuditKind;
use super::executor::Failover;
use super::planner::{self, Exclusion, NodeView, PlanRequest};
use super::quorum;
use super::standard::{Mutant, Settings, Standard, Timer};
use crate::engine::{Fact, Message, NodeId, Payload, Sim, SimTime};
use crate::model::{ClusterState, ReplicationMode, Status, Strategy};

/// What the monitor believes about one node.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeRecord {
    pub misses: u32,
    pub hits: u32,
    pub failed: bool,
    pub last_heard: Option<SimTime>,
    /// When the node is next due a check, unless a heartbeat heard since moved its
    /// deadline later (see [`NodeRecord::due`]).
    pub check_at: SimTime,
    pub position: u64,
    pub term: u32,
    pub claims_primary: bool,
}

impl NodeRecord {
    /// When the node next misses a deadline if it stays silent.
    pub fn due(&self, settings: &Settings) -> SimTime {
        let deadline = self.last_heard.map_or(SimTime::ZERO, |heard| heard + settings.interval + settings.timeout);
        self.check_at.max(deadline)
    }
}

/// The monitor's memory. `primary`, `term` and `issued_term` are durable (kept in the
/// orchestrator's state store, they survive a crash); the rest is lost when it crashes.
#[derive(Clone, Debug)]
pub struct Monitor {
    pub nodes: Vec<NodeRecord>,
    /// Durable: the node the monitor holds to be primary.
    pub primary: Option<NodeId>,
    /// Durable: the term of `primary`.
    pub term: u32,
    /// Durable: the highest term a failover has handed out (a promotion may have taken
    /// it even if the failover never finished), so no later failover reuses it.
    pub issued_term: u32,
    /// An upper bound on when the current primary's last lease began (real time).
    pub last_lease_grant: SimTime,
    /// Durable: no lease is granted before this time (a failover that ended without
    /// knowing whether its target took the role waits out the lease it may hold).
    pub leases_held_until: SimTime,
    /// Bumped at every restart, so timers of an earlier life are ignored.
    pub epoch: u32,
    /// Whether the last evaluation refused for lack of quorum (audited once).
    pub refused_for_quorum: bool,
    /// When the next `Evaluate` timer is due, if one is pending (one at a time).
    pub evaluation_due: Option<SimTime>,
}

impl Monitor {
    pub fn new(node_count: usize, primary: Option<NodeId>) -> Monitor {
        Monitor {
            nodes: vec![NodeRecord { term: 1, ..NodeRecord::default() }; node_count],
            primary,
            term: 1,
            issued_term: 1,
            last_lease_grant: SimTime::ZERO,
            leases_held_until: SimTime::ZERO,
            epoch: 0,
            refused_for_quorum: false,
            evaluation_due: None,
        }
    }

    /// The monitor after a restart at `now`: the durable state (`primary`, `term`,
    /// `issued_term`) as it was, every node record fresh (no misses, not failed, never
    /// heard), a new epoch, and, not knowing when the last lease was granted, `now` as
    /// that time.
    pub fn restarted(&self, now: SimTime) -> Monitor {
        Monitor {
            primary: self.primary,
            term: self.term,
            issued_term: self.issued_term,
            last_lease_grant: now,
            leases_held_until: self.leases_held_until,
            epoch: self.epoch + 1,
            ..Monitor::new(self.nodes.len(), None)
        }
    }

    /// Voters the monitor sees healthy.
    pub fn healthy_count(&self) -> u32 {
        self.nodes.iter().filter(|n| !n.failed).count() as u32
    }

    /// Healthy voters that also met their last heartbeat deadline: the ones a failover
    /// may count on. A voter that missed it is likely cut off with the primary (an
    /// isolated region goes silent one node after another), so it neither counts
    /// towards the quorum that lets a failover start nor is a target.
    pub fn heard_count(&self) -> u32 {
        self.nodes.iter().filter(|n| !n.failed && n.misses == 0).count() as u32
    }

    /// [`Monitor::heard_count`] without `node` (a failover's old primary, which does not
    /// vote for its own replacement).
    pub fn heard_count_without(&self, node: NodeId) -> u32 {
        let own = self.nodes[node.index()];
        self.heard_count() - u32::from(!own.failed && own.misses == 0)
    }
}

impl Standard<'_> {
    pub(super) fn quorum_size(&self) -> u32 {
        if self.is(Mutant::OffByOneQuorum) {
            (self.cluster.voter_count() / 2).max(1)
        } else {
            self.cluster.quorum_size()
        }
    }

    /// Whether the monitor sees a quorum of healthy voters.
    pub fn has_quorum(&self) -> bool {
        quorum::has_quorum(self.monitor.healthy_count(), self.quorum_size())
    }

    /// Whether a quorum of voters is healthy and heard from in time (see
    /// [`Monitor::heard_count`]): what a failover needs to start, and to promote.
    pub fn has_heard_quorum(&self) -> bool {
        quorum::has_quorum(self.monitor.heard_count(), self.quorum_size())
    }

    /// Whether a failover must hold a quorum (the policy's rule, unless the
    /// `no_quorum_check` mutant ignores it).
    pub(super) fn failover_needs_quorum(&self) -> bool {
        self.policy.needs_quorum() && !self.is(Mutant::NoQuorumCheck)
    }

    /// The cluster state in the monitor's view (CRITICAL while the monitor is down).
    pub fn cluster_state(&self, monitor_up: bool) -> ClusterState {
        if !monitor_up {
            return ClusterState::Critical;
        }
        quorum::state(self.monitor.healthy_count(), self.cluster.voter_count(), self.quorum_size())
    }

    pub(super) fn start_monitor(&mut self, sim: &mut Sim<Timer>) {
        self.watch_from(sim, sim.now());
    }

    /// Every node's first deadline falls `interval + timeout` from `now`.
    fn watch_from(&mut self, sim: &mut Sim<Timer>, now: SimTime) {
        let first = now + self.settings.interval + self.settings.timeout;
        self.monitor.nodes.iter_mut().for_each(|record| record.check_at = first);
        sim.schedule(first, Timer::Watch { epoch: self.monitor.epoch });
    }

    pub(super) fn on_heartbeat(&mut self, sim: &mut Sim<Timer>, message: Message) {
        let Payload::Heartbeat { seq, term, position, claims_primary, sent_local } = message.payload else { return };
        let reported_term = term;
        let node = NodeId(message.from);
        let now = sim.now();
        let record = &mut self.monitor.nodes[node.index()];
        *record = NodeRecord { last_heard: Some(now), position, term, claims_primary, ..*record };
        // A standby heard again after missing a deadline is a target again: a failover
        // that found no target while it was silent may go ahead now.
        let heard_again = !record.failed && record.misses > 0;
        let mut recovered = false;
        if record.failed {
            record.hits += 1;
            if record.hits >= self.settings.recovery_threshold {
                recovered = true;
                record.failed = false;
                record.misses = 0;
                sim.world.record(Fact::Declared { node, failed: false });
                self.auditor.record(now, AuditKind::Detection, format!("{} declared healthy", self.node_name(node)));
                self.evaluate(sim);
            }
        } else {
            record.misses = 0;
        }
        let unknown = self.monitor.primary.is_none() && term >= self.monitor.term;
        // During a failover only its target, in its term, may take over: a target the
        // executor abandoned must not be adopted (nor be granted leases).
        let adoptable = self.failover.as_ref().is_none_or(|f| f.target == node && f.term == term);
        if claims_primary && adoptable && (unknown || term > self.monitor.term) {
            // A higher term always wins: a promotion the monitor did not see through (its
            // failover was cut short by a crash, or ran out of time).
            self.monitor.primary = Some(node);
            self.monitor.term = term;
        }
        if self.is_candidacy(node, term, claims_primary) {
            // Answered once the voters have (see `promotion`).
            self.on_candidacy(sim, node, seq, sent_local);
        } else {
            let is_primary = self.monitor.primary == Some(node) && claims_primary && term == self.monitor.term;
            let replacing = self.failover.as_ref().is_some_and(|f| f.old == node);
            let held = now < self.monitor.leases_held_until;
            let lease =
                is_primary && !replacing && !held && !self.monitor.nodes[node.index()].failed && self.has_quorum();
            if lease {
                self.monitor.last_lease_grant = now;
            }
            let (term, primary) = (self.monitor.term, self.monitor.primary);
            // A reply carries a lease, or news of a newer term. A standby already in the
            // monitor's term would learn nothing from it, so it gets none (a node's term
            // only grows, so by the time a reply could land it would still be no news).
            if claims_primary || term > reported_term {
                sim.send(
                    self.monitor_endpoint(),
                    node.0,
                    Payload::HeartbeatReply { seq, sent_local, lease, term, primary },
                );
            }
        }
        if claims_primary {
            self.on_promotion_seen(sim, node, term);
        }
        if heard_again {
            self.evaluate(sim);
        }
        if heard_again || recovered {
            self.resume_quorum_wait(sim);
        }
    }

    /// The watch timer: every node whose deadline has passed misses it; then the timer
    /// is set for the earliest deadline to come.
    pub(super) fn on_watch(&mut self, sim: &mut Sim<Timer>, epoch: u32) {
        if epoch != self.monitor.epoch || !sim.world.monitor_up {
            return;
        }
        let now = sim.now();
        for i in 0..self.monitor.nodes.len() {
            if self.monitor.nodes[i].due(&self.settings) <= now {
                self.on_miss(sim, NodeId(i as u32));
            }
        }
        let next = self.monitor.nodes.iter().map(|record| record.due(&self.settings)).min();
        if let Some(next) = next {
            sim.schedule(next, Timer::Watch { epoch });
        }
    }

    fn on_miss(&mut self, sim: &mut Sim<Timer>, node: NodeId) {
        let now = sim.now();
        let record = &mut self.monitor.nodes[node.index()];
        record.misses += 1;
        record.hits = 0;
        record.check_at = now + self.settings.interval;
        if record.misses >= self.settings.failure_threshold && !record.failed {
            record.failed = true;
            sim.world.record(Fact::Declared { node, failed: true });
            let misses = record.misses;
            self.auditor.record(
                now,
                AuditKind::Detection,
                format!("{} declared failed after {misses} missed heartbeats", self.node_name(node)),
            );
            self.evaluate(sim);
        }
    }

    pub fn node_name(&self, node: NodeId) -> &str {
        &self.cluster.nodes[node.index()].node_id
    }

    /// Decides whether a failover away from a failed primary may start now, and
    /// starts it.
    pub(super) fn evaluate(&mut self, sim: &mut Sim<Timer>) {
        let Some(old) = self.monitor.primary else { return };
        if self.failover.is_some() || !self.monitor.nodes[old.index()].failed || !sim.world.monitor_up {
            return;
        }
        let now = sim.now();
        // A primary heard from within its deadline is alive and reaches the monitor: its
        // failed flag is left from before it came back (recovery takes
        // `recovery_threshold` heartbeats). Look again when that deadline passes, in
        // case it falls silent again.
        if let Some(deadline) = self.heard_until(old, now) {
            return self.evaluate_at(sim, deadline);
        }
        if self.failover_needs_quorum() && !self.has_heard_quorum() {
            if !self.monitor.refused_for_quorum {
                self.monitor.refused_for_quorum = true;
                let detail = format!(
                    "no failover: {} of {} voters healthy and heard from, quorum {}",
                    self.monitor.heard_count(),
                    self.cluster.voter_count(),
                    self.quorum_size()
                );
                self.auditor.record(now, AuditKind::Decision, detail);
            }
            return;
        }
        self.monitor.refused_for_quorum = false;
        if let Some(wait_until) = self.anti_flapping_wait(now) {
            return self.evaluate_at(sim, wait_until);
        }
        let plan = self.plan_from_view(old, &[]);
        match plan.failover_target_id.as_deref().and_then(|t| self.cluster.node_index(t)) {
            Some(target) => {
                self.failover_starts.push(now);
                sim.world.record(Fact::FailoverStarted { from: old });
                let detail = format!(
                    "failover {} -> {} (plan {}, {} actions)",
                    self.node_name(old),
                    plan.failover_target_id.as_deref().unwrap_or("-"),
                    plan.plan_id,
                    plan.action_count
                );
                self.auditor.record(now, AuditKind::Decision, detail);
                let token = self.token();
                let failover = Failover::new(token, old, NodeId(target as u32), plan, now, self.settings.max_failover);
                self.failover = Some(failover);
                self.begin_step(sim);
            }
            None => {
                let reason = plan.no_target_reason.unwrap_or_default();
                self.auditor.record(now, AuditKind::Decision, format!("no failover: {reason}"));
            }
        }
    }

    /// The end of `node`'s current deadline window, if the monitor heard from it and
    /// that end is still ahead of `now`.
    fn heard_until(&self, node: NodeId, now: SimTime) -> Option<SimTime> {
        let heard = self.monitor.nodes[node.index()].last_heard?;
        Some(heard + self.settings.interval + self.settings.timeout).filter(|deadline| *deadline > now)
    }

    /// Schedules an evaluation at `at`, unless one is already due by then.
    fn evaluate_at(&mut self, sim: &mut Sim<Timer>, at: SimTime) {
        let now = sim.now();
        if self.monitor.evaluation_due.is_some_and(|due| due > now && due <= at) {
            return;
        }
        self.monitor.evaluation_due = Some(at);
        sim.schedule(at, Timer::Evaluate { epoch: self.monitor.epoch });
    }

    /// When cooldown or the hourly limit allow the next failover, if not now.
    fn anti_flapping_wait(&self, now: SimTime) -> Option<SimTime> {
        if self.is(Mutant::NoCooldown) {
            return None;
        }
        let cooldown_end = self.last_failover_end.map(|end| end + self.settings.cooldown).filter(|t| *t > now);
        let hour = SimTime::from_s(3600.0);
        let recent: Vec<SimTime> = self.failover_starts.iter().copied().filter(|s| *s + hour > now).collect();
        let limit_end = (recent.len() as u32 >= self.policy.max_failovers_per_hour).then(|| recent[0] + hour);
        cooldown_end.into_iter().chain(limit_end).max()
    }

    /// The plan the monitor makes from what it believes. A node that missed its last
    /// heartbeat deadline has status `unknown` (see [`Monitor::heard_count`]); a node in
    /// `excluded` (its promotion failed in this failover) is never the target but still
    /// counts as the healthy voter it is.
    pub(super) fn plan_from_view(&self, old: NodeId, excluded: &[NodeId]) -> super::plan::Plan {
        let records = &self.monitor.nodes;
        let freshest = records
            .iter()
            .enumerate()
            .filter(|(i, r)| !r.failed && *i != old.index())
            .map(|(_, r)| r.position)
            .max()
            .unwrap_or(0);
        let reference = if self.cluster.replication.mode == ReplicationMode::Sync {
            freshest
        } else {
            freshest.max(records[old.index()].position)
        };
        let views: Vec<NodeView> = records
            .iter()
            .map(|r| {
                let status = if r.failed {
                    Status::Failed
                } else if r.misses > 0 {
                    Status::Unknown
                } else {
                    Status::Healthy
                };
                let behind = reference.saturating_sub(r.position) as f64;
                let lag_ms = if self.settings.writes_per_ms > 0.0 { behind / self.settings.writes_per_ms } else { 0.0 };
                NodeView { status, lag_ms }
            })
            .collect();
        let mut policy = self.policy.clone();
        if self.cluster.replication.mode == ReplicationMode::Sync {
            // Only a standby holding every acknowledged write may take over: the freshest.
            policy.max_lag_ms = 0.0;
        }
        if self.is(Mutant::PromoteLagging) {
            policy.max_lag_ms = f64::INFINITY;
        }
        if self.is(Mutant::NoQuorumCheck) {
            policy.require_quorum = false;
            policy.strategy = Strategy::Automatic;
        }
        let mut cluster_view;
        let cluster = if self.is(Mutant::PromoteWitness) {
            cluster_view = self.cluster.clone();
            cluster_view.nodes.iter_mut().for_each(|n| {
                if n.role == crate::model::Role::Witness {
                    n.role = crate::model::Role::Secondary
                }
            });
            &cluster_view
        } else {
            self.cluster
        };
        let exclusions: Vec<Exclusion> = excluded
            .iter()
            .map(|node| Exclusion { node: node.index(), reason: "its promotion failed in this failover" })
            .collect();
        let request = PlanRequest { cluster, policy: &policy, views: &views, failed_primary: old.index() };
        planner::plan_excluding(&request, &exclusions)
    }

    pub(super) fn on_monitor_crash(&mut self, sim: &mut Sim<Timer>) {
        if self.failover.take().is_some() {
            sim.world.record(Fact::FailoverFinished { success: false });
        }
    }

    /// A restarted monitor reads its durable state back (the primary, its term, the
    /// highest term handed out; the failover history for cooldown lives beside it in
    /// `Standard`) and starts every node's count afresh; see [`Monitor::restarted`]. So
    /// a primary that died while it was down is declared failed `F·I + T` after the
    /// restart and failed over from, like any other.
    pub(super) fn on_monitor_restart(&mut self, sim: &mut Sim<Timer>) {
        self.monitor = self.monitor.restarted(sim.now());
        self.watch_from(sim, sim.now());
    }
}
