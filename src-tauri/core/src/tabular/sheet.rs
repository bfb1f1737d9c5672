//! Reading a spreadsheet into grids of cells that know where they are: `.xlsx`,
//! `.xls` and `.ods` through calamine, `.csv` with its delimiter, encoding (UTF-8 or
//! Windows-1252) and byte-order mark detected. A cell is addressed as Excel shows it
//! (`Risks!C7`), so every problem can be named by its cell.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{Data, DataType, Reader};
use chrono::NaiveDate;

use crate::{Error, Result};

/// What a cell holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// TRUE or FALSE.
    Bool(bool),
    /// A date (a date cell, or an ISO date an OpenDocument file stores).
    Date(NaiveDate),
    /// A formula's error (`#DIV/0!`).
    Error(String),
}

impl Value {
    /// The value as a person reads it in the cell.
    pub fn shown(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(t) => t.clone(),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => {
                if *b {
                    "TRUE".into()
                } else {
                    "FALSE".into()
                }
            }
            Value::Date(d) => d.to_string(),
            Value::Error(e) => e.clone(),
        }
    }

    /// Whether the cell is empty or blank text.
    pub fn is_blank(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// One sheet's cells, row by row from its first used row and column.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The sheet's name (the file name for a CSV).
    pub sheet: String,
    /// The cells; rows may be shorter than others.
    pub rows: Vec<Vec<Value>>,
    /// Cells (row, column, as indexes into `rows`) computed by a formula.
    pub formulas: HashSet<(usize, usize)>,
    /// The 0-based sheet row of `rows[0]`.
    pub first_row: u32,
    /// The 0-based sheet column of each row's first cell.
    pub first_col: u32,
    /// The rows and columns the workbook hides.
    pub hidden: super::hidden::Hidden,
}

impl Grid {
    /// The cell at (`row`, `col`), indexes into `rows`.
    pub fn at(&self, row: usize, col: usize) -> &Value {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .unwrap_or(&Value::Empty)
    }

    /// The row number as the spreadsheet shows it (from 1).
    pub fn row_number(&self, row: usize) -> u32 {
        self.first_row + row as u32 + 1
    }

    /// The column letters as the spreadsheet shows them (`A`, `AB`).
    pub fn column_letters(&self, col: usize) -> String {
        letters(self.first_col + col as u32)
    }

    /// Whether row `row` (an index into `rows`) is hidden in the spreadsheet.
    pub fn row_hidden(&self, row: usize) -> bool {
        self.hidden.row(self.first_row + row as u32)
    }

    /// Whether column `col` (an index into a row) is hidden in the spreadsheet.
    pub fn column_hidden(&self, col: usize) -> bool {
        self.hidden.column(self.first_col + col as u32)
    }

    /// `Risks!C7`.
    pub fn reference(&self, row: usize, col: usize) -> String {
        format!(
            "{}!{}{}",
            self.sheet,
            self.column_letters(col),
            self.row_number(row)
        )
    }
}

/// Column letters of a 0-based column: 0 → `A`, 27 → `AB`.
pub fn letters(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push((b'A' + rem as u8) as char);
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// Every sheet of a spreadsheet file: a workbook by its content, a CSV by its name.
pub fn read(name: &str, bytes: &[u8]) -> Result<Vec<Grid>> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".csv") || lower.ends_with(".txt") || lower.ends_with(".tsv") {
        let stem = std::path::Path::new(name)
            .file_stem()
            .map_or_else(|| name.to_string(), |s| s.to_string_lossy().into_owned());
        return Ok(vec![read_csv(&stem, bytes)?]);
    }
    read_workbook(name, bytes)
}

fn read_workbook(name: &str, bytes: &[u8]) -> Result<Vec<Grid>> {
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| {
            Error::Usage(format!(
                "{name}: not a spreadsheet ISMS Desk can read (.xlsx, .xls, .ods or .csv): {e}"
            ))
        })?;
    let mut grids = Vec::new();
    let mut hidden = super::hidden::of_workbook(bytes);
    for sheet in book.sheet_names() {
        let range = book
            .worksheet_range(&sheet)
            .map_err(|e| Error::Usage(format!("{name}: sheet {sheet} cannot be read: {e}")))?;
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<Value>> = range
            .rows()
            .map(|r| r.iter().map(value_of).collect())
            .collect();
        let mut formulas = HashSet::new();
        if let Ok(f) = book.worksheet_formula(&sheet) {
            if let Some((fr, fc)) = f.start() {
                for (r, row) in f.rows().enumerate() {
                    for (c, text) in row.iter().enumerate() {
                        if !text.is_empty() {
                            let (ar, ac) = (fr + r as u32, fc + c as u32);
                            if ar >= first_row && ac >= first_col {
                                formulas
                                    .insert(((ar - first_row) as usize, (ac - first_col) as usize));
                            }
                        }
                    }
                }
            }
        }
        // An OpenDocument file keeps a formula's error as its text (`#DIV/0!`).
        for &(r, c) in &formulas {
            if let Some(cell) = rows.get_mut(r).and_then(|row| row.get_mut(c)) {
                if let Value::Text(t) = cell {
                    if [
                        "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#N/A", "#NUM!", "#NULL!",
                        "Err:502", "Err:504",
                    ]
                    .contains(&t.trim())
                    {
                        *cell = Value::Error(t.trim().to_string());
                    }
                }
            }
        }
        // A merged cell holds its value in its first cell only; every cell it covers
        // reads that value, as a person sees it.
        if let calamine::Sheets::Xlsx(x) = &mut book {
            if let Ok(regions) = x.merge_cells_by_sheet_name(&sheet) {
                for region in regions {
                    let (sr, sc) = region.start;
                    let (er, ec) = region.end;
                    if sr < first_row || sc < first_col {
                        continue;
                    }
                    let (sr, sc, er, ec) = (
                        (sr - first_row) as usize,
                        (sc - first_col) as usize,
                        (er - first_row) as usize,
                        (ec - first_col) as usize,
                    );
                    let value = rows
                        .get(sr)
                        .and_then(|r| r.get(sc))
                        .cloned()
                        .unwrap_or(Value::Empty);
                    for row in rows.iter_mut().take(er + 1).skip(sr) {
                        for cell in row.iter_mut().take(ec + 1).skip(sc) {
                            if cell.is_blank() {
                                *cell = value.clone();
                            }
                        }
                    }
                }
            }
        }
        grids.push(Grid {
            hidden: hidden.remove(&sheet).unwrap_or_default(),
            sheet,
            rows,
            formulas,
            first_row,
            first_col,
        });
    }
    Ok(grids)
}

fn value_of(d: &Data) -> Value {
    match d {
        Data::Empty => Value::Empty,
        Data::String(s) => Value::Text(s.clone()),
        Data::Int(i) => Value::Number(*i as f64),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(_) | Data::DateTimeIso(_) => d
            .as_date()
            .map_or_else(|| Value::Text(d.to_string()), Value::Date),
        Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Error(e.to_string()),
    }
}

/// A CSV file: UTF-8 (a byte-order mark is dropped) or, when it is not valid UTF-8,
/// Windows-1252; the delimiter is the one of `,`, `;` and tab that splits the first
/// lines most evenly.
fn read_csv(name: &str, bytes: &[u8]) -> Result<Grid> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    };
    // The delimiter that splits the first records into the same number of fields
    // most often (quoted cells, with their own commas and line breaks, taken whole).
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| {
            let mut counts: HashMap<usize, usize> = HashMap::new();
            let reader = csv::ReaderBuilder::new()
                .delimiter(*d)
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            for record in reader.into_records().take(20).flatten() {
                if record.len() > 1 {
                    *counts.entry(record.len()).or_default() += 1;
                }
            }
            counts
                .into_iter()
                .max_by_key(|(n, f)| (*f, *n))
                .unwrap_or((0, 0))
                .1
        })
        .unwrap_or(b',');
    // The csv reader skips blank lines; a spreadsheet counts them as rows, so each is
    // kept as a row of empty cells and every row keeps the number people see.
    let text = keep_blank_lines(&text, delimiter as char);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| Error::Usage(format!("{name}.csv: line {}: {e}", k + 1)))?;
        rows.push(
            record
                .iter()
                .map(|c| {
                    if c.is_empty() {
                        Value::Empty
                    } else {
                        Value::Text(c.to_string())
                    }
                })
                .collect(),
        );
    }
    Ok(Grid {
        sheet: name.to_string(),
        rows,
        formulas: HashSet::new(),
        first_row: 0,
        first_col: 0,
        hidden: Default::default(),
    })
}

/// `text` with each blank line outside quotes holding one delimiter.
fn keep_blank_lines(text: &str, delimiter: char) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_quotes = false;
    let mut line_start = true;
    for c in text.chars() {
        if line_start && !in_quotes && (c == '\n' || c == '\r') {
            out.push(delimiter);
        }
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' if !in_quotes => {
                out.push(c);
                line_start = true;
                continue;
            }
            '\r' => {
                out.push(c);
                continue;
            }
            _ => {}
        }
        line_start = false;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_excel_letters_them() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
        assert_eq!(letters(701), "ZZ");
        assert_eq!(letters(702), "AAA");
    }

    #[test]
    fn a_csv_s_delimiter_encoding_and_bom_are_found() {
        let semicolons = "\u{feff}Risk ID;Title;Owner\nR-001;Café löst;CTO\n".as_bytes();
        let grid = read_csv("register", semicolons).expect("reads");
        assert_eq!(grid.at(0, 0), &Value::Text("Risk ID".into()));
        assert_eq!(grid.at(1, 1), &Value::Text("Café löst".into()));
        let latin: Vec<u8> = b"Id,Title\nR-001,Caf\xe9\n".to_vec();
        let grid = read_csv("register", &latin).expect("reads Windows-1252");
        assert_eq!(grid.at(1, 1), &Value::Text("Café".into()));
        assert_eq!(grid.reference(1, 1), "register!B2");
        let blank =
            read_csv("b", b"Title row\n\nId,Title\nR-001,\"Two\n\nlines\"\n").expect("reads");
        assert_eq!(
            blank.at(2, 0),
            &Value::Text("Id".into()),
            "the blank line is row 2"
        );
        assert_eq!(blank.reference(3, 1), "b!B4");
        assert_eq!(blank.at(3, 1), &Value::Text("Two\n\nlines".into()));
        let tabs = b"Id\tTitle\nR-001\tA, B\n";
        assert_eq!(
            read_csv("t", tabs).expect("reads").at(1, 1),
            &Value::Text("A, B".into())
        );
    }
}
