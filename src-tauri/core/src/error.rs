//! Errors. A [`LoadError`] is one problem in one file of the ISMS repository (the rest
//! keeps loading); an [`Error`] stops an operation. Both carry enough for a person to
//! find and fix the cause; [`Error::code`] is the stable string the UI branches on.

use std::fmt;
use std::path::PathBuf;

/// A problem in one file of the repository, located as precisely as the input allows:
/// `risks/R-007.md:6: likelihood: 0 is not a level: levels start at 1`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LoadError {
    /// The file, relative to the repository root, with `/` separators.
    pub path: String,
    /// The 1-based line in the file, when known.
    pub line: Option<usize>,
    /// The front-matter field (dotted for nested fields, e.g. `acceptance.accepted_by`).
    pub field: Option<String>,
    /// What is wrong, for a person.
    pub message: String,
}

impl LoadError {
    /// A problem with the file as a whole (no line, no field).
    pub fn file(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line: None,
            field: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// An error that stops an operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The folder is not an ISMS repository (no `isms.yaml`).
    #[error("{0} is not an ISMS repository: it has no isms.yaml")]
    NotAnIsms(PathBuf),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A path would leave the repository (a symbolic link, `..`).
    #[error("{0}: refused because it leads outside the ISMS repository")]
    OutsideRepository(String),
    /// The record or input is invalid; nothing was written.
    #[error("{0}")]
    Invalid(LoadError),
    /// No record has this id.
    #[error("no record with id {0}")]
    NotFound(String),
    /// The SQLite index failed. The index is derived; deleting it is always safe.
    #[error("index: {0}")]
    Index(#[from] rusqlite::Error),
    /// A git operation failed.
    #[error("git: {0}")]
    Git(git2::Error),
    /// Git's lock file is there: another git program is working in the repository, or
    /// one that was not ISMS Desk was interrupted. Nothing was changed.
    #[error("{} exists: another git program is working in this repository, or one was interrupted; nothing was changed. If no git command is running, delete that file and try again", .0.display())]
    GitLocked(PathBuf),
    /// An ISMS Desk pull was interrupted between updating the files and moving the
    /// branch; nothing else may change until it is finished or undone.
    #[error("a pull from {branch} was interrupted: the files are partly those of {target}, the branch is still at {head}. Finish it with `isms pull --finish` or undo it with `isms pull --undo`")]
    InterruptedPull {
        /// The branch being pulled into.
        branch: String,
        /// Where the branch was (a short commit id).
        head: String,
        /// The commit the pull was moving it to (a short commit id).
        target: String,
    },
    /// The file changed on disk since the edit started (another program, a `git pull`);
    /// nothing was written.
    #[error("{id} ({path}) changed on disk since it was read; nothing was saved. Reload it and apply your change again")]
    Conflict {
        /// The record.
        id: String,
        /// Its file.
        path: String,
    },
    /// No SSH key to sign with, or the key could not be used.
    #[error("{0}")]
    NoSigningKey(String),
    /// The signing key needs a passphrase and none was given; nothing was committed.
    #[error("the signing key {0} needs its passphrase; nothing was committed")]
    PassphraseRequired(String),
    /// The ISMS folder is not a git repository.
    #[error("{0} is not a git repository; run `git init` there first")]
    NotARepository(PathBuf),
    /// The request itself is wrong (an empty message, a detached HEAD).
    #[error("{0}")]
    Usage(String),
    /// There are no changes to commit.
    #[error("nothing to commit: the ISMS files are as in the last commit")]
    NothingToCommit,
    /// Git does not know this revision.
    #[error("`{0}` is not a commit, tag or branch of this repository")]
    UnknownRevision(String),
    /// Fetch, pull or push failed.
    #[error("{0}")]
    Sync(String),
    /// Pull needs the ISMS files committed first.
    #[error("commit or discard your changes first; these files have changes: {}", .0.join(", "))]
    UncommittedChanges(Vec<String>),
    /// A record with this id already exists.
    #[error("{0} already exists")]
    Exists(String),
    /// The target of `isms init` exists and is not empty.
    #[error("{0} exists and is not empty; choose a new folder")]
    NotEmpty(PathBuf),
    /// A report was asked of a commit whose records do not all load.
    #[error("no report made from `{rev}`: {} file(s) there do not load, so the report would be incomplete:\n{}", .errors.len(), .errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    IncompleteSource {
        /// The revision asked for.
        rev: String,
        /// The problems, one per file and field.
        errors: Vec<LoadError>,
    },
    /// A sign-off step was refused: the wrong person, an out-of-order step, a
    /// request that does not verify. Nothing was signed.
    #[error("{0}")]
    Signoff(String),
    /// A commit would change documents that were signed off; nothing was committed.
    #[error("{0}")]
    SignedDocumentEdit(String),
    /// A forge's REST API or the system keyring holding its token failed.
    #[error("{0}")]
    Forge(String),
    /// A report template failed to render (a defect in a shipped template).
    #[error("report template: {0}")]
    Template(String),
    /// A page for the public says what the ISMS does not bear out; nothing was
    /// published.
    #[error("not published: the page says what the ISMS does not bear out:\n{}", .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Untrue(Vec<LoadError>),
}

/// A stable, machine-readable code for each kind of error: `{code, message, field}` on
/// the wire, what the app and scripts branch on.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ErrorCode {
    /// The folder is not an ISMS repository.
    NotAnIsms,
    /// A file could not be read or written.
    Io,
    /// A path would leave the repository.
    OutsideRepository,
    /// The record or input is invalid; nothing was written.
    Invalid,
    /// No record has this id.
    NotFound,
    /// The SQLite index failed.
    Index,
    /// A git operation failed.
    Git,
    /// Git's lock file is there; nothing was changed.
    GitLocked,
    /// A pull was interrupted; finish or undo it first.
    InterruptedPull,
    /// The target of `isms init` exists and is not empty.
    NotEmpty,
    /// The file changed on disk since the edit started.
    Conflict,
    /// A record with this id already exists.
    Exists,
    /// No SSH key to sign with, or the key could not be used.
    NoSigningKey,
    /// The signing key needs its passphrase.
    PassphraseRequired,
    /// The ISMS folder is not a git repository.
    NotARepository,
    /// The request itself is wrong.
    Usage,
    /// There are no changes to commit.
    NothingToCommit,
    /// Git does not know this revision.
    UnknownRevision,
    /// Fetch, pull or push failed.
    Sync,
    /// Pull needs the ISMS files committed first.
    UncommittedChanges,
    /// A report was asked of a commit whose records do not all load.
    IncompleteSource,
    /// A report template failed to render.
    Template,
    /// A page for the public says what the ISMS does not bear out; nothing was published.
    Untrue,
    /// A sign-off step was refused.
    SignoffRefused,
    /// A forge's API or the keyring failed.
    Forge,
    /// A commit would change signed documents.
    SignedDocumentEdit,
    /// The app has no ISMS open (the desktop shell's own).
    NoIsms,
    /// Something failed that should not (the desktop shell's own).
    Internal,
}

impl ErrorCode {
    /// The code as it is written on the wire: `not_an_isms`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// A refused value of `field` in the file at `path`, without a line.
    pub fn invalid(path: &str, field: &str, message: impl Into<String>) -> Error {
        Error::Invalid(LoadError {
            path: path.to_string(),
            line: None,
            field: (!field.is_empty()).then(|| field.to_string()),
            message: message.into(),
        })
    }

    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotAnIsms(_) => ErrorCode::NotAnIsms,
            Error::Io { .. } => ErrorCode::Io,
            Error::OutsideRepository(_) => ErrorCode::OutsideRepository,
            Error::Invalid(_) => ErrorCode::Invalid,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Index(_) => ErrorCode::Index,
            Error::Git(_) => ErrorCode::Git,
            Error::GitLocked(_) => ErrorCode::GitLocked,
            Error::InterruptedPull { .. } => ErrorCode::InterruptedPull,
            Error::NotEmpty(_) => ErrorCode::NotEmpty,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::Exists(_) => ErrorCode::Exists,
            Error::NoSigningKey(_) => ErrorCode::NoSigningKey,
            Error::PassphraseRequired(_) => ErrorCode::PassphraseRequired,
            Error::NotARepository(_) => ErrorCode::NotARepository,
            Error::Usage(_) => ErrorCode::Usage,
            Error::NothingToCommit => ErrorCode::NothingToCommit,
            Error::UnknownRevision(_) => ErrorCode::UnknownRevision,
            Error::Sync(_) => ErrorCode::Sync,
            Error::UncommittedChanges(_) => ErrorCode::UncommittedChanges,
            Error::IncompleteSource { .. } => ErrorCode::IncompleteSource,
            Error::Template(_) => ErrorCode::Template,
            Error::Untrue(_) => ErrorCode::Untrue,
            Error::Signoff(_) => ErrorCode::SignoffRefused,
            Error::Forge(_) => ErrorCode::Forge,
            Error::SignedDocumentEdit(_) => ErrorCode::SignedDocumentEdit,
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<git2::Error> for Error {
    /// libgit2's "failed to lock file '…/index.lock' for writing" becomes
    /// [`Error::GitLocked`] naming the file, every other error stays as it is.
    fn from(e: git2::Error) -> Self {
        if e.code() == git2::ErrorCode::Locked {
            let quoted = e.message().split('\'').nth(1);
            if let Some(path) = quoted.filter(|p| p.ends_with(".lock")) {
                return Error::GitLocked(PathBuf::from(path));
            }
        }
        Error::Git(e)
    }
}

/// The result type of isms-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
