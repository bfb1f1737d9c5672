//! Reports to PDF: the sample's risk assessment report and a 1,000-risk register,
//! each rendered in-process from a commit (read the commit, compute, template,
//! lay out, subset the font, write the file).
//!
//! Run through `scripts/bench-reports.sh`, which also times WeasyPrint printing the
//! HTML of the same two reports in the same run; this bench leaves the repositories
//! and the HTML in `target/bench-reports/` for it. Figures go in docs/performance.md.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use isms_core::report::{html, pdf, ReportKind};
use isms_core::Isms;

fn main() {
    cases();
    divan::main();
}

const RISKS: usize = 1_000;

fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-reports")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("can create folders");
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copied");
        }
    }
}

/// Commits everything in `dir` once, with a fixed author and time.
fn commit_all(dir: &Path) {
    let repo = git2::Repository::init(dir).expect("git init");
    let who = git2::Signature::new(
        "Bench",
        "bench@example.invalid",
        &git2::Time::new(1_778_580_000, 120),
    )
    .expect("a signature");
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.write().expect("index written");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    repo.commit(Some("HEAD"), &who, &who, "Bench", &tree, &[])
        .expect("commit");
}

/// (ISMS, report kind, file stem) for the two cases, created once.
fn cases() -> &'static [(Isms, ReportKind, &'static str); 2] {
    static CASES: OnceLock<[(Isms, ReportKind, &'static str); 2]> = OnceLock::new();
    CASES.get_or_init(|| {
        let out = out_dir();
        let _ = std::fs::remove_dir_all(&out);
        let sample = out.join("sample");
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-isms"),
            &sample,
        );
        commit_all(&sample);
        let synthetic = out.join("synthetic-1000");
        isms_core::synthetic::generate(&synthetic, RISKS, 50).expect("generates");
        commit_all(&synthetic);
        let cases = [
            (
                Isms::open(&sample).expect("opens"),
                ReportKind::RiskAssessment,
                "risk-assessment",
            ),
            (
                Isms::open(&synthetic).expect("opens"),
                ReportKind::Register,
                "register-1000",
            ),
        ];
        for (isms, kind, stem) in &cases {
            let report = isms.report(*kind, "HEAD").expect("renders");
            std::fs::write(out.join(format!("{stem}.html")), html::document(&report))
                .expect("written");
            let pdf = pdf::render(&report).expect("renders");
            std::fs::write(out.join(format!("{stem}.pdf")), &pdf.bytes).expect("written");
            eprintln!("{stem}: {} pages, {} KB", pdf.pages, pdf.bytes.len() / 1024);
        }
        cases
    })
}

#[divan::bench(sample_count = 20)]
fn sample_risk_assessment_to_pdf() -> usize {
    let (isms, kind, _) = &cases()[0];
    let report = isms.report(*kind, "HEAD").expect("renders");
    pdf::render(&report).expect("renders").bytes.len()
}

#[divan::bench(sample_count = 5)]
fn register_of_1000_risks_to_pdf() -> usize {
    let (isms, kind, _) = &cases()[1];
    let report = isms.report(*kind, "HEAD").expect("renders");
    pdf::render(&report).expect("renders").bytes.len()
}

#[divan::bench(sample_count = 20)]
fn sample_risk_assessment_to_markdown() -> usize {
    let (isms, kind, _) = &cases()[0];
    isms.report(*kind, "HEAD").expect("renders").markdown.len()
}
