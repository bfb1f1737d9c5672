//! The ISMS configuration in `isms.yaml`: the organisation, the methodology, roles
//! and people, separation-of-duties rules, risk domains, the assessment schedule and
//! the sign-off chains.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::records::Classification;
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
    /// For a `document` chain: the classification of the controlled documents that
    /// follow it instead of the plain `document` chain (`None` for every other chain).
    pub classification: Option<Classification>,
    /// The steps, in order.
    pub steps: Vec<SignoffStep>,
}

impl SignoffChain {
    /// How isms.yaml and the governance document name this chain: its kind, and the
    /// classification it is for when it has one (`document (confidential)`).
    pub fn name(&self) -> String {
        match self.classification {
            Some(c) => format!("{} ({c})", self.kind),
            None => self.kind.clone(),
        }
    }

    /// Whether `other` is the same chain of isms.yaml (the same kind and
    /// classification), whatever its steps.
    pub fn is_for(&self, other: &SignoffChain) -> bool {
        self.kind == other.kind && self.classification == other.classification
    }

    /// Whether every role that signs `other` also signs this chain: following this
    /// chain gathers every signature `other` asks for.
    fn includes_signers_of(&self, other: &SignoffChain) -> bool {
        other
            .steps
            .iter()
            .all(|o| self.steps.iter().any(|s| s.role == o.role))
    }
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

    /// The sign-off chain for `kind` (`soa`, `audit-report`) about `subject`: the
    /// chain of `kind:subject` when isms.yaml has one for that subject, else the
    /// kind's. A controlled document's approval follows [`Self::document_chain`].
    pub fn chain(&self, kind: &str, subject: Option<&str>) -> Option<&SignoffChain> {
        let own = subject.map(|s| format!("{kind}:{s}"));
        own.and_then(|own| self.plain_chain(&own))
            .or_else(|| self.plain_chain(kind))
    }

    /// The chain of `kind` that is for no classification.
    fn plain_chain(&self, kind: &str) -> Option<&SignoffChain> {
        self.signoff
            .iter()
            .find(|c| c.kind == kind && c.classification.is_none())
    }

    /// The chain an approval of controlled document `id` follows, when the draft put up
    /// is classified `draft` and the version in force (if any) `in_force`:
    ///
    /// - `document:<id>` when isms.yaml gives the document a chain of its own;
    /// - else the chain of its classification (`kind: document` with
    ///   `classification: confidential`), or the plain `document` chain when the
    ///   classification has none;
    /// - when the draft changes the classification, the chain of the two that includes
    ///   every signer of the other. A draft that lowers a document from confidential to
    ///   internal is still approved by everyone who approves confidential documents, and
    ///   one that makes an internal document public also by whoever approves public ones.
    ///
    /// `Err` says why no chain applies: none is configured, or the draft changes the
    /// classification between two chains neither of which includes the other's signers.
    pub fn document_chain(
        &self,
        id: &str,
        draft: Classification,
        in_force: Option<Classification>,
    ) -> std::result::Result<&SignoffChain, String> {
        const KIND: &str = "document";
        if let Some(own) = self.plain_chain(&format!("{KIND}:{id}")) {
            return Ok(own);
        }
        let of_class = |class: Classification| {
            self.signoff
                .iter()
                .find(|c| c.kind == KIND && c.classification == Some(class))
                .or_else(|| self.plain_chain(KIND))
                .ok_or_else(|| {
                    format!(
                        "the approved configuration has no sign-off chain for a {class} controlled document; add one to isms.yaml (signoff: - kind: document) and have it approved"
                    )
                })
        };
        let drafted = of_class(draft)?;
        let Some(before) = in_force.filter(|c| *c != draft) else {
            return Ok(drafted);
        };
        let kept = of_class(before)?;
        if kept.includes_signers_of(drafted) {
            Ok(kept)
        } else if drafted.includes_signers_of(kept) {
            Ok(drafted)
        } else {
            Err(format!(
                "{id} changes its classification from {before} to {draft}, and the chains for {} and {} each lack a signer of the other; give the document a chain of its own in isms.yaml (signoff: - kind: document:{id}) with both chains' signers and have it approved",
                kept.name(),
                drafted.name()
            ))
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The scaffold's isms.yaml with `chains` (kind, classification, roles signing
    /// then merging) in place of its `document` chain.
    fn with_document_chains(chains: &[(&str, Option<Classification>, &[&str])]) -> IsmsConfig {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a valid date");
        let text =
            crate::init::config_text(&crate::init::NewIsms::default_for("Test", today), today);
        let mut config = crate::format::parse_config(&text).expect("the scaffold loads");
        config.signoff.retain(|c| !c.kind.starts_with("document"));
        for (kind, classification, roles) in chains {
            let last = roles.len() - 1;
            config.signoff.push(SignoffChain {
                kind: kind.to_string(),
                classification: *classification,
                steps: roles
                    .iter()
                    .enumerate()
                    .map(|(i, r)| SignoffStep {
                        role: r.to_string(),
                        means: match i {
                            0 => SignoffMeans::CommitSignature,
                            i if i == last => SignoffMeans::Merge,
                            _ => SignoffMeans::CoSignature,
                        },
                    })
                    .collect(),
            });
        }
        config
    }

    fn roles(chain: &SignoffChain) -> Vec<&str> {
        chain.steps.iter().map(|s| s.role.as_str()).collect()
    }

    use Classification::{Confidential, Internal, Public};

    #[test]
    fn a_document_follows_its_own_chain_then_its_classifications_then_the_plain_one() {
        let config = with_document_chains(&[
            ("document", None, &["ism", "ceo"]),
            (
                "document",
                Some(Confidential),
                &["ism", "head-of-product", "ceo"],
            ),
            ("document:scope", None, &["ism", "auditor-lead", "ceo"]),
        ]);
        let chain = |id, draft, in_force| {
            roles(config.document_chain(id, draft, in_force).expect("a chain"))
        };
        assert_eq!(
            chain("scope", Confidential, None),
            ["ism", "auditor-lead", "ceo"]
        );
        assert_eq!(
            chain("policy", Confidential, None),
            ["ism", "head-of-product", "ceo"]
        );
        assert_eq!(chain("policy", Internal, None), ["ism", "ceo"]);
        assert_eq!(chain("policy", Public, Some(Public)), ["ism", "ceo"]);
        // Other kinds never pick up the classification's chain.
        assert_eq!(
            config.chain("document", None).map(roles),
            Some(vec!["ism", "ceo"])
        );
    }

    #[test]
    fn a_draft_that_changes_the_classification_needs_the_signers_of_both() {
        let config = with_document_chains(&[
            ("document", None, &["ism", "ceo"]),
            (
                "document",
                Some(Confidential),
                &["ism", "head-of-product", "ceo"],
            ),
            (
                "document",
                Some(Public),
                &["ism", "communications-lead", "ceo"],
            ),
        ]);
        let chain = |draft, in_force| {
            config
                .document_chain("policy", draft, Some(in_force))
                .map(roles)
        };
        // Lowered from confidential: the Head of Product still approves.
        assert_eq!(
            chain(Internal, Confidential),
            Ok(vec!["ism", "head-of-product", "ceo"])
        );
        // Raised to confidential: the Head of Product now approves.
        assert_eq!(
            chain(Confidential, Internal),
            Ok(vec!["ism", "head-of-product", "ceo"])
        );
        // Made public: whoever approves public documents approves.
        assert_eq!(
            chain(Public, Internal),
            Ok(vec!["ism", "communications-lead", "ceo"])
        );
        // Confidential made public: neither chain has the other's signers.
        let refused = chain(Public, Confidential).expect_err("no chain includes both");
        assert!(
            refused.contains("confidential to public") && refused.contains("kind: document:policy"),
            "{refused}"
        );
    }

    #[test]
    fn no_chain_for_a_classification_or_at_all_is_said() {
        let config = with_document_chains(&[(
            "document",
            Some(Confidential),
            &["ism", "head-of-product", "ceo"],
        )]);
        assert!(config.document_chain("policy", Confidential, None).is_ok());
        let none = config
            .document_chain("policy", Internal, None)
            .expect_err("no chain for an internal document");
        assert!(none.contains("internal controlled document"), "{none}");
    }
}
