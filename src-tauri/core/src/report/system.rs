//! The SOC 2 system description of a commit as a document: the description criteria
//! in order, the components by kind, the architecture as a Mermaid diagram drawn from
//! the components and flows (so it can never name what the inventory lacks), the
//! subservice organisations with their own attestations from the supplier records,
//! and the changes since the last signed description, derived from git — never left
//! empty.
//!
//! One renderer for `isms render system-description`, for starting its sign-off and for
//! verifying it.

use std::fmt::Write as _;

use super::markdown::{source_commit_of, SOURCE_COMMIT_ROW};
use crate::domain::{ComponentKind, Supplier, SystemDescription, SYSTEM_DESCRIPTION_FILE};
use crate::git::changes::{between, ChangeKind, Snapshot};
use crate::isms::{AnyRecord, RecordKind};
use crate::{Error, Result};

/// Where the signed description lives.
pub const SIGNED_PATH: &str = "reports/system-description.md";

/// The system description of `commit`, as a document to read and to sign.
pub fn description_document(repo: &git2::Repository, commit: git2::Oid) -> Result<String> {
    let rev = commit.to_string();
    let snapshot = Snapshot::complete_at(repo, &rev)?;
    let d = snapshot.system_description.as_ref().ok_or_else(|| {
        Error::invalid(
            SYSTEM_DESCRIPTION_FILE,
            "title",
            format!(
                "commit {} has no system description: write {SYSTEM_DESCRIPTION_FILE} first",
                crate::git::short_id(&rev)
            ),
        )
    })?;
    let problems = crate::domain::description_problems(d, &suppliers(&snapshot));
    if !problems.is_empty() {
        return Err(Error::Untrue(
            problems
                .into_iter()
                .map(|p| crate::LoadError {
                    path: SYSTEM_DESCRIPTION_FILE.into(),
                    line: None,
                    field: Some(p.field),
                    message: p.message,
                })
                .collect(),
        ));
    }
    let config = snapshot.config.as_ref();
    let role = |id: &str| -> String {
        config
            .and_then(|c| c.role(id))
            .map_or_else(|| id.to_string(), |r| r.title.clone())
    };
    let cell = |t: &str| t.replace('|', "\\|").replace('\n', " ");
    let when = repo.find_commit(commit)?.committer().when();
    let date = super::model::commit_date(when.seconds(), when.offset_minutes());
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", d.title);
    let organisation = config.map(|c| c.organisation.name.as_str()).unwrap_or("");
    let _ = writeln!(
        md,
        "| | |\n|---|---|\n| Organisation | {} |\n| Owner | {} |\n| Date | {date} |\n{SOURCE_COMMIT_ROW} `{rev}` |\n| Produced by | ISMS Desk {} |\n",
        cell(organisation),
        cell(&role(&d.owner)),
        env!("CARGO_PKG_VERSION"),
    );
    md.push_str("## 1. Overview\n\n");
    md.push_str(&crate::domain::demote_headings(d.body.trim()));
    md.push_str("\n\n## 2. Services\n\n**In scope**\n\n");
    list(&mut md, &d.services_in_scope);
    md.push_str("\n**Out of scope**\n\n");
    list(&mut md, &d.services_out_of_scope);
    md.push_str(
        "\n## 3. Principal service commitments and system requirements\n\n**Commitments**\n\n",
    );
    list(&mut md, &d.commitments);
    md.push_str("\n**System requirements**\n\n");
    list(&mut md, &d.requirements);
    md.push_str("\n## 4. Components\n\n");
    for &kind in ComponentKind::ALL {
        let of_kind: Vec<_> = d.components.iter().filter(|c| c.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let _ = writeln!(md, "### {}\n", heading_of(kind));
        md.push_str("| Component | Function | Technology | Location | Purpose | Owner |\n|---|---|---|---|---|---|\n");
        for c in of_kind {
            let _ = writeln!(
                md,
                "| {} (`{}`) | {} | {} | {} | {} | {} |",
                cell(&c.name),
                c.id,
                cell(&c.function),
                cell(&c.technology),
                cell(&c.location),
                cell(&c.purpose),
                cell(&role(&c.owner))
            );
        }
        md.push('\n');
    }
    md.push_str(
        "## 5. Architecture and data flows\n\nDrawn from the components and flows above.\n\n",
    );
    md.push_str(&mermaid(d));
    md.push_str("\n| Flow | From | To | Data |\n|---|---|---|---|\n");
    for f in &d.flows {
        let name = |id: &str| {
            d.components
                .iter()
                .find(|c| c.id == id)
                .map_or_else(|| id.to_string(), |c| c.name.clone())
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            f.id,
            cell(&name(&f.from)),
            cell(&name(&f.to)),
            cell(&f.data)
        );
    }
    md.push_str("\n## 6. Boundaries and interfaces\n\n");
    list(&mut md, &d.boundaries);
    md.push_str("\n## 7. Subservice organisations\n\nThe carve-out method: these organisations' controls are not in this description; the controls expected of them are.\n\n");
    let all_suppliers = suppliers(&snapshot);
    md.push_str("| Organisation | Service | Region | Its attestation | Controls expected of it |\n|---|---|---|---|---|\n");
    for s in &d.subservice_organisations {
        let supplier = all_suppliers.iter().find(|x| x.id == s.supplier);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            cell(supplier.map_or(&s.supplier, |x| &x.name)),
            cell(supplier.map_or("", |x| &x.service)),
            cell(supplier.map_or("", |x| &x.region)),
            cell(
                &supplier
                    .and_then(|x| {
                        x.attestation.as_ref().map(|a| match x.attestation_date {
                            Some(d) => format!("{a} ({d})"),
                            None => a.clone(),
                        })
                    })
                    .unwrap_or_else(|| "none recorded".into())
            ),
            cell(&s.controls.join("; "))
        );
    }
    md.push_str("\n## 8. Complementary user-entity controls\n\n");
    list(&mut md, &d.user_entity_controls);
    md.push_str("\n## 9. Incidents since the last report\n\n");
    if d.incidents.is_empty() {
        md.push_str("None recorded.\n");
    } else {
        list(&mut md, &d.incidents);
    }
    md.push_str("\n## 10. Changes since the last report\n\n");
    md.push_str(&changes_since_last(repo, commit, &snapshot, d)?);
    Ok(md)
}

fn suppliers(snapshot: &Snapshot) -> Vec<Supplier> {
    snapshot
        .records
        .values()
        .filter_map(|r| match r {
            AnyRecord::Supplier(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn list(md: &mut String, items: &[String]) {
    if items.is_empty() {
        md.push_str("None stated.\n");
    }
    for i in items {
        let _ = writeln!(md, "- {}", i.replace('\n', " "));
    }
}

fn heading_of(kind: ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Infrastructure => "Infrastructure",
        ComponentKind::Software => "Software",
        ComponentKind::People => "People",
        ComponentKind::Procedures => "Procedures",
        ComponentKind::Data => "Data",
    }
}

/// The architecture as a Mermaid flowchart: a node per component that a flow touches,
/// an edge per flow. Labels are quoted, with the characters that could end the quote
/// or be read as markup replaced, so a name cannot change the diagram's shape.
pub fn mermaid(d: &SystemDescription) -> String {
    let label = |t: &str| {
        let plain: String = t
            .chars()
            .map(|c| match c {
                '"' | '`' => '\'',
                '<' | '>' | '#' | ';' | '\n' | '\r' => ' ',
                c => c,
            })
            .collect();
        plain.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let node = |id: &str| {
        let safe: String = id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        format!("c_{safe}")
    };
    let mut out = String::from("```mermaid\nflowchart LR\n");
    for c in d
        .components
        .iter()
        .filter(|c| d.flows.iter().any(|f| f.from == c.id || f.to == c.id))
    {
        let _ = writeln!(out, "  {}[\"{}\"]", node(&c.id), label(&c.name));
    }
    for f in &d.flows {
        let _ = writeln!(
            out,
            "  {} -->|\"{}: {}\"| {}",
            node(&f.from),
            label(&f.id),
            label(&f.data),
            node(&f.to)
        );
    }
    out.push_str("```\n");
    out
}

/// What changed since the description last signed off (the one in
/// `reports/system-description.md` at `commit`): its components, flows and
/// subservice organisations, and the system's risks, SoA entries and suppliers.
fn changes_since_last(
    repo: &git2::Repository,
    commit: git2::Oid,
    now: &Snapshot,
    d: &SystemDescription,
) -> Result<String> {
    let tree = repo.find_commit(commit)?.tree()?;
    let signed = tree
        .get_path(std::path::Path::new(SIGNED_PATH))
        .ok()
        .and_then(|e| repo.find_blob(e.id()).ok())
        .and_then(|b| String::from_utf8(b.content().to_vec()).ok());
    let Some(source) = signed.as_deref().and_then(source_commit_of) else {
        return Ok("This is the first description signed off: there is no earlier signed version to compare with. The next one lists every change from this one.\n".into());
    };
    let before = Snapshot::at(repo, &source)?;
    let mut md = format!(
        "Compared with the description signed off from commit `{}`.\n\n",
        crate::git::short_id(&source)
    );
    let mut lines: Vec<String> = Vec::new();
    if let Some(old) = &before.system_description {
        for c in &d.components {
            match old.components.iter().find(|o| o.id == c.id) {
                None => lines.push(format!(
                    "Component added: {} (`{}`), {}.",
                    c.name, c.id, c.technology
                )),
                Some(o) if o != c => {
                    let mut what = Vec::new();
                    for (field, a, b) in [
                        ("name", &o.name, &c.name),
                        ("function", &o.function, &c.function),
                        ("technology", &o.technology, &c.technology),
                        ("location", &o.location, &c.location),
                        ("purpose", &o.purpose, &c.purpose),
                        ("owner", &o.owner, &c.owner),
                    ] {
                        if a != b {
                            what.push(format!("{field} “{a}” → “{b}”"));
                        }
                    }
                    if o.kind != c.kind {
                        what.push(format!("kind {} → {}", o.kind.as_str(), c.kind.as_str()));
                    }
                    lines.push(format!(
                        "Component changed: {} (`{}`): {}.",
                        c.name,
                        c.id,
                        what.join("; ")
                    ));
                }
                Some(_) => {}
            }
        }
        for o in old
            .components
            .iter()
            .filter(|o| !d.components.iter().any(|c| c.id == o.id))
        {
            lines.push(format!("Component removed: {} (`{}`).", o.name, o.id));
        }
        for f in d.flows.iter().filter(|f| !old.flows.contains(f)) {
            lines.push(format!(
                "Flow added or changed: {} from `{}` to `{}` ({}).",
                f.id, f.from, f.to, f.data
            ));
        }
        for f in old
            .flows
            .iter()
            .filter(|f| !d.flows.iter().any(|n| n.id == f.id))
        {
            lines.push(format!(
                "Flow removed: {} from `{}` to `{}`.",
                f.id, f.from, f.to
            ));
        }
        for s in d
            .subservice_organisations
            .iter()
            .filter(|s| !old.subservice_organisations.contains(s))
        {
            lines.push(format!(
                "Subservice organisation added or changed: {}.",
                s.supplier
            ));
        }
        for s in old.subservice_organisations.iter().filter(|s| {
            !d.subservice_organisations
                .iter()
                .any(|n| n.supplier == s.supplier)
        }) {
            lines.push(format!("Subservice organisation removed: {}.", s.supplier));
        }
    } else {
        lines.push("The description itself is new since then.".into());
    }
    let changes = between(&source, &before, &commit.to_string(), now);
    for r in changes.records.iter().filter(|r| {
        matches!(
            r.kind,
            RecordKind::Risk | RecordKind::Control | RecordKind::Supplier
        ) && r.change != ChangeKind::DoesNotLoad
    }) {
        let what = match r.kind {
            RecordKind::Risk => "Risk",
            RecordKind::Control => "Control",
            _ => "Supplier",
        };
        let fields: Vec<String> = r
            .fields
            .iter()
            .filter(|f| {
                matches!(
                    f.field.as_str(),
                    "status"
                        | "applicable"
                        | "band"
                        | "score"
                        | "residual_band"
                        | "treatment"
                        | "subprocessor"
                        | "attestation_date"
                        | "region"
                        | "dpa"
                        | "title"
                )
            })
            .map(|f| {
                format!(
                    "{} {} → {}",
                    f.field,
                    f.before.as_deref().unwrap_or("—"),
                    f.after.as_deref().unwrap_or("—")
                )
            })
            .collect();
        let detail = if fields.is_empty() || r.change != ChangeKind::Changed {
            String::new()
        } else {
            format!(": {}", fields.join("; "))
        };
        lines.push(format!(
            "{what} {} {} ({}){detail}.",
            r.id,
            r.change.words(),
            r.title
        ));
    }
    if lines.is_empty() {
        md.push_str("Nothing in the system, its risks, its controls or its suppliers changed.\n");
    }
    for l in lines {
        let _ = writeln!(md, "- {l}");
    }
    Ok(md)
}
