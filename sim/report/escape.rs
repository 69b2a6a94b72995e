//! Escaping user-supplied text (scenario names, node ids, details, replay commands)
//! for the HTML and XML reports: the five markup characters become entities, and the
//! control characters XML 1.0 forbids are dropped (HTML accepts the same output).

/// Text safe inside element content and quoted attribute values.
pub fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_forbidden(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether `ch` is dropped from the reports: a control character other than tab, line
/// feed and carriage return (XML 1.0 forbids those below U+0020), or one of the
/// noncharacters U+FFFE and U+FFFF.
pub fn is_forbidden(ch: char) -> bool {
    !matches!(ch, '\t' | '\n' | '\r') && (ch.is_control() || ch == '\u{FFFE}' || ch == '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::markup;

    #[test]
    fn escaping_covers_markup_and_drops_forbidden_characters() {
        assert_eq!(markup("<a href=\"x\">&'\u{1}</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
        assert_eq!(markup("a\tb\nc\r\u{1b}[31m\u{85}\u{FFFE}"), "a\tb\nc\r[31m");
    }
}
