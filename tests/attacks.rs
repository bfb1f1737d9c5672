//! The adversarial suite of sign-off: what a colleague with push access could make
//! `isms verify` say. Every attack is built with plain git and ssh-keygen and the keys
//! the people really hold — never with ISMS Desk's own signing — and must be rejected
//! with the code of its cause and a message that names it. Every legitimate way to land
//! a sign-off (signed merge, signed approval with a forge merge, fast-forward, a
//! colleague's pull merge, and a second sign-off of the same document by each) must
//! still verify.
//!
//! The attacks already rejected before this suite (wrong namespace, steps out of
//! order, separation of duties, unsigned step, forge merge without approval, pinned
//! root, report changed on the branch, unapproved key on a branch) are in `signoff`.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::signoff::Board;
use crate::support::{self, git_in, git_status_in_with, keygen, public_key};

const RA: &str = "reports/risk-assessment.md";

fn short(id: &str) -> &str {
    &id[..12]
}

/// Every entry of `list` ("problems" or "warnings") of a verification, at the top level
/// and in each request, landed or open.
fn findings<'v>(v: &'v Value, list: &str) -> Vec<&'v Value> {
    let mut out: Vec<&Value> = v[list].as_array().into_iter().flatten().collect();
    for requests in ["requests", "open"] {
        for r in v[requests].as_array().into_iter().flatten() {
            out.extend(r[list].as_array().into_iter().flatten());
        }
    }
    out
}

fn text_of(p: &Value, key: &str) -> String {
    p[key].as_str().unwrap_or_default().to_string()
}

/// Every problem of a verification (top level and per request), as (code, text).
fn problems(v: &Value) -> Vec<(String, String, Value)> {
    findings(v, "problems")
        .into_iter()
        .map(|p| {
            let text = format!("{} {}", text_of(p, "message"), text_of(p, "remedy"));
            (text_of(p, "code"), text, p.clone())
        })
        .collect()
}

/// Every warning of a verification, as (code, text).
fn warnings(v: &Value) -> Vec<(String, String)> {
    findings(v, "warnings")
        .into_iter()
        .map(|p| (text_of(p, "code"), text_of(p, "message")))
        .collect()
}

/// `isms verify <args>` fails with a problem of `code` whose text contains `needle`;
/// the human output names it too. Returns the problem.
fn rejects(b: &Board, args: &[&str], code: &str, needle: &str) -> Value {
    let (exit, v) = b.verify(args);
    assert_eq!(exit, 1, "verify should fail with {code}: {v:#}");
    assert_eq!(v["ok"], false);
    let found = problems(&v)
        .into_iter()
        .find(|(c, text, _)| c == code && text.contains(needle));
    let Some((_, _, problem)) = found else {
        panic!(
            "no {code} problem containing {needle:?} in:\n{:#?}",
            problems(&v)
        );
    };
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    let (exit, out, _) = b.s.isms(&all);
    assert_eq!(exit, 1);
    assert!(out.contains("FAILED"), "{out}");
    assert!(!out.contains("OK:"), "{out}");
    problem
}

/// `isms verify <args>` succeeds.
fn accepts(b: &Board, args: &[&str]) -> Value {
    let (exit, v) = b.verify(args);
    assert_eq!(exit, 0, "verify should pass: {v:#}");
    assert_eq!(v["ok"], true);
    v
}

fn git(b: &Board, args: &[&str]) -> String {
    b.s.git(args).trim().to_string()
}

/// git with extra environment; it must succeed.
fn git_env(b: &Board, args: &[&str], env: &[(&str, &str)]) -> String {
    let (code, out, err) = git_status_in_with(&b.s, b.s.path(), args, env);
    assert_eq!(code, 0, "git {args:?}: {out}{err}");
    out.trim().to_string()
}

/// A blob of `content` in the repository.
/// Merges request `id` into main as a forge's merge button does: an unsigned merge
/// commit with the forge's message.
fn forge_merge(b: &Board, id: &str, message: &str) -> String {
    git(
        b,
        &[
            "merge",
            "-q",
            "--no-ff",
            "--no-gpg-sign",
            "-m",
            message,
            &format!("signoff/{id}"),
        ],
    )
}

fn blob(b: &Board, content: &str) -> String {
    let file = b.s.home.path().join("blob.txt");
    fs::write(&file, content).expect("writable");
    git(b, &["hash-object", "-w", file.to_str().expect("utf-8")])
}

/// The tree of `base` with `entries` (mode, blob, path) put in (`None` removes).
fn tree_with(b: &Board, base: &str, entries: &[(&str, Option<&str>, &str)]) -> String {
    let index = b.s.home.path().join("attack.index");
    let env = [("GIT_INDEX_FILE", index.to_str().expect("utf-8"))];
    git_env(b, &["read-tree", base], &env);
    for (mode, blob, path) in entries {
        match blob {
            Some(blob) => git_env(
                b,
                &[
                    "update-index",
                    "--add",
                    "--cacheinfo",
                    &format!("{mode},{blob},{path}"),
                ],
                &env,
            ),
            None => git_env(b, &["update-index", "--force-remove", path], &env),
        };
    }
    git_env(b, &["write-tree"], &env)
}

/// A commit made with `git commit-tree`, signed with `key` when given.
fn commit_tree(
    b: &Board,
    tree: &str,
    parents: &[&str],
    message: &str,
    key: Option<&Path>,
) -> String {
    let file = b.s.home.path().join("message.txt");
    fs::write(&file, message).expect("writable");
    let mut args: Vec<String> = Vec::new();
    if let Some(key) = key {
        args.extend(["-c".into(), format!("user.signingkey={}", key.display())]);
    }
    args.extend(["commit-tree".into(), tree.into()]);
    for p in parents {
        args.extend(["-p".into(), (*p).into()]);
    }
    if key.is_some() {
        args.push("-S".into());
    }
    args.extend(["-F".into(), file.display().to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    git(b, &refs)
}

/// The trailer paragraph of a step.
fn trailers(
    id: &str,
    kind: &str,
    step: usize,
    role: &str,
    path: &str,
    blob: &str,
    source: &str,
) -> String {
    format!(
        "Isms-Signoff: {id}\nIsms-Signoff-Kind: {kind}\nIsms-Signoff-Step: {step} {role}\nIsms-Signoff-Report: {path} {blob}\nIsms-Signoff-Source: {source}\nIsms-Signoff-Into: main\n"
    )
}

/// Moves main (checked out) to `commit`, working tree included.
fn set_main(b: &Board, commit: &str) {
    git(b, &["reset", "-q", "--hard", commit]);
}

/// The report as `isms report` renders it at HEAD.
fn rendered(b: &Board, kind: &str) -> String {
    b.s.ok(&["--format", "md", "report", kind])
}

/// A first step made by hand: `content` committed at `path` (with `mode`) on a new
/// branch `signoff/<id>` off main, signed by Ingrid, with the trailers of `kind`.
fn forged_first_step(
    b: &Board,
    id: &str,
    kind: &str,
    path: &str,
    mode: &str,
    content: &str,
    extra: &str,
) -> String {
    let source = git(b, &["rev-parse", "main"]);
    let blob = blob(b, content);
    let tree = tree_with(b, "main", &[(mode, Some(&blob), path)]);
    let message = format!(
        "Sign-off {id}: made by hand\n\n{}{extra}",
        trailers(id, kind, 1, "ism", path, &blob, &source)
    );
    let commit = commit_tree(b, &tree, &[&source], &message, Some(&b.s.key.clone()));
    git(
        b,
        &["update-ref", &format!("refs/heads/signoff/{id}"), &commit],
    );
    commit
}

/// A co-signature or approval made by hand on `signoff/<id>`, signed with `key`.
fn hand_step(
    b: &Board,
    id: &str,
    key: Option<&Path>,
    step: usize,
    role: &str,
    extra: &str,
) -> String {
    b.git_step(id, key, step, role, extra)
}

/// Jonas's co-signature (step 2) of request `id` made with plain git on its branch,
/// approving `blob` as the risk assessment report, with `env` for the commit.
fn git_cosign(b: &Board, id: &str, blob: &str, env: &[(&str, &str)]) -> String {
    let branch = format!("signoff/{id}");
    let source = git(b, &["rev-parse", "main"]);
    git(b, &["checkout", "-q", &branch]);
    let file = b.s.home.path().join("cosign-message.txt");
    let message = trailers(
        id,
        "risk-assessment",
        2,
        "head-of-product",
        RA,
        blob,
        &source,
    );
    fs::write(&file, format!("Co-sign\n\n{message}")).expect("the message is written");
    git_env(
        b,
        &[
            "-c",
            &format!("user.signingkey={}", b.jonas.display()),
            "commit",
            "-q",
            "--allow-empty",
            "-S",
            "-F",
            file.to_str().expect("utf-8"),
        ],
        env,
    );
    let commit = git(b, &["rev-parse", "HEAD"]);
    git(b, &["checkout", "-q", "main"]);
    commit
}

/// The CEO's signed merge made with plain git: `git merge -S` with step `step`'s trailers.
fn git_signed_merge(b: &Board, id: &str, key: &Path, step: usize, role: &str) -> String {
    let branch = format!("signoff/{id}");
    let blob = git(b, &["rev-parse", &format!("{branch}:{RA}")]);
    let source = git(b, &["rev-parse", "main"]);
    git(
        b,
        &[
            "-c",
            &format!("user.signingkey={}", key.display()),
            "merge",
            "-q",
            "--no-ff",
            "-S",
            "-m",
            &format!(
                "Merge {branch}\n\n{}",
                trailers(id, "risk-assessment", step, role, RA, &blob, &source)
            ),
            &branch,
        ],
    );
    git(b, &["rev-parse", "HEAD"])
}

/// A risk assessment signed off by the CEO's signed merge (ISMS Desk's own route).
fn signed_off(b: &Board) -> String {
    let id = approved_steps(b);
    let (code, out, err) = b.sign(&b.maja.clone(), &id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    b.as_ingrid();
    id
}

/// A risk assessment with Ingrid's and Jonas's steps signed.
fn approved_steps(b: &Board) -> String {
    let id = b.start(&["risk-assessment"]);
    let (code, out, err) = b.sign(&b.jonas.clone(), &id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    id
}

/// A risk assessment whose CEO step is a signed approval, waiting for the forge.
fn approved(b: &Board) -> String {
    let id = approved_steps(b);
    let (code, out, err) = b.sign(&b.maja.clone(), &id, &["--approve"]);
    assert_eq!(code, 0, "{out}{err}");
    b.as_ingrid();
    id
}

/// A change to the records, committed, so that the next report differs: R-004 (2 × 5,
/// Manage) becomes Unacceptable, and the ISM brings the assessment's summary up to date
/// with it, as a risk-assessment sign-off requires.
fn rescore(b: &Board, likelihood: &str) {
    assert!(
        ["3", "4", "5"].contains(&likelihood),
        "R-004 moves to Unacceptable"
    );
    b.as_ingrid();
    b.s.ok(&["set", "R-004", &format!("likelihood={likelihood}")]);
    b.s.copy.edit(
        "assessments/2026.md",
        "one Unacceptable,\ntwelve Manage",
        "two Unacceptable,\neleven Manage",
    );
    b.s.ok(&["commit", "-m", &format!("R-004 rescored to {likelihood}")]);
}

#[derive(Clone, Copy, Debug)]
enum Route {
    SignedMerge,
    ForgeMerge,
    FastForward,
}

/// A complete sign-off of the risk assessment by `route`.
fn land(b: &Board, route: Route) -> String {
    match route {
        Route::SignedMerge => signed_off(b),
        Route::ForgeMerge => {
            let id = approved(b);
            forge_merge(b, &id, "Merge pull request #1");
            id
        }
        Route::FastForward => {
            let id = approved(b);
            git(b, &["merge", "-q", "--ff-only", &format!("signoff/{id}")]);
            id
        }
    }
}

// --- the legitimate routes -------------------------------------------------------

#[test]
fn two_successive_signoffs_of_one_report_verify_by_every_route() {
    for route in [Route::SignedMerge, Route::ForgeMerge, Route::FastForward] {
        let b = Board::new();
        let first = land(&b, route);
        let v = accepts(&b, &[]);
        assert_eq!(v["requests"][0]["state"], "complete", "{route:?}: {v:#}");
        rescore(&b, "4");
        let second = land(&b, route);
        let v = accepts(&b, &[]);
        let ids: Vec<&str> = v["requests"]
            .as_array()
            .expect("requests")
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [first.as_str(), second.as_str()], "{route:?}");
        for r in v["requests"].as_array().unwrap() {
            assert_eq!(r["state"], "complete", "{route:?}: {r:#}");
        }
        if let Route::FastForward = route {
            assert_eq!(v["requests"][1]["merge"], Value::Null);
            assert_eq!(
                v["requests"][1]["landed"],
                git(&b, &["rev-parse", &format!("signoff/{second}")]).as_str()
            );
        }
        // The signed report for auditors is the latest one.
        let md = b.s.ok(&[
            "--format",
            "md",
            "report",
            "risk-assessment",
            "--signoff",
            "latest",
        ]);
        assert!(md.contains(&format!("Signed off ({second})")), "{route:?}");
    }
}

#[test]
fn a_sign_off_that_reaches_main_through_a_colleagues_pull_still_verifies() {
    let b = Board::new();
    let served = b.s.home.path().join("shared.git");
    git_in(
        &b.s,
        b.s.home.path(),
        &["init", "-q", "--bare", served.to_str().unwrap()],
    );
    git(&b, &["remote", "add", "origin", served.to_str().unwrap()]);
    git(&b, &["push", "-q", "origin", "main"]);
    // Emil, the CFO, clones with plain git and commits while the sign-off goes on.
    let emil = b.s.home.path().join("emil");
    git_in(
        &b.s,
        b.s.home.path(),
        &[
            "clone",
            "-q",
            "-b",
            "main",
            served.to_str().unwrap(),
            emil.to_str().unwrap(),
        ],
    );
    fs::write(
        emil.join("documents/notes.md"),
        "---\nid: notes\ntitle: Notes\nversion: \"0.1\"\nowner: cfo\n---\n\nBudget notes.\n",
    )
    .expect("writable");
    git_in(&b.s, &emil, &["add", "-A"]);
    git_in(
        &b.s,
        &emil,
        &[
            "-c",
            "user.name=Emil Dahl",
            "-c",
            "user.email=emil.dahl@kestrelcart.example",
            "commit",
            "-q",
            "--no-gpg-sign",
            "-m",
            "Budget notes",
        ],
    );
    let id = signed_off(&b);
    git(&b, &["push", "-q", "origin", "main"]);
    // His pull makes a merge whose first parent is his own work: the sign-off's merge
    // is on the second parent's side.
    git_in(
        &b.s,
        &emil,
        &[
            "-c",
            "user.name=Emil Dahl",
            "-c",
            "user.email=emil.dahl@kestrelcart.example",
            "pull",
            "-q",
            "--no-rebase",
            "--no-gpg-sign",
            "origin",
            "main",
        ],
    );
    let (code, out, err) = {
        let mut c = b.s.command(support::isms_bin());
        c.arg("--repo").arg(&emil).args([
            "--format",
            "json",
            "verify",
            "--root-key",
            &support::fingerprint(&b.s.key),
        ]);
        let o = c.output().expect("isms runs");
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["requests"][0]["id"], id.as_str());
    assert_eq!(v["requests"][0]["state"], "complete");
}

#[test]
fn nothing_is_called_ok_before_anything_was_verified() {
    let b = Board::new();
    let (code, out, _) = b.s.isms(&["verify"]);
    assert_eq!(code, 0);
    assert!(out.contains("No sign-off has reached main yet"), "{out}");
    assert!(!out.contains("OK:"), "{out}");
    let id = b.start(&["risk-assessment"]);
    let (_, out, _) = b.s.isms(&["verify"]);
    assert!(
        !out.contains("OK:"),
        "an open request is not something verified on main: {out}"
    );
    assert!(
        out.contains(&format!("  {id} (risk-assessment): open")),
        "{out}"
    );
}

// --- 1. a landed request stays protected ------------------------------------------

#[test]
fn a_fast_forwarded_sign_off_cannot_be_edited_afterwards() {
    let b = Board::new();
    land(&b, Route::FastForward);
    accepts(&b, &[]);
    b.s.copy
        .edit(RA, "## 9. Sign-off", "## 9. Sign-off (edited)");
    git(
        &b,
        &[
            "commit",
            "-q",
            "--no-gpg-sign",
            "-am",
            "Touch up the report",
        ],
    );
    let edit = git(&b, &["rev-parse", "HEAD"]);
    let p = rejects(
        &b,
        &[],
        "changed_after_signoff",
        &format!("(by commit {})", short(&edit)),
    );
    assert_eq!(p["commit"], edit.as_str());
    assert!(
        p["remedy"].as_str().unwrap().contains("git revert"),
        "{p:#}"
    );
}

#[test]
fn a_signed_report_cannot_be_deleted() {
    let b = Board::new();
    signed_off(&b);
    git(&b, &["rm", "-q", RA]);
    git(&b, &["commit", "-q", "--no-gpg-sign", "-m", "Tidy up"]);
    rejects(
        &b,
        &[],
        "deleted_after_signoff",
        "was deleted after it was signed off",
    );
}

// --- 2. the path follows from the kind ----------------------------------------------

#[test]
fn a_kind_cannot_sign_another_kinds_document() {
    let b = Board::new();
    let content = rendered(&b, "risk-assessment");
    let id = "soa-2026-11-30";
    forged_first_step(&b, id, "soa", RA, "100644", &content, "");
    // The CEO is asked to sign a "SoA": ISMS Desk refuses, naming the mismatch.
    let (code, _, err) = b.sign(&b.maja.clone(), id, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a soa sign-off signs reports/soa.md"), "{err}");
    // Signed with plain git anyway, and merged: verification refuses it.
    let blob = git(&b, &["rev-parse", &format!("signoff/{id}:{RA}")]);
    let source = git(&b, &["rev-parse", "main"]);
    git(
        &b,
        &[
            "-c",
            &format!("user.signingkey={}", b.maja.display()),
            "merge",
            "-q",
            "--no-ff",
            "-S",
            "-m",
            &format!(
                "Merge\n\n{}",
                trailers(id, "soa", 2, "ceo", RA, &blob, &source)
            ),
            &format!("signoff/{id}"),
        ],
    );
    rejects(
        &b,
        &[],
        "path_not_of_kind",
        "a soa sign-off signs reports/soa.md",
    );
    // verify names each request's kind; the report is never presented as signed.
    let (_, out, _) = b.s.isms(&["verify"]);
    assert!(out.contains(&format!("{id} (soa, {RA})")), "{out}");
    let (code, _, err) =
        b.s.isms(&["report", "risk-assessment", "--signoff", "latest"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_risk_acceptance_cannot_name_a_document_outside_its_folder() {
    let b = Board::new();
    let id = "risk-acceptance-x-2026-11-30";
    forged_first_step(
        &b,
        id,
        "risk-acceptance",
        "reports/soa.md",
        "100644",
        "# Statement\n",
        "Isms-Signoff-Subject: ../soa\n",
    );
    rejects(
        &b,
        &[id],
        "path_not_of_kind",
        "`../soa` is not the id of a risk",
    );
}

// --- 3. a signed document is a regular file -----------------------------------------

#[test]
fn a_signed_report_cannot_be_a_symbolic_link() {
    let b = Board::new();
    let id = "risk-assessment-2026-11-30";
    forged_first_step(
        &b,
        id,
        "risk-assessment",
        RA,
        "120000",
        "../drafts/ra.md",
        "",
    );
    hand_step(&b, id, Some(&b.jonas.clone()), 2, "head-of-product", "");
    git_signed_merge(&b, id, &b.maja.clone(), 3, "ceo");
    rejects(
        &b,
        &[],
        "not_a_regular_file",
        "is a symbolic link, not a regular file",
    );
}

#[test]
fn a_signed_report_cannot_become_a_link_afterwards() {
    let b = Board::new();
    signed_off(&b);
    fs::create_dir_all(b.s.copy.file("drafts")).unwrap();
    fs::copy(b.s.copy.file(RA), b.s.copy.file("drafts/ra.md")).unwrap();
    fs::remove_file(b.s.copy.file(RA)).unwrap();
    std::os::unix::fs::symlink("../drafts/ra.md", b.s.copy.file(RA)).unwrap();
    git(&b, &["add", "-A"]);
    git(
        &b,
        &[
            "commit",
            "-q",
            "--no-gpg-sign",
            "-m",
            "Keep the report with the drafts",
        ],
    );
    rejects(
        &b,
        &[],
        "changed_after_signoff",
        "it is now a symbolic link",
    );
}

// --- 4. an approval cannot be replayed ------------------------------------------------

#[test]
fn an_old_approval_merged_again_cannot_roll_the_report_back() {
    let b = Board::new();
    let old = signed_off(&b);
    let old_tip = git(&b, &["rev-parse", &format!("signoff/{old}")]);
    let old_blob = git(&b, &["rev-parse", &format!("{old_tip}:{RA}")]);
    rescore(&b, "4");
    signed_off(&b);
    accepts(&b, &[]);
    // An unsigned merge of the old request's tip, with the old report.
    let tree = tree_with(&b, "main", &[("100644", Some(&old_blob), RA)]);
    let main = git(&b, &["rev-parse", "main"]);
    let replay = commit_tree(
        &b,
        &tree,
        &[&main, &old_tip],
        &format!("Merge signoff/{old}"),
        None,
    );
    set_main(&b, &replay);
    rejects(
        &b,
        &[],
        "landed_twice",
        &format!("brings sign-off request {old} in again"),
    );
    rejects(
        &b,
        &[],
        "source_not_newer",
        &format!(
            "rolled back (by commit {}) to the version signed in {old}",
            short(&replay)
        ),
    );
    let (_, v) = b.verify(&[]);
    let listed = v["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"] == old.as_str())
        .count();
    assert_eq!(listed, 1, "a request is listed once");
}

#[test]
fn an_older_approval_landed_after_a_newer_one_rolls_nothing_back() {
    let b = Board::new();
    // An approved request that was never merged, its branch deleted but its tip kept.
    let old = approved(&b);
    let old_tip = git(&b, &["rev-parse", &format!("signoff/{old}")]);
    git(&b, &["branch", "-q", "-D", &format!("signoff/{old}")]);
    rescore(&b, "4");
    signed_off(&b);
    accepts(&b, &[]);
    // Later someone merges the old approval "as the forge would", keeping its report.
    git(
        &b,
        &[
            "merge",
            "-q",
            "--no-ff",
            "--no-gpg-sign",
            "-X",
            "theirs",
            "-m",
            "Merge pull request #2",
            &old_tip,
        ],
    );
    rejects(
        &b,
        &[],
        "source_not_newer",
        &format!("to the version signed in {old}"),
    );
}

// --- 5. nothing on top of the steps hides the request ----------------------------------

#[test]
fn a_commit_pushed_on_top_of_the_approved_steps_is_seen() {
    let b = Board::new();
    let id = approved(&b);
    git(&b, &["checkout", "-q", &format!("signoff/{id}")]);
    b.s.copy.edit(
        RA,
        "Risk Assessment Report",
        "Risk Assessment Report (final)",
    );
    git(&b, &["commit", "-q", "-S", "-am", "Fix typo"]);
    let typo = git(&b, &["rev-parse", "HEAD"]);
    git(&b, &["checkout", "-q", "main"]);
    forge_merge(&b, &id, "Merge pull request #3");
    rejects(
        &b,
        &[],
        "changed_after_signoff",
        &format!("(by commit {}, merged by", short(&typo)),
    );
}

#[test]
fn forged_unsigned_steps_under_an_ordinary_commit_are_seen() {
    let b = Board::new();
    let id = "risk-assessment-2026-11-30";
    let content = rendered(&b, "risk-assessment");
    let source = git(&b, &["rev-parse", "main"]);
    let blob = blob(&b, &content);
    let tree = tree_with(&b, "main", &[("100644", Some(&blob), RA)]);
    let s1 = commit_tree(
        &b,
        &tree,
        &[&source],
        &format!(
            "Step 1\n\n{}",
            trailers(id, "risk-assessment", 1, "ism", RA, &blob, &source)
        ),
        None,
    );
    let s2 = commit_tree(
        &b,
        &tree,
        &[&s1],
        &format!(
            "Step 2\n\n{}",
            trailers(
                id,
                "risk-assessment",
                2,
                "head-of-product",
                RA,
                &blob,
                &source
            )
        ),
        None,
    );
    let s3 = commit_tree(
        &b,
        &tree,
        &[&s2],
        &format!(
            "Step 3\n\n{}Isms-Signoff-Approval: signed approval\n",
            trailers(id, "risk-assessment", 3, "ceo", RA, &blob, &source)
        ),
        None,
    );
    let typo = commit_tree(&b, &tree, &[&s3], "Fix typo", None);
    let main = git(&b, &["rev-parse", "main"]);
    let merge = commit_tree(&b, &tree, &[&main, &typo], "Merge pull request #4", None);
    set_main(&b, &merge);
    let p = rejects(
        &b,
        &[],
        "not_signed",
        "step 1 (Information Security Manager): commit",
    );
    assert_eq!(p["commit"], s1.as_str());
}

#[test]
fn a_forged_step_of_a_landed_request_is_seen() {
    let b = Board::new();
    let id = signed_off(&b);
    let blob = git(&b, &["rev-parse", &format!("main:{RA}")]);
    let main = git(&b, &["rev-parse", "main"]);
    let tree = git(&b, &["rev-parse", "main^{tree}"]);
    let forged = commit_tree(
        &b,
        &tree,
        &[&main],
        &format!(
            "Another approval\n\n{}",
            trailers(&id, "risk-assessment", 3, "ceo", RA, &blob, &main)
        ),
        None,
    );
    let merge = commit_tree(&b, &tree, &[&main, &forged], "Merge", None);
    set_main(&b, &merge);
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 1, "{v:#}");
    assert!(
        problems(&v)
            .iter()
            .any(|(_, _, p)| p["commit"] == forged.as_str()),
        "the forged commit is named: {:#?}",
        problems(&v)
    );
}

#[test]
fn a_squash_merge_is_recognised() {
    let b = Board::new();
    let id = approved(&b);
    let log = git(
        &b,
        &["log", "--format=* %B", &format!("main..signoff/{id}")],
    );
    git(&b, &["merge", "-q", "--squash", &format!("signoff/{id}")]);
    let file = b.s.home.path().join("squash.txt");
    fs::write(&file, format!("Sign-off (#5)\n\n{log}")).unwrap();
    git(
        &b,
        &[
            "commit",
            "-q",
            "--no-gpg-sign",
            "-F",
            file.to_str().unwrap(),
        ],
    );
    rejects(
        &b,
        &[],
        "squash_merge",
        "the steps were squashed into one commit",
    );
}

#[test]
fn a_rebase_merge_is_recognised() {
    let b = Board::new();
    let id = approved(&b);
    git(
        &b,
        &[
            "cherry-pick",
            "--no-gpg-sign",
            "--allow-empty",
            "--keep-redundant-commits",
            &format!("main..signoff/{id}"),
        ],
    );
    rejects(&b, &[], "rebase_merge", "rebase and merge");
}

#[test]
fn one_merge_cannot_land_two_requests() {
    let b = Board::new();
    let mut ids = Vec::new();
    for kind in ["soa", "treatment-plan"] {
        let id = b.start(&[kind]);
        let (code, out, err) = b.sign(&b.maja.clone(), &id, &["--approve"]);
        assert_eq!(code, 0, "{out}{err}");
        ids.push(format!("signoff/{id}"));
    }
    b.as_ingrid();
    git(
        &b,
        &[
            "merge",
            "-q",
            "--no-ff",
            "--no-gpg-sign",
            "-m",
            "Merge both",
            &ids[0],
            &ids[1],
        ],
    );
    rejects(
        &b,
        &[],
        "several_requests",
        "lands 2 sign-off requests at once",
    );
}

// --- 6. trust on first use --------------------------------------------------------------

#[test]
fn a_second_history_with_its_own_keys_cannot_become_the_root() {
    let b = Board::new();
    let mallory = keygen(b.s.home.path(), "mallory", "");
    // A forged history from nothing: the same files, but Mallory's key for everyone.
    git(&b, &["checkout", "-q", "--orphan", "forged"]);
    let yaml = b.s.copy.read("isms.yaml");
    let mut forged = yaml.clone();
    for email in ["maja.thorsen", "jonas.lykke", "ingrid.solberg"] {
        let at = forged
            .find(&format!("email: {email}@"))
            .expect("the person is there");
        let keys =
            forged[at..].find("signing_keys: [\"").expect("a key") + at + "signing_keys: [\"".len();
        let end = forged[keys..].find('"').expect("closing quote") + keys;
        forged.replace_range(keys..end, &public_key(&mallory));
    }
    b.s.copy.write("isms.yaml", &forged);
    b.s.copy.write(".isms/allowed_signers", "");
    git(&b, &["add", "-A"]);
    git(
        &b,
        &[
            "-c",
            &format!("user.signingkey={}", mallory.display()),
            "commit",
            "-q",
            "-S",
            "-m",
            "Kestrel Cart ISMS",
        ],
    );
    let forged_tip = git(&b, &["rev-parse", "HEAD"]);
    git(&b, &["checkout", "-q", "-f", "main"]);
    let main = git(&b, &["rev-parse", "main"]);
    let tree = git(&b, &["rev-parse", "forged^{tree}"]);
    // A merge whose first parent is the forged history: main fast-forwards to it.
    let merge = commit_tree(
        &b,
        &tree,
        &[&forged_tip, &main],
        "Merge branch 'main'",
        Some(&mallory),
    );
    set_main(&b, &merge);
    git(&b, &["config", "--unset", "isms.rootKey"]);
    rejects(
        &b,
        &[],
        "unrelated_histories",
        "the history has two origins of isms.yaml",
    );
    // Pinned, as CI runs it, the forged root is refused outright too.
    let pin = support::fingerprint(&b.s.key);
    rejects(
        &b,
        &["--root-key", &pin],
        "pinned_root_mismatch",
        "is not signed by the pinned key",
    );
}

#[test]
fn verify_warns_loudly_when_the_root_is_not_pinned() {
    let b = Board::new();
    git(&b, &["config", "--unset", "isms.rootKey"]);
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0);
    assert_eq!(v["root"], "trusted_on_first_use");
    assert!(warnings(&v)
        .iter()
        .any(|(c, m)| c == "root_not_pinned" && m.starts_with("NOT PINNED")));
    let (_, out, _) = b.s.isms(&["verify"]);
    assert!(
        out.lines()
            .nth(1)
            .unwrap_or_default()
            .starts_with("WARNING: NOT PINNED"),
        "{out}"
    );
    assert!(
        out.contains(&format!("--root-key {}", support::fingerprint(&b.s.key))),
        "{out}"
    );
    // Pinned through the environment, as a CI variable.
    let (code, out, _) = b.s.isms_with(
        &["--format", "json", "verify"],
        &[("ISMS_ROOT_KEY", &support::fingerprint(&b.s.key))],
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["root"], "pinned");
    assert!(warnings(&v).iter().all(|(c, _)| c != "root_not_pinned"));
}

// --- 7. allowed_signers -------------------------------------------------------------------

#[test]
fn an_outsiders_key_in_allowed_signers_is_an_error_and_auditors_get_the_approved_file() {
    let b = Board::new();
    let mallory = keygen(b.s.home.path(), "mallory", "");
    // Mallory lists her key as the CEO's in plain git's file, and signs a "report".
    let signers = b.s.copy.read(".isms/allowed_signers");
    b.s.copy.write(
        ".isms/allowed_signers",
        &format!(
            "{signers}maja.thorsen@kestrelcart.example namespaces=\"git,isms-report\" {}\n",
            public_key(&mallory)
        ),
    );
    git(&b, &["commit", "-q", "--no-gpg-sign", "-am", "Update keys"]);
    let report = b.s.home.path().join("report.pdf");
    fs::write(&report, "a report").unwrap();
    let out =
        b.s.command("ssh-keygen")
            .args(["-q", "-Y", "sign", "-n", "isms-report", "-f"])
            .arg(&mallory)
            .arg(&report)
            .output()
            .unwrap();
    assert!(out.status.success());
    // Plain ssh-keygen with the tree's file is fooled…
    let (code, _) = b.ssh_keygen_verify(&report, "maja.thorsen@kestrelcart.example", "isms-report");
    assert_eq!(code, 0, "the edited file vouches for Mallory");
    // …isms verify is not, and gives the file to check against instead.
    rejects(
        &b,
        &[],
        "allowed_signers_unapproved",
        "lists 1 line(s) the approved configuration does not authorise",
    );
    let approved = b.s.home.path().join("allowed_signers");
    b.s.isms(&[
        "verify",
        "--write-allowed-signers",
        approved.to_str().unwrap(),
    ]);
    let out =
        b.s.command("ssh-keygen")
            .args(["-Y", "verify", "-f"])
            .arg(&approved)
            .args([
                "-I",
                "maja.thorsen@kestrelcart.example",
                "-n",
                "isms-report",
                "-s",
            ])
            .arg(report.with_extension("pdf.sig"))
            .stdin(fs::File::open(&report).unwrap())
            .output()
            .unwrap();
    assert!(
        !out.status.success(),
        "the approved file refuses Mallory's signature"
    );
}

// --- 8. look-alike people -------------------------------------------------------------------

#[test]
fn people_who_could_pass_for_one_another_are_named() {
    const MAJA_LOOKALIKE: &str = "  - name: M\u{430}ja Thorsen\n    email: m\u{430}ja.thorsen@kestrelcart.example\n    roles: [cfo]\n";
    let b = Board::with(|s| {
        // Emil is given Maja's key as well.
        let maja_key = {
            let yaml = s.copy.read("isms.yaml");
            let at = yaml.find("email: maja.thorsen@").unwrap();
            let start = yaml[at..].find("signing_keys: [\"").unwrap() + at + 16;
            let end = yaml[start..].find('"').unwrap() + start;
            yaml[start..end].to_string()
        };
        s.copy.edit(
            "isms.yaml",
            "    roles: [cfo]",
            &format!("    roles: [cfo]\n    signing_keys: [\"{maja_key}\"]"),
        );
    });
    let (code, out, _) = b.s.isms(&["check"]);
    assert_eq!(code, 1, "a shared key is an error: {out}");
    assert!(
        out.contains("[shared-signing-key]")
            && out.contains("Maja Thorsen and Emil Dahl list the same signing key"),
        "{out}"
    );
    // A step signed with the shared key names nobody.
    let id = b.start(&["soa"]);
    let (code, _, err) = b.sign(&b.maja.clone(), &id, &[]);
    assert_eq!(code, 2, "{err}");
    // Signed with plain git anyway: verification says the key names nobody.
    let branch = format!("signoff/{id}");
    let tip = git(&b, &["rev-parse", &branch]);
    let doc = git(&b, &["rev-parse", &format!("{branch}:reports/soa.md")]);
    let source = git(&b, &["rev-parse", "main"]);
    let tree = git(&b, &["rev-parse", &format!("{tip}^{{tree}}")]);
    let approval = commit_tree(
        &b,
        &tree,
        &[&tip],
        &format!(
            "Approve\n\n{}Isms-Signoff-Approval: signed approval\n",
            trailers(&id, "soa", 2, "ceo", "reports/soa.md", &doc, &source)
        ),
        Some(&b.maja.clone()),
    );
    git(
        &b,
        &["update-ref", &format!("refs/heads/{branch}"), &approval],
    );
    rejects(
        &b,
        &[&id],
        "shared_key",
        "which the approved configuration lists for Maja Thorsen and Emil Dahl",
    );

    // A look-alike of the CEO put forward in a governance change is flagged in the
    // document the CEO signs.
    let b = Board::new();
    let yaml = b.s.copy.read("isms.yaml");
    b.s.copy.write(
        "isms.yaml",
        &yaml.replace(
            "  - name: Emil Dahl\n",
            &format!("{MAJA_LOOKALIKE}  - name: Emil Dahl\n"),
        ),
    );
    b.as_ingrid();
    b.s.ok(&["commit", "-m", "A new colleague"]);
    let (_, out, _) = b.s.isms(&["check"]);
    assert!(out.contains("[people-look-alike]"), "{out}");
    let gov = b.start(&["governance"]);
    let doc = git(
        &b,
        &["show", &format!("signoff/{gov}:reports/governance.md")],
    );
    assert!(
        doc.contains("Check before signing: people who could be mistaken for one another"),
        "{doc}"
    );
    assert!(
        doc.contains("have the same name, or names that look the same"),
        "{doc}"
    );
    assert!(doc.contains("which is not plain ASCII"), "{doc}");
}

// --- 9. backdated steps -------------------------------------------------------------------------

#[test]
fn a_backdated_step_is_shown_with_both_dates() {
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    let blob = git(&b, &["rev-parse", &format!("signoff/{id}:{RA}")]);
    git_cosign(
        &b,
        &id,
        &blob,
        &[("GIT_COMMITTER_DATE", "@1700000000 +0100")],
    );
    let (code, v) = b.verify(&[&id]);
    assert_eq!(code, 0, "a backdate is a warning: {v:#}");
    let found = warnings(&v)
        .into_iter()
        .find(|(c, _)| c == "backdated")
        .expect("a backdated warning");
    assert!(
        found.1.contains("2023-11-14T23:13:20+01:00")
            && found
                .1
                .contains("before step 1 (Information Security Manager) (2026-"),
        "{found:?}"
    );
}

// --- 10. the content is what its source renders ----------------------------------------------

#[test]
fn a_report_edited_by_hand_before_it_was_signed_is_named_line_by_line() {
    let b = Board::new();
    let content = rendered(&b, "risk-assessment");
    // The executive summary's count of Unacceptable risks, made to read 0.
    let row = "| Unacceptable | Score ≥ 15: treatment required | 1 |";
    let line = content.lines().position(|l| l == row).expect("the row") + 1;
    let edited = content.replacen(
        row,
        "| Unacceptable | Score ≥ 15: treatment required | 0 |",
        1,
    );
    assert_ne!(edited, content);
    let id = "risk-assessment-2026-11-30";
    forged_first_step(&b, id, "risk-assessment", RA, "100644", &edited, "");
    let (code, out, err) = b.sign(&b.jonas.clone(), id, &[]);
    assert_eq!(
        code, 0,
        "a hand edit does not stop a signer, it warns them: {out}{err}"
    );
    let (code, out, err) = b.sign(&b.maja.clone(), id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let v = accepts(&b, &[]);
    let found = warnings(&v)
        .into_iter()
        .find(|(c, _)| c == "hand_edited")
        .expect("a hand_edited warning");
    assert!(
        found.1.contains(&format!("line {line}: «| Unacceptable | Score ≥ 15: treatment required | 0 |» where a fresh render has «{row}»")),
        "{found:?}"
    );
    assert!(
        found.1.contains("edited by hand before it was signed"),
        "{found:?}"
    );
    rejects(
        &b,
        &["--strict"],
        "hand_edited",
        "edited by hand before it was signed",
    );
}

#[test]
fn a_methodology_document_that_hides_a_band_change_is_named() {
    // The ISM puts a 4 × 4 methodology up for sign-off, and deletes from the
    // document the risk whose band it raises: the signers would not see it.
    let b = Board::new();
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/methodologies/4x4.yaml");
    b.s.ok(&["methodology", "--set", file.to_str().expect("UTF-8")]);
    b.s.ok(&["commit", "-m", "Methodology 2.0"]);
    let honest = b.start(&["methodology"]);
    let content = git(
        &b,
        &["show", &format!("signoff/{honest}:reports/methodology.md")],
    ) + "\n";
    git(&b, &["branch", "-D", &format!("signoff/{honest}")]);
    let hidden = content
        .lines()
        .find(|l| l.starts_with("| R-002 ") && l.contains('◆'))
        .expect("R-002 changes band only because of the methodology")
        .to_string();
    let edited = content.replacen(&format!("{hidden}\n"), "", 1);
    assert_ne!(edited, content);
    let id = "methodology-2026-11-30";
    forged_first_step(
        &b,
        id,
        "methodology",
        "reports/methodology.md",
        "100644",
        &edited,
        "",
    );
    let (code, out, err) = b.sign(&b.maja.clone(), id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let v = accepts(&b, &[]);
    let found = warnings(&v)
        .into_iter()
        .find(|(c, _)| c == "hand_edited")
        .expect("a hand_edited warning");
    assert!(
        found.1.contains("R-002"),
        "the missing line is quoted: {found:?}"
    );
    rejects(
        &b,
        &["--strict"],
        "hand_edited",
        "edited by hand before it was signed",
    );
}

// --- 11. junk branches do not turn main red --------------------------------------------------

#[test]
fn a_junk_sign_off_branch_does_not_turn_main_red_unless_asked_for() {
    let b = Board::new();
    let main = git(&b, &["rev-parse", "main"]);
    let tree = git(&b, &["rev-parse", "main^{tree}"]);
    let junk = commit_tree(
        &b,
        &tree,
        &[&main],
        "junk\n\nIsms-Signoff: junk\nIsms-Signoff-Step: 1 ism\n",
        None,
    );
    git(&b, &["update-ref", "refs/heads/signoff/junk", &junk]);
    git(
        &b,
        &["update-ref", "refs/remotes/origin/signoff/junk2", &junk],
    );
    let (code, out, _) = b.s.isms(&["verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("junk (unknown kind): does not verify"),
        "{out}"
    );
    rejects(&b, &["--requests"], "no_first_step", "junk");
    rejects(&b, &["junk"], "no_first_step", "junk");
}

// --- messages a signer can act on ---------------------------------------------------------------

#[test]
fn an_unapproved_key_on_the_merge_gets_the_same_precise_message_as_on_a_step() {
    let b = Board::new();
    let mallory = keygen(b.s.home.path(), "mallory", "");
    let yaml = b.s.copy.read("isms.yaml").replace(
        "  - name: Emil Dahl",
        &format!("  - name: Mallory Finch\n    email: mallory.finch@kestrelcart.example\n    roles: [ceo]\n    signing_keys: [\"{}\"]\n  - name: Emil Dahl", public_key(&mallory)),
    );
    b.s.copy.write("isms.yaml", &yaml);
    b.as_ingrid();
    b.s.ok(&["commit", "-m", "Mallory joins"]);
    let added_by = git(&b, &["rev-parse", "HEAD"]);
    let id = approved_steps(&b);
    git_signed_merge(&b, &id, &mallory, 3, "ceo");
    rejects(
        &b,
        &[],
        "unapproved_key",
        &format!(
            "added to isms.yaml by commit {}, which never completed the governance sign-off",
            short(&added_by)
        ),
    );
}

#[test]
fn a_merge_signed_by_the_wrong_person_gets_no_advice_about_forges() {
    let b = Board::new();
    let id = approved_steps(&b);
    git_signed_merge(&b, &id, &b.s.key.clone(), 3, "ceo");
    let p = rejects(
        &b,
        &[],
        "wrong_signer",
        "is signed by Ingrid Solberg <ingrid.solberg@kestrelcart.example>",
    );
    assert!(
        !p["remedy"].as_str().unwrap().contains("--approve"),
        "{p:#}"
    );
    assert!(
        p["remedy"].as_str().unwrap().contains("Maja Thorsen"),
        "{p:#}"
    );
}

#[test]
fn a_merge_made_by_a_forge_without_an_approval_says_what_to_do() {
    let b = Board::new();
    let id = approved_steps(&b);
    forge_merge(&b, &id, "Merge pull request #6");
    let p = rejects(&b, &[], "not_signed", "the merge");
    assert!(
        p["remedy"]
            .as_str()
            .unwrap()
            .contains(&format!("isms signoff sign {id} --approve")),
        "{p:#}"
    );
}

#[test]
fn a_merge_that_changes_more_than_the_report_is_refused() {
    let b = Board::new();
    let id = approved_steps(&b);
    git(
        &b,
        &[
            "merge",
            "-q",
            "--no-ff",
            "--no-commit",
            &format!("signoff/{id}"),
        ],
    );
    b.s.copy
        .edit("risks/R-004.md", "likelihood: ", "likelihood: 1\nx-was: ");
    git(&b, &["add", "-A"]);
    let blob = git(&b, &["rev-parse", &format!("signoff/{id}:{RA}")]);
    let source = git(&b, &["rev-parse", "main"]);
    let file = b.s.home.path().join("m.txt");
    fs::write(
        &file,
        format!(
            "Merge\n\n{}",
            trailers(&id, "risk-assessment", 3, "ceo", RA, &blob, &source)
        ),
    )
    .unwrap();
    git(
        &b,
        &[
            "-c",
            &format!("user.signingkey={}", b.maja.display()),
            "commit",
            "-q",
            "-S",
            "-F",
            file.to_str().unwrap(),
        ],
    );
    rejects(
        &b,
        &[],
        "merge_changes_more",
        "changes more than the document: risks/R-004.md",
    );
}

#[test]
fn a_first_step_that_changes_more_than_its_document_is_refused() {
    let b = Board::new();
    let id = "risk-assessment-2026-11-30";
    let content = rendered(&b, "risk-assessment");
    let source = git(&b, &["rev-parse", "main"]);
    let doc = blob(&b, &content);
    let risk = blob(
        &b,
        &b.s.copy
            .read("risks/R-004.md")
            .replace("likelihood: ", "x-note: quiet\nlikelihood: "),
    );
    let tree = tree_with(
        &b,
        "main",
        &[
            ("100644", Some(&doc), RA),
            ("100644", Some(&risk), "risks/R-004.md"),
        ],
    );
    let first = commit_tree(
        &b,
        &tree,
        &[&source],
        &format!(
            "Step 1\n\n{}",
            trailers(id, "risk-assessment", 1, "ism", RA, &doc, &source)
        ),
        Some(&b.s.key.clone()),
    );
    git(
        &b,
        &["update-ref", &format!("refs/heads/signoff/{id}"), &first],
    );
    rejects(
        &b,
        &[id],
        "step_changes_files",
        "changes more than the document: risks/R-004.md",
    );
}

#[test]
fn a_step_that_approves_other_content_is_refused() {
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    let other = blob(&b, "something else\n");
    git_cosign(&b, &id, &other, &[]);
    rejects(
        &b,
        &[&id],
        "content_mismatch",
        "approves other document content",
    );
}

#[test]
fn a_step_that_claims_another_role_is_refused() {
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    let blob = git(&b, &["rev-parse", &format!("signoff/{id}:{RA}")]);
    let source = git(&b, &["rev-parse", "main"]);
    let tip = git(&b, &["rev-parse", &format!("signoff/{id}")]);
    let tree = git(&b, &["rev-parse", &format!("{tip}^{{tree}}")]);
    let c = commit_tree(
        &b,
        &tree,
        &[&tip],
        &format!(
            "Co-sign\n\n{}",
            trailers(&id, "risk-assessment", 2, "ceo", RA, &blob, &source)
        ),
        Some(&b.jonas.clone()),
    );
    git(&b, &["update-ref", &format!("refs/heads/signoff/{id}"), &c]);
    rejects(
        &b,
        &[&id],
        "step_mismatch",
        "claims the step is for ceo; the approved chain says head-of-product",
    );
}

#[test]
fn a_merge_before_the_head_of_product_signed_is_refused() {
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    git_signed_merge(&b, &id, &b.maja.clone(), 3, "ceo");
    rejects(
        &b,
        &[],
        "merged_early",
        "before step 2 (Head of Product) was signed",
    );
}

#[test]
fn a_document_not_committed_on_its_source_is_refused() {
    let b = Board::new();
    rescore(&b, "4");
    let id = "risk-assessment-2026-11-30";
    let older = git(&b, &["rev-parse", "main~1"]);
    forged_first_step(
        &b,
        id,
        "risk-assessment",
        RA,
        "100644",
        &rendered(&b, "risk-assessment"),
        "",
    );
    // Its trailer says it was rendered from an older commit than its parent.
    let tip = git(&b, &["rev-parse", &format!("signoff/{id}")]);
    let message = git(&b, &["log", "-1", "--format=%B", &tip]);
    let source = git(&b, &["rev-parse", "main"]);
    let tree = git(&b, &["rev-parse", &format!("{tip}^{{tree}}")]);
    let c = commit_tree(
        &b,
        &tree,
        &[&source],
        &message.replace(
            &format!("Isms-Signoff-Source: {source}"),
            &format!("Isms-Signoff-Source: {older}"),
        ),
        Some(&b.s.key.clone()),
    );
    git(&b, &["update-ref", &format!("refs/heads/signoff/{id}"), &c]);
    rejects(
        &b,
        &[id],
        "not_on_source",
        &format!("was not committed on its source commit {}", short(&older)),
    );
}

#[test]
fn a_governance_document_that_misstates_isms_yaml_is_refused() {
    let b = Board::new();
    let mallory = keygen(b.s.home.path(), "mallory", "");
    let yaml = b.s.copy.read("isms.yaml").replace(
        "  - name: Emil Dahl",
        &format!("  - name: Mallory Finch\n    email: mallory.finch@kestrelcart.example\n    roles: [ceo]\n    signing_keys: [\"{}\"]\n  - name: Emil Dahl", public_key(&mallory)),
    );
    b.s.copy.write("isms.yaml", &yaml);
    b.as_ingrid();
    b.s.ok(&["commit", "-m", "Mallory joins"]);
    let id = b.start(&["governance"]);
    let true_doc = git(
        &b,
        &["show", &format!("signoff/{id}:reports/governance.md")],
    );
    // The document the CEO is shown leaves Mallory's arrival out.
    let lie = true_doc.replace("Mallory Finch", "Maja Thorsen");
    git(&b, &["branch", "-q", "-D", &format!("signoff/{id}")]);
    let forged = "governance-2026-11-30";
    forged_first_step(
        &b,
        forged,
        "governance",
        "reports/governance.md",
        "100644",
        &lie,
        "",
    );
    rejects(
        &b,
        &[forged],
        "governance_mismatch",
        "the governance document does not state isms.yaml of its source commit",
    );
}

#[test]
fn a_signature_moved_onto_another_commit_is_bad() {
    let b = Board::new();
    let id = b.start(&["risk-assessment"]);
    let (code, _, _) = b.sign(&b.jonas.clone(), &id, &[]);
    assert_eq!(code, 0);
    let tip = git(&b, &["rev-parse", &format!("signoff/{id}")]);
    let raw = b.s.git(&["cat-file", "commit", &tip]);
    let moved = raw.replacen("co-signs", "approves everything in", 1);
    assert_ne!(raw, moved);
    let file = b.s.home.path().join("object");
    fs::write(&file, moved).unwrap();
    let forged = git(
        &b,
        &["hash-object", "-t", "commit", "-w", file.to_str().unwrap()],
    );
    git(
        &b,
        &["update-ref", &format!("refs/heads/signoff/{id}"), &forged],
    );
    rejects(
        &b,
        &[&id],
        "bad_signature",
        "the signature does not match the commit",
    );
}

// --- risk acceptances recorded in the risk ------------------------------------------------------

#[test]
fn a_completed_acceptance_is_recorded_in_the_risk_and_a_forged_record_is_an_error() {
    let b = Board::new();
    let id = b.start(&["risk-acceptance", "R-013"]);
    let (code, out, err) = b.sign(&b.maja.clone(), &id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    b.as_ingrid();
    let risk = b.s.copy.read("risks/R-013.md");
    assert!(
        risk.contains("  memo: signed\n  accepted_by: ceo\n"),
        "{risk}"
    );
    assert!(
        risk.contains(&format!(
            "  signoff: {id}\n  as_scored: {{likelihood: 2, impact: 4}}\n"
        )),
        "{risk}"
    );
    assert!(risk.contains("## Description"), "the body is kept: {risk}");
    assert_eq!(
        git(&b, &["show", "HEAD:risks/R-013.md"]),
        risk.trim_end(),
        "in the CEO's merge"
    );
    accepts(&b, &[]);
    let (_, out, _) = b.s.isms(&["check"]);
    assert!(!out.contains("acceptance-pending"), "{out}");
    // Someone makes the record say another role accepted it.
    b.s.copy.edit(
        "risks/R-013.md",
        "  accepted_by: ceo\n",
        "  accepted_by: head-of-product\n",
    );
    git(
        &b,
        &[
            "commit",
            "-q",
            "--no-gpg-sign",
            "-am",
            "Correct the acceptance",
        ],
    );
    rejects(
        &b,
        &[],
        "acceptance_mismatch",
        "accepted_by is head-of-product where the sign-off's last step is ceo",
    );
    git(&b, &["revert", "--no-edit", "--no-gpg-sign", "HEAD"]);
    // …or claims the acceptance for another risk.
    b.s.copy.edit(
        "risks/R-005.md",
        "treatment: ",
        "acceptance:\n  memo: signed\n  accepted_by: ceo\n  signoff: REPLACE\ntreatment: ",
    );
    let text = b.s.copy.read("risks/R-005.md").replace("REPLACE", &id);
    b.s.copy.write("risks/R-005.md", &text);
    git(
        &b,
        &[
            "commit",
            "-q",
            "--no-gpg-sign",
            "-am",
            "R-005 is accepted too",
        ],
    );
    rejects(
        &b,
        &[],
        "acceptance_mismatch",
        &format!("{id} is not an acceptance of R-005"),
    );
}

#[test]
fn an_acceptance_merged_on_the_forge_is_recorded_with_isms_signoff_record() {
    let b = Board::new();
    let id = b.start(&["risk-acceptance", "R-013"]);
    let (code, out, err) = b.sign(&b.maja.clone(), &id, &["--approve"]);
    assert_eq!(code, 0, "{out}{err}");
    b.as_ingrid();
    forge_merge(&b, &id, "Merge pull request #9");
    let v = accepts(&b, &[]);
    assert!(
        warnings(&v)
            .iter()
            .any(|(c, _)| c == "acceptance_not_recorded"),
        "{v:#}"
    );
    let out = b.s.ok(&["signoff", "record", &id]);
    assert!(
        out.contains(&format!("Recorded {id} in R-013's acceptance")),
        "{out}"
    );
    b.s.ok(&["commit", "-m", "Record the acceptance"]);
    let v = accepts(&b, &[]);
    assert!(
        warnings(&v)
            .iter()
            .all(|(c, _)| c != "acceptance_not_recorded"),
        "{v:#}"
    );
    // A rescore makes it stale in the checks as well as in verify.
    b.s.ok(&["set", "R-013", "impact=5"]);
    let (_, out, _) = b.s.isms(&["check"]);
    assert!(
        out.contains("[acceptance-stale]") && out.contains("impact 4 → 5"),
        "{out}"
    );
}

// --- what the tools refuse to do -------------------------------------------------------------

#[test]
fn committing_an_edit_to_a_signed_report_is_refused_until_asked_for() {
    let b = Board::new();
    signed_off(&b);
    let head = git(&b, &["rev-parse", "HEAD"]);
    b.s.copy
        .edit(RA, "## 9. Sign-off", "## 9. Sign-off (edited)");
    let (code, _, err) = b.s.isms(&["--format", "json", "commit", "-m", "Touch up"]);
    assert_eq!(code, 2);
    let e: Value = serde_json::from_str(err.trim()).expect("a JSON error");
    assert_eq!(e["error"]["code"], "signed_document_edit");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{RA} (signed off in")),
        "{e:#}"
    );
    assert_eq!(
        git(&b, &["rev-parse", "HEAD"]),
        head,
        "nothing was committed"
    );
    b.s.ok(&["commit", "-m", "Touch up", "--allow-signed-edit"]);
    rejects(
        &b,
        &[],
        "changed_after_signoff",
        "was changed after it was signed off",
    );
}

#[test]
fn a_report_is_not_written_when_the_key_to_sign_it_is_not_approved() {
    let b = Board::new();
    let id = signed_off(&b);
    let mallory = keygen(b.s.home.path(), "mallory", "");
    b.key(&mallory);
    let pdf = b.s.home.path().join("ra.pdf");
    let (code, _, err) = b.s.isms(&[
        "--format",
        "pdf",
        "report",
        "risk-assessment",
        "--signoff",
        &id,
        "-o",
        pdf.to_str().unwrap(),
        "--sign",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is not authorised by the approved configuration"),
        "{err}"
    );
    assert!(!pdf.exists(), "no unsigned PDF is left behind");
}

#[test]
fn only_the_key_that_signed_the_first_commit_can_be_pinned() {
    let b = Board::new();
    git(&b, &["config", "--unset", "isms.rootKey"]);
    let isms = isms_core::Isms::open(b.s.path()).expect("opens");
    let err = isms
        .pin_root_key(&support::fingerprint(&b.jonas))
        .expect_err("Jonas's key did not sign the first commit");
    assert!(
        err.to_string().contains("did not sign the first commit"),
        "{err}"
    );
    let pin = support::fingerprint(&b.s.key);
    isms.pin_root_key(&pin).expect("Ingrid's key can be pinned");
    assert_eq!(git(&b, &["config", "--local", "isms.rootKey"]), pin);
    let v = accepts(&b, &[]);
    assert_eq!(v["root"], "pinned");
}
