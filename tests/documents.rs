//! Controlled documents, management reviews and audit reports signed off: each
//! approval through its chain with real keys, the merge that puts a document's version
//! in force, the checks that notice an approved document changed without approval,
//! and what a colleague with push access cannot make verification accept.

use std::fs;

use serde_json::Value;

use crate::signoff::Board;
use crate::support;

/// `isms signoff start …` as the holder of `key` → the JSON it prints.
fn start_as(b: &Board, key: &std::path::Path, args: &[&str]) -> Value {
    b.key(key);
    let mut all = vec!["--format", "json", "signoff", "start"];
    all.extend_from_slice(args);
    serde_json::from_str(&b.s.ok(&all)).expect("json")
}

/// The front-matter line `key: …` of `text`.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let prefix = format!("{key}: ");
    text.lines().find_map(|l| l.strip_prefix(prefix.as_str()))
}

/// `isms check --format json` → the findings of `rule`.
fn findings(b: &Board, rule: &str) -> Vec<Value> {
    let (_, out, _) = b.s.isms(&["--format", "json", "check"]);
    let v: Value = serde_json::from_str(&out).expect("json");
    v["report"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect()
}

/// The sample with the scope revised and committed, and its approval started by the
/// ISM → the board and the request id.
fn scope_revised_and_put_up() -> (Board, String) {
    let b = Board::new();
    b.as_ingrid();
    b.s.copy.edit(
        "documents/scope.md",
        "## Purpose\n",
        "## Purpose\n\nRevised.\n",
    );
    b.s.ok(&["commit", "-m", "Scope revised"]);
    let id = start_as(&b, &b.s.key.clone(), &["document", "scope"])["id"]
        .as_str()
        .expect("id")
        .to_string();
    (b, id)
}

#[test]
fn a_document_is_approved_through_its_chain_and_the_merge_puts_its_version_in_force() {
    let b = Board::new();
    b.as_ingrid();
    b.s.copy.edit(
        "documents/scope.md",
        "## Scope statement\n",
        "## Scope statement\n\nThe Aarhus support desk joins the scope from March 2027.\n",
    );
    b.s.ok(&[
        "set",
        "scope",
        "version=1.2",
        "status=in_review",
        "change_summary=Adds the Aarhus support desk",
    ]);
    b.s.ok(&["commit", "-m", "Scope: Aarhus support desk, for approval"]);
    let started = start_as(&b, &b.s.key.clone(), &["document", "scope"]);
    let id = started["id"].as_str().expect("id").to_string();
    assert_eq!(started["report"], "reports/document/scope.md");
    assert_eq!(started["next"], "Chief Executive Officer (signed merge)");
    let signed =
        b.s.git(&["show", &format!("signoff/{id}:reports/document/scope.md")]);
    assert!(signed.contains("| Version | 1.2 |"), "{signed}");
    assert!(
        signed.contains("| Change | Adds the Aarhus support desk |"),
        "{signed}"
    );
    assert!(
        signed.contains("The Aarhus support desk joins the scope"),
        "{signed}"
    );

    // The CEO approves by the signed merge, which writes the approval into the file.
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    let scope = b.s.copy.read("documents/scope.md");
    assert_eq!(field(&scope, "status"), Some("approved"), "{scope}");
    assert_eq!(field(&scope, "version"), Some("\"1.2\""), "{scope}");
    assert_eq!(field(&scope, "approved_by"), Some("ceo"), "{scope}");
    assert_eq!(field(&scope, "change_summary"), None, "{scope}");
    let effective: chrono::NaiveDate = field(&scope, "effective")
        .expect("effective")
        .parse()
        .expect("a date");
    assert_eq!(
        field(&scope, "next_review").map(str::to_string),
        Some((effective + chrono::Months::new(12)).to_string()),
        "twelve months after it took effect: {scope}"
    );
    assert!(scope.contains("The Aarhus support desk joins"), "{scope}");

    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "{v:#}");
    let request = &v["requests"][0];
    assert_eq!(request["state"], "complete");
    assert_eq!(
        request["warnings"].as_array().map(Vec::len),
        Some(0),
        "{v:#}"
    );
    // Plain git agrees that the CEO signed the merge.
    let (code, out) = b.git_verify("main");
    assert_eq!(code, 0, "{out}");
    assert!(findings(&b, "document-changed-without-approval").is_empty());

    // The document PDF carries the revision history from the signed approval.
    let md = b.s.ok(&["signed", "reports/document/scope.md"]);
    assert!(md.contains("## Revision history"), "{md}");
    assert!(
        md.contains("| 1.2 | ")
            && md.contains("Maja Thorsen (Chief Executive Officer) | Adds the Aarhus support desk"),
        "{md}"
    );
    let pdf = b.s.home.path().join("scope.pdf");
    let pdf_arg = pdf.to_str().expect("utf-8");
    b.s.ok(&[
        "--format",
        "pdf",
        "signed",
        "reports/document/scope.md",
        "-o",
        pdf_arg,
    ]);
    let text = std::process::Command::new("pdftotext")
        .args([pdf_arg, "-"])
        .output()
        .expect("pdftotext runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Revision history") && text.contains("Version 1.2"),
        "{text}"
    );

    // An edit after approval makes it a draft of the next version, and says so.
    b.as_ingrid();
    b.s.copy.edit(
        "documents/scope.md",
        "The Aarhus support desk joins the scope from March 2027.",
        "The Aarhus support desk joins the scope from April 2027.",
    );
    b.s.ok(&["commit", "-m", "Aarhus moves to April"]);
    // The Documents screen shows it as a draft of 1.3, with the diff, in the queue.
    let isms = isms_core::Isms::open(b.s.path()).expect("opens");
    let screen = isms.documents(support::today()).expect("documents");
    let line = screen
        .documents
        .iter()
        .find(|l| l.document.id == "scope")
        .expect("scope");
    assert_eq!(
        line.approved.as_ref().map(|a| a.version.as_str()),
        Some("1.2")
    );
    assert_eq!(line.draft_of.as_deref(), Some("1.3"));
    assert!(
        line.diff
            .contains(&"+ The Aarhus support desk joins the scope from April 2027.".to_string()),
        "{:?}",
        line.diff
    );
    assert!(
        line.diff
            .contains(&"- The Aarhus support desk joins the scope from March 2027.".to_string()),
        "{:?}",
        line.diff
    );
    let queued = screen
        .queue
        .iter()
        .find(|q| q.id == "scope")
        .expect("queued");
    assert_eq!(queued.why, "changed since version 1.2 was approved");
    // Documents approved before signatures are in force as written, not drafts.
    let policy = screen
        .documents
        .iter()
        .find(|l| l.document.id == "methodology")
        .expect("methodology");
    assert_eq!(
        (policy.draft_of.as_deref(), policy.approved.is_none()),
        (None, true)
    );
    let found = findings(&b, "document-changed-without-approval");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], "error");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("changed since version 1.2 was approved: it is a draft of version 1.3"),
        "{found:?}"
    );
    // Putting the draft up for approval proposes 1.3, replacing 1.2.
    b.s.ok(&["set", "scope", "status=in_review"]);
    b.s.ok(&["commit", "-m", "Scope 1.3 for approval"]);
    assert!(findings(&b, "document-changed-without-approval").is_empty());
    let next = start_as(&b, &b.s.key.clone(), &["document", "scope"]);
    let id = next["id"].as_str().expect("id");
    let signed =
        b.s.git(&["show", &format!("signoff/{id}:reports/document/scope.md")]);
    assert!(
        signed.contains("| Version | 1.3 |") && signed.contains("| Replaces | version 1.2 |"),
        "{signed}"
    );
}

#[test]
fn a_document_as_approved_is_not_put_up_again_and_one_edited_meanwhile_is_not_merged() {
    let (b, id) = scope_revised_and_put_up();
    // Someone edits the document on main while the approval is under way.
    b.as_ingrid();
    b.s.copy
        .edit("documents/scope.md", "Revised.", "Revised again.");
    b.s.ok(&["commit", "-m", "Scope edited during approval"]);
    let (code, _, err) = b.sign(&b.maja, &id, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("scope changed on main since it was put up for approval"),
        "{err}"
    );
    // Approved as it stands, then asked again: nothing to approve.
    b.s.git(&["branch", "-D", &format!("signoff/{id}")]);
    let id = start_as(&b, &b.s.key.clone(), &["document", "scope"])["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    b.as_ingrid();
    let (code, _, err) = b.s.isms(&["signoff", "start", "document", "scope"]);
    assert_eq!(code, 2);
    assert!(err.contains("scope is as approved in version"), "{err}");
}

#[test]
fn a_document_follows_its_own_chain_when_isms_yaml_gives_it_one() {
    let b = Board::new();
    b.as_ingrid();
    b.s.copy.edit(
        "documents/information-security-policy.md",
        "version: \"2.0\"",
        "version: \"2.1\"",
    );
    b.s.ok(&["commit", "-m", "Policy 2.1"]);
    let started = start_as(
        &b,
        &b.s.key.clone(),
        &["document", "information-security-policy"],
    );
    assert_eq!(started["next"], "Head of Product (co-signature)");
    let id = started["id"].as_str().expect("id").to_string();
    // The CEO cannot skip the Head of Product.
    let (code, _, err) = b.sign(&b.maja, &id, &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(b.sign(&b.jonas, &id, &[]).0, 0);
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["requests"][0]["steps"].as_array().map(Vec::len), Some(3));
    // A document without a chain of its own follows `document`'s.
    assert!(b.s.copy.read("isms.yaml").contains("kind: document\n"));
}

/// A file holding the message of the CEO's merge of scope approval `id` as step 2,
/// with its trailers, for a merge made by hand with plain git.
fn ceo_merge_message(b: &Board, id: &str) -> std::path::PathBuf {
    let blob = b.rev(&format!("signoff/{id}:reports/document/scope.md"));
    let source = b.rev("main");
    let message = format!(
        "Sign-off {id}: merge\n\nIsms-Signoff: {id}\nIsms-Signoff-Kind: document\nIsms-Signoff-Step: 2 ceo\nIsms-Signoff-Report: reports/document/scope.md {blob}\nIsms-Signoff-Source: {source}\nIsms-Signoff-Into: main\nIsms-Signoff-Subject: scope\n"
    );
    let file = b.s.home.path().join("merge.txt");
    fs::write(&file, message).expect("write");
    file
}

/// isms.yaml's chain for confidential documents: the Head of Product co-signs.
const CONFIDENTIAL_CHAIN: &str = "  - kind: document\n    classification: confidential\n    steps:\n      - role: ism\n        means: commit_signature\n      - role: head-of-product\n        means: co_signature\n      - role: ceo\n        means: merge\n";

/// `documents/scope.md` classified `from` reclassified `to` and committed.
fn reclassify_scope(b: &Board, from: &str, to: &str) {
    b.as_ingrid();
    b.s.copy.edit(
        "documents/scope.md",
        &format!("classification: {from}"),
        &format!("classification: {to}"),
    );
    b.s.ok(&["commit", "-m", &format!("Scope is {to}")]);
}

#[test]
fn a_document_follows_its_classifications_chain_and_lowering_the_classification_does_not_shed_a_signer(
) {
    let b = Board::with(|s| {
        s.copy.edit(
            "isms.yaml",
            "  - kind: management-review\n",
            &format!("{CONFIDENTIAL_CHAIN}  - kind: management-review\n"),
        )
    });
    // Made confidential, the scope is approved by the confidential chain.
    reclassify_scope(&b, "internal", "confidential");
    let started = start_as(&b, &b.s.key.clone(), &["document", "scope"]);
    assert_eq!(started["next"], "Head of Product (co-signature)");
    let id = started["id"].as_str().expect("id").to_string();
    let signed =
        b.s.git(&["show", &format!("signoff/{id}:reports/document/scope.md")]);
    assert!(
        signed.contains("| Classification | Confidential |"),
        "{signed}"
    );
    assert!(
        signed.contains("Head of Product"),
        "the signed table lists the co-signature: {signed}"
    );
    assert_eq!(b.sign(&b.jonas, &id, &[]).0, 0);
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    assert_eq!(b.verify(&[]).0, 0);

    // A colleague lowers it to internal, whose chain is the plain one (ISM, then the
    // CEO's merge). Nothing else changes, and still it is a change an approval signs.
    reclassify_scope(&b, "confidential", "internal");
    let unapproved = findings(&b, "document-changed-without-approval");
    assert_eq!(unapproved.len(), 1, "{unapproved:#?}");
    let message = unapproved[0]["message"].as_str().expect("message");
    assert!(
        message.contains("its classification (confidential → internal)"),
        "{message}"
    );
    let started = start_as(&b, &b.s.key.clone(), &["document", "scope"]);
    assert_eq!(
        started["next"], "Head of Product (co-signature)",
        "the chain of the classification in force still applies"
    );
    let id = started["id"].as_str().expect("id").to_string();
    // The CEO's key merges by hand with plain git, skipping the Head of Product as the
    // plain chain would.
    let branch = format!("signoff/{id}");
    let file = ceo_merge_message(&b, &id);
    b.s.git(&[
        "-c",
        &format!("user.signingkey={}", b.maja.display()),
        "merge",
        "-q",
        "--no-ff",
        "-S",
        "-F",
        file.to_str().expect("utf-8"),
        &branch,
    ]);
    b.must_fail("before step 2 (Head of Product) was signed");
}

#[test]
fn a_document_made_public_by_an_ordinary_commit_is_changed_without_approval() {
    let (b, id) = scope_revised_and_put_up();
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    assert!(findings(&b, "document-changed-without-approval").is_empty());
    // Only the classification changes: the internal scope becomes public.
    reclassify_scope(&b, "internal", "public");
    let unapproved = findings(&b, "document-changed-without-approval");
    assert_eq!(unapproved.len(), 1, "{unapproved:#?}");
    let message = unapproved[0]["message"].as_str().expect("message");
    assert!(
        message.contains("its classification (internal → public)"),
        "{message}"
    );
    // …and it is a change that can be put up for approval.
    let started = start_as(&b, &b.s.key.clone(), &["document", "scope"]);
    let signed = b.s.git(&[
        "show",
        &format!(
            "{}:reports/document/scope.md",
            started["branch"].as_str().expect("branch")
        ),
    ]);
    assert!(signed.contains("| Classification | Public |"), "{signed}");
}

#[test]
fn a_document_made_public_from_confidential_needs_a_chain_with_both_classifications_signers() {
    let public = CONFIDENTIAL_CHAIN
        .replace("confidential", "public")
        .replace("head-of-product", "dpo");
    let b = Board::with(|s| {
        s.copy.edit(
            "isms.yaml",
            "  - kind: management-review\n",
            &format!("{CONFIDENTIAL_CHAIN}{public}  - kind: management-review\n"),
        )
    });
    reclassify_scope(&b, "internal", "confidential");
    let id = start_as(&b, &b.s.key.clone(), &["document", "scope"])["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(b.sign(&b.jonas, &id, &[]).0, 0);
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    reclassify_scope(&b, "confidential", "public");
    let branches = b.s.git(&["branch", "--list", "signoff/*"]);
    b.as_ingrid();
    let (code, _, err) = b.s.isms(&["signoff", "start", "document", "scope"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("from confidential to public") && err.contains("kind: document:scope"),
        "{err}"
    );
    // Refused, it started nothing.
    assert_eq!(b.s.git(&["branch", "--list", "signoff/*"]), branches);
}

#[test]
fn a_merge_that_writes_other_text_into_the_document_fails_verification() {
    let (b, id) = scope_revised_and_put_up();
    // The CEO's key merges by hand with plain git, and the merge also slips a sentence
    // into the document that nobody signed.
    let branch = format!("signoff/{id}");
    let file = ceo_merge_message(&b, &id);
    b.s.git(&["merge", "--no-ff", "--no-commit", &branch]);
    let path = b.s.path().join("documents/scope.md");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(
        &path,
        text.replace("Revised.", "Revised. Payroll is out of scope."),
    )
    .expect("write");
    b.s.git(&["add", "documents/scope.md"]);
    b.s.git(&[
        "-c",
        &format!("user.signingkey={}", b.maja.display()),
        "commit",
        "-q",
        "-S",
        "-F",
        file.to_str().expect("utf-8"),
    ]);
    b.must_fail("documents/scope.md");
}

#[test]
fn an_audit_report_is_signed_by_its_own_auditor_who_must_be_independent() {
    let b = Board::new();
    // AUD-2026-02 names Jonas Lykke as its auditor: the ISM cannot sign for him.
    b.as_ingrid();
    let (code, _, err) =
        b.s.isms(&["signoff", "start", "audit-report", "AUD-2026-02"]);
    assert_eq!(code, 2);
    assert!(err.contains("is the auditor's, Jonas Lykke"), "{err}");
    // A planned audit has no report to sign.
    b.key(&b.jonas);
    let (code, _, err) =
        b.s.isms(&["signoff", "start", "audit-report", "AUD-2027-02"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("AUD-2027-02 is planned, not completed"),
        "{err}"
    );
    let started = start_as(&b, &b.jonas.clone(), &["audit-report", "AUD-2026-02"]);
    assert_eq!(started["signed_by"], "Jonas Lykke");
    let id = started["id"].as_str().expect("id").to_string();
    let signed = b.s.git(&[
        "show",
        &format!("signoff/{id}:reports/audit-report/AUD-2026-02.md"),
    ]);
    assert!(
        signed.contains("# Internal audit report AUD-2026-02"),
        "{signed}"
    );
    assert!(
        signed.contains("## Conclusions") && signed.contains("| I1 | 10.2 | conforming |"),
        "{signed}"
    );
    assert!(
        signed.contains("| Auditor | Auditor | pending |")
            || signed.contains("| Auditor | pending |"),
        "{signed}"
    );
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(
        v["requests"][0]["steps"][0]["person"], "Jonas Lykke",
        "{v:#}"
    );

    // The ISM names herself auditor of an audit of what she owns: refused at start…
    b.as_ingrid();
    b.s.ok(&["set", "AUD-2026-01", "auditor=Ingrid Solberg"]);
    b.s.ok(&["commit", "-m", "Ingrid audits AUD-2026-01"]);
    let (code, _, err) =
        b.s.isms(&["signoff", "start", "audit-report", "AUD-2026-01"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("Ingrid Solberg is not independent of AUD-2026-01's scope"),
        "{err}"
    );
    // …and a first step she makes by hand with plain git fails verification.
    let source = b.rev("main");
    b.s.git(&[
        "checkout",
        "-q",
        "-b",
        "signoff/audit-report-AUD-2026-01-by-hand",
    ]);
    fs::create_dir_all(b.s.path().join("reports/audit-report")).expect("mkdir");
    fs::write(
        b.s.path().join("reports/audit-report/AUD-2026-01.md"),
        "# Internal audit report AUD-2026-01\n\nAll conforming.\n",
    )
    .expect("write");
    b.s.git(&["add", "reports/audit-report/AUD-2026-01.md"]);
    let blob = b.rev(":reports/audit-report/AUD-2026-01.md");
    let message = format!(
        "Sign-off by hand\n\nIsms-Signoff: audit-report-AUD-2026-01-by-hand\nIsms-Signoff-Kind: audit-report\nIsms-Signoff-Step: 1 auditor\nIsms-Signoff-Report: reports/audit-report/AUD-2026-01.md {blob}\nIsms-Signoff-Source: {source}\nIsms-Signoff-Into: main\nIsms-Signoff-Subject: AUD-2026-01\n"
    );
    let file = b.s.home.path().join("step.txt");
    fs::write(&file, message).expect("write");
    b.s.git(&["commit", "-q", "-S", "-F", file.to_str().expect("utf-8")]);
    b.s.git(&["checkout", "-q", "main"]);
    b.must_fail("who is not independent of its scope");
}

#[test]
fn a_management_review_is_signed_with_its_pack() {
    let b = Board::new();
    let id = b.start(&["management-review", "MR-2026"]);
    let signed = b.s.git(&[
        "show",
        &format!("signoff/{id}:reports/management-review/MR-2026.md"),
    ]);
    assert!(
        signed.contains("## 1. Status of actions from previous management reviews"),
        "{signed}"
    );
    assert!(
        signed.contains("## Decisions") && signed.contains("## Sign-off"),
        "{signed}"
    );
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(
        v["requests"][0]["warnings"].as_array().map(Vec::len),
        Some(0),
        "{v:#}"
    );
    // The signed record renders to PDF with its evidence.
    let pdf = b.s.home.path().join("mr.pdf");
    b.s.ok(&[
        "--format",
        "pdf",
        "signed",
        &id,
        "-o",
        pdf.to_str().expect("utf-8"),
    ]);
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .expect("pdfinfo");
    assert!(info.status.success());
    // A subject that is no record id is refused before anything is written.
    let (code, _, err) =
        b.s.isms(&["signoff", "start", "management-review", "../soa"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not the id of a review"), "{err}");
}

#[test]
fn what_each_signoff_about_one_record_signs_matches_its_golden_file_and_renders_to_pdf() {
    let copy = support::Copy::new();
    let commit = support::commit_all(copy.path(), "Kestrel Cart ISMS", 1_778_580_000);
    for (kind, subject, golden) in [
        ("document", "scope", "signoff-document-scope.md"),
        (
            "management-review",
            "MR-2026",
            "signoff-management-review-mr-2026.md",
        ),
        (
            "audit-report",
            "AUD-2026-02",
            "signoff-audit-report-aud-2026-02.md",
        ),
    ] {
        let (code, out, err) = support::isms_in(copy.path(), &["render", kind, subject]);
        assert_eq!(code, 0, "{err}");
        let md = String::from_utf8(out).expect("UTF-8");
        assert!(md.contains(&commit), "{kind}: stamped with its commit");
        support::golden(golden, &md.replace(&commit, "<commit>"));
        // The same commit gives the same PDF, byte for byte.
        let pdf = |name: &str| {
            let path = copy.path().join(name);
            let (code, _, err) = support::isms_in(
                copy.path(),
                &[
                    "--format",
                    "pdf",
                    "render",
                    kind,
                    subject,
                    "-o",
                    path.to_str().expect("utf-8"),
                ],
            );
            assert_eq!(code, 0, "{err}");
            fs::read(path).expect("the PDF")
        };
        assert_eq!(pdf("a.pdf"), pdf("b.pdf"), "{kind}: deterministic");
        let check = std::process::Command::new("qpdf")
            .args([
                "--check",
                copy.path().join("a.pdf").to_str().expect("utf-8"),
            ])
            .output()
            .expect("qpdf runs");
        assert!(
            check.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
    // A sign-off kind that is not about one record is not rendered here.
    let (code, _, err) = support::isms_in(copy.path(), &["render", "soa", "x"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_colleague_who_rewrites_a_document_and_its_signed_approval_together_fails_verification() {
    let (b, id) = scope_revised_and_put_up();
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    // A colleague with push access edits the approved text and the signed approval in
    // the same way, so that the document still looks "as approved" to `isms check`.
    b.as_ingrid();
    for path in ["documents/scope.md", "reports/document/scope.md"] {
        b.s.copy
            .edit(path, "Revised.", "Revised. Payroll is out of scope.");
    }
    b.s.git(&["add", "-A"]);
    b.s.git(&["commit", "-q", "--no-gpg-sign", "-m", "Clarify the scope"]);
    assert!(findings(&b, "document-changed-without-approval").is_empty());
    b.must_fail("reports/document/scope.md was changed after it was signed off");
}
