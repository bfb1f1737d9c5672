//! `isms signoff start|status|sign` and `isms verify`: management sign-off as signed
//! commits, and its verification for people and for CI. The rules live in
//! isms-core's `signoff` module; this module finds the key and prints.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use isms_core::git::changes::{between, Snapshot};
use isms_core::settings::Settings;
use isms_core::signoff::{RequestState, RequestVerification, SignoffKind, StepState, Verification};
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
    let verification = isms.signoff_verify(None, None)?;
    let open: Vec<&RequestVerification> = verification
        .requests
        .iter()
        .filter(|r| r.merge.is_none() && r.state != RequestState::Complete)
        .collect();
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
                    let fields: Vec<&str> = rc.fields.iter().map(|f| f.field.as_str()).collect();
                    println!(
                        "    {} {} {:?}{}",
                        rc.id,
                        rc.title,
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
    let state = match r.state {
        RequestState::Open => "open",
        RequestState::ReadyToMerge => "approved, waiting for the merge on the forge",
        RequestState::Complete => "complete",
        RequestState::Failed => "FAILS VERIFICATION",
    };
    let subject = r
        .subject
        .as_deref()
        .map(|s| format!(" of {s}"))
        .unwrap_or_default();
    println!("{} ({}{subject}): {state}", r.id, r.report);
    if !r.source.is_empty() {
        println!("  rendered from {}", &r.source[..12.min(r.source.len())]);
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
                &commit[..12]
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
        println!("  FAIL: {}", p.message);
    }
    for w in &r.warnings {
        println!("  note: {w}");
    }
}

/// `isms verify [<request id or report path>]`: exit 1 on any failure.
pub fn verify(
    repo: &Path,
    json: bool,
    target: Option<&str>,
    rev: Option<&str>,
    root_key: Option<&str>,
) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let verification = isms.signoff_verify(rev, root_key)?;
    let selected: Vec<&RequestVerification> = match target {
        None => verification.requests.iter().collect(),
        Some(t) => {
            let path = t.trim_start_matches("./");
            let found: Vec<&RequestVerification> = verification
                .requests
                .iter()
                .filter(|r| r.id == t || r.report == path)
                .collect();
            if found.is_empty() {
                return Err(crate::usage(format!(
                    "no sign-off request or signed report `{t}`; `isms signoff status` lists open requests"
                )));
            }
            // For a report path, the latest request for it.
            if found.iter().all(|r| r.report == path) && found.iter().all(|r| r.id != t) {
                vec![*found.last().expect("not empty")]
            } else {
                found
            }
        }
    };
    let ok = match target {
        None => verification.ok,
        Some(_) => {
            verification.problems.is_empty() && selected.iter().all(|r| r.problems.is_empty())
        }
    };
    if json {
        print_json(&serde_json::json!({
            "ok": ok,
            "branch": verification.branch,
            "head": verification.head,
            "approvals": verification.approvals,
            "requests": selected,
            "problems": verification.problems,
            "warnings": verification.warnings,
        }));
    } else {
        print_verification(&verification, &selected, ok);
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_verification(v: &Verification, selected: &[&RequestVerification], ok: bool) {
    println!("Verified {} at {}.", v.branch, &v.head[..12]);
    for a in &v.approvals {
        println!("Approved configuration from {}: {}", &a.commit[..12], a.by);
    }
    println!();
    for r in selected {
        print_request(r);
        println!();
    }
    for p in &v.problems {
        println!("FAIL: {}", p.message);
    }
    for w in &v.warnings {
        println!("note: {w}");
    }
    let failed = selected.iter().map(|r| r.problems.len()).sum::<usize>() + v.problems.len();
    if ok {
        println!(
            "OK: {} verified; every signature is valid and authorised.",
            crate::plural(selected.len(), "sign-off request")
        );
    } else {
        println!("FAILED: {}.", crate::plural(failed, "problem"));
    }
}
