//! What the application asks the stores to write: new records, changes,
//! and the log entry of each.

use std::fmt;
use std::sync::Arc;

use ticketd_domain::{
    Actor, CategoryId, CategoryName, Description, FieldChange, FileName, FilePath, LogAction,
    Message, MessageBody, Priority, RefId, Subject, TicketId, TicketStatus, Timestamp, UploadKey,
    UserId, UserType, Visibility,
};

use super::TicketView;
use crate::RepoError;

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

/// Where a new message may go and what it does to its ticket's status, checked
/// against the ticket as the write itself finds it
/// ([`TicketRepository::add_message_to`](crate::TicketRepository::add_message_to)):
/// nothing is read before the write, and no status can move in between.
#[derive(Clone)]
pub struct MessageTarget {
    /// Only this user's tickets (a customer writes to their own); `None`: any.
    pub owner: Option<UserId>,
    /// The status change the message causes to a ticket in the given status,
    /// with the entry that records it (a customer's reply reopens a pending
    /// or resolved ticket), or `None`.
    pub reopen: Arc<dyn Fn(TicketStatus) -> Option<StatusChange> + Send + Sync>,
}

impl MessageTarget {
    /// Whether a message may go to ticket `id` as found (its status, owner
    /// and whether it is deleted): `NotFound` for a deleted ticket or another
    /// owner's, exactly alike, and `Conflict` for a closed one.
    pub fn admits(
        &self,
        id: TicketId,
        status: TicketStatus,
        owner: &UserId,
        deleted: bool,
    ) -> Result<(), RepoError> {
        if deleted || self.owner.as_ref().is_some_and(|o| o != owner) {
            return Err(RepoError::NotFound);
        }
        if !status.accepts_messages() {
            return Err(RepoError::Conflict(format!(
                "ticket {id} is closed and takes no more messages"
            )));
        }
        Ok(())
    }

    /// The check a store makes of the ticket its write finds
    /// ([`admits`](Self::admits)), and then the status change to apply
    /// with the message.
    pub fn check(
        &self,
        id: TicketId,
        status: TicketStatus,
        owner: &UserId,
        deleted: bool,
    ) -> Result<Option<StatusChange>, RepoError> {
        self.admits(id, status, owner, deleted)?;
        Ok((self.reopen)(status))
    }
}

impl fmt::Debug for MessageTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageTarget")
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
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
