//! SOC 2 from the same controls: which Trust Services Criteria an ISMS is in scope for
//! (isms.yaml's `soc2: categories`; Security always), the links from Annex A controls
//! and ISO clauses to criteria (the shipped mapping, overridden or extended by the
//! ISMS's own `soc2/mapping.csv`), and [`coverage`]: each criterion in scope with the
//! controls that address it and their SoA status. A criterion no implemented control
//! addresses is a gap.

use serde::Serialize;

use super::words::word_enum;
use super::{ControlStatus, SoaEntry};
use crate::catalogue::{MappingRow, Soc2Criterion};

/// Where an ISMS's own mapping lives, relative to the repository root.
pub const SOC2_MAPPING_FILE: &str = "soc2/mapping.csv";

word_enum! {
    /// The five categories of the Trust Services Criteria.
    Soc2Category {
        /// The common criteria (CC1–CC9); always in scope.
        Security,
        /// A1.
        Availability,
        /// C1.
        Confidentiality,
        /// PI1.
        ProcessingIntegrity,
        /// P1–P8.
        Privacy,
    }
}

impl Soc2Category {
    /// The category of a criterion id (`CC6.1` → Security, `PI1.2` → Processing
    /// Integrity).
    pub fn of(criterion: &str) -> Option<Soc2Category> {
        let prefix: String = criterion
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        Some(match prefix.as_str() {
            "CC" => Soc2Category::Security,
            "A" => Soc2Category::Availability,
            "C" => Soc2Category::Confidentiality,
            "PI" => Soc2Category::ProcessingIntegrity,
            "P" => Soc2Category::Privacy,
            _ => return None,
        })
    }

    /// The category as a report heads it.
    pub fn label(self) -> &'static str {
        match self {
            Soc2Category::Security => "Security",
            Soc2Category::Availability => "Availability",
            Soc2Category::Confidentiality => "Confidentiality",
            Soc2Category::ProcessingIntegrity => "Processing Integrity",
            Soc2Category::Privacy => "Privacy",
        }
    }
}

word_enum! {
    /// How a control relates to a criterion (the set relationships of NIST IR 8477).
    Relationship {
        /// They ask for the same thing.
        Equivalent,
        /// The control asks for part of what the criterion asks.
        Subset,
        /// The control asks for all the criterion asks, and more.
        Superset,
        /// They overlap.
        Intersects,
    }
}

word_enum! {
    /// Whether a link has been reviewed.
    MappingReview {
        /// Written, not yet reviewed by a second person.
        Proposed,
        /// Reviewed.
        Reviewed,
    }
}

/// One link from a control (or clause) to a criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MappingLink {
    /// An Annex A control id (`8.13`) or an ISO clause (`clause 9.2`).
    pub control: String,
    /// The criterion (`A1.2`).
    pub criterion: String,
    /// How they relate.
    pub relationship: Relationship,
    /// Whether it was reviewed.
    pub review: MappingReview,
    /// Why, in a line.
    pub rationale: String,
    /// Whether it comes from the ISMS's own mapping rather than the shipped one.
    pub own: bool,
}

/// A row of a mapping file that cannot be used: its line, the column and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingProblem {
    /// The line in the file.
    pub line: usize,
    /// The column's name (`relationship`).
    pub column: &'static str,
    /// What is wrong.
    pub message: String,
}

/// The mapping in force: the shipped links, with the ISMS's own rows replacing the
/// link of the same control and criterion, adding new ones, and removing one whose
/// relationship they give as `none`. Rows that cannot be used are returned as
/// problems and left out; the rest apply.
pub fn mapping_in_force(
    shipped: &[MappingRow],
    own: &[MappingRow],
    criteria: &[Soc2Criterion],
    annex_a: &[&str],
) -> (Vec<MappingLink>, Vec<MappingProblem>) {
    let mut problems = Vec::new();
    let mut links: Vec<MappingLink> = shipped
        .iter()
        .filter_map(|r| link_of(r, false, criteria, annex_a).ok().flatten())
        .collect();
    for row in own {
        match link_of(row, true, criteria, annex_a) {
            Err(p) => problems.push(p),
            Ok(link) => {
                links.retain(|l| !(l.control == row.control && l.criterion == row.criterion));
                links.extend(link);
            }
        }
    }
    (links, problems)
}

/// A row as a link (`None`: the row removes a link), or why it cannot be one.
fn link_of(
    row: &MappingRow,
    own: bool,
    criteria: &[Soc2Criterion],
    annex_a: &[&str],
) -> Result<Option<MappingLink>, MappingProblem> {
    let problem = |column: &'static str, message: String| MappingProblem {
        line: row.line,
        column,
        message,
    };
    let clause = row
        .control
        .strip_prefix("clause ")
        .is_some_and(|c| super::CLAUSES.iter().any(|(id, _)| *id == c));
    if !clause && !annex_a.contains(&row.control.as_str()) {
        return Err(problem(
            "control",
            format!(
                "`{}` is neither an Annex A control (`8.13`) nor an ISO clause (`clause 9.2`)",
                row.control
            ),
        ));
    }
    if !criteria.iter().any(|c| c.id == row.criterion) {
        return Err(problem(
            "criterion",
            format!(
                "`{}` is not a SOC 2 criterion (CC1.1 … P8.1)",
                row.criterion
            ),
        ));
    }
    if row.relationship == "none" {
        return Ok(None);
    }
    let relationship = Relationship::parse(&row.relationship).ok_or_else(|| {
        problem(
            "relationship",
            format!(
                "`{}` is not a relationship; expected {} (or none, to remove a link)",
                row.relationship,
                Relationship::expected()
            ),
        )
    })?;
    let review = MappingReview::parse(&row.review).ok_or_else(|| {
        problem(
            "review",
            format!(
                "`{}` is not a review status; expected {}",
                row.review,
                MappingReview::expected()
            ),
        )
    })?;
    if row.rationale.is_empty() {
        return Err(problem("rationale", "a link needs its rationale".into()));
    }
    Ok(Some(MappingLink {
        control: row.control.clone(),
        criterion: row.criterion.clone(),
        relationship,
        review,
        rationale: row.rationale.clone(),
        own,
    }))
}

word_enum! {
    /// How well the controls in place address a criterion.
    Coverage {
        /// An applicable control that addresses it is implemented.
        Covered,
        /// Applicable controls address it, none of them implemented yet.
        InProgress,
        /// No applicable control addresses it: mapped to none, or only to controls the
        /// SoA excludes.
        Gap,
    }
}

/// A criterion with the controls that address it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CriterionCoverage {
    /// The criterion.
    pub criterion: Soc2Criterion,
    /// Its category.
    pub category: Soc2Category,
    /// The links to it, in the mapping's order.
    pub links: Vec<MappingLink>,
    /// How well it is addressed.
    pub coverage: Coverage,
}

/// Each criterion of the categories in scope (Security always), with its links and
/// how well the SoA's controls address it. Clauses count as in place: the ISMS
/// itself is what `isms check` holds to them.
pub fn coverage(
    criteria: &[Soc2Criterion],
    links: &[MappingLink],
    controls: &[SoaEntry],
    in_scope: &[Soc2Category],
) -> Vec<CriterionCoverage> {
    criteria
        .iter()
        .filter_map(|c| {
            let category = Soc2Category::of(&c.id)?;
            (category == Soc2Category::Security || in_scope.contains(&category))
                .then_some((c, category))
        })
        .map(|(c, category)| {
            let links: Vec<MappingLink> = links
                .iter()
                .filter(|l| l.criterion == c.id)
                .cloned()
                .collect();
            let entry = |id: &str| controls.iter().find(|e| e.id == id);
            let in_place = |l: &&MappingLink| {
                l.control.starts_with("clause ")
                    || entry(&l.control)
                        .is_some_and(|e| e.applicable && e.status == ControlStatus::Implemented)
            };
            let applicable = |l: &&MappingLink| {
                l.control.starts_with("clause ") || entry(&l.control).is_some_and(|e| e.applicable)
            };
            let coverage = if links.iter().any(|l| in_place(&l)) {
                Coverage::Covered
            } else if links.iter().any(|l| applicable(&l)) {
                Coverage::InProgress
            } else {
                Coverage::Gap
            };
            CriterionCoverage {
                criterion: c.clone(),
                category,
                links,
                coverage,
            }
        })
        .collect()
}

/// The criteria a control (or clause) serves, in the mapping's order.
pub fn criteria_of<'a>(control: &str, links: &'a [MappingLink]) -> Vec<&'a str> {
    links
        .iter()
        .filter(|l| l.control == control)
        .map(|l| l.criterion.as_str())
        .collect()
}
