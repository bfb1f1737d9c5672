//! The Statement of Applicability screen: every Annex A control with its entry, its
//! theme and the risks that cite it.

use std::collections::HashMap;

use serde::Serialize;

use super::register::RiskLink;
use crate::catalogue::{self, AnnexAControl};
use crate::domain::SoaEntry;
use crate::isms::{Isms, RecordKind, Revision};
use crate::{LoadError, Result};

/// One line of the SoA screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SoaLine {
    /// The entry as written.
    pub entry: SoaEntry,
    /// Its Annex A theme.
    pub theme: String,
    /// Its file's revision; hand it back with the next save.
    pub revision: Revision,
    /// The active and deferred risks that cite the control.
    pub cited_by: Vec<RiskLink>,
    /// How fresh its evidence (`evidence/`) is against `evidence_every_days`.
    pub evidence_freshness: crate::domain::Freshness,
    /// The SOC 2 criteria in scope the control serves, by the mapping in force (empty
    /// when isms.yaml has no `soc2:` section).
    pub criteria: Vec<String>,
}

/// The SoA screen: every Annex A control that has an entry, in the standard's order,
/// and the entries that do not load.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Soa {
    /// The entries.
    pub lines: Vec<SoaLine>,
    /// Annex A controls without an entry.
    pub missing: Vec<AnnexAControl>,
    /// Entries that do not load.
    pub errors: Vec<LoadError>,
}

impl Isms {
    /// The SoA screen on `today` (which judges the freshness of evidence).
    pub fn soa(&self, today: chrono::NaiveDate) -> Result<Soa> {
        let rows = self.risk_rows()?;
        let cited: HashMap<String, Vec<String>> = self
            .query_index(|index| index.controls(&Default::default()))?
            .into_iter()
            .map(|c| (c.id, c.cited_by))
            .collect();
        let (entries, errors) = self.records_of::<SoaEntry>(RecordKind::Control)?;
        let evidence = self.evidence_records()?;
        let catalogue = catalogue::annex_a();
        let theme_of: HashMap<&str, &str> = catalogue
            .iter()
            .map(|c| (c.id.as_str(), c.theme.as_str()))
            .collect();
        let in_scope = self.load_config().ok().and_then(|c| c.soc2_categories);
        let links: Vec<crate::domain::MappingLink> = match &in_scope {
            Some(categories) => crate::domain::soc2_links_with(&self.load_soc2_mapping().0)
                .0
                .into_iter()
                .filter(|l| {
                    crate::domain::Soc2Category::of(&l.criterion).is_some_and(|c| {
                        c == crate::domain::Soc2Category::Security || categories.contains(&c)
                    })
                })
                .collect(),
            None => Vec::new(),
        };
        let mut lines: Vec<SoaLine> = entries
            .into_iter()
            .map(|(entry, revision)| SoaLine {
                evidence_freshness: crate::domain::freshness(
                    &entry.id,
                    entry.evidence_every_days,
                    &evidence,
                    today,
                ),
                criteria: crate::domain::criteria_of(&entry.id, &links)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                theme: theme_of.get(entry.id.as_str()).unwrap_or(&"").to_string(),
                cited_by: cited
                    .get(&entry.id)
                    .into_iter()
                    .flatten()
                    .map(|id| RiskLink::to(&rows, id))
                    .collect(),
                entry,
                revision,
            })
            .collect();
        lines.sort_by_key(|l| catalogue::control_order(&l.entry.id));
        let missing = catalogue
            .iter()
            .filter(|c| !lines.iter().any(|l| l.entry.id == c.id))
            .filter(|c| {
                !errors
                    .iter()
                    .any(|e| e.path == RecordKind::Control.path(&c.id))
            })
            .cloned()
            .collect();
        Ok(Soa {
            lines,
            missing,
            errors,
        })
    }
}
