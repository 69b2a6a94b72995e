//! What every answer of failsim's loaders must satisfy, whatever the input: the
//! checks the fuzz targets under `fuzz_targets/` share.
//!
//! A target may only panic through these assertions (or through a bug in failsim):
//! an input is either loaded, and then survives a round trip through failsim's own
//! YAML emitter, or refused with an [`InputError`] that names a line and a column.
//! Reads no files: a fuzz input goes by a `builtin:` name, so the references inside a
//! scenario resolve in the built-in library only.

use failsim::model::load::{self, Format, Loaded, Text, Validate};
use failsim::model::{resolve, syntax, Cluster, InputError, Policy, Scenario};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

/// The origin fuzz inputs go by. Starting with `builtin:` makes a scenario's `cluster`
/// and `policy` names resolve in the built-in library, never as files (see
/// `failsim::model::resolve`), so no input can make the fuzzer read `/dev/zero`.
const ORIGIN: &str = "builtin:fuzz-input";

/// The input's bytes as the text of a file in `format`, as `load::read_file` makes it.
///
/// # Errors
/// What `load::text_from_bytes` refuses: too large, or not UTF-8.
pub fn text(data: &[u8], format: Format) -> Result<Text, InputError> {
    load::text_from_bytes(ORIGIN, data.to_vec(), format, None)
}

/// Panics unless the error is one printable line that names where and what: a line
/// and column from 1, and a message.
pub fn assert_located(error: &InputError) {
    let at = error.at.unwrap_or_else(|| panic!("an error without a line and column: {error}"));
    assert!(at.line >= 1 && at.column >= 1, "a position not counted from 1: {error}");
    assert!(!error.message.trim().is_empty(), "an error without a message: {error:?}");
    let line = error.to_string();
    assert!(!line.chars().any(char::is_control), "an error with a control character: {line:?}");
}

/// Panics unless the value, written by failsim's YAML emitter (as `plan`, `shrink` and
/// `sweep` write their files), reads back as the same value.
pub fn assert_round_trip<T>(loaded: &Loaded<T>)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let json = serde_json::to_value(&loaded.value).expect("a loaded value serializes");
    let yaml = syntax::to_yaml(&json);
    let tree = syntax::parse_yaml(&yaml).unwrap_or_else(|e| panic!("the emitted YAML does not parse: {e:?}\n{yaml}"));
    let back: T =
        syntax::from_node(&tree).unwrap_or_else(|e| panic!("the emitted YAML does not decode: {e:?}\n{yaml}"));
    assert_eq!(back, loaded.value, "the emitted YAML reads back differently:\n{yaml}");
}

/// Decodes the text as one kind of document: a loaded value round-trips, a refusal is
/// located.
pub fn decode_as<T>(text: &Text)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + Validate,
{
    match load::decode::<T>(text) {
        Ok(loaded) => assert_round_trip(&loaded),
        Err(error) => assert_located(&error),
    }
}

/// The bytes as a file of `format`, read the way the loader reads one: as a topology,
/// a policy and a scenario in turn, then as `failsim validate` reads it (the kind told
/// from the top-level keys, a scenario resolved with its topologies and policy).
pub fn every_kind(data: &[u8], format: Format) {
    let text = match text(data, format) {
        Ok(text) => text,
        Err(error) => return assert_located(&error),
    };
    decode_as::<Cluster>(&text);
    decode_as::<Policy>(&text);
    decode_as::<Scenario>(&text);
    if let Err(error) = resolve::check_document(&text) {
        assert_located(&error);
    }
}
