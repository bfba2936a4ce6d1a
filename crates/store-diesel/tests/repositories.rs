//! What only the diesel store is asked (beyond the ports' contract, which
//! `contract.rs` runs): atomic writes when a table fails, stored rows read
//! under looser rules, concurrency, queued work, statement timeouts. Every
//! test runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use ticketd_ports::{DeliveryAttempt, DeliveryOutcome, EventFilter, NewEndpoint, WebhookStore};
use ticketd_store_diesel::test_on_both_databases;
use ticketd_store_diesel::testing::TestDatabase;
use ticketd_testkit::contract::support::*;

test_on_both_databases! { tokio::test(flavor = "multi_thread");


async fn noted_files_that_no_upload_records_are_the_sweeps_only_candidates(db: &TestDatabase) {
    let c = who("c1", UserType::Customer);
    let kept = UploadKey::from_random([1; 16]);
    let left = UploadKey::from_random([2; 16]);
    let fresh = UploadKey::from_random([3; 16]);
    db.store.note_written_file(&kept, t0()).await.unwrap();
    db.store.note_written_file(&left, t0()).await.unwrap();
    db.store.note_written_file(&fresh, t0() + Duration::hours(2)).await.unwrap();
    let mut upload = new_upload(&c, "kept.pdf", t0());
    upload.key = kept.clone();
    db.store.create_uploads(vec![upload]).await.unwrap();
    let cutoff = t0() + Duration::hours(1);
    assert_eq!(db.store.unrecorded_files(cutoff, 10).await.unwrap(), vec![left.clone()]);
    assert_eq!(db.store.unrecorded_files(cutoff + Duration::hours(2), 1).await.unwrap(), vec![left.clone()]);
    db.store.forget_written_files(std::slice::from_ref(&left)).await.unwrap();
    assert!(db.store.unrecorded_files(cutoff, 10).await.unwrap().is_empty());
    // Noting a key again moves its time (a retried write).
    db.store.note_written_file(&fresh, t0()).await.unwrap();
    assert_eq!(db.store.unrecorded_files(cutoff, 10).await.unwrap(), vec![fresh]);
}










async fn a_failed_write_leaves_no_message_attachment_or_log(db: &TestDatabase) {
    let top = category(&db.store, "General", None).await;
    let id = ticket(&db.store, top, "c1", "help", t0()).await;
    // Break the log table so that the last statement of the transaction fails.
    db.execute("ALTER TABLE ticket_logs RENAME TO ticket_logs_away");
    let c = who("c1", UserType::Customer);
    let r = db.store.add_message(id, message(&c, "hi", &["a.pdf"]), log(LogAction::AddedMessage, &c, t0()), None).await;
    assert!(r.is_err());
    db.execute("ALTER TABLE ticket_logs_away RENAME TO ticket_logs");
    let details = db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert!(details.messages.is_empty(), "message rolled back");
    assert_eq!(details.ticket.audit.modified_at, t0(), "ticket untouched");
    assert_eq!(log_count(&db.store, id).await, 1);
    // And nothing of it is left in the attachment table either.
    let again = db.store.add_message(id, message(&c, "hi", &["a.pdf"]), log(LogAction::AddedMessage, &c, t0()), None).await.unwrap();
    assert_eq!(db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap().messages, vec![again]);
}





async fn category_names_are_unique_per_level_ignoring_case(db: &TestDatabase) {
    let top = category(&db.store, "Refund", None).await;
    let other = category(&db.store, "Billing", None).await;
    category(&db.store, "Card", Some(top)).await;
    category(&db.store, "Card", Some(other)).await;
    let dup = NewCategory { name: CategoryName::parse("REFUND").unwrap(), parent_id: None, actor: admin(), at: t0() };
    let r = db.store.create_category(dup).await;
    assert!(matches!(&r, Err(RepoError::Conflict(m)) if m == "a category with this name already exists at this level"), "{r:?}");
    let listed = db.store.list_active_categories().await.unwrap();
    let names: Vec<(&str, Option<CategoryId>)> =
        listed.iter().map(|c| (c.name.as_str(), c.parent_id)).collect();
    assert_eq!(names, [("Refund", None), ("Billing", None), ("Card", Some(top)), ("Card", Some(other))]);
    db.execute(&format!("UPDATE ticket_categories SET is_active = FALSE WHERE id = {other}"));
    assert_eq!(db.store.list_active_categories().await.unwrap().len(), 3);
    let inactive = db.store.get_category(other).await.unwrap().unwrap();
    assert!(!inactive.is_active);
}




async fn details_check_access_before_reading_messages(db: &TestDatabase) {
    let top = category(&db.store, "General", None).await;
    let id = ticket(&db.store, top, "c1", "long story", t0()).await;
    db.execute(&format!(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000) \
         INSERT INTO ticket_messages (ticket_id, sender_id, sender_type, message, sent_at, visibility, \
         is_active, is_delete, created_by, created_by_type, created_date, modified_by, modified_by_type, modified_date) \
         SELECT {id}, 'c1', 'customer', 'message ' || x, '2025-01-01 00:00:00', 'public', TRUE, FALSE, \
         'c1', 'customer', '2025-01-01 00:00:00', 'c1', 'customer', '2025-01-01 00:00:00' FROM n"
    ));
    let owner = ReadScope { owner: Some(UserId::parse("c1").unwrap()), ..ReadScope::default() };
    assert_eq!(db.store.ticket_details(id, &owner).await.unwrap().unwrap().messages.len(), 3000);
    assert_eq!(db.store.explain_ticket_details(id, &owner).await.unwrap().len(), 3, "ticket, messages, attachments");
    let stranger = ReadScope { owner: Some(UserId::parse("c2").unwrap()), ..ReadScope::default() };
    assert_eq!(db.store.ticket_details(id, &stranger).await.unwrap(), None);
    assert_eq!(db.store.explain_ticket_details(id, &stranger).await.unwrap().len(), 1, "the ticket's row only");
    let missing = TicketId(id.get() + 1000);
    assert_eq!(db.store.explain_ticket_details(missing, &stranger).await.unwrap().len(), 1);
    // A deleted ticket, for a reader that may not see deleted ones, likewise.
    let admin = admin();
    let mut delete = update(1, &admin, t0());
    delete.is_delete = Some(true);
    db.store.update_ticket(id, delete, log(LogAction::DeletedTicket, &admin, t0())).await.unwrap();
    assert_eq!(db.store.explain_ticket_details(id, &owner).await.unwrap().len(), 1);
}

// The first requests of a staff member often come in together (a console
// opening several views): each registers the user, and none may fail.
async fn a_staff_members_first_requests_at_once_all_register_it(db: &TestDatabase) {
    let options = ticketd_store_diesel::StoreOptions {
        pool_size: 8,
        ..ticketd_store_diesel::StoreOptions::default()
    };
    for n in 0..10 {
        let who = who(&format!("agent-new-{n}"), UserType::Agent);
        // Each process remembers whom it wrote: separate stores, like the
        // instances of one desk, each write.
        let stores: Vec<_> = (0..8)
            .map(|_| ticketd_store_diesel::Store::open(&db.url, &options).unwrap())
            .collect();
        let mut calls = tokio::task::JoinSet::new();
        for store in stores {
            let who = who.clone();
            calls.spawn(async move { store.remember_user(&who).await });
        }
        while let Some(result) = calls.join_next().await {
            result.unwrap().unwrap();
        }
        assert_eq!(db.store.user_type(&who.id).await.unwrap(), Some(UserType::Agent));
    }
}

// Rules apply to what comes in: rows stored under looser rules (or written
// by another tool) are read back as they are, never turned into errors.
async fn rows_stored_under_looser_rules_are_still_read(db: &TestDatabase) {
    let top = category(&db.store, "General", None).await;
    let id = ticket(&db.store, top, "c1", "help", t0()).await;
    let agent = who("agent1", UserType::Agent);
    db.store.add_message(id, message(&agent, "Public answer", &["public.pdf"]), log(LogAction::AddedMessage, &agent, t0()), None).await.unwrap();
    let long = "x".repeat(400);
    db.execute(&format!(
        "UPDATE tickets SET subject = '{long}', description = '   ', user_id = 'c1', assignee_id = ' agent with spaces ' WHERE id = {id}"
    ));
    db.execute(&format!("UPDATE ticket_categories SET category_name = '{long}' WHERE id = {top}"));
    db.execute("UPDATE ticket_messages SET message = 'bell \u{0007} rings', created_by = ''");
    db.execute("UPDATE ticket_attachments SET file_path = 'C:\\old\\public.pdf'");
    let details = db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert_eq!(details.ticket.subject.as_str(), long);
    assert_eq!(details.ticket.description.as_str(), "   ");
    assert_eq!(details.ticket.assignee_id.as_ref().map(|a| a.as_str()), Some(" agent with spaces "));
    assert_eq!(details.category.name.as_str(), long);
    assert_eq!(details.messages[0].body.as_ref().unwrap().as_str(), "bell \u{0007} rings");
    assert_eq!(details.messages[0].attachments[0].file_path.as_str(), "C:\\old\\public.pdf");
    let listed = db.store.list_tickets(&TicketFilter::default(), ALL).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(db.store.list_active_categories().await.unwrap()[0].name.as_str(), long);
}

// Work queued for a connection is dropped with its request: a caller that
// stops waiting (a client that went away) leaves nothing behind to run later
// and delay the requests queued after it.
async fn work_whose_caller_left_while_queued_never_runs(db: &TestDatabase) {
    let options = ticketd_store_diesel::StoreOptions {
        pool_size: 1,
        ..ticketd_store_diesel::StoreOptions::default()
    };
    let store = ticketd_store_diesel::Store::open(&db.url, &options).unwrap();
    let slow = if db.url.starts_with("postgres") {
        "SELECT pg_sleep(0.8)"
    } else {
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000) SELECT count(*) FROM c"
    };
    let busy = {
        let store = store.clone();
        tokio::spawn(async move { store.execute_for_tests(slow).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let new = NewCategory {
        name: CategoryName::parse("Never").unwrap(),
        parent_id: None,
        actor: admin(),
        at: t0(),
    };
    let gave_up = tokio::time::timeout(std::time::Duration::from_millis(100), store.create_category(new)).await;
    assert!(gave_up.is_err(), "the connection was busy: the call had to wait");
    busy.await.unwrap().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(store.list_active_categories().await.unwrap().is_empty(), "the abandoned write ran");
}

async fn concurrent_writers_to_one_ticket_all_succeed(db: &TestDatabase) {
    let top = category(&db.store, "General", None).await;
    let id = ticket(&db.store, top, "c1", "busy", t0()).await;
    let store = Arc::new(db.store.clone());
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let a = who(&format!("agent{w}"), UserType::Agent);
            for i in 0..15 {
                let m = message(&a, &format!("m{w}-{i}"), &["f.txt"]);
                store.add_message(id, m, log(LogAction::AddedMessage, &a, t0()), None).await?;
            }
            Ok::<_, RepoError>(())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let details = db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert_eq!(details.messages.len(), 120);
    assert!(details.messages.iter().all(|m| m.attachments.len() == 1));
    assert_eq!(log_count(&db.store, id).await, 121);
}

async fn a_write_whose_event_fails_leaves_no_change_and_one_whose_log_fails_no_event(db: &TestDatabase) {
    let top = category(&db.store, "General", None).await;
    let id = ticket(&db.store, top, "c1", "help", t0()).await;
    let c = who("c1", UserType::Customer);
    let staff = EventFilter { include_internal: true, ..EventFilter::default() };
    let before = db.store.list_events(&staff, ALL).await.unwrap();
    assert_eq!(before.len(), 1);
    // The event is the last statement of the write: the message and its
    // log entry, already written, are rolled back with it.
    db.execute("ALTER TABLE ticket_events RENAME TO ticket_events_away");
    let r = db.store.add_message(id, message(&c, "hi", &["a.pdf"]), log(LogAction::AddedMessage, &c, t0()), None).await;
    assert!(r.is_err());
    db.execute("ALTER TABLE ticket_events_away RENAME TO ticket_events");
    assert!(db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap().messages.is_empty());
    assert_eq!(log_count(&db.store, id).await, 1);
    // And the other way round: no log entry, no event.
    db.execute("ALTER TABLE ticket_logs RENAME TO ticket_logs_away");
    let closing = TicketUpdate { status: Some(TicketStatus::Closed), ..update(1, &c, t0()) };
    assert!(db.store.update_ticket(id, closing, log(LogAction::UpdatedStatus, &c, t0())).await.is_err());
    db.execute("ALTER TABLE ticket_logs_away RENAME TO ticket_logs");
    assert_eq!(db.store.list_events(&staff, ALL).await.unwrap(), before);
    assert_eq!(db.store.get_ticket(id).await.unwrap().unwrap().ticket.status, TicketStatus::Open);
}

async fn three_servers_on_one_database_queue_and_deliver_each_event_once(db: &TestDatabase) {
    let open = || ticketd_store_diesel::Store::open(&db.url, &ticketd_store_diesel::StoreOptions::default()).unwrap();
    let hook = NewEndpoint {
        url: "https://hook.example".into(), description: String::new(), event_types: vec![],
        include_internal: true, active: true, secret: "whsec_c2VjcmV0".into(), actor: admin(), at: t0(),
    };
    let hook = db.store.create_endpoint(hook).await.unwrap();
    let top = category(&db.store, "General", None).await;
    let agent = who("agent1", UserType::Agent);
    let mut expected = 0;
    for n in 0..20 {
        let id = ticket(&db.store, top, &format!("c{n}"), "busy", t0()).await;
        for i in 0..3 {
            db.store.add_message(id, message(&agent, &format!("m{i}"), &[]), log(LogAction::AddedMessage, &agent, t0()), None).await.unwrap();
        }
        expected += 4;
    }
    let delivered = Arc::new(std::sync::Mutex::new(Vec::new()));
    let servers: Vec<Arc<ticketd_store_diesel::Store>> = vec![Arc::new(db.store.clone()), Arc::new(open()), Arc::new(open())];
    let mut tasks = Vec::new();
    for store in servers {
        let delivered = delivered.clone();
        tasks.push(tokio::spawn(async move {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while std::time::Instant::now() < deadline {
                store.queue_deliveries(t0(), 7).await.unwrap();
                let now = t0() + Duration::seconds(1);
                let claimed = store.claim_deliveries(now, now + Duration::hours(1), 2).await.unwrap();
                for c in &claimed {
                    delivered.lock().unwrap().push((c.delivery.id, c.event.id, c.event.ticket_id(), c.event.position.value));
                    let done = DeliveryAttempt { at: now, status: Some(200), duration_ms: 1, error: None };
                    store.finish_attempt(c.delivery.id, done, DeliveryOutcome::Delivered).await.unwrap();
                }
                if delivered.lock().unwrap().len() >= expected {
                    break;
                }
                if claimed.is_empty() {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let delivered = delivered.lock().unwrap().clone();
    let mut events: Vec<_> = delivered.iter().map(|d| d.1).collect();
    events.sort();
    events.dedup();
    assert_eq!(delivered.len(), expected, "each event delivered once: {delivered:?}");
    assert_eq!(events.len(), expected);
    assert_eq!(db.store.list_deliveries(hook.id, Page::first(1000)).await.unwrap().len(), expected, "each event queued once");
    // Each ticket's events went out in their order.
    let mut by_ticket: std::collections::HashMap<TicketId, Vec<i64>> = std::collections::HashMap::new();
    for (_, _, ticket, position) in &delivered {
        by_ticket.entry(*ticket).or_default().push(*position);
    }
    for (ticket, positions) in by_ticket {
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "ticket {ticket}: {positions:?}");
    }
}

async fn three_servers_sweeping_while_agents_reply_late_mark_each_breach_once(db: &TestDatabase) {
    use ticketd_domain::{EventType, SlaKind};
    use ticketd_ports::SlaStore;
    let open = || ticketd_store_diesel::Store::open(&db.url, &ticketd_store_diesel::StoreOptions::default()).unwrap();
    let top = category(&db.store, "General", None).await;
    let mut tickets = Vec::new();
    for n in 0..30 {
        tickets.push(ticket(&db.store, top, &format!("c{n}"), "waiting", t0()).await);
    }
    // The default policy gives these normal tickets 8 hours to a first reply.
    let late = t0() + Duration::hours(9);
    let servers: Vec<Arc<ticketd_store_diesel::Store>> = vec![Arc::new(db.store.clone()), Arc::new(open()), Arc::new(open())];
    let mut tasks = Vec::new();
    for store in &servers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut settled = 0;
            for _ in 0..20 {
                settled += store.settle_sla(late, 4).await.unwrap();
            }
            settled
        }));
    }
    // Meanwhile an agent answers every third ticket, late, on another server.
    let replies = {
        let store = servers[1].clone();
        let some: Vec<TicketId> = tickets.iter().copied().step_by(3).collect();
        tokio::spawn(async move {
            let agent = who("agent1", UserType::Agent);
            for id in some {
                let mut m = message(&agent, "sorry", &[]);
                m.at = late;
                store.add_message(id, m, log(LogAction::AddedMessage, &agent, late), None).await.unwrap();
            }
        })
    };
    let mut settled = 0;
    for t in tasks {
        settled += t.await.unwrap();
    }
    replies.await.unwrap();
    assert!(settled <= 30, "no ticket settled twice: {settled}");
    let filter = EventFilter { include_internal: true, types: vec![EventType::SlaBreached], ..EventFilter::default() };
    let breaches = db.store.list_events(&filter, ALL).await.unwrap();
    let mut ids: Vec<TicketId> = breaches.iter().map(|e| e.ticket_id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((breaches.len(), ids.len()), (30, 30), "each breach announced once");
    assert!(breaches.iter().all(|e| e.breached == Some(SlaKind::FirstResponse)));
    assert_eq!(db.store.settle_sla(late, 100).await.unwrap(), 0);
}

async fn a_reader_polling_during_concurrent_writes_gets_every_event_once_in_each_tickets_order(db: &TestDatabase) {
    let top = category(&db.store, "General", None).await;
    let mut tickets = Vec::new();
    for n in 0..4 {
        tickets.push(ticket(&db.store, top, &format!("c{n}"), "busy", t0()).await);
    }
    let store = Arc::new(db.store.clone());
    let staff = EventFilter { include_internal: true, ..EventFilter::default() };
    let expected = tickets.len() + 8 * 12;
    let reader = {
        let store = store.clone();
        let staff = staff.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut after = None;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while seen.len() < expected && std::time::Instant::now() < deadline {
                let page = Page { limit: 7, offset: 0, after };
                let rows = store.list_events(&staff, page).await.unwrap();
                match rows.last() {
                    Some(last) => after = Some(last.position),
                    None => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
                }
                seen.extend(rows);
            }
            seen
        })
    };
    let mut writers = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        let tickets = tickets.clone();
        writers.push(tokio::spawn(async move {
            let a = who(&format!("agent{w}"), UserType::Agent);
            for i in 0..12 {
                let id = tickets[(w + i) % tickets.len()];
                let m = message(&a, &format!("m{w}-{i}"), &[]);
                store.add_message(id, m, log(LogAction::AddedMessage, &a, t0()), None).await?;
            }
            Ok::<_, RepoError>(())
        }));
    }
    for t in writers {
        t.await.unwrap().unwrap();
    }
    let seen = reader.await.unwrap();
    let all = db.store.list_events(&staff, ALL).await.unwrap();
    assert_eq!(all.len(), expected);
    assert_eq!(seen, all, "the polling reader missed or repeated an event");
    for id in tickets {
        let messages: Vec<_> = all
            .iter()
            .filter(|e| e.ticket_id() == id)
            .filter_map(|e| e.message.as_ref().map(|m| m.id))
            .collect();
        let mut sorted = messages.clone();
        sorted.sort();
        assert_eq!(messages, sorted, "ticket {id}: events out of the order of its messages");
    }
}

}

/// A PostgreSQL statement that runs past the statement timeout is cancelled
/// and reported as unavailability (503 for clients), and the store keeps
/// serving after it.
#[tokio::test(flavor = "multi_thread")]
async fn a_statement_past_its_timeout_is_cancelled_as_unavailable() {
    let Some(db) =
        TestDatabase::postgres("a_statement_past_its_timeout_is_cancelled_as_unavailable")
    else {
        return;
    };
    let options = ticketd_store_diesel::StoreOptions {
        statement_timeout: std::time::Duration::from_millis(100),
        ..ticketd_store_diesel::StoreOptions::default()
    };
    let store = ticketd_store_diesel::Store::open(&db.url, &options).unwrap();
    let started = std::time::Instant::now();
    let r = store.execute_for_tests("SELECT pg_sleep(5)").await;
    assert!(matches!(r, Err(RepoError::Unavailable(_))), "{r:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    store.execute_for_tests("SELECT 1").await.unwrap();
    let listed = store
        .list_tickets(&TicketFilter::default(), ALL)
        .await
        .unwrap();
    assert!(listed.is_empty());
}

/// A message's check and its status change are decided in its own write,
/// against the ticket as that write finds it: a status another transaction
/// is changing is waited for, not read stale. (PostgreSQL: the write locks
/// the ticket's row first; SQLite's writes take turns.)
#[tokio::test(flavor = "multi_thread")]
async fn a_message_reopens_from_the_status_its_write_finds_after_a_concurrent_change() {
    use diesel::connection::SimpleConnection;
    let Some(db) = TestDatabase::postgres(
        "a_message_reopens_from_the_status_its_write_finds_after_a_concurrent_change",
    ) else {
        return;
    };
    let top = category(&db.store, "General", None).await;
    let id = ticket(&db.store, top, "c1", "help", t0()).await;
    let c = who("c1", UserType::Customer);
    let agent = who("agent1", UserType::Agent);
    let pending = TicketUpdate {
        status: Some(TicketStatus::Pending),
        ..update(1, &agent, t0())
    };
    db.store
        .update_ticket(id, pending, log(LogAction::UpdatedStatus, &agent, t0()))
        .await
        .unwrap();

    // Another transaction resolves the ticket and holds its row a moment.
    let mut other = <diesel::PgConnection as diesel::Connection>::establish(&db.url).unwrap();
    other
        .batch_execute(&format!(
            "BEGIN; UPDATE tickets SET status = {}, version = version + 1 WHERE id = {}",
            TicketStatus::Resolved.code(),
            id.get()
        ))
        .unwrap();
    let store = db.store.clone();
    let sender = c.clone();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let asked = seen.clone();
    let reply = tokio::spawn(async move {
        let target = MessageTarget {
            owner: Some(sender.id.clone()),
            reopen: Arc::new(move |from| {
                asked.lock().unwrap().push(from);
                Some(StatusChange {
                    from,
                    to: TicketStatus::Open,
                    log: log(LogAction::UpdatedStatus, &sender, t0()),
                })
            }),
        };
        let m = message(&c, "it broke again", &[]);
        store
            .add_message_to(id, m, log(LogAction::AddedMessage, &c, t0()), target)
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !reply.is_finished(),
        "the reply did not wait for the other transaction"
    );
    other.batch_execute("COMMIT").unwrap();

    reply.await.unwrap().unwrap();
    assert_eq!(*seen.lock().unwrap(), [TicketStatus::Resolved]);
    let t = db.store.get_ticket(id).await.unwrap().unwrap().ticket;
    assert_eq!(t.status, TicketStatus::Open);
    let entries = db
        .store
        .list_log_entries(
            &LogFilter {
                ticket_id: Some(id),
                ..LogFilter::default()
            },
            ALL,
        )
        .await
        .unwrap();
    let reopened = entries.iter().find(|e| {
        e.action == LogAction::UpdatedStatus && e.action_by == who("c1", UserType::Customer)
    });
    assert!(reopened.is_some(), "no reopening entry: {entries:#?}");
}
