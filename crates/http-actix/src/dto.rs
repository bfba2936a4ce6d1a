//! The JSON shapes of the API, named and typed exactly as the published
//! document shows them, and their conversion from and to domain values.

use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};
use ticketd_app::{FieldError, NewMessageInput, OpenTicketInput, TicketChanges};
use ticketd_domain::{
    Actor, Attachment, Audit, Category, CategoryId, CategoryName, Description, FieldChange,
    FileName, FilePath, LogEntry, Message, MessageBody, Priority, Subject, Ticket, TicketStatus,
    Timestamp, UserId, UserType, Visibility,
};
use ticketd_ports::{NewAttachment, TicketDetails, TicketView};
use utoipa::ToSchema;

/// Formats a time as the API does: RFC 3339, UTC, whole seconds, `Z`.
pub fn time(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The kind of a user, as tokens and records name it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum UserTypeDto {
    /// A customer: sees its own tickets only.
    Customer,
    /// A support agent.
    Agent,
    /// An administrator.
    Admin,
}

impl From<UserType> for UserTypeDto {
    fn from(t: UserType) -> Self {
        match t {
            UserType::Customer => UserTypeDto::Customer,
            UserType::Agent => UserTypeDto::Agent,
            UserType::Admin => UserTypeDto::Admin,
        }
    }
}

/// A ticket's status by name (the update call takes its code, 1-5).
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StatusName {
    /// 1
    Open,
    /// 2
    InProgress,
    /// 3
    Pending,
    /// 4
    Resolved,
    /// 5
    Closed,
}

impl From<TicketStatus> for StatusName {
    fn from(s: TicketStatus) -> Self {
        match s {
            TicketStatus::Open => StatusName::Open,
            TicketStatus::InProgress => StatusName::InProgress,
            TicketStatus::Pending => StatusName::Pending,
            TicketStatus::Resolved => StatusName::Resolved,
            TicketStatus::Closed => StatusName::Closed,
        }
    }
}

/// A ticket's priority by name (requests may give the code, 1-4).
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PriorityName {
    /// 1
    Low,
    /// 2, the default
    Normal,
    /// 3
    High,
    /// 4
    Urgent,
}

impl From<Priority> for PriorityName {
    fn from(p: Priority) -> Self {
        match p {
            Priority::Low => PriorityName::Low,
            Priority::Normal => PriorityName::Normal,
            Priority::High => PriorityName::High,
            Priority::Urgent => PriorityName::Urgent,
        }
    }
}

/// A priority in a request: its code (1-4) or its name.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(try_from = "serde_json::Value")]
pub enum PriorityInput {
    /// 1 low, 2 normal, 3 high, 4 urgent.
    Code(i64),
    /// `low`, `normal`, `high` or `urgent`.
    #[schema(example = "high")]
    Name(String),
}

impl TryFrom<serde_json::Value> for PriorityInput {
    type Error = String;

    /// A whole number (`3`, or `3.0`, as JSON allows) is a code; text is a name.
    fn try_from(value: serde_json::Value) -> Result<Self, String> {
        match &value {
            serde_json::Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                        .map(|f| f as i64)
                })
                .map(PriorityInput::Code)
                .ok_or_else(|| "must be 1-4 or low, normal, high, urgent".to_owned()),
            serde_json::Value::String(name) => Ok(PriorityInput::Name(name.clone())),
            _ => Err("must be 1-4 or low, normal, high, urgent".to_owned()),
        }
    }
}

impl PriorityInput {
    fn parse(self) -> Result<Priority, ticketd_domain::ValidationError> {
        match self {
            PriorityInput::Code(c) => Priority::from_code(c),
            PriorityInput::Name(n) => Priority::from_name(&n),
        }
    }
}

/// Who may read a message: everyone on the ticket, or staff only.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum VisibilityDto {
    /// Everyone who may see the ticket.
    #[default]
    Public,
    /// Agents and admins only (an internal note).
    Internal,
}

impl From<Visibility> for VisibilityDto {
    fn from(v: Visibility) -> Self {
        match v {
            Visibility::Public => VisibilityDto::Public,
            Visibility::Internal => VisibilityDto::Internal,
        }
    }
}

impl From<VisibilityDto> for Visibility {
    fn from(v: VisibilityDto) -> Self {
        match v {
            VisibilityDto::Public => Visibility::Public,
            VisibilityDto::Internal => Visibility::Internal,
        }
    }
}

/// One field's change, as a log entry records it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeDto {
    /// `status`, `priority`, `assigneeId`, `categoryId`, `subCategoryId` or `isDelete`.
    #[schema(example = "status")]
    pub field: String,
    /// The value before, as text (names for status and priority); `null` for none.
    #[schema(example = "open")]
    pub from: Option<String>,
    /// The value after, as text; `null` for none.
    #[schema(example = "in_progress")]
    pub to: Option<String>,
}

impl From<&FieldChange> for ChangeDto {
    fn from(c: &FieldChange) -> Self {
        Self {
            field: c.field.as_str().to_owned(),
            from: c.from.clone(),
            to: c.to.clone(),
        }
    }
}

/// A category, as `ticketCategory` of a ticket and in the category list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryDto {
    /// Who made it.
    #[schema(example = "admin")]
    pub created_by: String,
    /// When it was made.
    #[schema(example = "2025-04-01T10:00:00Z", format = DateTime)]
    pub created_date: String,
    /// Who last changed it.
    #[schema(example = "admin")]
    pub modified_by: String,
    /// When it was last changed.
    #[schema(example = "2025-04-01T10:30:00Z", format = DateTime)]
    pub modified_date: String,
    /// Its id.
    #[schema(example = 1)]
    pub id: i64,
    /// Its name.
    #[schema(example = "Refund")]
    pub category_name: String,
    /// Its parent's id; `0` for a top-level category.
    #[schema(example = 0)]
    pub parent_category_id: i64,
    /// Whether it can be used.
    #[schema(example = true)]
    pub is_active: bool,
    /// Whether it is deleted.
    #[schema(example = false)]
    pub is_delete: bool,
    /// The kind of user who made it.
    pub created_by_type: UserTypeDto,
    /// The kind of user who last changed it.
    pub modified_by_type: UserTypeDto,
}

impl From<&Category> for CategoryDto {
    fn from(c: &Category) -> Self {
        Self {
            created_by: c.audit.created_by.id.to_string(),
            created_date: time(c.audit.created_at),
            modified_by: c.audit.modified_by.id.to_string(),
            modified_date: time(c.audit.modified_at),
            id: c.id.get(),
            category_name: c.name.as_str().to_owned(),
            parent_category_id: c.parent_id.map_or(0, CategoryId::get),
            is_active: c.is_active,
            is_delete: c.is_delete,
            created_by_type: c.audit.created_by.user_type.into(),
            modified_by_type: c.audit.modified_by.user_type.into(),
        }
    }
}

/// A ticket in a list, with its category.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketDto {
    /// Who opened it.
    #[schema(example = "admin")]
    pub created_by: String,
    /// When it was opened.
    #[schema(example = "2025-04-01T10:00:00Z", format = DateTime)]
    pub created_date: String,
    /// Who last changed it (a message, a status).
    #[schema(example = "admin")]
    pub modified_by: String,
    /// When it was last changed.
    #[schema(example = "2025-04-01T10:30:00Z", format = DateTime)]
    pub modified_date: String,
    /// Its id.
    #[schema(example = 123)]
    pub id: i64,
    /// Its public reference, assigned by the server.
    #[schema(example = "TKT-7K3M9Q2XAB")]
    pub ref_id: String,
    /// The customer it belongs to.
    #[schema(example = "user01")]
    pub user_id: String,
    /// That user's kind.
    pub user_type: UserTypeDto,
    /// Its top-level category.
    #[schema(example = 1)]
    pub category_id: i64,
    /// Its sub-category; `0` for none.
    #[schema(example = 1)]
    pub sub_category_id: i64,
    /// Its subject.
    #[schema(example = "Refund Request")]
    pub subject: String,
    /// Its description.
    #[schema(example = "Request for a refund on order #XYZ")]
    pub description: String,
    /// Whether it is active.
    #[schema(example = true)]
    pub is_active: bool,
    /// Whether it is deleted.
    #[schema(example = false)]
    pub is_delete: bool,
    /// Where it stands.
    pub status: StatusName,
    /// How urgent it is.
    pub priority: PriorityName,
    /// The agent or admin working on it; `null` when unassigned.
    #[schema(example = "agent7")]
    pub assignee_id: Option<String>,
    /// The kind of user who opened it.
    pub created_by_type: UserTypeDto,
    /// The kind of user who last changed it.
    pub modified_by_type: UserTypeDto,
    /// The category it is filed under.
    pub ticket_category: CategoryDto,
}

impl TicketDto {
    fn new(t: &Ticket, category: &Category) -> Self {
        Self {
            created_by: t.audit.created_by.id.to_string(),
            created_date: time(t.audit.created_at),
            modified_by: t.audit.modified_by.id.to_string(),
            modified_date: time(t.audit.modified_at),
            id: t.id.get(),
            ref_id: t.ref_id.as_str().to_owned(),
            user_id: t.user_id.to_string(),
            user_type: t.user_type.into(),
            category_id: t.category_id.get(),
            sub_category_id: t.sub_category_id.map_or(0, CategoryId::get),
            subject: t.subject.as_str().to_owned(),
            description: t.description.as_str().to_owned(),
            is_active: t.is_active,
            is_delete: t.is_delete,
            status: t.status.into(),
            priority: t.priority.into(),
            assignee_id: t.assignee_id.as_ref().map(ToString::to_string),
            created_by_type: t.audit.created_by.user_type.into(),
            modified_by_type: t.audit.modified_by.user_type.into(),
            ticket_category: category.into(),
        }
    }
}

impl From<&TicketView> for TicketDto {
    fn from(v: &TicketView) -> Self {
        Self::new(&v.ticket, &v.category)
    }
}

/// A file attached to a message.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentDto {
    /// Who attached it.
    #[schema(example = "user01")]
    pub created_by: String,
    /// When.
    #[schema(example = "2025-04-01T10:00:00Z", format = DateTime)]
    pub created_date: String,
    /// Who last changed it.
    #[schema(example = "user01")]
    pub modified_by: String,
    /// When.
    #[schema(example = "2025-04-01T10:00:00Z", format = DateTime)]
    pub modified_date: String,
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
    /// Where the file lives.
    #[schema(example = "/uploads/attachment1.pdf")]
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
    /// The kind of user who attached it.
    pub created_by_type: UserTypeDto,
    /// The kind of user who last changed it.
    pub modified_by_type: UserTypeDto,
}

impl From<&Attachment> for AttachmentDto {
    fn from(a: &Attachment) -> Self {
        Self {
            created_by: a.audit.created_by.id.to_string(),
            created_date: time(a.audit.created_at),
            modified_by: a.audit.modified_by.id.to_string(),
            modified_date: time(a.audit.modified_at),
            id: a.id.get(),
            ticket_id: a.ticket_id.get(),
            message_id: a.message_id.get(),
            file_name: a.file_name.as_str().to_owned(),
            file_path: a.file_path.as_str().to_owned(),
            download_url: None,
            upload: a.upload.clone(),
            is_active: a.is_active,
            is_delete: a.is_delete,
            created_by_type: a.audit.created_by.user_type.into(),
            modified_by_type: a.audit.modified_by.user_type.into(),
        }
    }
}

/// A message on a ticket, with its attachments.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageDto {
    /// Who wrote it.
    #[schema(example = "user01")]
    pub created_by: String,
    /// When.
    #[schema(example = "2025-04-01T10:00:00Z", format = DateTime)]
    pub created_date: String,
    /// Who last changed it.
    #[schema(example = "user01")]
    pub modified_by: String,
    /// When.
    #[schema(example = "2025-04-01T10:00:00Z", format = DateTime)]
    pub modified_date: String,
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
    /// The kind of user who wrote it.
    pub created_by_type: UserTypeDto,
    /// The kind of user who last changed it.
    pub modified_by_type: UserTypeDto,
    /// Its files.
    pub ticket_attachments: Vec<AttachmentDto>,
}

impl From<&Message> for MessageDto {
    fn from(m: &Message) -> Self {
        Self {
            created_by: m.audit.created_by.id.to_string(),
            created_date: time(m.audit.created_at),
            modified_by: m.audit.modified_by.id.to_string(),
            modified_date: time(m.audit.modified_at),
            id: m.id.get(),
            ticket_id: m.ticket_id.get(),
            sender_id: m.sender.id.to_string(),
            sender_type: m.sender.user_type.into(),
            message: m
                .body
                .as_ref()
                .map_or_else(String::new, |b| b.as_str().to_owned()),
            sent_at: time(m.sent_at),
            visibility: m.visibility.into(),
            is_active: m.is_active,
            is_delete: m.is_delete,
            created_by_type: m.audit.created_by.user_type.into(),
            modified_by_type: m.audit.modified_by.user_type.into(),
            ticket_attachments: m.attachments.iter().map(AttachmentDto::from).collect(),
        }
    }
}

/// A ticket with its category and every message on it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketDetailsDto {
    /// The ticket and its category.
    #[serde(flatten)]
    pub ticket: TicketDto,
    /// Its messages, oldest first.
    pub ticket_message: Vec<MessageDto>,
}

impl TicketDetailsDto {
    /// Gives each attachment with a stored file its download link.
    pub(crate) fn with_links(
        mut self,
        link: impl Fn(&ticketd_domain::UploadKey) -> String,
    ) -> Self {
        for a in self
            .ticket_message
            .iter_mut()
            .flat_map(|m| m.ticket_attachments.iter_mut())
        {
            a.download_url = a.upload.as_ref().map(&link);
        }
        self
    }
}

impl From<&TicketDetails> for TicketDetailsDto {
    fn from(d: &TicketDetails) -> Self {
        Self {
            ticket: TicketDto::new(&d.ticket, &d.category),
            ticket_message: d.messages.iter().map(MessageDto::from).collect(),
        }
    }
}

/// A file reference, as the message call takes and echoes it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachmentRef {
    /// The name shown to people: 1-255 characters, no `/`, `\` or control characters.
    #[schema(
        max_length = 255,
        pattern = r"^(?!\.\.?$)[^/\\\x00-\x1f\x7f-\x9f]{1,255}$",
        example = "attachment1.pdf"
    )]
    pub file_name: String,
    /// Where the file lives: under `/uploads/`, no `.` or `..` segment, no `\`, at
    /// most 1024 characters.
    #[schema(
        max_length = 1024,
        pattern = r"^/uploads(/(?!\.\.?(/|$))[^/\\\x00-\x1f\x7f-\x9f]+)+$",
        example = "/uploads/attachment1.pdf"
    )]
    pub file_path: String,
}

/// The body of the message call: a message, attachments, or both.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddMessageRequest {
    /// The text: at most 10000 characters, not blank.
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 10000,
        pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$",
        example = "Can you provide an update on my request?"
    )]
    #[serde(default, deserialize_with = "not_null")]
    pub message: Option<String>,
    /// At most 10 files.
    #[schema(nullable = false, max_items = 10)]
    #[serde(default, deserialize_with = "not_null_objects")]
    pub attachments: Option<Vec<AttachmentRef>>,
    /// `internal` makes an internal note, for agents and admins only
    /// (customers never see it); `public` by default.
    pub visibility: Option<VisibilityDto>,
}

impl AddMessageRequest {
    /// Checks every field, reporting all that are wrong.
    pub fn into_input(self) -> Result<NewMessageInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let body = match self.message {
            None => None,
            Some(m) => MessageBody::parse(m)
                .map_err(|e| errors.push(FieldError::new("message", e.0)))
                .ok(),
        };
        let mut attachments = Vec::new();
        for (i, a) in self.attachments.unwrap_or_default().into_iter().enumerate() {
            // Checked as documented, then made safe as uploads' names are
            // (text-direction characters out, reserved names prefixed, ...).
            let name = FileName::parse(a.file_name)
                .map(|n| FileName::sanitize(n.as_str()))
                .map_err(|e| {
                    errors.push(FieldError::new(format!("attachments[{i}].fileName"), e.0))
                });
            let path = FilePath::parse(a.file_path).map_err(|e| {
                errors.push(FieldError::new(format!("attachments[{i}].filePath"), e.0))
            });
            if let (Ok(file_name), Ok(file_path)) = (name, path) {
                attachments.push(NewAttachment {
                    file_name,
                    file_path,
                    upload: None,
                });
            }
        }
        if errors.is_empty() {
            Ok(NewMessageInput {
                body,
                attachments,
                visibility: self.visibility.unwrap_or_default().into(),
            })
        } else {
            Err(errors)
        }
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
            message: m
                .body
                .as_ref()
                .map_or_else(String::new, |b| b.as_str().to_owned()),
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

/// An optional field that may be left out but not sent as `null`.
fn not_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)?
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("must not be null; leave the field out instead"))
}

/// An optional list of JSON objects, not `null`.
fn not_null_objects<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let objects: Option<Vec<crate::input::Object<T>>> = not_null(d)?;
    Ok(objects.map(|list| list.into_iter().map(|o| o.0).collect()))
}

/// An optional whole number, not `null`: JSON's `3` or `3.0`.
fn whole_number<'de, D>(d: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let n = serde_json::Number::deserialize(d)?;
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0)
                .map(|f| f as i64)
        })
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("must be a whole number"))
}

fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The body of the update call: at least one field. Customers may send only
/// `status`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTicketRequest {
    /// The new status: 1 open, 2 in_progress, 3 pending, 4 resolved, 5 closed.
    #[schema(nullable = false, example = 1, minimum = 1, maximum = 5)]
    #[serde(default, deserialize_with = "whole_number")]
    pub status: Option<i64>,
    /// The new priority: 1-4 or its name (agents and admins).
    #[schema(nullable = false, schema_with = crate::openapi::priority_schema)]
    #[serde(default, deserialize_with = "not_null")]
    pub priority: Option<PriorityInput>,
    /// The agent or admin to work on it; `null` unassigns (agents and admins;
    /// 404 if the desk knows no such agent or admin).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = r"^[^\s\x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]{0,126}[^\s\x00-\x1f\x7f-\x9f])?$", example = "agent7")]
    pub assignee_id: Option<Option<String>>,
    /// A new active top-level category (agents and admins; 404 if there is none
    /// with this id). A sub-category that is not one of its children is cleared.
    #[schema(nullable = false, minimum = 1, example = 1)]
    #[serde(default, deserialize_with = "whole_number")]
    pub category_id: Option<i64>,
    /// A new sub-category of the (new) category; `0` clears it (agents and
    /// admins; 404 if it is not an active child of the category).
    #[schema(nullable = false, minimum = 0, example = 0)]
    #[serde(default, deserialize_with = "whole_number")]
    pub sub_category_id: Option<i64>,
}

impl UpdateTicketRequest {
    /// Checks every field, reporting all that are wrong.
    pub fn into_changes(self) -> Result<TicketChanges, Vec<FieldError>> {
        let mut errors = Vec::new();
        let status = self.status.and_then(|c| {
            TicketStatus::from_code(c)
                .map_err(|e| errors.push(FieldError::new("status", e.0)))
                .ok()
        });
        let priority = self.priority.and_then(|p| {
            p.parse()
                .map_err(|e| errors.push(FieldError::new("priority", e.0)))
                .ok()
        });
        let assignee_id = match self.assignee_id {
            None => None,
            Some(None) => Some(None),
            Some(Some(a)) => UserId::parse(a)
                .map_err(|e| errors.push(FieldError::new("assigneeId", e.0)))
                .ok()
                .map(Some),
        };
        let category_id = self
            .category_id
            .and_then(|v| positive_id(&mut errors, "categoryId", v));
        let sub_category_id = match self.sub_category_id {
            None => None,
            Some(0) => Some(None),
            Some(v) => positive_id(&mut errors, "subCategoryId", v).map(Some),
        };
        if errors.is_empty() {
            Ok(TicketChanges {
                status,
                priority,
                assignee_id,
                category_id,
                sub_category_id,
            })
        } else {
            Err(errors)
        }
    }
}

/// What the update call answers: the ticket's fields as they are now.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketUpdatedDto {
    /// The ticket.
    #[schema(example = 123)]
    pub id: i64,
    /// Its status code now.
    #[schema(example = 2)]
    pub status: i32,
    /// Its priority code now (1 low, 2 normal, 3 high, 4 urgent).
    #[schema(example = 2)]
    pub priority: i32,
    /// Its assignee now; `null` when unassigned.
    #[schema(example = "agent7")]
    pub assignee_id: Option<String>,
    /// Its category now.
    #[schema(example = 1)]
    pub category_id: i64,
    /// Its sub-category now; `0` for none.
    #[schema(example = 2)]
    pub sub_category_id: i64,
}

impl From<&Ticket> for TicketUpdatedDto {
    fn from(t: &Ticket) -> Self {
        Self {
            id: t.id.get(),
            status: t.status.code(),
            priority: t.priority.code(),
            assignee_id: t.assignee_id.as_ref().map(ToString::to_string),
            category_id: t.category_id.get(),
            sub_category_id: t.sub_category_id.map_or(0, CategoryId::get),
        }
    }
}

/// The body of the call that opens a ticket.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenTicketRequest {
    /// 1-200 characters, not blank.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$",
        example = "Refund Request"
    )]
    #[serde(default, deserialize_with = "not_null")]
    pub subject: Option<String>,
    /// 1-10000 characters, not blank.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 10000,
        pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$",
        example = "Request for a refund on order #XYZ"
    )]
    #[serde(default, deserialize_with = "not_null")]
    pub description: Option<String>,
    /// An active top-level category (404 if there is none with this id).
    #[schema(required = true, nullable = false, minimum = 1, example = 1)]
    #[serde(default, deserialize_with = "whole_number")]
    pub category_id: Option<i64>,
    /// An active child of that category; `0` or absent for none.
    #[schema(nullable = false, minimum = 0, example = 0)]
    #[serde(default, deserialize_with = "whole_number")]
    pub sub_category_id: Option<i64>,
    /// Agents and admins only: the customer to open the ticket for.
    #[schema(
        nullable = false,
        pattern = r"^[^\s\x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]{0,126}[^\s\x00-\x1f\x7f-\x9f])?$",
        example = "user01"
    )]
    #[serde(default, deserialize_with = "not_null")]
    pub user_id: Option<String>,
    /// Agents and admins only: 1-4 or its name; `normal` by default.
    #[schema(nullable = false, schema_with = crate::openapi::priority_schema)]
    #[serde(default, deserialize_with = "not_null")]
    pub priority: Option<PriorityInput>,
    /// Agents and admins only: the agent or admin to work on it (404 if the
    /// desk knows no such agent or admin).
    #[schema(
        nullable = false,
        pattern = r"^[^\s\x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]{0,126}[^\s\x00-\x1f\x7f-\x9f])?$",
        example = "agent7"
    )]
    #[serde(default, deserialize_with = "not_null")]
    pub assignee_id: Option<String>,
}

fn required<T>(errors: &mut Vec<FieldError>, field: &str, v: Option<T>) -> Option<T> {
    if v.is_none() {
        errors.push(FieldError::new(field, "is required"));
    }
    v
}

fn positive_id(errors: &mut Vec<FieldError>, field: &str, v: i64) -> Option<CategoryId> {
    if v > 0 {
        Some(CategoryId(v))
    } else {
        errors.push(FieldError::new(field, "must be a positive id"));
        None
    }
}

impl OpenTicketRequest {
    /// Checks every field, reporting all that are wrong.
    pub fn into_input(self) -> Result<OpenTicketInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let subject = required(&mut errors, "subject", self.subject).and_then(|s| {
            Subject::parse(s)
                .map_err(|e| errors.push(FieldError::new("subject", e.0)))
                .ok()
        });
        let description = required(&mut errors, "description", self.description).and_then(|s| {
            Description::parse(s)
                .map_err(|e| errors.push(FieldError::new("description", e.0)))
                .ok()
        });
        let category_id = required(&mut errors, "categoryId", self.category_id)
            .and_then(|v| positive_id(&mut errors, "categoryId", v));
        let sub_category_id = match self.sub_category_id {
            None | Some(0) => Some(None),
            Some(v) => positive_id(&mut errors, "subCategoryId", v).map(Some),
        };
        let user_id = match self.user_id {
            None => Some(None),
            Some(u) => UserId::parse(u)
                .map_err(|e| errors.push(FieldError::new("userId", e.0)))
                .ok()
                .map(Some),
        };
        let priority = match self.priority {
            None => Some(None),
            Some(p) => p
                .parse()
                .map_err(|e| errors.push(FieldError::new("priority", e.0)))
                .ok()
                .map(Some),
        };
        let assignee_id = match self.assignee_id {
            None => Some(None),
            Some(a) => UserId::parse(a)
                .map_err(|e| errors.push(FieldError::new("assigneeId", e.0)))
                .ok()
                .map(Some),
        };
        match (
            subject,
            description,
            category_id,
            sub_category_id,
            user_id,
            priority,
            assignee_id,
        ) {
            (
                Some(subject),
                Some(description),
                Some(category_id),
                Some(sub_category_id),
                Some(user_id),
                Some(priority),
                Some(assignee_id),
            ) if errors.is_empty() => Ok(OpenTicketInput {
                subject,
                description,
                category_id,
                sub_category_id,
                user_id,
                priority,
                assignee_id,
            }),
            _ => Err(errors),
        }
    }
}

/// The body of the call that creates a category.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// 1-100 characters, not blank, unique among its siblings (ignoring case).
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        example = "Refund"
    )]
    #[serde(default, deserialize_with = "not_null")]
    pub category_name: Option<String>,
    /// An active top-level category, for a sub-category (404 if there is none
    /// with this id); `0` or absent for a top-level one.
    #[schema(nullable = false, minimum = 0, example = 0)]
    #[serde(default, deserialize_with = "whole_number")]
    pub parent_category_id: Option<i64>,
}

impl CreateCategoryRequest {
    /// Checks every field.
    pub fn into_parts(self) -> Result<(CategoryName, Option<CategoryId>), Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = required(&mut errors, "categoryName", self.category_name).and_then(|n| {
            CategoryName::parse(n)
                .map_err(|e| errors.push(FieldError::new("categoryName", e.0)))
                .ok()
        });
        let parent = match self.parent_category_id {
            None | Some(0) => Some(None),
            Some(v) => positive_id(&mut errors, "parentCategoryId", v).map(Some),
        };
        match (name, parent) {
            (Some(name), Some(parent)) if errors.is_empty() => Ok((name, parent)),
            _ => Err(errors),
        }
    }
}

/// An audit-log entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogEntryDto {
    /// Who caused the entry.
    #[schema(example = "admin")]
    pub created_by: String,
    /// When.
    #[schema(example = "2025-04-21T01:00:00Z", format = DateTime)]
    pub created_date: String,
    /// Who last changed the entry.
    #[schema(example = "admin")]
    pub modified_by: String,
    /// When.
    #[schema(example = "2025-04-21T01:00:00Z", format = DateTime)]
    pub modified_date: String,
    /// Its id.
    #[schema(example = 1)]
    pub id: i64,
    /// The ticket acted on.
    #[schema(example = 123)]
    pub ticket_id: i64,
    /// `Created ticket`, `Added message` or `Updated ticket status`.
    #[schema(example = "Updated ticket status")]
    pub action_taken: String,
    /// Who did it.
    #[schema(example = "admin")]
    pub action_by: String,
    /// Their kind.
    pub action_by_type: UserTypeDto,
    /// When it was done.
    #[schema(example = "2025-04-21T01:00:00Z", format = DateTime)]
    pub action_at: String,
    /// What changed, field by field (empty when no field changed).
    pub changes: Vec<ChangeDto>,
    /// `internal` for the entry of an internal note (staff only).
    pub visibility: VisibilityDto,
    /// Whether the entry is active.
    #[schema(example = true)]
    pub is_active: bool,
    /// Whether the entry is deleted.
    #[schema(example = false)]
    pub is_delete: bool,
    /// The kind of user who caused the entry.
    pub created_by_type: UserTypeDto,
    /// The kind of user who last changed it.
    pub modified_by_type: UserTypeDto,
}

impl From<&LogEntry> for LogEntryDto {
    fn from(l: &LogEntry) -> Self {
        let Audit {
            created_by,
            created_at,
            modified_by,
            modified_at,
        } = &l.audit;
        let Actor { id, user_type } = &l.action_by;
        Self {
            created_by: created_by.id.to_string(),
            created_date: time(*created_at),
            modified_by: modified_by.id.to_string(),
            modified_date: time(*modified_at),
            id: l.id.get(),
            ticket_id: l.ticket_id.get(),
            action_taken: l.action.as_str().to_owned(),
            action_by: id.to_string(),
            action_by_type: (*user_type).into(),
            action_at: time(l.action_at),
            changes: l.changes.iter().map(ChangeDto::from).collect(),
            visibility: l.visibility.into(),
            is_active: l.is_active,
            is_delete: l.is_delete,
            created_by_type: created_by.user_type.into(),
            modified_by_type: modified_by.user_type.into(),
        }
    }
}

/// `data` of a list call with `count=true`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountDto {
    /// How many rows match, ignoring `limit`, `offset` and `cursor`: exact up
    /// to 10000; past that it is 10000 and `capped` is true.
    #[schema(example = 42, minimum = 0, maximum = 10000)]
    pub count: u64,
    /// `true` when more rows match than `count` says (it stopped at the cap).
    #[schema(example = false)]
    pub capped: bool,
}

impl From<ticketd_app::Count> for CountDto {
    fn from(c: ticketd_app::Count) -> Self {
        Self {
            count: c.value,
            capped: c.capped,
        }
    }
}
