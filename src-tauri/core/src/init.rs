//! `isms init`: a new, valid ISMS repository from the scaffolds in `templates/`:
//! `isms.yaml`, an SoA entry for each of the 93 Annex A controls (applicable, not
//! yet implemented, awaiting the ISM's decision), a scope document and a methodology
//! document under document control, empty record folders, and a git repository.

use std::fs;
use std::path::Path;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::catalogue::annex_a;
use crate::domain::{ControlStatus, Methodology, RecordKind, SoaEntry};
use crate::format::{
    emit::{double_quoted, flow_scalar},
    emit_soa_entry, write_record,
};
use crate::fsio::write_atomic;
use crate::{Error, Result};

const ISMS_YAML: &str = include_str!("../../../templates/scaffold/isms.yaml");
const SCOPE: &str = include_str!("../../../templates/scaffold/documents/scope.md");
const METHODOLOGY: &str = include_str!("../../../templates/scaffold/documents/methodology.md");

/// What the set-up of a new ISMS asks: who the organisation is, who works in the
/// ISMS and in which roles, which domains it covers now and which later, and when the
/// first assessment is due. The methodology starts as the scaffold's default (a 5 × 5
/// scale, three bands), written in isms.yaml and `documents/methodology.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewIsms {
    /// The organisation's name.
    pub organisation: String,
    /// The people, each with the roles they hold (`ism`, `head-of-product`, `ceo`).
    pub people: Vec<NewPerson>,
    /// The domains: in scope, or deferred to a later date or workshop.
    pub domains: Vec<NewDomain>,
    /// When the first assessment is due.
    pub first_assessment: NaiveDate,
    /// The methodology, when it is not the scaffold's ([`scaffold_methodology`]):
    /// the names and definitions of the levels, the band edges and who may accept
    /// each band. It is checked like any isms.yaml (the bands must cover 1–25).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub methodology: Option<Methodology>,
}

/// A person of a new ISMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewPerson {
    /// Their name.
    pub name: String,
    /// Their email, which is how commits and sign-offs are tied to them.
    pub email: String,
    /// The roles they hold.
    pub roles: Vec<String>,
}

/// A domain of a new ISMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewDomain {
    /// Its id (`technical`); made from the name when there is none.
    pub id: Option<String>,
    /// Its name (`Technology and operations`).
    pub name: String,
    /// When it is assessed, if not now (`Supplier workshop, March 2027`).
    pub deferred_to: Option<String>,
}

impl NewIsms {
    /// The set-up `isms init` uses: the organisation, nobody yet, one domain in scope
    /// (technology and operations), the first assessment a year after `today`.
    pub fn default_for(organisation: &str, today: NaiveDate) -> NewIsms {
        NewIsms {
            organisation: organisation.to_string(),
            people: Vec::new(),
            domains: vec![NewDomain {
                id: Some("technical".into()),
                name: "Technology and operations".into(),
                deferred_to: None,
            }],
            first_assessment: today.checked_add_months(Months::new(12)).unwrap_or(today),
            methodology: None,
        }
    }

    /// The `people:` block of isms.yaml.
    fn people_yaml(&self) -> String {
        if self.people.is_empty() {
            return "people: []".into();
        }
        let mut out = String::from("people:");
        for p in &self.people {
            out.push_str(&format!(
                "\n  - name: {}\n    email: {}\n    roles: [{}]",
                flow_scalar(p.name.trim()),
                flow_scalar(p.email.trim()),
                p.roles.join(", ")
            ));
        }
        out
    }

    /// The `domains:` block of isms.yaml; ids are made from the names.
    fn domains_yaml(&self) -> String {
        let mut out = String::from("domains:");
        for d in &self.domains {
            out.push_str(&format!(
                "\n  - id: {}\n    name: {}\n    status: {}",
                d.id.clone().unwrap_or_else(|| domain_id(&d.name)),
                flow_scalar(d.name.trim()),
                if d.deferred_to.is_some() {
                    "deferred"
                } else {
                    "in_scope"
                }
            ));
            if let Some(when) = &d.deferred_to {
                out.push_str(&format!("\n    deferred_to: {}", flow_scalar(when.trim())));
            }
        }
        out
    }
}

/// `Technology and operations` → `technology-and-operations`.
fn domain_id(name: &str) -> String {
    let mut id = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    id.trim_end_matches('-').to_string()
}

/// A scaffold template (`templates/scaffold/`) filled in for `plan` on `today`: the one
/// place its placeholders are known, for `isms init`, the app's set-up and the
/// synthetic repositories alike.
fn fill_scaffold(text: &str, plan: &NewIsms, today: NaiveDate) -> String {
    let date = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    text.replace("{{organisation}}", &double_quoted(plan.organisation.trim()))
        .replace("{{today}}", &date(today))
        .replace("{{first_assessment}}", &date(plan.first_assessment))
        .replace(
            "{{next_year}}",
            &date(today.checked_add_months(Months::new(12)).unwrap_or(today)),
        )
        .replace("{{people}}", &plan.people_yaml())
        .replace("{{domains}}", &plan.domains_yaml())
}

/// isms.yaml for `plan` on `today`.
pub(crate) fn config_text(plan: &NewIsms, today: NaiveDate) -> String {
    let text = fill_scaffold(ISMS_YAML, plan, today);
    match &plan.methodology {
        Some(m) => with_methodology(&text, m),
        None => text,
    }
}

/// The methodology a new ISMS starts with: the scaffold's, as isms.yaml states it.
pub fn scaffold_methodology() -> Result<Methodology> {
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a valid date");
    let text = config_text(&NewIsms::default_for("Scaffold", today), today);
    crate::format::parse_config(&text)
        .map(|c| c.methodology)
        .map_err(|mut e| Error::Invalid(e.remove(0)))
}

/// `text` (isms.yaml) with its `methodology:` block written anew from `m`: the one
/// writer of a methodology, for a new ISMS and for a change of methodology. The rest
/// of the file is kept as it is; comments inside the old block are not.
pub(crate) fn with_methodology(text: &str, m: &Methodology) -> String {
    let level = |l: &crate::domain::Level| {
        format!(
            "    - level: {}\n      name: {}\n      definition: {}\n",
            l.level,
            flow_scalar(l.name.trim()),
            flow_scalar(l.definition.trim())
        )
    };
    let numbers = |row: &[u8]| row.iter().map(u8::to_string).collect::<Vec<_>>().join(", ");
    let formula = match m.formula {
        crate::domain::Formula::Product => "likelihood × impact",
        crate::domain::Formula::Lookup => "lookup",
    };
    let mut block = format!(
        "methodology:\n  version: {}\n  formula: {formula}\n",
        double_quoted(m.version.trim())
    );
    if m.impact_per_cia {
        block.push_str("  impact_per_cia: true\n");
    }
    block.push_str("  likelihood:\n");
    m.likelihood.iter().for_each(|l| block.push_str(&level(l)));
    block.push_str("  impact:\n");
    m.impact.iter().for_each(|l| block.push_str(&level(l)));
    if !m.matrix.is_empty() {
        block.push_str("  # One row per likelihood level, from 1; one score per impact level, from 1.\n  matrix:\n");
        for row in &m.matrix {
            block.push_str(&format!("    - [{}]\n", numbers(row)));
        }
    }
    block.push_str("  bands:\n");
    for b in &m.bands {
        block.push_str(&format!(
            "    - band: {}\n      name: {}\n      min: {}\n      max: {}\n      requires: {}\n      definition: {}\n      accepted_by: [{}]\n",
            flow_scalar(b.band.as_str()),
            flow_scalar(b.name.trim()),
            b.min,
            b.max,
            b.requires.as_str(),
            flow_scalar(b.definition.trim()),
            b.accepted_by.join(", ")
        ));
    }
    if let Some(r) = &m.rescoring {
        block.push_str(&format!(
            "  # Risks scored under {from} are rescored with this mapping: the new level for each old one, in order.\n  rescoring:\n    from: {}\n    likelihood: [{}]\n    impact: [{}]\n",
            double_quoted(&r.from),
            numbers(&r.likelihood),
            numbers(&r.impact),
            from = r.from.replace('\n', " "),
        ));
    }
    let mut out = String::new();
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        // A key or a comment at the start of a line ends the block.
        let top_level = !line.starts_with([' ', '\n', '\r']);
        if line.starts_with("methodology:") {
            inside = true;
            out.push_str(&block);
            continue;
        }
        if inside && top_level {
            inside = false;
            out.push('\n');
        }
        if !inside {
            out.push_str(line);
        }
    }
    out
}

/// The scaffold's methodology document with the scoring and bands of `config`
/// (isms.yaml's text) written in.
fn methodology_document(text: &str, config: &str) -> Result<String> {
    let m = crate::format::parse_config(config)
        .map_err(|mut e| Error::Invalid(e.remove(0)))?
        .methodology;
    let bands: Vec<String> = m
        .bands
        .iter()
        .map(|b| {
            let range = if b.min == b.max {
                b.min.to_string()
            } else {
                format!("{}–{}", b.min, b.max)
            };
            format!(
                "- {} ({range}): {}.",
                b.name,
                b.definition.trim_end_matches('.')
            )
        })
        .collect();
    Ok(text
        .replace("{{scoring}}", &m.how_scored())
        .replace("{{bands}}", &bands.join("\n")))
}

/// Creates a new ISMS repository in `dir` (which must not exist or be empty) for
/// `organisation`, with the first assessment due a year after `today`.
pub fn init(dir: &Path, organisation: &str, today: NaiveDate) -> Result<()> {
    init_with(dir, &NewIsms::default_for(organisation, today), today)
}

/// Creates a new ISMS repository in `dir` (which must not exist or be empty) as
/// `plan` says. isms.yaml is checked before anything is written: a set-up it would
/// reject (no domain, an email twice, an unknown role) is refused with its field.
pub fn init_with(dir: &Path, plan: &NewIsms, today: NaiveDate) -> Result<()> {
    refuse_non_empty(dir)?;
    let fill = |text: &str| fill_scaffold(text, plan, today);
    let config = config_text(plan, today);
    crate::format::parse_config(&config).map_err(|mut e| Error::Invalid(e.remove(0)))?;
    for folder in crate::isms::folders() {
        let path = dir.join(folder);
        fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
    }
    write_atomic(&dir.join("isms.yaml"), config.as_bytes())?;
    write_atomic(&dir.join("documents/scope.md"), fill(SCOPE).as_bytes())?;
    write_atomic(
        &dir.join("documents/methodology.md"),
        methodology_document(&fill(METHODOLOGY), &config)?.as_bytes(),
    )?;
    for control in annex_a() {
        let entry = SoaEntry {
            id: control.id.clone(),
            title: control.title.clone(),
            applicable: true,
            status: ControlStatus::NotImplemented,
            owner: None,
            reasons: Vec::new(),
            justification: None,
            evidence: Vec::new(),
            evidence_every_days: None,
            body: format!("\n## Implementation\n\nTo be decided: is Annex A {} \"{}\" applicable, and how is it implemented?\n", control.id, control.title),
        };
        let text = write_record(&emit_soa_entry(&entry), &entry.body, None);
        write_atomic(
            &dir.join(RecordKind::Control.path(&control.id)),
            text.as_bytes(),
        )?;
    }
    for folder in ["risks", "treatments", "assessments", "reports"] {
        write_atomic(&dir.join(folder).join(".gitkeep"), b"")?;
    }
    write_atomic(
        &dir.join(".gitignore"),
        format!("# The temporary files of ISMS Desk saves: one is left only by a save that was killed\n# mid-write, and it holds no record. Never commit them.\n{}\n", crate::domain::TEMPORARY_FILES).as_bytes(),
    )?;
    // On `main`, whatever git's init.defaultBranch says: the branch sign-off protects.
    git2::Repository::init_opts(dir, git2::RepositoryInitOptions::new().initial_head("main"))?;
    Ok(())
}

/// Creates an ISMS repository in `dir` (which must not exist or be empty) from
/// `files` (paths relative to the root, with `/` separators) and commits them,
/// unsigned, as `identity`. The desktop app makes its copy of the sample ISMS this way.
pub fn from_files(
    dir: &Path,
    files: &[(&str, &[u8])],
    identity: &crate::git::Identity,
    message: &str,
) -> Result<crate::git::Committed> {
    refuse_non_empty(dir)?;
    for (path, bytes) in files {
        if path.split('/').any(|part| part.is_empty() || part == "..") || path.starts_with('/') {
            return Err(Error::OutsideRepository(path.to_string()));
        }
        let full = dir.join(path);
        let folder = full.parent().expect("a file path has a folder");
        fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        write_atomic(&full, bytes)?;
    }
    // On `main`, whatever git's init.defaultBranch says: the branch sign-off protects.
    git2::Repository::init_opts(dir, git2::RepositoryInitOptions::new().initial_head("main"))?;
    let isms = crate::Isms::open(dir)?;
    let allowed_signers = isms.allowed_signers_for_commit()?;
    isms.commit(&crate::git::CommitRequest {
        message,
        records: &[],
        identity,
        signer: None,
        when: None,
        allowed_signers: allowed_signers.as_deref(),
    })
}

/// A new ISMS goes into a folder that does not exist yet or is empty.
fn refuse_non_empty(dir: &Path) -> Result<()> {
    if dir.exists()
        && fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_some()
    {
        return Err(Error::NotEmpty(dir.to_path_buf()));
    }
    Ok(())
}
