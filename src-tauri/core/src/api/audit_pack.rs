//! `isms audit-pack` and the Reports screen's "Audit pack…": everything an auditor
//! receives, from one commit, in a folder they can check without ISMS Desk.
//!
//! The pack holds every report as PDF (as signed, with its sign-off evidence, when a
//! sign-off of it had landed by that commit; else rendered there and said to be
//! unsigned), each sign-off's evidence and the exact document it signed, the OSCAL
//! export of the commit, the evidence files, the `allowed_signers` of the configuration approved at that commit (not at
//! HEAD), a `VERIFY.md`, and a `MANIFEST` of SHA-256 sums signed with the packer's key
//! in the `isms-report` namespace. A zip of the same files sits beside them.
//!
//! Nothing in it depends on the clock or the machine: the same commit packed by the
//! same key gives the same bytes (Ed25519 signatures are deterministic, the zip's
//! times are the commit's). A commit whose sign-offs do not verify is refused, and a
//! refused pack writes nothing.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::reports::{in_format, ReportFormat};
use super::Session;
use crate::git::changes::Snapshot;
use crate::git::signing::REPORT_NAMESPACE;
use crate::isms::{Isms, RecordKind};
use crate::report::markdown::{cell, inline};
use crate::report::{ReportKind, REPORTS_FOLDER};
use crate::repository::AnyRecord;
use crate::signoff::{
    RequestVerification, RootTrust, SignoffKind, StepState, Verification, VerifyOptions,
};
use crate::{Error, Result};

/// The checksums file, in `sha256sum`'s format.
pub const MANIFEST_FILE: &str = "MANIFEST";
/// The detached SSH signature of the checksums.
pub const MANIFEST_SIGNATURE: &str = "MANIFEST.sig";
/// The approved configuration's signers at the packed commit.
pub const SIGNERS_FILE: &str = "allowed_signers";
/// How to check the pack.
pub const VERIFY_FILE: &str = "VERIFY.md";

/// What an audit pack holds and where it was written.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditPack {
    /// The folder written.
    pub folder: String,
    /// The commit packed.
    pub commit: String,
    /// Every file of the pack, relative to the folder (the zip last).
    pub files: Vec<String>,
    /// The documents in it, each signed or not.
    pub documents: Vec<PackedDocument>,
    /// The evidence files and records copied.
    pub evidence: usize,
    /// Files under `evidence/` left out because their names cannot be listed in the
    /// manifest (a line break, a backslash, not UTF-8), as escaped text.
    pub left_out: Vec<String>,
    /// Who signed the manifest (their email in the approved configuration).
    pub signed_by: String,
    /// The zip's file name, inside the folder.
    pub zip: String,
}

/// One document of the pack.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackedDocument {
    /// Its PDF, relative to the pack.
    pub file: String,
    /// Its title.
    pub title: String,
    /// The sign-off that signed it, when one had landed by the packed commit.
    pub signoff: Option<String>,
}

/// A revision an audit pack can be made from: the last commit, or a tag.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackRevision {
    /// What to pass as the revision: `HEAD` or the tag's name.
    pub rev: String,
    /// How to show it: "Last commit" or the tag's name.
    pub label: String,
    /// The commit it names.
    pub commit: String,
    /// The commit's date (`YYYY-MM-DD`).
    pub date: String,
}

/// A file of the pack being made.
struct PackFile {
    path: String,
    bytes: Vec<u8>,
}

impl Isms {
    /// Writes the audit pack of revision `rev` into `folder` (missing, empty, or an
    /// earlier audit pack, which is replaced whole), its manifest signed with the
    /// session's key, which the configuration approved at `rev` must know.
    pub fn audit_pack(&self, session: &Session, rev: &str, folder: &Path) -> Result<AuditPack> {
        let repo = crate::git::repository(self)?;
        let commit = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| Error::UnknownRevision(rev.to_string()))?;
        let at = commit.id().to_string();
        let options = VerifyOptions {
            rev: Some(at.clone()),
            ..VerifyOptions::default()
        };
        let verification = self.signoff_verify(&options)?;
        let judged = verification.judge(None, false)?;
        if !judged.ok {
            let reasons: Vec<String> = verification
                .problems
                .iter()
                .chain(judged.requests.iter().flat_map(|r| r.problems.iter()))
                .map(|p| p.message.clone())
                .collect();
            return Err(Error::Signoff(format!(
                "the sign-offs at {} do not verify, so no audit pack was made from it: {}",
                crate::git::short_id(&at),
                reasons.join("; ")
            )));
        }
        let replace = crate::fsio::earlier_output(
            folder,
            is_pack_file,
            MANIFEST_FILE,
            "an audit pack; write it into a new or empty folder, or an earlier audit pack",
        )?;
        let signers = self.approved_allowed_signers(&options)?;
        let signer = self.report_signer(session)?;
        let line = signer.allowed_signers_line(REPORT_NAMESPACE);
        let key = line
            .split_whitespace()
            .skip(2)
            .collect::<Vec<_>>()
            .join(" ");
        if !signers
            .lines()
            .any(|l| l.starts_with(&format!("{} ", signer.email)) && l.ends_with(&key))
        {
            return Err(Error::Usage(format!(
                "your signing key was not in the configuration approved at {}, so an auditor could not check the manifest against the pack's allowed_signers; pack a later commit, or ask someone whose key was approved then; nothing was written",
                crate::git::short_id(&at)
            )));
        }

        let snapshot = Snapshot::complete_at(&repo, &at)?;
        let mut files: Vec<PackFile> = Vec::new();
        let mut documents = Vec::new();
        let mut signed: Vec<&RequestVerification> = Vec::new();
        for part in parts(&snapshot, commit.committer().when().seconds()) {
            let request = verification.latest_complete(&part.signed_path);
            let (mut report, title) = match request {
                Some(r) => {
                    let report = self.signed_report(r)?;
                    signed.push(r);
                    (report, part.title.clone())
                }
                None => (self.unsigned(&part, &at)?, part.title.clone()),
            };
            if let (Some(_), Source::Document(SignoffKind::Document, Some(id))) =
                (request, &part.source)
            {
                // A signed controlled document with its revision history, as of the
                // packed commit (an unsigned one gets it from render_subject).
                let history = self.approved_versions(&verification, id)?;
                report
                    .markdown
                    .push_str(&super::documents::revision_history_markdown(&history));
            }
            let pdf = in_format(report, ReportFormat::Pdf)?;
            files.push(PackFile {
                path: part.file.clone(),
                bytes: pdf.bytes,
            });
            documents.push(PackedDocument {
                file: part.file,
                title,
                signoff: request.map(|r| r.id.clone()),
            });
        }
        for request in &signed {
            if !crate::signoff::acceptance::is_record_id(&request.id) {
                return Err(Error::Signoff(format!(
                    "sign-off {:?} has an id that is not a plain name, so it cannot name a file of the pack; nothing was written",
                    request.id
                )));
            }
            let blob = repo.find_blob(git2::Oid::from_str(&request.report_blob)?)?;
            files.push(PackFile {
                path: format!("signoff/{}.md", request.id),
                bytes: signoff_evidence(request, &verification).into_bytes(),
            });
            files.push(PackFile {
                path: format!("signoff/{}.signed.md", request.id),
                bytes: blob.content().to_vec(),
            });
        }
        for file in crate::report::oscal::export(&repo, commit.id())? {
            files.push(PackFile {
                path: format!("oscal/{}", file.name),
                bytes: file.text.into_bytes(),
            });
        }
        let (evidence, left_out) = evidence_files(&repo, &commit)?;
        let evidence_count = evidence.len();
        files.extend(evidence);
        files.push(PackFile {
            path: SIGNERS_FILE.into(),
            bytes: signers.into_bytes(),
        });
        let organisation = snapshot
            .config
            .as_ref()
            .map(|c| c.organisation.name.clone())
            .unwrap_or_default();
        files.push(PackFile {
            path: VERIFY_FILE.into(),
            bytes: verify_text(
                &organisation,
                &at,
                &verification,
                &documents,
                &signed,
                &signer.email,
                &left_out,
            )
            .into_bytes(),
        });
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let manifest = manifest(&files);
        let signature = signer.sign(manifest.as_bytes())?;
        files.push(PackFile {
            path: MANIFEST_FILE.into(),
            bytes: manifest.into_bytes(),
        });
        files.push(PackFile {
            path: MANIFEST_SIGNATURE.into(),
            bytes: signature.into_bytes(),
        });
        let zip_name = format!("audit-pack-{}.zip", crate::git::short_id(&at));
        let zip = zip_of(
            &format!("audit-pack-{}", crate::git::short_id(&at)),
            &files,
            commit.committer().when().seconds(),
        )?;
        files.push(PackFile {
            path: zip_name.clone(),
            bytes: zip,
        });
        let written: Vec<(&str, &[u8])> = files
            .iter()
            .map(|f| (f.path.as_str(), f.bytes.as_slice()))
            .collect();
        crate::fsio::replace_folder(folder, &written, replace)?;
        Ok(AuditPack {
            folder: folder.display().to_string(),
            commit: at,
            files: files.into_iter().map(|f| f.path).collect(),
            documents,
            evidence: evidence_count,
            left_out,
            signed_by: signer.email,
            zip: zip_name,
        })
    }

    /// What an audit pack can be made from: the last commit, then the tags on commits,
    /// newest first (an ISMS tags its signed assessments: `assessment-2026`).
    pub fn pack_revisions(&self) -> Result<Vec<PackRevision>> {
        let repo = crate::git::repository(self)?;
        let mut out = Vec::new();
        let day = |c: &git2::Commit| {
            let when = c.committer().when();
            crate::report::model::commit_date(when.seconds(), when.offset_minutes())
        };
        if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
            out.push(PackRevision {
                rev: "HEAD".into(),
                label: "Last commit".into(),
                commit: head.id().to_string(),
                date: day(&head),
            });
        }
        let mut tags: Vec<(i64, PackRevision)> = Vec::new();
        let names = repo.tag_names(None)?;
        for name in names.iter() {
            let Ok(Some(name)) = name else { continue };
            let Ok(commit) = repo
                .revparse_single(&format!("refs/tags/{name}"))
                .and_then(|o| o.peel_to_commit())
            else {
                continue;
            };
            tags.push((
                commit.committer().when().seconds(),
                PackRevision {
                    rev: name.to_string(),
                    label: name.to_string(),
                    commit: commit.id().to_string(),
                    date: day(&commit),
                },
            ));
        }
        tags.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.rev.cmp(&b.1.rev)));
        out.extend(tags.into_iter().map(|(_, t)| t));
        Ok(out)
    }

    /// A document of the pack that no sign-off had signed by the packed commit,
    /// rendered there.
    fn unsigned(&self, part: &Part, at: &str) -> Result<crate::report::Report> {
        match part.source {
            Source::Report(kind) => self.report(kind, at),
            Source::Document(kind, ref subject) => {
                let rendered =
                    self.render_subject(kind, subject.as_deref(), at, ReportFormat::Markdown)?;
                Ok(crate::report::Report {
                    meta: rendered.meta,
                    markdown: rendered.markdown,
                })
            }
        }
    }
}

/// Whether `path` is a file an audit pack writes (for replacing an earlier one).
fn is_pack_file(path: &str) -> bool {
    [MANIFEST_FILE, MANIFEST_SIGNATURE, SIGNERS_FILE, VERIFY_FILE].contains(&path)
        || (path.starts_with("audit-pack-") && path.ends_with(".zip"))
        || ["reports/", "signoff/", "evidence/", "oscal/"]
            .iter()
            .any(|p| path.starts_with(p))
}

/// Where a document of the pack comes from.
enum Source {
    /// One of the register's reports.
    Report(ReportKind),
    /// A document a sign-off kind signs (about one record, or none).
    Document(SignoffKind, Option<String>),
}

/// A document of the pack.
struct Part {
    source: Source,
    /// Its PDF in the pack.
    file: String,
    title: String,
    /// Where its sign-offs put the signed document (`reports/soa.md`).
    signed_path: String,
}

/// The documents of a pack at a commit: the four reports, the system description when
/// there is one, every controlled document not withdrawn, every management review held
/// by then and every completed audit.
fn parts(snapshot: &Snapshot, at_seconds: i64) -> Vec<Part> {
    let mut out: Vec<Part> = [
        ReportKind::RiskAssessment,
        ReportKind::Soa,
        ReportKind::TreatmentPlan,
        ReportKind::Register,
    ]
    .into_iter()
    .map(|kind| Part {
        source: Source::Report(kind),
        file: format!("{REPORTS_FOLDER}/{}.pdf", kind.as_str()),
        title: kind.title().to_string(),
        signed_path: kind.path(),
    })
    .collect();
    if snapshot.system_description.is_some() {
        out.push(one_of(
            SignoffKind::SystemDescription,
            None,
            "System description",
        ));
    }
    let held_by = chrono::DateTime::from_timestamp(at_seconds, 0)
        .map(|t| t.date_naive())
        .unwrap_or_default();
    let mut subjects: Vec<Part> = snapshot
        .records
        .values()
        .filter_map(|r| match r {
            AnyRecord::Review(r) if r.held_on <= held_by => Some(one_of(
                SignoffKind::ManagementReview,
                Some(&r.id),
                &format!("Management review {}", r.id),
            )),
            AnyRecord::Document(d)
                if d.status != Some(crate::domain::DocumentStatus::Withdrawn) =>
            {
                Some(one_of(
                    SignoffKind::Document,
                    Some(&d.id),
                    &format!("{} (controlled document)", d.title),
                ))
            }
            AnyRecord::Audit(a) if a.status == crate::domain::AuditStatus::Completed => {
                Some(one_of(
                    SignoffKind::AuditReport,
                    Some(&a.id),
                    &format!("Internal audit report {}", a.id),
                ))
            }
            _ => None,
        })
        .collect();
    subjects.sort_by(|a, b| a.file.cmp(&b.file));
    out.extend(subjects);
    out
}

fn one_of(kind: SignoffKind, subject: Option<&str>, title: &str) -> Part {
    let signed_path = kind.path(subject);
    Part {
        source: Source::Document(kind, subject.map(str::to_string)),
        file: signed_path
            .strip_suffix(".md")
            .map_or_else(|| signed_path.clone(), |p| format!("{p}.pdf")),
        title: title.to_string(),
        signed_path,
    }
}

/// The evidence records and files of `commit` (every regular file under `evidence/`),
/// as committed.
fn evidence_files(
    repo: &git2::Repository,
    commit: &git2::Commit,
) -> Result<(Vec<PackFile>, Vec<String>)> {
    let tree = commit.tree()?;
    let Ok(entry) = tree.get_path(Path::new(RecordKind::Evidence.folder())) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let Ok(folder) = repo.find_tree(entry.id()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut out = Vec::new();
    let mut left_out = Vec::new();
    let mut failed = None;
    folder.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
        // Regular files only: a link in the repository is not evidence.
        if e.kind() != Some(git2::ObjectType::Blob) || e.filemode() == 0o120000 {
            return git2::TreeWalkResult::Ok;
        }
        let name = String::from_utf8_lossy(e.name_bytes());
        let path = format!("{}/{dir}{name}", RecordKind::Evidence.folder());
        // A name sha256sum would escape (a line break, a backslash) or that is not
        // UTF-8 could not be checked as the manifest lists it.
        if e.name().is_err() || path.chars().any(|c| c.is_control() || c == '\\') {
            left_out.push(path.escape_debug().to_string());
            return git2::TreeWalkResult::Ok;
        }
        match repo.find_blob(e.id()) {
            Ok(blob) => out.push(PackFile {
                path,
                bytes: blob.content().to_vec(),
            }),
            Err(err) => {
                failed = Some(err);
                return git2::TreeWalkResult::Abort;
            }
        }
        git2::TreeWalkResult::Ok
    })?;
    match failed {
        Some(e) => Err(e.into()),
        None => Ok((out, left_out)),
    }
}

/// `sha256sum`'s output for the files: `<hex>  <path>` per line.
fn manifest(files: &[PackFile]) -> String {
    let mut out = String::new();
    for f in files {
        let _ = writeln!(out, "{}  {}", crate::fsio::sha256_hex(&f.bytes), f.path);
    }
    out
}

/// One sign-off's evidence: what was signed, by whom, when, with which key, and what
/// verification found at the packed commit.
fn signoff_evidence(request: &RequestVerification, verification: &Verification) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Sign-off {}\n", request.id);
    let _ = writeln!(out, "- Kind: {}", request.kind);
    if let Some(subject) = &request.subject {
        let _ = writeln!(out, "- About: {subject}");
    }
    let _ = writeln!(out, "- Signed document: `{}`", request.report);
    let _ = writeln!(
        out,
        "- Its git blob: `{}` (the same bytes as `signoff/{}.signed.md`)",
        request.report_blob, request.id
    );
    let _ = writeln!(out, "- Rendered from commit: `{}`", request.source);
    if let Some(landed) = &request.landed {
        let _ = writeln!(out, "- Reached `{}` at commit: `{landed}`", request.into);
    }
    let _ = writeln!(
        out,
        "- Checked against the configuration approved at commit: `{}`",
        request.approved_configuration
    );
    let _ = writeln!(
        out,
        "- Verified at commit `{}`: **{}**\n",
        verification.head,
        if request.problems.is_empty() {
            "holds"
        } else {
            "FAILS"
        }
    );
    out.push_str("| Step | Role | Person | Email | Key | Date | How | Commit |\n");
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for step in &request.steps {
        match &step.state {
            StepState::Done {
                commit,
                person,
                email,
                key,
                date,
                how,
            } => {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | `{key}` | {date} | {} | `{commit}` |",
                    step.number,
                    cell(&step.role_title),
                    cell(person),
                    cell(email),
                    cell(how)
                );
            }
            StepState::Pending => {
                let _ = writeln!(
                    out,
                    "| {} | {} | — | — | — | — | not signed | — |",
                    step.number,
                    cell(&step.role_title)
                );
            }
        }
    }
    for w in &request.warnings {
        let _ = write!(out, "\nNote: {}", inline(&w.message));
    }
    if !request.warnings.is_empty() {
        out.push('\n');
    }
    out
}

/// `VERIFY.md`: what the pack is and how to check it with OpenSSH, coreutils and git.
fn verify_text(
    organisation: &str,
    at: &str,
    verification: &Verification,
    documents: &[PackedDocument],
    signed: &[&RequestVerification],
    packer: &str,
    left_out: &[String],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Audit pack — {}\n", inline(organisation));
    let _ = writeln!(
        out,
        "Everything here was made by ISMS Desk from one commit of the ISMS repository,\n\
         `{at}`, and nothing else. `MANIFEST` lists the SHA-256 of every file;\n\
         `MANIFEST.sig` is {packer}'s SSH signature of it. None of the checks below\n\
         needs ISMS Desk: OpenSSH, coreutils and git are enough.\n"
    );
    out.push_str("## Contents\n\n| File | Document | Signed |\n|---|---|---|\n");
    for d in documents {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            d.file,
            cell(&d.title),
            d.signoff.as_deref().map_or_else(
                || "not signed at this commit (rendered from it)".to_string(),
                |id| format!("sign-off `{id}`: see `signoff/{id}.md`")
            )
        );
    }
    out.push_str(
        "\n`oscal/` holds the same ISMS as OSCAL 1.2 JSON for GRC tools: the SoA as a system\nsecurity plan, the register and treatments as a plan of action and milestones, the\ninternal audits as assessment results, the ISO/IEC 27001 to SOC 2 links as a mapping\ncollection. `evidence/` holds the evidence records and the files collected with them, as\ncommitted. `allowed_signers` lists the signing keys of the configuration approved\nat this commit (by its first signed commit and the governance sign-offs since),\nnot whatever the repository says today.\n",
    );
    if !left_out.is_empty() {
        let _ = writeln!(
            out,
            "\nLeft out of `evidence/`, as their names cannot be listed in `MANIFEST` (a line break, a backslash, or not UTF-8); ask for them separately: {}.",
            left_out
                .iter()
                .map(|n| format!("`{}`", n.replace('`', "'")))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let root = match verification.root {
        RootTrust::Pinned => "the first commit is signed by the pinned root key",
        RootTrust::TrustedOnFirstUse => {
            "the first commit was trusted on first use (no root key was pinned where the pack was made)"
        }
        RootTrust::PinMismatch => "the pinned root key did not sign the first commit",
    };
    let _ = writeln!(
        out,
        "\nWhen the pack was made, `isms verify` at this commit held: {root}{}; {} sign-off(s) reached the branch.\n",
        verification
            .root_key
            .as_deref()
            .map(|k| format!(" (`{k}`)"))
            .unwrap_or_default(),
        verification.requests.iter().filter(|r| r.is_landed()).count()
    );
    let _ = writeln!(
        out,
        "## 1. The pack is what was signed\n\n\
         In the pack's folder (or the zip's, unpacked):\n\n\
         ```sh\n\
         ssh-keygen -Y verify -f allowed_signers -I {packer} -n {REPORT_NAMESPACE} -s MANIFEST.sig < MANIFEST\n\
         sha256sum -c MANIFEST\n\
         awk '/^[^#]/ {{print $3, $4}}' allowed_signers | ssh-keygen -lf -\n\
         ```\n\n\
         The first must print `Good \"{REPORT_NAMESPACE}\" signature for {packer}`, the\n\
         second `OK` for every file: any changed byte fails one of them. The third prints\n\
         the fingerprint of every key in `allowed_signers`; hold them against the ones\n\
         the organisation gave you.\n"
    );
    out.push_str(
        "## 2. Each sign-off is what management signed\n\n\
         In the pack's folder, with git pointed at a clone of the ISMS repository\n\
         (`export GIT_DIR=/path/to/the/clone/.git`):\n\n```sh\n",
    );
    for request in signed {
        let _ = writeln!(
            out,
            "git cat-file blob {} | cmp - signoff/{}.signed.md",
            request.report_blob, request.id
        );
        for step in &request.steps {
            if let StepState::Done { commit, .. } = &step.state {
                let _ = writeln!(
                    out,
                    "git -c gpg.ssh.allowedSignersFile=\"$PWD/allowed_signers\" verify-commit {commit}"
                );
            }
        }
    }
    if signed.is_empty() {
        out.push_str("# no sign-off had reached the branch at this commit\n");
    }
    out.push_str(
        "```\n\nEach `verify-commit` must print `Good \"git\" signature` for the person\n`signoff/<id>.md` names for that step; `cmp` prints nothing when the document in the\ncommit is the one in the pack. The PDFs in `reports/` carry the same sign-off table\nand, in their appendix, the same commands.\n",
    );
    out
}

/// A zip of `files` under folder `root`, the same bytes every time: entries in order,
/// every time the commit's, permissions fixed.
fn zip_of(root: &str, files: &[PackFile], seconds: i64) -> Result<Vec<u8>> {
    use chrono::{Datelike, Timelike};
    use std::io::Write;
    let when = chrono::DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .naive_utc();
    // A zip's times start in 1980.
    let time = zip::DateTime::from_date_and_time(
        when.year().clamp(1980, 2107) as u16,
        when.month() as u8,
        when.day() as u8,
        when.hour() as u8,
        when.minute() as u8,
        when.second() as u8,
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(time)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let failed = |e: zip::result::ZipError| Error::Usage(format!("the zip: {e}"));
    for f in files {
        zip.start_file(format!("{root}/{}", f.path), options)
            .map_err(failed)?;
        zip.write_all(&f.bytes)
            .map_err(|e| Error::Usage(format!("the zip: {e}")))?;
    }
    Ok(zip.finish().map_err(failed)?.into_inner())
}
