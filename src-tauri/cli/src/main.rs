//! `isms`: the ISMS Desk command line, a thin layer over isms-core's use cases
//! (`isms_core::api`) for people at a terminal and for the ISMS repository's own CI.
//! Every command takes `--repo` (default: the current directory) and `--format json`,
//! which prints the same structures the desktop app receives.
//!
//! Exit status: 0 success; 1 when `isms check` finds errors (or warnings with
//! `--strict`) or `isms verify` fails; 2 when the command could not run (bad
//! arguments, not an ISMS, I/O).

mod args;
mod commits;
mod edits;
mod records;
mod reports;
mod signoff;
mod spreadsheets;
mod table;
mod terminal;

use std::path::Path;
use std::process::ExitCode;

use args::{Cli, Command, ExportKind, ForgeCommand, Format, SignoffCommand};
use chrono::NaiveDate;
use isms_core::api::{Passphrase, Session};
use isms_core::git::recovery::Settle;
use isms_core::settings::Settings;
use isms_core::{Error, ErrorCode, Isms};
use serde_json::json;

/// What every command is run with: where the ISMS is, how to print, and the session
/// (the person's settings, read once here, and the terminal's passphrase prompt).
pub(crate) struct Ctx<'a> {
    /// The repository given with `--repo`.
    pub repo: &'a Path,
    /// `--format json`.
    pub json: bool,
    /// The format asked for.
    pub format: Format,
    /// The person at the terminal.
    pub session: &'a Session<'a>,
}

impl Ctx<'_> {
    /// The ISMS at `--repo`.
    pub fn isms(&self) -> Result<Isms, Failure> {
        Ok(Isms::open(self.repo)?)
    }
}

/// A failure to run a command (exit status 2).
pub(crate) struct Failure {
    code: ErrorCode,
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

impl Failure {
    /// Whether this failure has `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == code
    }
}

pub(crate) fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: ErrorCode::Usage,
        message: message.into(),
    }
}

/// Output that cannot be written ends the program as a command-line tool should: a
/// reader that went away (`isms check | head -1`) ends it quietly, with the status a
/// process killed by SIGPIPE has (141); any other failure (a full disk) is one line on
/// stderr and status 2. Rust's `println!` panics on both; this hook catches exactly
/// those panics and leaves every other panic as it is.
fn end_quietly_when_output_fails() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if let Some(cause) = message.strip_prefix("failed printing to stdout: ") {
            if cause.starts_with("Broken pipe") {
                std::process::exit(141);
            }
            eprintln!("isms: the output could not be written: {cause}");
            std::process::exit(2);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    end_quietly_when_output_fails();
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let _log = isms_core::logging::start();
    // The command's name only: its arguments may hold text a person wrote.
    let command = matches.subcommand_name().unwrap_or("isms");
    let _span = tracing::info_span!("isms", command).entered();
    let format = cli.format;
    let outcome = Settings::load()
        .map_err(Failure::from)
        .and_then(|settings| {
            let session = Session {
                settings: &settings,
                passphrase: Passphrase::Ask(&commits::prompt),
                when: commits::when(),
            };
            run(cli, &session)
        });
    // How long it took is logged as the span closes.
    match &outcome {
        Ok(code) => {
            let exit = if *code == ExitCode::SUCCESS { 0 } else { 1 };
            tracing::info!(exit, "done")
        }
        Err(f) => tracing::warn!(code = %f.code, error = %f.message, "failed"),
    }
    match outcome {
        Ok(code) => code,
        Err(f) => {
            if format == Format::Json {
                eprintln!(
                    "{}",
                    json!({ "error": { "code": f.code, "message": f.message } })
                );
            } else {
                eprintln!("isms: {}", terminal::safe(&f.message));
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, session: &Session) -> Result<ExitCode, Failure> {
    let for_reports = matches!(cli.format, Format::Md | Format::Html | Format::Pdf);
    if for_reports
        && !matches!(
            cli.command,
            Command::Report { .. }
                | Command::Signed { .. }
                | Command::Render { .. }
                | Command::Soc2 { .. }
                | Command::Compare { .. }
        )
    {
        return Err(usage(
            "--format md, html and pdf are for `isms report`, `isms render`, `isms signed`, `isms soc2` and `isms compare`; use text or json",
        ));
    }
    if cli.format == Format::Csv && !matches!(cli.command, Command::List { .. }) {
        return Err(usage("--format csv is for `isms list`; use text or json"));
    }
    let c = Ctx {
        repo: &cli.repo,
        json: cli.format == Format::Json,
        format: cli.format,
        session,
    };
    match cli.command {
        Command::Init {
            dir,
            organisation,
            today,
        } => records::init(&c, &dir, &organisation, today),
        Command::Check { today, strict } => records::check(&c, today, strict),
        Command::List { what, filters } => records::list(&c, what, &filters),
        Command::Show { id } => records::show(&c, &id),
        Command::Search { words, limit } => records::search(&c, &words, limit),
        Command::Score { likelihood, impact } => records::score(&c, likelihood, impact),
        Command::Methodology { set } => edits::methodology(&c, set.as_deref()),
        Command::Export {
            what: ExportKind::Excel,
            rev,
            output,
        } => spreadsheets::export(&c, &rev, &output),
        Command::Export {
            what: ExportKind::Oscal,
            rev,
            output,
        } => reports::export_oscal(&c, &rev, &output),
        Command::Render {
            kind,
            subject,
            rev,
            output,
        } => reports::render(&c, kind, subject.as_deref(), &rev, output.as_deref()),
        Command::Signed {
            target,
            output,
            sign,
        } => reports::signed(&c, &target, output.as_deref(), sign),
        Command::Soc2 { rev, output } => reports::soc2(&c, &rev, output.as_deref()),
        Command::Collect { file, assignments } => edits::collect(&c, &file, &assignments),
        Command::Publish {
            what,
            draft,
            rev,
            output,
        } => reports::publish(&c, what, draft, rev.as_deref(), &output),
        Command::Compare {
            earlier,
            later,
            output,
        } => reports::compare(&c, &earlier, &later, output.as_deref()),
        Command::AuditPack { rev, output } => reports::audit_pack(&c, &rev, &output),
        Command::ReviewPack { id, at } => {
            let pack = c.isms()?.review_pack(&id, &at)?;
            print!("{pack}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            file,
            sheet,
            kind,
            date_order,
            mapping,
            apply,
            skip_invalid,
            errors,
            save_mapping,
        } => spreadsheets::import(
            &c,
            &file,
            spreadsheets::ImportArgs {
                sheet,
                kind,
                date_order,
                mapping,
                apply,
                skip_invalid,
                errors,
                save_mapping,
            },
        ),
        Command::Rescore {
            id,
            likelihood,
            impact,
            residual_likelihood,
            residual_impact,
        } => edits::rescore(
            &c,
            &id,
            isms_core::domain::AsScored {
                likelihood,
                impact,
                residual_likelihood,
                residual_impact,
            },
        ),
        Command::New {
            kind,
            title,
            id,
            assignments,
            body,
        } => edits::new(&c, kind, title, id, &assignments, body),
        Command::Set {
            id,
            assignments,
            body,
            base,
        } => edits::set(&c, &id, &assignments, body, base),
        Command::StartAssessment { on } => edits::start_assessment(&c, on),
        Command::AddAction { id, fields, base } => edits::add_action(&c, &id, &fields, base),
        Command::Close { id, action, today } => edits::close(&c, &id, action.as_deref(), today),
        Command::Commit {
            message,
            ids,
            unsigned,
            allow_signed_edit,
        } => commits::commit(&c, &message, &ids, unsigned, allow_signed_edit),
        Command::Log { id, body } => commits::log(&c, &id, body),
        Command::Diff { from, to } => commits::diff(&c, &from, to.as_deref()),
        Command::VerifyCommits { range } => commits::verify_commits(&c, range.as_deref()),
        Command::Fetch { remote } => commits::fetch(&c, &remote),
        Command::Push { remote } => commits::push(&c, &remote),
        Command::Pull { finish: true, .. } => commits::settle_pull(&c, Settle::Finish),
        Command::Pull { undo: true, .. } => commits::settle_pull(&c, Settle::Undo),
        Command::Pull {
            remote,
            resolve,
            unsigned,
            ..
        } => commits::pull(&c, &remote, &resolve, unsigned),
        Command::Settings {
            signing_key,
            generate_key,
            person,
            remote,
        } => commits::settings(&c, signing_key, generate_key, person, remote),
        Command::Report {
            kind,
            rev,
            output,
            signoff,
            sign,
        } => reports::report(&c, kind, &rev, output.as_deref(), signoff.as_deref(), sign),
        Command::Signoff(SignoffCommand::Start { kind, subject }) => {
            signoff::start(&c, kind, subject.as_deref())
        }
        Command::Signoff(SignoffCommand::Status) => signoff::status(&c),
        Command::Signoff(SignoffCommand::Sign { id, approve }) => signoff::sign(&c, &id, approve),
        Command::Signoff(SignoffCommand::Record { id }) => signoff::record(&c, &id),
        Command::Signoff(SignoffCommand::Push { id, remote }) => signoff::push(&c, &id, &remote),
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
            &c,
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
    }
}

/// The date given, or today on this machine.
pub(crate) fn today(given: Option<NaiveDate>) -> NaiveDate {
    given.unwrap_or_else(|| chrono::Local::now().date_naive())
}

pub(crate) fn print_json(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value)
            .expect("command output serialises because it is plain data")
    );
}

/// `1 risk`, `2 risks`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
