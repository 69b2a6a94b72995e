//! The gate's configuration: which scenarios RG-8.3 runs and with how many seeds, the
//! performance thresholds of RG-8.5, extra input files RG-8.1 must find valid, and
//! extra audit packs RG-8.4 must find intact.
//! Every field has a built-in default; a config file (YAML or JSON) overrides them.

use crate::model::{load::Validate, Problems};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GateConfig {
    /// Scenarios of the failover-validity suite (RG-8.3); empty: every built-in.
    pub scenarios: Vec<String>,
    /// Runs per (scenario, topology) in RG-8.3.
    pub seeds: u64,
    pub master_seed: u64,
    /// Topology, policy or scenario files RG-8.1 checks besides the built-ins.
    pub extra_inputs: Vec<String>,
    /// Audit pack files (JSON, as `failsim audit verify` reads them) RG-8.4 must find
    /// intact besides the suite's own.
    pub audit_packs: Vec<String>,
    pub performance: Performance,
}

/// RG-8.5's thresholds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Performance {
    /// Scenarios whose virtual-time p95s must stay within the thresholds below. Left
    /// out: `primary_failure`, when the suite runs it; named: each must be in the suite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenarios: Option<Vec<String>>,
    pub detection_p95_s: f64,
    pub failover_p95_s: f64,
    pub unavailable_p95_s: f64,
    /// Regression allowed against the baseline, per p95, in percent (the figures are
    /// deterministic, so this can be tight).
    pub tolerance_percent: f64,
    /// Wall-clock p95 of one simulated failover run must stay under this (seed: 100 ms).
    pub wall_ms_p95_max: f64,
    /// Runs timed for the wall-clock figure.
    pub wall_runs: u64,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            scenarios: Vec::new(),
            seeds: 100,
            master_seed: 0,
            extra_inputs: Vec::new(),
            audit_packs: Vec::new(),
            performance: Performance::default(),
        }
    }
}

impl Default for Performance {
    fn default() -> Self {
        Performance {
            scenarios: None,
            detection_p95_s: 20.0,
            failover_p95_s: 60.0,
            unavailable_p95_s: 60.0,
            tolerance_percent: 1.0,
            wall_ms_p95_max: 100.0,
            wall_runs: 200,
        }
    }
}

impl Validate for GateConfig {
    fn validate(&self, problems: &mut Problems) {
        if self.seeds == 0 || self.seeds > 1_000_000 {
            problems.error("seeds", format!("expected 1 to 1000000, found {}", self.seeds));
        }
        let p = &self.performance;
        for (field, value) in [
            ("performance.detection_p95_s", p.detection_p95_s),
            ("performance.failover_p95_s", p.failover_p95_s),
            ("performance.unavailable_p95_s", p.unavailable_p95_s),
            ("performance.wall_ms_p95_max", p.wall_ms_p95_max),
        ] {
            problems.check_positive(field, value);
        }
        problems.check_duration("performance.tolerance_percent", p.tolerance_percent);
        if p.wall_runs == 0 || p.wall_runs > 100_000 {
            problems.error("performance.wall_runs", format!("expected 1 to 100000, found {}", p.wall_runs));
        }
    }
}
