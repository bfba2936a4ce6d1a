//! The event list: each change's events in the API's own shapes, for admins
//! only, filtered and paged; a refused request leaves none.

use crate::common::*;
use serde_json::{Value, json};
use ticketd_store_diesel::test_on_both_databases;

const EVENTS: &str = "/backend/api/support-ticket/events";

fn types(r: &Resp) -> Vec<String> {
    r.data()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

/// Ticket `id` as a ticket list answer shows it.
fn listed(list: &Resp, id: i64) -> Value {
    list.data()
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap()
        .clone()
}

test_on_both_databases! { actix_web::test;

async fn each_change_reads_back_as_its_events_in_the_apis_own_shapes(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Refund please").await;
    let opened = listed(&api.get(&format!("{API}?limit=100"), &admin()).await.expect(200), id);
    let file = api.attachment(&c, "receipt.pdf").await;
    let reply = api.post(&format!("{API}/{id}"), &c, json!({"message": "Receipt attached", "attachments": [file]})).await.expect(200);
    api.post(&format!("{API}/{id}"), &agent(), json!({"message": "Check with billing", "visibility": "internal"})).await.expect(200);
    api.put(&format!("{API}/{id}"), &admin(), json!({"status": 2, "assigneeId": "admin1"})).await.expect(200);
    let assigned = listed(&api.get(&format!("{API}?limit=100"), &admin()).await.expect(200), id);

    let r = api.get(&format!("{EVENTS}?limit=100"), &admin()).await.expect(200);
    assert_eq!(r.body["status"], "1");
    assert_eq!(types(&r), ["ticket.created", "message.created", "message.created", "ticket.updated", "ticket.status_changed", "ticket.assigned"]);
    let events = r.data().as_array().unwrap();
    let ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert!(ids.iter().all(|i| i.starts_with("evt_")));
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());

    // The ticket is the one the list showed right after each change.
    assert_eq!(events[0]["data"]["ticket"], opened);
    assert_eq!(events[0]["actorId"], "c1");
    assert_eq!(events[0]["actorType"], "customer");
    assert_eq!(events[0]["ticketId"], id);
    for e in &events[3..] {
        assert_eq!(e["data"]["ticket"], assigned);
        assert_eq!(e["actorId"], "admin1");
    }
    // The message is the one the details show, attachment included.
    let details = api.get(&format!("{API}/{id}"), &admin()).await.expect(200);
    let shown = &details.data()["ticketMessage"][0];
    let mut message = events[1]["data"]["message"].clone();
    assert_eq!(message["ticketAttachments"][0]["fileName"], "receipt.pdf");
    // Download links are made for the reader of the details only.
    for a in message["ticketAttachments"].as_array_mut().unwrap() {
        a.as_object_mut().unwrap().remove("downloadUrl");
    }
    let mut shown = shown.clone();
    for a in shown["ticketAttachments"].as_array_mut().unwrap() {
        a.as_object_mut().unwrap().remove("downloadUrl");
    }
    assert_eq!(message, shown);
    assert_eq!(events[1]["data"]["message"]["id"], reply.data()["id"]);
    assert!(events[0]["data"].get("message").is_none());
    assert_eq!(events[2]["visibility"], "internal");
    assert_eq!(events[2]["data"]["message"]["message"], "Check with billing");
    // The changes are the history's.
    let history = api.get(&format!("{API}/{id}/logs"), &admin()).await.expect(200);
    let update = history.data().as_array().unwrap().iter().find(|e| e["actionTaken"] == "Updated ticket").unwrap();
    for e in &events[3..] {
        assert_eq!(e["data"]["changes"], update["changes"]);
    }
    assert_eq!(events[0]["data"]["changes"], json!([]));
}

async fn only_admins_read_events_and_refused_requests_leave_none(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Quiet").await;
    for token in [agent(), c.clone()] {
        let r = api.get(EVENTS, &token).await.expect_error(403);
        assert_eq!(r.body["message"], "only an admin may read events");
    }
    api.call(actix_web::http::Method::GET, EVENTS, None, None).await.expect_error(401);
    api.post(&format!("{API}/{id}"), &customer("c2"), json!({"message": "x"})).await.expect_error(404);
    api.put(&format!("{API}/{id}"), &c, json!({"status": 2})).await.expect_error(403);
    api.put(&format!("{API}/{id}"), &admin(), json!({"status": 1})).await.expect(200);
    api.post(API, &c, json!({"subject": "x", "description": "y", "categoryId": 12345})).await.expect_error(404);
    let r = api.get(EVENTS, &admin()).await.expect(200);
    assert_eq!(types(&r), ["ticket.created"], "a refused or empty change leaves no event");
}

async fn events_filter_by_type_and_ticket_and_page_with_a_cursor(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let first = api.ticket(&c, cat, "First").await;
    let second = api.ticket(&c, cat, "Second").await;
    for (id, n) in [(first, 1), (second, 2), (first, 3)] {
        api.post(&format!("{API}/{id}"), &agent(), json!({"message": format!("reply {n}")})).await.expect(200);
    }
    let r = api.get(&format!("{EVENTS}?type=message.created&ticketId={first}"), &admin()).await.expect(200);
    let texts: Vec<&str> = r.data().as_array().unwrap().iter().map(|e| e["data"]["message"]["message"].as_str().unwrap()).collect();
    assert_eq!(texts, ["reply 1", "reply 3"]);
    let r = api.get(&format!("{EVENTS}?type=ticket.created,message.created&limit=100"), &admin()).await.expect(200);
    assert_eq!(r.data().as_array().unwrap().len(), 5);

    let mut seen = Vec::new();
    let mut path = format!("{EVENTS}?limit=2");
    loop {
        let r = api.get(&path, &admin()).await.expect(200);
        seen.extend(r.data().as_array().unwrap().iter().map(|e| e["id"].clone()));
        match r.body["nextCursor"].as_str() {
            Some(next) => path = format!("{EVENTS}?limit=2&cursor={next}"),
            None => break,
        }
    }
    let all = api.get(&format!("{EVENTS}?limit=100"), &admin()).await.expect(200);
    let all: Vec<Value> = all.data().as_array().unwrap().iter().map(|e| e["id"].clone()).collect();
    assert_eq!(seen, all);
    assert_eq!(all.len(), 5);

    // A cursor of another list is refused, like a malformed one.
    let logs = api.get(&format!("{API}/ticket-logs?limit=1"), &admin()).await.expect(200);
    let other = logs.body["nextCursor"].as_str().unwrap();
    let r = api.get(&format!("{EVENTS}?cursor={other}"), &admin()).await.expect_error(400);
    assert_eq!(r.error_fields(), ["cursor"]);
    let r = api.get(&format!("{EVENTS}?type=ticket.closed&ticketId=x&count=true&limit=-1"), &admin()).await.expect_error(400);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["count", "limit", "ticketId", "type"]);
}

}
