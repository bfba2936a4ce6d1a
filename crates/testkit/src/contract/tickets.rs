//! Tickets: created and read back, changed at the version decided on,
//! deleted and restored, read as the scope admits.

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
