//! Committing and syncing, as a person does it: the identity and key found the way
//! git finds them, `.isms/allowed_signers` kept to the approved keys, signed documents
//! left alone, and pull conflicts resolved by the person's choices.

use serde::{Deserialize, Serialize};

use super::Session;
use crate::git::sync::{PullOutcome, Resolution, Resolutions};
use crate::git::{self, CommitRequest, Committed};
use crate::{Isms, Result};

/// Whether a commit is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// Signed; without a configured key the commit is refused (the command line).
    Required,
    /// Signed when a key is configured, unsigned otherwise (the app before the person
    /// has set a key up).
    IfConfigured,
    /// Unsigned (automation without a key).
    Unsigned,
}

/// A commit to make.
#[derive(Debug, Clone, Copy)]
pub struct CommitOptions<'a> {
    /// The message.
    pub message: &'a str,
    /// Only these records (ids, or `isms.yaml`); every ISMS change when empty.
    pub records: &'a [String],
    /// Whether it is signed.
    pub signing: Signing,
    /// Commit changes to signed documents under `reports/` too.
    pub allow_signed_edits: bool,
}

/// The person's choice for one field that both sides changed in a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldChoice {
    /// The record id.
    pub id: String,
    /// The field (dotted).
    pub field: String,
    /// Which value to keep.
    pub keep: Resolution,
}

impl Isms {
    /// Commits ISMS changes as the session's person: git's identity (or the person in
    /// the settings), signed as `options.signing` says. The approved configuration's
    /// keys are written to `.isms/allowed_signers` first, and a change to a signed
    /// document is refused unless allowed.
    pub fn commit_changes(&self, session: &Session, options: &CommitOptions) -> Result<Committed> {
        let identity = git::identity(self, session.settings)?;
        let signer = match options.signing {
            Signing::Unsigned => None,
            Signing::IfConfigured => self.signer(session)?,
            Signing::Required => Some(self.required_signer(session)?),
        };
        if !options.allow_signed_edits {
            let repo = git::repository(self)?;
            // Nothing to commit, an unknown record: the commit below says so itself.
            if let Ok(paths) = self.paths_to_commit(&repo, options.records) {
                self.refuse_signed_edits(&paths)?;
            }
        }
        let allowed_signers = self.allowed_signers_for_commit()?;
        self.commit(&CommitRequest {
            message: options.message,
            records: options.records,
            identity: &identity,
            signer: signer.as_ref(),
            when: session.when,
            allowed_signers: allowed_signers.as_deref(),
        })
    }

    /// Pulls from `remote`: merges field by field, signs a merge commit when a key is
    /// configured (unless `signing` says not to), and applies the person's choices for
    /// fields both sides changed. Conflicts come back as [`PullOutcome::Conflicts`] with
    /// nothing changed.
    pub fn pull_changes(
        &self,
        session: &Session,
        remote: &str,
        choices: &[FieldChoice],
        signing: Signing,
    ) -> Result<PullOutcome> {
        let identity = git::identity(self, session.settings)?;
        let signer = match signing {
            Signing::Unsigned => None,
            Signing::IfConfigured => self.signer(session)?,
            Signing::Required => Some(self.required_signer(session)?),
        };
        let resolutions: Resolutions = choices
            .iter()
            .map(|c| ((c.id.clone(), c.field.clone()), c.keep.clone()))
            .collect();
        session.with_credentials(|credentials| {
            self.pull(
                remote,
                credentials,
                &identity,
                signer.as_ref(),
                &resolutions,
            )
        })
    }

    /// Pushes the current branch to `remote`; returns the branch pushed.
    pub fn push_changes(&self, session: &Session, remote: &str) -> Result<String> {
        session.with_credentials(|credentials| self.push(remote, credentials))
    }

    /// Fetches from `remote`.
    pub fn fetch_changes(&self, session: &Session, remote: &str) -> Result<()> {
        session.with_credentials(|credentials| self.fetch(remote, credentials))
    }
}
