//! Parses YAML (through `saphyr-parser`'s event stream) and JSON (by hand, so that
//! every value keeps its position) into the spanned [`Node`] tree.
//!
//! Both parsers refuse input past [`MAX_DEPTH`] levels of nesting or [`MAX_NODES`]
//! nodes, and YAML past [`MAX_TEXT_BYTES`] of text (aliases counted as expanded; a
//! JSON text is never longer than its file), so no input can exhaust the stack or
//! memory, and both find a duplicate key through an index of the mapping's keys, so
//! a mapping of many keys costs n log n, not n squared. YAML is limited to what a
//! configuration file needs: one document, string keys without duplicates, aliases to
//! earlier anchors, and the `!!str` tag.

use super::document::{Entry, Location, Node, ScalarStyle, Value};
use saphyr_parser::{Event, Parser, ScalarStyle as YamlStyle, ScanError, Span};
use std::cell::Cell;
use std::collections::BTreeMap;

/// Deepest nesting of lists and mappings accepted.
pub const MAX_DEPTH: usize = 64;
/// Most nodes one document may hold, with aliases counted as expanded and an anchored
/// node counted twice (the tree builder keeps a copy of it for its aliases).
pub const MAX_NODES: usize = 200_000;
/// Most bytes of scalar text (keys included) one document may hold, with aliases
/// counted as expanded: without it, a long string repeated by a few hundred aliases
/// would take gigabytes while staying far under [`MAX_NODES`].
pub const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// A syntax error: where, and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub at: Location,
    /// The field being read when the error was found (`nodes[2].priority`), if any.
    pub path: String,
    pub message: String,
}

type Result<T> = std::result::Result<T, SyntaxError>;

fn fail<T>(at: Location, message: impl Into<String>) -> Result<T> {
    Err(SyntaxError { at, path: String::new(), message: message.into() })
}

/// Parses one YAML document.
///
/// # Errors
/// Syntax errors, more than one document, non-string or duplicate keys, unknown
/// aliases, tags other than `!!str`, an empty document, and the size limits.
pub fn parse_yaml(text: &str) -> Result<Node> {
    let mut builder = TreeBuilder::default();
    match read_events(text, &mut builder) {
        Ok(()) => builder.finish(),
        Err(mut error) => {
            if let Some(hint) = open_flow_hint(text, &builder, &error) {
                error.message.push_str(&hint);
            }
            // The scanner reports an end of input that lacks its final line break one
            // line past the last: point at the true end instead.
            error.at = error.at.min(end_of(text));
            Err(SyntaxError { path: path_text(&builder.path()), ..error })
        }
    }
}

/// Where a text ends: its last line, one column past its last character.
fn end_of(text: &str) -> Location {
    let last_line = text.rsplit('\n').next().unwrap_or_default();
    to_location(text.matches('\n').count() + 1, last_line.chars().count())
}

/// When an error that a missing closing bracket causes falls inside a `[...]` or
/// `{...}` opened on an earlier line, says where it was opened: the parser reports a
/// missing bracket only where it trips over what follows.
fn open_flow_hint(text: &str, builder: &TreeBuilder, error: &SyntaxError) -> Option<String> {
    let about_brackets = error.message.contains("flow") || error.message.contains("':'");
    let frame = builder.stack.last().filter(|_| about_brackets)?;
    let line = text.lines().nth(frame.at.line.checked_sub(1)? as usize)?;
    let opener = line.chars().nth(frame.at.column.checked_sub(1)? as usize)?;
    let (noun, closer) = match opener {
        '[' => ("list", ']'),
        '{' => ("mapping", '}'),
        _ => return None,
    };
    (frame.at.line < error.at.line).then(|| {
        format!(
            " (inside the {noun} opened with `{opener}` at line {}, column {}: is its `{closer}` missing?)",
            frame.at.line, frame.at.column
        )
    })
}

fn read_events(text: &str, builder: &mut TreeBuilder) -> Result<()> {
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(scan_error)?;
        let at = location(&span);
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return fail(at, "a file holds one document, found a second one");
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let style = match (style, tag) {
                    (_, Some(tag)) if tag.is_yaml_core_schema() && tag.suffix == "str" => ScalarStyle::Quoted,
                    (_, Some(tag)) => return fail(at, format!("tag `{}{}` is not supported", tag.handle, tag.suffix)),
                    (YamlStyle::Plain, None) => ScalarStyle::Plain,
                    (_, None) => ScalarStyle::Quoted,
                };
                let node = Node { at, value: Value::Scalar { text: text.into_owned(), style } };
                builder.value(node, anchor)?;
            }
            Event::SequenceStart(anchor, tag) => builder.open(at, false, anchor, tag.is_some())?,
            Event::MappingStart(anchor, tag) => builder.open(at, true, anchor, tag.is_some())?,
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
            Event::Alias(anchor) => builder.alias(at, anchor)?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    Ok(())
}

/// One step of a field path.
enum Segment {
    Key(String),
    Index(usize),
}

/// Most path segments an error message shows; deeper paths end with `...`.
const PATH_SEGMENTS_SHOWN: usize = 12;

fn path_text(segments: &[Segment]) -> String {
    let mut text = String::new();
    if segments.len() > PATH_SEGMENTS_SHOWN {
        text = path_text(&segments[..PATH_SEGMENTS_SHOWN]);
        text.push_str("...");
        return text;
    }
    for segment in segments {
        match segment {
            Segment::Key(key) if text.is_empty() => text.push_str(key),
            Segment::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Segment::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

fn location(span: &Span) -> Location {
    to_location(span.start.line(), span.start.col())
}

fn to_location(line: usize, col0: usize) -> Location {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Location { line: clamp(line.max(1)), column: clamp(col0 + 1) }
}

fn scan_error(error: ScanError) -> SyntaxError {
    let mark = error.marker();
    let message = match error.info() {
        "recursion limit exceeded" => format!("the document nests deeper than {MAX_DEPTH} levels"),
        info => info.to_string(),
    };
    SyntaxError { at: to_location(mark.line(), mark.col()), path: String::new(), message }
}

/// Builds the tree from open/value/close calls, enforcing the limits.
#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Frame>,
    root: Option<Node>,
    /// Anchored nodes by anchor id, with their expanded sizes.
    anchors: Vec<Option<(Node, Size)>>,
    /// The document's size so far, aliases expanded.
    size: Size,
}

/// How much of the limits a document or a subtree uses.
#[derive(Clone, Copy, Debug, Default)]
struct Size {
    nodes: usize,
    text_bytes: usize,
}

impl Size {
    fn of_scalar(node: &Node) -> Size {
        let text_bytes = match &node.value {
            Value::Scalar { text, .. } => text.len(),
            _ => 0,
        };
        Size { nodes: 1, text_bytes }
    }
}

struct Frame {
    at: Location,
    anchor: usize,
    size_at_open: Size,
    kind: FrameKind,
}

enum FrameKind {
    Sequence(Vec<Node>),
    /// `seen`: each key read so far, with where it was first given.
    Mapping {
        entries: Vec<Entry>,
        key: Option<(String, Location)>,
        seen: BTreeMap<String, Location>,
    },
}

impl TreeBuilder {
    /// The path of the value being read now.
    fn path(&self) -> Vec<Segment> {
        let mut segments = Vec::new();
        let innermost = self.stack.len().saturating_sub(1);
        for (depth, frame) in self.stack.iter().enumerate() {
            match &frame.kind {
                // No nested item is open in the innermost list: the error is between its
                // items or in a scalar not yet read, so name the list, not an item that
                // does not exist.
                FrameKind::Sequence(_) if depth == innermost => {}
                FrameKind::Sequence(items) => segments.push(Segment::Index(items.len())),
                FrameKind::Mapping { key: Some((key, _)), .. } => segments.push(Segment::Key(key.clone())),
                FrameKind::Mapping { key: None, .. } => {}
            }
        }
        segments
    }

    fn count(&mut self, at: Location, added: Size) -> Result<()> {
        self.size.nodes = self.size.nodes.saturating_add(added.nodes);
        self.size.text_bytes = self.size.text_bytes.saturating_add(added.text_bytes);
        if self.size.nodes > MAX_NODES {
            return fail(at, format!("the document has more than {MAX_NODES} values (aliases count as expanded)"));
        }
        if self.size.text_bytes > MAX_TEXT_BYTES {
            let message =
                format!("the document has more than {MAX_TEXT_BYTES} bytes of text (aliases count as expanded)");
            return fail(at, message);
        }
        Ok(())
    }

    fn open(&mut self, at: Location, is_map: bool, anchor: usize, tagged: bool) -> Result<()> {
        if tagged {
            return fail(at, "tags on lists and mappings are not supported");
        }
        if let Some(Frame { kind: FrameKind::Mapping { key: None, .. }, .. }) = self.stack.last() {
            return fail(at, "mapping keys must be plain strings, found a list or mapping");
        }
        if self.stack.len() >= MAX_DEPTH {
            return fail(at, format!("the document nests deeper than {MAX_DEPTH} levels"));
        }
        let size_at_open = self.size;
        self.count(at, Size { nodes: 1, text_bytes: 0 })?;
        let kind = if is_map {
            FrameKind::Mapping { entries: Vec::new(), key: None, seen: BTreeMap::new() }
        } else {
            FrameKind::Sequence(Vec::new())
        };
        self.stack.push(Frame { at, anchor, size_at_open, kind });
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        let frame = self.stack.pop().expect("the parser balances start and end events");
        let value = match frame.kind {
            FrameKind::Sequence(items) => Value::Sequence(items),
            FrameKind::Mapping { entries, .. } => Value::Mapping(entries),
        };
        let size = Size {
            nodes: self.size.nodes - frame.size_at_open.nodes,
            text_bytes: self.size.text_bytes - frame.size_at_open.text_bytes,
        };
        self.place(Node { at: frame.at, value }, frame.anchor, size)
    }

    fn value(&mut self, node: Node, anchor: usize) -> Result<()> {
        let size = Size::of_scalar(&node);
        self.count(node.at, size)?;
        self.place(node, anchor, size)
    }

    fn alias(&mut self, at: Location, anchor: usize) -> Result<()> {
        let size = match self.anchors.get(anchor) {
            Some(Some((_, size))) => *size,
            _ => return fail(at, "alias to an anchor that is not defined before it"),
        };
        // Counted before the copy is made, so that a refused alias costs nothing.
        self.count(at, size)?;
        let node = self.anchors[anchor].as_ref().map(|(node, _)| node.clone()).expect("the anchor was found above");
        self.place(Node { at, ..node }, 0, size)
    }

    fn place(&mut self, node: Node, anchor: usize, size: Size) -> Result<()> {
        if anchor > 0 {
            // The copy kept for the aliases counts too: anchors nested 60 deep around a
            // long list would otherwise keep 60 copies of it (a 570 KB file took 900 MB).
            self.count(node.at, size)?;
            if self.anchors.len() <= anchor {
                self.anchors.resize(anchor + 1, None);
            }
            self.anchors[anchor] = Some((node.clone(), size));
        }
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut parent.kind {
            FrameKind::Sequence(items) => items.push(node),
            FrameKind::Mapping { entries, key, seen } => match key.take() {
                Some((key, key_at)) => entries.push(Entry { key, key_at, value: node }),
                None => {
                    let Value::Scalar { text, .. } = node.value else {
                        return fail(node.at, "mapping keys must be plain strings");
                    };
                    let first = seen.get(&text).copied();
                    // Set before failing, so that the error's path names the key.
                    *key = Some((text.clone(), node.at));
                    if let Some(first) = first {
                        return fail(node.at, duplicate_key(&text, first));
                    }
                    seen.insert(text, node.at);
                }
            },
        }
        Ok(())
    }

    fn finish(self) -> Result<Node> {
        match self.root {
            Some(Node { value: Value::Scalar { ref text, style: ScalarStyle::Plain }, at })
                if text.is_empty() || text == "~" || text == "null" =>
            {
                fail(at, "the document is empty")
            }
            Some(root) => Ok(root),
            None => fail(Location { line: 1, column: 1 }, "the file is empty"),
        }
    }
}

fn duplicate_key(key: &str, first: Location) -> String {
    format!("duplicate key `{key}` (first given at line {}, column {})", first.line, first.column)
}

/// Parses one JSON value (RFC 8259) into the same tree as YAML: strings become quoted
/// scalars, numbers and literals plain ones.
///
/// # Errors
/// Any syntax error, trailing content, duplicate keys and the size limits.
pub fn parse_json(text: &str) -> Result<Node> {
    let mut parser = JsonParser {
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
        line_start: 0,
        column_mark: Cell::new((0, 0)),
        nodes: 0,
        path: Vec::new(),
    };
    parser.document().map_err(|error| SyntaxError { path: path_text(&parser.path), ..error })
}

struct JsonParser<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
    /// A position on the current line and its column (0-based, in characters), so that
    /// locating a value counts only the characters since the last one: on a one-line
    /// document of a million values, counting from the line's start would be quadratic.
    column_mark: Cell<(usize, usize)>,
    nodes: usize,
    path: Vec<Segment>,
}

impl JsonParser<'_> {
    fn document(&mut self) -> Result<Node> {
        self.skip_whitespace();
        if self.pos == self.bytes.len() {
            return fail(self.here(), "the file is empty");
        }
        let root = self.value(0)?;
        self.skip_whitespace();
        if self.pos < self.bytes.len() {
            return fail(self.here(), "unexpected content after the JSON value");
        }
        Ok(root)
    }

    fn here(&self) -> Location {
        let (mark, column) = self.column_mark.get();
        let from = if mark >= self.line_start && mark <= self.pos { mark } else { self.line_start };
        let base = if from == mark { column } else { 0 };
        // A character is a byte that does not continue a UTF-8 sequence.
        let column = base + self.bytes[from..self.pos].iter().filter(|&&b| b & 0xC0 != 0x80).count();
        self.column_mark.set((self.pos, column));
        to_location(self.line, column)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(byte) = self.peek() {
            match byte {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.pos;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                _ => break,
            }
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<()> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            fail(self.here(), format!("expected {what}"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node> {
        self.skip_whitespace();
        let at = self.here();
        if depth >= MAX_DEPTH {
            return fail(at, format!("the document nests deeper than {MAX_DEPTH} levels"));
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return fail(at, format!("the document has more than {MAX_NODES} values"));
        }
        let value = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::Scalar { text: self.string()?, style: ScalarStyle::Quoted },
            Some(b'-' | b'0'..=b'9') => Value::Scalar { text: self.number()?, style: ScalarStyle::Plain },
            Some(b't' | b'f' | b'n') => Value::Scalar { text: self.literal()?, style: ScalarStyle::Plain },
            Some(_) => {
                let found = String::from_utf8_lossy(&self.bytes[self.pos..]).chars().next().unwrap_or_default();
                return fail(at, format!("expected a JSON value, found `{found}`"));
            }
            None => return fail(at, "unexpected end of file, expected a JSON value"),
        };
        Ok(Node { at, value })
    }

    fn object(&mut self, depth: usize) -> Result<Value> {
        self.pos += 1;
        let mut entries: Vec<Entry> = Vec::new();
        let mut seen: BTreeMap<String, Location> = BTreeMap::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Mapping(entries));
        }
        loop {
            self.skip_whitespace();
            let key_at = self.here();
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') => return fail(key_at, "expected a key after `,`, found `}` (a trailing comma?)"),
                None => return fail(key_at, "unexpected end of file, expected a string key"),
                Some(_) => return fail(key_at, "expected a string key in double quotes"),
            }
            let key = self.string()?;
            self.path.push(Segment::Key(key.clone()));
            if let Some(&first) = seen.get(&key) {
                return fail(key_at, duplicate_key(&key, first));
            }
            seen.insert(key.clone(), key_at);
            self.expect(b':', "`:` after the key")?;
            let value = self.value(depth + 1)?;
            self.path.pop();
            entries.push(Entry { key, key_at, value });
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Mapping(entries));
                }
                None => return fail(self.here(), "unexpected end of file, expected `,` or `}`"),
                _ => return fail(self.here(), "expected `,` or `}`"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Sequence(items));
        }
        loop {
            self.skip_whitespace();
            if !items.is_empty() && self.peek() == Some(b']') {
                return fail(self.here(), "expected a value after `,`, found `]` (a trailing comma?)");
            }
            self.path.push(Segment::Index(items.len()));
            items.push(self.value(depth + 1)?);
            self.path.pop();
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Sequence(items));
                }
                None => return fail(self.here(), "unexpected end of file, expected `,` or `]`"),
                _ => return fail(self.here(), "expected `,` or `]`"),
            }
        }
    }

    fn string(&mut self) -> Result<String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(byte) = self.peek() {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&String::from_utf8_lossy(&self.bytes[start..self.pos]));
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(b'\n' | b'\r') => {
                    return fail(self.here(), "unterminated string: the line ends before its closing `\"`")
                }
                Some(_) => return fail(self.here(), "control character inside a string"),
                None => return fail(self.here(), "unterminated string at the end of the file"),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<()> {
        let at = self.here();
        let Some(byte) = self.peek() else {
            return fail(at, "unterminated string");
        };
        self.pos += 1;
        let ch = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&high) {
                    if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                        return fail(at, "unpaired surrogate in \\u escape");
                    }
                    self.pos += 2;
                    let low = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return fail(at, "unpaired surrogate in \\u escape");
                    }
                    0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    high
                };
                match char::from_u32(code) {
                    Some(ch) => ch,
                    None => return fail(at, "invalid \\u escape"),
                }
            }
            _ => return fail(at, "invalid escape in string"),
        };
        out.push(ch);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4).and_then(|d| std::str::from_utf8(d).ok());
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(value) => {
                self.pos += 4;
                Ok(value)
            }
            None => fail(self.here(), "expected four hex digits after \\u"),
        }
    }

    fn number(&mut self) -> Result<String> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let leading_zero = self.peek() == Some(b'0');
        if !digits(self) || (leading_zero && self.pos - start > 1 + usize::from(self.bytes[start] == b'-')) {
            return fail(self.here(), "malformed number");
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return fail(self.here(), "malformed number: digits expected after `.`");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return fail(self.here(), "malformed number: digits expected in the exponent");
            }
        }
        Ok(String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned())
    }

    fn literal(&mut self) -> Result<String> {
        for word in ["true", "false", "null"] {
            if self.bytes[self.pos..].starts_with(word.as_bytes()) {
                self.pos += word.len();
                return Ok(word.to_string());
            }
        }
        fail(self.here(), "expected true, false or null")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_give_the_same_tree_shape_with_positions() {
        let yaml = parse_yaml("a: 1\nb:\n  - x\n  - 'y'\n").unwrap();
        let json = parse_json("{\"a\": 1,\n \"b\": [\"x\", \"y\"]}").unwrap();
        assert_eq!(yaml.locate("b[1]"), Location { line: 4, column: 5 });
        assert_eq!(json.locate("b[1]"), Location { line: 2, column: 13 });
        assert_eq!(yaml.get("a").unwrap().value.value, json.get("a").unwrap().value.value);
    }

    #[test]
    fn syntax_errors_name_the_field_being_read() {
        let e = parse_yaml("nodes:\n  - node_id: a\n    priority: [1\n").unwrap_err();
        assert_eq!(e.path, "nodes[0].priority");
        let e = parse_json("{\"nodes\": [{\"priority\": tru}]}").unwrap_err();
        assert_eq!(e.path, "nodes[0].priority");
    }

    #[test]
    fn duplicate_keys_are_refused_in_both_formats() {
        assert!(parse_yaml("a: 1\na: 2\n").unwrap_err().message.contains("duplicate key"));
        assert!(parse_json("{\"a\":1,\"a\":2}").unwrap_err().message.contains("duplicate key"));
    }

    #[test]
    fn nesting_past_the_limit_is_refused_without_recursion() {
        let deep = "[".repeat(10_000);
        assert!(parse_yaml(&deep).unwrap_err().message.contains("nests deeper"));
        assert!(parse_json(&deep).unwrap_err().message.contains("nests deeper"));
    }

    #[test]
    fn alias_bombs_are_refused_by_the_node_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        assert!(parse_yaml(&text).unwrap_err().message.contains("more than"));
    }

    #[test]
    fn an_error_at_the_end_of_input_points_inside_the_text() {
        let e = parse_yaml("cluster_id: c\nregions: [a,").unwrap_err();
        assert_eq!(e.at, Location { line: 2, column: 13 });
        let e = parse_yaml("cluster_id: c\nregions: [a,\n").unwrap_err();
        assert_eq!(e.at, Location { line: 3, column: 1 });
    }

    #[test]
    fn empty_inputs_are_errors() {
        assert_eq!(parse_yaml("").unwrap_err().message, "the file is empty");
        assert_eq!(parse_yaml("# only a comment\n").unwrap_err().message, "the file is empty");
        assert_eq!(parse_json("  \n").unwrap_err().message, "the file is empty");
    }
}
