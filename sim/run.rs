//! The runner: one seeded run end to end (`single`), and its identity and replay
//! command. The matrix over scenarios, topologies and seeds builds on it.

pub mod aggregate;
pub mod execution;
pub mod matrix;
pub mod replay;
pub mod sample;
pub mod signature;
pub mod single;

pub use single::{run, RunOutcome, RunRequest};
