//! Events: what each use case tells, who may read them, how long they stay.

use ticketd_app::EventQuery;
use ticketd_domain::EventType;

use crate::fixture::*;

#[tokio::test]
async fn each_use_case_leaves_its_events_and_only_admins_read_them() {
    let w = world().await;
    let c = customer("c1");
    let id = open(&w, &c, "Refund").await;
    w.desk.add_message(&c, id, text("Any news?")).await.unwrap();
    let note = NewMessageInput {
        visibility: Visibility::Internal,
        ..text("Check the payment first")
    };
    w.desk.add_message(&agent(), id, note).await.unwrap();
    let assign = TicketChanges {
        assignee_id: Some(Some(admin().id)),
        ..TicketChanges::default()
    };
    w.desk
        .update_ticket(&admin(), id, assign, None)
        .await
        .unwrap();

    let page = w
        .desk
        .list_events(&admin(), EventQuery::default(), PAGE)
        .await
        .unwrap();
    let kinds: Vec<&str> = page.rows.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "ticket.created",
            "message.created",
            "message.created",
            "ticket.updated",
            "ticket.assigned"
        ]
    );
    assert_eq!(page.rows[2].visibility, Visibility::Internal);
    assert_eq!(page.rows[4].ticket.ticket.assignee_id, Some(admin().id));
    assert!(page.next.is_none());

    for who in [c.clone(), agent()] {
        assert!(matches!(
            w.desk.list_events(&who, EventQuery::default(), PAGE).await,
            Err(AppError::Forbidden(_))
        ));
    }

    let only = EventQuery {
        types: vec![EventType::MessageCreated],
        ticket_id: Some(id),
    };
    let first = PageRequest {
        limit: 1,
        offset: 0,
        cursor: None,
    };
    let one = w
        .desk
        .list_events(&admin(), only.clone(), &first)
        .await
        .unwrap();
    assert_eq!(one.rows.len(), 1);
    let cursor = one.next.expect("a second message event follows").encode();
    let next = PageRequest {
        cursor: Some(cursor),
        ..first
    };
    let two = w.desk.list_events(&admin(), only, &next).await.unwrap();
    assert_eq!(two.rows.len(), 1);
    assert_eq!(two.rows[0].visibility, Visibility::Internal);
    assert!(two.next.is_none());
}

#[tokio::test]
async fn events_older_than_the_retention_are_forgotten() {
    let w = world().await;
    open(&w, &customer("c1"), "Refund").await;
    open(&w, &customer("c2"), "Card").await;
    // Everything happened at the fixed "now": a day's retention keeps it...
    let kept = w.desk.forget_old_events(chrono::Duration::days(1)).await;
    assert_eq!(kept.unwrap(), 0);
    // ...and a retention that ends after it forgets it.
    let gone = w
        .desk
        .forget_old_events(chrono::Duration::seconds(-1))
        .await;
    assert_eq!(gone.unwrap(), 2);
    let page = w
        .desk
        .list_events(&admin(), EventQuery::default(), PAGE)
        .await
        .unwrap();
    assert!(page.rows.is_empty());
}
