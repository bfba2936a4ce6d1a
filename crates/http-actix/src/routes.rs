//! The handlers of `/backend/api`, each with its OpenAPI description.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use ticketd_app::{Count, FieldError, ListPage, PageRequest, SupportDesk};
use ticketd_domain::{Keyword, Priority, TicketId, TicketStatus, UserId};
use ticketd_ports::{Claim, SortField, TicketFilter, TicketSort};
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::dto::{
    AddMessageRequest, AddedMessageDto, CategoryDto, CountDto, CreateCategoryRequest, LogEntryDto,
    OpenTicketRequest, TicketDetailsDto, TicketDto, TicketUpdatedDto, UpdateTicketRequest,
};
use crate::envelope::{Envelope, ListEnvelope};
use crate::error::{ApiError, ErrorEnvelope};
use crate::input::{
    QueryParams, flag, page, parse_json, query_time, read_body, read_json, ticket_id,
};

/// Where the API lives.
pub const PREFIX: &str = "/backend/api";

const LIST_TICKETS: &str = "Support tickets retrieved successfully";
const TICKET_DETAILS: &str = "Ticket details retrieved successfully";
const MESSAGE_ADDED: &str = "Message and attachments added successfully";
const STATUS_UPDATED: &str = "Ticket status updated successfully";
const LOGS: &str = "Successfully retrieved ticket logs";
const TICKET_CREATED: &str = "Ticket created successfully";
const CATEGORIES: &str = "Categories retrieved successfully";
const CATEGORY_CREATED: &str = "Category created successfully";
const TICKET_UPDATED: &str = "Ticket updated successfully";
const TICKET_DELETED: &str = "Ticket deleted successfully";
const TICKET_RESTORED: &str = "Ticket restored successfully";
const HISTORY: &str = "Successfully retrieved ticket history";

/// The header that makes a POST safe to retry.
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The header that repeats a count answer's number of matching rows.
const TOTAL_COUNT: &str = "X-Total-Count";

fn path_id(raw: &str) -> Result<TicketId, ApiError> {
    ticket_id("id", raw).map_err(|e| ApiError::invalid(vec![e]))
}

/// Query parameters of the ticket list. List filters take several values,
/// comma-separated or by repeating the parameter; a ticket matches a list
/// filter if it matches any of its values, and every filter given.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documents the parameters; `ticket_filter` reads them
pub struct TicketListQuery {
    /// Rows per page: default 10; above 100 is served as 100.
    #[param(value_type = Option<u64>, minimum = 0, example = 10)]
    limit: Option<String>,
    /// Rows to skip: default 0, at most 10000 (read deeper pages with `cursor`).
    #[param(value_type = Option<u64>, minimum = 0, maximum = 10000, example = 0)]
    offset: Option<String>,
    /// The `nextCursor` of the page before: this page starts right after it
    /// (keep the other parameters as they were). Stable while rows are added,
    /// and as fast at any depth.
    #[param(pattern = r"^[A-Za-z0-9_-]{1,200}$")]
    cursor: Option<String>,
    /// Case-insensitive text to find in the subject, description or reference;
    /// `%` and `_` match themselves; empty means no filter.
    #[param(
        example = "refund",
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"
    )]
    keyword: Option<String>,
    /// `true` (or `1`) to get `{"count": N, "capped": false}` instead of rows:
    /// exact up to 10000 matches; past that `count` is 10000 and `capped` is true.
    #[param(schema_with = crate::openapi::flag_schema)]
    count: Option<String>,
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
    #[param(
        pattern = r"^[^,\s\x00-\x1f\x7f-\x9f]([^,\x00-\x1f\x7f-\x9f]{0,126}[^,\s\x00-\x1f\x7f-\x9f])?(,[^,\s\x00-\x1f\x7f-\x9f]([^,\x00-\x1f\x7f-\x9f]{0,126}[^,\s\x00-\x1f\x7f-\x9f])?)*$"
    )]
    assignee_id: Option<String>,
    /// `true` for tickets nobody is assigned to.
    #[param(schema_with = crate::openapi::flag_schema)]
    unassigned: Option<String>,
    /// Owners' user ids (agents and admins only).
    #[param(
        pattern = r"^[^,\s\x00-\x1f\x7f-\x9f]([^,\x00-\x1f\x7f-\x9f]{0,126}[^,\s\x00-\x1f\x7f-\x9f])?(,[^,\s\x00-\x1f\x7f-\x9f]([^,\x00-\x1f\x7f-\x9f]{0,126}[^,\s\x00-\x1f\x7f-\x9f])?)*$"
    )]
    user_id: Option<String>,
    /// Opened at or after: `2025-04-01` or `2025-04-01T10:00:00Z`.
    #[param(schema_with = crate::openapi::date_or_time_schema)]
    created_from: Option<String>,
    /// Opened at or before: `2025-04-30` (the whole day) or an RFC 3339 time.
    #[param(schema_with = crate::openapi::date_or_time_schema)]
    created_to: Option<String>,
    /// Changed at or after this date or time.
    #[param(schema_with = crate::openapi::date_or_time_schema)]
    updated_since: Option<String>,
    /// Order: `createdDate` (default, newest first), `modifiedDate`, `priority`,
    /// `status` or `id`; `-field` or `field:desc` for descending, `field` or
    /// `field:asc` for ascending.
    #[param(
        pattern = r"^(-?(createdDate|modifiedDate|priority|status|id)|(createdDate|modifiedDate|priority|status|id):(asc|desc))$"
    )]
    sort: Option<String>,
    /// Admins only: `true` to include deleted tickets.
    #[param(schema_with = crate::openapi::flag_schema)]
    include_deleted: Option<String>,
}

fn each<T>(
    q: &QueryParams,
    name: &str,
    errors: &mut Vec<FieldError>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Vec<T> {
    let mut out = Vec::new();
    for raw in q.list(name) {
        match parse(raw) {
            Ok(v) => out.push(v),
            Err(why) => errors.push(FieldError::new(name, format!("{raw:?} {why}"))),
        }
    }
    out
}

/// A positive id of at most 18 digits, as the document's pattern has it.
fn positive(raw: &str) -> Result<i64, String> {
    Some(raw)
        .filter(|r| (1..=18).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|r| r.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .ok_or_else(|| "is not a positive id".into())
}

fn sort(raw: Option<&str>) -> Result<TicketSort, FieldError> {
    let Some(raw) = raw else {
        return Ok(TicketSort::default());
    };
    let (name, descending) = match raw.split_once(':') {
        Some((name, "desc")) => (name, true),
        Some((name, "asc")) => (name, false),
        Some(_) => return Err(FieldError::new("sort", "direction must be asc or desc")),
        None => match raw.strip_prefix('-') {
            Some(name) => (name, true),
            None => (raw, false),
        },
    };
    let field = match name {
        "createdDate" => SortField::CreatedDate,
        "modifiedDate" => SortField::ModifiedDate,
        "priority" => SortField::Priority,
        "status" => SortField::Status,
        "id" => SortField::Id,
        _ => {
            return Err(FieldError::new(
                "sort",
                "must be one of createdDate, modifiedDate, priority, status, id (- for descending)",
            ));
        }
    };
    Ok(TicketSort { field, descending })
}

/// Reads the ticket list's filters, collecting every invalid one.
fn ticket_filter(q: &QueryParams, errors: &mut Vec<FieldError>) -> TicketFilter {
    let mut f = TicketFilter {
        keyword: Keyword::parse(q.one("keyword").unwrap_or(""))
            .map_err(|e| errors.push(FieldError::new("keyword", e.0)))
            .ok()
            .flatten(),
        statuses: each(q, "status", errors, |raw| match raw.parse::<i64>() {
            Ok(code) => TicketStatus::from_code(code).map_err(|e| e.0),
            Err(_) => TicketStatus::from_name(raw).map_err(|e| e.0),
        }),
        priorities: each(q, "priority", errors, |raw| match raw.parse::<i64>() {
            Ok(code) => Priority::from_code(code).map_err(|e| e.0),
            Err(_) => Priority::from_name(raw).map_err(|e| e.0),
        }),
        category_ids: each(q, "categoryId", errors, |raw| {
            positive(raw).map(ticketd_domain::CategoryId)
        }),
        sub_category_ids: each(q, "subCategoryId", errors, |raw| {
            positive(raw).map(ticketd_domain::CategoryId)
        }),
        assignee_ids: each(q, "assigneeId", errors, |raw| {
            UserId::parse(raw).map_err(|e| e.0)
        }),
        user_ids: each(q, "userId", errors, |raw| {
            UserId::parse(raw).map_err(|e| e.0)
        }),
        ..TicketFilter::default()
    };
    f.unassigned = flag_param(q, "unassigned", errors);
    f.include_deleted = flag_param(q, "includeDeleted", errors);
    let mut take = |r: Result<(), FieldError>| {
        if let Err(e) = r {
            errors.push(e);
        }
    };
    take(query_time("createdFrom", q.one("createdFrom"), false).map(|v| f.created_from = v));
    take(query_time("createdTo", q.one("createdTo"), true).map(|v| f.created_to = v));
    take(query_time("updatedSince", q.one("updatedSince"), false).map(|v| f.updated_since = v));
    take(sort(q.one("sort")).map(|v| f.sort = v));
    f
}

/// `limit`, `offset`, `cursor` and `count`, collecting every invalid one.
fn paging(q: &QueryParams, errors: &mut Vec<FieldError>) -> (PageRequest, bool) {
    let page = page(q.one("limit"), q.one("offset"), q.one("cursor")).unwrap_or_else(|e| {
        errors.extend(e);
        PageRequest::first(0)
    });
    let count = flag("count", q.one("count")).unwrap_or_else(|e| {
        errors.push(e);
        false
    });
    (page, count)
}

/// A flag of the query string; an invalid one is added to `errors`.
fn flag_param(q: &QueryParams, name: &str, errors: &mut Vec<FieldError>) -> bool {
    flag(name, q.one(name)).unwrap_or_else(|e| {
        errors.push(e);
        false
    })
}

fn checked(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// A page of a list, with the cursor of the next page.
fn page_response<R, T>(message: &str, page: ListPage<R>) -> HttpResponse
where
    T: serde::Serialize + for<'a> From<&'a R>,
{
    let rows = page.rows.iter().map(T::from).collect::<Vec<_>>();
    let next = page.next.map(|c| c.encode());
    HttpResponse::Ok().json(ListEnvelope::page(message, rows, next))
}

/// A count answer: `{"count": N, "capped": bool}`, and N in `X-Total-Count`.
fn count_response(message: &str, count: Count) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((TOTAL_COUNT, count.value.to_string()))
        .json(ListEnvelope::<()>::count(message, CountDto::from(count)))
}

#[utoipa::path(
    tag = "Support",
    summary = "Get Support Tickets",
    description = "The tickets the caller may see: a customer sees its own, agents and admins see \
                   all. Filters combine with each other, with `keyword` and with paging. \
                   A page reads only its own rows: `nextCursor` reads the next one. With \
                   `count=true`, `data` is `{\"count\": N, \"capped\": false}` (exact up to \
                   10000 matches, else 10000 with `capped` true) and `X-Total-Count` repeats N.",
    params(TicketListQuery),
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
        (status = 403, description = "A customer used `userId` or `includeDeleted`", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable; retry after `Retry-After` seconds", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket")]
async fn list_tickets(
    user: Authenticated,
    req: HttpRequest,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let q = QueryParams::parse(&req)?;
    let mut errors = Vec::new();
    let (page, count) = paging(&q, &mut errors);
    let filter = ticket_filter(&q, &mut errors);
    checked(errors)?;
    if count {
        let count = desk.count_tickets(&user.0, filter).await?;
        return Ok(count_response(LIST_TICKETS, count));
    }
    let page = desk.list_tickets(&user.0, filter, &page).await?;
    Ok(page_response::<_, TicketDto>(LIST_TICKETS, page))
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
    request_body = OpenTicketRequest,
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
async fn open_ticket(
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
    let render = |view: &ticketd_ports::TicketView| {
        let details = ticketd_ports::TicketDetails {
            ticket: view.ticket.clone(),
            category: view.category.clone(),
            messages: Vec::new(),
        };
        json_body(
            StatusCode::CREATED,
            &Envelope::ok(TICKET_CREATED, TicketDetailsDto::from(&details)),
        )
    };
    idempotent(&req, &desk, &user.0, key, &body, render, |keep| async {
        Ok(desk.open_ticket_keeping(&user.0, input, keep).await?)
    })
    .await
}

/// An `Idempotency-Key` header, if the request has one: 1-255 visible ASCII
/// characters.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(raw) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    raw.to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(|k| Some(k.to_owned()))
        .ok_or_else(|| {
            ApiError::invalid_field(IDEMPOTENCY_KEY, "must be 1-255 visible ASCII characters")
        })
}

fn json_body<T: serde::Serialize>(
    status: StatusCode,
    value: &T,
) -> Result<(StatusCode, String), ApiError> {
    serde_json::to_string(value)
        .map(|body| (status, body))
        .map_err(|e| ApiError::internal(format!("serialising an answer: {e}")))
}

/// The answer as the client gets it, with `Location` for a created ticket.
fn answer(status: StatusCode, body: String, replayed: bool) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type("application/json");
    if status == StatusCode::CREATED {
        let id = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["data"]["id"].as_i64());
        if let Some(id) = id {
            res.insert_header((header::LOCATION, format!("{PREFIX}/support-ticket/{id}")));
        }
    }
    if replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.body(body)
}

/// Serves a write once per `Idempotency-Key`: the first request's answer is
/// kept in the write's own transaction (`KeptAnswer`), so a retry gets that
/// answer replayed, even after a crash between the write and the answer
/// reaching the client, and never writes twice. Without a key, `work` simply
/// runs.
async fn idempotent<T, Fut>(
    req: &HttpRequest,
    desk: &SupportDesk,
    actor: &ticketd_domain::Actor,
    key: Option<String>,
    body: &[u8],
    render: impl Fn(&T) -> Result<(StatusCode, String), ApiError> + Send + Sync + 'static,
    work: impl FnOnce(Option<ticketd_ports::KeptAnswer<T>>) -> Fut,
) -> Result<HttpResponse, ApiError>
where
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let Some(key) = key else {
        let made = work(None).await?;
        let (status, body) = render(&made)?;
        return Ok(answer(status, body, false));
    };
    let mut request = format!("{} {}\n", req.method(), req.path()).into_bytes();
    request.extend_from_slice(body);
    let hash = format!("{:016x}", fnv1a(&request));
    let claim = desk.claim_idempotency_key(actor, &key, &hash).await?;
    if let Some(settled) = settled(claim) {
        return settled;
    }
    let render = std::sync::Arc::new(render);
    let keep = ticketd_ports::KeptAnswer {
        user: actor.id.clone(),
        key: key.clone(),
        render: {
            let render = render.clone();
            std::sync::Arc::new(move |made: &T| {
                render(made)
                    .map(|(status, body)| (status.as_u16(), body))
                    .map_err(|e| e.to_string())
            })
        },
    };
    match work(Some(keep)).await {
        Ok(made) => {
            crash_point("after-idempotent-write");
            let (status, body) = render(&made)?;
            Ok(answer(status, body, false))
        }
        Err(e) => {
            // Another request with the key may have answered meanwhile (this
            // one's write was then rolled back): its answer is the answer.
            if let Ok(Claim::Replay { status, body }) =
                desk.claim_idempotency_key(actor, &key, &hash).await
            {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return Ok(answer(status, body, true));
            }
            if let Err(release) = desk.release_idempotency_key(actor, &key).await {
                log::warn!("could not release idempotency key {key:?}: {release}");
            }
            Err(e)
        }
    }
}

/// What a claim that is not new answers: the kept answer, or an error.
fn settled(claim: Claim) -> Option<Result<HttpResponse, ApiError>> {
    match claim {
        Claim::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            Some(Ok(answer(status, body, true)))
        }
        Claim::Mismatch => Some(Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This Idempotency-Key was used for a different request; use a new key",
        ))),
        Claim::InProgress => Some(Err(ApiError::new(
            StatusCode::CONFLICT,
            "A request with this Idempotency-Key is being served; retry shortly",
        ))),
        Claim::New => None,
    }
}

/// A place where tests of crash safety stop the process as `kill -9` would
/// (no destructor, no flush): in debug builds only, when
/// `TICKETD_TEST_CRASH_AT` names it. Release builds compile it to nothing.
fn crash_point(name: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("TICKETD_TEST_CRASH_AT").is_ok_and(|at| at == name) {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = name;
}

/// Query parameters of the audit log.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documents the parameters; the handler reads them
pub struct LogListQuery {
    /// Rows per page: default 10; above 100 is served as 100.
    #[param(value_type = Option<u64>, minimum = 0, example = 10)]
    limit: Option<String>,
    /// Rows to skip: default 0, at most 10000 (read deeper pages with `cursor`).
    #[param(value_type = Option<u64>, minimum = 0, maximum = 10000, example = 0)]
    offset: Option<String>,
    /// The `nextCursor` of the page before: this page starts right after it
    /// (keep the other parameters as they were). Stable while rows are added,
    /// and as fast at any depth.
    #[param(pattern = r"^[A-Za-z0-9_-]{1,200}$")]
    cursor: Option<String>,
    /// `1` (or `true`) to get `{"count": N, "capped": false}` instead of rows
    /// (exact up to 10000; past that 10000 with `capped` true); `0` (or `false`) for rows.
    #[param(schema_with = crate::openapi::flag_schema)]
    count: Option<String>,
    /// Only the entries of this ticket.
    #[param(value_type = Option<i64>, minimum = 1)]
    ticket_id: Option<String>,
    /// Admins only: `true` to include the entries of deleted tickets.
    #[param(schema_with = crate::openapi::flag_schema)]
    include_deleted: Option<String>,
}

#[utoipa::path(
    tag = "Support",
    summary = "Get Ticket Logs",
    description = "The audit log, newest first: one entry per ticket opened, message added and \
                   ticket changed, with what changed. A customer sees the public entries of its \
                   own tickets only.",
    params(LogListQuery),
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
async fn list_logs(
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
    if count {
        let count = desk.count_logs(&user.0, ticket, include_deleted).await?;
        return Ok(count_response(LOGS, count));
    }
    let page = desk
        .list_logs(&user.0, ticket, include_deleted, &page)
        .await?;
    Ok(page_response::<_, LogEntryDto>(LOGS, page))
}

#[utoipa::path(
    tag = "Categories",
    summary = "List categories",
    description = "Every active category as a flat list; `parentCategoryId` is 0 for a top-level one.",
    responses(
        (status = 200, description = "The categories", body = Envelope<Vec<CategoryDto>>),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/categories")]
async fn list_categories(
    _user: Authenticated,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let rows = desk.list_categories().await?;
    let data: Vec<CategoryDto> = rows.iter().map(CategoryDto::from).collect();
    Ok(HttpResponse::Ok().json(Envelope::ok(CATEGORIES, data)))
}

#[utoipa::path(
    tag = "Categories",
    summary = "Create a category",
    description = "Admins only. Two levels: a parent must be an active top-level category.",
    request_body = CreateCategoryRequest,
    responses(
        (status = 201, description = "The category was created", body = Envelope<CategoryDto>),
        (status = 400, description = "A field is invalid; `errors` lists each", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 404, description = "`parentCategoryId` names no active top-level category", body = ErrorEnvelope),
        (status = 409, description = "A sibling has this name", body = ErrorEnvelope),
        (status = 413, description = "The body is too large", body = ErrorEnvelope),
        (status = 415, description = "The body is not JSON", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[post("/support-ticket/categories")]
async fn create_category(
    user: Authenticated,
    req: HttpRequest,
    body: web::Payload,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let (name, parent) = read_json::<CreateCategoryRequest>(&req, body)
        .await?
        .into_parts()
        .map_err(ApiError::invalid)?;
    let category = desk.create_category(&user.0, name, parent).await?;
    Ok(HttpResponse::Created().json(Envelope::ok(CATEGORY_CREATED, CategoryDto::from(&category))))
}

/// Query parameters of the ticket details.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documents the parameters; the handler reads them
pub struct DetailsQuery {
    /// Admins only: `true` (or `1`) to read a deleted ticket.
    #[param(schema_with = crate::openapi::flag_schema)]
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
async fn get_ticket(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    desk: web::Data<SupportDesk>,
    links: web::Data<crate::files::DownloadLinks>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let q = QueryParams::parse(&req)?;
    let mut errors = Vec::new();
    let include_deleted = flag_param(&q, "includeDeleted", &mut errors);
    checked(errors)?;
    let details = desk.ticket_details(&user.0, id, include_deleted).await?;
    let dto = TicketDetailsDto::from(&details);
    let tag = details_tag(&dto)?;
    let now = chrono::Utc::now();
    let linked = dto.with_links(|key| links.url(key, now));
    let body = serde_json::to_vec(&Envelope::ok(TICKET_DETAILS, linked))
        .map_err(|e| ApiError::internal(format!("serialising ticket details: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .content_type("application/json")
        .body(body))
}

/// The entity tag of the details answer: a hash of its bytes without download
/// links, so it changes whenever anything the caller sees of the ticket
/// changes, and not when only the links' expiry moves.
fn details_tag(dto: &TicketDetailsDto) -> Result<String, ApiError> {
    let body = serde_json::to_vec(&Envelope::ok(TICKET_DETAILS, dto))
        .map_err(|e| ApiError::internal(format!("serialising ticket details: {e}")))?;
    Ok(format!("\"{:016x}\"", fnv1a(&body)))
}

/// `*`, or `"tag"` items separated by commas: the `If-Match` grammar the
/// document states.
fn is_entity_tag_list(raw: &str) -> bool {
    raw == "*"
        || raw.split(',').map(|t| t.trim_matches(' ')).all(|tag| {
            tag.len() >= 2
                && tag.starts_with('"')
                && tag.ends_with('"')
                && tag[1..tag.len() - 1]
                    .bytes()
                    .all(|b| b == b'!' || (b'#'..=b'~').contains(&b))
        })
}

/// FNV-1a, 64 bits: stable across builds and processes, unlike std's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The version the client's `If-Match` names, if it sent one: the ticket's
/// current version when a tag matches the current details, else `Stale`.
async fn if_match(
    req: &HttpRequest,
    desk: &SupportDesk,
    user: &ticketd_domain::Actor,
    id: TicketId,
) -> Result<Option<i64>, ApiError> {
    let Some(raw) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    // A tag that is not well-formed matches nothing: 412, like any other.
    let raw = raw
        .to_str()
        .ok()
        .filter(|r| is_entity_tag_list(r))
        .unwrap_or("");
    let details = desk.ticket_details(user, id, false).await?;
    let current = details_tag(&TicketDetailsDto::from(&details))?;
    let matches = raw
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == current);
    if !matches {
        return Err(ApiError::new(
            actix_web::http::StatusCode::PRECONDITION_FAILED,
            format!(
                "ticket {id} changed since it was read (its ETag is now {current}); read it again"
            ),
        ));
    }
    Ok(Some(details.ticket.version))
}

#[utoipa::path(
    tag = "Support",
    summary = "Add Message and Attachments to Ticket",
    description = "Adds a message, attachments, or both to a ticket that is not closed. Agents \
                   and admins may write internal notes (`visibility: internal`) that customers \
                   never see. A customer's reply to a pending or resolved ticket reopens it.",
    params(
        ("id" = i64, Path, description = "Ticket ID", minimum = 1, example = 123),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "1-255 visible ASCII characters; a retry with the same key and body replays the first answer (with `Idempotent-Replayed: true`) instead of posting the message twice"),
    ),
    request_body(content = AddMessageRequest, example = json!({
        "message": "Can you provide an update on my request?",
        "attachments": [{"fileName": "attachment1.pdf", "filePath": "/uploads/attachment1.pdf"}]})),
    responses(
        (status = 200, description = "Successfully added message and attachments to the ticket", body = Envelope<AddedMessageDto>,
         example = json!({"status": 1, "message": MESSAGE_ADDED, "data": {
            "ticketId": 123, "message": "Can you provide an update on my request?",
            "attachments": [{"fileName": "attachment1.pdf", "filePath": "/uploads/attachment1.pdf"}],
            "id": 456, "sentAt": "2025-04-01T10:00:00Z", "visibility": "public"}})),
        (status = 400, description = "A field is invalid; `errors` lists each", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "A customer asked for an internal note", body = ErrorEnvelope),
        (status = 404, description = "No ticket with this id that the caller may see", body = ErrorEnvelope),
        (status = 409, description = "The ticket is closed, or a request with this Idempotency-Key is still being served", body = ErrorEnvelope),
        (status = 413, description = "The body is too large", body = ErrorEnvelope),
        (status = 415, description = "The body is not JSON", body = ErrorEnvelope),
        (status = 422, description = "This Idempotency-Key was used for a different request", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[post("/support-ticket/{id:\\d+}")]
async fn add_message(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let key = idempotency_key(&req)?;
    let body = read_body(&req, body).await?;
    let input = parse_json::<AddMessageRequest>(&body)?
        .into_input()
        .map_err(ApiError::invalid)?;
    let render = |message: &ticketd_domain::Message| {
        json_body(
            StatusCode::OK,
            &Envelope::ok(MESSAGE_ADDED, AddedMessageDto::from(message)),
        )
    };
    idempotent(&req, &desk, &user.0, key, &body, render, |keep| async {
        Ok(desk.add_message_keeping(&user.0, id, input, keep).await?)
    })
    .await
}

#[utoipa::path(
    tag = "Support",
    summary = "Update Ticket Status",
    description = "Changes a ticket's `status` (by code: 1 open, 2 in_progress, 3 pending, \
                   4 resolved, 5 closed), and for agents and admins also its `priority`, \
                   `assigneeId`, `categoryId` and `subCategoryId`: at least one. Status changes \
                   follow the workflow (docs/workflow.md): a change it does not allow answers 409 \
                   with the allowed ones; a customer may close its ticket or reopen a resolved \
                   one, and anything else it sends is 403. Closed is final. Unknown fields are 400.",
        params(
        ("id" = i64, Path, description = "Ticket ID", minimum = 1, example = 123),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|"[!#-~]*"( *, *"[!#-~]*")*)$"#, description = "The `ETag` of the ticket details this change was decided on; if the ticket changed since, 412"),
    ),
    request_body(content = UpdateTicketRequest, example = json!({"status": 1})),
    responses(
        (status = 200, description = "Successfully updated ticket status", body = Envelope<TicketUpdatedDto>,
         example = json!({"status": 1, "message": STATUS_UPDATED, "data": {"id": 123, "status": 2,
            "priority": 2, "assigneeId": null, "categoryId": 1, "subCategoryId": 0}})),
        (status = 400, description = "No field, or an invalid one; `errors` names it", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller may not make this change", body = ErrorEnvelope),
        (status = 404, description = "No ticket with this id that the caller may see", body = ErrorEnvelope),
                (status = 409, description = "The workflow does not allow it (the message lists what it allows), \
                                      the ticket is closed, or it changed meanwhile", body = ErrorEnvelope),
        (status = 412, description = "`If-Match` names a version of the ticket that is no longer current", body = ErrorEnvelope),
        (status = 413, description = "The body is too large", body = ErrorEnvelope),
        (status = 415, description = "The body is not JSON", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[put("/support-ticket/{id:\\d+}")]
async fn update_ticket(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let changes = read_json::<UpdateTicketRequest>(&req, body)
        .await?
        .into_changes()
        .map_err(ApiError::invalid)?;
    let only_status = changes.priority.is_none()
        && changes.assignee_id.is_none()
        && changes.category_id.is_none()
        && changes.sub_category_id.is_none();
    let expected = if_match(&req, &desk, &user.0, id).await?;
    let view = desk.update_ticket(&user.0, id, changes, expected).await?;
    let message = if only_status {
        STATUS_UPDATED
    } else {
        TICKET_UPDATED
    };
    Ok(HttpResponse::Ok().json(Envelope::ok(message, TicketUpdatedDto::from(&view.ticket))))
}

#[utoipa::path(
    tag = "Support",
    summary = "Delete a ticket",
    description = "Admins only. The ticket is kept but vanishes from every route for everyone \
                   (404), except admins asking with `includeDeleted=true`. Logged; undone by restore.",
    params(("id" = i64, Path, description = "Ticket ID", minimum = 1, example = 123)),
    responses(
        (status = 200, description = "The ticket was deleted", body = Envelope<TicketDto>),
        (status = 400, description = "The id is not a positive integer", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such ticket, or already deleted", body = ErrorEnvelope),
        (status = 409, description = "The ticket changed meanwhile", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[delete("/support-ticket/{id:\\d+}")]
async fn delete_ticket(
    user: Authenticated,
    id: web::Path<String>,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let view = desk.set_deleted(&user.0, id, true).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok(TICKET_DELETED, TicketDto::from(&view))))
}

#[utoipa::path(
    tag = "Support",
    summary = "Restore a deleted ticket",
    description = "Admins only. Brings a deleted ticket back. Logged.",
    params(("id" = i64, Path, description = "Ticket ID", minimum = 1, example = 123)),
    responses(
        (status = 200, description = "The ticket was restored", body = Envelope<TicketDto>),
        (status = 400, description = "The id is not a positive integer", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such ticket", body = ErrorEnvelope),
        (status = 409, description = "The ticket is not deleted, or changed meanwhile", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[post("/support-ticket/{id:\\d+}/restore")]
async fn restore_ticket(
    user: Authenticated,
    id: web::Path<String>,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let view = desk.set_deleted(&user.0, id, false).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok(TICKET_RESTORED, TicketDto::from(&view))))
}

/// Query parameters of a ticket's history.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documents the parameters; the handler reads them
pub struct HistoryQuery {
    /// Rows per page: default 10; above 100 is served as 100.
    #[param(value_type = Option<u64>, minimum = 0, example = 10)]
    limit: Option<String>,
    /// Rows to skip: default 0, at most 10000 (read deeper pages with `cursor`).
    #[param(value_type = Option<u64>, minimum = 0, maximum = 10000, example = 0)]
    offset: Option<String>,
    /// The `nextCursor` of the page before: this page starts right after it
    /// (keep the other parameters as they were). Stable while rows are added,
    /// and as fast at any depth.
    #[param(pattern = r"^[A-Za-z0-9_-]{1,200}$")]
    cursor: Option<String>,
    /// `true` (or `1`) to get `{"count": N, "capped": false}` instead of rows:
    /// exact up to 10000 matches; past that `count` is 10000 and `capped` is true.
    #[param(schema_with = crate::openapi::flag_schema)]
    count: Option<String>,
    /// Admins only: `true` to read a deleted ticket's history.
    #[param(schema_with = crate::openapi::flag_schema)]
    include_deleted: Option<String>,
}

#[utoipa::path(
    tag = "Support",
    summary = "Get a ticket's history",
    description = "One ticket's log entries, oldest first, each with what changed. Customers \
                   never see the entries of internal notes.",
    params(("id" = i64, Path, description = "Ticket ID", minimum = 1, example = 123), HistoryQuery),
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
async fn ticket_history(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let q = QueryParams::parse(&req)?;
    let mut errors = Vec::new();
    let (page, count) = paging(&q, &mut errors);
    let include_deleted = flag_param(&q, "includeDeleted", &mut errors);
    checked(errors)?;
    if count {
        let count = desk.count_history(&user.0, id, include_deleted).await?;
        return Ok(count_response(HISTORY, count));
    }
    let page = desk.history(&user.0, id, include_deleted, &page).await?;
    Ok(page_response::<_, LogEntryDto>(HISTORY, page))
}

/// Registers every handler under [`PREFIX`]. Literal paths come before
/// `{id}` so that `ticket-logs` and `categories` are never read as ids.
pub fn api_scope() -> utoipa_actix_web::scope::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    utoipa_actix_web::scope(PREFIX)
        .service(crate::files::upload_files)
        .service(crate::files::download_file)
        .service(list_tickets)
        .service(open_ticket)
        .service(list_logs)
        .service(list_categories)
        .service(create_category)
        .service(get_ticket)
        .service(add_message)
        .service(update_ticket)
        .service(delete_ticket)
        .service(restore_ticket)
        .service(ticket_history)
}
