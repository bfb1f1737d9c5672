//! Collecting evidence (`isms collect`): a file copied into `evidence/files/` and its
//! record written with the file's SHA-256, in one step, or nothing at all. A file too
//! large for the repository is refused with what to do instead.

use std::path::Path;

use crate::domain::{EVIDENCE_FILES, MAX_EVIDENCE_BYTES};
use crate::format::edit::Assignment;
use crate::isms::{Isms, RecordKind};
use crate::store::Saved;
use crate::{Error, Result};

impl Isms {
    /// Copies `source` into `evidence/files/` and writes its evidence record with the
    /// file's name and SHA-256 and `assignments` (title, controls, collected_by,
    /// collected_on…). Refused, with nothing written, when the file is larger than
    /// [`MAX_EVIDENCE_BYTES`], when another file of that name is already there, or when
    /// the record does not validate.
    pub fn collect_evidence_file(
        &self,
        source: &Path,
        assignments: &[Assignment],
    ) -> Result<Saved> {
        let shown = source.display().to_string();
        let meta = std::fs::metadata(source).map_err(|e| Error::io(source, e))?;
        if !meta.is_file() {
            return Err(Error::invalid(&shown, "file", "is not a file"));
        }
        if meta.len() > MAX_EVIDENCE_BYTES {
            return Err(Error::invalid(
                &shown,
                "file",
                format!(
                    "is {} MB; an evidence file may be at most {} MB. Keep it where it lives and record a reference to it instead: isms new evidence reference=<URL or ticket> controls+=<control> collected_by=<person> collected_on=<date>",
                    meta.len().div_ceil(1024 * 1024),
                    MAX_EVIDENCE_BYTES / (1024 * 1024)
                ),
            ));
        }
        let name = source
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.starts_with('.'))
            .ok_or_else(|| {
                Error::invalid(
                    &shown,
                    "file",
                    "needs a plain file name (not hidden, UTF-8)",
                )
            })?
            .to_string();
        let bytes = std::fs::read(source).map_err(|e| Error::io(source, e))?;
        let rel = format!("{EVIDENCE_FILES}/{name}");
        let target = self.resolve(&rel)?;
        let existed = match std::fs::read(&target) {
            Ok(there) if there == bytes => true,
            Ok(_) => {
                return Err(Error::Exists(format!(
                    "{rel} (another file of that name; rename the new one)"
                )))
            }
            Err(_) => false,
        };
        if !existed {
            let dir = target.parent().expect("evidence/files/<name> has a parent");
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            crate::fsio::write_atomic(&target, &bytes)?;
        }
        let mut all = vec![
            Assignment::parse(&format!("file={name}"))
                .map_err(|m| Error::invalid(&rel, "file", m))?,
            Assignment::parse(&format!("sha256={}", crate::fsio::sha256_hex(&bytes)))
                .map_err(|m| Error::invalid(&rel, "sha256", m))?,
        ];
        all.extend_from_slice(assignments);
        match self.create(RecordKind::Evidence, None, &all, None) {
            Ok(saved) => Ok(saved),
            Err(e) => {
                if !existed {
                    let _ = std::fs::remove_file(&target);
                }
                Err(e)
            }
        }
    }
}

impl Isms {
    /// The evidence records that load (the screens show what the others say of them).
    pub(crate) fn evidence_records(&self) -> Result<Vec<crate::domain::Evidence>> {
        Ok(self
            .records_of::<crate::domain::Evidence>(crate::RecordKind::Evidence)?
            .0
            .into_iter()
            .map(|(e, _)| e)
            .collect())
    }
}
