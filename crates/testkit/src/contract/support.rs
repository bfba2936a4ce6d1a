//! What the contract's cases share, and store tests beyond the contract use
//! too: fixed times and actors, records to write, the values they are made
//! of (re-exported).

pub use chrono::{Duration, TimeZone, Utc};
pub use ticketd_domain::{
    Actor, CategoryId, CategoryName, ChangedField, Description, FieldChange, FileName, FilePath,
    Keyword, LogAction, MessageBody, Priority, RefId, Subject, TicketId, TicketStatus, Timestamp,
    UploadKey, UserId, UserType, Visibility,
};
pub use ticketd_ports::{
    AuditLogRepository, CategoryRepository, EventLog, LogFilter, MessageTarget, NewAttachment,
    NewCategory, NewLogEntry, NewMessage, NewTicket, NewUpload, Page, Position, ReadScope,
    RepoError, SlaStore, SortField, StatusChange, TicketFilter, TicketQuery, TicketRepository,
    TicketSort, TicketUpdate, UploadRepository, UserDirectory,
};

pub use super::Ports;

/// A page holding every row.
pub const ALL: Page = Page {
    limit: 1000,
    offset: 0,
    after: None,
};

/// What staff read with deleted tickets asked for: everything.
pub const EVERYTHING: ReadScope = ReadScope {
    owner: None,
    include_deleted: true,
    include_internal: true,
};

/// The time the cases start at.
pub fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2025, 4, 1, 10, 0, 0).unwrap()
}

/// An actor of kind `t`.
pub fn who(id: &str, t: UserType) -> Actor {
    Actor::new(UserId::parse(id).unwrap(), t)
}

/// An admin.
pub fn admin() -> Actor {
    who("admin1", UserType::Admin)
}

/// A log entry of `action` by `actor` at `at`.
pub fn log(action: LogAction, actor: &Actor, at: Timestamp) -> NewLogEntry {
    NewLogEntry::new(action, actor, at)
}

/// A category named `name` under `parent`, made by an admin.
pub async fn category(db: &impl Ports, name: &str, parent: Option<CategoryId>) -> CategoryId {
    let new = NewCategory {
        name: CategoryName::parse(name).unwrap(),
        parent_id: parent,
        actor: admin(),
        at: t0(),
    };
    db.create_category(new).await.unwrap().id
}

/// A ticket of the customer `owner` with `subject`, opened at `at`.
pub async fn ticket(
    db: &impl Ports,
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
    db.create_ticket(new, log(LogAction::CreatedTicket, &actor, at))
        .await
        .unwrap()
        .ticket
        .id
}

/// An update at `version` that changes nothing yet.
pub fn update(version: i64, actor: &Actor, at: Timestamp) -> TicketUpdate {
    TicketUpdate::new(version, actor, at)
}

/// A public message by `actor`, with files under `/uploads/` (no upload behind them).
pub fn message(actor: &Actor, text: &str, files: &[&str]) -> NewMessage {
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

/// How many log entries ticket `ticket_id` has.
pub async fn log_count(db: &impl Ports, ticket_id: TicketId) -> u64 {
    let filter = LogFilter {
        ticket_id: Some(ticket_id),
        ..LogFilter::default()
    };
    db.count_log_entries(&filter, u64::MAX).await.unwrap()
}

/// A filter of the keyword `k` over every ticket.
pub fn keyword(k: &str) -> TicketFilter {
    TicketFilter::from(TicketQuery {
        keyword: Keyword::parse(k).unwrap(),
        ..TicketQuery::default()
    })
}

/// A PDF upload of `owner` made at `at`.
pub fn new_upload(owner: &Actor, name: &str, at: Timestamp) -> NewUpload {
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

/// A message of `actor` attaching the upload `key` only.
pub fn attaching(actor: &Actor, key: &UploadKey, visibility: Visibility) -> NewMessage {
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
