//! Spreadsheets in and out (issue 19): the export read back by LibreOffice, an export
//! that imports as a no-op, an edited export that changes exactly the edited cells,
//! messy registers made by LibreOffice (a title row, formulas, merged cells, text
//! levels, job-title owners, Excel dates), every problem named by its cell, and an
//! apply that writes every file or none.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::Copy;

fn run(repo: &Path, args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = crate::support::isms_in(repo, args);
    (code, String::from_utf8_lossy(&out).into_owned(), err)
}

fn json(repo: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(repo, &all);
    let v = serde_json::from_str(&out).unwrap_or_else(|_| panic!("JSON from {args:?}: {out}{err}"));
    (code, v)
}

fn git(dir: &Path, args: &[&str]) -> String {
    crate::support::git_as_ism(dir, args, 1_778_580_000)
}

fn committed() -> Copy {
    let copy = Copy::new();
    crate::support::commit_all(copy.path(), "The ISMS", 1_778_580_000);
    copy
}

/// `soffice --headless --convert-to <to>` of `file` into `dir`, with an optional
/// filter for the input (`--infilter`) → the converted file.
fn soffice(file: &Path, to: &str, infilter: Option<&str>) -> PathBuf {
    let dir = file.parent().expect("a folder");
    let profile = dir.join("lo-profile");
    let mut c = Command::new("soffice");
    c.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.display()
    ))
    .args(["--headless", "--norestore"]);
    if let Some(f) = infilter {
        c.arg(format!("--infilter={f}"));
    }
    let out = c
        .args(["--convert-to", to, "--outdir"])
        .arg(dir)
        .arg(file)
        .output()
        .expect("LibreOffice (soffice) runs; scripts/setup.sh installs libreoffice-calc-nogui");
    let ext = to.split(':').next().expect("an extension");
    // One sheet of several is written as <stem>-<sheet>.<ext>.
    let stem = file
        .file_stem()
        .expect("a stem")
        .to_string_lossy()
        .into_owned();
    let made = std::fs::read_dir(dir)
        .expect("the folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            p.extension().is_some_and(|e| e == ext)
                && (name == format!("{stem}.{ext}") || name.starts_with(&format!("{stem}-")))
        });
    made.unwrap_or_else(|| {
        panic!(
            "soffice made no {stem}.{ext}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn an_export_is_the_same_bytes_for_the_same_commit_reads_back_in_libreoffice_and_reimports_as_a_no_op(
) {
    let copy = committed();
    let dir = tempfile::tempdir().expect("a folder");
    let (first, second) = (
        dir.path().join("register.xlsx"),
        dir.path().join("again.xlsx"),
    );
    for f in [&first, &second] {
        let (code, out, err) = run(copy.path(), &["export", "-o", f.to_str().expect("UTF-8")]);
        assert_eq!(code, 0, "{out}{err}");
    }
    assert_eq!(
        std::fs::read(&first).expect("one"),
        std::fs::read(&second).expect("two"),
        "the same commit gives the same bytes"
    );
    // LibreOffice reads the Risks sheet (the second) with the values ISMS Desk wrote.
    let csv = soffice(
        &first,
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2",
        None,
    );
    let text = std::fs::read_to_string(&csv).expect("a CSV");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("Id,Title,Domain,Status,Likelihood,Impact,Score,Band,"),
        "{}",
        lines[0]
    );
    let r001 = lines
        .iter()
        .find(|l| l.starts_with("R-001,"))
        .expect("R-001");
    assert!(
        r001.contains(",technical,active,3,5,15,Unacceptable,2,4,8,Manage,mitigate,sre-lead,"),
        "{r001}"
    );
    assert!(
        r001.contains("2026-11-30"),
        "the next review as a date: {r001}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("R-0")).count(),
        17,
        "a row per risk"
    );
    // The findings that prompted a risk have their column.
    assert!(
        lines[0].contains(",Related risks,Findings,Themes,"),
        "{}",
        lines[0]
    );
    let r008 = lines
        .iter()
        .find(|l| l.starts_with("R-008,"))
        .expect("R-008");
    assert!(r008.contains(",R-007,NC-002,"), "{r008}");
    // Imported again into the same repository, the export changes nothing.
    let (code, plan) = json(copy.path(), &["import", first.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{plan:#}");
    assert_eq!(
        plan["unchanged"].as_array().map(Vec::len),
        Some(17),
        "{plan:#}"
    );
    assert_eq!(plan["update"].as_array().map(Vec::len), Some(0));
    assert_eq!(plan["create"].as_array().map(Vec::len), Some(0));
    // The export converted by LibreOffice to CSV imports as a no-op too.
    let (code, plan) = json(copy.path(), &["import", csv.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{plan:#}");
    assert_eq!(
        plan["unchanged"].as_array().map(Vec::len),
        Some(17),
        "{plan:#}"
    );
}

#[test]
fn an_export_edited_in_a_spreadsheet_changes_exactly_the_edited_fields() {
    let copy = committed();
    let dir = tempfile::tempdir().expect("a folder");
    let book = dir.path().join("register.xlsx");
    run(
        copy.path(),
        &["export", "-o", book.to_str().expect("UTF-8")],
    );
    let csv = soffice(
        &book,
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2",
        None,
    );
    let text = std::fs::read_to_string(&csv).expect("a CSV");
    // R-004's likelihood 2 → 3 and its title, as someone would type them.
    let edited: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("R-004,") {
                l.replacen(
                    "Cross-tenant data exposure through the shared database",
                    "Cross-tenant data exposure via the shared database",
                    1,
                )
                .replacen(",technical,active,2,5,", ",technical,active,3,5,", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    let edited_file = dir.path().join("edited.csv");
    std::fs::write(&edited_file, edited.join("\n")).expect("writable");
    let (code, plan) = json(
        copy.path(),
        &["import", edited_file.to_str().expect("UTF-8")],
    );
    assert_eq!(code, 0, "{plan:#}");
    let update = plan["update"].as_array().expect("updates");
    assert_eq!(update.len(), 1, "{plan:#}");
    assert_eq!(update[0]["id"], "R-004");
    let fields: Vec<(String, String, String)> = update[0]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap_or_default().into(),
                f["old"].as_str().unwrap_or_default().into(),
                f["new"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            ("likelihood".into(), "2".into(), "3".into()),
            (
                "title".into(),
                "Cross-tenant data exposure through the shared database".into(),
                "Cross-tenant data exposure via the shared database".into()
            ),
        ],
        "the score note is computed, not a field"
    );
    // Applied, the file changes in those two lines only.
    apply(copy.path(), &edited_file, &plan);
    assert_eq!(
        git(copy.path(), &["diff", "--numstat"]),
        "2\t2\trisks/R-004.md"
    );
}

/// A register laid out its owner's way, as CSV for LibreOffice to turn into xlsx and ods.
const MESSY: &str = "Kestrel Cart risk register 2026,,,,,,,,,,\n\
,,,,,,,,,,\n\
Risk ID,Risk,Likelihood (1-5),Impact (1-5),Risk Score,Risk Owner,Treatment Strategy,Status,Next Review,Annex A,Existing Controls\n\
RISK-1,Phishing of finance staff,Likely,Major,=C4*D4,Chief Financial Officer,Reduce,In Progress,2027-03-01,\"A.5.7, A8.23\",Awareness training\n\
RISK-2,Laptop theft,2,3,9,Chief Technology Officer,Accept,Open,2027-06-30,8.1,Disk encryption\n\
RISK-3,Payroll supplier outage,Rare,Severe,=C6*D6,Head of Product,Transfer,Not Started,05/12/2026,5.19,\n\
RISK-4,Insider data theft,Very High,4,,CFO,Reduce,Open,2027-01-15,A.6.1,\n\
RISK-5,Backup corruption,=1/0,4,,CFO,Reduce,Open,2027-01-15,8.13,\n\
,,,,,,,,,,\n";

#[test]
fn a_messy_register_made_by_libreoffice_is_read_with_its_quirks_and_every_problem_named_by_cell() {
    let copy = committed();
    let dir = tempfile::tempdir().expect("a folder");
    let csv = dir.path().join("messy.csv");
    std::fs::write(&csv, MESSY).expect("writable");
    // Formulas are evaluated as LibreOffice reads the CSV (the last option).
    let xlsx = soffice(
        &csv,
        "xlsx",
        Some("CSV:44,34,76,1,,0,false,true,false,false,true"),
    );
    let ods = soffice(
        &csv,
        "ods",
        Some("CSV:44,34,76,1,,0,false,true,false,false,true"),
    );
    let mut plans = Vec::new();
    for file in [&csv, &xlsx, &ods] {
        let (code, plan) = json(
            copy.path(),
            &["import", file.to_str().expect("UTF-8"), "--kind", "risks"],
        );
        assert_eq!(code, 1, "rejected rows make the dry run exit 1: {plan:#}");
        plans.push(plan);
    }
    for (k, plan) in plans.iter().enumerate() {
        assert_eq!(
            plan["header_row"], 3,
            "below the title and blank rows: {plan:#}"
        );
        // The job titles become roles: an existing one by its title, a new one proposed.
        assert_eq!(
            plan["roles_to_add"],
            serde_json::json!([["chief-technology-officer", "Chief Technology Officer"]]),
            "{plan:#}"
        );
        let mapped = plan["mapped_values"].to_string();
        for m in [
            "\"from\":\"Likely\",\"to\":\"4\"",
            "\"from\":\"In Progress\",\"to\":\"active\"",
            "\"from\":\"Reduce\",\"to\":\"mitigate\"",
            "\"from\":\"Chief Financial Officer\",\"to\":\"cfo\"",
            "\"from\":\"(no domain column)\",\"to\":\"technical\"",
        ] {
            assert!(mapped.contains(m), "{m} in {mapped}");
        }
        let fields = plan["create"][0]["fields"].to_string();
        assert!(
            fields.contains("\"field\":\"controls\",\"new\":\"5.7, 8.23\""),
            "A.5.7 and A8.23 read as 5.7 and 8.23: {fields}"
        );
        assert!(
            fields.contains("\"field\":\"next_review\",\"new\":\"2027-03-01\""),
            "{fields}"
        );
        assert!(
            fields.contains("\"field\":\"x-source-id\",\"new\":\"RISK-1\""),
            "the file's id is kept to match a re-import: {fields}"
        );
        // Rejected rows name their cells. In the CSV, 05/12/2026 is text that could be
        // two dates, and `=1/0` text; LibreOffice read the date and computed the
        // formula when it made the workbooks.
        let problems: Vec<(String, String, String)> = plan["rejected"]
            .as_array()
            .expect("rejected")
            .iter()
            .flat_map(|r| r["problems"].as_array().cloned().unwrap_or_default())
            .map(|p| {
                (
                    p["code"].as_str().unwrap_or_default().into(),
                    p["column"].as_str().unwrap_or_default().into(),
                    p["row"].to_string(),
                )
            })
            .collect();
        let expected: Vec<(String, String, String)> = if k == 0 {
            vec![
                ("bad_date".into(), "I".into(), "6".into()),
                ("unknown_level".into(), "C".into(), "7".into()),
                ("unknown_level".into(), "C".into(), "8".into()),
            ]
        } else {
            vec![
                ("unknown_level".into(), "C".into(), "7".into()),
                ("formula_error".into(), "C".into(), "8".into()),
            ]
        };
        assert_eq!(problems, expected, "{plan:#}");
        let sheet = plan["sheet"].as_str().expect("a sheet");
        assert!(plan["rejected"][0]["problems"][0]["cell"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("{sheet}!")));
        // The file's own score for RISK-2 (9) is not ours (2 × 3 = 6): a note, not imported.
        let notes = plan["notes"].to_string();
        assert!(
            notes.contains(&format!("{sheet}!E5"))
                && notes.contains("\"found\":\"9\"")
                && notes.contains("\"code\":\"score_differs\""),
            "{notes}"
        );
    }
    // Apply refuses while rows are rejected, and writes nothing.
    let fingerprint = plans[0]["fingerprint"]
        .as_str()
        .expect("a fingerprint")
        .to_string();
    let (code, out, err) = run(
        copy.path(),
        &[
            "import",
            csv.to_str().expect("UTF-8"),
            "--kind",
            "risks",
            "--apply",
            &fingerprint,
        ],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("3 rows are rejected") && err.contains("Nothing was written"),
        "{err}"
    );
    assert_eq!(git(copy.path(), &["status", "--porcelain"]), "");
    // A date order makes the ambiguous date readable; the other rows stay rejected.
    let errors = dir.path().join("errors.csv");
    let (_, plan) = json(
        copy.path(),
        &[
            "import",
            csv.to_str().expect("UTF-8"),
            "--kind",
            "risks",
            "--date-order",
            "day-month",
            "--errors",
            errors.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(plan["create"].as_array().map(Vec::len), Some(3), "{plan:#}");
    let error_file = std::fs::read_to_string(&errors).expect("the error file");
    assert!(
        error_file.starts_with("cell,sheet,row,column,field,code,found,expected"),
        "{error_file}"
    );
    assert!(
        error_file.contains("messy!C7,messy,7,C,likelihood,unknown_level,Very High,"),
        "{error_file}"
    );
    // The same problems as JSON, for a program to read.
    let errors_json = dir.path().join("errors.json");
    run(
        copy.path(),
        &[
            "import",
            csv.to_str().expect("UTF-8"),
            "--kind",
            "risks",
            "--date-order",
            "day-month",
            "--errors",
            errors_json.to_str().expect("UTF-8"),
        ],
    );
    let problems: Value =
        serde_json::from_str(&std::fs::read_to_string(&errors_json).expect("the JSON file"))
            .expect("JSON");
    assert_eq!(problems[0]["cell"], "messy!C7", "{problems:#}");
    assert_eq!(problems[0]["code"], "unknown_level");
    assert_eq!(problems[0]["found"], "Very High");
    // With --skip-invalid the valid rows are written, with the new role, as one change.
    let fingerprint = plan["fingerprint"]
        .as_str()
        .expect("a fingerprint")
        .to_string();
    let (code, out, err) = run(
        copy.path(),
        &[
            "import",
            csv.to_str().expect("UTF-8"),
            "--kind",
            "risks",
            "--date-order",
            "day-month",
            "--apply",
            &fingerprint,
            "--skip-invalid",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let status = git(copy.path(), &["status", "--porcelain"]);
    assert_eq!(
        status, "M isms.yaml\n?? risks/R-018.md\n?? risks/R-019.md\n?? risks/R-020.md",
        "{status}"
    );
    let r020 = copy.read("risks/R-020.md");
    assert!(
        r020.contains("next_review: 2026-12-05") && r020.contains("RISK-3"),
        "{r020}"
    );
    let (_, report) = json(copy.path(), &["check", "--today", "2026-11-21"]);
    let imported_errors: Vec<&Value> = report["report"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["severity"] == "error"
                && f["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("risks/R-01") && p >= "risks/R-018")
        })
        .collect();
    // They load; what the checks then ask for (a treatment, an acceptance record) is
    // the ISM's next step, not an import error.
    assert!(
        imported_errors
            .iter()
            .all(|f| f["rule"] == "unacceptable-untreated" || f["rule"] == "acceptance-missing"),
        "the imported risks load and check: {imported_errors:#?}"
    );
    // Re-importing matches the rows to the risks they made: nothing more to create.
    let (_, again) = json(
        copy.path(),
        &[
            "import",
            csv.to_str().expect("UTF-8"),
            "--kind",
            "risks",
            "--date-order",
            "day-month",
        ],
    );
    assert_eq!(
        again["create"].as_array().map(Vec::len),
        Some(0),
        "{again:#}"
    );
    assert_eq!(
        again["unchanged"].as_array().map(Vec::len),
        Some(3),
        "{again:#}"
    );
    // The mapping is kept in a file, edited (a value read another way), and reused.
    let mapping = dir.path().join("mapping.json");
    let (_, _) = json(
        copy.path(),
        &[
            "import",
            csv.to_str().expect("UTF-8"),
            "--kind",
            "risks",
            "--date-order",
            "day-month",
            "--save-mapping",
            mapping.to_str().expect("UTF-8"),
        ],
    );
    let mut saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&mapping).expect("the mapping"))
            .expect("JSON");
    assert_eq!(
        saved["columns"]["Likelihood (1-5)"], "Likelihood",
        "{saved:#}"
    );
    assert_eq!(saved["values"]["likelihood"]["Likely"], "4", "{saved:#}");
    saved["values"]["likelihood"]["Very High"] = Value::String("5".into());
    std::fs::write(&mapping, saved.to_string()).expect("writable");
    let (_, plan) = json(
        copy.path(),
        &[
            "import",
            csv.to_str().expect("UTF-8"),
            "--kind",
            "risks",
            "--date-order",
            "day-month",
            "--mapping",
            mapping.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(
        plan["create"].as_array().map(Vec::len),
        Some(1),
        "RISK-4 reads with the mapping's Very High: {plan:#}"
    );
    assert_eq!(
        plan["rejected"].as_array().map(Vec::len),
        Some(1),
        "only the formula row is left: {plan:#}"
    );
    // A plan that no longer matches is refused at apply time.
    let (code, _, err) = run(
        copy.path(),
        &[
            "import",
            csv.to_str().expect("UTF-8"),
            "--kind",
            "risks",
            "--apply",
            "0000000000000000",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("changed since the dry run"), "{err}");
}

#[test]
fn every_problem_code_names_its_cell() {
    let copy = committed();
    let dir = tempfile::tempdir().expect("a folder");
    let header = "Id,Title,Domain,Status,Likelihood,Impact,Treatment,Owner,Annex A controls,Related risks,Next review,Findings\n";
    for (row, code, column) in [
        (
            "R-050,A,technical,active,9,2,mitigate,ism,,,,",
            "unknown_level",
            "E",
        ),
        (
            "R-050,A,technical,active,2,2,mitigate,ism,,,31/02/2027,",
            "bad_date",
            "K",
        ),
        (
            "R-050,A,technical,open-ish,2,2,mitigate,ism,,,,",
            "unknown_value",
            "D",
        ),
        (
            "R-050,A,marketing,active,2,2,mitigate,ism,,,,",
            "unknown_domain",
            "C",
        ),
        (
            "R-050,A,technical,active,2,2,mitigate,ism,A.9.99,,,",
            "unknown_control",
            "I",
        ),
        (
            "R-050,A,technical,active,2,2,mitigate,ism,,R-999,,",
            "unknown_risk",
            "J",
        ),
        (
            "R-050,,technical,active,2,2,mitigate,ism,,,,",
            "missing_title",
            "B",
        ),
        (
            "R-050,A\u{7},technical,active,2,2,mitigate,ism,,,,",
            "invalid",
            "B",
        ),
        (
            "R-050,A,technical,active,2,2,mitigate,ism,,,,NC-099",
            "unknown_finding",
            "L",
        ),
    ] {
        let file = dir.path().join("one.csv");
        std::fs::write(&file, format!("{header}{row}\n")).expect("writable");
        let (_, plan) = json(copy.path(), &["import", file.to_str().expect("UTF-8")]);
        let p = &plan["rejected"][0]["problems"][0];
        assert_eq!(
            (p["code"].as_str(), p["column"].as_str(), p["row"].as_u64()),
            (Some(code), Some(column), Some(2)),
            "{row}: {plan:#}"
        );
        assert_eq!(p["cell"].as_str(), Some(format!("one!{column}2").as_str()));
        assert!(!p["expected"].as_str().unwrap_or_default().is_empty());
    }
    // Two rows for one risk.
    let file = dir.path().join("twice.csv");
    std::fs::write(&file, format!("{header}R-050,A,technical,active,2,2,mitigate,ism,,,\nR-050,B,technical,active,2,2,mitigate,ism,,,\n")).expect("writable");
    let (_, plan) = json(copy.path(), &["import", file.to_str().expect("UTF-8")]);
    assert_eq!(
        plan["rejected"][0]["problems"][0]["code"], "duplicate_row",
        "{plan:#}"
    );
    assert_eq!(plan["rejected"][0]["problems"][0]["cell"], "twice!A3");
    // No header at all.
    let file = dir.path().join("none.csv");
    std::fs::write(&file, "Colour,Weight\nred,3\n").expect("writable");
    let (code, out, err) = run(copy.path(), &["import", file.to_str().expect("UTF-8")]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("no sheet has a header ISMS Desk recognises"),
        "{err}"
    );
}

#[test]
fn an_soa_sheet_updates_applicability_status_and_justification() {
    let copy = committed();
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("soa.csv");
    std::fs::write(
        &file,
        "Statement of Applicability\n\nControl ref,Control name,Applicable?,Implementation status,Reason for inclusion,Justification for exclusion\nA.7.4,Physical security monitoring,No,Not implemented,,No premises of our own: the office is a managed co-working space\nA.5.1,Policies for information security,Yes,Implemented,Best practice,\n",
    )
    .expect("writable");
    let (code, plan) = json(copy.path(), &["import", file.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{plan:#}");
    assert_eq!(plan["kind"], "soa");
    apply(copy.path(), &file, &plan);
    let entry = copy.read("controls/7.4.md");
    assert!(entry.contains("applicable: false"), "{entry}");
    assert!(entry.contains("No premises of our own"), "{entry}");
}

#[test]
fn lists_print_as_csv() {
    let copy = committed();
    let (code, out, err) = run(copy.path(), &["--format", "csv", "list", "risks"]);
    assert_eq!(code, 0, "{err}");
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("ID,TITLE,DOMAIN,STATUS,L,I,SCORE,BAND,RESIDUAL,TREATMENT,OWNER")
    );
    assert_eq!(out.lines().count(), 18);
    let (code, _, err) = run(copy.path(), &["--format", "csv", "check"]);
    assert_eq!(code, 2);
    assert!(err.contains("--format csv is for `isms list`"), "{err}");
}

#[test]
fn cell_text_that_looks_like_yaml_is_imported_as_the_text_written() {
    // A careless title ("[urgent, today] …" is a YAML list), a quoted word, a colon
    // and a line break all arrive as typed.
    let copy = committed();
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("titles.csv");
    std::fs::write(
        &file,
        "Id,Title,Likelihood,Impact,Owner,Deferred to\nR-050,\"[urgent, today]\",2,2,ism,\nR-051,\"\"\"Legacy\"\" checkout\",2,2,ism,\nR-052,\"Phishing: CEO fraud\",2,2,ism,\"Workshop\nin March\"\n",
    )
    .expect("writable");
    let (code, plan) = json(copy.path(), &["import", file.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{plan:#}");
    apply(copy.path(), &file, &plan);
    for (id, title) in [
        ("R-050", "[urgent, today]"),
        ("R-051", "\"Legacy\" checkout"),
        ("R-052", "Phishing: CEO fraud"),
    ] {
        let (_, shown) = json(copy.path(), &["show", id]);
        assert_eq!(shown["risk"]["title"], title, "{shown:#}");
    }
    let (_, shown) = json(copy.path(), &["show", "R-052"]);
    assert_eq!(shown["risk"]["deferred_to"], "Workshop\nin March");
}

#[test]
fn csv_output_cannot_carry_a_formula_into_a_spreadsheet() {
    // A colleague with push access titles a risk so that a spreadsheet opening the
    // CSV would run it; the cell arrives as text.
    let copy = committed();
    copy.edit(
        "risks/R-004.md",
        "title: Cross-tenant data exposure through the shared database",
        "title: \"=HYPERLINK(\\\"http://evil.example\\\",\\\"open\\\")\"",
    );
    let (code, out, err) = run(copy.path(), &["--format", "csv", "list", "risks"]);
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("R-004,"))
        .expect("R-004");
    assert!(line.starts_with("R-004,\"'=HYPERLINK("), "{line}");
}

/// The export's Treatment plan sheet, as LibreOffice writes it to CSV.
fn treatment_plan_csv(copy: &Copy, dir: &Path) -> String {
    exported_sheet_csv(copy, dir, 5)
}

/// Sheet `n` (from 1) of the export of `copy`'s HEAD, as LibreOffice writes it to CSV.
fn exported_sheet_csv(copy: &Copy, dir: &Path, n: u32) -> String {
    let book = dir.join("export.xlsx");
    let (code, out, err) = run(
        copy.path(),
        &["export", "-o", book.to_str().expect("UTF-8")],
    );
    assert_eq!(code, 0, "{out}{err}");
    let csv = soffice(
        &book,
        &format!("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{n}"),
        None,
    );
    std::fs::read_to_string(csv).expect("a CSV")
}

/// Writes the plan a dry run printed, by its fingerprint (`isms import --apply`).
fn apply(repo: &Path, file: &Path, plan: &Value) {
    let fingerprint = plan["fingerprint"].as_str().expect("a fingerprint");
    let file = file.to_str().expect("UTF-8");
    let (code, out, err) = run(repo, &["import", file, "--apply", fingerprint]);
    assert_eq!(code, 0, "{out}{err}");
}

fn ids(plan: &Value, list: &str) -> Vec<String> {
    plan[list]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    x["id"]
                        .as_str()
                        .or(x.as_str())
                        .unwrap_or_default()
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn treatments_and_their_actions_come_back_from_the_treatment_plan_sheet() {
    let copy = committed();
    let dir = tempfile::tempdir().expect("a folder");
    let text = treatment_plan_csv(&copy, dir.path());
    assert!(
        text.starts_with("Treatment,Title,Option,Decision,Approved on,Approved by,Risks,Action,Description,Owner,Due,Status,Resources"),
        "{text}"
    );
    // As exported: nothing changes.
    let same = dir.path().join("same.csv");
    std::fs::write(&same, &text).expect("writable");
    let (code, plan) = json(
        copy.path(),
        &[
            "import",
            same.to_str().expect("UTF-8"),
            "--kind",
            "treatments",
        ],
    );
    assert_eq!(code, 0, "{plan:#}");
    assert_eq!(plan["kind"], "treatments");
    assert_eq!(
        ids(&plan, "unchanged"),
        ["T-001", "T-002", "T-003", "T-004", "T-005", "T-006"],
        "{plan:#}"
    );
    // Edited as someone would: T-002's A2 finished, a new action for T-002 with no id,
    // and a treatment of another tool's numbering for R-011.
    let mut edited: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("T-002,") && l.contains(",A2,") {
                l.replacen(",in_progress,", ",Completed,", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    edited.push(
        "T-002,,,,,,,,Remove the legacy webhook code,SRE Lead,2027-04-30,Not started,".into(),
    );
    edited.push("PLAN-9,Vendor exit plan for the mail provider,Reduce,Proposed,,,R-011,,Write the exit plan,ism,2027-05-31,,Two days".into());
    edited.push("PLAN-9,,,,,,,,Test the exit plan,ism,2027-06-30,,".into());
    let file = dir.path().join("edited.csv");
    std::fs::write(&file, edited.join("\n")).expect("writable");
    let (code, plan) = json(copy.path(), &["import", file.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "told by its header: {plan:#}");
    assert_eq!(plan["kind"], "treatments");
    assert_eq!(ids(&plan, "update"), ["T-002"], "{plan:#}");
    assert_eq!(ids(&plan, "create"), ["T-007"], "{plan:#}");
    let fields: Vec<String> = plan["update"][0]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            format!(
                "{}: {} → {}",
                f["field"].as_str().unwrap_or(""),
                f["old"].as_str().unwrap_or(""),
                f["new"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        fields.contains(&"actions.A2.status: in_progress → done".to_string()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"actions.A3.description:  → Remove the legacy webhook code".to_string()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"actions.A3.owner:  → sre-lead".to_string()),
        "{fields:?}"
    );
    let mapped = plan["mapped_values"].to_string();
    assert!(
        mapped.contains("Completed") && mapped.contains("Reduce"),
        "{mapped}"
    );
    apply(copy.path(), &file, &plan);
    let t2 = std::fs::read_to_string(copy.path().join("treatments/T-002.md")).expect("T-002");
    assert!(t2.contains("  - id: A3\n    description: Remove the legacy webhook code\n    owner: sre-lead\n    due: 2027-04-30\n    status: planned\n"), "{t2}");
    assert!(t2.contains("## Rationale"), "the narrative is kept: {t2}");
    let t7 = std::fs::read_to_string(copy.path().join("treatments/T-007.md")).expect("T-007");
    for line in [
        "title: Vendor exit plan for the mail provider",
        "risks: [R-011]",
        "option: mitigate",
        "decision: proposed",
        "x-source-id: \"PLAN-9\"",
        "  - id: A1\n    description: Write the exit plan",
        "  - id: A2\n    description: Test the exit plan",
    ] {
        assert!(t7.contains(line), "{line}: {t7}");
    }
    assert_eq!(
        git(
            copy.path(),
            &["diff", "--stat", "--", "treatments/T-002.md"]
        )
        .lines()
        .count(),
        2,
        "only T-002 among the existing treatments changed"
    );
    let (code, out, err) = run(copy.path(), &["check"]);
    assert!(code == 0 || !err.contains("T-007"), "{out}{err}");
    // The same file again: nothing more to do (PLAN-9 is T-007 by its source id, its
    // actions by their descriptions).
    let (code, plan) = json(copy.path(), &["import", file.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{plan:#}");
    assert!(
        ids(&plan, "create").is_empty() && ids(&plan, "update").is_empty(),
        "{plan:#}"
    );
}

#[test]
fn a_register_with_an_action_on_each_row_gives_each_risk_its_treatment() {
    let copy = committed();
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("actions.csv");
    std::fs::write(
        &file,
        "Risk ID,Risk,Likelihood,Impact,Risk Owner,Treatment Strategy,Planned action,Action owner,Due date,Action status\n\
         RSK-1,Shared admin passwords on the router,3,3,CTO,Reduce,Move the router admin into the password manager,CTO,2027-02-28,Open\n",
    )
    .expect("writable");
    let (code, plan) = json(copy.path(), &["import", file.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{plan:#}");
    assert_eq!(plan["kind"], "risks");
    assert_eq!(
        ids(&plan, "create"),
        ["R-018", "T-007"],
        "a new risk, and a new treatment of it: {plan:#}"
    );
    apply(copy.path(), &file, &plan);
    let t7 = std::fs::read_to_string(copy.path().join("treatments/T-007.md")).expect("T-007");
    for line in [
        "risks: [R-018]",
        "Treatment of R-018: Shared admin passwords on the router",
        "option: mitigate",
        "    description: Move the router admin into the password manager\n    owner: cto\n    due: 2027-02-28\n    status: planned\n",
    ] {
        assert!(t7.contains(line), "{line}: {t7}");
    }
    // Existing risks: each action joins the one treatment of its risk.
    let file = dir.path().join("more.csv");
    std::fs::write(
        &file,
        "Risk ID,Planned action,Action owner,Due date,Action status\n\
         R-002,Alert on unsigned webhook calls,sre-lead,2027-01-31,In progress\n\
         R-004,Review the row-level security policies,SRE Lead,31 January 2027,\n\
         R-018,Move the router admin into the password manager,CTO,2027-02-28,Started\n",
    )
    .expect("writable");
    let (code, plan) = json(copy.path(), &["import", file.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{plan:#}");
    assert_eq!(
        ids(&plan, "update"),
        ["T-002", "T-004", "T-007"],
        "{plan:#}"
    );
    assert!(ids(&plan, "create").is_empty(), "{plan:#}");
    let t7_fields = plan["update"][2]["fields"].to_string();
    assert!(
        t7_fields.contains("actions.A1.status") && !t7_fields.contains("A2"),
        "the action is found by its description: {t7_fields}"
    );
    apply(copy.path(), &file, &plan);
    let t2 = std::fs::read_to_string(copy.path().join("treatments/T-002.md")).expect("T-002");
    assert!(t2.contains("  - id: A3\n    description: Alert on unsigned webhook calls\n    owner: sre-lead\n    due: 2027-01-31\n    status: in_progress\n"), "{t2}");
    // Again: the actions are found by their descriptions, nothing changes.
    let (_, plan) = json(copy.path(), &["import", file.to_str().expect("UTF-8")]);
    assert!(
        ids(&plan, "create").is_empty() && ids(&plan, "update").is_empty(),
        "{plan:#}"
    );
}

#[test]
fn action_rows_that_cannot_find_their_treatment_are_named_by_cell() {
    let copy = committed();
    let dir = tempfile::tempdir().expect("a folder");
    // R-004 gets a second treatment, so an action of R-004 alone is ambiguous.
    std::fs::write(
        copy.path().join("treatments/T-009.md"),
        "---\nid: T-009\ntitle: Second look\nrisks: [R-004]\noption: mitigate\ndecision: proposed\n---\n",
    )
    .expect("writable");
    let header = "Risk,Action,Owner,Due,Status\n";
    for (row, code, column) in [
        (
            "R-004,Review the policies,cto,2027-01-31,planned",
            "ambiguous_treatment",
            "A",
        ),
        (
            ",Review the policies,cto,2027-01-31,planned",
            "no_treatment",
            "A",
        ),
        (
            "R-001,Review the policies,cto,2027-01-31,half-done",
            "unknown_value",
            "E",
        ),
        (
            "R-777,Review the policies,cto,2027-01-31,planned",
            "unknown_risk",
            "A",
        ),
    ] {
        let file = dir.path().join("actions.csv");
        std::fs::write(&file, format!("{header}{row}\n")).expect("writable");
        let (code_, plan) = json(
            copy.path(),
            &[
                "import",
                file.to_str().expect("UTF-8"),
                "--kind",
                "treatments",
            ],
        );
        assert_eq!(code_, 1, "{row}: {plan:#}");
        let p = &plan["rejected"][0]["problems"][0];
        assert_eq!(
            (p["code"].as_str(), p["cell"].as_str()),
            (Some(code), Some(format!("actions!{column}2").as_str())),
            "{row}: {plan:#}"
        );
        assert!(!p["expected"].as_str().unwrap_or_default().is_empty());
    }
    // Two rows for one treatment that disagree on its option.
    let file = dir.path().join("disagree.csv");
    std::fs::write(
        &file,
        "Treatment,Option,Description\nT-001,mitigate,One\nT-001,accept,Two\n",
    )
    .expect("writable");
    let (_, plan) = json(copy.path(), &["import", file.to_str().expect("UTF-8")]);
    let p = &plan["rejected"][0]["problems"][0];
    assert_eq!(
        (p["code"].as_str(), p["cell"].as_str()),
        (Some("duplicate_row"), Some("disagree!B3")),
        "{plan:#}"
    );
}

/// A register with a hidden row (a risk someone hid) and a hidden helper column, as
/// Excel writes them.
fn hidden_workbook(path: &Path) {
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("Register").expect("a sheet name");
    let rows = [
        [
            "Risk ID",
            "Risk",
            "Internal notes",
            "Likelihood",
            "Impact",
            "Owner",
        ],
        [
            "RISK-1",
            "Phishing of finance staff",
            "ask Maja",
            "4",
            "4",
            "cfo",
        ],
        ["RISK-2", "Laptop theft", "", "2", "3", "ism"],
        ["RISK-3", "Payroll supplier outage", "", "1", "5", "cfo"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            match text.parse::<f64>() {
                Ok(n) => ws.write_number(r as u32, c as u16, n),
                Err(_) => ws.write_string(r as u32, c as u16, *text),
            }
            .expect("a cell");
        }
    }
    ws.set_row_hidden(2).expect("row 3 hidden");
    ws.set_column_hidden(2).expect("column C hidden");
    book.save(path).expect("the workbook");
}

fn codes_at(plan: &Value) -> Vec<(String, String)> {
    plan["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| {
            (
                n["code"].as_str().unwrap_or_default().to_string(),
                n["cell"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn hidden_rows_and_columns_are_read_and_said_and_xls_is_read_too() {
    let copy = committed();
    let dir = tempfile::tempdir().expect("a folder");
    let xlsx = dir.path().join("hidden.xlsx");
    hidden_workbook(&xlsx);
    let (code, plan) = json(copy.path(), &["import", xlsx.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{plan:#}");
    assert_eq!(
        plan["create"].as_array().map(Vec::len),
        Some(3),
        "hidden rows are imported: {plan:#}"
    );
    assert_eq!(
        codes_at(&plan),
        [
            ("hidden".into(), "Register!C1".into()),
            ("hidden".into(), "Register!A3".into())
        ],
        "{plan:#}"
    );
    assert!(plan["notes"][0]["expected"]
        .as_str()
        .unwrap_or_default()
        .contains("hidden column"));
    // The same file as LibreOffice keeps it in OpenDocument: the same notes.
    let ods = soffice(&xlsx, "ods", None);
    let (code, plan) = json(copy.path(), &["import", ods.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{plan:#}");
    assert_eq!(
        codes_at(&plan),
        [
            ("hidden".into(), "Register!C1".into()),
            ("hidden".into(), "Register!A3".into())
        ],
        "{plan:#}"
    );
    // The hidden column left out by the mapping: no note for it, nothing read from it.
    let mapping = dir.path().join("mapping.json");
    std::fs::write(&mapping, r#"{"columns": {"Internal notes": "ignore"}}"#).expect("writable");
    let (_, plan) = json(
        copy.path(),
        &[
            "import",
            xlsx.to_str().expect("UTF-8"),
            "--mapping",
            mapping.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(
        codes_at(&plan),
        [("hidden".into(), "Register!A3".into())],
        "{plan:#}"
    );
    assert!(!plan.to_string().contains("ask Maja"), "{plan:#}");
    // Excel 97 (.xls), written by LibreOffice: read like the others.
    let csv = dir.path().join("old.csv");
    std::fs::write(&csv, "Risk ID,Risk,Likelihood,Impact,Owner\nRISK-1,Phishing of finance staff,4,4,cfo\nR-004,Cross-tenant data exposure through the shared database,3,5,head-of-product\n").expect("writable");
    let xls = soffice(&csv, "xls:MS Excel 97", None);
    assert!(
        xls.extension().is_some_and(|e| e == "xls"),
        "{}",
        xls.display()
    );
    let (code, plan) = json(copy.path(), &["import", xls.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{plan:#}");
    assert_eq!(ids(&plan, "create").len(), 1, "{plan:#}");
    assert_eq!(ids(&plan, "update"), ["R-004"], "{plan:#}");
    assert_eq!(plan["sheet"], "old", "{plan:#}");
}

#[test]
fn the_export_has_the_soc2_matrix_as_a_sheet_libreoffice_reads() {
    let copy = committed();
    let dir = tempfile::tempdir().expect("a folder");
    // The seventh sheet, after Cover, Risks, Heat map, SoA, Treatment plan, Methodology.
    let text = exported_sheet_csv(&copy, dir.path(), 7);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Criterion,Category,What it asks,Controls (SoA status),Coverage"
    );
    assert_eq!(lines.len(), 1 + 38, "a row per criterion in scope");
    let a12 = lines.iter().find(|l| l.starts_with("A1.2,")).expect("A1.2");
    assert!(
        a12.contains("8.13 (implemented)") && a12.ends_with(",covered"),
        "{a12}"
    );
}
