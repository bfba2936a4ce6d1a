//! In-memory implementations of the storage ports, for tests of the use cases.
//!
//! They keep the same rules as a real store: ids from 1, newest-first order,
//! case-insensitive literal keyword match, a closed ticket refuses messages, a
//! status change applies only from the status it was decided on, and every write
//! stores its log entry with it or not at all.

use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use ticketd_domain::{
    Actor, Attachment, AttachmentId, Audit, Category, CategoryId, LogEntry, LogEntryId, Message,
    MessageId, Ticket, TicketId, Timestamp, Upload, UploadKey, UserId, UserType, Visibility,
    fold_case, search_text,
};

use crate::error::RepoError;
use crate::model::{
    LogFilter, NewCategory, NewLogEntry, NewMessage, NewTicket, NewUpload, Page, Position,
    ReadScope, StatusChange, TicketDetails, TicketFilter, TicketUpdate, TicketView,
};
use crate::repos::{
    AuditLogRepository, CategoryRepository, Claim, IdempotencyStore, PoolStats, StoreHealth,
    TicketRepository, UploadRepository, UserDirectory,
};

/// A claimed idempotency key: the request's hash, its answer once there is
/// one, and when it was claimed.
struct KeyRecord(String, Option<(u16, String)>, ticketd_domain::Timestamp);

#[derive(Default)]
struct State {
    tickets: Vec<Ticket>,
    messages: Vec<Message>,
    categories: Vec<Category>,
    logs: Vec<LogEntry>,
    users: Vec<(UserId, UserType)>,
    idempotency: Vec<((UserId, String), KeyRecord)>,
    next_attachment: i64,
    uploads: Vec<Upload>,
    written_files: Vec<(UploadKey, ticketd_domain::Timestamp)>,
    unavailable: bool,
}

/// Tickets, categories and the audit log, in memory. Implements every storage
/// port of this crate.
#[derive(Default)]
pub struct InMemoryStore {
    state: Mutex<State>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every call fail with `RepoError::Unavailable` (or work again).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.lock_raw().unavailable = unavailable;
    }

    /// Every log entry stored, oldest first.
    pub fn all_logs(&self) -> Vec<LogEntry> {
        self.lock_raw().logs.clone()
    }

    /// The keys of every upload recorded.
    pub fn all_upload_keys(&self) -> Vec<ticketd_domain::UploadKey> {
        self.lock_raw()
            .uploads
            .iter()
            .map(|u| u.key.clone())
            .collect()
    }

    /// Every message stored, oldest first.
    pub fn all_messages(&self) -> Vec<Message> {
        self.lock_raw().messages.clone()
    }

    fn lock_raw(&self) -> MutexGuard<'_, State> {
        // A panic in another test thread must not hide this test's result.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, RepoError> {
        let state = self.lock_raw();
        if state.unavailable {
            return Err(RepoError::Unavailable(
                "in-memory store switched off".into(),
            ));
        }
        Ok(state)
    }
}

impl State {
    /// Fails unless the key of `keep` is claimed and not answered yet.
    fn answerable<T>(&self, keep: Option<&crate::KeptAnswer<T>>) -> Result<(), RepoError> {
        let Some(keep) = keep else {
            return Ok(());
        };
        match self
            .idempotency
            .iter()
            .find(|((u, k), _)| u == &keep.user && k == &keep.key)
        {
            Some((_, KeyRecord(_, None, _))) => Ok(()),
            _ => Err(RepoError::Conflict(
                "the request was answered meanwhile".into(),
            )),
        }
    }

    /// Keeps the answer of `keep` for what the write made.
    fn keep_answer<T>(
        &mut self,
        keep: Option<&crate::KeptAnswer<T>>,
        made: &T,
    ) -> Result<(), RepoError> {
        let Some(keep) = keep else {
            return Ok(());
        };
        let answer = (keep.render)(made).map_err(|e| RepoError::Unexpected(anyhow::anyhow!(e)))?;
        if let Some((_, KeyRecord(_, slot, _))) = self
            .idempotency
            .iter_mut()
            .find(|((u, k), _)| u == &keep.user && k == &keep.key)
        {
            *slot = Some(answer);
        }
        Ok(())
    }

    fn ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.tickets.iter().find(|t| t.id == id)
    }

    fn live_ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.ticket(id).filter(|t| !t.is_delete)
    }

    fn view(&self, ticket: &Ticket) -> Result<TicketView, RepoError> {
        let category = self
            .categories
            .iter()
            .find(|c| c.id == ticket.category_id)
            .cloned()
            .ok_or_else(|| RepoError::Unexpected(anyhow::anyhow!("ticket without category")))?;
        Ok(TicketView {
            ticket: ticket.clone(),
            category,
        })
    }

    fn push_log(&mut self, ticket_id: TicketId, log: NewLogEntry) {
        let id = LogEntryId(self.logs.len() as i64 + 1);
        self.logs.push(LogEntry {
            id,
            ticket_id,
            action: log.action,
            audit: Audit::new(&log.actor, log.at),
            action_by: log.actor,
            action_at: log.at,
            changes: log.changes,
            visibility: log.visibility,
            is_active: true,
            is_delete: false,
        });
    }

    fn matches(&self, t: &Ticket, f: &TicketFilter) -> bool {
        fn any_of<T: PartialEq>(wanted: &[T], value: &T) -> bool {
            wanted.is_empty() || wanted.contains(value)
        }
        let assignee_ok = (f.assignee_ids.is_empty() && !f.unassigned)
            || t.assignee_id
                .as_ref()
                .is_some_and(|a| f.assignee_ids.contains(a))
            || (f.unassigned && t.assignee_id.is_none());
        (f.include_deleted || !t.is_delete)
            && f.owner.as_ref().is_none_or(|o| &t.user_id == o)
            && f.keyword.as_ref().is_none_or(|k| {
                search_text(
                    t.subject.as_str(),
                    t.description.as_str(),
                    t.ref_id.as_str(),
                )
                .contains(&k.folded())
            })
            && any_of(&f.statuses, &t.status)
            && any_of(&f.priorities, &t.priority)
            && any_of(&f.category_ids, &t.category_id)
            && (f.sub_category_ids.is_empty()
                || t.sub_category_id
                    .is_some_and(|s| f.sub_category_ids.contains(&s)))
            && any_of(&f.user_ids, &t.user_id)
            && assignee_ok
            && f.created_from.is_none_or(|from| t.audit.created_at >= from)
            && f.created_to.is_none_or(|to| t.audit.created_at <= to)
            && f.updated_since
                .is_none_or(|since| t.audit.modified_at >= since)
    }

    fn log_matches(&self, entry: &LogEntry, filter: &LogFilter) -> bool {
        let Some(ticket) = self.ticket(entry.ticket_id) else {
            return false;
        };
        (filter.include_deleted || !ticket.is_delete)
            && (filter.include_internal || entry.visibility.is_visible_to(UserType::Customer))
            && filter.ticket_id.is_none_or(|id| id == entry.ticket_id)
            && filter.owner.as_ref().is_none_or(|o| &ticket.user_id == o)
    }
}

/// The rows of `page`, from `rows` in their list's order (`descending` or not
/// by `position`).
fn page_of<T: Clone>(
    mut rows: Vec<T>,
    page: Page,
    descending: bool,
    position: impl Fn(&T) -> Position,
) -> Vec<T> {
    if let Some(after) = page.after {
        let key = |p: Position| (p.value, p.id);
        rows.retain(|r| {
            let here = key(position(r));
            if descending {
                here < key(after)
            } else {
                here > key(after)
            }
        });
    }
    let start = usize::try_from(page.offset)
        .unwrap_or(usize::MAX)
        .min(rows.len());
    rows.drain(..start);
    rows.truncate(page.limit as usize);
    rows
}

#[async_trait]
impl TicketRepository for InMemoryStore {
    async fn create_ticket(
        &self,
        new: NewTicket,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError> {
        let mut s = self.lock()?;
        if s.tickets.iter().any(|t| t.ref_id == new.ref_id) {
            return Err(RepoError::Conflict("duplicate reference".into()));
        }
        s.answerable(new.answer.as_ref())?;
        let ticket = Ticket {
            id: TicketId(s.tickets.len() as i64 + 1),
            ref_id: new.ref_id,
            user_id: new.user_id,
            user_type: new.user_type,
            category_id: new.category_id,
            sub_category_id: new.sub_category_id,
            subject: new.subject,
            description: new.description,
            status: new.status,
            priority: new.priority,
            assignee_id: new.assignee_id,
            version: 1,
            is_active: true,
            is_delete: false,
            audit: Audit::new(&new.actor, new.at),
        };
        let view = s.view(&ticket)?;
        s.keep_answer(new.answer.as_ref(), &view)?;
        s.push_log(ticket.id, log);
        s.tickets.push(ticket);
        Ok(view)
    }

    async fn get_ticket(&self, id: TicketId) -> Result<Option<TicketView>, RepoError> {
        let s = self.lock()?;
        s.ticket(id).map(|t| s.view(t)).transpose()
    }

    async fn ticket_details(
        &self,
        id: TicketId,
        scope: &ReadScope,
    ) -> Result<Option<TicketDetails>, RepoError> {
        let s = self.lock()?;
        let Some(ticket) = s.ticket(id).filter(|t| scope.admits(t)) else {
            return Ok(None);
        };
        let view = s.view(ticket)?;
        let messages = s
            .messages
            .iter()
            .filter(|m| m.ticket_id == id)
            .filter(|m| scope.include_internal || m.visibility == Visibility::Public)
            .cloned()
            .collect();
        Ok(Some(TicketDetails {
            ticket: view.ticket,
            category: view.category,
            messages,
        }))
    }

    async fn list_tickets(
        &self,
        filter: &TicketFilter,
        page: Page,
    ) -> Result<Vec<TicketView>, RepoError> {
        let s = self.lock()?;
        let mut rows: Vec<&Ticket> = s.tickets.iter().filter(|t| s.matches(t, filter)).collect();
        let sort = filter.sort;
        rows.sort_by_key(|t| {
            let p = Position::of_ticket(sort, t);
            (p.value, p.id)
        });
        if sort.descending {
            rows.reverse();
        }
        let views = rows
            .into_iter()
            .map(|t| s.view(t))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page_of(views, page, sort.descending, |v| {
            Position::of_ticket(sort, &v.ticket)
        }))
    }

    async fn count_tickets(&self, filter: &TicketFilter, at_most: u64) -> Result<u64, RepoError> {
        let s = self.lock()?;
        let n = s.tickets.iter().filter(|t| s.matches(t, filter)).count() as u64;
        Ok(n.min(at_most))
    }

    async fn add_message(
        &self,
        id: TicketId,
        new: NewMessage,
        log: NewLogEntry,
        reopen: Option<StatusChange>,
    ) -> Result<Message, RepoError> {
        let mut s = self.lock()?;
        let ticket = s.live_ticket(id).ok_or(RepoError::NotFound)?;
        if !ticket.status.accepts_messages() {
            return Err(RepoError::Conflict("the ticket is closed".into()));
        }
        if reopen.as_ref().is_some_and(|r| r.from != ticket.status) {
            return Err(RepoError::Conflict(
                "the ticket's status changed meanwhile".into(),
            ));
        }
        s.answerable(new.answer.as_ref())?;
        let message_id = MessageId(s.messages.len() as i64 + 1);
        for (i, a) in new.attachments.iter().enumerate() {
            if let Some(key) = &a.upload {
                let free = s
                    .uploads
                    .iter()
                    .any(|u| &u.key == key && u.attached_to.is_none());
                let twice = new.attachments[..i].iter().any(|b| b.upload == a.upload);
                if !free || twice {
                    return Err(RepoError::Conflict(format!(
                        "upload {key} is attached already or gone"
                    )));
                }
            }
        }
        for a in &new.attachments {
            if let Some(key) = &a.upload
                && let Some(u) = s.uploads.iter_mut().find(|u| &u.key == key)
            {
                u.attached_to = Some(ticketd_domain::AttachedTo {
                    ticket_id: id,
                    message_id,
                    visibility: new.visibility,
                });
            }
        }
        let audit = Audit::new(&new.sender, new.at);
        let mut attachments = Vec::with_capacity(new.attachments.len());
        for a in new.attachments {
            s.next_attachment += 1;
            attachments.push(Attachment {
                id: AttachmentId(s.next_attachment),
                message_id,
                ticket_id: id,
                file_name: a.file_name,
                file_path: a.file_path,
                upload: a.upload,
                is_active: true,
                is_delete: false,
                audit: audit.clone(),
            });
        }
        let message = Message {
            id: message_id,
            ticket_id: id,
            sender: new.sender.clone(),
            body: new.body,
            sent_at: new.at,
            visibility: new.visibility,
            is_active: true,
            is_delete: false,
            audit,
            attachments,
        };
        s.keep_answer(new.answer.as_ref(), &message)?;
        if let Some(t) = s.tickets.iter_mut().find(|t| t.id == id) {
            // An internal note changes nothing a customer can read.
            if new.visibility == Visibility::Public {
                t.audit.touch(&new.sender, new.at);
            }
            if let Some(r) = &reopen {
                t.status = r.to;
                t.version += 1;
            }
        }
        s.messages.push(message.clone());
        s.push_log(id, log);
        if let Some(r) = reopen {
            s.push_log(id, r.log);
        }
        Ok(message)
    }

    async fn update_ticket(
        &self,
        id: TicketId,
        update: TicketUpdate,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError> {
        let mut s = self.lock()?;
        let restoring = update.is_delete == Some(false);
        let ticket = s
            .tickets
            .iter_mut()
            .find(|t| t.id == id && (!t.is_delete || restoring))
            .ok_or(RepoError::NotFound)?;
        if ticket.version != update.expected_version {
            return Err(RepoError::Conflict("the ticket changed meanwhile".into()));
        }
        if let Some(v) = update.status {
            ticket.status = v;
        }
        if let Some(v) = update.priority {
            ticket.priority = v;
        }
        if let Some(v) = update.assignee_id {
            ticket.assignee_id = v;
        }
        if let Some(v) = update.category_id {
            ticket.category_id = v;
        }
        if let Some(v) = update.sub_category_id {
            ticket.sub_category_id = v;
        }
        if let Some(v) = update.is_delete {
            ticket.is_delete = v;
        }
        ticket.version += 1;
        ticket.audit.touch(&update.actor, update.at);
        let ticket = ticket.clone();
        s.push_log(id, log);
        s.view(&ticket)
    }
}

#[async_trait]
impl CategoryRepository for InMemoryStore {
    async fn list_active_categories(&self) -> Result<Vec<Category>, RepoError> {
        let s = self.lock()?;
        Ok(s.categories
            .iter()
            .filter(|c| c.is_usable())
            .cloned()
            .collect())
    }

    async fn get_category(&self, id: CategoryId) -> Result<Option<Category>, RepoError> {
        Ok(self.lock()?.categories.iter().find(|c| c.id == id).cloned())
    }

    async fn create_category(&self, new: NewCategory) -> Result<Category, RepoError> {
        let mut s = self.lock()?;
        let key = fold_case(new.name.as_str());
        if s.categories
            .iter()
            .any(|c| c.parent_id == new.parent_id && fold_case(c.name.as_str()) == key)
        {
            return Err(RepoError::Conflict(
                "a category with this name exists".into(),
            ));
        }
        let category = Category {
            id: CategoryId(s.categories.len() as i64 + 1),
            name: new.name,
            parent_id: new.parent_id,
            is_active: true,
            is_delete: false,
            audit: Audit::new(&new.actor, new.at),
        };
        s.categories.push(category.clone());
        Ok(category)
    }
}

#[async_trait]
impl AuditLogRepository for InMemoryStore {
    async fn list_log_entries(
        &self,
        filter: &LogFilter,
        page: Page,
    ) -> Result<Vec<LogEntry>, RepoError> {
        let s = self.lock()?;
        let mut rows: Vec<LogEntry> = s
            .logs
            .iter()
            .filter(|e| s.log_matches(e, filter))
            .cloned()
            .collect();
        rows.sort_by_key(|e| (e.action_at, e.id));
        if !filter.oldest_first {
            rows.reverse();
        }
        Ok(page_of(
            rows,
            page,
            !filter.oldest_first,
            Position::of_log_entry,
        ))
    }

    async fn count_log_entries(&self, filter: &LogFilter, at_most: u64) -> Result<u64, RepoError> {
        let s = self.lock()?;
        let n = s.logs.iter().filter(|e| s.log_matches(e, filter)).count() as u64;
        Ok(n.min(at_most))
    }
}

#[async_trait]
impl UserDirectory for InMemoryStore {
    async fn remember_user(&self, actor: &Actor) -> Result<(), RepoError> {
        let mut s = self.lock()?;
        s.users.retain(|(id, _)| id != &actor.id);
        s.users.push((actor.id.clone(), actor.user_type));
        Ok(())
    }

    async fn user_type(&self, id: &UserId) -> Result<Option<UserType>, RepoError> {
        Ok(self
            .lock()?
            .users
            .iter()
            .find(|(u, _)| u == id)
            .map(|(_, t)| *t))
    }
}

#[async_trait]
impl StoreHealth for InMemoryStore {
    async fn ping(&self) -> Result<(), RepoError> {
        self.lock().map(|_| ())
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            connections: 1,
            idle: 1,
            max: 1,
        }
    }
}

#[async_trait]
impl IdempotencyStore for InMemoryStore {
    async fn claim(
        &self,
        user: &UserId,
        key: &str,
        hash: &str,
        now: ticketd_domain::Timestamp,
        stale_after: chrono::Duration,
    ) -> Result<Claim, RepoError> {
        let mut s = self.lock()?;
        let id = (user.clone(), key.to_owned());
        match s.idempotency.iter_mut().find(|(k, _)| *k == id) {
            None => {
                s.idempotency
                    .push((id, KeyRecord(hash.to_owned(), None, now)));
                Ok(Claim::New)
            }
            Some((_, KeyRecord(stored, _, _))) if stored != hash => Ok(Claim::Mismatch),
            Some((_, KeyRecord(_, Some((status, body)), _))) => Ok(Claim::Replay {
                status: *status,
                body: body.clone(),
            }),
            Some((_, KeyRecord(_, None, at))) if *at < now - stale_after => {
                *at = now;
                Ok(Claim::New)
            }
            Some(_) => Ok(Claim::InProgress),
        }
    }

    async fn release(&self, user: &UserId, key: &str) -> Result<(), RepoError> {
        self.lock()?
            .idempotency
            .retain(|((u, k), _)| !(u == user && k == key));
        Ok(())
    }

    async fn forget_before(&self, before: ticketd_domain::Timestamp) -> Result<u64, RepoError> {
        let mut s = self.lock()?;
        let n = s.idempotency.len();
        s.idempotency
            .retain(|(_, KeyRecord(_, _, at))| *at >= before);
        Ok((n - s.idempotency.len()) as u64)
    }
}

#[async_trait]
impl UploadRepository for InMemoryStore {
    async fn create_uploads(&self, uploads: Vec<NewUpload>) -> Result<Vec<Upload>, RepoError> {
        let mut s = self.lock()?;
        if uploads
            .iter()
            .any(|n| s.uploads.iter().any(|u| u.key == n.key))
        {
            return Err(RepoError::Conflict("upload key taken".into()));
        }
        let made: Vec<Upload> = uploads
            .into_iter()
            .map(|n| Upload {
                key: n.key,
                owner: n.owner,
                file_name: n.file_name,
                content_type: n.content_type,
                size: n.size,
                sha256: n.sha256,
                created_at: n.at,
                attached_to: None,
            })
            .collect();
        s.uploads.extend(made.iter().cloned());
        s.written_files
            .retain(|(k, _)| !made.iter().any(|u| &u.key == k));
        Ok(made)
    }

    async fn get_upload(&self, key: &UploadKey) -> Result<Option<Upload>, RepoError> {
        let s = self.lock()?;
        Ok(s.uploads.iter().find(|u| &u.key == key).cloned())
    }

    async fn delete_unattached_uploads(
        &self,
        created_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<UploadKey>, RepoError> {
        let mut s = self.lock()?;
        let doomed: Vec<UploadKey> = s
            .uploads
            .iter()
            .filter(|u| u.attached_to.is_none() && u.created_at < created_before)
            .take(limit as usize)
            .map(|u| u.key.clone())
            .collect();
        s.uploads.retain(|u| !doomed.contains(&u.key));
        Ok(doomed)
    }

    async fn note_written_file(&self, key: &UploadKey, at: Timestamp) -> Result<(), RepoError> {
        let mut s = self.lock()?;
        s.written_files.retain(|(k, _)| k != key);
        s.written_files.push((key.clone(), at));
        Ok(())
    }

    async fn unrecorded_files(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<UploadKey>, RepoError> {
        let s = self.lock()?;
        let mut left: Vec<&(UploadKey, Timestamp)> = s
            .written_files
            .iter()
            .filter(|(k, at)| *at < before && !s.uploads.iter().any(|u| &u.key == k))
            .collect();
        left.sort_by_key(|(_, at)| *at);
        Ok(left
            .into_iter()
            .take(limit as usize)
            .map(|(k, _)| k.clone())
            .collect())
    }

    async fn unattached_bytes(&self, owner: &UserId) -> Result<u64, RepoError> {
        let s = self.lock()?;
        Ok(s.uploads
            .iter()
            .filter(|u| &u.owner.id == owner && u.attached_to.is_none())
            .map(|u| u.size)
            .sum())
    }

    async fn forget_written_files(&self, keys: &[UploadKey]) -> Result<(), RepoError> {
        self.lock()?
            .written_files
            .retain(|(k, _)| !keys.contains(k));
        Ok(())
    }
}

/// A finished file: its key, bytes and when it was written.
type MemoryFile = (UploadKey, Vec<u8>, Timestamp);

/// A [`FileStore`](crate::FileStore) in memory, with the same rules as a real
/// one: a file is readable only once its writer finishes. Clones share the
/// same files.
#[derive(Default, Clone)]
pub struct InMemoryFiles {
    files: std::sync::Arc<Mutex<Vec<MemoryFile>>>,
}

impl InMemoryFiles {
    /// No files.
    pub fn new() -> Self {
        Self::default()
    }

    /// The keys of every finished file.
    pub fn keys(&self) -> Vec<UploadKey> {
        self.lock().iter().map(|(k, _, _)| k.clone()).collect()
    }

    /// Stores a finished file directly, as written at `at`.
    pub fn insert(&self, key: UploadKey, bytes: Vec<u8>, at: Timestamp) {
        self.lock().push((key, bytes, at));
    }

    fn lock(&self) -> MutexGuard<'_, Vec<MemoryFile>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct MemoryWriter {
    files: InMemoryFiles,
    key: UploadKey,
    bytes: Vec<u8>,
}

#[async_trait]
impl crate::FileStore for InMemoryFiles {
    async fn create(&self, key: &UploadKey) -> Result<Box<dyn crate::FileWriter>, RepoError> {
        Ok(Box::new(MemoryWriter {
            files: self.clone(),
            key: key.clone(),
            bytes: Vec::new(),
        }))
    }

    async fn open(&self, key: &UploadKey) -> Result<Option<crate::StoredFile>, RepoError> {
        let files = self.lock();
        Ok(files.iter().find(|(k, _, _)| k == key).map(|(_, b, _)| {
            let chunk = bytes::Bytes::from(b.clone());
            crate::StoredFile {
                size: b.len() as u64,
                bytes: Box::pin(Once(Some(Ok(chunk)))),
            }
        }))
    }

    async fn delete(&self, key: &UploadKey) -> Result<(), RepoError> {
        self.lock().retain(|(k, _, _)| k != key);
        Ok(())
    }
}

#[async_trait]
impl crate::FileWriter for MemoryWriter {
    async fn write(&mut self, chunk: bytes::Bytes) -> Result<(), RepoError> {
        self.bytes.extend_from_slice(&chunk);
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<(), RepoError> {
        let this = *self;
        this.files.insert(this.key, this.bytes, chrono::Utc::now());
        Ok(())
    }

    async fn abort(self: Box<Self>) -> Result<(), RepoError> {
        Ok(())
    }
}

/// A stream of one item.
struct Once<T>(Option<T>);

impl<T: Unpin> futures_core::Stream for Once<T> {
    type Item = T;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T>> {
        std::task::Poll::Ready(self.0.take())
    }
}
