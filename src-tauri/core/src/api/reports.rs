//! Reports for people: a preview in the app, a PDF exported to a file, and `isms
//! report` in markdown, HTML or PDF — of a commit, or as a sign-off signed it.

use serde::{Deserialize, Serialize};

use super::Session;
use crate::git::signing::REPORT_NAMESPACE;
use crate::report::{html, pdf, Report, ReportKind, ReportMeta};
use crate::signoff::VerifyOptions;
use crate::{Error, Isms, Result};

/// A report as the app previews it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReportPreview {
    /// Title, version, source commit and the rest of the document control; `None`
    /// before the first commit, when there is nothing to make a report from.
    pub meta: Option<ReportMeta>,
    /// The report body as sanitised HTML (empty before the first commit).
    pub html: String,
    /// The ISMS files changed since the last commit, which the report does not include.
    pub uncommitted: Vec<String>,
}

/// A report exported to a file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Exported {
    /// The file written.
    pub path: String,
    /// Its pages.
    pub pages: u32,
    /// Its size in bytes.
    pub bytes: u32,
    /// The commit it was made from.
    pub commit: crate::git::CommitId,
}

/// What a report is made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportSource {
    /// A commit, branch or tag.
    Revision(String),
    /// The document as sign-off request `id` signed it (`latest`: the last completed
    /// one of its kind), with the sign-off table filled in from the signatures.
    Signoff(String),
}

/// The file formats of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// The markdown that is signed.
    Markdown,
    /// A standalone HTML page that prints to A4.
    Html,
    /// An A4 PDF.
    Pdf,
}

/// `report` in `format`.
pub(crate) fn in_format(report: Report, format: ReportFormat) -> Result<RenderedReport> {
    let bytes = match format {
        ReportFormat::Markdown => report.markdown.clone().into_bytes(),
        ReportFormat::Html => html::document(&report).into_bytes(),
        ReportFormat::Pdf => pdf::render(&report)?.bytes,
    };
    Ok(RenderedReport {
        meta: report.meta,
        markdown: report.markdown,
        bytes,
    })
}

/// A report rendered to a file format.
pub struct RenderedReport {
    /// What the report says about itself.
    pub meta: ReportMeta,
    /// The markdown it was rendered from.
    pub markdown: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

impl Isms {
    /// A report of the last commit (HEAD), for the app's preview.
    pub fn report_preview(&self, kind: ReportKind) -> Result<ReportPreview> {
        let repo = crate::git::repository(self)?;
        let uncommitted = crate::git::changed_isms_paths(&repo)?;
        if crate::git::nothing_committed(&repo) {
            return Ok(ReportPreview {
                meta: None,
                html: String::new(),
                uncommitted,
            });
        }
        let report = self.report(kind, "HEAD")?;
        Ok(ReportPreview {
            html: html::body(&report.markdown),
            meta: Some(report.meta),
            uncommitted,
        })
    }

    /// Renders a report of HEAD as PDF and writes it atomically to `path` (outside
    /// the repository is fine: it is the person's chosen file).
    pub fn export_pdf(&self, kind: ReportKind, path: &std::path::Path) -> Result<Exported> {
        let report = self.report(kind, "HEAD")?;
        let pdf = pdf::render(&report)?;
        crate::fsio::write_atomic(path, &pdf.bytes)?;
        Ok(Exported {
            path: path.display().to_string(),
            pages: pdf.pages as u32,
            bytes: pdf.bytes.len() as u32,
            commit: report.meta.commit,
        })
    }

    /// Report `kind` from `source` in `format` (`isms report`).
    pub fn render_report(
        &self,
        kind: ReportKind,
        source: &ReportSource,
        format: ReportFormat,
    ) -> Result<RenderedReport> {
        let report = match source {
            ReportSource::Revision(rev) => self.report(kind, rev)?,
            ReportSource::Signoff(id) => self.as_signed(kind, id)?,
        };
        in_format(report, format)
    }

    /// What a sign-off of `kind` (about `subject`, for a kind about one record) signs,
    /// rendered from revision `rev` without signing anything: a controlled document's
    /// draft (with the revision history of its signed approvals), a management
    /// review's pack and record, an audit's report, the methodology, the security
    /// page's approval, the system description. `isms render`.
    pub fn render_subject(
        &self,
        kind: crate::signoff::SignoffKind,
        subject: Option<&str>,
        rev: &str,
        format: ReportFormat,
    ) -> Result<RenderedReport> {
        if let Some(problem) = kind.subject_problem(subject) {
            return Err(Error::Usage(problem));
        }
        let repo = crate::git::repository(self)?;
        let commit = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| Error::UnknownRevision(rev.to_string()))?;
        let markdown = crate::signoff::rendered_document(&repo, kind, subject, commit.id())?
            .ok_or_else(|| {
                Error::Usage(format!(
                    "`isms render` does not render a {} sign-off's document: `isms report` renders the reports, `isms signoff start` the others",
                    kind.as_str()
                ))
            })?;
        let revision = format!(
            "Draft from commit {}",
            crate::git::short_id(&commit.id().to_string())
        );
        let meta = crate::signoff::signed::meta_of(
            &repo,
            kind.as_str(),
            commit.id(),
            &markdown,
            revision,
        )?;
        let mut report = Report { meta, markdown };
        if kind == crate::signoff::SignoffKind::Document {
            // The approvals up to the commit rendered, never later ones.
            let verification = self.signoff_verify(&VerifyOptions {
                rev: Some(commit.id().to_string()),
                ..VerifyOptions::default()
            })?;
            let history = self.approved_versions(&verification, subject.unwrap_or_default())?;
            report
                .markdown
                .push_str(&super::documents::revision_history_markdown(&history));
        }
        in_format(report, format)
    }

    /// The document signed in sign-off `target` — a request id, or the path of a
    /// signed document (`reports/document/scope.md`) for its last completed sign-off —
    /// with its sign-off evidence; a controlled document also with its revision
    /// history from the signed approvals.
    pub fn render_signed(&self, target: &str, format: ReportFormat) -> Result<RenderedReport> {
        let verification = self.signoff_verify(&VerifyOptions::default())?;
        let request = match verification.request(target) {
            Some(r) => r,
            None => verification.latest_complete(target).ok_or_else(|| {
                Error::NotFound(format!(
                    "{target}: neither a sign-off request nor a document with a completed sign-off"
                ))
            })?,
        };
        let mut report = self.signed_report(request)?;
        if request.kind == crate::signoff::SignoffKind::Document.as_str() {
            let id = request.subject.clone().unwrap_or_default();
            let history = self.approved_versions(&verification, &id)?;
            report
                .markdown
                .push_str(&super::documents::revision_history_markdown(&history));
        }
        in_format(report, format)
    }

    /// Report `kind` as sign-off `id` signed it (`latest`: the last completed one).
    fn as_signed(&self, kind: ReportKind, id: &str) -> Result<Report> {
        let verification = self.signoff_verify(&VerifyOptions::default())?;
        let path = kind.path();
        let request = if id == "latest" {
            verification
                .latest_complete(&path)
                .ok_or_else(|| Error::Usage(format!("{path} has no completed sign-off yet")))?
        } else {
            verification
                .request(id)
                .filter(|r| r.report == path)
                .ok_or_else(|| Error::Usage(format!("no sign-off request {id} of {path}")))?
        };
        self.signed_report(request)
    }

    /// A detached signature of `bytes` in the `isms-report` namespace, by the session's
    /// key, and the email `ssh-keygen -Y verify` checks it against. The key is checked
    /// against the approved configuration first, so that nothing is written for a
    /// signature nobody could verify.
    pub fn report_signer(&self, session: &Session) -> Result<ReportSigner> {
        let signer = self.required_signer(session)?;
        let config = self.approved_config()?;
        let email = signer.holder(&config).map(|p| p.email.clone()).ok_or_else(|| {
            Error::Usage(format!(
                "your signing key {} is not authorised by the approved configuration, so nobody could verify the signature against .isms/allowed_signers; nothing was written",
                signer.public_key().fingerprint(Default::default())
            ))
        })?;
        Ok(ReportSigner { signer, email })
    }
}

/// A key checked to sign reports (see [`Isms::report_signer`]).
pub struct ReportSigner {
    signer: crate::git::signing::Signer,
    /// The email of the key's holder in the approved configuration.
    pub email: String,
}

impl ReportSigner {
    /// The armoured detached signature of `bytes`.
    pub fn sign(&self, bytes: &[u8]) -> Result<String> {
        self.signer.sign(REPORT_NAMESPACE, bytes)
    }

    /// The armoured detached signature of `bytes` in `namespace`.
    pub(crate) fn sign_in(&self, namespace: &str, bytes: &[u8]) -> Result<String> {
        self.signer.sign(namespace, bytes)
    }

    /// The `allowed_signers` line that lets `ssh-keygen -Y verify` check this key's
    /// signatures in `namespace`.
    pub(crate) fn allowed_signers_line(&self, namespace: &str) -> String {
        let public = self.signer.public_key();
        let key = public
            .to_openssh()
            .expect("a public key always has an OpenSSH form");
        let mut parts = key.split_whitespace();
        format!(
            "{} namespaces=\"{namespace}\" {} {}\n",
            self.email,
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default()
        )
    }
}
