//! `isms publish security-page` and the Publish screen: the public security page of a
//! commit written as a static folder, its checksums signed by the publisher.
//!
//! The site is made by [`crate::report::site`], which refuses a page the records do not
//! bear out. Here it is signed and written: into a new folder beside the target, which
//! then takes the target's place, so that a failure leaves the target as it was and a
//! folder that is not an earlier publication is never overwritten.

use std::path::Path;

use serde::Serialize;

use super::Session;
use crate::git::signing::PUBLISH_NAMESPACE;
use crate::isms::Isms;
use crate::report::site::{self, CHECKSUMS_FILE};
use crate::signoff::{SignoffKind, VerifyOptions};
use crate::{Error, Result};

/// What was published.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PublishedSite {
    /// The folder written.
    pub folder: String,
    /// The commit the page was made from.
    pub commit: String,
    /// The files written, relative to the folder.
    pub files: Vec<String>,
    /// When the page's content last changed (`YYYY-MM-DD`).
    pub updated: String,
    /// Who signed the checksums (their email in the approved configuration).
    pub signed_by: String,
    /// Whether it is a draft (not the approved version).
    pub draft: bool,
}

/// Which version of the page to publish.
#[derive(Debug, Clone, Copy)]
pub enum PublishFrom<'a> {
    /// The one management approved: the source commit of the last completed
    /// `security-page` sign-off, which must verify along with the branch.
    Approved,
    /// The page of a revision, not approved: its footer says it is a draft.
    Draft(&'a str),
}

impl Isms {
    /// Writes the security page to `folder`, its checksums signed with the session's
    /// key, which the approved configuration must know. `folder` may be missing, empty
    /// or an earlier publication, which is replaced whole.
    pub fn publish_security_page(
        &self,
        session: &Session,
        from: PublishFrom,
        folder: &Path,
    ) -> Result<PublishedSite> {
        let repo = crate::git::repository(self)?;
        let (rev, draft) = match from {
            PublishFrom::Draft(rev) => (rev.to_string(), true),
            PublishFrom::Approved => (self.approved_security_page()?, false),
        };
        let commit = repo
            .revparse_single(&rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| Error::UnknownRevision(rev.to_string()))?;
        let replaced = previous_publication(folder)?;
        // The site first: an untrue page is refused before a passphrase is asked.
        site::security_page(&repo, commit.id(), None, draft)?;
        let signer = self.report_signer(session)?;
        let signers = signer.allowed_signers_line(PUBLISH_NAMESPACE);
        let mut built = site::security_page(&repo, commit.id(), Some(&signers), draft)?;
        let sums = built
            .files
            .iter()
            .find(|f| f.path == CHECKSUMS_FILE)
            .expect("a site always has its checksums")
            .bytes
            .clone();
        built.files.push(site::SiteFile {
            path: format!("{CHECKSUMS_FILE}.sig"),
            bytes: signer.sign_in(PUBLISH_NAMESPACE, &sums)?.into_bytes(),
        });
        let files: Vec<(&str, &[u8])> = built
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.bytes.as_slice()))
            .collect();
        crate::fsio::replace_folder(folder, &files, replaced)?;
        Ok(PublishedSite {
            folder: folder.display().to_string(),
            commit: built.commit,
            files: built.files.iter().map(|f| f.path.clone()).collect(),
            updated: built.updated.date_naive().to_string(),
            signed_by: signer.email.clone(),
            draft,
        })
    }

    /// The source commit of the security page management approved last: the last
    /// completed `security-page` sign-off, judged with the whole branch.
    fn approved_security_page(&self) -> Result<String> {
        let path = SignoffKind::SecurityPage.path(None);
        let verification = self.signoff_verify(&VerifyOptions::default())?;
        let approved = verification.latest_complete(&path).ok_or_else(|| {
            Error::Signoff(
                "the security page has no completed sign-off, so no version of it is approved: start one with `isms signoff start security-page`, or publish a draft with --draft".into(),
            )
        })?;
        if !verification.judge(Some(&path), false)?.ok {
            return Err(Error::Signoff(format!(
                "the sign-off of the security page ({path}) does not verify, so nothing was published: run `isms verify {path}` for the reasons"
            )));
        }
        Ok(approved.source.clone())
    }
}

/// Whether `folder` holds an earlier publication to replace; an error when it holds
/// anything a publication does not write, which replacing it would lose.
fn previous_publication(folder: &Path) -> Result<bool> {
    let ours = site::written_files();
    crate::fsio::earlier_output(
        folder,
        |f| ours.contains(&f),
        CHECKSUMS_FILE,
        "a published page; publish into a new or empty folder, or an earlier publication",
    )
}
