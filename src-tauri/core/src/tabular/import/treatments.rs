//! Treatments with their actions, from a sheet of actions (one row per action with its
//! treatment's fields, as the export's `Treatment plan` sheet has them) or from a risk
//! register that keeps an action on each risk's row.
//!
//! Which treatment a row's action joins:
//! - the treatment its Treatment column names (an existing one by id, or by the id a
//!   file gave it before, kept as `x-source-id`; else a new one);
//! - without a Treatment column, the one treatment that treats the row's risk, or a new
//!   treatment of that risk when none does. A risk treated by several treatments is
//!   refused at its cell (`ambiguous_treatment`): the row must say which.
//!
//! Which action a row is: the one its Action column names (`A2`), else the treatment's
//! action with the same description (so a register re-imported matches what it made),
//! else a new action under the next free id. A treatment's own fields, repeated on
//! each of its rows, must agree: a row that says otherwise is refused at its cell.

use super::*;
use crate::domain::{ActionStatus, Decision, Treatment};
use crate::tabular::columns::TreatmentColumn;

/// The risk a register's row is, for the action on that row.
pub(super) struct RowRisk {
    /// Its id (a new risk's new id).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its treatment option, as the risk gives it.
    pub option: Option<String>,
}

/// A treatment as the rows build it.
struct Group {
    id: String,
    existing: Option<(Treatment, Vec<u8>)>,
    /// The id the file gave a new treatment when it is not ours (`x-source-id`).
    source_id: Option<String>,
    /// The treatment's own fields: field → (value, the row that said it first).
    fields: BTreeMap<&'static str, (String, u32)>,
    /// Each accepted row and its action's assignments.
    rows: Vec<(usize, Vec<Assignment>)>,
    /// Actions new in this import: the next number, and description → id.
    next_action: u32,
    new_actions: HashMap<String, String>,
    /// Each action's row, to refuse a second row for it.
    action_rows: HashMap<String, u32>,
    /// A new treatment's title when no Title column gives one.
    default_title: String,
    /// A new treatment's option when no Option column gives one.
    default_option: String,
}

impl Isms {
    /// The treatments and actions of `grid`'s rows: `columns` are the treatment
    /// columns the header has; `row_risks`, for a risk register, is the risk each
    /// accepted row is (rows it lacks are not read).
    pub(super) fn plan_treatments(
        &self,
        grid: &Grid,
        first_row: usize,
        columns: &[(usize, TreatmentColumn)],
        row_risks: Option<&HashMap<usize, RowRisk>>,
        ctx: &mut Context,
        plan: &mut ImportPlan,
    ) -> Result<Vec<PlannedWrite>> {
        let (existing, _) = self.records_of_kind(RecordKind::Treatment)?;
        let treatments: Vec<(Treatment, Vec<u8>)> = existing
            .into_iter()
            .filter_map(|(parsed, bytes)| match parsed.record {
                AnyRecord::Treatment(t) => Some((t, bytes)),
                _ => None,
            })
            .collect();
        let (risks, _) = self.records_of_kind(RecordKind::Risk)?;
        let mut risk_ids: HashMap<String, String> = HashMap::new();
        for (parsed, bytes) in &risks {
            if let AnyRecord::Risk(r) = &parsed.record {
                risk_ids.insert(r.id.clone(), r.id.clone());
                if let Some(source) = source_id_of(bytes) {
                    risk_ids.entry(source).or_insert_with(|| r.id.clone());
                }
            }
        }
        let mut next = treatments
            .iter()
            .filter_map(|(t, _)| RecordKind::Treatment.number_of(&t.id))
            .max()
            .unwrap_or(0);
        let has = |c: TreatmentColumn| columns.iter().any(|(_, x)| *x == c);
        let has_description = has(TreatmentColumn::Description);
        // Groups by key (the treatment's id, or `risk:R-004`), in the order first met.
        let mut groups: Vec<Group> = Vec::new();
        let mut key_of: HashMap<String, usize> = HashMap::new();
        for r in first_row..grid.rows.len() {
            let risk_of_row = match row_risks {
                Some(map) => match map.get(&r) {
                    Some(risk) => Some(risk),
                    None => continue,
                },
                None => None,
            };
            if columns.iter().all(|(c, _)| grid.at(r, *c).is_blank()) {
                continue;
            }
            let mut row = RowReader::new(grid, r);
            let mut named: Option<(usize, String)> = None;
            let mut row_risk_ids: Vec<String> = risk_of_row.iter().map(|x| x.id.clone()).collect();
            let mut own: Vec<(&'static str, usize, String)> = Vec::new();
            let mut action_id: Option<String> = None;
            let mut action: Vec<(&'static str, String)> = Vec::new();
            let mut description = String::new();
            let first_col = columns.first().map_or(0, |(c, _)| *c);
            for (col, column) in columns {
                let value = grid.at(r, *col).clone();
                let field = column.field();
                if let Value::Error(e) = &value {
                    row.problem(
                        ImportProblemCode::FormulaError,
                        *col,
                        field,
                        e,
                        "a value; the formula in this cell gives an error",
                    );
                    continue;
                }
                let text = value.shown().trim().to_string();
                match column {
                    TreatmentColumn::Treatment => {
                        named = (!text.is_empty()).then(|| (*col, text.clone()));
                    }
                    TreatmentColumn::Title => own.push((field, *col, text_value(&text))),
                    TreatmentColumn::Option => {
                        if let Some(w) =
                            read_word(&mut row, ctx, *col, field, &text, treatment_word)
                        {
                            own.push((field, *col, w));
                        }
                    }
                    TreatmentColumn::Decision => {
                        if let Some(w) = read_word(&mut row, ctx, *col, field, &text, decision_word)
                        {
                            own.push((field, *col, w));
                        }
                    }
                    TreatmentColumn::ApprovedOn => {
                        if let Some(d) = read_date(&mut row, ctx, *col, field, &value) {
                            own.push((field, *col, d.map(|d| d.to_string()).unwrap_or_default()));
                        }
                    }
                    TreatmentColumn::ApprovedBy => {
                        if let Some(role) = read_owner(&mut row, ctx, *col, &text) {
                            own.push((field, *col, role));
                        }
                    }
                    TreatmentColumn::Risks => {
                        let mut ids = Vec::new();
                        for given in split_list(&text) {
                            match risk_ids.get(&given) {
                                Some(id) => ids.push(id.clone()),
                                None => row.problem(
                                    ImportProblemCode::UnknownRisk,
                                    *col,
                                    field,
                                    &given,
                                    "a risk id of the repository (or the id a register imported before gave it)",
                                ),
                            }
                        }
                        let value = if ids.is_empty() {
                            String::new()
                        } else {
                            list_text(&ids)
                        };
                        own.push((field, *col, value));
                        row_risk_ids = ids;
                    }
                    TreatmentColumn::Action => {
                        if is_action_id(&text) {
                            action_id = Some(text.clone());
                        } else if !has_description {
                            description = text.clone();
                        } else if !text.is_empty() {
                            row.problem(
                                ImportProblemCode::UnknownValue,
                                *col,
                                field,
                                &text,
                                "an action id such as A1 (the Description column says what is done)",
                            );
                        }
                    }
                    TreatmentColumn::Description => description = text.clone(),
                    TreatmentColumn::Owner => {
                        if let Some(role) = read_owner(&mut row, ctx, *col, &text) {
                            action.push(("owner", role));
                        }
                    }
                    TreatmentColumn::Due => {
                        if let Some(d) = read_date(&mut row, ctx, *col, field, &value) {
                            action.push(("due", d.map(|d| d.to_string()).unwrap_or_default()));
                        }
                    }
                    TreatmentColumn::Status => {
                        if let Some(w) =
                            read_word(&mut row, ctx, *col, field, &text, action_status_word)
                        {
                            action.push(("status", w));
                        }
                    }
                    TreatmentColumn::Resources => action.push(("resources", text_value(&text))),
                }
            }
            // The treatment the row's action joins.
            let group = match &named {
                Some((_, given)) => {
                    let found = treatments.iter().find(|(t, bytes)| {
                        &t.id == given || source_id_of(bytes).as_deref() == Some(given)
                    });
                    Some((format!("id:{}", found.map_or(given, |(t, _)| &t.id)), found))
                }
                None => match row_risk_ids.first() {
                    Some(risk) => {
                        let treating: Vec<&(Treatment, Vec<u8>)> = treatments
                            .iter()
                            .filter(|(t, _)| t.risks.contains(risk) && t.closed_on.is_none())
                            .collect();
                        match treating.as_slice() {
                            [] => Some((format!("risk:{risk}"), None)),
                            [one] => Some((format!("id:{}", one.0.id), Some(*one))),
                            several => {
                                let ids: Vec<&str> =
                                    several.iter().map(|(t, _)| t.id.as_str()).collect();
                                let col = columns
                                    .iter()
                                    .find(|(_, c)| *c == TreatmentColumn::Risks)
                                    .map_or(first_col, |(c, _)| *c);
                                row.problem(
                                    ImportProblemCode::AmbiguousTreatment,
                                    col,
                                    "treatment",
                                    risk,
                                    format!("one treatment: {risk} is treated by {}; add a Treatment column to say which", ids.join(" and ")),
                                );
                                None
                            }
                        }
                    }
                    None => {
                        row.problem(
                            ImportProblemCode::NoTreatment,
                            first_col,
                            "treatment",
                            "",
                            "the treatment (a Treatment column) or the risks the action treats (a Risks column)",
                        );
                        None
                    }
                },
            };
            let has_action = action_id.is_some() || !description.is_empty();
            if !row.problems.is_empty() {
                plan.rejected.push(RejectedRow {
                    row: grid.row_number(r),
                    id: named
                        .map(|(_, id)| id)
                        .or(risk_of_row.map(|x| x.id.clone())),
                    problems: row.problems,
                });
                continue;
            }
            let Some((key, found)) = group else { continue };
            let index = match key_of.get(&key) {
                Some(i) => *i,
                None => {
                    let (id, source_id) = match (found, &named) {
                        (Some((t, _)), _) => (t.id.clone(), None),
                        (None, Some((_, given)))
                            if RecordKind::Treatment.number_of(given).is_some() =>
                        {
                            (given.clone(), None)
                        }
                        (None, given) => {
                            next += 1;
                            let id = RecordKind::Treatment
                                .numbered(next)
                                .expect("treatments are numbered");
                            (id, given.as_ref().map(|(_, g)| g.clone()))
                        }
                    };
                    let (default_title, default_option) = match risk_of_row {
                        Some(risk) => (
                            format!("Treatment of {}: {}", risk.id, risk.title),
                            risk.option.clone().unwrap_or_else(|| "mitigate".into()),
                        ),
                        None => (
                            format!("Treatment of {}", row_risk_ids.join(", ")),
                            "mitigate".into(),
                        ),
                    };
                    let next_action =
                        found.map_or(0, |(t, _)| crate::domain::highest_action_number(&t.actions));
                    groups.push(Group {
                        id,
                        existing: found.cloned(),
                        source_id,
                        fields: BTreeMap::new(),
                        rows: Vec::new(),
                        next_action,
                        new_actions: HashMap::new(),
                        action_rows: HashMap::new(),
                        default_title,
                        default_option,
                    });
                    if row_risks.is_some() && found.is_none() {
                        groups
                            .last_mut()
                            .expect("just pushed")
                            .fields
                            .insert("risks", (list_text(&row_risk_ids), grid.row_number(r)));
                    }
                    key_of.insert(key, groups.len() - 1);
                    groups.len() - 1
                }
            };
            let g = &mut groups[index];
            // The treatment's own fields: every row of it says the same (a blank cell
            // says nothing when another row says something).
            let mut conflict = false;
            for (field, col, value) in own {
                match g.fields.get(field) {
                    Some((said, at))
                        if !value.is_empty() && !said.is_empty() && differs_from(said, &value) =>
                    {
                        row.problem(
                            ImportProblemCode::DuplicateRow,
                            col,
                            field,
                            &text_of_value(&value),
                            format!(
                                "one {field} per treatment: row {at} gives {} for {}",
                                text_of_value(said),
                                g.id
                            ),
                        );
                        conflict = true;
                    }
                    Some((said, _)) if said.is_empty() && !value.is_empty() => {
                        g.fields.insert(field, (value, grid.row_number(r)));
                    }
                    Some(_) => {}
                    // A blank cell clears an existing treatment's field; a new one
                    // just does not have it.
                    None if !value.is_empty() || g.existing.is_some() => {
                        g.fields.insert(field, (value, grid.row_number(r)));
                    }
                    None => {}
                }
            }
            if conflict {
                plan.rejected.push(RejectedRow {
                    row: grid.row_number(r),
                    id: Some(g.id.clone()),
                    problems: row.problems,
                });
                continue;
            }
            // The action.
            let mut edits = Vec::new();
            if has_action {
                let existing_action = g.existing.as_ref().and_then(|(t, _)| {
                    t.actions.iter().find(|a| match &action_id {
                        Some(id) => &a.id == id,
                        None => normal(&a.description) == normal(&description),
                    })
                });
                let id = match (existing_action, &action_id) {
                    (Some(a), _) => a.id.clone(),
                    (None, Some(id)) => id.clone(),
                    (None, None) => match g.new_actions.get(&normal(&description)) {
                        Some(id) => id.clone(),
                        None => {
                            g.next_action += 1;
                            format!("A{}", g.next_action)
                        }
                    },
                };
                if let Some(at) = g.action_rows.insert(id.clone(), grid.row_number(r)) {
                    let col = columns
                        .iter()
                        .find(|(_, c)| {
                            matches!(c, TreatmentColumn::Action | TreatmentColumn::Description)
                        })
                        .map_or(first_col, |(c, _)| *c);
                    row.problem(
                        ImportProblemCode::DuplicateRow,
                        col,
                        "action",
                        &id,
                        format!("one row per action; row {at} has {id} of {} too", g.id),
                    );
                    plan.rejected.push(RejectedRow {
                        row: grid.row_number(r),
                        id: Some(g.id.clone()),
                        problems: row.problems,
                    });
                    continue;
                }
                if existing_action.is_none() {
                    if description.is_empty() {
                        let col = columns
                            .iter()
                            .find(|(_, c)| matches!(c, TreatmentColumn::Description))
                            .map_or(first_col, |(c, _)| *c);
                        row.problem(
                            ImportProblemCode::MissingTitle,
                            col,
                            "description",
                            "",
                            format!("a description for the new action {id} of {}", g.id),
                        );
                        plan.rejected.push(RejectedRow {
                            row: grid.row_number(r),
                            id: Some(g.id.clone()),
                            problems: row.problems,
                        });
                        continue;
                    }
                    if let Some(n) = id.strip_prefix('A').and_then(|n| n.parse::<u32>().ok()) {
                        g.next_action = g.next_action.max(n);
                    }
                    g.new_actions.insert(normal(&description), id.clone());
                    edits.push(Assignment {
                        path: vec!["actions".into()],
                        operation: Operation::Add,
                        value: format!("{{id: {id}}}"),
                    });
                    if !action.iter().any(|(f, v)| *f == "status" && !v.is_empty()) {
                        action.push(("status", ActionStatus::Planned.as_str().into()));
                    }
                }
                if !description.is_empty() {
                    action.push(("description", text_value(&description)));
                }
                for (field, value) in action {
                    // A blank cell clears an optional field (due, resources) of an
                    // existing action; a field every action has is left as it is.
                    if value.is_empty() && (existing_action.is_none() || REQUIRED.contains(&field))
                    {
                        continue;
                    }
                    edits.push(Assignment {
                        path: vec!["actions".into(), id.clone(), field.into()],
                        operation: Operation::Set,
                        value,
                    });
                }
            }
            g.rows.push((r, edits));
        }

        let mut writes = Vec::new();
        for g in groups.into_iter().filter(|g| !g.rows.is_empty()) {
            let path = RecordKind::Treatment.path(&g.id);
            let first = g.rows[0].0;
            let mut assignments: Vec<Assignment> = g
                .fields
                .iter()
                .map(|(field, (value, _))| Assignment {
                    path: vec![(*field).to_string()],
                    operation: Operation::Set,
                    value: value.clone(),
                })
                .collect();
            if g.existing.is_none() {
                for (field, value) in [
                    ("title", text_value(&g.default_title)),
                    ("option", g.default_option.clone()),
                ] {
                    if !g.fields.contains_key(field) {
                        assignments.push(Assignment {
                            path: vec![field.into()],
                            operation: Operation::Set,
                            value,
                        });
                    }
                }
                if let Some(source) = &g.source_id {
                    assignments.push(Assignment {
                        path: vec!["x-source-id".into()],
                        operation: Operation::Set,
                        value: text_value(source),
                    });
                }
            }
            assignments.extend(g.rows.iter().flat_map(|(_, e)| e.iter().cloned()));
            let made = match &g.existing {
                Some((t, bytes)) => {
                    let flat = crate::git::changes::flat_fields(&AnyRecord::Treatment(t.clone()));
                    let changed: Vec<Assignment> = assignments
                        .into_iter()
                        .filter(|a| a.operation != Operation::Set || differs(&flat, a))
                        .collect();
                    if changed.is_empty() {
                        Ok(String::from_utf8_lossy(bytes).into_owned())
                    } else {
                        self.edited_text(RecordKind::Treatment, &path, &g.id, bytes, &changed, None)
                    }
                }
                None => self.new_text(RecordKind::Treatment, &g.id, &assignments, None),
            };
            let made = made.and_then(|text| {
                parse_text(RecordKind::Treatment, &path, &g.id, &text)
                    .map(|p| (text, p.record))
                    .map_err(|mut e| Error::Invalid(e.remove(0)))
            });
            let (text, record) = match made {
                Ok(made) => made,
                Err(e) => {
                    // The treatment the rows make does not load: each of its rows is
                    // refused with the reader's message.
                    for (r, _) in &g.rows {
                        let mut row = RowReader::new(grid, *r);
                        row.invalid(
                            &e,
                            |f| {
                                let f = f.rsplit('.').next().unwrap_or(f);
                                columns
                                    .iter()
                                    .find(|(_, c)| c.field() == f)
                                    .map(|(c, _)| *c)
                            },
                            columns.first().map_or(0, |(c, _)| *c),
                        );
                        plan.rejected.push(RejectedRow {
                            row: grid.row_number(*r),
                            id: Some(g.id.clone()),
                            problems: row.problems,
                        });
                    }
                    continue;
                }
            };
            let title = match &record {
                AnyRecord::Treatment(t) => t.title.clone(),
                _ => String::new(),
            };
            let planned = PlannedText {
                row: grid.row_number(first),
                id: g.id.clone(),
                path,
                title,
                old: g
                    .existing
                    .as_ref()
                    .map(|(_, b)| String::from_utf8_lossy(b).into_owned()),
                text,
            };
            let before = g.existing;
            planned.into_plan(
                plan,
                &mut writes,
                || before.map(|(t, _)| AnyRecord::Treatment(t)),
                record,
            );
        }
        Ok(writes)
    }
}

/// The fields every action has.
const REQUIRED: [&str; 3] = ["description", "owner", "status"];

/// `A1`, `A12`: an action's id.
fn is_action_id(text: &str) -> bool {
    text.strip_prefix('A')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// Whether two assignment values say different things.
fn differs_from(a: &str, b: &str) -> bool {
    text_of_value(a) != text_of_value(b)
}

fn decision_word(text: &str) -> Result<&'static str, String> {
    Ok(match normal(text).as_str() {
        "proposed" | "draft" | "pending" | "awaiting approval" | "submitted" => {
            Decision::Proposed.as_str()
        }
        "approved" | "accepted" | "signed off" | "agreed" => Decision::Approved.as_str(),
        _ => {
            return Err(format!(
                "{} (or Pending, Draft → proposed; Agreed, Signed off → approved)",
                Decision::expected()
            ))
        }
    })
}

fn action_status_word(text: &str) -> Result<&'static str, String> {
    Ok(match normal(text).as_str() {
        "planned" | "not started" | "to do" | "todo" | "open" | "new" => {
            ActionStatus::Planned.as_str()
        }
        "in progress" | "in_progress" | "started" | "ongoing" | "doing" | "wip" => {
            ActionStatus::InProgress.as_str()
        }
        "done" | "complete" | "completed" | "closed" | "finished" | "implemented" => {
            ActionStatus::Done.as_str()
        }
        "cancelled" | "canceled" | "dropped" | "withdrawn" | "abandoned" => {
            ActionStatus::Cancelled.as_str()
        }
        _ => {
            return Err(format!(
                "{} (or Not started, Open → planned; Started → in_progress; Completed → done; Dropped → cancelled)",
                ActionStatus::expected()
            ))
        }
    })
}
