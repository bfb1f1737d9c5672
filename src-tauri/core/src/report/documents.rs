//! The documents that are signed off but are not reports of the register: the
//! governance configuration (people, roles, keys, chains), the risk assessment
//! methodology and a risk acceptance. Like reports, each is rendered from a commit by
//! a template and comes out the same for the same commit.

use serde::Serialize;

use super::heatmap::HeatTones;
use super::markdown::{cell, render_named};
use super::model::{band_label, commit_date, demote, pending_rows, SignoffRow};
use crate::domain::{
    sections, Formula, IsmsConfig, Level, Methodology, Organisation, Rating, Rescore, Rescoring,
    Risk,
};
use crate::Result;

/// Where a document is made from: a commit of the repository.
pub struct DocumentSource<'a> {
    /// The commit id.
    pub commit: &'a str,
    /// Its committer time (seconds) and offset (minutes).
    pub time: (i64, i32),
}

/// A key's SHA-256 fingerprint, or the reason it is not a key.
pub fn fingerprint(openssh: &str) -> String {
    crate::git::signing::fingerprint_of(openssh)
        .unwrap_or_else(|| format!("not a valid key: {}", openssh.trim()))
}

/// What differs in people, roles, keys, separation of duties and chains between the
/// approved configuration and `proposed`, one sentence per change.
pub fn governance_changes(approved: &IsmsConfig, proposed: &IsmsConfig) -> Vec<String> {
    let mut out = Vec::new();
    for p in &proposed.people {
        match approved.people.iter().find(|a| a.email == p.email) {
            None => out.push(format!(
                "{} <{}> added, holding {}",
                p.name,
                p.email,
                roles_text(proposed, &p.roles)
            )),
            Some(a) => {
                if a.name != p.name {
                    out.push(format!("{} renamed to {}", a.name, p.name));
                }
                for r in p.roles.iter().filter(|r| !a.roles.contains(r)) {
                    out.push(format!("{} now holds {}", p.name, proposed.role_title(r)));
                }
                for r in a.roles.iter().filter(|r| !p.roles.contains(r)) {
                    out.push(format!(
                        "{} no longer holds {}",
                        p.name,
                        approved.role_title(r)
                    ));
                }
                let keys = |ks: &[String]| ks.iter().map(|k| fingerprint(k)).collect::<Vec<_>>();
                let (before, after) = (keys(&a.signing_keys), keys(&p.signing_keys));
                for k in after.iter().filter(|k| !before.contains(k)) {
                    out.push(format!("signing key {k} added for {}", p.name));
                }
                for k in before.iter().filter(|k| !after.contains(k)) {
                    out.push(format!("signing key {k} removed from {}", p.name));
                }
            }
        }
    }
    for a in &approved.people {
        if !proposed.people.iter().any(|p| p.email == a.email) {
            out.push(format!("{} <{}> removed", a.name, a.email));
        }
    }
    for r in &proposed.roles {
        match approved.role(&r.id) {
            None => out.push(format!("role {} ({}) added", r.title, r.id)),
            Some(a) if a.title != r.title => {
                out.push(format!("role {} renamed to {}", a.title, r.title))
            }
            Some(_) => {}
        }
    }
    for a in &approved.roles {
        if proposed.role(&a.id).is_none() {
            out.push(format!("role {} ({}) removed", a.title, a.id));
        }
    }
    if approved.separation_of_duties != proposed.separation_of_duties {
        out.push("separation-of-duties rules changed".into());
    }
    for c in &proposed.signoff {
        match approved.signoff.iter().find(|a| a.is_for(c)) {
            None => out.push(format!("sign-off chain for {} added", c.name())),
            Some(a) if a.steps != c.steps => {
                out.push(format!("sign-off chain for {} changed", c.name()))
            }
            Some(_) => {}
        }
    }
    for a in &approved.signoff {
        if !proposed.signoff.iter().any(|c| c.is_for(a)) {
            out.push(format!("sign-off chain for {} removed", a.name()));
        }
    }
    out
}

fn roles_text(config: &IsmsConfig, roles: &[String]) -> String {
    if roles.is_empty() {
        return "no role".into();
    }
    roles
        .iter()
        .map(|r| config.role_title(r))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a signed document states about itself.
#[derive(Serialize)]
struct DocumentControl<'a> {
    title: String,
    date: String,
    commit: &'a str,
    tool: String,
}

fn doc<'a>(what: &str, source: &DocumentSource<'a>) -> DocumentControl<'a> {
    let date = commit_date(source.time.0, source.time.1);
    DocumentControl {
        title: format!("{what} {date}"),
        date,
        commit: source.commit,
        tool: super::tool(),
    }
}

/// What the governance document's template reads.
#[derive(Serialize)]
struct GovernanceContext<'a> {
    doc: DocumentControl<'a>,
    organisation: &'a Organisation,
    approved_from: &'a str,
    changes: Vec<String>,
    lookalikes: Vec<String>,
    people: Vec<PersonLine<'a>>,
    roles: Vec<RoleLine<'a>>,
    separation: Vec<SeparationLine<'a>>,
    chains: Vec<ChainLine>,
    signoff: Vec<SignoffRow>,
}

#[derive(Serialize)]
struct PersonLine<'a> {
    name: &'a str,
    email: &'a str,
    roles: String,
    keys: String,
}

#[derive(Serialize)]
struct RoleLine<'a> {
    id: &'a str,
    title: &'a str,
    holders: String,
}

#[derive(Serialize)]
struct SeparationLine<'a> {
    roles: String,
    reason: &'a str,
}

#[derive(Serialize)]
struct ChainLine {
    kind: String,
    steps: String,
}

/// The governance document: `config` at `source`, and what it changes from the
/// approved configuration (`approved`, which was approved by `approved_from`).
pub fn governance(
    config: &IsmsConfig,
    approved: &IsmsConfig,
    approved_from: &str,
    source: &DocumentSource,
) -> Result<String> {
    let context = GovernanceContext {
        doc: doc("ISMS Governance Configuration", source),
        organisation: &config.organisation,
        approved_from,
        changes: governance_changes(approved, config),
        lookalikes: crate::domain::people::look_alikes(config)
            .into_iter()
            .map(|l| l.message)
            .collect(),
        people: config
            .people
            .iter()
            .map(|p| PersonLine {
                name: &p.name,
                email: &p.email,
                roles: roles_text(config, &p.roles),
                keys: p
                    .signing_keys
                    .iter()
                    .map(|k| fingerprint(k))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        roles: config
            .roles
            .iter()
            .map(|r| RoleLine {
                id: &r.id,
                title: &r.title,
                holders: config
                    .holders(&r.id)
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        separation: config
            .separation_of_duties
            .iter()
            .map(|s| SeparationLine {
                roles: format!(
                    "{} and {}",
                    config.role_title(&s.roles[0]),
                    config.role_title(&s.roles[1])
                ),
                reason: &s.reason,
            })
            .collect(),
        chains: config
            .signoff
            .iter()
            .map(|c| ChainLine {
                kind: c.name(),
                steps: c
                    .steps
                    .iter()
                    .map(|s| {
                        format!(
                            "{} ({})",
                            config.role_title(&s.role),
                            s.means.as_str().replace('_', " ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" → "),
            })
            .collect(),
        signoff: pending_rows(config, "governance", None),
    };
    render_named("governance.md.j2", &context)
}

/// What the methodology document's template reads.
#[derive(Serialize)]
struct MethodologyContext<'a> {
    doc: DocumentControl<'a>,
    organisation: &'a Organisation,
    version: &'a str,
    formula: String,
    impact_per_cia: bool,
    likelihood: &'a [Level],
    impact: &'a [Level],
    matrix: Option<String>,
    bands: Vec<MethodologyBand>,
    previous: String,
    rescoring: Option<&'a Rescoring>,
    mapping: Vec<MappingLine>,
    risks: Vec<RescoreRow>,
    band_changes: usize,
    signoff: Vec<SignoffRow>,
}

#[derive(Serialize)]
struct MethodologyBand {
    name: String,
    range: String,
    requires: &'static str,
    definition: String,
    accepted_by: String,
}

#[derive(Serialize)]
struct MappingLine {
    level: usize,
    likelihood: Option<u8>,
    impact: Option<u8>,
}

#[derive(Serialize)]
struct RescoreRow {
    id: String,
    title: String,
    before: String,
    after: String,
    band_changed: bool,
}

/// The methodology document: `config`'s methodology at `source`, and while risks are
/// rescored from an earlier version (`earlier`, when the history defines it), the
/// mapping and each risk still scored under it, with its rating before and the one
/// the mapping proposes.
pub fn methodology(
    config: &IsmsConfig,
    earlier: Option<&Methodology>,
    risks: &[&Risk],
    source: &DocumentSource,
) -> Result<String> {
    let m = &config.methodology;
    let rating = |r: &Option<Rating>, under: &Methodology| {
        r.as_ref()
            .map(|r| {
                format!(
                    "{} × {} = {} ({})",
                    r.likelihood,
                    r.impact,
                    r.score,
                    under.band_name(r.band.as_ref())
                )
            })
            .unwrap_or_default()
    };
    let mut rows: Vec<RescoreRow> = risks
        .iter()
        .filter_map(|r| {
            let rescore = Rescore::of(r, earlier, m)?;
            let before = match (earlier, &rescore.inherent_before) {
                (Some(e), Some(_)) => rating(&rescore.inherent_before, e),
                _ => match (r.likelihood, r.impact) {
                    (Some(l), Some(i)) => format!("{l} × {i}"),
                    _ => String::new(),
                },
            };
            Some(RescoreRow {
                id: r.id.clone(),
                title: r.title.clone(),
                before,
                after: rating(&rescore.inherent_proposed, m),
                band_changed: rescore.band_changed,
            })
        })
        .collect();
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    let matrix = (m.formula == Formula::Lookup).then(|| {
        let tones: Vec<Vec<Option<u8>>> = m
            .grid()
            .iter()
            .rev()
            .map(|row| {
                row.iter()
                    .map(|r| r.band.as_ref().and_then(|b| m.band_rule(b)).map(|b| b.tone))
                    .collect()
            })
            .collect();
        let mut table = format!(
            "{}\n| Impact ↓ / Likelihood → |",
            HeatTones::new(tones).directive()
        );
        for l in &m.likelihood {
            table.push_str(&format!(" {} {} |", l.level, cell(&l.name)));
        }
        table.push_str("\n|---|");
        table.push_str(&":-:|".repeat(m.likelihood.len()));
        for (row, i) in m.grid().iter().rev().zip(m.impact.iter().rev()) {
            table.push_str(&format!("\n| {} {} |", i.level, cell(&i.name)));
            for r in row {
                table.push_str(&format!(" {} |", r.score));
            }
        }
        table
    });
    let mapping = m
        .rescoring
        .as_ref()
        .map(|r| {
            (1..=r.likelihood.len().max(r.impact.len()))
                .map(|k| MappingLine {
                    level: k,
                    likelihood: r.likelihood.get(k - 1).copied(),
                    impact: r.impact.get(k - 1).copied(),
                })
                .collect()
        })
        .unwrap_or_default();
    let context = MethodologyContext {
        doc: doc("Risk Assessment Methodology", source),
        organisation: &config.organisation,
        version: &m.version,
        formula: format!("A risk's score is {}.", m.how_scored()),
        impact_per_cia: m.impact_per_cia,
        likelihood: &m.likelihood,
        impact: &m.impact,
        matrix,
        bands: m
            .bands
            .iter()
            .map(|b| MethodologyBand {
                name: b.name.clone(),
                range: super::model::band_range(m, b),
                requires: b.requires.label(),
                definition: b.definition.clone(),
                accepted_by: roles_text(config, &b.accepted_by),
            })
            .collect(),
        previous: m
            .rescoring
            .as_ref()
            .map_or_else(|| "an earlier version".to_string(), |r| r.from.clone()),
        rescoring: m.rescoring.as_ref(),
        mapping,
        band_changes: rows.iter().filter(|r| r.band_changed).count(),
        risks: rows,
        signoff: pending_rows(config, "methodology", None),
    };
    render_named("methodology.md.j2", &context)
}

/// The fields of a risk whose change makes an acceptance of it stale, with their values.
pub fn scored_content(risk: &Risk) -> Vec<(&'static str, String)> {
    let n = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
    vec![
        ("likelihood", n(risk.likelihood)),
        ("impact", n(risk.impact)),
        ("residual_likelihood", n(risk.residual_likelihood)),
        ("residual_impact", n(risk.residual_impact)),
        (
            "treatment",
            risk.treatment
                .map_or("—".into(), |t| t.as_str().to_string()),
        ),
        ("status", risk.status.as_str().to_string()),
    ]
}

/// What the risk acceptance document's template reads.
#[derive(Serialize)]
struct AcceptanceContext<'a> {
    doc: DocumentControl<'a>,
    organisation: &'a Organisation,
    risk: AcceptedRisk<'a>,
    signoff: Vec<SignoffRow>,
}

#[derive(Serialize)]
struct AcceptedRisk<'a> {
    id: &'a str,
    title: &'a str,
    domain: String,
    owner: String,
    status: &'static str,
    treatment: &'static str,
    inherent: String,
    residual: String,
    accepted_by: String,
    provisional: bool,
    description: String,
}

/// The risk acceptance document for `risk` at `source`.
pub fn risk_acceptance(
    config: &IsmsConfig,
    risk: &Risk,
    source: &DocumentSource,
) -> Result<String> {
    let m = &config.methodology;
    let rating = |r: Option<crate::domain::Rating>| {
        r.map(|r| {
            format!(
                "{} × {} = {} ({})",
                r.likelihood,
                r.impact,
                r.score,
                band_label(m, Some(&r))
            )
        })
        .unwrap_or_default()
    };
    let after = risk.rating_after_treatment(m);
    let accepted_by = after
        .as_ref()
        .and_then(|r| m.band_rule(r.band.as_ref()?))
        .map(|b| {
            b.accepted_by
                .iter()
                .map(|r| config.role_title(r))
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .unwrap_or_default();
    let description = sections(&risk.body)
        .into_iter()
        .find(|(h, _)| h == "Description")
        .map(|(_, t)| demote(&t))
        .unwrap_or_default();
    let context = AcceptanceContext {
        doc: doc(&format!("Risk Acceptance {}", risk.id), source),
        organisation: &config.organisation,
        risk: AcceptedRisk {
            id: &risk.id,
            title: &risk.title,
            domain: config
                .domain(&risk.domain)
                .map_or(risk.domain.clone(), |d| d.name.clone()),
            owner: config.role_title(&risk.owner),
            status: risk.status.as_str(),
            treatment: risk.treatment.map(|t| t.label()).unwrap_or_default(),
            inherent: rating(risk.inherent(m)),
            residual: rating(after),
            accepted_by,
            provisional: risk.provisional,
            description,
        },
        signoff: pending_rows(config, "risk-acceptance", Some(&risk.id)),
    };
    render_named("risk-acceptance.md.j2", &context)
}

/// A controlled document as its approval signs it (`controlled-document.md.j2`): its
/// document control with the version the approval puts in force, its text, and the
/// steps of `chain` (the one [`IsmsConfig::document_chain`] gives it) to sign.
pub fn controlled_document(
    config: &IsmsConfig,
    document: &crate::domain::Document,
    version: &str,
    replaces: Option<&str>,
    chain: Option<&crate::domain::SignoffChain>,
    source: &DocumentSource,
) -> Result<String> {
    let context = ControlledContext {
        doc: doc(&document.title, source),
        organisation: &config.organisation,
        document: ControlledDocument {
            id: &document.id,
            title: &document.title,
            version,
            replaces: replaces.map(|v| format!("version {v}")).unwrap_or_default(),
            classification: classification_label(document.classification),
            owner: config.role_title(&document.owner),
            approver: document
                .approver
                .as_deref()
                .map(|r| config.role_title(r))
                .unwrap_or_default(),
            review_cycle: document
                .review_cycle_months
                .map(|m| format!("{m} months"))
                .unwrap_or_default(),
            change: document.change_summary.clone().unwrap_or_default(),
            text: approved_text_of(document),
        },
        signoff: super::model::chain_rows(config, chain),
    };
    render_named("controlled-document.md.j2", &context)
}

/// How a classification is printed: "Internal" when the document states none.
pub fn classification_label(c: Option<crate::domain::Classification>) -> String {
    let word = c
        .unwrap_or(crate::domain::Classification::Internal)
        .as_str();
    super::model::capitalise(word)
}

pub use crate::domain::{approved_text_of, ApprovedDocument};

/// Reads back a controlled document's approval rendered by [`controlled_document`].
pub fn approved_document(markdown: &str) -> Option<ApprovedDocument> {
    ApprovedDocument::read(markdown)
}

#[derive(Serialize)]
struct ControlledContext<'a> {
    doc: DocumentControl<'a>,
    organisation: &'a Organisation,
    document: ControlledDocument<'a>,
    signoff: Vec<SignoffRow>,
}

#[derive(Serialize)]
struct ControlledDocument<'a> {
    id: &'a str,
    title: &'a str,
    version: &'a str,
    replaces: String,
    classification: String,
    owner: String,
    approver: String,
    review_cycle: String,
    change: String,
    text: String,
}

/// A management review's record as top management signs it: the pack compiled at the
/// source commit (`report::review`), its decisions and actions, and the sign-off table.
pub fn management_review(config: &IsmsConfig, id: &str, pack: &str) -> Result<String> {
    let table = render_named(
        "signoff-table.md.j2",
        &SignoffOnly {
            signoff: pending_rows(config, "management-review", Some(id)),
        },
    )?;
    Ok(format!("{}\n\n## Sign-off\n\n{}", pack.trim_end(), table))
}

#[derive(Serialize)]
struct SignoffOnly {
    signoff: Vec<SignoffRow>,
}

/// A completed internal audit's report, as its auditor signs it (`audit-report.md.j2`).
pub fn audit_report(
    config: &IsmsConfig,
    audit: &crate::domain::Audit,
    source: &DocumentSource,
) -> Result<String> {
    let mut scope: Vec<String> = Vec::new();
    scope.extend(audit.clauses.iter().map(|c| format!("Clause {c}")));
    scope.extend(audit.controls.iter().map(|c| format!("Annex A {c}")));
    scope.extend(audit.processes.iter().map(|p| format!("Process: {p}")));
    scope.extend(audit.documents.iter().map(|d| format!("Document: {d}")));
    scope.extend(audit.domains.iter().map(|d| {
        format!(
            "Domain: {}",
            config.domain(d).map_or(d.clone(), |x| x.name.clone())
        )
    }));
    let count = |c: crate::domain::Conclusion| {
        audit
            .items
            .iter()
            .filter(|i| i.conclusion == Some(c))
            .count()
    };
    use crate::domain::Conclusion as C;
    let counted =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let tally = format!(
        "{}: {} conforming, {}, {}, {}.",
        counted(audit.items.len(), "item", "items"),
        count(C::Conforming),
        counted(count(C::Nonconformity), "nonconformity", "nonconformities"),
        counted(count(C::Observation), "observation", "observations"),
        counted(
            count(C::Opportunity),
            "opportunity for improvement",
            "opportunities for improvement"
        )
    );
    let context = AuditContext {
        doc: DocumentControl {
            // An audit report is named by its audit, not by the day it was rendered.
            title: format!("Internal audit report {}", audit.id),
            ..doc("", source)
        },
        organisation: &config.organisation,
        audit: AuditLines {
            id: &audit.id,
            title: &audit.title,
            auditor: &audit.auditor,
            planned: audit.planned_on.to_string(),
            carried_out: match (audit.started_on, audit.completed_on) {
                (Some(s), Some(c)) => format!("{s} to {c}"),
                (None, Some(c)) => format!("completed {c}"),
                (Some(s), None) => format!("from {s}"),
                (None, None) => String::new(),
            },
            scope,
            criteria: audit.criteria.clone().unwrap_or_default(),
            method: audit.method.clone().unwrap_or_default(),
            evidence: &audit.evidence,
            items: audit
                .items
                .iter()
                .map(|i| AuditItemLine {
                    id: &i.id,
                    about: &i.about,
                    conclusion: i
                        .conclusion
                        .map_or("none yet".into(), |c| c.as_str().replace('_', " ")),
                    finding: i.finding.clone().unwrap_or_default(),
                    note: i.note.clone().unwrap_or_default(),
                })
                .collect(),
            tally,
            text: demote(audit.body.trim()),
        },
        signoff: pending_rows(config, "audit-report", Some(&audit.id)),
    };
    render_named("audit-report.md.j2", &context)
}

#[derive(Serialize)]
struct AuditContext<'a> {
    doc: DocumentControl<'a>,
    organisation: &'a Organisation,
    audit: AuditLines<'a>,
    signoff: Vec<SignoffRow>,
}

#[derive(Serialize)]
struct AuditLines<'a> {
    id: &'a str,
    title: &'a str,
    auditor: &'a str,
    planned: String,
    carried_out: String,
    scope: Vec<String>,
    criteria: String,
    method: String,
    evidence: &'a [String],
    items: Vec<AuditItemLine<'a>>,
    tally: String,
    text: String,
}

#[derive(Serialize)]
struct AuditItemLine<'a> {
    id: &'a str,
    about: &'a str,
    conclusion: String,
    finding: String,
    note: String,
}
