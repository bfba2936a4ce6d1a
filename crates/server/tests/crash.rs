//! Crash safety of idempotent writes through the real binary, on SQLite and
//! PostgreSQL: the process dies (as `kill -9` kills it: no destructor, no
//! flush) right after a write with an `Idempotency-Key` committed and before
//! its answer left; the retry, on a restarted server, gets the first answer
//! replayed and nothing is written twice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Server, token};
use ticketd_store_diesel::testing::TestDatabase;

/// Sends a JSON POST with an `Idempotency-Key`; the status (0 when the
/// connection broke without an answer), the headers and the body.
fn post(port: u16, path: &str, token: &str, key: &str, body: &str) -> (u16, String, String) {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Idempotency-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let raw = support::exchange_lossy(port, &head, body.as_bytes());
    let text = String::from_utf8_lossy(&raw).into_owned();
    let Some((headers, body)) = text.split_once("\r\n\r\n") else {
        return (0, String::new(), String::new());
    };
    let status = headers
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, headers.to_owned(), body.to_owned())
}

fn crash_then_retry(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let crashing = [("TICKETD_TEST_CRASH_AT", "after-idempotent-write")];
    let server = Server::start_with(dir.path(), database_url, &crashing);
    let admin = token(dir.path(), "admin1", "admin");
    let customer = token(dir.path(), "c1", "customer");
    let (status, _) = server.call(
        "POST",
        "/backend/api/support-ticket/categories",
        Some(&admin),
        Some(r#"{"categoryName":"Crash"}"#),
    );
    assert_eq!(status, 201);
    let open = r#"{"subject":"Once","description":"only once","categoryId":1}"#;
    let api = "/backend/api/support-ticket";
    let (status, _, _) = post(server.port, api, &customer, "open-1", open);
    assert_eq!(status, 0, "the server died before answering");
    let mut server = server;
    server.wait_for_exit(Duration::from_secs(10));

    // Restarted (without the crash), the retry gets the first answer.
    let server = Server::start_with(dir.path(), database_url, &[]);
    let (status, headers, body) = post(server.port, api, &customer, "open-1", open);
    assert_eq!(status, 201, "{headers}\n{body}");
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("idempotent-replayed: true"),
        "{headers}"
    );
    let id = serde_json::from_str::<Value>(&body).unwrap()["data"]["id"]
        .as_i64()
        .unwrap();
    let (_, count) = server.call("GET", &format!("{api}?count=true"), Some(&customer), None);
    assert!(
        count.contains(r#""count":1"#),
        "one ticket, not two: {count}"
    );
    drop(server);

    // The same for a message.
    let server = Server::start_with(dir.path(), database_url, &crashing);
    let message = r#"{"message":"exactly once"}"#;
    let path = format!("{api}/{id}");
    let (status, _, _) = post(server.port, &path, &customer, "message-1", message);
    assert_eq!(status, 0, "the server died before answering");
    let mut server = server;
    server.wait_for_exit(Duration::from_secs(10));
    let server = Server::start_with(dir.path(), database_url, &[]);
    let (status, headers, body) = post(server.port, &path, &customer, "message-1", message);
    assert_eq!(status, 200, "{headers}\n{body}");
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("idempotent-replayed: true"),
        "{headers}"
    );
    let (_, details) = server.call("GET", &path, Some(&customer), None);
    let details: Value = serde_json::from_str(&details).unwrap();
    let messages = details["data"]["ticketMessage"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "one message, not two: {messages:?}");
    let (_, logs) = server.call(
        "GET",
        &format!("{path}/logs?count=true"),
        Some(&customer),
        None,
    );
    assert!(
        logs.contains(r#""count":2"#),
        "opened and one message: {logs}"
    );
}

#[test]
fn sqlite_a_crash_after_an_idempotent_write_never_writes_it_twice() {
    crash_then_retry(None);
}

#[test]
fn postgres_a_crash_after_an_idempotent_write_never_writes_it_twice() {
    let Some(db) = TestDatabase::postgres("a_crash_after_an_idempotent_write") else {
        return;
    };
    crash_then_retry(Some(&db.url));
}
