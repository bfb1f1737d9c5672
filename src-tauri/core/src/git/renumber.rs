//! Two different records added under one id, one on each side of a pull.
//!
//! Risks and treatments are numbered in sequence (`RecordKind::numbered`), and the next
//! number is taken from what a clone knows. Two colleagues who each add a risk before
//! they sync both get R-018. Merged as one record, the two would blend (one's title,
//! the other's score) or one would be dropped. So a pull recognises the case (the same
//! numbered path added on both sides since the common commit, with different text) and
//! keeps both: the remote's record keeps its id, because others may already use it,
//! and the local one, which nobody else has seen, takes the next free number. Whatever
//! this side wrote since the common commit that names the old id (a treatment's
//! `risks`, a risk's `related`, a narrative) is changed to the new one. The merge then
//! proceeds on that renumbered side, and the pull reports each renumbering.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::isms::RecordKind;
use crate::store::highest_number_in;
use crate::Result;

/// A local record given a new id because the remote added a different one under its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Renumbered {
    /// The id both sides used; the remote's record keeps it.
    pub from: String,
    /// The local record's new id.
    pub to: String,
    /// Other local files whose references to it were changed (`treatments/T-006.md`).
    pub references: Vec<String>,
}

/// The record files of numbered kinds that `tree` added since `base`, by path.
fn added_numbered(
    repo: &git2::Repository,
    base: &git2::Tree,
    tree: &git2::Tree,
) -> Result<HashMap<String, git2::Oid>> {
    let diff = repo.diff_tree_to_tree(Some(base), Some(tree), None)?;
    Ok(diff
        .deltas()
        .filter(|d| d.status() == git2::Delta::Added)
        .filter_map(|d| {
            let path = d.new_file().path()?.to_str()?.to_string();
            let (kind, _) = RecordKind::of_path(&path)?;
            kind.sequence_prefix()?;
            Some((path, d.new_file().id()))
        })
        .collect())
}

/// `ours` with every local record that collides with a different remote one under a
/// new id, and the references to it changed; the same tree when nothing collides.
pub(crate) fn renumber_colliding_additions<'r>(
    repo: &'r git2::Repository,
    base: &git2::Tree,
    ours: &git2::Tree<'r>,
    theirs: &git2::Tree,
) -> Result<(git2::Tree<'r>, Vec<Renumbered>)> {
    let mine = added_numbered(repo, base, ours)?;
    let remote = added_numbered(repo, base, theirs)?;
    let mut collisions: Vec<&String> = mine
        .iter()
        .filter(|(path, id)| remote.get(*path).is_some_and(|theirs| theirs != *id))
        .map(|(path, _)| path)
        .collect();
    if collisions.is_empty() {
        return Ok((ours.clone(), Vec::new()));
    }
    collisions.sort();
    // New numbers above everything either side has.
    let mut next: BTreeMap<&str, u32> = BTreeMap::new();
    let mut renames: Vec<(String, String, String)> = Vec::new(); // (old path, old id, new id)
    for path in collisions {
        let (kind, id) = RecordKind::of_path(path).expect("a numbered record path");
        let n = next.entry(kind.folder()).or_insert_with(|| {
            highest_number_in(repo, ours, kind).max(highest_number_in(repo, theirs, kind))
        });
        *n += 1;
        let new_id = kind.numbered(*n).expect("a numbered kind");
        renames.push((path.clone(), id.to_string(), new_id));
    }
    // Every file this side wrote since the common commit, with the ids changed.
    let changed = repo.diff_tree_to_tree(Some(base), Some(ours), None)?;
    let mut index = git2::Index::new()?;
    index.read_tree(ours)?;
    let mut renumbered: Vec<Renumbered> = renames
        .iter()
        .map(|(_, from, to)| Renumbered {
            from: from.clone(),
            to: to.clone(),
            references: Vec::new(),
        })
        .collect();
    for delta in changed.deltas() {
        let file = delta.new_file();
        let Some(path) = file.path().and_then(Path::to_str) else {
            continue;
        };
        if file.id().is_zero() || RecordKind::of_path(path).is_none() {
            continue;
        }
        let blob = repo.find_blob(file.id())?;
        let Ok(mut text) = String::from_utf8(blob.content().to_vec()) else {
            continue;
        };
        let new_path = match renames.iter().find(|(old, _, _)| old == path) {
            Some((_, _, to)) => RecordKind::of_path(path).expect("a record path").0.path(to),
            None => path.to_string(),
        };
        for (r, (own, from, to)) in renumbered.iter_mut().zip(&renames) {
            let (replaced, any) = replace_id(&text, from, to);
            text = replaced;
            // A record's own id is not a reference to it.
            if any && own != path {
                r.references.push(new_path.clone());
            }
        }
        let entry = index
            .get_path(Path::new(path), 0)
            .expect("a file of the tree is in its index");
        if new_path != path {
            index.remove_path(Path::new(path))?;
        }
        index.add(&git2::IndexEntry {
            flags: new_path.len().min(0xfff) as u16,
            path: new_path.into_bytes(),
            file_size: text.len() as u32,
            id: repo.blob(text.as_bytes())?,
            ..entry
        })?;
    }
    let tree = repo.find_tree(index.write_tree_to(repo)?)?;
    Ok((tree, renumbered))
}

/// `text` with the id `from` changed to `to` wherever it stands as a whole id (not
/// inside `R-0181` or `XR-018`); and whether it occurred.
fn replace_id(text: &str, from: &str, to: &str) -> (String, bool) {
    let part_of_id = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut any = false;
    while let Some(at) = rest.find(from) {
        // What precedes: in `rest`, or at its start the end of what is written.
        let before = rest[..at].chars().last().or_else(|| out.chars().last());
        let after = rest[at + from.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(part_of_id) || after.is_some_and(part_of_id) {
            out.push_str(from);
        } else {
            out.push_str(to);
            any = true;
        }
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    (out, any)
}

#[cfg(test)]
mod tests {
    use super::replace_id;

    #[test]
    fn only_whole_ids_are_replaced() {
        assert_eq!(
            replace_id(
                "risks: [R-018, R-0181, XR-018]\nSee R-018.",
                "R-018",
                "R-020"
            ),
            (
                "risks: [R-020, R-0181, XR-018]\nSee R-020.".to_string(),
                true
            )
        );
        assert_eq!(
            replace_id("R-018", "R-018", "R-020"),
            ("R-020".to_string(), true)
        );
        assert_eq!(
            replace_id("R-0180", "R-018", "R-020"),
            ("R-0180".to_string(), false)
        );
    }
}
