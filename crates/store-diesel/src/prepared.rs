//! Writes that keep their prepared statement.
//!
//! Diesel keeps no `UPDATE`, and no `INSERT` whose values may be `DEFAULT`,
//! in a connection's prepared-statement cache: a changeset of optional
//! fields writes another text for each set of present fields, and caching
//! every text could grow without bound. So every such write was parsed and
//! planned anew at each execution (PostgreSQL's unnamed statements; SQLite
//! compiles the statement again). The writes of the hot paths (adding a
//! message, opening and changing a ticket, their log entries and events)
//! have one text each, or one per set of fields a caller may change: few.
//! [`Prepared`] caches them by their text, as diesel caches any query whose
//! type does not fix its text.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::LoadQuery;
use diesel::{QueryResult, RunQueryDsl};

use crate::AnyConnection;

/// A write whose statement is kept in the connection's cache, keyed by its
/// text. Only for statements whose text takes a bounded number of forms.
///
/// Run it through its `RETURNING` clause ([`Prepared::rows`], `load`,
/// `get_result`), which hands the statement to the connection as it is:
/// `execute` hands over a reference, whose walk diesel does not ask this
/// type, and the statement would go uncached again.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<Q>(pub Q);

impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    // Keyed by the statement's text (and its bind types).
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, DB> QueryFragment<DB> for Prepared<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for Prepared<Q> {}

impl<Q> Prepared<Q> {
    /// Runs a write that returns one id per row it wrote (`RETURNING id`),
    /// as `execute` would: how many rows that is.
    pub(crate) fn rows<'q>(self, conn: &mut AnyConnection) -> QueryResult<usize>
    where
        Self: LoadQuery<'q, AnyConnection, i64>,
    {
        Ok(self.load::<i64>(conn)?.len())
    }
}
