//! The risk treatment plan: every treatment with the risks it treats, its actions,
//! owners, dates and status, and the management decision; then the active risks no
//! treatment names.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::risk::{sections_of, Section};
use super::{band_label, date_text, AtCommit};
use crate::domain::{Decision, IsmsConfig, Risk, RiskStatus, Treatment, TreatmentOption};

/// What the treatment plan's template reads besides document control.
#[derive(Serialize)]
pub(super) struct Context {
    treatments: Vec<TreatmentView>,
    untreated: Vec<UntreatedRisk>,
}

#[derive(Serialize)]
struct TreatmentView {
    id: String,
    title: String,
    option: &'static str,
    decision: String,
    closed_on: String,
    risks: Vec<TreatedRisk>,
    risk_ids: String,
    open_actions: usize,
    actions_count: usize,
    actions: Vec<ActionLine>,
    sections: Vec<Section>,
}

#[derive(Serialize)]
struct TreatedRisk {
    id: String,
    title: String,
    score: Option<u8>,
    band: String,
    residual_score: Option<u8>,
    residual_band: String,
}

#[derive(Serialize)]
struct ActionLine {
    id: String,
    description: String,
    owner: String,
    due: String,
    status: &'static str,
    resources: String,
}

#[derive(Serialize)]
struct UntreatedRisk {
    id: String,
    title: String,
    score: Option<u8>,
    band: String,
    direction: &'static str,
    owner: String,
}

pub(super) fn context(config: &IsmsConfig, at: &AtCommit) -> Context {
    let m = &config.methodology;
    let risks: BTreeMap<&str, &Risk> = at.risks.iter().map(|r| (r.id.as_str(), *r)).collect();
    let treated: BTreeSet<&str> = at
        .treatments
        .iter()
        .flat_map(|t| t.risks.iter().map(String::as_str))
        .collect();
    let treatments = at
        .treatments
        .iter()
        .map(|t| treatment_view(config, t, &risks))
        .collect();
    let untreated = at
        .risks
        .iter()
        .filter(|r| r.status == RiskStatus::Active)
        .filter(|r| r.treatment != Some(TreatmentOption::Accept))
        .filter(|r| !treated.contains(r.id.as_str()))
        .map(|r| {
            let i = r.inherent(m);
            UntreatedRisk {
                id: r.id.clone(),
                title: r.title.clone(),
                score: i.as_ref().map(|x| x.score),
                band: band_label(m, i.as_ref()),
                direction: r.treatment.map(|t| t.label()).unwrap_or(""),
                owner: config.role_title(&r.owner),
            }
        })
        .collect();
    Context {
        treatments,
        untreated,
    }
}

fn treatment_view(
    config: &IsmsConfig,
    t: &Treatment,
    risks: &BTreeMap<&str, &Risk>,
) -> TreatmentView {
    let m = &config.methodology;
    let treated = t
        .risks
        .iter()
        .map(|id| match risks.get(id.as_str()) {
            Some(r) => {
                let (i, after) = (r.inherent(m), r.rating_after_treatment(m));
                TreatedRisk {
                    id: id.clone(),
                    title: r.title.clone(),
                    score: i.as_ref().map(|x| x.score),
                    band: band_label(m, i.as_ref()),
                    residual_score: after.as_ref().map(|x| x.score),
                    residual_band: band_label(m, after.as_ref()),
                }
            }
            None => TreatedRisk {
                id: id.clone(),
                title: "(no such risk at this commit)".into(),
                score: None,
                band: String::new(),
                residual_score: None,
                residual_band: String::new(),
            },
        })
        .collect();
    let decision = match t.decision {
        Decision::Approved => format!(
            "Approved{}{}",
            t.approved_by
                .as_deref()
                .map(|b| format!(" by the {}", config.role_title(b)))
                .unwrap_or_default(),
            t.approved_on
                .map(|d| format!(" on {d}"))
                .unwrap_or_default()
        ),
        Decision::Proposed => "Proposed; awaiting the management decision".to_string(),
    };
    TreatmentView {
        id: t.id.clone(),
        title: t.title.clone(),
        option: t.option.label(),
        decision,
        closed_on: date_text(t.closed_on),
        risks: treated,
        risk_ids: t.risks.join(", "),
        open_actions: t.open_actions().count(),
        actions_count: t.actions.len(),
        actions: t
            .actions
            .iter()
            .map(|a| ActionLine {
                id: a.id.clone(),
                description: a.description.clone(),
                owner: config.role_title(&a.owner),
                due: date_text(a.due),
                status: a.status.label(),
                resources: a.resources.clone().unwrap_or_default(),
            })
            .collect(),
        sections: sections_of(&t.body)
            .into_iter()
            .filter(|s| !s.heading.is_empty())
            .collect(),
    }
}
