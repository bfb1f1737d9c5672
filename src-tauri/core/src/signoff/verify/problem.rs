//! What verification reports: a [`Problem`] fails verification, a warning (the same
//! type, in another list) does not. Each carries a typed [`ProblemCode`], so that CI,
//! the app and the tests branch on the cause rather than on the wording, and says
//! what it concerns (request, step, commit) and what to do about it.

use serde::Serialize;

/// Why verification failed or warns. The code names the cause; the message says it
/// for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    // --- signatures -------------------------------------------------------------
    /// A step commit carries no signature.
    NotSigned,
    /// Signed with a key the approved configuration does not give anyone.
    UnapprovedKey,
    /// One key is listed for two people, so a signature by it names nobody.
    SharedKey,
    /// The signature does not match the commit, or was made for another namespace.
    BadSignature,
    /// A signature ISMS Desk cannot check (OpenPGP, X.509, another algorithm).
    UnsupportedSignature,
    /// Signed by a person who does not hold the step's role.
    WrongSigner,
    /// Two steps that separation of duties keeps apart were signed by one person.
    SeparationOfDuties,
    // --- the request's own commits ----------------------------------------------
    /// The first step (the signed commit of the document) is not on the branch.
    NoFirstStep,
    /// The kind named in the trailers is not a kind of sign-off.
    UnknownKind,
    /// The approved configuration has no chain for the kind.
    NoChain,
    /// The document's path is not the one its kind (and subject) sign.
    PathNotOfKind,
    /// The signed document is not a regular file (a symbolic link, a folder).
    NotARegularFile,
    /// A trailer names other document content than the one the first step commits.
    ContentMismatch,
    /// The first step is not a child of the source commit it names.
    NotOnSource,
    /// A step changes files (the first step may add only its document).
    StepChangesFiles,
    /// A commit on the sign-off branch is not a step of its chain.
    NotAStep,
    /// Steps signed out of the chain's order.
    OutOfOrder,
    /// A step claims a role or number the chain does not give it.
    StepMismatch,
    /// The governance document does not state the isms.yaml it approves.
    GovernanceMismatch,
    /// An audit report whose audit was not completed at its source, or whose auditor
    /// owns what the audit covers.
    AuditorNotIndependent,
    // --- landing on the verified branch -----------------------------------------
    /// The merge does not carry the signed document, or carries more changes.
    MergeChangesMore,
    /// Merged before every step was signed.
    MergedEarly,
    /// The last step is a signed merge, and the merge is not signed by its holder.
    MergeNotSigned,
    /// The steps reached the branch without their last step (fast-forwarded early).
    LandedIncomplete,
    /// A request landed on the branch a second time (a replayed approval).
    LandedTwice,
    /// A request's source is not newer than the last signed version's: a rollback.
    SourceNotNewer,
    /// One merge lands several requests.
    SeveralRequests,
    /// A commit carries sign-off trailers but belongs to no request that landed.
    StrayStep,
    /// The steps were squashed into one commit on a forge.
    SquashMerge,
    /// The steps were re-created without their signatures (a rebase merge on a forge).
    RebaseMerge,
    // --- after landing ------------------------------------------------------------
    /// A signed document changed, or changed mode, after it was signed off.
    ChangedAfterSignoff,
    /// A signed document was deleted after it was signed off.
    DeletedAfterSignoff,
    /// A risk's `acceptance` record disagrees with its signed acceptance.
    AcceptanceMismatch,
    /// A completed risk acceptance is not recorded in the risk's `acceptance` yet.
    AcceptanceNotRecorded,
    /// A risk was rescored after its acceptance was signed off.
    AcceptanceStale,
    // --- trust ---------------------------------------------------------------------
    /// The first commit is not signed by the pinned key.
    PinnedRootMismatch,
    /// No root key is pinned: the first commit is trusted on first use.
    RootNotPinned,
    /// Two unrelated histories (two first commits) were joined.
    UnrelatedHistories,
    /// `.isms/allowed_signers` lists keys the approved configuration does not.
    AllowedSignersUnapproved,
    /// `.isms/allowed_signers` lacks keys the approved configuration has.
    AllowedSignersIncomplete,
    /// isms.yaml differs from the approved configuration (a change not yet signed off).
    GovernancePending,
    /// The methodology in force differs from the last one signed off.
    MethodologyPending,
    // --- what a reader should know ---------------------------------------------------
    /// A step is dated before its source commit or before the step before it.
    Backdated,
    /// The signed report differs from a fresh render at its source commit.
    HandEdited,
    /// The merge was made by a forge; the signed approval is what counts.
    ForgeMerge,
    /// One person signed two steps that no rule keeps apart.
    SamePersonTwice,
    /// A document under `reports/` on the branch is no sign-off's signed version.
    UnsignedDocument,
}

/// A failure (in `problems`) or a warning (in `warnings`) of verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// The cause.
    pub code: ProblemCode,
    /// The sign-off request concerned, when there is one.
    pub request: Option<String>,
    /// The step concerned (1-based), when there is one.
    pub step: Option<usize>,
    /// The commit concerned, when there is one.
    pub commit: Option<crate::git::CommitId>,
    /// What is wrong and why it matters: request, step, role, person, key and commit
    /// where they apply.
    pub message: String,
    /// What to do about it, for the person who reads it.
    pub remedy: Option<String>,
}

impl Problem {
    /// A problem with its code and message.
    pub fn new(code: ProblemCode, message: impl Into<String>) -> Problem {
        Problem {
            code,
            request: None,
            step: None,
            commit: None,
            message: message.into(),
            remedy: None,
        }
    }

    /// About this commit.
    pub fn at(mut self, commit: impl Into<crate::git::CommitId>) -> Problem {
        self.commit = Some(commit.into());
        self
    }

    /// About this request.
    pub fn of(mut self, request: &str) -> Problem {
        self.request = Some(request.to_string());
        self
    }

    /// About this step.
    pub fn step(mut self, step: usize) -> Problem {
        self.step = Some(step);
        self
    }

    /// With what to do.
    pub fn remedy(mut self, remedy: impl Into<String>) -> Problem {
        self.remedy = Some(remedy.into());
        self
    }

    /// The message and the remedy, as one paragraph for a person.
    pub fn text(&self) -> String {
        match &self.remedy {
            Some(r) => format!("{} {r}", self.message),
            None => self.message.clone(),
        }
    }
}
