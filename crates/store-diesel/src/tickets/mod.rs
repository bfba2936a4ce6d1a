use async_trait::async_trait;
use diesel::prelude::*;
use ticketd_domain::{Message, TicketId, TicketStatus, UserId, Visibility};
use ticketd_ports::{
    MessageTarget, NewLogEntry, NewMessage, NewTicket, Page, Position, ReadScope, RepoError,
    SortField, StatusChange, TicketDetails, TicketFilter, TicketRepository, TicketSort,
    TicketUpdate, TicketView,
};

use crate::explain::Plans;
use crate::rows::{
    AttachmentAudit, AttachmentRow, CategoryRow, MessageRow, NewAttachmentRow, NewLogRow,
    NewMessageRow, NewTicketRow, TicketRow, clamp_i32, corrupt, micros_to_db_time, to_db_time,
};
use crate::schema::{ticket_attachments, ticket_categories, ticket_logs, ticket_messages, tickets};
use crate::search::{self, AmongIds, HoldsWords, Plan, Purpose, SortedAfterReading};
use crate::sla::{self, Cause};
use crate::window::Window;
use crate::{AnyConnection, Prepared, Store, TxError, db_error, events, like_literal};

type ViewRow = (TicketRow, CategoryRow);

fn into_view((ticket, category): ViewRow) -> Result<TicketView, RepoError> {
    Ok(TicketView {
        ticket: ticket.into_domain()?,
        category: category.into_domain()?,
    })
}

/// Tickets joined with their category.
macro_rules! tickets_with_category {
    () => {
        tickets::table
            .inner_join(ticket_categories::table.on(tickets::category_id.eq(ticket_categories::id)))
    };
}

/// A ticket with its category, by id.
type ViewQuery = diesel::helper_types::Select<
    diesel::helper_types::Filter<TicketsWithCategory, diesel::helper_types::Eq<tickets::id, i64>>,
    (
        diesel::helper_types::AsSelect<TicketRow, Backend>,
        diesel::helper_types::AsSelect<CategoryRow, Backend>,
    ),
>;

/// The query of a ticket (deleted or not) with its category.
fn view_query(id: TicketId) -> diesel::helper_types::Limit<ViewQuery> {
    tickets_with_category!()
        .filter(tickets::id.eq(id.get()))
        .select((TicketRow::as_select(), CategoryRow::as_select()))
        .limit(1)
}

/// The rows of a ticket (deleted or not) and its category, which must be there.
pub(crate) fn view_rows(conn: &mut AnyConnection, id: TicketId) -> Result<ViewRow, RepoError> {
    view_query(id)
        .get_result::<ViewRow>(conn)
        .optional()
        .map_err(db_error)?
        .ok_or_else(|| RepoError::Unexpected(anyhow::anyhow!("ticket {id} vanished while written")))
}

/// A ticket (deleted or not) with its category.
fn load_view(conn: &mut AnyConnection, id: TicketId) -> Result<Option<TicketView>, RepoError> {
    view_query(id)
        .get_result::<ViewRow>(conn)
        .optional()
        .map_err(db_error)?
        .map(into_view)
        .transpose()
}

type TicketsWithCategory = diesel::helper_types::InnerJoinOn<
    tickets::table,
    ticket_categories::table,
    diesel::helper_types::Eq<tickets::category_id, ticket_categories::id>,
>;
type Backend = <AnyConnection as Connection>::Backend;

mod listing;
#[cfg(feature = "testing")]
mod plans;
use listing::{SearchContext, count_of_tickets, page_of_tickets};

/// A ticket the scope admits, with its category, and the messages (with
/// their attachments) the scope admits.
fn details_of_ticket(
    conn: &mut AnyConnection,
    id: TicketId,
    scope: &ReadScope,
    plans: &mut Plans,
) -> Result<Option<TicketDetails>, RepoError> {
    plans.note(conn, || view_query(id))?;
    let Some(view) = load_view(conn, id)?.filter(|v| scope.admits(&v.ticket)) else {
        return Ok(None);
    };
    let public = (!scope.include_internal).then_some(Visibility::Public.as_str());
    let messages = || {
        let mut q = ticket_messages::table
            .filter(ticket_messages::ticket_id.eq(id.get()))
            .into_boxed();
        if let Some(public) = public {
            q = q.filter(ticket_messages::visibility.eq(public));
        }
        q.order(ticket_messages::id.asc())
            .select(MessageRow::as_select())
    };
    let attachments = || {
        let mut q = ticket_attachments::table
            .inner_join(ticket_messages::table)
            .filter(ticket_attachments::ticket_id.eq(id.get()))
            .into_boxed();
        if let Some(public) = public {
            q = q.filter(ticket_messages::visibility.eq(public));
        }
        q.order(ticket_attachments::id.asc())
            .select(AttachmentRow::as_select())
    };
    plans.note(conn, messages)?;
    plans.note(conn, attachments)?;
    let messages: Vec<MessageRow> = messages().load(conn).map_err(db_error)?;
    let mut attachments: Vec<AttachmentRow> = attachments().load(conn).map_err(db_error)?;
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
}

/// Marks a live ticket that still takes messages modified by the sender of a
/// public message, and applies `reopen` if the ticket is still in
/// `reopen.from`. Returns whether the ticket matched. The update also locks
/// the row until commit, so that concurrent writers to one ticket take turns.
///
/// An internal note changes nothing a customer can read: the row is only
/// locked (an update that writes what it finds), so `modifiedBy`,
/// `modifiedDate`, the ticket's place in `sort=modifiedDate`, `updatedSince`
/// and the details' ETag stay as they were.
fn touch_for_message(
    conn: &mut AnyConnection,
    id: TicketId,
    new: &NewMessage,
    reopen: Option<&StatusChange>,
) -> Result<bool, RepoError> {
    let target = tickets::table
        .filter(tickets::id.eq(id.get()))
        .filter(tickets::is_delete.eq(false))
        .filter(tickets::status.ne(TicketStatus::Closed.code()));
    let modified = (
        tickets::modified_by.eq(new.sender.id.as_str().to_owned()),
        tickets::modified_by_type.eq(new.sender.user_type.as_str()),
        tickets::modified_date.eq(to_db_time(new.at)),
    );
    let n = match (reopen, new.visibility) {
        (Some(r), _) => Prepared(
            diesel::update(target.filter(tickets::status.eq(r.from.code())))
                .set((
                    modified,
                    tickets::status.eq(r.to.code()),
                    tickets::version.eq(tickets::version + 1),
                ))
                .returning(tickets::id),
        )
        .rows(conn),
        (None, Visibility::Public) => {
            Prepared(diesel::update(target).set(modified).returning(tickets::id)).rows(conn)
        }
        (None, Visibility::Internal) => Prepared(
            diesel::update(target)
                .set(tickets::id.eq(tickets::id))
                .returning(tickets::id),
        )
        .rows(conn),
    }
    .map_err(db_error)?;
    Ok(n == 1)
}

/// The status, owner and deletion of the ticket a message goes to, held (on
/// PostgreSQL, locked; SQLite's writes take turns) until the write commits,
/// or `None` if there is no such ticket.
fn ticket_for_message(
    conn: &mut AnyConnection,
    id: TicketId,
) -> Result<Option<(i32, String, bool)>, RepoError> {
    let found = tickets::table.filter(tickets::id.eq(id.get())).select((
        tickets::status,
        tickets::user_id,
        tickets::is_delete,
    ));
    match conn {
        AnyConnection::Postgresql(pg) => found.for_update().first(pg).optional(),
        AnyConnection::Sqlite(lite) => found.first(lite).optional(),
    }
    .map_err(db_error)
}

/// Adds a message, its attachments, its log entry and the status change it
/// causes (`reopen`, if the ticket is still in `reopen.from`), with the events
/// and clocks that follow, in the caller's transaction.
fn add_message_in(
    conn: &mut AnyConnection,
    id: TicketId,
    new: NewMessage,
    log: NewLogEntry,
    reopen: Option<StatusChange>,
) -> Result<Message, RepoError> {
    if !touch_for_message(conn, id, &new, reopen.as_ref())? {
        return Err(match load_view(conn, id)? {
            Some(v) if !v.ticket.is_delete => {
                RepoError::Conflict("the ticket is closed, or its status changed".into())
            }
            _ => RepoError::NotFound,
        });
    }
    let at = to_db_time(new.at);
    // The rows come back from their inserts, as the answer and the
    // event show them: no statement reads them again. (Their columns
    // as a plain expression, the same for both databases: a
    // `SelectBy` cannot follow `RETURNING` through the connection
    // that serves both.)
    let row: MessageRow = Prepared(
        diesel::insert_into(ticket_messages::table)
            .values(NewMessageRow::new(id.get(), &new))
            .returning(<MessageRow as Selectable<Backend>>::construct_selection()),
    )
    .get_result(conn)
    .map_err(db_error)?;
    let mut attachment_rows = Vec::with_capacity(new.attachments.len());
    for a in &new.attachments {
        let stored: AttachmentRow = Prepared(
            diesel::insert_into(ticket_attachments::table)
                .values(NewAttachmentRow {
                    message_id: row.id,
                    ticket_id: id.get(),
                    file_name: a.file_name.as_str().to_owned(),
                    file_path: a.file_path.as_str().to_owned(),
                    upload_key: a.upload.as_ref().map(|k| k.as_str().to_owned()),
                    is_active: true,
                    is_delete: false,
                    audit: AttachmentAudit::new(&new.sender, at),
                })
                .returning(<AttachmentRow as Selectable<Backend>>::construct_selection()),
        )
        .get_result(conn)
        .map_err(attach_error)?;
        attachment_rows.push(stored);
    }
    insert_log(conn, id, &log)?;
    if let Some(r) = &reopen {
        insert_log(conn, id, &r.log)?;
    }
    let mut ticket = view_rows(conn, id)?;
    let cause = Cause::Message(new.sender.user_type, new.visibility);
    let breaches = sla::advance(conn, &mut ticket.0, cause, new.at)?;
    let view = (&ticket.0, &ticket.1);
    events::record(conn, view, &log, Some((&row, &attachment_rows)))?;
    if let Some(r) = &reopen {
        events::record(conn, view, &r.log, None)?;
    }
    sla::announce(conn, view, &breaches, new.at)?;
    let attachments = attachment_rows
        .into_iter()
        .map(AttachmentRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    let message = row.into_domain(attachments)?;
    crate::idempotency::keep_answer(conn, new.answer.as_ref(), &message)?;
    Ok(message)
}

/// The fields an update may set; `None` leaves a column as it is.
#[derive(AsChangeset)]
#[diesel(table_name = tickets)]
struct TicketChangeset {
    status: Option<i32>,
    priority: Option<i32>,
    assignee_id: Option<Option<String>>,
    category_id: Option<i64>,
    sub_category_id: Option<Option<i64>>,
    is_delete: Option<bool>,
    modified_by: String,
    modified_by_type: String,
    modified_date: chrono::NaiveDateTime,
}

fn insert_log(conn: &mut AnyConnection, id: TicketId, log: &NewLogEntry) -> Result<(), RepoError> {
    Prepared(
        diesel::insert_into(ticket_logs::table)
            .values(NewLogRow::new(id.get(), log))
            .returning(ticket_logs::id),
    )
    .rows(conn)
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
            let row = NewTicketRow::new(&new, sla::opening(conn, &new)?);
            let id: i64 = Prepared(
                diesel::insert_into(tickets::table)
                    .values(row)
                    .returning(tickets::id),
            )
            .get_result(conn)
            .map_err(db_error)?;
            let id = TicketId(id);
            insert_log(conn, id, &log)?;
            let rows = view_rows(conn, id)?;
            events::record(conn, (&rows.0, &rows.1), &log, None)?;
            let view = into_view(rows)?;
            crate::idempotency::keep_answer(conn, new.answer.as_ref(), &view)?;
            Ok(view)
        })
        .await
    }

    async fn get_ticket(&self, id: TicketId) -> Result<Option<TicketView>, RepoError> {
        self.read(move |conn| load_view(conn, id)).await
    }

    async fn ticket_details(
        &self,
        id: TicketId,
        scope: &ReadScope,
    ) -> Result<Option<TicketDetails>, RepoError> {
        let scope = scope.clone();
        self.read(move |conn| details_of_ticket(conn, id, &scope, &mut Plans::default()))
            .await
    }

    async fn list_tickets(
        &self,
        filter: &TicketFilter,
        page: Page,
    ) -> Result<Vec<TicketView>, RepoError> {
        let filter = filter.clone();
        let search = self.search_context();
        self.read(move |conn| page_of_tickets(conn, &filter, page, &search, &mut Plans::default()))
            .await
    }

    async fn count_tickets(&self, filter: &TicketFilter, at_most: u64) -> Result<u64, RepoError> {
        let filter = filter.clone();
        let search = self.search_context();
        self.read(move |conn| {
            count_of_tickets(conn, &filter, at_most, &search, &mut Plans::default())
        })
        .await
    }

    async fn add_message(
        &self,
        id: TicketId,
        new: NewMessage,
        log: NewLogEntry,
        reopen: Option<StatusChange>,
    ) -> Result<Message, RepoError> {
        self.write(move |conn| add_message_in(conn, id, new, log, reopen))
            .await
    }

    async fn add_message_to(
        &self,
        id: TicketId,
        new: NewMessage,
        log: NewLogEntry,
        target: MessageTarget,
    ) -> Result<Message, RepoError> {
        self.write(move |conn| {
            let (status, owner, deleted) =
                ticket_for_message(conn, id)?.ok_or(RepoError::NotFound)?;
            let status = TicketStatus::from_code(status.into()).map_err(corrupt("status"))?;
            let reopen = target.check(id, status, &UserId::from_stored(owner), deleted)?;
            add_message_in(conn, id, new, log, reopen)
        })
        .await
    }

    async fn update_ticket(
        &self,
        id: TicketId,
        update: TicketUpdate,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError> {
        self.write(move |conn| {
            let restoring = update.is_delete == Some(false);
            let changes = TicketChangeset {
                status: update.status.map(|s| s.code()),
                priority: update.priority.map(|p| p.code()),
                assignee_id: update
                    .assignee_id
                    .as_ref()
                    .map(|a| a.as_ref().map(|a| a.as_str().to_owned())),
                category_id: update.category_id.map(|c| c.get()),
                sub_category_id: update.sub_category_id.map(|s| s.map(|s| s.get())),
                is_delete: update.is_delete,
                modified_by: update.actor.id.as_str().to_owned(),
                modified_by_type: update.actor.user_type.as_str().to_owned(),
                modified_date: to_db_time(update.at),
            };
            // One text per set of fields changed (at most 2^7), and restoring or not.
            let n = Prepared(
                diesel::update(
                    tickets::table
                        .filter(tickets::id.eq(id.get()))
                        .filter(tickets::version.eq(update.expected_version))
                        .filter(tickets::is_delete.eq(false).or(diesel::dsl::sql::<
                            diesel::sql_types::Bool,
                        >(
                            if restoring { "1=1" } else { "1=0" },
                        ))),
                )
                .set((changes, tickets::version.eq(tickets::version + 1)))
                .returning(tickets::id),
            )
            .rows(conn)
            .map_err(db_error)?;
            if n != 1 {
                return Err(match load_view(conn, id)? {
                    Some(v) if restoring || !v.ticket.is_delete => {
                        RepoError::Conflict("the ticket changed meanwhile".into())
                    }
                    _ => RepoError::NotFound,
                });
            }
            insert_log(conn, id, &log)?;
            let mut rows = view_rows(conn, id)?;
            let breaches = sla::advance(conn, &mut rows.0, Cause::Nothing, update.at)?;
            events::record(conn, (&rows.0, &rows.1), &log, None)?;
            sla::announce(conn, (&rows.0, &rows.1), &breaches, update.at)?;
            into_view(rows)
        })
        .await
    }
}

/// An attachment naming an upload that is attached already (unique index) or
/// gone (foreign key) is a conflict the caller resolves by checking again.
fn attach_error(e: diesel::result::Error) -> RepoError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            RepoError::Conflict("the upload is gone".into())
        }
        other => db_error(other),
    }
}

impl Store {
    fn search_context(&self) -> SearchContext {
        (self.search_sample.clone(), self.search_tuning)
    }
}
