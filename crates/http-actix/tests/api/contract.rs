//! The documented endpoints answer exactly as the published API shows: the
//! same envelope, messages, field names and JSON types, on both databases.

use crate::common::*;
use serde_json::json;
use ticketd_store_diesel::test_on_both_databases;

test_on_both_databases! { actix_web::test;

async fn every_documented_response_is_reproduced_field_for_field(db: &TestDatabase) {
    let api = api(db).await;
    let doc = documented();
    let refund = api.category("Refund", 0).await;
    let sub = api.category("Card payment", refund).await;
    let user = customer("user01");
    let created = api
        .post(API, &user, json!({"subject": "Refund Request", "description": "Request for a refund on order #XYZ", "categoryId": refund, "subCategoryId": sub}))
        .await
        .expect(201);
    let id = created.data()["id"].as_i64().unwrap();
    assert_eq!(created.header("location"), Some(format!("{API}/{id}").as_str()));

    // The documented request, with the path of a real upload (the documented
    // `/uploads/attachment1.pdf` names no file here; see the next test).
    let mut request = doc["requests"]["addMessage"].clone();
    let uploaded = api.upload(&user, "attachment1.pdf", PDF).await;
    request["attachments"][0]["filePath"] = uploaded["filePath"].clone();
    let added = api
        .post(&format!("{API}/{id}"), &user, request.clone())
        .await
        .expect(200);
    assert_same_shape(&doc["responses"]["addMessage"], &added.body, "addMessage");
    assert_eq!(added.body["message"], "Message and attachments added successfully");
    assert_eq!(added.data()["ticketId"], json!(id));
    assert_eq!(added.data()["message"], "Can you provide an update on my request?");
    assert_eq!(added.data()["attachments"], request["attachments"]);

    let details = api.get(&format!("{API}/{id}"), &user).await.expect(200);
    assert_same_shape(&doc["responses"]["ticketDetails"], &details.body, "ticketDetails");
    assert_eq!(details.body["message"], "Ticket details retrieved successfully");
    assert_eq!(details.body["status"], json!(1));
    let d = details.data();
    assert_eq!(d["subject"], "Refund Request");
    assert_eq!(d["status"], "open");
    assert_eq!(d["userId"], "user01");
    assert_eq!(d["userType"], "customer");
    assert_eq!(d["subCategoryId"], json!(sub));
    assert_eq!(d["ticketMessage"][0]["senderId"], "user01");
    assert_eq!(d["ticketMessage"][0]["senderType"], "customer");
    assert_eq!(d["ticketMessage"][0]["ticketAttachments"][0]["filePath"], uploaded["filePath"]);

    let list = api.get(API, &user).await.expect(200);
    assert_same_shape(&doc["responses"]["listTickets"], &list.body, "listTickets");
    assert_eq!(list.body["status"], json!("1"));
    assert_eq!(list.body["message"], "Support tickets retrieved successfully");
    assert_eq!(list.data()[0]["ticketCategory"]["categoryName"], "Refund");
    assert_eq!(list.data()[0]["ticketCategory"]["parentCategoryId"], json!(0));

    let updated = api.put(&format!("{API}/{id}"), &agent(), json!({"status": 2})).await.expect(200);
    assert_same_shape(&doc["responses"]["updateStatus"], &updated.body, "updateStatus");
    assert_eq!(updated.body["message"], "Ticket status updated successfully");
    assert_eq!((&updated.data()["id"], &updated.data()["status"]), (&json!(id), &json!(2)));

    let logs = api.get(&format!("{API}/ticket-logs"), &agent()).await.expect(200);
    assert_same_shape(&doc["responses"]["ticketLogs"], &logs.body, "ticketLogs");
    assert_eq!(logs.body["status"], json!("1"));
    assert_eq!(logs.body["message"], "Successfully retrieved ticket logs");
    let actions: Vec<&str> = logs.data().as_array().unwrap().iter().map(|e| e["actionTaken"].as_str().unwrap()).collect();
    assert_eq!(actions, ["Updated ticket status", "Added message", "Created ticket"]);
    assert_eq!(logs.data()[0]["actionBy"], "agent1");
    assert_eq!(logs.data()[0]["actionByType"], "agent");
}

async fn timestamps_are_utc_whole_seconds_with_z(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let id = api.ticket(&customer("c1"), cat, "Time").await;
    let d = api.get(&format!("{API}/{id}"), &customer("c1")).await.expect(200);
    for field in ["createdDate", "modifiedDate"] {
        let t = d.data()[field].as_str().unwrap();
        assert_eq!(t.len(), 20, "{field}: {t}");
        assert!(t.ends_with('Z'), "{field}: {t}");
        assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{field}: {t}");
    }
}

async fn paging_defaults_to_ten_and_caps_at_one_hundred(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(api.ticket(&c, cat, &format!("T{i}")).await);
    }
    let first = api.get(API, &c).await.expect(200);
    assert_eq!(first.data().as_array().unwrap().len(), 10);
    let got: Vec<i64> = first.data().as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    let newest_first: Vec<i64> = ids.iter().rev().take(10).copied().collect();
    assert_eq!(got, newest_first);
    let rest = api.get(&format!("{API}?limit=10&offset=10"), &c).await.expect(200);
    assert_eq!(rest.data().as_array().unwrap().len(), 2);
    let capped = api.get(&format!("{API}?limit=1000"), &c).await.expect(200);
    assert_eq!(capped.data().as_array().unwrap().len(), 12);
    api.get(&format!("{API}?count=TRUE"), &c).await.expect_error(400);
    for flag in ["true", "1"] {
        let count = api.get(&format!("{API}?count={flag}&limit=1&offset=5"), &c).await.expect(200);
        assert_eq!(count.body["status"], json!("1"));
        assert_eq!(count.data(), &json!({"count": 12, "capped": false}));
    }
    for flag in ["false", "0"] {
        let rows = api.get(&format!("{API}?count={flag}&limit=3"), &c).await.expect(200);
        assert_eq!(rows.data().as_array().unwrap().len(), 3);
    }
    let logs = api.get(&format!("{API}/ticket-logs?count=1"), &c).await.expect(200);
    assert_eq!(logs.data(), &json!({"count": 12, "capped": false}));
    let page = api.get(&format!("{API}/ticket-logs?limit=5&offset=10"), &c).await.expect(200);
    assert_eq!(page.data().as_array().unwrap().len(), 2);
}

async fn keyword_search_is_case_insensitive_literal_and_counted(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    api.ticket(&c, cat, "Refund Request").await;
    api.ticket(&c, cat, "100% broken").await;
    api.ticket(&c, cat, "Login_issue").await;
    let count = |q: &'static str| {
        let c = c.clone();
        let api = &api;
        async move {
            let r = api.get(&format!("{API}?count=true&keyword={q}"), &c).await.expect(200);
            r.data()["count"].as_u64().unwrap()
        }
    };
    assert_eq!(count("rEfUnD").await, 1);
    assert_eq!(count("%25").await, 1, "a literal percent sign");
    assert_eq!(count("_").await, 1, "a literal underscore");
    assert_eq!(count("").await, 3, "empty keyword means no filter");
    assert_eq!(count("please%20help").await, 3, "the description is searched");
    let refund = api.get(&format!("{API}?keyword=refund"), &c).await.expect(200);
    let ref_id = refund.data()[0]["refId"].as_str().unwrap().to_lowercase();
    let by_ref = api.get(&format!("{API}?count=true&keyword={ref_id}"), &c).await.expect(200);
    assert_eq!(by_ref.data()["count"], json!(1));
}

async fn categories_are_listed_flat_with_zero_for_top_level(db: &TestDatabase) {
    let api = api(db).await;
    let top = api.category("Refund", 0).await;
    let sub = api.category("Card", top).await;
    let r = api.get(&format!("{API}/categories"), &customer("c1")).await.expect(200);
    assert_eq!(r.body["status"], json!(1));
    let list = r.data().as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], json!(top));
    assert_eq!(list[0]["parentCategoryId"], json!(0));
    assert_eq!(list[1]["id"], json!(sub));
    assert_eq!(list[1]["parentCategoryId"], json!(top));
    assert_eq!(list[1]["categoryName"], "Card");
}

async fn staff_open_tickets_for_customers_who_then_see_them(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let r = api
        .post(API, &agent(), json!({"subject": "Phoned in", "description": "Customer called", "categoryId": cat, "userId": "c7"}))
        .await
        .expect(201);
    assert_eq!(r.data()["userId"], "c7");
    assert_eq!(r.data()["userType"], "customer");
    assert_eq!(r.data()["createdBy"], "agent1");
    assert_eq!(r.data()["createdByType"], "agent");
    let id = r.data()["id"].as_i64().unwrap();
    api.get(&format!("{API}/{id}"), &customer("c7")).await.expect(200);
}

async fn a_customer_closes_and_reopens_a_resolved_ticket(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Fix it").await;
    api.put(&format!("{API}/{id}"), &agent(), json!({"status": 4})).await.expect(200);
    let r = api.put(&format!("{API}/{id}"), &c, json!({"status": 1})).await.expect(200);
    assert_eq!((&r.data()["id"], &r.data()["status"]), (&json!(id), &json!(1)));
    let r = api.put(&format!("{API}/{id}"), &c, json!({"status": 5})).await.expect(200);
    assert_eq!(r.data()["status"], json!(5));
    let d = api.get(&format!("{API}/{id}"), &c).await.expect(200);
    assert_eq!(d.data()["status"], "closed");
    assert_eq!(d.data()["modifiedBy"], "c1");
}

}
