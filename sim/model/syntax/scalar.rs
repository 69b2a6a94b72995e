//! What a plain scalar means under the YAML 1.2 core schema: null, bool, integer,
//! float or string. Quoted scalars are always strings. JSON literals and numbers
//! arrive as plain scalars, so both formats share these rules.

use super::document::ScalarStyle;

/// A scalar's meaning.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer literal too large for `i64`; no field accepts it.
    HugeInt,
    Float(f64),
    Str(&'a str),
}

/// Resolves a scalar by the core schema.
pub fn resolve(text: &str, style: ScalarStyle) -> Resolved<'_> {
    if style == ScalarStyle::Quoted {
        return Resolved::Str(text);
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return Resolved::Float(if negative { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<i64>() {
            Ok(value) => Resolved::Int(value),
            Err(_) => Resolved::HugeInt,
        };
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).map_or(Resolved::Str(text), Resolved::Int);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return i64::from_str_radix(octal, 8).map_or(Resolved::Str(text), Resolved::Int);
    }
    if is_float_literal(unsigned) {
        if let Ok(value) = text.parse::<f64>() {
            return Resolved::Float(value);
        }
    }
    Resolved::Str(text)
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the core schema's float.
fn is_float_literal(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - from
    };
    let whole = digits(&mut i);
    let mut fraction = 0;
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        fraction = digits(&mut i);
    }
    if whole == 0 && fraction == 0 {
        return false;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Resolved<'_> {
        resolve(text, ScalarStyle::Plain)
    }

    #[test]
    fn the_core_schema_types_plain_scalars() {
        assert_eq!(plain("~"), Resolved::Null);
        assert_eq!(plain("true"), Resolved::Bool(true));
        assert_eq!(plain("-42"), Resolved::Int(-42));
        assert_eq!(plain("0x1f"), Resolved::Int(31));
        assert_eq!(plain("2.5e3"), Resolved::Float(2500.0));
        assert_eq!(plain(".5"), Resolved::Float(0.5));
        assert_eq!(plain("-.inf"), Resolved::Float(f64::NEG_INFINITY));
        assert!(matches!(plain(".nan"), Resolved::Float(v) if v.is_nan()));
        assert_eq!(plain("99999999999999999999999"), Resolved::HugeInt);
        assert_eq!(plain("10.0.1.10"), Resolved::Str("10.0.1.10"));
        assert_eq!(plain("yes"), Resolved::Str("yes"));
        assert_eq!(plain("inf"), Resolved::Str("inf"));
        assert_eq!(resolve("12", ScalarStyle::Quoted), Resolved::Str("12"));
    }
}
