//! The discrete-event engine: virtual time, the event queue, seeded random streams,
//! the simulated network, nodes and world, and the run loop.
//!
//! Knows nothing of fault kinds or of the failover logic: faults and the control
//! plane plug in through the traits of `sim`. Reads no wall clock and no OS
//! randomness; iterates no hash map.

pub mod event;
pub mod network;
pub mod node;
pub mod queue;
pub mod random;
pub mod replication;
pub mod sim;
pub mod time;
pub mod world;

pub use event::{Endpoint, Event, Fact, FaultStep, Message, Payload};
pub use node::{NodeId, NodeState};
pub use random::{derive_seed, Seed, Stream};
pub use sim::{ControlPlane, Ending, FaultInjector, Observer, Sim};
pub use time::SimTime;
pub use world::World;
