//! Bearer-token authentication: HS256 JWTs carrying the user's id and kind,
//! signed with the server's secret; and, when configured, tokens of an
//! OpenID Connect identity provider, checked against its published keys
//! (`provider`).

mod provider;
mod request;

pub use provider::{ProviderSettings, RoleMap};
pub use request::Authenticated;
pub(crate) use request::{authenticate, bearer_token};

use std::sync::Arc;

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
    /// The identity provider whose tokens are accepted too, if any.
    provider: Option<provider::SharedProvider>,
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
            provider: None,
        }
    }

    /// The same keys, accepting the tokens of an identity provider too.
    pub fn with_provider(mut self, settings: ProviderSettings) -> Result<Self, TokenError> {
        let provider = provider::Provider::new(settings).map_err(TokenError)?;
        self.provider = Some(Arc::new(provider));
        Ok(self)
    }

    /// Fetches the identity provider's keys now (at start-up), if there is
    /// a provider; a failure is logged and the next token naming a key tries
    /// again.
    pub async fn fetch_provider_keys(&self) {
        if let Some(provider) = &self.provider {
            provider.refresh(self.now_seconds_signed()).await;
        }
    }

    fn now_seconds_signed(&self) -> i64 {
        self.clock.now().timestamp()
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

    /// Checks a token with what is at hand (the secret, the provider's cached
    /// keys) and gives the actor it names.
    pub fn verify(&self, token: &str) -> Result<Actor, ApiError> {
        match self.check(token, true) {
            Checked::Actor(actor) => Ok(actor),
            Checked::Refused(e) => Err(e),
            Checked::KeyNeeded => Err(unknown_key()),
        }
    }

    /// [`verify`](Self::verify), fetching the provider's keys first when the
    /// token names a key not cached, or the cache is due (within the floor
    /// between fetches). Cached keys keep working while the provider is away.
    pub async fn verify_fresh(&self, token: &str) -> Result<Actor, ApiError> {
        match self.check(token, false) {
            Checked::Actor(actor) => return Ok(actor),
            Checked::Refused(e) => return Err(e),
            Checked::KeyNeeded => {}
        }
        if let Some(provider) = &self.provider {
            provider.refresh(self.now_seconds_signed()).await;
        }
        self.verify(token)
    }

    pub(super) fn check(&self, token: &str, stale_ok: bool) -> Checked {
        let header = match jsonwebtoken::decode_header(token) {
            Ok(header) => header,
            Err(_) => return Checked::Refused(unauthorized("the token is malformed")),
        };
        match header.alg {
            Algorithm::HS256 => Checked::from(self.verify_with_secret(token)),
            alg => match (&self.provider, header.kid) {
                (None, _) => Checked::Refused(unauthorized("the token must be signed with HS256")),
                (Some(_), None) => Checked::Refused(unauthorized(
                    "the token names no key (kid) of the identity provider",
                )),
                (Some(provider), Some(kid)) => {
                    match provider.key(&kid, self.now_seconds_signed(), stale_ok) {
                        Some(key) => {
                            Checked::from(self.verify_with_provider(provider, &key, alg, token))
                        }
                        None => Checked::KeyNeeded,
                    }
                }
            },
        }
    }

    fn verify_with_secret(&self, token: &str) -> Result<Actor, ApiError> {
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
                unauthorized(why)
            })?;
        let claims = data.claims;
        self.check_times(Some(claims.exp), claims.nbf, claims.iat)?;
        let id =
            UserId::parse(claims.sub).map_err(|e| unauthorized(&format!("the token's sub {e}")))?;
        let user_type = UserType::parse(&claims.user_type)
            .map_err(|_| unauthorized("the token's userType must be customer, agent or admin"))?;
        Ok(Actor::new(id, user_type))
    }

    /// A provider's token: its algorithm must be its key's own, its `iss` and
    /// `aud` the configured ones; the user and role come from the configured
    /// claims.
    fn verify_with_provider(
        &self,
        provider: &provider::Provider,
        key: &provider::ProviderKey,
        alg: Algorithm,
        token: &str,
    ) -> Result<Actor, ApiError> {
        if alg != key.algorithm {
            return Err(unauthorized(
                "the token's algorithm is not the one of the key it names",
            ));
        }
        let settings = &provider.settings;
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &key.key, &key.validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                unauthorized(match e.kind() {
                    ErrorKind::InvalidSignature => "the token's signature is invalid",
                    ErrorKind::InvalidIssuer => "the token's issuer (iss) is not the one accepted",
                    ErrorKind::InvalidAudience => "the token is not meant for this API (aud)",
                    ErrorKind::MissingRequiredClaim(_) => {
                        "the token lacks a required claim (exp, iss, aud)"
                    }
                    _ => "the token is malformed",
                })
            })?;
        let claims = data.claims;
        let seconds = |name: &str| claims.get(name).and_then(serde_json::Value::as_u64);
        self.check_times(seconds("exp"), seconds("nbf"), seconds("iat"))?;
        let sub = provider::claim(&claims, &settings.sub_claim)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| {
                unauthorized(&format!("the token has no {} claim", settings.sub_claim))
            })?;
        let id = UserId::parse(sub.to_owned())
            .map_err(|e| unauthorized(&format!("the token's {} {e}", settings.sub_claim)))?;
        let names = provider::claim(&claims, &settings.role_claim)
            .map(provider::role_names)
            .unwrap_or_default();
        let user_type = settings.roles.role_of(names).ok_or_else(|| {
            unauthorized(&format!(
                "the token's {} claim names no role this desk maps to customer, agent or admin",
                settings.role_claim
            ))
        })?;
        Ok(Actor::new(id, user_type))
    }

    /// `exp` (required), `nbf` and `iat` against the keys' clock, with
    /// [`LEEWAY_SECONDS`] of skew.
    fn check_times(
        &self,
        exp: Option<u64>,
        nbf: Option<u64>,
        iat: Option<u64>,
    ) -> Result<(), ApiError> {
        let now = self.now_seconds();
        let exp = exp.ok_or_else(|| unauthorized("the token has no expiry (exp)"))?;
        if exp.saturating_add(LEEWAY_SECONDS) < now {
            return Err(unauthorized("the token has expired"));
        }
        if nbf.is_some_and(|nbf| nbf > now.saturating_add(LEEWAY_SECONDS)) {
            return Err(unauthorized("the token is not valid yet (nbf)"));
        }
        if iat.is_some_and(|iat| iat > now.saturating_add(LEEWAY_SECONDS)) {
            return Err(unauthorized("the token was issued in the future (iat)"));
        }
        Ok(())
    }
}

/// What checking a token with what is at hand gave.
pub(super) enum Checked {
    Actor(Actor),
    Refused(ApiError),
    /// The provider's keys must be fetched first.
    KeyNeeded,
}

impl From<Result<Actor, ApiError>> for Checked {
    fn from(result: Result<Actor, ApiError>) -> Self {
        match result {
            Ok(actor) => Checked::Actor(actor),
            Err(e) => Checked::Refused(e),
        }
    }
}

pub(super) fn unauthorized(why: &str) -> ApiError {
    ApiError::unauthorized(format!("Unauthorized: {why}"))
}

fn unknown_key() -> ApiError {
    unauthorized("the token names a key (kid) the identity provider does not publish")
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
