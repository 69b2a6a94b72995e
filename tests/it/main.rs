//! failsim's integration tests: one binary, one module per theme.

mod audit;
mod cli;
mod compare;
mod control_regressions;
mod gate;
mod hostile_inputs;
mod hunt;
mod malformed;
mod matrix;
mod planner_properties;
mod reports;
mod scale_out;
mod shrink;
mod simulation;
mod support;
mod sweep;
