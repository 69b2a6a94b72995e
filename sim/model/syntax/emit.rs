//! Writes a JSON value as block-style YAML that reads back to the same value.
//!
//! Deterministic by construction: keys keep the value's order, a string is written
//! plain only when the core schema reads it back as that same string, and numbers are
//! written the way JSON writes them. So YAML -> JSON -> YAML is byte-for-byte stable.

use super::document::ScalarStyle;
use super::scalar::{resolve, Resolved};
use serde_json::Value;

/// The value as a YAML document (ending with a newline).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_sequence(&mut out, items, 0),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    }
}

fn write_mapping(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            push_indent(out, indent);
        }
        out.push_str(&string(key));
        out.push(':');
        write_after_key(out, value, indent);
    }
}

fn write_after_key(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            push_indent(out, indent + 2);
            write_mapping(out, map, indent + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            push_indent(out, indent);
            write_sequence(out, items, indent);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn write_sequence(out: &mut String, items: &[Value], indent: usize) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            push_indent(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if is_block(item) => write_mapping(out, map, indent + 2),
            Value::Array(inner) if is_block(item) => write_sequence(out, inner, indent + 2),
            scalar => {
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

/// A string, plain when that reads back as the same string, else JSON-quoted (a JSON
/// string is a valid YAML double-quoted scalar).
fn string(text: &str) -> String {
    let safe_chars = text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'));
    let safe_start = text.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    if safe_chars && safe_start && resolve(text, ScalarStyle::Plain) == Resolved::Str(text) {
        text.to_string()
    } else {
        serde_json::to_string(text).expect("a string always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::super::{deserializer::from_node, parse::parse_yaml};
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_json_yaml_round_trips_byte_for_byte() {
        let value = json!({
            "plan_id": "plan-1a2b",
            "target": null,
            "count": 5,
            "ratio": 0.5,
            "tricky": ["true", "123", "", "a: b", "-x", "null", "1e3", "ok-1.2"],
            "nested": {"empty_list": [], "empty_map": {}, "list": [{"a": 1, "b": [1, 2]}, [3, 4]]},
        });
        let yaml = to_yaml(&value);
        let back: Value = from_node(&parse_yaml(&yaml).unwrap()).unwrap();
        assert_eq!(back, value, "{yaml}");
        assert_eq!(to_yaml(&back), yaml);
    }
}
