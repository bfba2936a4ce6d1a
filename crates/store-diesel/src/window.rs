//! A page of a query with its `LIMIT` written into the statement's text.
//!
//! PostgreSQL plans a prepared statement anew on every execution while its
//! custom plans look cheaper than the generic one, and with `LIMIT $1` the
//! generic plan must guess the limit (a tenth of the table), which makes it
//! look expensive: every page was planned again (about 0.6 ms, more than the
//! page's own reading). With the limit in the text, the generic plan knows it,
//! is as good as a custom one, and is reused. A list has at most a hundred
//! and one limits, so the statements stay few. An offset stays a parameter,
//! and is written only when it is not zero.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::BigInt;
use diesel::{QueryResult, RunQueryDsl};

/// `query` limited to `limit` rows after skipping `offset`.
#[derive(Debug, Clone)]
pub(crate) struct Window<Q> {
    query: Q,
    limit: u64,
    offset: i64,
}

impl<Q> Window<Q> {
    pub(crate) fn new(query: Q, limit: u64, offset: u64) -> Self {
        // Both databases take limits up to a signed 64-bit integer.
        let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        Self {
            query,
            limit: signed(limit).unsigned_abs(),
            offset: signed(offset),
        }
    }
}

impl<Q> QueryId for Window<Q> {
    type QueryId = ();
    // The text depends on the limit: statements are cached by their text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Window<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Window<Q> {}

impl<Q, DB> QueryFragment<DB> for Window<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    DB: diesel::sql_types::HasSqlType<BigInt>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        if self.offset > 0 {
            out.push_sql(" OFFSET ");
            out.push_bind_param::<BigInt, i64>(&self.offset)?;
        }
        Ok(())
    }
}
