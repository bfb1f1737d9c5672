//! Which rows and columns a workbook hides. calamine reads a hidden row's cells like
//! any other's but does not say it is hidden; a register often hides rows (closed
//! risks, a filter) and helper columns, and the import must say what it reads that the
//! person does not see. So the sheets' XML is read here: `.xlsx` (`<row hidden="1">`,
//! `<col min max hidden="1">`) and `.ods` (`table:visibility="collapse"` or
//! `"filter"` on rows and columns, with their repeat counts). An `.xls` file (binary)
//! or anything unreadable gives no hidden rows: the import reads every row either way.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// Hidden rows and columns of one sheet, as ranges of 0-based sheet indexes
/// (inclusive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hidden {
    /// Hidden rows.
    pub rows: Vec<(u32, u32)>,
    /// Hidden columns.
    pub columns: Vec<(u32, u32)>,
}

impl Hidden {
    /// Whether sheet row `row` (0-based) is hidden.
    pub fn row(&self, row: u32) -> bool {
        self.rows.iter().any(|(a, b)| (*a..=*b).contains(&row))
    }

    /// Whether sheet column `col` (0-based) is hidden.
    pub fn column(&self, col: u32) -> bool {
        self.columns.iter().any(|(a, b)| (*a..=*b).contains(&col))
    }
}

/// The hidden rows and columns of each sheet of a workbook, by sheet name.
pub fn of_workbook(bytes: &[u8]) -> HashMap<String, Hidden> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return HashMap::new();
    };
    let mut read = |name: &str| -> Option<String> {
        let mut file = zip.by_name(name).ok()?;
        let mut text = String::new();
        file.read_to_string(&mut text).ok()?;
        Some(text)
    };
    if let Some(content) = read("content.xml") {
        return of_ods(&content);
    }
    let (Some(workbook), Some(rels)) =
        (read("xl/workbook.xml"), read("xl/_rels/workbook.xml.rels"))
    else {
        return HashMap::new();
    };
    let targets: HashMap<String, String> = elements(&rels, "Relationship")
        .into_iter()
        .filter_map(|a| Some((a.get("Id")?.clone(), a.get("Target")?.clone())))
        .collect();
    let mut out = HashMap::new();
    for sheet in elements(&workbook, "sheet") {
        let (Some(name), Some(id)) = (sheet.get("name"), sheet.get("r:id")) else {
            continue;
        };
        let Some(target) = targets.get(id) else {
            continue;
        };
        let path = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("xl/{target}"),
        };
        let Some(xml) = read(&path) else { continue };
        let mut hidden = Hidden::default();
        for row in elements(&xml, "row") {
            if is_true(row.get("hidden")) {
                if let Some(r) = row.get("r").and_then(|r| r.parse::<u32>().ok()) {
                    hidden.rows.push((r - 1, r - 1));
                }
            }
        }
        for col in elements(&xml, "col") {
            if is_true(col.get("hidden")) {
                let min = col.get("min").and_then(|m| m.parse::<u32>().ok());
                let max = col.get("max").and_then(|m| m.parse::<u32>().ok());
                if let (Some(min), Some(max)) = (min, max) {
                    hidden
                        .columns
                        .push((min.saturating_sub(1), max.saturating_sub(1)));
                }
            }
        }
        if hidden != Hidden::default() {
            out.insert(name.clone(), hidden);
        }
    }
    out
}

fn is_true(value: Option<&String>) -> bool {
    value.is_some_and(|v| v == "1" || v == "true")
}

/// The attributes of every element named `name` (start or empty), in order.
fn elements(xml: &str, name: &str) -> Vec<HashMap<String, String>> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.name().as_ref() == name => {
                out.push(attributes(&e));
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

fn attributes(e: &BytesStart) -> HashMap<String, String> {
    e.attributes()
        .flatten()
        .filter_map(|a| {
            let key = a.key.as_ref().to_string();
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .ok()?
                .into_owned();
            Some((key, value))
        })
        .collect()
}

/// An OpenDocument spreadsheet's `content.xml`: rows and columns counted in document
/// order within each `table:table`, repeats included.
fn of_ods(content: &str) -> HashMap<String, Hidden> {
    let mut reader = Reader::from_str(content);
    let mut out = HashMap::new();
    let mut current: Option<(String, Hidden, u32, u32)> = None;
    // Rows and columns of a table inside a cell (a sub-table) are not the sheet's.
    let mut depth = 0u32;
    loop {
        let event = reader.read_event();
        let (e, empty) = match &event {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(e)) if e.name().as_ref() == "table:table" => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let Some((name, hidden, _, _)) = current.take() {
                        if hidden != Hidden::default() {
                            out.insert(name, hidden);
                        }
                    }
                }
                continue;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => continue,
        };
        match e.name().as_ref() {
            "table:table" if !empty => {
                depth += 1;
                if depth == 1 {
                    let a = attributes(e);
                    current = a
                        .get("table:name")
                        .map(|n| (n.clone(), Hidden::default(), 0, 0));
                }
            }
            "table:table-row" | "table:table-column" if depth == 1 => {
                let Some((_, hidden, rows, cols)) = current.as_mut() else {
                    continue;
                };
                let a = attributes(e);
                let is_row = e.name().as_ref() == "table:table-row";
                let repeat_key = if is_row {
                    "table:number-rows-repeated"
                } else {
                    "table:number-columns-repeated"
                };
                let repeat = a
                    .get(repeat_key)
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(1)
                    .max(1);
                let at = if is_row { rows } else { cols };
                if matches!(
                    a.get("table:visibility").map(String::as_str),
                    Some("collapse" | "filter")
                ) {
                    let range = (*at, at.saturating_add(repeat - 1));
                    if is_row {
                        hidden.rows.push(range);
                    } else {
                        hidden.columns.push(range);
                    }
                }
                *at = at.saturating_add(repeat);
            }
            _ => {}
        }
    }
    out
}
