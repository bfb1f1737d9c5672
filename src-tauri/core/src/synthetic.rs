//! Synthetic ISMS repositories for benchmarks and scale tests: N risks, all 93
//! SoA entries and M treatments, deterministic for a given size (no randomness
//! from outside), written through the same canonical writer as real records.

use std::fs;
use std::path::Path;

use chrono::NaiveDate;

use crate::catalogue::annex_a;
use crate::domain::*;
use crate::format::{emit_risk, emit_soa_entry, emit_treatment, write_record};
use crate::{Error, Result};

const WORDS: [&str; 16] = [
    "credential",
    "backup",
    "supplier",
    "København",
    "outage",
    "leakage",
    "phishing",
    "ransomware",
    "insider",
    "dependency",
    "logging",
    "encryption",
    "vendor",
    "Århus",
    "key",
    "region",
];

/// Writes a synthetic ISMS with `risks` risks and `treatments` treatments into `dir`.
pub fn generate(dir: &Path, risks: usize, treatments: usize) -> Result<()> {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for folder in crate::isms::folders() {
        fs::create_dir_all(dir.join(folder)).map_err(|e| Error::io(dir.join(folder), e))?;
    }
    let today = NaiveDate::from_ymd_opt(2026, 6, 30).expect("a valid date");
    let mut plan = crate::init::NewIsms::default_for("Synthetic Ltd", today);
    plan.people = vec![crate::init::NewPerson {
        name: "Sam Synthetic".into(),
        email: "sam@example.test".into(),
        roles: vec!["ism".into(), "head-of-product".into(), "ceo".into()],
    }];
    let config = crate::init::config_text(&plan, today);
    write(dir, "isms.yaml", &config)?;
    let controls = annex_a();
    for c in &controls {
        let entry = SoaEntry {
            id: c.id.clone(),
            title: c.title.clone(),
            applicable: true,
            status: ControlStatus::Implemented,
            owner: Some("ism".into()),
            reasons: vec![InclusionReason::BestPractice],
            justification: None,
            evidence: vec![],
            evidence_every_days: None,
            body: String::from("\n## Implementation\n\nImplemented.\n"),
        };
        write(
            dir,
            &RecordKind::Control.path(&c.id),
            &write_record(&emit_soa_entry(&entry), &entry.body, None),
        )?;
    }
    let date = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a valid date");
    for i in 1..=risks {
        let words: Vec<&str> = (0..3)
            .map(|_| WORDS[next(WORDS.len() as u64) as usize])
            .collect();
        let risk = Risk {
            id: format!("R-{i:05}"),
            title: format!("Risk of {} {} via {}", words[0], words[1], words[2]),
            domain: "technical".into(),
            status: if i % 50 == 0 { RiskStatus::Deferred } else { RiskStatus::Active },
            deferred_to: (i % 50 == 0).then(|| "Next workshop".to_string()),
            likelihood: Some(1 + next(5) as u8),
            impact: Some(1 + next(5) as u8),
            residual_likelihood: Some(1 + next(3) as u8),
            residual_impact: Some(1 + next(3) as u8),
            impact_cia: None,
            methodology_version: None,
            provisional: false,
            treatment: Some(TreatmentOption::Mitigate),
            owner: ["ism", "head-of-product", "ceo"][next(3) as usize].into(),
            controls: (0..2).map(|_| controls[next(controls.len() as u64) as usize].id.clone()).collect(),
            related: vec![],
            findings: vec![],
            themes: vec![],
            reviewed_on: Some(date),
            next_review: Some(date + chrono::Days::new(next(700))),
            acceptance: None,
            body: format!(
                "\n## Description\n\nA synthetic risk about {} and {} in the {} estate.\n\n## Existing controls\n\nMonitoring and review.\n\n## Treatment options\n\nMitigate.\n",
                words[0], words[1], words[2]
            ),
        };
        write(
            dir,
            &RecordKind::Risk.path(&risk.id),
            &write_record(&emit_risk(&risk), &risk.body, None),
        )?;
    }
    for i in 1..=treatments {
        let t = Treatment {
            id: format!("T-{i:04}"),
            title: format!("Treatment {i}"),
            risks: (0..3)
                .map(|_| format!("R-{:05}", 1 + next(risks.max(1) as u64)))
                .collect(),
            findings: vec![],
            option: TreatmentOption::Mitigate,
            actions: vec![Action {
                id: "A1".into(),
                description: "Do the work".into(),
                owner: "ism".into(),
                due: Some(date),
                status: ActionStatus::Planned,
                resources: None,
            }],
            decision: Decision::Proposed,
            approved_on: None,
            approved_by: None,
            closed_on: None,
            body: String::new(),
        };
        write(
            dir,
            &RecordKind::Treatment.path(&t.id),
            &write_record(&emit_treatment(&t), &t.body, None),
        )?;
    }
    Ok(())
}

/// Adds the rest of the ISMS cycle to a repository made by [`generate`] with at least
/// one risk: `documents` controlled documents, `audits` completed internal audits (by
/// its one person, five years of programme) and `findings` open minor nonconformities
/// raised by those audits, each with one corrective action and a cited risk. Every
/// record loads and names only what exists.
pub fn generate_cycle(dir: &Path, documents: usize, audits: usize, findings: usize) -> Result<()> {
    use crate::domain::{
        Audit, AuditItem, AuditStatus, Conclusion, Document, DocumentStatus, FindingSource,
        FindingStatus, Grade, Nonconformity,
    };
    use crate::format::{emit_audit, emit_document, emit_nonconformity};
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).expect("a valid date");
    for i in 1..=documents {
        let d = Document {
            id: format!("doc-{i:04}"),
            title: format!("Procedure {i}"),
            version: "1.0".into(),
            owner: "ism".into(),
            approver: Some("ceo".into()),
            approved_by: Some("ceo".into()),
            classification: None,
            status: Some(DocumentStatus::Approved),
            effective: Some(day(2026, 1, 15)),
            review_cycle_months: Some(12),
            next_review: Some(day(2027, 1, 15)),
            withdrawn_on: None,
            change_summary: None,
            body: format!(
                "\n## Purpose\n\nHow procedure {i} is carried out.\n\n## Steps\n\n1. Prepare.\n2. Carry it out.\n3. Record the result.\n"
            ),
        };
        write(
            dir,
            &RecordKind::Document.path(&d.id),
            &write_record(&emit_document(&d), &d.body, None),
        )?;
    }
    let per_year = audits.div_ceil(5).max(1);
    let mut audit_ids = Vec::new();
    for i in 0..audits {
        let year = 2022 + i32::try_from(i / per_year).expect("a small number");
        let n = i % per_year + 1;
        let month = u32::try_from(n % 12 + 1).expect("a month");
        let a = Audit {
            id: format!("AUD-{year}-{n:02}"),
            title: format!("Audit {n} of {year}"),
            status: AuditStatus::Completed,
            auditor: "Sam Synthetic".into(),
            planned_on: day(year, month, 3),
            started_on: Some(day(year, month, 3)),
            completed_on: Some(day(year, month, 5)),
            clauses: vec!["9.2".into()],
            controls: vec![],
            processes: vec![format!("Process {n}")],
            documents: vec![],
            domains: vec![],
            criteria: Some("ISO/IEC 27001:2022".into()),
            method: Some("Interviews and sampling".into()),
            evidence: vec!["Minutes".into()],
            items: vec![AuditItem {
                id: "I1".into(),
                about: "9.2".into(),
                conclusion: Some(Conclusion::Conforming),
                finding: None,
                follows_up: None,
                note: None,
            }],
            body: "\n## Summary\n\nThe process works as described.\n".into(),
        };
        write(
            dir,
            &RecordKind::Audit.path(&a.id),
            &write_record(&emit_audit(&a), &a.body, None),
        )?;
        audit_ids.push(a.id);
    }
    for i in 1..=findings {
        let n = Nonconformity {
            id: format!("NC-{i:04}"),
            title: format!("Finding {i}"),
            source: if audit_ids.is_empty() {
                FindingSource::Other
            } else {
                FindingSource::Audit
            },
            source_ref: audit_ids.get(i % audit_ids.len().max(1)).cloned(),
            grade: Grade::Minor,
            requirement: Some("9.2".into()),
            raised_on: day(2026, 3, 1),
            owner: "ism".into(),
            status: FindingStatus::ActionPlanned,
            risks: vec!["R-00001".into()],
            actions: vec![Action {
                id: "A1".into(),
                description: "Correct the process".into(),
                owner: "ism".into(),
                due: Some(day(2026, 12, 31)),
                status: ActionStatus::Planned,
                resources: None,
            }],
            effectiveness: None,
            closed_on: None,
            body: format!(
                "\n## Finding\n\nFinding {i} in the records.\n\n## Root cause\n\nNot yet known.\n"
            ),
        };
        write(
            dir,
            &RecordKind::Nonconformity.path(&n.id),
            &write_record(&emit_nonconformity(&n), &n.body, None),
        )?;
    }
    Ok(())
}

fn write(dir: &Path, rel: &str, text: &str) -> Result<()> {
    let path = dir.join(rel);
    fs::write(&path, text).map_err(|e| Error::io(&path, e))
}
