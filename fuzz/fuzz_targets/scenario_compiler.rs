//! Fuzz target: a scenario text that loads and validates is resolved against its
//! topologies and policy (built-in names or inline; the default ones when it names
//! none), its faults are armed (sampled and compiled) on each topology, and a scenario
//! of at most [`RUN_DURATION_S_MAX`] of virtual time runs once on its first topology,
//! after which its concrete fault schedule (what `failsim shrink` edits and writes) is
//! built and written as YAML. Nothing may panic, hang or grow without bound.
#![no_main]

use failsim::engine::Seed;
use failsim::faults::{self, Injector, Placement};
use failsim::model::load::{self, Format};
use failsim::model::{resolve, syntax, Scenario};
use failsim::run::single::{self, RunRequest};
use failsim_fuzz::{assert_located, text};
use libfuzzer_sys::fuzz_target;

/// Longest scenario that is also run (virtual seconds), so that one input stays fast:
/// the longest built-in scenario is 900 s; longer ones (up to 30 days) are only armed.
const RUN_DURATION_S_MAX: f64 = 900.0;

/// A seed that follows the input, so that the corpus explores the samplers too (FNV-1a).
fn seed_of(data: &[u8]) -> Seed {
    Seed(
        data.iter()
            .fold(0xcbf2_9ce4_8422_2325, |hash: u64, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3)),
    )
}

fn compile(data: &[u8]) -> Result<(), failsim::model::InputError> {
    let text = text(data, Format::Yaml)?;
    let scenario = load::decode::<Scenario>(&text)?;
    let clusters = resolve::scenario_topologies(&scenario)?;
    let policy = resolve::scenario_policy(&scenario)?;
    let seed = seed_of(data);
    for cluster in &clusters {
        let crossref = resolve::policy_against_topology(&policy.value, &cluster.value);
        load::finish(policy.clone(), &crossref)?;
        let injector = Injector::arm(&scenario.value.faults, Placement::of(&cluster.value), seed);
        assert_eq!(injector.armed.len(), scenario.value.faults.len(), "one armed fault per fault");
        let _ = (injector.heal_time(), injector.first_start());
    }
    let (Some(cluster), true) = (clusters.first(), scenario.value.duration_s <= RUN_DURATION_S_MAX) else {
        return Ok(());
    };
    let request = RunRequest {
        scenario: &scenario.value,
        cluster: &cluster.value,
        policy: &policy.value,
        seed,
        mutant: None,
        trace: false,
    };
    let (_outcome, armed) = single::run_armed(&request);
    let mut concrete = scenario.value.clone();
    concrete.faults = faults::concrete(&scenario.value.faults, &armed, &Placement::of(&cluster.value));
    let json = serde_json::to_value(&concrete).expect("a concrete scenario serializes");
    let _ = syntax::to_yaml(&json);
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    if let Err(error) = compile(data) {
        assert_located(&error);
    }
});
