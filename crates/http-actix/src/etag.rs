//! Entity tags of the ticket details, and `If-Match` on changes: a change
//! decided on a stale read answers 412 instead of overwriting.

use actix_web::HttpRequest;
use actix_web::http::{StatusCode, header};
use sha2::{Digest, Sha256};
use ticketd_app::SupportDesk;
use ticketd_domain::{Actor, TicketId};

use crate::dto::TicketDetailsDto;
use crate::envelope::Envelope;
use crate::error::ApiError;
use crate::routes::TICKET_DETAILS;

/// The entity tag of the details answer: a hash of its bytes without download
/// links, so it changes whenever anything the caller sees of the ticket
/// changes, and not when only the links' expiry moves.
pub(crate) fn details_tag(dto: &TicketDetailsDto) -> Result<String, ApiError> {
    let body = serde_json::to_vec(&Envelope::ok(TICKET_DETAILS, dto))
        .map_err(|e| ApiError::internal(format!("serialising ticket details: {e}")))?;
    // 128 bits of SHA-256: stable across builds and processes.
    let digest = Sha256::digest(&body);
    Ok(format!("\"{}\"", hex::encode(&digest[..16])))
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

/// The version the client's `If-Match` names, if it sent one: the ticket's
/// current version when a tag matches the current details, else `Stale`.
pub(crate) async fn if_match(
    req: &HttpRequest,
    desk: &SupportDesk,
    user: &Actor,
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
            StatusCode::PRECONDITION_FAILED,
            format!(
                "ticket {id} changed since it was read (its ETag is now {current}); read it again"
            ),
        ));
    }
    Ok(Some(details.ticket.version))
}
