//! Loading: a file path or built-in name -> text -> document tree -> typed, validated
//! value, with every refusal as an [`InputError`] that names the line and the field.
//!
//! The only module of the model that reads files. Limits: [`FILE_BYTES_MAX`] per file,
//! checked before reading, and the syntax layer's depth and node limits.

use super::error::InputError;
use super::library::{self, Kind};
use super::problems::{Problems, Severity};
use super::syntax::{self, Location, Node};
use super::{Cluster, Policy, Scenario};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Largest input file accepted.
pub const FILE_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// The text of one input and where it came from.
#[derive(Clone, Debug)]
pub struct Text {
    /// The path as given, or `builtin:NAME`.
    pub origin: String,
    /// The directory relative paths inside the document resolve against.
    pub base_dir: Option<PathBuf>,
    pub body: String,
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    /// JSON for `.json` files, YAML for anything else (YAML is also the built-ins' format).
    pub fn of(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Yaml,
        }
    }
}

/// A value that checks its own rules.
pub trait Validate {
    fn validate(&self, problems: &mut Problems);
}

impl Validate for Cluster {
    fn validate(&self, problems: &mut Problems) {
        Cluster::validate(self, problems);
    }
}

impl Validate for Policy {
    fn validate(&self, problems: &mut Problems) {
        Policy::validate(self, problems);
    }
}

impl Validate for Scenario {
    fn validate(&self, problems: &mut Problems) {
        Scenario::validate(self, problems);
    }
}

/// A loaded, validated value with its document tree (for locating later findings).
#[derive(Clone, Debug)]
pub struct Loaded<T> {
    pub value: T,
    pub tree: Node,
    pub origin: String,
    pub base_dir: Option<PathBuf>,
    /// Warnings, already formatted as `origin:line:col: field: message`.
    pub warnings: Vec<String>,
}

impl<T> Loaded<T> {
    /// An error about `field` of this input, located through its tree.
    pub fn error_at(&self, field: &str, message: impl Into<String>) -> InputError {
        InputError::new(&self.origin, Some(self.tree.locate(field)), field, message)
    }
}

/// Reads a file, refusing it before reading when it is too large.
///
/// The read itself stops one byte past [`FILE_BYTES_MAX`], so a file whose size the
/// file system does not tell (`/dev/zero`, `/dev/stdin`, a pipe) cannot exhaust memory.
///
/// # Errors
/// Missing or unreadable files, files over [`FILE_BYTES_MAX`], and text that is not UTF-8.
pub fn read_file(path: &Path) -> Result<Text, InputError> {
    use std::io::Read;
    let origin = path.display().to_string();
    let io_error = |e: std::io::Error| InputError::new(&origin, None, "", format!("cannot read: {e}"));
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    if metadata.is_dir() {
        return Err(InputError::new(&origin, None, "", "is a directory, expected a file"));
    }
    if metadata.len() > FILE_BYTES_MAX {
        let message = format!("the file is {} bytes, more than the {FILE_BYTES_MAX} accepted", metadata.len());
        return Err(InputError::new(&origin, Some(Location { line: 1, column: 1 }), "", message));
    }
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).map_err(io_error)?;
    file.take(FILE_BYTES_MAX + 1).read_to_end(&mut bytes).map_err(io_error)?;
    let base_dir = path.parent().map(Path::to_path_buf);
    text_from_bytes(&origin, bytes, Format::of(path), base_dir)
}

/// Turns the bytes of one input into its [`Text`], as [`read_file`] does with a file's
/// contents: for input that does not come from a file (a test, a fuzzer, a pipe).
///
/// `origin` names the input in errors; `base_dir` is where the references inside it
/// resolve (`None`: the working directory).
///
/// # Errors
/// More than [`FILE_BYTES_MAX`] bytes, or bytes that are not UTF-8 (located at the
/// first bad byte).
pub fn text_from_bytes(
    origin: &str,
    bytes: Vec<u8>,
    format: Format,
    base_dir: Option<PathBuf>,
) -> Result<Text, InputError> {
    if bytes.len() as u64 > FILE_BYTES_MAX {
        let message = format!("the file holds more than the {FILE_BYTES_MAX} bytes accepted");
        return Err(InputError::new(origin, Some(Location { line: 1, column: 1 }), "", message));
    }
    let body = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let at = Location { line: clamp(line), column: clamp(column) };
        InputError::new(origin, Some(at), "", "the file is not UTF-8 text (binary data?)")
    })?;
    Ok(Text { origin: origin.to_string(), base_dir, body, format })
}

/// Parses the text into its document tree.
///
/// # Errors
/// Any syntax error, located.
pub fn parse(text: &Text) -> Result<Node, InputError> {
    let parsed = match text.format {
        Format::Yaml => syntax::parse_yaml(&text.body),
        Format::Json => syntax::parse_json(&text.body),
    };
    parsed.map_err(|e| InputError::new(&text.origin, Some(e.at), &e.path, e.message))
}

/// Parses, decodes and validates a value of type `T`.
///
/// # Errors
/// The first syntax, type or validation error, located.
pub fn decode<T: DeserializeOwned + Validate>(text: &Text) -> Result<Loaded<T>, InputError> {
    let tree = parse(text)?;
    let value: T = syntax::from_node(&tree)
        .map_err(|e| InputError::new(&text.origin, e.at, e.path.as_deref().unwrap_or_default(), e.message))?;
    let mut problems = Problems::default();
    value.validate(&mut problems);
    let loaded =
        Loaded { value, tree, origin: text.origin.clone(), base_dir: text.base_dir.clone(), warnings: Vec::new() };
    finish(loaded, &problems)
}

/// Turns validation findings into the first error, or keeps the warnings.
///
/// # Errors
/// The first error among `problems`, located through the loaded tree.
pub fn finish<T>(mut loaded: Loaded<T>, problems: &Problems) -> Result<Loaded<T>, InputError> {
    if let Some(first) = problems.first_error() {
        return Err(loaded.error_at(&first.path, first.message.clone()));
    }
    for problem in problems.list.iter().filter(|p| p.severity == Severity::Warning) {
        let error = loaded.error_at(&problem.path, problem.message.clone());
        loaded.warnings.push(error.to_string());
    }
    Ok(loaded)
}

/// Finds the text a reference names: `builtin:NAME`, a file (relative to `base_dir`
/// when given), or else a built-in of that name.
///
/// # Errors
/// Nothing found by that name, or the file cannot be read.
pub fn find(kind: Kind, reference: &str, base_dir: Option<&Path>) -> Result<Text, InputError> {
    if let Some(name) = reference.strip_prefix("builtin:") {
        return library::text(kind, name).ok_or_else(|| unknown_builtin(kind, name));
    }
    let path = match base_dir {
        Some(dir) if Path::new(reference).is_relative() => dir.join(reference),
        _ => PathBuf::from(reference),
    };
    if path.exists() {
        return read_file(&path);
    }
    library::text(kind, reference).ok_or_else(|| {
        let message = format!(
            "no such file, and no built-in {} of that name (built-ins: {})",
            kind.noun(),
            library::names(kind).join(", ")
        );
        InputError::new(reference, None, "", message)
    })
}

fn unknown_builtin(kind: Kind, name: &str) -> InputError {
    let message =
        format!("no built-in {} named `{name}` (built-ins: {})", kind.noun(), library::names(kind).join(", "));
    InputError::new(&format!("builtin:{name}"), None, "", message)
}

/// Loads a topology by reference.
///
/// # Errors
/// See [`find`] and [`decode`].
pub fn topology(reference: &str) -> Result<Loaded<Cluster>, InputError> {
    decode(&find(Kind::Topology, reference, None)?)
}

/// Loads a policy by reference.
///
/// # Errors
/// See [`find`] and [`decode`].
pub fn policy(reference: &str) -> Result<Loaded<Policy>, InputError> {
    decode(&find(Kind::Policy, reference, None)?)
}

/// Loads a scenario by reference.
///
/// # Errors
/// See [`find`] and [`decode`].
pub fn scenario(reference: &str) -> Result<Loaded<Scenario>, InputError> {
    decode(&find(Kind::Scenario, reference, None)?)
}

/// Tells what kind of document a tree holds, from its top-level keys.
pub fn kind_of(tree: &Node) -> Option<Kind> {
    if tree.get("cluster_id").is_some() {
        Some(Kind::Topology)
    } else if tree.get("policy_id").is_some() {
        Some(Kind::Policy)
    } else if tree.get("name").is_some() {
        Some(Kind::Scenario)
    } else {
        None
    }
}
