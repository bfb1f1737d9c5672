//! Scoring: the organisation's methodology (ISO/IEC 27001:2022 §6.1.2), the score of
//! a likelihood and an impact under it, and the band a score falls in.
//!
//! The methodology document is authoritative, so nothing here assumes a size: the
//! likelihood and impact scales have 2 to 10 levels each, the score is likelihood ×
//! impact or read from a lookup matrix, and 2 to 6 bands with the organisation's own
//! names tile every possible score. [`Methodology::check`] is the one place that says
//! what a methodology may be.
//!
//! One function per derived value: [`Methodology::score`], [`Methodology::band`],
//! [`Rating::new`], [`Risk::inherent`](super::Risk::inherent) and
//! [`Risk::residual`](super::Risk::residual). Everything else calls these.

use serde::{Deserialize, Serialize};

use super::words::words;

/// The fewest levels a likelihood or impact scale may have.
pub const MIN_SCALE_LEVELS: usize = 2;
/// The most levels a likelihood or impact scale may have.
pub const MAX_SCALE_LEVELS: usize = 10;
/// The highest level any methodology can have: what a record reader accepts before
/// the methodology in force says more.
pub const MAX_LEVEL: u8 = MAX_SCALE_LEVELS as u8;
/// The fewest bands a methodology may have.
pub const MIN_BANDS: usize = 2;
/// The most bands a methodology may have.
pub const MAX_BANDS: usize = 6;
/// How many colours bands are shown in, from the worst (0) to the best (`TONES - 1`).
pub const TONES: u8 = 6;

/// A band's id, as `isms.yaml` names it (`unacceptable`, `high`, …). The default
/// methodology's three bands are `unacceptable`, `manage` and `acceptable`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Band(String);

impl Band {
    /// The band `id`.
    pub fn new(id: impl Into<String>) -> Band {
        Band(id.into())
    }

    /// The id, as files and the command line write it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a risk in a band requires.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum BandRequires {
    /// Treatment is required: the risk may not simply be accepted.
    Treatment,
    /// Management decides between treatment and acceptance.
    Decision,
    /// The risk is documented, accepted and monitored.
    Monitoring,
}
words!(BandRequires);

impl BandRequires {
    /// What it requires, for people.
    pub fn label(self) -> &'static str {
        match self {
            BandRequires::Treatment => "treatment required",
            BandRequires::Decision => "management decision on treatment or acceptance",
            BandRequires::Monitoring => "accept and monitor",
        }
    }
}

/// How a likelihood and an impact make a score.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Formula {
    /// likelihood × impact.
    Product,
    /// The score is read from the methodology's matrix, cell by cell.
    Lookup,
}
words!(Formula);

/// One level of a likelihood or impact scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Level {
    /// 1 to the size of the scale.
    pub level: u8,
    /// A short name, e.g. "Likely".
    pub name: String,
    /// What the level means, so two people score alike.
    pub definition: String,
}

/// One band of the methodology: it covers scores `min..=max`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BandRule {
    /// The band's id.
    pub band: Band,
    /// The band's name for people, e.g. "Unacceptable".
    pub name: String,
    /// The lowest score in the band.
    pub min: u8,
    /// The highest score in the band.
    pub max: u8,
    /// What a risk in the band requires.
    pub requires: BandRequires,
    /// What the band means, in the organisation's words.
    pub definition: String,
    /// The roles that may accept a risk in this band.
    pub accepted_by: Vec<String>,
    /// The band's colour, 0 (the worst band) to [`TONES`]` - 1` (the best): derived
    /// from the band's place by [`Methodology::order_bands`], never read from a file.
    #[serde(default)]
    pub tone: u8,
}

/// How the levels of the previous methodology version map onto this one's, for the
/// risks still scored under it: `likelihood[k - 1]` is the new level proposed for old
/// likelihood `k`. Proposed by [`Rescoring::proposed`], kept in `isms.yaml` where the
/// ISM can change it, and applied risk by risk, never silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rescoring {
    /// The methodology version the mapping starts from.
    pub from: String,
    /// New likelihood level for each old one, in old-level order.
    pub likelihood: Vec<u8>,
    /// New impact level for each old one, in old-level order.
    pub impact: Vec<u8>,
}

impl Rescoring {
    /// The mapping ISMS Desk proposes from scales of `old` sizes to `new` ones: the
    /// lowest level to the lowest, the highest to the highest, and the levels between
    /// spread evenly (rounded to the nearer level).
    pub fn proposed(from: &Methodology, to: &Methodology) -> Rescoring {
        let map = |old: usize, new: usize| -> Vec<u8> {
            (0..old)
                .map(|k| {
                    let spread = if old > 1 {
                        (k as f64 * (new as f64 - 1.0) / (old as f64 - 1.0)).round()
                    } else {
                        0.0
                    };
                    spread as u8 + 1
                })
                .collect()
        };
        Rescoring {
            from: from.version.clone(),
            likelihood: map(from.likelihood.len(), to.likelihood.len()),
            impact: map(from.impact.len(), to.impact.len()),
        }
    }

    /// The new levels proposed for an old likelihood and impact, when both are on
    /// the old scales.
    pub fn map(&self, likelihood: u8, impact: u8) -> Option<(u8, u8)> {
        let at = |levels: &[u8], k: u8| levels.get(usize::from(k).checked_sub(1)?).copied();
        Some((at(&self.likelihood, likelihood)?, at(&self.impact, impact)?))
    }
}

/// How risks are scored and banded (ISO/IEC 27001:2022 §6.1.2). Versioned: an
/// assessment records the version it used, and so does a risk scored under one that
/// is no longer in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Methodology {
    /// The methodology's version, e.g. `1.0`.
    pub version: String,
    /// Product or lookup.
    pub formula: Formula,
    /// The likelihood scale, levels 1–n in order.
    pub likelihood: Vec<Level>,
    /// The impact scale, levels 1–n in order.
    pub impact: Vec<Level>,
    /// For a lookup: one row per likelihood level (from 1), one score per impact
    /// level (from 1). Empty for a product.
    #[serde(default)]
    pub matrix: Vec<Vec<u8>>,
    /// Risks give an impact on confidentiality, integrity and availability, and the
    /// risk's impact is the highest of the three.
    #[serde(default)]
    pub impact_per_cia: bool,
    /// The bands, worst first; together they cover every possible score once.
    pub bands: Vec<BandRule>,
    /// The mapping from the previous version, while risks are being rescored.
    #[serde(default)]
    pub rescoring: Option<Rescoring>,
}

/// What is wrong with a methodology: the field (under `methodology.`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodologyProblem {
    /// The field, e.g. `bands` or `matrix`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl MethodologyProblem {
    fn new(field: &'static str, message: impl Into<String>) -> MethodologyProblem {
        MethodologyProblem {
            field,
            message: message.into(),
        }
    }
}

impl Methodology {
    /// The score of `likelihood` and `impact`: their product, or the matrix's cell.
    /// `None` when either is outside its scale.
    pub fn score(&self, likelihood: u8, impact: u8) -> Option<u8> {
        let on = |level: u8, scale: &[Level]| (1..=scale.len()).contains(&usize::from(level));
        if !on(likelihood, &self.likelihood) || !on(impact, &self.impact) {
            return None;
        }
        match self.formula {
            Formula::Product => Some(likelihood * impact),
            Formula::Lookup => self
                .matrix
                .get(usize::from(likelihood) - 1)?
                .get(usize::from(impact) - 1)
                .copied(),
        }
    }

    /// How a score is made, in words: "likelihood × impact (5 × 5 levels, scores
    /// 1–25)", or "read from the matrix (4 × 3 levels, scores 1–4)". The one wording
    /// of reports, documents and the command line.
    pub fn how_scored(&self) -> String {
        let how = match self.formula {
            Formula::Product => "likelihood × impact",
            Formula::Lookup => "read from the methodology's matrix",
        };
        let scores = self.possible_scores();
        let (lowest, highest) = (
            scores.first().copied().unwrap_or(0),
            scores.last().copied().unwrap_or(0),
        );
        format!(
            "{how} ({} likelihood × {} impact levels, scores {lowest}–{highest})",
            self.likelihood.len(),
            self.impact.len(),
        )
    }

    /// Every score the scales can give, lowest first.
    pub fn possible_scores(&self) -> Vec<u8> {
        let mut scores: Vec<u8> = (1..=self.likelihood.len() as u8)
            .flat_map(|l| (1..=self.impact.len() as u8).filter_map(move |i| self.score(l, i)))
            .collect();
        scores.sort_unstable();
        scores.dedup();
        scores
    }

    /// The rule of the band a score falls in, following the edges exactly as written.
    pub fn band_rule_of(&self, score: u8) -> Option<&BandRule> {
        self.bands
            .iter()
            .find(|rule| rule.min <= score && score <= rule.max)
    }

    /// The band a score falls in. `None` only for a score no band covers, which
    /// [`Methodology::check`] rules out for every possible score.
    pub fn band(&self, score: u8) -> Option<Band> {
        self.band_rule_of(score).map(|rule| rule.band.clone())
    }

    /// The rule of one band.
    pub fn band_rule(&self, band: &Band) -> Option<&BandRule> {
        self.bands.iter().find(|rule| &rule.band == band)
    }

    /// The name of a band for people: its name, or its id when the methodology does
    /// not know it, or "Unscored".
    pub fn band_name(&self, band: Option<&Band>) -> String {
        match band {
            Some(b) => self
                .band_rule(b)
                .map_or_else(|| b.as_str().to_string(), |r| r.name.clone()),
            None => "Unscored".into(),
        }
    }

    /// The ratings of every cell, one row per impact level from 1, one rating per
    /// likelihood level from 1: the shape of every heat map.
    pub fn grid(&self) -> Vec<Vec<Rating>> {
        (1..=self.impact.len() as u8)
            .map(|i| {
                (1..=self.likelihood.len() as u8)
                    .filter_map(|l| Rating::new(self, l, i))
                    .collect()
            })
            .collect()
    }

    /// Puts the bands worst first (highest scores first) and gives each its tone:
    /// the worst band is 0, the best `TONES - 1`, the ones between spread evenly.
    pub fn order_bands(&mut self) {
        self.bands.sort_by_key(|b| std::cmp::Reverse(b.min));
        let last = self.bands.len().saturating_sub(1).max(1) as f64;
        let steps = f64::from(TONES - 1);
        for (rank, rule) in self.bands.iter_mut().enumerate() {
            rule.tone = (rank as f64 * steps / last).round() as u8;
        }
    }

    /// Checks everything a methodology must be: scales of 2–10 levels numbered from
    /// 1, a matrix of the scales' shape for a lookup, 2–6 bands with distinct ids
    /// whose edges cover every score from the lowest possible to the highest
    /// possible exactly once and reach no further, and a rescoring whose lists fit
    /// the scales.
    pub fn check(&self) -> Result<(), MethodologyProblem> {
        for (field, scale) in [("likelihood", &self.likelihood), ("impact", &self.impact)] {
            let n = scale.len();
            if !(MIN_SCALE_LEVELS..=MAX_SCALE_LEVELS).contains(&n) {
                return Err(MethodologyProblem::new(
                    field,
                    format!("the scale has {n} levels; a scale has {MIN_SCALE_LEVELS} to {MAX_SCALE_LEVELS}"),
                ));
            }
            let found: Vec<u8> = scale.iter().map(|l| l.level).collect();
            if found != (1..=n as u8).collect::<Vec<_>>() {
                return Err(MethodologyProblem::new(
                    field,
                    format!(
                        "the levels must be numbered 1–{n}, each once, in order (found {found:?})"
                    ),
                ));
            }
        }
        self.check_matrix()?;
        self.check_bands()?;
        if let Some(r) = &self.rescoring {
            for (scale, mapped, size) in [
                ("likelihood", &r.likelihood, self.likelihood.len()),
                ("impact", &r.impact, self.impact.len()),
            ] {
                if let Some(bad) = mapped.iter().find(|&&k| k == 0 || usize::from(k) > size) {
                    return Err(MethodologyProblem::new(
                        "rescoring",
                        format!("{scale} {bad} is not a level of the new scale (1–{size})"),
                    ));
                }
            }
            if r.from == self.version {
                return Err(MethodologyProblem::new(
                    "rescoring",
                    format!("the rescoring is from version {}, which is this version; it maps a previous version", r.from),
                ));
            }
        }
        Ok(())
    }

    fn check_matrix(&self) -> Result<(), MethodologyProblem> {
        match self.formula {
            Formula::Product if !self.matrix.is_empty() => Err(MethodologyProblem::new(
                "matrix",
                "a matrix is for `formula: lookup`; likelihood × impact needs none",
            )),
            Formula::Product => Ok(()),
            Formula::Lookup => {
                let (rows, cols) = (self.likelihood.len(), self.impact.len());
                if self.matrix.len() != rows {
                    return Err(MethodologyProblem::new(
                        "matrix",
                        format!(
                            "the matrix has {} rows; it needs one per likelihood level ({rows})",
                            self.matrix.len()
                        ),
                    ));
                }
                for (k, row) in self.matrix.iter().enumerate() {
                    if row.len() != cols {
                        return Err(MethodologyProblem::new(
                            "matrix",
                            format!("row {} (likelihood {}) has {} scores; it needs one per impact level ({cols})", k + 1, k + 1, row.len()),
                        ));
                    }
                    if row.contains(&0) {
                        return Err(MethodologyProblem::new(
                            "matrix",
                            format!(
                                "row {} (likelihood {}) has a score of 0; scores start at 1",
                                k + 1,
                                k + 1
                            ),
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    fn check_bands(&self) -> Result<(), MethodologyProblem> {
        let bands = &self.bands;
        let problem = |message: String| Err(MethodologyProblem::new("bands", message));
        if !(MIN_BANDS..=MAX_BANDS).contains(&bands.len()) {
            return problem(format!(
                "there are {} bands; a methodology has {MIN_BANDS} to {MAX_BANDS}",
                bands.len()
            ));
        }
        for (k, rule) in bands.iter().enumerate() {
            if bands[..k].iter().any(|b| b.band == rule.band) {
                return problem(format!("band {} appears twice; ids must differ", rule.band));
            }
            if rule.min > rule.max {
                return problem(format!(
                    "band {}: min {} is above max {}",
                    rule.band, rule.min, rule.max
                ));
            }
        }
        let scores = self.possible_scores();
        let (Some(&lowest), Some(&highest)) = (scores.first(), scores.last()) else {
            return Ok(());
        };
        for (k, a) in bands.iter().enumerate() {
            if let Some(b) = bands[..k].iter().find(|b| a.min <= b.max && b.min <= a.max) {
                let s = a.min.max(b.min);
                return problem(format!(
                    "score {s} is in more than one band ({} and {})",
                    b.band, a.band
                ));
            }
        }
        for &s in &scores {
            if !bands.iter().any(|b| b.min <= s && s <= b.max) {
                return problem(format!(
                    "score {s} is in no band; the bands must cover every possible score ({})",
                    span(&scores)
                ));
            }
        }
        for rule in bands {
            if rule.max > highest {
                return problem(format!(
                    "band {} reaches {}, above the highest possible score {highest}",
                    rule.band, rule.max
                ));
            }
            if rule.min < lowest {
                return problem(format!(
                    "band {} starts at {}, below the lowest possible score {lowest}",
                    rule.band, rule.min
                ));
            }
        }
        Ok(())
    }

    /// The three bands ISMS Desk proposes for a new ISMS scored 1–25: Unacceptable
    /// ≥ 15, Manage 6–14, Acceptable ≤ 5.
    pub fn default_bands() -> Vec<BandRule> {
        let rule =
            |id: &str, name: &str, (min, max), requires, definition: &str, roles: &[&str], tone| {
                BandRule {
                    band: Band::new(id),
                    name: name.into(),
                    min,
                    max,
                    requires,
                    definition: definition.into(),
                    accepted_by: roles.iter().map(|r| r.to_string()).collect(),
                    tone,
                }
            };
        vec![
            rule(
                "unacceptable",
                "Unacceptable",
                (15, 25),
                BandRequires::Treatment,
                "treatment required",
                &["ceo"],
                0,
            ),
            rule(
                "manage",
                "Manage",
                (6, 14),
                BandRequires::Decision,
                "management decision on treatment versus acceptance",
                &["ceo", "head-of-product"],
                3,
            ),
            rule(
                "acceptable",
                "Acceptable",
                (1, 5),
                BandRequires::Monitoring,
                "documented and monitored",
                &["ism"],
                5,
            ),
        ]
    }

    /// What a band id of the default methodology requires, for an `isms.yaml` that
    /// predates `requires`.
    pub fn default_requires(band: &str) -> Option<BandRequires> {
        match band {
            "unacceptable" => Some(BandRequires::Treatment),
            "manage" => Some(BandRequires::Decision),
            "acceptable" => Some(BandRequires::Monitoring),
            _ => None,
        }
    }
}

/// Possible scores as people read them: `1–25` when every score between is possible,
/// else the list (`1, 2, 3, 4, 6, 9`).
fn span(scores: &[u8]) -> String {
    let contiguous = scores.windows(2).all(|w| w[1] == w[0] + 1);
    match (scores.first(), scores.last()) {
        (Some(a), Some(b)) if contiguous => format!("{a}–{b}"),
        _ => scores
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A scored position: likelihood, impact, their score and the band it falls in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rating {
    /// On the likelihood scale.
    pub likelihood: u8,
    /// On the impact scale.
    pub impact: u8,
    /// The score under the methodology.
    pub score: u8,
    /// The band of the score under the methodology.
    pub band: Option<Band>,
}

impl Rating {
    /// Scores a likelihood and impact under a methodology; `None` when either is
    /// off its scale.
    pub fn new(methodology: &Methodology, likelihood: u8, impact: u8) -> Option<Rating> {
        let score = methodology.score(likelihood, impact)?;
        Some(Rating {
            likelihood,
            impact,
            score,
            band: methodology.band(score),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(n: u8) -> Vec<Level> {
        (1..=n)
            .map(|level| Level {
                level,
                name: format!("L{level}"),
                definition: String::new(),
            })
            .collect()
    }

    fn methodology() -> Methodology {
        Methodology {
            version: "1.0".into(),
            formula: Formula::Product,
            likelihood: scale(5),
            impact: scale(5),
            matrix: vec![],
            impact_per_cia: false,
            bands: Methodology::default_bands(),
            rescoring: None,
        }
    }

    fn band(id: &str) -> Option<Band> {
        Some(Band::new(id))
    }

    #[test]
    fn a_product_is_likelihood_times_impact_within_the_scales() {
        let m = methodology();
        assert_eq!(m.score(1, 1), Some(1));
        assert_eq!(m.score(3, 4), Some(12));
        assert_eq!(m.score(5, 5), Some(25));
        assert_eq!(m.score(6, 1), None, "off the likelihood scale");
        assert_eq!(m.score(1, 0), None, "off the impact scale");
        assert!(m.check().is_ok());
    }

    #[test]
    fn default_band_edges_are_exact() {
        let m = methodology();
        let expect = [
            (25, "unacceptable"),
            (15, "unacceptable"),
            (14, "manage"),
            (6, "manage"),
            (5, "acceptable"),
            (1, "acceptable"),
        ];
        for (s, id) in expect {
            assert_eq!(m.band(s), band(id), "score {s}");
        }
        assert_eq!(m.band(0), None);
        assert_eq!(m.band(26), None);
    }

    #[test]
    fn moved_edges_are_followed_as_written() {
        let mut m = methodology();
        m.bands[0].min = 12;
        m.bands[1].max = 11;
        assert_eq!(m.band(12), band("unacceptable"));
        assert_eq!(m.band(11), band("manage"));
    }

    #[test]
    fn edges_with_gaps_overlaps_or_overreach_are_rejected() {
        let mut m = methodology();
        m.bands[1].max = 13;
        assert!(
            m.check().is_ok(),
            "14 cannot be scored on 5 × 5, so no band needs it"
        );
        m.bands[1].max = 11;
        assert_eq!(
            m.check().expect_err("12 is in no band").message,
            "score 12 is in no band; the bands must cover every possible score (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 20, 25)"
        );
        m.bands[1].max = 15;
        assert!(
            m.check()
                .expect_err("overlap")
                .message
                .contains("15 is in more than one band (unacceptable and manage)"),
            "{:?}",
            m.check()
        );
        m.bands[1].max = 14;
        m.bands[2].band = Band::new("manage");
        assert!(m
            .check()
            .expect_err("duplicate")
            .message
            .contains("appears twice"));
        // A 4 × 4 methodology whose top band still says 25 is caught.
        let mut small = methodology();
        small.likelihood = scale(4);
        small.impact = scale(4);
        assert_eq!(
            small.check().expect_err("25 is out of reach").message,
            "band unacceptable reaches 25, above the highest possible score 16"
        );
    }

    #[test]
    fn scales_and_band_counts_have_limits() {
        let mut m = methodology();
        m.likelihood = scale(1);
        assert_eq!(m.check().expect_err("one level").field, "likelihood");
        m.likelihood = scale(11);
        assert_eq!(m.check().expect_err("eleven levels").field, "likelihood");
        let mut m = methodology();
        m.bands.truncate(1);
        m.bands[0].min = 1;
        assert!(m.check().expect_err("one band").message.contains("2 to 6"));
    }

    #[test]
    fn a_lookup_reads_its_matrix_and_bands_cover_its_values() {
        let mut m = methodology();
        m.formula = Formula::Lookup;
        m.likelihood = scale(3);
        m.impact = scale(4);
        m.matrix = vec![vec![1, 1, 2, 2], vec![1, 2, 3, 3], vec![2, 3, 4, 4]];
        m.bands = Methodology::default_bands();
        m.bands[0].min = 4;
        m.bands[0].max = 4;
        m.bands[1].min = 2;
        m.bands[1].max = 3;
        m.bands[2].min = 1;
        m.bands[2].max = 1;
        assert!(m.check().is_ok(), "{:?}", m.check());
        assert_eq!(m.score(3, 4), Some(4));
        assert_eq!(m.score(2, 2), Some(2));
        assert_eq!(
            Rating::new(&m, 3, 3).and_then(|r| r.band),
            band("unacceptable")
        );
        assert_eq!(m.possible_scores(), vec![1, 2, 3, 4]);
        let grid = m.grid();
        assert_eq!(
            (grid.len(), grid[0].len()),
            (4, 3),
            "rows per impact, cells per likelihood"
        );
        m.matrix[1].pop();
        assert!(m.check().expect_err("short row").message.contains("row 2"));
    }

    #[test]
    fn tones_run_from_the_worst_band_to_the_best() {
        let mut m = methodology();
        m.bands.reverse();
        m.order_bands();
        let tones: Vec<(&str, u8)> = m.bands.iter().map(|b| (b.band.as_str(), b.tone)).collect();
        assert_eq!(
            tones,
            vec![("unacceptable", 0), ("manage", 3), ("acceptable", 5)]
        );
    }

    #[test]
    fn a_proposed_rescoring_keeps_the_ends_and_spreads_the_middle() {
        let five = methodology();
        let mut four = methodology();
        four.version = "2.0".into();
        four.likelihood = scale(4);
        four.impact = scale(4);
        let r = Rescoring::proposed(&five, &four);
        assert_eq!(r.likelihood, vec![1, 2, 3, 3, 4]);
        assert_eq!(r.map(5, 1), Some((4, 1)));
        assert_eq!(r.map(6, 1), None);
        let back = Rescoring::proposed(&four, &five);
        assert_eq!(back.likelihood, vec![1, 2, 4, 5]);
    }
}
