//! Spreadsheets: the Excel export of a commit, and the import of a register or an SoA
//! (dry run, then apply). The rules are in [`crate::tabular`]; here they meet the
//! repository.

use serde::Serialize;

use crate::git::changes::Snapshot;
use crate::isms::Isms;
use crate::tabular::export::{workbook, ExportSource};
use crate::{Error, Result};

/// An exported workbook.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Workbook {
    /// The commit it was made from.
    pub commit: String,
    /// A file name to save it under: `<organisation>-register-<short commit>.xlsx`.
    pub file_name: String,
    /// The workbook.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl Isms {
    /// Writes the workbook of HEAD to `path` (the app's "Export to Excel…").
    pub fn export_workbook_to(&self, path: &std::path::Path) -> Result<super::Exported> {
        let book = self.export_workbook("HEAD")?;
        crate::fsio::write_atomic(path, &book.bytes)?;
        let oid = git2::Oid::from_str(&book.commit)
            .map_err(|_| Error::UnknownRevision(book.commit.clone()))?;
        Ok(super::Exported {
            path: path.display().to_string(),
            // Cover, Risks, Heat map, SoA, Treatment plan, Methodology.
            pages: 6,
            bytes: book.bytes.len() as u32,
            commit: oid.into(),
        })
    }

    /// The Excel workbook of revision `rev` (a commit, branch or tag).
    pub fn export_workbook(&self, rev: &str) -> Result<Workbook> {
        let repo = crate::git::repository(self)?;
        let commit = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| Error::UnknownRevision(rev.to_string()))?;
        let id = commit.id().to_string();
        let snapshot = Snapshot::at(&repo, &id)?;
        if !snapshot.errors.is_empty() {
            return Err(Error::IncompleteSource {
                rev: id,
                errors: snapshot.errors,
            });
        }
        let when = commit.committer().when();
        let bytes = workbook(
            &snapshot,
            &ExportSource {
                commit: &id,
                time: when.seconds(),
                offset_minutes: when.offset_minutes(),
            },
        )?;
        let organisation = snapshot
            .config
            .as_ref()
            .map(|c| crate::tabular::columns::normal(&c.organisation.name).replace(' ', "-"))
            .unwrap_or_else(|| "isms".into());
        Ok(Workbook {
            file_name: format!("{organisation}-register-{}.xlsx", &id[..7]),
            commit: id,
            bytes,
        })
    }
}
