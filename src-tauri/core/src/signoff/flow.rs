//! Starting a sign-off request and signing its steps (`isms signoff start|sign`).
//!
//! Both refuse rather than record evidence that would not verify: the signer must hold
//! the next step's role in the approved configuration, separation of duties must
//! hold, and the request so far must verify. Nothing here touches the working tree,
//! except the final merge, which brings the signed report into the checked-out main
//! branch.

use serde::Serialize;
use ssh_key::HashAlg;

use super::forge::Forge;
use super::verify::{
    config_at, root_key_of, same_governance, short, verify_with_authority, Authority, VerifyOptions,
};
use super::{
    acceptance, subjects, RequestState, RequestVerification, SignoffKind, StepState, Trailers,
    BRANCH_PREFIX,
};
use crate::domain::{IsmsConfig, Person, SignoffMeans};
use crate::git::signing::Signer;
use crate::git::CommitId;
use crate::report::documents::{self, DocumentSource};
use crate::{Error, Isms, Result};

/// A request that was started.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Started {
    /// The request id.
    pub id: String,
    /// Its branch, `signoff/<id>`.
    pub branch: String,
    /// The first step's signed commit.
    pub commit: CommitId,
    /// The document it signs, e.g. `reports/risk-assessment.md`.
    pub report: String,
    /// The commit the document was rendered from.
    pub source: CommitId,
    /// Who signed the first step.
    pub signed_by: String,
    /// The next step: "Head of Product (co-signature)".
    pub next: Option<String>,
    /// The forge's new-pull-request address, when `origin` is on GitHub or GitLab.
    pub pull_request_url: Option<String>,
}

/// A step that was signed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Signed {
    /// The request id.
    pub id: String,
    /// The step signed, 1-based.
    pub step: usize,
    /// Its role's title.
    pub role: String,
    /// Who signed.
    pub person: String,
    /// The new commit (the merge commit for the last step).
    pub commit: CommitId,
    /// Whether this step merged the request into the main branch.
    pub merged: bool,
    /// The next step, if any.
    pub next: Option<String>,
}

impl Isms {
    /// Starts a sign-off of `kind` (for a risk acceptance, of risk `subject`): renders
    /// the document at HEAD, commits it on a new branch `signoff/<id>` and signs that
    /// commit as the chain's first step.
    pub fn signoff_start(
        &self,
        kind: SignoffKind,
        subject: Option<&str>,
        signer: &Signer,
        when: Option<(i64, i32)>,
    ) -> Result<Started> {
        let repo = crate::git::repository(self)?;
        let into = crate::git::head_branch(&repo)?;
        let into_short = into.trim_start_matches("refs/heads/").to_string();
        let head = repo
            .head()
            .and_then(|h| h.peel_to_commit())
            .map_err(|_| Error::Usage("the repository has no commit yet".into()))?;
        let (verification, authority) = verify_with_authority(&repo, &pinned(&repo))?;
        let chain = chain(&repo, &authority, kind, subject, head.id())?;
        let first = &chain[0];
        if first.means != SignoffMeans::CommitSignature {
            return Err(Error::Signoff(format!(
                "the chain for {kind} starts with a {}; the first step must be the signed commit of the report",
                first.means
            )));
        }
        if let Some(problem) = kind.subject_problem(subject) {
            return Err(Error::Usage(problem));
        }
        let auditor = independent_auditor(&repo, kind, subject, head.id())?;
        let person = holder_of(
            &authority.config,
            signer,
            &first.role,
            kind,
            auditor.as_deref(),
        )?;
        if let (SignoffKind::Document, Some(id)) = (kind, subject) {
            subjects::refuse_document(&repo, head.id(), id)?;
        }
        let path = kind.path(subject);
        if let Some(open) = verification.open().find(|r| r.report == path) {
            return Err(Error::Signoff(format!(
                "{path} already has an open sign-off request, {}; finish it or delete its branch first",
                open.id
            )));
        }
        if kind == SignoffKind::RiskAssessment {
            refuse_contradicting_narrative(&repo, &head)?;
        }
        let markdown = self.document_to_sign(&repo, kind, subject, &head, &authority)?;
        let (seconds, offset) = when.unwrap_or_else(|| (crate::git::now_seconds(), 0));
        let id = new_request_id(&repo, &verification, kind, subject, (seconds, offset));
        let blob = repo.blob(markdown.as_bytes())?;
        let mut update = git2::build::TreeUpdateBuilder::new();
        update.upsert(&path, blob, git2::FileMode::Blob);
        let tree = repo.find_tree(update.create_updated(&repo, &head.tree()?)?)?;
        let trailers = Trailers {
            id: Some(id.clone()),
            kind: Some(kind.as_str().to_string()),
            step: Some((1, first.role.clone())),
            report: Some((path.clone(), blob.to_string())),
            source: Some(head.id().to_string()),
            into: Some(into_short.clone()),
            subject: subject.map(str::to_string),
            approval: false,
        };
        let title = authority.config.role_title(&first.role);
        let message = format!(
            "Sign-off {id}: {title} signs the {}\n\n{} puts {path}, rendered from commit {}, up for sign-off and signs it as step 1 of {}.\n\n{}",
            kind.title(),
            person.name,
            short(&head.id().to_string()),
            chain.len(),
            trailers.render()
        );
        let commit = signed_commit(
            &repo,
            &person,
            (seconds, offset),
            &message,
            &tree,
            &[&head],
            signer,
        )?;
        let branch = format!("{BRANCH_PREFIX}{id}");
        repo.reference(
            &format!("refs/heads/{branch}"),
            commit,
            false,
            &format!("signoff: start {id}"),
        )?;
        let pull_request_url = repo
            .find_remote("origin")
            .ok()
            .and_then(|r| r.url().ok().and_then(Forge::of_remote))
            .map(|f| f.new_pull_request_url(&branch, &into_short));
        Ok(Started {
            id,
            branch,
            commit: commit.into(),
            report: path,
            source: head.id().into(),
            signed_by: person.name.clone(),
            next: chain
                .get(1)
                .map(|s| step_label(&authority.config, &s.role, s.means)),
            pull_request_url,
        })
    }

    /// The document a request of `kind` signs, rendered from `head`: a report, the
    /// governance change against the approved configuration, or a risk's acceptance.
    fn document_to_sign(
        &self,
        repo: &git2::Repository,
        kind: SignoffKind,
        subject: Option<&str>,
        head: &git2::Commit,
        authority: &Authority,
    ) -> Result<String> {
        let time = head.committer().when();
        let source = DocumentSource {
            commit: &head.id().to_string(),
            time: (time.seconds(), time.offset_minutes()),
        };
        if let Some(report) = kind.report() {
            return Ok(self.report(report, &head.id().to_string())?.markdown);
        }
        if kind == SignoffKind::Governance {
            let config = config_at(repo, head.id())?
                .map_err(|e| Error::Usage(format!("isms.yaml at HEAD does not load: {e}")))?;
            if same_governance(&config, &authority.config) {
                return Err(Error::Signoff(
                    "isms.yaml's people, roles, keys and chains are as approved; there is no governance change to sign off".into(),
                ));
            }
            return documents::governance(&config, &authority.config, &authority.by, &source);
        }
        if let Some(text) = super::rendered_document(repo, kind, subject, head.id())? {
            return Ok(text);
        }
        let risk_id =
            subject.ok_or_else(|| Error::Usage("a risk acceptance needs the risk".into()))?;
        let snapshot = crate::git::changes::Snapshot::at(repo, &head.id().to_string())?;
        let config = snapshot
            .config
            .clone()
            .ok_or_else(|| Error::Usage("isms.yaml at HEAD does not load".into()))?;
        let risk = snapshot
            .records
            .values()
            .find_map(|r| match r {
                crate::repository::AnyRecord::Risk(r) if r.id == risk_id => Some(r),
                _ => None,
            })
            .ok_or_else(|| Error::NotFound(format!("{risk_id} (a risk, at HEAD)")))?;
        documents::risk_acceptance(&config, risk, &source)
    }

    /// Signs the next step of request `id`: a co-signature commit on its branch, or —
    /// for a last step that is a merge — the signed merge into the main branch
    /// (`approve` makes it a signed approval on the branch instead, for a merge on
    /// the forge).
    pub fn signoff_sign(
        &self,
        id: &str,
        signer: &Signer,
        approve: bool,
        when: Option<(i64, i32)>,
    ) -> Result<Signed> {
        let repo = crate::git::repository(self)?;
        let local = request_branch(&repo, id)?;
        let (verification, authority) = verify_with_authority(&repo, &pinned(&repo))?;
        let request = signable_request(&verification, id)?;
        let Some(step) = request.next_step().cloned() else {
            return Err(Error::Signoff(format!(
                "every step of {id} is signed; it waits for the merge into {}",
                request.into
            )));
        };
        let kind = SignoffKind::parse(&request.kind).unwrap_or(SignoffKind::RiskAssessment);
        let source = git2::Oid::from_str(&request.source)
            .map_err(|_| Error::Signoff(format!("{id} names no source commit")))?;
        let auditor = independent_auditor(&repo, kind, request.subject.as_deref(), source)?;
        let person = holder_of(
            &authority.config,
            signer,
            &step.role,
            kind,
            auditor.as_deref(),
        )?;
        keep_duties_apart(&authority.config, request, &step, &person)?;
        let is_merge = step.means == SignoffMeans::Merge;
        if approve && !is_merge {
            return Err(Error::Usage(format!(
                "--approve is for a last step that merges on the forge; step {} ({}) is a {}",
                step.number,
                step.role_title,
                step.means.as_str().replace('_', "-")
            )));
        }
        let signing = StepSigning {
            repo: &repo,
            request,
            step: &step,
            kind,
            person: &person,
            signer,
            when: when.unwrap_or_else(|| (crate::git::now_seconds(), 0)),
            tip: repo.find_reference(&local)?.peel_to_commit()?,
            trailers: Trailers {
                id: Some(id.to_string()),
                kind: Some(request.kind.clone()),
                step: Some((step.number, step.role.clone())),
                report: Some((request.report.clone(), request.report_blob.clone())),
                source: Some(request.source.clone()),
                into: Some(request.into.clone()),
                subject: request.subject.clone(),
                approval: approve,
            },
        };
        let (commit, merged) = if is_merge && !approve {
            (signing.merge()?, true)
        } else {
            (signing.on_branch(&local, approve)?, false)
        };
        Ok(Signed {
            id: id.to_string(),
            step: step.number,
            role: step.role_title.clone(),
            person: person.name.clone(),
            commit: commit.into(),
            merged,
            next: (!merged)
                .then(|| request.steps.get(step.number))
                .flatten()
                .map(|s| step_label(&authority.config, &s.role, s.means)),
        })
    }

    /// Verifies the sign-offs, see [`mod@super::verify`]. Without a root key in
    /// `options`, the one pinned in the repository's git configuration is used.
    pub fn signoff_verify(&self, options: &VerifyOptions) -> Result<super::Verification> {
        let repo = crate::git::repository(self)?;
        let mut options = options.clone();
        if options.root_key.is_none() {
            options.root_key = root_key_of(&repo);
        }
        super::verify(&repo, &options)
    }

    /// Pins the root of trust for this clone: `git config isms.rootKey <key>` in the
    /// repository's own configuration, which no push can change. Only the key that
    /// signed the first commit with isms.yaml can be pinned: this records, after the
    /// person checked it with its owner, what trust on first use assumed.
    pub fn pin_root_key(&self, key: &str) -> Result<()> {
        let repo = crate::git::repository(self)?;
        let verification = super::verify(&repo, &VerifyOptions::default())?;
        if verification.root_key.as_deref() != Some(key) {
            return Err(Error::Usage(format!(
                "{key} did not sign the first commit with isms.yaml{}; only that key can be pinned",
                verification
                    .root_key
                    .map(|k| format!(" ({k} did)"))
                    .unwrap_or_default()
            )));
        }
        repo.config()?
            .open_level(git2::ConfigLevel::Local)?
            .set_str("isms.rootKey", key)?;
        Ok(())
    }

    /// The `.isms/allowed_signers` text of the configuration approved at the verified
    /// revision: what an auditor should verify plain git and ssh-keygen against.
    pub fn approved_allowed_signers(&self, options: &VerifyOptions) -> Result<String> {
        let repo = crate::git::repository(self)?;
        let mut options = options.clone();
        if options.root_key.is_none() {
            options.root_key = root_key_of(&repo);
        }
        let (_, authority) = verify_with_authority(&repo, &options)?;
        Ok(crate::git::allowed_signers(&authority.config))
    }

    /// Records completed risk acceptance `id` in its risk's `acceptance`, in the
    /// working tree, for a request merged on a forge (a signed merge made with ISMS
    /// Desk records it itself). The change is then committed like any other.
    pub fn signoff_record(&self, id: &str) -> Result<crate::store::Saved> {
        let repo = crate::git::repository(self)?;
        let verification = self.signoff_verify(&VerifyOptions::default())?;
        let request = verification.known_request(id)?;
        if request.kind != SignoffKind::RiskAcceptance.as_str() {
            return Err(Error::Usage(format!(
                "{id} is a {} sign-off; only risk acceptances are recorded in a record",
                request.kind
            )));
        }
        if request.state != RequestState::Complete {
            return Err(Error::Signoff(format!(
                "{id} is not a completed sign-off on this branch, so there is nothing to record"
            )));
        }
        let record = acceptance::of_request(&repo, request)?;
        let risk = request.subject.clone().unwrap_or_default();
        let opened = self.open_record(&risk)?;
        let bytes = self
            .read_bytes(&opened.path)?
            .ok_or_else(|| Error::NotFound(risk.clone()))?;
        let before = crate::format::decode(&opened.path, &bytes).map_err(Error::Invalid)?;
        let text = acceptance::recorded(&opened.path, &risk, &before, &record)?;
        self.write_record_text(
            crate::RecordKind::Risk,
            &risk,
            &opened.path,
            &text,
            &opened.revision,
        )
    }
}

/// A request id not yet taken: `<kind>[-<subject>]-<date>`, numbered when the day
/// already has one.
fn new_request_id(
    repo: &git2::Repository,
    verification: &super::Verification,
    kind: SignoffKind,
    subject: Option<&str>,
    (seconds, offset): (i64, i32),
) -> String {
    let date = crate::report::model::commit_date(seconds, offset);
    let stem = match subject {
        Some(s) => format!("{kind}-{s}-{date}"),
        None => format!("{kind}-{date}"),
    };
    let taken = |id: &str| {
        repo.find_reference(&format!("refs/heads/{BRANCH_PREFIX}{id}"))
            .is_ok()
            || verification.requests.iter().any(|r| r.id == id)
    };
    let mut id = stem.clone();
    let mut n = 1;
    while taken(&id) {
        n += 1;
        id = format!("{stem}-{n}");
    }
    id
}

/// The local branch of request `id`; one fetched from the forge but never checked out
/// is taken from the remote.
fn request_branch(repo: &git2::Repository, id: &str) -> Result<String> {
    let local = format!("refs/heads/{BRANCH_PREFIX}{id}");
    if repo.find_reference(&local).is_err() {
        let remote = repo
            .references_glob(&format!("refs/remotes/*/{BRANCH_PREFIX}{id}"))?
            .flatten()
            .find_map(|r| r.peel_to_commit().ok())
            .ok_or_else(|| {
                Error::Signoff(format!(
                    "there is no sign-off request {id}: no branch {BRANCH_PREFIX}{id} here or on a remote (fetch it first; `isms signoff status` lists open requests)"
                ))
            })?;
        repo.reference(&local, remote.id(), false, "signoff: from the remote")?;
    }
    Ok(local)
}

/// Request `id`, open and verifying so far: nothing is signed on top of evidence
/// that would not verify.
fn signable_request<'v>(
    verification: &'v super::Verification,
    id: &str,
) -> Result<&'v RequestVerification> {
    let request = verification.open().find(|r| r.id == id).ok_or_else(|| {
        Error::Signoff(format!(
            "sign-off request {id} has already reached the branch; there is nothing to sign"
        ))
    })?;
    if !request.problems.is_empty() {
        return Err(Error::Signoff(format!(
            "{BRANCH_PREFIX}{id} does not verify, so nothing was signed:\n{}",
            request
                .problems
                .iter()
                .map(|p| format!("  - {}", p.text()))
                .collect::<Vec<_>>()
                .join("\n")
        )));
    }
    Ok(request)
}

/// Refuses `person` signing `step` when they signed an earlier step of `request` in a
/// role the approved configuration keeps apart from this one. People are told apart
/// by the approved configuration, where each email is one person's.
fn keep_duties_apart(
    config: &IsmsConfig,
    request: &RequestVerification,
    step: &super::StepVerification,
    person: &Person,
) -> Result<()> {
    for done in &request.steps {
        let StepState::Done { email, .. } = &done.state else {
            continue;
        };
        if email != &person.email {
            continue;
        }
        if let Some(rule) = config.kept_apart(&done.role, &step.role) {
            return Err(Error::Signoff(format!(
                "{} signed step {} ({}) and may not also sign step {} ({}): {}",
                person.name,
                done.number,
                done.role_title,
                step.number,
                step.role_title,
                rule.reason
            )));
        }
    }
    Ok(())
}

/// One step being signed: what it signs, who signs it and where.
struct StepSigning<'a> {
    repo: &'a git2::Repository,
    request: &'a RequestVerification,
    step: &'a super::StepVerification,
    kind: SignoffKind,
    person: &'a Person,
    signer: &'a Signer,
    when: (i64, i32),
    /// The request branch's last commit.
    tip: git2::Commit<'a>,
    trailers: Trailers,
}

impl<'a> StepSigning<'a> {
    /// A co-signature (or, with `approve`, an approval for a merge on the forge): a
    /// signed commit on the request branch `local`, with the tree unchanged.
    fn on_branch(&self, local: &str, approve: bool) -> Result<git2::Oid> {
        let (request, step, person) = (self.request, self.step, self.person);
        let (blob, total) = (short(&request.report_blob), request.steps.len());
        let what = if approve {
            format!(
                "{} approves {} (blob {blob}) as step {} of {total}; the merge is to be made on the forge.",
                person.name, request.report, step.number
            )
        } else {
            format!(
                "{} co-signs {} (blob {blob}) as step {} of {total}.",
                person.name, request.report, step.number
            )
        };
        let message = format!(
            "Sign-off {}: {} {} the {}\n\n{what}\n\n{}",
            request.id,
            step.role_title,
            if approve { "approves" } else { "co-signs" },
            self.kind.title(),
            self.trailers.render()
        );
        let commit = signed_commit(
            self.repo,
            person,
            self.when,
            &message,
            &self.tip.tree()?,
            &[&self.tip],
            self.signer,
        )?;
        self.repo.reference_matching(
            local,
            commit,
            true,
            self.tip.id(),
            &format!("signoff: step {}", step.number),
        )?;
        Ok(commit)
    }

    /// The last step: the signed merge of the request into its branch, carrying what
    /// the approval makes true (the approved allowed_signers, a risk's acceptance).
    fn merge(&self) -> Result<git2::Oid> {
        let (repo, request, step) = (self.repo, self.request, self.step);
        let target_ref = format!("refs/heads/{}", request.into);
        let target = repo
            .find_reference(&target_ref)
            .and_then(|r| r.peel_to_commit())
            .map_err(|_| Error::Usage(format!("the branch {} does not exist", request.into)))?;
        let mut index = repo.merge_commits(&target, &self.tip, None)?;
        if index.has_conflicts() {
            return Err(Error::Signoff(format!(
                "{} changed {} since the request started, so the signed report cannot be merged; start a new request",
                request.into, request.report
            )));
        }
        let merged = repo.find_tree(index.write_tree_to(repo)?)?;
        let (tree, to_check_out) = self.written_by_merge(merged, &target)?;
        let message = format!(
            "Sign-off {}: {} approves and merges the {}\n\n{} approves {} (blob {}) by this signed merge, step {} of {}.\n\n{}",
            request.id,
            step.role_title,
            self.kind.title(),
            self.person.name,
            request.report,
            short(&request.report_blob),
            step.number,
            request.steps.len(),
            self.trailers.render()
        );
        let commit = signed_commit(
            repo,
            self.person,
            self.when,
            &message,
            &tree,
            &[&target, &self.tip],
            self.signer,
        )?;
        let checked_out = repo
            .head()
            .ok()
            .and_then(|h| h.name().ok().map(str::to_string))
            .as_deref()
            == Some(target_ref.as_str());
        if checked_out {
            let mut checkout = git2::build::CheckoutBuilder::new();
            for path in &to_check_out {
                checkout.path(path);
            }
            repo.checkout_tree(tree.as_object(), Some(&mut checkout))
                .map_err(|e| {
                    Error::Signoff(format!(
                        "{} cannot be written into the working tree ({e}); move your copy of it away and sign again",
                        to_check_out.join(" and ")
                    ))
                })?;
        }
        repo.reference_matching(
            &target_ref,
            commit,
            true,
            target.id(),
            &format!("signoff: merge {}", request.id),
        )?;
        Ok(commit)
    }

    /// The merge's tree with what the approval makes true, and the paths the merge
    /// writes (to check out when the target branch is checked out).
    fn written_by_merge(
        &self,
        merged: git2::Tree<'a>,
        target: &git2::Commit,
    ) -> Result<(git2::Tree<'a>, Vec<String>)> {
        let repo = self.repo;
        let request = self.request;
        let mut written = vec![(request.report.clone(), None)];
        if self.kind == SignoffKind::Governance {
            // This merge approves the source commit's isms.yaml: from here on its
            // keys are the ones plain git verifies against.
            let source = git2::Oid::from_str(&request.source)
                .map_err(|_| Error::Signoff(format!("{} names no source commit", request.id)))?;
            if let Ok(approved) = config_at(repo, source)? {
                let text = crate::git::allowed_signers(&approved);
                written.push((crate::git::ALLOWED_SIGNERS_FILE.to_string(), Some(text)));
            }
        }
        if self.kind == SignoffKind::RiskAcceptance {
            // The acceptance is recorded in the risk itself, by this merge.
            let (path, text) =
                acceptance_record(repo, request, &self.step.role, self.when, target)?;
            written.push((path, Some(text)));
        }
        if self.kind == SignoffKind::Document {
            // The approval puts the version in force from today.
            let merge = subjects::ApprovalMerge {
                request: &request.id,
                document: request.subject.as_deref().unwrap_or_default(),
                source: &request.source,
                report_blob: &request.report_blob,
                into: &request.into,
            };
            let effective = crate::git::verify::local_day(self.when.0, self.when.1);
            let (path, text) = merge.text(repo, &self.step.role, effective, target.id())?;
            written.push((path, Some(text)));
        }
        let mut update = git2::build::TreeUpdateBuilder::new();
        for (path, text) in &written {
            if let Some(text) = text {
                update.upsert(path, repo.blob(text.as_bytes())?, git2::FileMode::Blob);
            }
        }
        let tree = repo.find_tree(update.create_updated(repo, &merged)?)?;
        Ok((tree, written.into_iter().map(|(p, _)| p).collect()))
    }
}

/// The options that take the repository's own pin (`git config isms.rootKey`).
fn pinned(repo: &git2::Repository) -> VerifyOptions {
    VerifyOptions {
        root_key: root_key_of(repo),
        ..VerifyOptions::default()
    }
}

/// The risk file of acceptance `request` with the acceptance recorded, as the signed
/// merge into `target` writes it. Refused when the risk was rescored on `target`
/// since the request was rendered: the signers would record an acceptance that no
/// longer covers it.
fn acceptance_record(
    repo: &git2::Repository,
    request: &RequestVerification,
    role: &str,
    when: (i64, i32),
    target: &git2::Commit,
) -> Result<(String, String)> {
    let risk = request
        .subject
        .clone()
        .ok_or_else(|| Error::Signoff(format!("{} names no risk", request.id)))?;
    let path = acceptance::risk_path(&risk);
    let at_source = acceptance::risk_at(repo, &request.source, &path)?
        .ok_or_else(|| Error::Signoff(format!("{risk} does not load at the request's source")))?;
    let now = acceptance::risk_at(repo, &target.id().to_string(), &path)?
        .ok_or_else(|| Error::Signoff(format!("{risk} is not on {} any more", request.into)))?;
    let changed = at_source.as_scored().changes_to(&now.as_scored());
    if !changed.is_empty() {
        return Err(Error::Signoff(format!(
            "{risk} was rescored on {} since its acceptance was put up ({}); start a new request for what it is now",
            request.into,
            changed.join(", ")
        )));
    }
    let entry = target.tree()?.get_path(std::path::Path::new(&path))?;
    let before = String::from_utf8_lossy(repo.find_blob(entry.id())?.content()).into_owned();
    let record = acceptance::record_for(&request.id, role, when, &at_source);
    Ok((
        path.clone(),
        acceptance::recorded(&path, &risk, &before, &record)?,
    ))
}

/// The steps of the approved chain a request of `kind` about `subject` put up from
/// `source` follows ([`subjects::request_chain`]).
fn chain(
    repo: &git2::Repository,
    authority: &Authority,
    kind: SignoffKind,
    subject: Option<&str>,
    source: git2::Oid,
) -> Result<Vec<crate::domain::SignoffStep>> {
    let chain = subjects::request_chain(repo, &authority.config, kind.as_str(), subject, source)?;
    if chain.steps.is_empty() {
        return Err(Error::Signoff(format!(
            "the approved sign-off chain for {} has no step; give it its steps in isms.yaml and have that approved",
            chain.name()
        )));
    }
    Ok(chain.steps)
}

/// The person of the approved configuration who holds `signer`'s key; they must hold `role`.
fn holder_of(
    config: &IsmsConfig,
    signer: &Signer,
    role: &str,
    kind: SignoffKind,
    auditor: Option<&str>,
) -> Result<Person> {
    let key = signer.public_key();
    let fingerprint = key.fingerprint(HashAlg::Sha256);
    let holders = signer.holders(config);
    if holders.len() > 1 {
        return Err(Error::Signoff(format!(
            "your signing key {fingerprint} is listed for {} in the approved configuration, so a signature by it would not say who signed; each person needs a key of their own",
            holders.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(" and ")
        )));
    }
    let person = signer.holder(config).ok_or_else(|| {
            Error::Signoff(format!(
                "your signing key {fingerprint} is not authorised by the approved configuration; a key counts once a governance sign-off adding it is complete"
            ))
        })?;
    if !super::may_sign(config, person, role, auditor) {
        if let Some(auditor) = auditor.filter(|_| role == crate::domain::AUDITOR_ROLE) {
            return Err(Error::Signoff(format!(
                "the next step of the {} is the auditor's, {auditor}; your key {fingerprint} is {}'s",
                kind.title(),
                person.name
            )));
        }
        return Err(Error::Signoff(format!(
            "the next step of the {} sign-off is for the {}; your key {fingerprint} is {}'s, who does not hold that role",
            kind.title(),
            config.role_title(role),
            person.name
        )));
    }
    Ok(person.clone())
}

/// For an audit report: the audit's auditor at `source`, refused unless the audit is
/// completed and its auditor independent of its scope. `None` for other kinds.
fn independent_auditor(
    repo: &git2::Repository,
    kind: SignoffKind,
    subject: Option<&str>,
    source: git2::Oid,
) -> Result<Option<String>> {
    let (SignoffKind::AuditReport, Some(audit)) = (kind, subject) else {
        return Ok(None);
    };
    let (auditor, conflicts) = subjects::auditor_of(repo, source, audit)?;
    if !conflicts.is_empty() {
        return Err(Error::Signoff(format!(
            "{auditor} is not independent of {audit}'s scope ({}); an auditor does not sign the report of an audit of their own work",
            conflicts.join("; ")
        )));
    }
    Ok(Some(auditor))
}

fn step_label(config: &IsmsConfig, role: &str, means: SignoffMeans) -> String {
    let how = match means {
        SignoffMeans::CommitSignature => "signed commit",
        SignoffMeans::CoSignature => "co-signature",
        SignoffMeans::Merge => "signed merge",
    };
    format!("{} ({how})", config.role_title(role))
}

/// Makes a commit signed by `signer` as `person`, moving no reference.
fn signed_commit(
    repo: &git2::Repository,
    person: &Person,
    (seconds, offset): (i64, i32),
    message: &str,
    tree: &git2::Tree,
    parents: &[&git2::Commit],
    signer: &Signer,
) -> Result<git2::Oid> {
    let who = git2::Signature::new(
        &person.name,
        &person.email,
        &git2::Time::new(seconds, offset),
    )?;
    let buffer = repo.commit_create_buffer(&who, &who, message, tree, parents)?;
    let buffer = std::str::from_utf8(&buffer)
        .map_err(|_| Error::Usage("a commit message must be UTF-8".into()))?
        .to_string();
    let signature = signer.sign_git(buffer.as_bytes())?;
    Ok(repo.commit_signed(&buffer, &signature, None)?)
}

/// What publishing a request did: its branch pushed, and its pull request.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Published {
    /// The request id.
    pub id: String,
    /// The branch that was pushed, `signoff/<id>`.
    pub branch: String,
    /// The remote it was pushed to.
    pub remote: String,
    /// The pull request opened (or found open) through the forge's API.
    pub pull_request: Option<super::forge::PullRequest>,
    /// Otherwise the address at which a person opens it, when the remote is a forge.
    pub new_pull_request_url: Option<String>,
    /// Why no pull request was opened through the API, when there is a reason to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<String>,
}

impl Isms {
    /// Pushes the branch of request `id` to `remote` and, when the remote is on GitHub
    /// or GitLab and the system keyring holds a token for its host, opens its pull
    /// request through the forge's REST API (or finds the one already open). Without a
    /// token the new-pull-request address is returned instead. git's `isms.forgeApi`
    /// replaces the API's address (GitHub Enterprise, a forge on another port).
    pub fn signoff_publish(
        &self,
        id: &str,
        remote: &str,
        credentials: &crate::git::sync::Credentials,
    ) -> Result<Published> {
        let verification = self.signoff_verify(&VerifyOptions::default())?;
        let request = verification.known_request(id)?;
        let branch = format!("{BRANCH_PREFIX}{id}");
        self.push_branch(remote, &format!("refs/heads/{branch}"), credentials)?;
        let repo = crate::git::repository(self)?;
        let forge = repo
            .find_remote(remote)
            .ok()
            .and_then(|r| r.url().ok().and_then(Forge::of_remote));
        let into = request
            .into
            .strip_prefix("refs/heads/")
            .unwrap_or(&request.into)
            .to_string();
        let mut published = Published {
            id: id.to_string(),
            branch: branch.clone(),
            remote: remote.to_string(),
            pull_request: None,
            new_pull_request_url: forge
                .as_ref()
                .map(|f| f.new_pull_request_url(&branch, &into)),
            note: None,
        };
        let Some(forge) = forge else {
            return Ok(published);
        };
        let token = match super::forge::token(forge.host()) {
            Ok(Some(token)) => token,
            Ok(None) => {
                published.note = Some(format!(
                    "no token for {} in the system keyring (`isms forge login {}` stores one)",
                    forge.host(),
                    forge.host()
                ));
                return Ok(published);
            }
            Err(e) => {
                published.note = Some(e.to_string());
                return Ok(published);
            }
        };
        let configured = repo.config()?.get_string("isms.forgeApi").ok();
        let kind = SignoffKind::parse(&request.kind)
            .map_or(request.kind.clone(), |k| k.title().to_string());
        let subject = request
            .subject
            .as_ref()
            .map(|s| format!(" of {s}"))
            .unwrap_or_default();
        let title = format!("Sign-off: {kind}{subject} ({id})");
        let steps: Vec<String> = request
            .steps
            .iter()
            .map(|s| {
                let state = match &s.state {
                    StepState::Done { person, .. } => format!("signed by {person}"),
                    StepState::Pending => "pending".to_string(),
                };
                format!(
                    "{}. {} ({}): {state}",
                    s.number,
                    s.role_title,
                    s.means.as_str()
                )
            })
            .collect();
        let description = format!(
            "Management sign-off of the {kind}{subject}, rendered from commit {} into `{}`.\n\n{}\n\nEvery step is a signed commit on this branch; the last is the merge. Check it offline with `isms verify {id}`, or each commit with `git verify-commit` against `.isms/allowed_signers`.\n",
            short(&request.source),
            request.report,
            steps.join("\n"),
        );
        published.pull_request = Some(forge.open_pull_request(
            &forge.api_base(configured.as_deref()),
            &token,
            &branch,
            &into,
            &title,
            &description,
        )?);
        Ok(published)
    }
}

/// Refuses a risk-assessment sign-off whose report would contradict itself
/// ([`narrative_contradictions`]).
fn refuse_contradicting_narrative(repo: &git2::Repository, head: &git2::Commit) -> Result<()> {
    let lines: Vec<String> = narrative_contradictions(repo, head)?
        .iter()
        .map(|f| format!("{}:{}: {}", f.path, f.line.unwrap_or(1), f.message))
        .collect();
    if lines.is_empty() {
        return Ok(());
    }
    Err(Error::Signoff(format!(
        "the report would contradict itself, so it is not put up for sign-off:\n{}\nCorrect the narrative (or the scores), commit, and start again.",
        lines.join("\n")
    )))
}

/// The figures in the current assessment's narrative at `head` that the risks at
/// `head` do not bear out (`domain::narrative`), as findings of the check
/// `narrative-figures` with the file's lines.
pub(crate) fn narrative_contradictions(
    repo: &git2::Repository,
    head: &git2::Commit,
) -> Result<Vec<crate::domain::checks::Finding>> {
    let snapshot = crate::git::changes::Snapshot::at(repo, &head.id().to_string())?;
    let Some(config) = &snapshot.config else {
        return Ok(Vec::new());
    };
    let mut risks = Vec::new();
    let mut assessments = Vec::new();
    for record in snapshot.records.values() {
        match record {
            crate::repository::AnyRecord::Risk(r) => risks.push(r),
            crate::repository::AnyRecord::Assessment(a) => assessments.push(a),
            _ => {}
        }
    }
    let Some(assessment) = crate::domain::latest_assessment(assessments) else {
        return Ok(Vec::new());
    };
    let wrong =
        crate::domain::narrative::disagreements(&assessment.body, &risks, &config.methodology);
    let path = crate::repository::RecordKind::Assessment.path(&assessment.id);
    let text = crate::git::text_at(repo, head, &path).unwrap_or_default();
    let first = crate::format::body_first_line(&text).unwrap_or(1);
    Ok(wrong
        .iter()
        .map(|d| crate::domain::checks::Finding {
            rule: crate::domain::checks::Rule::NarrativeFigures,
            severity: crate::domain::checks::Severity::Error,
            path: path.clone(),
            line: Some(first + d.stated.line - 1),
            field: Some("body".into()),
            message: d.message(),
        })
        .collect())
}
