//! A completed risk acceptance, recorded in the risk itself: the `acceptance` of
//! `risks/R-013.md` names the sign-off, who accepted, when, and the levels that were
//! accepted. The acceptance's signed merge writes it; `isms signoff record` writes it
//! after a merge made on a forge; verification checks that every such record agrees
//! with its sign-off. One function builds the record and one writes it, for all three.

use crate::domain::{Acceptance, MemoStatus, Risk};
use crate::format;
use crate::{Error, Result};

/// The key whose presence in a risk file marks a recorded sign-off (verification
/// reads only the risk files that have it).
pub(crate) const SIGNOFF_KEY: &str = "signoff:";

/// The file of a risk.
pub fn risk_path(risk: &str) -> String {
    format!("{}/{risk}.md", crate::RecordKind::Risk.folder())
}

/// Whether `text` can be a record id (and so a file name under its folder): letters,
/// digits, dots, dashes and underscores, not starting with a dot.
pub fn is_record_id(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('.')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !text.contains("..")
}

/// The acceptance that sign-off `id` records: signed, by the role of its last step,
/// on the date of the commit that completed it, for the levels the risk had at the
/// request's source commit.
pub fn record_for(
    id: &str,
    role: &str,
    (seconds, offset): (i64, i32),
    at_source: &Risk,
) -> Acceptance {
    Acceptance {
        memo: MemoStatus::Signed,
        accepted_by: role.to_string(),
        accepted_on: crate::git::verify::local_day(seconds, offset),
        reaffirmed: Vec::new(),
        signoff: Some(id.to_string()),
        as_scored: Some(at_source.as_scored()),
    }
}

/// The risk file `before` with its `acceptance` replaced by `acceptance`; every other
/// line kept as written.
pub fn recorded(
    path: &str,
    risk_id: &str,
    before: &str,
    acceptance: &Acceptance,
) -> Result<String> {
    let parsed =
        format::parse_risk(path, risk_id, before).map_err(|mut e| Error::Invalid(e.remove(0)))?;
    let old = format::emit_risk(&parsed.record);
    let mut risk = parsed.record.clone();
    risk.acceptance = Some(acceptance.clone());
    let new = format::emit_risk(&risk);
    Ok(format::write_record(
        &new,
        &parsed.source.body,
        Some((&parsed.source, &old)),
    ))
}

/// The acceptance a completed request records: the role of its last step, the date
/// of the commit that completed it (the merge, or the last step when it was
/// fast-forwarded), the levels at its source.
pub fn of_request(
    repo: &git2::Repository,
    request: &super::RequestVerification,
) -> Result<Acceptance> {
    let risk = request
        .subject
        .as_deref()
        .ok_or_else(|| Error::Signoff(format!("{} names no risk", request.id)))?;
    let at_source = risk_at(repo, &request.source, &risk_path(risk))?.ok_or_else(|| {
        Error::Signoff(format!(
            "{risk} does not load at {}'s source commit {}",
            request.id, request.source
        ))
    })?;
    let last = request
        .steps
        .last()
        .ok_or_else(|| Error::Signoff(format!("{} has no steps", request.id)))?;
    let completed = match (&request.merge, &last.state) {
        (Some(merge), _) => merge.clone(),
        (None, super::StepState::Done { commit, .. }) => commit.clone(),
        (None, super::StepState::Pending) => {
            return Err(Error::Signoff(format!("{} is not complete", request.id)))
        }
    };
    let when = repo
        .find_commit(git2::Oid::from_str(&completed)?)?
        .committer()
        .when();
    Ok(record_for(
        &request.id,
        &last.role,
        (when.seconds(), when.offset_minutes()),
        &at_source,
    ))
}

/// A risk as it was at a commit, when it is there and loads.
pub fn risk_at(repo: &git2::Repository, rev: &str, path: &str) -> Result<Option<Risk>> {
    let Ok(oid) = git2::Oid::from_str(rev) else {
        return Ok(None);
    };
    let Ok(commit) = repo.find_commit(oid) else {
        return Ok(None);
    };
    let Ok(entry) = commit.tree()?.get_path(std::path::Path::new(path)) else {
        return Ok(None);
    };
    let blob = crate::git::read_checked(repo, entry.id(), git2::ObjectType::Blob)?;
    let Ok(text) = std::str::from_utf8(&blob) else {
        return Ok(None);
    };
    let stem = path
        .rsplit('/')
        .next()
        .and_then(|n| n.strip_suffix(".md"))
        .unwrap_or_default();
    Ok(format::parse_risk(path, stem, text).ok().map(|p| p.record))
}

/// How a recorded acceptance differs from the one its sign-off records, in words;
/// `None` when they agree (re-affirmation dates aside, which the ISM adds later).
pub fn differences(expected: &Acceptance, found: &Acceptance) -> Option<String> {
    let mut out = Vec::new();
    if found.memo != expected.memo {
        out.push(format!("memo is {} (signed)", found.memo.as_str()));
    }
    if found.accepted_by != expected.accepted_by {
        out.push(format!(
            "accepted_by is {} where the sign-off's last step is {}",
            found.accepted_by, expected.accepted_by
        ));
    }
    if found.accepted_on != expected.accepted_on {
        out.push(format!(
            "accepted_on is {} where the sign-off completed on {}",
            found
                .accepted_on
                .map_or("missing".into(), |d| d.to_string()),
            expected.accepted_on.map_or("?".into(), |d| d.to_string())
        ));
    }
    let (e, f) = (
        expected.as_scored.unwrap_or_default(),
        found.as_scored.unwrap_or_default(),
    );
    let changed = e.changes_to(&f);
    if !changed.is_empty() {
        out.push(format!(
            "as_scored differs from the levels that were signed ({})",
            changed.join(", ")
        ));
    }
    (!out.is_empty()).then(|| out.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_ids_are_file_names_that_stay_in_risks() {
        assert!(is_record_id("R-013"));
        assert!(!is_record_id("../soa"));
        assert!(!is_record_id("a/b"));
        assert!(!is_record_id(".hidden"));
        assert!(!is_record_id(""));
    }
}
