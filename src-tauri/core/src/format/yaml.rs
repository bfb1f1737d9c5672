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
    if text.trim().is_empty() {
        return Ok(Node {
            line: 1,
            raw: None,
            value: Value::Null,
        });
    }
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
