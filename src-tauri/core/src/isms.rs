//! [`Isms`]: an opened ISMS repository, where disk, git and the index meet.
//!
//! Files are found by walking the fixed record folders without following symbolic
//! links, so no path read through an `Isms` leaves the repository. Loading never
//! stops at a bad file: each problem becomes a [`LoadError`] and the rest loads.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::domain::{
    Assessment, Attestation, Audit, Document, IsmsConfig, Nonconformity, Objective, Review, Risk,
    SecurityPage, SoaEntry, Supplier, Treatment,
};
use crate::format::{self, frontmatter::Source};
use crate::{Error, LoadError, Result};

pub use crate::domain::{RecordKind, CONFIG_FILE};

/// The folder of rendered reports put up for sign-off (`reports/risk-assessment.md`).
pub const REPORTS_FOLDER: &str = "reports";

/// The folder of what is published for the public (`public/security-page.md`).
pub const PUBLIC_FOLDER: &str = "public";

/// The folder of the SOC 2 system description (`system/description.md`).
pub const SYSTEM_FOLDER: &str = "system";

/// The folder of the ISMS's own SOC 2 mapping (`soc2/mapping.csv`).
pub const SOC2_FOLDER: &str = "soc2";

/// Every folder of an ISMS repository: one per record kind, then `reports/`,
/// `public/`, `system/` and `soc2/`.
pub fn folders() -> impl Iterator<Item = &'static str> {
    RecordKind::ALL.into_iter().map(RecordKind::folder).chain([
        REPORTS_FOLDER,
        PUBLIC_FOLDER,
        SYSTEM_FOLDER,
        SOC2_FOLDER,
    ])
}

impl RecordKind {
    /// The front-matter keys of this kind, in canonical order.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            RecordKind::Risk => format::RISK_KEYS,
            RecordKind::Control => format::SOA_KEYS,
            RecordKind::Treatment => format::TREATMENT_KEYS,
            RecordKind::Document => format::DOCUMENT_KEYS,
            RecordKind::Assessment => format::ASSESSMENT_KEYS,
            RecordKind::Audit => format::AUDIT_KEYS,
            RecordKind::Nonconformity => format::NONCONFORMITY_KEYS,
            RecordKind::Objective => format::OBJECTIVE_KEYS,
            RecordKind::Review => format::REVIEW_KEYS,
            RecordKind::Supplier => format::SUPPLIER_KEYS,
            RecordKind::Attestation => format::ATTESTATION_KEYS,
            RecordKind::Evidence => format::EVIDENCE_KEYS,
        }
    }
}

/// A record file found on disk, with the fingerprint the index uses to notice changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFile {
    /// The kind, from the folder.
    pub kind: Option<RecordKind>,
    /// The path relative to the root, with `/` separators.
    pub path: String,
    /// The file name without `.md` (the record id).
    pub stem: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the epoch.
    pub mtime_ns: i64,
}

pub use crate::domain::Records;

/// The result of loading a repository: what loaded, and what did not.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Loaded {
    /// The records that loaded.
    pub records: Records,
    /// One entry per problem in a file that did not load (or not entirely).
    pub errors: Vec<LoadError>,
}

/// One parsed record of any kind, as the index stores it.
#[derive(Debug, Clone)]
pub enum AnyRecord {
    /// A risk.
    Risk(Risk),
    /// An SoA entry.
    Control(SoaEntry),
    /// A treatment.
    Treatment(Treatment),
    /// A controlled document.
    Document(Document),
    /// An assessment.
    Assessment(Assessment),
    /// An internal audit.
    Audit(Audit),
    /// A finding.
    Nonconformity(Nonconformity),
    /// An information security objective.
    Objective(Objective),
    /// A management review.
    Review(Review),
    /// A supplier.
    Supplier(Supplier),
    /// A certification or attestation.
    Attestation(Attestation),
    /// A piece of evidence.
    Evidence(crate::domain::Evidence),
}

/// A record file that parsed, with its parts and unknown keys.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// The record.
    pub record: AnyRecord,
    /// The file split into its parts.
    pub source: Source,
    /// Unknown front-matter keys, with their lines and likely meanings.
    pub unknown_keys: Vec<crate::domain::UnknownKey>,
}

/// An opened ISMS repository.
#[derive(Debug, Clone)]
pub struct Isms {
    root: PathBuf,
    git_dir: Option<PathBuf>,
}

impl Isms {
    /// Opens the ISMS repository at `root` (the folder holding `isms.yaml`). The git
    /// repository, if any, is opened at exactly that folder, never by searching upwards.
    pub fn open(root: &Path) -> Result<Isms> {
        let root = root.canonicalize().map_err(|e| Error::io(root, e))?;
        let config = root.join(CONFIG_FILE);
        match fs::symlink_metadata(&config) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Error::OutsideRepository(CONFIG_FILE.into()))
            }
            Ok(meta) if meta.is_file() => {}
            _ => return Err(Error::NotAnIsms(root)),
        }
        let git_dir = git2::Repository::open(&root)
            .ok()
            .filter(|repo| repo.workdir().is_some_and(|w| same_dir(w, &root)))
            .map(|repo| repo.path().to_path_buf());
        let isms = Isms { root, git_dir };
        // A write of several files (an import) interrupted by a crash is finished
        // before anything reads the records: taking the write lock does it.
        if isms.pending_writes().is_some_and(|j| j.exists()) {
            drop(isms.write_lock()?);
        }
        Ok(isms)
    }

    /// The repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The git directory, when the ISMS is a git repository.
    pub fn git_dir(&self) -> Option<&Path> {
        self.git_dir.as_deref()
    }

    /// The commit HEAD points at, when there is one.
    pub fn head(&self) -> Option<String> {
        let repo = git2::Repository::open(&self.root).ok()?;
        let head = repo.head().ok()?.target()?;
        Some(head.to_string())
    }

    /// Lists the record files and `isms.yaml` with their fingerprints. Links and
    /// other non-regular files are reported as errors, never followed.
    pub fn record_files(&self) -> Result<(Vec<RecordFile>, Vec<LoadError>)> {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        let config = self.root.join(CONFIG_FILE);
        let meta = fs::symlink_metadata(&config).map_err(|e| Error::io(&config, e))?;
        files.push(RecordFile {
            kind: None,
            path: CONFIG_FILE.into(),
            stem: "isms".into(),
            size: meta.len(),
            mtime_ns: mtime_ns(&meta),
        });
        for kind in RecordKind::ALL {
            let folder = self.root.join(kind.folder());
            match fs::symlink_metadata(&folder) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(&folder, e)),
                Ok(meta) if meta.file_type().is_symlink() => {
                    errors.push(LoadError::file(kind.folder(), "is a symbolic link; ISMS Desk does not follow links, which could lead outside the repository"));
                    continue;
                }
                Ok(meta) if !meta.is_dir() => {
                    errors.push(LoadError::file(kind.folder(), "should be a folder"));
                    continue;
                }
                Ok(_) => {}
            }
            let mut names: Vec<std::ffi::OsString> = fs::read_dir(&folder)
                .map_err(|e| Error::io(&folder, e))?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<std::io::Result<_>>()
                .map_err(|e| Error::io(&folder, e))?;
            names.sort_unstable();
            let mut readable: Vec<&str> = Vec::with_capacity(names.len());
            for name in &names {
                match name.to_str() {
                    Some(name) => readable.push(name),
                    None => errors.push(LoadError::file(
                        format!("{}/{}", kind.folder(), name.to_string_lossy()),
                        "the file name is not valid UTF-8",
                    )),
                }
            }
            let stats = crate::fsio::FolderStat::all(&folder, &readable)
                .map_err(|e| Error::io(&folder, e))?;
            for (name, meta) in readable.into_iter().zip(stats) {
                let path = format!("{}/{name}", kind.folder());
                let meta = meta.map_err(|e| Error::io(folder.join(name), e))?;
                let stem = match what_is_in_a_record_folder(kind, name, &meta) {
                    Ok(Some(stem)) => stem,
                    Ok(None) => continue,
                    Err(why) => {
                        errors.push(LoadError::file(path, why));
                        continue;
                    }
                };
                files.push(RecordFile {
                    kind: Some(kind),
                    path,
                    stem: stem.to_string(),
                    size: meta.size,
                    mtime_ns: meta.mtime_ns,
                });
            }
        }
        Ok((files, errors))
    }

    /// Reads a file found by [`Isms::record_files`] and decodes it as UTF-8.
    pub fn read_text(&self, path: &str) -> Result<String, LoadError> {
        let full = self
            .resolve(path)
            .map_err(|e| LoadError::file(path, e.to_string()))?;
        let bytes =
            fs::read(&full).map_err(|e| LoadError::file(path, format!("cannot be read: {e}")))?;
        format::decode(path, &bytes)
    }

    /// Turns a repository-relative path into a full path, refusing anything that
    /// could leave the repository (`..`, absolute paths, links on the way).
    pub fn resolve(&self, rel: &str) -> Result<PathBuf> {
        let rel_path = Path::new(rel);
        if rel.is_empty()
            || rel_path.is_absolute()
            || rel_path
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(Error::OutsideRepository(rel.into()));
        }
        let mut full = self.root.clone();
        for part in rel_path.components() {
            full.push(part);
            if fs::symlink_metadata(&full).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(Error::OutsideRepository(rel.into()));
            }
        }
        Ok(full)
    }

    /// Parses `isms.yaml`.
    pub fn load_config(&self) -> Result<IsmsConfig, Vec<LoadError>> {
        let text = self.read_text(CONFIG_FILE).map_err(|e| vec![e])?;
        format::parse_config(&text)
    }

    /// The public security page's source (`public/security-page.md`), when the
    /// repository has one.
    pub fn load_security_page(&self) -> Result<Option<SecurityPage>, Vec<LoadError>> {
        self.load_one_of_a_kind(
            crate::domain::SECURITY_PAGE_FILE,
            format::parse_security_page,
        )
    }

    /// A file of which an ISMS has one, parsed; `None` when the repository has none.
    fn load_one_of_a_kind<T>(
        &self,
        path: &str,
        parse: impl FnOnce(&str, &str) -> Result<format::Parsed<T>, Vec<LoadError>>,
    ) -> Result<Option<T>, Vec<LoadError>> {
        let bytes = self
            .read_bytes(path)
            .map_err(|e| vec![LoadError::file(path, e.to_string())])?;
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        let text = format::decode(path, &bytes).map_err(|e| vec![e])?;
        parse(path, &text).map(|p| Some(p.record))
    }

    /// The SOC 2 system description (`system/description.md`), when the repository
    /// has one.
    pub fn load_system_description(
        &self,
    ) -> Result<Option<crate::domain::SystemDescription>, Vec<LoadError>> {
        self.load_one_of_a_kind(
            crate::domain::SYSTEM_DESCRIPTION_FILE,
            format::parse_system_description,
        )
    }

    /// What the evidence file at `path` is on disk: missing, too large, or its SHA-256.
    pub fn evidence_file(&self, path: &str) -> crate::domain::EvidenceFile {
        use crate::domain::{EvidenceFile, MAX_EVIDENCE_BYTES};
        let Ok(full) = self.resolve(path) else {
            // A link on the way (the file, or a folder above it) is refused by resolve.
            return if std::fs::symlink_metadata(self.root.join(path)).is_ok() {
                EvidenceFile::NotAFile
            } else {
                EvidenceFile::Missing
            };
        };
        // Never followed: a link could point anywhere on the machine.
        match std::fs::symlink_metadata(&full) {
            Ok(m) if m.is_file() && m.len() > MAX_EVIDENCE_BYTES => EvidenceFile::TooLarge(m.len()),
            Ok(m) if m.is_file() => match std::fs::read(&full) {
                Ok(bytes) => EvidenceFile::Present(crate::fsio::sha256_hex(&bytes)),
                Err(_) => EvidenceFile::Missing,
            },
            Ok(_) => EvidenceFile::NotAFile,
            Err(_) => EvidenceFile::Missing,
        }
    }

    /// Every file under `evidence/files/` (links included, never followed), as paths
    /// from the repository root, sorted.
    pub fn evidence_folder_files(&self) -> Vec<String> {
        fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = format!("{rel}/{name}");
                match entry.file_type() {
                    Ok(t) if t.is_dir() => walk(&entry.path(), &path, out),
                    Ok(_) => out.push(path),
                    Err(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &self.root.join(crate::domain::EVIDENCE_FILES),
            crate::domain::EVIDENCE_FILES,
            &mut out,
        );
        out.sort();
        out
    }

    /// The ISMS's own SOC 2 mapping rows (`soc2/mapping.csv`) that can be used, and
    /// a problem (file, line, column) for each that cannot.
    pub fn load_soc2_mapping(&self) -> (Vec<crate::catalogue::MappingRow>, Vec<LoadError>) {
        let path = crate::domain::SOC2_MAPPING_FILE;
        let text = match self.read_bytes(path) {
            Ok(None) => return (Vec::new(), Vec::new()),
            Ok(Some(bytes)) => match format::decode(path, &bytes) {
                Ok(text) => text,
                Err(e) => return (Vec::new(), vec![e]),
            },
            Err(e) => return (Vec::new(), vec![LoadError::file(path, e.to_string())]),
        };
        own_soc2_rows(path, &text)
    }

    /// Parses one record file.
    pub fn parse_file(&self, file: &RecordFile) -> Result<ParsedFile, Vec<LoadError>> {
        let kind = file
            .kind
            .ok_or_else(|| vec![LoadError::file(&file.path, "is not a record file")])?;
        let text = self.read_text(&file.path).map_err(|e| vec![e])?;
        parse_text(kind, &file.path, &file.stem, &text)
    }

    /// Loads every record. Problems are collected, never fatal: each bad file is
    /// reported and the others load.
    pub fn load(&self) -> Result<Loaded> {
        let (files, mut errors) = self.record_files()?;
        let mut records = Records::default();
        match self.load_config() {
            Ok(config) => records.config = Some(config),
            Err(mut e) => errors.append(&mut e),
        }
        for file in files.iter().filter(|f| f.kind.is_some()) {
            match self.parse_file(file) {
                Ok(parsed) => {
                    records.unknown_keys.extend(parsed.unknown_keys);
                    match parsed.record {
                        AnyRecord::Risk(r) => records.risks.push(r),
                        AnyRecord::Control(c) => records.controls.push(c),
                        AnyRecord::Treatment(t) => records.treatments.push(t),
                        AnyRecord::Document(d) => records.documents.push(d),
                        AnyRecord::Assessment(a) => records.assessments.push(a),
                        AnyRecord::Audit(a) => records.audits.push(a),
                        AnyRecord::Nonconformity(n) => records.nonconformities.push(n),
                        AnyRecord::Objective(o) => records.objectives.push(o),
                        AnyRecord::Review(v) => records.reviews.push(v),
                        AnyRecord::Supplier(s) => records.suppliers.push(s),
                        AnyRecord::Attestation(a) => records.attestations.push(a),
                        AnyRecord::Evidence(e) => records.evidence.push(e),
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        records.risks.sort_by(|a, b| a.id.cmp(&b.id));
        records
            .controls
            .sort_by_key(|c| crate::catalogue::control_order(&c.id));
        records.treatments.sort_by(|a, b| a.id.cmp(&b.id));
        records.audits.sort_by(|a, b| a.id.cmp(&b.id));
        records.nonconformities.sort_by(|a, b| a.id.cmp(&b.id));
        records.objectives.sort_by(|a, b| a.id.cmp(&b.id));
        records.reviews.sort_by(|a, b| a.id.cmp(&b.id));
        records.suppliers.sort_by(|a, b| a.id.cmp(&b.id));
        records.attestations.sort_by(|a, b| a.id.cmp(&b.id));
        records.evidence.sort_by(|a, b| a.id.cmp(&b.id));
        records.evidence_files = records
            .evidence
            .iter()
            .filter_map(|e| e.file_path())
            .map(|path| {
                let state = self.evidence_file(&path);
                (path, state)
            })
            .collect();
        records.evidence_folder_files = self.evidence_folder_files();
        match self.load_security_page() {
            Ok(page) => records.security_page = page,
            Err(mut e) => errors.append(&mut e),
        }
        match self.load_system_description() {
            Ok(d) => records.system_description = d,
            Err(mut e) => errors.append(&mut e),
        }
        let (rows, mut problems) = self.load_soc2_mapping();
        records.soc2_mapping = rows;
        errors.append(&mut problems);
        Ok(Loaded { records, errors })
    }

    /// Finds and parses the record with this id (`R-004`, `8.13`, `T-002`, `scope`).
    pub fn find(&self, id: &str) -> Result<(RecordKind, ParsedFile)> {
        let (kind, rel) = self.locate(id)?;
        let text = self.read_text(&rel).map_err(Error::Invalid)?;
        match parse_text(kind, &rel, id, &text) {
            Ok(parsed) => Ok((kind, parsed)),
            Err(mut errors) => Err(Error::Invalid(errors.remove(0))),
        }
    }

    /// The kind and file (relative to the root) of a record id. A path that would
    /// leave the repository (a link) is refused, never followed.
    pub(crate) fn locate(&self, id: &str) -> Result<(RecordKind, String)> {
        if id.is_empty() || id.contains(['/', '\\']) || id.starts_with('.') {
            return Err(Error::NotFound(id.to_string()));
        }
        for kind in RecordKind::ALL {
            let path = format!("{}/{id}.md", kind.folder());
            if self.resolve(&path)?.is_file() {
                return Ok((kind, path));
            }
        }
        Err(Error::NotFound(id.to_string()))
    }
}

/// The version of a record file an edit started from: git's blob id of the file's
/// bytes (so it can be compared with `git hash-object`), or empty for "no file yet".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
// A newtype: serde writes it as the bare string.
#[cfg_attr(feature = "ts", ts(type = "string"))]
pub struct Revision(pub String);

impl Revision {
    /// The revision of a file with these bytes.
    pub fn of(bytes: &[u8]) -> Revision {
        Revision(
            git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
                .map(|oid| oid.to_string())
                .unwrap_or_default(),
        )
    }

    /// The revision of a file that does not exist.
    pub fn absent() -> Revision {
        Revision(String::new())
    }
}

impl AnyRecord {
    /// The kind of this record.
    pub fn kind(&self) -> RecordKind {
        match self {
            AnyRecord::Risk(_) => RecordKind::Risk,
            AnyRecord::Control(_) => RecordKind::Control,
            AnyRecord::Treatment(_) => RecordKind::Treatment,
            AnyRecord::Document(_) => RecordKind::Document,
            AnyRecord::Assessment(_) => RecordKind::Assessment,
            AnyRecord::Audit(_) => RecordKind::Audit,
            AnyRecord::Nonconformity(_) => RecordKind::Nonconformity,
            AnyRecord::Objective(_) => RecordKind::Objective,
            AnyRecord::Review(_) => RecordKind::Review,
            AnyRecord::Supplier(_) => RecordKind::Supplier,
            AnyRecord::Attestation(_) => RecordKind::Attestation,
            AnyRecord::Evidence(_) => RecordKind::Evidence,
        }
    }

    /// The markdown body.
    pub fn body(&self) -> &str {
        match self {
            AnyRecord::Risk(r) => &r.body,
            AnyRecord::Control(c) => &c.body,
            AnyRecord::Treatment(t) => &t.body,
            AnyRecord::Document(d) => &d.body,
            AnyRecord::Assessment(a) => &a.body,
            AnyRecord::Audit(a) => &a.body,
            AnyRecord::Nonconformity(n) => &n.body,
            AnyRecord::Objective(o) => &o.body,
            AnyRecord::Review(v) => &v.body,
            AnyRecord::Supplier(s) => &s.body,
            AnyRecord::Attestation(a) => &a.body,
            AnyRecord::Evidence(e) => &e.body,
        }
    }

    /// The record id (the file name without `.md`).
    pub fn id(&self) -> &str {
        match self {
            AnyRecord::Risk(r) => &r.id,
            AnyRecord::Control(c) => &c.id,
            AnyRecord::Treatment(t) => &t.id,
            AnyRecord::Document(d) => &d.id,
            AnyRecord::Assessment(a) => &a.id,
            AnyRecord::Audit(a) => &a.id,
            AnyRecord::Nonconformity(n) => &n.id,
            AnyRecord::Objective(o) => &o.id,
            AnyRecord::Review(v) => &v.id,
            AnyRecord::Supplier(s) => &s.id,
            AnyRecord::Attestation(a) => &a.id,
            AnyRecord::Evidence(e) => &e.id,
        }
    }
}

impl Isms {
    /// Reads every record of one kind with its revision; files that do not load are
    /// returned as errors.
    pub(crate) fn records_of<T: FromRecord>(&self, kind: RecordKind) -> Result<Read<T>> {
        let (files, mut errors) = self.record_files()?;
        let mut out = Vec::new();
        for file in files.iter().filter(|f| f.kind == Some(kind)) {
            let parsed = self
                .read_bytes(&file.path)
                .map_err(|e| vec![LoadError::file(&file.path, e.to_string())])
                .and_then(|bytes| {
                    let bytes = bytes.ok_or_else(|| {
                        vec![LoadError::file(
                            &file.path,
                            "the file vanished while it was read",
                        )]
                    })?;
                    let text = crate::format::decode(&file.path, &bytes).map_err(|e| vec![e])?;
                    let parsed = parse_text(kind, &file.path, &file.stem, &text)?;
                    Ok((parsed.record, Revision::of(&bytes)))
                });
            match parsed {
                Ok((record, revision)) => {
                    if let Some(record) = T::from_record(record) {
                        out.push((record, revision));
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        errors.retain(|e| e.path.starts_with(&format!("{}/", kind.folder())));
        Ok((out, errors))
    }
}

/// Records of one kind with their revisions, and the files that did not load.
pub(crate) type Read<T> = (Vec<(T, Revision)>, Vec<LoadError>);

/// A record of one kind out of [`AnyRecord`].
pub(crate) trait FromRecord: Sized {
    fn from_record(record: AnyRecord) -> Option<Self>;
}

macro_rules! from_record {
    ($($variant:ident => $type:ty),+ $(,)?) => {$(
        impl FromRecord for $type {
            fn from_record(record: AnyRecord) -> Option<Self> {
                match record {
                    AnyRecord::$variant(x) => Some(x),
                    _ => None,
                }
            }
        }
    )+};
}

from_record!(
    Risk => Risk,
    Control => SoaEntry,
    Treatment => Treatment,
    Document => Document,
    Assessment => Assessment,
    Audit => Audit,
    Nonconformity => Nonconformity,
    Objective => Objective,
    Review => Review,
    Supplier => Supplier,
    Attestation => Attestation,
    Evidence => crate::domain::Evidence,
);

/// The canonical fields and the body of any record.
pub fn emit_any(record: &AnyRecord) -> (Vec<format::emit::FieldText>, &str) {
    match record {
        AnyRecord::Risk(r) => (format::emit_risk(r), &r.body),
        AnyRecord::Control(c) => (format::emit_soa_entry(c), &c.body),
        AnyRecord::Treatment(t) => (format::emit_treatment(t), &t.body),
        AnyRecord::Document(d) => (format::emit_document(d), &d.body),
        AnyRecord::Assessment(a) => (format::emit_assessment(a), &a.body),
        AnyRecord::Audit(a) => (format::emit_audit(a), &a.body),
        AnyRecord::Nonconformity(n) => (format::emit_nonconformity(n), &n.body),
        AnyRecord::Objective(o) => (format::emit_objective(o), &o.body),
        AnyRecord::Review(v) => (format::emit_review(v), &v.body),
        AnyRecord::Supplier(s) => (format::emit_supplier(s), &s.body),
        AnyRecord::Attestation(a) => (format::emit_attestation(a), &a.body),
        AnyRecord::Evidence(e) => (format::emit_evidence(e), &e.body),
    }
}

/// Parses the text of a record file of a known kind.
pub fn parse_text(
    kind: RecordKind,
    path: &str,
    stem: &str,
    text: &str,
) -> Result<ParsedFile, Vec<LoadError>> {
    macro_rules! parsed {
        ($parse:path, $variant:ident) => {
            $parse(path, stem, text).map(|p| ParsedFile {
                record: AnyRecord::$variant(p.record),
                source: p.source,
                unknown_keys: p.unknown_keys,
            })
        };
    }
    match kind {
        RecordKind::Risk => parsed!(format::parse_risk, Risk),
        RecordKind::Control => parsed!(format::parse_soa_entry, Control),
        RecordKind::Treatment => parsed!(format::parse_treatment, Treatment),
        RecordKind::Document => parsed!(format::parse_document, Document),
        RecordKind::Assessment => parsed!(format::parse_assessment, Assessment),
        RecordKind::Audit => parsed!(format::parse_audit, Audit),
        RecordKind::Nonconformity => parsed!(format::parse_nonconformity, Nonconformity),
        RecordKind::Objective => parsed!(format::parse_objective, Objective),
        RecordKind::Review => parsed!(format::parse_review, Review),
        RecordKind::Supplier => parsed!(format::parse_supplier, Supplier),
        RecordKind::Attestation => parsed!(format::parse_attestation, Attestation),
        RecordKind::Evidence => parsed!(format::parse_evidence, Evidence),
    }
}

fn mtime_ns(meta: &fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// What a file in a record folder is: `Ok(Some(stem))` a record file to read,
/// `Ok(None)` a file with no record in it that is right to be there (`.gitkeep`, the
/// temporary file of a save in progress), `Err(why)` a file or folder that does not
/// count, with what to do: nothing in a record folder is left out without a word.
fn what_is_in_a_record_folder(
    kind: RecordKind,
    name: &str,
    meta: &crate::fsio::EntryStat,
) -> Result<Option<String>, String> {
    let folder = kind.folder();
    if meta.is_symlink {
        return Err("is a symbolic link; ISMS Desk does not follow links, which could lead outside the repository".into());
    }
    if name == ".gitkeep" {
        return Ok(None);
    }
    if let Some(temporary) = crate::fsio::Temporary::of(name) {
        if !temporary.is_stale() {
            return Ok(None);
        }
        return Err(format!(
            "was left behind by a save of {} that was interrupted; it holds no record, and the next save in {folder}/ deletes it",
            temporary.target
        ));
    }
    // Evidence files live in `evidence/files/`, named by the evidence records; the
    // evidence checks account for each of them.
    if meta.is_dir && kind == RecordKind::Evidence && name == "files" {
        return Ok(None);
    }
    if meta.is_dir {
        return Err(format!(
            "is a folder; only files directly in {folder}/ are read, so what is in it does not count: move its records up into {folder}/"
        ));
    }
    if !meta.is_file {
        return Err("is not a regular file".into());
    }
    if name.starts_with('.') {
        return Err(format!(
            "is hidden, so it is not read; a record is a file `<id>.md` in {folder}/"
        ));
    }
    if let Some(stem) = name.strip_suffix(".md") {
        return Ok(Some(stem.to_string()));
    }
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    let markdown = matches!(extension.to_ascii_lowercase().as_str(), "md" | "markdown");
    Err(if markdown {
        format!("is not read: a record file's name ends in `.md`; rename it `{stem}.md`")
    } else {
        format!("is not read: only `<id>.md` files in {folder}/ are records; move it out of {folder}/ (or rename it `.md` if it is one)")
    })
}

/// The usable rows of an ISMS's own SOC 2 mapping file at `path`, and a problem for
/// each row that cannot be used (its line and column).
pub fn own_soc2_rows(
    path: &str,
    text: &str,
) -> (Vec<crate::catalogue::MappingRow>, Vec<LoadError>) {
    let rows = match crate::catalogue::mapping_rows(text) {
        Ok(rows) => rows,
        Err((line, message)) => {
            return (
                Vec::new(),
                vec![LoadError {
                    path: path.into(),
                    line: Some(line),
                    field: None,
                    message,
                }],
            )
        }
    };
    let (_, problems) = crate::domain::soc2_links_with(&rows);
    let errors = problems
        .iter()
        .map(|p| LoadError {
            path: path.into(),
            line: Some(p.line),
            field: Some(p.column.to_string()),
            message: p.message.clone(),
        })
        .collect();
    let usable = rows
        .into_iter()
        .filter(|r| !problems.iter().any(|p| p.line == r.line))
        .collect();
    (usable, errors)
}
