//! Reading: who sees which tickets and logs, lists, keyword search, cursors.

use crate::fixture::*;

#[tokio::test]
async fn customer_cannot_read_another_customers_ticket_or_its_logs() {
    let w = world().await;
    let id = open(&w, &customer("c1"), "Mine").await;
    let intruder = customer("c2");
    assert!(matches!(
        w.desk.ticket_details(&intruder, id, false).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        w.desk.add_message(&intruder, id, text("hi")).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        change_status(&w.desk, &intruder, id, TicketStatus::Closed).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        w.desk.list_logs(&intruder, Some(id), false, PAGE).await,
        Err(AppError::NotFound(_))
    ));
    assert!(
        w.desk
            .list_tickets(&intruder, TicketQuery::default(), PAGE)
            .await
            .unwrap()
            .rows
            .is_empty()
    );
    assert_eq!(
        w.desk
            .count_tickets(&intruder, TicketQuery::default())
            .await
            .unwrap()
            .value,
        0
    );
    assert!(
        w.desk
            .list_logs(&intruder, None, false, PAGE)
            .await
            .unwrap()
            .rows
            .is_empty()
    );
    assert_eq!(
        w.desk
            .count_logs(&intruder, None, false)
            .await
            .unwrap()
            .value,
        0
    );
    // Nothing the intruder tried was written.
    assert_eq!(w.store.all_logs().len(), 1);
    assert!(w.store.all_messages().is_empty());
    // Staff see it.
    assert_eq!(
        w.desk
            .ticket_details(&agent(), id, false)
            .await
            .unwrap()
            .ticket
            .id,
        id
    );
}

#[tokio::test]
async fn lists_are_scoped_to_the_customer_and_filtered_by_keyword() {
    let w = world().await;
    open(&w, &customer("c1"), "Refund for 50% off").await;
    open(&w, &customer("c1"), "Login trouble").await;
    open(&w, &customer("c2"), "Refund please").await;
    let c1 = customer("c1");
    let count = |who: Actor, keyword: &str| {
        let query = by_keyword(Keyword::parse(keyword).unwrap());
        let desk = w.desk.clone();
        async move { desk.count_tickets(&who, query).await.unwrap().value }
    };
    assert_eq!(count(c1.clone(), "").await, 2, "a customer counts its own");
    assert_eq!(count(c1, "REFUND").await, 1, "case-insensitive");
    assert_eq!(count(agent(), "REFUND").await, 2, "staff count everyone's");
    assert_eq!(count(agent(), "50%").await, 1, "% is literal");
    assert_eq!(count(agent(), "%").await, 1, "% alone too");
    let page = w
        .desk
        .list_tickets(
            &agent(),
            TicketQuery::default(),
            &PageRequest {
                limit: 2,
                offset: 1,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 2);
}

#[tokio::test]
async fn cursors_walk_every_ticket_once_while_tickets_are_added() {
    let w = world().await;
    let mut opened = Vec::new();
    for i in 0..7 {
        opened.push(open(&w, &customer("c1"), &format!("Ticket {i}")).await);
    }
    // Every ticket has the same creation time here: ties go by id.
    let mut seen = Vec::new();
    let mut page = PageRequest::first(3);
    loop {
        let p = w
            .desk
            .list_tickets(&agent(), TicketQuery::default(), &page)
            .await
            .unwrap();
        seen.extend(p.rows.iter().map(|v| v.ticket.id));
        if seen.len() == 3 {
            // Newer than every row read so far: the next pages do not shift.
            open(&w, &customer("c1"), "Opened while paging").await;
        }
        match p.next {
            Some(next) => {
                page = PageRequest {
                    cursor: Some(next.encode()),
                    ..PageRequest::first(3)
                }
            }
            None => break,
        }
    }
    opened.reverse();
    assert_eq!(seen, opened);
}

#[tokio::test]
async fn a_cursor_of_another_order_and_offsets_past_the_maximum_are_refused() {
    let w = world().await;
    for i in 0..3 {
        open(&w, &customer("c1"), &format!("Ticket {i}")).await;
    }
    let first = w
        .desk
        .list_tickets(&agent(), TicketQuery::default(), &PageRequest::first(1))
        .await
        .unwrap();
    let cursor = first.next.unwrap().encode();
    let by_id = TicketQuery {
        sort: TicketSort {
            field: SortField::Id,
            descending: true,
        },
        ..TicketQuery::default()
    };
    let with_cursor = PageRequest {
        cursor: Some(cursor),
        ..PageRequest::first(1)
    };
    let r = w.desk.list_tickets(&agent(), by_id, &with_cursor).await;
    assert!(
        matches!(&r, Err(AppError::Invalid(e)) if e[0].field == "cursor"),
        "{r:?}"
    );
    let deep = PageRequest {
        offset: MAX_OFFSET + 1,
        ..PageRequest::first(1)
    };
    let r = w
        .desk
        .list_tickets(&agent(), TicketQuery::default(), &deep)
        .await;
    assert!(
        matches!(&r, Err(AppError::Invalid(e)) if e[0].field == "offset"),
        "{r:?}"
    );
    let deepest_allowed = PageRequest {
        offset: MAX_OFFSET,
        ..PageRequest::first(1)
    };
    let r = w
        .desk
        .list_tickets(&agent(), TicketQuery::default(), &deepest_allowed)
        .await
        .unwrap();
    assert!(r.rows.is_empty() && r.next.is_none());
}
