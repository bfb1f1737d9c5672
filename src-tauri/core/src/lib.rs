//! # isms-core
//!
//! The core of ISMS Desk: everything an ISO/IEC 27001:2022 ISMS records, read from
//! and written to an ordinary git repository of markdown files with YAML front matter.
//!
//! The crate is layered so that each layer can be reasoned about on its own:
//!
//! - [`domain`] is pure data and rules: risks, the Statement of Applicability,
//!   treatments, documents, assessments, the methodology that scores risks, and the
//!   cross-record [`checks`](domain::checks). No file system, no git, no SQL, no clock:
//!   callers pass `today` in.
//! - [`mod@format`] turns file text into domain records and back. Parse errors name the
//!   file, the line and the field; writes are canonical, and unknown keys and body
//!   text survive a rewrite untouched.
//! - [`Isms`] is an opened ISMS repository: where disk, git and the [`index`] meet.
//!   Paths never leave the repository; saves are atomic.
//! - [`index`] is a SQLite index inside `.git` for lists, filters and full-text
//!   search. It is derived: deleting it loses nothing.
//! - [`git`], [`report`] and [`signoff`] commit, render and sign off, each from
//!   commits, never from unsaved edits.
//! - [`api`] is the use cases: what the desktop app and the `isms` command line call,
//!   one module per screen or command group.
//!
//! ARCHITECTURE.md at the repository root is the map: the layers, where each rule
//! lives, and the trust model of sign-off.
//!
//! ```no_run
//! use isms_core::{Isms, domain::checks};
//! let isms = Isms::open("sample-isms".as_ref())?;
//! let loaded = isms.load()?;
//! let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("a valid date");
//! let report = checks::run(&loaded.records, &loaded.errors, &isms_core::catalogue::annex_a(), today);
//! println!("{} findings", report.findings.len());
//! # Ok::<(), isms_core::Error>(())
//! ```

pub mod api;
pub mod catalogue;
pub mod domain;
mod error;
pub mod format;
pub mod fsio;
pub mod git;
pub mod index;
pub mod init;
mod isms;
pub mod logging;
pub mod report;
pub mod settings;
pub mod signoff;
pub mod store;
#[cfg(feature = "synthetic")]
pub mod synthetic;
pub mod tabular;

pub use error::{Error, ErrorCode, LoadError, Result};
pub use isms::{Isms, Loaded, RecordKind, Records};

/// What an [`Isms`] hands out besides the domain types: record files and parsed records of any kind.
pub mod repository {
    pub use crate::isms::{
        emit_any, folders, parse_text, AnyRecord, ParsedFile, RecordFile, RecordKind, Records,
        CONFIG_FILE, REPORTS_FOLDER,
    };
}
