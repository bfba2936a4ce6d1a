use crate::Timestamp;
use crate::actor::Actor;
use crate::error::ValidationError;
use crate::ids::{LogEntryId, TicketId};
use crate::message::Visibility;
use crate::ticket::Audit;

/// What a log entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogAction {
    /// A ticket was opened.
    CreatedTicket,
    /// A message (and/or attachments) was added.
    AddedMessage,
    /// A ticket's status was changed (and nothing else).
    UpdatedStatus,
    /// A ticket's priority, assignee or category was changed (with or without
    /// its status).
    UpdatedTicket,
    /// A ticket was deleted (softly: it can be restored).
    DeletedTicket,
    /// A deleted ticket was restored.
    RestoredTicket,
}

impl LogAction {
    /// Every action.
    pub const ALL: [LogAction; 6] = [
        LogAction::CreatedTicket,
        LogAction::AddedMessage,
        LogAction::UpdatedStatus,
        LogAction::UpdatedTicket,
        LogAction::DeletedTicket,
        LogAction::RestoredTicket,
    ];

    /// The published text of the action (`actionTaken`).
    pub fn as_str(self) -> &'static str {
        match self {
            LogAction::CreatedTicket => "Created ticket",
            LogAction::AddedMessage => "Added message",
            LogAction::UpdatedStatus => "Updated ticket status",
            LogAction::UpdatedTicket => "Updated ticket",
            LogAction::DeletedTicket => "Deleted ticket",
            LogAction::RestoredTicket => "Restored ticket",
        }
    }

    /// Reads an action from its published text.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| ValidationError::new("is not a known action"))
    }
}

/// A field of a ticket whose changes the log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangedField {
    /// `status`
    Status,
    /// `priority`
    Priority,
    /// `assigneeId`
    AssigneeId,
    /// `categoryId`
    CategoryId,
    /// `subCategoryId`
    SubCategoryId,
    /// `isDelete`
    IsDelete,
}

impl ChangedField {
    /// Every field.
    pub const ALL: [ChangedField; 6] = [
        ChangedField::Status,
        ChangedField::Priority,
        ChangedField::AssigneeId,
        ChangedField::CategoryId,
        ChangedField::SubCategoryId,
        ChangedField::IsDelete,
    ];

    /// The field's name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangedField::Status => "status",
            ChangedField::Priority => "priority",
            ChangedField::AssigneeId => "assigneeId",
            ChangedField::CategoryId => "categoryId",
            ChangedField::SubCategoryId => "subCategoryId",
            ChangedField::IsDelete => "isDelete",
        }
    }

    /// Reads a field from its API name.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| ValidationError::new("is not a field whose changes are logged"))
    }
}

/// One field's change, as text: status and priority by name, ids as numbers
/// in text, `None` for "none".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field.
    pub field: ChangedField,
    /// Its value before.
    pub from: Option<String>,
    /// Its value after.
    pub to: Option<String>,
}

impl FieldChange {
    /// A change of `field` from `from` to `to`.
    pub fn new(field: ChangedField, from: Option<String>, to: Option<String>) -> Self {
        Self { field, from, to }
    }
}

/// One entry of the audit log: who did what to which ticket, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Its id.
    pub id: LogEntryId,
    /// The ticket acted on.
    pub ticket_id: TicketId,
    /// What was done.
    pub action: LogAction,
    /// Who did it.
    pub action_by: Actor,
    /// When it was done.
    pub action_at: Timestamp,
    /// What changed, field by field (empty for entries that change no field).
    pub changes: Vec<FieldChange>,
    /// Who may read the entry: an internal note's entry is internal.
    pub visibility: Visibility,
    /// Whether the entry is active.
    pub is_active: bool,
    /// Whether the entry is deleted.
    pub is_delete: bool,
    /// Who made and last changed the entry, and when.
    pub audit: Audit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_published_text() {
        for a in LogAction::ALL {
            assert_eq!(LogAction::parse(a.as_str()), Ok(a));
        }
        assert!(LogAction::parse("Removed ticket").is_err());
        for f in ChangedField::ALL {
            assert_eq!(ChangedField::parse(f.as_str()), Ok(f));
        }
    }
}
