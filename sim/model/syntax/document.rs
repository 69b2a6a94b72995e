//! The spanned document tree that both YAML and JSON inputs parse into.
//!
//! Every node remembers where it starts in its file, so that type errors found while
//! deserializing and rule violations found while validating can both point at a line
//! and column. Scalars keep their source text and style; what a plain scalar means
//! (null, bool, integer, float or string) is decided by whoever asks for it.

use std::fmt;

/// A position in an input file; line and column both count from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// How a scalar was written: plain scalars are typed by the YAML core schema,
/// quoted ones are always strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    Quoted,
}

/// One node of the tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub at: Location,
    pub value: Value,
}

/// A node's content. Mappings keep their keys in file order and hold no duplicates.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar { text: String, style: ScalarStyle },
    Sequence(Vec<Node>),
    Mapping(Vec<Entry>),
}

/// One `key: value` pair of a mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_at: Location,
    pub value: Node,
}

impl Node {
    /// The entry for `key`, if this node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Mapping(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Finds where a field path such as `nodes[2].priority` points.
    ///
    /// Walks as far as the path exists and returns the deepest location reached, so a
    /// rule about a field that was left out (and took its default) points at the
    /// mapping that should have held it.
    pub fn locate(&self, path: &str) -> Location {
        let mut node = self;
        let mut at = self.at;
        for segment in split_path(path) {
            match segment {
                Segment::Key(key) => match node.get(key) {
                    Some(entry) => {
                        at = entry.key_at;
                        node = &entry.value;
                    }
                    None => return at,
                },
                Segment::Index(index) => match &node.value {
                    Value::Sequence(items) if index < items.len() => {
                        node = &items[index];
                        at = node.at;
                    }
                    _ => return at,
                },
            }
        }
        at
    }

    /// A short description of the node's kind, for "found ..." in messages.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Scalar { text, style: ScalarStyle::Quoted } => format!("string {text:?}"),
            Value::Scalar { text, .. } => format!("`{}`", clip(text)),
            Value::Sequence(_) => "a list".to_string(),
            Value::Mapping(_) => "a mapping".to_string(),
        }
    }
}

fn clip(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    if text.chars().count() <= MAX_CHARS {
        text.to_string()
    } else {
        let head: String = text.chars().take(MAX_CHARS).collect();
        format!("{head}...")
    }
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn split_path(path: &str) -> Vec<Segment<'_>> {
    let mut segments = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            segments.push(Segment::Key(key));
        }
        while let Some(close) = rest.find(']') {
            if let Ok(index) = rest[1..close].parse() {
                segments.push(Segment::Index(index));
            }
            rest = &rest[close + 1..];
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(line: u32, text: &str) -> Node {
        let value = Value::Scalar { text: text.into(), style: ScalarStyle::Plain };
        Node { at: Location { line, column: 5 }, value }
    }

    #[test]
    fn locate_walks_keys_and_indices_and_stops_at_the_deepest_existing_node() {
        let node = |line, column| Node {
            at: Location { line, column },
            value: Value::Mapping(vec![Entry {
                key: "priority".into(),
                key_at: Location { line, column: column + 2 },
                value: scalar(line, "5"),
            }]),
        };
        let root = Node {
            at: Location { line: 1, column: 1 },
            value: Value::Mapping(vec![Entry {
                key: "nodes".into(),
                key_at: Location { line: 1, column: 1 },
                value: Node {
                    at: Location { line: 2, column: 3 },
                    value: Value::Sequence(vec![node(2, 3), node(4, 3)]),
                },
            }]),
        };
        assert_eq!(root.locate("nodes[1].priority"), Location { line: 4, column: 5 });
        assert_eq!(root.locate("nodes[1].capacity"), Location { line: 4, column: 3 });
        assert_eq!(root.locate("nodes[7].priority"), Location { line: 1, column: 1 });
        assert_eq!(root.locate(""), Location { line: 1, column: 1 });
    }
}
