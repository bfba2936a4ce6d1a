//! A customer never sees, counts, finds or changes another customer's ticket
//! or its log entries: every route answers as if it did not exist.

use crate::common::*;
use serde_json::json;
use ticketd_store_diesel::test_on_both_databases;

test_on_both_databases! { actix_web::test;

async fn customer_probing_another_customers_ticket_sees_nothing_on_any_route(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let owner = customer("alice");
    let id = api.ticket(&owner, cat, "Alice private unique-marker").await;
    api.post(&format!("{API}/{id}"), &owner, json!({"message": "my card ends 4242"})).await.expect(200);
    let mallory = customer("mallory");
    let missing = 9_999_999;

    // Details, message and status answer exactly as for a ticket that does not exist.
    let probe = api.get(&format!("{API}/{id}"), &mallory).await.expect_error(404);
    let absent = api.get(&format!("{API}/{missing}"), &mallory).await.expect_error(404);
    assert_eq!(probe.body["message"].as_str().unwrap().replace(&id.to_string(), "N"),
               absent.body["message"].as_str().unwrap().replace(&missing.to_string(), "N"));
    api.post(&format!("{API}/{id}"), &mallory, json!({"message": "hi"})).await.expect_error(404);
    for status in [1, 2, 3, 4, 5] {
        api.put(&format!("{API}/{id}"), &mallory, json!({"status": status})).await.expect_error(404);
    }
    api.get(&format!("{API}/ticket-logs?ticketId={id}"), &mallory).await.expect_error(404);
    api.get(&format!("{API}/ticket-logs?ticketId={id}&count=true"), &mallory).await.expect_error(404);

    // Lists, counts and search leave it out.
    let list = api.get(API, &mallory).await.expect(200);
    assert_eq!(list.data(), &json!([]));
    let count = api.get(&format!("{API}?count=true"), &mallory).await.expect(200);
    assert_eq!(count.data(), &json!({"count": 0, "capped": false}));
    let found = api.get(&format!("{API}?keyword=unique-marker&count=true"), &mallory).await.expect(200);
    assert_eq!(found.data(), &json!({"count": 0, "capped": false}));
    let logs = api.get(&format!("{API}/ticket-logs"), &mallory).await.expect(200);
    assert_eq!(logs.data(), &json!([]));
    let log_count = api.get(&format!("{API}/ticket-logs?count=1"), &mallory).await.expect(200);
    assert_eq!(log_count.data(), &json!({"count": 0, "capped": false}));

    // Nothing mallory tried changed the ticket or its history.
    let d = api.get(&format!("{API}/{id}"), &owner).await.expect(200);
    assert_eq!(d.data()["status"], "open");
    assert_eq!(d.data()["ticketMessage"].as_array().unwrap().len(), 1);
    assert_eq!(api.log_count().await, 2);

    // The owner and the staff see it all.
    let mine = api.get(&format!("{API}?keyword=unique-marker&count=true"), &owner).await.expect(200);
    assert_eq!(mine.data(), &json!({"count": 1, "capped": false}));
    let theirs = api.get(&format!("{API}/ticket-logs?ticketId={id}"), &owner).await.expect(200);
    assert_eq!(theirs.data().as_array().unwrap().len(), 2);
    for staff in [agent(), admin()] {
        api.get(&format!("{API}/{id}"), &staff).await.expect(200);
        let all = api.get(&format!("{API}?count=true"), &staff).await.expect(200);
        assert_eq!(all.data(), &json!({"count": 1, "capped": false}));
    }
}

async fn the_ticket_log_filter_only_shows_that_tickets_entries(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let a = api.ticket(&c, cat, "A").await;
    let b = api.ticket(&c, cat, "B").await;
    api.post(&format!("{API}/{b}"), &c, json!({"message": "on b"})).await.expect(200);
    let r = api.get(&format!("{API}/ticket-logs?ticketId={a}"), &c).await.expect(200);
    let entries = r.data().as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["ticketId"], json!(a));
    let r = api.get(&format!("{API}/ticket-logs?ticketId={b}&count=true"), &c).await.expect(200);
    assert_eq!(r.data(), &json!({"count": 2, "capped": false}));
}

}
