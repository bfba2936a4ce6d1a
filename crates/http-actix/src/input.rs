//! Reading requests: JSON bodies within a size limit, paging and flags from the
//! query string, ids from the path. Every failure is a 4xx in the envelope.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use ticketd_app::FieldError;

use crate::error::ApiError;

/// Limits on what a request may carry.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit {
    /// The largest body, in bytes.
    pub bytes: usize,
    /// The longest wait for the next part of the body.
    pub timeout: std::time::Duration,
}

impl BodyLimit {
    /// The limits the app was built with, or 1 MiB and 10 s without any.
    pub(crate) fn of(req: &HttpRequest) -> Self {
        req.app_data::<BodyLimit>().copied().unwrap_or(BodyLimit {
            bytes: 1024 * 1024,
            timeout: std::time::Duration::from_secs(10),
        })
    }
}

/// The media type of the request's body, lower-cased, without parameters
/// (`multipart/form-data`), if it names one.
pub(crate) fn media_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
}

/// The body length the request declares in `Content-Length`, if it does.
pub(crate) fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// The next item of a body's `stream`, or 408 if it does not come within
/// `timeout`.
pub(crate) async fn next_within<S: futures_util::Stream + Unpin>(
    timeout: std::time::Duration,
    stream: &mut S,
) -> Result<Option<S::Item>, ApiError> {
    actix_web::rt::time::timeout(timeout, stream.next())
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "The request body did not arrive within {} s",
                    timeout.as_secs()
                ),
            )
        })
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("The request body is larger than the limit of {limit} bytes"),
    )
}

/// Reads a JSON body into `T`, refusing other content types (415), bodies over
/// the limit (413), malformed JSON and wrong or unknown fields (400, naming the
/// field).
pub async fn read_json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    parse_json(&read_body(req, payload).await?)
}

/// Reads a JSON request's body: the content type must be JSON (415), the body
/// within the limit (413), arriving in time (408), and not empty (400).
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<web::Bytes, ApiError> {
    let BodyLimit {
        bytes: limit,
        timeout,
    } = BodyLimit::of(req);
    let is_json = media_type(req).is_some_and(|m| {
        m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
    });
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The request body must be JSON (Content-Type: application/json)",
        ));
    }
    let declared = declared_length(req).map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = next_within(timeout, &mut payload).await? {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("The request body could not be read: {e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "The request body is empty; send a JSON object",
        ));
    }
    Ok(body.freeze())
}

/// Parses a body read by [`read_body`] into `T`: malformed JSON and wrong or
/// unknown fields are 400, naming the field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let Object(value) = serde_path_to_error::deserialize(&mut de).map_err(json_error)?;
    de.end()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("Malformed JSON: {e}")))?;
    Ok(value)
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        return ApiError::new(StatusCode::BAD_REQUEST, format!("Malformed JSON: {inner}"));
    }
    let text = inner.to_string();
    // serde's messages end with " at line L column C"; the field path says where.
    let text = text.split(" at line ").next().unwrap_or(&text).to_owned();
    if let Some(missing) = text
        .strip_prefix("missing field `")
        .and_then(|s| s.strip_suffix('`'))
    {
        let field = if path == "." {
            missing.to_owned()
        } else {
            format!("{path}.{missing}")
        };
        return ApiError::invalid(vec![FieldError::new(field, "is required")]);
    }
    if text.starts_with("unknown field `") {
        // The path already ends with the unknown field's name.
        return ApiError::invalid(vec![FieldError::new(
            path,
            "is not a field of this request",
        )]);
    }
    let field = if path == "." { "body".to_owned() } else { path };
    ApiError::invalid(vec![FieldError::new(field, text)])
}

/// A value that must come as a JSON object. serde's derive also builds a
/// struct from an array of its fields in order (`[5]` would be
/// `{"status": 5}`); the API documents objects only.
#[derive(Debug)]
pub(crate) struct Object<T>(pub T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Fields<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Fields(std::marker::PhantomData))
            .map(Object)
    }
}
