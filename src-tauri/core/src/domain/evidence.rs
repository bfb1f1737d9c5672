//! Evidence (what an auditor asks to see): `evidence/EV-001.md`, one record per piece,
//! about the controls it shows working (and the audits and findings it serves). Each
//! is either a file committed under `evidence/files/`, with the SHA-256 it had when it
//! was collected, or a reference to another system (a URL or a ticket id) with who
//! checked it. A control's SoA entry may set how fresh its evidence must be
//! (`evidence_every_days`); [`freshness`] is the one rule for whether it is.

use chrono::NaiveDate;
use serde::Serialize;

/// Where evidence files live, relative to the repository root.
pub const EVIDENCE_FILES: &str = "evidence/files";

/// The largest evidence file ISMS Desk keeps in the repository; a larger one belongs
/// in the system it came from, referenced.
pub const MAX_EVIDENCE_BYTES: u64 = 10 * 1024 * 1024;

/// One piece of evidence: `evidence/EV-001.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Evidence {
    /// `EV-001`; also the file name.
    pub id: String,
    /// What it is, in a line.
    pub title: String,
    /// The Annex A controls it shows working.
    pub controls: Vec<String>,
    /// The internal audits it was gathered for.
    pub audits: Vec<String>,
    /// The findings it serves (a correction done, an action's effect).
    pub findings: Vec<String>,
    /// The file, relative to `evidence/files/`, when it is one.
    pub file: Option<String>,
    /// The SHA-256 of the file when it was collected (hex).
    pub sha256: Option<String>,
    /// A URL or a ticket id in another system, when it is a reference.
    pub reference: Option<String>,
    /// The person who collected or checked it (a name of isms.yaml's people).
    pub collected_by: String,
    /// When it was collected or checked.
    pub collected_on: NaiveDate,
    /// The markdown body (what it shows; never published).
    pub body: String,
}

impl Evidence {
    /// The file's path in the repository, when it is a file.
    pub fn file_path(&self) -> Option<String> {
        self.file
            .as_deref()
            .map(|f| format!("{EVIDENCE_FILES}/{f}"))
    }
}

/// What a piece of evidence can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceSubject<'a> {
    /// An Annex A control (`8.13`).
    Control(&'a str),
    /// An internal audit (`AUD-2026-01`), which cites it as gathered for it.
    Audit(&'a str),
    /// A finding (`NC-002`).
    Finding(&'a str),
}

/// The evidence about `subject`, newest first: the one rule for what the SoA, the
/// SOC 2 view, an audit, an audit's item and a finding show.
pub fn evidence_about<'a>(evidence: &'a [Evidence], subject: EvidenceSubject) -> Vec<&'a Evidence> {
    let mut out: Vec<&Evidence> = evidence
        .iter()
        .filter(|e| match subject {
            EvidenceSubject::Control(c) => e.controls.iter().any(|x| x == c),
            EvidenceSubject::Audit(a) => e.audits.iter().any(|x| x == a),
            EvidenceSubject::Finding(f) => e.findings.iter().any(|x| x == f),
        })
        .collect();
    out.sort_by(|a, b| b.collected_on.cmp(&a.collected_on).then(a.id.cmp(&b.id)));
    out
}

impl Evidence {
    /// How a list names it: `EV-002 (2026-09-15)`.
    pub fn mention(&self) -> String {
        format!("{} ({})", self.id, self.collected_on)
    }
}

/// What an evidence file is on disk, as the repository layer found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EvidenceFile {
    /// Not there.
    Missing,
    /// There, but a link, a folder or another thing that is not a regular file.
    NotAFile,
    /// Larger than [`MAX_EVIDENCE_BYTES`].
    TooLarge(u64),
    /// There, with its SHA-256 (hex).
    Present(String),
}

/// How fresh a control's evidence is against its policy, on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Freshness {
    /// The control sets no policy.
    NoPolicy,
    /// The newest evidence is within the policy: its date.
    Fresh(NaiveDate),
    /// The newest evidence is older than the policy: its date.
    Stale(NaiveDate),
    /// There is none.
    Missing,
}

/// The freshness of `control`'s evidence under a policy of `every_days` on `today`.
pub fn freshness(
    control: &str,
    every_days: Option<u32>,
    evidence: &[Evidence],
    today: NaiveDate,
) -> Freshness {
    let Some(days) = every_days else {
        return Freshness::NoPolicy;
    };
    let newest = evidence_about(evidence, EvidenceSubject::Control(control))
        .first()
        .map(|e| e.collected_on);
    match newest {
        None => Freshness::Missing,
        Some(d) if (today - d).num_days() > i64::from(days) => Freshness::Stale(d),
        Some(d) => Freshness::Fresh(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a test date is ISO 8601")
    }

    fn ev(control: &str, on: &str) -> Evidence {
        Evidence {
            id: "EV-001".into(),
            title: "t".into(),
            controls: vec![control.into()],
            audits: vec![],
            findings: vec![],
            file: None,
            sha256: None,
            reference: Some("OPS-1".into()),
            collected_by: "x".into(),
            collected_on: day(on),
            body: String::new(),
        }
    }

    #[test]
    fn the_newest_evidence_of_a_control_is_held_to_its_policy() {
        let all = [
            ev("8.13", "2026-07-01"),
            ev("8.13", "2026-09-01"),
            ev("5.18", "2020-01-01"),
        ];
        let today = day("2026-11-30");
        assert_eq!(freshness("8.13", None, &all, today), Freshness::NoPolicy);
        assert_eq!(
            freshness("8.13", Some(90), &all, today),
            Freshness::Fresh(day("2026-09-01"))
        );
        assert_eq!(
            freshness("8.13", Some(60), &all, today),
            Freshness::Stale(day("2026-09-01"))
        );
        assert_eq!(freshness("8.2", Some(60), &all, today), Freshness::Missing);
    }

    #[test]
    fn evidence_is_about_what_it_names_newest_first() {
        let mut drill = ev("8.13", "2026-09-15");
        drill.id = "EV-002".into();
        drill.audits = vec!["AUD-2026-02".into()];
        drill.findings = vec!["NC-002".into()];
        let mut older = ev("8.13", "2026-03-01");
        older.id = "EV-003".into();
        let all = [older, drill];
        let ids = |subject| -> Vec<String> {
            evidence_about(&all, subject)
                .iter()
                .map(|e| e.id.clone())
                .collect()
        };
        assert_eq!(ids(EvidenceSubject::Control("8.13")), ["EV-002", "EV-003"]);
        assert_eq!(ids(EvidenceSubject::Audit("AUD-2026-02")), ["EV-002"]);
        assert_eq!(ids(EvidenceSubject::Finding("NC-002")), ["EV-002"]);
        assert!(ids(EvidenceSubject::Finding("NC-001")).is_empty());
        assert_eq!(all[1].mention(), "EV-002 (2026-09-15)");
    }
}
