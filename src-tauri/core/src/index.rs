//! The SQLite index: lists, filters and full-text search without reading every file.
//!
//! The index is derived, never authoritative. It lives inside the git directory
//! (`.git/isms-desk/index.sqlite`, never tracked), or in memory when the ISMS is
//! not a git repository. On open it is rebuilt when missing, unreadable or of an
//! older schema (`PRAGMA user_version`), rebuilt when `isms.yaml` changed (the
//! methodology decides every band), and otherwise brought up to date file by file
//! from size and modification-time fingerprints. Deleting it loses nothing.
//!
//! Full-text search folds letters the way people type them on an English keyboard:
//! `kobenhavn` finds "København", `aero` finds "Ærø" (see [`fold`]).

use std::collections::HashMap;
use std::fs;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::catalogue;
use crate::domain::{
    sections, Band, ControlStatus, Decision, InclusionReason, IsmsConfig, Methodology, RiskStatus,
    TreatmentOption,
};
use crate::isms::{AnyRecord, Isms, RecordFile};
use crate::{Error, LoadError, Result};

impl Isms {
    /// Opens the index, bringing it up to date with the files first.
    pub fn index(&self) -> Result<Index> {
        Index::open(self)
    }

    /// Asks the index `query`. The index is a cache of the files: when it turns out
    /// damaged (a page of it unreadable, which can pass unnoticed until a query reads
    /// that page), it is thrown away, built again from the files, and asked once more.
    pub fn query_index<T>(&self, query: impl Fn(&Index) -> Result<T>) -> Result<T> {
        match self.index().and_then(|index| query(&index)) {
            Err(Error::Index(e)) if is_damage(&e) => {
                tracing::warn!(error = %e, "the index is damaged; building it again from the files");
                self.discard_index();
                query(&self.index()?)
            }
            answer => answer,
        }
    }

    /// Deletes the index (it is derived: the next open builds it from the files).
    pub fn discard_index(&self) {
        if let Some(git_dir) = self.git_dir() {
            let file = git_dir.join("isms-desk").join("index.sqlite");
            for suffix in ["", "-wal", "-shm"] {
                let _ = fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

/// Whether an SQLite error says the database file is damaged, not that a query is
/// wrong or the disk is busy.
fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// Bump when the schema or what is indexed changes; older indexes are rebuilt.
const SCHEMA_VERSION: i32 = 8;

const SCHEMA: &str = "
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE timelines(path TEXT PRIMARY KEY, config TEXT NOT NULL, head TEXT NOT NULL, entries TEXT NOT NULL);
CREATE TABLE files(path TEXT PRIMARY KEY, kind TEXT, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, hash TEXT NOT NULL);
CREATE TABLE load_errors(path TEXT NOT NULL, line INTEGER, field TEXT, message TEXT NOT NULL);
CREATE TABLE risks(
  id TEXT PRIMARY KEY, path TEXT NOT NULL, title TEXT NOT NULL, domain TEXT NOT NULL, status TEXT NOT NULL,
  likelihood INTEGER, impact INTEGER, score INTEGER, band TEXT,
  residual_likelihood INTEGER, residual_impact INTEGER, residual_score INTEGER, residual_band TEXT,
  treatment TEXT, owner TEXT NOT NULL, provisional INTEGER NOT NULL, reviewed_on TEXT, next_review TEXT, deferred_to TEXT,
  controls TEXT NOT NULL, related TEXT NOT NULL, themes TEXT NOT NULL, cited_controls TEXT NOT NULL, scored_under TEXT);
CREATE TABLE controls(id TEXT PRIMARY KEY, path TEXT NOT NULL, title TEXT NOT NULL, theme TEXT, applicable INTEGER NOT NULL,
  status TEXT NOT NULL, owner TEXT, reasons TEXT NOT NULL, sort_major INTEGER NOT NULL, sort_minor INTEGER NOT NULL);
CREATE TABLE treatments(id TEXT PRIMARY KEY, path TEXT NOT NULL, title TEXT NOT NULL, option TEXT NOT NULL, decision TEXT NOT NULL,
  approved_on TEXT, risks TEXT NOT NULL, actions INTEGER NOT NULL, open_actions INTEGER NOT NULL, next_due TEXT);
CREATE TABLE documents(id TEXT PRIMARY KEY, path TEXT NOT NULL, title TEXT NOT NULL, version TEXT NOT NULL, owner TEXT NOT NULL,
  approved_by TEXT, effective TEXT, next_review TEXT);
CREATE TABLE assessments(id TEXT PRIMARY KEY, path TEXT NOT NULL, title TEXT NOT NULL, performed_on TEXT NOT NULL);
CREATE VIRTUAL TABLE search USING fts5(id UNINDEXED, kind UNINDEXED, path UNINDEXED, shown_title UNINDEXED, title, body,
  tokenize = 'unicode61 remove_diacritics 2');
";

/// The risks' secondary indexes: made with the schema, and dropped while the whole
/// index is rebuilt and made again after (one sort each, instead of one insert per row).
const RISK_INDEXES: &str = "
CREATE INDEX risks_band ON risks(band);
CREATE INDEX risks_owner ON risks(owner);
CREATE INDEX risks_path ON risks(path);
";

/// Receives `(files read, files to read)` while the index reads files.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// How many files are read between two progress reports.
const PROGRESS_EVERY: usize = 250;

/// What opening the index had to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Refresh {
    /// Nothing changed since the last open.
    Fresh,
    /// Some files changed, were added or removed; only those were re-read.
    Updated {
        /// Files re-read.
        changed: usize,
        /// Files removed from the index.
        removed: usize,
    },
    /// The whole index was built from the files.
    Rebuilt {
        /// Why: missing, schema, configuration changed, unreadable.
        reason: String,
    },
}

/// The index of one ISMS repository.
pub struct Index {
    conn: Connection,
    /// What opening it had to do.
    pub refresh: Refresh,
}

/// What the register's filters can choose from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskFacets {
    /// How many risks the index holds.
    pub total: u32,
    /// Their owner roles.
    pub owners: Vec<String>,
    /// Their domains.
    pub domains: Vec<String>,
    /// The themes they cite.
    pub themes: Vec<String>,
}

/// Filters and order for listing risks. Empty filters match everything.
#[derive(Debug, Clone, Default)]
pub struct RiskQuery {
    /// Which rating `band`, `likelihood` and `impact` are of: the inherent one, or
    /// the residual one when true.
    pub residual: bool,
    /// Only risks in this band.
    pub band: Option<Band>,
    /// Only risks to be rescored under the methodology in force.
    pub to_be_rescored: bool,
    /// Only risks scored with this likelihood (a heat-map cell, with `impact`).
    pub likelihood: Option<u8>,
    /// Only risks scored with this impact.
    pub impact: Option<u8>,
    /// Only this domain id.
    pub domain: Option<String>,
    /// Only this status.
    pub status: Option<RiskStatus>,
    /// Only this owner role.
    pub owner: Option<String>,
    /// Only risks citing this theme.
    pub theme: Option<String>,
    /// The order.
    pub sort: RiskSort,
    /// Highest, last or Z first. [`RiskSort::descending_by_default`] says which way a
    /// person means an order when they do not say.
    pub descending: bool,
}

/// Orders for the risk register.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RiskSort {
    /// By id (R-001 first).
    #[default]
    Id,
    /// By inherent score, then id.
    Score,
    /// By residual score, then id.
    Residual,
    /// By title.
    Title,
    /// By next review date.
    NextReview,
    /// By risk domain, then id.
    Domain,
    /// By owner role, then id.
    Owner,
    /// By status, then id.
    Status,
}
crate::domain::words::words!(RiskSort);

impl RiskSort {
    /// Which way a person means this order when they do not say: scores highest first,
    /// everything else from the start (R-001, A to Z, the soonest review).
    pub fn descending_by_default(self) -> bool {
        matches!(self, RiskSort::Score | RiskSort::Residual)
    }
}

/// A row of the risk register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskRow {
    /// The risk id.
    pub id: String,
    /// The title.
    pub title: String,
    /// The domain id.
    pub domain: String,
    /// Where it stands.
    pub status: RiskStatus,
    /// Inherent likelihood.
    pub likelihood: Option<u8>,
    /// Inherent impact.
    pub impact: Option<u8>,
    /// Inherent score.
    pub score: Option<u8>,
    /// Inherent band.
    pub band: Option<Band>,
    /// Residual likelihood.
    pub residual_likelihood: Option<u8>,
    /// Residual impact.
    pub residual_impact: Option<u8>,
    /// Residual score.
    pub residual_score: Option<u8>,
    /// Residual band.
    pub residual_band: Option<Band>,
    /// The treatment option, once decided.
    pub treatment: Option<TreatmentOption>,
    /// The owner role.
    pub owner: String,
    /// Scoring is provisional.
    pub provisional: bool,
    /// Next review date.
    pub next_review: Option<NaiveDate>,
    /// Theme ids.
    pub themes: Vec<String>,
    /// The methodology version the levels were given under, when it is not the one
    /// in force: the risk is to be rescored, and has no score or band until it is.
    pub scored_under: Option<String>,
}

impl RiskRow {
    /// Whether this risk's review is overdue on `today` (the domain's rule,
    /// [`crate::domain::review_overdue`]).
    pub fn review_overdue(&self, today: NaiveDate) -> bool {
        crate::domain::review_overdue(self.status, self.next_review, today)
    }
}

/// A row of the SoA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ControlRow {
    /// The Annex A id.
    pub id: String,
    /// The title.
    pub title: String,
    /// Organizational, People, Physical or Technological.
    pub theme: Option<String>,
    /// Applicable or not.
    pub applicable: bool,
    /// Implementation status.
    pub status: ControlStatus,
    /// The owner role.
    pub owner: Option<String>,
    /// Reasons other than risks.
    pub reasons: Vec<InclusionReason>,
    /// Active risks that cite the control (computed).
    pub cited_by: Vec<String>,
}

/// Filters for the SoA.
#[derive(Debug, Clone, Default)]
pub struct ControlQuery {
    /// Only this Annex A theme (case-insensitive).
    pub theme: Option<String>,
    /// Only this status.
    pub status: Option<ControlStatus>,
    /// Only this owner role.
    pub owner: Option<String>,
    /// Only applicable (true) or excluded (false) controls.
    pub applicable: Option<bool>,
}

/// A row of the treatment plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TreatmentRow {
    /// The treatment id.
    pub id: String,
    /// The title.
    pub title: String,
    /// The option.
    pub option: TreatmentOption,
    /// Proposed or approved.
    pub decision: Decision,
    /// The risks treated.
    pub risks: Vec<String>,
    /// Number of actions.
    pub actions: u32,
    /// Actions not done or cancelled.
    pub open_actions: u32,
    /// The earliest due date of an open action.
    pub next_due: Option<NaiveDate>,
}

/// A row of the document register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DocumentRow {
    /// The document id.
    pub id: String,
    /// The title.
    pub title: String,
    /// The version.
    pub version: String,
    /// The owner role.
    pub owner: String,
    /// The approving role.
    pub approved_by: Option<String>,
    /// Effective date.
    pub effective: Option<NaiveDate>,
    /// Next review date.
    pub next_review: Option<NaiveDate>,
}

/// A full-text search hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchHit {
    /// The record id.
    pub id: String,
    /// risk, control, treatment, document or assessment.
    pub kind: String,
    /// The file.
    pub path: String,
    /// The title as written.
    pub title: String,
}

impl Index {
    /// Opens the index of `isms` and brings it up to date.
    pub fn open(isms: &Isms) -> Result<Index> {
        Index::open_with_progress(isms, &|_, _| {})
    }

    /// Opens the index, reporting `(files read, files to read)` now and then while it
    /// reads files, for a progress bar over a long first indexing.
    pub fn open_with_progress(isms: &Isms, progress: Progress) -> Result<Index> {
        match Index::open_once(isms, progress) {
            Err(Error::Index(e)) if is_damage(&e) => {
                tracing::warn!(error = %e, "the index is damaged; building it again from the files");
                isms.discard_index();
                Index::open_once(isms, progress)
            }
            opened => opened,
        }
    }

    fn open_once(isms: &Isms, progress: Progress) -> Result<Index> {
        let (mut conn, mut reason) = match isms.git_dir() {
            None => (
                Connection::open_in_memory()?,
                Some("the ISMS is not a git repository; the index is kept in memory".to_string()),
            ),
            Some(git_dir) => {
                let dir = git_dir.join("isms-desk");
                fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                let path = dir.join("index.sqlite");
                let existed = path.exists();
                match open_file(&path) {
                    Ok(conn) => (conn, (!existed).then(|| "no index yet".to_string())),
                    // An unreadable index is derived data: start again.
                    Err(_) => {
                        let _ = fs::remove_file(&path);
                        (
                            open_file(&path)?,
                            Some("the index was unreadable".to_string()),
                        )
                    }
                }
            }
        };
        let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != SCHEMA_VERSION {
            if reason.is_none() {
                reason = Some(format!(
                    "the index schema changed ({version} → {SCHEMA_VERSION})"
                ));
            }
            reset(&conn)?;
        }
        let refresh = refresh(isms, &mut conn, reason, progress)?;
        Ok(Index { conn, refresh })
    }

    /// Re-reads one file just written by a save, whatever its timestamps say. A change
    /// to `isms.yaml` rebuilds everything (scores and bands depend on it).
    pub fn reindex(&mut self, isms: &Isms, path: &str) -> Result<()> {
        self.reindex_paths(isms, &[path])
    }

    /// Brings the index up to date for several files just written, in one pass over
    /// the record folders and one transaction (an import of thousands of rows).
    pub fn reindex_paths(&mut self, isms: &Isms, paths: &[&str]) -> Result<()> {
        if paths.contains(&crate::isms::CONFIG_FILE) {
            refresh(
                isms,
                &mut self.conn,
                Some("isms.yaml changed".into()),
                &|_, _| {},
            )?;
            return Ok(());
        }
        let (files, _) = isms.record_files()?;
        let by_path: HashMap<&str, &RecordFile> =
            files.iter().map(|f| (f.path.as_str(), f)).collect();
        let config = isms.load_config();
        let methodology = config.as_ref().ok().map(|c| c.methodology.clone());
        let themes = control_themes();
        let mut seen = std::collections::HashSet::new();
        let present: Vec<&RecordFile> = paths
            .iter()
            .filter(|p| seen.insert(**p))
            .filter_map(|p| by_path.get(p).copied())
            .collect();
        let tx = self.conn.transaction()?;
        for path in paths {
            forget(&tx, path)?;
        }
        let context = Context {
            methodology: methodology.as_ref(),
            config: &config,
            themes: &themes,
        };
        {
            let mut writer = Writer::new(&tx);
            read_each(isms, &present, &context, |_, read| writer.write(read))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A record's timeline as cached up to commit `head`, if it was computed under the
    /// same isms.yaml (`config`, a blob id: signers are named from it).
    pub fn cached_timeline(&self, path: &str, config: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT head, entries FROM timelines WHERE path = ?1 AND config = ?2",
                params![path, config],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Caches a record's timeline up to commit `head` (entries as JSON).
    pub fn store_timeline(
        &self,
        path: &str,
        config: &str,
        head: &str,
        entries: &str,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO timelines(path, config, head, entries) VALUES (?1, ?2, ?3, ?4)",
            params![path, config, head, entries],
        )?;
        Ok(())
    }

    /// What the register's filters can choose from, over every risk: how many there
    /// are, and their owners, domains and themes, each sorted and once.
    pub fn risk_facets(&self) -> Result<RiskFacets> {
        let total: i64 = self
            .conn
            .query_row("SELECT count(*) FROM risks", [], |r| r.get(0))?;
        let column = |sql: &str| -> Result<Vec<String>> {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        Ok(RiskFacets {
            total: u32::try_from(total).unwrap_or(u32::MAX),
            owners: column("SELECT DISTINCT owner FROM risks ORDER BY owner")?,
            domains: column("SELECT DISTINCT domain FROM risks ORDER BY domain")?,
            themes: column(
                "SELECT DISTINCT j.value FROM risks, json_each(risks.themes) j ORDER BY j.value",
            )?,
        })
    }

    /// The risk register, filtered and ordered.
    pub fn risks(&self, q: &RiskQuery) -> Result<Vec<RiskRow>> {
        let mut sql = String::from(
            "SELECT id, title, domain, status, likelihood, impact, score, band, residual_score, residual_band, treatment, owner, provisional, next_review, themes, residual_likelihood, residual_impact, scored_under FROM risks WHERE 1=1",
        );
        let mut args: Vec<String> = Vec::new();
        let mut filter = |column: &str, value: Option<String>| {
            if let Some(v) = value {
                args.push(v);
                sql.push_str(&format!(" AND {column} = ?{}", args.len()));
            }
        };
        let (band, likelihood, impact) = if q.residual {
            ("residual_band", "residual_likelihood", "residual_impact")
        } else {
            ("band", "likelihood", "impact")
        };
        filter(band, q.band.as_ref().map(|b| b.as_str().to_string()));
        filter(likelihood, q.likelihood.map(|l| l.to_string()));
        filter(impact, q.impact.map(|i| i.to_string()));
        filter("domain", q.domain.clone());
        filter("status", q.status.map(|s| s.as_str().to_string()));
        filter("owner", q.owner.clone());
        if let Some(theme) = &q.theme {
            args.push(theme.clone());
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM json_each(risks.themes) WHERE value = ?{})",
                args.len()
            ));
        }
        if q.to_be_rescored {
            sql.push_str(" AND scored_under IS NOT NULL");
        }
        let dir = if q.descending { "DESC" } else { "ASC" };
        let order = match q.sort {
            RiskSort::Id => format!("id {dir}"),
            RiskSort::Score => format!("score IS NULL, score {dir}, id"),
            RiskSort::Residual => format!("residual_score IS NULL, residual_score {dir}, id"),
            RiskSort::Title => format!("title COLLATE NOCASE {dir}, id"),
            RiskSort::NextReview => format!("next_review IS NULL, next_review {dir}, id"),
            RiskSort::Domain => format!("domain {dir}, id"),
            RiskSort::Owner => format!("owner {dir}, id"),
            RiskSort::Status => format!("status {dir}, id"),
        };
        sql.push_str(&format!(" ORDER BY {order}"));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
            Ok(RiskRow {
                id: r.get(0)?,
                title: r.get(1)?,
                domain: r.get(2)?,
                status: word(r, 3)?,
                likelihood: r.get(4)?,
                impact: r.get(5)?,
                score: r.get(6)?,
                band: r.get::<_, Option<String>>(7)?.map(Band::new),
                residual_likelihood: r.get(15)?,
                residual_impact: r.get(16)?,
                residual_score: r.get(8)?,
                residual_band: r.get::<_, Option<String>>(9)?.map(Band::new),
                treatment: r
                    .get::<_, Option<String>>(10)?
                    .map(|t| parse_word(&t, 10))
                    .transpose()?,
                owner: r.get(11)?,
                provisional: r.get(12)?,
                next_review: r.get(13)?,
                themes: json_list(&r.get::<_, String>(14)?),
                scored_under: r.get(17)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The SoA entries, in Annex A order, each with the risks citing it (active and
    /// deferred, as [`crate::domain::risks_citing`] counts them).
    pub fn controls(&self, q: &ControlQuery) -> Result<Vec<ControlRow>> {
        let mut cited: HashMap<String, Vec<String>> = HashMap::new();
        // Which risks count for a control is the domain's rule (Risk::cited_controls),
        // stored with each risk; here it is only read.
        let mut stmt = self.conn.prepare_cached(
            "SELECT j.value, r.id FROM risks r, json_each(r.cited_controls) j ORDER BY r.id",
        )?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (control, risk) = row?;
            cited.entry(control).or_default().push(risk);
        }
        let mut stmt = self.conn.prepare_cached("SELECT id, title, theme, applicable, status, owner, reasons FROM controls ORDER BY sort_major, sort_minor")?;
        let rows = stmt.query_map([], |r| {
            Ok(ControlRow {
                id: r.get(0)?,
                title: r.get(1)?,
                theme: r.get(2)?,
                applicable: r.get(3)?,
                status: word(r, 4)?,
                owner: r.get(5)?,
                reasons: json_list(&r.get::<_, String>(6)?)
                    .iter()
                    .map(|w| parse_word(w, 6))
                    .collect::<rusqlite::Result<_>>()?,
                cited_by: Vec::new(),
            })
        })?;
        let mut out = Vec::new();
        for row in rows {
            let mut row = row?;
            let keep = q.theme.as_ref().is_none_or(|t| {
                row.theme
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(t))
            }) && q.status.is_none_or(|s| row.status == s)
                && q.owner
                    .as_ref()
                    .is_none_or(|o| row.owner.as_ref() == Some(o))
                && q.applicable.is_none_or(|a| row.applicable == a);
            if keep {
                row.cited_by = cited.remove(&row.id).unwrap_or_default();
                out.push(row);
            }
        }
        Ok(out)
    }

    /// The treatment plan, ordered by id.
    pub fn treatments(&self) -> Result<Vec<TreatmentRow>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, title, option, decision, risks, actions, open_actions, next_due FROM treatments ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(TreatmentRow {
                id: r.get(0)?,
                title: r.get(1)?,
                option: word(r, 2)?,
                decision: word(r, 3)?,
                risks: json_list(&r.get::<_, String>(4)?),
                actions: r.get(5)?,
                open_actions: r.get(6)?,
                next_due: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The controlled documents, ordered by id.
    pub fn documents(&self) -> Result<Vec<DocumentRow>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, title, version, owner, approved_by, effective, next_review FROM documents ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(DocumentRow {
                id: r.get(0)?,
                title: r.get(1)?,
                version: r.get(2)?,
                owner: r.get(3)?,
                approved_by: r.get(4)?,
                effective: r.get(5)?,
                next_review: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Problems in files, as found when they were indexed.
    pub fn load_errors(&self) -> Result<Vec<LoadError>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT path, line, field, message FROM load_errors ORDER BY path, line",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(LoadError {
                path: r.get(0)?,
                line: r.get::<_, Option<i64>>(1)?.map(|l| l as usize),
                field: r.get(2)?,
                message: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Full-text search over titles and bodies; every word must match (as a prefix).
    /// Title matches rank first.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let terms: Vec<String> = fold(text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(|t| format!("\"{t}\"*"))
            .collect();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let query = terms.join(" AND ");
        let mut stmt = self.conn.prepare_cached("SELECT id, kind, path, shown_title FROM search WHERE search MATCH ?1 ORDER BY bm25(search, 10.0, 1.0), id LIMIT ?2")?;
        let rows = stmt.query_map(params![query, limit as i64], |r| {
            Ok(SearchHit {
                id: r.get(0)?,
                kind: r.get(1)?,
                path: r.get(2)?,
                title: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn open_file(path: &std::path::Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // A first index of a large register fits in the page cache until it commits,
    // instead of spilling pages to the write-ahead log half-way (32 MB at most).
    conn.pragma_update(None, "cache_size", -32_768)?;
    // Fails here, not later, when the file is not a database.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(conn)
}

fn reset(conn: &Connection) -> Result<()> {
    let tables: Vec<(String, String)> = conn
        .prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_%'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, name) in tables {
        conn.execute_batch(&format!(
            "DROP {} IF EXISTS \"{name}\";",
            kind.to_uppercase()
        ))?;
    }
    conn.execute_batch(SCHEMA)?;
    conn.execute_batch(RISK_INDEXES)?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    Ok(())
}

/// Brings the index up to date with the files.
fn refresh(
    isms: &Isms,
    conn: &mut Connection,
    mut reason: Option<String>,
    progress: Progress,
) -> Result<Refresh> {
    // The walk of the folders and the read of what the index knows of them go on at
    // once: together they are all a warm open does.
    let (walked, stored) = std::thread::scope(|scope| {
        let walk = scope.spawn(|| (isms.record_files(), isms.head().unwrap_or_default()));
        let stored = stored_files(conn);
        (
            walk.join()
                .expect("walking the folders does not panic because its errors are values"),
            stored,
        )
    });
    let ((files, walk_errors), head) = (walked.0?, walked.1);
    let stored = stored?;
    let fingerprint = |f: &RecordFile| (f.size as i64, f.mtime_ns);
    let config_file = files.iter().find(|f| f.kind.is_none());
    if reason.is_none()
        && config_file.map(fingerprint) != stored.get(crate::isms::CONFIG_FILE).copied()
    {
        reason = Some("isms.yaml changed".to_string());
    }
    let walk_paths: Vec<&str> = walk_errors.iter().map(|e| e.path.as_str()).collect();
    let stored_walk_errors: Vec<String> = conn
        .prepare("SELECT DISTINCT path FROM load_errors WHERE line IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let walk_changed = walk_paths
        .iter()
        .any(|p| !stored.contains_key(*p) && !stored_walk_errors.iter().any(|s| s == p))
        || stored_walk_errors
            .iter()
            .any(|p| !walk_paths.contains(&p.as_str()) && !files.iter().any(|f| &f.path == p));

    let last_refresh: i64 = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'refreshed_ns'",
            [],
            |r| r.get::<_, String>(0),
        )
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(i64::MAX);
    // Timestamps are coarse on some file systems; two seconds covers them all.
    let racy_since = last_refresh.saturating_sub(2_000_000_000);
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    // What changed since the last refresh, when the index is not rebuilt whole.
    let changed = match reason {
        Some(_) => Changed::default(),
        None => {
            let changed = changed_files(isms, conn, &files, &stored, racy_since)?;
            let stored_head: Option<String> = conn
                .query_row("SELECT value FROM meta WHERE key = 'head'", [], |r| {
                    r.get(0)
                })
                .optional()?;
            // Nothing to write: the index says what the files say. (After racily
            // clean files the refresh time is written, so that they are not read again.)
            if changed.to_index.is_empty()
                && changed.removed.is_empty()
                && !walk_changed
                && !changed.racy
                && stored_head.as_deref() == Some(head.as_str())
            {
                return Ok(Refresh::Fresh);
            }
            changed
        }
    };
    let config = isms.load_config();
    let methodology = config
        .as_ref()
        .ok()
        .map(|c: &IsmsConfig| c.methodology.clone());
    let themes = control_themes();
    let context = Context {
        methodology: methodology.as_ref(),
        config: &config,
        themes: &themes,
    };
    let tx = conn.transaction()?;
    let outcome = if let Some(reason) = reason {
        rebuild(&tx, isms, &files, &context, progress)?;
        Refresh::Rebuilt { reason }
    } else {
        let (changed, removed) = update(&tx, isms, changed, &context, progress, files.len())?;
        if changed == 0 && removed == 0 && !walk_changed {
            Refresh::Fresh
        } else {
            Refresh::Updated { changed, removed }
        }
    };
    // Problems found while walking (links, odd files) are recorded again whenever the
    // index is written.
    tx.execute("DELETE FROM load_errors WHERE line IS NULL AND field IS NULL AND path NOT IN (SELECT path FROM files)", [])?;
    for e in &walk_errors {
        tx.execute(
            "INSERT INTO load_errors(path, line, field, message) VALUES (?1, ?2, ?3, ?4)",
            params![e.path, e.line.map(|l| l as i64), e.field, e.message],
        )?;
    }
    tx.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('head', ?1)",
        params![head],
    )?;
    tx.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('refreshed_ns', ?1)",
        params![now_ns.to_string()],
    )?;
    tx.commit()?;
    Ok(outcome)
}

/// Indexes every file afresh in `tx`, reporting progress: the risks' secondary
/// indexes are dropped first and made again after (one sort each).
fn rebuild(
    tx: &Transaction,
    isms: &Isms,
    files: &[RecordFile],
    context: &Context,
    progress: Progress,
) -> Result<()> {
    tx.execute_batch("DELETE FROM files; DELETE FROM load_errors; DELETE FROM risks; DELETE FROM controls; DELETE FROM treatments; DELETE FROM documents; DELETE FROM assessments; DELETE FROM search; DROP INDEX IF EXISTS risks_band; DROP INDEX IF EXISTS risks_owner; DROP INDEX IF EXISTS risks_path;")?;
    let all: Vec<&RecordFile> = files.iter().collect();
    let mut done = 0;
    {
        let mut writer = Writer::new(tx);
        read_each(isms, &all, context, |_, read| {
            if done % PROGRESS_EVERY == 0 {
                progress(done, files.len());
            }
            done += 1;
            writer.write(read)
        })?;
    }
    tx.execute_batch(RISK_INDEXES)?;
    progress(files.len(), files.len());
    Ok(())
}

/// Reads again in `tx` the files `changed` names and forgets the removed ones,
/// reporting progress out of `total` → (files read again, files forgotten).
fn update(
    tx: &Transaction,
    isms: &Isms,
    changed: Changed,
    context: &Context,
    progress: Progress,
    total: usize,
) -> Result<(usize, usize)> {
    let Changed {
        to_index,
        removed: removed_paths,
        ..
    } = changed;
    let changed = to_index.len();
    let mut done = 0;
    {
        let mut writer = Writer::new(tx);
        read_each(isms, &to_index, context, |file, read| {
            forget(tx, &file.path)?;
            writer.write(read)?;
            done += 1;
            if done % PROGRESS_EVERY == 0 {
                progress(done, total);
            }
            Ok(())
        })?;
    }
    for path in &removed_paths {
        forget(tx, path)?;
    }
    let removed = removed_paths.len();
    Ok((changed, removed))
}

/// The files a refresh reads again, and those it forgets.
#[derive(Default)]
struct Changed<'f> {
    /// Files new or changed since they were indexed.
    to_index: Vec<&'f RecordFile>,
    /// Indexed files that are gone.
    removed: Vec<&'f str>,
    /// Some file's timestamp was too recent to trust, so its content was compared.
    racy: bool,
}

/// What changed in `files` since the index `stored` their fingerprints: a different
/// fingerprint, or — for a file whose timestamp is at or after `racy_since` — a
/// different content.
fn changed_files<'f>(
    isms: &Isms,
    conn: &Connection,
    files: &'f [RecordFile],
    stored: &'f HashMap<String, Fingerprint>,
    racy_since: i64,
) -> Result<Changed<'f>> {
    let mut changed = Changed::default();
    for file in files {
        if stored.get(&file.path) != Some(&(file.size as i64, file.mtime_ns)) {
            changed.to_index.push(file);
        } else if file.mtime_ns >= racy_since {
            // Git's "racily clean" case: the file was modified so close to the last
            // refresh that a second edit of the same size could share its mtime. Such
            // files are compared by content until their timestamp is safely in the past,
            // and indexed again only when the content differs (a fresh clone opened at
            // once would otherwise be read twice).
            changed.racy = true;
            if stored_hash(conn, &file.path)?.as_deref()
                != Some(content_hash(isms, &file.path).as_str())
            {
                changed.to_index.push(file);
            }
        }
    }
    let present: std::collections::HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    changed.removed = stored
        .keys()
        .map(String::as_str)
        .filter(|p| !present.contains(p))
        .collect();
    Ok(changed)
}

/// A file's fingerprint as the index keeps it: size and mtime in nanoseconds.
type Fingerprint = (i64, i64);

/// What the index knows of each file: its fingerprint, by path.
fn stored_files(conn: &Connection) -> Result<HashMap<String, Fingerprint>> {
    let mut query = conn.prepare("SELECT path, size, mtime_ns FROM files")?;
    let rows = query.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            (r.get::<_, i64>(1)?, r.get::<_, i64>(2)?),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The git blob id of a file's content when it was indexed.
fn stored_hash(conn: &Connection, path: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT hash FROM files WHERE path = ?1")?
        .query_row(params![path], |r| r.get(0))
        .optional()?)
}

fn control_themes() -> HashMap<String, String> {
    catalogue::annex_a()
        .into_iter()
        .map(|c| (c.id, c.theme))
        .collect()
}

/// The git blob id of a file's content as it is now (empty when it cannot be read):
/// what tells a racily clean file that changed from one that did not.
fn content_hash(isms: &Isms, path: &str) -> String {
    fs::read(isms.root().join(path))
        .ok()
        .and_then(|bytes| git2::Oid::hash_object(git2::ObjectType::Blob, &bytes).ok())
        .map(|oid| oid.to_string())
        .unwrap_or_default()
}

fn forget(tx: &Transaction, path: &str) -> Result<()> {
    for table in [
        "files",
        "load_errors",
        "risks",
        "controls",
        "treatments",
        "documents",
        "assessments",
        "search",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE path = ?1"),
            params![path],
        )?;
    }
    Ok(())
}

/// One row to insert: the statement and its values.
type Row = (&'static str, Vec<rusqlite::types::Value>);

/// `sql` with `values`, owned, so that the thread that read a file can make its rows
/// and the one that writes the index only executes them.
fn row(sql: &'static str, values: &[&dyn rusqlite::ToSql]) -> Row {
    use rusqlite::types::{ToSqlOutput, Value, ValueRef};
    let owned = values
        .iter()
        .map(
            |v| match v.to_sql().expect("index values are plain text and numbers") {
                ToSqlOutput::Borrowed(r) => match r {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(i) => Value::Integer(i),
                    ValueRef::Real(f) => Value::Real(f),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                },
                ToSqlOutput::Owned(v) => v,
                _ => unreachable!("no index value is a blob stream or zero blob"),
            },
        )
        .collect();
    (sql, owned)
}

/// What the index needs besides a file to make its rows.
struct Context<'a> {
    methodology: Option<&'a Methodology>,
    config: &'a std::result::Result<IsmsConfig, Vec<LoadError>>,
    themes: &'a HashMap<String, String>,
}

/// The rows of one file, read once (what [`Isms::parse_file`] reads): the file with
/// its content's git blob id, and the record's rows, or why it does not load.
fn read_file(
    reader: &mut crate::fsio::NoFollowReader,
    file: &RecordFile,
    context: &Context,
) -> Vec<Row> {
    let bytes = reader.read(&file.path, file.size).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidInput {
            LoadError::file(
                &file.path,
                Error::OutsideRepository(file.path.clone()).to_string(),
            )
        } else {
            LoadError::file(&file.path, format!("cannot be read: {e}"))
        }
    });
    let hash = bytes
        .as_ref()
        .ok()
        .and_then(|b| git2::Oid::hash_object(git2::ObjectType::Blob, b).ok())
        .map(|oid| oid.to_string())
        .unwrap_or_default();
    let mut rows = vec![row(
        "INSERT INTO files(path, kind, size, mtime_ns, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            file.path,
            file.kind.map(|k| k.as_str()),
            file.size as i64,
            file.mtime_ns,
            hash
        ],
    )];
    let errors: Vec<LoadError> = match file.kind {
        None => context.config.as_ref().err().cloned().unwrap_or_default(),
        Some(kind) => {
            let parsed = bytes.map_err(|e| vec![e]).and_then(|bytes| {
                let text = crate::format::decode(&file.path, &bytes).map_err(|e| vec![e])?;
                crate::isms::parse_text(kind, &file.path, &file.stem, &text)
            });
            match parsed {
                Err(errors) => errors,
                Ok(parsed) => {
                    record_rows(
                        &mut rows,
                        &file.path,
                        &parsed.record,
                        context.methodology,
                        context.themes,
                    );
                    Vec::new()
                }
            }
        }
    };
    for e in errors {
        rows.push(row(
            "INSERT INTO load_errors(path, line, field, message) VALUES (?1, ?2, ?3, ?4)",
            params![e.path, e.line.map(|l| l as i64), e.field, e.message],
        ));
    }
    rows
}

/// [`read_file`] of every file, handed to `each` in order as soon as it is read, while
/// as many threads as the machine has cores (up to eight) read ahead: parsing front
/// matter is most of the time a first index takes, and the inserts into SQLite (which
/// `each` makes, on this thread) run meanwhile.
fn read_each(
    isms: &Isms,
    files: &[&RecordFile],
    context: &Context,
    mut each: impl FnMut(&RecordFile, Vec<Row>) -> Result<()>,
) -> Result<()> {
    /// Below this many files a thread costs more than it saves.
    const ON_ONE_THREAD: usize = 64;
    /// Files read before they are handed over: fewer wake-ups between threads.
    const BATCH: usize = 32;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads == 1 || files.len() < ON_ONE_THREAD {
        let mut reader = crate::fsio::NoFollowReader::new(isms.root());
        for file in files {
            each(file, read_file(&mut reader, file, context))?;
        }
        return Ok(());
    }
    let chunk = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut results = Vec::new();
        for part in files.chunks(chunk) {
            let (sender, receiver) = std::sync::mpsc::channel::<Vec<Vec<Row>>>();
            scope.spawn(move || {
                let mut reader = crate::fsio::NoFollowReader::new(isms.root());
                for batch in part.chunks(BATCH) {
                    let read = batch
                        .iter()
                        .map(|f| read_file(&mut reader, f, context))
                        .collect();
                    // The receiver is gone when indexing stopped on an error.
                    if sender.send(read).is_err() {
                        break;
                    }
                }
            });
            results.push(receiver);
        }
        for (part, receiver) in files.chunks(chunk).zip(results) {
            for batch in part.chunks(BATCH) {
                let read = receiver.recv().expect(
                    "a reader sends one batch per batch of files, since reading never panics",
                );
                for (file, read) in batch.iter().zip(read) {
                    each(file, read)?;
                }
            }
        }
        Ok(())
    })
}

/// Writes the rows [`read_file`] makes, each statement prepared once per transaction
/// and found again by the address of its text (a handful of statements).
struct Writer<'t> {
    tx: &'t Connection,
    statements: Vec<(&'static str, rusqlite::Statement<'t>)>,
}

impl<'t> Writer<'t> {
    fn new(tx: &'t Connection) -> Writer<'t> {
        Writer {
            tx,
            statements: Vec::new(),
        }
    }

    /// Writes the rows of one file.
    fn write(&mut self, rows: Vec<Row>) -> Result<()> {
        for (sql, values) in rows {
            let at = match self
                .statements
                .iter()
                .position(|(s, _)| std::ptr::eq(*s, sql))
            {
                Some(at) => at,
                None => {
                    self.statements.push((sql, self.tx.prepare(sql)?));
                    self.statements.len() - 1
                }
            };
            self.statements[at]
                .1
                .execute(rusqlite::params_from_iter(values))?;
        }
        Ok(())
    }
}

fn record_rows(
    rows: &mut Vec<Row>,
    path: &str,
    record: &AnyRecord,
    methodology: Option<&Methodology>,
    themes: &HashMap<String, String>,
) {
    let json = |v: &Vec<String>| {
        serde_json::to_string(v).expect("a list of strings serialises because it is plain data")
    };
    // NaiveDate displays as `%Y-%m-%d`, without parsing a format string each time.
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    match record {
        AnyRecord::Risk(r) => {
            let inherent = methodology.and_then(|m| r.inherent(m));
            // The residual columns hold the rating after treatment: the one rule the
            // dashboard, the register and the reports share.
            let residual = methodology.and_then(|m| r.rating_after_treatment(m));
            let (residual_likelihood, residual_impact) = r.levels_after_treatment().unzip();
            rows.push(row("INSERT INTO risks VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)", params![
                r.id, path, r.title, r.domain, r.status.as_str(), r.likelihood, r.impact,
                inherent.as_ref().map(|x| x.score), inherent.and_then(|x| x.band).map(|b| b.as_str().to_string()),
                residual_likelihood, residual_impact, residual.as_ref().map(|x| x.score), residual.and_then(|x| x.band).map(|b| b.as_str().to_string()),
                r.treatment.map(|t| t.as_str()), r.owner, r.provisional, date(r.reviewed_on), date(r.next_review), r.deferred_to,
                json(&r.controls), json(&r.related), json(&r.themes), json(&r.cited_controls().to_vec()),
                methodology.filter(|m| r.to_be_rescored(m)).map(|m| r.scored_under(m).to_string())
            ]));
        }
        AnyRecord::Control(c) => {
            let (major, minor) = catalogue::control_order(&c.id);
            let reasons: Vec<String> = c.reasons.iter().map(|r| r.as_str().to_string()).collect();
            rows.push(row(
                "INSERT INTO controls VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    c.id,
                    path,
                    c.title,
                    themes.get(&c.id),
                    c.applicable,
                    c.status.as_str(),
                    c.owner,
                    json(&reasons),
                    major,
                    minor
                ],
            ));
        }
        AnyRecord::Treatment(t) => {
            use crate::domain::ActionStatus::{Cancelled, Done};
            let open: Vec<_> = t
                .actions
                .iter()
                .filter(|a| !matches!(a.status, Done | Cancelled))
                .collect();
            let next_due = open.iter().filter_map(|a| a.due).min();
            rows.push(row(
                "INSERT INTO treatments VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    t.id,
                    path,
                    t.title,
                    t.option.as_str(),
                    t.decision.as_str(),
                    date(t.approved_on),
                    json(&t.risks),
                    t.actions.len() as i64,
                    open.len() as i64,
                    date(next_due)
                ],
            ));
        }
        AnyRecord::Document(d) => {
            rows.push(row(
                "INSERT INTO documents VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    d.id,
                    path,
                    d.title,
                    d.version,
                    d.owner,
                    d.approved_by,
                    date(d.effective),
                    date(d.next_review)
                ],
            ));
        }
        AnyRecord::Assessment(a) => {
            rows.push(row(
                "INSERT INTO assessments VALUES (?1, ?2, ?3, ?4)",
                params![a.id, path, a.title, date(Some(a.performed_on))],
            ));
        }
        // Audits, findings and suppliers are listed from their files (a few hundred at
        // most); the index makes them searchable.
        AnyRecord::Audit(_)
        | AnyRecord::Nonconformity(_)
        | AnyRecord::Objective(_)
        | AnyRecord::Review(_)
        | AnyRecord::Supplier(_)
        | AnyRecord::Attestation(_)
        | AnyRecord::Evidence(_) => {}
    }
    let (id, kind, title, _) = searched(record);
    let (search_title, search_body) = search_text(record);
    rows.push(row(
        "INSERT INTO search(id, kind, path, shown_title, title, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, kind, path, title, search_title, search_body],
    ));
}

/// A record's id, kind, title and text, as search shows and finds it.
fn searched(record: &AnyRecord) -> (&str, &'static str, &str, &str) {
    match record {
        AnyRecord::Risk(r) => (&r.id, "risk", &r.title, &r.body),
        AnyRecord::Control(c) => (&c.id, "control", &c.title, &c.body),
        AnyRecord::Treatment(t) => (&t.id, "treatment", &t.title, &t.body),
        AnyRecord::Document(d) => (&d.id, "document", &d.title, &d.body),
        AnyRecord::Assessment(a) => (&a.id, "assessment", &a.title, &a.body),
        AnyRecord::Audit(a) => (&a.id, "audit", &a.title, &a.body),
        AnyRecord::Nonconformity(n) => (&n.id, "nonconformity", &n.title, &n.body),
        AnyRecord::Objective(o) => (&o.id, "objective", &o.title, &o.body),
        AnyRecord::Review(v) => (&v.id, "review", &v.title, &v.body),
        AnyRecord::Supplier(s) => (&s.id, "supplier", &s.name, &s.body),
        AnyRecord::Attestation(a) => (&a.id, "attestation", &a.name, &a.body),
        AnyRecord::Evidence(e) => (&e.id, "evidence", &e.title, &e.body),
    }
}

/// What the search index holds of a record: its id and folded title, and its folded
/// text without the section headings (structure, not content).
fn search_text(record: &AnyRecord) -> (String, String) {
    let (id, _, title, body) = searched(record);
    let text: String = sections(body)
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n");
    (format!("{id} {}", fold(title)), fold(&text))
}

/// A word column read back as its enum (written by `as_str`, so it parses).
fn word<T: std::str::FromStr>(row: &rusqlite::Row, column: usize) -> rusqlite::Result<T> {
    parse_word(&row.get::<_, String>(column)?, column)
}

fn parse_word<T: std::str::FromStr>(text: &str, column: usize) -> rusqlite::Result<T> {
    text.parse().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            format!("`{text}` is not a word the index writes").into(),
        )
    })
}

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Folds text for search: lower case, and the Nordic and other letters that
/// SQLite's diacritic removal leaves alone are spelled the way people type them
/// without them (`ø`→`o`, `æ`→`ae`, `å`→`a`, `ß`→`ss`). Used for both the indexed
/// text and the query, so they always agree.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'ø' => out.push('o'),
            'æ' => out.push_str("ae"),
            'å' => out.push('a'),
            'ß' => out.push_str("ss"),
            'œ' => out.push_str("oe"),
            'đ' | 'ð' => out.push('d'),
            'ł' => out.push('l'),
            'þ' => out.push_str("th"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_spells_nordic_letters_as_typed_without_them() {
        assert_eq!(fold("København"), "kobenhavn");
        assert_eq!(fold("ÆRØ Århus"), "aero arhus");
        assert_eq!(fold("Straße"), "strasse");
    }
}
