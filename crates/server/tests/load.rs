//! The server under concurrent load, on both databases: every request lands
//! exactly once and nothing answers 5xx.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::thread;

use support::{Server, http, token};
use ticketd_store_diesel::testing::TestDatabase;

const CLIENTS: usize = 32;
const MESSAGES_EACH: usize = 50;

fn many_clients_posting_to_one_ticket_all_land_exactly_once(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), database_url);
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

    let port = server.port;
    // One agent per client: each stays within its own rate limit.
    let agents: Vec<String> = (0..CLIENTS)
        .map(|c| token(dir.path(), &format!("agent{c}"), "agent"))
        .collect();
    let agent = agents[0].clone();
    let clients: Vec<_> = agents
        .into_iter()
        .enumerate()
        .map(|(c, agent)| {
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
        serde_json::json!(CLIENTS * MESSAGES_EACH + 1),
        "one entry per message, plus the opening"
    );
}

#[test]
fn sqlite_32_clients_posting_50_messages_each_to_one_ticket() {
    many_clients_posting_to_one_ticket_all_land_exactly_once(None);
}

#[test]
fn postgres_32_clients_posting_50_messages_each_to_one_ticket() {
    let Some(db) =
        TestDatabase::postgres("postgres_32_clients_posting_50_messages_each_to_one_ticket")
    else {
        return;
    };
    many_clients_posting_to_one_ticket_all_land_exactly_once(Some(&db.url));
}
