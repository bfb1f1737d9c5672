//! Spreadsheets in and out: the Excel export of a commit ([`export`]), and the import
//! of a risk register, an SoA or a treatment plan laid out its owner's way
//! ([`import`]), both over the one list of columns and their synonyms ([`columns`]) and
//! a reader that addresses every cell as the spreadsheet shows it ([`sheet`]) and knows
//! which rows and columns the workbook hides ([`hidden`]).

pub mod columns;
pub mod export;
pub mod hidden;
pub mod import;
pub mod sheet;

/// A cell of CSV output as text a spreadsheet will not run: a value that begins like a
/// formula (`=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as
/// spreadsheets themselves mark text. Record text comes from anyone with push access,
/// and a CSV opened in a spreadsheet would otherwise run `=HYPERLINK(…)`.
pub fn formula_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}
