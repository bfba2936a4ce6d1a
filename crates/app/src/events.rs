//! Reading the events of changes, and forgetting old ones.

use ticketd_domain::{Actor, EventType, TicketId, UserType};
use ticketd_ports::{Event, EventFilter};

use crate::desk::SupportDesk;
use crate::error::AppError;
use crate::paging::{ListOrder, ListPage, PageRequest};

/// How many old events one statement forgets: a sweep deletes in batches so
/// that no statement holds the table long.
const FORGET_BATCH: u32 = 1000;

/// Which events an admin asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only these types (all when empty).
    pub types: Vec<EventType>,
    /// Only the events of this ticket.
    pub ticket_id: Option<TicketId>,
}

impl SupportDesk {
    /// The events of every ticket, internal ones included, in the order
    /// they became readable (oldest first). Admins only: events carry every
    /// ticket's content.
    pub async fn list_events(
        &self,
        actor: &Actor,
        query: EventQuery,
        page: &PageRequest,
    ) -> Result<ListPage<Event>, AppError> {
        if actor.user_type != UserType::Admin {
            return Err(AppError::Forbidden("only an admin may read events".into()));
        }
        let filter = EventFilter {
            owner: None,
            include_internal: true,
            types: query.types,
            ticket_id: query.ticket_id,
        };
        let order = ListOrder::Events;
        let rows = self
            .ports
            .events
            .list_events(&filter, page.resolve(order)?)
            .await?;
        Ok(ListPage::from_rows(rows, page.limit, order, |e| e.position))
    }

    /// Forgets the events older than `retention`, in batches; returns how
    /// many.
    pub async fn forget_old_events(&self, retention: chrono::Duration) -> Result<u64, AppError> {
        let before = self.clock.now() - retention;
        let mut total = 0;
        loop {
            let n = self
                .ports
                .events
                .forget_events_before(before, FORGET_BATCH)
                .await?;
            total += n;
            if n < u64::from(FORGET_BATCH) {
                return Ok(total);
            }
        }
    }
}
