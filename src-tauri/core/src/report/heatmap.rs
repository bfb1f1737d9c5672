//! The heat-map directive: an HTML comment a report template puts before a markdown
//! table to have it drawn as a heat map. It carries the band of every cell as the
//! domain rated it ([`crate::domain::Rating`]), so the HTML and PDF renderers colour
//! cells by what the directive says, and never work a band out from the table's
//! labels. The bands are part of the signed markdown: the colours a signer saw are
//! the colours that were signed.
//!
//! ```text
//! <!-- isms:heatmap manage unacceptable … | acceptable manage … -->
//! ```
//!
//! One group per body row of the table, in the table's order, separated by `|`; one
//! band word per cell after the row's label, `none` for a cell without a band.

use crate::domain::Band;

const OPENING: &str = "<!-- isms:heatmap";
const CLOSING: &str = "-->";

/// The band of each cell of a heat-map table: `rows[r][c]` is the band of body row
/// `r`, cell `c` after the label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeatBands {
    rows: Vec<Vec<Option<Band>>>,
}

impl HeatBands {
    /// The bands of a table, row by row in table order.
    pub fn new(rows: Vec<Vec<Option<Band>>>) -> HeatBands {
        HeatBands { rows }
    }

    /// The directive that puts these bands before a table.
    pub fn directive(&self) -> String {
        let rows: Vec<String> = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|b| b.map_or("none", Band::as_str))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        format!("{OPENING} {} {CLOSING}", rows.join(" | "))
    }

    /// The bands a directive carries; `None` when `html` is not a heat-map directive.
    /// A word that is not a band leaves its cell without one.
    pub fn parse(html: &str) -> Option<HeatBands> {
        let inner = html.trim().strip_prefix(OPENING)?.strip_suffix(CLOSING)?;
        if !inner.is_empty() && !inner.starts_with(char::is_whitespace) {
            return None;
        }
        let rows = inner
            .split('|')
            .map(|row| row.split_whitespace().map(Band::parse).collect::<Vec<_>>())
            .filter(|row| !row.is_empty())
            .collect();
        Some(HeatBands { rows })
    }

    /// The band of body row `row`, cell `cell` after the label.
    pub fn at(&self, row: usize, cell: usize) -> Option<Band> {
        self.rows.get(row)?.get(cell).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directive_reads_back_as_written() {
        let bands = HeatBands::new(vec![
            vec![Some(Band::Manage), Some(Band::Unacceptable)],
            vec![Some(Band::Acceptable), None],
        ]);
        let text = bands.directive();
        assert_eq!(
            text,
            "<!-- isms:heatmap manage unacceptable | acceptable none -->"
        );
        assert_eq!(HeatBands::parse(&text), Some(bands.clone()));
        assert_eq!(bands.at(0, 1), Some(Band::Unacceptable));
        assert_eq!(bands.at(1, 1), None);
        assert_eq!(bands.at(7, 0), None);
    }

    #[test]
    fn other_comments_are_not_directives() {
        assert_eq!(HeatBands::parse("<!-- a note -->"), None);
        assert_eq!(HeatBands::parse("<!-- isms:heatmapx -->"), None);
        assert_eq!(
            HeatBands::parse("<!-- isms:heatmap -->"),
            Some(HeatBands::default()),
            "a directive without bands draws the map uncoloured"
        );
        assert_eq!(
            HeatBands::parse("<!-- isms:heatmap purple -->").map(|b| b.at(0, 0)),
            Some(None)
        );
    }
}
