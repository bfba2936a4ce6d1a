//! Reading the events of changes, and forgetting old ones.

use ticketd_domain::{Actor, EventType, TicketId, UserType};
use ticketd_ports::{Event, EventFilter, Page, Position};

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

    /// The events `actor` may see: a customer, the public events of its own
    /// tickets while they are not deleted; staff, every event.
    pub fn may_see_event(actor: &Actor, event: &Event) -> bool {
        Self::event_scope(actor).admits(event)
            && (actor.user_type.is_staff() || !event.ticket.ticket.is_delete)
    }

    /// The events a stream of `actor` reads: its scope, without the
    /// breaches of clocks it does not see.
    fn stream_scope(&self, actor: &Actor) -> EventFilter {
        let mut scope = Self::event_scope(actor);
        if !self.shows_sla_to(actor) {
            scope.types = EventType::ALL
                .into_iter()
                .filter(|t| *t != EventType::SlaBreached)
                .collect();
        }
        scope
    }

    fn event_scope(actor: &Actor) -> EventFilter {
        EventFilter {
            owner: Self::owner_scope(actor),
            include_internal: actor.user_type.is_staff(),
            ..EventFilter::default()
        }
    }

    /// At most `limit` events `actor` may see (see
    /// [`may_see_event`](Self::may_see_event)) after `after`, in their order:
    /// what a live stream resumes with.
    pub async fn events_for(
        &self,
        actor: &Actor,
        after: Option<Position>,
        limit: u32,
    ) -> Result<Vec<Event>, AppError> {
        let page = Page {
            limit,
            offset: 0,
            after,
        };
        let rows = self
            .ports
            .events
            .list_events(&self.stream_scope(actor), page)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|e| self.event_as_seen_by(actor, &e))
            .collect())
    }

    /// At most `limit` events of every ticket after `after`, in their order
    /// (for a server's own fan-out to its live streams, which filter them).
    pub async fn every_event_after(
        &self,
        after: Option<Position>,
        limit: u32,
    ) -> Result<Vec<Event>, AppError> {
        let filter = EventFilter {
            include_internal: true,
            ..EventFilter::default()
        };
        let page = Page {
            limit,
            offset: 0,
            after,
        };
        Ok(self.ports.events.list_events(&filter, page).await?)
    }

    /// Where the events readable now end.
    pub async fn last_event_position(&self) -> Result<Option<Position>, AppError> {
        Ok(self.ports.events.last_event_position().await?)
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
