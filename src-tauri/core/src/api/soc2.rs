//! The SOC 2 view (and `isms soc2`): each criterion in scope with the controls that
//! address it, their SoA status, owners and evidence notes, and whether it is covered;
//! and the criteria-to-controls matrix of a commit as a report. The rules are in
//! [`crate::domain::soc2`]; the mapping ships in `templates/soc2/`.

use serde::Serialize;

use super::reports::{in_format, RenderedReport, ReportFormat};
use crate::domain::{ControlStatus, Coverage, CriterionCoverage, MappingLink, Soc2Category};
use crate::isms::Isms;
use crate::report::Report;
use crate::{Error, LoadError, Result};

/// A control (or clause) that addresses a criterion, with its SoA entry.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CriterionControl {
    /// The link.
    pub link: MappingLink,
    /// The control's title (the clause's, for a clause).
    pub title: String,
    /// Whether the SoA has it applicable (`None` for a clause).
    pub applicable: Option<bool>,
    /// Its SoA status (`None` for a clause).
    pub status: Option<ControlStatus>,
    /// Its owner.
    pub owner: Option<String>,
    /// Where its evidence is, as the SoA says.
    pub evidence: Vec<String>,
    /// The evidence records about it (`EV-002 (2026-09-15)`), newest first.
    pub evidence_records: Vec<String>,
}

/// One criterion in scope.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CriterionLine {
    /// The criterion, its links and its coverage.
    pub criterion: CriterionCoverage,
    /// The controls that address it.
    pub controls: Vec<CriterionControl>,
}

/// The SOC 2 view.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Soc2View {
    /// The categories in scope (Security first); empty when isms.yaml has no `soc2:`.
    pub in_scope: Vec<Soc2Category>,
    /// The criteria in scope, in the criteria's order.
    pub criteria: Vec<CriterionLine>,
    /// Problems of the ISMS's own mapping file, each with its line and column.
    pub errors: Vec<LoadError>,
}

impl Isms {
    /// The SOC 2 view of the working tree.
    pub fn soc2_view(&self) -> Result<Soc2View> {
        let loaded = self.load()?;
        let r = &loaded.records;
        let Some(categories) = r.config.as_ref().and_then(|c| c.soc2_categories.clone()) else {
            return Ok(Soc2View {
                in_scope: Vec::new(),
                criteria: Vec::new(),
                errors: Vec::new(),
            });
        };
        let links = r.soc2_links();
        let annex_a = crate::catalogue::annex_a();
        let criteria = crate::domain::coverage(
            &crate::catalogue::soc2_criteria(),
            &links,
            &r.controls,
            &categories,
        )
        .into_iter()
        .map(|c| CriterionLine {
            controls: c
                .links
                .iter()
                .map(|l| {
                    let entry = r.controls.iter().find(|e| e.id == l.control);
                    let clause = l.control.strip_prefix("clause ");
                    let title = match (entry, clause) {
                        (Some(e), _) => e.title.clone(),
                        (None, Some(c)) => crate::domain::CLAUSES
                            .iter()
                            .find(|(id, _)| *id == c)
                            .map_or_else(String::new, |(_, t)| (*t).to_string()),
                        (None, None) => annex_a
                            .iter()
                            .find(|a| a.id == l.control)
                            .map_or_else(String::new, |a| a.title.clone()),
                    };
                    CriterionControl {
                        link: l.clone(),
                        title,
                        applicable: entry.map(|e| e.applicable),
                        status: entry.map(|e| e.status),
                        owner: entry.and_then(|e| e.owner.clone()),
                        evidence: entry.map(|e| e.evidence.clone()).unwrap_or_default(),
                        evidence_records: crate::domain::evidence_about(
                            &r.evidence,
                            crate::domain::EvidenceSubject::Control(&l.control),
                        )
                        .iter()
                        .map(|e| e.mention())
                        .collect(),
                    }
                })
                .collect(),
            criterion: c,
        })
        .collect();
        let mut in_scope = vec![Soc2Category::Security];
        in_scope.extend(
            categories
                .into_iter()
                .filter(|c| *c != Soc2Category::Security),
        );
        let errors = loaded
            .errors
            .into_iter()
            .filter(|e| e.path == crate::domain::SOC2_MAPPING_FILE)
            .collect();
        Ok(Soc2View {
            in_scope,
            criteria,
            errors,
        })
    }

    /// The criteria-to-controls matrix of revision `rev`, in `format`.
    pub fn soc2_matrix(&self, rev: &str, format: ReportFormat) -> Result<RenderedReport> {
        let repo = crate::git::repository(self)?;
        let commit = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| Error::UnknownRevision(rev.to_string()))?;
        let markdown = crate::report::soc2::matrix(&repo, commit.id())?;
        let meta = crate::signoff::signed::meta_of(
            &repo,
            "soc2",
            commit.id(),
            &markdown,
            format!(
                "From commit {}",
                crate::git::short_id(&commit.id().to_string())
            ),
        )?;
        in_format(Report { meta, markdown }, format)
    }
}

impl CriterionLine {
    /// Whether no applicable control addresses it.
    pub fn is_gap(&self) -> bool {
        self.criterion.coverage == Coverage::Gap
    }
}
