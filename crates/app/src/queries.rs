//! What clients ask of the lists, as plain values: adapters fill these in,
//! and the desk turns them into the ports' filters, adding who may see what.

use ticketd_domain::{CategoryId, Keyword, Priority, TicketStatus, Timestamp, UserId};
use ticketd_ports::TicketFilter;

pub use ticketd_ports::{SortField, TicketSort};

/// The ticket list's filters and order, as a client asks for them. Every
/// filter given must hold; a list filter holds if the ticket matches any of
/// its values. Whose tickets the caller may see at all is the desk's rule,
/// not part of the query.
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    /// Tickets whose subject, description or reference contain this.
    pub keyword: Option<Keyword>,
    /// Tickets in one of these statuses.
    pub statuses: Vec<TicketStatus>,
    /// Tickets with one of these priorities.
    pub priorities: Vec<Priority>,
    /// Tickets in one of these categories.
    pub category_ids: Vec<CategoryId>,
    /// Tickets in one of these sub-categories.
    pub sub_category_ids: Vec<CategoryId>,
    /// Tickets assigned to one of these users...
    pub assignee_ids: Vec<UserId>,
    /// ...or (when set) not assigned at all.
    pub unassigned: bool,
    /// Tickets of one of these users (staff only).
    pub user_ids: Vec<UserId>,
    /// Tickets opened at or after this time.
    pub created_from: Option<Timestamp>,
    /// Tickets opened at or before this time.
    pub created_to: Option<Timestamp>,
    /// Tickets changed at or after this time.
    pub updated_since: Option<Timestamp>,
    /// Deleted tickets too (admins only).
    pub include_deleted: bool,
    /// The order.
    pub sort: TicketSort,
}

impl TicketQuery {
    /// The port's filter for this query over the tickets of `owner` (all
    /// tickets when `None`).
    pub(crate) fn into_filter(self, owner: Option<UserId>) -> TicketFilter {
        let TicketQuery {
            keyword,
            statuses,
            priorities,
            category_ids,
            sub_category_ids,
            assignee_ids,
            unassigned,
            user_ids,
            created_from,
            created_to,
            updated_since,
            include_deleted,
            sort,
        } = self;
        TicketFilter {
            owner,
            keyword,
            statuses,
            priorities,
            category_ids,
            sub_category_ids,
            assignee_ids,
            unassigned,
            user_ids,
            created_from,
            created_to,
            updated_since,
            include_deleted,
            sort,
        }
    }
}
