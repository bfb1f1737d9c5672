//! Spreadsheets in and out: the Excel export of a commit ([`export`]), and the import
//! of a risk register or an SoA laid out its owner's way ([`import`]), both over the
//! one list of columns and their synonyms ([`columns`]) and a reader that addresses
//! every cell as the spreadsheet shows it ([`sheet`]).

pub mod columns;
pub mod export;
pub mod import;
pub mod sheet;
