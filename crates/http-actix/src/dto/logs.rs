//! Audit-log entries, as the log and a ticket's history answer them.

use serde::Serialize;
use ticketd_domain::{FieldChange, LogEntry};
use utoipa::ToSchema;

use super::{AuditDto, UserTypeDto, VisibilityDto, time};

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

/// An audit-log entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogEntryDto {
    /// Who caused the entry and last changed it, and when.
    #[serde(flatten)]
    pub audit: AuditDto,
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
}

impl From<&LogEntry> for LogEntryDto {
    fn from(l: &LogEntry) -> Self {
        Self {
            audit: AuditDto::from(&l.audit),
            id: l.id.get(),
            ticket_id: l.ticket_id.get(),
            action_taken: l.action.as_str().to_owned(),
            action_by: l.action_by.id.to_string(),
            action_by_type: l.action_by.user_type.into(),
            action_at: time(l.action_at),
            changes: l.changes.iter().map(ChangeDto::from).collect(),
            visibility: l.visibility.into(),
            is_active: l.is_active,
            is_delete: l.is_delete,
        }
    }
}
