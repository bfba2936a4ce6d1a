//! The service-level policy: read by staff, set by admins.

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use ticketd_app::SupportDesk;

use crate::auth::Authenticated;
use crate::dto::SlaPolicyDto;
use crate::envelope::Envelope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::input::read_json;

const POLICY: &str = "Service-level policy retrieved successfully";
const POLICY_SET: &str = "Service-level policy updated";

fn policy_example() -> serde_json::Value {
    serde_json::json!({
        "targets": {
            "low": {"firstResponseMinutes": 1440, "resolutionMinutes": 7200},
            "normal": {"firstResponseMinutes": 480, "resolutionMinutes": 2880},
            "high": {"firstResponseMinutes": 240, "resolutionMinutes": 1440},
            "urgent": {"firstResponseMinutes": 60, "resolutionMinutes": 240}},
        "businessHours": {"timeZone": "Europe/Berlin", "days": ["mon", "tue", "wed", "thu", "fri"],
            "opens": "09:00", "closes": "17:00"}})
}

#[utoipa::path(
    tag = "Service levels",
    summary = "Get the service-level policy",
    description = "Agents and admins. The targets of each priority and how time is counted. \
                   Until an admin sets one, the default holds: first response / resolution \
                   low 24 h / 5 days, normal 8 h / 2 days, high 4 h / 1 day, urgent 1 h / 4 h, \
                   on the calendar.",
    responses(
        (status = 200, description = "The policy in force", body = Envelope<SlaPolicyDto>,
         example = json!({"status": 1, "message": POLICY, "data": policy_example()})),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is a customer", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/sla-policy")]
pub(super) async fn get_sla_policy(
    user: Authenticated,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let policy = desk.sla_policy(&user.0).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok(POLICY, SlaPolicyDto::from(&policy))))
}

#[utoipa::path(
    tag = "Service levels",
    summary = "Set the service-level policy",
    description = "Admins only. Replaces the whole policy. It applies to tickets opened, or given \
                   another priority, from now on; running clocks keep the targets they started \
                   with. With `businessHours`, clocks count only working time in that time zone.",
    request_body(content = SlaPolicyDto, example = json!(policy_example())),
    responses(
        (status = 200, description = "The policy now in force", body = Envelope<SlaPolicyDto>,
         example = json!({"status": 1, "message": POLICY_SET, "data": policy_example()})),
        (status = 400, description = "A field is invalid; `errors` lists each", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 413, description = "The body is too large", body = ErrorEnvelope),
        (status = 415, description = "The body is not JSON", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[put("/support-ticket/sla-policy")]
pub(super) async fn set_sla_policy(
    user: Authenticated,
    req: HttpRequest,
    body: web::Payload,
    desk: web::Data<SupportDesk>,
) -> Result<HttpResponse, ApiError> {
    let policy = read_json::<SlaPolicyDto>(&req, body)
        .await?
        .into_policy()
        .map_err(ApiError::invalid)?;
    let policy = desk.set_sla_policy(&user.0, policy).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok(POLICY_SET, SlaPolicyDto::from(&policy))))
}
