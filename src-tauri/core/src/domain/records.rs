//! The records of the ISMS repository: risks, SoA entries, treatments, controlled
//! documents and assessments. Field names are the front-matter keys
//! (ARCHITECTURE.md, house rule 2); the same words are used in Rust, TypeScript and the UI.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::words::{word_enum, words};

use super::scoring::{Band, Methodology, Rating};

/// Where a risk stands in the register.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RiskStatus {
    /// Assessed in the current cycle.
    Active,
    /// Carried over to a later workshop or date.
    Deferred,
    /// No longer relevant; kept for the audit trail.
    Closed,
}
words!(RiskStatus);

/// The four treatment options of ISO/IEC 27001 §6.1.3.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TreatmentOption {
    /// Reduce likelihood or impact with controls.
    Mitigate,
    /// Share the risk (insurance, contract).
    Transfer,
    /// Stop the activity that causes the risk.
    Avoid,
    /// Retain the risk knowingly.
    Accept,
}
words!(TreatmentOption);

impl TreatmentOption {
    /// The option as a report prints it: "Mitigate".
    pub fn label(self) -> &'static str {
        match self {
            TreatmentOption::Mitigate => "Mitigate",
            TreatmentOption::Transfer => "Transfer",
            TreatmentOption::Avoid => "Avoid",
            TreatmentOption::Accept => "Accept",
        }
    }
}

/// The state of a formal risk-acceptance memo.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MemoStatus {
    /// The acceptance is practised but the memo is not yet signed.
    Pending,
    /// The memo is signed.
    Signed,
}
words!(MemoStatus);

/// Implementation status of an Annex A control.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ControlStatus {
    /// In place and operating.
    Implemented,
    /// Partly in place.
    Partial,
    /// Decided, not yet started.
    Planned,
    /// Not in place.
    NotImplemented,
}
words!(ControlStatus);

impl ControlStatus {
    /// The status as a report prints it: "Not implemented".
    pub fn label(self) -> &'static str {
        match self {
            ControlStatus::Implemented => "Implemented",
            ControlStatus::Partial => "Partial",
            ControlStatus::Planned => "Planned",
            ControlStatus::NotImplemented => "Not implemented",
        }
    }
}

/// Reasons other than risks for including a control in the SoA.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum InclusionReason {
    /// Required by law or regulation.
    Legal,
    /// Required by a contract.
    Contractual,
    /// Required by the business.
    Business,
    /// Recognised good practice.
    BestPractice,
}
words!(InclusionReason);

impl InclusionReason {
    /// The reason as people read it: "best practice".
    pub fn label(self) -> &'static str {
        match self {
            InclusionReason::Legal => "legal",
            InclusionReason::Contractual => "contractual",
            InclusionReason::Business => "business",
            InclusionReason::BestPractice => "best practice",
        }
    }
}

/// Management's decision on a treatment.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Decision {
    /// Put forward, not yet decided.
    Proposed,
    /// Approved by management.
    Approved,
}
words!(Decision);

/// Progress of a treatment action.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ActionStatus {
    /// Not started.
    Planned,
    /// Under way.
    InProgress,
    /// Finished.
    Done,
    /// Dropped, with the reason in the treatment's body.
    Cancelled,
}
words!(ActionStatus);

impl ActionStatus {
    /// Whether work on the action is still to be done: planned or in progress.
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Planned | ActionStatus::InProgress)
    }

    /// The status as a report prints it: "In progress".
    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Planned => "Planned",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Done => "Done",
            ActionStatus::Cancelled => "Cancelled",
        }
    }
}

/// The formal acceptance of a risk that is retained (treatment `accept`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Acceptance {
    /// Whether the acceptance memo is signed.
    pub memo: MemoStatus,
    /// The role that accepts the risk.
    pub accepted_by: String,
    /// When the acceptance was first given.
    pub accepted_on: Option<NaiveDate>,
    /// Dates on which the acceptance was re-affirmed.
    pub reaffirmed: Vec<NaiveDate>,
    /// The sign-off request that accepted it (`risk-acceptance-R-013-2026-11-30`),
    /// written by the acceptance's signed merge; verification checks that it agrees.
    pub signoff: Option<String>,
    /// The likelihood and impact the acceptance was signed for; a rescore since makes
    /// the acceptance stale.
    pub as_scored: Option<AsScored>,
}

/// A risk's likelihood and impact, inherent and residual: what an acceptance of it
/// covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AsScored {
    /// Inherent likelihood.
    pub likelihood: Option<u8>,
    /// Inherent impact.
    pub impact: Option<u8>,
    /// Residual likelihood.
    pub residual_likelihood: Option<u8>,
    /// Residual impact.
    pub residual_impact: Option<u8>,
}

impl AsScored {
    /// Each level as (field name, value).
    pub fn levels(&self) -> [(&'static str, Option<u8>); 4] {
        [
            ("likelihood", self.likelihood),
            ("impact", self.impact),
            ("residual_likelihood", self.residual_likelihood),
            ("residual_impact", self.residual_impact),
        ]
    }

    /// What changed from `self` to `now`, one "likelihood 2 → 5" per level: the rule
    /// that makes an acceptance stale, used by the checks and by verification.
    pub fn changes_to(&self, now: &AsScored) -> Vec<String> {
        let text = |v: Option<u8>| v.map_or("—".to_string(), |v| v.to_string());
        self.levels()
            .iter()
            .zip(now.levels())
            .filter(|(a, b)| a.1 != b.1)
            .map(|(a, b)| format!("{} {} → {}", a.0, text(a.1), text(b.1)))
            .collect()
    }
}

/// A risk: one file `risks/R-001.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Risk {
    /// `R-001`; also the file name.
    pub id: String,
    /// A short title.
    pub title: String,
    /// The risk domain (an id from isms.yaml).
    pub domain: String,
    /// Active, deferred or closed.
    pub status: RiskStatus,
    /// Where a deferred risk went (a workshop or a date).
    pub deferred_to: Option<String>,
    /// Inherent likelihood, on the methodology's scale (may be absent for a deferred
    /// risk).
    pub likelihood: Option<u8>,
    /// Inherent impact (may be absent for a deferred risk); with impacts per CIA,
    /// the highest of them.
    pub impact: Option<u8>,
    /// Residual likelihood after the treatment.
    pub residual_likelihood: Option<u8>,
    /// Residual impact after the treatment.
    pub residual_impact: Option<u8>,
    /// The impacts on confidentiality, integrity and availability, when the
    /// methodology asks for them; `impact` is then their highest.
    pub impact_cia: Option<CiaImpact>,
    /// The methodology version the levels were given under, when it is not the one
    /// in force (absent: the one in force). See [`Risk::to_be_rescored`].
    pub methodology_version: Option<String>,
    /// The scoring is provisional (awaiting a workshop or evidence).
    pub provisional: bool,
    /// The chosen treatment option, once decided.
    pub treatment: Option<TreatmentOption>,
    /// The risk owner: a role id.
    pub owner: String,
    /// Annex A controls that address the risk.
    pub controls: Vec<String>,
    /// Related risk ids.
    pub related: Vec<String>,
    /// The findings (`NC-002`: nonconformities, observations) that prompted the risk or
    /// its last change, so the register says why it changed.
    pub findings: Vec<String>,
    /// Theme ids (defined by assessments).
    pub themes: Vec<String>,
    /// When the risk was last reviewed.
    pub reviewed_on: Option<NaiveDate>,
    /// When the risk is next due for review.
    pub next_review: Option<NaiveDate>,
    /// For accepted risks: the acceptance record.
    pub acceptance: Option<Acceptance>,
    /// The markdown body (narrative under fixed `##` headings).
    pub body: String,
}

/// A risk still to be rescored: the version it was scored under, its ratings there
/// (when that version's definition is known), the levels the methodology's mapping
/// proposes and their ratings under the version in force. Whether the band changes
/// only because of the new methodology is said, never acted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rescore {
    /// The version the risk was scored under.
    pub from: String,
    /// The version in force.
    pub to: String,
    /// The inherent rating under `from`, when its definition is known.
    pub inherent_before: Option<Rating>,
    /// The rating after treatment under `from`, when its definition is known.
    pub residual_before: Option<Rating>,
    /// The name of each earlier band, for people.
    pub band_names_before: Vec<(Band, String)>,
    /// The levels the mapping proposes: likelihood, impact, residual likelihood,
    /// residual impact (each where the risk has one and the mapping covers it).
    pub proposed: AsScored,
    /// The inherent rating the proposal gives under `to`.
    pub inherent_proposed: Option<Rating>,
    /// The rating after treatment the proposal gives under `to`.
    pub residual_proposed: Option<Rating>,
    /// The inherent band differs only because the methodology changed.
    pub band_changed: bool,
}

impl Rescore {
    /// How `risk` stands if it is to be rescored under `in_force`; `earlier` is the
    /// methodology it was scored under, when known.
    pub fn of(
        risk: &Risk,
        earlier: Option<&Methodology>,
        in_force: &Methodology,
    ) -> Option<Rescore> {
        if !risk.to_be_rescored(in_force) {
            return None;
        }
        let from = risk.scored_under(in_force).to_string();
        let mapping = in_force.rescoring.as_ref().filter(|r| r.from == from);
        let map = |l: Option<u8>, i: Option<u8>| -> (Option<u8>, Option<u8>) {
            match mapping.and_then(|m| m.map(l?, i?)) {
                Some((l, i)) => (Some(l), Some(i)),
                None => (None, None),
            }
        };
        let (likelihood, impact) = map(risk.likelihood, risk.impact);
        let (residual_likelihood, residual_impact) =
            map(risk.residual_likelihood, risk.residual_impact);
        let proposed = AsScored {
            likelihood,
            impact,
            residual_likelihood,
            residual_impact,
        };
        let rate = |l: Option<u8>, i: Option<u8>| Rating::new(in_force, l?, i?);
        let after = match (residual_likelihood, residual_impact) {
            (Some(l), Some(i)) => Some((l, i)),
            _ => likelihood.zip(impact),
        };
        let old = earlier.filter(|m| m.version == from);
        let inherent_before = old.and_then(|m| Rating::new(m, risk.likelihood?, risk.impact?));
        let inherent_proposed = rate(likelihood, impact);
        Some(Rescore {
            band_changed: match (&inherent_before, &inherent_proposed) {
                (Some(b), Some(p)) => b.band != p.band,
                _ => false,
            },
            residual_before: old.and_then(|m| {
                let (l, i) = risk.levels_after_treatment()?;
                Rating::new(m, l, i)
            }),
            band_names_before: old
                .map(|m| {
                    m.bands
                        .iter()
                        .map(|b| (b.band.clone(), b.name.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            inherent_before,
            inherent_proposed,
            residual_proposed: after.and_then(|(l, i)| Rating::new(in_force, l, i)),
            proposed,
            from,
            to: in_force.version.clone(),
        })
    }
}

/// A risk's impact on confidentiality, integrity and availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CiaImpact {
    /// Impact of a loss of confidentiality.
    pub confidentiality: u8,
    /// Impact of a loss of integrity.
    pub integrity: u8,
    /// Impact of a loss of availability.
    pub availability: u8,
}

impl CiaImpact {
    /// The risk's impact: the highest of the three.
    pub fn highest(&self) -> u8 {
        self.confidentiality
            .max(self.integrity)
            .max(self.availability)
    }
}

/// The body heading of a risk's scoring rationale.
pub const SCORING_RATIONALE: &str = "Scoring rationale";

/// Body headings of a risk that are for the internal register only; public reports
/// leave them out.
pub const INTERNAL_SECTIONS: [&str; 2] = [SCORING_RATIONALE, "Internal notes"];

/// The body headings of a risk, in order.
pub const RISK_SECTIONS: [&str; 6] = [
    "Description",
    "Existing controls",
    "Treatment options",
    "Work in progress",
    SCORING_RATIONALE,
    "Internal notes",
];

impl Risk {
    /// What changed in the scoring since `committed` (the last committed version of
    /// this risk) while its scoring rationale stayed word for word the same: the
    /// rationale explains a score that is no longer the one recorded, and is due for
    /// review. Empty when the score is unchanged or the rationale was revised with it.
    pub fn rationale_review(&self, committed: &Risk) -> Vec<String> {
        let changes = committed.as_scored().changes_to(&self.as_scored());
        let rationale = |r: &Risk| {
            sections(&r.body)
                .into_iter()
                .find(|(heading, _)| heading == SCORING_RATIONALE)
                .map(|(_, text)| text.trim().to_string())
        };
        if changes.is_empty() || rationale(self) != rationale(committed) {
            return Vec::new();
        }
        changes
    }

    /// The inherent rating under `methodology`, when both likelihood and impact are
    /// given, on its scales, and given under its version (a risk still to be
    /// rescored has no rating under the new version: see [`Risk::to_be_rescored`]).
    pub fn inherent(&self, methodology: &Methodology) -> Option<Rating> {
        self.rated_under(methodology, self.likelihood, self.impact)
    }

    /// The one gate of every rating: levels given under `methodology`'s version.
    fn rated_under(
        &self,
        methodology: &Methodology,
        likelihood: Option<u8>,
        impact: Option<u8>,
    ) -> Option<Rating> {
        if self.scored_under(methodology) != methodology.version {
            return None;
        }
        Rating::new(methodology, likelihood?, impact?)
    }

    /// The methodology version the risk's levels were given under: its own
    /// `methodology_version`; without one, the version the methodology's rescoring
    /// maps from while there is one (a change of methodology writes only isms.yaml,
    /// and every risk scored before it is then to be rescored), else the version in
    /// force. Rescoring a risk writes the version it was rescored under.
    pub fn scored_under<'a>(&'a self, in_force: &'a Methodology) -> &'a str {
        self.methodology_version
            .as_deref()
            .or(in_force.rescoring.as_ref().map(|r| r.from.as_str()))
            .unwrap_or(&in_force.version)
    }

    /// The levels beyond the scales of `in_force`, as (field, level, scale size): for
    /// a risk scored under it (one still to be rescored is on the old scales). The
    /// one rule behind `level-off-scale` and the refusal to save such a level.
    pub fn levels_off_scale(&self, in_force: &Methodology) -> Vec<(&'static str, u8, usize)> {
        if self.to_be_rescored(in_force) {
            return Vec::new();
        }
        let (l, i) = (in_force.likelihood.len(), in_force.impact.len());
        let impact_field = if self.impact_cia.is_some() {
            "impact_cia"
        } else {
            "impact"
        };
        [
            ("likelihood", self.likelihood, l),
            (impact_field, self.impact, i),
            ("residual_likelihood", self.residual_likelihood, l),
            ("residual_impact", self.residual_impact, i),
        ]
        .into_iter()
        .filter_map(|(field, level, size)| {
            level
                .filter(|&v| usize::from(v) > size)
                .map(|v| (field, v, size))
        })
        .collect()
    }

    /// Whether the risk has levels given under a methodology version that is no
    /// longer in force: it must be rescored, and until then it is rated under the
    /// old version, never rescaled silently. Closed risks are not rescored.
    pub fn to_be_rescored(&self, in_force: &Methodology) -> bool {
        self.status != RiskStatus::Closed
            && self.scored_under(in_force) != in_force.version
            && [
                self.likelihood,
                self.impact,
                self.residual_likelihood,
                self.residual_impact,
            ]
            .iter()
            .any(Option::is_some)
    }

    /// The levels an acceptance of this risk would cover.
    pub fn as_scored(&self) -> AsScored {
        AsScored {
            likelihood: self.likelihood,
            impact: self.impact,
            residual_likelihood: self.residual_likelihood,
            residual_impact: self.residual_impact,
        }
    }

    /// The residual rating, when both residual values are given.
    pub fn residual(&self, methodology: &Methodology) -> Option<Rating> {
        self.rated_under(methodology, self.residual_likelihood, self.residual_impact)
    }

    /// The likelihood and impact the risk keeps after treatment: the recorded residual
    /// levels, or the inherent ones where no residual is recorded (nothing lowers a
    /// risk until its treatment is recorded; an accepted risk keeps its score). The
    /// one rule for the dashboard, the register and the reports.
    pub fn levels_after_treatment(&self) -> Option<(u8, u8)> {
        match (self.residual_likelihood, self.residual_impact) {
            (Some(l), Some(i)) => Some((l, i)),
            _ => Some((self.likelihood?, self.impact?)),
        }
    }

    /// The rating the risk keeps after treatment ([`Risk::levels_after_treatment`]).
    pub fn rating_after_treatment(&self, methodology: &Methodology) -> Option<Rating> {
        let (l, i) = self.levels_after_treatment()?;
        self.rated_under(methodology, Some(l), Some(i))
    }
}

/// Whether the review of a risk in `status` that was due `next_review` is overdue on
/// `today`: the one rule for the dashboard, the register and the checks. Closed risks
/// are not reviewed.
pub fn review_overdue(
    status: RiskStatus,
    next_review: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    status != RiskStatus::Closed && next_review.is_some_and(|due| due < today)
}

impl Risk {
    /// Whether this risk's review is overdue on `today` (see [`review_overdue`]).
    pub fn review_overdue(&self, today: NaiveDate) -> bool {
        review_overdue(self.status, self.next_review, today)
    }

    /// The Annex A controls this risk counts for in the SoA: its controls, unless the
    /// risk is closed (a closed risk no longer justifies a control).
    pub fn cited_controls(&self) -> &[String] {
        if self.status == RiskStatus::Closed {
            &[]
        } else {
            &self.controls
        }
    }
}

/// The risks that cite each Annex A control, by control id, in risk-id order: the
/// computed part of an SoA entry's justification. Closed risks no longer justify a
/// control; active and deferred ones do.
pub fn risks_citing<'a>(
    risks: impl IntoIterator<Item = &'a Risk>,
) -> std::collections::BTreeMap<&'a str, Vec<&'a Risk>> {
    let mut cited: std::collections::BTreeMap<&str, Vec<&Risk>> = Default::default();
    let mut citing_risks: Vec<&Risk> = risks
        .into_iter()
        .filter(|r| !r.cited_controls().is_empty())
        .collect();
    citing_risks.sort_by(|a, b| a.id.cmp(&b.id));
    for risk in citing_risks {
        for control in risk.cited_controls() {
            let citing = cited.entry(control.as_str()).or_default();
            if !citing.iter().any(|r| r.id == risk.id) {
                citing.push(risk);
            }
        }
    }
    cited
}

/// A Statement of Applicability entry: one file per Annex A control, `controls/8.13.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SoaEntry {
    /// The Annex A control id, e.g. `8.13`; also the file name.
    pub id: String,
    /// The control's short title (as in the catalogue).
    pub title: String,
    /// Whether the control is applicable.
    pub applicable: bool,
    /// Implementation status.
    pub status: ControlStatus,
    /// The role that owns the control.
    pub owner: Option<String>,
    /// Reasons other than risks for including the control.
    pub reasons: Vec<InclusionReason>,
    /// Why the control is excluded (required when not applicable), or extra context.
    pub justification: Option<String>,
    /// Where the evidence of implementation is.
    pub evidence: Vec<String>,
    /// How fresh its evidence (`evidence/`) must be, in days: an access review every
    /// 90, a restore drill every 92.
    pub evidence_every_days: Option<u32>,
    /// The markdown body.
    pub body: String,
}

impl SoaEntry {
    /// Why the entry contradicts itself, with the field at fault: a control that is not
    /// applicable is neither in place nor required. Such an entry is refused where it is
    /// read (the one rule for the reader, the app and `isms set`).
    pub fn contradiction(&self) -> Option<(&'static str, String)> {
        if self.applicable {
            return None;
        }
        if self.status != ControlStatus::NotImplemented {
            return Some((
                "status",
                format!(
                    "the control is not applicable, yet its status is {}: an excluded control is not_implemented; mark it applicable or set status: not_implemented",
                    self.status.as_str()
                ),
            ));
        }
        if !self.reasons.is_empty() {
            let reasons: Vec<&str> = self.reasons.iter().map(|r| r.as_str()).collect();
            return Some((
                "reasons",
                format!(
                    "the control is not applicable, yet included for {}: remove the reasons or mark it applicable",
                    reasons.join(", ")
                ),
            ));
        }
        None
    }
}

/// An action of a treatment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Action {
    /// `A1`, unique within the treatment.
    pub id: String,
    /// What will be done.
    pub description: String,
    /// The role responsible.
    pub owner: String,
    /// When it is due.
    pub due: Option<NaiveDate>,
    /// Progress.
    pub status: ActionStatus,
    /// People, money or tools committed.
    pub resources: Option<String>,
}

/// The highest number of the actions' ids (`A3` → 3), 0 for none.
pub fn highest_action_number(actions: &[Action]) -> u32 {
    actions
        .iter()
        .filter_map(|a| a.id.strip_prefix('A')?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
}

/// The id a new action of a treatment or a finding takes: `A` and one more than the
/// highest number in use (`A3` after `A1`, `A2`; still `A3` once `A1` is removed).
pub fn next_action_id(actions: &[Action]) -> String {
    format!("A{}", highest_action_number(actions) + 1)
}

/// A risk treatment: one file `treatments/T-001.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Treatment {
    /// `T-001`; also the file name.
    pub id: String,
    /// A short title.
    pub title: String,
    /// The risks this treatment addresses.
    pub risks: Vec<String>,
    /// The findings (`NC-002`) that prompted this treatment.
    pub findings: Vec<String>,
    /// The treatment option.
    pub option: TreatmentOption,
    /// The actions.
    pub actions: Vec<Action>,
    /// Management's decision.
    pub decision: Decision,
    /// When it was approved.
    pub approved_on: Option<NaiveDate>,
    /// The role that approved it.
    pub approved_by: Option<String>,
    /// When the treatment was closed (its work finished or dropped); open until then.
    pub closed_on: Option<NaiveDate>,
    /// The markdown body.
    pub body: String,
}

impl Treatment {
    /// The actions that are late on `today`: open (planned or in progress) and past
    /// their due date, in a treatment that is approved and not closed. A treatment only
    /// proposed has no commitments yet to be late on. The one rule for the dashboard,
    /// the treatment plan and the checks.
    pub fn overdue_actions(&self, today: NaiveDate) -> impl Iterator<Item = &Action> {
        let committed = self.closed_on.is_none() && self.decision == Decision::Approved;
        self.actions.iter().filter(move |a| {
            committed && a.status.is_open() && a.due.is_some_and(|due| due < today)
        })
    }

    /// The id a new action takes ([`next_action_id`]).
    pub fn next_action_id(&self) -> String {
        next_action_id(&self.actions)
    }

    /// The actions still to be done (planned or in progress).
    pub fn open_actions(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(|a| a.status.is_open())
    }
}

/// A controlled document under document control: `documents/scope.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Document {
    /// The file stem, e.g. `scope`.
    pub id: String,
    /// The document's title.
    pub title: String,
    /// The document's version, e.g. `1.2`.
    pub version: String,
    /// The role that owns the document.
    pub owner: String,
    /// The role that approves it (whose approval the `document` sign-off chain ends in).
    pub approver: Option<String>,
    /// The role that approved the version in force (written by the approval's merge).
    pub approved_by: Option<String>,
    /// Who may read it.
    pub classification: Option<Classification>,
    /// Where it stands, as written; [`Document::status`] says it when the file does not.
    pub status: Option<DocumentStatus>,
    /// When this version took effect.
    pub effective: Option<NaiveDate>,
    /// How many months an approved version stays in force before it is reviewed.
    pub review_cycle_months: Option<u32>,
    /// When it is next due for review.
    pub next_review: Option<NaiveDate>,
    /// When the document was withdrawn (kept for the audit trail, no longer in force).
    pub withdrawn_on: Option<NaiveDate>,
    /// What changed in the version put up for approval, in a sentence: the revision
    /// history's "change" column once it is approved.
    pub change_summary: Option<String>,
    /// The markdown body.
    pub body: String,
}

word_enum! {
    /// Where a controlled document stands (ISO/IEC 27001:2022 clause 7.5.3).
    DocumentStatus {
        /// Being written; not in force.
        Draft,
        /// Put up for approval: a `document` sign-off is open.
        InReview,
        /// Approved: the version in force.
        Approved,
        /// No longer in force, kept for the record.
        Withdrawn,
    }
}

word_enum! {
    /// Who may read a document.
    Classification {
        /// Anyone, e.g. the security page.
        Public,
        /// Everyone in the organisation.
        Internal,
        /// Named people and auditors under non-disclosure.
        Confidential,
        /// Only the people named in the document.
        Restricted,
    }
}

impl Document {
    /// Where the document stands: as written, else withdrawn when it has a withdrawal
    /// date, approved when it names its approval and effective date, else a draft.
    pub fn status(&self) -> DocumentStatus {
        match self.status {
            Some(s) => s,
            None if self.withdrawn_on.is_some() => DocumentStatus::Withdrawn,
            None if self.approved_by.is_some() && self.effective.is_some() => {
                DocumentStatus::Approved
            }
            None => DocumentStatus::Draft,
        }
    }

    /// Who may read the document: as classified, else internal (how every report
    /// prints an unclassified document, and which sign-off chain its approval follows).
    pub fn classification_or_internal(&self) -> Classification {
        self.classification.unwrap_or(Classification::Internal)
    }

    /// The version an approval now would put in force, after `approved` (the version
    /// last approved with a signature, if any): the version the document states when
    /// that is later, else the next minor version (`1.1` → `1.2`, `2` → `3`).
    pub fn version_for_approval(&self, approved: Option<&str>) -> String {
        match approved {
            None => self.version.clone(),
            Some(a) if version_order(&self.version, a) == std::cmp::Ordering::Greater => {
                self.version.clone()
            }
            Some(a) => next_version(a),
        }
    }

    /// The date an approval effective on `effective` is next reviewed: a review cycle
    /// later, when the document has one.
    pub fn next_review_after(&self, effective: NaiveDate) -> Option<NaiveDate> {
        self.review_cycle_months
            .and_then(|m| effective.checked_add_months(chrono::Months::new(m)))
    }

    /// The date this document's review was due, when that has passed on `today` and the
    /// document is still in force.
    pub fn review_overdue(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.next_review
            .filter(|due| *due < today && self.withdrawn_on.is_none())
    }
}

/// Markdown with every heading one level down (`#` → `###`… `##` is added), outside
/// code fences, and `<!--` made text: how text a person wrote is placed under a
/// section of a document ISMS Desk renders, so none of it starts a section of its own.
pub fn demote_headings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence && line.starts_with('#') {
            out.push_str("##");
        }
        if in_fence {
            out.push_str(line);
        } else {
            out.push_str(&line.replace("<!--", "&lt;!--"));
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// A document's text as its approval shows it, under `## Document`.
pub fn approved_text_of(document: &Document) -> String {
    demote_headings(document.body.trim())
}

/// The value of the first `| name | value |` row of a rendered document's tables: how
/// a signed document's document control (`| Version |`, `| Classification |`) is read
/// back.
pub fn table_row(markdown: &str, name: &str) -> Option<String> {
    let prefix = format!("| {name} | ");
    markdown.lines().find_map(|l| {
        l.strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(" |"))
            .map(str::to_string)
    })
}

/// What a signed approval (`reports/document/<id>.md`) says was approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApprovedDocument {
    /// The version it put in force.
    pub version: String,
    /// The document's text, as [`approved_text_of`] gives it.
    pub text: String,
    /// The change it brought, as the approval states it.
    pub change: Option<String>,
    /// The classification it was approved under (internal when the approval does not
    /// state one, as [`Document::classification_or_internal`] reads an unclassified
    /// document).
    pub classification: Classification,
}

impl ApprovedDocument {
    /// Reads back an approval as `controlled-document.md.j2` renders it: its
    /// `| Version |` and `| Change |` rows and its `## Document` section.
    pub fn read(markdown: &str) -> Option<ApprovedDocument> {
        let row = |name: &str| table_row(markdown, name);
        let version = row("Version")?;
        let change = row("Change").filter(|c| c != "—");
        let classification = row("Classification")
            .and_then(|c| Classification::parse(&c.to_lowercase()))
            .unwrap_or(Classification::Internal);
        let mut text = Vec::new();
        let mut in_fence = false;
        for line in markdown.lines().skip_while(|l| *l != "## Document").skip(1) {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
            }
            if !in_fence && line.starts_with("## ") {
                break;
            }
            text.push(line);
        }
        Some(ApprovedDocument {
            version,
            text: text.join("\n").trim().to_string(),
            change,
            classification,
        })
    }

    /// Whether `document` says something other than this approval: its text or its
    /// classification changed.
    pub fn changed_in(&self, document: &Document) -> bool {
        !self.changes_in(document).is_empty()
    }

    /// What `document` changed since this approval, in words: `its text`, `its
    /// classification (confidential → public)`. Both are what an approval signs: a
    /// document made public without one is as unapproved as one rewritten.
    pub fn changes_in(&self, document: &Document) -> Vec<String> {
        let mut changes = Vec::new();
        if self.text != approved_text_of(document) {
            changes.push("its text".to_string());
        }
        let now = document.classification_or_internal();
        if self.classification != now {
            changes.push(format!(
                "its classification ({} → {now})",
                self.classification
            ));
        }
        changes
    }
}

/// Orders two versions (`1.10` after `1.9`): number by number where both are
/// numbers, as text otherwise.
pub fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |v: &str| -> Vec<String> { v.split('.').map(str::to_string).collect() };
    let (pa, pb) = (parts(a), parts(b));
    for i in 0..pa.len().max(pb.len()) {
        let (x, y) = (pa.get(i), pb.get(i));
        let order = match (x, y) {
            (None, _) => std::cmp::Ordering::Less,
            (_, None) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => match (x.parse::<u64>(), y.parse::<u64>()) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                _ => x.cmp(y),
            },
        };
        if order != std::cmp::Ordering::Equal {
            return order;
        }
    }
    std::cmp::Ordering::Equal
}

/// The version after `v`: its last number one higher (`1.1` → `1.2`), or `v.1` when it
/// does not end in a number.
pub fn next_version(v: &str) -> String {
    match v.rsplit_once('.') {
        Some((head, last)) => match last.parse::<u64>() {
            Ok(n) => format!("{head}.{}", n + 1),
            Err(_) => format!("{v}.1"),
        },
        None => match v.parse::<u64>() {
            Ok(n) => (n + 1).to_string(),
            Err(_) => format!("{v}.1"),
        },
    }
}

/// A recurring theme observed in an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Theme {
    /// A short id that risks cite.
    pub id: String,
    /// The theme as a sentence.
    pub title: String,
}

/// A dated risk assessment: `assessments/2026.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Assessment {
    /// The file stem, e.g. `2026`.
    pub id: String,
    /// The assessment's title.
    pub title: String,
    /// The date the assessment was performed.
    pub performed_on: NaiveDate,
    /// The methodology version it used.
    pub methodology_version: String,
    /// Risk domains assessed in this iteration.
    pub domains_in_scope: Vec<String>,
    /// Risk domains deferred to a later iteration.
    pub domains_deferred: Vec<String>,
    /// The evidence the assessment drew on.
    pub evidence: Vec<String>,
    /// Themes observed.
    pub themes: Vec<Theme>,
    /// Continuous-improvement items it surfaced.
    pub improvements: Vec<String>,
    /// The markdown body.
    pub body: String,
}

/// The current assessment: the latest by date, then by id. The one rule for the
/// report, the pickers' themes and the checks.
pub fn latest_assessment<'a>(
    assessments: impl IntoIterator<Item = &'a Assessment>,
) -> Option<&'a Assessment> {
    assessments
        .into_iter()
        .max_by(|a, b| a.performed_on.cmp(&b.performed_on).then(a.id.cmp(&b.id)))
}

/// A front-matter key ISMS Desk does not read. It is kept as written; the checks point
/// out the likely typo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnknownKey {
    /// The file, relative to the repository root.
    pub path: String,
    /// The key as written.
    pub key: String,
    /// Its line in the file.
    pub line: usize,
    /// The known key it probably means, when one is within two edits.
    pub suggestion: Option<String>,
}

/// Every record of the repository that loaded.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Records {
    /// `isms.yaml`, when it loaded.
    pub config: Option<super::IsmsConfig>,
    /// The risk register, ordered by id.
    pub risks: Vec<Risk>,
    /// The SoA entries, in Annex A order.
    pub controls: Vec<SoaEntry>,
    /// The treatments, ordered by id.
    pub treatments: Vec<Treatment>,
    /// The controlled documents, ordered by id.
    pub documents: Vec<Document>,
    /// The assessments, ordered by id.
    pub assessments: Vec<Assessment>,
    /// The internal audits, ordered by id.
    pub audits: Vec<super::Audit>,
    /// The findings (nonconformities, observations, opportunities), ordered by id.
    pub nonconformities: Vec<super::Nonconformity>,
    /// The information security objectives, ordered by id.
    pub objectives: Vec<super::Objective>,
    /// The management reviews, ordered by id.
    pub reviews: Vec<super::Review>,
    /// The suppliers, ordered by id.
    pub suppliers: Vec<super::Supplier>,
    /// The organisation's certifications and attestations, ordered by id.
    pub attestations: Vec<super::Attestation>,
    /// The public security page's source, when there is one.
    pub security_page: Option<super::SecurityPage>,
    /// The SOC 2 system description, when there is one.
    pub system_description: Option<super::SystemDescription>,
    /// The evidence records, ordered by id.
    pub evidence: Vec<super::Evidence>,
    /// What each evidence file named by a record is on disk, by its path.
    pub evidence_files: Vec<(String, super::EvidenceFile)>,
    /// Every file under `evidence/files/`, recorded or not, by its path.
    pub evidence_folder_files: Vec<String>,
    /// The ISMS's own rows of the SOC 2 mapping (`soc2/mapping.csv`), those that can
    /// be used.
    pub soc2_mapping: Vec<crate::catalogue::MappingRow>,
    /// Front-matter keys ISMS Desk does not read.
    pub unknown_keys: Vec<UnknownKey>,
    /// What git knows of the repository that no record says, when it is one.
    pub repository: Option<RepositoryFacts>,
}

impl Records {
    /// The SOC 2 mapping in force: the shipped links with this ISMS's own rows
    /// applied.
    pub fn soc2_links(&self) -> Vec<super::MappingLink> {
        soc2_links_with(&self.soc2_mapping).0
    }
}

/// The SOC 2 mapping in force with `own` rows applied, and the rows that cannot be
/// used.
pub fn soc2_links_with(
    own: &[crate::catalogue::MappingRow],
) -> (Vec<super::MappingLink>, Vec<super::MappingProblem>) {
    let annex_a = crate::catalogue::annex_a();
    let ids: Vec<&str> = annex_a.iter().map(|c| c.id.as_str()).collect();
    super::mapping_in_force(
        &crate::catalogue::soc2_mapping(),
        own,
        &crate::catalogue::soc2_criteria(),
        &ids,
    )
}

/// What git knows of an ISMS repository that the checks need.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepositoryFacts {
    /// Temporary files of interrupted saves that reached the last commit.
    pub committed_temporaries: Vec<String>,
    /// Whether git ignores such temporary files (`.gitignore`: `.*.tmp`).
    pub ignores_temporaries: bool,
    /// The signed approval in force of each controlled document that has one, by
    /// document id, as the last commit holds it (`reports/document/<id>.md`).
    pub approved_documents: Vec<(String, ApprovedDocument)>,
}

/// The `##` sections of a markdown body, in order: `(heading, text)`.
/// Text before the first `##` heading is returned under the empty heading.
pub fn sections(body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut heading = String::new();
    let mut text = String::new();
    let mut in_fence = false;
    for line in body.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence {
            if let Some(h) = line.strip_prefix("## ") {
                if !heading.is_empty() || !text.trim().is_empty() {
                    out.push((heading, text.trim().to_string()));
                }
                heading = h.trim().to_string();
                text = String::new();
                continue;
            }
        }
        text.push_str(line);
        text.push('\n');
    }
    if !heading.is_empty() || !text.trim().is_empty() {
        out.push((heading, text.trim().to_string()));
    }
    out
}

/// Replaces the text of the `## heading` section of a markdown body, leaving every
/// other line exactly as written. A missing section is added at the end. This is how
/// the app saves one narrative section without rewriting the rest of the body.
pub fn replace_section(body: &str, heading: &str, text: &str) -> String {
    let lines: Vec<&str> = body.split_inclusive('\n').collect();
    fn is_heading(line: &str) -> Option<&str> {
        line.trim_end().strip_prefix("## ").map(str::trim)
    }
    let mut in_fence = false;
    let mut start = None;
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if let Some(h) = is_heading(line) {
            if start.is_some() {
                end = i;
                break;
            }
            if h == heading {
                start = Some(i);
            }
        }
    }
    let text = text.trim();
    let section = if text.is_empty() {
        "\n".to_string()
    } else {
        format!("\n{text}\n\n")
    };
    match start {
        Some(start) => {
            let mut out: String = lines[..=start].concat();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&section);
            out.push_str(&lines[end..].concat());
            if end == lines.len() {
                // The last section: no blank line owed to a following heading.
                let trimmed = out.trim_end_matches('\n').len();
                out.truncate(trimmed);
                out.push('\n');
            }
            out
        }
        None => {
            let mut out = body.trim_end_matches('\n').to_string();
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(&format!("## {heading}\n{section}"));
            let trimmed = out.trim_end_matches('\n').len();
            out.truncate(trimmed);
            out.push('\n');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_section_changes_one_section_and_keeps_the_rest_as_written() {
        let body = "Intro line\n\n## Description\n\nOld text.\n\n## Existing controls\n\n- a  \n- b\n\n```\n## not a heading\n```\n";
        let out = replace_section(body, "Description", "New text\nover two lines.");
        assert_eq!(
            out,
            "Intro line\n\n## Description\n\nNew text\nover two lines.\n\n## Existing controls\n\n- a  \n- b\n\n```\n## not a heading\n```\n"
        );
        let last = replace_section(body, "Existing controls", "- c");
        assert_eq!(
            last,
            "Intro line\n\n## Description\n\nOld text.\n\n## Existing controls\n\n- c\n"
        );
        let added = replace_section("## Description\n\nText.\n", "Internal notes", "Note.");
        assert_eq!(
            added,
            "## Description\n\nText.\n\n## Internal notes\n\nNote.\n"
        );
        assert_eq!(
            sections(&added)[1],
            ("Internal notes".to_string(), "Note.".to_string())
        );
        let emptied = replace_section(body, "Description", "  ");
        assert_eq!(
            sections(&emptied)[1],
            ("Description".to_string(), String::new())
        );
        assert!(emptied.contains("## Existing controls\n\n- a  \n"));
    }

    #[test]
    fn sections_split_on_level_two_headings_outside_code_fences() {
        let body = "Intro\n\n## Description\nA risk.\n\n```\n## not a heading\n```\n## Internal notes\nSecret.\n";
        let s = sections(body);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0], ("".into(), "Intro".into()));
        assert_eq!(s[1].0, "Description");
        assert!(s[1].1.contains("## not a heading"));
        assert_eq!(s[2], ("Internal notes".into(), "Secret.".into()));
    }

    #[test]
    fn words_round_trip_and_list_alternatives() {
        for status in ControlStatus::ALL {
            assert_eq!(ControlStatus::parse(status.as_str()), Some(*status));
        }
        assert_eq!(RiskStatus::expected(), "active, deferred or closed");
        assert_eq!(TreatmentOption::parse("Mitigate"), None, "words are exact");
    }
}
