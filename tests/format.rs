//! The repository format: parse errors name file, line and field, the rest still
//! loads, and files survive a load and save byte for byte.

use std::fs;

use isms_core::format::{self, frontmatter, write_record};
use isms_core::repository::{AnyRecord, ParsedFile};
use isms_core::ErrorCode;
use isms_core::{Isms, RecordKind};

use crate::support::{sample, Copy};

const GOOD_RISK: &str = "---\nid: R-020\ntitle: A good risk\ndomain: technical\nstatus: active\nlikelihood: 2\nimpact: 3\nowner: ism\n---\n\n## Description\n\nText.\n";

/// Each malformed input, the file it is written to, and the one error expected for
/// it: `path:line: field: message` (a fragment of the message is enough).
fn malformed() -> Vec<(&'static str, String, &'static str)> {
    let risk = |front: &str| format!("---\n{front}---\n\nBody.\n");
    let base = "id: R-020\ntitle: T\ndomain: technical\nstatus: active\nlikelihood: 2\nimpact: 3\nowner: ism\n";
    vec![
        ("risks/R-020.md", risk(&base.replace("likelihood: 2", "likelihood: 11")), "risks/R-020.md:6: likelihood: 11 is outside every scale: a methodology has at most 10 levels"),
        ("risks/R-020.md", risk(&base.replace("impact: 3", "impact: 0")), "risks/R-020.md:7: impact: 0 is not a level: levels start at 1"),
        ("risks/R-020.md", risk(&base.replace("likelihood: 2", "likelihood: high")), "risks/R-020.md:6: likelihood: expected a whole number 1–10, found high"),
        ("risks/R-020.md", risk(&base.replace("likelihood: 2", "likelihood: 2.5")), "risks/R-020.md:6: likelihood: expected a whole number 1–10, found 2.5"),
        ("risks/R-020.md", risk(&base.replace("status: active", "status: open")), "risks/R-020.md:5: status: `open` is not one of active, deferred or closed"),
        ("risks/R-020.md", risk(&format!("{base}treatment: mittigate\n")), "risks/R-020.md:9: treatment: `mittigate` is not one of mitigate, transfer, avoid or accept"),
        ("risks/R-020.md", risk(&base.replace("id: R-020", "id: R-021")), "risks/R-020.md:2: id: `R-021` differs from the file name `R-020`"),
        ("risks/R-020.md", risk(&base.replace("title: T\n", "")), "risks/R-020.md:2: title: required field is missing"),
        ("risks/R-020.md", risk(&format!("{base}title: Again\n")), "risks/R-020.md:9: invalid YAML: duplicate"),
        ("risks/R-020.md", risk(&base.replace("title: T", "title: [unclosed")), "risks/R-020.md:4: invalid YAML"),
        ("risks/R-020.md", format!("---\n{base}\nBody without a closing fence\n"), "risks/R-020.md:1: the front matter opened on line 1 is never closed"),
        ("risks/R-020.md", base.to_string(), "risks/R-020.md:1: a record must start with a `---` line"),
        ("risks/R-020.md", String::new(), "risks/R-020.md:1: the file is empty"),
        ("risks/R-020.md", risk(&format!("{base}reviewed_on: 2026-13-01\n")), "risks/R-020.md:9: reviewed_on: `2026-13-01` is not a date; write YYYY-MM-DD"),
        ("risks/R-020.md", risk(&format!("{base}reviewed_on: -027-04-01\n")), "risks/R-020.md:9: reviewed_on: `-027-04-01` is not a date; write YYYY-MM-DD"),
        ("risks/R-020.md", risk(&format!("{base}controls: 8.13\n")), "risks/R-020.md:9: controls: expected a list, found a number"),
        ("risks/R-020.md", risk(&format!("{base}provisional: maybe\n")), "risks/R-020.md:9: provisional: expected true or false, found maybe"),
        ("risks/R-020.md", risk(&base.replace("impact: 3\n", "")), "risks/R-020.md:6: impact: required when likelihood is given"),
        // Found by the fuzz target: a lone carriage return is a line break to YAML only,
        // and a key left empty is not a score.
        ("risks/R-020.md", risk(&format!("{base}controls: [\"5.33\nreviewed_on: 2026-05-12\"]\n")), "risks/R-020.md:10: reviewed_on: `reviewed_on:` starts a line but YAML reads it as part of the value above"),
        ("risks/R-020.md", risk(&format!("{base}controls: [\"5.33\",\n\"8.13\"]\n")), "risks/R-020.md:10: this line continues the value above without indentation; indent it"),
        ("risks/R-020.md", risk(&base.replace("status: active", "&a status: active")), "risks/R-020.md:5: status: write `status:` plainly at the start of its line"),
        ("risks/R-020.md", risk(&base.replace("\nowner", "\n\rowner")), "risks/R-020.md:8: the line has a carriage return (\\r) that does not end it"),
        ("risks/R-020.md", risk(&base.replace("likelihood: 2\nimpact: 3\n", "likelihood:\n")), "risks/R-020.md:5: likelihood: an active risk needs likelihood and impact"),
        ("risks/R-020.md", risk(&base.replace("likelihood: 2", "likelihood:")), "risks/R-020.md:7: likelihood: required when impact is given"),
        ("risks/R-020.md", risk(&format!("{base}acceptance:\n  memo: lost\n  accepted_by: ceo\n")), "risks/R-020.md:10: acceptance.memo: `lost` is not one of pending or signed"),
        ("risks/R-020.md", risk("- just\n- a list\n"), "risks/R-020.md:2: expected key: value pairs, found a list"),
        ("risks/R-20.md", risk(&base.replace("R-020", "R-20")), "risks/R-20.md:2: id: `R-20` is not a risk id"),
        ("controls/8.13.md", "---\nid: \"8.13\"\ntitle: Information backup\napplicable: yes please\nstatus: implemented\n---\n".into(), "controls/8.13.md:4: applicable: expected true or false, found yes please"),
        ("controls/8.13.md", "---\nid: \"8.13\"\napplicable: true\nstatus: done\n---\n".into(), "controls/8.13.md:4: status: `done` is not one of implemented, partial, planned or not_implemented"),
        ("treatments/T-001.md", "---\nid: T-001\ntitle: T\noption: mitigate\ndecision: proposed\nactions:\n  - id: A1\n    description: d\n    owner: ism\n    status: planned\n  - id: A1\n    description: e\n    owner: ism\n    status: planned\n---\n".into(), "treatments/T-001.md:11: actions.id: `A1` is used by two actions"),
        ("treatments/T-001.md", "---\nid: T-001\ntitle: T\noption: mitigate\ndecision: approved\n---\n".into(), "treatments/T-001.md:5: approved_on: required when the decision is approved"),
        ("documents/scope.md", "---\nid: scope\ntitle: S\nversion: \"1.0\"\nowner: ism\neffective: 1st of May\n---\n".into(), "documents/scope.md:6: effective: `1st of May` is not a date"),
        ("isms.yaml", fs::read_to_string(sample().join("isms.yaml")).expect("sample config").replace("  - id: cfo\n", "  - id: ceo\n"), "isms.yaml:68: roles.id: `ceo` is defined twice"),
        ("isms.yaml", fs::read_to_string(sample().join("isms.yaml")).expect("sample config").replace("      min: 6\n", "      min: 7\n"), "isms.yaml:43: methodology.bands: score 6 is in no band"),
        ("isms.yaml", fs::read_to_string(sample().join("isms.yaml")).expect("sample config").replace("    email: emil.dahl@kestrelcart.example", "    email: maja.thorsen@kestrelcart.example"), "isms.yaml:87: people.email: `maja.thorsen@kestrelcart.example` is used by two people"),
        ("isms.yaml", fs::read_to_string(sample().join("isms.yaml")).expect("sample config").replace("AAAAC3NzaC1lZDI1NTE5AAAAIF5KUOemOiOc9DzRcD3LrdWnwiok7Kkw7V/vbt4UBJuw", "AAAA#cut"), "isms.yaml:77: people.signing_keys: the key"),
        ("isms.yaml", fs::read_to_string(sample().join("isms.yaml")).expect("sample config").replace("  - kind: soa\n", "  - kind: soa\n    classification: confidential\n"), "isms.yaml:136: signoff.classification: only a `document` chain is for a classification"),
        ("isms.yaml", fs::read_to_string(sample().join("isms.yaml")).expect("sample config").replace("  - kind: document\n", "  - kind: document\n    classification: secret\n"), "isms.yaml:166: signoff.classification: `secret` is not one of public, internal, confidential or restricted"),
        ("isms.yaml", fs::read_to_string(sample().join("isms.yaml")).expect("sample config").replace("  - kind: management-review\n", "  - kind: document\n    classification: confidential\n    steps:\n      - role: ism\n        means: commit_signature\n  - kind: document\n    classification: confidential\n    steps:\n      - role: ceo\n        means: commit_signature\n  - kind: management-review\n"), "signoff.kind: `document (confidential)` has two chains; keep one"),
    ]
}

fn load_errors(copy: &Copy) -> Vec<String> {
    let loaded = Isms::open(copy.path())
        .expect("the copy opens")
        .load()
        .expect("loading never stops at a bad file");
    loaded.errors.iter().map(|e| e.to_string()).collect()
}

#[test]
fn every_malformed_input_is_reported_with_file_line_and_field_and_the_rest_loads() {
    let cases = malformed();
    assert!(cases.len() >= 20);
    for (path, text, expected) in cases {
        let copy = Copy::new();
        copy.write(path, &text);
        let errors = load_errors(&copy);
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(expected) || e.contains(expected) && e.starts_with(path)),
            "{path}: expected {expected:?}, got {errors:#?}"
        );
        let loaded = Isms::open(copy.path())
            .expect("opens")
            .load()
            .expect("loads");
        // Everything else still loads: the 17 sample risks (one may be the bad file's own).
        assert!(
            loaded.records.risks.len() >= 17,
            "{path}: other risks still load"
        );
        assert!(
            loaded.records.controls.len() >= 92,
            "{path}: other controls still load"
        );
        if path != "isms.yaml" {
            assert!(
                loaded.records.config.is_some(),
                "{path}: the configuration still loads"
            );
        }
    }
}

#[test]
fn invalid_utf8_a_very_large_file_and_a_link_out_of_the_repository_are_refused_by_name() {
    let copy = Copy::new();
    let mut bytes = GOOD_RISK.as_bytes().to_vec();
    bytes.splice(30..30, [0xff, 0xfe]);
    fs::write(copy.file("risks/R-020.md"), bytes).expect("writable");
    fs::write(
        copy.file("risks/R-021.md"),
        format!("{GOOD_RISK}{}", "x".repeat(2 * 1024 * 1024)).replace("R-020", "R-021"),
    )
    .expect("writable");
    let outside = tempfile::tempdir().expect("a directory outside the repository");
    fs::write(
        outside.path().join("R-022.md"),
        GOOD_RISK.replace("R-020", "R-022"),
    )
    .expect("writable");
    std::os::unix::fs::symlink(outside.path().join("R-022.md"), copy.file("risks/R-022.md"))
        .expect("symlink");
    std::os::unix::fs::symlink(outside.path(), copy.file("documents/linked")).expect("symlink");
    let errors = load_errors(&copy);
    let find = |p: &str| {
        errors
            .iter()
            .find(|e| e.starts_with(p))
            .cloned()
            .unwrap_or_else(|| panic!("no error for {p}: {errors:#?}"))
    };
    assert!(find("risks/R-020.md:3: the file is not valid UTF-8").contains("UTF-8"));
    assert!(find("risks/R-021.md").contains("records are limited to 1024 KiB"));
    assert!(find("risks/R-022.md").contains("symbolic link"));
    let loaded = Isms::open(copy.path())
        .expect("opens")
        .load()
        .expect("loads");
    assert_eq!(
        loaded.records.risks.len(),
        17,
        "the sample's risks load; the three bad files do not"
    );
    let isms = Isms::open(copy.path()).expect("opens");
    for escape in [
        "../outside.md",
        "/etc/passwd",
        "risks/../../x",
        "risks/R-022.md",
    ] {
        assert_eq!(
            isms.resolve(escape).expect_err(escape).code(),
            ErrorCode::OutsideRepository,
            "{escape}"
        );
    }
}

fn parse(kind: RecordKind, path: &str, text: &str) -> ParsedFile {
    let stem = path
        .rsplit('/')
        .next()
        .and_then(|n| n.strip_suffix(".md"))
        .expect("a record file name");
    isms_core::repository::parse_text(kind, path, stem, text)
        .unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

fn fields(record: &AnyRecord) -> Vec<format::emit::FieldText> {
    isms_core::repository::emit_any(record).0
}

#[test]
fn every_sample_record_is_canonical_and_round_trips_byte_for_byte() {
    let isms = Isms::open(&sample()).expect("the sample opens");
    let (files, errors) = isms.record_files().expect("listable");
    assert!(errors.is_empty(), "{errors:?}");
    let mut checked = 0;
    for file in files.iter().filter(|f| f.kind.is_some()) {
        let text = isms.read_text(&file.path).expect("readable");
        let parsed = parse(file.kind.expect("a record"), &file.path, &text);
        let f = fields(&parsed.record);
        assert_eq!(
            write_record(&f, &parsed.source.body, Some((&parsed.source, &f))),
            text,
            "{} round trip",
            file.path
        );
        assert_eq!(
            write_record(&f, &parsed.source.body, None),
            text,
            "{} is canonical",
            file.path
        );
        checked += 1;
    }
    // Risks, SoA entries, treatments, documents, the assessment, audits, findings,
    // objectives, management reviews, suppliers, attestations, evidence.
    assert_eq!(checked, 17 + 93 + 6 + 4 + 1 + 5 + 4 + 3 + 2 + 6 + 2 + 2);
}

#[test]
fn a_changed_field_rewrites_only_its_line_and_keeps_comments_unknown_keys_and_body() {
    let text = "---\n# Reviewed in the May workshop\nid: R-020\ntitle: A good risk\ndomain: technical   # the only domain in scope\nstatus: active\nlikelihood: 4 # was 5 before the WAF\nimpact: 3\nowner: ism\nx-jira: SEC-142\ncustom:\n  nested: [1, 2]\n---\n\n## Description\n\nBody  with  odd   spacing.\n";
    let parsed = parse(RecordKind::Risk, "risks/R-020.md", text);
    let original = fields(&parsed.record);
    assert_eq!(
        write_record(
            &original,
            &parsed.source.body,
            Some((&parsed.source, &original))
        ),
        text,
        "no change, no difference"
    );
    let AnyRecord::Risk(mut risk) = parsed.record.clone() else {
        panic!("a risk")
    };
    risk.likelihood = Some(3);
    risk.controls = vec!["8.13".into(), "5.10".into()];
    let rewritten = write_record(
        &format::emit_risk(&risk),
        &risk.body,
        Some((&parsed.source, &original)),
    );
    assert_eq!(
        rewritten,
        "---\n# Reviewed in the May workshop\nid: R-020\ntitle: A good risk\ndomain: technical   # the only domain in scope\nstatus: active\nlikelihood: 3\nimpact: 3\nowner: ism\ncontrols: [\"8.13\", \"5.10\"]\nx-jira: SEC-142\ncustom:\n  nested: [1, 2]\n---\n\n## Description\n\nBody  with  odd   spacing.\n"
    );
    let again = parse(RecordKind::Risk, "risks/R-020.md", &rewritten);
    let AnyRecord::Risk(back) = again.record else {
        panic!("a risk")
    };
    assert_eq!(back, risk, "what was written reads back as the same record");
    assert_eq!(
        again
            .unknown_keys
            .iter()
            .map(|u| u.key.as_str())
            .collect::<Vec<_>>(),
        ["x-jira", "custom"]
    );
}

#[test]
fn front_matter_with_crlf_line_endings_and_a_byte_order_mark_loads() {
    let text = format!("\u{feff}{}", GOOD_RISK.replace('\n', "\r\n"));
    let source = frontmatter::split(&text).expect("splits");
    assert!(source.bom);
    let parsed = parse(RecordKind::Risk, "risks/R-020.md", &text);
    let AnyRecord::Risk(risk) = parsed.record else {
        panic!("a risk")
    };
    assert_eq!((risk.likelihood, risk.impact), (Some(2), Some(3)));
}

#[test]
fn every_file_in_a_record_folder_is_read_or_named_with_what_to_do() {
    // Before, these were skipped without a word and their risks vanished from lists
    // and reports.
    let copy = Copy::new();
    let risk = copy.read("risks/R-004.md");
    fs::write(copy.file("risks/R-025.MD"), &risk).expect("writable");
    fs::create_dir_all(copy.file("risks/2026")).expect("a folder");
    fs::write(copy.file("risks/2026/R-020.md"), &risk).expect("writable");
    fs::write(copy.file("risks/R-030.markdown"), &risk).expect("writable");
    fs::write(copy.file("risks/notes.txt"), "to do").expect("writable");
    fs::write(copy.file("risks/R-004.md.bak"), &risk).expect("writable");
    fs::write(copy.file("risks/.R-009.md"), &risk).expect("writable");
    // A save killed mid-write (its process is gone) and one under way (this one).
    let gone = std::process::Command::new("true")
        .spawn()
        .and_then(|mut c| {
            let pid = c.id();
            c.wait().map(|_| pid)
        })
        .expect("a process that has ended");
    fs::write(copy.file(&format!("risks/.R-001.md.{gone}.0.tmp")), "half").expect("writable");
    let live = format!("risks/.R-002.md.{}.0.tmp", std::process::id());
    fs::write(copy.file(&live), "half").expect("writable");
    fs::write(copy.file("risks/.gitkeep"), "").expect("writable");
    let errors = load_errors(&copy);
    let says = |path: &str, words: &str| {
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(path) && e.contains(words)),
            "{path} is not named with `{words}`: {errors:#?}"
        );
    };
    says("risks/R-025.MD", "rename it `R-025.md`");
    says("risks/R-030.markdown", "rename it `R-030.md`");
    says("risks/2026", "is a folder");
    says(
        "risks/notes.txt",
        "only `<id>.md` files in risks/ are records",
    );
    says(
        "risks/R-004.md.bak",
        "only `<id>.md` files in risks/ are records",
    );
    says("risks/.R-009.md", "is hidden");
    says(
        &format!("risks/.R-001.md.{gone}.0.tmp"),
        "left behind by a save of R-001.md that was interrupted",
    );
    assert!(
        !errors
            .iter()
            .any(|e| e.starts_with(&live) || e.starts_with("risks/.gitkeep")),
        "a save under way and .gitkeep are right to be there: {errors:#?}"
    );
    assert_eq!(errors.len(), 7, "{errors:#?}");
}
