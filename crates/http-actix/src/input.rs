//! Reading requests: JSON bodies within a size limit, paging and flags from the
//! query string, ids from the path. Every failure is a 4xx in the envelope.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use ticketd_app::{DEFAULT_LIMIT, FieldError, MAX_LIMIT, PageRequest};
use ticketd_domain::TicketId;

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

/// A whole number from 0 to `i64::MAX`, in plain digits.
fn query_number(name: &str, raw: Option<&str>) -> Result<Option<u64>, FieldError> {
    let Some(s) = raw else {
        return Ok(None);
    };
    digits(s)
        .map(Some)
        .ok_or_else(|| FieldError::new(name, "must be a whole number, 0 or more"))
}

/// Plain decimal digits (no sign, no blanks) within `0..=i64::MAX`, the
/// document's `int64`.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok().and_then(|n| u64::try_from(n).ok())
}

/// `limit` and `offset` as the contract reads them: limit 10 by default and at
/// most 100; offset 0 by default. The cursor is read as it is: the desk
/// decides whether it continues the list.
pub fn page(
    limit: Option<&str>,
    offset: Option<&str>,
    cursor: Option<&str>,
) -> Result<PageRequest, Vec<FieldError>> {
    match (query_number("limit", limit), query_number("offset", offset)) {
        (Ok(limit), Ok(offset)) => Ok(PageRequest {
            limit: limit.map_or(DEFAULT_LIMIT, |l| {
                u32::try_from(l.min(u64::from(MAX_LIMIT))).unwrap_or(MAX_LIMIT)
            }),
            offset: offset.unwrap_or(0),
            cursor: cursor.map(str::to_owned),
        }),
        (limit, offset) => Err([limit.err(), offset.err()].into_iter().flatten().collect()),
    }
}

/// The query string as name -> values: a name may repeat, and a value may
/// hold several comma-separated items.
#[derive(Debug, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Reads the request's query string.
    pub fn parse(req: &HttpRequest) -> Result<Self, ApiError> {
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| Self(q.into_inner()))
            .map_err(|e| ApiError::invalid_field("query", e.to_string()))
    }

    /// The first value of `name`.
    pub fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every item of `name`: all its values, split at commas. Items are taken
    /// as they are: an empty one is an invalid one.
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .collect()
    }
}

/// A point in time from the query string: RFC 3339 (`2025-04-01T10:00:00Z`),
/// or a date (`2025-04-01`), read as the start of that day in UTC, or with
/// `end_of_day` as its last second.
pub fn query_time(
    name: &str,
    raw: Option<&str>,
    end_of_day: bool,
) -> Result<Option<ticketd_domain::Timestamp>, FieldError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&chrono::Utc)));
    }
    let day = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            name,
            "must be a date (2025-04-01) or an RFC 3339 time (2025-04-01T10:00:00Z)",
        )
    })?;
    let time = if end_of_day {
        day.and_hms_opt(23, 59, 59)
    } else {
        day.and_hms_opt(0, 0, 0)
    };
    Ok(time.map(|t| t.and_utc()))
}

/// A flag: `true`, `false`, `1` or `0`; absent means false.
pub fn flag(name: &str, raw: Option<&str>) -> Result<bool, FieldError> {
    match raw {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(_) => Err(FieldError::new(name, "must be true, false, 1 or 0")),
    }
}

/// An id from the path or the query string.
pub fn ticket_id(name: &str, raw: &str) -> Result<TicketId, FieldError> {
    digits(raw)
        .and_then(|n| i64::try_from(n).ok())
        .filter(|n| *n > 0)
        .map(TicketId)
        .ok_or_else(|| FieldError::new(name, "must be a positive integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_caps_and_refuses_bad_numbers() {
        assert_eq!(page(None, None, None), Ok(PageRequest::first(10)));
        assert_eq!(
            page(Some("500"), Some("20"), Some("abc")),
            Ok(PageRequest {
                limit: 100,
                offset: 20,
                cursor: Some("abc".into()),
            })
        );
        assert!(page(Some(""), None, None).is_err(), "empty is not a number");
        assert!(page(Some("+5"), None, None).is_err(), "plain digits only");
        assert!(page(Some(" 5"), None, None).is_err(), "no blanks");
        let errs = page(Some("-1"), Some("x"), None).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["limit", "offset"]);
        assert!(page(Some("1.5"), None, None).is_err());
        assert!(
            page(None, Some("9223372036854775808"), None).is_err(),
            "past int64"
        );
    }

    #[test]
    fn flags_take_true_false_one_and_zero() {
        for (raw, want) in [("true", true), ("1", true), ("false", false), ("0", false)] {
            assert_eq!(flag("count", Some(raw)), Ok(want));
        }
        assert_eq!(flag("count", None), Ok(false));
        assert!(flag("count", Some("yes")).is_err());
        assert!(flag("count", Some("2")).is_err());
        assert!(
            flag("count", Some("TRUE")).is_err(),
            "exactly as documented"
        );
        assert!(flag("count", Some("")).is_err());
    }
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
