//! `failsim list`: the built-in topologies, policies and scenarios, one line each.

use super::Outcome;
use failsim::model::{library, load, Cluster, Kind, Policy, Scenario};

/// List the built-in topologies, policies and scenarios.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  failsim list
  failsim plan --cluster builtin:three-region-5 --policy builtin:quorum-based
  failsim validate scenarios/topologies/three-region-5.yaml

The built-ins are compiled into the binary, so they work from any directory. Use
one anywhere a file is expected, as builtin:NAME (or a bare NAME when no file of
that name exists). Their sources are under scenarios/ in the repository.")]
pub struct Args {}

pub fn run(_args: &Args) -> anyhow::Result<Outcome> {
    println!("topologies");
    for name in library::names(Kind::Topology) {
        let c: Cluster = decode(Kind::Topology, name)?;
        let summary = format!("{} nodes, {} region(s), quorum {}", c.nodes.len(), c.regions.len(), c.quorum_size());
        println!("  builtin:{name:<26} {summary:<34} {}", c.name);
    }
    println!("policies");
    for name in library::names(Kind::Policy) {
        let p: Policy = decode(Kind::Policy, name)?;
        let strategy = serde_json::to_value(p.strategy)?.as_str().unwrap_or_default().to_string();
        let summary =
            format!("{strategy}, heartbeat {} ms x {}", p.heartbeat.interval_ms, p.heartbeat.failure_threshold);
        println!("  builtin:{name:<26} {summary:<34} {}", p.name);
    }
    println!("scenarios");
    for name in library::names(Kind::Scenario) {
        let s: Scenario = decode(Kind::Scenario, name)?;
        let summary = format!("{} faults, {} s, {} seeds", s.faults.len(), s.duration_s, s.seeds);
        println!("  builtin:{name:<26} {summary:<34} {}", s.description);
    }
    Ok(Outcome::Success)
}

fn decode<T: serde::de::DeserializeOwned + load::Validate>(kind: Kind, name: &str) -> anyhow::Result<T> {
    let text = library::text(kind, name).expect("listed names exist");
    Ok(load::decode::<T>(&text)?.value)
}
