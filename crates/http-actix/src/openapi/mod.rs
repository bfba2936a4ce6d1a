//! The OpenAPI document: its fixed part, what derived schemas cannot say
//! (`refine`), the domain's rules written into it (`rules`), schemas written
//! by hand (`schemas`), and the route table derived from it that answers
//! unknown paths (404) and wrong methods (405 with `Allow`) (`routes`).

mod examples;
mod routes;
mod rules;
mod schemas;
mod webhooks;

pub use routes::{RouteTable, fallback};
pub use rules::FIELD_RULES;
use rules::apply_rules;
pub(crate) use schemas::{DateOrTime, Flag, priority_schema};

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::{Modify, OpenApi as _};

use crate::error::{ErrorEnvelope, FieldErrorDto};

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "ticketd",
        description = "The support-ticket API. Every `/backend/api` call needs \
                       `Authorization: Bearer <JWT>` (HS256; claims `sub`, `userType`, `exp`). \
                       Click **Authorize** and paste a token from `ticketd token` (it is kept \
                       across reloads until you log out). The default example of each call works \
                       as it stands for a customer; staff-only fields are in a second example.\n\n\
                       Errors answer `{\"status\": 0, \"message\": ..., \"data\": null}`, with \
                       `errors: [{field, message}]` for invalid fields."
    ),
    modifiers(&BearerAuth),
    components(schemas(ErrorEnvelope, FieldErrorDto)),
    tags(
        (name = "Support", description = "Tickets, status and the audit log"),
        (name = "Messages", description = "Adding a message to a ticket, with files: upload the files first, then send the message with the `filePath` each upload answered"),
        (name = "Categories", description = "Ticket categories"),
        (name = "Attachments", description = "Downloading attached files"),
        (name = "Webhooks", description = "Endpoints that receive events as signed HTTP POSTs (admins only), their deliveries and attempts"),
        (name = "Service levels", description = "The service-level policy: first-response and resolution targets per priority, optionally in business hours"),
        (name = "Events", description = "What happened to tickets, for integrations (admins only): each change's events, in the order they became readable"),
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
                        "An HS256 token, e.g. from `ticketd token --sub ID --user-type TYPE`; or, \
                         where the desk is set up for it, a token of its identity provider",
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
    webhooks::add_webhooks(openapi);
    examples::error_examples(openapi);
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

/// The operations of a path item, to change them: every method the API uses.
pub(super) fn operations_mut(
    item: &mut utoipa::openapi::path::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.delete,
    ]
    .into_iter()
    .flatten()
}

/// The document's fixed part; the routes add their paths to it.
pub fn base_document() -> OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}
