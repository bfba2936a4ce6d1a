//! The OpenAPI document, and the route table derived from it that answers
//! unknown paths (404) and wrong methods (405 with `Allow`).

use actix_router::ResourceDef;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::{Modify, OpenApi as _};

use ticketd_domain::rules::{self, TextRule};

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
    apply_rules(openapi);
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

/// Which request field follows which of the domain's rules: the document's
/// `minLength`, `maxLength` and `pattern` of each are written from the rule,
/// as the DTOs' `validator` attributes are, so the two cannot disagree.
pub const FIELD_RULES: &[(&str, &str, TextRule)] = &[
    ("OpenTicketRequest", "subject", rules::SUBJECT),
    ("OpenTicketRequest", "description", rules::DESCRIPTION),
    ("OpenTicketRequest", "userId", rules::USER_ID),
    ("OpenTicketRequest", "assigneeId", rules::USER_ID),
    ("UpdateTicketRequest", "assigneeId", rules::USER_ID),
    ("AddMessageRequest", "message", rules::MESSAGE_BODY),
    ("AttachmentRef", "fileName", rules::FILE_NAME),
    ("AttachmentRef", "filePath", rules::FILE_PATH),
    (
        "CreateCategoryRequest",
        "categoryName",
        rules::CATEGORY_NAME,
    ),
];

/// Query parameters that follow a rule: a single value, or a comma-separated
/// list of values.
const PARAMETER_RULES: &[(&str, TextRule, bool)] = &[
    ("keyword", rules::KEYWORD, false),
    ("assigneeId", rules::USER_ID, true),
    ("userId", rules::USER_ID, true),
];

/// Writes the domain's rules into the document: request fields, the
/// attachments' count, and query parameters.
fn apply_rules(openapi: &mut OpenApi) {
    use utoipa::openapi::schema::Schema;
    fn object(schema: Option<&mut RefOr<Schema>>) -> Option<&mut utoipa::openapi::schema::Object> {
        match schema {
            Some(RefOr::T(Schema::Object(o))) => Some(o),
            _ => None,
        }
    }
    if let Some(components) = openapi.components.as_mut() {
        for (schema, field, rule) in FIELD_RULES {
            let Some(RefOr::T(Schema::Object(owner))) = components.schemas.get_mut(*schema) else {
                continue;
            };
            if let Some(property) = object(owner.properties.get_mut(*field)) {
                property.min_length = usize::try_from(rule.min_chars).ok();
                property.max_length = usize::try_from(rule.max_chars).ok();
                property.pattern = Some(rule.pattern());
            }
        }
        if let Some(RefOr::T(Schema::Object(message))) =
            components.schemas.get_mut("AddMessageRequest")
            && let Some(RefOr::T(Schema::Array(list))) = message.properties.get_mut("attachments")
        {
            list.max_items = usize::try_from(rules::MAX_ATTACHMENTS).ok();
        }
    }
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            for parameter in operation.parameters.iter_mut().flatten() {
                let Some((_, rule, list)) = PARAMETER_RULES
                    .iter()
                    .find(|(name, ..)| *name == parameter.name)
                else {
                    continue;
                };
                if let Some(schema) = object(parameter.schema.as_mut()) {
                    if *list {
                        schema.pattern = Some(rule.list_pattern());
                    } else {
                        schema.max_length = usize::try_from(rule.max_chars).ok();
                        schema.pattern = Some(rule.pattern());
                    }
                }
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use ticketd_app::FieldError;

    use super::FIELD_RULES;
    use crate::dto::{
        AddMessageRequest, CreateCategoryRequest, OpenTicketRequest, UpdateTicketRequest,
    };

    /// The fields `validator` (and the conversion after it) finds wrong when
    /// `field` of the request body `schema` is `value`, the other fields valid.
    fn invalid_fields(schema: &str, field: &str, value: &str) -> Vec<String> {
        fn errors<T: serde::de::DeserializeOwned>(
            body: Value,
            convert: impl FnOnce(T) -> Result<(), Vec<FieldError>>,
        ) -> Vec<String> {
            let request: T = serde_json::from_value(body).unwrap();
            convert(request)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect()
        }
        let mut body = match schema {
            "OpenTicketRequest" => json!({"subject": "s", "description": "d", "categoryId": 1}),
            "UpdateTicketRequest" => json!({}),
            "AddMessageRequest" => json!({}),
            "AttachmentRef" => json!({"fileName": "a.pdf", "filePath": "/uploads/a.pdf"}),
            "CreateCategoryRequest" => json!({"categoryName": "c"}),
            other => panic!("no request body {other}"),
        };
        body[field] = json!(value);
        match schema {
            "OpenTicketRequest" => errors(body, |r: OpenTicketRequest| r.into_input().map(drop)),
            "UpdateTicketRequest" => {
                errors(body, |r: UpdateTicketRequest| r.into_changes().map(drop))
            }
            "AddMessageRequest" => errors(body, |r: AddMessageRequest| r.into_input().map(drop)),
            "AttachmentRef" => errors(json!({"attachments": [body]}), |r: AddMessageRequest| {
                r.into_input().map(drop)
            })
            .into_iter()
            .map(|f| f.trim_start_matches("attachments[0].").to_owned())
            .collect(),
            _ => errors(body, |r: CreateCategoryRequest| r.into_parts().map(drop)),
        }
    }

    /// The `max` of the `length` check `validator` reports for `field` when
    /// its value is `value`, if it reports one.
    fn length_max(schema: &str, field: &str, value: &str) -> Option<u64> {
        use validator::Validate;
        fn check<T: serde::de::DeserializeOwned + Validate>(
            body: Value,
        ) -> Option<validator::ValidationErrors> {
            serde_json::from_value::<T>(body).unwrap().validate().err()
        }
        let body = json!({ *field: value });
        let errors = match schema {
            "OpenTicketRequest" => check::<OpenTicketRequest>(body),
            "UpdateTicketRequest" => check::<UpdateTicketRequest>(body),
            "AddMessageRequest" => check::<AddMessageRequest>(body),
            "AttachmentRef" => check::<crate::dto::AttachmentRef>(json!({
                "fileName": "a", "filePath": "/uploads/a", *field: value
            })),
            _ => check::<CreateCategoryRequest>(body),
        }?;
        let rust_name: String = field
            .chars()
            .flat_map(|c| {
                if c.is_uppercase() {
                    vec!['_', c.to_ascii_lowercase()]
                } else {
                    vec![c]
                }
            })
            .collect();
        errors
            .field_errors()
            .get(rust_name.as_str())
            .and_then(|list| {
                list.iter()
                    .find(|e| e.code == "length")
                    .and_then(|e| e.params.get("max"))
                    .and_then(Value::as_u64)
            })
    }

    #[test]
    fn the_validator_takes_exactly_the_lengths_the_document_states() {
        for (schema, field, rule) in FIELD_RULES {
            let max = usize::try_from(rule.max_chars).unwrap();
            let min = usize::try_from(rule.min_chars).unwrap();
            let fits = if field.contains("Path") {
                format!("/uploads/{}", "é".repeat(max - "/uploads/".len()))
            } else {
                "é".repeat(max)
            };
            assert_eq!(
                invalid_fields(schema, field, &fits),
                Vec::<String>::new(),
                "{schema}.{field} at its maxLength {max}"
            );
            let over = format!("{fits}x");
            assert_eq!(
                length_max(schema, field, &over),
                Some(rule.max_chars),
                "{schema}.{field}: validator's own length check"
            );
            assert_eq!(
                invalid_fields(schema, field, &over),
                [field.to_string()],
                "{schema}.{field} past its maxLength {max}"
            );
            if min > 0 {
                assert_eq!(
                    invalid_fields(schema, field, &"x".repeat(min - 1)),
                    [field.to_string()],
                    "{schema}.{field} below its minLength {min}"
                );
            }
        }
    }

    #[test]
    fn the_validator_counts_attachments_as_the_document_states() {
        let max = usize::try_from(ticketd_domain::rules::MAX_ATTACHMENTS).unwrap();
        let files = |n: usize| {
            let list: Vec<Value> = (0..n)
                .map(|i| json!({"fileName": "a", "filePath": format!("/uploads/{i}")}))
                .collect();
            json!({ "attachments": list })
        };
        let errors = |body: Value| {
            serde_json::from_value::<AddMessageRequest>(body)
                .unwrap()
                .into_input()
                .err()
                .unwrap_or_default()
        };
        assert!(errors(files(max)).is_empty());
        let over = errors(files(max + 1));
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].field, "attachments");
        assert_eq!(
            over[0].message,
            format!("at most {max} attachments per message")
        );
    }
}
