//! Reports: the markdown of all four reports against golden files, the PDF checked by
//! independent tools (qpdf, poppler's pdftotext, pdffonts and pdfinfo), byte-identical
//! output across runs, "changes since the previous report", and refusals.

use std::path::Path;
use std::process::Command;

use crate::support::{golden, Copy};

const KINDS: [&str; 4] = ["risk-assessment", "soa", "treatment-plan", "register"];

fn commit_all(copy: &Copy, message: &str, seconds: i64) -> String {
    crate::support::commit_all(copy.path(), message, seconds)
}

/// The sample, committed once on 2026-05-12.
fn committed_sample() -> (Copy, String) {
    let copy = Copy::new();
    let id = commit_all(&copy, "Kestrel Cart ISMS as assessed", 1_778_580_000);
    (copy, id)
}

fn run(repo: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    crate::support::isms_in(repo, args)
}

fn report(repo: &Path, args: &[&str]) -> Vec<u8> {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let (code, out, err) = run(repo, &all);
    assert_eq!(code, 0, "isms {all:?}: {err}");
    out
}

fn tool(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (scripts/setup.sh installs it): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_markdown_of_all_four_reports_matches_the_golden_files() {
    let (copy, id) = committed_sample();
    for kind in KINDS {
        let md = String::from_utf8(report(copy.path(), &[kind])).expect("markdown is UTF-8");
        assert!(
            md.contains(&format!("| Source commit | `{id}` |")),
            "{kind}"
        );
        golden(&format!("report-{kind}.md"), &md);
    }
}

#[test]
fn reports_come_from_a_commit_not_from_unsaved_edits() {
    let (copy, _) = committed_sample();
    let before = report(copy.path(), &["register"]);
    copy.edit("risks/R-004.md", "likelihood: 2", "likelihood: 5");
    assert_eq!(
        report(copy.path(), &["register"]),
        before,
        "an unsaved edit leaks into the report"
    );
    let first = copy.path().join("first.md");
    commit_all(&copy, "R-004 rescored", 1_779_000_000);
    let after = String::from_utf8(report(copy.path(), &["register"])).expect("UTF-8");
    assert!(after.contains("| likelihood | 5 |"), "{after}");
    // The older commit still renders the older text.
    report(
        copy.path(),
        &[
            "register",
            "--rev",
            "HEAD~1",
            "-o",
            first.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(std::fs::read(&first).expect("written"), before);
}

#[test]
fn the_public_report_leaves_out_internal_sections_and_the_register_has_them() {
    let (copy, _) = committed_sample();
    let public = String::from_utf8(report(copy.path(), &["risk-assessment"])).expect("UTF-8");
    let register = String::from_utf8(report(copy.path(), &["register"])).expect("UTF-8");
    let internal = "The payout hold was discussed with the CFO";
    let rationale = "two waves of stuffing were seen in the last year";
    assert!(!public.contains(internal) && !public.contains(rationale));
    assert!(
        !public.contains("Scoring rationale")
            || public.contains("Scoring rationale and internal notes are in the risk register")
    );
    assert!(register.contains(internal) && register.contains(rationale));
    assert!(register.contains("CONFIDENTIAL"));
}

#[test]
fn pdfs_parse_embed_their_fonts_carry_every_risk_and_are_byte_identical_across_runs() {
    let (copy, id) = committed_sample();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let titles: Vec<(String, String)> = std::fs::read_dir(copy.path().join("risks"))
        .expect("risks/")
        .map(|e| {
            let text = std::fs::read_to_string(e.expect("entry").path()).expect("readable");
            let field = |name: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                    .expect("field present")
                    .to_string()
            };
            (field("id"), field("title"))
        })
        .collect();
    assert_eq!(titles.len(), 17);
    for kind in KINDS {
        let pdf = dir.path().join(format!("{kind}.pdf"));
        let path = pdf.to_str().expect("utf-8");
        report(copy.path(), &[kind, "--format", "pdf", "-o", path]);
        let first = std::fs::read(&pdf).expect("written");
        assert!(first.starts_with(b"%PDF-"), "{kind}");

        // Parses cleanly.
        let check = tool("qpdf", &["--check", path]);
        assert!(
            check.contains("No syntax or stream encoding errors"),
            "{kind}: {check}"
        );

        // Page count, title and the source commit in the metadata.
        let info = tool("pdfinfo", &[path]);
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("pdfinfo reports pages");
        assert!(pages >= 2, "{kind}: {pages} pages");
        assert!(
            info.contains(&id),
            "{kind}: the source commit is in the metadata\n{info}"
        );

        // Every page has its header and footer: classification, "page X of Y" with
        // the right Y, and the source commit.
        let text = tool("pdftotext", &["-raw", "-enc", "UTF-8", path, "-"]);
        let page_texts: Vec<&str> = text
            .split('\x0c')
            .filter(|p| !p.trim().is_empty())
            .collect();
        assert_eq!(page_texts.len(), pages, "{kind}");
        let class = if kind == "register" {
            "CONFIDENTIAL"
        } else {
            "INTERNAL"
        };
        for (i, page) in page_texts.iter().enumerate() {
            assert!(
                page.contains(&format!("Page {} of {pages}", i + 1)),
                "{kind} page {}: {page}",
                i + 1
            );
            assert!(
                page.contains(&id),
                "{kind} page {}: no source commit",
                i + 1
            );
            assert!(
                page.contains(class),
                "{kind} page {}: not marked {class}",
                i + 1
            );
        }

        // Fonts: embedded and subset, no machine fonts.
        let fonts = tool("pdffonts", &[path]);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{kind}: {fonts}");
        for row in &rows {
            assert!(row.contains("+DejaVuSans"), "{kind}: {row}");
            let cols: Vec<&str> = row.split_whitespace().collect();
            assert_eq!(
                &cols[cols.len() - 5..cols.len() - 2],
                ["yes", "yes", "yes"],
                "{kind}: emb sub uni: {row}"
            );
        }

        // The same commit gives the same bytes.
        let again = dir.path().join(format!("{kind}-again.pdf"));
        report(
            copy.path(),
            &[
                kind,
                "--format",
                "pdf",
                "-o",
                again.to_str().expect("utf-8"),
            ],
        );
        assert!(
            std::fs::read(&again).expect("written") == first,
            "{kind}: bytes differ between runs"
        );

        let flat = one_line(&text);
        match kind {
            "risk-assessment" | "register" => {
                for (rid, title) in &titles {
                    assert!(flat.contains(rid.as_str()), "{kind}: {rid} missing");
                    assert!(flat.contains(title.as_str()), "{kind}: {title:?} missing");
                }
            }
            "soa" => assert!(
                flat.contains("8.34 Secure coding") || flat.contains("Secure coding"),
                "{kind}"
            ),
            _ => assert!(flat.contains("T-001"), "{kind}"),
        }
        if kind == "register" {
            for sample in [
                "§ 4",
                "“How long we keep your data”",
                "—",
                "Århus",
                "Næstved",
                "Køge",
            ] {
                assert!(flat.contains(sample), "{kind}: {sample:?} not extracted");
            }
        }
    }
}

#[test]
fn html_is_standalone_sanitised_and_deterministic() {
    let (copy, _) = committed_sample();
    copy.edit(
        "risks/R-002.md",
        "## Description\n",
        "## Description\n\n<script>alert('x')</script>\n\nSee [a link](javascript:alert(1)).\n",
    );
    commit_all(&copy, "A risk with markup in it", 1_779_000_000);
    let html = String::from_utf8(report(
        copy.path(),
        &["risk-assessment", "--format", "html"],
    ))
    .expect("UTF-8");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy"));
    assert!(!html.contains("<script"), "raw HTML passed through");
    assert!(html.contains("&lt;script&gt;"));
    assert!(
        !html.contains("href=\"javascript"),
        "an unsafe link survived"
    );
    assert!(html.contains("See a link."), "the link text stays");
    assert!(html.contains("<table class=\"heatmap\">"));
    assert_eq!(
        report(copy.path(), &["risk-assessment", "--format", "html"]),
        html.into_bytes()
    );
}

#[test]
fn the_next_report_says_what_changed_since_the_previous_one() {
    let (copy, first) = committed_sample();
    let md = report(copy.path(), &["risk-assessment"]);
    let text = String::from_utf8(md.clone()).expect("UTF-8");
    assert!(!text.contains("Changes since the previous report"));
    std::fs::create_dir_all(copy.path().join("reports")).expect("reports/");
    std::fs::write(copy.path().join("reports/risk-assessment.md"), &md).expect("writable");
    commit_all(
        &copy,
        "Risk assessment report 2026 for sign-off",
        1_779_000_000,
    );
    copy.edit("risks/R-004.md", "likelihood: 2", "likelihood: 3");
    copy.edit("risks/R-016.md", "status: active", "status: closed");
    commit_all(&copy, "Autumn review", 1_790_000_000);
    let next = String::from_utf8(report(copy.path(), &["risk-assessment"])).expect("UTF-8");
    let section = next
        .split("## Changes since the previous report")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a changes section");
    assert!(section.contains(&first[..12]), "{section}");
    assert!(
        section.contains("**R-004**") && section.contains("likelihood 2 → 3"),
        "{section}"
    );
    assert!(section.contains("band Manage → Unacceptable"), "{section}");
    assert!(
        section.contains("**R-016**") && section.contains("closed"),
        "{section}"
    );
    // The SoA report shows only SoA changes: none here.
    std::fs::write(
        copy.path().join("reports/soa.md"),
        report(copy.path(), &["soa", "--rev", &first]),
    )
    .expect("writable");
    commit_all(&copy, "SoA for sign-off", 1_790_000_100);
    let soa = String::from_utf8(report(copy.path(), &["soa"])).expect("UTF-8");
    assert!(
        soa.contains("Nothing in the records this report shows has changed since."),
        "{soa}"
    );
}

#[test]
fn a_commit_with_a_record_that_does_not_load_gives_no_report() {
    let (copy, _) = committed_sample();
    copy.edit("risks/R-003.md", "impact: 4", "impact: 11");
    commit_all(&copy, "A bad score", 1_779_000_000);
    let (code, out, err) = run(copy.path(), &["report", "register"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("risks/R-003.md") && err.contains("impact"),
        "{err}"
    );
    assert!(err.contains("incomplete"), "{err}");
    let (code, _, err) = run(copy.path(), &["report", "soa", "--rev", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-branch"), "{err}");
    let (code, _, err) = run(copy.path(), &["list", "risks", "--format", "pdf"]);
    assert_eq!(code, 2);
    assert!(err.contains("isms report"), "{err}");
}

#[test]
fn a_folder_that_is_not_a_git_repository_gets_a_clear_refusal() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::copy(
        crate::support::sample().join("isms.yaml"),
        dir.path().join("isms.yaml"),
    )
    .expect("copied");
    let (code, _, err) = run(dir.path(), &["report", "soa"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a git repository"), "{err}");
}

#[test]
fn a_heat_map_directive_in_record_text_is_text_not_an_official_heat_map() {
    // A risk's narrative cannot make a band-coloured heat map appear in a report that
    // management signs: directives count only where the templates put them.
    let (copy, _) = committed_sample();
    copy.edit(
        "risks/R-002.md",
        "## Description\n",
        "## Description\n\n<!-- isms:heatmap acceptable acceptable | acceptable acceptable -->\n| Impact | 1 Rare | 2 Unlikely |\n|---|:-:|:-:|\n| 5 Severe | 0 | 0 |\n| 4 Major | 0 | 0 |\n\n",
    );
    commit_all(&copy, "A risk that draws its own heat map", 1_779_000_000);
    let html = String::from_utf8(report(
        copy.path(),
        &["risk-assessment", "--format", "html"],
    ))
    .expect("UTF-8");
    assert_eq!(
        html.matches("<table class=\"heatmap\">").count(),
        2,
        "only the template's two heat maps are drawn"
    );
    let markdown = String::from_utf8(report(copy.path(), &["risk-assessment", "--format", "md"]))
        .expect("UTF-8");
    assert_eq!(
        markdown.matches("<!-- isms:heatmap").count(),
        2,
        "the record's directive is not a directive in the signed markdown"
    );
}
