//! The runner: one seeded run end to end (`single`), and its identity and replay
//! command. The matrix over scenarios, topologies and seeds builds on it, and so does
//! the hunt for a failing seed (`hunt`), over given scenarios or drawn ones (`swarm`).

pub mod aggregate;
pub mod execution;
pub mod hunt;
pub mod matrix;
pub mod progress;
pub mod replay;
pub mod runset;
pub mod sample;
pub mod shrink;
pub mod signature;
pub mod single;
pub mod swarm;

pub use single::{run, RunOutcome, RunRequest};
