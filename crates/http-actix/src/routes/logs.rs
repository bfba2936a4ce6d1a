//! The audit log, and one ticket's history.

use actix_web::{HttpRequest, HttpResponse, get, web};
use ticketd_app::SupportDesk;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::dto::LogEntryDto;
use crate::envelope::ListEnvelope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::query::{QueryParams, checked, flag_param, paging, path_ticket_id, ticket_id};

use super::{PagingQuery, rows_or_count};

const LOGS: &str = "Successfully retrieved ticket logs";
const HISTORY: &str = "Successfully retrieved ticket history";

/// Query parameters of the audit log.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documents the parameters; the handler reads them
pub struct LogListQuery {
    /// Only the entries of this ticket.
    #[param(value_type = Option<i64>, minimum = 1)]
    ticket_id: Option<String>,
    /// Admins only: `true` to include the entries of deleted tickets.
    #[param(value_type = Option<crate::openapi::Flag>, inline)]
    include_deleted: Option<String>,
}

#[utoipa::path(
    tag = "Support",
    summary = "Get Ticket Logs",
    description = "The audit log, newest first: one entry per ticket opened, message added and \
                   ticket changed, with what changed. A customer sees the public entries of its \
                   own tickets only.",
    params(PagingQuery, LogListQuery),
    responses(
        (status = 200, description = "Successfully retrieved ticket logs", body = ListEnvelope<LogEntryDto>,
         headers(("X-Total-Count" = u64, description = "With `count=true` only: the count, as in `data.count`")),
         example = json!({"status": "1", "message": LOGS, "data": [{
            "createdBy": "admin", "createdDate": "2025-04-21T01:00:00Z", "modifiedBy": "admin",
            "modifiedDate": "2025-04-21T01:00:00Z", "id": 1, "ticketId": 123,
            "actionTaken": "Updated ticket status", "actionBy": "admin", "actionByType": "admin",
            "actionAt": "2025-04-21T01:00:00Z",
            "changes": [{"field": "status", "from": "open", "to": "in_progress"}],
            "visibility": "public", "isActive": true, "isDelete": false,
            "createdByType": "admin", "modifiedByType": "admin"}]})),
        (status = 400, description = "A query parameter is invalid", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "A non-admin used `includeDeleted`", body = ErrorEnvelope),
        (status = 404, description = "`ticketId` names no ticket the caller may see", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/ticket-logs")]
pub(super) async fn list_logs(
    user: Authenticated,
    req: HttpRequest,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let q = QueryParams::parse(&req)?;
    let mut errors = Vec::new();
    let (page, count) = paging(&q, &mut errors);
    let include_deleted = flag_param(&q, "includeDeleted", &mut errors);
    let ticket = match q.one("ticketId") {
        None => None,
        Some(raw) => ticket_id("ticketId", raw).map_err(|e| errors.push(e)).ok(),
    };
    checked(errors)?;
    rows_or_count::<_, LogEntryDto>(
        LOGS,
        count,
        desk.count_logs(&user.0, ticket, include_deleted),
        desk.list_logs(&user.0, ticket, include_deleted, &page),
    )
    .await
}

/// Query parameters of a ticket's history.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documents the parameters; the handler reads them
pub struct HistoryQuery {
    /// Admins only: `true` to read a deleted ticket's history.
    #[param(value_type = Option<crate::openapi::Flag>, inline)]
    include_deleted: Option<String>,
}

#[utoipa::path(
    tag = "Support",
    summary = "Get a ticket's history",
    description = "One ticket's log entries, oldest first, each with what changed. Customers \
                   never see the entries of internal notes.",
    params(("id" = i64, Path, description = "Ticket ID", minimum = 1, example = 123), PagingQuery, HistoryQuery),
    responses(
        (status = 200, description = "The ticket's history", body = ListEnvelope<LogEntryDto>,
         headers(("X-Total-Count" = u64, description = "With `count=true` only: the count, as in `data.count`"))),
        (status = 400, description = "A query parameter is invalid", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "A non-admin used `includeDeleted`", body = ErrorEnvelope),
        (status = 404, description = "No ticket with this id that the caller may see", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/{id:\\d+}/logs")]
pub(super) async fn ticket_history(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = path_ticket_id(&id)?;
    let q = QueryParams::parse(&req)?;
    let mut errors = Vec::new();
    let (page, count) = paging(&q, &mut errors);
    let include_deleted = flag_param(&q, "includeDeleted", &mut errors);
    checked(errors)?;
    rows_or_count::<_, LogEntryDto>(
        HISTORY,
        count,
        desk.count_history(&user.0, id, include_deleted),
        desk.history(&user.0, id, include_deleted, &page),
    )
    .await
}
