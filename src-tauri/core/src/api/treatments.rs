//! The risk treatment plan screen: treatments with the risks they treat and their late
//! actions.

use chrono::NaiveDate;
use serde::Serialize;

use super::register::RiskLink;
use crate::domain::Treatment;
use crate::format::edit::{Assignment, Operation};
use crate::isms::{AnyRecord, Isms, RecordKind, Revision};
use crate::store::Saved;
use crate::{Error, LoadError, Result};

/// One treatment on the treatment plan screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TreatmentLine {
    /// The treatment as written.
    pub treatment: Treatment,
    /// Its file's revision.
    pub revision: Revision,
    /// The risks it treats.
    pub risks: Vec<RiskLink>,
    /// Ids of its actions that are open and past their due date.
    pub overdue: Vec<String>,
    /// Its narrative as sanitised HTML.
    pub html: String,
}

/// The treatment plan screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TreatmentPlan {
    /// The day overdue is judged against.
    pub today: NaiveDate,
    /// The treatments, by id.
    pub treatments: Vec<TreatmentLine>,
    /// Treatments that do not load.
    pub errors: Vec<LoadError>,
}

impl Isms {
    /// The treatment plan screen for `today`.
    pub fn treatment_plan(&self, today: NaiveDate) -> Result<TreatmentPlan> {
        let rows = self.risk_rows()?;
        let (treatments, errors) = self.records_of::<Treatment>(RecordKind::Treatment)?;
        let treatments = treatments
            .into_iter()
            .map(|(t, revision)| TreatmentLine {
                risks: t.risks.iter().map(|id| RiskLink::to(&rows, id)).collect(),
                overdue: t.overdue_actions(today).map(|a| a.id.clone()).collect(),
                html: crate::report::html::markdown(&t.body),
                treatment: t,
                revision,
            })
            .collect();
        Ok(TreatmentPlan {
            today,
            treatments,
            errors,
        })
    }
}

impl Isms {
    /// Adds an action to treatment or finding `id` under the next free action id
    /// (`Treatment::next_action_id`). `fields` name the action's own fields
    /// (`description=…`, `owner=…`, `due=…`); it is `planned` unless they say otherwise.
    /// `base` is the revision the change was decided on.
    pub fn add_action(
        &self,
        id: &str,
        fields: &[Assignment],
        base: Option<&Revision>,
    ) -> Result<Saved> {
        let opened = self.open_record(id)?;
        let actions = match &opened.record {
            AnyRecord::Treatment(t) => &t.actions,
            AnyRecord::Nonconformity(n) => &n.actions,
            AnyRecord::Review(v) => &v.actions,
            _ => {
                return Err(Error::invalid(
                    &opened.path,
                    "actions",
                    "only treatments and findings have actions",
                ))
            }
        };
        let action = crate::domain::next_action_id(actions);
        let mut edits = vec![Assignment {
            path: vec!["actions".into()],
            operation: Operation::Add,
            value: format!("{{id: {action}}}"),
        }];
        if !fields.iter().any(|f| f.path == ["status"]) {
            edits.push(Assignment {
                path: vec!["actions".into(), action.clone(), "status".into()],
                operation: Operation::Set,
                value: "planned".into(),
            });
        }
        edits.extend(fields.iter().map(|f| {
            Assignment {
                path: ["actions", action.as_str()]
                    .into_iter()
                    .map(str::to_string)
                    .chain(f.path.iter().cloned())
                    .collect(),
                ..f.clone()
            }
        }));
        self.set(id, &edits, None, Some(base.unwrap_or(&opened.revision)))
    }
}
