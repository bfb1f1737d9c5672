//! What the auditor receives, on the sample ISMS with two years of signed risk
//! assessments (tagged `assessment-2025` and `assessment-2026`): the audit pack,
//! checked in a clean folder with stock `ssh-keygen`, `sha256sum`, `unzip` and git
//! only; the year-over-year comparison, its figures held to values worked out by hand
//! below; and the OSCAL export.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::signoff::{Board, INGRID};
use crate::support;

/// The sample's first year: what `assessment-2025` signed. Each edit turns a 2026 file
/// back into its 2025 state; the comparison tests below work out by hand what changed.
const YEAR_ONE: &[(&str, &str, &str)] = &[
    // Inherent 2×5 = 10 Manage → 3×5 = 15 Unacceptable: crosses up.
    ("risks/R-001.md", "\nlikelihood: 3\n", "\nlikelihood: 2\n"),
    // Inherent 4×4 = 16 Unacceptable → 3×3 = 9 Manage: crosses down.
    (
        "risks/R-008.md",
        "\nlikelihood: 3\nimpact: 3\n",
        "\nlikelihood: 4\nimpact: 4\n",
    ),
    // Residual 2×4 = 8 Manage → 1×4 = 4 Acceptable: residual crosses down.
    (
        "risks/R-002.md",
        "residual_likelihood: 1",
        "residual_likelihood: 2",
    ),
    // Deferred in 2025, assessed in 2026.
    (
        "risks/R-011.md",
        "status: active",
        "status: deferred\ndeferred_to: Monitoring review, autumn 2025",
    ),
    // Assessed in 2025, deferred to the people workshop in 2026.
    (
        "risks/R-017.md",
        "status: deferred\ndeferred_to: People workshop, February 2027\n",
        "status: active\n",
    ),
    // Applicable in 2025 (contractors then), excluded in 2026.
    (
        "controls/8.30.md",
        "applicable: false\nstatus: not_implemented\nowner: ism\njustification: \"No development is outsourced: all code is written and reviewed by employees. To be revisited if contractors are engaged.\"",
        "applicable: true\nstatus: implemented\nowner: ism\nreasons: [contractual]",
    ),
    // Excluded in 2025, applicable in 2026.
    (
        "controls/5.7.md",
        "applicable: true\nstatus: partial\nowner: ism\nreasons: [best_practice]",
        "applicable: false\nstatus: not_implemented\nowner: ism\njustification: \"Vendor advisories are read as they arrive; a threat intelligence process is not warranted at our size.\"",
    ),
    // Due 2026-06-30 in 2025; moved to 2026-09-30: slipped by 92 days.
    (
        "treatments/T-001.md",
        "due: 2026-09-30",
        "due: 2026-06-30",
    ),
    // In progress in 2025, done by 2026.
    (
        "treatments/T-002.md",
        "status: done",
        "status: in_progress",
    ),
    ("objectives/OBJ-002.md", "status: at_risk", "status: on_track"),
];

/// The 2025 assessment record (2026's does not exist yet in the first year).
const ASSESSMENT_2025: &str = "---
id: \"2025\"
title: Annual risk assessment 2025
performed_on: 2025-05-14
methodology_version: \"1.0\"
domains_in_scope: [technical]
domains_deferred: [legal, people, supplier, physical]
evidence:
  - The first bi-monthly SRE audits
themes:
  - id: trade-offs
    title: Deliberate management trade-offs, made visible with their compensating controls
---

## Summary

The first assessment of the platform, in the technical domain only.
";

/// Risks first recorded in 2026.
const NEW_IN_2026: &[&str] = &["risks/R-015.md", "risks/R-016.md"];

/// The board's copy with two signed risk assessments: 2025's (tag `assessment-2025`)
/// and 2026's (tag `assessment-2026`), with the 2026 rescorings committed one by one
/// with their reasons in between.
pub(crate) fn two_years() -> Board {
    let b = Board::with(|s| {
        for (file, from, to) in YEAR_ONE {
            s.copy.edit(file, from, to);
        }
        for file in NEW_IN_2026 {
            fs::remove_file(s.copy.file(file)).expect("the 2026 risk exists");
        }
        fs::remove_file(s.copy.file("assessments/2026.md")).expect("2026.md exists");
        s.copy.write("assessments/2025.md", ASSESSMENT_2025);
    });
    assess(&b, "assessment-2025");
    let restore = |file: &str| {
        let text = fs::read_to_string(support::sample().join(file)).expect("a sample file");
        b.s.copy.write(file, &text);
    };
    restore("risks/R-001.md");
    b.s.ok(&[
        "commit",
        "-m",
        "R-001: credential-stuffing attempts on merchant admins tripled since spring",
    ]);
    restore("risks/R-008.md");
    b.s.ok(&[
        "commit",
        "-m",
        "R-008: the March restore drill brought one tenant set back in 40 minutes",
    ]);
    for (file, _, _) in YEAR_ONE {
        restore(file);
    }
    for file in NEW_IN_2026 {
        restore(file);
    }
    restore("assessments/2026.md");
    b.s.ok(&["commit", "-m", "Annual risk assessment 2026"]);
    assess(&b, "assessment-2026");
    b
}

/// A risk-assessment sign-off of HEAD through its whole chain, tagged `tag`.
fn assess(b: &Board, tag: &str) {
    let id = b.start(&["risk-assessment"]);
    let (code, out, err) = b.sign(&b.jonas, &id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = b.sign(&b.maja, &id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    b.as_ingrid();
    b.s.git(&["tag", tag]);
}

/// `isms audit-pack --rev <rev> -o <dir>` as Ingrid → (code, stdout, stderr).
fn audit_pack(b: &Board, rev: &str, dir: &Path) -> (i32, String, String) {
    b.as_ingrid();
    b.s.isms(&[
        "--format",
        "json",
        "audit-pack",
        "--rev",
        rev,
        "-o",
        dir.to_str().expect("a UTF-8 path"),
    ])
}

/// Runs `program` in `dir` with nothing of ISMS Desk's around: no HOME, a bare PATH.
fn stock(dir: &Path, program: &str, args: &[&str], stdin: Option<&Path>) -> (bool, String) {
    let mut c = Command::new(program);
    c.current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    if let Some(file) = stdin {
        c.stdin(fs::File::open(file).expect("the input file opens"));
    }
    let out = c.output().expect("the stock tool runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in fs::read_dir(dir).expect("readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.push((
                    rel.to_string_lossy().into_owned(),
                    fs::read(&path).expect("readable"),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn an_audit_pack_is_checked_with_stock_tools_and_a_changed_byte_is_rejected() {
    let b = two_years();
    let home = b.s.home.path().to_path_buf();
    let pack = home.join("pack");
    let (code, out, err) = audit_pack(&b, "assessment-2026", &pack);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let at = b.rev("assessment-2026");
    assert_eq!(v["commit"], at.as_str());

    // Every report as PDF; the risk assessment as 2026's sign-off signed it, the
    // others rendered from the commit and said to be unsigned.
    let documents = v["documents"].as_array().expect("documents");
    let files: Vec<&str> = documents
        .iter()
        .map(|d| d["file"].as_str().expect("a file"))
        .collect();
    for expected in [
        "reports/risk-assessment.pdf",
        "reports/soa.pdf",
        "reports/treatment-plan.pdf",
        "reports/register.pdf",
        "reports/system-description.pdf",
        "reports/management-review/MR-2025.pdf",
        "reports/audit-report/AUD-2026-01.pdf",
    ] {
        assert!(files.contains(&expected), "{expected} in {files:?}");
    }
    let signed: Vec<&Value> = documents
        .iter()
        .filter(|d| !d["signoff"].is_null())
        .collect();
    assert_eq!(signed.len(), 1, "{documents:?}");
    assert_eq!(signed[0]["file"], "reports/risk-assessment.pdf");
    let id = signed[0]["signoff"].as_str().expect("an id");
    for file in &files {
        let bytes = fs::read(pack.join(file)).expect("the PDF is written");
        assert!(bytes.starts_with(b"%PDF-"), "{file}");
    }
    // The sign-off's evidence: who, when, which key, the verify result.
    let evidence = fs::read_to_string(pack.join(format!("signoff/{id}.md"))).expect("evidence");
    for who in ["Ingrid Solberg", "Jonas Lykke", "Maja Thorsen"] {
        assert!(evidence.contains(who), "{evidence}");
    }
    assert!(
        evidence.contains(&support::fingerprint(&b.jonas)),
        "{evidence}"
    );
    assert!(evidence.contains("**holds**"), "{evidence}");
    // The evidence files as committed.
    assert_eq!(
        fs::read(pack.join("evidence/files/restore-drill-2026-09.md")).expect("copied"),
        fs::read(support::sample().join("evidence/files/restore-drill-2026-09.md"))
            .expect("the sample's")
    );
    assert!(pack.join("evidence/EV-001.md").is_file());

    // In a clean folder, from the zip, with stock tools only.
    let zip = v["zip"].as_str().expect("a zip");
    let clean = tempfile::tempdir().expect("a clean folder");
    let (ok, text) = stock(
        clean.path(),
        "unzip",
        &["-q", pack.join(zip).to_str().expect("utf-8")],
        None,
    );
    assert!(ok, "{text}");
    let root = clean.path().join(zip.trim_end_matches(".zip"));
    let manifest = root.join("MANIFEST");
    let (ok, text) = stock(
        &root,
        "ssh-keygen",
        &[
            "-Y",
            "verify",
            "-f",
            "allowed_signers",
            "-I",
            INGRID,
            "-n",
            "isms-report",
            "-s",
            "MANIFEST.sig",
        ],
        Some(&manifest),
    );
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("Good \"isms-report\" signature for {INGRID}")),
        "{text}"
    );
    let (ok, text) = stock(&root, "sha256sum", &["-c", "MANIFEST"], None);
    assert!(ok, "{text}");
    assert!(text.contains("reports/risk-assessment.pdf: OK"), "{text}");
    assert!(!text.contains("FAILED"), "{text}");
    // The zip holds exactly the folder's files.
    let mut zipped = tree(&root);
    let mut folder: Vec<(String, Vec<u8>)> =
        tree(&pack).into_iter().filter(|(p, _)| p != zip).collect();
    zipped.sort();
    folder.sort();
    assert_eq!(
        zipped.iter().map(|f| &f.0).collect::<Vec<_>>(),
        folder.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(zipped == folder, "the zip's files differ from the folder's");

    // VERIFY.md's fingerprint command names the keys the board holds.
    let verify = fs::read_to_string(root.join("VERIFY.md")).expect("VERIFY.md");
    let awk = verify
        .lines()
        .find(|l| l.starts_with("awk "))
        .expect("a fingerprint command");
    let (ok, text) = stock(&root, "sh", &["-c", awk], None);
    assert!(ok, "{text}");
    for key in [&b.s.key, &b.jonas, &b.maja] {
        assert!(text.contains(&support::fingerprint(key)), "{text}");
    }

    // VERIFY.md's git commands hold against the repository, with the pack's signers.
    let commands: Vec<&str> = verify.lines().filter(|l| l.starts_with("git ")).collect();
    assert!(commands.len() >= 4, "{verify}");
    for command in commands {
        let out = Command::new("sh")
            .current_dir(&root)
            .args(["-c", command])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("GIT_DIR", b.s.path().join(".git"))
            .output()
            .expect("sh runs");
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // One changed byte in a PDF: sha256sum names it.
    let pdf = root.join("reports/soa.pdf");
    let mut bytes = fs::read(&pdf).expect("readable");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    fs::write(&pdf, &bytes).expect("writable");
    let (ok, text) = stock(&root, "sha256sum", &["-c", "MANIFEST"], None);
    assert!(!ok, "{text}");
    assert!(text.contains("reports/soa.pdf: FAILED"), "{text}");
    // One changed byte in the manifest: the signature fails.
    let mut text = fs::read(&manifest).expect("readable");
    text[0] = if text[0] == b'0' { b'1' } else { b'0' };
    fs::write(&manifest, &text).expect("writable");
    let (ok, out) = stock(
        &root,
        "ssh-keygen",
        &[
            "-Y",
            "verify",
            "-f",
            "allowed_signers",
            "-I",
            INGRID,
            "-n",
            "isms-report",
            "-s",
            "MANIFEST.sig",
        ],
        Some(&manifest),
    );
    assert!(!ok, "{out}");

    // The same commit gives the same pack, byte for byte, and it replaces an earlier one.
    let again = home.join("again");
    let (code, out, err) = audit_pack(&b, "assessment-2026", &again);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        tree(&pack) == tree(&again),
        "two packs of one commit differ"
    );
    let (code, out, err) = audit_pack(&b, "assessment-2026", &again);
    assert_eq!(code, 0, "{out}{err}");

    // 2025's pack has 2025's signed assessment.
    let first = home.join("first");
    let (code, out, err) = audit_pack(&b, "assessment-2025", &first);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let signed_2025 = v["documents"][0]["signoff"].as_str().expect("signed");
    assert_ne!(signed_2025, id);
}

#[test]
fn an_audit_pack_takes_its_signers_from_the_approved_configuration_and_refuses_what_does_not_verify(
) {
    let b = two_years();
    let home = b.s.home.path().to_path_buf();
    // A key added to isms.yaml without a governance sign-off is not in the pack.
    let stranger = support::keygen(&home, "stranger", "");
    let key = support::public_key(&stranger);
    b.s.copy.edit(
        "isms.yaml",
        "    email: emil.dahl@kestrelcart.example\n    roles: [cfo]\n",
        &format!("    email: emil.dahl@kestrelcart.example\n    roles: [cfo]\n    signing_keys: [\"{key}\"]\n"),
    );
    b.s.ok(&["commit", "-m", "Emil's key"]);
    let pack = home.join("pack");
    let (code, out, err) = audit_pack(&b, "HEAD", &pack);
    assert_eq!(code, 0, "{out}{err}");
    let signers = fs::read_to_string(pack.join("allowed_signers")).expect("written");
    assert!(signers.contains(INGRID), "{signers}");
    let data = key.split_whitespace().nth(1).expect("base64");
    assert!(!signers.contains(data), "{signers}");

    // A folder holding something else is not overwritten.
    let mine = home.join("mine");
    fs::create_dir_all(&mine).expect("mkdir");
    fs::write(mine.join("notes.txt"), "mine").expect("write");
    let (code, _, err) = audit_pack(&b, "HEAD", &mine);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("notes.txt"), "{err}");
    assert_eq!(fs::read_dir(&mine).expect("readable").count(), 1);

    // A signed report edited by hand after it was signed: the commit does not verify,
    // so no pack is made from it and nothing is written.
    b.s.copy.edit(
        "reports/risk-assessment.md",
        "Kestrel Cart",
        "Kestrel Cart Ltd",
    );
    b.s.git(&["commit", "-qam", "A quiet edit"]);
    let refused = home.join("refused");
    let (code, _, err) = audit_pack(&b, "HEAD", &refused);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("do not verify"), "{err}");
    assert!(!refused.exists());
    let left: Vec<PathBuf> = fs::read_dir(&home)
        .expect("readable")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.to_string_lossy().contains(".writing."))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
