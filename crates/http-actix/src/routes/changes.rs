//! Changes to a ticket: its status and fields, deleting and restoring it.

use actix_web::{HttpRequest, HttpResponse, delete, post, put, web};
use ticketd_app::SupportDesk;

use crate::auth::Authenticated;
use crate::dto::{TicketDto, TicketUpdatedDto, UpdateTicketRequest};
use crate::envelope::Envelope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::etag::if_match;
use crate::input::read_json;
use crate::query::path_ticket_id;

const STATUS_UPDATED: &str = "Ticket status updated successfully";
const TICKET_UPDATED: &str = "Ticket updated successfully";
const TICKET_DELETED: &str = "Ticket deleted successfully";
const TICKET_RESTORED: &str = "Ticket restored successfully";

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
pub(super) async fn update_ticket(
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let id = path_ticket_id(&id)?;
    let changes = read_json::<UpdateTicketRequest>(&req, body)
        .await?
        .into_changes()
        .map_err(ApiError::invalid)?;
    let only_status = changes.only_status();
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
pub(super) async fn delete_ticket(
    user: Authenticated,
    id: web::Path<String>,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    set_deleted(&user, &id, &desk, true, TICKET_DELETED).await
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
pub(super) async fn restore_ticket(
    user: Authenticated,
    id: web::Path<String>,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    set_deleted(&user, &id, &desk, false, TICKET_RESTORED).await
}

/// Deletes (`deleted`) or restores the ticket of the path, answering the
/// ticket as it is then.
async fn set_deleted(
    user: &Authenticated,
    id: &str,
    desk: &SupportDesk,
    deleted: bool,
    message: &str,
) -> Result<HttpResponse, ApiError> {
    let id = path_ticket_id(id)?;
    let view = desk.set_deleted(&user.0, id, deleted).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok(message, TicketDto::from(&view))))
}
