//! `failsim shrink`.
