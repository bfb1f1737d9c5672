//! What the approved configuration means for ordinary work: which keys
//! `.isms/allowed_signers` lists when a commit is made, and which documents an
//! ordinary commit may not change. Commits (`git`) take both from here as plain
//! values; they never verify the history themselves.

use super::verify::{approved_at_head, VerifyOptions};
use crate::domain::IsmsConfig;
use crate::{Error, Isms, Result};

impl Isms {
    /// The configuration whose keys count for commits made now: the one approved at
    /// HEAD (see [`mod@super::verify`]), or — before the first commit with isms.yaml, which
    /// will be trusted on first use — the isms.yaml on disk. An error when the history
    /// does not verify far enough to say.
    pub fn approved_config(&self) -> Result<IsmsConfig> {
        let repo = crate::git::repository(self)?;
        match approved_at_head(&repo)? {
            Some(config) => Ok(config),
            None => self
                .load_config()
                .map_err(|mut e| Error::Invalid(e.remove(0))),
        }
    }

    /// The `.isms/allowed_signers` a commit made now must carry: the keys of the
    /// approved configuration. `None` when isms.yaml does not load, or when no approved
    /// configuration can be found (a history that does not verify): the file is then
    /// left as it is rather than filled with keys nobody approved, and `isms verify`
    /// says why.
    pub fn allowed_signers_for_commit(&self) -> Result<Option<String>> {
        if self.load_config().is_err() {
            return Ok(None);
        }
        match self.approved_config() {
            Ok(config) => Ok(Some(crate::git::allowed_signers(&config))),
            Err(Error::Invalid(e)) => Err(Error::Invalid(e)),
            Err(_) => Ok(None),
        }
    }

    /// Refuses a commit of `paths` that changes documents under `reports/`: each is
    /// the document of a sign-off, and only a new sign-off may change it.
    pub fn refuse_signed_edits(&self, paths: &[String]) -> Result<()> {
        let prefix = format!("{}/", crate::isms::REPORTS_FOLDER);
        let under_reports: Vec<&String> = paths
            .iter()
            .filter(|p| {
                p.strip_prefix(&prefix)
                    .is_some_and(|name| !name.starts_with('.'))
            })
            .collect();
        if under_reports.is_empty() {
            return Ok(());
        }
        let verification = self.signoff_verify(&VerifyOptions::default()).ok();
        // A document some request signed or put up; when verification cannot say,
        // every document under reports/ is treated as one.
        let touched: Vec<&String> = under_reports
            .into_iter()
            .filter(|p| {
                verification
                    .as_ref()
                    .is_none_or(|v| v.requests.iter().any(|r| r.report == **p))
            })
            .collect();
        if touched.is_empty() {
            return Ok(());
        }
        let described: Vec<String> = touched
            .iter()
            .map(
                |p| match verification.as_ref().and_then(|v| v.latest_complete(p)) {
                    Some(r) => format!("{p} (signed off in {})", r.id),
                    None => format!("{p} (put up for sign-off)"),
                },
            )
            .collect();
        Err(Error::SignedDocumentEdit(format!(
            "nothing was committed: this would change {}, and a signed document changes only through a new sign-off (`isms verify` would fail). Restore it (`git checkout -- {}`) and put the new version up for sign-off with `isms signoff start`; or commit it anyway with --allow-signed-edit",
            described.join(", "),
            touched.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(" ")
        )))
    }
}
