//! The two pieces of SQL the indexed search adds to a ticket query.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, HasSqlType, Text};
use diesel::{QueryResult, expression::is_aggregate};

/// PostgreSQL: the ticket holds at least one word of every group
/// (`search_words && ...` for each), which its GIN index answers. The words
/// travel as one text per group, split by the database at spaces, which no
/// word holds.
#[derive(Debug, Clone)]
pub(crate) struct HoldsWords(pub Vec<String>);

impl Expression for HoldsWords {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for HoldsWords {}
impl<QS> SelectableExpression<QS> for HoldsWords {}

impl ValidGrouping<()> for HoldsWords {
    type IsAggregate = is_aggregate::Never;
}

impl QueryId for HoldsWords {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> QueryFragment<DB> for HoldsWords
where
    DB: Backend + HasSqlType<Text>,
    String: diesel::serialize::ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("(");
        for (i, group) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_sql(" AND ");
            }
            out.push_sql("\"tickets\".\"search_words\" && string_to_array(");
            out.push_bind_param::<Text, String>(group)?;
            out.push_sql(", ' ')");
        }
        out.push_sql(")");
        Ok(())
    }
}

/// An ordering with its NULLs on the side no index of the column keeps them
/// (`DESC NULLS LAST`, `ASC NULLS FIRST`). The columns hold no NULLs, so the
/// order is the same; but no index walk can produce it, so the planner reads
/// the candidates the word index names and sorts them, instead of walking
/// the whole list in the hope of meeting them (which a generic plan, not
/// knowing how few they are, would do).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SortedAfterReading<O> {
    pub order: O,
    pub descending: bool,
}

impl<O: Expression> Expression for SortedAfterReading<O> {
    type SqlType = O::SqlType;
}

impl<O, QS> AppearsOnTable<QS> for SortedAfterReading<O> where O: AppearsOnTable<QS> {}

impl<O: ValidGrouping<()>> ValidGrouping<()> for SortedAfterReading<O> {
    type IsAggregate = O::IsAggregate;
}

impl<O> QueryId for SortedAfterReading<O> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<O, DB> QueryFragment<DB> for SortedAfterReading<O>
where
    DB: Backend,
    O: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.order.walk_ast(out.reborrow())?;
        out.push_sql(if self.descending {
            " NULLS LAST"
        } else {
            " NULLS FIRST"
        });
        Ok(())
    }
}

/// SQLite: the ticket is one of these ids, given as one JSON array (one
/// statement text for any number of ids, prepared once per connection,
/// rather than a statement with a parameter per id prepared anew each time).
#[derive(Debug, Clone)]
pub(crate) struct AmongIds(pub String);

impl AmongIds {
    pub(crate) fn new(ids: &[i64]) -> Self {
        let listed: Vec<String> = ids.iter().map(i64::to_string).collect();
        Self(format!("[{}]", listed.join(",")))
    }
}

impl Expression for AmongIds {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for AmongIds {}
impl<QS> SelectableExpression<QS> for AmongIds {}

impl ValidGrouping<()> for AmongIds {
    type IsAggregate = is_aggregate::Never;
}

impl QueryId for AmongIds {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> QueryFragment<DB> for AmongIds
where
    DB: Backend + HasSqlType<Text>,
    String: diesel::serialize::ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("\"tickets\".\"id\" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.0)?;
        out.push_sql("))");
        Ok(())
    }
}

/// SQLite: the ids of the tickets FTS5 finds for `query`, at most `limit`;
/// one statement text, prepared once per connection.
#[derive(Debug, Clone)]
pub(crate) struct TrigramMatches {
    pub query: String,
    pub limit: u64,
}

impl QueryId for TrigramMatches {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for TrigramMatches {
    type SqlType = diesel::sql_types::BigInt;
}

impl<Conn> diesel::RunQueryDsl<Conn> for TrigramMatches {}

impl<DB> QueryFragment<DB> for TrigramMatches
where
    DB: Backend + HasSqlType<Text>,
    String: diesel::serialize::ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ");
        out.push_bind_param::<Text, String>(&self.query)?;
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        Ok(())
    }
}
