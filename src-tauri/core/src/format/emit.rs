//! Canonical YAML for front matter: fixed key order, one style per kind of field,
//! quoting only where YAML would otherwise read something else. Canonical text is
//! what makes a diff show only what changed.

/// One top-level field as canonical text, or `None` when the field is empty (absent,
/// no text, an empty list) and so is left out.
pub type FieldText = (&'static str, Option<String>);

/// Builds the canonical fields of one record, in order.
#[derive(Default)]
pub struct Emitter {
    /// The fields so far.
    pub fields: Vec<FieldText>,
}

impl Emitter {
    /// `key: text`, quoted when needed; a multi-line text becomes a `|-` block.
    pub fn text(&mut self, key: &'static str, value: Option<&str>) -> &mut Self {
        let text = value
            .filter(|v| !v.is_empty())
            .map(|v| format!("{key}: {}\n", block_scalar(v, 2)));
        self.fields.push((key, text));
        self
    }

    /// `key: 4`.
    pub fn number(&mut self, key: &'static str, value: Option<i64>) -> &mut Self {
        self.fields
            .push((key, value.map(|v| format!("{key}: {v}\n"))));
        self
    }

    /// `key: true`; `false` is written only when `always` is set.
    pub fn flag(&mut self, key: &'static str, value: bool, always: bool) -> &mut Self {
        self.fields
            .push((key, (value || always).then(|| format!("{key}: {value}\n"))));
        self
    }

    /// `key: [a, b]` on one line (for ids, roles, themes, dates).
    pub fn flow_list<S: AsRef<str>>(&mut self, key: &'static str, items: &[S]) -> &mut Self {
        let text = (!items.is_empty()).then(|| {
            format!(
                "{key}: [{}]\n",
                items
                    .iter()
                    .map(|s| flow_scalar(s.as_ref()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        self.fields.push((key, text));
        self
    }

    /// `key:` followed by `  - item` lines (for longer text items).
    pub fn block_list<S: AsRef<str>>(&mut self, key: &'static str, items: &[S]) -> &mut Self {
        let text = (!items.is_empty()).then(|| {
            let mut out = format!("{key}:\n");
            for item in items {
                out.push_str(&format!("  - {}\n", block_scalar(item.as_ref(), 4)));
            }
            out
        });
        self.fields.push((key, text));
        self
    }

    /// `key:` followed by a list of mappings, each given as `(key, canonical value)`
    /// pairs with empty values already left out.
    pub fn map_list(&mut self, key: &'static str, items: &[Vec<(&str, String)>]) -> &mut Self {
        let text = (!items.is_empty()).then(|| {
            let mut out = format!("{key}:\n");
            for item in items {
                for (i, (k, v)) in item.iter().enumerate() {
                    let lead = if i == 0 { "  - " } else { "    " };
                    out.push_str(&format!("{lead}{k}: {v}\n"));
                }
            }
            out
        });
        self.fields.push((key, text));
        self
    }

    /// `key:` followed by an indented mapping.
    pub fn map(&mut self, key: &'static str, entries: Option<Vec<(&str, String)>>) -> &mut Self {
        let text = entries.filter(|e| !e.is_empty()).map(|entries| {
            let mut out = format!("{key}:\n");
            for (k, v) in entries {
                out.push_str(&format!("  {k}: {v}\n"));
            }
            out
        });
        self.fields.push((key, text));
        self
    }
}

/// A scalar in block context; multi-line text becomes a literal block indented by
/// `indent` spaces.
pub fn block_scalar(s: &str, indent: usize) -> String {
    if s.contains('\n')
        && !s.contains('\r')
        && s.lines().all(|l| !l.starts_with(' ') && !l.ends_with(' '))
        && !s.ends_with('\n')
        && !s.starts_with('\n')
    {
        let pad = " ".repeat(indent);
        let mut out = String::from("|-");
        for line in s.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&pad);
                out.push_str(line);
            }
        }
        return out;
    }
    if plain_ok(s, false) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// A scalar inside a flow list `[…]`.
pub fn flow_scalar(s: &str) -> String {
    if plain_ok(s, true) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// Whether text can be written without quotes and still read back as the same text.
fn plain_ok(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s || first.is_whitespace() {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(|c| c.is_control() || c == '\u{feff}')
    {
        return false;
    }
    if in_flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "~" | "null"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".inf"
            | "-.inf"
            | ".nan"
    ) {
        return false;
    }
    // Anything a YAML reader could take for a number stays a string only in quotes.
    let numberish = s.trim_start_matches(['+', '-']);
    if numberish.parse::<f64>().is_ok()
        || numberish.starts_with("0x")
        || numberish.starts_with("0o")
        || numberish
            .chars()
            .all(|c| c.is_ascii_digit() || c == '_' || c == '.')
    {
        return false;
    }
    true
}

/// Text in double quotes with YAML escapes.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::yaml::{self, Value};

    fn read_back(yaml_text: &str) -> Vec<String> {
        let root = yaml::parse(yaml_text).expect("canonical YAML parses");
        let Value::Map(entries) = root.value else {
            panic!("a map")
        };
        entries
            .into_iter()
            .flat_map(|(_, node)| match node.value {
                Value::Seq(items) => items.into_iter().map(scalar).collect(),
                _ => vec![scalar(node)],
            })
            .collect()
    }

    fn scalar(node: yaml::Node) -> String {
        match node.value {
            Value::Str(s) => s,
            other => node.raw.unwrap_or_else(|| format!("{other:?}")),
        }
    }

    #[test]
    fn every_tricky_text_reads_back_as_written() {
        let samples = [
            "plain text",
            "København og Århus",
            "5.10",
            "1.0",
            "42",
            "-3",
            "0x1F",
            "true",
            "no",
            "null",
            "~",
            "2026-05-04",
            "key: value",
            "ends with colon:",
            "has # hash",
            "#starts",
            "- dash",
            "[bracket",
            "{brace",
            "a, b",
            "quote \" inside",
            "back\\slash",
            "tab\there",
            "multi\nline",
            "  padded  ",
            "*alias",
            "&anchor",
            "!tag",
            "|pipe",
            ">fold",
            "%pct",
            "@at",
            "`tick",
            "'single'",
            "€ § “quotes” ✓",
            "",
        ];
        for s in samples.iter().filter(|s| !s.is_empty()) {
            let mut e = Emitter::default();
            e.text("k", Some(s))
                .flow_list("l", &[s])
                .block_list("b", &[s]);
            let text: String = e.fields.iter().filter_map(|(_, t)| t.clone()).collect();
            assert_eq!(read_back(&text), vec![s.to_string(); 3], "{s:?} as {text}");
        }
    }

    #[test]
    fn empty_values_are_left_out() {
        let mut e = Emitter::default();
        e.text("a", None)
            .text("b", Some(""))
            .flow_list::<&str>("c", &[])
            .number("d", None)
            .flag("e", false, false);
        assert!(e.fields.iter().all(|(_, t)| t.is_none()));
    }
}
