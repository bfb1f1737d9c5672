//! The Check and Act of the ISMS cycle (issue 20): internal audits and their findings.
//! The sample's year (two completed audits, three planned, four findings in different
//! states) checks clean; each rule fires on a copy made to break it: an auditor who owns
//! what they audit, a programme with a gap, an overdue audit, a finding closed without
//! grounds or left stale; and the closure rules hold on `isms close` and `isms set`.

use std::path::Path;

use serde_json::Value;

use crate::support::{isms_in, today, Copy};

fn run(repo: &Path, args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = isms_in(repo, args);
    (code, String::from_utf8_lossy(&out).into_owned(), err)
}

/// `isms --format json check` as of the tests' fixed date → its findings as
/// (rule, path, field) and messages.
fn findings(repo: &Path, on: &str) -> Vec<(String, String, String, String)> {
    let (_, out, err) = run(repo, &["--format", "json", "check", "--today", on]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    report["report"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (text("rule"), text("path"), text("field"), text("message"))
        })
        .collect()
}

fn of_rule(
    all: &[(String, String, String, String)],
    rule: &str,
) -> Vec<(String, String, String, String)> {
    all.iter().filter(|f| f.0 == rule).cloned().collect()
}

fn on() -> String {
    today().to_string()
}

#[test]
fn the_samples_year_of_audits_and_findings_checks_clean_and_lists() {
    let sample = crate::support::sample();
    let all = findings(&sample, &on());
    for rule in [
        "audit-not-independent",
        "audit-overdue",
        "audit-programme-gap",
        "finding-closed-without-grounds",
        "finding-stale",
        "unknown-reference",
        "parse-error",
    ] {
        assert_eq!(of_rule(&all, rule), vec![], "{rule} on the sample");
    }
    let (code, out, err) = run(&sample, &["--format", "json", "list", "audits"]);
    assert_eq!(code, 0, "{err}");
    let audits: Value = serde_json::from_str(&out).expect("JSON");
    let ids: Vec<&str> = audits
        .as_array()
        .expect("audits")
        .iter()
        .filter_map(|a| a["audit"]["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "AUD-2028-01",
            "AUD-2027-02",
            "AUD-2027-01",
            "AUD-2026-02",
            "AUD-2026-01"
        ],
        "the latest planned first"
    );
    let (_, out, _) = run(&sample, &["list", "nonconformities"]);
    assert!(out.contains("4 findings (3 open)"), "{out}");
    // NC-001 is closed with every ground: followed up by AUD-2026-02's item I4.
    let (code, out, err) = run(&sample, &["show", "NC-001"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("followed up by AUD-2026-02 I4"), "{out}");
    assert!(!out.contains("before it closes"), "{out}");
    // A paragraph written over two lines prints as two lines, not as an escape.
    assert!(
        out.contains("Two former contractors\nstill held read access"),
        "{out}"
    );
    assert!(!out.contains("\\u{a}"), "{out}");
    let (_, out, _) = run(&sample, &["show", "AUD-2026-01"]);
    assert!(out.contains("A.5.18  nonconformity  NC-001"), "{out}");
}

#[test]
fn an_auditor_who_owns_what_they_audit_is_named_with_each_conflict() {
    let copy = Copy::new();
    // The ISM, who is also the SRE Lead, audits the organisational controls she owns.
    copy.edit(
        "audits/AUD-2027-01.md",
        "auditor: Emil Dahl",
        "auditor: Ingrid Solberg",
    );
    let all = findings(copy.path(), &on());
    let found = of_rule(&all, "audit-not-independent");
    assert_eq!(found.len(), 1, "{all:?}");
    let (_, path, field, message) = &found[0];
    assert_eq!(
        (path.as_str(), field.as_str()),
        ("audits/AUD-2027-01.md", "auditor")
    );
    assert!(
        message.contains("Ingrid Solberg may not audit their own work")
            && message.contains("control 5.24 is owned by Information Security Manager (ism)"),
        "{message}"
    );
    // The programme's own auditor, who owns nothing in that scope, is independent.
    copy.edit(
        "audits/AUD-2027-01.md",
        "auditor: Ingrid Solberg",
        "auditor: Emil Dahl",
    );
    assert_eq!(
        of_rule(&findings(copy.path(), &on()), "audit-not-independent"),
        vec![]
    );
}

#[test]
fn the_programme_names_what_it_neither_audited_nor_plans_and_audits_past_their_date() {
    let copy = Copy::new();
    std::fs::remove_file(copy.file("audits/AUD-2028-01.md")).expect("removable");
    let all = findings(copy.path(), &on());
    let gap = of_rule(&all, "audit-programme-gap");
    assert_eq!(gap.len(), 1, "{all:?}");
    let message = &gap[0].3;
    assert!(
        message.contains("A.8.5") && message.contains("within its 3-year cycle"),
        "{message}"
    );
    assert!(
        !message.contains("A.8.13"),
        "audited in AUD-2026-02: {message}"
    );
    assert!(
        message.contains("30 of 112 requirements"),
        "AUD-2028-01's clauses were audited in 2026; its controls are the gap: {message}"
    );
    // A planned audit past its date.
    let later = findings(copy.path(), "2027-04-01");
    let overdue = of_rule(&later, "audit-overdue");
    assert_eq!(overdue.len(), 1, "{later:?}");
    assert_eq!(overdue[0].1, "audits/AUD-2027-01.md");
    assert!(
        overdue[0].3.contains("planned for 2027-03-15"),
        "{:?}",
        overdue[0]
    );
    // A completed audit must conclude on every item: the reader refuses one that does
    // not, naming the item.
    copy.edit("audits/AUD-2026-02.md", "    conclusion: opportunity\n", "");
    let (code, out, err) = run(copy.path(), &["show", "AUD-2026-02"]);
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("items.I5.conclusion"), "{err}");
}

#[test]
fn a_finding_closes_only_on_its_grounds_and_the_check_names_one_closed_without_them() {
    let copy = Copy::new();
    // NC-002's action is in progress and nobody has reviewed effectiveness.
    let (code, _, err) = run(copy.path(), &["close", "NC-002", "--today", &on()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("NC-002 may not be closed yet")
            && err.contains("action A1 is still in_progress")
            && err.contains("no effectiveness review"),
        "{err}"
    );
    assert!(copy
        .read("nonconformities/NC-002.md")
        .contains("status: action_planned"));
    // Reviewed by the ISM — who is also the SRE Lead, the action's owner.
    let (code, _, err) = run(
        copy.path(),
        &[
            "set",
            "NC-002",
            "actions.A1.status=done",
            "effectiveness={reviewed_by: ism, reviewed_on: 2026-11-20, result: effective}",
            "status=closed",
            "closed_on=2026-11-21",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("Ingrid Solberg (ism), who also holds sre-lead and so owns action A1"),
        "{err}"
    );
    // Reviewed by the CFO: it closes.
    let (code, out, err) = run(
        copy.path(),
        &[
            "set",
            "NC-002",
            "actions.A1.status=done",
            "effectiveness={reviewed_by: cfo, reviewed_on: 2026-11-20, result: effective}",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(copy.path(), &["close", "NC-002", "--today", &on()]);
    assert_eq!(code, 0, "{out}{err}");
    let nc = copy.read("nonconformities/NC-002.md");
    assert!(
        nc.contains("status: closed") && nc.contains("closed_on: 2026-11-21"),
        "{nc}"
    );
    // A major one also waits for a follow-up audit item.
    let (code, out, err) = run(
        copy.path(),
        &[
            "new",
            "nonconformity",
            "--title",
            "Backups of the payments ledger not encrypted",
            "source=incident",
            "source_ref=INC-2026-11",
            "grade=major",
            "requirement=A.8.24",
            "raised_on=2026-11-02",
            "owner=sre-lead",
            "actions+={id: A1, description: Encrypt the ledger backups, owner: sre-lead, status: done}",
            "effectiveness={reviewed_by: cfo, reviewed_on: 2026-11-20, result: effective}",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("NC-005"), "{out}");
    let (code, _, err) = run(copy.path(), &["close", "NC-005", "--today", &on()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no root cause") && err.contains("follows it up"),
        "{err}"
    );
    copy.edit(
        "nonconformities/NC-005.md",
        "## Root cause\n",
        "## Root cause\n\nThe backup job predates the encryption policy and was never revisited.\n",
    );
    copy.edit(
        "audits/AUD-2026-02.md",
        "  - id: I5\n",
        "  - id: I6\n    about: A.8.24\n    conclusion: conforming\n    follows_up: NC-005\n  - id: I5\n",
    );
    let (code, out, err) = run(copy.path(), &["close", "NC-005", "--today", &on()]);
    assert_eq!(code, 0, "{out}{err}");
    // Closed by hand without grounds: the check names it; the sample's NC-001 is not.
    copy.edit(
        "nonconformities/NC-003.md",
        "status: verifying",
        "status: closed\nclosed_on: 2026-11-01",
    );
    let all = findings(copy.path(), &on());
    let closed = of_rule(&all, "finding-closed-without-grounds");
    assert_eq!(closed.len(), 1, "{all:?}");
    assert_eq!(closed[0].1, "nonconformities/NC-003.md");
    assert!(
        closed[0].3.contains("no effectiveness review"),
        "{:?}",
        closed[0]
    );
}

#[test]
fn stale_findings_overdue_corrective_actions_and_dangling_references_are_named() {
    let copy = Copy::new();
    let (code, out, err) = run(
        copy.path(),
        &[
            "new",
            "nonconformity",
            "--title",
            "Visitor log not kept at the office",
            "source=other",
            "grade=minor",
            "raised_on=2026-08-03",
            "owner=cfo",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let nc = copy.read("nonconformities/NC-005.md");
    assert!(
        nc.contains("status: open") && nc.contains("## Root cause"),
        "{nc}"
    );
    let all = findings(copy.path(), &on());
    let stale = of_rule(&all, "finding-stale");
    assert_eq!(stale.len(), 1, "{all:?}");
    assert_eq!(stale[0].1, "nonconformities/NC-005.md");
    // NC-002's action is due 2027-01-15: overdue in February.
    let later = findings(copy.path(), "2027-02-01");
    assert!(
        of_rule(&later, "action-overdue")
            .iter()
            .any(|f| f.1 == "nonconformities/NC-002.md" && f.2 == "actions.A1.due"),
        "{later:?}"
    );
    // An item that names a finding that does not exist, a finding from an audit that
    // does not exist.
    copy.edit(
        "audits/AUD-2026-02.md",
        "finding: NC-002",
        "finding: NC-099",
    );
    copy.edit(
        "nonconformities/NC-004.md",
        "source_ref: AUD-2026-01",
        "source_ref: AUD-2025-09",
    );
    let all = findings(copy.path(), &on());
    let unknown = of_rule(&all, "unknown-reference");
    assert!(
        unknown.iter().any(|f| f.1 == "audits/AUD-2026-02.md"
            && f.2 == "items.I2.finding"
            && f.3.contains("NC-099")),
        "{unknown:?}"
    );
    assert!(
        unknown.iter().any(|f| f.1 == "nonconformities/NC-004.md"
            && f.2 == "source_ref"
            && f.3.contains("AUD-2025-09")),
        "{unknown:?}"
    );
}

#[test]
fn audits_are_created_searched_and_followed_through_history() {
    let copy = Copy::new();
    let (code, out, err) = run(
        copy.path(),
        &[
            "new",
            "audit",
            "--id",
            "AUD-2027-03",
            "--title",
            "Supplier onboarding",
            "auditor=Jonas Lykke",
            "planned_on=2027-11-08",
            "controls=[5.19, 5.20]",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let audit = copy.read("audits/AUD-2027-03.md");
    assert!(
        audit.contains("status: planned") && audit.contains("controls: [\"5.19\", \"5.20\"]"),
        "{audit}"
    );
    // An auditor who is nobody of isms.yaml is refused on save, by field.
    let (code, _, err) = run(
        copy.path(),
        &["set", "AUD-2027-03", "auditor=Some Contractor"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("auditor") && err.contains("not a person of isms.yaml"),
        "{err}"
    );
    let (code, out, _) = run(copy.path(), &["search", "restore test"]);
    assert_eq!(code, 0);
    assert!(out.contains("NC-002"), "{out}");
}

#[test]
fn the_dashboard_counts_audit_coverage_open_findings_and_overdue_corrective_actions() {
    let isms = isms_core::Isms::open(&crate::support::sample()).expect("opens");
    let d = isms.dashboard(today()).expect("a dashboard");
    assert_eq!(
        (d.audits.audited, d.audits.total, d.audits.cycle_years),
        (9, 112, 3),
        "4 clauses and 5 controls concluded on in 2026, of 23 clauses and 89 applicable controls"
    );
    assert!(d.audits.gaps.is_empty(), "{:?}", d.audits.gaps);
    assert_eq!((d.open_findings, d.stale_findings), (3, 0));
    let later = isms
        .dashboard(chrono::NaiveDate::from_ymd_opt(2027, 2, 1).expect("a date"))
        .expect("a dashboard");
    assert!(
        later
            .overdue_actions
            .iter()
            .any(|a| a.record == "NC-002" && a.action == "A1"),
        "{:?}",
        later.overdue_actions
    );
}

#[test]
fn objectives_are_listed_shown_created_and_named_when_overdue() {
    let copy = Copy::new();
    let (code, out, err) = run(copy.path(), &["list", "objectives"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("OBJ-002") && out.contains("at risk") && out.contains("3 objectives"),
        "{out}"
    );
    let (code, out, err) = run(
        copy.path(),
        &[
            "new",
            "objective",
            "--title",
            "Every engineer completes secure-coding training",
            "measure=Share of engineers trained in the last 12 months",
            "target=100 %",
            "owner=sre-lead",
            "due=2026-10-31",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("OBJ-004"), "{out}");
    let (_, out, _) = run(copy.path(), &["show", "OBJ-004"]);
    assert!(
        out.contains("target: 100 %")
            && out.contains("(overdue)")
            && out.contains("## How it will be met"),
        "{out}"
    );
    let overdue = of_rule(&findings(copy.path(), &on()), "objective-overdue");
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(overdue[0].1, "objectives/OBJ-004.md");
    // An objective is judged, not closed.
    let (code, _, err) = run(copy.path(), &["close", "OBJ-004"]);
    assert_eq!(code, 2);
    assert!(err.contains("achieved or missed"), "{err}");
}

#[test]
fn the_management_review_pack_covers_every_input_and_says_where_there_is_no_data() {
    let copy = Copy::new();
    let commit = crate::support::commit_all(copy.path(), "The ISMS", 1_778_580_000);
    let (code, out, err) = run(copy.path(), &["review-pack", "MR-2026"]);
    assert_eq!(code, 0, "{err}");
    for heading in [
        "## 1. Status of actions from previous management reviews",
        "## 2. Changes in external and internal issues",
        "## 3. Changes in the needs and expectations of interested parties",
        "## 4. Nonconformities and corrective actions",
        "## 5. Monitoring and measurement results",
        "## 6. Audit results",
        "## 7. Fulfilment of information security objectives",
        "## 8. Feedback from interested parties",
        "## 9. Results of risk assessment and status of the risk treatment plan",
        "## 10. Opportunities for continual improvement",
        "## Decisions",
        "## Actions",
    ] {
        assert!(out.contains(heading), "{heading}:\n{out}");
    }
    crate::support::golden("review-pack-mr-2026.md", &out.replace(&commit, "<commit>"));
    // The finding the audit raised, followed to the review that discussed it.
    assert!(out.contains("| NC-001 Access reviews of the production database stopped | major | 2026-03-20 | closed | 2 of 2 | effective (Head of Product, 2026-09-18) |"), "{out}");
    assert!(out.contains("| MR-2025 A1 |"), "{out}");
    // The first review has no earlier one to carry actions from.
    let (_, first, _) = run(copy.path(), &["review-pack", "MR-2025"]);
    assert!(
        first.contains("No earlier management review is recorded, so no actions carry over."),
        "{first}"
    );
    assert!(
        first.contains("No audit was completed since the ISMS began"),
        "{first}"
    );
    let (code, shown, _) = run(copy.path(), &["show", "MR-2026"]);
    assert_eq!(code, 0);
    assert!(shown.contains("isms review-pack MR-2026"), "{shown}");
    // An attendee who is nobody of isms.yaml is refused on save.
    let (code, _, err) = run(
        copy.path(),
        &["set", "MR-2026", "attendees+=Some Consultant"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("not a person of isms.yaml"), "{err}");
}

#[test]
fn a_risk_shows_the_findings_that_prompted_it_or_cite_it_and_a_dangling_one_is_named() {
    let copy = Copy::new();
    let isms = isms_core::Isms::open(copy.path()).expect("the sample opens");
    // R-008 cites NC-002 (and NC-002 cites R-008); R-004 is cited by NC-001 only.
    let ids = |risk: &str| -> Vec<String> {
        isms.risk_view(risk)
            .expect("a risk")
            .findings
            .into_iter()
            .map(|c| c.id)
            .collect()
    };
    assert_eq!(ids("R-008"), ["NC-002"]);
    assert_eq!(ids("R-004"), ["NC-001"]);
    assert!(ids("R-002").is_empty());
    assert!(of_rule(&findings(copy.path(), &on()), "unknown-reference").is_empty());
    // A finding that does not exist is an unknown reference, at its field.
    copy.edit("risks/R-008.md", "findings: [NC-002]", "findings: [NC-099]");
    copy.edit(
        "treatments/T-005.md",
        "findings: [NC-002]",
        "findings: [NC-098]",
    );
    let dangling = of_rule(&findings(copy.path(), &on()), "unknown-reference");
    assert_eq!(dangling.len(), 2, "{dangling:?}");
    assert_eq!(
        (dangling[0].1.as_str(), dangling[0].2.as_str()),
        ("risks/R-008.md", "findings")
    );
    assert!(
        dangling[0].3.contains("there is no finding `NC-099`"),
        "{dangling:?}"
    );
    assert_eq!(dangling[1].1, "treatments/T-005.md");
    // …and a save that would write one is refused, naming it.
    let (code, _, err) = run(copy.path(), &["set", "R-002", "findings+=NC-097"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("there is no finding `NC-097`"), "{err}");
}
