use std::sync::Arc;

use ticketd_domain::{
    Actor, Category, CategoryId, CategoryName, Description, LogAction, LogEntry, Message,
    MessageBody, RefId, Subject, TicketId, TicketStatus, UserId, UserType,
};
use ticketd_ports::{
    AuditLogRepository, CategoryRepository, Clock, LogFilter, NewAttachment, NewCategory,
    NewLogEntry, NewMessage, NewTicket, Page, RepoError, StatusChange, TicketDetails, TicketFilter,
    TicketRepository, TicketView,
};

use crate::error::AppError;

/// Rows a list gives when the client names no limit.
pub const DEFAULT_LIMIT: u32 = 10;
/// The most rows a list gives; larger limits are served as this.
pub const MAX_LIMIT: u32 = 100;
/// The most attachments one message may carry.
pub const MAX_ATTACHMENTS: usize = 10;

/// What it takes to open a ticket, already checked field by field.
#[derive(Debug, Clone)]
pub struct OpenTicketInput {
    /// The subject.
    pub subject: Subject,
    /// The description.
    pub description: Description,
    /// A top-level category.
    pub category_id: CategoryId,
    /// A child of that category.
    pub sub_category_id: Option<CategoryId>,
    /// The customer to open it for (staff only).
    pub user_id: Option<UserId>,
}

/// A message to add, already checked field by field.
#[derive(Debug, Clone)]
pub struct NewMessageInput {
    /// The text, if any.
    pub body: Option<MessageBody>,
    /// The files, if any.
    pub attachments: Vec<NewAttachment>,
}

/// The support desk: every use case, over the storage ports.
#[derive(Clone)]
pub struct SupportDesk {
    tickets: Arc<dyn TicketRepository>,
    categories: Arc<dyn CategoryRepository>,
    logs: Arc<dyn AuditLogRepository>,
    clock: Arc<dyn Clock>,
}

fn ticket_not_found(id: TicketId) -> AppError {
    AppError::NotFound(format!("ticket {id} not found"))
}

/// Maps a store's `NotFound` to the ticket's own 404 text.
fn about_ticket(id: TicketId) -> impl Fn(RepoError) -> AppError {
    move |e| match e {
        RepoError::NotFound => ticket_not_found(id),
        other => other.into(),
    }
}

fn log(action: LogAction, actor: &Actor, at: ticketd_domain::Timestamp) -> NewLogEntry {
    NewLogEntry {
        action,
        actor: actor.clone(),
        at,
    }
}

impl SupportDesk {
    /// A desk over the given ports.
    pub fn new(
        tickets: Arc<dyn TicketRepository>,
        categories: Arc<dyn CategoryRepository>,
        logs: Arc<dyn AuditLogRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            tickets,
            categories,
            logs,
            clock,
        }
    }

    /// Opens a ticket, logged as `Created ticket`.
    ///
    /// A customer opens tickets for itself; staff may name the customer.
    pub async fn open_ticket(
        &self,
        actor: &Actor,
        input: OpenTicketInput,
    ) -> Result<TicketView, AppError> {
        let (user_id, user_type) = match input.user_id {
            Some(id) if actor.user_type.is_staff() => (id, UserType::Customer),
            Some(id) if id == actor.id => (id, actor.user_type),
            Some(_) => {
                return Err(AppError::Forbidden(
                    "a customer can open tickets only for itself".into(),
                ));
            }
            None => (actor.id.clone(), actor.user_type),
        };
        self.check_categories(input.category_id, input.sub_category_id)
            .await?;
        let at = self.clock.now();
        // A reference collision is astronomically rare; a few fresh draws settle it.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let new = NewTicket {
                ref_id: RefId::from_random(rand::random()),
                user_id: user_id.clone(),
                user_type,
                category_id: input.category_id,
                sub_category_id: input.sub_category_id,
                subject: input.subject.clone(),
                description: input.description.clone(),
                status: TicketStatus::Open,
                actor: actor.clone(),
                at,
            };
            match self
                .tickets
                .create_ticket(new, log(LogAction::CreatedTicket, actor, at))
                .await
            {
                Err(RepoError::Conflict(_)) if attempts < 5 => continue,
                other => return other.map_err(Into::into),
            }
        }
    }

    async fn check_categories(
        &self,
        category_id: CategoryId,
        sub_category_id: Option<CategoryId>,
    ) -> Result<(), AppError> {
        let category = self.categories.get_category(category_id).await?;
        if !category
            .as_ref()
            .is_some_and(|c| c.is_usable() && c.is_top_level())
        {
            return Err(AppError::invalid(
                "categoryId",
                format!("{category_id} is not an active top-level category"),
            ));
        }
        if let Some(sub_id) = sub_category_id {
            let sub = self.categories.get_category(sub_id).await?;
            if !sub
                .as_ref()
                .is_some_and(|s| s.is_usable() && s.parent_id == Some(category_id))
            {
                return Err(AppError::invalid(
                    "subCategoryId",
                    format!("{sub_id} is not an active sub-category of category {category_id}"),
                ));
            }
        }
        Ok(())
    }

    fn ticket_filter(actor: &Actor, keyword: Option<ticketd_domain::Keyword>) -> TicketFilter {
        TicketFilter {
            owner: Self::owner_scope(actor),
            keyword,
        }
    }

    /// Customers are scoped to their own tickets; staff see all.
    fn owner_scope(actor: &Actor) -> Option<UserId> {
        (!actor.user_type.is_staff()).then(|| actor.id.clone())
    }

    /// The tickets the actor may see, newest first.
    pub async fn list_tickets(
        &self,
        actor: &Actor,
        keyword: Option<ticketd_domain::Keyword>,
        page: Page,
    ) -> Result<Vec<TicketView>, AppError> {
        Ok(self
            .tickets
            .list_tickets(&Self::ticket_filter(actor, keyword), page)
            .await?)
    }

    /// How many tickets the actor may see match the keyword.
    pub async fn count_tickets(
        &self,
        actor: &Actor,
        keyword: Option<ticketd_domain::Keyword>,
    ) -> Result<u64, AppError> {
        Ok(self
            .tickets
            .count_tickets(&Self::ticket_filter(actor, keyword))
            .await?)
    }

    /// A ticket the actor may see, or `NotFound`.
    async fn visible_ticket(&self, actor: &Actor, id: TicketId) -> Result<TicketView, AppError> {
        match self.tickets.get_ticket(id).await? {
            Some(view) if view.ticket.is_visible_to(actor) => Ok(view),
            _ => Err(ticket_not_found(id)),
        }
    }

    /// A ticket with its messages, if the actor may see it.
    pub async fn ticket_details(
        &self,
        actor: &Actor,
        id: TicketId,
    ) -> Result<TicketDetails, AppError> {
        match self.tickets.ticket_details(id).await? {
            Some(d) if d.ticket.is_visible_to(actor) => Ok(d),
            _ => Err(ticket_not_found(id)),
        }
    }

    /// Adds a message and/or attachments, logged as `Added message`.
    pub async fn add_message(
        &self,
        actor: &Actor,
        id: TicketId,
        input: NewMessageInput,
    ) -> Result<Message, AppError> {
        if input.body.is_none() && input.attachments.is_empty() {
            return Err(AppError::invalid(
                "message",
                "give a message, attachments, or both",
            ));
        }
        if input.attachments.len() > MAX_ATTACHMENTS {
            return Err(AppError::invalid(
                "attachments",
                format!("at most {MAX_ATTACHMENTS} attachments per message"),
            ));
        }
        let view = self.visible_ticket(actor, id).await?;
        if !view.ticket.status.accepts_messages() {
            return Err(AppError::Conflict(format!(
                "ticket {id} is closed and takes no more messages"
            )));
        }
        let at = self.clock.now();
        let message = NewMessage {
            sender: actor.clone(),
            body: input.body,
            attachments: input.attachments,
            at,
        };
        self.tickets
            .add_message(id, message, log(LogAction::AddedMessage, actor, at))
            .await
            .map_err(about_ticket(id))
    }

    /// Changes a ticket's status, logged as `Updated ticket status`.
    ///
    /// Setting the status a ticket already has changes nothing and writes no
    /// log entry.
    pub async fn change_status(
        &self,
        actor: &Actor,
        id: TicketId,
        to: TicketStatus,
    ) -> Result<TicketView, AppError> {
        let view = self.visible_ticket(actor, id).await?;
        let from = view.ticket.status;
        if !from.may_change_to(to, actor.user_type) {
            return Err(AppError::Forbidden(format!(
                "a {} may not move a ticket from {from} to {to}; a customer may close its \
                 ticket (5) or reopen a resolved one (1)",
                actor.user_type
            )));
        }
        if from == to {
            return Ok(view);
        }
        let at = self.clock.now();
        let change = StatusChange {
            from,
            to,
            actor: actor.clone(),
            at,
        };
        self.tickets
            .change_status(id, change, log(LogAction::UpdatedStatus, actor, at))
            .await
            .map_err(about_ticket(id))
    }

    fn log_filter(actor: &Actor, ticket_id: Option<TicketId>) -> LogFilter {
        LogFilter {
            owner: Self::owner_scope(actor),
            ticket_id,
        }
    }

    async fn check_log_ticket(
        &self,
        actor: &Actor,
        ticket_id: Option<TicketId>,
    ) -> Result<(), AppError> {
        if let Some(id) = ticket_id {
            self.visible_ticket(actor, id).await?;
        }
        Ok(())
    }

    /// The audit-log entries the actor may see, newest first.
    pub async fn list_logs(
        &self,
        actor: &Actor,
        ticket_id: Option<TicketId>,
        page: Page,
    ) -> Result<Vec<LogEntry>, AppError> {
        self.check_log_ticket(actor, ticket_id).await?;
        Ok(self
            .logs
            .list_log_entries(&Self::log_filter(actor, ticket_id), page)
            .await?)
    }

    /// How many audit-log entries the actor may see.
    pub async fn count_logs(
        &self,
        actor: &Actor,
        ticket_id: Option<TicketId>,
    ) -> Result<u64, AppError> {
        self.check_log_ticket(actor, ticket_id).await?;
        Ok(self
            .logs
            .count_log_entries(&Self::log_filter(actor, ticket_id))
            .await?)
    }

    /// Every active category.
    pub async fn list_categories(&self) -> Result<Vec<Category>, AppError> {
        Ok(self.categories.list_active_categories().await?)
    }

    /// Creates a category (admins only). A parent must be an active top-level
    /// category: categories have two levels.
    pub async fn create_category(
        &self,
        actor: &Actor,
        name: CategoryName,
        parent_id: Option<CategoryId>,
    ) -> Result<Category, AppError> {
        if actor.user_type != UserType::Admin {
            return Err(AppError::Forbidden(
                "only an admin may manage categories".into(),
            ));
        }
        if let Some(pid) = parent_id {
            let parent = self.categories.get_category(pid).await?;
            if !parent
                .as_ref()
                .is_some_and(|p| p.is_usable() && p.is_top_level())
            {
                return Err(AppError::invalid(
                    "parentCategoryId",
                    format!("{pid} is not an active top-level category"),
                ));
            }
        }
        let new = NewCategory {
            name,
            parent_id,
            actor: actor.clone(),
            at: self.clock.now(),
        };
        self.categories
            .create_category(new)
            .await
            .map_err(|e| match e {
                RepoError::Conflict(_) => AppError::Conflict(
                    "a category with this name already exists at this level".into(),
                ),
                other => other.into(),
            })
    }
}
