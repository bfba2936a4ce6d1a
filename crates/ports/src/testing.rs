//! In-memory implementations of the storage ports, for tests of the use cases.
//!
//! They keep the same rules as a real store: ids from 1, newest-first order,
//! case-insensitive literal keyword match, a closed ticket refuses messages, a
//! status change applies only from the status it was decided on, and every write
//! stores its log entry with it or not at all.

use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use ticketd_domain::{
    Attachment, AttachmentId, Audit, Category, CategoryId, LogEntry, LogEntryId, Message,
    MessageId, Ticket, TicketId, fold_case, search_text,
};

use crate::error::RepoError;
use crate::model::{
    LogFilter, NewCategory, NewLogEntry, NewMessage, NewTicket, Page, StatusChange, TicketDetails,
    TicketFilter, TicketView,
};
use crate::repos::{AuditLogRepository, CategoryRepository, TicketRepository};

#[derive(Default)]
struct State {
    tickets: Vec<Ticket>,
    messages: Vec<Message>,
    categories: Vec<Category>,
    logs: Vec<LogEntry>,
    next_attachment: i64,
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
    fn live_ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.tickets.iter().find(|t| t.id == id && !t.is_delete)
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

    fn push_log(&mut self, ticket_id: TicketId, log: NewLogEntry) {
        let id = LogEntryId(self.logs.len() as i64 + 1);
        self.logs.push(LogEntry {
            id,
            ticket_id,
            action: log.action,
            audit: Audit::new(&log.actor, log.at),
            action_by: log.actor,
            action_at: log.at,
            is_active: true,
            is_delete: false,
        });
    }

    fn matches(&self, ticket: &Ticket, filter: &TicketFilter) -> bool {
        !ticket.is_delete
            && filter.owner.as_ref().is_none_or(|o| &ticket.user_id == o)
            && filter.keyword.as_ref().is_none_or(|k| {
                search_text(
                    ticket.subject.as_str(),
                    ticket.description.as_str(),
                    ticket.ref_id.as_str(),
                )
                .contains(&k.folded())
            })
    }

    fn log_matches(&self, entry: &LogEntry, filter: &LogFilter) -> bool {
        let Some(ticket) = self.live_ticket(entry.ticket_id) else {
            return false;
        };
        filter.ticket_id.is_none_or(|id| id == entry.ticket_id)
            && filter.owner.as_ref().is_none_or(|o| &ticket.user_id == o)
    }
}

fn page_of<T: Clone>(mut rows: Vec<T>, page: Page) -> Vec<T> {
    let start = usize::try_from(page.offset)
        .unwrap_or(usize::MAX)
        .min(rows.len());
    rows.drain(..start);
    rows.truncate(page.limit as usize);
    rows
}

#[async_trait]
impl TicketRepository for InMemoryStore {
    async fn create_ticket(
        &self,
        new: NewTicket,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError> {
        let mut s = self.lock()?;
        if s.tickets.iter().any(|t| t.ref_id == new.ref_id) {
            return Err(RepoError::Conflict("duplicate reference".into()));
        }
        let ticket = Ticket {
            id: TicketId(s.tickets.len() as i64 + 1),
            ref_id: new.ref_id,
            user_id: new.user_id,
            user_type: new.user_type,
            category_id: new.category_id,
            sub_category_id: new.sub_category_id,
            subject: new.subject,
            description: new.description,
            status: new.status,
            is_active: true,
            is_delete: false,
            audit: Audit::new(&new.actor, new.at),
        };
        let view = s.view(&ticket)?;
        s.push_log(ticket.id, log);
        s.tickets.push(ticket);
        Ok(view)
    }

    async fn get_ticket(&self, id: TicketId) -> Result<Option<TicketView>, RepoError> {
        let s = self.lock()?;
        s.live_ticket(id).map(|t| s.view(t)).transpose()
    }

    async fn ticket_details(&self, id: TicketId) -> Result<Option<TicketDetails>, RepoError> {
        let s = self.lock()?;
        let Some(ticket) = s.live_ticket(id) else {
            return Ok(None);
        };
        let view = s.view(ticket)?;
        let messages = s
            .messages
            .iter()
            .filter(|m| m.ticket_id == id)
            .cloned()
            .collect();
        Ok(Some(TicketDetails {
            ticket: view.ticket,
            category: view.category,
            messages,
        }))
    }

    async fn list_tickets(
        &self,
        filter: &TicketFilter,
        page: Page,
    ) -> Result<Vec<TicketView>, RepoError> {
        let s = self.lock()?;
        let mut rows: Vec<&Ticket> = s.tickets.iter().filter(|t| s.matches(t, filter)).collect();
        rows.sort_by_key(|t| std::cmp::Reverse((t.audit.created_at, t.id)));
        let views = rows
            .into_iter()
            .map(|t| s.view(t))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page_of(views, page))
    }

    async fn count_tickets(&self, filter: &TicketFilter) -> Result<u64, RepoError> {
        let s = self.lock()?;
        Ok(s.tickets.iter().filter(|t| s.matches(t, filter)).count() as u64)
    }

    async fn add_message(
        &self,
        id: TicketId,
        new: NewMessage,
        log: NewLogEntry,
    ) -> Result<Message, RepoError> {
        let mut s = self.lock()?;
        let ticket = s.live_ticket(id).ok_or(RepoError::NotFound)?;
        if !ticket.status.accepts_messages() {
            return Err(RepoError::Conflict("the ticket is closed".into()));
        }
        let message_id = MessageId(s.messages.len() as i64 + 1);
        let audit = Audit::new(&new.sender, new.at);
        let mut attachments = Vec::with_capacity(new.attachments.len());
        for a in new.attachments {
            s.next_attachment += 1;
            attachments.push(Attachment {
                id: AttachmentId(s.next_attachment),
                message_id,
                ticket_id: id,
                file_name: a.file_name,
                file_path: a.file_path,
                is_active: true,
                is_delete: false,
                audit: audit.clone(),
            });
        }
        let message = Message {
            id: message_id,
            ticket_id: id,
            sender: new.sender.clone(),
            body: new.body,
            sent_at: new.at,
            is_active: true,
            is_delete: false,
            audit,
            attachments,
        };
        if let Some(t) = s.tickets.iter_mut().find(|t| t.id == id) {
            t.audit.touch(&new.sender, new.at);
        }
        s.messages.push(message.clone());
        s.push_log(id, log);
        Ok(message)
    }

    async fn change_status(
        &self,
        id: TicketId,
        change: StatusChange,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError> {
        let mut s = self.lock()?;
        let ticket = s
            .tickets
            .iter_mut()
            .find(|t| t.id == id && !t.is_delete)
            .ok_or(RepoError::NotFound)?;
        if ticket.status != change.from {
            return Err(RepoError::Conflict(
                "the ticket's status changed meanwhile".into(),
            ));
        }
        ticket.status = change.to;
        ticket.audit.touch(&change.actor, change.at);
        let ticket = ticket.clone();
        s.push_log(id, log);
        s.view(&ticket)
    }
}

#[async_trait]
impl CategoryRepository for InMemoryStore {
    async fn list_active_categories(&self) -> Result<Vec<Category>, RepoError> {
        let s = self.lock()?;
        Ok(s.categories
            .iter()
            .filter(|c| c.is_usable())
            .cloned()
            .collect())
    }

    async fn get_category(&self, id: CategoryId) -> Result<Option<Category>, RepoError> {
        Ok(self.lock()?.categories.iter().find(|c| c.id == id).cloned())
    }

    async fn create_category(&self, new: NewCategory) -> Result<Category, RepoError> {
        let mut s = self.lock()?;
        let key = fold_case(new.name.as_str());
        if s.categories
            .iter()
            .any(|c| c.parent_id == new.parent_id && fold_case(c.name.as_str()) == key)
        {
            return Err(RepoError::Conflict(
                "a category with this name exists".into(),
            ));
        }
        let category = Category {
            id: CategoryId(s.categories.len() as i64 + 1),
            name: new.name,
            parent_id: new.parent_id,
            is_active: true,
            is_delete: false,
            audit: Audit::new(&new.actor, new.at),
        };
        s.categories.push(category.clone());
        Ok(category)
    }
}

#[async_trait]
impl AuditLogRepository for InMemoryStore {
    async fn list_log_entries(
        &self,
        filter: &LogFilter,
        page: Page,
    ) -> Result<Vec<LogEntry>, RepoError> {
        let s = self.lock()?;
        let mut rows: Vec<LogEntry> = s
            .logs
            .iter()
            .filter(|e| s.log_matches(e, filter))
            .cloned()
            .collect();
        rows.sort_by_key(|e| std::cmp::Reverse((e.action_at, e.id)));
        Ok(page_of(rows, page))
    }

    async fn count_log_entries(&self, filter: &LogFilter) -> Result<u64, RepoError> {
        let s = self.lock()?;
        Ok(s.logs.iter().filter(|e| s.log_matches(e, filter)).count() as u64)
    }
}
