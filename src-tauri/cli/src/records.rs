//! `isms init`, `check`, `list`, `show`, `search` and `score`: reading the ISMS from the
//! command line. The views come from `isms_core::api`; this module prints them.

use std::path::Path;
use std::process::ExitCode;

use chrono::NaiveDate;
use isms_core::api::{
    AuditLine, FindingLine, ObjectiveLine, RegisterQuery, RiskView, Shown, SoaLine, SupplierLine,
    TreatmentLine,
};
use isms_core::domain::checks::{CheckReport, Deferred, Severity};
use isms_core::domain::{sections, Assessment, Document, Rating, RiskStatus};
use isms_core::index::{ControlQuery, RiskSort};
use serde_json::json;

use crate::args::{ListArgs, ListKind};
use crate::table::Table;
use crate::terminal::safe;
use crate::{plural, print_json, today, usage, Ctx, Failure};

/// `isms init <dir>`
pub fn init(
    c: &Ctx,
    dir: &Path,
    organisation: &str,
    date: Option<NaiveDate>,
) -> Result<ExitCode, Failure> {
    isms_core::init::init(dir, organisation, today(date))?;
    if c.json {
        print_json(&json!({ "created": dir }));
    } else {
        println!(
            "Created a new ISMS for {organisation} in {}.",
            dir.display()
        );
        println!(
            "Next: add people and their roles to isms.yaml, then run `isms check --repo {}`.",
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `isms check [--today] [--strict]`: exit 1 on errors (on warnings too with `--strict`).
pub fn check(c: &Ctx, date: Option<NaiveDate>, strict: bool) -> Result<ExitCode, Failure> {
    let report = c.isms()?.findings(today(date))?;
    if c.json {
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
        out.push_str(&format!(
            "{place}: {severity} [{}] {}\n",
            f.rule,
            safe(&f.message)
        ));
    }
    deferred(
        &mut out,
        "Deferred domains (listed on every run so they are not lost):",
        &report.deferred_domains,
    );
    deferred(&mut out, "Deferred risks:", &report.deferred_risks);
    out.push_str(&format!(
        "\n{}, {} (checked as of {})\n",
        plural(report.errors(), "error"),
        plural(report.warnings(), "warning"),
        report.today
    ));
    out
}

fn deferred(out: &mut String, heading: &str, items: &[Deferred]) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("\n{heading}\n"));
    let mut t = Table::new(&["", "", ""]).indent(2).without_header();
    for d in items {
        t.row(vec![
            d.id.clone(),
            safe(&d.title).into_owned(),
            d.deferred_to
                .as_ref()
                .map(|t| format!("→ {t}"))
                .unwrap_or_else(|| "→ (not said where)".into()),
        ]);
    }
    out.push_str(&t.render());
}

/// `isms list risks|controls|treatments|documents`
pub fn list(c: &Ctx, what: ListKind, filters: &ListArgs) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    match what {
        ListKind::Risks => list_risks(c, &isms, filters)?,
        ListKind::Controls => list_controls(c, &isms, filters)?,
        ListKind::Treatments => list_treatments(c, &isms)?,
        ListKind::Documents => list_documents(c, &isms)?,
        ListKind::Audits => list_audits(c, &isms)?,
        ListKind::Nonconformities => list_findings(c, &isms)?,
        ListKind::Objectives => list_objectives(c, &isms)?,
        ListKind::Suppliers => list_suppliers(c, &isms)?,
    }
    say_what_did_not_load(c, &isms, "this list")?;
    Ok(ExitCode::SUCCESS)
}

/// Names the files that did not load (isms.yaml first), on stderr, so that what is
/// missing from `what` is never missing without a word.
fn say_what_did_not_load(c: &Ctx, isms: &isms_core::Isms, what: &str) -> Result<(), Failure> {
    let mut problems = isms.query_index(|index| index.load_errors())?;
    if problems.is_empty() || c.json {
        return Ok(());
    }
    problems.sort_by_key(|p| (p.path != isms_core::repository::CONFIG_FILE, p.path.clone()));
    const SHOWN: usize = 3;
    for p in problems.iter().take(SHOWN) {
        eprintln!("{}", safe(&p.to_string()));
    }
    let more = problems.len().saturating_sub(SHOWN);
    eprintln!(
        "{} kept records out of {what}{}; run `isms check` for details.",
        plural(problems.len(), "file problem"),
        if more > 0 {
            format!(" ({more} more not shown)")
        } else {
            String::new()
        }
    );
    Ok(())
}

fn list_risks(c: &Ctx, isms: &isms_core::Isms, f: &ListArgs) -> Result<(), Failure> {
    let methodology = isms.methodology();
    let band = f
        .band
        .as_deref()
        .map(|b| {
            methodology
                .bands
                .iter()
                .find(|r| r.band.as_str() == b || r.name.eq_ignore_ascii_case(b))
                .map(|r| r.band.clone())
                .ok_or_else(|| {
                    let ids: Vec<&str> =
                        methodology.bands.iter().map(|r| r.band.as_str()).collect();
                    usage(format!(
                        "--band: `{b}` is not a band of methodology {}: {}",
                        methodology.version,
                        ids.join(", ")
                    ))
                })
        })
        .transpose()?;
    let status = f
        .status
        .as_deref()
        .map(|s| {
            RiskStatus::parse(s).ok_or_else(|| {
                usage(format!(
                    "--status: `{s}` is not one of {}",
                    RiskStatus::expected()
                ))
            })
        })
        .transpose()?;
    let sort = RiskSort::parse(&f.sort.replace('-', "_")).ok_or_else(|| {
        usage(format!(
            "--sort: `{}` is not one of {}",
            f.sort,
            RiskSort::expected()
        ))
    })?;
    let query = RegisterQuery {
        band,
        domain: f.domain.clone(),
        status,
        owner: f.owner.clone(),
        theme: f.theme.clone(),
        search: None,
        sort,
        descending: Some(sort.descending_by_default() != f.desc),
        ..RegisterQuery::default()
    };
    let rows = isms.register(&query, today(None))?.rows;
    let provisional = if rows.iter().any(|r| r.provisional) {
        " (* provisional score)"
    } else {
        ""
    };
    output(
        c,
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
        format!("{}{provisional}", plural(rows.len(), "risk")),
        |r| {
            let score = match (r.score, r.provisional) {
                (Some(s), true) => format!("{s}*"),
                (s, _) => dash(s),
            };
            let residual = match (r.residual_score, &r.residual_band) {
                (Some(s), Some(b)) => format!("{s} {}", methodology.band_name(Some(b))),
                _ if r.scored_under.is_some() => "rescore".into(),
                _ => "–".into(),
            };
            vec![
                r.id.clone(),
                safe(&r.title).into_owned(),
                r.domain.clone(),
                r.status.as_str().into(),
                dash(r.likelihood),
                dash(r.impact),
                score,
                match (&r.band, &r.scored_under) {
                    (Some(b), _) => methodology.band_name(Some(b)),
                    (None, Some(v)) => format!("rescore (scored under {v})"),
                    (None, None) => "–".into(),
                },
                residual,
                dash(r.treatment.map(|t| t.as_str())),
                r.owner.clone(),
            ]
        },
    );
    Ok(())
}

fn list_controls(c: &Ctx, isms: &isms_core::Isms, f: &ListArgs) -> Result<(), Failure> {
    let applicable = match f.status.as_deref() {
        Some("applicable") => Some(true),
        Some("not_applicable") => Some(false),
        _ => None,
    };
    let status = match f.status.as_deref() {
        None | Some("applicable" | "not_applicable") => None,
        Some(s) => Some(isms_core::domain::ControlStatus::parse(s).ok_or_else(|| {
            usage(format!(
                "--status: `{s}` is not one of applicable, not_applicable, {}",
                isms_core::domain::ControlStatus::expected()
            ))
        })?),
    };
    let query = ControlQuery {
        theme: f.theme.clone(),
        status,
        owner: f.owner.clone(),
        applicable,
    };
    let rows = isms.query_index(|index| index.controls(&query))?;
    let summary = format!(
        "{} controls, {} applicable",
        rows.len(),
        rows.iter().filter(|r| r.applicable).count()
    );
    output(
        c,
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
                r.status.as_str().replace('_', " "),
                dash(r.owner.as_ref()),
                r.cited_by.join(" "),
            ]
        },
    );
    Ok(())
}

fn list_treatments(c: &Ctx, isms: &isms_core::Isms) -> Result<(), Failure> {
    let rows = isms.query_index(|index| index.treatments())?;
    output(
        c,
        &rows,
        &[
            "ID", "TITLE", "OPTION", "DECISION", "RISKS", "ACTIONS", "OPEN", "NEXT DUE",
        ],
        plural(rows.len(), "treatment"),
        |r| {
            vec![
                r.id.clone(),
                safe(&r.title).into_owned(),
                r.option.as_str().into(),
                r.decision.as_str().into(),
                r.risks.join(" "),
                r.actions.to_string(),
                r.open_actions.to_string(),
                dash(r.next_due.as_ref()),
            ]
        },
    );
    Ok(())
}

fn list_documents(c: &Ctx, isms: &isms_core::Isms) -> Result<(), Failure> {
    let rows = isms.query_index(|index| index.documents())?;
    output(
        c,
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
        plural(rows.len(), "document"),
        |r| {
            vec![
                r.id.clone(),
                safe(&r.title).into_owned(),
                r.version.clone(),
                r.owner.clone(),
                dash(r.approved_by.as_ref()),
                dash(r.effective.as_ref()),
                dash(r.next_review.as_ref()),
            ]
        },
    );
    Ok(())
}

fn list_audits(c: &Ctx, isms: &isms_core::Isms) -> Result<(), Failure> {
    let programme = isms.audit_programme(today(None))?;
    let gaps = programme.gaps.len();
    output(
        c,
        &programme.audits,
        &[
            "ID",
            "TITLE",
            "STATUS",
            "AUDITOR",
            "PLANNED",
            "COMPLETED",
            "ITEMS",
            "FINDINGS",
        ],
        format!(
            "{}; {} of {} requirements not audited in the {}-year cycle nor planned",
            plural(programme.audits.len(), "audit"),
            gaps,
            programme.coverage.len(),
            programme.cycle_years
        ),
        |l| {
            let a = &l.audit;
            vec![
                a.id.clone(),
                safe(&a.title).into_owned(),
                a.status.as_str().replace('_', " "),
                safe(&a.auditor).into_owned(),
                a.planned_on.to_string(),
                dash(a.completed_on.as_ref()),
                a.items.len().to_string(),
                l.findings.join(", "),
            ]
        },
    );
    Ok(())
}

fn list_suppliers(c: &Ctx, isms: &isms_core::Isms) -> Result<(), Failure> {
    let view = isms.suppliers(today(None))?;
    output(
        c,
        &view.suppliers,
        &[
            "ID",
            "SUPPLIER",
            "SERVICE",
            "REGION",
            "SUBPROCESSOR",
            "DPA",
            "ATTESTATION",
            "NEXT REVIEW",
        ],
        plural(view.suppliers.len(), "supplier"),
        |l| {
            let s = &l.supplier;
            let attestation = match (&s.attestation, &l.attestation_problem) {
                (None, _) => "-".to_string(),
                (Some(a), None) => format!("{a} ({})", dash(s.attestation_date.as_ref())),
                (Some(a), Some(problem)) => format!("{a} ({problem})"),
            };
            vec![
                s.id.clone(),
                safe(&s.name).into_owned(),
                safe(&s.service).into_owned(),
                safe(&s.region).into_owned(),
                if s.subprocessor { "yes" } else { "no" }.into(),
                s.dpa.as_str().replace('_', " "),
                safe(&attestation).into_owned(),
                format!(
                    "{}{}",
                    dash(s.next_review.as_ref()),
                    if l.review_overdue.is_some() {
                        " (overdue)"
                    } else {
                        ""
                    }
                ),
            ]
        },
    );
    Ok(())
}

fn list_objectives(c: &Ctx, isms: &isms_core::Isms) -> Result<(), Failure> {
    let view = isms.objectives(today(None))?;
    output(
        c,
        &view.objectives,
        &[
            "ID",
            "OBJECTIVE",
            "TARGET",
            "OWNER",
            "DUE",
            "STATUS",
            "RESULT",
        ],
        plural(view.objectives.len(), "objective"),
        |l| {
            let o = &l.objective;
            let overdue = if l.overdue { " (overdue)" } else { "" };
            vec![
                o.id.clone(),
                safe(&o.title).into_owned(),
                safe(&o.target).into_owned(),
                o.owner.clone(),
                format!("{}{overdue}", dash(o.due.as_ref())),
                o.status.as_str().replace('_', " "),
                safe(o.result.as_deref().unwrap_or("")).into_owned(),
            ]
        },
    );
    Ok(())
}

fn list_findings(c: &Ctx, isms: &isms_core::Isms) -> Result<(), Failure> {
    let view = isms.nonconformities(today(None))?;
    let open = view
        .findings
        .iter()
        .filter(|l| l.finding.status != isms_core::domain::FindingStatus::Closed)
        .count();
    output(
        c,
        &view.findings,
        &[
            "ID", "TITLE", "GRADE", "STATUS", "SOURCE", "OWNER", "RAISED", "ACTIONS", "OVERDUE",
        ],
        format!("{} ({open} open)", plural(view.findings.len(), "finding")),
        |l| {
            let n = &l.finding;
            vec![
                n.id.clone(),
                safe(&n.title).into_owned(),
                n.grade.as_str().into(),
                n.status.as_str().replace('_', " "),
                n.source_ref
                    .clone()
                    .unwrap_or_else(|| n.source.as_str().replace('_', " ")),
                n.owner.clone(),
                n.raised_on.to_string(),
                n.actions.len().to_string(),
                l.overdue.join(", "),
            ]
        },
    );
    Ok(())
}

/// Prints rows as JSON, as CSV (a dash for nothing becomes an empty cell), or as an
/// aligned table followed by a summary line.
fn output<T: serde::Serialize>(
    c: &Ctx,
    rows: &[T],
    headings: &[&str],
    summary: String,
    cells: impl Fn(&T) -> Vec<String>,
) {
    if c.json {
        print_json(&rows);
        return;
    }
    let mut t = Table::new(headings);
    for row in rows {
        t.row(cells(row));
    }
    if c.format == crate::args::Format::Csv {
        print!("{}", t.csv());
        return;
    }
    print!("{}", t.render());
    println!("{summary}");
}

/// A value for a table cell, or a dash when there is none.
fn dash(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "–".into())
}

/// `isms show <id>`
pub fn show(c: &Ctx, id: &str) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let shown = isms.show(id, today(None))?;
    if c.json {
        print_json(&shown);
        return Ok(ExitCode::SUCCESS);
    }
    match &shown {
        Shown::Risk(view) => show_risk(view, &isms.methodology()),
        Shown::Control(line) => show_control(line),
        Shown::Treatment(line) => show_treatment(line),
        Shown::Document { document, .. } => show_document(document),
        Shown::Assessment { assessment, .. } => show_assessment(assessment),
        Shown::Audit(line) => show_audit(line),
        Shown::Nonconformity(line) => show_finding(line),
        Shown::Objective(line) => show_objective(line),
        Shown::Supplier(line) => show_supplier(line),
        Shown::Evidence { evidence, file, .. } => show_evidence(evidence, file.as_ref()),
        Shown::Review { review, .. } => show_review(review),
    }
    say_what_did_not_load(c, &isms, "what is shown")?;
    Ok(ExitCode::SUCCESS)
}

fn show_risk(view: &RiskView, methodology: &isms_core::domain::Methodology) {
    let r = &view.risk;
    println!("{} — {}", r.id, safe(&r.title));
    let rating = |x: Option<Rating>| {
        x.map(|x| {
            format!(
                "{} × {} = {} ({})",
                x.likelihood,
                x.impact,
                x.score,
                methodology.band_name(x.band.as_ref())
            )
        })
        .unwrap_or_else(|| "not scored".into())
    };
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "–".into());
    let mut t = Table::new(&["", ""]).indent(2).without_header();
    let deferred = r
        .deferred_to
        .as_ref()
        .map(|d| format!(" → {d}"))
        .unwrap_or_default();
    t.row(vec![
        "status".into(),
        format!("{}{deferred}", r.status.as_str()),
    ]);
    t.row(vec!["domain".into(), r.domain.clone()]);
    let provisional = if r.provisional { ", provisional" } else { "" };
    t.row(vec![
        "inherent".into(),
        format!("{}{provisional}", rating(view.inherent.clone())),
    ]);
    t.row(vec!["residual".into(), rating(view.residual.clone())]);
    if let Some(r) = &view.rescore {
        let proposed = match (r.proposed.likelihood, r.proposed.impact) {
            (Some(l), Some(i)) => format!("; the mapping proposes {l} × {i}"),
            _ => String::new(),
        };
        t.row(vec![
            "to rescore".into(),
            format!(
                "scored under methodology {}, {} is in force{proposed} (`isms rescore {}`)",
                r.from, r.to, view.risk.id
            ),
        ]);
    }
    t.row(vec![
        "treatment".into(),
        r.treatment.map_or("undecided", |t| t.as_str()).into(),
    ]);
    t.row(vec!["owner".into(), r.owner.clone()]);
    t.row(vec!["controls".into(), r.controls.join(", ")]);
    t.row(vec!["related".into(), r.related.join(", ")]);
    if !view.findings.is_empty() {
        let findings: Vec<String> = view
            .findings
            .iter()
            .map(|f| format!("{} {}", f.id, safe(&f.label)))
            .collect();
        t.row(vec!["findings".into(), findings.join("; ")]);
    }
    t.row(vec!["themes".into(), r.themes.join(", ")]);
    t.row(vec![
        "reviewed".into(),
        format!("{} (next {})", date(r.reviewed_on), date(r.next_review)),
    ]);
    if let Some(a) = &r.acceptance {
        let reaffirmed = a
            .reaffirmed
            .iter()
            .max()
            .map(|d| format!(", re-affirmed {d}"))
            .unwrap_or_default();
        t.row(vec![
            "acceptance".into(),
            format!("by {}, memo {}{reaffirmed}", a.accepted_by, a.memo.as_str()),
        ]);
    }
    if !view.acceptance_stale.is_empty() {
        t.row(vec![
            "STALE".into(),
            format!(
                "rescored since accepted: {}",
                view.acceptance_stale.join(", ")
            ),
        ]);
    }
    print!("{}", t.render());
    print_body(&r.body);
}

fn show_control(line: &SoaLine) {
    let c = &line.entry;
    println!("Annex A {} — {}", c.id, c.title);
    let mut t = Table::new(&["", ""]).indent(2).without_header();
    t.row(vec![
        "applicable".into(),
        if c.applicable { "yes" } else { "no" }.into(),
    ]);
    t.row(vec!["status".into(), c.status.as_str().replace('_', " ")]);
    t.row(vec![
        "owner".into(),
        c.owner.clone().unwrap_or_else(|| "–".into()),
    ]);
    let cited: Vec<&str> = line.cited_by.iter().map(|r| r.id.as_str()).collect();
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
        t.row(vec!["justification".into(), safe(j).into_owned()]);
    }
    for e in &c.evidence {
        t.row(vec!["evidence".into(), safe(e).into_owned()]);
    }
    if let Some(days) = c.evidence_every_days {
        use isms_core::domain::Freshness;
        let state = match &line.evidence_freshness {
            Freshness::Fresh(d) => format!("newest {d}, within {days} days"),
            Freshness::Stale(d) => format!("STALE: newest {d}, older than {days} days"),
            Freshness::Missing => format!("MISSING: none, wanted every {days} days"),
            Freshness::NoPolicy => String::new(),
        };
        t.row(vec!["evidence due".into(), state]);
    }
    if !line.criteria.is_empty() {
        t.row(vec!["SOC 2".into(), line.criteria.join(", ")]);
    }
    print!("{}", t.render());
    print_body(&c.body);
}

fn show_treatment(line: &TreatmentLine) {
    let tr = &line.treatment;
    println!("{} — {}", tr.id, safe(&tr.title));
    println!(
        "  {} · {} · risks {}",
        tr.option.as_str(),
        tr.decision.as_str(),
        tr.risks.join(", ")
    );
    if !tr.findings.is_empty() {
        println!("  prompted by {}", tr.findings.join(", "));
    }
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
            safe(&a.description).into_owned(),
            a.owner.clone(),
            a.due.map(|d| d.to_string()).unwrap_or_else(|| "–".into()),
            a.status.as_str().replace('_', " "),
            a.resources.clone().unwrap_or_default(),
        ]);
    }
    print!("{}", t.render());
    print_body(&tr.body);
}

fn show_document(d: &Document) {
    println!("{} — {} (version {})", d.id, safe(&d.title), d.version);
    let date = |x: Option<NaiveDate>| x.map(|x| x.to_string()).unwrap_or_else(|| "–".into());
    println!(
        "  owner {} · approved by {} · effective {} · next review {}",
        d.owner,
        d.approved_by.as_deref().unwrap_or("–"),
        date(d.effective),
        date(d.next_review)
    );
    print_body(&d.body);
}

fn show_assessment(a: &Assessment) {
    println!(
        "{} — {} (performed {}, methodology {})",
        a.id,
        safe(&a.title),
        a.performed_on,
        a.methodology_version
    );
    println!(
        "  in scope: {} · deferred: {}",
        a.domains_in_scope.join(", "),
        a.domains_deferred.join(", ")
    );
    print_body(&a.body);
}

fn show_audit(line: &AuditLine) {
    let a = &line.audit;
    println!(
        "{} — {} ({})",
        a.id,
        safe(&a.title),
        a.status.as_str().replace('_', " ")
    );
    println!(
        "  auditor {} · planned {} · completed {}",
        safe(&a.auditor),
        a.planned_on,
        dash(a.completed_on.as_ref())
    );
    let scope: Vec<String> = [
        ("clauses", &a.clauses),
        ("controls", &a.controls),
        ("processes", &a.processes),
        ("documents", &a.documents),
        ("domains", &a.domains),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k} {}", v.join(", ")))
    .collect();
    println!("  scope: {}", safe(&scope.join(" · ")));
    for conflict in &line.independence {
        println!("  NOT INDEPENDENT: {}", safe(conflict));
    }
    let mut t = Table::new(&["ITEM", "ABOUT", "CONCLUSION", "FINDING", "NOTE"]).indent(2);
    for i in &a.items {
        t.row(vec![
            i.id.clone(),
            safe(&i.about).into_owned(),
            i.conclusion.map_or("–".into(), |c| c.as_str().to_string()),
            i.finding
                .clone()
                .or(i.follows_up.as_ref().map(|f| format!("follows up {f}")))
                .unwrap_or_else(|| "–".into()),
            safe(i.note.as_deref().unwrap_or("")).into_owned(),
        ]);
    }
    print!("{}", t.render());
    print_body(&a.body);
}

fn show_finding(line: &FindingLine) {
    let n = &line.finding;
    println!(
        "{} — {} ({}, {})",
        n.id,
        safe(&n.title),
        n.grade.as_str(),
        n.status.as_str().replace('_', " ")
    );
    println!(
        "  source {}{} · requirement {} · raised {} · owner {}",
        n.source.as_str().replace('_', " "),
        n.source_ref
            .as_ref()
            .map(|r| format!(" {r}"))
            .unwrap_or_default(),
        dash(n.requirement.as_ref()),
        n.raised_on,
        n.owner
    );
    print_actions(&n.actions);
    if let Some(e) = &n.effectiveness {
        println!(
            "  effectiveness reviewed by {} on {}: {}",
            e.reviewed_by,
            e.reviewed_on,
            e.result.as_str().replace('_', " ")
        );
    }
    if let Some(by) = &line.followed_up_by {
        println!("  followed up by {by}");
    }
    if n.status != isms_core::domain::FindingStatus::Closed {
        for b in &line.closure_blockers {
            println!("  before it closes: {}", safe(b));
        }
    }
    print_body(&n.body);
}

fn show_objective(line: &ObjectiveLine) {
    let o = &line.objective;
    println!(
        "{} — {} ({})",
        o.id,
        safe(&o.title),
        o.status.as_str().replace('_', " ")
    );
    println!("  measure: {}", safe(&o.measure));
    println!("  target: {}", safe(&o.target));
    println!(
        "  owner {} · due {}{}",
        o.owner,
        dash(o.due.as_ref()),
        if line.overdue { " (overdue)" } else { "" }
    );
    if let Some(r) = &o.result {
        println!("  result: {}", safe(r));
    }
    print_body(&o.body);
}

fn show_supplier(line: &SupplierLine) {
    let s = &line.supplier;
    println!(
        "{} — {}{}",
        s.id,
        safe(&s.name),
        if s.subprocessor {
            " (subprocessor)"
        } else {
            ""
        }
    );
    println!("  service: {}", safe(&s.service));
    println!("  region: {}", safe(&s.region));
    if !s.data.is_empty() {
        println!("  data: {}", safe(&s.data.join(", ")));
    }
    println!(
        "  owner {} · contract {}{} · DPA {}{}",
        s.owner,
        s.contract.as_str().replace('_', " "),
        s.contract_ends
            .map(|d| format!(" (ends {d})"))
            .unwrap_or_default(),
        s.dpa.as_str().replace('_', " "),
        if line.lacks_dpa { " (needed)" } else { "" }
    );
    if let Some(a) = &s.attestation {
        println!(
            "  attestation: {} ({}){}",
            safe(a),
            dash(s.attestation_date.as_ref()),
            line.attestation_problem
                .as_deref()
                .map(|p| format!(": {p}"))
                .unwrap_or_default()
        );
    }
    println!(
        "  reviewed {} · next review {}{}",
        dash(s.reviewed_on.as_ref()),
        dash(s.next_review.as_ref()),
        if line.review_overdue.is_some() {
            " (overdue)"
        } else {
            ""
        }
    );
    if !s.risks.is_empty() {
        println!("  risks: {}", s.risks.join(", "));
    }
    if !s.controls.is_empty() {
        println!("  controls: {}", s.controls.join(", "));
    }
    print_body(&s.body);
}

fn show_evidence(e: &isms_core::domain::Evidence, file: Option<&isms_core::domain::EvidenceFile>) {
    use isms_core::domain::EvidenceFile;
    println!("{} — {}", e.id, safe(&e.title));
    println!(
        "  collected {} by {}",
        e.collected_on,
        safe(&e.collected_by)
    );
    if !e.controls.is_empty() {
        println!("  controls: {}", e.controls.join(", "));
    }
    if let Some(r) = &e.reference {
        println!("  reference: {}", safe(r));
    }
    if let (Some(path), Some(file)) = (e.file_path(), file) {
        let state = match file {
            EvidenceFile::Present(h) if Some(h) == e.sha256.as_ref() => "as collected".to_string(),
            EvidenceFile::Present(h) => format!("CHANGED since it was collected (SHA-256 now {h})"),
            EvidenceFile::TooLarge(n) => format!("too large ({n} bytes)"),
            EvidenceFile::NotAFile => "NOT A FILE (a link or a folder)".to_string(),
            EvidenceFile::Missing => "MISSING".to_string(),
        };
        println!("  file: {} ({state})", safe(&path));
    }
    print_body(&e.body);
}

fn show_review(v: &isms_core::domain::Review) {
    println!("{} — {} (held {})", v.id, safe(&v.title), v.held_on);
    println!("  attendees: {}", safe(&v.attendees.join(", ")));
    for d in &v.decisions {
        println!("  decided: {}", safe(d));
    }
    print_actions(&v.actions);
    println!("  (the pack of its inputs: isms review-pack {})", v.id);
    print_body(&v.body);
}

fn print_body(body: &str) {
    // Each line on its own: a paragraph wrapped over lines prints as written, and
    // control characters within a line are still shown escaped.
    let lines = |text: &str| {
        text.lines()
            .map(|l| safe(l).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (heading, text) in sections(body) {
        if heading.is_empty() {
            println!("\n{}", lines(&text));
        } else {
            println!("\n## {}\n{}", safe(&heading), lines(&text));
        }
    }
}

/// `isms search <words>`
pub fn search(c: &Ctx, words: &[String], limit: usize) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let hits = isms.query_index(|index| index.search(&words.join(" "), limit))?;
    if c.json {
        print_json(&hits);
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new(&["ID", "KIND", "TITLE", "FILE"]);
    for h in &hits {
        t.row(vec![
            h.id.clone(),
            h.kind.clone(),
            safe(&h.title).into_owned(),
            h.path.clone(),
        ]);
    }
    print!("{}", t.render());
    println!("{}", plural(hits.len(), "hit"));
    say_what_did_not_load(c, &isms, "the search")?;
    Ok(ExitCode::SUCCESS)
}

/// `isms score <likelihood> <impact>`, under the repository's methodology (the default
/// one outside an ISMS).
pub fn score(c: &Ctx, likelihood: u8, impact: u8) -> Result<ExitCode, Failure> {
    let methodology = match c.isms() {
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
        Err(f) if f.is(isms_core::ErrorCode::NotAnIsms) => isms_core::api::default_methodology(),
        Err(f) => return Err(f),
    };
    for (name, v, scale) in [
        ("likelihood", likelihood, &methodology.likelihood),
        ("impact", impact, &methodology.impact),
    ] {
        if !(1..=scale.len()).contains(&usize::from(v)) {
            return Err(usage(format!(
                "{name}: {v} is outside the scale 1–{} of methodology {}",
                scale.len(),
                methodology.version
            )));
        }
    }
    let rating = Rating::new(&methodology, likelihood, impact)
        .expect("both levels are on the scales, checked above");
    let band = rating.band.as_ref().and_then(|b| methodology.band_rule(b));
    if c.json {
        print_json(&json!({
            "likelihood": likelihood,
            "impact": impact,
            "score": rating.score,
            "band": rating.band,
            "definition": band.map(|b| &b.definition),
            "methodology_version": methodology.version,
        }));
        return Ok(ExitCode::SUCCESS);
    }
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
        methodology.band_name(rating.band.as_ref()),
        band.map(|b| format!(" — {}", b.definition))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// A finding's corrective actions or a review's actions, as an indented table.
fn print_actions(actions: &[isms_core::domain::Action]) {
    let mut t = Table::new(&["ACTION", "DESCRIPTION", "OWNER", "DUE", "STATUS"]).indent(2);
    for a in actions {
        t.row(vec![
            a.id.clone(),
            safe(&a.description).into_owned(),
            a.owner.clone(),
            dash(a.due.as_ref()),
            a.status.as_str().replace('_', " "),
        ]);
    }
    print!("{}", t.render());
}
