//! Files users upload before attaching them to a message.

use crate::Timestamp;
use crate::actor::Actor;
use crate::error::ValidationError;
use crate::ids::{MessageId, TicketId};
use crate::message::{FileName, FilePath, Visibility};

/// Names a stored upload: 32 lowercase hexadecimal digits the server chose at
/// random. It is the only thing that names a file in storage, so no byte a
/// client sends ever becomes part of a storage path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UploadKey(String);

impl UploadKey {
    /// How many hexadecimal digits a key has.
    pub const LEN: usize = 32;

    /// A key from 16 random bytes.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        Self(hex::encode(bytes))
    }

    /// Checks and wraps a key: exactly 32 lowercase hexadecimal digits.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        if s.len() == Self::LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new(
                "must be an upload key: 32 lowercase hexadecimal digits",
            ))
        }
    }

    /// The key of the upload an attachment path names (`/uploads/<key>`), if
    /// the path has that form.
    pub fn from_file_path(path: &FilePath) -> Option<Self> {
        path.as_str()
            .strip_prefix(FilePath::PREFIX)
            .and_then(|rest| Self::parse(rest).ok())
    }

    /// The attachment path clients send for this upload: `/uploads/<key>`.
    pub fn file_path(&self) -> FilePath {
        FilePath::from_key(&self.0)
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UploadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an upload was attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachedTo {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The message on it.
    pub message_id: MessageId,
    /// Who may read that message, and so the file.
    pub visibility: Visibility,
}

/// A file a user uploaded: stored, measured and typed, and attached to at
/// most one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Its key, which also names its bytes in storage.
    pub key: UploadKey,
    /// Who uploaded it. Only they may attach it.
    pub owner: Actor,
    /// Its name, made safe (see [`FileName::sanitize`]).
    pub file_name: FileName,
    /// The media type sniffed from its bytes, e.g. `application/pdf`.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes, as 64 lowercase hexadecimal digits.
    pub sha256: String,
    /// When it was uploaded.
    pub created_at: Timestamp,
    /// The message it is attached to, once it is.
    pub attached_to: Option<AttachedTo>,
}

impl Upload {
    /// The attachment path clients send for this upload.
    pub fn file_path(&self) -> FilePath {
        self.key.file_path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_32_lowercase_hex_digits() {
        let key = UploadKey::from_random([0xab; 16]);
        assert_eq!(key.as_str(), "ab".repeat(16));
        assert_eq!(UploadKey::parse(key.as_str()), Ok(key.clone()));
        assert!(UploadKey::parse(&"AB".repeat(16)).is_err());
        assert!(UploadKey::parse(&"ab".repeat(15)).is_err());
        assert!(UploadKey::parse("../../etc/passwd").is_err());
        assert_eq!(key.file_path().as_str(), format!("/uploads/{key}"));
    }

    #[test]
    fn only_upload_paths_name_a_key() {
        let key = UploadKey::from_random([7; 16]);
        assert_eq!(UploadKey::from_file_path(&key.file_path()), Some(key));
        let legacy = FilePath::parse("/uploads/attachment1.pdf").unwrap();
        assert_eq!(UploadKey::from_file_path(&legacy), None);
        let nested = FilePath::parse(format!("/uploads/x/{}", "a".repeat(32))).unwrap();
        assert_eq!(UploadKey::from_file_path(&nested), None);
    }
}
