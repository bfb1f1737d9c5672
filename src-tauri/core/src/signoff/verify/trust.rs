//! Where trust starts and what plain git is told to trust: the root of the approved
//! configuration (pinned, or trusted on first use), a history joined to another
//! origin of isms.yaml, and `.isms/allowed_signers`.

use std::collections::BTreeSet;
use std::path::Path;

use super::walk::Walker;
use super::{short, Problem, ProblemCode, RootTrust};
use crate::domain::IsmsConfig;
use crate::git::verify::{check_commit, SignatureStatus};
use crate::git::ALLOWED_SIGNERS_FILE;
use crate::isms::CONFIG_FILE;
use crate::Result;

impl Walker<'_> {
    /// Establishes the first approved configuration; returns how it was approved.
    pub(super) fn trust_root(&mut self, config: &IsmsConfig) -> Result<String> {
        let root = self.history.root;
        let signature = check_commit(self.repo, root, Some(config))?;
        self.root_key = match &signature {
            SignatureStatus::Good { key, .. } | SignatureStatus::UnknownKey { key } => {
                Some(key.clone())
            }
            _ => None,
        };
        self.root_signer = match &signature {
            SignatureStatus::Good { person, .. } => Some(person.clone()),
            _ => None,
        };
        let signed_by = match &self.root_signer {
            Some(person) => format!(" (signed by {person})"),
            None => String::new(),
        };
        let Some(pin) = self.options.root_key.clone() else {
            self.root = RootTrust::TrustedOnFirstUse;
            let remedy = match &self.root_key {
                Some(key) => format!(
                    "Pin it: `isms verify --root-key {key}`, or set ISMS_ROOT_KEY={key} in CI (outside the repository), or `git config isms.rootKey {key}` in your clone; check the fingerprint with its owner first."
                ),
                None => "The first commit is not signed, so it cannot be pinned: anyone who can rewrite the history can replace the approved configuration. Start the repository with a signed first commit.".to_string(),
            };
            self.warnings.push(
                Problem::new(
                    ProblemCode::RootNotPinned,
                    format!(
                        "NOT PINNED: the approved configuration starts at commit {}{signed_by}, trusted on first use because no root key was given; a history rewritten from the start would be trusted the same way",
                        short(&root.to_string())
                    ),
                )
                .at(root)
                .remedy(remedy),
            );
            return Ok("the first commit with isms.yaml, trusted on first use".to_string());
        };
        match &signature {
            SignatureStatus::Good { key, person, .. } if *key == pin => {
                self.root = RootTrust::Pinned;
                Ok(format!(
                    "the first commit with isms.yaml, signed by {person} with the pinned key {pin}"
                ))
            }
            other => {
                self.root = RootTrust::PinMismatch;
                self.problems.push(
                    Problem::new(
                        ProblemCode::PinnedRootMismatch,
                        format!(
                            "the first commit with isms.yaml, {}, is not signed by the pinned key {pin} ({}); the history may have been rewritten from the start",
                            short(&root.to_string()),
                            other.describe()
                        ),
                    )
                    .at(root)
                    .remedy("Do not trust this copy of the repository: compare it with the one the pin was taken from, and ask the key's owner."),
                );
                Ok("the first commit with isms.yaml (NOT signed by the pinned key)".to_string())
            }
        }
    }

    /// isms.yaml has one origin: a commit that introduces it without descending from
    /// the trust root is a second history joined in, whose first configuration could
    /// otherwise become the root of trust by a plain fast-forward.
    pub(super) fn joined_histories(&mut self) -> Result<()> {
        let root = self.history.root;
        for origin in self.history.config_origins() {
            if origin == root || self.repo.graph_descendant_of(origin, root)? {
                continue;
            }
            let joined_at = self.joining_merge(origin);
            let joined = joined_at
                .map(|m| format!(", joined to it by merge {}", short(&m.to_string())))
                .unwrap_or_default();
            self.problems.push(
                Problem::new(
                    ProblemCode::UnrelatedHistories,
                    format!(
                        "the history has two origins of {CONFIG_FILE}: commit {} (the root of trust of {}) and commit {}, which does not descend from it{joined}. A history with its own configuration and keys was merged in; which one management approved cannot be told from the repository alone",
                        short(&root.to_string()),
                        self.history.branch,
                        short(&origin.to_string())
                    ),
                )
                .at(joined_at.unwrap_or(origin))
                .remedy("Verify with the root key pinned (`--root-key`) and compare with a copy you trust; revert the merge unless the two ISMS repositories were joined on purpose."),
            );
        }
        Ok(())
    }

    /// The first commit on the tip's first-parent line from which `oid` is reachable.
    fn joining_merge(&self, oid: git2::Oid) -> Option<git2::Oid> {
        let line = self.history.first_parent_line();
        // Reachability only grows along the line: search for the first that reaches it.
        let reaches =
            |c: git2::Oid| c == oid || self.repo.graph_descendant_of(c, oid).unwrap_or(false);
        let (mut lo, mut hi) = (0, line.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if reaches(line[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        line.get(lo).copied()
    }

    /// `.isms/allowed_signers` at the tip, which plain git and ssh-keygen verify
    /// against, must list no key the approved configuration lacks: such a line makes
    /// `git verify-commit` accept an outsider's signature as a person's. Missing keys
    /// only make plain git stricter, and draw a warning.
    pub(super) fn allowed_signers_in_step(&mut self) -> Result<()> {
        let tip = self.history.tip;
        let tree = self.repo.find_commit(tip)?.tree()?;
        let Ok(entry) = tree.get_path(Path::new(ALLOWED_SIGNERS_FILE)) else {
            return Ok(());
        };
        let Ok(blob) = self.repo.find_blob(entry.id()) else {
            return Ok(());
        };
        let listed = signer_lines(&String::from_utf8_lossy(blob.content()));
        let approved_config = self.authority()?.config.clone();
        let approved = signer_lines(&crate::git::allowed_signers(&approved_config));
        let who = |lines: &[&String]| -> String {
            lines
                .iter()
                .map(|l| l.split_whitespace().next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let extra: Vec<&String> = listed.difference(&approved).collect();
        let missing: Vec<&String> = approved.difference(&listed).collect();
        let branch = self.history.branch.clone();
        if !extra.is_empty() {
            let culprit = self.culprit(ALLOWED_SIGNERS_FILE)?;
            let by = culprit.made_by.or(culprit.line);
            let by_text = culprit.text();
            let mut problem = Problem::new(
                ProblemCode::AllowedSignersUnapproved,
                format!(
                    "{ALLOWED_SIGNERS_FILE} at {branch} lists {} line(s) the approved configuration does not authorise ({}){by_text}: plain `git verify-commit` and `ssh-keygen -Y verify` would accept those keys' signatures as the people's",
                    extra.len(),
                    who(&extra)
                ),
            )
            .remedy("Revert the change to the file, or regenerate it by committing once with ISMS Desk; auditors should take the file from `isms verify --write-allowed-signers <file>`, never from the working tree.");
            if let Some(c) = by {
                problem = problem.at(c);
            }
            self.problems.push(problem);
        }
        if !missing.is_empty() {
            self.warnings.push(
                Problem::new(
                    ProblemCode::AllowedSignersIncomplete,
                    format!(
                        "{ALLOWED_SIGNERS_FILE} at {branch} lacks {} approved key(s) ({}), so plain `git verify-commit` refuses their signatures",
                        missing.len(),
                        who(&missing)
                    ),
                )
                .remedy("Commit once with ISMS Desk to regenerate it (a governance sign-off merged on a forge leaves it behind)."),
            );
        }
        Ok(())
    }
}

/// The key lines of an allowed-signers file, comments and blank lines left out.
fn signer_lines(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}
