//! Whole-system tests of ISMS Desk: the one integration-test binary.
//!
//! Every test works on `sample-isms/` (read-only) or on a temporary copy of it with a
//! fixed date; nothing depends on the wall clock. Modules:
//!
//! - `format`: parse errors with file, line and field; byte-exact round trips.
//! - `crash`: the kill harness — saves and commits killed at random instants.
//! - `checks`: every check rule, once firing and once not.
//! - `audits`: internal audits and findings: independence, coverage, closure rules.
//! - `documents`: controlled documents, audit reports and management reviews signed off.
//! - `auditor`: what the auditor receives — the audit pack checked with stock tools,
//!   the year-over-year comparison, the OSCAL export.
//! - `evidence`: evidence files and references, their hashes and freshness.
//! - `index`: the SQLite index, its rebuild and its search.
//! - `git`: signed commits checked by the real git, verify-commits, timelines, diffs.
//! - `store`: saves — validation, conflicts, id allocation, closing, the index after a save.
//! - `sync`: fetch, pull (merging records field by field) and push with a bare remote.
//! - `cli`: the `isms` command line, including the golden output of `isms check`.
//! - `reports`: the four reports — golden markdown, PDFs checked with qpdf and poppler.
//! - `app`: end-to-end scenarios of the desktop app through tauri-driver (ignored unless asked
//!   for; `scripts/test.sh` runs them under Xvfb).
//! - `views`: what the app's screens show (isms_core::api), committing as the app does.
//! - `roundtrip`: property tests of the YAML writer: records and edits round-trip.
//! - `layering`: no module of isms-core uses a module above it.
//! - `attacks`: the adversarial suite of sign-off — each attack built with plain git and
//!   ssh-keygen, rejected with its cause; every legitimate route still verifies.
//! - `signoff`: sign-off chains with three people and keys, each kind of wrong chain
//!   rejected; evidence cross-checked with `git verify-commit` and `ssh-keygen -Y verify`.
//! - `publication`: the public security page — published, signed, checked with stock
//!   tools, never promising more than the SoA, leaking nothing internal.
//! - `soc2`: SOC 2 from the same controls — the mapping, an ISMS's overrides,
//!   coverage gaps, the matrix of a commit.
//! - `shell`: the desktop shell's CSP and capabilities stay strict.
//! - `bindings`: the TypeScript bindings in `ui/src/bindings/` match the Rust types.

mod app;
mod attacks;
mod auditor;
mod audits;
mod bindings;
mod checks;
mod cli;
mod crash;
mod documents;
mod evidence;
mod format;
mod fuzz;
mod git;
mod index;
mod layering;
mod methodology;
mod publication;
mod reports;
mod roundtrip;
mod shell;
mod signoff;
mod soc2;
mod spreadsheets;
mod store;
mod support;
mod sync;
mod views;
