//! Bearer-token authentication: HS256 JWTs carrying the user's id and kind.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use ticketd_domain::{Actor, UserId, UserType};
use ticketd_ports::{Clock, SystemClock};

use crate::error::ApiError;

/// The claims of a ticketd token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// `customer`, `agent` or `admin`.
    #[serde(rename = "userType")]
    pub user_type: String,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: u64,
    /// Not valid before, in seconds since the Unix epoch (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issued at, in seconds since the Unix epoch (optional; a token issued
    /// in the future is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// The user's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The clock skew accepted on `exp`, `nbf` and `iat`.
const LEEWAY_SECONDS: u64 = 30;

/// Signs and checks tokens with one shared secret.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Arc<Validation>,
    /// The key that signs download links, derived from the same secret.
    link_key: Arc<[u8; 32]>,
    /// What `exp`, `nbf` and `iat` are checked against.
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(..)")
    }
}

/// Why a token could not be issued.
#[derive(Debug)]
pub struct TokenError(String);

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TokenError {}

impl JwtKeys {
    /// Keys from the shared secret, telling the time by the system's clock.
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        // `exp` and `nbf` are checked against this keys' clock (`verify`).
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation: Arc::new(validation),
            link_key: Arc::new(derive_key(secret, b"ticketd download links")),
            clock: Arc::new(SystemClock),
        }
    }

    /// The same keys, telling the time by `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Seconds since the Unix epoch, now.
    fn now_seconds(&self) -> u64 {
        u64::try_from(self.clock.now().timestamp()).unwrap_or(0)
    }

    /// The key that signs download links.
    pub(crate) fn link_key(&self) -> Arc<[u8; 32]> {
        self.link_key.clone()
    }

    /// Signs a token for `actor`, valid for `ttl_seconds`.
    pub fn issue(
        &self,
        actor: &Actor,
        name: Option<&str>,
        ttl_seconds: u64,
    ) -> Result<String, TokenError> {
        let now = self.now_seconds();
        let claims = Claims {
            sub: actor.id.as_str().to_owned(),
            user_type: actor.user_type.as_str().to_owned(),
            exp: now.saturating_add(ttl_seconds),
            nbf: None,
            iat: Some(now),
            name: name.map(str::to_owned),
        };
        self.sign(&claims)
    }

    /// Signs any claims (tests use it for expired or odd tokens).
    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| TokenError(e.to_string()))
    }

    /// Checks a token and gives the actor it names.
    pub fn verify(&self, token: &str) -> Result<Actor, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let why = match e.kind() {
                    ErrorKind::InvalidSignature => "the token's signature is invalid",
                    ErrorKind::InvalidAlgorithm => "the token must be signed with HS256",
                    ErrorKind::MissingRequiredClaim(_) => {
                        "the token lacks a required claim (sub, exp)"
                    }
                    _ => "the token is malformed",
                };
                ApiError::unauthorized(format!("Unauthorized: {why}"))
            })?;
        let claims = data.claims;
        let now = self.now_seconds();
        if claims.exp.saturating_add(LEEWAY_SECONDS) < now {
            return Err(ApiError::unauthorized(
                "Unauthorized: the token has expired",
            ));
        }
        if claims
            .nbf
            .is_some_and(|nbf| nbf > now.saturating_add(LEEWAY_SECONDS))
        {
            return Err(ApiError::unauthorized(
                "Unauthorized: the token is not valid yet (nbf)",
            ));
        }
        if claims
            .iat
            .is_some_and(|iat| iat > now.saturating_add(LEEWAY_SECONDS))
        {
            return Err(ApiError::unauthorized(
                "Unauthorized: the token was issued in the future (iat)",
            ));
        }
        let id = UserId::parse(claims.sub)
            .map_err(|e| ApiError::unauthorized(format!("Unauthorized: the token's sub {e}")))?;
        let user_type = UserType::parse(&claims.user_type).map_err(|_| {
            ApiError::unauthorized(
                "Unauthorized: the token's userType must be customer, agent or admin",
            )
        })?;
        Ok(Actor::new(id, user_type))
    }
}

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

/// An HMAC-SHA256 keyed with `key`.
pub(crate) fn hmac_sha256(key: &[u8]) -> hmac::Hmac<sha2::Sha256> {
    use hmac::Mac;
    hmac::Hmac::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
}

/// A key for one purpose, derived from the shared secret (HMAC-SHA256 of the
/// purpose), so that a link signature can never pass as a token's, or back.
fn derive_key(secret: &[u8], purpose: &[u8]) -> [u8; 32] {
    use hmac::Mac;
    let mut mac = hmac_sha256(secret);
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}

pub(crate) fn authenticate(req: &HttpRequest) -> Result<Actor, ApiError> {
    use actix_web::HttpMessage;
    // Which of two credentials would count is anybody's guess: neither does.
    let headers = req.headers().get_all(header::AUTHORIZATION).count();
    if headers > 1 {
        return Err(ApiError::unauthorized(format!(
            "Unauthorized: send one Authorization header, not {headers}"
        )));
    }
    // The rate limiter may have checked the token already.
    if let Some(Authenticated(actor)) = req.extensions().get::<Authenticated>() {
        return Ok(actor.clone());
    }
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| ApiError::internal("JwtKeys are not configured"))?;
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("Unauthorized: send Authorization: Bearer <token>")
    })?;
    if value.to_str().is_err() {
        return Err(ApiError::unauthorized(
            "Unauthorized: the Authorization header is malformed",
        ));
    }
    let token = bearer_token(req.headers())
        .ok_or_else(|| ApiError::unauthorized("Unauthorized: use the Bearer scheme"))?;
    keys.verify(token)
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).map(Authenticated))
    }
}
