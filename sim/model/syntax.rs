//! The input syntax layer: YAML and JSON text -> spanned tree -> typed values, and
//! typed values -> YAML text.
//!
//! Everything above this layer sees typed values and field paths; everything in it
//! is about text, positions and limits. Reads no files itself.

mod deserializer;
mod document;
mod emit;
mod parse;
mod scalar;

pub(crate) use deserializer::closest;
pub use deserializer::{from_node, DeError, TAG_KEY};
pub use document::{Entry, Location, Node, ScalarStyle, Value};
pub use emit::to_yaml;
pub use parse::{parse_json, parse_yaml, SyntaxError, MAX_DEPTH, MAX_NODES, MAX_TEXT_BYTES};
