//! Every 4xx of the contract, and 503, answer in the error envelope with the
//! right status and headers.

use std::sync::Arc;

use crate::common::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::json;
use ticketd_app::{StoragePorts, SupportDesk};
use ticketd_http_actix::Claims;
use ticketd_ports::SystemClock;
use ticketd_store_diesel::test_on_both_databases;
use ticketd_testkit::InMemoryStore;

fn claims(sub: &str, user_type: &str, exp_offset: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: sub.into(),
        user_type: user_type.into(),
        exp: u64::try_from(now + exp_offset).unwrap(),
        nbf: None,
        iat: None,
        name: None,
    }
}

/// Valid claims with `nbf` and `iat` this many seconds from now.
fn claims_from(nbf_offset: Option<i64>, iat_offset: Option<i64>) -> Claims {
    let now = chrono::Utc::now().timestamp();
    let at = |offset: i64| u64::try_from(now + offset).unwrap();
    Claims {
        nbf: nbf_offset.map(at),
        iat: iat_offset.map(at),
        ..claims("c1", "customer", 7200)
    }
}

/// A token with a hand-made header and payload, signed (or not) as given.
fn raw_token(header: serde_json::Value, payload: serde_json::Value, signature: &str) -> String {
    use base64_url as b64;
    format!(
        "{}.{}.{signature}",
        b64::encode(&header.to_string()),
        b64::encode(&payload.to_string())
    )
}

mod base64_url {
    pub fn encode(s: &str) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = s.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}

test_on_both_databases! { actix_web::test;

async fn requests_without_a_valid_token_get_401_with_www_authenticate(db: &TestDatabase) {
    let api = api(db).await;
    let keys = keys();
    let other_keys = ticketd_http_actix::JwtKeys::new(b"another-secret-another-secret-another!");
    let exp = chrono::Utc::now().timestamp() + 3600;
    let payload = json!({"sub": "c1", "userType": "customer", "exp": exp});
    let bad_tokens = [
        ("malformed", "not-a-jwt".to_owned()),
        ("wrong secret", other_keys.sign(&claims("c1", "customer", 3600)).unwrap()),
        ("expired", keys.sign(&claims("c1", "customer", -3600)).unwrap()),
        ("unknown user type", keys.sign(&claims("c1", "superuser", 3600)).unwrap()),
        ("empty sub", keys.sign(&claims("", "customer", 3600)).unwrap()),
        ("alg none", raw_token(json!({"alg": "none", "typ": "JWT"}), payload.clone(), "")),
        ("alg HS384", raw_token(json!({"alg": "HS384", "typ": "JWT"}), payload.clone(), "c2lnbmF0dXJl")),
        ("no exp", raw_token(json!({"alg": "HS256", "typ": "JWT"}), json!({"sub": "c1", "userType": "customer"}), "c2ln")),
        ("not valid for an hour", keys.sign(&claims_from(Some(3600), None)).unwrap()),
        ("issued in an hour", keys.sign(&claims_from(None, Some(3600))).unwrap()),
    ];
    let routes = [
        (Method::GET, API.to_owned()),
        (Method::POST, API.to_owned()),
        (Method::GET, format!("{API}/1")),
        (Method::POST, format!("{API}/1")),
        (Method::PUT, format!("{API}/1")),
        (Method::GET, format!("{API}/ticket-logs")),
        (Method::GET, format!("{API}/categories")),
        (Method::POST, format!("{API}/categories")),
    ];
    for (method, path) in &routes {
        let r = api.call(method.clone(), path, None, None).await.expect_error(401);
        assert_eq!(r.header("www-authenticate"), Some("Bearer"), "{method} {path}");
        for (why, token) in &bad_tokens {
            let r = api.call(method.clone(), path, Some(token), Some(json!({}))).await;
            assert_eq!(r.status.as_u16(), 401, "{why} on {method} {path}: {:#}", r.body);
            assert_eq!(r.header("www-authenticate"), Some("Bearer"));
            assert_eq!(r.body["status"], json!(0));
        }
    }
    let basic = api.send(TestRequest::get().uri(API).insert_header(("Authorization", "Basic dXNlcjpwYXNz"))).await;
    basic.expect_error(401);
    assert_eq!(api.log_count().await, 0);
    // Clocks differ a little: nbf and iat get the same leeway as exp.
    for skewed in [claims_from(Some(10), Some(10)), claims_from(Some(-60), Some(-60))] {
        api.get(API, &keys.sign(&skewed).unwrap()).await.expect(200);
    }
}

async fn two_authorization_headers_are_refused_whatever_their_order(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let id = api.ticket(&customer("c1"), cat, "Mine").await;
    for (first, second) in [(admin(), customer("c2")), (customer("c2"), admin()), (admin(), admin())] {
        for (method, path) in [(Method::GET, format!("{API}/{id}")), (Method::GET, format!("{API}/categories")), (Method::DELETE, format!("{API}/{id}"))] {
            let r = api
                .send(TestRequest::default()
                    .method(method.clone())
                    .uri(&path)
                    .append_header(("Authorization", format!("Bearer {first}")))
                    .append_header(("Authorization", format!("Bearer {second}"))))
                .await
                .expect_error(401);
            assert_eq!(r.header("www-authenticate"), Some("Bearer"), "{method} {path}");
            assert!(r.body["message"].as_str().unwrap().contains("one Authorization header"), "{:#}", r.body);
        }
    }
    api.get(&format!("{API}/{id}"), &admin()).await.expect(200);
}

async fn invalid_fields_get_400_listing_each_field(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let r = api.post(API, &c, json!({})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["subject", "description", "categoryId"]);
    let r = api
        .post(API, &c, json!({"subject": "", "description": "x".repeat(10_001), "categoryId": -1, "subCategoryId": -2}))
        .await
        .expect_error(400);
    assert_eq!(r.error_fields(), ["subject", "description", "categoryId", "subCategoryId"]);
    // Optional fields may be left out, not sent as null; whole numbers may be 3 or 3.0.
    let r = api
        .post(API, &c, json!({"subject": "s", "description": "d", "categoryId": cat, "subCategoryId": null}))
        .await
        .expect_error(400);
    assert_eq!(r.error_fields(), ["subCategoryId"]);
    api.post(API, &c, json!({"subject": "s", "description": "d", "categoryId": (cat as f64)})).await.expect(201);
    // A well-formed id that names no usable category is not found, naming the field.
    let r = api.post(API, &c, json!({"subject": "s", "description": "d", "categoryId": 999})).await.expect_error(404);
    assert_eq!(r.error_fields(), ["categoryId"]);
    let r = api.post(API, &c, json!({"subject": 5, "description": "d", "categoryId": cat})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["subject"]);
    let r = api
        .post(API, &c, json!({"subject": "s", "description": "d", "categoryId": cat, "createdBy": "someone"}))
        .await
        .expect_error(400);
    assert_eq!(r.error_fields(), ["createdBy"]);

    let id = api.ticket(&c, cat, "Valid").await;
    let path = format!("{API}/{id}");
    // A body is an object: an array of the fields' values in order is not one.
    let r = api.put(&path, &c, json!([5])).await.expect_error(400);
    assert_eq!(r.error_fields(), ["body"]);
    assert_eq!(api.get(&path, &c).await.data()["status"], "open");
    let r = api.post(API, &c, json!(["s", "d", cat])).await.expect_error(400);
    assert_eq!(r.error_fields(), ["body"]);
    let r = api.post(&path, &c, json!(["hello"])).await.expect_error(400);
    assert_eq!(r.error_fields(), ["body"]);
    let r = api.post(&format!("{API}/categories"), &admin(), json!(["Billing"])).await.expect_error(400);
    assert_eq!(r.error_fields(), ["body"]);
    let r = api
        .post(&path, &c, json!({"attachments": [["a.pdf", "/uploads/a.pdf"]]}))
        .await
        .expect_error(400);
    assert_eq!(r.error_fields(), ["attachments[0]"]);
    let r = api.post(&path, &c, json!({})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["message"]);
    let r = api.post(&path, &c, json!({"message": "   "})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["message"]);
    let r = api
        .post(&path, &c, json!({"attachments": [
            {"fileName": "ok.pdf", "filePath": "/uploads/ok.pdf"},
            {"fileName": "../x", "filePath": "/uploads/../../etc/passwd"},
            {"fileName": "a.pdf", "filePath": "https://evil.example/a.pdf"},
        ]}))
        .await
        .expect_error(400);
    assert_eq!(r.error_fields(), ["attachments[1].fileName", "attachments[1].filePath", "attachments[2].filePath"]);
    let eleven: Vec<_> = (0..11).map(|i| json!({"fileName": format!("f{i}.pdf"), "filePath": format!("/uploads/f{i}.pdf")})).collect();
    let r = api.post(&path, &c, json!({"attachments": eleven})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["attachments"]);
    let r = api.post(&path, &c, json!({"attachments": [{"fileName": "a.pdf"}]})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["attachments[0].filePath"]);
    let r = api.post(&path, &c, json!({"message": "hi", "senderId": "admin1"})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["senderId"]);
    let r = api.post(&path, &c, json!({"attachments": [{"fileName": "a", "filePath": "/uploads/a", "size": 1}]})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["attachments[0].size"]);

    for body in [json!({"status": 0}), json!({"status": 6}), json!({"status": "2"}), json!({"status": 2.5}), json!({"status": null})] {
        let r = api.put(&path, &agent(), body.clone()).await.expect_error(400);
        assert_eq!(r.error_fields(), ["status"], "{body}");
    }
    let r = api.put(&path, &agent(), json!({})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["body"], "an update must change something");
    let r = api.post(&format!("{API}/categories"), &admin(), json!({"categoryName": ""})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["categoryName"]);
    let r = api.post(&format!("{API}/categories"), &admin(), json!({"categoryName": "X", "parentCategoryId": 999})).await.expect_error(404);
    assert_eq!(r.error_fields(), ["parentCategoryId"]);
    // Nothing of it was written: the two valid tickets and their entries, no message.
    assert_eq!(api.log_count().await, 2);
    assert_eq!(api.message_count(id).await, 0);
}

async fn malformed_json_and_bad_query_values_get_400(db: &TestDatabase) {
    let api = api(db).await;
    let c = customer("c1");
    for body in ["{\"subject\": ", "[1, 2]", "{} {}", "null", ""] {
        let req = TestRequest::post()
            .uri(API)
            .insert_header(("Authorization", format!("Bearer {c}")))
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body);
        api.send(req).await.expect_error(400);
    }
    for q in ["limit=-1", "limit=abc", "offset=-5", "offset=1.5", "count=maybe", "limit=1e3"] {
        let r = api.get(&format!("{API}?{q}"), &c).await.expect_error(400);
        assert_eq!(r.error_fields().len(), 1, "{q}");
    }
    for q in ["ticketId=abc", "count=2", "limit=-3"] {
        api.get(&format!("{API}/ticket-logs?{q}"), &c).await.expect_error(400);
    }
    let r = api.get(&format!("{API}?keyword={}", "k".repeat(201)), &c).await.expect_error(400);
    assert_eq!(r.error_fields(), ["keyword"]);
}

async fn a_non_integer_id_gets_400_and_an_unknown_one_404(db: &TestDatabase) {
    let api = api(db).await;
    let c = customer("c1");
    for id in ["abc", "1.5", "-1", "0", "+1", "9223372036854775808"] {
        let r = api.get(&format!("{API}/{id}"), &c).await.expect_error(400);
        assert_eq!(r.error_fields(), ["id"], "{id}");
        api.put(&format!("{API}/{id}"), &agent(), json!({"status": 2})).await.expect_error(400);
        api.post(&format!("{API}/{id}"), &c, json!({"message": "x"})).await.expect_error(400);
    }
    api.get(&format!("{API}/424242"), &c).await.expect_error(404);
    api.get(&format!("{API}/9223372036854775807"), &c).await.expect_error(404);
    api.put(&format!("{API}/424242"), &agent(), json!({"status": 2})).await.expect_error(404);
    api.post(&format!("{API}/424242"), &c, json!({"message": "x"})).await.expect_error(404);
    api.get(&format!("{API}/ticket-logs?ticketId=424242"), &agent()).await.expect_error(404);
}

async fn unknown_routes_get_404_and_wrong_methods_405_with_allow(db: &TestDatabase) {
    let api = api(db).await;
    let c = customer("c1");
    for path in ["/", "/backend/api", "/backend/api/tickets", &format!("{API}/1/extra")] {
        api.get(path, &c).await.expect_error(404);
    }
    let cases = [
        (Method::PATCH, format!("{API}/1"), "GET, POST, PUT, DELETE"),
        (Method::PUT, format!("{API}/1/logs"), "GET"),
        (Method::GET, format!("{API}/1/restore"), "POST"),
        (Method::PUT, API.to_owned(), "GET, POST"),
        (Method::POST, format!("{API}/ticket-logs"), "GET"),
        (Method::PUT, format!("{API}/categories"), "GET, POST"),
    ];
    for (method, path, allow) in cases {
        let r = api.call(method.clone(), &path, Some(&c), None).await.expect_error(405);
        assert_eq!(r.header("allow"), Some(allow), "{method} {path}");
    }
}

async fn forbidden_changes_get_403_and_write_nothing(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Mine").await;
    for status in [2, 3, 4] {
        api.put(&format!("{API}/{id}"), &c, json!({"status": status})).await.expect_error(403);
    }
    api.post(&format!("{API}/categories"), &c, json!({"categoryName": "Mine"})).await.expect_error(403);
    api.post(&format!("{API}/categories"), &agent(), json!({"categoryName": "Mine"})).await.expect_error(403);
    api.post(API, &c, json!({"subject": "s", "description": "d", "categoryId": cat, "userId": "c2"})).await.expect_error(403);
    let d = api.get(&format!("{API}/{id}"), &c).await.expect(200);
    assert_eq!(d.data()["status"], "open");
    assert_eq!(api.log_count().await, 1);
    let cats = api.get(&format!("{API}/categories"), &c).await.expect(200);
    assert_eq!(cats.data().as_array().unwrap().len(), 1);
}

async fn conflicts_get_409(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    api.post(&format!("{API}/categories"), &admin(), json!({"categoryName": "GENERAL"})).await.expect_error(409);
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Done").await;
    api.put(&format!("{API}/{id}"), &c, json!({"status": 5})).await.expect(200);
    api.post(&format!("{API}/{id}"), &c, json!({"message": "one more thing"})).await.expect_error(409);
    api.post(&format!("{API}/{id}"), &agent(), json!({"message": "noted"})).await.expect_error(409);
    assert_eq!(api.message_count(id).await, 0);
}

async fn oversized_bodies_get_413_and_other_content_types_415(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Big").await;
    let huge = json!({"message": "x".repeat(settings().json_limit + 1)});
    api.post(&format!("{API}/{id}"), &c, huge).await.expect_error(413);
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let mut req = TestRequest::post()
            .uri(&format!("{API}/{id}"))
            .insert_header(("Authorization", format!("Bearer {c}")))
            .set_payload(r#"{"message": "hi"}"#);
        if let Some(ct) = content_type {
            req = req.insert_header(("Content-Type", ct));
        }
        api.send(req).await.expect_error(415);
    }
    let req = TestRequest::post()
        .uri(&format!("{API}/{id}"))
        .insert_header(("Authorization", format!("Bearer {c}")))
        .insert_header(("Content-Type", "application/json; charset=utf-8"))
        .set_payload(r#"{"message": "charset is fine"}"#);
    api.send(req).await.expect(200);
    assert_eq!(api.message_count(id).await, 1);
}

}

#[actix_web::test]
async fn an_unreachable_database_gets_503_with_retry_after() {
    let store = Arc::new(InMemoryStore::new());
    let desk = SupportDesk::new(
        StoragePorts::of(store.clone()),
        memory_files(),
        Arc::new(SystemClock),
    );
    let api = api_over(desk).await;
    store.set_unavailable(true);
    for path in [
        API.to_owned(),
        format!("{API}/1"),
        format!("{API}/ticket-logs"),
        format!("{API}/categories"),
    ] {
        let r = api.get(&path, &agent()).await.expect_error(503);
        assert_eq!(r.header("retry-after"), Some("5"));
        assert!(
            !r.body["message"].as_str().unwrap().contains("in-memory"),
            "no internals leak"
        );
    }
    store.set_unavailable(false);
    api.get(API, &agent()).await.expect(200);
}
