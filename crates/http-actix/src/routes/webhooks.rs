//! Webhook endpoints, their deliveries and attempts (admins only).

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use ticketd_app::{FieldError, SupportDesk};
use ticketd_domain::{DeliveryId, EndpointId};
use utoipa::IntoParams;

use crate::HttpSettings;
use crate::auth::Authenticated;
use crate::dto::{
    AttemptDto, CreateWebhookRequest, DeliveryDetailsDto, DeliveryDto, RotateSecretRequest,
    UpdateWebhookRequest, WebhookDto, WebhookWithSecretDto,
};
use crate::envelope::{Envelope, ListEnvelope};
use crate::error::{ApiError, ErrorEnvelope};
use crate::input::read_json;
use crate::query::{QueryParams, checked, page_params};

use super::page_response;
use crate::webhooks::guard::check_url;

const REGISTERED: &str = "Webhook endpoint registered";
const ENDPOINTS: &str = "Webhook endpoints retrieved successfully";
const ENDPOINT: &str = "Webhook endpoint retrieved successfully";
const UPDATED: &str = "Webhook endpoint updated";
const DELETED: &str = "Webhook endpoint deleted";
const ROTATED: &str = "Webhook secret rotated";
const DELIVERIES: &str = "Deliveries retrieved successfully";
const DELIVERY: &str = "Delivery retrieved successfully";
const RESENT: &str = "Delivery queued to be sent again";

fn path_id(name: &str, raw: &str) -> Result<i64, ApiError> {
    crate::query::ticket_id(name, raw)
        .map(|id| id.get())
        .map_err(|e| ApiError::invalid(vec![e]))
}

fn endpoint_id(raw: &str) -> Result<EndpointId, ApiError> {
    path_id("id", raw).map(EndpointId)
}

fn ids(raw: &(String, String)) -> Result<(EndpointId, DeliveryId), ApiError> {
    Ok((
        endpoint_id(&raw.0)?,
        DeliveryId(path_id("deliveryId", &raw.1)?),
    ))
}

/// The guard on where an endpoint's URL points, as the server is set.
fn reachable(settings: &HttpSettings) -> impl AsyncFnOnce(url::Url) -> Result<(), String> {
    let allow_private = settings.webhook_allow_private;
    async move |url: url::Url| check_url(&url, allow_private).await
}

fn endpoint_example() -> serde_json::Value {
    serde_json::json!({
        "id": 1, "url": "https://crm.example.com/hooks/ticketd", "description": "CRM sync",
        "eventTypes": ["ticket.created", "message.created"], "includeInternal": false,
        "active": true, "disabledReason": null, "previousSecretExpiresAt": null,
        "lastSuccessAt": "2025-04-01T10:05:00Z", "createdBy": "admin1", "createdByType": "admin",
        "createdDate": "2025-04-01T10:00:00Z", "modifiedDate": "2025-04-01T10:00:00Z"})
}

fn with_secret() -> serde_json::Value {
    let mut e = endpoint_example();
    e["secret"] = serde_json::json!("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    e["lastSuccessAt"] = serde_json::Value::Null;
    e
}

fn delivery_example() -> serde_json::Value {
    serde_json::json!({
        "id": 7, "eventId": "evt_42", "eventType": "message.created", "ticketId": 123,
        "state": "pending", "attempts": 2, "nextAttemptAt": "2025-04-01T10:05:20Z",
        "createdDate": "2025-04-01T10:05:00Z", "doneAt": null})
}

#[utoipa::path(
    tag = "Webhooks",
    summary = "Register a webhook endpoint",
    description = "Admins only. The endpoint receives the events that happen from now on, each \
                   POSTed as JSON (the event list's shape) and signed as the Standard Webhooks \
                   specification has it. The answer holds the `secret` that signs them: it is \
                   shown only here (and at rotation). Internal events reach it only with \
                   `includeInternal: true`.",
    request_body(content = CreateWebhookRequest, example = json!({
        "url": "https://crm.example.com/hooks/ticketd", "description": "CRM sync",
        "eventTypes": ["ticket.created", "message.created"]})),
    responses(
        (status = 201, description = "Registered; keep the secret", body = Envelope<WebhookWithSecretDto>,
         example = json!({"status": 1, "message": REGISTERED, "data": with_secret()})),
        (status = 400, description = "A field is invalid (a URL that is not https, or resolves to a refused address); `errors` lists each", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 413, description = "The body is too large", body = ErrorEnvelope),
        (status = 415, description = "The body is not JSON", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[post("/support-ticket/webhooks")]
pub(super) async fn register_webhook(
    user: Authenticated,
    req: HttpRequest,
    body: web::Payload,
    desk: web::Data<SupportDesk>,
    settings: web::Data<HttpSettings>,
) -> Result<HttpResponse, ApiError> {
    let input = read_json::<CreateWebhookRequest>(&req, body)
        .await?
        .into_input()
        .map_err(ApiError::invalid)?;
    let endpoint = desk
        .register_webhook(&user.0, input, reachable(&settings))
        .await?;
    Ok(HttpResponse::Created().json(Envelope::ok(
        REGISTERED,
        WebhookWithSecretDto::from(&endpoint),
    )))
}

#[utoipa::path(
    tag = "Webhooks",
    summary = "List webhook endpoints",
    description = "Admins only. Every endpoint, by id, without secrets.",
    responses(
        (status = 200, description = "The endpoints", body = Envelope<Vec<WebhookDto>>,
         example = json!({"status": 1, "message": ENDPOINTS, "data": [endpoint_example()]})),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/webhooks")]
pub(super) async fn list_webhooks(
    user: Authenticated,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let rows = desk.list_webhooks(&user.0).await?;
    let data: Vec<WebhookDto> = rows.iter().map(WebhookDto::from).collect();
    Ok(HttpResponse::Ok().json(Envelope::ok(ENDPOINTS, data)))
}

#[utoipa::path(
    tag = "Webhooks",
    summary = "Get a webhook endpoint",
    description = "Admins only. `disabledReason` says why the server turned it off, if it did.",
    params(("id" = i64, Path, description = "Endpoint ID", minimum = 1, example = 1)),
    responses(
        (status = 200, description = "The endpoint", body = Envelope<WebhookDto>,
         example = json!({"status": 1, "message": ENDPOINT, "data": endpoint_example()})),
        (status = 400, description = "The id is not a positive integer", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such endpoint", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/webhooks/{id}")]
pub(super) async fn get_webhook(
    user: Authenticated,
    id: web::Path<String>,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let endpoint = desk.webhook(&user.0, endpoint_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok(ENDPOINT, WebhookDto::from(&endpoint))))
}

#[utoipa::path(
    tag = "Webhooks",
    summary = "Change a webhook endpoint",
    description = "Admins only. The fields given change. `active: true` turns an endpoint the \
                   server turned off back on (events that happened while it was off are not \
                   sent; failed deliveries can be re-sent).",
    params(("id" = i64, Path, description = "Endpoint ID", minimum = 1, example = 1)),
    request_body(content = UpdateWebhookRequest, example = json!({"active": true})),
    responses(
        (status = 200, description = "The endpoint as it is now", body = Envelope<WebhookDto>,
         example = json!({"status": 1, "message": UPDATED, "data": endpoint_example()})),
        (status = 400, description = "A field is invalid; `errors` lists each", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such endpoint", body = ErrorEnvelope),
        (status = 413, description = "The body is too large", body = ErrorEnvelope),
        (status = 415, description = "The body is not JSON", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[put("/support-ticket/webhooks/{id}")]
pub(super) async fn update_webhook(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
    desk: web::Data<SupportDesk>,
    settings: web::Data<HttpSettings>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&id)?;
    let change = read_json::<UpdateWebhookRequest>(&req, body)
        .await?
        .into_change()
        .map_err(ApiError::invalid)?;
    let endpoint = desk
        .update_webhook(&user.0, id, change, reachable(&settings))
        .await?;
    Ok(HttpResponse::Ok().json(Envelope::ok(UPDATED, WebhookDto::from(&endpoint))))
}

#[utoipa::path(
    tag = "Webhooks",
    summary = "Delete a webhook endpoint",
    description = "Admins only. Removes the endpoint with its deliveries and their attempts.",
    params(("id" = i64, Path, description = "Endpoint ID", minimum = 1, example = 1)),
    responses(
        (status = 200, description = "Deleted", body = Envelope<Option<String>>,
         example = json!({"status": 1, "message": DELETED, "data": null})),
        (status = 400, description = "The id is not a positive integer", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such endpoint", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[delete("/support-ticket/webhooks/{id}")]
pub(super) async fn delete_webhook(
    user: Authenticated,
    id: web::Path<String>,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    desk.delete_webhook(&user.0, endpoint_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(Envelope::<Option<String>>::ok(DELETED, None)))
}

#[utoipa::path(
    tag = "Webhooks",
    summary = "Rotate a webhook secret",
    description = "Admins only. Gives the endpoint a new secret, answered once. The old one keeps \
                   signing beside it for `graceSeconds` (a day by default): each delivery carries \
                   both signatures, so a receiver that still has the old secret verifies until \
                   it switches.",
    params(("id" = i64, Path, description = "Endpoint ID", minimum = 1, example = 1)),
    request_body(content = Option<RotateSecretRequest>, description = "May be left out (or `null`): the old secret then signs for a day more", example = json!({"graceSeconds": 86400})),
    responses(
        (status = 200, description = "The endpoint with its new secret", body = Envelope<WebhookWithSecretDto>,
         example = json!({"status": 1, "message": ROTATED, "data": with_secret()})),
        (status = 400, description = "`graceSeconds` is out of range, or the id is not a positive integer", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such endpoint", body = ErrorEnvelope),
        (status = 413, description = "The body is too large", body = ErrorEnvelope),
        (status = 415, description = "The body is not JSON", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[post("/support-ticket/webhooks/{id}/rotate-secret")]
pub(super) async fn rotate_webhook_secret(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&id)?;
    // The body may be left out: the default grace applies.
    use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
    let headers = req.headers();
    let bodiless = headers.get(CONTENT_LENGTH).is_none_or(|v| v == "0")
        && !headers.contains_key(TRANSFER_ENCODING);
    let request = if bodiless {
        RotateSecretRequest::default()
    } else {
        let bytes = crate::input::read_body(&req, body).await?;
        // `null` is no body too (the document's body is optional).
        if bytes.trim_ascii() == b"null" {
            RotateSecretRequest::default()
        } else {
            crate::input::parse_json(&bytes)?
        }
    };
    let grace = request.grace().map_err(ApiError::invalid)?;
    let endpoint = desk.rotate_webhook_secret(&user.0, id, grace).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok(ROTATED, WebhookWithSecretDto::from(&endpoint))))
}

/// Query parameters of an endpoint's deliveries.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documents the parameters; the handler reads them
pub struct DeliveryListQuery {
    /// Deliveries per page: default 10; above 100 is served as 100.
    #[param(value_type = Option<u64>, minimum = 0, example = 10)]
    limit: Option<String>,
    /// Deliveries to skip: default 0, at most 10000 (read on with `cursor`).
    #[param(value_type = Option<u64>, minimum = 0, maximum = 10000, example = 0)]
    offset: Option<String>,
    /// The `nextCursor` of the page before: this page starts right after it.
    #[param(pattern = r"^[A-Za-z0-9_-]{1,200}$")]
    cursor: Option<String>,
}

#[utoipa::path(
    tag = "Webhooks",
    summary = "List an endpoint's deliveries",
    description = "Admins only. Newest first: each event queued for the endpoint, where its \
                   delivery stands, and how many attempts it took.",
    params(("id" = i64, Path, description = "Endpoint ID", minimum = 1, example = 1), DeliveryListQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = ListEnvelope<DeliveryDto>,
         example = json!({"status": "1", "message": DELIVERIES, "data": [delivery_example()], "nextCursor": null})),
        (status = 400, description = "A query parameter is invalid", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such endpoint", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/webhooks/{id}/deliveries")]
pub(super) async fn list_deliveries(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&id)?;
    let q = QueryParams::parse(&req)?;
    let mut errors: Vec<FieldError> = Vec::new();
    let page = page_params(&q, &mut errors);
    checked(errors)?;
    let page = desk.webhook_deliveries(&user.0, id, &page).await?;
    Ok(page_response::<_, DeliveryDto>(DELIVERIES, page))
}

#[utoipa::path(
    tag = "Webhooks",
    summary = "Get a delivery with its attempts",
    description = "Admins only. Each attempt: when, the status the endpoint answered (or why none \
                   came), and how long it took.",
    params(
        ("id" = i64, Path, description = "Endpoint ID", minimum = 1, example = 1),
        ("deliveryId" = i64, Path, description = "Delivery ID", minimum = 1, example = 7),
    ),
    responses(
        (status = 200, description = "The delivery", body = Envelope<DeliveryDetailsDto>,
         example = json!({"status": 1, "message": DELIVERY, "data": {
             "id": 7, "eventId": "evt_42", "eventType": "message.created", "ticketId": 123,
             "state": "delivered", "attempts": 2, "nextAttemptAt": null,
             "createdDate": "2025-04-01T10:05:00Z", "doneAt": "2025-04-01T10:05:06Z",
             "attemptsMade": [
                 {"attemptedAt": "2025-04-01T10:05:01Z", "statusCode": 503, "durationMs": 84, "error": "Service Unavailable"},
                 {"attemptedAt": "2025-04-01T10:05:06Z", "statusCode": 204, "durationMs": 31, "error": null}]}})),
        (status = 400, description = "An id is not a positive integer", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such endpoint, or no such delivery of it", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/webhooks/{id}/deliveries/{deliveryId}")]
pub(super) async fn get_delivery(
    user: Authenticated,
    path: web::Path<(String, String)>,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let (endpoint, id) = ids(&path)?;
    let (delivery, attempts) = desk.delivery_attempts(&user.0, endpoint, id).await?;
    let data = DeliveryDetailsDto {
        delivery: DeliveryDto::from(&delivery),
        attempts_made: attempts.iter().map(AttemptDto::from).collect(),
    };
    Ok(HttpResponse::Ok().json(Envelope::ok(DELIVERY, data)))
}

#[utoipa::path(
    tag = "Webhooks",
    summary = "Send a delivery again",
    description = "Admins only. A delivery that is done (failed, or delivered) is queued again \
                   now, and retried for a day like a new one; its attempts are kept. Turn a \
                   disabled endpoint back on first, or the delivery waits.",
    params(
        ("id" = i64, Path, description = "Endpoint ID", minimum = 1, example = 1),
        ("deliveryId" = i64, Path, description = "Delivery ID", minimum = 1, example = 7),
    ),
    responses(
        (status = 200, description = "Queued again", body = Envelope<DeliveryDto>,
         example = json!({"status": 1, "message": RESENT, "data": delivery_example()})),
        (status = 400, description = "An id is not a positive integer", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such endpoint, or no such delivery of it", body = ErrorEnvelope),
        (status = 409, description = "The delivery is still pending", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[post("/support-ticket/webhooks/{id}/deliveries/{deliveryId}/resend")]
pub(super) async fn resend_delivery(
    user: Authenticated,
    path: web::Path<(String, String)>,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let (endpoint, id) = ids(&path)?;
    let delivery = desk.resend_delivery(&user.0, endpoint, id).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok(RESENT, DeliveryDto::from(&delivery))))
}
