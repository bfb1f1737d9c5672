//! What the desktop app's screens show (`isms_core::api`), on copies of the sample:
//! the numbers the dashboard states, the editor's sections and saves, the SoA with its
//! citations, overdue work on the treatment plan, and committing as the app does.

use chrono::NaiveDate;
use isms_core::api::{CommitOptions, HeatMap, Passphrase, RegisterQuery, Session, Signing};
use isms_core::domain::{Band, RiskStatus};
use isms_core::index::RiskSort;
use isms_core::report::ReportKind;
use isms_core::settings::Settings;
use isms_core::ErrorCode;
use isms_core::Isms;

use crate::support::{keygen, public_key, today, Copy, Signed};

fn committed() -> Signed {
    let s = Signed::new();
    s.ok(&["commit", "-m", "The ISMS as it stands"]);
    s
}

fn total(map: &HeatMap) -> u32 {
    map.counts.iter().flatten().sum()
}

#[test]
fn the_dashboard_counts_bands_and_finds_overdue_work() {
    let s = committed();
    let isms = Isms::open(s.path()).expect("the sample opens");
    let d = isms.dashboard(today()).expect("a dashboard");
    assert_eq!(
        (
            d.inherent.of("unacceptable"),
            d.inherent.of("manage"),
            d.inherent.of("acceptable"),
            d.inherent.unscored
        ),
        (1, 12, 3, 0)
    );
    assert_eq!((d.risks, d.deferred, d.closed), (17, 1, 0));
    assert_eq!(
        total(&d.inherent_map),
        16,
        "every active scored risk is on the map"
    );
    // likelihood 2, impact 5.
    assert!(d.inherent_map.counts[4][1] >= 1);
    assert_eq!(d.inherent_map.bands[4][4], Some(Band::new("unacceptable")));
    assert_eq!(d.inherent_map.bands[0][0], Some(Band::new("acceptable")));
    assert_eq!(
        total(&d.residual_map) + d.residual.unscored,
        16,
        "active risks without a residual rating are counted, not drawn"
    );
    assert_eq!(d.next_assessment, NaiveDate::from_ymd_opt(2027, 5, 12));
    let reviews: Vec<&str> = d
        .overdue_reviews
        .iter()
        .map(|r| r.risk.id.as_str())
        .collect();
    assert_eq!(reviews, ["R-016"]);
    let register = isms
        .register(&RegisterQuery::default(), today())
        .expect("the register");
    assert_eq!(register.rows.len(), 17);
    assert_eq!(
        register.overdue_reviews,
        ["R-016"],
        "the register marks the same"
    );
    let actions: Vec<String> = d
        .overdue_actions
        .iter()
        .map(|a| format!("{} {}", a.record, a.action))
        .collect();
    assert_eq!(
        actions,
        ["T-001 A2"],
        "only approved treatments' open actions"
    );
    assert!(d.uncommitted.is_empty(), "{:?}", d.uncommitted);
    assert!(d.load_errors.is_empty());

    s.copy
        .edit("risks/R-004.md", "likelihood: 2", "likelihood: 3");
    let d = isms.dashboard(today()).expect("a dashboard");
    assert_eq!(d.uncommitted, ["risks/R-004.md"]);
    // A year later every review is overdue: the active risks' and the deferred one's
    // (one rule, domain::review_overdue, for the dashboard and the checks alike).
    let later = isms
        .dashboard(NaiveDate::from_ymd_opt(2027, 12, 1).expect("a date"))
        .expect("a dashboard");
    assert_eq!(later.overdue_reviews.len(), 17);
}

#[test]
fn a_file_that_does_not_load_is_named_and_the_rest_still_shows() {
    let copy = Copy::new();
    copy.edit("risks/R-007.md", "likelihood: 2", "likelihood: 11");
    copy.edit("controls/5.1.md", "applicable: true", "applicable: maybe");
    let isms = Isms::open(copy.path()).expect("the sample opens");
    let d = isms.dashboard(today()).expect("a dashboard");
    assert!(
        d.load_errors
            .iter()
            .any(|e| e.path == "risks/R-007.md" && e.line.is_some()),
        "{:?}",
        d.load_errors
    );
    assert_eq!(d.risks, 16, "the others are counted");
    let soa = isms.soa(today()).expect("the SoA");
    assert_eq!(soa.lines.len(), 92);
    let e = &soa.errors[0];
    assert_eq!(
        (e.path.as_str(), e.field.as_deref()),
        ("controls/5.1.md", Some("applicable"))
    );
    assert!(
        soa.missing.is_empty(),
        "a broken entry is an error, not a missing one"
    );
}

#[test]
fn the_editor_shows_every_standard_section_and_saves_one_without_touching_the_rest() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("the sample opens");
    let view = isms.risk_view("R-004").expect("R-004");
    let headings: Vec<&str> = view.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(
        headings,
        [
            "Description",
            "Existing controls",
            "Treatment options",
            "Work in progress",
            "Scoring rationale",
            "Internal notes"
        ]
    );
    assert!(
        view.sections[3].markdown.is_empty(),
        "R-004 has no work in progress yet"
    );
    assert!(view.sections[4].internal && view.sections[5].internal && !view.sections[0].internal);
    assert!(view.sections[1].html.contains("<li>"));
    assert_eq!(view.inherent.as_ref().map(|r| r.score), Some(10));
    assert_eq!(view.related[0].id, "R-005");
    assert!(!view.related[0].title.is_empty());
    assert!(view.treatments.iter().any(|t| t.id.starts_with("T-")));

    let before = copy.read("risks/R-004.md");
    let saved = isms
        .save_section(
            "R-004",
            "Work in progress",
            "Row-level security <b>pilot</b> on two tables.",
            &view.revision,
        )
        .expect("saved");
    assert!(saved.changed);
    let after = copy.read("risks/R-004.md");
    assert!(
        after.contains("## Work in progress\n\nRow-level security <b>pilot</b> on two tables.\n")
    );
    assert_eq!(
        after.replace(
            "\n\n## Work in progress\n\nRow-level security <b>pilot</b> on two tables.",
            ""
        ),
        before,
        "only the new section was added"
    );
    let view = isms.risk_view("R-004").expect("R-004");
    assert!(
        view.sections[3].html.contains("&lt;b&gt;pilot"),
        "{}",
        view.sections[3].html
    );

    // A save from a stale revision is refused: the file changed since it was read.
    let stale = isms.save_section(
        "R-004",
        "Description",
        "Mine.",
        &isms_core::store::Revision::of(before.as_bytes()),
    );
    assert_eq!(stale.expect_err("stale").code(), ErrorCode::Conflict);
}

#[test]
fn the_soa_lists_every_control_with_the_risks_that_cite_it() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("the sample opens");
    let soa = isms.soa(today()).expect("the SoA");
    assert_eq!(soa.lines.len(), 93);
    assert_eq!(soa.lines[0].entry.id, "5.1");
    assert_eq!(soa.lines[92].entry.id, "8.34");
    let line = soa.lines.iter().find(|l| l.entry.id == "8.3").expect("8.3");
    assert_eq!(line.theme, "Technological");
    assert!(line
        .cited_by
        .iter()
        .any(|r| r.id == "R-004" && r.band == Some(Band::new("manage"))));
    let excluded = soa.lines.iter().find(|l| l.entry.id == "7.6").expect("7.6");
    assert!(!excluded.entry.applicable && excluded.entry.justification.is_some());
}

#[test]
fn the_treatment_plan_marks_overdue_actions() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("the sample opens");
    let plan = isms.treatment_plan(today()).expect("the plan");
    let t1 = plan
        .treatments
        .iter()
        .find(|t| t.treatment.id == "T-001")
        .expect("T-001");
    assert_eq!(t1.overdue, ["A2"]);
    assert_eq!(t1.risks[0].id, "R-001");
    assert_eq!(t1.risks[0].band, Some(Band::new("unacceptable")));
    let t3 = plan
        .treatments
        .iter()
        .find(|t| t.treatment.id == "T-003")
        .expect("T-003");
    let late = isms
        .treatment_plan(NaiveDate::from_ymd_opt(2027, 6, 1).expect("a date"))
        .expect("the plan");
    assert!(t3.overdue.is_empty());
    assert!(
        late.treatments
            .iter()
            .find(|t| t.treatment.id == "T-003")
            .expect("T-003")
            .overdue
            .is_empty(),
        "a proposed treatment has no commitments to be late on"
    );
}

#[test]
fn reports_preview_and_export_from_the_last_commit() {
    let s = committed();
    let isms = Isms::open(s.path()).expect("the sample opens");
    let preview = isms.report_preview(ReportKind::Soa).expect("a preview");
    assert!(
        preview.html.contains("<h1>Statement of Applicability"),
        "{}",
        &preview.html[..200]
    );
    let head = s.git(&["rev-parse", "HEAD"]);
    assert_eq!(
        preview.meta.expect("a committed report").commit,
        head.trim()
    );
    assert_eq!(preview.uncommitted, Vec::<String>::new());
    let out = s.home.path().join("soa.pdf");
    let exported = isms.export_pdf(ReportKind::Soa, &out).expect("exported");
    assert!(std::fs::read(&out).expect("the file").starts_with(b"%PDF-"));
    assert!(exported.pages > 1);
    assert_eq!(exported.commit, head.trim());
}

#[test]
fn commits_from_the_app_ask_for_a_passphrase_when_the_key_needs_one() {
    let s = committed();
    let encrypted = keygen(s.home.path(), "ingrid-locked", "correct horse");
    s.copy
        .edit("isms.yaml", &public_key(&s.key), &public_key(&encrypted));
    s.git(&[
        "config",
        "user.signingkey",
        encrypted.to_str().expect("utf-8"),
    ]);
    s.copy
        .edit("risks/R-004.md", "likelihood: 2", "likelihood: 3");
    let isms = Isms::open(s.path()).expect("the sample opens");
    let refused = isms
        .commit_changes(&app_session(None), &app_commit("Rescore R-004"))
        .expect_err("needs the passphrase");
    assert_eq!(refused.code(), ErrorCode::PassphraseRequired);
    assert!(refused.to_string().contains("ingrid-locked"), "{refused}");
    assert_eq!(
        s.git(&["status", "--porcelain"]).lines().count(),
        2,
        "nothing was committed"
    );
    let wrong = isms
        .commit_changes(
            &app_session(Some("battery staple")),
            &app_commit("Rescore R-004"),
        )
        .expect_err("wrong");
    assert_eq!(wrong.code(), ErrorCode::NoSigningKey);
    let done = isms
        .commit_changes(
            &app_session(Some("correct horse")),
            &app_commit("Rescore R-004"),
        )
        .expect("committed");
    assert!(done.signed);
    // The new key is not approved yet (no governance sign-off), so the repository's
    // allowed_signers does not list it; git checks the signature against a list of
    // its own.
    let signers = s.home.path().join("locked_signers");
    std::fs::write(
        &signers,
        format!(
            "ingrid.solberg@kestrelcart.example {}\n",
            public_key(&encrypted)
        ),
    )
    .expect("the list is written");
    s.git(&[
        "-c",
        &format!("gpg.ssh.allowedSignersFile={}", signers.display()),
        "verify-commit",
        "HEAD",
    ]);
}

#[test]
fn commits_from_the_app_are_unsigned_when_no_key_is_configured() {
    let s = committed();
    s.git(&["config", "--unset", "user.signingkey"]);
    s.git(&["config", "--unset", "gpg.format"]);
    s.copy
        .edit("risks/R-004.md", "likelihood: 2", "likelihood: 3");
    let isms = Isms::open(s.path()).expect("the sample opens");
    let done = isms
        .commit_changes(&app_session(None), &app_commit("Rescore R-004"))
        .expect("committed");
    assert!(!done.signed);
    assert_eq!(done.files, ["risks/R-004.md"]);
}

#[test]
fn the_register_is_filtered_searched_and_ordered_by_the_core() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("the sample opens");
    let ids = |query: RegisterQuery| -> Vec<String> {
        isms.register(&query, today())
            .expect("the register")
            .rows
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    let everything = isms
        .register(&RegisterQuery::default(), today())
        .expect("the register");
    assert_eq!(everything.total, 17);
    assert_eq!(everything.domains, ["people", "technical"]);
    assert_eq!(everything.owners, ["head-of-product", "ism", "sre-lead"]);

    assert_eq!(
        ids(RegisterQuery {
            status: Some(RiskStatus::Deferred),
            ..RegisterQuery::default()
        })
        .len(),
        1
    );
    assert_eq!(
        ids(RegisterQuery {
            band: Some(Band::new("unacceptable")),
            ..RegisterQuery::default()
        }),
        ["R-001"]
    );
    let people = isms
        .register(
            &RegisterQuery {
                domain: Some("people".into()),
                ..RegisterQuery::default()
            },
            today(),
        )
        .expect("the register");
    assert_eq!(
        (people.rows.len(), people.total),
        (1, 17),
        "the total counts all"
    );

    // Scores list highest first unless asked otherwise, ties by id.
    let by_score = isms
        .register(
            &RegisterQuery {
                sort: RiskSort::Score,
                ..RegisterQuery::default()
            },
            today(),
        )
        .expect("the register");
    let scores: Vec<Option<u8>> = by_score.rows.iter().map(|r| r.score).collect();
    let mut expected = scores.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(scores, expected);
    assert_eq!(by_score.rows[0].id, "R-001");
    assert!(by_score.descending, "the app shows which way it is ordered");
    let lowest_first = isms
        .register(
            &RegisterQuery {
                sort: RiskSort::Score,
                descending: Some(false),
                ..RegisterQuery::default()
            },
            today(),
        )
        .expect("the register");
    assert_eq!(lowest_first.rows.last().map(|r| r.score), Some(Some(15)));

    // A search narrows the filters' rows, it does not replace them.
    assert_eq!(
        ids(RegisterQuery {
            search: Some("tenant".into()),
            band: Some(Band::new("unacceptable")),
            ..RegisterQuery::default()
        }),
        ["R-001"],
        "three risks mention tenants; one of them is unacceptable"
    );
    assert!(ids(RegisterQuery {
        search: Some("naestved".into()),
        owner: Some("nobody".into()),
        ..RegisterQuery::default()
    })
    .is_empty());
}

#[test]
fn search_finds_risks_by_words_as_people_type_them() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("the sample opens");
    assert_eq!(isms.search_risks("naestved").expect("a search"), ["R-015"]);
    assert!(isms
        .search_risks("tenant")
        .expect("a search")
        .contains(&"R-004".to_string()));
    assert!(isms.search_risks("zzzzqqq").expect("a search").is_empty());
}

#[test]
fn the_editor_says_when_a_signed_acceptance_no_longer_covers_the_risk() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("the sample opens");
    assert_eq!(
        isms.risk_view("R-013").expect("R-013").acceptance_stale,
        Vec::<String>::new(),
        "the sample's acceptance records no signed levels"
    );
    copy.edit(
        "risks/R-013.md",
        "  reaffirmed: [2026-03-10, 2026-09-22]\n",
        "  reaffirmed: [2026-03-10, 2026-09-22]\n  signoff: risk-acceptance-R-013-2026-09-22\n  as_scored: {likelihood: 2, impact: 4}\n",
    );
    assert_eq!(
        isms.risk_view("R-013").expect("R-013").acceptance_stale,
        Vec::<String>::new(),
        "signed at the levels it has"
    );
    copy.edit("risks/R-013.md", "likelihood: 2", "likelihood: 4");
    assert_eq!(
        isms.risk_view("R-013").expect("R-013").acceptance_stale,
        ["likelihood 2 → 4"]
    );
}

/// A session as the app makes one: default settings, the passphrase typed (if any).
fn app_session(passphrase: Option<&str>) -> Session<'_> {
    static SETTINGS: std::sync::OnceLock<Settings> = std::sync::OnceLock::new();
    Session {
        settings: SETTINGS.get_or_init(Settings::default),
        passphrase: Passphrase::Typed(passphrase),
        when: None,
    }
}

/// A commit of every change, as the app's Commit screen makes it.
fn app_commit(message: &str) -> CommitOptions<'_> {
    CommitOptions {
        message,
        records: &[],
        signing: Signing::IfConfigured,
        allow_signed_edits: false,
    }
}

#[test]
fn every_screen_works_on_a_repository_with_no_commits_yet() {
    let home = tempfile::tempdir().expect("a folder");
    let dir = home.path().join("isms");
    isms_core::init::init(&dir, "Fjordline Freight", today()).expect("created");
    let isms = Isms::open(&dir).expect("a new ISMS opens");
    let settings = Settings::default();
    let session = Session::reading(&settings);
    isms.dashboard(today()).expect("the dashboard");
    isms.findings(today()).expect("the findings");
    isms.reference().expect("the reference lists");
    isms.register(&RegisterQuery::default(), today())
        .expect("the register");
    isms.soa(today()).expect("the SoA");
    isms.treatment_plan(today()).expect("the treatment plan");
    assert!(isms
        .timeline("5.1")
        .expect("a control's history")
        .is_empty());
    let pending = isms
        .changes("HEAD", None)
        .expect("what a first commit would take");
    assert!(
        pending.records.iter().any(|r| r.id == "5.1"),
        "every file is new: {pending:?}"
    );
    let preview = isms
        .report_preview(ReportKind::Soa)
        .expect("a report preview says there is nothing committed yet");
    assert!(
        preview.meta.is_none() && preview.html.is_empty() && preview.uncommitted.len() > 90,
        "{preview:?}"
    );
    isms.signoff_board(&session).expect("the sign-off board");
    // The branch a new ISMS starts on.
    let repo = git2::Repository::open(&dir).expect("a git repository");
    assert_eq!(
        repo.find_reference("HEAD")
            .expect("HEAD")
            .symbolic_target()
            .ok()
            .flatten()
            .map(str::to_string),
        Some("refs/heads/main".to_string())
    );
}

#[test]
fn a_file_that_does_not_load_is_shown_broken_and_mended_as_text() {
    let s = committed();
    let good = s.copy.read("risks/R-004.md");
    let bad = good.replace("likelihood: 2\n", "likelihood: 11\n");
    s.copy.write("risks/R-004.md", &bad);
    let isms = Isms::open(s.path()).expect("opens");
    // The register names it as a broken row, with its line.
    let register = isms
        .register(&RegisterQuery::default(), today())
        .expect("the register");
    let broken: Vec<(&str, Option<usize>)> = register
        .broken
        .iter()
        .map(|b| (b.path.as_str(), b.line))
        .collect();
    assert_eq!(broken, [("risks/R-004.md", Some(6))]);
    // Commit calls it what it is: not removed, but not loading.
    let pending = isms.changes("HEAD", None).expect("the changes");
    let r004 = pending
        .records
        .iter()
        .find(|r| r.id == "R-004")
        .expect("R-004 is listed");
    assert_eq!(r004.change.words(), "does not load");
    assert_eq!(r004.path, "risks/R-004.md");
    // The plain-text editor gets the text with each problem at its line.
    let file = isms.file_text("risks/R-004.md").expect("the text");
    assert_eq!(file.text, bad);
    assert_eq!(
        (file.problems[0].line, file.problems[0].field.as_deref()),
        (Some(6), Some("likelihood"))
    );
    assert!(file.problems.iter().all(|p| p.line.is_some()));
    // Saving text that still does not load writes nothing.
    let still = bad.replace("impact: 5\n", "impact: 6\n");
    let e = isms
        .save_file_text("risks/R-004.md", &still, &file.revision)
        .expect_err("refused");
    assert_eq!(e.code(), ErrorCode::Invalid);
    assert_eq!(s.copy.read("risks/R-004.md"), bad);
    // A stale base is a conflict.
    let e = isms
        .save_file_text(
            "risks/R-004.md",
            &good,
            &isms_core::store::Revision::of(b"x"),
        )
        .expect_err("stale");
    assert_eq!(e.code(), ErrorCode::Conflict);
    // The mended text is saved as typed, and the risk is back.
    isms.save_file_text("risks/R-004.md", &good, &file.revision)
        .expect("saved");
    assert_eq!(s.copy.read("risks/R-004.md"), good);
    let register = isms
        .register(&RegisterQuery::default(), today())
        .expect("the register");
    assert!(register.broken.is_empty());
    assert!(register.rows.iter().any(|r| r.id == "R-004"));
    // isms.yaml too, even though nothing else can be written while it is broken.
    let config = s.copy.read("isms.yaml");
    let broken_config = config.replace("  name: Kestrel Cart\n", "  name: [Kestrel\n");
    s.copy.write("isms.yaml", &broken_config);
    let file = isms.file_text("isms.yaml").expect("the text");
    assert!(!file.problems.is_empty());
    isms.save_file_text("isms.yaml", &config, &file.revision)
        .expect("mended");
    assert!(isms
        .file_text("isms.yaml")
        .expect("the text")
        .problems
        .is_empty());
    // Only ISMS files.
    let e = isms
        .save_file_text("README.md", "x", &file.revision)
        .expect_err("not an ISMS file");
    assert_eq!(e.code(), ErrorCode::Usage);
}

fn a_new_isms_plan() -> isms_core::init::NewIsms {
    use isms_core::init::{NewDomain, NewIsms, NewPerson};
    NewIsms {
        organisation: "Fjordline Freight".into(),
        people: vec![
            NewPerson {
                name: "Ada Strand".into(),
                email: "ada@fjordline.example".into(),
                roles: vec!["ism".into()],
            },
            NewPerson {
                name: "Ben Aas".into(),
                email: "ben@fjordline.example".into(),
                roles: vec!["ceo".into(), "head-of-product".into()],
            },
        ],
        domains: vec![
            NewDomain {
                id: None,
                name: "Technology and operations".into(),
                deferred_to: None,
            },
            NewDomain {
                id: None,
                name: "Suppliers".into(),
                deferred_to: Some("Supplier workshop, March 2027".into()),
            },
        ],
        first_assessment: NaiveDate::from_ymd_opt(2027, 3, 1).expect("a date"),
        methodology: None,
    }
}

#[test]
fn a_new_isms_is_set_up_from_the_plan_and_committed_signed_as_its_ism() {
    crate::support::hermetic();
    let home = tempfile::tempdir().expect("a folder");
    let key = keygen(home.path(), "ada", "");
    let settings = Settings {
        signing_key: Some(key.clone()),
        person: None,
    };
    let session = Session::reading(&settings);
    let dir = home.path().join("isms");
    let plan = a_new_isms_plan();
    let committed = isms_core::api::open::create_isms(
        &dir,
        &plan,
        Some("ada@fjordline.example"),
        &session,
        today(),
    )
    .expect("set up and committed");
    assert!(committed.signed);
    let isms = Isms::open(&dir).expect("opens");
    let loaded = isms.load().expect("loads");
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let config = isms.load_config().expect("isms.yaml loads");
    assert_eq!(config.organisation.name, "Fjordline Freight");
    assert_eq!(config.people.len(), 2);
    let ids: Vec<(&str, bool)> = config
        .domains
        .iter()
        .map(|d| (d.id.as_str(), d.deferred_to.is_some()))
        .collect();
    assert_eq!(
        ids,
        [("technology-and-operations", false), ("suppliers", true)]
    );
    let repo = git2::Repository::open(&dir).expect("a repository");
    let head = repo
        .head()
        .expect("a commit")
        .peel_to_commit()
        .expect("a commit");
    assert_eq!(head.author().email().ok(), Some("ada@fjordline.example"));
    assert_eq!(
        head.message().ok(),
        Some("Set up the ISMS of Fjordline Freight\n")
    );
    assert!(repo.extract_signature(&head.id(), None).is_ok(), "signed");
    assert_eq!(repo.head().expect("HEAD").shorthand().ok(), Some("main"));
    let _ = public_key(&key);

    // A plan isms.yaml would reject writes nothing.
    let mut twice = a_new_isms_plan();
    twice.people[1].email = "ada@fjordline.example".into();
    let elsewhere = home.path().join("other");
    let e = isms_core::api::open::create_isms(&elsewhere, &twice, None, &session, today())
        .expect_err("refused");
    assert_eq!(e.code(), ErrorCode::Invalid);
    assert!(e.to_string().contains("people.email"), "{e}");
    assert!(!elsewhere.exists());
    // So does one that cannot be committed (nobody to commit as), even in a folder
    // that was there and empty.
    std::fs::create_dir(&elsewhere).expect("created");
    let e = isms_core::api::open::create_isms(&elsewhere, &plan, None, &session, today())
        .expect_err("nobody to commit as");
    assert_eq!(e.code(), ErrorCode::Usage);
    assert_eq!(std::fs::read_dir(&elsewhere).expect("listable").count(), 0);
}

#[test]
fn every_dashboard_tile_and_heat_map_cell_drills_down_to_the_risks_it_counts() {
    let s = committed();
    let isms = Isms::open(s.path()).expect("opens");
    let d = isms.dashboard(today()).expect("a dashboard");
    for residual in [false, true] {
        let (counts, map) = if residual {
            (&d.residual, &d.residual_map)
        } else {
            (&d.inherent, &d.inherent_map)
        };
        let shown = |query: RegisterQuery| {
            isms.register(
                &RegisterQuery {
                    residual,
                    status: Some(RiskStatus::Active),
                    ..query
                },
                today(),
            )
            .expect("the register")
            .rows
            .len() as u32
        };
        for (band, count) in [
            (Band::new("unacceptable"), counts.of("unacceptable")),
            (Band::new("manage"), counts.of("manage")),
            (Band::new("acceptable"), counts.of("acceptable")),
        ] {
            let rows = shown(RegisterQuery {
                band: Some(band.clone()),
                ..RegisterQuery::default()
            });
            assert_eq!(rows, count, "{band:?} (residual: {residual})");
        }
        for impact in 1..=5u8 {
            for likelihood in 1..=5u8 {
                let count = map.counts[usize::from(impact - 1)][usize::from(likelihood - 1)];
                let rows = shown(RegisterQuery {
                    likelihood: Some(likelihood),
                    impact: Some(impact),
                    ..RegisterQuery::default()
                });
                assert_eq!(
                    rows, count,
                    "cell {likelihood} × {impact} (residual: {residual})"
                );
            }
        }
    }
}

#[test]
fn residual_counts_agree_between_the_dashboard_the_register_and_the_report() {
    let s = committed();
    let isms = Isms::open(s.path()).expect("opens");
    let d = isms.dashboard(today()).expect("a dashboard");
    // R-013 has no residual rating recorded: it keeps its inherent one (Manage, 8).
    let r013 = isms
        .register(
            &RegisterQuery {
                search: Some("R-013".into()),
                ..RegisterQuery::default()
            },
            today(),
        )
        .expect("the register")
        .rows
        .into_iter()
        .find(|r| r.id == "R-013")
        .expect("R-013");
    assert_eq!(
        (r013.residual_score, r013.residual_band),
        (r013.score, r013.band)
    );
    assert_eq!(d.residual.unscored, 0);
    // The report's distribution table says the same numbers.
    let report = isms
        .render_report(
            ReportKind::RiskAssessment,
            &isms_core::api::reports::ReportSource::Revision("HEAD".into()),
            isms_core::api::reports::ReportFormat::Markdown,
        )
        .expect("the report");
    for (label, count) in [
        ("Unacceptable", d.residual.of("unacceptable")),
        ("Manage", d.residual.of("manage")),
        ("Acceptable", d.residual.of("acceptable")),
    ] {
        let row = report
            .markdown
            .lines()
            .find(|l| l.starts_with(&format!("| {label} (")))
            .unwrap_or_else(|| panic!("no {label} row"));
        let residual = row.rsplit('|').nth(1).expect("a residual cell").trim();
        assert_eq!(residual, count.to_string(), "{row}");
    }
}

#[test]
fn overdue_reviews_on_the_dashboard_cover_controlled_documents() {
    let s = committed();
    s.copy.edit(
        "documents/information-security-policy.md",
        "next_review: 2027-01-15",
        "next_review: 2026-01-15",
    );
    s.copy.edit(
        "documents/incident-response.md",
        "next_review: 2027-04-01",
        "next_review: 2026-02-01\nwithdrawn_on: 2026-03-01",
    );
    let isms = Isms::open(s.path()).expect("opens");
    let d = isms.dashboard(today()).expect("a dashboard");
    let overdue: Vec<(&str, String)> = d
        .overdue_documents
        .iter()
        .map(|o| (o.id.as_str(), o.next_review.to_string()))
        .collect();
    // The withdrawn one is not reviewed any more.
    assert_eq!(
        overdue,
        [("information-security-policy", "2026-01-15".to_string())]
    );
}

#[test]
fn a_rescore_flags_the_scoring_rationale_until_it_is_revised() {
    let s = committed();
    let isms = Isms::open(s.path()).expect("opens");
    assert!(isms
        .risk_view("R-004")
        .expect("a view")
        .rationale_review
        .is_empty());
    s.ok(&["set", "R-004", "likelihood=4"]);
    let view = isms.risk_view("R-004").expect("a view");
    assert_eq!(view.rationale_review, ["likelihood 2 → 4"]);
    // The rationale revised with the score: nothing to review.
    isms.save_section(
        "R-004",
        "Scoring rationale",
        "Likelihood 4: two tenant-filter misses reached staging in 2026. Impact 5: a notifiable breach.",
        &view.revision,
    )
    .expect("saved");
    assert!(isms
        .risk_view("R-004")
        .expect("a view")
        .rationale_review
        .is_empty());
    // Committed as it is, the flag has nothing to compare against any more.
    s.ok(&["commit", "-m", "R-004 rescored with its rationale"]);
    assert!(isms
        .risk_view("R-004")
        .expect("a view")
        .rationale_review
        .is_empty());
}

#[test]
fn a_new_isms_starts_with_the_methodology_its_set_up_edited() {
    crate::support::hermetic();
    let home = tempfile::tempdir().expect("a folder");
    let settings = Settings::default();
    let session = Session::reading(&settings);
    let scaffold = isms_core::init::scaffold_methodology().expect("the scaffold's methodology");
    assert_eq!(scaffold.likelihood.len(), 5);
    assert_eq!(scaffold.likelihood[4].name, "Almost certain");
    // Renamed levels, a definition with a colon in it, Unacceptable from 16 up.
    let mut m = scaffold.clone();
    m.likelihood[4].name = "Near certain".into();
    m.impact[0].definition = "Negligible: no customer notices".into();
    for band in &mut m.bands {
        match band.band.as_str() {
            "unacceptable" => band.min = 16,
            "manage" => band.max = 15,
            _ => {}
        }
    }
    let mut plan = a_new_isms_plan();
    plan.methodology = Some(m.clone());
    let dir = home.path().join("isms");
    isms_core::api::open::create_isms(
        &dir,
        &plan,
        Some("ada@fjordline.example"),
        &session,
        today(),
    )
    .expect("set up and committed");
    let config = Isms::open(&dir)
        .expect("opens")
        .load_config()
        .expect("isms.yaml loads");
    assert_eq!(config.methodology, m);
    assert_eq!(config.methodology.band(15), Some(Band::new("manage")));
    let text = std::fs::read_to_string(dir.join("isms.yaml")).expect("readable");
    assert!(
        text.contains("# Add each person with the roles they hold"),
        "the comments after the block stay: {text}"
    );
    assert!(text.contains("\n\nroles:\n"), "{text}");
    // Edges that leave a gap are refused with the field, and nothing is created.
    let mut gap = m;
    gap.bands.iter_mut().for_each(|b| {
        if b.band == Band::new("manage") {
            b.max = 14
        }
    });
    plan.methodology = Some(gap);
    let other = home.path().join("other");
    let err = isms_core::api::open::create_isms(
        &other,
        &plan,
        Some("ada@fjordline.example"),
        &session,
        today(),
    )
    .expect_err("a gap at 15 is refused");
    assert!(err.to_string().contains("isms.yaml"), "{err}");
    assert!(err.to_string().contains("15"), "{err}");
    assert!(!other.join("isms.yaml").exists());
}
