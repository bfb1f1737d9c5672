//! Sign-off chains with three people and three generated keys: the whole chain, then
//! each way a chain can be wrong, each rejected with the reason. Evidence is
//! cross-checked with the real `git verify-commit` and `ssh-keygen -Y verify`; the
//! adversarial histories are made with the real git, not with ISMS Desk.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::support::{self, git_in, http, keygen, public_key, SecretService, Signed};

const JONAS_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMy13eGL8u6rixovghB9tawV8n1GfRdgfm6SVcaJkpO4";
const MAJA_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF5KUOemOiOc9DzRcD3LrdWnwiok7Kkw7V/vbt4UBJuw";

pub(crate) const INGRID: &str = "ingrid.solberg@kestrelcart.example";
pub(crate) const JONAS: &str = "jonas.lykke@kestrelcart.example";
pub(crate) const MAJA: &str = "maja.thorsen@kestrelcart.example";

/// The sample with fresh keys for Ingrid (ISM), Jonas (Head of Product) and Maja
/// (CEO) in its first, signed commit.
pub(crate) struct Board {
    pub(crate) s: Signed,
    pub(crate) jonas: PathBuf,
    pub(crate) maja: PathBuf,
}

impl Board {
    pub(crate) fn new() -> Board {
        Board::with(|_| {})
    }

    /// As `new`, with isms.yaml edited before the first commit.
    pub(crate) fn with(edit: impl FnOnce(&Signed)) -> Board {
        let s = Signed::new();
        let jonas = keygen(s.home.path(), "jonas", "");
        let maja = keygen(s.home.path(), "maja", "");
        s.copy.edit("isms.yaml", JONAS_KEY, &public_key(&jonas));
        s.copy.edit("isms.yaml", MAJA_KEY, &public_key(&maja));
        edit(&s);
        s.ok(&["commit", "-m", "Kestrel Cart ISMS"]);
        // The root of trust is pinned, as CI and auditors pin it.
        s.git(&["config", "isms.rootKey", &support::fingerprint(&s.key)]);
        Board { s, jonas, maja }
    }

    /// Makes the next isms commands sign with `key`.
    pub(crate) fn key(&self, key: &Path) {
        self.s
            .git(&["config", "user.signingkey", key.to_str().expect("utf-8")]);
    }

    pub(crate) fn as_ingrid(&self) {
        self.key(&self.s.key.clone());
    }

    /// `isms signoff start <kind>` as Ingrid → the request id.
    pub(crate) fn start(&self, args: &[&str]) -> String {
        self.as_ingrid();
        let mut all = vec!["--format", "json", "signoff", "start"];
        all.extend_from_slice(args);
        let out = self.s.ok(&all);
        let v: Value = serde_json::from_str(&out).expect("json");
        v["id"].as_str().expect("an id").to_string()
    }

    pub(crate) fn sign(&self, key: &Path, id: &str, extra: &[&str]) -> (i32, String, String) {
        self.key(key);
        let mut args = vec!["signoff", "sign", id];
        args.extend_from_slice(extra);
        self.s.isms(&args)
    }

    /// `isms verify --format json` → (exit code, JSON).
    pub(crate) fn verify(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["--format", "json", "verify"];
        args.extend_from_slice(extra);
        let (code, out, err) = self.s.isms(&args);
        let v = serde_json::from_str(&out).unwrap_or_else(|_| panic!("json: {out}{err}"));
        (code, v)
    }

    /// Every problem of a verification (message and what to do), joined.
    pub(crate) fn problems(v: &Value) -> String {
        let text = |p: &Value| {
            format!(
                "{} {}",
                p["message"].as_str().unwrap_or_default(),
                p["remedy"].as_str().unwrap_or_default()
            )
        };
        let mut out: Vec<String> = Vec::new();
        for p in v["problems"].as_array().into_iter().flatten() {
            out.push(text(p));
        }
        for r in v["requests"].as_array().into_iter().flatten() {
            for p in r["problems"].as_array().into_iter().flatten() {
                out.push(text(p));
            }
        }
        out.join("\n")
    }

    /// Verification of everything, open requests included, fails for `reason`.
    pub(crate) fn must_fail(&self, reason: &str) -> Value {
        let (code, v) = self.verify(&["--requests"]);
        assert_eq!(code, 1, "verify should fail: {v:#}");
        assert_eq!(v["ok"], false);
        let problems = Board::problems(&v);
        assert!(
            problems.contains(reason),
            "expected {reason:?} in:\n{problems}"
        );
        // The human output says the same.
        let (code, out, _) = self.s.isms(&["verify", "--requests"]);
        assert_eq!(code, 1);
        assert!(out.contains(reason) && out.contains("FAILED"), "{out}");
        v
    }

    pub(crate) fn rev(&self, rev: &str) -> String {
        self.s.git(&["rev-parse", rev]).trim().to_string()
    }

    /// A commit made by the real git on the request's branch, signed with `key`
    /// (or unsigned), carrying the trailers of `step` for `role`.
    pub(crate) fn git_step(
        &self,
        id: &str,
        key: Option<&Path>,
        step: usize,
        role: &str,
        extra: &str,
    ) -> String {
        let branch = format!("signoff/{id}");
        let blob = self.rev(&format!("{branch}:reports/risk-assessment.md"));
        let message = format!(
            "Step {step} made by hand\n\nIsms-Signoff: {id}\nIsms-Signoff-Kind: risk-assessment\nIsms-Signoff-Step: {step} {role}\nIsms-Signoff-Report: reports/risk-assessment.md {blob}\n{extra}"
        );
        let file = self.s.home.path().join("message.txt");
        fs::write(&file, message).expect("write");
        self.s.git(&["checkout", "-q", &branch]);
        let mut args: Vec<String> = Vec::new();
        match key {
            Some(k) => {
                args.push("-c".into());
                args.push(format!("user.signingkey={}", k.display()));
                args.extend(["commit", "-q", "--allow-empty", "-S", "-F"].map(String::from));
            }
            None => args
                .extend(["commit", "-q", "--allow-empty", "--no-gpg-sign", "-F"].map(String::from)),
        }
        args.push(file.display().to_string());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.s.git(&refs);
        self.s.git(&["checkout", "-q", "main"]);
        self.rev(&branch)
    }

    /// git verify-commit with the repository's allowed signers → (exit code, text).
    pub(crate) fn git_verify(&self, commit: &str) -> (i32, String) {
        let signers = self.s.path().join(".isms/allowed_signers");
        let (code, out, err) = crate::support::git_status_in(
            &self.s,
            self.s.path(),
            &[
                "-c",
                &format!("gpg.ssh.allowedSignersFile={}", signers.display()),
                "verify-commit",
                "-v",
                commit,
            ],
        );
        (code, format!("{out}{err}"))
    }

    /// ssh-keygen -Y verify of a commit's signature over its payload, in namespace git.
    pub(crate) fn ssh_keygen_verify_commit(&self, commit: &str, email: &str) -> (i32, String) {
        let raw = self.s.git(&["cat-file", "commit", commit]);
        let mut payload = String::new();
        let mut signature = String::new();
        let mut in_sig = false;
        let mut in_headers = true;
        for line in raw.split_inclusive('\n') {
            if in_headers && line.starts_with("gpgsig ") {
                in_sig = true;
                signature.push_str(&line["gpgsig ".len()..]);
                continue;
            }
            if in_sig && line.starts_with(' ') {
                signature.push_str(&line[1..]);
                continue;
            }
            in_sig = false;
            if line == "\n" {
                in_headers = false;
            }
            payload.push_str(line);
        }
        assert!(!signature.is_empty(), "{commit} has no signature");
        let dir = self.s.home.path();
        fs::write(dir.join("payload"), &payload).expect("write");
        fs::write(dir.join("payload.sig"), &signature).expect("write");
        self.ssh_keygen_verify(&dir.join("payload"), email, "git")
    }

    pub(crate) fn ssh_keygen_verify(
        &self,
        file: &Path,
        email: &str,
        namespace: &str,
    ) -> (i32, String) {
        let mut sig = file.as_os_str().to_owned();
        sig.push(".sig");
        let out = self
            .s
            .command("ssh-keygen")
            .args(["-Y", "verify", "-f"])
            .arg(self.s.path().join(".isms/allowed_signers"))
            .args(["-I", email, "-n", namespace, "-s"])
            .arg(&sig)
            .stdin(fs::File::open(file).expect("the file exists"))
            .output()
            .expect("ssh-keygen runs");
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}

fn steps(v: &Value, id: &str) -> Vec<Value> {
    v["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("request {id} in {v:#}"))["steps"]
        .as_array()
        .expect("steps")
        .clone()
}

#[test]
fn the_whole_chain_is_verified_by_isms_git_and_ssh_keygen() {
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    assert!(id.starts_with("risk-assessment-"), "{id}");

    // Status: step 1 done by Ingrid, the others pending.
    let status = b.s.ok(&["signoff", "status"]);
    assert!(status.contains(&id), "{status}");
    assert!(status.contains("done: Ingrid Solberg"), "{status}");
    assert!(
        status.contains("Head of Product") && status.contains("pending"),
        "{status}"
    );

    // The wrong person for step 2 is refused, with the reason; nothing is signed.
    let before = b.rev(&format!("signoff/{id}"));
    let (code, _, err) = b.sign(&b.maja, &id, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("Head of Product") && err.contains("Maja Thorsen"),
        "{err}"
    );
    assert_eq!(b.rev(&format!("signoff/{id}")), before);

    let (code, out, err) = b.sign(&b.jonas, &id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = b.sign(&b.maja, &id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("signed merge"), "{out}");
    // The signed report is now on main, in the working tree too.
    assert!(b.s.copy.file("reports/risk-assessment.md").is_file());
    assert_eq!(b.s.git(&["status", "--porcelain"]), "");

    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["ok"], true);
    let steps = steps(&v, &id);
    let who: Vec<&str> = steps
        .iter()
        .map(|s| s["person"].as_str().unwrap())
        .collect();
    assert_eq!(who, ["Ingrid Solberg", "Jonas Lykke", "Maja Thorsen"]);
    let merge = b.rev("main");
    assert_eq!(steps[2]["commit"], merge.as_str());

    // Every signature, checked by git and by ssh-keygen, independently of ISMS Desk.
    for (step, email) in steps.iter().zip([INGRID, JONAS, MAJA]) {
        let commit = step["commit"].as_str().unwrap();
        let (code, text) = b.git_verify(commit);
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains(&format!("Good \"git\" signature for {email}")),
            "{text}"
        );
        let (code, text) = b.ssh_keygen_verify_commit(commit, email);
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains(&format!("Good \"git\" signature for {email}")),
            "{text}"
        );
    }
    b.s.fsck();

    // Verifying one report or one request works the same.
    assert_eq!(b.verify(&["reports/risk-assessment.md"]).0, 0);
    assert_eq!(b.verify(&[&id]).0, 0);

    // The signed report for auditors: the table filled in, the appendix, the same
    // bytes every time, and a detached signature ssh-keygen accepts.
    let md = b.s.ok(&[
        "--format",
        "md",
        "report",
        "risk-assessment",
        "--signoff",
        "latest",
    ]);
    assert!(
        md.contains(
            "| Head of Product | Jonas Lykke | Co-signature on the sign-off pull request |"
        ),
        "{md}"
    );
    assert!(md.contains("Appendix: verifying the signatures"));
    assert!(md.contains(&format!("verify-commit {merge}")));
    assert!(md.contains(&format!("| Status | Signed off ({id}) |")));
    assert!(!md.contains("| pending |"));
    // The ISM sends it to the auditor, signed with her key.
    b.as_ingrid();
    let pdf = b.s.home.path().join("risk-assessment.pdf");
    let pdf_arg = pdf.to_str().unwrap();
    b.s.ok(&[
        "--format",
        "pdf",
        "report",
        "risk-assessment",
        "--signoff",
        &id,
        "-o",
        pdf_arg,
        "--sign",
    ]);
    let first = fs::read(&pdf).expect("the PDF");
    let again = b.s.home.path().join("again.pdf");
    b.s.ok(&[
        "--format",
        "pdf",
        "report",
        "risk-assessment",
        "--signoff",
        &id,
        "-o",
        again.to_str().unwrap(),
    ]);
    assert_eq!(
        first,
        fs::read(&again).expect("the PDF"),
        "the same sign-off gives the same bytes"
    );
    let text = support::pdf_text(&pdf, false);
    assert!(
        text.contains("Maja Thorsen") && text.contains("Appendix: verifying the signatures"),
        "{text}"
    );
    let (code, out) = b.ssh_keygen_verify(&pdf, INGRID, "isms-report");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Good \"isms-report\" signature for ingrid.solberg"),
        "{out}"
    );
    // The same signature is no commit signature, and a changed PDF fails.
    let (code, _) = b.ssh_keygen_verify(&pdf, INGRID, "git");
    assert_ne!(
        code, 0,
        "a report signature must not pass in the git namespace"
    );
    let mut tampered = first.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 1;
    fs::write(&pdf, tampered).expect("write");
    assert_ne!(b.ssh_keygen_verify(&pdf, INGRID, "isms-report").0, 0);

    // The root pinned to Ingrid's key holds; pinned to another key it fails.
    let fingerprint = steps[0]["key"].as_str().unwrap();
    assert_eq!(b.verify(&["--root-key", fingerprint]).0, 0);
    let (code, v) = b.verify(&["--root-key", steps[1]["key"].as_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(Board::problems(&v).contains("not signed by the pinned key"));

    // A signed report changed on main afterwards fails verification, naming the commit.
    b.as_ingrid();
    b.s.copy.edit(
        "reports/risk-assessment.md",
        "## 9. Sign-off",
        "## 9. Sign-off (edited)",
    );
    b.s.git(&["commit", "-q", "-S", "-am", "Touch up the report"]);
    b.must_fail("reports/risk-assessment.md was changed after it was signed off");
}

#[test]
fn a_report_changed_after_it_was_signed_is_rejected() {
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    b.s.git(&["checkout", "-q", &format!("signoff/{id}")]);
    b.s.copy.edit(
        "reports/risk-assessment.md",
        "Risk Assessment Report",
        "Risk Assesment Report (corrected)",
    );
    b.key(&b.jonas);
    b.s.git(&["commit", "-q", "-S", "-am", "Fix a typo in the report"]);
    b.s.git(&["checkout", "-q", "main"]);
    b.must_fail("the report changed after it was signed: commit");
    // And nobody can sign on top of it.
    let (code, _, err) = b.sign(&b.maja, &id, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("does not verify"), "{err}");
}

#[test]
fn a_key_added_without_a_governance_signoff_authorises_nothing_until_approved() {
    let b = Board::new();
    // Ingrid gives a new Head of Product a key in an ordinary (even signed) commit.
    let mallory = keygen(b.s.home.path(), "mallory", "");
    let yaml = b.s.copy.read("isms.yaml").replace(
        "  - name: Emil Dahl",
        &format!(
            "  - name: Mallory Finch\n    email: mallory.finch@kestrelcart.example\n    roles: [head-of-product]\n    signing_keys: [\"{}\"]\n  - name: Emil Dahl",
            public_key(&mallory)
        ),
    );
    b.s.copy.write("isms.yaml", &yaml);
    b.as_ingrid();
    b.s.ok(&["commit", "-m", "Mallory joins as Head of Product"]);
    let added_by = b.rev("HEAD");
    let id = b.start(&["risk-assessment"]);
    // isms refuses Mallory outright.
    let (code, _, err) = b.sign(&mallory, &id, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not authorised by the approved configuration"),
        "{err}"
    );
    // A step signed with the key by hand is rejected, naming the commit that added it.
    let by_mallory = b.git_step(&id, Some(&mallory), 2, "head-of-product", "");
    let v = b.must_fail("which the approved configuration");
    assert!(
        Board::problems(&v).contains(&format!("added to isms.yaml by commit {}", &added_by[..12]))
    );
    // Plain git refuses it too: .isms/allowed_signers lists the approved keys only.
    let signers = b.s.copy.read(".isms/allowed_signers");
    assert!(!signers.contains("mallory"), "{signers}");
    let (code, text) = b.git_verify(&by_mallory);
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("No principal matched"), "{text}");
    b.s.git(&["branch", "-q", "-D", &format!("signoff/{id}")]);
    // Someone lists her key by hand with plain git: `isms verify` warns that plain git
    // now accepts signatures that the approval history does not.
    b.s.copy.write(
        ".isms/allowed_signers",
        &format!(
            "{signers}mallory.finch@kestrelcart.example namespaces=\"git,isms-report\" {}\n",
            public_key(&mallory)
        ),
    );
    b.s.git(&["commit", "-q", "-am", "List Mallory's key by hand"]);
    let listed_by = b.rev("HEAD");
    let v = b.must_fail("lists 1 line(s) the approved configuration does not authorise (mallory.finch@kestrelcart.example)");
    assert_eq!(v["problems"][0]["code"], "allowed_signers_unapproved");
    assert_eq!(v["problems"][0]["commit"], listed_by.as_str(), "{v:#}");
    // An auditor takes the approved file from isms verify, not from the tree.
    let approved = b.s.home.path().join("approved_signers");
    b.s.isms(&[
        "verify",
        "--write-allowed-signers",
        approved.to_str().unwrap(),
    ]);
    assert_eq!(fs::read_to_string(&approved).expect("written"), signers);

    // The governance sign-off approves Mallory; from then on her key counts.
    let gov = b.start(&["governance"]);
    let doc =
        b.s.git(&["show", &format!("signoff/{gov}:reports/governance.md")]);
    assert!(
        doc.contains(
            "Mallory Finch <mallory.finch@kestrelcart.example> added, holding Head of Product"
        ) || doc.contains("Mallory Finch \\<mallory.finch@kestrelcart.example\\> added"),
        "{doc}"
    );
    let (code, out, err) = b.sign(&b.maja, &gov, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["approvals"].as_array().unwrap().len(), 2, "{v:#}");
    assert_eq!(v["warnings"], serde_json::json!([]), "{v:#}");
    // The CEO's merge brought the approved keys into .isms/allowed_signers, on disk
    // and in the merge commit, so plain git now accepts Mallory's signatures.
    let signers = b.s.copy.read(".isms/allowed_signers");
    assert!(
        signers.contains("mallory.finch@kestrelcart.example"),
        "{signers}"
    );
    assert_eq!(b.s.git(&["show", "HEAD:.isms/allowed_signers"]), signers);
    assert_eq!(b.s.git(&["status", "--porcelain"]), "");
    let id = b.start(&["risk-assessment"]);
    let (code, out, err) = b.sign(&mallory, &id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Mallory Finch signed step 2"), "{out}");
    let (code, text) = b.git_verify(&b.rev(&format!("signoff/{id}")));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("mallory.finch@kestrelcart.example"), "{text}");
}

#[test]
fn a_signature_made_for_another_namespace_is_rejected() {
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    // Jonas's step, signed with ssh-keygen in the `file` namespace and put together
    // into a commit object by hand.
    let branch = format!("signoff/{id}");
    let tip = b.rev(&branch);
    let tree = b.rev(&format!("{branch}^{{tree}}"));
    let blob = b.rev(&format!("{branch}:reports/risk-assessment.md"));
    let payload = format!(
        "tree {tree}\nparent {tip}\nauthor Jonas Lykke <{JONAS}> 1795000000 +0100\ncommitter Jonas Lykke <{JONAS}> 1795000000 +0100\n\nCo-sign\n\nIsms-Signoff: {id}\nIsms-Signoff-Kind: risk-assessment\nIsms-Signoff-Step: 2 head-of-product\nIsms-Signoff-Report: reports/risk-assessment.md {blob}\n"
    );
    let dir = b.s.home.path();
    fs::write(dir.join("payload"), &payload).expect("write");
    let out =
        b.s.command("ssh-keygen")
            .args(["-q", "-Y", "sign", "-n", "file", "-f"])
            .arg(&b.jonas)
            .arg(dir.join("payload"))
            .output()
            .expect("ssh-keygen runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sig = fs::read_to_string(dir.join("payload.sig")).expect("the signature");
    let header: String = sig
        .trim_end()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("gpgsig {l}\n")
            } else {
                format!(" {l}\n")
            }
        })
        .collect();
    let (head, body) = payload.split_once("\n\n").expect("headers and body");
    let object = format!("{head}\n{header}\n{body}");
    fs::write(dir.join("object"), object).expect("write");
    let commit = b.s.git(&[
        "hash-object",
        "-t",
        "commit",
        "-w",
        dir.join("object").to_str().unwrap(),
    ]);
    let commit = commit.trim();
    b.s.git(&["update-ref", &format!("refs/heads/{branch}"), commit]);
    b.must_fail("signed for namespace `file`, not `git`");
    // git agrees that it is no commit signature.
    assert_ne!(b.git_verify(commit).0, 0);
}

#[test]
fn steps_out_of_order_are_rejected() {
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    // The CEO approves (step 3) before the Head of Product co-signed (step 2).
    b.git_step(
        &id,
        Some(&b.maja),
        3,
        "ceo",
        "Isms-Signoff-Approval: signed approval\n",
    );
    b.must_fail("steps out of order");
    // isms itself would not have allowed it.
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    let (code, _, err) = b.sign(&b.maja, &id, &["--approve"]);
    assert_eq!(code, 2);
    assert!(err.contains("Head of Product"), "{err}");
}

#[test]
fn one_person_signing_two_steps_kept_apart_is_rejected() {
    // Ingrid also holds the CEO role; separation of duties keeps ISM and CEO apart.
    let b = Board::with(|s| {
        s.copy.edit(
            "isms.yaml",
            "roles: [ism, sre-lead]",
            "roles: [ism, sre-lead, ceo]",
        );
    });
    let id = b.start(&["risk-assessment"]);
    let (code, out, err) = b.sign(&b.jonas, &id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    // isms refuses Ingrid's merge, with the rule's reason.
    let ingrid = b.s.key.clone();
    let (code, _, err) = b.sign(&ingrid, &id, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("the ISM prepares the assessment that the CEO approves"),
        "{err}"
    );
    // She merges with plain git instead; verification rejects it.
    b.as_ingrid();
    let blob = b.rev(&format!("signoff/{id}:reports/risk-assessment.md"));
    b.s.git(&[
        "merge", "-q", "--no-ff", "-S", "-m",
        &format!("Merge\n\nIsms-Signoff: {id}\nIsms-Signoff-Step: 3 ceo\nIsms-Signoff-Report: reports/risk-assessment.md {blob}"),
        &format!("signoff/{id}"),
    ]);
    b.must_fail("separation of duties: Ingrid Solberg signed step 1 (Information Security Manager) and step 3 (Chief Executive Officer)");
}

#[test]
fn an_unsigned_step_is_rejected() {
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    let commit = b.git_step(&id, None, 2, "head-of-product", "");
    b.must_fail(&format!(
        "step 2 (Head of Product): commit {} is not signed",
        &commit[..12]
    ));
}

#[test]
fn a_merge_on_the_forge_needs_the_approvers_signed_approval() {
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    assert_eq!(b.sign(&b.jonas, &id, &[]).0, 0);
    // The forge merges: an unsigned merge commit (GitHub signs with its own key).
    b.s.git(&[
        "merge",
        "-q",
        "--no-ff",
        "--no-gpg-sign",
        "-m",
        "Merge pull request #7",
        &format!("signoff/{id}"),
    ]);
    b.must_fail("signed by the forge, not by the approver");

    // With the CEO's signed approval on the branch first, the forge merge stands.
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    assert_eq!(b.sign(&b.jonas, &id, &[]).0, 0);
    let (code, out, err) = b.sign(&b.maja, &id, &["--approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let status = b.s.ok(&["signoff", "status"]);
    assert!(
        status.contains("approved, waiting for the merge on the forge"),
        "{status}"
    );
    b.s.git(&[
        "merge",
        "-q",
        "--no-ff",
        "--no-gpg-sign",
        "-m",
        "Merge pull request #8",
        &format!("signoff/{id}"),
    ]);
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "{v:#}");
    let request = &v["requests"][0];
    assert_eq!(request["state"], "complete");
    assert_eq!(
        request["steps"][2]["how"],
        "signed approval; merged on the forge"
    );
    assert_eq!(request["warnings"][0]["code"], "forge_merge");
    assert!(request["warnings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("signed by the forge, not by the approver"));
}

#[test]
fn a_risk_acceptance_goes_stale_when_the_risk_is_rescored() {
    let b = Board::new();
    let id = b.start(&["risk-acceptance", "R-013"]);
    let doc = b.s.git(&[
        "show",
        &format!("signoff/{id}:reports/risk-acceptance/R-013.md"),
    ]);
    assert!(doc.contains("Risk Acceptance R-013"), "{doc}");
    assert!(doc.contains("| Residual rating |"), "{doc}");
    assert_eq!(b.sign(&b.maja, &id, &[]).0, 0);
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["requests"][0]["warnings"].as_array().unwrap().len(), 0);
    // Re-scored: the acceptance is stale, visibly, without failing verification.
    b.as_ingrid();
    b.s.ok(&["set", "R-013", "likelihood=5"]);
    b.s.ok(&["commit", "-m", "R-013 is now likely"]);
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "{v:#}");
    let warning = &v["requests"][0]["warnings"][0];
    assert_eq!(warning["code"], "acceptance_stale");
    assert!(
        warning["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("stale: R-013 changed since it was accepted (likelihood 2 → 5)"),
        "{v:#}"
    );
    let (_, out, _) = b.s.isms(&["verify"]);
    assert!(out.contains("note: stale: R-013"), "{out}");
}

/// A forge's REST API as far as sign-off uses it: GitHub's pulls (token
/// `ghp_right`) and GitLab's merge requests (token `glpat_right`). It answers like
/// the forge: a second pull request for the same branch is refused (422 / 409) and
/// then found by listing the open ones. Every request is recorded.
fn fake_forge(seen: Arc<Mutex<Vec<http::Request>>>) -> http::Server {
    let opened = Arc::new(Mutex::new(Vec::<String>::new()));
    http::Server::start(move |request| {
        seen.lock().expect("not poisoned").push(request.clone());
        let json = |status: u16, body: Value| http::Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        };
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let mut opened = opened.lock().expect("not poisoned");
        match (request.method.as_str(), request.target.as_str()) {
            ("POST", "/repos/kestrel-cart/isms/pulls") => {
                if request.header("authorization") != Some("Bearer ghp_right") {
                    return json(401, serde_json::json!({"message": "Bad credentials"}));
                }
                let head = body["head"].as_str().unwrap_or_default().to_string();
                if opened.contains(&head) {
                    return json(
                        422,
                        serde_json::json!({"message": "Validation Failed",
                        "errors": [{"message": format!("A pull request already exists for kestrel-cart:{head}.")}]}),
                    );
                }
                opened.push(head);
                json(
                    201,
                    serde_json::json!({"number": 7,
                    "html_url": "https://github.com/kestrel-cart/isms/pull/7"}),
                )
            }
            ("GET", target) if target.starts_with("/repos/kestrel-cart/isms/pulls?") => json(
                200,
                serde_json::json!([{"number": 7,
                    "html_url": "https://github.com/kestrel-cart/isms/pull/7"}]),
            ),
            ("POST", "/projects/sec%2Fisms/merge_requests") => {
                if request.header("private-token") != Some("glpat_right") {
                    return json(401, serde_json::json!({"message": "401 Unauthorized"}));
                }
                let source = format!("lab:{}", body["source_branch"].as_str().unwrap_or_default());
                if opened.contains(&source) {
                    return json(
                        409,
                        serde_json::json!({"message":
                        ["Another open merge request already exists for this source branch: !3"]}),
                    );
                }
                opened.push(source);
                json(
                    201,
                    serde_json::json!({"iid": 3,
                    "web_url": "https://gitlab.example.org/sec/isms/-/merge_requests/3"}),
                )
            }
            ("GET", target) if target.starts_with("/projects/sec%2Fisms/merge_requests?") => json(
                200,
                serde_json::json!([{"iid": 3,
                    "web_url": "https://gitlab.example.org/sec/isms/-/merge_requests/3"}]),
            ),
            _ => json(404, serde_json::json!({"message": "Not Found"})),
        }
    })
}

/// Every file under `dir`, read as bytes, that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if fs::read(&path)
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
            {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn a_pushed_request_opens_its_pull_request_through_the_forge_api_with_a_token_from_the_keyring() {
    let b = Board::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let forge = fake_forge(seen.clone());
    // The remote is on GitHub; the push itself goes to a bare repository here, and
    // the API to the fake forge.
    // (Over HTTP: libgit2's local transport ignores a push URL.)
    let served = b.s.home.path().join("served");
    fs::create_dir_all(&served).expect("creatable");
    git_in(&b.s, &served, &["init", "-q", "--bare", "remote.git"]);
    let bare = served.join("remote.git");
    let git_server = support::git_over_http(served.clone(), Arc::new(Mutex::new(Vec::new())));
    let push_url = git_server.url("/remote.git");
    let store = b.s.home.path().join("git-credentials");
    fs::write(
        &store,
        format!("http://jonas:s3cret@127.0.0.1:{}\n", git_server.port),
    )
    .expect("writable");
    b.s.git(&[
        "config",
        "credential.helper",
        &format!("store --file={}", store.display()),
    ]);
    b.s.git(&[
        "remote",
        "add",
        "origin",
        "git@github.com:kestrel-cart/isms.git",
    ]);
    b.s.git(&["config", "remote.origin.pushurl", &push_url]);
    b.s.git(&["config", "isms.forgeApi", &forge.url("")]);
    let id = b.start(&["soa"]);
    let branch = format!("signoff/{id}");

    // No Secret Service at all: pushed, and the address to open by hand.
    let out = b.s.ok(&["signoff", "push", &id]);
    assert!(
        out.contains(&format!("Pushed {branch} to origin.")),
        "{out}"
    );
    assert!(out.contains("the system keyring is not available"), "{out}");
    assert!(
        out.contains("https://github.com/kestrel-cart/isms/compare/main...signoff/soa-"),
        "{out}"
    );
    assert_eq!(
        git_in(&b.s, &bare, &["rev-parse", &branch]),
        b.s.git(&["rev-parse", &branch])
    );

    // A keyring without a token: the same, saying how to store one.
    let keyring = SecretService::start(&b.s);
    let env = keyring.env();
    let (code, out, err) = b.s.isms_with(&["signoff", "push", &id], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "no token for github.com in the system keyring (`isms forge login github.com`"
        ),
        "{out}"
    );
    assert!(
        seen.lock().expect("not poisoned").is_empty(),
        "no API call without a token"
    );

    // A wrong token is refused by the forge, and the message says what to do.
    let login = |host: &str, token: &str| {
        let mut c = b.s.command(support::isms_bin());
        c.args(["--repo"])
            .arg(b.s.path())
            .args(["forge", "login", host]);
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("isms runs");
        use std::io::Write;
        writeln!(child.stdin.take().expect("a pipe"), "{token}").expect("written");
        let out = child.wait_with_output().expect("isms ends");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    login("github.com", "ghp_wrong");
    let (code, _, err) = b.s.isms_with(&["signoff", "push", &id], &env);
    assert_ne!(code, 0);
    assert!(err.contains("GitHub refused the token (401)"), "{err}");
    assert!(
        !err.contains("ghp_wrong"),
        "the token is never printed: {err}"
    );

    // The right token: the pull request is opened through the API.
    login("github.com", "ghp_right");
    let (code, out, err) = b.s.isms_with(&["signoff", "push", &id], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Opened pull request #7: https://github.com/kestrel-cart/isms/pull/7"),
        "{out}"
    );
    let last_post = || {
        seen.lock()
            .expect("not poisoned")
            .iter()
            .rev()
            .find(|r| r.method == "POST")
            .cloned()
            .expect("a POST")
    };
    let pull = last_post();
    let body: Value = serde_json::from_slice(&pull.body).expect("JSON");
    assert_eq!(body["head"], branch.as_str());
    assert_eq!(body["base"], "main");
    assert_eq!(
        body["title"],
        format!("Sign-off: Statement of Applicability ({id})").as_str()
    );
    let description = body["body"].as_str().unwrap_or_default();
    assert!(
        description.contains("signed by Ingrid Solberg"),
        "{description}"
    );
    assert!(
        description.contains(&format!("isms verify {id}")),
        "{description}"
    );
    assert_eq!(pull.header("accept"), Some("application/vnd.github+json"));

    // The CEO signs her approval for the merge on the forge and pushes again: the
    // open pull request is found, not opened twice.
    let (code, out, err) = b.sign(&b.maja.clone(), &id, &["--approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = b.s.isms_with(&["signoff", "push", &id], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Pull request #7 was already open"), "{out}");
    assert_eq!(
        git_in(&b.s, &bare, &["rev-parse", &branch]),
        b.s.git(&["rev-parse", &branch]),
        "the approval reached the remote"
    );

    // GitLab: a merge request, with GitLab's header and the project path encoded.
    b.s.git(&[
        "remote",
        "add",
        "lab",
        "git@gitlab.example.org:sec/isms.git",
    ]);
    b.s.git(&["config", "remote.lab.pushurl", &push_url]);
    login("gitlab.example.org", "glpat_right");
    let (code, out, err) =
        b.s.isms_with(&["signoff", "push", &id, "--remote", "lab"], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "Opened pull request #3: https://gitlab.example.org/sec/isms/-/merge_requests/3"
        ),
        "{out}"
    );
    let merge = last_post();
    let body: Value = serde_json::from_slice(&merge.body).expect("JSON");
    assert_eq!(body["source_branch"], branch.as_str());
    assert_eq!(body["target_branch"], "main");
    let (code, out, err) =
        b.s.isms_with(&["signoff", "push", &id, "--remote", "lab"], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Pull request #3 was already open"), "{out}");

    // The tokens are in the keyring only: not in the repository, its index, or the
    // settings; and logout removes them.
    for dir in [b.s.path(), &b.s.home.path().join("settings.json")] {
        if dir.is_dir() {
            assert_eq!(files_containing(dir, "ghp_right"), Vec::<PathBuf>::new());
            assert_eq!(files_containing(dir, "glpat_right"), Vec::<PathBuf>::new());
        } else if dir.is_file() {
            let text = fs::read_to_string(dir).unwrap_or_default();
            assert!(!text.contains("ghp_right"), "settings hold no token");
        }
    }
    let (code, out, _) = b.s.isms_with(&["forge", "logout", "github.com"], &env);
    assert_eq!(code, 0);
    assert!(out.contains("Removed the token for github.com"), "{out}");
    let (_, out, _) = b.s.isms_with(&["signoff", "push", &id], &env);
    assert!(out.contains("no token for github.com"), "{out}");
    b.s.fsck();
}

#[test]
fn a_risk_assessment_whose_narrative_contradicts_its_figures_is_not_put_up_for_signoff() {
    let b = Board::new();
    b.as_ingrid();
    // A rescore after the summary ("one Unacceptable, twelve Manage") was written.
    b.s.ok(&["set", "R-002", "likelihood=5"]);
    b.s.ok(&["commit", "-m", "R-002 rescored after the pentest"]);
    let branches_before = b.s.git(&["branch", "--list", "signoff/*"]);
    let (code, _, err) = b.s.isms(&["signoff", "start", "risk-assessment"]);
    assert_ne!(code, 0, "refused");
    assert!(err.contains("the report would contradict itself"), "{err}");
    assert!(
        err.contains("assessments/2026.md:32: the narrative says \"one Unacceptable\", but 2 active risks are Unacceptable (inherent)"),
        "{err}"
    );
    assert!(err.contains("assessments/2026.md:33:"), "{err}");
    assert_eq!(
        b.s.git(&["branch", "--list", "signoff/*"]),
        branches_before,
        "no request was made"
    );
    // Corrected and committed, it goes up for sign-off.
    b.s.copy.edit(
        "assessments/2026.md",
        "one Unacceptable,\ntwelve Manage",
        "two Unacceptable,\neleven Manage",
    );
    b.s.ok(&["commit", "-m", "The summary follows the rescore"]);
    let id = b.start(&["risk-assessment"]);
    assert!(id.starts_with("risk-assessment-"), "{id}");
}
