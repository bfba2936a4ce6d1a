//! Tickets: created and read back, listed, searched, paged, scoped, changed
//! at the version decided on, deleted and restored.

use super::support::*;

/// A created ticket reads back field for field.
pub async fn a_created_ticket_reads_back_field_for_field(db: &impl Ports) {
    let top = category(db, "Refund", None).await;
    let sub = category(db, "Card", Some(top)).await;
    let agent = who("agent1", UserType::Agent);
    let new = NewTicket {
        ref_id: RefId::parse("TKT-ABCDEFGHJK").unwrap(),
        user_id: UserId::parse("user01").unwrap(),
        user_type: UserType::Customer,
        category_id: top,
        sub_category_id: Some(sub),
        subject: Subject::parse("Refund Request").unwrap(),
        description: Description::parse("Request for a refund on order #XYZ\nThanks").unwrap(),
        status: TicketStatus::Open,
        priority: Priority::Normal,
        assignee_id: None,
        actor: agent.clone(),
        at: t0(),
        answer: None,
    };
    let created = db
        .create_ticket(new, log(LogAction::CreatedTicket, &agent, t0()))
        .await
        .unwrap();
    let read = db.get_ticket(created.ticket.id).await.unwrap().unwrap();
    assert_eq!(read, created);
    let t = &read.ticket;
    assert_eq!(t.ref_id.as_str(), "TKT-ABCDEFGHJK");
    assert_eq!(t.user_id.as_str(), "user01");
    assert_eq!(t.sub_category_id, Some(sub));
    assert_eq!(
        t.description.as_str(),
        "Request for a refund on order #XYZ\nThanks"
    );
    assert_eq!(t.audit.created_by, agent);
    assert_eq!(t.audit.created_at, t0());
    assert_eq!(read.category.name.as_str(), "Refund");
    assert_eq!(read.category.parent_id, None);
    let logs = db
        .list_log_entries(&LogFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].action, LogAction::CreatedTicket);
    assert_eq!(logs[0].action_by, agent);
    assert_eq!(logs[0].action_at, t0());
    assert!(db.get_ticket(TicketId(999_999)).await.unwrap().is_none());
}

/// A duplicate reference is a conflict.
pub async fn a_duplicate_reference_is_a_conflict(db: &impl Ports) {
    let top = category(db, "Refund", None).await;
    let c = who("c1", UserType::Customer);
    let make = || NewTicket {
        ref_id: RefId::parse("TKT-SAME").unwrap(),
        user_id: c.id.clone(),
        user_type: UserType::Customer,
        category_id: top,
        sub_category_id: None,
        subject: Subject::parse("s").unwrap(),
        description: Description::parse("d").unwrap(),
        status: TicketStatus::Open,
        priority: Priority::Normal,
        assignee_id: None,
        actor: c.clone(),
        at: t0(),
        answer: None,
    };
    db.create_ticket(make(), log(LogAction::CreatedTicket, &c, t0()))
        .await
        .unwrap();
    let again = db
        .create_ticket(make(), log(LogAction::CreatedTicket, &c, t0()))
        .await;
    match again {
        Err(RepoError::Conflict(m)) => {
            assert_eq!(
                m,
                "the ticket's reference was taken meanwhile; send the request again"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        db.count_log_entries(&LogFilter::default(), u64::MAX)
            .await
            .unwrap(),
        1
    );
}

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

/// An update applies only at the version it was decided on.
pub async fn an_update_applies_only_at_the_version_it_was_decided_on(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let other = category(db, "Other", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let agent = who("agent1", UserType::Agent);
    let later = t0() + Duration::minutes(1);
    let first = TicketUpdate {
        status: Some(TicketStatus::Resolved),
        priority: Some(Priority::Urgent),
        assignee_id: Some(Some(UserId::parse("agent1").unwrap())),
        category_id: Some(other),
        ..update(1, &agent, later)
    };
    let mut entry = log(LogAction::UpdatedTicket, &agent, later);
    entry.changes = vec![FieldChange::new(
        ChangedField::Status,
        Some("open".into()),
        Some("resolved".into()),
    )];
    let view = db.update_ticket(id, first, entry).await.unwrap();
    let t = &view.ticket;
    assert_eq!(
        (t.status, t.priority, t.category_id, t.version),
        (TicketStatus::Resolved, Priority::Urgent, other, 2)
    );
    assert_eq!(t.assignee_id.as_ref().map(UserId::as_str), Some("agent1"));
    assert_eq!(t.audit.modified_by, agent);
    assert_eq!(t.audit.modified_at, later);
    assert_eq!(view.category.id, other);
    // A decision made on version 1 is stale now.
    let stale = TicketUpdate {
        status: Some(TicketStatus::Closed),
        ..update(1, &agent, later)
    };
    let r = db
        .update_ticket(id, stale, log(LogAction::UpdatedStatus, &agent, later))
        .await;
    assert!(matches!(r, Err(RepoError::Conflict(_))), "{r:?}");
    // Unassigning writes NULL.
    let unassign = TicketUpdate {
        assignee_id: Some(None),
        ..update(2, &agent, later)
    };
    let view = db
        .update_ticket(id, unassign, log(LogAction::UpdatedTicket, &agent, later))
        .await
        .unwrap();
    assert_eq!(view.ticket.assignee_id, None);
    assert_eq!(view.ticket.status, TicketStatus::Resolved);
    let history = LogFilter {
        ticket_id: Some(id),
        oldest_first: true,
        ..LogFilter::default()
    };
    let entries = db.list_log_entries(&history, ALL).await.unwrap();
    let actions: Vec<LogAction> = entries.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            LogAction::CreatedTicket,
            LogAction::UpdatedTicket,
            LogAction::UpdatedTicket
        ]
    );
    assert_eq!(
        entries[1].changes,
        vec![FieldChange::new(
            ChangedField::Status,
            Some("open".into()),
            Some("resolved".into())
        )]
    );
    assert!(entries[2].changes.is_empty());
    let missing = db
        .update_ticket(
            TicketId(777_777),
            update(1, &agent, later),
            log(LogAction::UpdatedStatus, &agent, later),
        )
        .await;
    assert!(matches!(missing, Err(RepoError::NotFound)), "{missing:?}");
}

/// Deleted tickets leave lists and logs unless asked for.
pub async fn deleted_tickets_leave_lists_and_logs_unless_asked_for(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "gone", t0()).await;
    ticket(db, top, "c1", "kept", t0()).await;
    let admin = admin();
    let delete = TicketUpdate {
        is_delete: Some(true),
        ..update(1, &admin, t0())
    };
    db.update_ticket(id, delete, log(LogAction::DeletedTicket, &admin, t0()))
        .await
        .unwrap();
    let read = db.get_ticket(id).await.unwrap().unwrap();
    assert!(
        read.ticket.is_delete,
        "a deleted ticket can still be read by id, flagged"
    );
    assert_eq!(
        db.count_tickets(&TicketFilter::default(), u64::MAX)
            .await
            .unwrap(),
        1
    );
    let with_deleted = TicketFilter::from(TicketQuery {
        include_deleted: true,
        ..TicketQuery::default()
    });
    assert_eq!(db.count_tickets(&with_deleted, u64::MAX).await.unwrap(), 2);
    assert_eq!(log_count(db, id).await, 0);
    let logs = LogFilter {
        ticket_id: Some(id),
        include_deleted: true,
        ..LogFilter::default()
    };
    assert_eq!(db.count_log_entries(&logs, u64::MAX).await.unwrap(), 2);
    let c = who("c1", UserType::Customer);
    let r = db
        .add_message(
            id,
            message(&c, "x", &[]),
            log(LogAction::AddedMessage, &c, t0()),
            None,
        )
        .await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");
    let r = db
        .update_ticket(
            id,
            TicketUpdate {
                priority: Some(Priority::High),
                ..update(2, &admin, t0())
            },
            log(LogAction::UpdatedTicket, &admin, t0()),
        )
        .await;
    assert!(
        matches!(r, Err(RepoError::NotFound)),
        "a deleted ticket takes no changes: {r:?}"
    );
    let restore = TicketUpdate {
        is_delete: Some(false),
        ..update(2, &admin, t0())
    };
    db.update_ticket(id, restore, log(LogAction::RestoredTicket, &admin, t0()))
        .await
        .unwrap();
    assert_eq!(
        db.count_tickets(&TicketFilter::default(), u64::MAX)
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

/// Details read only what the scope admits.
pub async fn details_read_only_what_the_scope_admits(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let agent = who("agent1", UserType::Agent);
    let public = message(&agent, "Public answer", &["public.pdf"]);
    db.add_message(id, public, log(LogAction::AddedMessage, &agent, t0()), None)
        .await
        .unwrap();
    let mut note = message(&agent, "Internal note", &["internal.pdf"]);
    note.visibility = Visibility::Internal;
    db.add_message(id, note, log(LogAction::AddedMessage, &agent, t0()), None)
        .await
        .unwrap();
    let owner = ReadScope {
        owner: Some(UserId::parse("c1").unwrap()),
        ..ReadScope::default()
    };
    let seen = db.ticket_details(id, &owner).await.unwrap().unwrap();
    let bodies: Vec<&str> = seen
        .messages
        .iter()
        .filter_map(|m| m.body.as_ref())
        .map(|b| b.as_str())
        .collect();
    assert_eq!(bodies, ["Public answer"]);
    let files: Vec<&str> = seen
        .messages
        .iter()
        .flat_map(|m| &m.attachments)
        .map(|a| a.file_name.as_str())
        .collect();
    assert_eq!(files, ["public.pdf"]);
    let staff = ReadScope {
        include_internal: true,
        ..ReadScope::default()
    };
    assert_eq!(
        db.ticket_details(id, &staff)
            .await
            .unwrap()
            .unwrap()
            .messages
            .len(),
        2
    );
    let stranger = ReadScope {
        owner: Some(UserId::parse("c2").unwrap()),
        ..ReadScope::default()
    };
    assert_eq!(db.ticket_details(id, &stranger).await.unwrap(), None);
    let admin = admin();
    let mut delete = update(1, &admin, t0());
    delete.is_delete = Some(true);
    db.update_ticket(id, delete, log(LogAction::DeletedTicket, &admin, t0()))
        .await
        .unwrap();
    assert_eq!(db.ticket_details(id, &staff).await.unwrap(), None);
    assert!(db.ticket_details(id, &EVERYTHING).await.unwrap().is_some());
}

// Whether a caller may read a ticket is decided on the ticket's row alone: a
// customer asking for another customer's ticket of thousands of messages
// costs one statement, like an id that does not exist, so the answer's time
// tells nothing about the ticket.
