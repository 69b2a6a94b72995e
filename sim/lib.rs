//! failsim: a deterministic chaos-simulation and benchmarking harness for failover
//! orchestration.
//!
//! The modules are declared in data-flow order: inputs are parsed and validated
//! (`model`), a discrete-event world runs them (`engine`), faults are injected
//! (`faults`), the control plane under test reacts (`control`), and so on down the
//! pipeline described in `docs/ARCHITECTURE.md`.

pub mod model;
pub mod engine;
pub mod faults;
pub mod control;
pub mod check;
pub mod run;
pub mod report;
pub mod gate;
