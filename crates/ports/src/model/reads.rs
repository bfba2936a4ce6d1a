//! What the application asks the stores to read, and what they answer:
//! views of tickets, list filters and orders, positions and pages.

use ticketd_domain::{
    Category, CategoryId, Keyword, LogEntry, Message, Priority, SlaKind, Ticket, TicketId,
    TicketStatus, Timestamp, UserId,
};

/// A ticket with the category it is filed under, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketView {
    /// The ticket.
    pub ticket: Ticket,
    /// Its top-level category.
    pub category: Category,
}

/// A ticket with everything said on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketDetails {
    /// The ticket.
    pub ticket: Ticket,
    /// Its top-level category.
    pub category: Category,
    /// Its messages, oldest first, each with its attachments.
    pub messages: Vec<Message>,
}

/// A field tickets can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortField {
    /// When the ticket was opened (the default).
    #[default]
    CreatedDate,
    /// When the ticket last changed.
    ModifiedDate,
    /// Priority code.
    Priority,
    /// Status code.
    Status,
    /// Id.
    Id,
    /// When the running first-response clock falls due; tickets without one
    /// (no target, paused, stopped) sort as if due at [`NO_DUE_MICROS`].
    FirstResponseDue,
    /// When the running resolution clock falls due, likewise.
    ResolutionDue,
}

/// The sort value of a ticket without a running clock of the kind sorted by:
/// 9999-12-31T00:00:00Z in microseconds, after every real due time.
pub const NO_DUE_MICROS: i64 = 253_402_214_400_000_000;

/// The sort value of a running clock's due time, or of none
/// ([`NO_DUE_MICROS`]): what a store keeps in its due-time columns.
pub fn due_micros(due: Option<Timestamp>) -> i64 {
    due.map_or(NO_DUE_MICROS, |t| t.timestamp_micros().min(NO_DUE_MICROS))
}

/// The sort value of a ticket's running `kind` clock.
pub fn due_key(ticket: &Ticket, kind: SlaKind) -> i64 {
    due_micros(ticket.sla.running_due(kind))
}

/// An order of tickets: a field and a direction; ties go by id, the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketSort {
    /// The field.
    pub field: SortField,
    /// Largest first.
    pub descending: bool,
}

impl Default for TicketSort {
    /// Newest first.
    fn default() -> Self {
        Self {
            field: SortField::CreatedDate,
            descending: true,
        }
    }
}

/// What a client asks of the ticket list: filters and order. Every filter
/// given must hold; a list filter holds if the ticket matches any of its
/// values. Whose tickets the caller may see is not part of it: the
/// application adds that ([`TicketFilter::owner`]).
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    /// Only tickets whose subject, description or reference contain this.
    pub keyword: Option<Keyword>,
    /// Only tickets in one of these statuses.
    pub statuses: Vec<TicketStatus>,
    /// Only tickets with one of these priorities.
    pub priorities: Vec<Priority>,
    /// Only tickets in one of these categories.
    pub category_ids: Vec<CategoryId>,
    /// Only tickets in one of these sub-categories.
    pub sub_category_ids: Vec<CategoryId>,
    /// Only tickets assigned to one of these users...
    pub assignee_ids: Vec<UserId>,
    /// ...or (when set) not assigned at all.
    pub unassigned: bool,
    /// Only tickets of one of these users.
    pub user_ids: Vec<UserId>,
    /// Only tickets opened at or after this time.
    pub created_from: Option<Timestamp>,
    /// Only tickets opened at or before this time.
    pub created_to: Option<Timestamp>,
    /// Only tickets changed at or after this time.
    pub updated_since: Option<Timestamp>,
    /// Only tickets with (`true`) or without (`false`) a breached clock.
    pub sla_breached: Option<bool>,
    /// Deleted tickets too (otherwise they are left out).
    pub include_deleted: bool,
    /// The order.
    pub sort: TicketSort,
}

/// Which tickets a list or count covers, and in which order: a client's
/// query over the tickets the caller may see. Its query's fields read
/// through it (`filter.keyword`).
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Only tickets of this user (set for customers).
    pub owner: Option<UserId>,
    /// The filters and order asked for.
    pub query: TicketQuery,
}

impl From<TicketQuery> for TicketFilter {
    /// The query over every ticket.
    fn from(query: TicketQuery) -> Self {
        Self { owner: None, query }
    }
}

impl std::ops::Deref for TicketFilter {
    type Target = TicketQuery;

    fn deref(&self) -> &TicketQuery {
        &self.query
    }
}

/// Which audit-log entries a list or count covers.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Only entries of tickets of this user (set for customers).
    pub owner: Option<UserId>,
    /// Only entries of this ticket.
    pub ticket_id: Option<TicketId>,
    /// Internal entries too (otherwise they are left out).
    pub include_internal: bool,
    /// Entries of deleted tickets too (otherwise they are left out).
    pub include_deleted: bool,
    /// Oldest first (otherwise newest first).
    pub oldest_first: bool,
}

/// What a reader may see of a ticket: the store checks it on the ticket's own
/// row before it reads anything else of the ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadScope {
    /// Only tickets of this user (set for customers).
    pub owner: Option<UserId>,
    /// Deleted tickets too.
    pub include_deleted: bool,
    /// Internal notes too (otherwise only public messages are read).
    pub include_internal: bool,
}

impl ReadScope {
    /// Whether a reader with this scope may see `ticket` at all.
    pub fn admits(&self, ticket: &Ticket) -> bool {
        self.owner.as_ref().is_none_or(|o| o == &ticket.user_id)
            && (self.include_deleted || !ticket.is_delete)
    }
}

/// A row's place in a list's order, so that a page can start right after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The row's value of the field the list is sorted by: a time as
    /// microseconds since the Unix epoch, a code, or the id itself.
    pub value: i64,
    /// The row's id, which breaks ties in the same direction.
    pub id: i64,
}

impl Position {
    /// The place of a ticket in a list sorted by `sort`.
    pub fn of_ticket(sort: TicketSort, ticket: &Ticket) -> Self {
        let value = match sort.field {
            SortField::CreatedDate => ticket.audit.created_at.timestamp_micros(),
            SortField::ModifiedDate => ticket.audit.modified_at.timestamp_micros(),
            SortField::Priority => i64::from(ticket.priority.code()),
            SortField::Status => i64::from(ticket.status.code()),
            SortField::Id => ticket.id.get(),
            SortField::FirstResponseDue => due_key(ticket, SlaKind::FirstResponse),
            SortField::ResolutionDue => due_key(ticket, SlaKind::Resolution),
        };
        Self {
            value,
            id: ticket.id.get(),
        }
    }

    /// The place of an audit-log entry in a list ordered by time.
    pub fn of_log_entry(entry: &LogEntry) -> Self {
        Self {
            value: entry.action_at.timestamp_micros(),
            id: entry.id.get(),
        }
    }
}

/// A window on a list: at most `limit` rows, after skipping `offset` rows, or
/// right after the row at `after` (keyset paging: stable while rows are added).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// How many rows at most.
    pub limit: u32,
    /// How many rows to skip.
    pub offset: u64,
    /// Start right after this row (then `offset` counts from there).
    pub after: Option<Position>,
}

impl Page {
    /// The first `limit` rows.
    pub fn first(limit: u32) -> Self {
        Self {
            limit,
            offset: 0,
            after: None,
        }
    }

    /// `limit` rows after skipping `offset`.
    pub fn skip(limit: u32, offset: u64) -> Self {
        Self {
            limit,
            offset,
            after: None,
        }
    }

    /// `limit` rows right after the row at `after`.
    pub fn after(limit: u32, after: Position) -> Self {
        Self {
            limit,
            offset: 0,
            after: Some(after),
        }
    }
}
