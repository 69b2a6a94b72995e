//! failsim: a deterministic chaos-simulation and benchmarking harness for failover
//! orchestration.
//!
//! The modules follow the data flow: inputs are parsed and validated (`model`), the
//! control plane under test plans failovers (`control`), and so on down the pipeline
//! described in `docs/ARCHITECTURE.md`.

pub mod control;
pub mod model;
