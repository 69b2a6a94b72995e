//! The control plane under test: the seeds' continuity system (heartbeat monitor,
//! quorum, planner, executor, verifier, auditor), as `Standard`, behind the engine's
//! `ControlPlane` trait so that variants (mutants, users' own orchestrators) run
//! under the same harness.
//!
//! It sees the world only through events and changes it only through the world's
//! methods; the checks judge it from ground truth, never from what it believes.

pub mod agent;
pub mod audit_pack;
pub mod auditor;
pub mod executor;
pub mod manual;
pub mod monitor;
pub mod plan;
pub mod planner;
pub mod promotion;
pub mod quorum;
pub mod standard;
pub mod verifier;
