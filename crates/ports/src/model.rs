use ticketd_domain::{
    Actor, Category, CategoryId, CategoryName, Description, FileName, FilePath, Keyword, LogAction,
    Message, MessageBody, RefId, Subject, Ticket, TicketId, TicketStatus, Timestamp, UserId,
    UserType,
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
    /// Who opens it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
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
}

/// An attachment to store with its message.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// The name shown to people.
    pub file_name: FileName,
    /// Where the file lives.
    pub file_path: FilePath,
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
    /// When it was received.
    pub at: Timestamp,
}

/// A status change, applied only if the ticket is still in status `from`
/// (otherwise `RepoError::Conflict`), so that two concurrent changes cannot
/// both be decided on the same stale state.
#[derive(Debug, Clone)]
pub struct StatusChange {
    /// The status the decision was made on.
    pub from: TicketStatus,
    /// The new status.
    pub to: TicketStatus,
    /// Who changes it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
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

/// Which tickets a list or count covers. Deleted tickets are never included.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Only tickets of this user (set for customers).
    pub owner: Option<UserId>,
    /// Only tickets whose subject, description or reference contain this.
    pub keyword: Option<Keyword>,
}

/// Which audit-log entries a list or count covers. Entries of deleted tickets
/// are never included.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Only entries of tickets of this user (set for customers).
    pub owner: Option<UserId>,
    /// Only entries of this ticket.
    pub ticket_id: Option<TicketId>,
}

/// A window on a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// How many rows at most.
    pub limit: u32,
    /// How many rows to skip.
    pub offset: u64,
}
