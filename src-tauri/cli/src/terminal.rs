//! Text for a terminal. Record text (a title, a message quoting one) is written by
//! anyone with push access; printed raw, an escape sequence in it could move the cursor
//! and rewrite the line of an error above it. Control characters are shown escaped.

use std::borrow::Cow;

/// `text` with every control character but tab shown as an escape (`\u{1b}`).
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() && c != '\t' {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        assert_eq!(safe("plain ø"), "plain ø");
        assert_eq!(safe("a\u{1b}[2Kb\r"), "a\\u{1b}[2Kb\\u{d}");
    }
}
