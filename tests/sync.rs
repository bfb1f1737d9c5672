//! Sync with a real remote: a bare repository on this machine, and a second clone
//! changed with the git CLI by a colleague.

use std::fs;
use std::path::PathBuf;

use crate::support::{fsck, git_in, git_status_in, Signed};

/// The ISM's repository (through isms), a bare remote, and a colleague's clone.
struct Team {
    ism: Signed,
    colleague: PathBuf,
}

impl Team {
    fn new() -> Team {
        let ism = Signed::new();
        ism.ok(&["commit", "-m", "Initial ISMS"]);
        let remote = ism.home.path().join("remote.git");
        git_in(
            &ism,
            ism.home.path(),
            &[
                "init",
                "-q",
                "--bare",
                "-b",
                "main",
                remote.to_str().expect("utf-8"),
            ],
        );
        ism.git(&["remote", "add", "origin", remote.to_str().expect("utf-8")]);
        assert_eq!(ism.ok(&["push"]), "Pushed refs/heads/main to origin.\n");
        let colleague = ism.home.path().join("colleague");
        git_in(
            &ism,
            ism.home.path(),
            &[
                "clone",
                "-q",
                remote.to_str().expect("utf-8"),
                colleague.to_str().expect("utf-8"),
            ],
        );
        let team = Team { ism, colleague };
        team.theirs(&["config", "user.name", "Jonas Lykke"]);
        team.theirs(&["config", "user.email", "jonas.lykke@kestrelcart.example"]);
        team.theirs(&["config", "commit.gpgsign", "false"]);
        team
    }

    fn theirs(&self, args: &[&str]) -> String {
        git_in(&self.ism, &self.colleague, args)
    }

    /// The colleague edits a file, commits and pushes with git.
    fn colleague_changes(&self, file: &str, from: &str, to: &str, message: &str) {
        let path = self.colleague.join(file);
        let text = fs::read_to_string(&path).expect("the file exists");
        assert!(text.contains(from), "{file} has no {from:?}");
        fs::write(&path, text.replacen(from, to, 1)).expect("writable");
        self.theirs(&["commit", "-q", "-am", message]);
        self.theirs(&["push", "-q", "origin", "main"]);
    }

    fn mine(&self, file: &str) -> String {
        self.ism.copy.read(file)
    }

    fn fsck(&self) {
        self.ism.fsck();
        fsck(&self.ism, &self.colleague);
    }
}

#[test]
fn a_pull_fast_forwards_and_the_index_follows() {
    let team = Team::new();
    team.colleague_changes(
        "risks/R-001.md",
        "\nimpact: 5",
        "\nimpact: 2",
        "R-001: impact lowered after the CDN change",
    );
    let out = team.ism.ok(&["pull"]);
    assert!(out.starts_with("Updated to "), "{out}");
    assert!(team.mine("risks/R-001.md").contains("\nimpact: 2\n"));
    let list = team.ism.ok(&["--format", "json", "list", "risks"]);
    let rows: serde_json::Value = serde_json::from_str(&list).expect("json");
    assert_eq!(rows[0]["impact"], 2);
    assert_eq!(team.ism.ok(&["pull"]), "Already up to date with origin.\n");
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    team.fsck();
}

#[test]
fn records_changed_on_one_side_and_fields_changed_on_both_merge_cleanly() {
    let team = Team::new();
    // The colleague: R-003, and R-004's impact.
    team.colleague_changes(
        "risks/R-003.md",
        "owner: sre-lead",
        "owner: head-of-product",
        "R-003 moves to product",
    );
    team.colleague_changes(
        "risks/R-004.md",
        "\nimpact: 5",
        "\nimpact: 4",
        "R-004: impact 4 after tenant isolation work",
    );
    // The ISM: R-002, and R-004's likelihood and body.
    team.ism.ok(&["set", "R-002", "likelihood=2"]);
    team.ism.ok(&["set", "R-004", "likelihood=3"]);
    let body = team.mine("risks/R-004.md").replace(
        "## Internal notes\n",
        "## Internal notes\n\nRetest planned for Q1.\n",
    );
    team.ism.copy.write("risks/R-004.md", &body);
    team.ism.ok(&["commit", "-m", "Autumn rescoring"]);
    let out = team.ism.ok(&["pull"]);
    assert!(out.starts_with("Merged origin in "), "{out}");
    assert!(
        out.ends_with("records merged field by field: R-004\n"),
        "{out}"
    );
    let r004 = team.mine("risks/R-004.md");
    assert!(
        r004.contains("\nlikelihood: 3\n") && r004.contains("\nimpact: 4\n"),
        "{r004}"
    );
    assert!(r004.contains("Retest planned for Q1."));
    assert!(team
        .mine("risks/R-003.md")
        .contains("owner: head-of-product"));
    assert!(team.mine("risks/R-002.md").contains("likelihood: 2\n"));
    // A signed merge commit with both parents; nothing left uncommitted or half-merged.
    assert_eq!(
        team.ism
            .git(&["log", "-1", "--format=%P"])
            .split_whitespace()
            .count(),
        2
    );
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    assert!(!team.ism.path().join(".git/MERGE_HEAD").exists());
    let (code, _, err) = git_status_in(
        &team.ism,
        team.ism.path(),
        &[
            "-c",
            "gpg.ssh.allowedSignersFile=.isms/allowed_signers",
            "verify-commit",
            "HEAD",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // The same body changed on both sides in different places merges line by line.
    team.ism.ok(&["push"]);
    team.theirs(&["pull", "-q", "origin", "main"]);
    assert!(fs::read_to_string(team.colleague.join("risks/R-004.md"))
        .expect("exists")
        .contains("likelihood: 3\n"));
    team.fsck();
}

#[test]
fn a_true_conflict_is_reported_per_field_changes_nothing_and_is_resolved_explicitly() {
    let team = Team::new();
    team.colleague_changes(
        "risks/R-005.md",
        "likelihood: 3",
        "likelihood: 4",
        "R-005 is more likely",
    );
    team.ism.ok(&["set", "R-005", "likelihood=2", "owner=ism"]);
    team.ism.ok(&["commit", "-m", "R-005 is less likely"]);
    let head = team.ism.git(&["rev-parse", "HEAD"]);
    let before = team.mine("risks/R-005.md");
    let (code, out, _) = team.ism.isms(&["pull"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        "Nothing was changed: both sides changed the same fields differently.\n  R-005 likelihood: mine 2 | theirs 4 (was 3)\nResolve each with --resolve <id>.<field>=mine|theirs|value:<new value> and pull again.\n"
    );
    assert_eq!(team.ism.git(&["rev-parse", "HEAD"]), head, "no commit");
    assert_eq!(team.mine("risks/R-005.md"), before, "no file changed");
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    assert!(!team.ism.path().join(".git/MERGE_HEAD").exists());
    // JSON names the record and field for the app.
    let (_, json, _) = team.ism.isms(&["--format", "json", "pull"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["outcome"], "conflicts");
    assert_eq!(v["conflicts"][0]["field"], "likelihood");
    assert_eq!(v["conflicts"][0]["path"], "risks/R-005.md");

    // Resolving with a new value; the ISM's other change (owner) is kept.
    team.ism
        .ok(&["pull", "--resolve", "R-005.likelihood=value:5"]);
    let r005 = team.mine("risks/R-005.md");
    assert!(
        r005.contains("likelihood: 5\n") && r005.contains("owner: ism\n"),
        "{r005}"
    );
    team.fsck();

    // Keep theirs, for an SoA entry (whose id has a dot in it).
    team.ism.ok(&["push"]);
    team.theirs(&["pull", "-q", "origin", "main"]);
    team.colleague_changes(
        "controls/8.13.md",
        "status: implemented",
        "status: partial",
        "8.13: restore test failed",
    );
    team.ism.ok(&["set", "8.13", "status=planned"]);
    team.ism.ok(&["commit", "-m", "8.13 planned"]);
    let (code, out, _) = team.ism.isms(&["pull"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("8.13 status: mine planned | theirs partial (was implemented)"),
        "{out}"
    );
    team.ism.ok(&["pull", "--resolve", "8.13.status=theirs"]);
    assert!(team.mine("controls/8.13.md").contains("status: partial\n"));
    team.fsck();
}

#[test]
fn push_is_refused_when_the_remote_moved_and_pull_refuses_uncommitted_changes() {
    let team = Team::new();
    team.colleague_changes(
        "risks/R-001.md",
        "\nimpact: 5",
        "\nimpact: 3",
        "R-001 impact 3",
    );
    team.ism.ok(&["set", "R-002", "likelihood=2"]);
    let (code, _, err) = team.ism.isms(&["pull"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "isms: commit or discard your changes first; these files have changes: risks/R-002.md\n"
    );
    team.ism.ok(&["commit", "-m", "R-002"]);
    let (code, _, err) = team.ism.isms(&["push"]);
    assert_eq!(code, 2);
    assert!(err.contains("pull first, then push"), "{err}");
    team.ism.ok(&["pull"]);
    team.ism.ok(&["push"]);
    team.theirs(&["pull", "-q", "origin", "main"]);
    let (code, _, err) = team.ism.isms(&["pull", "no-such-remote"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "isms: there is no remote `no-such-remote`\n")
    );
    team.fsck();
}

#[test]
fn a_treatments_actions_merge_action_by_action_and_field_by_field() {
    let team = Team::new();
    // The colleague marks A1 done; the ISM moves A1's due date (the line above, so a
    // line-based merge would conflict) and starts A3.
    team.colleague_changes(
        "treatments/T-001.md",
        "due: 2026-12-15\n    status: in_progress",
        "due: 2026-12-15\n    status: done",
        "T-001 A1 done",
    );
    team.ism.ok(&[
        "set",
        "T-001",
        "actions.A1.due=2027-01-15",
        "actions.A3.status=in_progress",
    ]);
    team.ism
        .ok(&["commit", "-m", "T-001: A1 moved, A3 started"]);
    let out = team.ism.ok(&["pull"]);
    assert!(
        out.ends_with("records merged field by field: T-001\n"),
        "{out}"
    );
    let t001 = team.mine("treatments/T-001.md");
    for expected in [
        "due: 2027-01-15\n    status: done",
        "due: 2026-09-30\n    status: in_progress",
        "due: 2027-01-31\n    status: in_progress",
    ] {
        assert!(t001.contains(expected), "{expected:?} missing:\n{t001}");
    }
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    team.ism.ok(&["push"]);
    team.theirs(&["pull", "-q", "origin", "main"]);

    // The same field of the same action, changed differently: a conflict named like
    // `isms set` names the field, and nothing is written until it is resolved.
    team.colleague_changes(
        "treatments/T-001.md",
        "due: 2026-09-30\n    status: in_progress",
        "due: 2026-09-30\n    status: done",
        "T-001 A2 done",
    );
    team.ism
        .ok(&["set", "T-001", "actions.A2.status=cancelled"]);
    team.ism.ok(&["commit", "-m", "T-001 A2 dropped"]);
    let before = team.mine("treatments/T-001.md");
    let (code, out, _) = team.ism.isms(&["pull"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("T-001 actions.A2.status: mine cancelled | theirs done (was in_progress)"),
        "{out}"
    );
    assert_eq!(team.mine("treatments/T-001.md"), before, "nothing written");
    team.ism
        .ok(&["pull", "--resolve", "T-001.actions.A2.status=theirs"]);
    let t001 = team.mine("treatments/T-001.md");
    assert!(t001.contains("due: 2026-09-30\n    status: done"), "{t001}");
    team.fsck();
}
