//! isms.yaml merged field by field, as records are.
//!
//! A plain line merge conflicts whenever both sides touch adjacent lines: a new person
//! added by one colleague beside a role renamed by another. isms.yaml is a tree of
//! mappings and lists, so it is merged as one: each key of a mapping
//! (`organisation.name`, `methodology.likelihood`) and each item of a list that has ids
//! (roles and domains by `id`, people by `email`, sign-off chains by `kind`) takes the
//! side that changed it. Text is compared as written, so comments and formatting stay.
//! Only one key or item changed differently on both sides is a conflict, named by its
//! path (`isms.yaml` `roles.ism`, `people.jonas@example.com`) and resolved with
//! mine or theirs. The merged file must load, or that too is a conflict.

use super::sync::{FieldConflict, Resolution, Resolutions};
use crate::domain::CONFIG_FILE;

/// The fields that identify an item of a list, in order of preference.
const ITEM_IDS: [&str; 4] = ["id", "email", "kind", "roles"];

/// Merges isms.yaml changed on both sides.
pub(crate) fn merge_config(
    base: Option<&str>,
    mine: &str,
    theirs: &str,
    resolutions: &Resolutions,
) -> Result<String, Vec<FieldConflict>> {
    let mut merge = Merge {
        resolutions,
        conflicts: Vec::new(),
    };
    let whole = |field: &str, message: String| FieldConflict {
        path: CONFIG_FILE.into(),
        id: CONFIG_FILE.into(),
        field: field.into(),
        base: None,
        mine: Some(message),
        theirs: None,
    };
    for (side, text) in [
        ("my version", Some(mine)),
        ("their version", Some(theirs)),
        ("the common version", base),
    ] {
        if let Some(Err(e)) = text.map(crate::format::parse_config) {
            return Err(vec![whole(
                "(file)",
                format!("{side} does not load: {}", e[0]),
            )]);
        }
    }
    let merged = match (
        children(base.unwrap_or("")),
        children(mine),
        children(theirs),
    ) {
        (Some(b), Some(m), Some(t)) if !m.list && !t.list => {
            merge.children("", base.map(|_| &b), &m, &t)
        }
        _ => merge
            .leaf("(file)", base, Some(mine), Some(theirs))
            .unwrap_or_default(),
    };
    if !merge.conflicts.is_empty() {
        return Err(merge.conflicts);
    }
    crate::format::parse_config(&merged).map_err(|e| {
        vec![whole(
            e[0].field.as_deref().unwrap_or("(file)"),
            format!("the combined isms.yaml does not load: {}", e[0].message),
        )]
    })?;
    Ok(merged)
}

struct Merge<'a> {
    resolutions: &'a Resolutions,
    conflicts: Vec<FieldConflict>,
}

impl Merge<'_> {
    /// One key or item: the side that changed it, its parts merged when both did, or
    /// a conflict. `None` is absent (never there, or deleted).
    fn node(
        &mut self,
        field: &str,
        b: Option<&str>,
        m: Option<&str>,
        t: Option<&str>,
    ) -> Option<String> {
        if m == t || b == t {
            return m.map(str::to_string);
        }
        if b == m {
            return t.map(str::to_string);
        }
        if let (Some(m), Some(t)) = (m, t) {
            if let Some(merged) = self.parts(field, b, m, t) {
                return Some(merged);
            }
        }
        self.leaf(field, b, m, t)
    }

    /// Both sides changed a mapping entry with nested keys or items: merges those,
    /// when the entry's own line is the same on both sides.
    fn parts(&mut self, field: &str, b: Option<&str>, m: &str, t: &str) -> Option<String> {
        let (mh, mr) = head_and_region(m)?;
        let (th, tr) = head_and_region(t)?;
        if mh != th {
            return None;
        }
        let (mc, tc) = (children(mr)?, children(tr)?);
        let bc = match b.map(head_and_region) {
            Some(Some((_, br))) => Some(children(br)?),
            Some(None) => return None,
            None => None,
        };
        if mc.list != tc.list || bc.as_ref().is_some_and(|b| b.list != mc.list) {
            return None;
        }
        Some(format!(
            "{mh}{}",
            self.children(field, bc.as_ref(), &mc, &tc)
        ))
    }

    fn children(
        &mut self,
        field: &str,
        b: Option<&Children>,
        m: &Children,
        t: &Children,
    ) -> String {
        let mut keys: Vec<&str> = m.entries.iter().map(|(k, _)| k.as_str()).collect();
        for (k, _) in t
            .entries
            .iter()
            .chain(b.iter().flat_map(|b| b.entries.iter()))
        {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        let mut out = String::new();
        for key in keys {
            let path = if field.is_empty() {
                key.to_string()
            } else {
                format!("{field}.{key}")
            };
            let merged = self.node(&path, b.and_then(|b| b.get(key)), m.get(key), t.get(key));
            out.push_str(merged.as_deref().unwrap_or(""));
        }
        out.push_str(&m.tail);
        out
    }

    /// A key or item both sides changed differently: the person's resolution, or a
    /// conflict (keeping mine meanwhile).
    fn leaf(
        &mut self,
        field: &str,
        b: Option<&str>,
        m: Option<&str>,
        t: Option<&str>,
    ) -> Option<String> {
        match self
            .resolutions
            .get(&(CONFIG_FILE.to_string(), field.to_string()))
        {
            Some(Resolution::Mine) => return m.map(str::to_string),
            Some(Resolution::Theirs) => return t.map(str::to_string),
            _ => {}
        }
        let show =
            |side: Option<&str>| Some(side.map_or("deleted".into(), |s| s.trim().to_string()));
        self.conflicts.push(FieldConflict {
            path: CONFIG_FILE.into(),
            id: CONFIG_FILE.into(),
            field: field.into(),
            base: b.map(|s| s.trim().to_string()),
            mine: show(m),
            theirs: show(t),
        });
        m.map(str::to_string)
    }
}

/// The keys of a mapping or the items of a list, each with its text (comment and
/// blank lines above it included), in order.
struct Children {
    list: bool,
    entries: Vec<(String, String)>,
    /// Comment and blank lines after the last entry.
    tail: String,
}

impl Children {
    fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, text)| text.as_str())
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A line that carries content (not blank, not a comment).
fn is_content(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// Splits the lines under a key into its entries; `None` when they are not a mapping
/// or a list of items with distinct ids (then the whole value is one leaf).
fn children(region: &str) -> Option<Children> {
    let at = region.lines().find(|l| is_content(l)).map(indent)?;
    let list = region
        .lines()
        .find(|l| is_content(l))
        .is_some_and(|l| l.trim_start().starts_with("- ") || l.trim() == "-");
    let mut chunks: Vec<String> = Vec::new();
    let mut pending = String::new();
    for line in region.split_inclusive('\n') {
        if !is_content(line) {
            pending.push_str(line);
            continue;
        }
        let i = indent(line);
        if i < at {
            return None;
        }
        let starts_entry = i == at;
        if starts_entry {
            if list != line.trim_start().starts_with('-') {
                return None;
            }
            chunks.push(std::mem::take(&mut pending) + line);
        } else {
            let last = chunks.last_mut()?;
            last.push_str(&std::mem::take(&mut pending));
            last.push_str(line);
        }
    }
    let mut entries = Vec::new();
    for chunk in chunks {
        let key = if list {
            item_id(&chunk, at)?
        } else {
            mapping_key(&chunk)?
        };
        if entries.iter().any(|(k, _)| *k == key) {
            return None;
        }
        entries.push((key, chunk));
    }
    Some(Children {
        list,
        entries,
        tail: pending,
    })
}

/// `name` of a mapping entry's first content line `name: …`.
fn mapping_key(chunk: &str) -> Option<String> {
    let line = chunk.lines().find(|l| is_content(l))?.trim_start();
    let (key, _) = line.split_once(':')?;
    Some(key.trim().trim_matches(['"', '\'']).to_string())
}

/// The id of a list item: its `id`, `email`, `kind` or `roles` at the item's level.
fn item_id(chunk: &str, at: usize) -> Option<String> {
    let own: Vec<&str> = chunk
        .lines()
        .filter(|l| is_content(l))
        .filter_map(|l| {
            let rest = &l[indent(l)..];
            match indent(l) {
                i if i == at => rest.strip_prefix("- "),
                i if i == at + 2 => Some(rest),
                _ => None,
            }
        })
        .collect();
    ITEM_IDS.iter().find_map(|field| {
        own.iter().find_map(|l| {
            let value = l.strip_prefix(field)?.strip_prefix(':')?.trim();
            (!value.is_empty()).then(|| value.trim_matches(['"', '\'']).to_string())
        })
    })
}

/// A mapping entry with a nested value: (its comments and key line, the lines under
/// it); `None` when the value is on the key's line (a leaf).
fn head_and_region(chunk: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    for line in chunk.split_inclusive('\n') {
        offset += line.len();
        if is_content(line) {
            let after = line.split_once(':')?.1.trim();
            if !(after.is_empty() || after.starts_with('#')) {
                return None;
            }
            return Some((&chunk[..offset], &chunk[offset..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "organisation:\n  name: Acme\n  scope: all\n\nroles:\n  - id: ism\n    title: ISM\n  - id: ceo\n    title: CEO\n";

    #[test]
    fn different_keys_and_items_merge_and_the_same_one_conflicts() {
        let mine = BASE.replace("name: Acme", "name: Acme Ltd");
        let theirs = BASE.replace("title: CEO", "title: Chief Executive");
        let children = children(BASE).expect("a mapping");
        assert_eq!(children.entries.len(), 2);
        let roles = head_and_region(children.get("roles").expect("roles")).expect("nested");
        let items = super::children(roles.1).expect("a list");
        assert_eq!(
            items
                .entries
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>(),
            ["ism", "ceo"]
        );
        let mut merge = Merge {
            resolutions: &Resolutions::new(),
            conflicts: Vec::new(),
        };
        let merged = merge.children(
            "",
            Some(&super::children(BASE).expect("base")),
            &super::children(&mine).expect("mine"),
            &super::children(&theirs).expect("theirs"),
        );
        assert!(merge.conflicts.is_empty(), "{:?}", merge.conflicts);
        assert_eq!(
            merged,
            BASE.replace("name: Acme", "name: Acme Ltd")
                .replace("title: CEO", "title: Chief Executive")
        );
        let other = BASE.replace("title: CEO", "title: Boss");
        let mut merge = Merge {
            resolutions: &Resolutions::new(),
            conflicts: Vec::new(),
        };
        merge.children(
            "",
            Some(&super::children(BASE).expect("base")),
            &super::children(&other).expect("mine"),
            &super::children(&theirs).expect("theirs"),
        );
        let fields: Vec<&str> = merge.conflicts.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["roles.ceo"]);
    }
}
