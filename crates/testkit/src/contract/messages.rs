//! Messages: stored with their attachments and log entry in one write,
//! refused by a closed ticket, reopening only from the status expected.

use super::support::*;

/// A message lands with its attachments and log entry.
pub async fn a_message_lands_with_its_attachments_and_log_entry(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let agent = who("agent1", UserType::Agent);
    let msg = message(&agent, "Looking into it", &["a.pdf", "b.png"]);
    let at = msg.at;
    let stored = db
        .add_message(id, msg, log(LogAction::AddedMessage, &agent, at), None)
        .await
        .unwrap();
    assert_eq!(stored.sender, agent);
    assert_eq!(
        stored.body.as_ref().map(|b| b.as_str()),
        Some("Looking into it")
    );
    assert_eq!(stored.attachments.len(), 2);
    assert_eq!(stored.sent_at, at);
    let details = db.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert_eq!(details.messages, vec![stored]);
    let names: Vec<&str> = details.messages[0]
        .attachments
        .iter()
        .map(|a| a.file_name.as_str())
        .collect();
    assert_eq!(names, ["a.pdf", "b.png"]);
    assert_eq!(details.ticket.audit.modified_by, agent);
    assert_eq!(details.ticket.audit.modified_at, at);
    assert_eq!(log_count(db, id).await, 2);
}

/// A message without text keeps its attachments.
pub async fn a_message_without_text_keeps_its_attachments(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let c = who("c1", UserType::Customer);
    let mut msg = message(&c, "x", &["only.pdf"]);
    msg.body = None;
    db.add_message(id, msg, log(LogAction::AddedMessage, &c, t0()), None)
        .await
        .unwrap();
    let details = db.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert_eq!(details.messages[0].body, None);
    assert_eq!(details.messages[0].attachments.len(), 1);
}

/// A closed ticket refuses messages and a missing one is not found.
pub async fn a_closed_ticket_refuses_messages_and_a_missing_one_is_not_found(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let c = who("c1", UserType::Customer);
    let closing = TicketUpdate {
        status: Some(TicketStatus::Closed),
        ..update(1, &c, t0())
    };
    db.update_ticket(id, closing, log(LogAction::UpdatedStatus, &c, t0()))
        .await
        .unwrap();
    let r = db
        .add_message(
            id,
            message(&c, "late", &[]),
            log(LogAction::AddedMessage, &c, t0()),
            None,
        )
        .await;
    assert!(matches!(r, Err(RepoError::Conflict(_))), "{r:?}");
    let r = db
        .add_message(
            TicketId(424_242),
            message(&c, "x", &[]),
            log(LogAction::AddedMessage, &c, t0()),
            None,
        )
        .await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");
    assert!(
        db.ticket_details(id, &EVERYTHING)
            .await
            .unwrap()
            .unwrap()
            .messages
            .is_empty()
    );
    assert_eq!(log_count(db, id).await, 2);
}

/// A reopening reply changes the status only from the status it expects.
pub async fn a_reopening_reply_changes_the_status_only_from_the_status_it_expects(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let c = who("c1", UserType::Customer);
    let agent = who("agent1", UserType::Agent);
    let pending = TicketUpdate {
        status: Some(TicketStatus::Pending),
        ..update(1, &agent, t0())
    };
    db.update_ticket(id, pending, log(LogAction::UpdatedStatus, &agent, t0()))
        .await
        .unwrap();
    let reopen = |from| StatusChange {
        from,
        to: TicketStatus::Open,
        log: log(LogAction::UpdatedStatus, &c, t0()),
    };
    let stale = db
        .add_message(
            id,
            message(&c, "x", &[]),
            log(LogAction::AddedMessage, &c, t0()),
            Some(reopen(TicketStatus::Resolved)),
        )
        .await;
    assert!(matches!(stale, Err(RepoError::Conflict(_))), "{stale:?}");
    db.add_message(
        id,
        message(&c, "back", &[]),
        log(LogAction::AddedMessage, &c, t0()),
        Some(reopen(TicketStatus::Pending)),
    )
    .await
    .unwrap();
    let t = db.get_ticket(id).await.unwrap().unwrap().ticket;
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.version, 3);
    assert_eq!(log_count(db, id).await, 4);
}

/// A message sent through a target is checked against the ticket the write
/// finds: another customer's, a deleted or a missing ticket is not found, a
/// closed one conflicts (naming it), and the status change the target gives
/// for the status found is applied with its own entry.
pub async fn a_targeted_message_is_checked_against_the_ticket_its_write_finds(db: &impl Ports) {
    use std::sync::{Arc, Mutex};
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let gone = ticket(db, top, "c1", "gone", t0()).await;
    let shut = ticket(db, top, "c1", "shut", t0()).await;
    let c = who("c1", UserType::Customer);
    let other = who("c2", UserType::Customer);
    let agent = who("agent1", UserType::Agent);
    let changes = [
        (id, Some(TicketStatus::Resolved), None),
        (gone, None, Some(true)),
        (shut, Some(TicketStatus::Closed), None),
    ];
    for (ticket, status, is_delete) in changes {
        let u = TicketUpdate {
            status,
            is_delete,
            ..update(1, &agent, t0())
        };
        db.update_ticket(ticket, u, log(LogAction::UpdatedStatus, &agent, t0()))
            .await
            .unwrap();
    }
    // Records the statuses it is asked about; reopens from any.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let target = |owner: Option<UserId>| {
        let seen = seen.clone();
        let sender = c.clone();
        MessageTarget {
            owner,
            reopen: Arc::new(move |from| {
                seen.lock().unwrap().push(from);
                Some(StatusChange {
                    from,
                    to: TicketStatus::Open,
                    log: log(LogAction::UpdatedStatus, &sender, t0()),
                })
            }),
        }
    };
    let send = |ticket, sender: &Actor, owner| {
        let m = message(sender, "hello", &[]);
        let entry = log(LogAction::AddedMessage, sender, t0());
        db.add_message_to(ticket, m, entry, target(owner))
    };

    let theirs = send(id, &other, Some(other.id.clone())).await;
    assert!(matches!(theirs, Err(RepoError::NotFound)), "{theirs:?}");
    let deleted = send(gone, &c, Some(c.id.clone())).await;
    assert!(matches!(deleted, Err(RepoError::NotFound)), "{deleted:?}");
    let missing = send(TicketId(424_242), &agent, None).await;
    assert!(matches!(missing, Err(RepoError::NotFound)), "{missing:?}");
    let closed = send(shut, &agent, None).await;
    match closed {
        Err(RepoError::Conflict(why)) => assert!(why.contains(&shut.to_string()), "{why}"),
        other => panic!("a closed ticket took a message: {other:?}"),
    }
    assert!(seen.lock().unwrap().is_empty(), "asked before the checks");
    for refused in [id, gone, shut] {
        let details = db.ticket_details(refused, &EVERYTHING).await.unwrap();
        assert!(details.is_none_or(|d| d.messages.is_empty()));
    }

    let logs_before = log_count(db, id).await;
    let sent = send(id, &c, Some(c.id.clone())).await.unwrap();
    assert_eq!(sent.sender, c);
    assert_eq!(*seen.lock().unwrap(), [TicketStatus::Resolved]);
    let t = db.get_ticket(id).await.unwrap().unwrap().ticket;
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(log_count(db, id).await, logs_before + 2);
}
