//! What the organisation tells the public, and the rule that it never promises more
//! than the ISMS records.
//!
//! - [`Attestation`]: the organisation's own certifications and attestations
//!   (`attestations/iso27001.md`), with their status as the record says it.
//! - [`SecurityPage`]: the public security page's source (`public/security-page.md`):
//!   statements, each tied to Annex A controls; the subprocessors, by supplier id; the
//!   attestations, by record id; the disclosure policy and the security contact.
//!
//! [`page_problems`] is the one rule for whether the page is true: `isms check` reports
//! what it finds, and `isms publish` refuses to write a page it finds anything in.

use chrono::NaiveDate;
use serde::Serialize;

use super::checks::Rule;
use super::words::word_enum;
use super::{ControlStatus, SoaEntry, Supplier};

/// Where the page's source lives, relative to the repository root.
pub const SECURITY_PAGE_FILE: &str = "public/security-page.md";

word_enum! {
    /// Where a certification or attestation stands.
    AttestationStatus {
        /// Decided, not yet started.
        Planned,
        /// The audit is under way.
        InProgress,
        /// Certified or attested, and in force until it expires.
        Achieved,
        /// Withdrawn, suspended or not renewed.
        Lapsed,
    }
}

/// A certification or attestation of the organisation: `attestations/iso27001.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Attestation {
    /// `iso27001`; also the file name.
    pub id: String,
    /// What it is, as the public reads it: `ISO/IEC 27001:2022 certification`.
    pub name: String,
    /// Where it stands.
    pub status: AttestationStatus,
    /// The certification body or audit firm.
    pub issuer: Option<String>,
    /// The certificate or report reference.
    pub certificate: Option<String>,
    /// When it was issued.
    pub issued_on: Option<NaiveDate>,
    /// When it expires (a certificate) or its period ends (a report).
    pub expires_on: Option<NaiveDate>,
    /// When it is expected, in words, while planned or in progress
    /// (`stage 2 audit in March 2027`).
    pub expected: Option<String>,
    /// The markdown body (internal notes; never published).
    pub body: String,
}

impl Attestation {
    /// Whether it is achieved and in force on `today`.
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.status == AttestationStatus::Achieved && self.expires_on.is_some_and(|d| d >= today)
    }

    /// Its status as the public page says it.
    pub fn public_status(&self) -> String {
        match self.status {
            AttestationStatus::Planned => "Planned".into(),
            AttestationStatus::InProgress => "In progress".into(),
            AttestationStatus::Achieved => "Achieved".into(),
            AttestationStatus::Lapsed => "Lapsed".into(),
        }
    }
}

/// One statement of the page: a heading, what the organisation does, and the Annex A
/// controls that make it true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PublicStatement {
    /// A short id, unique on the page (`encryption`); an anchor on the page.
    pub id: String,
    /// The heading (`Encryption`).
    pub heading: String,
    /// The statement, as published.
    pub text: String,
    /// The Annex A controls it rests on.
    pub controls: Vec<String>,
}

/// The public security page's source: `public/security-page.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SecurityPage {
    /// The page title.
    pub title: String,
    /// Where the page is published (`https://…/security/`); security.txt's `Canonical`
    /// and the feed's links are made from it.
    pub canonical_url: String,
    /// The security contact: an email address or an `https://` URL.
    pub contact: String,
    /// How many days after publication security.txt expires (RFC 9116 asks for less
    /// than a year).
    pub expires_after_days: u32,
    /// The languages reports are read in (`en`, `da`).
    pub languages: Vec<String>,
    /// The statements, in page order.
    pub statements: Vec<PublicStatement>,
    /// The attestations shown, by record id.
    pub attestations: Vec<String>,
    /// The subprocessors, by supplier id.
    pub subprocessors: Vec<String>,
    /// The vulnerability disclosure policy (markdown).
    pub disclosure: String,
    /// What this version changed, for the feed of published versions.
    pub change_note: Option<String>,
    /// The markdown body: the page's introduction, published as written.
    pub body: String,
}

impl SecurityPage {
    /// The security contact as a URI (`mailto:` for an email address).
    pub fn contact_uri(&self) -> String {
        if self.contact.contains("://") {
            self.contact.clone()
        } else {
            format!("mailto:{}", self.contact)
        }
    }
}

/// Something the page says that the ISMS does not bear out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageProblem {
    /// The rule it breaks.
    pub rule: Rule,
    /// The page's field, dotted (`statements.encryption.controls`).
    pub field: String,
    /// What is untrue and what to do.
    pub message: String,
}

/// What the records the page rests on hold: the SoA, the suppliers, the attestations.
pub struct PageGrounds<'a> {
    /// The SoA entries.
    pub controls: &'a [SoaEntry],
    /// The suppliers.
    pub suppliers: &'a [Supplier],
    /// The attestations.
    pub attestations: &'a [Attestation],
    /// The day the page is judged on.
    pub today: NaiveDate,
    /// SoA entries whose files do not load: reported on their own, not again here.
    pub unreadable_controls: Vec<&'a str>,
}

/// Everything the page claims that the records do not bear out: a statement on a
/// control that is not implemented or not applicable (or on none), a subprocessor that
/// is not a recorded subprocessor, a recorded subprocessor left off the list, an
/// attestation without a record or no longer in force.
pub fn page_problems(page: &SecurityPage, grounds: &PageGrounds) -> Vec<PageProblem> {
    let mut out = Vec::new();
    let mut problem = |rule: Rule, field: String, message: String| {
        out.push(PageProblem {
            rule,
            field,
            message,
        })
    };
    for s in &page.statements {
        let field = format!("statements.{}.controls", s.id);
        if s.controls.is_empty() {
            problem(
                Rule::PublicClaimUnfounded,
                field.clone(),
                format!(
                    "the statement “{}” rests on no control: name the Annex A controls that make it true",
                    s.heading
                ),
            );
        }
        for id in &s.controls {
            let Some(entry) = grounds.controls.iter().find(|c| &c.id == id) else {
                if grounds.unreadable_controls.contains(&id.as_str()) {
                    continue;
                }
                problem(
                    Rule::PublicClaimUnfounded,
                    field.clone(),
                    format!(
                        "the statement “{}” rests on {id}, which is not in the SoA",
                        s.heading
                    ),
                );
                continue;
            };
            if !entry.applicable {
                problem(
                    Rule::PublicClaimUnfounded,
                    field.clone(),
                    format!(
                        "the statement “{}” rests on {id} {}, which the SoA excludes",
                        s.heading, entry.title
                    ),
                );
            } else if entry.status != ControlStatus::Implemented {
                problem(
                    Rule::PublicClaimUnfounded,
                    field.clone(),
                    format!(
                        "the statement “{}” rests on {id} {}, which the SoA records as {}: publish it once the control is implemented",
                        s.heading,
                        entry.title,
                        entry.status.label().to_lowercase()
                    ),
                );
            }
        }
    }
    for id in &page.subprocessors {
        match grounds.suppliers.iter().find(|s| &s.id == id) {
            None => problem(
                Rule::PublicSubprocessorUnrecorded,
                "subprocessors".into(),
                format!("`{id}` is listed as a subprocessor but is not a supplier (no suppliers/{id}.md)"),
            ),
            Some(s) if !s.subprocessor => problem(
                Rule::PublicSubprocessorUnrecorded,
                "subprocessors".into(),
                format!(
                    "{} is listed as a subprocessor but its supplier record says it processes no customer personal data (subprocessor: false)",
                    s.name
                ),
            ),
            Some(_) => {}
        }
    }
    for s in grounds
        .suppliers
        .iter()
        .filter(|s| s.subprocessor && !page.subprocessors.contains(&s.id))
    {
        problem(
            Rule::PublicSubprocessorMissing,
            "subprocessors".into(),
            format!(
                "{} processes customers' personal data (suppliers/{}.md) and is not on the published list",
                s.name, s.id
            ),
        );
    }
    for id in &page.attestations {
        match grounds.attestations.iter().find(|a| &a.id == id) {
            None => problem(
                Rule::PublicAttestationUnrecorded,
                "attestations".into(),
                format!(
                    "`{id}` is claimed but there is no attestation record (attestations/{id}.md)"
                ),
            ),
            Some(a) if a.status == AttestationStatus::Achieved && !a.in_force(grounds.today) => {
                problem(
                    Rule::PublicAttestationUnrecorded,
                    "attestations".into(),
                    match a.expires_on {
                        Some(d) => format!(
                            "{} expired on {d}: renew it or take it off the page",
                            a.name
                        ),
                        None => format!(
                            "{} is recorded as achieved without the date it expires",
                            a.name
                        ),
                    },
                )
            }
            Some(a) if a.status == AttestationStatus::Lapsed => problem(
                Rule::PublicAttestationUnrecorded,
                "attestations".into(),
                format!("{} has lapsed: take it off the page", a.name),
            ),
            Some(_) => {}
        }
    }
    out
}
