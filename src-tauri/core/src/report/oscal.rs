//! The ISMS of a commit as OSCAL 1.2 JSON, for other GRC tools:
//!
//! - `system-security-plan.json`: the Statement of Applicability — every Annex A
//!   control with its applicability, status and justification;
//! - `plan-of-action-and-milestones.json`: the risk register and the treatment plan —
//!   each risk with its likelihood and impact as facets, its treatments as
//!   remediations and their actions as tasks with their due dates;
//! - `assessment-results.json`: the internal audits, one result each, every item an
//!   observation and a finding;
//! - `mapping-collection.json`: the ISO/IEC 27001 ↔ SOC 2 links in force.
//!
//! Everything comes from the commit: `last-modified` is its time and `version` its id,
//! and every UUID is a version 5 UUID of the organisation and the record's id, so a
//! re-export of the same commit is byte-identical and a change to one record changes
//! only its part of the files (and those two lines).
//!
//! Annex A control ids are written `a.5.1` and SOC 2 criteria `cc6.1` (OSCAL ids are
//! tokens, which cannot start with a digit). Every property ISMS Desk defines carries
//! the namespace [`NS`]; the values OSCAL constrains are held to its allowed values by
//! the tests.

use chrono::{FixedOffset, NaiveDate, TimeZone};
use serde_json::{json, Value};

use crate::domain::{
    ActionStatus, Audit, AuditStatus, Conclusion, ControlStatus, Decision, IsmsConfig, Requirement,
    Risk, RiskStatus, SoaEntry, Treatment,
};
use crate::git::changes::Snapshot;
use crate::{Error, Result};

/// The namespace of the properties and facets ISMS Desk defines.
pub const NS: &str = "urn:isms-desk:oscal";
/// The OSCAL version the files declare: 1.2.1, the newest that compliance-trestle
/// reads; NIST's 1.2.3 schemas accept it.
pub const OSCAL_VERSION: &str = "1.2.1";
/// ISMS Desk's UUID namespace: every UUID it writes is v5 of this and a name.
const UUID_NAMESPACE: uuid::Uuid = uuid::uuid!("70c5402e-de3d-48a4-817d-a68957a95a6e");
/// The catalogues referred to (neither ships with ISMS Desk: both are licensed).
const ISO_27001: &str = "urn:iso:std:iso-iec:27001:ed-3";
const SOC2_TSC: &str = "urn:aicpa:tsc:2017";

/// One file of the export.
#[derive(Debug, Clone)]
pub struct OscalFile {
    /// Its name (`system-security-plan.json`).
    pub name: &'static str,
    /// Its JSON, pretty-printed, ending in a newline.
    pub text: String,
}

/// The OSCAL documents of `commit`. Refused when a record file there does not load.
pub fn export(repo: &git2::Repository, commit: git2::Oid) -> Result<Vec<OscalFile>> {
    let rev = commit.to_string();
    let snapshot = Snapshot::complete_at(repo, &rev)?;
    let config = snapshot.config.as_ref().ok_or_else(|| {
        Error::Usage(format!(
            "{} does not load at {}",
            crate::domain::CONFIG_FILE,
            crate::git::short_id(&rev)
        ))
    })?;
    let when = repo.find_commit(commit)?.committer().when();
    let offset =
        FixedOffset::east_opt(when.offset_minutes() * 60).expect("git offsets are within a day");
    let at = Context {
        config,
        org: config.organisation.name.clone(),
        modified: offset
            .timestamp_opt(when.seconds(), 0)
            .single()
            .expect("a commit time is a time")
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        version: format!("commit {}", crate::git::short_id(&rev)),
    };
    let records = Records::of(&snapshot);
    let files = [
        ("system-security-plan.json", ssp(&at, &records, &snapshot)),
        ("plan-of-action-and-milestones.json", poam(&at, &records)),
        ("assessment-results.json", assessment_results(&at, &records)),
        ("mapping-collection.json", mapping(&at, &snapshot)),
    ];
    Ok(files
        .into_iter()
        .map(|(name, mut value)| {
            tidy(&mut value);
            (name, value)
        })
        .map(|(name, value)| OscalFile {
            name,
            text: serde_json::to_string_pretty(&value).expect("JSON values always serialise")
                + "\n",
        })
        .collect())
}

/// What every document shares.
struct Context<'a> {
    config: &'a IsmsConfig,
    org: String,
    modified: String,
    version: String,
}

impl Context<'_> {
    /// The v5 UUID of `name` within this organisation.
    fn uuid(&self, name: &str) -> String {
        uuid::Uuid::new_v5(&UUID_NAMESPACE, format!("{}/{name}", self.org).as_bytes()).to_string()
    }

    /// A document's metadata: its title, the commit's time and id, the organisation
    /// as the party responsible.
    fn metadata(&self, title: &str) -> Value {
        json!({
            "title": format!("{}: {title}", self.org),
            "last-modified": self.modified,
            "version": self.version,
            "oscal-version": OSCAL_VERSION,
            "roles": [{"id": "prepared-by", "title": "Prepared By"}],
            "parties": [{
                "uuid": self.uuid("party/organisation"),
                "type": "organization",
                "name": self.org,
            }],
            "responsible-parties": [{
                "role-id": "prepared-by",
                "party-uuids": [self.uuid("party/organisation")],
            }],
            "props": [prop("tool", &crate::report::tool())],
        })
    }

    /// The organisation as the actor of an origin.
    fn origin(&self) -> Value {
        json!({"actors": [{"type": "party", "actor-uuid": self.uuid("party/organisation")}]})
    }
}

/// A property in ISMS Desk's namespace.
fn prop(name: &str, value: &str) -> Value {
    json!({"name": name, "ns": NS, "value": value})
}

/// A date as the start of its day, UTC.
fn day(date: NaiveDate) -> String {
    format!("{date}T00:00:00Z")
}

/// A date as the end of its day, UTC (a due date is met on the day).
fn end_of(date: NaiveDate) -> String {
    format!("{date}T23:59:59Z")
}

/// An Annex A control id as an OSCAL token: `5.1` → `a.5.1`.
pub fn control_id(id: &str) -> String {
    token(&format!(
        "a.{}",
        id.trim().trim_start_matches("A.").trim_start_matches("a.")
    ))
}

/// Text as an OSCAL token (an XML NCName): letters, digits, `.`, `-` and `_`, starting
/// with a letter or `_`; anything else becomes `-`.
fn token(text: &str) -> String {
    let mut out: String = text
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// The fields OSCAL reads as one line of text (a title, a name, a property's value):
/// a record's text with a line break, or spaces at its ends, would make the document
/// invalid, so they are put on one line, trimmed, and never left empty.
const ONE_LINE_FIELDS: [&str; 6] = [
    "title",
    "name",
    "purpose",
    "system-name",
    "value",
    "version",
];

/// Puts every one-line field of `value` on one line (see [`ONE_LINE_FIELDS`]).
fn tidy(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(text) if ONE_LINE_FIELDS.contains(&key.as_str()) => {
                        let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
                        *text = if line.is_empty() { "—".into() } else { line };
                    }
                    other => tidy(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

/// Text OSCAL accepts where a non-empty string is required.
fn text_or(text: &str, otherwise: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        otherwise.to_string()
    } else {
        t.to_string()
    }
}

/// The first paragraph of a body's `## Description` (or of the body), for a summary.
fn summary(body: &str) -> String {
    let sections = crate::domain::sections(body);
    let text = sections
        .iter()
        .find(|(h, _)| h.eq_ignore_ascii_case("description"))
        .map_or(body, |(_, t)| t.as_str());
    text.split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#'))
        .unwrap_or_default()
        .to_string()
}

/// The records an export reads.
struct Records<'a> {
    controls: Vec<&'a SoaEntry>,
    risks: Vec<&'a Risk>,
    treatments: Vec<&'a Treatment>,
    audits: Vec<&'a Audit>,
}

impl<'a> Records<'a> {
    fn of(snapshot: &'a Snapshot) -> Records<'a> {
        let by_id = |mut v: Vec<&'a Risk>| {
            v.sort_by(|a, b| a.id.cmp(&b.id));
            v
        };
        let mut treatments = snapshot.treatments();
        treatments.sort_by(|a, b| a.id.cmp(&b.id));
        let mut audits = snapshot.audits();
        audits.sort_by(|a, b| a.id.cmp(&b.id));
        Records {
            controls: snapshot.controls(),
            risks: by_id(snapshot.risks()),
            treatments,
            audits,
        }
    }
}

/// The SoA as a system security plan.
fn ssp(at: &Context, records: &Records, snapshot: &Snapshot) -> Value {
    let this_system = at.uuid("component/this-system");
    let description = at
        .config
        .organisation
        .description
        .clone()
        .unwrap_or_else(|| format!("The information security management system of {}.", at.org));
    let domains = |status: crate::domain::DomainStatus| -> Vec<String> {
        at.config
            .domains
            .iter()
            .filter(|d| d.status == status)
            .map(|d| d.name.clone())
            .collect()
    };
    let in_scope = domains(crate::domain::DomainStatus::InScope);
    let deferred = domains(crate::domain::DomainStatus::Deferred);
    let mut boundary = format!(
        "The ISMS covers the risk domains in scope: {}.",
        if in_scope.is_empty() {
            "none yet".to_string()
        } else {
            in_scope.join(", ")
        }
    );
    if !deferred.is_empty() {
        boundary.push_str(&format!(" Deferred: {}.", deferred.join(", ")));
    }
    let mut components = vec![json!({
        "uuid": this_system,
        "type": "this-system",
        "title": at.org,
        "description": description,
        "status": {"state": "operational"},
    })];
    let mut information = Vec::new();
    if let Some(system) = &snapshot.system_description {
        if !system.boundaries.is_empty() {
            boundary.push_str("\n\n");
            boundary.push_str(&system.boundaries.join("\n\n"));
        }
        for c in &system.components {
            let kind = match c.kind {
                crate::domain::ComponentKind::Infrastructure => "service",
                crate::domain::ComponentKind::Software => "software",
                crate::domain::ComponentKind::People => "process-procedure",
                crate::domain::ComponentKind::Procedures => "process-procedure",
                crate::domain::ComponentKind::Data => "service",
            };
            components.push(json!({
                "uuid": at.uuid(&format!("component/{}", c.id)),
                "type": kind,
                "title": c.name,
                "description": text_or(&c.purpose, &c.function),
                "purpose": text_or(&c.function, &c.name),
                "props": [
                    prop("component-id", &c.id),
                    prop("component-kind", c.kind.as_str()),
                    prop("technology", &text_or(&c.technology, "not stated")),
                    prop("location", &text_or(&c.location, "not stated")),
                ],
                "status": {"state": "operational"},
            }));
            if c.kind == crate::domain::ComponentKind::Data {
                information.push(json!({
                    "uuid": at.uuid(&format!("information-type/{}", c.id)),
                    "title": c.name,
                    "description": text_or(&c.purpose, &c.name),
                }));
            }
        }
    }
    if information.is_empty() {
        information.push(json!({
            "uuid": at.uuid("information-type/isms"),
            "title": "Information within the ISMS scope",
            "description": "The information the ISMS protects, as its risk register describes it.",
        }));
    }
    let requirements: Vec<Value> = records
        .controls
        .iter()
        .map(|e| implemented_requirement(at, e, &this_system))
        .collect();
    json!({"system-security-plan": {
        "uuid": at.uuid("system-security-plan"),
        "metadata": at.metadata("Statement of Applicability (ISO/IEC 27001:2022 Annex A)"),
        "import-profile": {
            "href": ISO_27001,
            "remarks": "ISO/IEC 27001:2022 Annex A. The catalogue is licensed by ISO and is not included; control ids are written a.5.1 for Annex A 5.1.",
        },
        "system-characteristics": {
            "system-ids": [{"identifier-type": "https://ietf.org/rfc/rfc4122", "id": at.uuid("system")}],
            "system-name": at.org,
            "description": description,
            "system-information": {"information-types": information},
            "status": {"state": "operational"},
            "authorization-boundary": {"description": boundary},
        },
        "system-implementation": {"components": components},
        "control-implementation": {
            "description": "Every Annex A control of ISO/IEC 27001:2022 with its applicability, implementation status and justification, as the Statement of Applicability records them.",
            "implemented-requirements": requirements,
        },
    }})
}

/// One SoA entry as an implemented requirement.
fn implemented_requirement(at: &Context, e: &SoaEntry, this_system: &str) -> Value {
    let state = if !e.applicable {
        "not-applicable"
    } else {
        match e.status {
            ControlStatus::Implemented => "implemented",
            ControlStatus::Partial => "partial",
            ControlStatus::Planned | ControlStatus::NotImplemented => "planned",
        }
    };
    let why = if e.applicable {
        let reasons: Vec<&str> = e.reasons.iter().map(|r| r.label()).collect();
        if reasons.is_empty() {
            "Applicable.".to_string()
        } else {
            format!("Applicable: {}.", reasons.join(", "))
        }
    } else {
        format!(
            "Excluded: {}",
            e.justification
                .as_deref()
                .unwrap_or("no justification recorded")
        )
    };
    let mut props = vec![
        prop("applicable", if e.applicable { "true" } else { "false" }),
        prop("soa-status", e.status.as_str()),
    ];
    for reason in &e.reasons {
        props.push(prop("inclusion-reason", reason.as_str()));
    }
    if let Some(owner) = &e.owner {
        props.push(prop("owner-role", owner));
    }
    let implementation = {
        let body = e
            .body
            .trim()
            .trim_start_matches("## Implementation")
            .trim()
            .to_string();
        text_or(&body, &why)
    };
    json!({
        "uuid": at.uuid(&format!("implemented-requirement/{}", e.id)),
        "control-id": control_id(&e.id),
        "props": props,
        "by-components": [{
            "component-uuid": this_system,
            "uuid": at.uuid(&format!("by-component/{}", e.id)),
            "description": implementation,
            "implementation-status": {"state": state},
        }],
        "remarks": why,
    })
}

/// The register and the treatment plan as a plan of action and milestones.
fn poam(at: &Context, records: &Records) -> Value {
    let methodology = &at.config.methodology;
    let mut risks = Vec::new();
    let mut items = Vec::new();
    for risk in &records.risks {
        let treatments: Vec<&&Treatment> = records
            .treatments
            .iter()
            .filter(|t| t.risks.contains(&risk.id))
            .collect();
        let open_actions = treatments
            .iter()
            .flat_map(|t| t.actions.iter())
            .any(|a| a.status.is_open());
        let status = match risk.status {
            RiskStatus::Closed => "closed",
            RiskStatus::Deferred => "open",
            RiskStatus::Active if risk.acceptance.is_some() => "deviation-approved",
            RiskStatus::Active if open_actions => "remediating",
            RiskStatus::Active => "open",
        };
        let inherent = risk.inherent(methodology);
        let residual = risk.rating_after_treatment(methodology);
        let statement = match (&inherent, &residual) {
            (Some(i), Some(r)) => format!(
                "Likelihood {} × impact {} = {} ({}); after treatment {} × {} = {} ({}).",
                i.likelihood,
                i.impact,
                i.score,
                methodology.band_name(i.band.as_ref()),
                r.likelihood,
                r.impact,
                r.score,
                methodology.band_name(r.band.as_ref())
            ),
            _ => "Not scored yet.".to_string(),
        };
        let mut facets = Vec::new();
        let mut facet = |name: &str, value: String| {
            facets.push(json!({"name": name, "system": NS, "value": value}));
        };
        if let Some(i) = &inherent {
            facet("likelihood", i.likelihood.to_string());
            facet("impact", i.impact.to_string());
            facet("score", i.score.to_string());
            facet("band", methodology.band_name(i.band.as_ref()));
        }
        if let Some(r) = &residual {
            facet("residual-likelihood", r.likelihood.to_string());
            facet("residual-impact", r.impact.to_string());
            facet("residual-score", r.score.to_string());
            facet("residual-band", methodology.band_name(r.band.as_ref()));
        }
        let mut props = vec![
            prop("risk-id", &risk.id),
            prop("risk-status", risk.status.as_str()),
            prop("domain", &risk.domain),
            prop("owner-role", &risk.owner),
            prop("methodology-version", &methodology.version),
        ];
        if let Some(option) = risk.treatment {
            props.push(prop("treatment-option", option.as_str()));
        }
        if let Some(to) = &risk.deferred_to {
            props.push(prop("deferred-to", to));
        }
        let remediations: Vec<Value> = treatments
            .iter()
            .map(|t| remediation(at, t, &risk.id))
            .collect();
        let deadline = treatments
            .iter()
            .flat_map(|t| t.actions.iter())
            .filter(|a| a.status.is_open())
            .filter_map(|a| a.due)
            .max();
        let uuid = at.uuid(&format!("risk/{}", risk.id));
        let mut value = json!({
            "uuid": uuid,
            "title": format!("{} {}", risk.id, risk.title),
            "description": text_or(&summary(&risk.body), &risk.title),
            "statement": statement,
            "props": props,
            "status": status,
            "origins": [at.origin()],
        });
        if !facets.is_empty() {
            value["characterizations"] = json!([{"origin": at.origin(), "facets": facets}]);
        }
        if let Some(due) = deadline {
            value["deadline"] = json!(end_of(due));
        }
        if !remediations.is_empty() {
            value["remediations"] = json!(remediations);
        }
        risks.push(value);
        if risk.status != RiskStatus::Closed {
            items.push(json!({
                "uuid": at.uuid(&format!("poam-item/{}", risk.id)),
                "title": format!("{} {}", risk.id, risk.title),
                "description": statement_for_item(risk, &treatments),
                "props": [prop("risk-id", &risk.id)],
                "related-risks": [{"risk-uuid": uuid}],
            }));
        }
    }
    if items.is_empty() {
        items.push(json!({
            "uuid": at.uuid("poam-item/none"),
            "title": "No open risk",
            "description": "Every risk in the register is closed.",
        }));
    }
    let mut plan = json!({
        "uuid": at.uuid("plan-of-action-and-milestones"),
        "metadata": at.metadata("Risk register and treatment plan"),
        "import-ssp": {"href": "system-security-plan.json"},
        "system-id": {"identifier-type": "https://ietf.org/rfc/rfc4122", "id": at.uuid("system")},
        "poam-items": items,
    });
    if !risks.is_empty() {
        plan["risks"] = json!(risks);
    }
    json!({"plan-of-action-and-milestones": plan})
}

/// What a POA&M item says of its risk: how it is treated.
fn statement_for_item(risk: &Risk, treatments: &[&&Treatment]) -> String {
    if treatments.is_empty() {
        return match risk.status {
            RiskStatus::Deferred => format!(
                "Deferred{}.",
                risk.deferred_to
                    .as_deref()
                    .map(|t| format!(" to {t}"))
                    .unwrap_or_default()
            ),
            _ => match risk.treatment {
                Some(option) => format!(
                    "Treatment option: {}; no treatment recorded.",
                    option.as_str()
                ),
                None => "No treatment decided yet.".to_string(),
            },
        };
    }
    let names: Vec<String> = treatments
        .iter()
        .map(|t| format!("{} {}", t.id, t.title))
        .collect();
    format!("Treated by {}.", names.join("; "))
}

/// A treatment as a remediation of one risk, its actions as tasks.
fn remediation(at: &Context, t: &Treatment, risk: &str) -> Value {
    let all_done = !t.actions.is_empty() && t.actions.iter().all(|a| !a.status.is_open());
    let lifecycle = match t.decision {
        Decision::Approved if all_done => "completed",
        Decision::Approved => "planned",
        _ => "recommendation",
    };
    let tasks: Vec<Value> = t
        .actions
        .iter()
        .map(|a| {
            let mut task = json!({
                "uuid": at.uuid(&format!("task/{}/{}/{risk}", t.id, a.id)),
                "type": "action",
                "title": format!("{} {}", a.id, a.description.lines().next().unwrap_or_default()),
                "description": a.description,
                "props": [
                    prop("action-id", &a.id),
                    prop("action-status", a.status.as_str()),
                    prop("owner-role", &a.owner),
                ],
            });
            if let Some(due) = a.due {
                task["timing"] = json!({"on-date": {"date": end_of(due)}});
            }
            if a.status == ActionStatus::Cancelled {
                task["remarks"] = json!("Cancelled; the treatment's text says why.");
            }
            task
        })
        .collect();
    let mut props = vec![
        prop("treatment-id", &t.id),
        prop("treatment-option", t.option.as_str()),
        prop("decision", t.decision.as_str()),
    ];
    if let Some(on) = t.approved_on {
        props.push(prop("approved-on", &on.to_string()));
    }
    let mut value = json!({
        "uuid": at.uuid(&format!("remediation/{}/{risk}", t.id)),
        "lifecycle": lifecycle,
        "title": format!("{} {}", t.id, t.title),
        "description": text_or(&summary(&t.body), &t.title),
        "props": props,
        "origins": [at.origin()],
    });
    if !tasks.is_empty() {
        value["tasks"] = json!(tasks);
    }
    value
}

/// The internal audits as assessment results: one result per audit that started.
fn assessment_results(at: &Context, records: &Records) -> Value {
    let mut results = Vec::new();
    for audit in &records.audits {
        let Some(start) = audit.started_on.or(match audit.status {
            AuditStatus::Completed => Some(audit.planned_on),
            _ => None,
        }) else {
            continue;
        };
        if audit.status == AuditStatus::Cancelled {
            continue;
        }
        let mut observations = Vec::new();
        let mut findings = Vec::new();
        for item in &audit.items {
            let Some(conclusion) = item.conclusion else {
                continue;
            };
            let key = format!("{}/{}", audit.id, item.id);
            let observation = at.uuid(&format!("observation/{key}"));
            let about = format!("{} {}", item.id, item.about);
            observations.push(json!({
                "uuid": observation,
                "title": about,
                "description": item.note.clone().map_or_else(|| conclusion.as_str().replace('_', " "), |n| text_or(&n, conclusion.as_str())),
                "methods": ["EXAMINE"],
                "types": ["finding"],
                "origins": [at.origin()],
                "collected": day(audit.completed_on.unwrap_or(start)),
            }));
            let mut props = vec![
                prop("audit-item", &item.id),
                prop("conclusion", conclusion.as_str()),
            ];
            if let Some(f) = &item.finding {
                props.push(prop("finding-id", f));
            }
            findings.push(json!({
                "uuid": at.uuid(&format!("finding/{key}")),
                "title": about,
                "description": format!("{}: {}", item.about, conclusion.as_str().replace('_', " ")),
                "props": props,
                "target": {
                    "type": "statement-id",
                    "target-id": target_id(item.requirement()),
                    "status": {
                        "state": if conclusion == Conclusion::Nonconformity { "not-satisfied" } else { "satisfied" },
                    },
                },
                "related-observations": [{"observation-uuid": observation}],
            }));
        }
        let controls: Vec<Value> = audit
            .controls
            .iter()
            .map(|c| json!({"control-id": control_id(c)}))
            .collect();
        let selection = if controls.is_empty() {
            json!({
                "include-all": {},
                "remarks": format!(
                    "The audit was of clauses {} and processes, not of Annex A controls one by one.",
                    if audit.clauses.is_empty() { "—".to_string() } else { audit.clauses.join(", ") }
                ),
            })
        } else {
            json!({"include-controls": controls})
        };
        let mut result = json!({
            "uuid": at.uuid(&format!("result/{}", audit.id)),
            "title": format!("{} {}", audit.id, audit.title),
            "description": format!(
                "Internal audit by {}{}{}",
                audit.auditor,
                audit.criteria.as_deref().map(|c| format!(" against {c}")).unwrap_or_default(),
                audit.method.as_deref().map(|m| format!("; {m}")).unwrap_or_default(),
            ),
            "start": day(start),
            "props": [prop("audit-id", &audit.id), prop("audit-status", audit.status.as_str())],
            "reviewed-controls": {"control-selections": [selection]},
        });
        if let Some(end) = audit.completed_on {
            result["end"] = json!(end_of(end));
        }
        if !observations.is_empty() {
            result["observations"] = json!(observations);
            result["findings"] = json!(findings);
        }
        results.push(result);
    }
    if results.is_empty() {
        results.push(json!({
            "uuid": at.uuid("result/none"),
            "title": "No internal audit has started",
            "description": "The audit programme has no audit under way or completed at this commit.",
            "start": at.modified,
            "reviewed-controls": {"control-selections": [{"include-all": {}}]},
        }));
    }
    json!({"assessment-results": {
        "uuid": at.uuid("assessment-results"),
        "metadata": at.metadata("Internal audit results"),
        "import-ap": {
            "href": "urn:isms-desk:audit-programme",
            "remarks": "The audit programme is kept in the ISMS repository (audits/); no OSCAL assessment plan is exported.",
        },
        "results": results,
    }})
}

/// What an audit item is about, as the id of a statement: `a.5.18_smt` for a control,
/// `clause-9.2_smt` for a clause, `item-<words>_smt` for a process or document.
fn target_id(requirement: Requirement) -> String {
    match requirement {
        Requirement::Control(id) => format!("{}_smt", control_id(id)),
        Requirement::Clause(id) => token(&format!("clause-{id}_smt")),
        Requirement::Other(about) => {
            let words: Vec<String> = about
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect();
            token(&format!("item-{}_smt", words.join("-")))
        }
    }
}

/// The ISO ↔ SOC 2 links in force as a mapping collection.
fn mapping(at: &Context, snapshot: &Snapshot) -> Value {
    let (links, _) = crate::domain::soc2_links_with(&snapshot.soc2_mapping);
    let reviewed = links
        .iter()
        .all(|l| l.review == crate::domain::MappingReview::Reviewed);
    let maps: Vec<Value> = links
        .iter()
        .map(|l| {
            let source = match l.control.strip_prefix("clause ") {
                Some(clause) => token(&format!("clause-{clause}")),
                None => control_id(&l.control),
            };
            let relationship = match l.relationship {
                crate::domain::Relationship::Equivalent => "equivalent-to",
                crate::domain::Relationship::Subset => "subset-of",
                crate::domain::Relationship::Superset => "superset-of",
                crate::domain::Relationship::Intersects => "intersects-with",
            };
            json!({
                "uuid": at.uuid(&format!("map/{}/{}", l.control, l.criterion)),
                "relationship": relationship,
                "sources": [{"type": "control", "id-ref": source}],
                "targets": [{"type": "control", "id-ref": token(&l.criterion.to_lowercase())}],
                "props": [
                    prop("review", l.review.as_str()),
                    prop("origin", if l.own { "isms" } else { "isms-desk" }),
                ],
                "remarks": text_or(&l.rationale, "No rationale recorded."),
            })
        })
        .collect();
    let mut mapping = json!({
        "uuid": at.uuid("mapping/iso27001-soc2"),
        "source-resource": {"type": "catalog", "href": ISO_27001},
        "target-resource": {"type": "catalog", "href": SOC2_TSC},
        "maps": maps,
    });
    if maps_empty(&mapping) {
        mapping["maps"] = json!([{
            "uuid": at.uuid("map/none"),
            "relationship": "no-relationship",
            "sources": [{"type": "control", "id-ref": "a.5.1"}],
            "targets": [{"type": "control", "id-ref": "cc1.1"}],
            "remarks": "No link is in force.",
        }]);
    }
    json!({"mapping-collection": {
        "uuid": at.uuid("mapping-collection"),
        "metadata": at.metadata("ISO/IEC 27001:2022 to SOC 2 mapping"),
        "provenance": {
            "method": "human",
            "matching-rationale": "semantic",
            "status": if reviewed { "complete" } else { "draft" },
            "mapping-description": "ISMS Desk's links from ISO/IEC 27001:2022 Annex A controls and clauses to the 2017 Trust Services Criteria, with the ISMS's own soc2/mapping.csv applied. A link not yet reviewed by a second person is marked review=proposed.",
        },
        "mappings": [mapping],
    }})
}

fn maps_empty(mapping: &Value) -> bool {
    mapping["maps"].as_array().is_none_or(Vec::is_empty)
}
