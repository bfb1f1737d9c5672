//! The Statement of Applicability: all 93 Annex A controls by theme, each with whether
//! it applies, its status, its owner and why — the risks citing it and the reasons
//! stated.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{capitalise, AtCommit};
use crate::catalogue;
use crate::domain::{risks_citing, ControlStatus, IsmsConfig, SoaEntry};

/// What the SoA template reads besides document control.
#[derive(Serialize)]
pub(super) struct Context {
    themes: Vec<ThemeView>,
    totals: Totals,
}

#[derive(Serialize)]
struct ThemeView {
    name: String,
    clause: String,
    controls: Vec<ControlRow>,
    totals: Totals,
}

#[derive(Serialize)]
struct ControlRow {
    id: String,
    title: String,
    applicable: String,
    status: String,
    justification: String,
    owner: String,
}

#[derive(Serialize, Default, Clone)]
struct Totals {
    controls: usize,
    applicable: usize,
    not_applicable: usize,
    implemented: usize,
    partial: usize,
    planned: usize,
    not_implemented: usize,
    missing: usize,
}

impl Totals {
    fn add(&mut self, entry: Option<&SoaEntry>) {
        self.controls += 1;
        match entry {
            None => self.missing += 1,
            Some(e) if !e.applicable => self.not_applicable += 1,
            Some(e) => {
                self.applicable += 1;
                match e.status {
                    ControlStatus::Implemented => self.implemented += 1,
                    ControlStatus::Partial => self.partial += 1,
                    ControlStatus::Planned => self.planned += 1,
                    ControlStatus::NotImplemented => self.not_implemented += 1,
                }
            }
        }
    }

    fn merge(&mut self, o: &Totals) {
        self.controls += o.controls;
        self.applicable += o.applicable;
        self.not_applicable += o.not_applicable;
        self.implemented += o.implemented;
        self.partial += o.partial;
        self.planned += o.planned;
        self.not_implemented += o.not_implemented;
        self.missing += o.missing;
    }
}

pub(super) fn context(config: &IsmsConfig, at: &AtCommit) -> Context {
    let cited = risks_citing(at.risks.iter().copied());
    let entries: BTreeMap<&str, &SoaEntry> =
        at.controls.iter().map(|c| (c.id.as_str(), *c)).collect();
    let mut themes = Vec::new();
    let mut totals = Totals::default();
    let catalogue = catalogue::annex_a();
    let mut theme_names: Vec<&str> = Vec::new();
    for c in &catalogue {
        if !theme_names.contains(&c.theme.as_str()) {
            theme_names.push(&c.theme);
        }
    }
    for theme in theme_names {
        let mut t = Totals::default();
        let mut rows = Vec::new();
        let mut clause = String::new();
        for control in catalogue.iter().filter(|c| c.theme == theme) {
            clause = control.id.split('.').next().unwrap_or("").to_string();
            let entry = entries.get(control.id.as_str()).copied();
            let risks: Vec<&str> = cited
                .get(control.id.as_str())
                .map(|rs| rs.iter().map(|r| r.id.as_str()).collect())
                .unwrap_or_default();
            t.add(entry);
            rows.push(control_row(config, control, entry, &risks));
        }
        totals.merge(&t);
        themes.push(ThemeView {
            name: format!("{theme} controls"),
            clause,
            controls: rows,
            totals: t,
        });
    }
    Context { themes, totals }
}

/// One control's line: whether it applies, its status, why, and its owner.
fn control_row(
    config: &IsmsConfig,
    control: &catalogue::AnnexAControl,
    entry: Option<&SoaEntry>,
    risks: &[&str],
) -> ControlRow {
    let row = |applicable: &str, status: &str, justification: String, owner: String| ControlRow {
        id: control.id.clone(),
        title: control.title.clone(),
        applicable: applicable.into(),
        status: status.into(),
        justification,
        owner,
    };
    let owner = |e: &SoaEntry| {
        e.owner
            .as_deref()
            .map(|o| config.role_title(o))
            .unwrap_or_default()
    };
    let Some(e) = entry else {
        return row(
            "—",
            "—",
            "No SoA entry at this commit".into(),
            String::new(),
        );
    };
    if !e.applicable {
        let why = format!(
            "Excluded: {}",
            e.justification.clone().unwrap_or_default().trim()
        );
        return row("No", "—", why, owner(e));
    }
    let mut why = Vec::new();
    if !risks.is_empty() {
        why.push(format!("Treats {}", risks.join(", ")));
    }
    let reasons: Vec<String> = e.reasons.iter().map(|r| r.label().to_string()).collect();
    if !reasons.is_empty() {
        why.push(capitalise(&reasons.join(", ")));
    }
    if let Some(j) = e.justification.as_deref().filter(|j| !j.trim().is_empty()) {
        why.push(j.trim().to_string());
    }
    if why.is_empty() {
        why.push("No reason stated".to_string());
    }
    row("Yes", e.status.label(), why.join("; "), owner(e))
}
