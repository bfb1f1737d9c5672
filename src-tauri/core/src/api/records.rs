//! One record, shown with everything derived from it (`isms show`; the app's editors
//! receive the same views).

use chrono::NaiveDate;
use serde::Serialize;

use super::{RiskView, SoaLine, TreatmentLine};
use crate::domain::{Assessment, Document};
use crate::isms::{AnyRecord, Isms, RecordKind, Revision};
use crate::{Error, Result};

/// A record with what is derived from it, by kind.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shown {
    /// A risk, as the editor shows it.
    Risk(Box<RiskView>),
    /// An SoA entry with the risks that cite it.
    Control(Box<SoaLine>),
    /// A treatment with its risks and late actions.
    Treatment(Box<TreatmentLine>),
    /// A controlled document.
    Document {
        /// The document as written.
        document: Box<Document>,
        /// Its file's revision.
        revision: Revision,
    },
    /// An assessment.
    Assessment {
        /// The assessment as written.
        assessment: Box<Assessment>,
        /// Its file's revision.
        revision: Revision,
    },
    /// An internal audit with its independence and findings.
    Audit(Box<super::AuditLine>),
    /// A finding with what it still needs before it may close.
    Nonconformity(Box<super::FindingLine>),
    /// An information security objective.
    Objective(Box<super::ObjectiveLine>),
    /// A supplier with what needs attention.
    Supplier(Box<super::SupplierLine>),
    /// A piece of evidence, with what its file is on disk.
    Evidence {
        /// The evidence as written.
        evidence: Box<crate::domain::Evidence>,
        /// Its file's revision.
        revision: Revision,
        /// What its evidence file is on disk, when it names one.
        file: Option<crate::domain::EvidenceFile>,
    },
    /// A management review.
    Review {
        /// The review as written.
        review: Box<crate::domain::Review>,
        /// Its file's revision.
        revision: Revision,
    },
}

impl Isms {
    /// Record `id` with what is derived from it, on `today`.
    pub fn show(&self, id: &str, today: NaiveDate) -> Result<Shown> {
        let opened = self.open_record(id)?;
        let missing = || Error::NotFound(id.to_string());
        Ok(match (opened.kind, opened.record) {
            (RecordKind::Risk, _) => Shown::Risk(Box::new(self.risk_view(id)?)),
            (RecordKind::Control, _) => Shown::Control(Box::new(
                self.soa(today)?
                    .lines
                    .into_iter()
                    .find(|l| l.entry.id == id)
                    .ok_or_else(missing)?,
            )),
            (RecordKind::Treatment, _) => Shown::Treatment(Box::new(
                self.treatment_plan(today)?
                    .treatments
                    .into_iter()
                    .find(|t| t.treatment.id == id)
                    .ok_or_else(missing)?,
            )),
            (_, AnyRecord::Document(document)) => Shown::Document {
                document: Box::new(document),
                revision: opened.revision,
            },
            (_, AnyRecord::Evidence(evidence)) => Shown::Evidence {
                file: evidence.file_path().map(|p| self.evidence_file(&p)),
                evidence: Box::new(evidence),
                revision: opened.revision,
            },
            (_, AnyRecord::Review(review)) => Shown::Review {
                review: Box::new(review),
                revision: opened.revision,
            },
            (_, AnyRecord::Assessment(assessment)) => Shown::Assessment {
                assessment: Box::new(assessment),
                revision: opened.revision,
            },
            (RecordKind::Audit, _) => Shown::Audit(Box::new(
                self.audit_programme(today)?
                    .audits
                    .into_iter()
                    .find(|a| a.audit.id == id)
                    .ok_or_else(missing)?,
            )),
            (RecordKind::Objective, _) => Shown::Objective(Box::new(
                self.objectives(today)?
                    .objectives
                    .into_iter()
                    .find(|o| o.objective.id == id)
                    .ok_or_else(missing)?,
            )),
            (RecordKind::Supplier, _) => Shown::Supplier(Box::new(
                self.suppliers(today)?
                    .suppliers
                    .into_iter()
                    .find(|s| s.supplier.id == id)
                    .ok_or_else(missing)?,
            )),
            (RecordKind::Nonconformity, _) => Shown::Nonconformity(Box::new(
                self.nonconformities(today)?
                    .findings
                    .into_iter()
                    .find(|n| n.finding.id == id)
                    .ok_or_else(missing)?,
            )),
            _ => return Err(missing()),
        })
    }
}
