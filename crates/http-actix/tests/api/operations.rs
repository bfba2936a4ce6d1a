//! What operators rely on: liveness, readiness, metrics and request ids.

use std::sync::Arc;

use crate::common::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::json;
use ticketd_app::{StoragePorts, SupportDesk};
use ticketd_ports::SystemClock;
use ticketd_store_diesel::test_on_both_databases;
use ticketd_testkit::InMemoryStore;

#[actix_web::test]
async fn readiness_follows_the_database_and_liveness_does_not() {
    let store = Arc::new(InMemoryStore::new());
    let api = api_over(SupportDesk::new(
        StoragePorts::of(store.clone()),
        memory_files(),
        Arc::new(SystemClock),
    ))
    .await;
    let r = api
        .call(Method::GET, "/ready", None, None)
        .await
        .expect(200);
    assert_eq!(r.data(), &json!({"status": "ready"}));
    store.set_unavailable(true);
    let r = api
        .call(Method::GET, "/ready", None, None)
        .await
        .expect_error(503);
    assert_eq!(r.header("retry-after"), Some("5"));
    let r = api
        .call(Method::GET, "/health", None, None)
        .await
        .expect(200);
    assert_eq!(r.data(), &json!({"status": "alive"}));
    store.set_unavailable(false);
    api.call(Method::GET, "/ready", None, None)
        .await
        .expect(200);
}

test_on_both_databases! { actix_web::test;

async fn metrics_count_requests_by_route_and_status_and_show_the_pool(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let id = api.ticket(&customer("c1"), cat, "Metered").await;
    api.get(&format!("{API}/{id}"), &customer("c1")).await.expect(200);
    api.get(&format!("{API}/{id}"), &customer("c2")).await.expect(404);
    api.get("/nowhere/at/all", &customer("c1")).await.expect(404);
    let req = TestRequest::get().uri("/metrics");
    let res = actix_web::test::call_service(&api.app, req.to_request()).await;
    assert_eq!(res.status().as_u16(), 200);
    let text = String::from_utf8(actix_web::test::read_body(res).await.to_vec()).unwrap();
    for line in [
        r#"ticketd_http_requests_total{method="GET",route="/backend/api/support-ticket/{id}",status="200"} 1"#,
        r#"ticketd_http_requests_total{method="GET",route="/backend/api/support-ticket/{id}",status="404"} 1"#,
        r#"ticketd_http_requests_total{method="POST",route="/backend/api/support-ticket",status="201"} 1"#,
        r#"ticketd_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"ticketd_http_request_duration_seconds_count{method="GET",route="/backend/api/support-ticket/{id}"} 2"#,
        "ticketd_db_pool_max_connections 10",
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }
    assert!(text.contains(r#"ticketd_db_pool_connections{state="idle"}"#));
    assert!(!text.contains("/nowhere"), "raw paths never become labels");

    // Made-up methods on made-up paths: every label stays in a closed set,
    // so the exposition does not grow with them.
    let scrape = || async {
        let res = actix_web::test::call_service(&api.app, TestRequest::get().uri("/metrics").to_request()).await;
        String::from_utf8(actix_web::test::read_body(res).await.to_vec()).unwrap()
    };
    let made_up = |i: usize| {
        TestRequest::default()
            .method(actix_web::http::Method::from_bytes(format!("BREW{i}").as_bytes()).unwrap())
            .uri(&format!("/made/up/{i}"))
    };
    api.send(made_up(0)).await;
    let before = scrape().await.len();
    for i in 1..300 {
        api.send(made_up(i)).await;
    }
    let after = scrape().await;
    assert!(after.contains(r#"ticketd_http_requests_total{method="OTHER",route="unmatched",status="404"} 300"#), "{after}");
    assert!(!after.contains("BREW"), "methods never become labels");
    // Only counts changed (a few digits longer at most).
    assert!(after.len() <= before + 64, "{} -> {} bytes", before, after.len());
}

async fn every_response_carries_a_request_id_and_a_plain_client_id_is_kept(db: &TestDatabase) {
    let api = api(db).await;
    let r = api.get(API, &customer("c1")).await.expect(200);
    let generated = r.header("x-request-id").unwrap().to_owned();
    assert_eq!(generated.len(), 16);
    let again = api.get(API, &customer("c1")).await;
    assert_ne!(again.header("x-request-id").unwrap(), generated);
    let req = TestRequest::get().uri(API).insert_header(("X-Request-Id", "client-abc.123"));
    let r = api.send(req).await;
    assert_eq!(r.header("x-request-id"), Some("client-abc.123"));
    let req = TestRequest::get().uri(API).insert_header(("X-Request-Id", "bad id with spaces"));
    let r = api.send(req).await;
    assert_ne!(r.header("x-request-id"), Some("bad id with spaces"));
}

}

#[actix_web::test]
async fn callers_over_their_rate_get_429_with_retry_after_and_limit_headers() {
    use ticketd_http_actix::RateLimit;
    let store = Arc::new(InMemoryStore::new());
    let mut limited = settings();
    limited.user_rate = RateLimit {
        per_minute: 60,
        burst: 3,
    };
    limited.anonymous_rate = RateLimit {
        per_minute: 6,
        burst: 2,
    };
    let api = api_with(
        SupportDesk::new(
            StoragePorts::of(store),
            memory_files(),
            Arc::new(SystemClock),
        ),
        limited,
    )
    .await;
    let c1 = customer("c1");
    for remaining in ["2", "1", "0"] {
        let r = api.get(API, &c1).await.expect(200);
        assert_eq!(r.header("x-ratelimit-limit"), Some("3"));
        assert_eq!(r.header("x-ratelimit-remaining"), Some(remaining));
    }
    let r = api.get(API, &c1).await.expect_error(429);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.header("x-ratelimit-limit"), Some("3"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    // Each user has a bucket of its own.
    api.get(API, &customer("c2")).await.expect(200);
    // Without a valid token, the client address is limited.
    let anonymous = || {
        TestRequest::get()
            .uri(API)
            .peer_addr("203.0.113.9:4000".parse().unwrap())
    };
    for _ in 0..2 {
        api.send(anonymous()).await.expect_error(401);
    }
    let r = api.send(anonymous()).await.expect_error(429);
    assert_eq!(r.header("retry-after"), Some("10"));
    let bad_token = anonymous().insert_header(("Authorization", "Bearer forged"));
    api.send(bad_token).await.expect_error(429);
    // Paths no route matches take tokens too, with or without a token.
    let elsewhere = |path: &str| {
        TestRequest::get()
            .uri(path)
            .peer_addr("198.51.100.7:4000".parse().unwrap())
    };
    api.send(elsewhere("/nowhere")).await.expect_error(404);
    api.send(elsewhere("/backend/api/nothing-here"))
        .await
        .expect_error(404);
    api.send(elsewhere("/nowhere/else")).await.expect_error(429);
    let as_c3 = || {
        TestRequest::get()
            .uri("/nowhere")
            .insert_header(("Authorization", format!("Bearer {}", customer("c3"))))
    };
    for _ in 0..3 {
        api.send(as_c3()).await.expect_error(404);
    }
    api.send(as_c3()).await.expect_error(429);
    // Probes and docs are never limited.
    for _ in 0..5 {
        api.send(
            TestRequest::get()
                .uri("/health")
                .peer_addr("203.0.113.9:4000".parse().unwrap()),
        )
        .await
        .expect(200);
    }
}
