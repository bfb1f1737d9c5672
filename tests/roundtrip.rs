//! Property tests of the hand-written front-matter writer (`format::emit`), which
//! exists so that edits keep a file as its author wrote it: any record the domain can
//! hold is written and read back as the same record, and changing one field changes
//! only that field's lines.
//!
//! Text values are drawn from what people type and YAML treats specially: colons,
//! hashes, quotes, brackets, leading and trailing spaces, words YAML reads as other
//! types (`yes`, `null`, `1.0`, a date), and letters beyond ASCII.

use chrono::NaiveDate;
use isms_core::domain::{
    Acceptance, Action, ActionStatus, AsScored, Decision, MemoStatus, Risk, RiskStatus, Treatment,
    TreatmentOption,
};
use isms_core::format::{self, edit, write_record};
use proptest::prelude::*;

/// A line of text as people write it, including what YAML reads specially.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9æøåÆØÅéü“”‘’ :#'\"\\-,.\\[\\]{}&*!|>%@`?/\\\\]{1,40}",
        Just("yes".to_string()),
        Just("null".to_string()),
        Just("~".to_string()),
        Just("1.0".to_string()),
        Just("2026-11-30".to_string()),
        Just("- a dash".to_string()),
        Just(" leading and trailing ".to_string()),
        Just("a: colon".to_string()),
        Just("#hash".to_string()),
    ]
    .prop_filter("a value has something to say", |s| !s.trim().is_empty())
}

/// A value as a person types it for a field: anything but a leading quote, which
/// quotes (`'yes'` is the text yes).
fn typed() -> impl Strategy<Value = String> {
    text().prop_filter("a leading quote quotes", |t| !t.starts_with(['\'', '"']))
}

/// A narrative: lines of markdown under headings, or nothing.
fn body() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            text(),
            Just("## Description".to_string()),
            Just(String::new())
        ],
        0..8,
    )
    .prop_map(|lines| {
        if lines.is_empty() {
            String::new()
        } else {
            format!("\n{}\n", lines.join("\n"))
        }
    })
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (2000i32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("a valid date"))
}

fn word<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(all)
}

fn level_pair() -> impl Strategy<Value = (Option<u8>, Option<u8>)> {
    prop::option::of((1u8..=5, 1u8..=5))
        .prop_map(|p| p.map_or((None, None), |(a, b)| (Some(a), Some(b))))
}

fn role() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,15}"
}

fn ids(prefix: &'static str) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        (1u32..999).prop_map(move |n| format!("{prefix}{n:03}")),
        0..4,
    )
}

fn acceptance() -> impl Strategy<Value = Acceptance> {
    (
        word(MemoStatus::ALL),
        role(),
        prop::option::of(date()),
        prop::collection::vec(date(), 0..3),
        prop::option::of("[a-z0-9-]{5,30}"),
        prop::option::of((level_pair(), level_pair())),
    )
        .prop_map(
            |(memo, accepted_by, accepted_on, reaffirmed, signoff, scored)| Acceptance {
                memo,
                accepted_by,
                accepted_on,
                reaffirmed,
                signoff,
                as_scored: scored.map(|((l, i), (rl, ri))| AsScored {
                    likelihood: l,
                    impact: i,
                    residual_likelihood: rl,
                    residual_impact: ri,
                }),
            },
        )
}

fn risk() -> impl Strategy<Value = Risk> {
    let head = (
        1u32..999,
        text(),
        role(),
        word(RiskStatus::ALL),
        prop::option::of(text()),
        level_pair(),
        level_pair(),
        any::<bool>(),
        prop::option::of(word(TreatmentOption::ALL)),
        role(),
    );
    let tail = (
        prop::collection::vec(
            prop::sample::select(vec!["5.1", "8.13", "8.24", "6.3"]),
            0..4,
        ),
        ids("R-"),
        prop::collection::vec("[a-z][a-z-]{0,12}", 0..3),
        prop::option::of(date()),
        prop::option::of(date()),
        prop::option::of(acceptance()),
        body(),
    );
    (head, tail).prop_map(
        |(
            (
                n,
                title,
                domain,
                status,
                deferred_to,
                (l, i),
                (rl, ri),
                provisional,
                treatment,
                owner,
            ),
            (controls, related, themes, reviewed_on, next_review, acceptance, body),
        )| {
            // An active risk is scored.
            let (l, i) = match (status, l) {
                (RiskStatus::Active, None) => (Some(3), Some(2)),
                _ => (l, i),
            };
            Risk {
                impact_cia: None,
                methodology_version: None,
                id: format!("R-{n:03}"),
                title,
                domain,
                status,
                deferred_to,
                likelihood: l,
                impact: i,
                residual_likelihood: rl,
                residual_impact: ri,
                provisional,
                treatment,
                owner,
                controls: controls.into_iter().map(String::from).collect(),
                related,
                findings: Vec::new(),
                themes,
                reviewed_on,
                next_review,
                acceptance,
                body,
            }
        },
    )
}

fn action() -> impl Strategy<Value = Action> {
    (
        1u32..20,
        text(),
        role(),
        prop::option::of(date()),
        word(ActionStatus::ALL),
        prop::option::of(text()),
    )
        .prop_map(|(n, description, owner, due, status, resources)| Action {
            id: format!("A{n}"),
            description,
            owner,
            due,
            status,
            resources,
        })
}

fn treatment() -> impl Strategy<Value = Treatment> {
    (
        1u32..999,
        text(),
        ids("R-"),
        word(TreatmentOption::ALL),
        prop::collection::vec(action(), 0..4),
        word(Decision::ALL),
        prop::option::of(date()),
        prop::option::of(role()),
        prop::option::of(date()),
        body(),
    )
        .prop_map(
            |(
                n,
                title,
                risks,
                option,
                mut actions,
                decision,
                approved_on,
                approved_by,
                closed_on,
                body,
            )| {
                // Action ids are unique within a treatment; an approved decision
                // says when.
                actions.sort_by(|a, b| a.id.cmp(&b.id));
                actions.dedup_by(|a, b| a.id == b.id);
                let approved_on = match decision {
                    Decision::Approved => approved_on.or(NaiveDate::from_ymd_opt(2026, 1, 2)),
                    Decision::Proposed => approved_on,
                };
                Treatment {
                    id: format!("T-{n:03}"),
                    title,
                    risks,
                    findings: Vec::new(),
                    option,
                    actions,
                    decision,
                    approved_on,
                    approved_by,
                    closed_on,
                    body,
                }
            },
        )
}

fn written_risk(risk: &Risk) -> String {
    write_record(&format::emit_risk(risk), &risk.body, None)
}

fn read_risk(text: &str, id: &str) -> Risk {
    format::parse_risk(&format!("risks/{id}.md"), id, text)
        .unwrap_or_else(|e| panic!("what was written does not read back: {e:?}\n{text}"))
        .record
}

proptest! {
    // Failing cases are kept beside this file (roundtrip.proptest-regressions) and
    // tried first on every run; 256 cases a run (PROPTEST_CASES=… for more).
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_risk_is_written_and_read_back_as_the_same_risk(risk in risk()) {
        let text = written_risk(&risk);
        let back = read_risk(&text, &risk.id);
        prop_assert_eq!(&back, &risk, "{}", text);
        prop_assert_eq!(written_risk(&back), text, "writing is stable");
    }

    #[test]
    fn a_treatment_is_written_and_read_back_as_the_same_treatment(t in treatment()) {
        let text = write_record(&format::emit_treatment(&t), &t.body, None);
        let back = format::parse_treatment(&format!("treatments/{}.md", t.id), &t.id, &text)
            .unwrap_or_else(|e| panic!("what was written does not read back: {e:?}\n{text}"))
            .record;
        prop_assert_eq!(&back, &t, "{}", text);
    }

    #[test]
    fn setting_one_field_changes_only_that_fields_lines(risk in risk(), title in typed(), owner in role()) {
        let before = written_risk(&risk);
        let parsed = format::parse_risk(&format!("risks/{}.md", risk.id), &risk.id, &before)
            .expect("the written risk reads");
        let original = format::emit_risk(&parsed.record);
        for (field, value) in [("title", title.as_str()), ("owner", owner.as_str())] {
            let assignment = edit::Assignment::parse(&format!("{field}={value}"))
                .expect("an assignment");
            let front = edit::apply(&parsed.source.front, &[assignment])
                .expect("the assignment applies");
            let edited = isms_core::format::frontmatter::Source {
                front,
                ..parsed.source.clone()
            }
            .join();
            let changed = read_risk(&edited, &risk.id);
            let after = write_record(
                &format::emit_risk(&changed),
                &changed.body,
                Some((&parsed.source, &original)),
            );
            let other = |text: &str| -> Vec<String> {
                text.lines()
                    .filter(|l| !l.starts_with(&format!("{field}:")))
                    .map(str::to_string)
                    .collect()
            };
            prop_assert_eq!(other(&after), other(&before), "only {} changed:\n{}", field, after);
            let expected = if field == "title" { &changed.title } else { &changed.owner };
            prop_assert_eq!(expected.as_str(), value, "the value reads back as typed");
        }
    }
}
