//! The events of changes, for integrations.

use actix_web::{HttpRequest, HttpResponse, get, web};
use ticketd_app::{EventQuery, FieldError, SupportDesk};
use ticketd_domain::EventType;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::dto::EventDto;
use crate::envelope::ListEnvelope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::query::{QueryParams, checked, page_params, ticket_id};

use super::page_response;

const EVENTS: &str = "Events retrieved successfully";

/// Query parameters of the event list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documents the parameters; the handler reads them
pub struct EventListQuery {
    /// Events per page: default 10; above 100 is served as 100.
    #[param(value_type = Option<u64>, minimum = 0, example = 10)]
    limit: Option<String>,
    /// Events to skip: default 0, at most 10000 (read on with `cursor`).
    #[param(value_type = Option<u64>, minimum = 0, maximum = 10000, example = 0)]
    offset: Option<String>,
    /// The `nextCursor` of the page before: this page starts right after it
    /// (keep the other parameters as they were). A reader that keeps the last
    /// `nextCursor` it got and asks again later misses no event: events become
    /// readable in order, a moment after their change.
    #[param(pattern = r"^[A-Za-z0-9_-]{1,200}$")]
    cursor: Option<String>,
    /// Only events of these types, separated by commas (`ticket.created,message.created`).
    #[param(value_type = Option<String>, example = "message.created")]
    r#type: Option<String>,
    /// Only the events of this ticket.
    #[param(value_type = Option<i64>, minimum = 1)]
    ticket_id: Option<String>,
}

#[utoipa::path(
    tag = "Events",
    summary = "List events",
    description = "Admins only. Every change that writes an audit-log entry writes its events \
                   in the same transaction: `ticket.created`, `ticket.updated` (with the \
                   changes, as in the history), `ticket.status_changed`, `ticket.assigned`, \
                   `message.created` (internal notes too, with `visibility`), `ticket.deleted` \
                   and `ticket.restored`. Oldest first; each carries the ticket as the change \
                   left it. Events are kept for `TICKETD_EVENT_RETENTION_DAYS` days.",
    params(EventListQuery),
    responses(
        (status = 200, description = "A page of events", body = ListEnvelope<EventDto>,
         example = json!({"status": "1", "message": EVENTS, "data": [{
            "id": "evt_42", "type": "ticket.assigned", "timestamp": "2025-04-01T10:05:00Z",
            "ticketId": 123, "actorId": "admin1", "actorType": "admin", "visibility": "public",
            "data": {"ticket": {
                "createdBy": "user01", "createdByType": "customer", "createdDate": "2025-04-01T10:00:00Z",
                "modifiedBy": "admin1", "modifiedByType": "admin", "modifiedDate": "2025-04-01T10:05:00Z",
                "id": 123, "refId": "TKT-7K3M9Q2XAB", "userId": "user01", "userType": "customer",
                "categoryId": 1, "subCategoryId": 0, "subject": "Refund Request",
                "description": "Request for a refund on order #XYZ", "isActive": true,
                "isDelete": false, "status": "open", "priority": "normal", "assigneeId": "agent7",
                "ticketCategory": {"createdBy": "admin1", "createdByType": "admin",
                    "createdDate": "2025-04-01T09:00:00Z", "modifiedBy": "admin1",
                    "modifiedByType": "admin", "modifiedDate": "2025-04-01T09:00:00Z", "id": 1,
                    "categoryName": "Refund", "parentCategoryId": 0, "isActive": true, "isDelete": false}},
              "changes": [{"field": "assigneeId", "from": null, "to": "agent7"}]}}],
            "nextCursor": null})),
        (status = 400, description = "A query parameter is invalid", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/events")]
pub(super) async fn list_events(
    user: Authenticated,
    req: HttpRequest,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let q = QueryParams::parse(&req)?;
    let mut errors = Vec::new();
    let page = page_params(&q, &mut errors);
    if q.one("count").is_some() {
        errors.push(FieldError::new("count", "is not offered for events"));
    }
    let mut query = EventQuery::default();
    for raw in q.list("type") {
        match EventType::parse(raw) {
            Ok(t) => query.types.push(t),
            Err(e) => errors.push(FieldError::new("type", format!("{raw:?} {}", e.0))),
        }
    }
    if let Some(raw) = q.one("ticketId") {
        match ticket_id("ticketId", raw) {
            Ok(id) => query.ticket_id = Some(id),
            Err(e) => errors.push(e),
        }
    }
    checked(errors)?;
    let page = desk.list_events(&user.0, query, &page).await?;
    Ok(page_response::<_, EventDto>(EVENTS, page))
}

/// Headers of the live stream.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // documents the header; the handler reads it
pub struct StreamHeaders {
    /// The `id` of the last event received: the stream resumes right after
    /// it, with every event missed meanwhile (as long as it is kept).
    /// Browsers' `EventSource` sends it by itself when it reconnects.
    #[param(rename = "Last-Event-ID", pattern = r"^[A-Za-z0-9_-]{1,200}$")]
    last_event_id: Option<String>,
}

#[utoipa::path(
    tag = "Events",
    summary = "Follow events live",
    description = "Server-Sent Events (`text/event-stream`), for any signed-in user: each event the \
                   caller may see, as it happens, one frame each: `id:` (give it back as \
                   `Last-Event-ID` to resume), `event:` (the type) and `data:` (the event as the \
                   event list shows it). A customer gets the public events of its own tickets \
                   (never an internal note, another customer's ticket or a deleted ticket's \
                   events); staff get every event, internal notes included. A comment \
                   (`: keep-alive`) comes every 15 seconds of silence. The stream ends when the \
                   server stops; reconnect with `Last-Event-ID`.",
    params(StreamHeaders),
    responses(
        (status = 200, description = "The stream; it stays open", content_type = "text/event-stream", body = String,
         example = json!("retry: 2000\n: connected\n\nid: MTplOjQyOjQy\nevent: message.created\ndata: {\"id\":\"evt_42\",\"type\":\"message.created\",...}\n\n")),
        (status = 400, description = "`Last-Event-ID` is not an id this stream sent", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/events/stream")]
pub(super) async fn event_stream(
    user: Authenticated,
    req: HttpRequest,
    desk: web::Data<SupportDesk>,
    hub: web::Data<crate::EventHub>,
    settings: web::Data<crate::HttpSettings>,
    draining: web::Data<crate::Draining>,
) -> Result<HttpResponse, ApiError> {
    let resume = match req.headers().get("last-event-id") {
        None => None,
        Some(raw) => {
            let bad = || {
                ApiError::invalid(vec![FieldError::new(
                    "Last-Event-ID",
                    "is not an id this stream sent",
                )])
            };
            let text = raw.to_str().map_err(|_| bad())?;
            let cursor = ticketd_app::Cursor::decode(text, ticketd_app::ListOrder::Events)
                .map_err(|_| bad())?;
            Some(cursor.position)
        }
    };
    // Where the stream starts is read before the answer begins: a database
    // that is away is a 503 now, not a stream that ends at once.
    desk.last_event_position().await?;
    let frames = crate::stream::event_stream(
        &hub,
        desk.get_ref().clone(),
        user.0.clone(),
        resume,
        settings.event_stream_heartbeat,
        draining,
    )
    .await;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(frames))
}
