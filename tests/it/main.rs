//! failsim's integration tests: one binary, one module per theme.

mod cli;
mod malformed;
mod planner_properties;
mod support;
