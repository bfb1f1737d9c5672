//! Reading and canonical writing of the record kinds: risks, SoA entries,
//! treatments, documents and assessments.

use super::emit::{block_scalar, flow_scalar, Emitter, FieldText};
use super::fields::{Fields, Reader};
use super::frontmatter::{self, Source, FRONT_MATTER_FIRST_LINE};
use super::yaml;
use crate::domain::*;
use crate::LoadError;

/// A record read from a file: the record, the file's parts (for a faithful rewrite),
/// and the front-matter keys ISMS Desk does not read (kept as written).
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// The record.
    pub record: T,
    /// The file, split.
    pub source: Source,
    /// Unknown top-level keys, with their lines and likely meanings.
    pub unknown_keys: Vec<UnknownKey>,
}

type ParseResult<T> = Result<Parsed<T>, Vec<LoadError>>;

/// Splits and parses a record file, then reads it with `read`, which gets the front
/// matter's fields and the body.
fn parse_with<T>(
    path: &str,
    stem: &str,
    text: &str,
    known: &[&str],
    read: impl FnOnce(&mut Reader, Fields, String) -> Option<T>,
) -> ParseResult<T> {
    parse_front_matter(path, Some(stem), text, known, read)
}

/// Splits and parses a markdown file with front matter, then reads it with `read`.
/// A record (`id_is`: its file name) must carry that id; a file that is one of a kind
/// (the security page) carries none.
fn parse_front_matter<T>(
    path: &str,
    id_is: Option<&str>,
    text: &str,
    known: &[&str],
    read: impl FnOnce(&mut Reader, Fields, String) -> Option<T>,
) -> ParseResult<T> {
    let source = frontmatter::split(text).map_err(|e| {
        vec![LoadError {
            path: path.into(),
            line: Some(e.line),
            field: None,
            message: e.message,
        }]
    })?;
    let offset = FRONT_MATTER_FIRST_LINE - 1;
    let (root, plain) = yaml::parse_noting_plain(&source.front).map_err(|e| {
        vec![LoadError {
            path: path.into(),
            line: e.line.map(|l| l + offset),
            field: None,
            message: format!("invalid YAML: {}", e.message),
        }]
    })?;
    let mut reader = Reader::new(path, offset);
    let fields = reader
        .root(&root)
        .ok_or_else(|| std::mem::take(&mut reader.errors))?;
    // Edits keep each top-level key's lines as written, so each key must be where a
    // line-based reader finds it: at the start of its own line, plainly. Plain front
    // matter is so by construction (`yaml::parse_noting_plain`).
    if !plain {
        check_keys_stand_alone(&mut reader, fields, &source.front);
    }
    // The id is the file name, so that `git log -- risks/R-004.md` is that record's trail.
    match id_is.map(|stem| (stem, reader.opt_text(fields, "id"))) {
        Some((stem, Some(id))) if id != stem => reader.error(
            fields.line_of("id"),
            "id",
            format!("`{id}` differs from the file name `{stem}`; the id is the file name"),
        ),
        Some((_, None)) if reader.errors.is_empty() => {
            reader.error(fields.line(), "id", "required field is missing")
        }
        _ => {}
    }
    let unknown_keys = fields
        .keys()
        .filter(|k| !known.contains(k))
        .map(|k| UnknownKey {
            path: path.to_string(),
            key: k.to_string(),
            line: fields.line_of(k) + offset,
            suggestion: crate::domain::words::closest(k, known).map(str::to_string),
        })
        .collect();
    let record = read(&mut reader, fields, source.body.clone());
    match record {
        Some(record) if reader.errors.is_empty() => Ok(Parsed {
            record,
            source,
            unknown_keys,
        }),
        _ => Err(reader.errors),
    }
}

fn require<T>(reader: &mut Reader, fields: Fields, key: &str, value: Option<T>) -> Option<T> {
    if value.is_none()
        && !reader
            .errors
            .iter()
            .any(|e| e.field.as_deref() == Some(key))
    {
        reader.error(fields.line_of(key), key, "required field is missing");
    }
    value
}

/// Checks an id of the form `R-001`.
fn check_numbered_id(reader: &mut Reader, fields: Fields, prefix: &str, what: &str) {
    if let Some(id) = fields.get("id").and_then(|n| {
        n.raw.as_deref().or(match &n.value {
            yaml::Value::Str(s) => Some(s.as_str()),
            _ => None,
        })
    }) {
        let id = id.trim_matches('"');
        let ok = id
            .strip_prefix(prefix)
            .is_some_and(|n| n.len() >= 3 && n.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            reader.error(
                fields.line_of("id"),
                "id",
                format!("`{id}` is not a {what} id; write {prefix}001, {prefix}002, …"),
            );
        }
    }
}

/// The line-based checks of front matter that is not plain: a line that continues a
/// value without indentation, a key line YAML reads as part of the value above, a key
/// not written plainly at the start of its line.
fn check_keys_stand_alone(reader: &mut Reader, fields: Fields, front: &str) {
    for line in frontmatter::unindented_continuations(front) {
        reader.error(
            line,
            "",
            "this line continues the value above without indentation; indent it",
        );
    }
    // And a line that looks like a key must be one, not the inside of a value above.
    let mut line = 1;
    let mut written: Vec<String> = Vec::new();
    for block in frontmatter::blocks(front) {
        if let Some(key) = block.key {
            let key_line = line + frontmatter::leading_comments(&block.text).lines().count();
            if fields.get(&key).is_none() {
                reader.error(
                    key_line,
                    &key,
                    format!("`{key}:` starts a line but YAML reads it as part of the value above; close that value (a `]`, `}}` or quote) or indent this line"),
                );
            }
            written.push(key);
        }
        line += block.text.lines().count();
    }
    for key in fields.keys() {
        if !written.iter().any(|w| w == key) {
            reader.error(
                fields.line_of(key),
                key,
                format!("write `{key}:` plainly at the start of its line (no anchor, tag, alias or indentation)"),
            );
        }
    }
}

/// The front-matter keys of a risk, in canonical order.
pub const RISK_KEYS: &[&str] = &[
    "id",
    "title",
    "domain",
    "status",
    "deferred_to",
    "likelihood",
    "impact",
    "impact_cia",
    "residual_likelihood",
    "residual_impact",
    "methodology_version",
    "provisional",
    "treatment",
    "owner",
    "controls",
    "related",
    "findings",
    "themes",
    "reviewed_on",
    "next_review",
    "acceptance",
];

/// Reads a risk file (`risks/R-001.md`).
pub fn parse_risk(path: &str, stem: &str, text: &str) -> ParseResult<Risk> {
    parse_with(path, stem, text, RISK_KEYS, |r, f, body| {
        check_numbered_id(r, f, "R-", "risk");
        let id = r.text(f, "id");
        let title = r.text(f, "title");
        let domain = r.text(f, "domain");
        let status = r.word(f, "status", RiskStatus::parse, &RiskStatus::expected());
        let deferred_to = r.opt_text(f, "deferred_to");
        let likelihood = r.opt_level(f, "likelihood");
        let impact = r.opt_level(f, "impact");
        let residual_likelihood = r.opt_level(f, "residual_likelihood");
        let residual_impact = r.opt_level(f, "residual_impact");
        let impact_cia = r.opt_map(f, "impact_cia").and_then(|c| {
            let confidentiality = r.opt_level(c, "confidentiality");
            let integrity = r.opt_level(c, "integrity");
            let availability = r.opt_level(c, "availability");
            for (key, v) in [
                ("confidentiality", confidentiality),
                ("integrity", integrity),
                ("availability", availability),
            ] {
                if v.is_none() && c.get(key).is_none() {
                    r.error(
                        c.line(),
                        &format!("impact_cia.{key}"),
                        "required field is missing: give all three impacts",
                    );
                }
            }
            Some(CiaImpact {
                confidentiality: confidentiality?,
                integrity: integrity?,
                availability: availability?,
            })
        });
        // The impact is the highest of the three; a file that states another is
        // contradicting itself.
        let impact = match (impact, &impact_cia) {
            (Some(i), Some(cia)) if i != cia.highest() => {
                r.error(
                    f.line_of("impact"),
                    "impact",
                    format!("{i} is not the highest of the confidentiality, integrity and availability impacts ({}); leave impact out, it follows from them", cia.highest()),
                );
                None
            }
            (_, Some(cia)) => Some(cia.highest()),
            (i, None) => i,
        };
        let methodology_version = r.opt_text(f, "methodology_version");
        let provisional = r.opt_bool(f, "provisional").unwrap_or(false);
        let treatment = r.opt_word(
            f,
            "treatment",
            TreatmentOption::parse,
            &TreatmentOption::expected(),
        );
        let owner = r.text(f, "owner");
        let controls = r.list(f, "controls");
        let related = r.list(f, "related");
        let findings = r.list(f, "findings");
        let themes = r.list(f, "themes");
        let reviewed_on = r.opt_date(f, "reviewed_on");
        let next_review = r.opt_date(f, "next_review");
        let acceptance = r.opt_map(f, "acceptance").and_then(|a| {
            let memo = r.word(a, "memo", MemoStatus::parse, &MemoStatus::expected());
            let accepted_by = r.text(a, "accepted_by");
            let accepted_on = r.opt_date(a, "accepted_on");
            let reaffirmed = r.list_dates(a, "reaffirmed");
            let signoff = r.opt_text(a, "signoff");
            let as_scored = r.opt_map(a, "as_scored").map(|s| AsScored {
                likelihood: r.opt_level(s, "likelihood"),
                impact: r.opt_level(s, "impact"),
                residual_likelihood: r.opt_level(s, "residual_likelihood"),
                residual_impact: r.opt_level(s, "residual_impact"),
            });
            Some(Acceptance {
                memo: memo?,
                accepted_by: accepted_by?,
                accepted_on,
                reaffirmed,
                signoff,
                as_scored,
            })
        });
        // A key left empty (`likelihood:`) is not given; a value given but wrong has its
        // own error already.
        let given = |key: &str| f.get(key).is_some_and(|n| n.value != yaml::Value::Null);
        // Scores come in pairs: a likelihood without an impact cannot be scored.
        for (l, i, lk, ik) in [
            (likelihood, impact, "likelihood", "impact"),
            (
                residual_likelihood,
                residual_impact,
                "residual_likelihood",
                "residual_impact",
            ),
        ] {
            if l.is_some() != i.is_some() && (!given(lk) || !given(ik)) {
                let (missing, present) = if l.is_none() { (lk, ik) } else { (ik, lk) };
                r.error(
                    f.line_of(present),
                    missing,
                    format!("required when {present} is given"),
                );
            }
        }
        if status == Some(RiskStatus::Active)
            && likelihood.is_none()
            && impact.is_none()
            && !given("likelihood")
        {
            r.error(
                f.line_of("status"),
                "likelihood",
                "an active risk needs likelihood and impact",
            );
        }
        Some(Risk {
            id: id?,
            title: title?,
            domain: domain?,
            status: status?,
            deferred_to,
            likelihood,
            impact,
            residual_likelihood,
            residual_impact,
            impact_cia,
            methodology_version,
            provisional,
            treatment,
            owner: owner?,
            controls,
            related,
            findings,
            themes,
            reviewed_on,
            next_review,
            acceptance,
            body,
        })
    })
}

fn date_text(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

/// The canonical front-matter fields of a risk.
pub fn emit_risk(risk: &Risk) -> Vec<FieldText> {
    let mut e = Emitter::default();
    e.text("id", Some(&risk.id))
        .text("title", Some(&risk.title))
        .text("domain", Some(&risk.domain))
        .text("status", Some(risk.status.as_str()))
        .text("deferred_to", risk.deferred_to.as_deref())
        .number("likelihood", risk.likelihood.map(i64::from))
        // With impacts per CIA, the impact follows from them and is not written.
        .number(
            "impact",
            risk.impact
                .filter(|_| risk.impact_cia.is_none())
                .map(i64::from),
        )
        .map(
            "impact_cia",
            risk.impact_cia.as_ref().map(|c| {
                vec![
                    ("confidentiality", c.confidentiality.to_string()),
                    ("integrity", c.integrity.to_string()),
                    ("availability", c.availability.to_string()),
                ]
            }),
        )
        .number(
            "residual_likelihood",
            risk.residual_likelihood.map(i64::from),
        )
        .number("residual_impact", risk.residual_impact.map(i64::from))
        .text("methodology_version", risk.methodology_version.as_deref())
        .flag("provisional", risk.provisional, false)
        .text("treatment", risk.treatment.map(|t| t.as_str()))
        .text("owner", Some(&risk.owner))
        .flow_list("controls", &risk.controls)
        .flow_list("related", &risk.related)
        .flow_list("findings", &risk.findings)
        .flow_list("themes", &risk.themes)
        .text("reviewed_on", date_text(risk.reviewed_on).as_deref())
        .text("next_review", date_text(risk.next_review).as_deref())
        .map(
            "acceptance",
            risk.acceptance.as_ref().map(|a| {
                let mut entries = vec![
                    ("memo", a.memo.as_str().to_string()),
                    ("accepted_by", block_scalar(&a.accepted_by, 4)),
                ];
                if let Some(d) = date_text(a.accepted_on) {
                    entries.push(("accepted_on", d));
                }
                if !a.reaffirmed.is_empty() {
                    let dates: Vec<String> = a
                        .reaffirmed
                        .iter()
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .collect();
                    entries.push(("reaffirmed", format!("[{}]", dates.join(", "))));
                }
                if let Some(id) = &a.signoff {
                    entries.push(("signoff", block_scalar(id, 4)));
                }
                if let Some(scored) = &a.as_scored {
                    let levels: Vec<String> = scored
                        .levels()
                        .iter()
                        .filter_map(|(k, v)| v.map(|v| format!("{k}: {v}")))
                        .collect();
                    entries.push(("as_scored", format!("{{{}}}", levels.join(", "))));
                }
                entries
            }),
        );
    e.fields
}

/// The front-matter keys of an SoA entry, in canonical order.
pub const SOA_KEYS: &[&str] = &[
    "id",
    "title",
    "applicable",
    "status",
    "owner",
    "reasons",
    "justification",
    "evidence",
    "evidence_every_days",
];

/// Reads an SoA entry (`controls/8.13.md`).
pub fn parse_soa_entry(path: &str, stem: &str, text: &str) -> ParseResult<SoaEntry> {
    parse_with(path, stem, text, SOA_KEYS, |r, f, body| {
        let id = r.text(f, "id");
        let title = r.opt_text(f, "title").unwrap_or_default();
        let applicable = r.opt_bool(f, "applicable");
        let applicable = require(r, f, "applicable", applicable);
        let status = r.word(
            f,
            "status",
            ControlStatus::parse,
            &ControlStatus::expected(),
        );
        let owner = r.opt_text(f, "owner");
        let reasons = r.list_words(
            f,
            "reasons",
            InclusionReason::parse,
            &InclusionReason::expected(),
        );
        let justification = r.opt_text(f, "justification");
        let evidence = r.list(f, "evidence");
        let evidence_every_days = r
            .opt_number(f, "evidence_every_days", 1, 3660)
            .and_then(|n| u32::try_from(n).ok());
        let entry = SoaEntry {
            id: id?,
            title,
            applicable: applicable?,
            status: status?,
            owner,
            reasons,
            justification,
            evidence,
            evidence_every_days,
            body,
        };
        if let Some((field, message)) = entry.contradiction() {
            r.error(f.line_of(field), field, message);
        }
        Some(entry)
    })
}

/// The canonical front-matter fields of an SoA entry.
pub fn emit_soa_entry(entry: &SoaEntry) -> Vec<FieldText> {
    let mut e = Emitter::default();
    let reasons: Vec<&str> = entry.reasons.iter().map(|r| r.as_str()).collect();
    e.text("id", Some(&entry.id))
        .text("title", Some(&entry.title))
        .flag("applicable", entry.applicable, true)
        .text("status", Some(entry.status.as_str()))
        .text("owner", entry.owner.as_deref())
        .flow_list("reasons", &reasons)
        .text("justification", entry.justification.as_deref())
        .block_list("evidence", &entry.evidence)
        .number(
            "evidence_every_days",
            entry.evidence_every_days.map(i64::from),
        );
    e.fields
}

/// The front-matter keys of a treatment, in canonical order.
pub const TREATMENT_KEYS: &[&str] = &[
    "id",
    "title",
    "risks",
    "findings",
    "option",
    "decision",
    "approved_on",
    "approved_by",
    "closed_on",
    "actions",
];

/// Reads a treatment (`treatments/T-001.md`).
pub fn parse_treatment(path: &str, stem: &str, text: &str) -> ParseResult<Treatment> {
    parse_with(path, stem, text, TREATMENT_KEYS, |r, f, body| {
        check_numbered_id(r, f, "T-", "treatment");
        let id = r.text(f, "id");
        let title = r.text(f, "title");
        let risks = r.list(f, "risks");
        let findings = r.list(f, "findings");
        let option = r.word(
            f,
            "option",
            TreatmentOption::parse,
            &TreatmentOption::expected(),
        );
        let decision = r.word(f, "decision", Decision::parse, &Decision::expected());
        let approved_on = r.opt_date(f, "approved_on");
        let approved_by = r.opt_text(f, "approved_by");
        let closed_on = r.opt_date(f, "closed_on");
        let actions = read_actions(r, f);
        if decision == Some(Decision::Approved)
            && approved_on.is_none()
            && !r
                .errors
                .iter()
                .any(|e| e.field.as_deref() == Some("approved_on"))
        {
            r.error(
                f.line_of("decision"),
                "approved_on",
                "required when the decision is approved",
            );
        }
        Some(Treatment {
            id: id?,
            title: title?,
            risks,
            findings,
            option: option?,
            actions,
            decision: decision?,
            approved_on,
            approved_by,
            closed_on,
            body,
        })
    })
}

/// The canonical front-matter fields of a treatment.
pub fn emit_treatment(t: &Treatment) -> Vec<FieldText> {
    let actions = action_entries(&t.actions);
    let mut e = Emitter::default();
    e.text("id", Some(&t.id))
        .text("title", Some(&t.title))
        .flow_list("risks", &t.risks)
        .flow_list("findings", &t.findings)
        .text("option", Some(t.option.as_str()))
        .text("decision", Some(t.decision.as_str()))
        .text("approved_on", date_text(t.approved_on).as_deref())
        .text("approved_by", t.approved_by.as_deref())
        .text("closed_on", date_text(t.closed_on).as_deref())
        .map_list("actions", &actions);
    e.fields
}

/// The `actions` of a treatment or a finding: each with an id unique among them, a
/// description, an owner, a status, and an optional due date and resources.
fn read_actions(r: &mut Reader, f: Fields) -> Vec<Action> {
    let mut actions = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for a in r.list_of_maps(f, "actions") {
        let action_id = r.text(a, "id");
        if let Some(aid) = &action_id {
            if seen.contains(aid) {
                r.error(
                    a.line_of("id"),
                    "actions.id",
                    format!("`{aid}` is used by two actions; action ids must be unique"),
                );
            }
            seen.push(aid.clone());
        }
        let description = r.text(a, "description");
        let owner = r.text(a, "owner");
        let due = r.opt_date(a, "due");
        let status = r.word(a, "status", ActionStatus::parse, &ActionStatus::expected());
        let resources = r.opt_text(a, "resources");
        if let (Some(id), Some(description), Some(owner), Some(status)) =
            (action_id, description, owner, status)
        {
            actions.push(Action {
                id,
                description,
                owner,
                due,
                status,
                resources,
            });
        }
    }
    actions
}

/// The canonical entries of each action.
fn action_entries(actions: &[Action]) -> Vec<Vec<(&'static str, String)>> {
    actions
        .iter()
        .map(|a| {
            let mut entries = vec![
                ("id", flow_scalar(&a.id)),
                ("description", block_scalar(&a.description, 6)),
                ("owner", block_scalar(&a.owner, 6)),
            ];
            if let Some(d) = date_text(a.due) {
                entries.push(("due", d));
            }
            entries.push(("status", a.status.as_str().to_string()));
            if let Some(res) = &a.resources {
                entries.push(("resources", block_scalar(res, 6)));
            }
            entries
        })
        .collect()
}

/// The front-matter keys of a controlled document, in canonical order.
pub const DOCUMENT_KEYS: &[&str] = &[
    "id",
    "title",
    "version",
    "status",
    "classification",
    "owner",
    "approver",
    "approved_by",
    "effective",
    "review_cycle_months",
    "next_review",
    "withdrawn_on",
    "change_summary",
];

/// Reads a controlled document (`documents/scope.md`).
pub fn parse_document(path: &str, stem: &str, text: &str) -> ParseResult<Document> {
    parse_with(path, stem, text, DOCUMENT_KEYS, |r, f, body| {
        let id = r.text(f, "id");
        let title = r.text(f, "title");
        let version = r.text(f, "version");
        let status = r.opt_word(
            f,
            "status",
            DocumentStatus::parse,
            &DocumentStatus::expected(),
        );
        let classification = r.opt_word(
            f,
            "classification",
            Classification::parse,
            &Classification::expected(),
        );
        let owner = r.text(f, "owner");
        let approver = r.opt_text(f, "approver");
        let approved_by = r.opt_text(f, "approved_by");
        let effective = r.opt_date(f, "effective");
        let review_cycle_months = r
            .opt_number(f, "review_cycle_months", 1, 120)
            .map(|n| u32::try_from(n).expect("between 1 and 120 because opt_number checked"));
        let next_review = r.opt_date(f, "next_review");
        let withdrawn_on = r.opt_date(f, "withdrawn_on");
        let change_summary = r.opt_text(f, "change_summary");
        Some(Document {
            id: id?,
            title: title?,
            version: version?,
            owner: owner?,
            approver,
            approved_by,
            classification,
            status,
            effective,
            review_cycle_months,
            next_review,
            withdrawn_on,
            change_summary,
            body,
        })
    })
}

/// The canonical front-matter fields of a controlled document.
pub fn emit_document(d: &Document) -> Vec<FieldText> {
    let mut e = Emitter::default();
    e.text("id", Some(&d.id))
        .text("title", Some(&d.title))
        .text("version", Some(&d.version))
        .text("status", d.status.map(DocumentStatus::as_str))
        .text(
            "classification",
            d.classification.map(Classification::as_str),
        )
        .text("owner", Some(&d.owner))
        .text("approver", d.approver.as_deref())
        .text("approved_by", d.approved_by.as_deref())
        .text("effective", date_text(d.effective).as_deref())
        .number("review_cycle_months", d.review_cycle_months.map(i64::from))
        .text("next_review", date_text(d.next_review).as_deref())
        .text("withdrawn_on", date_text(d.withdrawn_on).as_deref())
        .text("change_summary", d.change_summary.as_deref());
    e.fields
}

/// The front-matter keys of an assessment, in canonical order.
pub const ASSESSMENT_KEYS: &[&str] = &[
    "id",
    "title",
    "performed_on",
    "methodology_version",
    "domains_in_scope",
    "domains_deferred",
    "evidence",
    "themes",
    "improvements",
];

/// Reads an assessment (`assessments/2026.md`).
pub fn parse_assessment(path: &str, stem: &str, text: &str) -> ParseResult<Assessment> {
    parse_with(path, stem, text, ASSESSMENT_KEYS, |r, f, body| {
        let id = r.text(f, "id");
        let title = r.text(f, "title");
        let performed_on = r.date(f, "performed_on");
        let methodology_version = r.text(f, "methodology_version");
        let domains_in_scope = r.list(f, "domains_in_scope");
        let domains_deferred = r.list(f, "domains_deferred");
        let evidence = r.list(f, "evidence");
        let mut themes = Vec::new();
        for t in r.list_of_maps(f, "themes") {
            if let (Some(id), Some(title)) = (r.text(t, "id"), r.text(t, "title")) {
                themes.push(Theme { id, title });
            }
        }
        let improvements = r.list(f, "improvements");
        Some(Assessment {
            id: id?,
            title: title?,
            performed_on: performed_on?,
            methodology_version: methodology_version?,
            domains_in_scope,
            domains_deferred,
            evidence,
            themes,
            improvements,
            body,
        })
    })
}

/// The canonical front-matter fields of an assessment.
pub fn emit_assessment(a: &Assessment) -> Vec<FieldText> {
    let themes: Vec<Vec<(&str, String)>> = a
        .themes
        .iter()
        .map(|t| {
            vec![
                ("id", flow_scalar(&t.id)),
                ("title", block_scalar(&t.title, 6)),
            ]
        })
        .collect();
    let mut e = Emitter::default();
    e.text("id", Some(&a.id))
        .text("title", Some(&a.title))
        .text("performed_on", date_text(Some(a.performed_on)).as_deref())
        .text("methodology_version", Some(&a.methodology_version))
        .flow_list("domains_in_scope", &a.domains_in_scope)
        .flow_list("domains_deferred", &a.domains_deferred)
        .block_list("evidence", &a.evidence)
        .map_list("themes", &themes)
        .block_list("improvements", &a.improvements);
    e.fields
}

/// The front-matter keys of an internal audit, in canonical order.
pub const AUDIT_KEYS: &[&str] = &[
    "id",
    "title",
    "status",
    "auditor",
    "planned_on",
    "started_on",
    "completed_on",
    "clauses",
    "controls",
    "processes",
    "documents",
    "domains",
    "criteria",
    "method",
    "evidence",
    "items",
];

/// Reads an internal audit (`audits/AUD-2026-01.md`).
pub fn parse_audit(path: &str, stem: &str, text: &str) -> ParseResult<Audit> {
    parse_with(path, stem, text, AUDIT_KEYS, |r, f, body| {
        let id = r.text(f, "id");
        if let Some(id) = &id {
            if !id.starts_with("AUD-") {
                r.error(
                    f.line_of("id"),
                    "id",
                    format!(
                        "`{id}` is not an audit id; write AUD-<year>-<number>, e.g. AUD-2026-01"
                    ),
                );
            }
        }
        let title = r.text(f, "title");
        let status = r.word(f, "status", AuditStatus::parse, &AuditStatus::expected());
        let auditor = r.text(f, "auditor");
        let planned_on = r.date(f, "planned_on");
        let started_on = r.opt_date(f, "started_on");
        let completed_on = r.opt_date(f, "completed_on");
        let clauses = r.list(f, "clauses");
        let controls = r.list(f, "controls");
        let processes = r.list(f, "processes");
        let documents = r.list(f, "documents");
        let domains = r.list(f, "domains");
        let criteria = r.opt_text(f, "criteria");
        let method = r.opt_text(f, "method");
        let evidence = r.list(f, "evidence");
        let mut items = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for i in r.list_of_maps(f, "items") {
            let item_id = r.text(i, "id");
            if let Some(iid) = &item_id {
                if seen.contains(iid) {
                    r.error(
                        i.line_of("id"),
                        "items.id",
                        format!("`{iid}` is used by two items; item ids must be unique"),
                    );
                }
                seen.push(iid.clone());
            }
            let about = r.text(i, "about");
            let conclusion =
                r.opt_word(i, "conclusion", Conclusion::parse, &Conclusion::expected());
            let finding = r.opt_text(i, "finding");
            let follows_up = r.opt_text(i, "follows_up");
            let note = r.opt_text(i, "note");
            if let (Some(id), Some(about)) = (item_id, about) {
                items.push(AuditItem {
                    id,
                    about,
                    conclusion,
                    finding,
                    follows_up,
                    note,
                });
            }
        }
        let audit = Audit {
            id: id?,
            title: title?,
            status: status?,
            auditor: auditor?,
            planned_on: planned_on?,
            started_on,
            completed_on,
            clauses,
            controls,
            processes,
            documents,
            domains,
            criteria,
            method,
            evidence,
            items,
            body,
        };
        // A completed audit concludes on everything it audited, and says when.
        for missing in audit.incomplete() {
            let (field, message) = missing.split_once(": ").unwrap_or(("status", &missing));
            r.error(f.line_of("status"), field, message.to_string());
        }
        Some(audit)
    })
}

/// The canonical front-matter fields of an internal audit.
pub fn emit_audit(a: &Audit) -> Vec<FieldText> {
    let items: Vec<Vec<(&str, String)>> = a
        .items
        .iter()
        .map(|i| {
            let mut entries = vec![
                ("id", flow_scalar(&i.id)),
                ("about", block_scalar(&i.about, 6)),
            ];
            if let Some(c) = i.conclusion {
                entries.push(("conclusion", c.as_str().to_string()));
            }
            if let Some(n) = &i.finding {
                entries.push(("finding", flow_scalar(n)));
            }
            if let Some(n) = &i.follows_up {
                entries.push(("follows_up", flow_scalar(n)));
            }
            if let Some(n) = &i.note {
                entries.push(("note", block_scalar(n, 6)));
            }
            entries
        })
        .collect();
    let mut e = Emitter::default();
    e.text("id", Some(&a.id))
        .text("title", Some(&a.title))
        .text("status", Some(a.status.as_str()))
        .text("auditor", Some(&a.auditor))
        .text("planned_on", date_text(Some(a.planned_on)).as_deref())
        .text("started_on", date_text(a.started_on).as_deref())
        .text("completed_on", date_text(a.completed_on).as_deref())
        .flow_list("clauses", &a.clauses)
        .flow_list("controls", &a.controls)
        .block_list("processes", &a.processes)
        .flow_list("documents", &a.documents)
        .flow_list("domains", &a.domains)
        .text("criteria", a.criteria.as_deref())
        .text("method", a.method.as_deref())
        .block_list("evidence", &a.evidence)
        .map_list("items", &items);
    e.fields
}

/// The front-matter keys of a finding, in canonical order.
pub const NONCONFORMITY_KEYS: &[&str] = &[
    "id",
    "title",
    "source",
    "source_ref",
    "grade",
    "requirement",
    "raised_on",
    "owner",
    "status",
    "risks",
    "actions",
    "effectiveness",
    "closed_on",
];

/// Reads a finding (`nonconformities/NC-001.md`).
pub fn parse_nonconformity(path: &str, stem: &str, text: &str) -> ParseResult<Nonconformity> {
    parse_with(path, stem, text, NONCONFORMITY_KEYS, |r, f, body| {
        check_numbered_id(r, f, "NC-", "finding");
        let id = r.text(f, "id");
        let title = r.text(f, "title");
        let source = r.word(
            f,
            "source",
            FindingSource::parse,
            &FindingSource::expected(),
        );
        let source_ref = r.opt_text(f, "source_ref");
        let grade = r.word(f, "grade", Grade::parse, &Grade::expected());
        let requirement = r.opt_text(f, "requirement");
        let raised_on = r.date(f, "raised_on");
        let owner = r.text(f, "owner");
        let status = r.word(
            f,
            "status",
            FindingStatus::parse,
            &FindingStatus::expected(),
        );
        let risks = r.list(f, "risks");
        let actions = read_actions(r, f);
        let effectiveness = r.opt_map(f, "effectiveness").and_then(|m| {
            let reviewed_by = r.text(m, "reviewed_by");
            let reviewed_on = r.date(m, "reviewed_on");
            let result = r.word(
                m,
                "result",
                Effectiveness::parse,
                &Effectiveness::expected(),
            );
            Some(EffectivenessReview {
                reviewed_by: reviewed_by?,
                reviewed_on: reviewed_on?,
                result: result?,
            })
        });
        let closed_on = r.opt_date(f, "closed_on");
        if status == Some(FindingStatus::Closed)
            && closed_on.is_none()
            && !r.has_error_for(f, "closed_on")
        {
            r.error(
                f.line_of("status"),
                "closed_on",
                "required when the status is closed",
            );
        }
        if source == Some(FindingSource::Audit) && source_ref.is_none() {
            r.error(
                f.line_of("source"),
                "source_ref",
                "a finding from an audit names the audit (source_ref: AUD-2026-01)",
            );
        }
        Some(Nonconformity {
            id: id?,
            title: title?,
            source: source?,
            source_ref,
            grade: grade?,
            requirement,
            raised_on: raised_on?,
            owner: owner?,
            status: status?,
            risks,
            actions,
            effectiveness,
            closed_on,
            body,
        })
    })
}

/// The canonical front-matter fields of a finding.
pub fn emit_nonconformity(n: &Nonconformity) -> Vec<FieldText> {
    let actions = action_entries(&n.actions);
    let effectiveness = n.effectiveness.as_ref().map(|e| {
        vec![
            ("reviewed_by", flow_scalar(&e.reviewed_by)),
            ("reviewed_on", e.reviewed_on.to_string()),
            ("result", e.result.as_str().to_string()),
        ]
    });
    let mut e = Emitter::default();
    e.text("id", Some(&n.id))
        .text("title", Some(&n.title))
        .text("source", Some(n.source.as_str()))
        .text("source_ref", n.source_ref.as_deref())
        .text("grade", Some(n.grade.as_str()))
        .text("requirement", n.requirement.as_deref())
        .text("raised_on", date_text(Some(n.raised_on)).as_deref())
        .text("owner", Some(&n.owner))
        .text("status", Some(n.status.as_str()))
        .flow_list("risks", &n.risks)
        .map_list("actions", &actions)
        .map("effectiveness", effectiveness)
        .text("closed_on", date_text(n.closed_on).as_deref());
    e.fields
}

/// The front-matter keys of an objective, in canonical order.
pub const OBJECTIVE_KEYS: &[&str] = &[
    "id", "title", "measure", "target", "owner", "due", "status", "result",
];

/// Reads an objective (`objectives/OBJ-001.md`).
pub fn parse_objective(path: &str, stem: &str, text: &str) -> ParseResult<Objective> {
    parse_with(path, stem, text, OBJECTIVE_KEYS, |r, f, body| {
        check_numbered_id(r, f, "OBJ-", "objective");
        let id = r.text(f, "id");
        let title = r.text(f, "title");
        let measure = r.text(f, "measure");
        let target = r.text(f, "target");
        let owner = r.text(f, "owner");
        let due = r.opt_date(f, "due");
        let status = r.word(
            f,
            "status",
            ObjectiveStatus::parse,
            &ObjectiveStatus::expected(),
        );
        let result = r.opt_text(f, "result");
        Some(Objective {
            id: id?,
            title: title?,
            measure: measure?,
            target: target?,
            owner: owner?,
            due,
            status: status?,
            result,
            body,
        })
    })
}

/// The canonical front-matter fields of an objective.
pub fn emit_objective(o: &Objective) -> Vec<FieldText> {
    let mut e = Emitter::default();
    e.text("id", Some(&o.id))
        .text("title", Some(&o.title))
        .text("measure", Some(&o.measure))
        .text("target", Some(&o.target))
        .text("owner", Some(&o.owner))
        .text("due", date_text(o.due).as_deref())
        .text("status", Some(o.status.as_str()))
        .text("result", o.result.as_deref());
    e.fields
}

/// The front-matter keys of a management review, in canonical order.
pub const REVIEW_KEYS: &[&str] = &[
    "id",
    "title",
    "held_on",
    "attendees",
    "decisions",
    "actions",
];

/// Reads a management review (`reviews/MR-2026.md`).
pub fn parse_review(path: &str, stem: &str, text: &str) -> ParseResult<Review> {
    parse_with(path, stem, text, REVIEW_KEYS, |r, f, body| {
        let id = r.text(f, "id");
        let title = r.text(f, "title");
        let held_on = r.date(f, "held_on");
        let attendees = r.list(f, "attendees");
        let decisions = r.list(f, "decisions");
        let actions = read_actions(r, f);
        Some(Review {
            id: id?,
            title: title?,
            held_on: held_on?,
            attendees,
            decisions,
            actions,
            body,
        })
    })
}

/// The canonical front-matter fields of a management review.
pub fn emit_review(v: &Review) -> Vec<FieldText> {
    let actions = action_entries(&v.actions);
    let mut e = Emitter::default();
    e.text("id", Some(&v.id))
        .text("title", Some(&v.title))
        .text("held_on", date_text(Some(v.held_on)).as_deref())
        .flow_list("attendees", &v.attendees)
        .block_list("decisions", &v.decisions)
        .map_list("actions", &actions);
    e.fields
}

/// The front-matter keys of a supplier, in canonical order.
pub const SUPPLIER_KEYS: &[&str] = &[
    "id",
    "name",
    "service",
    "data",
    "region",
    "subprocessor",
    "owner",
    "contract",
    "contract_ends",
    "dpa",
    "attestation",
    "attestation_date",
    "reviewed_on",
    "next_review",
    "risks",
    "controls",
];

/// Reads a supplier (`suppliers/cloudberry-hosting.md`).
pub fn parse_supplier(path: &str, stem: &str, text: &str) -> ParseResult<Supplier> {
    parse_with(path, stem, text, SUPPLIER_KEYS, |r, f, body| {
        let id = r.text(f, "id");
        let name = r.text(f, "name");
        let service = r.text(f, "service");
        let data = r.list(f, "data");
        let region = r.text(f, "region");
        let subprocessor = r.opt_bool(f, "subprocessor").unwrap_or(false);
        let owner = r.text(f, "owner");
        let contract = r.word(
            f,
            "contract",
            ContractStatus::parse,
            &ContractStatus::expected(),
        );
        let contract_ends = r.opt_date(f, "contract_ends");
        let dpa = r.word(f, "dpa", DpaStatus::parse, &DpaStatus::expected());
        let attestation = r.opt_text(f, "attestation");
        let attestation_date = r.opt_date(f, "attestation_date");
        let reviewed_on = r.opt_date(f, "reviewed_on");
        let next_review = r.opt_date(f, "next_review");
        let risks = r.list(f, "risks");
        let controls = r.list(f, "controls");
        Some(Supplier {
            id: id?,
            name: name?,
            service: service?,
            data,
            region: region?,
            subprocessor,
            owner: owner?,
            contract: contract?,
            contract_ends,
            dpa: dpa?,
            attestation,
            attestation_date,
            reviewed_on,
            next_review,
            risks,
            controls,
            body,
        })
    })
}

/// The canonical front-matter fields of a supplier.
pub fn emit_supplier(s: &Supplier) -> Vec<FieldText> {
    let mut e = Emitter::default();
    e.text("id", Some(&s.id))
        .text("name", Some(&s.name))
        .text("service", Some(&s.service))
        .flow_list("data", &s.data)
        .text("region", Some(&s.region))
        .flag("subprocessor", s.subprocessor, true)
        .text("owner", Some(&s.owner))
        .text("contract", Some(s.contract.as_str()))
        .text("contract_ends", date_text(s.contract_ends).as_deref())
        .text("dpa", Some(s.dpa.as_str()))
        .text("attestation", s.attestation.as_deref())
        .text("attestation_date", date_text(s.attestation_date).as_deref())
        .text("reviewed_on", date_text(s.reviewed_on).as_deref())
        .text("next_review", date_text(s.next_review).as_deref())
        .flow_list("risks", &s.risks)
        .flow_list("controls", &s.controls);
    e.fields
}

/// The front-matter keys of an attestation, in canonical order.
pub const ATTESTATION_KEYS: &[&str] = &[
    "id",
    "name",
    "status",
    "issuer",
    "certificate",
    "issued_on",
    "expires_on",
    "expected",
];

/// Reads a certification or attestation (`attestations/iso27001.md`).
pub fn parse_attestation(path: &str, stem: &str, text: &str) -> ParseResult<Attestation> {
    parse_with(path, stem, text, ATTESTATION_KEYS, |r, f, body| {
        let id = r.text(f, "id");
        let name = r.text(f, "name");
        let status = r.word(
            f,
            "status",
            AttestationStatus::parse,
            &AttestationStatus::expected(),
        );
        let issuer = r.opt_text(f, "issuer");
        let certificate = r.opt_text(f, "certificate");
        let issued_on = r.opt_date(f, "issued_on");
        let expires_on = r.opt_date(f, "expires_on");
        let expected = r.opt_text(f, "expected");
        Some(Attestation {
            id: id?,
            name: name?,
            status: status?,
            issuer,
            certificate,
            issued_on,
            expires_on,
            expected,
            body,
        })
    })
}

/// The canonical front-matter fields of an attestation.
pub fn emit_attestation(a: &Attestation) -> Vec<FieldText> {
    let mut e = Emitter::default();
    e.text("id", Some(&a.id))
        .text("name", Some(&a.name))
        .text("status", Some(a.status.as_str()))
        .text("issuer", a.issuer.as_deref())
        .text("certificate", a.certificate.as_deref())
        .text("issued_on", date_text(a.issued_on).as_deref())
        .text("expires_on", date_text(a.expires_on).as_deref())
        .text("expected", a.expected.as_deref());
    e.fields
}

/// The front-matter keys of the security page's source.
pub const SECURITY_PAGE_KEYS: &[&str] = &[
    "title",
    "canonical_url",
    "contact",
    "expires_after_days",
    "languages",
    "statements",
    "attestations",
    "subprocessors",
    "disclosure",
    "change_note",
];

/// Reads the security page's source (`public/security-page.md`).
pub fn parse_security_page(path: &str, text: &str) -> ParseResult<SecurityPage> {
    parse_front_matter(path, None, text, SECURITY_PAGE_KEYS, |r, f, body| {
        let title = r.text(f, "title");
        let canonical_url = r.text(f, "canonical_url");
        if let Some(url) = canonical_url.as_deref() {
            if !url.starts_with("https://") || !url.ends_with('/') {
                r.error(
                    f.line_of("canonical_url"),
                    "canonical_url",
                    format!(
                        "`{url}` must be an https:// address ending in `/` (the page's folder)"
                    ),
                );
            }
        }
        let contact = r.text(f, "contact");
        if let Some(c) = contact.as_deref() {
            let email = !c.contains("://")
                && c.split_once('@')
                    .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
            if !(email || c.starts_with("https://")) || c.chars().any(char::is_whitespace) {
                r.error(
                    f.line_of("contact"),
                    "contact",
                    format!("`{c}` must be an email address or an https:// address"),
                );
            }
        }
        let expires_after_days = r
            .opt_number(f, "expires_after_days", 1, 364)
            .map_or(Some(180), |n| u32::try_from(n).ok());
        let mut languages = r.list(f, "languages");
        if languages.is_empty() {
            languages.push("en".into());
        }
        let mut statements = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for s in r.list_of_maps(f, "statements") {
            let id = r.text(s, "id");
            let heading = r.text(s, "heading");
            let text = r.text(s, "text");
            let controls = r.list(s, "controls");
            if let Some(id) = &id {
                if !ids.insert(id.clone()) {
                    r.error(
                        s.line_of("id"),
                        "statements.id",
                        format!("`{id}` is the id of an earlier statement; ids are unique"),
                    );
                }
            }
            if let (Some(id), Some(heading), Some(text)) = (id, heading, text) {
                statements.push(PublicStatement {
                    id,
                    heading,
                    text,
                    controls,
                });
            }
        }
        let attestations = r.list(f, "attestations");
        let subprocessors = r.list(f, "subprocessors");
        let disclosure = r.text(f, "disclosure");
        let change_note = r.opt_text(f, "change_note");
        Some(SecurityPage {
            title: title?,
            canonical_url: canonical_url?,
            contact: contact?,
            expires_after_days: expires_after_days?,
            languages,
            statements,
            attestations,
            subprocessors,
            disclosure: disclosure?,
            change_note,
            body,
        })
    })
}

/// The front-matter keys of the system description.
pub const SYSTEM_DESCRIPTION_KEYS: &[&str] = &[
    "title",
    "owner",
    "services_in_scope",
    "services_out_of_scope",
    "commitments",
    "requirements",
    "locations",
    "components",
    "flows",
    "boundaries",
    "subservice_organisations",
    "user_entity_controls",
    "incidents",
];

/// Reads the SOC 2 system description (`system/description.md`).
pub fn parse_system_description(path: &str, text: &str) -> ParseResult<SystemDescription> {
    parse_front_matter(path, None, text, SYSTEM_DESCRIPTION_KEYS, |r, f, body| {
        let title = r.text(f, "title");
        let owner = r.text(f, "owner");
        let mut ids = std::collections::HashSet::new();
        let mut components = Vec::new();
        for c in r.list_of_maps(f, "components") {
            let id = r.text(c, "id");
            let kind = r.word(c, "kind", ComponentKind::parse, &ComponentKind::expected());
            let name = r.text(c, "name");
            let function = r.text(c, "function");
            let technology = r.text(c, "technology");
            let location = r.text(c, "location");
            let purpose = r.text(c, "purpose");
            let owner = r.text(c, "owner");
            if let Some(id) = &id {
                if !ids.insert(id.clone()) {
                    r.error(
                        c.line_of("id"),
                        "components.id",
                        format!("`{id}` is the id of an earlier component; ids are unique"),
                    );
                }
            }
            if let (
                Some(id),
                Some(kind),
                Some(name),
                Some(function),
                Some(technology),
                Some(location),
                Some(purpose),
                Some(owner),
            ) = (
                id, kind, name, function, technology, location, purpose, owner,
            ) {
                components.push(Component {
                    id,
                    kind,
                    name,
                    function,
                    technology,
                    location,
                    purpose,
                    owner,
                });
            }
        }
        let mut flow_ids = std::collections::HashSet::new();
        let mut flows = Vec::new();
        for x in r.list_of_maps(f, "flows") {
            let id = r.text(x, "id");
            let from = r.text(x, "from");
            let to = r.text(x, "to");
            let data = r.text(x, "data");
            if let Some(id) = &id {
                if !flow_ids.insert(id.clone()) {
                    r.error(
                        x.line_of("id"),
                        "flows.id",
                        format!("`{id}` is the id of an earlier flow; ids are unique"),
                    );
                }
            }
            if let (Some(id), Some(from), Some(to), Some(data)) = (id, from, to, data) {
                flows.push(DataFlow { id, from, to, data });
            }
        }
        let mut subservice_organisations = Vec::new();
        for x in r.list_of_maps(f, "subservice_organisations") {
            let supplier = r.text(x, "supplier");
            let controls = r.list(x, "controls");
            if let Some(supplier) = supplier {
                subservice_organisations.push(Subservice { supplier, controls });
            }
        }
        Some(SystemDescription {
            title: title?,
            owner: owner?,
            services_in_scope: r.list(f, "services_in_scope"),
            services_out_of_scope: r.list(f, "services_out_of_scope"),
            commitments: r.list(f, "commitments"),
            requirements: r.list(f, "requirements"),
            locations: r.list(f, "locations"),
            components,
            flows,
            boundaries: r.list(f, "boundaries"),
            subservice_organisations,
            user_entity_controls: r.list(f, "user_entity_controls"),
            incidents: r.list(f, "incidents"),
            body,
        })
    })
}

/// The front-matter keys of a piece of evidence, in canonical order.
pub const EVIDENCE_KEYS: &[&str] = &[
    "id",
    "title",
    "controls",
    "audits",
    "findings",
    "file",
    "sha256",
    "reference",
    "collected_by",
    "collected_on",
];

/// Reads a piece of evidence (`evidence/EV-001.md`).
pub fn parse_evidence(path: &str, stem: &str, text: &str) -> ParseResult<Evidence> {
    parse_with(path, stem, text, EVIDENCE_KEYS, |r, f, body| {
        check_numbered_id(r, f, "EV-", "piece of evidence");
        let id = r.text(f, "id");
        let title = r.text(f, "title");
        let controls = r.list(f, "controls");
        let audits = r.list(f, "audits");
        let findings = r.list(f, "findings");
        let file = r.opt_text(f, "file");
        let sha256 = r.opt_text(f, "sha256");
        let reference = r.opt_text(f, "reference");
        let collected_by = r.text(f, "collected_by");
        let collected_on = r.date(f, "collected_on");
        match (&file, &reference) {
            (Some(_), Some(_)) => r.error(
                f.line_of("reference"),
                "reference",
                "a piece of evidence is a file or a reference, not both: make two records",
            ),
            (None, None) => r.error(
                f.line(),
                "file",
                "give the evidence: a file under evidence/files/ (file, sha256) or a reference (a URL or ticket id)",
            ),
            _ => {}
        }
        if let Some(name) = &file {
            if name
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
                || name.starts_with('/')
            {
                r.error(
                    f.line_of("file"),
                    "file",
                    format!(
                        "`{name}` must be a path inside evidence/files/ (no `..`, no leading `/`)"
                    ),
                );
            }
            if sha256.is_none() {
                r.error(
                    f.line_of("file"),
                    "sha256",
                    "a file needs the SHA-256 it had when it was collected (sha256sum prints it)",
                );
            }
        }
        // A reference may carry the SHA-256 of what was seen there (an export, a
        // screenshot); a file must.
        if let Some(h) = &sha256 {
            if h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
                r.error(
                    f.line_of("sha256"),
                    "sha256",
                    "a SHA-256 is 64 hexadecimal characters",
                );
            }
        }
        Some(Evidence {
            id: id?,
            title: title?,
            controls,
            audits,
            findings,
            file,
            sha256: sha256.map(|h| h.to_ascii_lowercase()),
            reference,
            collected_by: collected_by?,
            collected_on: collected_on?,
            body,
        })
    })
}

/// The canonical front-matter fields of a piece of evidence.
pub fn emit_evidence(e: &Evidence) -> Vec<FieldText> {
    let mut x = Emitter::default();
    x.text("id", Some(&e.id))
        .text("title", Some(&e.title))
        .flow_list("controls", &e.controls)
        .flow_list("audits", &e.audits)
        .flow_list("findings", &e.findings)
        .text("file", e.file.as_deref())
        .text("sha256", e.sha256.as_deref())
        .text("reference", e.reference.as_deref())
        .text("collected_by", Some(&e.collected_by))
        .text("collected_on", date_text(Some(e.collected_on)).as_deref());
    x.fields
}
