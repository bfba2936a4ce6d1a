//! The numbers and shapes of the rules on text that comes in, each written
//! once. The domain's constructors check them (`Subject::parse`, ...); the HTTP
//! adapter validates request bodies against the same constants and publishes
//! them in its OpenAPI document (`maxLength`, `pattern`), so a client, the
//! adapter and the model can never disagree about a limit.

use crate::error::ValidationError;

/// Which characters a piece of text may hold, besides its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharRule {
    /// Free text: not blank; no control characters but tab, line feed and
    /// carriage return (subjects, descriptions, messages).
    Text,
    /// One line: not blank, no control characters at all (category names).
    Line,
    /// An identifier: no control characters, no white space at either end
    /// (user ids).
    Id,
    /// A file's name: no `/`, `\` or control characters, not `.` or `..`.
    FileName,
    /// A path under `/uploads/`: no `\`, no control characters, no `.`, `..`
    /// or empty segment.
    UploadPath,
    /// A search term: no control characters; may be empty (no filter).
    Term,
}

/// A rule on a piece of text: its length in characters (not bytes) and which
/// characters it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// The fewest characters accepted.
    pub min_chars: u64,
    /// The most characters accepted.
    pub max_chars: u64,
    /// Which characters, and where.
    pub chars: CharRule,
}

/// The C0 and C1 control characters, as a regular-expression class body.
const CONTROLS: &str = r"\x00-\x1f\x7f-\x9f";
/// The control characters free text refuses (all but tab, LF and CR).
const TEXT_CONTROLS: &str = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f";

/// A ticket's subject.
pub const SUBJECT: TextRule = TextRule {
    min_chars: 1,
    max_chars: 200,
    chars: CharRule::Text,
};
/// A ticket's description.
pub const DESCRIPTION: TextRule = TextRule {
    min_chars: 1,
    max_chars: 10_000,
    chars: CharRule::Text,
};
/// The text of a message.
pub const MESSAGE_BODY: TextRule = TextRule {
    min_chars: 1,
    max_chars: 10_000,
    chars: CharRule::Text,
};
/// A category's name.
pub const CATEGORY_NAME: TextRule = TextRule {
    min_chars: 1,
    max_chars: 100,
    chars: CharRule::Line,
};
/// A user id, as the identity provider issues it.
pub const USER_ID: TextRule = TextRule {
    min_chars: 1,
    max_chars: 128,
    chars: CharRule::Id,
};
/// The name an attachment is shown under.
pub const FILE_NAME: TextRule = TextRule {
    min_chars: 1,
    max_chars: 255,
    chars: CharRule::FileName,
};
/// Where an attachment's file lives.
pub const FILE_PATH: TextRule = TextRule {
    min_chars: 1,
    max_chars: 1024,
    chars: CharRule::UploadPath,
};
/// A search keyword (empty means no filter).
pub const KEYWORD: TextRule = TextRule {
    min_chars: 0,
    max_chars: 200,
    chars: CharRule::Term,
};

/// The most files one message may carry.
pub const MAX_ATTACHMENTS: u64 = 10;

impl TextRule {
    /// Checks the length of `value`, in characters.
    pub fn check_len(&self, value: &str) -> Result<(), ValidationError> {
        let len = value.chars().count() as u64;
        if len < self.min_chars {
            return Err(ValidationError::new(if self.min_chars == 1 {
                "must not be empty".to_owned()
            } else {
                format!("must be at least {} characters", self.min_chars)
            }));
        }
        if len > self.max_chars {
            return Err(ValidationError::new(format!(
                "must be at most {} characters",
                self.max_chars
            )));
        }
        Ok(())
    }

    /// A regular expression (ECMA-262, as OpenAPI documents use) that accepts
    /// what the domain's constructor accepts, for clients to check input
    /// before sending it. The length is stated apart (`minLength`,
    /// `maxLength`), except where the pattern has to count characters itself.
    pub fn pattern(&self) -> String {
        match self.chars {
            CharRule::Text => format!(r"^[^{TEXT_CONTROLS}]*[^\s{CONTROLS}][^{TEXT_CONTROLS}]*$"),
            CharRule::Line => format!(r"^[^{CONTROLS}]*[^\s{CONTROLS}][^{CONTROLS}]*$"),
            CharRule::Id => format!("^{}$", self.id_pattern("")),
            CharRule::FileName => format!(
                r"^(?!\.\.?$)[^/\\{CONTROLS}]{{{},{}}}$",
                self.min_chars, self.max_chars
            ),
            CharRule::UploadPath => {
                format!(r"^/uploads(/(?!\.\.?(/|$))[^/\\{CONTROLS}]+)+$")
            }
            CharRule::Term => format!(r"^[^{CONTROLS}]*$"),
        }
    }

    /// A pattern for a comma-separated list of values of this rule (query
    /// parameters that take several ids); the values may not hold commas.
    pub fn list_pattern(&self) -> String {
        let one = self.id_pattern(",");
        format!("^{one}(,{one})*$")
    }

    /// An identifier without anchors: no control characters, none of
    /// `excluded`, no white space at either end.
    fn id_pattern(&self, excluded: &str) -> String {
        let inner = self.max_chars.saturating_sub(2);
        format!(
            r"[^{excluded}\s{CONTROLS}]([^{excluded}{CONTROLS}]{{0,{inner}}}[^{excluded}\s{CONTROLS}])?"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_counted_in_characters_with_the_documented_messages() {
        assert_eq!(SUBJECT.check_len(&"é".repeat(200)), Ok(()));
        assert_eq!(
            SUBJECT.check_len(&"é".repeat(201)),
            Err(ValidationError::new("must be at most 200 characters"))
        );
        assert_eq!(
            SUBJECT.check_len(""),
            Err(ValidationError::new("must not be empty"))
        );
        assert_eq!(KEYWORD.check_len(""), Ok(()));
    }

    #[test]
    fn patterns_carry_the_rule_numbers() {
        assert!(USER_ID.pattern().contains("{0,126}"));
        assert!(FILE_NAME.pattern().contains("{1,255}"));
        assert_eq!(
            USER_ID.list_pattern().matches("{0,126}").count(),
            2,
            "{}",
            USER_ID.list_pattern()
        );
    }
}
