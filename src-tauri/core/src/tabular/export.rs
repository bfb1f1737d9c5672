//! The Excel export: one workbook from one commit, like a report. Scores and bands are
//! values the domain computed, never formulas; the creation time is the commit's, so
//! the same commit gives the same bytes and an export can be signed like a report.
//!
//! Sheets: `Cover` (document control), `Risks` (an Excel table of every field, the
//! narrative sections included), `Heat map` (inherent and residual, in the bands'
//! colours), `SoA`, `Treatment plan` (one row per action) and `Methodology`. The
//! level and word columns carry data validation, so an ISM editing the export for a
//! re-import is held to the methodology's scales and the words ISMS Desk reads.

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, FormatAlign,
    Table, TableColumn, Workbook, Worksheet, XlsxError,
};

use super::columns::{RiskColumn, TreatmentColumn, RISK_COLUMNS, TREATMENT_COLUMNS};
use crate::domain::{
    sections, IsmsConfig, Methodology, Risk, RiskStatus, SoaEntry, Treatment, TreatmentOption,
};
use crate::git::changes::Snapshot;
use crate::repository::AnyRecord;
use crate::{Error, Result};

/// What an export is made from: a commit and its time.
pub struct ExportSource<'a> {
    /// The commit id.
    pub commit: &'a str,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// The committer's UTC offset in minutes.
    pub offset_minutes: i32,
}

impl From<XlsxError> for Error {
    fn from(e: XlsxError) -> Error {
        Error::Usage(format!("the workbook could not be written: {e}"))
    }
}

/// The workbook of `snapshot` (the records of `source`), as bytes.
pub fn workbook(snapshot: &Snapshot, source: &ExportSource) -> Result<Vec<u8>> {
    let config = snapshot
        .config
        .as_ref()
        .ok_or_else(|| Error::Usage("isms.yaml does not load at this commit".into()))?;
    let mut risks: Vec<&Risk> = Vec::new();
    let mut controls: Vec<&SoaEntry> = Vec::new();
    let mut treatments: Vec<&Treatment> = Vec::new();
    for record in snapshot.records.values() {
        match record {
            AnyRecord::Risk(r) => risks.push(r),
            AnyRecord::Control(c) => controls.push(c),
            AnyRecord::Treatment(t) => treatments.push(t),
            _ => {}
        }
    }
    controls.sort_by_key(|c| crate::catalogue::control_order(&c.id));
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_timestamp(source.time)?;
    book.set_properties(
        &DocProperties::new()
            .set_title("Risk register export")
            .set_company(&config.organisation.name)
            .set_comment(format!(
                "From commit {} by {}",
                source.commit,
                crate::report::tool()
            ))
            .set_creation_datetime(&created),
    );
    let f = Formats::new();
    cover(
        book.add_worksheet(),
        config,
        &risks,
        &controls,
        &treatments,
        source,
        &f,
    )?;
    risk_sheet(book.add_worksheet(), config, &risks, &f)?;
    heat_map_sheet(book.add_worksheet(), config, &risks, &f)?;
    soa_sheet(book.add_worksheet(), &controls, &risks, &f)?;
    treatment_sheet(book.add_worksheet(), &treatments, &f)?;
    methodology_sheet(book.add_worksheet(), config, &f)?;
    if let Some(in_scope) = &config.soc2_categories {
        soc2_sheet(book.add_worksheet(), snapshot, &controls, in_scope, &f)?;
    }
    Ok(book.save_to_buffer()?)
}

/// The SOC 2 criteria in scope with the controls that address them (the matrix of
/// `isms soc2`, one row per criterion), when isms.yaml sets a SOC 2 scope.
fn soc2_sheet(
    ws: &mut Worksheet,
    snapshot: &Snapshot,
    controls: &[&SoaEntry],
    in_scope: &[crate::domain::Soc2Category],
    f: &Formats,
) -> Result<()> {
    ws.set_name("SOC 2")?;
    let owned: Vec<SoaEntry> = controls.iter().map(|c| (*c).clone()).collect();
    let (links, _) = crate::domain::soc2_links_with(&snapshot.soc2_mapping);
    let lines =
        crate::domain::coverage(&crate::catalogue::soc2_criteria(), &links, &owned, in_scope);
    let headers = [
        "Criterion",
        "Category",
        "What it asks",
        "Controls (SoA status)",
        "Coverage",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.bold)?;
    }
    for (k, l) in lines.iter().enumerate() {
        let row = k as u32 + 1;
        let values = [
            l.criterion.id.clone(),
            l.category.label().to_string(),
            l.criterion.title.clone(),
            crate::report::soc2::controls_cell(l, &owned),
            l.coverage.as_str().replace('_', " "),
        ];
        for (c, v) in values.iter().enumerate() {
            ws.write_string(row, c as u16, v)?;
        }
    }
    ws.set_freeze_panes(1, 1)?;
    for (c, w) in [10, 16, 44, 60, 12].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    Ok(())
}

struct Formats {
    title: Format,
    bold: Format,
    date: Format,
    wrap: Format,
    centre: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            wrap: Format::new().set_text_wrap(),
            centre: Format::new().set_align(FormatAlign::Center).set_bold(),
        }
    }
}

fn date(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    d: Option<chrono::NaiveDate>,
    f: &Formats,
) -> Result<()> {
    use chrono::Datelike;
    if let Some(d) = d {
        let at = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
        ws.write_date_with_format(row, col, &at, &f.date)?;
    }
    Ok(())
}

fn cover(
    ws: &mut Worksheet,
    config: &IsmsConfig,
    risks: &[&Risk],
    controls: &[&SoaEntry],
    treatments: &[&Treatment],
    source: &ExportSource,
    f: &Formats,
) -> Result<()> {
    ws.set_name("Cover")?;
    ws.write_string_with_format(0, 0, "Risk register export", &f.title)?;
    let count = |s: RiskStatus| risks.iter().filter(|r| r.status == s).count();
    let actions: usize = treatments.iter().map(|t| t.actions.len()).sum();
    let date_text = crate::report::model::commit_date(source.time, source.offset_minutes);
    let rows: Vec<(&str, String)> = vec![
        ("Organisation", config.organisation.legal_name.clone().unwrap_or_else(|| config.organisation.name.clone())),
        ("Classification", "Confidential: holds scoring rationale and internal notes".into()),
        ("Date", date_text),
        ("Source commit", source.commit.to_string()),
        ("Produced by", crate::report::tool()),
        ("Selection", "Every risk, SoA entry and treatment action at the source commit; scores and bands are values computed by ISMS Desk, not formulas.".into()),
        ("Records", format!(
            "{} risks ({} active, {} deferred, {} closed); {} SoA entries ({} applicable); {} treatments with {} actions",
            risks.len(), count(RiskStatus::Active), count(RiskStatus::Deferred), count(RiskStatus::Closed),
            controls.len(), controls.iter().filter(|c| c.applicable).count(), treatments.len(), actions
        )),
        ("Methodology", format!("Version {}: {}", config.methodology.version, config.methodology.how_scored())),
    ];
    for (k, (item, value)) in rows.iter().enumerate() {
        let row = 2 + k as u32;
        ws.write_string_with_format(row, 0, *item, &f.bold)?;
        ws.write_string_with_format(row, 1, value, &f.wrap)?;
    }
    ws.write_string(
        12,
        0,
        "Rendered from the source commit and nothing else: the same commit gives the same workbook. Edit the Risks or SoA sheet and import it again (isms import) to change exactly the cells you edited.",
    )?;
    ws.set_column_width(0, 18)?;
    ws.set_column_width(1, 110)?;
    Ok(())
}

/// The text of one risk column.
fn risk_value(config: &IsmsConfig, r: &Risk, column: RiskColumn) -> Cell {
    let m = &config.methodology;
    let number = |v: Option<u8>| v.map_or(Cell::Empty, |v| Cell::Number(f64::from(v)));
    let text = |v: String| {
        if v.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(v)
        }
    };
    let list = |v: &[String]| text(v.join(", "));
    let section = |heading: &str| {
        text(
            sections(&r.body)
                .into_iter()
                .find(|(h, _)| h == heading)
                .map(|(_, t)| t.trim().to_string())
                .unwrap_or_default(),
        )
    };
    let inherent = r.inherent(m);
    let after = r.rating_after_treatment(m);
    match column {
        RiskColumn::Id => text(r.id.clone()),
        RiskColumn::Title => text(r.title.clone()),
        RiskColumn::Domain => text(r.domain.clone()),
        RiskColumn::Status => text(r.status.as_str().into()),
        RiskColumn::Likelihood => number(r.likelihood),
        RiskColumn::Impact => number(r.impact),
        RiskColumn::Score => number(inherent.as_ref().map(|x| x.score)),
        RiskColumn::Band => text(
            m.band_name(inherent.as_ref().and_then(|x| x.band.as_ref()))
                .replace("Unscored", ""),
        ),
        RiskColumn::ResidualLikelihood => number(r.residual_likelihood),
        RiskColumn::ResidualImpact => number(r.residual_impact),
        RiskColumn::ResidualScore => number(after.as_ref().map(|x| x.score)),
        RiskColumn::ResidualBand => text(
            m.band_name(after.as_ref().and_then(|x| x.band.as_ref()))
                .replace("Unscored", ""),
        ),
        RiskColumn::Treatment => text(
            r.treatment
                .map(TreatmentOption::as_str)
                .unwrap_or_default()
                .into(),
        ),
        RiskColumn::Owner => text(r.owner.clone()),
        RiskColumn::Controls => list(&r.controls),
        RiskColumn::Related => list(&r.related),
        RiskColumn::Findings => list(&r.findings),
        RiskColumn::Themes => list(&r.themes),
        RiskColumn::ReviewedOn => r.reviewed_on.map_or(Cell::Empty, Cell::Date),
        RiskColumn::NextReview => r.next_review.map_or(Cell::Empty, Cell::Date),
        RiskColumn::Provisional => text(if r.provisional {
            "yes".into()
        } else {
            String::new()
        }),
        RiskColumn::DeferredTo => text(r.deferred_to.clone().unwrap_or_default()),
        RiskColumn::MethodologyVersion => text(r.methodology_version.clone().unwrap_or_default()),
        RiskColumn::Section(heading) => section(heading),
        // Actions are written on the Treatment plan sheet.
        RiskColumn::ActionDescription
        | RiskColumn::ActionOwner
        | RiskColumn::ActionDue
        | RiskColumn::ActionStatus => Cell::Empty,
    }
}

enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(chrono::NaiveDate),
}

fn risk_sheet(ws: &mut Worksheet, config: &IsmsConfig, risks: &[&Risk], f: &Formats) -> Result<()> {
    ws.set_name("Risks")?;
    let columns = RISK_COLUMNS;
    for (row, r) in risks.iter().enumerate() {
        let row = row as u32 + 1;
        for (col, column) in columns.iter().enumerate() {
            let col = col as u16;
            match risk_value(config, r, *column) {
                Cell::Empty => {}
                Cell::Text(t) => {
                    ws.write_string(row, col, &t)?;
                }
                Cell::Number(n) => {
                    ws.write_number(row, col, n)?;
                }
                Cell::Date(d) => date(ws, row, col, Some(d), f)?,
            }
        }
    }
    let last_col = columns.len() as u16 - 1;
    let last_row = risks.len().max(1) as u32;
    let table = Table::new().set_name("Risks").set_columns(
        &columns
            .iter()
            .map(|c| TableColumn::new().set_header(c.header()))
            .collect::<Vec<_>>(),
    );
    ws.add_table(0, 0, last_row, last_col, &table)?;
    validations(ws, config, last_row)?;
    ws.set_freeze_panes(1, 2)?;
    for (col, column) in columns.iter().enumerate() {
        ws.set_column_width(col as u16, column.width())?;
    }
    Ok(())
}

/// Data validation on the level and word columns of the Risks sheet.
fn validations(ws: &mut Worksheet, config: &IsmsConfig, last_row: u32) -> Result<()> {
    let m = &config.methodology;
    let at = |c: RiskColumn| {
        RISK_COLUMNS
            .iter()
            .position(|x| *x == c)
            .expect("every validated column is in the sheet") as u16
    };
    let level = |n: usize, what: &str| {
        DataValidation::new()
            .allow_whole_number(DataValidationRule::Between(1, n as i32))
            .set_error_title(format!("Not a {what} level"))
            .map(|d| {
                d.set_error_message(format!(
                    "Methodology {} has {what} levels 1 to {n}.",
                    m.version
                ))
            })
    };
    for (column, n, what) in [
        (RiskColumn::Likelihood, m.likelihood.len(), "likelihood"),
        (
            RiskColumn::ResidualLikelihood,
            m.likelihood.len(),
            "likelihood",
        ),
        (RiskColumn::Impact, m.impact.len(), "impact"),
        (RiskColumn::ResidualImpact, m.impact.len(), "impact"),
    ] {
        let c = at(column);
        let rule = level(n, what)??;
        ws.add_data_validation(1, c, last_row, c, &rule)?;
    }
    let roles: Vec<String> = config.roles.iter().map(|r| r.id.clone()).collect();
    let domains: Vec<String> = config.domains.iter().map(|d| d.id.clone()).collect();
    let statuses: Vec<String> = RiskStatus::ALL
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    let options: Vec<String> = TreatmentOption::ALL
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    for (column, words) in [
        (RiskColumn::Status, &statuses),
        (RiskColumn::Treatment, &options),
        (RiskColumn::Owner, &roles),
        (RiskColumn::Domain, &domains),
    ] {
        // An Excel list holds at most 255 characters; a longer one is left open.
        if words.join(",").len() > 250 || words.is_empty() {
            continue;
        }
        let c = at(column);
        let rule = DataValidation::new().allow_list_strings(words)?;
        ws.add_data_validation(1, c, last_row, c, &rule)?;
    }
    Ok(())
}

fn heat_map_sheet(
    ws: &mut Worksheet,
    config: &IsmsConfig,
    risks: &[&Risk],
    f: &Formats,
) -> Result<()> {
    ws.set_name("Heat map")?;
    let m = &config.methodology;
    let active: Vec<&&Risk> = risks
        .iter()
        .filter(|r| r.status == RiskStatus::Active)
        .collect();
    let mut top = 0u32;
    for residual in [false, true] {
        let title = if residual {
            "Residual risk (after treatment), active risks"
        } else {
            "Inherent risk, active risks"
        };
        ws.write_string_with_format(top, 0, title, &f.title)?;
        let grid = m.grid();
        let rows = m.impact.len() as u32;
        for (k, row) in grid.iter().rev().enumerate() {
            let r = top + 1 + k as u32;
            let level = &m.impact[m.impact.len() - 1 - k];
            ws.write_string_with_format(r, 0, format!("{} {}", level.level, level.name), &f.bold)?;
            for (c, cell) in row.iter().enumerate() {
                let count = active
                    .iter()
                    .filter(|x| {
                        let rating = if residual {
                            x.rating_after_treatment(m)
                        } else {
                            x.inherent(m)
                        };
                        rating.is_some_and(|x| {
                            x.likelihood == cell.likelihood && x.impact == cell.impact
                        })
                    })
                    .count();
                let tone = cell
                    .band
                    .as_ref()
                    .and_then(|b| m.band_rule(b))
                    .map(|b| b.tone);
                let (red, green, blue) = crate::report::heatmap::tone_colour(tone);
                let colour = (u32::from(red) << 16) | (u32::from(green) << 8) | u32::from(blue);
                let format = f.centre.clone().set_background_color(Color::RGB(colour));
                ws.write_number_with_format(r, 1 + c as u16, count as f64, &format)?;
            }
        }
        let axis = top + 1 + rows;
        for (c, l) in m.likelihood.iter().enumerate() {
            ws.write_string_with_format(
                axis,
                1 + c as u16,
                format!("{} {}", l.level, l.name),
                &f.bold,
            )?;
        }
        ws.write_string(
            axis + 1,
            0,
            "Rows: impact. Columns: likelihood. Colours: the methodology's bands.",
        )?;
        top = axis + 3;
    }
    ws.set_column_width(0, 24)?;
    for c in 0..m.likelihood.len() {
        ws.set_column_width(1 + c as u16, 16)?;
    }
    Ok(())
}

fn soa_sheet(
    ws: &mut Worksheet,
    controls: &[&SoaEntry],
    risks: &[&Risk],
    f: &Formats,
) -> Result<()> {
    ws.set_name("SoA")?;
    let headers = [
        "Control",
        "Title",
        "Applicable",
        "Status",
        "Owner",
        "Reasons",
        "Justification",
        "Evidence",
        "Cited by risks",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.bold)?;
    }
    let owned: Vec<Risk> = risks.iter().map(|r| (*r).clone()).collect();
    let cited = crate::domain::risks_citing(&owned);
    for (k, e) in controls.iter().enumerate() {
        let row = k as u32 + 1;
        let reasons: Vec<&str> = e.reasons.iter().map(|r| r.as_str()).collect();
        let by = cited
            .get(e.id.as_str())
            .map(|v| {
                v.iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let values = [
            e.id.clone(),
            e.title.clone(),
            if e.applicable {
                "yes".into()
            } else {
                "no".into()
            },
            e.status.as_str().into(),
            e.owner.clone().unwrap_or_default(),
            reasons.join(", "),
            e.justification.clone().unwrap_or_default(),
            e.evidence.join("; "),
            by,
        ];
        for (c, v) in values.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(row, c as u16, v)?;
            }
        }
    }
    ws.set_freeze_panes(1, 1)?;
    for (c, w) in [9, 44, 11, 18, 18, 24, 50, 40, 24].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    Ok(())
}

fn treatment_sheet(ws: &mut Worksheet, treatments: &[&Treatment], f: &Formats) -> Result<()> {
    ws.set_name("Treatment plan")?;
    for (c, column) in TREATMENT_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, column.header(), &f.bold)?;
    }
    let mut row = 1u32;
    for t in treatments {
        let lines: Vec<Option<&crate::domain::Action>> = if t.actions.is_empty() {
            vec![None]
        } else {
            t.actions.iter().map(Some).collect()
        };
        for a in lines {
            for (c, column) in TREATMENT_COLUMNS.iter().enumerate() {
                let c = c as u16;
                let text: Option<&str> = match (column, a) {
                    (TreatmentColumn::Treatment, _) => Some(&t.id),
                    (TreatmentColumn::Title, _) => Some(&t.title),
                    (TreatmentColumn::Option, _) => Some(t.option.as_str()),
                    (TreatmentColumn::Decision, _) => Some(t.decision.as_str()),
                    (TreatmentColumn::ApprovedOn, _) => {
                        date(ws, row, c, t.approved_on, f)?;
                        None
                    }
                    (TreatmentColumn::ApprovedBy, _) => t.approved_by.as_deref(),
                    (TreatmentColumn::Risks, _) => {
                        ws.write_string(row, c, t.risks.join(", "))?;
                        None
                    }
                    (_, None) => None,
                    (TreatmentColumn::Action, Some(a)) => Some(&a.id),
                    (TreatmentColumn::Description, Some(a)) => Some(&a.description),
                    (TreatmentColumn::Owner, Some(a)) => Some(&a.owner),
                    (TreatmentColumn::Due, Some(a)) => {
                        date(ws, row, c, a.due, f)?;
                        None
                    }
                    (TreatmentColumn::Status, Some(a)) => Some(a.status.as_str()),
                    (TreatmentColumn::Resources, Some(a)) => a.resources.as_deref(),
                };
                if let Some(text) = text {
                    ws.write_string(row, c, text)?;
                }
            }
            row += 1;
        }
    }
    ws.set_freeze_panes(1, 1)?;
    for (c, w) in [10, 40, 10, 11, 12, 14, 16, 7, 50, 16, 12, 12, 24]
        .iter()
        .enumerate()
    {
        ws.set_column_width(c as u16, *w)?;
    }
    Ok(())
}

fn methodology_sheet(ws: &mut Worksheet, config: &IsmsConfig, f: &Formats) -> Result<()> {
    ws.set_name("Methodology")?;
    let m: &Methodology = &config.methodology;
    ws.write_string_with_format(0, 0, format!("Methodology {}", m.version), &f.title)?;
    ws.write_string(1, 0, format!("A risk's score is {}.", m.how_scored()))?;
    let mut row = 3u32;
    for (name, scale) in [("Likelihood", &m.likelihood), ("Impact", &m.impact)] {
        ws.write_string_with_format(row, 0, name, &f.bold)?;
        ws.write_string_with_format(row, 1, "Name", &f.bold)?;
        ws.write_string_with_format(row, 2, "Definition", &f.bold)?;
        for l in scale {
            row += 1;
            ws.write_number(row, 0, f64::from(l.level))?;
            ws.write_string(row, 1, &l.name)?;
            ws.write_string(row, 2, &l.definition)?;
        }
        row += 2;
    }
    for (c, h) in [
        "Band",
        "From",
        "To",
        "Requires",
        "What it means",
        "May accept",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(row, c as u16, *h, &f.bold)?;
    }
    for b in &m.bands {
        row += 1;
        ws.write_string(row, 0, &b.name)?;
        ws.write_number(row, 1, f64::from(b.min))?;
        ws.write_number(row, 2, f64::from(b.max))?;
        ws.write_string(row, 3, b.requires.label())?;
        ws.write_string(row, 4, &b.definition)?;
        let roles: Vec<String> = b.accepted_by.iter().map(|r| config.role_title(r)).collect();
        ws.write_string(row, 5, roles.join(", "))?;
    }
    for (c, w) in [14, 20, 70, 30, 40, 40].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    Ok(())
}
