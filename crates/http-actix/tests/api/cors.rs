//! Calls from web pages on other origins (CORS): off by default, answered for
//! the configured origins on every route, refused in the envelope otherwise.

use std::sync::Arc;

use crate::common::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use ticketd_app::{StoragePorts, SupportDesk};
use ticketd_http_actix::{CorsOrigins, OPENAPI_PATH};
use ticketd_ports::SystemClock;
use ticketd_testkit::InMemoryStore;

const PORTAL: &str = "https://portal.example.com";
const API: &str = "/backend/api/support-ticket";

fn desk() -> SupportDesk {
    SupportDesk::new(
        StoragePorts::of(Arc::new(InMemoryStore::new())),
        memory_files(),
        Arc::new(SystemClock),
    )
}

fn with_origins(origins: &str) -> ticketd_http_actix::HttpSettings {
    let mut s = settings();
    s.cors = CorsOrigins::parse(origins).unwrap();
    s
}

fn preflight(path: &str, origin: &str, method: &str, headers: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", method))
        .insert_header(("Access-Control-Request-Headers", headers))
}

fn list_of(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

#[actix_web::test]
async fn every_documented_route_answers_a_preflight_from_an_allowed_origin() {
    let api = api_with(
        desk(),
        with_origins(&format!("{PORTAL},http://localhost:3000")),
    )
    .await;
    let doc: Value = serde_json::from_slice(
        &api.send_raw(TestRequest::get().uri(OPENAPI_PATH))
            .await
            .bytes,
    )
    .unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let path = path.replace("{id}", "12").replace("{key}", &"a".repeat(32));
        for method in ["get", "post", "put", "delete"]
            .into_iter()
            .filter(|m| item.get(*m).is_some())
        {
            let method = method.to_uppercase();
            let r = api
                .send_raw(preflight(&path, PORTAL, &method, "authorization,content-type,idempotency-key,if-match,if-none-match,x-request-id"))
                .await;
            assert_eq!(r.status.as_u16(), 200, "{method} {path}");
            assert_eq!(
                r.header("access-control-allow-origin"),
                Some(PORTAL),
                "{method} {path}"
            );
            assert!(
                list_of(r.header("access-control-allow-methods"))
                    .contains(&method.to_ascii_lowercase()),
                "{method} {path}"
            );
            let allowed = list_of(r.header("access-control-allow-headers"));
            for h in [
                "authorization",
                "content-type",
                "idempotency-key",
                "if-match",
                "if-none-match",
                "x-request-id",
            ] {
                assert!(
                    allowed.contains(&h.to_owned()),
                    "{h} for {method} {path}: {allowed:?}"
                );
            }
            assert!(r.header("access-control-max-age").is_some());
            assert_eq!(
                r.header("access-control-allow-credentials"),
                None,
                "never with credentials"
            );
            checked += 1;
        }
    }
    assert!(checked >= 17, "{checked}");
    // The second origin too, as the browser writes it.
    let r = api
        .send_raw(preflight(
            API,
            "http://localhost:3000",
            "POST",
            "content-type",
        ))
        .await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
}

#[actix_web::test]
async fn answers_to_an_allowed_origin_carry_it_and_expose_what_clients_read() {
    let api = api_with(desk(), with_origins(PORTAL)).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "From the portal").await;
    let r = api
        .send_raw(
            TestRequest::get()
                .uri(&format!("{API}/{id}"))
                .insert_header(("Origin", PORTAL))
                .insert_header(("Authorization", format!("Bearer {c}"))),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.header("access-control-allow-origin"), Some(PORTAL));
    let vary = list_of(r.header("vary"));
    assert!(vary.contains(&"origin".to_owned()), "{vary:?}");
    let exposed = list_of(r.header("access-control-expose-headers"));
    for h in [
        "etag",
        "location",
        "x-total-count",
        "x-request-id",
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "content-disposition",
        "idempotent-replayed",
    ] {
        assert!(exposed.contains(&h.to_owned()), "{h}: {exposed:?}");
    }
    // Errors too, so that the page can read why.
    let r = api
        .send_raw(
            TestRequest::get()
                .uri(API)
                .insert_header(("Origin", PORTAL)),
        )
        .await;
    assert_eq!(r.status.as_u16(), 401);
    assert_eq!(r.header("access-control-allow-origin"), Some(PORTAL));
}

#[actix_web::test]
async fn another_origin_is_refused_in_the_envelope_and_gets_no_cors_headers() {
    let api = api_with(desk(), with_origins(PORTAL)).await;
    let r = api
        .send_raw(preflight(
            API,
            "https://evil.example.net",
            "POST",
            "authorization,content-type",
        ))
        .await;
    assert_eq!(r.status.as_u16(), 403);
    assert_eq!(r.header("access-control-allow-origin"), None);
    let body: Value = serde_json::from_slice(&r.bytes).unwrap();
    assert_eq!(body["status"], json!(0));
    assert!(
        body["message"].as_str().unwrap().contains("origin"),
        "{body}"
    );
    // A look-alike is another origin.
    for other in [
        "https://portal.example.com.evil.net",
        "http://portal.example.com",
        "https://portal.example.com:8443",
    ] {
        let r = api
            .send_raw(preflight(API, other, "GET", "authorization"))
            .await;
        assert_eq!(r.status.as_u16(), 403, "{other}");
    }
    // Its plain requests are served (the browser keeps the answer from the
    // page): without an allowed origin the page can read nothing of it.
    let r = api
        .send_raw(
            TestRequest::get()
                .uri("/health")
                .insert_header(("Origin", "https://evil.example.net")),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    // A header or method the API does not take: 400, in the envelope.
    let r = api
        .send_raw(preflight(API, PORTAL, "POST", "x-custom-secret"))
        .await;
    assert_eq!(r.status.as_u16(), 400);
    let body: Value = serde_json::from_slice(&r.bytes).unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("Authorization"),
        "{body}"
    );
    let r = api
        .send_raw(preflight(API, PORTAL, "PATCH", "authorization"))
        .await;
    assert_eq!(r.status.as_u16(), 400);
}

#[actix_web::test]
async fn without_configured_origins_there_is_no_cors_and_a_wildcard_only_when_asked() {
    let api = api_with(desk(), settings()).await;
    let r = api
        .send_raw(preflight("/health", PORTAL, "GET", "authorization"))
        .await;
    assert_eq!(r.status.as_u16(), 405);
    assert_eq!(r.header("access-control-allow-origin"), None);
    let r = api
        .send_raw(
            TestRequest::get()
                .uri("/health")
                .insert_header(("Origin", PORTAL)),
        )
        .await;
    assert_eq!(r.header("access-control-allow-origin"), None);

    let api = api_with(desk(), with_origins("*")).await;
    let r = api
        .send_raw(preflight(
            API,
            "https://anyone.example",
            "POST",
            "authorization,content-type",
        ))
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.header("access-control-allow-credentials"), None);
    let r = api
        .send_raw(
            TestRequest::get()
                .uri("/health")
                .insert_header(("Origin", "https://anyone.example")),
        )
        .await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}
