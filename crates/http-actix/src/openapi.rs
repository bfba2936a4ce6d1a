//! The OpenAPI document, and the route table derived from it that answers
//! unknown paths (404) and wrong methods (405 with `Allow`).

use actix_router::ResourceDef;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::{Modify, OpenApi as _};

use crate::error::{ApiError, ErrorEnvelope, FieldErrorDto};

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "ticketd",
        description = "The support-ticket API. Every `/backend/api` call needs \
                       `Authorization: Bearer <JWT>` (HS256; claims `sub`, `userType`, `exp`). \
                       Click **Authorize** and paste a token from `ticketd token`.\n\n\
                       Errors answer `{\"status\": 0, \"message\": ..., \"data\": null}`, with \
                       `errors: [{field, message}]` for invalid fields."
    ),
    modifiers(&BearerAuth),
    components(schemas(ErrorEnvelope, FieldErrorDto)),
    tags(
        (name = "Support", description = "Tickets, messages, status and the audit log"),
        (name = "Categories", description = "Ticket categories"),
        (name = "Attachments", description = "Files to attach to messages: upload, then download"),
        (name = "Operations", description = "Health, readiness and metrics, for operators"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An HS256 token, e.g. from `ticketd token --sub ID --user-type TYPE`",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds to the finished document what derived schemas cannot say: the update
/// call needs at least one field, and the message call a message or at least
/// one attachment.
pub(crate) fn refine(openapi: &mut OpenApi) {
    use utoipa::openapi::schema::Schema;
    if let Some(RefOr::T(Schema::Object(update))) = openapi
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("UpdateTicketRequest"))
    {
        update.min_properties = Some(1);
    }
    use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ArrayBuilder, ObjectBuilder, Ref};
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    let Some(base) = components.schemas.remove("AddMessageRequest") else {
        return;
    };
    let with_text = ObjectBuilder::new().required("message");
    let with_files = ObjectBuilder::new().required("attachments").property(
        "attachments",
        ArrayBuilder::new()
            .items(RefOr::Ref(Ref::from_schema_name("AttachmentRef")))
            .min_items(Some(1)),
    );
    let content = AnyOfBuilder::new().item(with_text).item(with_files);
    let schema = Schema::AllOf(AllOfBuilder::new().item(base).item(content).build());
    components
        .schemas
        .insert("AddMessageRequest".to_owned(), RefOr::T(schema));
}

/// The document's fixed part; the routes add their paths to it.
pub fn base_document() -> OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// The routes of the document, to tell a wrong method from an unknown path.
#[derive(Debug)]
pub struct RouteTable {
    /// Literal paths first, so that `ticket-logs` is not taken for an `{id}`.
    routes: Vec<(ResourceDef, Vec<Method>, bool)>,
}

impl RouteTable {
    /// The table of every path and method in `doc`.
    pub fn from_document(doc: &OpenApi) -> Self {
        let mut routes: Vec<(ResourceDef, Vec<Method>, bool)> = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let ops = [
                    (Method::GET, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                ];
                let methods = ops
                    .into_iter()
                    .filter(|(_, on)| *on)
                    .map(|(m, _)| m)
                    .collect();
                (ResourceDef::new(path.as_str()), methods, path.contains('{'))
            })
            .collect();
        routes.sort_by_key(|(_, _, dynamic)| *dynamic);
        Self { routes }
    }

    /// The answer to a request no handler took.
    pub fn refuse(&self, req: &HttpRequest) -> ApiError {
        let Some((_, methods, dynamic)) = self
            .routes
            .iter()
            .find(|(def, _, _)| def.is_match(req.path()))
        else {
            return ApiError::not_found(format!("No route for {} {}", req.method(), req.path()));
        };
        if methods.contains(req.method()) && *dynamic {
            // The handler's route only takes digits: anything else is a bad id.
            return ApiError::invalid_field("id", "must be an integer");
        }
        let allow = methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let value = header::HeaderValue::from_str(&allow)
            .unwrap_or_else(|_| header::HeaderValue::from_static("GET"));
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "Method {} is not allowed on {}; use {allow}",
                req.method(),
                req.path()
            ),
        )
        .with_header(header::ALLOW, value)
    }
}

/// The default service: 404, 405 or 400 in the envelope.
pub async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    Err(table.refuse(&req))
}

/// A query flag's schema: `true`/`false`, or `1`/`0`.
pub(crate) fn flag_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(SchemaType::new(Type::Boolean)))
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::Integer))
                    .enum_values(Some([0, 1])),
            )
            .build(),
    )
}

/// A date (`2025-04-01`) or an RFC 3339 time (`2025-04-01T10:00:00Z`).
pub(crate) fn date_or_time_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{
        KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType, Type,
    };
    let string = |format| {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .format(Some(SchemaFormat::KnownFormat(format)))
    };
    Schema::OneOf(
        OneOfBuilder::new()
            .item(string(KnownFormat::Date))
            .item(string(KnownFormat::DateTime))
            .build(),
    )
}

/// A priority in a request: its code, 1-4, or its name.
pub(crate) fn priority_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::Integer))
                    .minimum(Some(1))
                    .maximum(Some(4)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::String))
                    .enum_values(Some(["low", "normal", "high", "urgent"])),
            )
            .build(),
    )
}
