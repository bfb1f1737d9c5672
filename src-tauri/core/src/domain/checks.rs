//! `isms check`: the cross-record rules of an ISMS. Each finding has a stable rule
//! name, a severity, the file it concerns and a message a person understands.
//! Deferred domains and deferred risks are listed on every run so they cannot be
//! lost between assessments.
//!
//! Pure: the caller passes the records, the load errors, the Annex A catalogue and
//! `today`.

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::records::{MemoStatus, RiskStatus, TreatmentOption};
use super::scoring::Band;
use super::Records;
use super::{DomainStatus, IsmsConfig};
use crate::catalogue::AnnexAControl;
use crate::LoadError;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The ISMS is inconsistent or incomplete; `isms check` exits 1.
    Error,
    /// Needs attention; `isms check` exits 0 unless `--strict`.
    Warning,
}

/// One finding of the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Finding {
    /// The rule's stable name, e.g. `soa-excluded-but-cited`.
    pub rule: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// The file, relative to the repository root.
    pub path: String,
    /// The line, when the finding is about one line.
    pub line: Option<usize>,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

/// Something deferred, listed on every run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Deferred {
    /// A domain id or a risk id.
    pub id: String,
    /// The domain's name or the risk's title.
    pub title: String,
    /// Where it went: a workshop or a date.
    pub deferred_to: Option<String>,
}

/// The outcome of the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CheckReport {
    /// The findings, errors first, then by file.
    pub findings: Vec<Finding>,
    /// Deferred risk domains.
    pub deferred_domains: Vec<Deferred>,
    /// Deferred risks.
    pub deferred_risks: Vec<Deferred>,
    /// The date the checks were run for.
    pub today: NaiveDate,
}

impl CheckReport {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }
}

/// Every rule name, for documentation and tests.
pub const RULES: &[&str] = &[
    "parse-error",
    "unknown-field",
    "unknown-reference",
    "soa-missing-entry",
    "soa-unjustified-exclusion",
    "soa-applicable-without-reason",
    "soa-excluded-but-cited",
    "unacceptable-untreated",
    "manage-undecided",
    "acceptance-missing",
    "acceptance-pending",
    "acceptance-role-not-allowed",
    "acceptance-stale",
    "role-unheld",
    "separation-of-duties",
    "people-look-alike",
    "shared-signing-key",
    "risk-review-overdue",
    "document-review-overdue",
    "assessment-overdue",
    "action-overdue",
];

struct Out(Vec<Finding>);

impl Out {
    fn push(&mut self, rule: &'static str, severity: Severity, path: &str, message: String) {
        self.0.push(Finding {
            rule,
            severity,
            path: path.to_string(),
            line: None,
            message,
        });
    }
}

/// Runs every check.
pub fn run(
    records: &Records,
    load_errors: &[LoadError],
    catalogue: &[AnnexAControl],
    today: NaiveDate,
) -> CheckReport {
    let mut out = Out(Vec::new());
    for e in load_errors {
        let message = match &e.field {
            Some(field) => format!("{field}: {}", e.message),
            None => e.message.clone(),
        };
        out.0.push(Finding {
            rule: "parse-error",
            severity: Severity::Error,
            path: e.path.clone(),
            line: e.line,
            message,
        });
    }
    unknown_fields(records, &mut out);
    let risk_path = |id: &str| format!("risks/{id}.md");
    // A record whose file failed to load still exists: references to it are not
    // reported again (the parse error already is).
    let unloaded = |folder: &str| -> Vec<String> {
        load_errors
            .iter()
            .filter_map(|e| {
                e.path
                    .strip_prefix(folder)?
                    .strip_suffix(".md")
                    .map(str::to_string)
            })
            .collect()
    };
    let (unloaded_risks, unloaded_controls) = (unloaded("risks/"), unloaded("controls/"));
    let risk_ids: HashSet<&str> = records
        .risks
        .iter()
        .map(|r| r.id.as_str())
        .chain(unloaded_risks.iter().map(String::as_str))
        .collect();
    let catalogue_ids: HashSet<&str> = catalogue.iter().map(|c| c.id.as_str()).collect();
    let theme_ids: HashSet<&str> = records
        .assessments
        .iter()
        .flat_map(|a| a.themes.iter().map(|t| t.id.as_str()))
        .collect();

    if let Some(config) = &records.config {
        config_rules(config, records, &mut out);
    }
    let role_known = |role: &str| {
        records
            .config
            .as_ref()
            .is_none_or(|c| c.role(role).is_some())
    };
    let domain_known = |d: &str| {
        records
            .config
            .as_ref()
            .is_none_or(|c| c.domain(d).is_some())
    };

    // References from risks.
    for risk in &records.risks {
        let path = risk_path(&risk.id);
        for control in risk
            .controls
            .iter()
            .filter(|c| !catalogue_ids.contains(c.as_str()))
        {
            out.push(
                "unknown-reference",
                Severity::Error,
                &path,
                format!("controls: `{control}` is not an ISO/IEC 27001:2022 Annex A control"),
            );
        }
        for related in risk
            .related
            .iter()
            .filter(|r| !risk_ids.contains(r.as_str()))
        {
            out.push(
                "unknown-reference",
                Severity::Error,
                &path,
                format!("related: there is no risk `{related}`"),
            );
        }
        if risk.related.contains(&risk.id) {
            out.push(
                "unknown-reference",
                Severity::Warning,
                &path,
                "related: a risk is not related to itself".into(),
            );
        }
        if !role_known(&risk.owner) {
            out.push(
                "unknown-reference",
                Severity::Error,
                &path,
                format!("owner: `{}` is not a role in isms.yaml", risk.owner),
            );
        }
        if !domain_known(&risk.domain) {
            out.push(
                "unknown-reference",
                Severity::Error,
                &path,
                format!(
                    "domain: `{}` is not a risk domain in isms.yaml",
                    risk.domain
                ),
            );
        }
        for theme in risk
            .themes
            .iter()
            .filter(|t| !theme_ids.contains(t.as_str()))
        {
            out.push(
                "unknown-reference",
                Severity::Warning,
                &path,
                format!("themes: `{theme}` is not a theme of any assessment"),
            );
        }
        if let Some(a) = &risk.acceptance {
            if !role_known(&a.accepted_by) {
                out.push(
                    "unknown-reference",
                    Severity::Error,
                    &path,
                    format!(
                        "acceptance.accepted_by: `{}` is not a role in isms.yaml",
                        a.accepted_by
                    ),
                );
            }
        }
    }

    // SoA completeness and consistency.
    let present: HashSet<&str> = records
        .controls
        .iter()
        .map(|c| c.id.as_str())
        .chain(unloaded_controls.iter().map(String::as_str))
        .collect();
    for control in catalogue
        .iter()
        .filter(|c| !present.contains(c.id.as_str()))
    {
        out.push(
            "soa-missing-entry",
            Severity::Error,
            &format!("controls/{}.md", control.id),
            format!(
                "Annex A {} \"{}\" has no SoA entry; every one of the 93 controls needs one",
                control.id, control.title
            ),
        );
    }
    let cited_by = super::records::risks_citing(&records.risks);
    for entry in &records.controls {
        let path = format!("controls/{}.md", entry.id);
        if !catalogue_ids.contains(entry.id.as_str()) {
            out.push(
                "unknown-reference",
                Severity::Error,
                &path,
                format!(
                    "`{}` is not an ISO/IEC 27001:2022 Annex A control",
                    entry.id
                ),
            );
            continue;
        }
        if let Some(owner) = entry.owner.as_deref().filter(|o| !role_known(o)) {
            out.push(
                "unknown-reference",
                Severity::Error,
                &path,
                format!("owner: `{owner}` is not a role in isms.yaml"),
            );
        }
        let citing = cited_by.get(entry.id.as_str());
        if !entry.applicable {
            if entry
                .justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty())
            {
                out.push(
                    "soa-unjustified-exclusion",
                    Severity::Error,
                    &path,
                    "not applicable without a justification: say why the control is excluded"
                        .into(),
                );
            }
            if let Some(risks) = citing {
                out.push(
                    "soa-excluded-but-cited",
                    Severity::Error,
                    &path,
                    format!(
                        "marked not applicable, but {} cite{} it as a control",
                        risks
                            .iter()
                            .map(|r| r.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        if risks.len() == 1 { "s" } else { "" }
                    ),
                );
            }
        } else if citing.is_none() && entry.reasons.is_empty() {
            out.push(
                "soa-applicable-without-reason",
                Severity::Warning,
                &path,
                "applicable, but no risk cites it and no other reason (legal, contractual, business, best_practice) is stated".into(),
            );
        }
    }

    // Treatment references.
    for t in &records.treatments {
        let path = format!("treatments/{}.md", t.id);
        for risk in t.risks.iter().filter(|r| !risk_ids.contains(r.as_str())) {
            out.push(
                "unknown-reference",
                Severity::Error,
                &path,
                format!("risks: there is no risk `{risk}`"),
            );
        }
        for owner in t
            .actions
            .iter()
            .map(|a| &a.owner)
            .chain(t.approved_by.iter())
            .filter(|o| !role_known(o))
            .collect::<BTreeSet<_>>()
        {
            out.push(
                "unknown-reference",
                Severity::Error,
                &path,
                format!("`{owner}` is not a role in isms.yaml"),
            );
        }
        for a in t.overdue_actions(today) {
            out.push(
                "action-overdue",
                Severity::Warning,
                &path,
                format!(
                    "action {} was due {} and is {}",
                    a.id,
                    a.due.map(|d| d.to_string()).unwrap_or_default(),
                    a.status.as_str().replace('_', " ")
                ),
            );
        }
    }

    // Risk treatment and acceptance.
    if let Some(config) = &records.config {
        let methodology = &config.methodology;
        let treated: HashSet<&str> = records
            .treatments
            .iter()
            .flat_map(|t| t.risks.iter().map(|r| r.as_str()))
            .collect();
        for risk in records
            .risks
            .iter()
            .filter(|r| r.status == RiskStatus::Active)
        {
            let path = risk_path(&risk.id);
            let Some(band) = risk.inherent(methodology).and_then(|r| r.band) else {
                continue;
            };
            let score = risk.inherent(methodology).map_or(0, |r| r.score);
            match band {
                Band::Unacceptable if !treated.contains(risk.id.as_str()) && risk.treatment != Some(TreatmentOption::Accept) => out.push(
                    "unacceptable-untreated",
                    Severity::Error,
                    &path,
                    format!("scores {score} (Unacceptable: treatment required) but no treatment in treatments/ addresses it"),
                ),
                Band::Manage if risk.treatment.is_none() => out.push(
                    "manage-undecided",
                    Severity::Warning,
                    &path,
                    format!("scores {score} (Manage) but has no treatment decision: set treatment to mitigate, transfer, avoid or accept"),
                ),
                _ => {}
            }
            if risk.treatment == Some(TreatmentOption::Accept) {
                match &risk.acceptance {
                    None => out.push(
                        "acceptance-missing",
                        Severity::Error,
                        &path,
                        "treatment is accept but there is no acceptance record (memo, accepted_by)"
                            .into(),
                    ),
                    Some(a) => {
                        if a.memo == MemoStatus::Pending {
                            let last = a.reaffirmed.iter().max().or(a.accepted_on.as_ref());
                            let since = last
                                .map(|d| format!("; last re-affirmed {d}"))
                                .unwrap_or_default();
                            out.push("acceptance-pending", Severity::Warning, &path, format!("accepted by {}, but the formal acceptance memo is still pending{since}", a.accepted_by));
                        }
                        if let Some(scored) = &a.as_scored {
                            let changed = scored.changes_to(&risk.as_scored());
                            if !changed.is_empty() {
                                out.push(
                                    "acceptance-stale",
                                    Severity::Warning,
                                    &path,
                                    format!(
                                        "acceptance: rescored since the acceptance{} was signed ({}); it no longer covers the risk as it stands: put it up for acceptance again",
                                        a.signoff.as_deref().map(|s| format!(" ({s})")).unwrap_or_default(),
                                        changed.join(", ")
                                    ),
                                );
                            }
                        }
                        let allowed = methodology
                            .band_rule(band)
                            .map(|r| r.accepted_by.clone())
                            .unwrap_or_default();
                        if !allowed.contains(&a.accepted_by) {
                            out.push(
                                "acceptance-role-not-allowed",
                                Severity::Error,
                                &path,
                                format!(
                                    "accepted by {}, but the methodology lets only {} accept a {} risk",
                                    a.accepted_by,
                                    if allowed.is_empty() { "no role".to_string() } else { allowed.join(", ") },
                                    band.label()
                                ),
                            );
                        }
                    }
                }
            }
        }
        // Reviews and schedule.
        for risk in records.risks.iter().filter(|r| r.review_overdue(today)) {
            out.push(
                "risk-review-overdue",
                Severity::Warning,
                &risk_path(&risk.id),
                format!(
                    "review was due {}",
                    risk.next_review.map(|d| d.to_string()).unwrap_or_default()
                ),
            );
        }
        if config.assessment.next < today {
            out.push(
                "assessment-overdue",
                Severity::Warning,
                crate::isms::CONFIG_FILE,
                format!(
                    "the next risk assessment was scheduled for {}",
                    config.assessment.next
                ),
            );
        }
        for d in &records.documents {
            let path = format!("documents/{}.md", d.id);
            if let Some(due) = d
                .next_review
                .filter(|due| *due < today && d.withdrawn_on.is_none())
            {
                out.push(
                    "document-review-overdue",
                    Severity::Warning,
                    &path,
                    format!(
                        "\"{}\" version {} was due for review {due}",
                        d.title, d.version
                    ),
                );
            }
            for role in [Some(&d.owner), d.approved_by.as_ref()]
                .into_iter()
                .flatten()
                .filter(|r| !role_known(r))
            {
                out.push(
                    "unknown-reference",
                    Severity::Error,
                    &path,
                    format!("`{role}` is not a role in isms.yaml"),
                );
            }
        }
        for a in &records.assessments {
            let path = format!("assessments/{}.md", a.id);
            for d in a
                .domains_in_scope
                .iter()
                .chain(&a.domains_deferred)
                .filter(|d| !domain_known(d))
            {
                out.push(
                    "unknown-reference",
                    Severity::Error,
                    &path,
                    format!("`{d}` is not a risk domain in isms.yaml"),
                );
            }
        }
    } else {
        for d in &records.documents {
            if let Some(due) = d
                .next_review
                .filter(|due| *due < today && d.withdrawn_on.is_none())
            {
                out.push(
                    "document-review-overdue",
                    Severity::Warning,
                    &format!("documents/{}.md", d.id),
                    format!(
                        "\"{}\" version {} was due for review {due}",
                        d.title, d.version
                    ),
                );
            }
        }
    }

    let mut findings = out.0;
    findings.sort_by(|a, b| {
        (a.severity, &a.path, a.line, a.rule, &a.message)
            .cmp(&(b.severity, &b.path, b.line, b.rule, &b.message))
    });
    findings.dedup();

    let deferred_domains = records
        .config
        .iter()
        .flat_map(|c| {
            c.domains
                .iter()
                .filter(|d| d.status == DomainStatus::Deferred)
        })
        .map(|d| Deferred {
            id: d.id.clone(),
            title: d.name.clone(),
            deferred_to: d.deferred_to.clone(),
        })
        .collect();
    let deferred_risks = records
        .risks
        .iter()
        .filter(|r| r.status == RiskStatus::Deferred)
        .map(|r| Deferred {
            id: r.id.clone(),
            title: r.title.clone(),
            deferred_to: r.deferred_to.clone(),
        })
        .collect();
    CheckReport {
        findings,
        deferred_domains,
        deferred_risks,
        today,
    }
}

fn config_rules(config: &IsmsConfig, records: &Records, out: &mut Out) {
    let path = crate::isms::CONFIG_FILE;
    let role_ids: HashSet<&str> = config.roles.iter().map(|r| r.id.as_str()).collect();
    let mut unknown = |context: String, role: &str| {
        if !role_ids.contains(role) {
            out.push(
                "unknown-reference",
                Severity::Error,
                path,
                format!("{context}: `{role}` is not a defined role"),
            );
        }
    };
    for p in &config.people {
        for role in &p.roles {
            unknown(format!("people ({})", p.name), role);
        }
    }
    for rule in &config.separation_of_duties {
        for role in &rule.roles {
            unknown("separation_of_duties".into(), role);
        }
    }
    for band in &config.methodology.bands {
        for role in &band.accepted_by {
            unknown(format!("methodology.bands ({})", band.band.as_str()), role);
        }
    }
    for chain in &config.signoff {
        for step in &chain.steps {
            unknown(format!("signoff ({})", chain.kind), &step.role);
        }
    }
    for role in &config.roles {
        if config.holders(&role.id).next().is_none() {
            out.push(
                "role-unheld",
                Severity::Warning,
                path,
                format!("nobody holds the role {} ({})", role.title, role.id),
            );
        }
    }
    for rule in &config.separation_of_duties {
        for person in config
            .people
            .iter()
            .filter(|p| rule.roles.iter().all(|r| p.roles.contains(r)))
        {
            let title = |id: &str| config.role(id).map_or(id.to_string(), |r| r.title.clone());
            out.push(
                "separation-of-duties",
                Severity::Warning,
                path,
                format!(
                    "{} holds both {} and {}, which are kept apart: {}",
                    person.name,
                    title(&rule.roles[0]),
                    title(&rule.roles[1]),
                    rule.reason
                ),
            );
        }
    }
    for l in super::people::look_alikes(config) {
        let (rule, severity) = if l.shared_key {
            ("shared-signing-key", Severity::Error)
        } else {
            ("people-look-alike", Severity::Warning)
        };
        out.push(
            rule,
            severity,
            path,
            format!("people.{}: {}", l.field, l.message),
        );
    }
    let _ = records;
}

/// Warns about front-matter keys that ISMS Desk does not read, suggesting the field
/// that was probably meant. Keys starting with `x-` are extensions and are left alone.
fn unknown_fields(records: &Records, out: &mut Out) {
    for u in records
        .unknown_keys
        .iter()
        .filter(|u| !u.key.starts_with("x-"))
    {
        let hint = u
            .suggestion
            .as_deref()
            .map(|k| format!("; did you mean `{k}`?"))
            .unwrap_or_default();
        out.0.push(Finding {
            rule: "unknown-field",
            severity: Severity::Warning,
            path: u.path.clone(),
            line: Some(u.line),
            message: format!("`{}` is not a field ISMS Desk reads; it is kept as written{hint} (prefix custom fields with x-)", u.key),
        });
    }
}
