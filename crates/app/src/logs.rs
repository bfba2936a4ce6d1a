//! Reading the audit log: all of it, or one ticket's history.

use ticketd_domain::{Actor, LogEntry, TicketId};
use ticketd_ports::{LogFilter, Position};

use crate::desk::{SupportDesk, check_include_deleted};
use crate::error::AppError;
use crate::paging::{COUNT_CAP, Count, ListOrder, ListPage, PageRequest};

impl SupportDesk {
    async fn log_filter(
        &self,
        actor: &Actor,
        ticket_id: Option<TicketId>,
        include_deleted: bool,
        oldest_first: bool,
    ) -> Result<LogFilter, AppError> {
        check_include_deleted(actor, include_deleted)?;
        if let Some(id) = ticket_id {
            self.visible_ticket(actor, id, include_deleted).await?;
        }
        Ok(LogFilter {
            owner: Self::owner_scope(actor),
            ticket_id,
            include_internal: actor.user_type.is_staff(),
            include_deleted,
            oldest_first,
        })
    }

    async fn log_page(
        &self,
        filter: LogFilter,
        page: &PageRequest,
    ) -> Result<ListPage<LogEntry>, AppError> {
        let order = ListOrder::Logs {
            oldest_first: filter.oldest_first,
        };
        let rows = self
            .ports
            .logs
            .list_log_entries(&filter, page.resolve(order)?)
            .await?;
        Ok(ListPage::from_rows(
            rows,
            page.limit,
            order,
            Position::of_log_entry,
        ))
    }

    async fn log_count(&self, filter: LogFilter) -> Result<Count, AppError> {
        let n = self
            .ports
            .logs
            .count_log_entries(&filter, COUNT_CAP + 1)
            .await?;
        Ok(Count::from_counted(n))
    }

    /// The audit-log entries the actor may see, newest first (internal entries
    /// for staff only).
    pub async fn list_logs(
        &self,
        actor: &Actor,
        ticket_id: Option<TicketId>,
        include_deleted: bool,
        page: &PageRequest,
    ) -> Result<ListPage<LogEntry>, AppError> {
        let filter = self
            .log_filter(actor, ticket_id, include_deleted, false)
            .await?;
        self.log_page(filter, page).await
    }

    /// How many audit-log entries the actor may see, up to [`COUNT_CAP`].
    pub async fn count_logs(
        &self,
        actor: &Actor,
        ticket_id: Option<TicketId>,
        include_deleted: bool,
    ) -> Result<Count, AppError> {
        let filter = self
            .log_filter(actor, ticket_id, include_deleted, false)
            .await?;
        self.log_count(filter).await
    }

    /// One ticket's history, oldest first, as the actor may see it.
    pub async fn history(
        &self,
        actor: &Actor,
        id: TicketId,
        include_deleted: bool,
        page: &PageRequest,
    ) -> Result<ListPage<LogEntry>, AppError> {
        let filter = self
            .log_filter(actor, Some(id), include_deleted, true)
            .await?;
        self.log_page(filter, page).await
    }

    /// How many entries one ticket's history has for the actor, up to [`COUNT_CAP`].
    pub async fn count_history(
        &self,
        actor: &Actor,
        id: TicketId,
        include_deleted: bool,
    ) -> Result<Count, AppError> {
        let filter = self
            .log_filter(actor, Some(id), include_deleted, true)
            .await?;
        self.log_count(filter).await
    }
}
