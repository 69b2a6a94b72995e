//! A serde `Deserializer` over the spanned tree, so the model types can simply derive
//! `Deserialize` and still get errors with a line, a column and a field path.
//!
//! An error is located at the innermost node it surfaces from: a wrong type at the
//! value, an unknown field at its key, a missing field at the mapping that lacks it.
//! An enum written as a mapping is tagged by its `kind` field (`kind: primary_loss`
//! plus that variant's own fields); an enum written as a scalar is a unit variant.

use super::document::{Entry, Location, Node, Value};
use super::scalar::{resolve, Resolved};
use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
use std::fmt;

/// The key that names an enum variant when the enum is written as a mapping.
pub const TAG_KEY: &str = "kind";

/// A deserialization error with the place it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    pub message: String,
    pub at: Option<Location>,
    pub path: Option<String>,
    missing_field: Option<&'static str>,
}

impl DeError {
    fn new(message: String) -> Self {
        DeError { message, at: None, path: None, missing_field: None }
    }

    /// Fills in the place if nothing deeper has already done so.
    fn locate(mut self, at: Location, path: &Path<'_>) -> Self {
        if self.at.is_none() {
            self.at = Some(at);
            let mut path = path.to_string();
            if let Some(field) = self.missing_field {
                path = join(&path, field);
            }
            self.path = Some(path);
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::new(msg.to_string())
    }

    fn invalid_type(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        DeError::new(format!("expected {expected}, found {unexpected}"))
    }

    fn invalid_value(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        DeError::new(format!("expected {expected}, found {unexpected}"))
    }

    fn invalid_length(len: usize, expected: &dyn de::Expected) -> Self {
        DeError::new(format!("expected {expected}, found a list of {len}"))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        DeError::new(format!("unknown value `{variant}`, expected one of: {}", expected.join(", ")))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let hint = match closest(field, expected) {
            Some(near) => format!(" (did you mean `{near}`?)"),
            None => format!(" (expected one of: {})", expected.join(", ")),
        };
        DeError::new(format!("unknown field `{field}`{hint}"))
    }

    fn missing_field(field: &'static str) -> Self {
        let mut error = DeError::new(format!("missing required field `{field}`"));
        error.missing_field = Some(field);
        error
    }

    fn duplicate_field(field: &'static str) -> Self {
        DeError::new(format!("field `{field}` is given twice"))
    }
}

/// The known name nearest to a misspelt one, if it is near enough to be a typo.
pub(crate) fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    let distance = |a: &str, b: &str| {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut previous = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let substitute = previous + usize::from(ca != *cb);
                previous = row[j + 1];
                row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
            }
        }
        row[b.len()]
    };
    known.iter().map(|k| (distance(word, k), *k)).filter(|(d, k)| *d <= 2.max(k.len() / 4)).min().map(|(_, k)| k)
}

/// The field path of the node being read, built on the stack as the reader descends.
#[derive(Clone, Copy)]
pub enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// Deserializes `T` from a tree node.
///
/// # Errors
/// A [`DeError`] located at the offending node.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, DeError> {
    T::deserialize(NodeDeserializer { node, path: &Path::Root, skip_key: None })
}

struct NodeDeserializer<'de, 'p> {
    node: &'de Node,
    path: &'p Path<'p>,
    /// A mapping key hidden from the visitor: the `kind` tag once it chose the variant.
    skip_key: Option<&'static str>,
}

type Result<T, E = DeError> = std::result::Result<T, E>;

impl<'de> NodeDeserializer<'de, '_> {
    fn scalar(&self) -> Option<Resolved<'de>> {
        match &self.node.value {
            Value::Scalar { text, style } => Some(resolve(text, *style)),
            _ => None,
        }
    }

    fn mismatch(&self, expected: &str) -> DeError {
        let found = match self.scalar() {
            Some(Resolved::Null) => "nothing (null)".to_string(),
            _ => self.node.describe(),
        };
        DeError::new(format!("expected {expected}, found {found}")).locate(self.node.at, self.path)
    }

    fn place<T>(&self, result: Result<T>) -> Result<T> {
        result.map_err(|e| e.locate(self.node.at, self.path))
    }

    fn integer(&self, min: i64, max: u64) -> Result<Option<i64>> {
        match self.scalar() {
            Some(Resolved::Int(value)) if value >= min && (value < 0 || value as u64 <= max) => Ok(Some(value)),
            _ => Err(self.mismatch(&format!("an integer from {min} to {max}"))),
        }
    }
}

macro_rules! deserialize_integer {
    ($method:ident, $visit:ident, $ty:ty) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let value = self.integer(<$ty>::MIN as i64, <$ty>::MAX as u64)?.unwrap_or(0);
            self.place(visitor.$visit(value as $ty))
        }
    };
}

impl<'de> Deserializer<'de> for NodeDeserializer<'de, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let result = match (&self.node.value, self.scalar()) {
            (Value::Sequence(items), _) => visitor.visit_seq(SeqReader { items, index: 0, path: self.path }),
            (Value::Mapping(entries), _) => visitor.visit_map(self.map_reader(entries)),
            (_, Some(Resolved::Null)) => visitor.visit_unit(),
            (_, Some(Resolved::Bool(b))) => visitor.visit_bool(b),
            (_, Some(Resolved::Int(i))) => visitor.visit_i64(i),
            (_, Some(Resolved::HugeInt)) => return Err(self.mismatch("a number that fits in 64 bits")),
            (_, Some(Resolved::Float(x))) => visitor.visit_f64(x),
            (_, Some(Resolved::Str(s))) => visitor.visit_borrowed_str(s),
            (Value::Scalar { .. }, None) => unreachable!("a scalar always resolves"),
        };
        self.place(result)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.scalar() {
            Some(Resolved::Bool(b)) => self.place(visitor.visit_bool(b)),
            _ => Err(self.mismatch("true or false")),
        }
    }

    deserialize_integer!(deserialize_i8, visit_i8, i8);
    deserialize_integer!(deserialize_i16, visit_i16, i16);
    deserialize_integer!(deserialize_i32, visit_i32, i32);
    deserialize_integer!(deserialize_i64, visit_i64, i64);
    deserialize_integer!(deserialize_u8, visit_u8, u8);
    deserialize_integer!(deserialize_u16, visit_u16, u16);
    deserialize_integer!(deserialize_u32, visit_u32, u32);

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let value = self.integer(0, i64::MAX as u64)?.unwrap_or(0);
        self.place(visitor.visit_u64(value as u64))
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.scalar() {
            Some(Resolved::Int(i)) => self.place(visitor.visit_f64(i as f64)),
            Some(Resolved::Float(x)) => self.place(visitor.visit_f64(x)),
            Some(Resolved::HugeInt) => Err(self.mismatch("a number that fits in 64 bits")),
            _ => Err(self.mismatch("a number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match (&self.node.value, self.scalar()) {
            (_, Some(Resolved::Null)) | (_, None) => Err(self.mismatch("a string")),
            (Value::Scalar { text, .. }, _) => self.place(visitor.visit_borrowed_str(text)),
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.scalar() {
            Some(Resolved::Null) => self.place(visitor.visit_none()),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.scalar() {
            Some(Resolved::Null) => self.place(visitor.visit_unit()),
            _ => Err(self.mismatch("nothing (null)")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.node.value {
            Value::Sequence(items) => self.place(visitor.visit_seq(SeqReader { items, index: 0, path: self.path })),
            _ => Err(self.mismatch("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.node.value {
            Value::Mapping(entries) => self.place(visitor.visit_map(self.map_reader(entries))),
            _ => Err(self.mismatch("a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match &self.node.value {
            Value::Scalar { .. } if !matches!(self.scalar(), Some(Resolved::Null)) => {
                self.place(visitor.visit_enum(EnumReader { tag: self.node, body: None, path: self.path }))
            }
            Value::Mapping(_) => match self.node.get(TAG_KEY) {
                Some(tag) => {
                    let access = EnumReader { tag: &tag.value, body: Some(self.node), path: self.path };
                    self.place(visitor.visit_enum(access))
                }
                None => {
                    // Located like any missing field: at the mapping, named by its path.
                    let mut error =
                        DeError::new(format!("missing required field `{TAG_KEY}` (one of: {})", variants.join(", ")));
                    error.missing_field = Some(TAG_KEY);
                    Err(error.locate(self.node.at, self.path))
                }
            },
            _ => Err(self.mismatch(&format!("one of: {}", variants.join(", ")))),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

impl<'de, 'p> NodeDeserializer<'de, 'p> {
    fn map_reader(&self, entries: &'de [Entry]) -> MapReader<'de, 'p> {
        MapReader { entries, index: 0, path: self.path, skip_key: self.skip_key }
    }
}

struct SeqReader<'de, 'p> {
    items: &'de [Node],
    index: usize,
    path: &'p Path<'p>,
}

impl<'de> de::SeqAccess<'de> for SeqReader<'de, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some(node) = self.items.get(self.index) else {
            return Ok(None);
        };
        let path = Path::Index(self.path, self.index);
        self.index += 1;
        let value = seed.deserialize(NodeDeserializer { node, path: &path, skip_key: None });
        value.map(Some).map_err(|e| e.locate(node.at, &path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.index)
    }
}

struct MapReader<'de, 'p> {
    entries: &'de [Entry],
    index: usize,
    path: &'p Path<'p>,
    skip_key: Option<&'static str>,
}

impl<'de> de::MapAccess<'de> for MapReader<'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        while let Some(entry) = self.entries.get(self.index) {
            if Some(entry.key.as_str()) != self.skip_key {
                let path = Path::Key(self.path, &entry.key);
                let key = de::value::BorrowedStrDeserializer::<DeError>::new(&entry.key);
                return seed.deserialize(key).map(Some).map_err(|e| e.locate(entry.key_at, &path));
            }
            self.index += 1;
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let entry = &self.entries[self.index];
        self.index += 1;
        let path = Path::Key(self.path, &entry.key);
        let node = &entry.value;
        seed.deserialize(NodeDeserializer { node, path: &path, skip_key: None }).map_err(|e| e.locate(node.at, &path))
    }
}

/// Reads an enum: the variant's name from `tag`, its fields from `body` (the tagged
/// mapping, minus the tag) when there is one.
struct EnumReader<'de, 'p> {
    tag: &'de Node,
    body: Option<&'de Node>,
    path: &'p Path<'p>,
}

impl<'de, 'p> de::EnumAccess<'de> for EnumReader<'de, 'p> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let tag_path = match self.body {
            Some(_) => Path::Key(self.path, TAG_KEY),
            None => *self.path,
        };
        let tag = NodeDeserializer { node: self.tag, path: &tag_path, skip_key: None };
        let variant = seed.deserialize(tag).map_err(|e| e.locate(self.tag.at, &tag_path))?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for EnumReader<'de, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<()> {
        match self.body.map(|b| &b.value) {
            Some(Value::Mapping(entries)) if entries.len() > 1 => {
                let extra = entries.iter().find(|e| e.key != TAG_KEY).expect("more than the tag");
                let path = Path::Key(self.path, &extra.key);
                Err(DeError::new(format!("unknown field `{}`: this kind takes no fields", extra.key))
                    .locate(extra.key_at, &path))
            }
            _ => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        match self.body {
            Some(node) => seed.deserialize(NodeDeserializer { node, path: self.path, skip_key: Some(TAG_KEY) }),
            None => {
                Err(DeError::new("expected a mapping with this kind's fields".into()).locate(self.tag.at, self.path))
            }
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value> {
        Err(DeError::new("tuple variants are not supported".into()).locate(self.tag.at, self.path))
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value> {
        match self.body {
            Some(node) => NodeDeserializer { node, path: self.path, skip_key: Some(TAG_KEY) }.deserialize_map(visitor),
            None => {
                Err(DeError::new("expected a mapping with this kind's fields".into()).locate(self.tag.at, self.path))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_yaml;
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Node2 {
        node_id: String,
        priority: u32,
        #[serde(default)]
        capacity: f64,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        nodes: Vec<Node2>,
        #[serde(default)]
        shape: Vec<Shape>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "snake_case", deny_unknown_fields)]
    enum Shape {
        Point,
        Circle { radius: f64 },
    }

    fn read(text: &str) -> Result<Doc> {
        from_node(&parse_yaml(text).unwrap())
    }

    fn place(e: &DeError) -> (u32, u32, &str) {
        let at = e.at.unwrap();
        (at.line, at.column, e.path.as_deref().unwrap())
    }

    #[test]
    fn a_wrong_type_is_located_at_the_value_with_its_path() {
        let e = read("nodes:\n  - node_id: a\n    priority: high\n").unwrap_err();
        assert_eq!(place(&e), (3, 15, "nodes[0].priority"));
        assert_eq!(e.message, "expected an integer from 0 to 4294967295, found `high`");
    }

    #[test]
    fn an_unknown_field_is_located_at_its_key_with_a_suggestion() {
        let e = read("nodes:\n  - node_id: a\n    prioritty: 1\n").unwrap_err();
        assert_eq!(place(&e), (3, 5, "nodes[0].prioritty"));
        assert!(e.message.contains("did you mean `priority`"), "{}", e.message);
    }

    #[test]
    fn a_missing_field_names_the_field_inside_its_mapping() {
        let e = read("nodes:\n  - node_id: a\n").unwrap_err();
        assert_eq!(place(&e), (2, 5, "nodes[0].priority"));
    }

    #[test]
    fn enums_are_tagged_by_kind_when_written_as_mappings() {
        let doc = read("nodes: []\nshape:\n  - point\n  - kind: circle\n    radius: 2\n").unwrap();
        assert_eq!(doc.shape, vec![Shape::Point, Shape::Circle { radius: 2.0 }]);
        let e = read("nodes: []\nshape:\n  - kind: square\n").unwrap_err();
        assert_eq!(place(&e), (3, 11, "shape[0].kind"));
        let e = read("nodes: []\nshape:\n  - kind: circle\n    radius: 2\n    color: red\n").unwrap_err();
        assert_eq!(place(&e), (5, 5, "shape[0].color"));
    }
}
