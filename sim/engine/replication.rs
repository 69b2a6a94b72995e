//! Log shipping, evaluated lazily.
//!
//! **The model.** A node that holds the primary role in term `T` ships its log to every
//! other data node every `ship_interval`: tick `k` (k >= 1) leaves at `start + k x
//! interval`, where `start` is when it took the role (or restarted holding it), and
//! carries `up_to`, the primary's log length at that moment. Each shipment is lost or
//! delayed like any message on its link, plus the receiver's `replication_lag`. At
//! arrival it is dropped if a partition blocks the link, the receiver is down, the
//! sender no longer holds the primary role in `T`, the receiver is itself primary (a
//! primary takes no orders from another: it steps down only on the monitor's word), or
//! the receiver has seen a term above `T`. Otherwise the receiver learns `T` and adopts
//! the sender's log up to `up_to`; under sync replication it acknowledges `up_to`, and
//! the acknowledgement, if it reaches the sender while it is still primary in `T`,
//! makes the writes durable once `sync_standbys` standbys hold them.
//!
//! **The evaluation.** Shipments are not events. A standby's log and term can only be
//! read, and a link's conditions (who is up, primary or writable, which links are cut,
//! slow or lossy) can only change, inside events; so the world *settles* a link (works
//! out everything that happened on it since it was last settled, up to now) before
//! anything reads the receiver or changes the link's conditions, and between two
//! settles the conditions are constant. Within such an interval only the newest
//! shipment that arrived matters to the log (shipments of one term carry growing
//! `up_to`), and every shipment sent more than the link's longest delay ago has
//! arrived unless it was lost, so a settle looks at the last few ticks instead of all
//! of them. Each tick's fate (latency, jitter, loss; and its acknowledgement's under
//! sync replication) is drawn from the link's own ChaCha stream the first time a settle
//! needs it, and kept while the shipment is in flight; ticks that never matter are
//! never drawn. The draws therefore follow the order in which settles ask for them,
//! which depends only on the run's events: deterministic, and independent of every
//! other stream.
//!
//! Within one settle, shipments into a node are applied sender by sender in ascending
//! term, so the newest term's log is the one that stays.

use super::network::{LinkDraw, Transit};
use super::random::{Concern, RunKey, Stream};
use super::time::SimTime;
use super::world::World;
use crate::model::{ReplicationMode, Role};

/// A primary's shipping: ticks at `start + k x interval`, k >= 1, in `term`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Schedule {
    pub start: SimTime,
    pub term: u32,
}

/// A shipment, or its acknowledgement, still on its way.
#[derive(Clone, Copy, Debug)]
struct InFlight {
    at: SimTime,
    term: u32,
    up_to: u64,
    /// A shipment carries the draws of the acknowledgement it will send on arrival
    /// (sync replication only).
    leg: Leg,
}

#[derive(Clone, Copy, Debug)]
enum Leg {
    Ship { ack: Option<LinkDraw> },
    Ack,
}

/// One directed link's shipping state.
#[derive(Clone, Debug, Default)]
struct Link {
    /// Everything up to this time is accounted for.
    settled: SimTime,
    /// Created at the link's first draw.
    stream: Option<Stream>,
    in_flight: Vec<InFlight>,
}

/// What a settle found on one link: the newest log position delivered and the newest
/// acknowledged, each with its term.
#[derive(Clone, Copy, Debug, Default)]
struct Found {
    ship: Option<(u32, u64)>,
    ack: Option<(u32, u64)>,
}

impl Found {
    fn ship(&mut self, term: u32, up_to: u64) {
        self.ship = Some(self.ship.map_or((term, up_to), |(t, u)| (t, u.max(up_to))));
    }

    fn ack(&mut self, term: u32, up_to: u64) {
        self.ack = Some(self.ack.map_or((term, up_to), |(t, u)| (t, u.max(up_to))));
    }
}

/// A line for the trace: at a settle, `node` adopted the log of `from` up to `up_to`
/// (or, for an acknowledgement, `from` learned that `node` holds it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shipped {
    pub at: SimTime,
    pub from: u32,
    pub node: u32,
    pub term: u32,
    pub up_to: u64,
    pub ack: bool,
}

/// Every link's shipping state.
#[derive(Clone, Debug)]
pub(super) struct Shipping {
    interval: SimTime,
    size: usize,
    pub key: RunKey,
    /// Per node, whether it holds data (a witness never receives the log).
    holds_data: Vec<bool>,
    /// Per node, its shipping while it is primary.
    pub schedules: Vec<Option<Schedule>>,
    /// Per directed link, `from * size + to`.
    links: Vec<Link>,
    /// Senders into one node, sorted by term (reused).
    senders: Vec<usize>,
    /// Settled shipments, kept only for a trace.
    pub log: Option<Vec<Shipped>>,
}

impl Shipping {
    pub fn new(holds_data: Vec<bool>, interval: SimTime, key: RunKey) -> Shipping {
        let size = holds_data.len();
        Shipping {
            interval: SimTime(interval.0.max(1)),
            size,
            key,
            holds_data,
            schedules: vec![None; size],
            links: vec![Link::default(); size * size],
            senders: Vec::with_capacity(size),
            log: None,
        }
    }

    /// Whether `from -> to` has anything to settle.
    fn busy(&self, from: usize, to: usize) -> bool {
        self.holds_data[to]
            && (self.schedules[from].is_some() || !self.links[from * self.size + to].in_flight.is_empty())
    }

    /// The index of the last tick of `schedule` at or before `t` (0: none yet).
    fn last_tick_by(&self, schedule: Schedule, t: SimTime) -> u64 {
        t.0.checked_sub(schedule.start.0).map_or(0, |d| d / self.interval.0)
    }

    fn tick_time(&self, schedule: Schedule, k: u64) -> SimTime {
        SimTime(schedule.start.0 + k * self.interval.0)
    }
}

impl World {
    /// Settles every link: log shipping is accounted for up to now everywhere.
    pub fn settle_all(&mut self) {
        for node in 0..self.nodes.len() {
            self.settle_node(node);
        }
    }

    /// Settles the links into `node`, so its log and term are as of now.
    pub fn settle_into(&mut self, node: super::NodeId) {
        self.settle_node(node.index());
    }

    /// Settles the links out of `node`, before its role, lease, clock or DNS share
    /// changes.
    pub(super) fn settle_from(&mut self, node: usize) {
        for to in 0..self.nodes.len() {
            if to != node && self.shipping.busy(node, to) {
                self.settle_link(node, to);
            }
        }
    }

    fn settle_node(&mut self, to: usize) {
        let busy = |world: &World, from: usize| from != to && world.shipping.busy(from, to);
        let mut count = 0;
        let mut only = 0;
        for from in 0..self.nodes.len() {
            if busy(self, from) {
                count += 1;
                only = from;
            }
        }
        if count <= 1 {
            // The common case: one primary ships to it, or none.
            if count == 1 {
                self.settle_link(only, to);
            }
            return;
        }
        let mut senders = std::mem::take(&mut self.shipping.senders);
        senders.clear();
        senders.extend((0..self.nodes.len()).filter(|&from| busy(self, from)));
        senders.sort_by_key(|&from| (self.nodes[from].term, from));
        for &from in &senders {
            self.settle_link(from, to);
        }
        self.shipping.senders = senders;
    }

    /// Works out what happened on `from -> to` since it was last settled, under the
    /// conditions of now (constant since then), and applies it.
    fn settle_link(&mut self, from: usize, to: usize) {
        let now = self.ledger.last;
        let size = self.shipping.size;
        let index = from * size + to;
        let since = self.shipping.links[index].settled;
        if since >= now {
            return;
        }
        self.shipping.links[index].settled = now;
        let mut found = Found::default();
        self.land_in_flight(from, to, now, &mut found);
        if let Some(schedule) = self.shipping.schedules[from] {
            self.send_ticks(from, to, schedule, since, &mut found);
        }
        self.apply(from, to, found);
    }

    /// Whether a shipment of `term` arriving now on `from -> to` is taken.
    fn takes_ship(&self, from: usize, to: usize, term: u32) -> bool {
        let (sender, receiver) = (&self.nodes[from], &self.nodes[to]);
        receiver.up
            && !self.network.blocked(from, to)
            && sender.role == Role::Primary
            && sender.term == term
            && receiver.role != Role::Primary
            && receiver.term <= term
    }

    /// Whether an acknowledgement of `term` arriving now on `to -> from` counts.
    fn takes_ack(&self, from: usize, to: usize, term: u32) -> bool {
        let sender = &self.nodes[from];
        sender.up && !self.network.blocked(to, from) && sender.role == Role::Primary && sender.term == term
    }

    fn sync(&self) -> bool {
        self.replication == ReplicationMode::Sync
    }

    /// A shipment of `term` carrying `up_to` arrives at `at` (<= now): take it, and
    /// send its acknowledgement.
    fn arrive(&mut self, from: usize, to: usize, ship: InFlight, ack: Option<LinkDraw>, found: &mut Found) {
        if !self.takes_ship(from, to, ship.term) {
            return;
        }
        found.ship(ship.term, ship.up_to);
        let Some(draw) = ack else { return };
        if let Transit::Arrives(delay) = self.network.judge(to, from, draw) {
            let at = ship.at + delay;
            if at <= self.ledger.last {
                if self.takes_ack(from, to, ship.term) {
                    found.ack(ship.term, ship.up_to);
                }
            } else {
                let link = &mut self.shipping.links[from * self.shipping.size + to];
                link.in_flight.push(InFlight { at, leg: Leg::Ack, ..ship });
            }
        }
    }

    /// Lands what was in flight and has arrived by `now`.
    fn land_in_flight(&mut self, from: usize, to: usize, now: SimTime, found: &mut Found) {
        let index = from * self.shipping.size + to;
        let mut i = 0;
        // What `arrive` sends back is pushed at the end, due after now: it stays.
        while let Some(&item) = self.shipping.links[index].in_flight.get(i) {
            if item.at > now {
                i += 1;
                continue;
            }
            self.shipping.links[index].in_flight.swap_remove(i);
            match item.leg {
                Leg::Ship { ack } => self.arrive(from, to, item, ack, found),
                Leg::Ack if self.takes_ack(from, to, item.term) => found.ack(item.term, item.up_to),
                Leg::Ack => {}
            }
        }
    }

    /// The ticks of `schedule` in (since, now] on `from -> to`.
    fn send_ticks(&mut self, from: usize, to: usize, schedule: Schedule, since: SimTime, found: &mut Found) {
        let now = self.ledger.last;
        let first = self.shipping.last_tick_by(schedule, since) + 1;
        let last = self.shipping.last_tick_by(schedule, now);
        if first > last || self.nodes[to].term > schedule.term {
            // Nothing sent, or nothing the receiver will ever take.
            return;
        }
        let sync = self.sync();
        let ship_max = self.network.max_delay(from, to) + self.ship_delay[to];
        let round_trip = if sync { ship_max + self.network.max_delay(to, from) } else { ship_max };
        // Ticks sent by then have made their whole trip by now, unless lost.
        let made_it = self.shipping.last_tick_by(schedule, now.saturating_sub(round_trip)).min(last);
        if made_it >= first && self.takes_ship(from, to, schedule.term) {
            self.settle_arrived_ticks(from, to, schedule, since, first..=made_it, found);
        }
        for k in first.max(made_it + 1)..=last {
            let sent = self.shipping.tick_time(schedule, k);
            let up_to = self.log_len_at(from, sent, since);
            let (ship, ack) = self.draw_tick(from, to, sync);
            if let Transit::Arrives(delay) = self.network.judge(from, to, ship) {
                let at = sent + delay + self.ship_delay[to];
                let item = InFlight { at, term: schedule.term, up_to, leg: Leg::Ship { ack } };
                if at <= now {
                    self.arrive(from, to, item, ack, found);
                } else {
                    self.shipping.links[from * self.shipping.size + to].in_flight.push(item);
                }
            }
        }
    }

    /// Ticks that have certainly made their trip: the newest one not lost is the one
    /// that counts (and, under sync replication, the newest whose acknowledgement was
    /// not lost either). On a link that cannot lose, that is the newest, undrawn.
    fn settle_arrived_ticks(
        &mut self,
        from: usize,
        to: usize,
        schedule: Schedule,
        since: SimTime,
        ticks: std::ops::RangeInclusive<u64>,
        found: &mut Found,
    ) {
        let sync = self.sync();
        let acks_count = sync && self.takes_ack(from, to, schedule.term);
        let lossless = self.network.lossless(from, to) && (!sync || self.network.lossless(to, from));
        let mut shipped = false;
        let mut acked = !acks_count;
        for k in ticks.rev() {
            let up_to = self.log_len_at(from, self.shipping.tick_time(schedule, k), since);
            if lossless {
                found.ship(schedule.term, up_to);
                if acks_count {
                    found.ack(schedule.term, up_to);
                }
                return;
            }
            let (ship, ack) = self.draw_tick(from, to, sync);
            if self.network.judge(from, to, ship) == Transit::Lost {
                continue;
            }
            if !shipped {
                found.ship(schedule.term, up_to);
                shipped = true;
            }
            let ack_arrives = ack.is_some_and(|a| self.network.judge(to, from, a) != Transit::Lost);
            if !acked && ack_arrives {
                found.ack(schedule.term, up_to);
                acked = true;
            }
            if shipped && acked {
                return;
            }
        }
    }

    /// The draws of one tick on `from -> to`: the shipment's, then (sync) its
    /// acknowledgement's.
    fn draw_tick(&mut self, from: usize, to: usize, sync: bool) -> (LinkDraw, Option<LinkDraw>) {
        let size = self.shipping.size;
        let key = self.shipping.key;
        let link = &mut self.shipping.links[from * size + to];
        let stream =
            link.stream.get_or_insert_with(|| Stream::keyed(&key, Concern::Shipping, (from * size + to) as u32));
        let ship = self.network.draw(from, to, stream);
        let ack = sync.then(|| self.network.draw(to, from, stream));
        (ship, ack)
    }

    /// The length of `node`'s log at `at`, a time since `since`, the last change to
    /// how it grows: the writes clients sent it in [at, now) are not in it yet.
    fn log_len_at(&self, node: usize, at: SimTime, since: SimTime) -> u64 {
        let state = &self.nodes[node];
        let len = state.log.len();
        if self.dns.map(|d| d.index()) != Some(node) || !state.writable(since) {
            return len;
        }
        let end = state.lease_end();
        len - self.ledger.writes_in(at.min(end), self.ledger.last.min(end))
    }

    /// Applies what a settle found: the receiver adopts the newest log it was sent (and
    /// learns its term); the sender counts the newest acknowledgement.
    fn apply(&mut self, from: usize, to: usize, found: Found) {
        let now = self.ledger.last;
        if let Some((term, up_to)) = found.ship {
            let (leader, follower) = pair(&mut self.nodes, from, to);
            follower.term = follower.term.max(term);
            follower.log.adopt(&leader.log, up_to);
            if let Some(log) = &mut self.shipping.log {
                log.push(Shipped { at: now, from: from as u32, node: to as u32, term, up_to, ack: false });
            }
        }
        if let Some((term, up_to)) = found.ack {
            self.acknowledge(from, to, up_to);
            if let Some(log) = &mut self.shipping.log {
                log.push(Shipped { at: now, from: from as u32, node: to as u32, term, up_to, ack: true });
            }
        }
    }
}

/// Two distinct nodes, one shared and one mutable.
fn pair<T>(items: &mut [T], shared: usize, mutable: usize) -> (&T, &mut T) {
    assert_ne!(shared, mutable, "a node does not ship to itself");
    if shared < mutable {
        let (a, b) = items.split_at_mut(mutable);
        (&a[shared], &mut b[0])
    } else {
        let (a, b) = items.split_at_mut(shared);
        (&b[0], &mut a[mutable])
    }
}

#[cfg(test)]
mod tests {
    //! Lazy settling against an eager reference, on links whose latency is fixed and
    //! that lose nothing, where every shipment's fate is known without a draw: there,
    //! when and how often a link is settled must not change what it delivers.

    use super::*;
    use crate::engine::network::{EndpointSet, LinkClass, Network};
    use crate::engine::node::{NodeId, NodeState};
    use proptest::prelude::*;

    const MS: u64 = 1_000_000;
    const LATENCY: u64 = 5 * MS;
    const INTERVAL: u64 = 100 * MS;

    /// Node 0 primary (writable until `lease_ms`, DNS on it), node 1 its standby, one
    /// write per millisecond, every link `LATENCY` long.
    fn world(mode: ReplicationMode, lease_ms: u64) -> World {
        lossy_world(mode, lease_ms, 0.0)
    }

    fn lossy_world(mode: ReplicationMode, lease_ms: u64, loss: f64) -> World {
        let nodes = vec![NodeState::new(Role::Primary), NodeState::new(Role::Secondary)];
        let network = Network::new(3, vec![LinkClass::SameSite; 9], [(LATENCY, LATENCY); 3], loss);
        let key = RunKey::of(crate::engine::Seed(1));
        let mut world = World::new(nodes, network, mode, 1, 1000.0, SimTime(INTERVAL), key);
        world.grant_lease(NodeId(0), lease_ms * MS);
        world
    }

    /// The primary's leases: the first until `first_ms`, and maybe a second granted at
    /// `regrant.0` until `regrant.1` (after a gap without a lease, or extending it).
    #[derive(Clone, Copy, Debug)]
    struct Leases {
        first_ms: u64,
        regrant: Option<(u64, u64)>,
    }

    impl Leases {
        /// Writes the primary accepted before `t` ns: one per ms while it held a lease.
        fn accepted_before(&self, t: u64) -> u64 {
            let writes = |from: u64, to: u64| to.min(t).saturating_sub(from) / MS;
            let mut ends = [(0, self.first_ms * MS), (0, 0)];
            if let Some((at, until)) = self.regrant {
                if at * MS <= self.first_ms * MS {
                    ends[0].1 = ends[0].1.max(until * MS);
                } else {
                    ends[1] = (at * MS, until * MS);
                }
            }
            ends.iter().map(|&(from, to)| writes(from, to.max(from))).sum()
        }
    }

    /// What the standby holds at `end` when shipments arriving in `(cut_from, cut_to]`
    /// are blocked, worked out tick by tick. (What arrives at the very moment of an
    /// event lands before the event: at the cut, it is through; at the heal, not yet.)
    fn eager(end: u64, cut: (u64, u64), leases: Leases) -> u64 {
        (1..)
            .map(|k| (k, k * INTERVAL + LATENCY))
            .take_while(|&(_, arrival)| arrival <= end)
            .filter(|&(_, arrival)| arrival <= cut.0 || arrival > cut.1)
            .map(|(k, _)| leases.accepted_before(k * INTERVAL))
            .max()
            .unwrap_or(0)
    }

    fn endpoints(of: &[usize]) -> EndpointSet {
        let mut set = EndpointSet::default();
        of.iter().for_each(|&e| set.insert(e));
        set
    }

    /// Stops are whole milliseconds give or take a nanosecond, so that some fall
    /// exactly on an arrival and some just either side of one. Returns the world at
    /// `end` and, for every stop that settled, the time and what the standby held.
    fn lazy(
        mode: ReplicationMode,
        stops: &[(u64, i8, bool)],
        cut: (u64, u64),
        end: u64,
        leases: Leases,
    ) -> (World, Vec<(u64, u64)>) {
        let mut world = world(mode, leases.first_ms);
        let at = |ms: u64, off: i8| (ms * MS).saturating_add_signed(i64::from(off));
        let mut times: Vec<(u64, u8)> =
            stops.iter().map(|&(ms, off, settle)| (at(ms, off), u8::from(settle))).collect();
        times.extend([(cut.0, 2), (cut.1, 3), (end, 1)]);
        if let Some((at, _)) = leases.regrant {
            times.push((at * MS, 4));
        }
        times.sort();
        let mut seen = Vec::new();
        for (t, what) in times {
            world.advance(SimTime(t));
            match what {
                1 => {
                    world.settle_into(NodeId(1));
                    seen.push((t, world.nodes[1].log.len()));
                }
                2 => world.network_mut().set_blocked(&endpoints(&[0]), &endpoints(&[1]), true),
                3 => world.network_mut().set_blocked(&endpoints(&[0]), &endpoints(&[1]), false),
                4 => world.grant_lease(NodeId(0), leases.regrant.expect("a regrant").1 * MS),
                _ => {}
            }
        }
        (world, seen)
    }

    proptest! {
        #[test]
        fn settling_early_or_late_delivers_what_shipping_tick_by_tick_does(
            stops in proptest::collection::vec((0..3_000u64, -1i8..=1, any::<bool>()), 0..40),
            cut_at in 0..3_000u64,
            cut_for in 0..800u64,
            first_ms in 0..4_000u64,
            regrant in proptest::option::of((0..3_000u64, 0..4_000u64)),
        ) {
            let end = 3_000 * MS;
            let cut = (cut_at * MS, ((cut_at + cut_for) * MS).min(end));
            let leases = Leases { first_ms, regrant };
            let (_, seen) = lazy(ReplicationMode::Async, &stops, cut, end, leases);
            for (t, held) in seen {
                prop_assert_eq!(held, eager(t, cut, leases), "at {} ns", t);
            }
        }

        #[test]
        fn sync_acknowledgements_count_once_the_round_trip_is_over(
            stops in proptest::collection::vec((0..2_000u64, -1i8..=1, any::<bool>()), 0..40),
        ) {
            let end = 2_000 * MS;
            let leases = Leases { first_ms: 10_000, regrant: None };
            let (world, _) = lazy(ReplicationMode::Sync, &stops, (0, 0), end, leases);
            // The acknowledgement of tick k is back at k x interval + 2 x latency.
            let acked = (1..)
                .take_while(|k| k * INTERVAL + 2 * LATENCY <= end)
                .map(|k| leases.accepted_before(k * INTERVAL))
                .max();
            let range = world.ledger.acked.last().expect("the primary's range");
            prop_assert_eq!(range.to, acked.unwrap_or(0));
            prop_assert_eq!(world.nodes[1].log.len(), eager(end, (0, 0), leases));
        }
    }

    #[test]
    fn on_a_lossy_link_the_standby_holds_a_shipment_that_arrived() {
        let mut world = lossy_world(ReplicationMode::Async, 100_000, 0.5);
        let (mut held, mut late) = (0, 0);
        for ms in (7..60_000).step_by(997) {
            world.advance(SimTime(ms * MS));
            world.settle_into(NodeId(1));
            let now = world.nodes[1].log.len();
            // Some tick's log, never one that cannot have arrived yet, never going back.
            let newest_arrived = (ms * MS - LATENCY) / INTERVAL * INTERVAL / MS;
            assert!(now.is_multiple_of(100) && now <= newest_arrived && now >= held, "{now} at {ms} ms");
            late += u64::from(now < newest_arrived);
            held = now;
        }
        // Half the shipments are lost, so the newest is often missing: not always.
        assert!(late > 5 && late < 55, "{late} of 61 settles behind");
        let mut lost_link = lossy_world(ReplicationMode::Async, 100_000, 1.0);
        lost_link.advance(SimTime(60_000 * MS));
        lost_link.settle_into(NodeId(1));
        assert_eq!(lost_link.nodes[1].log.len(), 0);
    }

    #[test]
    fn a_crashed_primary_still_delivers_what_it_sent() {
        let mut world = world(ReplicationMode::Async, 10_000);
        // Tick 3 leaves at 300 ms and lands at 305 ms; the primary dies in between.
        world.advance(SimTime(302 * MS));
        world.crash(NodeId(0));
        world.advance(SimTime(1_000 * MS));
        world.settle_into(NodeId(1));
        assert_eq!(world.nodes[1].log.len(), 300);
    }

    #[test]
    fn a_standby_ignores_a_primary_of_an_older_term() {
        let mut world = world(ReplicationMode::Async, 10_000);
        world.learn_term(NodeId(1), 2);
        world.advance(SimTime(1_000 * MS));
        world.settle_into(NodeId(1));
        assert_eq!(world.nodes[1].log.len(), 0);
        assert_eq!(world.nodes[1].term, 2);
    }
}
