//! The confidential risk register for auditors: every risk, whatever its status, with
//! every field and every section.

use serde::Serialize;

use super::risk::RiskView;

/// What the register's template reads besides document control.
#[derive(Serialize)]
pub(super) struct Context<'a> {
    summary: Vec<SummaryRow<'a>>,
    risks: &'a [RiskView],
    methodology_version: &'a str,
}

#[derive(Serialize)]
struct SummaryRow<'a> {
    id: &'a str,
    title: &'a str,
    status: &'a str,
    score: Option<u8>,
    band: &'a str,
    residual_score: Option<u8>,
    owner: &'a str,
}

pub(super) fn context<'a>(views: &'a [RiskView], methodology_version: &'a str) -> Context<'a> {
    Context {
        summary: views
            .iter()
            .map(|v| SummaryRow {
                id: &v.id,
                title: &v.title,
                status: &v.status,
                score: v.score,
                band: &v.band,
                residual_score: v.residual_score,
                owner: &v.owner,
            })
            .collect(),
        risks: views,
        methodology_version,
    }
}
