//! The dashboard, and `isms check`: the state of the ISMS at a glance, and every
//! finding of the checks.

use chrono::NaiveDate;
use serde::Serialize;

use super::register::RiskLink;
use crate::catalogue;
use crate::domain::{checks, Band, Document, Methodology, Rating, RiskStatus, Treatment};
use crate::isms::{Isms, RecordKind};
use crate::{LoadError, Result};

/// A heat map: `counts[impact - 1][likelihood - 1]` risks, and the band of each cell
/// under the methodology (the one place a cell's band is worked out; the app and the
/// reports only look it up).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HeatMap {
    /// Risks per cell, by impact then likelihood (both 1-based levels minus one).
    pub counts: Vec<Vec<u32>>,
    /// The score of each cell.
    pub scores: Vec<Vec<u8>>,
    /// The band of each cell.
    pub bands: Vec<Vec<Option<Band>>>,
}

impl HeatMap {
    /// An empty map with each cell's band under `methodology`.
    pub fn new(methodology: &Methodology) -> HeatMap {
        let ratings: Vec<Vec<Rating>> = (1..=5u8)
            .map(|i| (1..=5u8).map(|l| Rating::new(methodology, l, i)).collect())
            .collect();
        HeatMap {
            counts: vec![vec![0; 5]; 5],
            scores: ratings
                .iter()
                .map(|row| row.iter().map(|r| r.score).collect())
                .collect(),
            bands: ratings
                .iter()
                .map(|row| row.iter().map(|r| r.band).collect())
                .collect(),
        }
    }

    /// Counts one risk at `likelihood` × `impact` (both given).
    pub fn add(&mut self, likelihood: Option<u8>, impact: Option<u8>) {
        if let (Some(l @ 1..=5), Some(i @ 1..=5)) = (likelihood, impact) {
            self.counts[usize::from(i - 1)][usize::from(l - 1)] += 1;
        }
    }
}

/// How many risks are in each band.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BandCounts {
    /// Active risks scored Unacceptable.
    pub unacceptable: u32,
    /// Active risks scored Manage.
    pub manage: u32,
    /// Active risks scored Acceptable.
    pub acceptable: u32,
    /// Active risks without a complete score.
    pub unscored: u32,
}

impl BandCounts {
    fn add(&mut self, band: Option<Band>) {
        match band {
            Some(Band::Unacceptable) => self.unacceptable += 1,
            Some(Band::Manage) => self.manage += 1,
            Some(Band::Acceptable) => self.acceptable += 1,
            None => self.unscored += 1,
        }
    }
}

/// A risk whose review date has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OverdueReview {
    /// The risk.
    pub risk: RiskLink,
    /// The owner role.
    pub owner: String,
    /// The review date that passed.
    pub next_review: NaiveDate,
}

/// A controlled document in force whose review date has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OverdueDocument {
    /// The document id.
    pub id: String,
    /// Its file.
    pub path: String,
    /// Its title.
    pub title: String,
    /// Its owner role.
    pub owner: String,
    /// The review date that passed.
    pub next_review: NaiveDate,
}

/// A treatment action past its due date and not done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OverdueAction {
    /// The treatment id.
    pub treatment: String,
    /// The action id within the treatment.
    pub action: String,
    /// What is to be done.
    pub description: String,
    /// The owner role.
    pub owner: String,
    /// The due date that passed.
    pub due: NaiveDate,
}

/// The dashboard: the state of the ISMS at a glance.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dashboard {
    /// The day the dashboard was computed for.
    pub today: NaiveDate,
    /// Active risks per inherent band.
    pub inherent: BandCounts,
    /// Active risks per band after treatment (`Risk::rating_after_treatment`: the
    /// recorded residual, else the inherent rating).
    pub residual: BandCounts,
    /// Active risks by inherent likelihood and impact.
    pub inherent_map: HeatMap,
    /// Active risks by likelihood and impact after treatment.
    pub residual_map: HeatMap,
    /// Risks in the register, any status.
    pub risks: u32,
    /// Deferred risks.
    pub deferred: u32,
    /// Closed risks.
    pub closed: u32,
    /// Files that do not load, with file, line and field.
    pub load_errors: Vec<LoadError>,
    /// ISMS files changed since the last commit.
    pub uncommitted: Vec<String>,
    /// The next annual assessment, from isms.yaml.
    pub next_assessment: Option<NaiveDate>,
    /// Risks whose review date has passed, soonest first.
    pub overdue_reviews: Vec<OverdueReview>,
    /// Open treatment actions past their due date, soonest first.
    pub overdue_actions: Vec<OverdueAction>,
    /// Controlled documents in force past their review date, soonest first.
    pub overdue_documents: Vec<OverdueDocument>,
}

impl Isms {
    /// The dashboard for `today`.
    pub fn dashboard(&self, today: NaiveDate) -> Result<Dashboard> {
        let (rows, load_errors) = self
            .query_index(|index| Ok((index.risks(&Default::default())?, index.load_errors()?)))?;
        let config = self.load_config().ok();
        let methodology = super::methodology_of(self);
        let mut dashboard = Dashboard {
            today,
            inherent: BandCounts::default(),
            residual: BandCounts::default(),
            inherent_map: HeatMap::new(&methodology),
            residual_map: HeatMap::new(&methodology),
            risks: rows.len() as u32,
            deferred: 0,
            closed: 0,
            load_errors,
            uncommitted: match self.git_dir() {
                Some(_) => crate::git::changed_isms_paths(&crate::git::repository(self)?)?,
                None => Vec::new(),
            },
            next_assessment: config.as_ref().map(|c| c.assessment.next),
            overdue_reviews: Vec::new(),
            overdue_actions: Vec::new(),
            overdue_documents: Vec::new(),
        };
        for row in &rows {
            match row.status {
                RiskStatus::Deferred => dashboard.deferred += 1,
                RiskStatus::Closed => dashboard.closed += 1,
                RiskStatus::Active => {
                    dashboard.inherent.add(row.band);
                    dashboard.residual.add(row.residual_band);
                    dashboard.inherent_map.add(row.likelihood, row.impact);
                    dashboard
                        .residual_map
                        .add(row.residual_likelihood, row.residual_impact);
                }
            }
            if row.review_overdue(today) {
                dashboard.overdue_reviews.push(OverdueReview {
                    risk: RiskLink::of(row),
                    owner: row.owner.clone(),
                    next_review: row.next_review.expect("an overdue review has a date"),
                });
            }
        }
        dashboard
            .overdue_reviews
            .sort_by(|a, b| (a.next_review, &a.risk.id).cmp(&(b.next_review, &b.risk.id)));
        let (documents, _) = self.records_of::<Document>(RecordKind::Document)?;
        for (doc, _) in &documents {
            if let Some(due) = doc.review_overdue(today) {
                dashboard.overdue_documents.push(OverdueDocument {
                    id: doc.id.clone(),
                    path: RecordKind::Document.path(&doc.id),
                    title: doc.title.clone(),
                    owner: doc.owner.clone(),
                    next_review: due,
                });
            }
        }
        dashboard
            .overdue_documents
            .sort_by(|a, b| (a.next_review, &a.id).cmp(&(b.next_review, &b.id)));
        let (treatments, _) = self.records_of::<Treatment>(RecordKind::Treatment)?;
        for (t, _) in &treatments {
            for a in t.overdue_actions(today) {
                dashboard.overdue_actions.push(OverdueAction {
                    treatment: t.id.clone(),
                    action: a.id.clone(),
                    description: a.description.clone(),
                    owner: a.owner.clone(),
                    due: a.due.expect("an overdue action has a due date"),
                });
            }
        }
        dashboard.overdue_actions.sort_by(|a, b| {
            (a.due, &a.treatment, &a.action).cmp(&(b.due, &b.treatment, &b.action))
        });
        Ok(dashboard)
    }

    /// Every check over every record, for `today` (`isms check`; slower than the
    /// dashboard: it reads every file).
    pub fn findings(&self, today: NaiveDate) -> Result<checks::CheckReport> {
        let mut loaded = self.load()?;
        loaded.records.repository = crate::git::repository_facts(self);
        let mut report = checks::run(
            &loaded.records,
            &loaded.errors,
            &catalogue::annex_a(),
            today,
        );
        self.point_to_lines(&mut report.findings);
        Ok(report)
    }

    /// Gives each finding about a field the line of that field in its file, so that
    /// an editor (and a person) can go straight to it.
    fn point_to_lines(&self, findings: &mut [checks::Finding]) {
        let mut texts: std::collections::HashMap<String, Option<String>> = Default::default();
        for f in findings.iter_mut() {
            let Some(field) = f.field.as_deref() else {
                continue;
            };
            let in_body = field == "body";
            if f.line.is_some() && !in_body {
                continue;
            }
            let text = texts
                .entry(f.path.clone())
                .or_insert_with(|| self.read_text(&f.path).ok());
            let front_matter = f.path != crate::domain::CONFIG_FILE;
            f.line = match (text.as_deref(), f.line) {
                (Some(t), Some(line)) if in_body => {
                    crate::format::body_first_line(t).map(|first| first + line - 1)
                }
                (Some(t), _) => crate::format::line_of_field(t, field, front_matter),
                (None, _) => None,
            };
        }
    }
}
