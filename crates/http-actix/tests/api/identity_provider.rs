//! Tokens of an OpenID Connect identity provider, checked against a JWKS the
//! test serves itself: accepted beside the secret's own tokens, with issuer,
//! audience, algorithm and role checked; keys rotated, fetched no more often
//! than the floor allows, and kept working while the JWKS is unreachable.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::common::*;
use crate::idp::*;
use actix_web::http::Method;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use ticketd_app::{StoragePorts, SupportDesk};
use ticketd_http_actix::ProviderSettings;
use ticketd_ports::{Clock, ManualClock};
use ticketd_testkit::InMemoryStore;

const API: &str = "/backend/api/support-ticket";

/// `token` gets 401 because the key it names is not one the desk has.
macro_rules! refused_for_its_key {
    ($api:expr, $token:expr) => {{
        let r = $api
            .call(Method::GET, API, Some(&$token), None)
            .await
            .expect_error(401);
        assert!(
            r.body["message"].as_str().unwrap().contains("kid"),
            "{}",
            r.body
        );
    }};
}

fn desk(clock: Arc<ManualClock>) -> SupportDesk {
    SupportDesk::new(
        StoragePorts::of(Arc::new(InMemoryStore::new())),
        memory_files(),
        clock,
    )
}

#[actix_web::test]
async fn a_providers_tokens_are_accepted_beside_the_secrets_with_every_claim_checked() {
    let (a, r) = (key_a(), key_rsa());
    let jwks = Jwks::serve(&[&a, &r]);
    let clock = Arc::new(ManualClock::starting_now());
    let keys = keys().with_provider(settings_for(&jwks)).unwrap();
    let api = api_with_keys(desk(clock.clone()), keys).await;
    let now = clock.now().timestamp();

    // The secret's own tokens work exactly as before, beside the provider's.
    let category = api.category("General", 0).await;
    let customer = a.sign(&claims(now, "maria", &["offline_access", "portal-user"]));
    let opened = api
        .post(
            API,
            &customer,
            json!({"subject": "Hi", "description": "Help", "categoryId": category}),
        )
        .await
        .expect(201);
    assert_eq!(opened.data()["userId"], "maria");
    assert_eq!(opened.data()["userType"], "customer");
    // An RSA key, and the most trusted of several roles.
    let staff = r.sign(&claims(now, "olaf", &["portal-user", "support-agent"]));
    let id = opened.data()["id"].as_i64().unwrap();
    let seen = api.get(&format!("{API}/{id}"), &staff).await.expect(200);
    assert_eq!(seen.data()["userId"], "maria");
    let admin = a.sign(&claims(now, "root-admin", &["desk-admin"]));
    api.post(
        &format!("{API}/categories"),
        &admin,
        json!({"categoryName": "Billing"}),
    )
    .await
    .expect(201);
    assert_eq!(jwks.fetches(), 1, "one fetch serves every token");

    let refused = |claims: Value, key: &ProviderKey| key.sign(&claims);
    let mut cases: Vec<(&str, String)> = Vec::new();
    let mut c = claims(now, "maria", &["portal-user"]);
    c["iss"] = json!("https://evil.example.com/realms/desk");
    cases.push(("issuer", refused(c, &a)));
    let mut c = claims(now, "maria", &["portal-user"]);
    c["aud"] = json!("another-api");
    cases.push(("aud", refused(c, &a)));
    let mut c = claims(now, "maria", &["portal-user"]);
    c.as_object_mut().unwrap().remove("aud");
    cases.push(("claim", refused(c, &a)));
    let mut c = claims(now, "maria", &["portal-user"]);
    c["exp"] = json!(now - 3600);
    cases.push(("expired", refused(c, &a)));
    cases.push((
        "role",
        refused(claims(now, "maria", &["offline_access"]), &a),
    ));
    let mut c = claims(now, "maria", &["portal-user"]);
    c.as_object_mut().unwrap().remove("preferred_username");
    cases.push(("preferred_username", refused(c, &a)));
    // The algorithm is the key's: an RSA key's kid on an ES256 signature,
    // and a token with no kid.
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("key-r".into());
    cases.push((
        "algorithm",
        jsonwebtoken::encode(&header, &claims(now, "maria", &["portal-user"]), &a.key).unwrap(),
    ));
    cases.push((
        "kid",
        jsonwebtoken::encode(
            &Header::new(Algorithm::ES256),
            &claims(now, "maria", &["portal-user"]),
            &a.key,
        )
        .unwrap(),
    ));
    // HS/RS confusion: HS256 "signed" with the provider's public key is
    // checked against the secret only.
    let public = serde_json::to_vec(&r.jwk()).unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("key-r".into());
    cases.push((
        "signature",
        jsonwebtoken::encode(
            &header,
            &claims(now, "maria", &["portal-user"]),
            &EncodingKey::from_secret(&public),
        )
        .unwrap(),
    ));
    // `none`.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "kid": "key-a"})),
        b64(&claims(now, "maria", &["portal-user"]))
    );
    cases.push(("malformed", none));
    for (why, token) in cases {
        let r = api
            .call(Method::GET, API, Some(&token), None)
            .await
            .expect_error(401);
        let message = r.body["message"].as_str().unwrap().to_owned();
        assert!(message.contains(why), "{why}: {message}");
        assert_eq!(
            r.header("www-authenticate")
                .map(|h| h.starts_with("Bearer")),
            Some(true),
            "{why}"
        );
    }
}

#[actix_web::test]
async fn rotated_keys_are_fetched_within_the_floor_and_cached_keys_outlive_an_outage() {
    let (a, b) = (key_a(), key_b());
    let jwks = Jwks::serve(&[&a]);
    let clock = Arc::new(ManualClock::starting_now());
    let keys = keys().with_provider(settings_for(&jwks)).unwrap();
    let api = api_with_keys(desk(clock.clone()), keys).await;
    let now = clock.now().timestamp();
    let with_a = a.sign(&claims(now, "maria", &["portal-user"]));
    api.get(API, &with_a).await.expect(200);
    assert_eq!(jwks.fetches(), 1);

    // The provider rotates to key B. A token with B within the floor of the
    // last fetch: no fetch, 401.
    jwks.publish(&[&b]);
    let with_b = b.sign(&claims(now, "maria", &["portal-user"]));
    refused_for_its_key!(api, with_b);
    assert_eq!(jwks.fetches(), 1, "no fetch within the floor");
    // Past the floor, the unknown key fetches the set again: B works, and A,
    // which the provider withdrew, does not.
    clock.advance(Duration::from_secs(61));
    api.get(API, &with_b).await.expect(200);
    assert_eq!(jwks.fetches(), 2);
    api.call(Method::GET, API, Some(&with_a), None)
        .await
        .expect_error(401);
    // Many tokens naming unknown keys fetch nothing more within the floor.
    for _ in 0..5 {
        api.call(Method::GET, API, Some(&with_a), None)
            .await
            .expect_error(401);
    }
    assert_eq!(jwks.fetches(), 2);

    // The JWKS goes away: the cached key B keeps working, a token naming an
    // unknown key gets 401 (not 500), even once the cache is due again.
    jwks.down.store(true, Ordering::SeqCst);
    clock.advance(Duration::from_secs(3601));
    let later = clock.now().timestamp();
    api.get(API, &b.sign(&claims(later, "maria", &["portal-user"])))
        .await
        .expect(200);
    refused_for_its_key!(api, a.sign(&claims(later, "maria", &["portal-user"])));
    api.get(API, &b.sign(&claims(later, "maria", &["portal-user"])))
        .await
        .expect(200);
    // The secret's tokens never depended on it.
    let own = api
        .keys
        .sign(&ticketd_http_actix::Claims {
            sub: "c9".into(),
            user_type: "customer".into(),
            exp: u64::try_from(later + 3600).unwrap(),
            nbf: None,
            iat: None,
            name: None,
        })
        .unwrap();
    api.get(API, &own).await.expect(200);
}

#[actix_web::test]
async fn an_unreachable_jwks_at_start_means_401_until_it_answers() {
    // Nothing listens here.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let clock = Arc::new(ManualClock::starting_now());
    let settings = ProviderSettings {
        jwks_url: format!("http://127.0.0.1:{port}/certs"),
        ..settings_for(&Jwks::serve(&[]))
    };
    let keys = keys().with_provider(settings).unwrap();
    keys.fetch_provider_keys().await;
    let api = api_with_keys(desk(clock.clone()), keys).await;
    let token = key_a().sign(&claims(clock.now().timestamp(), "maria", &["portal-user"]));
    refused_for_its_key!(api, token);
    api.get(API, &customer("c1")).await.expect(200);
}

#[actix_web::test]
async fn a_jwks_that_never_answers_times_out_into_a_401() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/certs", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream); // accepted, never answered
        }
    });
    let clock = Arc::new(ManualClock::starting_now());
    let settings = ProviderSettings {
        jwks_url: url,
        timeout: Duration::from_secs(1),
        ..settings_for(&Jwks::serve(&[]))
    };
    let api = api_with_keys(desk(clock.clone()), keys().with_provider(settings).unwrap()).await;
    let token = key_a().sign(&claims(clock.now().timestamp(), "maria", &["portal-user"]));
    let asked = std::time::Instant::now();
    api.call(Method::GET, API, Some(&token), None)
        .await
        .expect_error(401);
    let took = asked.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
}
