//! The use cases of ISMS Desk: what a person does, one module per screen or command,
//! named after what it does. The desktop shell's commands and the `isms` command line
//! are both thin layers over this module, and hold no rules of their own: the CLI's
//! `--format json` prints the same structures the app receives.
//!
//! Nothing here reads global state. The person's [`Settings`] and how a key's
//! passphrase is obtained come in as a [`Session`], made once at the edge (the app's
//! start, the command line's `main`); `today` comes in as a value.
//!
//! Every view is plain data (serde, and TypeScript types through the `ts` feature).
//! Lists come from the [`index`](crate::index), so they stay fast on a register of
//! 10,000 risks; a record opened for editing is read from its file, with the
//! [`Revision`] to hand back on save. Derived values — scores, bands, what cites a
//! control, what is overdue — come from the domain's one function for each.

pub mod audit_pack;
pub mod audits;
pub mod commits;
pub mod compare;
pub mod dashboard;
pub mod documents;
pub mod evidence;
pub mod files;
pub mod methodology;
pub mod open;
pub mod oscal;
pub mod publish;
pub mod records;
pub mod register;
pub mod reports;
pub mod risk;
pub mod settings;
pub mod signoff;
pub mod soa;
pub mod soc2;
pub mod spreadsheets;
pub mod suppliers;
pub mod treatments;

use std::collections::HashMap;

pub use audit_pack::{AuditPack, PackRevision, PackedDocument};
pub use audits::{
    AuditLine, AuditProgramme, FindingLine, Nonconformities, ObjectiveLine, Objectives, ReviewLine,
    ReviewPack, Reviews,
};
pub use commits::{CommitOptions, FieldChoice, Signing};
pub use compare::{ComparisonPreview, YearOverYear};
pub use dashboard::{AuditCoverage, BandCounts, Dashboard, HeatMap, OverdueAction, OverdueReview};
pub use documents::{AssessmentLine, Assessments, DocumentLine, Documents};
pub use files::FileText;
pub use methodology::{MethodologyChanged, MethodologyView, RescoreLine};
pub use open::Opened;
pub use oscal::OscalExport;
pub use publish::{PublishFrom, PublishedSite};
pub use records::Shown;
pub use register::{Register, RegisterQuery, RiskLink};
pub use reports::{Exported, ReportPreview};
pub use risk::{Choice, Reference, ReportChoice, RiskView, Section, SignoffChoice};
pub use settings::{AgentKey, KeyView, SettingsView};
pub use signoff::{SignoffBoard, SignoffCard, APP_REMOTE};
pub use soa::{Soa, SoaLine};
pub use soc2::{CriterionControl, CriterionLine, Soc2View};
pub use suppliers::{SupplierLine, Suppliers};
pub use treatments::{TreatmentLine, TreatmentPlan};

use crate::domain::Methodology;
use crate::git::signing::{KeySource, Signer};
use crate::git::sync::Credentials;
use crate::index::RiskRow;
use crate::isms::Isms;
use crate::settings::Settings;
use crate::{Error, Result};

/// How the passphrase of a signing key that needs one is obtained.
#[derive(Clone, Copy)]
pub enum Passphrase<'a> {
    /// The passphrase typed for this action, if any (the app). Without one, a key that
    /// needs it is refused with [`Error::PassphraseRequired`], so the screen can ask and
    /// try again.
    Typed(Option<&'a str>),
    /// Ask the person (the command line asks on the terminal).
    Ask(&'a dyn Fn(&str) -> Option<String>),
}

/// The person at the keyboard: their settings, read once at the edge, and how their
/// key's passphrase is obtained.
pub struct Session<'a> {
    /// ISMS Desk's settings for this person on this machine.
    pub settings: &'a Settings,
    /// How a passphrase is obtained.
    pub passphrase: Passphrase<'a>,
    /// The time commits and sign-offs are made at, as (seconds since the epoch, UTC
    /// offset in minutes); now when `None`. Scripts and tests fix it as they fix git's.
    pub when: Option<(i64, i32)>,
}

impl Session<'_> {
    /// A session that never signs and never asks (for reading).
    pub fn reading(settings: &Settings) -> Session<'_> {
        Session {
            settings,
            passphrase: Passphrase::Typed(None),
            when: None,
        }
    }

    /// Asks for a passphrase the way this session does: the one typed in the app, or
    /// the terminal's (or SSH_ASKPASS') question.
    pub fn prompt(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |question: &str| match &self.passphrase {
            Passphrase::Typed(p) => p.map(str::to_string),
            Passphrase::Ask(ask) => ask(question),
        }
    }

    /// The credentials to reach a remote with: the key in the settings among the SSH
    /// keys sync offers, and the passphrase as this session obtains it.
    fn with_credentials<T>(&self, work: impl FnOnce(&Credentials) -> Result<T>) -> Result<T> {
        let prompt = self.prompt();
        work(&Credentials {
            ssh_key: self.settings.signing_key.clone(),
            prompt: &prompt,
        })
    }
}

impl Isms {
    /// The key to sign with, found the way git finds it (else the settings' key);
    /// `None` when none is configured. A key that needs a passphrase is opened with the
    /// session's: when it has none to give, [`Error::PassphraseRequired`].
    pub fn signer(&self, session: &Session) -> Result<Option<Signer>> {
        let repo = crate::git::repository(self)?;
        let Some(source) = KeySource::configured(&repo, session.settings.signing_key.as_deref())?
        else {
            return Ok(None);
        };
        let asked = std::cell::Cell::new(false);
        let prompt = session.prompt();
        let counting = |question: &str| {
            asked.set(true);
            prompt(question)
        };
        match Signer::from_source(&source, &counting) {
            Ok(signer) => Ok(Some(signer)),
            Err(_) if asked.get() && matches!(session.passphrase, Passphrase::Typed(None)) => {
                Err(Error::PassphraseRequired(source.describe()))
            }
            Err(e) => Err(e),
        }
    }

    /// The key to sign with, which must be configured.
    pub fn required_signer(&self, session: &Session) -> Result<Signer> {
        self.signer(session)?.ok_or_else(|| {
            Error::NoSigningKey(
                "signing needs your SSH key: set git's `user.signingkey` (with `gpg.format=ssh`) or choose a key in ISMS Desk's settings (`isms settings --signing-key <path>`)".into(),
            )
        })
    }

    /// Every risk row of the index, by id.
    fn risk_rows(&self) -> Result<HashMap<String, RiskRow>> {
        Ok(self
            .query_index(|index| index.risks(&Default::default()))?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect())
    }
}

/// The methodology to score with while isms.yaml does not load (the checks report
/// why): the one a new ISMS starts with.
fn fallback_methodology() -> Methodology {
    crate::init::scaffold_methodology()
        .expect("the scaffold's isms.yaml loads because a test creates an ISMS from it")
}

/// The methodology of isms.yaml, or the default one while it does not load.
fn methodology_of(isms: &Isms) -> Methodology {
    isms.load_config()
        .map(|c| c.methodology)
        .unwrap_or_else(|_| fallback_methodology())
}

impl Isms {
    /// The methodology in force: isms.yaml's, or while it does not load (the checks
    /// say why) the one a new ISMS starts with.
    pub fn methodology(&self) -> Methodology {
        methodology_of(self)
    }
}

/// The methodology `isms score` uses outside an ISMS: the one a new ISMS starts with.
pub fn default_methodology() -> Methodology {
    fallback_methodology()
}

/// An id and its words.
fn choice(id: &str, label: &str) -> Choice {
    Choice {
        id: id.to_string(),
        label: label.to_string(),
    }
}
