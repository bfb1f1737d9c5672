//! Checking one sign-off request: its document, each step, how it landed, separation
//! of duties, the dates, and for governance the configuration it approves. One method
//! per concern; each failure names the request, the step, the role, the person and key
//! and the commit, and says what to do.

use std::path::Path;

use super::walk::{Authority, Landing, Walker};
use super::{
    config_at, short, Problem, ProblemCode, RequestState, RequestVerification, StepState,
    StepVerification,
};
use crate::domain::{IsmsConfig, SignoffMeans};
use crate::git::signing::key_holders;
use crate::git::verify::{check_commit, iso_time, SignatureStatus};
use crate::isms::CONFIG_FILE;
use crate::report::documents::{self, DocumentSource};
use crate::signoff::{acceptance, subjects, SignoffKind, Trailers};
use crate::RecordKind;
use crate::Result;

/// The file mode of a regular file in a git tree: the only mode a signed document may
/// have (a link's target could change without any signature).
pub(super) const REGULAR_FILE: i32 = 0o100644;

/// What checking a request found.
pub(super) struct Checked {
    pub request: RequestVerification,
    /// For a completed governance request: the configuration it approves.
    pub proposed: Option<IsmsConfig>,
    /// The commits the check walked (the request's branch).
    pub commits: Vec<git2::Oid>,
}

/// A signature that counts: whose, and with which key.
struct Signer {
    /// The person's position in the approved configuration: who they are, whatever
    /// their name or email says.
    person: usize,
    name: String,
    email: String,
    key: String,
}

/// The first step's claims: what is signed, from where, into where.
struct FirstStep {
    commit: git2::Oid,
    kind: String,
    subject: Option<String>,
    path: String,
    blob: String,
    into: String,
    source: String,
    base: Option<git2::Oid>,
}

pub(super) struct RequestCheck<'w, 'r> {
    walker: &'w Walker<'r>,
    authority: &'w Authority,
    repo: &'r git2::Repository,
    id: String,
    tip: git2::Oid,
    landing: Landing,
    /// For an audit report: the audit's auditor at the source commit, who signs the
    /// chain's `auditor` step.
    auditor: Option<String>,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

impl<'w, 'r> RequestCheck<'w, 'r> {
    pub fn new(
        walker: &'w Walker<'r>,
        authority: &'w Authority,
        id: &str,
        tip: git2::Oid,
        landing: Landing,
    ) -> Self {
        RequestCheck {
            walker,
            authority,
            repo: walker.repo,
            id: id.to_string(),
            tip,
            landing,
            auditor: None,
            problems: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn config(&self) -> &IsmsConfig {
        &self.authority.config
    }

    /// Records a failure of this request.
    fn fail(&mut self, problem: Problem) {
        self.problems.push(problem.of(&self.id));
    }

    pub fn run(mut self) -> Result<Checked> {
        let branch = self.branch_commits()?;
        let commits: Vec<git2::Oid> = branch.iter().map(|c| c.id()).collect();
        let Some(first_commit) = branch.first().filter(|c| self.is_first_step(c)) else {
            let mut checked = self.unreadable(
                ProblemCode::NoFirstStep,
                "no first step (the signed commit of the document) is found on its branch",
            );
            checked.commits = commits;
            return Ok(checked);
        };
        let first = self.first_step(first_commit)?;
        let kind = SignoffKind::parse(&first.kind);
        let chain = git2::Oid::from_str(&first.source)
            .map_err(|_| {
                crate::Error::Signoff(format!("sign-off {} names no source commit", self.id))
            })
            .and_then(|source| {
                subjects::request_chain(
                    self.repo,
                    self.config(),
                    &first.kind,
                    first.subject.as_deref(),
                    source,
                )
            });
        let chain = match chain {
            Ok(chain) => chain,
            Err(e) => {
                let why = format!(
                    "the approved configuration (from {}) gives `{}` no sign-off chain: {}",
                    self.authority.commit.short(),
                    first.kind,
                    e
                );
                let mut checked = self.unreadable(ProblemCode::NoChain, &why);
                checked.request.kind = first.kind;
                checked.commits = commits;
                return Ok(checked);
            }
        };
        if kind == Some(SignoffKind::AuditReport) {
            self.audit_report(&first);
        }
        let mut steps: Vec<StepVerification> = chain
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| StepVerification {
                number: i + 1,
                role: s.role.clone(),
                role_title: self.config().role_title(&s.role),
                means: s.means,
                state: StepState::Pending,
            })
            .collect();
        let mut signers: Vec<(usize, Signer)> = Vec::new();
        let mut due = 0usize;
        for (i, commit) in branch.iter().enumerate() {
            self.step(i, commit, &first, &mut steps, &mut signers, &mut due)?;
        }
        match self.landing {
            Landing::Merge(merge) => self.merge(merge, &first, kind, &mut steps, &mut signers)?,
            Landing::FastForward(_) => self.landed_without_merge(&steps),
            Landing::Open => {}
        }
        self.separation_of_duties(&steps, &signers);
        self.dates(&first, &steps)?;
        let mut proposed = match kind {
            Some(SignoffKind::Governance) => self.governance(&first)?,
            _ => None,
        };
        let all_done = steps.iter().all(|s| s.state != StepState::Pending);
        let state = if !self.problems.is_empty() {
            RequestState::Failed
        } else if all_done && self.landing != Landing::Open {
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
                kind: first.kind,
                subject: first.subject,
                report: first.path,
                report_blob: first.blob,
                source: first.source,
                into: first.into,
                tip: self.tip.to_string(),
                merge: match self.landing {
                    Landing::Merge(m) => Some(m.to_string()),
                    _ => None,
                },
                landed: self.landing.commit().map(|c| c.to_string()),
                state,
                steps,
                problems: self.problems,
                warnings: self.warnings,
                approved_configuration: self.authority.commit.to_string(),
            },
            proposed,
            commits,
        })
    }

    /// The auditor of an audit report's audit at its source, who signs its `auditor`
    /// step; a failure when the audit was not completed there or its auditor is not
    /// independent of its scope (an auditor's own work is no audit).
    fn audit_report(&mut self, first: &FirstStep) {
        let (Some(audit), Ok(source)) =
            (first.subject.as_deref(), git2::Oid::from_str(&first.source))
        else {
            return;
        };
        match subjects::auditor_of(self.repo, source, audit) {
            Ok((auditor, conflicts)) => {
                if !conflicts.is_empty() {
                    self.fail(
                        Problem::new(
                            ProblemCode::AuditorNotIndependent,
                            format!(
                                "{audit}'s report is signed by its auditor {auditor}, who is not independent of its scope at the source commit {}: {}",
                                short(&first.source),
                                conflicts.join("; ")
                            ),
                        )
                        .remedy("Another person audits the scope, or the ownership in its scope moves to someone else first."),
                    );
                }
                self.auditor = Some(auditor);
            }
            Err(e) => self.fail(Problem::new(
                ProblemCode::AuditorNotIndependent,
                format!(
                    "{audit}'s report cannot be signed from the source commit {}: {e}",
                    short(&first.source)
                ),
            )),
        }
    }

    fn is_first_step(&self, commit: &git2::Commit) -> bool {
        let t = Trailers::parse(&message_of(commit));
        t.id.as_deref() == Some(self.id.as_str())
            && t.step.as_ref().is_some_and(|s| s.0 == 1)
            && !t.approval
    }

    /// The request's commits, oldest first, from its first step to its last commit:
    /// the first-parent chain from the tip back to the first step. It never leaves
    /// the commits that can belong to the request (for an open request, those the
    /// verified branch does not reach; for a landed one, those after its oldest step).
    fn branch_commits(&self) -> Result<Vec<git2::Commit<'r>>> {
        let history = &self.walker.history;
        let floor = history
            .marked
            .iter()
            .filter(|(_, m)| m.id() == Some(self.id.as_str()))
            .filter_map(|(oid, _)| history.position.get(oid))
            .min()
            .copied();
        let mut out = Vec::new();
        let mut at = Some(self.repo.find_commit(self.tip)?);
        while let Some(c) = at {
            let inside = match self.landing {
                Landing::Open => !history.reaches(c.id()),
                _ => history
                    .position
                    .get(&c.id())
                    .zip(floor)
                    .is_some_and(|(p, f)| *p >= f),
            };
            if !inside {
                break;
            }
            let first = self.is_first_step(&c);
            at = if first { None } else { c.parents().next() };
            out.push(c);
            if first {
                break;
            }
        }
        out.reverse();
        Ok(out)
    }

    /// Reads the first step's claims and checks the document it commits.
    fn first_step(&mut self, first: &git2::Commit) -> Result<FirstStep> {
        let t = Trailers::parse(&message_of(first));
        let kind = t.kind.clone().unwrap_or_default();
        let path = t.report.as_ref().map(|r| r.0.clone()).unwrap_or_default();
        let source = t.source.clone().unwrap_or_default();
        let base = first.parent_id(0).ok();
        let entry = first.tree()?.get_path(Path::new(&path)).ok();
        let blob = entry
            .as_ref()
            .map(|e| e.id().to_string())
            .unwrap_or_default();
        let c = short(&first.id().to_string());
        let step1 = StepLabel::first(&self.id);

        if SignoffKind::parse(&kind).is_none() {
            self.fail(
                Problem::new(
                    ProblemCode::UnknownKind,
                    format!("{step1}: commit {c} names `{kind}`, which is not a kind of sign-off"),
                )
                .at(first.id()),
            );
        }
        if let Some(expected) =
            SignoffKind::parse(&kind).map(|k| expected_path(k, t.subject.as_deref()))
        {
            match expected {
                Ok(expected) if expected == path => {}
                Ok(expected) => {
                    self.fail(Problem::new(
                        ProblemCode::PathNotOfKind,
                        format!(
                            "{step1}: a {kind} sign-off signs {expected}, but commit {c} puts {path} up for sign-off; a document can only be signed off by the chain of its own kind"
                        ),
                    ).at(first.id()).remedy(format!(
                        "Delete the branch and start the request again with `isms signoff start {kind}`."
                    )));
                }
                Err(why) => {
                    self.fail(
                        Problem::new(ProblemCode::PathNotOfKind, format!("{step1}: {why}"))
                            .at(first.id()),
                    );
                }
            }
        }
        match &entry {
            None => {
                self.fail(
                    Problem::new(
                        ProblemCode::ContentMismatch,
                        format!(
                            "{step1}: commit {c} does not contain the document {path} it names"
                        ),
                    )
                    .at(first.id()),
                );
            }
            Some(e) if e.filemode() != REGULAR_FILE => {
                self.fail(Problem::new(
                    ProblemCode::NotARegularFile,
                    format!(
                        "{step1}: {path} in commit {c} is {}, not a regular file; a link's target can change without any signature",
                        mode_text(e.filemode())
                    ),
                ).at(first.id()).remedy("Start the request again with ISMS Desk, which commits the document itself."));
            }
            Some(_) => {}
        }
        if t.report.as_ref().map(|r| r.1.as_str()) != Some(blob.as_str()) {
            self.fail(Problem::new(
                ProblemCode::ContentMismatch,
                format!(
                    "{step1}: commit {c}'s trailer names other document content ({}) than the {path} it commits ({})",
                    t.report.as_ref().map_or("none".into(), |r| short(&r.1)),
                    short(&blob)
                ),
            ).at(first.id()));
        }
        if base.map(|b| b.to_string()).as_deref() != Some(source.as_str()) {
            self.fail(Problem::new(
                ProblemCode::NotOnSource,
                format!(
                    "{step1}: commit {c} was not committed on its source commit {}: the document may not be what that commit renders",
                    short(&source)
                ),
            ).at(first.id()));
        }
        if let Some(base) = base {
            let others: Vec<String> = changed_paths(self.repo, Some(base), first.id())?
                .into_iter()
                .filter(|p| *p != path)
                .collect();
            if !others.is_empty() {
                self.fail(Problem::new(
                    ProblemCode::StepChangesFiles,
                    format!(
                        "{step1}: commit {c} changes more than the document: {}; a sign-off may only add the document it signs",
                        others.join(", ")
                    ),
                ).at(first.id()));
            }
        }
        Ok(FirstStep {
            commit: first.id(),
            kind,
            subject: t.subject.clone(),
            path,
            blob,
            into: t
                .into
                .clone()
                .unwrap_or_else(|| self.walker.history.branch.clone()),
            source,
            base,
        })
    }

    /// Checks one commit of the branch: a step of the chain, in order, for its role,
    /// naming the document signed first, signed by a holder of the role.
    fn step(
        &mut self,
        i: usize,
        commit: &git2::Commit,
        first: &FirstStep,
        steps: &mut [StepVerification],
        signers: &mut Vec<(usize, Signer)>,
        due: &mut usize,
    ) -> Result<()> {
        let t = Trailers::parse(&message_of(commit));
        let oid = commit.id();
        let c = short(&oid.to_string());
        if i > 0 {
            self.changes_nothing(commit, &first.path)?;
        }
        if t.id.as_deref() != Some(self.id.as_str()) || t.step.is_none() {
            self.fail(Problem::new(
                ProblemCode::NotAStep,
                format!(
                    "sign-off {}: commit {c} (\"{}\", by {}) is on the request's branch but is not a step of its chain",
                    self.id,
                    crate::git::verify::summary_of(commit),
                    author(commit)
                ),
            ).at(oid).remedy("Nothing may be added to a sign-off branch but its signed steps: remove the commit, or start a new request."));
            return Ok(());
        }
        let (declared, declared_role) = t.step.clone().expect("checked above");
        if t.report.as_ref().map(|r| r.1.as_str()) != Some(first.blob.as_str()) {
            self.fail(Problem::new(
                ProblemCode::ContentMismatch,
                format!(
                    "sign-off {}, step {declared}: commit {c} approves other document content ({}) than the one signed first ({})",
                    self.id,
                    t.report.as_ref().map_or("none".into(), |r| short(&r.1)),
                    short(&first.blob)
                ),
            ).at(oid));
        }
        let Some(step) = steps.get(declared.wrapping_sub(1)).cloned() else {
            self.fail(Problem::new(
                ProblemCode::StepMismatch,
                format!(
                    "sign-off {}: commit {c} declares step {declared}, but the chain for {} has {} steps",
                    self.id,
                    first.kind,
                    steps.len()
                ),
            ).at(oid));
            return Ok(());
        };
        let label = StepLabel::of(&self.id, &step);
        if declared != *due + 1 {
            let expected = steps.get(*due).map_or("none".to_string(), |s| {
                format!("step {} ({})", s.number, s.role_title)
            });
            self.fail(Problem::new(
                ProblemCode::OutOfOrder,
                format!("steps out of order: {label} is signed by commit {c} while {expected} is due"),
            ).at(oid).step(declared).remedy("Each step is signed after the one before it; remove the commit and sign the steps in the chain's order."));
        }
        if declared_role != step.role {
            self.fail(Problem::new(
                ProblemCode::StepMismatch,
                format!(
                    "{label}: commit {c} claims the step is for {declared_role}; the approved chain says {}",
                    step.role
                ),
            ).at(oid));
        }
        let how = match (step.means, t.approval) {
            (SignoffMeans::Merge, true) => "signed approval; merged on the forge",
            (SignoffMeans::Merge, false) => {
                self.fail(Problem::new(
                    ProblemCode::StepMismatch,
                    format!("{label} is a signed merge, but commit {c} is an ordinary commit on the branch"),
                ).at(oid).remedy(format!(
                    "The {} signs this step by merging (`isms signoff sign {}`), or by a signed approval for a merge on the forge (`--approve`).",
                    step.role_title, self.id
                )));
                "commit on the branch instead of a merge"
            }
            (SignoffMeans::CommitSignature, _) if i == 0 => "signed commit of the report",
            (SignoffMeans::CommitSignature, _) => "signed commit",
            (SignoffMeans::CoSignature, _) => "co-signature",
        };
        if let Some(signer) = self.signer_for(oid, &step, false)? {
            steps[declared - 1].state = done(commit, &signer, how);
            signers.push((declared, signer));
        }
        *due = (*due).max(declared);
        Ok(())
    }

    /// The merge that landed the request: signed by the holder of a last merge step
    /// (unless an approval was signed on the branch), carrying exactly the signed
    /// document, and nothing else beyond what that kind's merge may write.
    fn merge(
        &mut self,
        merge: git2::Oid,
        first: &FirstStep,
        kind: Option<SignoffKind>,
        steps: &mut [StepVerification],
        signers: &mut Vec<(usize, Signer)>,
    ) -> Result<()> {
        let m = self.repo.find_commit(merge)?;
        let p1 = m.parent_id(0)?;
        let c = short(&merge.to_string());
        let tree = m.tree()?;
        let merged = tree.get_path(Path::new(&first.path)).ok();
        if merged.as_ref().map(|e| (e.filemode(), e.id().to_string()))
            != Some((REGULAR_FILE, first.blob.clone()))
        {
            self.fail(Problem::new(
                ProblemCode::MergeChangesMore,
                format!(
                    "sign-off {}: the merge {c} does not carry the signed document: {} differs from what was signed",
                    self.id, first.path
                ),
            ).at(merge));
        }
        let allowed = self.merge_may_write(&m, first, kind, steps)?;
        let others: Vec<String> = changed_paths(self.repo, Some(p1), merge)?
            .into_iter()
            .filter(|p| *p != first.path && !allowed.contains(p))
            .collect();
        if !others.is_empty() {
            self.fail(Problem::new(
                ProblemCode::MergeChangesMore,
                format!(
                    "sign-off {}: the merge {c} changes more than the document: {}",
                    self.id,
                    others.join(", ")
                ),
            ).at(merge).remedy("A sign-off merge brings only the signed document; merge other work separately."));
        }
        match steps.iter().position(|s| s.state == StepState::Pending) {
            Some(n) if n + 1 == steps.len() && steps[n].means == SignoffMeans::Merge => {
                let step = steps[n].clone();
                if let Some(signer) = self.signer_for(merge, &step, true)? {
                    steps[n].state = done(&m, &signer, "signed merge");
                    signers.push((n + 1, signer));
                }
            }
            Some(n) => {
                self.fail(
                    Problem::new(
                        ProblemCode::MergedEarly,
                        format!(
                            "sign-off {}: merged into {} by {c} before step {} ({}) was signed",
                            self.id,
                            first.into,
                            n + 1,
                            steps[n].role_title
                        ),
                    )
                    .at(merge)
                    .step(n + 1)
                    .remedy(format!(
                        "Revert the merge; the {} signs first (`isms signoff sign {}`).",
                        steps[n].role_title, self.id
                    )),
                );
            }
            None => {
                let signature = check_commit(self.repo, merge, Some(self.config()))?;
                if !signature.is_good() {
                    self.warnings.push(
                        Problem::new(
                            ProblemCode::ForgeMerge,
                            format!(
                                "the merge {c} is {}: a merge made on the forge is signed by the forge, not by the approver; the approval is the signed commit of the last step",
                                signature.describe()
                            ),
                        )
                        .of(&self.id)
                        .at(merge),
                    );
                }
            }
        }
        Ok(())
    }

    /// The paths besides the document that a sign-off merge of this kind writes: a
    /// governance merge brings `.isms/allowed_signers` in step with what it approves; a
    /// risk acceptance records itself in the risk's `acceptance`. Each only with the
    /// exact content ISMS Desk writes.
    fn merge_may_write(
        &mut self,
        m: &git2::Commit,
        first: &FirstStep,
        kind: Option<SignoffKind>,
        steps: &[StepVerification],
    ) -> Result<Vec<String>> {
        let tree = m.tree()?;
        let blob_of = |path: &str| -> Option<Vec<u8>> {
            let entry = tree.get_path(Path::new(path)).ok()?;
            (entry.filemode() == REGULAR_FILE)
                .then(|| {
                    self.repo
                        .find_blob(entry.id())
                        .ok()
                        .map(|b| b.content().to_vec())
                })
                .flatten()
        };
        match (kind, first.base) {
            (Some(SignoffKind::Governance), Some(base)) => {
                let file = crate::git::ALLOWED_SIGNERS_FILE;
                let expected = config_at(self.repo, base)?
                    .ok()
                    .map(|c| crate::git::allowed_signers(&c));
                Ok(match (expected, blob_of(file)) {
                    (Some(text), Some(found)) if found == text.as_bytes() => vec![file.to_string()],
                    _ => Vec::new(),
                })
            }
            (Some(SignoffKind::RiskAcceptance), _) => {
                let Some(risk) = first.subject.clone() else {
                    return Ok(Vec::new());
                };
                let path = acceptance::risk_path(&risk);
                let parent = self.repo.find_commit(m.parent_id(0)?)?;
                let Some(before) = parent
                    .tree()?
                    .get_path(Path::new(&path))
                    .ok()
                    .and_then(|e| self.repo.find_blob(e.id()).ok())
                    .map(|b| String::from_utf8_lossy(b.content()).into_owned())
                else {
                    return Ok(Vec::new());
                };
                let Some(role) = steps.last().map(|s| s.role.clone()) else {
                    return Ok(Vec::new());
                };
                let Some(at_source) = acceptance::risk_at(self.repo, &first.source, &path)? else {
                    return Ok(Vec::new());
                };
                let when = m.committer().when();
                let record = acceptance::record_for(
                    &self.id,
                    &role,
                    (when.seconds(), when.offset_minutes()),
                    &at_source,
                );
                let expected = acceptance::recorded(&path, &risk, &before, &record);
                Ok(match (expected, blob_of(&path)) {
                    (Ok(text), Some(found)) if found == text.as_bytes() => vec![path],
                    _ => Vec::new(),
                })
            }
            (Some(SignoffKind::Document), _) => {
                let (Some(document), Some(role)) = (
                    first.subject.as_deref(),
                    steps.last().map(|s| s.role.as_str()),
                ) else {
                    return Ok(Vec::new());
                };
                let merge = subjects::ApprovalMerge {
                    request: &self.id,
                    document,
                    source: &first.source,
                    report_blob: &first.blob,
                    into: &first.into,
                };
                let when = m.committer().when();
                let effective =
                    crate::git::verify::local_day(when.seconds(), when.offset_minutes());
                Ok(
                    match (
                        merge.text(self.repo, role, effective, m.parent_id(0)?),
                        blob_of(&RecordKind::Document.path(document)),
                    ) {
                        (Ok((path, text)), Some(found)) if found == text.as_bytes() => vec![path],
                        _ => Vec::new(),
                    },
                )
            }
            _ => Ok(Vec::new()),
        }
    }

    /// A request whose steps reached the branch as commits of its own line, without a
    /// merge: every step must be there (the last as a signed approval).
    fn landed_without_merge(&mut self, steps: &[StepVerification]) {
        let into = self.walker.history.branch.clone();
        if let Some(n) = steps.iter().position(|s| s.state == StepState::Pending) {
            self.fail(Problem::new(
                ProblemCode::LandedIncomplete,
                format!(
                    "sign-off {}: the steps reached {into} without step {} ({}): they were fast-forwarded, or merged through a commit made on top of them, instead of being merged by the signed last step",
                    self.id,
                    n + 1,
                    steps[n].role_title
                ),
            ).at(self.tip).step(n + 1).remedy(format!(
                "Revert what brought them in; the {} signs the last step (`isms signoff sign {}`, or `--approve` for a merge on the forge).",
                steps[n].role_title, self.id
            )));
        }
        let any_signed = steps.iter().any(|s| s.state != StepState::Pending);
        let has_steps = !steps.is_empty();
        if has_steps && !any_signed {
            self.fail(Problem::new(
                ProblemCode::RebaseMerge,
                format!(
                    "sign-off {}: none of its steps on {into} carries a valid signature: they look re-created without their signatures, as a forge's \"rebase and merge\" does",
                    self.id
                ),
            ).at(self.tip).remedy(format!(
                "Revert them and merge the branch signoff/{} itself, with a merge commit or a fast-forward (see the README, \"Forge merge settings\").",
                self.id
            )));
        }
    }

    /// A step after the first changes nothing: the document stays as it was signed.
    fn changes_nothing(&mut self, commit: &git2::Commit, path: &str) -> Result<()> {
        let parent = commit.parent_id(0).ok();
        let changed = changed_paths(self.repo, parent, commit.id())?;
        if changed.is_empty() {
            return Ok(());
        }
        let c = short(&commit.id().to_string());
        let message = if changed.iter().any(|p| p == path) {
            format!(
                "sign-off {}: the report changed after it was signed: commit {c} by {} changes {}",
                self.id,
                author(commit),
                changed.join(", ")
            )
        } else {
            format!(
                "sign-off {}: commit {c} on the sign-off branch changes {}; after the first signature a step may change nothing",
                self.id,
                changed.join(", ")
            )
        };
        self.fail(Problem::new(ProblemCode::StepChangesFiles, message).at(commit.id()).remedy("Remove the commit from the branch; to sign a changed document, start a new request."));
        Ok(())
    }

    /// The signer of a good signature made with `key` for `step`, when the approved
    /// configuration gives the key to one person who holds the step's role; otherwise
    /// the problem, as (code, message, remedy). `place` names the commit in messages.
    fn holder_in_role(
        &self,
        key: &str,
        step: &StepVerification,
        place: &str,
        forge_hint: &str,
    ) -> std::result::Result<Signer, (ProblemCode, String, String)> {
        let holders = key_holders(self.config(), key);
        if holders.len() > 1 {
            let names: Vec<&str> = holders
                .iter()
                .map(|i| self.config().people[*i].name.as_str())
                .collect();
            Err((
                ProblemCode::SharedKey,
                format!(
                    "{place} is signed with key {key}, which the approved configuration lists for {}: a signature by it does not say who signed",
                    names.join(" and ")
                ),
                "Each person needs a key of their own; remove the shared key through a governance sign-off and sign again.".to_string(),
            ))
        } else {
            let index = *holders
                .first()
                .expect("a good signature is made with a key the configuration lists");
            let person = self.config().people[index].clone();
            if crate::signoff::may_sign(self.config(), &person, &step.role, self.auditor.as_deref())
            {
                return Ok(Signer {
                    person: index,
                    name: person.name,
                    email: person.email,
                    key: key.to_string(),
                });
            }
            let held: Vec<String> = person
                .roles
                .iter()
                .map(|r| self.config().role_title(r))
                .collect();
            let holders: Vec<String> = self
                .config()
                .holders(&step.role)
                .map(|p| p.name.clone())
                .collect();
            Err((
                ProblemCode::WrongSigner,
                format!(
                    "{place} is signed by {} <{}> with key {key}, who holds {} in the approved configuration, not {}",
                    person.name,
                    person.email,
                    if held.is_empty() { "no role".to_string() } else { held.join(", ") },
                    step.role_title
                ),
                format!(
                    "The step is signed by a holder of {} ({}).{forge_hint}",
                    step.role_title,
                    if holders.is_empty() { "nobody holds it".to_string() } else { holders.join(", ") }
                ),
            ))
        }
    }

    /// Checks that `oid` is validly signed by a holder of the step's role under the
    /// approved configuration; records why not otherwise. `merge` says the commit is
    /// the merge, which a forge may have made.
    fn signer_for(
        &mut self,
        oid: git2::Oid,
        step: &StepVerification,
        merge: bool,
    ) -> Result<Option<Signer>> {
        let signature = check_commit(self.repo, oid, Some(self.config()))?;
        let c = short(&oid.to_string());
        let label = StepLabel::of(&self.id, step);
        let what = if merge { "the merge" } else { "commit" };
        let forge = merge
            && matches!(
                signature,
                SignatureStatus::Unsigned
                    | SignatureStatus::UnknownKey { .. }
                    | SignatureStatus::Unsupported { .. }
            );
        let forge_hint = if forge {
            format!(
                " A pull request merged on the forge is signed by the forge, not by the approver: the {} adds a signed approval (`isms signoff sign {} --approve`) before the merge.",
                step.role_title, self.id
            )
        } else {
            String::new()
        };
        let (code, message, remedy) = match &signature {
            SignatureStatus::Good { key, .. } => {
                match self.holder_in_role(key, step, &format!("{label}: {what} {c}"), &forge_hint) {
                    Ok(signer) => return Ok(Some(signer)),
                    Err(problem) => problem,
                }
            }
            SignatureStatus::Unsigned => (
                ProblemCode::NotSigned,
                format!("{label}: {what} {c} is not signed"),
                format!(
                    "The {} signs the step with their SSH key (`isms signoff sign {}`).{forge_hint}",
                    step.role_title, self.id
                ),
            ),
            SignatureStatus::UnknownKey { key } => {
                let origin = self
                    .walker
                    .key_origin(key)
                    .map(|o| {
                        format!(
                            "; the key was added to {CONFIG_FILE} by commit {}, which never completed the governance sign-off, so it authorises nothing",
                            short(&o.to_string())
                        )
                    })
                    .unwrap_or_default();
                (
                    ProblemCode::UnapprovedKey,
                    format!(
                        "{label}: {what} {c} is signed with key {key}, which the approved configuration (from {}) does not authorise{origin}",
                        self.authority.commit.short()
                    ),
                    format!(
                        "A new key counts once a governance sign-off that adds it is complete (`isms signoff start governance`); then sign again.{forge_hint}"
                    ),
                )
            }
            SignatureStatus::Bad { reason } => (
                ProblemCode::BadSignature,
                format!("{label}: the signature of {what} {c} is not valid: {reason}"),
                "The commit was changed after it was signed, or the signature was made for something else: remove it and sign the step again.".to_string(),
            ),
            SignatureStatus::Unsupported { reason } => (
                ProblemCode::UnsupportedSignature,
                format!("{label}: {what} {c} carries {reason}"),
                format!("Sign with an SSH key listed in {CONFIG_FILE}.{forge_hint}"),
            ),
        };
        self.problems.push(
            Problem::new(code, message)
                .of(&self.id)
                .step(step.number)
                .at(oid)
                .remedy(remedy),
        );
        Ok(None)
    }

    /// Steps that a separation-of-duties rule keeps apart were signed by different
    /// people — people as the approved configuration knows them, by their keys, not by
    /// the name or email a commit states.
    fn separation_of_duties(&mut self, steps: &[StepVerification], signers: &[(usize, Signer)]) {
        for (i, (a_step, a)) in signers.iter().enumerate() {
            for (b_step, b) in &signers[i + 1..] {
                if a.person != b.person {
                    continue;
                }
                let (ra, rb) = (&steps[a_step - 1].role, &steps[b_step - 1].role);
                let rule = self.config().kept_apart(ra, rb).cloned();
                match rule {
                    Some(rule) => self.problems.push(
                        Problem::new(
                            ProblemCode::SeparationOfDuties,
                            format!(
                                "separation of duties: {} signed step {a_step} ({}) and step {b_step} ({}), which must be signed by different people: {}",
                                a.name,
                                steps[a_step - 1].role_title,
                                steps[b_step - 1].role_title,
                                rule.reason
                            ),
                        )
                        .of(&self.id)
                        .step(*b_step)
                        .remedy("Another holder of the second role signs that step; if nobody else holds it, the roles need a governance change first."),
                    ),
                    None => self.warnings.push(
                        Problem::new(
                            ProblemCode::SamePersonTwice,
                            format!("{} signed both step {a_step} and step {b_step}", a.name),
                        )
                        .of(&self.id),
                    ),
                }
                let _ = &b.email;
            }
        }
    }

    /// A step dated before the source commit, or before the step before it, is
    /// possible only with a wrong clock or a deliberate backdate: the reader is told,
    /// with both dates.
    fn dates(&mut self, first: &FirstStep, steps: &[StepVerification]) -> Result<()> {
        let source_time = git2::Oid::from_str(&first.source)
            .ok()
            .and_then(|o| self.repo.find_commit(o).ok())
            .map(|c| c.committer().when());
        let mut previous: Option<(String, git2::Time)> =
            source_time.map(|t| ("its source commit".to_string(), t));
        for step in steps {
            let StepState::Done { commit, .. } = &step.state else {
                continue;
            };
            let Ok(c) = self.repo.find_commit(git2::Oid::from_str(commit)?) else {
                continue;
            };
            let when = c.committer().when();
            if let Some((what, before)) = &previous {
                if when.seconds() < before.seconds() {
                    self.warnings.push(
                        Problem::new(
                            ProblemCode::Backdated,
                            format!(
                                "step {} ({}) is dated {}, before {what} ({}): a wrong clock, or a backdated signature",
                                step.number,
                                step.role_title,
                                iso_time(when),
                                iso_time(*before)
                            ),
                        )
                        .of(&self.id)
                        .step(step.number)
                        .at(c.id()),
                    );
                }
            }
            previous = Some((format!("step {} ({})", step.number, step.role_title), when));
        }
        Ok(())
    }

    /// A governance sign-off must sign exactly the configuration it approves: the
    /// governance document of its source commit's isms.yaml.
    fn governance(&mut self, first: &FirstStep) -> Result<Option<IsmsConfig>> {
        let Some(base) = first.base else {
            return Ok(None);
        };
        match config_at(self.repo, base)? {
            Ok(config) => {
                let commit = self.repo.find_commit(base)?;
                let when = commit.committer().when();
                let expected = documents::governance(
                    &config,
                    self.config(),
                    &self.authority.by,
                    &DocumentSource {
                        commit: &base.to_string(),
                        time: (when.seconds(), when.offset_minutes()),
                    },
                )?;
                let signed = git2::Oid::from_str(&first.blob)
                    .ok()
                    .and_then(|b| {
                        crate::git::read_checked(self.repo, b, git2::ObjectType::Blob).ok()
                    })
                    .unwrap_or_default();
                if signed != expected.as_bytes() {
                    self.fail(Problem::new(
                        ProblemCode::GovernanceMismatch,
                        format!(
                            "sign-off {}: the governance document does not state {CONFIG_FILE} of its source commit {} (or the approved configuration changed since it was made)",
                            self.id,
                            short(&base.to_string())
                        ),
                    ).at(first.commit).remedy("Start the request again (`isms signoff start governance`)."));
                }
                Ok(Some(config))
            }
            Err(e) => {
                self.fail(
                    Problem::new(
                        ProblemCode::GovernanceMismatch,
                        format!(
                            "sign-off {}: {CONFIG_FILE} at the source commit does not load: {e}",
                            self.id
                        ),
                    )
                    .at(base),
                );
                Ok(None)
            }
        }
    }

    /// A request whose first step cannot be found or read: nothing else can be said.
    fn unreadable(self, code: ProblemCode, why: &str) -> Checked {
        let problem = Problem::new(code, format!("sign-off {}: {why}", self.id))
            .of(&self.id)
            .at(self.tip)
            .remedy(format!(
                "If the request is abandoned, delete its branch (`git branch -D signoff/{}`).",
                self.id
            ));
        Checked {
            request: RequestVerification {
                id: self.id.clone(),
                kind: String::new(),
                subject: None,
                report: String::new(),
                report_blob: String::new(),
                source: String::new(),
                into: self.walker.history.branch.clone(),
                tip: self.tip.to_string(),
                merge: match self.landing {
                    Landing::Merge(m) => Some(m.to_string()),
                    _ => None,
                },
                landed: self.landing.commit().map(|c| c.to_string()),
                state: RequestState::Failed,
                steps: Vec::new(),
                problems: vec![problem],
                warnings: Vec::new(),
                approved_configuration: self.authority.commit.to_string(),
            },
            proposed: None,
            commits: Vec::new(),
        }
    }
}

/// "sign-off <id>, step 2 (Head of Product)", or the first step's.
struct StepLabel;

impl StepLabel {
    fn of(id: &str, step: &StepVerification) -> String {
        format!("sign-off {id}, step {} ({})", step.number, step.role_title)
    }

    fn first(id: &str) -> String {
        format!("sign-off {id}, step 1")
    }
}

/// Where a document of `kind` about `subject` must be, or why the subject is not one.
fn expected_path(kind: SignoffKind, subject: Option<&str>) -> std::result::Result<String, String> {
    match kind.subject_problem(subject) {
        Some(problem) => Err(problem),
        None => Ok(kind.path(subject)),
    }
}

/// A file mode in words.
pub(super) fn mode_text(mode: i32) -> &'static str {
    match mode {
        0o120000 => "a symbolic link",
        0o100755 => "an executable file",
        0o040000 => "a folder",
        0o160000 => "a submodule",
        _ => "a regular file",
    }
}

fn done(commit: &git2::Commit, signer: &Signer, how: &str) -> StepState {
    StepState::Done {
        commit: commit.id().to_string(),
        person: signer.name.clone(),
        email: signer.email.clone(),
        key: signer.key.clone(),
        date: iso_time(commit.committer().when()),
        how: how.to_string(),
    }
}

fn message_of(commit: &git2::Commit) -> String {
    String::from_utf8_lossy(commit.message_bytes()).into_owned()
}

fn author(commit: &git2::Commit) -> String {
    commit.author().name().unwrap_or("someone").to_string()
}

/// The paths that differ between a commit's parent (or nothing) and the commit.
pub(super) fn changed_paths(
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
