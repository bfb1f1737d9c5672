//! Sign-off as people do it: the board of requests with their documents and what
//! changed since the last signed version (the app's screen, `isms signoff status`),
//! putting a document up, signing the next step, and sharing a request on a forge.

use serde::Serialize;

use super::Session;
use crate::git::changes::{between, Changes, Snapshot};
use crate::signoff::{
    Problem, Published, RequestVerification, RootTrust, Signed, SignoffKind, Started,
    VerifyOptions, BRANCH_PREFIX,
};
use crate::{Isms, Result};

/// The remote the app syncs with and pushes sign-off requests to.
pub const APP_REMOTE: &str = "origin";

/// The sign-off screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignoffBoard {
    /// `isms verify` passes.
    pub ok: bool,
    /// Failures that belong to no single request.
    pub problems: Vec<Problem>,
    /// Notes that fail nothing (unapproved changes to isms.yaml, an unpinned root).
    pub warnings: Vec<Problem>,
    /// How the root of trust was established (pinned, or trusted on first use).
    pub root: RootTrust,
    /// The key that signed the first commit with isms.yaml: the one to pin.
    pub root_key: Option<String>,
    /// Whose key that is.
    pub root_signer: Option<String>,
    /// The person using the app, when isms.yaml knows them.
    pub me: Option<String>,
    /// The remote that requests are pushed to for colleagues to sign (`origin`), when
    /// the repository has one.
    pub remote: Option<String>,
    /// Open requests first, then landed ones, in history order within each.
    pub requests: Vec<SignoffCard>,
    /// Nothing is committed yet: a sign-off starts from a commit.
    pub nothing_committed: bool,
    /// The ISMS files changed since the last commit, which a document put up for
    /// sign-off now would not include.
    pub uncommitted: Vec<String>,
    /// Figures in the current assessment's narrative at the last commit that its risks
    /// do not bear out, with their files' lines: a risk-assessment sign-off is refused
    /// until they are corrected.
    pub contradictions: Vec<crate::domain::checks::Finding>,
}

/// One request on the sign-off screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignoffCard {
    /// What verification found.
    pub request: RequestVerification,
    /// Not on the verified branch yet.
    pub open: bool,
    /// The role title to "Sign as", when the person using the app holds the next step.
    pub sign_as: Option<String>,
    /// The document with its sign-off evidence, as sanitised HTML.
    pub html: String,
    /// What changed in the records since the last signed document of the same kind.
    pub changes: Option<Changes>,
    /// For an open request with a local branch, when there is a remote: whether the
    /// remote (as last fetched or pushed) has the branch with every local step.
    pub pushed: Option<bool>,
}

impl Isms {
    /// The sign-off screen: every request (open ones first), each with its document,
    /// the changes since the last signed one of the same kind, and whether the session's
    /// person (git's `user.email`, else the settings' person) holds the next step's
    /// role.
    pub fn signoff_board(&self, session: &Session) -> Result<SignoffBoard> {
        let repo = crate::git::repository(self)?;
        let uncommitted = crate::git::changed_isms_paths(&repo)?;
        if crate::git::nothing_committed(&repo) {
            return Ok(SignoffBoard {
                ok: true,
                problems: Vec::new(),
                warnings: Vec::new(),
                root: RootTrust::TrustedOnFirstUse,
                root_key: None,
                root_signer: None,
                me: None,
                remote: None,
                requests: Vec::new(),
                nothing_committed: true,
                uncommitted,
                contradictions: Vec::new(),
            });
        }
        let verification = self.signoff_verify(&VerifyOptions::default())?;
        let head = repo.head()?.peel_to_commit()?;
        let me = crate::git::identity(self, session.settings).ok();
        let config = self.load_config().ok();
        let person = me.as_ref().and_then(|me| {
            config.as_ref().and_then(|c| {
                c.people
                    .iter()
                    .find(|p| p.email.eq_ignore_ascii_case(&me.email))
                    .cloned()
            })
        });
        let remote = repo
            .find_remote(APP_REMOTE)
            .ok()
            .map(|_| APP_REMOTE.to_string());
        let mut requests: Vec<&RequestVerification> = verification.requests.iter().collect();
        requests.sort_by_key(|r| r.is_landed());
        let mut cards = Vec::new();
        for request in requests {
            let open = !request.is_landed();
            let sign_as = match (open, request.next_step(), &person) {
                (true, Some(step), Some(p)) if request.problems.is_empty() => p
                    .roles
                    .contains(&step.role)
                    .then(|| step.role_title.clone()),
                _ => None,
            };
            let changes = match verification.latest_complete(&request.report) {
                Some(last) if open && !request.source.is_empty() => {
                    let from = Snapshot::at(&repo, &last.source)?;
                    let to = Snapshot::at(&repo, &request.source)?;
                    Some(between(&last.id, &from, &request.id, &to))
                }
                _ => None,
            };
            cards.push(SignoffCard {
                request: request.clone(),
                open,
                sign_as,
                html: signed_preview(&repo, request),
                changes,
                pushed: pushed(&repo, remote.as_deref(), open, &request.id),
            });
        }
        Ok(SignoffBoard {
            ok: verification.ok,
            problems: verification.problems.clone(),
            warnings: verification.warnings.clone(),
            root: verification.root,
            root_key: verification.root_key.clone(),
            root_signer: verification.root_signer.clone(),
            me: person.map(|p| p.name),
            remote,
            requests: cards,
            nothing_committed: false,
            uncommitted,
            contradictions: crate::signoff::narrative_contradictions(&repo, &head)?,
        })
    }

    /// Puts a document up for sign-off: renders it at HEAD and signs the first step
    /// with the session's key.
    pub fn put_up_for_signoff(
        &self,
        session: &Session,
        kind: SignoffKind,
        subject: Option<&str>,
    ) -> Result<Started> {
        let signer = self.required_signer(session)?;
        self.signoff_start(kind, subject, &signer, session.when)
    }

    /// Signs the next step of request `id` with the session's key (`approve`: the last
    /// step as an approval, for a merge on the forge).
    pub fn sign_next_step(&self, session: &Session, id: &str, approve: bool) -> Result<Signed> {
        let signer = self.required_signer(session)?;
        self.signoff_sign(id, &signer, approve, session.when)
    }

    /// Pushes request `id` to `remote` for colleagues to sign, and opens its pull
    /// request on the forge when a token is in the keyring (see
    /// [`Isms::signoff_publish`]).
    pub fn push_signoff(&self, session: &Session, id: &str, remote: &str) -> Result<Published> {
        session.with_credentials(|credentials| self.signoff_publish(id, remote, credentials))
    }
}

/// Whether `remote` (as last fetched or pushed) has the open request's branch with every
/// local step; `None` when there is no remote or no local branch.
fn pushed(repo: &git2::Repository, remote: Option<&str>, open: bool, id: &str) -> Option<bool> {
    let remote = remote.filter(|_| open)?;
    let branch = format!("{BRANCH_PREFIX}{id}");
    let local = repo.refname_to_id(&format!("refs/heads/{branch}")).ok()?;
    Some(
        repo.refname_to_id(&format!("refs/remotes/{remote}/{branch}"))
            .is_ok_and(|theirs| {
                theirs == local || repo.graph_descendant_of(theirs, local).unwrap_or(false)
            }),
    )
}

/// A signed document as the sign-off screen shows it: with its evidence, and for a
/// report with its heat maps drawn under the methodology of its source commit.
fn signed_preview(repo: &git2::Repository, request: &RequestVerification) -> String {
    let document = repo
        .find_blob(git2::Oid::from_str(&request.report_blob).unwrap_or(git2::Oid::ZERO_SHA1))
        .ok()
        .map(|b| String::from_utf8_lossy(b.content()).into_owned())
        .unwrap_or_default();
    let markdown = crate::signoff::signed::with_evidence(&document, request);
    // Heat maps are drawn in reports only; other documents show as plain text.
    match SignoffKind::parse(&request.kind).and_then(|k| k.report()) {
        Some(_) => crate::report::html::body(&markdown),
        None => crate::report::html::markdown(&markdown),
    }
}
