//! Calls from web pages on other origins (CORS, through actix-cors): which
//! origins may call, with which methods and headers, and which answer headers
//! their scripts may read.

use actix_cors::{Cors, CorsError};
use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, StatusCode, Uri, header};
use actix_web::{ResponseError, body::MessageBody};

use crate::error::ApiError;

/// Which other origins' pages may call the API from a browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// None (the default): browsers keep other origins' pages out.
    #[default]
    None,
    /// These exact origins (`https://desk.example.com`), as browsers send them.
    Exact(Vec<String>),
    /// Any origin (`*`). Never with credentials: the API's Bearer tokens need
    /// none.
    Any,
}

impl CorsOrigins {
    /// Reads a comma-separated list of origins (`scheme://host[:port]`, http
    /// or https, no path), or `*` alone for any origin; empty means none.
    pub fn parse(list: &str) -> Result<Self, String> {
        let items: Vec<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if items.is_empty() {
            return Ok(Self::None);
        }
        if items.contains(&"*") {
            return if items.len() == 1 {
                Ok(Self::Any)
            } else {
                Err("`*` allows every origin; give it alone, or list exact origins".into())
            };
        }
        let mut origins = Vec::new();
        for item in items {
            let origin = normalize_origin(item)?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(Self::Exact(origins))
    }

    /// Whether any cross-origin call is allowed.
    pub fn is_none(&self) -> bool {
        matches!(self, Self::None)
    }
}

/// `item` as a browser's `Origin` header writes it: lowercase scheme and host,
/// the port only when it is not the scheme's default.
fn normalize_origin(item: &str) -> Result<String, String> {
    let bad = |why: &str| format!("{item:?} is not an origin ({why}); write scheme://host[:port]");
    let uri: Uri = item.parse().map_err(|_| bad("unreadable"))?;
    let scheme = uri.scheme_str().map(str::to_ascii_lowercase);
    let default_port = match scheme.as_deref() {
        Some("https") => 443,
        Some("http") => 80,
        _ => return Err(bad("the scheme must be http or https")),
    };
    let Some(authority) = uri.authority() else {
        return Err(bad("no host"));
    };
    if authority.as_str().contains('@') {
        return Err(bad("no user name or password"));
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(bad("no path or query"));
    }
    let host = authority.host().to_ascii_lowercase();
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let scheme = scheme.unwrap_or_default();
    Ok(match authority.port_u16() {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// The request headers the API reads, which a page may send.
const ALLOWED_HEADERS: [header::HeaderName; 6] = [
    header::AUTHORIZATION,
    header::CONTENT_TYPE,
    crate::idempotency::KEY_HEADER,
    header::IF_MATCH,
    header::IF_NONE_MATCH,
    crate::REQUEST_ID,
];

/// The answer headers a page's script needs to read.
const EXPOSED_HEADERS: [header::HeaderName; 10] = [
    header::ETAG,
    header::LOCATION,
    header::RETRY_AFTER,
    header::CONTENT_DISPOSITION,
    crate::routes::TOTAL_COUNT,
    crate::REQUEST_ID,
    crate::limit::LIMIT_HEADER,
    crate::limit::REMAINING_HEADER,
    crate::idempotency::REPLAYED_HEADER,
    header::WWW_AUTHENTICATE,
];

/// How long a browser may keep a preflight's answer, in seconds.
const PREFLIGHT_MAX_AGE: usize = 600;

/// The CORS middleware for `origins` (see [`CorsOrigins`]): preflights of any
/// route answered, the allowed origin echoed on every answer, errors included.
/// A page of another origin gets no CORS headers, so its browser keeps the
/// answer from it; the request itself is served as any other (a browser on
/// the API's own origin sends `Origin` too).
pub(crate) fn middleware(origins: &CorsOrigins) -> Cors {
    let cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allowed_headers(ALLOWED_HEADERS)
        .expose_headers(EXPOSED_HEADERS)
        .max_age(PREFLIGHT_MAX_AGE)
        .block_on_origin_mismatch(false);
    match origins {
        CorsOrigins::None => cors,
        CorsOrigins::Any => cors.allow_any_origin().send_wildcard(),
        CorsOrigins::Exact(list) => list
            .iter()
            .fold(cors, |cors, origin| cors.allowed_origin(origin)),
    }
}

/// A preflight actix-cors refuses answers in the documented error envelope:
/// 403 for an origin not allowed, 400 for a method or header the API does not
/// take.
pub(crate) fn enveloped<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> ServiceResponse<actix_web::body::EitherBody<B>> {
    let refusal = res
        .response()
        .error()
        .and_then(|e| e.as_error::<CorsError>())
        .map(|e| match e {
            CorsError::OriginNotAllowed => ApiError::new(
                StatusCode::FORBIDDEN,
                "Pages of this origin may not call the API from a browser",
            ),
            other => ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "{other}; the API takes GET, POST, PUT and DELETE with the headers \
                     Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match \
                     and X-Request-Id"
                ),
            ),
        });
    match refusal {
        Some(refusal) => {
            let (req, _) = res.into_parts();
            ServiceResponse::new(req, refusal.error_response()).map_into_right_body()
        }
        None => res.map_into_left_body(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_read_as_browsers_send_them() {
        assert_eq!(CorsOrigins::parse(""), Ok(CorsOrigins::None));
        assert_eq!(CorsOrigins::parse(" , "), Ok(CorsOrigins::None));
        assert_eq!(CorsOrigins::parse("*"), Ok(CorsOrigins::Any));
        assert_eq!(
            CorsOrigins::parse(
                "https://Desk.Example.com:443/, http://localhost:3000,https://desk.example.com"
            ),
            Ok(CorsOrigins::Exact(vec![
                "https://desk.example.com".into(),
                "http://localhost:3000".into()
            ]))
        );
        for bad in [
            "*,https://a.example",
            "desk.example.com",
            "ftp://desk.example.com",
            "https://desk.example.com/portal",
            "https://desk.example.com?x=1",
            "https://user:pw@desk.example.com",
            "null",
        ] {
            assert!(CorsOrigins::parse(bad).is_err(), "{bad}");
        }
    }
}
