//! The command line: parses arguments with clap, then calls the library. Holds no
//! simulation logic of its own; it is, with `main.rs`, the only code that prints or
//! writes files.

mod audit;
mod compare;
mod execute;
mod gate;
mod hunt;
mod interrupt;
mod list;
mod merge;
mod output;
mod plan;
mod progress_file;
mod replay;
mod run;
mod session;
mod shrink;
mod simulate;
mod status;
mod sweep;
mod target;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// What a command found, as the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: a finding (no failover target, no quorum, a violation, a failed check).
    Finding,
    /// Stopped by a signal after writing what finished: exit 128 + the signal's number.
    Interrupted(u8),
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Finding => ExitCode::from(1),
            Outcome::Interrupted(code) => ExitCode::from(code),
        }
    }
}

const AFTER_HELP: &str = "\
Examples:
  failsim run                                    the built-in suite, with reports in reports/latest/
  failsim gate                                   the RG-8 continuity gate, as CI runs it
  failsim simulate --scenario primary_failure --seeds 20
  failsim replay --scenario primary_failure --cluster builtin:seed-example \
                 --seed 12804762103156926453 --trace trace.jsonl --audit audit.json
  failsim list                                   what the built-in library holds
  failsim status --cluster builtin:seed-example --failed node-1
  failsim plan --cluster scenarios/topologies/seed-example.yaml \\
               --policy scenarios/policies/seed-auto.yaml --failed node-1
  failsim validate my-cluster.yaml my-policy.yaml

Inputs are YAML or JSON (by extension). --cluster and --policy take a file path,
builtin:NAME, or a bare built-in name. `failsim COMMAND --help` shows each
command's options and examples.

Exit codes: 0 success; 1 a finding (no target, no quorum, a failed check); 2 bad
input or usage. Errors are one line on stderr: file:line:column: field: message.";

/// Deterministic chaos simulation and benchmarking for failover orchestration.
///
/// failsim runs seeded fault scenarios against a simulated cluster and its failover
/// control plane (heartbeat monitor, quorum, planner, executor, verifier, audit),
/// and checks safety and liveness from a god's-eye view.
#[derive(Parser, Debug)]
#[command(name = "failsim", version, after_help = AFTER_HELP, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Plan(plan::Args),
    Run(run::Args),
    Simulate(simulate::Args),
    Replay(replay::Args),
    Execute(execute::Args),
    Gate(gate::Args),
    Compare(compare::Args),
    Merge(merge::Args),
    Sweep(sweep::Args),
    Hunt(hunt::Args),
    Shrink(shrink::Args),
    Status(status::Args),
    Validate(validate::Args),
    List(list::Args),
    Audit(audit::Args),
}

/// Parses the command line and runs the command.
///
/// # Errors
/// Bad input (exit code 2), with the file, line, column and field where known.
pub fn run() -> anyhow::Result<Outcome> {
    match Cli::parse().command {
        Command::Plan(args) => plan::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Execute(args) => execute::run(&args),
        Command::Gate(args) => gate::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Hunt(args) => hunt::run(&args),
        Command::Shrink(args) => shrink::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::List(args) => list::run(&args),
        Command::Audit(args) => audit::run(&args),
    }
}
