//! A file as text, for mending one that does not load: the app's plain-text editor
//! opens it with each problem at its line, and saving checks it again.

use serde::Serialize;

use crate::domain::CONFIG_FILE;
use crate::isms::{parse_text, Isms, RecordKind, Revision};
use crate::{Error, LoadError, Result};

/// An ISMS file's text and what is wrong with it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileText {
    /// The file, relative to the repository.
    pub path: String,
    /// Its text (invalid UTF-8 shown as U+FFFD, and named in `problems`).
    pub text: String,
    /// Its revision, to save against.
    pub revision: Revision,
    /// Why it does not load, each with its line; empty when it loads.
    pub problems: Vec<LoadError>,
}

/// Which kind of file a path is, if ISMS Desk may edit it as text.
fn editable(path: &str) -> Result<Option<(RecordKind, &str)>> {
    if path == CONFIG_FILE {
        return Ok(None);
    }
    RecordKind::of_path(path).map(Some).ok_or_else(|| {
        Error::Usage(format!(
            "{path} is not an ISMS file (isms.yaml or a record in a record folder)"
        ))
    })
}

impl Isms {
    /// An ISMS file (isms.yaml or a record) as text, with the problems that keep it
    /// from loading.
    pub fn file_text(&self, path: &str) -> Result<FileText> {
        let kind = editable(path)?;
        let bytes = self
            .read_bytes(path)?
            .ok_or_else(|| Error::NotFound(path.to_string()))?;
        let (text, problems) = match crate::format::decode(path, &bytes) {
            Ok(text) => {
                let problems = match kind {
                    None => crate::format::parse_config(&text).err(),
                    Some((kind, stem)) => parse_text(kind, path, stem, &text).err(),
                };
                (text, problems.unwrap_or_default())
            }
            Err(e) => (String::from_utf8_lossy(&bytes).into_owned(), vec![e]),
        };
        Ok(FileText {
            path: path.to_string(),
            text,
            revision: Revision::of(&bytes),
            problems,
        })
    }

    /// Saves the text of an ISMS file typed in the plain-text editor. It must load
    /// and pass the same checks as any save (references that exist, no control
    /// characters), and the file must still be at `base`; otherwise nothing is
    /// written. Returns the new revision.
    pub fn save_file_text(&self, path: &str, text: &str, base: &Revision) -> Result<Revision> {
        match editable(path)? {
            None => {
                self.write_config_text(text, base)?;
            }
            Some((kind, stem)) => {
                self.write_record_text(kind, stem, path, text, base)?;
            }
        }
        Ok(Revision::of(text.as_bytes()))
    }
}
