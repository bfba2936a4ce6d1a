//! Service-level clocks through the API: staff see each ticket's due times
//! and whether they were met or breached, filter and sort by them; customers
//! see none of it (not a field, not an ETag change, not an event) unless the
//! desk shows it to them; admins set the policy; a breach is announced once.

use std::time::Duration;

use crate::common::*;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use ticketd_store_diesel::test_on_both_databases;

const POLICY: &str = "/backend/api/support-ticket/sla-policy";
const SLA_FIELDS: [&str; 4] = [
    "firstResponseDueAt",
    "firstResponseSla",
    "resolutionDueAt",
    "resolutionSla",
];

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// A token that outlives the hours the test moves the clock by.
fn lasting(id: &str, user_type: ticketd_domain::UserType) -> String {
    let actor = ticketd_domain::Actor::new(ticketd_domain::UserId::parse(id).unwrap(), user_type);
    keys().issue(&actor, None, 2 * 86_400).unwrap()
}

fn has_no_sla_field(ticket: &Value) -> bool {
    SLA_FIELDS.iter().all(|f| ticket.get(*f).is_none())
}

fn policy_with_hours() -> Value {
    json!({
        "targets": {
            "low": {"firstResponseMinutes": null, "resolutionMinutes": null},
            "normal": {"firstResponseMinutes": 120, "resolutionMinutes": 960},
            "high": {"firstResponseMinutes": 60, "resolutionMinutes": 480},
            "urgent": {"firstResponseMinutes": 15, "resolutionMinutes": 240}},
        "businessHours": {"timeZone": "America/New_York", "days": ["mon", "tue", "wed", "thu", "fri"],
            "opens": "09:00", "closes": "17:30"}})
}

test_on_both_databases! { actix_web::test;

async fn staff_see_each_tickets_clocks_and_customers_none_unless_shown(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let opened = api.post(API, &c, json!({"subject": "Printer", "description": "Jammed", "categoryId": cat})).await.expect(201);
    assert!(has_no_sla_field(opened.data()), "{:#}", opened.body);
    let id = opened.data()["id"].as_i64().unwrap();
    let mine = api.get(&format!("{API}/{id}"), &c).await.expect(200);
    assert!(has_no_sla_field(mine.data()));
    assert!(has_no_sla_field(&api.get(API, &c).await.expect(200).data()[0]));

    // Staff: the default policy gives a normal ticket 8 hours and 2 days.
    let seen = api.get(&format!("{API}/{id}"), &agent()).await.expect(200);
    let t = seen.data();
    let created = time(&t["createdDate"]);
    assert_eq!(time(&t["firstResponseDueAt"]), created + chrono::Duration::hours(8));
    assert_eq!(time(&t["resolutionDueAt"]), created + chrono::Duration::hours(48));
    assert_eq!((t["firstResponseSla"].as_str(), t["resolutionSla"].as_str()), (Some("running"), Some("running")));
    assert_eq!(api.get(API, &agent()).await.expect(200).data()[0]["firstResponseSla"], "running");

    // Pending pauses both clocks: no due time while the customer is awaited.
    api.put(&format!("{API}/{id}"), &agent(), json!({"status": 3})).await.expect(200);
    let t = api.get(&format!("{API}/{id}"), &agent()).await.expect(200);
    assert_eq!(t.data()["firstResponseDueAt"], Value::Null);
    assert_eq!(t.data()["firstResponseSla"], "paused");
    assert!(has_no_sla_field(api.get(&format!("{API}/{id}"), &c).await.expect(200).data()));

    // A customer may not filter or sort by what it does not see; staff may.
    for q in ["slaBreached=true", "slaBreached=false", "sort=resolutionDueAt", "sort=-firstResponseDueAt"] {
        api.get(&format!("{API}?{q}"), &c).await.expect_error(403);
        api.get(&format!("{API}?{q}&count=true"), &c).await.expect_error(403);
        api.get(&format!("{API}?{q}"), &agent()).await.expect(200);
    }
    let bad = api.get(&format!("{API}?slaBreached=maybe&sort=dueAt"), &agent()).await.expect_error(400);
    assert_eq!(bad.error_fields(), ["slaBreached", "sort"]);

    // A desk set to show them gives customers the same fields.
    let (desk, _dir) = desk_over(db);
    let shown = api_over(desk.with_sla_for_customers(true)).await;
    let t = shown.get(&format!("{API}/{id}"), &c).await.expect(200);
    assert_eq!(t.data()["firstResponseSla"], "paused");
    assert_eq!(shown.get(&format!("{API}?slaBreached=false"), &c).await.expect(200).data()[0]["id"], id);
}

async fn admins_set_the_policy_agents_read_it_and_every_field_is_checked(db: &TestDatabase) {
    let api = api(db).await;
    let default = api.get(POLICY, &agent()).await.expect(200);
    assert_eq!(default.data()["targets"]["urgent"], json!({"firstResponseMinutes": 60, "resolutionMinutes": 240}));
    assert_eq!(default.data()["businessHours"], Value::Null);
    api.get(POLICY, &customer("c1")).await.expect_error(403);
    api.put(POLICY, &agent(), policy_with_hours()).await.expect_error(403);

    let set = api.put(POLICY, &admin(), policy_with_hours()).await.expect(200);
    assert_eq!(set.data(), &policy_with_hours());
    assert_eq!(api.get(POLICY, &agent()).await.expect(200).data(), &policy_with_hours());

    // Tickets opened from now on follow it: low has no clocks at all.
    let cat = api.category("General", 0).await;
    let low = api.post(API, &agent(), json!({"subject": "Low", "description": "d", "categoryId": cat,
        "userId": "c1", "priority": 1})).await.expect(201);
    assert!(has_no_sla_field(low.data()), "{:#}", low.body);
    let urgent = api.post(API, &agent(), json!({"subject": "Urgent", "description": "d", "categoryId": cat,
        "userId": "c1", "priority": 4})).await.expect(201);
    let due = time(&urgent.data()["firstResponseDueAt"]);
    let local = due.with_timezone(&chrono_tz::America::New_York);
    use chrono::{Datelike, Timelike};
    assert!(local.weekday().number_from_monday() <= 5, "{local}");
    let minute = local.hour() * 60 + local.minute();
    assert!((9 * 60..=17 * 60 + 30).contains(&minute), "due {local} outside business hours");

    let mut wrong = policy_with_hours();
    wrong["targets"]["low"]["firstResponseMinutes"] = json!(0);
    wrong["targets"]["high"]["resolutionMinutes"] = json!(600_000);
    wrong["targets"]["normal"]["resolutionMinutes"] = json!(-5);
    wrong["targets"]["urgent"]["resolutionMinutes"] = json!(5_000_000_000_i64);
    wrong["businessHours"] = json!({"timeZone": "Mars/Olympus", "days": ["mon"], "opens": "9am", "closes": "24:00"});
    let r = api.put(POLICY, &admin(), wrong).await.expect_error(400);
    assert_eq!(r.error_fields(), ["targets.low", "targets.normal", "targets.high", "targets.urgent", "businessHours.timeZone", "businessHours.opens", "businessHours.closes"]);
    // A whole number may be written 60.0; 60.5 is not one.
    let mut written = policy_with_hours();
    written["targets"]["urgent"]["firstResponseMinutes"] = json!(15.0);
    assert_eq!(api.put(POLICY, &admin(), written).await.expect(200).data(), &policy_with_hours());
    let mut half = policy_with_hours();
    half["targets"]["urgent"]["firstResponseMinutes"] = json!(15.5);
    api.put(POLICY, &admin(), half).await.expect_error(400);
    let mut backwards = policy_with_hours();
    backwards["businessHours"]["opens"] = json!("18:00");
    assert_eq!(api.put(POLICY, &admin(), backwards).await.expect_error(400).error_fields(), ["businessHours"]);
    let mut twice = policy_with_hours();
    twice["businessHours"]["days"] = json!(["fri", "fri"]);
    assert_eq!(api.put(POLICY, &admin(), twice).await.expect_error(400).error_fields(), ["businessHours.days"]);
    let mut no_days = policy_with_hours();
    no_days["businessHours"]["days"] = json!([]);
    assert_eq!(api.put(POLICY, &admin(), no_days).await.expect_error(400).error_fields(), ["businessHours"]);
    let mut missing = policy_with_hours();
    missing["targets"].as_object_mut().unwrap().remove("urgent");
    api.put(POLICY, &admin(), missing).await.expect_error(400);
    let mut extra = policy_with_hours();
    extra["escalate"] = json!(true);
    api.put(POLICY, &admin(), extra).await.expect_error(400);
    // Objects are objects: not arrays of their fields.
    for (path, array) in [("urgent", json!([null, null])), ("targets", json!([{}, {}, {}, {}])), ("businessHours", json!(["UTC", ["mon"], "09:00", "17:00"]))] {
        let mut body = policy_with_hours();
        match path {
            "urgent" => body["targets"]["urgent"] = array,
            other => body[other] = array,
        }
        api.put(POLICY, &admin(), body).await.expect_error(400);
    }
    // Nothing of the refused bodies was kept.
    assert_eq!(api.get(POLICY, &agent()).await.expect(200).data(), &policy_with_hours());
}

async fn a_breach_is_announced_once_to_staff_and_leaves_no_trace_for_customers(db: &TestDatabase) {
    use ticketd_domain::UserType;
    let (desk, _dir, clock) = desk_and_clock(db);
    let api = api_over(desk.clone()).await;
    let cat = api.category("General", 0).await;
    let (c, agent, admin) = (lasting("c1", UserType::Customer), lasting("agent1", UserType::Agent), lasting("admin1", UserType::Admin));
    let (agent, admin) = (|| agent.clone(), || admin.clone());
    let mut staff = api.open_stream(Some(&agent()), None).await;
    let mut theirs = api.open_stream(Some(&c), None).await;
    let id = api.ticket(&c, cat, "Waiting").await;
    let path = format!("{API}/{id}");
    let customer_tag = api.get(&path, &c).await.expect(200).header("etag").unwrap().to_owned();
    let staff_tag = api.get(&path, &agent()).await.expect(200).header("etag").unwrap().to_owned();

    assert_eq!(desk.settle_sla().await.unwrap(), 0);
    clock.advance(Duration::from_secs(8 * 3600 + 60));
    assert_eq!(desk.settle_sla().await.unwrap(), 1);
    assert_eq!(desk.settle_sla().await.unwrap(), 0, "a breach is marked once");

    let events = api.get(&format!("{API}/events?type=sla.breached"), &admin()).await.expect(200);
    let events = events.data().as_array().unwrap().clone();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!((e["ticketId"].as_i64(), e["actorId"].clone(), e["actorType"].clone()), (Some(id), Value::Null, Value::Null));
    assert_eq!(e["data"]["target"], "firstResponse");
    assert_eq!(e["data"]["ticket"]["firstResponseSla"], "breached");
    assert_eq!(e["data"]["ticket"]["resolutionSla"], "running");

    let got = staff.events_within(Duration::from_secs(2)).await;
    let kinds: Vec<&str> = got.iter().map(|f| f.event.as_deref().unwrap()).collect();
    assert_eq!(kinds, ["ticket.created", "sla.breached"]);
    let got = theirs.events_within(Duration::from_secs(1)).await;
    assert_eq!(got.iter().map(|f| f.event.as_deref().unwrap()).collect::<Vec<_>>(), ["ticket.created"]);
    assert!(has_no_sla_field(&got[0].data.as_ref().unwrap()["data"]["ticket"]));

    // The customer's view did not change at all; staff's did.
    let mine = api.get(&path, &c).await.expect(200);
    assert_eq!(mine.header("etag"), Some(customer_tag.as_str()));
    assert_eq!(mine.data()["modifiedDate"], api.get(&path, &agent()).await.data()["createdDate"]);
    assert_ne!(api.get(&path, &agent()).await.header("etag"), Some(staff_tag.as_str()));
    let breached = api.get(&format!("{API}?slaBreached=true"), &agent()).await.expect(200);
    assert_eq!(breached.data().as_array().unwrap().len(), 1);
    assert_eq!(api.get(&format!("{API}?slaBreached=false"), &agent()).await.expect(200).data().as_array().unwrap().len(), 0);

    // A late first reply does not announce it again; the clock stays breached.
    api.post(&path, &agent(), json!({"message": "Sorry for the wait"})).await.expect(200);
    let t = api.get(&path, &agent()).await.expect(200);
    assert_eq!(t.data()["firstResponseSla"], "breached");
    let again = api.get(&format!("{API}/events?type=sla.breached"), &admin()).await.expect(200);
    assert_eq!(again.data().as_array().unwrap().len(), 1);
}

}
