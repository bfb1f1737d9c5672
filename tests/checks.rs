//! Every check rule: the sample is the case where it does not fire (except the
//! findings the sample was built to have), and one edit of a copy makes it fire.

use isms_core::domain::checks::{CheckReport, Rule, Severity};
use isms_core::Isms;

use crate::support::{sample, today, Copy};

/// `isms check` on `dir` (in a git repository: with what git knows).
/// A colleague's commit of every file in `c` with plain git (`FORCE`: ignored ones too).
fn colleague_commits_everything(c: &Copy, add: git2::IndexAddOption) {
    let repo = git2::Repository::open(c.path()).expect("a repository");
    let mut index = repo.index().expect("an index");
    index.add_all(["*"], add, None).expect("added");
    let tree = repo
        .find_tree(index.write_tree().expect("a tree"))
        .expect("the tree");
    let who = git2::Signature::now("Colleague", "c@example.invalid").expect("who");
    repo.commit(Some("HEAD"), &who, &who, "everything", &tree, &[])
        .expect("committed");
}

fn check(dir: &std::path::Path) -> CheckReport {
    Isms::open(dir)
        .expect("opens")
        .findings(today())
        .expect("the checks run")
}

/// The findings the sample was built to have: `(rule, path)`.
const SAMPLE_FINDINGS: [(&str, &str); 10] = [
    ("soa-applicable-without-reason", "controls/5.6.md"),
    ("role-unheld", "isms.yaml"),
    ("separation-of-duties", "isms.yaml"),
    // A1.3 (5.30 partial) and CC3.3 (5.3 partial).
    ("soc2-criterion-uncovered", "isms.yaml"),
    ("soc2-criterion-uncovered", "isms.yaml"),
    ("acceptance-pending", "risks/R-013.md"),
    ("risk-review-overdue", "risks/R-016.md"),
    ("supplier-attestation-stale", "suppliers/postwing.md"),
    ("supplier-review-overdue", "suppliers/postwing.md"),
    ("action-overdue", "treatments/T-001.md"),
];

#[test]
fn the_sample_has_exactly_the_findings_it_was_built_to_have() {
    let report = check(&sample());
    let found: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.path.as_str()))
        .collect();
    assert_eq!(found, SAMPLE_FINDINGS);
    assert_eq!(report.errors(), 0);
    assert_eq!(
        report
            .deferred_domains
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        ["legal", "people", "supplier", "physical"]
    );
    assert_eq!(
        report
            .deferred_risks
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        ["R-017"]
    );
}

type Edit = fn(&Copy);

/// One edit per rule that makes it fire, and the file the finding must name.
fn cases() -> Vec<(&'static str, Severity, &'static str, Edit)> {
    vec![
        (
            "document-changed-without-approval",
            Severity::Error,
            "documents/scope.md",
            |c| {
                // Version 1.1 was approved with a signature (its approval is on the
                // branch), then someone edited the text and left it "approved".
                let scope = std::fs::read_to_string(c.file("documents/scope.md")).expect("read");
                let body = scope.splitn(3, "---\n").nth(2).expect("a body");
                let demoted = isms_core::domain::demote_headings(body.trim());
                std::fs::create_dir_all(c.file("reports/document")).expect("mkdir");
                c.write(
                    "reports/document/scope.md",
                    &format!("# ISMS scope\n\n| Item | Value |\n|---|---|\n| Version | 1.1 |\n\n## Document\n\n{demoted}\n\n## Sign-off\n"),
                );
                c.edit(
                    "documents/scope.md",
                    "## Purpose\n",
                    "## Purpose\n\nEdited after approval.\n",
                );
                colleague_commits_everything(c, git2::IndexAddOption::DEFAULT);
            },
        ),
        (
            "temporary-committed",
            Severity::Error,
            "risks/.R-001.md.1.0.tmp",
            |c| {
                // A colleague's `git add -f -A` after a killed save.
                c.write("risks/.R-001.md.1.0.tmp", "half a record");
                colleague_commits_everything(c, git2::IndexAddOption::FORCE);
            },
        ),
        (
            "temporaries-not-ignored",
            Severity::Warning,
            ".gitignore",
            |c| std::fs::remove_file(c.file(".gitignore")).expect("removed"),
        ),
        (
            "narrative-figures",
            Severity::Error,
            "assessments/2026.md",
            // A rescore after the summary was written: 3 × 4 Manage becomes Unacceptable.
            |c| c.edit("risks/R-002.md", "likelihood: 3", "likelihood: 5"),
        ),
        ("parse-error", Severity::Error, "risks/R-002.md", |c| {
            c.edit("risks/R-002.md", "likelihood: 3", "likelihood: 11")
        }),
        ("unknown-field", Severity::Warning, "risks/R-002.md", |c| {
            c.edit(
                "risks/R-002.md",
                "impact: 4\n",
                "impact: 4\nlikelyhood: 2\n",
            )
        }),
        (
            "unknown-reference",
            Severity::Error,
            "risks/R-002.md",
            |c| c.edit("risks/R-002.md", "\"8.26\"", "\"8.99\""),
        ),
        (
            "soa-applicable-without-reason",
            Severity::Warning,
            "controls/6.3.md",
            |c| c.edit("controls/6.3.md", "reasons: [best_practice]\n", ""),
        ),
        (
            "soa-missing-entry",
            Severity::Error,
            "controls/8.34.md",
            |c| std::fs::remove_file(c.file("controls/8.34.md")).expect("removable"),
        ),
        (
            "soa-unjustified-exclusion",
            Severity::Error,
            "controls/6.3.md",
            |c| {
                c.edit(
                    "controls/6.3.md",
                    "applicable: true\nstatus: implemented",
                    "applicable: false\nstatus: not_implemented",
                );
                c.edit("controls/6.3.md", "reasons: [best_practice]\n", "");
            },
        ),
        (
            "soa-excluded-but-cited",
            Severity::Error,
            "controls/8.26.md",
            |c| {
                c.edit(
                    "controls/8.26.md",
                    "applicable: true\nstatus: implemented",
                    "applicable: false\nstatus: not_implemented\njustification: Not needed",
                )
            },
        ),
        (
            "unacceptable-untreated",
            Severity::Error,
            "risks/R-011.md",
            |c| c.edit("risks/R-011.md", "impact: 2\n", "impact: 5\n"),
        ),
        (
            "manage-undecided",
            Severity::Warning,
            "risks/R-011.md",
            |c| c.edit("risks/R-011.md", "treatment: mitigate\n", ""),
        ),
        ("level-off-scale", Severity::Error, "risks/R-007.md", |c| {
            c.edit("risks/R-007.md", "likelihood: 2", "likelihood: 7")
        }),
        (
            "risk-to-be-rescored",
            Severity::Warning,
            "risks/R-007.md",
            |c| {
                c.edit(
                    "risks/R-007.md",
                    "likelihood: 2",
                    "likelihood: 2\nmethodology_version: \"0.9\"",
                )
            },
        ),
        (
            "impact-per-cia-missing",
            Severity::Warning,
            "risks/R-007.md",
            |c| {
                c.edit(
                    "isms.yaml",
                    "  formula: likelihood × impact\n",
                    "  formula: likelihood × impact\n  impact_per_cia: true\n",
                )
            },
        ),
        (
            "acceptance-missing",
            Severity::Error,
            "risks/R-012.md",
            |c| c.edit("risks/R-012.md", "treatment: mitigate", "treatment: accept"),
        ),
        (
            "acceptance-pending",
            Severity::Warning,
            "risks/R-013.md",
            |_| {},
        ),
        (
            "acceptance-role-not-allowed",
            Severity::Error,
            "risks/R-013.md",
            |c| {
                c.edit(
                    "risks/R-013.md",
                    "accepted_by: head-of-product",
                    "accepted_by: ism",
                )
            },
        ),
        (
            "acceptance-stale",
            Severity::Warning,
            "risks/R-013.md",
            |c| {
                c.edit(
                    "risks/R-013.md",
                    "  reaffirmed: [2026-03-10, 2026-09-22]\n",
                    "  reaffirmed: [2026-03-10, 2026-09-22]\n  signoff: risk-acceptance-R-013-2026-09-22\n  as_scored: {likelihood: 3, impact: 4}\n",
                )
            },
        ),
        ("role-unheld", Severity::Warning, "isms.yaml", |_| {}),
        ("people-look-alike", Severity::Warning, "isms.yaml", |c| {
            c.edit(
                "isms.yaml",
                "  - name: Emil Dahl\n    email: emil.dahl@kestrelcart.example",
                "  - name: Emil Dahl\n    email: emil.dahl@kestrelcart.example\n  - name: M\u{430}ja Thorsen\n    email: m\u{430}ja.thorsen@kestrelcart.example",
            )
        }),
        ("shared-signing-key", Severity::Error, "isms.yaml", |c| {
            c.edit(
                "isms.yaml",
                "    roles: [cfo]",
                "    roles: [cfo]\n    signing_keys: [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF5KUOemOiOc9DzRcD3LrdWnwiok7Kkw7V/vbt4UBJuw emil\"]",
            )
        }),
        // The sample's doubling is advisory (a warning); without that mark one person
        // holding two roles a rule keeps apart is an error, so CI stops on it.
        ("separation-of-duties", Severity::Error, "isms.yaml", |c| {
            c.edit("isms.yaml", "    advisory: true\n", "")
        }),
        (
            "risk-review-overdue",
            Severity::Warning,
            "risks/R-001.md",
            |c| {
                c.edit(
                    "risks/R-001.md",
                    "next_review: 2026-11-30",
                    "next_review: 2026-11-20",
                )
            },
        ),
        (
            "document-review-overdue",
            Severity::Warning,
            "documents/scope.md",
            |c| {
                c.edit(
                    "documents/scope.md",
                    "next_review: 2027-02-01",
                    "next_review: 2026-11-01",
                )
            },
        ),
        ("assessment-overdue", Severity::Warning, "isms.yaml", |c| {
            c.edit("isms.yaml", "next: 2027-05-12", "next: 2026-11-20")
        }),
        (
            "action-overdue",
            Severity::Warning,
            "treatments/T-005.md",
            |c| c.edit("treatments/T-005.md", "due: 2026-12-15", "due: 2026-11-20"),
        ),
        (
            "audit-not-independent",
            Severity::Error,
            "audits/AUD-2027-01.md",
            |c| {
                c.edit(
                    "audits/AUD-2027-01.md",
                    "auditor: Emil Dahl",
                    "auditor: Ingrid Solberg",
                )
            },
        ),
        (
            "audit-overdue",
            Severity::Warning,
            "audits/AUD-2027-01.md",
            |c| {
                c.edit(
                    "audits/AUD-2027-01.md",
                    "planned_on: 2027-03-15",
                    "planned_on: 2026-11-02",
                )
            },
        ),
        ("audit-programme-gap", Severity::Warning, "audits", |c| {
            std::fs::remove_file(c.file("audits/AUD-2028-01.md")).expect("removable")
        }),
        (
            "finding-closed-without-grounds",
            Severity::Error,
            "nonconformities/NC-003.md",
            |c| {
                c.edit(
                    "nonconformities/NC-003.md",
                    "status: verifying",
                    "status: closed\nclosed_on: 2026-11-01",
                )
            },
        ),
        (
            "document-role-unheld",
            Severity::Warning,
            "documents/incident-response.md",
            |c| c.edit("documents/incident-response.md", "owner: ism", "owner: dpo"),
        ),
        (
            "document-cites-excluded-control",
            Severity::Warning,
            "documents/scope.md",
            |c| {
                c.edit(
                    "documents/scope.md",
                    "- Interfaces: payment providers",
                    "- Secure areas are worked in under A.7.6.\n- Interfaces: payment providers",
                )
            },
        ),
        (
            "scope-omits-deferral",
            Severity::Warning,
            "documents/scope.md",
            |c| {
                c.edit(
                "documents/scope.md",
                "- Interfaces: payment providers",
                "- Suppliers and third parties that process merchant data.\n- Interfaces: payment providers",
            )
            },
        ),
        (
            "supplier-attestation-stale",
            Severity::Warning,
            "suppliers/paylark.md",
            |c| c.edit("suppliers/paylark.md", "attestation_date: 2026-02-28\n", ""),
        ),
        (
            "supplier-review-overdue",
            Severity::Warning,
            "suppliers/ticketnest.md",
            |c| {
                c.edit(
                    "suppliers/ticketnest.md",
                    "next_review: 2027-02-02",
                    "next_review: 2026-11-02",
                )
            },
        ),
        (
            "subprocessor-without-dpa",
            Severity::Error,
            "suppliers/ticketnest.md",
            |c| c.edit("suppliers/ticketnest.md", "dpa: signed", "dpa: missing"),
        ),
        (
            "attestation-expired",
            Severity::Warning,
            "attestations/iso27001.md",
            |c| {
                c.edit(
                    "attestations/iso27001.md",
                    "status: in_progress",
                    "status: achieved\nissued_on: 2023-11-01\nexpires_on: 2026-10-31",
                )
            },
        ),
        (
            "public-claim-unfounded",
            Severity::Error,
            "public/security-page.md",
            |c| c.edit("controls/8.13.md", "status: implemented", "status: partial"),
        ),
        (
            "public-subprocessor-unrecorded",
            Severity::Error,
            "public/security-page.md",
            |c| {
                c.edit(
                    "suppliers/postwing.md",
                    "subprocessor: true",
                    "subprocessor: false",
                )
            },
        ),
        (
            "public-subprocessor-missing",
            Severity::Error,
            "public/security-page.md",
            |c| {
                c.edit(
                    "public/security-page.md",
                    "[fjordcloud, paylark, postwing, ticketnest]",
                    "[fjordcloud, paylark, postwing]",
                )
            },
        ),
        (
            "public-attestation-unrecorded",
            Severity::Error,
            "public/security-page.md",
            |c| {
                c.edit(
                    "attestations/soc2-type1.md",
                    "status: planned",
                    "status: lapsed",
                )
            },
        ),
        (
            "system-flow-unknown-component",
            Severity::Error,
            "system/description.md",
            |c| {
                c.edit(
                    "system/description.md",
                    "    to: email\n",
                    "    to: mailer\n",
                )
            },
        ),
        (
            "system-component-conflict",
            Severity::Error,
            "system/description.md",
            |c| {
                c.edit(
                    "system/description.md",
                    "flows:\n",
                    "  - id: metrics-saas\n    kind: infrastructure\n    name: Hosted metrics\n    function: monitoring\n    technology: A metrics SaaS\n    location: EU (Frankfurt)\n    purpose: Metrics and alerts\n    owner: sre-lead\nflows:\n",
                )
            },
        ),
        (
            "system-location-out-of-scope",
            Severity::Error,
            "system/description.md",
            |c| {
                c.edit(
                    "system/description.md",
                    "    technology: OpenSearch on Fjordcloud, 90-day retention\n    location: EU (Frankfurt)",
                    "    technology: OpenSearch on Fjordcloud, 90-day retention\n    location: US (Virginia)",
                )
            },
        ),
        (
            "system-subservice-unrecorded",
            Severity::Error,
            "system/description.md",
            |c| {
                c.edit(
                    "system/description.md",
                    "  - supplier: paylark",
                    "  - supplier: cardvault",
                )
            },
        ),
        (
            "soc2-criterion-uncovered",
            Severity::Warning,
            "isms.yaml",
            |c| {
                c.edit(
                    "isms.yaml",
                    "categories: [availability, confidentiality]",
                    "categories: [availability, confidentiality, processing_integrity]",
                )
            },
        ),
        (
            "evidence-stale",
            Severity::Warning,
            "controls/5.18.md",
            |c| {
                c.edit(
                    "controls/5.18.md",
                    "evidence_every_days: 62",
                    "evidence_every_days: 30",
                )
            },
        ),
        (
            "evidence-missing",
            Severity::Warning,
            "controls/8.15.md",
            |c| {
                c.edit(
                    "controls/8.15.md",
                    "owner: ",
                    "evidence_every_days: 180\nowner: ",
                )
            },
        ),
        (
            "evidence-file-mismatch",
            Severity::Error,
            "evidence/EV-002.md",
            |c| {
                c.edit(
                    "evidence/files/restore-drill-2026-09.md",
                    "41 minutes",
                    "21 minutes",
                )
            },
        ),
        (
            "evidence-file-unrecorded",
            Severity::Warning,
            "evidence/files/screenshot.png",
            |c| c.write("evidence/files/screenshot.png", "not really a png"),
        ),
        (
            "objective-overdue",
            Severity::Warning,
            "objectives/OBJ-001.md",
            |c| {
                c.edit(
                    "objectives/OBJ-001.md",
                    "due: 2026-12-31",
                    "due: 2026-11-01",
                )
            },
        ),
        (
            "finding-stale",
            Severity::Warning,
            "nonconformities/NC-004.md",
            |c| {
                c.edit(
                    "nonconformities/NC-004.md",
                    "grade: observation",
                    "grade: minor",
                )
            },
        ),
    ]
}

#[test]
fn every_rule_fires_on_its_case_and_not_on_the_sample() {
    let baseline = check(&sample());
    let covered: Vec<&str> = cases().iter().map(|c| c.0).collect();
    for rule in Rule::ALL {
        assert!(
            covered.contains(&rule.as_str()),
            "rule {rule} has no test case"
        );
    }
    for (rule, severity, path, edit) in cases() {
        let built_in = SAMPLE_FINDINGS.contains(&(rule, path));
        assert_eq!(
            baseline
                .findings
                .iter()
                .any(|f| f.rule.as_str() == rule && f.path == path),
            built_in,
            "{rule} on {path} before the edit"
        );
        let copy = Copy::new();
        edit(&copy);
        let report = check(copy.path());
        let hit = report
            .findings
            .iter()
            .find(|f| f.rule.as_str() == rule && f.path == path);
        let hit =
            hit.unwrap_or_else(|| panic!("{rule} did not fire on {path}: {:#?}", report.findings));
        assert_eq!(hit.severity, severity, "{rule}");
        assert!(!hit.message.is_empty());
    }
}

#[test]
fn fixing_the_built_in_findings_leaves_a_clean_check() {
    let copy = Copy::new();
    copy.edit(
        "controls/5.6.md",
        "owner: ism\n",
        "owner: ism\nreasons: [best_practice]\n",
    );
    // The DPO and the second SRE are new people, so no auditor of the programme comes
    // to own what they audit.
    copy.edit(
        "isms.yaml",
        "    roles: [ism, sre-lead]",
        "    roles: [ism]",
    );
    copy.edit(
        "isms.yaml",
        "\nseparation_of_duties:",
        "  - name: Sofie Berg\n    email: sofie.berg@kestrelcart.example\n    roles: [dpo]\n  - name: Aksel Rye\n    email: aksel.rye@kestrelcart.example\n    roles: [sre-lead]\n\nseparation_of_duties:",
    );
    copy.edit("risks/R-013.md", "memo: pending", "memo: signed");
    copy.edit("controls/5.3.md", "status: partial", "status: implemented");
    copy.edit("controls/5.30.md", "status: partial", "status: implemented");
    copy.edit(
        "suppliers/postwing.md",
        "attestation_date: 2025-08-30\nreviewed_on: 2025-09-20\nnext_review: 2026-09-20",
        "attestation_date: 2026-08-29\nreviewed_on: 2026-11-20\nnext_review: 2027-11-20",
    );
    copy.edit(
        "risks/R-016.md",
        "next_review: 2026-03-31",
        "next_review: 2027-03-31",
    );
    copy.edit(
        "treatments/T-001.md",
        "due: 2026-09-30\n    status: in_progress",
        "due: 2026-09-30\n    status: done",
    );
    let report = check(copy.path());
    assert_eq!(report.findings, [], "no finding left");
    assert_eq!(
        report.deferred_risks.len(),
        1,
        "deferred items are still listed"
    );
}

#[test]
fn a_proposed_treatment_has_no_overdue_actions_yet() {
    // T-004 is only proposed: its dates are a plan, not a commitment to be late on.
    let copy = Copy::new();
    copy.edit("treatments/T-004.md", "due: 2026-12-31", "due: 2026-11-20");
    let report = check(copy.path());
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.rule == Rule::ActionOverdue && f.path == "treatments/T-004.md"),
        "{:#?}",
        report.findings
    );
    copy.edit(
        "treatments/T-004.md",
        "decision: proposed",
        "decision: approved\napproved_on: 2026-11-01\napproved_by: ceo",
    );
    let report = check(copy.path());
    assert!(report
        .findings
        .iter()
        .any(|f| f.rule == Rule::ActionOverdue && f.path == "treatments/T-004.md"));
}

#[test]
fn a_record_that_fails_to_load_is_reported_once_not_again_by_every_reference() {
    let copy = Copy::new();
    copy.edit("risks/R-007.md", "likelihood: 2", "likelihood: 11");
    copy.edit("controls/8.13.md", "status: implemented", "status: done");
    let report = check(copy.path());
    let rules: Vec<(&str, &str)> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.rule.as_str(), f.path.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            ("parse-error", "controls/8.13.md"),
            ("parse-error", "risks/R-007.md")
        ]
    );
}

#[test]
fn findings_say_what_is_wrong_in_words_a_person_understands() {
    let copy = Copy::new();
    copy.edit(
        "controls/8.26.md",
        "applicable: true\nstatus: implemented",
        "applicable: false\nstatus: not_implemented\njustification: Not needed",
    );
    copy.edit(
        "risks/R-013.md",
        "accepted_by: head-of-product",
        "accepted_by: ism",
    );
    copy.edit(
        "risks/R-002.md",
        "impact: 4\n",
        "impact: 4\nlikelyhood: 2\n",
    );
    let report = check(copy.path());
    let message = |rule: &str| {
        report
            .findings
            .iter()
            .find(|f| f.rule.as_str() == rule)
            .map(|f| f.message.clone())
            .expect("fired")
    };
    assert_eq!(
        message("soa-excluded-but-cited"),
        "marked not applicable, but R-002, R-013 cite it as a control"
    );
    assert_eq!(
        message("acceptance-role-not-allowed"),
        "accepted by ism, but the methodology lets only ceo, head-of-product accept a Manage risk"
    );
    assert!(message("unknown-field").contains("did you mean `likelihood`?"));
}

#[test]
fn an_unacceptable_risk_accepted_by_the_ceo_needs_no_treatment_record() {
    let copy = Copy::new();
    copy.edit("risks/R-003.md", "likelihood: 3", "likelihood: 4");
    copy.edit("risks/R-003.md", "treatment: mitigate", "treatment: accept\nacceptance:\n  memo: signed\n  accepted_by: ceo\n  accepted_on: 2026-06-01");
    let report = check(copy.path());
    for rule in [
        "unacceptable-untreated",
        "acceptance-missing",
        "acceptance-role-not-allowed",
        "acceptance-pending",
    ] {
        assert!(
            !report
                .findings
                .iter()
                .any(|f| f.rule.as_str() == rule && f.path == "risks/R-003.md"),
            "{rule}"
        );
    }
}

#[test]
fn findings_about_a_field_point_to_its_line() {
    // Cross-record findings name the line of the field concerned, so an editor can go
    // there: an unknown owner, an unknown control, a late action, an unheld role.
    let copy = Copy::new();
    copy.edit("risks/R-004.md", "owner: head-of-product", "owner: cto");
    copy.edit("risks/R-005.md", "controls: [", "controls: [\"9.99\", ");
    let isms = isms_core::Isms::open(copy.path()).expect("opens");
    let report = isms.findings(today()).expect("checks run");
    let at = |path: &str, field: &str| {
        report
            .findings
            .iter()
            .find(|f| f.path == path && f.field.as_deref() == Some(field))
            .unwrap_or_else(|| panic!("no finding on {path} {field}: {:#?}", report.findings))
            .line
    };
    let line_of = |path: &str, start: &str| {
        copy.read(path)
            .lines()
            .position(|l| l.starts_with(start))
            .map(|i| i + 1)
    };
    assert_eq!(
        at("risks/R-004.md", "owner"),
        line_of("risks/R-004.md", "owner:")
    );
    assert_eq!(
        at("risks/R-005.md", "controls"),
        line_of("risks/R-005.md", "controls:")
    );
    assert_eq!(
        at("treatments/T-001.md", "actions.A2.due"),
        Some(19),
        "the due date of action A2"
    );
    assert_eq!(
        at("isms.yaml", "roles.dpo"),
        line_of("isms.yaml", "  - id: dpo")
    );
}

#[test]
fn a_stale_count_in_the_narrative_is_named_at_its_line_with_the_true_count() {
    let copy = Copy::new();
    copy.edit("risks/R-002.md", "likelihood: 3", "likelihood: 5");
    let report = check(copy.path());
    let stale: Vec<(Option<usize>, &str)> = report
        .findings
        .iter()
        .filter(|f| f.rule.as_str() == "narrative-figures")
        .map(|f| (f.line, f.message.as_str()))
        .collect();
    assert_eq!(
        stale,
        vec![
            (
                Some(32),
                "the narrative says \"one Unacceptable\", but 2 active risks are Unacceptable (inherent); correct the text, or the scores"
            ),
            (
                Some(33),
                "the narrative says \"twelve Manage\", but 11 active risks are Manage (inherent); correct the text, or the scores"
            ),
        ]
    );
    let text = copy.read("assessments/2026.md");
    assert!(text
        .lines()
        .nth(31)
        .expect("line 32")
        .contains("one Unacceptable"));
    // Corrected text is clean again.
    copy.edit(
        "assessments/2026.md",
        "one Unacceptable,\ntwelve Manage",
        "two Unacceptable,\neleven Manage",
    );
    let report = check(copy.path());
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.rule.as_str() == "narrative-figures"),
        "{:#?}",
        report.findings
    );
}

#[test]
fn a_supplier_naming_an_unknown_owner_risk_or_control_is_told_at_the_line() {
    let copy = Copy::new();
    copy.edit(
        "suppliers/quietpage.md",
        "owner: sre-lead\n",
        "owner: on-call\n",
    );
    copy.edit(
        "suppliers/quietpage.md",
        "risks: [R-011]",
        "risks: [R-011, R-404]",
    );
    copy.edit(
        "suppliers/quietpage.md",
        "controls: [\"5.19\", \"5.20\"]",
        "controls: [\"5.19\", \"5.99\"]",
    );
    let report = check(copy.path());
    let on = |field: &str| {
        report
            .findings
            .iter()
            .find(|f| f.path == "suppliers/quietpage.md" && f.field.as_deref() == Some(field))
            .unwrap_or_else(|| panic!("no finding on {field}: {:#?}", report.findings))
    };
    let text = copy.read("suppliers/quietpage.md");
    let line_of = |start: &str| {
        text.lines()
            .position(|l| l.starts_with(start))
            .map(|i| i + 1)
    };
    assert!(on("owner").message.contains("`on-call` is not a role"));
    assert_eq!(on("owner").line, line_of("owner:"));
    assert!(on("risks").message.contains("R-404"));
    assert_eq!(on("risks").line, line_of("risks:"));
    assert!(on("controls").message.contains("5.99"));
    assert_eq!(on("controls").severity, Severity::Error);
}
