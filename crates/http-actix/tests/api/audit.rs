//! The audit log: one entry per change, written with the change, and none for
//! a refused request; a message, its attachments and its entry land together.

use crate::common::*;
use serde_json::json;
use ticketd_store_diesel::test_on_both_databases;

test_on_both_databases! { actix_web::test;

async fn each_change_writes_exactly_one_entry_naming_the_actor(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Audit me").await;
    assert_eq!(api.log_count().await, 1);
    let files = [api.attachment(&agent(), "a.pdf").await, api.attachment(&agent(), "b.pdf").await];
    api.post(&format!("{API}/{id}"), &agent(), json!({"message": "on it", "attachments": files})).await.expect(200);
    assert_eq!(api.log_count().await, 2, "one entry for a message with two attachments");
    api.put(&format!("{API}/{id}"), &admin(), json!({"status": 3})).await.expect(200);
    assert_eq!(api.log_count().await, 3);
    // Setting the status the ticket already has changes nothing.
    api.put(&format!("{API}/{id}"), &admin(), json!({"status": 3})).await.expect(200);
    assert_eq!(api.log_count().await, 3);
    let r = api.get(&format!("{API}/ticket-logs?ticketId={id}"), &agent()).await.expect(200);
    let entries: Vec<(String, String, String)> = r
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actionTaken"].as_str().unwrap().into(), e["actionBy"].as_str().unwrap().into(), e["actionByType"].as_str().unwrap().into()))
        .collect();
    let expected = [("Updated ticket status", "admin1", "admin"), ("Added message", "agent1", "agent"), ("Created ticket", "c1", "customer")];
    let expected: Vec<(String, String, String)> = expected.iter().map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into())).collect();
    assert_eq!(entries, expected);
}

async fn refused_requests_write_no_entry(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Quiet").await;
    api.post(&format!("{API}/{id}"), &c, json!({"message": ""})).await.expect_error(400);
    api.post(&format!("{API}/{id}"), &customer("c2"), json!({"message": "x"})).await.expect_error(404);
    api.put(&format!("{API}/{id}"), &c, json!({"status": 2})).await.expect_error(403);
    api.put(&format!("{API}/{id}"), &c, json!({"status": 9})).await.expect_error(400);
    api.post(API, &c, json!({"subject": "x", "description": "y", "categoryId": 12345})).await.expect_error(404);
    assert_eq!(api.log_count().await, 1);
}

async fn a_message_and_its_attachments_and_entry_land_together_or_not_at_all(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Atomic").await;
    let file = api.attachment(&c, "a.pdf").await;
    let body = json!({"message": "with files", "attachments": [file]});
    // Make the last write of the transaction (the log entry) fail.
    db.execute("ALTER TABLE ticket_logs RENAME TO ticket_logs_away");
    let r = api.post(&format!("{API}/{id}"), &c, body.clone()).await.expect_error(500);
    let message = r.body["message"].as_str().unwrap();
    assert!(!message.contains("ticket_logs"), "no SQL leaks: {message}");
    assert!(r.header("x-request-id").is_some());
    db.execute("ALTER TABLE ticket_logs_away RENAME TO ticket_logs");
    let d = api.get(&format!("{API}/{id}"), &c).await.expect(200);
    assert_eq!(d.data()["ticketMessage"], json!([]), "neither message nor attachment was kept");
    assert_eq!(d.data()["modifiedDate"], d.data()["createdDate"]);
    assert_eq!(api.log_count().await, 1);
    // The same request works once the database does.
    api.post(&format!("{API}/{id}"), &c, body).await.expect(200);
    let d = api.get(&format!("{API}/{id}"), &c).await.expect(200);
    assert_eq!(d.data()["ticketMessage"][0]["ticketAttachments"].as_array().unwrap().len(), 1);
    assert_eq!(api.log_count().await, 2);
}

async fn opening_a_ticket_and_its_entry_land_together(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    db.execute("ALTER TABLE ticket_logs RENAME TO ticket_logs_away");
    api.post(API, &customer("c1"), json!({"subject": "s", "description": "d", "categoryId": cat})).await.expect_error(500);
    db.execute("ALTER TABLE ticket_logs_away RENAME TO ticket_logs");
    let r = api.get(&format!("{API}?count=true"), &agent()).await.expect(200);
    assert_eq!(r.data(), &json!({"count": 0, "capped": false}));
}

}
