//! The `isms` command line as a person and a CI job use it.

use crate::support::{golden, isms, sample, Copy};

fn repo() -> String {
    sample().display().to_string()
}

#[test]
fn check_on_the_sample_matches_the_golden_output_and_exits_0_with_warnings() {
    let (code, out, err) = isms(&["--repo", &repo(), "check", "--today", "2026-11-21"]);
    assert_eq!(code, 0, "{err}");
    golden("check-sample.txt", &out);
    let (code, _, _) = isms(&[
        "--repo",
        &repo(),
        "check",
        "--today",
        "2026-11-21",
        "--strict",
    ]);
    assert_eq!(code, 1, "--strict fails on warnings");
}

#[test]
fn check_exits_1_on_errors_and_reports_them_as_json() {
    let copy = Copy::new();
    copy.edit("risks/R-007.md", "likelihood: 2", "likelihood: 7");
    let dir = copy.path().display().to_string();
    let (code, out, _) = isms(&["--repo", &dir, "check", "--today", "2026-11-21"]);
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "risks/R-007.md:6: error [level-off-scale] likelihood: 7 is outside the scale 1–5 of methodology 1.0"
        ),
        "{out}"
    );
    let (code, out, _) = isms(&[
        "--repo",
        &dir,
        "--format",
        "json",
        "check",
        "--today",
        "2026-11-21",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    // The level off the scale, and the narrative's count of Manage risks it upsets.
    assert_eq!(v["errors"], 2);
    let finding = v["report"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "level-off-scale")
        .expect("the level off the scale is found");
    assert_eq!(
        (
            finding["path"].as_str(),
            finding["line"].as_u64(),
            finding["field"].as_str()
        ),
        (Some("risks/R-007.md"), Some(6), Some("likelihood"))
    );
}

#[test]
fn list_filters_sorts_and_aligns() {
    let (code, out, _) = isms(&["--repo", &repo(), "list", "risks", "--band", "unacceptable"]);
    assert_eq!(code, 0);
    assert!(
        out.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("R-001  Takeover of merchant admin accounts")),
        "{out}"
    );
    assert!(out.ends_with("1 risk\n"), "{out}");
    let (_, out, _) = isms(&[
        "--repo",
        &repo(),
        "--format",
        "json",
        "list",
        "risks",
        "--owner",
        "ism",
        "--sort",
        "score",
    ]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        rows.iter()
            .map(|r| r["id"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["R-005", "R-017", "R-015"]
    );
    let (_, out, _) = isms(&[
        "--repo",
        &repo(),
        "list",
        "controls",
        "--status",
        "not_applicable",
    ]);
    assert!(
        out.contains("7.6 ") && out.contains("8.30") && out.ends_with("4 controls, 0 applicable\n"),
        "{out}"
    );
    // Columns line up: every row's title column starts where the header's does.
    let (_, out, _) = isms(&["--repo", &repo(), "list", "risks"]);
    let col = out
        .lines()
        .next()
        .and_then(|h| h.find("TITLE"))
        .expect("a header");
    assert!(
        out.lines()
            .skip(1)
            .take(17)
            .all(|l| l[..col].trim_end().len() < col && !l[col..].starts_with(' ')),
        "{out}"
    );
    let (code, _, err) = isms(&[
        "--repo",
        &repo(),
        "--format",
        "json",
        "list",
        "risks",
        "--band",
        "severe",
    ]);
    assert_eq!(code, 2);
    let (code, err) = crate::support::error_of(&err);
    assert_eq!(code, "usage");
    assert!(
        err.contains(
            "--band: `severe` is not a band of methodology 1.0: unacceptable, manage, acceptable"
        ),
        "{err}"
    );
}

#[test]
fn show_search_and_score_answer_in_plain_words() {
    let (code, out, _) = isms(&["--repo", &repo(), "show", "R-001"]);
    assert_eq!(code, 0);
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["inherent", "3", "×", "5", "=", "15", "(Unacceptable)"]),
        "{out}"
    );
    assert!(
        out.contains("## Scoring rationale"),
        "the internal register shows everything: {out}"
    );
    let (_, out, _) = isms(&["--repo", &repo(), "show", "8.13"]);
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("cited by")
                && l.trim_end().ends_with("R-007, R-008")),
        "{out}"
    );
    let (code, _, err) = isms(&["--repo", &repo(), "show", "R-999"]);
    assert_eq!((code, err.trim()), (2, "isms: no record with id R-999"));
    let (_, out, _) = isms(&["--repo", &repo(), "search", "kobenhavn"]);
    assert!(out.contains("scope  document  ISMS scope"), "{out}");
    let (_, out, _) = isms(&["--repo", &repo(), "score", "3", "4"]);
    assert_eq!(out, "likelihood 3 (Possible) × impact 4 (Major) = 12: Manage — management decision on treatment versus acceptance\n");
    let (code, _, err) = isms(&["--repo", &repo(), "score", "6", "1"]);
    assert_eq!(
        (code, err.trim()),
        (
            2,
            "isms: likelihood: 6 is outside the scale 1–5 of methodology 1.0"
        )
    );
    let (_, out, _) = isms(&["--repo", &repo(), "--format", "json", "score", "1", "5"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        (v["score"].as_u64(), v["band"].as_str()),
        (Some(5), Some("acceptable"))
    );
}

#[test]
fn init_creates_a_valid_git_repository_with_all_93_soa_entries() {
    let parent = tempfile::tempdir().expect("a directory");
    let dir = parent.path().join("new-isms");
    let d = dir.display().to_string();
    let (code, _, err) = isms(&[
        "init",
        &d,
        "--organisation",
        "Fjeldstue: Rådgivning",
        "--today",
        "2026-11-21",
    ]);
    assert_eq!(code, 0, "{err}");
    // A killed save's temporary file is never committed by a plain `git add -A`.
    let ignore = std::fs::read_to_string(dir.join(".gitignore")).expect("a .gitignore");
    assert!(ignore.lines().any(|l| l == ".*.tmp"), "{ignore}");
    assert!(git2::Repository::open(&dir).is_ok(), "git-initialised");
    let (code, out, _) = isms(&[
        "--repo",
        &d,
        "--format",
        "json",
        "check",
        "--today",
        "2026-11-21",
    ]);
    assert_eq!(code, 0, "a new ISMS has no errors: {out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let findings = v["report"]["findings"].as_array().expect("findings");
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["rule"] == "soa-applicable-without-reason")
            .count(),
        93,
        "every control awaits a decision"
    );
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["rule"] == "role-unheld")
            .count(),
        3
    );
    let (_, out, _) = isms(&["--repo", &d, "show", "scope"]);
    assert!(out.contains("Fjeldstue: Rådgivning"), "{out}");
    let (code, _, err) = isms(&["--format", "json", "init", &d]);
    assert_eq!(code, 2);
    let (code, err) = crate::support::error_of(&err);
    assert_eq!(code, "not_empty");
    assert!(err.contains("exists and is not empty"), "{err}");
}

#[test]
fn not_an_isms_is_a_clear_error_in_text_and_json() {
    let dir = tempfile::tempdir().expect("a directory");
    let d = dir.path().display().to_string();
    let (code, _, err) = isms(&["--repo", &d, "check"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("is not an ISMS repository: it has no isms.yaml"),
        "{err}"
    );
    let (_, _, err) = isms(&["--repo", &d, "--format", "json", "list", "risks"]);
    let v: serde_json::Value = serde_json::from_str(err.trim()).expect("a JSON error");
    assert_eq!(v["error"]["code"], "not_an_isms");
}

#[test]
fn the_log_file_names_each_command_and_how_it_ended_but_not_its_arguments() {
    let s = crate::support::Signed::new();
    s.ok(&["check"]);
    let (code, _, _) = s.isms(&["show", "R-999"]);
    assert_eq!(code, 2);
    // Words a person typed stay out of the log: only the command's name goes in.
    let (code, _, _) = s.isms(&["search", "confidential-merger-words"]);
    assert_eq!(code, 0);
    let logs = s.home.path().join(".local/state/isms-desk/logs");
    let files: Vec<_> = std::fs::read_dir(&logs)
        .unwrap_or_else(|e| panic!("no log folder {}: {e}", logs.display()))
        .map(|e| e.expect("an entry").path())
        .collect();
    assert_eq!(files.len(), 1, "one file a day: {files:?}");
    let name = files[0]
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("isms-desk.") && name.ends_with(".log"),
        "{name}"
    );
    let log = std::fs::read_to_string(&files[0]).expect("the log reads");
    let lines: Vec<&str> = log.lines().collect();
    let about = |command: &str| -> Vec<&str> {
        let tag = format!("command=\"{command}\"");
        lines.iter().copied().filter(|l| l.contains(&tag)).collect()
    };
    assert!(
        about("check").iter().any(|l| l.contains("done exit=0")),
        "{log}"
    );
    assert!(
        about("check").iter().any(|l| l.contains("time.busy=")),
        "how long it took: {log}"
    );
    assert!(
        about("show")
            .iter()
            .any(|l| l.contains("WARN") && l.contains("code=not_found")),
        "{log}"
    );
    assert!(!about("search").is_empty(), "{log}");
    assert!(!log.contains("confidential-merger-words"), "{log}");
}

#[test]
fn record_text_cannot_rewrite_the_terminal() {
    // A title with an escape sequence (erase the line, move up) is never obeyed, in
    // any text output: lists, tables, searches and record views.
    let copy = Copy::new();
    copy.edit(
        "risks/R-004.md",
        "title: Cross-tenant data exposure through the shared database",
        "title: \"Fine\\e[2K\\e[1A\\rall clear\"",
    );
    let d = copy.path().display().to_string();
    for args in [
        vec!["--repo", &d, "list", "risks"],
        vec!["--repo", &d, "show", "R-004"],
        vec!["--repo", &d, "search", "Fine"],
        vec!["--repo", &d, "list", "controls", "--theme", "technological"],
    ] {
        let (_, out, err) = isms(&args);
        assert!(
            !out.contains('\u{1b}') && !err.contains('\u{1b}'),
            "{args:?} printed a raw escape: {out:?}"
        );
        assert!(!out.contains('\r'), "{args:?}: {out:?}");
    }
    // Such a title does not load at all: the file is named, the escape is not printed.
    let (_, out, err) = isms(&["--repo", &d, "check"]);
    assert!(
        out.contains("risks/R-004.md") && out.contains("invisible control character (U+001B)"),
        "{out}{err}"
    );
}

#[test]
fn output_that_goes_away_ends_quietly_and_a_full_disk_is_one_line() {
    use std::process::{Command, Stdio};
    // `isms list controls | head -1`: the reader leaves early.
    for args in [
        vec!["list", "controls"],
        vec!["show", "R-001"],
        vec!["check", "--today", "2026-11-21"],
    ] {
        let mut child = Command::new(crate::support::isms_bin())
            .arg("--repo")
            .arg(repo())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("isms starts");
        // The reader is gone before isms writes its first line (it is still starting),
        // as `head` is gone after its first.
        drop(child.stdout.take().expect("a pipe"));
        let out = child.wait_with_output().expect("isms ends");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?} said something: {err}");
    }
    // Output to a full disk: one line naming the problem, exit 2.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = Command::new(crate::support::isms_bin())
        .arg("--repo")
        .arg(repo())
        .args(["list", "controls"])
        .stdout(full)
        .output()
        .expect("isms runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("No space left on device"), "{err}");
}

#[test]
fn a_broken_isms_yaml_is_named_wherever_records_are_shown() {
    let copy = Copy::new();
    copy.edit("isms.yaml", "roles:", "roles: [");
    let d = copy.path().display().to_string();
    for args in [
        vec!["--repo", &d, "list", "risks"],
        vec!["--repo", &d, "show", "R-004"],
        vec!["--repo", &d, "search", "tenant"],
    ] {
        let (_, _, err) = isms(&args);
        assert!(
            err.lines()
                .next()
                .is_some_and(|l| l.starts_with("isms.yaml")),
            "{args:?} does not name isms.yaml first: {err}"
        );
    }
}

#[test]
fn a_treatment_is_written_from_nothing_its_actions_added_moved_and_edited() {
    let copy = Copy::new();
    let dir = copy.path().display().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["--repo", dir.as_str()];
        all.extend_from_slice(args);
        isms(&all)
    };
    let (code, out, err) = run(&[
        "new",
        "treatment",
        "--title",
        "Harden the build pipeline",
        "option=mitigate",
        "risks=[R-004]",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("T-007"), "the next free id: {out}");
    let (code, _, err) = run(&[
        "add-action",
        "T-007",
        "description=Pin actions to commits, not tags",
        "owner=sre-lead",
        "due=2027-02-01",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "add-action",
        "T-007",
        "description=Require review: two people",
        "owner=ism",
        "status=in_progress",
    ]);
    assert_eq!(code, 0, "{err}");
    let text = copy.read("treatments/T-007.md");
    let a1 = text.find("id: A1").expect("A1 is written");
    let a2 = text.find("id: A2").expect("A2 is written");
    assert!(a1 < a2, "{text}");
    assert!(text.contains("decision: proposed"), "{text}");
    assert!(
        text.contains("status: planned"),
        "planned unless told: {text}"
    );
    assert!(text.contains("\"Require review: two people\""), "{text}");

    let (code, _, err) = run(&[
        "set",
        "T-007",
        "actions.A2^=1",
        "actions.A1.due=2027-03-01",
        "risks+=R-002",
    ]);
    assert_eq!(code, 0, "{err}");
    let text = copy.read("treatments/T-007.md");
    assert!(
        text.find("id: A2") < text.find("id: A1"),
        "A2 moved first: {text}"
    );
    assert!(text.contains("due: 2027-03-01"), "{text}");
    assert!(text.contains("risks: [R-004, R-002]"), "{text}");

    // An impossible date, or an action for a record that is no treatment, is refused
    // and nothing is written.
    let before = copy.read("treatments/T-007.md");
    let (code, _, err) = run(&[
        "add-action",
        "T-007",
        "description=X",
        "owner=ism",
        "due=2027-02-30",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("treatments/T-007.md"), "{err}");
    assert!(err.contains("due"), "{err}");
    let (code, _, err) = run(&["add-action", "R-004", "description=X", "owner=ism"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("only treatments and findings have actions"),
        "{err}"
    );
    assert_eq!(copy.read("treatments/T-007.md"), before);
    // After A1 is removed, the next action is still A3: the highest number counts.
    let (code, _, err) = run(&["set", "T-007", "actions-=A1"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "add-action",
        "T-007",
        "description=Rotate the deploy keys",
        "owner=sre-lead",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(copy.read("treatments/T-007.md").contains("id: A3"));
}

#[test]
fn the_next_assessment_starts_from_the_current_one_carried_over_for_review() {
    let copy = Copy::new();
    let dir = copy.path().display().to_string();
    let (code, out, err) = isms(&["--repo", &dir, "start-assessment", "2027-05-10"]);
    assert_eq!(code, 0, "{out}{err}");
    let text = copy.read("assessments/2027.md");
    for want in [
        "id: \"2027\"",
        "title: Annual risk assessment 2027",
        "performed_on: 2027-05-10",
        "methodology_version: \"1.0\"",
        "domains_in_scope: [technical]",
        "domains_deferred: [legal, people, supplier, physical]",
        "id: role-doubling",
        "Appoint a Data Protection Officer or formally assign the role",
        "## Carried over from 2026",
        "## Summary",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    assert!(
        !text.contains("penetration test"),
        "evidence starts empty: {text}"
    );
    // The new one is current: the checks read its (empty) narrative, and pass.
    let (code, out, _) = isms(&["--repo", &dir, "check", "--today", "2027-05-10"]);
    assert!(!out.contains("narrative-figures"), "{out}");
    assert!(code == 0 || code == 1, "{out}");
    // Twice, or before the current one, is refused.
    let (code, _, err) = isms(&["--repo", &dir, "start-assessment", "2027-06-01"]);
    assert_eq!(code, 2);
    assert!(err.contains("assessments/2027.md"), "{err}");
    let (code, _, err) = isms(&["--repo", &dir, "start-assessment", "2025-06-01"]);
    assert_eq!(code, 2);
    assert!(err.contains("comes after the current one (2027"), "{err}");
}
