//! The SOC 2 criteria-to-controls matrix of a commit: each criterion in scope with the
//! Annex A controls and ISO clauses that address it, their SoA status and owner, and
//! whether it is covered; then every link of the mapping in force with its
//! relationship, rationale and review status. Markdown; HTML and PDF from it.

use std::fmt::Write as _;

use super::markdown::SOURCE_COMMIT_ROW;
use crate::domain::{Coverage, CriterionCoverage, SoaEntry, Soc2Category};
use crate::git::changes::Snapshot;
use crate::isms::AnyRecord;
use crate::{Error, Result};

/// The matrix of `commit`.
pub fn matrix(repo: &git2::Repository, commit: git2::Oid) -> Result<String> {
    let rev = commit.to_string();
    let snapshot = Snapshot::complete_at(repo, &rev)?;
    let config = snapshot
        .config
        .as_ref()
        .ok_or_else(|| Error::Usage("isms.yaml does not load".into()))?;
    let in_scope = config.soc2_categories.clone().ok_or_else(|| {
        Error::Usage(
            "isms.yaml has no `soc2:` section, so no SOC 2 scope: add `soc2: categories: [...]` (Security is always in scope)".into(),
        )
    })?;
    let controls: Vec<SoaEntry> = snapshot
        .records
        .values()
        .filter_map(|r| match r {
            AnyRecord::Control(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let (links, _) = crate::domain::soc2_links_with(&snapshot.soc2_mapping);
    let lines = crate::domain::coverage(
        &crate::catalogue::soc2_criteria(),
        &links,
        &controls,
        &in_scope,
    );
    let when = repo.find_commit(commit)?.committer().when();
    let date = super::model::commit_date(when.seconds(), when.offset_minutes());
    let cell = |t: &str| t.replace('|', "\\|").replace('\n', " ");
    let count = |c: Coverage| lines.iter().filter(|l| l.coverage == c).count();
    let mut md = String::new();
    let _ = writeln!(md, "# SOC 2 criteria and the controls that meet them\n");
    let categories: Vec<&str> = std::iter::once(Soc2Category::Security)
        .chain(
            in_scope
                .iter()
                .copied()
                .filter(|c| *c != Soc2Category::Security),
        )
        .map(Soc2Category::label)
        .collect();
    let _ = writeln!(
        md,
        "| | |\n|---|---|\n| Organisation | {} |\n| Categories in scope | {} |\n| Date | {date} |\n{SOURCE_COMMIT_ROW} `{rev}` |\n| Produced by | ISMS Desk {} |\n| Criteria | {} in scope: {} covered, {} in progress, {} gaps |\n",
        cell(&config.organisation.name),
        categories.join(", "),
        env!("CARGO_PKG_VERSION"),
        lines.len(),
        count(Coverage::Covered),
        count(Coverage::InProgress),
        count(Coverage::Gap),
    );
    md.push_str("A criterion is **covered** when an applicable control that addresses it is implemented, **in progress** when applicable controls address it and none is implemented yet, and a **gap** when no applicable control does. ISO clauses count as in place: `isms check` holds the ISMS to them. The mapping is ISMS Desk's own (each link's rationale is in the second table), with this ISMS's `soc2/mapping.csv` applied.\n\n");
    let mut category = None;
    for l in &lines {
        if category != Some(l.category) {
            if category.is_some() {
                md.push('\n');
            }
            category = Some(l.category);
            let _ = writeln!(
                md,
                "## {}\n\n| Criterion | What it asks | Controls (SoA status) | Coverage |\n|---|---|---|---|",
                l.category.label()
            );
        }
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            l.criterion.id,
            cell(&l.criterion.title),
            cell(&controls_cell(l, &controls)),
            coverage_word(l.coverage)
        );
    }
    md.push_str("\n## The links\n\n| Control | Criterion | Relationship | Rationale | Review |\n|---|---|---|---|---|\n");
    for c in &lines {
        for link in &c.links {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {}{} | {} |",
                link.control,
                link.criterion,
                link.relationship.as_str(),
                cell(&link.rationale),
                if link.own { " (this ISMS's own)" } else { "" },
                link.review.as_str()
            );
        }
    }
    Ok(md)
}

/// The controls of a criterion with their SoA status: `8.13 (implemented); clause 9.2`.
pub fn controls_cell(line: &CriterionCoverage, controls: &[SoaEntry]) -> String {
    if line.links.is_empty() {
        return "none mapped".into();
    }
    line.links
        .iter()
        .map(|l| match controls.iter().find(|c| c.id == l.control) {
            Some(c) if !c.applicable => format!("{} (excluded)", l.control),
            Some(c) => format!("{} ({})", l.control, c.status.label().to_lowercase()),
            None => l.control.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The coverage as the matrix says it.
pub fn coverage_word(c: Coverage) -> &'static str {
    match c {
        Coverage::Covered => "Covered",
        Coverage::InProgress => "In progress",
        Coverage::Gap => "**Gap**",
    }
}
