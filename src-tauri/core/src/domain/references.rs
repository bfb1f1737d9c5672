//! References between records: an owner names a role, a risk cites Annex A controls
//! and related risks, a treatment names the risks it treats. One function per kind
//! says which of a record's references name nothing, for `isms check` (over every
//! record) and for a save (over the record being written, before it is written).

use std::collections::{BTreeSet, HashSet};

use super::checks::Severity;
use super::{
    Assessment, Audit, Document, IsmsConfig, Nonconformity, Objective, Review, Risk, SoaEntry,
    Supplier, Treatment,
};

/// What exists for a record to refer to.
#[derive(Debug, Default)]
pub struct Known<'a> {
    /// The roles, domains and themes of isms.yaml; without one, every role and domain
    /// counts as known (its absence is reported on its own).
    pub config: Option<&'a IsmsConfig>,
    /// Risks that exist, loaded or not: a file that failed to load still exists, and
    /// a reference to it is not reported again.
    pub risk_ids: HashSet<&'a str>,
    /// The Annex A controls.
    pub catalogue_ids: HashSet<&'a str>,
    /// The themes of every assessment.
    pub theme_ids: HashSet<&'a str>,
    /// Findings (nonconformities, observations, opportunities) that exist, loaded or not.
    pub finding_ids: HashSet<&'a str>,
}

/// A reference that names nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dangling {
    /// The field that holds it, dotted (`actions.A2.owner`).
    pub field: String,
    /// An error, or a warning for what may be on purpose.
    pub severity: Severity,
    /// What it names and why that is nothing.
    pub message: String,
}

impl Known<'_> {
    fn role_known(&self, role: &str) -> bool {
        self.config.is_none_or(|c| c.role(role).is_some())
    }

    fn domain_known(&self, domain: &str) -> bool {
        self.config.is_none_or(|c| c.domain(domain).is_some())
    }
}

impl Dangling {
    /// A reference that names nothing, as an error.
    pub fn error(field: impl Into<String>, message: String) -> Dangling {
        error(field, message)
    }
}

fn error(field: impl Into<String>, message: String) -> Dangling {
    Dangling {
        field: field.into(),
        severity: Severity::Error,
        message,
    }
}

fn warning(field: impl Into<String>, message: String) -> Dangling {
    Dangling {
        field: field.into(),
        severity: Severity::Warning,
        message,
    }
}

/// The Annex A controls of `controls` that name nothing, each as an error of `field`:
/// how every kind of record that cites controls is told of a wrong one.
fn unknown_controls<'a>(
    field: &'a str,
    controls: &'a [String],
    known: &'a Known,
) -> impl Iterator<Item = Dangling> + 'a {
    controls
        .iter()
        .filter(|c| !known.catalogue_ids.contains(c.as_str()))
        .map(move |c| error(field, no_control(c)))
}

fn no_control(id: &str) -> String {
    format!("`{id}` is not an ISO/IEC 27001:2022 Annex A control")
}

fn no_role(role: &str) -> String {
    format!("`{role}` is not a role in isms.yaml")
}

/// A risk's owner, domain, controls, related risks, themes and acceptance.
pub fn of_risk(risk: &Risk, known: &Known) -> Vec<Dangling> {
    let mut out: Vec<Dangling> = unknown_controls("controls", &risk.controls, known).collect();
    for related in risk
        .related
        .iter()
        .filter(|r| !known.risk_ids.contains(r.as_str()))
    {
        out.push(error("related", format!("there is no risk `{related}`")));
    }
    out.extend(dangling_findings(&risk.findings, known));
    if risk.related.contains(&risk.id) {
        out.push(warning("related", "a risk is not related to itself".into()));
    }
    if !known.role_known(&risk.owner) {
        out.push(error("owner", no_role(&risk.owner)));
    }
    if !known.domain_known(&risk.domain) {
        out.push(error(
            "domain",
            format!("`{}` is not a risk domain in isms.yaml", risk.domain),
        ));
    }
    for theme in risk
        .themes
        .iter()
        .filter(|t| !known.theme_ids.contains(t.as_str()))
    {
        out.push(warning(
            "themes",
            format!("`{theme}` is not a theme of any assessment"),
        ));
    }
    if let Some(a) = risk
        .acceptance
        .as_ref()
        .filter(|a| !known.role_known(&a.accepted_by))
    {
        out.push(error("acceptance.accepted_by", no_role(&a.accepted_by)));
    }
    out
}

/// An SoA entry's control and owner.
pub fn of_soa_entry(entry: &SoaEntry, known: &Known) -> Vec<Dangling> {
    if !known.catalogue_ids.contains(entry.id.as_str()) {
        return vec![error("id", no_control(&entry.id))];
    }
    entry
        .owner
        .as_deref()
        .filter(|o| !known.role_known(o))
        .map(|o| error("owner", no_role(o)))
        .into_iter()
        .collect()
}

/// A treatment's risks, its actions' owners and who approved it.
pub fn of_treatment(t: &Treatment, known: &Known) -> Vec<Dangling> {
    let mut out = Vec::new();
    for risk in t
        .risks
        .iter()
        .filter(|r| !known.risk_ids.contains(r.as_str()))
    {
        out.push(error("risks", format!("there is no risk `{risk}`")));
    }
    out.extend(dangling_findings(&t.findings, known));
    let mut owners: BTreeSet<(String, &str)> = t
        .actions
        .iter()
        .filter(|a| !known.role_known(&a.owner))
        .map(|a| (format!("actions.{}.owner", a.id), a.owner.as_str()))
        .collect();
    if let Some(by) = t.approved_by.as_deref().filter(|r| !known.role_known(r)) {
        owners.insert(("approved_by".into(), by));
    }
    out.extend(
        owners
            .into_iter()
            .map(|(field, role)| error(field, no_role(role))),
    );
    out
}

/// The findings a risk or treatment cites that do not exist.
fn dangling_findings(findings: &[String], known: &Known) -> Vec<Dangling> {
    findings
        .iter()
        .filter(|f| !known.finding_ids.contains(f.as_str()))
        .map(|f| {
            error(
                "findings",
                format!("there is no finding `{f}` in nonconformities/"),
            )
        })
        .collect()
}

/// A controlled document's owner and approvers.
pub fn of_document(d: &Document, known: &Known) -> Vec<Dangling> {
    [
        ("owner", Some(&d.owner)),
        ("approver", d.approver.as_ref()),
        ("approved_by", d.approved_by.as_ref()),
    ]
    .into_iter()
    .filter_map(|(field, role)| Some((field, role?)))
    .filter(|(_, role)| !known.role_known(role))
    .map(|(field, role)| error(field, no_role(role)))
    .collect()
}

/// An audit's auditor (a person of isms.yaml), controls and domains in scope, and the
/// controls its items are about.
pub fn of_audit(a: &Audit, known: &Known) -> Vec<Dangling> {
    let mut out = Vec::new();
    if known
        .config
        .is_some_and(|c| !c.people.iter().any(|p| p.name == a.auditor))
    {
        out.push(error(
            "auditor",
            format!(
                "`{}` is not a person of isms.yaml (people: name)",
                a.auditor
            ),
        ));
    }
    out.extend(unknown_controls("controls", &a.controls, known));
    for c in a
        .clauses
        .iter()
        .filter(|c| !super::CLAUSES.iter().any(|(id, _)| id == c))
    {
        out.push(error(
            "clauses",
            format!("`{c}` is not a clause of ISO/IEC 27001:2022 with requirements (4.1 … 10.2)"),
        ));
    }
    for d in a.domains.iter().filter(|d| !known.domain_known(d)) {
        out.push(error(
            "domains",
            format!("`{d}` is not a risk domain in isms.yaml"),
        ));
    }
    out
}

/// A finding's owner, risks, actions' owners and effectiveness reviewer.
pub fn of_nonconformity(n: &Nonconformity, known: &Known) -> Vec<Dangling> {
    let mut out = Vec::new();
    for risk in n
        .risks
        .iter()
        .filter(|r| !known.risk_ids.contains(r.as_str()))
    {
        out.push(error("risks", format!("there is no risk `{risk}`")));
    }
    let roles = std::iter::once(("owner".to_string(), n.owner.as_str()))
        .chain(
            n.actions
                .iter()
                .map(|a| (format!("actions.{}.owner", a.id), a.owner.as_str())),
        )
        .chain(n.effectiveness.iter().map(|e| {
            (
                "effectiveness.reviewed_by".to_string(),
                e.reviewed_by.as_str(),
            )
        }));
    out.extend(
        roles
            .filter(|(_, role)| !known.role_known(role))
            .map(|(field, role)| error(field, no_role(role))),
    );
    out
}

/// An objective's owner.
pub fn of_objective(o: &Objective, known: &Known) -> Vec<Dangling> {
    if known.role_known(&o.owner) {
        Vec::new()
    } else {
        vec![error("owner", no_role(&o.owner))]
    }
}

/// A supplier's owner, risks and controls.
pub fn of_supplier(s: &Supplier, known: &Known) -> Vec<Dangling> {
    let mut out = Vec::new();
    if !known.role_known(&s.owner) {
        out.push(error("owner", no_role(&s.owner)));
    }
    out.extend(
        s.risks
            .iter()
            .filter(|r| !known.risk_ids.contains(r.as_str()))
            .map(|r| error("risks", format!("`{r}` is not a risk (no risks/{r}.md)"))),
    );
    out.extend(unknown_controls("controls", &s.controls, known));
    out
}

/// A piece of evidence's controls, findings and who collected it.
pub fn of_evidence(e: &super::Evidence, known: &Known) -> Vec<Dangling> {
    let mut out: Vec<Dangling> = unknown_controls("controls", &e.controls, known).collect();
    out.extend(
        e.findings
            .iter()
            .filter(|n| !known.finding_ids.contains(n.as_str()))
            .map(|n| error("findings", format!("there is no finding `{n}`"))),
    );
    if let Some(config) = known.config {
        if !config.people.iter().any(|p| p.name == e.collected_by) {
            out.push(error(
                "collected_by",
                format!(
                    "`{}` is not a person of isms.yaml (people: name)",
                    e.collected_by
                ),
            ));
        }
    }
    out
}

/// The system description's owner and its components' owners.
pub fn of_system_description(d: &super::SystemDescription, known: &Known) -> Vec<Dangling> {
    let mut out = Vec::new();
    if !known.role_known(&d.owner) {
        out.push(error("owner", no_role(&d.owner)));
    }
    for c in d.components.iter().filter(|c| !known.role_known(&c.owner)) {
        out.push(error(
            format!("components.{}.owner", c.id),
            no_role(&c.owner),
        ));
    }
    out
}

/// A management review's attendees (people of isms.yaml) and its actions' owners.
pub fn of_review(v: &Review, known: &Known) -> Vec<Dangling> {
    let mut out = Vec::new();
    if let Some(config) = known.config {
        for a in v
            .attendees
            .iter()
            .filter(|a| !config.people.iter().any(|p| &p.name == *a))
        {
            out.push(error(
                "attendees",
                format!("`{a}` is not a person of isms.yaml (people: name)"),
            ));
        }
    }
    for a in v.actions.iter().filter(|a| !known.role_known(&a.owner)) {
        out.push(error(format!("actions.{}.owner", a.id), no_role(&a.owner)));
    }
    out
}

/// An assessment's domains.
pub fn of_assessment(a: &Assessment, known: &Known) -> Vec<Dangling> {
    [
        ("domains_in_scope", &a.domains_in_scope),
        ("domains_deferred", &a.domains_deferred),
    ]
    .into_iter()
    .flat_map(|(field, domains)| domains.iter().map(move |d| (field, d)))
    .filter(|(_, d)| !known.domain_known(d))
    .map(|(field, d)| error(field, format!("`{d}` is not a risk domain in isms.yaml")))
    .collect()
}
