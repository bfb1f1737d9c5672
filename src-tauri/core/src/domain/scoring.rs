//! Scoring: likelihood × impact on 1–5 scales (max 25), and the band a score falls
//! in according to the methodology's explicit edges.
//!
//! One function per derived value: [`score`], [`Methodology::band`],
//! [`Risk::inherent`](super::Risk::inherent) and
//! [`Risk::residual`](super::Risk::residual). Everything else calls these.

use serde::{Deserialize, Serialize};

/// The lowest level of a likelihood or impact scale.
pub const MIN_LEVEL: u8 = 1;
/// The highest level of a likelihood or impact scale.
pub const MAX_LEVEL: u8 = 5;
/// The highest possible score (5 × 5).
pub const MAX_SCORE: u8 = MAX_LEVEL * MAX_LEVEL;

/// The risk score: likelihood × impact.
pub fn score(likelihood: u8, impact: u8) -> u8 {
    likelihood * impact
}

/// The bands of the methodology, from worst to best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Treatment required.
    Unacceptable,
    /// A management decision on treatment versus acceptance.
    Manage,
    /// Documented and monitored.
    Acceptable,
}

impl Band {
    /// All bands, worst first.
    pub const ALL: [Band; 3] = [Band::Unacceptable, Band::Manage, Band::Acceptable];

    /// The word used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Unacceptable => "unacceptable",
            Band::Manage => "manage",
            Band::Acceptable => "acceptable",
        }
    }

    /// The band's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Band::Unacceptable => "Unacceptable",
            Band::Manage => "Manage",
            Band::Acceptable => "Acceptable",
        }
    }

    /// Parses the file/command-line word.
    pub fn parse(text: &str) -> Option<Band> {
        Band::ALL.into_iter().find(|b| b.as_str() == text)
    }
}

/// One level of a likelihood or impact scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Level {
    /// 1–5.
    pub level: u8,
    /// A short name, e.g. "Likely".
    pub name: String,
    /// What the level means, so two people score alike.
    pub definition: String,
}

/// The band edges of the methodology: a band covers `min..=max`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BandRule {
    /// The band.
    pub band: Band,
    /// The lowest score in the band.
    pub min: u8,
    /// The highest score in the band.
    pub max: u8,
    /// What the band means, e.g. "treatment required".
    pub definition: String,
    /// The roles that may accept a risk in this band.
    pub accepted_by: Vec<String>,
}

/// How risks are scored and banded (ISO/IEC 27001:2022 §6.1.2). Versioned: an
/// assessment records the version it used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Methodology {
    /// The methodology's version, e.g. `1.0`.
    pub version: String,
    /// The likelihood scale, levels 1–5 in order.
    pub likelihood: Vec<Level>,
    /// The impact scale, levels 1–5 in order.
    pub impact: Vec<Level>,
    /// The bands with explicit edges; together they cover 1–25 without gaps or overlaps.
    pub bands: Vec<BandRule>,
}

/// Edges that do not tile 1–25: a gap or an overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandEdgeProblem(pub String);

impl Methodology {
    /// The band a score falls in, following the edges exactly as written.
    /// `None` only for a score outside 1–25 or edges that [`Methodology::check_bands`] rejects.
    pub fn band(&self, score: u8) -> Option<Band> {
        self.bands
            .iter()
            .find(|rule| rule.min <= score && score <= rule.max)
            .map(|rule| rule.band)
    }

    /// The rule of one band.
    pub fn band_rule(&self, band: Band) -> Option<&BandRule> {
        self.bands.iter().find(|rule| rule.band == band)
    }

    /// Checks that the band edges cover every score 1–25 exactly once and each band
    /// appears once.
    pub fn check_bands(bands: &[BandRule]) -> Result<(), BandEdgeProblem> {
        for band in Band::ALL {
            let n = bands.iter().filter(|b| b.band == band).count();
            if n != 1 {
                return Err(BandEdgeProblem(format!(
                    "band {} must appear exactly once (found {n})",
                    band.as_str()
                )));
            }
        }
        for rule in bands {
            if rule.min > rule.max {
                return Err(BandEdgeProblem(format!(
                    "band {}: min {} is above max {}",
                    rule.band.as_str(),
                    rule.min,
                    rule.max
                )));
            }
        }
        for s in 1..=MAX_SCORE {
            let n = bands.iter().filter(|b| b.min <= s && s <= b.max).count();
            if n == 0 {
                return Err(BandEdgeProblem(format!(
                    "score {s} is in no band; the bands must cover 1–{MAX_SCORE}"
                )));
            }
            if n > 1 {
                return Err(BandEdgeProblem(format!(
                    "score {s} is in more than one band"
                )));
            }
        }
        Ok(())
    }

    /// The methodology ISMS Desk proposes for a new ISMS: Unacceptable ≥ 15,
    /// Manage 6–14, Acceptable ≤ 5.
    pub fn default_bands() -> Vec<BandRule> {
        vec![
            BandRule {
                band: Band::Unacceptable,
                min: 15,
                max: 25,
                definition: "treatment required".into(),
                accepted_by: vec!["ceo".into()],
            },
            BandRule {
                band: Band::Manage,
                min: 6,
                max: 14,
                definition: "management decision on treatment versus acceptance".into(),
                accepted_by: vec!["ceo".into(), "head-of-product".into()],
            },
            BandRule {
                band: Band::Acceptable,
                min: 1,
                max: 5,
                definition: "documented and monitored".into(),
                accepted_by: vec!["ism".into()],
            },
        ]
    }
}

/// A scored position: likelihood, impact, their score and the band it falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rating {
    /// 1–5.
    pub likelihood: u8,
    /// 1–5.
    pub impact: u8,
    /// likelihood × impact.
    pub score: u8,
    /// The band of the score under the methodology.
    pub band: Option<Band>,
}

impl Rating {
    /// Scores a likelihood and impact under a methodology.
    pub fn new(methodology: &Methodology, likelihood: u8, impact: u8) -> Rating {
        let score = score(likelihood, impact);
        Rating {
            likelihood,
            impact,
            score,
            band: methodology.band(score),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn methodology() -> Methodology {
        Methodology {
            version: "1.0".into(),
            likelihood: vec![],
            impact: vec![],
            bands: Methodology::default_bands(),
        }
    }

    #[test]
    fn score_is_likelihood_times_impact_up_to_25() {
        assert_eq!(score(1, 1), 1);
        assert_eq!(score(3, 4), 12);
        assert_eq!(score(5, 5), MAX_SCORE);
    }

    #[test]
    fn default_band_edges_are_exact() {
        let m = methodology();
        let expect = [
            (25, Band::Unacceptable),
            (16, Band::Unacceptable),
            (15, Band::Unacceptable),
            (14, Band::Manage),
            (12, Band::Manage),
            (6, Band::Manage),
            (5, Band::Acceptable),
            (4, Band::Acceptable),
            (1, Band::Acceptable),
        ];
        for (s, band) in expect {
            assert_eq!(m.band(s), Some(band), "score {s}");
        }
        assert_eq!(m.band(0), None);
        assert_eq!(m.band(26), None);
    }

    #[test]
    fn every_product_of_two_levels_has_exactly_the_band_of_its_edges() {
        let m = methodology();
        for l in MIN_LEVEL..=MAX_LEVEL {
            for i in MIN_LEVEL..=MAX_LEVEL {
                let r = Rating::new(&m, l, i);
                let expected = if r.score >= 15 {
                    Band::Unacceptable
                } else if r.score >= 6 {
                    Band::Manage
                } else {
                    Band::Acceptable
                };
                assert_eq!(r.band, Some(expected), "{l}×{i}");
            }
        }
    }

    #[test]
    fn moved_edges_are_followed_as_written() {
        let mut m = methodology();
        m.bands[0].min = 12;
        m.bands[1].max = 11;
        assert_eq!(m.band(12), Some(Band::Unacceptable));
        assert_eq!(m.band(11), Some(Band::Manage));
    }

    #[test]
    fn edges_with_gaps_or_overlaps_are_rejected() {
        let mut bands = Methodology::default_bands();
        assert!(Methodology::check_bands(&bands).is_ok());
        bands[1].max = 13;
        let problem = Methodology::check_bands(&bands).expect_err("14 is in no band");
        assert!(
            problem.0.contains("score 14 is in no band"),
            "{}",
            problem.0
        );
        bands[1].max = 15;
        assert!(Methodology::check_bands(&bands)
            .expect_err("overlap")
            .0
            .contains("15 is in more than one band"));
        bands[1].max = 14;
        bands[2].band = Band::Manage;
        assert!(Methodology::check_bands(&bands)
            .expect_err("duplicate")
            .0
            .contains("exactly once"));
    }
}
