//! `isms signoff start|status|sign` and `isms verify`: management sign-off as signed
//! commits, and its verification for people and for CI. The rules live in
//! isms-core's `signoff` module; this module finds the key and prints.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use isms_core::git::changes::{between, Snapshot};
use isms_core::settings::Settings;
use isms_core::signoff::{
    Judgement, Problem, ProblemCode, RequestState, RequestVerification, RootTrust, SignoffKind,
    StepState, Verification, VerifyOptions,
};
use isms_core::{git, Isms};

use isms_core::signoff::forge;

use crate::commits::{credentials, signer, when};
use crate::{print_json, Failure};

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
}

impl From<Kind> for SignoffKind {
    fn from(k: Kind) -> SignoffKind {
        match k {
            Kind::RiskAssessment => SignoffKind::RiskAssessment,
            Kind::Soa => SignoffKind::Soa,
            Kind::TreatmentPlan => SignoffKind::TreatmentPlan,
            Kind::RiskAcceptance => SignoffKind::RiskAcceptance,
            Kind::Governance => SignoffKind::Governance,
        }
    }
}

/// `isms signoff start <kind> [<risk>]`
pub fn start(
    repo: &Path,
    json: bool,
    kind: Kind,
    subject: Option<&str>,
) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let settings = Settings::load()?;
    let signer = signer(&isms, &settings)?;
    let started = isms.signoff_start(kind.into(), subject, &signer, when())?;
    if json {
        print_json(&started);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Started sign-off {} on branch {}: {} signed {} (commit {}), rendered from {}.",
        started.id,
        started.branch,
        started.signed_by,
        started.report,
        &started.commit[..12],
        &started.source[..12]
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
pub fn push(repo: &Path, json: bool, id: &str, remote: &str) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let settings = Settings::load()?;
    let published = isms.signoff_publish(id, remote, &credentials(&settings))?;
    if json {
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
pub fn record(repo: &Path, json: bool, id: &str) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let saved = isms.signoff_record(id)?;
    if json {
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
pub fn sign(repo: &Path, json: bool, id: &str, approve: bool) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let settings = Settings::load()?;
    let signer = signer(&isms, &settings)?;
    let signed = isms.signoff_sign(id, &signer, approve, when())?;
    if json {
        print_json(&signed);
        return Ok(ExitCode::SUCCESS);
    }
    if signed.merged {
        println!(
            "{} signed step {} ({}) of {}: the signed merge {} into main. The sign-off is complete.",
            signed.person, signed.step, signed.role, signed.id, &signed.commit[..12]
        );
    } else {
        println!(
            "{} signed step {} ({}) of {}: commit {}.",
            signed.person,
            signed.step,
            signed.role,
            signed.id,
            &signed.commit[..12]
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
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms signoff status`: open requests, their steps, and what changed since the
/// last signed report of the same kind.
pub fn status(repo: &Path, json: bool) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let verification = isms.signoff_verify(&VerifyOptions::default())?;
    let open: Vec<&RequestVerification> = verification.open().collect();
    let repository = git::repository(&isms)?;
    let mut changes = Vec::new();
    for r in &open {
        let since = verification.latest_complete(&r.report);
        let summary = match since {
            Some(last) if !r.source.is_empty() => {
                let from = Snapshot::at(&repository, &last.source)?;
                let to = Snapshot::at(&repository, &r.source)?;
                let c = between(&last.source, &from, &r.source, &to);
                Some((last.id.clone(), c))
            }
            _ => None,
        };
        changes.push(summary);
    }
    if json {
        let items: Vec<_> = open
            .iter()
            .zip(&changes)
            .map(|(r, c)| {
                serde_json::json!({
                    "request": r,
                    "changes_since": c.as_ref().map(|(id, ch)| serde_json::json!({"last_signed": id, "changes": ch})),
                })
            })
            .collect();
        print_json(&serde_json::json!({ "open": items, "ok": verification.ok }));
        return Ok(ExitCode::SUCCESS);
    }
    if open.is_empty() {
        println!("No open sign-off requests.");
    }
    for (r, c) in open.iter().zip(&changes) {
        print_request(r);
        match c {
            Some((last, ch)) if ch.records.is_empty() => {
                println!(
                    "  Since {last}, the last signed {}: no record changed.",
                    r.report
                )
            }
            Some((last, ch)) => {
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
                        crate::terminal::safe(&rc.title),
                        rc.change,
                        if fields.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", fields.join(", "))
                        }
                    );
                }
            }
            None => println!("  No earlier signed {} to compare with.", r.report),
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
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
        println!("  rendered from {}", short(&r.source));
    }
    match (&r.merge, &r.landed) {
        (Some(m), _) => println!("  merged by {}", short(m)),
        (None, Some(at)) => println!("  reached the branch at {} (fast-forward)", short(at)),
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
                short(commit)
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

fn short(id: &str) -> &str {
    &id[..12.min(id.len())]
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
pub fn verify(repo: &Path, json: bool, args: VerifyArgs) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
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
        short(&v.head),
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
        println!("Approved configuration from {}: {}", short(&a.commit), a.by);
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
