//! Commits signed with the person's SSH key, checked by the real git; who signed what;
//! a record's timeline; the changes between revisions.

use std::fs;

use crate::support::{git_status_in, golden, keygen, public_key, Agent, Copy, Signed};

fn verify_commit(s: &Signed, rev: &str) -> (i32, String) {
    let (code, out, err) = crate::support::git_status_in(
        s,
        s.path(),
        &[
            "-c",
            "gpg.ssh.allowedSignersFile=.isms/allowed_signers",
            "verify-commit",
            rev,
        ],
    );
    (code, format!("{out}{err}"))
}

#[test]
fn git_verify_commit_accepts_app_signed_commits_and_rejects_a_key_missing_from_allowed_signers() {
    let s = Signed::new();
    let out = s.ok(&["commit", "-m", "Initial ISMS for Kestrel Cart"]);
    assert!(out.starts_with("Committed "), "{out}");
    assert!(
        out.contains("(signed, Ingrid Solberg <ingrid.solberg@kestrelcart.example>)"),
        "{out}"
    );
    let (code, text) = verify_commit(&s, "HEAD");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "Good \"git\" signature for ingrid.solberg@kestrelcart.example with ED25519 key"
        ),
        "{text}"
    );
    // allowed_signers was generated from isms.yaml and committed with it.
    let signers = s.git(&["show", "HEAD:.isms/allowed_signers"]);
    assert!(signers.contains(&format!(
        "ingrid.solberg@kestrelcart.example namespaces=\"git,isms-report\" {}",
        public_key(&s.key)
    )));

    // A key nobody in isms.yaml holds: git refuses it, and so does isms.
    let stranger = keygen(s.home.path(), "stranger", "");
    s.git(&[
        "config",
        "user.signingkey",
        stranger.to_str().expect("utf-8"),
    ]);
    s.ok(&["set", "R-004", "likelihood=3"]);
    s.ok(&["commit", "-m", "Rescore R-004"]);
    let (code, text) = verify_commit(&s, "HEAD");
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("No principal matched"), "{text}");

    // An unsigned commit made with plain git.
    s.git(&[
        "-c",
        "commit.gpgsign=false",
        "commit",
        "--allow-empty",
        "-q",
        "-m",
        "Plain git commit",
    ]);
    let (code, out, _) = s.isms(&["verify-commits"]);
    assert_eq!(code, 1, "not every commit is verified: {out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].contains("UNSIGNED") && lines[0].ends_with("Plain git commit"),
        "{out}"
    );
    assert!(
        lines[1].contains("UNKNOWN KEY SHA256:") && lines[1].ends_with("Rescore R-004"),
        "{out}"
    );
    assert!(
        lines[2].contains("signed by Ingrid Solberg (ism, sre-lead)"),
        "{out}"
    );
    assert_eq!(lines[3], "3 commits checked; 2 not verified");
    let (code, out, _) = s.isms(&["verify-commits", "HEAD~2"]);
    assert_eq!((code, out.lines().count()), (0, 2), "{out}");
    let (_, json, _) = s.isms(&["--format", "json", "verify-commits"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["commits"][2]["signature"]["status"], "good");
    assert_eq!(
        v["commits"][2]["signature"]["roles"],
        serde_json::json!(["ism", "sre-lead"])
    );
    assert_eq!(v["commits"][1]["signature"]["status"], "unknown_key");
    assert_eq!(v["commits"][0]["signature"]["status"], "unsigned");
    s.fsck();
}

#[test]
fn a_tampered_commit_is_reported_as_a_bad_signature() {
    let s = Signed::new();
    s.ok(&["commit", "-m", "Initial"]);
    // Rewrite the commit message but keep the signature: the signature no longer matches.
    let raw = s.git(&["cat-file", "commit", "HEAD"]);
    let forged = raw.replace("\nInitial\n", "\nInitial (approved by the CEO)\n");
    let path = s.home.path().join("forged");
    fs::write(&path, forged).expect("writable");
    let id = s.git(&[
        "hash-object",
        "-t",
        "commit",
        "-w",
        path.to_str().expect("utf-8"),
    ]);
    s.git(&["update-ref", "refs/heads/main", id.trim()]);
    let (code, out, _) = s.isms(&["verify-commits"]);
    assert_eq!(code, 1);
    assert!(out.contains("BAD SIGNATURE"), "{out}");
    assert_ne!(verify_commit(&s, "HEAD").0, 0, "git agrees");
}

#[test]
fn a_signed_commit_stored_under_another_id_is_reported_as_corrupt() {
    let s = Signed::new();
    s.ok(&["commit", "-m", "Initial"]);
    let first = s.git(&["rev-parse", "HEAD"]).trim().to_string();
    s.ok(&["set", "R-001", "likelihood=2"]);
    s.ok(&["commit", "-m", "Lower R-001"]);
    let second = s.git(&["rev-parse", "HEAD"]).trim().to_string();
    // Put the first commit's (validly signed) content where the second one's belongs,
    // as a damaged disk or a hand on the object store could. git reads objects
    // without hashing them, so only a hash check tells the two apart.
    let loose = |id: &str| s.path().join(".git/objects").join(&id[..2]).join(&id[2..]);
    assert!(loose(&second).is_file(), "the app writes loose objects");
    fs::remove_file(loose(&second)).expect("removable");
    fs::copy(loose(&first), loose(&second)).expect("copyable");
    let (code, out, err) = s.isms(&["verify-commits"]);
    assert_ne!(code, 0, "{out}");
    assert!(
        err.contains(&format!("object {second} is corrupt")),
        "names the object: {err}"
    );
    let (code, _, err) = git_status_in(&s, s.path(), &["fsck", "--strict"]);
    assert_ne!(code, 0, "git fsck agrees: {err}");
}

#[test]
fn a_passphrase_protected_key_is_opened_with_the_passphrase_asked_for() {
    let s = Signed::new();
    let protected = keygen(s.home.path(), "protected", "correct horse battery");
    s.copy
        .edit("isms.yaml", &public_key(&s.key), &public_key(&protected));
    s.git(&[
        "config",
        "user.signingkey",
        protected.to_str().expect("utf-8"),
    ]);
    let askpass = |answer: &str| {
        let script = s.home.path().join(format!("askpass-{}", answer.len()));
        fs::write(&script, format!("#!/bin/sh\nprintf '%s\\n' '{answer}'\n")).expect("writable");
        std::os::unix::fs::PermissionsExt::set_mode(
            &mut fs::metadata(&script).expect("exists").permissions(),
            0o755,
        );
        fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        script
    };
    let wrong = askpass("wrong");
    let (code, err) = s.isms_error(
        &["commit", "-m", "Initial"],
        &[
            ("SSH_ASKPASS", wrong.to_str().expect("utf-8")),
            ("SSH_ASKPASS_REQUIRE", "force"),
        ],
    );
    assert_eq!(code, "no_signing_key");
    assert!(err.contains("wrong passphrase for"), "{err}");
    assert_eq!(
        crate::support::git_status_in(&s, s.path(), &["rev-parse", "HEAD"]).0,
        128,
        "nothing committed"
    );

    let right = askpass("correct horse battery");
    let (code, out, err) = s.isms_with(
        &["commit", "-m", "Initial"],
        &[
            ("SSH_ASKPASS", right.to_str().expect("utf-8")),
            ("SSH_ASKPASS_REQUIRE", "force"),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, text) = verify_commit(&s, "HEAD");
    assert_eq!(code, 0, "{text}");
    // The passphrase is not kept anywhere ISMS Desk writes.
    for dir in [s.path().join(".git"), s.home.path().to_path_buf()] {
        let (_, hits, _) = crate::support::git_status_in(
            &s,
            s.path(),
            &[
                "grep",
                "--no-index",
                "-l",
                "correct horse",
                "--",
                dir.to_str().expect("utf-8"),
            ],
        );
        let hits: Vec<&str> = hits.lines().filter(|l| !l.contains("askpass")).collect();
        assert!(hits.is_empty(), "passphrase found in {hits:?}");
    }
    s.fsck();
}

#[test]
fn ssh_agent_signs_when_it_holds_the_key() {
    let s = Signed::new();
    let agent = Agent::start(&s);
    let sock = agent.sock();
    let protected = keygen(s.home.path(), "agent-held", "only the agent knows");
    s.copy
        .edit("isms.yaml", &public_key(&s.key), &public_key(&protected));
    agent.add(&s, &protected, "only the agent knows");
    // A literal public key in user.signingkey, as GitHub's docs suggest: the agent signs.
    s.git(&[
        "config",
        "user.signingkey",
        &format!("key::{}", public_key(&protected)),
    ]);
    let (code, out, err) = s.isms_with(
        &["commit", "-m", "Signed by the agent"],
        &[("SSH_AUTH_SOCK", sock)],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(verify_commit(&s, "HEAD").0, 0);
    // The encrypted key file itself: the agent holds it, so no passphrase is asked.
    s.git(&[
        "config",
        "user.signingkey",
        protected.to_str().expect("utf-8"),
    ]);
    s.ok(&["set", "R-004", "likelihood=3"]);
    let (code, out, err) = s.isms_with(
        &["commit", "-m", "Again by the agent"],
        &[("SSH_AUTH_SOCK", sock)],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(verify_commit(&s, "HEAD").0, 0);
    // Without the agent the same key needs its passphrase, and there is no terminal.
    s.ok(&["set", "R-004", "likelihood=4"]);
    let (code, err) = s.isms_error(&["commit", "-m", "No agent"], &[]);
    assert_eq!(code, "no_signing_key");
    assert!(err.contains("no passphrase was given"), "{err}");
    drop(agent);
    s.fsck();
}

#[test]
fn commits_take_all_changes_or_the_chosen_records_and_refuse_invalid_files() {
    let s = Signed::new();
    s.ok(&["commit", "-m", "Initial"]);
    let (code, _, err) = s.isms(&["commit", "-m", "Nothing"]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "isms: nothing to commit: the ISMS files are as in the last commit\n"
        )
    );
    s.ok(&["set", "R-004", "likelihood=3"]);
    s.ok(&["set", "R-005", "impact=4"]);
    let out = s.ok(&["commit", "-m", "Rescore R-004", "R-004"]);
    assert!(out.ends_with(": risks/R-004.md\n"), "{out}");
    assert_eq!(
        s.git(&["show", "--name-only", "--format=", "HEAD"]),
        "risks/R-004.md\n"
    );
    assert_eq!(s.git(&["status", "--porcelain"]), " M risks/R-005.md\n");
    // A file that does not load is not committed.
    s.copy.edit("risks/R-005.md", "impact: 4", "impact: 11");
    let head = s.git(&["rev-parse", "HEAD"]);
    let (code, err) = s.isms_error(&["commit", "-m", "Broken"], &[]);
    assert_eq!(code, "invalid");
    assert!(
        err.contains("risks/R-005.md:7: impact: 11 is outside every scale"),
        "{err}"
    );
    assert_eq!(s.git(&["rev-parse", "HEAD"]), head);
    s.copy.edit("risks/R-005.md", "impact: 11", "impact: 4");
    // A new record and a deleted one.
    s.ok(&[
        "new",
        "risk",
        "--title",
        "Payroll supplier breach",
        "domain=supplier",
        "owner=ism",
        "status=deferred",
        "deferred_to=Supplier workshop",
    ]);
    fs::remove_file(s.copy.file("risks/R-017.md")).expect("delete");
    let out = s.ok(&["commit", "-m", "Register changes"]);
    assert!(
        out.contains("risks/R-005.md, risks/R-017.md, risks/R-018.md"),
        "{out}"
    );
    assert_eq!(s.git(&["status", "--porcelain"]), "");
    // Without git's identity, the person picked once in the settings.
    s.git(&["config", "--unset", "user.name"]);
    s.git(&["config", "--unset", "user.email"]);
    s.ok(&["set", "R-004", "likelihood=2"]);
    let (code, err) = s.isms_error(&["commit", "-m", "Who?"], &[]);
    assert_eq!(code, "usage");
    assert!(err.contains("isms settings --person"), "{err}");
    s.ok(&["settings", "--person", "ingrid.solberg@kestrelcart.example"]);
    s.ok(&["commit", "-m", "As the person in isms.yaml"]);
    assert_eq!(
        s.git(&["log", "-1", "--format=%an <%ae> %cd", "--date=iso"]),
        "Ingrid Solberg <ingrid.solberg@kestrelcart.example> 2026-11-18 12:06:40 +0100\n"
    );
    assert_eq!(verify_commit(&s, "HEAD").0, 0);
    s.fsck();
}

#[test]
fn allowed_signers_lists_the_approved_keys_and_a_new_key_only_once_approved() {
    let s = Signed::new();
    const JONAS_KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMy13eGL8u6rixovghB9tawV8n1GfRdgfm6SVcaJkpO4";
    const MAJA_KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF5KUOemOiOc9DzRcD3LrdWnwiok7Kkw7V/vbt4UBJuw";
    let maja = keygen(s.home.path(), "maja", "");
    s.copy.edit("isms.yaml", MAJA_KEY, &public_key(&maja));
    s.ok(&["commit", "-m", "Initial"]);
    // Jonas gets a new key by an ordinary commit: isms.yaml changes, the list of
    // keys that count does not.
    let jonas = keygen(s.home.path(), "jonas", "");
    s.copy.edit("isms.yaml", JONAS_KEY, &public_key(&jonas));
    s.ok(&["commit", "-m", "New key for Jonas", "isms.yaml"]);
    assert_eq!(
        s.git(&["show", "--name-only", "--format=", "HEAD"]),
        "isms.yaml\n"
    );
    let signers = s.git(&["show", "HEAD:.isms/allowed_signers"]);
    assert!(
        signers.contains(JONAS_KEY),
        "the approved key stays: {signers}"
    );
    assert!(!signers.contains(&public_key(&jonas)), "{signers}");
    s.git(&["config", "user.signingkey", jonas.to_str().expect("utf-8")]);
    s.ok(&["set", "R-001", "next_review=2027-06-01"]);
    s.ok(&["commit", "-m", "Review date"]);
    let (code, text) = verify_commit(&s, "HEAD");
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("No principal matched"), "{text}");

    // The governance sign-off (the ISM signs, the CEO merges) approves the new key:
    // the CEO's merge brings it into allowed_signers, and git accepts Jonas from then on.
    s.git(&["config", "user.signingkey", s.key.to_str().expect("utf-8")]);
    let started = s.ok(&["signoff", "start", "governance"]);
    let id = started
        .split_whitespace()
        .find_map(|w| w.strip_prefix("signoff/"))
        .unwrap_or_else(|| panic!("the branch is named: {started}"))
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .to_string();
    s.git(&["config", "user.signingkey", maja.to_str().expect("utf-8")]);
    s.ok(&["signoff", "sign", &id]);
    let signers = s.git(&["show", "HEAD:.isms/allowed_signers"]);
    assert!(signers.contains(&public_key(&jonas)), "{signers}");
    assert!(
        !signers.contains(JONAS_KEY),
        "the old key is gone: {signers}"
    );
    assert_eq!(s.copy.read(".isms/allowed_signers"), signers);
    s.git(&["config", "user.signingkey", jonas.to_str().expect("utf-8")]);
    s.ok(&["set", "R-001", "next_review=2027-07-01"]);
    s.ok(&["commit", "-m", "Review date moved"]);
    assert_eq!(verify_commit(&s, "HEAD").0, 0);
    let (code, out, _) = s.isms(&["verify"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_history_that_does_not_verify_never_gets_unapproved_keys_into_allowed_signers() {
    let s = Signed::new();
    // The first isms.yaml, committed with plain git, does not load: nothing in this
    // history is approved, so no key can be listed on its authority.
    let good = s.copy.read("isms.yaml");
    s.copy.write("isms.yaml", "organisation: [unclosed\n");
    s.git(&["add", "-A"]);
    s.git(&["commit", "-q", "-m", "A broken start"]);
    let stranger = keygen(s.home.path(), "stranger", "");
    s.copy.write(
        "isms.yaml",
        &good.replace(&public_key(&s.key), &public_key(&stranger)),
    );
    s.ok(&["commit", "-m", "isms.yaml repaired, with another key"]);
    assert!(
        !s.path().join(".isms/allowed_signers").exists(),
        "no list is written on the authority of an unverifiable history"
    );
    let (code, out, err) = s.isms(&["verify"]);
    assert_ne!(code, 0, "{out}");
    assert!(
        format!("{out}{err}").contains("does not load"),
        "verify says why: {out}{err}"
    );
}

#[test]
fn a_record_timeline_lists_each_commit_with_its_field_changes() {
    let s = Signed::new();
    s.ok(&["commit", "-m", "Initial"]);
    s.ok(&[
        "set",
        "R-004",
        "likelihood=3",
        "controls+=8.7",
        "controls-=8.31",
    ]);
    s.ok(&["commit", "-m", "Rescore R-004 after the pen test"]);
    s.ok(&["set", "R-001", "impact=2"]);
    s.ok(&["commit", "-m", "Unrelated change to R-001"]);
    let body = s.copy.read("risks/R-004.md").replace(
        "## Internal notes\n",
        "## Internal notes\n\nPen test report PT-2026-07 confirms the finding.\n",
    );
    s.copy.write("risks/R-004.md", &body);
    s.ok(&["commit", "-m", "Note the pen test"]);
    let (_, json, _) = s.isms(&["--format", "json", "log", "R-004"]);
    let timeline: serde_json::Value = serde_json::from_str(&json).expect("json");
    let entries = timeline.as_array().expect("a list");
    let summaries: Vec<&str> = entries
        .iter()
        .map(|e| e["summary"].as_str().expect("text"))
        .collect();
    assert_eq!(
        summaries,
        [
            "Note the pen test",
            "Rescore R-004 after the pen test",
            "Initial"
        ]
    );
    assert_eq!(entries[0]["fields"], serde_json::json!([]));
    assert!(entries[0]["body_diff"]
        .as_str()
        .expect("a diff")
        .contains("+Pen test report PT-2026-07 confirms the finding."));
    assert_eq!(
        entries[1]["fields"],
        serde_json::json!([
            {"field": "likelihood", "before": "2", "after": "3"},
            {"field": "score", "before": "10", "after": "15"},
            {"field": "band", "before": "Manage", "after": "Unacceptable"},
            {"field": "controls", "added": ["8.7"], "removed": ["8.31"]},
        ])
    );
    assert_eq!(entries[1]["signature"]["person"], "Ingrid Solberg");
    assert_eq!(entries[2]["change"], "added");
    // The timeline is cached in the index; a new commit is added on top of the cache,
    // and the result is the same as computing it from scratch.
    s.ok(&["set", "R-004", "impact=4"]);
    s.ok(&["commit", "-m", "Impact after isolation work"]);
    let (_, cached, _) = s.isms(&["--format", "json", "log", "R-004"]);
    fs::remove_file(s.path().join(".git/isms-desk/index.sqlite")).expect("the index exists");
    let (_, fresh, _) = s.isms(&["--format", "json", "log", "R-004"]);
    assert_eq!(cached, fresh);
    let cached: serde_json::Value = serde_json::from_str(&cached).expect("json");
    assert_eq!(cached.as_array().expect("a list").len(), 4);
    assert_eq!(cached[0]["summary"], "Impact after isolation work");
    s.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let mut text = s.ok(&["log", "R-004"]);
    // Keys are made fresh for each run, so commit ids differ: name them by position.
    for (n, id) in s.git(&["rev-list", "HEAD"]).lines().enumerate() {
        text = text.replace(&id[..12], &format!("<commit {n}>"));
    }
    golden("log-R-004.txt", &text);
}

#[test]
fn changes_between_two_revisions_are_listed_per_record_and_field() {
    let s = Signed::new();
    s.ok(&["commit", "-m", "Initial"]);
    s.git(&["tag", "assessment-2026"]);
    s.ok(&[
        "new",
        "risk",
        "--title",
        "Payroll supplier breach",
        "domain=supplier",
        "owner=ism",
        "status=deferred",
        "deferred_to=Supplier workshop",
    ]);
    s.ok(&["close", "R-016", "--today", "2026-11-21"]);
    s.ok(&["set", "R-004", "likelihood=3"]);
    s.ok(&["set", "R-006", "residual_likelihood=2"]);
    s.ok(&[
        "set",
        "7.6",
        "applicable=true",
        "status=planned",
        "justification=",
        "owner=sre-lead",
    ]);
    s.ok(&["set", "8.13", "status=partial"]);
    s.ok(&["set", "T-001", "actions.A1.status=done"]);
    s.ok(&["set", "information-security-policy", "version=2.1"]);
    s.ok(&["commit", "-m", "Autumn review"]);
    let (_, json, _) = s.isms(&["--format", "json", "diff", "assessment-2026", "HEAD"]);
    let changes: serde_json::Value = serde_json::from_str(&json).expect("json");
    let find = |id: &str| {
        changes["records"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} is listed: {json}"))
            .clone()
    };
    assert_eq!(find("R-018")["change"], "added");
    assert_eq!(find("R-016")["change"], "closed");
    assert_eq!(
        find("R-004")["fields"][2],
        serde_json::json!({"field": "band", "before": "Manage", "after": "Unacceptable"})
    );
    assert_eq!(
        find("7.6")["fields"][0],
        serde_json::json!({"field": "applicable", "before": "false", "after": "true"})
    );
    assert_eq!(
        find("T-001")["fields"][0],
        serde_json::json!({"field": "actions.A1.status", "before": "in_progress", "after": "done"})
    );
    assert_eq!(
        changes["records"].as_array().expect("a list").len(),
        8,
        "{json}"
    );
    let text = s.ok(&["diff", "assessment-2026", "HEAD"]);
    let head = s.git(&["rev-parse", "HEAD"]);
    let tag = s.git(&["rev-parse", "assessment-2026^{commit}"]);
    golden(
        "diff-autumn-review.txt",
        &text
            .replace(&head[..12], "<head>")
            .replace(&tag[..12], "<tag>"),
    );
    // Against the working tree: nothing since the commit.
    assert!(s.ok(&["diff", "HEAD"]).contains("No record changed."));
    let (code, _, err) = s.isms(&["diff", "no-such-tag"]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "isms: `no-such-tag` is not a commit, tag or branch of this repository\n"
        )
    );
}

#[test]
fn in_process_git_reads_no_configuration_outside_the_repository() {
    // A developer's ~/.gitconfig (a user.name, a signing key) must not change what an
    // in-process test sees; the subprocess tests get a HOME of their own already.
    let copy = Copy::new();
    let repo = git2::Repository::open(copy.path()).expect("the copy is a repository");
    let config = repo
        .config()
        .and_then(|mut c| c.snapshot())
        .expect("its configuration reads");
    assert!(
        config.get_string("user.name").is_err(),
        "user.name {:?} came from outside the repository",
        config.get_string("user.name")
    );
}

#[test]
fn the_first_commit_of_a_new_isms_goes_through_on_main() {
    let s = Signed::new();
    let fresh = s.home.path().join("fresh");
    s.ok(&[
        "init",
        fresh.to_str().expect("utf-8"),
        "--organisation",
        "Fjordline Freight",
    ]);
    let key = s.key.to_str().expect("utf-8").to_string();
    for (k, v) in [
        ("user.name", "Ingrid Solberg"),
        ("user.email", "ingrid.solberg@kestrelcart.example"),
        ("gpg.format", "ssh"),
        ("user.signingkey", key.as_str()),
    ] {
        crate::support::git_in(&s, &fresh, &["config", k, v]);
    }
    let out = s
        .command(crate::support::isms_bin())
        .arg("--repo")
        .arg(&fresh)
        .args(["commit", "-m", "The ISMS of Fjordline Freight"])
        .output()
        .expect("isms runs");
    assert!(out.status.success(), "{out:?}");
    let branch = crate::support::git_in(&s, &fresh, &["rev-parse", "--abbrev-ref", "HEAD"]);
    assert_eq!(branch.trim(), "main");
    let files = crate::support::git_in(&s, &fresh, &["ls-files"]);
    assert!(
        files.contains("reports/.gitkeep\n") && files.contains("controls/5.1.md\n"),
        "{files}"
    );
    let commit = crate::support::git_in(&s, &fresh, &["cat-file", "-p", "HEAD"]);
    assert!(commit.contains("-----BEGIN SSH SIGNATURE-----"), "{commit}");
}

#[test]
fn a_signer_sets_up_with_a_generated_key_that_ssh_keygen_and_git_accept() {
    use std::os::unix::fs::PermissionsExt;
    let s = Signed::new();
    s.ok(&["commit", "-m", "The ISMS as it stands"]);
    s.git(&["config", "--unset", "user.signingkey"]);
    s.git(&["config", "--unset", "gpg.format"]);
    s.git(&["config", "--unset", "user.name"]);
    s.git(&["config", "--unset", "user.email"]);
    let askpass = s.home.path().join("askpass");
    fs::write(&askpass, "#!/bin/sh\necho 'correct horse'\n").expect("writable");
    fs::set_permissions(&askpass, fs::Permissions::from_mode(0o755)).expect("executable");
    let askpass = askpass.to_str().expect("utf-8").to_string();
    let env = [
        ("SSH_ASKPASS", askpass.as_str()),
        ("SSH_ASKPASS_REQUIRE", "force"),
    ];
    let key = s.home.path().join(".ssh/isms-desk_maja_ed25519");
    let key_arg = key.to_str().expect("utf-8").to_string();
    let (code, out, err) = s.isms_with(
        &[
            "settings",
            "--person",
            "maja.thorsen@kestrelcart.example",
            "--generate-key",
            &key_arg,
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("you:          Maja Thorsen <maja.thorsen@kestrelcart.example>"),
        "{out}"
    );
    assert!(
        out.contains("in isms.yaml: Maja Thorsen (Chief Executive Officer)"),
        "{out}"
    );
    assert!(
        out.contains("not in isms.yaml: a signature with it authorises nothing"),
        "{out}"
    );
    let public = out
        .lines()
        .find(|l| l.starts_with("ssh-ed25519 "))
        .expect("the public key is printed")
        .to_string();
    assert!(
        public.ends_with(" maja.thorsen@kestrelcart.example"),
        "{public}"
    );
    // The private key is the person's alone, and protected: ssh-keygen opens it with
    // the passphrase and derives the same public key.
    let mode = fs::metadata(&key)
        .expect("the key exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let derived = std::process::Command::new("ssh-keygen")
        .args(["-y", "-P", "correct horse", "-f", &key_arg])
        .output()
        .expect("ssh-keygen runs");
    assert!(
        derived.status.success(),
        "{}",
        String::from_utf8_lossy(&derived.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&derived.stdout).trim(), public);
    let wrong = std::process::Command::new("ssh-keygen")
        .args(["-y", "-P", "wrong", "-f", &key_arg])
        .output()
        .expect("ssh-keygen runs");
    assert!(!wrong.status.success(), "the passphrase protects it");
    // Git agrees: the repository's configuration names the person and the key.
    assert_eq!(
        s.git(&["config", "user.email"]).trim(),
        "maja.thorsen@kestrelcart.example"
    );
    assert_eq!(s.git(&["config", "gpg.format"]).trim(), "ssh");
    assert_eq!(s.git(&["config", "user.signingkey"]).trim(), key_arg);
    // A commit is signed with it, and git verifies it against the new key.
    s.ok(&["set", "R-004", "likelihood=3"]);
    let (code, out, err) = s.isms_with(&["commit", "-m", "Signed with the new key"], &env);
    assert_eq!(code, 0, "{out}{err}");
    let signers = s.home.path().join("signers");
    fs::write(
        &signers,
        format!("maja.thorsen@kestrelcart.example {public}\n"),
    )
    .expect("writable");
    let (code, out, err) = git_status_in(
        &s,
        s.path(),
        &[
            "-c",
            &format!("gpg.ssh.allowedSignersFile={}", signers.display()),
            "verify-commit",
            "HEAD",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("Good \"git\" signature for maja.thorsen@kestrelcart.example"),
        "{err}"
    );
    // A second key at the same place is refused; the first is untouched.
    let before = fs::read(&key).expect("readable");
    let (code, _, err) = s.isms_with(&["settings", "--generate-key", &key_arg], &env);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("isms-desk_maja_ed25519"), "{err}");
    assert_eq!(fs::read(&key).expect("readable"), before);
    // Someone who is not in isms.yaml cannot be chosen.
    let (code, _, err) = s.isms(&["settings", "--person", "mallory@example.invalid"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("nobody in isms.yaml has the email mallory@example.invalid"),
        "{err}"
    );
}
