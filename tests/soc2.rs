//! SOC 2 from the same controls: the shipped mapping, an ISMS's own overrides (with a
//! bad row named by line and column), coverage gaps as findings, the criteria on the
//! SoA, and the matrix of a commit as markdown and PDF.

use crate::support::{self, Copy, Signed};

#[test]
fn the_sample_is_in_scope_for_security_availability_and_confidentiality_with_no_gap() {
    let isms = isms_core::Isms::open(&support::sample()).expect("opens");
    let view = isms.soc2_view().expect("the view");
    let scope: Vec<&str> = view.in_scope.iter().map(|c| c.as_str()).collect();
    assert_eq!(scope, ["security", "availability", "confidentiality"]);
    // 33 common criteria, 3 availability, 2 confidentiality.
    assert_eq!(view.criteria.len(), 38);
    assert!(view.criteria.iter().all(|l| !l.is_gap()));
    let backup = view
        .criteria
        .iter()
        .find(|l| l.criterion.criterion.id == "A1.2")
        .expect("A1.2 is in scope");
    let c = backup
        .controls
        .iter()
        .find(|c| c.link.control == "8.13")
        .expect("8.13 addresses A1.2");
    assert_eq!(c.title, "Information backup");
    assert_eq!(c.evidence_records, ["EV-002 (2026-09-15)"]);
    assert_eq!(c.status.map(|s| s.as_str()), Some("implemented"));
    assert!(!c.link.rationale.is_empty());
    // The SoA entry says which criteria in scope it serves (PI1.5 is out of scope).
    let soa = isms.soa(support::today()).expect("the SoA");
    let line = soa
        .lines
        .iter()
        .find(|l| l.entry.id == "8.13")
        .expect("8.13");
    assert_eq!(line.criteria, ["A1.2", "CC7.5"]);
}

#[test]
fn an_isms_overrides_the_mapping_and_a_bad_row_is_named_by_line_and_column() {
    let copy = Copy::new();
    std::fs::create_dir_all(copy.file("soc2")).expect("created");
    copy.write(
        "soc2/mapping.csv",
        "control,criterion,relationship,review,rationale\n\
         8.6,A1.1,none,reviewed,We meet capacity through the provider's autoscaling instead.\n\
         8.14,A1.1,intersects,reviewed,\"Redundant capacity in a second zone absorbs peaks.\"\n\
         8.99,A1.3,intersects,reviewed,No such control.\n\
         8.13,A1.3,sometimes,reviewed,Not a relationship.\n",
    );
    let isms = isms_core::Isms::open(copy.path()).expect("opens");
    let view = isms.soc2_view().expect("the view");
    let errors: Vec<(Option<usize>, Option<&str>)> = view
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    assert_eq!(
        errors,
        [(Some(4), Some("control")), (Some(5), Some("relationship"))]
    );
    assert!(view.errors[1]
        .message
        .contains("`sometimes` is not a relationship"));
    let a11 = view
        .criteria
        .iter()
        .find(|l| l.criterion.criterion.id == "A1.1")
        .expect("A1.1");
    let controls: Vec<(&str, bool)> = a11
        .controls
        .iter()
        .map(|c| (c.link.control.as_str(), c.link.own))
        .collect();
    assert_eq!(controls, [("8.14", true)], "8.6 removed, 8.14 added");
    // isms check reports the bad rows with their line, and the rest still works.
    let report = isms.findings(support::today()).expect("checks run");
    let bad: Vec<Option<usize>> = report
        .findings
        .iter()
        .filter(|f| f.path == "soc2/mapping.csv")
        .map(|f| f.line)
        .collect();
    assert_eq!(bad, [Some(4), Some(5)]);
}

#[test]
fn a_criterion_whose_only_control_is_excluded_is_a_gap_in_check_and_in_the_matrix() {
    let copy = Copy::new();
    // 8.6 is the only control mapped to A1.1 (capacity).
    copy.edit(
        "controls/8.6.md",
        "applicable: true\nstatus: implemented",
        "applicable: false\nstatus: not_implemented\njustification: Capacity is the hosting provider's.",
    );
    let isms = isms_core::Isms::open(copy.path()).expect("opens");
    let report = isms.findings(support::today()).expect("checks run");
    let gap = report
        .findings
        .iter()
        .find(|f| f.rule.as_str() == "soc2-criterion-uncovered")
        .expect("A1.1 is a gap");
    assert!(
        gap.message.contains("A1.1") && gap.message.contains("only controls (8.6) are excluded"),
        "{}",
        gap.message
    );
    let view = isms.soc2_view().expect("the view");
    let gaps: Vec<&str> = view
        .criteria
        .iter()
        .filter(|l| l.is_gap())
        .map(|l| l.criterion.criterion.id.as_str())
        .collect();
    assert_eq!(gaps, ["A1.1"]);
}

#[test]
fn the_matrix_of_a_commit_renders_as_markdown_and_pdf() {
    let s = Signed::new();
    s.git(&["add", "-A"]);
    s.git(&["commit", "-q", "-m", "The sample ISMS"]);
    let md = s.ok(&["--format", "md", "soc2"]);
    assert!(
        md.starts_with("# SOC 2 criteria and the controls that meet them\n"),
        "{md}"
    );
    assert!(md.contains("| Categories in scope | Security, Availability, Confidentiality |"));
    assert!(md.contains("| Criteria | 38 in scope: "), "{md}");
    assert!(
        md.contains("| A1.2 | Environmental protections, backup and recovery infrastructure | "),
        "{md}"
    );
    assert!(md.contains("| 8.13 | A1.2 | intersects | Backups are part of the recovery infrastructure. | proposed |"));
    let pdf = s.home.path().join("soc2.pdf");
    s.ok(&[
        "--format",
        "pdf",
        "soc2",
        "-o",
        pdf.to_str().expect("utf-8"),
    ]);
    let text = crate::support::pdf_text(&pdf, false);
    assert!(text.contains("Capacity management"), "{text}");
    assert!(text.contains("Availability"));
}
