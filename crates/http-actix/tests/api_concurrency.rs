//! Safe updates: the ticket details' ETag, and If-Match on the update call.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use actix_web::test::TestRequest;
use common::*;
use serde_json::json;
use ticketd_store_diesel::test_on_both_databases;

test_on_both_databases! { actix_web::test;

async fn a_stale_if_match_gets_412_and_changes_nothing(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let id = api.ticket(&customer("c1"), cat, "Tagged").await;
    let path = format!("{API}/{id}");
    let read = api.get(&path, &agent()).await.expect(200);
    let tag = read.header("etag").unwrap().to_owned();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    // Reading again without a change gives the same tag.
    assert_eq!(api.get(&path, &agent()).await.header("etag"), Some(tag.as_str()));

    let put = |tag: String, body: serde_json::Value| {
        TestRequest::put()
            .uri(&path)
            .insert_header(("Authorization", format!("Bearer {}", agent())))
            .insert_header(("If-Match", tag))
            .set_json(body)
    };
    api.send(put(tag.clone(), json!({"status": 2}))).await.expect(200);
    // The tag moved with the change: the old one is stale now.
    let r = api.send(put(tag.clone(), json!({"status": 3}))).await.expect_error(412);
    assert!(r.body["message"].as_str().unwrap().contains("changed since"), "{:#}", r.body);
    let now = api.get(&path, &agent()).await;
    assert_eq!(now.data()["status"], "in_progress");
    let fresh = now.header("etag").unwrap().to_owned();
    assert_ne!(fresh, tag);
    // A new message changes what the ticket looks like, and so its tag.
    api.post(&path, &customer("c1"), json!({"message": "update?"})).await.expect(200);
    api.send(put(fresh, json!({"priority": 3}))).await.expect_error(412);
    let latest = api.get(&path, &agent()).await.header("etag").unwrap().to_owned();
    api.send(put(format!("\"nope\", {latest}"), json!({"priority": 3}))).await.expect(200);
    api.send(put("*".into(), json!({"priority": 4}))).await.expect(200);
    assert_eq!(api.get(&path, &agent()).await.data()["priority"], "urgent");
    // Without If-Match, updates work as before.
    api.put(&path, &agent(), json!({"status": 3})).await.expect(200);
}

}
