use async_trait::async_trait;
use ticketd_domain::{Category, CategoryId, LogEntry, Message, TicketId};

use crate::error::RepoError;
use crate::model::{
    LogFilter, NewCategory, NewLogEntry, NewMessage, NewTicket, Page, StatusChange, TicketDetails,
    TicketFilter, TicketView,
};

/// Stores tickets and their messages. Every write takes the log entry that
/// records it and stores both in one transaction: both land or neither does.
#[async_trait]
pub trait TicketRepository: Send + Sync {
    /// Stores a new ticket and its "created" log entry; returns the new ticket.
    async fn create_ticket(
        &self,
        ticket: NewTicket,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError>;

    /// A ticket with its category, or `None` if there is none (or it is deleted).
    async fn get_ticket(&self, id: TicketId) -> Result<Option<TicketView>, RepoError>;

    /// A ticket with its category, messages and attachments.
    async fn ticket_details(&self, id: TicketId) -> Result<Option<TicketDetails>, RepoError>;

    /// The tickets matching `filter`, newest first.
    async fn list_tickets(
        &self,
        filter: &TicketFilter,
        page: Page,
    ) -> Result<Vec<TicketView>, RepoError>;

    /// How many tickets match `filter`.
    async fn count_tickets(&self, filter: &TicketFilter) -> Result<u64, RepoError>;

    /// Adds a message with its attachments to a ticket that still takes
    /// messages, with its log entry, and marks the ticket modified.
    /// `NotFound` if the ticket is gone, `Conflict` if it is closed.
    async fn add_message(
        &self,
        id: TicketId,
        message: NewMessage,
        log: NewLogEntry,
    ) -> Result<Message, RepoError>;

    /// Changes a ticket's status if it still is `change.from`, with its log
    /// entry. `NotFound` if the ticket is gone, `Conflict` if its status moved.
    async fn change_status(
        &self,
        id: TicketId,
        change: StatusChange,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError>;
}

/// Stores ticket categories.
#[async_trait]
pub trait CategoryRepository: Send + Sync {
    /// Every active, undeleted category, top-level ones and their children, by id.
    async fn list_active_categories(&self) -> Result<Vec<Category>, RepoError>;

    /// One category, whatever its state, or `None`.
    async fn get_category(&self, id: CategoryId) -> Result<Option<Category>, RepoError>;

    /// Stores a new category. `Conflict` if a sibling has the same name.
    async fn create_category(&self, category: NewCategory) -> Result<Category, RepoError>;
}

/// Reads the audit log (entries are written by the [`TicketRepository`]).
#[async_trait]
pub trait AuditLogRepository: Send + Sync {
    /// The entries matching `filter`, newest first.
    async fn list_log_entries(
        &self,
        filter: &LogFilter,
        page: Page,
    ) -> Result<Vec<LogEntry>, RepoError>;

    /// How many entries match `filter`.
    async fn count_log_entries(&self, filter: &LogFilter) -> Result<u64, RepoError>;
}
