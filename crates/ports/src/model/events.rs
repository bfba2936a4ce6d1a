//! Events: what happened to a ticket, written with the change in its
//! transaction (an outbox), and read in the order they were written.

use ticketd_domain::{
    Actor, EventId, EventType, FieldChange, Message, SlaKind, TicketId, Timestamp, UserId,
    Visibility,
};

use super::{Position, TicketView};

/// One event, with the ticket as the change left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its id, unique and never reused.
    pub id: EventId,
    /// Its place in the order events are read (`value`; `id` is the event's
    /// id): after every event readable before it was, so that a reader that
    /// goes on from the last position it read misses none, and one ticket's
    /// events in the order of its changes.
    pub position: Position,
    /// What it tells.
    pub kind: EventType,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it; `None` for what the server raises itself (`sla.breached`).
    pub actor: Option<Actor>,
    /// The ticket, as the change left it.
    pub ticket: TicketView,
    /// What changed, field by field, as the ticket's history shows it.
    pub changes: Vec<FieldChange>,
    /// The message a `message.created` event is about.
    pub message: Option<Message>,
    /// Who may see it: the event of an internal note is internal.
    pub visibility: Visibility,
    /// The clock an `sla.breached` event is about.
    pub breached: Option<SlaKind>,
}

impl Event {
    /// The ticket it is about.
    pub fn ticket_id(&self) -> TicketId {
        self.ticket.ticket.id
    }
}

/// Which events a list covers. Events are always read oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only events of tickets of this user (set for customers).
    pub owner: Option<UserId>,
    /// Internal events too (otherwise they are left out).
    pub include_internal: bool,
    /// Only events of these types (all when empty).
    pub types: Vec<EventType>,
    /// Only events of this ticket.
    pub ticket_id: Option<TicketId>,
}

impl EventFilter {
    /// Whether `event` is one this filter covers.
    pub fn admits(&self, event: &Event) -> bool {
        self.owner
            .as_ref()
            .is_none_or(|o| o == &event.ticket.ticket.user_id)
            && (self.include_internal || event.visibility == Visibility::Public)
            && (self.types.is_empty() || self.types.contains(&event.kind))
            && self.ticket_id.is_none_or(|t| t == event.ticket_id())
    }
}
