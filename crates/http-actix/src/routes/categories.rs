//! Ticket categories: the list, and creating one.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use ticketd_app::SupportDesk;

use crate::auth::Authenticated;
use crate::dto::{CategoryDto, CreateCategoryRequest};
use crate::envelope::Envelope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::input::read_json;

const CATEGORIES: &str = "Categories retrieved successfully";
const CATEGORY_CREATED: &str = "Category created successfully";

/// A category as the examples show it: made by an admin, as every category is.
fn category_example() -> serde_json::Value {
    serde_json::json!({
        "createdBy": "admin1", "createdDate": "2025-04-01T10:00:00Z",
        "modifiedBy": "admin1", "modifiedDate": "2025-04-01T10:00:00Z",
        "createdByType": "admin", "modifiedByType": "admin",
        "id": 1, "categoryName": "Refund", "parentCategoryId": 0,
        "isActive": true, "isDelete": false})
}

#[utoipa::path(
    tag = "Categories",
    summary = "List categories",
    description = "Every active category as a flat list; `parentCategoryId` is 0 for a top-level one.",
    responses(
        (status = 200, description = "The categories", body = Envelope<Vec<CategoryDto>>,
         example = json!({"status": 1, "message": CATEGORIES, "data": [category_example()]})),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 503, description = "The database is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[get("/support-ticket/categories")]
pub(super) async fn list_categories(
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
        (status = 201, description = "The category was created", body = Envelope<CategoryDto>,
         example = json!({"status": 1, "message": CATEGORY_CREATED, "data": category_example()})),
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
pub(super) async fn create_category(
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
