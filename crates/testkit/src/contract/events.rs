//! Events: each change writes its events in its own transaction, with the
//! ticket as it left it; a change that fails leaves none; readers see them
//! oldest first, scoped like the audit log, and go on from a position.

use std::sync::Arc;

use ticketd_domain::EventType;
use ticketd_ports::{Event, EventFilter, KeptAnswer};

use super::support::*;

fn staff() -> EventFilter {
    EventFilter {
        include_internal: true,
        ..EventFilter::default()
    }
}

async fn events(db: &impl Ports, filter: &EventFilter) -> Vec<Event> {
    db.list_events(filter, ALL).await.unwrap()
}

/// The events `filter` covers, once at least `n` are readable: a store may
/// make an event readable a moment after its change commits.
async fn settled(db: &impl Ports, filter: &EventFilter, n: usize) -> Vec<Event> {
    for _ in 0..500 {
        let now = events(db, filter).await;
        if now.len() >= n {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let now = events(db, filter).await;
    assert!(
        now.len() >= n,
        "only {} of {n} events became readable",
        now.len()
    );
    now
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

/// Every change writes its events, with the actor, the time, the changes
/// and the ticket as the change left it.
pub async fn every_change_writes_its_events_with_the_ticket_as_it_left_it(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let agent = who("agent1", UserType::Agent);
    let reply = message(&agent, "Looking into it", &["a.pdf"]);
    db.add_message(id, reply, log(LogAction::AddedMessage, &agent, t0()), None)
        .await
        .unwrap();
    let mut note = message(&agent, "VIP customer", &[]);
    note.visibility = Visibility::Internal;
    let mut note_log = log(LogAction::AddedMessage, &agent, t0());
    note_log.visibility = Visibility::Internal;
    db.add_message(id, note, note_log, None).await.unwrap();
    let at = t0() + Duration::minutes(10);
    let assigning = TicketUpdate {
        status: Some(TicketStatus::InProgress),
        assignee_id: Some(Some(agent.id.clone())),
        ..update(1, &agent, at)
    };
    let mut entry = log(LogAction::UpdatedTicket, &agent, at);
    entry.changes = vec![
        FieldChange::new(
            ChangedField::Status,
            Some("open".into()),
            Some("in_progress".into()),
        ),
        FieldChange::new(ChangedField::AssigneeId, None, Some("agent1".into())),
    ];
    db.update_ticket(id, assigning, entry.clone())
        .await
        .unwrap();
    let deleting = TicketUpdate {
        is_delete: Some(true),
        ..update(2, &admin(), at)
    };
    db.update_ticket(id, deleting, log(LogAction::DeletedTicket, &admin(), at))
        .await
        .unwrap();
    let restoring = TicketUpdate {
        is_delete: Some(false),
        ..update(3, &admin(), at)
    };
    db.update_ticket(id, restoring, log(LogAction::RestoredTicket, &admin(), at))
        .await
        .unwrap();

    let all = settled(db, &staff(), 8).await;
    assert_eq!(
        kinds(&all),
        [
            "ticket.created",
            "message.created",
            "message.created",
            "ticket.updated",
            "ticket.status_changed",
            "ticket.assigned",
            "ticket.deleted",
            "ticket.restored",
        ]
    );
    let ids: Vec<_> = all.iter().map(|e| e.id).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "event ids are unique");
    assert!(all.iter().all(|e| e.ticket_id() == id));

    let created = &all[0];
    assert_eq!(created.actor, Some(who("c1", UserType::Customer)));
    assert_eq!(created.at, t0());
    assert_eq!(created.ticket.ticket.status, TicketStatus::Open);
    assert_eq!(created.ticket.category.id, top);
    assert!(created.message.is_none());

    let replied = &all[1];
    assert_eq!(replied.visibility, Visibility::Public);
    let m = replied.message.as_ref().unwrap();
    assert_eq!(m.body.as_ref().map(|b| b.as_str()), Some("Looking into it"));
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(m.attachments[0].file_name.as_str(), "a.pdf");
    assert_eq!(all[2].visibility, Visibility::Internal);

    for e in &all[3..6] {
        assert_eq!(e.changes, entry.changes);
        assert_eq!(e.ticket.ticket.status, TicketStatus::InProgress);
        assert_eq!(e.ticket.ticket.assignee_id, Some(agent.id.clone()));
        assert_eq!(e.at, at);
        assert_eq!(e.actor.as_ref(), Some(&agent));
    }
    assert!(all[6].ticket.ticket.is_delete);
    assert!(!all[7].ticket.ticket.is_delete);
}

/// A change that fails, at any step of its write, leaves no event.
pub async fn a_change_that_fails_leaves_no_event(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let before = settled(db, &staff(), 1).await;
    let c = who("c1", UserType::Customer);
    // The answer of a key nobody claimed cannot be kept: the write, already
    // made in its transaction, is rolled back.
    fn unclaimed<T>(user: &Actor) -> KeptAnswer<T> {
        KeptAnswer {
            user: user.id.clone(),
            key: "never-claimed".into(),
            render: Arc::new(|_: &T| Ok((201, "{}".into()))),
        }
    }
    let mut msg = message(&c, "hello", &[]);
    msg.answer = Some(unclaimed(&c));
    let refused = db
        .add_message(id, msg, log(LogAction::AddedMessage, &c, t0()), None)
        .await;
    assert!(
        matches!(refused, Err(RepoError::Conflict(_))),
        "{refused:?}"
    );
    let new = NewTicket {
        ref_id: RefId::from_random(rand::random()),
        user_id: c.id.clone(),
        user_type: UserType::Customer,
        category_id: top,
        sub_category_id: None,
        subject: Subject::parse("second").unwrap(),
        description: Description::parse("See subject").unwrap(),
        status: TicketStatus::Open,
        priority: Priority::Normal,
        assignee_id: None,
        actor: c.clone(),
        at: t0(),
        answer: Some(unclaimed(&c)),
    };
    assert!(
        db.create_ticket(new, log(LogAction::CreatedTicket, &c, t0()))
            .await
            .is_err()
    );
    let stale = TicketUpdate {
        priority: Some(Priority::High),
        ..update(7, &admin(), t0())
    };
    let mut entry = log(LogAction::UpdatedTicket, &admin(), t0());
    entry.changes = vec![FieldChange::new(
        ChangedField::Priority,
        Some("normal".into()),
        Some("high".into()),
    )];
    assert!(matches!(
        db.update_ticket(id, stale, entry).await,
        Err(RepoError::Conflict(_))
    ));
    assert!(matches!(
        db.add_message(
            TicketId(id.get() + 100),
            message(&c, "lost", &[]),
            log(LogAction::AddedMessage, &c, t0()),
            None
        )
        .await,
        Err(RepoError::NotFound)
    ));
    assert_eq!(events(db, &staff()).await, before);
    assert_eq!(log_count(db, id).await, 1);
}

/// Readers see the events their scope admits, oldest first, and go on from
/// the position of the last one they read.
pub async fn events_are_read_in_order_from_a_position_within_a_scope(db: &impl Ports) {
    let top = category(db, "General", None).await;
    let mine = ticket(db, top, "c1", "mine", t0()).await;
    let theirs = ticket(db, top, "c2", "theirs", t0()).await;
    let agent = who("agent1", UserType::Agent);
    for (n, id) in [mine, theirs, mine].into_iter().enumerate() {
        let mut note = message(&agent, &format!("note {n}"), &[]);
        let mut entry = log(LogAction::AddedMessage, &agent, t0());
        if n == 2 {
            note.visibility = Visibility::Internal;
            entry.visibility = Visibility::Internal;
        }
        db.add_message(id, note, entry, None).await.unwrap();
    }
    let all = settled(db, &staff(), 5).await;
    assert_eq!(all.len(), 5);

    let customer = EventFilter {
        owner: Some(UserId::parse("c1").unwrap()),
        ..EventFilter::default()
    };
    let seen = events(db, &customer).await;
    assert_eq!(kinds(&seen), ["ticket.created", "message.created"]);
    assert!(seen.iter().all(|e| e.ticket_id() == mine));
    assert!(seen.iter().all(|e| e.visibility == Visibility::Public));

    let only = EventFilter {
        types: vec![EventType::MessageCreated],
        ticket_id: Some(mine),
        ..staff()
    };
    assert_eq!(events(db, &only).await.len(), 2);

    // A reader polls: an empty page means "nothing readable yet".
    let mut walked = Vec::new();
    let mut after = None;
    for _ in 0..500 {
        if walked.len() >= all.len() {
            break;
        }
        let page = Page {
            limit: 2,
            offset: 0,
            after,
        };
        let rows = db.list_events(&staff(), page).await.unwrap();
        if rows.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        }
        after = rows.last().map(|e| e.position);
        walked.extend(rows);
    }
    assert_eq!(walked, all);
    assert_eq!(
        db.last_event_position().await.unwrap(),
        all.last().map(|e| e.position)
    );
}

/// Old events are forgotten oldest first, as many as asked at most; the
/// rest stay, and new ones never reuse an id.
pub async fn old_events_are_forgotten_and_ids_never_reused(db: &impl Ports) {
    assert_eq!(db.last_event_position().await.unwrap(), None);
    let top = category(db, "General", None).await;
    ticket(db, top, "c1", "first", t0()).await;
    ticket(db, top, "c1", "second", t0() + Duration::hours(1)).await;
    ticket(db, top, "c1", "third", t0() + Duration::hours(2)).await;
    let all = settled(db, &staff(), 3).await;
    let cut = t0() + Duration::minutes(90);
    assert_eq!(db.forget_events_before(cut, 1).await.unwrap(), 1);
    assert_eq!(events(db, &staff()).await, all[1..]);
    assert_eq!(db.forget_events_before(cut, 10).await.unwrap(), 1);
    assert_eq!(events(db, &staff()).await, all[2..]);
    let last = ticket(db, top, "c1", "fourth", t0() + Duration::hours(3)).await;
    let now = settled(db, &staff(), 2).await;
    assert_eq!(now.len(), 2);
    assert_eq!(now[1].ticket_id(), last);
    assert!(now[1].id > all[2].id);
}
