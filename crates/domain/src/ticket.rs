use crate::Timestamp;
use crate::actor::{Actor, UserId, UserType};
use crate::ids::{CategoryId, TicketId};
use crate::priority::Priority;
use crate::sla::TicketSla;
use crate::status::TicketStatus;
use crate::text::{Description, RefId, Subject};

/// Who made a record and who last changed it, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// The user who made the record.
    pub created_by: Actor,
    /// When it was made.
    pub created_at: Timestamp,
    /// The user who last changed it.
    pub modified_by: Actor,
    /// When it was last changed.
    pub modified_at: Timestamp,
}

impl Audit {
    /// The audit of a record just made by `actor` at `at`.
    pub fn new(actor: &Actor, at: Timestamp) -> Self {
        Self {
            created_by: actor.clone(),
            created_at: at,
            modified_by: actor.clone(),
            modified_at: at,
        }
    }

    /// Records a change by `actor` at `at`.
    pub fn touch(&mut self, actor: &Actor, at: Timestamp) {
        self.modified_by = actor.clone();
        self.modified_at = at;
    }
}

/// A support ticket: a customer's request and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its id.
    pub id: TicketId,
    /// Its public reference.
    pub ref_id: RefId,
    /// The customer the ticket belongs to.
    pub user_id: UserId,
    /// The kind of user it belongs to (a customer, unless staff opened it for
    /// themselves).
    pub user_type: UserType,
    /// Its top-level category.
    pub category_id: CategoryId,
    /// Its sub-category, if any.
    pub sub_category_id: Option<CategoryId>,
    /// Its subject.
    pub subject: Subject,
    /// Its description.
    pub description: Description,
    /// Where it stands.
    pub status: TicketStatus,
    /// How urgent it is.
    pub priority: Priority,
    /// The agent or admin working on it.
    pub assignee_id: Option<UserId>,
    /// Grows by one with every change of the ticket: a write made on a stale
    /// read is refused.
    pub version: i64,
    /// Whether the ticket is active.
    pub is_active: bool,
    /// Whether the ticket is deleted.
    pub is_delete: bool,
    /// Who made and last changed it, and when.
    pub audit: Audit,
    /// Its service-level clocks (none for a ticket opened before the store
    /// kept them).
    pub sla: TicketSla,
}

impl Ticket {
    /// Whether `actor` may see this ticket at all (deleted tickets only with
    /// `include_deleted`, which only admins may ask for).
    pub fn is_visible_to(&self, actor: &Actor, include_deleted: bool) -> bool {
        actor.can_see_ticket_of(&self.user_id)
            && (!self.is_delete || (include_deleted && actor.user_type == UserType::Admin))
    }
}
