//! The control plane under test: the seeds' continuity system (heartbeat monitor,
//! quorum, planner, executor, verifier, auditor).
//!
//! So far its pure parts: quorum and cluster state, and the planner.

pub mod plan;
pub mod planner;
pub mod quorum;
