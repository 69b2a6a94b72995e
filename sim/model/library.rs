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
    ["seed-auto", "seed-auto-rpo12", "manual-approval", "quorum-based", "fast-detection", "long-lease",]
);

/// Built-in scenarios: (name, YAML text).
pub const SCENARIOS: &[(&str, &str)] = embed!(
    "",
    [
        "primary_failure",
        "random_failures",
        "region_failure",
        "sync_primary_loss",
        "node_crash",
        "region_isolation",
        "region_isolation_long_lease",
        "region_isolation_minority_monitor",
        "partition",
        "partition_random",
        "packet_loss",
        "latency_spike",
        "flapping",
        "clock_skew",
        "replication_lag",
        "action_failure_promote",
        "monitor_crash",
        "witness_left",
        "dns_flip_fails",
    ]
);

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
    Some(Text { origin: format!("builtin:{name}"), base_dir: None, body: (*body).to_string(), format: Format::Yaml })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The `.yaml` stems of one directory under `scenarios/`, sorted.
    fn stems_on_disk(dir: &str) -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(dir);
        let entries = std::fs::read_dir(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut stems: Vec<String> = entries
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml"))
            .map(|p| p.file_stem().expect("a file name").to_string_lossy().into_owned())
            .collect();
        stems.sort();
        stems
    }

    fn stems_listed(entries: &[(&str, &str)]) -> Vec<String> {
        let mut stems: Vec<String> = entries.iter().map(|(name, _)| (*name).to_string()).collect();
        stems.sort();
        stems
    }

    /// A file added to `scenarios/` but not listed here would be missing from the
    /// binary and from `failsim list`. The other direction is compared too, although
    /// `include_str!` already refuses to compile a listed name without its file.
    #[test]
    fn every_file_in_scenarios_is_in_the_library_and_back() {
        for (dir, entries) in [("topologies", TOPOLOGIES), ("policies", POLICIES), ("", SCENARIOS)] {
            assert_eq!(stems_listed(entries), stems_on_disk(dir), "scenarios/{dir} and the library disagree");
        }
    }
}
