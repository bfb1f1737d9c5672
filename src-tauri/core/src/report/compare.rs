//! The year-over-year comparison as a document: "changes since the last risk
//! assessment", from a [`Comparison`] of two signed assessments. Markdown here; HTML
//! and PDF from it as for every report.

use std::fmt::Write as _;

use serde::Serialize;

use super::markdown::{cell, inline};
use crate::domain::compare::Comparison;
use crate::domain::compare::{CrossingCause, RatingKind};

/// One side of a comparison: the signed assessment it rests on.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignedAssessment {
    /// The sign-off request (`risk-assessment-2026-11-18`).
    pub signoff: String,
    /// The commit the signed report was rendered from.
    pub source: String,
    /// The commit at which the sign-off reached the branch.
    pub landed: String,
    /// The assessment's title and date, when the commit has an assessment record.
    pub assessment: Option<String>,
    /// Who signed, in order.
    pub signers: Vec<String>,
    /// The methodology version it was scored under.
    pub methodology: String,
}

/// The comparison of two signed assessments as markdown.
pub fn comparison_document(
    organisation: &str,
    then: &SignedAssessment,
    now: &SignedAssessment,
    c: &Comparison,
) -> String {
    let mut out = String::new();
    let label = |s: &SignedAssessment| {
        s.assessment
            .clone()
            .unwrap_or_else(|| format!("sign-off {}", s.signoff))
    };
    let _ = writeln!(
        out,
        "# Changes since the last risk assessment\n\n{}: {} → {}\n",
        inline(organisation),
        inline(&label(then)),
        inline(&label(now))
    );
    out.push_str("| | Earlier | Later |\n|---|---|---|\n");
    let _ = writeln!(out, "| Sign-off | {} | {} |", then.signoff, now.signoff);
    let _ = writeln!(
        out,
        "| Signed by | {} | {} |",
        cell(&then.signers.join(", ")),
        cell(&now.signers.join(", "))
    );
    let _ = writeln!(
        out,
        "| Rendered from commit | `{}` | `{}` |",
        crate::git::short_id(&then.source),
        crate::git::short_id(&now.source)
    );
    let _ = writeln!(
        out,
        "| Methodology | {} | {} |\n",
        cell(&then.methodology),
        cell(&now.methodology)
    );
    out.push_str("Both sign-offs were verified before this comparison was made.\n\n");
    if c.methodology_changes.is_empty() {
        out.push_str("The methodology is the same in both, so every figure compares directly.\n\n");
    } else {
        out.push_str(
            "> **Not directly comparable: the methodology changed.** Band crossings below say\n> whether the risk or the methodology moved them.\n>\n",
        );
        for change in &c.methodology_changes {
            let _ = writeln!(out, "> - {}", inline(change));
        }
        out.push('\n');
    }

    out.push_str("## Summary\n\n| Change | Count |\n|---|---|\n");
    for (what, n) in [
        ("New risks", c.new_risks.len()),
        ("Closed risks", c.closed.len()),
        ("Deferred since", c.deferred.len()),
        ("No longer deferred", c.undeferred.len()),
        (
            "Band crossings to a worse band",
            c.crossings.iter().filter(|x| x.worse).count(),
        ),
        (
            "Band crossings to a better band",
            c.crossings.iter().filter(|x| !x.worse).count(),
        ),
        ("Rescored risks", c.rescored.len()),
        ("Applicability changes", c.applicability.len()),
        ("Actions completed", c.actions_done.len()),
        ("Actions slipped", c.slipped.len()),
        ("Objectives met", c.objectives_met.len()),
    ] {
        let _ = writeln!(out, "| {what} | {n} |");
    }

    out.push_str("\n## Risks\n\n");
    for (what, list) in [
        ("New", &c.new_risks),
        ("Closed", &c.closed),
        ("Deferred since", &c.deferred),
        ("No longer deferred", &c.undeferred),
    ] {
        let names: Vec<String> = list
            .iter()
            .map(|r| format!("{} {}", r.id, inline(&r.title)))
            .collect();
        let _ = writeln!(
            out,
            "- **{what}:** {}",
            if names.is_empty() {
                "none".into()
            } else {
                names.join("; ")
            }
        );
    }

    out.push_str("\n## Band crossings\n\n");
    if c.crossings.is_empty() {
        out.push_str("No rating crossed a band edge.\n");
    } else {
        out.push_str(
            "| Risk | Rating | Earlier | Later | Direction | Due to |\n|---|---|---|---|---|---|\n",
        );
        for x in &c.crossings {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} ({}) | {} ({}) | {} | {} |",
                x.risk.id,
                cell(&x.risk.title),
                match x.rating {
                    RatingKind::Inherent => "inherent",
                    RatingKind::Residual => "residual",
                },
                cell(&x.from_band),
                x.from_score,
                cell(&x.to_band),
                x.to_score,
                if x.worse { "worse" } else { "better" },
                match x.cause {
                    CrossingCause::Risk => "the risk",
                    CrossingCause::Methodology => "the methodology",
                    CrossingCause::Both => "the risk and the methodology",
                }
            );
        }
    }

    out.push_str("\n## Rescored risks\n\n");
    if c.rescored.is_empty() {
        out.push_str("No risk was rescored.\n");
    } else {
        out.push_str("| Risk | Inherent | Residual | Why (from the commits in between) |\n|---|---|---|---|\n");
        for r in &c.rescored {
            let _ = writeln!(
                out,
                "| {} {} | {} → {} | {} → {} | {} |",
                r.risk.id,
                cell(&r.risk.title),
                r.inherent.0,
                r.inherent.1,
                r.residual.0,
                r.residual.1,
                if r.reasons.is_empty() {
                    "no commit in between says".to_string()
                } else {
                    r.reasons
                        .iter()
                        .map(|s| cell(s))
                        .collect::<Vec<_>>()
                        .join("; ")
                }
            );
        }
    }

    out.push_str("\n## Statement of Applicability\n\n");
    if c.applicability.is_empty() {
        out.push_str("No control changed applicability.\n");
    } else {
        out.push_str(
            "| Control | Now | Earlier | Why earlier | Why now |\n|---|---|---|---|---|\n",
        );
        for f in &c.applicability {
            let word = |applicable: bool| if applicable { "applicable" } else { "excluded" };
            let _ = writeln!(
                out,
                "| {} {} | {} | {} | {} | {} |",
                f.control,
                cell(&f.title),
                word(f.now_applicable),
                word(!f.now_applicable),
                cell(&f.then_why),
                cell(&f.now_why)
            );
        }
    }

    out.push_str("\n## Treatments\n\n");
    let done: Vec<String> = c
        .actions_done
        .iter()
        .map(|a| format!("{} {} ({})", a.treatment, a.action, inline(&a.description)))
        .collect();
    let _ = writeln!(
        out,
        "- **Actions completed:** {}",
        if done.is_empty() {
            "none".into()
        } else {
            done.join("; ")
        }
    );
    let _ = writeln!(
        out,
        "- **Treatments with every action finished:** {}\n",
        if c.treatments_completed.is_empty() {
            "none".into()
        } else {
            c.treatments_completed.join(", ")
        }
    );
    if c.slipped.is_empty() {
        out.push_str("No action's due date moved later.\n");
    } else {
        out.push_str("| Action | What | Was due | Now due | Slipped by |\n|---|---|---|---|---|\n");
        for a in &c.slipped {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} | {} | {} days |",
                a.treatment,
                a.action,
                cell(&a.description),
                a.from_due.map(|d| d.to_string()).unwrap_or_default(),
                a.to_due.map(|d| d.to_string()).unwrap_or_default(),
                a.days.unwrap_or_default()
            );
        }
    }

    out.push_str("\n## Scope\n\n");
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter().map(|s| inline(s)).collect::<Vec<_>>().join(", ")
        }
    };
    let _ = writeln!(
        out,
        "- **Deferred domains now assessed:** {}\n- **Still deferred:** {}",
        list(&c.domains_covered),
        list(&c.domains_still_deferred)
    );

    out.push_str("\n## Objectives\n\n");
    if c.objectives_met.is_empty() && c.objectives_changed.is_empty() {
        out.push_str("No objective changed status.\n");
    } else {
        out.push_str("| Objective | Earlier | Now |\n|---|---|---|\n");
        for o in c.objectives_met.iter().chain(&c.objectives_changed) {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} |",
                o.id,
                cell(&o.title),
                o.then
                    .map_or_else(|| "not set".to_string(), |s| s.as_str().replace('_', " ")),
                o.now.as_str().replace('_', " ")
            );
        }
    }
    out
}
