//! Evidence: files committed under `evidence/files/` with the SHA-256 they had when
//! collected, or references to other systems; a freshness policy per control; stale,
//! missing and changed evidence found by `isms check` with the file and line.

use crate::support::{self, Copy};

/// `isms --repo <repo> args…` → (exit code, stdout, stderr).
fn run_in(repo: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = support::isms_in(repo, args);
    (code, String::from_utf8_lossy(&out).into_owned(), err)
}

fn findings(copy: &Copy) -> Vec<isms_core::domain::checks::Finding> {
    isms_core::Isms::open(copy.path())
        .expect("opens")
        .findings(support::today())
        .expect("checks run")
        .findings
}

fn line_of(copy: &Copy, path: &str, start: &str) -> Option<usize> {
    copy.read(path)
        .lines()
        .position(|l| l.starts_with(start))
        .map(|i| i + 1)
}

#[test]
fn the_sample_evidence_is_fresh_and_its_file_is_as_collected() {
    let isms = isms_core::Isms::open(&support::sample()).expect("opens");
    let soa = isms.soa(support::today()).expect("the SoA");
    let at = |id: &str| {
        soa.lines
            .iter()
            .find(|l| l.entry.id == id)
            .expect("an SoA line")
            .evidence_freshness
            .clone()
    };
    use isms_core::domain::Freshness;
    assert_eq!(
        at("8.13"),
        Freshness::Fresh("2026-09-15".parse().expect("a date"))
    );
    assert_eq!(
        at("5.18"),
        Freshness::Fresh("2026-10-06".parse().expect("a date"))
    );
    assert_eq!(at("5.1"), Freshness::NoPolicy);
    let report = isms.findings(support::today()).expect("checks run");
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.rule.as_str().starts_with("evidence-")),
        "{:#?}",
        report.findings
    );
    // The recorded hash is the file's, as sha256sum computes it.
    let out = std::process::Command::new("sha256sum")
        .arg(support::sample().join("evidence/files/restore-drill-2026-09.md"))
        .output()
        .expect("sha256sum runs");
    let hash = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("a hash")
        .to_string();
    let record =
        std::fs::read_to_string(support::sample().join("evidence/EV-002.md")).expect("EV-002");
    assert!(record.contains(&format!("sha256: {hash}\n")));
}

#[test]
fn evidence_is_shown_on_the_audit_item_and_the_finding_it_bears_on() {
    let isms = isms_core::Isms::open(&support::sample()).expect("opens");
    let programme = isms
        .audit_programme(support::today())
        .expect("the programme");
    let audit = programme
        .audits
        .iter()
        .find(|a| a.audit.id == "AUD-2026-02")
        .expect("AUD-2026-02");
    let on = |item: &str| -> Vec<String> {
        audit
            .item_evidence
            .iter()
            .find(|e| e.item == item)
            .map(|e| e.evidence.clone())
            .unwrap_or_default()
    };
    // I2 audits A.8.13 and raised NC-002: EV-002 is about both.
    assert_eq!(on("I2"), ["EV-002 (2026-09-15)"]);
    // I4 audits A.5.18: the access review.
    assert_eq!(on("I4"), ["EV-001 (2026-10-06)"]);
    // I1 audits clause 10.2, which no evidence is about.
    assert!(on("I1").is_empty());
    // No evidence record names the audit itself.
    assert!(audit.evidence.is_empty());
    let findings = isms
        .nonconformities(support::today())
        .expect("the findings");
    let nc = |id: &str| {
        findings
            .findings
            .iter()
            .find(|f| f.finding.id == id)
            .expect("a finding")
            .evidence
            .clone()
    };
    assert_eq!(nc("NC-002"), ["EV-002 (2026-09-15)"]);
    assert!(nc("NC-001").is_empty());
}

#[test]
fn a_changed_missing_or_oversized_evidence_file_is_an_error_at_its_line() {
    let copy = Copy::new();
    copy.edit(
        "evidence/files/restore-drill-2026-09.md",
        "41 minutes",
        "21 minutes",
    );
    let found = findings(&copy);
    let f = found
        .iter()
        .find(|f| f.rule.as_str() == "evidence-file-mismatch")
        .expect("the edited drill report is caught");
    assert_eq!(f.path, "evidence/EV-002.md");
    assert_eq!(f.line, line_of(&copy, "evidence/EV-002.md", "file:"));
    assert!(
        f.message
            .contains("is not the file collected on 2026-09-15"),
        "{}",
        f.message
    );

    // A link to a file with exactly the collected bytes is still not evidence: what
    // the repository holds is the link, and a link can point anywhere.
    let original = std::fs::read(support::sample().join("evidence/files/restore-drill-2026-09.md"))
        .expect("the sample's drill report");
    let elsewhere = copy.path().join("..").join("drill-elsewhere.md");
    std::fs::write(&elsewhere, &original).expect("written");
    std::fs::remove_file(copy.file("evidence/files/restore-drill-2026-09.md")).expect("removed");
    std::os::unix::fs::symlink(
        &elsewhere,
        copy.file("evidence/files/restore-drill-2026-09.md"),
    )
    .expect("linked");
    let found = findings(&copy);
    let f = found
        .iter()
        .find(|f| f.rule.as_str() == "evidence-file-mismatch")
        .expect("the link is caught");
    assert!(
        f.message.contains("is a link or a folder, not a file"),
        "{}",
        f.message
    );
    let _ = std::fs::remove_file(&elsewhere);

    std::fs::remove_file(copy.file("evidence/files/restore-drill-2026-09.md")).expect("removed");
    let found = findings(&copy);
    let f = found
        .iter()
        .find(|f| f.rule.as_str() == "evidence-file-mismatch")
        .expect("the missing file is caught");
    assert!(f.message.ends_with("is not there"), "{}", f.message);

    let big = vec![b'x'; (isms_core::domain::MAX_EVIDENCE_BYTES + 1) as usize];
    std::fs::write(copy.file("evidence/files/restore-drill-2026-09.md"), big).expect("written");
    let found = findings(&copy);
    let f = found
        .iter()
        .find(|f| f.rule.as_str() == "evidence-file-mismatch")
        .expect("the oversized file is caught");
    assert!(
        f.message.contains("record a reference instead"),
        "{}",
        f.message
    );
}

#[test]
fn stale_and_missing_evidence_are_warnings_on_the_control() {
    let copy = Copy::new();
    copy.edit(
        "controls/5.18.md",
        "evidence_every_days: 62",
        "evidence_every_days: 30",
    );
    copy.edit(
        "controls/8.15.md",
        "owner: ",
        "evidence_every_days: 180\nowner: ",
    );
    let found = findings(&copy);
    let stale = found
        .iter()
        .find(|f| f.rule.as_str() == "evidence-stale")
        .expect("5.18's review is older than 30 days");
    assert_eq!(stale.path, "controls/5.18.md");
    assert_eq!(
        stale.line,
        line_of(&copy, "controls/5.18.md", "evidence_every_days:")
    );
    assert!(stale.message.contains("2026-10-06"), "{}", stale.message);
    let missing = found
        .iter()
        .find(|f| f.rule.as_str() == "evidence-missing")
        .expect("8.15 has no evidence");
    assert_eq!(missing.path, "controls/8.15.md");
    // The dashboard and the SoA say the same.
    let isms = isms_core::Isms::open(copy.path()).expect("opens");
    let dashboard = isms.dashboard(support::today()).expect("the dashboard");
    assert_eq!(dashboard.evidence_due, ["5.18", "8.15"]);
    let soa = isms.soa(support::today()).expect("the SoA");
    let line = soa
        .lines
        .iter()
        .find(|l| l.entry.id == "8.15")
        .expect("8.15");
    assert_eq!(
        line.evidence_freshness,
        isms_core::domain::Freshness::Missing
    );
}

#[test]
fn a_piece_of_evidence_is_a_file_with_its_hash_or_a_reference_and_names_what_exists() {
    let copy = Copy::new();
    copy.edit(
        "evidence/EV-001.md",
        "reference: OPS-2291\n",
        "reference: OPS-2291\nfile: ../../isms.yaml\n",
    );
    let isms = isms_core::Isms::open(copy.path()).expect("opens");
    let loaded = isms.load().expect("loads");
    let errors: Vec<(Option<&str>, Option<usize>)> = loaded
        .errors
        .iter()
        .filter(|e| e.path == "evidence/EV-001.md")
        .map(|e| (e.field.as_deref(), e.line))
        .collect();
    assert!(
        errors.contains(&(
            Some("reference"),
            line_of(&copy, "evidence/EV-001.md", "reference:")
        )),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|(f, _)| *f == Some("file")),
        "a path out of evidence/files/: {errors:?}"
    );
    assert!(
        errors.iter().any(|(f, _)| *f == Some("sha256")),
        "a file needs its hash: {errors:?}"
    );

    // A reference may carry the hash of what was seen there; a malformed one is named.
    let copy = Copy::new();
    let seen = isms_core::fsio::sha256_hex(b"the access review export");
    copy.edit(
        "evidence/EV-001.md",
        "reference: OPS-2291\n",
        &format!("reference: OPS-2291\nsha256: {seen}\n"),
    );
    let isms = isms_core::Isms::open(copy.path()).expect("opens");
    let loaded = isms.load().expect("loads");
    assert!(
        !loaded.errors.iter().any(|e| e.path == "evidence/EV-001.md"),
        "{:?}",
        loaded.errors
    );
    assert_eq!(
        loaded.records.evidence[0].sha256.as_deref(),
        Some(seen.as_str())
    );
    copy.edit("evidence/EV-001.md", &seen, "not-a-hash");
    let loaded = isms.load().expect("loads");
    assert!(
        loaded.errors.iter().any(|e| e.path == "evidence/EV-001.md"
            && e.field.as_deref() == Some("sha256")
            && e.line == line_of(&copy, "evidence/EV-001.md", "sha256:")),
        "{:?}",
        loaded.errors
    );

    let copy = Copy::new();
    copy.edit(
        "evidence/EV-001.md",
        "controls: [\"5.18\", \"8.2\"]",
        "controls: [\"5.18\", \"8.99\"]\nfindings: [NC-404]\naudits: [AUD-1999-01]",
    );
    copy.edit(
        "evidence/EV-001.md",
        "collected_by: Ingrid Solberg",
        "collected_by: Mallory",
    );
    let found = findings(&copy);
    let fields: Vec<&str> = found
        .iter()
        .filter(|f| f.path == "evidence/EV-001.md")
        .filter_map(|f| f.field.as_deref())
        .collect();
    for field in ["controls", "findings", "audits", "collected_by"] {
        assert!(fields.contains(&field), "{field}: {found:#?}");
    }
}

#[test]
fn isms_collect_copies_the_file_records_its_hash_and_refuses_a_large_one_writing_nothing() {
    let copy = Copy::new();
    let outside = tempfile::tempdir().expect("a folder");
    let drill = outside.path().join("restore-drill-2026-11.txt");
    std::fs::write(&drill, "Restore drill, November: 28 minutes.\n").expect("written");
    let (code, out, err) = run_in(
        copy.path(),
        &[
            "collect",
            drill.to_str().expect("utf-8"),
            "title=Restore drill, November 2026",
            "controls+=8.13",
            "collected_by=Ingrid Solberg",
            "collected_on=2026-11-20",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Collected EV-003"), "{out}");
    let record = copy.read("evidence/EV-003.md");
    assert!(
        record.contains("file: restore-drill-2026-11.txt\n"),
        "{record}"
    );
    let hash = isms_core::fsio::sha256_hex(b"Restore drill, November: 28 minutes.\n");
    assert!(record.contains(&format!("sha256: {hash}\n")), "{record}");
    assert_eq!(
        copy.read("evidence/files/restore-drill-2026-11.txt"),
        "Restore drill, November: 28 minutes.\n"
    );
    assert!(!findings(&copy)
        .iter()
        .any(|f| f.rule.as_str().starts_with("evidence-")));

    // Over 10 MB: refused with the way out, and nothing written.
    let big = outside.path().join("full-database-dump.sql");
    std::fs::write(
        &big,
        vec![b'x'; (isms_core::domain::MAX_EVIDENCE_BYTES + 1) as usize],
    )
    .expect("written");
    let (code, _, err) = run_in(
        copy.path(),
        &[
            "collect",
            big.to_str().expect("utf-8"),
            "title=Dump",
            "collected_by=Ingrid Solberg",
            "collected_on=2026-11-20",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("at most 10 MB") && err.contains("reference"),
        "{err}"
    );
    assert!(!copy.file("evidence/files/full-database-dump.sql").exists());
    assert!(!copy.file("evidence/EV-004.md").exists());

    // A record that does not validate (no collector): the copied file goes too.
    let other = outside.path().join("access-review.txt");
    std::fs::write(&other, "reviewed\n").expect("written");
    let (code, _, err) = run_in(
        copy.path(),
        &[
            "collect",
            other.to_str().expect("utf-8"),
            "title=Access review",
            "collected_on=2026-11-20",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        !copy.file("evidence/files/access-review.txt").exists(),
        "nothing written"
    );
}
