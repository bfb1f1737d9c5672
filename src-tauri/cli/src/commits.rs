//! `isms commit`, `isms log`, `isms diff`, `isms verify-commits`, `isms fetch|pull|push`
//! and `isms settings`: git from the command line. The rules live in isms-core's `git`
//! module; this module finds the identity and key, asks for passphrases, and prints.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use isms_core::git::changes::{ChangeKind, Changes, FieldChange};
use isms_core::git::signing::Signer;
use isms_core::git::sync::{Credentials, PullOutcome, Resolution, Resolutions};
use isms_core::git::verify::{self, SignatureStatus};
use isms_core::git::{self, CommitRequest, Identity};
use isms_core::settings::Settings;
use isms_core::Isms;

use crate::{print_json, usage, Failure};

/// Asks for a passphrase: through `SSH_ASKPASS` when there is no terminal (or
/// `SSH_ASKPASS_REQUIRE=force`), as ssh does; otherwise on the terminal without echo.
pub fn prompt(question: &str) -> Option<String> {
    let askpass = std::env::var_os("SSH_ASKPASS");
    let forced = std::env::var("SSH_ASKPASS_REQUIRE").is_ok_and(|v| v == "force");
    if let Some(program) = askpass.filter(|_| forced || !std::io::stdin().is_terminal()) {
        let out = std::process::Command::new(program)
            .arg(question)
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8(out.stdout).ok()?;
        return Some(text.trim_end_matches(['\n', '\r']).to_string());
    }
    rpassword::prompt_password(question).ok()
}

/// The identity to commit as: git's, else the person chosen in the settings.
fn identity(isms: &Isms, settings: &Settings) -> Result<Identity, Failure> {
    Ok(git::identity(isms, settings)?)
}

pub(crate) fn signer(isms: &Isms, settings: &Settings) -> Result<Signer, Failure> {
    let repo = git::repository(isms)?;
    Ok(Signer::discover(
        &repo,
        settings.signing_key.as_deref(),
        &prompt,
    )?)
}

/// The commit time from git's own variables (`GIT_COMMITTER_DATE=@<seconds> <+hhmm>`),
/// so scripts and tests can fix it as they would for git.
pub(crate) fn when() -> Option<(i64, i32)> {
    let text = std::env::var("GIT_COMMITTER_DATE").ok()?;
    let mut parts = text.trim().trim_start_matches('@').split_whitespace();
    let seconds: i64 = parts.next()?.parse().ok()?;
    let offset = parts.next().unwrap_or("+0000");
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits = offset.trim_start_matches(['+', '-']);
    let (h, m) = (
        digits.get(..2)?.parse::<i32>().ok()?,
        digits.get(2..4)?.parse::<i32>().ok()?,
    );
    Some((seconds, sign * (h * 60 + m)))
}

/// `isms commit -m <message> [<id>…]`
pub fn commit(
    repo: &Path,
    json: bool,
    message: &str,
    records: &[String],
    unsigned: bool,
    allow_signed_edits: bool,
) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let settings = Settings::load()?;
    let identity = identity(&isms, &settings)?;
    let signer = if unsigned {
        None
    } else {
        Some(signer(&isms, &settings)?)
    };
    let committed = isms.commit(&CommitRequest {
        message,
        records,
        identity: &identity,
        signer: signer.as_ref(),
        when: when(),
        allow_signed_edits,
    })?;
    if json {
        print_json(&committed);
    } else {
        let how = if committed.signed {
            "signed"
        } else {
            "unsigned"
        };
        let files = if committed.files.len() <= 6 {
            committed.files.join(", ")
        } else {
            crate::plural(committed.files.len(), "file")
        };
        println!(
            "Committed {} ({how}, {} <{}>): {files}",
            &committed.commit[..12],
            identity.name,
            identity.email,
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn describe_signature(s: &SignatureStatus) -> String {
    match s {
        SignatureStatus::Good { person, roles, .. } => {
            format!("signed by {person} ({})", roles.join(", "))
        }
        SignatureStatus::Unsigned => "UNSIGNED".into(),
        SignatureStatus::UnknownKey { key } => format!("UNKNOWN KEY {key}"),
        SignatureStatus::Bad { reason } => format!("BAD SIGNATURE: {reason}"),
        SignatureStatus::Unsupported { reason } => format!("UNCHECKED: {reason}"),
    }
}

/// `isms verify-commits [<range>]`; exit 1 when any commit is not signed by a known key.
pub fn verify_commits(repo: &Path, json: bool, range: Option<&str>) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let repository = git::repository(&isms)?;
    let config = isms.load_config().ok();
    let commits = verify::verify_commits(&repository, range, config.as_ref())?;
    let bad = commits.iter().filter(|c| !c.signature.is_good()).count();
    if json {
        print_json(&serde_json::json!({ "commits": commits, "not_verified": bad }));
    } else {
        for c in &commits {
            println!(
                "{}  {}  {}  {}",
                &c.commit[..12],
                &c.date[..10],
                describe_signature(&c.signature),
                c.summary
            );
        }
        println!(
            "{} checked; {}",
            crate::plural(commits.len(), "commit"),
            if bad == 0 {
                "all signed by people in isms.yaml".to_string()
            } else {
                format!("{bad} not verified")
            }
        );
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn field_line(f: &FieldChange) -> String {
    if !f.added.is_empty() || !f.removed.is_empty() {
        let mut parts = Vec::new();
        if !f.added.is_empty() {
            parts.push(format!("+{}", f.added.join(", +")));
        }
        if !f.removed.is_empty() {
            parts.push(format!("-{}", f.removed.join(", -")));
        }
        return format!("{}: {}", f.field, parts.join(" "));
    }
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "–".into());
    format!("{}: {} → {}", f.field, show(&f.before), show(&f.after))
}

fn change_word(c: ChangeKind) -> &'static str {
    match c {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Closed => "closed",
        ChangeKind::Reopened => "reopened",
        ChangeKind::Changed => "changed",
    }
}

/// `isms log <id>`
pub fn log(repo: &Path, json: bool, id: &str, body: bool) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let timeline = isms.timeline(id)?;
    if json {
        print_json(&timeline);
        return Ok(ExitCode::SUCCESS);
    }
    if timeline.is_empty() {
        println!("{id} has no commits yet.");
    }
    for e in &timeline {
        println!(
            "{}  {}  {}  {}",
            &e.commit[..12],
            &e.date[..10],
            e.author,
            describe_signature(&e.signature)
        );
        println!("    {} — {}", e.summary, change_word(e.change));
        for f in e.fields.iter().filter(|_| e.change != ChangeKind::Added) {
            println!("    {}", field_line(f));
        }
        match (&e.body_diff, body) {
            (Some(diff), true) => {
                for line in diff.lines() {
                    println!("    {line}");
                }
            }
            (Some(_), false) => println!("    body changed (--body shows how)"),
            _ => {}
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms diff <from> [<to>]`
pub fn diff(repo: &Path, json: bool, from: &str, to: Option<&str>) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let changes = isms.changes(from, to)?;
    if json {
        print_json(&changes);
    } else {
        print!("{}", render_changes(&changes));
    }
    Ok(ExitCode::SUCCESS)
}

/// The changes between two revisions, for people.
pub fn render_changes(changes: &Changes) -> String {
    let mut out = format!("Changes from {} to {}\n", changes.from, changes.to);
    if changes.records.is_empty() {
        out.push_str("No record changed.\n");
    }
    let mut kind = None;
    for c in &changes.records {
        if kind != Some(c.kind) {
            kind = Some(c.kind);
            let heading = match c.kind.as_str() {
                "risk" => "Risks",
                "control" => "Statement of Applicability",
                "treatment" => "Treatments",
                "document" => "Documents",
                _ => "Assessments",
            };
            out.push_str(&format!("\n{heading}\n"));
        }
        out.push_str(&format!(
            "  {} {} — {}\n",
            c.id,
            c.title,
            change_word(c.change)
        ));
        if c.change != ChangeKind::Added && c.change != ChangeKind::Removed {
            for f in &c.fields {
                out.push_str(&format!("      {}\n", field_line(f)));
            }
            if c.body_diff.is_some() {
                out.push_str("      body changed\n");
            }
        }
    }
    for e in &changes.errors {
        out.push_str(&format!("not compared: {e}\n"));
    }
    out
}

pub(crate) fn credentials(settings: &Settings) -> Credentials<'static> {
    Credentials {
        ssh_key: settings.signing_key.clone(),
        prompt: &prompt,
    }
}

/// `isms fetch|push [<remote>]`
pub fn fetch_or_push(
    repo: &Path,
    json: bool,
    remote: &str,
    push: bool,
) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let settings = Settings::load()?;
    if push {
        let branch = isms.push(remote, &credentials(&settings))?;
        if json {
            print_json(&serde_json::json!({ "pushed": branch, "remote": remote }));
        } else {
            println!("Pushed {branch} to {remote}.");
        }
    } else {
        isms.fetch(remote, &credentials(&settings))?;
        if json {
            print_json(&serde_json::json!({ "fetched": remote }));
        } else {
            println!("Fetched {remote}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads `R-004.likelihood=mine`, `R-004.body=theirs`, `R-004.impact=value:3`.
fn resolutions(texts: &[String]) -> Result<Resolutions, Failure> {
    let mut out = Resolutions::new();
    for text in texts {
        let (target, choice) = text.split_once('=').ok_or_else(|| {
            usage(format!(
                "--resolve {text}: write <id>.<field>=mine|theirs|value:<new value>"
            ))
        })?;
        let (id, field) = split_target(target).ok_or_else(|| {
            usage(format!(
                "--resolve {text}: name the record and field, e.g. R-004.likelihood"
            ))
        })?;
        let resolution = match choice {
            "mine" => Resolution::Mine,
            "theirs" => Resolution::Theirs,
            other => match other.strip_prefix("value:") {
                Some(v) => Resolution::Value(v.to_string()),
                None => {
                    return Err(usage(format!(
                        "--resolve {text}: choose mine, theirs or value:<new value>"
                    )))
                }
            },
        };
        out.insert((id, field), resolution);
    }
    Ok(out)
}

/// `R-004.likelihood` → (R-004, likelihood); `8.13.status` → (8.13, status).
fn split_target(target: &str) -> Option<(String, String)> {
    // Control ids contain a dot (8.13.status); fields may be nested
    // (T-001.actions.A2.status). A control id is two numbers; any other id is one part.
    let parts: Vec<&str> = target.split('.').collect();
    let numeric = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let id_len = if parts.len() > 2 && numeric(parts[0]) && numeric(parts[1]) {
        2
    } else {
        1
    };
    if parts.len() <= id_len {
        return None;
    }
    Some((parts[..id_len].join("."), parts[id_len..].join(".")))
}

/// `isms pull [<remote>] [--resolve id.field=mine|theirs|value:…]`
pub fn pull(
    repo: &Path,
    json: bool,
    remote: &str,
    resolve: &[String],
    unsigned: bool,
) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let settings = Settings::load()?;
    let identity = identity(&isms, &settings)?;
    let resolutions = resolutions(resolve)?;
    // A merge commit is signed like any other; a fast-forward needs no key.
    let key = if unsigned {
        None
    } else {
        Some(signer(&isms, &settings)?)
    };
    let outcome = isms.pull(
        remote,
        &credentials(&settings),
        &identity,
        key.as_ref(),
        &resolutions,
    )?;
    if json {
        print_json(&outcome);
    }
    match outcome {
        PullOutcome::UpToDate => {
            if !json {
                println!("Already up to date with {remote}.");
            }
            Ok(ExitCode::SUCCESS)
        }
        PullOutcome::FastForward { commit } => {
            if !json {
                println!("Updated to {} from {remote}.", &commit[..12]);
            }
            Ok(ExitCode::SUCCESS)
        }
        PullOutcome::Merged { commit, records } => {
            if !json {
                println!(
                    "Merged {remote} in {}; records merged field by field: {}",
                    &commit[..12],
                    if records.is_empty() {
                        "none".to_string()
                    } else {
                        records.join(", ")
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        PullOutcome::Conflicts { conflicts } => {
            if !json {
                println!("Nothing was changed: both sides changed the same fields differently.");
                for c in &conflicts {
                    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "–".into());
                    println!(
                        "  {} {}: mine {} | theirs {} (was {})",
                        c.id,
                        c.field,
                        show(&c.mine),
                        show(&c.theirs),
                        show(&c.base)
                    );
                }
                println!("Resolve each with --resolve <id>.<field>=mine|theirs|value:<new value> and pull again.");
            }
            Ok(ExitCode::from(1))
        }
    }
}

/// `isms settings [--signing-key <path>] [--person <email>]`
pub fn settings(
    json: bool,
    signing_key: Option<PathBuf>,
    person: Option<String>,
) -> Result<ExitCode, Failure> {
    let mut settings = Settings::load()?;
    let changed = signing_key.is_some() || person.is_some();
    if let Some(key) = signing_key {
        let key = key
            .canonicalize()
            .map_err(|e| usage(format!("--signing-key {}: {e}", key.display())))?;
        settings.signing_key = Some(key);
    }
    if let Some(person) = person {
        settings.person = Some(person);
    }
    let path = if changed {
        Some(settings.save()?)
    } else {
        Settings::path()
    };
    if json {
        print_json(&serde_json::json!({ "settings": settings, "file": path }));
    } else {
        println!(
            "signing key: {}",
            settings
                .signing_key
                .as_ref()
                .map_or("–".into(), |p| p.display().to_string())
        );
        println!("person:      {}", settings.person.as_deref().unwrap_or("–"));
        if let Some(p) = path {
            println!("({})", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
