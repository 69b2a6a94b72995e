//! The node agent: what runs on every node. It heartbeats the monitor, keeps its
//! write lease from the replies, and carries out the executor's commands (log
//! shipping is the world's: see `engine::replication`):
//!
//! - demote: a primary steps down (a sampled `demote_ms`); a node that is not primary
//!   has nothing to do and acknowledges at once (which is how the executor learns,
//!   just before a promotion, which voters are up and reachable: see `promotion`);
//! - promote: the node prepares (a sampled `promote_ms`), then becomes a *candidate*:
//!   it heartbeats the monitor at once, in the new term, and takes the primary role
//!   only when the reply to that heartbeat grants it a lease in that term (the monitor
//!   grants it once a quorum of voters has answered); a refusal fails the attempt;
//! - verify: a node confirms it is primary in the failover's term, and stays silent
//!   when it is not.
//!
//! A lease runs from the moment the node *sent* the heartbeat that earned it, on the
//! node's own clock: the monitor, which only knows when it received the heartbeat,
//! can then bound the lease's end from above. A candidate's first lease is no
//! exception.

use super::standard::{Mutant, Standard, Timer};
use crate::engine::{Message, NodeId, Payload, Sim, SimTime};
use crate::model::{ActionKind, Role};

/// A node ready to take the primary role in `term`, waiting for the monitor's answer to
/// its heartbeat `seq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidacy {
    /// The incarnation it belongs to (a restart voids it).
    pub life: u32,
    pub term: u32,
    /// The promote command's token, for the reply to the executor.
    pub token: u32,
    pub seq: u32,
}

impl Standard<'_> {
    /// Schedules every node's first heartbeat (at a random offset within one interval)
    /// and grants the primary its initial lease.
    pub(super) fn start_agents(&mut self, sim: &mut Sim<Timer>) {
        let interval = self.settings.interval.0;
        for i in 0..sim.world.node_count() {
            let node = NodeId(i as u32);
            let offset = SimTime(sim.streams.heartbeats.below(interval.max(1)));
            sim.schedule(offset, Timer::Heartbeat { node, life: 0 });
        }
        if let Some(primary) = sim.world.primary() {
            let local = sim.world.node(primary).clock.local(SimTime::ZERO);
            sim.world.grant_lease(primary, local + self.settings.lease.0);
        }
    }

    fn jittered_interval(&self, sim: &mut Sim<Timer>) -> SimTime {
        let spread = self.settings.jitter_percent / 100.0 * (2.0 * sim.streams.heartbeats.unit() - 1.0);
        SimTime::from_ms(self.settings.interval.as_ms() * (1.0 + spread))
    }

    pub(super) fn on_heartbeat_timer(&mut self, sim: &mut Sim<Timer>, node: NodeId, life: u32) {
        let state = sim.world.node(node);
        if !state.up || state.incarnation != life {
            return;
        }
        let term = state.term;
        self.send_heartbeat(sim, node, term);
        let next = sim.now() + self.jittered_interval(sim);
        sim.schedule(next, Timer::Heartbeat { node, life });
    }

    /// Sends the monitor a heartbeat that reports `term` (the node's own, or the term a
    /// candidate is ready to take); returns its sequence number.
    fn send_heartbeat(&mut self, sim: &mut Sim<Timer>, node: NodeId, term: u32) -> u32 {
        sim.world.settle_into(node);
        let state = sim.world.node(node);
        let seq = self.heartbeat_seq[node.index()];
        self.heartbeat_seq[node.index()] += 1;
        let payload = Payload::Heartbeat {
            seq,
            term,
            position: state.log.len(),
            claims_primary: state.role == Role::Primary,
            sent_local: state.clock.local(sim.now()),
        };
        sim.send(node.0, self.monitor_endpoint(), payload);
        seq
    }

    /// A message reaches a node. (A standby may have learned a newer term from the log
    /// since it last looked; the handlers that compare terms settle shipping first, or
    /// go through `World::learn_term`, which does.)
    pub(super) fn on_node_message(&mut self, sim: &mut Sim<Timer>, node: NodeId, message: Message) {
        match message.payload {
            Payload::HeartbeatReply { sent_local, lease, term, primary, .. } => {
                if !self.on_candidacy_answer(sim, node, message.payload) {
                    self.on_reply(sim, node, sent_local, lease, term, primary)
                }
            }
            Payload::Command { action: ActionKind::Demote, token, .. }
                if sim.world.node(node).role != Role::Primary =>
            {
                // Nothing to step down from: acknowledge at once.
                let payload = Payload::CommandDone { action: ActionKind::Demote, token, ok: true };
                sim.send(node.0, self.monitor_endpoint(), payload);
            }
            Payload::Command { action, term, token } => {
                let life = sim.world.node(node).incarnation;
                let duration = self.action_duration(sim, action, node);
                sim.schedule(sim.now() + duration, Timer::NodeAction { node, life, action, token, term });
            }
            Payload::Heartbeat { .. } | Payload::CommandDone { .. } => {}
        }
    }

    fn on_reply(
        &mut self,
        sim: &mut Sim<Timer>,
        node: NodeId,
        sent_local: u64,
        lease: bool,
        term: u32,
        primary: Option<NodeId>,
    ) {
        let state = sim.world.node(node);
        let replaced = primary.is_some_and(|p| p != node) && term >= state.term;
        if state.role == Role::Primary && (term > state.term || replaced) {
            sim.world.demote(node, term);
        } else if lease && state.role == Role::Primary && term == state.term {
            sim.world.grant_lease(node, sent_local + self.settings.lease.0);
        } else if term > state.term {
            sim.world.learn_term(node, term);
        }
    }

    /// How long a node takes to carry out an action, drawn from the actions stream.
    fn action_duration(&self, sim: &mut Sim<Timer>, action: ActionKind, node: NodeId) -> SimTime {
        let actions = &self.policy.actions;
        let (range, factor) = match action {
            ActionKind::Promote => (actions.promote_ms, self.cluster.nodes[node.index()].redundancy.promote_factor()),
            ActionKind::Demote => (actions.demote_ms, 1.0),
            ActionKind::Verify => (actions.verify_ms, 1.0),
            _ => (actions.notify_ms, 1.0),
        };
        SimTime::from_ms(range.at(sim.streams.actions.unit()) * factor)
    }

    pub(super) fn on_node_action(
        &mut self,
        sim: &mut Sim<Timer>,
        node: NodeId,
        life: u32,
        action: ActionKind,
        token: u32,
        term: u32,
    ) {
        sim.world.settle_into(node);
        let state = sim.world.node(node);
        if !state.up || state.incarnation != life {
            return;
        }
        // A node confirms a verification only as the primary of that term; otherwise it
        // has nothing to confirm, and the executor's timeout speaks for it.
        let primary_in_term = state.role == Role::Primary && state.term == term;
        if action == ActionKind::Verify && !primary_in_term {
            return;
        }
        let failure_rate = sim.world.action_failure[action as usize];
        let mut ok = !sim.streams.actions.chance(failure_rate);
        // A promotion to a term the node has seen passed is stale (the executor has
        // re-planned since): refuse it. A retried promotion it already carried out
        // (the reply was lost) is done.
        let promoted_already = primary_in_term;
        if action == ActionKind::Promote && state.term > term {
            ok = false;
        }
        if ok {
            match action {
                ActionKind::Promote if promoted_already => {}
                ActionKind::Promote => {
                    // Ready: ask the monitor for the role; its answer decides the reply.
                    let seq = self.send_heartbeat(sim, node, term);
                    self.candidacy[node.index()] = Some(Candidacy { life, term, token, seq });
                    return;
                }
                ActionKind::Demote => sim.world.demote(node, term),
                _ => {}
            }
        }
        sim.send(node.0, self.monitor_endpoint(), Payload::CommandDone { action, token, ok });
    }

    /// The monitor's answer to a candidate's heartbeat: a lease in the candidate's term,
    /// naming it primary, makes it primary (the lease running from that heartbeat's
    /// send time); anything else is a refusal. Either way the executor hears of it.
    /// Returns whether `reply` answered a candidacy.
    fn on_candidacy_answer(&mut self, sim: &mut Sim<Timer>, node: NodeId, reply: Payload) -> bool {
        let Payload::HeartbeatReply { seq, sent_local, lease, term, primary } = reply else { return false };
        let Some(candidacy) = self.candidacy[node.index()].filter(|c| c.seq == seq) else { return false };
        self.candidacy[node.index()] = None;
        sim.world.settle_into(node);
        let (life, own_term) = (sim.world.node(node).incarnation, sim.world.node(node).term);
        if life != candidacy.life {
            return false;
        }
        let granted = lease && term == candidacy.term && primary == Some(node) && own_term <= candidacy.term;
        if granted {
            sim.world.promote(node, candidacy.term, sent_local + self.settings.lease.0);
        }
        let done = Payload::CommandDone { action: ActionKind::Promote, token: candidacy.token, ok: granted };
        sim.send(node.0, self.monitor_endpoint(), done);
        true
    }

    /// A restarted node resumes heartbeating. A restarted primary (which the world has
    /// resumed shipping) has lost its lease, so it accepts no writes until the monitor
    /// grants one, unless the `stale_primary_rejoin` mutant lets it assume one.
    pub(super) fn on_node_restart(&mut self, sim: &mut Sim<Timer>, node: NodeId) {
        self.candidacy[node.index()] = None;
        let (life, role) = (sim.world.node(node).incarnation, sim.world.node(node).role);
        sim.schedule(sim.now(), Timer::Heartbeat { node, life });
        if role == Role::Primary && self.is(Mutant::StalePrimaryRejoin) {
            let local = sim.world.node(node).clock.local(sim.now());
            sim.world.grant_lease(node, local + self.settings.lease.0);
        }
    }
}
