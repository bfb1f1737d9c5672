//! A risk as reports show it: at posture level in the risk assessment, with every
//! field and section in the register.

use serde::Serialize;

use super::{band_label, date_text, demote};
use crate::domain::{sections, IsmsConfig, Risk, INTERNAL_SECTIONS};

/// A risk's acceptance as reports show it.
#[derive(Serialize)]
pub(super) struct AcceptanceView {
    memo: String,
    accepted_by: String,
    accepted_on: String,
    reaffirmed: String,
}

/// A risk as reports show it.
#[derive(Serialize)]
pub(super) struct RiskView {
    pub id: String,
    pub title: String,
    pub domain: String,
    pub status: String,
    pub owner: String,
    pub direction: String,
    pub score: Option<u8>,
    pub band: String,
    pub likelihood: Option<u8>,
    pub impact: Option<u8>,
    pub residual_score: Option<u8>,
    pub residual_band: String,
    pub deferred_to: String,
    pub acceptance: Option<AcceptanceView>,
    /// The public narrative: Description, Existing controls, Treatment options, Work in
    /// progress, and any other section that is not internal-only.
    pub posture: Vec<Section>,
    /// Every front-matter field, two to a row, for the register.
    pub field_rows: Vec<[String; 4]>,
    /// Every body section including the internal-only ones, for the register.
    pub sections: Vec<Section>,
}

/// One `##` section of a record's narrative, its headings nested under the report's.
#[derive(Serialize, Clone)]
pub(super) struct Section {
    pub heading: String,
    pub text: String,
}

/// The sections of `body` that have text, demoted under the report's headings.
pub(super) fn sections_of(body: &str) -> Vec<Section> {
    sections(body)
        .into_iter()
        .filter(|(_, text)| !text.is_empty())
        .map(|(heading, text)| Section {
            heading,
            text: demote(&text),
        })
        .collect()
}

pub(super) fn risk_view(config: &IsmsConfig, r: &Risk) -> RiskView {
    let m = &config.methodology;
    let inherent = r.inherent(m);
    let after = r.rating_after_treatment(m);
    let all = sections_of(&r.body);
    let posture = all
        .iter()
        .filter(|s| !INTERNAL_SECTIONS.contains(&s.heading.as_str()) && !s.heading.is_empty())
        .cloned()
        .collect();
    let acceptance = r.acceptance.as_ref().map(|a| AcceptanceView {
        memo: a.memo.as_str().to_string(),
        accepted_by: config.role_title(&a.accepted_by),
        accepted_on: date_text(a.accepted_on),
        reaffirmed: a
            .reaffirmed
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    });
    RiskView {
        id: r.id.clone(),
        title: r.title.clone(),
        domain: config
            .domain(&r.domain)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| r.domain.clone()),
        status: r.status.as_str().to_string(),
        owner: config.role_title(&r.owner),
        direction: r.treatment.map(|t| t.label()).unwrap_or("").to_string(),
        score: inherent.as_ref().map(|x| x.score),
        band: band_label(m, inherent.as_ref()),
        likelihood: r.likelihood,
        impact: r.impact,
        residual_score: after.as_ref().map(|x| x.score),
        residual_band: band_label(m, after.as_ref()),
        deferred_to: r.deferred_to.clone().unwrap_or_default(),
        field_rows: field_rows(config, r, acceptance.as_ref()),
        acceptance,
        posture,
        sections: all,
    }
}

/// Every front-matter field of a risk, and the computed ones, two to a row.
fn field_rows(
    config: &IsmsConfig,
    r: &Risk,
    acceptance: Option<&AcceptanceView>,
) -> Vec<[String; 4]> {
    let m = &config.methodology;
    let inherent = r.inherent(m);
    let residual = r.residual(m);
    let opt = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_default();
    let list = |v: &[String]| v.join(", ");
    // In pairs that belong side by side: inherent next to residual, and so on.
    let mut fields = vec![
        ("id".to_string(), r.id.clone()),
        ("status".into(), r.status.as_str().into()),
        ("title".into(), r.title.clone()),
        ("domain".into(), r.domain.clone()),
        ("likelihood".into(), opt(r.likelihood)),
        ("residual_likelihood".into(), opt(r.residual_likelihood)),
        ("impact".into(), opt(r.impact)),
        ("residual_impact".into(), opt(r.residual_impact)),
        (
            "score (computed)".into(),
            opt(inherent.as_ref().map(|x| x.score)),
        ),
        (
            "residual score (computed)".into(),
            opt(residual.as_ref().map(|x| x.score)),
        ),
        ("band (computed)".into(), band_label(m, inherent.as_ref())),
        (
            "residual band (computed)".into(),
            band_label(m, residual.as_ref()),
        ),
        (
            "treatment".into(),
            r.treatment.map(|t| t.as_str()).unwrap_or("").into(),
        ),
        (
            "owner".into(),
            format!("{} ({})", r.owner, config.role_title(&r.owner)),
        ),
        (
            "provisional".into(),
            if r.provisional { "yes" } else { "no" }.into(),
        ),
        (
            "deferred_to".into(),
            r.deferred_to.clone().unwrap_or_default(),
        ),
        ("controls".into(), list(&r.controls)),
        ("related".into(), list(&r.related)),
        ("findings".into(), list(&r.findings)),
        ("reviewed_on".into(), date_text(r.reviewed_on)),
        ("next_review".into(), date_text(r.next_review)),
        ("themes".into(), list(&r.themes)),
    ];
    if let Some(a) = acceptance {
        fields.push((String::new(), String::new()));
        fields.push(("acceptance.memo".into(), a.memo.clone()));
        fields.push(("acceptance.accepted_by".into(), a.accepted_by.clone()));
        fields.push(("acceptance.accepted_on".into(), a.accepted_on.clone()));
        fields.push(("acceptance.reaffirmed".into(), a.reaffirmed.clone()));
    }
    fields
        .chunks(2)
        .map(|pair| {
            let (a, b) = (&pair[0], pair.get(1).cloned().unwrap_or_default());
            [a.0.clone(), a.1.clone(), b.0, b.1]
        })
        .collect()
}
