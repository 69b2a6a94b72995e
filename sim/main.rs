//! The `failsim` binary: `main` -> `cli::run` -> exit code.
//!
//! 0 success; 1 the command found something (a failed check, no failover target, no
//! quorum, a violation); 2 bad input or usage. Errors are one line on stderr.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
