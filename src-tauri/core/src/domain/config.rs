//! The ISMS configuration in `isms.yaml`: the organisation, the methodology, roles
//! and people, separation-of-duties rules, risk domains, the assessment schedule and
//! the sign-off chains.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::scoring::Methodology;
use super::words::words;

/// The organisation the ISMS belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Organisation {
    /// The name used in reports.
    pub name: String,
    /// The registered legal name, when different.
    pub legal_name: Option<String>,
    /// One sentence on what the organisation does.
    pub description: Option<String>,
}

/// A role in the ISMS, e.g. `ism` (Information Security Manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Role {
    /// A short id used everywhere else, e.g. `head-of-product`.
    pub id: String,
    /// The role's title, e.g. "Head of Product".
    pub title: String,
}

/// A person who holds roles and may sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Person {
    /// The person's name.
    pub name: String,
    /// The email the person commits and signs with.
    pub email: String,
    /// The roles the person holds.
    pub roles: Vec<String>,
    /// Public SSH signing keys (`ssh-ed25519 AAAA…`).
    pub signing_keys: Vec<String>,
}

/// Two roles that one person must not hold together (ISO/IEC 27001 A.5.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SeparationOfDuties {
    /// The two roles.
    pub roles: [String; 2],
    /// Why they are kept apart.
    pub reason: String,
    /// The organisation knows one person holds both roles and accepts it for now
    /// (`advisory: true`, with the reason saying why): `isms check` warns instead of
    /// failing. Signing still keeps the two roles' steps apart.
    pub advisory: bool,
}

impl SeparationOfDuties {
    /// Whether this rule keeps roles `a` and `b` apart: the one predicate the checks,
    /// signing and verification all ask.
    pub fn keeps_apart(&self, a: &str, b: &str) -> bool {
        a != b
            && ((self.roles[0] == a && self.roles[1] == b)
                || (self.roles[0] == b && self.roles[1] == a))
    }
}

/// Whether a risk domain is assessed in the current cycle.
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
pub enum DomainStatus {
    /// Assessed now.
    InScope,
    /// Deferred to a later workshop or date.
    Deferred,
}
words!(DomainStatus);

/// A risk domain (technical, people, supplier, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskDomain {
    /// A short id that risks cite.
    pub id: String,
    /// The domain's name.
    pub name: String,
    /// In scope or deferred.
    pub status: DomainStatus,
    /// Where a deferred domain went: a workshop or a date.
    pub deferred_to: Option<String>,
}

/// When the risk assessment is repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssessmentSchedule {
    /// Months between assessments (12 for an annual assessment).
    pub cadence_months: u32,
    /// The next scheduled assessment.
    pub next: NaiveDate,
}

/// How a step of a sign-off chain is signed (ARCHITECTURE.md, "The trust model of sign-off").
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
pub enum SignoffMeans {
    /// A signed commit of the report itself.
    CommitSignature,
    /// A signed co-signature commit on the sign-off branch.
    CoSignature,
    /// A signed merge of the sign-off branch into main.
    Merge,
}
words!(SignoffMeans);

/// The role a step of an `audit-report` chain names for the audit's own auditor: the
/// person the audit file names, whoever that is, signs that step.
pub const AUDITOR_ROLE: &str = "auditor";

/// One step of a sign-off chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignoffStep {
    /// The role that signs this step.
    pub role: String,
    /// How it signs.
    pub means: SignoffMeans,
}

/// The ordered roles that must sign one kind of document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignoffChain {
    /// The kind of document, e.g. `risk-assessment`, `soa`, `treatment-plan`,
    /// `risk-acceptance`, `governance`, `document`; or a kind with one subject,
    /// `document:scope`, whose chain that subject follows instead.
    pub kind: String,
    /// The steps, in order.
    pub steps: Vec<SignoffStep>,
}

/// Everything in `isms.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IsmsConfig {
    /// The organisation.
    pub organisation: Organisation,
    /// How risks are scored.
    pub methodology: Methodology,
    /// The roles.
    pub roles: Vec<Role>,
    /// The people.
    pub people: Vec<Person>,
    /// Role pairs one person must not hold together.
    pub separation_of_duties: Vec<SeparationOfDuties>,
    /// The risk domains.
    pub domains: Vec<RiskDomain>,
    /// The assessment schedule.
    pub assessment: AssessmentSchedule,
    /// The sign-off chains, one per kind of document.
    pub signoff: Vec<SignoffChain>,
    /// How many years the internal audit programme takes to audit every clause and
    /// applicable Annex A control ([`super::DEFAULT_AUDIT_CYCLE_YEARS`] unless said).
    pub audit_cycle_years: u32,
    /// The SOC 2 categories in scope besides Security, which always is
    /// (`soc2: categories: [availability, confidentiality]`); `None` when the ISMS
    /// does not report against SOC 2 (no `soc2:` section).
    pub soc2_categories: Option<Vec<super::Soc2Category>>,
}

impl IsmsConfig {
    /// The role with this id.
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// A role's title, or its id when isms.yaml does not define it.
    pub fn role_title(&self, id: &str) -> String {
        match self.role(id) {
            Some(r) => r.title.clone(),
            None if id == AUDITOR_ROLE => "Auditor".to_string(),
            None => id.to_string(),
        }
    }

    /// The sign-off chain for `kind` (`document`) about `subject` (`scope`): the chain
    /// of `document:scope` when isms.yaml has one for that subject, else the kind's.
    pub fn chain(&self, kind: &str, subject: Option<&str>) -> Option<&SignoffChain> {
        let own = subject.map(|s| format!("{kind}:{s}"));
        own.and_then(|own| self.signoff.iter().find(|c| c.kind == own))
            .or_else(|| self.signoff.iter().find(|c| c.kind == kind))
    }

    /// The people who hold a role.
    pub fn holders<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Person> + 'a {
        self.people
            .iter()
            .filter(move |p| p.roles.iter().any(|r| r == role))
    }

    /// The separation-of-duties rule that keeps roles `a` and `b` apart, if any.
    pub fn kept_apart(&self, a: &str, b: &str) -> Option<&SeparationOfDuties> {
        self.separation_of_duties
            .iter()
            .find(|r| r.keeps_apart(a, b))
    }

    /// The domain with this id.
    pub fn domain(&self, id: &str) -> Option<&RiskDomain> {
        self.domains.iter().find(|d| d.id == id)
    }
}
