//! `isms verify`: is every sign-off that reached a branch what it claims to be?
//!
//! Verification reads nothing but the repository, and trusts nothing a colleague with
//! push access could write without management's keys. The walk (see
//! ARCHITECTURE.md, "The trust model of sign-off"):
//!
//! 1. **Trust root.** The first commit of the branch's first-parent history that has
//!    `isms.yaml` gives the first approved configuration: pinned by a root key
//!    fingerprint that CI and auditors hold ([`VerifyOptions::root_key`]), or trusted
//!    on first use, loudly. A history joined to another first commit is refused.
//! 2. **Landings.** Walking the first-parent line, every merge whose merged side
//!    carries sign-off trailers, and every run of step commits that reached the line
//!    directly (a fast-forward), is a request landing. Each is checked against the
//!    configuration approved just before it (`request`): signatures, keys, roles,
//!    order, separation of duties, the document's path and mode, the source it was
//!    rendered from. A request lands once, and each new sign-off of a document must
//!    be rendered from a descendant of the previous one's source.
//! 3. **Governance.** A completed governance sign-off replaces the approved
//!    configuration. Nothing else does.
//! 4. **After landing.** A signed document stays exactly what was signed (mode and
//!    content) until the next sign-off of it lands; every commit carrying sign-off
//!    trailers that reached the branch belongs to a request that landed;
//!    `.isms/allowed_signers` lists no key the approved configuration lacks; a risk's
//!    `acceptance` record agrees with its signed acceptance.
//! 5. **Content.** Each signed report is rendered again at its source commit and
//!    compared: a hand edit made before signing is named, line by line.
//!
//! Open requests (branches `signoff/*` that did not reach the branch) are listed with
//! their state; they fail verification only when asked for
//! ([`VerifyOptions::open_requests`], or their id as the target), so that a junk
//! branch cannot turn the main branch's CI red.

mod after;
mod content;
mod history;
mod problem;
mod request;
mod trust;
mod walk;

use std::path::Path;

use serde::Serialize;

use crate::domain::{IsmsConfig, SignoffMeans};
use crate::format::parse_config;
use crate::git::CommitId;
use crate::isms::CONFIG_FILE;
use crate::{Error, Result};

pub use problem::{Problem, ProblemCode};
pub(crate) use walk::Authority;

/// Where a step stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StepState {
    /// Not signed yet.
    Pending,
    /// Signed.
    Done {
        /// The step's commit (for a merge made on the forge: the signed approval).
        commit: String,
        /// Who signed.
        person: String,
        /// Their email.
        email: String,
        /// The key's SHA-256 fingerprint.
        key: String,
        /// When (the commit's committer time, ISO 8601).
        date: String,
        /// How: "signed commit of the report", "co-signature", "signed merge",
        /// "signed approval; merged on the forge".
        how: String,
    },
}

/// One step of a request's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StepVerification {
    /// 1-based.
    pub number: usize,
    /// The role id.
    pub role: String,
    /// The role's title.
    pub role_title: String,
    /// How the chain says it is signed.
    pub means: SignoffMeans,
    /// Done or pending.
    #[serde(flatten)]
    pub state: StepState,
}

/// Where a request stands as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Steps are still to be signed.
    Open,
    /// Every step is signed (the last as an approval); it waits for the merge on the forge.
    ReadyToMerge,
    /// Every step is signed and the request reached the branch.
    Complete,
    /// Something does not verify (see the problems).
    Failed,
}

/// One sign-off request and what verification found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequestVerification {
    /// The request id (`risk-assessment-2026-11-21`); its branch is `signoff/<id>`.
    pub id: String,
    /// The kind of document, as its trailers name it.
    pub kind: String,
    /// For a risk acceptance: the risk.
    pub subject: Option<String>,
    /// The signed document's path.
    pub report: String,
    /// The signed document's blob id (what every step approves).
    pub report_blob: String,
    /// The commit the document was rendered from.
    pub source: String,
    /// The branch it merges into.
    pub into: String,
    /// The branch tip.
    pub tip: String,
    /// The merge into the verified branch, when it landed by a merge.
    pub merge: Option<String>,
    /// The commit at which it reached the verified branch (the merge, or the last
    /// step when fast-forwarded); `None` for an open request.
    pub landed: Option<String>,
    /// Where it stands.
    pub state: RequestState,
    /// The chain's steps.
    pub steps: Vec<StepVerification>,
    /// What fails.
    pub problems: Vec<Problem>,
    /// What a reader should know but does not fail it (a merge made on the forge, a
    /// stale acceptance, a hand edit).
    pub warnings: Vec<Problem>,
    /// The commit whose configuration was the approved one for this request.
    pub approved_configuration: String,
}

impl RequestVerification {
    /// The next step to sign, if any.
    pub fn next_step(&self) -> Option<&StepVerification> {
        self.steps
            .iter()
            .find(|s| matches!(s.state, StepState::Pending))
    }

    /// Whether it reached the verified branch.
    pub fn is_landed(&self) -> bool {
        self.landed.is_some()
    }
}

/// An approved configuration and what approved it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Approval {
    /// The commit whose isms.yaml it is.
    pub commit: CommitId,
    /// How it became approved.
    pub by: String,
}

/// How the first approved configuration was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RootTrust {
    /// The first commit is signed by the pinned key.
    Pinned,
    /// Nothing was pinned: the first commit is trusted on first use.
    TrustedOnFirstUse,
    /// A key was pinned and the first commit is not signed by it.
    PinMismatch,
}

/// Everything `isms verify` found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verification {
    /// The branch or revision verified.
    pub branch: String,
    /// Its commit.
    pub head: CommitId,
    /// How the first approved configuration was established.
    pub root: RootTrust,
    /// The key that signed the first commit with isms.yaml, when it is signed: the
    /// fingerprint to pin.
    pub root_key: Option<String>,
    /// Who that key belongs to in the first configuration, when anyone.
    pub root_signer: Option<String>,
    /// The approved configurations, oldest first; the last is in force.
    pub approvals: Vec<Approval>,
    /// The sign-off requests: landed ones in history order, then open ones.
    pub requests: Vec<RequestVerification>,
    /// Failures that belong to no single request.
    pub problems: Vec<Problem>,
    /// Notes that do not fail verification.
    pub warnings: Vec<Problem>,
    /// How many commits of the branch were examined for sign-off trailers.
    pub commits_examined: usize,
    /// Nothing failed in what reached the branch (and, when asked for, in the open
    /// requests).
    pub ok: bool,
}

/// What to verify and how strictly.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The branch, tag or commit to verify; HEAD when `None`.
    pub rev: Option<String>,
    /// The SHA-256 fingerprint of the key that must have signed the first commit with
    /// isms.yaml (see [`root_key_of`] for where it is kept). Without it the first
    /// commit is trusted on first use, and verification warns.
    pub root_key: Option<String>,
    /// A signed report that differs from a fresh render at its source fails, instead
    /// of warning.
    pub strict: bool,
    /// Open requests fail verification too (by default only what reached the branch
    /// does).
    pub open_requests: bool,
}

/// What a person asked to verify, and whether it holds.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Judgement {
    /// The requests asked about: all landed ones (and open ones, when asked for), one
    /// request by id, or the latest request for a document path.
    pub requests: Vec<RequestVerification>,
    /// Whether they, and everything that concerns the whole branch, verify.
    pub ok: bool,
}

impl Verification {
    /// The request with this id (its landing, if it landed).
    pub fn request(&self, id: &str) -> Option<&RequestVerification> {
        self.requests.iter().find(|r| r.id == id)
    }

    /// The request with this id, which must exist.
    pub fn known_request(&self, id: &str) -> Result<&RequestVerification> {
        self.request(id)
            .ok_or_else(|| Error::NotFound(format!("sign-off request {id}")))
    }

    /// The most recent completed request for this document path.
    pub fn latest_complete(&self, path: &str) -> Option<&RequestVerification> {
        self.requests
            .iter()
            .rev()
            .find(|r| r.report == path && r.state == RequestState::Complete)
    }

    /// The requests that did not reach the branch.
    pub fn open(&self) -> impl Iterator<Item = &RequestVerification> {
        self.requests.iter().filter(|r| !r.is_landed())
    }

    /// Judges `target` (a request id, or a document path meaning its latest request),
    /// or everything when `None`: what reached the branch, plus open requests when
    /// `open_requests`. Problems of the branch as a whole always count.
    pub fn judge(&self, target: Option<&str>, open_requests: bool) -> Result<Judgement> {
        let branch_ok = self.problems.is_empty();
        let Some(target) = target else {
            let requests: Vec<RequestVerification> = self
                .requests
                .iter()
                .filter(|r| r.is_landed() || open_requests)
                .cloned()
                .collect();
            let ok = branch_ok && requests.iter().all(|r| r.problems.is_empty());
            return Ok(Judgement { requests, ok });
        };
        let path = target.trim_start_matches("./");
        let chosen: Vec<RequestVerification> = match self.requests.iter().find(|r| r.id == target) {
            Some(r) => vec![r.clone()],
            None => self
                .requests
                .iter()
                .rev()
                .find(|r| r.report == path && r.is_landed())
                .or_else(|| self.requests.iter().rev().find(|r| r.report == path))
                .cloned()
                .into_iter()
                .collect(),
        };
        if chosen.is_empty() {
            return Err(Error::NotFound(format!(
                "sign-off request or signed document `{target}` (`isms signoff status` lists open requests)"
            )));
        }
        let ok = branch_ok && chosen.iter().all(|r| r.problems.is_empty());
        Ok(Judgement {
            requests: chosen,
            ok,
        })
    }
}

/// Verifies the sign-offs of `options.rev` (HEAD when `None`).
pub fn verify(repo: &git2::Repository, options: &VerifyOptions) -> Result<Verification> {
    verify_with_authority(repo, options).map(|(v, _)| v)
}

/// [`verify`], and the configuration approved at the end of the history.
pub(crate) fn verify_with_authority(
    repo: &git2::Repository,
    options: &VerifyOptions,
) -> Result<(Verification, Authority)> {
    let (branch, tip) = match options.rev.as_deref() {
        Some(r) => (
            r.to_string(),
            repo.revparse_single(r)
                .and_then(|o| o.peel_to_commit())
                .map_err(|_| Error::UnknownRevision(r.to_string()))?
                .id(),
        ),
        None => {
            let head = repo
                .head()
                .map_err(|_| Error::Usage("the repository has no commit yet".into()))?;
            let name = head.shorthand().unwrap_or("HEAD").to_string();
            (name, head.peel_to_commit()?.id())
        }
    };
    let history = history::History::read(repo, &branch, tip)?;
    let mut walker = walk::Walker::new(repo, history, options)?;
    walker.run()?;
    Ok(walker.finish())
}

/// Where a root key pin is kept outside the verified tree, for CI and auditors: the
/// repository's own git configuration (`git config isms.rootKey SHA256:…`), which no
/// push can change. The command line also takes `--root-key` and `ISMS_ROOT_KEY`.
pub fn root_key_of(repo: &git2::Repository) -> Option<String> {
    repo.config()
        .ok()?
        .get_string("isms.rootKey")
        .ok()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
}

/// The configuration approved at HEAD: `None` when nothing is approved yet (no commit,
/// or no commit of HEAD's first-parent line has isms.yaml: the next commit with one
/// is trusted on first use). An error when there is a history that does not verify
/// far enough to say (its first isms.yaml does not load, say).
pub(crate) fn approved_at_head(repo: &git2::Repository) -> Result<Option<IsmsConfig>> {
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else {
        return Ok(None);
    };
    let options = VerifyOptions {
        root_key: root_key_of(repo),
        ..VerifyOptions::default()
    };
    match verify_with_authority(repo, &options) {
        Ok((_, authority)) => Ok(Some(authority.config)),
        Err(e) => {
            let mut at = Some(head);
            while let Some(commit) = at {
                if config_blob(repo, commit.id())?.is_some() {
                    return Err(e);
                }
                at = commit.parents().next();
            }
            Ok(None)
        }
    }
}

/// The first 12 characters of an object id ([`crate::git::short_id`]).
pub(crate) fn short(id: &str) -> String {
    crate::git::short_id(id).to_string()
}

/// The blob id of isms.yaml at a commit.
pub(crate) fn config_blob(repo: &git2::Repository, oid: git2::Oid) -> Result<Option<git2::Oid>> {
    let tree = repo.find_commit(oid)?.tree()?;
    Ok(tree.get_path(Path::new(CONFIG_FILE)).ok().map(|e| e.id()))
}

/// isms.yaml at a commit, parsed; the outer error is git's, the inner the file's.
pub(crate) fn config_at(
    repo: &git2::Repository,
    oid: git2::Oid,
) -> Result<std::result::Result<IsmsConfig, String>> {
    let Some(blob) = config_blob(repo, oid)? else {
        return Ok(Err(format!("no {CONFIG_FILE}")));
    };
    let blob = crate::git::read_checked(repo, blob, git2::ObjectType::Blob)?;
    let Ok(text) = std::str::from_utf8(&blob) else {
        return Ok(Err("not UTF-8".into()));
    };
    Ok(parse_config(text).map_err(|e| {
        e.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    }))
}

/// Whether two configurations agree on people, roles, separation of duties and chains.
pub(crate) fn same_governance(a: &IsmsConfig, b: &IsmsConfig) -> bool {
    a.people == b.people
        && a.roles == b.roles
        && a.separation_of_duties == b.separation_of_duties
        && a.signoff == b.signoff
}
