//! `isms check`: the cross-record rules of an ISMS. Each finding has a stable rule
//! name, a severity, the file it concerns and a message a person understands.
//! Deferred domains and deferred risks are listed on every run so they cannot be
//! lost between assessments.
//!
//! Pure: the caller passes the records, the load errors, the Annex A catalogue and
//! `today`.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Serialize;

use super::records::{Acceptance, MemoStatus, Risk, RiskStatus, SoaEntry, TreatmentOption};
use super::references::{self, Dangling, Known};
use super::scoring::{BandRequires, BandRule};
use super::{DomainStatus, IsmsConfig, RecordKind, Records, CONFIG_FILE};
use crate::catalogue::AnnexAControl;
use crate::LoadError;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The ISMS is inconsistent or incomplete; `isms check` exits 1.
    Error,
    /// Needs attention; `isms check` exits 0 unless `--strict`.
    Warning,
}

/// One finding of the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Finding {
    /// The rule, written as its stable name, e.g. `soa-excluded-but-cited`.
    pub rule: Rule,
    /// Error or warning.
    pub severity: Severity,
    /// The file, relative to the repository root.
    pub path: String,
    /// The line, when the finding is about one line. A finding about a record's
    /// narrative (`field` is `body`) counts it from the body's first line until
    /// `Isms::findings` turns it into the file's line.
    pub line: Option<usize>,
    /// The field concerned, dotted (`actions.A2.owner`), when there is one: the app
    /// shows the finding beside it, and the line is found from it.
    pub field: Option<String>,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

/// Something deferred, listed on every run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Deferred {
    /// A domain id or a risk id.
    pub id: String,
    /// The domain's name or the risk's title.
    pub title: String,
    /// Where it went: a workshop or a date.
    pub deferred_to: Option<String>,
}

/// The outcome of the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CheckReport {
    /// The findings, errors first, then by file.
    pub findings: Vec<Finding>,
    /// Deferred risk domains.
    pub deferred_domains: Vec<Deferred>,
    /// Deferred risks.
    pub deferred_risks: Vec<Deferred>,
    /// The date the checks were run for.
    pub today: NaiveDate,
}

impl CheckReport {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }
}

/// The rules of `isms check`, each written as its stable name (`soa-excluded-but-cited`)
/// and checked by one function: `Rule::check` leads from a rule's name to its code.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Rule {
    /// A file that does not parse.
    ParseError,
    /// A front-matter key ISMS Desk does not read (kept as written).
    UnknownField,
    /// An id, role, domain, theme or control that names nothing.
    UnknownReference,
    /// An Annex A control without its SoA entry.
    SoaMissingEntry,
    /// A control excluded from the SoA without a justification.
    SoaUnjustifiedExclusion,
    /// A control applicable with no risk citing it and no other reason stated.
    SoaApplicableWithoutReason,
    /// A control excluded from the SoA that a risk cites.
    SoaExcludedButCited,
    /// A risk in a band that requires treatment (the default methodology's
    /// Unacceptable) that no treatment addresses.
    UnacceptableUntreated,
    /// A risk in a band that requires a management decision (the default
    /// methodology's Manage) without a treatment decision.
    ManageUndecided,
    /// A level beyond the scale of the methodology the risk is scored under.
    LevelOffScale,
    /// A risk scored under a methodology version that is no longer in force.
    RiskToBeRescored,
    /// A methodology with impacts per CIA, and a risk that gives only one impact.
    ImpactPerCiaMissing,
    /// A risk treated by acceptance without an acceptance record.
    AcceptanceMissing,
    /// An acceptance whose formal memo is still pending.
    AcceptancePending,
    /// An acceptance by a role the methodology does not allow for the band.
    AcceptanceRoleNotAllowed,
    /// A signed acceptance of a risk that has been rescored since.
    AcceptanceStale,
    /// A role nobody holds.
    RoleUnheld,
    /// One person holding two roles that are kept apart.
    SeparationOfDuties,
    /// People whose names or addresses look alike.
    PeopleLookAlike,
    /// Two people with the same signing key.
    SharedSigningKey,
    /// A risk whose review date has passed.
    RiskReviewOverdue,
    /// A controlled document whose review date has passed.
    DocumentReviewOverdue,
    /// The next risk assessment is past its date.
    AssessmentOverdue,
    /// An approved treatment's open action past its due date.
    ActionOverdue,
    /// A temporary file of an interrupted save that reached a commit.
    TemporaryCommitted,
    /// Git does not ignore the temporary files of saves, so `git add -A` would commit
    /// one left by a killed save.
    TemporariesNotIgnored,
    /// A figure in the current assessment's narrative ("one Unacceptable") that the
    /// register does not bear out.
    NarrativeFigures,
    /// An auditor who owns a control or document in the audit's scope.
    AuditNotIndependent,
    /// A planned audit whose date has passed and that has not started.
    AuditOverdue,
    /// A clause or an applicable Annex A control that the audit programme neither
    /// audited within its cycle nor plans to.
    AuditProgrammeGap,
    /// A nonconformity closed without what closing requires (root cause, actions done,
    /// an effective review by someone else, a follow-up audit for a major one).
    FindingClosedWithoutGrounds,
    /// A nonconformity open for weeks with no corrective action planned.
    FindingStale,
    /// An objective past its due date, judged neither achieved nor missed.
    ObjectiveOverdue,
    /// A controlled document owned or approved by a role nobody holds.
    DocumentRoleUnheld,
    /// A controlled document that cites an Annex A control the SoA excludes.
    DocumentCitesExcludedControl,
    /// The ISMS scope names a risk domain the current assessment deferred, and does
    /// not say it was deferred.
    ScopeOmitsDeferral,
    /// A document that says it is approved, whose text or version is not what its
    /// signed approval (`reports/document/<id>.md`) put in force.
    DocumentChangedWithoutApproval,
    /// A supplier's attestation (SOC 2 report, ISO certificate) older than a year, or
    /// named without its date.
    SupplierAttestationStale,
    /// A supplier whose review date has passed.
    SupplierReviewOverdue,
    /// A subprocessor (a supplier processing customers' personal data) without a signed
    /// data processing agreement.
    SubprocessorWithoutDpa,
    /// A certification or attestation recorded as achieved whose expiry has passed or
    /// is not recorded.
    AttestationExpired,
    /// A statement of the public security page that rests on no control, or on a
    /// control that is not implemented or not applicable.
    PublicClaimUnfounded,
    /// A subprocessor on the public security page that is not a recorded supplier, or
    /// whose record says it processes no customer personal data.
    PublicSubprocessorUnrecorded,
    /// A supplier recorded as a subprocessor that the public security page leaves out.
    PublicSubprocessorMissing,
    /// An attestation on the public security page without a record, lapsed or expired.
    PublicAttestationUnrecorded,
    /// A data flow of the system description that names a component it does not have.
    SystemFlowUnknownComponent,
    /// Two components of the system description recorded for the same function.
    SystemComponentConflict,
    /// A component of the system description outside the system's locations.
    SystemLocationOutOfScope,
    /// A subservice organisation of the system description that is not a supplier.
    SystemSubserviceUnrecorded,
    /// A control whose newest evidence is older than its SoA entry's
    /// `evidence_every_days`.
    EvidenceStale,
    /// A control with an evidence policy and no evidence at all.
    EvidenceMissing,
    /// An evidence file that is not there, is too large, or is not what was collected
    /// (its SHA-256 differs from the record's).
    EvidenceFileMismatch,
    /// A file under `evidence/files/` that no evidence record names: collected without
    /// a record, or left behind by one removed.
    EvidenceFileUnrecorded,
    /// A SOC 2 criterion in scope that no implemented control addresses: none mapped,
    /// only excluded ones, or applicable ones not implemented yet.
    Soc2CriterionUncovered,
}
super::words::words!(Rule);

impl Rule {
    /// The function that checks this rule.
    fn check(self) -> fn(&Scope, &mut Found) {
        match self {
            Rule::ParseError => parse_errors,
            Rule::UnknownField => unknown_fields,
            Rule::UnknownReference => unknown_references,
            Rule::SoaMissingEntry => soa_missing_entries,
            Rule::SoaUnjustifiedExclusion => soa_unjustified_exclusions,
            Rule::SoaApplicableWithoutReason => soa_applicable_without_reason,
            Rule::SoaExcludedButCited => soa_excluded_but_cited,
            Rule::UnacceptableUntreated => unacceptable_untreated,
            Rule::ManageUndecided => manage_undecided,
            Rule::LevelOffScale => levels_off_scale,
            Rule::RiskToBeRescored => risks_to_be_rescored,
            Rule::ImpactPerCiaMissing => impact_per_cia_missing,
            Rule::AcceptanceMissing => acceptance_missing,
            Rule::AcceptancePending => acceptance_pending,
            Rule::AcceptanceRoleNotAllowed => acceptance_role_not_allowed,
            Rule::AcceptanceStale => acceptance_stale,
            Rule::RoleUnheld => roles_unheld,
            Rule::SeparationOfDuties => separation_of_duties,
            Rule::PeopleLookAlike => people_look_alike,
            Rule::SharedSigningKey => shared_signing_keys,
            Rule::RiskReviewOverdue => risk_reviews_overdue,
            Rule::DocumentReviewOverdue => document_reviews_overdue,
            Rule::AssessmentOverdue => assessment_overdue,
            Rule::ActionOverdue => actions_overdue,
            Rule::TemporaryCommitted => temporaries_committed,
            Rule::TemporariesNotIgnored => temporaries_not_ignored,
            Rule::NarrativeFigures => narrative_figures,
            Rule::AuditNotIndependent => audits_not_independent,
            Rule::AuditOverdue => audits_overdue,
            Rule::AuditProgrammeGap => audit_programme_gaps,
            Rule::FindingClosedWithoutGrounds => findings_closed_without_grounds,
            Rule::FindingStale => findings_stale,
            Rule::ObjectiveOverdue => objectives_overdue,
            Rule::DocumentRoleUnheld => documents_with_unheld_roles,
            Rule::DocumentCitesExcludedControl => documents_citing_excluded_controls,
            Rule::ScopeOmitsDeferral => scope_omits_deferral,
            Rule::DocumentChangedWithoutApproval => documents_changed_without_approval,
            Rule::SupplierAttestationStale => supplier_attestations_stale,
            Rule::SupplierReviewOverdue => supplier_reviews_overdue,
            Rule::SubprocessorWithoutDpa => subprocessors_without_dpa,
            Rule::AttestationExpired => attestations_expired,
            Rule::PublicClaimUnfounded
            | Rule::PublicSubprocessorUnrecorded
            | Rule::PublicSubprocessorMissing
            | Rule::PublicAttestationUnrecorded => security_page_untrue,
            Rule::SystemFlowUnknownComponent
            | Rule::SystemComponentConflict
            | Rule::SystemLocationOutOfScope
            | Rule::SystemSubserviceUnrecorded => system_description_incoherent,
            Rule::Soc2CriterionUncovered => soc2_criteria_uncovered,
            Rule::EvidenceStale | Rule::EvidenceMissing => evidence_out_of_date,
            Rule::EvidenceFileMismatch => evidence_files_mismatched,
            Rule::EvidenceFileUnrecorded => evidence_files_unrecorded,
        }
    }
}

/// What the rules look at: the records and what is known about them.
struct Scope<'a> {
    records: &'a Records,
    config: Option<&'a IsmsConfig>,
    load_errors: &'a [LoadError],
    catalogue: &'a [AnnexAControl],
    today: NaiveDate,
    /// What records may refer to.
    known: Known<'a>,
    /// SoA entries that exist, loaded or not.
    control_files: HashSet<&'a str>,
}

impl<'a> Scope<'a> {
    fn new(
        records: &'a Records,
        load_errors: &'a [LoadError],
        catalogue: &'a [AnnexAControl],
        today: NaiveDate,
    ) -> Scope<'a> {
        let unloaded = |kind: RecordKind| {
            load_errors
                .iter()
                .filter_map(move |e| match RecordKind::of_path(&e.path) {
                    Some((k, id)) if k == kind => Some(id),
                    _ => None,
                })
        };
        Scope {
            records,
            config: records.config.as_ref(),
            load_errors,
            catalogue,
            today,
            known: Known {
                config: records.config.as_ref(),
                risk_ids: records
                    .risks
                    .iter()
                    .map(|r| r.id.as_str())
                    .chain(unloaded(RecordKind::Risk))
                    .collect(),
                catalogue_ids: catalogue.iter().map(|c| c.id.as_str()).collect(),
                theme_ids: records
                    .assessments
                    .iter()
                    .flat_map(|a| a.themes.iter().map(|t| t.id.as_str()))
                    .collect(),
                finding_ids: records
                    .nonconformities
                    .iter()
                    .map(|n| n.id.as_str())
                    .chain(unloaded(RecordKind::Nonconformity))
                    .collect(),
            },
            control_files: records
                .controls
                .iter()
                .map(|c| c.id.as_str())
                .chain(unloaded(RecordKind::Control))
                .collect(),
        }
    }

    /// The active risks scored under the methodology in force, with the rule of
    /// their inherent band and their score. A risk still to be rescored is left to
    /// `risk-to-be-rescored`: its levels mean nothing on the new scales.
    fn banded_risks(
        &self,
    ) -> impl Iterator<Item = (&'a Risk, &'a IsmsConfig, &'a BandRule, u8)> + '_ {
        self.config.into_iter().flat_map(|config| {
            let m = &config.methodology;
            self.records
                .risks
                .iter()
                .filter(|r| r.status == RiskStatus::Active && !r.to_be_rescored(m))
                .filter_map(move |risk| {
                    let rating = risk.inherent(m)?;
                    Some((
                        risk,
                        config,
                        m.band_rule(rating.band.as_ref()?)?,
                        rating.score,
                    ))
                })
        })
    }

    /// The active risks treated by acceptance, with their acceptance record.
    fn accepted_risks(
        &self,
    ) -> impl Iterator<Item = (&'a Risk, &'a IsmsConfig, &'a BandRule, &'a Acceptance)> + '_ {
        self.banded_risks().filter_map(|(risk, config, band, _)| {
            (risk.treatment == Some(TreatmentOption::Accept))
                .then_some(())
                .and(risk.acceptance.as_ref())
                .map(|a| (risk, config, band, a))
        })
    }

    /// The SoA entries of Annex A controls (an entry for anything else is an unknown
    /// reference, and the other SoA rules leave it alone).
    fn soa_entries(&self) -> impl Iterator<Item = &'a SoaEntry> + '_ {
        self.records
            .controls
            .iter()
            .filter(|e| self.known.catalogue_ids.contains(e.id.as_str()))
    }
}

/// The findings of one rule.
struct Found {
    rule: Rule,
    findings: Vec<Finding>,
}

impl Found {
    fn error(&mut self, path: impl Into<String>, field: Option<&str>, message: String) {
        self.push_on(Severity::Error, path.into(), field, message);
    }

    fn warning(&mut self, path: impl Into<String>, field: Option<&str>, message: String) {
        self.push_on(Severity::Warning, path.into(), field, message);
    }

    fn push_on(&mut self, severity: Severity, path: String, field: Option<&str>, message: String) {
        self.findings.push(Finding {
            rule: self.rule,
            severity,
            path,
            line: None,
            field: field.map(str::to_string),
            message,
        });
    }

    /// A finding at `line` of the record's body, counted from the body's first line.
    fn push_body(&mut self, severity: Severity, path: String, line: usize, message: String) {
        self.findings.push(Finding {
            rule: self.rule,
            severity,
            path,
            line: Some(line),
            field: Some("body".into()),
            message,
        });
    }

    fn push(&mut self, severity: Severity, path: String, line: Option<usize>, message: String) {
        self.findings.push(Finding {
            rule: self.rule,
            severity,
            path,
            line,
            field: None,
            message,
        });
    }

    /// Every reference of the record at `path` that names nothing, each said with
    /// its field.
    fn dangling(&mut self, path: String, dangling: Vec<Dangling>) {
        for d in dangling {
            let message = format!("{}: {}", d.field, d.message);
            self.push_on(d.severity, path.clone(), Some(&d.field), message);
        }
    }
}

/// Runs every rule.
pub fn run(
    records: &Records,
    load_errors: &[LoadError],
    catalogue: &[AnnexAControl],
    today: NaiveDate,
) -> CheckReport {
    let scope = Scope::new(records, load_errors, catalogue, today);
    let mut findings = Vec::new();
    for &rule in Rule::ALL {
        let mut found = Found {
            rule,
            findings: Vec::new(),
        };
        rule.check()(&scope, &mut found);
        findings.append(&mut found.findings);
    }
    findings.sort_by(|a, b| {
        (a.severity, &a.path, a.line, a.rule, &a.message)
            .cmp(&(b.severity, &b.path, b.line, b.rule, &b.message))
    });
    findings.dedup();
    CheckReport {
        findings,
        deferred_domains: deferred_domains(records),
        deferred_risks: deferred_risks(records),
        today,
    }
}

fn deferred_domains(records: &Records) -> Vec<Deferred> {
    records
        .config
        .iter()
        .flat_map(|c| {
            c.domains
                .iter()
                .filter(|d| d.status == DomainStatus::Deferred)
        })
        .map(|d| Deferred {
            id: d.id.clone(),
            title: d.name.clone(),
            deferred_to: d.deferred_to.clone(),
        })
        .collect()
}

fn deferred_risks(records: &Records) -> Vec<Deferred> {
    records
        .risks
        .iter()
        .filter(|r| r.status == RiskStatus::Deferred)
        .map(|r| Deferred {
            id: r.id.clone(),
            title: r.title.clone(),
            deferred_to: r.deferred_to.clone(),
        })
        .collect()
}

fn parse_errors(scope: &Scope, out: &mut Found) {
    for e in scope.load_errors {
        let message = match &e.field {
            Some(field) => format!("{field}: {}", e.message),
            None => e.message.clone(),
        };
        out.push(Severity::Error, e.path.clone(), e.line, message);
    }
}

/// Front-matter keys that ISMS Desk does not read, with the field that was probably
/// meant. Keys starting with `x-` are extensions and are left alone.
fn unknown_fields(scope: &Scope, out: &mut Found) {
    for u in scope
        .records
        .unknown_keys
        .iter()
        .filter(|u| !u.key.starts_with("x-"))
    {
        let hint = u
            .suggestion
            .as_deref()
            .map(|k| format!("; did you mean `{k}`?"))
            .unwrap_or_default();
        out.push(
            Severity::Warning,
            u.path.clone(),
            Some(u.line),
            format!("`{}` is not a field ISMS Desk reads; it is kept as written{hint} (prefix custom fields with x-)", u.key),
        );
    }
}

fn unknown_references(scope: &Scope, out: &mut Found) {
    if let Some(config) = scope.config {
        config_references(config, out);
    }
    risk_references(scope, out);
    soa_references(scope, out);
    treatment_references(scope, out);
    document_references(scope, out);
    assessment_references(scope, out);
    audit_references(scope, out);
}

/// An audit's auditor, scope and items, and a finding's roles, risks and the audit it
/// came from: each names something that exists.
fn audit_references(scope: &Scope, out: &mut Found) {
    let findings: HashSet<&str> = scope
        .records
        .nonconformities
        .iter()
        .map(|n| n.id.as_str())
        .chain(unloaded(scope.load_errors, RecordKind::Nonconformity))
        .collect();
    let audits: HashSet<&str> = scope
        .records
        .audits
        .iter()
        .map(|a| a.id.as_str())
        .chain(unloaded(scope.load_errors, RecordKind::Audit))
        .collect();
    for a in &scope.records.audits {
        let path = RecordKind::Audit.path(&a.id);
        let mut dangling = references::of_audit(a, &scope.known);
        for item in &a.items {
            for (field, id) in [("finding", &item.finding), ("follows_up", &item.follows_up)] {
                if let Some(id) = id.as_deref().filter(|id| !findings.contains(id)) {
                    dangling.push(references::Dangling::error(
                        format!("items.{}.{field}", item.id),
                        format!("there is no finding `{id}`"),
                    ));
                }
            }
        }
        out.dangling(path, dangling);
    }
    for n in &scope.records.nonconformities {
        let mut dangling = references::of_nonconformity(n, &scope.known);
        if n.source == super::FindingSource::Audit {
            if let Some(r) = n.source_ref.as_deref().filter(|r| !audits.contains(r)) {
                dangling.push(references::Dangling::error(
                    "source_ref",
                    format!("there is no audit `{r}`"),
                ));
            }
        }
        out.dangling(RecordKind::Nonconformity.path(&n.id), dangling);
    }
    for o in &scope.records.objectives {
        out.dangling(
            RecordKind::Objective.path(&o.id),
            references::of_objective(o, &scope.known),
        );
    }
    for v in &scope.records.reviews {
        out.dangling(
            RecordKind::Review.path(&v.id),
            references::of_review(v, &scope.known),
        );
    }
    for s in &scope.records.suppliers {
        out.dangling(
            RecordKind::Supplier.path(&s.id),
            references::of_supplier(s, &scope.known),
        );
    }
    for e in &scope.records.evidence {
        let mut dangling = references::of_evidence(e, &scope.known);
        for a in e.audits.iter().filter(|a| !audits.contains(a.as_str())) {
            dangling.push(references::Dangling::error(
                "audits",
                format!("there is no audit `{a}`"),
            ));
        }
        out.dangling(RecordKind::Evidence.path(&e.id), dangling);
    }
    if let Some(d) = &scope.records.system_description {
        out.dangling(
            super::SYSTEM_DESCRIPTION_FILE.to_string(),
            references::of_system_description(d, &scope.known),
        );
    }
}

/// The ids of the records of `kind` whose files did not load.
fn unloaded(load_errors: &[LoadError], kind: RecordKind) -> impl Iterator<Item = &str> {
    load_errors
        .iter()
        .filter_map(move |e| match RecordKind::of_path(&e.path) {
            Some((k, id)) if k == kind => Some(id),
            _ => None,
        })
}

/// Roles named in isms.yaml that it does not define.
fn config_references(config: &IsmsConfig, out: &mut Found) {
    let unknown = |role: &str| config.role(role).is_none();
    let mut named: Vec<(String, &str)> = Vec::new();
    for p in &config.people {
        named.extend(
            p.roles
                .iter()
                .map(|r| (format!("people ({})", p.name), r.as_str())),
        );
    }
    for rule in &config.separation_of_duties {
        named.extend(
            rule.roles
                .iter()
                .map(|r| ("separation_of_duties".to_string(), r.as_str())),
        );
    }
    for band in &config.methodology.bands {
        let context = format!("methodology.bands ({})", band.band.as_str());
        named.extend(
            band.accepted_by
                .iter()
                .map(|r| (context.clone(), r.as_str())),
        );
    }
    for chain in &config.signoff {
        // An audit report's `auditor` is the audit's own auditor, not a role.
        let audit_report = chain.kind == "audit-report" || chain.kind.starts_with("audit-report:");
        named.extend(
            chain
                .steps
                .iter()
                .filter(|s| !(audit_report && s.role == super::AUDITOR_ROLE))
                .map(|s| (format!("signoff ({})", chain.name()), s.role.as_str())),
        );
    }
    for (context, role) in named.into_iter().filter(|(_, r)| unknown(r)) {
        out.error(
            CONFIG_FILE,
            Some(context.split_whitespace().next().unwrap_or("roles")),
            format!("{context}: `{role}` is not a defined role"),
        );
    }
}

fn risk_references(scope: &Scope, out: &mut Found) {
    for risk in &scope.records.risks {
        out.dangling(
            RecordKind::Risk.path(&risk.id),
            references::of_risk(risk, &scope.known),
        );
    }
}

fn soa_references(scope: &Scope, out: &mut Found) {
    for entry in &scope.records.controls {
        out.dangling(
            RecordKind::Control.path(&entry.id),
            references::of_soa_entry(entry, &scope.known),
        );
    }
}

fn treatment_references(scope: &Scope, out: &mut Found) {
    for t in &scope.records.treatments {
        out.dangling(
            RecordKind::Treatment.path(&t.id),
            references::of_treatment(t, &scope.known),
        );
    }
}

fn document_references(scope: &Scope, out: &mut Found) {
    for d in &scope.records.documents {
        out.dangling(
            RecordKind::Document.path(&d.id),
            references::of_document(d, &scope.known),
        );
    }
}

fn assessment_references(scope: &Scope, out: &mut Found) {
    for a in &scope.records.assessments {
        out.dangling(
            RecordKind::Assessment.path(&a.id),
            references::of_assessment(a, &scope.known),
        );
    }
}

fn soa_missing_entries(scope: &Scope, out: &mut Found) {
    for control in scope
        .catalogue
        .iter()
        .filter(|c| !scope.control_files.contains(c.id.as_str()))
    {
        out.error(
            RecordKind::Control.path(&control.id),
            None,
            format!(
                "Annex A {} \"{}\" has no SoA entry; every one of the 93 controls needs one",
                control.id, control.title
            ),
        );
    }
}

fn soa_unjustified_exclusions(scope: &Scope, out: &mut Found) {
    for entry in scope.soa_entries().filter(|e| {
        !e.applicable
            && e.justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty())
    }) {
        out.error(
            RecordKind::Control.path(&entry.id),
            Some("justification"),
            "not applicable without a justification: say why the control is excluded".into(),
        );
    }
}

fn soa_excluded_but_cited(scope: &Scope, out: &mut Found) {
    let cited_by = super::records::risks_citing(&scope.records.risks);
    for entry in scope.soa_entries().filter(|e| !e.applicable) {
        if let Some(risks) = cited_by.get(entry.id.as_str()) {
            out.error(
                RecordKind::Control.path(&entry.id),
                Some("applicable"),
                format!(
                    "marked not applicable, but {} cite{} it as a control",
                    risks
                        .iter()
                        .map(|r| r.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if risks.len() == 1 { "s" } else { "" }
                ),
            );
        }
    }
}

fn soa_applicable_without_reason(scope: &Scope, out: &mut Found) {
    let cited_by = super::records::risks_citing(&scope.records.risks);
    for entry in scope
        .soa_entries()
        .filter(|e| e.applicable && e.reasons.is_empty() && !cited_by.contains_key(e.id.as_str()))
    {
        out.warning(
            RecordKind::Control.path(&entry.id),
            Some("reasons"),
            "applicable, but no risk cites it and no other reason (legal, contractual, business, best_practice) is stated".into(),
        );
    }
}

fn unacceptable_untreated(scope: &Scope, out: &mut Found) {
    let treated: HashSet<&str> = scope
        .records
        .treatments
        .iter()
        .flat_map(|t| t.risks.iter().map(|r| r.as_str()))
        .collect();
    for (risk, _, band, score) in scope.banded_risks() {
        if band.requires == BandRequires::Treatment
            && !treated.contains(risk.id.as_str())
            && risk.treatment != Some(TreatmentOption::Accept)
        {
            out.error(
                RecordKind::Risk.path(&risk.id),
                Some("treatment"),
                format!("scores {score} ({}: treatment required) but no treatment in treatments/ addresses it", band.name),
            );
        }
    }
}

fn levels_off_scale(scope: &Scope, out: &mut Found) {
    let Some(config) = scope.config else { return };
    let m = &config.methodology;
    for risk in &scope.records.risks {
        for (field, level, size) in risk.levels_off_scale(m) {
            out.error(
                RecordKind::Risk.path(&risk.id),
                Some(field),
                format!(
                    "{field}: {level} is outside the scale 1–{size} of methodology {}",
                    m.version
                ),
            );
        }
    }
}

fn risks_to_be_rescored(scope: &Scope, out: &mut Found) {
    let Some(config) = scope.config else { return };
    let m = &config.methodology;
    for risk in scope.records.risks.iter().filter(|r| r.to_be_rescored(m)) {
        let from = risk.scored_under(m);
        let proposal = m
            .rescoring
            .as_ref()
            .filter(|r| r.from == from)
            .and_then(|r| r.map(risk.likelihood?, risk.impact?))
            .map(|(l, i)| {
                format!(
                    " (the mapping proposes likelihood {} → {l}, impact {} → {i})",
                    risk.likelihood.unwrap_or_default(),
                    risk.impact.unwrap_or_default()
                )
            })
            .unwrap_or_default();
        out.warning(
            RecordKind::Risk.path(&risk.id),
            Some("methodology_version"),
            format!("scored under methodology {from}, but {} is in force: rescore it{proposal}; until then it is reported under {from}", m.version),
        );
    }
}

fn impact_per_cia_missing(scope: &Scope, out: &mut Found) {
    let Some(config) = scope.config else { return };
    if !config.methodology.impact_per_cia {
        return;
    }
    for (risk, ..) in scope
        .banded_risks()
        .filter(|(r, ..)| r.impact_cia.is_none())
    {
        out.warning(
            RecordKind::Risk.path(&risk.id),
            Some("impact"),
            "the methodology scores impact per confidentiality, integrity and availability; give impact_cia instead of one impact".into(),
        );
    }
}

fn manage_undecided(scope: &Scope, out: &mut Found) {
    for (risk, _, band, score) in scope.banded_risks() {
        if band.requires == BandRequires::Decision && risk.treatment.is_none() {
            out.warning(
                RecordKind::Risk.path(&risk.id),
                Some("treatment"),
                format!("scores {score} ({}) but has no treatment decision: set treatment to mitigate, transfer, avoid or accept", band.name),
            );
        }
    }
}

fn acceptance_missing(scope: &Scope, out: &mut Found) {
    for (risk, ..) in scope
        .banded_risks()
        .filter(|(r, ..)| r.treatment == Some(TreatmentOption::Accept) && r.acceptance.is_none())
    {
        out.error(
            RecordKind::Risk.path(&risk.id),
            Some("treatment"),
            "treatment is accept but there is no acceptance record (memo, accepted_by)".into(),
        );
    }
}

fn acceptance_pending(scope: &Scope, out: &mut Found) {
    for (risk, _, _, a) in scope.accepted_risks() {
        if a.memo == MemoStatus::Pending {
            let last = a.reaffirmed.iter().max().or(a.accepted_on.as_ref());
            let since = last
                .map(|d| format!("; last re-affirmed {d}"))
                .unwrap_or_default();
            out.warning(
                RecordKind::Risk.path(&risk.id),
                Some("acceptance.memo"),
                format!(
                    "accepted by {}, but the formal acceptance memo is still pending{since}",
                    a.accepted_by
                ),
            );
        }
    }
}

fn acceptance_stale(scope: &Scope, out: &mut Found) {
    for (risk, _, _, a) in scope.accepted_risks() {
        let Some(scored) = &a.as_scored else { continue };
        let changed = scored.changes_to(&risk.as_scored());
        if !changed.is_empty() {
            out.warning(
                RecordKind::Risk.path(&risk.id),
                Some("acceptance"),
                format!(
                    "acceptance: rescored since the acceptance{} was signed ({}); it no longer covers the risk as it stands: put it up for acceptance again",
                    a.signoff.as_deref().map(|s| format!(" ({s})")).unwrap_or_default(),
                    changed.join(", ")
                ),
            );
        }
    }
}

fn acceptance_role_not_allowed(scope: &Scope, out: &mut Found) {
    for (risk, _, band, a) in scope.accepted_risks() {
        let allowed = &band.accepted_by;
        if !allowed.contains(&a.accepted_by) {
            out.error(
                RecordKind::Risk.path(&risk.id),
                Some("acceptance.accepted_by"),
                format!(
                    "accepted by {}, but the methodology lets only {} accept a {} risk",
                    a.accepted_by,
                    if allowed.is_empty() {
                        "no role".to_string()
                    } else {
                        allowed.join(", ")
                    },
                    band.name
                ),
            );
        }
    }
}

fn roles_unheld(scope: &Scope, out: &mut Found) {
    let Some(config) = scope.config else { return };
    let unheld = |id: &str| config.role(id).is_some() && config.holders(id).next().is_none();
    for role in config.roles.iter().filter(|r| unheld(&r.id)) {
        out.warning(
            CONFIG_FILE,
            Some(&format!("roles.{}", role.id)),
            format!("nobody holds the role {} ({})", role.title, role.id),
        );
    }
    // A risk whose owner nobody is: named on the risk, where it is felt.
    for risk in scope.records.risks.iter().filter(|r| unheld(&r.owner)) {
        out.warning(
            RecordKind::Risk.path(&risk.id),
            Some("owner"),
            format!(
                "nobody holds the role {}, so the risk has no owner; give the role to someone in isms.yaml or choose another owner",
                config.role_title(&risk.owner)
            ),
        );
    }
}

/// One person holding two roles that a rule keeps apart ([`SeparationOfDuties::keeps_apart`],
/// the predicate signing and verification ask too).
fn separation_of_duties(scope: &Scope, out: &mut Found) {
    let Some(config) = scope.config else { return };
    let title = |id: &str| config.role(id).map_or(id.to_string(), |r| r.title.clone());
    for person in &config.people {
        let held = &person.roles;
        for rule in &config.separation_of_duties {
            let both = held
                .iter()
                .enumerate()
                .any(|(i, a)| held[i + 1..].iter().any(|b| rule.keeps_apart(a, b)));
            if !both {
                continue;
            }
            let message = format!(
                "{} holds both {} and {}, which are kept apart: {}",
                person.name,
                title(&rule.roles[0]),
                title(&rule.roles[1]),
                rule.reason
            );
            if rule.advisory {
                out.warning(
                    CONFIG_FILE,
                    Some("separation_of_duties"),
                    format!("{message} (advisory: accepted in isms.yaml)"),
                );
            } else {
                out.error(
                    CONFIG_FILE,
                    Some("separation_of_duties"),
                    format!("{message}; give one of the roles to someone else, or mark the rule `advisory: true` with the reason it is accepted"),
                );
            }
        }
    }
}

fn people_look_alike(scope: &Scope, out: &mut Found) {
    look_alikes(scope, out, false);
}

fn shared_signing_keys(scope: &Scope, out: &mut Found) {
    look_alikes(scope, out, true);
}

fn look_alikes(scope: &Scope, out: &mut Found, shared_key: bool) {
    let Some(config) = scope.config else { return };
    for l in super::people::look_alikes(config)
        .into_iter()
        .filter(|l| l.shared_key == shared_key)
    {
        let message = format!("people.{}: {}", l.field, l.message);
        if shared_key {
            out.error(CONFIG_FILE, Some("people"), message);
        } else {
            out.warning(CONFIG_FILE, Some("people"), message);
        }
    }
}

fn risk_reviews_overdue(scope: &Scope, out: &mut Found) {
    if scope.config.is_none() {
        return;
    }
    for risk in scope
        .records
        .risks
        .iter()
        .filter(|r| r.review_overdue(scope.today))
    {
        out.warning(
            RecordKind::Risk.path(&risk.id),
            Some("next_review"),
            format!(
                "review was due {}",
                risk.next_review.map(|d| d.to_string()).unwrap_or_default()
            ),
        );
    }
}

fn document_reviews_overdue(scope: &Scope, out: &mut Found) {
    for d in &scope.records.documents {
        if let Some(due) = d.review_overdue(scope.today) {
            out.warning(
                RecordKind::Document.path(&d.id),
                Some("next_review"),
                format!(
                    "\"{}\" version {} was due for review {due}",
                    d.title, d.version
                ),
            );
        }
    }
}

fn documents_changed_without_approval(scope: &Scope, out: &mut Found) {
    let Some(facts) = &scope.records.repository else {
        return;
    };
    for d in scope
        .records
        .documents
        .iter()
        .filter(|d| d.status() == super::DocumentStatus::Approved)
    {
        let Some((_, approved)) = facts.approved_documents.iter().find(|(id, _)| *id == d.id)
        else {
            continue;
        };
        let path = RecordKind::Document.path(&d.id);
        let changes = approved.changes_in(d);
        if !changes.is_empty() {
            out.error(
                path,
                Some("status"),
                format!(
                    "says approved, but {} changed since version {} was approved: it is a draft of version {} until that is approved (`isms signoff start document {}`), and its status says so (`status: draft`)",
                    changes.join(" and "),
                    approved.version,
                    d.version_for_approval(Some(&approved.version)),
                    d.id
                ),
            );
        } else if d.version != approved.version {
            out.error(
                path,
                Some("version"),
                format!(
                    "states version {}, but the version approved with a signature is {}",
                    d.version, approved.version
                ),
            );
        }
    }
}

fn assessment_overdue(scope: &Scope, out: &mut Found) {
    if let Some(config) = scope.config.filter(|c| c.assessment.next < scope.today) {
        out.warning(
            CONFIG_FILE,
            Some("assessment.next"),
            format!(
                "the next risk assessment was scheduled for {}",
                config.assessment.next
            ),
        );
    }
}

fn actions_overdue(scope: &Scope, out: &mut Found) {
    for v in &scope.records.reviews {
        for a in v
            .actions
            .iter()
            .filter(|a| a.status.is_open() && a.due.is_some_and(|d| d < scope.today))
        {
            out.warning(
                RecordKind::Review.path(&v.id),
                Some(&format!("actions.{}.due", a.id)),
                format!(
                    "management review action {} was due {} and is {}",
                    a.id,
                    a.due.map(|d| d.to_string()).unwrap_or_default(),
                    a.status.as_str().replace('_', " ")
                ),
            );
        }
    }
    for n in &scope.records.nonconformities {
        for a in n.overdue_actions(scope.today) {
            out.warning(
                RecordKind::Nonconformity.path(&n.id),
                Some(&format!("actions.{}.due", a.id)),
                format!(
                    "corrective action {} was due {} and is {}",
                    a.id,
                    a.due.map(|d| d.to_string()).unwrap_or_default(),
                    a.status.as_str().replace('_', " ")
                ),
            );
        }
    }
    for t in &scope.records.treatments {
        for a in t.overdue_actions(scope.today) {
            out.warning(
                RecordKind::Treatment.path(&t.id),
                Some(&format!("actions.{}.due", a.id)),
                format!(
                    "action {} was due {} and is {}",
                    a.id,
                    a.due.map(|d| d.to_string()).unwrap_or_default(),
                    a.status.as_str().replace('_', " ")
                ),
            );
        }
    }
}

fn audits_not_independent(scope: &Scope, out: &mut Found) {
    let Some(config) = scope.config else { return };
    for a in scope
        .records
        .audits
        .iter()
        .filter(|a| a.status != super::AuditStatus::Cancelled)
    {
        let conflicts =
            a.independence_conflicts(config, &scope.records.controls, &scope.records.documents);
        if !conflicts.is_empty() {
            out.error(
                RecordKind::Audit.path(&a.id),
                Some("auditor"),
                format!(
                    "{} may not audit their own work: {}; choose another auditor or take these out of scope",
                    a.auditor,
                    conflicts.join("; ")
                ),
            );
        }
    }
}

fn audits_overdue(scope: &Scope, out: &mut Found) {
    for a in scope
        .records
        .audits
        .iter()
        .filter(|a| a.status == super::AuditStatus::Planned && a.planned_on < scope.today)
    {
        out.warning(
            RecordKind::Audit.path(&a.id),
            Some("planned_on"),
            format!(
                "planned for {} and not started: start it (status: in_progress) or plan it again",
                a.planned_on
            ),
        );
    }
}

fn audit_programme_gaps(scope: &Scope, out: &mut Found) {
    let Some(config) = scope.config else { return };
    let years = config.audit_cycle_years;
    let coverage = super::audit_coverage(
        &scope.records.audits,
        &scope.records.controls,
        scope.today,
        years,
    );
    let gaps = super::programme_gaps(&scope.records.audits, &coverage);
    if !gaps.is_empty() {
        out.warning(
            "audits",
            None,
            format!(
                "the audit programme neither audited within its {years}-year cycle nor plans {} of {} requirements: {}",
                gaps.len(),
                coverage.len(),
                gaps.join(", ")
            ),
        );
    }
}

fn findings_closed_without_grounds(scope: &Scope, out: &mut Found) {
    for n in scope
        .records
        .nonconformities
        .iter()
        .filter(|n| n.status == super::FindingStatus::Closed)
    {
        let blockers = n.closure_blockers(&scope.records.audits, scope.config);
        if !blockers.is_empty() {
            out.error(
                RecordKind::Nonconformity.path(&n.id),
                Some("status"),
                format!("closed, but {}", blockers.join("; ")),
            );
        }
    }
}

fn documents_with_unheld_roles(scope: &Scope, out: &mut Found) {
    let Some(config) = scope.config else { return };
    for d in scope
        .records
        .documents
        .iter()
        .filter(|d| d.withdrawn_on.is_none())
    {
        for (field, role) in [
            ("owner", Some(&d.owner)),
            ("approver", d.approver.as_ref()),
            ("approved_by", d.approved_by.as_ref()),
        ] {
            let Some(role) = role.filter(|r| config.role(r).is_some()) else {
                continue;
            };
            if config.holders(role).next().is_none() {
                out.warning(
                    RecordKind::Document.path(&d.id),
                    Some(field),
                    format!(
                        "{} by {}, a role nobody holds: name someone in isms.yaml, or give the document to a held role",
                        match field {
                            "owner" => "owned",
                            "approver" => "to be approved",
                            _ => "approved",
                        },
                        config.role_title(role)
                    ),
                );
            }
        }
    }
}

/// The Annex A controls a text cites (`A.7.4`, `Annex A 7.4`), each with the body line
/// (from 1) where it stands.
fn cited_controls(body: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in body.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("A.").or_else(|| rest.find("Annex A ")) {
            let after = &rest[at..];
            let digits = after
                .strip_prefix("A.")
                .or_else(|| after.strip_prefix("Annex A "))
                .unwrap_or("");
            // Not inside a word ("DATA.1" is no control).
            let inside = rest[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric());
            if let Some(id) = crate::catalogue::control_id(digits).filter(|_| !inside) {
                if digits.starts_with(|c: char| c.is_ascii_digit()) {
                    out.push((n + 1, id));
                }
            }
            rest = &after[1..];
        }
    }
    out
}

fn documents_citing_excluded_controls(scope: &Scope, out: &mut Found) {
    for d in scope
        .records
        .documents
        .iter()
        .filter(|d| d.withdrawn_on.is_none())
    {
        for (line, id) in cited_controls(&d.body) {
            if let Some(c) = scope
                .records
                .controls
                .iter()
                .find(|c| c.id == id && !c.applicable)
            {
                out.push_body(
                    Severity::Warning,
                    RecordKind::Document.path(&d.id),
                    line,
                    format!(
                        "cites control {id} ({}), which the SoA marks not applicable: {}",
                        c.title,
                        c.justification
                            .as_deref()
                            .unwrap_or("no justification given")
                    ),
                );
            }
        }
    }
}

/// The scope document: `documents/scope.md`.
const SCOPE_DOCUMENT: &str = "scope";

fn scope_omits_deferral(scope: &Scope, out: &mut Found) {
    let (Some(config), Some(assessment), Some(document)) = (
        scope.config,
        super::latest_assessment(&scope.records.assessments),
        scope
            .records
            .documents
            .iter()
            .find(|d| d.id == SCOPE_DOCUMENT),
    ) else {
        return;
    };
    let body = document.body.to_lowercase();
    // A paragraph (text between blank lines) that names the domain must say it was
    // deferred, or the scope claims what the assessment did not assess.
    let paragraphs: Vec<(usize, String)> = {
        let mut out: Vec<(usize, String)> = Vec::new();
        let mut start = None;
        for (n, line) in body.lines().enumerate() {
            match (line.trim().is_empty(), start) {
                (true, _) => start = None,
                (false, None) => {
                    start = Some(n + 1);
                    out.push((n + 1, line.to_string()));
                }
                (false, Some(_)) => {
                    if let Some(last) = out.last_mut() {
                        last.1.push(' ');
                        last.1.push_str(line);
                    }
                }
            }
        }
        out
    };
    for id in &assessment.domains_deferred {
        let Some(domain) = config.domain(id) else {
            continue;
        };
        let name = domain.name.to_lowercase();
        for (line, text) in &paragraphs {
            if text.contains(&name) && !text.contains("defer") {
                // The line that names it, when the name is not wrapped over two.
                let at = body
                    .lines()
                    .enumerate()
                    .skip(line - 1)
                    .find(|(_, l)| l.contains(&name))
                    .map_or(*line, |(n, _)| n + 1);
                out.push_body(
                    Severity::Warning,
                    RecordKind::Document.path(SCOPE_DOCUMENT),
                    at,
                    format!(
                        "names {} as in scope, but assessment {} deferred that domain{}: say so here",
                        domain.name,
                        assessment.id,
                        domain
                            .deferred_to
                            .as_deref()
                            .map(|t| format!(" (to {t})"))
                            .unwrap_or_default()
                    ),
                );
            }
        }
    }
}

fn supplier_attestations_stale(scope: &Scope, out: &mut Found) {
    for s in &scope.records.suppliers {
        let Some(gap) = s.attestation_gap(scope.today) else {
            continue;
        };
        let attestation = s.attestation.as_deref().unwrap_or_default();
        let (field, message) = match gap {
            super::AttestationGap::Undated => (
                "attestation_date",
                format!("{attestation} is named without the date of its report or certificate"),
            ),
            super::AttestationGap::Stale(d) => (
                "attestation_date",
                format!(
                    "{attestation} is dated {d}, more than a year ago: ask {} for the current one",
                    s.name
                ),
            ),
        };
        out.warning(RecordKind::Supplier.path(&s.id), Some(field), message);
    }
}

fn supplier_reviews_overdue(scope: &Scope, out: &mut Found) {
    for s in &scope.records.suppliers {
        if let Some(due) = s.review_overdue(scope.today) {
            out.warning(
                RecordKind::Supplier.path(&s.id),
                Some("next_review"),
                format!("the review of {} was due {due}", s.name),
            );
        }
    }
}

fn subprocessors_without_dpa(scope: &Scope, out: &mut Found) {
    for s in scope.records.suppliers.iter().filter(|s| s.lacks_dpa()) {
        out.error(
            RecordKind::Supplier.path(&s.id),
            Some("dpa"),
            format!(
                "{} processes customers' personal data (subprocessor: true) and its data processing agreement is {}",
                s.name,
                s.dpa.as_str().replace('_', " ")
            ),
        );
    }
}

fn attestations_expired(scope: &Scope, out: &mut Found) {
    for a in scope
        .records
        .attestations
        .iter()
        .filter(|a| a.status == super::AttestationStatus::Achieved && !a.in_force(scope.today))
    {
        let message = match a.expires_on {
            Some(d) => format!(
                "{} expired on {d}: record the renewal, or set status=lapsed",
                a.name
            ),
            None => format!("{} is achieved but its expiry date is not recorded", a.name),
        };
        out.warning(
            RecordKind::Attestation.path(&a.id),
            Some("expires_on"),
            message,
        );
    }
}

/// The public security page's claims that the records do not bear out, of the rule
/// being checked: one function ([`super::page_problems`]) finds them all.
fn security_page_untrue(scope: &Scope, out: &mut Found) {
    let Some(page) = &scope.records.security_page else {
        return;
    };
    let grounds = super::PageGrounds {
        controls: &scope.records.controls,
        suppliers: &scope.records.suppliers,
        attestations: &scope.records.attestations,
        today: scope.today,
        unreadable_controls: unloaded(scope.load_errors, RecordKind::Control).collect(),
    };
    let rule = out.rule;
    for p in super::page_problems(page, &grounds)
        .into_iter()
        .filter(|p| p.rule == rule)
    {
        out.error(super::SECURITY_PAGE_FILE, Some(&p.field), p.message);
    }
}

/// What in the system description does not hold together, of the rule being checked:
/// one function ([`super::description_problems`]) finds it all.
fn system_description_incoherent(scope: &Scope, out: &mut Found) {
    let Some(d) = &scope.records.system_description else {
        return;
    };
    let rule = out.rule;
    for p in super::description_problems(d, &scope.records.suppliers)
        .into_iter()
        .filter(|p| p.rule == rule)
    {
        out.error(super::SYSTEM_DESCRIPTION_FILE, Some(&p.field), p.message);
    }
}

/// Controls whose evidence is older than their policy (`evidence-stale`) or missing
/// (`evidence-missing`), by the one rule [`super::freshness`].
fn evidence_out_of_date(scope: &Scope, out: &mut Found) {
    for e in scope.soa_entries().filter(|e| e.applicable) {
        let path = RecordKind::Control.path(&e.id);
        match super::freshness(
            &e.id,
            e.evidence_every_days,
            &scope.records.evidence,
            scope.today,
        ) {
            super::Freshness::Stale(d) if out.rule == Rule::EvidenceStale => out.warning(
                path,
                Some("evidence_every_days"),
                format!(
                    "the newest evidence of {} is from {d}, older than its {} days: collect it again",
                    e.id,
                    e.evidence_every_days.unwrap_or_default()
                ),
            ),
            super::Freshness::Missing if out.rule == Rule::EvidenceMissing => out.warning(
                path,
                Some("evidence_every_days"),
                format!(
                    "{} needs evidence every {} days and has none (evidence/ names no record of it)",
                    e.id,
                    e.evidence_every_days.unwrap_or_default()
                ),
            ),
            _ => {}
        }
    }
}

/// Evidence files that are not what was collected.
fn evidence_files_mismatched(scope: &Scope, out: &mut Found) {
    for e in &scope.records.evidence {
        let Some(path) = e.file_path() else { continue };
        let state = scope
            .records
            .evidence_files
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, s)| s);
        let message = match state {
            Some(super::EvidenceFile::Present(hash)) if Some(hash) == e.sha256.as_ref() => continue,
            Some(super::EvidenceFile::Present(hash)) => format!(
                "{path} is not the file collected on {}: its SHA-256 is {hash}, the record says {}",
                e.collected_on,
                e.sha256.as_deref().unwrap_or("nothing")
            ),
            Some(super::EvidenceFile::TooLarge(size)) => format!(
                "{path} is {} MB, more than the {} MB an evidence file may be: keep it where it came from and record a reference instead",
                size / (1024 * 1024),
                super::MAX_EVIDENCE_BYTES / (1024 * 1024)
            ),
            Some(super::EvidenceFile::NotAFile) => format!(
                "{path} is a link or a folder, not a file: evidence must be the file itself, committed"
            ),
            _ => format!("{path} is not there"),
        };
        out.error(RecordKind::Evidence.path(&e.id), Some("file"), message);
    }
}

/// Files under `evidence/files/` that no record names.
fn evidence_files_unrecorded(scope: &Scope, out: &mut Found) {
    let named: Vec<String> = scope
        .records
        .evidence
        .iter()
        .filter_map(|e| e.file_path())
        .collect();
    for path in &scope.records.evidence_folder_files {
        if !named.contains(path) {
            out.warning(
                path.clone(),
                None,
                format!(
                    "no evidence record names {path}: an auditor cannot tell what it shows or when it was collected; record it (evidence/EV-…md with `file:` and its sha256), or remove it"
                ),
            );
        }
    }
}

fn soc2_criteria_uncovered(scope: &Scope, out: &mut Found) {
    let Some(in_scope) = scope
        .records
        .config
        .as_ref()
        .and_then(|c| c.soc2_categories.as_ref())
    else {
        return;
    };
    let links = scope.records.soc2_links();
    for c in super::coverage(
        &crate::catalogue::soc2_criteria(),
        &links,
        &scope.records.controls,
        in_scope,
    )
    .into_iter()
    .filter(|c| c.coverage != super::Coverage::Covered)
    {
        let message = if c.coverage == super::Coverage::InProgress {
            let pending: Vec<String> = c
                .links
                .iter()
                .filter_map(|l| {
                    let e = scope.records.controls.iter().find(|e| e.id == l.control)?;
                    e.applicable
                        .then(|| format!("{} {}", e.id, e.status.label().to_lowercase()))
                })
                .collect();
            format!(
                "SOC 2 {} ({}) is in scope and no control that addresses it is implemented yet ({})",
                c.criterion.id,
                c.criterion.title,
                pending.join(", ")
            )
        } else if c.links.is_empty() {
            format!(
                "SOC 2 {} ({}) is in scope and no control is mapped to it: map one in {} or implement one",
                c.criterion.id,
                c.criterion.title,
                super::SOC2_MAPPING_FILE
            )
        } else {
            let ids: Vec<&str> = c.links.iter().map(|l| l.control.as_str()).collect();
            format!(
                "SOC 2 {} ({}) is in scope and its only controls ({}) are excluded from the SoA",
                c.criterion.id,
                c.criterion.title,
                ids.join(", ")
            )
        };
        out.warning(CONFIG_FILE, Some("soc2.categories"), message);
    }
}

fn objectives_overdue(scope: &Scope, out: &mut Found) {
    for o in scope
        .records
        .objectives
        .iter()
        .filter(|o| o.overdue(scope.today))
    {
        out.warning(
            RecordKind::Objective.path(&o.id),
            Some("status"),
            format!(
                "due {} and still {}: judge it achieved or missed, or set a new date",
                o.due.map(|d| d.to_string()).unwrap_or_default(),
                o.status.as_str().replace('_', " ")
            ),
        );
    }
}

fn findings_stale(scope: &Scope, out: &mut Found) {
    for n in scope
        .records
        .nonconformities
        .iter()
        .filter(|n| n.stale(scope.today, super::STALE_AFTER_DAYS))
    {
        out.warning(
            RecordKind::Nonconformity.path(&n.id),
            Some("actions"),
            format!(
                "raised {} and still open with no corrective action planned",
                n.raised_on
            ),
        );
    }
}

fn temporaries_committed(scope: &Scope, out: &mut Found) {
    for path in scope
        .records
        .repository
        .iter()
        .flat_map(|r| &r.committed_temporaries)
    {
        out.error(
            path.clone(),
            None,
            "a temporary file of an interrupted save was committed; it holds no record: remove it (`git rm --cached`) and commit".into(),
        );
    }
}

fn temporaries_not_ignored(scope: &Scope, out: &mut Found) {
    if scope
        .records
        .repository
        .as_ref()
        .is_some_and(|r| !r.ignores_temporaries)
    {
        out.warning(
            ".gitignore",
            None,
            format!(
                "git does not ignore the temporary files of saves, so `git add -A` can commit one that a killed save left behind: add the line `{}`",
                super::TEMPORARY_FILES
            ),
        );
    }
}

/// Figures in the current assessment's narrative that the active risks do not bear
/// out (`narrative::disagreements`).
fn narrative_figures(scope: &Scope, found: &mut Found) {
    let (Some(config), Some(assessment)) = (
        scope.config,
        super::latest_assessment(&scope.records.assessments),
    ) else {
        return;
    };
    // With a risk that does not load the counts are not known; its parse error says so.
    if scope
        .load_errors
        .iter()
        .any(|e| matches!(RecordKind::of_path(&e.path), Some((RecordKind::Risk, _))))
    {
        return;
    }
    let risks: Vec<&Risk> = scope.records.risks.iter().collect();
    for d in super::narrative::disagreements(&assessment.body, &risks, &config.methodology) {
        found.push_body(
            Severity::Error,
            RecordKind::Assessment.path(&assessment.id),
            d.stated.line,
            d.message(),
        );
    }
}
