//! The methodology screen and `isms methodology`: the methodology in force, a change
//! of it, and the rescoring that follows.
//!
//! A change of methodology writes isms.yaml only. When the version changes, the new
//! methodology carries a `rescoring` from the old version — the mapping ISMS Desk
//! proposes ([`Rescoring::proposed`]) unless the ISM gives one — and every risk scored
//! under the old version is then to be rescored ([`Risk::to_be_rescored`]): shown
//! and reported under the version it was scored under, never rescaled silently,
//! until the ISM rescores it ([`Isms::rescore`]), which writes the new levels and the
//! version they are under. The change itself is signed off as kind `methodology`.

use serde::Serialize;

use super::register::RiskLink;
use crate::domain::{AsScored, Methodology, Rescore, Rescoring, Risk, CONFIG_FILE};
use crate::format::edit::Assignment;
use crate::isms::{Isms, RecordKind, Revision};
use crate::store::Saved;
use crate::{Error, Result};

/// A risk still to be rescored, and how it stands.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RescoreLine {
    /// The risk.
    pub risk: RiskLink,
    /// Its ratings before, the proposal and its ratings after.
    pub rescore: Rescore,
}

/// What a change of methodology did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MethodologyChanged {
    /// isms.yaml's new revision.
    pub revision: Revision,
    /// Whether isms.yaml changed.
    pub changed: bool,
    /// The version now in force.
    pub version: String,
    /// The mapping from the previous version, when risks are to be rescored.
    pub rescoring: Option<Rescoring>,
}

/// The methodology screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MethodologyView {
    /// The methodology in force.
    pub methodology: Methodology,
    /// isms.yaml's revision; hand it back with a change.
    pub revision: Revision,
    /// The earlier methodology the rescoring maps from, when the history defines it.
    pub earlier: Option<Methodology>,
    /// The risks still to be rescored, by id.
    pub to_be_rescored: Vec<RescoreLine>,
}

impl Isms {
    /// The methodology in force and the risks still to be rescored under it.
    pub fn methodology_view(&self) -> Result<MethodologyView> {
        let bytes = self
            .read_bytes(CONFIG_FILE)?
            .ok_or_else(|| Error::NotFound(CONFIG_FILE.into()))?;
        let config = self
            .load_config()
            .map_err(|mut e| Error::Invalid(e.remove(0)))?;
        let methodology = config.methodology;
        let (risks, _) = self.records_of::<Risk>(RecordKind::Risk)?;
        let pending: Vec<&Risk> = risks
            .iter()
            .map(|(r, _)| r)
            .filter(|r| r.to_be_rescored(&methodology))
            .collect();
        let earlier = match pending.first() {
            Some(r) => self.earlier_methodology(r.scored_under(&methodology))?,
            None => None,
        };
        let rows = self.risk_rows()?;
        let mut to_be_rescored: Vec<RescoreLine> = pending
            .iter()
            .filter_map(|r| {
                let known = earlier
                    .as_ref()
                    .filter(|e| e.version == r.scored_under(&methodology));
                Some(RescoreLine {
                    risk: RiskLink::to(&rows, &r.id),
                    rescore: Rescore::of(r, known, &methodology)?,
                })
            })
            .collect();
        to_be_rescored.sort_by(|a, b| a.risk.id.cmp(&b.risk.id));
        Ok(MethodologyView {
            methodology,
            revision: Revision::of(&bytes),
            earlier,
            to_be_rescored,
        })
    }

    /// The definition of methodology `version` as the committed history last gave
    /// it (`git::earlier_methodology` from HEAD); `None` outside git or when no commit
    /// defines it.
    pub fn earlier_methodology(&self, version: &str) -> Result<Option<Methodology>> {
        let Ok(repo) = crate::git::repository(self) else {
            return Ok(None);
        };
        let Some(head) = repo.head().ok().and_then(|h| h.target()) else {
            return Ok(None);
        };
        crate::git::earlier_methodology(&repo, head, version)
    }

    /// Changes the methodology to `new`. `base` is isms.yaml's revision the change was
    /// decided on. A change of scales, formula, matrix, impacts per CIA or band edges
    /// needs a new version; a new version gets a rescoring from the version in force
    /// (`new.rescoring` when it maps from it, else the proposed one) while any risk
    /// has levels to rescore. Only isms.yaml is written.
    pub fn change_methodology(
        &self,
        new: &Methodology,
        base: &Revision,
    ) -> Result<MethodologyChanged> {
        let config = self
            .load_config()
            .map_err(|mut e| Error::Invalid(e.remove(0)))?;
        let old = &config.methodology;
        let mut new = new.clone();
        new.version = new.version.trim().to_string();
        if new.version.is_empty() {
            return Err(Error::invalid(
                CONFIG_FILE,
                "methodology.version",
                "a methodology needs a version",
            ));
        }
        if new.version == old.version {
            if scoring_differs(old, &new) {
                return Err(Error::invalid(
                    CONFIG_FILE,
                    "methodology.version",
                    format!("the scales, formula or band edges change, so the version must change too (it is {})", old.version),
                ));
            }
            // The mapping may be edited while the rescoring is under way, never its
            // origin or its shape.
            new.rescoring = match (new.rescoring.take(), &old.rescoring) {
                (Some(given), Some(was))
                    if given.from == was.from
                        && given.likelihood.len() == was.likelihood.len()
                        && given.impact.len() == was.impact.len() =>
                {
                    Some(given)
                }
                (Some(_), Some(was)) => {
                    return Err(Error::invalid(
                        CONFIG_FILE,
                        "methodology.rescoring",
                        format!("the mapping from {} keeps its earlier levels ({} likelihood, {} impact); only the new level of each can change", was.from, was.likelihood.len(), was.impact.len()),
                    ))
                }
                (_, was) => was.clone(),
            };
        } else {
            let (risks, _) = self.records_of::<Risk>(RecordKind::Risk)?;
            let scored = risks.iter().any(|(r, _)| {
                r.status != crate::domain::RiskStatus::Closed
                    && [
                        r.likelihood,
                        r.impact,
                        r.residual_likelihood,
                        r.residual_impact,
                    ]
                    .iter()
                    .any(Option::is_some)
            });
            let given = new.rescoring.take().filter(|r| r.from == old.version);
            new.rescoring = scored.then(|| given.unwrap_or_else(|| Rescoring::proposed(old, &new)));
            if let Some(r) = &new.rescoring {
                for (scale, mapped, size) in [
                    ("likelihood", &r.likelihood, old.likelihood.len()),
                    ("impact", &r.impact, old.impact.len()),
                ] {
                    if mapped.len() != size {
                        return Err(Error::invalid(
                            CONFIG_FILE,
                            "methodology.rescoring",
                            format!(
                                "the {scale} mapping has {} levels; version {} has {size}",
                                mapped.len(),
                                old.version
                            ),
                        ));
                    }
                }
            }
        }
        new.check().map_err(|p| {
            Error::invalid(CONFIG_FILE, &format!("methodology.{}", p.field), p.message)
        })?;
        let text = self.read_text(CONFIG_FILE).map_err(Error::Invalid)?;
        let written = crate::init::with_methodology(&text, &new);
        let changed = self.write_config_text(&written, base)?;
        Ok(MethodologyChanged {
            revision: Revision::of(written.as_bytes()),
            changed,
            version: new.version.clone(),
            rescoring: new.rescoring,
        })
    }

    /// Rescores risk `id` under the methodology in force: `levels` as the ISM gives
    /// them, or the mapping's proposal when `None`. Writes the levels and the version
    /// they are under in one save. `base` is the risk's revision the rescoring was
    /// decided on (`None`: the file as it is now).
    pub fn rescore(
        &self,
        id: &str,
        levels: Option<AsScored>,
        base: Option<&Revision>,
    ) -> Result<Saved> {
        let methodology = self.methodology();
        let opened = self.open_record(id)?;
        let crate::isms::AnyRecord::Risk(risk) = opened.record else {
            return Err(Error::Usage(format!("{id} is not a risk")));
        };
        let Some(rescore) = Rescore::of(&risk, None, &methodology) else {
            return Err(Error::Usage(format!(
                "{id} is scored under methodology {}, the version in force; there is nothing to rescore",
                risk.scored_under(&methodology)
            )));
        };
        let levels = match levels {
            Some(l) => l,
            None => {
                let p = rescore.proposed;
                let missing = (risk.likelihood.is_some() && p.likelihood.is_none())
                    || (risk.residual_likelihood.is_some() && p.residual_likelihood.is_none());
                if missing {
                    return Err(Error::Usage(format!(
                        "{id}: the methodology has no mapping from {} for its levels; give the new levels",
                        rescore.from
                    )));
                }
                p
            }
        };
        let mut assignments = Vec::new();
        let mut set = |field: &str, value: String| {
            assignments.push(
                Assignment::parse(&format!("{field}={value}"))
                    .expect("field=value is an assignment"),
            );
        };
        let text = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_default();
        set("likelihood", text(levels.likelihood));
        if let Some(cia) = risk.impact_cia {
            // The three impacts are rescored by the impact mapping; the impact follows.
            let mapping = methodology
                .rescoring
                .as_ref()
                .filter(|r| r.from == rescore.from);
            let map = |v: u8| mapping.and_then(|m| m.impact.get(usize::from(v) - 1).copied());
            match (
                levels.impact,
                map(cia.confidentiality),
                map(cia.integrity),
                map(cia.availability),
            ) {
                (Some(i), Some(c), Some(n), Some(a)) if i == c.max(n).max(a) => {
                    set("impact_cia.confidentiality", c.to_string());
                    set("impact_cia.integrity", n.to_string());
                    set("impact_cia.availability", a.to_string());
                    set("impact", String::new());
                }
                _ => {
                    set("impact_cia", String::new());
                    set("impact", text(levels.impact));
                }
            }
        } else {
            set("impact", text(levels.impact));
        }
        set("residual_likelihood", text(levels.residual_likelihood));
        set("residual_impact", text(levels.residual_impact));
        set(
            "methodology_version",
            format!("\"{}\"", methodology.version),
        );
        for (field, level, size) in [
            (
                "likelihood",
                levels.likelihood,
                methodology.likelihood.len(),
            ),
            ("impact", levels.impact, methodology.impact.len()),
            (
                "residual_likelihood",
                levels.residual_likelihood,
                methodology.likelihood.len(),
            ),
            (
                "residual_impact",
                levels.residual_impact,
                methodology.impact.len(),
            ),
        ] {
            if let Some(l) = level.filter(|&l| l == 0 || usize::from(l) > size) {
                return Err(Error::invalid(
                    &opened.path,
                    field,
                    format!(
                        "{l} is outside the scale 1–{size} of methodology {}",
                        methodology.version
                    ),
                ));
            }
        }
        self.set(
            id,
            &assignments,
            None,
            Some(base.unwrap_or(&opened.revision)),
        )
    }
}

/// Whether two methodologies score differently: scales of other sizes, another
/// formula or matrix, impacts per CIA or not, other band ids or edges, or bands that
/// require something else. Names, definitions and who may accept are wording.
pub fn scoring_differs(a: &Methodology, b: &Methodology) -> bool {
    let edges = |m: &Methodology| {
        let mut e: Vec<_> = m
            .bands
            .iter()
            .map(|r| (r.band.clone(), r.min, r.max, r.requires))
            .collect();
        e.sort_by_key(|x| x.1);
        e
    };
    a.likelihood.len() != b.likelihood.len()
        || a.impact.len() != b.impact.len()
        || a.formula != b.formula
        || a.matrix != b.matrix
        || a.impact_per_cia != b.impact_per_cia
        || edges(a) != edges(b)
}
