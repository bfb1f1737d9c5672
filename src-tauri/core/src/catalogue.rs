//! The catalogues that ship with ISMS Desk, compiled in so every binary agrees:
//!
//! - the ISO/IEC 27001:2022 Annex A controls (`templates/annex-a.csv`): 93 controls
//!   with id, theme and short title;
//! - the SOC 2 Trust Services Criteria (2017, points of focus revised 2022) with our
//!   own short paraphrased titles (`templates/soc2/criteria.csv`);
//! - ISMS Desk's own mapping from Annex A controls and ISO clauses to those criteria
//!   (`templates/soc2/mapping.csv`, under the project's licence): each link with a
//!   relationship (NIST IR 8477: equivalent, subset, superset, intersects), a one-line
//!   rationale in our words and a review status. No AICPA or ISO text is copied.

use serde::Serialize;

const ANNEX_A_CSV: &str = include_str!("../../../templates/annex-a.csv");
const SOC2_CRITERIA_CSV: &str = include_str!("../../../templates/soc2/criteria.csv");
const SOC2_MAPPING_CSV: &str = include_str!("../../../templates/soc2/mapping.csv");

/// One SOC 2 criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Soc2Criterion {
    /// `CC6.1`, `A1.2`.
    pub id: String,
    /// Its category as the criteria name it (`Security - Logical and Physical Access
    /// Controls`, `Availability`).
    pub category: String,
    /// Our short paraphrase of what it asks.
    pub title: String,
}

/// One link of the mapping, as written in a mapping file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MappingRow {
    /// An Annex A control (`8.13`) or an ISO clause (`clause 9.2`).
    pub control: String,
    /// The criterion (`A1.2`).
    pub criterion: String,
    /// `equivalent`, `subset`, `superset`, `intersects`, or (in an ISMS's own file)
    /// `none` to remove a shipped link.
    pub relationship: String,
    /// `proposed` or `reviewed`.
    pub review: String,
    /// Why, in a line.
    pub rationale: String,
    /// Its line in the file.
    pub line: usize,
}

/// The rows of a mapping file (`control,criterion,relationship,review,rationale`),
/// or the line and message of the first row that is not one.
pub fn mapping_rows(text: &str) -> Result<Vec<MappingRow>, (usize, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| (1, e.to_string()))?
        .iter()
        .map(str::trim)
        .collect::<Vec<_>>();
    let expected = [
        "control",
        "criterion",
        "relationship",
        "review",
        "rationale",
    ];
    if headers != expected {
        return Err((1, format!("the header row must be {}", expected.join(","))));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| (e.position().map_or(0, |p| p.line() as usize), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cell = |i: usize| record.get(i).unwrap_or_default().trim().to_string();
        rows.push(MappingRow {
            control: cell(0),
            criterion: cell(1),
            relationship: cell(2),
            review: cell(3),
            rationale: cell(4),
            line,
        });
    }
    Ok(rows)
}

/// The SOC 2 criteria, in the order the criteria list them.
pub fn soc2_criteria() -> Vec<Soc2Criterion> {
    let mut reader = csv::Reader::from_reader(SOC2_CRITERIA_CSV.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.expect("criteria.csv is well formed because we ship it");
            Soc2Criterion {
                id: r[0].to_string(),
                category: r[1].to_string(),
                title: r[2].to_string(),
            }
        })
        .collect()
}

/// ISMS Desk's shipped mapping.
pub fn soc2_mapping() -> Vec<MappingRow> {
    mapping_rows(SOC2_MAPPING_CSV).expect("mapping.csv is well formed because we ship it")
}

/// One Annex A control as the standard names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AnnexAControl {
    /// The control number, e.g. `8.13`.
    pub id: String,
    /// Organizational, People, Physical or Technological.
    pub theme: String,
    /// The control's short title.
    pub title: String,
}

/// The 93 Annex A controls, in the standard's order.
pub fn annex_a() -> Vec<AnnexAControl> {
    ANNEX_A_CSV
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (id, rest) = line
                .split_once(',')
                .expect("annex-a.csv has id,theme,title rows because we ship it");
            let (theme, title) = rest
                .split_once(',')
                .expect("annex-a.csv has id,theme,title rows because we ship it");
            AnnexAControl {
                id: id.to_string(),
                theme: theme.to_string(),
                title: title.trim_matches('"').to_string(),
            }
        })
        .collect()
}

/// Orders control ids numerically (`5.2` before `5.10`).
pub fn control_order(id: &str) -> (u32, u32) {
    let mut parts = id.split('.').map(|p| p.parse::<u32>().unwrap_or(u32::MAX));
    (
        parts.next().unwrap_or(u32::MAX),
        parts.next().unwrap_or(u32::MAX),
    )
}

/// An Annex A id as written in registers: `A.8.13`, `A8.13`, `8.13`, `8.13 Information backup`.
pub fn control_id(text: &str) -> Option<String> {
    let t = text.trim();
    let t = t
        .strip_prefix("A.")
        .or_else(|| t.strip_prefix("A"))
        .or_else(|| t.strip_prefix("a."))
        .unwrap_or(t);
    let id: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let id = id.trim_end_matches('.');
    let (major, minor) = id.split_once('.')?;
    let (major, minor): (u32, u32) = (major.parse().ok()?, minor.parse().ok()?);
    Some(format!("{major}.{minor}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_soc2_link_is_valid_and_names_a_known_control_and_criterion() {
        let annex_a = annex_a();
        let ids: Vec<&str> = annex_a.iter().map(|c| c.id.as_str()).collect();
        let criteria = soc2_criteria();
        assert_eq!(criteria.len(), 61);
        // Read as an ISMS's own file would be, so that every row is judged.
        let rows = soc2_mapping();
        let (links, problems) = crate::domain::mapping_in_force(&[], &rows, &criteria, &ids);
        assert_eq!(problems, [], "every shipped row is usable");
        assert_eq!(links.len(), rows.len(), "no two rows link the same pair");
        assert!(links.iter().all(|l| !l.rationale.is_empty()));
        // Every Security criterion is addressed by something.
        for c in criteria.iter().filter(|c| c.id.starts_with("CC")) {
            assert!(
                links.iter().any(|l| l.criterion == c.id),
                "{} unmapped",
                c.id
            );
        }
    }

    #[test]
    fn the_catalogue_has_93_controls_in_four_themes() {
        let controls = annex_a();
        assert_eq!(controls.len(), 93);
        let count = |t: &str| controls.iter().filter(|c| c.theme == t).count();
        assert_eq!(
            (
                count("Organizational"),
                count("People"),
                count("Physical"),
                count("Technological")
            ),
            (37, 8, 14, 34)
        );
        let c = controls
            .iter()
            .find(|c| c.id == "5.22")
            .expect("5.22 is in Annex A");
        assert_eq!(
            c.title,
            "Monitoring, review and change management of supplier services"
        );
    }
}
