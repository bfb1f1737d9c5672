//! The heat-map directive: an HTML comment a report template puts before a markdown
//! table to have it drawn as a heat map. It carries the tone (colour) of every cell's
//! band as the domain rated it ([`crate::domain::Rating`], [`crate::domain::BandRule::tone`]),
//! so the HTML and PDF renderers colour cells by what the directive says, and never
//! work a band out from the table's labels. The tones are part of the signed
//! markdown: the colours a signer saw are the colours that were signed.
//!
//! ```text
//! <!-- isms:heatmap 3 0 … | 5 3 … -->
//! ```
//!
//! One group per body row of the table, in the table's order, separated by `|`; one
//! tone per cell after the row's label (0 the worst band, 5 the best), `none` for a
//! cell without a band. The table has as many rows and cells as the methodology's
//! scales have levels.

use crate::domain::TONES;

const OPENING: &str = "<!-- isms:heatmap";
const CLOSING: &str = "-->";

/// The colours of the tones, worst band first: red to green. The one palette of the
/// reports; the app's `--tone-N` colours are held to it by a test.
pub const TONE_COLOURS: [(u8, u8, u8); TONES as usize] = [
    (0xe5, 0x73, 0x73),
    (0xf4, 0xa2, 0x61),
    (0xff, 0xb7, 0x4d),
    (0xff, 0xd5, 0x4f),
    (0xdc, 0xe7, 0x75),
    (0xae, 0xd5, 0x81),
];

/// The colour of a cell without a band.
pub const NO_TONE_COLOUR: (u8, u8, u8) = (0xe6, 0xe6, 0xe6);

/// The colour of a tone, or of no band.
pub fn tone_colour(tone: Option<u8>) -> (u8, u8, u8) {
    tone.and_then(|t| TONE_COLOURS.get(usize::from(t)).copied())
        .unwrap_or(NO_TONE_COLOUR)
}

/// The tone of each cell of a heat-map table: `rows[r][c]` is the tone of body row
/// `r`, cell `c` after the label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeatTones {
    rows: Vec<Vec<Option<u8>>>,
}

impl HeatTones {
    /// The tones of a table, row by row in table order.
    pub fn new(rows: Vec<Vec<Option<u8>>>) -> HeatTones {
        HeatTones { rows }
    }

    /// The directive that puts these tones before a table.
    pub fn directive(&self) -> String {
        let rows: Vec<String> = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|t| t.map_or("none".to_string(), |t| t.to_string()))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        format!("{OPENING} {} {CLOSING}", rows.join(" | "))
    }

    /// The tones a directive carries; `None` when `html` is not a heat-map directive.
    /// A word that is not a tone leaves its cell without one.
    pub fn parse(html: &str) -> Option<HeatTones> {
        let inner = html.trim().strip_prefix(OPENING)?.strip_suffix(CLOSING)?;
        if !inner.is_empty() && !inner.starts_with(char::is_whitespace) {
            return None;
        }
        let tone = |word: &str| word.parse::<u8>().ok().filter(|t| *t < TONES);
        let rows = inner
            .split('|')
            .map(|row| row.split_whitespace().map(tone).collect::<Vec<_>>())
            .filter(|row| !row.is_empty())
            .collect();
        Some(HeatTones { rows })
    }

    /// The tone of body row `row`, cell `cell` after the label.
    pub fn at(&self, row: usize, cell: usize) -> Option<u8> {
        self.rows.get(row)?.get(cell).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directive_reads_back_as_written() {
        let tones = HeatTones::new(vec![vec![Some(3), Some(0)], vec![Some(5), None]]);
        let text = tones.directive();
        assert_eq!(text, "<!-- isms:heatmap 3 0 | 5 none -->");
        assert_eq!(HeatTones::parse(&text), Some(tones.clone()));
        assert_eq!(tones.at(0, 1), Some(0));
        assert_eq!(tones.at(1, 1), None);
        assert_eq!(tones.at(7, 0), None);
    }

    #[test]
    fn other_comments_are_not_directives() {
        assert_eq!(HeatTones::parse("<!-- a note -->"), None);
        assert_eq!(HeatTones::parse("<!-- isms:heatmapx -->"), None);
        assert_eq!(
            HeatTones::parse("<!-- isms:heatmap -->"),
            Some(HeatTones::default()),
            "a directive without tones draws the map uncoloured"
        );
        assert_eq!(
            HeatTones::parse("<!-- isms:heatmap purple 9 -->").map(|b| (b.at(0, 0), b.at(0, 1))),
            Some((None, None)),
            "a word that is not a tone colours nothing"
        );
    }

    #[test]
    fn every_tone_has_a_colour_and_no_band_is_grey() {
        assert_eq!(tone_colour(Some(0)), (0xe5, 0x73, 0x73));
        assert_eq!(tone_colour(Some(TONES)), NO_TONE_COLOUR);
        assert_eq!(tone_colour(None), NO_TONE_COLOUR);
    }
}
