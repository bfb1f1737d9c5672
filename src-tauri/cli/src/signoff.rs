//! `isms signoff start|status|sign` and `isms verify`: management sign-off as signed
//! commits, and its verification for people and for CI. The rules live in
//! isms-core's `signoff` module; this module finds the key and prints.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use isms_core::api::SignoffCard;
use isms_core::git::short_id;
use isms_core::signoff::forge;
use isms_core::signoff::{
    Judgement, Problem, ProblemCode, RequestState, RequestVerification, RootTrust, SignoffKind,
    StepState, Verification, VerifyOptions,
};

use crate::terminal::safe;
use crate::{print_json, Ctx, Failure};

/// The kinds of sign-off, as the command line names them.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// The annual risk assessment report.
    RiskAssessment,
    /// The Statement of Applicability.
    Soa,
    /// The risk treatment plan.
    TreatmentPlan,
    /// The acceptance of one risk (give the risk's id).
    RiskAcceptance,
    /// People, roles, signing keys and chains in isms.yaml.
    Governance,
    /// The risk assessment methodology in isms.yaml (and its rescoring).
    Methodology,
    /// The approval of a controlled document's next version (give the document's id).
    Document,
    /// A management review's record (give the review's id).
    ManagementReview,
    /// A completed internal audit's report, signed by its auditor (give the audit's id).
    AuditReport,
    /// The public security page, as `isms publish security-page` will write it.
    SecurityPage,
    /// The SOC 2 system description (system/description.md).
    SystemDescription,
}

impl From<Kind> for SignoffKind {
    fn from(k: Kind) -> SignoffKind {
        match k {
            Kind::RiskAssessment => SignoffKind::RiskAssessment,
            Kind::Soa => SignoffKind::Soa,
            Kind::TreatmentPlan => SignoffKind::TreatmentPlan,
            Kind::RiskAcceptance => SignoffKind::RiskAcceptance,
            Kind::Governance => SignoffKind::Governance,
            Kind::Methodology => SignoffKind::Methodology,
            Kind::Document => SignoffKind::Document,
            Kind::ManagementReview => SignoffKind::ManagementReview,
            Kind::AuditReport => SignoffKind::AuditReport,
            Kind::SecurityPage => SignoffKind::SecurityPage,
            Kind::SystemDescription => SignoffKind::SystemDescription,
        }
    }
}

/// `isms signoff start <kind> [<risk>]`
pub fn start(c: &Ctx, kind: Kind, subject: Option<&str>) -> Result<ExitCode, Failure> {
    let started = c
        .isms()?
        .put_up_for_signoff(c.session, kind.into(), subject)?;
    if c.json {
        print_json(&started);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Started sign-off {} on branch {}: {} signed {} (commit {}), rendered from {}.",
        started.id,
        started.branch,
        started.signed_by,
        started.report,
        started.commit.short(),
        started.source.short()
    );
    if let Some(next) = &started.next {
        println!("Next: {next}, with `isms signoff sign {}`.", started.id);
    }
    println!(
        "Share it as a pull request: isms signoff push {}",
        started.id
    );
    Ok(ExitCode::SUCCESS)
}

/// `isms signoff push <id> [--remote <remote>]`
pub fn push(c: &Ctx, id: &str, remote: &str) -> Result<ExitCode, Failure> {
    let published = c.isms()?.push_signoff(c.session, id, remote)?;
    if c.json {
        print_json(&published);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Pushed {} to {}.", published.branch, published.remote);
    match (&published.pull_request, &published.new_pull_request_url) {
        (Some(pr), _) if pr.opened => println!("Opened pull request #{}: {}", pr.number, pr.url),
        (Some(pr), _) => println!("Pull request #{} was already open: {}", pr.number, pr.url),
        (None, Some(url)) => {
            if let Some(note) = &published.note {
                println!("Not opened through the forge's API: {note}.");
            }
            println!("Open the pull request: {url}");
        }
        (None, None) => println!("{remote} is not on GitHub or GitLab; share the branch there."),
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms signoff record <id>`
pub fn record(c: &Ctx, id: &str) -> Result<ExitCode, Failure> {
    let saved = c.isms()?.signoff_record(id)?;
    if c.json {
        print_json(&saved);
    } else if saved.changed {
        println!(
            "Recorded {id} in {}'s acceptance ({}). Commit it: isms commit -m \"Record the acceptance of {}\" {}",
            saved.id, saved.path, saved.id, saved.id
        );
    } else {
        println!("{}'s acceptance already records {id}.", saved.id);
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms forge login <host>`: the token from standard input, or asked for without echo.
pub fn forge_login(host: &str) -> Result<ExitCode, Failure> {
    use std::io::{BufRead, IsTerminal};
    let token = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Token for {host}: ")).unwrap_or_default()
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::from(isms_core::Error::Usage(format!("no token read: {e}"))))?;
        line
    };
    forge::save_token(host, &token)?;
    println!("Stored the token for {host} in the system keyring.");
    Ok(ExitCode::SUCCESS)
}

/// `isms forge logout <host>`
pub fn forge_logout(host: &str) -> Result<ExitCode, Failure> {
    if forge::forget_token(host)? {
        println!("Removed the token for {host} from the system keyring.");
    } else {
        println!("The system keyring held no token for {host}.");
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms signoff sign <id> [--approve]`
pub fn sign(c: &Ctx, id: &str, approve: bool) -> Result<ExitCode, Failure> {
    let signed = c.isms()?.sign_next_step(c.session, id, approve)?;
    if c.json {
        print_json(&signed);
        return Ok(ExitCode::SUCCESS);
    }
    if signed.merged {
        println!(
            "{} signed step {} ({}) of {}: the signed merge {} into main. The sign-off is complete.",
            signed.person, signed.step, signed.role, signed.id, signed.commit.short()
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} signed step {} ({}) of {}: commit {}.",
        signed.person,
        signed.step,
        signed.role,
        signed.id,
        signed.commit.short()
    );
    match &signed.next {
        Some(next) => println!(
            "Next: {next}. Share the signature: isms signoff push {}",
            signed.id
        ),
        None => println!(
            "Every step is signed; push it (isms signoff push {}) and merge the pull request on the forge.",
            signed.id
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms signoff status`: open requests, their steps, and what changed since the
/// last signed document of the same kind (the app's sign-off board, open requests).
pub fn status(c: &Ctx) -> Result<ExitCode, Failure> {
    let board = c.isms()?.signoff_board(c.session)?;
    let open: Vec<&SignoffCard> = board.requests.iter().filter(|card| card.open).collect();
    if c.json {
        print_json(&open);
        return Ok(ExitCode::SUCCESS);
    }
    if open.is_empty() {
        println!("No open sign-off requests.");
    }
    for card in open {
        print_request(&card.request);
        print_changes(card);
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

fn print_changes(card: &SignoffCard) {
    let r = &card.request;
    let Some(ch) = &card.changes else {
        println!("  No earlier signed {} to compare with.", r.report);
        return;
    };
    let last = ch.from.split_whitespace().next().unwrap_or_default();
    if ch.records.is_empty() {
        println!(
            "  Since {last}, the last signed {}: no record changed.",
            r.report
        );
        return;
    }
    println!("  Since {last}, the last signed {}:", r.report);
    for rc in &ch.records {
        let fields: Vec<String> = rc
            .fields
            .iter()
            .map(|f| match (&f.before, &f.after) {
                (Some(b), Some(a)) => format!("{} {b} → {a}", f.field),
                _ => f.field.clone(),
            })
            .collect();
        println!(
            "    {} {} {:?}{}",
            rc.id,
            safe(&rc.title),
            rc.change,
            if fields.is_empty() {
                String::new()
            } else {
                format!(": {}", fields.join(", "))
            }
        );
    }
}

fn print_request(r: &RequestVerification) {
    let state = match (r.state, r.is_landed()) {
        (RequestState::Open, _) => "open",
        (RequestState::ReadyToMerge, _) => "approved, waiting for the merge on the forge",
        (RequestState::Complete, _) => "complete",
        (RequestState::Failed, true) => "FAILS VERIFICATION",
        (RequestState::Failed, false) => "FAILS VERIFICATION (open request)",
    };
    let kind = if r.kind.is_empty() {
        "unknown kind"
    } else {
        r.kind.as_str()
    };
    let subject = r
        .subject
        .as_deref()
        .map(|s| format!(" of {s}"))
        .unwrap_or_default();
    let document = if r.report.is_empty() {
        String::new()
    } else {
        format!(", {}", r.report)
    };
    println!("{} ({kind}{subject}{document}): {state}", r.id);
    if !r.source.is_empty() {
        println!("  rendered from {}", short_id(&r.source));
    }
    match (&r.merge, &r.landed) {
        (Some(m), _) => println!("  merged by {}", short_id(m)),
        (None, Some(at)) => println!("  reached the branch at {} (fast-forward)", short_id(at)),
        _ => {}
    }
    for s in &r.steps {
        match &s.state {
            StepState::Done {
                commit,
                person,
                key,
                date,
                how,
                ..
            } => println!(
                "  {}. {:<32} done: {person}, {}, {how}, key {key}, commit {}",
                s.number,
                s.role_title,
                &date[..10.min(date.len())],
                short_id(commit)
            ),
            StepState::Pending => println!(
                "  {}. {:<32} pending ({})",
                s.number,
                s.role_title,
                s.means.as_str().replace('_', " ")
            ),
        }
    }
    for p in &r.problems {
        print_problem("  FAIL", p);
    }
    for w in &r.warnings {
        print_problem("  note", w);
    }
}

fn print_problem(label: &str, p: &Problem) {
    println!("{label}: {}", crate::terminal::safe(&p.message));
    if let Some(remedy) = &p.remedy {
        let indent = " ".repeat(label.len() - label.trim_start().len());
        println!("{indent}  what to do: {}", crate::terminal::safe(remedy));
    }
}

/// What `isms verify` was asked.
pub struct VerifyArgs<'a> {
    /// One request id, or a document path.
    pub target: Option<&'a str>,
    /// The revision to verify.
    pub rev: Option<&'a str>,
    /// The pinned root key (`--root-key`, else `ISMS_ROOT_KEY`).
    pub root_key: Option<String>,
    /// Hand edits fail.
    pub strict: bool,
    /// Open requests fail too.
    pub requests: bool,
    /// Write the approved allowed-signers file here.
    pub write_allowed_signers: Option<&'a Path>,
}

/// `isms verify [<request id or document path>]`: exit 1 on any failure.
pub fn verify(c: &Ctx, args: VerifyArgs) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let json = c.json;
    let options = VerifyOptions {
        rev: args.rev.map(str::to_string),
        root_key: args.root_key.clone(),
        strict: args.strict,
        open_requests: args.requests,
    };
    let verification = isms.signoff_verify(&options)?;
    let judged = verification.judge(args.target, args.requests)?;
    if let Some(file) = args.write_allowed_signers {
        let text = isms.approved_allowed_signers(&options)?;
        std::fs::write(file, text).map_err(|e| Failure::from(isms_core::Error::io(file, e)))?;
    }
    if json {
        let open: Vec<&RequestVerification> = verification.open().collect();
        print_json(&serde_json::json!({
            "ok": judged.ok,
            "branch": verification.branch,
            "head": verification.head,
            "root": verification.root,
            "root_key": verification.root_key,
            "commits_examined": verification.commits_examined,
            "approvals": verification.approvals,
            "requests": judged.requests,
            "open": open,
            "problems": verification.problems,
            "warnings": verification.warnings,
        }));
    } else {
        print_verification(
            &verification,
            &judged,
            args.target.is_some() || args.requests,
        );
        if let Some(file) = args.write_allowed_signers {
            println!(
                "Wrote the approved keys to {} (from the approved configuration, not the working tree).",
                file.display()
            );
        }
    }
    Ok(if judged.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_verification(v: &Verification, judged: &Judgement, asked_for_open: bool) {
    println!(
        "Verified {} at {} ({} examined).",
        v.branch,
        v.head.short(),
        crate::plural(v.commits_examined, "commit")
    );
    for w in v
        .warnings
        .iter()
        .filter(|w| w.code == ProblemCode::RootNotPinned)
    {
        print_problem("WARNING", w);
    }
    for a in &v.approvals {
        println!("Approved configuration from {}: {}", a.commit.short(), a.by);
    }
    println!();
    for r in &judged.requests {
        print_request(r);
        println!();
    }
    if !asked_for_open {
        let open: Vec<&RequestVerification> = v.open().collect();
        if !open.is_empty() {
            println!(
                "Open requests (not on {}; `--requests` verifies them too):",
                v.branch
            );
            for r in open {
                let state = if r.problems.is_empty() {
                    "open"
                } else {
                    "does not verify"
                };
                println!(
                    "  {} ({}): {state}",
                    r.id,
                    if r.kind.is_empty() {
                        "unknown kind"
                    } else {
                        &r.kind
                    }
                );
            }
            println!();
        }
    }
    for p in &v.problems {
        print_problem("FAIL", p);
    }
    for w in v
        .warnings
        .iter()
        .filter(|w| w.code != ProblemCode::RootNotPinned)
    {
        print_problem("note", w);
    }
    let failed = judged
        .requests
        .iter()
        .map(|r| r.problems.len())
        .sum::<usize>()
        + v.problems.len();
    if !judged.ok {
        println!("FAILED: {}.", crate::plural(failed, "problem"));
        return;
    }
    let pinned = match v.root {
        RootTrust::Pinned => "",
        _ => " The root of trust is NOT pinned (see the warning above).",
    };
    if judged.requests.is_empty() {
        println!(
            "No sign-off has reached {} yet ({} examined, none with sign-off trailers), so there was nothing to verify.{pinned}",
            v.branch,
            crate::plural(v.commits_examined, "commit")
        );
    } else {
        println!(
            "OK: {} verified; every signature is valid and authorised.{pinned}",
            crate::plural(judged.requests.len(), "sign-off request")
        );
    }
}
