//! The handlers of `/backend/api`, one module per resource, each handler
//! with its OpenAPI description; what they share is here.

mod categories;
mod changes;
mod events;
mod logs;
mod messages;
mod sla;
mod tickets;
mod webhooks;

use actix_web::HttpResponse;
use ticketd_app::{AppError, Count, ListPage};
use utoipa::IntoParams;

use crate::dto::CountDto;
use crate::envelope::ListEnvelope;
use crate::error::ApiError;

/// Where the API lives.
pub const PREFIX: &str = "/backend/api";

/// The message of the details answer (its ETag hashes the whole envelope).
pub(crate) const TICKET_DETAILS: &str = "Ticket details retrieved successfully";

/// The header that repeats a count answer's number of matching rows.
pub(crate) const TOTAL_COUNT: actix_web::http::header::HeaderName =
    actix_web::http::header::HeaderName::from_static("x-total-count");

/// The paging parameters every list takes.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documents the parameters; `query::paging` reads them
pub struct PagingQuery {
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
    #[param(value_type = Option<crate::openapi::Flag>, inline)]
    count: Option<String>,
}

/// A list call's answer: `{"count": N, "capped": ...}` when the client asked
/// for a count, else the page. Only the one asked for is read (a future does
/// nothing until awaited).
pub(crate) async fn rows_or_count<R, T>(
    message: &str,
    count: bool,
    counted: impl Future<Output = Result<Count, AppError>>,
    rows: impl Future<Output = Result<ListPage<R>, AppError>>,
) -> Result<HttpResponse, ApiError>
where
    T: serde::Serialize + for<'a> From<&'a R>,
{
    Ok(if count {
        count_response(message, counted.await?)
    } else {
        page_response::<R, T>(message, rows.await?)
    })
}

/// A page of a list, with the cursor of the next page.
pub(super) fn page_response<R, T>(message: &str, page: ListPage<R>) -> HttpResponse
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
        .service(tickets::list_tickets)
        .service(tickets::open_ticket)
        .service(logs::list_logs)
        .service(events::list_events)
        .service(events::event_stream)
        .service(webhooks::register_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::get_webhook)
        .service(webhooks::update_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::rotate_webhook_secret)
        .service(webhooks::list_deliveries)
        .service(webhooks::get_delivery)
        .service(webhooks::resend_delivery)
        .service(sla::get_sla_policy)
        .service(sla::set_sla_policy)
        .service(categories::list_categories)
        .service(categories::create_category)
        .service(tickets::get_ticket)
        .service(messages::add_message)
        .service(changes::update_ticket)
        .service(changes::delete_ticket)
        .service(changes::restore_ticket)
        .service(logs::ticket_history)
}
