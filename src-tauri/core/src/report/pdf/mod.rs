//! Report PDFs: A4, set with printpdf's low-level operations and a small layout of our
//! own (printpdf's HTML mode cannot lay out tables: ARCHITECTURE.md, "Platform notes").
//!
//! The layout measures every glyph with the embedded font, wraps words greedily, keeps
//! a y cursor and starts a new page when a block does not fit. Tables get column widths
//! from their content, wrap inside cells, repeat their header row on every page and
//! split a row that is taller than what is left of a page. Heat maps are drawn as a
//! coloured 5 × 5 grid. Page headers and the "page X of Y" footers are drawn in a
//! second pass, once the number of pages is known.
//!
//! The font is DejaVu Sans, shipped in `templates/fonts/` (with its licence) so that
//! output does not depend on the machine; printpdf subsets it on save. The file is
//! deterministic: dates come from the source commit, the font tags and the trailer
//! `/ID` are derived from the report, never from a clock or a random number.

mod blocks;
mod diagram;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFont,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rect, Rgb, TextItem,
    WindingOrder,
};
use pulldown_cmark::Alignment;

use self::blocks::{plain, Block, Inline, Span, Style};
use super::heatmap::{tone_colour, HeatTones};
use super::{Report, ReportMeta};
use crate::{Error, Result};

const FONT_REGULAR: &[u8] = include_bytes!("../../../../../templates/fonts/DejaVuSans.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../../../../../templates/fonts/DejaVuSans-Bold.ttf");
const FONT_ITALIC: &[u8] = include_bytes!("../../../../../templates/fonts/DejaVuSans-Oblique.ttf");
const FONT_MONO: &[u8] = include_bytes!("../../../../../templates/fonts/DejaVuSansMono.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 51.0;
const RIGHT: f32 = PAGE_W - 51.0;
/// Content runs from `TOP` down to `BOTTOM`; the header and footer sit outside.
const TOP: f32 = PAGE_H - 66.0;
const BOTTOM: f32 = 60.0;
const WIDTH: f32 = RIGHT - LEFT;

const BODY: f32 = 9.5;
const TABLE: f32 = 8.0;
const CODE: f32 = 8.5;
const PAD: f32 = 3.2;
const INDENT: f32 = 15.0;

const INK: (f32, f32, f32) = (0.10, 0.10, 0.12);
const HEADING: (f32, f32, f32) = (0.10, 0.22, 0.40);
const MUTED: (f32, f32, f32) = (0.38, 0.38, 0.42);
const RULE: (f32, f32, f32) = (0.70, 0.72, 0.76);
const HEAD_FILL: (f32, f32, f32) = (0.92, 0.94, 0.97);
const CODE_FILL: (f32, f32, f32) = (0.95, 0.96, 0.97);
const CONFIDENTIAL: (f32, f32, f32) = (0.70, 0.0, 0.13);

/// A rendered PDF.
#[derive(Debug, Clone)]
pub struct Pdf {
    /// The file.
    pub bytes: Vec<u8>,
    /// Its number of pages.
    pub pages: usize,
}

/// One font face: its PDF resource id and cached glyph advances.
struct Face {
    id: FontId,
    font: &'static ParsedFont,
    units_per_em: f32,
    advances: RefCell<HashMap<char, f32>>,
}

impl Face {
    fn new(tag: &str, font: &'static ParsedFont) -> Face {
        Face {
            id: FontId(tag.to_string()),
            font,
            units_per_em: f32::from(font.pdf_font_metrics.units_per_em.max(1)),
            advances: RefCell::new(HashMap::new()),
        }
    }

    /// The advance of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let mut cache = self.advances.borrow_mut();
        let units: f32 = text
            .chars()
            .map(|c| {
                *cache.entry(c).or_insert_with(|| {
                    let gid = self.font.lookup_glyph_index(u32::from(c)).unwrap_or(0);
                    f32::from(self.font.get_horizontal_advance(gid))
                })
            })
            .sum();
        units / self.units_per_em * size
    }
}

fn parsed_fonts() -> Result<&'static [ParsedFont; 4]> {
    static FONTS: OnceLock<Option<[ParsedFont; 4]>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let parse = |bytes: &[u8]| ParsedFont::from_bytes(bytes, 0, &mut Vec::new());
            Some([
                parse(FONT_REGULAR)?,
                parse(FONT_BOLD)?,
                parse(FONT_ITALIC)?,
                parse(FONT_MONO)?,
            ])
        })
        .as_ref()
        .ok_or_else(|| Error::Template("the shipped DejaVu fonts did not parse".to_string()))
}

struct Faces {
    regular: Face,
    bold: Face,
    italic: Face,
    code: Face,
}

impl Faces {
    /// The four faces. The first six letters of a font id become the subset tag
    /// (`ISMSAA+DejaVuSans`); fixed ids keep the file the same from run to run.
    fn load() -> Result<Faces> {
        let [regular, bold, italic, code] = parsed_fonts()?;
        Ok(Faces {
            regular: Face::new("ISMSAA", regular),
            bold: Face::new("ISMSAB", bold),
            italic: Face::new("ISMSAC", italic),
            code: Face::new("ISMSAD", code),
        })
    }

    fn get(&self, style: Style) -> &Face {
        match style {
            Style::Regular => &self.regular,
            Style::Bold => &self.bold,
            Style::Italic => &self.italic,
            Style::Code => &self.code,
        }
    }

    fn all(&self) -> [&Face; 4] {
        [&self.regular, &self.bold, &self.italic, &self.code]
    }
}

/// A table measured and wrapped, ready to draw.
struct SetTable {
    widths: Vec<f32>,
    head: Vec<Vec<TextLine>>,
    head_h: f32,
    body: Vec<Vec<Vec<TextLine>>>,
    need: f32,
}

/// A run of text placed on a line.
#[derive(Debug, Clone)]
struct Run {
    text: String,
    style: Style,
    x: f32,
    width: f32,
}

#[derive(Debug, Clone, Default)]
struct TextLine {
    runs: Vec<Run>,
    width: f32,
}

fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

fn point(x: f32, y: f32) -> Point {
    Point { x: Pt(x), y: Pt(y) }
}

struct Layout<'a> {
    faces: &'a Faces,
    meta: &'a ReportMeta,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    /// The top of the next line on the current page.
    y: f32,
}

impl<'a> Layout<'a> {
    fn new(faces: &'a Faces, meta: &'a ReportMeta) -> Layout<'a> {
        Layout {
            faces,
            meta,
            pages: Vec::new(),
            ops: Vec::new(),
            y: TOP,
        }
    }

    fn new_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.pages.push(ops);
        self.y = TOP;
    }

    fn at_top(&self) -> bool {
        (self.y - TOP).abs() < 0.01
    }

    /// Starts a new page unless `height` fits below the cursor.
    fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM && !self.at_top() {
            self.new_page();
        }
    }

    /// Vertical space, dropped at the top of a page.
    fn gap(&mut self, height: f32) {
        if !self.at_top() {
            self.y -= height;
        }
    }

    /// Greedy word wrap of inline text into lines no wider than `width`.
    fn wrap(&self, text: &Inline, size: f32, width: f32) -> Vec<TextLine> {
        let mut lines = vec![TextLine::default()];
        let mut pending_space: Option<Style> = None;
        for span in text {
            let face = self.faces.get(span.style);
            for (i, hard) in span.text.split('\n').enumerate() {
                if i > 0 {
                    lines.push(TextLine::default());
                    pending_space = None;
                }
                let mut rest = hard;
                while !rest.is_empty() {
                    let ws = rest.len() - rest.trim_start().len();
                    if ws > 0 {
                        pending_space = Some(span.style);
                        rest = &rest[ws..];
                        continue;
                    }
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    let word = &rest[..end];
                    rest = &rest[end..];
                    self.place_word(
                        &mut lines,
                        word,
                        span.style,
                        face,
                        size,
                        width,
                        pending_space.take(),
                    );
                }
            }
        }
        if lines.len() > 1 && lines.last().is_some_and(|l| l.runs.is_empty()) {
            lines.pop();
        }
        lines
    }

    #[allow(clippy::too_many_arguments)]
    fn place_word(
        &self,
        lines: &mut Vec<TextLine>,
        word: &str,
        style: Style,
        face: &Face,
        size: f32,
        width: f32,
        space: Option<Style>,
    ) {
        let w = face.width(word, size);
        let line = lines.last_mut().expect("there is always a current line");
        let space_w = match (space, line.runs.is_empty()) {
            (Some(s), false) => self.faces.get(s).width(" ", size),
            _ => 0.0,
        };
        if line.width + space_w + w <= width || (line.runs.is_empty() && w <= width) {
            push_run(line, word, style, w, space_w);
            return;
        }
        if w <= width {
            let mut next = TextLine::default();
            push_run(&mut next, word, style, w, 0.0);
            lines.push(next);
            return;
        }
        // A word wider than the column: break it between characters.
        let mut chunk = String::new();
        for c in word.chars() {
            let mut candidate = chunk.clone();
            candidate.push(c);
            let line = lines.last_mut().expect("there is always a current line");
            let room = width - line.width - if line.runs.is_empty() { 0.0 } else { space_w };
            if face.width(&candidate, size) > room && !chunk.is_empty() {
                let cw = face.width(&chunk, size);
                let sw = if line.runs.is_empty() { 0.0 } else { space_w };
                push_run(line, &chunk, style, cw, sw);
                lines.push(TextLine::default());
                chunk = c.to_string();
            } else {
                chunk = candidate;
            }
        }
        if !chunk.is_empty() {
            let line = lines.last_mut().expect("there is always a current line");
            let cw = face.width(&chunk, size);
            let sw = if line.runs.is_empty() { 0.0 } else { space_w };
            push_run(line, &chunk, style, cw, sw);
        }
    }

    /// Draws a line of text with its baseline at `baseline`, starting at `x`.
    fn draw_line(
        &mut self,
        line: &TextLine,
        x: f32,
        baseline: f32,
        size: f32,
        colour: (f32, f32, f32),
    ) {
        if line.runs.is_empty() {
            return;
        }
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetFillColor { col: rgb(colour) });
        let mut at = 0.0;
        let mut style = None;
        for (i, run) in line.runs.iter().enumerate() {
            if style != Some(run.style) {
                self.ops.push(Op::SetFont {
                    font: PdfFontHandle::External(self.faces.get(run.style).id.clone()),
                    size: Pt(size),
                });
                style = Some(run.style);
            }
            let pos = if i == 0 {
                point(x + run.x, baseline)
            } else {
                point(run.x - at, 0.0)
            };
            at = run.x;
            self.ops.push(Op::SetTextCursor { pos });
            self.ops.push(Op::ShowText {
                items: vec![TextItem::Text(run.text.clone())],
            });
        }
        self.ops.push(Op::EndTextSection);
    }

    /// One line of plain text in one style.
    fn text_at(
        &mut self,
        text: &str,
        style: Style,
        x: f32,
        baseline: f32,
        size: f32,
        colour: (f32, f32, f32),
    ) {
        let width = self.faces.get(style).width(text, size);
        let line = TextLine {
            runs: vec![Run {
                text: text.to_string(),
                style,
                x: 0.0,
                width,
            }],
            width,
        };
        self.draw_line(&line, x, baseline, size, colour);
    }

    fn rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<(f32, f32, f32)>,
        stroke: Option<(f32, f32, f32)>,
    ) {
        let mode = match (fill, stroke) {
            (Some(_), Some(_)) => PaintMode::FillStroke,
            (Some(_), None) => PaintMode::Fill,
            (None, Some(_)) => PaintMode::Stroke,
            (None, None) => return,
        };
        self.ops.push(Op::SaveGraphicsState);
        if let Some(c) = fill {
            self.ops.push(Op::SetFillColor { col: rgb(c) });
        }
        if let Some(c) = stroke {
            self.ops.push(Op::SetOutlineColor { col: rgb(c) });
            self.ops.push(Op::SetOutlineThickness { pt: Pt(0.5) });
        }
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x),
                y: Pt(y),
                width: Pt(w),
                height: Pt(h),
                mode: Some(mode),
                winding_order: None,
            },
        });
        self.ops.push(Op::RestoreGraphicsState);
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, thickness: f32, colour: (f32, f32, f32)) {
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetOutlineColor { col: rgb(colour) });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(thickness) });
        self.ops.push(Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint {
                        p: point(x1, y),
                        bezier: false,
                    },
                    LinePoint {
                        p: point(x2, y),
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        });
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// Sets wrapped text at the cursor, breaking pages between lines.
    fn flow(
        &mut self,
        text: &Inline,
        size: f32,
        x: f32,
        width: f32,
        colour: (f32, f32, f32),
        marker: Option<&str>,
    ) {
        let lh = size * 1.38;
        let lines = self.wrap(text, size, width);
        for (i, line) in lines.iter().enumerate() {
            // Keep the last two lines of a paragraph together.
            let need = if i + 2 == lines.len() { 2.0 * lh } else { lh };
            self.ensure(need);
            let baseline = self.y - size;
            if i == 0 {
                if let Some(m) = marker {
                    let mw = self.faces.regular.width(m, size);
                    self.text_at(m, Style::Regular, x - mw - 4.0, baseline, size, colour);
                }
            }
            self.draw_line(line, x, baseline, size, colour);
            self.y -= lh;
        }
    }

    fn block(&mut self, block: &Block, next: Option<&Block>) {
        match block {
            Block::Heading { level, text } => {
                let (size, before, after) = match level {
                    1 => (22.0, 0.0, 6.0),
                    2 => (13.5, 14.0, 5.0),
                    3 => (11.5, 10.0, 4.0),
                    _ => (10.0, 8.0, 3.0),
                };
                self.gap(before);
                // Keep a heading with the start of what follows it.
                let follow = match next {
                    Some(Block::Table {
                        heatmap: Some(_), ..
                    }) => 190.0,
                    Some(Block::Table { header, rows, .. }) => {
                        self.set_table(header, rows).need + 3.0
                    }
                    _ if *level <= 2 => 90.0,
                    _ => 40.0,
                };
                self.ensure(size * 1.4 + follow);
                let bold: Inline = text
                    .iter()
                    .map(|s| Span {
                        text: s.text.clone(),
                        style: Style::Bold,
                    })
                    .collect();
                self.flow(&bold, size, LEFT, WIDTH, HEADING, None);
                if *level <= 2 {
                    let y = self.y + 2.0;
                    self.hline(
                        LEFT,
                        RIGHT,
                        y,
                        if *level == 1 { 1.2 } else { 0.5 },
                        if *level == 1 { HEADING } else { RULE },
                    );
                    self.y -= 2.0;
                }
                self.y -= after;
            }
            Block::Paragraph {
                text,
                indent,
                marker,
            } => {
                let x = LEFT + f32::from(*indent) * INDENT;
                // A lead-in ("Risks treated:") stays with the start of what it introduces.
                let follow = match next {
                    Some(Block::Table {
                        heatmap: None,
                        header,
                        rows,
                        ..
                    }) => Some(self.set_table(header, rows).need + 3.0),
                    Some(Block::Paragraph {
                        marker: Some(_), ..
                    }) if marker.is_none() => Some(40.0),
                    _ => None,
                };
                if let Some(follow) = follow {
                    let lines = self.wrap(text, BODY, RIGHT - x).len() as f32;
                    self.ensure(lines * BODY * 1.38 + follow);
                }
                self.flow(text, BODY, x, RIGHT - x, INK, marker.as_deref());
                let next_is_item = matches!(
                    next,
                    Some(Block::Paragraph {
                        marker: Some(_),
                        ..
                    })
                );
                self.y -= if marker.is_some() && next_is_item {
                    2.0
                } else {
                    5.0
                };
            }
            Block::Table {
                heatmap: Some(bands),
                header,
                rows,
                ..
            } => self.heatmap(header, rows, bands),
            Block::Table {
                align,
                header,
                rows,
                ..
            } => {
                self.gap(3.0);
                self.table(align, header, rows);
                self.y -= 8.0;
            }
            Block::Code { lines, indent } => self.code_block(lines, *indent),
            Block::Diagram(chart) => self.diagram(chart),
            Block::Rule => {
                self.ensure(10.0);
                let y = self.y - 4.0;
                self.hline(LEFT, RIGHT, y, 0.5, RULE);
                self.y -= 10.0;
            }
        }
    }

    /// A flowchart: a column per layer, a box per node with its label wrapped, an
    /// arrow per edge marked with the edge's id (the text before `:` of its label,
    /// which the table after the diagram explains). Kept on one page.
    fn diagram(&mut self, chart: &diagram::Flowchart) {
        let layers = diagram::layers(chart);
        let columns = layers.iter().max().map_or(1, |m| m + 1);
        let size = TABLE;
        let lh = size * 1.3;
        let col_w = WIDTH / columns as f32;
        let gutter = 26.0_f32.min(col_w * 0.3);
        let box_w = col_w - gutter;
        let wrapped: Vec<Vec<TextLine>> = chart
            .nodes
            .iter()
            .map(|(_, label)| {
                let span = vec![Span {
                    text: label.clone(),
                    style: Style::Regular,
                }];
                self.wrap(&span, size, box_w - 2.0 * PAD)
            })
            .collect();
        let box_h = |i: usize| wrapped[i].len() as f32 * lh + 2.0 * PAD;
        let pitch = (0..chart.nodes.len()).map(box_h).fold(0.0_f32, f32::max) + 14.0;
        let row = diagram::rows(chart, &layers);
        let at: Vec<(f32, f32)> = layers
            .iter()
            .zip(&row)
            .map(|(&l, &r)| (LEFT + l as f32 * col_w, r as f32 * pitch))
            .collect();
        let rows = row.iter().max().map_or(1, |m| m + 1);
        let height = rows as f32 * pitch;
        self.gap(4.0);
        self.ensure(height);
        let top = self.y;
        let index = |id: &str| chart.nodes.iter().position(|(n, _)| n == id);
        // Edges under the boxes.
        for (from, to, label) in &chart.edges {
            let (Some(a), Some(b)) = (index(from), index(to)) else {
                continue;
            };
            let (ax, ay) = (at[a].0, top - at[a].1);
            let (bx, by) = (at[b].0, top - at[b].1);
            let (start, end) = if layers[b] > layers[a] {
                ((ax + box_w, ay - box_h(a) / 2.0), (bx, by - box_h(b) / 2.0))
            } else {
                ((ax + box_w / 2.0, ay - box_h(a)), (bx + box_w / 2.0, by))
            };
            self.segment(start, end, 0.7, MUTED);
            self.arrow_head(start, end, MUTED);
            let id = label.split(':').next().unwrap_or_default().trim();
            if !id.is_empty() && id.len() <= 4 {
                let mid = ((start.0 + end.0) / 2.0, (start.1 + end.1) / 2.0);
                let span = vec![Span {
                    text: id.to_string(),
                    style: Style::Regular,
                }];
                let tag = self.wrap(&span, 6.5, WIDTH).remove(0);
                let w = self.faces.regular.width(id, 6.5) + 3.0;
                self.rect(
                    mid.0 - w / 2.0,
                    mid.1 - 4.0,
                    w,
                    8.0,
                    Some((1.0, 1.0, 1.0)),
                    None,
                );
                self.draw_line(&tag, mid.0 - w / 2.0 + 1.5, mid.1 - 2.3, 6.5, MUTED);
            }
        }
        for (i, lines) in wrapped.iter().enumerate() {
            let (x, y) = (at[i].0, top - at[i].1);
            let h = box_h(i);
            self.rect(x, y - h, box_w, h, Some(HEAD_FILL), Some(HEADING));
            for (k, line) in lines.iter().enumerate() {
                self.draw_line(
                    line,
                    x + PAD,
                    y - PAD - size - k as f32 * lh + 1.0,
                    size,
                    INK,
                );
            }
        }
        self.y = top - height;
        self.gap(4.0);
    }

    /// A straight line from `a` to `b`.
    fn segment(&mut self, a: (f32, f32), b: (f32, f32), thickness: f32, colour: (f32, f32, f32)) {
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetOutlineColor { col: rgb(colour) });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(thickness) });
        self.ops.push(Op::DrawLine {
            line: Line {
                points: [a, b]
                    .into_iter()
                    .map(|(x, y)| LinePoint {
                        p: point(x, y),
                        bezier: false,
                    })
                    .collect(),
                is_closed: false,
            },
        });
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// A filled arrow head at `to`, pointing along the line from `from`.
    fn arrow_head(&mut self, from: (f32, f32), to: (f32, f32), colour: (f32, f32, f32)) {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let len = (dx * dx + dy * dy).sqrt().max(0.001);
        let (ux, uy) = (dx / len, dy / len);
        let (l, w) = (5.0, 2.4);
        let base = (to.0 - ux * l, to.1 - uy * l);
        let points = [
            to,
            (base.0 - uy * w, base.1 + ux * w),
            (base.0 + uy * w, base.1 - ux * w),
        ];
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetFillColor { col: rgb(colour) });
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing {
                    points: points
                        .into_iter()
                        .map(|(x, y)| LinePoint {
                            p: point(x, y),
                            bezier: false,
                        })
                        .collect(),
                }],
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        });
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// A code block: monospace on a light ground, each line as written (leading
    /// spaces kept), an overlong line wrapped; pages break between lines.
    fn code_block(&mut self, lines: &[String], indent: u8) {
        let x = LEFT + f32::from(indent) * INDENT;
        let pad = 4.0;
        let lh = CODE * 1.45;
        let space = self.faces.code.width(" ", CODE);
        let mut set: Vec<(f32, TextLine)> = Vec::new();
        for line in lines {
            let text = line.trim_start_matches(' ');
            let shift = (line.len() - text.len()) as f32 * space;
            let span = vec![Span {
                text: text.to_string(),
                style: Style::Code,
            }];
            for wrapped in self.wrap(&span, CODE, RIGHT - x - 2.0 * pad - shift) {
                set.push((shift, wrapped));
            }
        }
        self.gap(2.0);
        let n = set.len();
        for (i, (shift, line)) in set.iter().enumerate() {
            let above = if i == 0 { pad } else { 0.0 };
            let below = if i + 1 == n { pad } else { 0.0 };
            let h = above + lh + below;
            self.ensure(h);
            let top = self.y;
            self.rect(x, top - h, RIGHT - x, h, Some(CODE_FILL), None);
            self.draw_line(line, x + pad + shift, top - above - CODE, CODE, INK);
            self.y -= h;
        }
        self.y -= 6.0;
    }

    fn column_widths(&self, header: &[Inline], rows: &[Vec<Inline>], n: usize) -> Vec<f32> {
        let mut min = vec![0.0f32; n];
        let mut max = vec![0.0f32; n];
        let cells = header.iter().enumerate().map(|(i, c)| (i, c, true)).chain(
            rows.iter()
                .flat_map(|r| r.iter().enumerate().map(|(i, c)| (i, c, false))),
        );
        for (i, cell, head) in cells {
            if i >= n {
                continue;
            }
            for span in cell {
                let face = self.faces.get(if head { Style::Bold } else { span.style });
                for word in span.text.split_whitespace() {
                    min[i] = min[i].max(face.width(word, TABLE));
                }
            }
            let full: f32 = plain(cell)
                .split('\n')
                .map(|l| {
                    self.faces
                        .get(if head { Style::Bold } else { Style::Regular })
                        .width(l, TABLE)
                })
                .fold(0.0, f32::max);
            max[i] = max[i].max(full);
        }
        let min: Vec<f32> = min.iter().map(|w| w + 2.0 * PAD + 0.5).collect();
        let max: Vec<f32> = max
            .iter()
            .zip(&min)
            .map(|(w, m)| (w + 2.0 * PAD + 0.5).max(*m))
            .collect();
        let (sum_min, sum_max): (f32, f32) = (min.iter().sum(), max.iter().sum());
        if sum_max <= WIDTH * 0.6 {
            // A narrow table (numbers, short labels) keeps near its natural width
            // instead of spreading a few digits across the page.
            max.iter().map(|w| w * 1.25).collect()
        } else if sum_max <= WIDTH {
            let extra = WIDTH - sum_max;
            max.iter().map(|w| w + extra * w / sum_max).collect()
        } else if sum_min >= WIDTH {
            min.iter().map(|w| w * WIDTH / sum_min).collect()
        } else {
            let k = (WIDTH - sum_min) / (sum_max - sum_min);
            min.iter().zip(&max).map(|(a, b)| a + (b - a) * k).collect()
        }
    }

    /// Measures a table: column widths, wrapped cells, and the height that must fit
    /// before it starts (all of a short table; the header and first rows of a long one).
    fn set_table(&self, header: &[Inline], rows: &[Vec<Inline>]) -> SetTable {
        let n = header
            .len()
            .max(rows.iter().map(Vec::len).max().unwrap_or(0));
        let widths = self.column_widths(header, rows, n);
        let lh = TABLE * 1.32;
        let wrap_row = |cells: &[Inline], bold: bool| -> Vec<Vec<TextLine>> {
            (0..n)
                .map(|i| {
                    let cell = cells.get(i).cloned().unwrap_or_default();
                    let cell: Inline = if bold {
                        cell.into_iter()
                            .map(|s| Span {
                                style: Style::Bold,
                                ..s
                            })
                            .collect()
                    } else {
                        cell
                    };
                    self.wrap(&cell, TABLE, widths[i] - 2.0 * PAD)
                })
                .collect()
        };
        let head = wrap_row(header, true);
        let head_h = head.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD;
        let body: Vec<Vec<Vec<TextLine>>> = rows.iter().map(|r| wrap_row(r, false)).collect();
        let heights: Vec<f32> = body
            .iter()
            .map(|r| r.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD)
            .collect();
        let total: f32 = head_h + heights.iter().sum::<f32>();
        let need = if total <= (TOP - BOTTOM) / 2.0 {
            total
        } else {
            let first = heights.iter().take(2).sum::<f32>();
            head_h + first.min(6.0 * lh + 4.0 * PAD)
        };
        SetTable {
            widths,
            head,
            head_h,
            body,
            need,
        }
    }

    fn table(&mut self, align: &[Alignment], header: &[Inline], rows: &[Vec<Inline>]) {
        let t = self.set_table(header, rows);
        if t.widths.is_empty() {
            return;
        }
        let lh = TABLE * 1.32;
        self.ensure(t.need);
        let SetTable {
            widths,
            head,
            head_h,
            body,
            ..
        } = t;
        self.row(&head, &widths, align, 0, usize::MAX, Some(HEAD_FILL));
        for cells in &body {
            let mut start = 0;
            loop {
                let left = cells
                    .iter()
                    .map(|c| c.len().saturating_sub(start))
                    .max()
                    .unwrap_or(0)
                    .max(1);
                let need = left as f32 * lh + 2.0 * PAD;
                if self.y - need >= BOTTOM {
                    self.row(cells, &widths, align, start, usize::MAX, None);
                    break;
                }
                let fit = ((self.y - BOTTOM - 2.0 * PAD) / lh).floor();
                // Split a row only when it is taller than a page would hold anyway
                // or when at least three lines fit; otherwise move it whole.
                let page_lines = ((TOP - BOTTOM - head_h - 2.0 * PAD) / lh).floor();
                if fit >= 3.0 && (left as f32 > page_lines || fit >= left as f32 * 0.5) {
                    let fit = fit as usize;
                    self.row(cells, &widths, align, start, fit, None);
                    start += fit;
                }
                self.new_page();
                self.row(&head, &widths, align, 0, usize::MAX, Some(HEAD_FILL));
            }
        }
    }

    /// Draws lines `start..start + count` of each cell as one row at the cursor.
    fn row(
        &mut self,
        cells: &[Vec<TextLine>],
        widths: &[f32],
        align: &[Alignment],
        start: usize,
        count: usize,
        fill: Option<(f32, f32, f32)>,
    ) {
        let lh = TABLE * 1.32;
        let shown = cells
            .iter()
            .map(|c| c.len().saturating_sub(start).min(count))
            .max()
            .unwrap_or(0)
            .max(1);
        let h = shown as f32 * lh + 2.0 * PAD;
        let top = self.y;
        let mut x = LEFT;
        for (i, lines) in cells.iter().enumerate() {
            let w = widths[i];
            self.rect(x, top - h, w, h, fill, Some(RULE));
            for (k, line) in lines.iter().skip(start).take(count).enumerate() {
                let baseline = top - PAD - k as f32 * lh - TABLE;
                let lx = match align.get(i) {
                    Some(Alignment::Right) => x + w - PAD - line.width,
                    Some(Alignment::Center) => x + (w - line.width) / 2.0,
                    _ => x + PAD,
                };
                self.draw_line(line, lx, baseline, TABLE, INK);
            }
            x += w;
        }
        self.y -= h;
    }

    /// A heat map: impact rows (the highest at the top) by likelihood columns, each
    /// cell in the colour of its band with the number of risks in it. The cells
    /// narrow to fit as many likelihood levels as the methodology has.
    fn heatmap(&mut self, header: &[Inline], rows: &[Vec<Inline>], bands: &HeatTones) {
        let columns_n = header.len().saturating_sub(1).max(1) as f32;
        let label_w = 96.0;
        let cell_w = ((WIDTH - label_w) / columns_n).min(58.0);
        let cell_h = 25.0;
        let total_h = 14.0 + rows.len() as f32 * cell_h + 34.0;
        self.ensure(total_h);
        let top = self.y - 14.0;
        self.text_at("Impact", Style::Bold, LEFT, self.y - 9.0, 8.0, MUTED);
        let columns: Vec<String> = header.iter().skip(1).map(plain).collect();
        for (r, row) in rows.iter().enumerate() {
            let y = top - (r as f32 + 1.0) * cell_h;
            let label = row.first().map(plain).unwrap_or_default();
            let lw = self.faces.regular.width(&label, 8.0);
            self.text_at(
                &label,
                Style::Regular,
                LEFT + label_w - 6.0 - lw,
                y + cell_h / 2.0 - 3.0,
                8.0,
                INK,
            );
            for (c, cell) in row.iter().skip(1).enumerate() {
                let x = LEFT + label_w + c as f32 * cell_w;
                let (red, green, blue) = tone_colour(bands.at(r, c));
                let colour = (
                    f32::from(red) / 255.0,
                    f32::from(green) / 255.0,
                    f32::from(blue) / 255.0,
                );
                self.rect(x, y, cell_w, cell_h, Some(colour), Some((1.0, 1.0, 1.0)));
                let count = plain(cell);
                let zero = count.trim() == "0";
                let (style, size, colour) = if zero {
                    (Style::Regular, 9.0, (0.45, 0.45, 0.45))
                } else {
                    (Style::Bold, 12.0, INK)
                };
                let w = self.faces.get(style).width(&count, size);
                self.text_at(
                    &count,
                    style,
                    x + (cell_w - w) / 2.0,
                    y + cell_h / 2.0 - size * 0.36,
                    size,
                    colour,
                );
            }
        }
        let below = top - rows.len() as f32 * cell_h;
        for (c, name) in columns.iter().enumerate() {
            let x = LEFT + label_w + c as f32 * cell_w;
            let lines = self.wrap(
                &vec![Span {
                    text: name.clone(),
                    style: Style::Regular,
                }],
                7.5,
                cell_w - 4.0,
            );
            for (k, line) in lines.iter().take(2).enumerate() {
                self.draw_line(
                    line,
                    x + (cell_w - line.width) / 2.0,
                    below - 9.0 - k as f32 * 9.0,
                    7.5,
                    INK,
                );
            }
        }
        let axis = "Likelihood";
        let aw = self.faces.bold.width(axis, 8.0);
        self.text_at(
            axis,
            Style::Bold,
            LEFT + label_w + (columns_n * cell_w - aw) / 2.0,
            below - 30.0,
            8.0,
            MUTED,
        );
        self.y -= total_h + 10.0;
    }

    /// The running header and footer of every page, once the page count is known.
    fn furniture(&mut self) {
        let total = self.pages.len();
        let confidential = self.meta.classification == "Confidential";
        let class = self.meta.classification.to_uppercase();
        let title = format!("{} · {}", self.meta.organisation, self.meta.title);
        let footer = format!(
            "{} · source commit {} · {}",
            self.meta.version, self.meta.commit, self.meta.tool
        );
        let pages = std::mem::take(&mut self.pages);
        for (i, mut ops) in pages.into_iter().enumerate() {
            std::mem::swap(&mut self.ops, &mut ops);
            let hy = PAGE_H - 40.0;
            self.text_at(&title, Style::Regular, LEFT, hy, 8.0, MUTED);
            let cw = self.faces.bold.width(&class, 8.0);
            self.text_at(
                &class,
                Style::Bold,
                RIGHT - cw,
                hy,
                8.0,
                if confidential { CONFIDENTIAL } else { MUTED },
            );
            self.hline(LEFT, RIGHT, hy - 6.0, 0.5, RULE);
            self.hline(LEFT, RIGHT, 44.0, 0.5, RULE);
            self.text_at(&footer, Style::Regular, LEFT, 33.0, 7.0, MUTED);
            let page = format!("Page {} of {}", i + 1, total);
            let pw = self.faces.regular.width(&page, 7.5);
            self.text_at(&page, Style::Regular, RIGHT - pw, 33.0, 7.5, MUTED);
            if confidential {
                let note = "Confidential: for auditors under non-disclosure";
                self.text_at(note, Style::Bold, LEFT, 23.0, 7.0, CONFIDENTIAL);
            }
            std::mem::swap(&mut self.ops, &mut ops);
            self.pages.push(ops);
        }
    }
}

fn push_run(line: &mut TextLine, word: &str, style: Style, w: f32, space_w: f32) {
    match line.runs.last_mut() {
        Some(last) if last.style == style => {
            if space_w > 0.0 {
                last.text.push(' ');
            }
            last.text.push_str(word);
            last.width += space_w + w;
        }
        _ => {
            let x = line.width + space_w;
            line.runs.push(Run {
                text: word.to_string(),
                style,
                x,
                width: w,
            });
        }
    }
    line.width += space_w + w;
}

/// Renders a report to an A4 PDF.
pub fn render(report: &Report) -> Result<Pdf> {
    let faces = Faces::load()?;
    let meta = &report.meta;
    let mut layout = Layout::new(&faces, meta);
    let blocks = blocks::parse(&report.markdown);
    for (i, block) in blocks.iter().enumerate() {
        layout.block(block, blocks.get(i + 1));
    }
    layout.new_page();
    layout.furniture();
    let page_count = layout.pages.len();

    let mut doc = PdfDocument::new(&meta.title);
    let info = &mut doc.metadata.info;
    info.author = meta.organisation.clone();
    info.creator = meta.tool.clone();
    info.producer = meta.tool.clone();
    info.subject = format!(
        "{} ({}), source commit {}",
        meta.title, meta.classification, meta.commit
    );
    info.identifier = meta.commit.to_string();
    let when = printpdf::OffsetDateTime::from_unix_timestamp(meta.time)
        .map_err(|e| Error::Template(format!("commit time: {e}")))?;
    info.creation_date = when;
    info.modification_date = when;
    info.metadata_date = when;
    for face in faces.all() {
        doc.resources
            .fonts
            .map
            .insert(face.id.clone(), PdfFont::new(face.font.clone()));
    }
    let pages = layout
        .pages
        .into_iter()
        .map(|ops| PdfPage::new(Mm(210.0), Mm(297.0), ops))
        .collect();
    doc.with_pages(pages);
    let options = PdfSaveOptions {
        subset_fonts: true,
        optimize: true,
        ..Default::default()
    };
    let mut warnings = Vec::new();
    let mut pdf = doc.to_lopdf_document(&options, &mut warnings);
    pdf.compress();
    let id = |s: String| lopdf::Object::String(s.into_bytes(), lopdf::StringFormat::Literal);
    pdf.trailer.set(
        "ID",
        lopdf::Object::Array(vec![
            id(meta.commit.to_string()),
            id(format!("{}-{}", meta.kind, meta.commit)),
        ]),
    );
    let mut bytes = Vec::new();
    pdf.save_to(&mut bytes)
        .map_err(|e| Error::Template(format!("writing the PDF: {e}")))?;
    Ok(Pdf {
        bytes,
        pages: page_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ReportKind;

    fn report(markdown: &str) -> Report {
        Report {
            meta: ReportMeta {
                kind: ReportKind::Register.as_str().to_string(),
                title: "Risk Register".into(),
                organisation: "Kestrel Cart".into(),
                classification: "Confidential".into(),
                version: "Revision 3".into(),
                commit: git2::Oid::from_str("0123456789abcdef0123456789abcdef01234567")
                    .expect("a commit id")
                    .into(),
                date: "2026-05-12".into(),
                time: 1_778_580_000,
                tool: "ISMS Desk test".into(),
            },
            markdown: markdown.to_string(),
        }
    }

    #[test]
    fn rendering_twice_in_one_process_gives_the_same_bytes() {
        // printpdf draws its ids from a process-wide counter; ours must not.
        let r = report("# Title\n\nÆble, ø and å — “quoted” § 4.\n");
        let a = render(&r).expect("renders");
        let b = render(&r).expect("renders");
        assert!(
            a.bytes == b.bytes,
            "bytes differ between two renders in one process"
        );
        assert_eq!(a.pages, 1);
    }

    #[test]
    fn a_code_block_keeps_its_lines_and_their_indentation_in_monospace() {
        let md = "Check it:\n\n```\ngit verify-commit 0123abcd\n  --verbose\n\nisms verify\n```\n\nAfter.\n";
        let page = &laid_out(md)[0];
        let at = |t: &str| {
            page.iter()
                .find(|(_, _, text)| text == t)
                .unwrap_or_else(|| panic!("{t:?} is set: {page:?}"))
                .clone()
        };
        let (x1, y1, _) = at("git verify-commit 0123abcd");
        let (x2, y2, _) = at("--verbose");
        let (x3, y3, _) = at("isms verify");
        let (_, y4, _) = at("After.");
        let faces = Faces::load().expect("fonts");
        let two = faces.code.width("  ", CODE);
        assert!(
            (x2 - x1 - two).abs() < 0.01,
            "indented by two spaces: {x1} {x2}"
        );
        assert!((x3 - x1).abs() < 0.01);
        // In order, one line each, with the blank line kept.
        let lh = CODE * 1.45;
        assert!((y1 - y2 - lh).abs() < 0.01 && (y2 - y3 - 2.0 * lh).abs() < 0.01);
        assert!(y4 < y3);
        // Monospace: every character has the same advance.
        assert_eq!(
            faces.code.width("iiii", CODE),
            faces.code.width("WWWW", CODE)
        );
        let pdf = render(&report(md)).expect("renders");
        assert_eq!(pdf.pages, 1);
    }

    /// Lays markdown out (without the page furniture) and returns each page's text
    /// runs with their absolute position: (x, baseline, text).
    fn laid_out(markdown: &str) -> Vec<Vec<(f32, f32, String)>> {
        let faces = Faces::load().expect("fonts");
        let r = report(markdown);
        let mut layout = Layout::new(&faces, &r.meta);
        let blocks = blocks::parse(markdown);
        for (i, block) in blocks.iter().enumerate() {
            layout.block(block, blocks.get(i + 1));
        }
        layout.new_page();
        layout
            .pages
            .iter()
            .map(|ops| {
                let mut out = Vec::new();
                let (mut x, mut y, mut first) = (0.0, 0.0, true);
                for op in ops {
                    match op {
                        Op::StartTextSection => first = true,
                        Op::SetTextCursor { pos } if first => {
                            (x, y, first) = (pos.x.0, pos.y.0, false);
                        }
                        Op::SetTextCursor { pos } => x += pos.x.0,
                        Op::ShowText { items } => {
                            for item in items {
                                if let TextItem::Text(t) = item {
                                    out.push((x, y, t.clone()));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                out
            })
            .filter(|p: &Vec<_>| !p.is_empty())
            .collect()
    }

    #[test]
    fn a_long_table_repeats_its_header_on_every_page_and_stays_inside_the_margins() {
        let mut md = String::from("# Register\n\n| Id | Text | Owner |\n|---|---|---|\n");
        for i in 0..150 {
            md.push_str(&format!(
                "| R-{i:03} | row {i} with a few words in it | Head of Product |\n"
            ));
        }
        // One cell taller than a page: the row is split, not lost or clipped.
        md.push_str(&format!("| R-999 | {}end | ism |\n", "ipsum ".repeat(3000)));
        let pages = laid_out(&md);
        assert!(pages.len() >= 6, "{} pages", pages.len());
        for (n, page) in pages.iter().enumerate() {
            assert!(
                page.iter().any(|(_, _, t)| t == "Id"),
                "page {} has no header row",
                n + 1
            );
            for (x, y, t) in page {
                assert!(
                    *x >= LEFT - 0.01 && *x < RIGHT,
                    "page {}: {t:?} starts at x {x}",
                    n + 1
                );
                assert!(*y >= BOTTOM && *y <= TOP, "page {}: {t:?} at y {y}", n + 1);
            }
        }
        let all: Vec<&str> = pages.iter().flatten().map(|(_, _, t)| t.as_str()).collect();
        assert!(all.contains(&"R-149") && all.iter().any(|t| t.ends_with("end")));
        let words: usize = all.iter().map(|t| t.matches("ipsum").count()).sum();
        assert_eq!(words, 3000, "every word of the tall cell is set once");
    }

    #[test]
    fn wrapping_keeps_lines_within_the_width_and_breaks_overlong_words() {
        let faces = Faces::load().expect("fonts");
        let r = report("");
        let layout = Layout::new(&faces, &r.meta);
        let text = vec![Span {
            text: format!("short words then {} end", "x".repeat(400)),
            style: Style::Regular,
        }];
        let lines = layout.wrap(&text, 9.5, 200.0);
        assert!(lines.len() > 3);
        for line in &lines {
            assert!(line.width <= 200.0 + 0.01, "{}", line.width);
        }
        let joined: String = lines
            .iter()
            .flat_map(|l| l.runs.iter().map(|r| r.text.clone()))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(joined.starts_with("short words then xxx"));
        assert!(joined.ends_with("end"));
    }
}
