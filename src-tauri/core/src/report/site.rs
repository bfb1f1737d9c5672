//! The public security page as a static folder, made from one commit: `index.html`
//! (no JavaScript, no third-party requests, a strict Content-Security-Policy), its
//! stylesheet, `.well-known/security.txt` (RFC 9116), `subprocessors.json`, an Atom
//! feed of the page's published versions (`changes.atom`) and `SHA256SUMS` of them all.
//!
//! What the page says comes from `public/security-page.md` and, for the attestations
//! and subprocessors, from their records. Only fields meant for the public are read:
//! a supplier's name, service and region, an attestation's name, status, issuer,
//! certificate, dates and expected date. Nothing else of the ISMS reaches the folder.
//! A page that [`page_problems`] finds untrue is not made at all.
//!
//! The same commit gives the same bytes: every date comes from a commit.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use super::html::{escape, markdown};
use crate::domain::{
    page_problems, Attestation, AttestationStatus, PageGrounds, SecurityPage, SoaEntry, Supplier,
    SECURITY_PAGE_FILE,
};
use crate::git::changes::Snapshot;
use crate::isms::AnyRecord;
use crate::{Error, LoadError, Result};

/// The stylesheet of the page.
const STYLE: &str = include_str!("../../../../templates/site/security-page.css");

/// The Content-Security-Policy of the page: nothing but its own stylesheet.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'";

/// The checksums file, and its detached signature.
pub const CHECKSUMS_FILE: &str = "SHA256SUMS";

/// The key that signs the checksums, as `ssh-keygen -Y verify -f` reads it.
pub const SIGNERS_FILE: &str = "allowed_signers";

/// The most versions the change feed lists.
const FEED_ENTRIES: usize = 50;

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Its path in the folder, with `/`.
    pub path: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// The site of one commit.
#[derive(Debug, Clone)]
pub struct Site {
    /// Every file, `SHA256SUMS` last.
    pub files: Vec<SiteFile>,
    /// The commit it was made from.
    pub commit: String,
    /// When the page's content last changed, as of that commit.
    pub updated: DateTime<Utc>,
}

/// The site of `commit`, or why it is not made: the commit has no page, a file there
/// does not load, or the page says what the records do not bear out.
///
/// `signers`, when given, is published as `allowed_signers` (and listed in the
/// checksums): the key that will sign them, in the form `ssh-keygen -Y verify` reads.
/// A `draft` says so in the page's footer: it is not the version management approved.
pub fn security_page(
    repo: &git2::Repository,
    commit: git2::Oid,
    signers: Option<&str>,
    draft: bool,
) -> Result<Site> {
    let commit = repo.find_commit(commit)?;
    let rev = commit.id().to_string();
    let snapshot = Snapshot::complete_at(repo, &rev)?;
    let page = snapshot.security_page.as_ref().ok_or_else(|| {
        Error::invalid(
            SECURITY_PAGE_FILE,
            "title",
            format!(
                "commit {} has no security page: write {SECURITY_PAGE_FILE} first",
                crate::git::short_id(&rev)
            ),
        )
    })?;
    let Grounds {
        controls,
        suppliers,
        attestations,
    } = Grounds::of(&snapshot);
    let history = page_history(repo, &commit)?;
    let updated = history.updated;
    let grounds = PageGrounds {
        controls: &controls,
        suppliers: &suppliers,
        attestations: &attestations,
        today: updated.date_naive(),
        unreadable_controls: Vec::new(),
    };
    let problems = page_problems(page, &grounds);
    if !problems.is_empty() {
        let text = blob_text(repo, &commit, SECURITY_PAGE_FILE).unwrap_or_default();
        return Err(Error::Untrue(
            problems
                .into_iter()
                .map(|p| LoadError {
                    path: SECURITY_PAGE_FILE.into(),
                    line: crate::format::line_of_field(&text, &p.field, true),
                    field: Some(p.field),
                    message: p.message,
                })
                .collect(),
        ));
    }
    let organisation = snapshot
        .config
        .as_ref()
        .map(|c| c.organisation.name.clone())
        .unwrap_or_default();
    let shown_attestations: Vec<&Attestation> = page
        .attestations
        .iter()
        .filter_map(|id| attestations.iter().find(|a| &a.id == id))
        .collect();
    let subprocessors: Vec<&Supplier> = page
        .subprocessors
        .iter()
        .filter_map(|id| suppliers.iter().find(|s| &s.id == id))
        .collect();
    let parts = Parts {
        organisation: &organisation,
        page,
        attestations: &shown_attestations,
        subprocessors: &subprocessors,
        updated,
        commit: &rev,
        draft,
    };
    let mut files = vec![
        SiteFile {
            path: "index.html".into(),
            bytes: index_html(&parts).into_bytes(),
        },
        SiteFile {
            path: "style.css".into(),
            bytes: STYLE.as_bytes().to_vec(),
        },
        SiteFile {
            path: ".well-known/security.txt".into(),
            bytes: security_txt(page, updated).into_bytes(),
        },
        SiteFile {
            path: "subprocessors.json".into(),
            bytes: subprocessors_json(&subprocessors, updated).into_bytes(),
        },
        SiteFile {
            path: "changes.atom".into(),
            bytes: feed(&parts, &history.versions).into_bytes(),
        },
    ];
    if let Some(signers) = signers {
        files.push(SiteFile {
            path: SIGNERS_FILE.into(),
            bytes: signers.as_bytes().to_vec(),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let sums = checksums(&files);
    files.push(SiteFile {
        path: CHECKSUMS_FILE.into(),
        bytes: sums.into_bytes(),
    });
    Ok(Site {
        files,
        commit: rev,
        updated,
    })
}

/// Every file a publication writes, its signature included.
pub fn written_files() -> [&'static str; 8] {
    [
        "index.html",
        "style.css",
        ".well-known/security.txt",
        "subprocessors.json",
        "changes.atom",
        SIGNERS_FILE,
        CHECKSUMS_FILE,
        "SHA256SUMS.sig",
    ]
}

/// `sha256sum`'s output for `files`: `<hex>  <path>` per line, as `sha256sum -c` reads it.
pub fn checksums(files: &[SiteFile]) -> String {
    let mut out = String::new();
    for f in files {
        let _ = writeln!(out, "{}  {}", crate::fsio::sha256_hex(&f.bytes), f.path);
    }
    out
}

/// The records a page rests on, at a commit.
struct Grounds {
    controls: Vec<SoaEntry>,
    suppliers: Vec<Supplier>,
    attestations: Vec<Attestation>,
}

impl Grounds {
    fn of(snapshot: &Snapshot) -> Grounds {
        let mut g = Grounds {
            controls: Vec::new(),
            suppliers: Vec::new(),
            attestations: Vec::new(),
        };
        for r in snapshot.records.values() {
            match r {
                AnyRecord::Control(c) => g.controls.push(c.clone()),
                AnyRecord::Supplier(s) => g.suppliers.push(s.clone()),
                AnyRecord::Attestation(a) => g.attestations.push(a.clone()),
                _ => {}
            }
        }
        g
    }
}

/// What the page is made of.
struct Parts<'a> {
    organisation: &'a str,
    page: &'a SecurityPage,
    attestations: &'a [&'a Attestation],
    subprocessors: &'a [&'a Supplier],
    updated: DateTime<Utc>,
    commit: &'a str,
    draft: bool,
}

/// A published version of the page: a commit that changed its source.
struct Version {
    commit: String,
    time: DateTime<Utc>,
    note: Option<String>,
}

/// The page's versions up to a commit, newest first, and when its content last
/// changed (its source, a supplier or an attestation).
struct PageHistory {
    versions: Vec<Version>,
    updated: DateTime<Utc>,
}

/// The folders and file whose change changes what the page says.
const PAGE_INPUTS: [&str; 3] = [SECURITY_PAGE_FILE, "suppliers", "attestations"];

fn page_history(repo: &git2::Repository, tip: &git2::Commit) -> Result<PageHistory> {
    let mut walk = repo.revwalk()?;
    walk.push(tip.id())?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
    walk.simplify_first_parent()?;
    let entry = |tree: &git2::Tree, path: &str| tree.get_path(Path::new(path)).ok().map(|e| e.id());
    let mut versions = Vec::new();
    let mut updated = None;
    for id in walk {
        let commit = repo.find_commit(id?)?;
        let tree = commit.tree()?;
        let parent = commit.parent(0).ok().map(|p| p.tree()).transpose()?;
        let changed =
            |path: &str| parent.as_ref().map(|p| entry(p, path)) != Some(entry(&tree, path));
        let time = commit_time(&commit);
        if updated.is_none()
            && PAGE_INPUTS
                .iter()
                .any(|p| changed(p) && entry(&tree, p).is_some())
        {
            updated = Some(time);
        }
        if changed(SECURITY_PAGE_FILE) && entry(&tree, SECURITY_PAGE_FILE).is_some() {
            let note_of = |c: &git2::Commit| {
                blob_text(repo, c, SECURITY_PAGE_FILE)
                    .and_then(|t| crate::format::parse_security_page(SECURITY_PAGE_FILE, &t).ok())
                    .and_then(|p| p.record.change_note)
            };
            let note = note_of(&commit);
            let earlier = commit.parent(0).ok().and_then(|p| note_of(&p));
            versions.push(Version {
                commit: commit.id().to_string(),
                time,
                note: note.filter(|n| Some(n) != earlier.as_ref()),
            });
            if versions.len() == FEED_ENTRIES && updated.is_some() {
                break;
            }
        }
    }
    Ok(PageHistory {
        versions,
        updated: updated.unwrap_or_else(|| commit_time(tip)),
    })
}

fn commit_time(c: &git2::Commit) -> DateTime<Utc> {
    DateTime::from_timestamp(c.committer().when().seconds(), 0).unwrap_or_default()
}

fn blob_text(repo: &git2::Repository, commit: &git2::Commit, path: &str) -> Option<String> {
    let entry = commit.tree().ok()?.get_path(Path::new(path)).ok()?;
    let blob = repo.find_blob(entry.id()).ok()?;
    String::from_utf8(blob.content().to_vec()).ok()
}

fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

fn index_html(p: &Parts) -> String {
    let page = p.page;
    let e = escape;
    let mut h = String::new();
    let lang = page.languages.first().map_or("en", String::as_str);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{title}</title>\n\
         <link rel=\"stylesheet\" href=\"style.css\">\n\
         <link rel=\"canonical\" href=\"{url}\">\n\
         <link rel=\"alternate\" type=\"application/atom+xml\" title=\"{title}: changes\" href=\"changes.atom\">\n\
         </head>\n<body>\n",
        lang = e(lang),
        csp = CONTENT_SECURITY_POLICY,
        title = e(&page.title),
        url = e(&page.canonical_url),
    );
    let day = p.updated.date_naive();
    let _ = write!(
        h,
        "<header>\n<p class=\"organisation\">{}</p>\n<h1>{}</h1>\n\
         <p class=\"updated\">Last updated <time datetime=\"{day}\">{}</time></p>\n</header>\n<main>\n",
        e(p.organisation),
        e(&page.title),
        long_date(day),
    );
    if !page.body.trim().is_empty() {
        let _ = write!(
            h,
            "<section class=\"introduction\">\n{}</section>\n",
            markdown(&page.body)
        );
    }
    if !page.statements.is_empty() {
        h.push_str("<section id=\"practices\">\n<h2>How we protect your data</h2>\n");
        for s in &page.statements {
            let _ = write!(
                h,
                "<section class=\"statement\" id=\"{}\">\n<h3>{}</h3>\n<p>{}</p>\n</section>\n",
                e(&s.id),
                e(&s.heading),
                e(&s.text)
            );
        }
        h.push_str("</section>\n");
    }
    if !p.attestations.is_empty() {
        h.push_str(
            "<section id=\"attestations\">\n<h2>Certifications and attestations</h2>\n<table>\n\
             <thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Status</th><th scope=\"col\">Details</th></tr></thead>\n<tbody>\n",
        );
        for a in p.attestations {
            let _ = writeln!(
                h,
                "<tr><th scope=\"row\">{}</th><td class=\"status\">{}</td><td>{}</td></tr>",
                e(&a.name),
                e(&a.public_status()),
                e(&attestation_details(a))
            );
        }
        h.push_str("</tbody>\n</table>\n</section>\n");
    }
    h.push_str(
        "<section id=\"subprocessors\">\n<h2>Subprocessors</h2>\n\
         <p>These companies process personal data of our customers on our behalf. \
         The list is also published as <a href=\"subprocessors.json\">JSON</a>.</p>\n",
    );
    if p.subprocessors.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str(
            "<table>\n<thead><tr><th scope=\"col\">Company</th><th scope=\"col\">Purpose</th><th scope=\"col\">Region</th></tr></thead>\n<tbody>\n",
        );
        for s in p.subprocessors {
            let _ = writeln!(
                h,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
                e(&s.name),
                e(&s.service),
                e(&s.region)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
    let contact = page.contact_uri();
    let _ = write!(
        h,
        "<section id=\"disclosure\">\n<h2>Reporting a vulnerability</h2>\n{}\
         <p>Contact: <a href=\"{}\">{}</a>. Our <a href=\".well-known/security.txt\">security.txt</a> says the same.</p>\n</section>\n",
        markdown(&page.disclosure),
        e(&contact),
        e(&page.contact),
    );
    if p.draft {
        h.push_str(
            "</main>\n<footer>\n<p class=\"draft\"><strong>Draft.</strong> This version has not been approved for publication.</p>\n",
        );
    } else {
        h.push_str("</main>\n<footer>\n");
    }
    let _ = write!(
        h,
        "<p>Published from version <code>{}</code> of our information security management system. \
         Each file of this page is listed with its SHA-256 in <a href=\"{CHECKSUMS_FILE}\">{CHECKSUMS_FILE}</a>, \
         signed in <a href=\"{CHECKSUMS_FILE}.sig\">{CHECKSUMS_FILE}.sig</a>. \
         Changes are announced in <a href=\"changes.atom\">a feed</a>.</p>\n</footer>\n</body>\n</html>\n",
        crate::git::short_id(p.commit),
    );
    h
}

/// An attestation's public details: who issued it and until when, or when it is
/// expected.
fn attestation_details(a: &Attestation) -> String {
    let mut parts = Vec::new();
    match a.status {
        AttestationStatus::Achieved => {
            if let Some(issuer) = &a.issuer {
                parts.push(format!("Issued by {issuer}"));
            }
            if let Some(c) = &a.certificate {
                parts.push(format!("certificate {c}"));
            }
            if let Some(d) = a.expires_on {
                parts.push(format!("valid until {}", long_date(d)));
            }
        }
        AttestationStatus::Planned | AttestationStatus::InProgress => {
            if let Some(x) = &a.expected {
                parts.push(format!("Expected: {x}"));
            }
            if let Some(issuer) = &a.issuer {
                parts.push(format!("with {issuer}"));
            }
        }
        AttestationStatus::Lapsed => {}
    }
    parts.join(", ")
}

/// `.well-known/security.txt` (RFC 9116). It belongs at the root of the domain, so its
/// canonical address is made from the page's origin.
fn security_txt(page: &SecurityPage, updated: DateTime<Utc>) -> String {
    let origin = origin_of(&page.canonical_url);
    let expires = updated + chrono::Duration::days(i64::from(page.expires_after_days));
    format!(
        "Contact: {}\nExpires: {}\nPreferred-Languages: {}\nCanonical: {origin}/.well-known/security.txt\nPolicy: {}#disclosure\n",
        page.contact_uri(),
        expires.format("%Y-%m-%dT%H:%M:%SZ"),
        page.languages.join(", "),
        page.canonical_url,
    )
}

/// `https://example.com` of `https://example.com/security/`.
fn origin_of(url: &str) -> &str {
    let rest = url.strip_prefix("https://").unwrap_or(url);
    let host_end = rest.find('/').map_or(url.len(), |i| i + "https://".len());
    &url[..host_end]
}

fn subprocessors_json(subprocessors: &[&Supplier], updated: DateTime<Utc>) -> String {
    let list: Vec<serde_json::Value> = subprocessors
        .iter()
        .map(|s| serde_json::json!({"name": s.name, "purpose": s.service, "region": s.region}))
        .collect();
    let value = serde_json::json!({
        "updated": updated.date_naive().to_string(),
        "subprocessors": list,
    });
    let mut text = serde_json::to_string_pretty(&value).expect("plain JSON serialises");
    text.push('\n');
    text
}

fn feed(p: &Parts, versions: &[Version]) -> String {
    let e = escape;
    let url = &p.page.canonical_url;
    let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut x = String::new();
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>{title}: changes</title>\n<id>{url}changes.atom</id>\n\
         <link rel=\"self\" href=\"{url}changes.atom\"/>\n<link rel=\"alternate\" href=\"{url}\"/>\n\
         <updated>{updated}</updated>\n<author><name>{org}</name></author>\n",
        title = e(&p.page.title),
        url = e(url),
        updated = stamp(versions.first().map_or(p.updated, |v| v.time)),
        org = e(p.organisation),
    );
    for v in versions {
        let _ = write!(
            x,
            "<entry>\n<title>Security page updated on {day}</title>\n<id>{url}#version-{commit}</id>\n\
             <link rel=\"alternate\" href=\"{url}\"/>\n<updated>{time}</updated>\n<summary>{note}</summary>\n</entry>\n",
            day = long_date(v.time.date_naive()),
            url = e(url),
            commit = crate::git::short_id(&v.commit),
            time = stamp(v.time),
            note = e(v.note.as_deref().unwrap_or("The page was updated.")),
        );
    }
    x.push_str("</feed>\n");
    x
}

/// The document management signs to approve the page of `commit` (sign-off kind
/// `security-page`): what the page says, section by section, with the controls each
/// statement rests on and their SoA status, and the SHA-256 of every file the
/// publication of that commit writes, so that the folder on the web can be held
/// against what was approved. Refused, like the page, when the page is untrue.
pub fn approval_document(repo: &git2::Repository, commit: git2::Oid) -> Result<String> {
    let site = security_page(repo, commit, None, false)?;
    let snapshot = Snapshot::at(repo, &site.commit)?;
    let page = snapshot
        .security_page
        .as_ref()
        .expect("a site was made, so the commit has a page");
    let Grounds {
        controls,
        suppliers,
        attestations,
    } = Grounds::of(&snapshot);
    let cell = |t: &str| t.replace('|', "\\|").replace('\n', " ");
    let mut md = String::new();
    let _ = writeln!(md, "# Public security page: {}\n", page.title);
    let _ = writeln!(
        md,
        "| | |\n|---|---|\n| Source commit | `{}` |\n| Content last changed | {} |\n| Published at | {} |\n| Security contact | {} |\n",
        site.commit,
        site.updated.date_naive(),
        cell(&page.canonical_url),
        cell(&page.contact)
    );
    md.push_str("Approving this document approves publishing the page of the source commit. The publication's files and their SHA-256 (its `SHA256SUMS` adds the publisher's `allowed_signers`):\n\n| File | SHA-256 |\n|---|---|\n");
    for line in checksums(&site.files[..site.files.len() - 1]).lines() {
        if let Some((hash, path)) = line.split_once("  ") {
            let _ = writeln!(md, "| {path} | `{hash}` |");
        }
    }
    md.push_str("\n## Introduction\n\n");
    md.push_str(&crate::domain::demote_headings(page.body.trim()));
    md.push_str("\n\n## Statements\n\n| Statement | Rests on |\n|---|---|\n");
    for s in &page.statements {
        let grounds: Vec<String> = s
            .controls
            .iter()
            .map(|id| match controls.iter().find(|c| &c.id == id) {
                Some(c) => format!("{id} {} ({})", c.title, c.status.label().to_lowercase()),
                None => id.clone(),
            })
            .collect();
        let _ = writeln!(
            md,
            "| **{}**: {} | {} |",
            cell(&s.heading),
            cell(&s.text),
            cell(&grounds.join("; "))
        );
    }
    md.push_str("\n## Certifications and attestations\n\n");
    if page.attestations.is_empty() {
        md.push_str("None listed.\n");
    } else {
        md.push_str("| Name | Status | Details |\n|---|---|---|\n");
        for a in page
            .attestations
            .iter()
            .filter_map(|id| attestations.iter().find(|a| &a.id == id))
        {
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                cell(&a.name),
                a.public_status(),
                cell(&attestation_details(a))
            );
        }
    }
    md.push_str("\n## Subprocessors\n\n| Company | Purpose | Region |\n|---|---|---|\n");
    for s in page
        .subprocessors
        .iter()
        .filter_map(|id| suppliers.iter().find(|s| &s.id == id))
    {
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            cell(&s.name),
            cell(&s.service),
            cell(&s.region)
        );
    }
    md.push_str("\n## Reporting a vulnerability\n\n");
    md.push_str(&crate::domain::demote_headings(page.disclosure.trim()));
    md.push('\n');
    Ok(md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_txt_is_canonical_at_the_root_of_the_domain() {
        assert_eq!(
            origin_of("https://example.com/security/"),
            "https://example.com"
        );
        assert_eq!(origin_of("https://example.com/"), "https://example.com");
    }

    #[test]
    fn checksums_read_as_sha256sum_writes_them() {
        let files = [SiteFile {
            path: "a.txt".into(),
            bytes: b"abc".to_vec(),
        }];
        assert_eq!(
            checksums(&files),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a.txt\n"
        );
    }
}
