//! Splitting a record file into YAML front matter (between `---` fences) and the
//! markdown body, and splitting front matter into top-level key blocks so that a
//! rewrite can keep the blocks it does not own byte for byte.

/// A record file split into its parts. Joining the parts gives the file back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file started with a UTF-8 byte-order mark (kept on rewrite).
    pub bom: bool,
    /// The file uses Windows line endings (`\r\n`) from its first line; a rewrite
    /// writes new lines the same way, so the file never ends up with mixed endings.
    pub crlf: bool,
    /// The YAML between the fences, each line ending in `\n`.
    pub front: String,
    /// The closing fence line as written (`---` or `...`).
    pub closing_fence: String,
    /// Everything after the closing fence, untouched.
    pub body: String,
}

/// The file line on which the front matter's first line sits (after `---`).
pub const FRONT_MATTER_FIRST_LINE: usize = 2;

/// Why a file could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError {
    /// 1-based file line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Splits a record file. The first line must be `---`; the front matter ends at the
/// next line that is exactly `---` or `...`.
pub fn split(text: &str) -> Result<Source, SplitError> {
    let (bom, text) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if text.trim().is_empty() {
        return Err(SplitError {
            line: 1,
            message: "the file is empty; a record starts with a `---` line and YAML front matter"
                .into(),
        });
    }
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end_matches(['\n', '\r']) != "---" {
        return Err(SplitError {
            line: 1,
            message: "a record must start with a `---` line that opens the front matter".into(),
        });
    }
    let front_start = first.len();
    let mut consumed = first.len();
    for line in lines {
        let line_start = consumed;
        consumed += line.len();
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == "---" || bare == "..." {
            return Ok(Source {
                bom,
                crlf: first.ends_with("\r\n"),
                front: text[front_start..line_start].to_string(),
                closing_fence: bare.to_string(),
                body: text[consumed..].to_string(),
            });
        }
        if !line.ends_with('\n') {
            // The last line of the file, and it is not a fence.
            break;
        }
    }
    Err(SplitError {
        line: 1,
        message: "the front matter opened on line 1 is never closed: add a `---` line after it"
            .into(),
    })
}

impl Source {
    /// Joins the parts back into file text.
    pub fn join(&self) -> String {
        let mut out = String::with_capacity(self.front.len() + self.body.len() + 16);
        if self.bom {
            out.push('\u{feff}');
        }
        let newline = if self.crlf { "\r\n" } else { "\n" };
        out.push_str("---");
        out.push_str(newline);
        out.push_str(&self.front);
        out.push_str(&self.closing_fence);
        out.push_str(newline);
        out.push_str(&self.body);
        out
    }
}

/// A top-level key of the front matter with all its lines: comment lines just above
/// it, the key line, and its indented continuation lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The key, or `None` for comments that precede every key.
    pub key: Option<String>,
    /// The block's text, each line ending in `\n`.
    pub text: String,
}

/// Splits front matter into top-level key blocks, in order. Joining their texts gives
/// the front matter back.
pub fn blocks(front: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut pending = String::new(); // comments and blank lines waiting for the next key
    for line in front.split_inclusive('\n') {
        match top_level_key(line) {
            Some(key) => {
                let mut text = std::mem::take(&mut pending);
                text.push_str(line);
                out.push(Block {
                    key: Some(key),
                    text,
                });
            }
            None => {
                let indented = line.starts_with([' ', '\t', '-']);
                match out.last_mut() {
                    // Indented lines continue the current key's value.
                    Some(last) if indented && pending.is_empty() => last.text.push_str(line),
                    _ => pending.push_str(line),
                }
            }
        }
    }
    if !pending.is_empty() {
        match out.last_mut() {
            Some(last) => last.text.push_str(&pending),
            None => out.push(Block {
                key: None,
                text: pending,
            }),
        }
    }
    out
}

/// The lines (1-based) at the start of a line that neither start a key, nor an item,
/// nor are blank or a comment: the rest of a value from above, which YAML may accept
/// inside brackets or quotes, but which [`blocks`] cannot tell from the next key's.
pub fn unindented_continuations(front: &str) -> Vec<usize> {
    front
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            !line.trim().is_empty()
                && !line.starts_with([' ', '\t', '#', '-'])
                && top_level_key(line).is_none()
        })
        .map(|(n, _)| n + 1)
        .collect()
}

/// The comment and blank lines at the top of a block, above its key line: they stay
/// when the field's value is rewritten.
pub fn leading_comments(block: &str) -> String {
    block
        .split_inclusive('\n')
        .take_while(|line| top_level_key(line).is_none())
        .collect()
}

/// The key of a line that starts a top-level mapping entry (`key: …`).
fn top_level_key(line: &str) -> Option<String> {
    let first = line.chars().next()?;
    if first.is_whitespace() || matches!(first, '#' | '-' | '[' | '{' | '.') {
        return None;
    }
    let (key, _) = if let Some(quote @ ('"' | '\'')) = line.chars().next() {
        let end = line[1..].find(quote)? + 1;
        let rest = &line[end + 1..];
        rest.strip_prefix(':')?;
        (line[1..end].to_string(), rest)
    } else {
        let colon = line.find(':')?;
        (line[..colon].trim_end().to_string(), &line[colon..])
    };
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_join_give_the_file_back() {
        for text in [
            "---\nid: R-001\n---\n## Description\nText.\n",
            "\u{feff}---\nid: R-001\n...\nbody",
            "---\n---\n",
            "---\nid: x\n---\n",
        ] {
            let source = split(text).expect("valid");
            assert_eq!(source.join(), text);
        }
    }

    #[test]
    fn missing_fences_and_empty_files_are_reported_on_line_1() {
        assert!(split("").expect_err("empty").message.contains("empty"));
        assert!(split("id: R-001\n")
            .expect_err("no fence")
            .message
            .contains("start with"));
        assert!(split("---\nid: R-001\ntitle: x\n")
            .expect_err("no close")
            .message
            .contains("never closed"));
        assert!(
            split("---\nid: R-001\n---").is_ok(),
            "a closing fence at the end of the file without newline"
        );
    }

    #[test]
    fn blocks_keep_comments_and_continuations_with_their_key() {
        let front = "# leading\nid: R-001\ncontrols:\n  - \"5.1\"\n  - \"8.13\"\n\n# about custom\ncustom_key: {a: 1}\n\"quoted key\": 2\n";
        let b = blocks(front);
        assert_eq!(
            b.iter().map(|b| b.key.as_deref()).collect::<Vec<_>>(),
            [
                Some("id"),
                Some("controls"),
                Some("custom_key"),
                Some("quoted key")
            ]
        );
        assert_eq!(b[0].text, "# leading\nid: R-001\n");
        assert_eq!(b[1].text, "controls:\n  - \"5.1\"\n  - \"8.13\"\n");
        assert_eq!(b[2].text, "\n# about custom\ncustom_key: {a: 1}\n");
        assert_eq!(b.iter().map(|b| b.text.as_str()).collect::<String>(), front);
    }
}
