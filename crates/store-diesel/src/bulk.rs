//! Loading many tickets at once, with their messages and log entries as they
//! are given: for seeding benchmarks and test data, and for imports. COPY on
//! PostgreSQL, multi-row inserts on SQLite; each batch is one transaction.
//! Clocks are stored as given; no event is written.

use std::io::Write;

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use ticketd_domain::{Actor, TicketSla, Timestamp};
use ticketd_ports::{NewLogEntry, NewMessage, NewTicket, RepoError};

use crate::connection::AnyConnection;
use crate::rows::{NewLogRow, NewMessageRow, NewTicketRow, to_db_time};
use crate::schema::{ticket_logs, ticket_messages, tickets};
use crate::sla::SlaColumns;
use crate::{Store, db_error};

/// A ticket with everything said and done on it, to store as it is.
#[derive(Debug, Clone)]
pub struct BulkTicket {
    /// The ticket as it was opened (its creation time and actor).
    pub ticket: NewTicket,
    /// Its status, priority and assignee now, if they changed since.
    pub now: BulkState,
    /// Its messages, oldest first (without attachments).
    pub messages: Vec<NewMessage>,
    /// Its log entries, oldest first.
    pub logs: Vec<NewLogEntry>,
    /// Its service-level clocks as they stand after all that (settled: a
    /// clock past its due time marked breached), or `None` for a ticket
    /// without clocks.
    pub sla: Option<TicketSla>,
}

/// Where a bulk-loaded ticket stands now, and who changed it last.
#[derive(Debug, Clone)]
pub struct BulkState {
    /// The status now.
    pub status: ticketd_domain::TicketStatus,
    /// Who changed the ticket last.
    pub modified_by: Actor,
    /// When.
    pub modified_at: Timestamp,
}

/// Rows of one batch, with the ids they get.
struct Batch {
    tickets: Vec<(i64, NewTicketRow)>,
    messages: Vec<(i64, NewMessageRow)>,
    logs: Vec<(i64, NewLogRow)>,
}

impl BulkTicket {
    /// The columns of its clocks.
    fn clock_columns(&self) -> Result<SlaColumns, RepoError> {
        match &self.sla {
            Some(sla) => SlaColumns::of(sla, (self.now.status, self.ticket.priority)),
            None => Ok(SlaColumns::none()),
        }
    }
}

impl Batch {
    fn new(
        tickets: &[BulkTicket],
        clocks: Vec<SlaColumns>,
        ticket_ids: &[i64],
        message_ids: &[i64],
        log_ids: &[i64],
    ) -> Self {
        let mut message_ids = message_ids.iter().copied();
        let mut log_ids = log_ids.iter().copied();
        let mut batch = Batch {
            tickets: Vec::with_capacity(tickets.len()),
            messages: Vec::new(),
            logs: Vec::new(),
        };
        for ((t, clocks), &id) in tickets.iter().zip(clocks).zip(ticket_ids) {
            let mut row = NewTicketRow::new(&t.ticket, clocks);
            row.status = t.now.status.code();
            row.audit.modified_by = t.now.modified_by.id.as_str().to_owned();
            row.audit.modified_by_type = t.now.modified_by.user_type.as_str().to_owned();
            row.audit.modified_date = to_db_time(t.now.modified_at);
            batch.tickets.push((id, row));
            for m in &t.messages {
                let mid = message_ids.next().unwrap_or_default();
                batch.messages.push((mid, NewMessageRow::new(id, m)));
            }
            for l in &t.logs {
                let lid = log_ids.next().unwrap_or_default();
                batch.logs.push((lid, NewLogRow::new(id, l)));
            }
        }
        batch
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// `n` new ids of `table` (whose `id` is a BIGSERIAL) from its sequence.
fn postgres_ids(conn: &mut diesel::PgConnection, table: &str, n: usize) -> QueryResult<Vec<i64>> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    diesel::sql_query(format!(
        "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id FROM generate_series(1, $1)"
    ))
    .bind::<BigInt, _>(n)
    .load::<Id>(conn)
    .map(|ids| ids.into_iter().map(|i| i.id).collect())
}

/// The ids after every id `table` ever used (SQLite, under the write lock).
fn sqlite_ids(conn: &mut diesel::SqliteConnection, table: &str, n: usize) -> QueryResult<Vec<i64>> {
    let last = diesel::sql_query(format!(
        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), \
         COALESCE((SELECT MAX(id) FROM {table}), 0)) AS id"
    ))
    .get_result::<Id>(conn)?
    .id;
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    Ok((last + 1..=last + n).collect())
}

/// A CSV field: text in quotes (quotes doubled), nothing for NULL.
fn field(out: &mut Vec<u8>, value: Option<&str>) {
    if let Some(v) = value {
        out.push(b'"');
        for b in v.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    }
}

fn time(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.f").to_string()
}

fn flag(b: bool) -> &'static str {
    if b { "t" } else { "f" }
}

/// Writes CSV lines, one per row, each from its fields.
fn csv_lines<R>(rows: &[R], fields: impl Fn(&R) -> Vec<Option<String>>) -> Vec<u8> {
    let mut out = Vec::new();
    for row in rows {
        for (i, f) in fields(row).iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            field(&mut out, f.as_deref());
        }
        out.push(b'\n');
    }
    out
}

fn write_all(w: &mut dyn Write, bytes: &[u8]) -> QueryResult<()> {
    w.write_all(bytes)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
}

fn copy_postgres(conn: &mut diesel::PgConnection, batch: &Batch) -> QueryResult<()> {
    use diesel::pg::CopyFormat;
    let s = |v: &str| Some(v.to_owned());
    let tickets_csv = csv_lines(&batch.tickets, |(id, t)| {
        vec![
            Some(id.to_string()),
            s(&t.ref_id),
            s(&t.user_id),
            s(&t.user_type),
            Some(t.category_id.to_string()),
            t.sub_category_id.map(|c| c.to_string()),
            s(&t.subject),
            s(&t.description),
            s(&t.search_text),
            Some(t.status.to_string()),
            Some(t.priority.to_string()),
            t.assignee_id.clone(),
            s(flag(t.is_active)),
            s(flag(t.is_delete)),
            s(&t.audit.created_by),
            s(&t.audit.created_by_type),
            Some(time(t.audit.created_date)),
            s(&t.audit.modified_by),
            s(&t.audit.modified_by_type),
            Some(time(t.audit.modified_date)),
            t.clocks.sla.clone(),
            Some(time(t.clocks.first_response_due)),
            Some(time(t.clocks.resolution_due)),
            s(flag(t.clocks.sla_breached)),
            t.clocks.sla_check_at.map(time),
        ]
    });
    diesel::copy_from(tickets::table)
        .from_raw_data(
            (
                tickets::id,
                tickets::ref_id,
                tickets::user_id,
                tickets::user_type,
                tickets::category_id,
                tickets::sub_category_id,
                tickets::subject,
                tickets::description,
                tickets::search_text,
                tickets::status,
                tickets::priority,
                tickets::assignee_id,
                tickets::is_active,
                tickets::is_delete,
                tickets::created_by,
                tickets::created_by_type,
                tickets::created_date,
                tickets::modified_by,
                tickets::modified_by_type,
                tickets::modified_date,
                tickets::sla,
                tickets::first_response_due,
                tickets::resolution_due,
                tickets::sla_breached,
                tickets::sla_check_at,
            ),
            |w: &mut dyn Write| write_all(w, &tickets_csv),
        )
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    let messages_csv = csv_lines(&batch.messages, |(id, m)| {
        vec![
            Some(id.to_string()),
            Some(m.ticket_id.to_string()),
            s(&m.sender_id),
            s(&m.sender_type),
            m.message.clone(),
            Some(time(m.sent_at)),
            s(&m.visibility),
            s(flag(m.is_active)),
            s(flag(m.is_delete)),
            s(&m.audit.created_by),
            s(&m.audit.created_by_type),
            Some(time(m.audit.created_date)),
            s(&m.audit.modified_by),
            s(&m.audit.modified_by_type),
            Some(time(m.audit.modified_date)),
        ]
    });
    diesel::copy_from(ticket_messages::table)
        .from_raw_data(
            (
                ticket_messages::id,
                ticket_messages::ticket_id,
                ticket_messages::sender_id,
                ticket_messages::sender_type,
                ticket_messages::message,
                ticket_messages::sent_at,
                ticket_messages::visibility,
                ticket_messages::is_active,
                ticket_messages::is_delete,
                ticket_messages::created_by,
                ticket_messages::created_by_type,
                ticket_messages::created_date,
                ticket_messages::modified_by,
                ticket_messages::modified_by_type,
                ticket_messages::modified_date,
            ),
            |w: &mut dyn Write| write_all(w, &messages_csv),
        )
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    let logs_csv = csv_lines(&batch.logs, |(id, l)| {
        vec![
            Some(id.to_string()),
            Some(l.ticket_id.to_string()),
            s(&l.action_taken),
            s(&l.action_by),
            s(&l.action_by_type),
            Some(time(l.action_at)),
            s(&l.visibility),
            s(&l.changes),
            s(flag(l.is_active)),
            s(flag(l.is_delete)),
            s(&l.audit.created_by),
            s(&l.audit.created_by_type),
            Some(time(l.audit.created_date)),
            s(&l.audit.modified_by),
            s(&l.audit.modified_by_type),
            Some(time(l.audit.modified_date)),
        ]
    });
    diesel::copy_from(ticket_logs::table)
        .from_raw_data(
            (
                ticket_logs::id,
                ticket_logs::ticket_id,
                ticket_logs::action_taken,
                ticket_logs::action_by,
                ticket_logs::action_by_type,
                ticket_logs::action_at,
                ticket_logs::visibility,
                ticket_logs::changes,
                ticket_logs::is_active,
                ticket_logs::is_delete,
                ticket_logs::created_by,
                ticket_logs::created_by_type,
                ticket_logs::created_date,
                ticket_logs::modified_by,
                ticket_logs::modified_by_type,
                ticket_logs::modified_date,
            ),
            |w: &mut dyn Write| write_all(w, &logs_csv),
        )
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    Ok(())
}

/// Rows per INSERT on SQLite: well under its limit of bound values.
const SQLITE_ROWS_PER_INSERT: usize = 500;

fn insert_sqlite(conn: &mut diesel::SqliteConnection, batch: Batch) -> QueryResult<()> {
    let tickets: Vec<_> = batch
        .tickets
        .into_iter()
        .map(|(id, row)| (tickets::id.eq(id), row))
        .collect();
    for chunk in tickets.chunks(SQLITE_ROWS_PER_INSERT) {
        diesel::insert_into(tickets::table)
            .values(chunk)
            .execute(conn)?;
    }
    let messages: Vec<_> = batch
        .messages
        .into_iter()
        .map(|(id, row)| (ticket_messages::id.eq(id), row))
        .collect();
    for chunk in messages.chunks(SQLITE_ROWS_PER_INSERT) {
        diesel::insert_into(ticket_messages::table)
            .values(chunk)
            .execute(conn)?;
    }
    let logs: Vec<_> = batch
        .logs
        .into_iter()
        .map(|(id, row)| (ticket_logs::id.eq(id), row))
        .collect();
    for chunk in logs.chunks(SQLITE_ROWS_PER_INSERT) {
        diesel::insert_into(ticket_logs::table)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(())
}

impl Store {
    /// Stores `tickets` with their messages and log entries, all in one
    /// transaction, as they are given (no workflow rule is checked).
    pub async fn bulk_insert(&self, tickets: Vec<BulkTicket>) -> Result<(), RepoError> {
        self.write(move |conn| {
            let messages: usize = tickets.iter().map(|t| t.messages.len()).sum();
            let logs: usize = tickets.iter().map(|t| t.logs.len()).sum();
            let clocks = tickets
                .iter()
                .map(BulkTicket::clock_columns)
                .collect::<Result<Vec<_>, _>>()?;
            let stored: QueryResult<()> = match conn {
                AnyConnection::Postgresql(pg) => (|| {
                    let ticket_ids = postgres_ids(pg, "tickets", tickets.len())?;
                    let message_ids = postgres_ids(pg, "ticket_messages", messages)?;
                    let log_ids = postgres_ids(pg, "ticket_logs", logs)?;
                    let batch = Batch::new(&tickets, clocks, &ticket_ids, &message_ids, &log_ids);
                    copy_postgres(pg, &batch)
                })(),
                AnyConnection::Sqlite(lite) => (|| {
                    let ticket_ids = sqlite_ids(lite, "tickets", tickets.len())?;
                    let message_ids = sqlite_ids(lite, "ticket_messages", messages)?;
                    let log_ids = sqlite_ids(lite, "ticket_logs", logs)?;
                    let batch = Batch::new(&tickets, clocks, &ticket_ids, &message_ids, &log_ids);
                    insert_sqlite(lite, batch)
                })(),
            };
            stored.map_err(db_error)
        })
        .await
    }

    /// How many tickets the database holds, deleted ones included (an exact
    /// count: it reads every ticket).
    pub async fn count_every_ticket(&self) -> Result<u64, RepoError> {
        self.read(|conn| {
            let n: i64 = tickets::table.count().get_result(conn).map_err(db_error)?;
            Ok(u64::try_from(n).unwrap_or_default())
        })
        .await
    }

    /// Refreshes the planner's statistics (after a bulk load).
    pub async fn analyze(&self) -> Result<(), RepoError> {
        self.read(|conn| {
            use diesel::connection::SimpleConnection;
            let sql = match conn {
                AnyConnection::Postgresql(_) => "ANALYZE",
                AnyConnection::Sqlite(_) => "ANALYZE; PRAGMA optimize",
            };
            conn.batch_execute(sql).map_err(db_error)
        })
        .await
    }
}
