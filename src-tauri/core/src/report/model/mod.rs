//! What a report says, computed from the records at one commit: the context a report
//! template renders, one typed context per report. Every number here (scores, bands,
//! counts, SoA justifications) is computed by the domain functions that the checks and
//! views use too; templates only lay it out.

mod assessment;
mod register;
mod risk;
mod soa;
mod treatment_plan;

use serde::Serialize;

use crate::domain::{
    Assessment, BandRule, IsmsConfig, Methodology, Organisation, Rating, Risk, RiskStatus,
    SignoffMeans, SoaEntry, Treatment,
};
use crate::git::changes::{ChangeKind, Snapshot};
use crate::repository::RecordKind;
use crate::{Error, Result};

use super::{Previous, ReportKind, ReportMeta};

/// The commit a report is made from.
pub(crate) struct Source {
    pub commit: crate::git::CommitId,
    pub revision: usize,
    pub time: i64,
    pub offset_minutes: i32,
    pub tool: String,
    /// The methodology the rescoring maps from, when the history defines it.
    pub earlier: Option<Methodology>,
}

/// A commit time as `YYYY-MM-DD` in the commit's own offset.
pub(crate) fn commit_date(seconds: i64, offset_minutes: i32) -> String {
    crate::git::verify::local_day(seconds, offset_minutes)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "unknown date".to_string())
}

/// The records of a snapshot, by kind, in id order.
struct AtCommit<'a> {
    risks: Vec<&'a Risk>,
    controls: Vec<&'a SoaEntry>,
    treatments: Vec<&'a Treatment>,
    assessments: Vec<&'a Assessment>,
}

impl<'a> AtCommit<'a> {
    fn of(snapshot: &'a Snapshot) -> AtCommit<'a> {
        AtCommit {
            risks: snapshot.risks(),
            controls: snapshot.controls(),
            treatments: snapshot.treatments(),
            assessments: snapshot.assessments(),
        }
    }

    /// The latest assessment (by date, then id).
    fn latest_assessment(&self) -> Option<&'a Assessment> {
        crate::domain::latest_assessment(self.assessments.iter().copied())
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
    tool: String,
    selection: String,
    records: String,
    /// The methodology version the report scores under, and how.
    methodology: String,
    /// While risks are still scored under an earlier version: what that means for
    /// this report, and each such risk with its rating there.
    mixed: Option<Mixed>,
}

/// A report over a register that mixes methodology versions.
#[derive(Serialize)]
struct Mixed {
    statement: String,
    risks: Vec<MixedRisk>,
}

#[derive(Serialize)]
struct MixedRisk {
    id: String,
    title: String,
    before: String,
}

/// What a report says about the methodology it scores under, and — while risks are
/// still to be rescored — that it mixes versions, in its first section.
fn methodology_statement(
    config: &IsmsConfig,
    at: &AtCommit,
    earlier: Option<&Methodology>,
) -> (String, Option<Mixed>) {
    let m = &config.methodology;
    let line = format!(
        "Version {}: {}, {} bands",
        m.version,
        m.how_scored(),
        m.bands.len()
    );
    let pending: Vec<&Risk> = at
        .risks
        .iter()
        .copied()
        .filter(|r| r.status == RiskStatus::Active && r.to_be_rescored(m))
        .collect();
    if pending.is_empty() {
        return (line, None);
    }
    let active = at
        .risks
        .iter()
        .filter(|r| r.status == RiskStatus::Active)
        .count();
    let from = pending[0].scored_under(m).to_string();
    let risks = pending
        .iter()
        .map(|r| {
            let rescore = crate::domain::Rescore::of(r, earlier, m);
            let before = match (earlier, rescore.and_then(|x| x.inherent_before)) {
                (Some(e), Some(x)) => format!(
                    "{} × {} = {} ({})",
                    x.likelihood,
                    x.impact,
                    x.score,
                    e.band_name(x.band.as_ref())
                ),
                _ => match (r.likelihood, r.impact) {
                    (Some(l), Some(i)) => format!("{l} × {i}"),
                    _ => String::new(),
                },
            };
            MixedRisk {
                id: r.id.clone(),
                title: r.title.clone(),
                before: format!("{before} under {}", r.scored_under(m)),
            }
        })
        .collect();
    let statement = format!(
        "This report mixes methodology versions. {} of the {active} active risks are still scored under version {from} and not yet rescored under version {}: they are listed here with their earlier rating, and are left out of every score, band, count and heat map below, which are under version {}.",
        pending.len(),
        m.version,
        m.version
    );
    (line, Some(Mixed { statement, risks }))
}

/// A step of a sign-off chain as the sign-off table shows it.
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

/// The pending sign-off rows of the chain of `chain_kind` about `subject`.
pub(crate) fn pending_rows(
    config: &IsmsConfig,
    chain_kind: &str,
    subject: Option<&str>,
) -> Vec<SignoffRow> {
    chain_rows(config, config.chain(chain_kind, subject))
}

/// The pending sign-off rows of `chain` (none when there is no chain).
pub(crate) fn chain_rows(
    config: &IsmsConfig,
    chain: Option<&crate::domain::SignoffChain>,
) -> Vec<SignoffRow> {
    chain
        .map(|chain| {
            chain
                .steps
                .iter()
                .map(|s| SignoffRow::pending(config.role_title(&s.role), s.means))
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

/// What a report's template reads: document control, the sign-off table and the
/// changes since the last report, then what the report itself shows.
#[derive(Serialize)]
pub(crate) struct ReportContext<'a> {
    doc: DocumentControl,
    organisation: &'a Organisation,
    signoff: Vec<SignoffRow>,
    changes: Option<ChangesSince>,
    #[serde(flatten)]
    shows: Shows<'a>,
}

/// What each report shows.
#[derive(Serialize)]
#[serde(untagged)]
enum Shows<'a> {
    RiskAssessment(Box<assessment::Context<'a>>),
    Soa(soa::Context),
    TreatmentPlan(treatment_plan::Context),
    Register(register::Context<'a>),
}

/// Builds the metadata and the template context of report `kind`, and renders it.
pub(crate) fn render(
    kind: ReportKind,
    snapshot: &Snapshot,
    source: &Source,
    previous: Option<&Previous>,
) -> Result<(ReportMeta, String)> {
    let config = snapshot.config.as_ref().ok_or_else(|| {
        Error::Template("isms.yaml did not load at the source commit".to_string())
    })?;
    let at = AtCommit::of(snapshot);
    let assessment = at.latest_assessment();
    let title = match (kind, assessment) {
        (ReportKind::RiskAssessment, Some(a)) => format!("{} {}", kind.title(), a.id),
        _ => kind.title().to_string(),
    };
    let meta = ReportMeta {
        kind: kind.as_str().to_string(),
        title: title.clone(),
        organisation: config.organisation.name.clone(),
        classification: kind.classification().to_string(),
        version: format!("Revision {}", source.revision),
        commit: source.commit.clone(),
        date: commit_date(source.time, source.offset_minutes),
        time: source.time,
        tool: source.tool.clone(),
    };
    let (selection, records) = selection(kind, &at, assessment);
    let (methodology, mixed) = methodology_statement(config, &at, source.earlier.as_ref());
    let doc = DocumentControl {
        methodology,
        mixed,
        title,
        organisation: config
            .organisation
            .legal_name
            .clone()
            .unwrap_or_else(|| config.organisation.name.clone()),
        classification: kind.classification().to_string(),
        version: meta.version.clone(),
        owner: role_with_holders(config, "ism"),
        date: meta.date.clone(),
        status: "Draft for sign-off".to_string(),
        commit: source.commit.to_string(),
        tool: source.tool.clone(),
        selection,
        records,
    };
    let chain_kind = match kind {
        ReportKind::Register => "risk-assessment",
        other => other.as_str(),
    };
    let views: Vec<risk::RiskView> = at
        .risks
        .iter()
        .map(|r| risk::risk_view(config, r))
        .collect();
    let shows = match kind {
        ReportKind::RiskAssessment => {
            let a = assessment.ok_or_else(|| {
                Error::Usage(
                    "no assessment in assessments/ at this commit: a risk assessment report \
                     needs one (for example assessments/2026.md)"
                        .to_string(),
                )
            })?;
            Shows::RiskAssessment(Box::new(assessment::context(config, a, &at, views)))
        }
        ReportKind::Soa => Shows::Soa(soa::context(config, &at)),
        ReportKind::TreatmentPlan => Shows::TreatmentPlan(treatment_plan::context(config, &at)),
        ReportKind::Register => {
            Shows::Register(register::context(&views, &config.methodology.version))
        }
    };
    let context = ReportContext {
        doc,
        organisation: &config.organisation,
        signoff: pending_rows(config, chain_kind, None),
        changes: previous.map(|p| changes_since(kind, p)),
        shows,
    };
    let markdown = super::markdown::render(kind, &context)?;
    Ok((meta, markdown))
}

/// What a report includes and what it counts, for its document control.
fn selection(kind: ReportKind, at: &AtCommit, assessment: Option<&Assessment>) -> (String, String) {
    let count = |status: RiskStatus| at.risks.iter().filter(|r| r.status == status).count();
    let risk_counts = format!(
        "{} risks ({} active, {} deferred, {} closed)",
        at.risks.len(),
        count(RiskStatus::Active),
        count(RiskStatus::Deferred),
        count(RiskStatus::Closed)
    );
    let applicable = at.controls.iter().filter(|c| c.applicable).count();
    let actions: usize = at.treatments.iter().map(|t| t.actions.len()).sum();
    match kind {
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
                at.controls.len(),
                at.controls.len() - applicable
            ),
        ),
        ReportKind::TreatmentPlan => (
            "Every treatment, open and closed, with all its actions; active risks without a \
             treatment listed at the end."
                .to_string(),
            format!(
                "{} treatments with {actions} actions; {risk_counts}",
                at.treatments.len()
            ),
        ),
        ReportKind::Register => (
            "Every risk in the repository, whatever its status, with every field and every \
             section including scoring rationale and internal notes."
                .to_string(),
            risk_counts,
        ),
    }
}

fn role_with_holders(config: &IsmsConfig, role: &str) -> String {
    let names: Vec<&str> = config.holders(role).map(|p| p.name.as_str()).collect();
    if names.is_empty() {
        config.role_title(role)
    } else {
        format!("{} ({})", config.role_title(role), names.join(", "))
    }
}

pub(crate) fn means_text(means: SignoffMeans) -> &'static str {
    match means {
        SignoffMeans::CommitSignature => "Signed commit of this report",
        SignoffMeans::CoSignature => "Co-signature on the sign-off pull request",
        SignoffMeans::Merge => "Signed merge of the sign-off pull request",
    }
}

/// The name of a rating's band under `m`, or nothing for no rating.
pub(crate) fn band_label(m: &Methodology, rating: Option<&Rating>) -> String {
    rating
        .and_then(|r| r.band.as_ref())
        .map(|b| m.band_name(Some(b)))
        .unwrap_or_default()
}

/// A band's scores as people read them: `≥ 15` for the top band, `≤ 5` for the
/// bottom one, `6–14` between.
pub(super) fn band_range(m: &Methodology, rule: &BandRule) -> String {
    let scores = m.possible_scores();
    let (lowest, highest) = (
        scores.first().copied().unwrap_or(1),
        scores.last().copied().unwrap_or(rule.max),
    );
    if rule.min == rule.max {
        rule.min.to_string()
    } else if rule.max >= highest {
        format!("≥ {}", rule.min)
    } else if rule.min <= lowest {
        format!("≤ {}", rule.max)
    } else {
        format!("{}–{}", rule.min, rule.max)
    }
}

pub(super) fn date_text(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// A record's narrative as a report includes it: `## X` becomes `#### X` so it nests
/// under the report's headings (a body section's own text never holds `## `, which
/// splits sections), and an HTML comment opener is written as text, so that the text
/// a person wrote can never be read as a directive of the tool's (a heat map drawn in
/// the bands' colours in a report management signs).
pub(crate) fn demote(text: &str) -> String {
    crate::domain::demote_headings(text)
}

pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
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
                other => other.words().to_string(),
            };
            ChangeLine {
                id: c.id.clone(),
                title: c.title.clone(),
                what,
            }
        })
        .collect();
    ChangesSince {
        commit: previous.commit.short().to_string(),
        date: previous.date.clone(),
        lines,
    }
}
