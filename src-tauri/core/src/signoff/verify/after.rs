//! After landing: a signed document stays what was signed until a newer sign-off of
//! it lands, and a risk's `acceptance` record agrees with its signed acceptance.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::request::{mode_text, REGULAR_FILE};
use super::walk::Walker;
use super::{short, Problem, ProblemCode, RequestState};
use crate::domain::Risk;
use crate::signoff::acceptance::risk_at;
use crate::signoff::{acceptance, SignoffKind};
use crate::Result;

impl Walker<'_> {
    /// For each document that a completed request signed: the sign-offs of it follow
    /// one another (each rendered from a descendant of the one before), and the
    /// branch's tip holds exactly the newest signed version, as a regular file.
    /// Documents under `reports/` that no sign-off signed are named too: nobody should
    /// take them for signed.
    pub(super) fn signed_documents(&mut self) -> Result<()> {
        let mut by_path: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, r) in self.requests().iter().enumerate() {
            if r.is_landed() && r.state == RequestState::Complete {
                by_path.entry(r.report.clone()).or_default().push(i);
            }
        }
        let tree = self.repo.find_commit(self.history.tip)?.tree()?;
        let mut signed_paths = BTreeSet::new();
        for (path, mut indices) in by_path {
            signed_paths.insert(path.clone());
            indices.sort_by_key(|i| {
                git2::Oid::from_str(&self.requests()[*i].source)
                    .ok()
                    .and_then(|o| self.history.position.get(&o).copied())
            });
            self.in_succession(&indices)?;
            let newest = self.requests()[*indices.last().expect("a path has a request")].clone();
            let now = tree
                .get_path(Path::new(&path))
                .ok()
                .map(|e| (e.filemode(), e.id().to_string()));
            if now == Some((REGULAR_FILE, newest.report_blob.clone())) {
                continue;
            }
            let culprit = self.culprit(&path)?;
            let by = culprit.text();
            let older = indices[..indices.len() - 1]
                .iter()
                .map(|i| &self.requests()[*i])
                .find(|r| now.as_ref().is_some_and(|n| n.1 == r.report_blob))
                .cloned();
            let kind = newest.kind.clone();
            let problem = match (&now, older) {
                (None, _) => Problem::new(
                    ProblemCode::DeletedAfterSignoff,
                    format!(
                        "{path} was deleted after it was signed off in {}{by}; the signed version is blob {}",
                        newest.id,
                        short(&newest.report_blob)
                    ),
                ),
                (Some(_), Some(old)) => Problem::new(
                    ProblemCode::SourceNotNewer,
                    format!(
                        "{path} was rolled back{by} to the version signed in {} (rendered from {}), although {} signed a later version (rendered from {}); an old approval cannot replace a newer one",
                        old.id,
                        short(&old.source),
                        newest.id,
                        short(&newest.source)
                    ),
                ),
                (Some((mode, _)), None) if *mode != REGULAR_FILE => Problem::new(
                    ProblemCode::ChangedAfterSignoff,
                    format!(
                        "{path} was changed after it was signed off in {}{by}: it is now {}; the signed version is blob {} as a regular file",
                        newest.id,
                        mode_text(*mode),
                        short(&newest.report_blob)
                    ),
                ),
                (Some(_), None) => Problem::new(
                    ProblemCode::ChangedAfterSignoff,
                    format!(
                        "{path} was changed after it was signed off in {}{by}; the signed version is blob {}",
                        newest.id,
                        short(&newest.report_blob)
                    ),
                ),
            };
            let remedy = match culprit.line {
                Some(c) => format!(
                    "Revert commit {} (`git revert {}`), or put the new version up for sign-off (`isms signoff start {kind}`).",
                    short(&c.to_string()),
                    short(&c.to_string())
                ),
                None => format!("Put the document up for sign-off again (`isms signoff start {kind}`)."),
            };
            let mut problem = problem.of(&newest.id).remedy(remedy);
            if let Some(c) = culprit.made_by.or(culprit.line) {
                problem = problem.at(c);
            }
            self.problems.push(problem);
        }
        self.unsigned_documents(&tree, &signed_paths)
    }

    /// Each sign-off of a document is rendered from a descendant of the previous
    /// one's source; two rendered from unrelated commits leave it open which is newer.
    fn in_succession(&mut self, indices: &[usize]) -> Result<()> {
        for pair in indices.windows(2) {
            let (a, b) = (&self.requests()[pair[0]], &self.requests()[pair[1]]);
            let (Ok(sa), Ok(sb)) = (
                git2::Oid::from_str(&a.source),
                git2::Oid::from_str(&b.source),
            ) else {
                continue;
            };
            if sa == sb || self.repo.graph_descendant_of(sb, sa)? {
                continue;
            }
            let problem = Problem::new(
                ProblemCode::SourceNotNewer,
                format!(
                    "{} was signed off in {} (rendered from {}) and in {} (rendered from {}), but neither source descends from the other, so neither sign-off supersedes the other",
                    b.report,
                    a.id,
                    short(&a.source),
                    b.id,
                    short(&b.source)
                ),
            )
            .of(&b.id.clone())
            .remedy("Put the document up for sign-off again from the current branch tip.");
            self.problems.push(problem);
        }
        Ok(())
    }

    /// Documents under `reports/` at the tip that are no sign-off's signed version.
    fn unsigned_documents(&mut self, tree: &git2::Tree, signed: &BTreeSet<String>) -> Result<()> {
        let Ok(entry) = tree.get_path(Path::new(crate::report::REPORTS_FOLDER)) else {
            return Ok(());
        };
        let Ok(folder) = self.repo.find_tree(entry.id()) else {
            return Ok(());
        };
        let mut paths = Vec::new();
        folder.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
            if e.kind() == Some(git2::ObjectType::Blob) {
                if let Ok(name) = e.name() {
                    paths.push(format!("{}/{dir}{name}", crate::report::REPORTS_FOLDER));
                }
            }
            git2::TreeWalkResult::Ok
        })?;
        for path in paths.into_iter().filter(|p| !signed.contains(p)) {
            self.warnings.push(
                Problem::new(
                    ProblemCode::UnsignedDocument,
                    format!(
                        "{path} is on {} but no sign-off of it verifies: it is not a signed document, whatever it says",
                        self.history.branch
                    ),
                )
                .remedy("Put it up for sign-off (`isms signoff start`), or remove it."),
            );
        }
        Ok(())
    }

    /// Who gave `path` its content at the tip: the commit on the branch's
    /// first-parent line that changed it, and — when that is a merge that took it from
    /// another parent — the commit on that side that made the change (unless it is a
    /// sign-off step, which only ever adds a document).
    pub(super) fn culprit(&self, path: &str) -> Result<Culprit> {
        let entry = |oid: git2::Oid| -> Result<Option<(i32, git2::Oid)>> {
            let tree = self.repo.find_commit(oid)?.tree()?;
            Ok(tree
                .get_path(Path::new(path))
                .ok()
                .map(|e| (e.filemode(), e.id())))
        };
        // The newest commit of a first-parent line from `from` that changed the entry.
        let changed_on_line = |from: git2::Oid| -> Result<Option<git2::Oid>> {
            let mut at = Some(from);
            while let Some(oid) = at {
                let now = entry(oid)?;
                let parent = self.history.node(oid).parents.first().copied();
                let before = match parent {
                    Some(p) => entry(p)?,
                    None => None,
                };
                if now != before {
                    return Ok(Some(oid));
                }
                at = parent;
            }
            Ok(None)
        };
        let Some(line) = changed_on_line(self.history.tip)? else {
            return Ok(Culprit::default());
        };
        let now = entry(line)?;
        let mut made_by = None;
        for p in self.history.node(line).parents.iter().skip(1) {
            if entry(*p)? == now {
                made_by = changed_on_line(*p)?.filter(|c| !self.history.marked.contains_key(c));
                break;
            }
        }
        Ok(Culprit {
            line: Some(line),
            made_by,
        })
    }

    /// Completed risk acceptances: stale once the risk is rescored; recorded in the
    /// risk's `acceptance`; and every record that names a sign-off agrees with it.
    pub(super) fn acceptances(&mut self) -> Result<()> {
        let mut latest: BTreeMap<String, usize> = BTreeMap::new();
        for (i, r) in self.requests().iter().enumerate() {
            if r.kind == SignoffKind::RiskAcceptance.as_str()
                && r.state == RequestState::Complete
                && r.is_landed()
            {
                if let Some(subject) = &r.subject {
                    latest.insert(subject.clone(), i);
                }
            }
        }
        let tip = self.history.tip.to_string();
        for (risk, i) in &latest {
            let request = self.requests()[*i].clone();
            let path = acceptance::risk_path(risk);
            let then = risk_at(self.repo, &request.source, &path)?;
            let now = risk_at(self.repo, &tip, &path)?;
            let mut notes = Vec::new();
            match (&then, &now) {
                (Some(then), Some(now)) => {
                    let changed = then.as_scored().changes_to(&now.as_scored());
                    if !changed.is_empty() {
                        notes.push(
                            Problem::new(
                                ProblemCode::AcceptanceStale,
                                format!(
                                    "stale: {risk} changed since it was accepted ({}); the acceptance no longer covers it",
                                    changed.join(", ")
                                ),
                            )
                            .of(&request.id)
                            .remedy(format!(
                                "Put its acceptance up for sign-off again (`isms signoff start risk-acceptance {risk}`)."
                            )),
                        );
                    }
                    if now.acceptance.as_ref().and_then(|a| a.signoff.as_deref())
                        != Some(request.id.as_str())
                    {
                        notes.push(
                            Problem::new(
                                ProblemCode::AcceptanceNotRecorded,
                                format!(
                                    "{risk}'s acceptance record does not name the completed sign-off {} yet (it was merged on a forge, or the record was edited since)",
                                    request.id
                                ),
                            )
                            .of(&request.id)
                            .remedy(format!(
                                "Record it: `isms signoff record {}`, then commit.",
                                request.id
                            )),
                        );
                    }
                }
                (Some(_), None) => notes.push(
                    Problem::new(
                        ProblemCode::AcceptanceStale,
                        format!("stale: {risk} no longer exists or does not load"),
                    )
                    .of(&request.id),
                ),
                _ => {}
            }
            self.requests_mut()[*i].warnings.extend(notes);
        }
        self.acceptance_records()
    }

    /// Every risk whose `acceptance` names a sign-off: that sign-off is a completed
    /// acceptance of this risk, and the record says what it signed.
    fn acceptance_records(&mut self) -> Result<()> {
        let tree = self.repo.find_commit(self.history.tip)?.tree()?;
        let Ok(entry) = tree.get_path(Path::new(crate::RecordKind::Risk.folder())) else {
            return Ok(());
        };
        let folder = self.repo.find_tree(entry.id())?;
        let tip = self.history.tip.to_string();
        for e in folder.iter() {
            let Ok(name) = e.name().map(str::to_string) else {
                continue;
            };
            let Ok(blob) = self.repo.find_blob(e.id()) else {
                continue;
            };
            if !blob
                .content()
                .windows(acceptance::SIGNOFF_KEY.len())
                .any(|w| w == acceptance::SIGNOFF_KEY.as_bytes())
            {
                continue;
            }
            let path = format!("{}/{name}", crate::RecordKind::Risk.folder());
            let Some(risk) = risk_at(self.repo, &tip, &path)? else {
                continue;
            };
            let Some(claimed) = risk.acceptance.as_ref().and_then(|a| a.signoff.clone()) else {
                continue;
            };
            if let Some(why) = self.acceptance_disagrees(&risk, &claimed)? {
                let culprit = self.culprit(&path)?;
                let mut problem = Problem::new(
                    ProblemCode::AcceptanceMismatch,
                    format!("{path}: acceptance.signoff names {claimed}, but {why}"),
                )
                .of(&claimed)
                .remedy("Correct the record (`isms signoff record <id>` writes it from the sign-off), or put the acceptance up for sign-off.");
                if let Some(c) = culprit.made_by.or(culprit.line) {
                    problem = problem.at(c);
                }
                self.problems.push(problem);
            }
        }
        Ok(())
    }

    /// Why a risk's acceptance record does not agree with sign-off `claimed`, if it
    /// does not.
    fn acceptance_disagrees(&self, risk: &Risk, claimed: &str) -> Result<Option<String>> {
        let Some(request) = self
            .requests()
            .iter()
            .find(|r| r.id == claimed && r.is_landed())
            .cloned()
        else {
            return Ok(Some(format!(
                "no sign-off {claimed} reached {}",
                self.history.branch
            )));
        };
        if request.kind != SignoffKind::RiskAcceptance.as_str()
            || request.subject.as_deref() != Some(risk.id.as_str())
        {
            return Ok(Some(format!(
                "{claimed} is not an acceptance of {} ({} of {})",
                risk.id,
                request.kind,
                request.subject.as_deref().unwrap_or("no risk")
            )));
        }
        if request.state != RequestState::Complete {
            return Ok(Some(format!("{claimed} does not verify")));
        }
        let expected = match acceptance::of_request(self.repo, &request) {
            Ok(e) => e,
            Err(e) => return Ok(Some(e.to_string())),
        };
        Ok(match &risk.acceptance {
            Some(found) => acceptance::differences(&expected, found),
            None => Some("the risk has no acceptance record".into()),
        })
    }
}

/// Who changed a file on the branch (see [`Walker::culprit`]).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Culprit {
    /// The commit of the branch's first-parent line that changed it.
    pub line: Option<git2::Oid>,
    /// When `line` merged the change in: the commit that made it.
    pub made_by: Option<git2::Oid>,
}

impl Culprit {
    /// " (by commit X, merged by Y)", " (by commit X)", or nothing.
    pub fn text(&self) -> String {
        match (self.made_by, self.line) {
            (Some(made), Some(line)) => format!(
                " (by commit {}, merged by {})",
                short(&made.to_string()),
                short(&line.to_string())
            ),
            (None, Some(line)) => format!(" (by commit {})", short(&line.to_string())),
            _ => String::new(),
        }
    }
}
