//! The Documents screen (controlled documents: the policies, the scope, the
//! methodology) and the Assessments screen (the dated annual risk assessments, and
//! starting the next one).

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::domain::{latest_assessment, Assessment, Document};
use crate::format::edit::{Assignment, Operation};
use crate::format::emit::double_quoted;
use crate::isms::{Isms, RecordKind, Revision};
use crate::store::Saved;
use crate::{Error, LoadError, Result};

/// One controlled document on the Documents screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DocumentLine {
    /// The document as written.
    pub document: Document,
    /// Its file, relative to the root.
    pub path: String,
    /// Its file's revision; hand it back with the next save.
    pub revision: Revision,
    /// The date its review was due, when that has passed.
    pub review_overdue: Option<NaiveDate>,
    /// Its body as sanitised HTML.
    pub html: String,
    /// Where it stands (`Document::status`).
    pub status: crate::domain::DocumentStatus,
    /// Its signed approval in force (`reports/document/<id>.md`), if it has one.
    pub approved: Option<crate::domain::ApprovedDocument>,
    /// The version an approval now would put in force, when its text differs from the
    /// approval in force (or it has none): it is a draft of that version.
    pub draft_of: Option<String>,
    /// What changed since the approved version: lines prefixed `+ `, `- ` or `  `.
    pub diff: Vec<String>,
}

/// Why a document is in the review queue.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueuedDocument {
    /// The document's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Why it waits: "put up for approval", "changed since version 1.2 was approved",
    /// "review due 2027-01-15".
    pub why: String,
}

/// How many days ahead a review due shows in the queue.
pub const REVIEW_QUEUE_DAYS: i64 = 30;

/// The Documents screen: overdue reviews first, then by next review, withdrawn last.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Documents {
    /// The day overdue is judged against.
    pub today: NaiveDate,
    /// The documents.
    pub documents: Vec<DocumentLine>,
    /// What waits for the ISM: documents up for approval, changed since approval, or
    /// with a review due within [`REVIEW_QUEUE_DAYS`] days.
    pub queue: Vec<QueuedDocument>,
    /// Documents that do not load.
    pub errors: Vec<LoadError>,
}

/// One approved version of a controlled document, read from its signed approval: the
/// revision history, never typed by hand.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApprovedVersion {
    /// The version put in force.
    pub version: String,
    /// The day the approval completed (its last step).
    pub date: String,
    /// Who approved it, and in which role: "Maja Thorsen (Chief Executive Officer)".
    pub approved_by: String,
    /// The change it brought, as the approval states it.
    pub change: Option<String>,
    /// The sign-off request.
    pub signoff: String,
}

/// Why `line` waits in the review queue on `today`, if it does.
fn queued(line: &DocumentLine, today: NaiveDate) -> Option<QueuedDocument> {
    use crate::domain::DocumentStatus;
    let d = &line.document;
    let why = match (line.status, &line.approved) {
        (DocumentStatus::Withdrawn, _) => return None,
        (DocumentStatus::InReview, _) => format!(
            "put up for approval as version {}",
            line.draft_of.as_deref().unwrap_or(&d.version)
        ),
        (_, Some(a)) if line.draft_of.is_some() => {
            format!("changed since version {} was approved", a.version)
        }
        _ => match d.next_review {
            Some(due) if (due - today).num_days() <= REVIEW_QUEUE_DAYS => {
                if due < today {
                    format!("review overdue since {due}")
                } else {
                    format!("review due {due}")
                }
            }
            _ => return None,
        },
    };
    Some(QueuedDocument {
        id: d.id.clone(),
        title: d.title.clone(),
        why,
    })
}

/// The lines of `before` and `after` as a diff with two lines of context: `+ `, `- `
/// or two spaces, and `…` between distant changes.
fn diff_lines(before: &str, after: &str) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut out = Vec::new();
    for (i, group) in diff.grouped_ops(2).iter().enumerate() {
        if i > 0 {
            out.push("…".to_string());
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => "- ",
                    similar::ChangeTag::Insert => "+ ",
                    similar::ChangeTag::Equal => "  ",
                };
                out.push(format!("{sign}{}", change.value().trim_end_matches('\n')));
            }
        }
    }
    out
}

/// The revision history as a markdown section of the document's PDF.
pub fn revision_history_markdown(history: &[ApprovedVersion]) -> String {
    let cell = crate::report::markdown::cell;
    let mut out = String::from("\n## Revision history\n\n");
    if history.is_empty() {
        out.push_str("No version of this document has a signed approval yet.\n");
        return out;
    }
    out.push_str("Read from the signed approvals in git, oldest first.\n\n| Version | Approved on | Approved by | Change | Sign-off |\n|---|---|---|---|---|\n");
    for v in history {
        out.push_str(&format!(
            "| {} | {} | {} | {} | `{}` |\n",
            cell(&v.version),
            v.date,
            cell(&v.approved_by),
            cell(v.change.as_deref().unwrap_or("—")),
            v.signoff
        ));
    }
    out
}

/// One assessment on the Assessments screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssessmentLine {
    /// The assessment as written.
    pub assessment: Assessment,
    /// Its file, relative to the root.
    pub path: String,
    /// Its file's revision; hand it back with the next save.
    pub revision: Revision,
    /// It is the current assessment (`domain::latest_assessment`), the one the report
    /// and the checks use.
    pub current: bool,
    /// Its body as sanitised HTML.
    pub html: String,
}

/// The Assessments screen, newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Assessments {
    /// The assessments.
    pub assessments: Vec<AssessmentLine>,
    /// The methodology version isms.yaml states now; an assessment names the one it used.
    pub methodology_version: Option<String>,
    /// When isms.yaml says the next assessment is due.
    pub next_due: Option<NaiveDate>,
    /// Assessments that do not load.
    pub errors: Vec<LoadError>,
}

impl Isms {
    /// The signed approvals of document `id` that completed, oldest first.
    pub fn approved_versions(
        &self,
        verification: &crate::signoff::Verification,
        id: &str,
    ) -> Result<Vec<ApprovedVersion>> {
        let repo = crate::git::repository(self)?;
        let mut out = Vec::new();
        for r in verification.requests.iter().filter(|r| {
            r.kind == crate::signoff::SignoffKind::Document.as_str()
                && r.subject.as_deref() == Some(id)
                && r.state == crate::signoff::RequestState::Complete
        }) {
            let Ok(blob) = git2::Oid::from_str(&r.report_blob)
                .map_err(Error::from)
                .and_then(|b| crate::git::read_checked(&repo, b, git2::ObjectType::Blob))
            else {
                continue;
            };
            let Some(approved) = std::str::from_utf8(&blob)
                .ok()
                .and_then(crate::domain::ApprovedDocument::read)
            else {
                continue;
            };
            let last = r.steps.last();
            let (date, approved_by) = match last.map(|s| (&s.state, &s.role_title)) {
                Some((crate::signoff::StepState::Done { date, person, .. }, role)) => (
                    date.get(..10).unwrap_or(date).to_string(),
                    format!("{person} ({role})"),
                ),
                _ => continue,
            };
            out.push(ApprovedVersion {
                version: approved.version,
                date,
                approved_by,
                change: approved.change,
                signoff: r.id.clone(),
            });
        }
        Ok(out)
    }

    /// The Documents screen for `today`.
    pub fn documents(&self, today: NaiveDate) -> Result<Documents> {
        let (documents, errors) = self.records_of::<Document>(RecordKind::Document)?;
        let mut documents: Vec<DocumentLine> = documents
            .into_iter()
            .map(|(document, revision)| {
                let approved = self
                    .read_bytes(&crate::signoff::SignoffKind::Document.path(Some(&document.id)))
                    .ok()
                    .flatten()
                    .and_then(|b| String::from_utf8(b).ok())
                    .and_then(|t| crate::domain::ApprovedDocument::read(&t));
                // A document approved before its approvals were signed is in force as
                // written; one with a signed approval is a draft once its text differs.
                let changed = match &approved {
                    Some(a) => a.changed_in(&document),
                    None => matches!(
                        document.status(),
                        crate::domain::DocumentStatus::Draft
                            | crate::domain::DocumentStatus::InReview
                    ),
                };
                let diff = match &approved {
                    Some(a) if changed => {
                        let mut lines = Vec::new();
                        let now = document.classification_or_internal();
                        if a.classification != now {
                            lines.push(format!("- classification: {}", a.classification));
                            lines.push(format!("+ classification: {now}"));
                        }
                        lines.extend(diff_lines(
                            &a.text,
                            &crate::domain::approved_text_of(&document),
                        ));
                        lines
                    }
                    _ => Vec::new(),
                };
                DocumentLine {
                    path: RecordKind::Document.path(&document.id),
                    review_overdue: document.review_overdue(today),
                    html: crate::report::html::markdown(&document.body),
                    status: document.status(),
                    draft_of: changed.then(|| {
                        document.version_for_approval(approved.as_ref().map(|a| a.version.as_str()))
                    }),
                    approved,
                    diff,
                    document,
                    revision,
                }
            })
            .collect();
        documents.sort_by_key(|d| {
            (
                d.document.withdrawn_on.is_some(),
                d.review_overdue.is_none(),
                d.document.next_review.unwrap_or(NaiveDate::MAX),
                d.document.id.clone(),
            )
        });
        let queue = documents.iter().filter_map(|l| queued(l, today)).collect();
        Ok(Documents {
            today,
            documents,
            queue,
            errors,
        })
    }

    /// The Assessments screen.
    pub fn assessments(&self) -> Result<Assessments> {
        let (assessments, errors) = self.records_of::<Assessment>(RecordKind::Assessment)?;
        let current = latest_assessment(assessments.iter().map(|(a, _)| a)).map(|a| a.id.clone());
        let mut lines: Vec<AssessmentLine> = assessments
            .into_iter()
            .map(|(assessment, revision)| AssessmentLine {
                path: RecordKind::Assessment.path(&assessment.id),
                current: current.as_deref() == Some(assessment.id.as_str()),
                html: crate::report::html::markdown(&assessment.body),
                assessment,
                revision,
            })
            .collect();
        lines.sort_by(|a, b| {
            (b.assessment.performed_on, &b.assessment.id)
                .cmp(&(a.assessment.performed_on, &a.assessment.id))
        });
        let config = self.load_config().ok();
        Ok(Assessments {
            assessments: lines,
            methodology_version: config.as_ref().map(|c| c.methodology.version.clone()),
            next_due: config.map(|c| c.assessment.next),
            errors,
        })
    }

    /// Starts the annual assessment performed on `performed_on` (`assessments/<year>.md`)
    /// under the methodology version isms.yaml states now. The current assessment's
    /// themes, deferred domains and improvement items are carried over for review, and
    /// its domains in scope stay in scope; the evidence starts empty.
    pub fn start_next_assessment(&self, performed_on: NaiveDate) -> Result<Saved> {
        let (assessments, _) = self.records_of::<Assessment>(RecordKind::Assessment)?;
        let previous = latest_assessment(assessments.iter().map(|(a, _)| a));
        let id = performed_on.year().to_string();
        let path = RecordKind::Assessment.path(&id);
        if assessments.iter().any(|(a, _)| a.id == id) || self.read_bytes(&path)?.is_some() {
            return Err(Error::Exists(path));
        }
        if let Some(p) = previous.filter(|p| p.performed_on >= performed_on) {
            return Err(Error::invalid(
                &path,
                "performed_on",
                format!(
                    "the next assessment comes after the current one ({}, performed on {})",
                    p.id, p.performed_on
                ),
            ));
        }
        let version = self
            .load_config()
            .map_err(|mut errors| Error::Invalid(errors.remove(0)))?
            .methodology
            .version;
        let list = |items: &[String]| {
            format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| double_quoted(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let set = |field: &str, value: String| Assignment {
            path: vec![field.to_string()],
            operation: Operation::Set,
            value,
        };
        let mut fields = vec![
            set("title", format!("Annual risk assessment {id}")),
            set("performed_on", performed_on.to_string()),
            set("methodology_version", version),
        ];
        let mut body = String::from("\n## Summary\n\n\n## Approach\n\n\n## Conclusion\n\n");
        if let Some(p) = previous {
            fields.push(set("domains_in_scope", list(&p.domains_in_scope)));
            fields.push(set("domains_deferred", list(&p.domains_deferred)));
            fields.push(set("improvements", list(&p.improvements)));
            let themes: Vec<String> = p
                .themes
                .iter()
                .map(|t| {
                    format!(
                        "{{id: {}, title: {}}}",
                        double_quoted(&t.id),
                        double_quoted(&t.title)
                    )
                })
                .collect();
            fields.push(set("themes", format!("[{}]", themes.join(", "))));
            body = format!(
                "\n## Carried over from {}\n\nThe themes, the deferred domains and the improvement items above come from the {} assessment, for review: keep what still holds, bring deferred domains into scope as their workshops take place, and close the improvements that are done.\n{body}",
                p.id, p.id
            );
        }
        self.create(RecordKind::Assessment, Some(&id), &fields, Some(&body))
    }
}
