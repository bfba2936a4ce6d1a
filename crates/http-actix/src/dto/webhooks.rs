//! Webhook endpoints, their deliveries and attempts, as the webhook calls
//! take and answer them.

use serde::{Deserialize, Serialize};
use ticketd_app::{EndpointInput, FieldError};
use ticketd_domain::EventType;
use ticketd_ports::{Delivery, DeliveryAttempt, EndpointChange, WebhookEndpoint};
use utoipa::ToSchema;

use super::json::{not_null, whole_number};
use super::{EventTypeDto, UserTypeDto, time};

/// Reads event type names, collecting the unknown ones.
fn event_types(raw: Option<Vec<String>>, errors: &mut Vec<FieldError>) -> Option<Vec<EventType>> {
    let raw = raw?;
    let mut types = Vec::new();
    for name in raw {
        match EventType::parse(&name) {
            Ok(t) if !types.contains(&t) => types.push(t),
            Ok(_) => {}
            Err(e) => errors.push(FieldError::new("eventTypes", format!("{name:?} {}", e.0))),
        }
    }
    Some(types)
}

/// The body of the call that registers an endpoint.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where events are posted: `https://` (plain `http://` only where the
    /// server allows it), resolving to a public address (private, loopback
    /// and link-local ones only where the server allows them).
    #[schema(
        required = true,
        nullable = false,
        example = "https://crm.example.com/hooks/ticketd",
        max_length = 2000,
        pattern = r"^https://[^\s/?#@]+(/[^\s#]*)?$"
    )]
    #[serde(default, deserialize_with = "not_null")]
    pub url: Option<String>,
    /// What it is for (at most 500 characters).
    #[schema(nullable = false, example = "CRM sync", max_length = 500)]
    #[serde(default, deserialize_with = "not_null")]
    pub description: Option<String>,
    /// The event types it receives; every type when absent or empty.
    #[schema(nullable = false, value_type = Option<Vec<EventTypeDto>>, example = json!(["ticket.created", "message.created"]))]
    #[serde(default, deserialize_with = "not_null")]
    pub event_types: Option<Vec<String>>,
    /// `true` to receive internal events (internal notes) too; `false` by default.
    #[schema(nullable = false, example = false)]
    #[serde(default, deserialize_with = "not_null")]
    pub include_internal: Option<bool>,
    /// `false` to register it turned off; `true` by default.
    #[schema(nullable = false, example = true)]
    #[serde(default, deserialize_with = "not_null")]
    pub active: Option<bool>,
}

impl CreateWebhookRequest {
    /// The endpoint to register, or every field that is wrong.
    pub fn into_input(self) -> Result<EndpointInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let types = event_types(self.event_types, &mut errors).unwrap_or_default();
        let url = self.url.unwrap_or_else(|| {
            errors.push(FieldError::new("url", "is required"));
            String::new()
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(EndpointInput {
            url,
            description: self.description.unwrap_or_default(),
            event_types: types,
            include_internal: self.include_internal.unwrap_or(false),
            active: self.active.unwrap_or(true),
        })
    }
}

/// The body of the call that changes an endpoint: the fields given change.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    /// A new URL (checked as at registration).
    #[schema(
        nullable = false,
        example = "https://crm.example.com/hooks/ticketd",
        max_length = 2000,
        pattern = r"^https://[^\s/?#@]+(/[^\s#]*)?$"
    )]
    #[serde(default, deserialize_with = "not_null")]
    pub url: Option<String>,
    /// A new description.
    #[schema(nullable = false, example = "CRM sync", max_length = 500)]
    #[serde(default, deserialize_with = "not_null")]
    pub description: Option<String>,
    /// New event types; `[]` for every type.
    #[schema(nullable = false, value_type = Option<Vec<EventTypeDto>>, example = json!(["message.created"]))]
    #[serde(default, deserialize_with = "not_null")]
    pub event_types: Option<Vec<String>>,
    /// Internal events on or off.
    #[schema(nullable = false, example = false)]
    #[serde(default, deserialize_with = "not_null")]
    pub include_internal: Option<bool>,
    /// On or off; turning it on clears `disabledReason`.
    #[schema(nullable = false, example = true)]
    #[serde(default, deserialize_with = "not_null")]
    pub active: Option<bool>,
}

impl UpdateWebhookRequest {
    /// The change, or every field that is wrong.
    pub fn into_change(self) -> Result<EndpointChange, Vec<FieldError>> {
        let mut errors = Vec::new();
        let event_types = event_types(self.event_types, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(EndpointChange {
            url: self.url,
            description: self.description,
            event_types,
            include_internal: self.include_internal,
            active: self.active,
        })
    }
}

/// The body of the call that gives an endpoint a new secret (may be empty).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateSecretRequest {
    /// How long the old secret keeps signing beside the new one, in seconds:
    /// 0 to 604800 (a week); 86400 (a day) by default.
    #[schema(nullable = false, value_type = Option<u64>, minimum = 0, maximum = 604800, example = 86400)]
    #[serde(default, deserialize_with = "whole_number")]
    pub grace_seconds: Option<i64>,
}

/// The longest grace period of an old secret.
pub const MAX_GRACE_SECONDS: i64 = 7 * 24 * 3600;

impl RotateSecretRequest {
    /// The grace period, or why it is wrong.
    pub fn grace(&self) -> Result<chrono::Duration, Vec<FieldError>> {
        let secs = self.grace_seconds.unwrap_or(24 * 3600);
        if !(0..=MAX_GRACE_SECONDS).contains(&secs) {
            return Err(vec![FieldError::new(
                "graceSeconds",
                "must be from 0 to 604800 (a week)",
            )]);
        }
        Ok(chrono::Duration::seconds(secs))
    }
}

/// A webhook endpoint. Its secret is shown only when it is made: at
/// registration and at rotation.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDto {
    /// Its id.
    #[schema(example = 1)]
    pub id: i64,
    /// Where events are posted.
    #[schema(example = "https://crm.example.com/hooks/ticketd")]
    pub url: String,
    /// What it is for.
    #[schema(example = "CRM sync")]
    pub description: String,
    /// The types it receives; every type when empty.
    pub event_types: Vec<EventTypeDto>,
    /// Whether it receives internal events (internal notes).
    #[schema(example = false)]
    pub include_internal: bool,
    /// Whether events are queued and delivered to it.
    #[schema(example = true)]
    pub active: bool,
    /// Why the server turned it off (no delivery succeeded for a day); `null` otherwise.
    #[schema(example = json!(null))]
    pub disabled_reason: Option<String>,
    /// Until when the previous secret still signs beside the current one; `null` when there is none.
    #[schema(example = json!(null), format = DateTime)]
    pub previous_secret_expires_at: Option<String>,
    /// When a delivery last succeeded; `null` if none has.
    #[schema(example = "2025-04-01T10:05:00Z", format = DateTime)]
    pub last_success_at: Option<String>,
    /// Who registered it.
    #[schema(example = "admin1")]
    pub created_by: String,
    /// Their kind.
    pub created_by_type: UserTypeDto,
    /// When.
    #[schema(example = "2025-04-01T10:00:00Z", format = DateTime)]
    pub created_date: String,
    /// When it last changed.
    #[schema(example = "2025-04-01T10:00:00Z", format = DateTime)]
    pub modified_date: String,
}

impl From<&WebhookEndpoint> for WebhookDto {
    fn from(e: &WebhookEndpoint) -> Self {
        Self {
            id: e.id.get(),
            url: e.url.clone(),
            description: e.description.clone(),
            event_types: e.event_types.iter().map(|t| (*t).into()).collect(),
            include_internal: e.include_internal,
            active: e.active,
            disabled_reason: e.disabled_reason.clone(),
            previous_secret_expires_at: e
                .previous_secret
                .as_ref()
                .and(e.previous_secret_until)
                .map(time),
            last_success_at: e.last_success_at.map(time),
            created_by: e.created_by.id.to_string(),
            created_by_type: e.created_by.user_type.into(),
            created_date: time(e.created_at),
            modified_date: time(e.updated_at),
        }
    }
}

/// An endpoint with its secret, answered once: at registration and at rotation.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookWithSecretDto {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: WebhookDto,
    /// The secret that signs deliveries, in the Standard Webhooks form
    /// (`whsec_` and the key in base64). Keep it: it is not shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

impl From<&WebhookEndpoint> for WebhookWithSecretDto {
    fn from(e: &WebhookEndpoint) -> Self {
        Self {
            endpoint: WebhookDto::from(e),
            secret: e.secret.clone(),
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStateDto {
    /// Not delivered yet: tried (again) at `nextAttemptAt`.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every attempt failed for a day; it can be re-sent.
    Failed,
}

impl From<ticketd_domain::DeliveryState> for DeliveryStateDto {
    fn from(s: ticketd_domain::DeliveryState) -> Self {
        match s {
            ticketd_domain::DeliveryState::Pending => DeliveryStateDto::Pending,
            ticketd_domain::DeliveryState::Delivered => DeliveryStateDto::Delivered,
            ticketd_domain::DeliveryState::Failed => DeliveryStateDto::Failed,
        }
    }
}

/// The delivery of one event to one endpoint.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDto {
    /// Its id.
    #[schema(example = 7)]
    pub id: i64,
    /// The event (as the event list and `webhook-id` name it).
    #[schema(example = "evt_42")]
    pub event_id: String,
    /// The event's type.
    pub event_type: EventTypeDto,
    /// The event's ticket.
    #[schema(example = 123)]
    pub ticket_id: i64,
    /// Where it stands.
    pub state: DeliveryStateDto,
    /// How many attempts were made.
    #[schema(example = 1)]
    pub attempts: u32,
    /// When it is tried next; `null` unless pending.
    #[schema(example = json!(null), format = DateTime)]
    pub next_attempt_at: Option<String>,
    /// When it was queued.
    #[schema(example = "2025-04-01T10:05:00Z", format = DateTime)]
    pub created_date: String,
    /// When it was delivered or given up; `null` while pending.
    #[schema(example = "2025-04-01T10:05:01Z", format = DateTime)]
    pub done_at: Option<String>,
}

impl From<&Delivery> for DeliveryDto {
    fn from(d: &Delivery) -> Self {
        let pending = d.state == ticketd_domain::DeliveryState::Pending;
        Self {
            id: d.id.get(),
            event_id: super::EventDto::id_of(d.event_id),
            event_type: d.event_type.into(),
            ticket_id: d.ticket_id.get(),
            state: d.state.into(),
            attempts: d.attempts,
            next_attempt_at: pending.then(|| time(d.next_attempt_at)),
            created_date: time(d.created_at),
            done_at: d.done_at.map(time),
        }
    }
}

/// One attempt at a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptDto {
    /// When it was made.
    #[schema(example = "2025-04-01T10:05:01Z", format = DateTime)]
    pub attempted_at: String,
    /// The HTTP status the endpoint answered; `null` if no answer came.
    #[schema(example = 503)]
    pub status_code: Option<u16>,
    /// How long it took, in milliseconds.
    #[schema(example = 84)]
    pub duration_ms: u64,
    /// What went wrong (the start of the answer's body, or why none came); `null` on success.
    #[schema(example = "Service Unavailable")]
    pub error: Option<String>,
}

impl From<&DeliveryAttempt> for AttemptDto {
    fn from(a: &DeliveryAttempt) -> Self {
        Self {
            attempted_at: time(a.at),
            status_code: a.status,
            duration_ms: a.duration_ms,
            error: a.error.clone(),
        }
    }
}

/// A delivery with every attempt, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetailsDto {
    /// The delivery.
    #[serde(flatten)]
    pub delivery: DeliveryDto,
    /// Its attempts, oldest first.
    pub attempts_made: Vec<AttemptDto>,
}
