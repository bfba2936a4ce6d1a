//! Who is calling: the `Authenticated` extractor and the one
//! `Authorization: Bearer` header it reads.

use std::future::ready;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use futures_util::future::LocalBoxFuture;
use ticketd_domain::Actor;

use super::{Checked, JwtKeys, unauthorized};
use crate::error::ApiError;

/// The authenticated user of a request: a handler that takes it answers 401
/// to a request without a valid `Authorization: Bearer` token.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Actor);

/// The token of an `Authorization: Bearer <token>` header, if there is
/// exactly one such header.
pub(crate) fn bearer_token(headers: &header::HeaderMap) -> Option<&str> {
    let mut all = headers.get_all(header::AUTHORIZATION);
    let value = all.next()?.to_str().ok()?;
    if all.next().is_some() {
        return None;
    }
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Some(token.trim()),
        _ => None,
    }
}

/// Who the caller of a request is, as far as can be told at once.
enum Caller {
    Known(Actor),
    Refused(ApiError),
    /// Its token names an identity provider's key not cached: fetch first.
    NeedsKeys(JwtKeys, String),
}

/// The caller of `req`, from its one `Authorization: Bearer` header, with
/// what is at hand.
fn caller_now(req: &HttpRequest) -> Caller {
    use actix_web::HttpMessage;
    // Which of two credentials would count is anybody's guess: neither does.
    let headers = req.headers().get_all(header::AUTHORIZATION).count();
    if headers > 1 {
        return Caller::Refused(ApiError::unauthorized(format!(
            "Unauthorized: send one Authorization header, not {headers}"
        )));
    }
    // The rate limiter may have checked the token already.
    if let Some(Authenticated(actor)) = req.extensions().get::<Authenticated>() {
        return Caller::Known(actor.clone());
    }
    let Some(keys) = req.app_data::<web::Data<JwtKeys>>() else {
        return Caller::Refused(ApiError::internal("JwtKeys are not configured"));
    };
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Caller::Refused(unauthorized("send Authorization: Bearer <token>"));
    };
    if value.to_str().is_err() {
        return Caller::Refused(unauthorized("the Authorization header is malformed"));
    }
    let Some(token) = bearer_token(req.headers()) else {
        return Caller::Refused(unauthorized("use the Bearer scheme"));
    };
    match keys.check(token, false) {
        Checked::Actor(actor) => Caller::Known(actor),
        Checked::Refused(e) => Caller::Refused(e),
        Checked::KeyNeeded => Caller::NeedsKeys(keys.get_ref().clone(), token.to_owned()),
    }
}

/// The caller of `req` (see [`Authenticated`]), fetching the identity
/// provider's keys if its token needs them.
pub(crate) async fn authenticate(req: &HttpRequest) -> Result<Actor, ApiError> {
    match caller_now(req) {
        Caller::Known(actor) => Ok(actor),
        Caller::Refused(e) => Err(e),
        Caller::NeedsKeys(keys, token) => keys.verify_fresh(&token).await,
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        match caller_now(req) {
            Caller::Known(actor) => Box::pin(ready(Ok(Authenticated(actor)))),
            Caller::Refused(e) => Box::pin(ready(Err(e))),
            Caller::NeedsKeys(keys, token) => {
                Box::pin(async move { keys.verify_fresh(&token).await.map(Authenticated) })
            }
        }
    }
}
