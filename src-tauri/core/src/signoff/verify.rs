//! `isms verify`: is every sign-off in the repository what it claims to be?
//!
//! Verification reads nothing but the repository. It walks the main branch's
//! first-parent history from the first commit that has `isms.yaml`:
//!
//! 1. The configuration at that first commit is the **approved configuration**:
//!    trusted on first use, or only if that commit is signed by a pinned key.
//! 2. Each merge whose merged branch carries sign-off trailers is a sign-off request,
//!    checked against the approved configuration in force just before the merge:
//!    every step signed, by a key the approved configuration gives to a person who
//!    holds the step's role, in the chain's order, by distinct people where a
//!    separation-of-duties rule demands it, each naming the same report content, and
//!    the report unchanged from the first signature to the merge.
//! 3. A completed governance sign-off replaces the approved configuration with the
//!    `isms.yaml` it signed. Nothing else does: a key added by an ordinary commit
//!    authorises nothing.
//!
//! Open requests (branches `signoff/*` not yet merged) are checked against the
//! configuration approved at the tip, and signed reports still on the main branch
//! must be byte for byte what was signed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::{SignoffKind, Trailers, BRANCH_PREFIX};
use crate::domain::{IsmsConfig, SignoffMeans};
use crate::format::parse_config;
use crate::git::verify::{check_commit, iso_time, SignatureStatus};
use crate::isms::CONFIG_FILE;
use crate::report::documents::{self, governance_changes, DocumentSource};
use crate::report::model::role_title;
use crate::{Error, Result};

/// A failure: what is wrong, and the commit it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// The commit concerned, when there is one.
    pub commit: Option<String>,
    /// What is wrong and why it matters, in one sentence.
    pub message: String,
}

impl Problem {
    fn at(commit: impl ToString, message: impl Into<String>) -> Problem {
        Problem {
            commit: Some(commit.to_string()),
            message: message.into(),
        }
    }
}

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
    /// Every step is signed and the request is merged.
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
    /// The kind of document.
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
    /// The merge into the main branch, once merged.
    pub merge: Option<String>,
    /// Where it stands.
    pub state: RequestState,
    /// The chain's steps.
    pub steps: Vec<StepVerification>,
    /// What fails.
    pub problems: Vec<Problem>,
    /// What a reader should know but does not fail it (a merge made on the forge, a
    /// stale acceptance).
    pub warnings: Vec<String>,
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
}

/// An approved configuration and what approved it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Approval {
    /// The commit whose isms.yaml it is.
    pub commit: String,
    /// How it became approved.
    pub by: String,
}

/// Everything `isms verify` found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verification {
    /// The branch or revision verified.
    pub branch: String,
    /// Its commit.
    pub head: String,
    /// The approved configurations, oldest first; the last is in force.
    pub approvals: Vec<Approval>,
    /// The sign-off requests: merged ones in history order, then open ones.
    pub requests: Vec<RequestVerification>,
    /// Failures that belong to no single request.
    pub problems: Vec<Problem>,
    /// Notes that do not fail verification.
    pub warnings: Vec<String>,
    /// No failure anywhere.
    pub ok: bool,
}

impl Verification {
    /// The request with this id.
    pub fn request(&self, id: &str) -> Option<&RequestVerification> {
        self.requests.iter().rev().find(|r| r.id == id)
    }

    /// The most recent completed request for this report path.
    pub fn latest_complete(&self, path: &str) -> Option<&RequestVerification> {
        self.requests
            .iter()
            .rev()
            .find(|r| r.report == path && r.state == RequestState::Complete)
    }
}

/// The configuration a request is checked against.
#[derive(Clone)]
pub(crate) struct Authority {
    pub config: IsmsConfig,
    pub commit: String,
    pub by: String,
}

/// Verifies the sign-offs of `rev` (HEAD when `None`): its history, and the open
/// requests on `signoff/*` branches. `pinned_root` is the SHA-256 fingerprint of the
/// key that must have signed the first commit; without it the first commit is
/// trusted on first use.
pub fn verify(
    repo: &git2::Repository,
    rev: Option<&str>,
    pinned_root: Option<&str>,
) -> Result<Verification> {
    verify_with_authority(repo, rev, pinned_root).map(|(v, _)| v)
}

/// [`verify`], and the configuration approved at the end of the history.
pub(crate) fn verify_with_authority(
    repo: &git2::Repository,
    rev: Option<&str>,
    pinned_root: Option<&str>,
) -> Result<(Verification, Authority)> {
    let (branch, tip) = match rev {
        Some(r) => (
            r.to_string(),
            repo.revparse_single(r)
                .and_then(|o| o.peel_to_commit())
                .map_err(|_| Error::UnknownRevision(r.to_string()))?
                .id(),
        ),
        None => {
            let head = repo.head()?;
            let name = head.shorthand().unwrap_or("HEAD").to_string();
            (name, head.peel_to_commit()?.id())
        }
    };
    let mut walk = Walker::new(repo, &branch, tip, pinned_root)?;
    walk.run()?;
    let authority = walk.authority.clone();
    Ok((walk.finish(), authority))
}

/// The configuration approved at HEAD: `None` when nothing is approved yet (no commit,
/// or no commit of HEAD's first-parent line has isms.yaml: the next commit with one
/// is trusted on first use). An error when there is a history that does not verify
/// far enough to say (its first isms.yaml does not load, say).
pub(crate) fn approved_at_head(repo: &git2::Repository) -> Result<Option<IsmsConfig>> {
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else {
        return Ok(None);
    };
    match verify_with_authority(repo, None, None) {
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

struct Walker<'r> {
    repo: &'r git2::Repository,
    branch: String,
    tip: git2::Oid,
    /// The main branch's first-parent history, oldest first, from the first commit
    /// with isms.yaml.
    line: Vec<git2::Oid>,
    authority: Authority,
    approvals: Vec<Approval>,
    /// Commits that changed governance without approval, with their configuration.
    unapproved: Vec<(git2::Oid, IsmsConfig)>,
    requests: Vec<RequestVerification>,
    problems: Vec<Problem>,
    warnings: Vec<String>,
}

impl<'r> Walker<'r> {
    fn new(
        repo: &'r git2::Repository,
        branch: &str,
        tip: git2::Oid,
        pinned_root: Option<&str>,
    ) -> Result<Walker<'r>> {
        let mut line = Vec::new();
        let mut at = Some(repo.find_commit(tip)?);
        while let Some(c) = at {
            line.push(c.id());
            at = c.parents().next();
        }
        line.reverse();
        let first = line
            .iter()
            .position(|oid| config_blob(repo, *oid).ok().flatten().is_some())
            .ok_or_else(|| Error::Usage(format!("no commit of {branch} has {CONFIG_FILE}")))?;
        line.drain(..first);
        let root = line[0];
        let config = config_at(repo, root)?.map_err(|e| {
            Error::Usage(format!(
                "{CONFIG_FILE} in the first commit {root} does not load ({e}); nothing can be verified against it"
            ))
        })?;
        let mut problems = Vec::new();
        let by = match pinned_root {
            None => "the first commit with isms.yaml, trusted on first use".to_string(),
            Some(pin) => match check_commit(repo, root, Some(&config))? {
                SignatureStatus::Good { key, person, .. } if key == pin => {
                    format!("the first commit with isms.yaml, signed by {person} with the pinned key {pin}")
                }
                other => {
                    problems.push(Problem::at(
                            root,
                            format!(
                                "the first commit is not signed by the pinned key {pin} ({}); the history may have been rewritten",
                                describe_signature(&other)
                            ),
                        ));
                    "the first commit with isms.yaml (NOT signed by the pinned key)".to_string()
                }
            },
        };
        let authority = Authority {
            config,
            commit: root.to_string(),
            by: by.clone(),
        };
        Ok(Walker {
            repo,
            branch: branch.to_string(),
            tip,
            line,
            approvals: vec![Approval {
                commit: root.to_string(),
                by,
            }],
            authority,
            unapproved: Vec::new(),
            requests: Vec::new(),
            problems,
            warnings: Vec::new(),
        })
    }

    fn run(&mut self) -> Result<()> {
        let mut last_config_blob = config_blob(self.repo, self.line[0])?;
        let line = self.line.clone();
        for (i, &oid) in line.iter().enumerate().skip(1) {
            let commit = self.repo.find_commit(oid)?;
            let mut approved_here = false;
            if commit.parent_count() >= 2 {
                let merged = commit.parent_id(1)?;
                let trailers = Trailers::parse(&message_of(&self.repo.find_commit(merged)?));
                if let Some(id) = trailers.id {
                    let checked = self.check_request(&id, merged, Some(oid), false)?;
                    approved_here = self.take_effect(checked, oid)?;
                }
            } else {
                let trailers = Trailers::parse(&message_of(&commit));
                let next_same = line.get(i + 1).is_some_and(|n| {
                    self.repo
                        .find_commit(*n)
                        .map(|c| Trailers::parse(&message_of(&c)).id == trailers.id)
                        .unwrap_or(false)
                });
                if let (Some(id), false) = (trailers.id, next_same) {
                    // Step commits that reached the branch without a merge commit.
                    let checked = self.check_request(&id, oid, None, true)?;
                    approved_here = self.take_effect(checked, oid)?;
                }
            }
            let blob = config_blob(self.repo, oid)?;
            if blob != last_config_blob && !approved_here {
                if let Ok(Ok(config)) = config_at(self.repo, oid) {
                    if !same_governance(&config, &self.authority.config) {
                        self.unapproved.push((oid, config));
                    }
                }
            }
            last_config_blob = blob;
        }
        self.open_requests()?;
        self.signed_reports_unchanged()?;
        self.stale_acceptances()?;
        self.allowed_signers_in_step()?;
        if let Ok(Ok(now)) = config_at(self.repo, self.tip) {
            let changes = governance_changes(&self.authority.config, &now);
            if !changes.is_empty() {
                self.warnings.push(format!(
                    "{CONFIG_FILE} at {} differs from the approved configuration ({}); until a governance sign-off completes, these changes authorise nothing: {}",
                    self.branch,
                    short(&self.authority.commit),
                    changes.join("; ")
                ));
            }
        }
        Ok(())
    }

    /// Warns when `.isms/allowed_signers` at the tip, which plain git verifies
    /// against, lists other keys than the approved configuration: an ordinary commit
    /// made without ISMS Desk, or a governance sign-off merged on a forge (the next
    /// commit with ISMS Desk regenerates it).
    fn allowed_signers_in_step(&mut self) -> Result<()> {
        let tree = self.repo.find_commit(self.tip)?.tree()?;
        let Ok(entry) = tree.get_path(Path::new(crate::git::ALLOWED_SIGNERS_FILE)) else {
            return Ok(());
        };
        let Ok(blob) = self.repo.find_blob(entry.id()) else {
            return Ok(());
        };
        let keys = |text: &str| -> std::collections::BTreeSet<String> {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect()
        };
        let listed = keys(&String::from_utf8_lossy(blob.content()));
        let approved = keys(&crate::git::allowed_signers(&self.authority.config));
        let who = |lines: Vec<&String>| -> String {
            lines
                .iter()
                .map(|l| l.split_whitespace().next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let extra: Vec<&String> = listed.difference(&approved).collect();
        let missing: Vec<&String> = approved.difference(&listed).collect();
        let file = crate::git::ALLOWED_SIGNERS_FILE;
        if !extra.is_empty() {
            self.warnings.push(format!(
                "{file} at {} lists {} key(s) that the approved configuration does not authorise ({}), so plain `git verify-commit` accepts their signatures; commit once with ISMS Desk to regenerate it",
                self.branch,
                extra.len(),
                who(extra)
            ));
        }
        if !missing.is_empty() {
            self.warnings.push(format!(
                "{file} at {} lacks {} approved key(s) ({}), so plain `git verify-commit` refuses their signatures; commit once with ISMS Desk to regenerate it",
                self.branch,
                missing.len(),
                who(missing)
            ));
        }
        Ok(())
    }

    /// Records a checked request; a completed governance sign-off replaces the
    /// approved configuration. Returns whether it did.
    fn take_effect(&mut self, checked: Checked, at: git2::Oid) -> Result<bool> {
        let Checked { request, proposed } = checked;
        let mut took = false;
        if request.state == RequestState::Complete {
            if let Some(config) = proposed {
                self.authority = Authority {
                    config,
                    commit: at.to_string(),
                    by: format!("governance sign-off {}", request.id),
                };
                self.approvals.push(Approval {
                    commit: at.to_string(),
                    by: format!("governance sign-off {}", request.id),
                });
                took = true;
            }
        }
        self.requests.push(request);
        Ok(took)
    }

    fn open_requests(&mut self) -> Result<()> {
        let mut seen: BTreeMap<String, ()> = BTreeMap::new();
        let mut tips = Vec::new();
        for pattern in [
            format!("refs/heads/{BRANCH_PREFIX}*"),
            format!("refs/remotes/*/{BRANCH_PREFIX}*"),
        ] {
            for reference in self.repo.references_glob(&pattern)? {
                let reference = reference?;
                let Ok(name) = reference.name() else { continue };
                let Some(id) = name.split(BRANCH_PREFIX).nth(1).map(str::to_string) else {
                    continue;
                };
                let Ok(commit) = reference.peel_to_commit() else {
                    continue;
                };
                if seen.insert(id.clone(), ()).is_some() {
                    continue;
                }
                tips.push((id, commit.id()));
            }
        }
        for (id, oid) in tips {
            let merged = oid == self.tip || self.repo.graph_descendant_of(self.tip, oid)?;
            if merged || self.requests.iter().any(|r| r.id == id) {
                continue;
            }
            let checked = self.check_request(&id, oid, None, false)?;
            self.requests.push(checked.request);
        }
        Ok(())
    }

    /// A signed report still on the branch must be exactly what was signed.
    fn signed_reports_unchanged(&mut self) -> Result<()> {
        let tip_tree = self.repo.find_commit(self.tip)?.tree()?;
        let mut latest: BTreeMap<String, &RequestVerification> = BTreeMap::new();
        for r in &self.requests {
            if r.state == RequestState::Complete && r.merge.is_some() {
                latest.insert(r.report.clone(), r);
            }
        }
        let mut problems = Vec::new();
        for (path, request) in latest {
            let now = tip_tree.get_path(Path::new(&path)).ok().map(|e| e.id());
            if now.map(|o| o.to_string()).as_deref() == Some(request.report_blob.as_str()) {
                continue;
            }
            let changed_by = self.first_change_after(request, &path)?;
            let what = if now.is_none() {
                "was deleted"
            } else {
                "was changed"
            };
            problems.push(Problem {
                commit: changed_by.map(|c| c.to_string()),
                message: format!(
                    "{path} {what} after it was signed off in {}{}; the signed version is blob {}",
                    request.id,
                    changed_by
                        .map(|c| format!(" (by commit {})", short(&c.to_string())))
                        .unwrap_or_default(),
                    short(&request.report_blob)
                ),
            });
        }
        self.problems.extend(problems);
        Ok(())
    }

    fn first_change_after(
        &self,
        request: &RequestVerification,
        path: &str,
    ) -> Result<Option<git2::Oid>> {
        let Some(merge) = request.merge.as_deref() else {
            return Ok(None);
        };
        let Some(start) = self.line.iter().position(|o| o.to_string() == merge) else {
            return Ok(None);
        };
        for oid in &self.line[start + 1..] {
            let tree = self.repo.find_commit(*oid)?.tree()?;
            let blob = tree
                .get_path(Path::new(path))
                .ok()
                .map(|e| e.id().to_string());
            if blob.as_deref() != Some(request.report_blob.as_str()) {
                return Ok(Some(*oid));
            }
        }
        Ok(None)
    }

    /// A completed risk acceptance is stale once the risk's scored content changed.
    fn stale_acceptances(&mut self) -> Result<()> {
        let mut latest: BTreeMap<String, usize> = BTreeMap::new();
        for (i, r) in self.requests.iter().enumerate() {
            if r.kind == SignoffKind::RiskAcceptance.as_str() && r.state == RequestState::Complete {
                if let Some(subject) = &r.subject {
                    latest.insert(subject.clone(), i);
                }
            }
        }
        for (risk, i) in latest {
            let source = self.requests[i].source.clone();
            let path = format!("risks/{risk}.md");
            let then = risk_at(self.repo, &source, &path)?;
            let now = risk_at(self.repo, &self.tip.to_string(), &path)?;
            let note = match (then, now) {
                (Some(then), Some(now)) => {
                    let (a, b) = (
                        documents::scored_content(&then),
                        documents::scored_content(&now),
                    );
                    let diffs: Vec<String> = a
                        .iter()
                        .zip(&b)
                        .filter(|(x, y)| x.1 != y.1)
                        .map(|(x, y)| format!("{} {} → {}", x.0, x.1, y.1))
                        .collect();
                    (!diffs.is_empty()).then(|| {
                        format!(
                            "stale: {risk} changed since it was accepted ({}); the acceptance no longer covers it",
                            diffs.join(", ")
                        )
                    })
                }
                (Some(_), None) => Some(format!("stale: {risk} no longer exists or does not load")),
                _ => None,
            };
            if let Some(note) = note {
                self.requests[i].warnings.push(note);
            }
        }
        Ok(())
    }

    fn finish(self) -> Verification {
        let ok = self.problems.is_empty() && self.requests.iter().all(|r| r.problems.is_empty());
        Verification {
            branch: self.branch,
            head: self.tip.to_string(),
            approvals: self.approvals,
            requests: self.requests,
            problems: self.problems,
            warnings: self.warnings,
            ok,
        }
    }

    /// Checks one request whose branch ends at `tip`, merged by `merge` if any.
    /// `landed` says the step commits reached the main branch without a merge.
    fn check_request(
        &self,
        id: &str,
        tip: git2::Oid,
        merge: Option<git2::Oid>,
        landed: bool,
    ) -> Result<Checked> {
        RequestCheck::new(self, id, tip, merge, landed)?.run()
    }

    /// Where a key that the approved configuration does not know came from.
    fn key_origin(&self, fingerprint: &str) -> Option<git2::Oid> {
        self.unapproved.iter().find_map(|(oid, config)| {
            config
                .people
                .iter()
                .flat_map(|p| &p.signing_keys)
                .any(|k| documents::fingerprint(k) == fingerprint)
                .then_some(*oid)
        })
    }
}

struct Checked {
    request: RequestVerification,
    /// For a governance request: the configuration it approves.
    proposed: Option<IsmsConfig>,
}

struct RequestCheck<'w, 'r> {
    walker: &'w Walker<'r>,
    repo: &'r git2::Repository,
    id: String,
    tip: git2::Oid,
    merge: Option<git2::Oid>,
    landed: bool,
    problems: Vec<Problem>,
    warnings: Vec<String>,
}

/// A signature that counts: whose, and with which key.
struct Signer {
    person: String,
    email: String,
    roles: Vec<String>,
    key: String,
}

impl<'w, 'r> RequestCheck<'w, 'r> {
    fn new(
        walker: &'w Walker<'r>,
        id: &str,
        tip: git2::Oid,
        merge: Option<git2::Oid>,
        landed: bool,
    ) -> Result<Self> {
        Ok(RequestCheck {
            walker,
            repo: walker.repo,
            id: id.to_string(),
            tip,
            merge,
            landed,
            problems: Vec::new(),
            warnings: Vec::new(),
        })
    }

    fn config(&self) -> &IsmsConfig {
        &self.walker.authority.config
    }

    fn run(mut self) -> Result<Checked> {
        let repo = self.repo;
        // The branch's commits, oldest first, back to the first step.
        let mut branch: Vec<git2::Commit> = Vec::new();
        let mut at = Some(repo.find_commit(self.tip)?);
        let mut first = None;
        while let Some(c) = at {
            let t = Trailers::parse(&message_of(&c));
            let is_first = t.id.as_deref() == Some(self.id.as_str())
                && t.step.as_ref().is_some_and(|s| s.0 == 1)
                && !t.approval;
            at = if is_first { None } else { c.parents().next() };
            if is_first {
                first = Some(c.clone());
            }
            branch.push(c);
            if branch.len() > 10_000 {
                break;
            }
        }
        branch.reverse();
        let Some(first) = first else {
            return Ok(self.unreadable(
                "no first step (the signed commit of the report) is found on the branch",
            ));
        };
        let t1 = Trailers::parse(&message_of(&first));
        let kind = t1.kind.clone().unwrap_or_default();
        let subject = t1.subject.clone();
        let into = t1
            .into
            .clone()
            .unwrap_or_else(|| self.walker.branch.clone());
        let source = t1.source.clone().unwrap_or_default();
        let base = first.parent_id(0).ok();
        let path = t1.report.as_ref().map(|r| r.0.clone()).unwrap_or_default();
        let report_blob = first
            .tree()?
            .get_path(Path::new(&path))
            .ok()
            .map(|e| e.id().to_string())
            .unwrap_or_default();

        if report_blob.is_empty() {
            self.problems.push(Problem::at(
                first.id(),
                format!("the first step does not contain the report {path}"),
            ));
        }
        if t1.report.as_ref().map(|r| r.1.as_str()) != Some(report_blob.as_str()) {
            self.problems.push(Problem::at(
                first.id(),
                "the first step's trailer names another report content than the one it commits",
            ));
        }
        if base.map(|b| b.to_string()).as_deref() != Some(source.as_str()) {
            self.problems.push(Problem::at(
                first.id(),
                format!(
                    "the report was not committed on its source commit {}",
                    short(&source)
                ),
            ));
        }
        if let Some(base) = base {
            let others: Vec<String> = changed_paths(repo, Some(base), first.id())?
                .into_iter()
                .filter(|p| *p != path)
                .collect();
            if !others.is_empty() {
                self.problems.push(Problem::at(
                    first.id(),
                    format!(
                        "the first step changes more than the report: {}; a sign-off may only add the document it signs",
                        others.join(", ")
                    ),
                ));
            }
        }
        let kind_known = SignoffKind::parse(&kind);
        if kind_known.is_none() {
            self.problems.push(Problem::at(
                first.id(),
                format!("`{kind}` is not a kind of sign-off"),
            ));
        }
        let chain = self
            .config()
            .signoff
            .iter()
            .find(|c| c.kind == kind)
            .cloned();
        let Some(chain) = chain else {
            let mut request = self.unreadable(&format!(
                "the approved configuration has no sign-off chain for `{kind}`"
            ));
            request.request.kind = kind;
            return Ok(request);
        };
        let mut steps: Vec<StepVerification> = chain
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| StepVerification {
                number: i + 1,
                role: s.role.clone(),
                role_title: role_title(self.config(), &s.role),
                means: s.means,
                state: StepState::Pending,
            })
            .collect();
        let mut signers: Vec<(usize, Signer)> = Vec::new();

        // The commits on the branch, in order.
        let mut due = 0usize;
        for (i, commit) in branch.iter().enumerate() {
            let t = Trailers::parse(&message_of(commit));
            let oid = commit.id();
            if t.id.as_deref() != Some(self.id.as_str()) || t.step.is_none() {
                self.problems.push(Problem::at(
                    oid,
                    format!(
                        "commit {} on the sign-off branch is not a step of the chain (\"{}\")",
                        short(&oid.to_string()),
                        summary(commit)
                    ),
                ));
                if i > 0 {
                    self.report_unchanged(commit, &path)?;
                }
                continue;
            }
            if i > 0 {
                self.report_unchanged(commit, &path)?;
            }
            let (declared, declared_role) = t.step.clone().expect("checked above");
            if t.report.as_ref().map(|r| r.1.as_str()) != Some(report_blob.as_str()) {
                self.problems.push(Problem::at(
                    oid,
                    format!(
                        "commit {} approves other report content ({}) than the report signed first ({})",
                        short(&oid.to_string()),
                        t.report.as_ref().map_or("none".into(), |r| short(&r.1)),
                        short(&report_blob)
                    ),
                ));
            }
            let Some(step) = steps.get(declared.wrapping_sub(1)).cloned() else {
                self.problems.push(Problem::at(
                    oid,
                    format!(
                        "commit {} declares step {declared}, but the chain for {kind} has {} steps",
                        short(&oid.to_string()),
                        steps.len()
                    ),
                ));
                continue;
            };
            if declared != due + 1 {
                let expected = steps.get(due).map_or("none".to_string(), |s| {
                    format!("step {} ({})", s.number, s.role_title)
                });
                self.problems.push(Problem::at(
                    oid,
                    format!(
                        "steps out of order: commit {} signs step {declared} ({}) while {expected} is due",
                        short(&oid.to_string()),
                        step.role_title
                    ),
                ));
            }
            if declared_role != step.role {
                self.problems.push(Problem::at(
                    oid,
                    format!(
                        "commit {} claims step {declared} is for {declared_role}; the chain says {}",
                        short(&oid.to_string()),
                        step.role
                    ),
                ));
            }
            let how = match (step.means, t.approval) {
                (SignoffMeans::Merge, true) => "signed approval; merged on the forge",
                (SignoffMeans::Merge, false) => {
                    self.problems.push(Problem::at(
                        oid,
                        format!(
                            "step {declared} ({}) is a signed merge, but commit {} is an ordinary commit on the branch",
                            step.role_title,
                            short(&oid.to_string())
                        ),
                    ));
                    "commit on the branch instead of a merge"
                }
                (SignoffMeans::CommitSignature, _) if i == 0 => "signed commit of the report",
                (SignoffMeans::CommitSignature, _) => "signed commit",
                (SignoffMeans::CoSignature, _) => "co-signature",
            };
            if let Some(signer) = self.signer_for(oid, &step)? {
                steps[declared - 1].state = done(commit, &signer, how);
                signers.push((declared, signer));
            }
            due = due.max(declared);
        }

        // The merge into the main branch.
        if let Some(merge) = self.merge {
            let m = repo.find_commit(merge)?;
            let p1 = m.parent_id(0)?;
            let merged_blob = m
                .tree()?
                .get_path(Path::new(&path))
                .ok()
                .map(|e| e.id().to_string());
            if merged_blob.as_deref() != Some(report_blob.as_str()) {
                self.problems.push(Problem::at(
                    merge,
                    format!(
                        "the merge {} does not carry the signed report: {path} differs from what was signed",
                        short(&merge.to_string())
                    ),
                ));
            }
            // A governance merge may also bring .isms/allowed_signers in step with the
            // configuration it approves, and nothing else.
            let approved_signers = match (kind_known, base) {
                (Some(SignoffKind::Governance), Some(base)) => config_at(repo, base)?
                    .ok()
                    .map(|c| crate::git::allowed_signers(&c)),
                _ => None,
            };
            let signers_as_approved = |p: &str| {
                p == crate::git::ALLOWED_SIGNERS_FILE
                    && approved_signers.as_ref().is_some_and(|text| {
                        m.tree()
                            .ok()
                            .and_then(|t| t.get_path(Path::new(p)).ok())
                            .and_then(|e| repo.find_blob(e.id()).ok())
                            .is_some_and(|b| b.content() == text.as_bytes())
                    })
            };
            let others: Vec<String> = changed_paths(repo, Some(p1), merge)?
                .into_iter()
                .filter(|p| *p != path && !signers_as_approved(p))
                .collect();
            if !others.is_empty() {
                self.problems.push(Problem::at(
                    merge,
                    format!(
                        "the merge {} changes more than the report: {}",
                        short(&merge.to_string()),
                        others.join(", ")
                    ),
                ));
            }
            match steps.iter().position(|s| s.state == StepState::Pending) {
                Some(n) if n + 1 == steps.len() && steps[n].means == SignoffMeans::Merge => {
                    let step = steps[n].clone();
                    let signature = check_commit(repo, merge, Some(self.config()))?;
                    let holder = match &signature {
                        SignatureStatus::Good { roles, .. } => roles.contains(&step.role),
                        _ => false,
                    };
                    if holder {
                        if let Some(signer) = self.signer_for(merge, &step)? {
                            steps[n].state = done(&m, &signer, "signed merge");
                            signers.push((n + 1, signer));
                        }
                    } else {
                        self.problems.push(Problem::at(
                            merge,
                            format!(
                                "step {} ({}, signed merge): the merge {} is {}, not signed by the {}. A pull request merged on the forge is signed by the forge, not by the approver: the {} adds a signed approval (`isms signoff sign {} --approve`) before the merge",
                                step.number,
                                step.role_title,
                                short(&merge.to_string()),
                                describe_signature(&signature),
                                step.role_title,
                                step.role_title,
                                self.id
                            ),
                        ));
                    }
                }
                Some(n) => self.problems.push(Problem::at(
                    merge,
                    format!(
                        "merged into {into} before step {} ({}) was signed",
                        n + 1,
                        steps[n].role_title
                    ),
                )),
                None => {
                    let signature = check_commit(repo, merge, Some(self.config()))?;
                    if !signature.is_good() {
                        self.warnings.push(format!(
                            "the merge {} is {}: a merge made on the forge is signed by the forge, not by the approver; the approval is the signed commit of the last step",
                            short(&merge.to_string()),
                            describe_signature(&signature)
                        ));
                    }
                }
            }
        } else if self.landed {
            if let Some(n) = steps.iter().position(|s| s.state == StepState::Pending) {
                self.problems.push(Problem::at(
                    self.tip,
                    format!(
                        "the sign-off reached {into} without step {} ({}): its commits were fast-forwarded, rebased or squashed instead of merged",
                        n + 1,
                        steps[n].role_title
                    ),
                ));
            }
        }

        self.separation_of_duties(&steps, &signers);

        // A governance sign-off must sign exactly the configuration it approves.
        let mut proposed = None;
        if kind_known == Some(SignoffKind::Governance) {
            if let Some(base) = base {
                match config_at(repo, base)? {
                    Ok(config) => {
                        let commit = repo.find_commit(base)?;
                        let when = commit.committer().when();
                        let expected = documents::governance(
                            &config,
                            self.config(),
                            &self.walker.authority.by,
                            &DocumentSource {
                                commit: &base.to_string(),
                                time: (when.seconds(), when.offset_minutes()),
                            },
                        )?;
                        let signed = crate::git::read_checked(
                            repo,
                            git2::Oid::from_str(&report_blob).unwrap_or(git2::Oid::ZERO_SHA1),
                            git2::ObjectType::Blob,
                        )
                        .unwrap_or_default();
                        if signed != expected.as_bytes() {
                            self.problems.push(Problem::at(
                                first.id(),
                                format!(
                                    "the governance document does not state {CONFIG_FILE} of its source commit {} (or the approved configuration changed since it was made); start the request again",
                                    short(&base.to_string())
                                ),
                            ));
                        }
                        proposed = Some(config);
                    }
                    Err(e) => self.problems.push(Problem::at(
                        base,
                        format!("{CONFIG_FILE} at the source commit does not load: {e}"),
                    )),
                }
            }
        }

        let all_done = steps.iter().all(|s| s.state != StepState::Pending);
        let state = if !self.problems.is_empty() {
            RequestState::Failed
        } else if all_done && (self.merge.is_some() || self.landed) {
            RequestState::Complete
        } else if all_done {
            RequestState::ReadyToMerge
        } else {
            RequestState::Open
        };
        if state != RequestState::Complete {
            proposed = None;
        }
        Ok(Checked {
            request: RequestVerification {
                id: self.id,
                kind,
                subject,
                report: path,
                report_blob,
                source,
                into,
                tip: self.tip.to_string(),
                merge: self.merge.map(|m| m.to_string()),
                state,
                steps,
                problems: self.problems,
                warnings: self.warnings,
                approved_configuration: self.walker.authority.commit.clone(),
            },
            proposed,
        })
    }

    /// A request whose first step cannot be found: nothing else can be said.
    fn unreadable(self, why: &str) -> Checked {
        Checked {
            request: RequestVerification {
                id: self.id.clone(),
                kind: String::new(),
                subject: None,
                report: String::new(),
                report_blob: String::new(),
                source: String::new(),
                into: self.walker.branch.clone(),
                tip: self.tip.to_string(),
                merge: self.merge.map(|m| m.to_string()),
                state: RequestState::Failed,
                steps: Vec::new(),
                problems: vec![Problem::at(self.tip, why)],
                warnings: Vec::new(),
                approved_configuration: self.walker.authority.commit.clone(),
            },
            proposed: None,
        }
    }

    /// A step commit after the first must not change anything: the report stays as
    /// it was signed.
    fn report_unchanged(&mut self, commit: &git2::Commit, path: &str) -> Result<()> {
        let parent = commit.parent_id(0).ok();
        let changed = changed_paths(self.repo, parent, commit.id())?;
        if changed.is_empty() {
            return Ok(());
        }
        let what = if changed.iter().any(|p| p == path) {
            format!(
                "the report changed after it was signed: commit {} by {} changes {}",
                short(&commit.id().to_string()),
                author(commit),
                changed.join(", ")
            )
        } else {
            format!(
                "commit {} on the sign-off branch changes {}; after the first signature a step may change nothing",
                short(&commit.id().to_string()),
                changed.join(", ")
            )
        };
        self.problems.push(Problem::at(commit.id(), what));
        Ok(())
    }

    /// Checks that `oid` is validly signed by a holder of the step's role under the
    /// approved configuration; records why not otherwise.
    fn signer_for(&mut self, oid: git2::Oid, step: &StepVerification) -> Result<Option<Signer>> {
        let signature = check_commit(self.repo, oid, Some(self.config()))?;
        let c = short(&oid.to_string());
        let label = format!("step {} ({})", step.number, step.role_title);
        match signature {
            SignatureStatus::Good {
                person,
                email,
                roles,
                key,
            } => {
                if roles.contains(&step.role) {
                    return Ok(Some(Signer {
                        person,
                        email,
                        roles,
                        key,
                    }));
                }
                let held: Vec<String> =
                    roles.iter().map(|r| role_title(self.config(), r)).collect();
                let later = roles.iter().any(|r| {
                    self.config()
                        .signoff
                        .iter()
                        .flat_map(|c| &c.steps)
                        .any(|s| &s.role == r)
                });
                let order = if later { " (steps out of order?)" } else { "" };
                self.problems.push(Problem::at(
                    oid,
                    format!(
                        "{label}: commit {c} is signed by {person}, who holds {} in the approved configuration, not {}{order}",
                        if held.is_empty() { "no role".to_string() } else { held.join(", ") },
                        step.role_title
                    ),
                ));
            }
            SignatureStatus::Unsigned => self.problems.push(Problem::at(
                oid,
                format!("{label}: commit {c} is not signed"),
            )),
            SignatureStatus::UnknownKey { key } => {
                let origin = self
                    .walker
                    .key_origin(&key)
                    .map(|o| {
                        format!(
                            "; the key was added to {CONFIG_FILE} by commit {}, which never completed the governance sign-off, so it authorises nothing",
                            short(&o.to_string())
                        )
                    })
                    .unwrap_or_default();
                self.problems.push(Problem::at(
                    oid,
                    format!(
                        "{label}: commit {c} is signed with key {key}, which the approved configuration (from {}) does not authorise{origin}",
                        short(&self.walker.authority.commit)
                    ),
                ));
            }
            SignatureStatus::Bad { reason } => self.problems.push(Problem::at(
                oid,
                format!("{label}: the signature of commit {c} is not valid: {reason}"),
            )),
            SignatureStatus::Unsupported { reason } => self.problems.push(Problem::at(
                oid,
                format!("{label}: commit {c} carries {reason}"),
            )),
        }
        Ok(None)
    }

    fn separation_of_duties(&mut self, steps: &[StepVerification], signers: &[(usize, Signer)]) {
        for (i, (a_step, a)) in signers.iter().enumerate() {
            for (b_step, b) in &signers[i + 1..] {
                if !a.email.eq_ignore_ascii_case(&b.email) {
                    continue;
                }
                let (ra, rb) = (&steps[a_step - 1].role, &steps[b_step - 1].role);
                let rule = self.config().separation_of_duties.iter().find(|r| {
                    (&r.roles[0] == ra && &r.roles[1] == rb)
                        || (&r.roles[0] == rb && &r.roles[1] == ra)
                });
                match rule {
                    Some(rule) => self.problems.push(Problem {
                        commit: None,
                        message: format!(
                            "separation of duties: {} signed step {a_step} ({}) and step {b_step} ({}), which must be signed by different people: {}",
                            a.person,
                            steps[a_step - 1].role_title,
                            steps[b_step - 1].role_title,
                            rule.reason
                        ),
                    }),
                    None => self.warnings.push(format!(
                        "{} signed both step {a_step} and step {b_step}",
                        a.person
                    )),
                }
                let _ = &b.roles;
            }
        }
    }
}

fn done(commit: &git2::Commit, signer: &Signer, how: &str) -> StepState {
    StepState::Done {
        commit: commit.id().to_string(),
        person: signer.person.clone(),
        email: signer.email.clone(),
        key: signer.key.clone(),
        date: iso_time(commit.committer().when()),
        how: how.to_string(),
    }
}

fn describe_signature(s: &SignatureStatus) -> String {
    match s {
        SignatureStatus::Good { person, key, .. } => format!("signed by {person} ({key})"),
        SignatureStatus::Unsigned => "unsigned".into(),
        SignatureStatus::UnknownKey { key } => {
            format!("signed by key {key}, which is not an ISMS person's (a forge's key?)")
        }
        SignatureStatus::Bad { reason } => format!("badly signed ({reason})"),
        SignatureStatus::Unsupported { reason } => format!("signed with {reason} (a forge's key?)"),
    }
}

fn message_of(commit: &git2::Commit) -> String {
    String::from_utf8_lossy(commit.message_bytes()).into_owned()
}

fn summary(commit: &git2::Commit) -> String {
    crate::git::verify::summary_of(commit)
}

fn author(commit: &git2::Commit) -> String {
    commit.author().name().unwrap_or("someone").to_string()
}

/// The first 12 characters of an object id.
pub(crate) fn short(id: &str) -> String {
    id.chars().take(12).collect()
}

/// The blob id of isms.yaml at a commit.
fn config_blob(repo: &git2::Repository, oid: git2::Oid) -> Result<Option<git2::Oid>> {
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

fn risk_at(repo: &git2::Repository, rev: &str, path: &str) -> Result<Option<crate::domain::Risk>> {
    let Ok(oid) = git2::Oid::from_str(rev) else {
        return Ok(None);
    };
    let tree = repo.find_commit(oid)?.tree()?;
    let Ok(entry) = tree.get_path(Path::new(path)) else {
        return Ok(None);
    };
    let blob = crate::git::read_checked(repo, entry.id(), git2::ObjectType::Blob)?;
    let Ok(text) = std::str::from_utf8(&blob) else {
        return Ok(None);
    };
    let stem = path
        .rsplit('/')
        .next()
        .and_then(|n| n.strip_suffix(".md"))
        .unwrap_or_default();
    Ok(
        match crate::repository::parse_text(crate::RecordKind::Risk, path, stem, text) {
            Ok(parsed) => match parsed.record {
                crate::repository::AnyRecord::Risk(r) => Some(r),
                _ => None,
            },
            Err(_) => None,
        },
    )
}

/// Whether two configurations agree on people, roles, separation of duties and chains.
pub(crate) fn same_governance(a: &IsmsConfig, b: &IsmsConfig) -> bool {
    a.people == b.people
        && a.roles == b.roles
        && a.separation_of_duties == b.separation_of_duties
        && a.signoff == b.signoff
}

/// The paths that differ between a commit's parent (or nothing) and the commit.
fn changed_paths(
    repo: &git2::Repository,
    parent: Option<git2::Oid>,
    commit: git2::Oid,
) -> Result<Vec<String>> {
    let new = repo.find_commit(commit)?.tree()?;
    let old = match parent {
        Some(p) => Some(repo.find_commit(p)?.tree()?),
        None => None,
    };
    let diff = repo.diff_tree_to_tree(old.as_ref(), Some(&new), None)?;
    Ok(diff
        .deltas()
        .filter_map(|d| {
            d.new_file()
                .path()
                .or_else(|| d.old_file().path())
                .map(|p| p.to_string_lossy().into_owned())
        })
        .collect())
}
