//! Saves through isms-core: validated, conflict-checked, atomic, indexed.

use std::fs;

use isms_core::domain::RiskStatus;
use isms_core::format::edit::Assignment;
use isms_core::index::RiskQuery;
use isms_core::repository::{AnyRecord, RecordKind};
use isms_core::store::Revision;
use isms_core::ErrorCode;
use isms_core::{Error, Isms};

use crate::support::{isms, today, Copy};

fn set(items: &[&str]) -> Vec<Assignment> {
    items
        .iter()
        .map(|a| Assignment::parse(a).expect("an assignment"))
        .collect()
}

fn risk_row(isms: &Isms, id: &str) -> isms_core::index::RiskRow {
    isms.index()
        .expect("the index opens")
        .risks(&RiskQuery::default())
        .expect("risks")
        .into_iter()
        .find(|r| r.id == id)
        .expect("the risk is listed")
}

#[test]
fn a_change_is_written_canonically_and_the_index_follows_at_once() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("opens");
    assert_eq!(risk_row(&isms, "R-004").likelihood, Some(2));
    let before = copy.read("risks/R-004.md");
    let saved = isms
        .set(
            "R-004",
            &set(&["likelihood=3", "controls+=8.7"]),
            None,
            None,
        )
        .expect("saves");
    assert!(saved.changed);
    let after = copy.read("risks/R-004.md");
    assert_eq!(saved.revision, Revision::of(after.as_bytes()));
    // Only the two changed lines differ; body and everything else are the same bytes.
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(after.contains("likelihood: 3\n"));
    assert!(after.contains(r#"controls: ["5.15", "8.3", "8.11", "8.31", "8.7"]"#));
    let row = risk_row(&isms, "R-004");
    assert_eq!((row.likelihood, row.score), (Some(3), Some(15)));
    assert_eq!(row.band.as_ref().map(|b| b.as_str()), Some("unacceptable"));
    // Saving the same values again writes nothing.
    let again = isms
        .set("R-004", &set(&["likelihood=3"]), None, None)
        .expect("saves");
    assert!(!again.changed);
}

#[test]
fn a_bad_value_is_refused_with_file_line_and_field_and_nothing_is_written() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("opens");
    let before = copy.read("risks/R-004.md");
    for (assignment, expected) in [
        (
            "likelihood=7",
            "risks/R-004.md:6: likelihood: 7 is outside the scale 1–5 of methodology 1.0",
        ),
        ("status=open", "risks/R-004.md:5: status:"),
        ("likelyhood=3", "did you mean `likelihood`?"),
        ("id=R-099", "the id is the file name"),
        ("next_review=31/12/2026", "next_review"),
        ("impact=", "risks/R-004.md"),
    ] {
        let err = isms
            .set("R-004", &set(&[assignment]), None, None)
            .expect_err(assignment);
        assert_eq!(err.code(), ErrorCode::Invalid, "{assignment}: {err}");
        assert!(err.to_string().contains(expected), "{assignment}: {err}");
        assert_eq!(copy.read("risks/R-004.md"), before, "{assignment} wrote");
    }
    let names: Vec<_> = fs::read_dir(copy.file("risks"))
        .expect("listable")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "temporary files left behind: {names:?}");
}

#[test]
fn comments_unknown_keys_body_and_windows_line_endings_survive_an_edit() {
    let copy = Copy::new();
    let text = "---\r\nid: R-004\r\ntitle: Cross-tenant data exposure\r\ndomain: technical\r\nstatus: active\r\n# agreed in the June workshop\r\nlikelihood: 2\r\nimpact: 5\r\nowner: sre-lead\r\nx-ticket: SEC-12   # tracked\r\n---\r\n## Description\r\n\r\nTenants share one database.\r\n";
    copy.write("risks/R-004.md", text);
    let isms = Isms::open(copy.path()).expect("opens");
    isms.set(
        "R-004",
        &set(&["likelihood=3", "x-ticket=SEC-13"]),
        None,
        None,
    )
    .expect("saves");
    let after = copy.read("risks/R-004.md");
    assert_eq!(
        after,
        text.replace("likelihood: 2", "likelihood: 3")
            .replace("SEC-12   # tracked", "SEC-13"),
    );
    assert!(
        !after.replace("\r\n", "").contains('\n'),
        "mixed line endings: {after:?}"
    );
}

#[test]
fn a_file_changed_on_disk_since_it_was_read_is_a_conflict_and_keeps_the_other_writer() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("opens");
    let opened = isms.open_record("R-004").expect("reads");
    // Someone edits the file in another editor meanwhile.
    copy.edit("risks/R-004.md", "impact: 5", "impact: 4");
    let theirs = copy.read("risks/R-004.md");
    let AnyRecord::Risk(mut risk) = opened.record else {
        panic!("R-004 is a risk")
    };
    risk.likelihood = Some(3);
    let err = isms
        .save(&AnyRecord::Risk(risk.clone()), &opened.revision)
        .expect_err("stale");
    assert!(
        matches!(err, Error::Conflict { ref id, .. } if id == "R-004"),
        "{err}"
    );
    assert!(err
        .to_string()
        .contains("R-004 (risks/R-004.md) changed on disk"));
    assert_eq!(copy.read("risks/R-004.md"), theirs, "their edit is kept");
    // The same holds for assignments that carry the revision they were decided on.
    let err = isms
        .set(
            "R-004",
            &set(&["likelihood=3"]),
            None,
            Some(&opened.revision),
        )
        .expect_err("stale");
    assert_eq!(err.code(), ErrorCode::Conflict);
    // The index picks up the outside change.
    assert_eq!(risk_row(&isms, "R-004").impact, Some(4));
    // Re-read, re-apply: saved.
    let fresh = isms.open_record("R-004").expect("reads");
    let AnyRecord::Risk(mut risk) = fresh.record else {
        panic!("a risk")
    };
    risk.likelihood = Some(3);
    isms.save(&AnyRecord::Risk(risk), &fresh.revision)
        .expect("saves on the fresh revision");
    let row = risk_row(&isms, "R-004");
    assert_eq!((row.likelihood, row.impact), (Some(3), Some(4)));
}

#[test]
fn an_outside_edit_of_the_same_size_within_one_timestamp_tick_is_noticed() {
    let copy = Copy::new();
    let path = copy.file("risks/R-004.md");
    let isms = Isms::open(copy.path()).expect("opens");
    assert_eq!(risk_row(&isms, "R-004").likelihood, Some(2));
    let mtime = fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("mtime");
    copy.edit("risks/R-004.md", "likelihood: 2", "likelihood: 4");
    fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(mtime))
        .expect("can set the mtime back");
    assert_eq!(risk_row(&isms, "R-004").likelihood, Some(4));
}

#[test]
fn new_records_get_the_next_free_id_and_ids_are_never_reused() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("opens");
    let saved = isms
        .create(
            RecordKind::Risk,
            None,
            &set(&[
                "title=Laptop left on a train",
                "domain=people",
                "owner=ism",
                "likelihood=2",
                "impact=3",
            ]),
            None,
        )
        .expect("creates");
    assert_eq!(
        (saved.id.as_str(), saved.path.as_str()),
        ("R-018", "risks/R-018.md")
    );
    let text = copy.read("risks/R-018.md");
    assert!(
        text.starts_with(
            "---\nid: R-018\ntitle: Laptop left on a train\ndomain: people\nstatus: active\n"
        ),
        "{text}"
    );
    assert!(text.contains("## Description\n"));
    assert_eq!(risk_row(&isms, "R-018").score, Some(6));

    // A committed id stays taken even when its file is deleted from the working tree.
    let repo = git2::Repository::open(copy.path()).expect("a git repository");
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let who = git2::Signature::now("Test", "test@example.invalid").expect("signature");
    repo.commit(Some("HEAD"), &who, &who, "records", &tree, &[])
        .expect("commit");
    fs::remove_file(copy.file("risks/R-018.md")).expect("delete");
    let next = isms
        .create(
            RecordKind::Risk,
            None,
            &set(&[
                "title=Another",
                "domain=people",
                "owner=ism",
                "status=deferred",
                "deferred_to=2027 workshop",
            ]),
            None,
        )
        .expect("creates");
    assert_eq!(next.id, "R-019");

    // Missing required fields are named, without a misleading line number.
    let err = isms
        .create(RecordKind::Risk, None, &set(&["title=Incomplete"]), None)
        .expect_err("needs domain and owner");
    assert_eq!(
        err.to_string(),
        "risks/R-020.md: domain: required field is missing"
    );
    assert!(!copy.file("risks/R-020.md").exists());

    let t = isms
        .create(
            RecordKind::Treatment,
            None,
            &set(&["title=Encrypt laptops", "risks=[R-019]", "option=mitigate"]),
            None,
        )
        .expect("creates a treatment");
    assert_eq!(t.id, "T-007");
    let err = isms
        .create(RecordKind::Control, Some("5.99"), &[], None)
        .expect_err("not in Annex A");
    assert!(err
        .to_string()
        .contains("not an ISO/IEC 27001:2022 Annex A control"));
    let err = isms
        .create(
            RecordKind::Document,
            Some("scope"),
            &set(&["title=Scope", "version=2", "owner=ism"]),
            None,
        )
        .expect_err("exists");
    assert_eq!(err.code(), ErrorCode::Exists);
}

#[test]
fn concurrent_creators_never_get_the_same_id() {
    let copy = Copy::new();
    let root = copy.path().to_path_buf();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let root = root.clone();
            std::thread::spawn(move || {
                let isms = Isms::open(&root).expect("opens");
                isms.create(
                    RecordKind::Risk,
                    None,
                    &set(&[
                        &format!("title=Risk from writer {i}"),
                        "domain=people",
                        "owner=ism",
                        "likelihood=1",
                        "impact=1",
                    ]),
                    None,
                )
                .expect("creates")
                .id
            })
        })
        .collect();
    let mut ids: Vec<String> = threads
        .into_iter()
        .map(|t| t.join().expect("no panic"))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        (18..26).map(|n| format!("R-{n:03}")).collect::<Vec<_>>()
    );
}

#[test]
fn closing_keeps_the_record_for_the_audit_trail() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("opens");
    isms.close("R-016", None, today()).expect("closes a risk");
    let AnyRecord::Risk(r) = isms.open_record("R-016").expect("still there").record else {
        panic!("a risk")
    };
    assert_eq!(r.status, RiskStatus::Closed);
    let err = isms
        .close("R-016", None, today())
        .expect_err("already closed");
    assert_eq!(err.code(), ErrorCode::Invalid, "{err}");
    assert!(err.to_string().contains("already closed"));

    let err = isms
        .close("T-001", None, today())
        .expect_err("open actions");
    let Error::Invalid(load) = &err else {
        panic!("invalid: {err}")
    };
    assert_eq!(
        (load.path.as_str(), load.field.as_deref()),
        ("treatments/T-001.md", Some("actions"))
    );
    assert!(err.to_string().contains("A1, A2, A3 still open"), "{err}");
    for action in ["A1", "A2", "A3"] {
        isms.close("T-001", Some(action), today())
            .expect("closes an action");
    }
    isms.close("T-001", None, today())
        .expect("closes the treatment");
    assert!(copy
        .read("treatments/T-001.md")
        .contains("closed_on: 2026-11-21\n"));
    // The descriptions with commas in them are intact after the nested edits.
    assert!(copy
        .read("treatments/T-001.md")
        .contains("with a 60-day grace period and in-app reminders"));

    isms.close("incident-response", None, today())
        .expect("withdraws a document");
    assert!(copy
        .read("documents/incident-response.md")
        .contains("withdrawn_on: 2026-11-21\n"));
    let err = isms
        .close("8.13", None, today())
        .expect_err("SoA entries stay");
    let Error::Invalid(load) = &err else {
        panic!("invalid: {err}")
    };
    assert_eq!(
        (load.path.as_str(), load.field.as_deref()),
        ("controls/8.13.md", Some("applicable"))
    );
    assert!(err.to_string().contains("set applicable=false"));
}

#[test]
fn the_command_line_creates_sets_and_closes() {
    let copy = Copy::new();
    let repo = copy.path().to_str().expect("utf-8 path");
    let (code, out, err) = isms(&[
        "--repo",
        repo,
        "set",
        "R-004",
        "likelihood=3",
        "status=active",
    ]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "Saved R-004 (risks/R-004.md).\n", "")
    );
    let (code, _, err) = isms(&["--repo", repo, "set", "R-004", "likelihood=9"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "isms: risks/R-004.md:6: likelihood: 9 is outside the scale 1–5 of methodology 1.0\n"
    );
    let (code, out, _) = isms(&[
        "--repo",
        repo,
        "new",
        "risk",
        "--title",
        "Supplier breach: payroll",
        "domain=supplier",
        "owner=ism",
        "likelihood=2",
        "impact=4",
    ]);
    assert_eq!(
        (code, out.as_str()),
        (0, "Created R-018 (risks/R-018.md).\n")
    );
    assert!(copy
        .read("risks/R-018.md")
        .contains("title: \"Supplier breach: payroll\"\n"));
    let (code, out, _) = isms(&[
        "--repo",
        repo,
        "--format",
        "json",
        "close",
        "R-018",
        "--today",
        "2026-11-21",
    ]);
    assert_eq!(code, 0);
    let saved: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(saved["id"], "R-018");
    assert_eq!(saved["changed"], true);
    let (code, _, err) = isms(&[
        "--repo", repo, "--format", "json", "set", "R-999", "title=x",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("\"code\":\"not_found\""), "{err}");
}

#[test]
fn text_that_starts_like_a_yaml_list_is_saved_as_the_text_it_is() {
    // Found by the property test of the writer (tests/roundtrip.rs): a title typed in
    // the app as "[Legacy] payment gateway" was refused as a broken YAML list.
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("opens");
    isms.set(
        "R-004",
        &set(&["title=[Legacy] payment gateway {v1}"]),
        None,
        None,
    )
    .expect("saves");
    let AnyRecord::Risk(r) = isms.open_record("R-004").expect("reads").record else {
        panic!("a risk")
    };
    assert_eq!(r.title, "[Legacy] payment gateway {v1}");
    // Nor is text that starts like an anchor or a tag: "&Co" is not an anchor "Co".
    isms.set(
        "R-004",
        &set(&["title=&Co sourcing, !important"]),
        None,
        None,
    )
    .expect("saves");
    let AnyRecord::Risk(r) = isms.open_record("R-004").expect("reads").record else {
        panic!("a risk")
    };
    assert_eq!(r.title, "&Co sourcing, !important");
    // A list field given a broken list is still refused, by the field.
    let before = copy.read("risks/R-004.md");
    let err = isms
        .set("R-004", &set(&["controls=[5.1, 8.13"]), None, None)
        .expect_err("not a list");
    let Error::Invalid(load) = &err else {
        panic!("invalid: {err}")
    };
    assert_eq!(load.field.as_deref(), Some("controls"), "{err}");
    assert_eq!(copy.read("risks/R-004.md"), before);
}

#[test]
fn the_command_line_refuses_a_write_decided_on_a_revision_that_has_changed() {
    // show → decide → set --base: an edit made by someone else meanwhile is kept.
    let copy = Copy::new();
    let d = copy.path().display().to_string();
    let (code, out, _) = isms(&["--repo", &d, "--format", "json", "show", "R-004"]);
    assert_eq!(code, 0);
    let shown: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let revision = shown["revision"].as_str().expect("a revision").to_string();
    copy.edit("risks/R-004.md", "impact: 5", "impact: 4");
    let theirs = copy.read("risks/R-004.md");
    let (code, _, err) = isms(&[
        "--repo",
        &d,
        "--format",
        "json",
        "set",
        "R-004",
        "likelihood=3",
        "--base",
        &revision,
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(crate::support::error_of(&err).0, "conflict", "{err}");
    assert_eq!(copy.read("risks/R-004.md"), theirs, "their edit is kept");
    let (_, out, _) = isms(&["--repo", &d, "--format", "json", "show", "R-004"]);
    let fresh: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let (code, _, err) = isms(&[
        "--repo",
        &d,
        "set",
        "R-004",
        "likelihood=3",
        "--base",
        fresh["revision"].as_str().expect("a revision"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(copy.read("risks/R-004.md").contains("likelihood: 3"));
}

#[test]
fn a_save_is_refused_when_check_would_reject_what_it_wrote() {
    // Before, `set owner=cto` printed "Saved" and exit 0, and `isms check` then failed.
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("opens");
    let before = copy.read("risks/R-004.md");
    for (assignment, field, says) in [
        ("owner=cto", "owner", "`cto` is not a role in isms.yaml"),
        (
            "controls+=9.99",
            "controls",
            "`9.99` is not an ISO/IEC 27001:2022 Annex A control",
        ),
        ("related+=R-999", "related", "there is no risk `R-999`"),
        (
            "owner=cto\r",
            "owner",
            "invisible control character (U+000D)",
        ),
        (
            "title=Fine\u{1b}[2K",
            "title",
            "invisible control character (U+001B)",
        ),
    ] {
        let err = isms
            .set("R-004", &set(&[assignment]), None, None)
            .expect_err(assignment);
        let Error::Invalid(load) = &err else {
            panic!("{assignment}: invalid, not {err}")
        };
        assert_eq!(load.path, "risks/R-004.md", "{assignment}");
        assert_eq!(load.field.as_deref(), Some(field), "{assignment}: {err}");
        assert!(err.to_string().contains(says), "{assignment}: {err}");
        assert_eq!(copy.read("risks/R-004.md"), before, "{assignment} wrote");
    }
    // A new record is held to the same rules, and takes no id when refused.
    let err = isms
        .create(
            RecordKind::Treatment,
            None,
            &set(&["title=Patch", "option=mitigate", "risks=[R-404]"]),
            None,
        )
        .expect_err("a treatment of a risk that does not exist");
    assert!(
        err.to_string().contains("there is no risk `R-404`"),
        "{err}"
    );
    assert!(!copy.file("treatments/T-007.md").exists());
    // Writes depend on isms.yaml's roles and domains: while it does not load, they wait.
    copy.edit("isms.yaml", "roles:", "roles: [");
    let err = isms
        .set("R-004", &set(&["likelihood=3"]), None, None)
        .expect_err("isms.yaml is broken");
    let Error::Invalid(load) = &err else {
        panic!("invalid, not {err}")
    };
    assert_eq!(load.path, "isms.yaml", "{err}");
    assert!(err.to_string().contains("until isms.yaml loads"), "{err}");
    assert_eq!(copy.read("risks/R-004.md"), before);
}

#[test]
fn a_reference_that_already_named_nothing_does_not_block_an_unrelated_edit() {
    // R-004 names R-017 as related; R-017 is deleted. `isms check` says so; changing
    // R-004's likelihood is still possible, adding another unknown risk is not.
    let copy = Copy::new();
    fs::remove_file(copy.file("risks/R-017.md")).expect("delete");
    let isms = Isms::open(copy.path()).expect("opens");
    isms.set("R-004", &set(&["likelihood=3"]), None, None)
        .expect("an unrelated edit saves");
    let err = isms
        .set("R-004", &set(&["related+=R-404"]), None, None)
        .expect_err("a new dangling reference");
    assert!(err.to_string().contains("R-404"), "{err}");
}

#[test]
fn the_next_save_in_a_folder_sweeps_what_killed_saves_left_there() {
    let copy = Copy::new();
    let gone = std::process::Command::new("true")
        .spawn()
        .and_then(|mut c| {
            let pid = c.id();
            c.wait().map(|_| pid)
        })
        .expect("a process that has ended");
    let left = format!("risks/.R-001.md.{gone}.0.tmp");
    copy.write(&left, "half a record");
    let isms = Isms::open(copy.path()).expect("opens");
    isms.set("R-004", &set(&["likelihood=3"]), None, None)
        .expect("saves");
    assert!(!copy.file(&left).exists(), "{left} is still there");
}

#[test]
fn an_outside_edit_racing_a_save_is_never_overwritten() {
    // Another program (`sed -i`: read, write a temporary file, rename it over) edits
    // R-004 over and over while ISMS Desk saves it over and over. Each outside edit
    // counts up `x-edit`; an outside edit is lost when the next one finds a smaller
    // count than it wrote: a save decided on the file before it replaced it.
    let copy = Copy::new();
    copy.edit(
        "risks/R-004.md",
        "owner: head-of-product",
        "owner: head-of-product\nx-edit: 0",
    );
    let file = copy.file("risks/R-004.md");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // How long the last save took, in microseconds: the outside editor waits between
    // half and three times that between edits, so on a fast machine or a slow one its
    // edits land inside saves often and saves still get through between them.
    let save_micros = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(10_000));
    let outside = {
        let (file, stop, save_micros) = (file.clone(), stop.clone(), save_micros.clone());
        std::thread::spawn(move || {
            let (mut written, mut lost, mut edits) = (0u64, 0u64, 0u64);
            let mut seed = 0x5eed_0fed_u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let text = fs::read_to_string(&file).expect("readable");
                let Some(count) = text
                    .lines()
                    .find_map(|l| l.strip_prefix("x-edit: "))
                    .and_then(|n| n.parse::<u64>().ok())
                else {
                    continue;
                };
                if count < written {
                    lost += 1;
                }
                written = count + 1;
                let tmp = file.with_extension("sed-tmp");
                fs::write(
                    &tmp,
                    text.replace(&format!("x-edit: {count}"), &format!("x-edit: {written}")),
                )
                .expect("writable");
                fs::rename(&tmp, &file).expect("renamed");
                edits += 1;
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let save = save_micros
                    .load(std::sync::atomic::Ordering::Relaxed)
                    .max(1);
                let wait = save / 2 + (seed >> 33) % (save * 5 / 2).max(1);
                std::thread::sleep(std::time::Duration::from_micros(wait));
            }
            (edits, lost)
        })
    };
    let isms = Isms::open(copy.path()).expect("opens");
    // Enough saves to race a few hundred outside edits, however slow the machine.
    let (mut saves, mut n) = (0, 0);
    while saves < 300 && n < 5000 {
        n += 1;
        let started = std::time::Instant::now();
        let saved = isms
            .set(
                "R-004",
                &set(&[&format!("likelihood={}", 1 + n % 5)]),
                None,
                None,
            )
            .is_ok();
        save_micros.store(
            started.elapsed().as_micros() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        saves += u32::from(saved);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (edits, lost) = outside.join().expect("the outside editor ran");
    assert!(
        saves > 100 && edits > 100,
        "{saves} saves, {edits} outside edits"
    );
    assert_eq!(
        lost, 0,
        "{lost} of {edits} outside edits were overwritten ({saves} saves)"
    );
}

#[test]
fn an_soa_entry_that_contradicts_itself_is_refused_with_its_reason() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("opens");
    let before = copy.read("controls/7.4.md");
    // 7.4 is implemented for best practice: excluding it alone would leave a control
    // that is both not applicable and in place.
    let err = isms
        .set(
            "7.4",
            &set(&["applicable=false", "justification=Shared office"]),
            None,
            None,
        )
        .expect_err("not applicable yet implemented is refused");
    let Error::Invalid(load) = &err else {
        panic!("invalid: {err}")
    };
    assert_eq!(
        (load.path.as_str(), load.field.as_deref(), load.line),
        ("controls/7.4.md", Some("status"), Some(5))
    );
    assert!(
        load.message
            .contains("not applicable, yet its status is implemented"),
        "{err}"
    );
    let err = isms
        .set(
            "7.4",
            &set(&[
                "applicable=false",
                "status=not_implemented",
                "justification=Shared office",
            ]),
            None,
            None,
        )
        .expect_err("not applicable yet required for best practice is refused");
    let Error::Invalid(load) = &err else {
        panic!("invalid: {err}")
    };
    assert_eq!(load.field.as_deref(), Some("reasons"));
    assert!(load.message.contains("included for best_practice"), "{err}");
    assert_eq!(copy.read("controls/7.4.md"), before, "nothing was written");

    isms.set(
        "7.4",
        &set(&[
            "applicable=false",
            "status=not_implemented",
            "reasons=",
            "justification=Shared office",
        ]),
        None,
        None,
    )
    .expect("a consistent exclusion saves");
    let text = copy.read("controls/7.4.md");
    assert!(
        text.contains("applicable: false\nstatus: not_implemented\n"),
        "{text}"
    );
    assert!(!text.contains("reasons:"), "{text}");

    // A hand edit that contradicts itself does not load, and says why.
    copy.edit(
        "controls/7.4.md",
        "status: not_implemented",
        "status: partial",
    );
    let err = isms.open_record("7.4").expect_err("does not load");
    assert!(err.to_string().contains("controls/7.4.md"), "{err}");
    assert!(err.to_string().contains("its status is partial"), "{err}");
}
