//! `failsim validate`: checks topology, policy and scenario files, telling what kind
//! each is from its top-level keys.

use super::output;
use super::Outcome;
use failsim::model::{load, resolve, InputError};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  failsim validate scenarios/topologies/*.yaml scenarios/policies/*.yaml
  failsim validate my-scenario.yaml

A file with cluster_id is a topology, with policy_id a policy, with name and
duration_s or faults a scenario. A scenario is checked together with the
topologies and policy it names. Each valid file gets an `ok` line on stdout; each
error is one line on stderr naming the file, line, column and field:

  error: my-cluster.yaml:14:5: nodes[1].region: unknown region `eu-west-9` (regions: ...)

Exit codes: 0 every file is valid; 2 any file is invalid, or bad usage.";

/// Check topology, policy and scenario files.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Files to check (YAML or JSON).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let mut invalid = Vec::new();
    for file in &args.files {
        match check(file) {
            Ok(summary) => println!("ok    {}  {summary}", file.display()),
            Err(error) if args.files.len() == 1 => return Err(error.into()),
            Err(error) => {
                eprintln!("error: {error}");
                invalid.push(error.origin);
            }
        }
    }
    match invalid.first() {
        Some(first) => Err(anyhow::anyhow!("{} of {} files invalid (first: {first})", invalid.len(), args.files.len())),
        None => Ok(Outcome::Success),
    }
}

fn check(file: &std::path::Path) -> Result<String, InputError> {
    let checked = resolve::check_document(&load::read_file(file)?)?;
    output::warn_all(&checked.warnings);
    Ok(checked.summary)
}
