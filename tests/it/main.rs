//! failsim's integration tests: one binary, one module per theme.

mod audit;
mod cli;
mod compare;
mod control_regressions;
mod gate;
mod hunt;
mod malformed;
mod matrix;
mod planner_properties;
mod reports;
mod shrink;
mod simulation;
mod support;
mod sweep;
