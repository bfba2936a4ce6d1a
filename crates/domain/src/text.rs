use crate::error::ValidationError;
use crate::rules::{self, TextRule};

/// Refuses control characters other than tab, line feed and carriage return.
fn check_text_controls(s: &str) -> Result<(), ValidationError> {
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(ValidationError::new("must not contain control characters"));
    }
    Ok(())
}

fn check_not_blank(s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Err(ValidationError::new("must not be blank"));
    }
    Ok(())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $rule:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// The rule it is checked against.
            pub const RULE: TextRule = $rule;

            /// Checks and wraps the text.
            pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
                let s = s.into();
                check_free_text(&Self::RULE, &s)?;
                Ok(Self(s))
            }

            /// Wraps text read back from storage without checking it: rules
            /// apply to what comes in, and a rule tightened later must not
            /// make stored rows unreadable.
            pub fn from_stored(s: impl Into<String>) -> Self {
                Self(s.into())
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, owned.
            pub fn into_inner(self) -> String {
                self.0
            }
        }
    };
}

text_type!(
    /// A ticket's subject: 1-200 characters, not blank.
    Subject,
    rules::SUBJECT
);
text_type!(
    /// A ticket's description: 1-10000 characters, not blank.
    Description,
    rules::DESCRIPTION
);
text_type!(
    /// The text of a message on a ticket: 1-10000 characters, not blank.
    MessageBody,
    rules::MESSAGE_BODY
);

/// Checks free text against `rule`: its length, not blank, and no control
/// characters but tab, line feed and carriage return.
fn check_free_text(rule: &TextRule, s: &str) -> Result<(), ValidationError> {
    rule.check_len(s)?;
    check_not_blank(s)?;
    check_text_controls(s)
}

/// A ticket's public reference, assigned by the server, unique and stable
/// (`TKT-` followed by ten upper-case letters and digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefId(String);

impl RefId {
    /// Wraps text read back from storage without checking it: rules apply to
    /// what comes in, and a rule tightened later must not make stored rows
    /// unreadable.
    pub fn from_stored(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The alphabet of the random part: no 0/O or 1/I, easy to read aloud.
    pub const ALPHABET: &'static [u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    /// How many random characters follow the prefix.
    pub const RANDOM_LEN: usize = 10;

    /// Makes a reference from `RANDOM_LEN` random bytes (each is reduced onto the
    /// alphabet).
    pub fn from_random(bytes: [u8; Self::RANDOM_LEN]) -> Self {
        let alphabet_len = Self::ALPHABET.len();
        let tail: String = bytes
            .iter()
            .map(|b| char::from(Self::ALPHABET[usize::from(*b) % alphabet_len]))
            .collect();
        Self(format!("TKT-{tail}"))
    }

    /// Wraps a reference read back from storage. Older references of any shape
    /// are kept as they are; only empty ones are refused.
    pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
        let s = s.into();
        const STORED: TextRule = TextRule {
            min_chars: 1,
            max_chars: 64,
            chars: rules::CharRule::Term,
        };
        STORED.check_len(&s)?;
        Ok(Self(s))
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A search keyword for the ticket list: at most 200 characters, without the
/// white space around it. Matching is a case-insensitive substring match in
/// which `%` and `_` are ordinary characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword(String);

impl Keyword {
    /// The largest keyword accepted, in characters.
    pub const MAX_CHARS: usize = rules::KEYWORD.max_chars as usize;

    /// Checks a keyword; an empty (or all-blank) keyword means "no filter" and
    /// gives `None`.
    pub fn parse(s: &str) -> Result<Option<Self>, ValidationError> {
        rules::KEYWORD.check_len(s)?;
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        if s.chars().any(char::is_control) {
            return Err(ValidationError::new("must not contain control characters"));
        }
        Ok(Some(Self(s.to_owned())))
    }

    /// The keyword as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The keyword folded for matching against [`search_text`].
    pub fn folded(&self) -> String {
        fold_case(&self.0)
    }
}

/// Folds text for case-insensitive matching, the same way on every database.
pub fn fold_case(s: &str) -> String {
    s.to_lowercase()
}

/// The text a keyword is matched against for a ticket: its subject, description
/// and reference, case-folded, separated by line feeds. Keywords hold no control
/// characters, so a match never spans two fields.
pub fn search_text(subject: &str, description: &str, ref_id: &str) -> String {
    fold_case(&format!("{subject}\n{description}\n{ref_id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_bounds_are_1_to_200_characters() {
        assert!(Subject::parse("").is_err());
        assert!(Subject::parse("   ").is_err());
        assert!(Subject::parse("é".repeat(200)).is_ok());
        assert!(Subject::parse("é".repeat(201)).is_err());
        assert!(Subject::parse("bell\u{7}").is_err());
    }

    #[test]
    fn description_keeps_line_breaks_and_allows_10000_characters() {
        assert!(Description::parse("line one\nline two\tindented").is_ok());
        assert!(Description::parse("x".repeat(10_000)).is_ok());
        assert!(Description::parse("x".repeat(10_001)).is_err());
    }

    #[test]
    fn ref_ids_use_the_readable_alphabet() {
        let r = RefId::from_random([0, 31, 32, 255, 7, 8, 9, 10, 11, 12]);
        assert_eq!(r.as_str().len(), 14);
        assert!(r.as_str().starts_with("TKT-"));
        assert!(
            r.as_str()[4..]
                .bytes()
                .all(|b| RefId::ALPHABET.contains(&b))
        );
    }

    #[test]
    fn blank_keyword_is_no_filter_and_control_characters_are_refused() {
        assert_eq!(Keyword::parse(""), Ok(None));
        assert_eq!(Keyword::parse("  "), Ok(None));
        assert!(Keyword::parse("a\nb").is_err());
        assert!(Keyword::parse(&"k".repeat(201)).is_err());
        let k = Keyword::parse("  RÉFUND 50% ").unwrap().unwrap();
        assert_eq!(k.as_str(), "RÉFUND 50%");
        assert_eq!(k.folded(), "réfund 50%");
    }

    #[test]
    fn search_text_folds_case_of_every_field() {
        assert_eq!(search_text("Ab", "ÇD", "TKT-X"), "ab\nçd\ntkt-x");
    }
}
