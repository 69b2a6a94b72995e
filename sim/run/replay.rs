//! The one-line command that replays a run exactly, as printed next to violations.

use crate::control::standard::Mutant;
use crate::engine::Seed;

/// `failsim replay --scenario S [--cluster C] [--policy P] [--mutant M] --seed N --trace trace.jsonl`;
/// an empty `cluster_ref` (an inline topology) leaves `--cluster` out.
pub fn command(
    scenario_ref: &str,
    cluster_ref: &str,
    policy_ref: Option<&str>,
    mutant: Option<Mutant>,
    seed: Seed,
) -> String {
    let mut command = format!("failsim replay --scenario {}", quote(scenario_ref));
    if !cluster_ref.is_empty() {
        command.push_str(&format!(" --cluster {}", quote(cluster_ref)));
    }
    if let Some(policy) = policy_ref {
        command.push_str(&format!(" --policy {}", quote(policy)));
    }
    if let Some(mutant) = mutant {
        command.push_str(&format!(" --mutant {}", mutant.as_str()));
    }
    command.push_str(&format!(" --seed {} --trace trace.jsonl", seed.0));
    command
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn quote(text: &str) -> String {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:".contains(&b)) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// Runs `f`, a run; if it panics, which is a bug in the harness and not a finding, the
/// panic is raised again with `replay()`, the command that reproduces that run, so a
/// bug met once in a million-run matrix can be met again under a debugger.
pub fn naming_the_run_on_panic<T>(f: impl FnOnce() -> T, replay: impl FnOnce() -> String) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            panic!("harness bug: {message}\n  reproduce with: {}", replay())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_run_names_the_command_that_replays_it() {
        let caught = std::panic::catch_unwind(|| {
            naming_the_run_on_panic(|| -> u32 { panic!("event in the past") }, || "failsim replay --seed 7".to_string())
        });
        let payload = caught.expect_err("the panic goes on");
        let message = payload.downcast_ref::<String>().expect("a formatted message");
        assert!(message.contains("event in the past"), "{message}");
        assert!(message.contains("reproduce with: failsim replay --seed 7"), "{message}");
        assert_eq!(naming_the_run_on_panic(|| 5, || unreachable!("no panic, no command")), 5);
    }
}
