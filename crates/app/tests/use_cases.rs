//! The use cases against the in-memory store.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use chrono::TimeZone;
use ticketd_app::{
    AppError, AttachmentInput, AttachmentPolicy, MAX_OFFSET, NewMessageInput, OpenTicketInput,
    PageRequest, SortField, StoragePorts, SupportDesk, TicketChanges, TicketQuery, TicketSort,
};
use ticketd_domain::{
    Actor, CategoryId, CategoryName, Description, FileName, FilePath, Keyword, LogAction,
    MessageBody, Subject, TicketId, TicketStatus, Timestamp, Upload, UploadKey, UserId, UserType,
    Visibility,
};
use ticketd_ports::{Clock, TicketView};
use ticketd_testkit::{InMemoryFiles, InMemoryStore};

struct FixedClock(Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

fn actor(id: &str, t: UserType) -> Actor {
    Actor::new(UserId::parse(id).unwrap(), t)
}

fn customer(id: &str) -> Actor {
    actor(id, UserType::Customer)
}

fn agent() -> Actor {
    actor("agent1", UserType::Agent)
}

fn admin() -> Actor {
    actor("admin1", UserType::Admin)
}

async fn change_status(
    desk: &SupportDesk,
    who: &Actor,
    id: TicketId,
    to: TicketStatus,
) -> Result<TicketView, AppError> {
    let changes = TicketChanges {
        status: Some(to),
        ..TicketChanges::default()
    };
    desk.update_ticket(who, id, changes, None).await
}

fn by_keyword(keyword: Option<Keyword>) -> TicketQuery {
    TicketQuery {
        keyword,
        ..TicketQuery::default()
    }
}

const PAGE: &PageRequest = &PageRequest {
    limit: 100,
    offset: 0,
    cursor: None,
};

struct World {
    store: Arc<InMemoryStore>,
    files: Arc<InMemoryFiles>,
    desk: SupportDesk,
    top: CategoryId,
    sub: CategoryId,
}

async fn world() -> World {
    let store = Arc::new(InMemoryStore::new());
    let clock = Arc::new(FixedClock(
        chrono::Utc.with_ymd_and_hms(2025, 4, 1, 10, 0, 0).unwrap(),
    ));
    let files = Arc::new(InMemoryFiles::new());
    let desk = SupportDesk::new(StoragePorts::of(store.clone()), files.clone(), clock);
    let top = desk
        .create_category(&admin(), CategoryName::parse("Refund").unwrap(), None)
        .await
        .unwrap()
        .id;
    let sub = desk
        .create_category(&admin(), CategoryName::parse("Card").unwrap(), Some(top))
        .await
        .unwrap()
        .id;
    World {
        store,
        files,
        desk,
        top,
        sub,
    }
}

fn open_input(w: &World, subject: &str) -> OpenTicketInput {
    OpenTicketInput {
        subject: Subject::parse(subject).unwrap(),
        description: Description::parse("Please look into this, order #XYZ").unwrap(),
        category_id: w.top,
        sub_category_id: Some(w.sub),
        user_id: None,
        priority: None,
        assignee_id: None,
    }
}

async fn open(w: &World, who: &Actor, subject: &str) -> TicketId {
    w.desk
        .open_ticket(who, open_input(w, subject))
        .await
        .unwrap()
        .ticket
        .id
}

fn text(s: &str) -> NewMessageInput {
    NewMessageInput {
        body: Some(MessageBody::parse(s).unwrap()),
        attachments: vec![],
        visibility: Visibility::Public,
    }
}

#[tokio::test]
async fn opening_a_ticket_makes_it_open_owned_by_the_customer_and_logs_it_once() {
    let w = world().await;
    let c = customer("c1");
    let view = w
        .desk
        .open_ticket(&c, open_input(&w, "Refund Request"))
        .await
        .unwrap();
    assert_eq!(view.ticket.status, TicketStatus::Open);
    assert_eq!(view.ticket.user_id, c.id);
    assert_eq!(view.ticket.user_type, UserType::Customer);
    assert_eq!(view.ticket.audit.created_by, c);
    assert_eq!(view.category.id, w.top);
    assert!(view.ticket.ref_id.as_str().starts_with("TKT-"));
    let logs = w.store.all_logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].action, LogAction::CreatedTicket);
    assert_eq!(logs[0].action_by, c);
    assert_eq!(logs[0].ticket_id, view.ticket.id);
}

#[tokio::test]
async fn staff_may_open_a_ticket_for_a_customer_but_a_customer_may_not() {
    let w = world().await;
    let mut input = open_input(&w, "For someone");
    input.user_id = Some(UserId::parse("c9").unwrap());
    let view = w.desk.open_ticket(&agent(), input.clone()).await.unwrap();
    assert_eq!(view.ticket.user_id.as_str(), "c9");
    assert_eq!(view.ticket.user_type, UserType::Customer);
    assert_eq!(view.ticket.audit.created_by, agent());
    let refused = w.desk.open_ticket(&customer("c1"), input).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    assert_eq!(w.store.all_logs().len(), 1);
}

#[tokio::test]
async fn a_ticket_needs_an_active_top_level_category_and_a_matching_sub_category() {
    let w = world().await;
    let c = customer("c1");
    let mut bad_top = open_input(&w, "x");
    bad_top.category_id = w.sub;
    assert!(matches!(
        w.desk.open_ticket(&c, bad_top).await,
        Err(AppError::Unresolved(e)) if e[0].field == "categoryId"
    ));
    let mut unknown = open_input(&w, "x");
    unknown.category_id = CategoryId(999);
    assert!(matches!(
        w.desk.open_ticket(&c, unknown).await,
        Err(AppError::Unresolved(_))
    ));
    let other_top = w
        .desk
        .create_category(&admin(), CategoryName::parse("Billing").unwrap(), None)
        .await
        .unwrap();
    let mut wrong_parent = open_input(&w, "x");
    wrong_parent.category_id = other_top.id;
    assert!(matches!(
        w.desk.open_ticket(&c, wrong_parent).await,
        Err(AppError::Unresolved(e)) if e[0].field == "subCategoryId"
    ));
    assert!(w.store.all_logs().is_empty());
}

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
    assert_eq!(
        w.desk
            .count_tickets(&c1, TicketQuery::default())
            .await
            .unwrap()
            .value,
        2
    );
    let refund = Keyword::parse("REFUND").unwrap();
    assert_eq!(
        w.desk
            .count_tickets(&c1, by_keyword(refund.clone()))
            .await
            .unwrap()
            .value,
        1
    );
    assert_eq!(
        w.desk
            .count_tickets(&agent(), by_keyword(refund))
            .await
            .unwrap()
            .value,
        2
    );
    let percent = Keyword::parse("50%").unwrap();
    assert_eq!(
        w.desk
            .count_tickets(&agent(), by_keyword(percent))
            .await
            .unwrap()
            .value,
        1
    );
    let literal = Keyword::parse("%").unwrap();
    assert_eq!(
        w.desk
            .count_tickets(&agent(), by_keyword(literal))
            .await
            .unwrap()
            .value,
        1
    );
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

#[tokio::test]
async fn adding_a_message_stores_it_with_attachments_and_one_log_entry() {
    let w = world().await;
    let c = customer("c1");
    let id = open(&w, &c, "Refund").await;
    let input = NewMessageInput {
        body: Some(MessageBody::parse("Any news?").unwrap()),
        attachments: vec![attach(
            "attachment1.pdf",
            &upload(&w, &c, "scan.pdf", PDF).await,
        )],
        visibility: Visibility::Public,
    };
    let message = w.desk.add_message(&c, id, input).await.unwrap();
    assert_eq!(message.sender, c);
    assert_eq!(message.attachments.len(), 1);
    let logs = w.store.all_logs();
    assert_eq!(
        logs.iter()
            .filter(|l| l.action == LogAction::AddedMessage)
            .count(),
        1
    );
    let details = w.desk.ticket_details(&c, id, false).await.unwrap();
    assert_eq!(details.messages.len(), 1);
    assert_eq!(
        details.messages[0].attachments[0].file_name.as_str(),
        "attachment1.pdf"
    );
}

#[tokio::test]
async fn an_empty_or_oversized_message_is_refused_without_writing() {
    let w = world().await;
    let c = customer("c1");
    let id = open(&w, &c, "Refund").await;
    let empty = NewMessageInput {
        body: None,
        attachments: vec![],
        visibility: Visibility::Public,
    };
    assert!(matches!(
        w.desk.add_message(&c, id, empty).await,
        Err(AppError::Invalid(_))
    ));
    let one = AttachmentInput {
        file_name: FileName::parse("a.pdf").unwrap(),
        file_path: FilePath::parse("/uploads/a.pdf").unwrap(),
    };
    let eleven = NewMessageInput {
        body: None,
        attachments: vec![one; 11],
        visibility: Visibility::Public,
    };
    assert!(matches!(
        w.desk.add_message(&c, id, eleven).await,
        Err(AppError::Invalid(_))
    ));
    assert!(w.store.all_messages().is_empty());
    assert_eq!(w.store.all_logs().len(), 1);
}

#[tokio::test]
async fn a_closed_ticket_takes_no_messages() {
    let w = world().await;
    let c = customer("c1");
    let id = open(&w, &c, "Refund").await;
    change_status(&w.desk, &c, id, TicketStatus::Closed)
        .await
        .unwrap();
    assert!(matches!(
        w.desk.add_message(&agent(), id, text("late")).await,
        Err(AppError::Conflict(_))
    ));
    assert!(w.store.all_messages().is_empty());
}

#[tokio::test]
async fn customer_may_close_or_reopen_a_resolved_ticket_and_nothing_else() {
    let w = world().await;
    let c = customer("c1");
    let id = open(&w, &c, "Refund").await;
    for to in [
        TicketStatus::InProgress,
        TicketStatus::Pending,
        TicketStatus::Resolved,
    ] {
        assert!(matches!(
            change_status(&w.desk, &c, id, to).await,
            Err(AppError::Forbidden(_))
        ));
    }
    change_status(&w.desk, &agent(), id, TicketStatus::Resolved)
        .await
        .unwrap();
    let reopened = change_status(&w.desk, &c, id, TicketStatus::Open)
        .await
        .unwrap();
    assert_eq!(reopened.ticket.status, TicketStatus::Open);
    assert_eq!(reopened.ticket.audit.modified_by, c);
    let statuses = w
        .store
        .all_logs()
        .iter()
        .filter(|l| l.action == LogAction::UpdatedStatus)
        .count();
    assert_eq!(statuses, 2);
}

#[tokio::test]
async fn setting_the_current_status_writes_nothing() {
    let w = world().await;
    let id = open(&w, &customer("c1"), "Refund").await;
    let view = change_status(&w.desk, &agent(), id, TicketStatus::Open)
        .await
        .unwrap();
    assert_eq!(view.ticket.status, TicketStatus::Open);
    assert_eq!(w.store.all_logs().len(), 1);
}

#[tokio::test]
async fn only_admins_manage_categories_and_only_two_levels() {
    let w = world().await;
    for who in [customer("c1"), agent()] {
        assert!(matches!(
            w.desk
                .create_category(&who, CategoryName::parse("X").unwrap(), None)
                .await,
            Err(AppError::Forbidden(_))
        ));
    }
    assert!(matches!(
        w.desk.create_category(&admin(), CategoryName::parse("Deep").unwrap(), Some(w.sub)).await,
        Err(AppError::Unresolved(e)) if e[0].field == "parentCategoryId"
    ));
    assert!(matches!(
        w.desk
            .create_category(&admin(), CategoryName::parse("refund").unwrap(), None)
            .await,
        Err(AppError::Conflict(_))
    ));
    assert_eq!(w.desk.list_categories().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_unreachable_store_is_reported_as_unavailable() {
    let w = world().await;
    w.store.set_unavailable(true);
    let r = w
        .desk
        .list_tickets(&agent(), TicketQuery::default(), PAGE)
        .await;
    assert!(matches!(r, Err(AppError::Unavailable(_))), "{r:?}");
}

const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";

/// Uploads one file through the use case, in chunks of 7 bytes.
async fn try_upload(w: &World, who: &Actor, name: &str, bytes: &[u8]) -> Result<Upload, AppError> {
    let mut batch = w.desk.start_upload(who);
    let result = async {
        batch.begin_file(name).await?;
        for chunk in bytes.chunks(7) {
            batch.write(bytes::Bytes::copy_from_slice(chunk)).await?;
        }
        batch.end_file().await
    }
    .await;
    match result {
        Ok(()) => Ok(batch.commit().await?.remove(0)),
        Err(e) => {
            batch.abort().await;
            Err(e)
        }
    }
}

async fn upload(w: &World, who: &Actor, name: &str, bytes: &[u8]) -> Upload {
    try_upload(w, who, name, bytes).await.unwrap()
}

fn attach(name: &str, upload: &Upload) -> AttachmentInput {
    AttachmentInput {
        file_name: FileName::parse(name).unwrap(),
        file_path: upload.file_path(),
    }
}

fn files_message(attachments: Vec<AttachmentInput>) -> NewMessageInput {
    NewMessageInput {
        body: None,
        attachments,
        visibility: Visibility::Public,
    }
}

fn field_errors(e: AppError) -> Vec<String> {
    match e {
        AppError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn an_upload_is_measured_hashed_typed_and_named_safely() {
    let w = world().await;
    let c = customer("c1");
    let u = upload(&w, &c, "../../Résumé.pdf", PDF).await;
    assert_eq!(u.file_name.as_str(), "Résumé.pdf");
    assert_eq!(u.size, PDF.len() as u64);
    assert_eq!(u.content_type, "application/pdf");
    // sha256 of PDF, computed independently (sha256sum).
    let expected: String = {
        use sha2::Digest;
        sha2::Sha256::digest(PDF)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(u.sha256, expected);
    assert_eq!(u.owner, c);
    assert_eq!(w.files.keys(), vec![u.key.clone()]);
    let opened = w.desk.open_upload(&c, &u.key).await.unwrap();
    assert_eq!(opened.file.size, PDF.len() as u64);
}

#[tokio::test]
async fn a_refused_upload_leaves_no_file_and_no_record() {
    let w = world().await;
    let c = customer("c1");
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0\x40\0\0\0\0\0";
    assert!(matches!(
        try_upload(&w, &c, "invoice.pdf", exe).await,
        Err(AppError::UnsupportedType(_))
    ));
    let small = w.desk.clone().with_attachment_policy(AttachmentPolicy {
        max_file_bytes: 20,
        ..AttachmentPolicy::default()
    });
    let w2 = World {
        desk: small,
        store: w.store.clone(),
        files: w.files.clone(),
        top: w.top,
        sub: w.sub,
    };
    assert!(matches!(
        try_upload(&w2, &c, "big.pdf", PDF).await,
        Err(AppError::TooLarge(_))
    ));
    assert!(matches!(
        try_upload(&w, &c, "empty.txt", b"").await,
        Err(AppError::Invalid(_))
    ));
    assert!(w.files.keys().is_empty());
    assert!(w.store.all_upload_keys().is_empty());
}

#[tokio::test]
async fn only_the_senders_own_unattached_uploads_can_be_attached() {
    let w = world().await;
    let c1 = customer("c1");
    let c2 = customer("c2");
    let id = open(&w, &c1, "Refund").await;
    let mine = upload(&w, &c1, "mine.pdf", PDF).await;
    let theirs = upload(&w, &c2, "theirs.pdf", PDF).await;
    let unknown = AttachmentInput {
        file_name: FileName::parse("x.pdf").unwrap(),
        file_path: FilePath::parse("/uploads/attachment1.pdf").unwrap(),
    };
    let e = w
        .desk
        .add_message(
            &c1,
            id,
            files_message(vec![
                attach("ok.pdf", &mine),
                attach("t.pdf", &theirs),
                unknown,
            ]),
        )
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(e),
        ["attachments[1].filePath", "attachments[2].filePath"]
    );
    assert!(w.store.all_messages().is_empty());
    let m = w
        .desk
        .add_message(&c1, id, files_message(vec![attach("ok.pdf", &mine)]))
        .await
        .unwrap();
    assert_eq!(m.attachments[0].upload, Some(mine.key.clone()));
    assert_eq!(m.attachments[0].file_name.as_str(), "ok.pdf");
    let again = w
        .desk
        .add_message(&c1, id, files_message(vec![attach("ok.pdf", &mine)]))
        .await
        .unwrap_err();
    assert_eq!(field_errors(again), ["attachments[0].filePath"]);
    let twice = upload(&w, &c1, "b.pdf", PDF).await;
    let e = w
        .desk
        .add_message(
            &c1,
            id,
            files_message(vec![attach("1.pdf", &twice), attach("2.pdf", &twice)]),
        )
        .await
        .unwrap_err();
    assert_eq!(field_errors(e), ["attachments[1].filePath"]);
}

#[tokio::test]
async fn with_the_check_off_older_paths_are_kept_and_uploads_still_linked() {
    let w = world().await;
    let desk = w.desk.clone().with_attachment_policy(AttachmentPolicy {
        require_uploaded: false,
        ..AttachmentPolicy::default()
    });
    let c1 = customer("c1");
    let id = open(&w, &c1, "Refund").await;
    let mine = upload(&w, &c1, "mine.pdf", PDF).await;
    let theirs = upload(&w, &customer("c2"), "theirs.pdf", PDF).await;
    let legacy = AttachmentInput {
        file_name: FileName::parse("attachment1.pdf").unwrap(),
        file_path: FilePath::parse("/uploads/attachment1.pdf").unwrap(),
    };
    let m = desk
        .add_message(
            &c1,
            id,
            files_message(vec![
                legacy,
                attach("m.pdf", &mine),
                attach("t.pdf", &theirs),
            ]),
        )
        .await
        .unwrap();
    let links: Vec<_> = m.attachments.iter().map(|a| a.upload.clone()).collect();
    // Another user's upload is never linked, so its file stays theirs.
    assert_eq!(links, [None, Some(mine.key.clone()), None]);
    assert!(desk.open_upload(&c1, &theirs.key).await.is_err());
}

#[tokio::test]
async fn files_are_served_only_to_who_may_read_their_message() {
    let w = world().await;
    let c1 = customer("c1");
    let c2 = customer("c2");
    let id = open(&w, &c1, "Refund").await;
    let public = upload(&w, &c1, "p.pdf", PDF).await;
    let note = upload(&w, &agent(), "n.pdf", PDF).await;
    let loose = upload(&w, &c1, "l.pdf", PDF).await;
    w.desk
        .add_message(&c1, id, files_message(vec![attach("p.pdf", &public)]))
        .await
        .unwrap();
    let mut internal = files_message(vec![attach("n.pdf", &note)]);
    internal.visibility = Visibility::Internal;
    w.desk.add_message(&agent(), id, internal).await.unwrap();
    let can = |who: Actor, key: UploadKey| {
        let desk = w.desk.clone();
        async move { desk.open_upload(&who, &key).await.is_ok() }
    };
    assert!(can(c1.clone(), public.key.clone()).await);
    assert!(can(admin(), public.key.clone()).await);
    assert!(!can(c2.clone(), public.key.clone()).await);
    assert!(!can(c1.clone(), note.key.clone()).await);
    assert!(can(actor("agent2", UserType::Agent), note.key.clone()).await);
    assert!(can(c1.clone(), loose.key.clone()).await);
    assert!(!can(agent(), loose.key.clone()).await);
    assert!(w.desk.open_upload_by_link(&public.key).await.is_ok());
    assert!(w.desk.open_upload_by_link(&loose.key).await.is_err());
}

#[tokio::test]
async fn the_sweep_removes_old_unattached_uploads_and_its_own_orphan_files_only() {
    let w = world().await;
    let c = customer("c1");
    let id = open(&w, &c, "Refund").await;
    let kept = upload(&w, &c, "kept.pdf", PDF).await;
    let old = upload(&w, &c, "old.pdf", PDF).await;
    w.desk
        .add_message(&c, id, files_message(vec![attach("kept.pdf", &kept)]))
        .await
        .unwrap();
    // A file an interrupted upload of this installation left (noted before
    // it was written, never recorded), and a file someone else put there.
    let orphan = UploadKey::from_random([9; 16]);
    let start = chrono::Utc.with_ymd_and_hms(2025, 4, 1, 10, 0, 0).unwrap();
    ticketd_ports::UploadRepository::note_written_file(
        w.store.as_ref(),
        &orphan,
        start - chrono::Duration::days(3),
    )
    .await
    .unwrap();
    w.files.insert(
        orphan.clone(),
        PDF.to_vec(),
        start - chrono::Duration::days(3),
    );
    let foreign = UploadKey::from_random([8; 16]);
    w.files.insert(
        foreign.clone(),
        PDF.to_vec(),
        start - chrono::Duration::days(3),
    );
    // A day less a minute later, nothing is old enough.
    let later = |d: chrono::Duration| {
        let clock = Arc::new(FixedClock(start + d));
        SupportDesk::new(StoragePorts::of(w.store.clone()), w.files.clone(), clock)
    };
    let report = later(chrono::Duration::minutes(23 * 60 + 59))
        .sweep_uploads()
        .await
        .unwrap();
    assert_eq!(report.uploads, 0);
    assert_eq!(report.orphan_files, 1);
    let report = later(chrono::Duration::hours(25))
        .sweep_uploads()
        .await
        .unwrap();
    assert_eq!(report.uploads, 1);
    assert_eq!(
        report.orphan_files, 0,
        "each orphan is removed and counted once"
    );
    let mut left = w.files.keys();
    left.sort();
    let mut expected = vec![kept.key.clone(), foreign.clone()];
    expected.sort();
    assert_eq!(left, expected, "the foreign file is never touched");
    assert!(w.desk.open_upload(&c, &old.key).await.is_err());
    assert!(w.desk.open_upload(&c, &kept.key).await.is_ok());
}
