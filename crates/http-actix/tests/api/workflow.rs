//! The support desk's workflow through the API: statuses, priority,
//! assignment, re-categorising, internal notes, history and soft delete.

use crate::common::*;
use serde_json::{Value, json};
use ticketd_store_diesel::test_on_both_databases;

fn history_changes(r: &Resp) -> Vec<(String, Value)> {
    r.data()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actionTaken"].as_str().unwrap().to_owned(),
                e["changes"].clone(),
            )
        })
        .collect()
}

test_on_both_databases! { actix_web::test;

async fn staff_move_tickets_along_the_workflow_and_closed_is_final(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let id = api.ticket(&customer("c1"), cat, "Flow").await;
    let path = format!("{API}/{id}");
    for (to, name) in [(2, "in_progress"), (3, "pending"), (4, "resolved"), (2, "in_progress"), (5, "closed")] {
        let r = api.put(&path, &agent(), json!({"status": to})).await.expect(200);
        assert_eq!(r.data()["status"], json!(to));
        assert_eq!(api.get(&path, &agent()).await.data()["status"], name);
    }
    // Closed is final: no status, no other change, for anyone.
    for (who, body) in [(agent(), json!({"status": 1})), (admin(), json!({"status": 2})), (admin(), json!({"priority": 4}))] {
        let r = api.put(&path, &who, body).await.expect_error(409);
        assert!(r.body["message"].as_str().unwrap().contains("closed"), "{:#}", r.body);
    }
    let r = api.put(&path, &agent(), json!({"status": 1})).await.expect_error(409);
    assert!(r.body["message"].as_str().unwrap().contains("may move to: none"), "{:#}", r.body);
    // Asking for what it already is stays a harmless no-op.
    api.put(&path, &customer("c1"), json!({"status": 5})).await.expect(200);
}

async fn an_illegal_transition_is_409_listing_the_allowed_ones(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let id = api.ticket(&customer("c1"), cat, "Flow").await;
    let path = format!("{API}/{id}");
    api.put(&path, &agent(), json!({"status": 4})).await.expect(200);
    let r = api.put(&path, &agent(), json!({"status": 3})).await.expect_error(409);
    let message = r.body["message"].as_str().unwrap();
    assert!(message.contains("resolved to pending"), "{message}");
    assert!(message.contains("1 (open), 2 (in_progress), 5 (closed)"), "{message}");
    assert_eq!(api.get(&path, &agent()).await.data()["status"], "resolved");
}

async fn a_customer_gets_403_for_every_forbidden_field_and_transition(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let other = api.category("Other", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Mine").await;
    let path = format!("{API}/{id}");
    api.get(API, &agent()).await.expect(200); // agent1 is now known to the desk
    for body in [
        json!({"priority": 4}),
        json!({"priority": "urgent"}),
        json!({"assigneeId": "agent1"}),
        json!({"assigneeId": null}),
        json!({"categoryId": other}),
        json!({"subCategoryId": 0}),
        json!({"status": 5, "priority": 1}),
    ] {
        api.put(&path, &c, body.clone()).await.expect_error(403);
    }
    // Forbidden transitions from open, then from in_progress, pending, resolved.
    for status in [2, 3, 4] {
        let r = api.put(&path, &c, json!({"status": status})).await.expect_error(403);
        assert!(r.body["message"].as_str().unwrap().contains("5 (closed)"), "{:#}", r.body);
    }
    for (staff_sets, forbidden) in [(2, vec![1, 3, 4]), (3, vec![1, 2, 4]), (4, vec![2])] {
        api.put(&path, &agent(), json!({"status": staff_sets})).await.expect(200);
        for status in forbidden {
            api.put(&path, &c, json!({"status": status})).await.expect_error(403);
        }
    }
    // Mass assignment is refused outright.
    for body in [json!({"userId": "c2"}), json!({"isDelete": true}), json!({"modifiedBy": "x"}), json!({"refId": "X"})] {
        let r = api.put(&path, &agent(), body.clone()).await.expect_error(400);
        assert_eq!(r.error_fields().len(), 1, "{body}");
    }
    // Nothing of it landed.
    let d = api.get(&path, &agent()).await.expect(200);
    assert_eq!(d.data()["priority"], "normal");
    assert_eq!(d.data()["assigneeId"], Value::Null);
    assert_eq!(d.data()["categoryId"], json!(cat));
    assert_eq!(d.data()["status"], "resolved");
    // What a customer may do still works.
    api.put(&path, &c, json!({"status": 1})).await.expect(200);
    api.put(&path, &c, json!({"status": 5})).await.expect(200);
}

async fn staff_set_priority_assignee_and_category_and_history_records_each_change(db: &TestDatabase) {
    let api = api(db).await;
    let refund = api.category("Refund", 0).await;
    let card = api.category("Card", refund).await;
    let billing = api.category("Billing", 0).await;
    let invoice = api.category("Invoice", billing).await;
    let c = customer("c1");
    let r = api
        .post(API, &c, json!({"subject": "s", "description": "d", "categoryId": refund, "subCategoryId": card}))
        .await
        .expect(201);
    let id = r.data()["id"].as_i64().unwrap();
    assert_eq!(r.data()["priority"], "normal");
    let path = format!("{API}/{id}");
    api.get(API, &token_for("agent7", ticketd_domain::UserType::Agent)).await.expect(200);

    let r = api.put(&path, &agent(), json!({"priority": "urgent", "assigneeId": "agent7"})).await.expect(200);
    assert_eq!(r.body["message"], "Ticket updated successfully");
    assert_eq!((&r.data()["priority"], &r.data()["assigneeId"]), (&json!(4), &json!("agent7")));
    // A new category drops a sub-category that is not its child.
    let r = api.put(&path, &admin(), json!({"categoryId": billing})).await.expect(200);
    assert_eq!((&r.data()["categoryId"], &r.data()["subCategoryId"]), (&json!(billing), &json!(0)));
    api.put(&path, &admin(), json!({"subCategoryId": invoice, "assigneeId": null, "status": 2})).await.expect(200);
    let r = api.put(&path, &agent(), json!({"subCategoryId": card})).await.expect_error(404);
    assert_eq!(r.error_fields(), ["subCategoryId"]);
    let r = api.put(&path, &agent(), json!({"assigneeId": "c1"})).await.expect_error(404);
    assert_eq!(r.error_fields(), ["assigneeId"], "a customer cannot be an assignee");
    let r = api.put(&path, &agent(), json!({"assigneeId": "never-seen"})).await.expect_error(404);
    assert_eq!(r.error_fields(), ["assigneeId"]);
    let r = api.put(&path, &agent(), json!({"categoryId": card})).await.expect_error(404);
    assert_eq!(r.error_fields(), ["categoryId"], "a sub-category is not a top-level category");

    let history = api.get(&format!("{path}/logs"), &agent()).await.expect(200);
    assert_eq!(history.body["status"], json!("1"));
    assert_eq!(history.data().as_array().unwrap().len(), 4);
    let s = |v: &str| json!(v);
    let change = |field: &str, from: Value, to: Value| json!({"field": field, "from": from, "to": to});
    assert_eq!(history_changes(&history), vec![
        ("Created ticket".to_owned(), json!([])),
        ("Updated ticket".to_owned(), json!([
            change("priority", s("normal"), s("urgent")),
            change("assigneeId", Value::Null, s("agent7")),
        ])),
        ("Updated ticket".to_owned(), json!([
            change("categoryId", s(&refund.to_string()), s(&billing.to_string())),
            change("subCategoryId", s(&card.to_string()), Value::Null),
        ])),
        ("Updated ticket".to_owned(), json!([
            change("status", s("open"), s("in_progress")),
            change("assigneeId", s("agent7"), Value::Null),
            change("subCategoryId", Value::Null, s(&invoice.to_string())),
        ])),
    ]);
    // The customer sees the same public history.
    let theirs = api.get(&format!("{path}/logs"), &c).await.expect(200);
    assert_eq!(history_changes(&theirs), history_changes(&history));
    // And the audit log carries the changes too.
    let logs = api.get(&format!("{API}/ticket-logs?ticketId={id}&limit=1"), &agent()).await.expect(200);
    assert_eq!(logs.data()[0]["changes"][0], change("status", s("open"), s("in_progress")));
}

async fn staff_open_tickets_with_priority_and_assignee_but_customers_cannot(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    api.get(API, &agent()).await.expect(200);
    let r = api
        .post(API, &admin(), json!({"subject": "s", "description": "d", "categoryId": cat, "userId": "c1", "priority": 3, "assigneeId": "agent1"}))
        .await
        .expect(201);
    assert_eq!((&r.data()["priority"], &r.data()["assigneeId"]), (&json!("high"), &json!("agent1")));
    for extra in [json!({"priority": 1}), json!({"assigneeId": "agent1"})] {
        let mut body = json!({"subject": "s", "description": "d", "categoryId": cat});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        api.post(API, &customer("c1"), body).await.expect_error(403);
    }
    let r = api.post(API, &agent(), json!({"subject": "s", "description": "d", "categoryId": cat, "priority": 9})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["priority"]);
}

async fn a_customer_reply_reopens_pending_and_resolved_tickets(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Waiting").await;
    let path = format!("{API}/{id}");
    for waiting in [3, 4] {
        api.put(&path, &agent(), json!({"status": waiting})).await.expect(200);
        // Staff replies and internal notes leave the status alone.
        api.post(&path, &agent(), json!({"message": "any news?"})).await.expect(200);
        api.post(&path, &agent(), json!({"message": "note", "visibility": "internal"})).await.expect(200);
        assert_eq!(api.get(&path, &c).await.data()["status"], if waiting == 3 { "pending" } else { "resolved" });
        api.post(&path, &c, json!({"message": "here you go"})).await.expect(200);
        assert_eq!(api.get(&path, &c).await.data()["status"], "open");
    }
    let history = api.get(&format!("{path}/logs?limit=100"), &agent()).await.expect(200);
    let reopenings: Vec<Value> = history
        .data()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actionTaken"] == "Updated ticket status" && e["actionBy"] == "c1")
        .map(|e| e["changes"].clone())
        .collect();
    assert_eq!(reopenings, vec![
        json!([{"field": "status", "from": "pending", "to": "open"}]),
        json!([{"field": "status", "from": "resolved", "to": "open"}]),
    ]);
    // An open ticket stays open on a customer reply, with no extra entry.
    let before = api.log_count().await;
    api.post(&path, &c, json!({"message": "more"})).await.expect(200);
    assert_eq!(api.log_count().await, before + 1);
}

async fn internal_notes_never_reach_customers(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Secretive").await;
    let path = format!("{API}/{id}");
    api.post(&path, &c, json!({"message": "public question"})).await.expect(200);
    let evidence = api.attachment(&agent(), "evidence.pdf").await;
    let note = api
        .post(&path, &agent(), json!({"message": "customer is on the fraud list", "visibility": "internal",
            "attachments": [evidence]}))
        .await
        .expect(200);
    assert_eq!(note.data()["visibility"], "internal");
    api.post(&path, &c, json!({"message": "internal?", "visibility": "internal"})).await.expect_error(403);

    let mine = api.get(&path, &c).await.expect(200);
    let text = mine.body.to_string();
    assert!(!text.contains("fraud") && !text.contains("evidence"), "{text}");
    assert_eq!(mine.data()["ticketMessage"].as_array().unwrap().len(), 1);
    let staff = api.get(&path, &agent()).await.expect(200);
    let messages = staff.data()["ticketMessage"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["visibility"], "internal");
    assert_eq!(messages[1]["ticketAttachments"][0]["fileName"], "evidence.pdf");

    // Logs, counts and history leave the note's entry out for the customer.
    let logs = api.get(&format!("{API}/ticket-logs"), &c).await.expect(200);
    assert_eq!(logs.data().as_array().unwrap().len(), 2);
    assert!(logs.data().as_array().unwrap().iter().all(|e| e["visibility"] == "public"));
    let count = api.get(&format!("{API}/ticket-logs?count=1&ticketId={id}"), &c).await.expect(200);
    assert_eq!(count.data()["count"], json!(2));
    let history = api.get(&format!("{path}/logs"), &c).await.expect(200);
    assert_eq!(history.data().as_array().unwrap().len(), 2);
    let history = api.get(&format!("{path}/logs?count=true"), &c).await.expect(200);
    assert_eq!(history.data()["count"], json!(2));
    let staff_history = api.get(&format!("{path}/logs"), &agent()).await.expect(200);
    assert_eq!(staff_history.data().as_array().unwrap().len(), 3);
    assert_eq!(staff_history.data()[2]["visibility"], "internal");
    // Keyword search does not reach into messages at all.
    let found = api.get(&format!("{API}?keyword=fraud&count=true"), &c).await.expect(200);
    assert_eq!(found.data()["count"], json!(0));
}

async fn an_agents_very_first_request_may_assign_a_ticket_to_itself(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let id = api.ticket(&customer("c1"), cat, "Take me").await;
    let fresh = token_for("agent-fresh", ticketd_domain::UserType::Agent);
    let r = api.put(&format!("{API}/{id}"), &fresh, json!({"assigneeId": "agent-fresh"})).await.expect(200);
    assert_eq!(r.data()["assigneeId"], "agent-fresh");
    let other = token_for("agent-other", ticketd_domain::UserType::Agent);
    let r = api
        .post(API, &other, json!({"subject": "s", "description": "d", "categoryId": cat, "userId": "c1", "assigneeId": "agent-other"}))
        .await
        .expect(201);
    assert_eq!(r.data()["assigneeId"], "agent-other");
    // Someone who never came is still not assignable.
    let r = api.put(&format!("{API}/{id}"), &fresh, json!({"assigneeId": "agent-never"})).await.expect_error(404);
    assert_eq!(r.error_fields(), ["assigneeId"]);
}

async fn an_internal_note_leaves_no_trace_a_customer_can_see(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let first = api.ticket(&c, cat, "First").await;
    let second = api.ticket(&c, cat, "Second").await;
    let path = format!("{API}/{first}");
    let by_modified = format!("{API}?sort=modifiedDate&limit=10");
    let details = api.get(&path, &c).await.expect(200);
    let tag = details.header("etag").unwrap().to_owned();
    let listed = api.get(&by_modified, &c).await.expect(200);
    let order = |r: &Resp| -> Vec<i64> { r.data().as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect() };
    assert_eq!(order(&listed), [first, second]);

    api.post(&path, &token_for("agent9", ticketd_domain::UserType::Agent),
        json!({"message": "refund abuse suspected", "visibility": "internal"})).await.expect(200);

    // The customer's details, ETag and list entries are what they were.
    let after = api.get(&path, &c).await.expect(200);
    assert_eq!(after.body, details.body, "the note changed what the customer reads");
    assert_eq!(after.header("etag"), Some(tag.as_str()));
    let listed_after = api.get(&by_modified, &c).await.expect(200);
    assert_eq!(listed_after.body, listed.body, "the note moved the ticket or changed its fields");
    // A change the customer made with the tag it read still applies.
    api.send(actix_web::test::TestRequest::put()
        .uri(&path)
        .insert_header(("Authorization", format!("Bearer {c}")))
        .insert_header(("If-Match", tag.clone()))
        .set_json(json!({"status": 5})))
        .await
        .expect(200);
    // Staff still see the note, and who wrote it.
    let staff = api.get(&path, &agent()).await.expect(200);
    let messages = staff.data()["ticketMessage"].as_array().unwrap();
    assert_eq!(messages.last().unwrap()["senderId"], "agent9");

    // A public reply is a change the customer sees: it moves the ticket.
    api.post(&format!("{API}/{second}"), &token_for("agent9", ticketd_domain::UserType::Agent), json!({"message": "on it"})).await.expect(200);
    let replied = api.get(&format!("{API}/{second}"), &c).await.expect(200);
    assert_eq!(replied.data()["modifiedBy"], "agent9");
    assert_eq!(replied.data()["modifiedByType"], "agent");
}

async fn a_deleted_ticket_vanishes_until_restored(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Spam").await;
    let path = format!("{API}/{id}");
    for who in [c.clone(), agent()] {
        api.call(actix_web::http::Method::DELETE, &path, Some(&who), None).await.expect_error(403);
    }
    let r = api.call(actix_web::http::Method::DELETE, &path, Some(&admin()), None).await.expect(200);
    assert_eq!(r.body["message"], "Ticket deleted successfully");
    assert_eq!(r.data()["isDelete"], json!(true));
    // Gone for everyone, on every route.
    for who in [c.clone(), agent(), admin()] {
        api.get(&path, &who).await.expect_error(404);
        api.get(&format!("{path}/logs"), &who).await.expect_error(404);
        api.get(&format!("{API}/ticket-logs?ticketId={id}"), &who).await.expect_error(404);
        api.post(&path, &who, json!({"message": "x"})).await.expect_error(404);
        let count = api.get(&format!("{API}?count=true"), &who).await.expect(200);
        assert_eq!(count.data()["count"], json!(0));
        let logs = api.get(&format!("{API}/ticket-logs?count=true"), &who).await.expect(200);
        assert_eq!(logs.data()["count"], json!(0));
    }
    api.put(&path, &admin(), json!({"status": 2})).await.expect_error(404);
    api.call(actix_web::http::Method::DELETE, &path, Some(&admin()), None).await.expect_error(404);
    // Admins may still look, when they ask; nobody else may ask.
    api.get(&format!("{path}?includeDeleted=true"), &admin()).await.expect(200);
    let listed = api.get(&format!("{API}?includeDeleted=true"), &admin()).await.expect(200);
    assert_eq!(listed.data()[0]["isDelete"], json!(true));
    let history = api.get(&format!("{path}/logs?includeDeleted=true"), &admin()).await.expect(200);
    let actions: Vec<&str> = history.data().as_array().unwrap().iter().map(|e| e["actionTaken"].as_str().unwrap()).collect();
    assert_eq!(actions, ["Created ticket", "Deleted ticket"]);
    assert_eq!(history.data()[1]["changes"], json!([{"field": "isDelete", "from": "false", "to": "true"}]));
    for who in [c.clone(), agent()] {
        api.get(&format!("{path}?includeDeleted=true"), &who).await.expect_error(403);
        api.get(&format!("{API}?includeDeleted=true"), &who).await.expect_error(403);
    }
    // Restore brings it back, logged.
    for who in [c.clone(), agent()] {
        api.post(&format!("{path}/restore"), &who, json!({})).await.expect_error(403);
    }
    let r = api.call(actix_web::http::Method::POST, &format!("{path}/restore"), Some(&admin()), None).await.expect(200);
    assert_eq!(r.body["message"], "Ticket restored successfully");
    assert_eq!(r.data()["isDelete"], json!(false));
    api.call(actix_web::http::Method::POST, &format!("{path}/restore"), Some(&admin()), None).await.expect_error(409);
    api.get(&path, &c).await.expect(200);
    let history = api.get(&format!("{path}/logs"), &c).await.expect(200);
    assert_eq!(history.data().as_array().unwrap().len(), 3);
    assert_eq!(history.data()[2]["actionTaken"], "Restored ticket");
}

}
