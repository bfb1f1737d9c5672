//! `isms init`: a new, valid ISMS repository from the scaffolds in `templates/`:
//! `isms.yaml`, an SoA entry for each of the 93 Annex A controls (applicable, not
//! yet implemented, awaiting the ISM's decision), a scope document and a methodology
//! document under document control, empty record folders, and a git repository.

use std::fs;
use std::path::Path;

use chrono::{Months, NaiveDate};

use crate::catalogue::annex_a;
use crate::domain::{ControlStatus, RecordKind, SoaEntry};
use crate::format::{emit::double_quoted, emit_soa_entry, write_record};
use crate::fsio::write_atomic;
use crate::{Error, Result};

const ISMS_YAML: &str = include_str!("../../../templates/scaffold/isms.yaml");
const SCOPE: &str = include_str!("../../../templates/scaffold/documents/scope.md");
const METHODOLOGY: &str = include_str!("../../../templates/scaffold/documents/methodology.md");

/// Creates a new ISMS repository in `dir` (which must not exist or be empty) for
/// `organisation`, with the first assessment due a year after `today`.
pub fn init(dir: &Path, organisation: &str, today: NaiveDate) -> Result<()> {
    refuse_non_empty(dir)?;
    for folder in crate::isms::folders() {
        let path = dir.join(folder);
        fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
    }
    let date = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let next_year = today.checked_add_months(Months::new(12)).unwrap_or(today);
    let fill = |text: &str| {
        text.replace("{{organisation}}", &double_quoted(organisation))
            .replace("{{today}}", &date(today))
            .replace("{{next_year}}", &date(next_year))
    };
    write_atomic(&dir.join("isms.yaml"), fill(ISMS_YAML).as_bytes())?;
    write_atomic(&dir.join("documents/scope.md"), fill(SCOPE).as_bytes())?;
    write_atomic(
        &dir.join("documents/methodology.md"),
        fill(METHODOLOGY).as_bytes(),
    )?;
    for control in annex_a() {
        let entry = SoaEntry {
            id: control.id.clone(),
            title: control.title.clone(),
            applicable: true,
            status: ControlStatus::NotImplemented,
            owner: None,
            reasons: Vec::new(),
            justification: None,
            evidence: Vec::new(),
            body: format!("\n## Implementation\n\nTo be decided: is Annex A {} \"{}\" applicable, and how is it implemented?\n", control.id, control.title),
        };
        let text = write_record(&emit_soa_entry(&entry), &entry.body, None);
        write_atomic(
            &dir.join(RecordKind::Control.path(&control.id)),
            text.as_bytes(),
        )?;
    }
    for folder in ["risks", "treatments", "assessments", "reports"] {
        write_atomic(&dir.join(folder).join(".gitkeep"), b"")?;
    }
    write_atomic(
        &dir.join(".gitignore"),
        format!("# The temporary files of ISMS Desk saves: one is left only by a save that was killed\n# mid-write, and it holds no record. Never commit them.\n{}\n", crate::domain::TEMPORARY_FILES).as_bytes(),
    )?;
    // On `main`, whatever git's init.defaultBranch says: the branch sign-off protects.
    git2::Repository::init_opts(dir, git2::RepositoryInitOptions::new().initial_head("main"))?;
    Ok(())
}

/// Creates an ISMS repository in `dir` (which must not exist or be empty) from
/// `files` (paths relative to the root, with `/` separators) and commits them,
/// unsigned, as `identity`. The desktop app makes its copy of the sample ISMS this way.
pub fn from_files(
    dir: &Path,
    files: &[(&str, &[u8])],
    identity: &crate::git::Identity,
    message: &str,
) -> Result<crate::git::Committed> {
    refuse_non_empty(dir)?;
    for (path, bytes) in files {
        if path.split('/').any(|part| part.is_empty() || part == "..") || path.starts_with('/') {
            return Err(Error::OutsideRepository(path.to_string()));
        }
        let full = dir.join(path);
        let folder = full.parent().expect("a file path has a folder");
        fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        write_atomic(&full, bytes)?;
    }
    // On `main`, whatever git's init.defaultBranch says: the branch sign-off protects.
    git2::Repository::init_opts(dir, git2::RepositoryInitOptions::new().initial_head("main"))?;
    let isms = crate::Isms::open(dir)?;
    let allowed_signers = isms.allowed_signers_for_commit()?;
    isms.commit(&crate::git::CommitRequest {
        message,
        records: &[],
        identity,
        signer: None,
        when: None,
        allowed_signers: allowed_signers.as_deref(),
    })
}

/// A new ISMS goes into a folder that does not exist yet or is empty.
fn refuse_non_empty(dir: &Path) -> Result<()> {
    if dir.exists()
        && fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_some()
    {
        return Err(Error::NotEmpty(dir.to_path_buf()));
    }
    Ok(())
}
