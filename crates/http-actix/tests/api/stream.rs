//! The live event stream: each caller gets the events it may see as they
//! happen (a customer never an internal note or another customer's ticket),
//! resumes after `Last-Event-ID` with what it missed, and hears a keep-alive
//! when nothing happens.

use std::time::Duration;

use crate::common::*;
use serde_json::json;
use ticketd_store_diesel::test_on_both_databases;

const WAIT: Duration = Duration::from_secs(2);

fn kinds(frames: &[Frame]) -> Vec<String> {
    frames.iter().map(|f| f.event.clone().unwrap()).collect()
}

test_on_both_databases! { actix_web::test;

async fn each_stream_carries_what_its_caller_may_see_as_it_happens(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let (c1, c2) = (customer("c1"), customer("c2"));
    let mut mine = api.open_stream(Some(&c1), None).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.headers.get("content-type").unwrap(), "text/event-stream");
    let mut theirs = api.open_stream(Some(&c2), None).await;
    let mut staff = api.open_stream(Some(&agent()), None).await;
    // Nothing from before the stream opened.
    assert!(mine.events_within(Duration::from_millis(300)).await.is_empty());

    let id = api.ticket(&c1, cat, "Mine").await;
    api.post(&format!("{API}/{id}"), &agent(), json!({"message": "VIP", "visibility": "internal"})).await.expect(200);
    api.post(&format!("{API}/{id}"), &agent(), json!({"message": "On it"})).await.expect(200);
    let other = api.ticket(&c2, cat, "Theirs").await;
    api.call(actix_web::http::Method::DELETE, &format!("{API}/{other}"), Some(&admin()), None).await.expect(200);

    let seen = staff.events_within(WAIT).await;
    assert_eq!(kinds(&seen), ["ticket.created", "message.created", "message.created", "ticket.created", "ticket.deleted"]);
    assert_eq!(seen[1].data.as_ref().unwrap()["visibility"], "internal");
    let got = mine.events_within(WAIT).await;
    assert_eq!(kinds(&got), ["ticket.created", "message.created"]);
    assert!(got.iter().all(|f| f.data.as_ref().unwrap()["ticketId"] == id));
    assert_eq!(got[1].data.as_ref().unwrap()["data"]["message"]["message"], "On it");
    let got = theirs.events_within(WAIT).await;
    assert_eq!(kinds(&got), ["ticket.created"], "a deleted ticket's events are not a customer's");
    // The frames are the event list's events.
    let listed = api.get(&format!("{API}/events?limit=100"), &admin()).await.expect(200);
    assert_eq!(seen[4].data.as_ref().unwrap(), &listed.data()[4]);
}

async fn a_stream_resumes_after_the_last_event_id_with_what_it_missed(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let mut first = api.open_stream(Some(&c), None).await;
    let id = api.ticket(&c, cat, "Resume").await;
    api.post(&format!("{API}/{id}"), &c, json!({"message": "one"})).await.expect(200);
    let got = first.events_within(WAIT).await;
    assert_eq!(got.len(), 2);
    let last = got[1].id.clone().unwrap();
    drop(first);

    // Missed while away, a note among them that the customer may not see.
    api.post(&format!("{API}/{id}"), &agent(), json!({"message": "note", "visibility": "internal"})).await.expect(200);
    api.post(&format!("{API}/{id}"), &c, json!({"message": "two"})).await.expect(200);
    let mut again = api.open_stream(Some(&c), Some(&last)).await;
    let missed = again.events_within(WAIT).await;
    let texts: Vec<&str> = missed.iter().map(|f| f.data.as_ref().unwrap()["data"]["message"]["message"].as_str().unwrap()).collect();
    assert_eq!(texts, ["two"]);
    // And then it goes on live.
    api.post(&format!("{API}/{id}"), &c, json!({"message": "three"})).await.expect(200);
    let live = again.events_within(WAIT).await;
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].data.as_ref().unwrap()["data"]["message"]["message"], "three");
    // A resumed stream of staff sees the note too.
    let mut staff = api.open_stream(Some(&agent()), Some(&last)).await;
    assert_eq!(staff.events_within(WAIT).await.len(), 3);
}

async fn a_stream_refuses_a_foreign_id_and_a_missing_token(db: &TestDatabase) {
    let api = api(db).await;
    let s = api.open_stream(Some(&admin()), Some("not-an-id")).await;
    assert_eq!(s.status, 400);
    let cat = api.category("General", 0).await;
    api.ticket(&customer("c1"), cat, "One").await;
    api.ticket(&customer("c1"), cat, "Two").await;
    let logs = api.get(&format!("{API}/ticket-logs?limit=1"), &admin()).await.expect(200);
    let other_list = logs.body["nextCursor"].as_str().unwrap();
    assert_eq!(api.open_stream(Some(&admin()), Some(other_list)).await.status, 400);
    let events = api.get(&format!("{API}/events?limit=1"), &admin()).await.expect(200);
    let ours = events.body["nextCursor"].as_str().unwrap();
    assert_eq!(api.open_stream(Some(&admin()), Some(ours)).await.status, 200, "the event list's cursor resumes a stream");
    assert_eq!(api.open_stream(None, None).await.status, 401);
}

async fn a_quiet_stream_sends_keep_alives(db: &TestDatabase) {
    let (desk, _dir) = desk_over(db);
    let settings = ticketd_http_actix::HttpSettings { event_stream_heartbeat: Duration::from_millis(200), ..settings() };
    let api = api_with(desk, settings).await;
    let mut s = api.open_stream(Some(&customer("c1")), None).await;
    let frames = s.frames_within(Duration::from_millis(900)).await;
    let comments: Vec<&str> = frames.iter().filter_map(|f| f.comment.as_deref()).collect();
    assert_eq!(comments[0], "connected");
    assert!(comments.iter().filter(|c| **c == "keep-alive").count() >= 2, "{comments:?}");
}

}
