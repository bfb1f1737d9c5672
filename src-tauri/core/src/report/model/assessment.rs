//! The annual risk assessment report: active risks at posture level, grouped by
//! inherent band, with the heat maps before and after treatment.

use std::collections::BTreeMap;

use serde::Serialize;

use super::risk::RiskView;
use super::{band_range, demote, AtCommit};
use crate::domain::{
    sections, Assessment, IsmsConfig, Level, Methodology, Rating, Risk, RiskStatus, TreatmentOption,
};
use crate::report::heatmap::HeatTones;

/// What the risk assessment report's template reads besides document control.
#[derive(Serialize)]
pub(super) struct Context<'a> {
    assessment: AssessmentView<'a>,
    in_scope: Vec<String>,
    deferred_domains: Vec<DeferredDomain>,
    methodology: MethodologyView<'a>,
    bands: Vec<BandView>,
    active_count: usize,
    deferred: Vec<RiskView>,
    accepted: Vec<RiskView>,
    heat_inherent: HeatMap,
    heat_residual: HeatMap,
    next_assessment: String,
    cadence_months: u32,
}

#[derive(Serialize)]
struct AssessmentView<'a> {
    id: &'a str,
    title: &'a str,
    performed_on: String,
    methodology_version: &'a str,
    evidence: &'a [String],
    improvements: &'a [String],
    themes: Vec<ThemeView<'a>>,
    summary: String,
    approach: String,
    conclusion: String,
}

#[derive(Serialize)]
struct ThemeView<'a> {
    id: &'a str,
    title: &'a str,
    /// The active risks citing the theme: "R-001, R-004".
    risks: String,
}

#[derive(Serialize)]
struct DeferredDomain {
    name: String,
    deferred_to: String,
}

#[derive(Serialize)]
struct MethodologyView<'a> {
    version: &'a str,
    formula: String,
    likelihood: &'a [Level],
    impact: &'a [Level],
}

#[derive(Serialize)]
struct BandView {
    label: String,
    range: String,
    definition: String,
    accepted_by: String,
    count: usize,
    residual_count: usize,
    risks: Vec<RiskView>,
}

#[derive(Serialize)]
struct Column {
    level: u8,
    name: String,
}

#[derive(Serialize)]
struct HeatRow {
    level: u8,
    name: String,
    cells: Vec<usize>,
}

#[derive(Serialize)]
struct HeatMap {
    /// The comment that has the table drawn as a heat map, with each cell's band.
    directive: String,
    columns: Vec<Column>,
    rows: Vec<HeatRow>,
}

pub(super) fn context<'a>(
    config: &'a IsmsConfig,
    a: &'a Assessment,
    at: &AtCommit,
    views: Vec<RiskView>,
) -> Context<'a> {
    let m = &config.methodology;
    let active: Vec<&Risk> = at
        .risks
        .iter()
        .filter(|r| r.status == RiskStatus::Active)
        .copied()
        .collect();
    let mut by_id: BTreeMap<String, RiskView> =
        views.into_iter().map(|v| (v.id.clone(), v)).collect();
    let mut sorted = active.clone();
    sorted.sort_by(|x, y| {
        let s = |r: &Risk| r.inherent(m).map(|x| x.score).unwrap_or(0);
        s(y).cmp(&s(x)).then(x.id.cmp(&y.id))
    });
    let bands = bands(config, &active, &sorted, &mut by_id);
    let accepted: Vec<RiskView> = sorted
        .iter()
        .filter(|r| r.treatment == Some(TreatmentOption::Accept))
        .filter_map(|r| by_id.remove(&r.id))
        .collect();
    let deferred: Vec<RiskView> = at
        .risks
        .iter()
        .filter(|r| r.status == RiskStatus::Deferred)
        .filter_map(|r| by_id.remove(&r.id))
        .collect();
    let domain_name = |id: &String| {
        config
            .domain(id)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| id.clone())
    };
    Context {
        assessment: assessment_view(a, &active),
        in_scope: a.domains_in_scope.iter().map(domain_name).collect(),
        deferred_domains: a
            .domains_deferred
            .iter()
            .map(|id| DeferredDomain {
                name: domain_name(id),
                deferred_to: config
                    .domain(id)
                    .and_then(|d| d.deferred_to.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        methodology: MethodologyView {
            version: &m.version,
            formula: m.how_scored(),
            likelihood: &m.likelihood,
            impact: &m.impact,
        },
        bands,
        active_count: active.len(),
        deferred,
        accepted,
        heat_inherent: heat_map(m, active.iter().filter_map(|r| r.inherent(m))),
        heat_residual: heat_map(m, active.iter().filter_map(|r| r.rating_after_treatment(m))),
        next_assessment: config.assessment.next.to_string(),
        cadence_months: config.assessment.cadence_months,
    }
}

fn assessment_view<'a>(a: &'a Assessment, active: &[&Risk]) -> AssessmentView<'a> {
    let section = |name: &str| {
        sections(&a.body)
            .into_iter()
            .find(|(h, _)| h == name)
            .map(|(_, t)| demote(&t))
            .unwrap_or_default()
    };
    AssessmentView {
        id: &a.id,
        title: &a.title,
        performed_on: a.performed_on.to_string(),
        methodology_version: &a.methodology_version,
        evidence: &a.evidence,
        improvements: &a.improvements,
        themes: a
            .themes
            .iter()
            .map(|t| ThemeView {
                id: &t.id,
                title: &t.title,
                risks: active
                    .iter()
                    .filter(|r| r.themes.contains(&t.id))
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        summary: section("Summary"),
        approach: section("Approach"),
        conclusion: section("Conclusion"),
    }
}

/// Each band of the methodology with its active risks, highest score first; accepted
/// risks are listed on their own.
fn bands(
    config: &IsmsConfig,
    active: &[&Risk],
    sorted: &[&Risk],
    by_id: &mut BTreeMap<String, RiskView>,
) -> Vec<BandView> {
    let m = &config.methodology;
    let inherent_band = |r: &Risk| r.inherent(m).and_then(|x| x.band);
    let residual_band = |r: &Risk| r.rating_after_treatment(m).and_then(|x| x.band);
    m.bands
        .iter()
        .map(|rule| BandView {
            label: rule.name.clone(),
            range: band_range(m, rule),
            definition: rule.definition.clone(),
            accepted_by: rule
                .accepted_by
                .iter()
                .map(|r| config.role_title(r))
                .collect::<Vec<_>>()
                .join(", "),
            count: active
                .iter()
                .filter(|r| inherent_band(r).as_ref() == Some(&rule.band))
                .count(),
            residual_count: active
                .iter()
                .filter(|r| residual_band(r).as_ref() == Some(&rule.band))
                .count(),
            risks: sorted
                .iter()
                .filter(|r| inherent_band(r).as_ref() == Some(&rule.band))
                .filter(|r| r.treatment != Some(TreatmentOption::Accept))
                .filter_map(|r| by_id.remove(&r.id))
                .collect(),
        })
        .collect()
}

/// The heat map of `ratings`: impact rows from the top (the highest level first) by
/// likelihood columns, as many of each as the methodology's scales have, each cell
/// counting the risks rated there and toned by the band the domain gives it.
fn heat_map(m: &Methodology, ratings: impl Iterator<Item = Rating>) -> HeatMap {
    let cells = m.grid();
    let mut grid = vec![vec![0usize; m.likelihood.len()]; m.impact.len()];
    for r in ratings {
        if let Some(cell) = grid
            .get_mut(usize::from(r.impact).wrapping_sub(1))
            .and_then(|row| row.get_mut(usize::from(r.likelihood).wrapping_sub(1)))
        {
            *cell += 1;
        }
    }
    let name = |levels: &[Level], n: u8| {
        levels
            .iter()
            .find(|x| x.level == n)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let tone = |r: &Rating| r.band.as_ref().and_then(|b| m.band_rule(b)).map(|b| b.tone);
    let impacts_from_the_top = (1..=m.impact.len() as u8).rev();
    let tones = cells
        .iter()
        .rev()
        .map(|row| row.iter().map(tone).collect())
        .collect();
    HeatMap {
        directive: HeatTones::new(tones).directive(),
        columns: (1..=m.likelihood.len() as u8)
            .map(|l| Column {
                level: l,
                name: name(&m.likelihood, l),
            })
            .collect(),
        rows: impacts_from_the_top
            .map(|i| HeatRow {
                level: i,
                name: name(&m.impact, i),
                cells: grid[usize::from(i - 1)].to_vec(),
            })
            .collect(),
    }
}
