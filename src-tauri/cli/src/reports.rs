//! `isms report`: a report from a commit, or as a sign-off signed it, as markdown,
//! HTML or PDF; `--sign` adds a detached signature.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use isms_core::api::reports::{RenderedReport, ReportFormat, ReportSigner, ReportSource};
use isms_core::git::signing::REPORT_NAMESPACE;
use isms_core::report::ReportKind;
use isms_core::{fsio, Error};
use serde_json::json;

use crate::args::Format;
use crate::terminal::safe;
use crate::{print_json, usage, Ctx, Failure};

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

/// `isms report <kind> [--rev R | --signoff ID] [-o FILE [--sign]]`
pub fn report(
    c: &Ctx,
    kind: Kind,
    rev: &str,
    output: Option<&Path>,
    signoff: Option<&str>,
    sign: bool,
) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let source = match signoff {
        Some(id) => ReportSource::Signoff(id.to_string()),
        None => ReportSource::Revision(rev.to_string()),
    };
    let (format, signer) = format_and_signer(c, &isms, output, sign)?;
    let report = isms.render_report(kind.into(), &source, format)?;
    deliver(c, &report, format, output, signer.as_ref())
}

/// `isms signed <ID|reports/…md>`: the document of a sign-off with its evidence (a
/// controlled document also with its revision history), in the format asked for.
pub fn signed(
    c: &Ctx,
    target: &str,
    output: Option<&Path>,
    sign: bool,
) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let (format, signer) = format_and_signer(c, &isms, output, sign)?;
    let report = isms.render_signed(target, format)?;
    deliver(c, &report, format, output, signer.as_ref())
}

/// `isms render <kind> <subject>`: what a sign-off about that record would sign, from
/// a commit.
pub fn render(
    c: &Ctx,
    kind: crate::signoff::Kind,
    subject: Option<&str>,
    rev: &str,
    output: Option<&Path>,
) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let (format, _) = format_and_signer(c, &isms, output, false)?;
    let report = isms.render_subject(kind.into(), subject, rev, format)?;
    deliver(c, &report, format, output, None)
}

/// The format asked for, and the key to sign the file with when `--sign` asks for
/// one. The key is checked before anything is written: a signed report is promised,
/// so an unsigned one is not left behind.
fn format_and_signer(
    c: &Ctx,
    isms: &isms_core::Isms,
    output: Option<&Path>,
    sign: bool,
) -> Result<(ReportFormat, Option<ReportSigner>), Failure> {
    let format = match c.format {
        Format::Html => ReportFormat::Html,
        Format::Pdf => ReportFormat::Pdf,
        Format::Text | Format::Md | Format::Json | Format::Csv => ReportFormat::Markdown,
    };
    let signer = match (sign, output) {
        (true, Some(_)) => Some(isms.report_signer(c.session)?),
        _ => None,
    };
    Ok((format, signer))
}

/// Prints a rendered report (JSON, or its bytes to standard output) or writes it to
/// `output`, with a detached signature beside it when `signer` is given.
fn deliver(
    c: &Ctx,
    report: &RenderedReport,
    format: ReportFormat,
    output: Option<&Path>,
    signer: Option<&ReportSigner>,
) -> Result<ExitCode, Failure> {
    if c.json {
        print_json(&json!({ "meta": report.meta, "markdown": report.markdown }));
        return Ok(ExitCode::SUCCESS);
    }
    let Some(path) = output else {
        let mut out = std::io::stdout().lock();
        if format == ReportFormat::Pdf && out.is_terminal() {
            return Err(usage(
                "a PDF is not for a terminal: give -o FILE or redirect the output",
            ));
        }
        out.write_all(&report.bytes)
            .and_then(|()| out.flush())
            .map_err(|e| Failure::from(Error::io("standard output", e)))?;
        return Ok(ExitCode::SUCCESS);
    };
    let signature = signer.map(|s| s.sign(&report.bytes)).transpose()?;
    fsio::write_atomic(path, &report.bytes)?;
    eprintln!(
        "Wrote {} ({} from commit {}).",
        path.display(),
        report.meta.title,
        report.meta.commit.short()
    );
    if let (Some(armored), Some(signer)) = (signature, signer) {
        let mut sig_path = path.as_os_str().to_owned();
        sig_path.push(".sig");
        let sig_path = std::path::PathBuf::from(sig_path);
        fsio::write_atomic(&sig_path, armored.as_bytes())?;
        eprintln!(
            "Signed it: {}. Check with:\n  ssh-keygen -Y verify -f allowed_signers -I {} -n {REPORT_NAMESPACE} -s {} < {}\n(take allowed_signers from `isms verify --write-allowed-signers allowed_signers`)",
            sig_path.display(),
            signer.email,
            sig_path.display(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms publish security-page -o DIR [--rev R]`
pub fn publish(
    c: &Ctx,
    what: crate::args::PublishKind,
    draft: bool,
    rev: Option<&str>,
    output: &Path,
) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let from = if draft {
        isms_core::api::PublishFrom::Draft(rev.unwrap_or("HEAD"))
    } else {
        isms_core::api::PublishFrom::Approved
    };
    let published = match what {
        crate::args::PublishKind::SecurityPage => {
            isms.publish_security_page(c.session, from, output)?
        }
    };
    if c.json {
        print_json(&published);
    } else {
        println!(
            "Published {} security page of commit {} to {} ({} files; content last changed {}; checksums signed by {}).",
            if published.draft { "a draft of the" } else { "the approved" },
            isms_core::git::short_id(&published.commit),
            published.folder,
            published.files.len(),
            published.updated,
            published.signed_by
        );
        println!(
            "Anyone can check it: cd {} && sha256sum -c SHA256SUMS && ssh-keygen -Y verify -f allowed_signers -I {} -n isms-publish -s SHA256SUMS.sig < SHA256SUMS",
            published.folder, published.signed_by
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms compare A B`: a summary (text), the comparison (json), or the document (md,
/// html, pdf).
pub fn compare(
    c: &Ctx,
    earlier: &str,
    later: &str,
    output: Option<&Path>,
) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    if matches!(c.format, Format::Md | Format::Html | Format::Pdf) {
        let (format, _) = format_and_signer(c, &isms, output, false)?;
        let report = isms.comparison_report(earlier, later, format)?;
        return deliver(c, &report, format, output, None);
    }
    let yoy = isms.compare_assessments(earlier, later)?;
    if c.json {
        print_json(&yoy);
        return Ok(ExitCode::SUCCESS);
    }
    let x = &yoy.comparison;
    println!(
        "{} ({}) → {} ({}); both verified.",
        yoy.then.signoff,
        isms_core::git::short_id(&yoy.then.source),
        yoy.now.signoff,
        isms_core::git::short_id(&yoy.now.source)
    );
    if !x.methodology_changes.is_empty() {
        println!(
            "NOT DIRECTLY COMPARABLE: the methodology changed ({}).",
            safe(&x.methodology_changes.join("; "))
        );
    }
    let ids = |v: &[isms_core::domain::compare::RiskMention]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    println!("New risks:          {}", ids(&x.new_risks));
    println!("Closed:             {}", ids(&x.closed));
    println!("Deferred since:     {}", ids(&x.deferred));
    println!("No longer deferred: {}", ids(&x.undeferred));
    for b in &x.crossings {
        use isms_core::domain::compare::{CrossingCause, RatingKind};
        println!(
            "Band crossing: {} {} {} ({}) → {} ({}), {}, due to {}",
            b.risk.id,
            match b.rating {
                RatingKind::Inherent => "inherent",
                RatingKind::Residual => "residual",
            },
            safe(&b.from_band),
            b.from_score,
            safe(&b.to_band),
            b.to_score,
            if b.worse { "worse" } else { "better" },
            match b.cause {
                CrossingCause::Risk => "the risk",
                CrossingCause::Methodology => "the methodology",
                CrossingCause::Both => "the risk and the methodology",
            }
        );
    }
    for r in &x.rescored {
        println!(
            "Rescored {}: {} → {}; residual {} → {}; {}",
            r.risk.id,
            r.inherent.0,
            r.inherent.1,
            r.residual.0,
            r.residual.1,
            safe(&r.reasons.join("; "))
        );
    }
    for f in &x.applicability {
        println!(
            "{} {}: {}",
            f.control,
            if f.now_applicable {
                "now applicable"
            } else {
                "now excluded"
            },
            safe(&f.now_why)
        );
    }
    for a in &x.slipped {
        println!(
            "Slipped: {} {} by {} days",
            a.treatment,
            a.action,
            a.days.unwrap_or_default()
        );
    }
    println!(
        "Actions completed: {}; objectives met: {}; domains still deferred: {}",
        x.actions_done.len(),
        x.objectives_met.len(),
        safe(&x.domains_still_deferred.join(", "))
    );
    Ok(ExitCode::SUCCESS)
}

/// `isms export oscal --rev R -o DIR`
pub fn export_oscal(c: &Ctx, rev: &str, output: &Path) -> Result<ExitCode, Failure> {
    let export = c.isms()?.export_oscal(rev, output)?;
    if c.json {
        print_json(&export);
    } else {
        println!(
            "Exported commit {} as OSCAL 1.2 JSON to {}: {}.",
            isms_core::git::short_id(&export.commit),
            export.folder,
            export.files.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms audit-pack --rev R -o DIR`
pub fn audit_pack(c: &Ctx, rev: &str, output: &Path) -> Result<ExitCode, Failure> {
    let pack = c.isms()?.audit_pack(c.session, rev, output)?;
    if c.json {
        print_json(&pack);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Wrote the audit pack of commit {} to {}: {} documents ({} signed), {} evidence records and files, and {} (the same files, zipped). The manifest is signed by {}.",
        isms_core::git::short_id(&pack.commit),
        pack.folder,
        pack.documents.len(),
        pack.documents.iter().filter(|d| d.signoff.is_some()).count(),
        pack.evidence,
        pack.zip,
        pack.signed_by
    );
    for d in &pack.documents {
        println!(
            "  {:<44} {}",
            d.file,
            d.signoff.as_deref().map_or_else(
                || "not signed at this commit".to_string(),
                |id| format!("signed: {id}")
            )
        );
    }
    for name in &pack.left_out {
        println!(
            "  left out: {} (its name cannot be listed in the manifest; hand it over separately)",
            safe(name)
        );
    }
    println!(
        "An auditor checks it with: cd {} && ssh-keygen -Y verify -f allowed_signers -I {} -n isms-report -s MANIFEST.sig < MANIFEST && sha256sum -c MANIFEST (VERIFY.md says the rest).",
        pack.folder, pack.signed_by
    );
    Ok(ExitCode::SUCCESS)
}

/// `isms soc2`: the criteria in scope and their coverage (text, json), or the matrix
/// of a commit (md, html, pdf).
pub fn soc2(c: &Ctx, rev: &str, output: Option<&Path>) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    if matches!(c.format, Format::Md | Format::Html | Format::Pdf) {
        let (format, _) = format_and_signer(c, &isms, output, false)?;
        let report = isms.soc2_matrix(rev, format)?;
        return deliver(c, &report, format, output, None);
    }
    let view = isms.soc2_view()?;
    if c.json {
        print_json(&view);
        return Ok(ExitCode::SUCCESS);
    }
    if view.in_scope.is_empty() {
        println!("isms.yaml has no `soc2:` section, so no SOC 2 scope. Add `soc2: categories: [availability, confidentiality]` (Security is always in scope).");
        return Ok(ExitCode::SUCCESS);
    }
    let mut table =
        crate::table::Table::new(&["CRITERION", "WHAT IT ASKS", "CONTROLS", "COVERAGE"]);
    for l in &view.criteria {
        let controls: Vec<String> = l
            .controls
            .iter()
            .map(|x| match (x.applicable, x.status) {
                (Some(false), _) => format!("{} (excluded)", x.link.control),
                (_, Some(s)) => format!("{} ({})", x.link.control, s.label().to_lowercase()),
                _ => x.link.control.clone(),
            })
            .collect();
        table.row(vec![
            l.criterion.criterion.id.clone(),
            crate::terminal::safe(&l.criterion.criterion.title).into_owned(),
            if controls.is_empty() {
                "none mapped".into()
            } else {
                controls.join(", ")
            },
            l.criterion.coverage.as_str().replace('_', " "),
        ]);
    }
    print!("{}", table.render());
    let gaps = view.criteria.iter().filter(|l| l.is_gap()).count();
    println!(
        "{} criteria in scope ({}): {} gap{}",
        view.criteria.len(),
        view.in_scope
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join(", "),
        gaps,
        if gaps == 1 { "" } else { "s" }
    );
    for e in &view.errors {
        eprintln!("{}", crate::terminal::safe(&e.to_string()));
    }
    Ok(ExitCode::SUCCESS)
}
