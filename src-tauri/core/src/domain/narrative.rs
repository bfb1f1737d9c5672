//! Figures that narrative states, held against the register.
//!
//! An assessment's summary is written once and read by management long after: "Sixteen
//! active risks were scored: one Unacceptable, twelve Manage and three Acceptable." A
//! rescore afterwards leaves that sentence above a table that says otherwise, and a
//! report that contradicts itself gets signed. [`stated_figures`] finds such figures
//! (a count directly followed by a band's name, or by "active risks"), and
//! [`disagreements`] compares them with the risks: `isms check` reports them
//! (`narrative-figures`) and a risk-assessment sign-off is refused while there are any.
//!
//! A sentence that speaks of "residual" or "after treatment" counts risks by their
//! rating after treatment (`Risk::rating_after_treatment`); any other by their inherent
//! rating. Only active risks are counted, as the report's tables do. Counts are read as
//! digits or as English number words up to twenty ("no" is zero); anything else is
//! prose and left alone. The band names are the methodology's own, however many words
//! each has ("3 Very high").

use super::records::{Risk, RiskStatus};
use super::scoring::{Band, Methodology};

/// What a stated figure counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counted {
    /// Active risks.
    ActiveRisks,
    /// Active risks in a band, inherent or after treatment.
    InBand {
        /// The band.
        band: Band,
        /// The band's name, as the methodology gives it.
        name: String,
        /// Counted after treatment (the sentence speaks of residual risk).
        residual: bool,
    },
}

/// A figure the narrative states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatedFigure {
    /// The line of the text it is on, from 1.
    pub line: usize,
    /// The words as written: "one Unacceptable".
    pub phrase: String,
    /// The count stated.
    pub count: usize,
    /// What it counts.
    pub counted: Counted,
}

/// A stated figure that the risks do not bear out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The figure as stated.
    pub stated: StatedFigure,
    /// The count the risks give.
    pub actual: usize,
}

impl Disagreement {
    /// What is wrong, in words: `says "one Unacceptable", but 2 active risks are
    /// Unacceptable (inherent)`.
    pub fn message(&self) -> String {
        let actual = match &self.stated.counted {
            Counted::ActiveRisks => format!("there are {} active risks", self.actual),
            Counted::InBand { name, residual, .. } => format!(
                "{} active risk{} {} {} ({})",
                self.actual,
                if self.actual == 1 { "" } else { "s" },
                if self.actual == 1 { "is" } else { "are" },
                name,
                if *residual {
                    "after treatment"
                } else {
                    "inherent"
                }
            ),
        };
        format!(
            "the narrative says \"{}\", but {actual}; correct the text, or the scores",
            self.stated.phrase
        )
    }
}

const NUMBER_WORDS: [&str; 21] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// A count as written: digits, a number word up to twenty, or "no".
fn count_of(word: &str) -> Option<usize> {
    if word.chars().all(|c| c.is_ascii_digit()) {
        return word.parse().ok();
    }
    let lower = word.to_lowercase();
    if lower == "no" {
        return Some(0);
    }
    NUMBER_WORDS.iter().position(|w| *w == lower)
}

/// One word of the text with where it starts and ends (bytes).
struct Word<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let inside = c.is_alphanumeric() || c == '-';
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Word {
                    text: &text[s..i],
                    start: s,
                    end: i,
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The sentence around byte `at`: from the last `.`, `!`, `?` or blank line before it
/// to the next after it.
fn sentence_around(text: &str, at: usize) -> &str {
    let ends = |c: char| matches!(c, '.' | '!' | '?');
    let start = text[..at]
        .rfind(ends)
        .map_or(0, |i| i + 1)
        .max(text[..at].rfind("\n\n").map_or(0, |i| i + 2));
    let end = text[at..]
        .find(ends)
        .map_or(text.len(), |i| at + i)
        .min(text[at..].find("\n\n").map_or(text.len(), |i| at + i));
    &text[start..end]
}

/// The figures `text` states: a count directly followed (whitespace between, nothing
/// else) by the name of one of the methodology's bands, or by "active risk(s)".
pub fn stated_figures(text: &str, methodology: &Methodology) -> Vec<StatedFigure> {
    let words = words(text);
    let adjacent = |a: &Word, b: &Word| text[a.end..b.start].chars().all(char::is_whitespace);
    let mut figures = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let Some(count) = count_of(word.text) else {
            continue;
        };
        let Some(next) = words.get(i + 1).filter(|n| adjacent(word, n)) else {
            continue;
        };
        // The band whose name the words after the count spell, the longest first.
        let named = methodology
            .bands
            .iter()
            .filter_map(|b| {
                let name: Vec<&str> = b.name.split_whitespace().collect();
                let following = words.get(i + 1..i + 1 + name.len())?;
                let spelled = following
                    .iter()
                    .zip(&name)
                    .all(|(w, n)| w.text.eq_ignore_ascii_case(n))
                    && std::iter::once(word)
                        .chain(following)
                        .zip(following)
                        .all(|(a, b)| adjacent(a, b));
                spelled.then_some((b, following.last()?.end, name.len()))
            })
            .max_by_key(|(.., n)| *n);
        let (counted, end) = if let Some((band, end, _)) = named {
            let sentence = sentence_around(text, word.start).to_lowercase();
            let counted = Counted::InBand {
                band: band.band.clone(),
                name: band.name.clone(),
                residual: sentence.contains("residual") || sentence.contains("after treatment"),
            };
            (counted, end)
        } else if next.text.eq_ignore_ascii_case("active")
            && words.get(i + 2).is_some_and(|w| {
                adjacent(next, w) && matches!(w.text.to_lowercase().as_str(), "risk" | "risks")
            })
        {
            (Counted::ActiveRisks, words[i + 2].end)
        } else {
            continue;
        };
        figures.push(StatedFigure {
            line: text[..word.start].matches('\n').count() + 1,
            phrase: text[word.start..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            count,
            counted,
        });
    }
    figures
}

/// The figures of `text` that the active risks among `risks` do not bear out.
pub fn disagreements(text: &str, risks: &[&Risk], methodology: &Methodology) -> Vec<Disagreement> {
    let active: Vec<&Risk> = risks
        .iter()
        .copied()
        .filter(|r| r.status == RiskStatus::Active)
        .collect();
    stated_figures(text, methodology)
        .into_iter()
        .filter_map(|stated| {
            let actual = match &stated.counted {
                Counted::ActiveRisks => active.len(),
                Counted::InBand { band, residual, .. } => active
                    .iter()
                    .filter(|r| {
                        let rating = if *residual {
                            r.rating_after_treatment(methodology)
                        } else {
                            r.inherent(methodology)
                        };
                        rating.and_then(|x| x.band).as_ref() == Some(band)
                    })
                    .count(),
            };
            (actual != stated.count).then_some(Disagreement { stated, actual })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BandRequires, BandRule, Formula};

    fn methodology(names: &[(&str, &str)]) -> Methodology {
        let mut bands = Methodology::default_bands();
        bands.truncate(names.len());
        for (rule, (id, name)) in bands.iter_mut().zip(names) {
            rule.band = Band::new(*id);
            rule.name = name.to_string();
        }
        Methodology {
            version: "1.0".into(),
            formula: Formula::Product,
            likelihood: vec![],
            impact: vec![],
            matrix: vec![],
            impact_per_cia: false,
            bands,
            rescoring: None,
        }
    }

    fn seen(figures: &[StatedFigure]) -> Vec<(usize, &str, usize, Counted)> {
        figures
            .iter()
            .map(|f| (f.line, f.phrase.as_str(), f.count, f.counted.clone()))
            .collect()
    }

    fn in_band(id: &str, name: &str, residual: bool) -> Counted {
        Counted::InBand {
            band: Band::new(id),
            name: name.into(),
            residual,
        }
    }

    #[test]
    fn counts_before_a_band_or_active_risks_are_figures_and_prose_is_not() {
        let m = methodology(&[
            ("unacceptable", "Unacceptable"),
            ("manage", "Manage"),
            ("acceptable", "Acceptable"),
        ]);
        let text = "Sixteen active risks were scored: one Unacceptable,\ntwelve Manage and 3 Acceptable.\n\nAfter treatment, no Unacceptable risk remains.\n\n| Unacceptable | 1 |\n| Manage | 2 |\nOne risk was deferred; two workshops are planned.";
        assert_eq!(
            seen(&stated_figures(text, &m)),
            vec![
                (1, "Sixteen active risks", 16, Counted::ActiveRisks),
                (
                    1,
                    "one Unacceptable",
                    1,
                    in_band("unacceptable", "Unacceptable", false)
                ),
                (2, "twelve Manage", 12, in_band("manage", "Manage", false)),
                (
                    2,
                    "3 Acceptable",
                    3,
                    in_band("acceptable", "Acceptable", false)
                ),
                (
                    4,
                    "no Unacceptable",
                    0,
                    in_band("unacceptable", "Unacceptable", true)
                ),
            ]
        );
    }

    #[test]
    fn the_methodology_s_own_band_names_are_read_however_many_words_they_have() {
        let mut m = methodology(&[("critical", "Very high"), ("high", "High")]);
        m.bands.push(BandRule {
            band: Band::new("low"),
            name: "Low".into(),
            min: 1,
            max: 1,
            requires: BandRequires::Monitoring,
            definition: String::new(),
            accepted_by: vec![],
            tone: 5,
        });
        let text = "We found two Very high, 4 High and one Low.\nThree Manage is not a band here.";
        assert_eq!(
            seen(&stated_figures(text, &m)),
            vec![
                (
                    1,
                    "two Very high",
                    2,
                    in_band("critical", "Very high", false)
                ),
                (1, "4 High", 4, in_band("high", "High", false)),
                (1, "one Low", 1, in_band("low", "Low", false)),
            ]
        );
    }
}
