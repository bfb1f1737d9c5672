//! The risk register: rows filtered and ordered by the index (the one place a
//! register is sorted and filtered; the app shows what it gets), and full-text search.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{Band, RiskStatus};
use crate::index::{RiskQuery, RiskRow, RiskSort};
use crate::isms::Isms;
use crate::Result;

/// A risk as other screens link to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskLink {
    /// The risk id.
    pub id: String,
    /// Its title (empty when the id names no risk).
    pub title: String,
    /// Its status (`None` when the id names no risk).
    pub status: Option<RiskStatus>,
    /// Its inherent band.
    pub band: Option<Band>,
    /// Its inherent score.
    pub score: Option<u8>,
}

impl RiskLink {
    /// The link to the risk of an index row.
    pub fn of(row: &RiskRow) -> RiskLink {
        RiskLink {
            id: row.id.clone(),
            title: row.title.clone(),
            status: Some(row.status),
            band: row.band.clone(),
            score: row.score,
        }
    }

    /// The link to risk `id` among `rows`; an id that names no risk still links (to
    /// nothing), so that a dangling reference shows as one.
    pub fn to(rows: &std::collections::HashMap<String, RiskRow>, id: &str) -> RiskLink {
        rows.get(id).map(RiskLink::of).unwrap_or_else(|| RiskLink {
            id: id.to_string(),
            title: String::new(),
            status: None,
            band: None,
            score: None,
        })
    }
}

/// What the register shows: filters, a search, an order. Empty filters match all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct RegisterQuery {
    /// Which rating `band`, `likelihood` and `impact` filter on: the inherent one, or
    /// the residual one when true (the dashboard's residual tiles and heat map).
    #[serde(default)]
    pub residual: bool,
    /// Only risks in this band.
    pub band: Option<Band>,
    /// Only risks to be rescored under the methodology in force.
    #[serde(default)]
    pub to_be_rescored: bool,
    /// Only risks at this likelihood (a heat-map cell, with `impact`).
    #[serde(default)]
    pub likelihood: Option<u8>,
    /// Only risks at this impact.
    #[serde(default)]
    pub impact: Option<u8>,
    /// Only this risk domain.
    pub domain: Option<String>,
    /// Only this status.
    pub status: Option<RiskStatus>,
    /// Only this owner role.
    pub owner: Option<String>,
    /// Only risks with this theme.
    pub theme: Option<String>,
    /// Only risks the full-text search finds for these words.
    pub search: Option<String>,
    /// The order.
    pub sort: RiskSort,
    /// Which way; `None` is the way a person means the order when they do not say
    /// ([`RiskSort::descending_by_default`]).
    pub descending: Option<bool>,
}

/// The risk register screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Register {
    /// The risks the query selects, in its order.
    pub rows: Vec<RiskRow>,
    /// Which way they are ordered.
    pub descending: bool,
    /// How many risks the register holds in all.
    pub total: u32,
    /// Ids of the shown risks whose review date has passed.
    pub overdue_reviews: Vec<String>,
    /// The owners, domains and themes the filters can choose from.
    pub owners: Vec<String>,
    /// See `owners`.
    pub domains: Vec<String>,
    /// See `owners`.
    pub themes: Vec<String>,
    /// Risk files that do not load (each with its first problem), and isms.yaml when it
    /// does not: shown as broken rows, to be mended.
    pub broken: Vec<crate::LoadError>,
}

impl Isms {
    /// The risk register on `today`, as `query` selects and orders it.
    pub fn register(&self, query: &RegisterQuery, today: NaiveDate) -> Result<Register> {
        let descending = query
            .descending
            .unwrap_or_else(|| query.sort.descending_by_default());
        let risk_query = RiskQuery {
            residual: query.residual,
            band: query.band.clone(),
            to_be_rescored: query.to_be_rescored,
            likelihood: query.likelihood,
            impact: query.impact,
            domain: query.domain.clone(),
            status: query.status,
            owner: query.owner.clone(),
            theme: query.theme.clone(),
            sort: query.sort,
            descending,
        };
        let (facets, mut rows, problems) = self.query_index(|index| {
            Ok((
                index.risk_facets()?,
                index.risks(&risk_query)?,
                index.load_errors()?,
            ))
        })?;
        let mut broken: Vec<crate::LoadError> = Vec::new();
        for problem in problems {
            let risk_file = matches!(
                crate::isms::RecordKind::of_path(&problem.path),
                Some((crate::isms::RecordKind::Risk, _))
            );
            let first = !broken.iter().any(|b| b.path == problem.path);
            if (risk_file || problem.path == crate::domain::CONFIG_FILE) && first {
                broken.push(problem);
            }
        }
        if let Some(words) = query.search.as_deref().filter(|w| !w.trim().is_empty()) {
            let hits: std::collections::HashSet<String> =
                self.search_risks(words)?.into_iter().collect();
            rows.retain(|r| hits.contains(&r.id));
        }
        Ok(Register {
            descending,
            overdue_reviews: rows
                .iter()
                .filter(|r| r.review_overdue(today))
                .map(|r| r.id.clone())
                .collect(),
            total: facets.total,
            owners: facets.owners,
            domains: facets.domains,
            themes: facets.themes,
            rows,
            broken,
        })
    }

    /// The ids of risks matching a full-text search, best match first.
    pub fn search_risks(&self, text: &str) -> Result<Vec<String>> {
        Ok(self
            .query_index(|index| index.search(text, 10_000))?
            .into_iter()
            .filter(|hit| hit.kind == "risk")
            .map(|hit| hit.id)
            .collect())
    }
}
