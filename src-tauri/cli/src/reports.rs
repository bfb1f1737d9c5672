//! `isms report`: a report from a commit as markdown, HTML or PDF.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use isms_core::report::{html, pdf, ReportKind};
use isms_core::{fsio, Error, Isms};
use serde_json::json;

use crate::{print_json, usage, Failure, Format};

/// The reports, as the command line names them.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// The annual risk assessment report (posture level).
    RiskAssessment,
    /// The Statement of Applicability.
    Soa,
    /// The risk treatment plan.
    TreatmentPlan,
    /// The full risk register for auditors (confidential).
    Register,
}

impl From<Kind> for ReportKind {
    fn from(k: Kind) -> ReportKind {
        match k {
            Kind::RiskAssessment => ReportKind::RiskAssessment,
            Kind::Soa => ReportKind::Soa,
            Kind::TreatmentPlan => ReportKind::TreatmentPlan,
            Kind::Register => ReportKind::Register,
        }
    }
}

pub fn report(
    repo: &Path,
    format: Format,
    kind: Kind,
    rev: &str,
    output: Option<&Path>,
) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let report = isms.report(kind.into(), rev)?;
    let bytes = match format {
        Format::Text | Format::Md => report.markdown.clone().into_bytes(),
        Format::Html => html::document(&report).into_bytes(),
        Format::Pdf => pdf::render(&report)?.bytes,
        Format::Json => {
            print_json(&json!({ "meta": report.meta, "markdown": report.markdown }));
            return Ok(ExitCode::SUCCESS);
        }
    };
    match output {
        Some(path) => {
            fsio::write_atomic(path, &bytes)?;
            eprintln!(
                "Wrote {} ({} from commit {}).",
                path.display(),
                report.meta.title,
                &report.meta.commit[..12]
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            if format == Format::Pdf && out.is_terminal() {
                return Err(usage(
                    "a PDF is not for a terminal: give -o FILE or redirect the output",
                ));
            }
            out.write_all(&bytes)
                .and_then(|()| out.flush())
                .map_err(|e| Failure::from(Error::io("standard output", e)))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
