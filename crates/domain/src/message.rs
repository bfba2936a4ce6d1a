use crate::Timestamp;
use crate::actor::Actor;
use crate::error::ValidationError;
use crate::ids::{AttachmentId, MessageId, TicketId};
use crate::rules;
use crate::text::MessageBody;
use crate::ticket::Audit;

/// The name an attachment is shown under: 1-255 characters, no `/`, `\` or
/// control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    /// Checks and wraps a file name.
    pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
        let s = s.into();
        rules::FILE_NAME.check_len(&s)?;
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

    /// Makes any name a client sends safe to show and to offer for download,
    /// keeping what can be kept (Unicode letters included): path parts are
    /// dropped (`../../x` becomes `x`), control and text-direction characters
    /// removed, characters some file systems refuse replaced by `_`, trailing
    /// dots and spaces trimmed, names a system reserves (`CON`, `NUL.txt`,
    /// `.htaccess`) prefixed with `_`, and the result cut to 255 characters,
    /// keeping its extension. A name with nothing left becomes `file`.
    pub fn sanitize(raw: &str) -> Self {
        let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let cleaned: String = base
            .chars()
            .filter(|c| !c.is_control() && !is_direction_mark(*c))
            .map(|c| {
                if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let trimmed = cleaned.trim().trim_end_matches(['.', ' ']);
        if trimmed.is_empty() {
            return Self("file".to_owned());
        }
        let mut name = if trimmed.starts_with('.') || is_reserved_name(trimmed) {
            format!("_{trimmed}")
        } else {
            trimmed.to_owned()
        };
        const MAX: usize = rules::FILE_NAME.max_chars as usize;
        if name.chars().count() > MAX {
            let ext: String = match name.rfind('.') {
                Some(dot) if name[dot..].chars().count() <= 16 => name[dot..].to_owned(),
                _ => String::new(),
            };
            let keep = MAX - ext.chars().count();
            name = name.chars().take(keep).collect::<String>() + &ext;
        }
        Self(name)
    }

    /// A name as it was stored, made safe to show: control and
    /// text-direction characters removed (names stored before they were
    /// refused), nothing else changed and nothing refused, so that tightening
    /// a rule never makes stored rows unreadable. Nothing left becomes `file`.
    pub fn from_stored(stored: &str) -> Self {
        let shown: String = stored
            .chars()
            .filter(|c| !c.is_control() && !is_direction_mark(*c))
            .collect();
        if shown.trim().is_empty() {
            return Self("file".to_owned());
        }
        Self(shown)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters that reorder how text is shown (`invoice\u{202E}fdp.exe` looks
/// like `invoiceexe.pdf`).
fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Device names Windows reserves, with or without an extension.
fn is_reserved_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default().trim_end();
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && upper.as_bytes()[3].is_ascii_digit())
}

/// Where an attachment's file lives: a path under `/uploads/`, at most 1024
/// characters, with no `..` segment, no `\`, no scheme and no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePath(String);

impl FilePath {
    /// Wraps text read back from storage without checking it: rules apply to
    /// what comes in, and a rule tightened later must not make stored rows
    /// unreadable.
    pub fn from_stored(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The prefix every attachment path starts with.
    pub const PREFIX: &'static str = "/uploads/";

    /// Checks and wraps a path.
    pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
        let s = s.into();
        rules::FILE_PATH.check_len(&s)?;
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

    /// The path of the upload with this key (checked by `UploadKey`).
    pub(crate) fn from_key(key: &str) -> Self {
        Self(format!("{}{key}", Self::PREFIX))
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
    /// The stored upload behind it; `None` for a path recorded without one
    /// (by an older backend, with the upload check switched off).
    pub upload: Option<crate::UploadKey>,
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
    fn hostile_file_names_are_made_safe() {
        let safe = |raw: &str| FileName::sanitize(raw).as_str().to_owned();
        assert_eq!(safe("../../x"), "x");
        assert_eq!(safe("a/b"), "b");
        assert_eq!(safe("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(safe("evil\0name.txt"), "evilname.txt");
        assert_eq!(safe("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        let stored = |raw: &str| FileName::from_stored(raw).as_str().to_owned();
        assert_eq!(stored("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(stored("a\u{2066}b\u{0007}.pdf"), "ab.pdf");
        assert_eq!(stored("CON: notes.txt"), "CON: notes.txt");
        assert_eq!(stored("\u{202E}"), "file");
        assert_eq!(safe("what?.txt"), "what_.txt");
        assert_eq!(safe("CON"), "_CON");
        assert_eq!(safe("nul.txt"), "_nul.txt");
        assert_eq!(safe("com1.log"), "_com1.log");
        assert_eq!(safe("computer.log"), "computer.log");
        assert_eq!(safe(".htaccess"), "_.htaccess");
        assert_eq!(safe("name. . "), "name");
        assert_eq!(safe(".."), "file");
        assert_eq!(safe("../"), "file");
        assert_eq!(safe(""), "file");
        assert_eq!(safe("Résumé 履歴書.pdf"), "Résumé 履歴書.pdf");
        let long = safe(&format!("{}.pdf", "é".repeat(300)));
        assert_eq!(long.chars().count(), 255);
        assert!(long.ends_with("é.pdf"));
        // Every result is a valid file name.
        for raw in ["../../x", "a/b", "\0", &"x".repeat(300), "CON", "\u{202E}"] {
            let name = FileName::sanitize(raw);
            assert_eq!(FileName::parse(name.as_str()), Ok(name));
        }
    }

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
