//! Shared test support: running the `failsim` binary and finding repository files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where Cargo.toml is).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the repository root.
pub fn repo_path(relative: &str) -> PathBuf {
    root().join(relative)
}

/// Runs the built `failsim` binary with `args`, from the repository root.
pub fn failsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_failsim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the failsim binary runs")
}

/// The exit code, stdout and stderr of a finished command.
pub fn parts(output: &Output) -> (i32, String, String) {
    let code = output.status.code().expect("exited, not killed by a signal");
    (code, String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// A fresh, empty directory for one test's files, unique to this test process.
pub fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("failsim-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// A proptest configuration with a fixed seed unless PROPTEST_RNG_SEED gives one (the
/// default honours PROPTEST_CASES and PROPTEST_RNG_SEED). Failures are not persisted
/// to files: each one found becomes a named regression test instead.
pub fn proptest_config(seed: u64) -> proptest::prelude::ProptestConfig {
    use proptest::test_runner::RngSeed;
    let mut config = proptest::prelude::ProptestConfig::default();
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(seed);
    }
    config.failure_persistence = None;
    config
}
