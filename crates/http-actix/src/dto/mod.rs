//! The JSON shapes of the API, named and typed exactly as the published
//! document shows them, and their conversion from and to domain values: one
//! module per resource, request bodies checked with `validator` against the
//! domain's rule constants (`checks`).

mod categories;
mod checks;
mod events;
mod json;
mod logs;
mod messages;
mod sla;
mod ticket_requests;
mod tickets;
mod webhooks;

use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};
use ticketd_domain::{Audit, Timestamp, UserType, Visibility};
use utoipa::ToSchema;

pub use categories::{CategoryDto, CreateCategoryRequest};
pub use events::{EventDto, EventTypeDto};
pub use logs::{ChangeDto, LogEntryDto};
#[cfg(test)]
pub(crate) use messages::AttachmentRef;
pub use messages::{AddMessageRequest, AddedMessageDto, MessageDto};
pub use sla::SlaPolicyDto;
pub use ticket_requests::{OpenTicketRequest, UpdateTicketRequest};
pub use tickets::{TicketDetailsDto, TicketDto, TicketUpdatedDto};
pub use webhooks::{
    AttemptDto, CreateWebhookRequest, DeliveryDetailsDto, DeliveryDto, RotateSecretRequest,
    UpdateWebhookRequest, WebhookDto, WebhookWithSecretDto,
};

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

/// Who made a record and who last changed it, and when: the six fields every
/// record of the API carries.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditDto {
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
    /// The kind of user who made it.
    pub created_by_type: UserTypeDto,
    /// The kind of user who last changed it.
    pub modified_by_type: UserTypeDto,
}

impl From<&Audit> for AuditDto {
    fn from(a: &Audit) -> Self {
        Self {
            created_by: a.created_by.id.to_string(),
            created_date: time(a.created_at),
            modified_by: a.modified_by.id.to_string(),
            modified_date: time(a.modified_at),
            created_by_type: a.created_by.user_type.into(),
            modified_by_type: a.modified_by.user_type.into(),
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
