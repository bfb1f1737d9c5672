//! The methodology document is authoritative (issue 18): ISMSs scored on 3 × 3, 4 × 4,
//! 4 × 6 (with impact per CIA) and a lookup matrix load, check, score, report and
//! edit; and a change from the sample's 5 × 5 to a 4 × 4 goes through sign-off, lists
//! the risks to rescore, and reports the mixed state until they are rescored.

use std::path::Path;
use std::process::Command;

use isms_core::domain::checks::Rule;
use isms_core::format::edit::Assignment;
use isms_core::Isms;

use crate::signoff::Board;
use crate::support::{today, Copy};

/// Each test methodology: its file, likelihood levels, impact levels, bands.
const SHAPES: [(&str, usize, usize, usize); 4] = [
    ("3x3", 3, 3, 3),
    ("4x4", 4, 4, 3),
    ("4x6", 4, 6, 5),
    ("lookup", 4, 3, 4),
];

fn run(repo: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    crate::support::isms_in(repo, args)
}

fn commit_all(dir: &Path) {
    crate::support::commit_all(dir, "ISMS", 1_778_580_000);
}

/// The rows of the first heat-map table after `heading` in a report: (directive row
/// count, body rows, columns after the label).
fn heat_map_shape(markdown: &str, heading: &str) -> (usize, usize, usize) {
    let after = &markdown[markdown
        .find(heading)
        .unwrap_or_else(|| panic!("{heading} in:\n{markdown}"))..];
    let directive = after
        .lines()
        .find(|l| l.starts_with("<!-- isms:heatmap"))
        .expect("a directive");
    let directive_rows = directive.split('|').count();
    let table: Vec<&str> = after
        .lines()
        .skip_while(|l| !l.starts_with("| Impact"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    let columns = table[0].matches('|').count() - 2;
    (directive_rows, table.len() - 2, columns)
}

#[test]
fn every_shape_of_methodology_loads_checks_scores_reports_and_edits() {
    for (name, l, i, bands) in SHAPES {
        let copy = Copy::with_methodology(name);
        let isms = Isms::open(copy.path()).expect("opens");
        let config = isms
            .load_config()
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let m = &config.methodology;
        assert_eq!(
            (m.likelihood.len(), m.impact.len(), m.bands.len()),
            (l, i, bands),
            "{name}"
        );
        // Checks: no file fails to load and no level is off the scales.
        let report = isms.findings(today()).expect("checks run");
        let wrong: Vec<_> = report
            .findings
            .iter()
            .filter(|f| {
                matches!(
                    f.rule,
                    Rule::ParseError | Rule::LevelOffScale | Rule::UnknownField
                )
            })
            .collect();
        assert!(wrong.is_empty(), "{name}: {wrong:#?}");
        if name == "4x6" {
            assert!(
                report
                    .findings
                    .iter()
                    .any(|f| f.rule == Rule::ImpactPerCiaMissing),
                "the 4 × 6 methodology asks for impact per CIA"
            );
        }
        // Scoring follows the scales: the top levels score, one beyond is refused.
        let (top_l, top_i) = (l.to_string(), i.to_string());
        let (code, out, err) = run(copy.path(), &["score", &top_l, &top_i]);
        assert_eq!(code, 0, "{name}: {err}");
        let top = m.bands[0].name.as_str();
        assert!(
            String::from_utf8_lossy(&out).contains(top),
            "{name}: the top cell is {top}: {}",
            String::from_utf8_lossy(&out)
        );
        let beyond = (l + 1).to_string();
        let (code, _, err) = run(copy.path(), &["score", &beyond, "1"]);
        assert_eq!(code, 2, "{name}");
        assert!(
            err.contains(&format!("likelihood: {beyond} is outside the scale 1–{l}")),
            "{name}: {err}"
        );
        // The dashboard's heat maps have the scales' shape and count every scored risk.
        let d = isms.dashboard(today()).expect("dashboard");
        assert_eq!(
            d.inherent_map.counts.len(),
            i,
            "{name}: one row per impact level"
        );
        assert!(
            d.inherent_map.counts.iter().all(|row| row.len() == l),
            "{name}"
        );
        assert_eq!(d.inherent.bands.len(), bands, "{name}: a tile per band");
        let mapped: u32 = d.inherent_map.counts.iter().flatten().sum();
        let banded: u32 = d.inherent.bands.iter().map(|b| b.count).sum();
        assert_eq!(mapped, banded, "{name}: the map and the tiles count alike");
        assert_eq!(d.inherent.unscored, 0, "{name}");
        // Editing: a level on the scale saves; one beyond is refused, and nothing written.
        let set = |text: &str| {
            isms.set(
                "R-004",
                &[Assignment::parse(text).expect("an assignment")],
                None,
                None,
            )
        };
        set(&format!("likelihood={l}")).unwrap_or_else(|e| panic!("{name}: {e}"));
        let before = copy.read("risks/R-004.md");
        let e = set(&format!("impact={}", i + 1)).expect_err("beyond the scale");
        assert!(
            e.to_string().contains(&format!(
                "impact: {} is outside the scale 1–{i} of methodology",
                i + 1
            )),
            "{name}: {e}"
        );
        assert_eq!(copy.read("risks/R-004.md"), before);
        // Reports: the heat maps have the scales' shape, in markdown and in the PDF.
        commit_all(copy.path());
        let (code, md, err) = run(copy.path(), &["report", "risk-assessment"]);
        assert_eq!(code, 0, "{name}: {err}");
        let md = String::from_utf8(md).expect("UTF-8");
        assert_eq!(
            heat_map_shape(&md, "#### Inherent risk"),
            (i, i, l),
            "{name}"
        );
        assert_eq!(
            heat_map_shape(&md, "#### Residual risk"),
            (i, i, l),
            "{name}"
        );
        for band in &m.bands {
            assert!(
                md.contains(&band.name),
                "{name}: the report names band {}",
                band.name
            );
        }
        let pdf = copy.path().join("report.pdf");
        let (code, _, err) = run(
            copy.path(),
            &[
                "report",
                "risk-assessment",
                "--format",
                "pdf",
                "--output",
                pdf.to_str().expect("UTF-8"),
            ],
        );
        assert_eq!(code, 0, "{name}: {err}");
        let text = crate::support::pdf_text(&pdf, true);
        for level in m.likelihood.iter().chain(&m.impact) {
            assert!(
                text.contains(&level.name),
                "{name}: the PDF heat map names level {}",
                level.name
            );
        }
        let images = tempfile::tempdir().expect("a temporary folder");
        let out = Command::new("pdftoppm")
            .args(["-png", "-r", "60", pdf.to_str().expect("UTF-8")])
            .arg(images.path().join("page"))
            .status()
            .expect("pdftoppm runs");
        assert!(out.success(), "{name}: the PDF renders");
        if let Ok(dir) = std::env::var("ISMS_DESK_PDF_PAGES") {
            let _ = std::fs::copy(
                &pdf,
                Path::new(&dir).join(format!("methodology-{name}.pdf")),
            );
        }
    }
}

#[test]
fn a_lookup_matrix_is_read_cell_by_cell_and_a_bad_matrix_is_named() {
    let copy = Copy::with_methodology("lookup");
    let (_, out, _) = run(copy.path(), &["--format", "json", "score", "4", "2"]);
    let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(
        (v["score"].as_u64(), v["band"].as_str()),
        (Some(4), Some("extreme"))
    );
    let (_, out, _) = run(copy.path(), &["--format", "json", "score", "2", "2"]);
    let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(
        (v["score"].as_u64(), v["band"].as_str()),
        (Some(2), Some("moderate"))
    );
    // A short row, a zero and a band that cannot be reached are each named.
    for (from, to, expected) in [
        ("    - [1, 2, 3]\n", "    - [1, 2]\n", "methodology.matrix: row 2 (likelihood 2) has 2 scores; it needs one per impact level (3)"),
        ("    - [1, 1, 2]\n", "    - [0, 1, 2]\n", "methodology.matrix[1][1]: expected a whole number 1–255, found 0"),
        ("min: 4, max: 4", "min: 4, max: 5", "methodology.bands: band extreme reaches 5, above the highest possible score 4"),
    ] {
        let bad = Copy::with_methodology("lookup");
        bad.edit("isms.yaml", from, to);
        let (code, out, _) = run(bad.path(), &["check"]);
        assert_eq!(code, 1, "{to}");
        let out = String::from_utf8_lossy(&out);
        assert!(out.contains(expected), "{expected}\n{out}");
    }
}

#[test]
fn a_change_from_five_by_five_to_four_by_four_is_signed_off_rescored_and_reported_mixed_meanwhile()
{
    let b = Board::new();
    let s = &b.s;
    // The new methodology is set from its file: only isms.yaml changes, and the
    // mapping proposed keeps the ends of each scale.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/methodologies/4x4.yaml");
    let out = s.ok(&["methodology", "--set", file.to_str().expect("UTF-8")]);
    assert!(
        out.contains("Methodology 2.0 is in force. Risks scored under 1.0 are to be rescored"),
        "{out}"
    );
    assert_eq!(
        s.git(&["status", "--porcelain"]),
        " M isms.yaml\n",
        "only isms.yaml is written"
    );
    let config = s.copy.read("isms.yaml");
    assert!(config.contains("  rescoring:\n    from: \"1.0\"\n    likelihood: [1, 2, 3, 3, 4]\n    impact: [1, 2, 3, 3, 4]\n"), "{config}");
    // Every scored risk is now to be rescored: the check says so, the register
    // shows no band for them, and `isms methodology` lists them with the proposal.
    let (_, out, _) = s.isms(&["--format", "json", "check", "--today", "2026-11-21"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let to_rescore = v["report"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "risk-to-be-rescored")
        .count();
    assert_eq!(
        to_rescore, 17,
        "every risk not closed has levels to rescore"
    );
    let listing = s.ok(&["methodology"]);
    assert!(listing.contains("17 risks to be rescored"), "{listing}");
    assert!(
        listing.contains("R-002 under 1.0: 3 × 4 = 12 → proposed under 2.0: 3 × 3 = 9 (band changes with the methodology)"),
        "Manage under 1.0, Unacceptable under 2.0, the levels only mapped: {listing}"
    );
    assert!(
        listing.contains("R-006 under 1.0: 2 × 4 = 8 → proposed under 2.0: 2 × 3 = 6\n"),
        "{listing}"
    );
    // The change is committed and put up for sign-off: the document states the new
    // scales, the mapping and each risk with its rating before and proposed after,
    // marking those whose band changes only because of the methodology.
    s.ok(&[
        "commit",
        "-m",
        "Methodology 2.0: 4 × 4 under the national scheme",
    ]);
    // Until it is signed off, verification notes that reports score under a
    // methodology management has not approved.
    let (code, v) = b.verify(&[]);
    assert_eq!(code, 0, "a note, not a failure: {v:#}");
    assert!(
        v["warnings"]
            .to_string()
            .contains("(version 2.0) is not the one signed off (version 1.0, by the first commit"),
        "{v:#}"
    );
    let id = b.start(&["methodology"]);
    let document = s.git(&["show", &format!("signoff/{id}:reports/methodology.md")]);
    assert!(
        document.contains("| Methodology version | 2.0 |"),
        "{document}"
    );
    assert!(
        document.contains("| 5 | 4 | 4 |"),
        "the mapping's last row: {document}"
    );
    assert!(
        document.contains("17 risks are still scored under version 1.0"),
        "{document}"
    );
    assert!(
        document.contains("◆"),
        "a band that changes only because of the methodology is marked: {document}"
    );
    // The CEO signs with a merge; the chain verifies.
    let (code, out, err) = b.sign(&b.maja, &id, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, v) = b.verify(&["--requests"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(
        !v["warnings"]
            .to_string()
            .contains("is not the one signed off"),
        "signed off, the methodology is approved: {v:#}"
    );
    // Until the risks are rescored, the next report says it mixes versions, in its
    // first section.
    let report = s.ok(&["report", "register"]);
    let first = &report[..report.find("\n## ").map_or(report.len(), |i| i + 1)];
    let control = &report[report
        .find("## Document control")
        .expect("document control")..];
    let control = &control[..control[3..].find("\n## ").map_or(control.len(), |i| i + 3)];
    assert!(first.len() < report.len());
    assert!(control.contains("| Methodology | Version 2.0: likelihood × impact (4 likelihood × 4 impact levels, scores 1–16), 3 bands |"), "{control}");
    assert!(control.contains("This report mixes methodology versions. 16 of the 16 active risks are still scored under version 1.0"), "{control}");
    assert!(control.contains("| R-016"), "{control}");
    // Rescoring one risk with the proposal moves it to 2.0; the report counts it.
    let before = s.copy.read("risks/R-016.md");
    s.ok(&["rescore", "R-016"]);
    let after = s.copy.read("risks/R-016.md");
    assert!(after.contains("methodology_version: \"2.0\""), "{after}");
    assert_ne!(before, after);
    s.ok(&["commit", "-m", "R-016 rescored under 2.0"]);
    let report = s.ok(&["report", "register"]);
    assert!(
        report.contains("15 of the 16 active risks are still scored under version 1.0"),
        "{report}"
    );
    // Levels given by the ISM are held to the new scales.
    let (code, err) = s.isms_error(
        &["rescore", "R-001", "--likelihood", "5", "--impact", "1"],
        &[],
    );
    assert_eq!(code, "invalid", "{err}");
    assert!(
        err.contains("likelihood: 5 is outside the scale 1–4 of methodology 2.0"),
        "{err}"
    );
    // Every risk rescored: the report no longer mixes versions.
    let ids: Vec<String> = std::fs::read_dir(s.path().join("risks"))
        .expect("risks/")
        .map(|e| {
            e.expect("entry")
                .path()
                .file_stem()
                .expect("a stem")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for id in &ids {
        let (code, _, _) = s.isms(&["rescore", id]);
        assert!(code == 0 || code == 2, "{id}");
    }
    let listing = s.ok(&["methodology"]);
    assert!(
        listing.contains("Every risk is scored under 2.0."),
        "{listing}"
    );
    s.ok(&["commit", "-m", "Every risk rescored under 2.0"]);
    let report = s.ok(&["report", "register"]);
    assert!(!report.contains("mixes methodology versions"), "{report}");
}

#[test]
fn a_change_of_scales_without_a_new_version_is_refused_and_writes_nothing() {
    let copy = Copy::new();
    let isms = Isms::open(copy.path()).expect("opens");
    let view = isms.methodology_view().expect("the methodology");
    let mut m = view.methodology.clone();
    m.likelihood.pop();
    for b in &mut m.bands {
        b.max = b.max.min(20);
    }
    let before = copy.read("isms.yaml");
    let e = isms
        .change_methodology(&m, &view.revision)
        .expect_err("the version must change");
    assert!(
        e.to_string()
            .contains("the version must change too (it is 1.0)"),
        "{e}"
    );
    assert_eq!(copy.read("isms.yaml"), before);
    // Wording alone may change under the same version.
    let mut worded = view.methodology.clone();
    worded.likelihood[0].name = "Very rare".into();
    let changed = isms
        .change_methodology(&worded, &view.revision)
        .expect("a rewording");
    assert!(changed.changed && changed.rescoring.is_none());
    assert!(copy.read("isms.yaml").contains("name: Very rare"));
    assert!(isms.load_config().is_ok());
}
