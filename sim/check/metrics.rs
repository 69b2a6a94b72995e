//! Per-run metrics, in virtual time unless said. A metric that does not apply to a
//! run (no fault, no failover) is `None` and serializes as null.

use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// First fault to the monitor declaring the primary failed.
    pub detection_ms: Option<f64>,
    /// First fault to the first client write accepted by a new primary (the RTO).
    pub failover_ms: Option<f64>,
    /// Time during which clients had no writable node to write to.
    pub unavailable_ms: f64,
    /// Acknowledged writes missing from the final primary's log.
    pub lost_writes: u64,
    /// The span of client traffic those writes represent.
    pub data_loss_ms: f64,
    pub failovers: u32,
    /// Failovers started while the primary was up and reachable from a quorum.
    pub false_failovers: u32,
    pub actions_failed: u32,
    /// Events the run processed.
    pub events: u64,
    /// Nodes promoted, in order (reported beside the metrics, as `promoted`).
    #[serde(skip)]
    pub failovers_promoted: Vec<String>,
}
