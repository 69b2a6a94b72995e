//! What the event queue holds: message deliveries, the control plane's timers, and
//! fault steps. Payloads are small and copyable (indices and counters, never boxes),
//! so scheduling an event allocates nothing.

use super::node::NodeId;
use super::time::SimTime;
use crate::model::ActionKind;

/// The monitor's endpoint is the one after the last node.
pub type Endpoint = u32;

/// A message in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub from: Endpoint,
    pub to: Endpoint,
    pub payload: Payload,
}

/// What a message says. The vocabulary of the failover protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// Node -> monitor, every heartbeat interval: "I am alive", with what it believes.
    Heartbeat { seq: u32, term: u32, position: u64, claims_primary: bool, sent_local: u64 },
    /// Monitor -> node: the reply; `lease` grants the primary a write lease that runs
    /// from the heartbeat's send time on the node's own clock. `term` is the term the
    /// monitor knows, so a stale primary learns it was replaced.
    HeartbeatReply { seq: u32, sent_local: u64, lease: bool, term: u32, primary: Option<NodeId> },
    /// Executor -> node: carry out an action of failover `token`.
    Command { action: ActionKind, term: u32, token: u32 },
    /// Node -> executor: the action of `token` is done, or failed.
    CommandDone { action: ActionKind, token: u32, ok: bool },
}

/// A fault's step: which fault of the schedule, and which of its steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultStep {
    pub fault: u16,
    pub step: u16,
}

/// One scheduled event; `T` is the control plane's timer type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<T> {
    Deliver(Message),
    Timer(T),
    Fault(FaultStep),
}

/// What happened, told by the world and the control plane for the checks and the
/// trace. Appended during an event, drained after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    Crashed(NodeId),
    Restarted(NodeId),
    MonitorCrashed,
    MonitorRestarted,
    /// A node took the primary role in `term`.
    Promoted {
        node: NodeId,
        term: u32,
    },
    /// A node gave up the primary role.
    Demoted(NodeId),
    /// A primary's write lease was set or extended.
    LeaseGranted(NodeId),
    /// Clients are now routed to this node.
    DnsFlipped(NodeId),
    /// A node accepted its first client write of `term`, at `at` (noticed at the next
    /// event, so `at` may be earlier than the fact).
    FirstWrite {
        node: NodeId,
        term: u32,
        at: SimTime,
    },
    /// The monitor declared a node failed (`true`) or healthy again (`false`).
    Declared {
        node: NodeId,
        failed: bool,
    },
    /// The executor started a failover away from `from`.
    FailoverStarted {
        from: NodeId,
    },
    /// The executor finished a failover (successfully or not).
    FailoverFinished {
        success: bool,
    },
    /// The verifier's verdict on the last failover.
    Verified {
        passed: bool,
    },
    /// An action attempt failed.
    ActionFailed {
        action: ActionKind,
    },
}
