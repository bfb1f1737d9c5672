//! Saves: creating, changing and closing records (ARCHITECTURE.md, "Invariants").
//!
//! Every save follows the same steps, so that the guarantees hold for the app, the
//! command line and scripts alike:
//!
//! 1. The new file text is built and **parsed back** with the same reader that loads
//!    the repository. A value the reader would refuse (a likelihood of 7, an unknown
//!    status word) is refused here with its file, line and field; nothing is written.
//! 2. Under a repository-wide write lock, the file on disk is compared with the
//!    [`Revision`] the edit started from. If an editor or a `git pull` changed it in the
//!    meantime, the save is refused as a conflict naming the record: nobody's words are
//!    overwritten unseen.
//! 3. The file is written atomically ([`crate::fsio`]): after a crash there is the old
//!    file or the new one, never a mix. A new record is created only if no file of
//!    that name exists, which is what makes id allocation safe between processes.
//! 4. The index is updated for that file in the same call, so lists are never stale
//!    after a save (and never depend on file-system timestamps to notice it).
//!
//! Rewrites are conservative ([`crate::format::write_record`]): unchanged fields keep
//! their exact text, unknown keys and the body stay as written, and a file with
//! Windows line endings keeps them.

use std::fs::{self, File, OpenOptions};

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalogue;
use crate::domain::{references, RiskStatus, CONFIG_FILE, RISK_SECTIONS};
use crate::format::edit::{self, Assignment};
use crate::format::{self, frontmatter};
use crate::index::Index;
use crate::isms::{parse_text, AnyRecord, Isms, ParsedFile, RecordKind};
use crate::{Error, LoadError, Result};

pub use crate::isms::{emit_any, Revision};

/// A record as read for editing: the record and the revision to hand back on save.
#[derive(Debug, Clone)]
pub struct OpenedRecord {
    /// The kind of record.
    pub kind: RecordKind,
    /// Its file, relative to the root.
    pub path: String,
    /// The record.
    pub record: AnyRecord,
    /// The file's revision when it was read.
    pub revision: Revision,
}

/// How many files a change may write before the index is built again rather than
/// updated file by file.
const BULK_REINDEX: usize = 200;

/// One file of a change written as a whole ([`Isms::write_all`]).
#[derive(Debug, Clone)]
pub(crate) struct PlannedWrite {
    /// The file, relative to the root.
    pub path: String,
    /// The revision it must still be at (absent: it must not exist).
    pub base: Revision,
    /// The new text.
    pub text: String,
}

/// What a save did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Saved {
    /// The record id (for a new record, the id it was given).
    pub id: String,
    /// The kind of record.
    pub kind: RecordKind,
    /// The file written, relative to the root.
    pub path: String,
    /// The file's new revision; pass it to the next save.
    pub revision: Revision,
    /// Whether the file's bytes changed (saving an unchanged record writes nothing).
    pub changed: bool,
}

impl Isms {
    /// Reads one record for editing.
    pub fn open_record(&self, id: &str) -> Result<OpenedRecord> {
        let (kind, path) = self.locate(id)?;
        let bytes = self
            .read_bytes(&path)?
            .ok_or_else(|| Error::NotFound(id.into()))?;
        let text = format::decode(&path, &bytes).map_err(Error::Invalid)?;
        let parsed = parse_text(kind, &path, id, &text).map_err(first_error)?;
        Ok(OpenedRecord {
            kind,
            path,
            record: parsed.record,
            revision: Revision::of(&bytes),
        })
    }

    /// Saves a whole record (as the app's forms do). `base` is the revision the edit
    /// started from; [`Revision::absent`] creates the record.
    pub fn save(&self, record: &AnyRecord, base: &Revision) -> Result<Saved> {
        let (kind, id) = (record.kind(), record.id().to_string());
        let path = format!("{}/{id}.md", kind.folder());
        let current = self.read_bytes(&path)?;
        let original = match &current {
            Some(bytes) => {
                let old = self.parse_bytes(kind, &path, &id, bytes)?;
                Some((emit_any(&old.record).0, old.source))
            }
            None => None,
        };
        let (fields, body) = emit_any(record);
        let text = match &original {
            Some((old, source)) => format::write_record(&fields, body, Some((source, old))),
            None => format::write_record(&fields, body, None),
        };
        self.write_record_text(kind, &id, &path, &text, base)
    }

    /// Changes fields of a record by assignments (`likelihood=3`, `controls+=8.7`,
    /// `actions.A2.status=done`) and optionally replaces its body. `base` is the
    /// revision the change was decided on; `None` means "the file as it is now".
    pub fn set(
        &self,
        id: &str,
        assignments: &[Assignment],
        body: Option<&str>,
        base: Option<&Revision>,
    ) -> Result<Saved> {
        let (kind, path) = self.locate(id)?;
        let bytes = self
            .read_bytes(&path)?
            .ok_or_else(|| Error::NotFound(id.into()))?;
        let base = base.cloned().unwrap_or_else(|| Revision::of(&bytes));
        let text = self.edited_text(kind, &path, id, &bytes, assignments, body)?;
        self.write_record_text(kind, id, &path, &text, &base)
    }

    /// The text [`Isms::set`] would write for a record now `bytes`: the assignments
    /// applied, the body replaced when given, parsed back (the validation) and written
    /// canonically. Nothing is written.
    pub(crate) fn edited_text(
        &self,
        kind: RecordKind,
        path: &str,
        id: &str,
        bytes: &[u8],
        assignments: &[Assignment],
        body: Option<&str>,
    ) -> Result<String> {
        let old = self.parse_bytes(kind, path, id, bytes)?;
        self.edited_record(kind, path, id, &old, assignments, body)
            .map(|(text, _)| text)
    }

    /// [`Isms::edited_text`] of a record already read (`old`), with the record the
    /// new text holds: what an import of many records uses, to read each file once.
    pub(crate) fn edited_record(
        &self,
        kind: RecordKind,
        path: &str,
        id: &str,
        old: &ParsedFile,
        assignments: &[Assignment],
        body: Option<&str>,
    ) -> Result<(String, AnyRecord)> {
        let path = path.to_string();
        let source = &old.source;
        let old_fields = emit_any(&old.record).0;
        for a in assignments {
            check_assignable(kind, &path, a)?;
        }
        let front = edit::apply(&source.front, assignments).map_err(|message| {
            Error::Invalid(LoadError {
                path: path.clone(),
                line: None,
                field: assignments.first().map(|a| a.dotted()),
                message,
            })
        })?;
        let edited = frontmatter::Source {
            front,
            body: body.map_or_else(|| source.body.clone(), str::to_string),
            ..source.clone()
        };
        // Parse the edited text: this is the validation, with the reader's messages.
        let parsed = parse_text(kind, &path, id, &edited.join()).map_err(first_error)?;
        let (fields, new_body) = emit_any(&parsed.record);
        let text = format::write_record(&fields, new_body, Some((&edited, &old_fields)));
        Ok((text, parsed.record))
    }

    /// The text of a new record `id` of `kind` with `assignments` and `body` (the
    /// kind's defaults otherwise), as [`Isms::create`] makes it. Nothing is written.
    pub(crate) fn new_text(
        &self,
        kind: RecordKind,
        id: &str,
        assignments: &[Assignment],
        body: Option<&str>,
    ) -> Result<String> {
        let (fixed, default_body) = defaults_for_new(kind, Some(id))?;
        check_new_id(kind, id)?;
        let path = kind.path(id);
        new_record_text(
            kind,
            id,
            &path,
            &fixed,
            assignments,
            body.unwrap_or(&default_body),
        )
    }

    /// Writes several files as one change: under the write lock, each only if it is
    /// still at its base revision (none is written otherwise), and if one write fails
    /// those already made are put back. The index follows.
    pub(crate) fn write_all(&self, writes: &[PlannedWrite]) -> Result<()> {
        let _lock = self.write_lock()?;
        let mut before = Vec::new();
        for w in writes {
            let current = self.read_bytes(&w.path)?;
            let revision = current
                .as_deref()
                .map_or_else(Revision::absent, Revision::of);
            if revision != w.base {
                return Err(Error::Conflict {
                    id: w.path.clone(),
                    path: w.path.clone(),
                });
            }
            before.push(current);
        }
        let mut targets = Vec::new();
        for w in writes {
            let full = self.resolve(&w.path)?;
            if let Some(parent) = full.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            targets.push(full);
        }
        let files: Vec<(&std::path::Path, &[u8])> = targets
            .iter()
            .zip(writes)
            .map(|(t, w)| (t.as_path(), w.text.as_bytes()))
            .collect();
        let journal = self.pending_writes();
        if let Err(e) = crate::fsio::write_many_atomic(&files, journal.as_deref()) {
            // Some files may be in place: each goes back to what it was.
            for (target, old) in targets.iter().zip(&before) {
                let _ = match old {
                    Some(old) => crate::fsio::write_atomic(target, old),
                    None => fs::remove_file(target).map_err(|e| Error::io(target, e)),
                };
            }
            return Err(e);
        }
        // Past a few hundred files, building the index again (as the next open does,
        // in about a second and a half at 10,000 risks) is quicker than updating it
        // file by file.
        if writes.len() > BULK_REINDEX || writes.iter().any(|w| w.path == CONFIG_FILE) {
            self.discard_index();
        } else {
            let paths: Vec<&str> = writes.iter().map(|w| w.path.as_str()).collect();
            let reindexed =
                Index::open(self).and_then(|mut index| index.reindex_paths(self, &paths));
            if let Err(e) = reindexed {
                tracing::warn!(files = paths.len(), error = %e, "the index did not take an import; it will be built again");
                self.discard_index();
            }
        }
        Ok(())
    }

    /// Creates a record. Risks and treatments get the next free id (`R-018`); SoA
    /// entries and documents take `id`. The assignments give the fields; a new risk is
    /// `active` unless told otherwise, a new treatment `proposed`.
    pub fn create(
        &self,
        kind: RecordKind,
        id: Option<&str>,
        assignments: &[Assignment],
        body: Option<&str>,
    ) -> Result<Saved> {
        let (fixed, default_body) = defaults_for_new(kind, id)?;
        let body = body.unwrap_or(&default_body);
        let _lock = self.write_lock()?;
        let mut number = None;
        loop {
            let id = match (kind.sequence_prefix(), id) {
                (Some(_), _) => {
                    let n = match number {
                        Some(n) => n + 1,
                        None => self.highest_number(kind)? + 1,
                    };
                    number = Some(n);
                    kind.numbered(n)
                        .expect("a kind with a sequence prefix is numbered")
                }
                (None, Some(id)) => id.to_string(),
                (_, None) => {
                    return Err(Error::invalid(
                        kind.folder(),
                        "id",
                        format!("a new {} needs an id", kind.as_str()),
                    ))
                }
            };
            check_new_id(kind, &id)?;
            let path = kind.path(&id);
            let text = new_record_text(kind, &id, &path, &fixed, assignments, body)?;
            let parsed = parse_text(kind, &path, &id, &text).map_err(first_error)?;
            self.refuse_dangling_references(&parsed.record, None, &path, &text)?;
            self.refuse_unearned_closure(&parsed.record, None, &path, &text)?;
            let full = self.resolve(&path)?;
            fs::create_dir_all(
                full.parent()
                    .expect("a record path has a folder because it is folder/id.md"),
            )
            .map_err(|e| Error::io(&full, e))?;
            match crate::fsio::create_atomic(&full, text.as_bytes()) {
                Ok(()) => {}
                // Someone else took this id a moment ago: take the next one.
                Err(Error::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::AlreadyExists
                        && matches!(kind, RecordKind::Risk | RecordKind::Treatment) =>
                {
                    continue
                }
                Err(Error::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::AlreadyExists =>
                {
                    return Err(Error::Exists(path))
                }
                Err(e) => return Err(e),
            }
            self.reindex(&path);
            return Ok(Saved {
                id,
                kind,
                revision: Revision::of(text.as_bytes()),
                path,
                changed: true,
            });
        }
    }

    /// Closes a record, keeping it for the audit trail: a risk becomes `closed`, a
    /// treatment gets `closed_on` (refused while actions are open), a document is
    /// withdrawn (`withdrawn_on`), and a treatment action (`action`) becomes `done`.
    /// SoA entries are never closed: every Annex A control stays in the SoA.
    pub fn close(&self, id: &str, action: Option<&str>, today: NaiveDate) -> Result<Saved> {
        let opened = self.open_record(id)?;
        let day = today.format("%Y-%m-%d").to_string();
        let assignments = match (&opened.record, action) {
            (AnyRecord::Treatment(_) | AnyRecord::Nonconformity(_) | AnyRecord::Review(_), Some(action)) => {
                vec![Assignment::parse(&format!("actions.{action}.status=done")).map_err(|m| Error::invalid(&opened.path, "actions", m))?]
            }
            (_, Some(_)) => return Err(Error::invalid(&opened.path, "actions", "only treatments and findings have actions")),
            (AnyRecord::Risk(r), None) => {
                if r.status == RiskStatus::Closed {
                    return Err(Error::invalid(&opened.path, "status", "the risk is already closed"));
                }
                vec![assignment("status", "closed")]
            }
            (AnyRecord::Treatment(t), None) => {
                let open: Vec<&str> = t.open_actions().map(|a| a.id.as_str()).collect();
                if !open.is_empty() {
                    return Err(Error::invalid(
                        &opened.path,
                        "actions",
                        format!("{} still open; mark them done or cancelled first", open.join(", ")),
                    ));
                }
                vec![assignment("closed_on", &day)]
            }
            (AnyRecord::Document(_), None) => vec![assignment("withdrawn_on", &day)],
            (AnyRecord::Control(_), None) => {
                return Err(Error::invalid(
                    &opened.path,
                    "applicable",
                    format!("an SoA entry is never closed: every Annex A control stays in the SoA. To exclude it, set applicable=false with a justification (isms set {id} applicable=false status=not_implemented reasons= justification=…)"),
                ))
            }
            (AnyRecord::Assessment(_), None) => {
                return Err(Error::invalid(&opened.path, "id", "an assessment is a dated record and is not closed"))
            }
            (AnyRecord::Review(_), None) => {
                return Err(Error::invalid(&opened.path, "id", "a management review is a dated record and is not closed; close its actions with --action"))
            }
            (AnyRecord::Objective(_), None) => {
                return Err(Error::invalid(&opened.path, "status", "an objective is judged achieved or missed (status=achieved, status=missed), not closed"))
            }
            (AnyRecord::Evidence(_), None) => {
                return Err(Error::invalid(&opened.path, "collected_on", "evidence is a dated record and is not closed: collect a new piece when it is due"))
            }
            (AnyRecord::Attestation(_), None) => {
                return Err(Error::invalid(&opened.path, "status", "an attestation is not closed: when it is withdrawn or not renewed, set status=lapsed"))
            }
            (AnyRecord::Supplier(_), None) => {
                return Err(Error::invalid(&opened.path, "contract", "a supplier is not closed: when the relationship ends, set contract=expired and say so in its notes, or delete its file in a commit that says why (git keeps its history)"))
            }
            (AnyRecord::Audit(_), None) => {
                return Err(Error::invalid(&opened.path, "status", "an audit is completed (status=completed) or cancelled (status=cancelled), not closed"))
            }
            (AnyRecord::Nonconformity(n), None) => {
                if n.status == crate::domain::FindingStatus::Closed {
                    return Err(Error::invalid(&opened.path, "status", "the finding is already closed"));
                }
                vec![assignment("status", "closed"), assignment("closed_on", &day)]
            }
        };
        self.set(id, &assignments, None, Some(&opened.revision))
    }

    /// The file's bytes, or `None` when there is no file.
    pub(crate) fn read_bytes(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let full = self.resolve(path)?;
        match fs::read(&full) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(full, e)),
        }
    }

    fn parse_bytes(
        &self,
        kind: RecordKind,
        path: &str,
        id: &str,
        bytes: &[u8],
    ) -> Result<ParsedFile> {
        let text = format::decode(path, bytes).map_err(Error::Invalid)?;
        parse_text(kind, path, id, &text).map_err(|errors| {
            let first = errors
                .into_iter()
                .next()
                .expect("a failed parse reports at least one error");
            Error::Invalid(LoadError {
                message: format!("{} (fix the file before changing it here)", first.message),
                ..first
            })
        })
    }

    /// Refuses a record whose references name nothing: an owner that is not a role,
    /// a control outside Annex A, a related or treated risk that does not exist. The
    /// same rules as `isms check` (`domain::references`), applied before the write so
    /// that a save never leaves behind what the check then rejects. A reference that
    /// already named nothing in `before` (the record as it is on disk: a related risk
    /// deleted since) stays a finding of `isms check` and does not block an unrelated
    /// edit. A risk's levels are held to the scales of the methodology in force the
    /// same way. Writes depend on isms.yaml for its roles, domains and scales, so they
    /// are refused while it does not load.
    pub(crate) fn refuse_dangling_references(
        &self,
        record: &AnyRecord,
        before: Option<&AnyRecord>,
        path: &str,
        text: &str,
    ) -> Result<()> {
        let config = self.load_config().map_err(|errors| {
            let first = errors
                .into_iter()
                .next()
                .expect("a failed parse reports at least one error");
            Error::Invalid(LoadError {
                message: format!(
                    "{}; records are not changed until isms.yaml loads, because their roles and domains are checked against it",
                    first.message
                ),
                ..first
            })
        })?;
        // A risk's levels must be on the scales of the methodology in force
        // (`Risk::levels_off_scale`; the reader only knows the widest possible scale).
        if let AnyRecord::Risk(risk) = record {
            let m = &config.methodology;
            if let Some((field, level, size)) = risk.levels_off_scale(m).first() {
                return Err(Error::Invalid(LoadError {
                    path: path.to_string(),
                    line: format::line_of_field(text, field, true),
                    field: Some(field.to_string()),
                    message: format!(
                        "{level} is outside the scale 1–{size} of methodology {}",
                        m.version
                    ),
                }));
            }
        }
        let (files, _) = self.record_files()?;
        let mut themes: Vec<String> = Vec::new();
        for file in files
            .iter()
            .filter(|f| f.kind == Some(RecordKind::Assessment))
        {
            if let Ok(parsed) = self.parse_file(file) {
                if let AnyRecord::Assessment(a) = parsed.record {
                    themes.extend(a.themes.into_iter().map(|t| t.id));
                }
            }
        }
        let catalogue = catalogue::annex_a();
        let known = references::Known {
            config: Some(&config),
            risk_ids: files
                .iter()
                .filter(|f| f.kind == Some(RecordKind::Risk))
                .map(|f| f.stem.as_str())
                .chain(std::iter::once(record.id()).filter(|_| record.kind() == RecordKind::Risk))
                .collect(),
            catalogue_ids: catalogue.iter().map(|c| c.id.as_str()).collect(),
            theme_ids: themes.iter().map(String::as_str).collect(),
            finding_ids: files
                .iter()
                .filter(|f| f.kind == Some(RecordKind::Nonconformity))
                .map(|f| f.stem.as_str())
                .chain(
                    std::iter::once(record.id())
                        .filter(|_| record.kind() == RecordKind::Nonconformity),
                )
                .collect(),
        };
        let dangling = |record: &AnyRecord| match record {
            AnyRecord::Risk(r) => references::of_risk(r, &known),
            AnyRecord::Control(c) => references::of_soa_entry(c, &known),
            AnyRecord::Treatment(t) => references::of_treatment(t, &known),
            AnyRecord::Document(d) => references::of_document(d, &known),
            AnyRecord::Assessment(a) => references::of_assessment(a, &known),
            AnyRecord::Audit(a) => references::of_audit(a, &known),
            AnyRecord::Nonconformity(n) => references::of_nonconformity(n, &known),
            AnyRecord::Objective(o) => references::of_objective(o, &known),
            AnyRecord::Review(v) => references::of_review(v, &known),
            AnyRecord::Supplier(v) => references::of_supplier(v, &known),
            AnyRecord::Attestation(_) => Vec::new(),
            AnyRecord::Evidence(e) => references::of_evidence(e, &known),
        };
        let already = before.map(dangling).unwrap_or_default();
        match dangling(record)
            .into_iter()
            .filter(|d| d.severity == crate::domain::checks::Severity::Error)
            .find(|d| !already.contains(d))
        {
            None => Ok(()),
            Some(d) => Err(Error::Invalid(LoadError {
                path: path.to_string(),
                line: format::line_of_field(text, &d.field, true),
                field: Some(d.field),
                message: d.message,
            })),
        }
    }

    /// Refuses to close a nonconformity that may not be closed yet
    /// ([`crate::domain::Nonconformity::closure_blockers`]: a root cause, the actions
    /// done, an effective review by someone else, a follow-up audit for a major one).
    /// A finding already closed before this save is not held to it again.
    fn refuse_unearned_closure(
        &self,
        record: &AnyRecord,
        before: Option<&AnyRecord>,
        path: &str,
        text: &str,
    ) -> Result<()> {
        use crate::domain::FindingStatus::Closed;
        let AnyRecord::Nonconformity(n) = record else {
            return Ok(());
        };
        let was_closed = matches!(before, Some(AnyRecord::Nonconformity(b)) if b.status == Closed);
        if n.status != Closed || was_closed {
            return Ok(());
        }
        let (audits, _) = self.records_of::<crate::domain::Audit>(RecordKind::Audit)?;
        let audits: Vec<crate::domain::Audit> = audits.into_iter().map(|(a, _)| a).collect();
        let blockers = n.closure_blockers(&audits, self.load_config().ok().as_ref());
        if blockers.is_empty() {
            return Ok(());
        }
        Err(Error::Invalid(LoadError {
            path: path.to_string(),
            line: format::line_of_field(text, "status", true),
            field: Some("status".into()),
            message: format!("{} may not be closed yet: {}", n.id, blockers.join("; ")),
        }))
    }

    /// Validates and writes new text for an existing or new record file.
    pub(crate) fn write_record_text(
        &self,
        kind: RecordKind,
        id: &str,
        path: &str,
        text: &str,
        base: &Revision,
    ) -> Result<Saved> {
        let parsed = parse_text(kind, path, id, text).map_err(first_error)?;
        let before = self
            .read_bytes(path)?
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|old| parse_text(kind, path, id, &old).ok())
            .map(|p| p.record);
        self.refuse_dangling_references(&parsed.record, before.as_ref(), path, text)?;
        self.refuse_unearned_closure(&parsed.record, before.as_ref(), path, text)?;
        let changed = self.put_text(path, id, text, base)?;
        if changed {
            self.reindex(path);
        }
        Ok(Saved {
            id: id.to_string(),
            kind,
            path: path.to_string(),
            revision: Revision::of(text.as_bytes()),
            changed,
        })
    }

    /// Replaces isms.yaml with `text`, which must load; `base` is the revision the
    /// change was decided on. Returns whether the file changed.
    pub(crate) fn write_config_text(&self, text: &str, base: &Revision) -> Result<bool> {
        crate::format::parse_config(text).map_err(first_error)?;
        let changed = self.put_text(CONFIG_FILE, CONFIG_FILE, text, base)?;
        if changed {
            // Scales, bands and roles feed every row: build the index again.
            self.discard_index();
        }
        Ok(changed)
    }

    /// Writes `text` to `path` under the write lock, if the file is still at `base`
    /// (a conflict otherwise, naming `id`), creating it when `base` is absent and
    /// replacing exactly the file checked otherwise. Returns whether it changed.
    fn put_text(&self, path: &str, id: &str, text: &str, base: &Revision) -> Result<bool> {
        let conflict = || Error::Conflict {
            id: id.to_string(),
            path: path.to_string(),
        };
        let _lock = self.write_lock()?;
        let full = self.resolve(path)?;
        let current = self.read_bytes(path)?;
        let current_revision = current
            .as_deref()
            .map_or_else(Revision::absent, Revision::of);
        if current_revision != *base {
            return Err(conflict());
        }
        let changed = current.as_deref() != Some(text.as_bytes());
        if !changed {
            return Ok(false);
        }
        match current.as_deref() {
            None => {
                fs::create_dir_all(
                    full.parent()
                        .expect("a record path has a folder because it is folder/id.md"),
                )
                .map_err(|e| Error::io(&full, e))?;
                crate::fsio::create_atomic(&full, text.as_bytes()).map_err(|e| match e {
                    Error::Io { source, .. }
                        if source.kind() == std::io::ErrorKind::AlreadyExists =>
                    {
                        conflict()
                    }
                    e => e,
                })?;
            }
            // The file the revision was checked on must still be the one replaced
            // once the new text is on disk.
            Some(checked) => {
                if !crate::fsio::replace_if(&full, text.as_bytes(), checked)? {
                    return Err(conflict());
                }
            }
        }
        Ok(true)
    }

    /// Brings the index up to date for a file just written. The write reached the
    /// disk, and that is what the caller is told: an index that cannot take it (it is
    /// damaged, the disk is full) is thrown away, to be built again from the files.
    fn reindex(&self, path: &str) {
        let reindexed = Index::open(self).and_then(|mut index| index.reindex(self, path));
        if let Err(e) = reindexed {
            tracing::warn!(%path, error = %e, "the index did not take a save; it will be built again");
            self.discard_index();
        }
    }

    /// Takes the repository's write lock (one writer at a time, across processes);
    /// released when the returned file is dropped.
    pub(crate) fn write_lock(&self) -> Result<Option<File>> {
        let Some(git_dir) = self.git_dir() else {
            return Ok(None);
        };
        let dir = git_dir.join("isms-desk");
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join("write.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        file.lock().map_err(|e| Error::io(&path, e))?;
        // A write of several files that a dead process began is finished first: the
        // next writer would otherwise sweep away its temporaries, half of the change.
        if let Some(journal) = self.pending_writes() {
            if let Some(moved) = crate::fsio::finish_interrupted_writes(&journal)? {
                tracing::warn!(
                    moved,
                    "finished a write of several files that was interrupted"
                );
                self.discard_index();
            }
        }
        Ok(Some(file))
    }

    /// The journal of a write of several files under way (`Isms::write_all`).
    pub(crate) fn pending_writes(&self) -> Option<std::path::PathBuf> {
        self.git_dir()
            .map(|g| g.join("isms-desk").join("pending-writes"))
    }

    /// The highest number used by a risk or treatment id, on disk or at HEAD (an id is
    /// never reused, even for a file that was deleted).
    fn highest_number(&self, kind: RecordKind) -> Result<u32> {
        let number = |name: &str| -> Option<u32> { kind.number_of(name.strip_suffix(".md")?) };
        let mut highest = 0;
        let folder = self.root().join(kind.folder());
        if let Ok(entries) = fs::read_dir(&folder) {
            for entry in entries.flatten() {
                if let Some(n) = entry.file_name().to_str().and_then(number) {
                    highest = highest.max(n);
                }
            }
        }
        if self.git_dir().is_some() {
            let repo = git2::Repository::open(self.root())?;
            let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
            if let Some(tree) = head {
                highest = highest.max(highest_number_in(&repo, &tree, kind));
            }
        }
        Ok(highest)
    }
}

fn assignment(field: &str, value: &str) -> Assignment {
    Assignment {
        path: vec![field.to_string()],
        operation: edit::Operation::Set,
        value: value.to_string(),
    }
}

fn first_error(errors: Vec<LoadError>) -> Error {
    Error::Invalid(
        errors
            .into_iter()
            .next()
            .expect("a failed parse reports at least one error"),
    )
}

/// What a new record of `kind` starts with: fixed fields (a risk is active, a treatment
/// proposed, a control's title is its Annex A title) and the body's headings.
fn defaults_for_new(kind: RecordKind, id: Option<&str>) -> Result<(Vec<Assignment>, String)> {
    Ok(match kind {
        RecordKind::Risk => (
            vec![assignment("status", "active")],
            RISK_SECTIONS
                .iter()
                .map(|h| format!("## {h}\n\n"))
                .collect(),
        ),
        RecordKind::Treatment => (vec![assignment("decision", "proposed")], String::new()),
        RecordKind::Control => {
            let id = id.ok_or_else(|| {
                Error::invalid(
                    kind.folder(),
                    "id",
                    "give the Annex A control id, e.g. 5.37",
                )
            })?;
            let control = catalogue::annex_a()
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| {
                    Error::invalid(
                        &kind.path(id),
                        "id",
                        format!("`{id}` is not an ISO/IEC 27001:2022 Annex A control"),
                    )
                })?;
            (vec![assignment("title", &control.title)], String::new())
        }
        RecordKind::Document | RecordKind::Assessment => (Vec::new(), String::new()),
        RecordKind::Audit => (vec![assignment("status", "planned")], String::new()),
        RecordKind::Review => (Vec::new(), "## Minutes\n\n".into()),
        RecordKind::Attestation => (vec![assignment("status", "planned")], String::new()),
        RecordKind::Evidence => (Vec::new(), "## What it shows\n\n".into()),
        RecordKind::Supplier => (
            vec![
                assignment("contract", "negotiating"),
                assignment("dpa", "missing"),
            ],
            "## Due diligence\n\n".into(),
        ),
        RecordKind::Objective => (
            vec![assignment("status", "planned")],
            "## How it will be met\n\n".into(),
        ),
        RecordKind::Nonconformity => (
            vec![assignment("status", "open")],
            crate::domain::FINDING_SECTIONS
                .iter()
                .map(|h| format!("## {h}\n\n"))
                .collect(),
        ),
    })
}

/// The canonical text of new record `id`: its id, the defaults the caller did not
/// set, the caller's assignments and `body`, read back as a record to check it.
fn new_record_text(
    kind: RecordKind,
    id: &str,
    path: &str,
    fixed: &[Assignment],
    assignments: &[Assignment],
    body: &str,
) -> Result<String> {
    let mut all = vec![assignment("id", id)];
    // Defaults first, so that the caller's assignments win.
    all.extend(
        fixed
            .iter()
            .filter(|f| !assignments.iter().any(|a| a.field() == f.field()))
            .cloned(),
    );
    for a in assignments {
        check_assignable(kind, path, a)?;
    }
    all.extend(assignments.iter().cloned());
    let front = edit::apply("", &all).map_err(|message| Error::invalid(path, "", message))?;
    let draft = frontmatter::Source {
        bom: false,
        crlf: false,
        front,
        closing_fence: "---".into(),
        body: body.to_string(),
    };
    // The draft is not a file anyone wrote: its line numbers would mislead.
    let parsed = parse_text(kind, path, id, &draft.join()).map_err(|errors| {
        let first = errors
            .into_iter()
            .next()
            .expect("a failed parse reports at least one error");
        Error::Invalid(LoadError {
            line: None,
            ..first
        })
    })?;
    let (fields, new_body) = emit_any(&parsed.record);
    let text = format::write_record(&fields, new_body, None);
    // The caller's own keys (`x-…`) are kept, after ISMS Desk's, as a save keeps them.
    let own: String = draft
        .front
        .split_inclusive('\n')
        .scan(false, |inside, line| {
            if !line.starts_with([' ', '\t']) {
                *inside = line.starts_with("x-");
            }
            Some((*inside).then_some(line))
        })
        .flatten()
        .collect();
    if own.is_empty() {
        return Ok(text);
    }
    let Ok(mut written) = frontmatter::split(&text) else {
        return Ok(text);
    };
    written.front.push_str(&own);
    Ok(written.join())
}

/// Refuses assignments to the id and to fields the kind does not have (a typo would
/// otherwise land as an unknown key). `x-` fields are extensions and always allowed.
fn check_assignable(kind: RecordKind, path: &str, a: &Assignment) -> Result<()> {
    let field = a.field();
    if field == "id" {
        return Err(Error::invalid(
            path,
            "id",
            "the id is the file name and does not change; titles can change freely",
        ));
    }
    if field.starts_with("x-") || kind.keys().contains(&field) {
        return Ok(());
    }
    let hint = crate::domain::words::closest(field, kind.keys())
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default();
    Err(Error::invalid(
        path,
        field,
        format!("a {} has no field `{field}`{hint}", kind.as_str()),
    ))
}

fn check_new_id(kind: RecordKind, id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !id.starts_with(['.', '-']);
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            &format!("{}/{id}.md", kind.folder()),
            "id",
            format!("`{id}` cannot be a file name; use letters, digits, `-`, `_` and `.`"),
        ))
    }
}

/// The highest number of `kind` in `tree`.
pub(crate) fn highest_number_in(
    repo: &git2::Repository,
    tree: &git2::Tree,
    kind: RecordKind,
) -> u32 {
    let Some(folder) = tree
        .get_path(std::path::Path::new(kind.folder()))
        .ok()
        .and_then(|e| e.to_object(repo).ok())
        .and_then(|o| o.into_tree().ok())
    else {
        return 0;
    };
    folder
        .iter()
        .filter_map(|e| kind.number_of(e.name().ok()?.strip_suffix(".md")?))
        .max()
        .unwrap_or(0)
}
