//! What the auditor receives, on the sample ISMS with two years of signed risk
//! assessments (tagged `assessment-2025` and `assessment-2026`): the audit pack,
//! checked in a clean folder with stock `ssh-keygen`, `sha256sum`, `unzip` and git
//! only; the year-over-year comparison, its figures held to values worked out by hand
//! below; and the OSCAL export.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::signoff::{Board, INGRID};
use crate::support;

/// The sample with two signed risk assessments, as `scripts/sample-history.sh` makes
/// it: 2025's (tag `assessment-2025`: the sample with
/// `scripts/sample-history/year-one.patch` applied, R-015 and R-016 not yet recorded,
/// the 2025 assessment record), then the two rescorings committed one by one with
/// their reasons, the rest of 2026, and 2026's (tag `assessment-2026`). The patch is
/// what the hand-worked figures below come from:
///
/// - R-001 likelihood 2 → 3 (inherent 2 × 5 = 10 Manage → 15 Unacceptable);
/// - R-008 4 × 4 = 16 Unacceptable → 3 × 3 = 9 Manage;
/// - R-002 residual likelihood 2 → 1 (residual 8 Manage → 4 Acceptable);
/// - R-011 deferred in 2025, active in 2026; R-017 active in 2025, deferred in 2026;
/// - 8.30 applicable in 2025 (contractual), excluded in 2026; 5.7 the other way;
/// - T-001 A2 due 2026-06-30 in 2025, 2026-09-30 in 2026; T-002 A1 in progress → done;
/// - OBJ-002 on track → at risk.
pub(crate) fn two_years() -> Board {
    let copy = support::Copy::new();
    let home = tempfile::tempdir().expect("a temporary HOME");
    let keys = home.path().join("keys");
    let s = support::Signed {
        copy,
        home,
        key: keys.join("ingrid"),
    };
    let out = s
        .command("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/sample-history.sh"))
        .arg(s.path())
        .arg(&keys)
        .env("ISMS", support::isms_bin())
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "scripts/sample-history.sh: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Board {
        s,
        jonas: keys.join("jonas"),
        maja: keys.join("maja"),
    }
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

/// `ssh-keygen -Y verify` of the pack's manifest against its own allowed_signers, as
/// VERIFY.md says, in `root`: (whether it holds, what ssh-keygen said).
fn manifest_signature(root: &Path) -> (bool, String) {
    support::stock_tool(
        root,
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
        Some(&root.join("MANIFEST")),
    )
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
        "reports/document/information-security-policy.pdf",
        "reports/document/incident-response.pdf",
    ] {
        assert!(files.contains(&expected), "{expected} in {files:?}");
    }
    let signed: Vec<&Value> = documents
        .iter()
        .filter(|d| !d["signoff"].is_null())
        .collect();
    let signed_files: Vec<&str> = signed.iter().map(|d| d["file"].as_str().unwrap()).collect();
    assert_eq!(
        signed_files,
        [
            "reports/risk-assessment.pdf",
            "reports/document/information-security-policy.pdf"
        ],
        "{documents:?}"
    );
    let id = signed[0]["signoff"].as_str().expect("an id");
    // The approved policy with its revision history from the signed approvals.
    let policy = support::pdf_text(
        &pack.join("reports/document/information-security-policy.pdf"),
        false,
    );
    assert!(policy.contains("Revision history"), "{policy}");
    assert!(
        policy.contains(signed[1]["signoff"].as_str().unwrap()),
        "{policy}"
    );
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
    // The OSCAL export of the same commit.
    assert!(pack.join("oscal/system-security-plan.json").is_file());

    // In a clean folder, from the zip, with stock tools only.
    let zip = v["zip"].as_str().expect("a zip");
    let clean = tempfile::tempdir().expect("a clean folder");
    let (ok, text) = support::stock_tool(
        clean.path(),
        "unzip",
        &["-q", pack.join(zip).to_str().expect("utf-8")],
        None,
    );
    assert!(ok, "{text}");
    let root = clean.path().join(zip.trim_end_matches(".zip"));
    let manifest = root.join("MANIFEST");
    let (ok, text) = manifest_signature(&root);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("Good \"isms-report\" signature for {INGRID}")),
        "{text}"
    );
    let (ok, text) = support::stock_tool(&root, "sha256sum", &["-c", "MANIFEST"], None);
    assert!(ok, "{text}");
    assert!(text.contains("reports/risk-assessment.pdf: OK"), "{text}");
    assert!(!text.contains("FAILED"), "{text}");
    // The zip holds exactly the folder's files.
    let mut zipped = support::files_under(&root);
    let mut folder: Vec<(String, Vec<u8>)> = support::files_under(&pack)
        .into_iter()
        .filter(|(p, _)| p != zip)
        .collect();
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
    let (ok, text) = support::stock_tool(&root, "sh", &["-c", awk], None);
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
    let (ok, text) = support::stock_tool(&root, "sha256sum", &["-c", "MANIFEST"], None);
    assert!(!ok, "{text}");
    assert!(text.contains("reports/soa.pdf: FAILED"), "{text}");
    // One changed byte in the manifest: the signature fails.
    let mut text = fs::read(&manifest).expect("readable");
    text[0] = if text[0] == b'0' { b'1' } else { b'0' };
    fs::write(&manifest, &text).expect("writable");
    let (ok, out) = manifest_signature(&root);
    assert!(!ok, "{out}");

    // The same commit gives the same pack, byte for byte, and it replaces an earlier one.
    let again = home.join("again");
    let (code, out, err) = audit_pack(&b, "assessment-2026", &again);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        support::files_under(&pack) == support::files_under(&again),
        "two packs of one commit differ"
    );
    let (code, out, err) = audit_pack(&b, "assessment-2026", &again);
    assert_eq!(code, 0, "{out}{err}");

    // The app offers the last commit and the tags, newest first.
    let isms = isms_core::Isms::open(b.s.path()).expect("the copy opens");
    let offered: Vec<(String, String)> = isms
        .pack_revisions()
        .expect("revisions")
        .into_iter()
        .map(|r| (r.rev, r.date))
        .collect();
    assert_eq!(
        offered,
        [
            ("HEAD".to_string(), "2026-05-21".to_string()),
            ("assessment-2026".to_string(), "2026-05-21".to_string()),
            ("assessment-2025".to_string(), "2025-05-21".to_string()),
        ]
    );

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

    // A file whose name sha256sum would have to escape (a line break) is left out, and
    // said so; the pack still checks.
    fs::write(
        b.s.copy.file("evidence/files/drill\nMANIFEST.sig"),
        "not evidence",
    )
    .expect("written");
    b.s.git(&["add", "-A"]);
    b.s.git(&["commit", "-qm", "An odd name"]);
    let odd = home.join("odd-pack");
    let (code, out, err) = audit_pack(&b, "HEAD", &odd);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["left_out"],
        json!(["evidence/files/drill\\nMANIFEST.sig"])
    );
    let verify = fs::read_to_string(odd.join("VERIFY.md")).expect("VERIFY.md");
    assert!(verify.contains("Left out of `evidence/`"), "{verify}");
    let (ok, text) = support::stock_tool(&odd, "sha256sum", &["-c", "MANIFEST"], None);
    assert!(ok, "{text}");
    assert!(manifest_signature(&odd).0);

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

/// `isms --format json compare <a> <b>` → (code, JSON or the error's message).
fn compare(b: &Board, a: &str, z: &str) -> (i32, Value, String) {
    let (code, out, err) = b.s.isms(&["--format", "json", "compare", a, z]);
    let v = serde_json::from_str(&out).unwrap_or(Value::Null);
    (code, v, err)
}

/// The ids of a list of risk mentions.
fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|r| r["id"].as_str().expect("an id").to_string())
        .collect()
}

#[test]
fn the_year_over_year_comparison_gives_the_figures_worked_out_by_hand() {
    let b = two_years();
    let (code, v, err) = compare(&b, "assessment-2025", "assessment-2026");
    assert_eq!(code, 0, "{err}");
    let c = &v["comparison"];
    // The same methodology both years: nothing to warn about.
    assert_eq!(c["methodology_changes"], json!([]));
    // Worked out from the year-one patch (see two_years).
    assert_eq!(ids(&c["new_risks"]), ["R-015", "R-016"]);
    assert_eq!(ids(&c["closed"]), Vec::<String>::new());
    assert_eq!(ids(&c["deferred"]), ["R-017"]);
    assert_eq!(ids(&c["undeferred"]), ["R-011"]);
    let crossings: Vec<String> = c["crossings"]
        .as_array()
        .expect("crossings")
        .iter()
        .map(|x| {
            format!(
                "{} {} {} ({}) → {} ({}) {} by {}",
                x["risk"]["id"].as_str().unwrap(),
                x["rating"].as_str().unwrap(),
                x["from_band"].as_str().unwrap(),
                x["from_score"],
                x["to_band"].as_str().unwrap(),
                x["to_score"],
                if x["worse"] == true {
                    "worse"
                } else {
                    "better"
                },
                x["cause"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        crossings,
        [
            // 2 × 5 = 10 → 3 × 5 = 15.
            "R-001 inherent Manage (10) → Unacceptable (15) worse by risk",
            // Residual 2 × 4 = 8 → 1 × 4 = 4.
            "R-002 residual Manage (8) → Acceptable (4) better by risk",
            // 4 × 4 = 16 → 3 × 3 = 9.
            "R-008 inherent Unacceptable (16) → Manage (9) better by risk",
        ]
    );
    let rescored: Vec<(String, Value, Value, Value)> = c["rescored"]
        .as_array()
        .expect("rescored")
        .iter()
        .map(|r| {
            (
                r["risk"]["id"].as_str().unwrap().to_string(),
                r["inherent"].clone(),
                r["residual"].clone(),
                r["reasons"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rescored,
        [
            (
                "R-001".to_string(),
                json!(["2 × 5 = 10", "3 × 5 = 15"]),
                json!(["2 × 4 = 8", "2 × 4 = 8"]),
                json!([
                    "R-001: credential-stuffing attempts on merchant admins tripled since spring"
                ])
            ),
            (
                "R-002".to_string(),
                json!(["3 × 4 = 12", "3 × 4 = 12"]),
                json!(["2 × 4 = 8", "1 × 4 = 4"]),
                json!(["Annual risk assessment 2026"])
            ),
            (
                "R-008".to_string(),
                json!(["4 × 4 = 16", "3 × 3 = 9"]),
                json!(["1 × 3 = 3", "1 × 3 = 3"]),
                json!(["R-008: the March restore drill brought one tenant set back in 40 minutes"])
            ),
        ]
    );
    let flips = c["applicability"].as_array().expect("flips");
    assert_eq!(flips.len(), 2, "{flips:?}");
    assert_eq!(flips[0]["control"], "5.7");
    assert_eq!(flips[0]["now_applicable"], true);
    assert_eq!(
        flips[0]["then_why"],
        "excluded: Vendor advisories are read as they arrive; a threat intelligence process is not warranted at our size."
    );
    assert_eq!(flips[0]["now_why"], "applicable: best practice");
    assert_eq!(flips[1]["control"], "8.30");
    assert_eq!(flips[1]["now_applicable"], false);
    assert_eq!(flips[1]["then_why"], "applicable: contractual");
    assert!(flips[1]["now_why"]
        .as_str()
        .unwrap()
        .starts_with("excluded: No development is outsourced"));
    let done: Vec<String> = c["actions_done"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["treatment"].as_str().unwrap(),
                a["action"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(done, ["T-002 A1"]);
    assert_eq!(c["treatments_completed"], json!([]));
    let slipped = c["slipped"].as_array().expect("slipped");
    assert_eq!(slipped.len(), 1, "{slipped:?}");
    assert_eq!(slipped[0]["treatment"], "T-001");
    assert_eq!(slipped[0]["action"], "A2");
    assert_eq!(slipped[0]["from_due"], "2026-06-30");
    assert_eq!(slipped[0]["to_due"], "2026-09-30");
    // July (31) + August (31) + September (30).
    assert_eq!(slipped[0]["days"], 92);
    assert_eq!(c["domains_covered"], json!([]));
    assert_eq!(
        c["domains_still_deferred"],
        json!([
            "Legal and privacy",
            "People and HR",
            "Suppliers and third parties",
            "Physical and office"
        ])
    );
    assert_eq!(c["objectives_met"], json!([]));
    let objectives = c["objectives_changed"].as_array().expect("objectives");
    assert_eq!(objectives.len(), 1);
    assert_eq!(objectives[0]["id"], "OBJ-002");
    assert_eq!(objectives[0]["then"], "on_track");
    assert_eq!(objectives[0]["now"], "at_risk");

    // The 2026 report says which earlier report it follows, without giving that one
    // 2026's title.
    let source_2026 = v["now"]["source"].as_str().expect("a source").to_string();
    let report =
        b.s.ok(&["report", "risk-assessment", "--rev", &source_2026]);
    let source_2025 = v["then"]["source"].as_str().expect("a source");
    assert!(
        report.contains(&format!(
            "The previous report of this kind in `reports/` was made from commit\n`{}`",
            &source_2025[..12]
        )),
        "{report}"
    );

    // The same by request id; and as a document in markdown and PDF.
    let then_id = v["then"]["signoff"].as_str().expect("an id").to_string();
    let now_id = v["now"]["signoff"].as_str().expect("an id").to_string();
    let (code, by_id, err) = compare(&b, &then_id, &now_id);
    assert_eq!(code, 0, "{err}");
    assert_eq!(by_id["comparison"], v["comparison"]);
    // The app's preview compares the last two.
    let isms = isms_core::Isms::open(b.s.path()).expect("the copy opens");
    let preview = isms.comparison_preview().expect("a preview");
    let compared = preview.compared.expect("two signed assessments");
    assert_eq!(
        (
            compared.then.signoff.as_str(),
            compared.now.signoff.as_str()
        ),
        (then_id.as_str(), now_id.as_str())
    );
    assert!(preview.html.contains("Band crossings"), "{}", preview.html);
    let md = b.s.ok(&[
        "--format",
        "md",
        "compare",
        "assessment-2025",
        "assessment-2026",
    ]);
    for expected in [
        "# Changes since the last risk assessment",
        "Annual risk assessment 2025 (2025-05-14) → Annual risk assessment 2026 (2026-05-12)",
        "| R-001 Takeover of merchant admin accounts by credential stuffing | inherent | Manage (10) | Unacceptable (15) | worse | the risk |",
        "| T-001 A2 |",
        "| 92 days |",
        "The methodology is the same in both",
    ] {
        assert!(md.contains(expected), "{expected:?} in:\n{md}");
    }
    let pdf = b.s.home.path().join("changes.pdf");
    b.s.ok(&[
        "--format",
        "pdf",
        "compare",
        "assessment-2025",
        "assessment-2026",
        "-o",
        pdf.to_str().expect("utf-8"),
    ]);
    let text = support::pdf_text(&pdf, false);
    assert!(
        text.contains("Changes since the last risk assessment"),
        "{text}"
    );
    assert!(text.contains("92 days"), "{text}");
    if let Ok(dir) = std::env::var("ISMS_KEEP_COMPARISON") {
        fs::copy(&pdf, Path::new(&dir).join("comparison.pdf")).expect("copied");
    }

    // Refused: the wrong order; a revision with no signed assessment.
    let (code, _, err) = compare(&b, "assessment-2026", "assessment-2025");
    assert_eq!(code, 2);
    assert!(err.contains("does not come before"), "{err}");
    let first = b.s.git(&["rev-list", "--max-parents=0", "HEAD"]);
    let (code, _, err) = compare(&b, first.trim(), "assessment-2026");
    assert_eq!(code, 2);
    assert!(
        err.contains("no completed risk-assessment sign-off"),
        "{err}"
    );
    // Refused: a later history whose signed report was edited by hand.
    b.s.copy.edit(
        "reports/risk-assessment.md",
        "Kestrel Cart",
        "Kestrel Cart Ltd",
    );
    b.s.git(&["commit", "-qam", "A quiet edit"]);
    let (code, _, err) = compare(&b, "assessment-2025", "HEAD");
    assert_eq!(code, 2);
    assert!(err.contains("does not verify"), "{err}");
}

#[test]
fn a_comparison_across_a_methodology_change_says_so_and_tells_which_crossings_it_caused() {
    let b = two_years();
    // 2027: Manage starts at 9 instead of 6, so scores 6–8 become Acceptable.
    b.s.copy.edit(
        "isms.yaml",
        "    - band: manage\n      min: 6\n",
        "    - band: manage\n      min: 9\n",
    );
    b.s.copy.edit(
        "isms.yaml",
        "    - band: acceptable\n      min: 1\n      max: 5\n",
        "    - band: acceptable\n      min: 1\n      max: 8\n",
    );
    b.s.copy
        .edit("isms.yaml", "  version: \"1.0\"", "  version: \"1.1\"");
    // R-005 3 × 3 = 9 → 2 × 3 = 6: neither the new bands alone (9 stays Manage) nor
    // the new rating alone (6 was Manage) would have moved it.
    b.s.copy
        .edit("risks/R-005.md", "\nlikelihood: 3\n", "\nlikelihood: 2\n");
    // R-008 3 × 3 = 9 → 4 × 4 = 16: the risk alone.
    b.s.copy.edit(
        "risks/R-008.md",
        "\nlikelihood: 3\nimpact: 3\n",
        "\nlikelihood: 4\nimpact: 4\n",
    );
    // And the rest of a year's work: the people domain assessed, R-014 closed, T-002
    // finished, OBJ-003 achieved.
    b.s.copy.edit(
        "isms.yaml",
        "    name: People and HR\n    status: deferred\n    deferred_to: People workshop, February 2027\n",
        "    name: People and HR\n    status: in_scope\n",
    );
    b.s.copy
        .edit("risks/R-014.md", "status: active", "status: closed");
    b.s.copy.edit(
        "treatments/T-002.md",
        "    due: 2027-03-31\n    status: in_progress",
        "    due: 2027-03-31\n    status: done",
    );
    b.s.copy.edit(
        "objectives/OBJ-003.md",
        "status: on_track",
        "status: achieved",
    );
    b.s.copy.write(
        "assessments/2027.md",
        &fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/sample-history/2025.md"),
        )
        .expect("the 2025 assessment")
        .replace("2025", "2027")
        .replace("05-14", "05-11")
        .replace("\"1.0\"", "\"1.1\""),
    );
    b.s.ok(&["commit", "-m", "Methodology 1.1 and the 2027 assessment"]);
    assess(&b, "assessment-2027");
    let (code, v, err) = compare(&b, "assessment-2026", "assessment-2027");
    assert_eq!(code, 0, "{err}");
    let c = &v["comparison"];
    let changes = c["methodology_changes"].as_array().expect("changes");
    assert!(
        changes.iter().any(|l| l == "version 1.0 → 1.1"),
        "{changes:?}"
    );
    assert!(
        changes.iter().any(|l| l.as_str().unwrap().contains(
            "Manage 6–14, Acceptable 1–5 → Unacceptable 15–25, Manage 9–14, Acceptable 1–8"
        )),
        "{changes:?}"
    );
    let mut by_cause: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for x in c["crossings"].as_array().expect("crossings") {
        by_cause
            .entry(x["cause"].as_str().unwrap().to_string())
            .or_default()
            .push(format!(
                "{} {}",
                x["risk"]["id"].as_str().unwrap(),
                x["rating"].as_str().unwrap()
            ));
    }
    // Worked out from the 2026 register: inherent scores of 6–8 (R-006, R-009, R-010,
    // ) and residual ones (R-001, R-003, R-004, R-007, and
    // which keep their inherent rating after treatment) fall from
    // Manage to Acceptable with their ratings unchanged.
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        by_cause["methodology"],
        strings(&[
            "R-001 residual",
            "R-003 residual",
            "R-004 residual",
            "R-006 inherent",
            "R-007 residual",
            "R-009 inherent",
            "R-010 inherent",
            "R-011 inherent",
            "R-012 inherent",
            "R-013 inherent",
            "R-013 residual",
            "R-017 inherent",
            "R-017 residual",
        ])
    );
    assert_eq!(by_cause["risk"], strings(&["R-008 inherent"]));
    assert_eq!(by_cause["both"], strings(&["R-005 inherent"]));
    assert_eq!(ids(&c["closed"]), ["R-014"]);
    assert_eq!(c["treatments_completed"], json!(["T-002"]));
    assert_eq!(c["actions_done"][0]["action"], "A2");
    assert_eq!(c["domains_covered"], json!(["People and HR"]));
    assert_eq!(
        c["domains_still_deferred"],
        json!([
            "Legal and privacy",
            "Suppliers and third parties",
            "Physical and office"
        ])
    );
    assert_eq!(c["objectives_met"][0]["id"], "OBJ-003");
    assert_eq!(c["objectives_met"][0]["then"], "on_track");
    let md = b.s.ok(&[
        "--format",
        "md",
        "compare",
        "assessment-2026",
        "assessment-2027",
    ]);
    assert!(
        md.contains("**Not directly comparable: the methodology changed.**"),
        "{md}"
    );
    assert!(md.contains("| the methodology |"), "{md}");
}

/// The Python with NIST's OSCAL schemas, jsonschema, regex and compliance-trestle:
/// `$ISMS_OSCAL_PYTHON`, or the one `scripts/oscal-tools.sh` sets up (the test command
/// runs it).
fn oscal_python() -> PathBuf {
    let python = std::env::var_os("ISMS_OSCAL_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/oscal-venv/bin/python")
        });
    assert!(
        python.is_file(),
        "{} is missing: run `bash scripts/oscal-tools.sh` (scripts/test.sh does) to install NIST's OSCAL schemas and compliance-trestle",
        python.display()
    );
    python
}

/// `tests/oscal/check.py <dir>` → (passed, its report).
fn oscal_check(dir: &Path) -> (bool, String) {
    let out = Command::new(oscal_python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oscal/check.py"))
        .arg(dir)
        .output()
        .expect("python runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// How many lines of two files differ (they have the same shape).
fn lines_changed(a: &Path, b: &Path) -> usize {
    let (a, b) = (
        fs::read_to_string(a).expect("readable"),
        fs::read_to_string(b).expect("readable"),
    );
    assert_eq!(a.lines().count(), b.lines().count(), "the shape changed");
    a.lines().zip(b.lines()).filter(|(x, y)| x != y).count()
}

#[test]
fn the_oscal_export_passes_nists_schemas_and_compliance_trestle_and_is_stable() {
    let s = support::Signed::new();
    s.git(&["add", "-A"]);
    s.git(&["commit", "-q", "-m", "The sample ISMS"]);
    let home = s.home.path().to_path_buf();
    let first = home.join("oscal");
    let export = |dir: &Path| {
        let out = s.ok(&[
            "--format",
            "json",
            "export",
            "oscal",
            "-o",
            dir.to_str().expect("utf-8"),
        ]);
        serde_json::from_str::<Value>(&out).expect("json")
    };
    let v = export(&first);
    let files = [
        "system-security-plan.json",
        "plan-of-action-and-milestones.json",
        "assessment-results.json",
        "mapping-collection.json",
    ];
    assert_eq!(v["files"], json!(files));
    let (ok, report) = oscal_check(&first);
    assert!(ok, "{report}");
    assert_eq!(
        report
            .matches("allowed values hold; compliance-trestle reads it")
            .count(),
        4,
        "{report}"
    );

    // What the auditor's tool reads: the SoA's statuses, a risk's facets, an audit's
    // findings, the mapping's links.
    let read = |file: &str| -> Value {
        serde_json::from_str(&fs::read_to_string(first.join(file)).expect("written")).expect("json")
    };
    let ssp = read(files[0]);
    let requirements = ssp["system-security-plan"]["control-implementation"]
        ["implemented-requirements"]
        .as_array()
        .expect("requirements");
    assert_eq!(requirements.len(), 93);
    let requirement = |id: &str| {
        requirements
            .iter()
            .find(|r| r["control-id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    assert_eq!(
        requirement("a.8.30")["by-components"][0]["implementation-status"]["state"],
        "not-applicable"
    );
    assert!(requirement("a.8.30")["remarks"]
        .as_str()
        .unwrap()
        .starts_with("Excluded: No development is outsourced"));
    assert_eq!(
        requirement("a.5.7")["by-components"][0]["implementation-status"]["state"],
        "partial"
    );
    let poam = read(files[1]);
    let risk = poam["plan-of-action-and-milestones"]["risks"]
        .as_array()
        .expect("risks")
        .iter()
        .find(|r| r["title"].as_str().unwrap().starts_with("R-001 "))
        .expect("R-001")
        .clone();
    let facet = |name: &str| {
        risk["characterizations"][0]["facets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| f["value"].as_str().unwrap().to_string())
    };
    assert_eq!(facet("likelihood").as_deref(), Some("3"));
    assert_eq!(facet("impact").as_deref(), Some("5"));
    assert_eq!(facet("band").as_deref(), Some("Unacceptable"));
    assert_eq!(risk["status"], "remediating");
    let tasks = risk["remediations"][0]["tasks"].as_array().expect("tasks");
    assert_eq!(
        tasks[1]["timing"]["on-date"]["date"],
        "2026-09-30T23:59:59Z"
    );
    let results = read(files[2]);
    assert!(results["assessment-results"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["title"].as_str().unwrap().starts_with("AUD-2026-01 ")));
    // Every row of templates/soc2/mapping.csv (the sample has no soc2/mapping.csv).
    let shipped = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/soc2/mapping.csv"),
    )
    .expect("the shipped mapping")
    .lines()
    .count()
        - 1;
    let mapping = read(files[3]);
    assert_eq!(
        mapping["mapping-collection"]["mappings"][0]["maps"]
            .as_array()
            .unwrap()
            .len(),
        shipped
    );

    // The same commit, the same bytes; an earlier export is replaced, a folder of
    // other files is not touched.
    let again = home.join("again");
    export(&again);
    assert!(
        support::files_under(&first) == support::files_under(&again),
        "two exports of one commit differ"
    );
    export(&again);
    let mine = home.join("mine");
    fs::create_dir_all(&mine).expect("mkdir");
    fs::write(mine.join("notes.txt"), "mine").expect("write");
    let (code, _, err) = s.isms(&["export", "oscal", "-o", mine.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("notes.txt"), "{err}");

    // One rescored risk is a small diff: its facets and statement, and the version.
    s.copy
        .edit("risks/R-001.md", "\nlikelihood: 3\n", "\nlikelihood: 2\n");
    s.git(&["commit", "-qam", "R-001 rescored"]);
    let later = home.join("later");
    export(&later);
    for file in [files[0], files[2], files[3]] {
        assert!(
            lines_changed(&first.join(file), &later.join(file)) <= 2,
            "{file} changed beyond its metadata"
        );
    }
    // version, likelihood, score, band, statement (last-modified is the same second).
    assert_eq!(
        lines_changed(&first.join(files[1]), &later.join(files[1])),
        5
    );

    // Text a record may hold but OSCAL may not — a title over two lines, spaces at its
    // ends, an audit item about words with punctuation — still makes valid files.
    s.copy.edit(
        "risks/R-002.md",
        "title: Forged payment webhooks on legacy checkout endpoints",
        "title: \"  Forged payment webhooks\\non legacy checkout endpoints  \"",
    );
    s.copy.edit(
        "audits/AUD-2026-02.md",
        "    about: A.8.15\n",
        "    about: \"Logging: retention & review (weekly)\"\n",
    );
    s.git(&["commit", "-qam", "Odd text"]);
    let odd = home.join("odd");
    export(&odd);
    let (ok, report) = oscal_check(&odd);
    assert!(ok, "{report}");
    let poam: Value =
        serde_json::from_str(&fs::read_to_string(odd.join(files[1])).expect("written"))
            .expect("json");
    assert!(poam["plan-of-action-and-milestones"]["risks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["title"] == "R-002 Forged payment webhooks on legacy checkout endpoints"));

    // The checks bite: a value OSCAL does not allow, a control id that is not a token.
    let bad = home.join("bad");
    fs::create_dir_all(&bad).expect("mkdir");
    for f in files {
        fs::copy(first.join(f), bad.join(f)).expect("copy");
    }
    let ssp_text = fs::read_to_string(bad.join(files[0])).unwrap();
    fs::write(
        bad.join(files[0]),
        ssp_text.replacen("\"state\": \"partial\"", "\"state\": \"half-done\"", 1),
    )
    .unwrap();
    let (ok, report) = oscal_check(&bad);
    assert!(!ok, "{report}");
    assert!(
        report.contains("'half-done' is not one of OSCAL's allowed values"),
        "{report}"
    );
    fs::write(
        bad.join(files[0]),
        ssp_text.replacen("\"control-id\": \"a.5.1\"", "\"control-id\": \"5.1\"", 1),
    )
    .unwrap();
    let (ok, report) = oscal_check(&bad);
    assert!(!ok, "{report}");
    assert!(report.contains("'5.1' does not match"), "{report}");
}
