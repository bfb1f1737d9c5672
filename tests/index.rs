//! The SQLite index: derived, rebuilt when stale, and never authoritative.

use std::fs;

use isms_core::domain::Band;
use isms_core::index::{ControlQuery, Refresh, RiskQuery, RiskSort};
use isms_core::Isms;

use crate::support::{sample, Copy};

fn answers(isms: &Isms) -> String {
    let index = isms.index().expect("the index opens");
    let mut out = String::new();
    out += &format!(
        "{:?}\n",
        index
            .risks(&RiskQuery {
                sort: RiskSort::Score,
                ..Default::default()
            })
            .expect("risks")
    );
    out += &format!(
        "{:?}\n",
        index
            .risks(&RiskQuery {
                band: Some(Band::new("manage")),
                owner: Some("sre-lead".into()),
                ..Default::default()
            })
            .expect("risks")
    );
    out += &format!(
        "{:?}\n",
        index.controls(&ControlQuery::default()).expect("controls")
    );
    out += &format!("{:?}\n", index.treatments().expect("treatments"));
    out += &format!("{:?}\n", index.documents().expect("documents"));
    for q in ["kobenhavn", "tenant isolation", "backup", "R-013"] {
        out += &format!("{:?}\n", index.search(q, 50).expect("search"));
    }
    out
}

#[test]
fn deleting_the_index_gives_identical_answers() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("opens");
    let first = answers(&isms);
    assert!(
        matches!(isms.index().expect("opens").refresh, Refresh::Fresh),
        "a second open finds nothing to do"
    );
    let file = copy.file(".git/isms-desk/index.sqlite");
    assert!(file.exists(), "the index lives inside .git");
    fs::remove_file(&file).expect("deletable");
    let _ = fs::remove_file(copy.file(".git/isms-desk/index.sqlite-wal"));
    let _ = fs::remove_file(copy.file(".git/isms-desk/index.sqlite-shm"));
    assert!(matches!(
        isms.index().expect("rebuilds").refresh,
        Refresh::Rebuilt { .. }
    ));
    assert_eq!(answers(&isms), first);
    // A damaged index is rebuilt too.
    fs::write(&file, b"this is not a database").expect("writable");
    assert_eq!(answers(&isms), first);
    // And without git, the index is kept in memory with the same answers.
    assert_eq!(
        answers(&Isms::open(&sample()).expect("the sample opens")),
        first
    );
}

#[test]
fn filters_and_orders_match_the_register() {
    let isms = Isms::open(&sample()).expect("opens");
    let index = isms.index().expect("opens");
    let all = index.risks(&RiskQuery::default()).expect("risks");
    assert_eq!(all.len(), 17);
    let count = |band: Band| {
        all.iter()
            .filter(|r| {
                r.status == isms_core::domain::RiskStatus::Active && r.band.as_ref() == Some(&band)
            })
            .count()
    };
    assert_eq!(
        (
            count(Band::new("unacceptable")),
            count(Band::new("manage")),
            count(Band::new("acceptable"))
        ),
        (1, 12, 3)
    );
    let by_score = index
        .risks(&RiskQuery {
            sort: RiskSort::Score,
            descending: true,
            ..Default::default()
        })
        .expect("risks");
    assert_eq!(by_score[0].id, "R-001");
    assert_eq!(by_score.last().map(|r| r.id.as_str()), Some("R-016"));
    let themed = index
        .risks(&RiskQuery {
            theme: Some("docs-lag".into()),
            ..Default::default()
        })
        .expect("risks");
    assert_eq!(
        themed.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["R-002", "R-007", "R-008", "R-010", "R-015", "R-016"]
    );
    let deferred = index
        .risks(&RiskQuery {
            status: Some(isms_core::domain::RiskStatus::Deferred),
            ..Default::default()
        })
        .expect("risks");
    assert_eq!(
        deferred.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["R-017"]
    );
    let soa = index.controls(&ControlQuery::default()).expect("controls");
    assert_eq!(soa.len(), 93);
    assert_eq!(soa.iter().filter(|c| !c.applicable).count(), 4);
    let backup = soa.iter().find(|c| c.id == "8.13").expect("8.13");
    assert_eq!(backup.cited_by, ["R-007", "R-008"]);
    assert_eq!(
        soa.iter().position(|c| c.id == "5.10"),
        Some(9),
        "numeric order: 5.9 before 5.10"
    );
}

#[test]
fn search_finds_danish_words_typed_without_danish_letters() {
    let isms = Isms::open(&sample()).expect("opens");
    let index = isms.index().expect("opens");
    let ids = |q: &str| {
        index
            .search(q, 20)
            .expect("search")
            .into_iter()
            .map(|h| h.id)
            .collect::<Vec<_>>()
    };
    assert!(ids("kobenhavn").contains(&"scope".to_string()));
    assert_eq!(ids("kobenhavn"), ids("København"));
    assert_eq!(ids("credential stuffing"), ["R-001"]);
    assert!(ids("").is_empty());
    assert_eq!(
        ids("\"credential* stuffing"),
        ["R-001"],
        "FTS5 syntax in the query is taken as plain words"
    );
}

#[test]
fn outside_changes_are_picked_up_file_by_file() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("opens");
    isms.index().expect("builds");
    copy.edit("risks/R-016.md", "likelihood: 1", "likelihood: 5");
    copy.write(
        "risks/R-020.md",
        &copy.read("risks/R-016.md").replace("R-016", "R-020"),
    );
    fs::remove_file(copy.file("risks/R-015.md")).expect("removable");
    let index = isms.index().expect("opens");
    assert_eq!(
        index.refresh,
        Refresh::Updated {
            changed: 2,
            removed: 1
        }
    );
    let rows = index.risks(&RiskQuery::default()).expect("risks");
    let r16 = rows.iter().find(|r| r.id == "R-016").expect("R-016");
    assert_eq!(
        (r16.score, r16.band.clone()),
        (Some(15), Some(Band::new("unacceptable")))
    );
    assert!(rows.iter().any(|r| r.id == "R-020") && !rows.iter().any(|r| r.id == "R-015"));
    // A broken file drops out of the lists and its problem is recorded.
    copy.edit("risks/R-020.md", "impact: 3", "impact: eleven");
    let index = isms.index().expect("opens");
    assert!(!index
        .risks(&RiskQuery::default())
        .expect("risks")
        .iter()
        .any(|r| r.id == "R-020"));
    let problems = index.load_errors().expect("errors");
    assert_eq!(
        problems.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        ["risks/R-020.md:7: impact: expected a whole number 1–10, found eleven"]
    );
    // Changing the methodology re-bands everything.
    copy.edit("isms.yaml", "      min: 15\n", "      min: 16\n");
    copy.edit("isms.yaml", "      max: 14\n", "      max: 15\n");
    let index = isms.index().expect("opens");
    assert!(matches!(index.refresh, Refresh::Rebuilt { .. }));
    let r1 = index
        .risks(&RiskQuery::default())
        .expect("risks")
        .into_iter()
        .find(|r| r.id == "R-001")
        .expect("R-001");
    assert_eq!(
        r1.band,
        Some(Band::new("manage")),
        "15 is Manage once the edge moves to 16"
    );
}

#[test]
fn a_long_first_indexing_reports_its_progress() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    isms_core::synthetic::generate(dir.path(), 600, 10).expect("a synthetic ISMS");
    git2::Repository::init(dir.path()).expect("git init");
    let isms = Isms::open(dir.path()).expect("it opens");
    let seen = std::sync::Mutex::new(Vec::new());
    let progress =
        |done: usize, total: usize| seen.lock().expect("not poisoned").push((done, total));
    let index = isms_core::index::Index::open_with_progress(&isms, &progress).expect("indexed");
    assert!(matches!(index.refresh, Refresh::Rebuilt { .. }));
    let seen = seen.into_inner().expect("not poisoned");
    let total = seen[0].1;
    assert!(total > 600, "every record file is counted: {total}");
    assert!(seen.len() >= 3, "reported more than once: {seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "never backwards: {seen:?}"
    );
    assert_eq!(
        *seen.last().expect("reports"),
        (total, total),
        "ends complete"
    );
    // Opening again has nothing to read.
    let again = std::sync::Mutex::new(0);
    let count = |_: usize, _: usize| *again.lock().expect("not poisoned") += 1;
    isms_core::index::Index::open_with_progress(&isms, &count).expect("opened");
    assert_eq!(*again.lock().expect("not poisoned"), 0);
}

#[test]
fn a_damaged_index_is_rebuilt_and_a_write_that_reached_the_disk_is_reported_done() {
    // Page-level damage with an intact header made every list and search fail, and
    // `set` and `new` write the file and then exit 2: a user who retried a "failed"
    // `new` three times got three risks.
    let copy = Copy::new();
    let d = copy.path().display().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["--repo", d.as_str()];
        all.extend_from_slice(args);
        crate::support::isms(&all)
    };
    assert_eq!(run(&["list", "risks"]).0, 0);
    let damage = || {
        let index = copy.file(".git/isms-desk/index.sqlite");
        let mut bytes = fs::read(&index).expect("the index file");
        let header = 4096;
        let damaged = bytes.len().saturating_sub(header) / 2;
        for b in bytes.iter_mut().skip(header).take(damaged) {
            *b = 0xA5;
        }
        fs::write(&index, bytes).expect("damaged");
        for extra in ["-wal", "-shm"] {
            let _ = fs::remove_file(copy.file(&format!(".git/isms-desk/index.sqlite{extra}")));
        }
    };
    damage();
    let (code, out, err) = run(&["list", "risks"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("17 risks"), "{out}");
    damage();
    let (code, out, err) = run(&["search", "tenant"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("R-004"), "{out}");
    damage();
    let (code, _, err) = run(&[
        "new",
        "risk",
        "--title",
        "Index damage",
        "domain=technical",
        "owner=ism",
        "likelihood=1",
        "impact=1",
    ]);
    assert_eq!(code, 0, "a new risk on disk is reported done: {err}");
    assert!(copy.file("risks/R-018.md").exists());
    assert!(!copy.file("risks/R-019.md").exists());
    damage();
    let (code, _, err) = run(&["set", "R-004", "likelihood=3"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run(&["list", "risks"]);
    assert!(out.contains("18 risks"), "{out}");
}

#[test]
fn a_synthetic_isms_loads_whole_and_passes_its_own_checks_of_references() {
    // The generator writes what the benchmarks open: every file must load, isms.yaml
    // first (it once kept the scaffold's `{{people}}` placeholder, and nothing loaded).
    let dir = tempfile::tempdir().expect("a temporary directory");
    isms_core::synthetic::generate(dir.path(), 120, 6).expect("a synthetic ISMS");
    isms_core::synthetic::generate_cycle(dir.path(), 12, 10, 30).expect("and its cycle");
    git2::Repository::init(dir.path()).expect("git init");
    let isms = Isms::open(dir.path()).expect("it opens");
    let loaded = isms.load().expect("it loads");
    assert!(loaded.errors.is_empty(), "{:#?}", loaded.errors);
    assert_eq!(
        (
            loaded.records.documents.len(),
            loaded.records.audits.len(),
            loaded.records.nonconformities.len()
        ),
        (12, 10, 30)
    );
    let config = loaded.records.config.as_ref().expect("isms.yaml loads");
    assert_eq!(config.organisation.name, "Synthetic Ltd");
    assert_eq!(config.people.len(), 1);
    assert_eq!(loaded.records.risks.len(), 120);
    let report = isms
        .findings(crate::support::today())
        .expect("the checks run");
    assert!(
        !report
            .findings
            .iter()
            .any(|f| matches!(f.rule.as_str(), "parse-error" | "unknown-reference")),
        "{:#?}",
        report.findings
    );
}

#[test]
fn a_repository_opened_just_after_it_was_written_is_read_once() {
    // A fresh clone (or a generated repository) opened at once: every file is "racily
    // clean" for two seconds after the first build. The next query compares them by
    // content and indexes nothing again; only a file that really changed is re-read.
    let dir = tempfile::tempdir().expect("a temporary directory");
    isms_core::synthetic::generate(dir.path(), 40, 4).expect("a synthetic ISMS");
    git2::Repository::init(dir.path()).expect("git init");
    let isms = Isms::open(dir.path()).expect("it opens");
    isms.index().expect("indexed");
    let db = dir.path().join(".git/isms-desk/index.sqlite");
    let rowids = || -> Vec<(String, i64)> {
        let conn = rusqlite::Connection::open(&db).expect("the index opens");
        let mut rows = conn
            .prepare("SELECT path, rowid FROM files ORDER BY path")
            .expect("a query");
        rows.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    };
    let first = rowids();
    assert!(first.len() > 40, "{}", first.len());
    isms.index().expect("queried again at once");
    assert_eq!(rowids(), first, "nothing was indexed again");
    // A same-size edit within the racy window is still seen.
    let path = dir.path().join("risks/R-00001.md");
    let text = std::fs::read_to_string(&path).expect("readable");
    let edited = text.replacen("status: active", "status: closed", 1);
    assert_eq!(edited.len(), text.len(), "the same size");
    let mtime = fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("an mtime");
    fs::write(&path, edited).expect("writable");
    // …and the same timestamp, as a coarse file system would give it.
    fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(mtime))
        .expect("the timestamp is set back");
    let index = isms.index().expect("queried again");
    let again = rowids();
    let moved: Vec<&str> = again
        .iter()
        .zip(&first)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.0.as_str())
        .collect();
    assert_eq!(
        moved,
        ["risks/R-00001.md"],
        "only the edited file is read again"
    );
    let closed = index
        .risks(&RiskQuery::default())
        .expect("risks")
        .into_iter()
        .find(|r| r.id == "R-00001")
        .expect("listed");
    assert_eq!(closed.status, isms_core::domain::RiskStatus::Closed);
}
