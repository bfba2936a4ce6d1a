//! The plans of the statements a call sends, for tests that check by shape
//! that every list, search, count and details call is served by an index.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::Text;
use diesel::{QueryResult, RunQueryDsl};
use ticketd_ports::RepoError;

use crate::connection::AnyConnection;
use crate::db_error;

/// `EXPLAIN (FORMAT JSON)` of a query, with the query's own parameters.
pub(crate) struct Explain<Q>(Q);

impl<Q> QueryId for Explain<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for Explain<Q> {
    type SqlType = Text;
}

impl<Q, Conn> RunQueryDsl<Conn> for Explain<Q> {}

impl<Q: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for Explain<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        // A plan is not a statement to keep.
        out.unsafe_to_cache_prepared();
        out.push_sql("EXPLAIN (FORMAT JSON) ");
        self.0.walk_ast(out.reborrow())
    }
}

/// What stands for a statement's plan on SQLite.
pub(crate) const NOT_EXPLAINED: &str = "(not explained on SQLite)";

/// Where the plans go: nowhere when serving (the default), or into a list
/// when a test asks for them (PostgreSQL's; on SQLite each statement
/// is only counted).
#[derive(Debug, Default)]
pub(crate) struct Plans(Option<Vec<String>>);

impl Plans {
    /// Plans to be kept.
    #[cfg(feature = "testing")]
    pub(crate) fn kept() -> Self {
        Self(Some(Vec::new()))
    }

    /// The plans kept, in the order of their statements.
    #[cfg(feature = "testing")]
    pub(crate) fn into_vec(self) -> Vec<String> {
        self.0.unwrap_or_default()
    }

    /// Keeps the plan of the query `query` makes when plans are asked for
    /// (the query is not even made otherwise).
    pub(crate) fn note<Q>(
        &mut self,
        conn: &mut AnyConnection,
        query: impl FnOnce() -> Q,
    ) -> Result<(), RepoError>
    where
        Explain<Q>: for<'a> diesel::query_dsl::LoadQuery<'a, AnyConnection, String>,
    {
        let Some(plans) = &mut self.0 else {
            return Ok(());
        };
        if matches!(conn, AnyConnection::Postgresql(_)) {
            let plan: String = Explain(query()).get_result(conn).map_err(db_error)?;
            plans.push(plan);
        } else {
            // SQLite's plans are not JSON; the statement is still counted.
            plans.push(NOT_EXPLAINED.to_owned());
        }
        Ok(())
    }
}
