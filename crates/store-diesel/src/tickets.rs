//! Tickets and their messages.

use async_trait::async_trait;
use diesel::prelude::*;
use ticketd_domain::{Actor, Message, TicketId, TicketStatus, search_text};
use ticketd_ports::{
    NewLogEntry, NewMessage, NewTicket, Page, RepoError, StatusChange, TicketDetails, TicketFilter,
    TicketRepository, TicketView,
};

use crate::rows::{
    AttachmentRow, CategoryRow, MessageRow, NewAttachmentRow, NewLogRow, NewMessageRow,
    NewTicketRow, TicketRow, count, to_db_time,
};
use crate::schema::{ticket_attachments, ticket_categories, ticket_logs, ticket_messages, tickets};
use crate::{AnyConnection, Store, db_error, like_literal};

type ViewRow = (TicketRow, CategoryRow);

fn into_view((ticket, category): ViewRow) -> Result<TicketView, RepoError> {
    Ok(TicketView {
        ticket: ticket.into_domain()?,
        category: category.into_domain()?,
    })
}

/// Tickets joined with their category, deleted ones left out.
macro_rules! live_tickets_with_category {
    () => {
        tickets::table
            .inner_join(ticket_categories::table.on(tickets::category_id.eq(ticket_categories::id)))
            .filter(tickets::is_delete.eq(false))
    };
}

fn load_view(conn: &mut AnyConnection, id: TicketId) -> Result<Option<TicketView>, RepoError> {
    live_tickets_with_category!()
        .filter(tickets::id.eq(id.get()))
        .select((TicketRow::as_select(), CategoryRow::as_select()))
        .first::<ViewRow>(conn)
        .optional()
        .map_err(db_error)?
        .map(into_view)
        .transpose()
}

type LiveTickets = diesel::helper_types::Filter<
    diesel::helper_types::InnerJoinOn<
        tickets::table,
        ticket_categories::table,
        diesel::helper_types::Eq<tickets::category_id, ticket_categories::id>,
    >,
    diesel::helper_types::Eq<tickets::is_delete, bool>,
>;
type Backend = <AnyConnection as Connection>::Backend;

/// The tickets matching `filter`, as a boxed query.
fn filtered<'a>(
    filter: &TicketFilter,
) -> diesel::helper_types::IntoBoxed<'a, LiveTickets, Backend> {
    let mut query = live_tickets_with_category!().into_boxed();
    if let Some(owner) = &filter.owner {
        query = query.filter(tickets::user_id.eq(owner.as_str().to_owned()));
    }
    if let Some(keyword) = &filter.keyword {
        query = query.filter(
            tickets::search_text
                .like(like_literal(&keyword.folded()))
                .escape('\\'),
        );
    }
    query
}

/// Marks a ticket modified by `actor`, if it is live and `extra` holds.
/// Returns whether a row changed. The update also locks the row until commit,
/// so the checks of concurrent writers to the same ticket take turns.
fn touch(
    conn: &mut AnyConnection,
    id: TicketId,
    actor: &Actor,
    at: ticketd_domain::Timestamp,
    status: Option<(TicketStatus, TicketStatus)>,
) -> Result<bool, RepoError> {
    let target = tickets::table
        .filter(tickets::id.eq(id.get()))
        .filter(tickets::is_delete.eq(false));
    let changes = (
        tickets::modified_by.eq(actor.id.as_str().to_owned()),
        tickets::modified_by_type.eq(actor.user_type.as_str()),
        tickets::modified_date.eq(to_db_time(at)),
    );
    let n = match status {
        Some((from, to)) => diesel::update(target.filter(tickets::status.eq(from.code())))
            .set((changes, tickets::status.eq(to.code())))
            .execute(conn),
        None => diesel::update(target.filter(tickets::status.ne(TicketStatus::Closed.code())))
            .set(changes)
            .execute(conn),
    }
    .map_err(db_error)?;
    Ok(n == 1)
}

/// Why a guarded update changed nothing: the ticket is gone, or `conflict`.
fn refusal(conn: &mut AnyConnection, id: TicketId, conflict: &str) -> RepoError {
    match load_view(conn, id) {
        Ok(Some(_)) => RepoError::Conflict(conflict.to_owned()),
        Ok(None) => RepoError::NotFound,
        Err(e) => e,
    }
}

fn insert_log(conn: &mut AnyConnection, id: TicketId, log: &NewLogEntry) -> Result<(), RepoError> {
    diesel::insert_into(ticket_logs::table)
        .values(NewLogRow::new(id.get(), log))
        .execute(conn)
        .map_err(db_error)?;
    Ok(())
}

#[async_trait]
impl TicketRepository for Store {
    async fn create_ticket(
        &self,
        new: NewTicket,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError> {
        self.write(move |conn| {
            let at = to_db_time(new.at);
            let row = NewTicketRow {
                search_text: search_text(
                    new.subject.as_str(),
                    new.description.as_str(),
                    new.ref_id.as_str(),
                ),
                ref_id: new.ref_id.as_str().to_owned(),
                user_id: new.user_id.as_str().to_owned(),
                user_type: new.user_type.as_str().to_owned(),
                category_id: new.category_id.get(),
                sub_category_id: new.sub_category_id.map(|c| c.get()),
                subject: new.subject.into_inner(),
                description: new.description.into_inner(),
                status: new.status.code(),
                is_active: true,
                is_delete: false,
                created_by: new.actor.id.as_str().to_owned(),
                created_by_type: new.actor.user_type.as_str().to_owned(),
                created_date: at,
                modified_by: new.actor.id.as_str().to_owned(),
                modified_by_type: new.actor.user_type.as_str().to_owned(),
                modified_date: at,
            };
            let id: i64 = diesel::insert_into(tickets::table)
                .values(row)
                .returning(tickets::id)
                .get_result(conn)
                .map_err(db_error)?;
            let id = TicketId(id);
            insert_log(conn, id, &log)?;
            load_view(conn, id)?.ok_or_else(|| {
                RepoError::Unexpected(anyhow::anyhow!("ticket {id} vanished after insert"))
            })
        })
        .await
    }

    async fn get_ticket(&self, id: TicketId) -> Result<Option<TicketView>, RepoError> {
        self.read(move |conn| load_view(conn, id)).await
    }

    async fn ticket_details(&self, id: TicketId) -> Result<Option<TicketDetails>, RepoError> {
        self.read(move |conn| {
            let Some(view) = load_view(conn, id)? else {
                return Ok(None);
            };
            let messages: Vec<MessageRow> = ticket_messages::table
                .filter(ticket_messages::ticket_id.eq(id.get()))
                .order(ticket_messages::id.asc())
                .select(MessageRow::as_select())
                .load(conn)
                .map_err(db_error)?;
            let mut attachments: Vec<AttachmentRow> = ticket_attachments::table
                .filter(ticket_attachments::ticket_id.eq(id.get()))
                .order(ticket_attachments::id.asc())
                .select(AttachmentRow::as_select())
                .load(conn)
                .map_err(db_error)?;
            let mut out = Vec::with_capacity(messages.len());
            for m in messages {
                let (mine, rest) = attachments.into_iter().partition(|a| a.message_id == m.id);
                attachments = rest;
                let mine = mine
                    .into_iter()
                    .map(AttachmentRow::into_domain)
                    .collect::<Result<Vec<_>, _>>()?;
                out.push(m.into_domain(mine)?);
            }
            Ok(Some(TicketDetails {
                ticket: view.ticket,
                category: view.category,
                messages: out,
            }))
        })
        .await
    }

    async fn list_tickets(
        &self,
        filter: &TicketFilter,
        page: Page,
    ) -> Result<Vec<TicketView>, RepoError> {
        let filter = filter.clone();
        self.read(move |conn| {
            filtered(&filter)
                .order((tickets::created_date.desc(), tickets::id.desc()))
                .limit(i64::from(page.limit))
                .offset(i64::try_from(page.offset).unwrap_or(i64::MAX))
                .select((TicketRow::as_select(), CategoryRow::as_select()))
                .load::<ViewRow>(conn)
                .map_err(db_error)?
                .into_iter()
                .map(into_view)
                .collect()
        })
        .await
    }

    async fn count_tickets(&self, filter: &TicketFilter) -> Result<u64, RepoError> {
        let filter = filter.clone();
        self.read(move |conn| {
            count(
                filtered(&filter)
                    .count()
                    .get_result::<i64>(conn)
                    .map_err(db_error)?,
            )
        })
        .await
    }

    async fn add_message(
        &self,
        id: TicketId,
        new: NewMessage,
        log: NewLogEntry,
    ) -> Result<Message, RepoError> {
        self.write(move |conn| {
            if !touch(conn, id, &new.sender, new.at, None)? {
                return Err(refusal(conn, id, "the ticket is closed"));
            }
            let at = to_db_time(new.at);
            let sender_id = new.sender.id.as_str().to_owned();
            let sender_type = new.sender.user_type.as_str().to_owned();
            let message_id: i64 = diesel::insert_into(ticket_messages::table)
                .values(NewMessageRow {
                    ticket_id: id.get(),
                    sender_id: sender_id.clone(),
                    sender_type: sender_type.clone(),
                    message: new.body.as_ref().map(|b| b.as_str().to_owned()),
                    sent_at: at,
                    is_active: true,
                    is_delete: false,
                    created_by: sender_id.clone(),
                    created_by_type: sender_type.clone(),
                    created_date: at,
                    modified_by: sender_id.clone(),
                    modified_by_type: sender_type.clone(),
                    modified_date: at,
                })
                .returning(ticket_messages::id)
                .get_result(conn)
                .map_err(db_error)?;
            for a in &new.attachments {
                diesel::insert_into(ticket_attachments::table)
                    .values(NewAttachmentRow {
                        message_id,
                        ticket_id: id.get(),
                        file_name: a.file_name.as_str().to_owned(),
                        file_path: a.file_path.as_str().to_owned(),
                        is_active: true,
                        is_delete: false,
                        created_by: sender_id.clone(),
                        created_by_type: sender_type.clone(),
                        created_date: at,
                        modified_by: sender_id.clone(),
                        modified_by_type: sender_type.clone(),
                        modified_date: at,
                    })
                    .execute(conn)
                    .map_err(db_error)?;
            }
            insert_log(conn, id, &log)?;
            let row: MessageRow = ticket_messages::table
                .find(message_id)
                .select(MessageRow::as_select())
                .first(conn)
                .map_err(db_error)?;
            let attachments = ticket_attachments::table
                .filter(ticket_attachments::message_id.eq(message_id))
                .order(ticket_attachments::id.asc())
                .select(AttachmentRow::as_select())
                .load::<AttachmentRow>(conn)
                .map_err(db_error)?
                .into_iter()
                .map(AttachmentRow::into_domain)
                .collect::<Result<Vec<_>, _>>()?;
            row.into_domain(attachments)
        })
        .await
    }

    async fn change_status(
        &self,
        id: TicketId,
        change: StatusChange,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError> {
        self.write(move |conn| {
            if !touch(
                conn,
                id,
                &change.actor,
                change.at,
                Some((change.from, change.to)),
            )? {
                return Err(refusal(
                    conn,
                    id,
                    "the ticket's status changed meanwhile; read it again",
                ));
            }
            insert_log(conn, id, &log)?;
            load_view(conn, id)?.ok_or(RepoError::NotFound)
        })
        .await
    }
}
