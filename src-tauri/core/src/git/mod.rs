//! Git: commits signed with the person's SSH key, who signed what, a record's history,
//! the changes between two revisions, and sync with a remote (ARCHITECTURE.md, "The trust model of sign-off").
//!
//! Everything here works on the repository with libgit2 in-process, and everything it
//! writes is ordinary git: `git log`, `git verify-commit` (pointed at
//! `.isms/allowed_signers`) and any forge read it without ISMS Desk.
//!
//! Order of writes in a commit: the staged blobs and the index first, then the tree
//! and the commit object, then the branch moves — with a compare-and-swap on its old
//! value, so two writers can never lose each other's commit. A crash at any instant
//! leaves at worst an unreferenced object (which `git gc` removes), never a branch
//! pointing at something incomplete.

pub mod changes;
mod config_merge;
pub mod history;
pub mod recovery;
pub mod renumber;
pub mod signing;
pub mod sync;
pub mod verify;

use std::path::Path;

use serde::Serialize;

use crate::domain::IsmsConfig;
use crate::isms::{parse_text, Isms, RecordKind, CONFIG_FILE};
use crate::{Error, LoadError, Result};
use signing::{Signer, GIT_NAMESPACE, REPORT_NAMESPACE};

/// The allowed-signers file git verifies SSH signatures against, generated from
/// `isms.yaml` (`git -c gpg.ssh.allowedSignersFile=.isms/allowed_signers verify-commit`).
pub const ALLOWED_SIGNERS_FILE: &str = ".isms/allowed_signers";

/// The folders and files a commit of "all changes" takes: the ISMS, nothing else.
pub fn isms_paths() -> impl Iterator<Item = &'static str> {
    [CONFIG_FILE, ".isms", ".gitignore"]
        .into_iter()
        .chain(crate::isms::folders())
}

/// Whether a path in the repository is part of the ISMS ([`isms_paths`]).
pub fn is_isms_path(path: &str) -> bool {
    isms_paths().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Sets libgit2's process-wide options once, before the first repository is opened:
///
/// - fsync objects, the index and references, so that an acknowledged commit
///   survives a power cut, not only a crash of the process;
/// - read objects the way git does, trusting the id an object is stored under
///   instead of hashing every object again on each read. Objects are hashed when
///   they enter the repository (libgit2's indexer on fetch, every write), and
///   `git fsck` checks them all. Hashing on read cost more than half of a record's
///   timeline on a long history (SHA-1 with collision detection over every folder
///   tree). What a signature vouches for is still hashed on read: see
///   [`read_checked`].
fn libgit2_options() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: documented libgit2 options taking one int, set once before use.
        #[allow(unsafe_code)]
        unsafe {
            libgit2_sys::git_libgit2_opts(libgit2_sys::GIT_OPT_ENABLE_FSYNC_GITDIR as _, 1);
            git2::opts::strict_hash_verification(false);
        }
    });
}

/// Reads an object and checks that its content hashes to its id, for what a
/// signature vouches for: signed commits, signed reports, and the isms.yaml that
/// says whose keys count. The rest of the object graph is read trusting its ids,
/// as git does (see [`libgit2_options`]).
pub(crate) fn read_checked(
    repo: &git2::Repository,
    oid: git2::Oid,
    kind: git2::ObjectType,
) -> Result<Vec<u8>> {
    let odb = repo.odb()?;
    let object = odb.read(oid)?;
    let data = object.data();
    if object.kind() != kind || git2::Oid::hash_object(kind, data)? != oid {
        return Err(Error::Git(git2::Error::new(
            git2::ErrorCode::Invalid,
            git2::ErrorClass::Odb,
            format!("object {oid} is corrupt: its content does not hash to its id (run git fsck)"),
        )));
    }
    Ok(data.to_vec())
}

/// Opens the git repository of an ISMS (exactly at its root, never by discovery).
pub fn repository(isms: &Isms) -> Result<git2::Repository> {
    libgit2_options();
    if isms.git_dir().is_none() {
        return Err(Error::NotARepository(isms.root().to_path_buf()));
    }
    Ok(git2::Repository::open(isms.root())?)
}

/// Who a commit is by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Identity {
    /// The person's name.
    pub name: String,
    /// Their email (what allowed_signers and isms.yaml know them by).
    pub email: String,
}

impl Identity {
    /// The identity git would use: `user.name` and `user.email` from the repository's
    /// configuration or the global one. `None` when either is missing.
    pub fn from_git(repo: &git2::Repository) -> Option<Identity> {
        let config = repo.config().ok()?;
        let name = config.get_string("user.name").ok()?;
        let email = config.get_string("user.email").ok()?;
        (!name.trim().is_empty() && !email.trim().is_empty()).then_some(Identity { name, email })
    }

    /// The identity of a person in isms.yaml, by email.
    pub fn from_config(config: &IsmsConfig, email: &str) -> Option<Identity> {
        config
            .people
            .iter()
            .find(|p| p.email.eq_ignore_ascii_case(email))
            .map(|p| Identity {
                name: p.name.clone(),
                email: p.email.clone(),
            })
    }
}

/// The identity to commit as: git's `user.name` and `user.email`, else the person
/// chosen in ISMS Desk's settings from isms.yaml.
pub fn identity(isms: &Isms, settings: &crate::settings::Settings) -> Result<Identity> {
    let repo = repository(isms)?;
    if let Some(id) = Identity::from_git(&repo) {
        return Ok(id);
    }
    let config = isms
        .load_config()
        .map_err(|mut e| Error::Invalid(e.remove(0)))?;
    settings
        .person
        .as_deref()
        .and_then(|email| Identity::from_config(&config, email))
        .ok_or_else(|| Error::Usage("who is committing? Set git's user.name and user.email, or pick yourself from isms.yaml once with `isms settings --person <email>`".into()))
}

/// The text of `.isms/allowed_signers` for the approved configuration: one line per
/// key of each person, in isms.yaml order, limited to the namespaces of commit
/// signatures (`git`) and of report signatures (`isms-report`).
pub fn allowed_signers(config: &IsmsConfig) -> String {
    let mut out = String::from(
        "# Generated by ISMS Desk from the approved isms.yaml (the first commit's, or the one the\n\
         # last governance sign-off approved); do not edit. A key added to isms.yaml since is not\n\
         # listed until a governance sign-off approves it.\n\
         # Verify a commit with: git -c gpg.ssh.allowedSignersFile=.isms/allowed_signers verify-commit <commit>\n\
         # Verify a report with: ssh-keygen -Y verify -f .isms/allowed_signers -I <email> -n isms-report -s <file>.sig < <file>\n",
    );
    for person in &config.people {
        for key in &person.signing_keys {
            // Type and base64 only: the key comment is not part of the key.
            let mut parts = key.split_whitespace();
            if let (Some(kind), Some(data)) = (parts.next(), parts.next()) {
                out.push_str(&format!(
                    "{} namespaces=\"{GIT_NAMESPACE},{REPORT_NAMESPACE}\" {kind} {data}\n",
                    person.email
                ));
            }
        }
    }
    out
}

/// What a commit did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Committed {
    /// The new commit id.
    pub commit: CommitId,
    /// The branch that moved (`refs/heads/main`).
    pub branch: String,
    /// Who it is by: `Name <email>`.
    pub author: String,
    /// The files it recorded, added, changed or deleted.
    pub files: Vec<String>,
    /// Whether it carries an SSH signature.
    pub signed: bool,
}

/// A commit to make.
pub struct CommitRequest<'a> {
    /// The message (a summary line, optionally a blank line and more).
    pub message: &'a str,
    /// Only these records (ids, or `isms.yaml`); all ISMS changes when empty.
    pub records: &'a [String],
    /// The author and committer.
    pub identity: &'a Identity,
    /// The key to sign with; `None` makes an unsigned commit.
    pub signer: Option<&'a Signer>,
    /// The commit time as (seconds since the epoch, UTC offset in minutes); now when
    /// `None`.
    pub when: Option<(i64, i32)>,
    /// The text `.isms/allowed_signers` must have: the keys of the approved
    /// configuration, which the caller establishes (see
    /// `Isms::allowed_signers_for_commit` in `signoff`). `None` leaves the file as it
    /// is.
    pub allowed_signers: Option<&'a str>,
}

impl Isms {
    /// Commits changes to the ISMS: all of them, or the chosen records. Every record
    /// file committed must load; `.isms/allowed_signers` is regenerated first so that it
    /// always lists the keys of the approved configuration, and only those.
    pub fn commit(&self, request: &CommitRequest) -> Result<Committed> {
        let repo = repository(self)?;
        let _lock = self.write_lock()?;
        let _operation = self.begin_git_operation()?;
        let message = request.message.trim();
        if message.is_empty() {
            return Err(Error::Usage("a commit needs a message".into()));
        }
        if let Some(text) = request.allowed_signers {
            self.write_allowed_signers(text)?;
        }
        let paths = self.paths_to_commit(&repo, request.records)?;
        // Validate what is about to be recorded.
        for path in &paths {
            let full = self.root().join(path);
            if !full.is_file() {
                continue;
            }
            if path == CONFIG_FILE {
                self.load_config()
                    .map_err(|mut e| Error::Invalid(e.remove(0)))?;
                continue;
            }
            if let Some((kind, stem)) = RecordKind::of_path(path) {
                let text = self.read_text(path).map_err(Error::Invalid)?;
                parse_text(kind, path, stem, &text).map_err(|mut e| Error::Invalid(e.remove(0)))?;
            }
        }
        let mut index = repo.index()?;
        for path in &paths {
            if self.root().join(path).is_file() {
                index.add_path(Path::new(path))?;
            } else if index.get_path(Path::new(path), 0).is_some() {
                index.remove_path(Path::new(path))?;
            }
        }
        let tree_id = index.write_tree()?;
        let head = repo.head().ok();
        let parent = head.as_ref().and_then(|h| h.peel_to_commit().ok());
        if parent.as_ref().is_some_and(|p| p.tree_id() == tree_id) {
            return Err(Error::NothingToCommit);
        }
        index.write()?;
        let tree = repo.find_tree(tree_id)?;
        let (seconds, offset) = request.when.unwrap_or_else(|| (now_seconds(), 0));
        let when = git2::Time::new(seconds, offset);
        let who = git2::Signature::new(&request.identity.name, &request.identity.email, &when)?;
        let mut text = message.to_string();
        text.push('\n');
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let buffer = repo.commit_create_buffer(&who, &who, &text, &tree, &parents)?;
        let buffer = std::str::from_utf8(&buffer)
            .map_err(|_| Error::Usage("the commit message must be UTF-8".into()))?
            .to_string();
        let commit = match request.signer {
            Some(signer) => {
                let signature = signer.sign_git(buffer.as_bytes())?;
                repo.commit_signed(&buffer, &signature, None)?
            }
            None => repo
                .odb()?
                .write(git2::ObjectType::Commit, buffer.as_bytes())?,
        };
        let branch = head_branch(&repo)?;
        let reflog = format!("commit: {}", message.lines().next().unwrap_or_default());
        match parent {
            Some(p) => repo.reference_matching(&branch, commit, true, p.id(), &reflog)?,
            None => repo.reference(&branch, commit, false, &reflog)?,
        };
        Ok(Committed {
            commit: commit.into(),
            author: format!("{} <{}>", request.identity.name, request.identity.email),
            branch,
            files: paths,
            signed: request.signer.is_some(),
        })
    }

    /// Writes `.isms/allowed_signers` when it does not already hold `text`.
    fn write_allowed_signers(&self, text: &str) -> Result<()> {
        let path = self.root().join(ALLOWED_SIGNERS_FILE);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text) {
            return Ok(());
        }
        let dir = path
            .parent()
            .expect("the allowed-signers file lives in .isms/");
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        crate::fsio::write_atomic(&path, text.as_bytes())
    }

    /// The ISMS paths with changes against HEAD, or the files of the chosen records.
    pub fn paths_to_commit(
        &self,
        repo: &git2::Repository,
        records: &[String],
    ) -> Result<Vec<String>> {
        let changed = changed_isms_paths(repo)?;
        if records.is_empty() {
            if changed.is_empty() {
                return Err(Error::NothingToCommit);
            }
            return Ok(changed);
        }
        let mut paths = Vec::new();
        for id in records {
            let wanted: Vec<String> = if id == CONFIG_FILE || id == "isms" {
                vec![CONFIG_FILE.to_string(), ALLOWED_SIGNERS_FILE.to_string()]
            } else {
                let found: Vec<String> = RecordKind::ALL
                    .iter()
                    .map(|k| format!("{}/{id}.md", k.folder()))
                    .filter(|p| changed.contains(p) || self.root().join(p).is_file())
                    .collect();
                if found.is_empty() {
                    return Err(Error::NotFound(id.clone()));
                }
                found
            };
            for p in wanted {
                if changed.contains(&p) && !paths.contains(&p) {
                    paths.push(p);
                }
            }
        }
        if paths.is_empty() {
            return Err(Error::NothingToCommit);
        }
        Ok(paths)
    }
}

/// The ISMS files that differ from HEAD in the index or the working tree (new,
/// changed, deleted), leaving out temporary files of interrupted saves.
pub fn changed_isms_paths(repo: &git2::Repository) -> Result<Vec<String>> {
    let mut options = git2::StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    for p in isms_paths() {
        options.pathspec(p);
    }
    Ok(repo
        .statuses(Some(&mut options))?
        .iter()
        .filter(|s| s.status() != git2::Status::CURRENT && !s.status().is_ignored())
        .filter_map(|s| s.path().ok().map(str::to_string))
        .filter(|p| {
            p.rsplit('/')
                .next()
                .is_none_or(|n| crate::fsio::Temporary::of(n).is_none())
        })
        .collect())
}

/// The text of the file at `path` in `commit`, when it is there and is text.
pub(crate) fn text_at(
    repo: &git2::Repository,
    commit: &git2::Commit,
    path: &str,
) -> Option<String> {
    let entry = commit
        .tree()
        .ok()?
        .get_path(std::path::Path::new(path))
        .ok()?;
    let blob = entry.to_object(repo).ok()?.into_blob().ok()?;
    String::from_utf8(blob.content().to_vec()).ok()
}

/// Whether nothing is committed yet: HEAD names a branch that does not exist.
pub fn nothing_committed(repo: &git2::Repository) -> bool {
    repo.head()
        .is_err_and(|e| e.code() == git2::ErrorCode::UnbornBranch)
}

/// The branch HEAD points at (`refs/heads/main`), even before its first commit.
pub(crate) fn head_branch(repo: &git2::Repository) -> Result<String> {
    let head = repo.find_reference("HEAD")?;
    match head.symbolic_target().ok().flatten() {
        Some(target) => Ok(target.to_string()),
        None => Err(Error::Usage(
            "HEAD is detached; check out a branch before committing".into(),
        )),
    }
}

/// What git knows of the repository that the checks need (`None` outside git): the
/// temporary files of interrupted saves that reached the last commit, and whether git
/// ignores them.
pub fn repository_facts(isms: &Isms) -> Option<crate::domain::RepositoryFacts> {
    let repo = repository(isms).ok()?;
    let mut committed_temporaries = Vec::new();
    if let Ok(tree) = repo.head().and_then(|h| h.peel_to_tree()) {
        let _ = tree.walk(git2::TreeWalkMode::PreOrder, |folder, entry| {
            if let Ok(name) = entry.name() {
                if crate::fsio::Temporary::of(name).is_some() {
                    committed_temporaries.push(format!("{folder}{name}"));
                }
            }
            git2::TreeWalkResult::Ok
        });
    }
    let mut approved_documents = Vec::new();
    let folder = format!("{}/document", crate::isms::REPORTS_FOLDER);
    if let Ok(entries) = repo
        .head()
        .and_then(|h| h.peel_to_tree())
        .and_then(|t| t.get_path(std::path::Path::new(&folder)))
        .and_then(|e| repo.find_tree(e.id()))
    {
        for entry in entries.iter() {
            let Some(id) = entry.name().ok().and_then(|n| n.strip_suffix(".md")) else {
                continue;
            };
            let approved = repo.find_blob(entry.id()).ok().and_then(|b| {
                std::str::from_utf8(b.content())
                    .ok()
                    .and_then(crate::domain::ApprovedDocument::read)
            });
            if let Some(approved) = approved {
                approved_documents.push((id.to_string(), approved));
            }
        }
    }
    let probe = format!("{}/.R-001.md.1.0.tmp", RecordKind::Risk.folder());
    let ignores_temporaries = repo.is_path_ignored(probe).unwrap_or(false);
    Some(crate::domain::RepositoryFacts {
        committed_temporaries,
        ignores_temporaries,
        approved_documents,
    })
}

/// The first 12 characters of an object id, as people read one: enough to tell
/// commits apart in any repository of this size, and what git itself shows.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// The id of a commit that exists: 40 hex digits, shown [`short`](CommitId::short)
/// where people read it. Made only from a git object id, never from text a file or a
/// trailer claims.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CommitId(String);

impl Serialize for CommitId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Read back only when it is 40 hex digits.
impl<'de> serde::Deserialize<'de> for CommitId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<CommitId, D::Error> {
        let text = String::deserialize(d)?;
        CommitId::try_from(text).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<String> for CommitId {
    type Error = String;

    fn try_from(text: String) -> std::result::Result<CommitId, String> {
        git2::Oid::from_str(&text)
            .ok()
            .filter(|_| text.len() == 40)
            .map(CommitId::from)
            .ok_or_else(|| format!("`{text}` is not a commit id (40 hex digits)"))
    }
}

impl CommitId {
    /// The first 12 hex digits.
    pub fn short(&self) -> &str {
        short_id(&self.0)
    }

    /// All 40 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The git object id.
    pub fn oid(&self) -> git2::Oid {
        git2::Oid::from_str(&self.0).expect("a CommitId is made from an Oid")
    }
}

impl From<git2::Oid> for CommitId {
    fn from(oid: git2::Oid) -> CommitId {
        CommitId(oid.to_string())
    }
}

impl std::fmt::Display for CommitId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for CommitId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CommitId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A load error for a file read from a git revision rather than the working tree.
pub(crate) fn revision_error(rev: &str, path: &str, message: impl Into<String>) -> LoadError {
    LoadError::file(format!("{rev}:{path}"), message)
}

/// Seconds since the epoch, for commit times.
pub(crate) fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The methodology of version `version` as the history reaching `from` last defined
/// it: the newest commit whose isms.yaml loads with that version. How a risk still
/// to be rescored is rated under the version it was scored under, in reports and the
/// app; `None` when no commit defines it (it was never committed, or the history
/// was cut). Walks commits newest first, parsing each distinct isms.yaml once.
pub fn earlier_methodology(
    repo: &git2::Repository,
    from: git2::Oid,
    version: &str,
) -> Result<Option<crate::domain::Methodology>> {
    let mut walk = repo.revwalk()?;
    walk.push(from)?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
    let mut seen = std::collections::HashSet::new();
    for oid in walk {
        let tree = repo.find_commit(oid?)?.tree()?;
        let Ok(entry) = tree.get_path(std::path::Path::new(crate::domain::CONFIG_FILE)) else {
            continue;
        };
        if !seen.insert(entry.id()) {
            continue;
        }
        let bytes = read_checked(repo, entry.id(), git2::ObjectType::Blob)?;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Ok(config) = crate::format::parse_config(text) {
            if config.methodology.version == version {
                return Ok(Some(config.methodology));
            }
        }
    }
    Ok(None)
}
