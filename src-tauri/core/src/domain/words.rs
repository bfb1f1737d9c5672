//! Fixed words: the values an enum is written as in files and on the command line
//! (`not_implemented`, `risk-assessment`), and how an unknown word is answered.
//!
//! An enum of words is a plain enum whose variants carry their docs; strum derives
//! the words from the variant names (the same conversion serde uses, so the file,
//! the JSON and the command line agree), and `words!` adds the four methods every
//! caller uses: `ALL`, `as_str`, `parse` and `expected`, and `Display` as the word.

/// Adds `ALL`, `as_str`, `parse` and `expected` to enums that derive strum's
/// `IntoStaticStr`, `EnumString`, `VariantArray` and `VariantNames`.
macro_rules! words {
    ($($name:ty),+ $(,)?) => {$(
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = <$name as strum::VariantArray>::VARIANTS;

            /// The word used in files.
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// Parses the word used in files (exactly: words are case-sensitive).
            pub fn parse(text: &str) -> Option<Self> {
                text.parse().ok()
            }

            /// The accepted words, for error messages: `a, b or c`.
            pub fn expected() -> String {
                $crate::domain::words::one_of(<$name as strum::VariantNames>::VARIANTS)
            }
        }

        /// Shows the word used in files.
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}
pub(crate) use words;

/// Declares an enum of snake_case words with the derives every such enum carries and
/// [`words!`]'s methods: `word_enum! { /// doc \n Name { /// doc \n Variant, … } }`.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
            strum::IntoStaticStr, strum::EnumString, strum::VariantArray, strum::VariantNames,
        )]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }
        $crate::domain::words::words!($name);
    };
}
pub(crate) use word_enum;

/// Formats a list of accepted words: `a, b or c`.
pub fn one_of(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// The known word closest to `word`, if it is within two edits (a likely typo).
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .copied()
        .min_by_key(|k| edit_distance(k, word))
        .filter(|k| edit_distance(k, word) <= 2)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_likely_typo_is_matched_and_a_stranger_is_not() {
        assert_eq!(
            closest("likelyhood", &["likelihood", "impact"]),
            Some("likelihood")
        );
        assert_eq!(closest("colour", &["likelihood", "impact"]), None);
        assert_eq!(one_of(&["a", "b", "c"]), "a, b or c");
    }
}
