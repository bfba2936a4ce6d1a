//! In-memory implementations of the storage ports, for tests of the use cases
//! and the HTTP adapter. The contract suite (`crate::contract`) runs against
//! them as against the real stores.
//!
//! They keep the same rules as a real store: ids from 1, newest-first order,
//! case-insensitive literal keyword match, a closed ticket refuses messages, a
//! status change applies only from the status it was decided on, and every write
//! stores its log entry with it or not at all.

use std::sync::{Mutex, MutexGuard};

mod files;
mod idempotency;
mod records;
mod sla;
mod tickets;
mod uploads;
mod webhooks;

pub use files::InMemoryFiles;

use async_trait::async_trait;
use ticketd_domain::{
    Actor, Attachment, AttachmentId, Audit, Category, CategoryId, EventId, EventType, LogEntry,
    LogEntryId, Message, MessageId, Ticket, TicketId, Timestamp, Upload, UploadKey, UserId,
    UserType, Visibility, fold_case, search_text,
};

use ticketd_ports::RepoError;
use ticketd_ports::{
    AuditLogRepository, CategoryRepository, Claim, IdempotencyStore, PoolStats, StoreHealth,
    TicketRepository, UploadRepository, UserDirectory,
};
use ticketd_ports::{
    Event, EventFilter, EventLog, LogFilter, NewCategory, NewLogEntry, NewMessage, NewTicket,
    NewUpload, Page, Position, ReadScope, StatusChange, TicketDetails, TicketFilter, TicketUpdate,
    TicketView,
};

/// A claimed idempotency key.
struct KeyRecord {
    /// The fingerprint of the request it was claimed for.
    request_hash: String,
    /// Its answer (status, body), once kept.
    answer: Option<(u16, String)>,
    /// When it was claimed.
    claimed_at: ticketd_domain::Timestamp,
}

#[derive(Default)]
struct State {
    tickets: Vec<Ticket>,
    messages: Vec<Message>,
    categories: Vec<Category>,
    logs: Vec<LogEntry>,
    events: Vec<Event>,
    /// Ids of events are never reused, even after old ones are forgotten.
    next_event: i64,
    endpoints: Vec<ticketd_ports::WebhookEndpoint>,
    deliveries: Vec<webhooks::DeliveryRecord>,
    /// The position of the last event queued for delivery.
    queued_position: i64,
    users: Vec<(UserId, UserType)>,
    idempotency: Vec<((UserId, String), KeyRecord)>,
    next_attachment: i64,
    uploads: Vec<Upload>,
    written_files: Vec<(UploadKey, ticketd_domain::Timestamp)>,
    sla_policy: Option<ticketd_domain::SlaPolicy>,
    unavailable: bool,
}

/// Tickets, categories and the audit log, in memory. Implements every storage
/// port of this crate.
#[derive(Default)]
pub struct InMemoryStore {
    state: Mutex<State>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every call fail with `RepoError::Unavailable` (or work again).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.lock_raw().unavailable = unavailable;
    }

    /// Every log entry stored, oldest first.
    pub fn all_logs(&self) -> Vec<LogEntry> {
        self.lock_raw().logs.clone()
    }

    /// The keys of every upload recorded.
    pub fn all_upload_keys(&self) -> Vec<ticketd_domain::UploadKey> {
        self.lock_raw()
            .uploads
            .iter()
            .map(|u| u.key.clone())
            .collect()
    }

    /// Every message stored, oldest first.
    pub fn all_messages(&self) -> Vec<Message> {
        self.lock_raw().messages.clone()
    }

    fn lock_raw(&self) -> MutexGuard<'_, State> {
        // A panic in another test thread must not hide this test's result.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, RepoError> {
        let state = self.lock_raw();
        if state.unavailable {
            return Err(RepoError::Unavailable(
                "in-memory store switched off".into(),
            ));
        }
        Ok(state)
    }
}

impl State {
    /// Fails unless the key of `keep` is claimed and not answered yet.
    fn answerable<T>(&self, keep: Option<&ticketd_ports::KeptAnswer<T>>) -> Result<(), RepoError> {
        let Some(keep) = keep else {
            return Ok(());
        };
        match self
            .idempotency
            .iter()
            .find(|((u, k), _)| u == &keep.user && k == &keep.key)
        {
            Some((_, KeyRecord { answer: None, .. })) => Ok(()),
            _ => Err(RepoError::Conflict(
                "the request was answered meanwhile".into(),
            )),
        }
    }

    /// Keeps the answer of `keep` for what the write made.
    fn keep_answer<T>(
        &mut self,
        keep: Option<&ticketd_ports::KeptAnswer<T>>,
        made: &T,
    ) -> Result<(), RepoError> {
        let Some(keep) = keep else {
            return Ok(());
        };
        let answer = (keep.render)(made).map_err(|e| RepoError::Unexpected(anyhow::anyhow!(e)))?;
        if let Some((_, KeyRecord { answer: slot, .. })) = self
            .idempotency
            .iter_mut()
            .find(|((u, k), _)| u == &keep.user && k == &keep.key)
        {
            *slot = Some(answer);
        }
        Ok(())
    }

    fn ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.tickets.iter().find(|t| t.id == id)
    }

    fn live_ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.ticket(id).filter(|t| !t.is_delete)
    }

    fn view(&self, ticket: &Ticket) -> Result<TicketView, RepoError> {
        let category = self
            .categories
            .iter()
            .find(|c| c.id == ticket.category_id)
            .cloned()
            .ok_or_else(|| RepoError::Unexpected(anyhow::anyhow!("ticket without category")))?;
        Ok(TicketView {
            ticket: ticket.clone(),
            category,
        })
    }

    /// Stores the entry of a change to a ticket, and the events it stands
    /// for with the ticket as it is now (and `message`, the one added).
    fn push_log(
        &mut self,
        ticket_id: TicketId,
        log: NewLogEntry,
        message: Option<&Message>,
    ) -> Result<(), RepoError> {
        let ticket = self
            .tickets
            .iter()
            .find(|t| t.id == ticket_id)
            .cloned()
            .ok_or(RepoError::NotFound)?;
        let view = self.view(&ticket)?;
        for kind in EventType::of_entry(log.action, &log.changes) {
            self.next_event += 1;
            let id = self.next_event;
            self.events.push(Event {
                id: EventId(id),
                position: Position { value: id, id },
                kind,
                at: log.at,
                actor: Some(log.actor.clone()),
                ticket: view.clone(),
                changes: log.changes.clone(),
                message: message.cloned(),
                visibility: log.visibility,
                breached: None,
            });
        }
        let id = LogEntryId(self.logs.len() as i64 + 1);
        self.logs.push(LogEntry {
            id,
            ticket_id,
            action: log.action,
            audit: Audit::new(&log.actor, log.at),
            action_by: log.actor,
            action_at: log.at,
            changes: log.changes,
            visibility: log.visibility,
            is_active: true,
            is_delete: false,
        });
        Ok(())
    }

    fn matches(&self, t: &Ticket, f: &TicketFilter) -> bool {
        fn any_of<T: PartialEq>(wanted: &[T], value: &T) -> bool {
            wanted.is_empty() || wanted.contains(value)
        }
        let assignee_ok = (f.assignee_ids.is_empty() && !f.unassigned)
            || t.assignee_id
                .as_ref()
                .is_some_and(|a| f.assignee_ids.contains(a))
            || (f.unassigned && t.assignee_id.is_none());
        (f.include_deleted || !t.is_delete)
            && f.owner.as_ref().is_none_or(|o| &t.user_id == o)
            && f.keyword.as_ref().is_none_or(|k| {
                search_text(
                    t.subject.as_str(),
                    t.description.as_str(),
                    t.ref_id.as_str(),
                )
                .contains(&k.folded())
            })
            && any_of(&f.statuses, &t.status)
            && any_of(&f.priorities, &t.priority)
            && any_of(&f.category_ids, &t.category_id)
            && (f.sub_category_ids.is_empty()
                || t.sub_category_id
                    .is_some_and(|s| f.sub_category_ids.contains(&s)))
            && any_of(&f.user_ids, &t.user_id)
            && assignee_ok
            && f.created_from.is_none_or(|from| t.audit.created_at >= from)
            && f.created_to.is_none_or(|to| t.audit.created_at <= to)
            && f.updated_since
                .is_none_or(|since| t.audit.modified_at >= since)
            && f.sla_breached.is_none_or(|b| t.sla.breached() == b)
    }

    fn log_matches(&self, entry: &LogEntry, filter: &LogFilter) -> bool {
        let Some(ticket) = self.ticket(entry.ticket_id) else {
            return false;
        };
        (filter.include_deleted || !ticket.is_delete)
            && (filter.include_internal || entry.visibility.is_visible_to(UserType::Customer))
            && filter.ticket_id.is_none_or(|id| id == entry.ticket_id)
            && filter.owner.as_ref().is_none_or(|o| &ticket.user_id == o)
    }
}

/// The rows of `page`, from `rows` in their list's order (`descending` or not
/// by `position`).
fn page_of<T: Clone>(
    mut rows: Vec<T>,
    page: Page,
    descending: bool,
    position: impl Fn(&T) -> Position,
) -> Vec<T> {
    if let Some(after) = page.after {
        let key = |p: Position| (p.value, p.id);
        rows.retain(|r| {
            let here = key(position(r));
            if descending {
                here < key(after)
            } else {
                here > key(after)
            }
        });
    }
    let start = usize::try_from(page.offset)
        .unwrap_or(usize::MAX)
        .min(rows.len());
    rows.drain(..start);
    rows.truncate(page.limit as usize);
    rows
}
