//! Reports: the annual risk assessment report, the Statement of Applicability, the risk
//! treatment plan and the confidential risk register for auditors (ARCHITECTURE.md, "Code map").
//!
//! A report is always rendered from a commit, never from unsaved edits, so that what
//! the CEO signs and what the auditor reads can be traced to one state of the
//! repository. The pipeline has three steps, each deterministic:
//!
//! 1. `model` reads the records at the commit and computes everything a report says
//!    (scores, bands, counts, SoA justifications) into a plain context;
//! 2. a template in `templates/reports/` turns the context into markdown, the record
//!    that gets signed and committed under `reports/`;
//! 3. [`html`] and [`pdf`] render that markdown for a preview and for the auditor.
//!
//! Nothing in a report depends on the clock or the machine: dates come from the
//! commit, and the PDF's identifiers are derived from the commit, so the same commit
//! and options give the same bytes.

pub mod compare;
pub mod documents;
pub mod heatmap;
pub mod html;
pub(crate) mod markdown;
pub(crate) mod model;
pub mod oscal;
pub mod pdf;
pub mod review;
pub mod site;
pub mod soc2;
pub mod system;

use serde::{Deserialize, Serialize};

use crate::domain::words::words;

use crate::git::changes::{between, Changes, Snapshot};
use crate::{Error, Isms, Result};

pub use crate::isms::REPORTS_FOLDER;

/// The four reports.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ReportKind {
    /// The annual risk assessment report, at posture level.
    RiskAssessment,
    /// The Statement of Applicability: all 93 Annex A controls.
    Soa,
    /// The risk treatment plan: treatments, actions, owners and dates.
    TreatmentPlan,
    /// Every field of every risk, for auditors under non-disclosure.
    Register,
}
words!(ReportKind);

impl ReportKind {
    /// The report's title, as printed on its cover.
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::RiskAssessment => "Risk Assessment Report",
            ReportKind::Soa => "Statement of Applicability",
            ReportKind::TreatmentPlan => "Risk Treatment Plan",
            ReportKind::Register => "Risk Register",
        }
    }

    /// Who may read it: the register holds scoring rationale and internal notes.
    pub fn classification(self) -> &'static str {
        match self {
            ReportKind::Register => "Confidential",
            _ => "Internal",
        }
    }

    /// Where a rendered report put up for sign-off lives in the repository.
    pub fn path(self) -> String {
        format!("{REPORTS_FOLDER}/{}.md", self.as_str())
    }
}

/// What a report states about itself, for page headers, footers and file metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReportMeta {
    /// Which report or signed document: a report's kind (`soa`), or the sign-off kind
    /// of a signed document (`document`, `management-review`, `audit-report`).
    pub kind: String,
    /// The full title, e.g. "Risk Assessment Report 2026".
    pub title: String,
    /// The organisation's name.
    pub organisation: String,
    /// "Internal" or "Confidential".
    pub classification: String,
    /// The version: the number of commits in the source commit's history.
    pub version: String,
    /// The source commit.
    pub commit: crate::git::CommitId,
    /// The source commit's date (its committer time, in its own offset), `YYYY-MM-DD`.
    pub date: String,
    /// The source commit's time as seconds since the epoch (for PDF metadata).
    pub time: i64,
    /// The tool and version that rendered it.
    pub tool: String,
}

/// A rendered report: its markdown and what it says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    /// Header, footer and metadata facts.
    pub meta: ReportMeta,
    /// The report as markdown: the thing that gets signed.
    pub markdown: String,
}

/// The tool name and version every report states.
pub fn tool() -> String {
    format!("ISMS Desk {}", env!("CARGO_PKG_VERSION"))
}

impl Isms {
    /// Renders report `kind` from revision `rev` (a commit, branch or tag).
    ///
    /// Refused when any record file at that commit does not load: a report that left
    /// records out silently could not be trusted to be complete.
    pub fn report(&self, kind: ReportKind, rev: &str) -> Result<Report> {
        let repo = crate::git::repository(self)?;
        let commit = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| Error::UnknownRevision(rev.to_string()))?;
        render(&repo, kind, commit.id()).map_err(|e| match e {
            Error::IncompleteSource { errors, .. } => Error::IncompleteSource {
                rev: rev.to_string(),
                errors,
            },
            other => other,
        })
    }
}

/// Renders report `kind` from `commit`: the one way a report is made, for the app,
/// the command line, sign-off and verification (which renders a signed report again
/// to compare).
pub fn render(repo: &git2::Repository, kind: ReportKind, commit: git2::Oid) -> Result<Report> {
    let commit = repo.find_commit(commit)?;
    let commit_id = commit.id().to_string();
    let snapshot = Snapshot::complete_at(repo, &commit_id)?;
    let mut walk = repo.revwalk()?;
    walk.push(commit.id())?;
    let revision = walk.count();
    let time = commit.committer().when();
    let previous = previous_report(repo, kind, &snapshot, &commit_id)?;
    // Risks still scored under an earlier methodology are shown with their ratings
    // there, as the history up to this commit defines that version.
    let earlier = match snapshot
        .config
        .as_ref()
        .and_then(|c| c.methodology.rescoring.as_ref())
    {
        Some(r) => crate::git::earlier_methodology(repo, commit.id(), &r.from)?,
        None => None,
    };
    let source = model::Source {
        commit: commit.id().into(),
        revision,
        time: time.seconds(),
        offset_minutes: time.offset_minutes(),
        tool: tool(),
        earlier,
    };
    let (meta, markdown) = model::render(kind, &snapshot, &source, previous.as_ref())?;
    Ok(Report { meta, markdown })
}

/// The report of the same kind last put up for sign-off (`reports/<kind>.md` at the
/// source commit), and what changed in the records since the commit it was made from.
pub(crate) struct Previous {
    pub commit: crate::git::CommitId,
    pub date: String,
    pub changes: Changes,
}

fn previous_report(
    repo: &git2::Repository,
    kind: ReportKind,
    now: &Snapshot,
    commit: &str,
) -> Result<Option<Previous>> {
    let tree = repo.find_commit(git2::Oid::from_str(commit)?)?.tree()?;
    let Ok(entry) = tree.get_path(std::path::Path::new(&kind.path())) else {
        return Ok(None);
    };
    let blob = repo.find_blob(entry.id())?;
    let text = String::from_utf8_lossy(blob.content());
    let Some(source) = markdown::source_commit_of(&text) else {
        return Ok(None);
    };
    let Ok(then) = repo.find_commit(git2::Oid::from_str(&source)?) else {
        return Err(Error::UnknownRevision(format!(
            "{source} (named as the source of {})",
            kind.path()
        )));
    };
    let when = then.committer().when();
    let date = model::commit_date(when.seconds(), when.offset_minutes());
    let before = Snapshot::at(repo, &source)?;
    let changes = between(&source, &before, commit, now);
    Ok(Some(Previous {
        date,
        commit: then.id().into(),
        changes,
    }))
}
