//! The ticket list's filters and sorts, alone and combined with the keyword,
//! paging and counting, on both databases.

use std::collections::BTreeSet;

use crate::common::*;
use serde_json::{Value, json};
use ticketd_domain::UserType;
use ticketd_store_diesel::test_on_both_databases;

/// Subjects of a list answer, in order.
fn subjects(r: &Resp) -> Vec<String> {
    r.data()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap().to_owned())
        .collect()
}

fn set(v: Vec<String>) -> BTreeSet<String> {
    v.into_iter().collect()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

test_on_both_databases! { actix_web::test;

async fn each_filter_alone_and_combined_with_keyword_paging_and_count(db: &TestDatabase) {
    let api = api(db).await;
    let refund = api.category("Refund", 0).await;
    let card = api.category("Card", refund).await;
    let login = api.category("Login", 0).await;
    api.get(API, &token_for("agent7", UserType::Agent)).await.expect(200);
    api.get(API, &agent()).await.expect(200);
    // Five tickets, opened one after another (a second apart is not needed:
    // ties are broken by id).
    let make = |subject: &'static str, owner: &'static str, category: i64, sub: i64| {
        let api = &api;
        async move {
            let body = json!({"subject": subject, "description": "d", "categoryId": category, "subCategoryId": sub, "userId": owner});
            api.post(API, &admin(), body).await.expect(201).data()["id"].as_i64().unwrap()
        }
    };
    let a = make("A refund card", "c1", refund, card).await;
    let b = make("B refund", "c1", refund, 0).await;
    let c = make("C login", "c2", login, 0).await;
    let d = make("D login refund", "c2", login, 0).await;
    let e = make("E refund card", "c3", refund, card).await;
    let set_ticket = |id: i64, body: serde_json::Value| {
        let api = &api;
        async move {
            api.put(&format!("{API}/{id}"), &admin(), body).await.expect(200);
        }
    };
    set_ticket(a, json!({"status": 2, "priority": 4, "assigneeId": "agent7"})).await;
    set_ticket(b, json!({"status": 3, "priority": 1})).await;
    set_ticket(c, json!({"status": 4, "priority": 3, "assigneeId": "agent1"})).await;
    set_ticket(d, json!({"priority": 4, "assigneeId": "agent7"})).await;
    let _ = e;

    let cases: Vec<(String, Vec<&str>)> = vec![
        ("status=open".into(), vec!["D login refund", "E refund card"]),
        ("status=in_progress,pending".into(), vec!["A refund card", "B refund"]),
        ("status=2&status=3".into(), vec!["A refund card", "B refund"]),
        ("status=4".into(), vec!["C login"]),
        ("priority=urgent".into(), vec!["A refund card", "D login refund"]),
        ("priority=1,3".into(), vec!["B refund", "C login"]),
        ("priority=normal".into(), vec!["E refund card"]),
        (format!("categoryId={login}"), vec!["C login", "D login refund"]),
        (format!("subCategoryId={card}"), vec!["A refund card", "E refund card"]),
        ("assigneeId=agent7".into(), vec!["A refund card", "D login refund"]),
        ("assigneeId=agent7,agent1".into(), vec!["A refund card", "C login", "D login refund"]),
        ("unassigned=true".into(), vec!["B refund", "E refund card"]),
        ("unassigned=true&assigneeId=agent1".into(), vec!["B refund", "C login", "E refund card"]),
        ("userId=c2".into(), vec!["C login", "D login refund"]),
        ("userId=c1,c3".into(), vec!["A refund card", "B refund", "E refund card"]),
        // Combined with each other and with the keyword.
        ("keyword=refund&priority=4".into(), vec!["A refund card", "D login refund"]),
        (format!("keyword=refund&categoryId={refund}&status=open"), vec!["E refund card"]),
        ("keyword=card&unassigned=true".into(), vec!["E refund card"]),
        ("keyword=nothing&status=open".into(), vec![]),
    ];
    for (query, expected) in &cases {
        let r = api.get(&format!("{API}?{query}&limit=100"), &agent()).await.expect(200);
        assert_eq!(set(subjects(&r)), names(expected), "{query}");
        assert_eq!(r.header("x-total-count"), None, "a page does not count: {query}");
        assert_eq!(r.body["nextCursor"], Value::Null, "{query}");
        let count = api.get(&format!("{API}?{query}&count=true"), &agent()).await.expect(200);
        assert_eq!(count.data()["count"], json!(expected.len()), "{query}");
        assert_eq!(count.header("x-total-count"), Some(expected.len().to_string().as_str()), "{query}");
    }
    // Paging cuts the matches, not the count.
    let r = api.get(&format!("{API}?keyword=refund&limit=2&offset=1"), &agent()).await.expect(200);
    assert_eq!(subjects(&r), ["D login refund", "B refund"]);
    let count = api.get(&format!("{API}?keyword=refund&limit=2&offset=1&count=true"), &agent()).await.expect(200);
    assert_eq!(count.data(), &json!({"count": 4, "capped": false}));
    assert!(count.body.get("nextCursor").is_none(), "a count has no next page");
    // The cursor of a page reads the rest, with the same filters.
    let cursor = r.body["nextCursor"].as_str().unwrap();
    let rest = api.get(&format!("{API}?keyword=refund&limit=2&cursor={cursor}"), &agent()).await.expect(200);
    assert_eq!(subjects(&rest), ["A refund card"]);
    assert_eq!(rest.body["nextCursor"], Value::Null);
    // A customer's filters stay within its own tickets.
    let r = api.get(&format!("{API}?priority=4"), &customer("c1")).await.expect(200);
    assert_eq!(subjects(&r), ["A refund card"]);
    api.get(&format!("{API}?userId=c2"), &customer("c1")).await.expect_error(403);
    api.get(&format!("{API}?userId=c1"), &customer("c1")).await.expect(200);
}

async fn time_filters_bound_creation_and_change(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let old = api.ticket(&customer("c1"), cat, "Old").await;
    let fresh = api.ticket(&customer("c1"), cat, "Fresh").await;
    db.execute(&format!("UPDATE tickets SET created_date = '2025-03-01 09:00:00', modified_date = '2025-03-02 09:00:00' WHERE id = {old}"));
    db.execute(&format!("UPDATE tickets SET created_date = '2025-04-10 12:00:00', modified_date = '2025-04-20 08:00:00' WHERE id = {fresh}"));
    let cases = [
        ("createdFrom=2025-04-01", vec!["Fresh"]),
        ("createdTo=2025-03-31", vec!["Old"]),
        ("createdTo=2025-03-01", vec!["Old"]),
        ("createdFrom=2025-03-01T09:00:00Z&createdTo=2025-04-10T12:00:00Z", vec!["Old", "Fresh"]),
        ("createdFrom=2025-03-01T09:00:01Z", vec!["Fresh"]),
        ("updatedSince=2025-04-20T08:00:00Z", vec!["Fresh"]),
        ("updatedSince=2025-04-20T08:00:01%2B00:00", vec![]),
        ("updatedSince=2025-03-02", vec!["Old", "Fresh"]),
    ];
    for (query, expected) in cases {
        let r = api.get(&format!("{API}?{query}"), &agent()).await.expect(200);
        assert_eq!(set(subjects(&r)), names(&expected), "{query}");
    }
}

async fn every_sort_orders_the_whole_list(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let first = api.ticket(&c, cat, "first").await;
    let second = api.ticket(&c, cat, "second").await;
    let third = api.ticket(&c, cat, "third").await;
    for (day, id) in [(1, first), (2, second), (3, third)] {
        db.execute(&format!("UPDATE tickets SET created_date = '2025-01-0{day} 00:00:00' WHERE id = {id}"));
    }
    api.put(&format!("{API}/{first}"), &agent(), json!({"priority": 4, "status": 4})).await.expect(200);
    api.put(&format!("{API}/{third}"), &agent(), json!({"priority": 1, "status": 2})).await.expect(200);
    // The second ticket changes last of all; the other two changed in the same
    // second, so their tie goes by id.
    db.execute(&format!("UPDATE tickets SET modified_date = '2099-01-01 00:00:00' WHERE id = {second}"));
    let cases = [
        ("", vec!["third", "second", "first"]),
        ("sort=createdDate", vec!["first", "second", "third"]),
        ("sort=-createdDate", vec!["third", "second", "first"]),
        ("sort=createdDate:desc", vec!["third", "second", "first"]),
        ("sort=priority", vec!["third", "second", "first"]),
        ("sort=-priority", vec!["first", "second", "third"]),
        ("sort=status:asc", vec!["second", "third", "first"]),
        ("sort=-status", vec!["first", "third", "second"]),
        ("sort=id", vec!["first", "second", "third"]),
        ("sort=-id", vec!["third", "second", "first"]),
        ("sort=-modifiedDate", vec!["second", "third", "first"]),
    ];
    for (query, expected) in cases {
        let r = api.get(&format!("{API}?{query}"), &agent()).await.expect(200);
        assert_eq!(subjects(&r), expected, "{query}");
    }
    // With paging, the order carries across pages.
    let page = api.get(&format!("{API}?sort=-priority&limit=1&offset=1"), &agent()).await.expect(200);
    assert_eq!(subjects(&page), ["second"]);
}

async fn bad_filter_values_get_400_naming_the_parameter(db: &TestDatabase) {
    let api = api(db).await;
    let cases = [
        ("status=done", "status"),
        ("status=0", "status"),
        ("priority=5", "priority"),
        ("priority=critical", "priority"),
        ("categoryId=abc", "categoryId"),
        ("categoryId=-1", "categoryId"),
        ("subCategoryId=1.5", "subCategoryId"),
        ("unassigned=maybe", "unassigned"),
        ("createdFrom=yesterday", "createdFrom"),
        ("createdTo=2025-13-01", "createdTo"),
        ("updatedSince=2025-04-01T25:00:00Z", "updatedSince"),
        ("sort=subject", "sort"),
        ("sort=priority:up", "sort"),
        ("includeDeleted=yes", "includeDeleted"),
    ];
    for (query, field) in cases {
        let r = api.get(&format!("{API}?{query}"), &agent()).await.expect_error(400);
        assert_eq!(r.error_fields(), [field], "{query}");
    }
    let r = api.get(&format!("{API}?status=done&priority=9&sort=x"), &agent()).await.expect_error(400);
    assert_eq!(r.error_fields(), ["status", "priority", "sort"]);
}

async fn a_count_refuses_the_paging_a_page_would_refuse(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let id = api.ticket(&customer("c1"), cat, "Counted").await;
    for list in [API.to_owned(), format!("{API}/ticket-logs"), format!("{API}/{id}/logs")] {
        for (query, field) in [("cursor=s%0B%C2%95%3A", "cursor"), ("cursor=bm90LWEtY3Vyc29y", "cursor"), ("offset=10001", "offset")] {
            for count in ["", "&count=true"] {
                let r = api.get(&format!("{list}?{query}{count}"), &admin()).await.expect_error(400);
                assert_eq!(r.error_fields(), [field], "{list}?{query}{count}");
            }
        }
        // A cursor of this list stays good for its count.
        let page = api.get(&format!("{list}?limit=1"), &admin()).await.expect(200);
        if let Some(next) = page.body["nextCursor"].as_str() {
            api.get(&format!("{list}?cursor={next}&count=true"), &admin()).await.expect(200);
        }
    }
}

}
