//! `InputError`: bad input, told in one line with the file, line, column and field.

use super::syntax::Location;
use std::fmt;

/// Why an input was refused. Displays as `file:line:col: field: message`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct InputError {
    /// The file path, or `builtin:NAME` for the embedded library.
    pub origin: String,
    pub at: Option<Location>,
    /// The field path (`nodes[2].priority`); empty for the document as a whole.
    pub field: String,
    pub message: String,
}

impl InputError {
    pub fn new(origin: &str, at: Option<Location>, field: &str, message: impl Into<String>) -> Self {
        InputError { origin: origin.to_string(), at, field: field.to_string(), message: message.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = if self.field.is_empty() { "(document)" } else { &self.field };
        match self.at {
            Some(at) => write!(f, "{}:{at}: {field}: {}", self.origin, self.message),
            None => write!(f, "{}: {field}: {}", self.origin, self.message),
        }
    }
}
