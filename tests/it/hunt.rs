//! `failsim hunt`.
