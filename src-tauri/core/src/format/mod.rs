//! The repository format (ARCHITECTURE.md, "Code map"): record files of YAML front matter between
//! `---` fences and a markdown body, and `isms.yaml`.
//!
//! Reading ([`parse_risk`] and friends) reports every problem with file, line and
//! field. Writing ([`write_record`]) is canonical — fixed key order and formatting —
//! but conservative: a known field whose value did not change keeps the exact text
//! the person wrote (comments included), unknown keys are carried over byte for byte
//! after the known ones, and the body is never touched. A file written by ISMS Desk
//! and read back is rewritten to the same bytes.

mod config;
pub mod edit;
pub mod emit;
mod fields;
pub mod frontmatter;
mod records;
pub mod yaml;

pub use config::{parse_config, parse_methodology};
pub use records::{
    emit_assessment, emit_audit, emit_document, emit_nonconformity, emit_risk, emit_soa_entry,
    emit_treatment, parse_assessment, parse_audit, parse_document, parse_nonconformity, parse_risk,
    parse_soa_entry, parse_treatment, Parsed, ASSESSMENT_KEYS, AUDIT_KEYS, DOCUMENT_KEYS,
    NONCONFORMITY_KEYS, RISK_KEYS, SOA_KEYS, TREATMENT_KEYS,
};
pub use records::{
    emit_attestation, parse_attestation, parse_security_page, ATTESTATION_KEYS, SECURITY_PAGE_KEYS,
};
pub use records::{emit_evidence, parse_evidence, EVIDENCE_KEYS};
pub use records::{emit_objective, parse_objective, OBJECTIVE_KEYS};
pub use records::{emit_review, parse_review, REVIEW_KEYS};
pub use records::{emit_supplier, parse_supplier, SUPPLIER_KEYS};
pub use records::{parse_system_description, SYSTEM_DESCRIPTION_KEYS};

use crate::LoadError;
use emit::FieldText;
use frontmatter::{Block, Source};

/// Files larger than this are refused: a record is a page of text, not a data dump.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// Decodes file bytes as UTF-8, naming the line of the first invalid byte.
pub fn decode(path: &str, bytes: &[u8]) -> Result<String, LoadError> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(LoadError::file(
            path,
            format!(
                "the file is {} KiB; records are limited to {} KiB",
                bytes.len() / 1024,
                MAX_RECORD_BYTES / 1024
            ),
        ));
    }
    let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = bytes[..valid].iter().filter(|b| **b == b'\n').count() + 1;
        LoadError {
            path: path.to_string(),
            line: Some(line),
            field: None,
            message: "the file is not valid UTF-8 text; save it as UTF-8".into(),
        }
    })?;
    // YAML reads a carriage return alone as a line break, every line-based tool (git,
    // editors, this reader's blocks) does not: the two would disagree on where a key is.
    if let Some(at) = text
        .match_indices('\r')
        .find(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'\n'))
        .map(|(i, _)| i)
    {
        return Err(LoadError {
            path: path.to_string(),
            line: Some(text[..at].matches('\n').count() + 1),
            field: None,
            message: "the line has a carriage return (\\r) that does not end it; save the file with Unix (LF) or Windows (CRLF) line endings".into(),
        });
    }
    if let Some(line) = conflict_marker_line(&text) {
        return Err(LoadError {
            path: path.to_string(),
            line: Some(line),
            field: None,
            message: "the file has git conflict markers (<<<<<<< … >>>>>>>) from a merge that was never resolved; keep the right lines, delete the markers, and commit".into(),
        });
    }
    Ok(text)
}

/// The line of the first git conflict marker, when the text has a conflict: a line
/// starting `<<<<<<<` with a line starting `>>>>>>>` after it. (A line of `=======`
/// alone is a markdown heading underline, never a conflict by itself.)
pub fn conflict_marker_line(text: &str) -> Option<usize> {
    let mut start = None;
    for (n, line) in text.lines().enumerate() {
        if start.is_none() && line.starts_with("<<<<<<<") {
            start = Some(n + 1);
        } else if start.is_some() && line.starts_with(">>>>>>>") {
            return start;
        }
    }
    None
}

/// Rewrites a record file: the canonical `fields` of the new record, keeping what the
/// original file (if any) said verbatim wherever its meaning is unchanged.
///
/// `original_fields` are the canonical fields of the record as parsed from `original`;
/// a field whose canonical text is the same in both keeps the original block.
pub fn write_record(
    fields: &[FieldText],
    body: &str,
    original: Option<(&Source, &[FieldText])>,
) -> String {
    let mut front = String::new();
    let known: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    let crlf = original.is_some_and(|(s, _)| s.crlf);
    let line_endings = |text: &str| {
        if crlf {
            text.replace("\r\n", "\n").replace('\n', "\r\n")
        } else {
            text.to_string()
        }
    };
    let original_blocks: Vec<Block> = original
        .map(|(s, _)| frontmatter::blocks(&s.front))
        .unwrap_or_default();
    // Comments that precede every key stay at the top.
    if let Some(Block { key: None, text }) = original_blocks.first() {
        front.push_str(text);
    }
    for (key, text) in fields {
        let unchanged = original
            .and_then(|(_, old)| old.iter().find(|(k, _)| k == key))
            .is_some_and(|(_, old)| old == text);
        let kept = original_blocks
            .iter()
            .find(|b| b.key.as_deref() == Some(*key));
        match (unchanged, kept) {
            (true, Some(block)) => front.push_str(&block.text),
            _ => {
                // A changed field keeps the comments written above it.
                if let Some(block) = kept {
                    front.push_str(&frontmatter::leading_comments(&block.text));
                }
                if let Some(text) = text {
                    front.push_str(&line_endings(text));
                }
            }
        }
    }
    for block in &original_blocks {
        if let Some(key) = &block.key {
            if !known.contains(&key.as_str()) {
                front.push_str(&block.text);
            }
        }
    }
    let source = match original {
        Some((s, _)) => Source {
            bom: s.bom,
            crlf: s.crlf,
            front,
            closing_fence: s.closing_fence.clone(),
            body: body.to_string(),
        },
        None => Source {
            bom: false,
            crlf: false,
            front,
            closing_fence: "---".into(),
            body: body.to_string(),
        },
    };
    source.join()
}

/// The line of a record file on which its body (after the closing `---`) begins.
pub fn body_first_line(text: &str) -> Option<usize> {
    let source = frontmatter::split(text).ok()?;
    Some(frontmatter::FRONT_MATTER_FIRST_LINE + source.front.lines().count() + 1)
}

/// The line of `field` (dotted: `acceptance.memo`, `actions.A2.due`) in a file's text,
/// counted from the file's first line: in a record, within its front matter; in
/// `isms.yaml` (`front_matter` false), in the whole file. An item of a list of
/// mappings is found by its `id`. `None` when the field is not there.
pub fn line_of_field(text: &str, field: &str, front_matter: bool) -> Option<usize> {
    let (yaml_text, offset) = if front_matter {
        let source = frontmatter::split(text).ok()?;
        (source.front, frontmatter::FRONT_MATTER_FIRST_LINE - 1)
    } else {
        (text.to_string(), 0)
    };
    let root = yaml::parse(&yaml_text).ok()?;
    let mut node = &root;
    for segment in field.split('.') {
        node = match &node.value {
            yaml::Value::Map(entries) => &entries.iter().find(|(k, _)| k == segment)?.1,
            yaml::Value::Seq(items) => items.iter().find(|item| match &item.value {
                yaml::Value::Map(entries) => entries.iter().any(|(k, v)| {
                    k == "id" && matches!(&v.value, yaml::Value::Str(id) if id == segment)
                }),
                _ => false,
            })?,
            _ => return None,
        };
    }
    Some(node.line + offset)
}
