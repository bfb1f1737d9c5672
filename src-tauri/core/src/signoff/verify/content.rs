//! Is the signed document what its source commit renders? Rendering is deterministic,
//! so a report that says "rendered from commit X by ISMS Desk" can be rendered again
//! from X and compared. A difference means the document was edited by hand before it
//! was signed: the signers approved text that the register does not say.

use super::walk::Walker;
use super::{short, Problem, ProblemCode, RequestState, RequestVerification};
use crate::report::documents::{self, DocumentSource};
use crate::signoff::{acceptance, SignoffKind};
use crate::Result;

/// How many differing lines a message quotes.
const QUOTED_LINES: usize = 4;

impl Walker<'_> {
    /// Renders each signed report and risk acceptance again at its source commit and
    /// compares. A difference is a warning, or a failure under `--strict`; when the
    /// document was rendered by another version of ISMS Desk the comparison is
    /// reported but never fails.
    pub(super) fn compare_contents(&mut self) -> Result<()> {
        for i in 0..self.requests().len() {
            let request = self.requests()[i].clone();
            if request.state == RequestState::Failed {
                continue;
            }
            let Some(kind) = SignoffKind::parse(&request.kind) else {
                continue;
            };
            let Some(signed) = self.signed_text(&request)? else {
                continue;
            };
            let rendered = match self.render_again(kind, &request) {
                Ok(Some(text)) => text,
                Ok(None) => continue,
                Err(e) => {
                    self.requests_mut()[i].warnings.push(
                        Problem::new(
                            ProblemCode::HandEdited,
                            format!(
                                "{} could not be rendered again from its source commit {} to compare it with what was signed: {e}",
                                request.report,
                                short(&request.source)
                            ),
                        )
                        .of(&request.id),
                    );
                    continue;
                }
            };
            if rendered == signed {
                continue;
            }
            let tool = crate::report::tool();
            let by = crate::report::markdown::produced_by(&signed);
            let same_tool = by.as_deref().is_none_or(|b| b == tool);
            let lines = differing_lines(&signed, &rendered);
            let message = if same_tool {
                format!(
                    "{} as signed in {} differs from what its source commit {} renders ({}): it was edited by hand before it was signed, so the signers approved text the records do not say",
                    request.report,
                    request.id,
                    short(&request.source),
                    lines
                )
            } else {
                format!(
                    "{} as signed in {} was rendered by {}, and this is {}: a fresh render from {} differs ({}), which may come from the other version rather than a hand edit",
                    request.report,
                    request.id,
                    by.unwrap_or_default(),
                    tool,
                    short(&request.source),
                    lines
                )
            };
            let problem = Problem::new(ProblemCode::HandEdited, message)
                .of(&request.id)
                .remedy(format!(
                    "Compare it with `isms report {} --rev {}`; to sign what the records say, start a new request.",
                    request.kind,
                    short(&request.source)
                ));
            if self.options.strict && same_tool {
                self.requests_mut()[i].problems.push(problem);
                self.requests_mut()[i].state = RequestState::Failed;
            } else {
                self.requests_mut()[i].warnings.push(problem);
            }
        }
        Ok(())
    }

    fn signed_text(&self, request: &RequestVerification) -> Result<Option<String>> {
        let Ok(oid) = git2::Oid::from_str(&request.report_blob) else {
            return Ok(None);
        };
        let blob = crate::git::read_checked(self.repo, oid, git2::ObjectType::Blob)?;
        Ok(String::from_utf8(blob).ok())
    }

    /// The document of `request` rendered again at its source, when its kind is one
    /// that is rendered (governance is compared exactly while the request is checked).
    fn render_again(
        &self,
        kind: SignoffKind,
        request: &RequestVerification,
    ) -> Result<Option<String>> {
        let source = git2::Oid::from_str(&request.source)?;
        if let Some(report) = kind.report() {
            let report = crate::report::render(self.repo, report, source)?;
            return Ok(Some(report.markdown));
        }
        if kind != SignoffKind::RiskAcceptance {
            return crate::signoff::rendered_document(
                self.repo,
                kind,
                request.subject.as_deref(),
                source,
            );
        }
        let Some(risk_id) = request.subject.as_deref() else {
            return Ok(None);
        };
        let config = super::config_at(self.repo, source)?
            .map_err(|e| crate::Error::Usage(format!("isms.yaml does not load: {e}")))?;
        let Some(risk) =
            acceptance::risk_at(self.repo, &request.source, &acceptance::risk_path(risk_id))?
        else {
            return Ok(None);
        };
        let when = self.repo.find_commit(source)?.committer().when();
        let text = documents::risk_acceptance(
            &config,
            &risk,
            &DocumentSource {
                commit: &request.source,
                time: (when.seconds(), when.offset_minutes()),
            },
        )?;
        Ok(Some(text))
    }
}

/// The lines that differ, quoted: "line 42: «…» where a fresh render has «…»; 3 lines differ".
fn differing_lines(signed: &str, rendered: &str) -> String {
    let diff = similar::TextDiff::from_lines(signed, rendered);
    let mut quoted = Vec::new();
    let mut count = 0;
    for group in diff.grouped_ops(0) {
        for op in group {
            if op.tag() == similar::DiffTag::Equal {
                continue;
            }
            let (old, new) = (op.old_range(), op.new_range());
            let signed_lines: Vec<&str> = signed.lines().skip(old.start).take(old.len()).collect();
            let rendered_lines: Vec<&str> =
                rendered.lines().skip(new.start).take(new.len()).collect();
            if signed_lines == rendered_lines {
                continue;
            }
            count += old.len().max(new.len());
            if quoted.len() < QUOTED_LINES {
                quoted.push(format!(
                    "line {}: «{}» where a fresh render has «{}»",
                    old.start + 1,
                    clip(&signed_lines.join(" ⏎ ")),
                    clip(&rendered_lines.join(" ⏎ "))
                ));
            }
        }
    }
    format!(
        "{}; {count} line{} differ{}",
        quoted.join("; "),
        if count == 1 { "" } else { "s" },
        if count == 1 { "s" } else { "" }
    )
}

fn clip(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}
