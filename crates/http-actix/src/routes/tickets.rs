//! Tickets: the list (with search, filters and counts), opening one, and
//! its details.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use ticketd_app::SupportDesk;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::dto::{OpenTicketRequest, TicketDetailsDto, TicketDto};
use crate::envelope::{Envelope, ListEnvelope};
use crate::error::{ApiError, ErrorEnvelope};
use crate::etag::details_tag;
use crate::idempotency::{idempotency_key, idempotent, json_body};
use crate::input::{parse_json, read_body};
use crate::query::{QueryParams, checked, flag_param, paging, path_ticket_id, ticket_query};

use super::{PagingQuery, TICKET_DETAILS, rows_or_count};

const LIST_TICKETS: &str = "Support tickets retrieved successfully";
const TICKET_CREATED: &str = "Ticket created successfully";

/// Query parameters of the ticket list. List filters take several values,
/// comma-separated or by repeating the parameter; a ticket matches a list
/// filter if it matches any of its values, and every filter given.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documents the parameters; `ticket_query` reads them
pub struct TicketListQuery {
    /// Case-insensitive text to find in the subject, description or reference;
    /// `%` and `_` match themselves; empty means no filter.
    // `maxLength` and `pattern` of this and of the id lists are written from
    // the domain's rules (`openapi::apply_rules`).
    #[param(example = "refund")]
    keyword: Option<String>,
    /// Statuses, by name or code: `open,pending` or `1,3`.
    #[param(
        pattern = r"^(open|in_progress|pending|resolved|closed|[1-5])(,(open|in_progress|pending|resolved|closed|[1-5]))*$"
    )]
    status: Option<String>,
    /// Priorities, by name or code: `high,urgent` or `3,4`.
    #[param(pattern = r"^(low|normal|high|urgent|[1-4])(,(low|normal|high|urgent|[1-4]))*$")]
    priority: Option<String>,
    /// Category ids: `1,2`.
    #[param(pattern = r"^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17})*$")]
    category_id: Option<String>,
    /// Sub-category ids: `3,4`.
    #[param(pattern = r"^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17})*$")]
    sub_category_id: Option<String>,
    /// Assignees' user ids (with `unassigned=true`, unassigned tickets too).
    assignee_id: Option<String>,
    /// `true` for tickets nobody is assigned to.
    #[param(value_type = Option<crate::openapi::Flag>, inline)]
    unassigned: Option<String>,
    /// Owners' user ids (agents and admins only).
    user_id: Option<String>,
    /// Opened at or after: `2025-04-01` or `2025-04-01T10:00:00Z`.
    #[param(value_type = Option<crate::openapi::DateOrTime>, inline)]
    created_from: Option<String>,
    /// Opened at or before: `2025-04-30` (the whole day) or an RFC 3339 time.
    #[param(value_type = Option<crate::openapi::DateOrTime>, inline)]
    created_to: Option<String>,
    /// Changed at or after this date or time.
    #[param(value_type = Option<crate::openapi::DateOrTime>, inline)]
    updated_since: Option<String>,
    /// Order: `createdDate` (default, newest first), `modifiedDate`, `priority`,
    /// `status`, `id`, `firstResponseDueAt` or `resolutionDueAt`; `-field` or
    /// `field:desc` for descending, `field` or `field:asc` for ascending. The
    /// due-time orders go by the running clock's due time: `resolutionDueAt`
    /// ascending is "what breaches next"; tickets without a running clock
    /// (no target, paused, stopped) come after every due time. Staff only,
    /// unless customers are shown service-level fields.
    #[param(
        pattern = r"^(-?(createdDate|modifiedDate|priority|status|id|firstResponseDueAt|resolutionDueAt)|(createdDate|modifiedDate|priority|status|id|firstResponseDueAt|resolutionDueAt):(asc|desc))$"
    )]
    sort: Option<String>,
    /// `true` for tickets with a breached service-level clock, `false` for
    /// tickets without one. Staff only, unless customers are shown
    /// service-level fields.
    #[param(value_type = Option<crate::openapi::Flag>, inline)]
    sla_breached: Option<String>,
    /// Admins only: `true` to include deleted tickets.
    #[param(value_type = Option<crate::openapi::Flag>, inline)]
    include_deleted: Option<String>,
}

#[utoipa::path(
    tag = "Support",
    summary = "Get Support Tickets",
    description = "The tickets the caller may see: a customer sees its own, agents and admins see \
                   all. Filters combine with each other, with `keyword` and with paging. \
                   A page reads only its own rows: `nextCursor` reads the next one. With \
                   `count=true`, `data` is `{\"count\": N, \"capped\": false}` (exact up to \
                   10000 matches, else 10000 with `capped` true) and `X-Total-Count` repeats N.",
    params(PagingQuery, TicketListQuery),
    responses(
        (status = 200, description = "Successfully retrieved the support tickets", body = ListEnvelope<TicketDto>,
         headers(("X-Total-Count" = u64, description = "With `count=true` only: the count, as in `data.count`")),
         example = json!({"status": "1", "message": LIST_TICKETS, "data": [{
            "createdBy": "admin", "createdDate": "2025-04-01T10:00:00Z", "modifiedBy": "admin",
            "modifiedDate": "2025-04-01T10:30:00Z", "id": 123, "refId": "TKT-7K3M9Q2XAB", "userId": "user01",
            "userType": "customer", "categoryId": 1, "subCategoryId": 1, "subject": "Refund Request",
            "description": "Request for a refund on order #XYZ", "isActive": true, "isDelete": false,
            "status": "open", "priority": "normal", "assigneeId": null,
            "createdByType": "admin", "modifiedByType": "admin",
            "ticketCategory": {"createdBy": "admin", "createdDate": "2025-04-01T10:00:00Z",
                "modifiedBy": "admin", "modifiedDate": "2025-04-01T10:30:00Z", "id": 1,
                "categoryName": "Refund", "parentCategoryId": 0, "isActive": true, "isDelete": false,
                "createdByType": "admin", "modifiedByType": "admin"}}]})),
        (status = 400, description = "A query parameter is invalid; `errors` names it", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "A customer used `userId`, `includeDeleted`, `slaBreached` or a due-time sort", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable; retry after `Retry-After` seconds", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket")]
pub(super) async fn list_tickets(
    user: Authenticated,
    req: HttpRequest,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let q = QueryParams::parse(&req)?;
    let mut errors = Vec::new();
    let (page, count) = paging(&q, &mut errors);
    let query = ticket_query(&q, &mut errors);
    checked(errors)?;
    rows_or_count::<_, TicketDto>(
        LIST_TICKETS,
        count,
        desk.count_tickets(&user.0, query.clone()),
        desk.list_tickets(&user.0, query, &page),
    )
    .await
}

#[utoipa::path(
    tag = "Support",
    summary = "Open a ticket",
    description = "Opens a ticket in status `open`. A customer opens tickets for itself; \
                   agents and admins may name the customer in `userId`. Answers 201 with the \
                   ticket and a `Location` header.",
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "1-255 visible ASCII characters; a retry with the same key and body replays the first answer (with `Idempotent-Replayed: true`) instead of opening a second ticket"),
    ),
    request_body(content = OpenTicketRequest, examples(
        ("1-customer" = (summary = "A customer opens a ticket for itself",
            value = json!({"subject": "Refund Request", "description": "Request for a refund on order #XYZ", "categoryId": 1}))),
        ("2-staff" = (summary = "Staff open a ticket for a customer, with priority and assignee",
            description = "Agents and admins only: `userId` names the customer, `assigneeId` an agent or admin the desk knows (one who has called the API).",
            value = json!({"subject": "Refund Request", "description": "Request for a refund on order #XYZ", "categoryId": 1,
                "userId": "user01", "priority": "high", "assigneeId": "admin1"}))),
    )),
    responses(
        (status = 201, description = "The ticket was opened", body = Envelope<TicketDetailsDto>,
         headers(("Location" = String, description = "The new ticket's URL"))),
        (status = 400, description = "A field is invalid; `errors` lists each", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "A customer named another user in `userId`, or set `priority` or `assigneeId`", body = ErrorEnvelope),
        (status = 404, description = "`categoryId`, `subCategoryId` or `assigneeId` names nothing usable; `errors` says which", body = ErrorEnvelope),
        (status = 409, description = "A request with this Idempotency-Key is still being served", body = ErrorEnvelope),
        (status = 413, description = "The body is too large", body = ErrorEnvelope),
        (status = 415, description = "The body is not JSON", body = ErrorEnvelope),
        (status = 422, description = "This Idempotency-Key was used for a different request", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[post("/support-ticket")]
pub(super) async fn open_ticket(
    user: Authenticated,
    req: HttpRequest,
    body: web::Payload,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let body = read_body(&req, body).await?;
    let input = parse_json::<OpenTicketRequest>(&body)?
        .into_input()
        .map_err(ApiError::invalid)?;
    let (seer, reader) = (desk.clone(), user.0.clone());
    let render = move |view: &ticketd_ports::TicketView| {
        // The view is rendered inside the write; the reader sees what it may.
        let seen = seer.as_seen_by(&reader, view.clone());
        json_body(
            StatusCode::CREATED,
            &Envelope::ok(TICKET_CREATED, TicketDetailsDto::opened(&seen)),
        )
    };
    idempotent(&req, &desk, &user.0, key, &body, render, |keep| async {
        Ok(desk.open_ticket_keeping(&user.0, input, keep).await?)
    })
    .await
}

/// Query parameters of the ticket details.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documents the parameters; the handler reads them
pub struct DetailsQuery {
    /// Admins only: `true` (or `1`) to read a deleted ticket.
    #[param(value_type = Option<crate::openapi::Flag>, inline)]
    include_deleted: Option<String>,
}

#[utoipa::path(
    tag = "Support",
    summary = "Get Ticket Details",
    description = "One ticket with its category and messages (oldest first), each with its attachments.",
    params(
        ("id" = i64, Path, description = "Ticket ID", minimum = 1, example = 123),
        DetailsQuery,
    ),
    responses(
        (status = 200, description = "Successfully retrieved the ticket details", body = Envelope<TicketDetailsDto>,
         headers(("ETag" = String, description = "Changes whenever the ticket, as the caller sees it, changes; send it back in `If-Match` to update safely")),
         example = json!({"status": 1, "message": TICKET_DETAILS, "data": {
            "createdBy": "admin", "createdDate": "2025-04-01T10:00:00Z", "modifiedBy": "admin",
            "modifiedDate": "2025-04-01T10:30:00Z", "id": 123, "refId": "TKT-7K3M9Q2XAB", "userId": "user01",
            "userType": "customer", "categoryId": 1, "subCategoryId": 1, "subject": "Refund Request",
            "description": "Refund requested for order #XYZ", "isActive": true, "isDelete": false,
            "status": "open", "priority": "normal", "assigneeId": null,
            "createdByType": "admin", "modifiedByType": "admin",
            "ticketCategory": {"createdBy": "admin", "createdDate": "2025-04-01T10:00:00Z",
                "modifiedBy": "admin", "modifiedDate": "2025-04-01T10:30:00Z", "id": 1,
                "categoryName": "Refund", "parentCategoryId": 0, "isActive": true, "isDelete": false,
                "createdByType": "admin", "modifiedByType": "admin"},
            "ticketMessage": [{"createdBy": "user01", "createdDate": "2025-04-01T10:00:00Z",
                "modifiedBy": "user01", "modifiedDate": "2025-04-01T10:00:00Z", "id": 456, "ticketId": 123,
                "senderId": "user01", "senderType": "customer",
                "message": "Can you please update on my refund request?", "sentAt": "2025-04-01T10:00:00Z",
                "visibility": "public",
                "isActive": true, "isDelete": false, "createdByType": "customer",
                "modifiedByType": "customer", "ticketAttachments": []}]}})),
        (status = 400, description = "The id is not an integer", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "A non-admin used `includeDeleted`", body = ErrorEnvelope),
        (status = 404, description = "No ticket with this id that the caller may see", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/{id:\\d+}")]
pub(super) async fn get_ticket(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    desk: web::Data<SupportDesk>,
    links: web::Data<crate::files::DownloadLinks>,
) -> Result<HttpResponse, ApiError> {
    let id = path_ticket_id(&id)?;
    let q = QueryParams::parse(&req)?;
    let mut errors = Vec::new();
    let include_deleted = flag_param(&q, "includeDeleted", &mut errors);
    checked(errors)?;
    let details = desk.ticket_details(&user.0, id, include_deleted).await?;
    let dto = TicketDetailsDto::from(&details);
    let tag = details_tag(&dto)?;
    let now = desk.now();
    let linked = dto.with_links(|key| links.url(key, now));
    let body = serde_json::to_vec(&Envelope::ok(TICKET_DETAILS, linked))
        .map_err(|e| ApiError::internal(format!("serialising ticket details: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .content_type("application/json")
        .body(body))
}
