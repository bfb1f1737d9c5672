//! Opening an ISMS: the index brought up to date (with progress), and what the app's
//! title bar and status line say about it.

use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use super::{CommitOptions, Session, Signing};
use crate::git::Committed;
use crate::index::{Index, Refresh, RiskQuery};
use crate::init::NewIsms;
use crate::isms::Isms;
use crate::Result;

/// Sets up a new ISMS in `dir` (which must not exist or be empty) as `plan` says,
/// and makes its first commit as `me` (the email of one of `plan.people`, written as
/// the clone's git identity; git's own identity when `None`), signed when a signing
/// key is configured. A set-up that
/// fails at any step leaves the folder as it was.
pub fn create_isms(
    dir: &Path,
    plan: &NewIsms,
    me: Option<&str>,
    session: &Session,
    today: NaiveDate,
) -> Result<Committed> {
    let existed = dir.exists();
    let made = (|| {
        crate::init::init_with(dir, plan, today)?;
        let isms = Isms::open(dir)?;
        // The person setting it up says who they are: this clone commits as them.
        if let Some(email) = me {
            let person = plan
                .people
                .iter()
                .find(|p| p.email.trim().eq_ignore_ascii_case(email))
                .ok_or_else(|| {
                    crate::Error::Usage(format!("{email} is not one of the people listed"))
                })?;
            let mut config = crate::git::repository(&isms)?.config()?;
            config.set_str("user.name", person.name.trim())?;
            config.set_str("user.email", person.email.trim())?;
        }
        let message = format!("Set up the ISMS of {}", plan.organisation.trim());
        isms.commit_changes(
            session,
            &CommitOptions {
                message: &message,
                records: &[],
                signing: Signing::IfConfigured,
                allow_signed_edits: false,
            },
        )
    })();
    if made.is_err() {
        // It was empty or absent before: nothing of the person's is removed.
        if existed {
            if let Ok(entries) = std::fs::read_dir(dir) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    let _ = if path.is_dir() {
                        std::fs::remove_dir_all(&path)
                    } else {
                        std::fs::remove_file(&path)
                    };
                }
            }
        } else {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    made
}

/// What opening an ISMS did, for the app's title bar and status line.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Opened {
    /// The repository root.
    pub root: String,
    /// The organisation's name (the folder name when isms.yaml does not load).
    pub organisation: String,
    /// The commit HEAD points at.
    pub head: Option<String>,
    /// What the index had to do.
    pub refresh: Refresh,
    /// Risks in the register.
    pub risks: u32,
}

impl Isms {
    /// Opens the index (building it when needed, reporting progress) and says what
    /// that took.
    pub fn opened(&self, progress: crate::index::Progress) -> Result<Opened> {
        let index = Index::open_with_progress(self, progress)?;
        let risks = index.risks(&RiskQuery::default())?.len() as u32;
        let organisation = self
            .load_config()
            .map(|c| c.organisation.name)
            .unwrap_or_else(|_| {
                self.root()
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        Ok(Opened {
            root: self.root().display().to_string(),
            organisation,
            head: self.head(),
            refresh: index.refresh.clone(),
            risks,
        })
    }
}
