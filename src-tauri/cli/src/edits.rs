//! `isms new`, `isms set` and `isms close`: saves from the command line. The rules
//! (validation, conflicts, atomic writes, the index) are isms-core's; this module
//! only reads arguments and prints what happened.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use isms_core::format::edit::Assignment;
use isms_core::repository::RecordKind;
use isms_core::store::Saved;
use isms_core::Isms;

use crate::{print_json, usage, Failure};

fn assignments(texts: &[String]) -> Result<Vec<Assignment>, Failure> {
    texts
        .iter()
        .map(|t| Assignment::parse(t).map_err(usage))
        .collect()
}

fn read_body(body: Option<PathBuf>) -> Result<Option<String>, Failure> {
    let Some(path) = body else { return Ok(None) };
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| usage(format!("--body: cannot read standard input: {e}")))?;
    } else {
        text = std::fs::read_to_string(&path)
            .map_err(|e| usage(format!("--body: {}: {e}", path.display())))?;
    }
    Ok(Some(text))
}

fn report(json: bool, verb: &str, saved: &Saved) -> ExitCode {
    if json {
        print_json(saved);
    } else if saved.changed {
        println!("{verb} {} ({}).", saved.id, saved.path);
    } else {
        println!("{} is unchanged.", saved.id);
    }
    ExitCode::SUCCESS
}

/// `isms new <kind> …`
pub fn new(
    repo: &Path,
    json: bool,
    kind: RecordKind,
    title: Option<String>,
    id: Option<String>,
    texts: &[String],
    body: Option<PathBuf>,
) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let mut all = assignments(texts)?;
    if let Some(title) = title {
        all.insert(
            0,
            Assignment::parse(&format!("title={title}")).map_err(usage)?,
        );
    }
    let body = read_body(body)?;
    let saved = isms.create(kind, id.as_deref(), &all, body.as_deref())?;
    Ok(report(json, "Created", &saved))
}

/// `isms set <id> field=value…`
pub fn set(
    repo: &Path,
    json: bool,
    id: &str,
    texts: &[String],
    body: Option<PathBuf>,
) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let all = assignments(texts)?;
    let body = read_body(body)?;
    if all.is_empty() && body.is_none() {
        return Err(usage("nothing to change: give field=value or --body"));
    }
    let saved = isms.set(id, &all, body.as_deref(), None)?;
    Ok(report(json, "Saved", &saved))
}

/// `isms close <id>`
pub fn close(
    repo: &Path,
    json: bool,
    id: &str,
    action: Option<&str>,
    today: NaiveDate,
) -> Result<ExitCode, Failure> {
    let isms = Isms::open(repo)?;
    let saved = isms.close(id, action, today)?;
    Ok(report(json, "Closed", &saved))
}
