//! A ticket as lists, details and changes answer it.

use serde::Serialize;
use ticketd_domain::{Category, CategoryId, Priority, SlaKind, SlaState, Ticket, TicketStatus};
use ticketd_ports::{TicketDetails, TicketView};
use utoipa::ToSchema;

use super::{AuditDto, CategoryDto, MessageDto, UserTypeDto};

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

/// Where a service-level clock stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SlaStateDto {
    /// Counting down to its due time.
    Running,
    /// Held while the ticket is `pending` (waiting on the customer).
    Paused,
    /// Stopped in time (first public staff reply; resolved or closed).
    Met,
    /// Past its due time, running or stopped; stays so.
    Breached,
}

impl From<SlaState> for SlaStateDto {
    fn from(s: SlaState) -> Self {
        match s {
            SlaState::Running => SlaStateDto::Running,
            SlaState::Paused => SlaStateDto::Paused,
            SlaState::Met => SlaStateDto::Met,
            SlaState::Breached => SlaStateDto::Breached,
        }
    }
}

/// A ticket in a list, with its category.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketDto {
    /// Who opened it and last changed it (a message, a status), and when.
    #[serde(flatten)]
    pub audit: AuditDto,
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
    /// The category it is filed under.
    pub ticket_category: CategoryDto,
    /// When the first public staff reply is due: `null` while the clock is
    /// paused. This and the three fields after it are left out where the
    /// ticket has no such clock (its priority has no target), and for
    /// customers unless the desk shows them service-level fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime, example = "2025-04-01T18:00:00Z")]
    pub first_response_due_at: Option<Option<String>>,
    /// Where the first-response clock stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub first_response_sla: Option<SlaStateDto>,
    /// When resolution is due: `null` while the clock is paused.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime, example = "2025-04-03T10:00:00Z")]
    pub resolution_due_at: Option<Option<String>>,
    /// Where the resolution clock stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub resolution_sla: Option<SlaStateDto>,
}

impl TicketDto {
    fn new(t: &Ticket, category: &Category) -> Self {
        let clock = |kind: SlaKind| t.sla.clock(kind);
        let due = |kind: SlaKind| clock(kind).map(|c| c.due_at.map(super::time));
        let state = |kind: SlaKind| clock(kind).map(|c| c.state().into());
        Self {
            audit: AuditDto::from(&t.audit),
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
            ticket_category: category.into(),
            first_response_due_at: due(SlaKind::FirstResponse),
            first_response_sla: state(SlaKind::FirstResponse),
            resolution_due_at: due(SlaKind::Resolution),
            resolution_sla: state(SlaKind::Resolution),
        }
    }
}

impl From<&TicketView> for TicketDto {
    fn from(v: &TicketView) -> Self {
        Self::new(&v.ticket, &v.category)
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
    /// A ticket just opened: no messages yet.
    pub(crate) fn opened(view: &TicketView) -> Self {
        Self {
            ticket: TicketDto::from(view),
            ticket_message: Vec::new(),
        }
    }

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
