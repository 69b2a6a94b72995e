//! The RG-8 continuity gate (seed 000): five checks run in order, each passing or
//! failing with its figure, plus the seed's artifacts.
//!
//! RG-8.1 presence, RG-8.2 plan integrity, RG-8.3 failover validity, RG-8.4 audit
//! integrity, RG-8.5 performance (virtual-time p95s against thresholds and the
//! committed baseline, and the wall-clock cost of one simulated failover). Everything
//! but the wall-clock figure is deterministic; that one is measured by a stopwatch the
//! caller hands in, so nothing here reads a clock.

mod artifacts;
mod baseline;
mod checks;
mod config;

pub use artifacts::{badge_svg, continuity_summary, junit, rg8_report};
pub use baseline::{Baseline, BaselineCell};
pub use checks::{run, CheckResult, GateResult, Stopwatch};
pub use config::GateConfig;
