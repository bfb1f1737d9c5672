//! `isms report`: a report from a commit as markdown, HTML or PDF.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use isms_core::git::signing::REPORT_NAMESPACE;
use isms_core::report::{html, pdf, ReportKind};
use isms_core::settings::Settings;
use isms_core::signoff::VerifyOptions;
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
    signoff: Option<&str>,
    sign: bool,
) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let report_kind = ReportKind::from(kind);
    let report = match signoff {
        None => isms.report(report_kind, rev)?,
        Some(id) => {
            let verification = isms.signoff_verify(&VerifyOptions::default())?;
            let path = report_kind.path();
            let request = if id == "latest" {
                verification
                    .latest_complete(&path)
                    .ok_or_else(|| usage(format!("{path} has no completed sign-off yet")))?
            } else {
                verification
                    .request(id)
                    .filter(|r| r.report == path)
                    .ok_or_else(|| usage(format!("no sign-off request {id} of {path}")))?
            };
            isms.signed_report(request)?
        }
    };
    // The key is checked before anything is written: a signed report is promised,
    // so an unsigned one is not left behind.
    let signing = match (sign, output) {
        (true, Some(_)) => {
            let settings = Settings::load()?;
            let signer = crate::commits::signer(&isms, &settings)?;
            let config = isms.approved_config()?;
            let email = signer.holder(&config).map(|p| p.email.clone()).ok_or_else(|| {
                usage(format!(
                    "your signing key {} is not authorised by the approved configuration, so nobody could verify the signature against .isms/allowed_signers; nothing was written",
                    signer.public_key().fingerprint(Default::default())
                ))
            })?;
            Some((signer, email))
        }
        _ => None,
    };
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
            let signature = match &signing {
                Some((signer, _)) => Some(signer.sign(REPORT_NAMESPACE, &bytes)?),
                None => None,
            };
            fsio::write_atomic(path, &bytes)?;
            eprintln!(
                "Wrote {} ({} from commit {}).",
                path.display(),
                report.meta.title,
                &report.meta.commit[..12]
            );
            if let (Some(armored), Some((_, email))) = (signature, &signing) {
                let mut sig_path = path.as_os_str().to_owned();
                sig_path.push(".sig");
                let sig_path = std::path::PathBuf::from(sig_path);
                fsio::write_atomic(&sig_path, armored.as_bytes())?;
                eprintln!(
                    "Signed it: {}. Check with:\n  ssh-keygen -Y verify -f allowed_signers -I {email} -n {REPORT_NAMESPACE} -s {} < {}\n(take allowed_signers from `isms verify --write-allowed-signers allowed_signers`)",
                    sig_path.display(),
                    sig_path.display(),
                    path.display()
                );
            }
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
