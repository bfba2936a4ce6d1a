//! The route table derived from the document: a request no handler took
//! gets 404, or 405 with `Allow`, in the envelope.

use actix_router::ResourceDef;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

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
