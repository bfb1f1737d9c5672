//! `isms commit`, `isms log`, `isms diff`, `isms verify-commits`, `isms fetch|pull|push`
//! and `isms settings`: git from the command line. The rules live in isms-core's `git`
//! module; this module finds the identity and key, asks for passphrases, and prints.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use isms_core::api::{CommitOptions, FieldChoice, Signing};
use isms_core::git::changes::{ChangeKind, Changes, FieldChange};
use isms_core::git::recovery::Settle;
use isms_core::git::sync::{PullOutcome, Resolution};
use isms_core::git::verify;

use crate::terminal::safe;
use crate::{print_json, usage, Ctx, Failure};

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
    c: &Ctx,
    message: &str,
    records: &[String],
    unsigned: bool,
    allow_signed_edits: bool,
) -> Result<ExitCode, Failure> {
    let committed = c.isms()?.commit_changes(
        c.session,
        &CommitOptions {
            message,
            records,
            signing: if unsigned {
                Signing::Unsigned
            } else {
                Signing::Required
            },
            allow_signed_edits,
        },
    )?;
    if c.json {
        print_json(&committed);
        return Ok(ExitCode::SUCCESS);
    }
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
        "Committed {} ({how}, {}): {files}",
        committed.commit.short(),
        committed.author,
    );
    Ok(ExitCode::SUCCESS)
}

/// `isms verify-commits [<range>]`; exit 1 when any commit is not signed by a known key.
pub fn verify_commits(c: &Ctx, range: Option<&str>) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let repository = isms_core::git::repository(&isms)?;
    let config = isms.load_config().ok();
    let commits = verify::verify_commits(&repository, range, config.as_ref())?;
    let bad = commits.iter().filter(|c| !c.signature.is_good()).count();
    if c.json {
        print_json(&serde_json::json!({ "commits": commits, "not_verified": bad }));
    } else {
        for commit in &commits {
            println!(
                "{}  {}  {}  {}",
                commit.commit.short(),
                &commit.date[..10],
                commit.signature.describe(),
                safe(&commit.summary)
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
    c.words()
}

/// `isms log <id>`
pub fn log(c: &Ctx, id: &str, body: bool) -> Result<ExitCode, Failure> {
    let timeline = c.isms()?.timeline(id)?;
    if c.json {
        print_json(&timeline);
        return Ok(ExitCode::SUCCESS);
    }
    if timeline.is_empty() {
        println!("{id} has no commits yet.");
    }
    for e in &timeline {
        println!(
            "{}  {}  {}  {}",
            e.commit.short(),
            &e.date[..10],
            e.author,
            e.signature.describe()
        );
        println!("    {} — {}", safe(&e.summary), change_word(e.change));
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
pub fn diff(c: &Ctx, from: &str, to: Option<&str>) -> Result<ExitCode, Failure> {
    let changes = c.isms()?.changes(from, to)?;
    if c.json {
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
            let heading = c.kind.heading();
            out.push_str(&format!("\n{heading}\n"));
        }
        out.push_str(&format!(
            "  {} {} — {}\n",
            c.id,
            safe(&c.title),
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

/// `isms fetch [<remote>]`
pub fn fetch(c: &Ctx, remote: &str) -> Result<ExitCode, Failure> {
    c.isms()?.fetch_changes(c.session, remote)?;
    if c.json {
        print_json(&serde_json::json!({ "fetched": remote }));
    } else {
        println!("Fetched {remote}.");
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms push [<remote>]`
pub fn push(c: &Ctx, remote: &str) -> Result<ExitCode, Failure> {
    let branch = c.isms()?.push_changes(c.session, remote)?;
    if c.json {
        print_json(&serde_json::json!({ "pushed": branch, "remote": remote }));
    } else {
        println!("Pushed {branch} to {remote}.");
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads `R-004.likelihood=mine`, `R-004.body=theirs`, `R-004.impact=value:3`.
fn resolutions(texts: &[String]) -> Result<Vec<FieldChoice>, Failure> {
    let mut out = Vec::new();
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
        out.push(FieldChoice {
            id,
            field,
            keep: resolution,
        });
    }
    Ok(out)
}

/// `R-004.likelihood` → (R-004, likelihood); `8.13.status` → (8.13, status);
/// `isms.yaml.roles.ism` → (isms.yaml, roles.ism); `.gitignore.(file)` → (.gitignore,
/// (file)): the inverse of `FieldConflict::name`.
fn split_target(target: &str) -> Option<(String, String)> {
    if let Some(file) = target.strip_suffix(".(file)") {
        return (!file.is_empty()).then(|| (file.to_string(), "(file)".to_string()));
    }
    let config = format!("{}.", isms_core::domain::CONFIG_FILE);
    if let Some(field) = target.strip_prefix(&config) {
        return (!field.is_empty()).then(|| {
            (
                isms_core::domain::CONFIG_FILE.to_string(),
                field.to_string(),
            )
        });
    }
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
    c: &Ctx,
    remote: &str,
    resolve: &[String],
    unsigned: bool,
) -> Result<ExitCode, Failure> {
    let choices = resolutions(resolve)?;
    // A merge commit is signed like any other.
    let signing = if unsigned {
        Signing::Unsigned
    } else {
        Signing::Required
    };
    let outcome = c
        .isms()?
        .pull_changes(c.session, remote, &choices, signing)?;
    let json = c.json;
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
        PullOutcome::FastForward { commit, unresolved } => {
            if !json {
                println!("Updated to {} from {remote}.", commit.short());
                say_unresolved(&unresolved);
            }
            Ok(ExitCode::SUCCESS)
        }
        PullOutcome::Merged {
            commit,
            records,
            renumbered,
            unresolved,
        } => {
            if !json {
                println!(
                    "Merged {remote} in {}; records merged field by field: {}",
                    commit.short(),
                    if records.is_empty() {
                        "none".to_string()
                    } else {
                        records.join(", ")
                    }
                );
                for r in &renumbered {
                    println!(
                        "Both sides added {}: {remote}'s keeps the id, yours is now {}{}.",
                        r.from,
                        r.to,
                        if r.references.is_empty() {
                            String::new()
                        } else {
                            format!(" (references changed in {})", r.references.join(", "))
                        }
                    );
                }
                say_unresolved(&unresolved);
            }
            Ok(ExitCode::SUCCESS)
        }
        PullOutcome::Conflicts { conflicts } => {
            if !json {
                println!("Nothing was changed: both sides changed the same fields differently.");
                for c in &conflicts {
                    // Several lines (an item of isms.yaml) on one line, separated by " / ".
                    let show = |v: &Option<String>| {
                        v.as_deref().map_or_else(
                            || "–".into(),
                            |v| {
                                safe(&v.lines().map(str::trim).collect::<Vec<_>>().join(" / "))
                                    .into_owned()
                            },
                        )
                    };
                    println!(
                        "  {}: mine {} | theirs {} (was {})",
                        c.name(),
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

/// Names the files a pull brought with conflict markers: they do not load until fixed.
fn say_unresolved(unresolved: &[String]) {
    if !unresolved.is_empty() {
        eprintln!(
            "warning: the pulled commits have files with git conflict markers, which do not load until someone resolves them: {}",
            unresolved.iter().map(|f| safe(f)).collect::<Vec<_>>().join(", ")
        );
    }
}

/// `isms pull --finish|--undo`: settles a pull that was interrupted.
pub fn settle_pull(c: &Ctx, how: Settle) -> Result<ExitCode, Failure> {
    let at = c.isms()?.settle_interrupted_pull(how)?;
    if c.json {
        print_json(&serde_json::json!({ "commit": at }));
    } else {
        match how {
            Settle::Finish => println!(
                "Finished the interrupted pull; the branch is at {}.",
                at.short()
            ),
            Settle::Undo => println!(
                "Undid the interrupted pull; the files are as at {}.",
                at.short()
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms settings [--signing-key <path> | --generate-key <path>] [--person <email>] [--remote <url>]`
pub fn settings(
    c: &Ctx,
    signing_key: Option<PathBuf>,
    generate_key: Option<PathBuf>,
    person: Option<String>,
    remote: Option<String>,
) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let mut settings = c.session.settings.clone();
    if let Some(email) = person {
        settings = isms.choose_person(&settings, &email)?;
    }
    if let Some(path) = signing_key {
        settings = isms.choose_key_file(&settings, &path)?;
    }
    let mut generated = None;
    if let Some(path) = generate_key {
        let passphrase = c.session.prompt()(&format!(
            "Passphrase for the new key {} (empty for none): ",
            path.display()
        ))
        .unwrap_or_default();
        let (next, public) = isms.generate_signing_key(&settings, &path, &passphrase)?;
        settings = next;
        generated = Some(public);
    }
    if let Some(url) = remote {
        isms.set_remote(&url)?;
    }
    let view = isms.settings_view(&settings)?;
    if c.json {
        print_json(&view);
        return Ok(ExitCode::SUCCESS);
    }
    let or_dash = |v: Option<&str>| v.map_or("–".to_string(), str::to_string);
    println!(
        "you:          {} <{}>",
        or_dash(view.name.as_deref()),
        or_dash(view.email.as_deref())
    );
    match &view.person {
        Some(p) => println!("in isms.yaml: {p} ({})", view.roles.join(", ")),
        None => println!("in isms.yaml: nobody with that email"),
    }
    match &view.key {
        Some(k) => {
            println!(
                "signing key:  {}{}",
                k.source,
                if k.from_git {
                    " (git's user.signingkey)"
                } else {
                    ""
                }
            );
            if let Some(f) = &k.fingerprint {
                println!("              {f}");
            }
            if let Some(problem) = &k.problem {
                println!("              cannot be used: {problem}");
            } else if k.listed_for.is_empty() {
                println!("              not in isms.yaml: a signature with it authorises nothing until a governance sign-off adds it");
            } else {
                println!(
                    "              listed in isms.yaml for {}",
                    k.listed_for.join(", ")
                );
            }
        }
        None => println!("signing key:  – (commits are unsigned; sign-off needs a key)"),
    }
    println!("remote:       {}", or_dash(view.remote.as_deref()));
    println!("log folder:   {}", or_dash(view.log_dir.as_deref()));
    if let Some(file) = &view.settings_file {
        println!("({file})");
    }
    if let Some(public) = generated {
        println!("\nThe new key's public half, for your entry in isms.yaml (signing_keys), added through a governance sign-off:\n{public}");
    }
    Ok(ExitCode::SUCCESS)
}
