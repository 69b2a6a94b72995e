//! The built-in library: the topologies, policies and scenarios under `scenarios/`,
//! compiled into the binary so that `--cluster builtin:NAME` works anywhere.
//!
//! A test checks that this list and the directory agree, so a file added to
//! `scenarios/` without being listed here fails the build's tests.

use super::load::{Format, Text};

/// What a document describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Topology,
    Policy,
    Scenario,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Topology => "topology",
            Kind::Policy => "policy",
            Kind::Scenario => "scenario",
        }
    }
}

macro_rules! embed {
    ($dir:literal, [$($name:literal),* $(,)?]) => {
        &[$(($name, include_str!(concat!("../../scenarios/", $dir, $name, ".yaml")))),*]
    };
}

/// Built-in topologies: (name, YAML text).
pub const TOPOLOGIES: &[(&str, &str)] = embed!(
    "topologies/",
    [
        "seed-example",
        "single-region-3",
        "active-passive-2region",
        "three-region-5",
        "two-plus-witness",
        "three-region-7",
    ]
);

/// Built-in policies: (name, YAML text).
pub const POLICIES: &[(&str, &str)] = embed!(
    "policies/",
    [
        "seed-auto",
        "manual-approval",
        "quorum-based",
        "fast-detection",
    ]
);

/// Built-in scenarios: (name, YAML text).
pub const SCENARIOS: &[(&str, &str)] = embed!("", ["primary_failure",]);

/// Every entry of one kind.
pub fn entries(kind: Kind) -> &'static [(&'static str, &'static str)] {
    match kind {
        Kind::Topology => TOPOLOGIES,
        Kind::Policy => POLICIES,
        Kind::Scenario => SCENARIOS,
    }
}

/// The names of one kind, in library order.
pub fn names(kind: Kind) -> Vec<&'static str> {
    entries(kind).iter().map(|(name, _)| *name).collect()
}

/// The text of a built-in, ready to decode.
pub fn text(kind: Kind, name: &str) -> Option<Text> {
    let (name, body) = entries(kind).iter().find(|(n, _)| *n == name)?;
    Some(Text {
        origin: format!("builtin:{name}"),
        base_dir: None,
        body: (*body).to_string(),
        format: Format::Yaml,
    })
}
