//! Report markdown from the templates in `templates/reports/`, compiled into the
//! binary so every copy of the tool renders the same report from the same commit.
//!
//! Values from records are escaped where markdown would read them as syntax: table
//! cells by `cell`, running text by `inline`. Record narrative (a risk's Description,
//! say) is markdown by design and goes in as it is; the HTML and PDF renderers never
//! pass raw HTML through.

use minijinja::{Environment, Value};

use super::ReportKind;
use crate::{Error, Result};

macro_rules! template {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../templates/reports/",
                $name
            )),
        )
    };
}

const TEMPLATES: [(&str, &str); 11] = [
    template!("document-control.md.j2"),
    template!("signoff-table.md.j2"),
    template!("governance.md.j2"),
    template!("methodology.md.j2"),
    template!("risk-acceptance.md.j2"),
    template!("controlled-document.md.j2"),
    template!("audit-report.md.j2"),
    template!("risk-assessment.md.j2"),
    template!("soa.md.j2"),
    template!("treatment-plan.md.j2"),
    template!("register.md.j2"),
];

/// The line of the document-control table that names the source commit; the next
/// report of the same kind reads it back to say what changed since.
pub(crate) const SOURCE_COMMIT_ROW: &str = "| Source commit |";

fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|e| Error::Template(e.to_string()))?,
    );
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_filter("cell", |v: Value| cell(&text_of(&v)));
    env.add_filter("inline", |v: Value| inline(&text_of(&v)));
    env.add_filter("or_dash", |v: Value| {
        let t = text_of(&v);
        if t.trim().is_empty() {
            "—".to_string()
        } else {
            t
        }
    });
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| Error::Template(format!("{name}: {e}")))?;
    }
    Ok(env)
}

fn text_of(v: &Value) -> String {
    if v.is_none() || v.is_undefined() {
        String::new()
    } else {
        v.to_string()
    }
}

/// Escapes the characters markdown reads as inline syntax.
pub(crate) fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A value fit for one table cell: inline-escaped, on one line.
pub(crate) fn cell(text: &str) -> String {
    inline(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Renders report `kind` from its context.
pub(crate) fn render(kind: ReportKind, context: &impl serde::Serialize) -> Result<String> {
    render_named(&format!("{}.md.j2", kind.as_str()), context)
}

/// Renders the template `name` (in `templates/reports/`) from its context.
pub(crate) fn render_named(name: &str, context: &impl serde::Serialize) -> Result<String> {
    let env = environment()?;
    let template = env
        .get_template(name)
        .map_err(|e| Error::Template(e.to_string()))?;
    let text = template
        .render(Value::from(minijinja::value::Serde(context)))
        .map_err(|e| Error::Template(format!("{name}: {e:#}")))?;
    Ok(tidy(&text))
}

/// At most one blank line in a row, and one newline at the end: templates stay
/// readable without their whitespace showing up in the signed file.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    let trimmed = out.trim();
    format!("{trimmed}\n")
}

/// The source commit a rendered report names in its document control.
pub(crate) fn source_commit_of(markdown: &str) -> Option<String> {
    markdown
        .lines()
        .find_map(|l| l.strip_prefix(SOURCE_COMMIT_ROW))
        .map(|rest| {
            rest.chars()
                .filter(|c| c.is_ascii_hexdigit())
                .collect::<String>()
        })
        .filter(|id| id.len() == 40)
}

/// The line of the document-control table that names the tool that rendered it.
const PRODUCED_BY_ROW: &str = "| Produced by |";

/// The tool and version a report says rendered it ("ISMS Desk 0.1.0"), read back
/// from its document-control table.
pub(crate) fn produced_by(markdown: &str) -> Option<String> {
    markdown
        .lines()
        .find_map(|l| l.strip_prefix(PRODUCED_BY_ROW))
        .map(|rest| rest.trim().trim_end_matches('|').trim().replace("\\", ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_markup_and_stay_on_one_line() {
        assert_eq!(cell("a | b\nc *d*"), "a \\| b c \\*d\\*");
        assert_eq!(inline("<script>"), "\\<script\\>");
    }

    #[test]
    fn the_source_commit_is_read_back_from_document_control() {
        let id = "0123456789abcdef0123456789abcdef01234567";
        let md = format!("# T\n\n| Item | Value |\n|---|---|\n| Source commit | `{id}` |\n");
        assert_eq!(source_commit_of(&md).as_deref(), Some(id));
        assert_eq!(source_commit_of("| Source commit | `abc` |"), None);
    }

    #[test]
    fn every_template_compiles() {
        environment().expect("the shipped templates compile");
    }
}
