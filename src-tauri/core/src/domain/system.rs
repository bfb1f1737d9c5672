//! The SOC 2 system description (the description criteria, DC 200), kept as one
//! structured file, `system/description.md`, so that it cannot drift from itself or
//! from the rest of the ISMS: each component is an entry with an id, each data flow
//! names components by id, each subservice organisation is a supplier.
//!
//! [`description_problems`] is the one rule for whether the description holds
//! together; `isms check` reports what it finds.

use serde::Serialize;

use super::checks::Rule;
use super::words::word_enum;
use super::Supplier;

/// Where the description lives, relative to the repository root.
pub const SYSTEM_DESCRIPTION_FILE: &str = "system/description.md";

word_enum! {
    /// The five kinds of component the description criteria ask for.
    ComponentKind {
        /// Servers, networks, managed platforms.
        Infrastructure,
        /// Applications and services.
        Software,
        /// Teams and roles that run the system.
        People,
        /// Documented procedures, automated and manual.
        Procedures,
        /// Data stores and the data they hold.
        Data,
    }
}

/// One component of the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Component {
    /// A short id, unique in the description (`orders-db`); flows name it.
    pub id: String,
    /// Infrastructure, software, people, procedures or data.
    pub kind: ComponentKind,
    /// Its name (`Order database`).
    pub name: String,
    /// The function it serves (`primary database`, `monitoring`): two components
    /// serving one function contradict each other.
    pub function: String,
    /// What it is built with (`PostgreSQL 16, managed by Fjordcloud`).
    pub technology: String,
    /// Where it runs (one of the description's locations).
    pub location: String,
    /// What it is for.
    pub purpose: String,
    /// The role that answers for it.
    pub owner: String,
}

/// A flow of data between two components.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DataFlow {
    /// A short id (`F1`).
    pub id: String,
    /// The component the data leaves.
    pub from: String,
    /// The component it reaches.
    pub to: String,
    /// What flows (`order data over HTTPS`).
    pub data: String,
}

/// A subservice organisation: a supplier whose controls the system relies on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Subservice {
    /// The supplier's id (`suppliers/<id>.md`); also its id in this list.
    pub supplier: String,
    /// The controls expected of it (complementary subservice organisation controls).
    pub controls: Vec<String>,
}

/// The system description: `system/description.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SystemDescription {
    /// The title.
    pub title: String,
    /// The role that answers for the description.
    pub owner: String,
    /// The services in scope.
    pub services_in_scope: Vec<String>,
    /// The services out of scope.
    pub services_out_of_scope: Vec<String>,
    /// The principal service commitments.
    pub commitments: Vec<String>,
    /// The system requirements.
    pub requirements: Vec<String>,
    /// The locations the system may run in (`EU (Frankfurt)`).
    pub locations: Vec<String>,
    /// The components.
    pub components: Vec<Component>,
    /// The data flows between components.
    pub flows: Vec<DataFlow>,
    /// Boundaries and interfaces.
    pub boundaries: Vec<String>,
    /// The subservice organisations.
    pub subservice_organisations: Vec<Subservice>,
    /// Complementary user-entity controls: what customers are expected to do.
    pub user_entity_controls: Vec<String>,
    /// Incidents since the last report, in words.
    pub incidents: Vec<String>,
    /// The markdown body: the overview.
    pub body: String,
}

/// Something the description says that does not hold together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescriptionProblem {
    /// The rule it breaks.
    pub rule: Rule,
    /// The field, dotted (`flows.F3.to`).
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Everything in the description that does not hold together: a flow naming an
/// unknown component, two components serving one function, a component outside the
/// description's locations, a subservice organisation that is not a recorded
/// supplier.
pub fn description_problems(
    d: &SystemDescription,
    suppliers: &[Supplier],
) -> Vec<DescriptionProblem> {
    let mut out = Vec::new();
    let mut problem = |rule: Rule, field: String, message: String| {
        out.push(DescriptionProblem {
            rule,
            field,
            message,
        })
    };
    let known = |id: &str| d.components.iter().any(|c| c.id == id);
    for f in &d.flows {
        for (end, id) in [("from", &f.from), ("to", &f.to)] {
            if !known(id) {
                problem(
                    Rule::SystemFlowUnknownComponent,
                    format!("flows.{}.{end}", f.id),
                    format!(
                        "flow {} ({}) names `{id}`, which is not a component of the description",
                        f.id, f.data
                    ),
                );
            }
        }
    }
    for (i, c) in d.components.iter().enumerate() {
        if let Some(first) = d.components[..i]
            .iter()
            .find(|o| o.function.eq_ignore_ascii_case(&c.function))
        {
            problem(
                Rule::SystemComponentConflict,
                format!("components.{}.function", c.id),
                format!(
                    "{} ({}) and {} ({}) are both recorded as the {}: keep the one in use, or say how their functions differ",
                    first.name, first.technology, c.name, c.technology, c.function
                ),
            );
        }
        if !d.locations.iter().any(|l| l == &c.location) {
            problem(
                Rule::SystemLocationOutOfScope,
                format!("components.{}.location", c.id),
                format!(
                    "{} runs in {}, which is not among the system's locations ({})",
                    c.name,
                    c.location,
                    d.locations.join(", ")
                ),
            );
        }
    }
    // A subservice organisation that is a subprocessor and missing from the security
    // page is the page's finding (public-subprocessor-missing), not said twice here.
    for s in d
        .subservice_organisations
        .iter()
        .filter(|s| !suppliers.iter().any(|x| x.id == s.supplier))
    {
        problem(
            Rule::SystemSubserviceUnrecorded,
            "subservice_organisations".to_string(),
            format!(
                "`{}` is a subservice organisation but not a supplier (no suppliers/{}.md)",
                s.supplier, s.supplier
            ),
        );
    }
    out
}
