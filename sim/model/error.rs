//! `InputError`: bad input, told in one line with the file, line, column and field.

use super::syntax::Location;
use std::borrow::Cow;
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
        let origin = printable(&self.origin, usize::MAX);
        let (field, message) = (printable(field, FIELD_CHARS_MAX), printable(&self.message, MESSAGE_CHARS_MAX));
        match self.at {
            Some(at) => write!(f, "{origin}:{at}: {field}: {message}"),
            None => write!(f, "{origin}: {field}: {message}"),
        }
    }
}

/// Longest field path shown, in characters; a longer one ends with `...`.
const FIELD_CHARS_MAX: usize = 200;
/// Longest message shown, in characters; a longer one ends with `...`.
const MESSAGE_CHARS_MAX: usize = 1000;

/// The text with its control characters escaped (`\n`, `\u{1b}`) and cut after
/// `chars_max` characters: a key or value quoted from the input may hold any character
/// and be megabytes long, and an error must stay one readable line that prints no
/// terminal escape sequence.
fn printable(text: &str, chars_max: usize) -> Cow<'_, str> {
    let long = text.len() > chars_max && text.chars().nth(chars_max).is_some();
    if !long && !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    for ch in text.chars().take(chars_max) {
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    if long {
        out.push_str("...");
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_from_the_input_are_escaped_so_an_error_stays_one_line() {
        let error = InputError::new("f.json", None, "regi\non", "unknown field `regi\non`, \u{1b}[31m");
        assert_eq!(error.to_string(), "f.json: regi\\non: unknown field `regi\\non`, \\u{1b}[31m");
    }

    #[test]
    fn a_megabyte_key_is_cut_so_that_its_error_stays_readable() {
        let key = "x".repeat(1 << 20);
        let error = InputError::new("f.json", None, &key, format!("unknown field `{key}`"));
        let shown = error.to_string();
        assert_eq!(shown.len(), "f.json: ".len() + FIELD_CHARS_MAX + "...: ".len() + MESSAGE_CHARS_MAX + "...".len());
    }
}
