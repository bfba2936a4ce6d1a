//! Ticket lists: newest first, paged and counted, searched by keyword,
//! scoped to an owner, walked by cursor in every order.

use super::support::*;

/// Lists are newest first paged and counted without paging.
pub async fn lists_are_newest_first_paged_and_counted_without_paging(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(ticket(db, top, "c1", &format!("T{i}"), t0() + Duration::hours(i)).await);
    }
    // Two tickets in the same second: the later id comes first.
    ids.push(ticket(db, top, "c1", "T5", t0() + Duration::hours(4)).await);
    let all = db
        .list_tickets(&TicketFilter::default(), ALL)
        .await
        .unwrap();
    let got: Vec<TicketId> = all.iter().map(|v| v.ticket.id).collect();
    let want = vec![ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]];
    assert_eq!(got, want);
    let page = db
        .list_tickets(&TicketFilter::default(), Page::skip(2, 2))
        .await
        .unwrap();
    let got: Vec<TicketId> = page.iter().map(|v| v.ticket.id).collect();
    assert_eq!(got, vec![ids[3], ids[2]]);
    let beyond = db
        .list_tickets(&TicketFilter::default(), Page::skip(10, 100))
        .await
        .unwrap();
    assert!(beyond.is_empty());
    assert_eq!(
        db.count_tickets(&TicketFilter::default(), u64::MAX)
            .await
            .unwrap(),
        6
    );
}

/// Keyword search is case insensitive and takes wildcards literally.
pub async fn keyword_search_is_case_insensitive_and_takes_wildcards_literally(db: &impl Ports) {
    let top = category(db, "General", None).await;
    ticket(db, top, "c1", "Refund Request", t0()).await;
    ticket(db, top, "c1", "50% discount missing", t0()).await;
    ticket(db, top, "c1", "under_score and back\\slash", t0()).await;
    ticket(db, top, "c1", "ÜBER große Sorge", t0()).await;
    let count =
        |k: &'static str| async move { db.count_tickets(&keyword(k), u64::MAX).await.unwrap() };
    assert_eq!(count("refund").await, 1);
    assert_eq!(count("REFUND request").await, 1);
    assert_eq!(count("%").await, 1);
    assert_eq!(count("50%").await, 1);
    assert_eq!(count("_").await, 1);
    assert_eq!(
        count("d_r").await,
        0,
        "_ must not match any character (\"der\")"
    );
    assert_eq!(count("\\").await, 1);
    assert_eq!(count("über").await, 1);
    assert_eq!(count("GROSSE").await, 0);
    assert_eq!(count("GROẞE").await + count("große").await, 2);
    assert_eq!(count("nothing like it").await, 0);
    // The description and the reference are searched too.
    assert_eq!(count("see subject").await, 4);
    let one = db.list_tickets(&keyword("refund"), ALL).await.unwrap();
    let reference = one[0].ticket.ref_id.as_str().to_lowercase();
    assert_eq!(
        db.count_tickets(&keyword(&reference), u64::MAX)
            .await
            .unwrap(),
        1
    );
}

/// Owner filter scopes tickets and logs.
pub async fn owner_filter_scopes_tickets_and_logs(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let mine = ticket(db, top, "c1", "mine", t0()).await;
    ticket(db, top, "c2", "theirs", t0()).await;
    let c1 = TicketFilter {
        owner: Some(UserId::parse("c1").unwrap()),
        query: TicketQuery::default(),
    };
    let listed = db.list_tickets(&c1, ALL).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].ticket.id, mine);
    assert_eq!(db.count_tickets(&c1, u64::MAX).await.unwrap(), 1);
    let logs_c1 = LogFilter {
        owner: Some(UserId::parse("c1").unwrap()),
        ticket_id: None,
        ..LogFilter::default()
    };
    let entries = db.list_log_entries(&logs_c1, ALL).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].ticket_id, mine);
    assert_eq!(
        db.count_log_entries(&LogFilter::default(), u64::MAX)
            .await
            .unwrap(),
        2
    );
}

/// Cursor pages follow every sort in both directions.
pub async fn cursor_pages_follow_every_sort_in_both_directions(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let agent = who("agent1", UserType::Agent);
    // Times, priorities and statuses that repeat, so that ties go by id.
    for i in 0..9_i64 {
        let id = ticket(
            db,
            top,
            "c1",
            &format!("T{i}"),
            t0() + Duration::hours(i % 4),
        )
        .await;
        let mut change = update(1, &agent, t0() + Duration::minutes(90 - 10 * (i % 3)));
        change.priority = Some(Priority::from_code(1 + i % 4).unwrap());
        change.status = Some(TicketStatus::from_code(1 + i % 3).unwrap());
        db.update_ticket(id, change, log(LogAction::UpdatedTicket, &agent, t0()))
            .await
            .unwrap();
    }
    let fields = [
        SortField::CreatedDate,
        SortField::ModifiedDate,
        SortField::Priority,
        SortField::Status,
        SortField::Id,
    ];
    for field in fields {
        for descending in [true, false] {
            let sort = TicketSort { field, descending };
            let filter = TicketFilter::from(TicketQuery {
                sort,
                ..TicketQuery::default()
            });
            let all: Vec<TicketId> = db
                .list_tickets(&filter, ALL)
                .await
                .unwrap()
                .iter()
                .map(|v| v.ticket.id)
                .collect();
            assert_eq!(all.len(), 9);
            let mut walked = Vec::new();
            let mut page = Page::first(2);
            loop {
                let rows = db.list_tickets(&filter, page).await.unwrap();
                let Some(last) = rows.last() else { break };
                page = Page::after(2, Position::of_ticket(sort, &last.ticket));
                walked.extend(rows.iter().map(|v| v.ticket.id));
            }
            assert_eq!(walked, all, "{sort:?}");
        }
    }
}
