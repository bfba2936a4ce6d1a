//! `ticketd seed` end to end, on SQLite and on PostgreSQL: the tickets it
//! writes carry service-level clocks that follow each ticket's history and
//! are settled as the sweep would leave them, so lists by due time and by
//! breach work on seeded data, and a server started on it marks nothing more.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Server, http, ticketd, token};
use ticketd_store_diesel::testing::EmptyDatabase;

const TICKETS: u64 = 600;
const API: &str = "/backend/api/support-ticket";

fn get(port: u16, token: &str, path: &str) -> Value {
    let (status, body) = http(port, "GET", path, Some(token), None);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn count(port: u16, token: &str, query: &str) -> u64 {
    let page = get(port, token, &format!("{API}?count=true&{query}"));
    page["data"]["count"].as_u64().unwrap()
}

/// Every page of `query`, walked with its cursor.
fn every_ticket(port: u16, token: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut path = format!("{API}?limit=100&{query}");
    loop {
        let page = get(port, token, &path);
        out.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["nextCursor"].as_str() {
            Some(next) => path = format!("{API}?limit=100&{query}&cursor={next}"),
            None => return out,
        }
    }
}

fn seeded_tickets_carry_settled_clocks(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let mut seed = ticketd(dir.path());
    seed.args(["seed", "--tickets", &TICKETS.to_string(), "--batch", "250"]);
    if let Some(url) = database_url {
        seed.env("DATABASE_URL", url);
    }
    let out = seed.output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains(&format!("now holds {TICKETS} tickets")),
        "{said}"
    );

    let server = Server::start_with(dir.path(), database_url, &[("TICKETD_SLA_SWEEP_SECS", "1")]);
    let port = server.port;
    let agent = token(dir.path(), "agent01", "agent");
    let admin = token(dir.path(), "admin1", "admin");

    let all = count(port, &agent, "");
    assert_eq!(all, TICKETS);
    let breached = count(port, &agent, "slaBreached=true");
    let kept = count(port, &agent, "slaBreached=false");
    assert!(breached > 0 && kept > 0, "{breached} breached, {kept} not");
    assert_eq!(breached + kept, all);

    // Each ticket's clocks stand where its status leaves them.
    let tickets = every_ticket(port, &agent, "");
    assert_eq!(tickets.len() as u64, TICKETS);
    let mut states = std::collections::BTreeMap::<String, u64>::new();
    for t in &tickets {
        let status = t["status"].as_str().unwrap();
        let resolution = t["resolutionSla"].as_str().unwrap_or_else(|| panic!("{t}"));
        let first = t["firstResponseSla"]
            .as_str()
            .unwrap_or_else(|| panic!("{t}"));
        let allowed: &[&str] = match status {
            "resolved" | "closed" => &["met", "breached"],
            "pending" => &["paused", "breached"],
            _ => &["running", "breached"],
        };
        assert!(allowed.contains(&resolution), "{status}: {t}");
        if matches!(status, "resolved" | "closed") {
            assert!(matches!(first, "met" | "breached"), "{t}");
        }
        if resolution == "running" {
            assert!(t["resolutionDueAt"].is_string(), "{t}");
        }
        *states.entry(resolution.to_owned()).or_default() += 1;
    }
    assert!(states.get("met").copied().unwrap_or(0) > 0, "{states:?}");
    assert_eq!(
        states.get("breached").copied().unwrap_or(0),
        tickets
            .iter()
            .filter(|t| t["resolutionSla"] == "breached")
            .count() as u64
    );

    // The queue by resolution due time starts with the tickets whose clock
    // runs (open, in progress), soonest due first.
    let queue = every_ticket(port, &agent, "sort=resolutionDueAt");
    assert_eq!(queue.len() as u64, TICKETS);
    let running = tickets
        .iter()
        .filter(|t| matches!(t["status"].as_str(), Some("open" | "in_progress")))
        .count();
    assert!(running > 0);
    let due: Vec<&str> = queue[..running]
        .iter()
        .map(|t| {
            assert!(
                matches!(t["status"].as_str(), Some("open" | "in_progress")),
                "{t}"
            );
            t["resolutionDueAt"].as_str().unwrap()
        })
        .collect();
    assert!(due.windows(2).all(|w| w[0] <= w[1]), "{due:?}");

    // Settled already: the sweep, every second, finds nothing to mark.
    std::thread::sleep(Duration::from_millis(2_500));
    let events = get(port, &admin, &format!("{API}/events?type=sla.breached"));
    assert_eq!(events["data"].as_array().unwrap().len(), 0, "{events}");
    assert_eq!(count(port, &agent, "slaBreached=true"), breached);
}

#[test]
fn seeded_tickets_carry_settled_clocks_on_sqlite() {
    seeded_tickets_carry_settled_clocks(None);
}

#[test]
fn seeded_tickets_carry_settled_clocks_on_postgres() {
    let Some(database) = EmptyDatabase::postgres("seeded_tickets_carry_settled_clocks") else {
        return;
    };
    seeded_tickets_carry_settled_clocks(Some(&database.url));
}
