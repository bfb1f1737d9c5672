//! Field assignments on front matter: what `isms set R-004 likelihood=3` does to the
//! text before the record is parsed (and so validated) and written canonically.
//!
//! An assignment names a field by a dotted path — `likelihood`, `acceptance.memo`,
//! `actions.A2.status` (list items are found by their `id`) — and gives a value as the
//! person would type it. Values that look like YAML collections (`[8.5, 8.7]`,
//! `{id: A3, …}`) are read as YAML; anything else is one scalar: `3` stays a number,
//! `true` a flag, `2026-12-01` a date, and text that YAML would misread
//! (`Phishing: CEO fraud`, `# not a comment`) is kept as the text typed. Editing works
//! on the parsed tree, so the result is always well-formed YAML; whether the values
//! make sense is then the record parser's job, with its usual file, line and field.

use super::emit::{double_quoted, flow_scalar};
use super::frontmatter;
use super::yaml::{self, Node, Value};

/// How an assignment changes its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// `field=value`: replace; an empty value removes the field.
    Set,
    /// `field+=value`: add an item to a list.
    Add,
    /// `field-=value`: remove an item from a list (by value, or by `id` for lists of maps).
    Remove,
    /// `actions.A3^=1`: move the list item `A3` to a position, counted from 1 (the
    /// first); a position past the end moves it last.
    Move,
}

/// One `field=value` assignment: typed as it crosses into the core from the app, and
/// read from `field=value` text on the command line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Assignment {
    /// The dotted path: `["actions", "A2", "status"]`.
    pub path: Vec<String>,
    /// Set, add or remove.
    pub operation: Operation,
    /// The value as typed.
    pub value: String,
}

impl Assignment {
    /// Reads `field=value`, `field+=value`, `field-=value` or `field.item^=position`.
    pub fn parse(text: &str) -> Result<Assignment, String> {
        let eq = text
            .find('=')
            .ok_or_else(|| format!("`{text}` is not an assignment; write field=value"))?;
        let (mut key, value) = (&text[..eq], &text[eq + 1..]);
        let mut operation = Operation::Set;
        if let Some(k) = key.strip_suffix('+') {
            (key, operation) = (k, Operation::Add);
        } else if let Some(k) = key.strip_suffix('-') {
            (key, operation) = (k, Operation::Remove);
        } else if let Some(k) = key.strip_suffix('^') {
            (key, operation) = (k, Operation::Move);
        }
        let path: Vec<String> = key.trim().split('.').map(str::to_string).collect();
        if path.iter().any(String::is_empty) {
            return Err(format!("`{key}` is not a field name"));
        }
        Ok(Assignment {
            path,
            operation,
            value: value.to_string(),
        })
    }

    /// The top-level field the assignment changes.
    pub fn field(&self) -> &str {
        &self.path[0]
    }

    /// The dotted path as written.
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }
}

/// Applies assignments to front-matter text, returning new front-matter text. Blocks
/// of fields that are not assigned stay as they were; assigned fields are written in
/// flow style (the canonical writer formats them afterwards).
pub fn apply(front: &str, assignments: &[Assignment]) -> Result<String, String> {
    let root = yaml::parse(front)
        .map_err(|e| format!("the front matter is not valid YAML: {}", e.message))?;
    let mut entries = match root.value {
        Value::Map(entries) => entries,
        Value::Null => Vec::new(),
        other => {
            return Err(format!(
                "the front matter should be a mapping of fields, not {}",
                other.kind()
            ))
        }
    };
    let mut touched: Vec<String> = Vec::new();
    for a in assignments {
        let field = a.field().to_string();
        let position = entries.iter().position(|(k, _)| *k == field);
        let rest = &a.path[1..];
        match position {
            Some(i) => {
                if rest.is_empty() && a.operation == Operation::Set && a.value.trim().is_empty() {
                    entries.remove(i);
                } else {
                    assign(&mut entries[i].1, rest, a)?;
                }
            }
            None => {
                if a.value.trim().is_empty() && a.operation == Operation::Set && rest.is_empty() {
                    // Removing a field that is not there changes nothing.
                } else {
                    let mut node = Node {
                        line: 0,
                        raw: None,
                        value: if a.operation == Operation::Set && rest.is_empty() {
                            Value::Null
                        } else if rest.is_empty() {
                            Value::Seq(Vec::new())
                        } else {
                            Value::Map(Vec::new())
                        },
                    };
                    assign(&mut node, rest, a)?;
                    entries.push((field.clone(), node));
                }
            }
        }
        touched.push(field);
    }
    let newline = if front.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::new();
    let mut written: Vec<&str> = Vec::new();
    for block in frontmatter::blocks(front) {
        match &block.key {
            Some(key) if touched.contains(key) => {
                out.push_str(&frontmatter::leading_comments(&block.text));
                if let Some((_, node)) = entries.iter().find(|(k, _)| k == key) {
                    out.push_str(&format!("{}: {}{newline}", flow_key(key), flow(node)));
                }
                written.push(key_str(&touched, key));
            }
            _ => out.push_str(&block.text),
        }
    }
    for (key, node) in &entries {
        if touched.contains(key) && !written.contains(&key.as_str()) {
            out.push_str(&format!("{}: {}{newline}", flow_key(key), flow(node)));
            written.push(key_str(&touched, key));
        }
    }
    Ok(out)
}

fn key_str<'a>(touched: &'a [String], key: &str) -> &'a str {
    touched
        .iter()
        .find(|t| *t == key)
        .map(String::as_str)
        .unwrap_or_default()
}

/// Applies one assignment below `node`, following `path`.
fn assign(node: &mut Node, path: &[String], a: &Assignment) -> Result<(), String> {
    let Some((segment, rest)) = path.split_first() else {
        return change(node, a);
    };
    match &mut node.value {
        Value::Map(entries) => {
            if let Some(i) = entries.iter().position(|(k, _)| k == segment) {
                if rest.is_empty() && a.operation == Operation::Set && a.value.trim().is_empty() {
                    entries.remove(i);
                    return Ok(());
                }
                assign(&mut entries[i].1, rest, a)
            } else if rest.is_empty() {
                let mut child = Node {
                    line: 0,
                    raw: None,
                    value: if a.operation == Operation::Set {
                        Value::Null
                    } else {
                        Value::Seq(Vec::new())
                    },
                };
                change(&mut child, a)?;
                entries.push((segment.clone(), child));
                Ok(())
            } else {
                Err(format!("{}: there is no `{segment}` to change", a.dotted()))
            }
        }
        Value::Null if rest.is_empty() => {
            node.value = Value::Map(Vec::new());
            assign(node, path, a)
        }
        Value::Seq(items) => {
            let at = items
                .iter()
                .position(|item| id_of(item) == Some(segment.as_str()))
                .ok_or_else(|| format!("{}: no item has id `{segment}`", a.dotted()))?;
            if rest.is_empty() && a.operation == Operation::Move {
                let position: usize =
                    a.value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|&p| p >= 1)
                        .ok_or_else(|| {
                            format!(
                                "{}: `{}` is not a position; positions count from 1",
                                a.dotted(),
                                a.value
                            )
                        })?;
                let item = items.remove(at);
                items.insert((position - 1).min(items.len()), item);
                return Ok(());
            }
            assign(&mut items[at], rest, a)
        }
        other => Err(format!(
            "{}: `{segment}` cannot be found inside {}",
            a.dotted(),
            other.kind()
        )),
    }
}

/// Sets, adds to or removes from the value of one node.
fn change(node: &mut Node, a: &Assignment) -> Result<(), String> {
    let value = value_node(&a.value)?;
    match a.operation {
        Operation::Move => {
            return Err(format!(
                "{}: ^= moves an item of a list; name the item, as in actions.A2^=1",
                a.dotted()
            ))
        }
        Operation::Set => *node = value,
        Operation::Add => match &mut node.value {
            Value::Seq(items) => items.push(value),
            Value::Null => node.value = Value::Seq(vec![value]),
            other => {
                return Err(format!(
                    "{}: += adds to a list, but this field is {}",
                    a.dotted(),
                    other.kind()
                ))
            }
        },
        Operation::Remove => match &mut node.value {
            Value::Seq(items) => {
                let before = items.len();
                let wanted = scalar_text(&value);
                items.retain(|item| {
                    let text = id_of(item)
                        .map(str::to_string)
                        .or_else(|| scalar_text(item));
                    text != wanted
                });
                if items.len() == before {
                    return Err(format!("{}: the list has no `{}`", a.dotted(), a.value));
                }
            }
            other => {
                return Err(format!(
                    "{}: -= removes from a list, but this field is {}",
                    a.dotted(),
                    other.kind()
                ))
            }
        },
    }
    Ok(())
}

/// The value node for text as typed.
fn value_node(text: &str) -> Result<Node, String> {
    let trimmed = text.trim();
    let string = || Node {
        line: 0,
        raw: None,
        value: Value::Str(text.to_string()),
    };
    if trimmed.is_empty() {
        return Ok(Node {
            line: 0,
            raw: None,
            value: Value::Null,
        });
    }
    // `[a, b]` is a list and `{a: 1}` a mapping; text that only starts like one
    // ("[Legacy] payment gateway") is text. A field that needs a list says so when
    // the record is read back.
    if trimmed.starts_with(['[', '{']) {
        if let Ok(node) = yaml::parse(trimmed) {
            return Ok(node);
        }
        return Ok(string());
    }
    // Anchors, aliases, tags and reserved indicators mean nothing to a person typing a
    // value: "&Co" is text, not an anchor named "Co" on nothing.
    if trimmed != text
        || text.contains(['#', '\n'])
        || text.starts_with(['&', '*', '!', '%', '@', '`'])
    {
        return Ok(string());
    }
    match yaml::parse(text) {
        Ok(
            node @ Node {
                value: Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Str(_),
                ..
            },
        ) => Ok(Node {
            raw: Some(text.to_string()),
            ..node
        }),
        _ => Ok(string()),
    }
}

fn id_of(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k == "id")
            .and_then(|(_, v)| match &v.value {
                Value::Str(s) => Some(s.as_str()),
                _ => v.raw.as_deref(),
            }),
        _ => None,
    }
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Float(_) => node.raw.clone(),
        _ => None,
    }
}

fn flow_key(key: &str) -> String {
    flow_scalar(key)
}

/// A node as one line of flow YAML.
fn flow(node: &Node) -> String {
    match &node.value {
        Value::Null => "~".into(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", flow_key(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Str(s) => match &node.raw {
            // A quoted scalar is safe anywhere; a plain one may hold `, ` or `: `,
            // which mean something else inside `[…]` and `{…}`.
            Some(raw) if raw.starts_with(['"', '\'']) && !raw.contains('\n') => raw.clone(),
            _ if s.contains('\n') => double_quoted(s),
            _ => flow_scalar(s),
        },
        // Numbers and flags as written (`5.10` stays `5.10`).
        value => match &node.raw {
            Some(raw) if !raw.contains('\n') && !raw.starts_with(['|', '>']) => raw.clone(),
            _ => match value {
                Value::Bool(b) => b.to_string(),
                Value::Int(i) => i.to_string(),
                Value::Float(f) => f.to_string(),
                _ => "~".into(),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(front: &str, assignments: &[&str]) -> Result<String, String> {
        let parsed: Vec<Assignment> = assignments
            .iter()
            .map(|a| Assignment::parse(a).expect("an assignment"))
            .collect();
        apply(front, &parsed)
    }

    #[test]
    fn scalars_keep_their_type_and_text_keeps_its_words() {
        let front = "id: R-004\ntitle: Old\n# kept\nlikelihood: 4\n";
        let out = run(
            front,
            &["likelihood=3", "title=Phishing: CEO fraud", "owner=ism"],
        )
        .expect("applies");
        assert_eq!(
            out,
            "id: R-004\ntitle: \"Phishing: CEO fraud\"\n# kept\nlikelihood: 3\nowner: ism\n"
        );
        assert_eq!(
            run("controls: [5.1]\n", &["controls+=5.10"]).expect("adds"),
            "controls: [5.1, 5.10]\n"
        );
    }

    #[test]
    fn nested_paths_find_list_items_by_id() {
        let front = "actions:\n  - id: A1\n    status: planned\n  - id: A2\n    status: planned\n";
        let out = run(front, &["actions.A2.status=done"]).expect("applies");
        assert_eq!(
            out,
            "actions: [{id: A1, status: planned}, {id: A2, status: done}]\n"
        );
        let err = run(front, &["actions.A9.status=done"]).expect_err("no such action");
        assert!(err.contains("no item has id `A9`"), "{err}");
        let out = run(front, &["actions-=A1"]).expect("removes");
        assert_eq!(out, "actions: [{id: A2, status: planned}]\n");
    }

    #[test]
    fn text_with_commas_and_colons_survives_a_nested_edit() {
        let front = "actions:\n  - id: A1\n    description: Require MFA, with a grace period of 60 days\n    status: planned\n";
        let out = run(front, &["actions.A1.status=done"]).expect("applies");
        let root = yaml::parse(&out).expect("valid YAML");
        let Value::Map(entries) = root.value else {
            panic!("a mapping")
        };
        let Value::Seq(items) = &entries[0].1.value else {
            panic!("a list")
        };
        assert_eq!(id_of(&items[0]), Some("A1"));
        assert!(
            out.contains("\"Require MFA, with a grace period of 60 days\""),
            "{out}"
        );
    }

    #[test]
    fn a_list_item_moves_to_a_position_and_a_new_one_is_filled_in() {
        let front = "actions:\n  - id: A1\n    x-note: kept\n  - id: A2\n  - id: A3\n";
        let out = run(front, &["actions.A3^=1"]).expect("moves");
        assert_eq!(
            out,
            "actions: [{id: A3}, {id: A1, x-note: kept}, {id: A2}]\n"
        );
        let out = run(front, &["actions.A1^=9"]).expect("past the end is last");
        assert_eq!(
            out,
            "actions: [{id: A2}, {id: A3}, {id: A1, x-note: kept}]\n"
        );
        for bad in ["actions.A1^=0", "actions.A1^=first"] {
            let err = run(front, &[bad]).expect_err("not a position");
            assert!(err.contains("positions count from 1"), "{err}");
        }
        let err = run(front, &["actions^=1"]).expect_err("names no item");
        assert!(err.contains("name the item"), "{err}");
        // A new item by id, then its fields as typed.
        let out = run(
            "actions: []\n",
            &[
                "actions+={id: A1}",
                "actions.A1.description=Train staff: twice, yearly",
            ],
        )
        .expect("adds");
        assert_eq!(
            out,
            "actions: [{id: A1, description: \"Train staff: twice, yearly\"}]\n"
        );
    }

    #[test]
    fn an_empty_value_removes_the_field() {
        assert_eq!(
            run("id: R-1\ndeferred_to: 2027\n", &["deferred_to="]).expect("applies"),
            "id: R-1\n"
        );
        let err = Assignment::parse("likelihood").expect_err("no =");
        assert!(err.contains("field=value"));
    }
}
