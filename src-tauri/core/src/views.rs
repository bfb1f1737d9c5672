//! What the desktop app's screens show, computed here so that the app's commands stay
//! one-liners over this crate (DESIGN.md §8, rule 1).
//!
//! Every view is plain data (serde, and TypeScript types through the `ts` feature).
//! Lists come from the [`index`](crate::index), so they stay fast on a register of
//! 10,000 risks; a record opened for editing is read from its file, with the
//! [`Revision`] to hand back on save. Derived values — scores, bands, what cites a
//! control, what is overdue — are computed here and never by the app.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalogue::{self, AnnexAControl};
use crate::domain::{
    checks, sections, ActionStatus, Band, ControlStatus, Decision, IsmsConfig, Methodology, Rating,
    Risk, RiskStatus, SoaEntry, Treatment, TreatmentOption, INTERNAL_SECTIONS, RISK_SECTIONS,
};
use crate::git::changes::Snapshot;
use crate::git::signing::{KeySource, Signer};
use crate::git::sync::{Credentials, PullOutcome, Resolution, Resolutions};
use crate::git::{self, CommitRequest, Committed};
use crate::index::{Refresh, RiskQuery, RiskRow};
use crate::isms::{parse_text, AnyRecord, Isms, RecordKind};
use crate::report::{ReportKind, ReportMeta};
use crate::settings::Settings;
use crate::store::{Revision, Saved};
use crate::{Error, LoadError, Result};

/// A 5×5 heat map: `counts[impact - 1][likelihood - 1]` risks, and the band of each cell
/// under the methodology.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HeatMap {
    /// Risks per cell, by impact then likelihood (both 1-based levels minus one).
    pub counts: Vec<Vec<u32>>,
    /// The band of each cell (`likelihood × impact`).
    pub bands: Vec<Vec<Option<Band>>>,
}

impl HeatMap {
    fn new(methodology: &Methodology) -> HeatMap {
        let levels = 1..=5u8;
        HeatMap {
            counts: vec![vec![0; 5]; 5],
            bands: levels
                .clone()
                .map(|i| {
                    levels
                        .clone()
                        .map(|l| Rating::new(methodology, l, i).band)
                        .collect()
                })
                .collect(),
        }
    }

    fn add(&mut self, likelihood: Option<u8>, impact: Option<u8>) {
        if let (Some(l @ 1..=5), Some(i @ 1..=5)) = (likelihood, impact) {
            self.counts[usize::from(i - 1)][usize::from(l - 1)] += 1;
        }
    }
}

/// How many risks are in each band.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BandCounts {
    /// Active risks scored Unacceptable.
    pub unacceptable: u32,
    /// Active risks scored Manage.
    pub manage: u32,
    /// Active risks scored Acceptable.
    pub acceptable: u32,
    /// Active risks without a complete score.
    pub unscored: u32,
}

impl BandCounts {
    fn add(&mut self, band: Option<Band>) {
        match band {
            Some(Band::Unacceptable) => self.unacceptable += 1,
            Some(Band::Manage) => self.manage += 1,
            Some(Band::Acceptable) => self.acceptable += 1,
            None => self.unscored += 1,
        }
    }
}

/// A risk as other screens link to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskLink {
    /// The risk id.
    pub id: String,
    /// Its title (empty when the id names no risk).
    pub title: String,
    /// active, deferred or closed (empty when the id names no risk).
    pub status: String,
    /// Its inherent band.
    pub band: Option<Band>,
    /// Its inherent score.
    pub score: Option<u8>,
}

/// The risk register screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Register {
    /// Every risk, by id.
    pub rows: Vec<RiskRow>,
    /// Ids of active risks whose review date has passed.
    pub overdue_reviews: Vec<String>,
}

/// A risk whose review date has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OverdueReview {
    /// The risk.
    pub risk: RiskLink,
    /// The owner role.
    pub owner: String,
    /// The review date that passed.
    pub next_review: String,
}

/// A treatment action past its due date and not done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OverdueAction {
    /// The treatment id.
    pub treatment: String,
    /// The action id within the treatment.
    pub action: String,
    /// What is to be done.
    pub description: String,
    /// The owner role.
    pub owner: String,
    /// The due date that passed.
    pub due: NaiveDate,
}

/// The dashboard: the state of the ISMS at a glance.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dashboard {
    /// The day the dashboard was computed for.
    pub today: NaiveDate,
    /// Active risks per inherent band.
    pub inherent: BandCounts,
    /// Active risks per residual band (unscored: no residual rating yet).
    pub residual: BandCounts,
    /// Active risks by inherent likelihood and impact.
    pub inherent_map: HeatMap,
    /// Active risks by residual likelihood and impact.
    pub residual_map: HeatMap,
    /// Risks in the register, any status.
    pub risks: u32,
    /// Deferred risks.
    pub deferred: u32,
    /// Closed risks.
    pub closed: u32,
    /// Files that do not load, with file, line and field.
    pub load_errors: Vec<LoadError>,
    /// ISMS files changed since the last commit.
    pub uncommitted: Vec<String>,
    /// The next annual assessment, from isms.yaml.
    pub next_assessment: Option<NaiveDate>,
    /// Active risks whose review date has passed, soonest first.
    pub overdue_reviews: Vec<OverdueReview>,
    /// Open treatment actions past their due date, soonest first.
    pub overdue_actions: Vec<OverdueAction>,
}

/// The words and catalogues the app's pickers offer: the methodology, the people and
/// roles, the domains and themes, the Annex A catalogue and the fixed vocabularies.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Reference {
    /// The organisation's name.
    pub organisation: String,
    /// The repository root, as the operating system names it.
    pub root: String,
    /// The scoring methodology: scales with definitions, and bands.
    pub methodology: Methodology,
    /// Roles: `(id, title)`.
    pub roles: Vec<Choice>,
    /// Risk domains: `(id, name)`.
    pub domains: Vec<Choice>,
    /// Themes from the latest assessment: `(id, title)`.
    pub themes: Vec<Choice>,
    /// The 93 Annex A controls.
    pub annex_a: Vec<AnnexAControl>,
    /// Risk status words.
    pub risk_statuses: Vec<String>,
    /// Treatment option words.
    pub treatment_options: Vec<String>,
    /// SoA implementation status words.
    pub control_statuses: Vec<String>,
    /// Treatment action status words.
    pub action_statuses: Vec<String>,
    /// The body sections of a risk, in order.
    pub risk_sections: Vec<String>,
    /// The sections that only the confidential register shows.
    pub internal_sections: Vec<String>,
}

/// An id and the words a person reads for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Choice {
    /// The id written in files.
    pub id: String,
    /// What it is called.
    pub label: String,
}

/// One `##` section of a record's narrative, as written and as sanitised HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Section {
    /// The heading (empty for text before the first heading).
    pub heading: String,
    /// The markdown as written.
    pub markdown: String,
    /// The markdown as sanitised HTML, safe to show.
    pub html: String,
    /// Whether only the confidential register shows it.
    pub internal: bool,
}

/// A risk opened in the editor.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskView {
    /// Its file, relative to the root.
    pub path: String,
    /// The file's revision; hand it back with the next save.
    pub revision: Revision,
    /// The record as written.
    pub risk: Risk,
    /// The inherent rating, when scored.
    pub inherent: Option<Rating>,
    /// The residual rating, when scored.
    pub residual: Option<Rating>,
    /// The narrative: the standard sections in order (empty ones included), then any
    /// other sections as written.
    pub sections: Vec<Section>,
    /// The related risks.
    pub related: Vec<RiskLink>,
    /// Treatments that name this risk: `(id, title)`.
    pub treatments: Vec<Choice>,
    /// What changed since the risk's acceptance was signed ("likelihood 2 → 5"):
    /// the acceptance no longer covers it. Empty when there is no signed acceptance or
    /// nothing changed.
    pub acceptance_stale: Vec<String>,
}

/// One line of the SoA screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SoaLine {
    /// The entry as written.
    pub entry: SoaEntry,
    /// Its Annex A theme.
    pub theme: String,
    /// Its file's revision; hand it back with the next save.
    pub revision: Revision,
    /// The active and deferred risks that cite the control.
    pub cited_by: Vec<RiskLink>,
}

/// The SoA screen: every Annex A control that has an entry, in the standard's order,
/// and the entries that do not load.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Soa {
    /// The entries.
    pub lines: Vec<SoaLine>,
    /// Annex A controls without an entry.
    pub missing: Vec<AnnexAControl>,
    /// Entries that do not load.
    pub errors: Vec<LoadError>,
}

/// One treatment on the treatment plan screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TreatmentLine {
    /// The treatment as written.
    pub treatment: Treatment,
    /// Its file's revision.
    pub revision: Revision,
    /// The risks it treats.
    pub risks: Vec<RiskLink>,
    /// Ids of its actions that are open and past their due date.
    pub overdue: Vec<String>,
    /// Its narrative as sanitised HTML.
    pub html: String,
}

/// The treatment plan screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TreatmentPlan {
    /// The day overdue is judged against.
    pub today: NaiveDate,
    /// The treatments, by id.
    pub treatments: Vec<TreatmentLine>,
    /// Treatments that do not load.
    pub errors: Vec<LoadError>,
}

/// A report as the app previews it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReportPreview {
    /// Title, version, source commit and the rest of the document control.
    pub meta: ReportMeta,
    /// The report body as sanitised HTML.
    pub html: String,
}

/// The sign-off screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignoffBoard {
    /// `isms verify` passes.
    pub ok: bool,
    /// Failures that belong to no single request.
    pub problems: Vec<crate::signoff::Problem>,
    /// Notes that fail nothing (unapproved changes to isms.yaml, an unpinned root).
    pub warnings: Vec<crate::signoff::Problem>,
    /// How the root of trust was established (pinned, or trusted on first use).
    pub root: crate::signoff::RootTrust,
    /// The key that signed the first commit with isms.yaml: the one to pin.
    pub root_key: Option<String>,
    /// Whose key that is.
    pub root_signer: Option<String>,
    /// The person using the app, when isms.yaml knows them.
    pub me: Option<String>,
    /// The remote that requests are pushed to for colleagues to sign (`origin`), when
    /// the repository has one.
    pub remote: Option<String>,
    /// Open requests first, then merged ones, newest last within each.
    pub requests: Vec<SignoffCard>,
}

/// The remote the app syncs with and pushes sign-off requests to.
pub const APP_REMOTE: &str = "origin";

/// One request on the sign-off screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignoffCard {
    /// What verification found.
    pub request: crate::signoff::RequestVerification,
    /// Not merged yet.
    pub open: bool,
    /// The role title to "Sign as", when the person using the app holds the next step.
    pub sign_as: Option<String>,
    /// The document with its sign-off evidence, as sanitised HTML.
    pub html: String,
    /// What changed in the records since the last signed document of the same kind.
    pub changes: Option<crate::git::changes::Changes>,
    /// For an open request with a local branch, when there is a remote: whether the
    /// remote (as last fetched or pushed) has the branch with every local step.
    pub pushed: Option<bool>,
}

/// A report exported to a file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Exported {
    /// The file written.
    pub path: String,
    /// Its pages.
    pub pages: u32,
    /// Its size in bytes.
    pub bytes: u32,
    /// The commit it was made from.
    pub commit: String,
}

/// The person's choice for one field that both sides changed in a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldChoice {
    /// The record id.
    pub id: String,
    /// The field (dotted).
    pub field: String,
    /// Which value to keep.
    pub keep: Resolution,
}

/// What opening an ISMS did, for the app's title bar and status line.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Opened {
    /// The repository root.
    pub root: String,
    /// The organisation's name (the folder name when isms.yaml does not load).
    pub organisation: String,
    /// The commit HEAD points at.
    pub head: Option<String>,
    /// What the index had to do.
    pub refresh: Refresh,
    /// Risks in the register.
    pub risks: u32,
}

impl Isms {
    /// Opens the index (building it when needed, reporting progress) and says what
    /// that took.
    pub fn opened(&self, progress: crate::index::Progress) -> Result<Opened> {
        let index = crate::index::Index::open_with_progress(self, progress)?;
        let risks = index.risks(&RiskQuery::default())?.len() as u32;
        let organisation = self
            .load_config()
            .map(|c| c.organisation.name)
            .unwrap_or_else(|_| folder_name(self));
        Ok(Opened {
            root: self.root().display().to_string(),
            organisation,
            head: self.head(),
            refresh: index.refresh.clone(),
            risks,
        })
    }

    /// The risk register on `today`, by id (the app sorts and filters in place).
    pub fn register(&self, today: NaiveDate) -> Result<Register> {
        let rows = self.index()?.risks(&RiskQuery::default())?;
        let day = iso(today);
        Ok(Register {
            overdue_reviews: rows
                .iter()
                .filter(|r| review_overdue(r, &day))
                .map(|r| r.id.clone())
                .collect(),
            rows,
        })
    }

    /// The ids of risks matching a full-text search, best match first.
    pub fn search_risks(&self, text: &str) -> Result<Vec<String>> {
        Ok(self
            .index()?
            .search(text, 10_000)?
            .into_iter()
            .filter(|hit| hit.kind == "risk")
            .map(|hit| hit.id)
            .collect())
    }

    /// The dashboard for `today`.
    pub fn dashboard(&self, today: NaiveDate) -> Result<Dashboard> {
        let index = self.index()?;
        let config = self.load_config().ok();
        let methodology = config
            .as_ref()
            .map(|c| c.methodology.clone())
            .unwrap_or_else(fallback_methodology);
        let rows = index.risks(&RiskQuery::default())?;
        let mut dashboard = Dashboard {
            today,
            inherent: BandCounts::default(),
            residual: BandCounts::default(),
            inherent_map: HeatMap::new(&methodology),
            residual_map: HeatMap::new(&methodology),
            risks: rows.len() as u32,
            deferred: 0,
            closed: 0,
            load_errors: index.load_errors()?,
            uncommitted: match self.git_dir() {
                Some(_) => git::changed_isms_paths(&git::repository(self)?)?,
                None => Vec::new(),
            },
            next_assessment: config.as_ref().map(|c| c.assessment.next),
            overdue_reviews: Vec::new(),
            overdue_actions: Vec::new(),
        };
        let day = iso(today);
        for row in &rows {
            match row.status.as_str() {
                "deferred" => dashboard.deferred += 1,
                "closed" => dashboard.closed += 1,
                _ => {
                    dashboard.inherent.add(row.band);
                    dashboard.residual.add(row.residual_band);
                    dashboard.inherent_map.add(row.likelihood, row.impact);
                    dashboard
                        .residual_map
                        .add(row.residual_likelihood, row.residual_impact);
                    if review_overdue(row, &day) {
                        dashboard.overdue_reviews.push(OverdueReview {
                            risk: link_of(row),
                            owner: row.owner.clone(),
                            next_review: row.next_review.clone().unwrap_or_default(),
                        });
                    }
                }
            }
        }
        dashboard
            .overdue_reviews
            .sort_by(|a, b| (&a.next_review, &a.risk.id).cmp(&(&b.next_review, &b.risk.id)));
        let (treatments, _) = self.records_of::<Treatment>(RecordKind::Treatment)?;
        for (t, _) in &treatments {
            for a in overdue_actions(t, today) {
                dashboard.overdue_actions.push(OverdueAction {
                    treatment: t.id.clone(),
                    action: a.id.clone(),
                    description: a.description.clone(),
                    owner: a.owner.clone(),
                    due: a.due.expect("an overdue action has a due date"),
                });
            }
        }
        dashboard.overdue_actions.sort_by(|a, b| {
            (a.due, &a.treatment, &a.action).cmp(&(b.due, &b.treatment, &b.action))
        });
        Ok(dashboard)
    }

    /// Every check over every record, for `today` (slower than the dashboard: it reads
    /// every file).
    pub fn findings(&self, today: NaiveDate) -> Result<checks::CheckReport> {
        let loaded = self.load()?;
        Ok(checks::run(
            &loaded.records,
            &loaded.errors,
            &catalogue::annex_a(),
            today,
        ))
    }

    /// What the pickers offer.
    pub fn reference(&self) -> Result<Reference> {
        let config: IsmsConfig = self
            .load_config()
            .map_err(|mut errors| Error::Invalid(errors.remove(0)))?;
        let (assessments, _) =
            self.records_of::<crate::domain::Assessment>(RecordKind::Assessment)?;
        let themes = assessments
            .iter()
            .max_by_key(|(a, _)| (a.performed_on, a.id.clone()))
            .map(|(a, _)| a.themes.iter().map(|t| choice(&t.id, &t.title)).collect())
            .unwrap_or_default();
        let words = |all: &[&str]| all.iter().map(|w| w.to_string()).collect();
        Ok(Reference {
            organisation: config.organisation.name.clone(),
            root: self.root().display().to_string(),
            roles: config
                .roles
                .iter()
                .map(|r| choice(&r.id, &r.title))
                .collect(),
            domains: config
                .domains
                .iter()
                .map(|d| choice(&d.id, &d.name))
                .collect(),
            themes,
            methodology: config.methodology,
            annex_a: catalogue::annex_a(),
            risk_statuses: RiskStatus::ALL.iter().map(|w| w.as_str().into()).collect(),
            treatment_options: TreatmentOption::ALL
                .iter()
                .map(|w| w.as_str().into())
                .collect(),
            control_statuses: ControlStatus::ALL
                .iter()
                .map(|w| w.as_str().into())
                .collect(),
            action_statuses: ActionStatus::ALL
                .iter()
                .map(|w| w.as_str().into())
                .collect(),
            risk_sections: words(&RISK_SECTIONS),
            internal_sections: words(&INTERNAL_SECTIONS),
        })
    }

    /// A risk for the editor.
    pub fn risk_view(&self, id: &str) -> Result<RiskView> {
        let opened = self.open_record(id)?;
        let AnyRecord::Risk(risk) = opened.record else {
            return Err(Error::Usage(format!("{id} is not a risk")));
        };
        let methodology = self
            .load_config()
            .map(|c| c.methodology)
            .unwrap_or_else(|_| fallback_methodology());
        let index = self.index()?;
        let rows: HashMap<String, RiskRow> = index
            .risks(&RiskQuery::default())?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        let related = risk.related.iter().map(|id| link(&rows, id)).collect();
        let treatments = index
            .treatments()?
            .into_iter()
            .filter(|t| t.risks.iter().any(|r| r == id))
            .map(|t| choice(&t.id, &t.title))
            .collect();
        let acceptance_stale = risk
            .acceptance
            .as_ref()
            .and_then(|a| a.as_scored.as_ref())
            .map(|accepted| accepted.changes_to(&risk.as_scored()))
            .unwrap_or_default();
        Ok(RiskView {
            acceptance_stale,
            path: opened.path,
            revision: opened.revision,
            inherent: risk.inherent(&methodology),
            residual: risk.residual(&methodology),
            sections: risk_sections(&risk.body),
            related,
            treatments,
            risk,
        })
    }

    /// Replaces one narrative section of a record, leaving the rest of its body as
    /// written. `base` is the revision the edit started from.
    pub fn save_section(
        &self,
        id: &str,
        heading: &str,
        markdown: &str,
        base: &Revision,
    ) -> Result<Saved> {
        let opened = self.open_record(id)?;
        let body = match &opened.record {
            AnyRecord::Risk(r) => &r.body,
            AnyRecord::Control(c) => &c.body,
            AnyRecord::Treatment(t) => &t.body,
            AnyRecord::Document(d) => &d.body,
            AnyRecord::Assessment(a) => &a.body,
        };
        let body = crate::domain::replace_section(body, heading, markdown);
        self.set(id, &[], Some(&body), Some(base))
    }

    /// The SoA screen.
    pub fn soa(&self) -> Result<Soa> {
        let index = self.index()?;
        let rows: HashMap<String, RiskRow> = index
            .risks(&RiskQuery::default())?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        let cited: HashMap<String, Vec<String>> = index
            .controls(&Default::default())?
            .into_iter()
            .map(|c| (c.id, c.cited_by))
            .collect();
        let (entries, errors) = self.records_of::<SoaEntry>(RecordKind::Control)?;
        let catalogue = catalogue::annex_a();
        let theme_of: HashMap<&str, &str> = catalogue
            .iter()
            .map(|c| (c.id.as_str(), c.theme.as_str()))
            .collect();
        let mut lines: Vec<SoaLine> = entries
            .into_iter()
            .map(|(entry, revision)| SoaLine {
                theme: theme_of.get(entry.id.as_str()).unwrap_or(&"").to_string(),
                cited_by: cited
                    .get(&entry.id)
                    .into_iter()
                    .flatten()
                    .map(|id| link(&rows, id))
                    .collect(),
                entry,
                revision,
            })
            .collect();
        lines.sort_by_key(|l| catalogue::control_order(&l.entry.id));
        let missing = catalogue
            .iter()
            .filter(|c| !lines.iter().any(|l| l.entry.id == c.id))
            .filter(|c| {
                !errors
                    .iter()
                    .any(|e| e.path == format!("controls/{}.md", c.id))
            })
            .cloned()
            .collect();
        Ok(Soa {
            lines,
            missing,
            errors,
        })
    }

    /// The treatment plan screen for `today`.
    pub fn treatment_plan(&self, today: NaiveDate) -> Result<TreatmentPlan> {
        let rows: HashMap<String, RiskRow> = self
            .index()?
            .risks(&RiskQuery::default())?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        let (treatments, errors) = self.records_of::<Treatment>(RecordKind::Treatment)?;
        let treatments = treatments
            .into_iter()
            .map(|(t, revision)| TreatmentLine {
                risks: t.risks.iter().map(|id| link(&rows, id)).collect(),
                overdue: overdue_actions(&t, today).map(|a| a.id.clone()).collect(),
                html: crate::report::html::markdown(&t.body),
                treatment: t,
                revision,
            })
            .collect();
        Ok(TreatmentPlan {
            today,
            treatments,
            errors,
        })
    }

    /// Commits every ISMS change as the app does: as git's identity (or the person in
    /// the settings), signed when a key is configured. A key that needs a passphrase
    /// is opened with `passphrase`; without one the commit is refused with
    /// [`Error::PassphraseRequired`] so that the app can ask and try again.
    pub fn commit_changes(&self, message: &str, passphrase: Option<&str>) -> Result<Committed> {
        let settings = Settings::load()?;
        let identity = git::identity(self, &settings)?;
        let signer = self.app_signer(&settings, passphrase)?;
        self.commit(&CommitRequest {
            message,
            records: &[],
            identity: &identity,
            signer: signer.as_ref(),
            when: None,
            allow_signed_edits: false,
        })
    }

    /// A report of the last commit (HEAD), for the app's preview.
    pub fn report_preview(&self, kind: ReportKind) -> Result<ReportPreview> {
        let report = self.report(kind, "HEAD")?;
        Ok(ReportPreview {
            html: crate::report::html::body(&report.markdown, &report.meta),
            meta: report.meta,
        })
    }

    /// Renders a report of HEAD as PDF and writes it atomically to `path` (outside
    /// the repository is fine: it is the person's chosen file).
    pub fn export_pdf(&self, kind: ReportKind, path: &std::path::Path) -> Result<Exported> {
        let report = self.report(kind, "HEAD")?;
        let pdf = crate::report::pdf::render(&report)?;
        crate::fsio::write_atomic(path, &pdf.bytes)?;
        Ok(Exported {
            path: path.display().to_string(),
            pages: pdf.pages as u32,
            bytes: pdf.bytes.len() as u32,
            commit: report.meta.commit,
        })
    }

    /// Pulls from `remote` as the app does: merges field by field, signs a merge
    /// commit when a key is configured, and applies the person's choices for fields
    /// both sides changed. Conflicts come back as [`PullOutcome::Conflicts`] with
    /// nothing changed.
    pub fn pull_changes(
        &self,
        remote: &str,
        choices: &[FieldChoice],
        passphrase: Option<&str>,
    ) -> Result<PullOutcome> {
        let settings = Settings::load()?;
        let identity = git::identity(self, &settings)?;
        let signer = self.app_signer(&settings, passphrase)?;
        let resolutions: Resolutions = choices
            .iter()
            .map(|c| ((c.id.clone(), c.field.clone()), c.keep.clone()))
            .collect();
        with_app_credentials(&settings, passphrase, |credentials| {
            self.pull(
                remote,
                credentials,
                &identity,
                signer.as_ref(),
                &resolutions,
            )
        })
    }

    /// Pushes the current branch to `remote`; returns the branch pushed.
    pub fn push_changes(&self, remote: &str, passphrase: Option<&str>) -> Result<String> {
        let settings = Settings::load()?;
        with_app_credentials(&settings, passphrase, |credentials| {
            self.push(remote, credentials)
        })
    }

    /// Pushes sign-off request `id` to `remote` for colleagues to sign, and opens its
    /// pull request on the forge when a token is in the keyring (see
    /// [`Isms::signoff_publish`]).
    pub fn signoff_push_app(
        &self,
        id: &str,
        remote: &str,
        passphrase: Option<&str>,
    ) -> Result<crate::signoff::Published> {
        let settings = Settings::load()?;
        with_app_credentials(&settings, passphrase, |credentials| {
            self.signoff_publish(id, remote, credentials)
        })
    }

    /// The sign-off screen: every request (open ones first), each with its document,
    /// the changes since the last signed one of the same kind, and whether the person
    /// using the app (git's `user.email`, else the settings' person) holds the next
    /// step's role.
    pub fn signoff_board(&self) -> Result<SignoffBoard> {
        let repo = git::repository(self)?;
        let verification = self.signoff_verify(&crate::signoff::VerifyOptions::default())?;
        let settings = Settings::load()?;
        let me = git::identity(self, &settings).ok();
        let config = self.load_config().ok();
        let person = me.as_ref().and_then(|me| {
            config.as_ref().and_then(|c| {
                c.people
                    .iter()
                    .find(|p| p.email.eq_ignore_ascii_case(&me.email))
                    .cloned()
            })
        });
        let remote = repo
            .find_remote(APP_REMOTE)
            .ok()
            .map(|_| APP_REMOTE.to_string());
        let mut cards = Vec::new();
        let mut requests: Vec<&crate::signoff::RequestVerification> =
            verification.requests.iter().collect();
        requests.sort_by_key(|r| r.is_landed());
        for request in requests {
            let open = !request.is_landed();
            let document = repo
                .find_blob(
                    git2::Oid::from_str(&request.report_blob).unwrap_or(git2::Oid::ZERO_SHA1),
                )
                .ok()
                .map(|b| String::from_utf8_lossy(b.content()).into_owned())
                .unwrap_or_default();
            let html = signed_preview(&repo, request, &document);
            let sign_as = match (open, request.next_step(), &person) {
                (true, Some(step), Some(p)) if request.problems.is_empty() => p
                    .roles
                    .contains(&step.role)
                    .then(|| step.role_title.clone()),
                _ => None,
            };
            let changes = match verification.latest_complete(&request.report) {
                Some(last) if open && !request.source.is_empty() => {
                    let from = Snapshot::at(&repo, &last.source)?;
                    let to = Snapshot::at(&repo, &request.source)?;
                    Some(crate::git::changes::between(
                        &last.id,
                        &from,
                        &request.id,
                        &to,
                    ))
                }
                _ => None,
            };
            let branch = format!("{}{}", crate::signoff::BRANCH_PREFIX, request.id);
            let pushed = match (&remote, open) {
                (Some(remote), true) => repo
                    .refname_to_id(&format!("refs/heads/{branch}"))
                    .ok()
                    .map(|local| {
                        repo.refname_to_id(&format!("refs/remotes/{remote}/{branch}"))
                            .is_ok_and(|theirs| {
                                theirs == local
                                    || repo.graph_descendant_of(theirs, local).unwrap_or(false)
                            })
                    }),
                _ => None,
            };
            cards.push(SignoffCard {
                request: request.clone(),
                open,
                sign_as,
                html,
                changes,
                pushed,
            });
        }
        Ok(SignoffBoard {
            ok: verification.ok,
            problems: verification.problems.clone(),
            warnings: verification.warnings.clone(),
            root: verification.root,
            root_key: verification.root_key.clone(),
            root_signer: verification.root_signer.clone(),
            me: person.map(|p| p.name),
            remote,
            requests: cards,
        })
    }

    /// Starts a sign-off as the app does (the key from git or the settings).
    pub fn signoff_start_app(
        &self,
        kind: crate::signoff::SignoffKind,
        subject: Option<&str>,
        passphrase: Option<&str>,
    ) -> Result<crate::signoff::Started> {
        let settings = Settings::load()?;
        let signer = self.app_signer(&settings, passphrase)?.ok_or_else(no_key)?;
        self.signoff_start(kind, subject, &signer, None)
    }

    /// Signs the next step of a request as the app does.
    pub fn signoff_sign_app(
        &self,
        id: &str,
        approve: bool,
        passphrase: Option<&str>,
    ) -> Result<crate::signoff::Signed> {
        let settings = Settings::load()?;
        let signer = self.app_signer(&settings, passphrase)?.ok_or_else(no_key)?;
        self.signoff_sign(id, &signer, approve, None)
    }

    /// The signer for the app: `None` when no key is configured (commits are then
    /// unsigned), [`Error::PassphraseRequired`] when the key needs a passphrase that
    /// was not given.
    fn app_signer(&self, settings: &Settings, passphrase: Option<&str>) -> Result<Option<Signer>> {
        let repo = git::repository(self)?;
        let Some(source) = KeySource::configured(&repo, settings.signing_key.as_deref())? else {
            return Ok(None);
        };
        let asked = std::cell::Cell::new(false);
        let prompt = |_: &str| {
            asked.set(true);
            passphrase.map(str::to_string)
        };
        match Signer::from_source(&source, &prompt) {
            Ok(signer) => Ok(Some(signer)),
            Err(_) if asked.get() && passphrase.is_none() => {
                Err(Error::PassphraseRequired(source.describe()))
            }
            Err(e) => Err(e),
        }
    }

    /// Reads every record of one kind with its revision; files that do not load are
    /// returned as errors.
    fn records_of<T: FromRecord>(&self, kind: RecordKind) -> Result<Read<T>> {
        let (files, mut errors) = self.record_files()?;
        let mut out = Vec::new();
        for file in files.iter().filter(|f| f.kind == Some(kind)) {
            let parsed = self
                .read_bytes(&file.path)
                .map_err(|e| vec![LoadError::file(&file.path, e.to_string())])
                .and_then(|bytes| {
                    let bytes = bytes.ok_or_else(|| {
                        vec![LoadError::file(
                            &file.path,
                            "the file vanished while it was read",
                        )]
                    })?;
                    let text = crate::format::decode(&file.path, &bytes).map_err(|e| vec![e])?;
                    let parsed = parse_text(kind, &file.path, &file.stem, &text)?;
                    Ok((parsed.record, Revision::of(&bytes)))
                });
            match parsed {
                Ok((record, revision)) => {
                    if let Some(record) = T::from_record(record) {
                        out.push((record, revision));
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        errors.retain(|e| e.path.starts_with(&format!("{}/", kind.folder())));
        Ok((out, errors))
    }
}

/// A signed document as the sign-off screen shows it: with its evidence, and for a
/// report with its heat maps drawn under the methodology of its source commit.
fn signed_preview(
    repo: &git2::Repository,
    request: &crate::signoff::RequestVerification,
    document: &str,
) -> String {
    let markdown = crate::signoff::signed::with_evidence(document, request);
    let meta = crate::signoff::SignoffKind::parse(&request.kind)
        .and_then(|k| k.report())
        .zip(git2::Oid::from_str(&request.source).ok())
        .and_then(|(kind, source)| crate::report::render(repo, kind, source).ok())
        .map(|r| r.meta);
    match meta {
        Some(meta) => crate::report::html::body(&markdown, &meta),
        None => crate::report::html::markdown(&markdown),
    }
}

/// Records of one kind with their revisions, and the files that did not load.
type Read<T> = (Vec<(T, Revision)>, Vec<LoadError>);

/// A record of one kind out of [`AnyRecord`].
trait FromRecord: Sized {
    fn from_record(record: AnyRecord) -> Option<Self>;
}

impl FromRecord for Treatment {
    fn from_record(record: AnyRecord) -> Option<Self> {
        match record {
            AnyRecord::Treatment(t) => Some(t),
            _ => None,
        }
    }
}

impl FromRecord for SoaEntry {
    fn from_record(record: AnyRecord) -> Option<Self> {
        match record {
            AnyRecord::Control(c) => Some(c),
            _ => None,
        }
    }
}

impl FromRecord for crate::domain::Assessment {
    fn from_record(record: AnyRecord) -> Option<Self> {
        match record {
            AnyRecord::Assessment(a) => Some(a),
            _ => None,
        }
    }
}

fn overdue_actions(
    t: &Treatment,
    today: NaiveDate,
) -> impl Iterator<Item = &crate::domain::Action> {
    // A treatment still only proposed has no commitments yet to be late on.
    let open = t.closed_on.is_none() && t.decision == Decision::Approved;
    t.actions.iter().filter(move |a| {
        open && matches!(a.status, ActionStatus::Planned | ActionStatus::InProgress)
            && a.due.is_some_and(|due| due < today)
    })
}

/// An active risk whose next review date (`YYYY-MM-DD`) is before `day`.
fn review_overdue(row: &RiskRow, day: &str) -> bool {
    row.status == RiskStatus::Active.as_str()
        && row.next_review.as_deref().is_some_and(|next| next < day)
}

fn iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The bands to score with while isms.yaml does not load (the checks report why).
fn fallback_methodology() -> Methodology {
    Methodology {
        version: String::new(),
        likelihood: Vec::new(),
        impact: Vec::new(),
        bands: Methodology::default_bands(),
    }
}

fn choice(id: &str, label: &str) -> Choice {
    Choice {
        id: id.to_string(),
        label: label.to_string(),
    }
}

fn folder_name(isms: &Isms) -> String {
    isms.root()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn link_of(row: &RiskRow) -> RiskLink {
    RiskLink {
        id: row.id.clone(),
        title: row.title.clone(),
        status: row.status.clone(),
        band: row.band,
        score: row.score,
    }
}

fn link(rows: &HashMap<String, RiskRow>, id: &str) -> RiskLink {
    rows.get(id).map(link_of).unwrap_or_else(|| RiskLink {
        id: id.to_string(),
        title: String::new(),
        status: String::new(),
        band: None,
        score: None,
    })
}

/// The standard risk sections in order (empty ones included, so the editor can fill
/// them), then any other sections as written.
fn risk_sections(body: &str) -> Vec<Section> {
    let mut written: BTreeMap<usize, (String, String)> =
        sections(body).into_iter().enumerate().collect();
    let mut out = Vec::new();
    for heading in RISK_SECTIONS {
        let found = written
            .iter()
            .find(|(_, (h, _))| h == heading)
            .map(|(i, _)| *i);
        let text = found
            .and_then(|i| written.remove(&i))
            .map(|(_, t)| t)
            .unwrap_or_default();
        out.push(section(heading, text));
    }
    out.extend(written.into_values().map(|(h, t)| section(&h, t)));
    out
}

fn section(heading: &str, markdown: String) -> Section {
    Section {
        html: crate::report::html::markdown(&markdown),
        internal: INTERNAL_SECTIONS.contains(&heading),
        heading: heading.to_string(),
        markdown,
    }
}

/// Runs `work` with the credentials the app reaches a remote with: the key in the
/// settings among the SSH keys sync offers, and the passphrase the person typed (if the
/// key needs one).
fn with_app_credentials<T>(
    settings: &Settings,
    passphrase: Option<&str>,
    work: impl FnOnce(&Credentials) -> Result<T>,
) -> Result<T> {
    let prompt = |_: &str| passphrase.map(str::to_string);
    work(&Credentials {
        ssh_key: settings.signing_key.clone(),
        prompt: &prompt,
    })
}

fn no_key() -> Error {
    Error::NoSigningKey(
        "signing needs your SSH key: set git's `user.signingkey` (with `gpg.format=ssh`) or choose a key in ISMS Desk's settings".into(),
    )
}
