//! The fake of `SlaStore`, and the clocks every fake ticket write keeps in
//! step, as the real stores do.

use ticketd_domain::{Priority, SlaKind, SlaPolicy, TicketSla, TicketStatus};
use ticketd_ports::SlaStore;

use super::*;

/// What a write did that the clocks follow, besides status and priority.
pub(super) enum Cause {
    Message(UserType, Visibility),
    Nothing,
}

impl State {
    /// The clocks of `ticket`, just opened.
    pub(super) fn opening_clocks(&self, ticket: &Ticket) -> TicketSla {
        let policy = self.sla_policy.clone().unwrap_or_default();
        TicketSla::open(
            &policy,
            ticket.priority,
            ticket.status,
            ticket.audit.created_at,
        )
    }

    /// Ticket `id` with its category.
    pub(super) fn get(&self, id: TicketId) -> Result<TicketView, RepoError> {
        let ticket = self.ticket(id).ok_or(RepoError::NotFound)?;
        self.view(ticket)
    }

    /// Brings the clocks of ticket `id`, which was in `was` before the write,
    /// in line with it at `at`, and marks breaches; returns those marked,
    /// for [`State::announce`] after the change's own events.
    pub(super) fn advance(
        &mut self,
        id: TicketId,
        was: (TicketStatus, Priority),
        cause: Cause,
        at: Timestamp,
    ) -> Result<Vec<SlaKind>, RepoError> {
        let policy = self.sla_policy.clone().unwrap_or_default();
        let Some(ticket) = self.tickets.iter_mut().find(|t| t.id == id) else {
            return Err(RepoError::NotFound);
        };
        let now = (ticket.status, ticket.priority);
        match cause {
            _ if ticket.sla == TicketSla::default() => return Ok(Vec::new()),
            Cause::Message(who, visibility) => {
                ticket.sla.follow(&policy, was, now, at);
                ticket.sla.message_added(&policy, who, visibility, at);
            }
            Cause::Nothing => ticket.sla.follow(&policy, was, now, at),
        }
        Ok(ticket.sla.settle(at))
    }

    /// Stores an `sla.breached` event for each of `breaches` of ticket `id`.
    pub(super) fn announce(
        &mut self,
        id: TicketId,
        breaches: Vec<SlaKind>,
        at: Timestamp,
    ) -> Result<(), RepoError> {
        let view = self.get(id)?;
        for kind in breaches {
            self.next_event += 1;
            let id = self.next_event;
            self.events.push(Event {
                id: EventId(id),
                position: Position { value: id, id },
                kind: EventType::SlaBreached,
                at,
                actor: None,
                ticket: view.clone(),
                changes: Vec::new(),
                message: None,
                visibility: Visibility::Public,
                breached: Some(kind),
            });
        }
        Ok(())
    }
}

#[async_trait]
impl SlaStore for InMemoryStore {
    async fn sla_policy(&self) -> Result<SlaPolicy, RepoError> {
        Ok(self.lock()?.sla_policy.clone().unwrap_or_default())
    }

    async fn set_sla_policy(&self, policy: SlaPolicy) -> Result<SlaPolicy, RepoError> {
        self.lock()?.sla_policy = Some(policy.clone());
        Ok(policy)
    }

    async fn settle_sla(&self, at: Timestamp, limit: u32) -> Result<u32, RepoError> {
        let mut s = self.lock()?;
        let mut due: Vec<(Timestamp, TicketId, (TicketStatus, Priority))> = s
            .tickets
            .iter()
            .filter_map(|t| {
                let check = t.sla.next_check()?;
                (check < at).then_some((check, t.id, (t.status, t.priority)))
            })
            .collect();
        due.sort();
        due.truncate(limit as usize);
        for (_, id, was) in &due {
            let breaches = s.advance(*id, *was, Cause::Nothing, at)?;
            s.announce(*id, breaches, at)?;
        }
        Ok(due.len() as u32)
    }
}
