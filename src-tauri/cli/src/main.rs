//! `isms`: the ISMS Desk command line, a thin layer over isms-core for people at a
//! terminal and for the ISMS repository's own CI. Every command takes `--repo`
//! (default: the current directory) and `--format json`.
//!
//! Exit status: 0 success; 1 when `isms check` finds errors (or warnings with
//! `--strict`); 2 when the command could not run (bad arguments, not an ISMS, I/O).

mod commits;
mod edits;
mod reports;
mod signoff;
mod table;
mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use isms_core::domain::checks::{self, CheckReport, Severity};
use isms_core::domain::{sections, Band, Methodology, Rating, RiskStatus};
use isms_core::index::{ControlQuery, RiskQuery, RiskSort};
use isms_core::repository::{AnyRecord, RecordKind};
use isms_core::{catalogue, Error, Isms};
use serde_json::json;
use table::Table;

#[derive(Parser)]
#[command(
    name = "isms",
    version,
    about = "ISMS Desk: an ISO/IEC 27001:2022 ISMS kept as markdown in git"
)]
struct Cli {
    /// The ISMS repository (the folder with isms.yaml).
    #[arg(long, global = true, default_value = ".")]
    repo: PathBuf,
    /// Output for people (text) or for machines (json); `isms report` also takes md,
    /// html and pdf.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(subcommand)]
    command: Command,
}

/// `isms signoff …`
#[derive(Subcommand)]
enum SignoffCommand {
    /// Render the document at HEAD into reports/, commit it on a new branch
    /// signoff/<id> and sign it as the chain's first step.
    ///
    /// Example: isms signoff start risk-assessment; isms signoff start risk-acceptance R-013
    Start {
        /// What is signed off.
        kind: signoff::Kind,
        /// For risk-acceptance: the risk.
        risk: Option<String>,
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
enum ForgeCommand {
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
enum Format {
    Text,
    Json,
    /// A report as markdown (what `text` means for `isms report`).
    Md,
    /// A report as a standalone HTML page.
    Html,
    /// A report as an A4 PDF.
    Pdf,
}

#[derive(Subcommand)]
enum Command {
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
        /// Only this band: unacceptable, manage or acceptable.
        #[arg(long)]
        band: Option<String>,
        /// Only this risk domain.
        #[arg(long)]
        domain: Option<String>,
        /// Only this status.
        #[arg(long)]
        status: Option<String>,
        /// Only this owner role.
        #[arg(long)]
        owner: Option<String>,
        /// Only risks with this theme, or controls of this Annex A theme.
        #[arg(long)]
        theme: Option<String>,
        /// Order of risks: id, score, residual, title or next_review.
        #[arg(long, default_value = "id")]
        sort: String,
        /// Reverse the order.
        #[arg(long)]
        desc: bool,
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
        /// The id, for controls (5.37) and documents (access-policy).
        #[arg(long)]
        id: Option<String>,
        /// Fields: field=value, list+=item.
        assignments: Vec<String>,
        /// Read the markdown body from this file (`-` for standard input).
        #[arg(long)]
        body: Option<PathBuf>,
    },
    /// Change fields of a record: isms set R-004 likelihood=3 status=active.
    ///
    /// field=value replaces (an empty value removes the field), list+=item adds,
    /// list-=item removes, nested.path=value reaches into maps and lists of items with
    /// an id (actions.A2.status=done). The record is validated before anything is written.
    Set {
        /// The record id.
        id: String,
        /// Fields: field=value, list+=item, list-=item.
        assignments: Vec<String>,
        /// Replace the markdown body with this file (`-` for standard input).
        #[arg(long)]
        body: Option<PathBuf>,
    },
    /// Close a record, keeping it for the audit trail (risk → closed, treatment →
    /// closed_on, document → withdrawn_on, action → done).
    Close {
        /// The record id.
        id: String,
        /// Close this action of the treatment instead.
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
    },
    /// Push this branch to a remote.
    Push {
        /// The remote.
        #[arg(default_value = "origin")]
        remote: String,
    },
    /// Show or change ISMS Desk's settings for you on this machine.
    Settings {
        /// The SSH private key to sign with when git's user.signingkey is not set.
        #[arg(long)]
        signing_key: Option<PathBuf>,
        /// Your email in isms.yaml, when git's user.name/user.email are not set.
        #[arg(long)]
        person: Option<String>,
    },
    /// Score a likelihood and impact under the repository's methodology.
    Score {
        /// Likelihood, 1–5.
        likelihood: u8,
        /// Impact, 1–5.
        impact: u8,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum NewKind {
    Risk,
    Treatment,
    Control,
    Document,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListKind {
    Risks,
    Controls,
    Treatments,
    Documents,
}

/// A failure to run a command (exit status 2).
pub(crate) struct Failure {
    code: &'static str,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

pub(crate) fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: "usage",
        message: message.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.format;
    match run(cli) {
        Ok(code) => code,
        Err(f) => {
            if format == Format::Json {
                eprintln!(
                    "{}",
                    json!({ "error": { "code": f.code, "message": f.message } })
                );
            } else {
                eprintln!("isms: {}", f.message);
            }
            ExitCode::from(2)
        }
    }
}

fn today(given: Option<NaiveDate>) -> NaiveDate {
    given.unwrap_or_else(|| chrono::Local::now().date_naive())
}

pub(crate) fn print_json(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value)
            .expect("command output serialises because it is plain data")
    );
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let json = cli.format == Format::Json;
    let for_reports = matches!(cli.format, Format::Md | Format::Html | Format::Pdf);
    if for_reports && !matches!(cli.command, Command::Report { .. }) {
        return Err(usage(
            "--format md, html and pdf are for `isms report`; use text or json",
        ));
    }
    match cli.command {
        Command::Report {
            kind,
            rev,
            output,
            signoff,
            sign,
        } => reports::report(
            &cli.repo,
            cli.format,
            kind,
            &rev,
            output.as_deref(),
            signoff.as_deref(),
            sign,
        ),
        Command::Signoff(SignoffCommand::Start { kind, risk }) => {
            signoff::start(&cli.repo, json, kind, risk.as_deref())
        }
        Command::Signoff(SignoffCommand::Status) => signoff::status(&cli.repo, json),
        Command::Signoff(SignoffCommand::Sign { id, approve }) => {
            signoff::sign(&cli.repo, json, &id, approve)
        }
        Command::Signoff(SignoffCommand::Record { id }) => signoff::record(&cli.repo, json, &id),
        Command::Signoff(SignoffCommand::Push { id, remote }) => {
            signoff::push(&cli.repo, json, &id, &remote)
        }
        Command::Forge(ForgeCommand::Login { host }) => signoff::forge_login(&host),
        Command::Forge(ForgeCommand::Logout { host }) => signoff::forge_logout(&host),
        Command::Verify {
            target,
            rev,
            root_key,
            strict,
            requests,
            write_allowed_signers,
        } => signoff::verify(
            &cli.repo,
            json,
            signoff::VerifyArgs {
                target: target.as_deref(),
                rev: rev.as_deref(),
                root_key: root_key.or_else(|| {
                    std::env::var("ISMS_ROOT_KEY")
                        .ok()
                        .filter(|k| !k.trim().is_empty())
                }),
                strict,
                requests,
                write_allowed_signers: write_allowed_signers.as_deref(),
            },
        ),
        Command::Init {
            dir,
            organisation,
            today: date,
        } => {
            isms_core::init::init(&dir, &organisation, today(date))?;
            if json {
                print_json(&json!({ "created": dir }));
            } else {
                println!(
                    "Created a new ISMS for {organisation} in {}.",
                    dir.display()
                );
                println!("Next: add people and their roles to isms.yaml, then run `isms check --repo {}`.", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::New {
            kind,
            title,
            id,
            assignments,
            body,
        } => {
            let kind = match kind {
                NewKind::Risk => RecordKind::Risk,
                NewKind::Treatment => RecordKind::Treatment,
                NewKind::Control => RecordKind::Control,
                NewKind::Document => RecordKind::Document,
            };
            edits::new(&cli.repo, json, kind, title, id, &assignments, body)
        }
        Command::Set {
            id,
            assignments,
            body,
        } => edits::set(&cli.repo, json, &id, &assignments, body),
        Command::Close {
            id,
            action,
            today: date,
        } => edits::close(&cli.repo, json, &id, action.as_deref(), today(date)),
        Command::Commit {
            message,
            ids,
            unsigned,
            allow_signed_edit,
        } => commits::commit(&cli.repo, json, &message, &ids, unsigned, allow_signed_edit),
        Command::Log { id, body } => commits::log(&cli.repo, json, &id, body),
        Command::Diff { from, to } => commits::diff(&cli.repo, json, &from, to.as_deref()),
        Command::VerifyCommits { range } => {
            commits::verify_commits(&cli.repo, json, range.as_deref())
        }
        Command::Fetch { remote } => commits::fetch_or_push(&cli.repo, json, &remote, false),
        Command::Push { remote } => commits::fetch_or_push(&cli.repo, json, &remote, true),
        Command::Pull {
            remote,
            resolve,
            unsigned,
        } => commits::pull(&cli.repo, json, &remote, &resolve, unsigned),
        Command::Settings {
            signing_key,
            person,
        } => commits::settings(json, signing_key, person),
        Command::Check {
            today: date,
            strict,
        } => {
            let isms = Isms::open(&cli.repo)?;
            let loaded = isms.load()?;
            let report = checks::run(
                &loaded.records,
                &loaded.errors,
                &catalogue::annex_a(),
                today(date),
            );
            if json {
                print_json(
                    &json!({ "errors": report.errors(), "warnings": report.warnings(), "report": report }),
                );
            } else {
                print!("{}", render_check(&report));
            }
            let failed = report.errors() > 0 || (strict && report.warnings() > 0);
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::List {
            what,
            band,
            domain,
            status,
            owner,
            theme,
            sort,
            desc,
        } => {
            let isms = Isms::open(&cli.repo)?;
            let index = isms.index()?;
            match what {
                ListKind::Risks => {
                    let band = band
                        .map(|b| {
                            Band::parse(&b).ok_or_else(|| {
                                usage(format!("--band: `{b}` is not one of unacceptable, manage or acceptable"))
                            })
                        })
                        .transpose()?;
                    if let Some(s) = &status {
                        RiskStatus::parse(s).ok_or_else(|| {
                            usage(format!(
                                "--status: `{s}` is not one of {}",
                                RiskStatus::expected()
                            ))
                        })?;
                    }
                    let sort = RiskSort::parse(&sort).ok_or_else(|| {
                        usage(format!("--sort: `{sort}` is not one of id, score, residual, title or next_review"))
                    })?;
                    let rows = index.risks(&RiskQuery {
                        band,
                        domain,
                        status,
                        owner,
                        theme,
                        sort,
                        descending: desc,
                    })?;
                    let provisional = if rows.iter().any(|r| r.provisional) {
                        " (* provisional score)"
                    } else {
                        ""
                    };
                    let summary = format!("{}{provisional}", plural(rows.len(), "risk"));
                    output(
                        json,
                        &rows,
                        &[
                            "ID",
                            "TITLE",
                            "DOMAIN",
                            "STATUS",
                            "L",
                            "I",
                            "SCORE",
                            "BAND",
                            "RESIDUAL",
                            "TREATMENT",
                            "OWNER",
                        ],
                        summary,
                        |r| {
                            let score = match (r.score, r.provisional) {
                                (Some(s), true) => format!("{s}*"),
                                (s, _) => dash(s),
                            };
                            let residual = match (r.residual_score, r.residual_band) {
                                (Some(s), Some(b)) => format!("{s} {}", b.label()),
                                _ => "–".into(),
                            };
                            vec![
                                r.id.clone(),
                                r.title.clone(),
                                r.domain.clone(),
                                r.status.clone(),
                                dash(r.likelihood),
                                dash(r.impact),
                                score,
                                dash(r.band.map(Band::label)),
                                residual,
                                dash(r.treatment.as_ref()),
                                r.owner.clone(),
                            ]
                        },
                    );
                }
                ListKind::Controls => {
                    let applicable = match status.as_deref() {
                        Some("applicable") => Some(true),
                        Some("not_applicable") => Some(false),
                        _ => None,
                    };
                    let status = status.filter(|s| s != "applicable" && s != "not_applicable");
                    let rows = index.controls(&ControlQuery {
                        theme,
                        status,
                        owner,
                        applicable,
                    })?;
                    let summary = format!(
                        "{} controls, {} applicable",
                        rows.len(),
                        rows.iter().filter(|r| r.applicable).count()
                    );
                    output(
                        json,
                        &rows,
                        &[
                            "ID",
                            "TITLE",
                            "THEME",
                            "APPLICABLE",
                            "STATUS",
                            "OWNER",
                            "RISKS",
                        ],
                        summary,
                        |r| {
                            vec![
                                r.id.clone(),
                                r.title.clone(),
                                r.theme.clone().unwrap_or_default(),
                                if r.applicable { "yes" } else { "no" }.into(),
                                r.status.replace('_', " "),
                                dash(r.owner.as_ref()),
                                r.cited_by.join(" "),
                            ]
                        },
                    );
                }
                ListKind::Treatments => {
                    let rows = index.treatments()?;
                    let summary = plural(rows.len(), "treatment");
                    output(
                        json,
                        &rows,
                        &[
                            "ID", "TITLE", "OPTION", "DECISION", "RISKS", "ACTIONS", "OPEN",
                            "NEXT DUE",
                        ],
                        summary,
                        |r| {
                            vec![
                                r.id.clone(),
                                r.title.clone(),
                                r.option.clone(),
                                r.decision.clone(),
                                r.risks.join(" "),
                                r.actions.to_string(),
                                r.open_actions.to_string(),
                                dash(r.next_due.as_ref()),
                            ]
                        },
                    );
                }
                ListKind::Documents => {
                    let rows = index.documents()?;
                    let summary = plural(rows.len(), "document");
                    output(
                        json,
                        &rows,
                        &[
                            "ID",
                            "TITLE",
                            "VERSION",
                            "OWNER",
                            "APPROVED BY",
                            "EFFECTIVE",
                            "NEXT REVIEW",
                        ],
                        summary,
                        |r| {
                            vec![
                                r.id.clone(),
                                r.title.clone(),
                                r.version.clone(),
                                r.owner.clone(),
                                dash(r.approved_by.as_ref()),
                                dash(r.effective.as_ref()),
                                dash(r.next_review.as_ref()),
                            ]
                        },
                    );
                }
            }
            let problems = index.load_errors()?;
            if !problems.is_empty() && !json {
                eprintln!("{} file problem{} kept records out of this list; run `isms check` for details.", problems.len(), if problems.len() == 1 { "" } else { "s" });
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { id } => {
            let isms = Isms::open(&cli.repo)?;
            let (kind, parsed) = isms.find(&id)?;
            let methodology = isms.load_config().ok().map(|c| c.methodology);
            show(&isms, kind, &parsed.record, methodology.as_ref(), json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Search { words, limit } => {
            let isms = Isms::open(&cli.repo)?;
            let hits = isms.index()?.search(&words.join(" "), limit)?;
            if json {
                print_json(&hits);
            } else {
                let mut t = Table::new(&["ID", "KIND", "TITLE", "FILE"]);
                for h in &hits {
                    t.row(vec![
                        h.id.clone(),
                        h.kind.clone(),
                        h.title.clone(),
                        h.path.clone(),
                    ]);
                }
                print!("{}", t.render());
                println!("{}", plural(hits.len(), "hit"));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Score { likelihood, impact } => {
            for (name, v) in [("likelihood", likelihood), ("impact", impact)] {
                if !(1..=5).contains(&v) {
                    return Err(usage(format!("{name}: {v} is outside the scale 1–5")));
                }
            }
            let methodology = match Isms::open(&cli.repo) {
                Ok(isms) => {
                    isms.load_config()
                        .map_err(|e| {
                            usage(format!(
                                "{}; fix it to score under this ISMS's methodology",
                                e[0]
                            ))
                        })?
                        .methodology
                }
                Err(Error::NotAnIsms(_)) => Methodology {
                    version: "default".into(),
                    likelihood: vec![],
                    impact: vec![],
                    bands: Methodology::default_bands(),
                },
                Err(e) => return Err(e.into()),
            };
            let rating = Rating::new(&methodology, likelihood, impact);
            let band = rating.band.and_then(|b| methodology.band_rule(b));
            if json {
                print_json(
                    &json!({ "likelihood": likelihood, "impact": impact, "score": rating.score, "band": rating.band, "definition": band.map(|b| &b.definition), "methodology_version": methodology.version }),
                );
            } else {
                let name = |levels: &[isms_core::domain::Level], v: u8| {
                    levels
                        .iter()
                        .find(|l| l.level == v)
                        .map(|l| format!(" ({})", l.name))
                        .unwrap_or_default()
                };
                println!(
                    "likelihood {likelihood}{} × impact {impact}{} = {}: {}{}",
                    name(&methodology.likelihood, likelihood),
                    name(&methodology.impact, impact),
                    rating.score,
                    rating.band.map_or("no band", |b| b.label()),
                    band.map(|b| format!(" — {}", b.definition))
                        .unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints rows as JSON, or as an aligned table followed by a summary line.
fn output<T: serde::Serialize>(
    json: bool,
    rows: &[T],
    headings: &[&str],
    summary: String,
    cells: impl Fn(&T) -> Vec<String>,
) {
    if json {
        print_json(&rows);
        return;
    }
    let mut t = Table::new(headings);
    for row in rows {
        t.row(cells(row));
    }
    print!("{}", t.render());
    println!("{summary}");
}

/// A value for a table cell, or a dash when there is none.
fn dash(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "–".into())
}

/// `1 risk`, `2 risks`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn render_check(report: &CheckReport) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let place = match f.line {
            Some(line) => format!("{}:{line}", f.path),
            None => f.path.clone(),
        };
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("{place}: {severity} [{}] {}\n", f.rule, f.message));
    }
    let list = |out: &mut String, heading: &str, items: &[checks::Deferred]| {
        if !items.is_empty() {
            out.push_str(&format!("\n{heading}\n"));
            let mut t = Table::new(&["", "", ""]).indent(2).without_header();
            for d in items {
                t.row(vec![
                    d.id.clone(),
                    d.title.clone(),
                    d.deferred_to
                        .as_ref()
                        .map(|t| format!("→ {t}"))
                        .unwrap_or_else(|| "→ (not said where)".into()),
                ]);
            }
            out.push_str(&t.render());
        }
    };
    list(
        &mut out,
        "Deferred domains (listed on every run so they are not lost):",
        &report.deferred_domains,
    );
    list(&mut out, "Deferred risks:", &report.deferred_risks);
    out.push_str(&format!(
        "\n{}, {} (checked as of {})\n",
        plural(report.errors(), "error"),
        plural(report.warnings(), "warning"),
        report.today
    ));
    out
}

fn show(
    isms: &Isms,
    kind: RecordKind,
    record: &AnyRecord,
    methodology: Option<&Methodology>,
    json: bool,
) -> Result<(), Failure> {
    match record {
        AnyRecord::Risk(r) => {
            let inherent = methodology.and_then(|m| r.inherent(m));
            let residual = methodology.and_then(|m| r.residual(m));
            if json {
                print_json(
                    &json!({ "kind": kind, "record": r, "inherent": inherent, "residual": residual }),
                );
                return Ok(());
            }
            println!("{} — {}", r.id, r.title);
            let rating = |x: Option<Rating>| {
                x.map(|x| {
                    format!(
                        "{} × {} = {} ({})",
                        x.likelihood,
                        x.impact,
                        x.score,
                        x.band.map_or("no band", |b| b.label())
                    )
                })
                .unwrap_or_else(|| "not scored".into())
            };
            let mut t = Table::new(&["", ""]).indent(2).without_header();
            t.row(vec![
                "status".into(),
                format!(
                    "{}{}",
                    r.status.as_str(),
                    r.deferred_to
                        .as_ref()
                        .map(|d| format!(" → {d}"))
                        .unwrap_or_default()
                ),
            ]);
            t.row(vec!["domain".into(), r.domain.clone()]);
            t.row(vec![
                "inherent".into(),
                format!(
                    "{}{}",
                    rating(inherent),
                    if r.provisional { ", provisional" } else { "" }
                ),
            ]);
            t.row(vec!["residual".into(), rating(residual)]);
            t.row(vec![
                "treatment".into(),
                r.treatment.map_or("undecided", |t| t.as_str()).into(),
            ]);
            t.row(vec!["owner".into(), r.owner.clone()]);
            t.row(vec!["controls".into(), r.controls.join(", ")]);
            t.row(vec!["related".into(), r.related.join(", ")]);
            t.row(vec!["themes".into(), r.themes.join(", ")]);
            let date =
                |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "–".into());
            t.row(vec![
                "reviewed".into(),
                format!("{} (next {})", date(r.reviewed_on), date(r.next_review)),
            ]);
            if let Some(a) = &r.acceptance {
                t.row(vec![
                    "acceptance".into(),
                    format!(
                        "by {}, memo {}{}",
                        a.accepted_by,
                        a.memo.as_str(),
                        a.reaffirmed
                            .iter()
                            .max()
                            .map(|d| format!(", re-affirmed {d}"))
                            .unwrap_or_default()
                    ),
                ]);
            }
            print!("{}", t.render());
            print_body(&r.body);
        }
        AnyRecord::Control(c) => {
            let cited: Vec<String> = isms
                .index()?
                .controls(&ControlQuery::default())?
                .into_iter()
                .find(|row| row.id == c.id)
                .map(|row| row.cited_by)
                .unwrap_or_default();
            if json {
                print_json(&json!({ "kind": kind, "record": c, "cited_by": cited }));
                return Ok(());
            }
            println!("Annex A {} — {}", c.id, c.title);
            let mut t = Table::new(&["", ""]).indent(2).without_header();
            t.row(vec![
                "applicable".into(),
                if c.applicable {
                    "yes".into()
                } else {
                    "no".into()
                },
            ]);
            t.row(vec!["status".into(), c.status.as_str().replace('_', " ")]);
            t.row(vec![
                "owner".into(),
                c.owner.clone().unwrap_or_else(|| "–".into()),
            ]);
            t.row(vec![
                "cited by".into(),
                if cited.is_empty() {
                    "no risk".into()
                } else {
                    cited.join(", ")
                },
            ]);
            t.row(vec![
                "reasons".into(),
                c.reasons
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ]);
            if let Some(j) = &c.justification {
                t.row(vec!["justification".into(), j.clone()]);
            }
            for e in &c.evidence {
                t.row(vec!["evidence".into(), e.clone()]);
            }
            print!("{}", t.render());
            print_body(&c.body);
        }
        AnyRecord::Treatment(tr) => {
            if json {
                print_json(&json!({ "kind": kind, "record": tr }));
                return Ok(());
            }
            println!("{} — {}", tr.id, tr.title);
            println!(
                "  {} · {} · risks {}",
                tr.option.as_str(),
                tr.decision.as_str(),
                tr.risks.join(", ")
            );
            let mut t = Table::new(&[
                "ACTION",
                "DESCRIPTION",
                "OWNER",
                "DUE",
                "STATUS",
                "RESOURCES",
            ])
            .indent(2);
            for a in &tr.actions {
                t.row(vec![
                    a.id.clone(),
                    a.description.clone(),
                    a.owner.clone(),
                    a.due.map(|d| d.to_string()).unwrap_or_else(|| "–".into()),
                    a.status.as_str().replace('_', " "),
                    a.resources.clone().unwrap_or_default(),
                ]);
            }
            print!("{}", t.render());
            print_body(&tr.body);
        }
        AnyRecord::Document(d) => {
            if json {
                print_json(&json!({ "kind": kind, "record": d }));
                return Ok(());
            }
            println!("{} — {} (version {})", d.id, d.title, d.version);
            let date =
                |x: Option<NaiveDate>| x.map(|x| x.to_string()).unwrap_or_else(|| "–".into());
            println!(
                "  owner {} · approved by {} · effective {} · next review {}",
                d.owner,
                d.approved_by.as_deref().unwrap_or("–"),
                date(d.effective),
                date(d.next_review)
            );
            print_body(&d.body);
        }
        AnyRecord::Assessment(a) => {
            if json {
                print_json(&json!({ "kind": kind, "record": a }));
                return Ok(());
            }
            println!(
                "{} — {} (performed {}, methodology {})",
                a.id, a.title, a.performed_on, a.methodology_version
            );
            println!(
                "  in scope: {} · deferred: {}",
                a.domains_in_scope.join(", "),
                a.domains_deferred.join(", ")
            );
            print_body(&a.body);
        }
    }
    Ok(())
}

fn print_body(body: &str) {
    for (heading, text) in sections(body) {
        if heading.is_empty() {
            println!("\n{text}");
        } else {
            println!("\n## {heading}\n{text}");
        }
    }
}
