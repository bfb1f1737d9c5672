//! What changed between two signed risk assessments: the "changes since last year"
//! that management and auditors ask for. Pure: the two years' records and
//! methodologies go in, [`compare`] says what changed. Why a risk was rescored comes
//! from the commits in between, which the caller adds (`Rescored::reasons`).
//!
//! **Comparability.** When the methodology changed between the two (scales, formula or
//! bands), the comparison says so first, and each band crossing says whether it is due
//! to the methodology (the risk's ratings, read under the new methodology, would have
//! crossed anyway), to the risk (the same methodology would not have moved it), or to
//! both.

use chrono::NaiveDate;
use serde::Serialize;

use super::{
    ActionStatus, DomainStatus, IsmsConfig, Methodology, ObjectiveStatus, Rating, Risk, RiskStatus,
    SoaEntry, Treatment,
};

/// One year's records, at the source commit of its signed assessment.
pub struct Year<'a> {
    /// isms.yaml then.
    pub config: &'a IsmsConfig,
    /// The risks.
    pub risks: Vec<&'a Risk>,
    /// The SoA entries.
    pub controls: Vec<&'a SoaEntry>,
    /// The treatments.
    pub treatments: Vec<&'a Treatment>,
    /// The objectives.
    pub objectives: Vec<&'a super::Objective>,
}

/// A risk named in a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskMention {
    /// `R-001`.
    pub id: String,
    /// Its title (the later one when both years have it).
    pub title: String,
}

/// Which rating crossed a band edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RatingKind {
    /// Before treatment.
    Inherent,
    /// After treatment.
    Residual,
}

/// Why a rating crossed a band edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CrossingCause {
    /// The risk's likelihood or impact changed; the methodology did not move it.
    Risk,
    /// The risk was rated the same; the new methodology put it in another band.
    Methodology,
    /// Both moved it; or the old ratings cannot be read under the new scales.
    Both,
}

/// A rating that moved from one band to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BandCrossing {
    /// The risk.
    pub risk: RiskMention,
    /// Inherent or residual.
    pub rating: RatingKind,
    /// The earlier band's name and score.
    pub from_band: String,
    /// The earlier score.
    pub from_score: u8,
    /// The later band's name.
    pub to_band: String,
    /// The later score.
    pub to_score: u8,
    /// Towards the worse band.
    pub worse: bool,
    /// Why.
    pub cause: CrossingCause,
}

/// A risk whose ratings changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rescored {
    /// The risk.
    pub risk: RiskMention,
    /// Inherent likelihood × impact = score, before and after ("2 × 5 = 10").
    pub inherent: (String, String),
    /// After treatment ([`Risk::rating_after_treatment`]), before and after ("—"
    /// when unscored).
    pub residual: (String, String),
    /// Why, from the commits in between (their first lines), oldest first.
    pub reasons: Vec<String>,
}

/// A control whose applicability changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApplicabilityFlip {
    /// `8.30`.
    pub control: String,
    /// Its title.
    pub title: String,
    /// Applicable in the later year.
    pub now_applicable: bool,
    /// Why then: the reasons for including it, or the justification for excluding it.
    pub then_why: String,
    /// Why now.
    pub now_why: String,
}

/// A treatment action that was finished, or whose due date moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ActionChange {
    /// `T-001`.
    pub treatment: String,
    /// `A2`.
    pub action: String,
    /// What it is.
    pub description: String,
    /// For a slipped action: the earlier due date.
    pub from_due: Option<NaiveDate>,
    /// For a slipped action: the later one.
    pub to_due: Option<NaiveDate>,
    /// For a slipped action: by how many days.
    pub days: Option<i64>,
}

/// An objective and where it stands in each year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ObjectiveChange {
    /// `OBJ-002`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its status then (`None`: not set then).
    pub then: Option<ObjectiveStatus>,
    /// Its status now.
    pub now: ObjectiveStatus,
}

/// What changed between two signed risk assessments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Comparison {
    /// How the methodology changed (one line each), empty when it did not: the
    /// comparability guard.
    pub methodology_changes: Vec<String>,
    /// Risks first recorded in the later year.
    pub new_risks: Vec<RiskMention>,
    /// Risks closed since, or no longer in the register.
    pub closed: Vec<RiskMention>,
    /// Risks assessed then, deferred now.
    pub deferred: Vec<RiskMention>,
    /// Risks deferred then, assessed now.
    pub undeferred: Vec<RiskMention>,
    /// Band crossings, inherent and residual, in both directions.
    pub crossings: Vec<BandCrossing>,
    /// Risks whose ratings changed, with the reasons.
    pub rescored: Vec<Rescored>,
    /// Controls whose applicability changed.
    pub applicability: Vec<ApplicabilityFlip>,
    /// Actions finished since.
    pub actions_done: Vec<ActionChange>,
    /// Treatments with every action finished now (and not then).
    pub treatments_completed: Vec<String>,
    /// Actions whose due date moved later.
    pub slipped: Vec<ActionChange>,
    /// Domains deferred then and in scope now.
    pub domains_covered: Vec<String>,
    /// Domains deferred then and still deferred.
    pub domains_still_deferred: Vec<String>,
    /// Objectives achieved now (and not then).
    pub objectives_met: Vec<ObjectiveChange>,
    /// Objectives whose status changed otherwise.
    pub objectives_changed: Vec<ObjectiveChange>,
}

/// What changed from `then` to `now`.
pub fn compare(then: &Year, now: &Year) -> Comparison {
    let old = &then.config.methodology;
    let new = &now.config.methodology;
    let mut c = Comparison {
        methodology_changes: methodology_changes(old, new),
        new_risks: Vec::new(),
        closed: Vec::new(),
        deferred: Vec::new(),
        undeferred: Vec::new(),
        crossings: Vec::new(),
        rescored: Vec::new(),
        applicability: Vec::new(),
        actions_done: Vec::new(),
        treatments_completed: Vec::new(),
        slipped: Vec::new(),
        domains_covered: Vec::new(),
        domains_still_deferred: Vec::new(),
        objectives_met: Vec::new(),
        objectives_changed: Vec::new(),
    };
    let find = |id: &str| then.risks.iter().find(|r| r.id == id).copied();
    for risk in sorted(&now.risks, |r| &r.id) {
        let mention = mention(risk);
        let Some(before) = find(&risk.id) else {
            c.new_risks.push(mention);
            continue;
        };
        match (before.status, risk.status) {
            (RiskStatus::Closed, _) => continue,
            (_, RiskStatus::Closed) => {
                c.closed.push(mention);
                continue;
            }
            (RiskStatus::Active, RiskStatus::Deferred) => c.deferred.push(mention.clone()),
            (RiskStatus::Deferred, RiskStatus::Active) => c.undeferred.push(mention.clone()),
            _ => {}
        }
        for kind in [RatingKind::Inherent, RatingKind::Residual] {
            if let Some(crossing) = crossing(before, risk, kind, old, new) {
                c.crossings.push(crossing);
            }
        }
        let was = (
            text(before, RatingKind::Inherent, old),
            text(before, RatingKind::Residual, old),
        );
        let is = (
            text(risk, RatingKind::Inherent, new),
            text(risk, RatingKind::Residual, new),
        );
        if was != is {
            c.rescored.push(Rescored {
                risk: mention,
                inherent: (was.0, is.0),
                residual: (was.1, is.1),
                reasons: Vec::new(),
            });
        }
    }
    for risk in sorted(&then.risks, |r| &r.id) {
        let gone = !now.risks.iter().any(|r| r.id == risk.id);
        if gone && risk.status != RiskStatus::Closed {
            c.closed.push(mention(risk));
        }
    }
    for control in sorted(&now.controls, |e| &e.id) {
        if let Some(before) = then.controls.iter().find(|e| e.id == control.id) {
            if before.applicable != control.applicable {
                c.applicability.push(ApplicabilityFlip {
                    control: control.id.clone(),
                    title: control.title.clone(),
                    now_applicable: control.applicable,
                    then_why: why(before),
                    now_why: why(control),
                });
            }
        }
    }
    for treatment in sorted(&now.treatments, |t| &t.id) {
        let before = then.treatments.iter().find(|t| t.id == treatment.id);
        for action in &treatment.actions {
            let was = before.and_then(|t| t.actions.iter().find(|a| a.id == action.id));
            let change = |from_due, to_due, days| ActionChange {
                treatment: treatment.id.clone(),
                action: action.id.clone(),
                description: action.description.clone(),
                from_due,
                to_due,
                days,
            };
            if action.status == ActionStatus::Done
                && was.is_some_and(|a| a.status != ActionStatus::Done)
            {
                c.actions_done.push(change(None, None, None));
            }
            if let (Some(a), Some(to)) = (was, action.due) {
                if let Some(from) = a.due.filter(|from| *from < to) {
                    c.slipped
                        .push(change(Some(from), Some(to), Some((to - from).num_days())));
                }
            }
        }
        let complete =
            |t: &Treatment| !t.actions.is_empty() && t.actions.iter().all(|a| !a.status.is_open());
        if complete(treatment) && !before.is_some_and(|t| complete(t)) {
            c.treatments_completed.push(treatment.id.clone());
        }
    }
    for domain in &then.config.domains {
        if domain.status != DomainStatus::Deferred {
            continue;
        }
        let later = now.config.domains.iter().find(|d| d.id == domain.id);
        match later.map(|d| d.status) {
            Some(DomainStatus::InScope) => c.domains_covered.push(domain.name.clone()),
            _ => c.domains_still_deferred.push(domain.name.clone()),
        }
    }
    for objective in sorted(&now.objectives, |o| &o.id) {
        let then_status = then
            .objectives
            .iter()
            .find(|o| o.id == objective.id)
            .map(|o| o.status);
        if then_status == Some(objective.status) {
            continue;
        }
        let change = ObjectiveChange {
            id: objective.id.clone(),
            title: objective.title.clone(),
            then: then_status,
            now: objective.status,
        };
        if objective.status == ObjectiveStatus::Achieved {
            c.objectives_met.push(change);
        } else {
            c.objectives_changed.push(change);
        }
    }
    c
}

fn sorted<'a, T>(items: &[&'a T], key: impl Fn(&T) -> &String) -> Vec<&'a T> {
    let mut out = items.to_vec();
    out.sort_by(|a, b| key(a).cmp(key(b)));
    out
}

fn mention(risk: &Risk) -> RiskMention {
    RiskMention {
        id: risk.id.clone(),
        title: risk.title.clone(),
    }
}

/// Why a control is in the SoA or out of it, as the entry says.
fn why(entry: &SoaEntry) -> String {
    if entry.applicable {
        let reasons: Vec<String> = entry
            .reasons
            .iter()
            .map(|r| r.label().to_string())
            .collect();
        if reasons.is_empty() {
            "applicable (no reason given)".into()
        } else {
            format!("applicable: {}", reasons.join(", "))
        }
    } else {
        format!(
            "excluded: {}",
            entry
                .justification
                .as_deref()
                .unwrap_or("no justification given")
        )
    }
}

fn rating(risk: &Risk, kind: RatingKind, methodology: &Methodology) -> Option<Rating> {
    match kind {
        RatingKind::Inherent => risk.inherent(methodology),
        RatingKind::Residual => risk.rating_after_treatment(methodology),
    }
}

/// "2 × 5 = 10", or "—" when unscored.
fn text(risk: &Risk, kind: RatingKind, methodology: &Methodology) -> String {
    rating(risk, kind, methodology).map_or_else(
        || "—".into(),
        |r| format!("{} × {} = {}", r.likelihood, r.impact, r.score),
    )
}

/// The band crossing of one rating, if it crossed: judged by band severity (tone),
/// so that renamed bands of a new methodology compare by where they sit.
fn crossing(
    before: &Risk,
    after: &Risk,
    kind: RatingKind,
    old: &Methodology,
    new: &Methodology,
) -> Option<BandCrossing> {
    let was = rating(before, kind, old)?;
    let is = rating(after, kind, new)?;
    let severity = |m: &Methodology, r: &Rating| {
        r.band
            .as_ref()
            .and_then(|b| m.band_rule(b))
            .map(|rule| rule.tone)
    };
    let (from, to) = (severity(old, &was)?, severity(new, &is)?);
    if from == to {
        return None;
    }
    let cause = if old == new {
        CrossingCause::Risk
    } else {
        // Would the methodology alone have moved it (the old ratings read under the new
        // methodology, through its rescoring when the scales changed)? Would the risk
        // alone (the new ratings read under the old methodology)?
        let rescoring = new.rescoring.as_ref().filter(|r| r.from == old.version);
        let old_under_new = rescoring
            .map_or(Some((was.likelihood, was.impact)), |r| {
                r.map(was.likelihood, was.impact)
            })
            .and_then(|(l, i)| Rating::new(new, l, i))
            .and_then(|r| severity(new, &r));
        let new_under_old = if rescoring.is_some() {
            None
        } else {
            Rating::new(old, is.likelihood, is.impact).and_then(|r| severity(old, &r))
        };
        match (old_under_new, new_under_old) {
            (Some(m), Some(r)) if m != from && r == from => CrossingCause::Methodology,
            (Some(m), Some(r)) if m == from && r != from => CrossingCause::Risk,
            _ => CrossingCause::Both,
        }
    };
    Some(BandCrossing {
        risk: mention(after),
        rating: kind,
        from_band: old.band_name(was.band.as_ref()),
        from_score: was.score,
        to_band: new.band_name(is.band.as_ref()),
        to_score: is.score,
        worse: to < from,
        cause,
    })
}

/// How `new` differs from `old` in what scores mean, one line each.
fn methodology_changes(old: &Methodology, new: &Methodology) -> Vec<String> {
    let mut out = Vec::new();
    if old.version != new.version {
        out.push(format!("version {} → {}", old.version, new.version));
    }
    if old.formula != new.formula || old.matrix != new.matrix {
        out.push(format!(
            "formula: {} → {}",
            old.how_scored(),
            new.how_scored()
        ));
    }
    for (name, a, b) in [
        ("likelihood", &old.likelihood, &new.likelihood),
        ("impact", &old.impact, &new.impact),
    ] {
        if a.len() != b.len() {
            out.push(format!("{name} scale: {} → {} levels", a.len(), b.len()));
        } else if a.iter().zip(b).any(|(x, y)| x.name != y.name) {
            out.push(format!("{name} scale: levels renamed"));
        }
    }
    let bands = |m: &Methodology| {
        m.bands
            .iter()
            .map(|b| format!("{} {}–{}", b.name, b.min, b.max))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if bands(old) != bands(new) {
        out.push(format!("bands: {} → {}", bands(old), bands(new)));
    }
    out
}
