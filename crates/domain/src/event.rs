use crate::error::ValidationError;
use crate::log_entry::{ChangedField, FieldChange, LogAction};

/// What an event tells: each change that writes an audit-log entry writes
/// the events of that entry with it (see [`EventType::of_entry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// A ticket was opened.
    TicketCreated,
    /// A ticket's fields changed (priority, assignee, category, status), with
    /// the changes as its history shows them.
    TicketUpdated,
    /// A ticket's status changed, by an update or by a message that reopened it.
    TicketStatusChanged,
    /// A ticket's assignee changed.
    TicketAssigned,
    /// A message or internal note was added.
    MessageCreated,
    /// A ticket was deleted.
    TicketDeleted,
    /// A deleted ticket was restored.
    TicketRestored,
    /// A ticket missed a service-level target.
    SlaBreached,
}

impl EventType {
    /// Every type.
    pub const ALL: [EventType; 8] = [
        EventType::TicketCreated,
        EventType::TicketUpdated,
        EventType::TicketStatusChanged,
        EventType::TicketAssigned,
        EventType::MessageCreated,
        EventType::TicketDeleted,
        EventType::TicketRestored,
        EventType::SlaBreached,
    ];

    /// The published name of the type (`ticket.created`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::TicketCreated => "ticket.created",
            EventType::TicketUpdated => "ticket.updated",
            EventType::TicketStatusChanged => "ticket.status_changed",
            EventType::TicketAssigned => "ticket.assigned",
            EventType::MessageCreated => "message.created",
            EventType::TicketDeleted => "ticket.deleted",
            EventType::TicketRestored => "ticket.restored",
            EventType::SlaBreached => "sla.breached",
        }
    }

    /// Reads a type from its published name.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ValidationError::new("is not a known event type"))
    }

    /// The events an audit-log entry stands for, in the order they are
    /// written. An update is `ticket.updated`, and also
    /// `ticket.status_changed` and `ticket.assigned` when it changed the
    /// status or the assignee, so that a subscriber to one kind of change
    /// hears of it whichever call made it.
    pub fn of_entry(action: LogAction, changes: &[FieldChange]) -> Vec<EventType> {
        let changed = |field: ChangedField| changes.iter().any(|c| c.field == field);
        match action {
            LogAction::CreatedTicket => vec![EventType::TicketCreated],
            LogAction::AddedMessage => vec![EventType::MessageCreated],
            LogAction::UpdatedStatus => vec![EventType::TicketStatusChanged],
            LogAction::UpdatedTicket => {
                let mut types = vec![EventType::TicketUpdated];
                if changed(ChangedField::Status) {
                    types.push(EventType::TicketStatusChanged);
                }
                if changed(ChangedField::AssigneeId) {
                    types.push(EventType::TicketAssigned);
                }
                types
            }
            LogAction::DeletedTicket => vec![EventType::TicketDeleted],
            LogAction::RestoredTicket => vec![EventType::TicketRestored],
        }
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(field: ChangedField) -> FieldChange {
        FieldChange::new(field, Some("a".into()), Some("b".into()))
    }

    #[test]
    fn types_round_trip_through_their_published_names() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Ok(t));
        }
        assert!(EventType::parse("ticket.closed").is_err());
    }

    #[test]
    fn an_update_is_also_a_status_change_and_an_assignment_when_it_made_them() {
        assert_eq!(
            EventType::of_entry(LogAction::UpdatedTicket, &[change(ChangedField::Priority)]),
            vec![EventType::TicketUpdated]
        );
        assert_eq!(
            EventType::of_entry(
                LogAction::UpdatedTicket,
                &[
                    change(ChangedField::AssigneeId),
                    change(ChangedField::Status)
                ]
            ),
            vec![
                EventType::TicketUpdated,
                EventType::TicketStatusChanged,
                EventType::TicketAssigned
            ]
        );
        assert_eq!(
            EventType::of_entry(LogAction::UpdatedStatus, &[change(ChangedField::Status)]),
            vec![EventType::TicketStatusChanged]
        );
        assert_eq!(
            EventType::of_entry(LogAction::AddedMessage, &[]),
            vec![EventType::MessageCreated]
        );
    }
}
