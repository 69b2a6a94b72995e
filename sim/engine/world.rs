//! The world: every node's true state, the monitor's liveness, the network, DNS, log
//! shipping, and the client workload's ledger. The control plane and the faults change
//! it only through methods here; those that change what the checks judge (crashes,
//! roles, leases, DNS, writes) record a [`Fact`]. Log shipping changes logs, terms and
//! acknowledgements without one: it is settled lazily (see `replication`), and every
//! method that changes what shipping depends on settles the links concerned first.
//!
//! The workload is counted analytically: the ledger is brought up to date before
//! every event, crediting writes at `writes_per_s` to the node DNS points at for the
//! part of the interval it was writable, and unavailability for the rest. No event is
//! spent on a single write.

use super::event::Fact;
use super::network::Network;
use super::node::{NodeId, NodeState};
use super::random::RunKey;
use super::replication::{Schedule, Shipped, Shipping};
use super::time::SimTime;
use crate::model::{ReplicationMode, Role};

/// The writes of one term that clients were told are durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckedRange {
    pub term: u32,
    pub node: NodeId,
    /// Log indices (from, to] were acknowledged.
    pub from: u64,
    pub to: u64,
}

/// Client writes, accepted and acknowledged, and time without a writable target.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// Writes per 1000 s, so that `floor(t_ns * rate / 1e12)` counts writes exactly.
    rate_per_ks: u128,
    /// The same count by one u64 division, when the write interval is whole nanoseconds.
    ns_per_write: Option<u64>,
    pub(super) last: SimTime,
    pub accepted: u64,
    pub unavailable: SimTime,
    pub acked: Vec<AckedRange>,
    /// The (node, term) that accepted the latest write.
    last_writer: Option<(NodeId, u32)>,
    /// `writes_until` at the end of the last credited interval.
    cached_count: Option<(SimTime, u64)>,
}

impl Ledger {
    fn new(writes_per_s: f64) -> Ledger {
        let rate_per_ks = (writes_per_s * 1000.0).round().max(0.0) as u128;
        // floor(t * r / 1e12) equals floor(t / (1e12 / r)) when 1e12 / r is whole.
        let ns_per_write =
            (rate_per_ks > 0 && 1_000_000_000_000 % rate_per_ks == 0).then(|| (1_000_000_000_000 / rate_per_ks) as u64);
        Ledger { rate_per_ks, ns_per_write, ..Ledger::default() }
    }

    /// Writes arriving in [from, to).
    pub fn writes_in(&self, from: SimTime, to: SimTime) -> u64 {
        self.writes_until(to) - self.writes_until(from)
    }

    /// When write number `n` (from 1) arrives: the first `t` with `writes_until(t) >= n`.
    fn arrival_of(&self, n: u64) -> SimTime {
        match self.ns_per_write {
            Some(ns) => SimTime(n * ns),
            None => SimTime((u128::from(n) * 1_000_000_000_000).div_ceil(self.rate_per_ks.max(1)) as u64),
        }
    }

    fn writes_until(&self, t: SimTime) -> u64 {
        match self.ns_per_write {
            Some(ns) => t.0 / ns,
            None => (u128::from(t.0) * self.rate_per_ks / 1_000_000_000_000) as u64,
        }
    }

    /// Writes arriving in [from, to), remembering the count at `to` so that the next
    /// interval, which usually starts there, costs one division instead of two.
    fn writes_between(&mut self, from: SimTime, to: SimTime) -> u64 {
        let at_from = match self.cached_count {
            Some((t, count)) if t == from => count,
            _ => self.writes_until(from),
        };
        let at_to = self.writes_until(to);
        self.cached_count = Some((to, at_to));
        at_to - at_from
    }
}

/// The world of one run.
#[derive(Clone, Debug)]
pub struct World {
    pub nodes: Vec<NodeState>,
    pub monitor_up: bool,
    pub(super) network: Network,
    /// The node clients are routed to.
    pub dns: Option<NodeId>,
    pub replication: ReplicationMode,
    pub sync_standbys: u32,
    pub ledger: Ledger,
    /// Facts of the current event, drained by the checks after it.
    pub facts: Vec<Fact>,
    /// Extra delay on log shipping to each node (replication_lag faults).
    pub(super) ship_delay: Vec<SimTime>,
    /// Probability that an attempt of each action fails (action_failure faults),
    /// indexed by `ActionKind as usize`.
    pub action_failure: [f64; 7],
    /// Per primary and standby (`primary * n + standby`), the highest position the
    /// standby has acknowledged to it in its current term.
    acks: Vec<u64>,
    scratch: Vec<u64>,
    pub(super) shipping: Shipping,
}

impl World {
    pub fn new(
        nodes: Vec<NodeState>,
        network: Network,
        replication: ReplicationMode,
        sync_standbys: u32,
        writes_per_s: f64,
        ship_interval: SimTime,
        key: RunKey,
    ) -> World {
        let count = nodes.len();
        let primary = nodes.iter().position(|n| n.role == Role::Primary).map(|i| NodeId(i as u32));
        let holds_data = nodes.iter().map(|n| n.role != Role::Witness).collect();
        let mut shipping = Shipping::new(holds_data, ship_interval, key);
        if let Some(p) = primary.filter(|p| nodes[p.index()].up) {
            shipping.schedules[p.index()] = Some(Schedule { start: SimTime::ZERO, term: nodes[p.index()].term });
        }
        let ledger = Ledger::new(writes_per_s);
        let mut world = World {
            nodes,
            monitor_up: true,
            network,
            dns: primary,
            replication,
            sync_standbys,
            ledger,
            facts: Vec::new(),
            ship_delay: vec![SimTime::ZERO; count],
            action_failure: [0.0; 7],
            acks: vec![0; count * count],
            scratch: Vec::with_capacity(count),
            shipping,
        };
        if let Some(p) = primary {
            world.open_acked_range(p);
        }
        world
    }

    pub fn node(&self, id: NodeId) -> &NodeState {
        &self.nodes[id.index()]
    }

    /// The run's key, from which every stream of the run is drawn.
    pub fn key(&self) -> RunKey {
        self.shipping.key
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The network, to cut, slow or degrade links: every link is settled first.
    pub fn network_mut(&mut self) -> &mut Network {
        self.settle_all();
        &mut self.network
    }

    /// Keeps every settled shipment for the trace.
    pub fn keep_shipments(&mut self) {
        self.shipping.log = Some(Vec::new());
    }

    /// The shipments settled since the last call (empty unless kept).
    pub fn take_shipments(&mut self) -> Vec<Shipped> {
        self.shipping.log.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The extra delay on shipments to `node`.
    pub fn ship_delay(&self, node: NodeId) -> SimTime {
        self.ship_delay[node.index()]
    }

    /// Sets the extra delay on shipments to `node` (replication_lag).
    pub fn set_ship_delay(&mut self, node: NodeId, delay: SimTime) {
        self.settle_into(node);
        self.ship_delay[node.index()] = delay;
    }

    /// From now on `node`'s clock runs at `rate_ppm` millionths of real time.
    pub fn set_clock_rate(&mut self, node: NodeId, rate_ppm: u64) {
        let now = self.ledger.last;
        // Its lease ends at another real time: its share of the writes changes.
        self.settle_from(node.index());
        self.nodes[node.index()].clock.set_rate(now, rate_ppm);
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The monitor's endpoint index.
    pub fn monitor_endpoint(&self) -> u32 {
        self.nodes.len() as u32
    }

    pub fn record(&mut self, fact: Fact) {
        self.facts.push(fact);
    }

    /// Brings the client ledger up to `now`. Called before every event.
    pub fn advance(&mut self, now: SimTime) {
        let last = self.ledger.last;
        if now <= last {
            return;
        }
        let writable_end = match self.dns {
            Some(d) if self.nodes[d.index()].writable(last) => self.nodes[d.index()].lease_end().min(now),
            _ => last,
        };
        if writable_end > last {
            let d = self.dns.expect("writable implies a target");
            let count = self.ledger.writes_between(last, writable_end);
            if count > 0 {
                let term = self.nodes[d.index()].term;
                self.nodes[d.index()].log.append(term, count);
                self.ledger.accepted += count;
                if self.ledger.last_writer != Some((d, term)) {
                    self.ledger.last_writer = Some((d, term));
                    // Noticed now; it happened at the first write of the interval.
                    let at = self.ledger.arrival_of(self.ledger.writes_until(last) + 1);
                    self.facts.push(Fact::FirstWrite { node: d, term, at });
                }
                if self.replication == ReplicationMode::Async {
                    let end = self.nodes[d.index()].log.len();
                    self.extend_acked(d, term, end);
                }
            }
        }
        self.ledger.unavailable = self.ledger.unavailable + (now - writable_end);
        self.ledger.last = now;
    }

    fn open_acked_range(&mut self, node: NodeId) {
        let state = &self.nodes[node.index()];
        let start = state.log.len();
        self.ledger.acked.push(AckedRange { term: state.term, node, from: start, to: start });
        let n = self.nodes.len();
        self.acks[node.index() * n..(node.index() + 1) * n].fill(0);
    }

    fn extend_acked(&mut self, node: NodeId, term: u32, to: u64) {
        if let Some(range) = self.ledger.acked.iter_mut().rev().find(|r| r.node == node && r.term == term) {
            range.to = range.to.max(to);
        }
    }

    pub fn crash_monitor(&mut self) {
        if self.monitor_up {
            self.monitor_up = false;
            self.facts.push(Fact::MonitorCrashed);
        }
    }

    pub fn restart_monitor(&mut self) {
        if !self.monitor_up {
            self.monitor_up = true;
            self.facts.push(Fact::MonitorRestarted);
        }
    }

    /// The node that holds the primary role in the highest term, if any is up.
    pub fn primary(&self) -> Option<NodeId> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.up && n.role == Role::Primary)
            .max_by_key(|(i, n)| (n.term, std::cmp::Reverse(*i)))
            .map(|(i, _)| NodeId(i as u32))
    }

    pub fn crash(&mut self, node: NodeId) {
        if !self.nodes[node.index()].up {
            return;
        }
        self.settle_around(node);
        self.nodes[node.index()].up = false;
        self.shipping.schedules[node.index()] = None;
        self.facts.push(Fact::Crashed(node));
    }

    /// Restarts a node with a fresh incarnation; it keeps its log, role and term (its
    /// lease is gone: it must be granted a new one). A node that still believes it is
    /// primary resumes shipping.
    pub fn restart(&mut self, node: NodeId) {
        if self.nodes[node.index()].up {
            return;
        }
        self.settle_around(node);
        let now = self.ledger.last;
        let state = &mut self.nodes[node.index()];
        state.up = true;
        state.incarnation += 1;
        state.lease_until_local = 0;
        if state.role == Role::Primary {
            self.shipping.schedules[node.index()] = Some(Schedule { start: now, term: state.term });
        }
        self.facts.push(Fact::Restarted(node));
    }

    /// The node takes the primary role in `term`, with a lease until `lease_until_local`,
    /// and starts shipping.
    pub fn promote(&mut self, node: NodeId, term: u32, lease_until_local: u64) {
        // The checks read every log on a promotion.
        self.settle_all();
        let now = self.ledger.last;
        let state = &mut self.nodes[node.index()];
        state.role = Role::Primary;
        state.term = term;
        state.lease_until_local = lease_until_local;
        self.shipping.schedules[node.index()] = Some(Schedule { start: now, term });
        self.open_acked_range(node);
        self.facts.push(Fact::Promoted { node, term });
        self.facts.push(Fact::LeaseGranted(node));
    }

    /// The node steps down to secondary, learning `term`.
    pub fn demote(&mut self, node: NodeId, term: u32) {
        self.settle_around(node);
        let state = &mut self.nodes[node.index()];
        if state.role == Role::Primary {
            state.role = Role::Secondary;
            state.lease_until_local = 0;
            self.shipping.schedules[node.index()] = None;
            self.facts.push(Fact::Demoted(node));
        }
        state.term = state.term.max(term);
    }

    /// The node learns that `term` has begun (from the monitor's word).
    pub fn learn_term(&mut self, node: NodeId, term: u32) {
        if term <= self.nodes[node.index()].term {
            return;
        }
        self.settle_around(node);
        let state = &mut self.nodes[node.index()];
        // Shipping may have taught it a newer term still.
        state.term = state.term.max(term);
        // A primary that learns of a newer term no longer ships in its own.
        if state.role == Role::Primary {
            self.shipping.schedules[node.index()] = None;
        }
    }

    /// Extends a primary's lease to `until_local` on its own clock.
    pub fn grant_lease(&mut self, node: NodeId, until_local: u64) {
        if until_local > self.nodes[node.index()].lease_until_local {
            // Shipping reads the primary's past growth from its current lease: that is
            // only wrong if the lease had run out (a gap without writes) and clients
            // write to it.
            let now = self.ledger.last;
            if self.dns == Some(node) && !self.nodes[node.index()].writable(now) {
                self.settle_from(node.index());
            }
            self.nodes[node.index()].lease_until_local = until_local;
            self.facts.push(Fact::LeaseGranted(node));
        }
    }

    pub fn flip_dns(&mut self, node: NodeId) {
        if let Some(old) = self.dns {
            self.settle_from(old.index());
        }
        self.settle_from(node.index());
        self.dns = Some(node);
        self.facts.push(Fact::DnsFlipped(node));
    }

    /// Settles the links into and out of `node`, before it changes.
    fn settle_around(&mut self, node: NodeId) {
        self.settle_into(node);
        self.settle_from(node.index());
    }

    /// Under sync replication, `primary` learns that `standby` holds its log to
    /// `position`; writes held by `sync_standbys` standbys become acknowledged.
    pub(super) fn acknowledge(&mut self, primary: usize, standby: usize, position: u64) {
        let n = self.nodes.len();
        let row = &mut self.acks[primary * n..(primary + 1) * n];
        row[standby] = row[standby].max(position);
        self.scratch.clear();
        self.scratch.extend(row.iter().enumerate().filter(|(i, _)| *i != primary).map(|(_, a)| *a));
        let k = self.sync_standbys.max(1) as usize;
        if self.scratch.len() >= k {
            self.scratch.sort_unstable_by(|a, b| b.cmp(a));
            let durable = self.scratch[k - 1].min(self.nodes[primary].log.len());
            let term = self.nodes[primary].term;
            self.extend_acked(NodeId(primary as u32), term, durable);
        }
    }

    /// How many voters are up.
    pub fn up_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.up).count()
    }
}
