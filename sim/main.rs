//! The `failsim` binary: `main` -> `cli::run` -> exit code.
//!
//! 0 success; 1 the command found something (a failed check, no failover target, no
//! quorum, a violation); 2 bad input or usage. Errors are one line on stderr.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_broken_pipe_default();
    match cli::run() {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// `failsim list | head` must end quietly when `head` closes the pipe, as a Unix tool
/// does. Rust ignores SIGPIPE, which turns a closed pipe into an error that `println!`
/// reports as a panic; restoring the default action ends the process instead.
fn restore_broken_pipe_default() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread starts; setting a signal
    // disposition to its default has no other effect on the process's state.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
