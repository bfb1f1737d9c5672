//! The signed documents about one record, other than a risk's acceptance: a
//! controlled document's approval, a management review's record and an internal
//! audit's report. Each is rendered from a commit by one function here, which starting
//! a request and verifying one both call, so what was signed can always be rendered
//! again and compared.
//!
//! A document's approval also changes the document: its signed merge writes the
//! version it puts in force, the date it takes effect, who approved it and when it is
//! next reviewed (`approval_recorded`); verification accepts that write only with the
//! exact text this module makes.

use crate::domain::{Audit, Document, DocumentStatus, IsmsConfig, SignoffChain};
use crate::git::changes::Snapshot;
use crate::report::documents::{self, ApprovedDocument, DocumentSource};
use crate::repository::AnyRecord;
use crate::{Error, RecordKind, Result};

use super::SignoffKind;

/// The document a request of `kind` about `subject` signs, rendered at `source`; `None`
/// for the kinds not rendered from one record (reports, methodology, governance).
pub(crate) fn subject_document(
    repo: &git2::Repository,
    kind: SignoffKind,
    subject: &str,
    source: git2::Oid,
) -> Result<Option<String>> {
    if !matches!(
        kind,
        SignoffKind::Document | SignoffKind::ManagementReview | SignoffKind::AuditReport
    ) {
        return Ok(None);
    }
    let snapshot = Snapshot::at(repo, &source.to_string())?;
    let config = snapshot.config.clone().ok_or_else(|| {
        Error::Usage(format!(
            "{} does not load at commit {source}",
            crate::domain::CONFIG_FILE
        ))
    })?;
    let when = repo.find_commit(source)?.committer().when();
    let commit = source.to_string();
    let at = DocumentSource {
        commit: &commit,
        time: (when.seconds(), when.offset_minutes()),
    };
    let text = match kind {
        SignoffKind::Document => {
            let document = document_in(&snapshot, subject)?;
            let approved = approved_at(repo, source, subject)?;
            let version =
                document.version_for_approval(approved.as_ref().map(|a| a.version.as_str()));
            let chain = config.document_chain(
                subject,
                document.classification_or_internal(),
                approved.as_ref().map(|a| a.classification),
            );
            documents::controlled_document(
                &config,
                document,
                &version,
                approved.as_ref().map(|a| a.version.as_str()),
                chain.ok(),
                &at,
            )?
        }
        SignoffKind::ManagementReview => {
            let pack = crate::report::review::review_pack(&snapshot, subject, &commit)?;
            documents::management_review(&config, subject, &pack)?
        }
        _ => documents::audit_report(&config, audit_in(&snapshot, subject)?, &at)?,
    };
    Ok(Some(text))
}

/// The chain of `config` that a request of `kind` about `subject` put up from `source`
/// follows: for a controlled document, the one [`IsmsConfig::document_chain`] gives for
/// its classification at `source` and the approval in force there; for every other
/// kind, [`IsmsConfig::chain`]'s. Starting a request and verifying one both ask here.
pub(crate) fn request_chain(
    repo: &git2::Repository,
    config: &IsmsConfig,
    kind: &str,
    subject: Option<&str>,
    source: git2::Oid,
) -> Result<SignoffChain> {
    let no_chain = || {
        Error::Signoff(format!(
            "the approved configuration has no sign-off chain for {kind}; add one to isms.yaml (signoff: - kind: {kind}) and have it approved"
        ))
    };
    let (Some(SignoffKind::Document), Some(id)) = (SignoffKind::parse(kind), subject) else {
        return config.chain(kind, subject).cloned().ok_or_else(no_chain);
    };
    let path = RecordKind::Document.path(id);
    let text = text_at(repo, source, &path)?.ok_or_else(|| {
        Error::NotFound(format!(
            "{path} at commit {} (the document put up for approval)",
            super::verify::short(&source.to_string())
        ))
    })?;
    let document = crate::format::parse_document(&path, id, &text)
        .map_err(|mut e| Error::Invalid(e.remove(0)))?
        .record;
    let in_force = approved_at(repo, source, id)?.map(|a| a.classification);
    config
        .document_chain(id, document.classification_or_internal(), in_force)
        .cloned()
        .map_err(Error::Signoff)
}

/// Controlled document `id` in `snapshot`.
pub(crate) fn document_in<'s>(snapshot: &'s Snapshot, id: &str) -> Result<&'s Document> {
    snapshot
        .records
        .values()
        .find_map(|r| match r {
            AnyRecord::Document(d) if d.id == id => Some(d),
            _ => None,
        })
        .ok_or_else(|| Error::NotFound(format!("{id} (a controlled document)")))
}

/// Audit `id` in `snapshot`.
pub(crate) fn audit_in<'s>(snapshot: &'s Snapshot, id: &str) -> Result<&'s Audit> {
    snapshot
        .records
        .values()
        .find_map(|r| match r {
            AnyRecord::Audit(a) if a.id == id => Some(a),
            _ => None,
        })
        .ok_or_else(|| Error::NotFound(format!("{id} (an audit)")))
}

/// The approval of document `id` in force at commit `at`: `reports/document/<id>.md`,
/// which each approval's signed merge brings onto the branch.
pub(crate) fn approved_at(
    repo: &git2::Repository,
    at: git2::Oid,
    id: &str,
) -> Result<Option<ApprovedDocument>> {
    let path = SignoffKind::Document.path(Some(id));
    let tree = repo.find_commit(at)?.tree()?;
    let Ok(entry) = tree.get_path(std::path::Path::new(&path)) else {
        return Ok(None);
    };
    let Ok(blob) = repo.find_blob(entry.id()) else {
        return Ok(None);
    };
    Ok(std::str::from_utf8(blob.content())
        .ok()
        .and_then(documents::approved_document))
}

/// Why a document cannot be put up for approval at `head`, if it cannot: it is
/// withdrawn, or it says exactly what its approval in force says.
pub(crate) fn refuse_document(repo: &git2::Repository, head: git2::Oid, id: &str) -> Result<()> {
    let snapshot = Snapshot::at(repo, &head.to_string())?;
    let document = document_in(&snapshot, id)?;
    if document.status() == DocumentStatus::Withdrawn {
        return Err(Error::Signoff(format!(
            "{id} is withdrawn; a withdrawn document is not approved again"
        )));
    }
    if let Some(approved) = approved_at(repo, head, id)? {
        if !approved.changed_in(document) {
            return Err(Error::Signoff(format!(
                "{id} is as approved in version {}: there is no change to approve",
                approved.version
            )));
        }
    }
    Ok(())
}

/// What an approval writes into the document when its merge completes it.
pub(crate) struct Approval<'a> {
    /// The version put in force (the `| Version |` of what was signed).
    pub version: &'a str,
    /// The role of the chain's last step.
    pub approved_by: &'a str,
    /// The day of the completing commit (`None` only for a time no calendar has).
    pub effective: Option<chrono::NaiveDate>,
}

/// The document file `before` with `approval` written: approved, its version, the
/// date it takes effect, who approved it, its next review a cycle later, and no change
/// summary (the approval keeps it); every other line kept as written.
pub(crate) fn approval_recorded(id: &str, before: &str, approval: &Approval) -> Result<String> {
    let path = RecordKind::Document.path(id);
    let parsed = crate::format::parse_document(&path, id, before)
        .map_err(|mut e| Error::Invalid(e.remove(0)))?;
    let old = crate::format::emit_document(&parsed.record);
    let mut document = parsed.record.clone();
    document.status = Some(DocumentStatus::Approved);
    document.version = approval.version.to_string();
    document.approved_by = Some(approval.approved_by.to_string());
    document.effective = approval.effective;
    if let Some(next) = approval
        .effective
        .and_then(|e| document.next_review_after(e))
    {
        document.next_review = Some(next);
    }
    document.change_summary = None;
    let new = crate::format::emit_document(&document);
    Ok(crate::format::write_record(
        &new,
        &parsed.source.body,
        Some((&parsed.source, &old)),
    ))
}

/// The text at `commit` of the file at `path`, when there is one.
pub(crate) fn text_at(
    repo: &git2::Repository,
    commit: git2::Oid,
    path: &str,
) -> Result<Option<String>> {
    let tree = repo.find_commit(commit)?.tree()?;
    let Ok(entry) = tree.get_path(std::path::Path::new(path)) else {
        return Ok(None);
    };
    Ok(repo
        .find_blob(entry.id())
        .ok()
        .map(|b| String::from_utf8_lossy(b.content()).into_owned()))
}

/// What an approval's merge is made of: the request's claims.
pub(crate) struct ApprovalMerge<'a> {
    /// The request id, for messages.
    pub request: &'a str,
    /// The document's id.
    pub document: &'a str,
    /// The source commit the approval was rendered from.
    pub source: &'a str,
    /// The signed document's blob.
    pub report_blob: &'a str,
    /// The branch it merges into, for messages.
    pub into: &'a str,
}

impl ApprovalMerge<'_> {
    /// The document file that the merge into `target` writes, made from the file on
    /// `target`, with `approved_by` (the last step's role) and the completing commit's
    /// day. Refused when the document's text changed on `target` since the request was
    /// rendered: the approval would put in force text nobody signed.
    pub(crate) fn text(
        &self,
        repo: &git2::Repository,
        approved_by: &str,
        effective: Option<chrono::NaiveDate>,
        target: git2::Oid,
    ) -> Result<(String, String)> {
        let id = self.document;
        let path = RecordKind::Document.path(id);
        let at_source = Snapshot::at(repo, self.source)?;
        let at_target = Snapshot::at(repo, &target.to_string())?;
        let (then, now) = (document_in(&at_source, id)?, document_in(&at_target, id)?);
        if documents::approved_text_of(then) != documents::approved_text_of(now)
            || then.classification_or_internal() != now.classification_or_internal()
        {
            return Err(Error::Signoff(format!(
                "{id} changed on {} since it was put up for approval in {}; start a new request for what it says now",
                self.into, self.request
            )));
        }
        let signed = crate::git::read_checked(
            repo,
            git2::Oid::from_str(self.report_blob)?,
            git2::ObjectType::Blob,
        )?;
        let version = std::str::from_utf8(&signed)
            .ok()
            .and_then(documents::approved_document)
            .map(|a| a.version)
            .ok_or_else(|| {
                Error::Signoff(format!(
                    "the document signed in {} does not state the version it approves",
                    self.request
                ))
            })?;
        let before = text_at(repo, target, &path)?
            .ok_or_else(|| Error::Signoff(format!("{id} is not on {} any more", self.into)))?;
        let text = approval_recorded(
            id,
            &before,
            &Approval {
                version: &version,
                approved_by,
                effective,
            },
        )?;
        Ok((path, text))
    }
}

/// The person an audit report's `auditor` step is for: the audit's auditor at
/// `source`, and the reasons they are not independent of its scope (none when they
/// are). Refused unless the audit is completed there.
pub(crate) fn auditor_of(
    repo: &git2::Repository,
    source: git2::Oid,
    audit: &str,
) -> Result<(String, Vec<String>)> {
    let snapshot = Snapshot::at(repo, &source.to_string())?;
    let config: IsmsConfig = snapshot
        .config
        .clone()
        .ok_or_else(|| Error::Usage(format!("{} does not load", crate::domain::CONFIG_FILE)))?;
    let found = audit_in(&snapshot, audit)?;
    if found.status != crate::domain::AuditStatus::Completed {
        return Err(Error::Signoff(format!(
            "{audit} is {}, not completed; its report is signed once every item has its conclusion",
            found.status.as_str().replace('_', " ")
        )));
    }
    let pick = |f: fn(&AnyRecord) -> bool| -> Vec<&AnyRecord> {
        snapshot.records.values().filter(|r| f(r)).collect()
    };
    let controls: Vec<_> = pick(|r| matches!(r, AnyRecord::Control(_)))
        .into_iter()
        .filter_map(|r| match r {
            AnyRecord::Control(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let documents: Vec<_> = pick(|r| matches!(r, AnyRecord::Document(_)))
        .into_iter()
        .filter_map(|r| match r {
            AnyRecord::Document(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    Ok((
        found.auditor.clone(),
        found.independence_conflicts(&config, &controls, &documents),
    ))
}
