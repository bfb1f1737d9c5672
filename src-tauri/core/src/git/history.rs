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
use crate::domain::{IsmsConfig, Methodology};
use crate::format;
use crate::isms::{Isms, RecordKind, CONFIG_FILE};
use crate::{Error, Result};

/// One commit in a record's timeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimelineEntry {
    /// The commit id.
    pub commit: String,
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

/// Finds the blob of one file in commit trees, remembering what it has looked up:
/// each commit's folder tree id and each folder tree's entry for the file.
struct Finder<'r> {
    repo: &'r git2::Repository,
    folder: String,
    name: String,
    by_commit: HashMap<git2::Oid, Option<git2::Oid>>,
    by_folder: HashMap<git2::Oid, Option<git2::Oid>>,
}

impl<'r> Finder<'r> {
    /// The folder tree id and the file's blob id in a commit.
    fn find(&mut self, commit: &git2::Commit) -> Result<(Option<git2::Oid>, Option<git2::Oid>)> {
        let folder = match self.by_commit.get(&commit.id()) {
            Some(folder) => *folder,
            None => {
                let folder = self
                    .repo
                    .find_tree(commit.tree_id())?
                    .get_name(&self.folder)
                    .map(|e| e.id());
                self.by_commit.insert(commit.id(), folder);
                folder
            }
        };
        let Some(folder) = folder else {
            return Ok((None, None));
        };
        if let Some(blob) = self.by_folder.get(&folder) {
            return Ok((Some(folder), *blob));
        }
        let blob = self
            .repo
            .find_tree(folder)
            .ok()
            .and_then(|t| t.get_name(&self.name).map(|e| e.id()));
        self.by_folder.insert(folder, blob);
        Ok((Some(folder), blob))
    }
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
            .map(|b| crate::store::Revision::of(&b).0)
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
        let mut finder = Finder {
            repo,
            folder: kind.folder().to_string(),
            name: format!("{id}.md"),
            by_commit: HashMap::new(),
            by_folder: HashMap::new(),
        };
        let mut methodologies: HashMap<git2::Oid, Option<Methodology>> = HashMap::new();
        let mut walk = repo.revwalk()?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        walk.push_head()?;
        if let Some(known) = known {
            walk.hide(known)?;
        }
        let mut out = Vec::new();
        for oid in walk {
            let commit = repo.find_commit(oid?)?;
            let (folder, blob) = finder.find(&commit)?;
            let mut parent_blobs = Vec::new();
            let mut same_as_a_parent = false;
            for parent in commit.parents() {
                let (parent_folder, parent_blob) = finder.find(&parent)?;
                let parent_blob = if parent_folder.is_some() && parent_folder == folder {
                    blob
                } else {
                    parent_blob
                };
                same_as_a_parent |= parent_blob == blob;
                parent_blobs.push(parent_blob);
            }
            if same_as_a_parent || (commit.parent_count() == 0 && blob.is_none()) {
                continue;
            }
            let before_blob = parent_blobs.first().copied().flatten();
            let parse = |blob: Option<git2::Oid>| -> Option<crate::isms::AnyRecord> {
                let blob = repo.find_blob(blob?).ok()?;
                parse_blob(kind, path, id, blob.content()).ok()
            };
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
            let m_after = methodology_of(&commit);
            let m_before = commit.parents().next().and_then(|p| methodology_of(&p));
            let (before, after) = (parse(before_blob), parse(blob));
            let Some(change) = compare(
                before.as_ref(),
                m_before.as_ref(),
                after.as_ref(),
                m_after.as_ref(),
            ) else {
                // The bytes changed but not the meaning (reformatting); still history.
                out.push(entry(
                    repo,
                    &commit,
                    current_config.as_ref(),
                    ChangeKind::Changed,
                    Vec::new(),
                    None,
                )?);
                continue;
            };
            out.push(entry(
                repo,
                &commit,
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
        commit: commit.id().to_string(),
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
