//! Every error the API answers, in the documented envelope.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use ticketd_app::{AppError, FieldError};
use utoipa::ToSchema;

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldErrorDto {
    /// The field, as the client named it (`subject`, `attachments[0].filePath`).
    #[schema(example = "subject")]
    pub field: String,
    /// What is wrong with it.
    #[schema(example = "must not be empty")]
    pub message: String,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    /// Always `0` for an error.
    #[schema(example = 0)]
    pub status: i32,
    /// What is wrong, for a person.
    #[schema(example = "ticket 123 not found")]
    pub message: String,
    /// Always `null` for an error.
    #[schema(value_type = Option<Object>, nullable = true, example = json!(null))]
    pub data: Option<()>,
    /// For validation errors: each invalid field and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldErrorDto>>,
}

/// An error response: a status code, a message, and the headers it needs.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    errors: Option<Vec<FieldErrorDto>>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
    /// What went wrong inside, for the log only.
    internal: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.internal {
            Some(internal) => write!(f, "{}: {internal}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl ApiError {
    /// An error with a status and a message for the client.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: None,
            headers: Vec::new(),
            internal: None,
        }
    }

    /// 400 with a list of invalid fields.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let summary = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            format!("Invalid request: {summary}"),
        );
        e.errors = Some(
            errors
                .into_iter()
                .map(|f| FieldErrorDto {
                    field: f.field,
                    message: f.message,
                })
                .collect(),
        );
        e
    }

    /// 400 about one field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, message)])
    }

    /// 401, asking for a Bearer token.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
            .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// 404 for a route or a thing that does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 503: storage is unreachable; try again shortly.
    pub fn unavailable(internal: impl Into<String>) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is temporarily unavailable; try again shortly",
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from_static("5"));
        e.internal = Some(internal.into());
        e
    }

    /// The client closed its connection before the answer was ready: no one
    /// will read this (499, as proxies count such requests).
    pub fn client_left() -> Self {
        let status = StatusCode::from_u16(499).unwrap_or(StatusCode::REQUEST_TIMEOUT);
        Self::new(
            status,
            "The client closed the connection before the answer was ready",
        )
    }

    /// 500: something broke inside. The client sees no detail of it.
    pub fn internal(internal: impl Into<String>) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error; quote the X-Request-Id header when reporting it",
        );
        e.internal = Some(internal.into());
        e
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(errors) => ApiError::invalid(errors),
            AppError::NotFound(m) => ApiError::not_found(m),
            AppError::Unresolved(errors) => {
                let mut e = ApiError::invalid(errors);
                e.status = StatusCode::NOT_FOUND;
                e.message = e.message.replacen("Invalid request", "Not found", 1);
                e
            }
            AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            AppError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            AppError::Stale(m) => ApiError::new(StatusCode::PRECONDITION_FAILED, m),
            AppError::TooLarge(m) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, m),
            AppError::UnsupportedType(m) => ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, m),
            AppError::Unavailable(m) => ApiError::unavailable(m),
            AppError::Unexpected(e) => ApiError::internal(format!("{e:#}")),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        for (name, value) in &self.headers {
            res.insert_header((name.clone(), value.clone()));
        }
        res.json(ErrorEnvelope {
            status: 0,
            message: self.message.clone(),
            data: None,
            errors: self.errors.clone(),
        })
    }
}
