//! What the organisation tells outsiders. The public security page: published from a
//! commit as a static folder, checked with stock tools (sha256sum, ssh-keygen, tidy,
//! xmllint) in a folder without ISMS Desk, never saying what the ISMS does not bear
//! out, and leaking nothing internal. The SOC 2 system description: coherent with
//! itself and the suppliers, its diagram drawn from its components, its changes since
//! the last signed one derived from git.

use std::fs;
use std::path::{Path, PathBuf};

use crate::signoff::Board;
use crate::support::{self, Signed};

const ISM: &str = "ingrid.solberg@kestrelcart.example";

/// The sample committed (signed) in a sandbox with Ingrid's key.
fn committed() -> Signed {
    let s = Signed::new();
    s.git(&["add", "-A"]);
    s.git(&["commit", "-q", "-m", "The sample ISMS"]);
    s
}

/// `isms publish security-page --draft -o <dir>`: the page of HEAD, not approved.
fn publish(s: &Signed, dir: &Path) -> (i32, String, String) {
    s.isms(&[
        "publish",
        "security-page",
        "--draft",
        "-o",
        dir.to_str().expect("a UTF-8 path"),
    ])
}

/// A clean folder with only the published files: no ISMS Desk, no repository.
fn clean_copy(site: &Path) -> tempfile::TempDir {
    let clean = tempfile::tempdir().expect("a temporary folder");
    for (rel, bytes) in support::files_under(site) {
        let to = clean.path().join(rel);
        fs::create_dir_all(to.parent().expect("a parent")).expect("created");
        fs::write(to, bytes).expect("written");
    }
    clean
}

fn verify_signature(dir: &Path) -> (bool, String) {
    support::stock_tool(
        dir,
        "ssh-keygen",
        &[
            "-Y",
            "verify",
            "-f",
            "allowed_signers",
            "-I",
            ISM,
            "-n",
            "isms-publish",
            "-s",
            "SHA256SUMS.sig",
        ],
        Some(&dir.join("SHA256SUMS")),
    )
}

#[test]
fn the_published_page_is_checked_with_sha256sum_and_ssh_keygen_and_one_changed_byte_is_caught() {
    let s = committed();
    let site = s.home.path().join("site");
    let (code, out, err) = publish(&s, &site);
    assert_eq!(code, 0, "{out}{err}");
    let names: Vec<String> = support::files_under(&site)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [
            ".well-known/security.txt",
            "SHA256SUMS",
            "SHA256SUMS.sig",
            "allowed_signers",
            "changes.atom",
            "index.html",
            "style.css",
            "subprocessors.json",
        ]
    );
    let clean = clean_copy(&site);
    let (ok, text) = support::stock_tool(
        clean.path(),
        "sha256sum",
        &["-c", "--strict", "SHA256SUMS"],
        None,
    );
    assert!(ok, "{text}");
    let (ok, text) = verify_signature(clean.path());
    assert!(ok, "{text}");
    // The key is Ingrid's, as the approved configuration has it.
    let signers = fs::read_to_string(clean.path().join("allowed_signers")).expect("readable");
    assert!(signers.contains(&support::public_key(&s.key)), "{signers}");
    assert!(signers.starts_with(&format!("{ISM} namespaces=\"isms-publish\" ")));

    // One changed byte of the page: sha256sum says which file.
    let page = clean.path().join("index.html");
    let mut bytes = fs::read(&page).expect("readable");
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    fs::write(&page, bytes).expect("written");
    let (ok, text) = support::stock_tool(
        clean.path(),
        "sha256sum",
        &["-c", "--strict", "SHA256SUMS"],
        None,
    );
    assert!(!ok && text.contains("index.html: FAILED"), "{text}");
    // Checksums rewritten to match: the signature no longer holds.
    let (_, sums) = support::stock_tool(
        clean.path(),
        "sh",
        &["-c", "sha256sum .well-known/security.txt allowed_signers changes.atom index.html style.css subprocessors.json"],
        None,
    );
    fs::write(clean.path().join("SHA256SUMS"), sums).expect("written");
    let (ok, text) = verify_signature(clean.path());
    assert!(!ok, "a rewritten SHA256SUMS must not verify: {text}");
}

#[test]
fn the_same_commit_publishes_the_same_bytes_and_replaces_only_an_earlier_publication() {
    let s = committed();
    let first = s.home.path().join("first");
    let second = s.home.path().join("second");
    assert_eq!(publish(&s, &first).0, 0);
    assert_eq!(publish(&s, &second).0, 0);
    assert_eq!(
        support::files_under(&first),
        support::files_under(&second),
        "byte for byte, signature included"
    );
    // Publishing again over an earlier publication replaces it.
    let (code, out, err) = publish(&s, &first);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(support::files_under(&first), support::files_under(&second));
    // A folder with anything else in it is left alone.
    let mine = s.home.path().join("mine");
    fs::create_dir_all(&mine).expect("created");
    fs::write(mine.join("CNAME"), "security.kestrelcart.example\n").expect("written");
    let (code, _, err) = publish(&s, &mine);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("CNAME"), "{err}");
    assert_eq!(
        support::files_under(&mine),
        [(
            "CNAME".to_string(),
            b"security.kestrelcart.example\n".to_vec()
        )]
    );
    // No staging folder is left beside the targets.
    let left: Vec<PathBuf> = fs::read_dir(s.home.path())
        .expect("readable")
        .map(|e| e.expect("an entry").path())
        .filter(|p| {
            p.to_string_lossy().contains(".writing.") || p.to_string_lossy().contains(".replaced.")
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn the_page_is_valid_html_and_its_feed_and_security_txt_are_well_formed() {
    let s = committed();
    let site = s.home.path().join("site");
    assert_eq!(publish(&s, &site).0, 0);
    // tidy exits 0 only when it finds neither errors nor warnings.
    let (ok, text) = support::stock_tool(&site, "tidy", &["-q", "-e", "index.html"], None);
    assert!(ok, "tidy: {text}");
    let (ok, text) = support::stock_tool(&site, "xmllint", &["--noout", "changes.atom"], None);
    assert!(ok, "xmllint: {text}");
    let html = fs::read_to_string(site.join("index.html")).expect("readable");
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'\">"
    ));
    assert!(!html.to_lowercase().contains("<script"), "no JavaScript");
    // No request leaves the site: every src and href is relative, an anchor, a mailto
    // or the page's own address.
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let target = part.split('"').next().unwrap_or_default();
            assert!(
                !target.contains("://")
                    || target.starts_with("https://kestrelcart.example/security/"),
                "{attr}{target}"
            );
        }
    }
    let txt = fs::read_to_string(site.join(".well-known/security.txt")).expect("readable");
    let fields: Vec<&str> = txt
        .lines()
        .map(|l| l.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        fields,
        [
            "Contact",
            "Expires",
            "Preferred-Languages",
            "Canonical",
            "Policy"
        ]
    );
    assert!(txt.contains("Contact: mailto:security@kestrelcart.example\n"));
    assert!(txt.contains("Canonical: https://kestrelcart.example/.well-known/security.txt\n"));
    // The commit is at @1795000000 (2026-11-18); 180 days later.
    assert!(txt.contains("Expires: 2027-05-17T"), "{txt}");
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(site.join("subprocessors.json")).expect("readable"))
            .expect("JSON");
    let names: Vec<&str> = json["subprocessors"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["Fjordcloud", "Paylark", "Postwing", "Ticketnest"]);
    let feed = fs::read_to_string(site.join("changes.atom")).expect("readable");
    assert_eq!(feed.matches("<entry>").count(), 1, "one version so far");
    assert!(
        feed.contains("<summary>Subprocessor list now gives each provider&#39;s region.</summary>"),
        "{feed}"
    );
}

#[test]
fn a_new_version_of_the_page_adds_an_entry_to_the_feed_with_its_change_note() {
    let s = committed();
    s.copy.edit(
        "public/security-page.md",
        "change_note: Subprocessor list now gives each provider's region.",
        "change_note: Backups now named with their second region.",
    );
    s.git(&["commit", "-q", "-am", "Security page: backups"]);
    // A commit that does not touch the page adds no entry.
    s.copy.edit("risks/R-001.md", "title: ", "title: Account ");
    s.git(&["commit", "-q", "-am", "R-001 retitled"]);
    let site = s.home.path().join("site");
    assert_eq!(publish(&s, &site).0, 0);
    let feed = fs::read_to_string(site.join("changes.atom")).expect("readable");
    assert_eq!(feed.matches("<entry>").count(), 2, "{feed}");
    let newest = feed.find("Backups now named").expect("the new note");
    let older = feed
        .find("each provider&#39;s region")
        .expect("the first note");
    assert!(newest < older, "newest first");
}

/// Every text of the sample that must never reach the public folder.
fn internal_texts(repo: &Path) -> Vec<String> {
    let isms = isms_core::Isms::open(repo).expect("opens");
    let loaded = isms.load().expect("loads");
    let r = loaded.records;
    let config = r.config.expect("isms.yaml loads");
    let mut out: Vec<String> = Vec::new();
    for p in &config.people {
        out.push(p.email.clone());
        out.push(p.name.clone());
    }
    for risk in &r.risks {
        out.push(risk.id.clone());
        out.push(risk.title.clone());
    }
    for t in &r.treatments {
        out.push(t.id.clone());
        out.push(t.title.clone());
    }
    for n in &r.nonconformities {
        out.push(n.id.clone());
    }
    for c in &r.controls {
        out.extend(c.justification.clone());
    }
    for s in &r.suppliers {
        out.extend(s.data.iter().cloned());
        out.extend(
            s.body
                .lines()
                .filter(|l| l.len() > 20 && !l.starts_with('#'))
                .map(str::to_string),
        );
    }
    for e in &r.evidence {
        out.push(e.id.clone());
        out.push(e.title.clone());
    }
    for a in &r.attestations {
        out.extend(
            a.body
                .lines()
                .filter(|l| l.len() > 20 && !l.starts_with('#'))
                .map(str::to_string),
        );
    }
    out.extend(
        [
            "likelihood",
            "Likelihood",
            "residual",
            "Residual",
            "score",
            "Tallybook",
            "Quietpage",
            "dpa",
            "DPA",
            "sre-lead",
            "head-of-product",
        ]
        .map(str::to_string),
    );
    out
}

#[test]
fn nothing_internal_reaches_the_published_folder() {
    let s = committed();
    let site = s.home.path().join("site");
    assert_eq!(publish(&s, &site).0, 0);
    let texts = internal_texts(s.path());
    assert!(
        texts.len() > 80,
        "the list is worth its name: {}",
        texts.len()
    );
    for (name, bytes) in support::files_under(&site) {
        if name == "SHA256SUMS.sig" || name == "allowed_signers" {
            continue; // the signature and the publisher's key, checked below
        }
        let text = String::from_utf8(bytes).expect("UTF-8");
        for t in &texts {
            assert!(
                !text.contains(t.as_str()),
                "{name} contains internal text {t:?}"
            );
        }
    }
    // The publisher's key file names the publisher by email, and nothing else.
    let signers = fs::read_to_string(site.join("allowed_signers")).expect("readable");
    assert_eq!(signers.lines().count(), 1);
    // Only the published contact appears as an email address anywhere on the page.
    let html = fs::read_to_string(site.join("index.html")).expect("readable");
    let emails: Vec<&str> = html
        .split(|c: char| c.is_whitespace() || "<>\":".contains(c))
        .filter(|w| w.contains('@'))
        .collect();
    assert!(
        emails
            .iter()
            .all(|e| e.trim_end_matches('.') == "security@kestrelcart.example"),
        "{emails:?}"
    );
}

/// A drift planted in a copy of the sample: the edit, the rule it breaks, the field
/// named and a word of the message.
type Drift = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const DRIFTS: [Drift; 4] = [
    (
        "public/security-page.md",
        "    controls: [\"8.13\"]",
        "    controls: [\"8.13\", \"8.14\"]",
        "public-claim-unfounded",
        "statements.backups.controls",
        "8.14 Redundancy of information processing facilities, which the SoA records as partial: publish it once the control is implemented",
    ),
    (
        "public/security-page.md",
        "subprocessors: [fjordcloud, paylark, postwing, ticketnest]",
        "subprocessors: [fjordcloud, paylark, postwing, ticketnest, cloudmailr]",
        "public-subprocessor-unrecorded",
        "subprocessors",
        "`cloudmailr` is listed as a subprocessor but is not a supplier",
    ),
    (
        "suppliers/quietpage.md",
        "subprocessor: false",
        "subprocessor: true",
        "public-subprocessor-missing",
        "subprocessors",
        "Quietpage processes customers' personal data",
    ),
    (
        "public/security-page.md",
        "attestations: [iso27001, soc2-type1]",
        "attestations: [iso27001, soc2-type1, pci-dss]",
        "public-attestation-unrecorded",
        "attestations",
        "`pci-dss` is claimed but there is no attestation record",
    ),
];

#[test]
fn a_page_that_promises_more_than_the_isms_is_caught_by_check_and_never_published() {
    for (file, from, to, rule, field, words) in DRIFTS {
        let s = committed();
        s.copy.edit(file, from, to);
        s.git(&["commit", "-q", "-am", "drift"]);
        // isms check names the file, the line and the field.
        let (code, out, err) = s.isms(&["--format", "json", "check"]);
        assert_eq!(code, 1, "{rule}: {out}{err}");
        let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        let finding = report["report"]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("{rule} not found: {out}"));
        assert_eq!(finding["path"], "public/security-page.md", "{rule}");
        assert_eq!(finding["field"], field, "{rule}");
        assert_eq!(finding["severity"], "error", "{rule}");
        let message = finding["message"].as_str().expect("a message");
        assert!(message.contains(words), "{rule}: {message}");
        let page = s.copy.read("public/security-page.md");
        let key = field.rsplit('.').next().expect("a key");
        let expected_line = if field.starts_with("statements.") {
            page.lines()
                .position(|l| l.contains(to.trim()))
                .map(|i| i + 1)
        } else {
            page.lines()
                .position(|l| l.starts_with(&format!("{key}:")))
                .map(|i| i + 1)
        };
        assert_eq!(
            finding["line"].as_u64().map(|l| l as usize),
            expected_line,
            "{rule}"
        );
        // isms publish refuses, and writes nothing.
        let site = s.home.path().join("site");
        let (code, _, err) = publish(&s, &site);
        assert_eq!(code, 2, "{rule}: {err}");
        assert!(
            err.contains("not published") && err.contains(words),
            "{rule}: {err}"
        );
        assert!(!site.exists(), "{rule}: nothing is written");
    }
}

#[test]
fn a_statement_on_a_planned_control_is_refused_with_its_line() {
    let s = committed();
    s.copy
        .edit("controls/8.24.md", "status: implemented", "status: planned");
    s.git(&["commit", "-q", "-am", "8.24 back to planned"]);
    let isms = isms_core::Isms::open(s.path()).expect("opens");
    let report = isms.findings(support::today()).expect("checks run");
    let f = report
        .findings
        .iter()
        .find(|f| f.rule.as_str() == "public-claim-unfounded")
        .expect("the claim on 8.24 is caught");
    assert_eq!(f.field.as_deref(), Some("statements.encryption.controls"));
    let page = s.copy.read("public/security-page.md");
    let line = page
        .lines()
        .position(|l| l == "    controls: [\"8.24\"]")
        .map(|i| i + 1);
    assert_eq!(f.line, line);
    assert!(f.message.contains("planned"), "{}", f.message);
}

#[test]
fn only_the_page_management_approved_is_published_without_draft_and_its_checksums_are_the_approved_ones(
) {
    let b = Board::new();
    let site = b.s.home.path().join("site");
    let dir = site.to_str().expect("a UTF-8 path");
    // Nothing approved yet: refused, nothing written.
    let (code, _, err) = b.s.isms(&["publish", "security-page", "-o", dir]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no completed sign-off"), "{err}");
    assert!(!site.exists());

    // The ISM puts the page up; the CEO approves it with the signed merge.
    let id = b.start(&["security-page"]);
    let approved_doc =
        b.s.git(&["show", &format!("signoff/{id}:reports/security-page.md")]);
    assert!(approved_doc.contains("| index.html | `"), "{approved_doc}");
    assert!(
        approved_doc.contains("8.24 Use of cryptography (implemented)"),
        "each statement with the controls it rests on: {approved_doc}"
    );
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "{v:#}");

    // A later edit of the page is not what management approved: publishing without
    // --draft still writes the approved version.
    b.as_ingrid();
    b.s.copy.edit(
        "public/security-page.md",
        "and critical vulnerabilities are fixed within seven days.",
        "and critical vulnerabilities are fixed within a day.",
    );
    b.s.ok(&["commit", "-m", "Page: faster fixes (not approved yet)"]);
    let (code, out, err) = b.s.isms(&["publish", "security-page", "-o", dir]);
    assert_eq!(code, 0, "{out}{err}");
    let html = fs::read_to_string(site.join("index.html")).expect("readable");
    assert!(
        html.contains("fixed within seven days"),
        "the approved text"
    );
    assert!(!html.contains("Draft."), "not a draft");

    // Every file's SHA-256 in the published SHA256SUMS is the one the signed approval
    // lists (the publisher's allowed_signers is added at publication).
    let sums = fs::read_to_string(site.join("SHA256SUMS")).expect("readable");
    for line in sums.lines().filter(|l| !l.ends_with("  allowed_signers")) {
        let (hash, path) = line.split_once("  ").expect("sha256sum format");
        assert!(
            approved_doc.contains(&format!("| {path} | `{hash}` |")),
            "{path} differs from what was approved"
        );
    }
    let (ok, text) = verify_signature(&site);
    assert!(ok, "{text}");

    // The draft of HEAD says it is one.
    let draft = b.s.home.path().join("draft");
    assert_eq!(publish(&b.s, &draft).0, 0);
    let html = fs::read_to_string(draft.join("index.html")).expect("readable");
    assert!(html.contains("fixed within a day") && html.contains("<strong>Draft.</strong>"));
}

#[test]
fn a_flow_to_a_component_the_system_description_lacks_is_named_with_its_file_and_line() {
    let copy = support::Copy::new();
    copy.edit(
        "system/description.md",
        "    to: email\n",
        "    to: mailer\n",
    );
    let isms = isms_core::Isms::open(copy.path()).expect("opens");
    let report = isms.findings(support::today()).expect("checks run");
    let f = report
        .findings
        .iter()
        .find(|f| f.rule.as_str() == "system-flow-unknown-component")
        .expect("the flow to `mailer` is caught");
    assert_eq!(f.path, "system/description.md");
    assert_eq!(f.field.as_deref(), Some("flows.F7.to"));
    let text = copy.read("system/description.md");
    let line = text
        .lines()
        .position(|l| l == "    to: mailer")
        .map(|i| i + 1);
    assert_eq!(f.line, line);
    assert!(
        f.message.contains("`mailer`") && f.message.contains("F7"),
        "{}",
        f.message
    );
    // Two monitoring rows that disagree, as in a description written by hand.
    copy.edit(
        "system/description.md",
        "flows:\n",
        "  - id: metrics-saas\n    kind: infrastructure\n    name: Hosted metrics\n    function: Monitoring\n    technology: A metrics SaaS\n    location: EU (Frankfurt)\n    purpose: Metrics and alerts\n    owner: sre-lead\nflows:\n",
    );
    let report = isms.findings(support::today()).expect("checks run");
    let f = report
        .findings
        .iter()
        .find(|f| f.rule.as_str() == "system-component-conflict")
        .expect("two monitoring components are caught");
    assert_eq!(f.field.as_deref(), Some("components.metrics-saas.function"));
    assert!(
        f.message.contains("Monitoring and alerting") && f.message.contains("Hosted metrics"),
        "{}",
        f.message
    );
}

#[test]
fn the_system_description_draws_its_diagram_from_its_components_and_lists_what_changed_since_it_was_signed(
) {
    let b = Board::new();
    let first = b.s.ok(&["render", "system-description"]);
    assert!(first.contains("```mermaid\nflowchart LR\n"), "{first}");
    assert!(
        first.contains("  c_checkout -->|\"F7: order confirmations\"| c_email\n"),
        "{first}"
    );
    assert!(
        first.contains("This is the first description signed off"),
        "never empty: {first}"
    );
    // Every node of the diagram is a component of the inventory.
    let text = b.s.copy.read("system/description.md");
    for line in first
        .lines()
        .filter(|l| l.starts_with("  c_") && l.ends_with("\"]"))
    {
        let id = line
            .trim_start_matches("  c_")
            .split('[')
            .next()
            .expect("a node id");
        assert!(
            text.contains(&format!("  - id: {}\n", id.replace('_', "-"))),
            "{id} is not a component"
        );
    }

    // The PDF draws the diagram (no Mermaid source in it), each box a component.
    let pdf = b.s.home.path().join("sd.pdf");
    b.s.ok(&[
        "--format",
        "pdf",
        "render",
        "system-description",
        "-o",
        pdf.to_str().expect("utf-8"),
    ]);
    let text_of_pdf = support::pdf_text(&pdf, true);
    assert!(!text_of_pdf.contains("flowchart LR"), "drawn, not quoted");
    assert!(!text_of_pdf.contains("-->"), "drawn, not quoted");
    for label in ["Central logging", "Paylark payments", "Backup store", "F7"] {
        assert!(text_of_pdf.contains(label), "{label} in the PDF");
    }

    // Signed off by the ISM and the CEO.
    let id = b.start(&["system-description"]);
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "{v:#}");

    // Then the database moves to a new version, a component is added, and the SoA
    // entry of logging (8.15) is downgraded.
    b.as_ingrid();
    b.s.copy.edit(
        "system/description.md",
        "PostgreSQL 16, managed by Fjordcloud",
        "PostgreSQL 17, managed by Fjordcloud",
    );
    b.s.copy.edit(
        "system/description.md",
        "flows:\n",
        "  - id: search\n    kind: software\n    name: Product search\n    function: search\n    technology: OpenSearch on Fjordcloud\n    location: EU (Frankfurt)\n    purpose: Searches merchants' catalogues.\n    owner: head-of-product\nflows:\n",
    );
    b.s.copy
        .edit("controls/8.15.md", "status: implemented", "status: partial");
    b.s.ok(&[
        "commit",
        "-m",
        "PostgreSQL 17; product search; logging gaps",
    ]);
    let second = b.s.ok(&["render", "system-description"]);
    let changes = second
        .split("## 10. Changes since the last report")
        .nth(1)
        .expect("the changes section");
    assert!(
        changes.contains("Component changed: Order and account database (`orders-db`): technology “PostgreSQL 16, managed by Fjordcloud, continuous backup” → “PostgreSQL 17, managed by Fjordcloud, continuous backup”."),
        "{changes}"
    );
    assert!(
        changes.contains("Component added: Product search (`search`), OpenSearch on Fjordcloud."),
        "{changes}"
    );
    assert!(
        changes.contains("Control 8.15 changed (Logging): status implemented → partial."),
        "{changes}"
    );
    assert!(!changes.contains("Risk "), "no risk changed: {changes}");
}
