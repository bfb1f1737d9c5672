//! The two documents that are signed off but are not reports of the register: the
//! governance configuration (people, roles, keys, chains) and a risk acceptance.
//! Like reports, both are rendered from a commit by a template and come out the same
//! for the same commit.

use serde_json::json;
use ssh_key::{HashAlg, PublicKey};

use super::markdown::render_named;
use super::model::{band_label, commit_date, demote, option_label, pending_rows, role_title};
use crate::domain::{sections, IsmsConfig, Risk};
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
    match PublicKey::from_openssh(openssh.trim()) {
        Ok(key) => key.fingerprint(HashAlg::Sha256).to_string(),
        Err(_) => format!("not a valid key: {}", openssh.trim()),
    }
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
                    out.push(format!("{} now holds {}", p.name, role_title(proposed, r)));
                }
                for r in a.roles.iter().filter(|r| !p.roles.contains(r)) {
                    out.push(format!(
                        "{} no longer holds {}",
                        p.name,
                        role_title(approved, r)
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
        match approved.signoff.iter().find(|a| a.kind == c.kind) {
            None => out.push(format!("sign-off chain for {} added", c.kind)),
            Some(a) if a.steps != c.steps => {
                out.push(format!("sign-off chain for {} changed", c.kind))
            }
            Some(_) => {}
        }
    }
    for a in &approved.signoff {
        if !proposed.signoff.iter().any(|c| c.kind == a.kind) {
            out.push(format!("sign-off chain for {} removed", a.kind));
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
        .map(|r| role_title(config, r))
        .collect::<Vec<_>>()
        .join(", ")
}

fn doc(title: String, source: &DocumentSource) -> serde_json::Value {
    json!({
        "title": title,
        "date": commit_date(source.time.0, source.time.1),
        "commit": source.commit,
        "tool": super::tool(),
    })
}

/// The governance document: `config` at `source`, and what it changes from the
/// approved configuration (`approved`, which was approved by `approved_from`).
pub fn governance(
    config: &IsmsConfig,
    approved: &IsmsConfig,
    approved_from: &str,
    source: &DocumentSource,
) -> Result<String> {
    let people: Vec<_> = config
        .people
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "email": p.email,
                "roles": roles_text(config, &p.roles),
                "keys": p.signing_keys.iter().map(|k| fingerprint(k)).collect::<Vec<_>>().join(", "),
            })
        })
        .collect();
    let roles: Vec<_> = config
        .roles
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "title": r.title,
                "holders": config.holders(&r.id).map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
            })
        })
        .collect();
    let separation: Vec<_> = config
        .separation_of_duties
        .iter()
        .map(|s| {
            json!({
                "roles": format!("{} and {}", role_title(config, &s.roles[0]), role_title(config, &s.roles[1])),
                "reason": s.reason,
            })
        })
        .collect();
    let chains: Vec<_> = config
        .signoff
        .iter()
        .map(|c| {
            let steps: Vec<String> = c
                .steps
                .iter()
                .map(|s| {
                    format!(
                        "{} ({})",
                        role_title(config, &s.role),
                        s.means.as_str().replace('_', " ")
                    )
                })
                .collect();
            json!({ "kind": c.kind, "steps": steps.join(" → ") })
        })
        .collect();
    let context = json!({
        "doc": doc(format!("ISMS Governance Configuration {}", commit_date(source.time.0, source.time.1)), source),
        "organisation": config.organisation,
        "approved_from": approved_from,
        "changes": governance_changes(approved, config),
        "lookalikes": crate::domain::people::look_alikes(config)
            .into_iter()
            .map(|l| l.message)
            .collect::<Vec<_>>(),
        "people": people,
        "roles": roles,
        "separation": separation,
        "chains": chains,
        "signoff": pending_rows(config, "governance"),
    });
    render_named("governance.md.j2", &context)
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
                band_label(r.band)
            )
        })
        .unwrap_or_default()
    };
    let residual = risk.residual(m).or_else(|| risk.inherent(m));
    let accepted_by = residual
        .and_then(|r| m.bands.iter().find(|b| Some(b.band) == r.band))
        .map(|b| {
            b.accepted_by
                .iter()
                .map(|r| role_title(config, r))
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .unwrap_or_default();
    let description = sections(&risk.body)
        .into_iter()
        .find(|(h, _)| h == "Description")
        .map(|(_, t)| demote(&t))
        .unwrap_or_default();
    let context = json!({
        "doc": doc(format!("Risk Acceptance {} {}", risk.id, commit_date(source.time.0, source.time.1)), source),
        "organisation": config.organisation,
        "risk": {
            "id": risk.id,
            "title": risk.title,
            "domain": config.domain(&risk.domain).map_or(risk.domain.clone(), |d| d.name.clone()),
            "owner": role_title(config, &risk.owner),
            "status": risk.status.as_str(),
            "treatment": risk.treatment.map(option_label).unwrap_or_default(),
            "inherent": rating(risk.inherent(m)),
            "residual": rating(residual),
            "accepted_by": accepted_by,
            "provisional": risk.provisional,
            "description": description,
        },
        "signoff": pending_rows(config, "risk-acceptance"),
    });
    render_named("risk-acceptance.md.j2", &context)
}
