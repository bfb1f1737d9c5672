//! `isms new`, `isms set` and `isms close`: saves from the command line. The rules
//! (validation, conflicts, atomic writes, the index) are isms-core's; this module
//! only reads arguments and prints what happened.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use isms_core::format::edit::Assignment;
use isms_core::repository::RecordKind;
use isms_core::store::Saved;

use crate::args::NewKind;
use crate::{print_json, today, usage, Ctx, Failure};

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
    c: &Ctx,
    kind: NewKind,
    title: Option<String>,
    id: Option<String>,
    texts: &[String],
    body: Option<PathBuf>,
) -> Result<ExitCode, Failure> {
    let kind = match kind {
        NewKind::Risk => RecordKind::Risk,
        NewKind::Treatment => RecordKind::Treatment,
        NewKind::Control => RecordKind::Control,
        NewKind::Document => RecordKind::Document,
    };
    let isms = c.isms()?;
    let mut all = assignments(texts)?;
    if let Some(title) = title {
        all.insert(
            0,
            Assignment::parse(&format!("title={title}")).map_err(usage)?,
        );
    }
    let body = read_body(body)?;
    let saved = isms.create(kind, id.as_deref(), &all, body.as_deref())?;
    Ok(report(c.json, "Created", &saved))
}

/// `isms set <id> field=value…`
pub fn set(
    c: &Ctx,
    id: &str,
    texts: &[String],
    body: Option<PathBuf>,
    base: Option<String>,
) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let all = assignments(texts)?;
    let body = read_body(body)?;
    if all.is_empty() && body.is_none() {
        return Err(usage("nothing to change: give field=value or --body"));
    }
    let base = base.map(isms_core::store::Revision);
    let saved = isms.set(id, &all, body.as_deref(), base.as_ref())?;
    Ok(report(c.json, "Saved", &saved))
}

/// `isms start-assessment [<date>]`
pub fn start_assessment(c: &Ctx, on: Option<NaiveDate>) -> Result<ExitCode, Failure> {
    let saved = c.isms()?.start_next_assessment(today(on))?;
    Ok(report(c.json, "Started", &saved))
}

/// `isms add-action <treatment> field=value…`
pub fn add_action(
    c: &Ctx,
    id: &str,
    texts: &[String],
    base: Option<String>,
) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let fields = assignments(texts)?;
    if fields.is_empty() {
        return Err(usage(
            "give the action's fields: description=… owner=… due=…",
        ));
    }
    let base = base.map(isms_core::store::Revision);
    let saved = isms.add_action(id, &fields, base.as_ref())?;
    Ok(report(c.json, "Saved", &saved))
}

/// `isms close <id>`
pub fn close(
    c: &Ctx,
    id: &str,
    action: Option<&str>,
    date: Option<NaiveDate>,
) -> Result<ExitCode, Failure> {
    let saved = c.isms()?.close(id, action, today(date))?;
    Ok(report(c.json, "Closed", &saved))
}
