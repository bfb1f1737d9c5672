//! The kinds of record an ISMS keeps, each in its own folder, and the configuration
//! file at the root: where a record lives follows from its kind and id, nothing else.

use serde::Serialize;

/// The configuration file at the repository root.
pub const CONFIG_FILE: &str = "isms.yaml";

/// The git-ignore pattern of the temporary files saves write (`.R-004.md.1234.0.tmp`):
/// `isms init` writes it into `.gitignore`, so that a colleague's `git add -A` never
/// commits one left by a killed save.
pub const TEMPORARY_FILES: &str = ".*.tmp";

/// The kinds of record files, each in its own folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// `risks/R-001.md`
    Risk,
    /// `controls/8.13.md` (the SoA entry of an Annex A control)
    Control,
    /// `treatments/T-001.md`
    Treatment,
    /// `documents/scope.md`
    Document,
    /// `assessments/2026.md`
    Assessment,
    /// `audits/AUD-2026-01.md` (an internal audit)
    Audit,
    /// `nonconformities/NC-001.md` (a finding: a nonconformity, an observation or an
    /// opportunity for improvement)
    Nonconformity,
    /// `objectives/OBJ-001.md` (an information security objective)
    Objective,
    /// `reviews/MR-2026.md` (a management review)
    Review,
    /// `suppliers/cloudberry-hosting.md` (a supplier, and perhaps a subprocessor)
    Supplier,
    /// `attestations/iso27001.md` (a certification or attestation of the organisation)
    Attestation,
    /// `evidence/EV-001.md` (a piece of evidence: a file under `evidence/files/`, or a
    /// reference to another system)
    Evidence,
}

impl RecordKind {
    /// Every kind, in the order they are loaded.
    pub const ALL: [RecordKind; 12] = [
        RecordKind::Risk,
        RecordKind::Control,
        RecordKind::Treatment,
        RecordKind::Document,
        RecordKind::Assessment,
        RecordKind::Audit,
        RecordKind::Nonconformity,
        RecordKind::Objective,
        RecordKind::Review,
        RecordKind::Supplier,
        RecordKind::Attestation,
        RecordKind::Evidence,
    ];

    /// The folder of this kind, relative to the repository root.
    pub fn folder(self) -> &'static str {
        match self {
            RecordKind::Risk => "risks",
            RecordKind::Control => "controls",
            RecordKind::Treatment => "treatments",
            RecordKind::Document => "documents",
            RecordKind::Assessment => "assessments",
            RecordKind::Audit => "audits",
            RecordKind::Nonconformity => "nonconformities",
            RecordKind::Objective => "objectives",
            RecordKind::Review => "reviews",
            RecordKind::Supplier => "suppliers",
            RecordKind::Attestation => "attestations",
            RecordKind::Evidence => "evidence",
        }
    }

    /// Where the record `id` of this kind lives, relative to the repository root.
    pub fn path(self, id: &str) -> String {
        format!("{}/{id}.md", self.folder())
    }

    /// The kind and id of a record file path (`risks/R-004.md` → risk, `R-004`).
    pub fn of_path(path: &str) -> Option<(RecordKind, &str)> {
        let (folder, name) = path.split_once('/')?;
        let stem = name.strip_suffix(".md")?;
        if stem.contains('/') || stem.starts_with('.') {
            return None;
        }
        RecordKind::ALL
            .into_iter()
            .find(|k| k.folder() == folder)
            .map(|k| (k, stem))
    }

    /// The prefix of a kind whose ids are numbered in sequence (`R` of `R-018`): risks,
    /// treatments and findings. Other kinds are named (`8.13`, `scope`, `AUD-2026-01`).
    pub fn sequence_prefix(self) -> Option<&'static str> {
        match self {
            RecordKind::Risk => Some("R"),
            RecordKind::Treatment => Some("T"),
            RecordKind::Nonconformity => Some("NC"),
            RecordKind::Objective => Some("OBJ"),
            RecordKind::Evidence => Some("EV"),
            _ => None,
        }
    }

    /// The id numbered `n` of a numbered kind: `R-018`.
    pub fn numbered(self, n: u32) -> Option<String> {
        Some(format!("{}-{n:03}", self.sequence_prefix()?))
    }

    /// The number of an id of a numbered kind: `R-018` → 18.
    pub fn number_of(self, id: &str) -> Option<u32> {
        id.strip_prefix(self.sequence_prefix()?)?
            .strip_prefix('-')?
            .parse()
            .ok()
    }

    /// The heading of a list of records of this kind, as people read it.
    pub fn heading(self) -> &'static str {
        match self {
            RecordKind::Risk => "Risks",
            RecordKind::Control => "Statement of Applicability",
            RecordKind::Treatment => "Treatments",
            RecordKind::Document => "Documents",
            RecordKind::Assessment => "Assessments",
            RecordKind::Audit => "Internal audits",
            RecordKind::Nonconformity => "Nonconformities and findings",
            RecordKind::Objective => "Objectives",
            RecordKind::Review => "Management reviews",
            RecordKind::Supplier => "Suppliers",
            RecordKind::Attestation => "Certifications and attestations",
            RecordKind::Evidence => "Evidence",
        }
    }

    /// The word used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Risk => "risk",
            RecordKind::Control => "control",
            RecordKind::Treatment => "treatment",
            RecordKind::Document => "document",
            RecordKind::Assessment => "assessment",
            RecordKind::Audit => "audit",
            RecordKind::Nonconformity => "nonconformity",
            RecordKind::Objective => "objective",
            RecordKind::Review => "review",
            RecordKind::Supplier => "supplier",
            RecordKind::Attestation => "attestation",
            RecordKind::Evidence => "evidence",
        }
    }
}
