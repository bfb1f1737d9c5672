//! Report markdown as the blocks the PDF layout knows how to set: headings,
//! paragraphs, list items, code blocks, tables, heat maps and rules. Raw HTML in the markdown is
//! kept as plain text (as in the HTML preview); images become their alternative text.

use pulldown_cmark::{Alignment, Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::report::heatmap::HeatTones;
use crate::report::html::options;

/// The face a run of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Regular,
    Bold,
    Italic,
    /// Monospace: inline code and code blocks (commands, commit ids, fingerprints).
    Code,
}

/// A run of text in one style.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub text: String,
    pub style: Style,
}

/// Inline text: runs in order.
pub type Inline = Vec<Span>;

/// One block of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        text: Inline,
    },
    Paragraph {
        text: Inline,
        indent: u8,
        marker: Option<String>,
    },
    Table {
        align: Vec<Alignment>,
        header: Vec<Inline>,
        rows: Vec<Vec<Inline>>,
        /// The bands of a table drawn as a heat map.
        heatmap: Option<HeatTones>,
    },
    /// A code block: its lines, set in monospace as they are.
    Code {
        lines: Vec<String>,
        indent: u8,
    },
    /// A flowchart, drawn (a `mermaid` code block of the shape ISMS Desk writes).
    Diagram(super::diagram::Flowchart),
    Rule,
}

/// Plain text of inline runs.
pub fn plain(inline: &Inline) -> String {
    inline.iter().map(|s| s.text.as_str()).collect()
}

/// A table whose rows are still coming.
struct PendingTable {
    align: Vec<Alignment>,
    header: Vec<Inline>,
    rows: Vec<Vec<Inline>>,
    heatmap: Option<HeatTones>,
}

#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    inline: Inline,
    bold: usize,
    italic: usize,
    /// One entry per open list: the next number of an ordered list.
    lists: Vec<Option<u64>>,
    quote: u8,
    /// The marker of the list item whose first paragraph is not yet out.
    marker: Option<String>,
    heading: Option<u8>,
    table: Option<PendingTable>,
    in_head: bool,
    heatmap_next: Option<HeatTones>,
    /// The text of the code block being read.
    code: Option<String>,
    /// The language of the code block being read (`mermaid`).
    code_language: String,
}

impl Builder {
    fn style(&self) -> Style {
        if self.bold > 0 {
            Style::Bold
        } else if self.italic > 0 {
            Style::Italic
        } else {
            Style::Regular
        }
    }

    fn text(&mut self, text: &str) {
        self.styled(text, self.style());
    }

    fn styled(&mut self, text: &str, style: Style) {
        match self.inline.last_mut() {
            Some(last) if last.style == style => last.text.push_str(text),
            _ => self.inline.push(Span {
                text: text.to_string(),
                style,
            }),
        }
    }

    fn indent(&self) -> u8 {
        u8::try_from(self.lists.len())
            .unwrap_or(u8::MAX)
            .saturating_add(self.quote)
    }

    /// Ends the paragraph being gathered, if it has any text.
    fn flush(&mut self) {
        let text = std::mem::take(&mut self.inline);
        if plain(&text).trim().is_empty() {
            return;
        }
        if let Some(level) = self.heading {
            self.blocks.push(Block::Heading { level, text });
            return;
        }
        let marker = self.marker.take();
        self.blocks.push(Block::Paragraph {
            text,
            indent: self.indent(),
            marker,
        });
    }

    /// An event inside a table: cells of the header and of the rows, until its end.
    fn table_event(&mut self, event: Event) {
        let Some(PendingTable { header, rows, .. }) = self.table.as_mut() else {
            return;
        };
        match event {
            Event::Start(Tag::TableHead) => self.in_head = true,
            Event::End(TagEnd::TableHead) => self.in_head = false,
            Event::Start(Tag::TableRow) => rows.push(Vec::new()),
            Event::Start(Tag::TableCell) => {
                self.inline.clear();
            }
            Event::End(TagEnd::TableCell) => {
                let cell = std::mem::take(&mut self.inline);
                if self.in_head {
                    header.push(cell);
                } else if let Some(row) = rows.last_mut() {
                    row.push(cell);
                }
            }
            Event::End(TagEnd::Table) => {
                if let Some(PendingTable {
                    align,
                    header,
                    rows,
                    heatmap,
                }) = self.table.take()
                {
                    self.blocks.push(Block::Table {
                        align,
                        header,
                        rows,
                        heatmap,
                    });
                }
            }
            other => self.inline_event(other),
        }
    }

    fn event(&mut self, event: Event) {
        if self.table.is_some() {
            self.table_event(event);
            return;
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                self.flush();
                self.heading = Some(match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    _ => 4,
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                self.flush();
                self.heading = None;
            }
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => self.flush(),
            Event::Start(Tag::CodeBlock(kind)) => {
                self.flush();
                self.code = Some(String::new());
                self.code_language = match kind {
                    pulldown_cmark::CodeBlockKind::Fenced(lang) => lang.to_string(),
                    pulldown_cmark::CodeBlockKind::Indented => String::new(),
                };
            }
            Event::Text(t) if self.code.is_some() => {
                self.code.get_or_insert_with(String::new).push_str(&t);
            }
            Event::End(TagEnd::CodeBlock) => {
                let text = self.code.take().unwrap_or_default();
                if self.code_language == "mermaid" {
                    if let Some(chart) = super::diagram::parse(&text) {
                        self.blocks.push(Block::Diagram(chart));
                        return;
                    }
                }
                self.blocks.push(Block::Code {
                    lines: text
                        .trim_end_matches('\n')
                        .lines()
                        .map(str::to_string)
                        .collect(),
                    indent: self.indent(),
                });
            }
            Event::Start(Tag::BlockQuote(_)) => {
                self.flush();
                self.quote += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
            }
            Event::Start(Tag::List(start)) => {
                self.flush();
                self.lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                self.flush();
                self.lists.pop();
            }
            Event::Start(Tag::Item) => {
                self.flush();
                self.marker = Some(match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}.");
                        *n += 1;
                        m
                    }
                    _ => "•".to_string(),
                });
            }
            Event::End(TagEnd::Item) => self.flush(),
            Event::Start(Tag::Table(align)) => {
                self.flush();
                let heatmap = std::mem::take(&mut self.heatmap_next);
                self.table = Some(PendingTable {
                    align,
                    header: Vec::new(),
                    rows: Vec::new(),
                    heatmap,
                });
            }
            Event::Rule => {
                self.flush();
                self.blocks.push(Block::Rule);
            }
            Event::Html(t) => {
                if let Some(bands) = HeatTones::parse(&t) {
                    self.heatmap_next = Some(bands);
                } else {
                    self.text(t.trim_end());
                    self.flush();
                }
            }
            other => self.inline_event(other),
        }
    }

    fn inline_event(&mut self, event: Event) {
        match event {
            Event::Text(t) | Event::InlineHtml(t) => self.text(&t),
            Event::Code(t) => self.styled(&t, Style::Code),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.text("\n"),
            Event::Start(Tag::Strong) => self.bold += 1,
            Event::End(TagEnd::Strong) => self.bold = self.bold.saturating_sub(1),
            Event::Start(Tag::Emphasis) => self.italic += 1,
            Event::End(TagEnd::Emphasis) => self.italic = self.italic.saturating_sub(1),
            Event::TaskListMarker(done) => self.text(if done { "☑ " } else { "☐ " }),
            _ => {}
        }
    }
}

/// Parses report markdown into blocks.
pub fn parse(markdown: &str) -> Vec<Block> {
    let mut b = Builder::default();
    for event in Parser::new_ext(markdown, options()) {
        b.event(event);
    }
    b.flush();
    b.blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_lists_tables_and_styles() {
        let blocks = parse(
            "# Title\n\nSome **bold** and *italic* text.\n\n- one\n- two\n  1. inner\n\n<!-- isms:heatmap -->\n| A | B |\n|---|--:|\n| x | 1 |\n",
        );
        assert_eq!(
            blocks[0],
            Block::Heading {
                level: 1,
                text: vec![Span {
                    text: "Title".into(),
                    style: Style::Regular
                }]
            }
        );
        let Block::Paragraph { text, .. } = &blocks[1] else {
            panic!("{blocks:?}")
        };
        assert_eq!(
            text.iter().map(|s| s.style).collect::<Vec<_>>(),
            [
                Style::Regular,
                Style::Bold,
                Style::Regular,
                Style::Italic,
                Style::Regular
            ]
        );
        assert!(
            matches!(&blocks[2], Block::Paragraph { marker: Some(m), indent: 1, .. } if m == "•")
        );
        assert!(
            matches!(&blocks[4], Block::Paragraph { marker: Some(m), indent: 2, .. } if m == "1.")
        );
        let Block::Table {
            header,
            rows,
            heatmap,
            align,
        } = &blocks[5]
        else {
            panic!("{blocks:?}")
        };
        assert!(heatmap.is_some());
        assert_eq!(align[1], Alignment::Right);
        assert_eq!(plain(&header[0]), "A");
        assert_eq!(plain(&rows[0][1]), "1");
    }

    #[test]
    fn code_is_monospace_and_a_code_block_keeps_its_lines() {
        let blocks =
            parse("Run `isms verify` now.\n\n```\ngit verify-commit abc\n  isms verify x\n```\n");
        let Block::Paragraph { text, .. } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(
            text.iter()
                .map(|s| (s.text.as_str(), s.style))
                .collect::<Vec<_>>(),
            [
                ("Run ", Style::Regular),
                ("isms verify", Style::Code),
                (" now.", Style::Regular)
            ]
        );
        assert_eq!(
            blocks[1],
            Block::Code {
                lines: vec!["git verify-commit abc".into(), "  isms verify x".into()],
                indent: 0
            }
        );
    }

    #[test]
    fn raw_html_stays_text() {
        let blocks = parse("<div>hi</div>\n\nx <b>y</b>\n");
        let texts: Vec<String> = blocks
            .iter()
            .map(|b| match b {
                Block::Paragraph { text, .. } => plain(text),
                _ => String::new(),
            })
            .collect();
        assert_eq!(texts, ["<div>hi</div>", "x <b>y</b>"]);
    }
}
