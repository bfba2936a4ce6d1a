//! Messages and their attachments: as the details show them, as the message
//! call takes them, and as it answers.

use serde::{Deserialize, Serialize};
use ticketd_app::{AttachmentInput, FieldError, NewMessageInput};
use ticketd_domain::{Attachment, FileName, FilePath, Message, MessageBody, rules};
use utoipa::ToSchema;
use validator::Validate;

use super::checks::{self, Checked, json_fields, parsed};
use super::json::{not_null, not_null_objects};
use super::{AuditDto, UserTypeDto, VisibilityDto, time};

/// A file attached to a message.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentDto {
    /// Who attached it and last changed it, and when.
    #[serde(flatten)]
    pub audit: AuditDto,
    /// Its id.
    #[schema(example = 789)]
    pub id: i64,
    /// The ticket.
    #[schema(example = 123)]
    pub ticket_id: i64,
    /// The message it belongs to.
    #[schema(example = 456)]
    pub message_id: i64,
    /// The name shown to people.
    #[schema(example = "attachment1.pdf")]
    pub file_name: String,
    /// Where the file lives, and where to download it (with the Authorization
    /// header).
    #[schema(example = "/uploads/3f9c2a7e5b1d4c8f9a0b1c2d3e4f5a6b")]
    pub file_path: String,
    /// A link that downloads the file without the Authorization header (for
    /// `<img>` tags and browsers) for a few minutes; read the ticket again for
    /// a fresh one. `null` when no stored file is behind the attachment (one
    /// recorded by an older backend).
    #[schema(
        required = true,
        example = "/backend/api/support-ticket/uploads/3f9c2a7e5b1d4c8f9a0b1c2d3e4f5a6b?expires=1743501900&signature=5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592"
    )]
    pub download_url: Option<String>,
    /// The upload behind it, to sign `download_url` with.
    #[serde(skip)]
    pub(crate) upload: Option<ticketd_domain::UploadKey>,
    /// Whether it is active.
    #[schema(example = true)]
    pub is_active: bool,
    /// Whether it is deleted.
    #[schema(example = false)]
    pub is_delete: bool,
}

impl From<&Attachment> for AttachmentDto {
    fn from(a: &Attachment) -> Self {
        Self {
            audit: AuditDto::from(&a.audit),
            id: a.id.get(),
            ticket_id: a.ticket_id.get(),
            message_id: a.message_id.get(),
            file_name: a.file_name.as_str().to_owned(),
            file_path: a.file_path.as_str().to_owned(),
            download_url: None,
            upload: a.upload.clone(),
            is_active: a.is_active,
            is_delete: a.is_delete,
        }
    }
}

/// A message on a ticket, with its attachments.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageDto {
    /// Who wrote it and last changed it, and when.
    #[serde(flatten)]
    pub audit: AuditDto,
    /// Its id.
    #[schema(example = 456)]
    pub id: i64,
    /// The ticket.
    #[schema(example = 123)]
    pub ticket_id: i64,
    /// The sender's user id.
    #[schema(example = "user01")]
    pub sender_id: String,
    /// The sender's kind.
    pub sender_type: UserTypeDto,
    /// The text; empty when only attachments were sent.
    #[schema(example = "Can you please update on my refund request?")]
    pub message: String,
    /// When the server received it.
    #[schema(example = "2025-04-01T10:00:00Z", format = DateTime)]
    pub sent_at: String,
    /// Who may read it: `internal` notes are for agents and admins only.
    pub visibility: VisibilityDto,
    /// Whether it is active.
    #[schema(example = true)]
    pub is_active: bool,
    /// Whether it is deleted.
    #[schema(example = false)]
    pub is_delete: bool,
    /// Its files.
    pub ticket_attachments: Vec<AttachmentDto>,
}

/// A message's text as the API shows it: empty when only files were sent.
fn text(m: &Message) -> String {
    m.body
        .as_ref()
        .map_or_else(String::new, |b| b.as_str().to_owned())
}

impl From<&Message> for MessageDto {
    fn from(m: &Message) -> Self {
        Self {
            audit: AuditDto::from(&m.audit),
            id: m.id.get(),
            ticket_id: m.ticket_id.get(),
            sender_id: m.sender.id.to_string(),
            sender_type: m.sender.user_type.into(),
            message: text(m),
            sent_at: time(m.sent_at),
            visibility: m.visibility.into(),
            is_active: m.is_active,
            is_delete: m.is_delete,
            ticket_attachments: m.attachments.iter().map(AttachmentDto::from).collect(),
        }
    }
}

/// A file reference, as the message call takes and echoes it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachmentRef {
    /// The name shown to people: 1-255 characters, no `/`, `\` or control characters.
    #[schema(example = "attachment1.pdf")]
    #[validate(
        length(min = rules::FILE_NAME.min_chars, max = rules::FILE_NAME.max_chars),
        custom(function = "checks::file_name")
    )]
    pub file_name: String,
    /// The `filePath` an upload answered (see Upload Files). In general: under
    /// `/uploads/`, no `.` or `..` segment, no `\`, at most 1024 characters.
    #[schema(example = "/uploads/3f9c2a7e5b1d4c8f9a0b1c2d3e4f5a6b")]
    #[validate(
        length(min = rules::FILE_PATH.min_chars, max = rules::FILE_PATH.max_chars),
        custom(function = "checks::file_path")
    )]
    pub file_path: String,
}

/// The body of the message call: a message, attachments, or both.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddMessageRequest {
    /// The text: at most 10000 characters, not blank.
    #[schema(nullable = false, example = "Can you provide an update on my request?")]
    #[serde(default, deserialize_with = "not_null")]
    #[validate(
        length(min = rules::MESSAGE_BODY.min_chars, max = rules::MESSAGE_BODY.max_chars),
        custom(function = "checks::message_body")
    )]
    pub message: Option<String>,
    /// At most 10 files.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "not_null_objects")]
    #[validate(length(max = rules::MAX_ATTACHMENTS, code = "attachments"), nested)]
    pub attachments: Option<Vec<AttachmentRef>>,
    /// `internal` makes an internal note, for agents and admins only
    /// (customers never see it); `public` by default.
    pub visibility: Option<VisibilityDto>,
}

impl Checked for AddMessageRequest {
    fn item_fields(field: &str) -> &'static [&'static str] {
        match field {
            "attachments" => json_fields::<AttachmentRef>(),
            _ => &[],
        }
    }
}

impl AddMessageRequest {
    /// Checks every field, reporting all that are wrong.
    pub fn into_input(self) -> Result<NewMessageInput, Vec<FieldError>> {
        self.check()?;
        let body = self
            .message
            .map(|m| parsed("message", MessageBody::parse(m)))
            .transpose()?;
        let mut attachments = Vec::new();
        for (i, a) in self.attachments.unwrap_or_default().into_iter().enumerate() {
            // Checked as documented, then made safe as uploads' names are
            // (text-direction characters out, reserved names prefixed, ...).
            let name = parsed(
                &format!("attachments[{i}].fileName"),
                FileName::parse(a.file_name),
            )?;
            let path = parsed(
                &format!("attachments[{i}].filePath"),
                FilePath::parse(a.file_path),
            )?;
            attachments.push(AttachmentInput {
                file_name: FileName::sanitize(name.as_str()),
                file_path: path,
            });
        }
        Ok(NewMessageInput {
            body,
            attachments,
            visibility: self.visibility.unwrap_or_default().into(),
        })
    }
}

/// What the message call answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddedMessageDto {
    /// The ticket.
    #[schema(example = 123)]
    pub ticket_id: i64,
    /// The text stored; empty when only attachments were sent.
    #[schema(example = "Can you provide an update on my request?")]
    pub message: String,
    /// The files stored.
    pub attachments: Vec<AttachmentRef>,
    /// The new message's id.
    #[schema(example = 456)]
    pub id: i64,
    /// When the server received it.
    #[schema(example = "2025-04-01T10:00:00Z", format = DateTime)]
    pub sent_at: String,
    /// `public` or `internal`.
    pub visibility: VisibilityDto,
}

impl From<&Message> for AddedMessageDto {
    fn from(m: &Message) -> Self {
        Self {
            ticket_id: m.ticket_id.get(),
            message: text(m),
            attachments: m
                .attachments
                .iter()
                .map(|a| AttachmentRef {
                    file_name: a.file_name.as_str().to_owned(),
                    file_path: a.file_path.as_str().to_owned(),
                })
                .collect(),
            id: m.id.get(),
            sent_at: time(m.sent_at),
            visibility: m.visibility.into(),
        }
    }
}
