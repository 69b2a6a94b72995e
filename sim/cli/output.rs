//! Writing results: stdout, or a file written atomically (a temporary file in the same
//! directory, then a rename), so an interrupted write never leaves a half-written file.
//! Output paths are checked before a command does any work ([`ensure_directory_target`],
//! [`ensure_file_target`]), so a wrong one costs nothing and changes nothing.

use anyhow::{bail, Context};
use std::io::Write;
use std::path::Path;

/// Output formats for structured results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DataFormat {
    Json,
    Yaml,
}

/// Renders a value as pretty JSON or YAML, ending with a newline.
pub fn render<T: serde::Serialize>(value: &T, format: DataFormat) -> anyhow::Result<String> {
    let json = serde_json::to_value(value).context("cannot serialize the result")?;
    Ok(match format {
        DataFormat::Json => serde_json::to_string_pretty(&json)? + "\n",
        DataFormat::Yaml => failsim::model::syntax::to_yaml(&json),
    })
}

/// Writes `text` to `path` atomically, or to stdout when `path` is `None`.
///
/// # Errors
/// The path is a directory, or the file cannot be written.
pub fn emit(text: &str, path: Option<&Path>) -> anyhow::Result<()> {
    match path {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).context("cannot write to stdout")
        }
        Some(path) => write_atomically(path, text.as_bytes()),
    }
}

/// Refuses an output directory given with `flag` that cannot be one: an existing file,
/// or a path under one. A path that does not exist yet is fine: it is created when the
/// command writes.
///
/// # Errors
/// `--out PATH: is a file, expected a directory`, or `--out PATH: DIR is a file,
/// expected a directory` for a file among its ancestors.
pub fn ensure_directory_target(flag: &str, path: &Path) -> anyhow::Result<()> {
    if path.exists() && !path.is_dir() {
        bail!("{flag} {}: is a file, expected a directory", path.display());
    }
    refuse_file_ancestor(flag, path)
}

/// Refuses an output file given with `flag` that cannot be written as one: an existing
/// directory, or a path under a file.
///
/// # Errors
/// `--trace PATH: is a directory, expected a file path`, or `--trace PATH: DIR is a
/// file, expected a directory` for a file among its ancestors.
pub fn ensure_file_target(flag: &str, path: &Path) -> anyhow::Result<()> {
    if path.is_dir() {
        bail!("{flag} {}: is a directory, expected a file path", path.display());
    }
    refuse_file_ancestor(flag, path)
}

/// The nearest existing ancestor of `path` must be a directory: nothing can be created
/// under a file.
fn refuse_file_ancestor(flag: &str, path: &Path) -> anyhow::Result<()> {
    let nearest = path.ancestors().skip(1).filter(|a| !a.as_os_str().is_empty()).find(|a| a.exists());
    match nearest {
        Some(ancestor) if !ancestor.is_dir() => {
            bail!("{flag} {}: {} is a file, expected a directory", path.display(), ancestor.display())
        }
        _ => Ok(()),
    }
}

/// Writes a file by writing a temporary sibling and renaming it into place.
///
/// # Errors
/// The path is a directory, or the file cannot be written.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.is_dir() {
        bail!("{}: is a directory, expected a file path", path.display());
    }
    let name = path.file_name().with_context(|| format!("{}: not a file path", path.display()))?;
    let mut temporary = path.to_path_buf();
    temporary.set_file_name(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        anyhow::anyhow!("{}: cannot write: {e}", path.display())
    })
}

/// Prints a loaded input's warnings to stderr.
pub fn warn_all(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}
