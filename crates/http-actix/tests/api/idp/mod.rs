//! The identity provider the tests stand up: signing keys (fixtures), a JWKS
//! endpoint that can rotate its keys or go away, and Keycloak-like claims.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use ticketd_http_actix::{ProviderSettings, RoleMap};

pub const ISSUER: &str = "https://login.example.com/realms/desk";
pub const AUDIENCE: &str = "ticketd";

/// A signing key of the test's provider.
pub struct ProviderKey {
    pub kid: &'static str,
    pub alg: Algorithm,
    pub key: EncodingKey,
}

impl ProviderKey {
    pub fn es256(kid: &'static str, der: &[u8]) -> Self {
        Self {
            kid,
            alg: Algorithm::ES256,
            key: EncodingKey::from_ec_der(der),
        }
    }

    pub fn rs256(kid: &'static str, der: &[u8]) -> Self {
        Self {
            kid,
            alg: Algorithm::RS256,
            key: EncodingKey::from_rsa_der(der),
        }
    }

    /// Its public half, as a JWKS lists it.
    pub fn jwk(&self) -> Value {
        let mut jwk = Jwk::from_encoding_key(&self.key, self.alg).unwrap();
        jwk.common.key_id = Some(self.kid.to_owned());
        let mut value = serde_json::to_value(jwk).unwrap();
        value["use"] = json!("sig");
        value
    }

    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
}

pub fn key_a() -> ProviderKey {
    ProviderKey::es256(
        "key-a",
        include_bytes!("../../fixtures/idp-es256-a.pk8.der"),
    )
}
pub fn key_b() -> ProviderKey {
    ProviderKey::es256(
        "key-b",
        include_bytes!("../../fixtures/idp-es256-b.pk8.der"),
    )
}
pub fn key_rsa() -> ProviderKey {
    ProviderKey::rs256(
        "key-r",
        include_bytes!("../../fixtures/idp-rs256.pkcs1.der"),
    )
}

/// The provider's JWKS endpoint: serves the keys set last, counts the
/// fetches, and when `down`, drops each connection unanswered.
pub struct Jwks {
    pub url: String,
    body: Arc<Mutex<String>>,
    fetches: Arc<AtomicUsize>,
    pub down: Arc<AtomicBool>,
}

impl Jwks {
    pub fn serve(keys: &[&ProviderKey]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/realms/desk/protocol/openid-connect/certs",
            listener.local_addr().unwrap()
        );
        let jwks = Jwks {
            url,
            body: Arc::default(),
            fetches: Arc::default(),
            down: Arc::default(),
        };
        jwks.publish(keys);
        let (body, fetches, down) = (jwks.body.clone(), jwks.fetches.clone(), jwks.down.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                if down.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes unanswered
                }
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                fetches.fetch_add(1, Ordering::SeqCst);
                let body = body.lock().unwrap().clone();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        jwks
    }

    pub fn publish(&self, keys: &[&ProviderKey]) {
        let set = json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()});
        // The document parses as a JWKS.
        serde_json::from_value::<JwkSet>(set.clone()).unwrap();
        *self.body.lock().unwrap() = set.to_string();
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

pub fn settings_for(jwks: &Jwks) -> ProviderSettings {
    ProviderSettings {
        jwks_url: jwks.url.clone(),
        issuer: ISSUER.to_owned(),
        audience: AUDIENCE.to_owned(),
        sub_claim: "preferred_username".to_owned(),
        role_claim: "realm_access.roles".to_owned(),
        roles: RoleMap::parse("portal-user=customer,support-agent=agent,desk-admin=admin").unwrap(),
        timeout: Duration::from_secs(2),
        refresh_floor: Duration::from_secs(60),
        max_age: Duration::from_secs(3600),
    }
}

/// Claims as a Keycloak realm writes them, valid for an hour from `now`.
pub fn claims(now: i64, user: &str, roles: &[&str]) -> Value {
    json!({
        "iss": ISSUER, "aud": ["account", AUDIENCE], "sub": "f3b1c0de-0000-4000-8000-000000000001",
        "preferred_username": user, "realm_access": {"roles": roles},
        "iat": now, "exp": now + 3600,
    })
}

pub fn b64(value: &Value) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}
