//! The one place that knows which YAML crate parses front matter (serde-saphyr:
//! panic-free, with budgets against hostile input). It produces a small tree of
//! [`Node`]s that remember their line and source text, so that every later error
//! can name the line of the field, and so that scalars like `5.10` or `1.0` keep the
//! text the person wrote instead of becoming floats.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// A YAML value with its position in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line within the YAML text.
    pub line: usize,
    /// The exact source text of a scalar (quotes included), when known.
    pub raw: Option<String>,
    /// The value.
    pub value: Value,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(String, Node)>),
}

impl Value {
    /// What kind of value this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "true/false",
            Value::Int(_) => "a number",
            Value::Float(_) => "a number",
            Value::Str(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax error, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line within the YAML text, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// Parses YAML text into a tree of nodes. The top level may be any value; callers
/// check that it is a mapping.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    parse_noting_plain(text).map(|(node, _)| node)
}

/// [`parse`], and whether the text was plain: read by the simple reader, so every
/// top-level key stands at the start of its own line, every other line is indented
/// under one, and there is no comment (what front matter's line-based checks look for).
pub fn parse_noting_plain(text: &str) -> Result<(Node, bool), SyntaxError> {
    if text.trim().is_empty() {
        let empty = Node {
            line: 1,
            raw: None,
            value: Value::Null,
        };
        return Ok((empty, false));
    }
    if let Some(node) = simple::parse(text) {
        return Ok((node, true));
    }
    parse_fully(text).map(|node| (node, false))
}

/// The simple reader's answer and serde-saphyr's for `text`, for the tests that hold
/// them to agreeing (the fuzz test compares them on mutated sample files).
#[doc(hidden)]
pub fn read_both_ways(text: &str) -> (Option<Node>, Result<Node, SyntaxError>) {
    (simple::parse(text), parse_fully(text))
}

/// [`parse`] by serde-saphyr alone, for any YAML (and the comparison in tests).
fn parse_fully(text: &str) -> Result<Node, SyntaxError> {
    let spanned: Spanned<Value> = serde_saphyr::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line() as usize).filter(|l| *l > 0);
        SyntaxError {
            line,
            message: plain_message(&e),
        }
    })?;
    let mut root = Node {
        line: spanned.referenced.line().max(1) as usize,
        raw: None,
        value: spanned.value,
    };
    fill_raw(&mut root, text);
    Ok(root)
}

/// The YAML that ISMS Desk itself writes, read without a general YAML parser: most
/// front matter is `key: value` lines, flow lists, and indented lists of mappings of
/// such values, and reading that directly is several times faster than a full parse
/// (the first index of a large register is mostly this). Anything else — a comment,
/// a block scalar, an anchor, a tab, a word YAML might read as a bool or null, a
/// number that is not a plain integer, a duplicate key — makes [`simple::parse`]
/// answer `None`, and serde-saphyr reads the text. Both give the same tree, line
/// numbers and source text included (`tests::the_simple_reader_agrees_with_saphyr`).
mod simple {
    use super::{Node, Value};

    /// One line of the text: its number (1-based) and its content.
    type Line<'a> = (usize, &'a str);

    pub(super) fn parse(text: &str) -> Option<Node> {
        if text.contains(['\t', '\r', '#', '&', '*', '!', '|', '>', '{', '%', '@', '`'])
            || !text.chars().all(printable)
        {
            return None;
        }
        let lines: Vec<Line> = text
            .split('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty())
            .collect();
        let first = lines.first()?;
        if indent(first.1) != 0 {
            return None;
        }
        let mut at = 0;
        let entries = map(&lines, &mut at, 0, None)?;
        (at == lines.len()).then_some(Node {
            line: first.0,
            raw: None,
            value: Value::Map(entries),
        })
    }

    /// A character YAML prints as itself in any context: not a control character, a
    /// byte-order mark or a line separator of YAML 1.1.
    fn printable(c: char) -> bool {
        matches!(c, '\n' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
            && !matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}')
    }

    fn indent(line: &str) -> usize {
        line.len() - line.trim_start_matches(' ').len()
    }

    /// The entries of a block mapping whose keys stand at column `column`, from line
    /// `at`; `inline` is the first entry's text when it follows a list's `- `.
    fn map(
        lines: &[Line],
        at: &mut usize,
        column: usize,
        mut inline: Option<(usize, &str)>,
    ) -> Option<Vec<(String, Node)>> {
        let mut entries: Vec<(String, Node)> = Vec::new();
        loop {
            let (number, content) = match inline.take() {
                Some(first) => first,
                None => {
                    let Some(&(number, line)) = lines.get(*at) else {
                        break;
                    };
                    let here = indent(line);
                    if here < column {
                        break;
                    }
                    if here > column {
                        return None;
                    }
                    *at += 1;
                    (number, &line[here..])
                }
            };
            let (key, rest) = match content.split_once(": ") {
                Some((key, rest)) => (key, rest),
                None => (content.strip_suffix(':')?, ""),
            };
            if !is_key(key) || rest.starts_with(' ') || entries.iter().any(|(k, _)| k == key) {
                return None;
            }
            let value = if rest.is_empty() {
                nested(lines, at, column, number)?
            } else if rest.starts_with('[') {
                flow_list(rest, number)?
            } else {
                scalar(rest, number, false)?
            };
            entries.push((key.to_string(), value));
        }
        Some(entries)
    }

    /// What follows `key:` with nothing after it on line `number`: an indented list,
    /// an indented mapping, or nothing.
    fn nested(lines: &[Line], at: &mut usize, column: usize, number: usize) -> Option<Node> {
        let &(next_number, next) = lines.get(*at)?;
        let inner = indent(next);
        // `key:` with nothing under it is null, and a list may stand at the key's own
        // column: both are rare here, and left to the full parser.
        if inner <= column {
            return None;
        }
        let _ = number;
        let value = if next[inner..].starts_with("- ") {
            Value::Seq(list(lines, at, inner)?)
        } else {
            Value::Map(map(lines, at, inner, None)?)
        };
        Some(Node {
            line: next_number,
            raw: None,
            value,
        })
    }

    /// The items of a block list whose `- ` stand at column `column`.
    fn list(lines: &[Line], at: &mut usize, column: usize) -> Option<Vec<Node>> {
        let mut items = Vec::new();
        while let Some(&(number, line)) = lines.get(*at) {
            let here = indent(line);
            if here < column {
                break;
            }
            let item = line[here..].strip_prefix("- ").filter(|_| here == column)?;
            *at += 1;
            if item.starts_with(' ') || item.starts_with('-') || item.starts_with('[') {
                return None;
            }
            if item.contains(": ") || item.ends_with(':') {
                let entries = map(lines, at, column + 2, Some((number, item)))?;
                items.push(Node {
                    line: number,
                    raw: None,
                    value: Value::Map(entries),
                });
            } else {
                items.push(scalar(item, number, false)?);
            }
        }
        Some(items)
    }

    /// `[a, "b", 3]` on line `number`: scalars only.
    fn flow_list(text: &str, number: usize) -> Option<Node> {
        let inner = text.strip_prefix('[')?.strip_suffix(']')?;
        let mut items = Vec::new();
        if !inner.trim().is_empty() {
            for part in split_flow(inner)? {
                let item = part.trim();
                if item.is_empty() || (!item.starts_with('"') && item.contains(['[', ']', ':'])) {
                    return None;
                }
                items.push(scalar(item, number, true)?);
            }
        }
        Some(Node {
            line: number,
            raw: None,
            value: Value::Seq(items),
        })
    }

    /// A flow list's items, split at commas outside double quotes.
    fn split_flow(inner: &str) -> Option<Vec<&str>> {
        let mut parts = Vec::new();
        let (mut start, mut quoted) = (0, false);
        for (i, c) in inner.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '\'' if !quoted => return None,
                ',' if !quoted => {
                    parts.push(&inner[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if quoted {
            return None;
        }
        parts.push(&inner[start..]);
        Some(parts)
    }

    /// A scalar whose meaning is beyond doubt: a double-quoted text without escapes, a
    /// single-quoted one without quotes inside, a plain integer, or plain text that
    /// starts with a letter and is no word YAML gives another meaning.
    fn scalar(text: &str, number: usize, flow: bool) -> Option<Node> {
        if text != text.trim() || text.is_empty() {
            return None;
        }
        let value = if let Some(inner) = text.strip_prefix('"') {
            let inner = inner.strip_suffix('"')?;
            if inner.contains(['"', '\\']) {
                return None;
            }
            Value::Str(inner.to_string())
        } else if let Some(inner) = text.strip_prefix('\'') {
            let inner = inner.strip_suffix('\'')?;
            if inner.contains('\'') {
                return None;
            }
            Value::Str(inner.to_string())
        } else if text == "true" || text == "false" {
            Value::Bool(text == "true")
        } else if text.bytes().all(|b| b.is_ascii_digit()) {
            if text.len() > 18 || (text.len() > 1 && text.starts_with('0')) {
                return None;
            }
            Value::Int(text.parse().ok()?)
        } else {
            let first = text.chars().next()?;
            if is_date(text) {
                return Some(Node {
                    line: number,
                    raw: Some(text.to_string()),
                    value: Value::Str(text.to_string()),
                });
            }
            if !first.is_alphabetic()
                || text.contains(": ")
                || text.contains(" #")
                || (flow && text.contains(['"', '\'', ',', '[', ']', '}', '?']))
                || text.ends_with(':')
                || special_word(text)
            {
                return None;
            }
            Value::Str(text.to_string())
        };
        Some(Node {
            line: number,
            raw: Some(text.to_string()),
            value,
        })
    }

    /// `2026-05-12`: YAML has no date type for serde, so a date reads as its text.
    fn is_date(text: &str) -> bool {
        let b = text.as_bytes();
        b.len() == 10
            && b.iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            })
    }

    /// A word YAML 1.1 or 1.2 may read as a bool, null or number, in any case.
    fn special_word(text: &str) -> bool {
        text.len() <= 5
            && [
                "true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf",
            ]
            .iter()
            .any(|w| text.eq_ignore_ascii_case(w))
    }

    /// A key ISMS Desk writes: letters, digits and underscores, starting with a letter,
    /// and no word YAML reads as something else (`on` is a bool).
    fn is_key(key: &str) -> bool {
        !special_word(key)
            && key.starts_with(|c: char| c.is_ascii_alphabetic())
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    }
}

/// The error message without the crate's rendered snippet or location.
fn plain_message(e: &serde_saphyr::Error) -> String {
    let rendered = e.without_snippet().to_string();
    let first = rendered.lines().next().unwrap_or("invalid YAML").trim();
    // Drop a trailing " at line X column Y" that we report ourselves.
    let cut = first.find(" at line ").map_or(first, |i| &first[..i]);
    cut.trim_start_matches("error: ").to_string()
}

/// Replaces the byte ranges captured during deserialisation with the source text.
fn fill_raw(node: &mut Node, text: &str) {
    if let Some(range) = node.raw.take() {
        node.raw = decode_range(&range)
            .and_then(|(start, len)| text.get(start..start + len))
            .map(|s| s.trim().to_string());
    }
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| fill_raw(n, text)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, n)| fill_raw(n, text)),
        _ => {}
    }
}

// While deserialising we have no access to the source text, so a scalar's byte
// range is parked in `raw` as "start:len" and replaced by `fill_raw`.
fn encode_range(s: &Spanned<Value>) -> Option<String> {
    let span = s.referenced.span();
    Some(format!("{}:{}", span.byte_offset()?, span.byte_len()?))
}

fn decode_range(range: &str) -> Option<(usize, usize)> {
    let (start, len) = range.split_once(':')?;
    Some((start.parse().ok()?, len.parse().ok()?))
}

fn node(s: Spanned<Value>) -> Node {
    let raw = match s.value {
        Value::Seq(_) | Value::Map(_) | Value::Null => None,
        _ => encode_range(&s),
    };
    Node {
        line: s.referenced.line() as usize,
        raw,
        value: s.value,
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("number too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Value>>()? {
            items.push(node(item));
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(String, Node)> = Vec::new();
        while let Some(Key(key)) = map.next_key::<Key>()? {
            let value = map.next_value::<Spanned<Value>>()?;
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            entries.push((key, node(value)));
        }
        Ok(Value::Map(entries))
    }
}

/// A mapping key: any scalar, read as text.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(node: &Node) -> &[(String, Node)] {
        match &node.value {
            Value::Map(m) => m,
            other => panic!("expected a map, got {other:?}"),
        }
    }

    /// Every front matter of the sample ISMS, and texts on the edge of what the simple
    /// reader takes: where it answers, it answers exactly what serde-saphyr does.
    #[test]
    fn the_simple_reader_agrees_with_saphyr() {
        let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-isms");
        let mut texts: Vec<String> = Vec::new();
        let mut stack = vec![sample];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("the sample is readable") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    // Evidence files are what was collected, not records.
                    if !path.ends_with("evidence/files") {
                        stack.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "md") {
                    let text = std::fs::read_to_string(&path).expect("UTF-8");
                    let source = crate::format::frontmatter::split(&text).expect("front matter");
                    texts.push(source.front);
                }
            }
        }
        let sample_count = texts.len();
        texts.extend(
            [
                "id: R-001\nlikelihood: 4\nversion: \"1.0\"\ncontrols: [\"5.10\", \"8.13\"]\n",
                "a: yes\n",
                "a: No\n",
                "a: null\n",
                "a: ~\n",
                "a: 007\n",
                "a: 1.5\n",
                "a: 2026-05-12\n",
                "a: 2026-5-12\n",
                "a: text: more\n",
                "a: [x, z]\nb: []\nc: [ \"p, q\" , r ]\n",
                "a:\n  - x\n  - z\n",
                "a:\n- x\n",
                "a:\n  b: 1\n  c: two\n",
                "items:\n  - id: I1\n    about: \"9.2\"\n    note: Fine\n  - id: I2\n    about: A.5.18\n",
                "a: 1\na: 2\n",
                "a: b # c\n",
                "a: 'single'\nb: \"dq\"\n",
                "a:\n",
                "Ä: ü\nb: Ärger\n",
                "a: x\n\nb: z\n",
                "a: 99999999999999999999\n",
                "a: -5\n",
                "a: Off\n",
                "a: true\nb: false\nc: True\n",
                "a: One, two and [three]\nb: engineers' laptops\nc: say \"hi\"\nd: why?\n",
                "a: [one two, x]\nb: [it's]\n",
            ]
            .map(String::from),
        );
        let mut simple_answered = 0;
        for text in &texts {
            if simple::parse(text).is_some() {
                simple_answered += 1;
            } else if std::env::var_os("YAML_DEBUG").is_some() {
                eprintln!("---- not taken:\n{text}");
            }
            if let Some(fast) = simple::parse(text) {
                assert_eq!(Ok(fast), parse_fully(text), "{text}");
            }
        }
        assert!(
            simple_answered >= sample_count / 2,
            "the simple reader took only {simple_answered} of {} texts",
            texts.len()
        );
    }

    #[test]
    fn nodes_know_their_line_and_source_text() {
        let root =
            parse("id: R-001\nlikelihood: 4\nversion: 1.0\ncontrols:\n  - 5.10\n  - \"8.13\"\n")
                .expect("valid YAML");
        let m = map(&root);
        assert_eq!(m[1].0, "likelihood");
        assert_eq!((m[1].1.line, &m[1].1.value), (2, &Value::Int(4)));
        assert_eq!(m[2].1.raw.as_deref(), Some("1.0"));
        let Value::Seq(items) = &m[3].1.value else {
            panic!("controls is a list")
        };
        assert_eq!(items[0].line, 5);
        assert_eq!(items[0].raw.as_deref(), Some("5.10"));
        assert_eq!(items[1].value, Value::Str("8.13".into()));
    }

    #[test]
    fn syntax_errors_and_duplicate_keys_are_located() {
        let e = parse("id: R-001\ntitle: [unclosed\n").expect_err("bad YAML");
        assert!(e.line.is_some(), "{e:?}");
        let e = parse("id: R-001\nid: R-002\n").expect_err("duplicate key");
        assert_eq!(e.line, Some(2), "{e:?}");
        assert!(e.message.contains("duplicate"), "{e:?}");
    }
}
