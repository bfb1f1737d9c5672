//! The risk editor: a risk with its derived ratings, narrative sections and links; and
//! the reference data every editing screen's pickers offer.

use std::collections::BTreeMap;

use serde::Serialize;

use super::register::RiskLink;
use super::{choice, methodology_of};
use crate::catalogue::{self, AnnexAControl};
use crate::domain::{
    sections, ActionStatus, AuditStatus, Conclusion, ControlStatus, Decision, Effectiveness,
    FindingSource, FindingStatus, Grade, InclusionReason, IsmsConfig, Methodology, Rating, Risk,
    RiskStatus, TreatmentOption, INTERNAL_SECTIONS, RISK_SECTIONS, SCORING_RATIONALE,
};
use crate::isms::{AnyRecord, Isms, RecordKind, Revision};
use crate::report::ReportKind;
use crate::signoff::SignoffKind;
use crate::store::Saved;
use crate::{Error, Result};

/// An id and the words a person reads for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Choice {
    /// The id written in files.
    pub id: String,
    /// What it is called.
    pub label: String,
}

/// A report the app can preview and export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReportChoice {
    /// Which report.
    pub kind: ReportKind,
    /// Its title, as on its cover.
    pub title: String,
    /// Who may read it.
    pub classification: String,
}

/// A kind of document that can be put up for sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignoffChoice {
    /// Which kind.
    pub kind: SignoffKind,
    /// What it is called in messages.
    pub title: String,
}

/// The words and catalogues the app's pickers offer: the methodology, the people and
/// roles, the domains and themes, the Annex A catalogue and the fixed vocabularies.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Reference {
    /// The organisation's name.
    pub organisation: String,
    /// The repository root, as the operating system names it.
    pub root: String,
    /// The scoring methodology: scales with definitions, and bands.
    pub methodology: Methodology,
    /// The rating of every likelihood × impact, `ratings[impact - 1][likelihood - 1]`:
    /// what a picker shows for a choice before it is saved, looked up, never worked out.
    pub ratings: Vec<Vec<Rating>>,
    /// Roles: `(id, title)`.
    pub roles: Vec<Choice>,
    /// Risk domains: `(id, name)`.
    pub domains: Vec<Choice>,
    /// Themes from the latest assessment: `(id, title)`.
    pub themes: Vec<Choice>,
    /// The 93 Annex A controls.
    pub annex_a: Vec<AnnexAControl>,
    /// Risk status words.
    pub risk_statuses: Vec<RiskStatus>,
    /// Treatment option words.
    pub treatment_options: Vec<TreatmentOption>,
    /// SoA implementation status words.
    pub control_statuses: Vec<ControlStatus>,
    /// Treatment action status words.
    pub action_statuses: Vec<ActionStatus>,
    /// Why a control is included besides the risks citing it: `(word, label)`.
    pub inclusion_reasons: Vec<Choice>,
    /// Management's decisions on a treatment.
    pub decisions: Vec<Decision>,
    /// The people of isms.yaml, by name (auditors).
    pub people: Vec<String>,
    /// Where an audit stands.
    pub audit_statuses: Vec<AuditStatus>,
    /// Where a controlled document stands.
    pub document_statuses: Vec<crate::domain::DocumentStatus>,
    /// Who may read a document.
    pub classifications: Vec<crate::domain::Classification>,
    /// What an audit concludes of an item.
    pub conclusions: Vec<Conclusion>,
    /// A finding's grades.
    pub grades: Vec<Grade>,
    /// Where a finding comes from.
    pub finding_sources: Vec<FindingSource>,
    /// Where a finding stands.
    pub finding_statuses: Vec<FindingStatus>,
    /// What an effectiveness review finds.
    pub effectiveness_results: Vec<Effectiveness>,
    /// The clauses 4–10 with requirements: `(id, title)`.
    pub clauses: Vec<Choice>,
    /// The body sections of a risk, in order.
    pub risk_sections: Vec<String>,
    /// The sections that only the confidential register shows.
    pub internal_sections: Vec<String>,
    /// The section that explains a risk's score, shown beside it.
    pub scoring_rationale: String,
    /// The reports, in the order the app offers them.
    pub reports: Vec<ReportChoice>,
    /// The kinds of sign-off, in the order the app offers them.
    pub signoff_kinds: Vec<SignoffChoice>,
}

/// One `##` section of a record's narrative, as written and as sanitised HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Section {
    /// The heading (empty for text before the first heading).
    pub heading: String,
    /// The markdown as written.
    pub markdown: String,
    /// The markdown as sanitised HTML, safe to show.
    pub html: String,
    /// Whether only the confidential register shows it.
    pub internal: bool,
}

/// A risk opened in the editor.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskView {
    /// Its file, relative to the root.
    pub path: String,
    /// The file's revision; hand it back with the next save.
    pub revision: Revision,
    /// The record as written.
    pub risk: Risk,
    /// The inherent rating, when scored.
    pub inherent: Option<Rating>,
    /// The residual rating, when scored.
    pub residual: Option<Rating>,
    /// The narrative: the standard sections in order (empty ones included), then any
    /// other sections as written.
    pub sections: Vec<Section>,
    /// The related risks.
    pub related: Vec<RiskLink>,
    /// Treatments that name this risk: `(id, title)`.
    pub treatments: Vec<Choice>,
    /// The findings that prompted it or cite it (`domain::findings_about_risk`).
    pub findings: Vec<Choice>,
    /// What changed since the risk's acceptance was signed ("likelihood 2 → 5"):
    /// the acceptance no longer covers it. Empty when there is no signed acceptance or
    /// nothing changed.
    pub acceptance_stale: Vec<String>,
    /// What changed in the scoring since the last commit while the scoring rationale
    /// stayed the same ("likelihood 2 → 4"): the rationale is due for review
    /// (`Risk::rationale_review`). Empty when there is nothing to review.
    pub rationale_review: Vec<String>,
    /// When the risk is scored under a methodology version no longer in force: its
    /// ratings there, and the levels the mapping proposes under the one in force.
    pub rescore: Option<crate::domain::Rescore>,
}

impl Isms {
    /// What the pickers offer.
    pub fn reference(&self) -> Result<Reference> {
        let config: IsmsConfig = self
            .load_config()
            .map_err(|mut errors| Error::Invalid(errors.remove(0)))?;
        let (assessments, _) =
            self.records_of::<crate::domain::Assessment>(RecordKind::Assessment)?;
        let themes = crate::domain::latest_assessment(assessments.iter().map(|(a, _)| a))
            .map(|a| a.themes.iter().map(|t| choice(&t.id, &t.title)).collect())
            .unwrap_or_default();
        let words = |all: &[&str]| all.iter().map(|w| w.to_string()).collect();
        let ratings = config.methodology.grid();
        Ok(Reference {
            organisation: config.organisation.name.clone(),
            root: self.root().display().to_string(),
            roles: config
                .roles
                .iter()
                .map(|r| choice(&r.id, &r.title))
                .collect(),
            domains: config
                .domains
                .iter()
                .map(|d| choice(&d.id, &d.name))
                .collect(),
            themes,
            ratings,
            methodology: config.methodology,
            annex_a: catalogue::annex_a(),
            risk_statuses: RiskStatus::ALL.to_vec(),
            treatment_options: TreatmentOption::ALL.to_vec(),
            control_statuses: ControlStatus::ALL.to_vec(),
            action_statuses: ActionStatus::ALL.to_vec(),
            inclusion_reasons: InclusionReason::ALL
                .iter()
                .map(|r| choice(r.as_str(), r.label()))
                .collect(),
            decisions: Decision::ALL.to_vec(),
            people: config.people.iter().map(|p| p.name.clone()).collect(),
            audit_statuses: AuditStatus::ALL.to_vec(),
            document_statuses: crate::domain::DocumentStatus::ALL.to_vec(),
            classifications: crate::domain::Classification::ALL.to_vec(),
            conclusions: Conclusion::ALL.to_vec(),
            grades: Grade::ALL.to_vec(),
            finding_sources: FindingSource::ALL.to_vec(),
            finding_statuses: FindingStatus::ALL.to_vec(),
            effectiveness_results: Effectiveness::ALL.to_vec(),
            clauses: crate::domain::CLAUSES
                .iter()
                .map(|(id, title)| choice(id, title))
                .collect(),
            risk_sections: words(&RISK_SECTIONS),
            internal_sections: words(&INTERNAL_SECTIONS),
            scoring_rationale: SCORING_RATIONALE.to_string(),
            reports: ReportKind::ALL
                .iter()
                .map(|&kind| ReportChoice {
                    kind,
                    title: kind.title().into(),
                    classification: kind.classification().into(),
                })
                .collect(),
            signoff_kinds: SignoffKind::ALL
                .iter()
                .map(|&kind| SignoffChoice {
                    kind,
                    title: kind.title().into(),
                })
                .collect(),
        })
    }

    /// A risk for the editor.
    pub fn risk_view(&self, id: &str) -> Result<RiskView> {
        let opened = self.open_record(id)?;
        let AnyRecord::Risk(risk) = opened.record else {
            return Err(Error::Usage(format!("{id} is not a risk")));
        };
        let methodology = methodology_of(self);
        let rows = self.risk_rows()?;
        let related = risk
            .related
            .iter()
            .map(|id| RiskLink::to(&rows, id))
            .collect();
        let treatments = self
            .query_index(|index| index.treatments())?
            .into_iter()
            .filter(|t| t.risks.iter().any(|r| r == id))
            .map(|t| choice(&t.id, &t.title))
            .collect();
        let (all_findings, _) =
            self.records_of::<crate::domain::Nonconformity>(RecordKind::Nonconformity)?;
        let all_findings: Vec<_> = all_findings.into_iter().map(|(n, _)| n).collect();
        let findings = crate::domain::findings_about_risk(&risk, &all_findings)
            .into_iter()
            .map(|n| choice(&n.id, &n.title))
            .collect();
        let acceptance_stale = risk
            .acceptance
            .as_ref()
            .and_then(|a| a.as_scored.as_ref())
            .map(|accepted| accepted.changes_to(&risk.as_scored()))
            .unwrap_or_default();
        let rationale_review = crate::git::repository(self)
            .ok()
            .and_then(|repo| {
                let head = repo.head().ok()?.peel_to_commit().ok()?;
                let text = crate::git::text_at(&repo, &head, &opened.path)?;
                match crate::isms::parse_text(RecordKind::Risk, &opened.path, id, &text)
                    .ok()?
                    .record
                {
                    AnyRecord::Risk(committed) => Some(risk.rationale_review(&committed)),
                    _ => None,
                }
            })
            .unwrap_or_default();
        let rescore = if risk.to_be_rescored(&methodology) {
            let earlier = self.earlier_methodology(risk.scored_under(&methodology))?;
            crate::domain::Rescore::of(&risk, earlier.as_ref(), &methodology)
        } else {
            None
        };
        Ok(RiskView {
            rescore,
            acceptance_stale,
            rationale_review,
            path: opened.path,
            revision: opened.revision,
            inherent: risk.inherent(&methodology),
            residual: risk.residual(&methodology),
            sections: risk_sections(&risk.body),
            related,
            treatments,
            findings,
            risk,
        })
    }

    /// Replaces one narrative section of a record, leaving the rest of its body as
    /// written. `base` is the revision the edit started from.
    pub fn save_section(
        &self,
        id: &str,
        heading: &str,
        markdown: &str,
        base: &Revision,
    ) -> Result<Saved> {
        let opened = self.open_record(id)?;
        let body = crate::domain::replace_section(opened.record.body(), heading, markdown);
        self.set(id, &[], Some(&body), Some(base))
    }
}

/// The standard risk sections in order (empty ones included, so the editor can fill
/// them), then any other sections as written.
fn risk_sections(body: &str) -> Vec<Section> {
    let mut written: BTreeMap<usize, (String, String)> =
        sections(body).into_iter().enumerate().collect();
    let mut out = Vec::new();
    for heading in RISK_SECTIONS {
        let found = written
            .iter()
            .find(|(_, (h, _))| h == heading)
            .map(|(i, _)| *i);
        let text = found
            .and_then(|i| written.remove(&i))
            .map(|(_, t)| t)
            .unwrap_or_default();
        out.push(section(heading, text));
    }
    out.extend(written.into_values().map(|(h, t)| section(&h, t)));
    out
}

fn section(heading: &str, markdown: String) -> Section {
    Section {
        html: crate::report::html::markdown(&markdown),
        internal: INTERNAL_SECTIONS.contains(&heading),
        heading: heading.to_string(),
        markdown,
    }
}
