//! The auditor: every control-plane decision and action, appended in order.
//!
//! Recording is cheap (no hashing on the run's path); the hash chain and the action
//! manifest are computed when the log is sealed into an audit pack (`audit_pack`).

use crate::engine::SimTime;
use serde::{Deserialize, Serialize};

/// What an audit entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// The monitor changed its view of a node (declared failed or healthy).
    Detection,
    /// A decision: start a failover, or refuse one and why.
    Decision,
    /// An executor action attempt and its outcome.
    Action,
    /// The verifier's report.
    Verification,
}

/// One entry, before sealing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u32,
    /// Virtual time, in nanoseconds since the run began.
    pub at_ns: u64,
    pub kind: AuditKind,
    pub detail: String,
}

/// The run's audit log.
#[derive(Clone, Debug, Default)]
pub struct Auditor {
    pub entries: Vec<AuditEntry>,
}

impl Auditor {
    pub fn record(&mut self, at: SimTime, kind: AuditKind, detail: String) {
        let seq = self.entries.len() as u32;
        self.entries.push(AuditEntry { seq, at_ns: at.0, kind, detail });
    }
}
