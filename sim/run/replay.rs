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
fn quote(text: &str) -> String {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:".contains(&b)) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
