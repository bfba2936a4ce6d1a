//! The outbox: the events of each change, written in the change's
//! transaction, and read from a position in an order in which a reader that
//! goes on from the last position it read misses none.
//!
//! Ids do not give that order on PostgreSQL: a write that took its id first
//! may commit last, after a reader went past it. So an event gets its
//! `position` only once committed, from one placing transaction at a time
//! (an advisory lock): readers place what is committed, then read placed
//! events only, and a position is never given below one already readable.
//! One ticket's writes start by locking its row, so its events are placed
//! in the order of its changes. SQLite has one writer: ids follow the
//! commits, and each event's position is its id, set as it is written.

use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use ticketd_domain::{Actor, EventId, EventType, SlaKind, Timestamp, Visibility};
use ticketd_ports::{Event, EventFilter, EventLog, NewLogEntry, Page, Position, RepoError};

use crate::explain::Plans;
use crate::rows::{
    AttachmentRow, CategoryRow, MessageRow, StoredChange, TicketRow, actor, corrupt, from_db_time,
    to_db_time,
};
use crate::schema::ticket_events;
use crate::window::Window;
use crate::{AnyConnection, Prepared, Store, db_error};

/// What an event keeps of its change, in the store's own format.
#[derive(serde::Serialize, serde::Deserialize)]
struct Snapshot {
    ticket: TicketRow,
    category: CategoryRow,
    changes: Vec<StoredChange>,
    #[serde(default)]
    message: Option<StoredMessage>,
    /// The clock an `sla.breached` event is about.
    #[serde(default)]
    breached: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredMessage {
    row: MessageRow,
    attachments: Vec<AttachmentRow>,
}

/// A message just written, with its attachments, as its event keeps it.
pub(crate) type MessageRows<'a> = (&'a MessageRow, &'a [AttachmentRow]);

#[derive(Insertable)]
#[diesel(table_name = ticket_events)]
struct NewEventRow {
    event_type: String,
    ticket_id: i64,
    owner_id: String,
    visibility: String,
    actor_id: String,
    actor_type: String,
    occurred_at: NaiveDateTime,
    snapshot: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ticket_events)]
struct EventRow {
    id: i64,
    position: Option<i64>,
    event_type: String,
    visibility: String,
    actor_id: String,
    actor_type: String,
    occurred_at: NaiveDateTime,
    snapshot: String,
}

/// Writes the events of `log`, the entry of a change that left the ticket as
/// `view` (and added `message`), in the caller's transaction.
pub(crate) fn record(
    conn: &mut AnyConnection,
    view: (&TicketRow, &CategoryRow),
    log: &NewLogEntry,
    message: Option<MessageRows<'_>>,
) -> Result<(), RepoError> {
    let types = EventType::of_entry(log.action, &log.changes);
    if types.is_empty() {
        return Ok(());
    }
    let snapshot = serde_json::to_string(&SnapshotRef {
        ticket: view.0,
        category: view.1,
        changes: StoredChange::all(&log.changes),
        message: message.map(|(row, attachments)| StoredMessageRef { row, attachments }),
        breached: None,
    })
    .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("cannot keep an event: {e}")))?;
    let by = Some(&log.actor);
    // One statement per row: diesel writes no multi-row insert for both
    // databases at once, and an entry has at most three events.
    for kind in types {
        insert(
            conn,
            view.0,
            kind,
            log.visibility,
            by,
            log.at,
            snapshot.clone(),
        )?;
    }
    Ok(())
}

/// Writes the `sla.breached` event of the ticket left as `view`, whose
/// `kind` clock was found breached at `at`, in the caller's transaction. The
/// server raises it: it has no actor.
pub(crate) fn record_breach(
    conn: &mut AnyConnection,
    view: (&TicketRow, &CategoryRow),
    kind: SlaKind,
    at: Timestamp,
) -> Result<(), RepoError> {
    let snapshot = serde_json::to_string(&SnapshotRef {
        ticket: view.0,
        category: view.1,
        changes: Vec::new(),
        message: None,
        breached: Some(kind.as_str()),
    })
    .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("cannot keep an event: {e}")))?;
    let (public, none) = (Visibility::Public, None);
    insert(
        conn,
        view.0,
        EventType::SlaBreached,
        public,
        none,
        at,
        snapshot,
    )
}

/// The stored actor of an event the server raised itself.
const NO_ACTOR: &str = "";

fn insert(
    conn: &mut AnyConnection,
    ticket: &TicketRow,
    kind: EventType,
    visibility: Visibility,
    by: Option<&Actor>,
    at: Timestamp,
    snapshot: String,
) -> Result<(), RepoError> {
    let row = NewEventRow {
        event_type: kind.as_str().to_owned(),
        ticket_id: ticket.id,
        owner_id: ticket.user_id.clone(),
        visibility: visibility.as_str().to_owned(),
        actor_id: by.map_or(NO_ACTOR, |a| a.id.as_str()).to_owned(),
        actor_type: by.map_or(NO_ACTOR, |a| a.user_type.as_str()).to_owned(),
        occurred_at: to_db_time(at),
        snapshot,
    };
    let id: i64 = Prepared(
        diesel::insert_into(ticket_events::table)
            .values(row)
            .returning(ticket_events::id),
    )
    .get_result(conn)
    .map_err(db_error)?;
    if let AnyConnection::Sqlite(_) = conn {
        Prepared(
            diesel::update(ticket_events::table.find(id))
                .set(ticket_events::position.eq(Some(id)))
                .returning(ticket_events::id),
        )
        .rows(conn)
        .map_err(db_error)?;
    }
    Ok(())
}

/// [`Snapshot`] by reference, to write without copying the rows.
#[derive(serde::Serialize)]
struct SnapshotRef<'a> {
    ticket: &'a TicketRow,
    category: &'a CategoryRow,
    changes: Vec<StoredChange>,
    message: Option<StoredMessageRef<'a>>,
    breached: Option<&'static str>,
}

#[derive(serde::Serialize)]
struct StoredMessageRef<'a> {
    row: &'a MessageRow,
    attachments: &'a [AttachmentRow],
}

impl EventRow {
    fn into_domain(self) -> Result<Event, RepoError> {
        let snapshot: Snapshot = serde_json::from_str(&self.snapshot).map_err(|e| {
            RepoError::Unexpected(anyhow::anyhow!("stored event {} is invalid: {e}", self.id))
        })?;
        let message = match snapshot.message {
            None => None,
            Some(m) => {
                let attachments = m
                    .attachments
                    .into_iter()
                    .map(AttachmentRow::into_domain)
                    .collect::<Result<Vec<_>, _>>()?;
                Some(m.row.into_domain(attachments)?)
            }
        };
        Ok(Event {
            id: EventId(self.id),
            position: Position {
                value: self.position.unwrap_or(self.id),
                id: self.id,
            },
            kind: EventType::parse(&self.event_type).map_err(corrupt("event type"))?,
            at: from_db_time(self.occurred_at),
            actor: if self.actor_type == NO_ACTOR {
                None
            } else {
                Some(actor(self.actor_id, &self.actor_type)?)
            },
            ticket: ticketd_ports::TicketView {
                ticket: snapshot.ticket.into_domain()?,
                category: snapshot.category.into_domain()?,
            },
            changes: snapshot
                .changes
                .into_iter()
                .map(StoredChange::into_domain)
                .collect::<Result<_, _>>()?,
            message,
            visibility: Visibility::parse(&self.visibility).map_err(corrupt("visibility"))?,
            breached: snapshot
                .breached
                .map(|k| SlaKind::parse(&k))
                .transpose()
                .map_err(corrupt("breached clock"))?,
        })
    }
}

/// The PostgreSQL advisory lock of the transaction that places events
/// (an arbitrary constant: "events" in ASCII).
const PLACING_LOCK: i64 = 0x6576_656e_7473;

/// Gives committed events without a position the next positions, in the
/// order of their ids, unless another transaction is doing so right now
/// (its events are read on the next call). PostgreSQL only.
pub(crate) fn place_committed(conn: &mut AnyConnection) -> Result<(), RepoError> {
    let AnyConnection::Postgresql(_) = conn else {
        return Ok(());
    };
    conn.transaction(|conn| {
        let ours: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "pg_try_advisory_xact_lock({PLACING_LOCK})"
        )))
        .get_result(conn)?;
        if ours {
            // The lock is held to the commit, and this statement's snapshot
            // is taken after it was granted: the highest position it reads
            // is the last one placed.
            diesel::sql_query(
                "WITH next AS (
                     SELECT id, row_number() OVER (ORDER BY id) AS n
                     FROM ticket_events WHERE position IS NULL ORDER BY id LIMIT 10000
                 )
                 UPDATE ticket_events SET position =
                     (SELECT coalesce(max(position), 0) FROM ticket_events) + next.n
                 FROM next WHERE ticket_events.id = next.id",
            )
            .execute(conn)?;
        }
        Ok(())
    })
    .map_err(db_error)
}

type Backend = <AnyConnection as Connection>::Backend;

/// Placed events matching `filter`, after `after`, in their order.
fn events_query(
    filter: &EventFilter,
    after: Option<Position>,
) -> diesel::helper_types::IntoBoxed<
    'static,
    diesel::helper_types::Select<
        ticket_events::table,
        diesel::helper_types::AsSelect<EventRow, Backend>,
    >,
    Backend,
> {
    let mut query = ticket_events::table
        .select(EventRow::as_select())
        .into_boxed()
        .filter(ticket_events::position.is_not_null());
    if let Some(owner) = &filter.owner {
        query = query.filter(ticket_events::owner_id.eq(owner.as_str().to_owned()));
    }
    if !filter.include_internal {
        query = query.filter(ticket_events::visibility.eq(Visibility::Public.as_str()));
    }
    if !filter.types.is_empty() {
        let types: Vec<String> = filter.types.iter().map(|t| t.as_str().to_owned()).collect();
        query = query.filter(ticket_events::event_type.eq_any(types));
    }
    if let Some(id) = filter.ticket_id {
        query = query.filter(ticket_events::ticket_id.eq(id.get()));
    }
    if let Some(after) = after {
        query = query.filter(ticket_events::position.gt(after.value));
    }
    query.order_by(ticket_events::position.asc())
}

fn page_of_events(
    conn: &mut AnyConnection,
    filter: &EventFilter,
    page: Page,
    plans: &mut Plans,
) -> Result<Vec<Event>, RepoError> {
    place_committed(conn)?;
    let window = || {
        Window::new(
            events_query(filter, page.after),
            u64::from(page.limit),
            page.offset,
        )
    };
    plans.note(conn, window)?;
    window()
        .load::<EventRow>(conn)
        .map_err(db_error)?
        .into_iter()
        .map(EventRow::into_domain)
        .collect()
}

/// What queuing deliveries needs of a placed event.
pub(crate) struct PlacedEvent {
    pub id: i64,
    pub position: i64,
    pub kind: EventType,
    pub internal: bool,
    pub ticket_id: i64,
}

/// At most `limit` placed events after `position`, in their order.
pub(crate) fn placed_after(
    conn: &mut AnyConnection,
    position: i64,
    limit: u32,
) -> Result<Vec<PlacedEvent>, RepoError> {
    let rows: Vec<(i64, Option<i64>, String, String, i64)> = ticket_events::table
        .filter(ticket_events::position.gt(position))
        .order_by(ticket_events::position.asc())
        .select((
            ticket_events::id,
            ticket_events::position,
            ticket_events::event_type,
            ticket_events::visibility,
            ticket_events::ticket_id,
        ))
        .limit(i64::from(limit))
        .load(conn)
        .map_err(db_error)?;
    rows.into_iter()
        .map(|(id, position, kind, visibility, ticket_id)| {
            Ok(PlacedEvent {
                id,
                position: position.unwrap_or(id),
                kind: EventType::parse(&kind).map_err(corrupt("event type"))?,
                internal: Visibility::parse(&visibility).map_err(corrupt("visibility"))?
                    == Visibility::Internal,
                ticket_id,
            })
        })
        .collect()
}

/// The events with these ids.
pub(crate) fn load_events(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Event>, RepoError> {
    ticket_events::table
        .filter(ticket_events::id.eq_any(ids))
        .select(EventRow::as_select())
        .load::<EventRow>(conn)
        .map_err(db_error)?
        .into_iter()
        .map(EventRow::into_domain)
        .collect()
}

#[cfg(feature = "testing")]
impl Store {
    /// The plans (PostgreSQL's `EXPLAIN (FORMAT JSON)`) of what a page of
    /// events sends after placing what is committed; empty on SQLite.
    pub async fn explain_list_events(
        &self,
        filter: &EventFilter,
        page: Page,
    ) -> Result<Vec<String>, RepoError> {
        let filter = filter.clone();
        self.read(move |conn| {
            place_committed(conn)?;
            let mut plans = Plans::kept();
            plans.note(conn, || {
                Window::new(
                    events_query(&filter, page.after),
                    u64::from(page.limit),
                    page.offset,
                )
            })?;
            Ok(plans.into_vec())
        })
        .await
    }
}

#[async_trait]
impl EventLog for Store {
    async fn list_events(&self, filter: &EventFilter, page: Page) -> Result<Vec<Event>, RepoError> {
        let filter = filter.clone();
        self.read(move |conn| page_of_events(conn, &filter, page, &mut Plans::default()))
            .await
    }

    async fn last_event_position(&self) -> Result<Option<Position>, RepoError> {
        self.read(|conn| {
            place_committed(conn)?;
            let last: Option<(i64, Option<i64>)> = ticket_events::table
                .filter(ticket_events::position.is_not_null())
                .order_by(ticket_events::position.desc())
                .select((ticket_events::id, ticket_events::position))
                .first(conn)
                .optional()
                .map_err(db_error)?;
            Ok(last.map(|(id, position)| Position {
                value: position.unwrap_or(id),
                id,
            }))
        })
        .await
    }

    async fn forget_events_before(&self, before: Timestamp, limit: u32) -> Result<u64, RepoError> {
        let before = to_db_time(before);
        self.write(move |conn| {
            crate::webhooks::write_first(conn)?;
            let oldest: Vec<i64> = ticket_events::table
                .filter(ticket_events::occurred_at.lt(before))
                .order_by(ticket_events::occurred_at.asc())
                .select(ticket_events::id)
                .limit(i64::from(limit))
                .load(conn)
                .map_err(db_error)?;
            let n = diesel::delete(ticket_events::table.filter(ticket_events::id.eq_any(oldest)))
                .execute(conn)
                .map_err(db_error)?;
            Ok(u64::try_from(n).unwrap_or(u64::MAX))
        })
        .await
    }
}
