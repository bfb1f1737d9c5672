//! The ISO/IEC 27001:2022 Annex A catalogue: 93 controls with id, theme and short
//! title. It ships in `templates/annex-a.csv` and is compiled in, so every binary
//! agrees on what "all 93 controls" means.

use serde::Serialize;

const ANNEX_A_CSV: &str = include_str!("../../../templates/annex-a.csv");

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
