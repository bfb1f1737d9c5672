//! `isms export oscal`: the OSCAL documents of a commit written into a folder (see
//! [`crate::report::oscal`] for what they hold), replacing only an earlier export.

use std::path::Path;

use serde::Serialize;

use crate::isms::Isms;
use crate::report::oscal;
use crate::{Error, Result};

/// What was exported.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OscalExport {
    /// The folder written.
    pub folder: String,
    /// The commit exported.
    pub commit: String,
    /// The files written, relative to the folder.
    pub files: Vec<String>,
}

/// The files an OSCAL export writes.
const FILES: [&str; 4] = [
    "system-security-plan.json",
    "plan-of-action-and-milestones.json",
    "assessment-results.json",
    "mapping-collection.json",
];

impl Isms {
    /// Writes the OSCAL documents of revision `rev` into `folder` (missing, empty, or
    /// an earlier export, which is replaced whole).
    pub fn export_oscal(&self, rev: &str, folder: &Path) -> Result<OscalExport> {
        let repo = crate::git::repository(self)?;
        let commit = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| Error::UnknownRevision(rev.to_string()))?;
        let replace = crate::fsio::earlier_output(
            folder,
            |f| FILES.contains(&f),
            FILES[0],
            "an OSCAL export; export into a new or empty folder, or an earlier export",
        )?;
        let files = oscal::export(&repo, commit.id())?;
        let written: Vec<(&str, &[u8])> =
            files.iter().map(|f| (f.name, f.text.as_bytes())).collect();
        crate::fsio::replace_folder(folder, &written, replace)?;
        Ok(OscalExport {
            folder: folder.display().to_string(),
            commit: commit.id().to_string(),
            files: files.iter().map(|f| f.name.to_string()).collect(),
        })
    }
}
