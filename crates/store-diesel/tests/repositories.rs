//! The store's repositories against real databases: every test runs on SQLite
//! and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use ticketd_domain::{
    Actor, CategoryId, CategoryName, ChangedField, Description, FieldChange, FileName, FilePath,
    Keyword, LogAction, MessageBody, Priority, RefId, Subject, TicketId, TicketStatus, Timestamp,
    UploadKey, UserId, UserType, Visibility,
};
use ticketd_ports::{
    AuditLogRepository, CategoryRepository, LogFilter, NewAttachment, NewCategory, NewLogEntry,
    NewMessage, NewTicket, NewUpload, Page, Position, ReadScope, RepoError, SortField,
    StatusChange, TicketFilter, TicketQuery, TicketRepository, TicketSort, TicketUpdate,
    UploadRepository, UserDirectory,
};
use ticketd_store_diesel::test_on_both_databases;
use ticketd_store_diesel::testing::TestDatabase;

const ALL: Page = Page {
    limit: 1000,
    offset: 0,
    after: None,
};

/// What staff read with deleted tickets asked for: everything.
const EVERYTHING: ReadScope = ReadScope {
    owner: None,
    include_deleted: true,
    include_internal: true,
};

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2025, 4, 1, 10, 0, 0).unwrap()
}

fn who(id: &str, t: UserType) -> Actor {
    Actor::new(UserId::parse(id).unwrap(), t)
}

fn admin() -> Actor {
    who("admin1", UserType::Admin)
}

fn log(action: LogAction, actor: &Actor, at: Timestamp) -> NewLogEntry {
    NewLogEntry::new(action, actor, at)
}

async fn category(db: &TestDatabase, name: &str, parent: Option<CategoryId>) -> CategoryId {
    let new = NewCategory {
        name: CategoryName::parse(name).unwrap(),
        parent_id: parent,
        actor: admin(),
        at: t0(),
    };
    db.store.create_category(new).await.unwrap().id
}

async fn ticket(
    db: &TestDatabase,
    cat: CategoryId,
    owner: &str,
    subject: &str,
    at: Timestamp,
) -> TicketId {
    let actor = who(owner, UserType::Customer);
    let new = NewTicket {
        ref_id: RefId::from_random(rand::random()),
        user_id: actor.id.clone(),
        user_type: UserType::Customer,
        category_id: cat,
        sub_category_id: None,
        subject: Subject::parse(subject).unwrap(),
        description: Description::parse("See subject").unwrap(),
        status: TicketStatus::Open,
        priority: Priority::Normal,
        assignee_id: None,
        actor: actor.clone(),
        at,
        answer: None,
    };
    db.store
        .create_ticket(new, log(LogAction::CreatedTicket, &actor, at))
        .await
        .unwrap()
        .ticket
        .id
}

/// An update at `version` that changes nothing yet.
fn update(version: i64, actor: &Actor, at: Timestamp) -> TicketUpdate {
    TicketUpdate::new(version, actor, at)
}

fn message(actor: &Actor, text: &str, files: &[&str]) -> NewMessage {
    NewMessage {
        sender: actor.clone(),
        body: Some(MessageBody::parse(text).unwrap()),
        attachments: files
            .iter()
            .map(|f| NewAttachment {
                file_name: FileName::parse(*f).unwrap(),
                file_path: FilePath::parse(format!("/uploads/{f}")).unwrap(),
                upload: None,
            })
            .collect(),
        visibility: Visibility::Public,
        at: t0() + Duration::minutes(5),
        answer: None,
    }
}

async fn log_count(db: &TestDatabase, ticket_id: TicketId) -> u64 {
    let filter = LogFilter {
        ticket_id: Some(ticket_id),
        ..LogFilter::default()
    };
    db.store.count_log_entries(&filter, u64::MAX).await.unwrap()
}

fn keyword(k: &str) -> TicketFilter {
    TicketFilter::from(TicketQuery {
        keyword: Keyword::parse(k).unwrap(),
        ..TicketQuery::default()
    })
}

fn new_upload(owner: &Actor, name: &str, at: Timestamp) -> NewUpload {
    NewUpload {
        key: UploadKey::from_random(rand::random()),
        owner: owner.clone(),
        file_name: FileName::parse(name).unwrap(),
        content_type: "application/pdf".into(),
        size: 1234,
        sha256: "ab".repeat(32),
        at,
    }
}

fn attaching(actor: &Actor, key: &UploadKey, visibility: Visibility) -> NewMessage {
    NewMessage {
        sender: actor.clone(),
        body: None,
        attachments: vec![NewAttachment {
            file_name: FileName::parse("shown.pdf").unwrap(),
            file_path: key.file_path(),
            upload: Some(key.clone()),
        }],
        visibility,
        at: t0() + Duration::minutes(5),
        answer: None,
    }
}

test_on_both_databases! { tokio::test(flavor = "multi_thread");

async fn an_upload_reads_back_and_knows_where_it_is_attached(db: &TestDatabase) {
    let cat = category(db, "Refund", None).await;
    let c = who("c1", UserType::Customer);
    let agent = who("agent1", UserType::Agent);
    let id = ticket(db, cat, "c1", "Refund", t0()).await;
    let made = db
        .store
        .create_uploads(vec![new_upload(&c, "a.pdf", t0()), new_upload(&agent, "Résumé.pdf", t0())])
        .await
        .unwrap();
    let read = db.store.get_upload(&made[0].key).await.unwrap().unwrap();
    assert_eq!(read, made[0]);
    assert_eq!(read.size, 1234);
    assert_eq!(read.owner, c);
    assert_eq!(read.attached_to, None);
    let note = db
        .store
        .add_message(
            id,
            attaching(&agent, &made[1].key, Visibility::Internal),
            log(LogAction::AddedMessage, &agent, t0()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(note.attachments[0].upload, Some(made[1].key.clone()));
    let read = db.store.get_upload(&made[1].key).await.unwrap().unwrap();
    let at = read.attached_to.unwrap();
    assert_eq!((at.ticket_id, at.message_id, at.visibility), (id, note.id, Visibility::Internal));
    assert_eq!(read.file_name.as_str(), "Résumé.pdf");
    let details = db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert_eq!(details.messages[0].attachments[0].upload, Some(made[1].key.clone()));
    let unknown = UploadKey::from_random([1; 16]);
    assert!(db.store.get_upload(&unknown).await.unwrap().is_none());
    let _ = unknown;
}

// The files this installation writes are noted first; recording the upload
// clears the note, and what stays noted past the cut-off is what the sweep
// may remove: nothing else.
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

async fn an_upload_is_attached_once_and_a_swept_one_not_at_all(db: &TestDatabase) {
    let cat = category(db, "Refund", None).await;
    let c = who("c1", UserType::Customer);
    let id = ticket(db, cat, "c1", "Refund", t0()).await;
    let made = db
        .store
        .create_uploads(vec![new_upload(&c, "a.pdf", t0()), new_upload(&c, "b.pdf", t0())])
        .await
        .unwrap();
    let add = |key: &UploadKey| {
        db.store.add_message(
            id,
            attaching(&c, key, Visibility::Public),
            log(LogAction::AddedMessage, &c, t0()),
            None,
        )
    };
    add(&made[0].key).await.unwrap();
    // The database's words (constraint and table names) stay out of the message.
    match add(&made[0].key).await {
        Err(RepoError::Conflict(m)) => assert_eq!(m, "the upload is already attached to a message"),
        other => panic!("{other:?}"),
    }
    let swept = db
        .store
        .delete_unattached_uploads(t0() + Duration::hours(1), 100)
        .await
        .unwrap();
    assert_eq!(swept, vec![made[1].key.clone()]);
    assert!(matches!(add(&made[1].key).await, Err(RepoError::Conflict(_))));
    // One message (the first), two log entries (opened, one message).
    let details = db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert_eq!(details.messages.len(), 1);
    assert_eq!(log_count(db, id).await, 2);
}

async fn the_sweep_takes_only_old_unattached_uploads(db: &TestDatabase) {
    let cat = category(db, "Refund", None).await;
    let c = who("c1", UserType::Customer);
    let id = ticket(db, cat, "c1", "Refund", t0()).await;
    let old = t0() - Duration::hours(30);
    let made = db
        .store
        .create_uploads(vec![
            new_upload(&c, "old-attached.pdf", old),
            new_upload(&c, "old.pdf", old),
            new_upload(&c, "new.pdf", t0()),
        ])
        .await
        .unwrap();
    db.store
        .add_message(
            id,
            attaching(&c, &made[0].key, Visibility::Public),
            log(LogAction::AddedMessage, &c, t0()),
            None,
        )
        .await
        .unwrap();
    let cutoff = t0() - Duration::hours(24);
    assert_eq!(
        db.store.delete_unattached_uploads(cutoff, 100).await.unwrap(),
        vec![made[1].key.clone()]
    );
    assert!(db.store.delete_unattached_uploads(cutoff, 100).await.unwrap().is_empty());
    assert!(db.store.get_upload(&made[0].key).await.unwrap().is_some());
    assert!(db.store.get_upload(&made[1].key).await.unwrap().is_none());
    assert!(db.store.get_upload(&made[2].key).await.unwrap().is_some());
}

async fn a_created_ticket_reads_back_field_for_field(db: &TestDatabase) {
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
    let created = db.store.create_ticket(new, log(LogAction::CreatedTicket, &agent, t0())).await.unwrap();
    let read = db.store.get_ticket(created.ticket.id).await.unwrap().unwrap();
    assert_eq!(read, created);
    let t = &read.ticket;
    assert_eq!(t.ref_id.as_str(), "TKT-ABCDEFGHJK");
    assert_eq!(t.user_id.as_str(), "user01");
    assert_eq!(t.sub_category_id, Some(sub));
    assert_eq!(t.description.as_str(), "Request for a refund on order #XYZ\nThanks");
    assert_eq!(t.audit.created_by, agent);
    assert_eq!(t.audit.created_at, t0());
    assert_eq!(read.category.name.as_str(), "Refund");
    assert_eq!(read.category.parent_id, None);
    let logs = db.store.list_log_entries(&LogFilter::default(), ALL).await.unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].action, LogAction::CreatedTicket);
    assert_eq!(logs[0].action_by, agent);
    assert_eq!(logs[0].action_at, t0());
    assert!(db.store.get_ticket(TicketId(999_999)).await.unwrap().is_none());
}

async fn a_duplicate_reference_is_a_conflict(db: &TestDatabase) {
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
    db.store.create_ticket(make(), log(LogAction::CreatedTicket, &c, t0())).await.unwrap();
    let again = db.store.create_ticket(make(), log(LogAction::CreatedTicket, &c, t0())).await;
    match again {
        Err(RepoError::Conflict(m)) => {
            assert_eq!(m, "the ticket's reference was taken meanwhile; send the request again");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(db.store.count_log_entries(&LogFilter::default(), u64::MAX).await.unwrap(), 1);
}

async fn lists_are_newest_first_paged_and_counted_without_paging(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(ticket(db, top, "c1", &format!("T{i}"), t0() + Duration::hours(i)).await);
    }
    // Two tickets in the same second: the later id comes first.
    ids.push(ticket(db, top, "c1", "T5", t0() + Duration::hours(4)).await);
    let all = db.store.list_tickets(&TicketFilter::default(), ALL).await.unwrap();
    let got: Vec<TicketId> = all.iter().map(|v| v.ticket.id).collect();
    let want = vec![ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]];
    assert_eq!(got, want);
    let page = db.store.list_tickets(&TicketFilter::default(), Page::skip(2, 2)).await.unwrap();
    let got: Vec<TicketId> = page.iter().map(|v| v.ticket.id).collect();
    assert_eq!(got, vec![ids[3], ids[2]]);
    let beyond = db.store.list_tickets(&TicketFilter::default(), Page::skip(10, 100)).await.unwrap();
    assert!(beyond.is_empty());
    assert_eq!(db.store.count_tickets(&TicketFilter::default(), u64::MAX).await.unwrap(), 6);
}

async fn keyword_search_is_case_insensitive_and_takes_wildcards_literally(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    ticket(db, top, "c1", "Refund Request", t0()).await;
    ticket(db, top, "c1", "50% discount missing", t0()).await;
    ticket(db, top, "c1", "under_score and back\\slash", t0()).await;
    ticket(db, top, "c1", "ÜBER große Sorge", t0()).await;
    let count = |k: &'static str| async move { db.store.count_tickets(&keyword(k), u64::MAX).await.unwrap() };
    assert_eq!(count("refund").await, 1);
    assert_eq!(count("REFUND request").await, 1);
    assert_eq!(count("%").await, 1);
    assert_eq!(count("50%").await, 1);
    assert_eq!(count("_").await, 1);
    assert_eq!(count("d_r").await, 0, "_ must not match any character (\"der\")");
    assert_eq!(count("\\").await, 1);
    assert_eq!(count("über").await, 1);
    assert_eq!(count("GROSSE").await, 0);
    assert_eq!(count("GROẞE").await + count("große").await, 2);
    assert_eq!(count("nothing like it").await, 0);
    // The description and the reference are searched too.
    assert_eq!(count("see subject").await, 4);
    let one = db.store.list_tickets(&keyword("refund"), ALL).await.unwrap();
    let reference = one[0].ticket.ref_id.as_str().to_lowercase();
    assert_eq!(db.store.count_tickets(&keyword(&reference), u64::MAX).await.unwrap(), 1);
}

async fn owner_filter_scopes_tickets_and_logs(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    let mine = ticket(db, top, "c1", "mine", t0()).await;
    ticket(db, top, "c2", "theirs", t0()).await;
    let c1 = TicketFilter { owner: Some(UserId::parse("c1").unwrap()), query: TicketQuery::default() };
    let listed = db.store.list_tickets(&c1, ALL).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].ticket.id, mine);
    assert_eq!(db.store.count_tickets(&c1, u64::MAX).await.unwrap(), 1);
    let logs_c1 = LogFilter { owner: Some(UserId::parse("c1").unwrap()), ticket_id: None, ..LogFilter::default() };
    let entries = db.store.list_log_entries(&logs_c1, ALL).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].ticket_id, mine);
    assert_eq!(db.store.count_log_entries(&LogFilter::default(), u64::MAX).await.unwrap(), 2);
}

async fn a_message_lands_with_its_attachments_and_log_entry(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let agent = who("agent1", UserType::Agent);
    let msg = message(&agent, "Looking into it", &["a.pdf", "b.png"]);
    let at = msg.at;
    let stored = db.store.add_message(id, msg, log(LogAction::AddedMessage, &agent, at), None).await.unwrap();
    assert_eq!(stored.sender, agent);
    assert_eq!(stored.body.as_ref().map(|b| b.as_str()), Some("Looking into it"));
    assert_eq!(stored.attachments.len(), 2);
    assert_eq!(stored.sent_at, at);
    let details = db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert_eq!(details.messages, vec![stored]);
    let names: Vec<&str> =
        details.messages[0].attachments.iter().map(|a| a.file_name.as_str()).collect();
    assert_eq!(names, ["a.pdf", "b.png"]);
    assert_eq!(details.ticket.audit.modified_by, agent);
    assert_eq!(details.ticket.audit.modified_at, at);
    assert_eq!(log_count(db, id).await, 2);
}

async fn a_message_without_text_keeps_its_attachments(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let c = who("c1", UserType::Customer);
    let mut msg = message(&c, "x", &["only.pdf"]);
    msg.body = None;
    db.store.add_message(id, msg, log(LogAction::AddedMessage, &c, t0()), None).await.unwrap();
    let details = db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert_eq!(details.messages[0].body, None);
    assert_eq!(details.messages[0].attachments.len(), 1);
}

async fn a_failed_write_leaves_no_message_attachment_or_log(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    // Break the log table so that the last statement of the transaction fails.
    db.execute("ALTER TABLE ticket_logs RENAME TO ticket_logs_away");
    let c = who("c1", UserType::Customer);
    let r = db.store.add_message(id, message(&c, "hi", &["a.pdf"]), log(LogAction::AddedMessage, &c, t0()), None).await;
    assert!(r.is_err());
    db.execute("ALTER TABLE ticket_logs_away RENAME TO ticket_logs");
    let details = db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert!(details.messages.is_empty(), "message rolled back");
    assert_eq!(details.ticket.audit.modified_at, t0(), "ticket untouched");
    assert_eq!(log_count(db, id).await, 1);
    // And nothing of it is left in the attachment table either.
    let again = db.store.add_message(id, message(&c, "hi", &["a.pdf"]), log(LogAction::AddedMessage, &c, t0()), None).await.unwrap();
    assert_eq!(db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap().messages, vec![again]);
}

async fn a_closed_ticket_refuses_messages_and_a_missing_one_is_not_found(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let c = who("c1", UserType::Customer);
    let closing = TicketUpdate { status: Some(TicketStatus::Closed), ..update(1, &c, t0()) };
    db.store.update_ticket(id, closing, log(LogAction::UpdatedStatus, &c, t0())).await.unwrap();
    let r = db.store.add_message(id, message(&c, "late", &[]), log(LogAction::AddedMessage, &c, t0()), None).await;
    assert!(matches!(r, Err(RepoError::Conflict(_))), "{r:?}");
    let r = db.store.add_message(TicketId(424_242), message(&c, "x", &[]), log(LogAction::AddedMessage, &c, t0()), None).await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");
    assert!(db.store.ticket_details(id, &EVERYTHING).await.unwrap().unwrap().messages.is_empty());
    assert_eq!(log_count(db, id).await, 2);
}

async fn an_update_applies_only_at_the_version_it_was_decided_on(db: &TestDatabase) {
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
    entry.changes = vec![FieldChange::new(ChangedField::Status, Some("open".into()), Some("resolved".into()))];
    let view = db.store.update_ticket(id, first, entry).await.unwrap();
    let t = &view.ticket;
    assert_eq!((t.status, t.priority, t.category_id, t.version), (TicketStatus::Resolved, Priority::Urgent, other, 2));
    assert_eq!(t.assignee_id.as_ref().map(UserId::as_str), Some("agent1"));
    assert_eq!(t.audit.modified_by, agent);
    assert_eq!(t.audit.modified_at, later);
    assert_eq!(view.category.id, other);
    // A decision made on version 1 is stale now.
    let stale = TicketUpdate { status: Some(TicketStatus::Closed), ..update(1, &agent, later) };
    let r = db.store.update_ticket(id, stale, log(LogAction::UpdatedStatus, &agent, later)).await;
    assert!(matches!(r, Err(RepoError::Conflict(_))), "{r:?}");
    // Unassigning writes NULL.
    let unassign = TicketUpdate { assignee_id: Some(None), ..update(2, &agent, later) };
    let view = db.store.update_ticket(id, unassign, log(LogAction::UpdatedTicket, &agent, later)).await.unwrap();
    assert_eq!(view.ticket.assignee_id, None);
    assert_eq!(view.ticket.status, TicketStatus::Resolved);
    let history = LogFilter { ticket_id: Some(id), oldest_first: true, ..LogFilter::default() };
    let entries = db.store.list_log_entries(&history, ALL).await.unwrap();
    let actions: Vec<LogAction> = entries.iter().map(|e| e.action).collect();
    assert_eq!(actions, [LogAction::CreatedTicket, LogAction::UpdatedTicket, LogAction::UpdatedTicket]);
    assert_eq!(entries[1].changes, vec![FieldChange::new(ChangedField::Status, Some("open".into()), Some("resolved".into()))]);
    assert!(entries[2].changes.is_empty());
    let missing = db.store.update_ticket(TicketId(777_777), update(1, &agent, later), log(LogAction::UpdatedStatus, &agent, later)).await;
    assert!(matches!(missing, Err(RepoError::NotFound)), "{missing:?}");
}

async fn a_reopening_reply_changes_the_status_only_from_the_status_it_expects(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let c = who("c1", UserType::Customer);
    let agent = who("agent1", UserType::Agent);
    let pending = TicketUpdate { status: Some(TicketStatus::Pending), ..update(1, &agent, t0()) };
    db.store.update_ticket(id, pending, log(LogAction::UpdatedStatus, &agent, t0())).await.unwrap();
    let reopen = |from| StatusChange { from, to: TicketStatus::Open, log: log(LogAction::UpdatedStatus, &c, t0()) };
    let stale = db.store.add_message(id, message(&c, "x", &[]), log(LogAction::AddedMessage, &c, t0()), Some(reopen(TicketStatus::Resolved))).await;
    assert!(matches!(stale, Err(RepoError::Conflict(_))), "{stale:?}");
    db.store.add_message(id, message(&c, "back", &[]), log(LogAction::AddedMessage, &c, t0()), Some(reopen(TicketStatus::Pending))).await.unwrap();
    let t = db.store.get_ticket(id).await.unwrap().unwrap().ticket;
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.version, 3);
    assert_eq!(log_count(db, id).await, 4);
}

async fn deleted_tickets_leave_lists_and_logs_unless_asked_for(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "gone", t0()).await;
    ticket(db, top, "c1", "kept", t0()).await;
    let admin = admin();
    let delete = TicketUpdate { is_delete: Some(true), ..update(1, &admin, t0()) };
    db.store.update_ticket(id, delete, log(LogAction::DeletedTicket, &admin, t0())).await.unwrap();
    let read = db.store.get_ticket(id).await.unwrap().unwrap();
    assert!(read.ticket.is_delete, "a deleted ticket can still be read by id, flagged");
    assert_eq!(db.store.count_tickets(&TicketFilter::default(), u64::MAX).await.unwrap(), 1);
    let with_deleted = TicketFilter::from(TicketQuery { include_deleted: true, ..TicketQuery::default() });
    assert_eq!(db.store.count_tickets(&with_deleted, u64::MAX).await.unwrap(), 2);
    assert_eq!(log_count(db, id).await, 0);
    let logs = LogFilter { ticket_id: Some(id), include_deleted: true, ..LogFilter::default() };
    assert_eq!(db.store.count_log_entries(&logs, u64::MAX).await.unwrap(), 2);
    let c = who("c1", UserType::Customer);
    let r = db.store.add_message(id, message(&c, "x", &[]), log(LogAction::AddedMessage, &c, t0()), None).await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");
    let r = db.store.update_ticket(id, TicketUpdate { priority: Some(Priority::High), ..update(2, &admin, t0()) }, log(LogAction::UpdatedTicket, &admin, t0())).await;
    assert!(matches!(r, Err(RepoError::NotFound)), "a deleted ticket takes no changes: {r:?}");
    let restore = TicketUpdate { is_delete: Some(false), ..update(2, &admin, t0()) };
    db.store.update_ticket(id, restore, log(LogAction::RestoredTicket, &admin, t0())).await.unwrap();
    assert_eq!(db.store.count_tickets(&TicketFilter::default(), u64::MAX).await.unwrap(), 2);
}

async fn category_names_are_unique_per_level_ignoring_case(db: &TestDatabase) {
    let top = category(db, "Refund", None).await;
    let other = category(db, "Billing", None).await;
    category(db, "Card", Some(top)).await;
    category(db, "Card", Some(other)).await;
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

async fn cursor_pages_follow_every_sort_in_both_directions(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    let agent = who("agent1", UserType::Agent);
    // Times, priorities and statuses that repeat, so that ties go by id.
    for i in 0..9_i64 {
        let id = ticket(db, top, "c1", &format!("T{i}"), t0() + Duration::hours(i % 4)).await;
        let mut change = update(1, &agent, t0() + Duration::minutes(90 - 10 * (i % 3)));
        change.priority = Some(Priority::from_code(1 + i % 4).unwrap());
        change.status = Some(TicketStatus::from_code(1 + i % 3).unwrap());
        db.store.update_ticket(id, change, log(LogAction::UpdatedTicket, &agent, t0())).await.unwrap();
    }
    let fields = [SortField::CreatedDate, SortField::ModifiedDate, SortField::Priority, SortField::Status, SortField::Id];
    for field in fields {
        for descending in [true, false] {
            let sort = TicketSort { field, descending };
            let filter = TicketFilter::from(TicketQuery { sort, ..TicketQuery::default() });
            let all: Vec<TicketId> =
                db.store.list_tickets(&filter, ALL).await.unwrap().iter().map(|v| v.ticket.id).collect();
            assert_eq!(all.len(), 9);
            let mut walked = Vec::new();
            let mut page = Page::first(2);
            loop {
                let rows = db.store.list_tickets(&filter, page).await.unwrap();
                let Some(last) = rows.last() else { break };
                page = Page::after(2, Position::of_ticket(sort, &last.ticket));
                walked.extend(rows.iter().map(|v| v.ticket.id));
            }
            assert_eq!(walked, all, "{sort:?}");
        }
    }
}

async fn log_cursors_walk_both_orders_and_counts_stop_where_asked(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    for i in 0..5 {
        ticket(db, top, "c1", &format!("T{i}"), t0() + Duration::hours(i % 2)).await;
    }
    assert_eq!(db.store.count_tickets(&TicketFilter::default(), 3).await.unwrap(), 3);
    assert_eq!(db.store.count_tickets(&TicketFilter::default(), 10).await.unwrap(), 5);
    assert_eq!(db.store.count_log_entries(&LogFilter::default(), 2).await.unwrap(), 2);
    for oldest_first in [true, false] {
        let filter = LogFilter { oldest_first, ..LogFilter::default() };
        let all: Vec<i64> =
            db.store.list_log_entries(&filter, ALL).await.unwrap().iter().map(|e| e.id.get()).collect();
        let mut walked = Vec::new();
        let mut page = Page::first(2);
        loop {
            let rows = db.store.list_log_entries(&filter, page).await.unwrap();
            let Some(last) = rows.last() else { break };
            page = Page::after(2, Position::of_log_entry(last));
            walked.extend(rows.iter().map(|e| e.id.get()));
        }
        assert_eq!(walked, all);
        assert_eq!(all.len(), 5);
    }
}

async fn details_read_only_what_the_scope_admits(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let agent = who("agent1", UserType::Agent);
    let public = message(&agent, "Public answer", &["public.pdf"]);
    db.store.add_message(id, public, log(LogAction::AddedMessage, &agent, t0()), None).await.unwrap();
    let mut note = message(&agent, "Internal note", &["internal.pdf"]);
    note.visibility = Visibility::Internal;
    db.store.add_message(id, note, log(LogAction::AddedMessage, &agent, t0()), None).await.unwrap();
    let owner = ReadScope { owner: Some(UserId::parse("c1").unwrap()), ..ReadScope::default() };
    let seen = db.store.ticket_details(id, &owner).await.unwrap().unwrap();
    let bodies: Vec<&str> = seen.messages.iter().filter_map(|m| m.body.as_ref()).map(|b| b.as_str()).collect();
    assert_eq!(bodies, ["Public answer"]);
    let files: Vec<&str> =
        seen.messages.iter().flat_map(|m| &m.attachments).map(|a| a.file_name.as_str()).collect();
    assert_eq!(files, ["public.pdf"]);
    let staff = ReadScope { include_internal: true, ..ReadScope::default() };
    assert_eq!(db.store.ticket_details(id, &staff).await.unwrap().unwrap().messages.len(), 2);
    let stranger = ReadScope { owner: Some(UserId::parse("c2").unwrap()), ..ReadScope::default() };
    assert_eq!(db.store.ticket_details(id, &stranger).await.unwrap(), None);
    let admin = admin();
    let mut delete = update(1, &admin, t0());
    delete.is_delete = Some(true);
    db.store.update_ticket(id, delete, log(LogAction::DeletedTicket, &admin, t0())).await.unwrap();
    assert_eq!(db.store.ticket_details(id, &staff).await.unwrap(), None);
    assert!(db.store.ticket_details(id, &EVERYTHING).await.unwrap().is_some());
}

// Whether a caller may read a ticket is decided on the ticket's row alone: a
// customer asking for another customer's ticket of thousands of messages
// costs one statement, like an id that does not exist, so the answer's time
// tells nothing about the ticket.
async fn details_check_access_before_reading_messages(db: &TestDatabase) {
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "long story", t0()).await;
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
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
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
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "busy", t0()).await;
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
    assert_eq!(log_count(db, id).await, 121);
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
