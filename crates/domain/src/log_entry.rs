use crate::Timestamp;
use crate::actor::Actor;
use crate::error::ValidationError;
use crate::ids::{LogEntryId, TicketId};
use crate::ticket::Audit;

/// What a log entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogAction {
    /// A ticket was opened.
    CreatedTicket,
    /// A message (and/or attachments) was added.
    AddedMessage,
    /// A ticket's status was changed.
    UpdatedStatus,
}

impl LogAction {
    /// Every action.
    pub const ALL: [LogAction; 3] = [
        LogAction::CreatedTicket,
        LogAction::AddedMessage,
        LogAction::UpdatedStatus,
    ];

    /// The published text of the action (`actionTaken`).
    pub fn as_str(self) -> &'static str {
        match self {
            LogAction::CreatedTicket => "Created ticket",
            LogAction::AddedMessage => "Added message",
            LogAction::UpdatedStatus => "Updated ticket status",
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
        assert!(LogAction::parse("Deleted ticket").is_err());
    }
}
