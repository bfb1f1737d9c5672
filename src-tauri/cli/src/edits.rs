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
        NewKind::Audit => RecordKind::Audit,
        NewKind::Nonconformity => RecordKind::Nonconformity,
        NewKind::Objective => RecordKind::Objective,
        NewKind::Review => RecordKind::Review,
        NewKind::Supplier => RecordKind::Supplier,
        NewKind::Evidence => RecordKind::Evidence,
    };
    let isms = c.isms()?;
    let mut all = assignments(texts)?;
    if let Some(title) = title {
        all.insert(
            0,
            // A supplier's title is its name.
            Assignment::parse(&if kind == RecordKind::Supplier {
                format!("name={title}")
            } else {
                format!("title={title}")
            })
            .map_err(usage)?,
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

/// `isms methodology [--set FILE]`
pub fn methodology(c: &Ctx, set: Option<&std::path::Path>) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    if let Some(file) = set {
        let text =
            std::fs::read_to_string(file).map_err(|e| usage(format!("{}: {e}", file.display())))?;
        let new = isms_core::format::parse_methodology(&file.display().to_string(), &text)
            .map_err(|e| Failure::from(isms_core::Error::Invalid(e)))?;
        let view = isms.methodology_view()?;
        let changed = isms.change_methodology(&new, &view.revision)?;
        if c.json {
            print_json(&changed);
        } else if let Some(r) = &changed.rescoring {
            println!(
                "Methodology {} is in force. Risks scored under {} are to be rescored; the mapping (new level for each old one): likelihood {:?}, impact {:?}. Rescore each with `isms rescore <id>`, and put the change up for sign-off with `isms signoff start methodology`.",
                changed.version, r.from, r.likelihood, r.impact
            );
        } else {
            println!("Methodology {} is in force.", changed.version);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let view = isms.methodology_view()?;
    if c.json {
        print_json(&view);
        return Ok(ExitCode::SUCCESS);
    }
    let m = &view.methodology;
    println!(
        "Methodology {}: {}{}.",
        m.version,
        m.how_scored(),
        if m.impact_per_cia {
            "; impact per confidentiality, integrity and availability"
        } else {
            ""
        }
    );
    for b in &m.bands {
        println!("  {} ({}–{}): {}", b.name, b.min, b.max, b.requires.label());
    }
    if view.to_be_rescored.is_empty() {
        println!("Every risk is scored under {}.", m.version);
    } else {
        println!(
            "{} to be rescored:",
            crate::plural(view.to_be_rescored.len(), "risk")
        );
        for line in &view.to_be_rescored {
            let r = &line.rescore;
            let level = |x: Option<u8>| x.map_or("–".to_string(), |x| x.to_string());
            let before = r
                .inherent_before
                .as_ref()
                .map(|x| format!("{} × {} = {}", x.likelihood, x.impact, x.score))
                .unwrap_or_else(|| "–".into());
            let after = r
                .inherent_proposed
                .as_ref()
                .map(|x| format!("{} × {} = {}", x.likelihood, x.impact, x.score))
                .unwrap_or_else(|| {
                    format!(
                        "{} × {}",
                        level(r.proposed.likelihood),
                        level(r.proposed.impact)
                    )
                });
            let changed = if r.band_changed {
                " (band changes with the methodology)"
            } else {
                ""
            };
            println!(
                "  {} under {}: {before} → proposed under {}: {after}{changed}",
                line.risk.id, r.from, r.to
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms rescore <id>`
pub fn rescore(
    c: &Ctx,
    id: &str,
    levels: isms_core::domain::AsScored,
) -> Result<ExitCode, Failure> {
    let given = levels.likelihood.is_some() || levels.residual_likelihood.is_some();
    let saved = c.isms()?.rescore(id, given.then_some(levels), None)?;
    Ok(report(c.json, "Rescored", &saved))
}

/// `isms collect <file> field=value…`
pub fn collect(c: &Ctx, file: &std::path::Path, texts: &[String]) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let all = assignments(texts)?;
    let saved = isms.collect_evidence_file(file, &all)?;
    Ok(report(c.json, "Collected", &saved))
}
