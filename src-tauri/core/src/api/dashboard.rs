//! The dashboard, and `isms check`: the state of the ISMS at a glance, and every
//! finding of the checks.

use chrono::NaiveDate;
use serde::Serialize;

use super::register::RiskLink;
use crate::catalogue;
use crate::domain::{checks, Band, Document, Methodology, RiskStatus, Treatment};
use crate::isms::{Isms, RecordKind};
use crate::{LoadError, Result};

/// A heat map: `counts[impact - 1][likelihood - 1]` risks, and the band of each cell
/// under the methodology (the one place a cell's band is worked out; the app and the
/// reports only look it up). As many rows as impact levels, as many cells in a row
/// as likelihood levels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HeatMap {
    /// Risks per cell, by impact then likelihood (both 1-based levels minus one).
    pub counts: Vec<Vec<u32>>,
    /// The score of each cell.
    pub scores: Vec<Vec<u8>>,
    /// The band of each cell.
    pub bands: Vec<Vec<Option<Band>>>,
    /// The tone (colour) of each cell's band: 0 the worst band, 5 the best.
    pub tones: Vec<Vec<Option<u8>>>,
}

impl HeatMap {
    /// An empty map with each cell's band under `methodology`.
    pub fn new(methodology: &Methodology) -> HeatMap {
        let grid = methodology.grid();
        HeatMap {
            counts: grid.iter().map(|row| vec![0; row.len()]).collect(),
            scores: grid
                .iter()
                .map(|row| row.iter().map(|r| r.score).collect())
                .collect(),
            bands: grid
                .iter()
                .map(|row| row.iter().map(|r| r.band.clone()).collect())
                .collect(),
            tones: grid
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|r| {
                            r.band
                                .as_ref()
                                .and_then(|b| methodology.band_rule(b))
                                .map(|b| b.tone)
                        })
                        .collect()
                })
                .collect(),
        }
    }

    /// Counts one risk at `likelihood` × `impact` (both given, and on the scales).
    pub fn add(&mut self, likelihood: Option<u8>, impact: Option<u8>) {
        let (Some(l), Some(i)) = (likelihood, impact) else {
            return;
        };
        let cell = usize::from(i)
            .checked_sub(1)
            .and_then(|i| self.counts.get_mut(i))
            .and_then(|row| row.get_mut(usize::from(l).checked_sub(1)?));
        if let Some(cell) = cell {
            *cell += 1;
        }
    }
}

/// How many active risks are in one band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BandCount {
    /// The band.
    pub band: Band,
    /// Its name.
    pub name: String,
    /// Its colour, 0 (the worst band) to 5 (the best).
    pub tone: u8,
    /// Active risks in it.
    pub count: u32,
}

/// How many active risks are in each band of the methodology, worst first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BandCounts {
    /// One count per band, worst first.
    pub bands: Vec<BandCount>,
    /// Active risks without a complete score.
    pub unscored: u32,
    /// Active risks scored under a methodology version no longer in force, not
    /// counted in any band until they are rescored.
    pub to_be_rescored: u32,
}

impl BandCounts {
    /// No risks yet, in the bands of `methodology`.
    pub fn new(methodology: &Methodology) -> BandCounts {
        BandCounts {
            bands: methodology
                .bands
                .iter()
                .map(|b| BandCount {
                    band: b.band.clone(),
                    name: b.name.clone(),
                    tone: b.tone,
                    count: 0,
                })
                .collect(),
            unscored: 0,
            to_be_rescored: 0,
        }
    }

    /// Counts one risk in `band`; a risk to be rescored is counted apart.
    pub fn add(&mut self, band: Option<&Band>, to_be_rescored: bool) {
        if to_be_rescored {
            self.to_be_rescored += 1;
            return;
        }
        match band.and_then(|b| self.bands.iter_mut().find(|c| &c.band == b)) {
            Some(count) => count.count += 1,
            None => self.unscored += 1,
        }
    }

    /// The count of one band (0 for a band the methodology does not have).
    pub fn of(&self, band: &str) -> u32 {
        self.bands
            .iter()
            .find(|c| c.band.as_str() == band)
            .map_or(0, |c| c.count)
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
    /// The treatment or finding the action belongs to (`T-002`, `NC-002`).
    pub record: String,
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
    /// The internal audit programme's coverage over its cycle.
    pub audits: AuditCoverage,
    /// Findings not closed.
    pub open_findings: u32,
    /// Nonconformities open for weeks with nothing planned.
    pub stale_findings: u32,
    /// Controls whose evidence is stale or missing under their policy, in Annex A order.
    pub evidence_due: Vec<String>,
}

/// How much of the standard the audit programme covers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditCoverage {
    /// The cycle in years.
    pub cycle_years: u32,
    /// Requirements a completed audit in the cycle concluded on.
    pub audited: u32,
    /// Clauses 4–10 and applicable Annex A controls.
    pub total: u32,
    /// Requirements neither audited in the cycle nor in an audit to come.
    pub gaps: Vec<String>,
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
            inherent: BandCounts::new(&methodology),
            residual: BandCounts::new(&methodology),
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
            audits: AuditCoverage {
                cycle_years: 0,
                audited: 0,
                total: 0,
                gaps: Vec::new(),
            },
            open_findings: 0,
            stale_findings: 0,
            evidence_due: Vec::new(),
        };
        for row in &rows {
            match row.status {
                RiskStatus::Deferred => dashboard.deferred += 1,
                RiskStatus::Closed => dashboard.closed += 1,
                RiskStatus::Active => {
                    let rescore = row.scored_under.is_some();
                    dashboard.inherent.add(row.band.as_ref(), rescore);
                    dashboard.residual.add(row.residual_band.as_ref(), rescore);
                    if !rescore {
                        dashboard.inherent_map.add(row.likelihood, row.impact);
                        dashboard
                            .residual_map
                            .add(row.residual_likelihood, row.residual_impact);
                    }
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
                    record: t.id.clone(),
                    action: a.id.clone(),
                    description: a.description.clone(),
                    owner: a.owner.clone(),
                    due: a.due.expect("an overdue action has a due date"),
                });
            }
        }
        let evidence = self.evidence_records()?;
        let (mut controls, _) = self.records_of::<crate::domain::SoaEntry>(RecordKind::Control)?;
        controls.sort_by_key(|(c, _)| crate::catalogue::control_order(&c.id));
        dashboard.evidence_due = controls
            .iter()
            .filter(|(c, _)| c.applicable)
            .filter(|(c, _)| {
                matches!(
                    crate::domain::freshness(&c.id, c.evidence_every_days, &evidence, today),
                    crate::domain::Freshness::Stale(_) | crate::domain::Freshness::Missing
                )
            })
            .map(|(c, _)| c.id.clone())
            .collect();
        let findings = self.nonconformities(today)?;
        for line in &findings.findings {
            let n = &line.finding;
            if n.status != crate::domain::FindingStatus::Closed {
                dashboard.open_findings += 1;
            }
            dashboard.stale_findings += u32::from(line.stale);
            for a in n.overdue_actions(today) {
                dashboard.overdue_actions.push(OverdueAction {
                    record: n.id.clone(),
                    action: a.id.clone(),
                    description: a.description.clone(),
                    owner: a.owner.clone(),
                    due: a.due.expect("an overdue action has a due date"),
                });
            }
        }
        dashboard
            .overdue_actions
            .sort_by(|a, b| (a.due, &a.record, &a.action).cmp(&(b.due, &b.record, &b.action)));
        let programme = self.audit_programme(today)?;
        dashboard.audits = AuditCoverage {
            cycle_years: programme.cycle_years,
            audited: programme
                .coverage
                .iter()
                .filter(|c| !c.audited_by.is_empty())
                .count() as u32,
            total: programme.coverage.len() as u32,
            gaps: programme.gaps,
        };
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
