//! The plans of what the ticket queries send, for the plan tests.

use super::*;

impl Store {
    /// The plans (PostgreSQL's `EXPLAIN (FORMAT JSON)`, one per statement) of
    /// what a page of tickets sends; empty on SQLite.
    pub async fn explain_list_tickets(
        &self,
        filter: &TicketFilter,
        page: Page,
    ) -> Result<Vec<String>, RepoError> {
        let filter = filter.clone();
        let search = self.search_context();
        self.read(move |conn| {
            let mut plans = Plans::kept();
            page_of_tickets(conn, &filter, page, &search, &mut plans)?;
            Ok(plans.into_vec())
        })
        .await
    }

    /// The plans of what a count of tickets sends.
    pub async fn explain_count_tickets(
        &self,
        filter: &TicketFilter,
        at_most: u64,
    ) -> Result<Vec<String>, RepoError> {
        let filter = filter.clone();
        let search = self.search_context();
        self.read(move |conn| {
            let mut plans = Plans::kept();
            count_of_tickets(conn, &filter, at_most, &search, &mut plans)?;
            Ok(plans.into_vec())
        })
        .await
    }

    /// The plans of what a ticket's details send.
    pub async fn explain_ticket_details(
        &self,
        id: TicketId,
        scope: &ReadScope,
    ) -> Result<Vec<String>, RepoError> {
        let scope = scope.clone();
        self.read(move |conn| {
            let mut plans = Plans::kept();
            details_of_ticket(conn, id, &scope, &mut plans)?;
            Ok(plans.into_vec())
        })
        .await
    }
}
