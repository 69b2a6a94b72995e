//! Checks: the invariants, judged from the true world state as each fact happens
//! (never from what the control plane believes), and the per-run metrics.

mod invariants;
mod metrics;

pub use invariants::{Checker, Invariant, Violation};
pub use metrics::Metrics;
