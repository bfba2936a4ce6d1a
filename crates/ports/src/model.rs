use ticketd_domain::{
    Actor, Category, CategoryId, CategoryName, Description, FieldChange, FileName, FilePath,
    Keyword, LogAction, LogEntry, Message, MessageBody, Priority, RefId, Subject, Ticket, TicketId,
    TicketStatus, Timestamp, UploadKey, UserId, UserType, Visibility,
};

/// A ticket to store. The store assigns the id.
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// Its public reference (unique: a duplicate gives `RepoError::Conflict`).
    pub ref_id: RefId,
    /// The customer it belongs to.
    pub user_id: UserId,
    /// That user's kind.
    pub user_type: UserType,
    /// Its top-level category.
    pub category_id: CategoryId,
    /// Its sub-category.
    pub sub_category_id: Option<CategoryId>,
    /// Its subject.
    pub subject: Subject,
    /// Its description.
    pub description: Description,
    /// Its first status.
    pub status: TicketStatus,
    /// Its priority.
    pub priority: Priority,
    /// The agent or admin to work on it.
    pub assignee_id: Option<UserId>,
    /// Who opens it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
    /// The answer to keep with it for an `Idempotency-Key`, if the request
    /// has one.
    pub answer: Option<KeptAnswer<TicketView>>,
}

/// An answer to keep with a write, in the write's own transaction, for the
/// retries of the same request (one with an `Idempotency-Key`): the write and
/// its answer land together or not at all, so a crash between them cannot
/// make a retry write twice. The key must be claimed and not yet answered
/// (`IdempotencyStore::claim`); if another request answered it meanwhile, the
/// write fails with `RepoError::Conflict` and nothing of it is kept.
#[derive(Clone)]
pub struct KeptAnswer<T> {
    /// Whose key.
    pub user: UserId,
    /// The key.
    pub key: String,
    /// Renders the answer (HTTP status and body) from what the write made.
    #[allow(clippy::type_complexity)]
    pub render: std::sync::Arc<dyn Fn(&T) -> Result<(u16, String), String> + Send + Sync>,
}

impl<T> std::fmt::Debug for KeptAnswer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptAnswer")
            .field("user", &self.user)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// An audit-log entry to store with the change it records. The ticket is the
/// one the change is about.
#[derive(Debug, Clone)]
pub struct NewLogEntry {
    /// What was done.
    pub action: LogAction,
    /// Who did it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
    /// What changed, field by field.
    pub changes: Vec<FieldChange>,
    /// Who may read the entry.
    pub visibility: Visibility,
}

impl NewLogEntry {
    /// A public entry without field changes.
    pub fn new(action: LogAction, actor: &Actor, at: Timestamp) -> Self {
        Self {
            action,
            actor: actor.clone(),
            at,
            changes: Vec::new(),
            visibility: Visibility::Public,
        }
    }
}

/// An attachment to store with its message.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// The name shown to people.
    pub file_name: FileName,
    /// Where the file lives.
    pub file_path: FilePath,
    /// The upload it attaches, checked by the caller to be the sender's and
    /// unattached. The store refuses (`Conflict`) an upload that is attached
    /// already or gone.
    pub upload: Option<UploadKey>,
}

/// A file just stored, to record as an upload of its owner.
#[derive(Debug, Clone)]
pub struct NewUpload {
    /// Its key, which names its bytes in the file store.
    pub key: UploadKey,
    /// Who uploaded it.
    pub owner: Actor,
    /// Its safe name.
    pub file_name: FileName,
    /// Its sniffed media type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes, in lowercase hexadecimal.
    pub sha256: String,
    /// When it was uploaded.
    pub at: Timestamp,
}

/// A message to store on a ticket.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Who sends it.
    pub sender: Actor,
    /// Its text, if any.
    pub body: Option<MessageBody>,
    /// Its files.
    pub attachments: Vec<NewAttachment>,
    /// Who may read it.
    pub visibility: Visibility,
    /// When it was received.
    pub at: Timestamp,
    /// The answer to keep with it for an `Idempotency-Key`, if the request
    /// has one.
    pub answer: Option<KeptAnswer<Message>>,
}

/// A status change that comes with a new message: applied only if the ticket
/// is still in status `from` (otherwise `RepoError::Conflict`).
#[derive(Debug, Clone)]
pub struct StatusChange {
    /// The status the decision was made on.
    pub from: TicketStatus,
    /// The new status.
    pub to: TicketStatus,
    /// The entry that records it.
    pub log: NewLogEntry,
}

/// Changes to a ticket's fields, applied only if the ticket is still at
/// `expected_version` (otherwise `RepoError::Conflict`), so that no change is
/// decided on a stale read. `None` leaves a field as it is.
#[derive(Debug, Clone)]
pub struct TicketUpdate {
    /// The version the decision was made on.
    pub expected_version: i64,
    /// A new status.
    pub status: Option<TicketStatus>,
    /// A new priority.
    pub priority: Option<Priority>,
    /// A new assignee (`Some(None)` unassigns).
    pub assignee_id: Option<Option<UserId>>,
    /// A new category.
    pub category_id: Option<CategoryId>,
    /// A new sub-category (`Some(None)` clears it).
    pub sub_category_id: Option<Option<CategoryId>>,
    /// Deletes (`true`) or restores (`false`) the ticket.
    pub is_delete: Option<bool>,
    /// Who changes it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

impl TicketUpdate {
    /// An update at `expected_version`, by `actor` at `at`, that changes
    /// nothing yet: set the fields to change.
    pub fn new(expected_version: i64, actor: &Actor, at: Timestamp) -> Self {
        Self {
            expected_version,
            status: None,
            priority: None,
            assignee_id: None,
            category_id: None,
            sub_category_id: None,
            is_delete: None,
            actor: actor.clone(),
            at,
        }
    }
}

/// A category to store.
#[derive(Debug, Clone)]
pub struct NewCategory {
    /// Its name (unique among its siblings: a duplicate gives `RepoError::Conflict`).
    pub name: CategoryName,
    /// Its parent, for a sub-category.
    pub parent_id: Option<CategoryId>,
    /// Who makes it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

/// A ticket with the category it is filed under, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketView {
    /// The ticket.
    pub ticket: Ticket,
    /// Its top-level category.
    pub category: Category,
}

/// A ticket with everything said on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketDetails {
    /// The ticket.
    pub ticket: Ticket,
    /// Its top-level category.
    pub category: Category,
    /// Its messages, oldest first, each with its attachments.
    pub messages: Vec<Message>,
}

/// A field tickets can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortField {
    /// When the ticket was opened (the default).
    #[default]
    CreatedDate,
    /// When the ticket last changed.
    ModifiedDate,
    /// Priority code.
    Priority,
    /// Status code.
    Status,
    /// Id.
    Id,
}

/// An order of tickets: a field and a direction; ties go by id, the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketSort {
    /// The field.
    pub field: SortField,
    /// Largest first.
    pub descending: bool,
}

impl Default for TicketSort {
    /// Newest first.
    fn default() -> Self {
        Self {
            field: SortField::CreatedDate,
            descending: true,
        }
    }
}

/// What a client asks of the ticket list: filters and order. Every filter
/// given must hold; a list filter holds if the ticket matches any of its
/// values. Whose tickets the caller may see is not part of it: the
/// application adds that ([`TicketFilter::owner`]).
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    /// Only tickets whose subject, description or reference contain this.
    pub keyword: Option<Keyword>,
    /// Only tickets in one of these statuses.
    pub statuses: Vec<TicketStatus>,
    /// Only tickets with one of these priorities.
    pub priorities: Vec<Priority>,
    /// Only tickets in one of these categories.
    pub category_ids: Vec<CategoryId>,
    /// Only tickets in one of these sub-categories.
    pub sub_category_ids: Vec<CategoryId>,
    /// Only tickets assigned to one of these users...
    pub assignee_ids: Vec<UserId>,
    /// ...or (when set) not assigned at all.
    pub unassigned: bool,
    /// Only tickets of one of these users.
    pub user_ids: Vec<UserId>,
    /// Only tickets opened at or after this time.
    pub created_from: Option<Timestamp>,
    /// Only tickets opened at or before this time.
    pub created_to: Option<Timestamp>,
    /// Only tickets changed at or after this time.
    pub updated_since: Option<Timestamp>,
    /// Deleted tickets too (otherwise they are left out).
    pub include_deleted: bool,
    /// The order.
    pub sort: TicketSort,
}

/// Which tickets a list or count covers, and in which order: a client's
/// query over the tickets the caller may see. Its query's fields read
/// through it (`filter.keyword`).
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Only tickets of this user (set for customers).
    pub owner: Option<UserId>,
    /// The filters and order asked for.
    pub query: TicketQuery,
}

impl From<TicketQuery> for TicketFilter {
    /// The query over every ticket.
    fn from(query: TicketQuery) -> Self {
        Self { owner: None, query }
    }
}

impl std::ops::Deref for TicketFilter {
    type Target = TicketQuery;

    fn deref(&self) -> &TicketQuery {
        &self.query
    }
}

/// Which audit-log entries a list or count covers.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Only entries of tickets of this user (set for customers).
    pub owner: Option<UserId>,
    /// Only entries of this ticket.
    pub ticket_id: Option<TicketId>,
    /// Internal entries too (otherwise they are left out).
    pub include_internal: bool,
    /// Entries of deleted tickets too (otherwise they are left out).
    pub include_deleted: bool,
    /// Oldest first (otherwise newest first).
    pub oldest_first: bool,
}

/// What a reader may see of a ticket: the store checks it on the ticket's own
/// row before it reads anything else of the ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadScope {
    /// Only tickets of this user (set for customers).
    pub owner: Option<UserId>,
    /// Deleted tickets too.
    pub include_deleted: bool,
    /// Internal notes too (otherwise only public messages are read).
    pub include_internal: bool,
}

impl ReadScope {
    /// Whether a reader with this scope may see `ticket` at all.
    pub fn admits(&self, ticket: &Ticket) -> bool {
        self.owner.as_ref().is_none_or(|o| o == &ticket.user_id)
            && (self.include_deleted || !ticket.is_delete)
    }
}

/// A row's place in a list's order, so that a page can start right after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The row's value of the field the list is sorted by: a time as
    /// microseconds since the Unix epoch, a code, or the id itself.
    pub value: i64,
    /// The row's id, which breaks ties in the same direction.
    pub id: i64,
}

impl Position {
    /// The place of a ticket in a list sorted by `sort`.
    pub fn of_ticket(sort: TicketSort, ticket: &Ticket) -> Self {
        let value = match sort.field {
            SortField::CreatedDate => ticket.audit.created_at.timestamp_micros(),
            SortField::ModifiedDate => ticket.audit.modified_at.timestamp_micros(),
            SortField::Priority => i64::from(ticket.priority.code()),
            SortField::Status => i64::from(ticket.status.code()),
            SortField::Id => ticket.id.get(),
        };
        Self {
            value,
            id: ticket.id.get(),
        }
    }

    /// The place of an audit-log entry in a list ordered by time.
    pub fn of_log_entry(entry: &LogEntry) -> Self {
        Self {
            value: entry.action_at.timestamp_micros(),
            id: entry.id.get(),
        }
    }
}

/// A window on a list: at most `limit` rows, after skipping `offset` rows, or
/// right after the row at `after` (keyset paging: stable while rows are added).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// How many rows at most.
    pub limit: u32,
    /// How many rows to skip.
    pub offset: u64,
    /// Start right after this row (then `offset` counts from there).
    pub after: Option<Position>,
}

impl Page {
    /// The first `limit` rows.
    pub fn first(limit: u32) -> Self {
        Self {
            limit,
            offset: 0,
            after: None,
        }
    }

    /// `limit` rows after skipping `offset`.
    pub fn skip(limit: u32, offset: u64) -> Self {
        Self {
            limit,
            offset,
            after: None,
        }
    }

    /// `limit` rows right after the row at `after`.
    pub fn after(limit: u32, after: Position) -> Self {
        Self {
            limit,
            offset: 0,
            after: Some(after),
        }
    }
}
