//! People who could be mistaken for one another. Sign-off names people by their keys,
//! but the people who read a report or approve a governance change read names and
//! emails: two entries that look alike, an email written with letters from another
//! script, or one key listed for two people would let one person pass for another.
//! One function finds them, for `isms check` and for the governance document.

use super::config::IsmsConfig;

/// Something about the people of isms.yaml that could let one pass for another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookAlike {
    /// One key is listed for two people: an error, since a signature by it names nobody.
    pub shared_key: bool,
    /// The person concerned (index in `people`).
    pub person: usize,
    /// The field concerned: `name`, `email` or `signing_keys`.
    pub field: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

/// Every look-alike among the people of `config`.
pub fn look_alikes(config: &IsmsConfig) -> Vec<LookAlike> {
    let mut out = Vec::new();
    let people = &config.people;
    for (i, p) in people.iter().enumerate() {
        if let Some(c) = p.email.chars().find(|c| !c.is_ascii()) {
            out.push(LookAlike {
                shared_key: false,
                person: i,
                field: "email",
                message: format!(
                    "{}'s email {} contains {c:?} (U+{:04X}), which is not plain ASCII and can look like another letter: an address that looks like a colleague's",
                    p.name,
                    p.email,
                    u32::from(c)
                ),
            });
        }
        if mixed_scripts(&p.name) {
            out.push(LookAlike {
                shared_key: false,
                person: i,
                field: "name",
                message: format!(
                    "{}'s name mixes letters of different scripts (Latin with Greek or Cyrillic), as a look-alike of another name would",
                    p.name
                ),
            });
        }
        for q in people.iter().take(i) {
            if skeleton(&p.name) == skeleton(&q.name) {
                out.push(LookAlike {
                    shared_key: false,
                    person: i,
                    field: "name",
                    message: format!(
                        "{} <{}> and {} <{}> have the same name, or names that look the same; reports and sign-off tables would not tell them apart",
                        q.name, q.email, p.name, p.email
                    ),
                });
            }
            if p.email != q.email && skeleton(&p.email) == skeleton(&q.email) {
                out.push(LookAlike {
                    shared_key: false,
                    person: i,
                    field: "email",
                    message: format!(
                        "{}'s email {} looks like {}'s {}",
                        p.name, p.email, q.name, q.email
                    ),
                });
            }
            for key in &p.signing_keys {
                if q.signing_keys.iter().any(|k| same_key(k, key)) {
                    out.push(LookAlike {
                        shared_key: true,
                        person: i,
                        field: "signing_keys",
                        message: format!(
                            "{} and {} list the same signing key ({}…); a signature by it cannot say which of them signed, so each person needs a key of their own",
                            q.name,
                            p.name,
                            key.split_whitespace().take(2).collect::<Vec<_>>().join(" ").chars().take(40).collect::<String>()
                        ),
                    });
                }
            }
        }
    }
    out
}

/// Whether two `ssh-… AAAA… comment` lines are the same key (the comment aside).
fn same_key(a: &str, b: &str) -> bool {
    a.split_whitespace()
        .take(2)
        .eq(b.split_whitespace().take(2))
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
}

fn script(c: char) -> Option<Script> {
    match u32::from(c) {
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Some(Script::Latin),
        0x370..=0x3FF | 0x1F00..=0x1FFF => Some(Script::Greek),
        0x400..=0x52F => Some(Script::Cyrillic),
        _ => None,
    }
}

/// Whether a word of `text` mixes Latin, Greek and Cyrillic letters.
fn mixed_scripts(text: &str) -> bool {
    text.split_whitespace().any(|word| {
        let mut seen: Option<Script> = None;
        word.chars().filter_map(script).any(|s| match seen {
            None => {
                seen = Some(s);
                false
            }
            Some(first) => first != s,
        })
    })
}

/// What a text looks like: lower case, with letters that look alike folded to one
/// (Cyrillic and Greek look-alikes of Latin letters, full-width forms, 0/o, 1/l, rn/m).
fn skeleton(text: &str) -> String {
    let folded: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'а' | 'α' => 'a',
            'е' | 'ε' => 'e',
            'о' | 'ο' | '0' => 'o',
            'р' | 'ρ' => 'p',
            'с' | 'ϲ' => 'c',
            'у' | 'γ' => 'y',
            'х' | 'χ' => 'x',
            'і' | 'ι' | 'ӏ' | '1' | '|' => 'l',
            'ј' => 'j',
            'ѕ' => 's',
            'ԁ' => 'd',
            'ν' => 'v',
            'κ' | 'к' => 'k',
            'т' | 'τ' => 't',
            'н' | 'η' => 'h',
            'м' => 'm',
            'в' | 'β' => 'b',
            c if ('\u{FF01}'..='\u{FF5E}').contains(&c) => {
                char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
            }
            c => c,
        })
        .map(|c| if c == 'i' { 'l' } else { c })
        .collect();
    folded.replace("rn", "m")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_letters_fold_to_the_same_skeleton() {
        assert_eq!(skeleton("Mаja"), skeleton("Maja"), "Cyrillic а");
        assert_eq!(skeleton("jonas.lykke@x"), skeleton("jonas.Iykke@x"));
        assert_eq!(skeleton("modern"), skeleton("modem"));
        assert_ne!(skeleton("Maja"), skeleton("Mads"));
        assert!(mixed_scripts("Mаja Thorsen"));
        assert!(!mixed_scripts("Søren Ærø"));
        assert!(!mixed_scripts("Ελένη Παππά"));
    }
}
