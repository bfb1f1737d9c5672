//! A record's timeline: the commits that touched its file, newest first, each with
//! author, signer, date, message and what changed field by field (`isms log R-004`).
//!
//! The walk is cheap on long histories because it compares object ids, not contents:
//! a commit whose record folder has the same tree id as its parent's cannot have
//! touched the record, and folder trees already looked at are remembered. Only the
//! commits that did change the file have their two versions parsed.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::changes::{compare, parse_blob, ChangeKind, FieldChange};
use super::verify::{author_of, check_commit, iso_time, summary_of, SignatureStatus};
use super::CommitId;
use crate::domain::{IsmsConfig, Methodology};
use crate::format;
use crate::isms::{Isms, RecordKind, CONFIG_FILE};
use crate::{Error, Result};

/// One commit in a record's timeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimelineEntry {
    /// The commit id.
    pub commit: CommitId,
    /// The first line of the message.
    pub summary: String,
    /// The whole message.
    pub message: String,
    /// `Name <email>` of the author.
    pub author: String,
    /// The commit time, ISO 8601.
    pub date: String,
    /// Who signed the commit, checked against the current isms.yaml.
    pub signature: SignatureStatus,
    /// What happened to the record.
    pub change: ChangeKind,
    /// The fields that changed (derived score and band included).
    pub fields: Vec<FieldChange>,
    /// A unified diff of the body, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub body_diff: Option<String>,
}

/// Where one file is in a set of root trees: for each root tree, the id of the
/// file's folder tree and of the file's blob.
type Locations = HashMap<git2::Oid, (Option<git2::Oid>, Option<git2::Oid>)>;

/// Looks the file `folder/name` up in every root tree of `trees`.
///
/// Trees are read as raw objects and scanned for the one name, not parsed into
/// libgit2 tree objects: on a long history that parsing (and the object cache it
/// fills) cost more than reading the trees. (Reading on several threads does not
/// help: libgit2 serialises pack access behind one process-wide lock.)
fn locate(odb: &git2::Odb, trees: &[git2::Oid], folder: &str, name: &str) -> Result<Locations> {
    let mut by_folder: HashMap<git2::Oid, Option<git2::Oid>> = HashMap::new();
    let mut out = Locations::with_capacity(trees.len());
    for tree in trees {
        let Some(folder) = tree_entry_of(odb, *tree, folder)? else {
            out.insert(*tree, (None, None));
            continue;
        };
        let blob = match by_folder.get(&folder) {
            Some(blob) => *blob,
            None => {
                let blob = tree_entry_of(odb, folder, name)?;
                by_folder.insert(folder, blob);
                blob
            }
        };
        out.insert(*tree, (Some(folder), blob));
    }
    Ok(out)
}

/// A commit's tree and parents, read from the raw object without parsing the rest.
pub(crate) struct CommitHead {
    /// The commit.
    pub id: git2::Oid,
    /// Its root tree.
    pub tree: git2::Oid,
    /// Its parents, first parent first.
    pub parents: Vec<git2::Oid>,
    /// Its message (everything after the headers), when asked for.
    pub message: Vec<u8>,
}

impl CommitHead {
    /// Reads a commit object as stored, trusting its id (see `git::libgit2_options`).
    pub(crate) fn read(odb: &git2::Odb, id: git2::Oid, with_message: bool) -> Result<CommitHead> {
        let object = odb.read(id)?;
        let data = object.data();
        let mut tree = None;
        let mut parents = Vec::new();
        for line in data.split(|b| *b == b'\n') {
            let hex = |prefix: &[u8]| {
                line.strip_prefix(prefix)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| git2::Oid::from_str(h).ok())
            };
            if let Some(oid) = hex(b"tree ") {
                tree = Some(oid);
            } else if let Some(oid) = hex(b"parent ") {
                parents.push(oid);
            } else {
                break;
            }
        }
        let message = if with_message {
            data.windows(2)
                .position(|w| w == b"\n\n")
                .map(|at| data[at + 2..].to_vec())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let tree = tree.ok_or_else(|| {
            Error::Git(git2::Error::new(
                git2::ErrorCode::Invalid,
                git2::ErrorClass::Object,
                format!("commit {id} names no tree"),
            ))
        })?;
        Ok(CommitHead {
            id,
            tree,
            parents,
            message,
        })
    }
}

/// The id of the entry called `name` in the tree `tree`.
pub(crate) fn tree_entry_of(
    odb: &git2::Odb,
    tree: git2::Oid,
    name: &str,
) -> Result<Option<git2::Oid>> {
    let object = odb.read(tree)?;
    if object.kind() != git2::ObjectType::Tree {
        return Ok(None);
    }
    Ok(tree_entry(object.data(), name.as_bytes()))
}

/// Scans a raw tree object (entries of `<mode> <name>\0<20-byte id>`) for one name.
fn tree_entry(mut data: &[u8], name: &[u8]) -> Option<git2::Oid> {
    const ID: usize = 20; // SHA-1; libgit2 as built here reads SHA-1 repositories only
    while !data.is_empty() {
        let space = data.iter().position(|b| *b == b' ')?;
        let nul = space + data[space..].iter().position(|b| *b == 0)?;
        let id = data.get(nul + 1..nul + 1 + ID)?;
        if &data[space + 1..nul] == name {
            return git2::Oid::from_bytes(id).ok();
        }
        data = &data[nul + 1 + ID..];
    }
    None
}

impl Isms {
    /// The timeline of one record, newest first, from HEAD.
    pub fn timeline(&self, id: &str) -> Result<Vec<TimelineEntry>> {
        let repo = super::repository(self)?;
        // The record may no longer exist in the working tree: find its kind by folder.
        let kind = RecordKind::ALL
            .into_iter()
            .find(|k| {
                let path = format!("{}/{id}.md", k.folder());
                self.root().join(&path).is_file()
                    || repo
                        .head()
                        .ok()
                        .and_then(|h| h.peel_to_tree().ok())
                        .is_some_and(|t| t.get_path(Path::new(&path)).is_ok())
            })
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        let path = format!("{}/{id}.md", kind.folder());
        let Some(head) = repo.head().ok().and_then(|h| h.target()) else {
            return Ok(Vec::new()); // no commits yet
        };
        // The index keeps timelines as a history cache: a later call walks only the
        // commits made since. Signers are named from the current isms.yaml, so the
        // cache is keyed by its content too.
        let config_key = std::fs::read(self.root().join(CONFIG_FILE))
            .map(|b| crate::isms::Revision::of(&b).0)
            .unwrap_or_default();
        let index = self.index().ok();
        let cached: Option<(String, Vec<TimelineEntry>)> = index
            .as_ref()
            .and_then(|i| i.cached_timeline(&path, &config_key).ok().flatten())
            .and_then(|(h, json)| Some((h, serde_json::from_str(&json).ok()?)));
        let (older, known) = match cached {
            Some((h, entries)) if h == head.to_string() => return Ok(entries),
            Some((h, entries)) => match git2::Oid::from_str(&h) {
                Ok(oid) if repo.graph_descendant_of(head, oid).unwrap_or(false) => {
                    (entries, Some(oid))
                }
                _ => (Vec::new(), None),
            },
            None => (Vec::new(), None),
        };
        let mut out = self.walk_timeline(&repo, kind, id, &path, known)?;
        out.extend(older);
        if let Some(index) = &index {
            let json = serde_json::to_string(&out)
                .expect("timeline entries serialise because they are plain data");
            // A cache that cannot be written only costs time.
            let _ = index.store_timeline(&path, &config_key, &head.to_string(), &json);
        }
        Ok(out)
    }

    /// The timeline entries of the commits reachable from HEAD but not from `known`.
    fn walk_timeline(
        &self,
        repo: &git2::Repository,
        kind: RecordKind,
        id: &str,
        path: &str,
        known: Option<git2::Oid>,
    ) -> Result<Vec<TimelineEntry>> {
        let current_config = self.load_config().ok();
        let mut methodologies: HashMap<git2::Oid, Option<Methodology>> = HashMap::new();
        let mut records: HashMap<git2::Oid, Option<crate::isms::AnyRecord>> = HashMap::new();
        let mut walk = repo.revwalk()?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        walk.push_head()?;
        if let Some(known) = known {
            walk.hide(known)?;
        }
        let odb = repo.odb()?;
        let commits = walk
            .map(|oid| CommitHead::read(&odb, oid?, false))
            .collect::<Result<Vec<_>>>()?;
        // Every root tree the walk needs, its commits' and their parents' (a parent
        // may lie outside the walk, below `known`), in history order.
        let mut tree_of: HashMap<git2::Oid, git2::Oid> =
            commits.iter().map(|c| (c.id, c.tree)).collect();
        let mut trees: Vec<git2::Oid> = commits.iter().map(|c| c.tree).collect();
        for commit in &commits {
            for parent in &commit.parents {
                if let std::collections::hash_map::Entry::Vacant(e) = tree_of.entry(*parent) {
                    let tree = CommitHead::read(&odb, *parent, false)?.tree;
                    e.insert(tree);
                    trees.push(tree);
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        trees.retain(|t| seen.insert(*t));
        let found = locate(&odb, &trees, kind.folder(), &format!("{id}.md"))?;
        let find = |commit: &git2::Oid| found[&tree_of[commit]];
        let mut out = Vec::new();
        for head in &commits {
            let (folder, blob) = find(&head.id);
            let mut parent_blobs = Vec::new();
            let mut same_as_a_parent = false;
            for parent in &head.parents {
                let (parent_folder, parent_blob) = find(parent);
                let parent_blob = if parent_folder.is_some() && parent_folder == folder {
                    blob
                } else {
                    parent_blob
                };
                same_as_a_parent |= parent_blob == blob;
                parent_blobs.push(parent_blob);
            }
            if same_as_a_parent || (head.parents.is_empty() && blob.is_none()) {
                continue;
            }
            let commit = &repo.find_commit(head.id)?;
            let before_blob = parent_blobs.first().copied().flatten();
            // Walking newest first, this commit's old version is the next one's new
            // version: each version is parsed once.
            for blob in [before_blob, blob].into_iter().flatten() {
                records.entry(blob).or_insert_with(|| {
                    let content = odb.read(blob).ok()?;
                    parse_blob(kind, path, id, content.data()).ok()
                });
            }
            let parsed = |blob: Option<git2::Oid>| records.get(&blob?).and_then(Option::as_ref);
            let mut methodology_of = |c: &git2::Commit| -> Option<Methodology> {
                let entry = c.tree().ok()?.get_name(CONFIG_FILE).map(|e| e.id())?;
                methodologies
                    .entry(entry)
                    .or_insert_with(|| {
                        let blob = repo.find_blob(entry).ok()?;
                        let text = std::str::from_utf8(blob.content()).ok()?;
                        format::parse_config(text)
                            .ok()
                            .map(|c: IsmsConfig| c.methodology)
                    })
                    .clone()
            };
            let m_after = methodology_of(commit);
            let m_before = commit.parents().next().and_then(|p| methodology_of(&p));
            let Some(change) = compare(
                parsed(before_blob),
                m_before.as_ref(),
                parsed(blob),
                m_after.as_ref(),
            ) else {
                // The bytes changed but not the meaning (reformatting); still history.
                out.push(entry(
                    repo,
                    commit,
                    current_config.as_ref(),
                    ChangeKind::Changed,
                    Vec::new(),
                    None,
                )?);
                continue;
            };
            out.push(entry(
                repo,
                commit,
                current_config.as_ref(),
                change.change,
                change.fields,
                change.body_diff,
            )?);
        }
        Ok(out)
    }
}

fn entry(
    repo: &git2::Repository,
    commit: &git2::Commit,
    config: Option<&IsmsConfig>,
    change: ChangeKind,
    fields: Vec<FieldChange>,
    body_diff: Option<String>,
) -> Result<TimelineEntry> {
    Ok(TimelineEntry {
        commit: commit.id().into(),
        summary: summary_of(commit),
        message: commit.message().unwrap_or_default().trim_end().to_string(),
        author: author_of(commit),
        date: iso_time(commit.time()),
        signature: check_commit(repo, commit.id(), config)?,
        change,
        fields,
        body_diff,
    })
}
