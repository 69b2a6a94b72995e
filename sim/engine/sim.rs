//! The run loop: pops events in (time, sequence) order, keeps the client ledger up
//! to date, hands deliveries and timers to the control plane and fault steps to the
//! injector, and passes every recorded [`Fact`] to the observer (the checks).
//!
//! The loop knows no fault kind and no control-plane logic: both plug in through the
//! traits below, with static dispatch, so the per-event path has no `dyn` call.

use super::event::{Endpoint, Event, Fact, FaultStep, Message, Payload};
use super::network::Transit;
use super::queue::EventQueue;
use super::random::{Concern, RunKey, Stream};
use super::replication::Shipped;
use super::time::SimTime;
use super::world::World;
use std::fmt::Debug;

/// The draws a run's control plane and network make, one stream per concern.
pub struct Streams {
    pub network: Stream,
    pub actions: Stream,
    pub heartbeats: Stream,
}

impl Streams {
    pub fn new(key: &RunKey) -> Streams {
        Streams {
            network: Stream::keyed(key, Concern::Network, 0),
            actions: Stream::keyed(key, Concern::Actions, 0),
            heartbeats: Stream::keyed(key, Concern::Heartbeats, 0),
        }
    }
}

/// One line of a run's trace.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TraceRecord {
    pub at_ns: u64,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<u32>,
    pub detail: String,
}

/// Everything a handler may touch during one event.
pub struct Sim<T> {
    pub world: World,
    pub queue: EventQueue<Event<T>>,
    pub streams: Streams,
    /// Recorded only when asked for (replay, determinism tests): it costs allocations.
    pub trace: Option<Vec<TraceRecord>>,
    pub events: u64,
    /// The run ends here.
    pub end: SimTime,
}

impl<T> Sim<T> {
    pub fn now(&self) -> SimTime {
        self.queue.now()
    }
}

impl<T: Copy + Debug> Sim<T> {
    /// A run of `world` (which holds the run's key) until `end`.
    pub fn new(mut world: World, end: SimTime, trace: bool) -> Sim<T> {
        if trace {
            world.keep_shipments();
        }
        let streams = Streams::new(&world.key());
        Sim { world, queue: EventQueue::default(), streams, trace: trace.then(Vec::new), events: 0, end }
    }

    /// Sends a message over the simulated network.
    pub fn send(&mut self, from: Endpoint, to: Endpoint, payload: Payload) {
        let message = Message { from, to, payload };
        match self.world.network().transit(from as usize, to as usize, &mut self.streams.network) {
            Transit::Arrives(delay) => {
                let at = self.now() + delay;
                if at <= self.end {
                    self.queue.push(at, Event::Deliver(message));
                }
            }
            Transit::Lost => self.note("lost", Some(from), || format!("{message:?}")),
        }
    }

    /// Schedules a timer at `at` (dropped when past the end of the run).
    pub fn schedule(&mut self, at: SimTime, timer: T) {
        if at <= self.end {
            self.queue.push(at, Event::Timer(timer));
        }
    }

    /// Schedules a fault step at `at` (dropped when past the end of the run).
    pub fn schedule_fault(&mut self, at: SimTime, step: FaultStep) {
        if at <= self.end {
            self.queue.push(at, Event::Fault(step));
        }
    }

    /// Moves the shipments settled during the last event into the trace.
    fn note_shipments(&mut self) {
        for shipped in self.world.take_shipments() {
            let Shipped { from, node, term, up_to, ack, .. } = shipped;
            let (kind, detail) = if ack {
                ("ship_ack", format!("node {node} holds node {from}'s term {term} log up to {up_to}"))
            } else {
                ("ship", format!("from node {from}, term {term}, log up to {up_to}"))
            };
            self.note(kind, Some(node), || detail);
        }
    }

    /// Adds a line to the trace, if one is kept; `detail` is only formatted then.
    pub fn note(&mut self, kind: &'static str, node: Option<u32>, detail: impl FnOnce() -> String) {
        if let Some(trace) = &mut self.trace {
            trace.push(TraceRecord { at_ns: self.queue.now().0, kind, node, detail: detail() });
        }
    }
}

/// The system under test.
pub trait ControlPlane {
    type Timer: Copy + Debug;

    /// Schedules the first timers.
    fn start(&mut self, sim: &mut Sim<Self::Timer>);
    /// A message reached a live endpoint.
    fn on_message(&mut self, sim: &mut Sim<Self::Timer>, message: Message);
    fn on_timer(&mut self, sim: &mut Sim<Self::Timer>, timer: Self::Timer);
    /// A node or the monitor crashed or restarted (the fault injector did it).
    fn on_lifecycle(&mut self, sim: &mut Sim<Self::Timer>, fact: Fact);
}

/// The fault schedule of one run.
pub trait FaultInjector<T> {
    /// Schedules the first step of every fault.
    fn start(&mut self, sim: &mut Sim<T>);
    fn fire(&mut self, sim: &mut Sim<T>, step: FaultStep);
}

/// The checks: see every fact as it happens, with the world as it is then.
pub trait Observer<T> {
    fn observe(&mut self, sim: &Sim<T>, fact: Fact);
}

/// Why a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// It reached its end time.
    Completed,
    /// It spent its event budget before reaching its end time.
    Stuck { events: u64 },
    /// More than [`PENDING_MAX`] events were pending at once: a topology and policy
    /// that send messages far faster than the network delivers them.
    Flooded { events: u64, pending: usize },
}

/// The most events a run may have pending at once. A run is ended (and judged stuck)
/// past it, which bounds its memory (a pending event is a few dozen bytes) whatever
/// its inputs; the built-in suite's runs never have more than a few hundred.
pub const PENDING_MAX: usize = 1_000_000;

/// Runs to the end time or the event budget.
pub fn run<C, F, O>(
    sim: &mut Sim<C::Timer>,
    control: &mut C,
    faults: &mut F,
    observer: &mut O,
    event_budget: u64,
) -> Ending
where
    C: ControlPlane,
    F: FaultInjector<C::Timer>,
    O: Observer<C::Timer>,
{
    control.start(sim);
    faults.start(sim);
    let mut facts = Vec::new();
    while let Some(at) = sim.queue.peek_time() {
        if at > sim.end {
            break;
        }
        let (at, event) = sim.queue.pop().expect("peeked");
        sim.events += 1;
        if sim.events > event_budget {
            sim.world.settle_all();
            return Ending::Stuck { events: sim.events };
        }
        if sim.queue.len() > PENDING_MAX {
            sim.world.settle_all();
            return Ending::Flooded { events: sim.events, pending: sim.queue.len() };
        }
        sim.world.advance(at);
        match event {
            Event::Deliver(message) => deliver(sim, control, message),
            Event::Timer(timer) => control.on_timer(sim, timer),
            Event::Fault(step) => faults.fire(sim, step),
        }
        if sim.trace.is_some() {
            sim.note_shipments();
        }
        while !sim.world.facts.is_empty() {
            std::mem::swap(&mut facts, &mut sim.world.facts);
            for fact in facts.drain(..) {
                observer.observe(sim, fact);
                if matches!(fact, Fact::Crashed(_) | Fact::Restarted(_) | Fact::MonitorCrashed | Fact::MonitorRestarted)
                {
                    control.on_lifecycle(sim, fact);
                }
                sim.note("fact", None, || format!("{fact:?}"));
            }
        }
    }
    let end = sim.end;
    sim.world.advance(end);
    sim.world.settle_all();
    sim.note_shipments();
    Ending::Completed
}

fn deliver<C: ControlPlane>(sim: &mut Sim<C::Timer>, control: &mut C, message: Message) {
    let world = &sim.world;
    let to = message.to as usize;
    let alive = if to == world.node_count() { world.monitor_up } else { world.nodes[to].up };
    if world.network().blocked(message.from as usize, to) {
        sim.note("blocked", Some(message.to), || format!("{message:?}"));
    } else if !alive {
        sim.note("undelivered", Some(message.to), || format!("{message:?}"));
    } else {
        sim.note("deliver", Some(message.to), || format!("{message:?}"));
        control.on_message(sim, message);
    }
}
