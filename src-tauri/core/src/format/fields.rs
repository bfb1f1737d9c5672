//! Typed reading of front-matter fields. Every problem becomes a [`LoadError`] that
//! names the file, the line of the field and the field; reading goes on so that one
//! pass reports every problem in a file.

use chrono::NaiveDate;

use super::yaml::{Node, Value};
use crate::domain::MAX_LEVEL;
use crate::LoadError;

/// Collects the problems found while reading one file.
pub struct Reader<'a> {
    path: &'a str,
    /// Added to YAML line numbers to give file line numbers.
    line_offset: usize,
    /// Problems found so far.
    pub errors: Vec<LoadError>,
}

/// A mapping being read: its entries, its dotted name and its line.
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    entries: &'a [(String, Node)],
    prefix: &'a str,
    line: usize,
}

impl<'a> Reader<'a> {
    /// A reader for a file whose YAML starts at file line `line_offset + 1`.
    pub fn new(path: &'a str, line_offset: usize) -> Self {
        Self {
            path,
            line_offset,
            errors: Vec::new(),
        }
    }

    /// Records a problem at a YAML line.
    pub fn error(&mut self, yaml_line: usize, field: &str, message: impl Into<String>) {
        self.errors.push(LoadError {
            path: self.path.to_string(),
            line: Some(yaml_line + self.line_offset),
            field: (!field.is_empty()).then(|| field.to_string()),
            message: message.into(),
        });
    }

    /// The top-level mapping of a document, or an error if it is something else.
    pub fn root<'n>(&mut self, root: &'n Node) -> Option<Fields<'n>> {
        match &root.value {
            Value::Map(entries) => Some(Fields {
                entries,
                prefix: "",
                line: 1,
            }),
            Value::Null => Some(Fields {
                entries: &[],
                prefix: "",
                line: 1,
            }),
            other => {
                self.error(
                    root.line,
                    "",
                    format!("expected key: value pairs, found {}", other.kind()),
                );
                None
            }
        }
    }

    fn missing(&mut self, f: Fields, key: &str) {
        self.error(f.line, &f.name(key), "required field is missing");
    }

    /// Required text.
    pub fn text(&mut self, f: Fields, key: &str) -> Option<String> {
        let value = self.opt_text(f, key);
        if value.is_none() && !self.has_error_for(f, key) {
            self.missing(f, key);
        }
        value
    }

    /// Optional text; numbers and booleans are taken as the text written.
    pub fn opt_text(&mut self, f: Fields, key: &str) -> Option<String> {
        let node = f.get(key)?;
        let text = self.scalar_text(node, &f.name(key))?;
        (!text.trim().is_empty()).then_some(text)
    }

    fn scalar_text(&mut self, node: &Node, field: &str) -> Option<String> {
        match &node.value {
            Value::Null => None,
            Value::Str(s) => {
                // A carriage return or an escape in a value cannot be seen, yet makes
                // `cto\r` a role nobody has and can rewrite a terminal line.
                if let Some(c) = s
                    .chars()
                    .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
                {
                    self.error(
                        node.line,
                        field,
                        format!(
                            "contains an invisible control character (U+{:04X}); remove it",
                            u32::from(c)
                        ),
                    );
                    return None;
                }
                Some(s.clone())
            }
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => node
                .raw
                .clone()
                .or_else(|| Some(scalar_fallback(&node.value))),
            other => {
                self.error(
                    node.line,
                    field,
                    format!("expected text, found {}", other.kind()),
                );
                None
            }
        }
    }

    pub(crate) fn has_error_for(&self, f: Fields, key: &str) -> bool {
        let name = f.name(key);
        self.errors
            .iter()
            .any(|e| e.field.as_deref() == Some(name.as_str()))
    }

    /// An optional level of a scale: 1 to the most levels any methodology may have
    /// (the methodology in force checks its own scales: `Rule::LevelsOnScale`).
    pub fn opt_level(&mut self, f: Fields, key: &str) -> Option<u8> {
        let range = 1..=i64::from(MAX_LEVEL);
        self.whole_number(f, key, range, Bounds::Scale)
            .and_then(|n| u8::try_from(n).ok())
    }

    /// An optional whole number.
    pub fn opt_number(&mut self, f: Fields, key: &str, min: i64, max: i64) -> Option<i64> {
        self.whole_number(f, key, min..=max, Bounds::Range)
    }

    /// An optional whole number within `range`; outside it, or not a whole number,
    /// an error naming the bounds as `bounds` says them.
    fn whole_number(
        &mut self,
        f: Fields,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
        bounds: Bounds,
    ) -> Option<i64> {
        let node = f.get(key)?;
        let (min, max) = (range.start(), range.end());
        match node.value {
            Value::Null => None,
            Value::Int(n) if range.contains(&n) => Some(n),
            Value::Int(n) => {
                let outside = match bounds {
                    Bounds::Scale if n < *min => {
                        format!("{n} is not a level: levels start at {min}")
                    }
                    Bounds::Scale => format!(
                        "{n} is outside every scale: a methodology has at most {max} levels"
                    ),
                    Bounds::Range => format!("{n} is outside {min}–{max}"),
                };
                self.error(node.line, &f.name(key), outside);
                None
            }
            ref other => {
                let shown = node.raw.clone().unwrap_or_else(|| other.kind().to_string());
                let expected = match bounds {
                    Bounds::Scale => format!("a whole number {min}–{max}"),
                    Bounds::Range => "a whole number".to_string(),
                };
                self.error(
                    node.line,
                    &f.name(key),
                    format!("expected {expected}, found {shown}"),
                );
                None
            }
        }
    }

    /// An optional `true`/`false`; `None` when absent.
    pub fn opt_bool(&mut self, f: Fields, key: &str) -> Option<bool> {
        let node = f.get(key)?;
        match node.value {
            Value::Null => None,
            Value::Bool(b) => Some(b),
            ref other => {
                let shown = node.raw.clone().unwrap_or_else(|| other.kind().to_string());
                self.error(
                    node.line,
                    &f.name(key),
                    format!("expected true or false, found {shown}"),
                );
                None
            }
        }
    }

    /// An optional date, written `YYYY-MM-DD`.
    pub fn opt_date(&mut self, f: Fields, key: &str) -> Option<NaiveDate> {
        let node = f.get(key)?;
        let text = self.scalar_text(node, &f.name(key))?;
        self.date_of(node.line, &f.name(key), &text)
    }

    /// A required date.
    pub fn date(&mut self, f: Fields, key: &str) -> Option<NaiveDate> {
        let value = self.opt_date(f, key);
        if value.is_none() && !self.has_error_for(f, key) {
            self.missing(f, key);
        }
        value
    }

    fn date_of(&mut self, line: usize, field: &str, text: &str) -> Option<NaiveDate> {
        let t = text.trim();
        // Exactly YYYY-MM-DD: chrono also reads `-027-04-01` (the year -27).
        let shaped = t.len() == 10
            && t.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            Ok(d) if shaped => Some(d),
            _ => {
                self.error(
                    line,
                    field,
                    format!("`{text}` is not a date; write YYYY-MM-DD"),
                );
                None
            }
        }
    }

    /// A required word from a fixed set.
    pub fn word<T>(
        &mut self,
        f: Fields,
        key: &str,
        parse: fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let value = self.opt_word(f, key, parse, expected);
        if value.is_none() && !self.has_error_for(f, key) {
            self.missing(f, key);
        }
        value
    }

    /// An optional word from a fixed set.
    pub fn opt_word<T>(
        &mut self,
        f: Fields,
        key: &str,
        parse: fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let node = f.get(key)?;
        let text = self.scalar_text(node, &f.name(key))?;
        let value = parse(&text);
        if value.is_none() {
            self.error(
                node.line,
                &f.name(key),
                format!("`{text}` is not one of {expected}"),
            );
        }
        value
    }

    /// A list of text items (ids, roles, themes); absent or empty gives an empty list.
    pub fn list(&mut self, f: Fields, key: &str) -> Vec<String> {
        self.list_nodes(f, key)
            .into_iter()
            .map(|(_, text)| text)
            .collect()
    }

    /// A list of text items with each item's YAML line.
    pub fn list_nodes(&mut self, f: Fields, key: &str) -> Vec<(usize, String)> {
        let Some(node) = f.get(key) else {
            return Vec::new();
        };
        let name = f.name(key);
        match &node.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => items
                .iter()
                .filter_map(|item| self.scalar_text(item, &name).map(|t| (item.line, t)))
                .collect(),
            other => {
                self.error(
                    node.line,
                    &name,
                    format!("expected a list, found {}", other.kind()),
                );
                Vec::new()
            }
        }
    }

    /// A list of lists of whole numbers within `range` (a matrix: `[[1, 2], [2, 4]]`);
    /// a wrong item is named by its place (`matrix[2][3]`).
    pub fn number_rows(
        &mut self,
        f: Fields,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<Vec<Vec<u8>>> {
        let node = f.get(key)?;
        let name = f.name(key);
        let Value::Seq(rows) = &node.value else {
            return self.numbers(node, &name, range).map(|_| Vec::new());
        };
        let rows: Vec<Option<Vec<u8>>> = rows
            .iter()
            .enumerate()
            .map(|(r, row)| self.numbers(row, &format!("{name}[{}]", r + 1), range.clone()))
            .collect();
        rows.into_iter().collect()
    }

    /// A list of whole numbers within `range` (`[1, 2, 2, 3]`); a wrong item is named
    /// by its place (`likelihood[2]`).
    pub fn number_list(
        &mut self,
        f: Fields,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<Vec<u8>> {
        let node = f.get(key)?;
        let name = f.name(key);
        self.numbers(node, &name, range)
    }

    fn numbers(
        &mut self,
        node: &Node,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<Vec<u8>> {
        let Value::Seq(cells) = &node.value else {
            let found = node.value.kind();
            self.error(
                node.line,
                name,
                format!("expected a list of numbers, found {found}"),
            );
            return None;
        };
        let mut numbers = Vec::new();
        for (c, cell) in cells.iter().enumerate() {
            match cell.value {
                Value::Int(n) if range.contains(&n) => numbers.push(n as u8),
                _ => {
                    let shown = cell
                        .raw
                        .clone()
                        .unwrap_or_else(|| cell.value.kind().to_string());
                    let (min, max) = (range.start(), range.end());
                    self.error(
                        cell.line,
                        &format!("{name}[{}]", c + 1),
                        format!("expected a whole number {min}–{max}, found {shown}"),
                    );
                    return None;
                }
            }
        }
        Some(numbers)
    }

    /// A list of words from a fixed set.
    pub fn list_words<T>(
        &mut self,
        f: Fields,
        key: &str,
        parse: fn(&str) -> Option<T>,
        expected: &str,
    ) -> Vec<T> {
        let name = f.name(key);
        self.list_nodes(f, key)
            .into_iter()
            .filter_map(|(line, text)| {
                let value = parse(&text);
                if value.is_none() {
                    self.error(line, &name, format!("`{text}` is not one of {expected}"));
                }
                value
            })
            .collect()
    }

    /// A list of dates.
    pub fn list_dates(&mut self, f: Fields, key: &str) -> Vec<NaiveDate> {
        let name = f.name(key);
        self.list_nodes(f, key)
            .into_iter()
            .filter_map(|(line, text)| self.date_of(line, &name, &text))
            .collect()
    }

    /// An optional nested mapping.
    pub fn opt_map<'n>(&mut self, f: Fields<'n>, key: &'n str) -> Option<Fields<'n>> {
        let node = f.get(key)?;
        match &node.value {
            Value::Null => None,
            Value::Map(entries) => Some(Fields {
                entries,
                prefix: key,
                line: node.line,
            }),
            other => {
                self.error(
                    node.line,
                    &f.name(key),
                    format!("expected key: value pairs, found {}", other.kind()),
                );
                None
            }
        }
    }

    /// A required nested mapping.
    pub fn map<'n>(&mut self, f: Fields<'n>, key: &'n str) -> Option<Fields<'n>> {
        let value = self.opt_map(f, key);
        if value.is_none() && !self.has_error_for(f, key) {
            self.missing(f, key);
        }
        value
    }

    /// A list of mappings (e.g. `actions`), each with its line.
    pub fn list_of_maps<'n>(&mut self, f: Fields<'n>, key: &'n str) -> Vec<Fields<'n>> {
        let Some(node) = f.get(key) else {
            return Vec::new();
        };
        match &node.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => items
                .iter()
                .filter_map(|item| match &item.value {
                    Value::Map(entries) => Some(Fields {
                        entries,
                        prefix: key,
                        line: item.line,
                    }),
                    other => {
                        self.error(
                            item.line,
                            key,
                            format!("each item must be key: value pairs, found {}", other.kind()),
                        );
                        None
                    }
                })
                .collect(),
            other => {
                self.error(
                    node.line,
                    &f.name(key),
                    format!("expected a list, found {}", other.kind()),
                );
                Vec::new()
            }
        }
    }
}

impl<'a> Fields<'a> {
    /// The node of a key.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, n)| n)
    }

    /// The YAML line of a key's value, or of the mapping when the key is absent.
    pub fn line_of(&self, key: &str) -> usize {
        self.get(key).map_or(self.line, |n| n.line)
    }

    /// The YAML line of the mapping itself.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The dotted name of a key (`acceptance.accepted_by`).
    pub fn name(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// The keys present, in order.
    pub fn keys(&self) -> impl Iterator<Item = &'a str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
}

fn scalar_fallback(value: &Value) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Float(x) => x.to_string(),
        _ => String::new(),
    }
}

/// How an error names the bounds of a whole number: as a scale's levels or as a range.
#[derive(Clone, Copy)]
enum Bounds {
    Scale,
    Range,
}
