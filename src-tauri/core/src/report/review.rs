//! The management review pack (ISO/IEC 27001:2022 clause 9.3.2): every input the
//! standard asks top management to consider, compiled from the records at one commit.
//! Where the repository holds nothing for an input, the pack says so plainly instead of
//! leaving the input out — an auditor checks that each was considered.

use std::fmt::Write;

use chrono::NaiveDate;

use super::markdown::cell;
use crate::domain::{
    previous_review, Audit, AuditStatus, Conclusion, FindingSource, FindingStatus, Grade,
    Nonconformity, Objective, Review, RiskStatus,
};
use crate::git::changes::Snapshot;
use crate::isms::{AnyRecord, Isms};
use crate::{Error, Result};

/// Records of one kind in a snapshot.
fn all<'a, T>(snapshot: &'a Snapshot, pick: impl Fn(&'a AnyRecord) -> Option<&'a T>) -> Vec<&'a T> {
    snapshot.all(pick)
}

impl Isms {
    /// The pack of management review `id` from revision `rev` (a commit, branch or tag).
    pub fn review_pack(&self, id: &str, rev: &str) -> Result<String> {
        let repo = crate::git::repository(self)?;
        let commit = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| Error::UnknownRevision(rev.to_string()))?;
        let commit_id = commit.id().to_string();
        let snapshot = Snapshot::at(&repo, &commit_id)?;
        if !snapshot.errors.is_empty() {
            return Err(Error::IncompleteSource {
                rev: commit_id,
                errors: snapshot.errors,
            });
        }
        review_pack(&snapshot, id, &commit_id)
    }
}

/// The pack of review `id` from `snapshot` (made from `commit`).
pub fn review_pack(snapshot: &Snapshot, id: &str, commit: &str) -> Result<String> {
    let reviews: Vec<Review> = all(snapshot, |r| match r {
        AnyRecord::Review(v) => Some(v),
        _ => None,
    })
    .into_iter()
    .cloned()
    .collect();
    let review = reviews
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Error::NotFound(id.to_string()))?;
    let since = previous_review(&reviews, review);
    let from: Option<NaiveDate> = since.map(|r| r.held_on);
    let in_period = |d: NaiveDate| from.is_none_or(|f| d > f) && d <= review.held_on;
    let findings: Vec<&Nonconformity> = all(snapshot, |r| match r {
        AnyRecord::Nonconformity(n) => Some(n),
        _ => None,
    });
    let audits: Vec<&Audit> = all(snapshot, |r| match r {
        AnyRecord::Audit(a) => Some(a),
        _ => None,
    });
    let objectives: Vec<&Objective> = all(snapshot, |r| match r {
        AnyRecord::Objective(o) => Some(o),
        _ => None,
    });
    let config = snapshot.config.as_ref();
    let role = |id: &str| config.map_or_else(|| id.to_string(), |c| c.role_title(id));
    let period = match since {
        Some(p) => format!("since {} ({})", p.id, p.held_on),
        None => "since the ISMS began (no earlier management review is recorded)".into(),
    };
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", cell(&review.title));
    let _ = writeln!(
        md,
        "Held on {}. Attendees: {}. Compiled from commit `{commit}`; the period is {period}.\n",
        review.held_on,
        if review.attendees.is_empty() {
            "none recorded".into()
        } else {
            review.attendees.join(", ")
        }
    );

    let _ = writeln!(
        md,
        "## 1. Status of actions from previous management reviews\n"
    );
    match since {
        None => {
            md.push_str("No earlier management review is recorded, so no actions carry over.\n\n")
        }
        Some(p) if p.actions.is_empty() => {
            let _ = writeln!(md, "{} set no actions.\n", p.id);
        }
        Some(p) => {
            md.push_str("| Action | What | Owner | Due | Status |\n|---|---|---|---|---|\n");
            for a in &p.actions {
                let _ = writeln!(
                    md,
                    "| {} {} | {} | {} | {} | {} |",
                    p.id,
                    a.id,
                    cell(&a.description),
                    cell(&role(&a.owner)),
                    a.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
                    a.status.as_str().replace('_', " ")
                );
            }
            md.push('\n');
        }
    }

    let documents: Vec<&crate::domain::Document> = all(snapshot, |r| match r {
        AnyRecord::Document(d) => Some(d),
        _ => None,
    });
    for (n, heading, id) in [
        ("2", "Changes in external and internal issues", "context"),
        (
            "3",
            "Changes in the needs and expectations of interested parties",
            "interested-parties",
        ),
    ] {
        let _ = writeln!(md, "## {n}. {heading}\n");
        match documents.iter().find(|d| d.id == id) {
            Some(d) => {
                let _ = writeln!(
                    md,
                    "See the controlled document {} (`documents/{id}.md`), version {}{}.\n",
                    cell(&d.title),
                    d.version,
                    d.effective
                        .map(|e| format!(", effective {e}"))
                        .unwrap_or_default()
                );
            }
            None => {
                let _ = writeln!(
                    md,
                    "**No data.** The repository records none (no `documents/{id}.md`); management considers this input from what attendees bring.\n"
                );
            }
        }
    }

    let _ = writeln!(md, "## 4. Nonconformities and corrective actions\n");
    let relevant: Vec<&&Nonconformity> = findings
        .iter()
        .filter(|n| n.is_nonconformity())
        .filter(|n| in_period(n.raised_on) || n.status != FindingStatus::Closed)
        .collect();
    if relevant.is_empty() {
        let _ = writeln!(
            md,
            "No nonconformity was raised {period}, and none is open.\n"
        );
    } else {
        md.push_str("| Finding | Grade | Raised | Status | Actions done | Effectiveness |\n|---|---|---|---|---|---|\n");
        for n in relevant {
            let done = n.actions.iter().filter(|a| !a.status.is_open()).count();
            let _ = writeln!(
                md,
                "| {} {} | {} | {} | {} | {done} of {} | {} |",
                n.id,
                cell(&n.title),
                n.grade,
                n.raised_on,
                n.status.as_str().replace('_', " "),
                n.actions.len(),
                n.effectiveness.as_ref().map_or_else(
                    || "not yet reviewed".into(),
                    |e| format!(
                        "{} ({}, {})",
                        e.result.as_str().replace('_', " "),
                        role(&e.reviewed_by),
                        e.reviewed_on
                    )
                )
            );
        }
        md.push('\n');
    }

    let _ = writeln!(md, "## 5. Monitoring and measurement results\n");
    let measured: Vec<&&Objective> = objectives.iter().filter(|o| o.result.is_some()).collect();
    if measured.is_empty() {
        md.push_str("**No data.** No objective records a measurement.\n\n");
    } else {
        for o in measured {
            let _ = writeln!(
                md,
                "- {} ({}): {}",
                o.id,
                cell(&o.measure),
                cell(o.result.as_deref().unwrap_or_default())
            );
        }
        md.push('\n');
    }

    let _ = writeln!(md, "## 6. Audit results\n");
    let completed: Vec<&&Audit> = audits
        .iter()
        .filter(|a| a.status == AuditStatus::Completed && a.completed_on.is_some_and(in_period))
        .collect();
    if completed.is_empty() {
        let _ = writeln!(md, "No audit was completed {period}.\n");
    } else {
        md.push_str("| Audit | Auditor | Completed | Conforming | Nonconformities | Observations | Opportunities |\n|---|---|---|---|---|---|---|\n");
        for a in completed {
            let count = |c: Conclusion| a.items.iter().filter(|i| i.conclusion == Some(c)).count();
            let _ = writeln!(
                md,
                "| {} {} | {} | {} | {} | {} | {} | {} |",
                a.id,
                cell(&a.title),
                cell(&a.auditor),
                a.completed_on.map(|d| d.to_string()).unwrap_or_default(),
                count(Conclusion::Conforming),
                count(Conclusion::Nonconformity),
                count(Conclusion::Observation),
                count(Conclusion::Opportunity)
            );
        }
        md.push('\n');
    }

    let _ = writeln!(md, "## 7. Fulfilment of information security objectives\n");
    if objectives.is_empty() {
        md.push_str("**No data.** No objective is recorded (`objectives/`).\n\n");
    } else {
        md.push_str("| Objective | Target | Owner | Due | Status |\n|---|---|---|---|---|\n");
        for o in &objectives {
            let _ = writeln!(
                md,
                "| {} {} | {} | {} | {} | {} |",
                o.id,
                cell(&o.title),
                cell(&o.target),
                cell(&role(&o.owner)),
                o.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
                o.status.as_str().replace('_', " ")
            );
        }
        md.push('\n');
    }

    let _ = writeln!(md, "## 8. Feedback from interested parties\n");
    let complaints: Vec<&&Nonconformity> = findings
        .iter()
        .filter(|n| n.source == FindingSource::Complaint && in_period(n.raised_on))
        .collect();
    if complaints.is_empty() {
        let _ = writeln!(
            md,
            "**No data.** No complaint or other feedback is recorded as a finding {period}.\n"
        );
    } else {
        for n in complaints {
            let _ = writeln!(
                md,
                "- {} {} ({})",
                n.id,
                cell(&n.title),
                n.status.as_str().replace('_', " ")
            );
        }
        md.push('\n');
    }

    let _ = writeln!(
        md,
        "## 9. Results of risk assessment and status of the risk treatment plan\n"
    );
    match config {
        Some(c) => {
            let m = &c.methodology;
            let risks: Vec<&crate::domain::Risk> = all(snapshot, |r| match r {
                AnyRecord::Risk(x) if x.status == RiskStatus::Active => Some(x),
                _ => None,
            });
            let counts: Vec<String> = m
                .bands
                .iter()
                .map(|b| {
                    let n = risks
                        .iter()
                        .filter(|r| r.inherent(m).and_then(|x| x.band).as_ref() == Some(&b.band))
                        .count();
                    format!("{n} {}", b.name)
                })
                .collect();
            let _ = writeln!(
                md,
                "{} active risks by inherent band under methodology {}: {}.",
                risks.len(),
                m.version,
                counts.join(", ")
            );
            let treatments: Vec<&crate::domain::Treatment> = all(snapshot, |r| match r {
                AnyRecord::Treatment(t) if t.closed_on.is_none() => Some(t),
                _ => None,
            });
            let open: usize = treatments.iter().map(|t| t.open_actions().count()).sum();
            let late: usize = treatments
                .iter()
                .map(|t| t.overdue_actions(review.held_on).count())
                .sum();
            let _ = writeln!(
                md,
                "{} open treatments with {open} open actions, {late} of them past due on {}.\n",
                treatments.len(),
                review.held_on
            );
        }
        None => md.push_str("**No data.** isms.yaml does not load at this commit.\n\n"),
    }

    let _ = writeln!(md, "## 10. Opportunities for continual improvement\n");
    let mut ideas: Vec<String> = findings
        .iter()
        .filter(|n| n.grade == Grade::Opportunity && n.status != FindingStatus::Closed)
        .map(|n| format!("{} {}", n.id, cell(&n.title)))
        .collect();
    for a in &audits {
        for i in a
            .items
            .iter()
            .filter(|i| i.conclusion == Some(Conclusion::Opportunity))
        {
            ideas.push(format!(
                "{} {} ({}): {}",
                a.id,
                i.id,
                cell(&i.about),
                cell(i.note.as_deref().unwrap_or("no note"))
            ));
        }
    }
    if ideas.is_empty() {
        md.push_str("**No data.** No opportunity for improvement is recorded.\n\n");
    } else {
        for i in ideas {
            let _ = writeln!(md, "- {i}");
        }
        md.push('\n');
    }

    let _ = writeln!(md, "## Decisions\n");
    if review.decisions.is_empty() {
        md.push_str("None recorded yet.\n\n");
    } else {
        for d in &review.decisions {
            let _ = writeln!(md, "- {}", cell(d));
        }
        md.push('\n');
    }
    let _ = writeln!(md, "## Actions\n");
    if review.actions.is_empty() {
        md.push_str("None recorded yet.\n");
    } else {
        md.push_str("| Action | What | Owner | Due | Status |\n|---|---|---|---|---|\n");
        for a in &review.actions {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                a.id,
                cell(&a.description),
                cell(&role(&a.owner)),
                a.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
                a.status.as_str().replace('_', " ")
            );
        }
    }
    Ok(md)
}
