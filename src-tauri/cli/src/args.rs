//! The command line's words: commands, their arguments and their help. Declarations
//! only; `main` dispatches them.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{reports, signoff};

#[derive(Parser)]
#[command(
    name = "isms",
    version,
    about = "ISMS Desk: an ISO/IEC 27001:2022 ISMS kept as markdown in git"
)]
pub(crate) struct Cli {
    /// The ISMS repository (the folder with isms.yaml).
    #[arg(long, global = true, default_value = ".")]
    pub repo: PathBuf,
    /// Output for people (text) or for machines (json); `isms report` also takes md,
    /// html and pdf.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(subcommand)]
    pub command: Command,
}

/// `isms signoff …`
#[derive(Subcommand)]
pub(crate) enum SignoffCommand {
    /// Render the document at HEAD into reports/, commit it on a new branch
    /// signoff/<id> and sign it as the chain's first step.
    ///
    /// Example: isms signoff start risk-assessment; isms signoff start risk-acceptance R-013;
    /// isms signoff start document scope; isms signoff start audit-report AUD-2026-02
    Start {
        /// What is signed off.
        kind: signoff::Kind,
        /// The record it is about: the risk of a risk-acceptance, the document of a
        /// document approval, the review of a management-review, the audit of an
        /// audit-report.
        subject: Option<String>,
    },
    /// Every open request: each step done (who, when, key) or pending, and what
    /// changed since the last signed report of the same kind.
    Status,
    /// Sign the next step of a request with your key: a co-signature commit, or the
    /// signed merge into main for the last step.
    Sign {
        /// The request id (its branch is signoff/<id>).
        id: String,
        /// Sign the last (merge) step as an approval on the branch, for a merge made
        /// on the forge.
        #[arg(long)]
        approve: bool,
    },
    /// Record a completed risk acceptance in its risk's `acceptance` (after a merge
    /// made on the forge; a signed merge made with ISMS Desk records it itself). Commit
    /// the change afterwards.
    ///
    /// Example: isms signoff record risk-acceptance-R-013-2026-11-30
    Record {
        /// The request id.
        id: String,
    },
    /// Push a request's branch and open its pull request: through GitHub's or
    /// GitLab's API when the system keyring holds a token for the host (`isms forge
    /// login`), else print the address that opens it.
    ///
    /// Example: isms signoff push risk-assessment-2026-11-21
    Push {
        /// The request id.
        id: String,
        /// The remote to push to.
        #[arg(long, default_value = "origin")]
        remote: String,
    },
}

/// `isms forge …`
#[derive(Subcommand)]
pub(crate) enum ForgeCommand {
    /// Store a GitHub or GitLab token for HOST in the system keyring, read from
    /// standard input (or asked for without echo). It is used to open sign-off pull
    /// requests and never written to the repository or the settings.
    ///
    /// Example: isms forge login github.com < token-file
    Login {
        /// github.com, gitlab.com, or a self-hosted GitLab's host name.
        host: String,
    },
    /// Remove the token for HOST from the system keyring.
    Logout {
        /// The host.
        host: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
    /// A report as markdown (what `text` means for `isms report`).
    Md,
    /// A report as a standalone HTML page.
    Html,
    /// A report as an A4 PDF.
    Pdf,
    /// A list as CSV (`isms list … --format csv`), for a spreadsheet.
    Csv,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Create a new, valid ISMS repository (git-initialised) in DIR.
    Init {
        /// The folder to create; must not exist or be empty.
        dir: PathBuf,
        /// The organisation's name.
        #[arg(long, default_value = "Example Organisation")]
        organisation: String,
        /// The date to count the first assessment from (default: today).
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// Check the ISMS: references, SoA completeness, treatment, acceptance, roles, reviews.
    Check {
        /// The date to check reviews and deadlines against (default: today).
        #[arg(long)]
        today: Option<NaiveDate>,
        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,
    },
    /// List risks, controls (the SoA), treatments or documents.
    List {
        /// What to list.
        #[arg(value_enum)]
        what: ListKind,
        #[command(flatten)]
        filters: ListArgs,
    },
    /// Show one record with its derived values.
    Show {
        /// The id: R-004, 8.13, T-002, scope, 2026.
        id: String,
    },
    /// Full-text search over titles and bodies.
    Search {
        /// Words to find (all must match; accents and æ ø å are optional).
        #[arg(required = true)]
        words: Vec<String>,
        /// At most this many hits.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Create a record: a risk or treatment gets the next free id.
    ///
    /// Example: isms new risk --title "Laptop stolen" domain=people owner=ism likelihood=2 impact=3
    New {
        /// risk, treatment, control (an SoA entry) or document.
        #[arg(value_enum)]
        kind: NewKind,
        /// The title (same as title=…).
        #[arg(long)]
        title: Option<String>,
        /// The id, for controls (5.37), documents (access-policy) and audits
        /// (AUD-2027-01).
        #[arg(long)]
        id: Option<String>,
        /// Fields: field=value, list+=item.
        assignments: Vec<String>,
        /// Read the markdown body from this file (`-` for standard input).
        #[arg(long)]
        body: Option<PathBuf>,
    },
    /// Collect a file as evidence: copy it into evidence/files/ and write its record
    /// (evidence/EV-NNN.md) with its SHA-256. A file over 10 MB is refused: record a
    /// reference to it instead (isms new evidence reference=…).
    ///
    /// Example: isms collect drill.pdf title="Restore drill, Q4" controls+=8.13 collected_by="Ingrid Solberg" collected_on=2026-12-01
    Collect {
        /// The file.
        file: PathBuf,
        /// Fields: field=value, list+=item.
        assignments: Vec<String>,
    },
    /// Change fields of a record: isms set R-004 likelihood=3 status=active.
    ///
    /// field=value replaces (an empty value removes the field), list+=item adds,
    /// list-=item removes, nested.path=value reaches into maps and lists of items with
    /// an id (actions.A2.status=done), list.item^=N moves an item to position N
    /// (actions.A3^=1 makes A3 the first action). The record is validated before
    /// anything is written.
    Set {
        /// The record id.
        id: String,
        /// Fields: field=value, list+=item, list-=item.
        assignments: Vec<String>,
        /// Replace the markdown body with this file (`-` for standard input).
        #[arg(long)]
        body: Option<PathBuf>,
        /// The revision the change was decided on (`revision` in `isms show --format
        /// json`): refused if the file has changed since.
        #[arg(long)]
        base: Option<String>,
    },
    /// Start the next annual risk assessment (assessments/<year>.md), carrying the
    /// current one's themes, deferred domains and improvement items over for review.
    ///
    /// Example: isms start-assessment 2027-05-10
    StartAssessment {
        /// The date it is performed on (default: today).
        on: Option<NaiveDate>,
    },
    /// Add an action to a treatment under the next free action id (A1, A2, …); it is
    /// planned unless status= says otherwise.
    ///
    /// Example: isms add-action T-002 "description=Rotate the API keys" owner=cto due=2027-02-01
    AddAction {
        /// The treatment id.
        id: String,
        /// The action's fields: description=…, owner=…, due=…, resources=…, status=….
        fields: Vec<String>,
        /// The revision the change was decided on: refused if the file has changed since.
        #[arg(long)]
        base: Option<String>,
    },
    /// Close a record, keeping it for the audit trail (risk → closed, treatment →
    /// closed_on, document → withdrawn_on, action → done).
    Close {
        /// The record id.
        id: String,
        /// Close this action of the treatment or finding instead.
        #[arg(long)]
        action: Option<String>,
        /// The date to record (default: today).
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// Commit changes to the ISMS, signed with your SSH key.
    ///
    /// All changed ISMS files, or only the records named. The author is git's
    /// user.name/user.email; the key is git's user.signingkey (gpg.format=ssh) or the
    /// one in `isms settings`.
    Commit {
        /// The commit message.
        #[arg(short, long)]
        message: String,
        /// Only these records (ids, or isms.yaml).
        ids: Vec<String>,
        /// Make an unsigned commit (for automation without a key).
        #[arg(long)]
        unsigned: bool,
        /// Commit changes to signed documents under reports/ too (verification will
        /// then fail until they are signed off again).
        #[arg(long)]
        allow_signed_edit: bool,
    },
    /// A record's history: every commit that changed it, field by field.
    Log {
        /// The record id.
        id: String,
        /// Show body changes as a text diff.
        #[arg(long)]
        body: bool,
    },
    /// Render a report from a commit (never from unsaved edits): markdown, HTML or PDF.
    ///
    /// Example: isms report risk-assessment --format pdf -o risk-assessment-2026.pdf
    Report {
        /// risk-assessment, soa, treatment-plan or register (confidential).
        kind: reports::Kind,
        /// The commit, branch or tag to render from.
        #[arg(long, default_value = "HEAD")]
        rev: String,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The report as signed off in this request (`latest`: the last completed one),
        /// with the sign-off table filled in and a verification appendix.
        #[arg(long, value_name = "ID|latest", conflicts_with = "rev")]
        signoff: Option<String>,
        /// Also write <output>.sig: a detached SSH signature with your key that
        /// `ssh-keygen -Y verify -n isms-report` accepts.
        #[arg(long, requires = "output")]
        sign: bool,
    },
    /// SOC 2 from the same controls: each criterion in scope with the controls that
    /// address it and whether it is covered (text, json), or the criteria-to-controls
    /// matrix of a commit as a report (--format md, html or pdf).
    ///
    /// Example: isms --format pdf soc2 -o soc2-matrix.pdf
    Soc2 {
        /// With --format md, html or pdf: the commit, branch or tag to render from.
        #[arg(long, default_value = "HEAD")]
        rev: String,
        /// With --format md, html or pdf: write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Publish a page for the public from a commit, as a static folder for any web
    /// host. Refused, with nothing written, when the page says what the ISMS does not
    /// bear out (a statement on a control that is not implemented, a subprocessor that
    /// is not a recorded supplier, an attestation without a record).
    ///
    /// Example: isms publish security-page -o site/
    Publish {
        /// What to publish: security-page (from public/security-page.md).
        what: PublishKind,
        /// Publish the page of a commit that is not approved (`--rev`, else HEAD); its
        /// footer says it is a draft. Without it, the version the last completed
        /// `security-page` sign-off approved is published.
        #[arg(long)]
        draft: bool,
        /// With --draft: the commit, branch or tag to publish from.
        #[arg(long, requires = "draft")]
        rev: Option<String>,
        /// The folder to write: new, empty, or an earlier publication (replaced whole).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// What changed between two signed risk assessments: risks new, closed, deferred
    /// and no longer deferred, band crossings, rescorings with the reasons from the
    /// commits in between, SoA applicability changes, treatments completed and
    /// slipped, deferred domains, objectives. Both are verified first; a change of
    /// methodology is said at the top. As text (a summary), json, md, html or pdf.
    ///
    /// Example: isms compare assessment-2025 assessment-2026 --format pdf -o changes.pdf
    Compare {
        /// The earlier signed assessment: a tag or commit (its last completed
        /// risk-assessment sign-off), or a sign-off request id.
        earlier: String,
        /// The later one.
        later: String,
        /// With --format md, html or pdf: write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Everything an auditor receives, from one commit, in a folder checked with stock
    /// OpenSSH, coreutils and git: every report as PDF (as signed, with its sign-off
    /// evidence), each sign-off's evidence and signed document, the evidence files, the
    /// allowed_signers approved at that commit, VERIFY.md, a MANIFEST of SHA-256 sums
    /// signed with your key, and a zip of it all. Refused, with nothing written, when
    /// the commit's sign-offs do not verify.
    ///
    /// Example: isms audit-pack --rev assessment-2026 -o pack/
    AuditPack {
        /// The commit, branch or tag to pack.
        #[arg(long, default_value = "HEAD")]
        rev: String,
        /// The folder to write: new, empty, or an earlier audit pack (replaced whole).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// The pack of a management review (ISO/IEC 27001 9.3.2): every input compiled
    /// from a commit, "no data" said plainly, then the review's decisions and actions.
    ///
    /// Example: isms review-pack MR-2026 > mr-2026.md
    ReviewPack {
        /// The review's id (`MR-2026`).
        id: String,
        /// The commit, branch or tag to compile it from.
        #[arg(long, default_value = "HEAD")]
        at: String,
    },
    /// What a sign-off about one record would sign, rendered from a commit without
    /// signing: a controlled document's draft (with its revision history), a
    /// management review's pack and record, an audit's report. Markdown, HTML or PDF.
    ///
    /// Example: isms render management-review MR-2026 --format pdf -o mr-2026.pdf
    Render {
        /// document, management-review, audit-report (about one record), or
        /// methodology, security-page, system-description.
        kind: signoff::Kind,
        /// The record, for a kind about one: a document's id, a review's, an audit's.
        subject: Option<String>,
        /// The commit, branch or tag to render from.
        #[arg(long, default_value = "HEAD")]
        rev: String,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// A signed document with its sign-off evidence: the table of signers and keys, and
    /// how to check them without ISMS Desk; a controlled document also with its
    /// revision history read from its signed approvals. Markdown, HTML or PDF.
    ///
    /// Example: isms signed reports/document/scope.md --format pdf -o scope.pdf
    Signed {
        /// A sign-off request id, or a signed document's path for its last completed
        /// sign-off (`reports/document/scope.md`, `reports/audit-report/AUD-2026-02.md`).
        target: String,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Also write <output>.sig, a detached SSH signature with your key.
        #[arg(long, requires = "output")]
        sign: bool,
    },
    /// Export a commit: to one Excel workbook (the register, SoA, treatment plan and
    /// methodology; values, never formulas), or as OSCAL 1.2 JSON into a folder (the
    /// SoA as a system security plan, the register and treatments as a plan of action
    /// and milestones, the internal audits as assessment results, the ISO ↔ SOC 2
    /// links as a mapping collection). The same commit gives the same bytes.
    ///
    /// Example: isms export -o register.xlsx; isms export oscal -o oscal/
    Export {
        /// What to export: excel (the default) or oscal.
        #[arg(value_enum, default_value = "excel")]
        what: ExportKind,
        /// The commit, branch or tag to export.
        #[arg(long, default_value = "HEAD")]
        rev: String,
        /// The workbook to write (.xlsx), or the folder for OSCAL (new, empty, or an
        /// earlier export, replaced whole).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Import a risk register or an SoA from a spreadsheet (.xlsx, .xls, .ods, .csv).
    /// A dry run by default: it checks every row and prints the change plan, writing
    /// nothing; `--apply <fingerprint>` writes exactly that plan.
    ///
    /// Example: isms import register.xlsx, then isms import register.xlsx --apply 3f9c…
    Import {
        /// The spreadsheet.
        file: PathBuf,
        /// The sheet to read (the first with a recognisable header otherwise).
        #[arg(long)]
        sheet: Option<String>,
        /// What the sheet holds: risks, soa or treatments (one row per action; told by
        /// its header otherwise).
        #[arg(long)]
        kind: Option<String>,
        /// How to read dates like 05/12/2026: day-month or month-day.
        #[arg(long)]
        date_order: Option<String>,
        /// A mapping file (JSON): columns → fields, values → ISMS Desk's values.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Write the plan the dry run printed with this fingerprint.
        #[arg(long, value_name = "FINGERPRINT")]
        apply: Option<String>,
        /// With --apply: write the valid rows and list the rejected ones.
        #[arg(long, requires = "apply")]
        skip_invalid: bool,
        /// Write every problem, by cell, to this file: CSV, or JSON when it ends in .json.
        #[arg(long)]
        errors: Option<PathBuf>,
        /// Keep the mapping this run read the file with (columns and values) in this
        /// JSON file, to pass back with --mapping and edit.
        #[arg(long)]
        save_mapping: Option<PathBuf>,
    },
    /// Management sign-off: start a request, see where requests stand, sign a step.
    #[command(subcommand)]
    Signoff(SignoffCommand),
    /// Tokens for GitHub's and GitLab's APIs, kept in the system keyring.
    #[command(subcommand)]
    Forge(ForgeCommand),
    /// Verify every sign-off that reached the branch: signatures, authorised keys,
    /// chain order, separation of duties, documents unchanged since signed, no replays.
    /// Exits 1 on any failure (for CI). Open requests are listed; `--requests` (or the
    /// request's id) verifies them too.
    ///
    /// Example: isms verify --root-key SHA256:… (pin the key of the first commit)
    Verify {
        /// One request id, or a document path (its latest request). Default: all.
        target: Option<String>,
        /// The branch or commit to verify. Default: HEAD.
        #[arg(long)]
        rev: Option<String>,
        /// The SHA-256 fingerprint of the key that must have signed the first commit
        /// with isms.yaml. Also read from ISMS_ROOT_KEY, then from `git config
        /// isms.rootKey`; without any, the first commit is trusted on first use.
        #[arg(long, value_name = "SHA256:…")]
        root_key: Option<String>,
        /// A signed report that differs from a fresh render at its source fails.
        #[arg(long)]
        strict: bool,
        /// Open requests (not yet on the branch) fail verification too.
        #[arg(long)]
        requests: bool,
        /// Write the allowed-signers file of the approved configuration here (for
        /// auditors: take this one, never the working tree's).
        #[arg(long, value_name = "FILE")]
        write_allowed_signers: Option<PathBuf>,
    },
    /// What changed between two revisions (commits, tags, branches); TO defaults to
    /// the working tree.
    Diff {
        /// The earlier revision.
        from: String,
        /// The later revision.
        to: Option<String>,
    },
    /// For each commit: signed or not, by whom (person and roles), valid or not.
    /// Exits 1 if any commit is not signed by a key in isms.yaml.
    VerifyCommits {
        /// A range (main~5..main), or a revision and everything before it. Default: HEAD.
        range: Option<String>,
    },
    /// Fetch from a remote.
    Fetch {
        /// The remote.
        #[arg(default_value = "origin")]
        remote: String,
    },
    /// Fetch and merge the remote's copy of this branch, record by record and field by field.
    Pull {
        /// The remote.
        #[arg(default_value = "origin")]
        remote: String,
        /// Resolve a conflict: <id>.<field>=mine|theirs|value:<new value>.
        #[arg(long)]
        resolve: Vec<String>,
        /// Make the merge commit unsigned.
        #[arg(long)]
        unsigned: bool,
        /// Finish a pull that was interrupted: write the rest of its files, move the branch.
        #[arg(long, conflicts_with_all = ["undo", "resolve"])]
        finish: bool,
        /// Undo a pull that was interrupted: put the files back as they were.
        #[arg(long, conflicts_with = "resolve")]
        undo: bool,
    },
    /// Push this branch to a remote.
    Push {
        /// The remote.
        #[arg(default_value = "origin")]
        remote: String,
    },
    /// Show or change who you are and the key you sign with (what the app's Settings
    /// screen shows). A choice is written into the repository's git configuration
    /// (user.name/user.email; gpg.format=ssh and user.signingkey), so that git agrees,
    /// and into ISMS Desk's settings.
    Settings {
        /// The SSH key to sign with: a private key, or the public key of one ssh-agent holds.
        #[arg(long)]
        signing_key: Option<PathBuf>,
        /// Make a new Ed25519 key at this path and sign with it (the passphrase is asked
        /// for; an empty one leaves the key unprotected). Prints the public key to add
        /// to isms.yaml.
        #[arg(long, conflicts_with = "signing_key")]
        generate_key: Option<PathBuf>,
        /// You are the person in isms.yaml with this email.
        #[arg(long)]
        person: Option<String>,
        /// Set the address of the `origin` remote.
        #[arg(long)]
        remote: Option<String>,
    },
    /// Score a likelihood and impact under the repository's methodology.
    Score {
        /// Likelihood, on the methodology's scale.
        likelihood: u8,
        /// Impact, on the methodology's scale.
        impact: u8,
    },
    /// Show the methodology in force and the risks still to be rescored under it, or
    /// change it (`--set`).
    ///
    /// Example: isms methodology --set methodology-2.0.yaml
    Methodology {
        /// Change the methodology to the `methodology:` block of this YAML file. A new
        /// version gets a rescoring from the one in force (the file's, or the one
        /// ISMS Desk proposes); only isms.yaml is written.
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// Rescore a risk scored under an earlier methodology version: with the
    /// methodology's mapping, or with the levels given.
    ///
    /// Example: isms rescore R-004 --likelihood 3 --impact 2
    Rescore {
        /// The risk id.
        id: String,
        /// New inherent likelihood (with --impact; otherwise the mapping's).
        #[arg(long, requires = "impact")]
        likelihood: Option<u8>,
        /// New inherent impact.
        #[arg(long, requires = "likelihood")]
        impact: Option<u8>,
        /// New residual likelihood.
        #[arg(long, requires = "residual_impact")]
        residual_likelihood: Option<u8>,
        /// New residual impact.
        #[arg(long, requires = "residual_likelihood")]
        residual_impact: Option<u8>,
    },
}

/// The filters and order of `isms list`.
#[derive(Args)]
pub(crate) struct ListArgs {
    /// Only this band of the methodology (its id or its name).
    #[arg(long)]
    pub band: Option<String>,
    /// Only this risk domain.
    #[arg(long)]
    pub domain: Option<String>,
    /// Only this status.
    #[arg(long)]
    pub status: Option<String>,
    /// Only this owner role.
    #[arg(long)]
    pub owner: Option<String>,
    /// Only risks with this theme, or controls of this Annex A theme.
    #[arg(long)]
    pub theme: Option<String>,
    /// Order of risks: id, score, residual, title, next_review, domain, owner or status.
    #[arg(long, default_value = "id")]
    pub sort: String,
    /// Reverse the order (scores list highest first, everything else from the start).
    #[arg(long)]
    pub desc: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum NewKind {
    Risk,
    Treatment,
    Control,
    Document,
    Audit,
    Nonconformity,
    Objective,
    Review,
    Supplier,
    Evidence,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ExportKind {
    /// One Excel workbook.
    Excel,
    /// OSCAL 1.2 JSON documents in a folder.
    Oscal,
}

/// What `isms publish` publishes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PublishKind {
    /// The public security page, its security.txt, subprocessors and change feed.
    SecurityPage,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ListKind {
    Risks,
    Controls,
    Treatments,
    Documents,
    Audits,
    Nonconformities,
    Objectives,
    Suppliers,
}
