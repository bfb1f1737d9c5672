//! A signed report for auditors: the markdown exactly as it was signed, with the
//! sign-off table filled in from the verified steps and an appendix that tells the
//! reader how to check every signature without ISMS Desk.
//!
//! Everything added comes from the commits (signers, keys, dates), so rendering the
//! same sign-off again gives the same bytes, in markdown, HTML and PDF alike.

use super::{RequestState, RequestVerification, StepState};
use crate::domain::SignoffMeans;
use crate::report::model::means_text;
use crate::report::{Report, ReportKind, ReportMeta};
use crate::{Error, Isms, Result};

/// The header row of the sign-off table (templates/reports/signoff-table.md.j2).
const TABLE_HEADER: &str = "| Role | Person | Means of sign-off | Date | Key | Commit |";
/// The status row of document control.
const STATUS_ROW: &str = "| Status |";

impl Isms {
    /// The report signed in `request`, with its sign-off evidence. Refused unless the
    /// request verified: an auditor must never receive a "signed" report whose
    /// signatures do not hold.
    pub fn signed_report(&self, request: &RequestVerification) -> Result<Report> {
        if !request.problems.is_empty() {
            return Err(Error::Signoff(format!(
                "sign-off {} does not verify, so no signed report is made from it: {}",
                request.id,
                request
                    .problems
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        let repo = crate::git::repository(self)?;
        let blob = crate::git::read_checked(
            &repo,
            git2::Oid::from_str(&request.report_blob)?,
            git2::ObjectType::Blob,
        )?;
        let signed = std::str::from_utf8(&blob)
            .map_err(|_| Error::Usage(format!("{} is not UTF-8", request.report)))?;
        let meta = match ReportKind::parse(&request.kind).filter(|k| *k != ReportKind::Register) {
            // The metadata (title, commit, date) of the same render at the source commit.
            Some(kind) => self.report(kind, &request.source)?.meta,
            None => {
                let source = git2::Oid::from_str(&request.source).map_err(|_| {
                    Error::Signoff(format!("{} names no source commit", request.id))
                })?;
                meta_of(
                    &repo,
                    &request.kind,
                    source,
                    signed,
                    format!("Sign-off {}", request.id),
                )?
            }
        };
        Ok(Report {
            meta,
            markdown: with_evidence(signed, request),
        })
    }
}

/// What a document other than a report (a controlled document, a management review's
/// record, an audit report) says about itself: its `# ` title, the organisation and
/// source commit, its classification and version rows when it has them (a controlled
/// document), else `version`, and the tool that rendered it.
pub(crate) fn meta_of(
    repo: &git2::Repository,
    kind: &str,
    source: git2::Oid,
    markdown: &str,
    version: String,
) -> Result<ReportMeta> {
    let commit = repo.find_commit(source)?;
    let when = commit.committer().when();
    let organisation = super::verify::config_at(repo, source)?
        .map(|c| c.organisation.name)
        .unwrap_or_default();
    let row = |name: &str| crate::domain::table_row(markdown, name);
    Ok(ReportMeta {
        kind: kind.to_string(),
        title: markdown
            .lines()
            .find_map(|l| l.strip_prefix("# "))
            .unwrap_or(kind)
            .to_string(),
        organisation,
        classification: row("Classification").unwrap_or_else(|| "Internal".into()),
        version: row("Version")
            .map(|v| format!("Version {v}"))
            .unwrap_or(version),
        commit: source.into(),
        date: crate::report::model::commit_date(when.seconds(), when.offset_minutes()),
        time: when.seconds(),
        tool: crate::report::markdown::produced_by(markdown).unwrap_or_else(crate::report::tool),
    })
}

/// The signed markdown with the sign-off table filled, the status stated and the
/// verification appendix added.
pub fn with_evidence(signed: &str, request: &RequestVerification) -> String {
    let mut out = String::with_capacity(signed.len() + 4096);
    let mut lines = signed.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with(STATUS_ROW) {
            out.push_str(&format!("{STATUS_ROW} {} |\n", status(request)));
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if line == TABLE_HEADER {
            if let Some(separator) = lines.next() {
                out.push_str(separator);
                out.push('\n');
            }
            while lines.peek().is_some_and(|l| l.starts_with('|')) {
                lines.next();
            }
            for step in &request.steps {
                out.push_str(&row(step));
            }
        }
    }
    out.push_str(&appendix(request));
    out
}

fn status(request: &RequestVerification) -> String {
    match request.state {
        RequestState::Complete => format!("Signed off ({})", request.id),
        RequestState::ReadyToMerge => format!("Approved, awaiting merge ({})", request.id),
        _ => format!("In sign-off ({})", request.id),
    }
}

fn row(step: &super::StepVerification) -> String {
    let cell = |t: &str| crate::report::markdown::cell(t);
    match &step.state {
        StepState::Pending => format!(
            "| {} | pending | {} | pending | — | — |\n",
            cell(&step.role_title),
            means_text(step.means)
        ),
        StepState::Done {
            commit,
            person,
            key,
            date,
            ..
        } => format!(
            "| {} | {} | {} | {} | {} | `{}` |\n",
            cell(&step.role_title),
            cell(person),
            means_text(step.means),
            date.get(..10).unwrap_or(date),
            short_key(key),
            crate::git::short_id(commit)
        ),
    }
}

/// `SHA256:` and the first 12 characters of the fingerprint: enough to tell keys
/// apart in a table; the appendix gives it whole.
fn short_key(key: &str) -> String {
    let body = key.strip_prefix("SHA256:").unwrap_or(key);
    format!("SHA256:{}…", body.chars().take(12).collect::<String>())
}

fn appendix(request: &RequestVerification) -> String {
    let mut out = String::new();
    out.push_str("\n## Appendix: verifying the signatures\n\n");
    out.push_str(&format!(
        "This copy was rendered from the signed commits of sign-off request `{}`. The text \
         above is the file `{}` (git blob `{}`) exactly as it was signed; only the status row, \
         the sign-off table and this appendix were filled in from the signatures.\n\n",
        request.id, request.report, request.report_blob
    ));
    for step in &request.steps {
        match &step.state {
            StepState::Done {
                commit,
                person,
                email,
                key,
                date,
                how,
            } => out.push_str(&format!(
                "- **Step {} — {}**: {} \\<{}\\>, {how}, {date}. Commit `{commit}`, key `{key}`.\n",
                step.number,
                crate::report::markdown::inline(&step.role_title),
                crate::report::markdown::inline(person),
                crate::report::markdown::inline(email),
            )),
            StepState::Pending => out.push_str(&format!(
                "- **Step {} — {}**: pending ({}).\n",
                step.number,
                crate::report::markdown::inline(&step.role_title),
                means_word(step.means)
            )),
        }
    }
    if let Some(merge) = &request.merge {
        out.push_str(&format!(
            "\nThe request was merged into {} by commit `{merge}`.\n",
            request.into
        ));
    }
    for warning in &request.warnings {
        out.push_str(&format!(
            "\nNote: {}\n",
            crate::report::markdown::inline(&warning.message)
        ));
    }
    out.push_str(
        "\nAnyone with a copy of the repository can check each signature with git and \
         OpenSSH alone; `.isms/allowed_signers` lists the people's public keys:\n\n",
    );
    out.push_str("```\n");
    for step in &request.steps {
        if let StepState::Done { commit, .. } = &step.state {
            out.push_str(&format!(
                "git -c gpg.ssh.allowedSignersFile=.isms/allowed_signers verify-commit {commit}\n"
            ));
        }
    }
    out.push_str(&format!("isms verify {}\n```\n", request.id));
    out.push_str(
        "\n`isms verify` also checks what git alone does not: that each key was authorised for \
         the signer's role by an approved configuration at the time, that the steps came in the \
         chain's order, that separation of duties held, and that the report did not change after \
         the first signature.\n",
    );
    out
}

fn means_word(means: SignoffMeans) -> &'static str {
    match means {
        SignoffMeans::CommitSignature => "signed commit",
        SignoffMeans::CoSignature => "co-signature",
        SignoffMeans::Merge => "signed merge",
    }
}
