//! How a promotion is held to a quorum: checked in the monitor's view before every
//! promote command, and confirmed by the voters at the moment the target takes the
//! role.
//!
//! Before a promote command leaves (first attempt, retry, re-plan), the executor needs
//! a quorum of voters healthy and heard from in time, the old primary aside (it does
//! not vote for its own replacement); without one it holds the command.
//!
//! That view is seconds old, and a promotion takes the target seconds (`promote_ms`):
//! a voter counted when the command left may crash or be cut off meanwhile, which the
//! monitor notices only `interval + timeout` later. So the target does not take the
//! role when it is ready: it becomes a candidate and heartbeats the monitor in the new
//! term (see `agent`). The monitor then asks every other voter but the old primary,
//! with a demote command for that term, which a standby acknowledges at once, and
//! answers the candidate's heartbeat only when a quorum (the candidate included) has
//! answered: with a lease in the new term that names it primary (the promotion), or,
//! after `timeout_ms` without a quorum, with a refusal (the attempt fails, and the
//! executor retries or re-plans as for any failed attempt). The evidence is then one
//! round trip old, not seconds. (The old primary is not asked: a demote would make it
//! step down even if the round failed and the failover were then abandoned.)
//!
//! A policy that needs no quorum (or the `no_quorum_check` mutant) grants at once.
//! What is confirmed is that the voters reach the *monitor*; a partition that cuts
//! them from the target alone is not seen, nor a voter that crashes within the round
//! trip between its answer and the grant's arrival.

use super::auditor::AuditKind;
use super::executor::Phase;
use super::quorum;
use super::standard::{Standard, Timer};
use crate::engine::{NodeId, Payload, Sim};
use crate::model::ActionKind;

/// A running confirmation of the failover's term by the voters.
#[derive(Clone, Debug)]
pub struct QuorumRound {
    /// The token of the demote commands that ask the voters, and of the round's timer.
    pub token: u32,
    /// The candidate's heartbeat the monitor will answer.
    pub seq: u32,
    pub sent_local: u64,
    /// Per node, whether it answered (the candidate counts itself).
    pub answered: Vec<bool>,
}

impl QuorumRound {
    fn count(&self) -> u32 {
        self.answered.iter().filter(|a| **a).count() as u32
    }
}

impl Standard<'_> {
    /// Whether the running failover may promote as far as the monitor's view tells: a
    /// quorum of voters, the old primary aside, healthy and heard from in time (or no
    /// quorum needed).
    pub(super) fn promotion_quorum_heard(&self) -> bool {
        let Some(f) = self.failover.as_ref() else { return false };
        !self.failover_needs_quorum() || quorum::has_quorum(self.monitor.heard_count_without(f.old), self.quorum_size())
    }

    /// No quorum in the monitor's view just before a promote command: hold it. A voter
    /// heard again resumes it at once (`resume_quorum_wait`); otherwise it is looked at
    /// again every heartbeat interval, and given up past the failover's deadline.
    pub(super) fn wait_for_quorum(&mut self, sim: &mut Sim<Timer>, already_waiting: bool) {
        let now = sim.now();
        let token = self.token();
        let f = self.failover.as_mut().expect("running");
        f.token = token;
        f.phase = Phase::QuorumWait;
        let old = f.old;
        if !already_waiting {
            let detail = format!(
                "wait for a quorum before promoting: {} of {} voters (the old primary aside) healthy and heard from, quorum {}",
                self.monitor.heard_count_without(old),
                self.cluster.voter_count(),
                self.quorum_size()
            );
            self.auditor.record(now, AuditKind::Action, detail);
        }
        sim.schedule(now + self.settings.interval, Timer::Step { token });
    }

    /// A voter was heard again: a promotion held for lack of quorum looks again now.
    pub(super) fn resume_quorum_wait(&mut self, sim: &mut Sim<Timer>) {
        if self.failover.as_ref().is_some_and(|f| f.phase == Phase::QuorumWait) && self.promotion_quorum_heard() {
            self.begin_step(sim);
        }
    }

    /// Whether a heartbeat is the failover target's candidacy: ready, while its promote
    /// step runs, to take the role in the failover's term.
    pub(super) fn is_candidacy(&self, node: NodeId, term: u32, claims_primary: bool) -> bool {
        !claims_primary
            && self.failover.as_ref().is_some_and(|f| {
                f.target == node && f.term == term && f.action() == ActionKind::Promote && f.phase == Phase::Running
            })
    }

    /// The target is ready: ask the voters (or, with no quorum needed, grant at once).
    /// A newer candidacy replaces a round still running.
    pub(super) fn on_candidacy(&mut self, sim: &mut Sim<Timer>, node: NodeId, seq: u32, sent_local: u64) {
        let token = self.token();
        let count = self.cluster.nodes.len();
        let monitor = self.monitor_endpoint();
        let f = self.failover.as_mut().expect("a candidacy belongs to a running failover");
        let (term, old) = (f.term, f.old);
        let mut answered = vec![false; count];
        answered[node.index()] = true;
        f.round = Some(QuorumRound { token, seq, sent_local, answered });
        if !self.failover_needs_quorum() {
            return self.answer_candidacy(sim, true);
        }
        // Not the old primary: a demote would make it step down even if the round
        // fails, and the failover may yet be abandoned with it as the primary.
        for voter in (0..count as u32).filter(|v| *v != node.0 && *v != old.0) {
            sim.send(monitor, voter, Payload::Command { action: ActionKind::Demote, term, token });
        }
        sim.schedule(sim.now() + self.settings.timeout, Timer::Round { token });
        self.grant_if_confirmed(sim);
    }

    /// A voter answered a round's demote command; returns whether `token` was the
    /// running round's.
    pub(super) fn on_round_answer(&mut self, sim: &mut Sim<Timer>, from: NodeId, token: u32) -> bool {
        let Some(round) = self.failover.as_mut().and_then(|f| f.round.as_mut()).filter(|r| r.token == token) else {
            return false;
        };
        round.answered[from.index()] = true;
        self.grant_if_confirmed(sim);
        true
    }

    fn grant_if_confirmed(&mut self, sim: &mut Sim<Timer>) {
        let confirmed = self.failover.as_ref().and_then(|f| f.round.as_ref()).map(QuorumRound::count);
        if confirmed.is_some_and(|c| c >= self.quorum_size()) {
            self.answer_candidacy(sim, true);
        }
    }

    /// The voters had `timeout_ms` to answer, and too few did.
    pub(super) fn on_round_timeout(&mut self, sim: &mut Sim<Timer>, token: u32) {
        let running = self.failover.as_ref().and_then(|f| f.round.as_ref()).is_some_and(|r| r.token == token);
        if running {
            self.answer_candidacy(sim, false);
        }
    }

    /// Ends the round: answers the candidate's heartbeat with its first lease, as the
    /// primary of the failover's term, or with a refusal.
    fn answer_candidacy(&mut self, sim: &mut Sim<Timer>, grant: bool) {
        let f = self.failover.as_mut().expect("a round belongs to a running failover");
        let round = f.round.take().expect("a round is running");
        let (target, term) = (f.target, f.term);
        if grant {
            f.granted = Some(sim.now());
        }
        let reply = if grant {
            Payload::HeartbeatReply {
                seq: round.seq,
                sent_local: round.sent_local,
                lease: true,
                term,
                primary: Some(target),
            }
        } else {
            let (term, primary) = (self.monitor.term, self.monitor.primary);
            Payload::HeartbeatReply { seq: round.seq, sent_local: round.sent_local, lease: false, term, primary }
        };
        sim.send(self.monitor_endpoint(), target.0, reply);
        let name = self.node_name(target);
        let (answered, voters, quorum) = (round.count(), self.cluster.voter_count(), self.quorum_size());
        let detail = match (grant, self.failover_needs_quorum()) {
            (true, false) => format!("term {term}: no quorum needed, {name} takes the primary role"),
            (true, true) => {
                format!("term {term}: {answered} of {voters} voters answered, quorum {quorum}: {name} takes the primary role")
            }
            (false, _) => format!(
                "term {term}: {answered} of {voters} voters answered in time, quorum {quorum}: {name} may not take the primary role"
            ),
        };
        self.auditor.record(sim.now(), AuditKind::Decision, detail);
    }
}
