//! Tokens from an OpenID Connect identity provider (Keycloak, Auth0, Entra ID,
//! Google): signed with the provider's RS/PS/ES/EdDSA keys, published as a
//! JWKS, which is fetched, cached, and fetched again when a token names a key
//! not in the cache (no more often than a floor allows).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use ticketd_domain::UserType;

/// The largest JWKS document read, in bytes.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// Which provider's tokens are accepted, and how their claims name the user.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// Where the provider publishes its keys (its JWKS).
    pub jwks_url: String,
    /// The `iss` every token must carry.
    pub issuer: String,
    /// An `aud` every token must carry (this API's client or audience id).
    pub audience: String,
    /// The claim holding the user's id (`sub`; a dotted path reaches into
    /// objects).
    pub sub_claim: String,
    /// The claim holding the user's role, a string or a list of strings.
    pub role_claim: String,
    /// The provider's role names, mapped to ticketd's.
    pub roles: RoleMap,
    /// How long one fetch of the JWKS may take.
    pub timeout: Duration,
    /// The least time between two fetches: tokens naming unknown keys cannot
    /// make the server hammer the provider.
    pub refresh_floor: Duration,
    /// After this long, the keys are fetched again on the next use (a key
    /// the provider withdrew stops working).
    pub max_age: Duration,
}

/// The provider's role names and the ticketd role each one gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleMap(Vec<(String, UserType)>);

impl Default for RoleMap {
    /// `customer`, `agent` and `admin` as themselves.
    fn default() -> Self {
        Self(
            [UserType::Customer, UserType::Agent, UserType::Admin]
                .into_iter()
                .map(|t| (t.as_str().to_owned(), t))
                .collect(),
        )
    }
}

impl RoleMap {
    /// Reads `name=role,...` (`support-agent=agent,helpdesk-admin=admin`);
    /// empty means the default (the three roles as themselves).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut map = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((name, role)) = item.split_once('=') else {
                return Err(format!(
                    "{item:?}: write provider-role=customer|agent|admin"
                ));
            };
            let role = UserType::parse(role.trim())
                .map_err(|_| format!("{item:?}: the role must be customer, agent or admin"))?;
            map.push((name.trim().to_owned(), role));
        }
        Ok(if map.is_empty() {
            Self::default()
        } else {
            Self(map)
        })
    }

    /// The most trusted role any of `names` gives, if any does.
    pub fn role_of<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Option<UserType> {
        let rank = |t: UserType| match t {
            UserType::Customer => 0,
            UserType::Agent => 1,
            UserType::Admin => 2,
        };
        names
            .into_iter()
            .flat_map(|name| self.0.iter().filter(move |(n, _)| n == name))
            .map(|(_, role)| *role)
            .max_by_key(|role| rank(*role))
    }
}

/// A verifying key of the provider, with the one algorithm it may be used
/// with and the checks its tokens must pass (made once, when fetched).
#[derive(Clone)]
pub(super) struct ProviderKey {
    pub(super) key: DecodingKey,
    pub(super) algorithm: Algorithm,
    pub(super) validation: Arc<Validation>,
}

/// The keys last fetched, by `kid`, and when (the keys' clock, seconds).
#[derive(Default)]
struct KeySet {
    keys: HashMap<String, ProviderKey>,
    fetched_at: Option<i64>,
}

/// The provider's keys, cached.
pub(super) struct Provider {
    pub(super) settings: ProviderSettings,
    keys: RwLock<KeySet>,
    /// When the last fetch was tried; held while fetching, so that one
    /// request fetches and the others wait for its result.
    last_attempt: tokio::sync::Mutex<Option<i64>>,
    client: reqwest::Client,
}

impl Provider {
    pub(super) fn new(settings: ProviderSettings) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            // The fetches are rare and may come from any worker's runtime.
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|e| format!("building the JWKS client: {e}"))?;
        Ok(Self {
            settings,
            keys: RwLock::default(),
            last_attempt: tokio::sync::Mutex::new(None),
            client,
        })
    }

    /// The cached key `kid`, unless the cache is older than `max_age` and
    /// `stale_ok` is false.
    pub(super) fn key(&self, kid: &str, now: i64, stale_ok: bool) -> Option<ProviderKey> {
        let set = self.keys.read().ok()?;
        let stale = set.fetched_at.is_none_or(|at| {
            now.saturating_sub(at)
                >= i64::try_from(self.settings.max_age.as_secs()).unwrap_or(i64::MAX)
        });
        set.keys.get(kid).filter(|_| stale_ok || !stale).cloned()
    }

    /// Fetches the keys again, unless the last attempt was less than the
    /// floor ago. On failure the cached keys stay (and the failure is
    /// logged, on the line of the request that asked).
    pub(super) async fn refresh(&self, now: i64) {
        let mut last = self.last_attempt.lock().await;
        let floor = i64::try_from(self.settings.refresh_floor.as_secs()).unwrap_or(i64::MAX);
        if last.is_some_and(|at| now.saturating_sub(at) < floor) {
            return;
        }
        *last = Some(now);
        match self.fetch().await {
            Ok(keys) => {
                log::info!(
                    "fetched {} signing keys from {}",
                    keys.len(),
                    self.settings.jwks_url
                );
                if let Ok(mut set) = self.keys.write() {
                    *set = KeySet {
                        keys,
                        fetched_at: Some(now),
                    };
                }
            }
            Err(e) => log::warn!(
                "fetching the identity provider's keys from {} failed (the cached keys stay): {e}",
                self.settings.jwks_url
            ),
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, ProviderKey>, String> {
        let mut res = self
            .client
            .get(&self.settings.jwks_url)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!("it answered {}", res.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| e.to_string())? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("the document is over {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        let keys = parse_jwks(&body)?;
        Ok(keys
            .into_iter()
            .map(|(kid, (key, algorithm))| {
                let validation = Arc::new(self.validation(algorithm));
                (
                    kid,
                    ProviderKey {
                        key,
                        algorithm,
                        validation,
                    },
                )
            })
            .collect())
    }

    /// What a token signed with `algorithm` must pass: that algorithm alone,
    /// `exp`, `iss` and `aud` present, the configured issuer and audience.
    /// `exp` and `nbf` are checked against the keys' clock instead.
    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation
    }
}

/// The signing keys of a JWKS document: each with a `kid`, for signatures
/// (`use` absent or `sig`), of a public-key algorithm; others are skipped.
pub(super) fn parse_jwks(body: &[u8]) -> Result<HashMap<String, (DecodingKey, Algorithm)>, String> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let entries = doc["keys"]
        .as_array()
        .ok_or("no `keys` list in the document")?;
    let mut keys = HashMap::new();
    for entry in entries {
        let Ok(jwk) = serde_json::from_value::<Jwk>(entry.clone()) else {
            continue;
        };
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        if entry["use"].as_str().is_some_and(|u| u != "sig") {
            continue;
        }
        let Some(algorithm) = pinned_algorithm(&jwk) else {
            continue;
        };
        let Ok(key) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        keys.insert(kid, (key, algorithm));
    }
    Ok(keys)
}

/// The one algorithm a key may verify: its `alg` if it names one that fits
/// the key's type, else its type's usual one. Shared-secret (`oct`) keys are
/// never taken from a JWKS.
fn pinned_algorithm(jwk: &Jwk) -> Option<Algorithm> {
    use Algorithm::*;
    let fits = |alg: Algorithm| match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => matches!(alg, RS256 | RS384 | RS512 | PS256 | PS384 | PS512),
        AlgorithmParameters::EllipticCurve(ec) => matches!(
            (alg, &ec.curve),
            (ES256, EllipticCurve::P256) | (ES384, EllipticCurve::P384)
        ),
        AlgorithmParameters::OctetKeyPair(_) => alg == EdDSA,
        AlgorithmParameters::OctetKey(_) => false,
    };
    let named = match jwk.common.key_algorithm {
        Some(KeyAlgorithm::RS256) => Some(RS256),
        Some(KeyAlgorithm::RS384) => Some(RS384),
        Some(KeyAlgorithm::RS512) => Some(RS512),
        Some(KeyAlgorithm::PS256) => Some(PS256),
        Some(KeyAlgorithm::PS384) => Some(PS384),
        Some(KeyAlgorithm::PS512) => Some(PS512),
        Some(KeyAlgorithm::ES256) => Some(ES256),
        Some(KeyAlgorithm::ES384) => Some(ES384),
        Some(KeyAlgorithm::EdDSA) => Some(EdDSA),
        Some(_) => return None,
        None => None,
    };
    let usual = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => RS256,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P384 => ES384,
        AlgorithmParameters::EllipticCurve(_) => ES256,
        AlgorithmParameters::OctetKeyPair(_) => EdDSA,
        AlgorithmParameters::OctetKey(_) => return None,
    };
    Some(named.unwrap_or(usual)).filter(|alg| fits(*alg))
}

/// A claim by name, or else by a dotted path into objects
/// (`realm_access.roles`); a name with dots of its own (Auth0's
/// `https://example.com/roles`) is found whole first.
pub(super) fn claim<'a>(claims: &'a Value, name: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(name) {
        return Some(v);
    }
    name.split('.').try_fold(claims, |v, part| v.get(part))
}

/// The role names a claim holds: a string, or a list of strings.
pub(super) fn role_names(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Shared, so that every worker's `JwtKeys` reads one cache.
pub(super) type SharedProvider = Arc<Provider>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn roles_map_to_the_most_trusted_one_named() {
        let map =
            RoleMap::parse("support-agent=agent, desk-admin=admin,portal-user=customer").unwrap();
        assert_eq!(map.role_of(["portal-user"]), Some(UserType::Customer));
        assert_eq!(
            map.role_of(["portal-user", "desk-admin", "x"]),
            Some(UserType::Admin)
        );
        assert_eq!(map.role_of(["admin"]), None, "only the names mapped count");
        assert_eq!(
            RoleMap::parse("").unwrap().role_of(["agent"]),
            Some(UserType::Agent)
        );
        assert!(RoleMap::parse("x=root").is_err());
        assert!(RoleMap::parse("x").is_err());
    }

    #[test]
    fn claims_are_found_whole_then_by_path() {
        let claims = json!({"realm_access": {"roles": ["a", 3, "b"]},
            "https://desk.example.com/roles": "agent", "role": "admin"});
        assert_eq!(
            role_names(claim(&claims, "realm_access.roles").unwrap()),
            ["a", "b"]
        );
        assert_eq!(
            role_names(claim(&claims, "https://desk.example.com/roles").unwrap()),
            ["agent"]
        );
        assert_eq!(role_names(claim(&claims, "role").unwrap()), ["admin"]);
        assert!(claim(&claims, "realm_access.missing").is_none());
    }

    #[test]
    fn only_signing_keys_of_public_key_algorithms_are_taken() {
        let ec = |kid: &str, alg: Option<&str>, use_: Option<&str>| {
            let mut k = json!({"kty": "EC", "crv": "P-256", "kid": kid,
                "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
            if let Some(alg) = alg {
                k["alg"] = json!(alg);
            }
            if let Some(u) = use_ {
                k["use"] = json!(u);
            }
            k
        };
        let doc = json!({"keys": [
            ec("plain", None, None),
            ec("named", Some("ES256"), Some("sig")),
            ec("encryption", None, Some("enc")),
            ec("mismatch", Some("RS256"), None),
            ec("wrong-curve", Some("ES384"), None),
            {"kty": "oct", "kid": "secret", "k": "c2VjcmV0", "alg": "HS256"},
            {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "unknown", "kid": "odd"},
        ]});
        let keys = parse_jwks(doc.to_string().as_bytes()).unwrap();
        let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        assert_eq!(kids, ["named", "plain"]);
        assert!(keys.values().all(|(_, alg)| *alg == Algorithm::ES256));
        assert!(parse_jwks(b"{}").is_err());
        assert!(parse_jwks(b"not json").is_err());
    }
}
