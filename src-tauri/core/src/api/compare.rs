//! `isms compare A B`: what changed between two signed risk assessments, each verified
//! first. A and B are tags or commits of the branch (the last risk-assessment sign-off
//! that had reached it there) or sign-off request ids.

use serde::Serialize;

use super::reports::{in_format, RenderedReport, ReportFormat};
use crate::domain::compare::{compare, Comparison, Year};
use crate::git::changes::Snapshot;
use crate::isms::Isms;
use crate::report::compare::{comparison_document, SignedAssessment};
use crate::report::{Report, ReportKind};
use crate::signoff::{RequestState, RequestVerification, StepState, VerifyOptions};
use crate::{Error, Result};

/// Two signed assessments and what changed between them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct YearOverYear {
    /// The earlier assessment.
    pub then: SignedAssessment,
    /// The later one.
    pub now: SignedAssessment,
    /// What changed.
    pub comparison: Comparison,
}

/// The comparison the app shows: the last two signed risk assessments of HEAD.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ComparisonPreview {
    /// The comparison, when there are two signed assessments to compare.
    pub compared: Option<YearOverYear>,
    /// It as sanitised HTML (empty without one).
    pub html: String,
    /// Why there is none: fewer than two signed assessments.
    pub why_not: Option<String>,
}

/// The fields of a risk that make its ratings.
const RATING_FIELDS: [&str; 5] = [
    "likelihood",
    "impact",
    "residual_likelihood",
    "residual_impact",
    "impact_cia",
];

impl Isms {
    /// Compares signed assessment `then` with the later `now`. Refused, with the
    /// reason, when either does not verify or `then` does not come before `now`.
    pub fn compare_assessments(&self, then: &str, now: &str) -> Result<YearOverYear> {
        let repo = crate::git::repository(self)?;
        let earlier = self.signed_assessment(then)?;
        let later = self.signed_assessment(now)?;
        let (a, b) = (
            git2::Oid::from_str(&earlier.source)?,
            git2::Oid::from_str(&later.source)?,
        );
        if a == b || !repo.graph_descendant_of(b, a)? {
            return Err(Error::Usage(format!(
                "{then} (rendered from {}) does not come before {now} (rendered from {}); give the earlier assessment first",
                crate::git::short_id(&earlier.source),
                crate::git::short_id(&later.source)
            )));
        }
        let (old, new) = (
            Snapshot::complete_at(&repo, &earlier.source)?,
            Snapshot::complete_at(&repo, &later.source)?,
        );
        let mut comparison = compare(&year(&old)?, &year(&new)?);
        // Why each rescored risk was rescored: the commits in between that changed
        // its ratings, oldest first.
        let mut between = std::collections::HashSet::new();
        let mut walk = repo.revwalk()?;
        walk.push(b)?;
        walk.hide(a)?;
        for id in walk {
            between.insert(id?.to_string());
        }
        for rescored in &mut comparison.rescored {
            let mut reasons: Vec<String> = self
                .timeline(&rescored.risk.id)?
                .into_iter()
                .filter(|e| between.contains(e.commit.as_str()))
                .filter(|e| {
                    e.fields
                        .iter()
                        .any(|f| RATING_FIELDS.contains(&f.field.as_str()))
                })
                .map(|e| e.summary)
                .collect();
            reasons.reverse();
            rescored.reasons = reasons;
        }
        Ok(YearOverYear {
            then: earlier,
            now: later,
            comparison,
        })
    }

    /// The last two completed risk-assessment sign-offs of HEAD, compared, for the app.
    pub fn comparison_preview(&self) -> Result<ComparisonPreview> {
        let path = ReportKind::RiskAssessment.path();
        let verification = self.signoff_verify(&VerifyOptions::default())?;
        let signed: Vec<&RequestVerification> = verification
            .requests
            .iter()
            .filter(|r| r.report == path && r.state == RequestState::Complete)
            .collect();
        let [.., then, now] = signed.as_slice() else {
            return Ok(ComparisonPreview {
                compared: None,
                html: String::new(),
                why_not: Some(if signed.len() == 1 {
                    "There is only one signed risk assessment so far; a comparison needs two (each a completed risk-assessment sign-off).".to_string()
                } else {
                    "There are no signed risk assessments yet; a comparison needs two (each a completed risk-assessment sign-off).".to_string()
                }),
            });
        };
        let (then, now) = (then.id.clone(), now.id.clone());
        let compared = self.compare_assessments(&then, &now)?;
        let report = self.comparison_document(&compared)?;
        Ok(ComparisonPreview {
            html: crate::report::html::body(&report.markdown),
            compared: Some(compared),
            why_not: None,
        })
    }

    /// The comparison as a document in `format`.
    pub fn comparison_report(
        &self,
        then: &str,
        now: &str,
        format: ReportFormat,
    ) -> Result<RenderedReport> {
        let compared = self.compare_assessments(then, now)?;
        in_format(self.comparison_document(&compared)?, format)
    }

    /// A comparison as a document, dated and attributed as its later source commit.
    fn comparison_document(&self, compared: &YearOverYear) -> Result<Report> {
        let repo = crate::git::repository(self)?;
        let source = git2::Oid::from_str(&compared.now.source)?;
        let organisation = crate::signoff::verify::config_at(&repo, source)?
            .map(|c| c.organisation.name)
            .unwrap_or_default();
        let markdown = comparison_document(
            &organisation,
            &compared.then,
            &compared.now,
            &compared.comparison,
        );
        let meta = crate::signoff::signed::meta_of(
            &repo,
            "comparison",
            source,
            &markdown,
            "Year over year".to_string(),
        )?;
        Ok(Report { meta, markdown })
    }

    /// The risk assessment signed in `target` (a request id, or a tag or commit whose
    /// history holds a completed risk-assessment sign-off), verified.
    fn signed_assessment(&self, target: &str) -> Result<SignedAssessment> {
        let path = ReportKind::RiskAssessment.path();
        let at_head = self.signoff_verify(&VerifyOptions::default())?;
        let (verification, request) = match at_head.request(target) {
            Some(r) => (at_head.clone(), r.clone()),
            None => {
                let verification = self.signoff_verify(&VerifyOptions {
                    rev: Some(target.to_string()),
                    ..VerifyOptions::default()
                })?;
                let request = verification.latest_complete(&path).cloned().ok_or_else(|| {
                    Error::Signoff(format!(
                        "{target} has no completed risk-assessment sign-off in its history, so there is no signed assessment to compare"
                    ))
                })?;
                (verification, request)
            }
        };
        if request.report != path || request.state != RequestState::Complete {
            return Err(Error::Signoff(format!(
                "{target} is not a completed risk-assessment sign-off"
            )));
        }
        let problems: Vec<String> = verification
            .problems
            .iter()
            .chain(&request.problems)
            .map(|p| p.message.clone())
            .collect();
        if !problems.is_empty() {
            return Err(Error::Signoff(format!(
                "the risk assessment signed in {} ({target}) does not verify, so it is not compared: {}",
                request.id,
                problems.join("; ")
            )));
        }
        let repo = crate::git::repository(self)?;
        let snapshot = Snapshot::complete_at(&repo, &request.source)?;
        Ok(described(&request, &snapshot))
    }
}

/// One side of a comparison, told from its sign-off and its source commit.
fn described(request: &RequestVerification, snapshot: &Snapshot) -> SignedAssessment {
    let assessment = crate::domain::latest_assessment(snapshot.assessments())
        .map(|a| format!("{} ({})", a.title, a.performed_on));
    SignedAssessment {
        signoff: request.id.clone(),
        source: request.source.clone(),
        landed: request.landed.clone().unwrap_or_default(),
        assessment,
        signers: request
            .steps
            .iter()
            .filter_map(|s| match &s.state {
                StepState::Done { person, date, .. } => {
                    Some(format!("{person} ({})", date.get(..10).unwrap_or(date)))
                }
                StepState::Pending => None,
            })
            .collect(),
        methodology: snapshot
            .config
            .as_ref()
            .map(|c| c.methodology.version.clone())
            .unwrap_or_default(),
    }
}

/// The records of a year.
fn year(snapshot: &Snapshot) -> Result<Year<'_>> {
    let config = snapshot.config.as_ref().ok_or_else(|| {
        Error::Usage(format!(
            "{} does not load at a compared commit",
            crate::domain::CONFIG_FILE
        ))
    })?;
    Ok(Year {
        config,
        risks: snapshot.risks(),
        controls: snapshot.controls(),
        treatments: snapshot.treatments(),
        objectives: snapshot.objectives(),
    })
}
