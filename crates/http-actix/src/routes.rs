//! The handlers of `/backend/api`, each with its OpenAPI description.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::Deserialize;
use ticketd_app::{FieldError, SupportDesk};
use ticketd_domain::{Keyword, TicketId};
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::dto::{
    AddMessageRequest, AddedMessageDto, CategoryDto, CreateCategoryRequest, LogEntryDto,
    OpenTicketRequest, StatusUpdatedDto, TicketDetailsDto, TicketDto, UpdateStatusRequest,
};
use crate::envelope::{Envelope, ListData, ListEnvelope};
use crate::error::{ApiError, ErrorEnvelope};
use crate::input::{flag, page, read_json, ticket_id};

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

fn query<T: serde::de::DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    web::Query::<T>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::invalid_field("query", e.to_string()))
}

fn path_id(raw: &str) -> Result<TicketId, ApiError> {
    ticket_id("id", raw).map_err(|e| ApiError::invalid(vec![e]))
}

/// Query parameters of the ticket list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketListQuery {
    /// Rows per page: default 10; above 100 is served as 100.
    #[param(value_type = Option<u64>, minimum = 0, example = 10)]
    limit: Option<String>,
    /// Rows to skip: default 0.
    #[param(value_type = Option<u64>, minimum = 0, example = 0)]
    offset: Option<String>,
    /// Case-insensitive text to find in the subject, description or reference;
    /// `%` and `_` match themselves.
    #[param(example = "refund", max_length = 200)]
    keyword: Option<String>,
    /// `true` (or `1`) to get `{"count": N}` instead of rows.
    #[param(value_type = Option<bool>, example = false)]
    count: Option<String>,
}

#[utoipa::path(
    tag = "Support",
    summary = "Get Support Tickets",
    description = "The tickets the caller may see, newest first: a customer sees its own, \
                   agents and admins see all. With `count=true`, `data` is `{\"count\": N}`.",
    params(TicketListQuery),
    responses(
        (status = 200, description = "Successfully retrieved the support tickets", body = ListEnvelope<TicketDto>,
         example = json!({"status": "1", "message": LIST_TICKETS, "data": [{
            "createdBy": "admin", "createdDate": "2025-04-01T10:00:00Z", "modifiedBy": "admin",
            "modifiedDate": "2025-04-01T10:30:00Z", "id": 123, "refId": "TKT-7K3M9Q2XAB", "userId": "user01",
            "userType": "customer", "categoryId": 1, "subCategoryId": 1, "subject": "Refund Request",
            "description": "Request for a refund on order #XYZ", "isActive": true, "isDelete": false,
            "status": "open", "createdByType": "admin", "modifiedByType": "admin",
            "ticketCategory": {"createdBy": "admin", "createdDate": "2025-04-01T10:00:00Z",
                "modifiedBy": "admin", "modifiedDate": "2025-04-01T10:30:00Z", "id": 1,
                "categoryName": "Refund", "parentCategoryId": 0, "isActive": true, "isDelete": false,
                "createdByType": "admin", "modifiedByType": "admin"}}]})),
        (status = 400, description = "A query parameter is invalid", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
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
    let q: TicketListQuery = query(&req)?;
    let mut errors = Vec::new();
    let page = page(q.limit.as_deref(), q.offset.as_deref())
        .map_err(|e| errors.extend(e))
        .ok();
    let count = flag("count", q.count.as_deref())
        .map_err(|e| errors.push(e))
        .ok();
    let keyword = Keyword::parse(q.keyword.as_deref().unwrap_or(""))
        .map_err(|e| errors.push(FieldError::new("keyword", e.0)))
        .ok();
    let (Some(page), Some(count), Some(keyword), true) = (page, count, keyword, errors.is_empty())
    else {
        return Err(ApiError::invalid(errors));
    };
    let data = if count {
        ListData::Count(crate::dto::CountDto {
            count: desk.count_tickets(&user.0, keyword).await?,
        })
    } else {
        let rows = desk.list_tickets(&user.0, keyword, page).await?;
        ListData::Items(rows.iter().map(TicketDto::from).collect())
    };
    Ok(HttpResponse::Ok().json(ListEnvelope::ok(LIST_TICKETS, data)))
}

#[utoipa::path(
    tag = "Support",
    summary = "Open a ticket",
    description = "Opens a ticket in status `open`. A customer opens tickets for itself; \
                   agents and admins may name the customer in `userId`. Answers 201 with the \
                   ticket and a `Location` header.",
    request_body = OpenTicketRequest,
    responses(
        (status = 201, description = "The ticket was opened", body = Envelope<TicketDetailsDto>,
         headers(("Location" = String, description = "The new ticket's URL"))),
        (status = 400, description = "A field is invalid; `errors` lists each", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "A customer named another user in `userId`", body = ErrorEnvelope),
        (status = 413, description = "The body is too large", body = ErrorEnvelope),
        (status = 415, description = "The body is not JSON", body = ErrorEnvelope),
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
    let input = read_json::<OpenTicketRequest>(&req, body)
        .await?
        .into_input()
        .map_err(ApiError::invalid)?;
    let view = desk.open_ticket(&user.0, input).await?;
    let details = ticketd_ports::TicketDetails {
        ticket: view.ticket,
        category: view.category,
        messages: Vec::new(),
    };
    let location = format!("{PREFIX}/support-ticket/{}", details.ticket.id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(Envelope::ok(
            TICKET_CREATED,
            TicketDetailsDto::from(&details),
        )))
}

/// Query parameters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct LogListQuery {
    /// Rows per page: default 10; above 100 is served as 100.
    #[param(value_type = Option<u64>, minimum = 0, example = 10)]
    limit: Option<String>,
    /// Rows to skip: default 0.
    #[param(value_type = Option<u64>, minimum = 0, example = 0)]
    offset: Option<String>,
    /// `1` (or `true`) to get `{"count": N}` instead of rows; `0` (or `false`) for rows.
    #[param(value_type = Option<u8>, minimum = 0, maximum = 1, example = 0)]
    count: Option<String>,
    /// Only the entries of this ticket.
    #[param(value_type = Option<i64>, example = 123)]
    ticket_id: Option<String>,
}

#[utoipa::path(
    tag = "Support",
    summary = "Get Ticket Logs",
    description = "The audit log, newest first: one entry per ticket opened, message added and \
                   status changed. A customer sees the entries of its own tickets only.",
    params(LogListQuery),
    responses(
        (status = 200, description = "Successfully retrieved ticket logs", body = ListEnvelope<LogEntryDto>,
         example = json!({"status": "1", "message": LOGS, "data": [{
            "createdBy": "admin", "createdDate": "2025-04-21T01:00:00Z", "modifiedBy": "admin",
            "modifiedDate": "2025-04-21T01:00:00Z", "id": 1, "ticketId": 123,
            "actionTaken": "Updated ticket status", "actionBy": "admin", "actionByType": "admin",
            "actionAt": "2025-04-21T01:00:00Z", "isActive": true, "isDelete": false,
            "createdByType": "admin", "modifiedByType": "admin"}]})),
        (status = 400, description = "A query parameter is invalid", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
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
    let q: LogListQuery = query(&req)?;
    let mut errors = Vec::new();
    let page = page(q.limit.as_deref(), q.offset.as_deref())
        .map_err(|e| errors.extend(e))
        .ok();
    let count = flag("count", q.count.as_deref())
        .map_err(|e| errors.push(e))
        .ok();
    let ticket = match q.ticket_id.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(raw) => ticket_id("ticketId", raw)
            .map_err(|e| errors.push(e))
            .ok()
            .map(Some),
    };
    let (Some(page), Some(count), Some(ticket), true) = (page, count, ticket, errors.is_empty())
    else {
        return Err(ApiError::invalid(errors));
    };
    let data = if count {
        ListData::Count(crate::dto::CountDto {
            count: desk.count_logs(&user.0, ticket).await?,
        })
    } else {
        let rows = desk.list_logs(&user.0, ticket, page).await?;
        ListData::Items(rows.iter().map(LogEntryDto::from).collect())
    };
    Ok(HttpResponse::Ok().json(ListEnvelope::ok(LOGS, data)))
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

#[utoipa::path(
    tag = "Support",
    summary = "Get Ticket Details",
    description = "One ticket with its category and messages (oldest first), each with its attachments.",
    params(("id" = i64, Path, description = "Ticket ID", example = 123)),
    responses(
        (status = 200, description = "Successfully retrieved the ticket details", body = Envelope<TicketDetailsDto>,
         example = json!({"status": 1, "message": TICKET_DETAILS, "data": {
            "createdBy": "admin", "createdDate": "2025-04-01T10:00:00Z", "modifiedBy": "admin",
            "modifiedDate": "2025-04-01T10:30:00Z", "id": 123, "refId": "TKT-7K3M9Q2XAB", "userId": "user01",
            "userType": "customer", "categoryId": 1, "subCategoryId": 1, "subject": "Refund Request",
            "description": "Refund requested for order #XYZ", "isActive": true, "isDelete": false,
            "status": "open", "createdByType": "admin", "modifiedByType": "admin",
            "ticketCategory": {"createdBy": "admin", "createdDate": "2025-04-01T10:00:00Z",
                "modifiedBy": "admin", "modifiedDate": "2025-04-01T10:30:00Z", "id": 1,
                "categoryName": "Refund", "parentCategoryId": 0, "isActive": true, "isDelete": false,
                "createdByType": "admin", "modifiedByType": "admin"},
            "ticketMessage": [{"createdBy": "user01", "createdDate": "2025-04-01T10:00:00Z",
                "modifiedBy": "user01", "modifiedDate": "2025-04-01T10:00:00Z", "id": 456, "ticketId": 123,
                "senderId": "user01", "senderType": "customer",
                "message": "Can you please update on my refund request?", "sentAt": "2025-04-01T10:00:00Z",
                "isActive": true, "isDelete": false, "createdByType": "customer",
                "modifiedByType": "customer", "ticketAttachments": []}]}})),
        (status = 400, description = "The id is not an integer", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 404, description = "No ticket with this id that the caller may see", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/{id:\\d+}")]
async fn get_ticket(
    user: Authenticated,
    id: web::Path<String>,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let details = desk.ticket_details(&user.0, id).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok(
        TICKET_DETAILS,
        TicketDetailsDto::from(&details),
    )))
}

#[utoipa::path(
    tag = "Support",
    summary = "Add Message and Attachments to Ticket",
    description = "Adds a message, attachments, or both to a ticket that is not closed.",
    params(("id" = i64, Path, description = "Ticket ID", example = 123)),
    request_body(content = AddMessageRequest, example = json!({
        "message": "Can you provide an update on my request?",
        "attachments": [{"fileName": "attachment1.pdf", "filePath": "/uploads/attachment1.pdf"}]})),
    responses(
        (status = 200, description = "Successfully added message and attachments to the ticket", body = Envelope<AddedMessageDto>,
         example = json!({"status": 1, "message": MESSAGE_ADDED, "data": {
            "ticketId": 123, "message": "Can you provide an update on my request?",
            "attachments": [{"fileName": "attachment1.pdf", "filePath": "/uploads/attachment1.pdf"}],
            "id": 456, "sentAt": "2025-04-01T10:00:00Z"}})),
        (status = 400, description = "A field is invalid; `errors` lists each", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 404, description = "No ticket with this id that the caller may see", body = ErrorEnvelope),
        (status = 409, description = "The ticket is closed", body = ErrorEnvelope),
        (status = 413, description = "The body is too large", body = ErrorEnvelope),
        (status = 415, description = "The body is not JSON", body = ErrorEnvelope),
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
    let input = read_json::<AddMessageRequest>(&req, body)
        .await?
        .into_input()
        .map_err(ApiError::invalid)?;
    let message = desk.add_message(&user.0, id, input).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok(MESSAGE_ADDED, AddedMessageDto::from(&message))))
}

#[utoipa::path(
    tag = "Support",
    summary = "Update Ticket Status",
    description = "Sets the status by code: 1 open, 2 in_progress, 3 pending, 4 resolved, 5 closed. \
                   Agents and admins may set any status; a customer may close its ticket (5) or \
                   reopen a resolved one (1).",
    params(("id" = i64, Path, description = "Ticket ID", example = 123)),
    request_body(content = UpdateStatusRequest, example = json!({"status": 1})),
    responses(
        (status = 200, description = "Successfully updated ticket status", body = Envelope<StatusUpdatedDto>,
         example = json!({"status": 1, "message": STATUS_UPDATED, "data": {"id": 123, "status": 2}})),
        (status = 400, description = "The status is missing or not a code 1-5", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller may not make this change", body = ErrorEnvelope),
        (status = 404, description = "No ticket with this id that the caller may see", body = ErrorEnvelope),
        (status = 409, description = "The status changed meanwhile; read the ticket again", body = ErrorEnvelope),
        (status = 413, description = "The body is too large", body = ErrorEnvelope),
        (status = 415, description = "The body is not JSON", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[put("/support-ticket/{id:\\d+}")]
async fn update_status(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let status = read_json::<UpdateStatusRequest>(&req, body)
        .await?
        .into_status()
        .map_err(ApiError::invalid)?;
    let view = desk.change_status(&user.0, id, status).await?;
    let data = StatusUpdatedDto {
        id: view.ticket.id.get(),
        status: view.ticket.status.code(),
    };
    Ok(HttpResponse::Ok().json(Envelope::ok(STATUS_UPDATED, data)))
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
        .service(list_tickets)
        .service(open_ticket)
        .service(list_logs)
        .service(list_categories)
        .service(create_category)
        .service(get_ticket)
        .service(add_message)
        .service(update_status)
}
