//! Sign-off: management approval of the ISMS's documents as signed git commits
//! (ARCHITECTURE.md, "The trust model of sign-off"), verifiable by anyone with the repository alone.
//!
//! A **sign-off request** is a branch `signoff/<id>` off the main branch. Its first
//! commit adds the document — a report rendered at the source commit, the governance
//! configuration, or one risk's acceptance — under `reports/` and is signed by the
//! first role of the document's chain in `isms.yaml`. Each further step is a signed,
//! empty co-signature commit that names the exact report content it approves; the last
//! step is, by default, a signed merge into main. Pushed to a forge, the branch is a
//! pull request.
//!
//! Every step commit carries git trailers that say what it is:
//!
//! ```text
//! Isms-Signoff: risk-assessment-2026-11-21
//! Isms-Signoff-Kind: risk-assessment
//! Isms-Signoff-Step: 2 head-of-product
//! Isms-Signoff-Report: reports/risk-assessment.md 5d41402abc4b2a76b9719d911017c592ae1bd2b4
//! Isms-Signoff-Source: 9f8e…
//! Isms-Signoff-Into: main
//! ```
//!
//! The trailers only say what a commit claims to be. Whether it counts is decided by
//! [`verify`](verify::verify): signatures, keys, roles and order are checked against
//! the **approved configuration** — the people, roles, keys and chains of `isms.yaml`
//! at the repository's first commit (trusted on first use, or pinned by a key
//! fingerprint), replaced only by governance sign-offs that completed their own chain.
//! A key added to `isms.yaml` by an ordinary commit authorises nothing.

pub mod acceptance;
mod approved;
mod flow;
pub mod forge;
pub mod signed;
pub(crate) mod subjects;
pub mod verify;

pub(crate) use flow::narrative_contradictions;
pub use flow::{Published, Signed, Started};
pub use verify::{
    root_key_of, verify, Approval, Judgement, Problem, ProblemCode, RequestState,
    RequestVerification, RootTrust, StepState, StepVerification, Verification, VerifyOptions,
};

use serde::{Deserialize, Serialize};

use crate::domain::words::words;

/// The kinds of document that are signed off, each with its chain in isms.yaml.
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
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum SignoffKind {
    /// The annual risk assessment report.
    RiskAssessment,
    /// The Statement of Applicability.
    Soa,
    /// The risk treatment plan.
    TreatmentPlan,
    /// The acceptance of one risk's residual rating.
    RiskAcceptance,
    /// People, roles, signing keys and chains.
    Governance,
    /// The risk assessment methodology: scales, formula, bands and, when it replaces
    /// an earlier version, the rescoring.
    Methodology,
    /// The approval of one controlled document's next version (clause 7.5.3).
    Document,
    /// One management review's record: its pack, decisions and actions (clause 9.3).
    ManagementReview,
    /// One completed internal audit's report, signed by its auditor (clause 9.2).
    AuditReport,
    /// The public security page, as `isms publish` will write it.
    SecurityPage,
    /// The SOC 2 system description.
    SystemDescription,
}
words!(SignoffKind);

impl SignoffKind {
    /// The report this kind signs, when it is one of the register's reports.
    pub fn report(self) -> Option<crate::report::ReportKind> {
        use crate::report::ReportKind;
        match self {
            SignoffKind::RiskAssessment => Some(ReportKind::RiskAssessment),
            SignoffKind::Soa => Some(ReportKind::Soa),
            SignoffKind::TreatmentPlan => Some(ReportKind::TreatmentPlan),
            _ => None,
        }
    }

    /// The kind of record a sign-off of this kind is about (a risk for an acceptance,
    /// a document, a review, an audit), when it is about one record.
    pub fn subject_kind(self) -> Option<crate::RecordKind> {
        use crate::RecordKind;
        match self {
            SignoffKind::RiskAcceptance => Some(RecordKind::Risk),
            SignoffKind::Document => Some(RecordKind::Document),
            SignoffKind::ManagementReview => Some(RecordKind::Review),
            SignoffKind::AuditReport => Some(RecordKind::Audit),
            _ => None,
        }
    }

    /// Where the signed document lives: `reports/<kind>.md`, or
    /// `reports/<kind>/<subject>.md` for a kind about one record
    /// (`reports/risk-acceptance/R-013.md`, `reports/document/scope.md`).
    pub fn path(self, subject: Option<&str>) -> String {
        match (self.subject_kind(), subject) {
            (Some(_), Some(subject)) => format!(
                "{}/{}/{subject}.md",
                crate::report::REPORTS_FOLDER,
                self.as_str()
            ),
            _ => format!("{}/{}.md", crate::report::REPORTS_FOLDER, self.as_str()),
        }
    }

    /// Why `subject` cannot be what a sign-off of this kind is about, if it cannot: a
    /// kind about one record needs a record id (a file name: letters, digits, dots,
    /// dashes, underscores, not starting with a dot); the others take none.
    pub fn subject_problem(self, subject: Option<&str>) -> Option<String> {
        match (self.subject_kind(), subject) {
            (Some(_), Some(s)) if acceptance::is_record_id(s) => None,
            (Some(kind), Some(s)) => Some(format!(
                "`{s}` is not the id of a {}, so a {} sign-off cannot be about it",
                kind.as_str(),
                self.as_str()
            )),
            (Some(kind), None) => Some(format!(
                "a {} sign-off is about one {}; name it (`isms signoff start {} <id>`)",
                self.as_str(),
                kind.as_str(),
                self.as_str()
            )),
            (None, Some(s)) => Some(format!(
                "a {} sign-off has no subject, but it names `{s}`",
                self.as_str()
            )),
            (None, None) => None,
        }
    }

    /// A title for messages: "risk assessment report".
    pub fn title(self) -> &'static str {
        match self {
            SignoffKind::RiskAssessment => "risk assessment report",
            SignoffKind::Soa => "Statement of Applicability",
            SignoffKind::TreatmentPlan => "risk treatment plan",
            SignoffKind::RiskAcceptance => "risk acceptance",
            SignoffKind::Governance => "governance configuration",
            SignoffKind::Methodology => "risk assessment methodology",
            SignoffKind::Document => "controlled document",
            SignoffKind::ManagementReview => "management review",
            SignoffKind::AuditReport => "internal audit report",
            SignoffKind::SecurityPage => "public security page",
            SignoffKind::SystemDescription => "system description",
        }
    }
}

/// The document a sign-off of `kind` signs, rendered at `source`, when it is one
/// rendered from the records and is not a register report: the methodology, the
/// security page, the system description, or a document about one record (not a risk
/// acceptance). The one dispatch that starting a request, verifying one and
/// `isms render` share.
pub(crate) fn rendered_document(
    repo: &git2::Repository,
    kind: SignoffKind,
    subject: Option<&str>,
    source: git2::Oid,
) -> crate::Result<Option<String>> {
    match (kind, subject) {
        (SignoffKind::Methodology, _) => methodology_document(repo, source).map(Some),
        (SignoffKind::SecurityPage, _) => {
            crate::report::site::approval_document(repo, source).map(Some)
        }
        (SignoffKind::SystemDescription, _) => {
            crate::report::system::description_document(repo, source).map(Some)
        }
        (_, Some(subject)) => subjects::subject_document(repo, kind, subject, source),
        (_, None) => Ok(None),
    }
}

/// The methodology document of commit `source` (`report::documents::methodology`):
/// its isms.yaml's methodology, and the risks still scored under the version its
/// rescoring maps from, rated there as the history up to `source` defines it. The
/// one rendering that starting a request and verifying one both use.
pub(crate) fn methodology_document(
    repo: &git2::Repository,
    source: git2::Oid,
) -> crate::Result<String> {
    let snapshot = crate::git::changes::Snapshot::at(repo, &source.to_string())?;
    let config = snapshot.config.clone().ok_or_else(|| {
        crate::Error::Usage(format!(
            "{} at {source} does not load",
            crate::domain::CONFIG_FILE
        ))
    })?;
    let risks: Vec<&crate::domain::Risk> = snapshot
        .records
        .values()
        .filter_map(|r| match r {
            crate::repository::AnyRecord::Risk(r) => Some(r),
            _ => None,
        })
        .collect();
    let earlier = match &config.methodology.rescoring {
        Some(r) => crate::git::earlier_methodology(repo, source, &r.from)?,
        None => None,
    };
    let when = repo.find_commit(source)?.committer().when();
    crate::report::documents::methodology(
        &config,
        earlier.as_ref(),
        &risks,
        &crate::report::documents::DocumentSource {
            commit: &source.to_string(),
            time: (when.seconds(), when.offset_minutes()),
        },
    )
}

/// Whether `person` may sign a step for `role`: they hold the role, or — for the
/// `auditor` of an audit report's chain, when isms.yaml defines no such role — they are
/// the audit's `auditor`. The one rule starting, signing and verifying all apply.
pub(crate) fn may_sign(
    config: &crate::domain::IsmsConfig,
    person: &crate::domain::Person,
    role: &str,
    auditor: Option<&str>,
) -> bool {
    if role == crate::domain::AUDITOR_ROLE && config.role(role).is_none() {
        return auditor == Some(person.name.as_str());
    }
    person.roles.iter().any(|r| r == role)
}

/// The branch prefix of sign-off requests.
pub const BRANCH_PREFIX: &str = "signoff/";

/// The trailer keys of a step commit.
pub(crate) mod trailer {
    pub const ID: &str = "Isms-Signoff";
    pub const KIND: &str = "Isms-Signoff-Kind";
    pub const STEP: &str = "Isms-Signoff-Step";
    pub const REPORT: &str = "Isms-Signoff-Report";
    pub const SOURCE: &str = "Isms-Signoff-Source";
    pub const INTO: &str = "Isms-Signoff-Into";
    pub const SUBJECT: &str = "Isms-Signoff-Subject";
    pub const APPROVAL: &str = "Isms-Signoff-Approval";
}

/// What a step commit's trailers claim.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Trailers {
    pub id: Option<String>,
    pub kind: Option<String>,
    /// (step number, role id).
    pub step: Option<(usize, String)>,
    /// (path, blob id).
    pub report: Option<(String, String)>,
    pub source: Option<String>,
    pub into: Option<String>,
    pub subject: Option<String>,
    /// The step is an approval given on the branch, to be merged on the forge.
    pub approval: bool,
}

impl Trailers {
    /// Reads the trailers of a commit message (`Key: value` lines of its last paragraph).
    pub fn parse(message: &str) -> Trailers {
        let mut t = Trailers::default();
        let last = message.trim_end().rsplit("\n\n").next().unwrap_or_default();
        for line in last.lines() {
            let Some((key, value)) = line.split_once(": ") else {
                continue;
            };
            let value = value.trim().to_string();
            match key.trim() {
                trailer::ID => t.id = Some(value),
                trailer::KIND => t.kind = Some(value),
                trailer::STEP => {
                    let mut parts = value.split_whitespace();
                    if let (Some(n), Some(role)) = (parts.next(), parts.next()) {
                        if let Ok(n) = n.parse() {
                            t.step = Some((n, role.to_string()));
                        }
                    }
                }
                trailer::REPORT => {
                    if let Some((path, blob)) = value.rsplit_once(' ') {
                        t.report = Some((path.to_string(), blob.to_string()));
                    }
                }
                trailer::SOURCE => t.source = Some(value),
                trailer::INTO => t.into = Some(value),
                trailer::SUBJECT => t.subject = Some(value),
                trailer::APPROVAL => t.approval = true,
                _ => {}
            }
        }
        t
    }

    /// The trailer paragraph for a step.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |k: &str, v: &str| out.push_str(&format!("{k}: {v}\n"));
        if let Some(v) = &self.id {
            line(trailer::ID, v);
        }
        if let Some(v) = &self.kind {
            line(trailer::KIND, v);
        }
        if let Some((n, role)) = &self.step {
            line(trailer::STEP, &format!("{n} {role}"));
        }
        if let Some((path, blob)) = &self.report {
            line(trailer::REPORT, &format!("{path} {blob}"));
        }
        if let Some(v) = &self.source {
            line(trailer::SOURCE, v);
        }
        if let Some(v) = &self.into {
            line(trailer::INTO, v);
        }
        if let Some(v) = &self.subject {
            line(trailer::SUBJECT, v);
        }
        if self.approval {
            line(
                trailer::APPROVAL,
                "signed approval; the merge is made on the forge",
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_round_trip_through_a_commit_message() {
        let t = Trailers {
            id: Some("soa-2026-11-21".into()),
            kind: Some("soa".into()),
            step: Some((2, "ceo".into())),
            report: Some(("reports/soa.md".into(), "ab".repeat(20))),
            source: Some("cd".repeat(20)),
            into: Some("main".into()),
            subject: None,
            approval: true,
        };
        let message = format!(
            "Sign-off soa-2026-11-21: approval\n\nBody text: here.\n\n{}",
            t.render()
        );
        assert_eq!(Trailers::parse(&message), t);
        assert_eq!(
            Trailers::parse("no trailers\n\nat all"),
            Trailers::default()
        );
    }

    #[test]
    fn an_acceptance_lives_under_its_risk() {
        assert_eq!(
            SignoffKind::RiskAcceptance.path(Some("R-013")),
            "reports/risk-acceptance/R-013.md"
        );
        assert_eq!(SignoffKind::Soa.path(None), "reports/soa.md");
    }
}
