//! The committed RG-8.5 baseline: every cell's virtual-time p95s from a gate run, so a
//! change that makes failover slower fails the gate. Written by `--update-baseline`.

use serde::{Deserialize, Serialize};

/// The baseline file's schema identifier.
pub const SCHEMA: &str = "failsim.rg8-baseline/1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub schema: String,
    /// The seeds and master seed the figures were made with: a baseline only compares
    /// with a run of the same matrix.
    pub seeds: u64,
    pub master_seed: u64,
    pub cells: Vec<BaselineCell>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineCell {
    pub scenario: String,
    pub cluster_id: String,
    pub detection_p95_ms: Option<f64>,
    pub failover_p95_ms: Option<f64>,
    pub unavailable_p95_ms: Option<f64>,
}

impl Baseline {
    pub fn cell(&self, scenario: &str, cluster_id: &str) -> Option<&BaselineCell> {
        self.cells.iter().find(|c| c.scenario == scenario && c.cluster_id == cluster_id)
    }
}
