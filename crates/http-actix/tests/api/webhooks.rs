//! Webhooks: admins register endpoints and get their secret once; events
//! reach them signed as the Standard Webhooks specification has it (checked
//! by a second implementation written from it), retried until the receiver
//! recovers, each once and in each ticket's order; an endpoint that keeps
//! failing is turned off and says why; internal notes reach only endpoints
//! that take them; no endpoint may point inside the server's network.

use std::sync::Arc;

use crate::common::receiver::{Receiver, verify};
use crate::common::*;
use serde_json::{Value, json};
use ticketd_app::{SupportDesk, WebhookPolicy};
use ticketd_http_actix::HttpSettings;
use ticketd_http_actix::webhooks::{DeliverySettings, WebhookWorker};
use ticketd_ports::{Clock, ManualClock};
use ticketd_store_diesel::test_on_both_databases;
use ticketd_store_diesel::testing::TestDatabase;

const HOOKS: &str = "/backend/api/support-ticket/webhooks";

/// Two desks over `db` that take local `http://` endpoints: one for the
/// API, on the system's clock (tokens stay valid), and one for the worker,
/// with a clock the test moves (retries come due).
struct Desks {
    api: SupportDesk,
    worker: SupportDesk,
    clock: Arc<ManualClock>,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn local_desk(db: &TestDatabase) -> Desks {
    let local = WebhookPolicy { allow_http: true };
    let (api, api_dir) = desk_over(db);
    let (worker, worker_dir, clock) = desk_and_clock(db);
    Desks {
        api: api.with_webhook_policy(local),
        worker: worker.with_webhook_policy(local),
        clock,
        _dirs: (api_dir, worker_dir),
    }
}

fn local_settings() -> HttpSettings {
    HttpSettings {
        webhook_allow_private: true,
        ..settings()
    }
}

fn worker(desk: &SupportDesk, allow_private: bool) -> WebhookWorker {
    let settings = DeliverySettings {
        timeout: std::time::Duration::from_secs(5),
        allow_private,
        batch: 16,
        idle_wait: std::time::Duration::from_millis(10),
    };
    WebhookWorker::new(desk.clone(), settings).unwrap()
}

test_on_both_databases! { actix_web::test;

async fn an_admin_registers_changes_rotates_and_removes_an_endpoint(db: &TestDatabase) {
    let desks = local_desk(db);
    let api = api_with(desks.api.clone(), local_settings()).await;
    let r = api.post(HOOKS, &admin(), json!({"url": "https://crm.example.com/hooks", "description": "CRM", "eventTypes": ["ticket.created", "message.created"]})).await.expect(201);
    let made = r.data().clone();
    let id = made["id"].as_i64().unwrap();
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(made["eventTypes"], json!(["ticket.created", "message.created"]));
    assert_eq!(made["includeInternal"], false);
    assert_eq!(made["active"], true);
    assert_eq!(made["createdBy"], "admin1");

    // The secret is shown once.
    let r = api.get(&format!("{HOOKS}/{id}"), &admin()).await.expect(200);
    assert!(r.data().get("secret").is_none());
    assert_eq!(r.data()["url"], "https://crm.example.com/hooks");
    let r = api.get(HOOKS, &admin()).await.expect(200);
    assert_eq!(r.data().as_array().unwrap().len(), 1);
    assert!(r.data()[0].get("secret").is_none());

    let r = api.put(&format!("{HOOKS}/{id}"), &admin(), json!({"eventTypes": [], "includeInternal": true, "active": false})).await.expect(200);
    assert_eq!(r.data()["eventTypes"], json!([]));
    assert_eq!(r.data()["includeInternal"], true);
    assert_eq!(r.data()["active"], false);
    assert_eq!(r.data()["description"], "CRM", "unchanged");

    let r = api.post(&format!("{HOOKS}/{id}/rotate-secret"), &admin(), json!({"graceSeconds": 3600})).await.expect(200);
    let rotated = r.data()["secret"].as_str().unwrap();
    assert!(rotated.starts_with("whsec_") && rotated != secret);
    assert!(r.data()["previousSecretExpiresAt"].is_string());
    for bad in [json!({"graceSeconds": 9_999_999}), json!({"graceSeconds": -1}), json!({"graceSeconds": 1.5}), json!({"grace": 1})] {
        api.post(&format!("{HOOKS}/{id}/rotate-secret"), &admin(), bad).await.expect_error(400);
    }
    api.post(&format!("{HOOKS}/{id}/rotate-secret"), &admin(), json!({"graceSeconds": 60.0})).await.expect(200);
    api.post(&format!("{HOOKS}/{id}/rotate-secret"), &admin(), Value::Null).await.expect(200);
    // No body at all: the default grace (a day).
    let r = api.call(actix_web::http::Method::POST, &format!("{HOOKS}/{id}/rotate-secret"), Some(&admin()), None).await.expect(200);
    assert!(r.data()["secret"].as_str().unwrap().starts_with("whsec_"));

    for token in [agent(), customer("c1")] {
        let r = api.get(HOOKS, &token).await.expect_error(403);
        assert_eq!(r.body["message"], "only an admin may manage webhooks");
        api.post(HOOKS, &token, json!({"url": "https://x.example"})).await.expect_error(403);
        api.call(actix_web::http::Method::DELETE, &format!("{HOOKS}/{id}"), Some(&token), None).await.expect_error(403);
    }
    api.call(actix_web::http::Method::DELETE, &format!("{HOOKS}/{id}"), Some(&admin()), None).await.expect(200);
    api.get(&format!("{HOOKS}/{id}"), &admin()).await.expect_error(404);
    api.get(&format!("{HOOKS}/abc"), &admin()).await.expect_error(400);
}

async fn bad_endpoints_are_refused_with_each_reason(db: &TestDatabase) {
    // The defaults: https only, no internal addresses.
    let api = api(db).await;
    let cases = [
        (json!({"description": "x"}), "url", "is required"),
        (json!({"url": "ftp://files.example.com/x"}), "url", "https"),
        (json!({"url": "http://crm.example.com/x"}), "url", "TICKETD_WEBHOOK_ALLOW_HTTP"),
        (json!({"url": "not a url"}), "url", "absolute URL"),
        (json!({"url": "https://user:pw@crm.example.com/"}), "url", "user name"),
        (json!({"url": "https://127.0.0.1/hook"}), "url", "loopback"),
        (json!({"url": "https://localhost:8443/hook"}), "url", "loopback"),
        (json!({"url": "https://169.254.169.254/latest/meta-data"}), "url", "link-local"),
        (json!({"url": "https://10.0.0.7/"}), "url", "private"),
        (json!({"url": "https://[::1]/"}), "url", "loopback"),
        (json!({"url": "https://[::ffff:192.168.1.1]/"}), "url", "private"),
        (json!({"url": "https://crm.example.com/", "eventTypes": ["ticket.closed"]}), "eventTypes", "not a known event type"),
        (json!({"url": "https://crm.example.com/", "description": "d".repeat(501)}), "description", "500"),
        (json!({"url": "https://crm.example.com/", "secret": "mine"}), "secret", ""),
    ];
    for (body, field, words) in cases {
        let r = api.post(HOOKS, &admin(), body.clone()).await.expect_error(400);
        assert_eq!(r.error_fields(), [field], "{body}: {}", r.body);
        assert!(r.body.to_string().contains(words), "{body}: {}", r.body);
    }
    let r = api.get(HOOKS, &admin()).await.expect(200);
    assert_eq!(r.data(), &json!([]), "nothing was registered");
}

async fn deliveries_are_signed_as_the_specification_has_it(db: &TestDatabase) {
    let receiver = Receiver::start().await;
    let desks = local_desk(db);
    let clock = desks.clock.clone();
    let api = api_with(desks.api.clone(), local_settings()).await;
    let made = api.post(HOOKS, &admin(), json!({"url": receiver.url("/hook")})).await.expect(201);
    let secret = made.data()["secret"].as_str().unwrap().to_owned();
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Signed").await;
    api.post(&format!("{API}/{id}"), &c, json!({"message": "hello"})).await.expect(200);

    let worker = worker(&desks.worker, true);
    // One ticket's events go out one at a time: two rounds.
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(worker.run_once().await.unwrap(), 0);
    let got = receiver.got();
    assert_eq!(got.len(), 2);
    let events = api.get(&format!("{API}/events?limit=100"), &admin()).await.expect(200);
    let events = events.data().as_array().unwrap().clone();
    let now = clock.now().timestamp();
    for (received, event) in got.iter().zip(&events) {
        verify(&secret, received, now).unwrap();
        assert_eq!(received.header("content-type"), "application/json");
        assert_eq!(received.header("webhook-id"), event["id"].as_str().unwrap());
        assert_eq!(received.header("webhook-timestamp"), now.to_string());
        assert_eq!(&received.json(), event, "the body is the event as the event list shows it");
        // A changed body, or another secret, does not verify.
        let mut forged = received.clone();
        forged.body.push(b' ');
        assert!(verify(&secret, &forged, now).is_err());
        assert!(verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", received, now).is_err());
    }
    assert_eq!(got[0].json()["type"], "ticket.created");
    assert_eq!(got[1].json()["data"]["message"]["message"], "hello");

    let hook = made.data()["id"].as_i64().unwrap();
    let r = api.get(&format!("{HOOKS}/{hook}/deliveries"), &admin()).await.expect(200);
    let deliveries = r.data().as_array().unwrap();
    assert_eq!(deliveries.len(), 2);
    assert!(deliveries.iter().all(|d| d["state"] == "delivered" && d["attempts"] == 1));
    let one = deliveries[0]["id"].as_i64().unwrap();
    let r = api.get(&format!("{HOOKS}/{hook}/deliveries/{one}"), &admin()).await.expect(200);
    assert_eq!(r.data()["attemptsMade"][0]["statusCode"], 204);
    assert_eq!(r.data()["attemptsMade"][0]["error"], Value::Null);
    let r = api.get(&format!("{HOOKS}/{hook}"), &admin()).await.expect(200);
    assert!(r.data()["lastSuccessAt"].is_string());

    // After a rotation, both secrets verify for the grace period.
    api.post(&format!("{HOOKS}/{hook}/rotate-secret"), &admin(), json!({})).await.expect(200);
    let rotated = api.get(&format!("{HOOKS}/{hook}"), &admin()).await.expect(200);
    assert!(rotated.data()["previousSecretExpiresAt"].is_string());
    let r = api.post(&format!("{HOOKS}/{hook}/rotate-secret"), &admin(), json!({"graceSeconds": 0})).await.expect(200);
    let newest = r.data()["secret"].as_str().unwrap().to_owned();
    api.post(&format!("{API}/{id}"), &c, json!({"message": "after rotation"})).await.expect(200);
    worker.run_once().await.unwrap();
    let last = receiver.got().pop().unwrap();
    verify(&newest, &last, now).unwrap();
    assert!(verify(&secret, &last, now).is_err(), "the first secret's grace is over with the second rotation");
    assert_eq!(last.header("webhook-signature").split(' ').count(), 1, "a grace of 0 signs once");
}

async fn every_endpoint_gets_each_event_signed_with_its_own_secret(db: &TestDatabase) {
    let (first, second) = (Receiver::start().await, Receiver::start().await);
    let desks = local_desk(db);
    let now = desks.clock.now().timestamp();
    let api = api_with(desks.api.clone(), local_settings()).await;
    let mut secrets = Vec::new();
    for receiver in [&first, &second] {
        let made = api.post(HOOKS, &admin(), json!({"url": receiver.url("/hook")})).await.expect(201);
        secrets.push(made.data()["secret"].as_str().unwrap().to_owned());
    }
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Twice").await;
    api.post(&format!("{API}/{id}"), &c, json!({"message": "hello"})).await.expect(200);

    let worker = worker(&desks.worker, true);
    // Each event goes to both endpoints in one round; the ticket's two
    // events, one after the other.
    assert_eq!(worker.run_once().await.unwrap(), 2);
    assert_eq!(worker.run_once().await.unwrap(), 2);
    assert_eq!(worker.run_once().await.unwrap(), 0);
    for (receiver, secret) in [&first, &second].into_iter().zip(&secrets) {
        let got = receiver.got();
        let kinds: Vec<Value> = got.iter().map(|r| r.json()["type"].clone()).collect();
        assert_eq!(kinds, [json!("ticket.created"), json!("message.created")]);
        for received in &got {
            verify(secret, received, now).unwrap();
        }
    }
    assert_ne!(first.got()[0].header("webhook-id"), "");
    assert_eq!(first.got()[0].header("webhook-id"), second.got()[0].header("webhook-id"), "one event, one id");
}

async fn a_receiver_that_fails_then_recovers_gets_every_event_once_in_each_tickets_order(db: &TestDatabase) {
    let receiver = Receiver::start().await;
    let desks = local_desk(db);
    let clock = desks.clock.clone();
    let api = api_with(desks.api.clone(), local_settings()).await;
    let hook = api.post(HOOKS, &admin(), json!({"url": receiver.url("/")})).await.expect(201).data()["id"].as_i64().unwrap();
    let cat = api.category("General", 0).await;
    let mut tickets = Vec::new();
    for n in 0..3 {
        let c = customer(&format!("c{n}"));
        let id = api.ticket(&c, cat, "Flaky").await;
        for m in 0..2 {
            api.post(&format!("{API}/{id}"), &c, json!({"message": format!("m{m}")})).await.expect(200);
        }
        tickets.push(id);
    }
    receiver.answer(&[503, 500, 502, 503, 500, 429, 503]);
    let worker = worker(&desks.worker, true);
    for _ in 0..60 {
        worker.run_once().await.unwrap();
        clock.advance(std::time::Duration::from_secs(600));
    }
    let events = api.get(&format!("{API}/events?limit=100"), &admin()).await.expect(200);
    let order: Vec<String> = events.data().as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(order.len(), 9);
    let got = receiver.got();
    assert_eq!(got.iter().filter(|r| r.status >= 300).count(), 7, "every failure was retried");
    let delivered: Vec<Value> = got.iter().filter(|r| r.status < 300).map(|r| r.json()).collect();
    let mut ids: Vec<&str> = delivered.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort();
    let mut expected: Vec<&str> = order.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(ids, expected, "each event delivered exactly once");
    for id in tickets {
        let theirs: Vec<&str> = delivered.iter().filter(|e| e["ticketId"] == id).map(|e| e["id"].as_str().unwrap()).collect();
        let in_order: Vec<&str> = order.iter().map(String::as_str).filter(|e| theirs.contains(e)).collect();
        assert_eq!(theirs, in_order, "ticket {id}'s events arrived in order");
    }
    let r = api.get(&format!("{HOOKS}/{hook}/deliveries?limit=100"), &admin()).await.expect(200);
    let deliveries = r.data().as_array().unwrap();
    assert!(deliveries.iter().all(|d| d["state"] == "delivered"));
    let attempts: u64 = deliveries.iter().map(|d| d["attempts"].as_u64().unwrap()).sum();
    assert_eq!(attempts, 9 + 7);
    let retried = deliveries.iter().find(|d| d["attempts"].as_u64().unwrap() > 1).unwrap();
    let r = api.get(&format!("{HOOKS}/{hook}/deliveries/{}", retried["id"]), &admin()).await.expect(200);
    let made = r.data()["attemptsMade"].as_array().unwrap();
    assert!(made[0]["statusCode"].as_u64().unwrap() >= 429);
    assert_eq!(made[0]["error"], "receiver says no");
    assert_eq!(made.last().unwrap()["statusCode"], 204);
}

async fn an_endpoint_that_keeps_failing_is_turned_off_says_why_and_can_resend(db: &TestDatabase) {
    let receiver = Receiver::start().await;
    let desks = local_desk(db);
    let clock = desks.clock.clone();
    let api = api_with(desks.api.clone(), local_settings()).await;
    let hook = api.post(HOOKS, &admin(), json!({"url": receiver.url("/"), "eventTypes": ["ticket.created"]})).await.expect(201).data()["id"].as_i64().unwrap();
    let cat = api.category("General", 0).await;
    api.ticket(&customer("c1"), cat, "Down").await;
    receiver.answer(&[500; 100]);
    let worker = worker(&desks.worker, true);
    for _ in 0..40 {
        worker.run_once().await.unwrap();
        clock.advance(std::time::Duration::from_secs(3600));
    }
    let r = api.get(&format!("{HOOKS}/{hook}"), &admin()).await.expect(200);
    assert_eq!(r.data()["active"], false);
    let why = r.data()["disabledReason"].as_str().unwrap();
    assert!(why.contains("no delivery succeeded for 24 hours") && why.contains("HTTP 500"), "{why}");
    let r = api.get(&format!("{HOOKS}/{hook}/deliveries"), &admin()).await.expect(200);
    let delivery = r.data()[0].clone();
    assert_eq!(delivery["state"], "failed");
    let attempts = delivery["attempts"].as_u64().unwrap();
    assert!((10..=25).contains(&attempts), "backoff over a day made {attempts} attempts");
    let failed_at = receiver.got().len();
    worker.run_once().await.unwrap();
    assert_eq!(receiver.got().len(), failed_at, "a turned-off endpoint gets nothing");

    // Turned on again and re-sent, the delivery goes out.
    let d = delivery["id"].as_i64().unwrap();
    api.post(&format!("{HOOKS}/{hook}/deliveries/{d}/resend"), &admin(), json!({})).await.expect(200);
    api.post(&format!("{HOOKS}/{hook}/deliveries/{d}/resend"), &admin(), json!({})).await.expect_error(409);
    let r = api.put(&format!("{HOOKS}/{hook}"), &admin(), json!({"active": true})).await.expect(200);
    assert_eq!(r.data()["disabledReason"], Value::Null);
    receiver.recover();
    for _ in 0..20 {
        if api.get(&format!("{HOOKS}/{hook}/deliveries/{d}"), &admin()).await.expect(200).data()["state"] == "delivered" {
            break;
        }
        worker.run_once().await.unwrap();
        clock.advance(std::time::Duration::from_secs(1800));
    }
    let r = api.get(&format!("{HOOKS}/{hook}/deliveries/{d}"), &admin()).await.expect(200);
    assert_eq!(r.data()["state"], "delivered");
    api.get(&format!("{HOOKS}/{hook}/deliveries/99999"), &admin()).await.expect_error(404);
}

async fn internal_notes_reach_only_endpoints_that_take_internal_events(db: &TestDatabase) {
    let public = Receiver::start().await;
    let staff = Receiver::start().await;
    let desks = local_desk(db);
    let api = api_with(desks.api.clone(), local_settings()).await;
    api.post(HOOKS, &admin(), json!({"url": public.url("/"), "eventTypes": ["message.created"]})).await.expect(201);
    api.post(HOOKS, &admin(), json!({"url": staff.url("/"), "eventTypes": ["message.created"], "includeInternal": true})).await.expect(201);
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Notes").await;
    api.post(&format!("{API}/{id}"), &agent(), json!({"message": "VIP, refund at once", "visibility": "internal"})).await.expect(200);
    api.post(&format!("{API}/{id}"), &agent(), json!({"message": "We are on it"})).await.expect(200);
    let worker = worker(&desks.worker, true);
    while worker.run_once().await.unwrap() > 0 {}
    let texts = |r: &Receiver| -> Vec<String> {
        r.got().iter().map(|g| g.json()["data"]["message"]["message"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(texts(&public), ["We are on it"]);
    assert_eq!(texts(&staff), ["VIP, refund at once", "We are on it"]);
    assert_eq!(staff.got()[0].json()["visibility"], "internal");
}

async fn a_delivery_to_an_internal_address_is_refused_when_the_server_forbids_it(db: &TestDatabase) {
    let receiver = Receiver::start().await;
    let desks = local_desk(db);
    // Registered while private addresses were allowed; delivered by a worker
    // that refuses them (as after a change of settings, or a name that now
    // resolves inside).
    let api = api_with(desks.api.clone(), local_settings()).await;
    let hook = api.post(HOOKS, &admin(), json!({"url": format!("http://localhost:{}/", receiver.addr.port())})).await.expect(201).data()["id"].as_i64().unwrap();
    let cat = api.category("General", 0).await;
    api.ticket(&customer("c1"), cat, "Inside").await;
    worker(&desks.worker, false).run_once().await.unwrap();
    assert!(receiver.got().is_empty(), "nothing reached the internal address");
    let r = api.get(&format!("{HOOKS}/{hook}/deliveries"), &admin()).await.expect(200);
    let d = r.data()[0]["id"].as_i64().unwrap();
    assert_eq!(r.data()[0]["state"], "pending");
    let r = api.get(&format!("{HOOKS}/{hook}/deliveries/{d}"), &admin()).await.expect(200);
    let error = r.data()["attemptsMade"][0]["error"].as_str().unwrap();
    assert!(error.contains("loopback"), "{error}");
    assert_eq!(r.data()["attemptsMade"][0]["statusCode"], Value::Null);
}

}
