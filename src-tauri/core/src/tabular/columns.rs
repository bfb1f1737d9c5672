//! The columns of a risk register and an SoA as spreadsheets have them: what the export
//! writes as headers, and the names and common synonyms the import recognises
//! ("Risk ID", "Likelihood (1-5)", "Risk Owner", "Treatment Strategy"). One list for
//! both, so an export always imports again.

/// A column of the Risks sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RiskColumn {
    /// The risk's id.
    Id,
    /// Its title.
    Title,
    /// Its risk domain.
    Domain,
    /// Active, deferred or closed.
    Status,
    /// Inherent likelihood.
    Likelihood,
    /// Inherent impact.
    Impact,
    /// Computed: compared with ours on import, never imported.
    Score,
    /// Computed: compared with ours on import, never imported.
    Band,
    /// Residual likelihood.
    ResidualLikelihood,
    /// Residual impact.
    ResidualImpact,
    /// Computed.
    ResidualScore,
    /// Computed.
    ResidualBand,
    /// The treatment option.
    Treatment,
    /// The owner role.
    Owner,
    /// Annex A controls.
    Controls,
    /// Related risk ids.
    Related,
    /// The findings (`NC-002`) that prompted the risk.
    Findings,
    /// Theme ids.
    Themes,
    /// Last reviewed.
    ReviewedOn,
    /// Next review due.
    NextReview,
    /// Scoring is provisional.
    Provisional,
    /// Where a deferred risk went.
    DeferredTo,
    /// The methodology version of its levels.
    MethodologyVersion,
    /// A narrative section of the risk's body, by heading.
    Section(&'static str),
    /// On a register that keeps one action per risk: what will be done. It joins the
    /// risk's treatment (see [`TreatmentColumn`]); the export writes actions on the
    /// Treatment plan sheet instead.
    ActionDescription,
    /// That action's owner.
    ActionOwner,
    /// That action's due date.
    ActionDue,
    /// That action's progress.
    ActionStatus,
}

/// The action columns a risk register may have besides [`RISK_COLUMNS`].
pub const RISK_ACTION_COLUMNS: [RiskColumn; 4] = [
    RiskColumn::ActionDescription,
    RiskColumn::ActionOwner,
    RiskColumn::ActionDue,
    RiskColumn::ActionStatus,
];

/// The Risks sheet's columns, in order.
pub const RISK_COLUMNS: [RiskColumn; 29] = [
    RiskColumn::Id,
    RiskColumn::Title,
    RiskColumn::Domain,
    RiskColumn::Status,
    RiskColumn::Likelihood,
    RiskColumn::Impact,
    RiskColumn::Score,
    RiskColumn::Band,
    RiskColumn::ResidualLikelihood,
    RiskColumn::ResidualImpact,
    RiskColumn::ResidualScore,
    RiskColumn::ResidualBand,
    RiskColumn::Treatment,
    RiskColumn::Owner,
    RiskColumn::Controls,
    RiskColumn::Related,
    RiskColumn::Findings,
    RiskColumn::Themes,
    RiskColumn::ReviewedOn,
    RiskColumn::NextReview,
    RiskColumn::Provisional,
    RiskColumn::DeferredTo,
    RiskColumn::MethodologyVersion,
    RiskColumn::Section("Description"),
    RiskColumn::Section("Existing controls"),
    RiskColumn::Section("Treatment options"),
    RiskColumn::Section("Work in progress"),
    RiskColumn::Section(crate::domain::SCORING_RATIONALE),
    RiskColumn::Section("Internal notes"),
];

impl RiskColumn {
    /// The header the export writes.
    pub fn header(self) -> &'static str {
        match self {
            RiskColumn::Id => "Id",
            RiskColumn::Title => "Title",
            RiskColumn::Domain => "Domain",
            RiskColumn::Status => "Status",
            RiskColumn::Likelihood => "Likelihood",
            RiskColumn::Impact => "Impact",
            RiskColumn::Score => "Score",
            RiskColumn::Band => "Band",
            RiskColumn::ResidualLikelihood => "Residual likelihood",
            RiskColumn::ResidualImpact => "Residual impact",
            RiskColumn::ResidualScore => "Residual score",
            RiskColumn::ResidualBand => "Residual band",
            RiskColumn::Treatment => "Treatment",
            RiskColumn::Owner => "Owner",
            RiskColumn::Controls => "Annex A controls",
            RiskColumn::Related => "Related risks",
            RiskColumn::Findings => "Findings",
            RiskColumn::Themes => "Themes",
            RiskColumn::ReviewedOn => "Reviewed on",
            RiskColumn::NextReview => "Next review",
            RiskColumn::Provisional => "Provisional",
            RiskColumn::DeferredTo => "Deferred to",
            RiskColumn::MethodologyVersion => "Methodology version",
            RiskColumn::Section(heading) => heading,
            RiskColumn::ActionDescription => "Action",
            RiskColumn::ActionOwner => "Action owner",
            RiskColumn::ActionDue => "Action due",
            RiskColumn::ActionStatus => "Action status",
        }
    }

    /// The treatment column an action column of a risk register stands for.
    pub fn action(self) -> Option<TreatmentColumn> {
        Some(match self {
            RiskColumn::ActionDescription => TreatmentColumn::Description,
            RiskColumn::ActionOwner => TreatmentColumn::Owner,
            RiskColumn::ActionDue => TreatmentColumn::Due,
            RiskColumn::ActionStatus => TreatmentColumn::Status,
            _ => return None,
        })
    }

    /// The field it sets, as `isms set` names it (`None` for a computed column; a
    /// section's heading for a narrative one).
    pub fn field(self) -> Option<&'static str> {
        Some(match self {
            RiskColumn::Id => "id",
            RiskColumn::Title => "title",
            RiskColumn::Domain => "domain",
            RiskColumn::Status => "status",
            RiskColumn::Likelihood => "likelihood",
            RiskColumn::Impact => "impact",
            RiskColumn::ResidualLikelihood => "residual_likelihood",
            RiskColumn::ResidualImpact => "residual_impact",
            RiskColumn::Treatment => "treatment",
            RiskColumn::Owner => "owner",
            RiskColumn::Controls => "controls",
            RiskColumn::Related => "related",
            RiskColumn::Findings => "findings",
            RiskColumn::Themes => "themes",
            RiskColumn::ReviewedOn => "reviewed_on",
            RiskColumn::NextReview => "next_review",
            RiskColumn::Provisional => "provisional",
            RiskColumn::DeferredTo => "deferred_to",
            RiskColumn::MethodologyVersion => "methodology_version",
            RiskColumn::Section(heading) => heading,
            RiskColumn::ActionDescription => "action.description",
            RiskColumn::ActionOwner => "action.owner",
            RiskColumn::ActionDue => "action.due",
            RiskColumn::ActionStatus => "action.status",
            RiskColumn::Score
            | RiskColumn::Band
            | RiskColumn::ResidualScore
            | RiskColumn::ResidualBand => return None,
        })
    }

    /// A readable column width.
    pub fn width(self) -> f64 {
        match self {
            RiskColumn::Title => 44.0,
            RiskColumn::Section(_) => 60.0,
            RiskColumn::Controls
            | RiskColumn::Owner
            | RiskColumn::Domain
            | RiskColumn::DeferredTo => 18.0,
            RiskColumn::Id | RiskColumn::Likelihood | RiskColumn::Impact | RiskColumn::Score => {
                11.0
            }
            _ => 14.0,
        }
    }

    /// The column a header names, by its export header or a common synonym.
    pub fn from_header(header: &str) -> Option<RiskColumn> {
        let h = normal(header);
        let found = RISK_COLUMNS
            .iter()
            .chain(&RISK_ACTION_COLUMNS)
            .copied()
            .find(|c| normal(c.header()) == h);
        found.or(match h.as_str() {
            "risk id" | "riskid" | "ref" | "reference" | "risk ref" | "risk no" | "risk number"
            | "no" | "#" => Some(RiskColumn::Id),
            "risk" | "risk title" | "risk name" | "name" | "summary" | "risk summary" => {
                Some(RiskColumn::Title)
            }
            "category" | "risk category" | "risk domain" | "area" => Some(RiskColumn::Domain),
            "risk status" | "state" => Some(RiskColumn::Status),
            "probability" | "inherent likelihood" | "likelihood score" | "l" => {
                Some(RiskColumn::Likelihood)
            }
            "consequence" | "severity" | "inherent impact" | "impact score" | "i" => {
                Some(RiskColumn::Impact)
            }
            "risk score"
            | "inherent score"
            | "inherent risk"
            | "inherent risk score"
            | "rating"
            | "risk rating" => Some(RiskColumn::Score),
            "risk level" | "inherent band" | "level" => Some(RiskColumn::Band),
            "residual probability" | "residual consequence likelihood" => {
                Some(RiskColumn::ResidualLikelihood)
            }
            "residual consequence" | "residual severity" => Some(RiskColumn::ResidualImpact),
            "residual risk" | "residual rating" | "residual risk score" => {
                Some(RiskColumn::ResidualScore)
            }
            "residual level" | "residual risk level" => Some(RiskColumn::ResidualBand),
            "treatment option" | "treatment strategy" | "strategy" | "response"
            | "risk response" | "risk treatment" => Some(RiskColumn::Treatment),
            "risk owner" | "responsible" | "accountable" | "owner role" => Some(RiskColumn::Owner),
            "controls" | "annex a" | "iso controls" | "iso 27001 controls" | "control ids"
            | "annex a control" => Some(RiskColumn::Controls),
            "related" => Some(RiskColumn::Related),
            "finding" | "nonconformities" | "nonconformity" | "ncs" | "audit findings" => {
                Some(RiskColumn::Findings)
            }
            "theme" => Some(RiskColumn::Themes),
            "last review" | "last reviewed" | "reviewed" | "review date last" => {
                Some(RiskColumn::ReviewedOn)
            }
            "review date" | "next review date" | "due for review" => Some(RiskColumn::NextReview),
            "description" | "risk description" | "details" => {
                Some(RiskColumn::Section("Description"))
            }
            "existing controls"
            | "current controls"
            | "mitigations in place"
            | "controls in place" => Some(RiskColumn::Section("Existing controls")),
            "treatment plan" | "planned treatment" | "planned controls" | "mitigation plan" => {
                Some(RiskColumn::Section("Treatment options"))
            }
            "notes" | "comments" => Some(RiskColumn::Section("Internal notes")),
            "planned action" | "action description" | "treatment action" | "mitigation action"
            | "next action" | "actions" => Some(RiskColumn::ActionDescription),
            "action responsible" | "action assignee" | "assigned to" => {
                Some(RiskColumn::ActionOwner)
            }
            "action due date" | "due date" | "target date" | "deadline" | "due" => {
                Some(RiskColumn::ActionDue)
            }
            "action progress" => Some(RiskColumn::ActionStatus),
            _ => None,
        })
    }
}

/// A column of the Treatment plan sheet: one row per action, with its treatment's
/// fields repeated on each (the export writes it so; the import reads it back, and
/// reads a sheet of actions laid out another way by the synonyms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TreatmentColumn {
    /// The treatment's id.
    Treatment,
    /// Its title.
    Title,
    /// Mitigate, transfer, avoid or accept.
    Option,
    /// Proposed or approved.
    Decision,
    /// When it was approved.
    ApprovedOn,
    /// The role that approved it.
    ApprovedBy,
    /// The risks it treats.
    Risks,
    /// The action's id (`A1`).
    Action,
    /// What will be done.
    Description,
    /// The action's owner.
    Owner,
    /// When it is due.
    Due,
    /// Its progress.
    Status,
    /// People, money or tools committed.
    Resources,
}

/// The Treatment plan sheet's columns, in order.
pub const TREATMENT_COLUMNS: [TreatmentColumn; 13] = [
    TreatmentColumn::Treatment,
    TreatmentColumn::Title,
    TreatmentColumn::Option,
    TreatmentColumn::Decision,
    TreatmentColumn::ApprovedOn,
    TreatmentColumn::ApprovedBy,
    TreatmentColumn::Risks,
    TreatmentColumn::Action,
    TreatmentColumn::Description,
    TreatmentColumn::Owner,
    TreatmentColumn::Due,
    TreatmentColumn::Status,
    TreatmentColumn::Resources,
];

impl TreatmentColumn {
    /// The header the export writes.
    pub fn header(self) -> &'static str {
        match self {
            TreatmentColumn::Treatment => "Treatment",
            TreatmentColumn::Title => "Title",
            TreatmentColumn::Option => "Option",
            TreatmentColumn::Decision => "Decision",
            TreatmentColumn::ApprovedOn => "Approved on",
            TreatmentColumn::ApprovedBy => "Approved by",
            TreatmentColumn::Risks => "Risks",
            TreatmentColumn::Action => "Action",
            TreatmentColumn::Description => "Description",
            TreatmentColumn::Owner => "Owner",
            TreatmentColumn::Due => "Due",
            TreatmentColumn::Status => "Status",
            TreatmentColumn::Resources => "Resources",
        }
    }

    /// The field it sets: a treatment's own (`option`), or an action's (`due`).
    pub fn field(self) -> &'static str {
        match self {
            TreatmentColumn::Treatment => "id",
            TreatmentColumn::Title => "title",
            TreatmentColumn::Option => "option",
            TreatmentColumn::Decision => "decision",
            TreatmentColumn::ApprovedOn => "approved_on",
            TreatmentColumn::ApprovedBy => "approved_by",
            TreatmentColumn::Risks => "risks",
            TreatmentColumn::Action => "action",
            TreatmentColumn::Description => "description",
            TreatmentColumn::Owner => "owner",
            TreatmentColumn::Due => "due",
            TreatmentColumn::Status => "status",
            TreatmentColumn::Resources => "resources",
        }
    }

    /// Whether it is one of the action's fields rather than the treatment's.
    pub fn of_action(self) -> bool {
        matches!(
            self,
            TreatmentColumn::Action
                | TreatmentColumn::Description
                | TreatmentColumn::Owner
                | TreatmentColumn::Due
                | TreatmentColumn::Status
                | TreatmentColumn::Resources
        )
    }

    /// The column a header names, by its export header or a common synonym.
    pub fn from_header(header: &str) -> Option<TreatmentColumn> {
        let h = normal(header);
        let found = TREATMENT_COLUMNS
            .iter()
            .copied()
            .find(|c| normal(c.header()) == h);
        found.or(match h.as_str() {
            "treatment id" | "treatment ref" | "treatment no" | "plan id" | "plan ref" => {
                Some(TreatmentColumn::Treatment)
            }
            "treatment title" | "treatment name" | "plan title" | "plan" => {
                Some(TreatmentColumn::Title)
            }
            "treatment option" | "treatment strategy" | "strategy" | "response"
            | "risk response" => Some(TreatmentColumn::Option),
            "approval" | "approval status" | "management decision" => {
                Some(TreatmentColumn::Decision)
            }
            "approval date" | "date approved" => Some(TreatmentColumn::ApprovedOn),
            "approver" | "approved by role" => Some(TreatmentColumn::ApprovedBy),
            "risk" | "risk id" | "risk ids" | "risk ref" | "related risks" | "risks treated" => {
                Some(TreatmentColumn::Risks)
            }
            "action id" | "action ref" | "action no" | "task id" | "step" => {
                Some(TreatmentColumn::Action)
            }
            "action description" | "task" | "planned action" | "activity" | "measure" | "what" => {
                Some(TreatmentColumn::Description)
            }
            "action owner" | "responsible" | "assigned to" | "assignee" | "who" => {
                Some(TreatmentColumn::Owner)
            }
            "due date" | "target date" | "deadline" | "target" | "completion date" | "by when"
            | "when" => Some(TreatmentColumn::Due),
            "action status" | "progress" | "state" => Some(TreatmentColumn::Status),
            "resource" | "budget" | "cost" | "resources required" => {
                Some(TreatmentColumn::Resources)
            }
            _ => None,
        })
    }
}

/// A column of the SoA sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SoaColumn {
    /// The Annex A control.
    Control,
    /// The catalogue's title: compared, never imported.
    Title,
    /// Applicable or not.
    Applicable,
    /// Implementation status.
    Status,
    /// The owner role.
    Owner,
    /// Reasons for inclusion besides risks.
    Reasons,
    /// Why it is excluded.
    Justification,
    /// Where the evidence is.
    Evidence,
    /// Computed from the risks.
    CitedBy,
}

/// The SoA sheet's columns, in order.
pub const SOA_COLUMNS: [SoaColumn; 9] = [
    SoaColumn::Control,
    SoaColumn::Title,
    SoaColumn::Applicable,
    SoaColumn::Status,
    SoaColumn::Owner,
    SoaColumn::Reasons,
    SoaColumn::Justification,
    SoaColumn::Evidence,
    SoaColumn::CitedBy,
];

impl SoaColumn {
    /// The field it sets (`None` for a column that is not imported).
    pub fn field(self) -> Option<&'static str> {
        match self {
            SoaColumn::Control => Some("id"),
            SoaColumn::Applicable => Some("applicable"),
            SoaColumn::Status => Some("status"),
            SoaColumn::Owner => Some("owner"),
            SoaColumn::Reasons => Some("reasons"),
            SoaColumn::Justification => Some("justification"),
            SoaColumn::Evidence => Some("evidence"),
            SoaColumn::Title | SoaColumn::CitedBy => None,
        }
    }

    /// The column a header names.
    pub fn from_header(header: &str) -> Option<SoaColumn> {
        match normal(header).as_str() {
            "control" | "control id" | "annex a" | "annex a control" | "control ref" | "clause"
            | "ref" | "id" => Some(SoaColumn::Control),
            "title" | "control title" | "control name" | "name" => Some(SoaColumn::Title),
            "applicable" | "applicability" | "included" | "in scope" | "applies" => {
                Some(SoaColumn::Applicable)
            }
            "status" | "implementation status" | "implemented" | "implementation" => {
                Some(SoaColumn::Status)
            }
            "owner" | "control owner" | "responsible" => Some(SoaColumn::Owner),
            "reasons"
            | "reason for inclusion"
            | "reasons for inclusion"
            | "basis"
            | "justification for inclusion" => Some(SoaColumn::Reasons),
            "justification"
            | "justification for exclusion"
            | "reason for exclusion"
            | "rationale"
            | "exclusion reason" => Some(SoaColumn::Justification),
            "evidence" | "evidence of implementation" => Some(SoaColumn::Evidence),
            "cited by risks" | "risks" | "related risks" => Some(SoaColumn::CitedBy),
            _ => None,
        }
    }
}

/// A header as the import compares it: lower case, what is in parentheses left out
/// ("Likelihood (1-5)"), anything but letters and digits as one space.
pub fn normal(header: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in header.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            '#' => out.push('#'),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_of_real_registers_are_recognised() {
        for (header, column) in [
            ("Risk ID", RiskColumn::Id),
            ("Likelihood (1-5)", RiskColumn::Likelihood),
            ("Risk Owner", RiskColumn::Owner),
            ("Treatment Strategy", RiskColumn::Treatment),
            (
                "Existing Controls",
                RiskColumn::Section("Existing controls"),
            ),
            ("  Residual likelihood ", RiskColumn::ResidualLikelihood),
            ("Annex A controls", RiskColumn::Controls),
        ] {
            assert_eq!(RiskColumn::from_header(header), Some(column), "{header}");
        }
        assert_eq!(RiskColumn::from_header("Colour"), None);
        for c in RISK_COLUMNS {
            assert_eq!(
                RiskColumn::from_header(c.header()),
                Some(c),
                "the export's own header {}",
                c.header()
            );
        }
        assert_eq!(
            SoaColumn::from_header("Justification for exclusion"),
            Some(SoaColumn::Justification)
        );
    }
}
