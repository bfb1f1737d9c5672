//! Aligned text tables for people at a terminal. Column widths count characters,
//! not bytes, so "København" lines up.

/// A table being built.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    indent: usize,
    show_header: bool,
}

impl Table {
    /// A table with these column headings.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            indent: 0,
            show_header: true,
        }
    }

    /// Indents every line.
    pub fn indent(mut self, n: usize) -> Self {
        self.indent = n;
        self
    }

    /// Leaves the heading line out.
    pub fn without_header(mut self) -> Self {
        self.show_header = false;
        self
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text; the last column is not padded.
    pub fn render(&self) -> String {
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = if self.show_header {
            self.header.iter().map(|h| width(h)).collect()
        } else {
            vec![0; self.header.len()]
        };
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(width(cell));
                }
            }
        }
        let mut out = String::new();
        let lines = self
            .show_header
            .then_some(&self.header)
            .into_iter()
            .chain(self.rows.iter());
        for cells in lines {
            let mut line = " ".repeat(self.indent);
            for (i, cell) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(widths[i] - width(cell) + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// The table as CSV (RFC 4180): the header, then the rows; a dash standing for
    /// nothing is an empty cell, and a cell that begins like a formula is marked as
    /// text (`tabular::formula_safe`).
    pub fn csv(&self) -> String {
        let field = |s: &str| {
            let s = if s == "–" { "" } else { s };
            let s = &*isms_core::tabular::formula_safe(s);
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        for cells in std::iter::once(&self.header).chain(self.rows.iter()) {
            let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        out
    }
}
