//! The world every use case runs in: a desk over the in-memory fakes at a
//! fixed time, two categories, actors, and what they send.

pub use std::sync::Arc;

pub use chrono::TimeZone;
pub use ticketd_app::{
    AppError, AttachmentInput, AttachmentPolicy, MAX_OFFSET, NewMessageInput, OpenTicketInput,
    PageRequest, SortField, StoragePorts, SupportDesk, TicketChanges, TicketQuery, TicketSort,
};
pub use ticketd_domain::{
    Actor, CategoryId, CategoryName, Description, FileName, FilePath, Keyword, LogAction,
    MessageBody, Subject, TicketId, TicketStatus, Timestamp, Upload, UploadKey, UserId, UserType,
    Visibility,
};
pub use ticketd_ports::{Clock, TicketView};
pub use ticketd_testkit::{InMemoryFiles, InMemoryStore};

pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

pub fn actor(id: &str, t: UserType) -> Actor {
    Actor::new(UserId::parse(id).unwrap(), t)
}

pub fn customer(id: &str) -> Actor {
    actor(id, UserType::Customer)
}

pub fn agent() -> Actor {
    actor("agent1", UserType::Agent)
}

pub fn admin() -> Actor {
    actor("admin1", UserType::Admin)
}

pub async fn change_status(
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

pub fn by_keyword(keyword: Option<Keyword>) -> TicketQuery {
    TicketQuery {
        keyword,
        ..TicketQuery::default()
    }
}

pub const PAGE: &PageRequest = &PageRequest {
    limit: 100,
    offset: 0,
    cursor: None,
};

pub struct World {
    pub store: Arc<InMemoryStore>,
    pub files: Arc<InMemoryFiles>,
    pub desk: SupportDesk,
    pub top: CategoryId,
    pub sub: CategoryId,
}

pub async fn world() -> World {
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

pub fn open_input(w: &World, subject: &str) -> OpenTicketInput {
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

pub async fn open(w: &World, who: &Actor, subject: &str) -> TicketId {
    w.desk
        .open_ticket(who, open_input(w, subject))
        .await
        .unwrap()
        .ticket
        .id
}

pub fn text(s: &str) -> NewMessageInput {
    NewMessageInput {
        body: Some(MessageBody::parse(s).unwrap()),
        attachments: vec![],
        visibility: Visibility::Public,
    }
}

pub const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";

/// Uploads one file through the use case, in chunks of 7 bytes.
pub async fn try_upload(
    w: &World,
    who: &Actor,
    name: &str,
    bytes: &[u8],
) -> Result<Upload, AppError> {
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

pub async fn upload(w: &World, who: &Actor, name: &str, bytes: &[u8]) -> Upload {
    try_upload(w, who, name, bytes).await.unwrap()
}

pub fn attach(name: &str, upload: &Upload) -> AttachmentInput {
    AttachmentInput {
        file_name: FileName::parse(name).unwrap(),
        file_path: upload.file_path(),
    }
}

pub fn files_message(attachments: Vec<AttachmentInput>) -> NewMessageInput {
    NewMessageInput {
        body: None,
        attachments,
        visibility: Visibility::Public,
    }
}

pub fn field_errors(e: AppError) -> Vec<String> {
    match e {
        AppError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}
