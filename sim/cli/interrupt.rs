//! Ctrl-C and SIGTERM during a long matrix: the first asks the runner to stop starting
//! runs, so it can finish the runs under way and write what it has (a report marked
//! incomplete, and a progress file to resume from); a second ends the process at once.
//!
//! The handler only stores to atomics and writes one fixed line to stderr, both of
//! which are safe in a signal handler; everything else happens on the runner's threads.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Installs the handler for SIGINT and SIGTERM, and returns the flag it sets.
pub fn install() -> &'static AtomicBool {
    #[cfg(unix)]
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let handler: extern "C" fn(libc::c_int) = on_signal;
        // SAFETY: the handler only touches atomics and calls the async-signal-safe
        // `write` and `_exit`.
        unsafe {
            libc::signal(signal, handler as libc::sighandler_t);
        }
    }
    &STOP
}

/// The signal that asked to stop, if one did.
pub fn received() -> Option<Signal> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        number => Some(Signal(number)),
    }
}

/// A signal that interrupted the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signal(pub i32);

impl Signal {
    /// The shell's convention for a process ended by a signal: 128 + its number.
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.0).unwrap_or(u8::MAX)
    }

    pub fn name(self) -> &'static str {
        match self.0 {
            libc::SIGINT => "SIGINT",
            libc::SIGTERM => "SIGTERM",
            _ => "a signal",
        }
    }
}

#[cfg(unix)]
extern "C" fn on_signal(signal: libc::c_int) {
    if STOP.swap(true, Ordering::SeqCst) {
        // SAFETY: `_exit` is async-signal-safe; the user asked twice to stop now.
        unsafe { libc::_exit(128 + signal) }
    }
    SIGNAL.store(signal, Ordering::SeqCst);
    let line = b"\nstopping: finishing the runs under way, then writing what finished (again to quit at once)\n";
    // SAFETY: `write` is async-signal-safe and the buffer outlives the call.
    unsafe {
        libc::write(libc::STDERR_FILENO, line.as_ptr().cast(), line.len());
    }
}
