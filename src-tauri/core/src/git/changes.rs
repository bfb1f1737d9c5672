//! What changed between two revisions of the ISMS, record by record and field by field:
//! risks added, closed, rescored or changing band; SoA applicability and status;
//! treatments and their actions. `isms diff` prints it; reports use it as data.
//!
//! Records are compared as data, not as text: a field is named by the same dotted path
//! `isms set` takes (`likelihood`, `acceptance.memo`, `actions.A2.status`), lists show
//! the items added and removed, and a risk's score and band are derived with the
//! methodology of each side, so a change of band is visible even when it comes from a
//! change of the bands themselves.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::{IsmsConfig, Methodology, RiskStatus};
use crate::format;
use crate::isms::{parse_text, AnyRecord, Isms, RecordKind, CONFIG_FILE};
use crate::{Error, LoadError, Result};

use super::revision_error;

/// One field that differs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct FieldChange {
    /// The dotted field path (`likelihood`, `band`, `actions.A2.status`).
    pub field: String,
    /// The value before, as text (`None`: absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub before: Option<String>,
    /// The value after, as text (`None`: absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub after: Option<String>,
    /// For lists: the items added.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional))]
    pub added: Vec<String>,
    /// For lists: the items removed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional))]
    pub removed: Vec<String>,
}

/// How a record changed as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// New in the later revision.
    Added,
    /// Gone from the later revision (deleted, not closed).
    Removed,
    /// A risk closed, a treatment closed, a document withdrawn.
    Closed,
    /// A closed record opened again.
    Reopened,
    /// Fields changed.
    Changed,
    /// The file is there but does not load in the later revision (it is not removed:
    /// mend it; its problem is in `Changes::errors`).
    DoesNotLoad,
}

impl ChangeKind {
    /// The change in words: `added`, `does not load`.
    pub fn words(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Closed => "closed",
            ChangeKind::Reopened => "reopened",
            ChangeKind::Changed => "changed",
            ChangeKind::DoesNotLoad => "does not load",
        }
    }
}

/// One record that differs between two revisions.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordChange {
    /// The kind of record.
    pub kind: RecordKind,
    /// Its id.
    pub id: String,
    /// Its file.
    pub path: String,
    /// Its title (the later one when both exist).
    pub title: String,
    /// What happened to it.
    pub change: ChangeKind,
    /// The fields that differ (derived ones included: `score`, `band`, …).
    pub fields: Vec<FieldChange>,
    /// A unified diff of the markdown body, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub body_diff: Option<String>,
}

impl RecordChange {
    /// The change of one field, if it changed.
    pub fn field(&self, name: &str) -> Option<&FieldChange> {
        self.fields.iter().find(|f| f.field == name)
    }
}

/// The changes between two revisions.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Changes {
    /// The earlier revision as given, and its commit.
    pub from: String,
    /// The later revision as given (`working tree` when none), and its commit.
    pub to: String,
    /// The records that differ, in kind order (risks, SoA, treatments, documents,
    /// assessments), then by id.
    pub records: Vec<RecordChange>,
    /// Files that did not load on either side (they are left out of the comparison).
    pub errors: Vec<LoadError>,
}

/// Every record of one revision, by kind and id.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// isms.yaml, when it loaded.
    pub config: Option<IsmsConfig>,
    /// The records.
    pub records: BTreeMap<(usize, String), AnyRecord>,
    /// Files that did not load.
    pub errors: Vec<LoadError>,
    /// The public security page's source, when the commit has one.
    pub security_page: Option<crate::domain::SecurityPage>,
    /// The SOC 2 system description, when the commit has one.
    pub system_description: Option<crate::domain::SystemDescription>,
    /// The ISMS's own SOC 2 mapping rows at the commit.
    pub soc2_mapping: Vec<crate::catalogue::MappingRow>,
}

impl Snapshot {
    /// The records of a commit (any revision git understands: a commit id, a tag, a
    /// branch, `HEAD~3`).
    pub fn at(repo: &git2::Repository, rev: &str) -> Result<Snapshot> {
        // Before the first commit, the last commit holds nothing.
        if rev == "HEAD" && super::nothing_committed(repo) {
            return Ok(Snapshot::default());
        }
        let commit = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| Error::UnknownRevision(rev.to_string()))?;
        let tree = commit.tree()?;
        let mut snapshot = Snapshot::default();
        match tree.get_path(Path::new(CONFIG_FILE)) {
            Ok(entry) => {
                let blob = repo.find_blob(entry.id())?;
                match std::str::from_utf8(blob.content()) {
                    Ok(text) => match format::parse_config(text) {
                        Ok(c) => snapshot.config = Some(c),
                        Err(mut e) => snapshot.errors.append(&mut e),
                    },
                    Err(_) => snapshot
                        .errors
                        .push(revision_error(rev, CONFIG_FILE, "not UTF-8")),
                }
            }
            Err(_) => snapshot
                .errors
                .push(revision_error(rev, CONFIG_FILE, "missing")),
        }
        snapshot.security_page = one_of_a_kind(
            repo,
            &tree,
            rev,
            crate::domain::SECURITY_PAGE_FILE,
            format::parse_security_page,
            &mut snapshot.errors,
        )?;
        snapshot.system_description = one_of_a_kind(
            repo,
            &tree,
            rev,
            crate::domain::SYSTEM_DESCRIPTION_FILE,
            format::parse_system_description,
            &mut snapshot.errors,
        )?;
        if let Ok(entry) = tree.get_path(Path::new(crate::domain::SOC2_MAPPING_FILE)) {
            let path = crate::domain::SOC2_MAPPING_FILE;
            let blob = repo.find_blob(entry.id())?;
            match format::decode(path, blob.content()) {
                Ok(text) => {
                    let (rows, mut e) = crate::isms::own_soc2_rows(path, &text);
                    snapshot.soc2_mapping = rows;
                    for err in &mut e {
                        err.path = format!("{rev}:{}", err.path);
                    }
                    snapshot.errors.append(&mut e);
                }
                Err(mut e) => {
                    e.path = format!("{rev}:{}", e.path);
                    snapshot.errors.push(e);
                }
            }
        }
        for kind in RecordKind::ALL {
            let Ok(entry) = tree.get_path(Path::new(kind.folder())) else {
                continue;
            };
            let Ok(folder) = repo.find_tree(entry.id()) else {
                continue;
            };
            for item in folder.iter() {
                let Ok(name) = item.name() else { continue };
                let path = format!("{}/{name}", kind.folder());
                let Some((kind, stem)) = RecordKind::of_path(&path) else {
                    continue;
                };
                if item.kind() != Some(git2::ObjectType::Blob) {
                    continue;
                }
                let blob = repo.find_blob(item.id())?;
                match parse_blob(kind, &path, stem, blob.content()) {
                    Ok(record) => {
                        snapshot
                            .records
                            .insert((kind_order(kind), stem.to_string()), record);
                    }
                    Err(mut e) => {
                        for err in &mut e {
                            err.path = format!("{rev}:{}", err.path);
                        }
                        snapshot.errors.append(&mut e)
                    }
                }
            }
        }
        Ok(snapshot)
    }

    /// The records of a commit, every file of which must load: what a report or a
    /// published page is made from, so that none is made incomplete.
    pub fn complete_at(repo: &git2::Repository, rev: &str) -> Result<Snapshot> {
        let snapshot = Snapshot::at(repo, rev)?;
        if snapshot.errors.is_empty() {
            Ok(snapshot)
        } else {
            Err(crate::Error::IncompleteSource {
                rev: rev.to_string(),
                errors: snapshot.errors,
            })
        }
    }

    /// The records `pick` picks, in the snapshot's order (by kind, then path).
    pub fn all<'a, T>(&'a self, pick: impl Fn(&'a AnyRecord) -> Option<&'a T>) -> Vec<&'a T> {
        self.records.values().filter_map(pick).collect()
    }

    /// The risks.
    pub fn risks(&self) -> Vec<&crate::domain::Risk> {
        self.all(|r| match r {
            AnyRecord::Risk(x) => Some(x),
            _ => None,
        })
    }

    /// The SoA entries, in Annex A order.
    pub fn controls(&self) -> Vec<&crate::domain::SoaEntry> {
        let mut out = self.all(|r| match r {
            AnyRecord::Control(x) => Some(x),
            _ => None,
        });
        out.sort_by_key(|c| crate::catalogue::control_order(&c.id));
        out
    }

    /// The treatments.
    pub fn treatments(&self) -> Vec<&crate::domain::Treatment> {
        self.all(|r| match r {
            AnyRecord::Treatment(x) => Some(x),
            _ => None,
        })
    }

    /// The internal audits.
    pub fn audits(&self) -> Vec<&crate::domain::Audit> {
        self.all(|r| match r {
            AnyRecord::Audit(x) => Some(x),
            _ => None,
        })
    }

    /// The objectives.
    pub fn objectives(&self) -> Vec<&crate::domain::Objective> {
        self.all(|r| match r {
            AnyRecord::Objective(x) => Some(x),
            _ => None,
        })
    }

    /// The assessments.
    pub fn assessments(&self) -> Vec<&crate::domain::Assessment> {
        self.all(|r| match r {
            AnyRecord::Assessment(x) => Some(x),
            _ => None,
        })
    }

    /// The records in the working tree, as saved.
    pub fn working_tree(isms: &Isms) -> Result<Snapshot> {
        let loaded = isms.load()?;
        let mut snapshot = Snapshot {
            config: loaded.records.config.clone(),
            security_page: loaded.records.security_page.clone(),
            system_description: loaded.records.system_description.clone(),
            soc2_mapping: loaded.records.soc2_mapping.clone(),
            errors: loaded.errors,
            ..Default::default()
        };
        let r = loaded.records;
        let all = r
            .risks
            .into_iter()
            .map(AnyRecord::Risk)
            .chain(r.controls.into_iter().map(AnyRecord::Control))
            .chain(r.treatments.into_iter().map(AnyRecord::Treatment))
            .chain(r.documents.into_iter().map(AnyRecord::Document))
            .chain(r.assessments.into_iter().map(AnyRecord::Assessment))
            .chain(r.audits.into_iter().map(AnyRecord::Audit))
            .chain(r.nonconformities.into_iter().map(AnyRecord::Nonconformity))
            .chain(r.objectives.into_iter().map(AnyRecord::Objective))
            .chain(r.reviews.into_iter().map(AnyRecord::Review))
            .chain(r.suppliers.into_iter().map(AnyRecord::Supplier))
            .chain(r.attestations.into_iter().map(AnyRecord::Attestation))
            .chain(r.evidence.into_iter().map(AnyRecord::Evidence));
        for record in all {
            snapshot
                .records
                .insert((kind_order(record.kind()), record.id().to_string()), record);
        }
        Ok(snapshot)
    }
}

/// A file of which an ISMS has one (the security page, the system description) at a
/// tree, parsed; `None` when the tree has none or it does not load (its errors go to
/// `errors`, their paths prefixed with `rev:`).
fn one_of_a_kind<T>(
    repo: &git2::Repository,
    tree: &git2::Tree,
    rev: &str,
    path: &str,
    parse: impl FnOnce(&str, &str) -> Result<format::Parsed<T>, Vec<LoadError>>,
    errors: &mut Vec<LoadError>,
) -> Result<Option<T>> {
    let Ok(entry) = tree.get_path(Path::new(path)) else {
        return Ok(None);
    };
    let blob = repo.find_blob(entry.id())?;
    let parsed = format::decode(path, blob.content())
        .map_err(|e| vec![e])
        .and_then(|text| parse(path, &text));
    Ok(match parsed {
        Ok(p) => Some(p.record),
        Err(mut e) => {
            for err in &mut e {
                err.path = format!("{rev}:{}", err.path);
            }
            errors.append(&mut e);
            None
        }
    })
}

/// Parses a record from blob bytes.
pub fn parse_blob(
    kind: RecordKind,
    path: &str,
    stem: &str,
    bytes: &[u8],
) -> Result<AnyRecord, Vec<LoadError>> {
    let text = format::decode(path, bytes).map_err(|e| vec![e])?;
    parse_text(kind, path, stem, &text).map(|p| p.record)
}

fn kind_order(kind: RecordKind) -> usize {
    RecordKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// Compares two snapshots.
pub fn between(from_label: &str, from: &Snapshot, to_label: &str, to: &Snapshot) -> Changes {
    let mut records = Vec::new();
    let methodology = |s: &Snapshot| s.config.as_ref().map(|c| c.methodology.clone());
    let (m_from, m_to) = (methodology(from), methodology(to));
    let keys: std::collections::BTreeSet<&(usize, String)> =
        from.records.keys().chain(to.records.keys()).collect();
    for key in keys {
        let before = from.records.get(key);
        let after = to.records.get(key);
        if let Some(mut change) = compare(before, m_from.as_ref(), after, m_to.as_ref()) {
            if change.change == ChangeKind::Removed
                && to.errors.iter().any(|e| e.path == change.path)
            {
                change.change = ChangeKind::DoesNotLoad;
                change.fields.clear();
                change.body_diff = None;
            }
            records.push(change);
        }
    }
    let mut errors = from.errors.clone();
    errors.extend(to.errors.iter().cloned());
    Changes {
        from: from_label.to_string(),
        to: to_label.to_string(),
        records,
        errors,
    }
}

/// Compares two versions of one record (either may be absent).
pub fn compare(
    before: Option<&AnyRecord>,
    m_before: Option<&Methodology>,
    after: Option<&AnyRecord>,
    m_after: Option<&Methodology>,
) -> Option<RecordChange> {
    let record = after.or(before)?;
    let old = before.map(|r| flatten(r, m_before)).unwrap_or_default();
    let new = after.map(|r| flatten(r, m_after)).unwrap_or_default();
    let mut fields = Vec::new();
    let names: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let order = |name: &str| field_order(record.kind(), name);
    let mut names: Vec<&String> = names.into_iter().collect();
    names.sort_by_key(|n| (order(n), n.to_string()));
    for name in names {
        let (a, b) = (old.get(name), new.get(name));
        if a == b {
            continue;
        }
        let list = |v: Option<&Flat>| match v {
            Some(Flat::List(items)) => items.clone(),
            _ => Vec::new(),
        };
        let is_list = matches!(a, Some(Flat::List(_))) || matches!(b, Some(Flat::List(_)));
        if is_list {
            let (la, lb) = (list(a), list(b));
            fields.push(FieldChange {
                field: name.clone(),
                before: None,
                after: None,
                added: lb.iter().filter(|x| !la.contains(x)).cloned().collect(),
                removed: la.iter().filter(|x| !lb.contains(x)).cloned().collect(),
            });
        } else {
            let text = |v: Option<&Flat>| match v {
                Some(Flat::Text(t)) => Some(t.clone()),
                _ => None,
            };
            fields.push(FieldChange {
                field: name.clone(),
                before: text(a),
                after: text(b),
                added: Vec::new(),
                removed: Vec::new(),
            });
        }
    }
    let body = |r: Option<&AnyRecord>| {
        r.map(|r| crate::isms::emit_any(r).1.to_string())
            .unwrap_or_default()
    };
    let (body_before, body_after) = (body(before), body(after));
    let body_diff = (before.is_some() && after.is_some() && body_before != body_after).then(|| {
        similar::TextDiff::from_lines(&body_before, &body_after)
            .unified_diff()
            .context_radius(2)
            .to_string()
    });
    if before.is_some() && after.is_some() && fields.is_empty() && body_diff.is_none() {
        return None;
    }
    let closed = |r: &AnyRecord| match r {
        AnyRecord::Risk(r) => r.status == RiskStatus::Closed,
        AnyRecord::Treatment(t) => t.closed_on.is_some(),
        AnyRecord::Document(d) => d.withdrawn_on.is_some(),
        AnyRecord::Nonconformity(n) => n.status == crate::domain::FindingStatus::Closed,
        _ => false,
    };
    let change = match (before, after) {
        (None, Some(_)) => ChangeKind::Added,
        (Some(_), None) => ChangeKind::Removed,
        (Some(b), Some(a)) if !closed(b) && closed(a) => ChangeKind::Closed,
        (Some(b), Some(a)) if closed(b) && !closed(a) => ChangeKind::Reopened,
        _ => ChangeKind::Changed,
    };
    Some(RecordChange {
        kind: record.kind(),
        id: record.id().to_string(),
        path: record.kind().path(record.id()),
        title: title_of(record),
        change,
        fields,
        body_diff,
    })
}

/// The title of any record.
pub fn title_of(record: &AnyRecord) -> String {
    match record {
        AnyRecord::Risk(r) => r.title.clone(),
        AnyRecord::Control(c) => c.title.clone(),
        AnyRecord::Treatment(t) => t.title.clone(),
        AnyRecord::Document(d) => d.title.clone(),
        AnyRecord::Assessment(a) => a.title.clone(),
        AnyRecord::Audit(a) => a.title.clone(),
        AnyRecord::Nonconformity(n) => n.title.clone(),
        AnyRecord::Objective(o) => o.title.clone(),
        AnyRecord::Review(v) => v.title.clone(),
        AnyRecord::Supplier(s) => s.name.clone(),
        AnyRecord::Attestation(a) => a.name.clone(),
        AnyRecord::Evidence(e) => e.title.clone(),
    }
}

/// A field's value for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Flat {
    Text(String),
    List(Vec<String>),
}

/// A record's fields as dotted names and the text people read for each (a list
/// joined with commas): what a record's history and an import's plan compare.
pub(crate) fn flat_fields(record: &AnyRecord) -> BTreeMap<String, String> {
    flatten(record, None)
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Flat::Text(t) => t,
                Flat::List(items) => items.join(", "),
            };
            (k, text)
        })
        .collect()
}

/// The fields of a record by dotted path, with a risk's derived score and band.
fn flatten(record: &AnyRecord, methodology: Option<&Methodology>) -> BTreeMap<String, Flat> {
    let value = match record {
        AnyRecord::Risk(r) => serde_json::to_value(r),
        AnyRecord::Control(c) => serde_json::to_value(c),
        AnyRecord::Treatment(t) => serde_json::to_value(t),
        AnyRecord::Document(d) => serde_json::to_value(d),
        AnyRecord::Assessment(a) => serde_json::to_value(a),
        AnyRecord::Audit(a) => serde_json::to_value(a),
        AnyRecord::Nonconformity(n) => serde_json::to_value(n),
        AnyRecord::Objective(o) => serde_json::to_value(o),
        AnyRecord::Review(v) => serde_json::to_value(v),
        AnyRecord::Supplier(s) => serde_json::to_value(s),
        AnyRecord::Attestation(a) => serde_json::to_value(a),
        AnyRecord::Evidence(e) => serde_json::to_value(e),
    }
    .expect("records serialise because they are plain data");
    let mut out = BTreeMap::new();
    if let Value::Object(map) = value {
        for (key, v) in map {
            if key != "body" && key != "id" {
                flatten_into(&key, &v, &mut out);
            }
        }
    }
    if let (AnyRecord::Risk(r), Some(m)) = (record, methodology) {
        for (prefix, rating) in [("", r.inherent(m)), ("residual_", r.residual(m))] {
            if let Some(rating) = rating {
                out.insert(
                    format!("{prefix}score"),
                    Flat::Text(rating.score.to_string()),
                );
                if let Some(band) = &rating.band {
                    out.insert(format!("{prefix}band"), Flat::Text(m.band_name(Some(band))));
                }
            }
        }
    }
    out
}

fn flatten_into(path: &str, value: &Value, out: &mut BTreeMap<String, Flat>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => {
            out.insert(path.to_string(), Flat::Text(b.to_string()));
        }
        Value::Number(n) => {
            out.insert(path.to_string(), Flat::Text(n.to_string()));
        }
        Value::String(s) => {
            out.insert(path.to_string(), Flat::Text(s.clone()));
        }
        Value::Array(items) if items.iter().all(|i| i.get("id").is_some()) && !items.is_empty() => {
            // Lists of items with ids (actions, themes): the ids as a list, then each
            // item's fields under its id.
            let ids: Vec<String> = items
                .iter()
                .filter_map(|i| i.get("id").and_then(Value::as_str).map(str::to_string))
                .collect();
            out.insert(path.to_string(), Flat::List(ids.clone()));
            for (item, id) in items.iter().zip(&ids) {
                if let Value::Object(map) = item {
                    for (k, v) in map {
                        if k != "id" {
                            flatten_into(&format!("{path}.{id}.{k}"), v, out);
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            if !items.is_empty() {
                let texts = items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                out.insert(path.to_string(), Flat::List(texts));
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                flatten_into(&format!("{path}.{k}"), v, out);
            }
        }
    }
}

/// Fields in the order a person reads them: the canonical key order, with the derived
/// score and band after the values they come from.
fn field_order(kind: RecordKind, name: &str) -> usize {
    let keys = kind.keys();
    let top = name.split('.').next().unwrap_or(name);
    let derived_after = match top {
        "score" | "band" => Some("impact"),
        "residual_score" | "residual_band" => Some("residual_impact"),
        _ => None,
    };
    let base = keys
        .iter()
        .position(|k| *k == derived_after.unwrap_or(top))
        .unwrap_or(keys.len());
    base * 4 + usize::from(derived_after.is_some()) * (1 + usize::from(top.ends_with("band")))
}

impl Isms {
    /// The changes between revision `from` and revision `to` (the working tree when
    /// `None`).
    pub fn changes(&self, from: &str, to: Option<&str>) -> Result<Changes> {
        let repo = super::repository(self)?;
        let before = Snapshot::at(&repo, from)?;
        let label = |rev: &str| -> String {
            repo.revparse_single(rev)
                .and_then(|o| o.peel_to_commit())
                .map(|c| format!("{rev} ({})", super::CommitId::from(c.id()).short()))
                .unwrap_or_else(|_| rev.to_string())
        };
        let (after, to_label) = match to {
            Some(rev) => (Snapshot::at(&repo, rev)?, label(rev)),
            None => (Snapshot::working_tree(self)?, "working tree".to_string()),
        };
        Ok(between(&label(from), &before, &to_label, &after))
    }
}
