//! Opening an ISMS: the index brought up to date (with progress), and what the app's
//! title bar and status line say about it.

use serde::Serialize;

use crate::index::{Index, Refresh, RiskQuery};
use crate::isms::Isms;
use crate::Result;

/// What opening an ISMS did, for the app's title bar and status line.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Opened {
    /// The repository root.
    pub root: String,
    /// The organisation's name (the folder name when isms.yaml does not load).
    pub organisation: String,
    /// The commit HEAD points at.
    pub head: Option<String>,
    /// What the index had to do.
    pub refresh: Refresh,
    /// Risks in the register.
    pub risks: u32,
}

impl Isms {
    /// Opens the index (building it when needed, reporting progress) and says what
    /// that took.
    pub fn opened(&self, progress: crate::index::Progress) -> Result<Opened> {
        let index = Index::open_with_progress(self, progress)?;
        let risks = index.risks(&RiskQuery::default())?.len() as u32;
        let organisation = self
            .load_config()
            .map(|c| c.organisation.name)
            .unwrap_or_else(|_| {
                self.root()
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        Ok(Opened {
            root: self.root().display().to_string(),
            organisation,
            head: self.head(),
            refresh: index.refresh.clone(),
            risks,
        })
    }
}
