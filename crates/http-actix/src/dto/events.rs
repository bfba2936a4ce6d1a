//! Events, as the event list answers them (and webhooks and the event
//! stream send them): the API's own shapes of the ticket, its changes and
//! the message, in an envelope that names the type, the time and the actor.

use serde::Serialize;
use ticketd_domain::{EventType, SlaKind};
use ticketd_ports::Event;
use utoipa::ToSchema;

use super::{ChangeDto, MessageDto, TicketDto, UserTypeDto, VisibilityDto, time};

/// What an event tells.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
pub enum EventTypeDto {
    /// A ticket was opened.
    #[serde(rename = "ticket.created")]
    TicketCreated,
    /// A ticket's fields changed; `data.changes` lists them as the history does.
    #[serde(rename = "ticket.updated")]
    TicketUpdated,
    /// A ticket's status changed (by an update, or by a customer's reply that reopened it).
    #[serde(rename = "ticket.status_changed")]
    TicketStatusChanged,
    /// A ticket's assignee changed.
    #[serde(rename = "ticket.assigned")]
    TicketAssigned,
    /// A message or internal note was added; `data.message` is it.
    #[serde(rename = "message.created")]
    MessageCreated,
    /// A ticket was deleted.
    #[serde(rename = "ticket.deleted")]
    TicketDeleted,
    /// A deleted ticket was restored.
    #[serde(rename = "ticket.restored")]
    TicketRestored,
    /// A ticket missed a service-level target; `data.target` names it. The server raises it: `actorId` and `actorType` are `null`.
    #[serde(rename = "sla.breached")]
    SlaBreached,
}

impl From<EventType> for EventTypeDto {
    fn from(t: EventType) -> Self {
        match t {
            EventType::TicketCreated => EventTypeDto::TicketCreated,
            EventType::TicketUpdated => EventTypeDto::TicketUpdated,
            EventType::TicketStatusChanged => EventTypeDto::TicketStatusChanged,
            EventType::TicketAssigned => EventTypeDto::TicketAssigned,
            EventType::MessageCreated => EventTypeDto::MessageCreated,
            EventType::TicketDeleted => EventTypeDto::TicketDeleted,
            EventType::TicketRestored => EventTypeDto::TicketRestored,
            EventType::SlaBreached => EventTypeDto::SlaBreached,
        }
    }
}

/// What an event carries: the ticket as the change left it, with what changed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventDataDto {
    /// The ticket after the change, as the ticket list shows it.
    pub ticket: TicketDto,
    /// What changed, field by field, as the ticket's history shows it (empty
    /// when no field changed).
    pub changes: Vec<ChangeDto>,
    /// For `message.created`: the message, as the ticket's details show it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageDto>,
    /// For `sla.breached`: the target missed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<BreachedTargetDto>,
}

/// A service-level target.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum BreachedTargetDto {
    /// The first public staff reply.
    FirstResponse,
    /// Resolution.
    Resolution,
}

impl From<SlaKind> for BreachedTargetDto {
    fn from(k: SlaKind) -> Self {
        match k {
            SlaKind::FirstResponse => BreachedTargetDto::FirstResponse,
            SlaKind::Resolution => BreachedTargetDto::Resolution,
        }
    }
}

/// One event.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventDto {
    /// Its id: unique, never reused. Webhooks send it as `webhook-id`.
    #[schema(example = "evt_42")]
    pub id: String,
    /// What it tells.
    #[serde(rename = "type")]
    pub kind: EventTypeDto,
    /// When it happened.
    #[schema(example = "2025-04-01T10:05:00Z", format = DateTime)]
    pub timestamp: String,
    /// The ticket it is about.
    #[schema(example = 123)]
    pub ticket_id: i64,
    /// Who did it; `null` for what the server raises itself (`sla.breached`).
    #[schema(example = "agent7")]
    pub actor_id: Option<String>,
    /// Their kind; `null` with `actorId`.
    pub actor_type: Option<UserTypeDto>,
    /// `internal` for the event of an internal note (staff only).
    pub visibility: VisibilityDto,
    /// The ticket, the changes, and the message.
    pub data: EventDataDto,
}

impl EventDto {
    /// The public form of an event id.
    pub fn public_id(event: &Event) -> String {
        Self::id_of(event.id)
    }

    /// The public form of event id `id` (`evt_N`).
    pub fn id_of(id: ticketd_domain::EventId) -> String {
        format!("evt_{}", id.get())
    }
}

impl From<&Event> for EventDto {
    fn from(e: &Event) -> Self {
        Self {
            id: Self::public_id(e),
            kind: e.kind.into(),
            timestamp: time(e.at),
            ticket_id: e.ticket_id().get(),
            actor_id: e.actor.as_ref().map(|a| a.id.to_string()),
            actor_type: e.actor.as_ref().map(|a| a.user_type.into()),
            visibility: e.visibility.into(),
            data: EventDataDto {
                ticket: TicketDto::from(&e.ticket),
                changes: e.changes.iter().map(ChangeDto::from).collect(),
                message: e.message.as_ref().map(MessageDto::from),
                target: e.breached.map(Into::into),
            },
        }
    }
}
