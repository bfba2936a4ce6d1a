//! The server under concurrent load, on both databases: every request lands
//! exactly once and nothing answers 5xx.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::thread;

use support::{Server, http, token};
use ticketd_store_diesel::testing::TestDatabase;

const CLIENTS: usize = 32;
const MESSAGES_EACH: usize = 50;

/// Posts 32 x 50 messages to one ticket, the clients split over `instances`
/// servers on one database and one storage location (their sweeps running
/// every second, for uploads unattached after a second).
fn many_clients_posting_to_one_ticket_all_land_exactly_once(
    database_url: Option<&str>,
    instances: usize,
) {
    let dir = tempfile::tempdir().unwrap();
    let sweeping = [
        ("TICKETD_UPLOAD_RETENTION_SECS", "1"),
        ("TICKETD_UPLOAD_SWEEP_INTERVAL_SECS", "1"),
    ];
    let servers: Vec<Server> = (0..instances)
        .map(|_| Server::start_with(dir.path(), database_url, &sweeping))
        .collect();
    let server = &servers[0];
    let admin = token(dir.path(), "admin1", "admin");
    let (status, body) = server.call(
        "POST",
        "/backend/api/support-ticket/categories",
        Some(&admin),
        Some(r#"{"categoryName":"Load"}"#),
    );
    assert_eq!(status, 201, "{body}");
    let category: serde_json::Value = serde_json::from_str(&body).unwrap();
    let category = category["data"]["id"].as_i64().unwrap();
    let customer = token(dir.path(), "c1", "customer");
    let ticket =
        format!(r#"{{"subject":"Busy","description":"Many replies","categoryId":{category}}}"#);
    let (status, body) = server.call(
        "POST",
        "/backend/api/support-ticket",
        Some(&customer),
        Some(&ticket),
    );
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["data"]["id"]
        .as_i64()
        .unwrap();

    // Each instance stores a file and attaches it: no sweep may remove either.
    let kept: Vec<std::path::PathBuf> = servers
        .iter()
        .map(|server| {
            let boundary = "load-boundary";
            let body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\n\
                 Content-Type: application/pdf\r\n\r\n%PDF-1.7 kept\r\n--{boundary}--\r\n"
            );
            let head = format!(
                "POST /backend/api/support-ticket/uploads HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
                 Authorization: Bearer {customer}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
                 Content-Length: {}\r\n\r\n",
                body.len()
            );
            let raw = String::from_utf8(support::exchange(server.port, &head, body.as_bytes())).unwrap();
            let json: serde_json::Value =
                serde_json::from_str(raw.split_once("\r\n\r\n").unwrap().1).unwrap();
            let path = json["data"][0]["filePath"].as_str().unwrap().to_owned();
            let attach = format!(r#"{{"attachments":[{{"fileName":"a.pdf","filePath":"{path}"}}]}}"#);
            let (status, body) = server.call(
                "POST",
                &format!("/backend/api/support-ticket/{id}"),
                Some(&customer),
                Some(&attach),
            );
            assert_eq!(status, 200, "{body}");
            dir.path().join("data/uploads").join(path.strip_prefix("/uploads/").unwrap())
        })
        .collect();
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    // One agent per client: each stays within its own rate limit.
    let agents: Vec<String> = (0..CLIENTS)
        .map(|c| token(dir.path(), &format!("agent{c}"), "agent"))
        .collect();
    let agent = agents[0].clone();
    let clients: Vec<_> = agents
        .into_iter()
        .enumerate()
        .map(|(c, agent)| {
            let port = ports[c % ports.len()];
            thread::spawn(move || {
                let mut failures = Vec::new();
                for m in 0..MESSAGES_EACH {
                    let body = format!(r#"{{"message":"client {c} message {m}"}}"#);
                    let (status, text) = http(
                        port,
                        "POST",
                        &format!("/backend/api/support-ticket/{id}"),
                        Some(&agent),
                        Some(&body),
                    );
                    if status != 200 {
                        failures.push(format!("{status}: {text}"));
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed, e.g. {:?}",
        failures.len(),
        failures.first()
    );

    let (status, body) = server.call(
        "GET",
        &format!("/backend/api/support-ticket/{id}"),
        Some(&agent),
        None,
    );
    assert_eq!(status, 200);
    let details: serde_json::Value = serde_json::from_str(&body).unwrap();
    let messages = details["data"]["ticketMessage"].as_array().unwrap();
    let has_files = |m: &&serde_json::Value| !m["ticketAttachments"].as_array().unwrap().is_empty();
    let attached = messages.iter().filter(has_files).count();
    assert_eq!(
        attached, instances,
        "the messages that attach the kept files"
    );
    let messages: Vec<&serde_json::Value> = messages.iter().filter(|m| !has_files(m)).collect();
    assert_eq!(messages.len(), CLIENTS * MESSAGES_EACH);
    let distinct: std::collections::BTreeSet<&str> = messages
        .iter()
        .map(|m| m["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        distinct.len(),
        CLIENTS * MESSAGES_EACH,
        "each message exactly once"
    );
    let (_, body) = server.call(
        "GET",
        &format!("/backend/api/support-ticket/{id}/logs?count=true"),
        Some(&agent),
        None,
    );
    let count: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        count["data"]["count"],
        serde_json::json!(CLIENTS * MESSAGES_EACH + 1 + instances),
        "one entry per message, plus the opening"
    );
    for file in &kept {
        assert!(
            file.exists(),
            "a sweep removed an attached file: {}",
            file.display()
        );
    }
}

#[test]
fn sqlite_32_clients_posting_50_messages_each_to_one_ticket() {
    many_clients_posting_to_one_ticket_all_land_exactly_once(None, 1);
}

#[test]
fn postgres_32_clients_posting_50_messages_each_to_one_ticket() {
    let Some(db) =
        TestDatabase::postgres("postgres_32_clients_posting_50_messages_each_to_one_ticket")
    else {
        return;
    };
    many_clients_posting_to_one_ticket_all_land_exactly_once(Some(&db.url), 1);
}

/// Two instances on one PostgreSQL and one storage location, the clients
/// split between them: exactly 1,600 messages and their log entries, no 5xx,
/// and no sweep of either instance removes a file of the other.
#[test]
fn postgres_two_instances_32_clients_posting_50_messages_each() {
    let Some(db) = TestDatabase::postgres("postgres_two_instances_32_clients") else {
        return;
    };
    many_clients_posting_to_one_ticket_all_land_exactly_once(Some(&db.url), 2);
}
