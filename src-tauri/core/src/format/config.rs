//! Reading `isms.yaml`.

use super::fields::{Fields, Reader};
use super::yaml;
use crate::domain::*;
use crate::LoadError;

/// Reads `isms.yaml`, reporting every problem with its line and field.
pub fn parse_config(text: &str) -> Result<IsmsConfig, Vec<LoadError>> {
    let root = yaml::parse(text).map_err(|e| {
        vec![LoadError {
            path: CONFIG_FILE.into(),
            line: e.line,
            field: None,
            message: format!("invalid YAML: {}", e.message),
        }]
    })?;
    let mut r = Reader::new(CONFIG_FILE, 0);
    let Some(f) = r.root(&root) else {
        return Err(r.errors);
    };
    let config = read_config(&mut r, f);
    match config {
        Some(c) if r.errors.is_empty() => Ok(c),
        _ => Err(r.errors),
    }
}

/// Reads the `methodology:` block of a YAML file (an isms.yaml, or a file holding
/// only that block), with the same rules and messages as isms.yaml's; `path` names
/// the file in errors.
pub fn parse_methodology(path: &str, text: &str) -> Result<Methodology, LoadError> {
    let root = yaml::parse(text).map_err(|e| LoadError {
        path: path.into(),
        line: e.line,
        field: None,
        message: format!("invalid YAML: {}", e.message),
    })?;
    let mut r = Reader::new(path, 0);
    let methodology = r
        .root(&root)
        .and_then(|f| r.map(f, "methodology"))
        .and_then(|m| read_methodology(&mut r, m));
    match methodology {
        Some(m) if r.errors.is_empty() => Ok(m),
        _ => Err(r
            .errors
            .into_iter()
            .next()
            .unwrap_or_else(|| LoadError::file(path, "no methodology"))),
    }
}

fn read_config(r: &mut Reader, f: Fields) -> Option<IsmsConfig> {
    let organisation = read_organisation(r, f);
    let methodology = r.map(f, "methodology").and_then(|m| read_methodology(r, m));
    let roles = read_roles(r, f);
    let people = read_people(r, f);
    let separation_of_duties = read_separation_of_duties(r, f);
    let domains = read_domains(r, f);
    let assessment = read_assessment_schedule(r, f);
    let signoff = read_signoff_chains(r, f);
    let audit_cycle_years = r
        .opt_number(f, "audit_cycle_years", 1, 10)
        .map_or(DEFAULT_AUDIT_CYCLE_YEARS, |n| n as u32);
    let soc2_categories = r.opt_map(f, "soc2").map(|s| {
        r.list_words(
            s,
            "categories",
            crate::domain::Soc2Category::parse,
            &crate::domain::Soc2Category::expected(),
        )
    });
    Some(IsmsConfig {
        organisation: organisation?,
        methodology: methodology?,
        roles,
        people,
        separation_of_duties,
        domains,
        assessment: assessment?,
        signoff,
        audit_cycle_years,
        soc2_categories,
    })
}

/// `organisation`: who the ISMS is for.
fn read_organisation(r: &mut Reader, f: Fields) -> Option<Organisation> {
    r.map(f, "organisation").and_then(|o| {
        let name = r.text(o, "name");
        Some(Organisation {
            name: name?,
            legal_name: r.opt_text(o, "legal_name"),
            description: r.opt_text(o, "description"),
        })
    })
}

/// `roles`: ids in lower-case letters, digits and dashes, each defined once.
fn read_roles(r: &mut Reader, f: Fields) -> Vec<Role> {
    let mut roles = Vec::new();
    for item in r.list_of_maps(f, "roles") {
        let (id, title) = (r.text(item, "id"), r.text(item, "title"));
        if let Some(id) = &id {
            if !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                || id.is_empty()
            {
                r.error(
                    item.line_of("id"),
                    "roles.id",
                    format!("`{id}` is not a role id; use lower-case letters, digits and dashes"),
                );
            }
            if roles.iter().any(|x: &Role| &x.id == id) {
                r.error(
                    item.line_of("id"),
                    "roles.id",
                    format!("`{id}` is defined twice"),
                );
            }
        }
        if let (Some(id), Some(title)) = (id, title) {
            roles.push(Role { id, title });
        }
    }
    roles
}

/// `people`: each with their own email, their roles and their signing keys.
fn read_people(r: &mut Reader, f: Fields) -> Vec<Person> {
    let mut people: Vec<Person> = Vec::new();
    for item in r.list_of_maps(f, "people") {
        let name = r.text(item, "name");
        let email = r.text(item, "email");
        if let Some(email) = &email {
            if !email.contains('@') || email.contains(char::is_whitespace) {
                r.error(
                    item.line_of("email"),
                    "people.email",
                    format!("`{email}` is not an email address"),
                );
            }
            if people.iter().any(|p| &p.email == email) {
                r.error(
                    item.line_of("email"),
                    "people.email",
                    format!("`{email}` is used by two people; each person has their own email"),
                );
            }
        }
        let person_roles = r.list(item, "roles");
        let mut signing_keys = Vec::new();
        for (line, key) in r.list_nodes(item, "signing_keys") {
            match check_public_key(&key) {
                Ok(()) => signing_keys.push(key),
                Err(why) => r.error(line, "people.signing_keys", why),
            }
        }
        if let (Some(name), Some(email)) = (name, email) {
            people.push(Person {
                name,
                email,
                roles: person_roles,
                signing_keys,
            });
        }
    }
    people
}

/// `separation_of_duties`: pairs of roles one person may not hold together.
fn read_separation_of_duties(r: &mut Reader, f: Fields) -> Vec<SeparationOfDuties> {
    let mut separation_of_duties = Vec::new();
    for item in r.list_of_maps(f, "separation_of_duties") {
        let pair = r.list(item, "roles");
        let reason = r.text(item, "reason");
        let advisory = r.opt_bool(item, "advisory").unwrap_or(false);
        match (<[String; 2]>::try_from(pair), reason) {
            (Ok(roles), Some(reason)) => separation_of_duties.push(SeparationOfDuties {
                roles,
                reason,
                advisory,
            }),
            (Err(pair), _) => r.error(
                item.line_of("roles"),
                "separation_of_duties.roles",
                format!("name exactly two roles (found {})", pair.len()),
            ),
            _ => {}
        }
    }
    separation_of_duties
}

/// `domains`: the risk domains, each defined once; a deferred one says where it went.
fn read_domains(r: &mut Reader, f: Fields) -> Vec<RiskDomain> {
    let mut domains: Vec<RiskDomain> = Vec::new();
    for item in r.list_of_maps(f, "domains") {
        let id = r.text(item, "id");
        let name = r.text(item, "name");
        let status = r.word(
            item,
            "status",
            DomainStatus::parse,
            &DomainStatus::expected(),
        );
        let deferred_to = r.opt_text(item, "deferred_to");
        if status == Some(DomainStatus::Deferred) && deferred_to.is_none() {
            r.error(
                item.line_of("status"),
                "domains.deferred_to",
                "say where a deferred domain went: a workshop or a date",
            );
        }
        if let Some(id) = &id {
            if domains.iter().any(|d| &d.id == id) {
                r.error(
                    item.line_of("id"),
                    "domains.id",
                    format!("`{id}` is defined twice"),
                );
            }
        }
        if let (Some(id), Some(name), Some(status)) = (id, name, status) {
            domains.push(RiskDomain {
                id,
                name,
                status,
                deferred_to,
            });
        }
    }
    domains
}

/// `assessment`: how often the risks are assessed and when next.
fn read_assessment_schedule(r: &mut Reader, f: Fields) -> Option<AssessmentSchedule> {
    r.map(f, "assessment").and_then(|a| {
        let cadence = r.opt_number(a, "cadence_months", 1, 36);
        let cadence = if cadence.is_none() && a.get("cadence_months").is_none() {
            r.error(
                a.line(),
                "assessment.cadence_months",
                "required field is missing",
            );
            None
        } else {
            cadence
        };
        let next = r.date(a, "next");
        Some(AssessmentSchedule {
            cadence_months: u32::try_from(cadence?).ok()?,
            next: next?,
        })
    })
}

/// `signoff`: one chain of steps per kind of document.
fn read_signoff_chains(r: &mut Reader, f: Fields) -> Vec<SignoffChain> {
    let mut signoff: Vec<SignoffChain> = Vec::new();
    for item in r.list_of_maps(f, "signoff") {
        let kind = r.text(item, "kind");
        let classification = r.opt_word(
            item,
            "classification",
            Classification::parse,
            &Classification::expected(),
        );
        if classification.is_some() && kind.as_deref() != Some("document") {
            r.error(
                item.line_of("classification"),
                "signoff.classification",
                "only a `document` chain is for a classification; a chain of one document is `kind: document:<id>`",
            );
        }
        let mut steps = Vec::new();
        for step in r.list_of_maps(item, "steps") {
            let role = r.text(step, "role");
            let means = r.word(
                step,
                "means",
                SignoffMeans::parse,
                &SignoffMeans::expected(),
            );
            if let (Some(role), Some(means)) = (role, means) {
                steps.push(SignoffStep { role, means });
            }
        }
        if steps.is_empty()
            && !item
                .get("steps")
                .is_some_and(|n| matches!(n.value, yaml::Value::Seq(ref s) if !s.is_empty()))
        {
            r.error(
                item.line_of("steps"),
                "signoff.steps",
                "a sign-off chain needs at least one step",
            );
        }
        if let Some(kind) = kind {
            let chain = SignoffChain {
                kind,
                classification,
                steps,
            };
            if signoff.iter().any(|c| c.is_for(&chain)) {
                r.error(
                    item.line_of("kind"),
                    "signoff.kind",
                    format!("`{}` has two chains; keep one", chain.name()),
                );
            }
            signoff.push(chain);
        }
    }
    signoff
}

/// `methodology`: scales, formula, bands and, while risks are rescored, the mapping
/// from the previous version. What it may be is [`Methodology::check`]'s to say; a
/// problem it finds is reported at the field it names.
fn read_methodology(r: &mut Reader, m: Fields) -> Option<Methodology> {
    let version = r.text(m, "version");
    let formula = match r.opt_text(m, "formula") {
        None => Some(Formula::Product),
        Some(text) => {
            let normal = text
                .replace(['×', '*'], "x")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            match normal.as_str() {
                "likelihood x impact" | "product" => Some(Formula::Product),
                "lookup" => Some(Formula::Lookup),
                _ => {
                    r.error(
                        m.line_of("formula"),
                        "methodology.formula",
                        format!("`{text}` is not a formula ISMS Desk knows; write `likelihood × impact` or `lookup` (with a `matrix`)"),
                    );
                    None
                }
            }
        }
    };
    let likelihood = read_scale(r, m, "likelihood");
    let impact = read_scale(r, m, "impact");
    let matrix = r
        .number_rows(m, "matrix", 1..=i64::from(u8::MAX))
        .unwrap_or_default();
    if formula == Some(Formula::Lookup) && m.get("matrix").is_none() {
        r.error(
            m.line_of("formula"),
            "methodology.matrix",
            "a lookup needs a `matrix`: one row of scores per likelihood level",
        );
    }
    let impact_per_cia = r.opt_bool(m, "impact_per_cia").unwrap_or(false);
    let mut bands = Vec::new();
    for b in r.list_of_maps(m, "bands") {
        let band = r.text(b, "band");
        let min = r.opt_number(b, "min", 1, i64::from(u8::MAX));
        let max = r.opt_number(b, "max", 1, i64::from(u8::MAX));
        for (key, v) in [("min", min), ("max", max)] {
            if v.is_none() && b.get(key).is_none() {
                r.error(
                    b.line(),
                    &format!("methodology.bands.{key}"),
                    "required field is missing",
                );
            }
        }
        let requires = match r.opt_word(
            b,
            "requires",
            BandRequires::parse,
            &BandRequires::expected(),
        ) {
            Some(w) => Some(w),
            None if b.get("requires").is_some() => None,
            None => {
                let default = band.as_deref().and_then(Methodology::default_requires);
                if default.is_none() {
                    r.error(
                        b.line(),
                        "methodology.bands.requires",
                        format!(
                            "required for a band of your own: {}",
                            BandRequires::expected()
                        ),
                    );
                }
                default
            }
        };
        let name = r.opt_text(b, "name");
        let definition = r.text(b, "definition");
        let accepted_by = r.list(b, "accepted_by");
        if let (Some(band), Some(min), Some(max), Some(requires), Some(definition)) =
            (band, min, max, requires, definition)
        {
            bands.push(BandRule {
                name: name.unwrap_or_else(|| title_case(&band)),
                band: Band::new(band),
                min: min as u8,
                max: max as u8,
                requires,
                definition,
                accepted_by,
                tone: 0,
            });
        }
    }
    let rescoring = r.opt_map(m, "rescoring").and_then(|s| {
        let from = r.text(s, "from");
        let likelihood = r.number_list(s, "likelihood", 1..=i64::from(MAX_LEVEL));
        let impact = r.number_list(s, "impact", 1..=i64::from(MAX_LEVEL));
        Some(Rescoring {
            from: from?,
            likelihood: likelihood?,
            impact: impact?,
        })
    });
    let mut methodology = Methodology {
        version: version?,
        formula: formula?,
        likelihood: likelihood?,
        impact: impact?,
        matrix,
        impact_per_cia,
        bands,
        rescoring,
    };
    let complete = r
        .errors
        .iter()
        .all(|e| !e.field.as_deref().unwrap_or("").starts_with("methodology"));
    if complete {
        if let Err(problem) = methodology.check() {
            let field = format!("methodology.{}", problem.field);
            r.error(m.line_of(problem.field), &field, problem.message);
        }
    }
    methodology.order_bands();
    Some(methodology)
}

/// A band id as a name: `manage` → "Manage", `very-high` → "Very high".
fn title_case(id: &str) -> String {
    let spaced = id.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn read_scale(r: &mut Reader, m: Fields, key: &'static str) -> Option<Vec<Level>> {
    let items = r.list_of_maps(m, key);
    let mut levels = Vec::new();
    for item in &items {
        let level = r.opt_level(*item, "level");
        let name = r.text(*item, "name");
        let definition = r.text(*item, "definition");
        if let (Some(level), Some(name), Some(definition)) = (level, name, definition) {
            levels.push(Level {
                level,
                name,
                definition,
            });
        }
    }
    (levels.len() == items.len()).then_some(levels)
}

/// Checks the shape of an OpenSSH public key line: `<algorithm> <base64> [comment]`.
pub fn check_public_key(key: &str) -> Result<(), String> {
    const ALGORITHMS: [&str; 5] = [
        "ssh-ed25519",
        "sk-ssh-ed25519@openssh.com",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ssh-rsa",
    ];
    let mut parts = key.split_whitespace();
    let algorithm = parts.next().unwrap_or("");
    let blob = parts.next().unwrap_or("");
    if !ALGORITHMS.contains(&algorithm) {
        return Err(format!(
            "`{}` is not an SSH public key; expected `ssh-ed25519 AAAA…`",
            shorten(key)
        ));
    }
    let base64 = blob.len() >= 16
        && blob.len().is_multiple_of(4)
        && blob
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='));
    if !base64 {
        return Err(format!(
            "the key `{}` is cut off or damaged: its base64 part is not valid",
            shorten(key)
        ));
    }
    Ok(())
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}
