use crate::Timestamp;
use crate::actor::Actor;
use crate::error::{ValidationError, check_len};
use crate::ids::{AttachmentId, MessageId, TicketId};
use crate::ticket::Audit;

/// The text of a message on a ticket: 1-10000 characters, not blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    /// The largest message accepted, in characters.
    pub const MAX_CHARS: usize = 10_000;

    /// Checks and wraps a message.
    pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
        let s = s.into();
        check_len(&s, 1, Self::MAX_CHARS)?;
        if s.trim().is_empty() {
            return Err(ValidationError::new("must not be blank"));
        }
        if s.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(ValidationError::new("must not contain control characters"));
        }
        Ok(Self(s))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name an attachment is shown under: 1-255 characters, no `/`, `\` or
/// control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    /// Checks and wraps a file name.
    pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
        let s = s.into();
        check_len(&s, 1, 255)?;
        if s.contains(['/', '\\']) {
            return Err(ValidationError::new("must not contain / or \\"));
        }
        if s.chars().any(char::is_control) {
            return Err(ValidationError::new("must not contain control characters"));
        }
        if s == "." || s == ".." {
            return Err(ValidationError::new("must be a file name"));
        }
        Ok(Self(s))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where an attachment's file lives: a path under `/uploads/`, at most 1024
/// characters, with no `..` segment, no `\`, no scheme and no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePath(String);

impl FilePath {
    /// The prefix every attachment path starts with.
    pub const PREFIX: &'static str = "/uploads/";

    /// Checks and wraps a path.
    pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
        let s = s.into();
        check_len(&s, 1, 1024)?;
        if !s.starts_with(Self::PREFIX) || s.len() == Self::PREFIX.len() {
            return Err(ValidationError::new("must be a file under /uploads/"));
        }
        if s.contains('\\') || s.contains("://") {
            return Err(ValidationError::new(
                "must be a plain path, without \\ or a scheme",
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(ValidationError::new("must not contain control characters"));
        }
        if s.split('/').any(|seg| seg == ".." || seg == ".") {
            return Err(ValidationError::new("must not contain . or .. segments"));
        }
        if s.ends_with('/') || s.contains("//") {
            return Err(ValidationError::new(
                "must name a file, without empty segments",
            ));
        }
        Ok(Self(s))
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who may read a message (and its attachments and log entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Visibility {
    /// Everyone who may see the ticket, the customer included.
    #[default]
    Public,
    /// Agents and admins only: an internal note.
    Internal,
}

impl Visibility {
    /// The name used on the wire and in storage: `public` or `internal`.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Internal => "internal",
        }
    }

    /// Reads a visibility from its name.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s {
            "public" => Ok(Visibility::Public),
            "internal" => Ok(Visibility::Internal),
            _ => Err(ValidationError::new("must be public or internal")),
        }
    }

    /// Whether a user of kind `who` may see what has this visibility.
    pub fn is_visible_to(self, who: crate::UserType) -> bool {
        self == Visibility::Public || who.is_staff()
    }
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its id.
    pub id: AttachmentId,
    /// The message it belongs to.
    pub message_id: MessageId,
    /// The ticket of that message.
    pub ticket_id: TicketId,
    /// The name shown to people.
    pub file_name: FileName,
    /// Where the file lives.
    pub file_path: FilePath,
    /// Whether the attachment is active.
    pub is_active: bool,
    /// Whether the attachment is deleted.
    pub is_delete: bool,
    /// Who made and last changed it, and when.
    pub audit: Audit,
}

/// A message on a ticket, with its attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// The ticket it was posted on.
    pub ticket_id: TicketId,
    /// Who sent it.
    pub sender: Actor,
    /// Its text; `None` when only attachments were sent.
    pub body: Option<MessageBody>,
    /// When the server received it.
    pub sent_at: Timestamp,
    /// Who may read it.
    pub visibility: Visibility,
    /// Whether the message is active.
    pub is_active: bool,
    /// Whether the message is deleted.
    pub is_delete: bool,
    /// Who made and last changed it, and when.
    pub audit: Audit,
    /// Its files, in the order they were sent.
    pub attachments: Vec<Attachment>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_notes_are_for_staff_only() {
        use crate::UserType;
        assert!(Visibility::Public.is_visible_to(UserType::Customer));
        assert!(!Visibility::Internal.is_visible_to(UserType::Customer));
        assert!(Visibility::Internal.is_visible_to(UserType::Agent));
        assert!(Visibility::Internal.is_visible_to(UserType::Admin));
        assert_eq!(Visibility::parse("internal"), Ok(Visibility::Internal));
        assert!(Visibility::parse("private").is_err());
    }

    #[test]
    fn message_body_refuses_blank_and_overlong_text() {
        assert!(MessageBody::parse("").is_err());
        assert!(MessageBody::parse(" \n ").is_err());
        assert!(MessageBody::parse("x".repeat(10_000)).is_ok());
        assert!(MessageBody::parse("x".repeat(10_001)).is_err());
    }

    #[test]
    fn file_name_refuses_separators_and_control_characters() {
        assert!(FileName::parse("attachment1.pdf").is_ok());
        assert!(FileName::parse("Überweisung – März.pdf").is_ok());
        for bad in ["", "a/b", "a\\b", "nul\u{0}", "..", &"n".repeat(256)] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn file_path_must_stay_under_uploads() {
        assert!(FilePath::parse("/uploads/attachment1.pdf").is_ok());
        assert!(FilePath::parse("/uploads/2025/04/a.pdf").is_ok());
        for bad in [
            "",
            "/uploads/",
            "uploads/a.pdf",
            "/etc/passwd",
            "/uploads/../etc/passwd",
            "/uploads/a/../../b",
            "/uploads/./a",
            "/uploads/a\\b",
            "/uploads/http://x",
            "https://example.com/uploads/a",
            "/uploads/a\u{0}",
            "/uploads//a",
            "/uploads/dir/",
        ] {
            assert!(FilePath::parse(bad).is_err(), "{bad:?}");
        }
        assert!(FilePath::parse(format!("/uploads/{}", "a".repeat(1015))).is_ok());
        assert!(FilePath::parse(format!("/uploads/{}", "a".repeat(1016))).is_err());
    }
}
