//! Service-level use cases: reading and setting the policy, sweeping for
//! breaches, and what of the clocks each reader sees.

use ticketd_domain::{Actor, EventType, SlaPolicy, Ticket, TicketSla, UserType};
use ticketd_ports::{Event, SortField, TicketQuery, TicketView};

use crate::desk::SupportDesk;
use crate::error::AppError;

/// How many tickets one sweep transaction settles.
const SETTLE_BATCH: u32 = 100;

impl SupportDesk {
    /// Whether `actor` sees tickets' service-level clocks: staff always,
    /// customers when the desk is set to show them
    /// ([`with_sla_for_customers`](Self::with_sla_for_customers)).
    pub fn shows_sla_to(&self, actor: &Actor) -> bool {
        actor.user_type.is_staff() || self.sla_for_customers
    }

    /// `view` as `actor` may see it: without clocks for a reader who does
    /// not see them.
    pub fn as_seen_by(&self, actor: &Actor, mut view: TicketView) -> TicketView {
        self.withhold_clocks(actor, &mut view.ticket);
        view
    }

    /// Clears `ticket`'s clocks for a reader who does not see them.
    pub(crate) fn withhold_clocks(&self, actor: &Actor, ticket: &mut Ticket) {
        if !self.shows_sla_to(actor) {
            ticket.sla = TicketSla::default();
        }
    }

    /// `event` as `actor` may see it, or `None` when they may not see it at
    /// all (another customer's ticket, an internal note, a deleted ticket,
    /// or a breach they do not see clocks for).
    pub fn event_as_seen_by(&self, actor: &Actor, event: &Event) -> Option<Event> {
        if !Self::may_see_event(actor, event)
            || (event.kind == EventType::SlaBreached && !self.shows_sla_to(actor))
        {
            return None;
        }
        let mut event = event.clone();
        event.ticket = self.as_seen_by(actor, event.ticket);
        Some(event)
    }

    /// Refuses a list query that filters or sorts by clocks `actor` does
    /// not see: its answer would tell what the ticket does not show.
    pub(crate) fn check_sla_query(
        &self,
        actor: &Actor,
        query: &TicketQuery,
    ) -> Result<(), AppError> {
        let by_clock = matches!(
            query.sort.field,
            SortField::FirstResponseDue | SortField::ResolutionDue
        );
        if (query.sla_breached.is_some() || by_clock) && !self.shows_sla_to(actor) {
            return Err(AppError::Forbidden(
                "service-level clocks are shown to agents and admins only: slaBreached and \
                 sort=firstResponseDueAt/resolutionDueAt are theirs"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The service-level policy in force (agents and admins).
    pub async fn sla_policy(&self, actor: &Actor) -> Result<SlaPolicy, AppError> {
        crate::tickets::staff_only(actor, "read the service-level policy")?;
        Ok(self.ports.sla.sla_policy().await?)
    }

    /// Sets the service-level policy (admins only). It applies to tickets
    /// opened, or given another priority, from now on; running clocks keep
    /// their targets.
    pub async fn set_sla_policy(
        &self,
        actor: &Actor,
        policy: SlaPolicy,
    ) -> Result<SlaPolicy, AppError> {
        if actor.user_type != UserType::Admin {
            return Err(AppError::Forbidden(
                "only an admin may change the service-level policy".into(),
            ));
        }
        self.remember(actor).await?;
        Ok(self.ports.sla.set_sla_policy(policy).await?)
    }

    /// Marks every breach due by now, each with its `sla.breached` event,
    /// in batches; returns how many tickets it settled.
    pub async fn settle_sla(&self) -> Result<u64, AppError> {
        let at = self.clock.now();
        let mut total = 0;
        loop {
            let n = self.ports.sla.settle_sla(at, SETTLE_BATCH).await?;
            total += u64::from(n);
            if n < SETTLE_BATCH {
                return Ok(total);
            }
        }
    }
}
