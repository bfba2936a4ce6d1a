//! What a running `ticketd` writes to its log: no link signature or token
//! in the access log, and a conflict's database detail only on the line of
//! the request that caused it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use serde_json::Value;
use support::*;

/// Download links and tokens sent in a query are credentials: the access log
/// shows the request without their values.
#[test]
fn the_access_log_never_shows_a_links_signature_or_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_logging(dir.path(), None, &[("RUST_LOG", "info")], log);
    let admin = token(dir.path(), "admin1", "admin");
    let customer = token(dir.path(), "c1", "customer");
    let (status, _, body) = exchange_parts(
        server.port,
        &format!(
            "POST /backend/api/support-ticket/categories HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Authorization: Bearer {admin}\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n"
        ),
        br#"{"categoryName":"Files"}"#,
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let category: Value = serde_json::from_slice(&body).unwrap();
    let open = format!(
        r#"{{"subject":"s","description":"d","categoryId":{}}}"#,
        category["data"]["id"]
    );
    let (status, _, body) = exchange_parts(
        server.port,
        &format!(
            "POST /backend/api/support-ticket HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Authorization: Bearer {customer}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            open.len()
        ),
        open.as_bytes(),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let id = serde_json::from_slice::<Value>(&body).unwrap()["data"]["id"].clone();
    let up = upload(server.port, &customer, "a.pdf", b"%PDF-1.4 logged");
    let attach = format!(
        r#"{{"attachments":[{{"fileName":"a.pdf","filePath":{}}}]}}"#,
        up["filePath"]
    );
    let (status, _, _) = exchange_parts(
        server.port,
        &format!(
            "POST /backend/api/support-ticket/{id} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Authorization: Bearer {customer}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            attach.len()
        ),
        attach.as_bytes(),
    );
    assert_eq!(status, 200);
    let (_, _, body) = get(
        server.port,
        &format!("/backend/api/support-ticket/{id}"),
        Some(&customer),
    );
    let details: Value = serde_json::from_slice(&body).unwrap();
    let link = details["data"]["ticketMessage"][0]["ticketAttachments"][0]["downloadUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let signature = link.split_once("signature=").unwrap().1.to_owned();
    assert_eq!(get(server.port, &link, None).0, 200);
    get(
        server.port,
        &format!("/backend/api/support-ticket?token={customer}&limit=1"),
        None,
    );
    drop(server);
    let logged = std::fs::read_to_string(&log_path).unwrap();
    let download_line = logged
        .lines()
        .find(|l| l.contains("/uploads/") && l.contains("GET"))
        .unwrap_or_else(|| panic!("no access log line for the download in:\n{logged}"));
    assert!(
        download_line.contains("signature=REDACTED"),
        "{download_line}"
    );
    assert!(
        !logged.contains(&signature),
        "the signature is in the log:\n{logged}"
    );
    assert!(logged.contains("token=REDACTED&limit=1"), "{logged}");
    assert!(
        !logged.contains(&customer),
        "a token is in the log:\n{logged}"
    );
}

/// A conflict with stored data answers a stable message; the database's own
/// words go to the log, on the line of the request that caused them.
#[test]
fn a_conflicts_database_detail_is_logged_with_its_request_id_only() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_logging(dir.path(), None, &[("RUST_LOG", "warn")], log);
    let admin = token(dir.path(), "admin1", "admin");
    let create = |id: &str| {
        let body = r#"{"categoryName":"Billing"}"#;
        exchange_parts(
            server.port,
            &format!(
                "POST /backend/api/support-ticket/categories HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
                 Authorization: Bearer {admin}\r\nX-Request-Id: {id}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\n\r\n",
                body.len()
            ),
            body.as_bytes(),
        )
    };
    assert_eq!(create("first-billing").0, 201);
    let (status, _, body) = create("second-billing");
    assert_eq!(status, 409);
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("already exists"), "{body}");
    assert!(
        !body.to_lowercase().contains("unique") && !body.contains("ticket_categories"),
        "{body}"
    );
    drop(server);
    let logged = std::fs::read_to_string(&log_path).unwrap();
    let line = logged
        .lines()
        .find(|l| l.contains("conflicted with stored data"))
        .unwrap_or_else(|| panic!("no log line for the conflict in:\n{logged}"));
    assert!(line.contains("request_id=second-billing"), "{line}");
}

/// Every line logged for a request starts with its id, the access line (written
/// once the body is sent) and the framework's own debug lines included, once.
#[test]
fn every_line_of_a_request_starts_with_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_logging(dir.path(), None, &[("RUST_LOG", "debug")], log);
    let admin = token(dir.path(), "admin1", "admin");
    let (status, _, _) = exchange_parts(
        server.port,
        &format!(
            "GET /backend/api/support-ticket/987654 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Authorization: Bearer {admin}\r\nX-Request-Id: lookup-77\r\n\r\n"
        ),
        b"",
    );
    assert_eq!(status, 404);
    drop(server);
    let logged = std::fs::read_to_string(&log_path).unwrap();
    let ours: Vec<&str> = logged.lines().filter(|l| l.contains("lookup-77")).collect();
    assert!(
        ours.len() >= 2,
        "the access line and the error's debug line:\n{logged}"
    );
    for line in &ours {
        let text = line.split_once("] ").map_or("", |(_, text)| text);
        assert!(text.starts_with("request_id=lookup-77 "), "{line}");
        assert_eq!(line.matches("lookup-77").count(), 1, "{line}");
    }
    assert!(
        ours.iter()
            .any(|l| l.contains("\"GET /backend/api/support-ticket/987654 HTTP/1.1\" 404")),
        "{ours:#?}"
    );
}
