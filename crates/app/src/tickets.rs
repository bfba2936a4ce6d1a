//! Ticket use cases: open, list, add messages, change fields, delete, restore.

use std::sync::Arc;

use ticketd_domain::{
    Actor, CategoryId, ChangedField, Description, FieldChange, FileName, FilePath, LogAction,
    Message, MessageBody, Priority, RefId, Subject, TicketId, TicketStatus, Timestamp, UserId,
    UserType, Visibility,
};
use ticketd_ports::{
    KeptAnswer, MessageTarget, NewLogEntry, NewMessage, NewTicket, Position, RepoError,
    StatusChange, TicketFilter, TicketQuery, TicketView,
};

use crate::desk::{
    MAX_ATTACHMENTS, SupportDesk, about_ticket, check_include_deleted, ticket_not_found,
};
use crate::error::AppError;
use crate::paging::{COUNT_CAP, Count, ListOrder, ListPage, PageRequest};

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
    /// Its priority (staff only; normal by default).
    pub priority: Option<Priority>,
    /// The agent or admin to work on it (staff only).
    pub assignee_id: Option<UserId>,
}

/// A message to add, already checked field by field.
#[derive(Debug, Clone)]
pub struct NewMessageInput {
    /// The text, if any.
    pub body: Option<MessageBody>,
    /// The files, if any.
    pub attachments: Vec<AttachmentInput>,
    /// Public, or an internal note (staff only).
    pub visibility: Visibility,
}

/// A file to attach, as the sender names it: the upload call's `filePath`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInput {
    /// The name to show.
    pub file_name: FileName,
    /// Where the file lives.
    pub file_path: FilePath,
}

pub(crate) fn staff_only(actor: &Actor, what: &str) -> Result<(), AppError> {
    if actor.user_type.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "only agents and admins may {what}"
        )))
    }
}

pub(crate) fn text<T: std::fmt::Display>(v: Option<T>) -> Option<String> {
    v.map(|v| v.to_string())
}

impl SupportDesk {
    pub(crate) async fn check_assignee(&self, actor: &Actor, id: &UserId) -> Result<(), AppError> {
        // The caller is known by the time its request is checked, even on its
        // first request.
        if actor.user_type.is_staff() && &actor.id == id {
            return Ok(());
        }
        match self.ports.users.user_type(id).await? {
            Some(t) if t.is_staff() => Ok(()),
            _ => Err(AppError::unresolved(
                "assigneeId",
                format!(
                    "{id} is not an agent or admin known to the desk (they must have signed in once)"
                ),
            )),
        }
    }

    /// Opens a ticket, logged as `Created ticket`.
    ///
    /// A customer opens tickets for itself; staff may name the customer, the
    /// priority and the assignee.
    pub async fn open_ticket(
        &self,
        actor: &Actor,
        input: OpenTicketInput,
    ) -> Result<TicketView, AppError> {
        self.open_ticket_keeping(actor, input, None).await
    }

    /// [`open_ticket`](Self::open_ticket), keeping `keep` (how to render the
    /// answer of a request with an `Idempotency-Key`) with the new ticket in
    /// one transaction.
    pub async fn open_ticket_keeping(
        &self,
        actor: &Actor,
        input: OpenTicketInput,
        keep: Option<KeptAnswer<TicketView>>,
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
        if input.priority.is_some() {
            staff_only(actor, "set a priority")?;
        }
        if let Some(assignee) = &input.assignee_id {
            staff_only(actor, "assign tickets")?;
            self.check_assignee(actor, assignee).await?;
        }
        self.remember(actor).await?;
        self.top_category("categoryId", input.category_id).await?;
        if let Some(sub) = input.sub_category_id {
            self.sub_category(input.category_id, sub).await?;
        }
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
                priority: input.priority.unwrap_or_default(),
                assignee_id: input.assignee_id.clone(),
                actor: actor.clone(),
                at,
                answer: keep.clone(),
            };
            let log = NewLogEntry::new(LogAction::CreatedTicket, actor, at);
            match self.ports.tickets.create_ticket(new, log).await {
                Err(RepoError::Conflict(_)) if attempts < 5 => continue,
                other => return Ok(self.as_seen_by(actor, other?)),
            }
        }
    }

    fn scoped(&self, actor: &Actor, query: TicketQuery) -> Result<TicketFilter, AppError> {
        check_include_deleted(actor, query.include_deleted)?;
        self.check_sla_query(actor, &query)?;
        if !actor.user_type.is_staff() && query.user_ids.iter().any(|u| u != &actor.id) {
            return Err(AppError::Forbidden(
                "only agents and admins may filter by another user's tickets".into(),
            ));
        }
        Ok(TicketFilter {
            owner: Self::owner_scope(actor),
            query,
        })
    }

    /// A page of the tickets the actor may see that match `query`, in its order.
    pub async fn list_tickets(
        &self,
        actor: &Actor,
        query: TicketQuery,
        page: &PageRequest,
    ) -> Result<ListPage<TicketView>, AppError> {
        let filter = self.scoped(actor, query)?;
        let order = ListOrder::Tickets(filter.sort);
        let store_page = page.resolve(order)?;
        self.remember(actor).await?;
        let rows = self.ports.tickets.list_tickets(&filter, store_page).await?;
        let sort = filter.sort;
        let mut page = ListPage::from_rows(rows, page.limit, order, |v| {
            Position::of_ticket(sort, &v.ticket)
        });
        for view in &mut page.rows {
            self.withhold_clocks(actor, &mut view.ticket);
        }
        Ok(page)
    }

    /// How many tickets the actor may see match `query`, up to [`COUNT_CAP`].
    pub async fn count_tickets(
        &self,
        actor: &Actor,
        query: TicketQuery,
    ) -> Result<Count, AppError> {
        let filter = self.scoped(actor, query)?;
        let n = self
            .ports
            .tickets
            .count_tickets(&filter, COUNT_CAP + 1)
            .await?;
        Ok(Count::from_counted(n))
    }

    /// Adds a message and/or attachments, logged as `Added message` (an
    /// internal note's entry is internal too). A customer's reply to a pending
    /// or resolved ticket moves it back to open, logged as a status change.
    pub async fn add_message(
        &self,
        actor: &Actor,
        id: TicketId,
        input: NewMessageInput,
    ) -> Result<Message, AppError> {
        self.add_message_keeping(actor, id, input, None).await
    }

    /// [`add_message`](Self::add_message), keeping `keep` (how to render the
    /// answer of a request with an `Idempotency-Key`) with the message in one
    /// transaction.
    pub async fn add_message_keeping(
        &self,
        actor: &Actor,
        id: TicketId,
        input: NewMessageInput,
        keep: Option<KeptAnswer<Message>>,
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
        if input.visibility == Visibility::Internal {
            staff_only(actor, "write internal notes")?;
        }
        self.remember(actor).await?;
        let at = self.clock.now();
        // The store checks the ticket (whose it is, whether it takes
        // messages) and decides on reopening it in the write itself, against
        // the status it finds there.
        let target = MessageTarget {
            owner: Self::owner_scope(actor),
            reopen: Arc::new(reopening(actor.clone(), input.visibility, at)),
        };
        if !input.attachments.is_empty() {
            // A ticket the caller cannot reach answers 404 (a closed one
            // 409) before its attachments are judged.
            let view = self.ports.tickets.get_ticket(id).await?;
            let t = &view.ok_or_else(|| ticket_not_found(id))?.ticket;
            target
                .admits(id, t.status, &t.user_id, t.is_delete)
                .map_err(about_ticket(id))?;
        }
        let mut attempts = 0;
        loop {
            attempts += 1;
            let attachments = self.resolve_attachments(actor, &input.attachments).await?;
            let message = NewMessage {
                sender: actor.clone(),
                body: input.body.clone(),
                attachments,
                visibility: input.visibility,
                at,
                answer: keep.clone(),
            };
            let mut log = NewLogEntry::new(LogAction::AddedMessage, actor, at);
            log.visibility = input.visibility;
            match self
                .ports
                .tickets
                .add_message_to(id, message, log, target.clone())
                .await
            {
                // An upload taken meanwhile (attached elsewhere, or swept):
                // judging the attachments again says which, field by field.
                Err(RepoError::Conflict(_)) if attempts < 3 && !input.attachments.is_empty() => {
                    continue;
                }
                other => return other.map_err(about_ticket(id)),
            }
        }
    }
}

/// The status change a message from `actor` causes to a ticket in a given
/// status: a public reply from the side the ticket waits on (a customer's, to
/// a pending or resolved ticket) moves it back to open, logged as a change.
fn reopening(
    actor: Actor,
    visibility: Visibility,
    at: Timestamp,
) -> impl Fn(TicketStatus) -> Option<StatusChange> + Send + Sync {
    move |status| {
        (visibility == Visibility::Public && status.reopens_on_reply_from(actor.user_type)).then(
            || {
                let mut log = NewLogEntry::new(LogAction::UpdatedStatus, &actor, at);
                log.changes = vec![FieldChange::new(
                    ChangedField::Status,
                    text(Some(status)),
                    text(Some(TicketStatus::Open)),
                )];
                StatusChange {
                    from: status,
                    to: TicketStatus::Open,
                    log,
                }
            },
        )
    }
}
