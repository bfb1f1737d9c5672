//! Import of a risk register or an SoA from a spreadsheet laid out its owner's way.
//!
//! The header is found by matching known column names and their synonyms
//! ([`super::columns`]), below any title or blank rows. Each row becomes field
//! assignments, exactly as `isms set` takes them, and each record's new text is made
//! and parsed back as a save would make it — so the **dry run** (the default) has
//! validated everything the real run would and shows the change plan: records to
//! create, to update field by field (old → new), unchanged, rejected; the roles to add;
//! the lines each file gains and loses. Every problem names its cell (`Risks!C7`), the
//! field, the value found and what was expected. Nothing is coerced silently: a value
//! ISMS Desk maps to one of its own words ("In Progress" → active) is listed with the
//! mapping.
//!
//! **Apply** makes the plan again, refuses if the file or HEAD changed since the dry
//! run (the plan's fingerprint), and writes every file or none ([`Isms::write_all`]);
//! with `skip_invalid`, the valid rows are written and the rejected ones listed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::columns::{normal, RiskColumn, SoaColumn, TreatmentColumn, TREATMENT_COLUMNS};
use super::sheet::{self, Grid, Value};
use crate::domain::{
    sections, ControlStatus, InclusionReason, IsmsConfig, Methodology, Rating, Risk, RiskStatus,
    SoaEntry, TreatmentOption, CONFIG_FILE,
};
use crate::format::edit::{Assignment, Operation};
use crate::isms::{parse_text, AnyRecord, Isms, ParsedFile, RecordKind, Revision};
use crate::store::PlannedWrite;
use crate::{Error, Result};

mod treatments;
use treatments::RowRisk;

/// What a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// A risk register.
    Risks,
    /// A Statement of Applicability.
    Soa,
    /// Treatments with their actions: one row per action.
    Treatments,
}

/// How ambiguous dates (`05/12/2026`) are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// Day first: 05/12/2026 is 5 December.
    DayMonth,
    /// Month first: 05/12/2026 is 12 May.
    MonthDay,
}

/// A mapping kept in a file and reused: which column is which field (`ignore` to
/// leave a column out), and which of the file's values is which of ours, by field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Mapping {
    /// Header as the file writes it → field (`likelihood`, `owner`, `ignore`, …).
    pub columns: BTreeMap<String, String>,
    /// Field → (value as the file writes it → value as ISMS Desk writes it).
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

impl Mapping {
    /// A mapping kept in a file (`name`, for the message): JSON with `columns` and
    /// `values`.
    pub fn from_json(name: &str, text: &str) -> Result<Mapping> {
        serde_json::from_str(text).map_err(|e| {
            Error::Invalid(crate::LoadError {
                path: name.to_string(),
                line: Some(e.line()),
                field: None,
                message: format!(
                    "not a mapping: {e}; a mapping is JSON with \"columns\" (header → field) and \"values\" (field → value as written → ours)"
                ),
            })
        })
    }

    /// The mapping as the file keeps it.
    pub fn to_json(&self) -> String {
        let text = serde_json::to_string_pretty(self)
            .expect("a mapping serialises because it is maps of text");
        format!("{text}\n")
    }
}

/// What to import and how.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct ImportOptions {
    /// The sheet; the first one with a recognisable header otherwise.
    pub sheet: Option<String>,
    /// Risks or SoA; told by the header otherwise.
    pub kind: Option<ImportKind>,
    /// How to read ambiguous dates; they are refused otherwise.
    pub date_order: Option<DateOrder>,
    /// A saved mapping.
    pub mapping: Mapping,
    /// Apply: write the valid rows and list the rejected ones.
    pub skip_invalid: bool,
}

/// What a problem is, as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ImportProblemCode {
    /// No row looks like a header of a risk register or an SoA.
    NoHeader,
    /// A level that is not a number or a level name of the methodology's scale.
    UnknownLevel,
    /// A date that cannot be read, or one that could be two dates.
    BadDate,
    /// A value that is none of the words the field takes.
    UnknownValue,
    /// A domain that isms.yaml does not define.
    UnknownDomain,
    /// An Annex A control that does not exist.
    UnknownControl,
    /// A related risk that is neither in the repository nor in the file.
    UnknownRisk,
    /// A finding that no file of `nonconformities/` holds.
    UnknownFinding,
    /// A new risk without a title.
    MissingTitle,
    /// Two rows for one record.
    DuplicateRow,
    /// A formula that gave an error (`#DIV/0!`).
    FormulaError,
    /// The record the row makes does not load (the reader's message).
    Invalid,
    /// An action row that names neither its treatment nor the risks it treats.
    NoTreatment,
    /// An action of a risk that several treatments treat, with no treatment named.
    AmbiguousTreatment,
    /// Not an error: the file's computed score or band differs from ISMS Desk's.
    ScoreDiffers,
    /// Not an error: a row or a column the spreadsheet hides, read like the others.
    Hidden,
}

/// A problem, addressed by cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CellProblem {
    /// What it is.
    pub code: ImportProblemCode,
    /// `Risks!C7`.
    pub cell: String,
    /// The sheet.
    pub sheet: String,
    /// The row as the spreadsheet shows it.
    pub row: u32,
    /// The column letters.
    pub column: String,
    /// The field.
    pub field: String,
    /// The value found.
    pub found: String,
    /// What was expected.
    pub expected: String,
}

/// How one column is read.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ColumnUse {
    /// Its letters.
    pub column: String,
    /// Its header as written.
    pub header: String,
    /// The field it gives, `None` when it is left out.
    pub field: Option<String>,
}

/// A value of the file mapped to one of ISMS Desk's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ValueUse {
    /// The field.
    pub field: String,
    /// As the file writes it.
    pub from: String,
    /// As ISMS Desk writes it.
    pub to: String,
}

/// One field's change.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedField {
    /// The field (or a narrative section's heading).
    pub field: String,
    /// Before (empty for a new record).
    pub old: String,
    /// After.
    pub new: String,
}

/// A record the import creates or updates.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedRecord {
    /// The row it comes from.
    pub row: u32,
    /// The record's id.
    pub id: String,
    /// Its file.
    pub path: String,
    /// Its title.
    pub title: String,
    /// What changes.
    pub fields: Vec<PlannedField>,
}

/// A row that is not imported, with every problem it has.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RejectedRow {
    /// The row.
    pub row: u32,
    /// The id it gives, if any.
    pub id: Option<String>,
    /// Its problems.
    pub problems: Vec<CellProblem>,
}

/// The lines one file gains and loses.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileStat {
    /// The file.
    pub path: String,
    /// Lines added.
    pub added: u32,
    /// Lines removed.
    pub removed: u32,
}

/// What an import will do (a dry run) or did (an apply).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportPlan {
    /// The file's name.
    pub file: String,
    /// The sheet read.
    pub sheet: String,
    /// What it holds.
    pub kind: ImportKind,
    /// The header's row as the spreadsheet shows it.
    pub header_row: u32,
    /// The file, HEAD and options this plan was made from; apply refuses another.
    pub fingerprint: String,
    /// How each column is read.
    pub columns: Vec<ColumnUse>,
    /// What a column of this kind of sheet may be read as (the export's headers).
    pub fields: Vec<String>,
    /// The mapping this plan read the file with ([`ImportPlan::mapping`]), to keep in
    /// a file and reuse.
    pub mapping: Mapping,
    /// Values mapped to ISMS Desk's words.
    pub mapped_values: Vec<ValueUse>,
    /// Records to create.
    pub create: Vec<PlannedRecord>,
    /// Records to update.
    pub update: Vec<PlannedRecord>,
    /// Ids of records the file leaves as they are.
    pub unchanged: Vec<String>,
    /// Rows not imported.
    pub rejected: Vec<RejectedRow>,
    /// Notes that reject nothing (a computed score that differs from ours).
    pub notes: Vec<CellProblem>,
    /// Roles the file's owners need that isms.yaml lacks: (id, title).
    pub roles_to_add: Vec<(String, String)>,
    /// What `git diff --stat` would show.
    pub diff_stat: Vec<FileStat>,
    /// Whether it was written.
    pub applied: bool,
}

impl ImportPlan {
    /// The mapping this plan read the file with, to keep in a file and reuse: every
    /// column's field (`ignore` for one left out) and every value mapped.
    pub fn mapping(&self) -> Mapping {
        let mut mapping = Mapping::default();
        for c in &self.columns {
            mapping.columns.insert(
                c.header.clone(),
                c.field.clone().unwrap_or_else(|| "ignore".into()),
            );
        }
        for v in &self.mapped_values {
            if v.from.starts_with('(') {
                continue;
            }
            mapping
                .values
                .entry(v.field.clone())
                .or_default()
                .insert(v.from.clone(), v.to.clone());
        }
        mapping
    }

    /// Every problem of the rejected rows, for an error file.
    pub fn problems(&self) -> Vec<&CellProblem> {
        self.rejected
            .iter()
            .flat_map(|r| r.problems.iter())
            .collect()
    }
}

/// The problems as CSV: one line per problem, cell first.
pub fn problems_csv(plan: &ImportPlan) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "cell", "sheet", "row", "column", "field", "code", "found", "expected",
    ]);
    for p in plan.problems().into_iter().chain(plan.notes.iter()) {
        let code = serde_json::to_value(p.code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let row = p.row.to_string();
        let _ = w.write_record(
            [
                &p.cell,
                &p.sheet,
                &row,
                &p.column,
                &p.field,
                &code,
                &p.found,
                &p.expected,
            ]
            .map(|t| super::formula_safe(t).into_owned()),
        );
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The problems as JSON: an array of [`CellProblem`]s, the rejected rows' first, then
/// the notes.
pub fn problems_json(plan: &ImportPlan) -> String {
    let all: Vec<&CellProblem> = plan.problems().into_iter().chain(&plan.notes).collect();
    let text = serde_json::to_string_pretty(&all).expect("problems serialise: plain text");
    format!("{text}\n")
}

/// One row's problems while it is read.
struct RowReader<'a> {
    grid: &'a Grid,
    row: usize,
    problems: Vec<CellProblem>,
    notes: Vec<CellProblem>,
}

/// A record's new text as a row makes it, before it joins the plan.
struct PlannedText {
    row: u32,
    id: String,
    path: String,
    title: String,
    /// The file as it is, when the record exists.
    old: Option<String>,
    text: String,
}

impl PlannedText {
    /// Puts the record in the plan: unchanged when its text is, else a write and a
    /// record to create or update with its field changes, from the record as it was
    /// (`old_record`, asked for only when the text changed) to `record`.
    fn into_plan(
        self,
        plan: &mut ImportPlan,
        writes: &mut Vec<PlannedWrite>,
        old_record: impl FnOnce() -> Option<AnyRecord>,
        record: AnyRecord,
    ) {
        if self.old.as_deref() == Some(self.text.as_str()) {
            plan.unchanged.push(self.id);
            return;
        }
        let before = old_record()
            .zip(self.old.as_deref())
            .map(|(r, text)| flat_of(&r, text))
            .unwrap_or_default();
        let planned = PlannedRecord {
            row: self.row,
            title: self.title,
            fields: field_changes(&before, &flat_of(&record, &self.text)),
            id: self.id,
            path: self.path.clone(),
        };
        let exists = self.old.is_some();
        writes.push(PlannedWrite {
            path: self.path,
            base: self
                .old
                .as_deref()
                .map_or_else(Revision::absent, |o| Revision::of(o.as_bytes())),
            text: self.text,
        });
        if exists {
            plan.update.push(planned);
        } else {
            plan.create.push(planned);
        }
    }
}

impl<'a> RowReader<'a> {
    /// Reading row `row` (an index into `grid.rows`), with no problem yet.
    fn new(grid: &'a Grid, row: usize) -> RowReader<'a> {
        RowReader {
            grid,
            row,
            problems: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The record the row makes does not load: the reader's message, at the cell of
    /// the field it names (`col_of`), or at `fallback`.
    fn invalid(&mut self, e: &Error, col_of: impl Fn(&str) -> Option<usize>, fallback: usize) {
        let (field, message) = match e {
            Error::Invalid(l) => (l.field.clone().unwrap_or_default(), l.message.clone()),
            other => (String::new(), other.to_string()),
        };
        let col = col_of(&field).unwrap_or(fallback);
        let found = self.grid.at(self.row, col).shown();
        self.problem(ImportProblemCode::Invalid, col, &field, &found, message);
    }

    fn problem(
        &mut self,
        code: ImportProblemCode,
        col: usize,
        field: &str,
        found: &str,
        expected: impl Into<String>,
    ) {
        let p = CellProblem {
            code,
            cell: self.grid.reference(self.row, col),
            sheet: self.grid.sheet.clone(),
            row: self.grid.row_number(self.row),
            column: self.grid.column_letters(col),
            field: field.to_string(),
            found: found.to_string(),
            expected: expected.into(),
        };
        if code == ImportProblemCode::ScoreDiffers {
            self.notes.push(p);
        } else {
            self.problems.push(p);
        }
    }
}

/// Everything the rows are read against.
struct Context<'a> {
    config: &'a IsmsConfig,
    options: &'a ImportOptions,
    catalogue: Vec<crate::catalogue::AnnexAControl>,
    mapped: BTreeSet<ValueUse>,
    roles_to_add: Vec<(String, String)>,
}

impl Context<'_> {
    /// A value the saved mapping gives for `field`.
    fn mapped(&self, field: &str, text: &str) -> Option<String> {
        self.options.mapping.values.get(field).and_then(|m| {
            m.iter()
                .find(|(k, _)| k.trim().eq_ignore_ascii_case(text.trim()))
                .map(|(_, v)| v.clone())
        })
    }

    fn note_mapping(&mut self, field: &str, from: &str, to: &str) {
        if from != to {
            self.mapped.insert(ValueUse {
                field: field.into(),
                from: from.into(),
                to: to.into(),
            });
        }
    }
}

impl Isms {
    /// The change plan of importing `name` (`bytes`), writing nothing.
    pub fn import_plan(
        &self,
        name: &str,
        bytes: &[u8],
        options: &ImportOptions,
    ) -> Result<ImportPlan> {
        let (plan, _) = self.plan_import(name, bytes, options)?;
        Ok(plan)
    }

    /// Imports `name` as the dry run `fingerprint` showed it: every file or none (or
    /// the valid rows with `skip_invalid`). Refused when the file, HEAD or the options
    /// changed since.
    pub fn import_apply(
        &self,
        name: &str,
        bytes: &[u8],
        options: &ImportOptions,
        fingerprint: &str,
    ) -> Result<ImportPlan> {
        let (mut plan, writes) = self.plan_import(name, bytes, options)?;
        if plan.fingerprint != fingerprint {
            return Err(Error::Usage(format!(
                "{name} or the repository changed since the dry run (its plan was {fingerprint}, now {}); run the dry run again and check its plan",
                plan.fingerprint
            )));
        }
        if !plan.rejected.is_empty() && !options.skip_invalid {
            return Err(Error::Usage(format!(
                "{} rows are rejected ({}); correct them, or import the valid rows with --skip-invalid. Nothing was written.",
                plan.rejected.len(),
                plan.problems().first().map(|p| format!("first: {} {}: {}", p.cell, p.field, p.expected)).unwrap_or_default()
            )));
        }
        self.write_all(&writes)?;
        plan.applied = true;
        Ok(plan)
    }

    fn plan_import(
        &self,
        name: &str,
        bytes: &[u8],
        options: &ImportOptions,
    ) -> Result<(ImportPlan, Vec<PlannedWrite>)> {
        let config = self
            .load_config()
            .map_err(|mut e| Error::Invalid(e.remove(0)))?;
        let grids = sheet::read(name, bytes)?;
        let (grid, kind, header) = find_header(&grids, options).ok_or_else(|| {
            Error::Usage(format!(
                "{name}: no sheet{} has a header ISMS Desk recognises (a row with columns such as Risk ID, Title, Likelihood, Impact, Owner; or Control, Applicable, Justification). Name the columns in a mapping file.",
                options.sheet.as_deref().map(|s| format!(" named {s}")).unwrap_or_default()
            ))
        })?;
        let mut ctx = Context {
            config: &config,
            options,
            catalogue: crate::catalogue::annex_a(),
            mapped: BTreeSet::new(),
            roles_to_add: Vec::new(),
        };
        let head = crate::git::repository(self)
            .ok()
            .and_then(|r| r.head().ok().and_then(|h| h.target()))
            .map(|o| o.to_string())
            .unwrap_or_default();
        let mut seed = bytes.to_vec();
        seed.extend_from_slice(head.as_bytes());
        // What is read and how; not whether the rejected rows are skipped on apply.
        let read_as = ImportOptions {
            skip_invalid: false,
            ..options.clone()
        };
        seed.extend_from_slice(
            serde_json::to_string(&read_as)
                .unwrap_or_default()
                .as_bytes(),
        );
        let fingerprint = git2::Oid::hash_object(git2::ObjectType::Blob, &seed)
            .map(|o| o.to_string()[..16].to_string())
            .unwrap_or_default();
        let columns: Vec<ColumnUse> = header
            .iter()
            .map(|(col, text, field)| ColumnUse {
                column: grid.column_letters(*col),
                header: text.clone(),
                field: field.clone(),
            })
            .collect();
        let mut plan = ImportPlan {
            file: name.to_string(),
            sheet: grid.sheet.clone(),
            kind,
            header_row: grid.row_number(header_row_of(&header, grid)),
            fingerprint,
            columns,
            fields: match kind {
                ImportKind::Risks => super::columns::RISK_COLUMNS
                    .iter()
                    .chain(&super::columns::RISK_ACTION_COLUMNS)
                    .map(|c| c.header().to_string())
                    .collect(),
                // What a column may be read as: not the computed "cited by".
                ImportKind::Soa => super::columns::SOA_COLUMNS
                    .into_iter()
                    .filter(|c| *c != SoaColumn::CitedBy)
                    .filter_map(soa_header)
                    .map(str::to_string)
                    .collect(),
                ImportKind::Treatments => TREATMENT_COLUMNS
                    .iter()
                    .map(|c| c.header().to_string())
                    .collect(),
            },
            mapping: Mapping::default(),
            mapped_values: Vec::new(),
            create: Vec::new(),
            update: Vec::new(),
            unchanged: Vec::new(),
            rejected: Vec::new(),
            notes: Vec::new(),
            roles_to_add: Vec::new(),
            diff_stat: Vec::new(),
            applied: false,
        };
        let first_row = header_row_of(&header, grid) + 1;
        let mut writes = match kind {
            ImportKind::Risks => {
                let (mut writes, row_risks) =
                    self.plan_risks(grid, &header, &mut ctx, &mut plan)?;
                // A register that keeps an action on each risk's row: the actions join
                // the risks' treatments.
                let actions: Vec<(usize, TreatmentColumn)> = header
                    .iter()
                    .filter_map(|(col, _, field)| {
                        let c = field.as_deref().and_then(risk_column_of)?;
                        c.action().map(|a| (*col, a))
                    })
                    .collect();
                if actions
                    .iter()
                    .any(|(_, c)| *c == TreatmentColumn::Description)
                {
                    writes.extend(self.plan_treatments(
                        grid,
                        first_row,
                        &actions,
                        Some(&row_risks),
                        &mut ctx,
                        &mut plan,
                    )?);
                }
                writes
            }
            ImportKind::Soa => self.plan_soa(grid, &header, &mut ctx, &mut plan)?,
            ImportKind::Treatments => {
                let columns: Vec<(usize, TreatmentColumn)> = header
                    .iter()
                    .filter_map(|(col, _, field)| {
                        field
                            .as_deref()
                            .and_then(treatment_column_of)
                            .map(|c| (*col, c))
                    })
                    .collect();
                self.plan_treatments(grid, first_row, &columns, None, &mut ctx, &mut plan)?
            }
        };
        plan.notes
            .splice(0..0, hidden_notes(grid, &header, first_row));
        plan.mapped_values = ctx.mapped.into_iter().collect();
        plan.mapping = plan.mapping();
        plan.roles_to_add = ctx.roles_to_add.clone();
        if !ctx.roles_to_add.is_empty() {
            let text = self.read_text(CONFIG_FILE).map_err(Error::Invalid)?;
            let added = with_roles(&text, &ctx.roles_to_add);
            crate::format::parse_config(&added).map_err(|mut e| Error::Invalid(e.remove(0)))?;
            writes.insert(
                0,
                PlannedWrite {
                    path: CONFIG_FILE.into(),
                    base: Revision::of(text.as_bytes()),
                    text: added,
                },
            );
        }
        for w in &writes {
            let old = self
                .read_bytes(&w.path)?
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let diff = similar::TextDiff::from_lines(&old, &w.text);
            let (mut added, mut removed) = (0, 0);
            for change in diff.iter_all_changes() {
                match change.tag() {
                    similar::ChangeTag::Insert => added += 1,
                    similar::ChangeTag::Delete => removed += 1,
                    similar::ChangeTag::Equal => {}
                }
            }
            plan.diff_stat.push(FileStat {
                path: w.path.clone(),
                added,
                removed,
            });
        }
        Ok((plan, writes))
    }

    fn plan_risks(
        &self,
        grid: &Grid,
        header: &[(usize, String, Option<String>)],
        ctx: &mut Context,
        plan: &mut ImportPlan,
    ) -> Result<(Vec<PlannedWrite>, HashMap<usize, RowRisk>)> {
        // Action columns are read by `plan_treatments`, not here.
        let columns: Vec<(usize, RiskColumn)> = header
            .iter()
            .filter_map(|(col, _, field)| {
                field.as_deref().and_then(risk_column_of).map(|c| (*col, c))
            })
            .filter(|(_, c)| c.action().is_none())
            .collect();
        let mut row_risks = HashMap::new();
        let (existing, _) = self.records_of_kind(RecordKind::Risk)?;
        // Each risk as read (kept to edit it without reading its file again) and as a
        // record.
        let mut parsed_of: HashMap<String, ParsedFile> = HashMap::new();
        let mut by_id: HashMap<String, (Risk, Vec<u8>)> = HashMap::new();
        for (parsed, bytes) in existing {
            if let AnyRecord::Risk(r) = &parsed.record {
                by_id.insert(r.id.clone(), (r.clone(), bytes));
                parsed_of.insert(r.id.clone(), parsed);
            }
        }
        let source_ids: HashMap<String, String> = by_id
            .iter()
            .filter_map(|(id, (_, bytes))| source_id_of(bytes).map(|s| (s, id.clone())))
            .collect();
        let mut next = by_id
            .keys()
            .filter_map(|id| RecordKind::Risk.number_of(id))
            .max()
            .unwrap_or(0);
        let first = header_row_of(header, grid) + 1;
        // The ids the file gives, so a related risk may name a row below it.
        let file_ids: BTreeSet<String> = (first..grid.rows.len())
            .filter_map(|r| {
                columns
                    .iter()
                    .find(|(_, c)| *c == RiskColumn::Id)
                    .map(|(col, _)| grid.at(r, *col).shown().trim().to_string())
            })
            .filter(|s| !s.is_empty())
            .collect();
        // The findings a risk may cite: those with a file (loaded or not).
        let finding_ids: BTreeSet<String> = self
            .record_files()?
            .0
            .into_iter()
            .filter(|f| f.kind == Some(RecordKind::Nonconformity))
            .map(|f| f.stem)
            .collect();
        let mut seen: HashMap<String, u32> = HashMap::new();
        let mut writes = Vec::new();
        let m = &ctx.config.methodology.clone();
        for r in first..grid.rows.len() {
            if grid.rows[r].iter().all(Value::is_blank) {
                continue;
            }
            let mut row = RowReader::new(grid, r);
            let mut assignments: Vec<Assignment> = Vec::new();
            let mut sections_given: Vec<(&'static str, String)> = Vec::new();
            let mut levels: HashMap<RiskColumn, u8> = HashMap::new();
            let mut computed: Vec<(usize, RiskColumn, Value)> = Vec::new();
            let mut given_id = None;
            let mut title = None;
            for (col, column) in &columns {
                let value = grid.at(r, *col).clone();
                let is_computed = matches!(
                    column,
                    RiskColumn::Score
                        | RiskColumn::Band
                        | RiskColumn::ResidualScore
                        | RiskColumn::ResidualBand
                );
                if let Value::Error(e) = &value {
                    if is_computed {
                        // The file's own score is never imported; its error stops nothing.
                        row.problem(ImportProblemCode::ScoreDiffers, *col, column.header(), e, "the file's formula gives an error here; ISMS Desk scores the row's levels itself");
                    } else {
                        let field = column.field().unwrap_or(column.header());
                        row.problem(
                            ImportProblemCode::FormulaError,
                            *col,
                            field,
                            e,
                            "a value; the formula in this cell gives an error",
                        );
                    }
                    continue;
                }
                match column {
                    RiskColumn::Score
                    | RiskColumn::Band
                    | RiskColumn::ResidualScore
                    | RiskColumn::ResidualBand => {
                        computed.push((*col, *column, value));
                        continue;
                    }
                    RiskColumn::Section(heading) => {
                        sections_given.push((heading, value.shown().trim().to_string()));
                        continue;
                    }
                    _ => {}
                }
                let field = column.field().expect("an imported column has a field");
                let text = value.shown().trim().to_string();
                let set = match column {
                    RiskColumn::Id => {
                        given_id = (!text.is_empty()).then(|| text.clone());
                        continue;
                    }
                    RiskColumn::Title => {
                        title = (!text.is_empty()).then(|| text.clone());
                        Some(text_value(&text))
                    }
                    RiskColumn::Likelihood | RiskColumn::ResidualLikelihood => {
                        let l = read_level(&mut row, ctx, *col, field, &value, &m.likelihood);
                        if let Some(l) = l {
                            levels.insert(*column, l);
                        }
                        l.map(|l| l.to_string())
                            .or_else(|| value.is_blank().then(String::new))
                    }
                    RiskColumn::Impact | RiskColumn::ResidualImpact => {
                        let i = read_level(&mut row, ctx, *col, field, &value, &m.impact);
                        if let Some(i) = i {
                            levels.insert(*column, i);
                        }
                        i.map(|i| i.to_string())
                            .or_else(|| value.is_blank().then(String::new))
                    }
                    RiskColumn::Status => read_word(&mut row, ctx, *col, field, &text, status_word),
                    RiskColumn::Treatment => {
                        read_word(&mut row, ctx, *col, field, &text, treatment_word)
                    }
                    RiskColumn::Owner => read_owner(&mut row, ctx, *col, &text),
                    RiskColumn::Domain => read_domain(&mut row, ctx, *col, &text),
                    RiskColumn::Controls => read_controls(&mut row, ctx, *col, "controls", &text),
                    RiskColumn::Findings => {
                        let ids = split_list(&text);
                        for id in ids.iter().filter(|id| !finding_ids.contains(*id)) {
                            row.problem(
                                ImportProblemCode::UnknownFinding,
                                *col,
                                field,
                                id,
                                "a finding of nonconformities/ (NC-001)",
                            );
                        }
                        Some(list_text(&ids))
                    }
                    RiskColumn::Related => {
                        let ids = split_list(&text);
                        for id in &ids {
                            if !by_id.contains_key(id) && !file_ids.contains(id) {
                                row.problem(
                                    ImportProblemCode::UnknownRisk,
                                    *col,
                                    field,
                                    id,
                                    "a risk id of the repository or of this file",
                                );
                            }
                        }
                        Some(list_text(&ids))
                    }
                    RiskColumn::Themes => Some(list_text(&split_list(&text))),
                    RiskColumn::ReviewedOn | RiskColumn::NextReview => {
                        read_date(&mut row, ctx, *col, field, &value)
                            .map(|d| d.map(|d| d.to_string()).unwrap_or_default())
                    }
                    RiskColumn::Provisional => match normal(&text).as_str() {
                        // Not provisional: the flag is left out, as files write it.
                        "" | "no" | "n" | "false" | "0" => Some(String::new()),
                        "yes" | "y" | "true" | "x" | "1" | "provisional" => Some("true".into()),
                        _ => {
                            row.problem(
                                ImportProblemCode::UnknownValue,
                                *col,
                                field,
                                &text,
                                "yes or no",
                            );
                            None
                        }
                    },
                    RiskColumn::DeferredTo | RiskColumn::MethodologyVersion => {
                        Some(text_value(&text))
                    }
                    _ => None,
                };
                if let Some(value) = set {
                    assignments.push(Assignment {
                        path: vec![field.to_string()],
                        operation: Operation::Set,
                        value,
                    });
                }
            }
            // The record: an existing one by id (or by the id the file gave it before).
            let existing = given_id.as_ref().and_then(|g| {
                by_id
                    .get(g)
                    .or_else(|| source_ids.get(g).and_then(|id| by_id.get(id)))
            });
            let id = match (existing, &given_id) {
                (Some((risk, _)), _) => risk.id.clone(),
                (None, Some(g)) if RecordKind::Risk.number_of(g).is_some() => g.clone(),
                _ => {
                    next += 1;
                    RecordKind::Risk.numbered(next).expect("risks are numbered")
                }
            };
            let key = given_id.clone().unwrap_or_else(|| id.clone());
            if let Some(first_row) = seen.insert(key.clone(), grid.row_number(r)) {
                let col = columns
                    .iter()
                    .find(|(_, c)| *c == RiskColumn::Id)
                    .map_or(0, |(c, _)| *c);
                row.problem(
                    ImportProblemCode::DuplicateRow,
                    col,
                    "id",
                    &key,
                    format!("one row per risk; row {first_row} has it too"),
                );
            }
            if existing.is_none() && title.is_none() {
                let col = columns
                    .iter()
                    .find(|(_, c)| *c == RiskColumn::Title)
                    .map_or(0, |(c, _)| *c);
                row.problem(
                    ImportProblemCode::MissingTitle,
                    col,
                    "title",
                    "",
                    "a title for a new risk",
                );
            }
            // A register without domains: new risks go to the ISMS's one domain in
            // scope, and the plan says so.
            if existing.is_none() && !columns.iter().any(|(_, c)| *c == RiskColumn::Domain) {
                let in_scope: Vec<&crate::domain::RiskDomain> = ctx
                    .config
                    .domains
                    .iter()
                    .filter(|d| d.status == crate::domain::DomainStatus::InScope)
                    .collect();
                match in_scope.as_slice() {
                    [only] => {
                        let only = only.id.clone();
                        ctx.note_mapping("domain", "(no domain column)", &only);
                        assignments.push(Assignment {
                            path: vec!["domain".into()],
                            operation: Operation::Set,
                            value: only,
                        });
                    }
                    _ => {
                        let col = columns
                            .iter()
                            .find(|(_, c)| *c == RiskColumn::Title)
                            .map_or(0, |(c, _)| *c);
                        row.problem(
                            ImportProblemCode::UnknownDomain,
                            col,
                            "domain",
                            "",
                            "a Domain column: isms.yaml has more than one domain in scope",
                        );
                    }
                }
            }
            if let (None, Some(g)) = (existing, &given_id) {
                if g != &id {
                    assignments.push(Assignment {
                        path: vec!["x-source-id".into()],
                        operation: Operation::Set,
                        value: text_value(g),
                    });
                }
            }
            // Computed columns are compared with the score of the row's own levels.
            compare_computed(&mut row, m, &levels, &computed);
            let path = RecordKind::Risk.path(&id);
            let made = if row.problems.is_empty() {
                let body_base = existing
                    .map(|(r, _)| r.body.clone())
                    .unwrap_or_else(default_risk_body);
                // A section is written only when the cell says something other than
                // the record: an empty cell does not add an empty section.
                let written: BTreeMap<String, String> = sections(&body_base)
                    .into_iter()
                    .map(|(h, t)| (h, t.trim().to_string()))
                    .collect();
                let body = sections_given
                    .iter()
                    .filter(|(h, t)| written.get(*h).map_or(!t.is_empty(), |old| old != t))
                    .fold(body_base.clone(), |b, (h, t)| {
                        crate::domain::replace_section(&b, h, t)
                    });
                let body = (body != body_base || existing.is_none()).then_some(body);
                let made = match existing {
                    Some((risk, bytes)) => {
                        // Only what the row changes is assigned, so the rest of the
                        // file stays as written.
                        let flat = crate::git::changes::flat_fields(&AnyRecord::Risk(risk.clone()));
                        let changed: Vec<Assignment> = assignments
                            .iter()
                            .filter(|a| differs(&flat, a))
                            .cloned()
                            .collect();
                        if changed.is_empty() && body.is_none() {
                            Ok((
                                String::from_utf8_lossy(bytes).into_owned(),
                                AnyRecord::Risk(risk.clone()),
                            ))
                        } else {
                            self.edited_record(
                                RecordKind::Risk,
                                &path,
                                &id,
                                &parsed_of[&risk.id],
                                &changed,
                                body.as_deref(),
                            )
                        }
                    }
                    None => self
                        .new_text(RecordKind::Risk, &id, &assignments, body.as_deref())
                        .and_then(|t| {
                            parse_text(RecordKind::Risk, &path, &id, &t)
                                .map(|p| (t, p.record))
                                .map_err(|mut e| Error::Invalid(e.remove(0)))
                        }),
                };
                match made.and_then(|(t, record)| {
                    check_risk(ctx.config, &path, &record).map(|()| (t, record))
                }) {
                    Ok(made) => Some(made),
                    Err(e) => {
                        row.invalid(
                            &e,
                            |f| {
                                columns
                                    .iter()
                                    .find(|(_, c)| c.field() == Some(f))
                                    .map(|(c, _)| *c)
                            },
                            0,
                        );
                        None
                    }
                }
            } else {
                None
            };
            plan.notes.append(&mut row.notes);
            if !row.problems.is_empty() {
                plan.rejected.push(RejectedRow {
                    row: grid.row_number(r),
                    id: given_id,
                    problems: row.problems,
                });
                continue;
            }
            let (text, record) = made.expect("a row without problems has its text");
            if let AnyRecord::Risk(risk) = &record {
                row_risks.insert(
                    r,
                    RowRisk {
                        id: risk.id.clone(),
                        title: risk.title.clone(),
                        option: risk.treatment.map(|t| t.as_str().to_string()),
                    },
                );
            }
            let planned = PlannedText {
                row: grid.row_number(r),
                title: title
                    .clone()
                    .or_else(|| existing.map(|(r, _)| r.title.clone()))
                    .unwrap_or_default(),
                id,
                path,
                old: existing.map(|(_, b)| String::from_utf8_lossy(b).into_owned()),
                text,
            };
            planned.into_plan(
                plan,
                &mut writes,
                || existing.map(|(r, _)| AnyRecord::Risk(r.clone())),
                record,
            );
        }
        Ok((writes, row_risks))
    }

    fn plan_soa(
        &self,
        grid: &Grid,
        header: &[(usize, String, Option<String>)],
        ctx: &mut Context,
        plan: &mut ImportPlan,
    ) -> Result<Vec<PlannedWrite>> {
        let columns: Vec<(usize, SoaColumn)> = header
            .iter()
            .filter_map(|(col, _, field)| {
                field.as_deref().and_then(soa_column_of).map(|c| (*col, c))
            })
            .collect();
        let (existing, _) = self.records_of_kind(RecordKind::Control)?;
        let by_id: HashMap<String, (SoaEntry, Vec<u8>)> = existing
            .into_iter()
            .filter_map(|(parsed, bytes)| match parsed.record {
                AnyRecord::Control(c) => Some((c.id.clone(), (c, bytes))),
                _ => None,
            })
            .collect();
        let mut writes = Vec::new();
        let mut seen: HashMap<String, u32> = HashMap::new();
        for r in header_row_of(header, grid) + 1..grid.rows.len() {
            if grid.rows[r].iter().all(Value::is_blank) {
                continue;
            }
            let mut row = RowReader::new(grid, r);
            let mut assignments = Vec::new();
            let mut id = None;
            for (col, column) in &columns {
                let value = grid.at(r, *col).clone();
                let text = value.shown().trim().to_string();
                let Some(field) = column.field() else {
                    continue;
                };
                let set = match column {
                    SoaColumn::Control => {
                        match control_id(&text).filter(|c| ctx.catalogue.iter().any(|x| &x.id == c))
                        {
                            Some(c) => id = Some((c, *col)),
                            None => row.problem(
                                ImportProblemCode::UnknownControl,
                                *col,
                                field,
                                &text,
                                "an Annex A control: 5.1 … 8.34 (A.8.13 and A8.13 are read too)",
                            ),
                        }
                        continue;
                    }
                    SoaColumn::Applicable => match &value {
                        Value::Bool(b) => Some(b.to_string()),
                        _ => match normal(&text).as_str() {
                            "yes" | "y" | "true" | "x" | "1" | "applicable" | "included"
                            | "in scope" => Some("true".into()),
                            "no" | "n" | "false" | "0" | "not applicable" | "excluded" | "n a"
                            | "na" => Some("false".into()),
                            _ => {
                                row.problem(
                                    ImportProblemCode::UnknownValue,
                                    *col,
                                    field,
                                    &text,
                                    "yes or no",
                                );
                                None
                            }
                        },
                    },
                    SoaColumn::Status => {
                        read_word(&mut row, ctx, *col, field, &text, control_status_word)
                    }
                    SoaColumn::Owner => read_owner(&mut row, ctx, *col, &text),
                    SoaColumn::Reasons => {
                        let mut words = Vec::new();
                        for item in split_list(&text) {
                            if let Some(w) =
                                read_word(&mut row, ctx, *col, field, &item, reason_word)
                            {
                                words.push(w);
                            }
                        }
                        Some(list_text(&words))
                    }
                    SoaColumn::Justification => Some(text_value(&text)),
                    SoaColumn::Evidence => Some(list_text(
                        &text
                            .split([';', '\n'])
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect::<Vec<_>>(),
                    )),
                    SoaColumn::Title | SoaColumn::CitedBy => None,
                };
                if let Some(value) = set {
                    assignments.push(Assignment {
                        path: vec![field.to_string()],
                        operation: Operation::Set,
                        value,
                    });
                }
            }
            let Some((id, id_col)) = id else {
                if row.problems.is_empty() {
                    row.problem(
                        ImportProblemCode::UnknownControl,
                        0,
                        "id",
                        "",
                        "the control's id in the control column",
                    );
                }
                plan.rejected.push(RejectedRow {
                    row: grid.row_number(r),
                    id: None,
                    problems: row.problems,
                });
                continue;
            };
            if let Some(first) = seen.insert(id.clone(), grid.row_number(r)) {
                row.problem(
                    ImportProblemCode::DuplicateRow,
                    id_col,
                    "id",
                    &id,
                    format!("one row per control; row {first} has it too"),
                );
            }
            let path = RecordKind::Control.path(&id);
            let existing = by_id.get(&id);
            let text = if row.problems.is_empty() {
                let made = match existing {
                    Some((entry, bytes)) => {
                        let flat =
                            crate::git::changes::flat_fields(&AnyRecord::Control(entry.clone()));
                        let changed: Vec<Assignment> = assignments
                            .iter()
                            .filter(|a| differs(&flat, a))
                            .cloned()
                            .collect();
                        if changed.is_empty() {
                            Ok(String::from_utf8_lossy(bytes).into_owned())
                        } else {
                            self.edited_text(RecordKind::Control, &path, &id, bytes, &changed, None)
                        }
                    }
                    None => self.new_text(RecordKind::Control, &id, &assignments, None),
                };
                match made {
                    Ok(t) => Some(t),
                    Err(e) => {
                        row.invalid(
                            &e,
                            |f| {
                                columns
                                    .iter()
                                    .find(|(_, c)| c.field() == Some(f))
                                    .map(|(c, _)| *c)
                            },
                            id_col,
                        );
                        None
                    }
                }
            } else {
                None
            };
            if !row.problems.is_empty() {
                plan.rejected.push(RejectedRow {
                    row: grid.row_number(r),
                    id: Some(id),
                    problems: row.problems,
                });
                continue;
            }
            let text = text.expect("a row without problems has its text");
            let record = parse_text(RecordKind::Control, &path, &id, &text)
                .expect("the text was made by a save's own parse, or is the file that loaded")
                .record;
            let planned = PlannedText {
                row: grid.row_number(r),
                title: existing.map(|(e, _)| e.title.clone()).unwrap_or_default(),
                id,
                path,
                old: existing.map(|(_, b)| String::from_utf8_lossy(b).into_owned()),
                text,
            };
            planned.into_plan(
                plan,
                &mut writes,
                || existing.map(|(e, _)| AnyRecord::Control(e.clone())),
                record,
            );
        }
        Ok(writes)
    }

    /// Every record of `kind` with the bytes it was read from.
    fn records_of_kind(&self, kind: RecordKind) -> Result<(RecordsRead, usize)> {
        let (files, _) = self.record_files()?;
        let mut out = Vec::new();
        let mut broken = 0;
        for file in files.iter().filter(|f| f.kind == Some(kind)) {
            let Some(bytes) = self.read_bytes(&file.path)? else {
                continue;
            };
            let Ok(text) = std::str::from_utf8(&bytes) else {
                broken += 1;
                continue;
            };
            match parse_text(kind, &file.path, &file.stem, text) {
                Ok(parsed) => out.push((parsed, bytes)),
                Err(_) => broken += 1,
            }
        }
        Ok((out, broken))
    }
}

/// Notes for what the spreadsheet hides but the import reads: each hidden column that
/// gives a field (at its header), each hidden row that holds something (at its first
/// cell). Nothing is left out because it is hidden; the person sees that it is read.
fn hidden_notes(grid: &Grid, header: &Header, first_row: usize) -> Vec<CellProblem> {
    let note = |row: usize, col: usize, field: &str, found: String, expected: &str| CellProblem {
        code: ImportProblemCode::Hidden,
        cell: grid.reference(row, col),
        sheet: grid.sheet.clone(),
        row: grid.row_number(row),
        column: grid.column_letters(col),
        field: field.to_string(),
        found,
        expected: expected.to_string(),
    };
    let header_row = first_row.saturating_sub(1);
    let mut notes: Vec<CellProblem> = header
        .iter()
        .filter(|(col, _, field)| field.is_some() && grid.column_hidden(*col))
        .map(|(col, text, field)| {
            note(
                header_row,
                *col,
                field.as_deref().unwrap_or_default(),
                text.clone(),
                "a hidden column, read like the others; map it to \"left out\" (ignore) if it should not be imported",
            )
        })
        .collect();
    let first_col = header.first().map_or(0, |(c, _, _)| *c);
    for r in first_row..grid.rows.len() {
        if grid.row_hidden(r) && !grid.rows[r].iter().all(Value::is_blank) {
            notes.push(note(
                r,
                first_col,
                "",
                grid.at(r, first_col).shown(),
                "a hidden row, imported like the others",
            ));
        }
    }
    notes
}

/// Records with the bytes each was read from.
type RecordsRead = Vec<(ParsedFile, Vec<u8>)>;

/// A header: each column's index, its text, and the field it gives.
type Header = Vec<(usize, String, Option<String>)>;

/// The new risk's body: the standard sections, empty.
fn default_risk_body() -> String {
    crate::domain::RISK_SECTIONS
        .iter()
        .map(|h| format!("\n## {h}\n"))
        .collect()
}

/// A risk as the import makes it, held to the methodology's scales and the domains of
/// isms.yaml as a save is.
fn check_risk(config: &IsmsConfig, path: &str, record: &AnyRecord) -> Result<()> {
    if let AnyRecord::Risk(risk) = record {
        let m = &config.methodology;
        if let Some((field, level, size)) = risk.levels_off_scale(m).first() {
            return Err(Error::invalid(
                path,
                field,
                format!(
                    "{level} is outside the scale 1–{size} of methodology {}",
                    m.version
                ),
            ));
        }
        if config.domain(&risk.domain).is_none() {
            return Err(Error::invalid(
                path,
                "domain",
                format!("`{}` is not a domain of isms.yaml", risk.domain),
            ));
        }
    }
    Ok(())
}

/// A record's fields as people read them, its narrative sections (`## Heading`) and
/// the user's own `x-` keys as written.
fn flat_of(record: &AnyRecord, text: &str) -> BTreeMap<String, String> {
    let mut out = crate::git::changes::flat_fields(record);
    for (heading, text) in sections(record.body()) {
        out.insert(format!("## {heading}"), text.trim().to_string());
    }
    if let Ok(source) = crate::format::frontmatter::split(text) {
        for line in source.front.lines().filter(|l| l.starts_with("x-")) {
            if let Some((k, v)) = line.split_once(':') {
                out.insert(k.to_string(), v.trim().trim_matches('"').to_string());
            }
        }
    }
    out
}

/// The fields that differ between a record before and after, as people read them.
fn field_changes(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<PlannedField> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        // A new record's empty fields and unset flags are not changes worth a line.
        .filter(|k| {
            before.contains_key(*k) || !after.get(*k).is_some_and(|v| v.is_empty() || v == "false")
        })
        .map(|k| PlannedField {
            field: k.trim_start_matches("## ").to_string(),
            old: before.get(k).cloned().unwrap_or_default(),
            new: after.get(k).cloned().unwrap_or_default(),
        })
        .collect()
}

/// The header: the sheet (the one named, else the first with a header), what it holds,
/// and for each column its index, header text and the field it gives.
fn find_header<'g>(
    grids: &'g [Grid],
    options: &ImportOptions,
) -> Option<(&'g Grid, ImportKind, Header)> {
    let mut best: Option<(&Grid, ImportKind, usize, Header)> = None;
    for grid in grids
        .iter()
        .filter(|g| options.sheet.as_deref().is_none_or(|s| s == g.sheet))
    {
        for r in 0..grid.rows.len().min(25) {
            for kind in [ImportKind::Risks, ImportKind::Soa, ImportKind::Treatments] {
                if options.kind.is_some_and(|k| k != kind) {
                    continue;
                }
                let columns: Vec<(usize, String, Option<String>)> = grid.rows[r]
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !v.is_blank())
                    .map(|(c, v)| {
                        let text = v.shown().trim().to_string();
                        let field = match options
                            .mapping
                            .columns
                            .iter()
                            .find(|(h, _)| normal(h) == normal(&text))
                        {
                            Some((_, f)) if f == "ignore" => None,
                            Some((_, f)) => Some(f.clone()),
                            None => match kind {
                                ImportKind::Risks => {
                                    RiskColumn::from_header(&text).map(|c| c.header().to_string())
                                }
                                ImportKind::Soa => SoaColumn::from_header(&text)
                                    .and_then(|c| soa_header(c).map(str::to_string)),
                                ImportKind::Treatments => TreatmentColumn::from_header(&text)
                                    .map(|c| c.header().to_string()),
                            },
                        };
                        (c, text, field)
                    })
                    .collect();
                let known = columns.iter().filter(|c| c.2.is_some()).count();
                let is = |c: &(usize, String, Option<String>)| -> Option<Fields> {
                    let name = c.2.as_deref()?;
                    Some(match kind {
                        ImportKind::Risks => Fields::Risk(risk_column_of(name)?),
                        ImportKind::Soa => Fields::Soa(soa_column_of(name)?),
                        ImportKind::Treatments => Fields::Treatment(treatment_column_of(name)?),
                    })
                };
                // A header of this kind has the column that says which record a row is,
                // and (an SoA, a sheet of actions) a column only that kind has.
                let anchored = columns.iter().filter_map(is).any(|f| {
                    matches!(
                        f,
                        Fields::Risk(RiskColumn::Title | RiskColumn::Id)
                            | Fields::Soa(SoaColumn::Control)
                            | Fields::Treatment(
                                TreatmentColumn::Treatment
                                    | TreatmentColumn::Description
                                    | TreatmentColumn::Action
                            )
                    )
                });
                let marked = kind == ImportKind::Risks
                    || columns.iter().filter_map(is).any(|f| {
                        matches!(
                            f,
                            Fields::Soa(SoaColumn::Applicable | SoaColumn::Justification)
                                | Fields::Treatment(
                                    TreatmentColumn::Action
                                        | TreatmentColumn::Description
                                        | TreatmentColumn::Due
                                )
                        )
                    });
                if known >= 2 && anchored && marked && best.as_ref().is_none_or(|b| known > b.2) {
                    best = Some((grid, kind, known, columns));
                }
            }
        }
    }
    best.map(|(g, k, _, columns)| (g, k, columns))
}

/// The index into `grid.rows` of the header `header` came from.
fn header_row_of(header: &[(usize, String, Option<String>)], grid: &Grid) -> usize {
    (0..grid.rows.len())
        .find(|r| {
            header
                .iter()
                .all(|(c, text, _)| grid.at(*r, *c).shown().trim() == text)
        })
        .unwrap_or(0)
}

/// A column of the header, of whichever kind the sheet is.
#[derive(Clone, Copy)]
enum Fields {
    Risk(RiskColumn),
    Soa(SoaColumn),
    Treatment(TreatmentColumn),
}

/// A risk column by the name the header gives it (its export header, or a field).
fn risk_column_of(name: &str) -> Option<RiskColumn> {
    super::columns::RISK_COLUMNS
        .iter()
        .chain(&super::columns::RISK_ACTION_COLUMNS)
        .copied()
        .find(|c| c.header() == name || c.field() == Some(name))
}

/// A treatment column by its export header or its field.
fn treatment_column_of(name: &str) -> Option<TreatmentColumn> {
    TREATMENT_COLUMNS
        .iter()
        .copied()
        .find(|c| c.header() == name || c.field() == name)
}

fn soa_header(c: SoaColumn) -> Option<&'static str> {
    Some(match c {
        SoaColumn::Control => "Control",
        SoaColumn::Title => "Title",
        SoaColumn::Applicable => "Applicable",
        SoaColumn::Status => "Status",
        SoaColumn::Owner => "Owner",
        SoaColumn::Reasons => "Reasons",
        SoaColumn::Justification => "Justification",
        SoaColumn::Evidence => "Evidence",
        SoaColumn::CitedBy => "Cited by risks",
    })
}

fn soa_column_of(name: &str) -> Option<SoaColumn> {
    super::columns::SOA_COLUMNS
        .into_iter()
        .find(|c| soa_header(*c) == Some(name) || c.field() == Some(name))
}

/// A level: a number on the scale, a level's name, a leading number ("3 - Possible"),
/// or what the mapping says.
fn read_level(
    row: &mut RowReader,
    ctx: &mut Context,
    col: usize,
    field: &str,
    value: &Value,
    scale: &[crate::domain::Level],
) -> Option<u8> {
    let n = scale.len();
    let expected = || {
        let names: Vec<String> = scale
            .iter()
            .map(|l| format!("{} {}", l.level, l.name))
            .collect();
        format!("a level 1–{n} or its name ({})", names.join(", "))
    };
    let text = value.shown().trim().to_string();
    if value.is_blank() {
        return None;
    }
    let level = match value {
        Value::Number(x) if x.fract() == 0.0 && *x >= 1.0 && *x <= n as f64 => Some(*x as u8),
        Value::Number(_) => None,
        _ => {
            let mapped = ctx.mapped(field, &text);
            let source = mapped.clone().unwrap_or_else(|| text.clone());
            let by_name = scale
                .iter()
                .find(|l| l.name.eq_ignore_ascii_case(source.trim()))
                .map(|l| l.level);
            let leading: String = source.chars().take_while(|c| c.is_ascii_digit()).collect();
            let by_number = leading
                .parse::<u8>()
                .ok()
                .filter(|l| (1..=n as u8).contains(l));
            let found = by_name.or(by_number);
            if let (Some(l), Some(_)) = (found, &mapped) {
                ctx.note_mapping(field, &text, &l.to_string());
            } else if let (Some(l), true) = (found, by_name.is_some()) {
                ctx.note_mapping(field, &text, &l.to_string());
            }
            found
        }
    };
    if level.is_none() {
        row.problem(
            ImportProblemCode::UnknownLevel,
            col,
            field,
            &text,
            expected(),
        );
    }
    level
}

/// A word of a fixed set, through `word` (the synonyms) or the mapping.
fn read_word(
    row: &mut RowReader,
    ctx: &mut Context,
    col: usize,
    field: &str,
    text: &str,
    word: fn(&str) -> Result<&'static str, String>,
) -> Option<String> {
    if text.trim().is_empty() {
        return Some(String::new());
    }
    let mapped = ctx.mapped(field, text);
    let source = mapped.as_deref().unwrap_or(text);
    match word(source) {
        Ok(w) => {
            ctx.note_mapping(field, text, w);
            Some(w.to_string())
        }
        Err(expected) => {
            row.problem(ImportProblemCode::UnknownValue, col, field, text, expected);
            None
        }
    }
}

fn status_word(text: &str) -> Result<&'static str, String> {
    Ok(match normal(text).as_str() {
        "active" | "open" | "in progress" | "not started" | "new" | "identified" | "assessed" | "ongoing" | "treated" | "monitoring" | "under review" => RiskStatus::Active.as_str(),
        "deferred" | "on hold" | "postponed" => RiskStatus::Deferred.as_str(),
        "closed" | "resolved" | "retired" | "done" | "complete" | "completed" => RiskStatus::Closed.as_str(),
        _ => return Err(format!("{} (or Open, In Progress, Not Started → active; On hold → deferred; Resolved → closed)", RiskStatus::expected())),
    })
}

fn treatment_word(text: &str) -> Result<&'static str, String> {
    Ok(match normal(text).as_str() {
        "mitigate" | "reduce" | "modify" | "treat" | "mitigation" | "control" => TreatmentOption::Mitigate.as_str(),
        "transfer" | "share" | "insure" | "outsource" => TreatmentOption::Transfer.as_str(),
        "avoid" | "terminate" | "eliminate" => TreatmentOption::Avoid.as_str(),
        "accept" | "retain" | "tolerate" | "acceptance" => TreatmentOption::Accept.as_str(),
        _ => return Err(format!("{} (or Reduce, Modify, Treat → mitigate; Share → transfer; Terminate → avoid; Retain, Tolerate → accept)", TreatmentOption::expected())),
    })
}

fn control_status_word(text: &str) -> Result<&'static str, String> {
    Ok(match normal(text).as_str() {
        "implemented" | "yes" | "done" | "in place" | "complete" | "fully implemented" => {
            ControlStatus::Implemented.as_str()
        }
        "partial" | "partially implemented" | "partly" | "in progress" => {
            ControlStatus::Partial.as_str()
        }
        "planned" | "to do" | "todo" | "scheduled" => ControlStatus::Planned.as_str(),
        "not implemented" | "no" | "not started" | "none" => ControlStatus::NotImplemented.as_str(),
        _ => return Err(ControlStatus::expected()),
    })
}

fn reason_word(text: &str) -> Result<&'static str, String> {
    Ok(match normal(text).as_str() {
        "legal" | "legal requirement" | "regulatory" | "law" | "statutory" => {
            InclusionReason::Legal.as_str()
        }
        "contractual" | "contract" | "customer requirement" => {
            InclusionReason::Contractual.as_str()
        }
        "business" | "business requirement" => InclusionReason::Business.as_str(),
        "best practice" | "best_practice" | "good practice" => {
            InclusionReason::BestPractice.as_str()
        }
        _ => return Err(InclusionReason::expected()),
    })
}

/// An owner: a role by id or title, a person's name (their first role), what the
/// mapping says, or else a new role proposed from the title written.
fn read_owner(row: &mut RowReader, ctx: &mut Context, col: usize, text: &str) -> Option<String> {
    let _ = row;
    if text.trim().is_empty() {
        return Some(String::new());
    }
    let config = ctx.config;
    let source = ctx
        .mapped("owner", text)
        .unwrap_or_else(|| text.to_string());
    let found = config
        .roles
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(source.trim()) || normal(&r.title) == normal(&source))
        .map(|r| r.id.clone())
        .or_else(|| {
            config
                .people
                .iter()
                .find(|p| normal(&p.name) == normal(&source))
                .and_then(|p| p.roles.first().cloned())
        });
    let id = match found {
        Some(id) => id,
        None => {
            let id: String = normal(&source).replace(' ', "-");
            if !ctx.roles_to_add.iter().any(|(r, _)| r == &id) {
                ctx.roles_to_add
                    .push((id.clone(), source.trim().to_string()));
            }
            id
        }
    };
    let _ = col;
    ctx.note_mapping("owner", text, &id);
    Some(id)
}

fn read_domain(row: &mut RowReader, ctx: &mut Context, col: usize, text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some(String::new());
    }
    let config = ctx.config;
    let source = ctx
        .mapped("domain", text)
        .unwrap_or_else(|| text.to_string());
    match config
        .domains
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(source.trim()) || normal(&d.name) == normal(&source))
    {
        Some(d) => {
            let id = d.id.clone();
            ctx.note_mapping("domain", text, &id);
            Some(id)
        }
        None => {
            let known: Vec<String> = config
                .domains
                .iter()
                .map(|d| format!("{} ({})", d.id, d.name))
                .collect();
            row.problem(
                ImportProblemCode::UnknownDomain,
                col,
                "domain",
                text,
                format!("a domain of isms.yaml: {}", known.join(", ")),
            );
            None
        }
    }
}

fn read_controls(
    row: &mut RowReader,
    ctx: &mut Context,
    col: usize,
    field: &str,
    text: &str,
) -> Option<String> {
    let mut ids = Vec::new();
    for item in split_list(text) {
        match control_id(&item).filter(|c| ctx.catalogue.iter().any(|x| &x.id == c)) {
            Some(c) => ids.push(c),
            None => row.problem(
                ImportProblemCode::UnknownControl,
                col,
                field,
                &item,
                "Annex A controls 5.1 … 8.34 (A.8.13 and A8.13 are read too)",
            ),
        }
    }
    Some(list_text(&ids))
}

pub use crate::catalogue::control_id;

/// A date: a date cell, ISO text, `d/m/y` or `m/d/y` text (refused when it could be
/// either and no order is given), or "12 May 2026".
fn read_date(
    row: &mut RowReader,
    ctx: &Context,
    col: usize,
    field: &str,
    value: &Value,
) -> Option<Option<NaiveDate>> {
    let text = value.shown().trim().to_string();
    match value {
        Value::Empty => return Some(None),
        Value::Date(d) => return Some(Some(*d)),
        Value::Text(t) if t.trim().is_empty() => return Some(None),
        _ => {}
    }
    if let Ok(d) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        return Some(Some(d));
    }
    for f in ["%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(&text, f) {
            return Some(Some(d));
        }
    }
    let parts: Vec<&str> = text.split(['/', '.', '-']).collect();
    if let [a, b, y] = parts[..] {
        if let (Ok(a), Ok(b), Ok(mut y)) = (a.parse::<u32>(), b.parse::<u32>(), y.parse::<i32>()) {
            if y < 100 {
                y += 2000;
            }
            let dm = NaiveDate::from_ymd_opt(y, b, a);
            let md = NaiveDate::from_ymd_opt(y, a, b);
            let chosen = match (dm, md, ctx.options.date_order) {
                (Some(d), _, Some(DateOrder::DayMonth)) => Some(d),
                (_, Some(d), Some(DateOrder::MonthDay)) => Some(d),
                (Some(d), None, None) | (None, Some(d), None) => Some(d),
                (Some(d), Some(e), None) if d == e => Some(d),
                (Some(_), Some(_), None) => {
                    row.problem(ImportProblemCode::BadDate, col, field, &text, "an unambiguous date: it could be day/month or month/day; choose the date order (day first or month first; --date-order on the command line), or write 2026-12-05");
                    return None;
                }
                _ => None,
            };
            if let Some(d) = chosen {
                return Some(Some(d));
            }
        }
    }
    row.problem(
        ImportProblemCode::BadDate,
        col,
        field,
        &text,
        "a date: a date cell, 2026-12-05, 05/12/2026 with a date order, or 5 December 2026",
    );
    None
}

/// Whether assignment `a` changes what the record has (`flat`, as
/// `git::changes::flat_fields` gives it): a list by its items, a flag by its truth,
/// anything else by its text.
fn differs(flat: &BTreeMap<String, String>, a: &Assignment) -> bool {
    let field = a.path.join(".");
    let old = flat.get(&field).cloned().unwrap_or_default();
    let value = a.value.trim();
    let new = if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        inner
            .split(", ")
            .map(|i| text_of_value(i.trim()))
            .filter(|i| !i.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        text_of_value(value)
    };
    let truth = |v: &str| matches!(v, "true");
    if matches!(old.as_str(), "true" | "false") && matches!(new.as_str(), "" | "true" | "false") {
        return truth(&old) != truth(&new);
    }
    old != new
}

/// The text a value made by [`text_value`] stands for (any other value as it is).
fn text_of_value(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_string();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// A list written in a cell: comma, semicolon or line separated.
fn split_list(text: &str) -> Vec<String> {
    text.split([',', ';', '\n'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A list as an assignment value: `[a, b]`.
fn list_text(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| text_value(i)).collect();
    format!("[{}]", quoted.join(", "))
}

/// Text as an assignment value that is read back as exactly that text: a YAML
/// double-quoted string (empty text stays empty, which removes the field). Whatever a
/// cell holds — brackets, a colon, quotes, a line break — arrives as written.
fn text_value(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The id a risk was imported under, kept as `x-source-id`.
fn source_id_of(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let source = crate::format::frontmatter::split(text).ok()?;
    source.front.lines().find_map(|l| {
        l.strip_prefix("x-source-id:")
            .map(|v| v.trim().trim_matches('"').to_string())
    })
}

/// The computed columns of a row compared with what ISMS Desk computes from its levels.
fn compare_computed(
    row: &mut RowReader,
    m: &Methodology,
    levels: &HashMap<RiskColumn, u8>,
    computed: &[(usize, RiskColumn, Value)],
) {
    let rate = |l: RiskColumn, i: RiskColumn| -> Option<Rating> {
        Rating::new(m, *levels.get(&l)?, *levels.get(&i)?)
    };
    let inherent = rate(RiskColumn::Likelihood, RiskColumn::Impact);
    let residual =
        rate(RiskColumn::ResidualLikelihood, RiskColumn::ResidualImpact).or(inherent.clone());
    for (col, column, value) in computed {
        if value.is_blank() {
            continue;
        }
        let rating = match column {
            RiskColumn::Score | RiskColumn::Band => &inherent,
            _ => &residual,
        };
        let Some(rating) = rating else { continue };
        let ours = match column {
            RiskColumn::Score | RiskColumn::ResidualScore => rating.score.to_string(),
            _ => m.band_name(rating.band.as_ref()),
        };
        let theirs = value.shown();
        let same = match column {
            RiskColumn::Score | RiskColumn::ResidualScore => {
                theirs.trim().parse::<f64>().ok() == Some(f64::from(rating.score))
            }
            _ => {
                normal(&theirs) == normal(&ours)
                    || rating
                        .band
                        .as_ref()
                        .is_some_and(|b| normal(b.as_str()) == normal(&theirs))
            }
        };
        if !same {
            row.problem(
                ImportProblemCode::ScoreDiffers,
                *col,
                column.header(),
                &theirs,
                format!("{ours}, as methodology {} scores the row's levels (the file's value is not imported)", m.version),
            );
        }
    }
}

/// isms.yaml with `roles` added at the end of its `roles:` list.
fn with_roles(text: &str, roles: &[(String, String)]) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let Some(start) = lines.iter().position(|l| l.trim_end() == "roles:") else {
        return text.to_string();
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| !l.starts_with(' ') && !l.trim().is_empty())
        .map_or(lines.len(), |k| start + 1 + k);
    // Back over blank lines and comments that belong to what follows.
    let mut at = end;
    while at > start + 1
        && (lines[at - 1].trim().is_empty() || lines[at - 1].trim_start().starts_with('#'))
    {
        at -= 1;
    }
    let added: String = roles
        .iter()
        .map(|(id, title)| {
            format!(
                "  - id: {id}\n    title: {}\n",
                crate::format::emit::flow_scalar(title)
            )
        })
        .collect();
    let mut out: String = lines[..at].concat();
    out.push_str(&added);
    out.push_str(&lines[at..].concat());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annex_a_ids_are_read_as_registers_write_them() {
        for (text, id) in [
            ("A.8.13", "8.13"),
            ("A8.13", "8.13"),
            ("8.13", "8.13"),
            ("5.1 Policies", "5.1"),
            (" A.5.23 ", "5.23"),
        ] {
            assert_eq!(control_id(text).as_deref(), Some(id), "{text}");
        }
        assert_eq!(control_id("Information backup"), None);
    }

    #[test]
    fn roles_are_added_at_the_end_of_the_roles_list() {
        let text = "organisation:\n  name: X\nroles:\n  - id: ism\n    title: ISM\n\n# people next\npeople: []\n";
        let out = with_roles(text, &[("cto".into(), "Chief Technology Officer".into())]);
        assert_eq!(out, "organisation:\n  name: X\nroles:\n  - id: ism\n    title: ISM\n  - id: cto\n    title: Chief Technology Officer\n\n# people next\npeople: []\n");
    }
}
