//! Messages: adding one (with attachments, or as an internal note).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use ticketd_app::SupportDesk;

use crate::auth::Authenticated;
use crate::dto::{AddMessageRequest, AddedMessageDto};
use crate::envelope::Envelope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::idempotency::{idempotency_key, idempotent, json_body};
use crate::input::{parse_json, read_body};
use crate::query::path_ticket_id;

const MESSAGE_ADDED: &str = "Message and attachments added successfully";

#[utoipa::path(
    tag = "Messages",
    summary = "Add Message and Attachments to Ticket",
    description = "Adds a message, attachments, or both to a ticket that is not closed. Agents \
                   and admins may write internal notes (`visibility: internal`) that customers \
                   never see. A customer's reply to a pending or resolved ticket reopens it.",
    params(
        ("id" = i64, Path, description = "Ticket ID", minimum = 1, example = 123),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "1-255 visible ASCII characters; a retry with the same key and body replays the first answer (with `Idempotent-Replayed: true`) instead of posting the message twice"),
    ),
    request_body(content = AddMessageRequest, examples(
        ("1-message" = (summary = "A message",
            value = json!({"message": "Can you provide an update on my request?"}))),
        ("2-with-file" = (summary = "A message with a file uploaded first",
            description = "Upload the file with **Upload Files** (just above) and put the `filePath` it answered here: a path that names no upload of yours is refused.",
            value = json!({"message": "Here is the invoice.",
                "attachments": [{"fileName": "invoice.pdf", "filePath": "/uploads/3f9c2a7e5b1d4c8f9a0b1c2d3e4f5a6b"}]}))),
        ("3-internal-note" = (summary = "An internal note (agents and admins)",
            description = "Customers never see it, nor its files.",
            value = json!({"message": "Customer called; refund approved by billing.", "visibility": "internal"}))),
    )),
    responses(
        (status = 200, description = "Successfully added message and attachments to the ticket", body = Envelope<AddedMessageDto>,
         example = json!({"status": 1, "message": MESSAGE_ADDED, "data": {
            "ticketId": 123, "message": "Can you provide an update on my request?",
            "attachments": [{"fileName": "invoice.pdf", "filePath": "/uploads/3f9c2a7e5b1d4c8f9a0b1c2d3e4f5a6b"}],
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
pub(super) async fn add_message(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = path_ticket_id(&id)?;
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
