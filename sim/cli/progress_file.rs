//! `progress.json` in a run's output directory: written atomically beside the reports,
//! read by `failsim run --resume` and `failsim merge`.

use super::output;
use failsim::run::progress::Progress;
use std::path::Path;

/// The file's name in an output directory.
pub const NAME: &str = "progress.json";

/// Reads the progress in the output directory `dir`.
///
/// # Errors
/// `dir` or its progress.json is missing, or the file is not a progress file; the
/// message names the file, and the line and column where parsing stopped.
pub fn read(dir: &Path) -> anyhow::Result<Progress> {
    if !dir.is_dir() {
        anyhow::bail!("{}: not a directory (expected the --out of a `failsim run`)", dir.display());
    }
    let path = dir.join(NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            anyhow::bail!("{}: no {NAME} here (expected the --out of a `failsim run`)", dir.display())
        }
        Err(e) => anyhow::bail!("{}: cannot read: {e}", path.display()),
    };
    serde_json::from_str(&text).map_err(|e| {
        let message = e.to_string();
        // serde_json ends its message with " at line L column C"; say it the usual way.
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        anyhow::anyhow!("{}:{}:{}: not a failsim progress file: {message}", path.display(), e.line(), e.column())
    })
}

/// Writes `progress` into the output directory `dir`, atomically.
pub fn write(progress: &Progress, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", dir.display()))?;
    let json = serde_json::to_string(progress)? + "\n";
    output::write_atomically(&dir.join(NAME), json.as_bytes())
}

/// An error about the progress in `dir`, naming its file.
pub fn error(dir: &Path, message: &str) -> anyhow::Error {
    anyhow::anyhow!("{}: {message}", dir.join(NAME).display())
}
