//! Sync with a remote: fetch, pull and push, with a merge that understands records.
//!
//! When both sides changed, git merges files changed on one side only. For a record
//! changed on both sides, ISMS Desk merges **field by field**: a field changed on one
//! side takes that side's value, a field changed identically on both is fine, and a
//! body changed on both is merged line by line where the changes do not overlap. Only
//! the same field given two different values is a true conflict; it is reported per
//! record and per field, and resolved explicitly ([`Resolution`]: keep mine, keep
//! theirs, or a new value). The merged record must load, or that too is a conflict.
//!
//! Nothing is written until the whole merge is resolved: the merged files, the merge
//! commit and the working tree are updated only then, so an error or an unresolved
//! conflict never leaves the repository half-merged, and nothing either side wrote is
//! lost. Pull needs the ISMS files committed first (a working tree without changes).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::signing::{Prompt, Signer};
use super::CommitId;
use super::{head_branch, repository, Identity};
use crate::domain::Action;
use crate::format::edit::{self, Assignment};
use crate::format::frontmatter::{self, Source};
use crate::isms::{parse_text, AnyRecord, Isms, RecordKind};
use crate::{Error, Result};

/// How to reach the remote.
pub struct Credentials<'a> {
    /// An SSH private key file to try after ssh-agent.
    pub ssh_key: Option<PathBuf>,
    /// Asks for the key's passphrase.
    pub prompt: Prompt<'a>,
}

/// One field that both sides changed to different values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldConflict {
    /// The file.
    pub path: String,
    /// The record id (the file name for files that are not records).
    pub id: String,
    /// The field (`likelihood`, `body`, or `(file)` when one side deleted the file or
    /// the file is not a record).
    pub field: String,
    /// The common ancestor's value.
    pub base: Option<String>,
    /// This side's value.
    pub mine: Option<String>,
    /// The remote's value.
    pub theirs: Option<String>,
}

impl FieldConflict {
    /// How the conflict is named to resolve it: `R-004.likelihood`,
    /// `isms.yaml.roles.ism`, `.isms/allowed_signers.(file)`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.id, self.field)
    }
}

/// Refuses resolutions that name no conflict (a typo must not be ignored), and typed
/// values for isms.yaml, whose parts are blocks of YAML: mine or theirs, then edit.
fn refuse_unknown_resolutions(
    conflicts: &[FieldConflict],
    resolutions: &Resolutions,
) -> Result<()> {
    let mut unknown: Vec<String> = resolutions
        .keys()
        .filter(|(id, field)| !conflicts.iter().any(|c| c.id == *id && c.field == *field))
        .map(|(id, field)| format!("{id}.{field}"))
        .collect();
    if !unknown.is_empty() {
        unknown.sort();
        let existing: Vec<String> = conflicts.iter().map(FieldConflict::name).collect();
        return Err(Error::Usage(format!(
            "no conflict is named {}; {}",
            unknown.join(", "),
            if existing.is_empty() {
                "there are no conflicts to resolve".to_string()
            } else {
                format!("the conflicts are: {}", existing.join(", "))
            }
        )));
    }
    if let Some(((id, field), _)) = resolutions
        .iter()
        .find(|((id, _), r)| id == crate::domain::CONFIG_FILE && matches!(r, Resolution::Value(_)))
    {
        return Err(Error::Usage(format!(
            "{id}.{field}: keep mine or theirs for isms.yaml, then edit the file and commit"
        )));
    }
    Ok(())
}

/// How to resolve one conflicting field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "keep", content = "value", rename_all = "snake_case")]
pub enum Resolution {
    /// Keep this side's value.
    Mine,
    /// Take the remote's value.
    Theirs,
    /// A new value, as typed for `isms set`.
    Value(String),
}

/// Resolutions by (record id, field).
pub type Resolutions = HashMap<(String, String), Resolution>;

/// What a pull did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PullOutcome {
    /// Nothing new on the remote.
    UpToDate,
    /// The branch moved forward to the remote's commit.
    FastForward {
        /// The new HEAD.
        commit: CommitId,
        /// Files the remote's commits brought with git conflict markers in them
        /// (`risks/R-004.md:12`): someone committed a merge they never resolved.
        unresolved: Vec<String>,
    },
    /// Both sides had commits; they were merged.
    Merged {
        /// The merge commit.
        commit: CommitId,
        /// Records merged field by field.
        records: Vec<String>,
        /// Local records renumbered because the remote added different ones under
        /// their ids.
        renumbered: Vec<super::renumber::Renumbered>,
        /// Files the remote's commits brought with git conflict markers in them.
        unresolved: Vec<String>,
    },
    /// True conflicts; nothing was changed. Pull again with resolutions.
    Conflicts {
        /// Every conflicting field.
        conflicts: Vec<FieldConflict>,
    },
}

/// The SSH private key files to offer a server, in order: the key in ISMS Desk's
/// settings, git's `user.signingkey` when it names a key file (`gpg.format=ssh`),
/// then OpenSSH's default identities (`~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`).
fn ssh_key_files(credentials: &Credentials, config: &git2::Config) -> Vec<PathBuf> {
    let mut keys: Vec<PathBuf> = credentials.ssh_key.iter().cloned().collect();
    let format = config.get_string("gpg.format").unwrap_or_default();
    if let (true, Ok(value)) = (format == "ssh", config.get_string("user.signingkey")) {
        if !value.starts_with("key::") {
            let path = super::signing::expand_home(&value);
            // A public key's private half sits beside it without the suffix.
            keys.push(match path.to_str().and_then(|p| p.strip_suffix(".pub")) {
                Some(private) => PathBuf::from(private),
                None => path,
            });
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
            keys.push(Path::new(&home).join(".ssh").join(name));
        }
    }
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| k.is_file() && seen.insert(k.clone()));
    keys
}

/// Credentials for libgit2: ssh-agent first, then each key file (asking for a
/// passphrase when the key has one), and git's credential helpers for https.
fn callbacks<'a>(
    credentials: &'a Credentials<'a>,
    config: git2::Config,
) -> git2::RemoteCallbacks<'a> {
    let mut callbacks = git2::RemoteCallbacks::new();
    let keys = ssh_key_files(credentials, &config);
    let mut agent_tried = std::env::var_os("SSH_AUTH_SOCK").is_none();
    let mut next_key = 0usize;
    let mut helper_tried = false;
    callbacks.credentials(move |url, username, allowed| {
        let user = username.unwrap_or("git");
        if allowed.contains(git2::CredentialType::SSH_KEY) {
            if !agent_tried {
                agent_tried = true;
                return git2::Cred::ssh_key_from_agent(user);
            }
            if let Some(key) = keys.get(next_key) {
                next_key += 1;
                let text = std::fs::read_to_string(key).unwrap_or_default();
                let passphrase = if text.contains("ENCRYPTED")
                    || ssh_key::PrivateKey::from_openssh(&text).is_ok_and(|k| k.is_encrypted())
                {
                    (credentials.prompt)(&format!("Passphrase for {}: ", key.display()))
                } else {
                    None
                };
                return git2::Cred::ssh_key(user, None, key, passphrase.as_deref());
            }
            return Err(git2::Error::from_str(&format!(
                "the server accepted none of the SSH keys offered (ssh-agent{}{})",
                if keys.is_empty() { "" } else { ", " },
                keys.iter()
                    .map(|k| k.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT) && !helper_tried {
            helper_tried = true;
            return git2::Cred::credential_helper(&config, url, username).map_err(|_| {
                git2::Error::from_str(&format!(
                    "{url} asks for a user name and password, and no git credential helper has them (see `git help credentials`)"
                ))
            });
        }
        if allowed.contains(git2::CredentialType::USERNAME) {
            return git2::Cred::username(user);
        }
        Err(git2::Error::from_str(
            "no credential was accepted (for https, configure a git credential helper)",
        ))
    });
    callbacks
}

/// What a failed fetch or push says, in words a person can act on.
fn transport_error(what: &str, remote: &str, e: &git2::Error) -> Error {
    if e.class() == git2::ErrorClass::Ssh && e.code() == git2::ErrorCode::Certificate {
        return Error::Sync(format!(
            "{what} `{remote}` refused: the server's SSH host key is not in ~/.ssh/known_hosts, or it has changed. Check the key with its owner, then connect once with `ssh` (or `git fetch`) to record it"
        ));
    }
    Error::Sync(format!("{what} `{remote}` failed: {}", e.message()))
}

impl Isms {
    /// Fetches the remote's branches.
    pub fn fetch(&self, remote: &str, credentials: &Credentials) -> Result<()> {
        let repo = repository(self)?;
        let mut r = repo
            .find_remote(remote)
            .map_err(|_| Error::Sync(format!("there is no remote `{remote}`")))?;
        let mut options = git2::FetchOptions::new();
        options.remote_callbacks(callbacks(credentials, repo.config()?));
        r.fetch::<&str>(&[], Some(&mut options), None)
            .map_err(|e| transport_error("fetching from", remote, &e))?;
        Ok(())
    }

    /// Pushes the current branch to the remote (same name). Refused, with nothing
    /// changed, if the remote has commits this side does not.
    pub fn push(&self, remote: &str, credentials: &Credentials) -> Result<String> {
        let repo = repository(self)?;
        let branch = head_branch(&repo)?;
        self.push_branch(remote, &branch, credentials)
    }

    /// Pushes one branch (`refs/heads/…`) to the remote under the same name. Refused,
    /// with nothing changed, if the remote's branch has commits this side does not.
    pub fn push_branch(
        &self,
        remote: &str,
        branch: &str,
        credentials: &Credentials,
    ) -> Result<String> {
        let repo = repository(self)?;
        let branch = branch.to_string();
        let mut r = repo
            .find_remote(remote)
            .map_err(|_| Error::Sync(format!("there is no remote `{remote}`")))?;
        let rejected = std::rc::Rc::new(std::cell::RefCell::new(None::<String>));
        let mut cbs = callbacks(credentials, repo.config()?);
        let seen = rejected.clone();
        cbs.push_update_reference(move |name, status| {
            if let Some(message) = status {
                *seen.borrow_mut() = Some(format!("{name}: {message}"));
            }
            Ok(())
        });
        let mut options = git2::PushOptions::new();
        options.remote_callbacks(cbs);
        let refspec = format!("{branch}:{branch}");
        r.push(&[refspec.as_str()], Some(&mut options))
            .map_err(|e| {
                if e.message().contains("non-fastforward")
                    || e.code() == git2::ErrorCode::NotFastForward
                {
                    Error::Sync(format!(
                        "`{remote}` has commits you do not have yet; pull first, then push"
                    ))
                } else {
                    transport_error("pushing to", remote, &e)
                }
            })?;
        let rejected = rejected.borrow().clone();
        if let Some(message) = rejected {
            return Err(Error::Sync(format!(
                "`{remote}` refused the push: {message}; pull first, then push"
            )));
        }
        Ok(branch)
    }

    /// Fetches and merges the remote's copy of the current branch. True conflicts are
    /// returned (and nothing changes) unless `resolutions` settle every one of them.
    pub fn pull(
        &self,
        remote: &str,
        credentials: &Credentials,
        identity: &Identity,
        signer: Option<&Signer>,
        resolutions: &Resolutions,
    ) -> Result<PullOutcome> {
        let repo = repository(self)?;
        // The fetch too, under the lock: a fetch killed while it updates
        // `refs/remotes/…` leaves lock files that the next operation must recognise.
        let _lock = self.write_lock()?;
        let operation = self.begin_git_operation()?;
        self.fetch(remote, credentials)?;
        let branch = head_branch(&repo)?;
        let short = branch.strip_prefix("refs/heads/").unwrap_or(&branch);
        let upstream = repo
            .refname_to_id(&format!("refs/remotes/{remote}/{short}"))
            .map_err(|_| Error::Sync(format!("`{remote}` has no branch `{short}`")))?;
        let head = match repo.refname_to_id(&branch) {
            Ok(id) => id,
            Err(_) => {
                // Nothing committed here yet: take the remote's branch as it is.
                self.require_clean(&repo)?;
                let tree = repo.find_commit(upstream)?.into_object();
                repo.checkout_tree(&tree, Some(git2::build::CheckoutBuilder::new().safe()))?;
                repo.reference(&branch, upstream, false, "pull: initial")?;
                return Ok(PullOutcome::FastForward {
                    commit: upstream.into(),
                    unresolved: with_conflict_markers(
                        &repo,
                        None,
                        &repo.find_commit(upstream)?.tree()?,
                    )?,
                });
            }
        };
        if head == upstream || repo.graph_descendant_of(head, upstream)? {
            refuse_unknown_resolutions(&[], resolutions)?;
            return Ok(PullOutcome::UpToDate);
        }
        self.require_clean(&repo)?;
        if repo.graph_descendant_of(upstream, head)? {
            refuse_unknown_resolutions(&[], resolutions)?;
            let target = repo.find_commit(upstream)?;
            let moving = Moving {
                branch: &branch,
                head,
                operation,
            };
            self.move_branch(
                &repo,
                moving,
                upstream,
                &target.tree()?,
                "pull: fast-forward",
            )?;
            return Ok(PullOutcome::FastForward {
                commit: upstream.into(),
                unresolved: with_conflict_markers(
                    &repo,
                    Some(&repo.find_commit(head)?.tree()?),
                    &target.tree()?,
                )?,
            });
        }
        let base = repo.merge_base(head, upstream)?;
        let (ours, theirs) = (repo.find_commit(head)?, repo.find_commit(upstream)?);
        let (base_tree, theirs_tree) = (repo.find_commit(base)?.tree()?, theirs.tree()?);
        let (ours_tree, renumbered) = super::renumber::renumber_colliding_additions(
            &repo,
            &base_tree,
            &ours.tree()?,
            &theirs_tree,
        )?;
        let mut index = repo.merge_trees(&base_tree, &ours_tree, &theirs_tree, None)?;
        if !resolutions.is_empty() {
            let unresolved = merge_conflicted_files(&repo, &index, &Resolutions::new())?;
            refuse_unknown_resolutions(&unresolved.err().unwrap_or_default(), resolutions)?;
        }
        let resolved = match merge_conflicted_files(&repo, &index, resolutions)? {
            Ok(resolved) => resolved,
            Err(conflicts) => return Ok(PullOutcome::Conflicts { conflicts }),
        };
        let merged_records = resolved
            .iter()
            .map(|r| RecordKind::of_path(&r.path).map_or(r.path.clone(), |(_, id)| id.to_string()))
            .collect();
        for file in resolved {
            file.write_into(&repo, &mut index)?;
        }
        let tree = repo.find_tree(index.write_tree_to(&repo)?)?;
        let message = format!("Merge {remote}/{short}\n");
        let commit = merge_commit(&repo, identity, signer, &message, &tree, [&ours, &theirs])?;
        let moving = Moving {
            branch: &branch,
            head,
            operation,
        };
        let reason = format!("pull: merge {remote}/{short}");
        self.move_branch(&repo, moving, commit, &tree, &reason)?;
        let unresolved = with_conflict_markers(&repo, Some(&ours.tree()?), &tree)?;
        Ok(PullOutcome::Merged {
            commit: commit.into(),
            records: merged_records,
            renumbered,
            unresolved,
        })
    }

    /// Moves `moving.branch` from its head to `target`, whose tree is `tree`: the
    /// working tree first (it is clean, so this only writes what the pull brings), then
    /// the branch. An interruption leaves the new files as uncommitted changes, never a
    /// branch whose files are missing, and the operation record says how to finish or
    /// undo it (git::recovery).
    fn move_branch(
        &self,
        repo: &git2::Repository,
        moving: Moving,
        target: git2::Oid,
        tree: &git2::Tree,
        reason: &str,
    ) -> Result<()> {
        if let Some(op) = &moving.operation {
            op.pulling(&super::recovery::pull_in_progress(
                repo,
                moving.head,
                target,
            )?)?;
        }
        let from = repo.find_commit(moving.head)?.tree()?;
        checkout_atomically(repo, &from, tree)?;
        repo.reference_matching(moving.branch, target, true, moving.head, reason)?;
        if let Some(op) = moving.operation {
            op.pulled();
        }
        self.refresh_index_after_sync()
    }

    fn require_clean(&self, repo: &git2::Repository) -> Result<()> {
        let dirty = super::changed_isms_paths(repo)?;
        if dirty.is_empty() {
            Ok(())
        } else {
            Err(Error::UncommittedChanges(dirty))
        }
    }

    fn refresh_index_after_sync(&self) -> Result<()> {
        // The index notices changed files by their fingerprints; a checkout changes them.
        self.index().map(|_| ())
    }
}

/// Brings the working tree and git's index from `from` to `to` as git's safe checkout
/// does, but writes each file by an atomic replace (`fsio::write_atomic`): a pull
/// killed half-way leaves every file either as it was or as it will be, never empty or
/// cut short (libgit2 truncates a file and then writes it). A file that differs from
/// `from` in the working tree is never overwritten: then nothing is written at all.
/// Symbolic links and submodules, which ISMS files never are, are left to libgit2.
pub(super) fn checkout_atomically(
    repo: &git2::Repository,
    from: &git2::Tree,
    to: &git2::Tree,
) -> Result<()> {
    let workdir = repo
        .workdir()
        .ok_or_else(|| Error::Sync("the repository has no working tree".into()))?
        .to_path_buf();
    let diff = repo.diff_tree_to_tree(Some(from), Some(to), None)?;
    let plain = |mode: git2::FileMode| {
        matches!(
            mode,
            git2::FileMode::Blob | git2::FileMode::BlobExecutable | git2::FileMode::Unreadable
        )
    };
    if diff.deltas().any(|d| {
        !plain(d.old_file().mode()) && !d.old_file().id().is_zero()
            || !plain(d.new_file().mode()) && !d.new_file().id().is_zero()
    }) {
        repo.checkout_tree(
            to.as_object(),
            Some(git2::build::CheckoutBuilder::new().safe()),
        )?;
        return Ok(());
    }
    let path_of = |d: &git2::DiffDelta| -> Result<PathBuf> {
        d.new_file()
            .path()
            .or_else(|| d.old_file().path())
            .map(Path::to_path_buf)
            .ok_or_else(|| Error::Sync("a changed file without a path".into()))
    };
    // First make sure nothing in the way holds work of its own.
    let mut in_the_way = Vec::new();
    for d in diff.deltas() {
        let path = path_of(&d)?;
        let expected = d.old_file().id();
        let now = match std::fs::read(workdir.join(&path)) {
            Ok(bytes) => Some(git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(workdir.join(&path), e)),
        };
        let same = match now {
            None => expected.is_zero(),
            Some(id) => id == expected || id == d.new_file().id(),
        };
        if !same {
            in_the_way.push(path.display().to_string());
        }
    }
    if !in_the_way.is_empty() {
        return Err(Error::UncommittedChanges(in_the_way));
    }
    for d in diff.deltas() {
        let path = workdir.join(path_of(&d)?);
        if d.new_file().id().is_zero() {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&path, e)),
            }
            continue;
        }
        let blob = repo.find_blob(d.new_file().id())?;
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        }
        crate::fsio::write_atomic(&path, blob.content())?;
        if d.new_file().mode() == git2::FileMode::BlobExecutable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| Error::io(&path, e))?;
        }
    }
    let mut index = repo.index()?;
    index.read_tree(to)?;
    index.write()?;
    Ok(())
}

/// The files a pull changed that have git conflict markers, as `path:line`.
fn with_conflict_markers(
    repo: &git2::Repository,
    before: Option<&git2::Tree>,
    after: &git2::Tree,
) -> Result<Vec<String>> {
    let diff = repo.diff_tree_to_tree(before, Some(after), None)?;
    let mut found = Vec::new();
    for delta in diff.deltas() {
        let new = delta.new_file();
        let Some(path) = new.path().and_then(Path::to_str) else {
            continue;
        };
        if new.id().is_zero() || !super::is_isms_path(path) {
            continue;
        }
        let blob = repo.find_blob(new.id())?;
        let text = String::from_utf8_lossy(blob.content());
        if let Some(line) = crate::format::conflict_marker_line(&text) {
            found.push(format!("{path}:{line}"));
        }
    }
    Ok(found)
}

/// A branch a pull moves: its name, where it was, and the operation that records the
/// move.
struct Moving<'a> {
    branch: &'a str,
    head: git2::Oid,
    operation: Option<super::recovery::Operation>,
}

/// Writes the merge commit of `tree` with `parents`, signed when there is a signer.
fn merge_commit(
    repo: &git2::Repository,
    identity: &Identity,
    signer: Option<&Signer>,
    message: &str,
    tree: &git2::Tree,
    parents: [&git2::Commit; 2],
) -> Result<git2::Oid> {
    let now = git2::Time::new(super::now_seconds(), 0);
    let who = git2::Signature::new(&identity.name, &identity.email, &now)?;
    let buffer = repo.commit_create_buffer(&who, &who, message, tree, &parents)?;
    let buffer = String::from_utf8(buffer.to_vec())
        .map_err(|_| Error::Usage("names must be UTF-8".into()))?;
    Ok(match signer {
        Some(s) => repo.commit_signed(&buffer, &s.sign_git(buffer.as_bytes())?, None)?,
        None => repo
            .odb()?
            .write(git2::ObjectType::Commit, buffer.as_bytes())?,
    })
}

/// A file both sides changed, merged: `None` bytes mean it is deleted.
struct ResolvedFile {
    path: String,
    bytes: Option<Vec<u8>>,
    mode: u32,
}

impl ResolvedFile {
    /// Puts the merged file into the merge's index in place of its conflict.
    fn write_into(self, repo: &git2::Repository, index: &mut git2::Index) -> Result<()> {
        index.conflict_remove(Path::new(&self.path))?;
        let Some(bytes) = self.bytes else {
            return Ok(());
        };
        let id = repo.blob(&bytes)?;
        index.add(&git2::IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: self.mode,
            uid: 0,
            gid: 0,
            file_size: bytes.len() as u32,
            id,
            flags: (self.path.len().min(0xfff)) as u16,
            flags_extended: 0,
            path: self.path.into_bytes(),
        })?;
        Ok(())
    }
}

/// Every file the merge left in conflict, merged field by field ([`merge_file`]); or,
/// when any field is a true conflict without a resolution, all such conflicts.
fn merge_conflicted_files(
    repo: &git2::Repository,
    index: &git2::Index,
    resolutions: &Resolutions,
) -> Result<std::result::Result<Vec<ResolvedFile>, Vec<FieldConflict>>> {
    let mut conflicts = Vec::new();
    let mut resolved = Vec::new();
    let entries: Vec<git2::IndexConflict> =
        index.conflicts()?.collect::<std::result::Result<_, _>>()?;
    let blob = |e: &Option<git2::IndexEntry>| -> Result<Option<Vec<u8>>> {
        Ok(match e {
            Some(e) => Some(repo.find_blob(e.id)?.content().to_vec()),
            None => None,
        })
    };
    for conflict in entries {
        let any = conflict
            .our
            .as_ref()
            .or(conflict.their.as_ref())
            .or(conflict.ancestor.as_ref())
            .expect("a conflict has at least one side");
        let path = String::from_utf8_lossy(&any.path).into_owned();
        let mode = conflict
            .our
            .as_ref()
            .or(conflict.their.as_ref())
            .map_or(0o100644, |e| e.mode);
        let (b, m, t) = (
            blob(&conflict.ancestor)?,
            blob(&conflict.our)?,
            blob(&conflict.their)?,
        );
        match merge_file(&path, b.as_deref(), m.as_deref(), t.as_deref(), resolutions) {
            Ok(bytes) => resolved.push(ResolvedFile { path, bytes, mode }),
            Err(mut c) => conflicts.append(&mut c),
        }
    }
    Ok(if conflicts.is_empty() {
        Ok(resolved)
    } else {
        Err(conflicts)
    })
}

/// Merges one file changed on both sides. `None` bytes mean "deleted".
pub fn merge_file(
    path: &str,
    base: Option<&[u8]>,
    mine: Option<&[u8]>,
    theirs: Option<&[u8]>,
    resolutions: &Resolutions,
) -> std::result::Result<Option<Vec<u8>>, Vec<FieldConflict>> {
    let id = RecordKind::of_path(path).map_or_else(|| path.to_string(), |(_, id)| id.to_string());
    let whole = |reason: &str| FieldConflict {
        path: path.to_string(),
        id: id.clone(),
        field: "(file)".into(),
        base: base.map(|_| "present".into()),
        mine: Some(if mine.is_some() {
            reason.to_string()
        } else {
            "deleted".into()
        }),
        theirs: Some(if theirs.is_some() {
            reason.to_string()
        } else {
            "deleted".into()
        }),
    };
    let pick = |res: Option<&Resolution>| match res {
        Some(Resolution::Mine) => Some(mine.map(<[u8]>::to_vec)),
        Some(Resolution::Theirs) => Some(theirs.map(<[u8]>::to_vec)),
        _ => None,
    };
    let file_resolution = resolutions.get(&(id.clone(), "(file)".to_string()));
    if let (crate::domain::CONFIG_FILE, None, Some(m), Some(t)) =
        (path, file_resolution, mine, theirs)
    {
        let text =
            |bytes: &[u8]| crate::format::decode(path, bytes).map_err(|e| vec![whole(&e.message)]);
        let base = base.map(text).transpose()?;
        return super::config_merge::merge_config(
            base.as_deref(),
            &text(m)?,
            &text(t)?,
            resolutions,
        )
        .map(|merged| Some(merged.into_bytes()));
    }
    let (Some(kind_id), Some(m), Some(t)) = (RecordKind::of_path(path), mine, theirs) else {
        // Deleted on one side, or not a record: the person chooses the whole file.
        return pick(file_resolution).ok_or_else(|| vec![whole("changed")]);
    };
    if let Some(bytes) = pick(file_resolution) {
        return Ok(bytes);
    }
    let (kind, stem) = kind_id;
    merge_record(kind, path, stem, base, m, t, resolutions).map(Some)
}

/// The top-level fields of a record file as text blocks, plus its parsed parts.
struct Sides {
    record: AnyRecord,
    source: Source,
    /// key → canonical text (known fields) or the block as written (unknown keys).
    values: Vec<(String, String)>,
    /// key → the block as written.
    blocks: HashMap<String, String>,
}

fn sides(
    kind: RecordKind,
    path: &str,
    stem: &str,
    bytes: &[u8],
) -> std::result::Result<Sides, String> {
    let text = crate::format::decode(path, bytes).map_err(|e| e.to_string())?;
    let parsed = parse_text(kind, path, stem, &text).map_err(|e| e[0].to_string())?;
    let (fields, _) = crate::isms::emit_any(&parsed.record);
    let blocks: HashMap<String, String> = frontmatter::blocks(&parsed.source.front)
        .into_iter()
        .filter_map(|b| b.key.map(|k| (k, b.text)))
        .collect();
    let mut values: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone())))
        .collect();
    for unknown in &parsed.unknown_keys {
        if let Some(text) = blocks.get(&unknown.key) {
            values.push((unknown.key.clone(), text.clone()));
        }
    }
    Ok(Sides {
        record: parsed.record,
        source: parsed.source,
        values,
        blocks,
    })
}

fn merge_record(
    kind: RecordKind,
    path: &str,
    stem: &str,
    base: Option<&[u8]>,
    mine: &[u8],
    theirs: &[u8],
    resolutions: &Resolutions,
) -> std::result::Result<Vec<u8>, Vec<FieldConflict>> {
    let conflict = |field: &str, mine: String| FieldConflict {
        path: path.to_string(),
        id: stem.to_string(),
        field: field.to_string(),
        base: None,
        mine: Some(mine),
        theirs: None,
    };
    let load = |bytes: &[u8], side: &str| {
        sides(kind, path, stem, bytes)
            .map_err(|e| vec![conflict("(file)", format!("{side} does not load: {e}"))])
    };
    let mut merge = RecordMerge {
        path,
        stem,
        resolutions,
        mine: load(mine, "my version")?,
        theirs: load(theirs, "their version")?,
        base: match base {
            Some(bytes) => Some(load(bytes, "the common version")?),
            None => None,
        },
        conflicts: Vec::new(),
        edits: Vec::new(),
        front: String::new(),
    };
    for key in merge.keys() {
        merge.field(&key);
    }
    let body = merge.body();
    if !merge.conflicts.is_empty() {
        return Err(merge.conflicts);
    }
    let mut front = merge.front;
    if !merge.edits.is_empty() {
        front = edit::apply(&front, &merge.edits).map_err(|e| vec![conflict("(file)", e)])?;
    }
    let merged = Source {
        front,
        body,
        ..merge.mine.source.clone()
    };
    let text = merged.join();
    // Each side was valid; their combination must be too.
    let parsed = parse_text(kind, path, stem, &text).map_err(|errors| {
        let e = &errors[0];
        vec![conflict(
            e.field.as_deref().unwrap_or("(file)"),
            format!("the combined record does not load: {}", e.message),
        )]
    })?;
    // Canonical key order, every block kept as written.
    let (fields, body) = crate::isms::emit_any(&parsed.record);
    Ok(crate::format::write_record(&fields, body, Some((&parsed.source, &fields))).into_bytes())
}

/// A record both sides changed, being merged field by field: each field takes the
/// side that changed it; a field both changed differently is a conflict unless a
/// resolution settles it.
struct RecordMerge<'a> {
    path: &'a str,
    stem: &'a str,
    resolutions: &'a Resolutions,
    mine: Sides,
    theirs: Sides,
    base: Option<Sides>,
    conflicts: Vec<FieldConflict>,
    /// Values the person typed to settle conflicts, applied to `front` at the end.
    edits: Vec<Assignment>,
    /// The merged front matter so far.
    front: String,
}

impl RecordMerge<'_> {
    fn conflict(
        &self,
        field: &str,
        b: Option<String>,
        m: Option<String>,
        t: Option<String>,
    ) -> FieldConflict {
        FieldConflict {
            path: self.path.to_string(),
            id: self.stem.to_string(),
            field: field.to_string(),
            base: b,
            mine: m,
            theirs: t,
        }
    }

    fn resolution(&self, field: &str) -> Option<&Resolution> {
        self.resolutions
            .get(&(self.stem.to_string(), field.to_string()))
    }

    /// The keys in my order, then the keys only they (or the common version) have.
    fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.mine.values.iter().map(|(k, _)| k.clone()).collect();
        for (k, _) in self
            .theirs
            .values
            .iter()
            .chain(self.base.iter().flat_map(|b| b.values.iter()))
        {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
        keys
    }

    /// Merges the field `key` into `front`.
    fn field(&mut self, key: &str) {
        let get = |s: &Sides| {
            s.values
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let (bv, mv, tv) = (
            self.base.as_ref().and_then(get),
            get(&self.mine),
            get(&self.theirs),
        );
        // Which side's block to write: mine unless only they changed it.
        let take_theirs = if mv == tv || bv == tv {
            false
        } else if bv == mv {
            true
        } else {
            match self.resolution(key).cloned() {
                Some(Resolution::Mine) => false,
                Some(Resolution::Theirs) => true,
                Some(Resolution::Value(v)) => {
                    self.edits.push(Assignment {
                        path: vec![key.to_string()],
                        operation: edit::Operation::Set,
                        value: v,
                    });
                    false
                }
                None if key == "actions" && self.actions() => return,
                None => {
                    let show = |text: &Option<String>| {
                        text.as_ref().map(|t| {
                            t.split_once(':')
                                .map_or(t.as_str(), |(_, v)| v)
                                .trim()
                                .to_string()
                        })
                    };
                    let c = self.conflict(key, show(&bv), show(&mv), show(&tv));
                    self.conflicts.push(c);
                    false
                }
            }
        };
        let (side, value) = if take_theirs {
            (&self.theirs, &tv)
        } else {
            (&self.mine, &mv)
        };
        if let Some(block) = side.blocks.get(key) {
            self.front.push_str(block);
        } else if let Some(value) = value {
            self.front.push_str(value);
        }
    }

    /// A treatment's actions, which merge action by action and field by field; false
    /// when the records are not treatments.
    fn actions(&mut self) -> bool {
        let (AnyRecord::Treatment(mt), AnyRecord::Treatment(tt)) =
            (&self.mine.record, &self.theirs.record)
        else {
            return false;
        };
        let base_actions = self.base.as_ref().and_then(|b| match &b.record {
            AnyRecord::Treatment(bt) => Some(bt.actions.as_slice()),
            _ => None,
        });
        let mut edits = Vec::new();
        let merge = merge_actions(
            base_actions,
            &mt.actions,
            &tt.actions,
            |field| self.resolution(field),
            &mut edits,
        );
        match merge {
            Ok(actions) => {
                let merged = AnyRecord::Treatment(crate::domain::Treatment {
                    actions,
                    ..mt.clone()
                });
                let (fields, _) = crate::isms::emit_any(&merged);
                if let Some((_, Some(text))) = fields.iter().find(|(k, _)| *k == "actions") {
                    self.front.push_str(text);
                }
            }
            Err(nested) => {
                let nested: Vec<FieldConflict> = nested
                    .into_iter()
                    .map(|(field, b, m, t)| self.conflict(&field, b, m, t))
                    .collect();
                self.conflicts.extend(nested);
            }
        }
        self.edits.append(&mut edits);
        true
    }

    /// The merged narrative: the side that changed it, else a line merge, else the
    /// resolution; a conflict otherwise.
    fn body(&mut self) -> String {
        let bb = self.base.as_ref().map(|b| b.source.body.clone());
        let (mb, tb) = (
            self.mine.source.body.clone(),
            self.theirs.source.body.clone(),
        );
        if mb == tb || bb.as_deref() == Some(tb.as_str()) {
            return mb;
        }
        if bb.as_deref() == Some(mb.as_str()) {
            return tb;
        }
        match self.resolution("body").cloned() {
            Some(Resolution::Mine) => mb,
            Some(Resolution::Theirs) => tb,
            Some(Resolution::Value(v)) => v,
            None => match merge_text(bb.as_deref().unwrap_or(""), &mb, &tb) {
                Some(merged) => merged,
                None => {
                    let c = self.conflict("body", bb, Some(mb.clone()), Some(tb));
                    self.conflicts.push(c);
                    mb
                }
            },
        }
    }
}

/// (field, base, mine, theirs) of one nested conflict.
type NestedConflict = (String, Option<String>, Option<String>, Option<String>);

/// The fields of an action that merge one by one, with how to read and copy each.
/// An action field: its name, how to read it as text, how to copy it from theirs.
type ActionField = (
    &'static str,
    fn(&Action) -> String,
    fn(&mut Action, &Action),
);

const ACTION_FIELDS: [ActionField; 5] = [
    (
        "description",
        |a| a.description.clone(),
        |m, t| m.description = t.description.clone(),
    ),
    (
        "owner",
        |a| a.owner.clone(),
        |m, t| m.owner = t.owner.clone(),
    ),
    (
        "due",
        |a| a.due.map(|d| d.to_string()).unwrap_or_default(),
        |m, t| m.due = t.due,
    ),
    (
        "status",
        |a| a.status.as_str().to_string(),
        |m, t| m.status = t.status,
    ),
    (
        "resources",
        |a| a.resources.clone().unwrap_or_default(),
        |m, t| m.resources = t.resources.clone(),
    ),
];

/// A three-way merge of a treatment's actions: by action id, then field by field, so
/// two people who change different actions, or different fields of one action, do not
/// conflict. A conflict names the field as `isms set` does (`actions.A2.status`); an
/// action removed on one side and changed on the other is a conflict on `actions.A2`.
fn merge_actions<'r>(
    base: Option<&[Action]>,
    mine: &[Action],
    theirs: &[Action],
    resolution: impl Fn(&str) -> Option<&'r Resolution>,
    edits: &mut Vec<Assignment>,
) -> std::result::Result<Vec<Action>, Vec<NestedConflict>> {
    let find = |list: &[Action], id: &str| list.iter().find(|a| a.id == id).cloned();
    let mut ids: Vec<String> = mine.iter().map(|a| a.id.clone()).collect();
    for a in theirs {
        if !ids.contains(&a.id) {
            ids.push(a.id.clone());
        }
    }
    let summary = |a: &Option<Action>| {
        a.as_ref()
            .map(|a| format!("{} ({}, {})", a.description, a.owner, a.status.as_str()))
    };
    let mut merged = Vec::new();
    let mut conflicts = Vec::new();
    for id in ids {
        let b = base.and_then(|b| find(b, &id));
        let (m, t) = (find(mine, &id), find(theirs, &id));
        let chosen = if m == t || b == t {
            m
        } else if b == m {
            t
        } else if let (Some(b), Some(mut m), Some(t)) = (b.clone(), m.clone(), t.clone()) {
            for (name, read, copy) in ACTION_FIELDS {
                let (bv, mv, tv) = (read(&b), read(&m), read(&t));
                if mv == tv || bv == tv {
                    continue;
                }
                if bv == mv {
                    copy(&mut m, &t);
                    continue;
                }
                let field = format!("actions.{id}.{name}");
                match resolution(&field) {
                    Some(Resolution::Mine) => {}
                    Some(Resolution::Theirs) => copy(&mut m, &t),
                    Some(Resolution::Value(v)) => edits.push(Assignment {
                        path: vec!["actions".into(), id.clone(), name.into()],
                        operation: edit::Operation::Set,
                        value: v.clone(),
                    }),
                    None => conflicts.push((field, Some(bv), Some(mv), Some(tv))),
                }
            }
            Some(m)
        } else {
            let field = format!("actions.{id}");
            match resolution(&field) {
                Some(Resolution::Theirs) => t,
                Some(_) => m,
                None => {
                    conflicts.push((field, summary(&b), summary(&m), summary(&t)));
                    m
                }
            }
        };
        merged.extend(chosen);
    }
    if conflicts.is_empty() {
        Ok(merged)
    } else {
        Err(conflicts)
    }
}

/// A line-by-line three-way merge of text; `None` when the changes overlap.
fn merge_text(base: &str, mine: &str, theirs: &str) -> Option<String> {
    fn input(text: &str) -> git2::MergeFileInput<'_> {
        let mut i = git2::MergeFileInput::new();
        i.content(text.as_bytes());
        i
    }
    let result = git2::merge_file(&input(base), &input(mine), &input(theirs), None).ok()?;
    if !result.is_automergeable() {
        return None;
    }
    String::from_utf8(result.content().to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ActionStatus;

    fn action(id: &str, status: ActionStatus) -> Action {
        Action {
            id: id.into(),
            description: format!("Do {id}"),
            owner: "ism".into(),
            due: None,
            status,
            resources: None,
        }
    }

    #[test]
    fn actions_added_removed_and_changed_merge_or_conflict_by_id() {
        use ActionStatus::*;
        let base = vec![action("A1", Planned), action("A2", Planned)];
        let none = |_: &str| None;
        // Theirs adds A3, mine removes A1 (they left it alone): both kept.
        let mine = vec![action("A2", Planned)];
        let theirs = vec![
            action("A1", Planned),
            action("A2", Planned),
            action("A3", Planned),
        ];
        let merged =
            merge_actions(Some(&base), &mine, &theirs, none, &mut Vec::new()).expect("merges");
        let ids: Vec<&str> = merged.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["A2", "A3"]);
        // Mine removes A1, theirs changes it: a conflict on the whole action.
        let theirs = vec![action("A1", Done), action("A2", Planned)];
        let conflicts = merge_actions(Some(&base), &mine, &theirs, none, &mut Vec::new())
            .expect_err("conflicts");
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].0, "actions.A1");
        assert_eq!(conflicts[0].2, None, "mine removed it");
        // The same field both ways, resolved with a new value: taken as an edit.
        let mine = vec![action("A1", Cancelled), action("A2", Planned)];
        let value = Resolution::Value("in_progress".into());
        let mut edits = Vec::new();
        let merged = merge_actions(
            Some(&base),
            &mine,
            &theirs,
            |f: &str| (f == "actions.A1.status").then_some(&value),
            &mut edits,
        )
        .expect("resolved");
        assert_eq!(merged.len(), 2);
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0].path, ["actions", "A1", "status"]);
    }
}
