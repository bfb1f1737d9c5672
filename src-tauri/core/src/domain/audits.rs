//! Internal audits (ISO/IEC 27001:2022 clause 9.2) and what they find: one file per
//! audit (`audits/AUD-2026-01.md`: scope, criteria, auditor, dates, method, evidence
//! and a conclusion per item in scope) and one file per finding
//! (`nonconformities/NC-001.md`: nonconformities with their correction, root cause,
//! corrective actions and effectiveness review; observations and opportunities for
//! improvement tracked alongside).
//!
//! The audit programme of a year is the audits planned for it: derived, never typed
//! twice. The rules an auditor looks for each live in one function here:
//! [`Audit::independence_conflicts`], [`audit_coverage`] and
//! [`Nonconformity::closure_blockers`].

use chrono::NaiveDate;
use serde::Serialize;

use super::records::{Action, SoaEntry};
use super::words::word_enum;
use super::{Document, IsmsConfig};

/// The requirements of ISO/IEC 27001:2022 clauses 4 to 10 an audit programme covers,
/// with short titles of our own wording.
pub const CLAUSES: [(&str, &str); 23] = [
    ("4.1", "Context of the organisation"),
    ("4.2", "Interested parties and their requirements"),
    ("4.3", "Scope of the ISMS"),
    ("4.4", "The ISMS and its processes"),
    ("5.1", "Leadership and commitment"),
    ("5.2", "Information security policy"),
    ("5.3", "Roles, responsibilities and authorities"),
    ("6.1", "Actions to address risks and opportunities"),
    ("6.2", "Information security objectives"),
    ("6.3", "Planning of changes"),
    ("7.1", "Resources"),
    ("7.2", "Competence"),
    ("7.3", "Awareness"),
    ("7.4", "Communication"),
    ("7.5", "Documented information"),
    ("8.1", "Operational planning and control"),
    ("8.2", "Risk assessment in operation"),
    ("8.3", "Risk treatment in operation"),
    ("9.1", "Monitoring, measurement, analysis and evaluation"),
    ("9.2", "Internal audit"),
    ("9.3", "Management review"),
    ("10.1", "Continual improvement"),
    ("10.2", "Nonconformity and corrective action"),
];

/// How many years the audit programme takes to cover every requirement, unless
/// isms.yaml says otherwise (`audit_cycle_years`).
pub const DEFAULT_AUDIT_CYCLE_YEARS: u32 = 3;

word_enum! {
    /// Where an audit stands.
    AuditStatus {
        /// In the programme, not started.
        Planned,
        /// Under way.
        InProgress,
        /// Done: every item has its conclusion.
        Completed,
        /// Taken out of the programme, with the reason in the body.
        Cancelled,
    }
}

word_enum! {
    /// What an audit concluded of one item in its scope.
    Conclusion {
        /// The requirement is met.
        Conforming,
        /// The requirement is not met: a finding of grade major or minor.
        Nonconformity,
        /// Not a nonconformity yet, but worth watching.
        Observation,
        /// A way to do better.
        Opportunity,
    }
}

word_enum! {
    /// A finding's grade. Observations and opportunities for improvement are tracked
    /// as findings too, without the corrective-action rules of a nonconformity.
    Grade {
        /// A requirement not met in a way that puts the ISMS's results in doubt.
        Major,
        /// A single lapse.
        Minor,
        /// Worth watching.
        Observation,
        /// A way to do better.
        Opportunity,
    }
}

word_enum! {
    /// Where a finding came from.
    FindingSource {
        /// An internal (or external) audit.
        Audit,
        /// An incident.
        Incident,
        /// A management review.
        ManagementReview,
        /// A complaint from a customer or another interested party.
        Complaint,
        /// Anything else, said in the body.
        Other,
    }
}

word_enum! {
    /// Where a finding stands.
    FindingStatus {
        /// Raised; nothing planned yet.
        Open,
        /// Corrective actions planned or under way.
        ActionPlanned,
        /// Actions done; their effectiveness is being verified.
        Verifying,
        /// Closed.
        Closed,
    }
}

word_enum! {
    /// What an effectiveness review concluded.
    Effectiveness {
        /// The actions removed the cause: it has not recurred.
        Effective,
        /// It recurred, or the cause is still there: more action is needed.
        NotEffective,
    }
}

/// An item in an audit's scope and what the audit concluded of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditItem {
    /// `I1`, unique within the audit.
    pub id: String,
    /// What was audited: a clause (`9.2`), an Annex A control (`A.5.18`: clause and
    /// control numbers overlap, so a control is written with its `A.`), a process or a
    /// document.
    pub about: String,
    /// The conclusion, once there is one.
    pub conclusion: Option<Conclusion>,
    /// The finding it raised (`NC-003`).
    pub finding: Option<String>,
    /// The major nonconformity whose correction this item verifies (a follow-up).
    pub follows_up: Option<String>,
    /// What the auditor noted.
    pub note: Option<String>,
}

/// What an audit item is about, read from its `about`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement<'a> {
    /// A clause of 4–10 (`9.2`, or `clause 9.2`).
    Clause(&'a str),
    /// An Annex A control (`A.5.18`, `A5.18`), by its id (`5.18`).
    Control(&'a str),
    /// A process or a document, by name.
    Other(&'a str),
}

impl AuditItem {
    /// What the item is about.
    pub fn requirement(&self) -> Requirement<'_> {
        let about = self.about.trim();
        if let Some(id) = about.strip_prefix("A.").or_else(|| {
            about
                .strip_prefix('A')
                .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        }) {
            return Requirement::Control(id);
        }
        let clause = about.strip_prefix("clause ").unwrap_or(about);
        match CLAUSES.iter().find(|(id, _)| *id == clause) {
            Some((id, _)) => Requirement::Clause(id),
            None => Requirement::Other(about),
        }
    }

    /// The Annex A control it is about, if it is about one.
    pub fn control(&self) -> Option<&str> {
        match self.requirement() {
            Requirement::Control(id) => Some(id),
            _ => None,
        }
    }

    /// The clause it is about, if it is about one.
    pub fn clause(&self) -> Option<&str> {
        match self.requirement() {
            Requirement::Clause(id) => Some(id),
            _ => None,
        }
    }
}

/// An internal audit: `audits/AUD-2026-01.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Audit {
    /// `AUD-2026-01`; also the file name.
    pub id: String,
    /// What it audits, in a line.
    pub title: String,
    /// Where it stands.
    pub status: AuditStatus,
    /// The person who audits (a name of isms.yaml's people).
    pub auditor: String,
    /// When it is planned (the programme's date for it).
    pub planned_on: NaiveDate,
    /// When it started.
    pub started_on: Option<NaiveDate>,
    /// When it was completed.
    pub completed_on: Option<NaiveDate>,
    /// The clauses (`9.2`) in scope.
    pub clauses: Vec<String>,
    /// The Annex A controls in scope.
    pub controls: Vec<String>,
    /// The processes in scope, by name.
    pub processes: Vec<String>,
    /// The controlled documents in scope, by id.
    pub documents: Vec<String>,
    /// The risk domains in scope.
    pub domains: Vec<String>,
    /// What the audit holds the ISMS to (the standard, policies, contracts).
    pub criteria: Option<String>,
    /// How it was done (interviews, samples, observation).
    pub method: Option<String>,
    /// The evidence examined.
    pub evidence: Vec<String>,
    /// Each item in scope and its conclusion.
    pub items: Vec<AuditItem>,
    /// The markdown body (summary, the auditor's report).
    pub body: String,
}

impl Audit {
    /// The year of the programme this audit belongs to.
    pub fn programme_year(&self) -> i32 {
        use chrono::Datelike;
        self.planned_on.year()
    }

    /// What a completed audit must have and this one lacks: a completion date, and a
    /// conclusion for every item. The one rule for the reader's refusal and the checks.
    pub fn incomplete(&self) -> Vec<String> {
        let mut missing = Vec::new();
        if self.status != AuditStatus::Completed {
            return missing;
        }
        if self.completed_on.is_none() {
            missing.push("completed_on: a completed audit has its completion date".into());
        }
        for item in self.items.iter().filter(|i| i.conclusion.is_none()) {
            missing.push(format!(
                "items.{}.conclusion: a completed audit concludes on every item ({} has none)",
                item.id, item.about
            ));
        }
        if self.items.is_empty() {
            missing.push("items: a completed audit concludes on what it audited".into());
        }
        missing
    }

    /// Why the auditor is not independent of this audit's scope: each control (by its
    /// SoA owner) or document (by its owner) in scope owned by a role the auditor
    /// holds, and each item about such a control. Empty when the auditor is
    /// independent, or is not a person of isms.yaml (the checks name that apart).
    pub fn independence_conflicts(
        &self,
        config: &IsmsConfig,
        controls: &[SoaEntry],
        documents: &[Document],
    ) -> Vec<String> {
        let Some(person) = config.people.iter().find(|p| p.name == self.auditor) else {
            return Vec::new();
        };
        let holds = |role: &str| person.roles.iter().any(|r| r == role);
        let mut conflicts = Vec::new();
        let in_scope: Vec<&str> = self
            .controls
            .iter()
            .map(String::as_str)
            .chain(self.items.iter().filter_map(AuditItem::control))
            .collect();
        let mut seen: Vec<&str> = Vec::new();
        for id in in_scope {
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            if let Some(c) = controls.iter().find(|c| c.id == id) {
                if let Some(owner) = c.owner.as_deref().filter(|o| holds(o)) {
                    conflicts.push(format!(
                        "control {id} is owned by {} ({owner}), a role {} holds",
                        config.role_title(owner),
                        person.name
                    ));
                }
            }
        }
        for id in &self.documents {
            if let Some(d) = documents
                .iter()
                .find(|d| &d.id == id)
                .filter(|d| holds(&d.owner))
            {
                conflicts.push(format!(
                    "document {id} is owned by {} ({}), a role {} holds",
                    config.role_title(&d.owner),
                    d.owner,
                    person.name
                ));
            }
        }
        conflicts
    }
}

/// When an effectiveness review was done, by whom, and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EffectivenessReview {
    /// The role that reviewed.
    pub reviewed_by: String,
    /// When.
    pub reviewed_on: NaiveDate,
    /// What it found.
    pub result: Effectiveness,
}

/// A finding: `nonconformities/NC-001.md`. A nonconformity (major or minor) with its
/// correction, root cause, corrective actions and effectiveness review; or an
/// observation or opportunity for improvement, tracked the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Nonconformity {
    /// `NC-001`; also the file name.
    pub id: String,
    /// What was found, in a line.
    pub title: String,
    /// Where it came from.
    pub source: FindingSource,
    /// The audit that raised it (`AUD-2026-01`), an incident's or a review's reference.
    pub source_ref: Option<String>,
    /// Its grade.
    pub grade: Grade,
    /// The requirement it breaks: a clause (`9.2`), an Annex A control (`5.18`) or a
    /// document.
    pub requirement: Option<String>,
    /// When it was raised.
    pub raised_on: NaiveDate,
    /// The role that answers for it.
    pub owner: String,
    /// Where it stands.
    pub status: FindingStatus,
    /// The risks it raised or cites.
    pub risks: Vec<String>,
    /// Corrective actions.
    pub actions: Vec<Action>,
    /// The effectiveness review, once done.
    pub effectiveness: Option<EffectivenessReview>,
    /// When it was closed.
    pub closed_on: Option<NaiveDate>,
    /// The markdown body: `## Finding`, `## Correction`, `## Root cause`.
    pub body: String,
}

/// The narrative sections of a finding, in order.
pub const FINDING_SECTIONS: [&str; 3] = ["Finding", "Correction", "Root cause"];

impl Nonconformity {
    /// Whether it is a nonconformity (major or minor), to which the corrective-action
    /// rules apply.
    pub fn is_nonconformity(&self) -> bool {
        matches!(self.grade, Grade::Major | Grade::Minor)
    }

    /// Why this finding may not be closed (empty when it may): a nonconformity closes
    /// only with a root cause, every action done or cancelled, an effectiveness review
    /// that found the actions effective and was made by someone other than the actions'
    /// owners (by role, and with `config` by person: one person may hold both roles);
    /// a major one also needs an audit item that followed it up. The one rule for the
    /// save's refusal, `isms close`, the checks and the app.
    pub fn closure_blockers(&self, audits: &[Audit], config: Option<&IsmsConfig>) -> Vec<String> {
        let mut blockers = Vec::new();
        if !self.is_nonconformity() {
            return blockers;
        }
        let root_cause = super::sections(&self.body)
            .into_iter()
            .find(|(h, _)| h == "Root cause")
            .map(|(_, t)| t.trim().to_string())
            .unwrap_or_default();
        if root_cause.is_empty() {
            blockers.push("no root cause: write it under `## Root cause`".into());
        }
        for a in self.actions.iter().filter(|a| a.status.is_open()) {
            blockers.push(format!("action {} is still {}", a.id, a.status));
        }
        match &self.effectiveness {
            None => blockers.push(
                "no effectiveness review: say who reviewed the actions, when, and with what result"
                    .into(),
            ),
            Some(review) => {
                if review.result != Effectiveness::Effective {
                    blockers
                        .push("the effectiveness review found the actions not effective".into());
                }
                if let Some(a) = self.actions.iter().find(|a| a.owner == review.reviewed_by) {
                    blockers.push(format!(
                        "the effectiveness review is by {}, who owns action {}: someone else reviews",
                        review.reviewed_by, a.id
                    ));
                } else if let Some(config) = config {
                    // The review is by a person: when everyone who holds the reviewing
                    // role also holds an action's owning role, it is not someone else.
                    let reviewers: Vec<&super::Person> =
                        config.holders(&review.reviewed_by).collect();
                    let owns = |p: &super::Person| {
                        self.actions.iter().find(|a| p.roles.contains(&a.owner))
                    };
                    if !reviewers.is_empty() && reviewers.iter().all(|p| owns(p).is_some()) {
                        let person = reviewers[0];
                        let action = owns(person).expect("checked just above");
                        blockers.push(format!(
                            "the effectiveness review is by {} ({}), who also holds {} and so owns action {}: someone else reviews",
                            person.name, review.reviewed_by, action.owner, action.id
                        ));
                    }
                }
            }
        }
        if self.grade == Grade::Major && self.followed_up_by(audits).is_none() {
            blockers.push(
                "a major nonconformity is closed after an audit item follows it up (`follows_up` on an item)"
                    .into(),
            );
        }
        blockers
    }

    /// The audit and item that followed this finding up, if any.
    pub fn followed_up_by<'a>(&self, audits: &'a [Audit]) -> Option<(&'a Audit, &'a AuditItem)> {
        audits.iter().find_map(|a| {
            a.items
                .iter()
                .find(|i| {
                    i.follows_up.as_deref() == Some(self.id.as_str()) && i.conclusion.is_some()
                })
                .map(|i| (a, i))
        })
    }

    /// Its corrective actions that are open and past their due date on `today`.
    pub fn overdue_actions(&self, today: NaiveDate) -> impl Iterator<Item = &Action> {
        let open = self.status != FindingStatus::Closed;
        self.actions
            .iter()
            .filter(move |a| open && a.status.is_open() && a.due.is_some_and(|d| d < today))
    }

    /// Whether it has been open more than `days` without any action planned: a stale
    /// finding.
    pub fn stale(&self, today: NaiveDate, days: i64) -> bool {
        self.is_nonconformity()
            && self.status == FindingStatus::Open
            && self.actions.is_empty()
            && (today - self.raised_on).num_days() > days
    }
}

/// How long a nonconformity may stay open with nothing planned before the checks call
/// it stale.
pub const STALE_AFTER_DAYS: i64 = 60;

/// The requirements of `coverage` that no audit in the cycle concluded on and no audit
/// still to come (planned or in progress) has in its scope: the programme's gaps. The
/// one rule for `audit-programme-gap` and the Audits screen.
pub fn programme_gaps<'a>(audits: &[Audit], coverage: &'a [CoverageLine]) -> Vec<&'a str> {
    let to_come: Vec<&Audit> = audits
        .iter()
        .filter(|a| matches!(a.status, AuditStatus::Planned | AuditStatus::InProgress))
        .collect();
    let planned = |line: &CoverageLine| {
        to_come
            .iter()
            .any(|a| match line.requirement.strip_prefix("A.") {
                Some(control) => {
                    a.controls.iter().any(|c| c == control)
                        || a.items.iter().any(|i| i.control() == Some(control))
                }
                None => {
                    a.clauses.contains(&line.requirement)
                        || a.items
                            .iter()
                            .any(|i| i.clause() == Some(line.requirement.as_str()))
                }
            })
    };
    coverage
        .iter()
        .filter(|c| c.audited_by.is_empty() && !planned(c))
        .map(|c| c.requirement.as_str())
        .collect()
}

/// One requirement of the audit programme and whether an audit covered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CoverageLine {
    /// A clause (`9.2`) or an applicable Annex A control (`A.5.18`).
    pub requirement: String,
    /// Its title.
    pub title: String,
    /// The completed audits in the cycle that concluded on it.
    pub audited_by: Vec<String>,
}

/// The audit programme's coverage over the cycle ending on `today`: every clause 4–10
/// and every applicable Annex A control, with the completed audits (completed within
/// `cycle_years` before `today`) that concluded on it. The one rule for the dashboard,
/// the checks and the Audits screen.
pub fn audit_coverage(
    audits: &[Audit],
    controls: &[SoaEntry],
    today: NaiveDate,
    cycle_years: u32,
) -> Vec<CoverageLine> {
    let since = today
        .checked_sub_months(chrono::Months::new(12 * cycle_years))
        .unwrap_or(today);
    let counted: Vec<&Audit> = audits
        .iter()
        .filter(|a| a.status == AuditStatus::Completed)
        .filter(|a| a.completed_on.is_some_and(|d| d >= since && d <= today))
        .collect();
    let audited_by = |requirement: Requirement| -> Vec<String> {
        counted
            .iter()
            .filter(|a| {
                a.items
                    .iter()
                    .any(|i| i.conclusion.is_some() && i.requirement() == requirement)
            })
            .map(|a| a.id.clone())
            .collect()
    };
    CLAUSES
        .iter()
        .map(|(id, title)| CoverageLine {
            requirement: (*id).into(),
            title: (*title).into(),
            audited_by: audited_by(Requirement::Clause(id)),
        })
        .chain(
            controls
                .iter()
                .filter(|c| c.applicable)
                .map(|c| CoverageLine {
                    requirement: format!("A.{}", c.id),
                    title: c.title.clone(),
                    audited_by: audited_by(Requirement::Control(&c.id)),
                }),
        )
        .collect()
}

word_enum! {
    /// Where an ISMS objective stands.
    ObjectiveStatus {
        /// Set, not yet measured.
        Planned,
        /// Measured, and heading for its target.
        OnTrack,
        /// Measured, and likely to miss its target.
        AtRisk,
        /// Met.
        Achieved,
        /// Not met by its due date.
        Missed,
    }
}

/// An information security objective (ISO/IEC 27001:2022 clause 6.2):
/// `objectives/OBJ-001.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Objective {
    /// `OBJ-001`; also the file name.
    pub id: String,
    /// The objective, in a line.
    pub title: String,
    /// How it is measured.
    pub measure: String,
    /// The value that meets it.
    pub target: String,
    /// The role that answers for it.
    pub owner: String,
    /// When it is to be met.
    pub due: Option<NaiveDate>,
    /// Where it stands.
    pub status: ObjectiveStatus,
    /// The last measurement, in words.
    pub result: Option<String>,
    /// The markdown body (the plan to meet it).
    pub body: String,
}

impl Objective {
    /// Whether its due date has passed on `today` without its being judged achieved
    /// or missed.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.due.is_some_and(|d| d < today)
            && !matches!(
                self.status,
                ObjectiveStatus::Achieved | ObjectiveStatus::Missed
            )
    }
}

/// A management review (ISO/IEC 27001:2022 clause 9.3): `reviews/MR-2026.md`. Its
/// inputs are compiled from the repository at a commit (`report::review_pack`), never
/// typed; the file records who met, what they decided and the actions they set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Review {
    /// `MR-2026`; also the file name.
    pub id: String,
    /// Its title.
    pub title: String,
    /// When top management met.
    pub held_on: NaiveDate,
    /// Who attended (people of isms.yaml, by name).
    pub attendees: Vec<String>,
    /// What was decided.
    pub decisions: Vec<String>,
    /// The actions it set, carried to the next review's first input.
    pub actions: Vec<Action>,
    /// The markdown body (`## Minutes`).
    pub body: String,
}

/// The findings that bear on a risk: those it cites as prompting it (`findings`) and
/// those that cite it (`risks`), by id. The one rule of the link both ways.
pub fn findings_about_risk<'a>(
    risk: &super::Risk,
    findings: &'a [Nonconformity],
) -> Vec<&'a Nonconformity> {
    let mut out: Vec<&Nonconformity> = findings
        .iter()
        .filter(|n| risk.findings.contains(&n.id) || n.risks.contains(&risk.id))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// The review held last before `review` (by date), whose actions the pack reports on.
pub fn previous_review<'a>(reviews: &'a [Review], review: &Review) -> Option<&'a Review> {
    reviews
        .iter()
        .filter(|r| r.held_on < review.held_on)
        .max_by_key(|r| r.held_on)
}
