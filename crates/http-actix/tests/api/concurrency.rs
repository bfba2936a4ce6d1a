//! Safe updates: the ticket details' ETag, and If-Match on the update call.

use crate::common::*;
use actix_web::test::TestRequest;
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

mod idempotency {
    use super::*;

    fn post(path: &str, token: &str, key: &str, body: serde_json::Value) -> TestRequest {
        TestRequest::post()
            .uri(path)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Idempotency-Key", key.to_owned()))
            .set_json(body)
    }

    test_on_both_databases! { actix_web::test;

    async fn a_retried_post_replays_the_first_answer_without_writing_again(db: &TestDatabase) {
        let api = api(db).await;
        let cat = api.category("General", 0).await;
        let c = customer("c1");
        let open = json!({"subject": "Once", "description": "only once", "categoryId": cat});
        let first = api.send(post(API, &c, "open-1", open.clone())).await.expect(201);
        let again = api.send(post(API, &c, "open-1", open.clone())).await.expect(201);
        assert_eq!(again.body, first.body);
        assert_eq!(again.header("location"), first.header("location"));
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(first.header("idempotent-replayed"), None);
        let count = api.get(&format!("{API}?count=true"), &agent()).await.expect(200);
        assert_eq!(count.data()["count"], json!(1));

        let id = first.data()["id"].as_i64().unwrap();
        let path = format!("{API}/{id}");
        let message = json!({"message": "sent twice by a flaky network"});
        let m1 = api.send(post(&path, &c, "msg-1", message.clone())).await.expect(200);
        let m2 = api.send(post(&path, &c, "msg-1", message.clone())).await.expect(200);
        assert_eq!(m1.body, m2.body);
        assert_eq!(api.message_count(id).await, 1);
        assert_eq!(api.log_count().await, 2, "one entry for the ticket, one for the message");

        // The same key with another body is refused and writes nothing.
        let other = json!({"message": "something else"});
        let r = api.send(post(&path, &c, "msg-1", other.clone())).await.expect_error(422);
        assert!(r.body["message"].as_str().unwrap().contains("Idempotency-Key"));
        assert_eq!(api.message_count(id).await, 1);
        // Keys belong to their user: another user's same key is a new request.
        api.send(post(&path, &agent(), "msg-1", message.clone())).await.expect(200);
        assert_eq!(api.message_count(id).await, 2);
        // A new key is a new request.
        api.send(post(&path, &c, "msg-2", message)).await.expect(200);
        assert_eq!(api.message_count(id).await, 3);
    }

    async fn a_failed_request_frees_its_key(db: &TestDatabase) {
        let api = api(db).await;
        let cat = api.category("General", 0).await;
        let c = customer("c1");
        api.send(post(API, &c, "k", json!({"subject": "", "description": "d", "categoryId": cat}))).await.expect_error(400);
        let fixed = json!({"subject": "Fixed", "description": "d", "categoryId": cat});
        api.send(post(API, &c, "k", fixed.clone())).await.expect(201);
        let replay = api.send(post(API, &c, "k", fixed)).await.expect(201);
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
        for bad in ["", &"k".repeat(256), "has space"] {
            let r = api.send(post(API, &c, bad, json!({}))).await.expect_error(400);
            assert_eq!(r.error_fields(), ["Idempotency-Key"], "{bad:?}");
        }
        let count = api.get(&format!("{API}?count=true"), &agent()).await.expect(200);
        assert_eq!(count.data()["count"], json!(1));
    }

    }
}
