//! An example for each error answer, fit for its status: Swagger UI would
//! otherwise show the envelope schema's one example (a 404's) under every
//! status, a 401 included.

use serde_json::{Value, json};
use utoipa::openapi::{OpenApi, RefOr};

/// Gives each documented error answer in the envelope, without an example of
/// its own, one that says what its status means for this operation.
pub(super) fn error_examples(openapi: &mut OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::Schema;
    // The first required field of each request body's schema, by name.
    let first_required: std::collections::HashMap<String, String> = openapi
        .components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .filter_map(|(name, schema)| match schema {
            RefOr::T(Schema::Object(o)) => o.required.first().map(|f| (name.clone(), f.clone())),
            RefOr::T(Schema::AllOf(all)) => all.items.iter().find_map(|item| match item {
                RefOr::T(Schema::Object(o)) => {
                    o.required.first().map(|f| (name.clone(), f.clone()))
                }
                _ => None,
            }),
            _ => None,
        })
        .collect();
    for item in openapi.paths.paths.values_mut() {
        for operation in super::operations_mut(item) {
            let body_field = operation.request_body.as_ref().and_then(|body| {
                body.content.values().find_map(|c| match &c.schema {
                    Some(RefOr::Ref(r)) => r
                        .ref_location
                        .rsplit('/')
                        .next()
                        .and_then(|name| first_required.get(name).cloned()),
                    _ => None,
                })
            });
            let query_field = operation
                .parameters
                .iter()
                .flatten()
                .find(|p| p.parameter_in == ParameterIn::Query)
                .map(|p| p.name.clone());
            let field = match (&body_field, &query_field) {
                (Some(name), _) => Field::Body(name),
                (None, Some(name)) => Field::Query(name),
                (None, None) => Field::None,
            };
            for (status, response) in operation.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                let Some(content) = response.content.get_mut("application/json") else {
                    continue;
                };
                let is_envelope = matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/ErrorEnvelope"));
                if !is_envelope || content.example.is_some() || !content.examples.is_empty() {
                    continue;
                }
                content.example = Some(error_example(status, &response.description, field));
            }
        }
    }
}

/// The envelope as the server answers `status`: its own words where they are
/// fixed, else what the document says the status means here.
/// What a 400's example names: a required field of the body, else a query
/// parameter, else the path's id.
#[derive(Clone, Copy)]
enum Field<'a> {
    Body(&'a str),
    Query(&'a str),
    None,
}

fn error_example(status: &str, description: &str, field: Field<'_>) -> Value {
    let message = match status {
        "401" => "Unauthorized: send Authorization: Bearer <token>".to_owned(),
        "429" => "Too many requests; try again in 2 s".to_owned(),
        "500" => {
            "Internal server error; quote the X-Request-Id header when reporting it".to_owned()
        }
        "503" => "The service is temporarily unavailable; try again shortly".to_owned(),
        _ => description.to_owned(),
    };
    let mut example = json!({"status": 0, "message": message, "data": null});
    if status == "400" {
        let (field, why) = match field {
            Field::Body(name) => (name, "is required"),
            Field::Query(name) => (name, "is not a value this parameter takes"),
            Field::None => ("id", "must be a whole number"),
        };
        example["message"] = json!(format!("Invalid request: {field} {why}"));
        example["errors"] = json!([{"field": field, "message": why}]);
    }
    example
}
