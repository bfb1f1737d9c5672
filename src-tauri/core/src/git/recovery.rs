//! What an ISMS Desk process that died in the middle of a git operation leaves, and how
//! the next one clears it.
//!
//! libgit2, like git, takes a lock by creating `<file>.lock` beside the file it writes
//! (`index.lock`, `refs/heads/main.lock`) and renames it over the file when done. A
//! process killed in between leaves the lock file, and every later commit fails. Git
//! cannot tell whose a lock file is; ISMS Desk can tell its own: every operation that
//! writes git's index or refs runs under the store's write lock (an OS lock, released
//! when the process dies) and records itself in `.git/isms-desk/operation` (its pid,
//! and for a pull where the branch was and where it was going), removed when it ends.
//!
//! The next operation, holding the write lock, finds a record whose process is dead:
//! that operation was interrupted, and the lock files created since it started are its
//! own, so they are deleted. Lock files older than that, or with no record to explain
//! them, belong to someone else (git, an editor's git plugin) and are only named
//! ([`Error::GitLocked`]). A pull interrupted after it began writing the files and before
//! it moved the branch is [`Error::InterruptedPull`] until it is finished or undone
//! ([`Isms::settle_interrupted_pull`]).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{head_branch, repository, CommitId};
use crate::isms::Isms;
use crate::{Error, Result};

/// The record of a git operation in progress, in the git directory.
const OPERATION: &str = "isms-desk/operation";

/// A git operation in progress: its record is removed when it ends, unless it is a
/// pull that began writing files and did not get to move the branch (then the record
/// is what lets the next operation finish or undo it).
pub(crate) struct Operation {
    record: PathBuf,
    pulling: std::cell::Cell<bool>,
}

impl Drop for Operation {
    fn drop(&mut self) {
        if !self.pulling.get() {
            let _ = fs::remove_file(&self.record);
        }
    }
}

/// A pull about to move `branch` from `head` to `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PullInProgress {
    pub branch: String,
    pub head: git2::Oid,
    pub target: git2::Oid,
}

/// What a record says: the process and, for a pull, where it was going.
#[derive(Debug)]
struct Recorded {
    pid: u32,
    started: SystemTime,
    pull: Option<PullInProgress>,
}

impl Operation {
    /// Records that the pull now writes the files of `pull.target` and then moves the
    /// branch: if it dies in between, the next operation knows how to finish or undo it.
    pub(crate) fn pulling(&self, pull: &PullInProgress) -> Result<()> {
        let text = format!(
            "pid {}\nbranch {}\nhead {}\ntarget {}\n",
            std::process::id(),
            pull.branch,
            pull.head,
            pull.target
        );
        crate::fsio::write_atomic(&self.record, text.as_bytes())?;
        self.pulling.set(true);
        Ok(())
    }

    /// The pull moved the branch: its files and branch agree again.
    pub(crate) fn pulled(self) {
        self.pulling.set(false);
    }
}

/// How to settle an interrupted pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Write the rest of the pulled files and move the branch, as the pull would have.
    Finish,
    /// Put the files back as they were before the pull; the branch stays.
    Undo,
}

impl Isms {
    /// Starts an operation that writes git's index or refs. Call it holding the write
    /// lock. Clears what a dead ISMS Desk operation left, refuses while a pull is
    /// interrupted or another program's lock file is there, and records this one.
    pub(crate) fn begin_git_operation(&self) -> Result<Option<Operation>> {
        let Some(git_dir) = self.git_dir().map(Path::to_path_buf) else {
            return Ok(None);
        };
        if let Some(pull) = self.clear_dead_operation(&git_dir)? {
            return Err(interrupted(pull));
        }
        self.start_operation(&git_dir).map(Some)
    }

    /// Finishes or undoes a pull that was interrupted after it began writing files.
    /// A file changed since (neither the old version nor the pulled one) is never
    /// overwritten: it is named and nothing changes. Returns where the branch is.
    pub fn settle_interrupted_pull(&self, how: Settle) -> Result<CommitId> {
        let repo = repository(self)?;
        let _lock = self.write_lock()?;
        let git_dir = repo.path().to_path_buf();
        let Some(pull) = self.clear_dead_operation(&git_dir)? else {
            return Err(Error::Usage("no pull was interrupted here".into()));
        };
        let (head_tree, target_tree) = (
            repo.find_commit(pull.head)?.tree()?,
            repo.find_commit(pull.target)?.tree()?,
        );
        for path in super::changed_isms_paths(&repo)? {
            let on_disk = fs::read(self.root().join(&path)).ok();
            let at = |tree: &git2::Tree| -> Result<Option<Vec<u8>>> {
                Ok(match tree.get_path(Path::new(&path)) {
                    Ok(entry) => Some(repo.find_blob(entry.id())?.content().to_vec()),
                    Err(_) => None,
                })
            };
            if on_disk != at(&head_tree)? && on_disk != at(&target_tree)? {
                return Err(Error::UncommittedChanges(vec![path]));
            }
        }
        let operation = self.start_operation(&git_dir)?;
        operation.pulling(&pull)?;
        // Every file is the old version or the pulled one (pulls replace files whole),
        // so the rest of the way is a checkout between the two, itself atomic per file.
        let (from, to, branch_at) = match how {
            Settle::Finish => (&head_tree, &target_tree, pull.target),
            Settle::Undo => (&target_tree, &head_tree, pull.head),
        };
        super::sync::checkout_atomically(&repo, from, to)?;
        let current = repo.refname_to_id(&pull.branch)?;
        if current != branch_at {
            repo.reference_matching(
                &pull.branch,
                branch_at,
                true,
                current,
                "pull: finish an interrupted pull",
            )?;
        }
        operation.pulled();
        self.index()?;
        Ok(branch_at.into())
    }

    /// Clears the lock files a dead ISMS Desk operation left, and returns its pull if
    /// it was a pull interrupted with the files half written. Refuses (naming the
    /// file) when a lock file is there that no dead operation explains.
    fn clear_dead_operation(&self, git_dir: &Path) -> Result<Option<PullInProgress>> {
        let record = git_dir.join(OPERATION);
        let dead = match read_record(&record) {
            Some(r) if r.pid != std::process::id() && crate::fsio::process_is_alive(r.pid) => None,
            other => other,
        };
        let locks = lock_files(git_dir);
        for lock in &locks {
            let created = fs::metadata(lock).and_then(|m| m.modified()).ok();
            // Allow for file systems that store times coarsely.
            let since_dead_started = match (&dead, created) {
                (Some(d), Some(created)) => created + Duration::from_secs(2) >= d.started,
                _ => false,
            };
            if !since_dead_started {
                return Err(Error::GitLocked(lock.clone()));
            }
            tracing::warn!(lock = %lock.display(), "deleting a lock file left by an interrupted ISMS Desk operation");
            fs::remove_file(lock).map_err(|e| Error::io(lock, e))?;
        }
        let Some(dead) = dead else {
            return Ok(None);
        };
        let interrupted = match dead.pull {
            Some(pull) if self.half_done(&pull)? => Some(pull),
            _ => None,
        };
        if interrupted.is_none() {
            fs::remove_file(&record).map_err(|e| Error::io(&record, e))?;
        }
        Ok(interrupted)
    }

    fn start_operation(&self, git_dir: &Path) -> Result<Operation> {
        let record = git_dir.join(OPERATION);
        crate::fsio::write_atomic(&record, format!("pid {}\n", std::process::id()).as_bytes())?;
        Ok(Operation {
            record,
            pulling: std::cell::Cell::new(false),
        })
    }

    /// Whether a pull stopped after writing some files and before moving the branch.
    fn half_done(&self, pull: &PullInProgress) -> Result<bool> {
        let repo = repository(self)?;
        let moved = repo.refname_to_id(&pull.branch).ok() == Some(pull.target);
        Ok(!moved && !super::changed_isms_paths(&repo)?.is_empty())
    }
}

fn interrupted(pull: PullInProgress) -> Error {
    Error::InterruptedPull {
        branch: pull
            .branch
            .strip_prefix("refs/heads/")
            .unwrap_or(&pull.branch)
            .to_string(),
        head: CommitId::from(pull.head).short().to_string(),
        target: CommitId::from(pull.target).short().to_string(),
    }
}

fn read_record(path: &Path) -> Option<Recorded> {
    let text = fs::read_to_string(path).ok()?;
    let started = fs::metadata(path).and_then(|m| m.modified()).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .map(str::to_string)
    };
    let pid = field("pid")?.parse().ok()?;
    let pull = match (field("branch"), field("head"), field("target")) {
        (Some(branch), Some(head), Some(target)) => Some(PullInProgress {
            branch,
            head: git2::Oid::from_str(&head).ok()?,
            target: git2::Oid::from_str(&target).ok()?,
        }),
        _ => None,
    };
    Some(Recorded { pid, started, pull })
}

/// The lock files git and libgit2 create for what ISMS Desk writes: git's index,
/// HEAD, packed refs, the config, any ref, and what a fetch locks (`shallow`,
/// `FETCH_HEAD`).
fn lock_files(git_dir: &Path) -> Vec<PathBuf> {
    let mut locks: Vec<PathBuf> = [
        "index.lock",
        "HEAD.lock",
        "packed-refs.lock",
        "config.lock",
        "shallow.lock",
        "FETCH_HEAD.lock",
    ]
    .iter()
    .map(|name| git_dir.join(name))
    .filter(|p| p.exists())
    .collect();
    let mut folders = vec![git_dir.join("refs")];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => folders.push(path),
                Ok(t) if t.is_file() && path.extension().is_some_and(|e| e == "lock") => {
                    locks.push(path)
                }
                _ => {}
            }
        }
    }
    locks
}

/// The operation record for a pull about to write files; see [`Operation::pulling`].
pub(crate) fn pull_in_progress(
    repo: &git2::Repository,
    head: git2::Oid,
    target: git2::Oid,
) -> Result<PullInProgress> {
    Ok(PullInProgress {
        branch: head_branch(repo)?,
        head,
        target,
    })
}
