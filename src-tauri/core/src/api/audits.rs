//! The Audits and Nonconformities screens (and `isms list audits|nonconformities`):
//! the audit programme with its coverage over the cycle, and the findings with what
//! each still needs before it may close. The rules are in [`crate::domain::audits`];
//! here they meet the repository.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::{
    audit_coverage, Audit, CoverageLine, Document, Evidence, EvidenceSubject, Nonconformity,
    Objective, Review, SoaEntry, STALE_AFTER_DAYS,
};
use crate::isms::{Isms, RecordKind, Revision};
use crate::{LoadError, Result};

/// One audit of the programme.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditLine {
    /// The audit as written.
    pub audit: Audit,
    /// Its file's revision.
    pub revision: Revision,
    /// Why its auditor is not independent of its scope (empty when independent).
    pub independence: Vec<String>,
    /// The findings its items raised.
    pub findings: Vec<String>,
    /// The evidence gathered for it (`EV-002 (2026-09-15)`), newest first.
    pub evidence: Vec<String>,
    /// The evidence about each item's control or finding, for the items that have
    /// some.
    pub item_evidence: Vec<ItemEvidence>,
    /// Its body as sanitised HTML.
    pub html: String,
}

/// The evidence about one audit item: about the control it audits, or the finding it
/// raised or follows up.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemEvidence {
    /// The item (`I2`).
    pub item: String,
    /// The evidence (`EV-002 (2026-09-15)`), newest first.
    pub evidence: Vec<String>,
}

/// The audit programme: every audit, newest first, and coverage over the cycle.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditProgramme {
    /// The day coverage is judged on.
    pub today: NaiveDate,
    /// The cycle in years (isms.yaml's `audit_cycle_years`).
    pub cycle_years: u32,
    /// The audits, the latest planned first.
    pub audits: Vec<AuditLine>,
    /// Each clause and applicable Annex A control, with the completed audits in the
    /// cycle that concluded on it.
    pub coverage: Vec<CoverageLine>,
    /// Requirements neither audited in the cycle nor in a planned audit's scope.
    pub gaps: Vec<String>,
    /// Audit files that do not load.
    pub errors: Vec<LoadError>,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FindingLine {
    /// The finding as written.
    pub finding: Nonconformity,
    /// Its file's revision.
    pub revision: Revision,
    /// What it still needs before it may close (empty for one that may, and for
    /// observations and opportunities).
    pub closure_blockers: Vec<String>,
    /// Its corrective actions that are open and past due.
    pub overdue: Vec<String>,
    /// Open for weeks with nothing planned.
    pub stale: bool,
    /// The evidence about it (`EV-002 (2026-09-15)`), newest first.
    pub evidence: Vec<String>,
    /// The audit and item that followed it up, when one has (`AUD-2026-02 I3`).
    pub followed_up_by: Option<String>,
    /// Its body as sanitised HTML.
    pub html: String,
}

/// The findings: open ones first (oldest first), then closed ones.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Nonconformities {
    /// The day overdue and stale are judged on.
    pub today: NaiveDate,
    /// The findings.
    pub findings: Vec<FindingLine>,
    /// Finding files that do not load.
    pub errors: Vec<LoadError>,
}

/// One information security objective.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ObjectiveLine {
    /// The objective as written.
    pub objective: Objective,
    /// Its file's revision.
    pub revision: Revision,
    /// Past its due date and judged neither achieved nor missed.
    pub overdue: bool,
}

/// The information security objectives (clause 6.2).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Objectives {
    /// The day overdue is judged on.
    pub today: NaiveDate,
    /// The objectives, by id.
    pub objectives: Vec<ObjectiveLine>,
    /// Objective files that do not load.
    pub errors: Vec<LoadError>,
}

/// One management review.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewLine {
    /// The review as written.
    pub review: Review,
    /// Its file's revision.
    pub revision: Revision,
}

/// The management reviews, newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Reviews {
    /// The reviews.
    pub reviews: Vec<ReviewLine>,
    /// Review files that do not load.
    pub errors: Vec<LoadError>,
}

/// A management review's pack, compiled from the last commit.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewPack {
    /// The pack as markdown.
    pub markdown: String,
    /// The pack as sanitised HTML.
    pub html: String,
}

impl Isms {
    /// The management reviews, newest first.
    pub fn reviews(&self) -> Result<Reviews> {
        let (reviews, errors) = self.records_of::<Review>(RecordKind::Review)?;
        let mut reviews: Vec<ReviewLine> = reviews
            .into_iter()
            .map(|(review, revision)| ReviewLine { review, revision })
            .collect();
        reviews.sort_by_key(|l| std::cmp::Reverse(l.review.held_on));
        Ok(Reviews { reviews, errors })
    }

    /// The pack of review `id` from the last commit, to read before the meeting.
    pub fn review_pack_view(&self, id: &str) -> Result<ReviewPack> {
        let markdown = self.review_pack(id, "HEAD")?;
        Ok(ReviewPack {
            html: crate::report::html::markdown(&markdown),
            markdown,
        })
    }

    /// The information security objectives on `today`.
    pub fn objectives(&self, today: NaiveDate) -> Result<Objectives> {
        let (objectives, errors) = self.records_of::<Objective>(RecordKind::Objective)?;
        let mut objectives: Vec<ObjectiveLine> = objectives
            .into_iter()
            .map(|(objective, revision)| ObjectiveLine {
                overdue: objective.overdue(today),
                objective,
                revision,
            })
            .collect();
        objectives.sort_by(|a, b| a.objective.id.cmp(&b.objective.id));
        Ok(Objectives {
            today,
            objectives,
            errors,
        })
    }

    /// The audit programme on `today`.
    pub fn audit_programme(&self, today: NaiveDate) -> Result<AuditProgramme> {
        let (audits, errors) = self.records_of::<Audit>(RecordKind::Audit)?;
        let controls: Vec<SoaEntry> = self
            .records_of::<SoaEntry>(RecordKind::Control)?
            .0
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let documents: Vec<Document> = self
            .records_of::<Document>(RecordKind::Document)?
            .0
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        let config = self.load_config().ok();
        let cycle_years = config
            .as_ref()
            .map_or(crate::domain::DEFAULT_AUDIT_CYCLE_YEARS, |c| {
                c.audit_cycle_years
            });
        let evidence = self.evidence_records()?;
        let all: Vec<Audit> = audits.iter().map(|(a, _)| a.clone()).collect();
        let coverage = audit_coverage(&all, &controls, today, cycle_years);
        let gaps = crate::domain::programme_gaps(&all, &coverage)
            .into_iter()
            .map(str::to_string)
            .collect();
        let mut lines: Vec<AuditLine> = audits
            .into_iter()
            .map(|(audit, revision)| AuditLine {
                independence: config
                    .as_ref()
                    .map(|c| audit.independence_conflicts(c, &controls, &documents))
                    .unwrap_or_default(),
                findings: audit
                    .items
                    .iter()
                    .filter_map(|i| i.finding.clone())
                    .collect(),
                evidence: mentions(&evidence, EvidenceSubject::Audit(&audit.id)),
                item_evidence: audit
                    .items
                    .iter()
                    .filter_map(|i| {
                        let mut found: Vec<String> = i
                            .control()
                            .map(|c| mentions(&evidence, EvidenceSubject::Control(c)))
                            .unwrap_or_default();
                        for f in i.finding.iter().chain(&i.follows_up) {
                            for m in mentions(&evidence, EvidenceSubject::Finding(f)) {
                                if !found.contains(&m) {
                                    found.push(m);
                                }
                            }
                        }
                        (!found.is_empty()).then(|| ItemEvidence {
                            item: i.id.clone(),
                            evidence: found,
                        })
                    })
                    .collect(),
                html: crate::report::html::markdown(&audit.body),
                audit,
                revision,
            })
            .collect();
        lines.sort_by(|a, b| {
            b.audit
                .planned_on
                .cmp(&a.audit.planned_on)
                .then(a.audit.id.cmp(&b.audit.id))
        });
        Ok(AuditProgramme {
            today,
            cycle_years,
            audits: lines,
            coverage,
            gaps,
            errors,
        })
    }

    /// The findings on `today`.
    pub fn nonconformities(&self, today: NaiveDate) -> Result<Nonconformities> {
        let (findings, errors) = self.records_of::<Nonconformity>(RecordKind::Nonconformity)?;
        let audits: Vec<Audit> = self
            .records_of::<Audit>(RecordKind::Audit)?
            .0
            .into_iter()
            .map(|(a, _)| a)
            .collect();
        let config = self.load_config().ok();
        let evidence = self.evidence_records()?;
        let mut lines: Vec<FindingLine> = findings
            .into_iter()
            .map(|(finding, revision)| FindingLine {
                closure_blockers: finding.closure_blockers(&audits, config.as_ref()),
                overdue: finding
                    .overdue_actions(today)
                    .map(|a| a.id.clone())
                    .collect(),
                stale: finding.stale(today, STALE_AFTER_DAYS),
                evidence: mentions(&evidence, EvidenceSubject::Finding(&finding.id)),
                followed_up_by: finding
                    .followed_up_by(&audits)
                    .map(|(a, i)| format!("{} {}", a.id, i.id)),
                html: crate::report::html::markdown(&finding.body),
                finding,
                revision,
            })
            .collect();
        lines.sort_by_key(|l| {
            (
                l.finding.status == crate::domain::FindingStatus::Closed,
                l.finding.raised_on,
                l.finding.id.clone(),
            )
        });
        Ok(Nonconformities {
            today,
            findings: lines,
            errors,
        })
    }
}

/// How the evidence about `subject` is listed: `EV-002 (2026-09-15)`, newest first.
fn mentions(evidence: &[Evidence], subject: EvidenceSubject) -> Vec<String> {
    crate::domain::evidence_about(evidence, subject)
        .iter()
        .map(|e| e.mention())
        .collect()
}
