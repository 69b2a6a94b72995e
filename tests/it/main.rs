//! failsim's integration tests: one binary, one module per theme.

mod audit;
mod cli;
mod malformed;
mod planner_properties;
mod simulation;
mod support;
