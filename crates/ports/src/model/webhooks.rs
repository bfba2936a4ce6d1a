//! Webhook endpoints, and the deliveries of events to them with every
//! attempt.

use ticketd_domain::{
    Actor, DeliveryId, DeliveryState, EndpointId, EventId, EventType, TicketId, Timestamp,
};

use super::Event;

/// An endpoint that receives events by HTTP POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: EndpointId,
    /// Where events are posted (checked when registered and on each delivery).
    pub url: String,
    /// What it is for, in the admin's words.
    pub description: String,
    /// The types it receives; every type when empty.
    pub event_types: Vec<EventType>,
    /// Whether it receives internal events (internal notes); off by default.
    pub include_internal: bool,
    /// Whether events are queued and delivered to it.
    pub active: bool,
    /// Why the server turned it off, if it did (it kept failing).
    pub disabled_reason: Option<String>,
    /// The secret that signs deliveries (`whsec_...`).
    pub secret: String,
    /// The secret before the last rotation, still signing deliveries
    /// beside the new one until `previous_secret_until`.
    pub previous_secret: Option<String>,
    /// Until when the previous secret signs too.
    pub previous_secret_until: Option<Timestamp>,
    /// When a delivery last succeeded.
    pub last_success_at: Option<Timestamp>,
    /// Who registered it.
    pub created_by: Actor,
    /// When.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl WebhookEndpoint {
    /// Whether it receives `event` (by type and visibility).
    pub fn wants(&self, kind: EventType, internal: bool) -> bool {
        (self.event_types.is_empty() || self.event_types.contains(&kind))
            && (self.include_internal || !internal)
    }

    /// The secrets that sign a delivery made at `now`: the current one, and
    /// the previous one while its grace period lasts.
    pub fn signing_secrets(&self, now: Timestamp) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(old), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && now < until
        {
            secrets.push(old);
        }
        secrets
    }
}

/// An endpoint to register.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// Where events are posted.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// The types it receives; every type when empty.
    pub event_types: Vec<EventType>,
    /// Whether it receives internal events.
    pub include_internal: bool,
    /// Whether it starts active.
    pub active: bool,
    /// Its secret.
    pub secret: String,
    /// Who registers it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

/// Changes to an endpoint; `None` leaves a field as it is. Turning an
/// endpoint on clears the reason it was turned off.
#[derive(Debug, Clone, Default)]
pub struct EndpointChange {
    /// A new URL.
    pub url: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// New types.
    pub event_types: Option<Vec<EventType>>,
    /// Internal events on or off.
    pub include_internal: Option<bool>,
    /// On or off.
    pub active: Option<bool>,
}

/// The delivery of one event to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id.
    pub id: DeliveryId,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// The event.
    pub event_id: EventId,
    /// The event's type.
    pub event_type: EventType,
    /// The event's ticket.
    pub ticket_id: TicketId,
    /// Where it stands.
    pub state: DeliveryState,
    /// How many attempts were made.
    pub attempts: u32,
    /// When it is tried next (while pending).
    pub next_attempt_at: Timestamp,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it was delivered or given up.
    pub done_at: Option<Timestamp>,
}

/// A delivery taken by one worker for one attempt: no other worker takes it
/// until `leased_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// The delivery (its `attempts` counts this one).
    pub delivery: Delivery,
    /// When its first attempt was made (this one, for a new delivery).
    pub first_attempt_at: Timestamp,
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// The event.
    pub event: Event,
}

/// One attempt to deliver: what the endpoint answered, or why nothing came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// When it was made.
    pub at: Timestamp,
    /// The HTTP status answered, if an answer came.
    pub status: Option<u16>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// What went wrong, if it failed.
    pub error: Option<String>,
}

/// What follows an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// It succeeded: the delivery is done.
    Delivered,
    /// It failed: try again at this time.
    RetryAt(Timestamp),
    /// It failed for the whole retry period: give up, and turn the endpoint
    /// off for this reason if given.
    Failed {
        /// Why the endpoint is turned off, if it is.
        disable_endpoint: Option<String>,
    },
}
