//! Reading the audit log.

use async_trait::async_trait;
use diesel::prelude::*;
use ticketd_domain::{LogEntry, Visibility};
use ticketd_ports::{AuditLogRepository, LogFilter, Page, Position, RepoError};

use crate::explain::Plans;
use crate::rows::{LogRow, micros_to_db_time};
use crate::schema::{ticket_logs, tickets};
use crate::window::Window;
use crate::{AnyConnection, Store, db_error};

type LogsWithTickets = diesel::helper_types::InnerJoin<ticket_logs::table, tickets::table>;
type Backend = <AnyConnection as Connection>::Backend;

/// The entries matching `filter`, as a boxed query in the filter's order.
fn filtered<'a>(
    filter: &LogFilter,
) -> diesel::helper_types::IntoBoxed<'a, LogsWithTickets, Backend> {
    let mut query = ticket_logs::table.inner_join(tickets::table).into_boxed();
    if !filter.include_deleted {
        query = query.filter(diesel::dsl::not(tickets::is_delete));
    }
    if !filter.include_internal {
        query = query.filter(ticket_logs::visibility.eq(Visibility::Public.as_str()));
    }
    if let Some(owner) = &filter.owner {
        query = query.filter(tickets::user_id.eq(owner.as_str().to_owned()));
    }
    if let Some(id) = filter.ticket_id {
        query = query.filter(ticket_logs::ticket_id.eq(id.get()));
    }
    query
}

/// The entries matching `filter` from `after` on, in the filter's order.
fn sorted<'a>(
    filter: &LogFilter,
    after: Option<Position>,
) -> diesel::helper_types::IntoBoxed<'a, LogsWithTickets, Backend> {
    let mut query = filtered(filter);
    if let Some(after) = after {
        let at = micros_to_db_time(after.value);
        query = if filter.oldest_first {
            query.filter(
                ticket_logs::action_at.ge(at).and(
                    ticket_logs::action_at
                        .gt(at)
                        .or(ticket_logs::id.gt(after.id)),
                ),
            )
        } else {
            query.filter(
                ticket_logs::action_at.le(at).and(
                    ticket_logs::action_at
                        .lt(at)
                        .or(ticket_logs::id.lt(after.id)),
                ),
            )
        };
    }
    if filter.oldest_first {
        query.order_by((ticket_logs::action_at.asc(), ticket_logs::id.asc()))
    } else {
        query.order_by((ticket_logs::action_at.desc(), ticket_logs::id.desc()))
    }
}

/// A page of the entries matching `filter`.
fn page_of_entries(
    conn: &mut AnyConnection,
    filter: &LogFilter,
    page: Page,
    plans: &mut Plans,
) -> Result<Vec<LogEntry>, RepoError> {
    let rows = || {
        Window::new(
            sorted(filter, page.after).select(LogRow::as_select()),
            u64::from(page.limit),
            page.offset,
        )
    };
    plans.note(conn, rows)?;
    rows()
        .load::<LogRow>(conn)
        .map_err(db_error)?
        .into_iter()
        .map(LogRow::into_domain)
        .collect()
}

/// How many entries match `filter`, counting no further than `at_most` (in
/// the list's order, so that the count walks its index and stops there).
fn count_of_entries(
    conn: &mut AnyConnection,
    filter: &LogFilter,
    at_most: u64,
    plans: &mut Plans,
) -> Result<u64, RepoError> {
    let ids = || Window::new(sorted(filter, None).select(ticket_logs::id), at_most, 0);
    plans.note(conn, ids)?;
    let ids: Vec<i64> = ids().load(conn).map_err(db_error)?;
    Ok(ids.len() as u64)
}

#[async_trait]
impl AuditLogRepository for Store {
    async fn list_log_entries(
        &self,
        filter: &LogFilter,
        page: Page,
    ) -> Result<Vec<LogEntry>, RepoError> {
        let filter = filter.clone();
        self.read(move |conn| page_of_entries(conn, &filter, page, &mut Plans::default()))
            .await
    }

    async fn count_log_entries(&self, filter: &LogFilter, at_most: u64) -> Result<u64, RepoError> {
        let filter = filter.clone();
        self.read(move |conn| count_of_entries(conn, &filter, at_most, &mut Plans::default()))
            .await
    }
}

#[cfg(feature = "testing")]
impl Store {
    /// The plans (PostgreSQL's `EXPLAIN (FORMAT JSON)`) of what a page of
    /// audit-log entries sends; empty on SQLite.
    pub async fn explain_list_log_entries(
        &self,
        filter: &LogFilter,
        page: Page,
    ) -> Result<Vec<String>, RepoError> {
        let filter = filter.clone();
        self.read(move |conn| {
            let mut plans = Plans::kept();
            page_of_entries(conn, &filter, page, &mut plans)?;
            Ok(plans.into_vec())
        })
        .await
    }

    /// The plans of what a count of audit-log entries sends.
    pub async fn explain_count_log_entries(
        &self,
        filter: &LogFilter,
        at_most: u64,
    ) -> Result<Vec<String>, RepoError> {
        let filter = filter.clone();
        self.read(move |conn| {
            let mut plans = Plans::kept();
            count_of_entries(conn, &filter, at_most, &mut plans)?;
            Ok(plans.into_vec())
        })
        .await
    }
}
