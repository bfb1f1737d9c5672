//! The domain: what an ISMS records and the rules that hold between records.
//!
//! Pure data and rules — no file system, git, SQL or clock (pass `today` in). Derived
//! values (a risk's score and band, why a control is in the SoA) are never stored:
//! [`scoring`] computes them, and every view, report and check calls it.

pub mod audits;
pub mod checks;
pub mod compare;
pub mod config;
pub mod evidence;
pub mod kind;
pub mod narrative;
pub mod people;
pub mod publication;
pub mod records;
pub mod references;
pub mod scoring;
pub mod soc2;
pub mod suppliers;
pub mod system;
pub mod words;

pub use audits::*;
pub use config::*;
pub use evidence::*;
pub use kind::*;
pub use publication::*;
pub use records::*;
pub use scoring::*;
pub use soc2::*;
pub use suppliers::*;
pub use system::*;
