//! `isms export` and `isms import`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use isms_core::tabular::import::{
    problems_csv, problems_json, DateOrder, ImportKind, ImportOptions, ImportPlan,
    ImportProblemCode, Mapping,
};

use crate::terminal::safe;
use crate::{print_json, usage, Ctx, Failure};

/// `isms export`
pub fn export(c: &Ctx, rev: &str, output: &Path) -> Result<ExitCode, Failure> {
    let book = c.isms()?.export_workbook(rev)?;
    isms_core::fsio::write_atomic(output, &book.bytes)?;
    if c.json {
        print_json(&serde_json::json!({ "commit": book.commit, "file": output }));
    } else {
        println!(
            "Exported commit {} to {}.",
            &book.commit[..7],
            output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The options of `isms import`.
pub struct ImportArgs {
    pub sheet: Option<String>,
    pub kind: Option<String>,
    pub date_order: Option<String>,
    pub mapping: Option<PathBuf>,
    pub apply: Option<String>,
    pub skip_invalid: bool,
    pub errors: Option<PathBuf>,
    pub save_mapping: Option<PathBuf>,
}

/// `isms import`
pub fn import(c: &Ctx, file: &Path, args: ImportArgs) -> Result<ExitCode, Failure> {
    let isms = c.isms()?;
    let bytes = std::fs::read(file).map_err(|e| usage(format!("{}: {e}", file.display())))?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let kind = match args.kind.as_deref() {
        None => None,
        Some("risks") => Some(ImportKind::Risks),
        Some("soa") => Some(ImportKind::Soa),
        Some("treatments") => Some(ImportKind::Treatments),
        Some(other) => {
            return Err(usage(format!(
                "--kind: `{other}` is not risks, soa or treatments"
            )))
        }
    };
    let date_order = match args.date_order.as_deref() {
        None => None,
        Some("day-month") => Some(DateOrder::DayMonth),
        Some("month-day") => Some(DateOrder::MonthDay),
        Some(other) => {
            return Err(usage(format!(
                "--date-order: `{other}` is not day-month or month-day"
            )))
        }
    };
    let mapping: Mapping = match &args.mapping {
        None => Mapping::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("{}: {e}", path.display())))?;
            Mapping::from_json(&path.display().to_string(), &text)?
        }
    };
    let options = ImportOptions {
        sheet: args.sheet,
        kind,
        date_order,
        mapping,
        skip_invalid: args.skip_invalid,
    };
    let plan = match &args.apply {
        None => isms.import_plan(&name, &bytes, &options)?,
        Some(fingerprint) => isms.import_apply(&name, &bytes, &options, fingerprint)?,
    };
    if let Some(path) = &args.errors {
        let text = if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            problems_json(&plan)
        } else {
            problems_csv(&plan)
        };
        isms_core::fsio::write_atomic(path, text.as_bytes())?;
    }
    if let Some(path) = &args.save_mapping {
        isms_core::fsio::write_atomic(path, plan.mapping().to_json().as_bytes())?;
    }
    if c.json {
        print_json(&plan);
    } else {
        print_plan(&plan, args.apply.is_none());
    }
    Ok(if plan.rejected.is_empty() || plan.applied {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_plan(plan: &ImportPlan, dry_run: bool) {
    println!(
        "{}: sheet {}, header on row {}, read as {}.",
        safe(&plan.file),
        safe(&plan.sheet),
        plan.header_row,
        match plan.kind {
            ImportKind::Risks => "a risk register",
            ImportKind::Soa => "an SoA",
            ImportKind::Treatments => "treatments with their actions",
        }
    );
    for col in &plan.columns {
        println!(
            "  column {} {:?} → {}",
            col.column,
            safe(&col.header),
            col.field.as_deref().unwrap_or("(left out)")
        );
    }
    if !plan.mapped_values.is_empty() {
        println!("Values mapped:");
        for v in &plan.mapped_values {
            println!("  {}: {:?} → {}", v.field, safe(&v.from), v.to);
        }
    }
    for (id, title) in &plan.roles_to_add {
        println!("Role to add to isms.yaml: {id} ({})", safe(title));
    }
    for r in &plan.create {
        println!("create {} (row {}) {}", r.id, r.row, safe(&r.title));
    }
    for r in &plan.update {
        println!("update {} (row {})", r.id, r.row);
        for f in &r.fields {
            println!("    {}: {:?} → {:?}", f.field, safe(&f.old), safe(&f.new));
        }
    }
    for r in &plan.rejected {
        for p in &r.problems {
            println!(
                "reject row {}: {} {}: found {:?}, expected {}",
                r.row,
                p.cell,
                p.field,
                safe(&p.found),
                safe(&p.expected)
            );
        }
    }
    for n in &plan.notes {
        if n.code == ImportProblemCode::Hidden {
            println!(
                "note {} {:?}: {}",
                n.cell,
                safe(&n.found),
                safe(&n.expected)
            );
            continue;
        }
        println!(
            "note {} {}: the file says {:?}; ISMS Desk: {}",
            n.cell,
            n.field,
            safe(&n.found),
            safe(&n.expected)
        );
    }
    let (added, removed): (u32, u32) = plan
        .diff_stat
        .iter()
        .fold((0, 0), |(a, r), f| (a + f.added, r + f.removed));
    println!(
        "{} to create, {} to update, {} unchanged, {} rejected; {} files changed, {added} insertions(+), {removed} deletions(-).",
        plan.create.len(),
        plan.update.len(),
        plan.unchanged.len(),
        plan.rejected.len(),
        plan.diff_stat.len()
    );
    if plan.applied {
        println!("Written. Review with `isms diff HEAD` and commit with `isms commit -m …`.");
    } else if dry_run {
        if plan.rejected.is_empty() {
            println!(
                "Nothing written (a dry run). To write exactly this: isms import {} --apply {}",
                safe(&plan.file),
                plan.fingerprint
            );
        } else {
            println!("Nothing written (a dry run). Correct the rejected rows, or write the others: isms import {} --apply {} --skip-invalid", safe(&plan.file), plan.fingerprint);
        }
    }
}
