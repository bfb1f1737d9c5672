//! What a report says, computed from the records at one commit: the context a report
//! template renders. Every number here (scores, bands, counts, SoA justifications) is
//! computed by the domain functions that the checks and views use too; templates only
//! lay it out.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue;
use crate::domain::{
    risks_citing, sections, Assessment, Band, BandRule, ControlStatus, IsmsConfig, Methodology,
    Rating, Risk, RiskStatus, SignoffMeans, SoaEntry, Treatment, TreatmentOption,
    INTERNAL_SECTIONS,
};
use crate::git::changes::{ChangeKind, Snapshot};
use crate::repository::{AnyRecord, RecordKind};
use crate::{Error, Result};

use super::{Previous, ReportKind, ReportMeta};

/// The commit a report is made from.
pub(crate) struct Source {
    pub commit: String,
    pub revision: usize,
    pub time: i64,
    pub offset_minutes: i32,
    pub tool: String,
}

/// A commit time as `YYYY-MM-DD` in the commit's own offset.
pub(crate) fn commit_date(seconds: i64, offset_minutes: i32) -> String {
    crate::git::verify::local_day(seconds, offset_minutes)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "unknown date".to_string())
}

/// The records of a snapshot, by kind, in id order.
#[derive(Default)]
struct Register<'a> {
    risks: Vec<&'a Risk>,
    controls: Vec<&'a SoaEntry>,
    treatments: Vec<&'a Treatment>,
    assessments: Vec<&'a Assessment>,
}

impl<'a> Register<'a> {
    fn of(snapshot: &'a Snapshot) -> Register<'a> {
        let mut r = Register::default();
        for record in snapshot.records.values() {
            match record {
                AnyRecord::Risk(x) => r.risks.push(x),
                AnyRecord::Control(x) => r.controls.push(x),
                AnyRecord::Treatment(x) => r.treatments.push(x),
                AnyRecord::Assessment(x) => r.assessments.push(x),
                AnyRecord::Document(_) => {}
            }
        }
        r.controls.sort_by_key(|c| catalogue::control_order(&c.id));
        r
    }
}

/// Document control: what every report states about itself.
#[derive(Serialize)]
struct DocumentControl {
    title: String,
    organisation: String,
    classification: String,
    version: String,
    owner: String,
    date: String,
    status: String,
    commit: String,
    short_commit: String,
    tool: String,
    selection: String,
    records: String,
}

#[derive(Serialize)]
pub(crate) struct SignoffRow {
    pub role: String,
    pub person: String,
    pub means: String,
    pub date: String,
    pub key: String,
    pub commit: String,
}

impl SignoffRow {
    /// A step not yet signed.
    pub fn pending(role: String, means: SignoffMeans) -> SignoffRow {
        SignoffRow {
            role,
            person: "pending".into(),
            means: means_text(means).to_string(),
            date: "pending".into(),
            key: "—".into(),
            commit: "—".into(),
        }
    }
}

/// The pending sign-off rows of a chain.
pub(crate) fn pending_rows(config: &IsmsConfig, chain_kind: &str) -> Vec<SignoffRow> {
    config
        .signoff
        .iter()
        .find(|c| c.kind == chain_kind)
        .map(|chain| {
            chain
                .steps
                .iter()
                .map(|s| SignoffRow::pending(role_title(config, &s.role), s.means))
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Serialize)]
struct ChangeLine {
    id: String,
    title: String,
    what: String,
}

#[derive(Serialize)]
struct ChangesSince {
    commit: String,
    date: String,
    lines: Vec<ChangeLine>,
}

#[derive(Serialize)]
struct Acceptance {
    memo: String,
    accepted_by: String,
    accepted_on: String,
    reaffirmed: String,
}

/// A risk as reports show it.
#[derive(Serialize)]
struct RiskView {
    id: String,
    title: String,
    domain: String,
    status: String,
    owner: String,
    direction: String,
    score: Option<u8>,
    band: String,
    likelihood: Option<u8>,
    impact: Option<u8>,
    residual_score: Option<u8>,
    residual_band: String,
    deferred_to: String,
    acceptance: Option<Acceptance>,
    /// The public narrative: Description, Existing controls, Treatment options, Work in
    /// progress, and any other section that is not internal-only.
    posture: Vec<Section>,
    /// Every front-matter field, two to a row, for the register.
    field_rows: Vec<[String; 4]>,
    /// Every body section including the internal-only ones, for the register.
    sections: Vec<Section>,
}

#[derive(Serialize)]
struct Section {
    heading: String,
    text: String,
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

/// Builds the metadata and the template context of report `kind`.
pub(crate) fn build(
    kind: ReportKind,
    snapshot: &Snapshot,
    source: &Source,
    previous: Option<&Previous>,
) -> Result<(ReportMeta, serde_json::Value)> {
    let config = snapshot.config.as_ref().ok_or_else(|| {
        Error::Template("isms.yaml did not load at the source commit".to_string())
    })?;
    let register = Register::of(snapshot);
    let date = commit_date(source.time, source.offset_minutes);
    let assessment = register
        .assessments
        .iter()
        .max_by(|a, b| a.performed_on.cmp(&b.performed_on).then(a.id.cmp(&b.id)))
        .copied();
    let title = match (kind, assessment) {
        (ReportKind::RiskAssessment, Some(a)) => format!("{} {}", kind.title(), a.id),
        _ => kind.title().to_string(),
    };
    let meta = ReportMeta {
        kind,
        title: title.clone(),
        organisation: config.organisation.name.clone(),
        classification: kind.classification().to_string(),
        version: format!("Revision {}", source.revision),
        commit: source.commit.clone(),
        date: date.clone(),
        time: source.time,
        tool: source.tool.clone(),
    };

    let m = &config.methodology;
    let count = |status: RiskStatus| register.risks.iter().filter(|r| r.status == status).count();
    let risk_counts = format!(
        "{} risks ({} active, {} deferred, {} closed)",
        register.risks.len(),
        count(RiskStatus::Active),
        count(RiskStatus::Deferred),
        count(RiskStatus::Closed)
    );
    let applicable = register.controls.iter().filter(|c| c.applicable).count();
    let actions: usize = register.treatments.iter().map(|t| t.actions.len()).sum();
    let (selection, records) = match kind {
        ReportKind::RiskAssessment => (
            "Active risks at posture level, grouped by inherent band; deferred risks counted \
             separately; closed risks left out. Scoring rationale and internal notes left out."
                .to_string(),
            format!(
                "{risk_counts}; assessment {}",
                assessment.map(|a| a.id.as_str()).unwrap_or("none")
            ),
        ),
        ReportKind::Soa => (
            "All 93 controls of ISO/IEC 27001:2022 Annex A; justification from the risks \
             that cite each control (active and deferred risks) and the stated reasons."
                .to_string(),
            format!(
                "{} SoA entries ({applicable} applicable, {} not applicable); {risk_counts}",
                register.controls.len(),
                register.controls.len() - applicable
            ),
        ),
        ReportKind::TreatmentPlan => (
            "Every treatment, open and closed, with all its actions; active risks without a \
             treatment listed at the end."
                .to_string(),
            format!(
                "{} treatments with {actions} actions; {risk_counts}",
                register.treatments.len()
            ),
        ),
        ReportKind::Register => (
            "Every risk in the repository, whatever its status, with every field and every \
             section including scoring rationale and internal notes."
                .to_string(),
            risk_counts.clone(),
        ),
    };
    let doc = DocumentControl {
        title,
        organisation: config
            .organisation
            .legal_name
            .clone()
            .unwrap_or_else(|| config.organisation.name.clone()),
        classification: kind.classification().to_string(),
        version: meta.version.clone(),
        owner: role_with_holders(config, "ism"),
        date,
        status: "Draft for sign-off".to_string(),
        commit: source.commit.clone(),
        short_commit: source.commit[..12.min(source.commit.len())].to_string(),
        tool: source.tool.clone(),
        selection,
        records,
    };

    let chain_kind = match kind {
        ReportKind::Register => "risk-assessment",
        other => other.as_str(),
    };
    let signoff = pending_rows(config, chain_kind);

    let changes = previous.map(|p| changes_since(kind, p));

    let views: Vec<RiskView> = register
        .risks
        .iter()
        .map(|r| risk_view(config, r))
        .collect();
    let mut context = serde_json::json!({
        "doc": doc,
        "organisation": config.organisation,
        "signoff": signoff,
        "changes": changes,
    });
    let extra = match kind {
        ReportKind::RiskAssessment => {
            let a = assessment.ok_or_else(|| {
                Error::Usage(
                    "no assessment in assessments/ at this commit: a risk assessment report \
                     needs one (for example assessments/2026.md)"
                        .to_string(),
                )
            })?;
            risk_assessment(config, a, &register, views)
        }
        ReportKind::Soa => soa(config, &register),
        ReportKind::TreatmentPlan => treatment_plan(config, &register),
        ReportKind::Register => serde_json::json!({
            "summary": views.iter().map(|v| serde_json::json!({
                "id": v.id, "title": v.title, "status": v.status, "score": v.score,
                "band": v.band, "residual_score": v.residual_score, "owner": v.owner,
            })).collect::<Vec<_>>(),
            "risks": views,
            "methodology_version": m.version,
        }),
    };
    if let (Some(ctx), serde_json::Value::Object(extra)) = (context.as_object_mut(), extra) {
        ctx.extend(extra);
    }
    Ok((meta, context))
}

pub(crate) fn role_title(config: &IsmsConfig, role: &str) -> String {
    config
        .role(role)
        .map(|r| r.title.clone())
        .unwrap_or_else(|| role.to_string())
}

fn role_with_holders(config: &IsmsConfig, role: &str) -> String {
    let names: Vec<&str> = config.holders(role).map(|p| p.name.as_str()).collect();
    if names.is_empty() {
        role_title(config, role)
    } else {
        format!("{} ({})", role_title(config, role), names.join(", "))
    }
}

pub(crate) fn means_text(means: SignoffMeans) -> &'static str {
    match means {
        SignoffMeans::CommitSignature => "Signed commit of this report",
        SignoffMeans::CoSignature => "Co-signature on the sign-off pull request",
        SignoffMeans::Merge => "Signed merge of the sign-off pull request",
    }
}

pub(crate) fn option_label(option: TreatmentOption) -> &'static str {
    match option {
        TreatmentOption::Mitigate => "Mitigate",
        TreatmentOption::Transfer => "Transfer",
        TreatmentOption::Avoid => "Avoid",
        TreatmentOption::Accept => "Accept",
    }
}

fn status_label(status: ControlStatus) -> &'static str {
    match status {
        ControlStatus::Implemented => "Implemented",
        ControlStatus::Partial => "Partial",
        ControlStatus::Planned => "Planned",
        ControlStatus::NotImplemented => "Not implemented",
    }
}

pub(crate) fn band_label(band: Option<Band>) -> String {
    band.map(|b| b.label().to_string()).unwrap_or_default()
}

fn band_range(rule: &BandRule) -> String {
    if rule.max >= 25 {
        format!("≥ {}", rule.min)
    } else if rule.min <= 1 {
        format!("≤ {}", rule.max)
    } else {
        format!("{}–{}", rule.min, rule.max)
    }
}

/// The residual rating reports count: the recorded target after treatment, or the
/// inherent rating where none is recorded (an accepted risk keeps its score).
fn residual_or_inherent(risk: &Risk, m: &Methodology) -> Option<Rating> {
    risk.residual(m).or_else(|| risk.inherent(m))
}

fn date_text(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// `## X` inside a record body becomes `#### X` so it nests under the report's
/// headings (a body section's own text never holds `## `, which splits sections).
pub(crate) fn demote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence && line.starts_with('#') {
            out.push_str("##");
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

fn risk_view(config: &IsmsConfig, r: &Risk) -> RiskView {
    let m = &config.methodology;
    let inherent = r.inherent(m);
    let residual = residual_or_inherent(r, m);
    let all: Vec<Section> = sections(&r.body)
        .into_iter()
        .filter(|(_, text)| !text.is_empty())
        .map(|(heading, text)| Section {
            heading,
            text: demote(&text),
        })
        .collect();
    let posture = all
        .iter()
        .filter(|s| !INTERNAL_SECTIONS.contains(&s.heading.as_str()) && !s.heading.is_empty())
        .map(|s| Section {
            heading: s.heading.clone(),
            text: s.text.clone(),
        })
        .collect();
    let acceptance = r.acceptance.as_ref().map(|a| Acceptance {
        memo: a.memo.as_str().to_string(),
        accepted_by: role_title(config, &a.accepted_by),
        accepted_on: date_text(a.accepted_on),
        reaffirmed: a
            .reaffirmed
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    });
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
        ("score (computed)".into(), opt(inherent.map(|x| x.score))),
        (
            "residual score (computed)".into(),
            opt(r.residual(m).map(|x| x.score)),
        ),
        (
            "band (computed)".into(),
            band_label(inherent.and_then(|x| x.band)),
        ),
        (
            "residual band (computed)".into(),
            band_label(r.residual(m).and_then(|x| x.band)),
        ),
        (
            "treatment".into(),
            r.treatment.map(|t| t.as_str()).unwrap_or("").into(),
        ),
        (
            "owner".into(),
            format!("{} ({})", r.owner, role_title(config, &r.owner)),
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
        ("reviewed_on".into(), date_text(r.reviewed_on)),
        ("next_review".into(), date_text(r.next_review)),
        ("themes".into(), list(&r.themes)),
    ];
    if let Some(a) = &acceptance {
        fields.push((String::new(), String::new()));
        fields.push(("acceptance.memo".into(), a.memo.clone()));
        fields.push(("acceptance.accepted_by".into(), a.accepted_by.clone()));
        fields.push(("acceptance.accepted_on".into(), a.accepted_on.clone()));
        fields.push(("acceptance.reaffirmed".into(), a.reaffirmed.clone()));
    }
    RiskView {
        id: r.id.clone(),
        title: r.title.clone(),
        domain: config
            .domain(&r.domain)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| r.domain.clone()),
        status: r.status.as_str().to_string(),
        owner: role_title(config, &r.owner),
        direction: r.treatment.map(option_label).unwrap_or("").to_string(),
        score: inherent.map(|x| x.score),
        band: band_label(inherent.and_then(|x| x.band)),
        likelihood: r.likelihood,
        impact: r.impact,
        residual_score: residual.map(|x| x.score),
        residual_band: band_label(residual.and_then(|x| x.band)),
        deferred_to: r.deferred_to.clone().unwrap_or_default(),
        acceptance,
        posture,
        field_rows: fields
            .chunks(2)
            .map(|pair| {
                let (a, b) = (&pair[0], pair.get(1).cloned().unwrap_or_default());
                [a.0.clone(), a.1.clone(), b.0, b.1]
            })
            .collect(),
        sections: all,
    }
}

fn heat_map(m: &Methodology, ratings: impl Iterator<Item = (u8, u8)>) -> HeatMap {
    let mut grid = [[0usize; 5]; 5];
    for (l, i) in ratings {
        if (1..=5).contains(&l) && (1..=5).contains(&i) {
            grid[usize::from(i - 1)][usize::from(l - 1)] += 1;
        }
    }
    let name = |levels: &[crate::domain::Level], n: u8| {
        levels
            .iter()
            .find(|x| x.level == n)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let impacts_from_the_top = (1..=5u8).rev();
    let bands = impacts_from_the_top
        .clone()
        .map(|i| (1..=5u8).map(|l| Rating::new(m, l, i).band).collect())
        .collect();
    HeatMap {
        directive: super::heatmap::HeatBands::new(bands).directive(),
        columns: (1..=5)
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

fn risk_assessment(
    config: &IsmsConfig,
    a: &Assessment,
    register: &Register,
    views: Vec<RiskView>,
) -> serde_json::Value {
    let m = &config.methodology;
    let active: Vec<&Risk> = register
        .risks
        .iter()
        .filter(|r| r.status == RiskStatus::Active)
        .copied()
        .collect();
    let inherent_band = |r: &Risk| r.inherent(m).and_then(|x| x.band);
    let residual_band = |r: &Risk| residual_or_inherent(r, m).and_then(|x| x.band);
    let mut by_id: BTreeMap<String, RiskView> =
        views.into_iter().map(|v| (v.id.clone(), v)).collect();
    let mut sorted = active.clone();
    sorted.sort_by(|x, y| {
        let s = |r: &Risk| r.inherent(m).map(|x| x.score).unwrap_or(0);
        s(y).cmp(&s(x)).then(x.id.cmp(&y.id))
    });
    let mut bands: Vec<BandView> = Vec::new();
    for rule in &m.bands {
        let risks = sorted
            .iter()
            .filter(|r| inherent_band(r) == Some(rule.band))
            .filter(|r| r.treatment != Some(TreatmentOption::Accept))
            .filter_map(|r| by_id.remove(&r.id))
            .collect();
        bands.push(BandView {
            label: rule.band.label().to_string(),
            range: band_range(rule),
            definition: rule.definition.clone(),
            accepted_by: rule
                .accepted_by
                .iter()
                .map(|r| role_title(config, r))
                .collect::<Vec<_>>()
                .join(", "),
            count: active
                .iter()
                .filter(|r| inherent_band(r) == Some(rule.band))
                .count(),
            residual_count: active
                .iter()
                .filter(|r| residual_band(r) == Some(rule.band))
                .count(),
            risks,
        });
    }
    let accepted: Vec<RiskView> = sorted
        .iter()
        .filter(|r| r.treatment == Some(TreatmentOption::Accept))
        .filter_map(|r| by_id.remove(&r.id))
        .collect();
    let deferred: Vec<RiskView> = register
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
    let themes: Vec<serde_json::Value> = a
        .themes
        .iter()
        .map(|t| {
            let risks: Vec<&str> = active
                .iter()
                .filter(|r| r.themes.contains(&t.id))
                .map(|r| r.id.as_str())
                .collect();
            serde_json::json!({"id": t.id, "title": t.title, "risks": risks.join(", ")})
        })
        .collect();
    let section = |name: &str| {
        sections(&a.body)
            .into_iter()
            .find(|(h, _)| h == name)
            .map(|(_, t)| demote(&t))
            .unwrap_or_default()
    };
    serde_json::json!({
        "assessment": {
            "id": a.id, "title": a.title, "performed_on": a.performed_on.to_string(),
            "methodology_version": a.methodology_version,
            "evidence": a.evidence, "improvements": a.improvements, "themes": themes,
            "summary": section("Summary"), "approach": section("Approach"),
            "conclusion": section("Conclusion"),
        },
        "in_scope": a.domains_in_scope.iter().map(domain_name).collect::<Vec<_>>(),
        "deferred_domains": a.domains_deferred.iter().map(|id| serde_json::json!({
            "name": domain_name(id),
            "deferred_to": config.domain(id).and_then(|d| d.deferred_to.clone()).unwrap_or_default(),
        })).collect::<Vec<_>>(),
        "methodology": {
            "version": m.version, "formula": FORMULA,
            "likelihood": m.likelihood, "impact": m.impact,
        },
        "bands": bands,
        "active_count": active.len(),
        "deferred": deferred,
        "accepted": accepted,
        "heat_inherent": heat_map(m, active.iter().filter_map(|r| Some((r.likelihood?, r.impact?)))),
        "heat_residual": heat_map(m, active.iter().filter_map(|r| {
            residual_or_inherent(r, m).map(|x| (x.likelihood, x.impact))
        })),
        "next_assessment": config.assessment.next.to_string(),
        "cadence_months": config.assessment.cadence_months,
    })
}

/// The one formula the methodology allows (format::config refuses any other).
const FORMULA: &str = "likelihood × impact (each 1–5, so scores run from 1 to 25)";

fn soa(config: &IsmsConfig, register: &Register) -> serde_json::Value {
    let cited = risks_citing(register.risks.iter().copied());
    let entries: BTreeMap<&str, &SoaEntry> = register
        .controls
        .iter()
        .map(|c| (c.id.as_str(), *c))
        .collect();
    let mut themes: Vec<serde_json::Value> = Vec::new();
    let mut totals = Totals::default();
    let catalogue = catalogue::annex_a();
    let mut theme_names: Vec<&str> = Vec::new();
    for c in &catalogue {
        if !theme_names.contains(&c.theme.as_str()) {
            theme_names.push(&c.theme);
        }
    }
    for theme in theme_names {
        let mut t = Totals::default();
        let mut rows = Vec::new();
        let mut clause = String::new();
        for control in catalogue.iter().filter(|c| c.theme == theme) {
            clause = control.id.split('.').next().unwrap_or("").to_string();
            let entry = entries.get(control.id.as_str());
            let risks: Vec<&str> = cited
                .get(control.id.as_str())
                .map(|rs| rs.iter().map(|r| r.id.as_str()).collect())
                .unwrap_or_default();
            t.add(entry.copied());
            let (applicable, status, justification, owner) = match entry {
                None => (
                    "—".to_string(),
                    "—".to_string(),
                    "No SoA entry at this commit".to_string(),
                    String::new(),
                ),
                Some(e) if !e.applicable => (
                    "No".to_string(),
                    "—".to_string(),
                    format!(
                        "Excluded: {}",
                        e.justification.clone().unwrap_or_default().trim()
                    ),
                    e.owner
                        .as_deref()
                        .map(|o| role_title(config, o))
                        .unwrap_or_default(),
                ),
                Some(e) => {
                    let mut why = Vec::new();
                    if !risks.is_empty() {
                        why.push(format!("Treats {}", risks.join(", ")));
                    }
                    let reasons: Vec<String> = e
                        .reasons
                        .iter()
                        .map(|r| r.as_str().replace('_', " "))
                        .collect();
                    if !reasons.is_empty() {
                        why.push(capitalise(&reasons.join(", ")));
                    }
                    if let Some(j) = e.justification.as_deref().filter(|j| !j.trim().is_empty()) {
                        why.push(j.trim().to_string());
                    }
                    if why.is_empty() {
                        why.push("No reason stated".to_string());
                    }
                    (
                        "Yes".to_string(),
                        status_label(e.status).to_string(),
                        why.join("; "),
                        e.owner
                            .as_deref()
                            .map(|o| role_title(config, o))
                            .unwrap_or_default(),
                    )
                }
            };
            rows.push(serde_json::json!({
                "id": control.id, "title": control.title, "applicable": applicable,
                "status": status, "justification": justification, "owner": owner,
            }));
        }
        totals.merge(&t);
        themes.push(serde_json::json!({
            "name": format!("{theme} controls"), "clause": clause, "controls": rows, "totals": t,
        }));
    }
    serde_json::json!({ "themes": themes, "totals": totals })
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Serialize, Default, Clone)]
struct Totals {
    controls: usize,
    applicable: usize,
    not_applicable: usize,
    implemented: usize,
    partial: usize,
    planned: usize,
    not_implemented: usize,
    missing: usize,
}

impl Totals {
    fn add(&mut self, entry: Option<&SoaEntry>) {
        self.controls += 1;
        match entry {
            None => self.missing += 1,
            Some(e) if !e.applicable => self.not_applicable += 1,
            Some(e) => {
                self.applicable += 1;
                match e.status {
                    ControlStatus::Implemented => self.implemented += 1,
                    ControlStatus::Partial => self.partial += 1,
                    ControlStatus::Planned => self.planned += 1,
                    ControlStatus::NotImplemented => self.not_implemented += 1,
                }
            }
        }
    }

    fn merge(&mut self, o: &Totals) {
        self.controls += o.controls;
        self.applicable += o.applicable;
        self.not_applicable += o.not_applicable;
        self.implemented += o.implemented;
        self.partial += o.partial;
        self.planned += o.planned;
        self.not_implemented += o.not_implemented;
        self.missing += o.missing;
    }
}

fn treatment_plan(config: &IsmsConfig, register: &Register) -> serde_json::Value {
    let m = &config.methodology;
    let risks: BTreeMap<&str, &Risk> = register.risks.iter().map(|r| (r.id.as_str(), *r)).collect();
    let mut treated: std::collections::BTreeSet<&str> = Default::default();
    let treatments: Vec<serde_json::Value> = register
        .treatments
        .iter()
        .map(|t| {
            let risk_rows: Vec<serde_json::Value> = t
                .risks
                .iter()
                .map(|id| {
                    treated.insert(id.as_str());
                    match risks.get(id.as_str()) {
                        Some(r) => {
                            let i = r.inherent(m);
                            let res = residual_or_inherent(r, m);
                            serde_json::json!({
                                "id": id, "title": r.title,
                                "score": i.map(|x| x.score), "band": band_label(i.and_then(|x| x.band)),
                                "residual_score": res.map(|x| x.score),
                                "residual_band": band_label(res.and_then(|x| x.band)),
                            })
                        }
                        None => serde_json::json!({"id": id, "title": "(no such risk at this commit)"}),
                    }
                })
                .collect();
            let decision = match (t.decision, t.approved_by.as_deref(), t.approved_on) {
                (crate::domain::Decision::Approved, by, on) => format!(
                    "Approved{}{}",
                    by.map(|b| format!(" by the {}", role_title(config, b))).unwrap_or_default(),
                    on.map(|d| format!(" on {d}")).unwrap_or_default()
                ),
                (crate::domain::Decision::Proposed, _, _) => {
                    "Proposed; awaiting the management decision".to_string()
                }
            };
            let open = t
                .actions
                .iter()
                .filter(|a| {
                    !matches!(
                        a.status,
                        crate::domain::ActionStatus::Done | crate::domain::ActionStatus::Cancelled
                    )
                })
                .count();
            serde_json::json!({
                "id": t.id, "title": t.title, "option": option_label(t.option),
                "decision": decision, "closed_on": date_text(t.closed_on),
                "risks": risk_rows,
                "risk_ids": t.risks.join(", "),
                "open_actions": open, "actions_count": t.actions.len(),
                "actions": t.actions.iter().map(|a| serde_json::json!({
                    "id": a.id, "description": a.description, "owner": role_title(config, &a.owner),
                    "due": date_text(a.due), "status": action_label(a.status),
                    "resources": a.resources.clone().unwrap_or_default(),
                })).collect::<Vec<_>>(),
                "sections": sections(&t.body).into_iter().filter(|(h, x)| !h.is_empty() && !x.is_empty())
                    .map(|(h, x)| Section { heading: h, text: demote(&x) }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let untreated: Vec<serde_json::Value> = register
        .risks
        .iter()
        .filter(|r| r.status == RiskStatus::Active)
        .filter(|r| r.treatment != Some(TreatmentOption::Accept))
        .filter(|r| !treated.contains(r.id.as_str()))
        .map(|r| {
            let i = r.inherent(m);
            serde_json::json!({
                "id": r.id, "title": r.title, "score": i.map(|x| x.score),
                "band": band_label(i.and_then(|x| x.band)),
                "direction": r.treatment.map(option_label).unwrap_or(""),
                "owner": role_title(config, &r.owner),
            })
        })
        .collect();
    serde_json::json!({ "treatments": treatments, "untreated": untreated })
}

fn action_label(status: crate::domain::ActionStatus) -> &'static str {
    use crate::domain::ActionStatus as S;
    match status {
        S::Planned => "Planned",
        S::InProgress => "In progress",
        S::Done => "Done",
        S::Cancelled => "Cancelled",
    }
}

/// The changes since the previous report, limited to what this report shows; body
/// changes are named, never quoted, so internal text cannot leak into a public report.
fn changes_since(kind: ReportKind, previous: &Previous) -> ChangesSince {
    let shown = |k: RecordKind| match kind {
        ReportKind::RiskAssessment | ReportKind::Register => k == RecordKind::Risk,
        ReportKind::Soa => k == RecordKind::Control,
        ReportKind::TreatmentPlan => k == RecordKind::Treatment,
    };
    let lines = previous
        .changes
        .records
        .iter()
        .filter(|c| shown(c.kind))
        .map(|c| {
            let what = match c.change {
                ChangeKind::Added => "added".to_string(),
                ChangeKind::Removed => "removed".to_string(),
                ChangeKind::Closed => "closed".to_string(),
                ChangeKind::Reopened => "reopened".to_string(),
                ChangeKind::Changed => {
                    let mut parts: Vec<String> = c
                        .fields
                        .iter()
                        .map(|f| {
                            let mut p = f.field.clone();
                            if f.before.is_some() || f.after.is_some() {
                                p.push_str(&format!(
                                    " {} → {}",
                                    f.before.as_deref().unwrap_or("(none)"),
                                    f.after.as_deref().unwrap_or("(none)")
                                ));
                            }
                            if !f.added.is_empty() {
                                p.push_str(&format!(" +{}", f.added.join(", +")));
                            }
                            if !f.removed.is_empty() {
                                p.push_str(&format!(" −{}", f.removed.join(", −")));
                            }
                            p
                        })
                        .collect();
                    if c.body_diff.is_some() {
                        parts.push("narrative revised".to_string());
                    }
                    parts.join("; ")
                }
            };
            ChangeLine {
                id: c.id.clone(),
                title: c.title.clone(),
                what,
            }
        })
        .collect();
    ChangesSince {
        commit: previous.commit[..12.min(previous.commit.len())].to_string(),
        date: previous.date.clone(),
        lines,
    }
}
